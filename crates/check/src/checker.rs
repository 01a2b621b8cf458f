//! Name resolution, types, units, ranges, cycles, usage and metadata.
//!
//! The checker runs in passes over all files of a [`SourceDb`], each an
//! `impl Checker` block in a file of its own: declarations (`declare.rs`),
//! inference and name resolution (`names.rs`), bodies (`bodies.rs`,
//! `inline_tests.rs`, `codes.rs`, typing expressions through `exprs.rs`)
//! and whole-program facts (`usage.rs`). ARCHITECTURE.md describes each.
//! Diagnostics several passes report are built in `diagnostics.rs`.

//! Every expression is checked exactly once (definitions and scores are
//! memoised), so a mistake is reported once, in the file where it is.

use crate::db::{resolve_use, FileId, FileSystem, SourceDb};
use crate::fuzzy::suggest;
use crate::graph;
use crate::types::{answer, points, EnumTy, Interval, Ty};
use guidepath_ir::{is_valid_date, TimeFamily, Unit};
use guidepath_syntax::ast::{self, Expr, ExprKind};
use guidepath_syntax::{Code, Diagnostic, Span};
use std::collections::{BTreeMap, HashMap, HashSet};

mod bodies;
mod codes;
mod declare;
mod diagnostics;
mod exprs;
mod inline_tests;
mod lower;
mod names;
mod sources;
mod usage;
pub use bodies::{allow_targets, strength_mark};
use diagnostics::*;
pub use lower::{Expectation, Expected, Lowered, Target, TestCase};

/// Identifies a declaration: its file and the start of its name.
pub type Key = (FileId, u32);

// The language's fixed vocabularies (the checker accepts these; the language
// server completes them).
/// Built-in field types.
pub const BUILTIN_TYPES: &[&str] = &["boolean", "integer", "decimal", "date", "duration", "text"];
/// Values of a guideline's `status`.
pub const STATUSES: &[&str] = &["draft", "hearing", "active", "under_review", "retired", "superseded"];
/// Language tags of texts and `language`.
pub const LANGUAGES: &[&str] = &["da", "sv", "nb", "nn", "en", "fi", "de"];
/// Values of a recommendation's `strength`.
pub const STRENGTHS: &[&str] = &["strong", "weak", "conditional", "good_practice"];
/// Values of a recommendation's `certainty`.
pub const CERTAINTIES: &[&str] = &["high", "moderate", "low", "very_low"];

