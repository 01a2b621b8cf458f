//! Lowering a checked file to the compiled artifact.
//!
//! Runs only on files without errors, so every name resolves; where
//! something still does not (it cannot), the lowering degrades to a constant
//! rather than panicking.
//!
//! This file collects inputs and nodes in dependency order and builds the
//! artifact; `rules.rs` lowers expressions, recommendations and pathways,
//! `tests.rs` the inline tests.

use super::{answer, strength_mark, Checker, Cx, Entity, Key};
use crate::db::{relative_path, FileId};
use guidepath_ir as ir;
use guidepath_syntax::ast::{self, Expr, ExprKind};
use guidepath_syntax::Span;
use std::collections::{HashMap, HashSet};
use std::path::Path;

mod rules;
mod tests;

/// An inline test, ready to run against the artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    pub name: String,
    pub at: ir::Loc,
    /// The `given` data as patient JSON.
    pub patient: serde_json::Value,
    pub expects: Vec<Expectation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub target: Target,
    pub expected: Expected,
    /// The line as written, for reports.
    pub text: String,
    pub at: ir::Loc,
}

/// What an expectation is about, by its id in the artifact.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Recommendation(String),
    /// A node: a definition, score or stratification.
    Node(String),
    Pathway(String),
    Step {
        pathway: String,
        step: String,
    },
    Input(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Applies,
    DoesNotApply,
    NotApplicable,
    /// With the input paths that keep it open, when the test names them.
    Undecided(Option<Vec<String>>),
    Is(String),
    Equals(f64),
    In(f64, f64),
    Due(i64),
}

#[derive(Debug)]
pub struct Lowered {
    /// The artifact; sealed (its `content_hash` and each source file's
    /// `sha256` set) when lowered for use outside this process
    /// ([`crate::compile`]), not when lowered only to be analysed
    /// ([`crate::check_and_lower`]): hashing costs as much as the rest of
    /// lowering together, and nothing in the analysis reads a hash.
    pub artifact: ir::Artifact,
    pub tests: Vec<TestCase>,
    /// For the consistency analysis across files: the artifact again, with
    /// the recommendations of the files the root uses appended (their ids
    /// are `alias.name`). `None` when those files recommend nothing. Never
    /// sealed: it is only analysed.
    pub with_imports: Option<ir::Artifact>,
}

pub(super) struct Lower<'c, 'a> {
    ch: &'c mut Checker<'a>,
    root: FileId,
    with_imports: bool,
    /// Whether the source files' hashes are wanted (a sealed artifact).
    hash_sources: bool,
    prefixes: HashMap<FileId, String>,
    inputs: Vec<ir::Input>,
    input_index: HashMap<Key, u32>,
    nodes: Vec<ir::Node>,
    node_index: HashMap<Key, u32>,
    /// `source.files` of the artifact, and each file's index in it.
    files: Vec<ir::SourceFile>,
    file_index: HashMap<FileId, u32>,
    places: Vec<ir::Place>,
}

impl<'a> Checker<'a> {
    /// Lowers `root` (and what it uses) to an artifact with its tests;
    /// `seal`: compute the artifact's content hash.
    pub(crate) fn lower(&mut self, root: FileId, seal: bool) -> Lowered {
        let mut lowered = self.lower_one(root, false, seal);
        if seal {
            lowered.artifact.seal();
        }
        let imports_recommend = self.db.files.iter().enumerate().any(|(f, file)| {
            f != root && self.reaches(root, f) && file.ast.items.iter().any(|i| matches!(i, ast::Item::Recommend(_)))
        });
        if imports_recommend {
            lowered.with_imports = Some(self.lower_one(root, true, false).artifact);
        }
        lowered
    }

