//! `guidepath export`: a guideline for other systems. `--cpg` writes the
//! HL7 CPG-on-FHIR package (`docs/cpg.md`); `--bundles` writes patient
//! data as FHIR Bundles, each with guidepath's result of reading and
//! evaluating that Bundle, for test systems and for the ELM differential.

use guidepath_analysis::gate::Policy;
use guidepath_eval::Evaluator;
use guidepath_ir::calendar::format_date;
use serde_json::{json, Value as J};
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

/// Writes the package of `guideline` into `out`. Exit status: 0 written;
/// 1 the guideline has errors or uses what ELM cannot say exactly; 2 usage
/// or I/O errors.
pub fn cpg(guideline: &Path, out: &Path, base: &str, at: i64, policy: Policy) -> ExitCode {
    let (art, tests) = if crate::load::is_source(guideline) {
        match crate::load::source(guideline, policy) {
            Ok(l) => (l.artifact, l.tests),
            Err(e) => return e.exit(),
        }
    } else {
        match crate::load::artifact(guideline, policy) {
            Ok(a) => (a, Vec::new()),
            Err(e) => return e.exit(),
        }
    };
    let evaluator = match Evaluator::new(art.clone()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {}: {e}", guideline.display());
            return ExitCode::from(2);
        }
    };
    // Each inline test as a Bundle, kept when the Bundle, read back as
    // `eval --fhir` reads it, still passes the test.
    let mut bundles = Vec::new();
    for (k, t) in tests.iter().enumerate() {
        let id = format!("test-{}", k + 1);
        let checked =
            guidepath_fhir::write::bundle(&art, &t.patient, at, &id).map_err(|e| e.to_string()).and_then(|b| {
                let result = read_and_evaluate(&evaluator, &b, at)?;
                let mut case = t.clone();
                case.patient = result.1;
                guidepath_analysis::inline_tests::run_case(&evaluator, &case).map_err(|m| m.trim().to_string())?;
                Ok((b, result.0))
            });
        match checked {
            Ok((bundle, result)) => bundles.push(guidepath_cpg::TestBundle {
                name: t.name.clone(),
                bundle,
                at: format_date(at),
                expected: expected(&result),
            }),
            Err(m) => eprintln!(
                "warning: test `{}` is left out of the package: its data as FHIR does not pass it: {m}",
                t.name
            ),
        }
    }
    let options = guidepath_cpg::Options { base: base.to_string(), publisher: None };
    let package = match guidepath_cpg::package(&art, &bundles, &options) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", guideline.display());
            return ExitCode::from(1);
        }
    };
    for (path, text) in &package.files {
        let file = out.join(path);
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| crate::atomic::write(&file, text.as_bytes()));
        if let Err(e) = written {
            eprintln!("error: cannot write `{}`: {e}", file.display());
            return ExitCode::from(2);
        }
    }
    // The CQL and the ELM beside the package as files of their own: the
    // CQL for people, the ELM for engines that load ELM files.
    let elm = format!("{}\n", serde_json::to_string_pretty(&package.library.elm).unwrap_or_default());
    for (name, text) in [("cql", &package.library.cql), ("elm.json", &elm)] {
        let file = out.join(format!("{}.{name}", package.library.name));
        if let Err(e) = crate::atomic::write(&file, text.as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", file.display());
            return ExitCode::from(2);
        }
    }
    if !crate::quiet() {
        eprintln!(
            "wrote {} files to {} ({} of {} tests as bundles)",
            package.files.len() + 2,
            out.display(),
            bundles.len(),
            tests.len()
        );
    }
    ExitCode::SUCCESS
}

/// A Bundle read as `eval --fhir` reads it and evaluated: the result JSON
/// and the patient data read.
fn read_and_evaluate(evaluator: &Evaluator, bundle: &J, at: i64) -> Result<(J, J), String> {
    let mut resources = guidepath_fhir::Resources::default();
    resources.add(bundle, "").map_err(|e| e.to_string())?;
    let reading = guidepath_fhir::read(evaluator.artifact(), &resources, at)
        .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))?;
    let outcome = evaluator
        .evaluate_json(&reading.patient)
        .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))?;
    Ok((outcome.to_json(), reading.patient))
}

