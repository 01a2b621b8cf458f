//! `guidepath`: check, compile, evaluate and test clinical guideline rules.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use guidepath_analysis::gate::Policy;
use guidepath_cli::{check, eval, fmt, test, Color, Format};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "guidepath", version, about = "Check, compile, evaluate and test clinical guideline rules")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    color: Color,
    /// Print results, warnings and errors only: no summaries, progress or
    /// passing tests.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check guideline files for syntax, names, types, units and metadata.
    ///
    /// Exit status: 0 when no errors were found, 1 when there were errors
    /// (or warnings, with --deny-warnings), 2 for usage or I/O errors.
    Check {
        /// Files or folders (searched recursively for *.guide), or - for
        /// standard input. Default: the current folder.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors for the exit status.
        #[arg(long)]
        deny_warnings: bool,
        /// Print the witness patients of the consistency findings as `test`
        /// blocks, ready to paste, instead of the diagnostics.
        #[arg(long, conflicts_with = "format")]
        witness_tests: bool,
        /// The day reviews are due against (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = date)]
        today: Option<i64>,
        /// Make a rule without `quote` or `assume` (W0705), a number its
        /// source does not state (W0706) and a quote not in the source
        /// texts (W0707) errors: the policy a forum sets in CI.
        #[arg(long)]
        require_sources: bool,
        /// A folder of source texts (.txt, .md): every quote must be found
        /// in one of them, after normalising case, whitespace, hyphenation
        /// and Markdown marks (W0707, with the nearest passage).
        #[arg(long, value_name = "DIR")]
        sources: Option<PathBuf>,
    },
    /// Compile a guideline to the artifact the evaluator runs.
    ///
    /// Exit status: 0 compiled, 1 the guideline has errors, 2 usage or I/O errors.
    Compile {
        /// The guideline (*.guide).
        file: PathBuf,
        /// Where to write the artifact. Default: standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Write YAML instead of JSON.
        #[arg(long)]
        yaml: bool,
        /// Let a guideline with analysis errors (E09xx) through, for a
        /// draft being worked on; its artifact records them, and
        /// everything that reads it says so.
        #[arg(long)]
        allow_findings: bool,
    },
    /// Evaluate a guideline or compiled artifact against patient data.
    ///
    /// Patient data is JSON or YAML: nested objects (start_back.q1 is read
    /// from {"start_back": {"q1": true}}), dates "YYYY-MM-DD", durations in
    /// ISO 8601 ("P4M"), enum values as strings, sets as lists.
    ///
    /// Exit status: 0 evaluated, 1 patient data was invalid (with --ndjson:
    /// some line was), 2 usage, I/O or artifact errors.
    Eval {
        /// A guideline (*.guide) or a compiled artifact (*.json, *.yaml).
        guideline: PathBuf,
        /// Patient data file, or - for standard input (the default).
        patient: Option<PathBuf>,
        /// One patient per line in, one result per line out.
        #[arg(long)]
        ndjson: bool,
        /// Include every rule's conditions, their values and the data they used.
        #[arg(long)]
        explain: bool,
        /// Output format. Default: human on a terminal, JSON otherwise
        /// (always JSON with --ndjson). `fhir`: a Bundle of Observations
        /// and a GuidanceResponse; `cds`: CDS Hooks cards.
        #[arg(long, value_enum)]
        format: Option<eval::EvalFormat>,
        /// The patient data is FHIR R4: a Bundle or one resource, read by
        /// the codes and bindings of the guideline (docs/fhir.md).
        #[arg(long, conflicts_with = "ndjson")]
        fhir: bool,
        /// The day ages and durations are counted to when read from FHIR
        /// dates (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = date, requires = "fhir")]
        at: Option<i64>,
        /// Refuse data with fields the guideline does not read, or without
        /// its `required` fields (otherwise unknown fields are a warning,
        /// and a missing field is unknown).
        #[arg(long)]
        strict: bool,
        /// With --ndjson: copy this field of each record (a dotted path)
        /// into its result as `id`.
        #[arg(long, value_name = "FIELD", requires = "ndjson")]
        id: Option<String>,
        /// With --ndjson: evaluate on N threads (0: one per core). The
        /// output is the same, in input order, in constant memory.
        #[arg(long, value_name = "N", default_value_t = 1, requires = "ndjson")]
        jobs: usize,
        /// Write in this language: da, sv, nb or en. Default: the
        /// guideline's. Human output and cards are in it throughout, with
        /// the guideline's titles in it where it has them (the id where it
        /// has not); JSON takes titles in it, else the guideline's.
        #[arg(long, value_name = "LANG", value_parser = lang)]
        lang: Option<String>,
        /// Include the longer texts: rationales, who is responsible, what
        /// happens when a limit is missed.
        #[arg(long)]
        texts: bool,
        /// Let a guideline with analysis errors (E09xx) through, for a
        /// draft being worked on; its artifact records them, and
        /// everything that reads it says so.
        #[arg(long)]
        allow_findings: bool,
    },
    /// Format guideline files in the canonical layout, in place (standard
    /// input, `-`, to standard output).
    ///
    /// Line breaks are kept; indentation, spacing, aligned columns and blank
    /// lines are set. Files with syntax errors are left alone.
    ///
    /// Exit status: 0 done (with --check: nothing would change), 1 a file
    /// would change (--check) or has syntax errors, 2 usage or I/O errors.
    Fmt {
        /// Files or folders (searched recursively for *.guide), or - for
        /// standard input. Default: the current folder.
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that would change.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on standard input and output (for editors).
    Lsp,
    /// Print a completion script for a shell: bash, zsh, fish, elvish or
    /// powershell (`guidepath completions bash > ~/.local/share/bash-completion/completions/guidepath`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Serve guidelines over HTTP: evaluation, NDJSON, CDS Hooks 2.0,
    /// health and metrics (docs/serve.md).
    ///
    /// Guidelines are compiled at start and again on SIGHUP; one that fails
    /// to load is refused with its diagnostics and the version loaded before
    /// keeps serving. SIGTERM stops after the requests in flight.
    /// There is no authentication: the default address is loopback only.
    ///
    /// Exit status: 0 stopped, 1 a guideline does not load or the address
    /// cannot be used, 2 usage errors.
    Serve {
        /// Folders (searched for *.guide), guideline files, or compiled
        /// artifacts (*.json, *.yaml).
        paths: Vec<PathBuf>,
        /// The address to listen on. Anything but loopback exposes the
        /// service, without authentication, to the network.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Largest request body (and NDJSON line), in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
        max_body: usize,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N", default_value_t = 0)]
        threads: usize,
        /// Seconds a client has to send a request's headers, and its body
        /// (NDJSON: each piece of it); a slower client is cut off.
        #[arg(long, value_name = "SECONDS", default_value_t = 10)]
        client_timeout: u64,
        /// Serve guidelines with analysis errors (E09xx); `/healthz` and
        /// every card of theirs say so. For a draft, never for patients.
        #[arg(long)]
        allow_findings: bool,
    },
    /// Serve the studio on loopback: the checker, evaluator, formatter and
    /// report in the browser, with a folder's guidelines loaded. Nothing
    /// the page does leaves the browser.
    ///
    /// Exit status: 0 stopped, 2 usage errors (no built studio, no folder,
    /// a port in use).
    Studio {
        /// A folder whose .guide files the page opens with.
        folder: Option<PathBuf>,
        /// Open the page in the default browser.
        #[arg(long)]
        open: bool,
        /// The port on 127.0.0.1 (0: any free one; the first line printed
        /// says which).
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// The built studio (editor-support/studio/build); found beside the
        /// binary or in its source tree when not given.
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
    },
    /// Print a JSON Schema: of the patient data a guideline reads, or of
    /// the evaluation result (--result).
    ///
    /// Exit status: 0 printed, 1 the guideline has errors, 2 usage or I/O errors.
    Schema {
        /// A guideline (*.guide) or a compiled artifact (*.json, *.yaml).
        #[arg(required_unless_present = "result", conflicts_with = "result")]
        guideline: Option<PathBuf>,
        /// The schema `guidepath eval --strict` applies: no fields the
        /// guideline does not read, and its `required` fields present.
        #[arg(long)]
        strict: bool,
        /// The schema of the evaluation result instead (any guideline).
        #[arg(long)]
        result: bool,
        /// Let a guideline with analysis errors (E09xx) through, for a
        /// draft being worked on; its artifact records them, and
        /// everything that reads it says so.
        #[arg(long)]
        allow_findings: bool,
    },
    /// The SQL query that evaluates a table of patients, one row each, in
    /// DuckDB, PostgreSQL or Spark SQL with the evaluator's answers
    /// (docs/sql.md).
    ///
    /// Exit status: 0 printed; 1 the guideline has errors or uses
    /// something the dialect cannot express exactly; 2 usage or I/O errors.
    Sql {
        /// A guideline (*.guide) or a compiled artifact (*.json, *.yaml).
        guideline: PathBuf,
        /// The engine the query is for.
        #[arg(long, value_enum)]
        dialect: guidepath_cli::sql::DialectArg,
        /// The table of patients (`schema.table` for a table in a schema).
        #[arg(long, default_value = "patients")]
        table: String,
        /// The key column, passed through to the output unchanged.
        #[arg(long, default_value = "id")]
        key: String,
        /// Print the CREATE TABLE of the input table instead.
        #[arg(long)]
        schema: bool,
        /// Let a guideline with analysis errors (E09xx) through, for a
        /// draft being worked on; its artifact records them, and
        /// everything that reads it says so.
        #[arg(long)]
        allow_findings: bool,
    },
    /// A guideline for other systems: an HL7 CPG-on-FHIR package with
    /// executable ELM (`--cpg`, docs/cpg.md), or patient data as FHIR
    /// Bundles (`--bundles`).
    ///
    /// Exit status: 0 written; 1 the guideline has errors, uses what ELM
    /// cannot say exactly, or (--bundles) some data cannot be written as
    /// FHIR; 2 usage or I/O errors.
    Export {
        /// A guideline (*.guide) or a compiled artifact (*.json, *.yaml).
        guideline: PathBuf,
        /// Write the CPG-on-FHIR package into the folder `-o`: a Library
        /// (ELM and CQL), PlanDefinitions, ActivityDefinitions,
        /// Questionnaires, the inline tests as test bundles, package.json.
        #[arg(long, requires = "output", conflicts_with = "bundles")]
        cpg: bool,
        /// Read patient data (one JSON object a line) on standard input and
        /// write each as a FHIR Bundle with guidepath's result of reading
        /// and evaluating it: `{"bundle": …, "result": …}` a line. A line
        /// that is FHIR already (it has `resourceType`) is read as it is.
        #[arg(long)]
        bundles: bool,
        /// The folder the package is written into.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// The base of the package's canonical URLs.
        #[arg(long, default_value = "https://guidepath.example.org/fhir")]
        base: String,
        /// The day ages and durations count to, for the test bundles and
        /// for --bundles (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = date)]
        at: Option<i64>,
        /// Let a guideline with analysis errors (E09xx) through, for a
        /// draft being worked on; its artifact records them, and
        /// everything that reads it says so.
        #[arg(long)]
        allow_findings: bool,
    },
    /// The forum's document: a summary, a catalogue of every
    /// recommendation, and per guideline its findings, tests, coverage and
    /// translations. One self-contained HTML page, or Markdown.
    ///
    /// Exit status: 0 written, 2 usage or I/O errors (errors in the
    /// guidelines are in the report).
    Report {
        /// Files or folders (searched recursively for *.guide). Default: the current folder.
        paths: Vec<PathBuf>,
        /// Write here instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = guidepath_cli::report::ReportFormat::Html)]
        format: guidepath_cli::report::ReportFormat,
        /// The day reviews are due against (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = date)]
        today: Option<i64>,
        /// The languages every guideline must have its titles in, e.g.
        /// `sv,en`; missing translations count against these only.
        /// Default: `[report] languages` in guidepath.toml (in the first
        /// path's folder or above), else each guideline's own language.
        #[arg(long, value_name = "LANG,…", value_delimiter = ',', value_parser = guideline_lang)]
        languages: Option<Vec<String>>,
    },
    /// What a new version of a guideline changes: as written, and for
    /// patients (a witness patient for each change, confirmed on both
    /// versions; "no patient changes" when proven).
    ///
    /// Exit status: 0 no patient's outcome changes, 1 some does (or a rule
    /// or file was added or removed), 2 errors (as diff(1)).
    Diff {
        /// The old version: a guideline file, or a folder of them. With
        /// --git: the file or folder to compare (default: the current one).
        old: Option<PathBuf>,
        /// The new version: a file, or a folder (files are paired by their
        /// path below the folders).
        #[arg(required_unless_present = "git")]
        new: Option<PathBuf>,
        /// Compare a revision with the working tree (`--git HEAD~1`), or two
        /// revisions (`--git v1..v2`), in the git repository around the path.
        #[arg(long, value_name = "REV[..REV]", conflicts_with = "new")]
        git: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = guidepath_cli::diff::DiffFormat::Human)]
        format: guidepath_cli::diff::DiffFormat,
        /// Also count the patients (one JSON object a line) whose outcome
        /// changes, per rule.
        #[arg(long, value_name = "FILE.ndjson")]
        patients: Option<PathBuf>,
        /// A name the new version gives to something of the old one
        /// (`old=new`): a recommendation, definition, score, stratification,
        /// pathway or input. May be repeated.
        #[arg(long, value_name = "OLD=NEW", value_parser = rename)]
        rename: Vec<(String, String)>,
    },
    /// Run the inline tests of guideline files, and with --coverage say
    /// what they leave untested.
    ///
    /// Exit status: 0 all passed (and coverage at least --min-coverage), 1 a
    /// test failed, a file has errors or coverage is below --min-coverage,
    /// 2 usage or I/O errors.
    Test {
        /// Files or folders (searched recursively for *.guide), or - for
        /// standard input. Default: the current folder.
        paths: Vec<PathBuf>,
        /// Report what the tests cover: each recommendation applying and not
        /// applying, each stratum reached, each operand of `and`/`or`
        /// deciding, each time limit giving a due date; list what no test
        /// covers, with its place.
        #[arg(long)]
        coverage: bool,
        /// Fail (exit 1) when coverage is below PCT percent.
        #[arg(long, value_name = "PCT", requires = "coverage", value_parser = min_coverage)]
        min_coverage: Option<f64>,
        /// Output format of the coverage (--coverage).
        #[arg(long, value_enum, default_value_t = Format::Human, requires = "coverage")]
        format: Format,
        /// Let a guideline with analysis errors (E09xx) through, for a
        /// draft being worked on; its artifact records them, and
        /// everything that reads it says so.
        #[arg(long)]
        allow_findings: bool,
    },
}

