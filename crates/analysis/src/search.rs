//! The search for witness patients, and the fragment in which its "no"
//! is a proof.

use crate::candidates::{self, Candidates};
use guidepath_eval::{Bound, Evaluator, Value};
use guidepath_ir::{Artifact, Direction, Expr, Node, NodeKind, Pathway, Recommendation};

/// Most evaluations one question may take before it is left unanswered.
const BUDGET: usize = 200_000;

/// The answer to "is there a patient for whom this holds?".
pub enum Answer {
    /// Yes: this patient, confirmed by the evaluator (one value per input).
    Witness(Vec<Option<Value>>),
    /// No: every case was tried, and the candidates cover every case.
    None,
    /// The search found no patient but cannot prove there is none; why.
    NotAnalysed(String),
}

/// What a number or value in a condition is, for the fragment check.
#[derive(Clone)]
enum Operand {
    /// A constant.
    Const,
    /// Every value it can take is a candidate (items, booleans, enums,
    /// sums of those).
    Enumerated,
    /// An input whose candidates come from the constants it is compared
    /// with: exact only when compared with a constant.
    Threshold,
    /// Anything else, with why.
    Other(String),
}

pub struct Analysis<'a> {
    pub art: &'a Artifact,
    pub cands: Candidates,
    /// How each node reads as an operand (nodes refer only backwards, so one
    /// pass in order fills this).
    nodes: Vec<Operand>,
    /// Why a node's condition leaves the fragment, if it does.
    node_outside: Vec<Option<String>>,
}

