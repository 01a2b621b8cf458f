//! Evaluates compiled guidepath rules against patient data.
//!
//! Load an artifact once, then bind and evaluate as many patients as you
//! like. Missing data is *unknown*, never false: logic is three-valued
//! (Kleene), a sum with missing terms is an interval, and every undecided
//! result lists the input fields that would decide it.
//!
//! ```
//! use guidepath_eval::Evaluator;
//! # let artifact_json = include_str!("../tests/data/mini.json");
//! let evaluator = Evaluator::from_json(artifact_json)?;
//! let patient = serde_json::json!({ "age": 45, "pain_duration": "P4M" });
//! let outcome = evaluator.evaluate_json(&patient).map_err(|e| e[0].to_string())?;
//! assert_eq!(outcome.recommendation("refer"), Some(Some(true)));
//! println!("{}", outcome.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This crate depends on `guidepath-ir` only: no parser, no checker.

mod bind;
mod explain;
mod value;

pub use bind::{BindError, Bound, Value};
pub use guidepath_ir::{Artifact, ArtifactError};

use guidepath_ir::calendar::{add_months, format_date};
use guidepath_ir::{Anchor, CmpOp, Expr, NodeKind, SetOp};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use value::{merge, Tri, V};

/// A loaded artifact, ready to evaluate patients.
pub struct Evaluator {
    artifact: Artifact,
    paths: Vec<Vec<String>>,
}

/// The result of one evaluation. Borrowing the evaluator keeps names and
/// texts without copying them.
pub struct Outcome<'e> {
    ev: &'e Evaluator,
    nodes: Vec<NodeValue<'e>>,
    recs: Vec<(Tri, Vec<u32>)>,
    deadlines: Vec<Deadline>,
    bound: std::borrow::Cow<'e, Bound>,
}

enum NodeValue<'e> {
    Value(V<'e>, Vec<u32>),
    Strata { members: Vec<(Tri, Vec<u32>)>, chosen: Option<u32>, needs: Vec<u32> },
}

struct Deadline {
    pathway_applies: Tri,
    due: Option<i64>,
    needs: Vec<u32>,
}

impl Evaluator {
    /// Checks the artifact (schema, references, hash) and prepares it.
    pub fn new(artifact: Artifact) -> Result<Evaluator, ArtifactError> {
        artifact.check()?;
        let paths = artifact.inputs.iter().map(|i| i.path.split('.').map(str::to_string).collect()).collect();
        Ok(Evaluator { artifact, paths })
    }

    /// Reads an artifact from JSON.
    pub fn from_json(text: &str) -> Result<Evaluator, ArtifactError> {
        Evaluator::new(Artifact::from_json(text)?)
    }

    pub fn artifact(&self) -> &Artifact {
        &self.artifact
    }

    /// Reads and validates one patient's data; every problem is listed with
    /// its field path.
    pub fn bind(&self, patient: &serde_json::Value) -> Result<Bound, Vec<BindError>> {
        bind::bind(&self.artifact, &self.paths, patient)
    }

