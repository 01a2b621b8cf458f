//! Explanations: for every rule, its conditions as written, their values,
//! the data they used, and where they are written.

use crate::value::V;
use crate::Outcome;
use guidepath_ir::{Expr, NodeKind};
use serde_json::{json, Value as J};

fn tri(t: Option<bool>) -> J {
    match t {
        Some(b) => J::Bool(b),
        None => J::String("unknown".into()),
    }
}

/// The fields a condition reads, with their values, in the order of their
/// names (the order of a JSON object's keys as serde_json keeps them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Data<'a> {
    fields: Vec<(&'a str, Datum<'a>)>,
}

/// One field's value as a reason gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum<'a> {
    /// Not given: `null`.
    Unknown,
    Bool(bool),
    Num(f64),
    /// Days since 1970-01-01, written `YYYY-MM-DD`.
    Date(i64),
    /// Written in ISO 8601.
    Duration(guidepath_ir::Duration),
    Text(String),
    /// An enum's value.
    Value(&'a str),
    /// A set's values, in the order they are declared.
    Values(Vec<&'a str>),
}

impl<'a> Data<'a> {
    /// The values of `inputs` (indices into the artifact's inputs, in the
    /// order of their paths) in bound data.
    pub(crate) fn read(art: &'a guidepath_ir::Artifact, bound: &crate::Bound, inputs: &[u32]) -> Data<'a> {
        let fields = inputs
            .iter()
            .filter_map(|&i| {
                let input = art.inputs.get(i as usize)?;
                Some((input.path.as_str(), Datum::of(input, bound.get(i))))
            })
            .collect();
        Data { fields }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &Datum<'a>)> {
        self.fields.iter().map(|(k, v)| (*k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.fields.iter().map(|(k, _)| *k)
    }

    pub fn get(&self, field: &str) -> Option<&Datum<'a>> {
        self.fields.iter().find(|(k, _)| *k == field).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// As JSON: what its `Serialize` writes.
    pub fn to_json(&self) -> J {
        // Strings, numbers through `num` (non-finite ones are `null`) and
        // lists of strings: nothing here fails to serialise.
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl<'a> Datum<'a> {
    pub(crate) fn of(input: &'a guidepath_ir::Input, value: Option<&crate::Value>) -> Datum<'a> {
        use guidepath_ir::ValueType as T;
        match value {
            None => Datum::Unknown,
            Some(crate::Value::Bool(b)) => Datum::Bool(*b),
            Some(crate::Value::Num(x)) => Datum::Num(*x),
            Some(crate::Value::Date(d)) => Datum::Date(*d),
            Some(crate::Value::Duration(d)) => Datum::Duration(*d),
            Some(crate::Value::Text(t)) => Datum::Text(t.clone()),
            Some(crate::Value::Enum(k)) => match &input.ty {
                T::Enum { values } => values.get(*k as usize).map_or(Datum::Unknown, |s| Datum::Value(s)),
                _ => Datum::Unknown,
            },
            Some(crate::Value::Set(mask)) => match &input.ty {
                T::Set { values } => Datum::Values(
                    values.iter().enumerate().filter(|(k, _)| mask & (1 << k) != 0).map(|(_, s)| s.as_str()).collect(),
                ),
                _ => Datum::Unknown,
            },
        }
    }
}

impl serde::Serialize for Data<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl serde::Serialize for Datum<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Unknown => s.serialize_unit(),
            Datum::Bool(b) => s.serialize_bool(*b),
            Datum::Num(x) => crate::num(*x).serialize(s),
            Datum::Date(d) => s.serialize_str(&guidepath_ir::calendar::format_date(*d)),
            Datum::Duration(d) => s.serialize_str(&d.to_iso()),
            Datum::Text(t) => s.serialize_str(t),
            Datum::Value(v) => s.serialize_str(v),
            Datum::Values(v) => v.serialize(s),
        }
    }
}

/// The inputs an expression reads, in the order of their paths.
pub(crate) fn inputs_by_path(art: &guidepath_ir::Artifact, e: &Expr) -> Vec<u32> {
    let mut inputs = art.inputs_read(e);
    inputs.sort_by(|a, b| {
        let path = |i: &u32| art.inputs.get(*i as usize).map(|x| x.path.as_str());
        path(a).cmp(&path(b))
    });
    inputs
        .dedup_by(|a, b| art.inputs.get(*a as usize).map(|x| &x.path) == art.inputs.get(*b as usize).map(|x| &x.path));
    inputs
}

fn data(out: &Outcome<'_>, e: &Expr) -> J {
    Data::read(&out.ev.artifact, &out.bound, &inputs_by_path(&out.ev.artifact, e)).to_json()
}

/// The labelled parts of a condition (its top-level conjuncts).
fn conditions(out: &Outcome<'_>, e: &Expr) -> Vec<J> {
    let parts: Vec<&Expr> = match e {
        Expr::And(xs) => xs.iter().collect(),
        other => vec![other],
    };
    parts
        .into_iter()
        .map(|p| {
            let art = &out.ev.artifact;
            let (text, at, inner) = match p {
                Expr::Labeled { at, expr } => {
                    (art.place_text(*at).to_string(), art.place(*at).map(|l| l.to_string()), &**expr)
                }
                other => (art.show(other), None, other),
            };
            let value = match out.ev.expr(inner, &out.bound, &out.nodes, &out.members) {
                V::Bool(t) => tri(t),
                _ => J::Null,
            };
            json!({ "text": text, "value": value, "at": at, "data": data(out, inner) })
        })
        .collect()
}

/// Where a rule comes from, as the explanation gives it (result schema
/// 1.2): its quotes and assumptions; `None` when it has none.
fn source(p: &guidepath_ir::Provenance) -> Option<J> {
    (!p.is_empty()).then(|| serde_json::to_value(p).unwrap_or_default())
}

/// A rule's explanation with its `source`, when it has one.
fn with_source(mut rule: J, p: &guidepath_ir::Provenance) -> J {
    if let (Some(s), Some(m)) = (source(p), rule.as_object_mut()) {
        m.insert("source".into(), s);
    }
    rule
}

pub(crate) fn explain(out: &Outcome<'_>) -> J {
    let art = &out.ev.artifact;
    let at = |a: guidepath_ir::At| art.place(a).map(|l| l.to_string());
    let mut rules = Vec::new();
    for (node, value) in art.nodes.iter().zip(&out.nodes) {
        match &node.kind {
            NodeKind::Define { expr } => {
                let value = match &value.value {
                    V::Bool(t) => tri(*t),
                    other => other.interval().map_or(J::Null, |(a, b)| {
                        if a == b {
                            crate::num(a)
                        } else {
                            json!({"min": crate::num(a), "max": crate::num(b)})
                        }
                    }),
                };
                let rule = json!({ "rule": node.id, "kind": "definition", "value": value, "at": at(node.at), "conditions": conditions(out, expr) });
                rules.push(with_source(rule, &node.provenance));
            }
            NodeKind::Stratify { population, strata } => {
                let mut list = Vec::new();
                if let Some(p) = population {
                    let v = out.ev.cond(p, &out.bound, &out.nodes, &out.members);
                    list.push(json!({ "text": "population", "value": tri(v), "at": null, "data": data(out, p) }));
                }
                let first = value.first_member as usize;
                for (k, s) in strata.iter().enumerate() {
                    let m = out.members.get(first + k).copied().flatten();
                    let stratum = json!({ "stratum": s.name, "value": tri(m), "at": at(s.at), "conditions": conditions(out, &s.when) });
                    list.push(with_source(stratum, &s.provenance));
                }
                // The stratum, or why there is none.
                let chosen = match value.strat {
                    crate::Strat::In(k) => strata.get(k as usize).map_or(J::Null, |s| J::String(s.name.clone())),
                    crate::Strat::Outside => J::String("not applicable".into()),
                    crate::Strat::Undecided => J::String("unknown".into()),
                };
                let rule = json!({ "rule": node.id, "kind": "stratification", "value": chosen, "at": at(node.at), "strata": list });
                rules.push(with_source(rule, &node.provenance));
            }
            _ => {}
        }
    }
    for (r, t) in art.recommendations.iter().zip(out.recs()) {
        let rule = json!({ "rule": r.id, "kind": "recommendation", "value": tri(*t), "at": at(r.at), "conditions": conditions(out, &r.when) });
        rules.push(with_source(rule, &r.provenance));
    }
    J::Array(rules)
}
