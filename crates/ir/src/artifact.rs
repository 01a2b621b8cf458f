//! The compiled artifact: everything the evaluator needs, nothing of the
//! source syntax.
//!
//! References are indices: `Expr::Input(i)` is `inputs[i]`, `Expr::Node(i)`
//! is `nodes[i]`. Nodes are in evaluation order and refer only to earlier
//! nodes, so evaluating them front to back needs no recursion between them
//! and cannot loop; [`Artifact::validate`] enforces this for artifacts that
//! did not come from the compiler.

use crate::units::Unit;
use serde::{Deserialize, Serialize};

/// The schema this crate reads and writes. A reader accepts artifacts of
/// its own major version (any minor) and rejects newer majors.
pub const SCHEMA_MAJOR: u32 = 1;
pub const SCHEMA_MINOR: u32 = 0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// `"MAJOR.MINOR"`.
    pub schema: String,
    pub guideline: Metadata,
    /// SHA-256 of the source files (path and text, sorted by path).
    pub source_hash: String,
    /// SHA-256 of this artifact's canonical JSON with `content_hash` empty.
    pub content_hash: String,
    pub inputs: Vec<Input>,
    pub nodes: Vec<Node>,
    pub recommendations: Vec<Recommendation>,
    pub pathways: Vec<Pathway>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    pub id: String,
    pub version: Option<String>,
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub status: Option<String>,
    pub language: Option<String>,
}

/// Where a rule is written, for explanations: `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loc {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValueType {
    Boolean,
    Integer,
    Decimal,
    Date,
    Duration,
    Text,
    Enum { values: Vec<String> },
    Set { values: Vec<String> },
}

/// How an instrument item scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scoring {
    /// true scores 1.
    Boolean,
    /// The answer, or `lo + hi - answer` when reversed.
    Integer { lo: f64, hi: f64, reverse: bool },
    /// The points of the chosen option, in the order of the enum's values.
    Choice { points: Vec<f64> },
}

/// A field of patient data, read from a dotted path (`start_back.q1` is
/// `{"start_back": {"q1": …}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub path: String,
    #[serde(flatten)]
    pub ty: ValueType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// Inclusive bounds a value must lie in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(f64, f64)>,
    #[serde(default)]
    pub required: bool,
    /// Present for instrument items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Qualified name: `target_population`, `start_back.total`.
    pub id: String,
    pub at: Loc,
    #[serde(flatten)]
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum NodeKind {
    /// A named condition or value.
    Define { expr: Expr },
    /// A score: a number of points.
    Score { expr: Expr },
    /// Strata of a population; a patient is in the stratum whose condition
    /// holds, within the population.
    Stratify { population: Option<Expr>, strata: Vec<Stratum> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stratum {
    pub name: String,
    pub when: Expr,
    pub at: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    For,
    Against,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: String,
    pub title: Option<String>,
    pub direction: Direction,
    pub action: String,
    pub strength: Option<String>,
    pub certainty: Option<String>,
    pub when: Expr,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pathway {
    pub id: String,
    pub when: Option<Expr>,
    pub steps: Vec<Step>,
    /// The whole pathway's own limit (`within 6 months after referral_date`
    /// at pathway level), for tools and the consistency analysis; the
    /// evaluator reports the steps' due dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub title: Option<String>,
    /// The step applies only when this holds (and its pathway applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Expr>,
    pub limit: Option<Limit>,
    pub if_missed: Option<String>,
    pub at: Loc,
}

/// `within amount after anchor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    pub amount: crate::Duration,
    pub anchor: Anchor,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// A date input.
    Input(u32),
    /// An earlier step of the same pathway (its due date).
    Step(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written in the language.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetOp {
    AnyOf,
    AllOf,
    NoneOf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Bool(bool),
    /// A number, with its unit when written (`3 months` meets a duration as
    /// a duration and an integer in months as a number).
    Quantity {
        value: f64,
        unit: Option<Unit>,
    },
    /// Days since 1970-01-01.
    Date(i64),
    Text(String),
    /// The answer of an input.
    Input(u32),
    /// The points an instrument item scores.
    Points(u32),
    /// The value of an earlier node.
    Node(u32),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare {
        op: CmpOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    InRange {
        expr: Box<Expr>,
        lo: f64,
        hi: f64,
        unit: Option<Unit>,
        negated: bool,
    },
    /// Membership of a stratum: `care_level is primary_care`.
    InStratum {
        node: u32,
        stratum: u32,
        negated: bool,
    },
    /// An enum or choice answer against one value.
    IsValue {
        expr: Box<Expr>,
        value: String,
        negated: bool,
    },
    /// `values` as written; `mask` has bit `i` set for the `i`-th value of
    /// the tested enum, so the evaluator compares bits, not strings.
    SetTest {
        expr: Box<Expr>,
        op: SetOp,
        values: Vec<String>,
        mask: u64,
    },
    /// `first + rest…`, each term with its sign.
    Sum {
        terms: Vec<(bool, Expr)>,
    },
    /// A condition as written in the source, for explanations.
    Labeled {
        text: String,
        at: Loc,
        expr: Box<Expr>,
    },
}

impl Expr {
    /// Pushes this expression's direct sub-expressions onto a worklist, so
    /// walks over expressions can use an explicit stack.
    pub fn push_children<'a>(&'a self, todo: &mut Vec<&'a Expr>) {
        match self {
            Expr::Not(x) | Expr::Labeled { expr: x, .. } => todo.push(x),
            Expr::InRange { expr, .. } | Expr::IsValue { expr, .. } | Expr::SetTest { expr, .. } => todo.push(expr),
            Expr::And(xs) | Expr::Or(xs) => todo.extend(xs.iter()),
            Expr::Compare { lhs, rhs, .. } => todo.extend([&**lhs, &**rhs]),
            Expr::Sum { terms } => todo.extend(terms.iter().map(|(_, x)| x)),
            Expr::Bool(_)
            | Expr::Quantity { .. }
            | Expr::Date(_)
            | Expr::Text(_)
            | Expr::Input(_)
            | Expr::Points(_)
            | Expr::Node(_)
            | Expr::InStratum { .. } => {}
        }
    }
}

/// Why an artifact cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactError {
    Schema(String),
    NewerSchema { found: String, supported: String },
    HashMismatch { stored: String, computed: String },
    Invalid(String),
}

impl std::fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArtifactError::Schema(s) => write!(f, "unreadable schema version `{s}`"),
            ArtifactError::NewerSchema { found, supported } => write!(
                f,
                "artifact schema `{found}` is newer than this evaluator reads ({supported}); use a newer guidepath"
            ),
            ArtifactError::HashMismatch { stored, computed } => write!(
                f,
                "artifact content does not match its hash (stored `{stored}`, computed `{computed}`): it was changed after compiling"
            ),
            ArtifactError::Invalid(s) => write!(f, "invalid artifact: {s}"),
        }
    }
}

