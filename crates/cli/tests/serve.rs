//! `guidepath serve`, end to end: the real binary on a loopback port, called
//! over HTTP as a record system would: evaluation (patient JSON and FHIR),
//! NDJSON, CDS Hooks (with the specification's own examples), bad requests,
//! reload on SIGHUP, concurrent clients, slow clients and SIGTERM.

#[path = "support/blocks.rs"]
mod blocks;
#[path = "support/run.rs"]
mod run;
#[path = "support/server.rs"]
mod server;

use run::{guidepath, root, temp_dir};
use serde_json::{json, Value as J};
use server::{agent, call, post_json, Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

const DK: &str = "dk.regioner.early_stratified_care";

#[test]
fn serves_what_eval_computes() {
    let s = Server::start(&root(), &["guidelines"]);
    let a = agent();

    let (st, ct, text) = call(&a, "GET", &format!("{}/v1/guidelines", s.base), None, b"");
    assert_eq!((st, ct.as_str()), (200, "application/json"));
    let cat: J = serde_json::from_str(&text).unwrap();
    let list = cat["guidelines"].as_array().unwrap();
    assert_eq!(list.len(), 7, "{text}");
    let skane = list.iter().find(|g| g["id"] == "se.skane.mms").unwrap();
    assert_eq!(skane["content_hash"].as_str().unwrap().len(), 64);

    // Patient JSON: the same result as `guidepath eval`.
    let patient = read("docs/examples/patient.json");
    let (st, got) = post_json(
        &a,
        &format!("{}/v1/guidelines/se.skane.mms/evaluate?explain=true", s.base),
        "application/json",
        &patient,
    );
    assert_eq!(st, 200, "{got}");
    let (code, out, err) = guidepath(&[
        "eval",
        "--explain",
        "--format",
        "json",
        "guidelines/se/skane_mms.guide",
        "docs/examples/patient.json",
    ]);
    assert_eq!(code, 0, "{err}");
    let want: J = serde_json::from_str(&out).unwrap();
    assert_eq!(got, want);

    // FHIR: the same result as `guidepath eval --fhir`.
    let bundle = read("tests/fhir/start_back_high.json");
    let url = format!("{}/v1/guidelines/{DK}/evaluate?at=2026-12-01", s.base);
    let (st, got) = post_json(&a, &url, "application/fhir+json", &bundle);
    assert_eq!(st, 200, "{got}");
    let (code, out, err) = guidepath(&[
        "eval",
        "--fhir",
        "--at",
        "2026-12-01",
        "--format",
        "json",
        "guidelines/dk/early_stratified_care.guide",
        "tests/fhir/start_back_high.json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, serde_json::from_str::<J>(&out).unwrap());
    assert_eq!(got["fhir"]["read"]["start_back.q5"], "QuestionnaireResponse/sb item /91349-1/91344-2");

    // Health and metrics after the calls.
    let (st, _, text) = call(&a, "GET", &format!("{}/healthz", s.base), None, b"");
    assert_eq!(st, 200);
    assert_eq!(serde_json::from_str::<J>(&text).unwrap()["guidelines"], 7);
    let (st, ct, text) = call(&a, "GET", &format!("{}/metrics", s.base), None, b"");
    assert_eq!(st, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    assert!(text.contains("guidepath_evaluations_total{guideline=\"se.skane.mms\"} 1"), "{text}");
    assert!(
        text.contains("guidepath_http_requests_total{route=\"/v1/guidelines/{id}/evaluate\",status=\"200\"} 2"),
        "{text}"
    );
    let (st, _, text) = call(&a, "GET", &format!("{}/openapi.json", s.base), None, b"");
    assert_eq!(st, 200);
    assert_eq!(serde_json::from_str::<J>(&text).unwrap()["openapi"], "3.0.3");
}

/// CDS Hooks: the discovery document in the specification's shape; a call
/// with a LOINC-coded STarT Back QuestionnaireResponse returns the risk
/// group's card with why, the same cards `eval --fhir --format cds` gives;
/// the specification's own example request is answered.
#[test]
fn cds_hooks_round_trip() {
    // The fixture reads the order being placed, which no shipped guideline does.
    let s = Server::start(&root(), &["guidelines", "tests/serve/order_select.guide"]);
    let a = agent();
    let (st, _, text) = call(&a, "GET", &format!("{}/cds-services", s.base), None, b"");
    assert_eq!(st, 200);
    let disc: J = serde_json::from_str(&text).unwrap();
    let spec: J = serde_json::from_str(&read("tests/cds-hooks/spec-discovery.json")).unwrap();
    let services = disc["services"].as_array().unwrap();
    for svc in services {
        for key in spec["services"][0].as_object().unwrap().keys() {
            assert!(svc.get(key).is_some(), "service lacks `{key}`: {svc}");
        }
        for v in svc["prefetch"].as_object().unwrap().values() {
            assert!(v.as_str().unwrap().contains("{{context.patientId}}"), "{svc}");
        }
    }
    let dk = services.iter().find(|x| x["id"] == DK).unwrap();
    assert_eq!(dk["hook"], "patient-view");
    assert!(dk["prefetch"]["questionnaireResponses"].is_string() && dk["prefetch"]["patient"].is_string(), "{dk}");
    let order = services.iter().find(|x| x["hook"] == "order-select").expect("an order-select service");
    assert_eq!(order["id"], "test.serve.order_select.order-select", "the fixture reads the referral (ServiceRequest)");
    assert!(!services.iter().any(|x| x["id"] == "se.skane.mms.order-select"), "Skåne no longer reads the order");

    let url = format!("{}/cds-services/{DK}?at=2026-12-01", s.base);
    let (st, cards) = post_json(&a, &url, "application/json", &read("tests/cds-hooks/start_back_high.request.json"));
    assert_eq!(st, 200, "{cards}");
    let list = cards["cards"].as_array().unwrap();
    let risk =
        list.iter().find(|c| c["summary"] == "STarT Back risk group: High risk").unwrap_or_else(|| panic!("{cards}"));
    assert_eq!(risk["indicator"], "info");
    let detail = risk["detail"].as_str().unwrap();
    assert!(
        detail.contains("`start_back.psychosocial >= 4`: ja")
            && detail.contains("start_back.q7 = true (QuestionnaireResponse/sb"),
        "{detail}"
    );
    assert!(risk["source"]["label"].as_str().unwrap().starts_with("Tidlig stratificeret indsats"), "{risk}");
    for c in list {
        assert!(c["summary"].as_str().unwrap().chars().count() <= 140);
        assert!(["info", "warning", "critical"].contains(&c["indicator"].as_str().unwrap()));
    }
    let (code, out, err) = guidepath(&[
        "eval",
        "--fhir",
        "--at",
        "2026-12-01",
        "--format",
        "cds",
        "guidelines/dk/early_stratified_care.guide",
        "tests/fhir/start_back_high.json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(cards, serde_json::from_str::<J>(&out).unwrap(), "the server and the CLI give the same cards");

    // Data missing: a card says which data would decide, by its FHIR route.
    let (st, cards) = post_json(&a, &url, "application/json", &read("tests/cds-hooks/start_back_missing.request.json"));
    assert_eq!(st, 200, "{cards}");
    let last = cards["cards"].as_array().unwrap().last().unwrap();
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("`start_back.q1`: Observation eller QuestionnaireResponse-punkt med kode loinc 91340-0"),
        "{last}"
    );

    // The specification's example request, to every patient-view service;
    // and its example prefetch data (with a value that is not a resource).
    let spec_req: J = serde_json::from_str(&read("tests/cds-hooks/spec-request.json")).unwrap();
    let mut with_data = spec_req.clone();
    with_data["prefetch"] =
        serde_json::from_str::<J>(&read("tests/cds-hooks/spec-prefetch-data.json")).unwrap()["prefetch"].clone();
    with_data["context"]["patientId"] = json!("1288992");
    for svc in services.iter().filter(|x| x["hook"] == "patient-view") {
        let url = format!("{}/cds-services/{}", s.base, svc["id"].as_str().unwrap());
        for req in [&spec_req, &with_data] {
            let (st, cards) = post_json(&a, &url, "application/json", &req.to_string());
            assert_eq!(st, 200, "{url}: {cards}");
            assert!(cards["cards"].is_array(), "{cards}");
        }
    }
}

/// A CDS call reads only the context's patient's data: answers about
/// another patient, or a Patient that is not the context's, are refused by
/// name (they once gave p1 the other patient's STarT Back risk).
#[test]
fn cds_calls_refuse_another_patients_data() {
    let s = Server::start(&root(), &["guidelines"]);
    let a = agent();
    let url = format!("{}/cds-services/{DK}", s.base);
    let request: J = serde_json::from_str(&read("tests/cds-hooks/start_back_high.request.json")).unwrap();
    let (st, _) = post_json(&a, &url, "application/json", &request.to_string());
    assert_eq!(st, 200);

    let mut other = request.clone();
    other["prefetch"]["questionnaireResponses"]["entry"][0]["resource"]["subject"]["reference"] =
        json!("Patient/someone-else");
    let (st, p) = post_json(&a, &url, "application/json", &other.to_string());
    assert_eq!(st, 422, "{p}");
    let said = p.to_string();
    assert!(said.contains("QuestionnaireResponse/sb") && said.contains("Patient/someone-else"), "{p}");

    let mut context = request.clone();
    context["context"]["patientId"] = json!("p2");
    let (st, p) = post_json(&a, &url, "application/json", &context.to_string());
    assert_eq!(st, 422, "{p}");
    assert!(p.to_string().contains("`Patient/p1` is not the patient named in the request"), "{p}");

    // And through the plain FHIR route, a Bundle with another patient's
    // answers.
    let bundle = read("tests/fhir/start_back_other_patient.json");
    let (st, p) = post_json(&a, &format!("{}/v1/guidelines/{DK}/evaluate", s.base), "application/fhir+json", &bundle);
    assert_eq!(st, 422, "{p}");
    assert!(p.to_string().contains("Patient/someone-else"), "{p}");
}

#[test]
fn bad_requests_get_problems_that_name_the_field() {
    let s = Server::start(&root(), &["guidelines", "--max-body", "65536"]);
    let a = agent();
    let ev = |id: &str| format!("{}/v1/guidelines/{id}/evaluate", s.base);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let big = format!("{{\"age\": 40, \"pad\": \"{}\"}}", "x".repeat(70_000));
    // Method, URL, content type, body, status, problem type.
    type Case<'a> = (&'a str, String, Option<&'a str>, String, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("POST", ev("se.skane.mms"), Some("application/json"), big, 413, "body-too-large"),
        ("POST", ev("se.skane.mms"), Some("application/json"), deep.clone(), 400, "too-deep"),
        ("POST", ev("se.skane.mms"), Some("application/fhir+json"), deep, 400, "too-deep"),
        ("POST", ev("se.skane.mms"), Some("text/plain"), "{}".into(), 415, "unsupported-media-type"),
        ("POST", ev("se.skane.mms"), None, "{}".into(), 415, "unsupported-media-type"),
        ("POST", ev("no.such.guideline"), Some("application/json"), "{}".into(), 404, "unknown-guideline"),
        ("POST", ev("se.skane.mms"), Some("application/json"), "{\"age\": 40".into(), 400, "invalid-json"),
        ("POST", ev("se.skane.mms"), Some("application/json"), "{\"age\": 400}".into(), 422, "invalid-patient-data"),
        // A key given twice: refused, never the last value silently.
        (
            "POST",
            ev("se.skane.mms"),
            Some("application/json"),
            "{\"age\": 40, \"age\": 10}".into(),
            422,
            "invalid-patient-data",
        ),
        (
            "POST",
            ev("se.skane.mms"),
            Some("application/fhir+json"),
            "{\"resourceType\": \"Patient\", \"id\": \"a\", \"id\": \"b\"}".into(),
            400,
            "invalid-json",
        ),
        (
            "POST",
            format!("{}?at=tomorrow", ev("se.skane.mms")),
            Some("application/fhir+json"),
            "{}".into(),
            400,
            "invalid-query",
        ),
        (
            "POST",
            format!("{}?explain=maybe", ev("se.skane.mms")),
            Some("application/json"),
            "{}".into(),
            400,
            "invalid-query",
        ),
        ("POST", ev("se.skane.mms"), Some("application/fhir+json"), "{\"entry\": []}".into(), 422, "invalid-fhir"),
        ("GET", ev("se.skane.mms"), None, String::new(), 405, "method-not-allowed"),
        ("GET", format!("{}/v2/nothing", s.base), None, String::new(), 404, "not-found"),
        (
            "POST",
            format!("{}/cds-services/{DK}", s.base),
            Some("application/json"),
            "{\"hook\": \"patient-view\", \"hookInstance\": \"x\", \"context\": {}}".into(),
            412,
            "prefetch-required",
        ),
        (
            "POST",
            format!("{}/cds-services/{DK}", s.base),
            Some("application/json"),
            "{\"hook\": \"order-select\", \"hookInstance\": \"x\", \"context\": {}}".into(),
            400,
            "invalid-cds-request",
        ),
        (
            "POST",
            format!("{}/cds-services/nothing", s.base),
            Some("application/json"),
            "{}".into(),
            404,
            "unknown-service",
        ),
    ];
    for (method, url, ct, body, status, kind) in cases {
        let (st, got_ct, text) = call(&a, method, &url, ct, body.as_bytes());
        assert_eq!(st, status, "{method} {url}: {text}");
        assert_eq!(got_ct, "application/problem+json", "{url}");
        let p: J = serde_json::from_str(&text).unwrap();
        assert_eq!(p["status"], status);
        assert_eq!(p["type"], format!("urn:guidepath:problem:{kind}"), "{text}");
    }
    // The field is named: a patient value and a FHIR answer.
    let (_, p) = post_json(&a, &ev("se.skane.mms"), "application/json", "{\"age\": 400}");
    assert_eq!(p["errors"][0]["field"], "age", "{p}");
    let (st, p) = post_json(
        &a,
        &format!("{}?at=2026-12-01", ev(DK)),
        "application/fhir+json",
        &read("tests/fhir/start_back_conflict.json"),
    );
    assert_eq!(st, 422);
    assert_eq!(p["errors"][0]["field"], "start_back.q5", "{p}");
    assert!(p["errors"][0]["location"].as_str().unwrap().starts_with("entry[3]"), "{p}");
    // And the server still answers.
    let (st, _, _) = call(&a, "GET", &format!("{}/healthz", s.base), None, b"");
    assert_eq!(st, 200);
}

/// A body over the limit gets its 413 problem even while the client is
/// still sending it (the server reads on and drops it, up to 16 times the
/// limit), at several sizes, from eight clients at once. It once closed the
/// connection at the limit, and a client still sending saw a reset.
#[test]
fn too_large_bodies_get_their_413_while_the_client_is_still_sending() {
    let max = 65_536usize;
    let s = Server::start(&root(), &["guidelines", "--max-body", &max.to_string()]);
    let addr = s.addr.clone();
    let sizes = [max + 1, 70_000, 2 * max, 8 * max, 15 * max];
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                for round in 0..3 {
                    let size = sizes[(t + round) % sizes.len()];
                    let body = format!("{{\"age\": 40, \"pad\": \"{}\"}}", "x".repeat(size));
                    // The request up to one byte past the limit; then,
                    // as a client still sending does, the rest after the
                    // server may have answered (a look of up to a second
                    // for an early answer: an answer before the body ends
                    // is what broke clients; a server that reads on gives
                    // none, and the test goes on either way, so no timing
                    // decides whether it passes), then the answer.
                    let mut c = TcpStream::connect(&addr).unwrap();
                    let head = format!(
                        "POST /v1/guidelines/se.skane.mms/evaluate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let mut request = head.into_bytes();
                    let first = request.len() + max + 1;
                    request.extend_from_slice(body.as_bytes());
                    c.write_all(&request[..first]).unwrap();
                    c.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                    let _ = c.peek(&mut [0u8; 1]);
                    c.set_read_timeout(None).unwrap();
                    c.write_all(&request[first..]).unwrap_or_else(|e| panic!("{size} bytes: sending failed: {e}"));
                    let mut answer = String::new();
                    c.read_to_string(&mut answer).unwrap_or_else(|e| panic!("{size} bytes: no answer: {e}"));
                    assert!(answer.starts_with("HTTP/1.1 413"), "{size} bytes: {answer}");
                    assert!(answer.contains("body-too-large"), "{size} bytes: {answer}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("every client got its 413");
    }
    // A body within the limit on a kept-alive connection after a refused
    // one is still answered.
    let a = agent();
    let big = format!("{{\"age\": 40, \"pad\": \"{}\"}}", "x".repeat(2 * max));
    let url = format!("{}/v1/guidelines/se.skane.mms/evaluate", s.base);
    let (st, _, _) = call(&a, "POST", &url, Some("application/json"), big.as_bytes());
    assert_eq!(st, 413);
    let (st, _, text) = call(&a, "POST", &url, Some("application/json"), b"{\"age\": 40}");
    assert_eq!(st, 200, "{text}");
}

#[test]
fn ndjson_streams_one_line_out_per_line_in() {
    let s = Server::start(&root(), &["guidelines"]);
    let a = agent();
    let mut body = String::new();
    for i in 0..2000 {
        match i {
            7 => body.push_str("{\"age\": \n"),
            8 => body.push('\n'),
            9 => body.push_str("{\"age\": 400}\n"),
            _ => body.push_str(&format!(
                "{{\"age\": {}, \"pain_duration\": \"P6M\", \"pain_sites\": [\"neck\"], \"linton_score\": {}}}\n",
                20 + i % 50,
                i % 100
            )),
        }
    }
    let url = format!("{}/v1/guidelines/se.skane.mms/evaluate-ndjson", s.base);
    let (st, ct, text) = call(&a, "POST", &url, Some("application/x-ndjson"), body.as_bytes());
    assert_eq!((st, ct.as_str()), (200, "application/x-ndjson"));
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines.len(), 2001, "one line out per line in, and the last newline");
    let rec = |i: usize| serde_json::from_str::<J>(lines[i]).unwrap();
    assert_eq!(rec(0)["line"], 1);
    assert!(rec(0)["recommendations"].is_array());
    assert!(rec(7)["error"].as_str().unwrap().starts_with("not JSON"), "{}", lines[7]);
    assert_eq!(lines[8], "");
    assert_eq!(rec(9)["errors"][0]["field"], "age");
    assert_eq!(rec(1999)["line"], 2000);
    let (st, _, _) = call(&a, "POST", &url, Some("application/json"), b"{}");
    assert_eq!(st, 415);
}

/// SIGHUP reloads; a guideline that fails to load is refused with its
/// diagnostics and the version before keeps serving.
#[test]
fn reload_takes_changes_and_refuses_broken_ones() {
    let dir = temp_dir("serve-reload");
    let file = dir.join("mini.guide");
    let mini = read("crates/eval/tests/data/mini.guide");
    std::fs::write(&file, &mini).unwrap();
    let s = Server::start(&dir, &["mini.guide"]);
    let a = agent();
    let catalogue = || -> J {
        let (_, _, t) = call(&a, "GET", &format!("{}/v1/guidelines", s.base), None, b"");
        serde_json::from_str::<J>(&t).unwrap()["guidelines"][0].clone()
    };
    let before = catalogue();
    assert_eq!(before["version"], "1");

    std::fs::write(&file, mini.replacen("version \"1\"", "version \"2\"", 1)).unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("reloaded");
    let after = catalogue();
    assert_eq!(after["version"], "2");
    assert_ne!(after["content_hash"], before["content_hash"]);

    std::fs::write(&file, mini.replacen("version \"1\"", "version \"3\" this is not a guideline", 1)).unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("refused");
    s.wait_log("reloaded");
    assert_eq!(catalogue(), after, "the version loaded before keeps serving");
    let (_, _, t) = call(&a, "GET", &format!("{}/healthz", s.base), None, b"");
    let h: J = serde_json::from_str(&t).unwrap();
    assert_eq!(h["last_reload"]["ok"], false);
    assert!(h["last_reload"]["refused"][0].as_str().unwrap().contains("mini.guide"), "{h}");
    let (st, _) =
        post_json(&a, &format!("{}/v1/guidelines/example.mini/evaluate", s.base), "application/json", "{\"age\": 30}");
    assert_eq!(st, 200);
}

/// Eight clients at once, a quarter of their requests bad: every good one
/// answered 200 with its result, every bad one 4xx, none 5xx.
#[test]
fn concurrent_clients_with_bad_requests_mixed_in() {
    let s = Server::start(&root(), &["guidelines"]);
    let base = s.base.clone();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let base = base.clone();
            std::thread::spawn(move || {
                let a = agent();
                let url = format!("{base}/v1/guidelines/se.skane.mms/evaluate");
                let (mut ok, mut bad) = (0, 0);
                for i in 0..150 {
                    let (body, ct) = match (t + i) % 4 {
                        0 => ("{\"age\": ".to_string(), "application/json"),
                        _ => (format!("{{\"age\": {}, \"pain_duration\": \"P4M\", \"pain_sites\": [\"neck\"], \"linton_score\": {}}}", 18 + i % 50, i % 101), "application/json"),
                    };
                    let (st, _, text) = call(&a, "POST", &url, Some(ct), body.as_bytes());
                    assert!(st < 500, "{st}: {text}");
                    if st == 200 {
                        assert!(text.contains("\"care_level\""));
                        ok += 1;
                    } else {
                        assert_eq!(st, 400);
                        bad += 1;
                    }
                }
                (ok, bad)
            })
        })
        .collect();
    let (mut ok, mut bad) = (0, 0);
    for t in threads {
        let (o, b) = t.join().unwrap();
        ok += o;
        bad += b;
    }
    assert_eq!((ok, bad), (900, 300));
    let (st, _, _) = call(&agent(), "GET", &format!("{base}/healthz"), None, b"");
    assert_eq!(st, 200);
}

/// A client that sends nothing is cut off; SIGTERM lets a request in
/// flight finish, then the server exits 0.
#[test]
fn slow_clients_time_out_and_sigterm_finishes_what_is_in_flight() {
    let mut s = Server::start(&root(), &["guidelines", "--client-timeout", "1"]);
    let mut idle = TcpStream::connect(&s.addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 64];
    let started = Instant::now();
    let n = idle.read(&mut buf).unwrap_or(0);
    assert!(started.elapsed() < Duration::from_secs(8), "cut off after about a second");
    let _ = n; // closed (0) or a 408 from the server: either way, not held open

    // A request whose body is half sent when SIGTERM arrives.
    let body = read("docs/examples/patient.json");
    let (head, tail) = body.split_at(body.len() / 2);
    let mut conn = TcpStream::connect(&s.addr).unwrap();
    write!(
        conn,
        "POST /v1/guidelines/se.skane.mms/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    s.signal(libc::SIGTERM);
    s.wait_log("shutting down");
    conn.write_all(tail.as_bytes()).unwrap();
    let mut resp = String::new();
    conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    conn.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// The served examples of README.md and docs/*.md, as a new user runs
/// them: the server started as the doc says, and each `curl` call's output
/// has the lines the doc shows.
#[test]
fn the_served_examples_of_the_docs_work() {
    let mut ran = 0;
    for doc in blocks::docs() {
        let blocks = blocks::blocks(&doc);
        let served = |b: &blocks::Block| b.marker.as_ref().is_some_and(|(k, _)| k == "served");
        if !blocks.iter().any(served) {
            continue;
        }
        let name = doc.strip_prefix(root()).unwrap_or(&doc).display().to_string();
        let start = blocks
            .iter()
            .find(|b| b.marker.as_ref().is_some_and(|(k, v)| k == "served" && v == "start"))
            .unwrap_or_else(|| panic!("{name} says how to start the server"));
        let args: Vec<&str> =
            start.text.trim().strip_prefix("guidepath serve ").expect("`guidepath serve …`").split(' ').collect();
        let s = Server::start(&root(), &args);
        // A doc that shows the line the server starts with shows it as printed.
        let text = std::fs::read_to_string(&doc).unwrap();
        if text.contains("listening on http://") {
            let shown = s.banner.replace(&s.addr, "127.0.0.1:8080");
            assert!(text.contains(&shown), "{name} does not show `{shown}`");
        }
        for b in blocks.iter().filter(|b| served(b)) {
            let Some((_, v)) = &b.marker else { continue };
            let Some(cmd) = v.strip_prefix("excerpt of output: ") else { continue };
            let cmd = cmd.replace("127.0.0.1:8080", &s.addr);
            let out = Command::new("sh").arg("-c").arg(&cmd).current_dir(root()).output().expect("sh runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let at = format!("{name}:{}", b.line);
            assert!(out.status.success(), "{at}: `{cmd}` failed: {}", String::from_utf8_lossy(&out.stderr));
            if let Err(e) = blocks::output_has(&text, &b.text) {
                panic!("{at}: `{cmd}` {e}");
            }
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} examples");
}
