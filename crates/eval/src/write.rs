//! The result written as compact JSON straight from the outcome, without
//! a [`Report`](crate::Report) in between: the same bytes as
//! `serde_json::to_writer(&outcome.report_with(options))`, for the NDJSON
//! path, where a result line is written millions of times.
//!
//! A [`Writer`] is made once per evaluator and set of report options. It
//! holds, written as JSON once, every text a result repeats: the schema
//! and the guideline, each item's head (its id and title and, for a
//! recommendation, what it recommends, its strength, certainty and level),
//! the longer texts, the field paths, places and the comparisons a reason
//! shows. A result then copies them and writes only what depends on the
//! patient. The walk over the result is the one [`Outcome::walk`] that
//! builds a `Report`, so the two cannot say different things.
//!
//! `tests/report_json.rs` holds this to serde's output on random patients
//! of every shipped guideline and every corpus guideline that compiles,
//! with each combination of options.

use crate::explain::Datum;
use crate::report::{Cause, DeadlineOf, Reason, ReportOptions, Sink, State, Why, WhyOf, RESULT_SCHEMA};
use crate::value::Tri;
use crate::why::{Cause as CauseRef, Open};
use crate::{Evaluator, Outcome};
use guidepath_ir::{Direction, NodeKind, Text};

/// A member's key, after a comma unless it is the object's `first`: one
/// constant copied, made at compile time. Keys are fixed ASCII names that
/// need no escaping.
macro_rules! key {
    ($out:expr, $name:literal, first) => {
        $out.extend_from_slice(concat!("\"", $name, "\":").as_bytes())
    };
    ($out:expr, $name:literal) => {
        $out.extend_from_slice(concat!(",\"", $name, "\":").as_bytes())
    };
}

/// Writes the results of one evaluator with one set of report options as
/// compact JSON, each text the results repeat written once, here.
pub struct Writer<'e> {
    ev: &'e Evaluator,
    options: ReportOptions,
    /// `"schema":…,"guideline":{…}`.
    guideline: Box<[u8]>,
    /// Each stratification's `{"id":…,"title":…` (`head`), and for each
    /// of its strata `,"stratum":…` with its title when it has one.
    strata: Vec<Stratification>,
    /// Each score's `{"id":…,"title":…`.
    scores: Vec<Bytes>,
    /// Each recommendation's `{"id":…` to its `"level":…`, and its
    /// `,"rationale":…` when asked for and given (`tail`).
    recommendations: Vec<Ends>,
    /// Each pathway's `{"id":…,"title":…`, and each of its steps' with
    /// the step's `,"responsible":…,"if_missed":…` when asked for and
    /// given.
    pathways: Vec<Pathway>,
    /// Each input's path as a JSON string.
    paths: Vec<Bytes>,
    /// Each place as a JSON string (`head`), and its text as one (`tail`).
    places: Vec<Ends>,
    /// Each comparison shown at load (in the order of `Texts::atoms`): its
    /// condition, and its two messages, as JSON strings.
    atoms: Vec<[Bytes; 3]>,
}

/// JSON written once.
type Bytes = Box<[u8]>;

/// Two pieces of JSON written once: what an item begins with, and what
/// it ends with.
struct Ends {
    head: Bytes,
    tail: Bytes,
}

struct Stratification {
    head: Bytes,
    strata: Vec<Bytes>,
}

struct Pathway {
    head: Bytes,
    steps: Vec<Ends>,
}

/// What `write` writes, as bytes.
fn bytes(write: impl FnOnce(&mut Vec<u8>)) -> Bytes {
    let mut out = Vec::new();
    write(&mut out);
    out.into_boxed_slice()
}

/// `s` as a JSON string.
fn quoted(s: &str) -> Bytes {
    bytes(|o| string(o, s))
}

