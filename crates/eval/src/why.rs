//! Why a result is undecided, and why one does not apply.
//!
//! An undecided result lists the missing fields that would decide it
//! (`needs`) and the conditions that no more data can decide (`reasons`):
//! a duration in days compared with one in months, say. The walk goes into
//! the parts that are still undecided only, so a part that is already true
//! or false never asks for data:
//!
//! - **sufficient**: with every field of `needs` known, the result is
//!   decided, or undecided for `reasons` alone;
//! - **complete**: a missing field that is not listed cannot decide it;
//! - **minimal** where no field is read by two conditions of one result:
//!   every field listed can change the answer. Where conditions share a
//!   field (`a > 5 and a < 3`), or a score's items have gaps between their
//!   points, a field may be listed that cannot change it on its own; the
//!   consistency analysis reports such conditions as constant or redundant.
//!
//! `tests/needs.rs` checks the first two on random guidelines and patients.

use crate::value::{Needs, Tri, V};
use crate::{Evaluator, NodeValue};
use guidepath_ir::{At, Expr, NodeKind};

/// What keeps something undecided.
#[derive(Debug, Clone, Default)]
pub(crate) struct Open<'e> {
    pub needs: Needs,
    /// Conditions whose fields are all known and which are still
    /// undecided, each with the labelled condition it is part of.
    pub reasons: Vec<Reason<'e>>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Reason<'e> {
    pub atom: &'e Expr,
    pub label: Option<At>,
}

impl<'e> Open<'e> {
    pub fn is_empty(&self) -> bool {
        self.needs.is_empty() && self.reasons.is_empty()
    }

    pub fn extend(&mut self, other: &Open<'e>) {
        self.needs.extend(&other.needs);
        for r in &other.reasons {
            self.add_reason(*r);
        }
    }

    fn add_reason(&mut self, r: Reason<'e>) {
        if !self.reasons.iter().any(|x| std::ptr::eq(x.atom, r.atom)) {
            self.reasons.push(r);
        }
    }
}

/// A condition that makes something not apply: its text as written and
/// its place (an index into `source.places`), or the node it names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cause<'e> {
    Label(At),
    Node(u32),
    Expr(&'e Expr),
}

impl PartialEq for Cause<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Cause::Label(a), Cause::Label(b)) | (Cause::Node(a), Cause::Node(b)) => a == b,
            (Cause::Expr(a), Cause::Expr(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

impl Evaluator {
    /// Adds why `e`, which is undecided, is undecided.
    pub(crate) fn why<'e>(
        &'e self,
        e: &'e Expr,
        b: &crate::Bound,
        nodes: &[NodeValue<'e>],
        members: &[Tri],
        label: Option<At>,
        out: &mut Open<'e>,
    ) {
        match e {
            Expr::Input(i) | Expr::Points(i) => {
                if b.get(*i).is_none() {
                    out.needs.insert(*i);
                }
            }
            Expr::Node(n) => {
                if let Some(node) = nodes.get(*n as usize) {
                    out.extend(&node.why);
                }
            }
            Expr::InStratum { node, stratum, .. } => self.membership_why(*node, *stratum, b, nodes, members, out),
            Expr::Labeled { at, expr } => self.why(expr, b, nodes, members, Some(*at), out),
            Expr::Not(x) => self.why(x, b, nodes, members, label, out),
            Expr::And(xs) | Expr::Or(xs) => {
                for x in xs {
                    if !self.expr(x, b, nodes, members).is_known() {
                        self.why(x, b, nodes, members, label, out);
                    }
                }
            }
            Expr::Sum { terms } => {
                for (_, t) in terms {
                    self.why(t, b, nodes, members, label, out);
                }
            }
            Expr::Compare { .. } | Expr::InRange { .. } | Expr::IsValue { .. } | Expr::SetTest { .. } => {
                let mut inner = Open::default();
                for o in operands(e) {
                    self.why(o, b, nodes, members, label, &mut inner);
                }
                if inner.is_empty() {
                    // Every field it reads is known and it is still open.
                    out.add_reason(Reason { atom: e, label });
                } else {
                    out.extend(&inner);
                }
            }
            Expr::Bool(_) | Expr::Quantity { .. } | Expr::Date(_) | Expr::Text(_) => {}
        }
    }

    /// Why the membership of stratum `k` of stratification `node` is
    /// undecided: its population, its own condition, or both.
    pub(crate) fn membership_why<'e>(
        &'e self,
        node: u32,
        k: u32,
        b: &crate::Bound,
        nodes: &[NodeValue<'e>],
        members: &[Tri],
        out: &mut Open<'e>,
    ) {
        let Some(NodeKind::Stratify { population, strata }) = self.artifact.nodes.get(node as usize).map(|n| &n.kind)
        else {
            return;
        };
        if let Some(p) = population {
            if self.cond(p, b, nodes, members).is_none() {
                self.why(p, b, nodes, members, None, out);
            }
        }
        if let Some(s) = strata.get(k as usize) {
            // A membership is the stratum's condition and the population
            // (`Evaluator::node`); without a population, an undecided
            // membership is an undecided condition, known without
            // evaluating it again.
            let member = nodes.get(node as usize).and_then(|n| members.get(n.first_member as usize + k as usize));
            let open = match (population, member) {
                (None, Some(None)) => true,
                _ => self.cond(&s.when, b, nodes, members).is_none(),
            };
            if open {
                self.why(&s.when, b, nodes, members, None, out);
            }
        }
    }

    /// The conditions that make `e`, which is false, false: the false parts
    /// of an `and`, every part of an `or`, each named as written.
    pub(crate) fn because<'e>(
        &'e self,
        e: &'e Expr,
        b: &crate::Bound,
        nodes: &[NodeValue<'e>],
        members: &[Tri],
        out: &mut Vec<Cause<'e>>,
    ) {
        // `e` itself is not put in the list: a condition that is one name
        // or comparison allocates none.
        let (mut first, mut todo) = (Some(e), Vec::<&'e Expr>::new());
        while let Some(e) = first.take().or_else(|| todo.pop()) {
            let cause = match e {
                Expr::Labeled { at, .. } => Cause::Label(*at),
                Expr::Node(n) => Cause::Node(*n),
                Expr::And(xs) => {
                    let before = todo.len();
                    todo.extend(xs.iter().rev().filter(|x| self.cond(x, b, nodes, members) == Some(false)));
                    if todo.len() > before {
                        continue;
                    }
                    Cause::Expr(e)
                }
                Expr::Or(xs) => {
                    todo.extend(xs.iter().rev());
                    continue;
                }
                other => Cause::Expr(other),
            };
            if !out.contains(&cause) {
                out.push(cause);
            }
        }
    }
}

/// The operands of a comparison (an atom), without a list: a why is
/// worked out per patient.
pub(crate) fn operands(atom: &Expr) -> impl Iterator<Item = &Expr> {
    let (a, b) = match atom {
        Expr::Compare { lhs, rhs, .. } => (Some(&**lhs), Some(&**rhs)),
        Expr::InRange { expr, .. } | Expr::IsValue { expr, .. } | Expr::SetTest { expr, .. } => (Some(&**expr), None),
        _ => (None, None),
    };
    a.into_iter().chain(b)
}

/// Whether `v` is a time quantity, for saying why a comparison is open.
pub(crate) fn is_time(v: &V<'_>) -> bool {
    match v {
        V::Dur(_) => true,
        V::Qty(_, Some(u)) => u.time_family().is_some(),
        _ => false,
    }
}
