//! The result of an evaluation in its documented shape (`docs/eval.md`,
//! JSON Schema `docs/schema/result.schema.json`).
//!
//! Every item is in one of three states: *decided*; *not applicable*, with
//! the conditions that exclude it (`because`); or *undecided*, with the
//! missing fields that would decide it (`needs`) and the conditions no more
//! data decides (`reasons`). The members that a state does not have are
//! left out, so a consumer can tell the states apart by `state` alone.

use crate::explain::Data;
use crate::value::Tri;
use crate::why::{is_time, Cause as CauseRef, Open};
use crate::{Deadline as D, Outcome, Strat};
use guidepath_ir::calendar::format_date;
use guidepath_ir::{Anchor, Direction, Expr, NodeKind, Text};
use serde::Serialize;
use std::borrow::Cow;

/// The version of the result format. A change that removes a member or
/// changes its meaning bumps the major version; new members bump the
/// minor one.
pub const RESULT_SCHEMA: &str = "1.1";

/// What a report carries besides the results.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Every rule's conditions with their values, data and places.
    pub explain: bool,
    /// The language of titles and texts (default: the guideline's own);
    /// where a text is missing in it, the guideline's language is used.
    pub lang: Option<String>,
    /// Longer texts too: a recommendation's rationale, a step's
    /// responsible and what happens when its limit is missed.
    pub texts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Decided,
    NotApplicable,
    Undecided,
}

/// One evaluation's result.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub guideline: GuidelineInfo<'a>,
    pub strata: Vec<Stratification<'a>>,
    pub scores: Vec<Score<'a>>,
    pub recommendations: Vec<Recommendation<'a>>,
    pub pathways: Vec<Pathway<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct GuidelineInfo<'a> {
    pub id: &'a str,
    pub version: Option<&'a str>,
    pub title: Option<&'a str>,
    /// The language of the titles.
    pub language: Option<std::borrow::Cow<'a, str>>,
    pub content_hash: &'a str,
}

impl<'a> Report<'a> {
    /// Every field a `needs` of the result names, once, in order of
    /// appearance: the data that would decide what is open.
    pub fn needs(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        let mut add = |w: &Why<'a>| {
            for n in w.needs.iter().flatten() {
                if !out.contains(n) {
                    out.push(n);
                }
            }
        };
        self.strata.iter().for_each(|x| add(&x.why));
        self.scores.iter().for_each(|x| add(&x.why));
        self.recommendations.iter().for_each(|x| add(&x.why));
        for p in &self.pathways {
            add(&p.why);
            for st in &p.steps {
                add(&st.why);
                if let Some(d) = &st.deadline {
                    add(&d.why);
                }
            }
        }
        out
    }
}

/// Why an item is not decided; only the members of its state are present.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Why<'a> {
    /// Undecided: the missing fields (input paths) that would decide it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Vec<&'a str>>,
    /// Undecided: conditions whose fields are all known and which no more
    /// data decides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<Reason<'a>>>,
    /// Not applicable: the conditions that exclude it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<Vec<Cause<'a>>>,
}