impl<'e> Writer<'e> {
    /// The writer of `evaluator`'s results with `options`.
    pub fn new(evaluator: &'e Evaluator, options: &ReportOptions) -> Writer<'e> {
        let art = &evaluator.artifact;
        let own = art.guideline.language.as_deref();
        let lang = options.lang.as_deref().or(own);
        let title = |t: &'e Text| t.get(lang, own);
        // A longer text's member, when asked for and given.
        let text = |o: &mut Vec<u8>, name: &str, t: &'e Text| {
            if let Some(t) = title(t).filter(|_| options.texts) {
                o.push(b',');
                string(o, name);
                o.push(b':');
                string(o, t);
            }
        };
        let item = |id: &str, t: &'e Text| bytes(|o| open_item(o, id, title(t)));
        let guideline = bytes(|out| {
            let g = &art.guideline;
            key!(out, "schema", first);
            string(out, RESULT_SCHEMA);
            key!(out, "guideline");
            out.push(b'{');
            key!(out, "id", first);
            string(out, &g.id);
            key!(out, "version");
            opt_string(out, g.version.as_deref());
            key!(out, "title");
            opt_string(out, title(&g.title));
            key!(out, "language");
            opt_string(out, options.lang.as_deref().or(own));
            key!(out, "content_hash");
            string(out, &art.content_hash);
            out.push(b'}');
        });
        let mut strata = Vec::new();
        let mut scores = Vec::new();
        for node in &art.nodes {
            match &node.kind {
                NodeKind::Stratify { strata: list, .. } => {
                    let each = list
                        .iter()
                        .map(|s| {
                            bytes(|o| {
                                key!(o, "stratum");
                                string(o, &s.name);
                                if let Some(t) = title(&s.title) {
                                    key!(o, "stratum_title");
                                    string(o, t);
                                }
                            })
                        })
                        .collect();
                    strata.push(Stratification { head: item(&node.id, &node.title), strata: each });
                }
                NodeKind::Score { .. } => scores.push(item(&node.id, &node.title)),
                NodeKind::Define { .. } => {}
            }
        }
        let recommendations = art
            .recommendations
            .iter()
            .map(|r| {
                let head = bytes(|o| {
                    open_item(o, &r.id, title(&r.title));
                    key!(o, "direction");
                    string(o, direction(r.direction));
                    key!(o, "action");
                    string(o, &r.action);
                    key!(o, "strength");
                    opt_string(o, r.strength.as_deref());
                    key!(o, "certainty");
                    opt_string(o, r.certainty.as_deref());
                    key!(o, "level");
                    opt_string(o, title(&r.level));
                });
                Ends { head, tail: bytes(|o| text(o, "rationale", &r.rationale)) }
            })
            .collect();
        let pathways = art
            .pathways
            .iter()
            .map(|p| {
                let steps = p
                    .steps
                    .iter()
                    .map(|s| {
                        let tail = bytes(|o| {
                            text(o, "responsible", &s.responsible);
                            text(o, "if_missed", &s.if_missed);
                        });
                        Ends { head: item(&s.id, &s.title), tail }
                    })
                    .collect();
                Pathway { head: item(&p.id, &p.title), steps }
            })
            .collect();
        let texts = evaluator.texts();
        Writer {
            ev: evaluator,
            options: options.clone(),
            guideline,
            strata,
            scores,
            recommendations,
            pathways,
            paths: art.inputs.iter().map(|i| quoted(&i.path)).collect(),
            places: (0..art.source.places.len())
                .map(|at| {
                    let at = at as guidepath_ir::At;
                    Ends { head: quoted(evaluator.place(at).unwrap_or_default()), tail: quoted(art.place_text(at)) }
                })
                .collect(),
            atoms: texts.atoms.iter().map(|(_, s)| [&s.condition, &s.plain, &s.times].map(|t| quoted(t))).collect(),
        }
    }

    /// `outcome`'s result as a JSON object, appended to `out`.
    pub fn write(&self, outcome: &Outcome<'_>, out: &mut Vec<u8>) {
        out.push(b'{');
        self.write_members(outcome, out);
        out.push(b'}');
    }

    /// The members of `outcome`'s result without the object's braces, for
    /// a caller that puts members of its own before them (the NDJSON
    /// record's `line` and `id`).
    pub fn write_members(&self, outcome: &Outcome<'_>, out: &mut Vec<u8>) {
        if !std::ptr::eq(self.ev, outcome.ev) {
            // Another evaluator's result: written with a writer of its own.
            return Writer::new(outcome.ev, &self.options).write_members(outcome, out);
        }
        out.extend_from_slice(&self.guideline);
        key!(out, "strata");
        out.push(b'[');
        let mut json =
            Json { w: self, o: outcome, out, list: List::Strata, first: true, pathway: 0, written: Written::default() };
        outcome.walk(&mut json);
        json.enter(List::End);
        if self.options.explain {
            key!(out, "explanation");
            value(out, &crate::explain::explain(outcome));
        }
    }
}

