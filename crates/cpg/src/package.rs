//! The FHIR R4 resources of the package, and `package.json`. Each resource
//! claims the CPG IG 2.0 profile it follows in `meta.profile`.

use crate::library::AT;
use crate::{definition_id, fhir_id, library, library_name, CpgError, Library};
use base64::Engine as _;
use guidepath_ir::{Artifact, Direction, Pathway, Recommendation, Text};
use serde_json::{json, Value as J};

const CPG: &str = "http://hl7.org/fhir/uv/cpg/StructureDefinition";

/// Where the package's canonical URLs live and who publishes it.
#[derive(Debug, Clone)]
pub struct Options {
    /// The base of every canonical URL (`https://example.org/fhir`).
    pub base: String,
    /// The publisher when the guideline names no issuer.
    pub publisher: Option<String>,
}

/// An inline test as a test bundle: the patient's data in FHIR, the day it
/// is evaluated on, and what each result of the library is then.
#[derive(Debug, Clone)]
pub struct TestBundle {
    pub name: String,
    pub bundle: J,
    /// `YYYY-MM-DD`.
    pub at: String,
    /// Result name → expected value (null for unknown).
    pub expected: Vec<(String, J)>,
}

/// The files of the package: a path inside the output folder and its text.
#[derive(Debug, Clone)]
pub struct Package {
    pub library: Library,
    pub files: Vec<(String, String)>,
}

/// The package of one guideline.
pub fn package(art: &Artifact, tests: &[TestBundle], options: &Options) -> Result<Package, CpgError> {
    let lib = library(art)?;
    let base = options.base.trim_end_matches('/');
    let name = lib.name.clone();
    let version = lib.version.clone();
    let lang = art.guideline.language.as_deref();
    let title = |t: &Text| t.get(lang, None).map(str::to_string);
    // An artifact let through with analysis errors is a draft, whatever
    // its lifecycle says.
    let status = if art.findings.is_empty() { status(art.guideline.status.as_deref()) } else { "draft" };
    let publisher = art.guideline.issuer.clone().or_else(|| options.publisher.clone());
    let lib_url = format!("{base}/Library/{name}");
    let meta = |resource: &mut J, kind: &str, id: &str, profile: &[&str]| {
        resource["resourceType"] = J::String(kind.into());
        resource["id"] = J::String(id.into());
        resource["meta"] = json!({"profile": profile.iter().map(|p| format!("{CPG}/{p}")).collect::<Vec<_>>()});
        resource["url"] = J::String(format!("{base}/{kind}/{id}"));
        resource["version"] = J::String(version.clone());
        resource["name"] = J::String(library_name(id));
        resource["status"] = J::String(status.into());
        resource["experimental"] = J::Bool(status == "draft");
        if let Some(p) = &publisher {
            resource["publisher"] = J::String(p.clone());
        }
    };
    let mut files = Vec::new();
    let mut write =
        |path: String, v: &J| files.push((path, format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())));

    // The Library.
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let elm_text = serde_json::to_string(&lib.elm).map_err(|e| CpgError::Invalid(e.to_string()))?;
    let mut library = json!({});
    meta(&mut library, "Library", &name, &["cpg-computablelibrary", "cpg-executablelibrary"]);
    library["title"] = title(&art.guideline.title).map_or(J::Null, J::String);
    library["type"] =
        json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}]});
    library["content"] = json!([
        {"contentType": "text/cql", "data": b64(&lib.cql)},
        {"contentType": "application/elm+json", "data": b64(&elm_text)},
    ]);
    let mut params = vec![json!({"name": AT, "use": "in", "min": 0, "max": "1", "type": "date"})];
    for o in &lib.outputs {
        let ty = match o.kind {
            crate::OutputKind::Boolean => "boolean",
            crate::OutputKind::Decimal => "decimal",
            crate::OutputKind::Date => "date",
            crate::OutputKind::String | crate::OutputKind::Strings => "string",
        };
        let max = if o.kind == crate::OutputKind::Strings { "*" } else { "1" };
        params.push(json!({"name": o.name, "use": "out", "min": 0, "max": max, "type": ty}));
    }
    library["parameter"] = J::Array(params);
    library["dataRequirement"] = J::Array(data_requirements(art));
    if library["title"].is_null() {
        if let Some(o) = library.as_object_mut() {
            o.remove("title");
        }
    }
    write(format!("Library-{name}.json"), &library);

    // A recommendation: its ActivityDefinition and its PlanDefinition.
    for r in &art.recommendations {
        let id = definition_id(&art.guideline.id, &r.id);
        let mut ad = json!({});
        meta(&mut ad, "ActivityDefinition", &id, &["cpg-computableactivity"]);
        ad["title"] = J::String(title(&r.title).unwrap_or_else(|| r.action.clone()));
        ad["kind"] = J::String("ServiceRequest".into());
        ad["code"] = json!({"text": r.action});
        // A recommendation against an action is the action not done.
        ad["doNotPerform"] = J::Bool(r.direction == Direction::Against);
        write(format!("ActivityDefinition-{id}.json"), &ad);
        let mut pd = json!({});
        meta(&mut pd, "PlanDefinition", &id, &["cpg-recommendationdefinition"]);
        recommendation(&mut pd, r, &lib_url, &format!("{base}/ActivityDefinition/{id}"), title(&r.title));
        write(format!("PlanDefinition-{id}.json"), &pd);
    }
    // A pathway: its steps as actions, each time limit an offset from what
    // it counts from.
    for p in &art.pathways {
        let id = definition_id(&art.guideline.id, &p.id);
        let mut pd = json!({});
        meta(&mut pd, "PlanDefinition", &id, &["cpg-pathwaydefinition"]);
        pathway(&mut pd, art, p, &lib_url, &title);
        write(format!("PlanDefinition-{id}.json"), &pd);
    }
    // An instrument: its items as a Questionnaire.
    for inst in &art.instruments {
        let id = definition_id(&art.guideline.id, &inst.id);
        let mut q = json!({});
        meta(&mut q, "Questionnaire", &id, &["cpg-questionnaire"]);
        questionnaire(&mut q, art, inst, &title);
        write(format!("Questionnaire-{id}.json"), &q);
    }
    // The inline tests: a Bundle of the patient's data and the expected
    // results as Parameters, in the CPG IG's tests/<library>/<case>/ layout.
    for t in tests {
        let case = t.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>();
        let mut parameters = vec![json!({"name": AT, "valueDate": t.at})];
        for (n, v) in &t.expected {
            parameters.extend(expected(n, v));
        }
        let expected = json!({
            "resourceType": "Parameters",
            "id": fhir_id(&format!("{name}-{case}")),
            "parameter": parameters,
        });
        write(format!("tests/{name}/{case}/bundle.json"), &t.bundle);
        write(format!("tests/{name}/{case}/expected.json"), &expected);
    }
    let pkg = json!({
        "name": format!("guidepath.{}", art.guideline.id.to_lowercase().replace('_', "-")),
        "version": version,
        "description": title(&art.guideline.title).unwrap_or_else(|| art.guideline.id.clone()),
        "canonical": base,
        "fhirVersions": ["4.0.1"],
        "type": "fhir.ig",
        "author": publisher.clone().unwrap_or_default(),
        "dependencies": {"hl7.fhir.r4.core": "4.0.1", "hl7.fhir.uv.cpg": "2.0.0"},
        "license": "Apache-2.0",
    });
    write("package.json".into(), &pkg);
    Ok(Package { library: lib, files })
}

