//! `guidepath compile` and `guidepath eval`.

use crate::load;
use crate::patient::{self, Problem, Syntax, MAX_PATIENT_BYTES};
use guidepath_analysis::gate::Policy;
use guidepath_eval::{BindError, Evaluator, ReportOptions};
use std::io::{IsTerminal, Read as _, Write};
use std::path::Path;
use std::process::ExitCode;

/// `guidepath compile`: through the gate, to the artifact.
pub fn compile(file: &Path, output: Option<&Path>, yaml: bool, policy: Policy) -> ExitCode {
    let lowered = match load::source(file, policy) {
        Ok(l) => l,
        Err(e) => return e.exit(),
    };
    let text = if yaml {
        match lowered.artifact.to_yaml() {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot write YAML: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        lowered.artifact.to_json()
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

/// `guidepath schema`.
pub fn schema(guideline: Option<&Path>, strict: bool, result: bool, policy: Policy) -> ExitCode {
    let text = match guideline {
        _ if result => guidepath_eval::schema::RESULT_SCHEMA_JSON.to_string(),
        Some(g) => match load::evaluator(g, policy) {
            Ok(ev) => {
                let mut t =
                    serde_json::to_string_pretty(&guidepath_eval::schema::patient_schema(ev.artifact(), strict))
                        .unwrap_or_default();
                t.push('\n');
                t
            }
            Err(e) => return e.exit(),
        },
        None => return ExitCode::from(2),
    };
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

pub(crate) fn bind_errors(errors: &[BindError]) -> serde_json::Value {
    serde_json::Value::Array(
        errors.iter().map(|e| serde_json::json!({ "path": e.path, "message": e.message })).collect(),
    )
}

/// What `guidepath eval` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    /// For people.
    Human,
    /// The result (docs/eval.md).
    Json,
    /// A FHIR R4 Bundle: Observations for coded scores and strata, a
    /// GuidanceResponse for the recommendations.
    Fhir,
    /// CDS Hooks 2.0 cards.
    Cds,
}

/// How `guidepath eval` runs.
pub struct Options<'a> {
    pub ndjson: bool,
    pub format: Option<EvalFormat>,
    /// The patient data is FHIR.
    pub fhir: bool,
    /// The evaluation date for FHIR dates, days since 1970-01-01.
    pub at: i64,
    pub strict: bool,
    /// With `--ndjson`: the field that identifies a record, copied into
    /// its result.
    pub id: Option<&'a str>,
    pub report: ReportOptions,
    /// With `--ndjson`: threads evaluating lines (1: this one; 0: one per
    /// core).
    pub jobs: usize,
    /// What the gate lets through.
    pub policy: Policy,
}

pub fn run(guideline: &Path, patient: Option<&Path>, opts: &Options<'_>) -> ExitCode {
    let evaluator = match load::evaluator(guideline, opts.policy) {
        Ok(e) => e,
        Err(e) => return e.exit(),
    };
    let from_stdin = patient.is_none_or(|p| p.as_os_str() == "-");
    if opts.ndjson {
        let jobs = match opts.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        return crate::ndjson::run(&evaluator, patient.filter(|_| !from_stdin), opts, jobs);
    }
    let text = if from_stdin {
        let mut s = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin().take(MAX_PATIENT_BYTES as u64 + 1), &mut s)
        {
            eprintln!("error: cannot read standard input: {e}");
            return ExitCode::from(2);
        }
        s
    } else {
        let p = patient.unwrap_or(Path::new("-"));
        match guidepath_check::db::read_bounded(p, MAX_PATIENT_BYTES as u64) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}", crate::cannot_read(p, &e));
                return ExitCode::from(2);
            }
        }
    };
    if text.trim().is_empty() {
        let what = match patient.filter(|_| !from_stdin) {
            Some(p) => format!("`{}` is empty", p.display()),
            None => "standard input is empty".into(),
        };
        eprintln!("error: {what}: give the patient's data as JSON or YAML (see `guidepath schema GUIDELINE`)");
        return ExitCode::from(1);
    }
    if opts.fhir {
        return run_fhir(&evaluator, &text, opts);
    }
    let syntax = Syntax::of(patient.filter(|_| !from_stdin), &text);
    let read = match patient::read(&evaluator, &text, syntax, opts.strict, None) {
        Ok(r) => r,
        Err(Problem::Syntax(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
        Err(Problem::Data(errors)) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            return ExitCode::from(1);
        }
    };
    for field in &read.unknown {
        eprintln!("warning: {}", patient::unknown_warning(&evaluator, field));
    }
    if read.unknown.iter().any(|f| f == "resourceType") {
        eprintln!("hint: this looks like FHIR data; read it with --fhir");
    }
    write_result(&evaluator, &read.bound, None, opts)
}

