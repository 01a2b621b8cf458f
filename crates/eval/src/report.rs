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
use crate::why::{is_time, operands, Cause as CauseRef, Open};
use crate::{Deadline as D, Outcome, Strat};
use guidepath_ir::calendar::format_date;
use guidepath_ir::{Anchor, Direction, Expr, NodeKind, Text};
use serde::Serialize;
use std::borrow::Cow;

/// The version of the result format. A change that removes a member or
/// changes its meaning bumps the major version; new members bump the
/// minor one.
pub const RESULT_SCHEMA: &str = "1.2";

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

/// An item's why as the walk over a result finds it, before it is made
/// into a [`Why`] (a [`Report`]) or written as JSON (`write.rs`).
pub(crate) enum WhyOf<'a, 'e> {
    /// Decided: no why.
    Decided,
    /// Undecided: what keeps it open.
    Open(&'a Open<'e>),
    /// Not applicable: the conditions that exclude it.
    Excluded(&'a [CauseRef<'e>]),
    /// Made in full: the few whys of a deadline that no condition gives.
    Made(Why<'e>),
}

/// A step's deadline as the walk finds it.
pub(crate) struct DeadlineOf<'a, 'e> {
    pub state: State,
    /// The day it is due by, when decided.
    pub due: Option<i64>,
    pub within: &'e str,
    pub after: &'e str,
    pub why: WhyOf<'a, 'e>,
}

