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
mod condition;
mod explain;
mod flat;
pub mod human;
mod report;
pub mod schema;
mod value;
mod why;
mod write;

pub use bind::{BindError, Bound, Value};
pub use condition::{Condition, Part, Scratch};
pub use guidepath_ir::{Artifact, ArtifactError};

use guidepath_ir::calendar::add_duration;
use guidepath_ir::{Anchor, CmpOp, Expr, NodeKind, SetOp};
use std::cmp::Ordering;
use value::{Tri, V};
use why::Open;

/// A loaded artifact, ready to evaluate patients.
pub struct Evaluator {
    artifact: Artifact,
    paths: Vec<Vec<String>>,
    tree: bind::PathTree,
    /// How many strata and steps there are, for allocating once.
    strata: usize,
    steps: usize,
    /// Where each stratification's memberships start in an outcome's
    /// `members` (0 for other nodes).
    member_at: Vec<u32>,
    /// What conditions asked of the artifact are checked against.
    shape: guidepath_ir::Shape,
    /// What results write, made once when the first result is, rather
    /// than for every patient (and not at all where no result is made,
    /// as in the analysis).
    texts: std::sync::OnceLock<Texts>,
    /// The artifact as one flat program, compiled when the first patient
    /// is evaluated (the analysis prepares evaluators that evaluate none).
    program: std::sync::OnceLock<flat::Program>,
}

/// Texts of the artifact as results write them.
struct Texts {
    /// Each source place (`file:line:col`).
    places: Vec<String>,
    /// Each step's time limit in ISO 8601 (empty without one), in the
    /// order of `steps`.
    withins: Vec<String>,
    /// Each comparison (by address, in order of address) as written, with
    /// the two messages a result can give when it stays open.
    atoms: Vec<(usize, report::Shown)>,
    /// How many stratifications and scores there are: the lengths of a
    /// result's lists, so none is allocated larger than it needs or at
    /// all when empty.
    stratifications: usize,
    scores: usize,
}

/// JSON text as a value; a key given twice in one object is an error of the
/// data, named by its path, never a silent pick of one value.
fn read_json(text: &str) -> Result<serde_json::Value, InputError> {
    let (value, repeated) = guidepath_ir::json::from_str(text).map_err(|e| InputError::Json(e.to_string()))?;
    if repeated.is_empty() {
        Ok(value)
    } else {
        Err(InputError::Data(repeated.into_iter().map(BindError::repeated).collect()))
    }
}

/// Why a patient given as JSON text could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The text is not JSON.
    Json(String),
    /// The JSON does not fit the guideline's inputs.
    Data(Vec<BindError>),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Json(m) => write!(f, "not JSON: {m}"),
            InputError::Data(errors) => {
                f.write_str("invalid patient data")?;
                for (k, e) in errors.iter().enumerate() {
                    f.write_str(if k == 0 { ": " } else { "; " })?;
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for InputError {}

/// The result of one evaluation. Borrowing the evaluator keeps names and
/// texts without copying them.
///
/// Values are computed eagerly; why an undecided result is undecided (the
/// fields it needs, other reasons) is worked out only for results that are
/// undecided, so fully known patients pay nothing for it.
pub struct Outcome<'e> {
    ev: &'e Evaluator,
    nodes: Vec<NodeValue<'e>>,
    /// Stratum memberships of all stratifications, one after another,
    /// then whether each recommendation applies, then whether each pathway
    /// does (one allocation for all).
    members: Vec<Tri>,
    /// Where the recommendations start in `members`.
    recs_at: usize,
    /// Where the pathways start in `members`.
    paths_at: usize,
    /// Every step of every pathway, in order.
    steps: Vec<StepValue>,
    bound: std::borrow::Cow<'e, Bound>,
}

struct NodeValue<'e> {
    /// A definition's or score's value (a stratification has none: its
    /// strata are in `members`).
    value: V<'e>,
    /// Why an undecided definition or score is undecided.
    why: Open<'e>,
    /// For a stratification: its first membership in `members` and its
    /// result.
    first_member: u32,
    strat: Strat,
}

impl NodeValue<'_> {
    fn unknown() -> Self {
        NodeValue { value: V::Unknown, why: Open::default(), first_member: 0, strat: Strat::Outside }
    }
}

/// A stratification's result.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strat {
    /// The first stratum that holds, every earlier one being false.
    In(u32),
    /// Outside the population, or in no stratum.
    Outside,
    Undecided,
}

