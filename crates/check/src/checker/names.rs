//! Typing, names and inference: resolving a name or path to its
//! declaration across files, and the types of definitions, scores and
//! stratifications, each inferred once from what it depends on.

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn mark_used(&mut self, key: Key) {
        if !self.in_test {
            self.used.insert(key);
        }
    }

    pub(super) fn depend_on(&mut self, e: &Entity<'a>) {
        if let (Some(cur), Entity::Define(..) | Entity::Score(..) | Entity::Strat(..)) = (self.current, e) {
            self.deps.entry(cur).or_default().push(e.key());
        }
    }

    pub(super) fn member(&self, e: Entity<'a>, name: &str) -> Option<Entity<'a>> {
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

    pub(super) fn member_names(&self, e: Entity<'a>) -> Vec<&'a str> {
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
    pub(super) fn lookup(&mut self, cx: Cx<'a>, name: &str) -> Option<Entity<'a>> {
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

    pub(super) fn scope_names(&self, cx: Cx<'a>) -> Vec<&'a str> {
        let mut v = Vec::new();
        if let Some(ins) = cx.instrument {
            v.extend(instrument_member_names(ins));
        }
        let m = &self.modules[cx.file];
        v.extend(m.names.keys().copied());
        v.extend(m.imported_instruments.keys().copied());
        v
    }

    pub(super) fn used_import_of(&mut self, cx: Cx<'a>, target: FileId) {
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
    pub(super) fn resolve(&mut self, cx: Cx<'a>, path: &'a ast::Path) -> Option<Entity<'a>> {
        let first = path.segments.first()?;
        let Some(mut e) = self.lookup(cx, &first.name) else {
            // A name through a `use` whose file was not found: that `use` is
            // reported; calling each name through it unknown would repeat it.
            if self.modules[cx.file].imports.iter().any(|i| i.alias == first.name && i.file.is_none()) {
                return None;
            }
            // A name declared by text that does not parse: its syntax error
            // is reported; each use unknown as well would be a cascade.
            if declared_in_error(&self.db.files[cx.file].ast, &first.name) {
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
                // A member whose entry has a syntax error: reported there.
                None if matches!(e, Entity::Instrument(_, ins) if ins.damaged.iter().any(|d| d.name == seg.name)) => {
                    return None;
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

    pub(super) fn entity_ty(&mut self, cx: Cx<'a>, e: Entity<'a>, span: Span) -> Ty<'a> {
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
    pub(super) fn infer_all(&mut self) {
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

    pub(super) fn infer_from(&mut self, root: Node<'a>) {
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
    pub(super) fn node_deps(&mut self, node: Node<'a>) -> Vec<Node<'a>> {
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

    pub(super) fn node(&mut self, key: Key, name: &str, span: Span) -> Option<Key> {
        self.dep_names.entry(key).or_insert_with(|| (name.to_string(), span));
        self.current.replace(key)
    }

    pub(super) fn define_ty(&mut self, cx: Cx<'a>, d: &'a ast::Define) -> Ty<'a> {
        self.node_ty(Node::Define(cx, d))
    }

    pub(super) fn score_ty(&mut self, cx: Cx<'a>, s: &'a ast::Score) -> Ty<'a> {
        self.node_ty(Node::Score(cx, s))
    }

    /// The memoised type of a definition or score.
    pub(super) fn node_ty(&mut self, node: Node<'a>) -> Ty<'a> {
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
    pub(super) fn compute(&mut self, node: Node<'a>) -> Ty<'a> {
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
    pub(super) fn score_type(&mut self, cx: Cx<'a>, s: &'a ast::Score) -> Ty<'a> {
        let ty = self.score_type_of(cx, s);
        if let Ty::Num { range: Some(iv), unit, .. } = &ty {
            let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
            self.hint(cx.file, s.name.span.end, format!("in {}..{}{unit}", fmt_num(iv.lo), fmt_num(iv.hi)));
        }
        ty
    }

    pub(super) fn score_type_of(&mut self, cx: Cx<'a>, s: &'a ast::Score) -> Ty<'a> {
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
}

pub(super) fn instrument_member<'a>(f: FileId, ins: &'a ast::Instrument, name: &str) -> Option<Entity<'a>> {
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

pub(super) fn instrument_member_names(ins: &ast::Instrument) -> Vec<&str> {
    ins.items
        .iter()
        .map(|i| i.name.name.as_str())
        .chain(ins.scores.iter().map(|s| s.name.name.as_str()))
        .chain(ins.strats.iter().map(|s| s.name.name.as_str()))
        .chain(ins.defines.iter().map(|d| d.name.name.as_str()))
        .collect()
}

/// Whether a declaration or field with a syntax error in `file` declares
/// `name`.
fn declared_in_error(file: &ast::File, name: &str) -> bool {
    file.items.iter().any(|i| match i {
        ast::Item::Error(e) => e.declares.as_ref().is_some_and(|d| d.name == name),
        ast::Item::Input(b) => b.damaged.iter().any(|d| d.name == name),
        // Inside an instrument, its entries are named without its prefix.
        ast::Item::Instrument(i) => i.damaged.iter().any(|d| d.name == name),
        _ => false,
    })
}
