//! What a new version of a guideline changes: in the rules as written
//! (structural) and for patients (semantic).
//!
//! The semantic diff puts both versions' rules in one artifact over one set
//! of inputs (matched by name; an enum's values are the union of both), and
//! asks the consistency analysis's search, for each recommendation,
//! stratification, score and time limit in both versions, for a patient
//! whose outcome differs. A patient found is evaluated on both versions
//! before it is shown; when the search tries every case without finding
//! one, "no patient changes" is proven; when it runs out, it says so.

use crate::candidates;
use crate::search::{Analysis, Answer};
use guidepath_eval::{Evaluator, Part, State};
use guidepath_ir::{Anchor, Artifact, Expr, Input, NodeKind, ValueType};
use std::collections::HashMap;

/// A rule's change for patients.
#[derive(Debug, Clone, PartialEq)]
pub enum Semantic {
    /// This patient's outcome differs: what it was and what it is. The
    /// patient is complete (a time limit's witness has the date it counts
    /// from), so that `guidepath eval` gives each version's outcome as
    /// shown; `notation` is the patient as a `given` block writes it.
    Changes { patient: serde_json::Value, notation: String, was: String, is: String },
    /// No patient's outcome differs; the search covered every case.
    Same,
    /// Not decided, and why.
    Unknown(String),
}

/// One rule present in both versions.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDiff {
    /// `recommendation`, `stratification`, `score` or `time limit`.
    pub kind: &'static str,
    pub id: String,
    /// What changed as written: `` when: `a` → `b` ``.
    pub written: Vec<String>,
    /// The new version's name, when it renamed the rule.
    pub renamed: Option<String>,
    pub semantic: Semantic,
}

