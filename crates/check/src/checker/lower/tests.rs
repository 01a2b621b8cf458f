//! Lowering inline tests: `given` data as patient JSON, `expect` as
//! expectations on the result.

use super::*;

impl<'c, 'a> Lower<'c, 'a> {
    pub(super) fn test(&mut self, cx: Cx<'a>, t: &'a ast::TestDecl) -> TestCase {
        let mut patient = serde_json::Map::new();
        for g in &t.given {
            self.given(cx, None, &g.object, &mut patient);
        }
        let mut expects = Vec::new();
        for e in &t.expects {
            if let Some(x) = self.expectation(cx, e) {
                expects.push(x);
            }
        }
        TestCase { name: t.name.value.clone(), at: self.loc(cx.file, t.name.span), patient: patient.into(), expects }
    }

    pub(super) fn given(
        &mut self,
        cx: Cx<'a>,
        owner: Option<Entity<'a>>,
        members: &'a [ast::Member],
        out: &mut serde_json::Map<String, serde_json::Value>,
    ) {
        for m in members {
            let ent = match owner {
                None => self.resolve(cx, &m.key),
                Some(o) => m.key.segments.iter().try_fold(o, |e, seg| self.ch.member(e, &seg.name)),
            };
            let Some(ent) = ent else { continue };
            if let ast::Value::Object(inner, _) = &m.value {
                if matches!(ent, Entity::Instrument(..) | Entity::Module(..)) {
                    self.given(cx, Some(ent), inner, out);
                    continue;
                }
            }
            if !matches!(ent, Entity::Input(..) | Entity::Item(..)) {
                continue;
            }
            let idx = self.input(ent) as usize;
            let Some(input) = self.inputs.get(idx) else { continue };
            let is_duration = matches!(input.ty, ir::ValueType::Duration);
            let path = input.path.clone();
            let value = json_value(&m.value, is_duration);
            insert_path(out, &path, value);
        }
    }

    pub(super) fn expectation(&mut self, cx: Cx<'a>, e: &'a ast::Expect) -> Option<Expectation> {
        let ent = if e.target.segments.len() == 1 && self.ch.lookup(cx, &e.target.segments[0].name).is_none() {
            self.ch.find_step(cx.file, &e.target.segments[0].name)
        } else {
            self.resolve(cx, &e.target)
        }?;
        let target = match ent {
            Entity::Rec(..) => Target::Recommendation(self.id(&ent)),
            Entity::Step(_, p, s) => Target::Step { pathway: p.name.name.clone(), step: s.name.name.clone() },
            Entity::Pathway(_, p) => Target::Pathway(p.name.name.clone()),
            Entity::Input(..) | Entity::Item(..) => Target::Input(self.id(&ent)),
            Entity::Define(..) | Entity::Score(..) | Entity::Strat(..) => Target::Node(self.id(&ent)),
            _ => return None,
        };
        let expected = match &e.kind {
            ast::ExpectKind::Applies => Expected::Applies,
            ast::ExpectKind::DoesNotApply => Expected::DoesNotApply,
            ast::ExpectKind::NotApplicable => Expected::NotApplicable,
            ast::ExpectKind::Undecided(fields) if fields.is_empty() => Expected::Undecided(None),
            ast::ExpectKind::Undecided(fields) => {
                let mut paths = Vec::new();
                for p in fields {
                    let ent = self.resolve(cx, p)?;
                    let i = self.input(ent) as usize;
                    paths.push(self.inputs.get(i)?.path.clone());
                }
                Expected::Undecided(Some(paths))
            }
            ast::ExpectKind::Is(v) => Expected::Is(v.name.clone()),
            ast::ExpectKind::Equals(q) => Expected::Equals(q.number.value),
            ast::ExpectKind::In(r) => Expected::In(r.lo.value, r.hi.value),
            ast::ExpectKind::Due(d) => Expected::Due(ir::calendar::days_from_civil(d.year, d.month, d.day)),
        };
        Some(Expectation {
            target,
            expected,
            text: e.span.text(&self.ch.db.files[cx.file].text).to_string(),
            at: self.loc(cx.file, e.span),
        })
    }
}

/// A test value as patient JSON: durations as ISO 8601, dates as
/// `YYYY-MM-DD`, enum values and set members as strings.
pub(super) fn json_value(v: &ast::Value, is_duration: bool) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        ast::Value::Bool(b, _) => J::Bool(*b),
        ast::Value::Quantity(q) => {
            let unit = q.unit.as_ref().and_then(|u| ir::Unit::parse(&u.name));
            match (is_duration, unit.and_then(|u| ir::Duration::of(q.number.value, u))) {
                (true, Some(d)) => J::String(d.to_iso()),
                _ if q.number.is_integer => J::from(q.number.value as i64),
                _ => serde_json::Number::from_f64(q.number.value).map_or(J::Null, J::Number),
            }
        }
        ast::Value::Date(d) => J::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        ast::Value::Text(t) => J::String(t.value.clone()),
        ast::Value::Name(n) => J::String(n.name.clone()),
        ast::Value::List(items, _) => J::Array(items.iter().map(|i| json_value(i, false)).collect()),
        ast::Value::Object(..) => J::Null,
    }
}

/// Sets `a.b.c` in nested objects.
pub(super) fn insert_path(out: &mut serde_json::Map<String, serde_json::Value>, path: &str, value: serde_json::Value) {
    let mut parts = path.split('.').peekable();
    let mut map = out;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        let slot = map.entry(part.to_string()).or_insert_with(|| serde_json::Value::Object(Default::default()));
        if !slot.is_object() {
            *slot = serde_json::Value::Object(Default::default());
        }
        match slot {
            serde_json::Value::Object(m) => map = m,
            _ => return,
        }
    }
}