impl std::error::Error for ArtifactError {}

/// Most values an enum may have (sets are bit masks).
pub const MAX_ENUM_VALUES: usize = 64;

/// Deepest expression nesting an artifact may have (the compiler bounds
/// source nesting far below this).
pub const MAX_EXPR_DEPTH: usize = 256;

impl Artifact {
    pub fn schema_version() -> String {
        format!("{SCHEMA_MAJOR}.{SCHEMA_MINOR}")
    }

    /// Checks the schema version and that every reference points where it
    /// may: inputs in range, nodes only backwards, strata and steps in
    /// range, nesting bounded. After this, evaluation cannot index out of
    /// bounds, loop, or recurse without bound.
    pub fn validate(&self) -> Result<(), ArtifactError> {
        let (major, _minor) = self
            .schema
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
            .ok_or_else(|| ArtifactError::Schema(self.schema.clone()))?;
        if major > SCHEMA_MAJOR {
            return Err(ArtifactError::NewerSchema { found: self.schema.clone(), supported: Self::schema_version() });
        }
        if major < SCHEMA_MAJOR {
            return Err(ArtifactError::Schema(self.schema.clone()));
        }
        let inputs = self.inputs.len();
        for (i, input) in self.inputs.iter().enumerate() {
            if let ValueType::Set { values } | ValueType::Enum { values } = &input.ty {
                if values.len() > MAX_ENUM_VALUES {
                    return Err(ArtifactError::Invalid(format!(
                        "input `{}` has {} values; at most {MAX_ENUM_VALUES} are supported",
                        input.path,
                        values.len()
                    )));
                }
            }
            if let (Some(Scoring::Choice { points }), ValueType::Enum { values }) = (&input.scoring, &input.ty) {
                if points.len() != values.len() {
                    return Err(ArtifactError::Invalid(format!(
                        "input {i}: {} points for {} options",
                        points.len(),
                        values.len()
                    )));
                }
            }
        }
        let strata: Vec<Option<usize>> = self
            .nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Stratify { strata, .. } => Some(strata.len()),
                _ => None,
            })
            .collect();
        let check = |e: &Expr, before: usize, what: &str| check_expr(e, inputs, before, &strata, what);
        for (i, n) in self.nodes.iter().enumerate() {
            let what = format!("node `{}`", n.id);
            match &n.kind {
                NodeKind::Define { expr } | NodeKind::Score { expr } => check(expr, i, &what)?,
                NodeKind::Stratify { population, strata } => {
                    if let Some(p) = population {
                        check(p, i, &what)?;
                    }
                    for s in strata {
                        check(&s.when, i, &what)?;
                    }
                }
            }
        }
        let all = self.nodes.len();
        for r in &self.recommendations {
            check(&r.when, all, &format!("recommendation `{}`", r.id))?;
        }
        for p in &self.pathways {
            if let Some(w) = &p.when {
                check(w, all, &format!("pathway `{}`", p.id))?;
            }
            for (i, s) in p.steps.iter().enumerate() {
                if let Some(w) = &s.when {
                    check(w, all, &format!("step `{}`", s.id))?;
                }
                match s.limit.as_ref().map(|l| &l.anchor) {
                    Some(Anchor::Input(k)) if *k as usize >= inputs => {
                        return Err(ArtifactError::Invalid(format!("step `{}` anchors on input {k}", s.id)))
                    }
                    Some(Anchor::Step(k)) if *k as usize >= i => {
                        return Err(ArtifactError::Invalid(format!("step `{}` anchors on a later step", s.id)))
                    }
                    _ => {}
                }
            }
            match p.limit.as_ref().map(|l| &l.anchor) {
                Some(Anchor::Input(k)) if *k as usize >= inputs => {
                    return Err(ArtifactError::Invalid(format!("pathway `{}` anchors on input {k}", p.id)))
                }
                Some(Anchor::Step(k)) if *k as usize >= p.steps.len() => {
                    return Err(ArtifactError::Invalid(format!("pathway `{}` anchors on step {k}", p.id)))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn check_expr(
    e: &Expr,
    inputs: usize,
    before: usize,
    strata: &[Option<usize>],
    what: &str,
) -> Result<(), ArtifactError> {
    let bad = |m: String| Err(ArtifactError::Invalid(format!("{what}: {m}")));
    let mut todo: Vec<(&Expr, usize)> = vec![(e, 0)];
    while let Some((e, depth)) = todo.pop() {
        if depth > MAX_EXPR_DEPTH {
            return bad(format!("expressions nested deeper than {MAX_EXPR_DEPTH}"));
        }
        let d = depth + 1;
        match e {
            Expr::Input(i) | Expr::Points(i) if *i as usize >= inputs => {
                return bad(format!("input {i} does not exist"))
            }
            Expr::Node(n) if *n as usize >= before => return bad(format!("node {n} is not evaluated before")),
            Expr::InStratum { node, stratum, .. } => match strata.get(*node as usize) {
                Some(Some(count)) if (*node as usize) < before && (*stratum as usize) < *count => {}
                _ => return bad(format!("stratum {stratum} of node {node} does not exist")),
            },
            _ => {
                let mut children = Vec::new();
                e.push_children(&mut children);
                todo.extend(children.into_iter().map(|x| (x, d)));
            }
        }
    }
    Ok(())
}

impl Artifact {
    /// The inputs an expression reads, directly or through the nodes it
    /// uses, in input order.
    pub fn inputs_read(&self, e: &Expr) -> Vec<u32> {
        let mut seen_nodes = std::collections::BTreeSet::new();
        let mut found = std::collections::BTreeSet::new();
        let mut todo: Vec<&Expr> = vec![e];
        while let Some(e) = todo.pop() {
            match e {
                Expr::Input(i) | Expr::Points(i) => {
                    found.insert(*i);
                }
                Expr::Node(n) | Expr::InStratum { node: n, .. } if seen_nodes.insert(*n) => {
                    match self.nodes.get(*n as usize).map(|n| &n.kind) {
                        Some(NodeKind::Define { expr } | NodeKind::Score { expr }) => todo.push(expr),
                        Some(NodeKind::Stratify { population, strata }) => {
                            todo.extend(population.iter());
                            todo.extend(strata.iter().map(|s| &s.when));
                        }
                        None => {}
                    }
                }
                other => other.push_children(&mut todo),
            }
        }
        found.into_iter().collect()
    }

    /// SHA-256 of the canonical JSON of this artifact with `content_hash`
    /// empty, as lowercase hex.
    pub fn compute_hash(&self) -> String {
        let mut copy = self.clone();
        copy.content_hash = String::new();
        // Serialising these plain data types to JSON cannot fail.
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        hex_sha256(&bytes)
    }

    /// Sets `content_hash` to the artifact's hash.
    pub fn seal(&mut self) {
        self.content_hash = self.compute_hash();
    }

    /// Reads an artifact from JSON and checks its schema, its hash and its
    /// references.
    pub fn from_json(text: &str) -> Result<Artifact, ArtifactError> {
        let artifact: Artifact = serde_json::from_str(text).map_err(|e| {
            // Look at the schema first: a newer artifact may not parse at all.
            if let Some(s) = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("schema").and_then(|s| s.as_str()).map(str::to_string))
            {
                let newer = s.split('.').next().and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| m > SCHEMA_MAJOR);
                if newer {
                    return ArtifactError::NewerSchema { found: s, supported: Artifact::schema_version() };
                }
            }
            ArtifactError::Invalid(format!("not a guidepath artifact: {e}"))
        })?;
        artifact.check()?;
        Ok(artifact)
    }

    /// Schema, references and hash.
    pub fn check(&self) -> Result<(), ArtifactError> {
        self.validate()?;
        let computed = self.compute_hash();
        if computed != self.content_hash {
            return Err(ArtifactError::HashMismatch { stored: self.content_hash.clone(), computed });
        }
        Ok(())
    }
}

/// SHA-256 as lowercase hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
