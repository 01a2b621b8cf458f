//! `guidepath compile` and `guidepath eval`.

use crate::{render, Format};
use guidepath_check::{Disk, Lowered, Severity};
use guidepath_eval::{BindError, Evaluator, InputError};
use guidepath_ir::Artifact;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

/// Compiles a `.guide` file, printing its diagnostics to stderr when it has
/// errors (exit 1) or cannot be read (exit 2).
pub fn compile_source(path: &Path) -> Result<Lowered, ExitCode> {
    let compiled = guidepath_check::compile(&Disk, path);
    if let Some((p, e)) = compiled.checked.load_errors.first() {
        eprintln!("error: cannot read `{}`: {e}", p.display());
        return Err(ExitCode::from(2));
    }
    match compiled.lowered {
        Some(l) => {
            if compiled.checked.count(Severity::Warning) > 0 {
                eprint!("{}", render::human(&compiled.checked));
            }
            Ok(l)
        }
        None => {
            eprint!("{}", render::human(&compiled.checked));
            Err(ExitCode::from(1))
        }
    }
}

pub fn compile(file: &Path, output: Option<&Path>, yaml: bool) -> ExitCode {
    let lowered = match compile_source(file) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let text = if yaml {
        match serde_yaml::to_string(&lowered.artifact) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot write YAML: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        let mut t = serde_json::to_string_pretty(&lowered.artifact).unwrap_or_default();
        t.push('\n');
        t
    };
    match output {
        Some(p) => {
            if let Err(e) = crate::atomic::write(p, text.as_bytes()) {
                eprintln!("error: cannot write `{}`: {e}", p.display());
                return ExitCode::from(2);
            }
        }
        None => {
            if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

/// An evaluator from a guideline or an artifact file.
pub fn load(path: &Path) -> Result<Evaluator, ExitCode> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == guidepath_check::EXTENSION {
        let lowered = compile_source(path)?;
        return Evaluator::new(lowered.artifact).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        });
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        ExitCode::from(2)
    })?;
    let result = if ext == "yaml" || ext == "yml" {
        serde_yaml::from_str::<Artifact>(&text)
            .map_err(|e| guidepath_ir::ArtifactError::Invalid(format!("not a guidepath artifact: {e}")))
            .and_then(Evaluator::new)
    } else {
        Evaluator::from_json(&text)
    };
    result.map_err(|e| {
        eprintln!("error: `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

/// Patient data as JSON, or YAML when it is not JSON.
fn parse_patient(text: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(json_err) => match serde_yaml::from_str::<serde_json::Value>(text) {
            Ok(v) if v.is_object() => Ok(v),
            _ => Err(format!("not JSON or YAML patient data: {json_err}")),
        },
    }
}

fn bind_errors(errors: &[BindError]) -> serde_json::Value {
    serde_json::Value::Array(
        errors.iter().map(|e| serde_json::json!({ "path": e.path, "message": e.message })).collect(),
    )
}

pub fn run(guideline: &Path, patient: Option<&Path>, ndjson: bool, explain: bool, format: Option<Format>) -> ExitCode {
    let evaluator = match load(guideline) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let from_stdin = patient.is_none_or(|p| p.as_os_str() == "-");
    if ndjson {
        return run_ndjson(&evaluator, patient.filter(|_| !from_stdin), explain);
    }
    let text = if from_stdin {
        let mut s = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            eprintln!("error: cannot read standard input: {e}");
            return ExitCode::from(2);
        }
        s
    } else {
        let p = patient.unwrap_or(Path::new("-"));
        match std::fs::read_to_string(p) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", p.display());
                return ExitCode::from(2);
            }
        }
    };
    let data = match parse_patient(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = match evaluator.evaluate_json(&data) {
        Ok(o) => o,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            return ExitCode::from(1);
        }
    };
    let human =
        format.unwrap_or(if std::io::stdout().is_terminal() { Format::Human } else { Format::Json }) == Format::Human;
    let out = if human {
        let json = if explain { outcome.to_json_explained() } else { outcome.to_json() };
        render::outcome(&json)
    } else {
        let mut s = serde_json::to_string_pretty(&outcome.report(explain)).unwrap_or_default();
        s.push('\n');
        s
    };
    if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// One patient per line in, one result per line out, in constant memory.
/// A bad line gives an error record with its line number; the batch goes on.
fn run_ndjson(evaluator: &Evaluator, file: Option<&Path>, explain: bool) -> ExitCode {
    let reader: Box<dyn BufRead> = match file {
        Some(p) => match std::fs::File::open(p) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => Box::new(std::io::BufReader::with_capacity(1 << 16, std::io::stdin())),
    };
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} patients, {per_sec}, {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let (mut records, mut bad) = (0u64, 0u64);
    for (n, line) in reader.lines().enumerate() {
        let line_no = n + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                bad += 1;
                let rec = serde_json::json!({ "line": line_no, "error": format!("cannot read line: {e}") });
                if writeln!(out, "{rec}").is_err() {
                    return ExitCode::from(2);
                }
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        records += 1;
        let written = match evaluator.evaluate_str(&line) {
            // Serialised straight from the result: no JSON tree per line.
            Ok(o) => serde_json::to_writer(&mut out, &o.report(explain))
                .map_err(std::io::Error::other)
                .and_then(|_| out.write_all(b"\n")),
            Err(InputError::Json(e)) => {
                bad += 1;
                let rec = serde_json::json!({ "line": line_no, "error": format!("not JSON: {e}") });
                writeln!(out, "{rec}")
            }
            Err(InputError::Data(errors)) => {
                bad += 1;
                let rec = serde_json::json!({
                    "line": line_no, "error": "invalid patient data", "errors": bind_errors(&errors)
                });
                writeln!(out, "{rec}")
            }
        };
        if written.is_err() {
            return ExitCode::from(2);
        }
        if let Some(p) = &progress {
            p.inc(1);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    if bad > 0 {
        eprintln!("{records} patients, {bad} with errors");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
