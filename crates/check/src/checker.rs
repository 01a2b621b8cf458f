//! Name resolution, types, units, ranges, cycles, usage and metadata.
//!
//! The checker runs in three passes over all files of a [`SourceDb`]:
//! 1. declarations: each file's names, its `use`s and its input types;
//! 2. bodies: every expression, stratification, recommendation, pathway and
//!    test, resolving names across files and recording which declaration
//!    depends on which;
//! 3. whole-program facts: dependency cycles and unused declarations.
//!
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

mod codes;
mod lower;
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

    // ------------------------------------------------------ declarations --

    fn declare(&mut self, f: FileId) {
        let db = self.db;
        let file = &db.files[f];
        let mut names: HashMap<&'a str, Entity<'a>> = HashMap::new();
        let mut enums: HashMap<&'a str, &'a ast::EnumDecl> = HashMap::new();
        let mut dups = Vec::new();
        for item in &file.ast.items {
            let e = match item {
                ast::Item::Enum(x) => {
                    if let Some(prev) = enums.get(x.name.name.as_str()) {
                        dups.push((x.name.clone(), Entity::Enum(f, prev)));
                    } else {
                        enums.insert(&x.name.name, x);
                    }
                    continue;
                }
                ast::Item::Input(block) => {
                    for field in &block.fields {
                        let e = Entity::Input(f, field);
                        if let Some(prev) = names.insert(&field.name.name, e) {
                            dups.push((field.name.clone(), prev));
                            names.insert(&field.name.name, prev);
                        }
                    }
                    continue;
                }
                ast::Item::Define(x) => Entity::Define(f, None, x),
                ast::Item::Stratify(x) => Entity::Strat(f, None, x),
                ast::Item::Recommend(x) => Entity::Rec(f, x),
                ast::Item::Pathway(x) => Entity::Pathway(f, x),
                ast::Item::Instrument(x) => Entity::Instrument(f, x),
                _ => continue,
            };
            let name: &'a str = match item {
                ast::Item::Define(x) => &x.name.name,
                ast::Item::Stratify(x) => &x.name.name,
                ast::Item::Recommend(x) => &x.name.name,
                ast::Item::Pathway(x) => &x.name.name,
                ast::Item::Instrument(x) => &x.name.name,
                _ => continue,
            };
            if let Some(prev) = names.get(name).copied() {
                let span = e.name_span();
                dups.push((ast::Ident { name: name.to_string(), span }, prev));
            } else {
                names.insert(name, e);
            }
        }
        for (ident, prev) in dups {
            self.report(
                f,
                Diagnostic::new(Code::Duplicate, ident.span, format!("`{}` is declared twice", ident.name))
                    .label("declared again here")
                    .related(prev.name_span(), format!("first declared here as {}", prev.kind()))
                    .help("rename one of them"),
            );
        }

        // Uses.
        let mut imports: Vec<Import> = Vec::new();
        for item in &file.ast.items {
            let ast::Item::Use(u) = item else { continue };
            let alias = u.alias.clone().unwrap_or_else(|| {
                u.path.segments.last().cloned().unwrap_or(ast::Ident { name: String::new(), span: u.path.span })
            });
            let target = match resolve_use(self.fs, file, &u.path) {
                Ok(p) => {
                    let id = db.lookup(&self.fs.real(&p));
                    if let (None, Some(why)) = (id, db.unreadable.get(&p)) {
                        self.report(
                            f,
                            Diagnostic::new(
                                Code::UseNotFound,
                                u.path.span,
                                format!("cannot read the file of `use {}`", u.path.dotted()),
                            )
                            .label("the file exists but cannot be read")
                            .help(format!("`{}`: {why}", shown_path(&file.path, &p))),
                        );
                    }
                    id
                }
                Err(tried) => {
                    // Shown relative to this file, as `use` paths are.
                    let rel = format!(
                        "{}.{}",
                        u.path.segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("/"),
                        crate::db::EXTENSION
                    );
                    let shown: Vec<String> =
                        (0..tried.len().min(3)).map(|up| format!("`{}{rel}`", "../".repeat(up))).collect();
                    self.report(
                        f,
                        Diagnostic::new(
                            Code::UseNotFound,
                            u.path.span,
                            format!("no file for `use {}`", u.path.dotted()),
                        )
                        .label("not found")
                        .help(format!(
                            "`use a.b` reads `a/b.guide` from this file's folder or a folder above it; looked at {}",
                            shown.join(", ")
                        )),
                    );
                    None
                }
            };
            if let Some(id) = target {
                // The path names the used file (go to definition opens it).
                self.record(f, u.path.span, &Entity::Module(id));
            }
            if let Some(prev) = imports.iter().find(|i| i.alias == alias.name) {
                let prev_span = prev.alias_span;
                self.report(
                    f,
                    Diagnostic::new(Code::Duplicate, alias.span, format!("`{}` is used twice", alias.name))
                        .label("used again here")
                        .related(prev_span, "first used here")
                        .help("remove one `use`, or give one a different name with `as`"),
                );
                continue;
            }
            if let Some(prev) = names.get(alias.name.as_str()) {
                let prev_span = prev.name_span();
                self.report(
                    f,
                    Diagnostic::new(
                        Code::Duplicate,
                        alias.span,
                        format!("`use` brings in `{}`, which this file already declares", alias.name),
                    )
                    .label("brought in here")
                    .related(prev_span, "declared here")
                    .help("give the used file another name with `as`"),
                );
            }
            imports.push(Import { alias: alias.name.clone(), alias_span: alias.span, file: target });
        }
        let module = &mut self.modules[f];
        module.names = names;
        module.enums = enums;
        module.imports = imports;
    }

    /// Instruments and enums of used files, once every file's names are known.
    fn imported_names(&mut self, f: FileId) {
        let db = self.db;
        let targets: Vec<FileId> = self.modules[f].imports.iter().filter_map(|i| i.file).collect();
        for t in targets {
            for item in &db.files[t].ast.items {
                match item {
                    ast::Item::Instrument(ins) => {
                        self.modules[f]
                            .imported_instruments
                            .entry(&ins.name.name)
                            .or_insert(Entity::Instrument(t, ins));
                    }
                    ast::Item::Enum(e) => {
                        self.modules[f].imported_enums.entry(&e.name.name).or_insert(e);
                    }
                    _ => {}
                }
            }
        }
    }

    fn use_cycles(&mut self) {
        let n = self.db.files.len();
        for f in 0..n {
            self.imported_names(f);
        }
        // A use cycle is reported at the `use` in each file of the cycle.
        let edges: Vec<Vec<FileId>> =
            (0..n).map(|f| self.modules[f].imports.iter().filter_map(|i| i.file).collect()).collect();
        for (f, targets) in edges.iter().enumerate() {
            for (idx, t) in targets.iter().enumerate() {
                if reaches(&edges, *t, f) {
                    let span =
                        self.modules[f].imports.iter().filter(|i| i.file.is_some()).nth(idx).map(|i| i.alias_span);
                    let path = shown_path(&self.db.files[f].path, &self.db.files[*t].path);
                    self.report(
                        f,
                        Diagnostic::new(Code::UseCycle, span.unwrap_or_default(), "files use each other in a cycle")
                            .label(format!("`{path}` uses this file back"))
                            .help("move what both files need into a third file that both use"),
                    );
                }
            }
        }
    }

    fn declare_inputs(&mut self, f: FileId) {
        let db = self.db;
        for item in &db.files[f].ast.items {
            let ast::Item::Input(block) = item else { continue };
            for field in &block.fields {
                let ty = self.field_type(f, field);
                self.modules[f].input_types.insert(field.name.span.start, ty);
            }
        }
    }

    fn find_enum(&self, f: FileId, name: &str) -> Option<&'a ast::EnumDecl> {
        self.modules[f].enums.get(name).or_else(|| self.modules[f].imported_enums.get(name)).copied()
    }

    fn enum_names(&self, f: FileId) -> Vec<&'a str> {
        let m = &self.modules[f];
        let mut v: Vec<&'a str> = m.enums.keys().copied().collect();
        v.extend(m.imported_enums.keys().copied());
        v
    }

    fn field_type(&mut self, f: FileId, field: &'a ast::Field) -> Ty<'a> {
        let spec = &field.ty;
        let (base, is_set, ident) = match &spec.name {
            ast::TypeName::Named(i) => (i.name.as_str(), false, i),
            ast::TypeName::SetOf(i) => (i.name.as_str(), true, i),
        };
        let unit = spec.unit.as_ref().and_then(|u| self.unit(f, u));
        let mut ty = match (base, is_set) {
            ("boolean", false) => Ty::Bool,
            ("integer", false) => Ty::Num { unit, integer: true, range: None },
            ("decimal", false) => Ty::Num { unit, integer: false, range: None },
            ("date", false) => Ty::Date,
            ("duration", false) => Ty::Duration(unit.and_then(|u| u.time_family())),
            ("text", false) => Ty::Text,
            _ => match self.find_enum(f, base) {
                Some(e) if is_set => Ty::Set(EnumTy::Decl(e)),
                Some(e) => Ty::Enum(EnumTy::Decl(e)),
                None => {
                    let mut cands: Vec<&str> = if is_set { Vec::new() } else { BUILTIN_TYPES.to_vec() };
                    cands.extend(self.enum_names(f));
                    let mut d = Diagnostic::new(Code::UnknownType, ident.span, format!("unknown type `{base}`"))
                        .label("not a type");
                    d = match suggest(base, cands) {
                        Some(s) => d.help(format!("did you mean `{s}`?")).fix(ident.span, s),
                        None if is_set => d.help("`set of` takes an enum declared with `enum name { … }`"),
                        None => d.help("the types are boolean, integer, decimal, date, duration, text, `set of` an enum, or an enum"),
                    };
                    self.report(f, d);
                    return Ty::Error;
                }
            },
        };
        // Units apply to numbers and durations only.
        if let Some(u) = &spec.unit {
            match (&ty, unit) {
                (Ty::Num { .. }, _) | (_, None) => {}
                (Ty::Duration(_), Some(unit)) if unit.time_family().is_some() => {}
                (Ty::Duration(_), Some(_)) => self.report(
                    f,
                    Diagnostic::new(Code::UnexpectedUnit, u.span, format!("a duration cannot be in `{}`", u.name))
                        .label("not a time unit")
                        .help("use years, months, weeks, days, hours or minutes"),
                ),
                _ => self.report(
                    f,
                    Diagnostic::new(Code::UnexpectedUnit, u.span, format!("{} has no unit", ty.describe()))
                        .label("unit not allowed here")
                        .help("remove the unit; only integer, decimal and duration fields have units"),
                ),
            }
        }
        if let Some(r) = &field.range {
            match &mut ty {
                Ty::Num { unit: fu, integer, range } => {
                    if let Some(iv) = self.check_range(f, r) {
                        if *integer && !(r.lo.is_integer && r.hi.is_integer) {
                            self.report(
                                f,
                                Diagnostic::new(
                                    Code::InvalidRange,
                                    r.span,
                                    "an integer field has a range with decimals",
                                )
                                .label("decimal bound")
                                .help("use whole numbers, or declare the field `decimal`"),
                            );
                        }
                        if let Some(ru) = r.unit.as_ref().and_then(|u| Unit::parse(&u.name)) {
                            if Some(ru) != *fu {
                                self.report(f, unit_mismatch_range(r, *fu, ru));
                            }
                        }
                        *range = Some(iv);
                    }
                }
                Ty::Error => {}
                other => {
                    let what = other.describe();
                    self.report(
                        f,
                        Diagnostic::new(Code::InvalidRange, r.span, format!("{what} cannot have a range"))
                            .label("range not allowed here")
                            .help("only integer and decimal fields have ranges"),
                    );
                }
            }
        }
        ty
    }

    fn check_range(&mut self, f: FileId, r: &ast::Range) -> Option<Interval> {
        if let Some(u) = &r.unit {
            self.unit(f, u)?;
        }
        if r.lo.value > r.hi.value {
            self.report(
                f,
                Diagnostic::new(
                    Code::InvalidRange,
                    r.span,
                    format!("range `{}` is empty: `{}` is above `{}`", self.text(f, r.span), r.lo.text, r.hi.text),
                )
                .label("empty range")
                .help(format!("write the lower bound first: `{}..{}`", r.hi.text, r.lo.text)),
            );
            return None;
        }
        Some(Interval { lo: r.lo.value, hi: r.hi.value })
    }

    fn unit(&mut self, f: FileId, u: &ast::Ident) -> Option<Unit> {
        if let Some(unit) = Unit::parse(&u.name) {
            return Some(unit);
        }
        let names: Vec<&str> = Unit::ALL.iter().map(|u| u.name()).collect();
        let mut d =
            Diagnostic::new(Code::UnknownUnit, u.span, format!("unknown unit `{}`", u.name)).label("not a unit");
        d = match suggest(&u.name, names.iter().copied().chain(["month", "year", "day", "week"])) {
            Some(s) => d.help(format!("did you mean `{s}`?")).fix(u.span, s),
            None => d.help(format!("the units are {}", names.join(", "))),
        };
        self.report(f, d);
        None
    }

    fn date(&mut self, f: FileId, d: &ast::DateLit) -> bool {
        if is_valid_date(d.year, d.month, d.day) {
            return true;
        }
        self.report(
            f,
            Diagnostic::new(Code::InvalidDate, d.span, format!("`{}` is not a date", self.text(f, d.span)))
                .label("no such day")
                .help(format!(
                    "dates are `YYYY-MM-DD`; month {} of {} has {} days",
                    d.month,
                    d.year,
                    guidepath_ir::days_in_month(d.year, d.month)
                )),
        );
        false
    }

    // ---------------------------------------------------------- resolution --

    fn mark_used(&mut self, key: Key) {
        if !self.in_test {
            self.used.insert(key);
        }
    }

    fn depend_on(&mut self, e: &Entity<'a>) {
        if let (Some(cur), Entity::Define(..) | Entity::Score(..) | Entity::Strat(..)) = (self.current, e) {
            self.deps.entry(cur).or_default().push(e.key());
        }
    }

    fn member(&self, e: Entity<'a>, name: &str) -> Option<Entity<'a>> {
        match e {
            Entity::Instrument(f, ins) => instrument_member(f, ins, name),
            Entity::Module(f) => self.modules[f]
                .names
                .get(name)
                .copied()
                .or_else(|| self.modules[f].imported_instruments.get(name).copied()),
            Entity::Pathway(f, pw) => pw.steps.iter().find(|s| s.name.name == name).map(|s| Entity::Step(f, pw, s)),
            _ => None,
        }
    }

    fn member_names(&self, e: Entity<'a>) -> Vec<&'a str> {
        match e {
            Entity::Instrument(_, ins) => instrument_member_names(ins),
            Entity::Module(f) => {
                let m = &self.modules[f];
                m.names.keys().chain(m.imported_instruments.keys()).copied().collect()
            }
            Entity::Pathway(_, pw) => pw.steps.iter().map(|s| s.name.name.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// Resolves the first segment of a name in a scope.
    fn lookup(&mut self, cx: Cx<'a>, name: &str) -> Option<Entity<'a>> {
        if let Some(ins) = cx.instrument {
            if let Some(e) = instrument_member(cx.file, ins, name) {
                return Some(e);
            }
        }
        let m = &self.modules[cx.file];
        if let Some(e) = m.names.get(name).or_else(|| m.imported_instruments.get(name)) {
            return Some(*e);
        }
        let idx = m.imports.iter().position(|i| i.alias == name)?;
        let target = m.imports[idx].file;
        if !self.in_test {
            self.used_imports.insert((cx.file, idx));
        }
        // An unresolved `use` was reported already; its names are unknown.
        Some(Entity::Module(target?))
    }

    fn scope_names(&self, cx: Cx<'a>) -> Vec<&'a str> {
        let mut v = Vec::new();
        if let Some(ins) = cx.instrument {
            v.extend(instrument_member_names(ins));
        }
        let m = &self.modules[cx.file];
        v.extend(m.names.keys().copied());
        v.extend(m.imported_instruments.keys().copied());
        v
    }

    fn used_import_of(&mut self, cx: Cx<'a>, target: FileId) {
        if self.in_test {
            return;
        }
        let m = &self.modules[cx.file];
        for (idx, imp) in m.imports.iter().enumerate() {
            if imp.file == Some(target) {
                self.used_imports.insert((cx.file, idx));
            }
        }
    }

    /// Resolves a dotted name, reporting unknown names with a suggestion.
    fn resolve(&mut self, cx: Cx<'a>, path: &'a ast::Path) -> Option<Entity<'a>> {
        let first = path.segments.first()?;
        let Some(mut e) = self.lookup(cx, &first.name) else {
            // A name through a `use` whose file was not found: that `use` is
            // reported; calling each name through it unknown would repeat it.
            if self.modules[cx.file].imports.iter().any(|i| i.alias == first.name && i.file.is_none()) {
                return None;
            }
            let names = self.scope_names(cx);
            let d = unknown_name(&first.name, first.span, None, names);
            if let Some(fix) = &d.fix {
                self.suggested.insert((cx.file, fix.replacement.clone()));
            }
            self.report(cx.file, d);
            return None;
        };
        if let Entity::Instrument(t, _) = e {
            if t != cx.file {
                self.used_import_of(cx, t);
            }
        }
        self.record(cx.file, first.span, &e);
        for (i, seg) in path.segments.iter().enumerate().skip(1) {
            let owner = &path.segments[..i];
            let owner_text = owner.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(".");
            match self.member(e, &seg.name) {
                Some(next) => {
                    if let Entity::Instrument(t, _) = next {
                        self.used_import_of(cx, t);
                    }
                    self.record(cx.file, seg.span, &next);
                    e = next;
                }
                None if matches!(e, Entity::Instrument(..) | Entity::Module(..) | Entity::Pathway(..)) => {
                    let names = self.member_names(e);
                    self.report(cx.file, unknown_name(&seg.name, seg.span, Some(&owner_text), names));
                    return None;
                }
                None => {
                    self.report(
                        cx.file,
                        Diagnostic::new(
                            Code::WrongKind,
                            seg.span,
                            format!("`{owner_text}` is {} and has no member `{}`", e.kind(), seg.name),
                        )
                        .label("no such member")
                        .help(format!("write `{owner_text}` alone")),
                    );
                    return None;
                }
            }
        }
        self.mark_used(e.key());
        self.depend_on(&e);
        Some(e)
    }

    // ----------------------------------------------------------- typing --

    fn entity_ty(&mut self, cx: Cx<'a>, e: Entity<'a>, span: Span) -> Ty<'a> {
        match e {
            Entity::Input(f, field) => {
                self.modules[f].input_types.get(&field.name.span.start).cloned().unwrap_or(Ty::Error)
            }
            Entity::Define(f, ins, d) => self.define_ty(Cx { file: f, instrument: ins }, d),
            Entity::Score(f, ins, s) => self.score_ty(Cx { file: f, instrument: Some(ins) }, s),
            Entity::Strat(_, _, s) => Ty::Strat(s),
            Entity::Item(_, _, item) => Ty::Item(item),
            other => {
                let text = self.text(cx.file, span);
                let help = match other {
                    Entity::Instrument(..) => format!("name one of its scores or items, e.g. `{text}.total`"),
                    Entity::Rec(..) => "conditions cannot depend on recommendations; name the condition with `define` and use it in both".into(),
                    Entity::Enum(..) => "an enum is a type; compare a field of that type with `is`".into(),
                    _ => "name an input, definition, score or stratification".into(),
                };
                self.report(
                    cx.file,
                    Diagnostic::new(Code::WrongKind, span, format!("`{text}` is {} and has no value", other.kind()))
                        .label("not a value")
                        .help(help),
                );
                Ty::Error
            }
        }
    }

    /// Infers every definition and score in dependency order with an
    /// explicit stack, so that a long chain (`a = b`, `b = c`, …) never
    /// recurses deeply. Nodes on the stack are marked in progress: a
    /// reference back to one is a cycle, typed as an error here and reported
    /// by the cycle pass.
    fn infer_all(&mut self) {
        let db = self.db;
        for f in 0..db.files.len() {
            for item in &db.files[f].ast.items {
                match item {
                    ast::Item::Define(d) => self.infer_from(Node::Define(Cx { file: f, instrument: None }, d)),
                    ast::Item::Instrument(ins) => {
                        let cx = Cx { file: f, instrument: Some(ins) };
                        for s in &ins.scores {
                            self.infer_from(Node::Score(cx, s));
                        }
                        for d in &ins.defines {
                            self.infer_from(Node::Define(cx, d));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn infer_from(&mut self, root: Node<'a>) {
        if self.memo.contains_key(&root.key()) {
            return;
        }
        self.memo.insert(root.key(), Memo::InProgress);
        let deps = self.node_deps(root);
        let mut stack = vec![(root, deps, 0usize)];
        while let Some((node, deps, next)) = stack.last_mut() {
            if let Some(dep) = deps.get(*next).copied() {
                *next += 1;
                if let std::collections::hash_map::Entry::Vacant(slot) = self.memo.entry(dep.key()) {
                    slot.insert(Memo::InProgress);
                    let dd = self.node_deps(dep);
                    stack.push((dep, dd, 0));
                }
                continue;
            }
            let node = *node;
            stack.pop();
            self.compute(node);
        }
    }

    /// The definitions and scores an expression names, found without
    /// reporting anything (the real check reports).
    fn node_deps(&mut self, node: Node<'a>) -> Vec<Node<'a>> {
        let (cx, root) = match node {
            Node::Define(cx, d) => (cx, &d.expr),
            Node::Score(cx, s) => (cx, &s.expr),
        };
        let mut out = Vec::new();
        let mut todo: Vec<&'a Expr> = vec![root];
        while let Some(e) = todo.pop() {
            match &e.kind {
                ExprKind::Name(path) => {
                    let Some(first) = path.segments.first() else { continue };
                    let mut ent = self.lookup(cx, &first.name);
                    for seg in &path.segments[1..] {
                        ent = ent.and_then(|x| self.member(x, &seg.name));
                    }
                    match ent {
                        Some(Entity::Define(f, ins, d)) => out.push(Node::Define(Cx { file: f, instrument: ins }, d)),
                        Some(Entity::Score(f, ins, s)) => {
                            out.push(Node::Score(Cx { file: f, instrument: Some(ins) }, s))
                        }
                        _ => {}
                    }
                }
                _ => e.push_children(&mut todo),
            }
        }
        out
    }

    fn node(&mut self, key: Key, name: &str, span: Span) -> Option<Key> {
        self.dep_names.entry(key).or_insert_with(|| (name.to_string(), span));
        self.current.replace(key)
    }

    fn define_ty(&mut self, cx: Cx<'a>, d: &'a ast::Define) -> Ty<'a> {
        self.node_ty(Node::Define(cx, d))
    }

    fn score_ty(&mut self, cx: Cx<'a>, s: &'a ast::Score) -> Ty<'a> {
        self.node_ty(Node::Score(cx, s))
    }

    /// The memoised type of a definition or score.
    fn node_ty(&mut self, node: Node<'a>) -> Ty<'a> {
        match self.memo.get(&node.key()) {
            Some(Memo::Done(t)) => return t.clone(),
            // A cycle; reported once by the cycle pass.
            Some(Memo::InProgress) => return Ty::Error,
            None => {}
        }
        self.memo.insert(node.key(), Memo::InProgress);
        self.compute(node)
    }

    /// Types a definition or score's expression, once, recording what it
    /// depends on; references from it count as uses even inside a test.
    fn compute(&mut self, node: Node<'a>) -> Ty<'a> {
        let (name, expr) = match node {
            Node::Define(_, d) => (&d.name, &d.expr),
            Node::Score(_, s) => (&s.name, &s.expr),
        };
        let saved = self.node(node.key(), &name.name, name.span);
        let saved_test = std::mem::replace(&mut self.in_test, false);
        let ty = match node {
            Node::Define(cx, _) => answer(self.expr(cx, expr)),
            Node::Score(cx, s) => self.score_type(cx, s),
        };
        self.in_test = saved_test;
        self.current = saved;
        self.memo.insert(node.key(), Memo::Done(ty.clone()));
        ty
    }

    /// A score is a number of points.
    fn score_type(&mut self, cx: Cx<'a>, s: &'a ast::Score) -> Ty<'a> {
        let ty = self.score_type_of(cx, s);
        if let Ty::Num { range: Some(iv), unit, .. } = &ty {
            let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
            self.hint(cx.file, s.name.span.end, format!("in {}..{}{unit}", fmt_num(iv.lo), fmt_num(iv.hi)));
        }
        ty
    }

    fn score_type_of(&mut self, cx: Cx<'a>, s: &'a ast::Score) -> Ty<'a> {
        match points(self.expr(cx, &s.expr)) {
            ty @ (Ty::Num { .. } | Ty::Error) => ty,
            Ty::Lit { value, integer, unit } => {
                Ty::Num { unit, integer, range: Some(Interval { lo: value, hi: value }) }
            }
            other => {
                self.report(
                    cx.file,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        s.expr.span,
                        format!("a score must be a number, not {}", other.describe()),
                    )
                    .label("not a number")
                    .help("a score is a sum of items and other scores, e.g. `q1 + q2 + q3`"),
                );
                Ty::Error
            }
        }
    }

    fn expr(&mut self, cx: Cx<'a>, e: &'a Expr) -> Ty<'a> {
        match &e.kind {
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Quantity(q) => match &q.unit {
                Some(u) => match self.unit(cx.file, u) {
                    Some(unit) => Ty::Lit { unit: Some(unit), value: q.number.value, integer: q.number.is_integer },
                    None => Ty::Error,
                },
                None => Ty::Lit { unit: None, value: q.number.value, integer: q.number.is_integer },
            },
            ExprKind::Date(d) => {
                if self.date(cx.file, d) {
                    Ty::Date
                } else {
                    Ty::Error
                }
            }
            ExprKind::Text(_) => Ty::Text,
            ExprKind::Name(path) => match self.resolve(cx, path) {
                Some(ent) => self.entity_ty(cx, ent, e.span),
                None => Ty::Error,
            },
            ExprKind::Set(_) => {
                self.report(
                    cx.file,
                    Diagnostic::new(Code::TypeMismatch, e.span, "a set is not a value on its own")
                        .label("set")
                        .help("test a field against a set with `any of`, `all of` or `none of`"),
                );
                Ty::Error
            }
            ExprKind::Paren(inner) => self.expr(cx, inner),
            ExprKind::Not(inner) => {
                self.expect_bool(cx, inner);
                Ty::Bool
            }
            ExprKind::And(parts) | ExprKind::Or(parts) => {
                for p in parts {
                    self.expect_bool(cx, p);
                }
                Ty::Bool
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let l = answer(self.expr(cx, lhs));
                if let (Ty::Strat(_) | Ty::Enum(_), ExprKind::Name(p), ast::CmpOp::Eq | ast::CmpOp::Ne) =
                    (&l, &rhs.kind, op)
                {
                    if p.segments.len() == 1 && self.lookup(cx, &p.segments[0].name).is_none() {
                        // `care_level = primary_care`: a stratum or enum
                        // value, compared the wrong way.
                        let word = if *op == ast::CmpOp::Eq { " is " } else { " is not " };
                        let gap = Span { start: lhs.span.end, end: rhs.span.start };
                        self.report(
                            cx.file,
                            Diagnostic::new(
                                Code::TypeMismatch,
                                e.span,
                                format!("{} is compared with `is`, not `{}`", l.describe(), op.as_str()),
                            )
                            .label("use `is` here")
                            .help(format!("write `{}{word}{}`", self.text(cx.file, lhs.span), p.dotted()))
                            .fix(gap, word),
                        );
                        self.is_value(cx, &l, lhs, p);
                        return Ty::Bool;
                    }
                }
                let r = answer(self.expr(cx, rhs));
                self.compare(cx, *op, (&l, lhs), (&r, rhs));
                Ty::Bool
            }
            ExprKind::InRange { expr, range, .. } => {
                let t = answer(self.expr(cx, expr));
                self.in_range(cx, &t, expr, range);
                Ty::Bool
            }
            ExprKind::Is { expr, value, negated: _ } => {
                let t = answer(self.expr(cx, expr));
                self.is_value(cx, &t, expr, value);
                Ty::Bool
            }
            ExprKind::SetTest { expr, op, set, set_span } => {
                let t = answer(self.expr(cx, expr));
                self.set_test(cx, &t, expr, *op, set, *set_span);
                Ty::Bool
            }
            ExprKind::Sum { first, rest } => {
                let mut acc = points(self.expr(cx, first));
                let mut acc_span = first.span;
                for (op, term) in rest {
                    let t = points(self.expr(cx, term));
                    let span = acc_span.join(term.span);
                    acc = self.arith(cx, *op, (acc, acc_span), (t, term.span), span);
                    acc_span = span;
                }
                acc
            }
        }
    }

    fn expect_bool(&mut self, cx: Cx<'a>, e: &'a Expr) {
        let t = answer(self.expr(cx, e));
        let help = match &t {
            Ty::Bool | Ty::Error => return,
            Ty::Strat(s) => format!(
                "compare it with one of its strata: `{} is {}`",
                self.text(cx.file, e.span),
                s.strata.first().map_or("…", |x| x.name.name.as_str())
            ),
            Ty::Enum(en) => format!(
                "compare it with a value: `{} is {}`",
                self.text(cx.file, e.span),
                en.values().first().copied().unwrap_or("…")
            ),
            Ty::Set(_) => format!("test it against a set: `{} any of {{ … }}`", self.text(cx.file, e.span)),
            _ => format!("compare it with something: `{} >= …`", self.text(cx.file, e.span)),
        };
        self.report(
            cx.file,
            Diagnostic::new(Code::TypeMismatch, e.span, format!("expected a condition, found {}", t.describe()))
                .label("not a condition")
                .help(help),
        );
    }

    /// Checks that two sides can be compared, and that a constant lies in the
    /// other side's declared range.
    fn compare(&mut self, cx: Cx<'a>, op: ast::CmpOp, l: (&Ty<'a>, &'a Expr), r: (&Ty<'a>, &'a Expr)) {
        let f = cx.file;
        let (lt, le) = l;
        let (rt, re) = r;
        let span = le.span.join(re.span);
        let eq_only = matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne);
        match (lt, rt) {
            (Ty::Error, _) | (_, Ty::Error) => {}
            (a, b) if a.is_numeric() && b.is_numeric() => {
                if self.numeric_units(f, (a, le.span), (b, re.span), span) {
                    self.constant_in_range(f, (a, le), (b, re));
                    self.constant_in_range(f, (b, re), (a, le));
                }
            }
            (Ty::Duration(fam), Ty::Lit { unit, value, .. }) | (Ty::Lit { unit, value, .. }, Ty::Duration(fam)) => {
                let lit = if matches!(lt, Ty::Lit { .. }) { le.span } else { re.span };
                self.duration_literal(f, *fam, *unit, *value, lit);
            }
            (Ty::Duration(a), Ty::Duration(b)) => {
                if let (Some(a), Some(b)) = (a, b) {
                    if a != b {
                        self.report(f, incomparable(span, *a, *b));
                    }
                }
            }
            (Ty::Date, Ty::Date) => {}
            (Ty::Text, Ty::Text) | (Ty::Bool, Ty::Bool) if eq_only => {}
            (a, b) if eq_only && a.same_enum(b) => {}
            (Ty::Enum(_) | Ty::Strat(_), _) => {
                let help = format!("compare with `is`: `{} is …`", self.text(f, le.span));
                self.report(
                    f,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        format!("cannot compare {} with `{}`", lt.describe(), op.as_str()),
                    )
                    .label("comparison")
                    .help(help),
                );
            }
            _ => {
                let help = match (lt, rt) {
                    (Ty::Date, Ty::Lit { .. }) | (Ty::Lit { .. }, Ty::Date) => {
                        "a date compares with a date (`2024-01-31`) or with `a_date + 1 month`".to_string()
                    }
                    (Ty::Duration(_), _) | (_, Ty::Duration(_)) => {
                        "a duration compares with a duration, e.g. `3 months`".into()
                    }
                    (Ty::Num { unit: Some(u), .. }, _) | (_, Ty::Num { unit: Some(u), .. }) => {
                        format!("compare it with a number of {u}")
                    }
                    _ if !eq_only && matches!((lt, rt), (Ty::Text, _) | (Ty::Bool, _)) => {
                        "texts and conditions compare with `=` and `!=` only".into()
                    }
                    _ => "compare values of the same kind".into(),
                };
                self.report(
                    f,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        format!("cannot compare {} with {}", lt.describe(), rt.describe()),
                    )
                    .label(format!("`{}` has mismatched sides", op.as_str()))
                    .help(help),
                );
            }
        }
    }

    /// Units of two numeric sides; returns whether they agree.
    fn numeric_units(&mut self, f: FileId, l: (&Ty<'a>, Span), r: (&Ty<'a>, Span), span: Span) -> bool {
        let unit_of = |t: &Ty| match t {
            Ty::Num { unit, .. } => (*unit, false),
            Ty::Lit { unit, .. } => (*unit, true),
            _ => (None, false),
        };
        let ((lu, llit), (ru, rlit)) = (unit_of(l.0), unit_of(r.0));
        let ok = match (lu, ru) {
            (a, b) if a == b => true,
            // A plain constant takes the other side's unit.
            (Some(u), None) if rlit => {
                self.hint(f, r.1.end, u.to_string());
                true
            }
            (None, Some(u)) if llit => {
                self.hint(f, l.1.end, u.to_string());
                true
            }
            (_, None) if rlit => true,
            (None, _) if llit => true,
            _ => false,
        };
        if !ok {
            let side = |e: Span, u: Option<Unit>| match u {
                Some(u) => format!("`{}` is in {u}", self.text(f, e)),
                None => format!("`{}` has no unit", self.text(f, e)),
            };
            let msg = format!("{} but {}", side(l.1, lu), side(r.1, ru));
            let help = match (lu, ru) {
                (Some(u), _) if rlit => format!("write the constant in {u}, or leave out its unit"),
                (_, Some(u)) if llit => format!("write the constant in {u}, or leave out its unit"),
                _ => "years are not points and months are not years: compare quantities of one unit".into(),
            };
            self.report(f, Diagnostic::new(Code::UnitMismatch, span, msg).label("units differ").help(help));
        }
        ok
    }

    /// A constant compared with a ranged field must lie in the range.
    fn constant_in_range(&mut self, f: FileId, field: (&Ty<'a>, &'a Expr), constant: (&Ty<'a>, &'a Expr)) {
        let (Ty::Num { range: Some(iv), .. }, Ty::Lit { value, .. }) = (field.0, constant.0) else { return };
        if iv.contains(*value) {
            return;
        }
        let name = self.text(f, field.1.span);
        self.report(
            f,
            Diagnostic::new(
                Code::OutOfRange,
                constant.1.span,
                format!("`{}` is outside the range of `{name}`, {}", self.text(f, constant.1.span), fmt_interval(iv)),
            )
            .label("out of range")
            .related(field.1.span, format!("declared as {}", fmt_interval(iv)))
            .help(format!("use a value in {}, or widen the declared range", fmt_interval(iv))),
        );
    }

    fn duration_literal(&mut self, f: FileId, fam: Option<TimeFamily>, unit: Option<Unit>, value: f64, lit: Span) {
        let text = self.text(f, lit);
        match unit {
            None => self.report(
                f,
                Diagnostic::new(Code::MissingUnit, lit, format!("`{text}` needs a unit to be a duration"))
                    .label("plain number")
                    .help(format!("write the unit, e.g. `{text} months` or `{text} days`")),
            ),
            Some(u) => match u.time_family() {
                None => self.report(
                    f,
                    Diagnostic::new(Code::UnitMismatch, lit, format!("`{text}` is in {u}, not a duration"))
                        .label("not a time unit")
                        .help("durations are in years, months, weeks, days, hours or minutes"),
                ),
                Some(lf) => {
                    if let Some(fam) = fam {
                        if fam != lf {
                            self.report(f, incomparable(lit, fam, lf));
                        }
                    }
                    self.duration_amount(f, value, u, lit);
                }
            },
        }
    }

    /// A duration is a whole number of its unit, at most the whole
    /// calendar: anything else would compile to a comparison no data
    /// decides, or a time limit that is not there.
    fn duration_amount(&mut self, f: FileId, value: f64, unit: Unit, at: Span) {
        if guidepath_ir::Duration::of(value, unit).is_some() {
            return;
        }
        let text = match self.text(f, at) {
            t if t.ends_with(|c: char| c.is_alphabetic()) => t.to_string(),
            t => format!("{t} {unit}"),
        };
        let d = if value.fract() != 0.0 {
            Diagnostic::new(Code::OutOfRange, at, format!("`{text}` is not a whole number of {unit}"))
                .label("not whole")
                .help(format!("durations count whole {unit}; use a smaller unit, such as days"))
        } else {
            Diagnostic::new(
                Code::OutOfRange,
                at,
                format!("`{text}` is longer than {} years, the whole calendar", guidepath_ir::duration::MAX_YEARS),
            )
            .label("too long")
            .help("give a duration within the calendar")
        };
        self.report(f, d);
    }

    fn in_range(&mut self, cx: Cx<'a>, t: &Ty<'a>, e: &'a Expr, r: &'a ast::Range) {
        let f = cx.file;
        let Some(iv) = self.check_range(f, r) else { return };
        let unit = r.unit.as_ref().and_then(|u| Unit::parse(&u.name));
        match t {
            Ty::Error => {}
            Ty::Num { unit: fu, range, .. } => {
                if unit.is_some() && unit != *fu {
                    self.report(f, unit_mismatch_range(r, *fu, unit.unwrap_or(Unit::Points)));
                    return;
                }
                if let (None, Some(u)) = (unit, fu) {
                    self.hint(f, r.span.end, u.to_string());
                }
                if let Some(decl) = range {
                    for b in [&r.lo, &r.hi] {
                        if !decl.contains(b.value) {
                            let name = self.text(f, e.span);
                            self.report(
                                f,
                                Diagnostic::new(
                                    Code::OutOfRange,
                                    b.span,
                                    format!("`{}` is outside the range of `{name}`, {}", b.text, fmt_interval(decl)),
                                )
                                .label("out of range")
                                .help(format!("use bounds in {}", fmt_interval(decl))),
                            );
                        }
                    }
                }
                let _ = iv;
            }
            Ty::Duration(fam) => match unit {
                None => self.report(
                    f,
                    Diagnostic::new(Code::MissingUnit, r.span, "a duration range needs a unit")
                        .label("plain numbers")
                        .help(format!("write the unit after the range, e.g. `{} months`", self.text(f, r.span))),
                ),
                Some(u) => match (u.time_family(), fam) {
                    (None, _) => self.report(
                        f,
                        Diagnostic::new(Code::UnitMismatch, r.span, format!("a duration cannot be in {u}"))
                            .label("not a time unit")
                            .help("use years, months, weeks or days"),
                    ),
                    (Some(a), Some(b)) if a != *b => self.report(f, incomparable(r.span, *b, a)),
                    _ => {
                        for b in [&r.lo, &r.hi] {
                            self.duration_amount(f, b.value, u, b.span);
                        }
                    }
                },
            },
            other => {
                let what = other.describe();
                self.report(
                    f,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        e.span,
                        format!("`in a..b` needs a number or a duration, not {what}"),
                    )
                    .label("not a number")
                    .help("compare it another way, or test a numeric field"),
                );
            }
        }
    }

    fn is_value(&mut self, cx: Cx<'a>, t: &Ty<'a>, e: &'a Expr, value: &'a ast::Path) {
        let f = cx.file;
        let (owner, values): (String, Vec<&'a str>) = match t {
            Ty::Error => return,
            Ty::Strat(s) => {
                (format!("stratification `{}`", s.name.name), s.strata.iter().map(|x| x.name.name.as_str()).collect())
            }
            Ty::Enum(en) => (format!("`{}`", en.name()), en.values()),
            other => {
                let what = other.describe();
                self.report(
                    f,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        e.span,
                        format!("`is` needs a stratification or an enum, not {what}"),
                    )
                    .label("cannot use `is` here")
                    .help("use `=`, `<`, `>` and the like for numbers, dates and texts"),
                );
                return;
            }
        };
        let name = value.dotted();
        if value.segments.len() == 1 && values.contains(&name.as_str()) {
            if let Ty::Strat(s) = t {
                self.record_stratum(f, value.span, s, &name);
            }
            return;
        }
        self.report(f, unknown_value(&name, value.span, &owner, values));
    }

    /// Records `is name` as a reference to the stratum `name` of `s`.
    fn record_stratum(&mut self, file: FileId, span: Span, s: &'a ast::Stratify, name: &str) {
        let Some(stratum) = s.strata.iter().find(|x| x.name.name == name) else { return };
        // Which file declares each stratification, found once (by address:
        // the syntax trees do not move while the checker runs).
        let db = self.db;
        let owners = self.strat_files.get_or_insert_with(|| {
            let mut m = HashMap::new();
            for (f, src) in db.files.iter().enumerate() {
                for item in &src.ast.items {
                    match item {
                        ast::Item::Stratify(x) => {
                            m.insert(std::ptr::from_ref(x) as usize, f);
                        }
                        ast::Item::Instrument(ins) => {
                            for x in &ins.strats {
                                m.insert(std::ptr::from_ref(x) as usize, f);
                            }
                        }
                        _ => {}
                    }
                }
            }
            m
        });
        if let Some(&target_file) = owners.get(&(std::ptr::from_ref(s) as usize)) {
            self.references.push(Reference {
                file,
                span,
                target_file,
                target: stratum.name.span,
                kind: RefKind::Stratum,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn set_test(&mut self, cx: Cx<'a>, t: &Ty<'a>, e: &'a Expr, op: ast::SetOp, set: &'a [ast::Ident], set_span: Span) {
        let f = cx.file;
        let en = match t {
            Ty::Error => return,
            Ty::Set(en) => *en,
            Ty::Enum(en) if op != ast::SetOp::AllOf => *en,
            Ty::Enum(_) => {
                self.report(
                    f,
                    Diagnostic::new(Code::TypeMismatch, e.span, "`all of` needs a set, but this holds one value")
                        .label("one value")
                        .help("use `any of` or `is`"),
                );
                return;
            }
            other => {
                let what = other.describe();
                self.report(
                    f,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        e.span,
                        format!("`{}` needs a set or an enum, not {what}", op.as_str()),
                    )
                    .label("not a set")
                    .help("set tests apply to `set of` fields and enum fields"),
                );
                return;
            }
        };
        if set.is_empty() {
            self.report(
                f,
                Diagnostic::new(Code::Missing, set_span, "empty set")
                    .label("no values")
                    .help(format!("list values of `{}`", en.name())),
            );
        }
        let mut seen = HashSet::new();
        for v in set {
            if !en.has(&v.name) {
                self.report(f, unknown_value(&v.name, v.span, &format!("`{}`", en.name()), en.values()));
            } else if !seen.insert(v.name.as_str()) {
                self.report(
                    f,
                    Diagnostic::new(Code::Duplicate, v.span, format!("`{}` is in the set twice", v.name))
                        .label("again")
                        .help("remove one"),
                );
            }
        }
    }

    fn arith(&mut self, cx: Cx<'a>, op: ast::ArithOp, l: (Ty<'a>, Span), r: (Ty<'a>, Span), span: Span) -> Ty<'a> {
        let f = cx.file;
        let sign = if op == ast::ArithOp::Add { 1.0 } else { -1.0 };
        match (&l.0, &r.0) {
            (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
            (a, b) if a.is_numeric() && b.is_numeric() => {
                if !self.numeric_units(f, (a, l.1), (b, r.1), span) {
                    return Ty::Error;
                }
                let iv = |t: &Ty| match t {
                    Ty::Num { range, .. } => *range,
                    Ty::Lit { value, .. } => Some(Interval { lo: *value, hi: *value }),
                    _ => None,
                };
                let int = |t: &Ty| matches!(t, Ty::Num { integer: true, .. } | Ty::Lit { integer: true, .. });
                let unit = match (a, b) {
                    (Ty::Num { unit, .. } | Ty::Lit { unit, .. }, Ty::Lit { unit: None, .. }) => *unit,
                    (_, Ty::Num { unit, .. } | Ty::Lit { unit, .. }) => *unit,
                    _ => None,
                };
                if let (Ty::Lit { value: x, .. }, Ty::Lit { value: y, .. }) = (a, b) {
                    return Ty::Lit { unit, value: x + sign * y, integer: int(a) && int(b) };
                }
                let range = match (iv(a), iv(b)) {
                    (Some(x), Some(y)) if sign > 0.0 => Some(Interval { lo: x.lo + y.lo, hi: x.hi + y.hi }),
                    (Some(x), Some(y)) => Some(Interval { lo: x.lo - y.hi, hi: x.hi - y.lo }),
                    _ => None,
                };
                Ty::Num { unit, integer: int(a) && int(b), range }
            }
            (Ty::Date, Ty::Duration(_)) => Ty::Date,
            (Ty::Date, Ty::Lit { unit, value, .. }) => {
                self.duration_literal(f, None, *unit, *value, r.1);
                Ty::Date
            }
            (Ty::Duration(a), Ty::Duration(b)) => {
                if let (Some(x), Some(y)) = (a, b) {
                    if x != y {
                        self.report(f, incomparable(span, *x, *y));
                    }
                }
                Ty::Duration(a.or(*b))
            }
            (Ty::Duration(fam), Ty::Lit { unit, value, .. }) | (Ty::Lit { unit, value, .. }, Ty::Duration(fam)) => {
                let lit = if matches!(l.0, Ty::Lit { .. }) { l.1 } else { r.1 };
                self.duration_literal(f, *fam, *unit, *value, lit);
                Ty::Duration(*fam)
            }
            (a, b) => {
                let (ad, bd) = (a.describe(), b.describe());
                self.report(
                    f,
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        format!(
                            "cannot {} {bd} {} {ad}",
                            if sign > 0.0 { "add" } else { "subtract" },
                            if sign > 0.0 { "to" } else { "from" }
                        ),
                    )
                    .label("mismatched operands")
                    .help("add numbers of one unit, or a duration to a date"),
                );
                Ty::Error
            }
        }
    }

    // -------------------------------------------------------------- bodies --

    fn bodies(&mut self, f: FileId) {
        let db = self.db;
        let file = &db.files[f];
        let cx = Cx { file: f, instrument: None };
        let mut guidelines = Vec::new();
        for item in &file.ast.items {
            match item {
                ast::Item::Guideline(g) => {
                    guidelines.push(g);
                    self.guideline(f, g);
                }
                ast::Item::Enum(e) => self.enum_decl(f, e),
                ast::Item::Instrument(ins) => self.instrument(f, ins),
                ast::Item::Define(d) => {
                    self.define_ty(cx, d);
                }
                ast::Item::Stratify(s) => self.stratify(cx, s),
                ast::Item::Recommend(r) => self.recommend(cx, r),
                ast::Item::Pathway(p) => self.pathway(cx, p),
                ast::Item::Test(t) => self.test(cx, t),
                ast::Item::Allow(a) => self.allow(f, a),
                ast::Item::Use(_) | ast::Item::Input(_) | ast::Item::Error(_) => {}
            }
        }
        self.codes(f);
        if let Some(second) = guidelines.get(1) {
            let first = guidelines[0].id.span;
            self.report(
                f,
                Diagnostic::new(Code::Duplicate, second.id.span, "a file has one `guideline` block")
                    .label("second block")
                    .related(first, "first block")
                    .help("merge the blocks, or split the file"),
            );
        }
        let has_rules = file.ast.items.iter().any(|i| {
            matches!(i, ast::Item::Recommend(_) | ast::Item::Stratify(_) | ast::Item::Pathway(_) | ast::Item::Input(_))
        });
        if guidelines.is_empty() && has_rules {
            if let Some(first) = file.ast.items.iter().find(|i| !matches!(i, ast::Item::Use(_) | ast::Item::Error(_))) {
                let at = Span { start: first.span().start, end: first.span().start };
                self.report(
                    f,
                    Diagnostic::new(Code::IncompleteMetadata, at, "this guideline has no `guideline` block")
                        .label("rules without metadata")
                        .help("add `guideline id \"title\" { issuer … version … status … language … source … }` at the top"),
                );
            }
        }
    }

    fn guideline(&mut self, f: FileId, g: &'a ast::Guideline) {
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut has_title = g.title.is_some();
        let mut present = HashSet::new();
        for m in &g.meta {
            let (key, single) = match &m.kind {
                ast::MetaKind::Title(t) => {
                    has_title = true;
                    (format!("title {}", t.lang.as_ref().map_or("", |l| l.name.as_str())), true)
                }
                ast::MetaKind::Issuer(_) => ("issuer".into(), true),
                ast::MetaKind::Version(_) => ("version".into(), true),
                kind @ (ast::MetaKind::Status { .. } | ast::MetaKind::Review(_) | ast::MetaKind::Priority(_)) => {
                    (self.lifecycle(Cx { file: f, instrument: None }, kind, m.keyword, None).into(), true)
                }
                ast::MetaKind::Language(l) => {
                    if !LANGUAGES.contains(&l.name.as_str()) {
                        self.report(f, unknown_value(&l.name, l.span, "language", LANGUAGES.to_vec()));
                    }
                    ("language".into(), true)
                }
                ast::MetaKind::Source { .. } => ("source".into(), false),
                ast::MetaKind::Published(d) => {
                    self.date(f, d);
                    ("published".into(), true)
                }
            };
            present.insert(key.split(' ').next().unwrap_or("").to_string());
            if single {
                if let Some(prev) = seen.insert(key.clone(), m.span) {
                    let word = self.text(f, m.keyword);
                    self.report(
                        f,
                        Diagnostic::new(Code::Duplicate, m.span, format!("`{word}` is given twice"))
                            .label("again here")
                            .related(prev, "first here")
                            .help("keep one; texts in several languages take a language tag, e.g. `title en \"…\"`"),
                    );
                }
            }
        }
        let mut missing: Vec<&str> = Vec::new();
        if !has_title {
            missing.push("title");
        }
        for k in ["issuer", "version", "status", "language", "source"] {
            if !present.contains(k) {
                missing.push(k);
            }
        }
        if !missing.is_empty() {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            self.report(
                f,
                Diagnostic::new(
                    Code::IncompleteMetadata,
                    g.id.span,
                    format!("guideline `{}` has no {list}", g.id.dotted()),
                )
                .label("incomplete metadata")
                .help(format!("add {list} to the `guideline` block; readers and registries need them")),
            );
        }
    }

    fn enum_decl(&mut self, f: FileId, e: &'a ast::EnumDecl) {
        if e.values.is_empty() {
            self.report(
                f,
                Diagnostic::new(Code::Missing, e.name.span, format!("enum `{}` has no values", e.name.name))
                    .label("empty enum")
                    .help("list its values: `enum site { neck, low_back }`"),
            );
        }
        if e.values.len() > guidepath_ir::MAX_ENUM_VALUES {
            self.report(f, too_many_values(&e.name, e.values.len()));
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for v in &e.values {
            if let Some(prev) = seen.insert(&v.name.name, v.name.span) {
                self.report(f, duplicate(&v.name, prev, "value"));
            }
        }
    }

    fn instrument(&mut self, f: FileId, ins: &'a ast::Instrument) {
        let cx = Cx { file: f, instrument: Some(ins) };
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let names = ins
            .items
            .iter()
            .map(|i| &i.name)
            .chain(ins.scores.iter().map(|s| &s.name))
            .chain(ins.strats.iter().map(|s| &s.name))
            .chain(ins.defines.iter().map(|d| &d.name));
        let mut dups = Vec::new();
        for n in names {
            if let Some(prev) = seen.insert(&n.name, n.span) {
                dups.push(duplicate(n, prev, "member"));
            }
        }
        for d in dups {
            self.report(f, d);
        }
        let mut has_source = false;
        let mut has_title = ins.title.is_some();
        for m in &ins.meta {
            match &m.kind {
                ast::MetaKind::Source { .. } => has_source = true,
                ast::MetaKind::Title(_) => has_title = true,
                ast::MetaKind::Language(l) if !LANGUAGES.contains(&l.name.as_str()) => {
                    self.report(f, unknown_value(&l.name, l.span, "language", LANGUAGES.to_vec()));
                }
                _ => {}
            }
        }
        let missing: Vec<&str> =
            [(!has_title).then_some("`title`"), (!has_source).then_some("`source`")].into_iter().flatten().collect();
        if !missing.is_empty() {
            self.report(
                f,
                Diagnostic::new(
                    Code::IncompleteMetadata,
                    ins.name.span,
                    format!("instrument `{}` has no {}", ins.name.name, missing.join(" or ")),
                )
                .label("incomplete metadata")
                .help("cite the publication that defines the instrument and its scoring with `source \"…\"`"),
            );
        }
        for item in &ins.items {
            self.item(f, item);
        }
        for s in &ins.scores {
            self.score_ty(cx, s);
        }
        for d in &ins.defines {
            self.define_ty(cx, d);
        }
        for s in &ins.strats {
            self.stratify(cx, s);
        }
    }

    fn item(&mut self, f: FileId, item: &'a ast::ItemDecl) {
        match &item.ty {
            ast::ItemType::Integer(r) => {
                self.check_range(f, r);
                if !(r.lo.is_integer && r.hi.is_integer) {
                    self.report(
                        f,
                        Diagnostic::new(Code::InvalidRange, r.span, "an integer item has a range with decimals")
                            .label("decimal bound")
                            .help("answers on a form are whole numbers: use e.g. `0..10`"),
                    );
                }
                if let Some(u) = &r.unit {
                    self.report(
                        f,
                        Diagnostic::new(Code::UnexpectedUnit, u.span, "an item's answer has no unit")
                            .label("unit not allowed here")
                            .help("remove the unit; item answers score as points"),
                    );
                }
            }
            ast::ItemType::Choice(opts, span) => {
                if opts.is_empty() {
                    self.report(
                        f,
                        Diagnostic::new(Code::Missing, *span, format!("item `{}` has no options", item.name.name))
                            .label("no options")
                            .help("list the answers with their points: `choice { no = 0, yes = 1 }`"),
                    );
                }
                if opts.len() > guidepath_ir::MAX_ENUM_VALUES {
                    self.report(f, too_many_values(&item.name, opts.len()));
                }
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for o in opts {
                    if let Some(prev) = seen.insert(&o.name.name, o.name.span) {
                        self.report(f, duplicate(&o.name, prev, "option"));
                    }
                }
            }
            ast::ItemType::Boolean(_) => {}
        }
        if let Some(rev) = item.reverse {
            if !matches!(item.ty, ast::ItemType::Integer(_)) {
                self.report(
                    f,
                    Diagnostic::new(Code::TypeMismatch, rev, "only integer items can be reverse-scored")
                        .label("`reverse` here")
                        .help("for a `choice` item, give each option its points instead"),
                );
            }
        }
    }

    fn stratify(&mut self, cx: Cx<'a>, s: &'a ast::Stratify) {
        let key = (cx.file, s.name.span.start);
        let saved = self.node(key, &s.name.name, s.name.span);
        if let Some(pop) = &s.population {
            if let Some(e) = self.resolve(cx, pop) {
                let t = answer(self.entity_ty(cx, e, pop.span));
                if !matches!(t, Ty::Bool | Ty::Error) {
                    self.report(
                        cx.file,
                        Diagnostic::new(
                            Code::TypeMismatch,
                            pop.span,
                            format!("a population must be a condition, not {}", t.describe()),
                        )
                        .label("not a condition")
                        .help("name a `define` that says who is in the population"),
                    );
                }
            }
        }
        for b in &s.by {
            if let Some(e) = self.resolve(cx, b) {
                self.entity_ty(cx, e, b.span);
            }
        }
        if s.strata.is_empty() {
            self.report(
                cx.file,
                Diagnostic::new(Code::Missing, s.name.span, format!("stratification `{}` has no strata", s.name.name))
                    .label("no strata")
                    .help("add strata: `low when total <= 3`"),
            );
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for st in &s.strata {
            if let Some(prev) = seen.insert(&st.name.name, st.name.span) {
                self.report(cx.file, duplicate(&st.name, prev, "stratum"));
            }
            self.expect_bool(cx, &st.when);
        }
        self.current = saved;
    }

    /// `status`, `review by` and `priority` of a guideline (`rec` is `None`)
    /// or a recommendation; returns the entry's key, for duplicates.
    fn lifecycle(
        &mut self,
        cx: Cx<'a>,
        kind: &'a ast::MetaKind,
        keyword: Span,
        rec: Option<&'a ast::Recommend>,
    ) -> &'static str {
        let f = cx.file;
        match kind {
            ast::MetaKind::Status { status, by, since } => {
                if !STATUSES.contains(&status.name.as_str()) {
                    self.report(f, unknown_value(&status.name, status.span, "status", STATUSES.to_vec()));
                }
                if let Some(d) = since {
                    self.date(f, d);
                }
                let superseded = status.name == "superseded";
                match (by, superseded) {
                    (Some(by), false) => self.report(
                        f,
                        Diagnostic::new(
                            Code::Lifecycle,
                            by.span,
                            format!("`by` goes with `superseded`, not `{}`", status.name),
                        )
                        .label("superseded by what?")
                        .help("write `status superseded by …`, or leave `by` out"),
                    ),
                    (None, true) => self.report(
                        f,
                        Diagnostic::new(Code::Missing, keyword.join(status.span), "`superseded` needs `by`")
                            .label("superseded by what?")
                            .help("name what replaces it: `status superseded by new_recommendation`"),
                    ),
                    (Some(by), true) => self.successor(cx, by, rec),
                    (None, false) => {}
                }
                "status"
            }
            ast::MetaKind::Review(d) => {
                self.date(f, d);
                "review"
            }
            ast::MetaKind::Priority(n) => {
                if !n.is_integer || n.value < 1.0 {
                    self.report(
                        f,
                        Diagnostic::new(
                            Code::Lifecycle,
                            n.span,
                            format!("priority `{}` is not a whole number from 1", n.text),
                        )
                        .label("not a rank")
                        .help("the forum's order of work: 1 first, then 2, …"),
                    );
                }
                "priority"
            }
            _ => "",
        }
    }

    /// What `superseded by` names: a recommendation in scope (not this
    /// one), or for a guideline another guideline among the files checked.
    fn successor(&mut self, cx: Cx<'a>, by: &'a ast::Path, rec: Option<&'a ast::Recommend>) {
        let f = cx.file;
        let Some(rec) = rec else {
            let id = by.dotted();
            let known =
                self.db.files.iter().any(|file| {
                    file.ast.items.iter().any(|i| matches!(i, ast::Item::Guideline(g) if g.id.dotted() == id))
                });
            if !known {
                self.report(
                    f,
                    Diagnostic::new(
                        Code::SuccessorNotChecked,
                        by.span,
                        format!("no guideline `{id}` among the files checked"),
                    )
                    .label("not found here")
                    .help("check the folder that holds both guidelines, or correct the id"),
                );
            }
            return;
        };
        if by.segments.len() == 1 && by.segments[0].name == rec.name.name {
            self.report(
                f,
                Diagnostic::new(Code::SupersededBy, by.span, format!("`{}` cannot supersede itself", rec.name.name))
                    .label("itself")
                    .help("name the recommendation that replaces it"),
            );
            return;
        }
        match self.resolve(cx, by) {
            Some(Entity::Rec(..)) => {}
            Some(other) => self.report(
                f,
                Diagnostic::new(
                    Code::SupersededBy,
                    by.span,
                    format!("`{}` is {}, not a recommendation", by.dotted(), other.kind()),
                )
                .label("not a recommendation")
                .help("a recommendation is superseded by a recommendation"),
            ),
            // `resolve` reported the unknown name.
            None => {}
        }
    }

    fn recommend(&mut self, cx: Cx<'a>, r: &'a ast::Recommend) {
        let f = cx.file;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut has_when = false;
        for e in &r.entries {
            let key: &'static str = match &e.kind {
                ast::RecEntryKind::When(expr) => {
                    has_when = true;
                    self.expect_bool(cx, expr);
                    "when"
                }
                ast::RecEntryKind::Strength(s) if strength_mark(&s.name).is_some() => {
                    let against = strength_mark(&s.name).and_then(|(_, against)| against);
                    if let Some(against) = against.filter(|a| *a != (r.direction == ast::Direction::Against)) {
                        let (mark, dir) = if against { ("against", "for") } else { ("for", "against") };
                        self.report(
                            f,
                            Diagnostic::new(
                                Code::Lifecycle,
                                s.span,
                                format!(
                                    "strength `{}` is a recommendation {mark}, but `{}` is {dir}",
                                    s.name, r.name.name
                                ),
                            )
                            .label(mark)
                            .help(if against {
                                "write `recommend against …`, or use ↑↑ or ↑"
                            } else {
                                "write `recommend …` (for), or use ↓↓ or ↓"
                            }),
                        );
                    }
                    "strength"
                }
                ast::RecEntryKind::Strength(s) => {
                    if !STRENGTHS.contains(&s.name.as_str()) {
                        self.report(f, unknown_value(&s.name, s.span, "strength", STRENGTHS.to_vec()));
                    }
                    "strength"
                }
                ast::RecEntryKind::Certainty(c) => {
                    if !CERTAINTIES.contains(&c.name.as_str()) {
                        self.report(f, unknown_value(&c.name, c.span, "certainty", CERTAINTIES.to_vec()));
                    }
                    "certainty"
                }
                ast::RecEntryKind::Lifecycle(kind) => self.lifecycle(cx, kind, e.keyword, Some(r)),
                ast::RecEntryKind::Action(_) => "action",
                ast::RecEntryKind::Level(_) => "level",
                ast::RecEntryKind::Rationale(_) | ast::RecEntryKind::Reference { .. } | ast::RecEntryKind::Title(_) => {
                    continue
                }
            };
            if let Some(prev) = seen.insert(key, e.span) {
                self.report(
                    f,
                    Diagnostic::new(Code::Duplicate, e.span, format!("`{key}` is given twice"))
                        .label("again here")
                        .related(prev, "first here")
                        .help(if key == "when" {
                            "join the conditions with `and` or `or` in one `when`"
                        } else {
                            "keep one"
                        }),
                );
            }
        }
        if !has_when {
            self.report(
                f,
                Diagnostic::new(Code::Missing, r.name.span, format!("recommendation `{}` has no `when`", r.name.name))
                    .label("applies to whom?")
                    .help("say who it applies to: `when target_population and …`"),
            );
        }
    }

    /// `allow kind in target because "reason"`: the kind must be a finding,
    /// the target a declaration of this file, the reason written out.
    fn allow(&mut self, f: FileId, a: &'a ast::Allow) {
        if Code::allowed_by(&a.kind.name).is_none() {
            let kinds: Vec<&str> = guidepath_syntax::FINDING_KINDS.iter().map(|(k, _)| *k).collect();
            self.report(f, unknown_value(&a.kind.name, a.kind.span, "the findings an `allow` accepts", kinds));
        }
        let targets = allow_targets(&self.db.files[f].ast);
        let target = a.target.dotted();
        if !targets.contains(&target) {
            let d = Diagnostic::new(
                Code::UnknownName,
                a.target.span,
                format!("`{target}` is not a declaration of this file"),
            )
            .label("nothing to allow here");
            self.report(
                f,
                match suggest(&target, targets.iter().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean `{s}`?")).fix(a.target.span, s),
                    None => d.help("name a stratification, recommendation, definition, pathway or step of this file"),
                },
            );
        }
        if a.reason.value.trim().is_empty() {
            self.report(
                f,
                Diagnostic::new(Code::Missing, a.reason.span, "an `allow` needs a reason")
                    .label("empty reason")
                    .help("say why the finding is accepted, for the next reader of the guideline"),
            );
        }
    }

    fn pathway(&mut self, cx: Cx<'a>, p: &'a ast::Pathway) {
        let f = cx.file;
        if let Some(w) = &p.when {
            self.expect_bool(cx, w);
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for s in &p.steps {
            if let Some(prev) = seen.insert(&s.name.name, s.name.span) {
                self.report(f, duplicate(&s.name, prev, "step"));
            }
        }
        if p.steps.is_empty() {
            self.report(
                f,
                Diagnostic::new(Code::Missing, p.name.span, format!("pathway `{}` has no steps", p.name.name))
                    .label("no steps")
                    .help("add steps: `step first_visit { within 1 month after referral_date }`"),
            );
        }
        let step_names: Vec<&'a str> = p.steps.iter().map(|s| s.name.name.as_str()).collect();
        // Edges between steps: `after` and limits anchored on a step.
        let mut edges: Vec<(usize, usize, Span)> = Vec::new();
        for lim in &p.limits {
            self.time_limit(cx, p, lim, None, &mut edges);
        }
        for (i, s) in p.steps.iter().enumerate() {
            if let Some(w) = &s.when {
                self.expect_bool(cx, w);
            }
            for lim in &s.limits {
                self.time_limit(cx, p, lim, Some(i), &mut edges);
            }
            for a in &s.after {
                match step_names.iter().position(|n| *n == a.name) {
                    Some(j) => {
                        self.record(f, a.span, &Entity::Step(f, p, &p.steps[j]));
                        edges.push((i, j, a.span));
                    }
                    None => self.report(f, unknown_step(a, p, &step_names)),
                }
            }
            for m in &s.if_missed {
                if let Some(t) = &m.then {
                    match p.steps.iter().find(|x| x.name.name == t.name) {
                        Some(target) => self.record(f, t.span, &Entity::Step(f, p, target)),
                        None => self.report(f, unknown_step(t, p, &step_names)),
                    }
                }
            }
        }
        // Step cycles.
        let n = p.steps.len();
        let adj: Vec<Vec<usize>> = (0..n).map(|i| edges.iter().filter(|e| e.0 == i).map(|e| e.1).collect()).collect();
        for comp in graph::cycles(&adj) {
            let Some(&i) = comp.first() else { continue };
            // Point at the order that closes the cycle from its first step.
            let span = edges.iter().find(|e| e.0 == i && comp.contains(&e.1)).map_or(p.steps[i].name.span, |e| e.2);
            let names: Vec<String> = comp.iter().map(|k| format!("`{}`", p.steps[*k].name.name)).collect();
            let message = match names.as_slice() {
                [one] => format!("step {one} comes after itself"),
                _ => format!("steps {} come after each other in a cycle", names.join(", ")),
            };
            self.report(
                f,
                Diagnostic::new(Code::Cycle, span, message)
                    .label("this order closes a cycle")
                    .help("steps must follow each other in one direction; remove one `after` or anchor"),
            );
        }
    }

    fn time_limit(
        &mut self,
        cx: Cx<'a>,
        p: &'a ast::Pathway,
        lim: &'a ast::TimeLimit,
        step: Option<usize>,
        edges: &mut Vec<(usize, usize, Span)>,
    ) {
        let f = cx.file;
        let q = &lim.amount;
        match &q.unit {
            None => self.report(
                f,
                Diagnostic::new(Code::MissingUnit, q.span, format!("time limit `{}` has no unit", q.number.text))
                    .label("plain number")
                    .help(format!(
                        "write the unit: `within {} months` or `within {} days`",
                        q.number.text, q.number.text
                    )),
            ),
            Some(u) => {
                if let Some(unit) = self.unit(f, u) {
                    if unit.time_family().is_none() {
                        self.report(
                            f,
                            Diagnostic::new(Code::UnitMismatch, q.span, format!("a time limit cannot be in {unit}"))
                                .label("not a time unit")
                                .help("use years, months, weeks or days"),
                        );
                    } else {
                        self.duration_amount(f, q.number.value, unit, q.span);
                    }
                }
            }
        }
        let anchor = &lim.anchor;
        if anchor.segments.len() == 1 {
            if let Some(j) = p.steps.iter().position(|s| s.name.name == anchor.segments[0].name) {
                self.record(cx.file, anchor.segments[0].span, &Entity::Step(cx.file, p, &p.steps[j]));
                if let Some(i) = step {
                    edges.push((i, j, anchor.span));
                }
                return;
            }
        }
        let Some(e) = self.resolve(cx, anchor) else { return };
        let t = answer(self.entity_ty(cx, e, anchor.span));
        if !matches!(t, Ty::Date | Ty::Error) {
            self.report(
                f,
                Diagnostic::new(
                    Code::TypeMismatch,
                    anchor.span,
                    format!("a time limit counts from a date or a step, but `{}` is {}", anchor.dotted(), t.describe()),
                )
                .label("not a date")
                .help("name a `date` input such as `referral_date`, or an earlier step"),
            );
        }
    }

    // --------------------------------------------------------------- tests --

    fn test(&mut self, cx: Cx<'a>, t: &'a ast::TestDecl) {
        self.in_test = true;
        let mut seen: HashMap<String, Span> = HashMap::new();
        for g in &t.given {
            self.given_members(cx, None, &g.object, &mut seen);
        }
        for e in &t.expects {
            self.expectation(cx, e);
        }
        self.in_test = false;
    }

    fn given_members(
        &mut self,
        cx: Cx<'a>,
        owner: Option<(Entity<'a>, String)>,
        members: &'a [ast::Member],
        seen: &mut HashMap<String, Span>,
    ) {
        let f = cx.file;
        for m in members {
            let entity = match &owner {
                None => self.resolve(cx, &m.key),
                Some((o, prefix)) => {
                    let mut e = Some(*o);
                    let mut text = prefix.clone();
                    for seg in &m.key.segments {
                        let Some(cur) = e else { break };
                        e = self.member(cur, &seg.name);
                        if e.is_none() {
                            let names = self.member_names(cur);
                            self.report(f, unknown_name(&seg.name, seg.span, Some(&text), names));
                        }
                        text.push('.');
                        text.push_str(&seg.name);
                    }
                    e
                }
            };
            let Some(e) = entity else { continue };
            let full = match &owner {
                Some((_, prefix)) => format!("{prefix}.{}", m.key.dotted()),
                None => m.key.dotted(),
            };
            if let ast::Value::Object(inner, _) = &m.value {
                if matches!(e, Entity::Instrument(..) | Entity::Module(..)) {
                    self.given_members(cx, Some((e, full)), inner, seen);
                    continue;
                }
            }
            if let Some(prev) = seen.insert(full.clone(), m.key.span) {
                self.report(
                    f,
                    Diagnostic::new(Code::Duplicate, m.key.span, format!("`{full}` is given twice"))
                        .label("again here")
                        .related(prev, "first here")
                        .help("give each field once"),
                );
            }
            let ty = match e {
                Entity::Input(..) | Entity::Item(..) => answer(self.entity_ty(cx, e, m.key.span)),
                other => {
                    self.report(
                        f,
                        Diagnostic::new(
                            Code::BadTest,
                            m.key.span,
                            format!("`{full}` is {}, not patient data", other.kind()),
                        )
                        .label("cannot be given")
                        .help("a test gives inputs and instrument items; the rest is computed"),
                    );
                    continue;
                }
            };
            self.test_value(f, &full, &ty, &m.value);
        }
    }

    fn test_value(&mut self, f: FileId, name: &str, ty: &Ty<'a>, v: &'a ast::Value) {
        let bad = |this: &mut Self, expected: String| {
            this.report(
                f,
                Diagnostic::new(Code::BadTest, v.span(), format!("`{name}` takes {expected}"))
                    .label("wrong kind of value")
                    .help(format!("give `{name}` {expected}")),
            );
        };
        match (ty, v) {
            (Ty::Error, _) => {}
            (Ty::Bool, ast::Value::Bool(..)) => {}
            (Ty::Num { unit, integer, range }, ast::Value::Quantity(q)) => {
                let qu = q.unit.as_ref().and_then(|u| self.unit(f, u));
                if q.unit.is_some() && qu.is_some() && qu != *unit {
                    bad(self, ty.describe());
                } else if *integer && !q.number.is_integer {
                    bad(self, "a whole number".into());
                } else if let Some(iv) = range {
                    if !iv.contains(q.number.value) {
                        self.report(
                            f,
                            Diagnostic::new(
                                Code::BadTest,
                                q.span,
                                format!("`{}` is outside the range of `{name}`, {}", q.number.text, fmt_interval(iv)),
                            )
                            .label("out of range")
                            .help(format!("give a value in {}", fmt_interval(iv))),
                        );
                    }
                }
            }
            (Ty::Duration(_), ast::Value::Quantity(q)) => match q.unit.as_ref().and_then(|u| self.unit(f, u)) {
                Some(u) if u.time_family().is_some() => self.duration_amount(f, q.number.value, u, q.span),
                Some(_) => bad(self, "a duration such as `4 months`".into()),
                None if q.unit.is_none() => bad(self, "a duration with a unit, such as `4 months`".into()),
                None => {}
            },
            (Ty::Date, ast::Value::Date(d)) => {
                self.date(f, d);
            }
            (Ty::Text, ast::Value::Text(_)) => {}
            (Ty::Enum(en), ast::Value::Name(n)) => {
                if !en.has(&n.name) {
                    self.report(f, unknown_value(&n.name, n.span, &format!("`{}`", en.name()), en.values()));
                }
            }
            (Ty::Set(en), ast::Value::List(items, _)) => {
                for it in items {
                    match it {
                        ast::Value::Name(n) if en.has(&n.name) => {}
                        ast::Value::Name(n) => {
                            self.report(f, unknown_value(&n.name, n.span, &format!("`{}`", en.name()), en.values()))
                        }
                        other => self.report(
                            f,
                            Diagnostic::new(
                                Code::BadTest,
                                other.span(),
                                format!("`{name}` holds values of `{}`", en.name()),
                            )
                            .label("not a value of the enum")
                            .help(format!("use values such as `{}`", en.values().first().copied().unwrap_or("…"))),
                        ),
                    }
                }
            }
            (other, _) => bad(self, other.describe()),
        }
    }

    fn expectation(&mut self, cx: Cx<'a>, e: &'a ast::Expect) {
        let f = cx.file;
        // A lone step name is found in the file's pathways.
        let entity = if e.target.segments.len() == 1 && self.lookup(cx, &e.target.segments[0].name).is_none() {
            self.find_step(f, &e.target.segments[0].name).or_else(|| self.resolve(cx, &e.target))
        } else {
            self.resolve(cx, &e.target)
        };
        let Some(ent) = entity else { return };
        use ast::ExpectKind as K;
        let target = e.target.dotted();
        if let K::Undecided(fields) = &e.kind {
            for p in fields {
                match self.resolve(cx, p) {
                    Some(Entity::Input(..) | Entity::Item(..)) | None => {}
                    Some(other) => self.report(
                        f,
                        Diagnostic::new(
                            Code::BadTest,
                            p.span,
                            format!("`{}` is {}, not a field", p.dotted(), other.kind()),
                        )
                        .label("not a field")
                        .help("after `because`, name the input fields that keep the result open"),
                    ),
                }
            }
        }
        let ok = match (&ent, &e.kind) {
            (_, K::Undecided(_)) => true,
            (Entity::Rec(..), K::Applies | K::DoesNotApply) => true,
            (Entity::Strat(..), K::NotApplicable) => true,
            (Entity::Step(..) | Entity::Pathway(..), K::Applies | K::DoesNotApply | K::NotApplicable) => true,
            (Entity::Strat(_, _, s), K::Is(v)) => {
                if s.strata.iter().any(|x| x.name.name == v.name) {
                    self.record_stratum(f, v.span, s, &v.name);
                } else {
                    let values = s.strata.iter().map(|x| x.name.name.as_str()).collect();
                    self.report(f, unknown_value(&v.name, v.span, &format!("stratification `{target}`"), values));
                }
                true
            }
            (Entity::Step(..), K::Due(d)) => {
                self.date(f, d);
                true
            }
            (Entity::Define(..) | Entity::Score(..) | Entity::Input(..) | Entity::Item(..), kind) => {
                let t = answer(self.entity_ty(cx, ent, e.target.span));
                match (&t, kind) {
                    (Ty::Error, _) => true,
                    (Ty::Bool, K::Applies | K::DoesNotApply) => true,
                    (Ty::Num { range, .. }, K::Equals(_) | K::In(_)) => {
                        let values: Vec<&ast::Number> = match kind {
                            K::Equals(q) => vec![&q.number],
                            K::In(r) => vec![&r.lo, &r.hi],
                            _ => vec![],
                        };
                        if let Some(iv) = range {
                            for n in values.into_iter().filter(|n| !iv.contains(n.value)) {
                                self.report(
                                    f,
                                    Diagnostic::new(
                                        Code::BadTest,
                                        n.span,
                                        format!(
                                            "`{target}` can never be {}: its range is {}",
                                            n.text,
                                            fmt_interval(iv)
                                        ),
                                    )
                                    .label("out of range")
                                    .help(format!("expect a value in {}", fmt_interval(iv))),
                                );
                            }
                        }
                        true
                    }
                    (Ty::Enum(en), K::Is(v)) => {
                        if !en.has(&v.name) {
                            self.report(f, unknown_value(&v.name, v.span, &format!("`{}`", en.name()), en.values()));
                        }
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            let allowed = match ent {
                Entity::Rec(..) => "`applies`, `does not apply` or `undecided`",
                Entity::Strat(..) => "`is <stratum>`, `not applicable` or `undecided`",
                Entity::Step(..) => "`applies`, `not applicable`, `due <date>` or `undecided`",
                Entity::Pathway(..) => "`applies`, `not applicable` or `undecided`",
                Entity::Define(..) | Entity::Score(..) | Entity::Input(..) | Entity::Item(..) => {
                    "`applies`/`does not apply` for conditions, `= n` or `in a..b` for numbers, `is` for strata and enums"
                }
                _ => "nothing: only recommendations, strata, scores, definitions, pathways and steps have outcomes",
            };
            self.report(
                f,
                Diagnostic::new(
                    Code::BadTest,
                    e.span,
                    format!("this expectation does not fit `{target}`, {}", ent.kind()),
                )
                .label("mismatched expectation")
                .help(format!("for {} expect {allowed}", ent.kind())),
            );
        }
    }

    fn find_step(&self, f: FileId, name: &str) -> Option<Entity<'a>> {
        let db = self.db;
        db.files[f].ast.items.iter().find_map(|i| match i {
            ast::Item::Pathway(p) => p.steps.iter().find(|s| s.name.name == name).map(|s| Entity::Step(f, p, s)),
            _ => None,
        })
    }

    // ------------------------------------------------------- whole program --

    fn cycles(&mut self) {
        let keys: Vec<Key> = self.deps.keys().copied().collect();
        let index: HashMap<Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let adj: Vec<Vec<usize>> = keys
            .iter()
            .map(|k| self.deps.get(k).map_or(Vec::new(), |v| v.iter().filter_map(|t| index.get(t).copied()).collect()))
            .collect();
        for comp in graph::cycles(&adj) {
            // Report at the first member (in file order); name the others.
            let members: Vec<Key> = comp.iter().map(|i| keys[*i]).collect();
            let Some(&start) = members.first() else { continue };
            let Some((name, span)) = self.dep_names.get(&start).cloned() else { continue };
            let others: Vec<String> = members[1..]
                .iter()
                .take(5)
                .filter_map(|k| self.dep_names.get(k).map(|n| format!("`{}`", n.0)))
                .collect();
            let message = if others.is_empty() {
                format!("`{name}` depends on itself")
            } else {
                let more = if members.len() > 6 { format!(" and {} more", members.len() - 6) } else { String::new() };
                format!("`{name}` depends on itself through {}{more}", others.join(", "))
            };
            let mut d = Diagnostic::new(Code::Cycle, span, message)
                .label("part of a cycle")
                .help("a definition cannot use itself, directly or through others; break the cycle");
            for k in members[1..].iter().take(5) {
                if k.0 == start.0 {
                    if let Some((n, s)) = self.dep_names.get(k) {
                        d = d.related(*s, format!("`{n}` is in the cycle"));
                    }
                }
            }
            self.report(start.0, d);
        }
    }

    /// Unused, declared once (a duplicate is reported as such), and not
    /// the suggestion for a misspelling.
    fn reportable_unused(&self, f: FileId, name: &ast::Ident) -> bool {
        let key = (f, name.span.start);
        !self.used.contains(&key)
            && self.modules[f].names.get(name.name.as_str()).is_some_and(|e| e.key() == key)
            && !self.suggested.contains(&(f, name.name.clone()))
    }

    fn unused(&mut self) {
        let db = self.db;
        for f in 0..db.files.len() {
            for item in &db.files[f].ast.items {
                match item {
                    ast::Item::Define(d) if self.reportable_unused(f, &d.name) => {
                        let d = Diagnostic::new(
                            Code::Unused,
                            d.name.span,
                            format!("definition `{}` is never used", d.name.name),
                        )
                        .label("unused")
                        .help("use it in a rule, or remove it");
                        self.report(f, d);
                    }
                    ast::Item::Input(block) => {
                        for field in &block.fields {
                            let broken =
                                matches!(self.modules[f].input_types.get(&field.name.span.start), Some(Ty::Error));
                            if !broken && self.reportable_unused(f, &field.name) {
                                let d = Diagnostic::new(
                                    Code::Unused,
                                    field.name.span,
                                    format!("input `{}` is never used", field.name.name),
                                )
                                .label("unused")
                                .help("use it in a rule or pathway, or remove it");
                                self.report(f, d);
                            }
                        }
                    }
                    _ => {}
                }
            }
            let unused: Vec<(String, Span)> = self.modules[f]
                .imports
                .iter()
                .enumerate()
                .filter(|(i, imp)| imp.file.is_some() && !self.used_imports.contains(&(f, *i)))
                .map(|(_, imp)| (imp.alias.clone(), imp.alias_span))
                .collect();
            for (alias, span) in unused {
                self.report(
                    f,
                    Diagnostic::new(Code::Unused, span, format!("`use` of `{alias}` is never used"))
                        .label("unused")
                        .help("refer to something it declares, or remove the `use`"),
                );
            }
        }
    }
}

fn instrument_member<'a>(f: FileId, ins: &'a ast::Instrument, name: &str) -> Option<Entity<'a>> {
    if let Some(i) = ins.items.iter().find(|i| i.name.name == name) {
        return Some(Entity::Item(f, ins, i));
    }
    if let Some(s) = ins.scores.iter().find(|s| s.name.name == name) {
        return Some(Entity::Score(f, ins, s));
    }
    if let Some(s) = ins.strats.iter().find(|s| s.name.name == name) {
        return Some(Entity::Strat(f, Some(ins), s));
    }
    ins.defines.iter().find(|d| d.name.name == name).map(|d| Entity::Define(f, Some(ins), d))
}

fn instrument_member_names(ins: &ast::Instrument) -> Vec<&str> {
    ins.items
        .iter()
        .map(|i| i.name.name.as_str())
        .chain(ins.scores.iter().map(|s| s.name.name.as_str()))
        .chain(ins.strats.iter().map(|s| s.name.name.as_str()))
        .chain(ins.defines.iter().map(|d| d.name.name.as_str()))
        .collect()
}

/// Whether `to` can be reached from `from` along `edges`.
/// A Danish NKR strength mark: its strength, and whether it says against
/// (↑↑ strong for, ↑ weak for, ↓ weak against, ↓↓ strong against; √ good
/// practice, either way).
pub fn strength_mark(mark: &str) -> Option<(&'static str, Option<bool>)> {
    Some(match mark {
        "↑↑" => ("strong", Some(false)),
        "↑" => ("weak", Some(false)),
        "↓" => ("weak", Some(true)),
        "↓↓" => ("strong", Some(true)),
        "√" => ("good_practice", None),
        _ => return None,
    })
}

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

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn fmt_interval(iv: &Interval) -> String {
    format!("`{}..{}`", fmt_num(iv.lo), fmt_num(iv.hi))
}

/// `to` named relative to the folder of `from`, the way `use` paths are
/// (`../lib/national.guide`), so that messages do not depend on where the
/// check was started.
fn shown_path(from: &std::path::Path, to: &std::path::Path) -> String {
    let mut up = String::new();
    let mut dir = from.parent();
    while let Some(d) = dir {
        if let Ok(rest) = to.strip_prefix(d) {
            return format!("{up}{}", rest.display());
        }
        up.push_str("../");
        dir = d.parent();
    }
    to.display().to_string()
}

fn unknown_name(name: &str, span: Span, owner: Option<&str>, candidates: Vec<&str>) -> Diagnostic {
    let message = match owner {
        Some(o) => format!("`{o}` has no member `{name}`"),
        None => format!("unknown name `{name}`"),
    };
    let d = Diagnostic::new(Code::UnknownName, span, message).label("not found");
    match suggest(name, candidates.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(span, s),
        None => d.help(match owner {
            Some(o) => format!("check the members of `{o}`"),
            None => "declare it in `input { … }` or with `define`, or `use` the file that declares it".into(),
        }),
    }
}

/// The names an `allow` in `file` can point at: its stratifications
/// (also inside instruments, as `instrument.name`), recommendations,
/// definitions, pathways and steps (as `pathway.step`).
pub fn allow_targets(file: &ast::File) -> Vec<String> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            ast::Item::Stratify(s) => out.push(s.name.name.clone()),
            ast::Item::Recommend(r) => out.push(r.name.name.clone()),
            ast::Item::Define(d) => out.push(d.name.name.clone()),
            ast::Item::Pathway(p) => {
                out.push(p.name.name.clone());
                out.extend(p.steps.iter().map(|s| format!("{}.{}", p.name.name, s.name.name)));
            }
            ast::Item::Instrument(ins) => {
                out.extend(ins.strats.iter().map(|s| format!("{}.{}", ins.name.name, s.name.name)));
                out.extend(ins.defines.iter().map(|d| format!("{}.{}", ins.name.name, d.name.name)));
                out.extend(ins.scores.iter().map(|d| format!("{}.{}", ins.name.name, d.name.name)));
            }
            _ => {}
        }
    }
    out
}

fn unknown_value(name: &str, span: Span, owner: &str, values: Vec<&str>) -> Diagnostic {
    let d =
        Diagnostic::new(Code::UnknownValue, span, format!("`{name}` is not a value of {owner}")).label("unknown value");
    match suggest(name, values.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(span, s),
        None => {
            let list: Vec<String> = values.iter().take(8).map(|v| format!("`{v}`")).collect();
            d.help(format!("the values are {}", list.join(", ")))
        }
    }
}

fn unknown_step(name: &ast::Ident, p: &ast::Pathway, steps: &[&str]) -> Diagnostic {
    let d =
        Diagnostic::new(Code::UnknownName, name.span, format!("pathway `{}` has no step `{}`", p.name.name, name.name))
            .label("no such step");
    match suggest(&name.name, steps.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(name.span, s),
        None => d.help("name a step of this pathway"),
    }
}

fn duplicate(name: &ast::Ident, prev: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::Duplicate, name.span, format!("{what} `{}` is declared twice", name.name))
        .label("declared again here")
        .related(prev, "first declared here")
        .help("remove or rename one of them")
}

fn too_many_values(name: &ast::Ident, count: usize) -> Diagnostic {
    let max = guidepath_ir::MAX_ENUM_VALUES;
    Diagnostic::new(
        Code::TooManyValues,
        name.span,
        format!("`{}` has {count} values; at most {max} are supported", name.name),
    )
    .label("too many values")
    .help("split it into several enums, or use a text field")
}

fn incomparable(span: Span, a: TimeFamily, b: TimeFamily) -> Diagnostic {
    Diagnostic::new(Code::IncomparableUnits, span, format!("{} cannot be compared with {} exactly", a.name(), b.name()))
        .label("different kinds of duration")
        .help("a month has 28 to 31 days: state the limit in the field's own unit (1 year = 12 months and 1 week = 7 days are exact)")
}

fn unit_mismatch_range(r: &ast::Range, field: Option<Unit>, range: Unit) -> Diagnostic {
    let field = field.map_or("has no unit".to_string(), |u| format!("is in {u}"));
    Diagnostic::new(Code::UnitMismatch, r.span, format!("the range is in {range} but the field {field}"))
        .label("units differ")
        .help("write the range in the field's unit, or leave the unit out")
}
