//! The typed syntax tree. Every node carries the byte span of its text.
//!
//! The tree is lossy about layout (comments and whitespace are not kept here;
//! the formatter reads them from the text) but never about meaning.

use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A dotted name: `start_back.risk`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn dotted(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(&seg.name);
        }
        s
    }
}

/// A text, possibly tagged with its language: `sv "Multimodal smärtbehandling"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub lang: Option<Ident>,
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateLit {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub value: f64,
    /// The digits as written, for exact re-printing.
    pub text: String,
    pub is_integer: bool,
    pub span: Span,
}

/// A number with an optional unit: `3 months`, `50`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub number: Number,
    pub unit: Option<Ident>,
    pub span: Span,
}

/// An inclusive range: `16..70`, `0..100 points`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub lo: Number,
    pub hi: Number,
    pub unit: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Guideline(Guideline),
    Use(Use),
    Input(InputBlock),
    Enum(EnumDecl),
    Instrument(Instrument),
    Define(Define),
    Stratify(Stratify),
    Recommend(Recommend),
    Pathway(Pathway),
    Test(TestDecl),
    Allow(Allow),
    /// Text that did not parse; the parser has reported why.
    Error(ErrorItem),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Guideline(x) => x.span,
            Item::Use(x) => x.span,
            Item::Input(x) => x.span,
            Item::Enum(x) => x.span,
            Item::Instrument(x) => x.span,
            Item::Define(x) => x.span,
            Item::Stratify(x) => x.span,
            Item::Recommend(x) => x.span,
            Item::Pathway(x) => x.span,
            Item::Test(x) => x.span,
            Item::Allow(x) => x.span,
            Item::Error(e) => e.span,
        }
    }
}

