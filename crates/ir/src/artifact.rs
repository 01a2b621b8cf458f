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
/// its own major version (any minor) and refuses others. A minor version
/// only adds members that an older reader may ignore without changing what
/// the rules decide (texts, codes); anything else is a new major version.
pub const SCHEMA_MAJOR: u32 = 2;
pub const SCHEMA_MINOR: u32 = 3;

/// The compiled rules of one guideline.
///
/// `content_hash` identifies the rules: it is the SHA-256 of the canonical
/// JSON ([`crate::canonical`]) of the artifact as stored, without its
/// `content_hash` and `source` members. So it does not depend on where the
/// guideline was compiled from or how its source is laid out (`guidepath
/// fmt` does not change it), and any other change to a stored artifact,
/// including a member this reader does not know, is detected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// `"MAJOR.MINOR"`.
    pub schema: String,
    pub content_hash: String,
    pub guideline: Metadata,
    pub inputs: Vec<Input>,
    pub nodes: Vec<Node>,
    pub recommendations: Vec<Recommendation>,
    pub pathways: Vec<Pathway>,
    /// The instruments the rules use, with their codes (schema 2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instruments: Vec<InstrumentInfo>,
    /// The consistency analysis's errors, for an artifact built with them
    /// on purpose (`--allow-findings`, schema 2.2); empty otherwise. Part
    /// of the hash, so it cannot be removed unseen. See [`crate::gate`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<crate::gate::Finding>,
    /// Where the rules are written, for explanations; not part of the
    /// rules and not hashed.
    #[serde(default)]
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    pub id: String,
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    pub issuer: Option<String>,
    pub status: Option<String>,
    /// The guideline's own language: texts without a language tag are in it.
    pub language: Option<String>,
    /// The published texts the rules come from (schema 2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRef>,
}

/// A published source: its title and, where it has one, its address.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceRef {
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A code in a code system: what a record system calls a field, a score, a
/// stratum or an answer. `system` is the code system's URI as FHIR writes
/// it (`http://loinc.org`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Code {
    pub system: String,
    pub code: String,
}

/// The URIs of the code systems the language names.
pub mod systems {
    pub const LOINC: &str = "http://loinc.org";
    pub const SNOMED: &str = "http://snomed.info/sct";
    pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";

    /// The short name a guideline writes for a system URI, if it has one.
    pub fn short_name(uri: &str) -> Option<&'static str> {
        match uri {
            LOINC => Some("loinc"),
            SNOMED => Some("snomed"),
            ICD10 => Some("icd10"),
            _ => None,
        }
    }
}

/// An instrument the rules use: its inputs are `id.item`, its scores and
/// stratifications the nodes `id.name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
}

/// A text in one or more languages, by language tag (`sv`, `en`, …).
/// Text written without a tag is under the guideline's language, or under
/// `und` (undetermined) when the guideline names none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub std::collections::BTreeMap<String, String>);

impl Text {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text in `lang` only, for output that must be in one language;
    /// text of an undetermined language (`und`: the guideline names none)
    /// is taken as in any.
    pub fn exact(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).or_else(|| self.0.get("und")).map(String::as_str)
    }

    /// The text in `lang`, else in `fallback`, else in any language (the
    /// first by tag, so the choice is stable).
    pub fn get(&self, lang: Option<&str>, fallback: Option<&str>) -> Option<&str> {
        // In one language, each of the choices below is its text: no key
        // needs comparing (most texts, read for every result).
        if self.0.len() == 1 {
            return self.0.first_key_value().map(|(_, t)| t.as_str());
        }
        lang.and_then(|l| self.0.get(l))
            .or_else(|| fallback.and_then(|l| self.0.get(l)))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }
}

/// Where the rules are written: the source files and the places that
/// explanations and findings point at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Source {
    /// The files compiled, the guideline's own first; paths are relative
    /// to the guideline's folder, with `/` between folders.
    pub files: Vec<SourceFile>,
    /// Indexed by the `at` of nodes, strata, recommendations, pathways,
    /// steps and labelled conditions.
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    /// SHA-256 of the file's text; empty in an artifact lowered only to be
    /// analysed, which is never written out.
    pub sha256: String,
}

/// A place in a source file: 1-based line and column (in characters), and
/// for a labelled condition its text as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// Index into `source.files`.
    pub file: u32,
    pub line: u32,
    pub column: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// An index into `source.places`.
pub type At = u32;

