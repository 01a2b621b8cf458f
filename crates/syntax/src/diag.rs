//! The one diagnostic model shared by the parser, the checker, the CLI and
//! the language server.
//!
//! A diagnostic has a stable [`Code`], a severity, a lowercase message that
//! quotes user input in backticks, a primary labelled span, optional further
//! labels, and help that says how to fix it. Renderers (miette in the CLI,
//! LSP in the server) convert these values; they never invent their own.

use crate::span::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Information that is not a problem in the guideline, such as a
    /// question the analysis could not answer.
    Note,
}

/// A labelled span in the diagnostic's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A machine-applicable edit: replace `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    /// What the edit does, for an editor's menu; without one, editors say
    /// "replace with `replacement`".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The main location.
    pub label: Label,
    /// Further locations in the same file (e.g. the first definition of a
    /// duplicate).
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// An edit that applies the help, when there is exactly one obvious one.
    pub fix: Option<Fix>,
    /// For findings of the consistency analysis: the patient that shows it.
    pub witness: Option<Witness>,
}

/// A witness patient of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// The patient as JSON, in the shape the evaluator reads.
    pub patient: String,
    /// The patient as a ready-to-paste `test` block, where one helps.
    pub test: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            label: Label { span, message: String::new() },
            related: Vec::new(),
            help: None,
            fix: None,
            witness: None,
        }
    }

    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        self.label.message = message.into();
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label { span, message: message.into() });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Diagnostic {
        self.fix = Some(Fix { span, replacement: replacement.into(), title: None });
        self
    }

    /// A fix that is not a plain replacement (an insertion, say), with what
    /// it does.
    pub fn fix_titled(mut self, span: Span, replacement: impl Into<String>, title: impl Into<String>) -> Diagnostic {
        self.fix = Some(Fix { span, replacement: replacement.into(), title: Some(title.into()) });
        self
    }

    pub fn witness(mut self, patient: impl Into<String>, test: Option<String>) -> Diagnostic {
        self.witness = Some(Witness { patient: patient.into(), test });
        self
    }

    pub fn span(&self) -> Span {
        self.label.span
    }
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $name:literal, $sev:ident; )*) => {
        /// Stable diagnostic codes. A code never changes meaning once
        /// released; `docs/diagnostics.md` documents each one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `E0201`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A short kebab-case name, e.g. `unknown-name`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// One-line explanation for documentation and hovers.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),*).trim_ascii(),)* }
            }

            pub fn parse(code: &str) -> Option<Code> {
                match code { $($code => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// The text does not follow the grammar.
    Syntax = "E0101", "syntax-error", Error;
    /// Brackets are nested deeper than the parser allows.
    TooDeep = "E0102", "nesting-too-deep", Error;
    /// The file is larger than the parser accepts.
    TooLarge = "E0103", "file-too-large", Error;
    /// A file that cannot be read: not UTF-8 text, or refused by the system.
    Unreadable = "E0104", "unreadable-file", Error;
    /// A name that is not declared.
    UnknownName = "E0201", "unknown-name", Error;
    /// A name declared twice in one scope.
    Duplicate = "E0202", "duplicate-name", Error;
    /// A value that is not one of the allowed values (enum value, stratum, strength, status, language).
    UnknownValue = "E0203", "unknown-value", Error;
    /// A `use` that names no file.
    UseNotFound = "E0204", "use-not-found", Error;
    /// Files that `use` each other in a cycle.
    UseCycle = "E0205", "use-cycle", Error;
    /// A name used where another kind of declaration is expected.
    WrongKind = "E0206", "wrong-kind", Error;
    /// An entry that must be given is missing (a recommendation's `when`).
    Missing = "E0207", "missing-entry", Error;
    /// An enum or choice item with more values than the evaluator supports (64).
    TooManyValues = "E0208", "too-many-values", Error;
    /// A `superseded by` that names no recommendation, or the recommendation itself.
    SupersededBy = "E0209", "superseded-by", Error;
    /// Lifecycle entries that disagree: `by` on a status other than `superseded`, a
    /// strength mark against the recommendation's direction, a priority that is not a
    /// whole number from 1.
    Lifecycle = "E0210", "lifecycle", Error;
    /// Two operands or an operand and its context have incompatible types.
    TypeMismatch = "E0301", "type-mismatch", Error;
    /// A type name that does not exist.
    UnknownType = "E0302", "unknown-type", Error;
    /// A date that does not exist in the calendar.
    InvalidDate = "E0303", "invalid-date", Error;
    /// A range whose lower bound is above its upper bound, or that does not fit its type.
    InvalidRange = "E0304", "invalid-range", Error;
    /// Quantities with different units are compared or added.
    UnitMismatch = "E0401", "unit-mismatch", Error;
    /// A duration compared with or added to a plain number.
    MissingUnit = "E0402", "missing-unit", Error;
    /// A unit name that does not exist.
    UnknownUnit = "E0403", "unknown-unit", Error;
    /// Month-based and day-based durations compared where no exact conversion exists.
    IncomparableUnits = "E0404", "incomparable-units", Error;
    /// A unit given to a type that has none.
    UnexpectedUnit = "E0405", "unexpected-unit", Error;
    /// A constant outside the declared range of the field it is compared with.
    OutOfRange = "E0501", "out-of-range", Error;
    /// Definitions, scores or pathway steps that depend on themselves.
    Cycle = "E0601", "cycle", Error;
    /// A code that is not well formed: an unknown system, a wrong shape or check digit.
    InvalidCode = "E1001", "invalid-code", Error;
    /// One code given to two fields, items, scores or stratifications, or to two answers of one list.
    DuplicateCode = "E1002", "duplicate-code", Error;
    /// A `from` that names an element the FHIR reader does not read, or one that does not fit the field.
    InvalidBinding = "E1003", "invalid-binding", Error;
    /// A test value or expectation that does not fit its target.
    BadTest = "E0801", "invalid-test", Error;
    /// Two strata of one stratification both hold for some patient (a witness is given).
    StrataOverlap = "E0901", "strata-overlap", Error;
    /// Some patient of the population is in no stratum (a witness is given).
    StrataGap = "E0902", "strata-gap", Error;
    /// A recommendation for and one against the same action both apply to some patient.
    Contradiction = "E0903", "contradicting-recommendations", Error;
    /// A recommendation that no patient within the declared ranges can meet.
    Unreachable = "W0904", "unreachable-recommendation", Warning;
    /// A recommendation that applies only where another with the same action, direction and strength applies.
    Redundant = "W0905", "redundant-recommendation", Warning;
    /// A comparison that is always true or always false within the declared ranges.
    ConstantComparison = "W0906", "constant-comparison", Warning;
    /// A step that must be done before a step it follows can start.
    LimitBeforeStart = "E0907", "limit-before-start", Error;
    /// A step whose time limit ends after its pathway's.
    LimitBeyondPathway = "E0908", "limit-beyond-pathway", Error;
    /// A question the analysis could not answer, and why.
    NotAnalysed = "N0910", "not-analysed", Note;
    /// An `allow` that no finding needs.
    UnusedAllow = "W0911", "unused-allow", Warning;
    /// A definition, input or `use` that nothing refers to.
    Unused = "W0701", "unused", Warning;
    /// Guideline or instrument metadata that is missing.
    IncompleteMetadata = "W0702", "incomplete-metadata", Warning;
    /// An active guideline or recommendation whose review date has passed.
    ReviewOverdue = "W0703", "review-overdue", Warning;
    /// A guideline superseded by one that is not among the files checked.
    SuccessorNotChecked = "W0704", "successor-not-checked", Warning;
    /// A recommendation, stratum or time limit, or a definition or score with a number, that
    /// neither quotes its source (`quote`) nor says what it assumes (`assume`).
    Unsourced = "W0705", "unsourced-rule", Warning;
    /// A number in a rule that its quotes and assumptions do not state, as digits or as a
    /// number word, or state with another unit.
    NumberNotInSource = "W0706", "number-not-in-source", Warning;
    /// A quote that is not in the source texts given to `check --sources`.
    QuoteNotFound = "W0707", "quote-not-in-source", Warning;
}

/// The kinds of finding an `allow` can accept, with their codes.
pub const FINDING_KINDS: &[(&str, &[Code])] = &[
    ("overlap", &[Code::StrataOverlap]),
    ("gap", &[Code::StrataGap]),
    ("contradiction", &[Code::Contradiction]),
    ("unreachable", &[Code::Unreachable]),
    ("redundant", &[Code::Redundant]),
    ("constant", &[Code::ConstantComparison]),
    ("limit", &[Code::LimitBeforeStart, Code::LimitBeyondPathway]),
];

impl Code {
    /// The codes an `allow` of this kind (a name from [`FINDING_KINDS`] or
    /// a code such as `E0902`) accepts.
    pub fn allowed_by(kind: &str) -> Option<&'static [Code]> {
        if let Some((_, codes)) = FINDING_KINDS.iter().find(|(k, _)| *k == kind) {
            return Some(codes);
        }
        FINDING_KINDS.iter().flat_map(|(_, codes)| codes.iter()).find(|c| c.as_str() == kind).map(std::slice::from_ref)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
