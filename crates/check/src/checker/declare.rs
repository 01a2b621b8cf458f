//! Pass 1, declarations: each file's names, its `use`s (and cycles among
//! them) and its input fields' types, units and ranges.

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn declare(&mut self, f: FileId) {
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
                    let id = db.lookup(&crate::db::real_path(self.fs, &p));
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
    pub(super) fn imported_names(&mut self, f: FileId) {
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

    pub(super) fn use_cycles(&mut self) {
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

    pub(super) fn declare_inputs(&mut self, f: FileId) {
        let db = self.db;
        for item in &db.files[f].ast.items {
            let ast::Item::Input(block) = item else { continue };
            for field in &block.fields {
                let ty = self.field_type(f, field);
                self.modules[f].input_types.insert(field.name.span.start, ty);
            }
        }
    }

    pub(super) fn find_enum(&self, f: FileId, name: &str) -> Option<&'a ast::EnumDecl> {
        self.modules[f].enums.get(name).or_else(|| self.modules[f].imported_enums.get(name)).copied()
    }

    pub(super) fn enum_names(&self, f: FileId) -> Vec<&'a str> {
        let m = &self.modules[f];
        let mut v: Vec<&'a str> = m.enums.keys().copied().collect();
        v.extend(m.imported_enums.keys().copied());
        v
    }

    pub(super) fn field_type(&mut self, f: FileId, field: &'a ast::Field) -> Ty<'a> {
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

    pub(super) fn check_range(&mut self, f: FileId, r: &ast::Range) -> Option<Interval> {
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

    pub(super) fn unit(&mut self, f: FileId, u: &ast::Ident) -> Option<Unit> {
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

    pub(super) fn date(&mut self, f: FileId, d: &ast::DateLit) -> bool {
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
}
