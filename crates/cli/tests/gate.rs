//! The one gate: a guideline with errors of the consistency analysis
//! (E09xx) reaches no patient. Every command that decides for patients
//! refuses the corpus files that have them, with the diagnostics `check`
//! prints; `--allow-findings` lets a draft through, and what it builds says
//! so wherever it is read.

#[path = "support/run.rs"]
mod run;
#[path = "support/server.rs"]
mod server;

use run::{guidepath, guidepath_stdin, root, temp_dir};
use serde_json::Value as J;
use server::{agent, call, post_json, Server};

/// Each error of the analysis, in a corpus file that has only it.
const FINDINGS: &[(&str, &str)] = &[
    ("tests/corpus/analysis/strata_overlap.guide", "E0901"),
    ("tests/corpus/analysis/strata_gap.guide", "E0902"),
    ("tests/corpus/analysis/contradiction.guide", "E0903"),
    ("tests/corpus/analysis/limit_before_start.guide", "E0907"),
    ("tests/corpus/analysis/limit_beyond_pathway.guide", "E0908"),
];

/// What `check` prints for the file: the diagnostics every refusal shows.
fn check_output(file: &str, code: &str) -> String {
    let (status, out, _) = guidepath(&["check", file]);
    assert_eq!(status, 1, "{file}: check finds the error\n{out}");
    assert!(out.contains(code), "{file}: {code}\n{out}");
    out
}

#[test]
fn every_path_to_a_patient_refuses_analysis_errors_as_check_shows_them() {
    let dir = temp_dir("gate-refuses");
    for &(file, code) in FINDINGS {
        let shown = check_output(file, code);
        let witness = shown.contains("for example") && shown.contains(": { ");
        assert!(witness, "{file}: check shows a witness patient\n{shown}");
        let artifact = dir.join("a.json");
        let artifact = artifact.to_str().unwrap();
        let cpg = dir.join("cpg");
        let cpg = cpg.to_str().unwrap();
        let runs: Vec<(&str, Vec<&str>, &str)> = vec![
            ("compile", vec!["compile", file, "-o", artifact], ""),
            ("eval", vec!["eval", "--format", "json", file], "{}"),
            ("eval --ndjson", vec!["eval", "--ndjson", file], "{}\n"),
            ("test", vec!["test", file], ""),
            ("sql", vec!["sql", "--dialect", "duckdb", file], ""),
            ("schema", vec!["schema", file], ""),
            ("serve", vec!["serve", "--addr", "127.0.0.1:0", file], ""),
            ("export --cpg", vec!["export", "--cpg", file, "-o", cpg], ""),
            ("export --bundles", vec!["export", "--bundles", file], "{}\n"),
        ];
        for (what, args, input) in runs {
            let (status, out, err) = guidepath_stdin(&args, input);
            assert_eq!(status, 1, "{what} {file} is refused\n{out}\n{err}");
            assert!(err.contains(shown.trim_end()), "{what} {file} prints check's diagnostics:\n{err}");
            assert!(!out.contains("\"recommendations\""), "{what} {file} evaluates nobody:\n{out}");
        }
        assert!(!std::path::Path::new(artifact).exists(), "no artifact is written for {file}");
        assert!(!std::path::Path::new(cpg).exists(), "no package is written for {file}");
    }
}

