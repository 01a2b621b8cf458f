//! The result written as compact JSON without serde: the same bytes as
//! `serde_json::to_writer(&report)`, for the NDJSON path, where a result
//! line is written millions of times. Most of a line is ids, titles and
//! field paths that need no escaping; a string is checked for characters
//! to escape in one pass (which the compiler vectorises) and copied whole
//! when it has none, instead of being escaped byte by byte.
//!
//! `tests/report_json.rs` holds this to serde's output on random patients
//! of every shipped guideline, with and without texts and explanations.

use crate::explain::Datum;
use crate::report::{
    Cause, Deadline, Pathway, Reason, Recommendation, Report, Score, State, Step, Stratification, Why,
};
use crate::{Bound, Evaluator, ReportOptions};
use guidepath_ir::Direction;

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

impl Report<'_> {
    /// The result as compact JSON, appended to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        self.write_json_members(out);
        out.push(b'}');
    }

    /// The members of the result's JSON object without its braces, for a
    /// caller that puts members of its own before them (the NDJSON record's
    /// `line` and `id`).
    pub fn write_json_members(&self, out: &mut Vec<u8>) {
        self.write_json_members_with(&Heads::default(), out);
    }

    /// As [`Report::write_json_members`], copying what `heads` has already
    /// written where this result has the same texts: the same bytes, with
    /// less work a result.
    pub fn write_json_members_with(&self, heads: &Heads<'_>, out: &mut Vec<u8>) {
        let g = &self.guideline;
        let from = guideline_from(self);
        match &heads.guideline {
            Some((h, language)) if h.is(&from) && g.language.as_deref() == language.as_deref() => {
                out.extend_from_slice(&h.bytes)
            }
            _ => guideline(out, self),
        }
        let mut written = Written::default();
        let w = &mut written;
        key!(out, "strata");
        list(out, &self.strata, &heads.strata, |o, s, h| stratification(o, s, h, w));
        key!(out, "scores");
        list(out, &self.scores, &heads.scores, |o, s, h| score(o, s, h, w));
        key!(out, "recommendations");
        list(out, &self.recommendations, &heads.recommendations, |o, r, h| recommendation(o, r, h, w));
        key!(out, "pathways");
        out.push(b'[');
        for (k, p) in self.pathways.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            let steps = heads.steps.get(k).map_or(&[][..], Vec::as_slice);
            pathway(out, p, heads.pathways.get(k), steps, w);
        }
        out.push(b']');
        if let Some(e) = &self.explanation {
            key!(out, "explanation");
            value(out, e);
        }
    }
}

/// What every result of one evaluator and one set of report options
/// begins the same way with, written once as JSON: the schema and the
/// guideline, and each item's head (its id and title and, for a
/// recommendation, what it recommends, its strength, certainty and level).
/// An NDJSON run writes them once and copies them into every result,
/// instead of writing a dozen short strings an item.
///
/// A head is used only where the result's texts are the very ones it was
/// written from: the same address and length, which for texts borrowed
/// from one artifact means the same bytes. Anything else (another
/// evaluator, other options, a result built by hand) is written field by
/// field, so the output never depends on the heads.
#[derive(Debug, Default)]
pub struct Heads<'a> {
    guideline: Option<(Head<'a>, Option<String>)>,
    strata: Vec<Head<'a>>,
    scores: Vec<Head<'a>>,
    recommendations: Vec<Head<'a>>,
    pathways: Vec<Head<'a>>,
    /// Each pathway's steps.
    steps: Vec<Vec<Head<'a>>>,
}

/// The texts an item's head is written from, as many as a recommendation
/// has; the rest `None`.
type Texts<'a> = [Option<&'a str>; 7];

#[derive(Debug)]
struct Head<'a> {
    /// The texts it was written from, compared by address and length.
    from: Texts<'a>,
    bytes: Box<[u8]>,
}

impl<'a> Head<'a> {
    fn new(from: Texts<'a>, write: impl FnOnce(&mut Vec<u8>)) -> Head<'a> {
        let mut bytes = Vec::new();
        write(&mut bytes);
        Head { from, bytes: bytes.into_boxed_slice() }
    }

    /// The head of an item with an id and a title only.
    fn item(id: &'a str, title: Option<&'a str>) -> Head<'a> {
        Head::new(item_from(id, title), |o| open_item(o, id, title))
    }

    /// Whether `texts` are the very texts this head was written from.
    #[inline]
    fn is(&self, texts: &Texts<'_>) -> bool {
        self.from.iter().zip(texts).all(|(a, b)| match (a, b) {
            (Some(a), Some(b)) => std::ptr::eq(*a, *b),
            (None, None) => true,
            _ => false,
        })
    }
}