    /// Binds and evaluates.
    pub fn evaluate_json(&self, patient: &serde_json::Value) -> Result<Outcome<'_>, Vec<BindError>> {
        let bound = self.bind(patient)?;
        Ok(self.run(std::borrow::Cow::Owned(bound)))
    }

    /// Evaluates bound data. Never fails: what the data does not decide is
    /// unknown.
    pub fn evaluate<'e>(&'e self, bound: &'e Bound) -> Outcome<'e> {
        self.run(std::borrow::Cow::Borrowed(bound))
    }

    fn run<'e>(&'e self, bound: std::borrow::Cow<'e, Bound>) -> Outcome<'e> {
        let mut nodes: Vec<NodeValue<'_>> = Vec::with_capacity(self.artifact.nodes.len());
        for node in &self.artifact.nodes {
            let v = match &node.kind {
                NodeKind::Define { expr } | NodeKind::Score { expr } => {
                    let (v, needs) = self.expr(expr, &bound, &nodes);
                    NodeValue::Value(v, needs)
                }
                NodeKind::Stratify { population, strata } => {
                    let pop = match population {
                        Some(p) => self.cond(p, &bound, &nodes),
                        None => (Some(true), Vec::new()),
                    };
                    let members: Vec<(Tri, Vec<u32>)> = strata
                        .iter()
                        .map(|s| {
                            let c = self.cond(&s.when, &bound, &nodes);
                            value::and([pop.clone(), c])
                        })
                        .collect();
                    let chosen = members.iter().position(|m| m.0 == Some(true)).map(|i| i as u32);
                    let needs = if chosen.is_some() {
                        Vec::new()
                    } else {
                        members.iter().filter(|m| m.0.is_none()).fold(Vec::new(), |acc, m| merge(acc, &m.1))
                    };
                    NodeValue::Strata { members, chosen, needs }
                }
            };
            nodes.push(v);
        }
        let recs = self.artifact.recommendations.iter().map(|r| self.cond(&r.when, &bound, &nodes)).collect();
        let mut deadlines = Vec::new();
        for p in &self.artifact.pathways {
            let applies = match &p.when {
                Some(w) => self.cond(w, &bound, &nodes).0,
                None => Some(true),
            };
            let first = deadlines.len();
            for s in &p.steps {
                let (due, needs) = match &s.limit {
                    None => (None, Vec::new()),
                    Some(limit) => {
                        let (anchor, needs) = match limit.anchor {
                            Anchor::Input(i) => match bound.get(i) {
                                Some(Value::Date(d)) => (Some(*d), Vec::new()),
                                _ => (None, vec![i]),
                            },
                            Anchor::Step(j) => match deadlines.get(first + j as usize) {
                                Some(Deadline { due, needs, .. }) => (*due, needs.clone()),
                                None => (None, Vec::new()),
                            },
                        };
                        (anchor.map(|d| add_duration(d, limit.amount, true)), needs)
                    }
                };
                deadlines.push(Deadline { pathway_applies: applies, due, needs });
            }
        }
        Outcome { ev: self, nodes, recs, deadlines, bound }
    }

    fn cond(&self, e: &Expr, b: &Bound, nodes: &[NodeValue<'_>]) -> (Tri, Vec<u32>) {
        match self.expr(e, b, nodes) {
            (V::Bool(t), needs) => (t, needs),
            (_, needs) => (None, needs),
        }
    }

    fn expr<'e>(&'e self, e: &'e Expr, b: &Bound, nodes: &[NodeValue<'e>]) -> (V<'e>, Vec<u32>) {
        match e {
            Expr::Bool(x) => (V::Bool(Some(*x)), Vec::new()),
            Expr::Quantity { value, unit } => (V::Qty(*value, *unit), Vec::new()),
            Expr::Date(d) => (V::Date(Some(*d)), Vec::new()),
            Expr::Text(t) => (V::Text(Some(std::borrow::Cow::Borrowed(t))), Vec::new()),
            Expr::Input(i) => self.input(*i, b),
            Expr::Points(i) => self.points(*i, b),
            Expr::Node(n) => match nodes.get(*n as usize) {
                Some(NodeValue::Value(v, needs)) => (v.clone(), needs.clone()),
                _ => (V::Unknown, Vec::new()),
            },
            Expr::Labeled { expr, .. } => self.expr(expr, b, nodes),
            Expr::Not(x) => {
                let (t, needs) = self.cond(x, b, nodes);
                (V::Bool(t.map(|v| !v)), needs)
            }
            Expr::And(xs) => {
                let (t, n) = value::and(xs.iter().map(|x| self.cond(x, b, nodes)));
                (V::Bool(t), n)
            }
            Expr::Or(xs) => {
                let (t, n) = value::or(xs.iter().map(|x| self.cond(x, b, nodes)));
                (V::Bool(t), n)
            }
            Expr::Compare { op, lhs, rhs } => {
                let (l, ln) = self.expr(lhs, b, nodes);
                let (r, rn) = self.expr(rhs, b, nodes);
                let t = compare(*op, &l, &r);
                (V::Bool(t), if t.is_some() { Vec::new() } else { merge(ln, &rn) })
            }
            Expr::InRange { expr, lo, hi, unit, negated } => {
                let (v, needs) = self.expr(expr, b, nodes);
                let t = match v {
                    V::Dur(d) => {
                        let lo = V::Qty(*lo, *unit);
                        let hi = V::Qty(*hi, *unit);
                        value::and_tri(compare(CmpOp::Ge, &V::Dur(d), &lo), compare(CmpOp::Le, &V::Dur(d), &hi))
                    }
                    other => match other.interval() {
                        Some((a, z)) if a >= *lo && z <= *hi => Some(true),
                        Some((a, z)) if z < *lo || a > *hi => Some(false),
                        _ => None,
                    },
                };
                let t = if *negated { t.map(|x| !x) } else { t };
                (V::Bool(t), if t.is_some() { Vec::new() } else { needs })
            }
            Expr::InStratum { node, stratum, negated } => match nodes.get(*node as usize) {
                Some(NodeValue::Strata { members, .. }) => match members.get(*stratum as usize) {
                    Some((t, needs)) => {
                        let t = if *negated { t.map(|x| !x) } else { *t };
                        (V::Bool(t), needs.clone())
                    }
                    None => (V::Unknown, Vec::new()),
                },
                _ => (V::Unknown, Vec::new()),
            },
            Expr::IsValue { expr, value, negated } => {
                let (v, needs) = self.expr(expr, b, nodes);
                let t = match v {
                    V::Enum(Some(s)) => Some((s == value) != *negated),
                    _ => None,
                };
                (V::Bool(t), if t.is_some() { Vec::new() } else { needs })
            }
            Expr::SetTest { expr, op, values, mask } => {
                let (v, needs) = self.expr(expr, b, nodes);
                let t = match (&v, op) {
                    (V::Set(Some(items)), SetOp::AnyOf) => Some(items & mask != 0),
                    (V::Set(Some(items)), SetOp::NoneOf) => Some(items & mask == 0),
                    (V::Set(Some(items)), SetOp::AllOf) => Some(items & mask == *mask),
                    (V::Enum(Some(s)), SetOp::AnyOf) => Some(values.iter().any(|x| x == s)),
                    (V::Enum(Some(s)), SetOp::NoneOf) => Some(!values.iter().any(|x| x == s)),
                    _ => None,
                };
                (V::Bool(t), if t.is_some() { Vec::new() } else { needs })
            }
            Expr::Sum { terms } => {
                let mut acc: Option<(V<'e>, Vec<u32>)> = None;
                for (plus, t) in terms {
                    let (v, n) = self.expr(t, b, nodes);
                    acc = Some(match acc {
                        None if *plus => (v, n),
                        None => (value::negate(v), n),
                        Some((a, an)) => (value::add(a, v, *plus), merge(an, &n)),
                    });
                }
                let (v, needs) = acc.unwrap_or((V::Num(0.0, 0.0), Vec::new()));
                let decided = v.is_known();
                (v, if decided { Vec::new() } else { needs })
            }
        }
    }

    fn input(&self, i: u32, b: &Bound) -> (V<'_>, Vec<u32>) {
        let Some(input) = self.artifact.inputs.get(i as usize) else { return (V::Unknown, Vec::new()) };
        match b.get(i) {
            Some(v) => (value::of_bound(v, input), Vec::new()),
            None => (value::unknown_of(input), vec![i]),
        }
    }

    fn points(&self, i: u32, b: &Bound) -> (V<'_>, Vec<u32>) {
        let Some(input) = self.artifact.inputs.get(i as usize) else { return (V::Unknown, Vec::new()) };
        match (value::points_of(input, b.get(i)), b.get(i)) {
            (Some((lo, hi)), Some(_)) => (V::Num(lo, hi), Vec::new()),
            (Some((lo, hi)), None) => (V::Num(lo, hi), vec![i]),
            (None, _) => (V::Unknown, vec![i]),
        }
    }
}