#[test]
fn allowed_findings_are_recorded_in_the_artifact_and_said_wherever_it_is_read() {
    let dir = temp_dir("gate-allowed");
    let file = "tests/corpus/analysis/strata_overlap.guide";
    let artifact = dir.join("overlap.json");
    let a = artifact.to_str().unwrap();
    let (status, _, err) = guidepath(&["compile", "--allow-findings", file, "-o", a]);
    assert_eq!(status, 0, "{err}");
    assert!(err.contains("E0901"), "the findings are still printed:\n{err}");
    assert!(
        err.contains("warning: --allow-findings: `corpus.overlap` was built with analysis errors (E0901)"),
        "{err}"
    );
    let art: J = serde_json::from_str(&std::fs::read_to_string(&artifact).unwrap()).unwrap();
    assert_eq!(art["findings"][0]["code"], "E0901", "{art}");
    assert_eq!(art["schema"], "2.2");

    // Read back, the artifact is refused unless allowed again.
    let patient = r#"{"score": 50}"#;
    let (status, _, err) = guidepath_stdin(&["eval", a], patient);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("built with 1 analysis error; E0901"), "{err}");
    assert_eq!(guidepath(&["sql", "--dialect", "postgres", a]).0, 1);
    let cpg = dir.join("cpg");
    assert_eq!(guidepath(&["export", "--cpg", a, "-o", cpg.to_str().unwrap()]).0, 1);
    assert!(!cpg.exists(), "no package of an artifact with findings");
    let (status, out, err) = guidepath_stdin(&["eval", "--allow-findings", "--format", "cds", a], patient);
    assert_eq!(status, 0, "{err}");
    assert!(err.contains("not for patients"), "{err}");
    let cards: J = serde_json::from_str(&out).unwrap();
    for card in cards["cards"].as_array().unwrap() {
        assert!(card["detail"].as_str().unwrap().contains("analysis errors (E0901)"), "{card}");
        assert_eq!(card["indicator"], "warning", "{card}");
    }

    // Removing the findings from the artifact breaks its hash.
    let mut stripped = art.clone();
    stripped.as_object_mut().unwrap().remove("findings");
    let stripped_path = dir.join("stripped.json");
    std::fs::write(&stripped_path, stripped.to_string()).unwrap();
    let (status, _, err) = guidepath_stdin(&["eval", stripped_path.to_str().unwrap()], patient);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("hash"), "{err}");

    // The server refuses it, or serves it saying so.
    let (status, _, err) = guidepath(&["serve", "--addr", "127.0.0.1:0", a]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("E0901"), "{err}");
    let s = Server::start(&root(), &["--allow-findings", a]);
    let agent = agent();
    let (_, _, health) = call(&agent, "GET", &format!("{}/healthz", s.base), None, b"");
    let health: J = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "findings", "{health}");
    assert!(health["warnings"][0].as_str().unwrap().contains("E0901"), "{health}");
    let hook = serde_json::json!({
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": { "userId": "Practitioner/1", "patientId": "1" },
        "prefetch": { "patient": { "resourceType": "Patient", "id": "1" } }
    });
    let (status, body) =
        post_json(&agent, &format!("{}/cds-services/corpus.overlap", s.base), "application/json", &hook.to_string());
    assert_eq!(status, 200, "{body}");
    for card in body["cards"].as_array().unwrap() {
        assert!(card["detail"].as_str().unwrap().contains("E0901"), "{card}");
    }
}

/// A reload that meets analysis errors keeps the version loaded before.
#[test]
fn a_reload_with_analysis_errors_keeps_the_previous_version() {
    let dir = temp_dir("gate-reload");
    let file = dir.join("overlap.guide");
    let overlapping = std::fs::read_to_string(root().join("tests/corpus/analysis/strata_overlap.guide")).unwrap();
    let exclusive = overlapping.replace("high when score >= 50", "high when score > 50");
    assert_ne!(exclusive, overlapping);
    std::fs::write(&file, &exclusive).unwrap();
    let s = Server::start(&dir, &["overlap.guide"]);
    let agent = agent();
    let evaluate = || {
        post_json(
            &agent,
            &format!("{}/v1/guidelines/corpus.overlap/evaluate", s.base),
            "application/json",
            r#"{"score": 50}"#,
        )
    };
    let (status, before) = evaluate();
    assert_eq!(status, 200, "{before}");

    std::fs::write(&file, &overlapping).unwrap();
    s.signal(libc::SIGHUP);
    let refused = s.wait_log("refused");
    assert!(refused.contains("overlap.guide"), "{refused}");
    s.wait_log("reloaded");
    let (_, _, health) = call(&agent, "GET", &format!("{}/healthz", s.base), None, b"");
    let health: J = serde_json::from_str(&health).unwrap();
    assert_eq!(health["last_reload"]["ok"], false, "{health}");
    assert!(health["last_reload"]["refused"][0].as_str().unwrap().contains("E0901"), "{health}");
    let (status, after) = evaluate();
    assert_eq!(status, 200);
    assert_eq!(after, before, "the exclusive version keeps serving");
}