/// Everything that changed from one version to the other.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Rules only in the new version, and only in the old: (kind, id).
    pub added: Vec<(&'static str, String)>,
    pub removed: Vec<(&'static str, String)>,
    /// Inputs added, removed or changed, as sentences.
    pub inputs: Vec<String>,
    /// The metadata as written: `version: "1" → "2"`.
    pub metadata: Vec<String>,
    pub rules: Vec<RuleDiff>,
    /// Why the semantic diff could not be made at all, if it could not.
    pub not_compared: Option<String>,
}

impl Diff {
    /// Whether some patient's outcome changes, or may (an added or removed
    /// rule changes its patients' outcomes).
    pub fn changes_patients(&self) -> bool {
        !self.added.is_empty()
            || !self.removed.is_empty()
            || self.rules.iter().any(|r| matches!(r.semantic, Semantic::Changes { .. }))
    }

    /// Whether every rule in both versions is proven the same for every
    /// patient (and none was added or removed).
    pub fn proven_same(&self) -> bool {
        self.not_compared.is_none()
            && !self.changes_patients()
            && self.rules.iter().all(|r| r.semantic == Semantic::Same)
    }
}

/// Both versions' rules over one set of inputs: the old artifact's inputs
/// and nodes, then the new nodes renumbered; `new_input[i]` is where the new
/// input `i` went.
struct Merged {
    art: Artifact,
    new_input: Vec<u32>,
    node_offset: u32,
}

fn same_but_values(a: &Input, b: &Input) -> bool {
    let kind = |t: &ValueType| std::mem::discriminant(t);
    kind(&a.ty) == kind(&b.ty) && a.unit == b.unit && a.scoring == b.scoring
}

fn merge(old: &Artifact, new: &Artifact, inputs: &mut Vec<String>) -> Result<Merged, String> {
    let mut art = old.clone();
    let mut new_input = Vec::with_capacity(new.inputs.len());
    for n in &new.inputs {
        match art.inputs.iter().position(|o| o.path == n.path) {
            Some(k) => {
                let o = &mut art.inputs[k];
                if !same_but_values(o, n) {
                    return Err(format!("input `{}` changed its type, unit or scoring", n.path));
                }
                if let (
                    ValueType::Enum { values: ov } | ValueType::Set { values: ov },
                    ValueType::Enum { values: nv } | ValueType::Set { values: nv },
                ) = (&mut o.ty, &n.ty)
                {
                    for v in nv {
                        if !ov.contains(v) {
                            inputs.push(format!("input `{}`: value `{v}` added", n.path));
                            ov.push(v.clone());
                        }
                    }
                }
                if o.range != n.range {
                    inputs.push(format!("input `{}`: range {} → {}", n.path, range(o.range), range(n.range)));
                    o.range = match (o.range, n.range) {
                        (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                        _ => None,
                    };
                }
                new_input.push(k as u32);
            }
            None => {
                inputs.push(format!("input `{}` added", n.path));
                new_input.push(art.inputs.len() as u32);
                art.inputs.push(n.clone());
            }
        }
    }
    for o in &old.inputs {
        if !new.inputs.iter().any(|n| n.path == o.path) {
            inputs.push(format!("input `{}` removed", o.path));
        }
    }
    for v in art.inputs.iter().filter_map(|i| match &i.ty {
        ValueType::Enum { values } | ValueType::Set { values } => Some(values.len()),
        _ => None,
    }) {
        if v > 64 {
            return Err("an enum of both versions together has more than 64 values".into());
        }
    }
    let node_offset = art.nodes.len() as u32;
    let mut m = Merged { art, new_input, node_offset };
    for node in &new.nodes {
        let mut node = node.clone();
        node.id = format!("new.{}", node.id);
        match &mut node.kind {
            NodeKind::Define { expr } | NodeKind::Score { expr } => m.renumber(expr),
            NodeKind::Stratify { population, strata } => {
                if let Some(p) = population {
                    m.renumber(p);
                }
                for s in strata {
                    m.renumber(&mut s.when);
                }
            }
        }
        m.art.nodes.push(node);
    }
    // Old set tests keep their bits (values were only appended), but are
    // recomputed with the new ones so that one rule serves both.
    for node in &mut m.art.nodes {
        if let NodeKind::Define { expr } | NodeKind::Score { expr } = &mut node.kind {
            remask(&m.art.inputs, expr);
        }
    }
    m.art.recommendations.clear();
    m.art.pathways.clear();
    m.art.source = Default::default();
    Ok(m)
}

fn range(r: Option<(f64, f64)>) -> String {
    r.map_or("none".into(), |(a, b)| format!("{}..{}", guidepath_ir::show::number(a), guidepath_ir::show::number(b)))
}

/// Set tests' bit masks from their value names, against `inputs`.
fn remask(inputs: &[Input], e: &mut Expr) {
    let mut todo: Vec<&mut Expr> = vec![e];
    while let Some(e) = todo.pop() {
        if let Expr::SetTest { expr, values, mask, .. } = e {
            if let Expr::Input(i) = **expr {
                if let Some(ValueType::Set { values: all } | ValueType::Enum { values: all }) =
                    inputs.get(i as usize).map(|i| &i.ty)
                {
                    *mask = values
                        .iter()
                        .filter_map(|v| all.iter().position(|a| a == v))
                        .fold(0u64, |m, k| m | (1u64 << k));
                }
            }
        }
        e.push_children_mut(&mut todo);
    }
}

impl Merged {
    /// A new-version expression in the merged numbering.
    fn renumber(&self, e: &mut Expr) {
        let mut todo: Vec<&mut Expr> = vec![e];
        while let Some(e) = todo.pop() {
            match e {
                Expr::Input(i) | Expr::Points(i) => *i = self.new_input.get(*i as usize).copied().unwrap_or(*i),
                Expr::Node(k) => *k += self.node_offset,
                Expr::InStratum { node, .. } => *node += self.node_offset,
                _ => {}
            }
            e.push_children_mut(&mut todo);
        }
        remask(&self.art.inputs, e);
    }

    fn new_expr(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        self.renumber(&mut e);
        e
    }
}

fn xor(a: Expr, b: Expr) -> Expr {
    Expr::Or(vec![
        Expr::And(vec![a.clone(), Expr::Not(Box::new(b.clone()))]),
        Expr::And(vec![Expr::Not(Box::new(a)), b]),
    ])
}

/// The structural and semantic differences from `old` to `new`.
pub fn diff(old: &Artifact, new: &Artifact) -> Diff {
    let mut d = Diff::default();
    let show = |a: &Artifact, e: &Expr| a.show(e);
    if old.guideline != new.guideline {
        let (o, n) = (&old.guideline, &new.guideline);
        let field = |name: &str, a: &Option<String>, b: &Option<String>, out: &mut Vec<String>| {
            if a != b {
                out.push(format!("{name}: {} → {}", a.as_deref().unwrap_or("none"), b.as_deref().unwrap_or("none")));
            }
        };
        if o.id != n.id {
            d.metadata.push(format!("id: {} → {}", o.id, n.id));
        }
        field("version", &o.version, &n.version, &mut d.metadata);
        field("status", &o.status, &n.status, &mut d.metadata);
        field("issuer", &o.issuer, &n.issuer, &mut d.metadata);
        texts("title", &o.title, &n.title, &mut d.metadata);
    }
    let merged = match merge(old, new, &mut d.inputs) {
        Ok(m) => Some(m),
        Err(why) => {
            d.not_compared = Some(why);
            None
        }
    };
    // Built here from checked artifacts: no hash to verify.
    let merged_ev = merged.as_ref().and_then(|m| Evaluator::new_in_process(m.art.clone()).ok());
    let analysis = merged.as_ref().map(|m| Analysis::new(&m.art, merged_ev.as_ref()));
    let (ev_old, ev_new) = (Evaluator::new_in_process(old.clone()).ok(), Evaluator::new_in_process(new.clone()).ok());
    // `complete` adds to a witness what the outcome needs that the
    // search leaves open (a time limit's anchor date); the patient shown
    // is the one evaluated.
    let ask = |goal: Expr,
               complete: &dyn Fn(&mut serde_json::Value),
               outcome: &dyn Fn(&Evaluator, &serde_json::Value) -> String|
     -> Semantic {
        let (Some(m), Some(an), Some(eo), Some(en)) = (&merged, &analysis, &ev_old, &ev_new) else {
            return Semantic::Unknown(d_not_compared(&merged));
        };
        match an.ask(&[Part::holds(&goal)]) {
            Answer::Witness(w) => {
                let mut patient = candidates::to_json(&m.art, &w);
                complete(&mut patient);
                let (was, is) = (outcome(eo, &patient), outcome(en, &patient));
                if was == is {
                    Semantic::Unknown(format!("the patient found ({patient}) did not confirm"))
                } else {
                    let notation = crate::witness::notation(&m.art, &patient);
                    Semantic::Changes { patient, notation, was, is }
                }
            }
            Answer::None => Semantic::Same,
            Answer::NotAnalysed(why) => Semantic::Unknown(why),
        }
    };

    // Recommendations; one that is gone and one that is new with the same
    // condition, direction and strength, and no other such pair, is one
    // recommendation renamed.
    let renamed = renames(old, new);
    for o in &old.recommendations {
        let n = match renamed.iter().find(|(a, _)| *a == o.id) {
            Some((_, b)) => new.recommendations.iter().find(|n| n.id == *b),
            None => new.recommendations.iter().find(|n| n.id == o.id),
        };
        let Some(n) = n else {
            d.removed.push(("recommendation", o.id.clone()));
            continue;
        };
        let mut written = Vec::new();
        if n.id != o.id {
            written.push(format!("renamed: `{}` → `{}`", o.id, n.id));
        }
        let (wo, wn) = (show(old, &o.when), show(new, &n.when));
        if wo != wn {
            written.push(format!("when: `{wo}` → `{wn}`"));
        }
        if o.direction != n.direction {
            written.push(format!("direction: {:?} → {:?}", o.direction, n.direction).to_lowercase());
        }
        for (name, a, b) in [("strength", &o.strength, &n.strength), ("certainty", &o.certainty, &n.certainty)] {
            if a != b {
                written.push(format!(
                    "{name}: {} → {}",
                    a.as_deref().unwrap_or("none"),
                    b.as_deref().unwrap_or("none")
                ));
            }
        }
        if o.action != n.action {
            written.push(format!("action: {} → {}", o.action, n.action));
        }
        texts("title", &o.title, &n.title, &mut written);
        texts("level", &o.level, &n.level, &mut written);
        texts("rationale", &o.rationale, &n.rationale, &mut written);
        let (id, new_id) = (o.id.clone(), n.id.clone());
        let semantic = match &merged {
            // Each version is asked about its own name (the old one has
            // only the old name of a renamed recommendation, the new one
            // only the new).
            Some(m) => ask(xor(o.when.clone(), m.new_expr(&n.when)), &|_| {}, &|ev, p| applies(ev, p, &[&id, &new_id])),
            None => Semantic::Unknown(d_not_compared(&merged)),
        };
        let renamed = (n.id != o.id).then(|| n.id.clone());
        d.rules.push(RuleDiff { kind: "recommendation", id: o.id.clone(), written, renamed, semantic });
    }
    for n in &new.recommendations {
        if !old.recommendations.iter().any(|o| o.id == n.id) && !renamed.iter().any(|(_, b)| *b == n.id) {
            d.added.push(("recommendation", n.id.clone()));
        }
    }

    // Stratifications and scores (nodes by id).
    for (ko, o) in old.nodes.iter().enumerate() {
        let Some((kn, n)) = new.nodes.iter().enumerate().find(|(_, n)| n.id == o.id) else {
            if matches!(o.kind, NodeKind::Stratify { .. } | NodeKind::Score { .. }) {
                d.removed.push((node_kind(&o.kind), o.id.clone()));
            }
            continue;
        };
        let (ko, kn) = (ko as u32, kn as u32);
        let mut written = Vec::new();
        let id = o.id.clone();
        let goal = match (&o.kind, &n.kind) {
            (NodeKind::Stratify { population: po, strata: so }, NodeKind::Stratify { population: pn, strata: sn }) => {
                let pop = |p: &Option<Expr>, a: &Artifact| p.as_ref().map_or("everyone".into(), |p| show(a, p));
                if pop(po, old) != pop(pn, new) {
                    written.push(format!("population: `{}` → `{}`", pop(po, old), pop(pn, new)));
                }
                let mut names: Vec<&str> = so.iter().map(|s| s.name.as_str()).collect();
                names.extend(sn.iter().map(|s| s.name.as_str()).filter(|s| !so.iter().any(|o| o.name == *s)));
                let mut parts = Vec::new();
                for name in names {
                    let a = so.iter().position(|s| s.name == name);
                    let b = sn.iter().position(|s| s.name == name);
                    match (a, b) {
                        (Some(a), Some(b)) => {
                            let (x, y) = (show(old, &so[a].when), show(new, &sn[b].when));
                            if x != y {
                                written.push(format!("stratum `{name}`: `{x}` → `{y}`"));
                            }
                        }
                        (Some(_), None) => written.push(format!("stratum `{name}` removed")),
                        (None, Some(_)) => written.push(format!("stratum `{name}` added")),
                        (None, None) => {}
                    }
                    let member = |node: u32, k: Option<usize>| match k {
                        Some(k) => Expr::InStratum { node, stratum: k as u32, negated: false },
                        None => Expr::Bool(false),
                    };
                    let off = merged.as_ref().map_or(0, |m| m.node_offset);
                    parts.push(xor(member(ko, a), member(kn + off, b)));
                }
                Some((Expr::Or(parts), "stratification"))
            }
            (NodeKind::Score { expr: eo }, NodeKind::Score { expr: en }) => {
                let (x, y) = (show(old, eo), show(new, en));
                if x != y {
                    written.push(format!("score: `{x}` → `{y}`"));
                }
                let off = merged.as_ref().map_or(0, |m| m.node_offset);
                Some((
                    Expr::Compare {
                        op: guidepath_ir::CmpOp::Ne,
                        lhs: Box::new(Expr::Node(ko)),
                        rhs: Box::new(Expr::Node(kn + off)),
                    },
                    "score",
                ))
            }
            _ => None,
        };
        let Some((goal, kind)) = goal else { continue };
        let semantic = match kind {
            "stratification" => ask(goal, &|_| {}, &|ev, p| stratum(ev, p, &id)),
            _ => ask(goal, &|_| {}, &|ev, p| score(ev, p, &id)),
        };
        d.rules.push(RuleDiff { kind, id: o.id.clone(), written, renamed: None, semantic });
    }
    for n in &new.nodes {
        if matches!(n.kind, NodeKind::Stratify { .. } | NodeKind::Score { .. })
            && !old.nodes.iter().any(|o| o.id == n.id)
        {
            d.added.push((node_kind(&n.kind), n.id.clone()));
        }
    }

    // Time limits: the steps of pathways in both.
    for po in &old.pathways {
        let Some(pn) = new.pathways.iter().find(|p| p.id == po.id) else {
            d.removed.push(("pathway", po.id.clone()));
            continue;
        };
        for so in po.steps.iter().filter(|s| s.limit.is_some()) {
            let id = format!("{}.{}", po.id, so.id);
            let Some(sn) = pn.steps.iter().find(|s| s.id == so.id && s.limit.is_some()) else {
                d.removed.push(("time limit", id));
                continue;
            };
            let mut written = Vec::new();
            let (lo, ln) = (so.limit.as_ref(), sn.limit.as_ref());
            let limit = |a: &Artifact, p: &guidepath_ir::Pathway, l: Option<&guidepath_ir::Limit>| {
                l.map_or(String::new(), |l| {
                    let anchor = match l.anchor {
                        Anchor::Input(i) => a.inputs.get(i as usize).map_or("?".into(), |x| x.path.clone()),
                        Anchor::Step(k) => p.steps.get(k as usize).map_or("?".into(), |s| s.id.clone()),
                    };
                    format!("within {} after {anchor}", duration_text(l.amount))
                })
            };
            let (x, y) = (limit(old, po, lo), limit(new, pn, ln));
            if x != y {
                written.push(format!("limit: {x} → {y}"));
            }
            let cond = |p: &guidepath_ir::Pathway, s: &guidepath_ir::Step| {
                let parts: Vec<Expr> = p.when.iter().chain(s.when.iter()).cloned().collect();
                Expr::And(parts)
            };
            let semantic = match &merged {
                Some(m) => {
                    let (a, b) = (cond(po, so), m.new_expr(&cond(pn, sn)));
                    // The same limit moves a due date only where the step
                    // applies in one version alone; a changed one wherever
                    // it applies.
                    let goal = if x == y { xor(a, b) } else { Expr::Or(vec![a, b]) };
                    let (pid, sid) = (po.id.clone(), so.id.clone());
                    ask(goal, &|p| with_anchor(p, old, lo), &|ev, p| due(ev, p, &pid, &sid))
                }
                None => Semantic::Unknown(d_not_compared(&merged)),
            };
            d.rules.push(RuleDiff { kind: "time limit", id, written, renamed: None, semantic });
        }
        for sn in pn.steps.iter().filter(|s| s.limit.is_some()) {
            if !po.steps.iter().any(|s| s.id == sn.id && s.limit.is_some()) {
                d.added.push(("time limit", format!("{}.{}", pn.id, sn.id)));
            }
        }
    }
    for pn in &new.pathways {
        if !old.pathways.iter().any(|p| p.id == pn.id) {
            d.added.push(("pathway", pn.id.clone()));
        }
    }
    definitions_beside_rules(old, new, &mut d);
    d
}

/// Shows each definition whose text changed, as written, beside every rule
/// that reads it (through other definitions, scores and stratifications
/// too): a rule whose `when` reads `target_population` changes for
/// patients when the definition does, and its own text does not say why.
fn definitions_beside_rules(old: &Artifact, new: &Artifact, d: &mut Diff) {
    let changed: Vec<(&str, String, String)> = old
        .nodes
        .iter()
        .filter_map(|o| {
            let NodeKind::Define { expr: eo } = &o.kind else { return None };
            let n = new.nodes.iter().find(|n| n.id == o.id)?;
            let NodeKind::Define { expr: en } = &n.kind else { return None };
            let (x, y) = (old.show(eo), new.show(en));
            (x != y).then_some((o.id.as_str(), x, y))
        })
        .collect();
    if changed.is_empty() {
        return;
    }
    for r in &mut d.rules {
        let new_id = r.renamed.as_deref().unwrap_or(&r.id);
        let mut used = definitions_used(old, &rule_exprs(old, r.kind, &r.id));
        used.extend(definitions_used(new, &rule_exprs(new, r.kind, new_id)));
        for (id, x, y) in &changed {
            if used.contains(*id) {
                r.written.push(format!("definition `{id}`: `{x}` → `{y}`"));
            }
        }
    }
}

/// The conditions a rule of `kind` reads in `art`.
fn rule_exprs(art: &Artifact, kind: &str, id: &str) -> Vec<Expr> {
    match kind {
        "recommendation" => art.recommendations.iter().filter(|r| r.id == id).map(|r| r.when.clone()).collect(),
        "time limit" => {
            let Some((p, s)) = id.split_once('.') else { return Vec::new() };
            let Some(p) = art.pathways.iter().find(|x| x.id == p) else { return Vec::new() };
            let step = p.steps.iter().find(|x| x.id == s);
            p.when.iter().chain(step.and_then(|x| x.when.as_ref())).cloned().collect()
        }
        _ => art.nodes.iter().position(|n| n.id == id).map(|k| Expr::Node(k as u32)).into_iter().collect(),
    }
}

/// The ids of the definitions `exprs` read, directly or through other
/// nodes.
fn definitions_used(art: &Artifact, exprs: &[Expr]) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut seen = std::collections::HashSet::new();
    let mut todo: Vec<&Expr> = exprs.iter().collect();
    while let Some(e) = todo.pop() {
        let node = match e {
            Expr::Node(k) | Expr::InStratum { node: k, .. } => Some(*k),
            _ => None,
        };
        if let Some(n) = node.filter(|k| seen.insert(*k)).and_then(|k| art.nodes.get(k as usize)) {
            match &n.kind {
                NodeKind::Define { expr } => {
                    out.insert(n.id.clone());
                    todo.push(expr);
                }
                NodeKind::Score { expr } => todo.push(expr),
                NodeKind::Stratify { population, strata } => {
                    todo.extend(population.iter());
                    todo.extend(strata.iter().map(|s| &s.when));
                }
            }
        }
        e.push_children(&mut todo);
    }
    out
}

/// A duration as the language writes it: `1 month`, `6 weeks`, `2 years 3 days`.
fn duration_text(d: guidepath_ir::Duration) -> String {
    let mut parts = Vec::new();
    let mut part = |n: i64, unit: &str| {
        if n != 0 {
            parts.push(format!("{n} {unit}{}", if n.abs() == 1 { "" } else { "s" }));
        }
    };
    if d.months % 12 == 0 {
        part(d.months / 12, "year");
    } else {
        part(d.months, "month");
    }
    if d.days % 7 == 0 {
        part(d.days / 7, "week");
    } else {
        part(d.days, "day");
    }
    if d.minutes % 60 == 0 {
        part(d.minutes / 60, "hour");
    } else {
        part(d.minutes, "minute");
    }
    if parts.is_empty() {
        "0 days".into()
    } else {
        parts.join(" ")
    }
}

/// Unambiguous renames: (old id, new id) for a recommendation only in the
/// old version whose condition, direction and strength one, and only one,
/// recommendation only in the new version has, and the other way round.
fn renames(old: &Artifact, new: &Artifact) -> Vec<(String, String)> {
    let gone: Vec<_> =
        old.recommendations.iter().filter(|o| !new.recommendations.iter().any(|n| n.id == o.id)).collect();
    let came: Vec<_> =
        new.recommendations.iter().filter(|n| !old.recommendations.iter().any(|o| o.id == n.id)).collect();
    let key = |a: &Artifact, r: &guidepath_ir::Recommendation| (a.show(&r.when), r.direction, r.strength.clone());
    let mut out = Vec::new();
    for o in &gone {
        let k = key(old, o);
        let matches: Vec<_> = came.iter().filter(|n| key(new, n) == k).collect();
        let back = gone.iter().filter(|x| key(old, x) == k).count();
        if let ([n], 1) = (matches.as_slice(), back) {
            out.push((o.id.clone(), n.id.clone()));
        }
    }
    out
}

fn d_not_compared(merged: &Option<Merged>) -> String {
    match merged {
        Some(_) => "a version could not be evaluated".into(),
        None => "the versions' inputs differ in type; see the inputs".into(),
    }
}

fn node_kind(k: &NodeKind) -> &'static str {
    match k {
        NodeKind::Stratify { .. } => "stratification",
        NodeKind::Score { .. } => "score",
        NodeKind::Define { .. } => "definition",
    }
}