/// Text that does not parse as a declaration, and the name it declares
/// where that can be read (`define adult "Adult" age >= 18`: `adult`), so
/// that the uses of the name are not reported unknown as well.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorItem {
    pub span: Span,
    pub declares: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Guideline {
    pub id: Path,
    pub title: Option<Text>,
    pub meta: Vec<Meta>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetaKind {
    Title(Text),
    Issuer(Text),
    Version(Text),
    /// `status superseded by new_rec since 2025-06-01`: `by` names what
    /// supersedes it.
    Status {
        status: Ident,
        by: Option<Path>,
        since: Option<DateLit>,
    },
    /// `review by 2026-06-20`: when the forum looks at it again.
    Review(DateLit),
    /// `priority 2`: the forum's order of work (1 first).
    Priority(Number),
    Language(Ident),
    Source {
        text: Text,
        url: Option<Text>,
    },
    Published(DateLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub kind: MetaKind,
    /// The keyword, for diagnostics about the entry as a whole.
    pub keyword: Span,
    pub span: Span,
}

/// `allow gap in care_level because "…"`: a finding of the consistency
/// analysis accepted with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Allow {
    /// The kind of finding: `overlap`, `gap`, `contradiction`, … or its code.
    pub kind: Ident,
    pub target: Path,
    pub reason: Text,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub path: Path,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputBlock {
    pub fields: Vec<Field>,
    /// The names of fields with syntax errors, where they can be read.
    pub damaged: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeName {
    /// A built-in type or an enum: `integer`, `site`.
    Named(Ident),
    /// `set of site`.
    SetOf(Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeSpec {
    pub name: TypeName,
    pub unit: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeSpec,
    pub range: Option<Range>,
    pub presence: Option<Presence>,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub description: Vec<Text>,
    /// `from Patient.birthDate`: the FHIR element the field is read from.
    pub from: Option<Path>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

/// `code loinc "91349-1"` or `code "https://…" "a1"`.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRef {
    pub system: CodeSystemRef,
    /// The code as written (unquoted), with the span of its string.
    pub code: Text,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CodeSystemRef {
    /// `loinc`, `snomed`, `icd10`.
    Named(Ident),
    /// A code system URL in quotes.
    Url(Text),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub values: Vec<EnumValue>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: Ident,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub title: Vec<Text>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    pub name: Ident,
    pub title: Option<Text>,
    pub meta: Vec<Meta>,
    pub items: Vec<ItemDecl>,
    pub scores: Vec<Score>,
    pub strats: Vec<Stratify>,
    pub defines: Vec<Define>,
    pub codes: Vec<CodeRef>,
    /// The names of entries with syntax errors, where they can be read.
    pub damaged: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemType {
    /// Agree/disagree, yes/no: scores 1 when true.
    Boolean(Span),
    /// An integer answer on a scale; scores its value (reversed: `lo + hi - value`).
    Integer(Range),
    /// One of named options, each with its points.
    Choice(Vec<ChoiceOption>, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceOption {
    pub name: Ident,
    pub points: Number,
    pub title: Option<Text>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemDecl {
    pub name: Ident,
    pub ty: ItemType,
    pub reverse: Option<Span>,
    pub texts: Vec<Text>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

/// `quote da "…" at "…"`: a sentence of the source, in its own language,
/// that the rule below encodes; `at` says where in the source it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub text: Text,
    pub at: Option<Text>,
    pub span: Span,
}

/// `assume "…"`: a value or reading that no source states, with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub text: Text,
    pub span: Span,
}

/// Where a rule comes from: the quotes and assumptions on the lines above
/// it, in their order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provenance {
    pub quotes: Vec<Quote>,
    pub assumptions: Vec<Assumption>,
}

impl Provenance {
    pub fn is_empty(&self) -> bool {
        self.quotes.is_empty() && self.assumptions.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub provenance: Provenance,
    pub name: Ident,
    pub expr: Expr,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub title: Vec<Text>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Define {
    pub provenance: Provenance,
    pub name: Ident,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub title: Vec<Text>,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stratify {
    pub provenance: Provenance,
    pub name: Ident,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub title: Vec<Text>,
    /// The population the strata divide: `of target_population`.
    pub population: Option<Path>,
    /// The fields the strata are made from: `by linton_score`.
    pub by: Vec<Path>,
    pub strata: Vec<Stratum>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stratum {
    pub provenance: Provenance,
    pub name: Ident,
    pub when: Expr,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub title: Vec<Text>,
    pub codes: Vec<CodeRef>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    For,
    Against,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommend {
    pub provenance: Provenance,
    pub direction: Direction,
    pub name: Ident,
    pub title: Option<Text>,
    pub entries: Vec<RecEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecEntryKind {
    When(Expr),
    Strength(Ident),
    Certainty(Ident),
    Rationale(Text),
    Reference {
        text: Text,
        url: Option<Text>,
    },
    Action(Ident),
    Level(Text),
    Title(Text),
    /// `status`, `review by` or `priority`, as for a guideline.
    Lifecycle(MetaKind),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecEntry {
    pub kind: RecEntryKind,
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pathway {
    pub provenance: Provenance,
    pub name: Ident,
    pub title: Option<Text>,
    pub titles: Vec<Text>,
    pub when: Option<Expr>,
    /// A limit for the whole pathway.
    pub limits: Vec<TimeLimit>,
    pub steps: Vec<Step>,
    pub span: Span,
}

/// `within 1 month after referral_date`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeLimit {
    pub provenance: Provenance,
    pub amount: Quantity,
    pub anchor: Path,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub provenance: Provenance,
    pub name: Ident,
    /// In one or more languages: the first as written, the others each
    /// with its language tag.
    pub title: Vec<Text>,
    pub responsible: Vec<Text>,
    pub limits: Vec<TimeLimit>,
    pub when: Option<Expr>,
    pub if_missed: Vec<IfMissed>,
    pub after: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IfMissed {
    pub text: Text,
    pub then: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestDecl {
    pub name: Text,
    pub given: Vec<Given>,
    pub expects: Vec<Expect>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Given {
    pub object: Vec<Member>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: Path,
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool, Span),
    Quantity(Quantity),
    Date(DateLit),
    Text(Text),
    Name(Ident),
    List(Vec<Value>, Span),
    Object(Vec<Member>, Span),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Bool(_, s) | Value::List(_, s) | Value::Object(_, s) => *s,
            Value::Quantity(q) => q.span,
            Value::Date(d) => d.span,
            Value::Text(t) => t.span,
            Value::Name(i) => i.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExpectKind {
    Applies,
    DoesNotApply,
    NotApplicable,
    /// With the fields named after `because`, if any.
    Undecided(Vec<Path>),
    Is(Ident),
    Equals(Quantity),
    In(Range),
    Due(DateLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub target: Path,
    pub kind: ExpectKind,
    pub span: Span,
}

// ------------------------------------------------------------- expressions --

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    AnyOf,
    AllOf,
    NoneOf,
}

impl SetOp {
    pub fn as_str(self) -> &'static str {
        match self {
            SetOp::AnyOf => "any of",
            SetOp::AllOf => "all of",
            SetOp::NoneOf => "none of",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// Pushes this expression's direct sub-expressions onto a worklist, so
    /// walks over expressions can use an explicit stack.
    pub fn push_children<'a>(&'a self, todo: &mut Vec<&'a Expr>) {
        match &self.kind {
            ExprKind::Not(x) | ExprKind::Paren(x) => todo.push(x),
            ExprKind::And(xs) | ExprKind::Or(xs) => todo.extend(xs.iter()),
            ExprKind::Compare { lhs, rhs, .. } => todo.extend([&**lhs, &**rhs]),
            ExprKind::InRange { expr, .. } | ExprKind::Is { expr, .. } | ExprKind::SetTest { expr, .. } => {
                todo.push(expr)
            }
            ExprKind::Sum { first, rest } => {
                todo.push(first);
                todo.extend(rest.iter().map(|(_, t)| t));
            }
            ExprKind::Bool(_)
            | ExprKind::Quantity(_)
            | ExprKind::Date(_)
            | ExprKind::Text(_)
            | ExprKind::Name(_)
            | ExprKind::Set(_) => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Quantity(Quantity),
    Date(DateLit),
    Text(Text),
    Name(Path),
    /// `{ neck, shoulders }`.
    Set(Vec<Ident>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare {
        op: CmpOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `age in 16..70`, or with `negated`, `age not in 16..70`.
    InRange {
        expr: Box<Expr>,
        range: Range,
        negated: bool,
    },
    /// `care_level is primary_care`, `sex is not female`.
    Is {
        expr: Box<Expr>,
        value: Path,
        negated: bool,
    },
    /// `pain_sites any of { neck, low_back }`.
    SetTest {
        expr: Box<Expr>,
        op: SetOp,
        set: Vec<Ident>,
        set_span: Span,
    },
    /// `q1 + q2 - q3`: n-ary, so long sums never nest deeply.
    Sum {
        first: Box<Expr>,
        rest: Vec<(ArithOp, Expr)>,
    },
    Paren(Box<Expr>),
}
