//! CDS Hooks 2.0 (`docs/serve.md`): the discovery document and the
//! services, one per guideline for `patient-view`, and one for
//! `order-select` where the guideline reads the order (a ServiceRequest).
//!
//! The service reads the FHIR data of the request's `prefetch` (and, for
//! `order-select`, its draft orders); it does not query the FHIR server, so
//! a request without prefetch is answered 412, as the specification allows.

use crate::api::{self, EvalQuery, MAX_FHIR_DEPTH};
use crate::problem::Problem;
use crate::State;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use guidepath_eval::ReportOptions;
use guidepath_fhir::Resources;
use guidepath_ir::Artifact;
use serde_json::{json, Map, Value as J};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

const ORDER_SELECT: &str = ".order-select";

/// The FHIR resource types a guideline reads, each with its prefetch key
/// and query.
fn prefetch(art: &Artifact) -> Map<String, J> {
    let mut kinds: Vec<&str> = Vec::new();
    for input in &art.inputs {
        let kind = match input.from.as_deref().and_then(|f| f.split('.').next()) {
            Some(k) => k,
            None if input.codes.is_empty() => "QuestionnaireResponse",
            None => {
                // Coded: an Observation, or an item of a response.
                if !kinds.contains(&"Observation") {
                    kinds.push("Observation");
                }
                "QuestionnaireResponse"
            }
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let mut m = Map::new();
    for k in
        ["Patient", "Condition", "Observation", "QuestionnaireResponse", "Procedure", "ServiceRequest", "Encounter"]
    {
        if !kinds.contains(&k) {
            continue;
        }
        let (key, query) = match k {
            "Patient" => ("patient", "Patient/{{context.patientId}}".to_string()),
            "QuestionnaireResponse" => {
                ("questionnaireResponses", "QuestionnaireResponse?subject={{context.patientId}}".into())
            }
            "Condition" => ("conditions", "Condition?patient={{context.patientId}}".into()),
            "Observation" => ("observations", "Observation?patient={{context.patientId}}".into()),
            "Procedure" => ("procedures", "Procedure?patient={{context.patientId}}".into()),
            "ServiceRequest" => ("serviceRequests", "ServiceRequest?patient={{context.patientId}}".into()),
            _ => ("encounters", "Encounter?patient={{context.patientId}}".into()),
        };
        m.insert(key.into(), J::String(query));
    }
    m
}

fn reads_orders(art: &Artifact) -> bool {
    art.inputs.iter().any(|i| i.from.as_deref().is_some_and(|f| f.starts_with("ServiceRequest.")))
}

/// The ids of the services of `cat`, in the order of the discovery document.
pub fn service_ids(cat: &crate::Catalogue) -> Vec<String> {
    let mut out = Vec::new();
    for e in &cat.entries {
        out.push(e.id.clone());
        if reads_orders(e.evaluator.artifact()) {
            out.push(format!("{}{ORDER_SELECT}", e.id));
        }
    }
    out
}

pub async fn discovery(axum::extract::State(st): axum::extract::State<Arc<State>>) -> Response {
    let cat = st.catalogue();
    let mut services = Vec::new();
    for e in &cat.entries {
        let art = e.evaluator.artifact();
        let info = api::info(e);
        let title = info.title.unwrap_or(info.id);
        let description = format!(
            "{title}{}: recommendations and strata of guideline {}, with why",
            info.version.map(|v| format!(" ({v})")).unwrap_or_default(),
            info.id
        );
        let pre = prefetch(art);
        services.push(json!({
            "hook": "patient-view",
            "id": info.id,
            "title": title,
            "description": description,
            "prefetch": pre,
        }));
        if reads_orders(art) {
            services.push(json!({
                "hook": "order-select",
                "id": format!("{}{ORDER_SELECT}", info.id),
                "title": title,
                "description": format!("{description}; reads the draft orders"),
                "prefetch": pre,
            }));
        }
    }
    let mut r =
        (StatusCode::OK, serde_json::to_vec(&json!({ "services": services })).unwrap_or_default()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn bad(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "invalid-cds-request", detail)
}

pub async fn service(
    axum::extract::State(st): axum::extract::State<Arc<State>>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<EvalQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match call(&st, id, q, &headers, body).await {
        Ok(cards) => {
            let mut r = (StatusCode::OK, serde_json::to_vec(&cards).unwrap_or_default()).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(p) => p.into_response(),
    }
}

async fn call(
    st: &State,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<EvalQuery>, QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<J, Problem> {
    let Path(id) = id.map_err(|e| bad(e.body_text()))?;
    let (gid, hook) = match id.strip_suffix(ORDER_SELECT) {
        Some(g) => (g.to_string(), "order-select"),
        None => (id.clone(), "patient-view"),
    };
    let entry = st.catalogue().get(&gid).cloned().ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-service",
            format!("no CDS service `{id}`; GET /cds-services lists them"),
        )
    })?;
    if hook == "order-select" && !reads_orders(entry.evaluator.artifact()) {
        return Err(Problem::new(StatusCode::NOT_FOUND, "unknown-service", format!("no CDS service `{id}`")));
    }
    let q = api::query(q)?;
    if !matches!(api::content_kind(headers), Some(api::Kind::Json | api::Kind::Fhir)) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "send the CDS Hooks request as application/json",
        ));
    }
    let bytes = api::read_body(st, body).await?;
    let text = api::utf8(&bytes)?;
    let request = api::parse_json(text, MAX_FHIR_DEPTH)?;
    let Some(req) = request.as_object() else { return Err(bad("a CDS Hooks request is a JSON object")) };
    match req.get("hook").and_then(J::as_str) {
        Some(h) if h == hook => {}
        Some(h) => return Err(bad(format!("this service answers `{hook}`, not `{h}`"))),
        None => return Err(bad("`hook` is required")),
    }
    // A required string of CDS Hooks may not be empty or blank.
    if req.get("hookInstance").and_then(J::as_str).is_none_or(|h| h.trim().is_empty()) {
        return Err(bad("`hookInstance` is required (a UUID of this call)"));
    }
    let Some(context) = req.get("context").and_then(J::as_object) else { return Err(bad("`context` is required")) };
    match (req.get("fhirServer"), req.get("fhirAuthorization")) {
        (Some(J::String(u)), _) if !u.trim().is_empty() => {}
        (Some(_), _) => return Err(bad("`fhirServer` is the URL of the client's FHIR server")),
        (None, Some(_)) => return Err(bad("`fhirAuthorization` comes with `fhirServer`")),
        (None, None) => {}
    }
    if req.get("fhirAuthorization").is_some_and(|a| !a.is_object()) {
        return Err(bad("`fhirAuthorization` is an object"));
    }
    let patient_id = context.get("patientId").and_then(J::as_str);
    let mut res = Resources::default();
    let mut any = false;
    match req.get("prefetch") {
        // CDS Hooks: an optional member without a value is left out, not null.
        None => {}
        Some(J::Object(p)) => {
            // The keys this service asks for, worked out only for a value
            // that is not a resource (rare).
            let mut asked: Option<Map<String, J>> = None;
            for (k, v) in p {
                // null: the client has no such data. A value that is not a
                // resource under a key this service did not ask for (the
                // specification's own example sends `"user": "123"`) is
                // not ours to read; under one it asked for, it is an error.
                let is_resource = v.get("resourceType").is_some_and(J::is_string);
                let ours = |asked: &mut Option<Map<String, J>>| {
                    asked.get_or_insert_with(|| prefetch(entry.evaluator.artifact())).contains_key(k)
                };
                if v.is_null() || (!is_resource && !ours(&mut asked)) {
                    continue;
                }
                any = true;
                res.add(v, &format!("prefetch.{k}")).map_err(|e| api::fhir_problem(vec![e]))?;
            }
        }
        Some(_) => return Err(bad("`prefetch` is an object of FHIR resources")),
    }
    if hook == "order-select" {
        if let Some(orders) = context.get("draftOrders") {
            any = true;
            res.add(orders, "context.draftOrders").map_err(|e| api::fhir_problem(vec![e]))?;
        }
    }
    if !any {
        return Err(Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "prefetch-required",
            "send the FHIR data as `prefetch` (see GET /cds-services); this service does not query the FHIR server",
        ));
    }
    let ev = &entry.evaluator;
    // Only the context's patient's data is read: a resource about anyone
    // else is refused by name.
    let reading = guidepath_fhir::read_for(ev.artifact(), &res, api::at(&q)?, patient_id).map_err(api::fhir_problem)?;
    let bound = ev.bind(&reading.patient).map_err(|errors| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-patient-data", "values that do not fit their fields")
            .with_errors(
                errors
                    .into_iter()
                    .map(|e| crate::FieldError {
                        location: reading.sources.get(&e.path).cloned(),
                        field: Some(e.path),
                        message: e.message,
                    })
                    .collect(),
            )
    })?;
    let out = ev.evaluate(&bound);
    entry.evaluations.fetch_add(1, Relaxed);
    let opts = ReportOptions { explain: true, lang: q.lang.clone(), texts: true };
    let result = serde_json::to_value(out.report_with(&opts)).unwrap_or_default();
    Ok(guidepath_fhir::cards(ev.artifact(), &result, Some(&reading), None))
}