/// The lists of a result, in the order it has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum List {
    Strata,
    Scores,
    Recommendations,
    Pathways,
    /// After the last: every list closed.
    End,
}

/// Writes a result from the walk over it.
struct Json<'w, 'o, 'e> {
    w: &'w Writer<'w>,
    o: &'o Outcome<'e>,
    out: &'o mut Vec<u8>,
    /// The list being written; every list before it is closed.
    list: List,
    /// Whether no item of the list is written yet.
    first: bool,
    /// The pathway whose steps are being written.
    pathway: usize,
    written: Written<'e>,
}

impl<'e> Json<'_, '_, 'e> {
    /// Closes the lists before `list` and opens it, and puts the comma
    /// before its next item. Every list is written, the empty ones too;
    /// `List::End` closes the last.
    fn enter(&mut self, list: List) {
        let out = &mut *self.out;
        if self.list == List::Pathways && !self.first {
            // The last pathway's steps and the pathway.
            out.extend_from_slice(b"]}");
        }
        while self.list < list {
            out.push(b']');
            self.list = match self.list {
                List::Strata => {
                    key!(out, "scores");
                    List::Scores
                }
                List::Scores => {
                    key!(out, "recommendations");
                    List::Recommendations
                }
                List::Recommendations => {
                    key!(out, "pathways");
                    List::Pathways
                }
                List::Pathways | List::End => {
                    self.list = List::End;
                    return;
                }
            };
            out.push(b'[');
            self.first = true;
        }
        if !self.first {
            out.push(b',');
        }
        self.first = false;
    }

    fn why(&mut self, why: WhyOf<'_, 'e>) {
        let (w, o, out) = (self.w, self.o, &mut *self.out);
        match why {
            WhyOf::Decided => {}
            WhyOf::Made(why) => made_why(out, &why),
            WhyOf::Open(open) => self.written.why(out, Key::open(open), |out| {
                key!(out, "needs");
                out.push(b'[');
                let mut first = true;
                for p in open.needs.sorted().filter_map(|i| w.paths.get(i as usize)) {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(p);
                }
                out.push(b']');
                key!(out, "reasons");
                out.push(b'[');
                for (k, r) in open.reasons.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    w.reason(out, o, r.atom, r.label);
                }
                out.push(b']');
            }),
            WhyOf::Excluded(causes) => self.written.why(out, Key::excluded(causes), |out| {
                key!(out, "because");
                out.push(b'[');
                for (k, c) in causes.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    w.cause(out, o, *c);
                }
                out.push(b']');
            }),
        }
    }

    fn state_applies(&mut self, s: State, applies: Tri) {
        key!(self.out, "state");
        state(self.out, s);
        key!(self.out, "applies");
        opt_bool(self.out, applies);
    }
}