#[derive(Clone, Copy)]
struct StepValue {
    applies: Tri,
    deadline: Deadline,
}

impl StepValue {
    /// Before its deadline is worked out.
    fn new(applies: Tri) -> StepValue {
        StepValue { applies, deadline: Deadline::None }
    }
}

/// `nodes`' allocation, empty, for results of another lifetime. A vector's
/// own iterator collected into a vector of the same layout keeps its
/// allocation (the standard library collects in place); emptied first, it
/// has no value to convert. Were the allocation not kept, a new one would
/// be made.
fn emptied<'b>(mut nodes: Vec<NodeValue<'_>>) -> Vec<NodeValue<'b>> {
    nodes.clear();
    nodes.into_iter().map(|_| NodeValue::unknown()).collect()
}

/// Nodes, memberships (strata, recommendations, pathways) and steps.
type Parts<'e> = (Vec<NodeValue<'e>>, Vec<Tri>, Vec<StepValue>);

/// The lists an outcome keeps its results in, to be used again: evaluating
/// a stream of patients with [`Evaluator::evaluate_in`], each with the
/// lists of the one before ([`Outcome::into_lists`]), allocates them once
/// rather than once a patient.
#[derive(Default)]
pub struct Lists {
    nodes: Vec<NodeValue<'static>>,
    members: Vec<Tri>,
    steps: Vec<StepValue>,
}

impl std::fmt::Debug for Lists {
    /// The room each list has (it holds no values between outcomes).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists")
            .field("nodes", &self.nodes.capacity())
            .field("members", &self.members.capacity())
            .field("steps", &self.steps.capacity())
            .finish()
    }
}

/// A step's deadline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deadline {
    /// The step has no time limit.
    None,
    Due(i64),
    /// The step does not apply, or the step it counts from has no deadline.
    NotApplicable,
    Undecided,
    /// Due after 9999-12-31 (or before 0001-01-01): a day the calendar
    /// does not write.
    Beyond,
}

impl Evaluator {
    /// Checks the artifact (schema, references, hash) and prepares it.
    pub fn new(artifact: Artifact) -> Result<Evaluator, ArtifactError> {
        artifact.check()?;
        Ok(Evaluator::prepare(artifact))
    }

    /// For an artifact built in this process (e.g. a derived query): checks
    /// its schema and references, which keep evaluation safe, but not its
    /// content hash, which guards artifacts that travel.
    pub fn new_in_process(artifact: Artifact) -> Result<Evaluator, ArtifactError> {
        artifact.validate()?;
        Ok(Evaluator::prepare(artifact))
    }

    fn prepare(mut artifact: Artifact) -> Evaluator {
        // What explanations show is derived from the rules, never taken
        // from the artifact's unhashed `source` (see `Artifact::derive_texts`).
        artifact.derive_texts();
        let paths: Vec<Vec<String>> =
            artifact.inputs.iter().map(|i| i.path.split('.').map(str::to_string).collect()).collect();
        let tree = bind::PathTree::new(&paths);
        let mut strata = 0;
        let mut member_at = Vec::with_capacity(artifact.nodes.len());
        for n in &artifact.nodes {
            member_at.push(strata as u32);
            if let NodeKind::Stratify { strata: list, .. } = &n.kind {
                strata += list.len();
            }
        }
        let steps = artifact.pathways.iter().map(|p| p.steps.len()).sum();
        let shape = artifact.shape();
        Evaluator {
            artifact,
            paths,
            tree,
            strata,
            steps,
            member_at,
            shape,
            texts: std::sync::OnceLock::new(),
            program: std::sync::OnceLock::new(),
        }
    }

    /// Reads an artifact from JSON.
    pub fn from_json(text: &str) -> Result<Evaluator, ArtifactError> {
        Evaluator::new(Artifact::from_json(text)?)
    }

    fn program(&self) -> &flat::Program {
        self.program.get_or_init(|| flat::Program::compile(&self.artifact))
    }