/// A resolved name.
#[derive(Debug, Clone, Copy)]
pub enum Entity<'a> {
    Input(FileId, &'a ast::Field),
    Enum(FileId, &'a ast::EnumDecl),
    Define(FileId, Option<&'a ast::Instrument>, &'a ast::Define),
    Strat(FileId, Option<&'a ast::Instrument>, &'a ast::Stratify),
    Rec(FileId, &'a ast::Recommend),
    Pathway(FileId, &'a ast::Pathway),
    Step(FileId, &'a ast::Pathway, &'a ast::Step),
    Instrument(FileId, &'a ast::Instrument),
    Item(FileId, &'a ast::Instrument, &'a ast::ItemDecl),
    Score(FileId, &'a ast::Instrument, &'a ast::Score),
    Module(FileId),
}

impl<'a> Entity<'a> {
    pub fn key(&self) -> Key {
        match self {
            Entity::Input(f, x) => (*f, x.name.span.start),
            Entity::Enum(f, x) => (*f, x.name.span.start),
            Entity::Define(f, _, x) => (*f, x.name.span.start),
            Entity::Strat(f, _, x) => (*f, x.name.span.start),
            Entity::Rec(f, x) => (*f, x.name.span.start),
            Entity::Pathway(f, x) => (*f, x.name.span.start),
            Entity::Step(f, _, x) => (*f, x.name.span.start),
            Entity::Instrument(f, x) => (*f, x.name.span.start),
            Entity::Item(f, _, x) => (*f, x.name.span.start),
            Entity::Score(f, _, x) => (*f, x.name.span.start),
            Entity::Module(f) => (*f, u32::MAX),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Entity::Input(..) => "an input",
            Entity::Enum(..) => "an enum",
            Entity::Define(..) => "a definition",
            Entity::Strat(..) => "a stratification",
            Entity::Rec(..) => "a recommendation",
            Entity::Pathway(..) => "a pathway",
            Entity::Step(..) => "a pathway step",
            Entity::Instrument(..) => "an instrument",
            Entity::Item(..) => "an instrument item",
            Entity::Score(..) => "a score",
            Entity::Module(..) => "a used file",
        }
    }

    pub fn ref_kind(&self) -> RefKind {
        match self {
            Entity::Input(..) => RefKind::Input,
            Entity::Enum(..) => RefKind::Enum,
            Entity::Define(..) => RefKind::Define,
            Entity::Strat(..) => RefKind::Strat,
            Entity::Rec(..) => RefKind::Rec,
            Entity::Pathway(..) => RefKind::Pathway,
            Entity::Step(..) => RefKind::Step,
            Entity::Instrument(..) => RefKind::Instrument,
            Entity::Item(..) => RefKind::Item,
            Entity::Score(..) => RefKind::Score,
            Entity::Module(..) => RefKind::Module,
        }
    }

    pub fn file(&self) -> FileId {
        match self {
            Entity::Input(f, ..)
            | Entity::Enum(f, ..)
            | Entity::Define(f, ..)
            | Entity::Strat(f, ..)
            | Entity::Rec(f, ..)
            | Entity::Pathway(f, ..)
            | Entity::Step(f, ..)
            | Entity::Instrument(f, ..)
            | Entity::Item(f, ..)
            | Entity::Score(f, ..)
            | Entity::Module(f) => *f,
        }
    }

    fn name_span(&self) -> Span {
        match self {
            Entity::Input(_, x) => x.name.span,
            Entity::Enum(_, x) => x.name.span,
            Entity::Define(_, _, x) => x.name.span,
            Entity::Strat(_, _, x) => x.name.span,
            Entity::Rec(_, x) => x.name.span,
            Entity::Pathway(_, x) => x.name.span,
            Entity::Step(_, _, x) => x.name.span,
            Entity::Instrument(_, x) => x.name.span,
            Entity::Item(_, _, x) => x.name.span,
            Entity::Score(_, _, x) => x.name.span,
            Entity::Module(_) => Span::default(),
        }
    }
}

/// What the checker worked out that the text does not say, for the
/// language server's inlay hints: the unit a plain constant takes
/// (`age >= 16` is 16 years) and the range a score can take.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hint {
    pub file: FileId,
    /// The byte offset the hint stands at (after the text it is about).
    pub at: u32,
    pub label: String,
}

/// A name in the text and the declaration it resolves to, for the language
/// server (definition, references, rename, hover, colouring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    pub file: FileId,
    /// The name as written (one segment of a dotted name).
    pub span: Span,
    pub target_file: FileId,
    /// The declared name; empty for a used file (`use … as alias`).
    pub target: Span,
    pub kind: RefKind,
}

/// What a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    Input,
    Enum,
    Define,
    Strat,
    Rec,
    Pathway,
    Step,
    Instrument,
    Item,
    Score,
    Module,
    /// One stratum of a stratification (`care_level is primary_care`).
    Stratum,
}

struct Import {
    alias: String,
    alias_span: Span,
    file: Option<FileId>,
}

#[derive(Default)]
struct Module<'a> {
    names: HashMap<&'a str, Entity<'a>>,
    /// Enums: a namespace of their own, so `sex : sex` reads naturally.
    enums: HashMap<&'a str, &'a ast::EnumDecl>,
    imports: Vec<Import>,
    /// Instruments of used files, visible by their own names.
    imported_instruments: HashMap<&'a str, Entity<'a>>,
    /// Enums of used files, usable as field types.
    imported_enums: HashMap<&'a str, &'a ast::EnumDecl>,
    input_types: HashMap<u32, Ty<'a>>,
}

/// Where an expression is checked.
#[derive(Clone, Copy)]
struct Cx<'a> {
    file: FileId,
    instrument: Option<&'a ast::Instrument>,
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Define(Cx<'a>, &'a ast::Define),
    Score(Cx<'a>, &'a ast::Score),
}