    /// Whether `from` uses `to`, directly or through other files.
    fn reaches(&self, from: FileId, to: FileId) -> bool {
        let mut seen = vec![from];
        let mut i = 0;
        while i < seen.len() {
            let f = seen[i];
            i += 1;
            for t in self.modules[f].imports.iter().filter_map(|imp| imp.file) {
                if t == to {
                    return true;
                }
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
        }
        false
    }

    fn lower_one(&mut self, root: FileId, with_imports: bool, hash_sources: bool) -> Lowered {
        let mut l = Lower {
            ch: self,
            root,
            with_imports,
            hash_sources,
            prefixes: HashMap::new(),
            inputs: Vec::new(),
            input_index: HashMap::new(),
            nodes: Vec::new(),
            node_index: HashMap::new(),
            files: Vec::new(),
            file_index: HashMap::new(),
            places: Vec::new(),
        };
        l.run()
    }
}

impl<'c, 'a> Lower<'c, 'a> {
    fn run(&mut self) -> Lowered {
        let db = self.ch.db;
        self.module_prefixes();
        self.source_files();
        let root_items = &db.files[self.root].ast.items;
        let cx = Cx { file: self.root, instrument: None };

        // Inputs: the file's own, then the items of its instruments and of
        // the instruments it uses, in the order written.
        for item in root_items {
            if let ast::Item::Input(block) = item {
                for f in &block.fields {
                    self.input(Entity::Input(self.root, f));
                }
            }
        }
        let instruments = self.instruments();
        for &(f, ins) in &instruments {
            for it in &ins.items {
                self.input(Entity::Item(f, ins, it));
            }
        }

        // Nodes: everything the file declares and its instruments, in an
        // order where each node comes after what it uses.
        let mut roots: Vec<Entity<'a>> = Vec::new();
        for &(f, ins) in &instruments {
            roots.extend(ins.scores.iter().map(|s| Entity::Score(f, ins, s)));
            roots.extend(ins.defines.iter().map(|d| Entity::Define(f, Some(ins), d)));
            roots.extend(ins.strats.iter().map(|s| Entity::Strat(f, Some(ins), s)));
        }
        for item in root_items {
            match item {
                ast::Item::Define(d) => roots.push(Entity::Define(self.root, None, d)),
                ast::Item::Stratify(s) => roots.push(Entity::Strat(self.root, None, s)),
                ast::Item::Recommend(r) => {
                    for e in &r.entries {
                        if let ast::RecEntryKind::When(w) = &e.kind {
                            roots.extend(self.entities_in(cx, w));
                        }
                    }
                }
                ast::Item::Pathway(p) => {
                    if let Some(w) = &p.when {
                        roots.extend(self.entities_in(cx, w));
                    }
                }
                _ => {}
            }
        }
        // The recommendations of used files, for the analysis across files.
        let mut imported: Vec<(FileId, &'a ast::Recommend)> = Vec::new();
        if self.with_imports {
            let mut files: Vec<FileId> = self.prefixes.keys().copied().filter(|f| *f != self.root).collect();
            files.sort_by(|a, b| db.files[*a].path.cmp(&db.files[*b].path));
            for f in files {
                for item in &db.files[f].ast.items {
                    if let ast::Item::Recommend(r) = item {
                        imported.push((f, r));
                    }
                }
            }
        }
        for &(f, r) in &imported {
            let cx = Cx { file: f, instrument: None };
            for e in &r.entries {
                if let ast::RecEntryKind::When(w) = &e.kind {
                    roots.extend(self.entities_in(cx, w));
                }
            }
        }
        for e in self.dependency_order(roots) {
            self.node(e);
        }

        let mut recommendations = Vec::new();
        let mut pathways = Vec::new();
        let mut tests = Vec::new();
        for item in root_items {
            match item {
                ast::Item::Recommend(r) => recommendations.push(self.recommendation(cx, r)),
                ast::Item::Pathway(p) => pathways.push(self.pathway(cx, p)),
                ast::Item::Test(t) => tests.push(self.test(cx, t)),
                _ => {}
            }
        }
        for &(f, r) in &imported {
            // Ids of used files' declarations carry their alias already.
            recommendations.push(self.recommendation(Cx { file: f, instrument: None }, r));
        }
        // An instrument file's own tests run against its own artifact.
        let mut artifact = ir::Artifact {
            schema: String::new(),
            content_hash: String::new(),
            guideline: self.metadata(&instruments),
            inputs: std::mem::take(&mut self.inputs),
            nodes: std::mem::take(&mut self.nodes),
            recommendations,
            pathways,
            instruments: instruments
                .iter()
                .map(|(f, ins)| ir::InstrumentInfo {
                    id: ins.name.name.clone(),
                    title: self.text(*f, ins.title.iter()),
                    codes: codes(&ins.codes),
                })
                .collect(),
            findings: Vec::new(),
            source: ir::Source { files: std::mem::take(&mut self.files), places: std::mem::take(&mut self.places) },
        };
        // Conditions are shown as the evaluator will show them: rebuilt
        // from the rules, as every reader derives them again.
        artifact.derive_texts();
        artifact.schema = artifact.written_schema_version();
        Lowered { artifact, tests, with_imports: None }
    }

    /// `""` for the root file, `alias.` for files it uses (breadth first).
    fn module_prefixes(&mut self) {
        self.prefixes.insert(self.root, String::new());
        let mut queue = vec![self.root];
        let mut i = 0;
        while i < queue.len() {
            let f = queue[i];
            i += 1;
            let base = self.prefixes.get(&f).cloned().unwrap_or_default();
            let imports: Vec<(String, Option<FileId>)> =
                self.ch.modules[f].imports.iter().map(|imp| (imp.alias.clone(), imp.file)).collect();
            for (alias, target) in imports {
                if let Some(t) = target {
                    if let std::collections::hash_map::Entry::Vacant(slot) = self.prefixes.entry(t) {
                        slot.insert(format!("{base}{alias}."));
                        queue.push(t);
                    }
                }
            }
        }
    }

    /// The root file's instruments and those of the files it uses.
    fn instruments(&self) -> Vec<(FileId, &'a ast::Instrument)> {
        let db = self.ch.db;
        let mut files: Vec<FileId> = vec![self.root];
        files.extend(self.ch.modules[self.root].imports.iter().filter_map(|i| i.file));
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for f in files {
            for item in &db.files[f].ast.items {
                if let ast::Item::Instrument(ins) = item {
                    if seen.insert(ins.name.name.as_str()) {
                        out.push((f, ins));
                    }
                }
            }
        }
        out
    }

    fn metadata(&self, instruments: &[(FileId, &'a ast::Instrument)]) -> ir::Metadata {
        let db = self.ch.db;
        let mut m = ir::Metadata::default();
        let g = db.files[self.root].ast.items.iter().find_map(|i| match i {
            ast::Item::Guideline(g) => Some(g),
            _ => None,
        });
        match g {
            Some(g) => {
                m.id = g.id.dotted();
                let titles = g.meta.iter().filter_map(|e| match &e.kind {
                    ast::MetaKind::Title(t) => Some(t),
                    _ => None,
                });
                m.title = self.text(self.root, g.title.iter().chain(titles));
                for e in &g.meta {
                    match &e.kind {
                        ast::MetaKind::Issuer(t) => m.issuer = Some(t.value.clone()),
                        ast::MetaKind::Version(t) => m.version = Some(t.value.clone()),
                        ast::MetaKind::Status { status, .. } => m.status = Some(status.name.clone()),
                        ast::MetaKind::Language(l) => m.language = Some(l.name.clone()),
                        ast::MetaKind::Source { text, url } => m.sources.push(ir::SourceRef {
                            title: self.text(self.root, std::iter::once(text)),
                            url: url.as_ref().map(|u| u.value.clone()),
                        }),
                        _ => {}
                    }
                }
            }
            // An instrument file: the instrument is the guideline.
            None => {
                if let Some((f, ins)) = instruments.first() {
                    m.id = ins.name.name.clone();
                    let titles = ins.meta.iter().filter_map(|e| match &e.kind {
                        ast::MetaKind::Title(t) => Some(t),
                        _ => None,
                    });
                    m.title = self.text(*f, ins.title.iter().chain(titles));
                    m.language = ins.meta.iter().find_map(|e| match &e.kind {
                        ast::MetaKind::Language(l) => Some(l.name.clone()),
                        _ => None,
                    });
                }
            }
        }
        m
    }

    /// `source.files`: the root, then the files it uses by their paths
    /// relative to the root's folder, so the artifact is the same from
    /// whatever folder it was compiled.
    fn source_files(&mut self) {
        let db = self.ch.db;
        let root_dir = db.files[self.root].real.parent().map(Path::to_path_buf).unwrap_or_default();
        let rel = |f: FileId| {
            let real = &db.files[f].real;
            let p = relative_path(&root_dir, real).unwrap_or_else(|| real.clone());
            p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
        };
        let mut others: Vec<(String, FileId)> =
            self.prefixes.keys().filter(|f| **f != self.root).map(|&f| (rel(f), f)).collect();
        others.sort();
        for (k, (path, f)) in std::iter::once((rel(self.root), self.root)).chain(others).enumerate() {
            self.file_index.insert(f, k as u32);
            let sha256 = if self.hash_sources { ir::hex_sha256(db.files[f].text.as_bytes()) } else { String::new() };
            self.files.push(ir::SourceFile { path, sha256 });
        }
    }

    /// A place for `source.places`, with the text as written when `text`.
    fn place(&mut self, file: FileId, span: Span) -> ir::At {
        let f = &self.ch.db.files[file];
        let lc = f.lines.line_col(&f.text, span.start);
        // A labelled condition's text is derived from the rules once the
        // artifact is built (`Artifact::derive_texts`), not taken as written.
        let file = self.file_index.get(&file).copied().unwrap_or(0);
        self.places.push(ir::Place { file, line: lc.line, column: lc.column, text: String::new() });
        (self.places.len() - 1) as ir::At
    }

    /// A place as shown in messages of `guidepath test`.
    fn loc(&self, file: FileId, span: Span) -> ir::Loc {
        let f = &self.ch.db.files[file];
        let lc = f.lines.line_col(&f.text, span.start);
        ir::Loc { file: f.path.display().to_string(), line: lc.line, column: lc.column }
    }

    /// Texts by language; one without a tag is in its file's language.
    fn text<'t>(&self, file: FileId, texts: impl IntoIterator<Item = &'t ast::Text>) -> ir::Text {
        let own = self.ch.db.files[file].ast.items.iter().find_map(|i| match i {
            ast::Item::Guideline(g) => g.meta.iter().find_map(|e| match &e.kind {
                ast::MetaKind::Language(l) => Some(l.name.clone()),
                _ => None,
            }),
            _ => None,
        });
        let mut out = ir::Text::default();
        for t in texts {
            let lang = t.lang.as_ref().map(|l| l.name.clone()).or_else(|| own.clone()).unwrap_or_else(|| "und".into());
            out.0.entry(lang).or_insert_with(|| t.value.clone());
        }
        out
    }

    /// A rule's quotes and assumptions as the artifact stores them; a text
    /// without a language tag is in the guideline's language.
    fn provenance(&self, file: FileId, p: &ast::Provenance) -> ir::Provenance {
        let lang = |t: &ast::Text| {
            let text = self.text(file, std::iter::once(t));
            text.0.into_keys().next().filter(|l| l != "und")
        };
        ir::Provenance {
            quotes: p
                .quotes
                .iter()
                .map(|q| ir::Quote {
                    text: q.text.value.clone(),
                    lang: lang(&q.text),
                    at: q.at.as_ref().map(|a| a.value.clone()),
                })
                .collect(),
            assumptions: p
                .assumptions
                .iter()
                .map(|a| ir::Assumption { text: a.text.value.clone(), lang: lang(&a.text) })
                .collect(),
        }
    }

    fn id(&self, e: &Entity<'a>) -> String {
        let prefix = |f: FileId| self.prefixes.get(&f).cloned().unwrap_or_default();
        match e {
            Entity::Input(f, x) => format!("{}{}", prefix(*f), x.name.name),
            Entity::Item(_, ins, x) => format!("{}.{}", ins.name.name, x.name.name),
            Entity::Score(_, ins, x) => format!("{}.{}", ins.name.name, x.name.name),
            Entity::Define(_, Some(ins), x) => format!("{}.{}", ins.name.name, x.name.name),
            Entity::Strat(_, Some(ins), x) => format!("{}.{}", ins.name.name, x.name.name),
            Entity::Define(f, None, x) => format!("{}{}", prefix(*f), x.name.name),
            Entity::Strat(f, None, x) => format!("{}{}", prefix(*f), x.name.name),
            Entity::Rec(f, x) => format!("{}{}", prefix(*f), x.name.name),
            Entity::Step(_, _, x) => x.name.name.clone(),
            other => format!("{other:?}"),
        }
    }

    fn input(&mut self, e: Entity<'a>) -> u32 {
        let key = e.key();
        if let Some(i) = self.input_index.get(&key) {
            return *i;
        }
        let path = self.id(&e);
        let input = match e {
            Entity::Input(f, field) => {
                let ty = self.ch.modules[f].input_types.get(&field.name.span.start).cloned();
                let value_codes = match &ty {
                    Some(super::Ty::Enum(e) | super::Ty::Set(e)) => enum_codes(e),
                    _ => Vec::new(),
                };
                let (ty, unit, range) = value_type(ty);
                ir::Input {
                    path,
                    ty,
                    unit,
                    range,
                    required: field.presence == Some(ast::Presence::Required),
                    scoring: None,
                    description: self.text(f, &field.description),
                    codes: codes(&field.codes),
                    from: field.from.as_ref().map(|p| p.dotted()),
                    value_codes,
                }
            }
            Entity::Item(file, _, item) => {
                let (ty, range, scoring) = match &item.ty {
                    ast::ItemType::Boolean(_) => (ir::ValueType::Boolean, None, ir::Scoring::Boolean),
                    ast::ItemType::Integer(r) => (
                        ir::ValueType::Integer,
                        Some((r.lo.value, r.hi.value)),
                        ir::Scoring::Integer { lo: r.lo.value, hi: r.hi.value, reverse: item.reverse.is_some() },
                    ),
                    ast::ItemType::Choice(opts, _) => (
                        ir::ValueType::Enum { values: opts.iter().map(|o| o.name.name.clone()).collect() },
                        None,
                        ir::Scoring::Choice { points: opts.iter().map(|o| o.points.value).collect() },
                    ),
                };
                let description = self.text(file, &item.texts);
                let value_codes = match &item.ty {
                    ast::ItemType::Choice(opts, _) => enum_codes(&super::EnumTy::Choice(item, opts)),
                    _ => Vec::new(),
                };
                ir::Input {
                    path,
                    ty,
                    unit: None,
                    range,
                    required: false,
                    scoring: Some(scoring),
                    description,
                    codes: codes(&item.codes),
                    from: None,
                    value_codes,
                }
            }
            _ => return 0,
        };
        let i = self.inputs.len() as u32;
        self.inputs.push(input);
        self.input_index.insert(key, i);
        i
    }

    /// Resolves a name that the checker has accepted, without reporting.
    fn resolve(&mut self, cx: Cx<'a>, path: &'a ast::Path) -> Option<Entity<'a>> {
        let first = path.segments.first()?;
        let mut e = self.ch.lookup(cx, &first.name);
        for seg in &path.segments[1..] {
            e = e.and_then(|x| self.ch.member(x, &seg.name));
        }
        e
    }

    /// The definitions, scores and stratifications an expression names.
    fn entities_in(&mut self, cx: Cx<'a>, root: &'a Expr) -> Vec<Entity<'a>> {
        let mut out = Vec::new();
        let mut todo: Vec<&'a Expr> = vec![root];
        while let Some(e) = todo.pop() {
            match &e.kind {
                ExprKind::Name(p) => {
                    if let Some(ent @ (Entity::Define(..) | Entity::Score(..) | Entity::Strat(..))) =
                        self.resolve(cx, p)
                    {
                        out.push(ent);
                    }
                }
                _ => e.push_children(&mut todo),
            }
        }
        out
    }