impl<'a> Heads<'a> {
    /// The heads of the results `evaluator` gives with `options`, learnt
    /// from the result of a patient with no data.
    pub fn new(evaluator: &'a Evaluator, options: &ReportOptions) -> Heads<'a> {
        let outcome = evaluator.run(std::borrow::Cow::Owned(Bound::from_values(Vec::new())));
        Heads::of(&outcome.report_with(&ReportOptions { explain: false, ..options.clone() }))
    }

    /// The heads of `report`, for results like it.
    fn of(report: &Report<'a>) -> Heads<'a> {
        Heads {
            guideline: Some((
                Head::new(guideline_from(report), |out| guideline(out, report)),
                report.guideline.language.as_deref().map(str::to_owned),
            )),
            strata: report.strata.iter().map(|s| Head::item(s.id, s.title)).collect(),
            scores: report.scores.iter().map(|s| Head::item(s.id, s.title)).collect(),
            recommendations: report
                .recommendations
                .iter()
                .map(|r| Head::new(recommendation_from(r), |o| recommendation_head(o, r)))
                .collect(),
            pathways: report.pathways.iter().map(|p| Head::item(p.id, p.title)).collect(),
            steps: report
                .pathways
                .iter()
                .map(|p| p.steps.iter().map(|s| Head::item(s.id, s.title)).collect())
                .collect(),
        }
    }
}

/// The head `head`, when it was written from `texts`, or else what `write`
/// writes.
fn head_or(out: &mut Vec<u8>, head: Option<&Head<'_>>, texts: &Texts<'_>, write: impl FnOnce(&mut Vec<u8>)) {
    match head {
        Some(h) if h.is(texts) => out.extend_from_slice(&h.bytes),
        _ => write(out),
    }
}

/// `{"id":…,"title":…`, copied from `head` where it was written from them.
fn item_head(out: &mut Vec<u8>, head: Option<&Head<'_>>, id: &str, title: Option<&str>) {
    head_or(out, head, &item_from(id, title), |o| open_item(o, id, title));
}

fn guideline_from<'a>(r: &Report<'a>) -> Texts<'a> {
    let g = &r.guideline;
    [Some(r.schema), Some(g.id), g.version, g.title, Some(g.content_hash), None, None]
}

/// `"schema":…,"guideline":{…}`.
fn guideline(out: &mut Vec<u8>, r: &Report<'_>) {
    key!(out, "schema", first);
    string(out, r.schema);
    key!(out, "guideline");
    let g = &r.guideline;
    out.push(b'{');
    key!(out, "id", first);
    string(out, g.id);
    key!(out, "version");
    opt_string(out, g.version);
    key!(out, "title");
    opt_string(out, g.title);
    key!(out, "language");
    opt_string(out, g.language.as_deref());
    key!(out, "content_hash");
    string(out, g.content_hash);
    out.push(b'}');
}

/// The texts of an item's head that are its id and title only.
fn item_from<'a>(id: &'a str, title: Option<&'a str>) -> Texts<'a> {
    [Some(id), title, None, None, None, None, None]
}

fn recommendation_from<'a>(r: &Recommendation<'a>) -> Texts<'a> {
    [Some(r.id), r.title, Some(direction(r.direction)), Some(r.action), r.strength, r.certainty, r.level]
}

fn stratification<'r>(out: &mut Vec<u8>, s: &'r Stratification<'r>, head: Option<&Head<'_>>, w: &mut Written<'r>) {
    item_head(out, head, s.id, s.title);
    key!(out, "state");
    state(out, s.state);
    key!(out, "stratum");
    opt_string(out, s.stratum);
    if let Some(t) = s.stratum_title {
        key!(out, "stratum_title");
        string(out, t);
    }
    w.why(out, &s.why);
    out.push(b'}');
}

fn score<'r>(out: &mut Vec<u8>, s: &'r Score<'r>, head: Option<&Head<'_>>, w: &mut Written<'r>) {
    item_head(out, head, s.id, s.title);
    key!(out, "state");
    state(out, s.state);
    key!(out, "value");
    value(out, &s.value);
    key!(out, "min");
    value(out, &s.min);
    key!(out, "max");
    value(out, &s.max);
    w.why(out, &s.why);
    out.push(b'}');
}

fn recommendation<'r>(out: &mut Vec<u8>, r: &'r Recommendation<'r>, head: Option<&Head<'_>>, w: &mut Written<'r>) {
    head_or(out, head, &recommendation_from(r), |o| recommendation_head(o, r));
    state_applies(out, r.state, r.applies);
    w.why(out, &r.why);
    if let Some(t) = r.rationale {
        key!(out, "rationale");
        string(out, t);
    }
    out.push(b'}');
}

