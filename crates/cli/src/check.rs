//! `guidepath check`.

use crate::render;
use crate::Format;
use guidepath_check::db::normalize;
use guidepath_check::{Disk, Severity, EXTENSION};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The guideline files named by `paths` (default: the current folder), or
/// exit status 2 with a message when a path cannot be read or holds none.
pub fn files(paths: Vec<PathBuf>) -> Result<Vec<PathBuf>, ExitCode> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let mut files = Vec::new();
    for p in &paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("error: cannot read `{}`: {e}", p.display());
            return Err(ExitCode::from(2));
        }
    }
    if files.is_empty() {
        eprintln!("error: no .{EXTENSION} files in {}", list(&paths));
        return Err(ExitCode::from(2));
    }
    Ok(files)
}

/// What `check` prints.
pub enum Output {
    /// The diagnostics, for people or tools.
    Report(Format),
    /// Only the witness `test` blocks of the consistency findings.
    WitnessTests,
}

pub fn run(paths: Vec<PathBuf>, output: Output, deny_warnings: bool) -> ExitCode {
    let files = match files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let checked = guidepath_analysis::check_and_analyse(&Disk, &files);
    if let Some((p, e)) = checked.load_errors.first() {
        eprintln!("error: cannot read `{}`: {e}", p.display());
        return ExitCode::from(2);
    }
    let out = match output {
        Output::Report(Format::Human) => render::human(&checked),
        Output::Report(Format::Json) => render::json(&checked),
        Output::WitnessTests => render::witness_tests(&checked),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()).is_err() {
        // The reader went away (e.g. `| head`); nothing more to say.
        return ExitCode::from(2);
    }
    let errors = checked.count(Severity::Error);
    let warnings = checked.count(Severity::Warning);
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
}

/// Files named directly are taken whatever their extension; folders are
/// searched recursively for `*.guide`, in sorted order so output is stable.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        out.push(normalize(path));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for e in entries {
        let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == EXTENSION) {
            out.push(normalize(&e));
        }
    }
    Ok(())
}