fn add_duration(date: i64, d: guidepath_ir::Duration, plus: bool) -> i64 {
    let sign = if plus { 1 } else { -1 };
    add_months(date, sign * d.months) + sign * (d.days + d.minutes.div_euclid(24 * 60))
}

/// Three-valued comparison; `None` when the values do not decide it.
fn compare(op: CmpOp, l: &V<'_>, r: &V<'_>) -> Tri {
    let ord = |o: Option<Ordering>| -> Tri {
        let o = o?;
        Some(match op {
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        })
    };
    match (l, r) {
        (V::Dur(_), _) | (_, V::Dur(_)) => {
            let (a, b) = (l.as_duration()?, r.as_duration()?);
            ord(a.compare(b))
        }
        (V::Date(a), V::Date(b)) => ord(Some((*a)?.cmp(&(*b)?))),
        (V::Text(a), V::Text(b)) => ord(Some(a.as_deref()?.cmp(b.as_deref()?))),
        (V::Enum(a), V::Enum(b)) => ord(Some((*a)?.cmp((*b)?))),
        (V::Bool(a), V::Bool(b)) => ord(Some((*a)?.cmp(&(*b)?))),
        _ => {
            let ((a0, a1), (b0, b1)) = (l.interval()?, r.interval()?);
            // Decided when every pair of values in the intervals agrees.
            let all =
                |f: &dyn Fn(f64, f64) -> bool| [(a0, b0), (a0, b1), (a1, b0), (a1, b1)].iter().all(|(x, y)| f(*x, *y));
            let holds = |x: f64, y: f64| match op {
                CmpOp::Eq => x == y,
                CmpOp::Ne => x != y,
                CmpOp::Lt => x < y,
                CmpOp::Le => x <= y,
                CmpOp::Gt => x > y,
                CmpOp::Ge => x >= y,
            };
            match op {
                // Equality over intervals: decided true only for equal
                // points, decided false when they cannot meet.
                CmpOp::Eq | CmpOp::Ne => {
                    let eq = if a0 == a1 && b0 == b1 && a0 == b0 {
                        Some(true)
                    } else if a1 < b0 || b1 < a0 {
                        Some(false)
                    } else {
                        None
                    };
                    if op == CmpOp::Eq {
                        eq
                    } else {
                        eq.map(|x| !x)
                    }
                }
                _ if all(&holds) => Some(true),
                _ if all(&|x, y| !holds(x, y)) => Some(false),
                _ => None,
            }
        }
    }
}