/// `eval --fhir`: the patient data is a FHIR Bundle or resource.
fn run_fhir(evaluator: &Evaluator, text: &str, opts: &Options<'_>) -> ExitCode {
    let value = match parse_fhir(text) {
        Ok(v) => v,
        Err(m) => {
            eprintln!("error: {m}");
            return ExitCode::from(1);
        }
    };
    let mut resources = guidepath_fhir::Resources::default();
    if let Err(e) = resources.add(&value, "") {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let reading = match guidepath_fhir::read(evaluator.artifact(), &resources, opts.at) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            return ExitCode::from(1);
        }
    };
    for n in &reading.notes {
        eprintln!("warning: {n}");
    }
    let bound = match evaluator.bind(&reading.patient) {
        Ok(b) => b,
        Err(errors) => {
            for e in &errors {
                let from = reading.sources.get(&e.path).map(|s| format!(" (read from {s})")).unwrap_or_default();
                eprintln!("error: {e}{from}");
            }
            return ExitCode::from(1);
        }
    };
    if opts.strict {
        // The operator's messages are in English, as every error is.
        const EN: &guidepath_words::Words = guidepath_words::Lang::En.words();
        let missing = evaluator.missing_required(&bound);
        if !missing.is_empty() {
            for p in missing {
                let route =
                    evaluator.artifact().inputs.iter().find(|i| i.path == p).map(|i| guidepath_fhir::route(i, EN));
                eprintln!("error: `{p}`: required and missing; read from {}", route.unwrap_or_default());
            }
            return ExitCode::from(1);
        }
    }
    write_result(evaluator, &bound, Some(&reading), opts)
}

/// FHIR JSON text as a value, within the size and nesting bounds.
pub fn parse_fhir(text: &str) -> Result<serde_json::Value, String> {
    if text.len() > MAX_PATIENT_BYTES {
        return Err(format!("FHIR data is larger than {} MiB", MAX_PATIENT_BYTES >> 20));
    }
    if guidepath_ir::depth::deeper_than(text, guidepath_fhir::read::MAX_JSON_DEPTH) {
        return Err(format!("FHIR data is nested deeper than {} levels", guidepath_fhir::read::MAX_JSON_DEPTH));
    }
    let (value, repeated) =
        guidepath_ir::json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| format!("not JSON: {e}"))?;
    if !repeated.is_empty() {
        return Err(guidepath_ir::json::repeated_message(&repeated));
    }
    Ok(value)
}

/// A result of FHIR data: the result's members, then `fhir`.
#[derive(serde::Serialize)]
pub struct WithFhir<'a> {
    #[serde(flatten)]
    pub report: &'a guidepath_eval::Report<'a>,
    pub fhir: serde_json::Value,
}

/// Pretty JSON with a final newline.
fn pretty<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn write_result(
    evaluator: &Evaluator,
    bound: &guidepath_eval::Bound,
    reading: Option<&guidepath_fhir::Reading>,
    opts: &Options<'_>,
) -> ExitCode {
    let format =
        opts.format.unwrap_or(if std::io::stdout().is_terminal() { EvalFormat::Human } else { EvalFormat::Json });
    let mut report_opts = opts.report.clone();
    // Cards say why (every rule's conditions) and carry the rationales, as
    // `guidepath serve` answers a CDS Hooks call.
    report_opts.explain |= format == EvalFormat::Cds;
    report_opts.texts |= format == EvalFormat::Cds;
    let outcome = evaluator.evaluate(bound);
    let report = outcome.report_with(&report_opts);
    let value = serde_json::to_value(&report).unwrap_or_default();
    let art = evaluator.artifact();
    let out = match format {
        EvalFormat::Human => {
            let lang = opts.report.lang.as_deref().or(art.guideline.language.as_deref());
            guidepath_eval::human::human(art, &value, guidepath_words::Lang::or_english(lang))
        }
        // Straight from the result, so members keep their documented order.
        EvalFormat::Json => match reading {
            Some(r) => {
                let fhir = guidepath_fhir::results::annotation(art, report.needs(), r);
                pretty(&WithFhir { report: &report, fhir })
            }
            None => pretty(&report),
        },
        EvalFormat::Fhir => {
            let cx = guidepath_fhir::results::Context { at: opts.at, reading };
            pretty(&guidepath_fhir::results::bundle(art, &value, cx))
        }
        EvalFormat::Cds => pretty(&guidepath_fhir::cards(art, &value, reading, opts.report.lang.as_deref())),
    };
    if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