impl<'a> Node<'a> {
    fn key(&self) -> Key {
        match self {
            Node::Define(cx, d) => (cx.file, d.name.span.start),
            Node::Score(cx, s) => (cx.file, s.name.span.start),
        }
    }
}

enum Memo<'a> {
    InProgress,
    Done(Ty<'a>),
}

pub struct Checker<'a> {
    db: &'a SourceDb,
    fs: &'a dyn FileSystem,
    modules: Vec<Module<'a>>,
    diags: Vec<Vec<Diagnostic>>,
    used: HashSet<Key>,
    used_imports: HashSet<(FileId, usize)>,
    memo: HashMap<Key, Memo<'a>>,
    /// Dependency edges between definitions, scores and stratifications.
    deps: BTreeMap<Key, Vec<Key>>,
    dep_names: HashMap<Key, (String, Span)>,
    current: Option<Key>,
    /// While checking tests, references do not count as uses.
    in_test: bool,
    /// Names offered in a "did you mean": not reported as unused, since the
    /// misspelling is the likelier mistake.
    suggested: HashSet<(FileId, String)>,
    /// Resolved names, in the order met (a name resolved twice, e.g. by
    /// checking and lowering, is here twice; `references` dedupes).
    references: Vec<Reference>,
    /// Inlay hints, in the order met (deduplicated like `references`).
    hints: Vec<Hint>,
    /// The file of each stratification, by address (built when first needed).
    strat_files: Option<HashMap<usize, FileId>>,
}

impl<'a> Checker<'a> {
    pub fn new(db: &'a SourceDb, fs: &'a dyn FileSystem) -> Checker<'a> {
        let n = db.files.len();
        Checker {
            db,
            fs,
            modules: (0..n).map(|_| Module::default()).collect(),
            diags: db.files.iter().map(|f| f.syntax.clone()).collect(),
            used: HashSet::new(),
            used_imports: HashSet::new(),
            memo: HashMap::new(),
            deps: BTreeMap::new(),
            dep_names: HashMap::new(),
            current: None,
            in_test: false,
            suggested: HashSet::new(),
            references: Vec::new(),
            hints: Vec::new(),
            strat_files: None,
        }
    }

    /// Every resolved name and every hint, sorted by file and position
    /// (taken: call once, after `run`).
    pub fn index(&mut self) -> (Vec<Reference>, Vec<Hint>) {
        let mut refs = std::mem::take(&mut self.references);
        refs.sort_unstable();
        refs.dedup();
        let mut hints = std::mem::take(&mut self.hints);
        hints.sort_unstable();
        hints.dedup();
        (refs, hints)
    }

    fn hint(&mut self, file: FileId, at: u32, label: String) {
        self.hints.push(Hint { file, at, label });
    }

    fn record(&mut self, file: FileId, span: Span, e: &Entity<'a>) {
        self.references.push(Reference {
            file,
            span,
            target_file: e.file(),
            target: e.name_span(),
            kind: e.ref_kind(),
        });
    }

    /// Runs all passes; returns each file's diagnostics, sorted by position.
    pub fn run(&mut self) -> Vec<Vec<Diagnostic>> {
        for f in 0..self.db.files.len() {
            self.declare(f);
        }
        self.use_cycles();
        for f in 0..self.db.files.len() {
            self.declare_inputs(f);
        }
        self.infer_all();
        for f in 0..self.db.files.len() {
            self.bodies(f);
            self.sources(f);
        }
        self.cycles();
        self.unused();
        for d in &mut self.diags {
            d.sort_by(|a, b| {
                (a.label.span.start, a.label.span.end, a.code).cmp(&(b.label.span.start, b.label.span.end, b.code))
            });
            d.dedup();
        }
        std::mem::take(&mut self.diags)
    }

    fn report(&mut self, file: FileId, d: Diagnostic) {
        self.diags[file].push(d);
    }

    fn text(&self, file: FileId, span: Span) -> &'a str {
        span.text(&self.db.files[file].text)
    }
}

/// Whether `to` can be reached from `from` along `edges`.
fn reaches(edges: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if n >= seen.len() || std::mem::replace(&mut seen[n], true) {
            continue;
        }
        stack.extend(edges[n].iter().copied());
    }
    false
}