    fn texts(&self) -> &Texts {
        self.texts.get_or_init(|| {
            let artifact = &self.artifact;
            let places = (0..artifact.source.places.len())
                .map(|at| artifact.place(at as guidepath_ir::At).map_or_else(String::new, |l| l.to_string()))
                .collect();
            let withins = artifact
                .pathways
                .iter()
                .flat_map(|p| &p.steps)
                .map(|s| s.limit.as_ref().map_or_else(String::new, |l| l.amount.to_iso()))
                .collect();
            let count = |f: fn(&guidepath_ir::NodeKind) -> bool| artifact.nodes.iter().filter(|n| f(&n.kind)).count();
            Texts {
                places,
                withins,
                atoms: report::shown_atoms(artifact),
                stratifications: count(|k| matches!(k, guidepath_ir::NodeKind::Stratify { .. })),
                scores: count(|k| matches!(k, guidepath_ir::NodeKind::Score { .. })),
            }
        })
    }

    /// Where a place is written (`file:line:col`), as `Artifact::place`
    /// gives it.
    fn place(&self, at: guidepath_ir::At) -> Option<&str> {
        self.texts().places.get(at as usize).map(String::as_str)
    }

    pub fn artifact(&self) -> &Artifact {
        &self.artifact
    }

    /// Reads and validates one patient's data; every problem is listed with
    /// its field path.
    pub fn bind(&self, patient: &serde_json::Value) -> Result<Bound, Vec<BindError>> {
        bind::bind(&self.artifact, &self.paths, patient)
    }

    /// Reads and validates one patient given as JSON text. Valid data is
    /// read straight into bound values, without building a JSON tree;
    /// anything else is reported exactly as [`Evaluator::bind`] would.
    pub fn bind_str(&self, text: &str) -> Result<Bound, InputError> {
        if let Some(b) = bind::bind_str_fast(&self.artifact, &self.tree, text, None) {
            return Ok(b);
        }
        let value = read_json(text)?;
        self.bind(&value).map_err(InputError::Data)
    }

    /// Like [`Evaluator::bind_str`], and adds to `unknown` the fields of
    /// the data that the guideline does not read (dotted paths).
    pub fn bind_str_listing(&self, text: &str, unknown: &mut Vec<String>) -> Result<Bound, InputError> {
        match self.bind_str_quick(text, unknown) {
            Some(b) => Ok(b),
            None => self.bind_str_thorough(text, unknown),
        }
    }

    /// The thorough reader of [`Evaluator::bind_str_listing`] alone, through
    /// a JSON tree: for text [`Evaluator::bind_str_quick`] gave up on, so
    /// that every problem is named.
    pub fn bind_str_thorough(&self, text: &str, unknown: &mut Vec<String>) -> Result<Bound, InputError> {
        let value = read_json(text)?;
        let bound = self.bind(&value).map_err(InputError::Data)?;
        unknown.extend(self.unknown_fields(&value));
        Ok(bound)
    }

    /// The one-pass reader of [`Evaluator::bind_str_listing`] alone: the
    /// bound data of valid JSON text that fits the inputs and nests no
    /// deeper than [`MAX_PATIENT_DEPTH`], with its unknown fields added to
    /// `unknown`; `None` (and `unknown` as it was) for anything else,
    /// which `bind_str_listing` then reports. A caller that refuses deep
    /// text need not scan text this accepts.
    pub fn bind_str_quick(&self, text: &str, unknown: &mut Vec<String>) -> Option<Bound> {
        bind::bind_str_fast(&self.artifact, &self.tree, text, Some(unknown))
    }

    /// The fields of patient data that the guideline does not read, as
    /// dotted paths: a misspelled field is ignored otherwise.
    pub fn unknown_fields(&self, patient: &serde_json::Value) -> Vec<String> {
        bind::unknown_fields(&self.tree, patient)
    }