/// A place resolved to its file, for messages: `file:line:col`.
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
    /// What the field holds (an item: its question).
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub description: Text,
    /// What record systems call the field (schema 2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
    /// The FHIR element the field is read from, `Patient.birthDate`
    /// (schema 2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The codes of each enum value or choice option, in the order of the
    /// values; empty when none has a code (schema 2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_codes: Vec<Vec<Code>>,
}

/// Where a rule comes from (schema 2.3): the sentences of its source that
/// it encodes, and what it assumes where no source speaks. Part of the
/// hash: a card that cites a sentence cites what was compiled.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<Assumption>,
}

impl Provenance {
    pub fn is_empty(&self) -> bool {
        self.quotes.is_empty() && self.assumptions.is_empty()
    }
}

/// A sentence of the source, in its own language, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Where in the source: a section, a page, a recommendation's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A value or reading that no source states, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assumption {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Qualified name: `target_population`, `start_back.total`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    pub at: At,
    #[serde(flatten)]
    pub kind: NodeKind,
    /// What record systems call a score or stratification (schema 2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
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

impl NodeKind {
    /// What the node is called in the language: `define`, `score`, `stratify`.
    pub fn word(&self) -> &'static str {
        match self {
            NodeKind::Define { .. } => "define",
            NodeKind::Score { .. } => "score",
            NodeKind::Stratify { .. } => "stratify",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stratum {
    pub name: String,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    pub when: Expr,
    pub at: At,
    /// What record systems call the stratum, as an answer (schema 2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
    /// Its own, or its stratification's.
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
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
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    pub direction: Direction,
    pub action: String,
    pub strength: Option<String>,
    pub certainty: Option<String>,
    /// The level of care that acts.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub level: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub rationale: Text,
    pub when: Expr,
    pub at: At,
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pathway {
    pub id: String,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    pub when: Option<Expr>,
    pub steps: Vec<Step>,
    /// The whole pathway's own limit (`within 6 months after referral_date`
    /// at pathway level), for tools and the consistency analysis; the
    /// evaluator reports the steps' due dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    pub at: At,
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub responsible: Text,
    /// The step applies only when this holds (and its pathway applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Expr>,
    pub limit: Option<Limit>,
    /// What happens when the limit is missed.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub if_missed: Text,
    pub at: At,
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
}

/// `within amount after anchor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    pub amount: crate::Duration,
    pub anchor: Anchor,
    /// Its own, or its step's, or its pathway's.
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// A condition as written in the source (`source.places[at]` has its
    /// text and place), for explanations.
    Labeled {
        at: At,
        expr: Box<Expr>,
    },
}

impl Expr {
    /// [`Expr::push_children`] for changing the sub-expressions in place.
    pub fn push_children_mut<'a>(&'a mut self, todo: &mut Vec<&'a mut Expr>) {
        match self {
            Expr::Not(x) | Expr::Labeled { expr: x, .. } => todo.push(x),
            Expr::InRange { expr, .. } | Expr::IsValue { expr, .. } | Expr::SetTest { expr, .. } => todo.push(expr),
            Expr::And(xs) | Expr::Or(xs) => todo.extend(xs.iter_mut()),
            Expr::Compare { lhs, rhs, .. } => {
                todo.push(lhs);
                todo.push(rhs);
            }
            Expr::Sum { terms } => todo.extend(terms.iter_mut().map(|(_, x)| x)),
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
    /// The text is not JSON (or YAML), or not an artifact.
    Syntax(String),
    Schema(String),
    NewerSchema {
        found: String,
        supported: String,
    },
    OlderSchema {
        found: String,
        supported: String,
    },
    HashMismatch {
        stored: String,
        computed: String,
    },
    Invalid(String),
}

impl std::fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArtifactError::Syntax(s) => write!(f, "not a guidepath artifact: {s}"),
            ArtifactError::Schema(s) => write!(f, "unreadable schema version `{s}`"),
            ArtifactError::NewerSchema { found, supported } => write!(
                f,
                "artifact schema `{found}` is newer than this evaluator reads ({supported}); use a newer guidepath"
            ),
            ArtifactError::OlderSchema { found, supported } => write!(
                f,
                "artifact schema `{found}` is older than this evaluator reads ({supported}); compile the guideline again"
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

/// Deepest nesting of arrays and objects in a stored artifact: an
/// expression costs at most two levels per level of nesting, plus the
/// members around it.
pub const MAX_JSON_DEPTH: usize = 2 * MAX_EXPR_DEPTH + 16;

/// Deepest nesting the YAML reader takes (its fixed recursion limit).
pub const MAX_YAML_DEPTH: usize = 128;

/// Largest artifact text read, in bytes.
pub const MAX_ARTIFACT_BYTES: usize = 256 << 20;

impl Artifact {
    pub fn schema_version() -> String {
        format!("{SCHEMA_MAJOR}.{SCHEMA_MINOR}")
    }

    /// The version this artifact is written with: the oldest whose members
    /// it uses, so that every reader that can read it does. 2.2 added only
    /// `findings` and 2.3 only `provenance`; an artifact with neither is a
    /// 2.1 artifact.
    pub fn written_schema_version(&self) -> String {
        let minor = if self.has_provenance() {
            3
        } else if !self.findings.is_empty() {
            2
        } else {
            1
        };
        format!("{SCHEMA_MAJOR}.{minor}")
    }

    /// Whether any rule carries its provenance.
    pub fn has_provenance(&self) -> bool {
        self.provenances().next().is_some()
    }

    /// Every rule's provenance that is not empty, with what it belongs to:
    /// `recommendation usual_activity`, `stratum risk.low`, `limit
    /// mms.first_visit`, … in the artifact's order.
    pub fn provenances(&self) -> impl Iterator<Item = (String, &Provenance)> + '_ {
        let nodes = self.nodes.iter().flat_map(|n| {
            let own = std::iter::once((format!("{} {}", n.kind.word(), n.id), &n.provenance));
            let strata: Vec<(String, &Provenance)> = match &n.kind {
                NodeKind::Stratify { strata, .. } => {
                    strata.iter().map(|s| (format!("stratum {}.{}", n.id, s.name), &s.provenance)).collect()
                }
                _ => Vec::new(),
            };
            own.chain(strata)
        });
        let recs = self.recommendations.iter().map(|r| (format!("recommendation {}", r.id), &r.provenance));
        let paths = self.pathways.iter().flat_map(|p| {
            let own = std::iter::once((format!("pathway {}", p.id), &p.provenance));
            let limit = p.limit.iter().map(move |l| (format!("limit {}", p.id), &l.provenance));
            let steps = p.steps.iter().flat_map(move |s| {
                std::iter::once((format!("step {}.{}", p.id, s.id), &s.provenance))
                    .chain(s.limit.iter().map(move |l| (format!("limit {}.{}", p.id, s.id), &l.provenance)))
            });
            own.chain(limit).chain(steps)
        });
        nodes.chain(recs).chain(paths).filter(|(_, p)| !p.is_empty())
    }

    /// The resolved place `at`, when the artifact carries it.
    pub fn place(&self, at: At) -> Option<Loc> {
        let p = self.source.places.get(at as usize)?;
        let file = self.source.files.get(p.file as usize).map_or(String::new(), |f| f.path.clone());
        Some(Loc { file, line: p.line, column: p.column })
    }

    /// The top expression of every rule: definitions, scores, populations,
    /// strata, recommendations, pathways and their steps.
    pub fn rule_exprs(&self) -> Vec<&Expr> {
        let mut out: Vec<&Expr> = Vec::new();
        for n in &self.nodes {
            match &n.kind {
                NodeKind::Define { expr } | NodeKind::Score { expr } => out.push(expr),
                NodeKind::Stratify { population, strata } => {
                    out.extend(population);
                    out.extend(strata.iter().map(|s| &s.when));
                }
            }
        }
        out.extend(self.recommendations.iter().map(|r| &r.when));
        for p in &self.pathways {
            out.extend(&p.when);
            out.extend(p.steps.iter().filter_map(|s| s.when.as_ref()));
        }
        out
    }

    /// The text of the labelled condition at `at`.
    pub fn place_text(&self, at: At) -> &str {
        self.source.places.get(at as usize).map_or("", |p| p.text.as_str())
    }

    /// What a condition built against this artifact is checked against:
    /// see [`Shape::check_condition`].
    pub fn shape(&self) -> Shape {
        Shape { inputs: self.inputs.len(), strata: self.strata_counts() }
    }

    /// For each node: its number of strata if it is a stratification.
    fn strata_counts(&self) -> Vec<Option<usize>> {
        self.nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Stratify { strata, .. } => Some(strata.len()),
                _ => None,
            })
            .collect()
    }

    /// Checks the schema version and that every reference points where it
    /// may: inputs in range, nodes only backwards, strata and steps in
    /// range, nesting bounded. After this, evaluation cannot index out of
    /// bounds, loop, or recurse without bound. (Places need not exist: an
    /// artifact without its `source` still evaluates.)
    pub fn validate(&self) -> Result<(), ArtifactError> {
        check_schema(&self.schema)?;
        let inputs = self.inputs.len();
        for (i, input) in self.inputs.iter().enumerate() {
            if !input.value_codes.is_empty() {
                let n = match &input.ty {
                    ValueType::Set { values } | ValueType::Enum { values } => values.len(),
                    _ => 0,
                };
                if input.value_codes.len() != n {
                    return Err(ArtifactError::Invalid(format!(
                        "input `{}` has codes for {} values but {n} values",
                        input.path,
                        input.value_codes.len()
                    )));
                }
            }
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
        let strata = self.strata_counts();
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

/// The sizes a condition's references must stay within: taken once from
/// an artifact, so that checking each of many questions asked of it costs
/// only the question.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    inputs: usize,
    /// For each node: its number of strata if it is a stratification.
    strata: Vec<Option<usize>>,
}

impl Shape {
    /// Checks a condition built against the artifact (a question asked of
    /// it, such as the analysis asks) as [`Artifact::validate`] checks the
    /// artifact's own: references in range, nesting bounded.
    pub fn check_condition(&self, e: &Expr) -> Result<(), ArtifactError> {
        check_expr(e, self.inputs, self.strata.len(), &self.strata, "condition")
    }
}

/// Accepts `MAJOR.MINOR` of this reader's major version.
fn check_schema(schema: &str) -> Result<(), ArtifactError> {
    let (major, _minor) = schema
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(|| ArtifactError::Schema(schema.to_string()))?;
    let found = || schema.to_string();
    match major.cmp(&SCHEMA_MAJOR) {
        std::cmp::Ordering::Greater => {
            Err(ArtifactError::NewerSchema { found: found(), supported: Artifact::schema_version() })
        }
        std::cmp::Ordering::Less => {
            Err(ArtifactError::OlderSchema { found: found(), supported: Artifact::schema_version() })
        }
        std::cmp::Ordering::Equal => Ok(()),
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
    let mut todo: Vec<(&Expr, usize)> = Vec::with_capacity(16);
    todo.push((e, 0));
    // One buffer for every node's children, not one allocation per node.
    let mut children = Vec::new();
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
                e.push_children(&mut children);
                todo.extend(children.drain(..).map(|x| (x, d)));
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
        let mut todo: Vec<&Expr> = Vec::with_capacity(16);
        todo.push(e);
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

    /// The artifact as a JSON value: the stored form, from which the JSON
    /// and YAML texts are written.
    pub fn to_value(&self) -> serde_json::Value {
        // Plain data with string keys and finite numbers: cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Sets `content_hash` to the artifact's hash.
    pub fn seal(&mut self) {
        // The hash leaves out `source` and itself: set them aside rather
        // than serialise and copy them (lowering seals every artifact).
        let source = std::mem::take(&mut self.source);
        self.content_hash = String::new();
        let mut value = self.to_value();
        self.source = source;
        if let serde_json::Value::Object(m) = &mut value {
            m.remove("content_hash");
            m.remove("source");
        }
        self.content_hash = hex_sha256(crate::canonical::to_string(&value).as_bytes());
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut t = serde_json::to_string_pretty(&self.to_value()).unwrap_or_default();
        t.push('\n');
        t
    }

    /// YAML: the same value as the JSON, so both read back identically.
    /// Refused for rules nested deeper than YAML readers take
    /// ([`MAX_YAML_DEPTH`]); JSON has room for them.
    pub fn to_yaml(&self) -> Result<String, ArtifactError> {
        let value = self.to_value();
        let depth = value_depth(&value);
        if depth > MAX_YAML_DEPTH {
            return Err(ArtifactError::Invalid(format!(
                "the rules nest {depth} levels deep, more than the {MAX_YAML_DEPTH} a YAML reader takes; write JSON"
            )));
        }
        serde_yaml::to_string(&value).map_err(|e| ArtifactError::Invalid(e.to_string()))
    }

    /// Reads an artifact from JSON and checks its schema, its hash and its
    /// references.
    pub fn from_json(text: &str) -> Result<Artifact, ArtifactError> {
        bounded(text)?;
        let mut de = serde_json::Deserializer::from_str(text);
        // The depth is bounded above, within what the stack holds.
        de.disable_recursion_limit();
        let (value, repeated) =
            crate::json::from_deserializer(&mut de).map_err(|e| ArtifactError::Syntax(e.to_string()))?;
        de.end().map_err(|e| ArtifactError::Syntax(e.to_string()))?;
        if !repeated.is_empty() {
            return Err(ArtifactError::Syntax(crate::json::repeated_message(&repeated)));
        }
        Artifact::from_value(value)
    }

    /// Reads an artifact from YAML, with the same checks.
    pub fn from_yaml(text: &str) -> Result<Artifact, ArtifactError> {
        if text.len() > MAX_ARTIFACT_BYTES {
            return Err(ArtifactError::Syntax(format!("larger than {} MiB", MAX_ARTIFACT_BYTES >> 20)));
        }
        // A YAML reader takes time that grows with the square of the
        // nesting of `[` and `{`; refuse deep text before it reads.
        if crate::depth::max_depth_yaml(text) > MAX_YAML_DEPTH {
            return Err(ArtifactError::Syntax(format!("nested deeper than {MAX_YAML_DEPTH} levels")));
        }
        let (value, repeated) = crate::json::from_deserializer(serde_yaml::Deserializer::from_str(text))
            .map_err(|e| ArtifactError::Syntax(e.to_string()))?;
        if !repeated.is_empty() {
            return Err(ArtifactError::Syntax(crate::json::repeated_message(&repeated)));
        }
        Artifact::from_value(value)
    }

    /// Reads an artifact from its stored value: schema first (a newer
    /// artifact may not fit this reader's types), then the hash over the
    /// value as stored, then the types and references.
    pub fn from_value(value: serde_json::Value) -> Result<Artifact, ArtifactError> {
        let Some(obj) = value.as_object() else {
            return Err(ArtifactError::Syntax("expected an object".into()));
        };
        match obj.get("schema") {
            Some(serde_json::Value::String(s)) => check_schema(s)?,
            Some(other) => return Err(ArtifactError::Schema(other.to_string())),
            None => return Err(ArtifactError::Syntax("no `schema` member".into())),
        }
        let stored = match obj.get("content_hash") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => return Err(ArtifactError::Syntax("no `content_hash` member".into())),
        };
        let computed = content_hash(&value);
        if computed != stored {
            return Err(ArtifactError::HashMismatch { stored, computed });
        }
        let artifact: Artifact = serde_json::from_value(value).map_err(|e| ArtifactError::Invalid(e.to_string()))?;
        artifact.validate()?;
        Ok(artifact)
    }

    /// Schema, references and hash of an artifact held in memory.
    pub fn check(&self) -> Result<(), ArtifactError> {
        self.validate()?;
        let computed = content_hash(&self.to_value());
        if computed != self.content_hash {
            return Err(ArtifactError::HashMismatch { stored: self.content_hash.clone(), computed });
        }
        Ok(())
    }
}

/// The content hash of a stored artifact: SHA-256 of the canonical JSON
/// of the value without its `content_hash` and `source` members.
pub fn content_hash(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Object(m) => {
            let rules: serde_json::Map<String, serde_json::Value> = m
                .iter()
                .filter(|(k, _)| k.as_str() != "content_hash" && k.as_str() != "source")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            crate::canonical::to_string(&serde_json::Value::Object(rules))
        }
        other => crate::canonical::to_string(other),
    };
    hex_sha256(text.as_bytes())
}

/// The deepest nesting of arrays and objects in a value.
fn value_depth(v: &serde_json::Value) -> usize {
    let mut max = 0;
    let mut todo: Vec<(&serde_json::Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = todo.pop() {
        match v {
            serde_json::Value::Array(items) => {
                max = max.max(d + 1);
                todo.extend(items.iter().map(|x| (x, d + 1)));
            }
            serde_json::Value::Object(m) => {
                max = max.max(d + 1);
                todo.extend(m.values().map(|x| (x, d + 1)));
            }
            _ => {}
        }
    }
    max
}

/// Refuses texts too large or nested too deep to read safely, in one pass.
fn bounded(text: &str) -> Result<(), ArtifactError> {
    if text.len() > MAX_ARTIFACT_BYTES {
        return Err(ArtifactError::Syntax(format!("larger than {} MiB", MAX_ARTIFACT_BYTES >> 20)));
    }
    match crate::depth::max_depth(text) {
        d if d > MAX_JSON_DEPTH => Err(ArtifactError::Syntax(format!("nested deeper than {MAX_JSON_DEPTH} levels"))),
        _ => Ok(()),
    }
}

/// SHA-256 as lowercase hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