/// A calendar date, as days since 1970-01-01.
fn date(s: &str) -> Result<i64, String> {
    guidepath_ir::calendar::parse_date(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// A language guidepath writes in.
fn lang(s: &str) -> Result<String, String> {
    match guidepath_words::Lang::parse(s) {
        Some(l) => Ok(l.tag().to_string()),
        None => Err(format!("`{s}` is not a language guidepath writes in: {}", guidepath_words::Lang::tags())),
    }
}

/// A language a guideline is written in.
fn guideline_lang(s: &str) -> Result<String, String> {
    guidepath_cli::settings::languages(&[s.to_string()]).map(|_| s.to_string())
}

/// `old=new`.
fn rename(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
        _ => Err(format!("`{s}` is not `old=new`")),
    }
}

/// A percentage from 0 to 100.
fn min_coverage(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(x) if (0.0..=100.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

fn main() -> ExitCode {
    // A reader that goes away (`guidepath test | head -1`) ends the process
    // quietly, as it ends `cat`, instead of making every write fail.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any
    // thread starts has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    guidepath_cli::set_output(cli.color, cli.quiet);
    match cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "guidepath", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Check { paths, format, deny_warnings, witness_tests, today, require_sources, sources } => {
            let output = if witness_tests { check::Output::WitnessTests } else { check::Output::Report(format) };
            let today = today.unwrap_or_else(guidepath_check::lifecycle::today);
            let policy = check::SourcePolicy { require: require_sources, texts: sources };
            check::run(paths, output, deny_warnings, today, policy)
        }
        Command::Fmt { paths, check } => fmt::run(paths, check),
        Command::Lsp => guidepath_lsp::run_stdio(),
        Command::Studio { folder, open, port, dist } => guidepath_cli::studio::run(folder, dist, port, open),
        Command::Serve { paths, addr, max_body, threads, client_timeout, allow_findings } => {
            let t = std::time::Duration::from_secs(client_timeout.max(1));
            let config = guidepath_serve::Config {
                addr,
                max_body,
                threads,
                header_timeout: t,
                body_timeout: t,
                allow_findings,
                ..guidepath_serve::Config::default()
            };
            guidepath_cli::serve::run(paths, config)
        }
        Command::Compile { file, output, yaml, allow_findings } => {
            eval::compile(&file, output.as_deref(), yaml, Policy { allow_findings })
        }
        Command::Eval {
            guideline,
            patient,
            ndjson,
            explain,
            format,
            fhir,
            at,
            strict,
            id,
            jobs,
            lang,
            texts,
            allow_findings,
        } => {
            let opts = eval::Options {
                ndjson,
                format,
                fhir,
                at: at.unwrap_or_else(guidepath_check::lifecycle::today),
                strict,
                id: id.as_deref(),
                report: guidepath_eval::ReportOptions { explain, lang, texts },
                jobs,
                policy: Policy { allow_findings },
            };
            eval::run(&guideline, patient.as_deref(), &opts)
        }
        Command::Report { paths, output, format, today, languages } => {
            let today = today.unwrap_or_else(guidepath_check::lifecycle::today);
            guidepath_cli::report::run(paths, output, format, today, languages)
        }
        Command::Diff { old, new, git, format, patients, rename } => {
            let opts = guidepath_cli::diff::Options { format, patients, renames: rename };
            match (git, old, new) {
                (Some(spec), path, _) => {
                    guidepath_cli::diff::run_git(&spec, &path.unwrap_or_else(|| PathBuf::from(".")), opts)
                }
                (None, Some(old), Some(new)) => guidepath_cli::diff::run(&old, &new, opts),
                _ => {
                    eprintln!("error: give OLD and NEW, or --git REV");
                    ExitCode::from(2)
                }
            }
        }
        Command::Test { paths, coverage, min_coverage, format, allow_findings } => {
            let cov = coverage.then_some(test::CoverageOptions { min: min_coverage, format });
            test::run(paths, cov, Policy { allow_findings })
        }
        Command::Sql { guideline, dialect, table, key, schema, allow_findings } => {
            guidepath_cli::sql::run(&guideline, dialect, &table, &key, schema, Policy { allow_findings })
        }
        Command::Export { guideline, cpg, bundles, output, base, at, allow_findings } => {
            let at = at.unwrap_or_else(guidepath_check::lifecycle::today);
            let policy = Policy { allow_findings };
            match (cpg, bundles, output) {
                (true, _, Some(out)) => guidepath_cli::export::cpg(&guideline, &out, &base, at, policy),
                (false, true, _) => guidepath_cli::export::bundles(&guideline, at, policy),
                _ => {
                    eprintln!("error: say what to export: --cpg -o DIR, or --bundles");
                    ExitCode::from(2)
                }
            }
        }
        Command::Schema { guideline, strict, result, allow_findings } => {
            eval::schema(guideline.as_deref(), strict, result, Policy { allow_findings })
        }
    }
}