/// A result as the library's results: `stratum.<id>`, `rec.<id>`, …
/// (`docs/cpg.md`).
pub fn expected(result: &J) -> Vec<(String, J)> {
    let mut out = Vec::new();
    let list = |k: &str| result.get(k).and_then(J::as_array).cloned().unwrap_or_default();
    for s in list("strata") {
        out.push((format!("stratum.{}", s["id"].as_str().unwrap_or("")), s["stratum"].clone()));
    }
    for s in list("scores") {
        let id = s["id"].as_str().unwrap_or("");
        out.push((format!("score.{id}.min"), s["min"].clone()));
        out.push((format!("score.{id}.max"), s["max"].clone()));
    }
    for r in list("recommendations") {
        out.push((format!("rec.{}", r["id"].as_str().unwrap_or("")), r["applies"].clone()));
    }
    for p in list("pathways") {
        let pid = p["id"].as_str().unwrap_or("");
        out.push((format!("pathway.{pid}"), p["applies"].clone()));
        for s in p["steps"].as_array().into_iter().flatten() {
            let id = format!("{pid}.{}", s["id"].as_str().unwrap_or(""));
            out.push((format!("step.{id}"), s["applies"].clone()));
            if let Some(d) = s.get("deadline").filter(|d| !d.is_null()) {
                out.push((format!("due.{id}"), d["due"].clone()));
                let applies = match d["state"].as_str() {
                    Some("decided") => J::Bool(true),
                    Some("not_applicable") => J::Bool(false),
                    _ => J::Null,
                };
                out.push((format!("deadline.{id}.applies"), applies));
            }
        }
    }
    out
}

/// Patient data, one JSON object a line on standard input, as one line
/// each: `{"bundle": …, "result": …}` with guidepath's result of reading
/// and evaluating the Bundle (`{"error": …}` when it refuses it), or
/// `{"error": …}` alone when the data cannot be written as FHIR. A line
/// that is a FHIR resource (it has `resourceType`) is read as it is.
pub fn bundles(guideline: &Path, at: i64, policy: Policy) -> ExitCode {
    let evaluator = match crate::load::evaluator(guideline, policy) {
        Ok(e) => e,
        Err(e) => return e.exit(),
    };
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = false;
    for (n, line) in stdin.lock().lines().enumerate() {
        let Ok(line) = line else {
            eprintln!("error: line {}: not UTF-8 text", n + 1);
            return ExitCode::from(2);
        };
        if line.trim().is_empty() {
            continue;
        }
        let record = match serde_json::from_str::<J>(&line) {
            // A line that is FHIR already is read as it is: a test system
            // varies the Bundles written and has them evaluated again.
            Ok(bundle) if bundle.get("resourceType").is_some() => {
                let result = match read_and_evaluate(&evaluator, &bundle, at) {
                    Ok((r, _)) => r,
                    Err(m) => json!({"error": m}),
                };
                json!({"bundle": bundle, "result": result})
            }
            Ok(patient) => {
                match guidepath_fhir::write::bundle(evaluator.artifact(), &patient, at, &format!("p{}", n + 1)) {
                    Ok(bundle) => {
                        let result = match read_and_evaluate(&evaluator, &bundle, at) {
                            Ok((r, _)) => r,
                            Err(m) => json!({"error": m}),
                        };
                        json!({"bundle": bundle, "result": result})
                    }
                    Err(e) => {
                        failed = true;
                        json!({"error": e.to_string()})
                    }
                }
            }
            Err(e) => {
                failed = true;
                json!({"error": format!("line {}: {e}", n + 1)})
            }
        };
        if serde_json::to_writer(&mut out, &record).is_err() || out.write_all(b"\n").is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
