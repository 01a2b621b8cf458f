//! Pass 2, inline tests: each `given` value against its field's type and
//! range, and each `expect` against what it names.

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn test(&mut self, cx: Cx<'a>, t: &'a ast::TestDecl) {
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

    pub(super) fn given_members(
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

    pub(super) fn test_value(&mut self, f: FileId, name: &str, ty: &Ty<'a>, v: &'a ast::Value) {
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

    pub(super) fn expectation(&mut self, cx: Cx<'a>, e: &'a ast::Expect) {
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

    pub(super) fn find_step(&self, f: FileId, name: &str) -> Option<Entity<'a>> {
        let db = self.db;
        db.files[f].ast.items.iter().find_map(|i| match i {
            ast::Item::Pathway(p) => p.steps.iter().find(|s| s.name.name == name).map(|s| Entity::Step(f, p, s)),
            _ => None,
        })
    }
}