    /// The inputs declared `required` that bound data leaves unknown.
    pub fn missing_required<'e>(&'e self, bound: &Bound) -> Vec<&'e str> {
        self.artifact
            .inputs
            .iter()
            .enumerate()
            .filter(|(i, input)| input.required && bound.get(*i as u32).is_none())
            .map(|(_, input)| input.path.as_str())
            .collect()
    }

    /// Binds JSON text and evaluates.
    pub fn evaluate_str(&self, text: &str) -> Result<Outcome<'_>, InputError> {
        let bound = self.bind_str(text)?;
        Ok(self.run(std::borrow::Cow::Owned(bound), Lists::default()))
    }

    /// Binds and evaluates.
    pub fn evaluate_json(&self, patient: &serde_json::Value) -> Result<Outcome<'_>, Vec<BindError>> {
        let bound = self.bind(patient)?;
        Ok(self.run(std::borrow::Cow::Owned(bound), Lists::default()))
    }

    /// Evaluates bound data. Never fails: what the data does not decide is
    /// unknown.
    pub fn evaluate<'e>(&'e self, bound: &'e Bound) -> Outcome<'e> {
        self.run(std::borrow::Cow::Borrowed(bound), Lists::default())
    }

    /// [`Evaluator::evaluate`], keeping the results in `lists`: those of an
    /// earlier outcome ([`Outcome::into_lists`]), so that evaluating one
    /// patient after another does not allocate them for each.
    pub fn evaluate_in<'e>(&'e self, bound: &'e Bound, lists: Lists) -> Outcome<'e> {
        self.run(std::borrow::Cow::Borrowed(bound), lists)
    }

    /// Evaluates bound data by walking the expression trees instead of
    /// running the flat program: the reference the program is tested
    /// against. Same results as [`Evaluator::evaluate`].
    #[doc(hidden)]
    pub fn evaluate_by_walking<'e>(&'e self, bound: &'e Bound) -> Outcome<'e> {
        let parts = self.walk(bound);
        self.outcome(parts, std::borrow::Cow::Borrowed(bound))
    }

    fn run<'e>(&'e self, bound: std::borrow::Cow<'e, Bound>, lists: Lists) -> Outcome<'e> {
        let parts = self.empty_parts((lists.nodes, lists.members, lists.steps));
        let parts = match self.program().run(self, &bound, parts) {
            Some(parts) => parts,
            None => self.walk(&bound),
        };
        self.outcome(parts, bound)
    }

    fn outcome<'e>(&'e self, parts: Parts<'e>, bound: std::borrow::Cow<'e, Bound>) -> Outcome<'e> {
        let (nodes, members, mut steps) = parts;
        self.deadlines(&bound, &mut steps);
        let (recs_at, paths_at) = (self.strata, self.paths_at());
        Outcome { ev: self, nodes, members, recs_at, paths_at, steps, bound }
    }

    /// `parts` emptied, with room for one evaluation's results and every
    /// membership unknown. Lists without that room (a new outcome's) are
    /// allocated whole: growing an empty list took longer.
    fn empty_parts<'e>(&self, parts: Parts<'e>) -> Parts<'e> {
        let (mut nodes, mut members, mut steps) = parts;
        let (n, m, s) = (self.artifact.nodes.len(), self.paths_at() + self.artifact.pathways.len(), self.steps);
        if nodes.capacity() == 0 {
            return (Vec::with_capacity(n), vec![None; m], Vec::with_capacity(s));
        }
        nodes.clear();
        if nodes.capacity() < n {
            nodes = Vec::with_capacity(n);
        }
        if members.capacity() < m {
            members = vec![None; m];
        } else {
            members.clear();
            members.resize(m, None);
        }
        steps.clear();
        if steps.capacity() < s {
            steps = Vec::with_capacity(s);
        }
        (nodes, members, steps)
    }

    /// Where the pathways start in an outcome's `members`.
    fn paths_at(&self) -> usize {
        self.strata + self.artifact.recommendations.len()
    }

    /// Every result but the steps' deadlines, by walking the trees.
    fn walk<'e>(&'e self, b: &Bound) -> Parts<'e> {
        let art = &self.artifact;
        let (mut nodes, mut members, mut steps) = self.empty_parts(Parts::default());
        for k in 0..art.nodes.len() {
            let v = self.node(k, b, &nodes, &mut members, true);
            nodes.push(v);
        }
        let recs_at = self.strata;
        for (k, r) in art.recommendations.iter().enumerate() {
            members[recs_at + k] = self.cond(&r.when, b, &nodes, &members);
        }
        let paths_at = self.paths_at();
        for (k, p) in art.pathways.iter().enumerate() {
            let applies = p.when.as_ref().map_or(Some(true), |w| self.cond(w, b, &nodes, &members));
            members[paths_at + k] = applies;
            for s in &p.steps {
                let applies = match &s.when {
                    Some(w) => value::and_tri(applies, self.cond(w, b, &nodes, &members)),
                    None => applies,
                };
                steps.push(StepValue::new(applies));
            }
        }
        (nodes, members, steps)
    }

    /// Each step's deadline, in order, from whether it applies and from
    /// the deadlines of the steps before it in its pathway.
    fn deadlines(&self, b: &Bound, steps: &mut [StepValue]) {
        let mut first = 0;
        for p in &self.artifact.pathways {
            for (at, s) in p.steps.iter().enumerate() {
                let Some(applies) = steps.get(first + at).map(|s| s.applies) else { return };
                let deadline = match (&s.limit, applies) {
                    (None, _) => Deadline::None,
                    (Some(_), Some(false)) => Deadline::NotApplicable,
                    (Some(limit), applies) => {
                        let anchor = match limit.anchor {
                            Anchor::Input(i) => match b.get(i) {
                                Some(Value::Date(d)) => Deadline::Due(*d),
                                _ => Deadline::Undecided,
                            },
                            // Only a step before this one has its deadline.
                            Anchor::Step(j) => match steps.get(first + j as usize).filter(|_| (j as usize) < at) {
                                Some(s) => match s.deadline {
                                    Deadline::Due(d) => Deadline::Due(d),
                                    Deadline::Undecided => Deadline::Undecided,
                                    Deadline::Beyond => Deadline::Beyond,
                                    // Counted from a step without a deadline.
                                    _ => Deadline::NotApplicable,
                                },
                                None => Deadline::NotApplicable,
                            },
                        };
                        match (anchor, applies) {
                            (Deadline::Due(d), Some(true)) => {
                                let due = add_duration(d, limit.amount, true);
                                if guidepath_ir::calendar::in_calendar(due) {
                                    Deadline::Due(due)
                                } else {
                                    Deadline::Beyond
                                }
                            }
                            (Deadline::NotApplicable, _) => Deadline::NotApplicable,
                            (Deadline::Beyond, Some(true)) => Deadline::Beyond,
                            _ => Deadline::Undecided,
                        }
                    }
                };
                if let Some(step) = steps.get_mut(first + at) {
                    step.deadline = deadline;
                }
            }
            first += p.steps.len();
        }
    }

    /// Node `k`'s value, from the values of the nodes before it (which
    /// are all it reads). A stratification writes its memberships into
    /// `members` at its fixed place. `why`: work out why an undecided
    /// definition or score is undecided.
    fn node<'e>(
        &'e self,
        k: usize,
        b: &Bound,
        nodes: &[NodeValue<'e>],
        members: &mut [Tri],
        why: bool,
    ) -> NodeValue<'e> {
        let Some(node) = self.artifact.nodes.get(k) else { return NodeValue::unknown() };
        match &node.kind {
            NodeKind::Define { expr } | NodeKind::Score { expr } => {
                let value = self.expr(expr, b, nodes, members);
                let mut open = Open::default();
                if why && !value.is_known() {
                    self.why(expr, b, nodes, members, None, &mut open);
                }
                NodeValue { value, why: open, first_member: 0, strat: Strat::Outside }
            }
            NodeKind::Stratify { population, strata } => {
                let first = self.member_at.get(k).copied().unwrap_or(0);
                let pop = population.as_ref().map_or(Some(true), |p| self.cond(p, b, nodes, members));
                // The first stratum that holds, when every one before it is
                // known not to; any undecided one before it leaves the
                // result open.
                let mut strat = Strat::Outside;
                let mut open = false;
                for (j, s) in strata.iter().enumerate() {
                    let m = value::and_tri(pop, self.cond(&s.when, b, nodes, members));
                    if let Some(slot) = members.get_mut(first as usize + j) {
                        *slot = m;
                    }
                    match m {
                        Some(true) if !open && strat == Strat::Outside => strat = Strat::In(j as u32),
                        None => open = true,
                        _ => {}
                    }
                }
                if open && strat == Strat::Outside {
                    strat = Strat::Undecided;
                }
                NodeValue { value: V::Unknown, why: Open::default(), first_member: first, strat }
            }
        }
    }

    fn cond(&self, e: &Expr, b: &Bound, nodes: &[NodeValue<'_>], members: &[Tri]) -> Tri {
        match self.expr(e, b, nodes, members) {
            V::Bool(t) => t,
            _ => None,
        }
    }

    fn expr<'e>(&'e self, e: &'e Expr, b: &Bound, nodes: &[NodeValue<'e>], members: &[Tri]) -> V<'e> {
        match e {
            Expr::Bool(x) => V::Bool(Some(*x)),
            Expr::Quantity { value, unit } => V::Qty(*value, *unit),
            Expr::Date(d) => V::Date(Some(*d)),
            Expr::Text(t) => V::Text(Some(std::borrow::Cow::Borrowed(t))),
            Expr::Input(i) => self.input(*i, b),
            Expr::Points(i) => self.points(*i, b),
            Expr::Node(n) => nodes.get(*n as usize).map_or(V::Unknown, |n| n.value.clone()),
            Expr::Labeled { expr, .. } => self.expr(expr, b, nodes, members),
            Expr::Not(x) => V::Bool(self.cond(x, b, nodes, members).map(|v| !v)),
            Expr::And(xs) => V::Bool(self.kleene(xs, false, b, nodes, members)),
            Expr::Or(xs) => V::Bool(self.kleene(xs, true, b, nodes, members)),
            Expr::Compare { op, lhs, rhs } => {
                let l = self.expr(lhs, b, nodes, members);
                let r = self.expr(rhs, b, nodes, members);
                V::Bool(compare(*op, &l, &r))
            }
            Expr::InRange { expr, lo, hi, unit, negated } => {
                V::Bool(in_range(self.expr(expr, b, nodes, members), *lo, *hi, *unit, *negated))
            }
            Expr::InStratum { node, stratum, negated } => {
                V::Bool(membership(nodes, members, *node, *stratum, *negated))
            }
            Expr::IsValue { expr, value, negated } => match self.expr(expr, b, nodes, members) {
                V::Enum(Some(s)) => V::Bool(Some((s == value) != *negated)),
                _ => V::Bool(None),
            },
            Expr::SetTest { expr, op, values, mask } => {
                let v = self.expr(expr, b, nodes, members);
                V::Bool(match (&v, op) {
                    (V::Set(Some(items)), SetOp::AnyOf) => Some(items & mask != 0),
                    (V::Set(Some(items)), SetOp::NoneOf) => Some(items & mask == 0),
                    (V::Set(Some(items)), SetOp::AllOf) => Some(items & mask == *mask),
                    (V::Enum(Some(s)), SetOp::AnyOf) => Some(values.iter().any(|x| x == s)),
                    (V::Enum(Some(s)), SetOp::NoneOf) => Some(!values.iter().any(|x| x == s)),
                    _ => None,
                })
            }
            Expr::Sum { terms } if terms.iter().all(|(_, t)| matches!(t, Expr::Points(_))) => self.score(
                terms.iter().filter_map(|(plus, t)| match t {
                    Expr::Points(i) => Some((*plus, *i)),
                    _ => None,
                }),
                b,
            ),
            Expr::Sum { terms } => {
                let mut acc: Option<V<'e>> = None;
                for (plus, t) in terms {
                    let v = self.expr(t, b, nodes, members);
                    acc = Some(match acc {
                        None if *plus => v,
                        None => value::negate(v),
                        Some(a) => value::add(a, v, *plus),
                    });
                }
                acc.unwrap_or(V::Num(0.0, 0.0))
            }
        }
    }

    /// Kleene `and` (`decisive` false) or `or` (`decisive` true): the
    /// decisive value of any part decides; otherwise unknown if any part is.
    fn kleene(&self, xs: &[Expr], decisive: bool, b: &Bound, nodes: &[NodeValue<'_>], members: &[Tri]) -> Tri {
        let mut unknown = false;
        for x in xs {
            match self.cond(x, b, nodes, members) {
                Some(v) if v == decisive => return Some(decisive),
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown {
            None
        } else {
            Some(!decisive)
        }
    }

    /// A score: its items' point intervals added directly; unknown if an
    /// item does not score.
    fn score(&self, terms: impl IntoIterator<Item = (bool, u32)>, b: &Bound) -> V<'_> {
        let (mut lo, mut hi) = (0.0, 0.0);
        for (plus, i) in terms {
            let Some((a, z)) = self.artifact.inputs.get(i as usize).and_then(|x| value::points_of(x, b.get(i))) else {
                return V::Unknown;
            };
            if plus {
                lo += a;
                hi += z;
            } else {
                lo -= z;
                hi -= a;
            }
        }
        V::Num(lo, hi)
    }

    fn input(&self, i: u32, b: &Bound) -> V<'_> {
        let Some(input) = self.artifact.inputs.get(i as usize) else { return V::Unknown };
        match b.get(i) {
            Some(v) => value::of_bound(v, input),
            None => value::unknown_of(input),
        }
    }

    fn points(&self, i: u32, b: &Bound) -> V<'_> {
        let Some(input) = self.artifact.inputs.get(i as usize) else { return V::Unknown };
        match value::points_of(input, b.get(i)) {
            Some((lo, hi)) => V::Num(lo, hi),
            None => V::Unknown,
        }
    }
}