impl<'a> Analysis<'a> {
    pub fn new(art: &'a Artifact) -> Analysis<'a> {
        let cands = candidates::for_inputs(art);
        let mut an = Analysis { art, cands, nodes: Vec::new(), node_outside: Vec::new() };
        for node in &art.nodes {
            let (operand, outside) = match &node.kind {
                NodeKind::Define { expr } | NodeKind::Score { expr } => (an.operand(expr), an.outside(expr)),
                NodeKind::Stratify { population, strata } => {
                    let outside = population.iter().chain(strata.iter().map(|s| &s.when)).find_map(|e| an.outside(e));
                    (Operand::Other("a stratification is not a number".into()), outside)
                }
            };
            an.nodes.push(operand);
            an.node_outside.push(outside);
        }
        an
    }

    /// Searches for a patient for whom `goal` holds.
    pub fn ask(&self, goal: &Expr) -> Answer {
        let probe = self.probe(goal.clone());
        // Built here from a checked artifact: no hash to verify.
        let Ok(ev) = Evaluator::new_in_process(probe) else {
            return Answer::NotAnalysed("the question could not be compiled".into());
        };
        let relevant = self.art.inputs_read(goal);
        let cands = candidates::for_question(self.art, goal);
        let mut values: Vec<Option<Value>> = vec![None; self.art.inputs.len()];
        let mut budget = BUDGET;
        let mut memo = self.memo(goal);
        let mut sx = Search { ev: &ev, relevant: &relevant, cands: &cands, memo: memo.as_mut() };
        if !sx.run(0, &mut values, &mut budget) {
            if budget == 0 {
                return Answer::NotAnalysed(format!("the search tried {BUDGET} patients without an answer"));
            }
            return match self.outside(goal) {
                Some(why) => Answer::NotAnalysed(why),
                None => Answer::None,
            };
        }
        // Make the witness concrete: an input the goal no longer depends on
        // takes its first candidate (true stays true as data is added).
        for &i in &relevant {
            if values[i as usize].is_none() {
                values[i as usize] = cands.of(i).first().cloned();
            }
        }
        if ev.evaluate(&Bound::from_values(values.clone())).recommendation(GOAL) != Some(Some(true)) {
            return Answer::NotAnalysed("the witness found did not confirm".into());
        }
        Answer::Witness(values)
    }

    /// The question as the only recommendation of an artifact with the
    /// inputs and only the nodes the question reads (renumbered), so that
    /// each evaluation costs what the question needs, not what the whole
    /// guideline holds.
    fn probe(&self, goal: Expr) -> Artifact {
        let mut rec = probe_rec(GOAL.into(), goal);
        let nodes = self.pruned(&mut [&mut rec.when]);
        self.artifact_with(nodes, vec![rec], Vec::new())
    }

    /// For conditions that each read one input and no other node: whether
    /// each can be true and whether it can be false, trying the candidates
    /// of its own constants on an artifact of that one input, so that each
    /// costs what it holds: linear in the number of comparisons, whatever
    /// their constants. `None` for a condition this does not decide (the
    /// caller asks it on its own).
    pub fn sides(&self, conds: &[&Expr]) -> Vec<Option<(bool, bool)>> {
        let mut out = vec![None; conds.len()];
        for (k, e) in conds.iter().enumerate() {
            let reads = self.art.inputs_read(e);
            let mut todo: Vec<&Expr> = vec![e];
            let mut nodes = false;
            while let Some(x) = todo.pop() {
                nodes |= matches!(x, Expr::Node(_) | Expr::InStratum { .. });
                x.push_children(&mut todo);
            }
            let ([input], false, None) = (reads.as_slice(), nodes, self.outside(e)) else { continue };
            let cands = candidates::for_question(self.art, e);
            let mut when = (*e).clone();
            to_input_zero(&mut when, *input);
            let probe = Artifact {
                schema: self.art.schema.clone(),
                content_hash: String::new(),
                guideline: self.art.guideline.clone(),
                inputs: vec![self.art.inputs[*input as usize].clone()],
                nodes: Vec::new(),
                recommendations: vec![probe_rec(GOAL.into(), when)],
                pathways: Vec::new(),
                instruments: Vec::new(),
                source: Default::default(),
            };
            // Built here from a checked artifact: no hash to verify.
            let Ok(ev) = Evaluator::new_in_process(probe) else { continue };
            let mut seen = (false, false);
            for c in cands.of(*input) {
                let bound = Bound::from_values(vec![Some(c.clone())]);
                match ev.evaluate(&bound).recommendations_applied().first() {
                    Some(Some(true)) => seen.0 = true,
                    Some(Some(false)) => seen.1 = true,
                    _ => {}
                }
                if seen == (true, true) {
                    break;
                }
            }
            out[k] = Some(seen);
        }
        out
    }

    /// One pathway alone, with only the nodes its conditions read: for
    /// evaluating its due dates many times.
    pub fn pathway_probe(&self, pathway: &Pathway) -> Artifact {
        let mut p = pathway.clone();
        let mut exprs: Vec<&mut Expr> = Vec::new();
        if let Some(w) = p.when.as_mut() {
            exprs.push(w);
        }
        for s in &mut p.steps {
            if let Some(w) = s.when.as_mut() {
                exprs.push(w);
            }
        }
        let nodes = self.pruned(&mut exprs);
        self.artifact_with(nodes, Vec::new(), vec![p])
    }

    fn artifact_with(
        &self,
        nodes: Vec<Node>,
        recommendations: Vec<Recommendation>,
        pathways: Vec<Pathway>,
    ) -> Artifact {
        let art = self.art;
        // Probes are evaluated, never explained: no source places.
        Artifact {
            schema: art.schema.clone(),
            content_hash: String::new(),
            guideline: art.guideline.clone(),
            inputs: art.inputs.clone(),
            nodes,
            recommendations,
            pathways,
            instruments: Vec::new(),
            source: Default::default(),
        }
    }

    /// The nodes the expressions read (transitively), renumbered, with the
    /// expressions' references renumbered to match.
    fn pruned(&self, exprs: &mut [&mut Expr]) -> Vec<Node> {
        let art = self.art;
        let mut needed = vec![false; art.nodes.len()];
        let mut todo: Vec<&Expr> = exprs.iter().map(|e| &**e).collect();
        while let Some(e) = todo.pop() {
            if let Expr::Node(k) | Expr::InStratum { node: k, .. } = e {
                if let Some(slot) = needed.get_mut(*k as usize) {
                    if !*slot {
                        *slot = true;
                        node_exprs(&art.nodes[*k as usize].kind, &mut todo);
                    }
                }
            }
            e.push_children(&mut todo);
        }
        let mut map = vec![u32::MAX; art.nodes.len()];
        let mut nodes = Vec::new();
        for (k, node) in art.nodes.iter().enumerate() {
            if needed[k] {
                map[k] = nodes.len() as u32;
                let mut node = node.clone();
                match &mut node.kind {
                    NodeKind::Define { expr } | NodeKind::Score { expr } => renumber(expr, &map),
                    NodeKind::Stratify { population, strata } => {
                        population.iter_mut().for_each(|p| renumber(p, &map));
                        strata.iter_mut().for_each(|s| renumber(&mut s.when, &map));
                    }
                }
                nodes.push(node);
            }
        }
        for e in exprs.iter_mut() {
            renumber(e, &map);
        }
        nodes
    }

    /// Why a "no" of the search would not be a proof for this condition:
    /// `None` when every comparison in it is of a constant with an input,
    /// or of constants with item answers, booleans and enums.
    pub fn outside(&self, e: &Expr) -> Option<String> {
        let mut todo: Vec<(&Expr, Option<&str>)> = vec![(e, None)];
        while let Some((e, label)) = todo.pop() {
            let why = |what: String| match label {
                Some(text) => format!("`{text}` {what}"),
                None => format!("a condition {what}"),
            };
            match e {
                Expr::Labeled { at, expr } => todo.push((expr, Some(self.art.place_text(*at)))),
                Expr::Not(x) => todo.push((x, label)),
                Expr::And(xs) | Expr::Or(xs) => todo.extend(xs.iter().map(|x| (x, label))),
                Expr::Compare { lhs, rhs, .. } => match (self.operand(lhs), self.operand(rhs)) {
                    (Operand::Other(w), _) | (_, Operand::Other(w)) => return Some(why(w)),
                    (Operand::Threshold, Operand::Threshold) => {
                        return Some(why("compares two inputs with each other".into()))
                    }
                    (Operand::Threshold, Operand::Enumerated) | (Operand::Enumerated, Operand::Threshold) => {
                        return Some(why("compares an input with a score".into()))
                    }
                    _ => {}
                },
                Expr::InRange { expr, .. } => {
                    if let Operand::Other(w) = self.operand(expr) {
                        return Some(why(w));
                    }
                }
                Expr::IsValue { expr, .. } | Expr::SetTest { expr, .. } => match self.operand(expr) {
                    Operand::Other(w) => return Some(why(w)),
                    Operand::Threshold => {
                        return Some(why("tests a set of more than 6 values, whose subsets are sampled".into()))
                    }
                    Operand::Const | Operand::Enumerated => {}
                },
                Expr::Input(i) => {
                    if !self.cands.complete(*i) {
                        return Some(why("reads an input whose values are sampled".into()));
                    }
                }
                Expr::Node(k) | Expr::InStratum { node: k, .. } => {
                    if let Some(Some(w)) = self.node_outside.get(*k as usize) {
                        return Some(w.clone());
                    }
                }
                Expr::Bool(_) => {}
                Expr::Quantity { .. } | Expr::Date(_) | Expr::Text(_) | Expr::Points(_) | Expr::Sum { .. } => {}
            }
        }
        None
    }

    fn operand(&self, e: &Expr) -> Operand {
        match e {
            Expr::Bool(_) | Expr::Quantity { .. } | Expr::Date(_) | Expr::Text(_) => Operand::Const,
            Expr::Labeled { expr, .. } => self.operand(expr),
            Expr::Points(_) => Operand::Enumerated,
            Expr::Input(i) if self.cands.complete(*i) => Operand::Enumerated,
            Expr::Input(_) => Operand::Threshold,
            Expr::Node(k) => self.nodes.get(*k as usize).cloned().unwrap_or(Operand::Other("refers to nothing".into())),
            Expr::Sum { terms } => {
                let mut all_const = true;
                for (_, t) in terms {
                    match self.operand(t) {
                        Operand::Const => {}
                        Operand::Enumerated => all_const = false,
                        Operand::Threshold => {
                            return Operand::Other("adds to an input that is not a questionnaire item".into())
                        }
                        other @ Operand::Other(_) => return other,
                    }
                }
                if all_const {
                    Operand::Const
                } else {
                    Operand::Enumerated
                }
            }
            _ => Operand::Other("is a condition used as a value".into()),
        }
    }
}

const GOAL: &str = "__goal";

fn node_exprs<'e>(kind: &'e NodeKind, out: &mut Vec<&'e Expr>) {
    match kind {
        NodeKind::Define { expr } | NodeKind::Score { expr } => out.push(expr),
        NodeKind::Stratify { population, strata } => {
            out.extend(population.iter());
            out.extend(strata.iter().map(|s| &s.when));
        }
    }
}

