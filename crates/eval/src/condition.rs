//! One condition asked of many patients: the consistency analysis asks
//! thousands of questions of one guideline, each of thousands of partial
//! patients. A [`Condition`] is prepared once per question against the
//! guideline's evaluator, and each evaluation computes only the nodes the
//! condition reads, in a [`Scratch`] reused across questions. So a question
//! costs what it reads, not what the guideline holds.

use crate::value::Tri;
use crate::{Bound, Evaluator, NodeValue};
use guidepath_ir::{ArtifactError, Expr, NodeKind};
use std::collections::BTreeSet;

/// A condition over an evaluator's inputs and nodes: its parts, all of
/// which must hold, with the nodes they read (transitively, in evaluation
/// order). The parts are borrowed: a question is made of the guideline's
/// own conditions, which need not be copied to be asked.
pub struct Condition<'g> {
    parts: Vec<Part<'g>>,
    nodes: Vec<u32>,
}

/// One part of a [`Condition`]: an expression that must hold, or, when
/// `negated`, one that must not.
#[derive(Debug, Clone, Copy)]
pub struct Part<'g> {
    pub expr: &'g Expr,
    pub negated: bool,
}

impl<'g> Part<'g> {
    /// `expr` holds.
    pub fn holds(expr: &'g Expr) -> Part<'g> {
        Part { expr, negated: false }
    }

    /// `expr` does not hold.
    pub fn fails(expr: &'g Expr) -> Part<'g> {
        Part { expr, negated: true }
    }
}

/// Node values and stratum memberships of the last evaluation. Only the
/// nodes of the condition evaluated are written; the others keep whatever
/// an earlier condition left, which no condition that does not read them
/// can see (nodes read only nodes before them, and a condition's nodes are
/// evaluated in order before it).
#[derive(Default)]
pub struct Scratch<'e> {
    nodes: Vec<NodeValue<'e>>,
    members: Vec<Tri>,
}

impl<'g> Condition<'g> {
    /// The condition's parts.
    pub fn parts(&self) -> &[Part<'g>] {
        &self.parts
    }
}

impl Evaluator {
    /// Prepares the conjunction of `parts`, built against this evaluator's
    /// artifact, after checking each part as the artifact's own conditions
    /// are checked (references in range, nesting bounded). It holds as
    /// `and` of the parts (each under `not` when negated) holds, in the
    /// same three values.
    pub fn condition<'g>(&self, parts: &[Part<'g>]) -> Result<Condition<'g>, ArtifactError> {
        for p in parts {
            self.shape.check_condition(p.expr)?;
        }
        let art = &self.artifact;
        let mut seen: BTreeSet<u32> = BTreeSet::new();
        let mut todo: Vec<&Expr> = Vec::with_capacity(16);
        todo.extend(parts.iter().map(|p| p.expr));
        while let Some(e) = todo.pop() {
            if let Expr::Node(k) | Expr::InStratum { node: k, .. } = e {
                if let Some(node) = art.nodes.get(*k as usize) {
                    if seen.insert(*k) {
                        match &node.kind {
                            NodeKind::Define { expr } | NodeKind::Score { expr } => todo.push(expr),
                            NodeKind::Stratify { population, strata } => {
                                todo.extend(population.iter());
                                todo.extend(strata.iter().map(|s| &s.when));
                            }
                        }
                    }
                }
            }
            e.push_children(&mut todo);
        }
        let nodes = seen.into_iter().collect();
        Ok(Condition { parts: parts.to_vec(), nodes })
    }

    /// Whether the condition holds for the bound data (`None`: undecided),
    /// with the same three-valued semantics as [`Evaluator::evaluate`].
    pub fn holds<'e>(&'e self, c: &Condition<'_>, b: &Bound, scratch: &mut Scratch<'e>) -> Tri {
        let n = self.artifact.nodes.len();
        if scratch.nodes.len() != n || scratch.members.len() != self.strata {
            scratch.nodes = (0..n).map(|_| NodeValue::unknown()).collect();
            scratch.members = vec![None; self.strata];
        }
        for &k in &c.nodes {
            let v = self.node(k as usize, b, &scratch.nodes, &mut scratch.members, false);
            scratch.nodes[k as usize] = v;
        }
        let nodes: &[NodeValue<'_>] = &scratch.nodes;
        // Kleene `and`, as the walk's: false wins over unknown.
        let mut unknown = false;
        for p in &c.parts {
            match self.cond(p.expr, b, nodes, &scratch.members) {
                Some(v) if v == p.negated => return Some(false),
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown {
            None
        } else {
            Some(true)
        }
    }

    /// After [`Evaluator::holds`]: the interval of a number node (a score
    /// or numeric definition) the condition reads; equal bounds when known.
    pub fn number_in(&self, scratch: &Scratch<'_>, node: u32) -> Option<(f64, f64)> {
        scratch.nodes.get(node as usize)?.value.interval()
    }
}
