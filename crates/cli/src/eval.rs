//! `guidepath compile` and `guidepath eval`.

use crate::patient::{self, Problem, Syntax, MAX_PATIENT_BYTES};
use crate::render;
use guidepath_check::{Disk, Lowered, Severity};
use guidepath_eval::{BindError, Evaluator, ReportOptions};
use guidepath_ir::Artifact;
use std::io::{BufRead, IsTerminal, Read as _, Write};
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
    let result = if ext == "yaml" || ext == "yml" { Artifact::from_yaml(&text) } else { Artifact::from_json(&text) }
        .and_then(Evaluator::new);
    result.map_err(|e| {
        eprintln!("error: `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

/// `guidepath schema`.
pub fn schema(guideline: Option<&Path>, strict: bool, result: bool) -> ExitCode {
    let text = match guideline {
        _ if result => guidepath_eval::schema::RESULT_SCHEMA_JSON.to_string(),
        Some(g) => match load(g) {
            Ok(ev) => {
                let mut t =
                    serde_json::to_string_pretty(&guidepath_eval::schema::patient_schema(ev.artifact(), strict))
                        .unwrap_or_default();
                t.push('\n');
                t
            }
            Err(code) => return code,
        },
        None => return ExitCode::from(2),
    };
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn bind_errors(errors: &[BindError]) -> serde_json::Value {
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
}

pub fn run(guideline: &Path, patient: Option<&Path>, opts: &Options<'_>) -> ExitCode {
    let evaluator = match load(guideline) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let from_stdin = patient.is_none_or(|p| p.as_os_str() == "-");
    if opts.ndjson {
        return run_ndjson(&evaluator, patient.filter(|_| !from_stdin), opts);
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
        match std::fs::File::open(p).and_then(|f| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f.take(MAX_PATIENT_BYTES as u64 + 1), &mut s).map(|_| s)
        }) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", p.display());
                return ExitCode::from(2);
            }
        }
    };
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
        let missing = evaluator.missing_required(&bound);
        if !missing.is_empty() {
            for p in missing {
                let route = evaluator.artifact().inputs.iter().find(|i| i.path == p).map(guidepath_fhir::route);
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
    if guidepath_ir::depth::max_depth(text) > guidepath_fhir::read::MAX_JSON_DEPTH {
        return Err(format!("FHIR data is nested deeper than {} levels", guidepath_fhir::read::MAX_JSON_DEPTH));
    }
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| format!("not JSON: {e}"))
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
        EvalFormat::Human => render::outcome(&value),
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
        EvalFormat::Cds => pretty(&guidepath_fhir::cards(art, &value, reading)),
    };
    if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// One NDJSON record's result, appended to `line`: `{"line":N`, `"id"`
/// when asked for, then the result's members, as serde would write them
/// (`Report::write_json_members`; `tests/report_json.rs`).
fn write_record(line: &mut Vec<u8>, line_no: u64, id: Option<&serde_json::Value>, report: &guidepath_eval::Report<'_>) {
    line.extend_from_slice(b"{\"line\":");
    line.extend_from_slice(itoa::Buffer::new().format(line_no).as_bytes());
    if let Some(id) = id {
        line.extend_from_slice(b",\"id\":");
        // A JSON value written to a Vec: cannot fail.
        let _ = serde_json::to_writer(&mut *line, id);
    }
    line.push(b',');
    report.write_json_members(line);
    line.extend_from_slice(b"}\n");
}

/// One patient per line in, one line out for each line in, in constant
/// memory: a result, an error record with the line number, or a blank
/// line for a blank line. The batch goes on past bad lines.
fn run_ndjson(evaluator: &Evaluator, file: Option<&Path>, opts: &Options<'_>) -> ExitCode {
    let mut reader: Box<dyn BufRead> = match file {
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
    // Lines with fields the guideline does not read, and the first such field.
    let mut unknown_lines = 0u64;
    let mut first_unknown: Option<(u64, String)> = None;
    let mut buf: Vec<u8> = Vec::new();
    let mut line_out: Vec<u8> = Vec::new();
    let mut line_no = 0u64;
    loop {
        let line = match read_line(&mut reader, &mut buf) {
            Ok(None) => break,
            Ok(Some(l)) => l,
            Err(e) => {
                eprintln!("error: cannot read input after line {line_no}: {e}");
                let _ = out.flush();
                return ExitCode::from(2);
            }
        };
        line_no += 1;
        let error = |message: String, errors: Option<serde_json::Value>| ErrorRecord {
            line: line_no,
            id: None,
            error: message,
            errors,
        };
        let written = match line {
            Line::TooLong => {
                bad += 1;
                records += 1;
                let rec = error(format!("line is longer than {} MiB", MAX_PATIENT_BYTES >> 20), None);
                rec.write(&mut out)
            }
            Line::NotUtf8 => {
                bad += 1;
                records += 1;
                error("not UTF-8 text".into(), None).write(&mut out)
            }
            Line::Text(text) if text.trim().is_empty() => writeln!(out),
            Line::Text(text) => {
                records += 1;
                let id = opts.id.and_then(|field| record_id(text, field));
                match patient::read(evaluator, text, Syntax::Json, opts.strict, opts.id) {
                    Ok(read) => {
                        if let Some(field) = read.unknown.first() {
                            unknown_lines += 1;
                            first_unknown.get_or_insert_with(|| (line_no, field.clone()));
                        }
                        let o = evaluator.evaluate(&read.bound);
                        // Written straight from the result into one reused
                        // line buffer: no JSON tree, no allocation per line.
                        line_out.clear();
                        write_record(&mut line_out, line_no, id.as_ref(), &o.report_with(&opts.report));
                        out.write_all(&line_out)
                    }
                    Err(problem) => {
                        bad += 1;
                        let mut rec = match problem {
                            Problem::Syntax(m) => error(m, None),
                            Problem::Data(errors) => error("invalid patient data".into(), Some(bind_errors(&errors))),
                        };
                        rec.id = id;
                        rec.write(&mut out)
                    }
                }
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
    if let Some((line, field)) = first_unknown {
        eprintln!(
            "warning: {unknown_lines} line{} with fields the guideline does not read; line {line}: {}",
            if unknown_lines == 1 { "" } else { "s" },
            patient::unknown_warning(evaluator, &field)
        );
    }
    if bad > 0 {
        eprintln!("{records} patients, {bad} with errors");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A line that gave no result: `{"line": N, "id": …, "error": "…", "errors": [{"path", "message"}]}`.
#[derive(serde::Serialize)]
struct ErrorRecord {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<serde_json::Value>,
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<serde_json::Value>,
}

impl ErrorRecord {
    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, self).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    }
}

enum Line<'a> {
    Text(&'a str),
    TooLong,
    NotUtf8,
}

/// The next line (without its line end), read in bounded memory: a line
/// longer than [`MAX_PATIENT_BYTES`] is skipped to its end and reported.
fn read_line<'b>(reader: &mut dyn BufRead, buf: &'b mut Vec<u8>) -> std::io::Result<Option<Line<'b>>> {
    buf.clear();
    let limit = MAX_PATIENT_BYTES as u64 + 1;
    let n = reader.take(limit).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') && buf.len() as u64 >= limit {
        // Skip the rest of the line, a piece at a time.
        loop {
            let (done, used) = {
                let chunk = reader.fill_buf()?;
                match chunk.iter().position(|b| *b == b'\n') {
                    Some(i) => (true, i + 1),
                    None => (chunk.is_empty(), chunk.len()),
                }
            };
            reader.consume(used);
            if done {
                break;
            }
        }
        return Ok(Some(Line::TooLong));
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(Some(match std::str::from_utf8(buf) {
        Ok(t) => Line::Text(t),
        Err(_) => Line::NotUtf8,
    }))
}

/// The value at the dotted `field` of a JSON record, read without building
/// the rest of it.
fn record_id(text: &str, field: &str) -> Option<serde_json::Value> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    struct Find<'f>(&'f [&'f str]);
    impl<'de> DeserializeSeed<'de> for Find<'_> {
        type Value = Option<serde_json::Value>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            match self.0 {
                [] => serde::Deserialize::deserialize(d).map(Some),
                _ => d.deserialize_any(self),
            }
        }
    }
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = Option<serde_json::Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a record")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if found.is_none() && self.0.first() == Some(&&*k) {
                    found = map.next_value_seed(Find(&self.0[1..]))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    let path: Vec<&str> = field.split('.').collect();
    let mut de = serde_json::Deserializer::from_str(text);
    Find(&path).deserialize(&mut de).ok().flatten()
}
