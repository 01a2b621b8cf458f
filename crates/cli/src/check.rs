//! `guidepath check`.

use crate::render;
use crate::Format;
use guidepath_check::db::find_guides;
use guidepath_check::{Disk, Severity, EXTENSION};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The guideline files named by `paths` (default: the current folder), or
/// exit status 2 with a message when a path cannot be read or holds none.
pub fn files(paths: Vec<PathBuf>) -> Result<Vec<PathBuf>, ExitCode> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let mut files = Vec::new();
    for p in &paths {
        match find_guides(p, &mut files, usize::MAX) {
            Ok(skipped) => {
                for s in skipped {
                    eprintln!("warning: folder `{}` left out: it {}", s.path.display(), s.why);
                }
            }
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", p.display());
                return Err(ExitCode::from(2));
            }
        }
    }
    // A file named twice (a folder and a file in it) is read once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
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

/// Checks `paths`; reviews due before `today` (days since 1970) are warnings.
pub fn run(paths: Vec<PathBuf>, output: Output, deny_warnings: bool, today: i64) -> ExitCode {
    let files = match files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    // A file that cannot be read is one diagnostic among the others (E0104).
    let mut checked = guidepath_analysis::check_and_analyse(&Disk, &files);
    guidepath_check::lifecycle::overdue_reviews(&mut checked, today);
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
