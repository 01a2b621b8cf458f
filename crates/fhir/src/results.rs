//! Results as FHIR R4 resources: the decided scores and strata of coded
//! instruments as Observations, the recommendations as a GuidanceResponse
//! with a RequestGroup, and the data that would decide the rest as its
//! `dataRequirement`.
//!
//! Built from the documented JSON result of an evaluation
//! (`docs/schema/result.schema.json`), so this crate needs only the
//! artifact and that result, not the evaluator.

use crate::read::Reading;
use guidepath_ir::calendar::format_date;
use guidepath_ir::{Artifact, Code, Input, NodeKind};
use serde_json::{json, Map, Value as J};

/// What the resources are about.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The evaluation date, days since 1970-01-01.
    pub at: i64,
    /// The patient data was read from, when it came as FHIR.
    pub reading: Option<&'a Reading>,
}

/// A `collection` Bundle: Observations, then the GuidanceResponse.
pub fn bundle(art: &Artifact, result: &J, cx: Context<'_>) -> J {
    let mut entries: Vec<J> = observations(art, result, cx).into_iter().map(|r| json!({ "resource": r })).collect();
    entries.push(json!({ "resource": guidance_response(art, result, cx) }));
    json!({ "resourceType": "Bundle", "type": "collection", "entry": entries })
}

fn subject(cx: Context<'_>) -> Option<J> {
    cx.reading.and_then(|r| r.subject.as_ref()).map(|s| json!({ "reference": s }))
}

/// A resource id from a rule id: FHIR ids take letters, digits, `-` and `.`.
fn resource_id(id: &str) -> String {
    let s: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    s.chars().take(64).collect()
}

fn coding(c: &Code, display: Option<&str>) -> J {
    let mut m = Map::new();
    m.insert("system".into(), J::String(c.system.clone()));
    m.insert("code".into(), J::String(c.code.clone()));
    if let Some(d) = display {
        m.insert("display".into(), J::String(d.to_string()));
    }
    J::Object(m)
}

fn by_id<'j>(list: &'j J, id: &str) -> Option<&'j J> {
    list.as_array()?.iter().find(|x| x.get("id").and_then(J::as_str) == Some(id))
}

