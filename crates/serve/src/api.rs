//! The routes and their handlers (CDS Hooks in `cds.rs`).

use crate::catalogue::Entry;
use crate::problem::{FieldError, Problem};
use crate::{metrics, State};
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{MatchedPath, Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use guidepath_eval::{Evaluator, InputError, ReportOptions};
use guidepath_fhir::{FhirError, Reading, Resources};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as J};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use guidepath_eval::MAX_PATIENT_DEPTH;
/// FHIR and CDS Hooks requests nest as FHIR does.
pub use guidepath_fhir::read::MAX_JSON_DEPTH as MAX_FHIR_DEPTH;

/// The OpenAPI document of this service.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/guidelines", get(guidelines))
        .route("/v1/guidelines/{id}/evaluate", post(evaluate))
        .route("/v1/guidelines/{id}/evaluate-ndjson", post(evaluate_ndjson))
        .route("/cds-services", get(crate::cds::discovery))
        .route("/cds-services/{id}", post(crate::cds::service))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

type St = axum::extract::State<Arc<State>>;

/// Counts each request by route and status, with its duration.
async fn track(axum::extract::State(st): St, req: Request, next: Next) -> Response {
    let route = metrics::route_index(req.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    st.metrics.record(route, resp.status().as_u16(), start.elapsed().as_secs_f64());
    resp
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "no such resource; the routes are in /openapi.json")
}

async fn method_not_allowed() -> Problem {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "this route does not take that method")
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

// ---------------------------------------------------------------- catalogue

/// A guideline as the catalogue lists it (borrowed from its entry).
#[derive(Serialize)]
pub(crate) struct GuidelineInfo<'a> {
    pub id: &'a str,
    pub version: Option<&'a str>,
    pub title: Option<&'a str>,
    pub language: Option<&'a str>,
    pub status: Option<&'a str>,
    pub content_hash: &'a str,
    /// The artifact schema it was compiled to.
    pub schema: &'a str,
    pub links: Links,
}

#[derive(Serialize)]
pub(crate) struct Links {
    evaluate: String,
    evaluate_ndjson: String,
    cds_service: String,
}

pub(crate) fn info(e: &Entry) -> GuidelineInfo<'_> {
    let a = e.evaluator.artifact();
    let g = &a.guideline;
    GuidelineInfo {
        id: &e.id,
        version: g.version.as_deref(),
        title: g.title.get(g.language.as_deref(), None),
        language: g.language.as_deref(),
        status: g.status.as_deref(),
        content_hash: &a.content_hash,
        schema: &a.schema,
        links: Links {
            evaluate: format!("/v1/guidelines/{}/evaluate", e.id),
            evaluate_ndjson: format!("/v1/guidelines/{}/evaluate-ndjson", e.id),
            cds_service: format!("/cds-services/{}", e.id),
        },
    }
}

async fn guidelines(axum::extract::State(st): St) -> Response {
    let cat = st.catalogue();
    #[derive(Serialize)]
    struct List<'a> {
        guidelines: Vec<GuidelineInfo<'a>>,
    }
    let list = List { guidelines: cat.entries.iter().map(|e| info(e)).collect() };
    json_response(StatusCode::OK, serde_json::to_vec(&list).unwrap_or_default())
}

// ----------------------------------------------------------------- evaluate

#[derive(Deserialize, Default)]
pub(crate) struct EvalQuery {
    explain: Option<bool>,
    texts: Option<bool>,
    pub lang: Option<String>,
    /// The day ages and durations are counted to, for FHIR data.
    at: Option<String>,
    strict: Option<bool>,
}

/// The query, refused whole when any parameter is wrong, whether or not
/// this request uses it (`at` is wrong with patient JSON too: found by
/// schemathesis, which sent `at=` with patient JSON and got 200).
pub(crate) fn query(q: Result<Query<EvalQuery>, QueryRejection>) -> Result<EvalQuery, Problem> {
    let q = q.map(|Query(q)| q).map_err(|e| {
        Problem::new(StatusCode::BAD_REQUEST, "invalid-query", format!("invalid query: {}", e.body_text()))
    })?;
    at(&q)?;
    Ok(q)
}

