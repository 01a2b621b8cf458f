//! One condition asked of many patients: the consistency analysis asks
//! thousands of questions of one guideline, each of thousands of partial
//! patients. A [`Condition`] is prepared once per question against the
//! guideline's evaluator, and each evaluation computes only the nodes the
//! condition reads, in a [`Scratch`] reused across questions. So a question
//! costs what it reads, not what the guideline holds.

use crate::value::{Tri, V};
use crate::{Bound, Evaluator, NodeValue};
use guidepath_ir::{ArtifactError, Expr, NodeKind};
use std::collections::BTreeSet;

/// A condition over an evaluator's inputs and nodes, with the nodes it
/// reads (transitively, in evaluation order).
pub struct Condition {
    expr: Expr,
    nodes: Vec<u32>,
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

impl Condition {
    /// The condition's expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

impl Evaluator {
    /// Prepares a condition built against this evaluator's artifact, after
    /// checking it as the artifact's own conditions are checked (references
    /// in range, nesting bounded).
    pub fn condition(&self, expr: Expr) -> Result<Condition, ArtifactError> {
        self.shape.check_condition(&expr)?;
        let art = &self.artifact;
        let mut seen: BTreeSet<u32> = BTreeSet::new();
        let mut todo: Vec<&Expr> = Vec::with_capacity(16);
        todo.push(&expr);
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
        Ok(Condition { expr, nodes })
    }

    /// Whether the condition holds for the bound data (`None`: undecided),
    /// with the same three-valued semantics as [`Evaluator::evaluate`].
    pub fn holds<'e>(&'e self, c: &Condition, b: &Bound, scratch: &mut Scratch<'e>) -> Tri {
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
        match self.expr(&c.expr, b, nodes, &scratch.members) {
            V::Bool(t) => t,
            _ => None,
        }
    }

    /// After [`Evaluator::holds`]: the interval of a number node (a score
    /// or numeric definition) the condition reads; equal bounds when known.
    pub fn number_in(&self, scratch: &Scratch<'_>, node: u32) -> Option<(f64, f64)> {
        scratch.nodes.get(node as usize)?.value.interval()
    }
}