/// Points node references at their new numbers. Recursion is bounded: a
/// validated artifact nests expressions at most `MAX_EXPR_DEPTH` deep.
fn renumber(e: &mut Expr, map: &[u32]) {
    let mut todo: Vec<&mut Expr> = vec![e];
    while let Some(e) = todo.pop() {
        match e {
            Expr::Node(k) | Expr::InStratum { node: k, .. } => {
                if let Some(n) = map.get(*k as usize) {
                    *k = *n;
                }
            }
            other => other.push_children_mut(&mut todo),
        }
    }
}

/// Questionnaire items that a question reads only through scores: two
/// partial patients that agree on everything else and give each score the
/// same interval have the same completions, so a state that failed once
/// need not be searched again. This turns 11^10 answer combinations of a
/// ten-item questionnaire into at most 10 × 101 states.
struct Memo {
    score_only: Vec<bool>,
    scores: Vec<String>,
    /// Exact keys (no hashing of values, so no collisions).
    failed: std::collections::HashSet<String>,
}

impl Analysis<'_> {
    fn memo(&self, goal: &Expr) -> Option<Memo> {
        let art = self.art;
        // For each input: read inside a score, read elsewhere.
        let mut inside = vec![false; art.inputs.len()];
        let mut elsewhere = vec![false; art.inputs.len()];
        let mut scores: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut todo: Vec<(&Expr, bool)> = vec![(goal, false)];
        while let Some((e, in_score)) = todo.pop() {
            match e {
                Expr::Input(i) | Expr::Points(i) => {
                    let slot = if in_score { &mut inside } else { &mut elsewhere };
                    if let Some(x) = slot.get_mut(*i as usize) {
                        *x = true;
                    }
                }
                Expr::Node(k) | Expr::InStratum { node: k, .. } => {
                    let Some(node) = art.nodes.get(*k as usize) else { continue };
                    let is_score = matches!(node.kind, NodeKind::Score { .. });
                    if !seen.insert((*k, in_score || is_score)) {
                        continue;
                    }
                    match &node.kind {
                        NodeKind::Score { expr } => {
                            if !scores.contains(k) {
                                scores.push(*k);
                            }
                            todo.push((expr, true));
                        }
                        NodeKind::Define { expr } => todo.push((expr, in_score)),
                        NodeKind::Stratify { population, strata } => {
                            todo.extend(population.iter().map(|p| (p, in_score)));
                            todo.extend(strata.iter().map(|s| (&s.when, in_score)));
                        }
                    }
                }
                _ => {
                    let mut children = Vec::new();
                    e.push_children(&mut children);
                    todo.extend(children.into_iter().map(|c| (c, in_score)));
                }
            }
        }
        let score_only: Vec<bool> = inside.iter().zip(&elsewhere).map(|(i, e)| *i && !*e).collect();
        if !score_only.contains(&true) {
            return None;
        }
        let scores = scores.iter().filter_map(|k| art.nodes.get(*k as usize).map(|n| n.id.clone())).collect();
        Some(Memo { score_only, scores, failed: Default::default() })
    }
}