pub(crate) fn entry(st: &State, id: Result<Path<String>, PathRejection>) -> Result<Arc<Entry>, Problem> {
    let Path(id) = id.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid-path", e.body_text()))?;
    st.catalogue().get(&id).cloned().ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-guideline",
            format!("no guideline `{id}`; GET /v1/guidelines lists them"),
        )
    })
}

/// The evaluation date: `?at=`, else today (UTC).
pub(crate) fn at(q: &EvalQuery) -> Result<i64, Problem> {
    match &q.at {
        None => Ok((crate::now_secs() / 86_400) as i64),
        Some(s) => guidepath_ir::calendar::parse_date(s).ok_or_else(|| {
            Problem::new(StatusCode::BAD_REQUEST, "invalid-query", format!("`at` is not a date YYYY-MM-DD: `{s}`"))
        }),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Json,
    Fhir,
    Ndjson,
}

pub(crate) fn content_kind(headers: &HeaderMap) -> Option<Kind> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => Some(Kind::Json),
        "application/fhir+json" => Some(Kind::Fhir),
        "application/x-ndjson" | "application/jsonl" => Some(Kind::Ndjson),
        _ => None,
    }
}

fn unsupported(want: &str) -> Problem {
    Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", format!("send {want}"))
}

/// How much of a body over the limit is read and dropped so that its 413
/// reaches the client: a connection closed with unread data is reset, and
/// a client still sending then sees the reset, not the answer.
pub(crate) const DRAIN_FACTOR: usize = 16;

/// The whole body, within the size limit and the time limit. A body over
/// the limit is read on (and dropped) up to [`DRAIN_FACTOR`] times the
/// limit within the same time, so the client, still sending, gets its 413
/// problem; past that the connection is closed after the answer.
pub(crate) async fn read_body(st: &State, body: Body) -> Result<Bytes, Problem> {
    let max = st.config.max_body;
    match tokio::time::timeout(st.config.body_timeout, collect_within(body, max, max.saturating_mul(DRAIN_FACTOR)))
        .await
    {
        Err(_) => Err(Problem::new(StatusCode::REQUEST_TIMEOUT, "body-timeout", "the body did not arrive in time")),
        Ok(Collected::Whole(bytes)) => Ok(bytes),
        Ok(Collected::TooLarge) => Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the body is larger than {max} bytes"),
        )),
        Ok(Collected::Broken(e)) => {
            Err(Problem::new(StatusCode::BAD_REQUEST, "unreadable-body", format!("cannot read the body: {e}")))
        }
    }
}

/// What reading a body gave.
enum Collected {
    Whole(Bytes),
    /// Over the limit (read to its end, or to the drain bound).
    TooLarge,
    Broken(String),
}

/// Reads frames up to `max` bytes; past that, reads and drops them up to
/// `drain` bytes in all.
async fn collect_within(mut body: Body, max: usize, drain: usize) -> Collected {
    use http_body_util::BodyExt;
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Err(e)) => return Collected::Broken(e.to_string()),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else { continue };
                seen = seen.saturating_add(data.len());
                if seen > drain {
                    return Collected::TooLarge;
                }
                if seen <= max {
                    kept.extend_from_slice(&data);
                } else if !kept.is_empty() {
                    kept = Vec::new();
                }
            }
        }
    }
    if seen > max {
        Collected::TooLarge
    } else {
        Collected::Whole(Bytes::from(kept))
    }
}

pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, Problem> {
    std::str::from_utf8(bytes)
        .map(|t| t.trim_start_matches('\u{feff}'))
        .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "invalid-json", "the body is not UTF-8 text"))
}