impl<'e> Sink<'e> for Json<'_, '_, 'e> {
    fn stratification(
        &mut self,
        k: usize,
        _: &'e guidepath_ir::Node,
        s: State,
        stratum: Option<usize>,
        why: WhyOf<'_, 'e>,
    ) {
        self.enter(List::Strata);
        let Some(Stratification { head, strata }) = self.w.strata.get(k) else { return };
        self.out.extend_from_slice(head);
        key!(self.out, "state");
        state(self.out, s);
        match stratum.and_then(|i| strata.get(i)) {
            Some(b) => self.out.extend_from_slice(b),
            None => {
                key!(self.out, "stratum");
                self.out.extend_from_slice(b"null");
            }
        }
        self.why(why);
        self.out.push(b'}');
    }

    fn score(&mut self, k: usize, _: &'e guidepath_ir::Node, lo: f64, hi: f64, why: WhyOf<'_, 'e>) {
        self.enter(List::Scores);
        let Some(head) = self.w.scores.get(k) else { return };
        let out = &mut *self.out;
        out.extend_from_slice(head);
        let decided = lo == hi;
        key!(out, "state");
        state(out, if decided { State::Decided } else { State::Undecided });
        key!(out, "value");
        number(out, if decided { lo } else { f64::NAN });
        key!(out, "min");
        number(out, lo);
        key!(out, "max");
        number(out, hi);
        self.why(why);
        self.out.push(b'}');
    }

    fn recommendation(&mut self, k: usize, _: &'e guidepath_ir::Recommendation, applies: Tri, why: WhyOf<'_, 'e>) {
        self.enter(List::Recommendations);
        let Some(Ends { head, tail: rationale }) = self.w.recommendations.get(k) else { return };
        self.out.extend_from_slice(head);
        self.state_applies(if applies.is_some() { State::Decided } else { State::Undecided }, applies);
        self.why(why);
        self.out.extend_from_slice(rationale);
        self.out.push(b'}');
    }

    fn pathway(&mut self, k: usize, _: &'e guidepath_ir::Pathway, s: State, applies: Tri, why: WhyOf<'_, 'e>) {
        self.enter(List::Pathways);
        let Some(Pathway { head, .. }) = self.w.pathways.get(k) else { return };
        self.out.extend_from_slice(head);
        self.state_applies(s, applies);
        self.why(why);
        key!(self.out, "steps");
        self.out.push(b'[');
        self.pathway = k;
    }

    fn step(
        &mut self,
        k: usize,
        _: &'e guidepath_ir::Step,
        s: State,
        applies: Tri,
        why: WhyOf<'_, 'e>,
        deadline: Option<DeadlineOf<'_, 'e>>,
    ) {
        let Some(Ends { head, tail }) = self.w.pathways.get(self.pathway).and_then(|p| p.steps.get(k)) else { return };
        if k > 0 {
            self.out.push(b',');
        }
        self.out.extend_from_slice(head);
        self.state_applies(s, applies);
        self.why(why);
        if let Some(d) = deadline {
            key!(self.out, "deadline");
            self.out.push(b'{');
            key!(self.out, "state", first);
            state(self.out, d.state);
            key!(self.out, "due");
            match d.due {
                Some(day) => date(self.out, day),
                None => self.out.extend_from_slice(b"null"),
            }
            key!(self.out, "within");
            string(self.out, d.within);
            key!(self.out, "after");
            string(self.out, d.after);
            self.why(d.why);
            self.out.push(b'}');
        }
        self.out.extend_from_slice(tail);
        self.out.push(b'}');
    }
}