// ------------------------------------------------------------------ output --

#[derive(Serialize)]
struct Out<'a> {
    guideline: GuidelineOut<'a>,
    strata: BTreeMap<&'a str, Option<&'a str>>,
    scores: BTreeMap<&'a str, serde_json::Value>,
    recommendations: Vec<RecOut<'a>>,
    deadlines: Vec<DeadlineOut<'a>>,
    /// For each undecided stratum and partly known score: the inputs that
    /// would decide it.
    needs: BTreeMap<&'a str, Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct GuidelineOut<'a> {
    id: &'a str,
    version: Option<&'a str>,
}

#[derive(Serialize)]
struct RecOut<'a> {
    id: &'a str,
    direction: guidepath_ir::Direction,
    applies: Option<bool>,
    needs: Vec<&'a str>,
}

#[derive(Serialize)]
struct DeadlineOut<'a> {
    id: &'a str,
    pathway: &'a str,
    applies: Option<bool>,
    due: Option<String>,
    needs: Vec<&'a str>,
}

/// A number as JSON: integers without a fraction.
pub(crate) fn num(x: f64) -> serde_json::Value {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        serde_json::Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

impl<'e> Outcome<'e> {
    fn paths(&self, needs: &[u32]) -> Vec<&'e str> {
        needs.iter().filter_map(|i| self.ev.artifact.inputs.get(*i as usize).map(|x| x.path.as_str())).collect()
    }

    fn node_index(&self, id: &str) -> Option<usize> {
        self.ev.artifact.nodes.iter().position(|n| n.id == id)
    }

    /// `Some(applies)` for a recommendation id; `applies` is `None` when
    /// undecided.
    pub fn recommendation(&self, id: &str) -> Option<Tri> {
        let i = self.ev.artifact.recommendations.iter().position(|r| r.id == id)?;
        self.recs.get(i).map(|r| r.0)
    }

    /// The chosen stratum of a stratification (`None` inside when undecided
    /// or outside every stratum).
    pub fn stratum(&self, id: &str) -> Option<Option<&'e str>> {
        let i = self.node_index(id)?;
        match (&self.nodes[i], &self.ev.artifact.nodes[i].kind) {
            (NodeValue::Strata { chosen, .. }, NodeKind::Stratify { strata, .. }) => {
                Some(chosen.and_then(|c| strata.get(c as usize)).map(|s| s.name.as_str()))
            }
            _ => None,
        }
    }

    /// A condition's value (definitions that are conditions).
    pub fn condition(&self, id: &str) -> Option<Tri> {
        match &self.nodes[self.node_index(id)?] {
            NodeValue::Value(V::Bool(t), _) => Some(*t),
            _ => None,
        }
    }

    /// A number's interval (scores and numeric definitions); equal bounds
    /// when it is known.
    pub fn number(&self, id: &str) -> Option<(f64, f64)> {
        match &self.nodes[self.node_index(id)?] {
            NodeValue::Value(v, _) => v.interval(),
            _ => None,
        }
    }

    /// A step's due date (days since 1970-01-01), `None` inside when unknown.
    pub fn due(&self, step: &str) -> Option<Option<i64>> {
        let mut k = 0;
        for p in &self.ev.artifact.pathways {
            for s in &p.steps {
                if s.id == step {
                    return self.deadlines.get(k).map(|d| d.due);
                }
                k += 1;
            }
        }
        None
    }

    /// The bound patient data.
    pub fn bound(&self) -> &Bound {
        self.bound.as_ref()
    }

    /// The result as JSON (see docs/eval.md); byte-identical for the same
    /// artifact and patient.
    pub fn to_json(&self) -> serde_json::Value {
        self.build(None)
    }

    /// The result with `explanation`: every rule's conditions with their
    /// values, the data they used and where they are written.
    pub fn to_json_explained(&self) -> serde_json::Value {
        self.build(Some(explain::explain(self)))
    }

    fn build(&self, explanation: Option<serde_json::Value>) -> serde_json::Value {
        let art = &self.ev.artifact;
        let mut strata = BTreeMap::new();
        let mut scores = BTreeMap::new();
        let mut needs = BTreeMap::new();
        for (node, value) in art.nodes.iter().zip(&self.nodes) {
            match (&node.kind, value) {
                (NodeKind::Stratify { strata: list, .. }, NodeValue::Strata { chosen, needs: n, .. }) => {
                    strata.insert(node.id.as_str(), chosen.and_then(|c| list.get(c as usize)).map(|s| s.name.as_str()));
                    if !n.is_empty() {
                        needs.insert(node.id.as_str(), self.paths(n));
                    }
                }
                (NodeKind::Score { .. }, NodeValue::Value(v, n)) => {
                    let json = match v.interval() {
                        Some((lo, hi)) if lo == hi => num(lo),
                        Some((lo, hi)) => serde_json::json!({ "min": num(lo), "max": num(hi) }),
                        None => serde_json::Value::Null,
                    };
                    scores.insert(node.id.as_str(), json);
                    if !n.is_empty() {
                        needs.insert(node.id.as_str(), self.paths(n));
                    }
                }
                _ => {}
            }
        }
        let recommendations = art
            .recommendations
            .iter()
            .zip(&self.recs)
            .map(|(r, (t, n))| RecOut { id: &r.id, direction: r.direction, applies: *t, needs: self.paths(n) })
            .collect();
        let mut deadlines = Vec::new();
        let mut k = 0;
        for p in &art.pathways {
            for s in &p.steps {
                if let (Some(_), Some(d)) = (&s.limit, self.deadlines.get(k)) {
                    deadlines.push(DeadlineOut {
                        id: &s.id,
                        pathway: &p.id,
                        applies: d.pathway_applies,
                        due: d.due.map(format_date),
                        needs: self.paths(&d.needs),
                    });
                }
                k += 1;
            }
        }
        let out = Out {
            guideline: GuidelineOut { id: &art.guideline.id, version: art.guideline.version.as_deref() },
            strata,
            scores,
            recommendations,
            deadlines,
            needs,
            explanation,
        };
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_value(out).unwrap_or(serde_json::Value::Null)
    }
}