impl Why<'_> {
    /// Every field named: the missing ones and those of the reasons.
    pub fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.needs.iter().flatten().copied().collect();
        for r in self.reasons.iter().flatten() {
            for k in r.data.keys() {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Reason<'a> {
    /// The condition as written.
    pub condition: Cow<'a, str>,
    /// Where it is written (`file:line:col`), when the artifact says.
    pub at: Option<&'a str>,
    /// The fields it reads, with their values.
    pub data: Data<'a>,
    pub message: Cow<'a, str>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Cause<'a> {
    /// The condition as written, or the name of the definition.
    pub condition: std::borrow::Cow<'a, str>,
    pub at: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Stratification<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub state: State,
    pub stratum: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stratum_title: Option<&'a str>,
    #[serde(flatten)]
    pub why: Why<'a>,
}

#[derive(Debug, Serialize)]
pub struct Score<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub state: State,
    /// The score when decided.
    pub value: serde_json::Value,
    /// The least and the most it can be (equal when decided).
    pub min: serde_json::Value,
    pub max: serde_json::Value,
    #[serde(flatten)]
    pub why: Why<'a>,
}

#[derive(Debug, Serialize)]
pub struct Recommendation<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub direction: Direction,
    pub action: &'a str,
    pub strength: Option<&'a str>,
    pub certainty: Option<&'a str>,
    pub level: Option<&'a str>,
    pub state: State,
    pub applies: Option<bool>,
    #[serde(flatten)]
    pub why: Why<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Pathway<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub state: State,
    pub applies: Option<bool>,
    #[serde(flatten)]
    pub why: Why<'a>,
    pub steps: Vec<Step<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Step<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub state: State,
    pub applies: Option<bool>,
    #[serde(flatten)]
    pub why: Why<'a>,
    /// For a step with a time limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_missed: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Deadline<'a> {
    pub state: State,
    /// The date it is due by, only when decided.
    pub due: Option<String>,
    /// The limit (ISO 8601) and what it counts from: a date field or an
    /// earlier step.
    pub within: &'a str,
    pub after: &'a str,
    #[serde(flatten)]
    pub why: Why<'a>,
}