/// `node is stratum` (or `is not`): the membership a stratification wrote.
fn membership(nodes: &[NodeValue<'_>], members: &[Tri], node: u32, stratum: u32, negated: bool) -> Tri {
    let t = nodes
        .get(node as usize)
        .and_then(|n| members.get(n.first_member as usize + stratum as usize))
        .copied()
        .flatten();
    t.map(|x| x != negated)
}

/// `v in lo..hi` (or `not in`), three-valued.
fn in_range(v: V<'_>, lo: f64, hi: f64, unit: Option<guidepath_ir::Unit>, negated: bool) -> Tri {
    let t = match v {
        V::Dur(d) => {
            let (lo, hi) = (V::Qty(lo, unit), V::Qty(hi, unit));
            value::and_tri(compare(CmpOp::Ge, &V::Dur(d), &lo), compare(CmpOp::Le, &V::Dur(d), &hi))
        }
        other => match other.interval() {
            Some((a, z)) if a >= lo && z <= hi => Some(true),
            Some((a, z)) if z < lo || a > hi => Some(false),
            _ => None,
        },
    };
    if negated {
        t.map(|x| !x)
    } else {
        t
    }
}

/// What `op` says of an ordering; `None` for none.
fn order(op: CmpOp, o: Option<Ordering>) -> Tri {
    let o = o?;
    Some(match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    })
}