fn texts(name: &str, a: &guidepath_ir::Text, b: &guidepath_ir::Text, out: &mut Vec<String>) {
    let (ma, mb) = (&a.0, &b.0);
    let mut langs: Vec<&String> = ma.keys().chain(mb.keys()).collect();
    langs.sort();
    langs.dedup();
    for l in langs {
        match (ma.get(l), mb.get(l)) {
            (Some(x), Some(y)) if x != y => out.push(format!("{name} ({l}): \"{x}\" → \"{y}\"")),
            (Some(_), None) => out.push(format!("{name} ({l}) removed")),
            (None, Some(y)) => out.push(format!("{name} ({l}) added: \"{y}\"")),
            _ => {}
        }
    }
}

/// The patient as one version reads it: fields it does not know are left out.
fn evaluate<'e>(ev: &'e Evaluator, patient: &serde_json::Value) -> Option<guidepath_eval::Outcome<'e>> {
    let mut p = patient.clone();
    if let Some(m) = p.as_object_mut() {
        let known: Vec<String> = ev.unknown_fields(patient);
        for k in known {
            m.remove(&k);
        }
    }
    ev.evaluate_json(&p).ok()
}

fn state_word(state: State, applies: Option<bool>) -> String {
    match (state, applies) {
        (State::Decided, Some(true)) => "applies".into(),
        (State::Decided, _) => "does not apply".into(),
        (State::NotApplicable, _) => "not applicable".into(),
        (State::Undecided, _) => "undecided".into(),
    }
}