/// The lifecycle's status as a FHIR publication status.
fn status(s: Option<&str>) -> &'static str {
    match s {
        Some("active") => "active",
        Some("retired" | "superseded") => "retired",
        // Draft, in hearing, under review, or none said.
        _ => "draft",
    }
}

fn expected(name: &str, v: &J) -> Vec<J> {
    match v {
        J::Null => vec![json!({"name": name})],
        J::Bool(b) => vec![json!({"name": name, "valueBoolean": b})],
        J::Number(n) => vec![json!({"name": name, "valueDecimal": n})],
        J::String(s) if name.starts_with("due.") => vec![json!({"name": name, "valueDate": s})],
        J::String(s) => vec![json!({"name": name, "valueString": s})],
        J::Array(a) => a.iter().map(|x| json!({"name": name, "valueString": x.as_str().unwrap_or("")})).collect(),
        J::Object(_) => vec![json!({"name": name})],
    }
}

/// What the library retrieves: each kind of resource, with the codes it
/// filters on where the fields have them.
fn data_requirements(art: &Artifact) -> Vec<J> {
    let mut out: Vec<(String, Vec<J>)> = vec![("Patient".into(), Vec::new())];
    let mut add = |kind: &str, codes: &[guidepath_ir::Code]| {
        let idx = match out.iter().position(|(k, _)| k == kind) {
            Some(i) => i,
            None => {
                out.push((kind.to_string(), Vec::new()));
                out.len() - 1
            }
        };
        for c in codes {
            out[idx].1.push(json!({"system": c.system, "code": c.code}));
        }
    };
    for i in &art.inputs {
        match &i.from {
            Some(from) => add(from.split('.').next().unwrap_or(from), &i.codes),
            None => {
                if !i.codes.is_empty() {
                    add("Observation", &i.codes);
                }
                add("QuestionnaireResponse", &[]);
            }
        }
    }
    out.into_iter()
        .map(|(kind, codes)| {
            let mut d = json!({"type": kind, "profile": [format!("http://hl7.org/fhir/StructureDefinition/{kind}")]});
            if !codes.is_empty() {
                let path = if kind == "Encounter" { "type" } else { "code" };
                d["codeFilter"] = json!([{"path": path, "code": codes}]);
            }
            d
        })
        .collect()
}

fn cql_condition(lib_url: &str, expression: &str) -> J {
    json!({
        "kind": "applicability",
        "expression": {"language": "text/cql-identifier", "expression": expression, "reference": lib_url},
    })
}

