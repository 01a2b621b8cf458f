//! Pass 2, declaration bodies: metadata, enums, instruments and their
//! items, stratifications, recommendations (with their lifecycle), `allow`
//! and pathways with their time limits.

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn bodies(&mut self, f: FileId) {
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

    pub(super) fn guideline(&mut self, f: FileId, g: &'a ast::Guideline) {
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

    pub(super) fn enum_decl(&mut self, f: FileId, e: &'a ast::EnumDecl) {
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

    pub(super) fn instrument(&mut self, f: FileId, ins: &'a ast::Instrument) {
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

    pub(super) fn item(&mut self, f: FileId, item: &'a ast::ItemDecl) {
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

    pub(super) fn stratify(&mut self, cx: Cx<'a>, s: &'a ast::Stratify) {
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
    pub(super) fn lifecycle(
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
    pub(super) fn successor(&mut self, cx: Cx<'a>, by: &'a ast::Path, rec: Option<&'a ast::Recommend>) {
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

    pub(super) fn recommend(&mut self, cx: Cx<'a>, r: &'a ast::Recommend) {
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
    pub(super) fn allow(&mut self, f: FileId, a: &'a ast::Allow) {
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

    pub(super) fn pathway(&mut self, cx: Cx<'a>, p: &'a ast::Pathway) {
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

    pub(super) fn time_limit(
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
}

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