/// Whether the recommendation named by one of `ids` applies.
fn applies(ev: &Evaluator, patient: &serde_json::Value, ids: &[&str]) -> String {
    let Some(o) = evaluate(ev, patient) else { return "invalid data".into() };
    let report = o.report(false);
    report
        .recommendations
        .iter()
        .find(|r| ids.contains(&r.id))
        .map_or("absent".into(), |r| state_word(r.state, r.applies))
}

fn stratum(ev: &Evaluator, patient: &serde_json::Value, id: &str) -> String {
    let Some(o) = evaluate(ev, patient) else { return "invalid data".into() };
    let report = o.report(false);
    report.strata.iter().find(|s| s.id == id).map_or("absent".into(), |s| match (s.state, s.stratum) {
        (State::Decided, Some(name)) => format!("`{name}`"),
        (State::Decided, None) => "in no stratum".into(),
        (State::NotApplicable, _) => "not applicable".into(),
        (State::Undecided, _) => "undecided".into(),
    })
}

fn score(ev: &Evaluator, patient: &serde_json::Value, id: &str) -> String {
    let Some(o) = evaluate(ev, patient) else { return "invalid data".into() };
    match o.number(id) {
        Some((lo, hi)) if lo == hi => guidepath_ir::show::number(lo),
        Some((lo, hi)) => format!("{}..{}", guidepath_ir::show::number(lo), guidepath_ir::show::number(hi)),
        None => "absent".into(),
    }
}