/// Three-valued comparison; `None` when the values do not decide it.
fn compare(op: CmpOp, l: &V<'_>, r: &V<'_>) -> Tri {
    let ord = |o: Option<Ordering>| order(op, o);
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
            if a0 == a1 && b0 == b1 {
                // Both known: an ordinary comparison.
                return ord(a0.partial_cmp(&b0));
            }
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

// ------------------------------------------------------------- accessors --

/// Deepest nesting of patient JSON that readers of it (the CLI, the server)
/// take: data nests by instrument (`{"start_back": {"q1": true}}`); this
/// leaves room and keeps deep input fast to refuse.
pub const MAX_PATIENT_DEPTH: usize = 64;

pub use report::{Report, ReportOptions, State, Why, RESULT_SCHEMA};
pub use write::Writer;
/// The items of a [`Report`].
pub mod result {
    pub use crate::explain::{Data, Datum};
    pub use crate::report::{
        Cause, Deadline, GuidelineInfo, Pathway, Reason, Recommendation, Score, Step, Stratification,
    };
}

/// `x` as an integer, where results write it as one: without a fraction
/// and below 9e15. Tested without `fract`, which is a call to libm: the
/// NDJSON writer asks this of every number it writes.
pub(crate) fn whole(x: f64) -> Option<i64> {
    let n = x as i64;
    (n as f64 == x && x.abs() < 9e15).then_some(n)
}

/// A number as JSON: integers without a fraction.
pub(crate) fn num(x: f64) -> serde_json::Value {
    if let Some(n) = whole(x) {
        serde_json::Value::from(n)
    } else {
        serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

impl<'e> Outcome<'e> {
    /// The outcome's lists, emptied, for [`Evaluator::evaluate_in`].
    pub fn into_lists(self) -> Lists {
        Lists { nodes: emptied(self.nodes), members: self.members, steps: self.steps }
    }

    /// Whether each pathway applies.
    fn pathways(&self) -> &[Tri] {
        self.members.get(self.paths_at..).unwrap_or(&[])
    }

    fn recs(&self) -> &[Tri] {
        self.members.get(self.recs_at..self.paths_at).unwrap_or(&[])
    }

    /// Whether each recommendation applies, in the artifact's order
    /// (`None` when undecided): for callers that evaluate many at once.
    pub fn recommendations_applied(&self) -> &[Tri] {
        self.recs()
    }

    fn node_index(&self, id: &str) -> Option<usize> {
        self.ev.artifact.nodes.iter().position(|n| n.id == id)
    }

    /// `Some(applies)` for a recommendation id; `applies` is `None` when
    /// undecided.
    pub fn recommendation(&self, id: &str) -> Option<Tri> {
        let i = self.ev.artifact.recommendations.iter().position(|r| r.id == id)?;
        self.recs().get(i).copied()
    }

    /// The stratum of a stratification: `Some(Some(name))` when decided,
    /// `Some(None)` when undecided or not applicable (see
    /// [`Outcome::report`] for which).
    pub fn stratum(&self, id: &str) -> Option<Option<&'e str>> {
        let i = self.node_index(id)?;
        match &self.ev.artifact.nodes[i].kind {
            NodeKind::Stratify { strata, .. } => Some(match self.nodes[i].strat {
                Strat::In(k) => strata.get(k as usize).map(|s| s.name.as_str()),
                _ => None,
            }),
            _ => None,
        }
    }

    /// A condition's value (definitions that are conditions).
    pub fn condition(&self, id: &str) -> Option<Tri> {
        match &self.nodes[self.node_index(id)?].value {
            V::Bool(t) => Some(*t),
            _ => None,
        }
    }

    /// A definition's state and, when it is undecided, why: for tests and
    /// tools that look inside a guideline (definitions are not part of the
    /// result).
    pub fn definition(&self, id: &str) -> Option<(State, Option<bool>, report::Why<'e>)> {
        let i = self.node_index(id)?;
        let NodeKind::Define { .. } = self.ev.artifact.nodes[i].kind else { return None };
        let v = &self.nodes[i];
        if v.value.is_known() {
            let t = match v.value {
                V::Bool(t) => t,
                _ => None,
            };
            Some((State::Decided, t, report::Why::default()))
        } else {
            Some((State::Undecided, None, self.undecided(&v.why)))
        }
    }

    /// A number's interval (scores and numeric definitions); equal bounds
    /// when it is known.
    pub fn number(&self, id: &str) -> Option<(f64, f64)> {
        self.nodes[self.node_index(id)?].value.interval()
    }

    /// Steps as (pathway, step, index into `self.steps`).
    fn step_index(&self, pathway: Option<&str>, step: &str) -> Option<usize> {
        let mut k = 0;
        for p in &self.ev.artifact.pathways {
            for s in &p.steps {
                if s.id == step && pathway.is_none_or(|id| id == p.id) {
                    return Some(k);
                }
                k += 1;
            }
        }
        None
    }

    /// The due date of a step of one pathway (days since 1970-01-01):
    /// `None` inside unless its deadline is decided.
    pub fn due_in(&self, pathway: &str, step: &str) -> Option<Option<i64>> {
        let k = self.step_index(Some(pathway), step)?;
        Some(match self.steps.get(k)?.deadline {
            Deadline::Due(d) => Some(d),
            _ => None,
        })
    }

    /// A step's due date (days since 1970-01-01), `None` inside unless its
    /// deadline is decided. With steps of one name in several pathways,
    /// the first pathway's.
    pub fn due(&self, step: &str) -> Option<Option<i64>> {
        let k = self.step_index(None, step)?;
        Some(match self.steps.get(k)?.deadline {
            Deadline::Due(d) => Some(d),
            _ => None,
        })
    }

    /// The bound patient data.
    pub fn bound(&self) -> &Bound {
        self.bound.as_ref()
    }

    /// The result in its documented shape (`docs/eval.md`, schema in
    /// `docs/schema/result.schema.json`), ready to serialise:
    /// `serde_json::to_writer(w, &outcome.report(false))` writes it without
    /// building a JSON tree, fields in the documented order. Byte-identical
    /// for the same artifact and patient.
    pub fn report(&self, explain: bool) -> Report<'e> {
        self.report_with(&ReportOptions { explain, ..ReportOptions::default() })
    }

    /// The result as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        self.value(false)
    }

    /// The result with `explanation`: every rule's conditions with their
    /// values, the data they used and where they are written.
    pub fn to_json_explained(&self) -> serde_json::Value {
        self.value(true)
    }

    fn value(&self, explain: bool) -> serde_json::Value {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_value(self.report(explain)).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `eval --ndjson` saves by [`Lists`] rests on the standard
    /// library collecting in place: the nodes' allocation outlives the
    /// outcome's lifetime.
    #[test]
    fn emptied_nodes_keep_their_allocation() {
        let nodes: Vec<NodeValue<'_>> = (0..40).map(|_| NodeValue::unknown()).collect();
        let (at, capacity) = (nodes.as_ptr() as usize, nodes.capacity());
        let emptied: Vec<NodeValue<'static>> = emptied(nodes);
        assert!(emptied.is_empty());
        assert_eq!((emptied.as_ptr() as usize, emptied.capacity()), (at, capacity));
    }
}