/// What takes a result's items from [`Outcome::walk`], in the order the
/// result lists them: every stratification, every score, every
/// recommendation, then each pathway followed by its steps. `k` is an
/// item's index in its list (a step's, in its pathway's steps); a
/// stratification's `stratum` is the index of its stratum in its list.
pub(crate) trait Sink<'e> {
    fn stratification(
        &mut self,
        k: usize,
        node: &'e guidepath_ir::Node,
        state: State,
        stratum: Option<usize>,
        why: WhyOf<'_, 'e>,
    );
    /// `lo` and `hi` are the least and most it can be.
    fn score(&mut self, k: usize, node: &'e guidepath_ir::Node, lo: f64, hi: f64, why: WhyOf<'_, 'e>);
    fn recommendation(&mut self, k: usize, r: &'e guidepath_ir::Recommendation, applies: Tri, why: WhyOf<'_, 'e>);
    fn pathway(&mut self, k: usize, p: &'e guidepath_ir::Pathway, state: State, applies: Tri, why: WhyOf<'_, 'e>);
    fn step(
        &mut self,
        k: usize,
        s: &'e guidepath_ir::Step,
        state: State,
        applies: Tri,
        why: WhyOf<'_, 'e>,
        deadline: Option<DeadlineOf<'_, 'e>>,
    );
}

/// Builds a [`Report`] from the walk.
struct Build<'o, 'e> {
    o: &'o Outcome<'e>,
    options: &'o ReportOptions,
    report: Report<'e>,
}

impl<'e> Build<'_, 'e> {
    fn title(&self, t: &'e Text) -> Option<&'e str> {
        let own = self.o.ev.artifact.guideline.language.as_deref();
        t.get(self.options.lang.as_deref().or(own), own)
    }

    fn why(&self, why: WhyOf<'_, 'e>) -> Why<'e> {
        match why {
            WhyOf::Decided => Why::default(),
            WhyOf::Open(open) => self.o.undecided(open),
            WhyOf::Excluded(causes) => self.o.excluded(causes),
            WhyOf::Made(why) => why,
        }
    }
}

impl<'e> Sink<'e> for Build<'_, 'e> {
    fn stratification(
        &mut self,
        _: usize,
        node: &'e guidepath_ir::Node,
        state: State,
        stratum: Option<usize>,
        why: WhyOf<'_, 'e>,
    ) {
        let stratum = match &node.kind {
            NodeKind::Stratify { strata, .. } => stratum.and_then(|s| strata.get(s)),
            _ => None,
        };
        let item = Stratification {
            id: &node.id,
            title: self.title(&node.title),
            state,
            stratum: stratum.map(|s| s.name.as_str()),
            stratum_title: stratum.and_then(|s| self.title(&s.title)),
            why: self.why(why),
        };
        self.report.strata.push(item);
    }

    fn score(&mut self, _: usize, node: &'e guidepath_ir::Node, lo: f64, hi: f64, why: WhyOf<'_, 'e>) {
        let bound = |x: f64| if x.is_finite() { crate::num(x) } else { serde_json::Value::Null };
        let decided = lo == hi;
        let item = Score {
            id: &node.id,
            title: self.title(&node.title),
            state: if decided { State::Decided } else { State::Undecided },
            value: if decided { bound(lo) } else { serde_json::Value::Null },
            min: bound(lo),
            max: bound(hi),
            why: self.why(why),
        };
        self.report.scores.push(item);
    }

    fn recommendation(&mut self, _: usize, r: &'e guidepath_ir::Recommendation, applies: Tri, why: WhyOf<'_, 'e>) {
        let item = Recommendation {
            id: &r.id,
            title: self.title(&r.title),
            direction: r.direction,
            action: &r.action,
            strength: r.strength.as_deref(),
            certainty: r.certainty.as_deref(),
            level: self.title(&r.level),
            state: if applies.is_some() { State::Decided } else { State::Undecided },
            applies,
            why: self.why(why),
            rationale: if self.options.texts { self.title(&r.rationale) } else { None },
        };
        self.report.recommendations.push(item);
    }

    fn pathway(&mut self, _: usize, p: &'e guidepath_ir::Pathway, state: State, applies: Tri, why: WhyOf<'_, 'e>) {
        let item = Pathway {
            id: &p.id,
            title: self.title(&p.title),
            state,
            applies,
            why: self.why(why),
            steps: Vec::with_capacity(p.steps.len()),
        };
        self.report.pathways.push(item);
    }

    fn step(
        &mut self,
        _: usize,
        s: &'e guidepath_ir::Step,
        state: State,
        applies: Tri,
        why: WhyOf<'_, 'e>,
        deadline: Option<DeadlineOf<'_, 'e>>,
    ) {
        let texts = self.options.texts;
        let item = Step {
            id: &s.id,
            title: self.title(&s.title),
            state,
            applies,
            why: self.why(why),
            deadline: deadline.map(|d| Deadline {
                state: d.state,
                due: d.due.map(format_date),
                within: d.within,
                after: d.after,
                why: self.why(d.why),
            }),
            responsible: if texts { self.title(&s.responsible) } else { None },
            if_missed: if texts { self.title(&s.if_missed) } else { None },
        };
        // A step follows its pathway.
        if let Some(p) = self.report.pathways.last_mut() {
            p.steps.push(item);
        }
    }
}

impl<'e> Outcome<'e> {
    /// The result, with what `options` asks for.
    pub fn report_with(&self, options: &ReportOptions) -> Report<'e> {
        let art = &self.ev.artifact;
        let own = art.guideline.language.as_deref();
        let lang = options.lang.as_deref().or(own);
        let report = Report {
            schema: RESULT_SCHEMA,
            guideline: GuidelineInfo {
                id: &art.guideline.id,
                version: art.guideline.version.as_deref(),
                title: art.guideline.title.get(lang, own),
                language: match &options.lang {
                    Some(l) => Some(l.clone().into()),
                    None => own.map(Into::into),
                },
                content_hash: &art.content_hash,
            },
            // Each list allocated once, not grown: a result is made per
            // patient.
            strata: Vec::with_capacity(self.ev.texts().stratifications),
            scores: Vec::with_capacity(self.ev.texts().scores),
            recommendations: Vec::with_capacity(art.recommendations.len()),
            pathways: Vec::with_capacity(art.pathways.len()),
            explanation: options.explain.then(|| crate::explain::explain(self)),
        };
        let mut build = Build { o: self, options, report };
        self.walk(&mut build);
        build.report
    }

    /// Hands every item of the result to `sink`, with its state and why:
    /// the one place that says what a result holds, for the [`Report`]
    /// and for the JSON written straight from the outcome.
    pub(crate) fn walk(&self, sink: &mut impl Sink<'e>) {
        let art = &self.ev.artifact;
        // Lists of causes, each emptied for the next item that has some:
        // one for a stratification or a step, one for a pathway.
        let (mut causes, mut pathway_causes) = (Vec::new(), Vec::new());
        let mut k = 0;
        for (n, (node, value)) in art.nodes.iter().zip(&self.nodes).enumerate() {
            let NodeKind::Stratify { strata: list, population } = &node.kind else { continue };
            match value.strat {
                Strat::In(s) => sink.stratification(k, node, State::Decided, Some(s as usize), WhyOf::Decided),
                Strat::Outside => {
                    causes.clear();
                    match population {
                        Some(p) if self.cond(p) == Some(false) => self.because(p, &mut causes),
                        _ => list.iter().for_each(|s| self.because(&s.when, &mut causes)),
                    }
                    sink.stratification(k, node, State::NotApplicable, None, WhyOf::Excluded(&causes));
                }
                Strat::Undecided => {
                    let mut why = Open::default();
                    for (s, m) in self.members[value.first_member as usize..].iter().take(list.len()).enumerate() {
                        match m {
                            Some(true) => break,
                            None => self.ev.membership_why(
                                n as u32,
                                s as u32,
                                &self.bound,
                                &self.nodes,
                                &self.members,
                                &mut why,
                            ),
                            Some(false) => {}
                        }
                    }
                    sink.stratification(k, node, State::Undecided, None, WhyOf::Open(&why));
                }
            }
            k += 1;
        }
        let mut k = 0;
        for (node, value) in art.nodes.iter().zip(&self.nodes) {
            let NodeKind::Score { .. } = &node.kind else { continue };
            let (lo, hi) = value.value.interval().unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
            sink.score(k, node, lo, hi, if lo == hi { WhyOf::Decided } else { WhyOf::Open(&value.why) });
            k += 1;
        }
        for (k, (r, t)) in art.recommendations.iter().zip(self.recs()).enumerate() {
            match t {
                Some(_) => sink.recommendation(k, r, *t, WhyOf::Decided),
                None => sink.recommendation(k, r, None, WhyOf::Open(&self.why_of(&r.when))),
            }
        }
        let mut k = 0;
        let none = Open::default();
        for (n, (p, applies)) in art.pathways.iter().zip(self.pathways()).enumerate() {
            let first = k;
            // The pathway's own causes and open conditions, worked out once
            // for it and all its steps.
            pathway_causes.clear();
            if let (Some(w), Some(false)) = (&p.when, applies) {
                self.because(w, &mut pathway_causes);
            }
            let pathway_open = match (&p.when, applies) {
                (Some(w), None) => Some(self.why_of(w)),
                _ => None,
            };
            match applies {
                Some(true) => sink.pathway(n, p, State::Decided, *applies, WhyOf::Decided),
                Some(false) => sink.pathway(n, p, State::NotApplicable, *applies, WhyOf::Excluded(&pathway_causes)),
                None => sink.pathway(n, p, State::Undecided, None, WhyOf::Open(pathway_open.as_ref().unwrap_or(&none))),
            }
            for (j, s) in p.steps.iter().enumerate() {
                let v = self.steps.get(k).copied().unwrap_or(crate::StepValue { applies: None, deadline: D::None });
                let within = self.ev.texts().withins.get(k).map_or("", String::as_str);
                k += 1;
                // Not applicable: the pathway's condition, or the step's own.
                let excluded: Option<&[CauseRef<'e>]> = match v.applies {
                    Some(false) if pathway_causes.is_empty() => {
                        causes.clear();
                        if let Some(w) = &s.when {
                            self.because(w, &mut causes);
                        }
                        Some(&causes)
                    }
                    Some(false) => Some(&pathway_causes),
                    _ => None,
                };
                // Undecided: whichever of the two is (the pathway's alone is
                // not copied).
                let step_open;
                let open: Option<&Open<'e>> = match (v.applies, &s.when) {
                    (Some(_), _) => None,
                    (None, Some(w)) if self.cond(w).is_none() => {
                        let mut why = pathway_open.clone().unwrap_or_default();
                        why.extend(&self.why_of(w));
                        step_open = why;
                        Some(&step_open)
                    }
                    (None, _) => Some(pathway_open.as_ref().unwrap_or(&none)),
                };
                let (state, why) = match (excluded, open) {
                    (Some(causes), _) => (State::NotApplicable, WhyOf::Excluded(causes)),
                    (_, Some(open)) => (State::Undecided, WhyOf::Open(open)),
                    _ => (State::Decided, WhyOf::Decided),
                };
                let Some(limit) = &s.limit else {
                    sink.step(j, s, state, v.applies, why, None);
                    continue;
                };
                let after = match limit.anchor {
                    Anchor::Input(i) => art.inputs.get(i as usize).map_or("", |x| x.path.as_str()),
                    Anchor::Step(j) => p.steps.get(j as usize).map_or("", |x| x.id.as_str()),
                };
                let deadline_open;
                let (d_state, due, d_why) = match v.deadline {
                    D::Due(d) => (State::Decided, Some(d), WhyOf::Decided),
                    D::NotApplicable => match excluded {
                        Some(causes) => (State::NotApplicable, None, WhyOf::Excluded(causes)),
                        None => {
                            // Counted from a step that has no deadline.
                            let cause = Cause {
                                condition: format!("`{after}` has no deadline").into(),
                                at: match limit.anchor {
                                    Anchor::Step(j) => p.steps.get(j as usize).and_then(|x| self.ev.place(x.at)),
                                    Anchor::Input(_) => None,
                                },
                            };
                            let why = Why { because: Some(vec![cause]), ..Why::default() };
                            (State::NotApplicable, None, WhyOf::Made(why))
                        }
                    },
                    D::Beyond => {
                        let reason = Reason {
                            condition: format!("within {within} after {after}").into(),
                            at: self.ev.place(s.at),
                            data: Data::default(),
                            message: "the due date falls outside 0001-01-01 to 9999-12-31, the days a date can be \
                                      written as"
                                .into(),
                        };
                        let why = Why { needs: Some(Vec::new()), reasons: Some(vec![reason]), because: None };
                        (State::Undecided, None, WhyOf::Made(why))
                    }
                    _ => {
                        let mut why = open.cloned().unwrap_or_default();
                        self.anchor_why(p, first, limit.anchor, &mut why);
                        deadline_open = why;
                        (State::Undecided, None, WhyOf::Open(&deadline_open))
                    }
                };
                let deadline = DeadlineOf { state: d_state, due, within, after, why: d_why };
                sink.step(j, s, state, v.applies, why, Some(deadline));
            }
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

    fn excluded(&self, causes: &[CauseRef<'e>]) -> Why<'e> {
        let art = &self.ev.artifact;
        let because = causes
            .iter()
            .map(|c| match *c {
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
        let times = self.times(atom);
        let art = &self.ev.artifact;
        let (condition, message, data) = match self.shown(atom) {
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

    /// Where `atom` is among the comparisons shown at load
    /// (`Texts::atoms`).
    pub(crate) fn shown_index(&self, atom: &Expr) -> Option<usize> {
        self.ev.texts().atoms.binary_search_by_key(&(atom as *const Expr as usize), |(at, _)| *at).ok()
    }

    fn shown(&self, atom: &Expr) -> Option<&'e Shown> {
        let k = self.shown_index(atom)?;
        self.ev.texts().atoms.get(k).map(|(_, s)| s)
    }

    /// Whether days and months meet in `atom`, which stays open: then no
    /// more data decides it.
    pub(crate) fn times(&self, atom: &Expr) -> bool {
        operands(atom).any(|o| is_time(&self.ev.expr(o, &self.bound, &self.nodes, &self.members)))
            || matches!(atom, Expr::InRange { unit: Some(u), .. } if u.time_family().is_some())
    }
}

/// A comparison as written, with the message for a result it leaves open:
/// `plain` where more data would decide it, `times` where days and months
/// meet and no data can.
pub(crate) struct Shown {
    pub condition: String,
    pub plain: String,
    pub times: String,
    /// The inputs it reads, in the order of their paths: the reason's data.
    pub inputs: Vec<u32>,
}

impl Shown {
    pub(crate) fn of(art: &guidepath_ir::Artifact, atom: &Expr) -> Shown {
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
    let mut todo = art.rule_exprs();
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