/// A witness without the date its time limit counts from gets one (the
/// last day of a month, where clamping shows), so that a changed limit
/// shows as two dates, and the patient shown carries it.
fn with_anchor(patient: &mut serde_json::Value, old: &Artifact, limit: Option<&guidepath_ir::Limit>) {
    if let (Some(m), Some(Anchor::Input(i))) = (patient.as_object_mut(), limit.map(|l| l.anchor)) {
        if let Some(input) = old.inputs.get(i as usize) {
            m.entry(input.path.clone()).or_insert_with(|| serde_json::Value::String("2024-01-31".into()));
        }
    }
}

/// The due date of a step.
fn due(ev: &Evaluator, p: &serde_json::Value, pathway: &str, step: &str) -> String {
    let Some(o) = evaluate(ev, p) else { return "invalid data".into() };
    let report = o.report(false);
    let step = report.pathways.iter().filter(|x| x.id == pathway).flat_map(|x| &x.steps).find(|s| s.id == step);
    match step.and_then(|s| s.deadline.as_ref()) {
        Some(d) if d.state == State::Decided => format!("due {}", d.due.as_deref().unwrap_or("")),
        Some(d) if d.state == State::NotApplicable => "no due date (does not apply)".into(),
        Some(_) => "due date undecided".into(),
        None => "no time limit".into(),
    }
}

