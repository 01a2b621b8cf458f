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

pub(crate) fn data(out: &Outcome<'_>, e: &Expr) -> J {
    let mut m = serde_json::Map::new();
    for i in out.ev.artifact.inputs_read(e) {
        let Some(input) = out.ev.artifact.inputs.get(i as usize) else { continue };
        let v = match out.bound.get(i) {
            None => J::Null,
            Some(crate::Value::Bool(b)) => J::Bool(*b),
            Some(crate::Value::Num(x)) => crate::num(*x),
            Some(crate::Value::Date(d)) => J::String(guidepath_ir::calendar::format_date(*d)),
            Some(crate::Value::Duration(d)) => J::String(d.to_iso()),
            Some(crate::Value::Text(t)) => J::String(t.clone()),
            Some(crate::Value::Enum(k)) => match &input.ty {
                guidepath_ir::ValueType::Enum { values } => {
                    values.get(*k as usize).map_or(J::Null, |s| J::String(s.clone()))
                }
                _ => J::Null,
            },
            Some(crate::Value::Set(mask)) => match &input.ty {
                guidepath_ir::ValueType::Set { values } => J::Array(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| mask & (1 << k) != 0)
                        .map(|(_, s)| J::String(s.clone()))
                        .collect(),
                ),
                _ => J::Null,
            },
        };
        m.insert(input.path.clone(), v);
    }
    J::Object(m)
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
                rules.push(json!({ "rule": node.id, "kind": "definition", "value": value, "at": at(node.at), "conditions": conditions(out, expr) }));
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
                    list.push(json!({ "stratum": s.name, "value": tri(m), "at": at(s.at), "conditions": conditions(out, &s.when) }));
                }
                // The stratum, or why there is none.
                let chosen = match value.strat {
                    crate::Strat::In(k) => strata.get(k as usize).map_or(J::Null, |s| J::String(s.name.clone())),
                    crate::Strat::Outside => J::String("not applicable".into()),
                    crate::Strat::Undecided => J::String("unknown".into()),
                };
                rules.push(json!({ "rule": node.id, "kind": "stratification", "value": chosen, "at": at(node.at), "strata": list }));
            }
            _ => {}
        }
    }
    for (r, t) in art.recommendations.iter().zip(out.recs()) {
        rules.push(json!({ "rule": r.id, "kind": "recommendation", "value": tri(*t), "at": at(r.at), "conditions": conditions(out, &r.when) }));
    }
    J::Array(rules)
}