fn recommendation(pd: &mut J, r: &Recommendation, lib_url: &str, ad_url: &str, title: Option<String>) {
    pd["type"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "eca-rule"}]});
    pd["library"] = json!([lib_url]);
    if let Some(t) = &title {
        pd["title"] = J::String(t.clone());
    }
    let mut action = json!({
        "title": title.clone().unwrap_or_else(|| r.action.clone()),
        "condition": [cql_condition(lib_url, &format!("rec.{}", r.id))],
        "definitionCanonical": ad_url,
    });
    let mut ext = Vec::new();
    if let Some(s) = &r.strength {
        ext.push(json!({"url": "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation", "valueCodeableConcept": {"text": s}}));
    }
    if let Some(c) = &r.certainty {
        ext.push(json!({"url": "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence", "valueCodeableConcept": {"text": c}}));
    }
    if !ext.is_empty() {
        action["extension"] = J::Array(ext);
    }
    pd["action"] = json!([action]);
}

fn pathway(pd: &mut J, art: &Artifact, p: &Pathway, lib_url: &str, title: &dyn Fn(&Text) -> Option<String>) {
    pd["type"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol"}]});
    pd["library"] = json!([lib_url]);
    if let Some(t) = title(&p.title) {
        pd["title"] = J::String(t);
    }
    let mut actions = Vec::new();
    for s in &p.steps {
        let mut a = json!({
            "id": s.id,
            "title": title(&s.title).unwrap_or_else(|| s.id.clone()),
            "condition": [cql_condition(lib_url, &format!("step.{}.{}", p.id, s.id))],
        });
        if let Some(limit) = &s.limit {
            let (value, unit, code) = match (limit.amount.months, limit.amount.days, limit.amount.minutes) {
                (m, 0, 0) if m != 0 => (m, "months", "mo"),
                (0, d, 0) => (d, "days", "d"),
                (0, 0, t) => (t, "minutes", "min"),
                // Months and days together: the offset is the step's due
                // date, which the library computes.
                _ => (0, "", ""),
            };
            if !unit.is_empty() {
                let offset = json!({"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code});
                match limit.anchor {
                    guidepath_ir::Anchor::Step(j) => {
                        if let Some(before) = p.steps.get(j as usize) {
                            a["relatedAction"] =
                                json!([{"actionId": before.id, "relationship": "after-end", "offsetDuration": offset}]);
                        }
                    }
                    guidepath_ir::Anchor::Input(i) => {
                        let from = art.inputs.get(i as usize).map_or(String::new(), |x| x.path.clone());
                        a["timingTiming"] = json!({"repeat": {"boundsDuration": offset}});
                        a["description"] = J::String(format!("within {value} {unit} after `{from}`"));
                    }
                }
            }
            a["dynamicValue"] = json!([{
                "path": "timing",
                "expression": {"language": "text/cql-identifier", "expression": format!("due.{}.{}", p.id, s.id), "reference": lib_url},
            }]);
        }
        actions.push(a);
    }
    let mut top = json!({"title": title(&p.title).unwrap_or_else(|| p.id.clone()), "action": actions});
    top["condition"] = json!([cql_condition(lib_url, &format!("pathway.{}", p.id))]);
    pd["action"] = json!([top]);
}

fn questionnaire(
    q: &mut J,
    art: &Artifact,
    inst: &guidepath_ir::InstrumentInfo,
    title: &dyn Fn(&Text) -> Option<String>,
) {
    if let Some(t) = title(&inst.title) {
        q["title"] = J::String(t);
    }
    q["code"] = J::Array(inst.codes.iter().map(|c| json!({"system": c.system, "code": c.code})).collect());
    let prefix = format!("{}.", inst.id);
    let mut items = Vec::new();
    for input in art.inputs.iter().filter(|i| i.path.starts_with(&prefix) && i.scoring.is_some()) {
        let link = input.codes.first().map_or(input.path.clone(), |c| c.code.clone());
        let mut item = json!({
            "linkId": link,
            "text": title(&input.description).unwrap_or_else(|| input.path.clone()),
            "code": input.codes.iter().map(|c| json!({"system": c.system, "code": c.code})).collect::<Vec<_>>(),
        });
        match &input.ty {
            guidepath_ir::ValueType::Boolean => item["type"] = "boolean".into(),
            guidepath_ir::ValueType::Integer => item["type"] = "integer".into(),
            guidepath_ir::ValueType::Decimal => item["type"] = "decimal".into(),
            guidepath_ir::ValueType::Enum { values } => {
                item["type"] = "choice".into();
                let options: Vec<J> = values
                    .iter()
                    .enumerate()
                    .map(|(k, v)| match input.value_codes.get(k).and_then(|c| c.first()) {
                        Some(c) => json!({"valueCoding": {"system": c.system, "code": c.code, "display": v}}),
                        None => json!({"valueCoding": {"code": v}}),
                    })
                    .collect();
                item["answerOption"] = J::Array(options);
            }
            _ => item["type"] = "string".into(),
        }
        items.push(item);
    }
    q["item"] = J::Array(items);
}