/// How many of `patients` change outcome per rule: (rule id, count).
pub fn count_changes(
    d: &Diff,
    old: &Artifact,
    new: &Artifact,
    patients: &[serde_json::Value],
) -> HashMap<String, usize> {
    let mut out: HashMap<String, usize> = HashMap::new();
    let (Ok(eo), Ok(en)) = (Evaluator::new_in_process(old.clone()), Evaluator::new_in_process(new.clone())) else {
        return out;
    };
    for r in &d.rules {
        let n = patients.iter().filter(|p| outcome(&eo, p, r) != outcome(&en, p, r)).count();
        out.insert(r.id.clone(), n);
    }
    out
}

/// What a rule of either version gives a patient, in the words of
/// [`Semantic::Changes`]' `was` and `is`: for a witness, evaluated on each
/// version alone, these are what the diff shows.
pub fn outcome(ev: &Evaluator, patient: &serde_json::Value, r: &RuleDiff) -> String {
    match r.kind {
        "recommendation" => applies(ev, patient, &[&r.id, r.renamed.as_deref().unwrap_or(&r.id)]),
        "stratification" => stratum(ev, patient, &r.id),
        "score" => score(ev, patient, &r.id),
        _ => {
            let (pid, sid) = r.id.split_once('.').unwrap_or((&r.id, ""));
            due(ev, patient, pid, sid)
        }
    }
}