/// FHIR JSON text as a value, within the nesting bound.
pub(crate) fn parse_json(text: &str, max_depth: usize) -> Result<J, Problem> {
    if guidepath_ir::depth::deeper_than(text, max_depth) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "too-deep",
            format!("the JSON is nested deeper than {max_depth} levels"),
        ));
    }
    let (value, repeated) = guidepath_ir::json::from_str(text)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid-json", format!("not JSON: {e}")))?;
    if !repeated.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-json",
            guidepath_ir::json::repeated_message(&repeated),
        ));
    }
    Ok(value)
}

pub(crate) fn fhir_problem(errors: Vec<FhirError>) -> Problem {
    let n = errors.len();
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fhir", format!("{n} problem(s) reading the FHIR data"))
        .with_errors(
            errors
                .into_iter()
                .map(|e| FieldError { field: e.field, location: Some(e.location), message: e.message })
                .collect(),
        )
}

fn bind_problem(errors: Vec<guidepath_eval::BindError>, reading: Option<&Reading>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-patient-data", "values that do not fit their fields")
        .with_errors(
            errors
                .into_iter()
                .map(|e| {
                    let location = reading.and_then(|r| r.sources.get(&e.path)).cloned();
                    FieldError { field: Some(e.path), location, message: e.message }
                })
                .collect(),
        )
}

/// FHIR data (a Bundle or a resource) read for `ev`.
pub(crate) fn read_fhir(ev: &Evaluator, value: &J, at: i64) -> Result<Reading, Problem> {
    let mut res = Resources::default();
    res.add(value, "").map_err(|e| fhir_problem(vec![e]))?;
    guidepath_fhir::read(ev.artifact(), &res, at).map_err(fhir_problem)
}

/// A result with its `fhir` member, in the result's own member order.
#[derive(Serialize)]
struct WithFhir<'a> {
    #[serde(flatten)]
    report: &'a guidepath_eval::Report<'a>,
    fhir: J,
}

/// JSON of a result, into a buffer sized for one: growing it from empty
/// took several copies per request.
fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let _ = serde_json::to_writer(&mut out, v);
    out
}

/// Evaluates one patient (JSON or FHIR) and writes the result.
pub(crate) fn evaluate_body(entry: &Entry, fhir: bool, bytes: &[u8], q: &EvalQuery) -> Result<Vec<u8>, Problem> {
    let ev = &entry.evaluator;
    let text = utf8(bytes)?;
    let opts =
        ReportOptions { explain: q.explain.unwrap_or(false), lang: q.lang.clone(), texts: q.texts.unwrap_or(false) };
    let strict = q.strict.unwrap_or(false);
    let (bound, reading) = match fhir {
        false => {
            if guidepath_ir::depth::deeper_than(text, MAX_PATIENT_DEPTH) {
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "too-deep",
                    format!("the JSON is nested deeper than {MAX_PATIENT_DEPTH} levels"),
                ));
            }
            let mut unknown = Vec::new();
            let bound = ev.bind_str_listing(text, &mut unknown).map_err(|e| match e {
                InputError::Json(m) => Problem::new(StatusCode::BAD_REQUEST, "invalid-json", format!("not JSON: {m}")),
                InputError::Data(errors) => bind_problem(errors, None),
            })?;
            if strict {
                let mut errors: Vec<FieldError> = unknown
                    .into_iter()
                    .map(|p| FieldError {
                        field: Some(p),
                        location: None,
                        message: "not a field of this guideline".into(),
                    })
                    .collect();
                errors.extend(ev.missing_required(&bound).into_iter().map(|p| FieldError {
                    field: Some(p.to_string()),
                    location: None,
                    message: "required and missing".into(),
                }));
                if !errors.is_empty() {
                    return Err(Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid-patient-data",
                        "strict: fields refused",
                    )
                    .with_errors(errors));
                }
            }
            (bound, None)
        }
        true => {
            let value = parse_json(text, MAX_FHIR_DEPTH)?;
            let reading = read_fhir(ev, &value, at(q)?)?;
            let bound = ev.bind(&reading.patient).map_err(|e| bind_problem(e, Some(&reading)))?;
            (bound, Some(reading))
        }
    };
    let out = ev.evaluate(&bound);
    let report = out.report_with(&opts);
    entry.evaluations.fetch_add(1, Relaxed);
    let body = match &reading {
        Some(r) => {
            let fhir = guidepath_fhir::results::annotation(ev.artifact(), report.needs(), r);
            to_json(&WithFhir { report: &report, fhir })
        }
        None => to_json(&report),
    };
    Ok(body)
}