/// An Observation for each decided score and stratification that has a
/// code (STarT Back's total as 91351-7, its risk as 91352-5 with the
/// answer code of the risk group).
pub fn observations(art: &Artifact, result: &J, cx: Context<'_>) -> Vec<J> {
    let mut out = Vec::new();
    for node in &art.nodes {
        if node.codes.is_empty() {
            continue;
        }
        let title = node.title.get(art.guideline.language.as_deref(), None);
        let code = json!({
            "coding": node.codes.iter().map(|c| coding(c, title)).collect::<Vec<_>>(),
            "text": title.unwrap_or(&node.id),
        });
        let value = match &node.kind {
            NodeKind::Score { .. } => {
                let Some(s) = by_id(&result["scores"], &node.id) else { continue };
                if s["state"] != "decided" {
                    continue;
                }
                let Some(v) = s["value"].as_f64() else { continue };
                let v = if v.fract() == 0.0 && v.abs() < 1e15 { J::from(v as i64) } else { json!(v) };
                (
                    "valueQuantity",
                    json!({ "value": v, "unit": "{score}", "system": "http://unitsofmeasure.org", "code": "{score}" }),
                )
            }
            NodeKind::Stratify { strata, .. } => {
                let Some(s) = by_id(&result["strata"], &node.id) else { continue };
                let Some(name) = s["stratum"].as_str().filter(|_| s["state"] == "decided") else { continue };
                let Some(st) = strata.iter().find(|st| st.name == name) else { continue };
                let text = st.title.get(art.guideline.language.as_deref(), None).unwrap_or(name);
                let mut cc = Map::new();
                if !st.codes.is_empty() {
                    cc.insert("coding".into(), J::Array(st.codes.iter().map(|c| coding(c, Some(text))).collect()));
                }
                cc.insert("text".into(), J::String(text.to_string()));
                ("valueCodeableConcept", J::Object(cc))
            }
            NodeKind::Define { .. } => continue,
        };
        let mut obs = Map::new();
        obs.insert("resourceType".into(), J::String("Observation".into()));
        obs.insert("id".into(), J::String(resource_id(&node.id)));
        obs.insert("status".into(), J::String("final".into()));
        obs.insert(
            "category".into(),
            json!([{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey" }] }]),
        );
        obs.insert("code".into(), code);
        if let Some(s) = subject(cx) {
            obs.insert("subject".into(), s);
        }
        obs.insert("effectiveDateTime".into(), J::String(format_date(cx.at)));
        obs.insert(value.0.into(), value.1);
        out.push(J::Object(obs));
    }
    out
}

/// The recommendations as a GuidanceResponse: `success` when every one is
/// decided, `data-required` with the data that would decide the rest
/// otherwise; those that apply as the actions of a contained RequestGroup.
pub fn guidance_response(art: &Artifact, result: &J, cx: Context<'_>) -> J {
    let recs = result["recommendations"].as_array().cloned().unwrap_or_default();
    let mut actions = Vec::new();
    let mut needed: Vec<&str> = Vec::new();
    for r in &recs {
        if r["applies"] == true {
            let mut a = Map::new();
            if let Some(t) = r["title"].as_str() {
                a.insert("title".into(), J::String(t.to_string()));
            }
            if let Some(t) = r["rationale"].as_str() {
                a.insert("description".into(), J::String(t.to_string()));
            }
            // RequestGroup has no "against": an action's code says which
            // way the recommendation goes.
            let dir = r["direction"].as_str().unwrap_or("for");
            a.insert("code".into(), json!([{ "text": format!("{dir}: {}", r["action"].as_str().unwrap_or("")) }]));
            actions.push(J::Object(a));
        }
        if r["state"] == "undecided" {
            for n in r["needs"].as_array().into_iter().flatten().filter_map(J::as_str) {
                if !needed.contains(&n) {
                    needed.push(n);
                }
            }
        }
    }
    let mut group = Map::new();
    group.insert("resourceType".into(), J::String("RequestGroup".into()));
    group.insert("id".into(), J::String("recommendations".into()));
    group.insert("status".into(), J::String("draft".into()));
    group.insert("intent".into(), J::String("proposal".into()));
    if let Some(s) = subject(cx) {
        group.insert("subject".into(), s);
    }
    if !actions.is_empty() {
        group.insert("action".into(), J::Array(actions));
    }
    let g = &art.guideline;
    let module = format!("{} {} (content hash {})", g.id, g.version.as_deref().unwrap_or(""), art.content_hash);
    let mut gr = Map::new();
    gr.insert("resourceType".into(), J::String("GuidanceResponse".into()));
    gr.insert("id".into(), J::String(resource_id(&g.id)));
    gr.insert("contained".into(), J::Array(vec![J::Object(group)]));
    gr.insert("moduleCodeableConcept".into(), json!({ "text": module }));
    gr.insert("status".into(), J::String(if needed.is_empty() { "success" } else { "data-required" }.into()));
    if let Some(s) = subject(cx) {
        gr.insert("subject".into(), s);
    }
    gr.insert("occurrenceDateTime".into(), J::String(format_date(cx.at)));
    gr.insert("result".into(), json!({ "reference": "#recommendations" }));
    let reqs: Vec<J> =
        needed.iter().filter_map(|p| art.inputs.iter().find(|i| i.path == *p)).map(data_requirement).collect();
    if !reqs.is_empty() {
        gr.insert("dataRequirement".into(), J::Array(reqs));
    }
    J::Object(gr)
}

/// The FHIR data that would give a field its value.
pub fn data_requirement(input: &Input) -> J {
    let mut d = Map::new();
    let (kind, element) = match input.from.as_deref().and_then(|f| f.split_once('.')) {
        Some((k, e)) => (k.to_string(), e.to_string()),
        None if input.codes.is_empty() => {
            ("QuestionnaireResponse".into(), format!("item.where(linkId='{}')", input.path))
        }
        None => ("Observation".into(), "value".into()),
    };
    d.insert("type".into(), J::String(kind));
    d.insert("mustSupport".into(), json!([element]));
    if !input.codes.is_empty() {
        d.insert(
            "codeFilter".into(),
            json!([{ "path": "code", "code": input.codes.iter().map(|c| coding(c, None)).collect::<Vec<_>>() }]),
        );
    }
    // The element id names the guideline field the data decides.
    d.insert("id".into(), J::String(resource_id(&input.path)));
    J::Object(d)
}

/// Every field a result names in a `needs`, once, in order of appearance.
pub fn needed_fields(result: &J) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo = vec![result];
    while let Some(v) = todo.pop() {
        match v {
            J::Object(m) => {
                for (k, x) in m.iter().rev() {
                    if k == "needs" {
                        for n in x.as_array().into_iter().flatten().filter_map(J::as_str) {
                            if !out.iter().any(|o| o == n) {
                                out.push(n.to_string());
                            }
                        }
                    } else if k != "explanation" {
                        todo.push(x);
                    }
                }
            }
            J::Array(a) => todo.extend(a.iter().rev()),
            _ => {}
        }
    }
    out
}

/// The member `fhir` of a result of data read from FHIR: where each field
/// was read (`read`), where each missing field that would decide something
/// would be read (`needs`: the fields of the result's `needs`, as
/// [`needed_fields`] finds them), and data that was there but could not be
/// used (`notes`).
pub fn annotation<'n>(art: &Artifact, needed: impl IntoIterator<Item = &'n str>, reading: &Reading) -> J {
    let mut needs = Map::new();
    for p in needed {
        if let Some(input) = art.inputs.iter().find(|i| i.path == p) {
            needs.insert(p.to_string(), J::String(crate::read::route(input, guidepath_words::Lang::En.words())));
        }
    }
    json!({ "read": reading.sources, "needs": needs, "notes": reading.notes })
}
