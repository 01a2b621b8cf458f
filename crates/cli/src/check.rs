//! `guidepath check`.

use crate::load::read_bounded;
use crate::render;
use crate::Format;
use guidepath_check::db::{find_guides, Budget};
use guidepath_check::provenance::{self, SourceTexts};
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
        match find_guides(p, &mut files, &Budget::unbounded()) {
            Ok(search) => {
                for s in search.skipped {
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

/// What `check` holds the rules' sources to.
#[derive(Default)]
pub struct SourcePolicy {
    /// `--require-sources`: unsourced rules, numbers not in their source
    /// and quotes not in the source texts are errors.
    pub require: bool,
    /// `--sources DIR`: the source texts quotes must be found in.
    pub texts: Option<PathBuf>,
}

/// Largest source text read, and most read from one folder.
const MAX_SOURCE_BYTES: u64 = 16 << 20;
const MAX_SOURCE_FILES: usize = 10_000;

/// The `.txt` and `.md` files under `dir`, sorted by path.
fn source_texts(dir: &Path) -> Result<SourceTexts, String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("cannot read `{}`: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot read `{}`: {e}", d.display()))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "txt" || x == "md") {
                found.push(path);
                if found.len() > MAX_SOURCE_FILES {
                    return Err(format!("more than {MAX_SOURCE_FILES} source texts in `{}`", dir.display()));
                }
            }
        }
    }
    if found.is_empty() {
        return Err(format!("no .txt or .md files in `{}`", dir.display()));
    }
    found.sort();
    let mut docs = Vec::new();
    for path in found {
        let text =
            read_bounded(&path, MAX_SOURCE_BYTES).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        docs.push((name, text));
    }
    Ok(SourceTexts::new(docs))
}

/// Checks `paths`; reviews due before `today` (days since 1970) are warnings.
pub fn run(paths: Vec<PathBuf>, output: Output, deny_warnings: bool, today: i64, sources: SourcePolicy) -> ExitCode {
    let files = match files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let texts = match sources.texts.as_deref().map(source_texts).transpose() {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    // A file that cannot be read is one diagnostic among the others (E0104).
    let mut checked = guidepath_analysis::check_and_analyse(&Disk, &files);
    guidepath_check::lifecycle::overdue_reviews(&mut checked, today);
    if let Some(texts) = &texts {
        provenance::check_quotes(&mut checked, texts);
    }
    if sources.require {
        provenance::require_sources(&mut checked);
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