    fn node_cx(e: &Entity<'a>) -> Option<Cx<'a>> {
        match e {
            Entity::Define(f, ins, _) | Entity::Strat(f, ins, _) => Some(Cx { file: *f, instrument: *ins }),
            Entity::Score(f, ins, _) => Some(Cx { file: *f, instrument: Some(ins) }),
            _ => None,
        }
    }

    fn direct_deps(&mut self, e: Entity<'a>) -> Vec<Entity<'a>> {
        let Some(cx) = Self::node_cx(&e) else { return Vec::new() };
        match e {
            Entity::Define(_, _, d) => self.entities_in(cx, &d.expr),
            Entity::Score(_, _, s) => self.entities_in(cx, &s.expr),
            Entity::Strat(_, _, s) => {
                let mut v = Vec::new();
                if let Some(p) = &s.population {
                    v.extend(self.resolve(cx, p));
                }
                for st in &s.strata {
                    v.extend(self.entities_in(cx, &st.when));
                }
                v
            }
            _ => Vec::new(),
        }
    }

    /// Post-order of the dependency graph from `roots`, with an explicit
    /// stack (no recursion on long chains). The checker has ruled out
    /// cycles; a back edge would simply be skipped.
    fn dependency_order(&mut self, roots: Vec<Entity<'a>>) -> Vec<Entity<'a>> {
        let mut order = Vec::new();
        let mut state: HashMap<Key, bool> = HashMap::new(); // false: open, true: done
        for r in roots {
            if state.contains_key(&r.key()) {
                continue;
            }
            state.insert(r.key(), false);
            let deps = self.direct_deps(r);
            let mut stack = vec![(r, deps, 0usize)];
            while let Some((e, deps, next)) = stack.last_mut() {
                if let Some(d) = deps.get(*next).copied() {
                    *next += 1;
                    if let std::collections::hash_map::Entry::Vacant(slot) = state.entry(d.key()) {
                        slot.insert(false);
                        let dd = self.direct_deps(d);
                        stack.push((d, dd, 0));
                    }
                    continue;
                }
                let e = *e;
                stack.pop();
                state.insert(e.key(), true);
                order.push(e);
            }
        }
        order
    }

    fn node(&mut self, e: Entity<'a>) {
        let Some(cx) = Self::node_cx(&e) else { return };
        let id = self.id(&e);
        let at = self.place(cx.file, e.name_span());
        let title = match e {
            Entity::Define(_, _, d) => self.text(cx.file, &d.title),
            Entity::Score(_, _, s) => self.text(cx.file, &s.title),
            Entity::Strat(_, _, s) => self.text(cx.file, &s.title),
            _ => ir::Text::default(),
        };
        let kind = match e {
            Entity::Define(_, _, d) => ir::NodeKind::Define { expr: self.labeled(cx, &d.expr) },
            // A score of one item is that item's points, like every term of a sum.
            Entity::Score(_, _, s) => ir::NodeKind::Score { expr: self.term(cx, &s.expr) },
            Entity::Strat(_, _, s) => {
                let population = s.population.as_ref().map(|p| match self.resolve(cx, p) {
                    Some(ent) => self.name(ent),
                    None => ir::Expr::Bool(true),
                });
                let strata = s
                    .strata
                    .iter()
                    .map(|st| ir::Stratum {
                        name: st.name.name.clone(),
                        title: self.text(cx.file, &st.title),
                        when: self.labeled(cx, &st.when),
                        at: self.place(cx.file, st.name.span),
                        codes: codes(&st.codes),
                        provenance: self
                            .provenance(cx.file, if st.provenance.is_empty() { &s.provenance } else { &st.provenance }),
                    })
                    .collect();
                ir::NodeKind::Stratify { population, strata }
            }
            _ => return,
        };
        let i = self.nodes.len() as u32;
        let node_codes = match e {
            Entity::Score(_, _, s) => codes(&s.codes),
            Entity::Strat(_, _, s) => codes(&s.codes),
            _ => Vec::new(),
        };
        let provenance = match e {
            Entity::Define(_, _, d) => self.provenance(cx.file, &d.provenance),
            Entity::Score(_, _, s) => self.provenance(cx.file, &s.provenance),
            Entity::Strat(_, _, s) => self.provenance(cx.file, &s.provenance),
            _ => ir::Provenance::default(),
        };
        self.nodes.push(ir::Node { id, title, at, kind, codes: node_codes, provenance });
        self.node_index.insert(e.key(), i);
    }
}

/// The codes as the artifact stores them (the checker has reported any
/// that is not one).
fn codes(list: &[ast::CodeRef]) -> Vec<ir::Code> {
    list.iter()
        .filter_map(|c| match &c.system {
            ast::CodeSystemRef::Named(i) => ir::binding::code(Some(&i.name), "", &c.code.value).ok(),
            ast::CodeSystemRef::Url(t) => ir::binding::code(None, &t.value, &c.code.value).ok(),
        })
        .collect()
}

/// The codes of each value of an enum or choice item; empty when none has one.
fn enum_codes(e: &super::EnumTy<'_>) -> Vec<Vec<ir::Code>> {
    let per: Vec<Vec<ir::Code>> = match e {
        super::EnumTy::Decl(d) => d.values.iter().map(|v| codes(&v.codes)).collect(),
        super::EnumTy::Choice(_, opts) => opts.iter().map(|o| codes(&o.codes)).collect(),
    };
    if per.iter().all(Vec::is_empty) {
        Vec::new()
    } else {
        per
    }
}

pub(super) fn value_type(ty: Option<super::Ty<'_>>) -> (ir::ValueType, Option<ir::Unit>, Option<(f64, f64)>) {
    use super::Ty;
    match ty.map(answer) {
        Some(Ty::Bool) => (ir::ValueType::Boolean, None, None),
        Some(Ty::Num { unit, integer, range }) => {
            (if integer { ir::ValueType::Integer } else { ir::ValueType::Decimal }, unit, range.map(|r| (r.lo, r.hi)))
        }
        Some(Ty::Date) => (ir::ValueType::Date, None, None),
        Some(Ty::Duration(_)) => (ir::ValueType::Duration, None, None),
        Some(Ty::Enum(e)) => {
            (ir::ValueType::Enum { values: e.values().iter().map(|v| v.to_string()).collect() }, None, None)
        }
        Some(Ty::Set(e)) => {
            (ir::ValueType::Set { values: e.values().iter().map(|v| v.to_string()).collect() }, None, None)
        }
        _ => (ir::ValueType::Text, None, None),
    }
}