impl Writer<'_> {
    /// A reason `atom` gives, with the labelled condition it is part of.
    fn reason(&self, out: &mut Vec<u8>, o: &Outcome<'_>, atom: &guidepath_ir::Expr, label: Option<guidepath_ir::At>) {
        let art = &o.ev.artifact;
        let times = o.times(atom);
        let shown = o.shown_index(atom).and_then(|k| Some((self.atoms.get(k)?, o.ev.texts().atoms.get(k)?)));
        // Every atom of the artifact is shown at load; this is for one
        // that is not (none is).
        let made;
        let (condition, message, inputs): (&[u8], &[u8], &[u32]) = match shown {
            Some(([condition, plain, in_time], (_, s))) => (condition, if times { in_time } else { plain }, &s.inputs),
            None => {
                let s = crate::report::Shown::of(art, atom);
                made = (quoted(&s.condition), quoted(if times { &s.times } else { &s.plain }), s.inputs);
                (&made.0, &made.1, &made.2)
            }
        };
        out.push(b'{');
        key!(out, "condition", first);
        out.extend_from_slice(condition);
        key!(out, "at");
        match label.and_then(|at| self.places.get(at as usize)) {
            Some(place) => out.extend_from_slice(&place.head),
            None => out.extend_from_slice(b"null"),
        }
        key!(out, "data");
        out.push(b'{');
        let mut first = true;
        for &i in inputs {
            let (Some(input), Some(path)) = (art.inputs.get(i as usize), self.paths.get(i as usize)) else { continue };
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(path);
            out.push(b':');
            datum(out, &Datum::of(input, o.bound.get(i)));
        }
        out.push(b'}');
        key!(out, "message");
        out.extend_from_slice(message);
        out.push(b'}');
    }

    /// A condition that excludes an item.
    fn cause(&self, out: &mut Vec<u8>, o: &Outcome<'_>, c: CauseRef<'_>) {
        let art = &o.ev.artifact;
        out.push(b'{');
        key!(out, "condition", first);
        let at = match c {
            CauseRef::Label(at) => match self.places.get(at as usize) {
                Some(place) => {
                    out.extend_from_slice(&place.tail);
                    Some(&place.head)
                }
                None => {
                    out.extend_from_slice(b"\"\"");
                    None
                }
            },
            CauseRef::Node(n) => match art.nodes.get(n as usize) {
                Some(node) => {
                    string(out, &node.id);
                    self.places.get(node.at as usize).map(|place| &place.head)
                }
                None => {
                    out.extend_from_slice(b"\"?\"");
                    None
                }
            },
            CauseRef::Expr(e) => {
                string(out, &art.show(e));
                None
            }
        };
        key!(out, "at");
        match at {
            Some(at) => out.extend_from_slice(at),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
}

/// A why as the memo of whys written compares it: equal keys write equal
/// bytes in one result. Only whys of a few reasons or causes, and needs
/// below 128, have one; the rest are written each time.
#[derive(Clone, Copy, PartialEq)]
enum Key<'e> {
    Open { needs: u128, reasons: [(usize, Option<guidepath_ir::At>); Key::MAX], len: usize },
    Excluded { causes: [Option<CauseRef<'e>>; Key::MAX] },
}

impl<'e> Key<'e> {
    const MAX: usize = 4;

    fn open(open: &Open<'_>) -> Option<Key<'e>> {
        let needs = open.needs.small()?;
        let mut reasons = [(0, None); Key::MAX];
        if open.reasons.len() > Key::MAX {
            return None;
        }
        for (k, r) in open.reasons.iter().enumerate() {
            // Compared by address: the same atom shows the same text.
            reasons[k] = (r.atom as *const guidepath_ir::Expr as usize, r.label);
        }
        Some(Key::Open { needs, reasons, len: open.reasons.len() })
    }

    fn excluded(causes: &[CauseRef<'e>]) -> Option<Key<'e>> {
        let mut out = [None; Key::MAX];
        if causes.len() > Key::MAX {
            return None;
        }
        for (k, c) in causes.iter().enumerate() {
            out[k] = Some(*c);
        }
        Some(Key::Excluded { causes: out })
    }
}

/// The whys a result has written so far, with where their bytes are in
/// `out`. A pathway's steps are often undecided for the pathway's own
/// reasons, so one result writes the same why many times; a why equal to
/// one written before is copied from it. At most [`Written::MAX`] are
/// kept, so a result of many distinct whys costs a bounded number of
/// comparisons each. Kept on the stack: a result is written per patient.
#[derive(Default)]
struct Written<'e> {
    whys: [Option<(Key<'e>, std::ops::Range<usize>)>; Written::MAX],
}

impl<'e> Written<'e> {
    const MAX: usize = 8;

    /// What `write` writes, or the bytes of an equal why written before.
    fn why(&mut self, out: &mut Vec<u8>, key: Option<Key<'e>>, write: impl FnOnce(&mut Vec<u8>)) {
        let Some(key) = key else { return write(out) };
        let mut free = None;
        for slot in &mut self.whys {
            match slot {
                Some((k, at)) if *k == key => {
                    out.extend_from_within(at.clone());
                    return;
                }
                Some(_) => {}
                None => {
                    free = Some(slot);
                    break;
                }
            }
        }
        let start = out.len();
        write(out);
        if let Some(slot) = free {
            *slot = Some((key, start..out.len()));
        }
    }
}

/// A day as JSON: `"YYYY-MM-DD"` (digits and dashes need no escape).
fn date(out: &mut Vec<u8>, day: i64) {
    match guidepath_ir::calendar::date_bytes(day) {
        Some(bytes) => {
            out.push(b'"');
            out.extend_from_slice(&bytes);
            out.push(b'"');
        }
        None => string(out, &guidepath_ir::calendar::format_date(day)),
    }
}

/// A number as the result writes it: integers without a fraction, and
/// `null` for one that is not finite (an open bound).
fn number(out: &mut Vec<u8>, x: f64) {
    if let Some(n) = crate::whole(x) {
        // Scores mostly are integers.
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    } else if x.is_finite() {
        value(out, &crate::num(x));
    } else {
        out.extend_from_slice(b"null");
    }
}

/// `{"id":…,"title":…`: how every item of the result begins.
fn open_item(out: &mut Vec<u8>, id: &str, title: Option<&str>) {
    out.push(b'{');
    key!(out, "id", first);
    string(out, id);
    key!(out, "title");
    opt_string(out, title);
}

/// A direction as the result names it.
fn direction(d: Direction) -> &'static str {
    match d {
        Direction::For => "for",
        Direction::Against => "against",
    }
}

/// The members of a [`Why`] made in full that are present, each after a
/// comma (they follow other members).
fn made_why(out: &mut Vec<u8>, w: &Why<'_>) {
    if let Some(needs) = &w.needs {
        key!(out, "needs");
        strings(out, needs);
    }
    if let Some(reasons) = &w.reasons {
        key!(out, "reasons");
        plain_list(out, reasons, reason);
    }
    if let Some(because) = &w.because {
        key!(out, "because");
        plain_list(out, because, cause);
    }
}

fn reason(out: &mut Vec<u8>, r: &Reason) {
    out.push(b'{');
    key!(out, "condition", first);
    string(out, &r.condition);
    key!(out, "at");
    opt_string(out, r.at);
    key!(out, "data");
    out.push(b'{');
    for (k, (name, v)) in r.data.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        string(out, name);
        out.push(b':');
        datum(out, v);
    }
    out.push(b'}');
    key!(out, "message");
    string(out, &r.message);
    out.push(b'}');
}

fn cause(out: &mut Vec<u8>, c: &Cause<'_>) {
    out.push(b'{');
    key!(out, "condition", first);
    string(out, &c.condition);
    key!(out, "at");
    opt_string(out, c.at);
    out.push(b'}');
}

/// An array of what `item` writes.
fn plain_list<T>(out: &mut Vec<u8>, items: &[T], item: fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        item(out, x);
    }
    out.push(b']');
}

fn state(out: &mut Vec<u8>, s: State) {
    out.extend_from_slice(match s {
        State::Decided => b"\"decided\"",
        State::NotApplicable => b"\"not_applicable\"",
        State::Undecided => b"\"undecided\"",
    });
}

fn opt_bool(out: &mut Vec<u8>, b: Option<bool>) {
    out.extend_from_slice(match b {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string as serde_json writes it: `"` and `\` escaped, control
/// characters as `\b \t \n \f \r` or `\u00XX`, everything else as is.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
    } else {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                0x09 => b"\\t",
                0x0a => b"\\n",
                0x0c => b"\\f",
                0x0d => b"\\r",
                0x00..=0x1f => {
                    out.extend_from_slice(&bytes[start..i]);
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
                    start = i + 1;
                    continue;
                }
                _ => continue,
            };
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(escape);
            start = i + 1;
        }
        out.extend_from_slice(&bytes[start..]);
    }
    out.push(b'"');
}

/// Whether `b` has a byte JSON escapes: a control character, `"` or `\\`.
/// It looks at 16 bytes at a time, which the compiler turns into a few
/// vector instructions a block. The last block overlaps
/// the one before it, and a string shorter than a block is first padded
/// with spaces, so no string is looked at byte by byte: most strings here
/// are ids and places of a few dozen bytes, where a byte loop for the
/// tail cost more than the blocks.
fn needs_escape(b: &[u8]) -> bool {
    #[inline(always)]
    fn block(c: &[u8; 16]) -> bool {
        c.iter().fold(false, |any, &x| any | (x < 0x20) | (x == b'"') | (x == b'\\'))
    }
    if b.len() < 16 {
        let mut padded = [b' '; 16];
        padded[..b.len()].copy_from_slice(b);
        return block(&padded);
    }
    let blocks = b.chunks_exact(16);
    let rest = blocks.remainder().len();
    // A loop with an exit per block, so the compiler vectorises each block
    // rather than gathering bytes across blocks.
    for c in blocks {
        if <&[u8; 16]>::try_from(c).is_ok_and(block) {
            return true;
        }
    }
    rest > 0 && b.last_chunk::<16>().is_some_and(block)
}

/// A JSON value (numbers, data of reasons, explanations): rare and small,
/// left to serde_json, which writes to a `Vec` without failing.
fn value(out: &mut Vec<u8>, v: &serde_json::Value) {
    let _ = serde_json::to_writer(&mut *out, v);
}

/// A field's value in a reason, as its `Serialize` writes it.
fn datum(out: &mut Vec<u8>, d: &Datum<'_>) {
    match d {
        Datum::Unknown => out.extend_from_slice(b"null"),
        Datum::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Datum::Num(x) => value(out, &crate::num(*x)),
        Datum::Date(d) => date(out, *d),
        Datum::Duration(d) => string(out, &d.to_iso()),
        Datum::Text(t) => string(out, t),
        Datum::Value(s) => string(out, s),
        Datum::Values(values) => strings(out, values),
    }
}

/// A JSON array of strings.
fn strings(out: &mut Vec<u8>, items: &[&str]) {
    plain_list(out, items, |out, s| string(out, s));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers are written as the report's `crate::num` values serialise:
    /// integers without a fraction, others as serde_json writes a float,
    /// and `null` for an open bound.
    #[test]
    fn numbers_are_written_as_the_report_writes_them() {
        let xs = [
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.5,
            -2.25,
            1e-7,
            8.999e15,
            9e15,
            -9e15,
            1e20,
            9.3e18,
            -9.3e18,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in xs {
            let mut out = Vec::new();
            number(&mut out, x);
            let expected = if x.is_finite() { crate::num(x) } else { serde_json::Value::Null };
            assert_eq!(String::from_utf8(out).unwrap(), expected.to_string(), "{x}");
        }
    }

    /// Whys are the same why only where every reason or cause is: a key
    /// tells apart lists that differ in any place, and a list longer than
    /// a key holds has none (it is written each time).
    #[test]
    fn keys_tell_whys_apart_by_every_part() {
        let (a, b) = (guidepath_ir::Expr::Bool(true), guidepath_ir::Expr::Bool(false));
        let causes = [CauseRef::Label(1), CauseRef::Node(2), CauseRef::Expr(&a), CauseRef::Label(3)];
        fn key<'e>(c: &[CauseRef<'e>]) -> Option<Key<'e>> {
            Key::excluded(c)
        }
        assert!(key(&causes) == key(&causes));
        for k in 0..causes.len() {
            let mut other = causes;
            other[k] = CauseRef::Expr(&b);
            assert!(key(&causes) != key(&other), "cause {k} differs");
        }
        assert!(key(&causes[..3]) != key(&causes));
        assert!(key(&[causes.as_slice(), &causes[..1]].concat()).is_none());
        let reason = |atom, label| crate::why::Reason { atom, label };
        fn open(reasons: Vec<crate::why::Reason<'_>>) -> Open<'_> {
            let mut o = Open::default();
            o.needs.insert(3);
            o.reasons = reasons;
            o
        }
        let two = open(vec![reason(&a, Some(1)), reason(&b, Some(1))]);
        assert!(Key::open(&two) == Key::open(&two.clone()));
        for other in [
            open(vec![reason(&a, Some(1)), reason(&a, Some(1))]),
            open(vec![reason(&a, Some(1)), reason(&b, Some(2))]),
            open(vec![reason(&b, Some(1)), reason(&a, Some(1))]),
            open(vec![reason(&a, Some(1))]),
            Open { needs: Default::default(), ..two.clone() },
        ] {
            assert!(Key::open(&two) != Key::open(&other), "{other:?}");
        }
        let mut many = two.clone();
        many.needs.insert(200);
        assert!(Key::open(&many).is_none(), "needs beyond the bits");
    }

    /// Every length up to four blocks, with each byte that must be escaped
    /// (and the bytes beside them that need not) at every place: the block
    /// scan agrees with a byte-by-byte one, and the string written is the
    /// one serde_json writes.
    #[test]
    fn escape_scan_matches_byte_by_byte() {
        let odd = [0x00u8, 0x08, 0x0a, 0x1f, b'"', b'\\', 0x20, b'!', b'[', b']', 0x7f];
        for len in 0..64 {
            for at in 0..len.max(1) {
                for &x in &odd {
                    let mut bytes = vec![b'a'; len];
                    if len > 0 {
                        bytes[at] = x;
                    }
                    let expected = bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
                    assert_eq!(needs_escape(&bytes), expected, "length {len}, byte {x:#x} at {at}");
                    let text = String::from_utf8(bytes).expect("ASCII");
                    let mut out = Vec::new();
                    string(&mut out, &text);
                    assert_eq!(out, serde_json::to_vec(&text).expect("a string serialises"));
                }
            }
        }
    }
}
