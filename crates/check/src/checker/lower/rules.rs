//! Lowering expressions, recommendations and pathways.

use super::*;

impl<'c, 'a> Lower<'c, 'a> {
    /// A condition with each top-level conjunct labeled with its text, so
    /// explanations can show which part decided.
    pub(super) fn labeled(&mut self, cx: Cx<'a>, e: &'a Expr) -> ir::Expr {
        let label = |this: &mut Self, part: &'a Expr| ir::Expr::Labeled {
            at: this.place(cx.file, part.span),
            expr: Box::new(this.expr(cx, part)),
        };
        match &e.kind {
            ExprKind::And(parts) => ir::Expr::And(parts.iter().map(|p| label(self, p)).collect()),
            _ => label(self, e),
        }
    }

    pub(super) fn name(&mut self, ent: Entity<'a>) -> ir::Expr {
        match ent {
            Entity::Input(..) | Entity::Item(..) => ir::Expr::Input(self.input(ent)),
            Entity::Define(..) | Entity::Score(..) | Entity::Strat(..) => match self.node_index.get(&ent.key()) {
                Some(i) => ir::Expr::Node(*i),
                None => ir::Expr::Bool(false),
            },
            _ => ir::Expr::Bool(false),
        }
    }

    pub(super) fn expr(&mut self, cx: Cx<'a>, e: &'a Expr) -> ir::Expr {
        match &e.kind {
            ExprKind::Bool(b) => ir::Expr::Bool(*b),
            ExprKind::Quantity(q) => ir::Expr::Quantity {
                value: q.number.value,
                unit: q.unit.as_ref().and_then(|u| ir::Unit::parse(&u.name)),
            },
            ExprKind::Date(d) => ir::Expr::Date(ir::calendar::days_from_civil(d.year, d.month, d.day)),
            ExprKind::Text(t) => ir::Expr::Text(t.value.clone()),
            ExprKind::Name(p) => match self.resolve(cx, p) {
                Some(ent) => self.name(ent),
                None => ir::Expr::Bool(false),
            },
            ExprKind::Set(_) => ir::Expr::Bool(false),
            ExprKind::Paren(x) => self.expr(cx, x),
            ExprKind::Not(x) => ir::Expr::Not(Box::new(self.expr(cx, x))),
            ExprKind::And(xs) => ir::Expr::And(xs.iter().map(|x| self.expr(cx, x)).collect()),
            ExprKind::Or(xs) => ir::Expr::Or(xs.iter().map(|x| self.expr(cx, x)).collect()),
            ExprKind::Compare { op, lhs, rhs } => ir::Expr::Compare {
                op: match op {
                    ast::CmpOp::Eq => ir::CmpOp::Eq,
                    ast::CmpOp::Ne => ir::CmpOp::Ne,
                    ast::CmpOp::Lt => ir::CmpOp::Lt,
                    ast::CmpOp::Le => ir::CmpOp::Le,
                    ast::CmpOp::Gt => ir::CmpOp::Gt,
                    ast::CmpOp::Ge => ir::CmpOp::Ge,
                },
                lhs: Box::new(self.expr(cx, lhs)),
                rhs: Box::new(self.expr(cx, rhs)),
            },
            ExprKind::InRange { expr, range, negated } => ir::Expr::InRange {
                expr: Box::new(self.expr(cx, expr)),
                lo: range.lo.value,
                hi: range.hi.value,
                unit: range.unit.as_ref().and_then(|u| ir::Unit::parse(&u.name)),
                negated: *negated,
            },
            ExprKind::Is { expr, value, negated } => {
                if let ExprKind::Name(p) = &expr.kind {
                    if let Some(Entity::Strat(f, ins, s)) = self.resolve(cx, p) {
                        let node = self.node_index.get(&Entity::Strat(f, ins, s).key()).copied().unwrap_or(0);
                        let stratum =
                            s.strata.iter().position(|x| Some(&x.name.name) == value.segments.first().map(|v| &v.name));
                        return ir::Expr::InStratum { node, stratum: stratum.unwrap_or(0) as u32, negated: *negated };
                    }
                }
                ir::Expr::IsValue { expr: Box::new(self.expr(cx, expr)), value: value.dotted(), negated: *negated }
            }
            ExprKind::SetTest { expr, op, set, .. } => ir::Expr::SetTest {
                mask: self.set_mask(cx, expr, set),
                expr: Box::new(self.expr(cx, expr)),
                op: match op {
                    ast::SetOp::AnyOf => ir::SetOp::AnyOf,
                    ast::SetOp::AllOf => ir::SetOp::AllOf,
                    ast::SetOp::NoneOf => ir::SetOp::NoneOf,
                },
                values: set.iter().map(|v| v.name.clone()).collect(),
            },
            ExprKind::Sum { first, rest } => {
                let mut terms = vec![(true, self.term(cx, first))];
                for (op, t) in rest {
                    terms.push((*op == ast::ArithOp::Add, self.term(cx, t)));
                }
                ir::Expr::Sum { terms }
            }
        }
    }

    /// Bit `i` for each member that is the `i`-th value of the tested enum
    /// (the checker has made sure the expression is an enum or set input).
    pub(super) fn set_mask(&mut self, cx: Cx<'a>, e: &'a Expr, set: &[ast::Ident]) -> u64 {
        // Follow definitions that name another value (`define s = sites`)
        // to the input whose enum the set is of; the checker has ruled out
        // cycles, the bound is a second guard.
        let (mut cx, mut e) = (cx, e);
        let mut ent = None;
        for _ in 0..1000 {
            let e_inner = match &e.kind {
                ExprKind::Paren(x) => x,
                _ => e,
            };
            let ExprKind::Name(p) = &e_inner.kind else { return 0 };
            match self.resolve(cx, p) {
                Some(Entity::Define(f, ins, d)) => {
                    cx = Cx { file: f, instrument: ins };
                    e = &d.expr;
                }
                other => {
                    ent = other;
                    break;
                }
            }
        }
        let Some(ent @ (Entity::Input(..) | Entity::Item(..))) = ent else { return 0 };
        let i = self.input(ent) as usize;
        let Some(ir::ValueType::Set { values } | ir::ValueType::Enum { values }) = self.inputs.get(i).map(|x| &x.ty)
        else {
            return 0;
        };
        set.iter().fold(0u64, |m, v| match values.iter().position(|x| *x == v.name) {
            Some(k) if k < 64 => m | (1 << k),
            _ => m,
        })
    }

    /// A term of a sum: an instrument item counts its points.
    pub(super) fn term(&mut self, cx: Cx<'a>, e: &'a Expr) -> ir::Expr {
        if let ExprKind::Name(p) = &e.kind {
            if let Some(ent @ Entity::Item(..)) = self.resolve(cx, p) {
                return ir::Expr::Points(self.input(ent));
            }
        }
        self.expr(cx, e)
    }

    pub(super) fn recommendation(&mut self, cx: Cx<'a>, r: &'a ast::Recommend) -> ir::Recommendation {
        let entries =
            |f: fn(&'a ast::RecEntryKind) -> Option<&'a ast::Text>| r.entries.iter().filter_map(move |e| f(&e.kind));
        let titles = entries(|k| match k {
            ast::RecEntryKind::Title(t) => Some(t),
            _ => None,
        });
        let mut rec = ir::Recommendation {
            id: self.id(&Entity::Rec(cx.file, r)),
            title: self.text(cx.file, r.title.iter().chain(titles)),
            direction: match r.direction {
                ast::Direction::For => ir::Direction::For,
                ast::Direction::Against => ir::Direction::Against,
            },
            action: r.name.name.clone(),
            strength: None,
            certainty: None,
            level: self.text(
                cx.file,
                entries(|k| match k {
                    ast::RecEntryKind::Level(t) => Some(t),
                    _ => None,
                }),
            ),
            rationale: self.text(
                cx.file,
                entries(|k| match k {
                    ast::RecEntryKind::Rationale(t) => Some(t),
                    _ => None,
                }),
            ),
            when: ir::Expr::Bool(false),
            at: self.place(cx.file, r.name.span),
            provenance: self.provenance(cx.file, &r.provenance),
        };
        for e in &r.entries {
            match &e.kind {
                ast::RecEntryKind::When(w) => rec.when = self.labeled(cx, w),
                // The artifact holds the strength as a word: ↑ is `weak`.
                ast::RecEntryKind::Strength(s) => {
                    rec.strength = Some(strength_mark(&s.name).map_or(s.name.clone(), |(w, _)| w.to_string()))
                }
                ast::RecEntryKind::Certainty(c) => rec.certainty = Some(c.name.clone()),
                ast::RecEntryKind::Action(a) => rec.action = a.name.clone(),
                _ => {}
            }
        }
        rec
    }

    pub(super) fn pathway(&mut self, cx: Cx<'a>, p: &'a ast::Pathway) -> ir::Pathway {
        // Steps anchored on other steps come after them.
        let n = p.steps.len();
        let anchor_of = |s: &ast::Step| {
            s.limits.first().and_then(|l| {
                (l.anchor.segments.len() == 1)
                    .then(|| p.steps.iter().position(|x| x.name.name == l.anchor.segments[0].name))
                    .flatten()
            })
        };
        let mut order: Vec<usize> = Vec::new();
        let mut placed = vec![false; n];
        for _ in 0..n {
            for (i, s) in p.steps.iter().enumerate() {
                if !placed[i] && anchor_of(s).is_none_or(|j| placed[j] || j == i) {
                    placed[i] = true;
                    order.push(i);
                }
            }
        }
        order.extend((0..n).filter(|i| !placed[*i]));
        let position: HashMap<usize, u32> = order.iter().enumerate().map(|(k, i)| (*i, k as u32)).collect();
        let step_at =
            |name: &str| p.steps.iter().position(|x| x.name.name == name).and_then(|j| position.get(&j).copied());
        let mut steps = Vec::new();
        for &i in &order {
            let s = &p.steps[i];
            let limit = s.limits.first().and_then(|l| {
                let from = [&l.provenance, &s.provenance, &p.provenance].into_iter().find(|x| !x.is_empty());
                self.limit(cx, l, anchor_of(s).and_then(|j| position.get(&j).copied()), from)
            });
            let when = s.when.as_ref().map(|w| self.labeled(cx, w));
            steps.push(ir::Step {
                id: s.name.name.clone(),
                title: self.text(cx.file, &s.title),
                responsible: self.text(cx.file, &s.responsible),
                when,
                limit,
                if_missed: self.text(cx.file, s.if_missed.iter().map(|m| &m.text)),
                at: self.place(cx.file, s.name.span),
                provenance: self.provenance(cx.file, &s.provenance),
            });
        }
        let when = p.when.as_ref().map(|w| self.labeled(cx, w));
        let limit = p.limits.first().and_then(|l| {
            let step = match l.anchor.segments.as_slice() {
                [one] => step_at(&one.name),
                _ => None,
            };
            let from = [&l.provenance, &p.provenance].into_iter().find(|x| !x.is_empty());
            self.limit(cx, l, step, from)
        });
        let title = self.text(cx.file, p.title.iter().chain(&p.titles));
        let at = self.place(cx.file, p.name.span);
        let provenance = self.provenance(cx.file, &p.provenance);
        ir::Pathway { id: p.name.name.clone(), title, when, steps, limit, at, provenance }
    }

    /// `within amount after anchor`: counted from the step at `step` (its
    /// place in the compiled order) when the anchor names one, else from the
    /// date input it names. Its provenance is the first of its own, its
    /// step's and its pathway's that is given.
    pub(super) fn limit(
        &mut self,
        cx: Cx<'a>,
        l: &'a ast::TimeLimit,
        step: Option<u32>,
        from: Option<&ast::Provenance>,
    ) -> Option<ir::Limit> {
        let amount =
            ir::Duration::of(l.amount.number.value, l.amount.unit.as_ref().and_then(|u| ir::Unit::parse(&u.name))?)?;
        let anchor = match step {
            Some(j) => ir::Anchor::Step(j),
            None => match self.resolve(cx, &l.anchor)? {
                ent @ Entity::Input(..) => ir::Anchor::Input(self.input(ent)),
                _ => return None,
            },
        };
        let provenance = from.map(|p| self.provenance(cx.file, p)).unwrap_or_default();
        Some(ir::Limit { amount, anchor, provenance })
    }
}