impl<'e> Outcome<'e> {
    /// The result, with what `options` asks for.
    pub fn report_with(&self, options: &ReportOptions) -> Report<'e> {
        let art = &self.ev.artifact;
        let own = art.guideline.language.as_deref();
        let lang = options.lang.as_deref().or(own);
        let title = |t: &'e Text| t.get(lang, own);
        // Each list allocated once, not grown: a result is made per patient.
        let mut strata = Vec::with_capacity(self.ev.texts().stratifications);
        let mut scores = Vec::with_capacity(self.ev.texts().scores);
        for (k, (node, value)) in art.nodes.iter().zip(&self.nodes).enumerate() {
            match &node.kind {
                NodeKind::Stratify { strata: list, population } => {
                    let (state, stratum, why) = match value.strat {
                        Strat::In(s) => (State::Decided, list.get(s as usize), Why::default()),
                        Strat::Outside => {
                            let mut causes = Vec::new();
                            match population {
                                Some(p) if self.cond(p) == Some(false) => self.because(p, &mut causes),
                                _ => list.iter().for_each(|s| self.because(&s.when, &mut causes)),
                            }
                            (State::NotApplicable, None, self.excluded(causes))
                        }
                        Strat::Undecided => {
                            let mut why = Open::default();
                            for (s, m) in
                                self.members[value.first_member as usize..].iter().take(list.len()).enumerate()
                            {
                                match m {
                                    Some(true) => break,
                                    None => self.ev.membership_why(
                                        k as u32,
                                        s as u32,
                                        &self.bound,
                                        &self.nodes,
                                        &self.members,
                                        &mut why,
                                    ),
                                    Some(false) => {}
                                }
                            }
                            (State::Undecided, None, self.undecided(&why))
                        }
                    };
                    strata.push(Stratification {
                        id: &node.id,
                        title: title(&node.title),
                        state,
                        stratum: stratum.map(|s| s.name.as_str()),
                        stratum_title: stratum.and_then(|s| title(&s.title)),
                        why,
                    });
                }
                NodeKind::Score { .. } => {
                    let (lo, hi) = value.value.interval().unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
                    let bound = |x: f64| if x.is_finite() { crate::num(x) } else { serde_json::Value::Null };
                    let decided = lo == hi;
                    scores.push(Score {
                        id: &node.id,
                        title: title(&node.title),
                        state: if decided { State::Decided } else { State::Undecided },
                        value: if decided { bound(lo) } else { serde_json::Value::Null },
                        min: bound(lo),
                        max: bound(hi),
                        why: if decided { Why::default() } else { self.undecided(&value.why) },
                    });
                }
                NodeKind::Define { .. } => {}
            }
        }
        let recommendations = art
            .recommendations
            .iter()
            .zip(self.recs())
            .map(|(r, t)| Recommendation {
                id: &r.id,
                title: title(&r.title),
                direction: r.direction,
                action: &r.action,
                strength: r.strength.as_deref(),
                certainty: r.certainty.as_deref(),
                level: title(&r.level),
                state: if t.is_some() { State::Decided } else { State::Undecided },
                applies: *t,
                why: if t.is_some() { Why::default() } else { self.undecided(&self.why_of(&r.when)) },
                rationale: if options.texts { title(&r.rationale) } else { None },
            })
            .collect();
        let mut pathways = Vec::with_capacity(art.pathways.len());
        let mut k = 0;
        for (p, applies) in art.pathways.iter().zip(self.pathways()) {
            let first = k;
            // The pathway's own causes and open conditions, worked out once
            // for it and all its steps.
            let pathway_causes = match (&p.when, applies) {
                (Some(w), Some(false)) => {
                    let mut causes = Vec::new();
                    self.because(w, &mut causes);
                    causes
                }
                _ => Vec::new(),
            };
            let pathway_open = match (&p.when, applies) {
                (Some(w), None) => Some(self.why_of(w)),
                _ => None,
            };
            let mut steps = Vec::with_capacity(p.steps.len());
            for s in &p.steps {
                let v = self.steps.get(k).copied().unwrap_or(crate::StepValue { applies: None, deadline: D::None });
                let within = self.ev.texts().withins.get(k).map_or("", String::as_str);
                k += 1;
                // Not applicable: the pathway's condition, or the step's own.
                let excluded = || {
                    let mut causes = pathway_causes.clone();
                    if causes.is_empty() {
                        if let Some(w) = &s.when {
                            self.because(w, &mut causes);
                        }
                    }
                    causes
                };
                // Undecided: whichever of the two is.
                let open = || {
                    let mut why = Open::default();
                    if let Some(o) = &pathway_open {
                        why.extend(o);
                    }
                    if let Some(w) = &s.when {
                        if self.cond(w).is_none() {
                            why.extend(&self.why_of(w));
                        }
                    }
                    why
                };
                let (state, why) = match v.applies {
                    Some(true) => (State::Decided, Why::default()),
                    Some(false) => (State::NotApplicable, self.excluded(excluded())),
                    None => (State::Undecided, self.undecided(&open())),
                };
                let deadline = s.limit.as_ref().map(|limit| {
                    let after = match limit.anchor {
                        Anchor::Input(i) => art.inputs.get(i as usize).map_or("", |x| x.path.as_str()),
                        Anchor::Step(j) => p.steps.get(j as usize).map_or("", |x| x.id.as_str()),
                    };
                    let (state, due, why) = match v.deadline {
                        D::Due(d) => (State::Decided, Some(format_date(d)), Why::default()),
                        D::NotApplicable if v.applies == Some(false) => {
                            (State::NotApplicable, None, self.excluded(excluded()))
                        }
                        D::NotApplicable => {
                            // Counted from a step that has no deadline.
                            let cause = Cause {
                                condition: format!("`{after}` has no deadline").into(),
                                at: match limit.anchor {
                                    Anchor::Step(j) => p.steps.get(j as usize).and_then(|x| self.ev.place(x.at)),
                                    Anchor::Input(_) => None,
                                },
                            };
                            (State::NotApplicable, None, Why { because: Some(vec![cause]), ..Why::default() })
                        }
                        D::Beyond => {
                            let reason = Reason {
                                condition: format!("within {within} after {after}").into(),
                                at: self.ev.place(s.at),
                                data: Data::default(),
                                message: "the due date falls outside 0001-01-01 to 9999-12-31, the days a date \
                                          can be written as"
                                    .into(),
                            };
                            (
                                State::Undecided,
                                None,
                                Why { needs: Some(Vec::new()), reasons: Some(vec![reason]), because: None },
                            )
                        }
                        _ => {
                            let mut why = if v.applies.is_none() { open() } else { Open::default() };
                            self.anchor_why(p, first, limit.anchor, &mut why);
                            (State::Undecided, None, self.undecided(&why))
                        }
                    };
                    Deadline { state, due, within, after, why }
                });
                steps.push(Step {
                    id: &s.id,
                    title: title(&s.title),
                    state,
                    applies: v.applies,
                    why,
                    deadline,
                    responsible: if options.texts { title(&s.responsible) } else { None },
                    if_missed: if options.texts { title(&s.if_missed) } else { None },
                });
            }
            let (state, why) = match applies {
                Some(true) => (State::Decided, Why::default()),
                Some(false) => (State::NotApplicable, self.excluded(pathway_causes)),
                None => (State::Undecided, self.undecided(&pathway_open.unwrap_or_default())),
            };
            pathways.push(Pathway { id: &p.id, title: title(&p.title), state, applies: *applies, why, steps });
        }
        Report {
            schema: RESULT_SCHEMA,
            guideline: GuidelineInfo {
                id: &art.guideline.id,
                version: art.guideline.version.as_deref(),
                title: title(&art.guideline.title),
                language: match &options.lang {
                    Some(l) => Some(l.clone().into()),
                    None => own.map(Into::into),
                },
                content_hash: &art.content_hash,
            },
            strata,
            scores,
            recommendations,
            pathways,
            explanation: options.explain.then(|| crate::explain::explain(self)),
        }
    }

    fn cond(&self, e: &Expr) -> Tri {
        self.ev.cond(e, &self.bound, &self.nodes, &self.members)
    }

    /// Why `e`, which is undecided, is undecided.
    pub(crate) fn why_of(&self, e: &'e Expr) -> Open<'e> {
        let mut why = Open::default();
        self.ev.why(e, &self.bound, &self.nodes, &self.members, None, &mut why);
        why
    }

    fn because(&self, e: &'e Expr, out: &mut Vec<CauseRef<'e>>) {
        self.ev.because(e, &self.bound, &self.nodes, &self.members, out);
    }

    /// Why the deadline of the step anchored on `anchor` is open, from what
    /// it counts from.
    fn anchor_why(&self, p: &'e guidepath_ir::Pathway, first: usize, anchor: Anchor, why: &mut Open<'e>) {
        let mut anchor = anchor;
        // Anchors point only backwards, so this ends.
        loop {
            match anchor {
                Anchor::Input(i) => {
                    if self.bound.get(i).is_none() {
                        why.needs.insert(i);
                    }
                    return;
                }
                Anchor::Step(j) => {
                    let Some(step) = p.steps.get(j as usize) else { return };
                    let Some(v) = self.steps.get(first + j as usize) else { return };
                    if v.deadline != D::Undecided {
                        return;
                    }
                    if v.applies.is_none() {
                        if let (Some(w), Some(None)) = (&p.when, self.pathway_applies(p)) {
                            why.extend(&self.why_of(w));
                        }
                        if let Some(w) = &step.when {
                            if self.cond(w).is_none() {
                                why.extend(&self.why_of(w));
                            }
                        }
                    }
                    match &step.limit {
                        Some(l) => anchor = l.anchor,
                        None => return,
                    }
                }
            }
        }
    }

    fn pathway_applies(&self, p: &guidepath_ir::Pathway) -> Option<Tri> {
        let i = self.ev.artifact.pathways.iter().position(|x| std::ptr::eq(x, p))?;
        self.pathways().get(i).copied()
    }

    pub(crate) fn undecided(&self, why: &Open<'e>) -> Why<'e> {
        let art = &self.ev.artifact;
        let mut needs = Vec::with_capacity(why.needs.len());
        needs.extend(why.needs.sorted().filter_map(|i| art.inputs.get(i as usize).map(|x| x.path.as_str())));
        let reasons = why.reasons.iter().map(|r| self.reason(r.atom, r.label)).collect();
        Why { needs: Some(needs), reasons: Some(reasons), because: None }
    }

    fn excluded(&self, causes: Vec<CauseRef<'e>>) -> Why<'e> {
        let art = &self.ev.artifact;
        let because = causes
            .into_iter()
            .map(|c| match c {
                CauseRef::Label(at) => Cause { condition: art.place_text(at).into(), at: self.ev.place(at) },
                CauseRef::Node(n) => match art.nodes.get(n as usize) {
                    Some(node) => Cause { condition: node.id.as_str().into(), at: self.ev.place(node.at) },
                    None => Cause { condition: "?".into(), at: None },
                },
                CauseRef::Expr(e) => Cause { condition: art.show(e).into(), at: None },
            })
            .collect();
        Why { needs: None, reasons: None, because: Some(because) }
    }

    fn reason(&self, atom: &'e Expr, label: Option<guidepath_ir::At>) -> Reason<'e> {
        let atoms = &self.ev.texts().atoms;
        let shown = atoms
            .binary_search_by_key(&(atom as *const Expr as usize), |(at, _)| *at)
            .ok()
            .and_then(|k| atoms.get(k))
            .map(|(_, s)| s);
        let mut operands: Vec<&Expr> = Vec::new();
        atom.push_children(&mut operands);
        let times = operands.iter().any(|o| is_time(&self.ev.expr(o, &self.bound, &self.nodes, &self.members)))
            || matches!(atom, Expr::InRange { unit: Some(u), .. } if u.time_family().is_some());
        let art = &self.ev.artifact;
        let (condition, message, data) = match shown {
            Some(s) => (
                Cow::Borrowed(s.condition.as_str()),
                Cow::Borrowed(if times { s.times.as_str() } else { s.plain.as_str() }),
                Data::read(art, &self.bound, &s.inputs),
            ),
            // Every atom of the artifact is shown at load; this is for one
            // that is not (none is).
            None => {
                let s = Shown::of(art, atom);
                let data = Data::read(art, &self.bound, &s.inputs);
                (Cow::Owned(s.condition), Cow::Owned(if times { s.times } else { s.plain }), data)
            }
        };
        Reason { condition, at: label.and_then(|at| self.ev.place(at)), data, message }
    }
}

/// A comparison as written, with the message for a result it leaves open:
/// `plain` where more data would decide it, `times` where days and months
/// meet and no data can.
pub(crate) struct Shown {
    condition: String,
    plain: String,
    times: String,
    /// The inputs it reads, in the order of their paths: the reason's data.
    inputs: Vec<u32>,
}

impl Shown {
    fn of(art: &guidepath_ir::Artifact, atom: &Expr) -> Shown {
        let condition = art.show(atom);
        let times = format!(
            "`{condition}` cannot be decided: a month has 28 to 31 days, so days and months compare only \
             where those bounds agree; more data cannot decide it"
        );
        let plain = format!("`{condition}` cannot be decided from the values given");
        Shown { condition, plain, times, inputs: crate::explain::inputs_by_path(art, atom) }
    }
}

/// Every comparison of the artifact shown, by address (in order of
/// address, for a binary search: cheaper than hashing for the few dozen
/// a guideline has): the atoms a result can give as the reason it stays
/// open.
pub(crate) fn shown_atoms(art: &guidepath_ir::Artifact) -> Vec<(usize, Shown)> {
    let mut todo: Vec<&Expr> = Vec::new();
    for n in &art.nodes {
        match &n.kind {
            NodeKind::Define { expr } | NodeKind::Score { expr } => todo.push(expr),
            NodeKind::Stratify { population, strata } => {
                todo.extend(population);
                todo.extend(strata.iter().map(|s| &s.when));
            }
        }
    }
    todo.extend(art.recommendations.iter().map(|r| &r.when));
    for p in &art.pathways {
        todo.extend(&p.when);
        todo.extend(p.steps.iter().filter_map(|s| s.when.as_ref()));
    }
    let mut out = Vec::new();
    while let Some(e) = todo.pop() {
        if matches!(e, Expr::Compare { .. } | Expr::InRange { .. } | Expr::IsValue { .. } | Expr::SetTest { .. }) {
            out.push((e as *const Expr as usize, Shown::of(art, e)));
        }
        e.push_children(&mut todo);
    }
    // Each expression is met once: addresses are distinct.
    out.sort_unstable_by_key(|(at, _)| *at);
    out
}