struct Search<'a> {
    ev: &'a Evaluator,
    relevant: &'a [u32],
    cands: &'a Candidates,
    memo: Option<&'a mut Memo>,
}

impl Search<'_> {
    fn run(&mut self, k: usize, values: &mut Vec<Option<Value>>, budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let bound = Bound::from_values(values.clone());
        let outcome = self.ev.evaluate(&bound);
        match outcome.recommendation(GOAL) {
            Some(Some(true)) => return true,
            Some(Some(false)) | None => return false,
            Some(None) => {}
        }
        let key = self.memo.as_ref().map(|m| {
            use std::fmt::Write;
            let mut key = format!("{k}");
            for (i, v) in values.iter().enumerate() {
                if !m.score_only.get(i).copied().unwrap_or(false) {
                    let _ = write!(key, "|{v:?}");
                }
            }
            for id in &m.scores {
                let _ = write!(key, "|{:?}", outcome.number(id));
            }
            key
        });
        drop(outcome);
        if let (Some(m), Some(key)) = (&self.memo, &key) {
            if m.failed.contains(key) {
                return false;
            }
        }
        let Some(&input) = self.relevant.get(k) else { return false };
        for c in self.cands.of(input) {
            values[input as usize] = Some(c.clone());
            if self.run(k + 1, values, budget) {
                return true;
            }
        }
        values[input as usize] = None;
        // Only a search that ran to its end proves the state fails.
        if let (Some(m), Some(key)) = (self.memo.as_mut(), key) {
            if *budget > 0 {
                m.failed.insert(key);
            }
        }
        false
    }
}

/// Makes an expression that reads only input `i` read input 0 instead, for
/// an artifact of that one input.
fn to_input_zero(e: &mut Expr, i: u32) {
    let mut todo: Vec<&mut Expr> = vec![e];
    while let Some(e) = todo.pop() {
        match e {
            Expr::Input(k) | Expr::Points(k) if *k == i => *k = 0,
            other => other.push_children_mut(&mut todo),
        }
    }
}

/// A recommendation that asks a question of the evaluator.
fn probe_rec(id: String, when: Expr) -> Recommendation {
    Recommendation {
        action: id.clone(),
        id,
        title: Default::default(),
        direction: Direction::For,
        strength: None,
        certainty: None,
        level: Default::default(),
        rationale: Default::default(),
        when,
        // No place: probes are never explained.
        at: u32::MAX,
    }
}