/// `{"id":…,…,"level":…`: what a recommendation begins with.
fn recommendation_head(out: &mut Vec<u8>, r: &Recommendation<'_>) {
    open_item(out, r.id, r.title);
    key!(out, "direction");
    string(out, direction(r.direction));
    key!(out, "action");
    string(out, r.action);
    key!(out, "strength");
    opt_string(out, r.strength);
    key!(out, "certainty");
    opt_string(out, r.certainty);
    key!(out, "level");
    opt_string(out, r.level);
}

/// A direction as the result names it; one text each, so a head can tell
/// it by address.
fn direction(d: Direction) -> &'static str {
    match d {
        Direction::For => "for",
        Direction::Against => "against",
    }
}

fn pathway<'r>(
    out: &mut Vec<u8>,
    p: &'r Pathway<'r>,
    head: Option<&Head<'_>>,
    steps: &[Head<'_>],
    w: &mut Written<'r>,
) {
    item_head(out, head, p.id, p.title);
    state_applies(out, p.state, p.applies);
    w.why(out, &p.why);
    key!(out, "steps");
    list(out, &p.steps, steps, |o, s, h| step(o, s, h, w));
    out.push(b'}');
}

fn step<'r>(out: &mut Vec<u8>, s: &'r Step<'r>, head: Option<&Head<'_>>, w: &mut Written<'r>) {
    item_head(out, head, s.id, s.title);
    state_applies(out, s.state, s.applies);
    w.why(out, &s.why);
    if let Some(d) = &s.deadline {
        key!(out, "deadline");
        deadline(out, d, w);
    }
    if let Some(t) = s.responsible {
        key!(out, "responsible");
        string(out, t);
    }
    if let Some(t) = s.if_missed {
        key!(out, "if_missed");
        string(out, t);
    }
    out.push(b'}');
}

fn deadline<'r>(out: &mut Vec<u8>, d: &'r Deadline<'r>, w: &mut Written<'r>) {
    out.push(b'{');
    key!(out, "state", first);
    state(out, d.state);
    key!(out, "due");
    opt_string(out, d.due.as_deref());
    key!(out, "within");
    string(out, d.within);
    key!(out, "after");
    string(out, d.after);
    w.why(out, &d.why);
    out.push(b'}');
}

/// `{"id":…,"title":…`: how every item of the result begins.
fn open_item(out: &mut Vec<u8>, id: &str, title: Option<&str>) {
    out.push(b'{');
    key!(out, "id", first);
    string(out, id);
    key!(out, "title");
    opt_string(out, title);
}

fn state_applies(out: &mut Vec<u8>, s: State, applies: Option<bool>) {
    key!(out, "state");
    state(out, s);
    key!(out, "applies");
    opt_bool(out, applies);
}

/// The whys a result has written so far, with where their bytes are in
/// `out`. A pathway's steps are often undecided for the pathway's own
/// reasons, so one result writes the same why many times; a why equal to
/// one written before is copied from it. Equal whys write equal bytes, so
/// the output is the same; at most [`Written::MAX`] are kept, so a result
/// of many distinct whys costs a bounded number of comparisons each.
/// Kept on the stack: a result is written per patient.
#[derive(Default)]
struct Written<'r> {
    whys: [(Option<&'r Why<'r>>, std::ops::Range<usize>); Written::MAX],
}

impl<'r> Written<'r> {
    const MAX: usize = 8;

    fn why(&mut self, out: &mut Vec<u8>, w: &'r Why<'r>) {
        if w.needs.is_none() && w.reasons.is_none() && w.because.is_none() {
            return;
        }
        let mut free = None;
        for (x, at) in &mut self.whys {
            match x {
                Some(x) if *x == w => {
                    out.extend_from_within(at.clone());
                    return;
                }
                Some(_) => {}
                None => {
                    free = Some((x, at));
                    break;
                }
            }
        }
        let start = out.len();
        why(out, w);
        if let Some((x, at)) = free {
            *x = Some(w);
            *at = start..out.len();
        }
    }
}

/// The members of a [`Why`] that are present, each after a comma (they
/// follow other members).
fn why(out: &mut Vec<u8>, w: &Why<'_>) {
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

/// An array of what `item` writes, each item with its head if any.
fn list<'r, T>(
    out: &mut Vec<u8>,
    items: &'r [T],
    heads: &[Head<'_>],
    mut item: impl FnMut(&mut Vec<u8>, &'r T, Option<&Head<'_>>),
) {
    out.push(b'[');
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        item(out, x, heads.get(k));
    }
    out.push(b']');
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
        Datum::Date(d) => string(out, &guidepath_ir::calendar::format_date(*d)),
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