async fn evaluate(
    axum::extract::State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<EvalQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        let entry = entry(&st, id)?;
        let q = query(q)?;
        let fhir = match content_kind(&headers) {
            Some(Kind::Json) => false,
            Some(Kind::Fhir) => true,
            _ => return Err(unsupported("application/json (patient data) or application/fhir+json (a FHIR Bundle)")),
        };
        let bytes = read_body(&st, body).await?;
        evaluate_body(&entry, fhir, &bytes, &q)
    };
    match run.await {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(p) => p.into_response(),
    }
}

// ------------------------------------------------------------------- NDJSON

/// One line's result: its number and the result.
#[derive(Serialize)]
struct Record<'a> {
    line: u64,
    #[serde(flatten)]
    report: guidepath_eval::Report<'a>,
}

#[derive(Serialize)]
struct ErrorRecord {
    line: u64,
    error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

/// One patient JSON per line in, one line out per line in (a result, an
/// error record, or a blank line), streamed both ways: memory is bounded by
/// the longest line and a few lines in flight, whatever the number of lines.
async fn evaluate_ndjson(
    axum::extract::State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<EvalQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let entry = match entry(&st, id) {
        Ok(e) => e,
        Err(p) => return p.into_response(),
    };
    let q = match query(q) {
        Ok(q) => q,
        Err(p) => return p.into_response(),
    };
    if content_kind(&headers) != Some(Kind::Ndjson) {
        return unsupported("application/x-ndjson: one patient's JSON per line").into_response();
    }
    let opts =
        ReportOptions { explain: q.explain.unwrap_or(false), lang: q.lang.clone(), texts: q.texts.unwrap_or(false) };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let max_line = st.config.max_body;
    let idle = st.config.body_timeout;
    let state = st.clone();
    tokio::spawn(async move {
        use http_body_util::BodyExt;
        let mut body = body;
        let mut buf: Vec<u8> = Vec::new();
        let mut line_no = 0u64;
        let mut skipping = false;
        loop {
            let frame = match tokio::time::timeout(idle, body.frame()).await {
                Err(_) => {
                    let _ = tx.send(Err(std::io::Error::other("the body did not arrive in time"))).await;
                    return;
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
                Ok(Some(Ok(f))) => f,
            };
            let Ok(data) = frame.into_data() else { continue };
            let mut rest: &[u8] = &data;
            while !rest.is_empty() {
                let (piece, ended) = match rest.iter().position(|b| *b == b'\n') {
                    Some(i) => (&rest[..i], true),
                    None => (rest, false),
                };
                rest = if ended { &rest[piece.len() + 1..] } else { &[] };
                if !skipping {
                    if buf.len() + piece.len() > max_line {
                        skipping = true;
                        buf.clear();
                    } else {
                        buf.extend_from_slice(piece);
                    }
                }
                if ended {
                    line_no += 1;
                    let out = if skipping {
                        skipping = false;
                        error_line(line_no, format!("line is longer than {max_line} bytes"), Vec::new())
                    } else {
                        let out = ndjson_line(&entry, &opts, line_no, &buf);
                        buf.clear();
                        out
                    };
                    state.metrics.ndjson_records.fetch_add(1, Relaxed);
                    if tx.send(Ok(Bytes::from(out))).await.is_err() {
                        return;
                    }
                }
            }
        }
        if skipping || !buf.is_empty() {
            line_no += 1;
            let out = if skipping {
                error_line(line_no, format!("line is longer than {max_line} bytes"), Vec::new())
            } else {
                ndjson_line(&entry, &opts, line_no, &buf)
            };
            state.metrics.ndjson_records.fetch_add(1, Relaxed);
            let _ = tx.send(Ok(Bytes::from(out))).await;
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    r
}

fn error_line(line: u64, error: String, errors: Vec<FieldError>) -> Vec<u8> {
    let mut v = serde_json::to_vec(&ErrorRecord { line, error, errors }).unwrap_or_default();
    v.push(b'\n');
    v
}

fn ndjson_line(entry: &Entry, opts: &ReportOptions, line: u64, raw: &[u8]) -> Vec<u8> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let Ok(text) = std::str::from_utf8(raw) else { return error_line(line, "not UTF-8 text".into(), Vec::new()) };
    if text.trim().is_empty() {
        return b"\n".to_vec();
    }
    if guidepath_ir::depth::deeper_than(text, MAX_PATIENT_DEPTH) {
        return error_line(line, format!("nested deeper than {MAX_PATIENT_DEPTH} levels"), Vec::new());
    }
    match entry.evaluator.bind_str(text.trim_start_matches('\u{feff}')) {
        Ok(bound) => {
            let out = entry.evaluator.evaluate(&bound);
            entry.evaluations.fetch_add(1, Relaxed);
            let mut v = to_json(&Record { line, report: out.report_with(opts) });
            v.push(b'\n');
            v
        }
        Err(InputError::Json(m)) => error_line(line, format!("not JSON: {m}"), Vec::new()),
        Err(InputError::Data(errors)) => error_line(
            line,
            "invalid patient data".into(),
            errors
                .into_iter()
                .map(|e| FieldError { field: Some(e.path), location: None, message: e.message })
                .collect(),
        ),
    }
}

// ------------------------------------------------------------------ service

async fn healthz(axum::extract::State(st): St) -> Response {
    let cat = st.catalogue();
    let n = cat.entries.len();
    let last = match st.last_reload.lock() {
        Ok(s) => s.clone(),
        Err(p) => p.into_inner().clone(),
    };
    // A guideline built with analysis errors (served with
    // --allow-findings) is said here, as on each of its cards.
    let warnings: Vec<String> =
        cat.entries.iter().filter_map(|e| guidepath_ir::gate::warning(e.evaluator.artifact())).collect();
    let status = if warnings.is_empty() { "ok" } else { "findings" };
    let body = json!({ "status": status, "guidelines": n, "warnings": warnings, "last_reload": last });
    json_response(StatusCode::OK, serde_json::to_vec(&body).unwrap_or_default())
}

async fn metrics_text(axum::extract::State(st): St) -> Response {
    let cat = st.catalogue();
    let evals: Vec<(String, u64)> = cat.entries.iter().map(|e| (e.id.clone(), e.evaluations.load(Relaxed))).collect();
    let text = st.metrics.render(&evals, cat.entries.len());
    let mut r = text.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}

/// The OpenAPI document, with the ids this server serves as the values of
/// its `id` parameters, so the document describes this server exactly.
async fn openapi(axum::extract::State(st): St) -> Response {
    let mut doc: J = serde_json::from_str(OPENAPI).unwrap_or_default();
    let cat = st.catalogue();
    let ids: Vec<J> = cat.entries.iter().map(|e| J::String(e.id.clone())).collect();
    let services: Vec<J> = crate::cds::service_ids(&cat).into_iter().map(J::String).collect();
    if let Some(schema) = doc.pointer_mut("/components/parameters/id/schema") {
        schema["enum"] = J::Array(ids);
    }
    if let Some(schema) = doc.pointer_mut("/paths/~1cds-services~1{id}/post/parameters/0/schema") {
        schema["enum"] = J::Array(services);
    }
    json_response(StatusCode::OK, serde_json::to_vec_pretty(&doc).unwrap_or_default())
}
