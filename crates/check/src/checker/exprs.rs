//! Typing, expressions: every operator's operand types, units and ranges
//! (comparisons, `in`, `is`, set tests, arithmetic), with the constants
//! checked against the declared ranges.

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn expr(&mut self, cx: Cx<'a>, e: &'a Expr) -> Ty<'a> {
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

    pub(super) fn expect_bool(&mut self, cx: Cx<'a>, e: &'a Expr) {
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
    pub(super) fn compare(&mut self, cx: Cx<'a>, op: ast::CmpOp, l: (&Ty<'a>, &'a Expr), r: (&Ty<'a>, &'a Expr)) {
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
    pub(super) fn numeric_units(&mut self, f: FileId, l: (&Ty<'a>, Span), r: (&Ty<'a>, Span), span: Span) -> bool {
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
    pub(super) fn constant_in_range(&mut self, f: FileId, field: (&Ty<'a>, &'a Expr), constant: (&Ty<'a>, &'a Expr)) {
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

    pub(super) fn duration_literal(
        &mut self,
        f: FileId,
        fam: Option<TimeFamily>,
        unit: Option<Unit>,
        value: f64,
        lit: Span,
    ) {
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
    pub(super) fn duration_amount(&mut self, f: FileId, value: f64, unit: Unit, at: Span) {
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

    pub(super) fn in_range(&mut self, cx: Cx<'a>, t: &Ty<'a>, e: &'a Expr, r: &'a ast::Range) {
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

    pub(super) fn is_value(&mut self, cx: Cx<'a>, t: &Ty<'a>, e: &'a Expr, value: &'a ast::Path) {
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
    pub(super) fn record_stratum(&mut self, file: FileId, span: Span, s: &'a ast::Stratify, name: &str) {
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
    pub(super) fn set_test(
        &mut self,
        cx: Cx<'a>,
        t: &Ty<'a>,
        e: &'a Expr,
        op: ast::SetOp,
        set: &'a [ast::Ident],
        set_span: Span,
    ) {
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

    pub(super) fn arith(
        &mut self,
        cx: Cx<'a>,
        op: ast::ArithOp,
        l: (Ty<'a>, Span),
        r: (Ty<'a>, Span),
        span: Span,
    ) -> Ty<'a> {
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
}
