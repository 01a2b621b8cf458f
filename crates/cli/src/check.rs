//! `guidepath check`.

use crate::render;
use crate::Format;
use guidepath_check::db::{find_guides, read_bounded, Budget};
use guidepath_check::provenance::{self, SourceTexts};
use guidepath_check::{Disk, FileSystem, Severity, EXTENSION};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The name standard input goes by in messages, as in rustfmt's.
pub const STDIN_NAME: &str = "<stdin>";

/// The files a command reads: the disk, and standard input when a path was
/// `-`. A `use` in the text from standard input is looked up from the
/// current folder and the folders above it.
pub struct Inputs {
    stdin: Option<String>,
    cwd: PathBuf,
}

impl Inputs {
    /// The text read from standard input, if a path was `-`.
    pub fn stdin(&self) -> Option<&str> {
        self.stdin.as_deref()
    }

    fn is_stdin(&self, path: &Path) -> bool {
        self.stdin.is_some() && path == Path::new(STDIN_NAME)
    }
}

impl FileSystem for Inputs {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match &self.stdin {
            Some(text) if self.is_stdin(path) => Ok(text.clone()),
            _ => Disk.read(path),
        }
    }
    fn is_file(&self, path: &Path) -> bool {
        self.is_stdin(path) || Disk.is_file(path)
    }
    fn real(&self, path: &Path) -> PathBuf {
        if self.is_stdin(path) {
            self.cwd.join(STDIN_NAME)
        } else {
            Disk.real(path)
        }
    }
    fn current_dir(&self) -> Option<PathBuf> {
        Disk.current_dir()
    }
}

/// Standard input's text, within the size of a guideline file; a message
/// when it cannot be read, is too large or is empty.
fn read_stdin() -> Result<String, String> {
    use std::io::Read as _;
    let max = guidepath_syntax::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {}", guidepath_check::db::io_reason(&e)))?;
    if bytes.len() > max {
        return Err(format!("standard input is larger than {} MiB", max >> 20));
    }
    let text = String::from_utf8(bytes).map_err(|_| "standard input is not UTF-8 text".to_string())?;
    if text.trim().is_empty() {
        return Err("standard input is empty: give a guideline's text, or a file".into());
    }
    Ok(text)
}

/// The guideline files named by `paths` (default: the current folder; `-`
/// for standard input, read once), or exit status 2 with a message when a
/// path cannot be read or holds none.
pub fn files(paths: Vec<PathBuf>) -> Result<(Vec<PathBuf>, Inputs), ExitCode> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut inputs = Inputs { stdin: None, cwd };
    let mut files = Vec::new();
    for p in &paths {
        if p.as_os_str() == "-" {
            if inputs.stdin.is_none() {
                match read_stdin() {
                    Ok(text) => inputs.stdin = Some(text),
                    Err(message) => {
                        eprintln!("error: {message}");
                        return Err(ExitCode::from(2));
                    }
                }
            }
            files.push(PathBuf::from(STDIN_NAME));
            continue;
        }
        match find_guides(p, &mut files, &Budget::unbounded()) {
            Ok(search) => {
                for s in search.skipped {
                    eprintln!("warning: folder `{}` left out: it {}", s.path.display(), s.why);
                }
            }
            Err(e) => {
                eprintln!("error: {}", crate::cannot_read(p, &e));
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
    Ok((files, inputs))
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
        let entries = std::fs::read_dir(&d).map_err(|e| crate::cannot_read(&d, &e))?;
        for entry in entries {
            let path = entry.map_err(|e| crate::cannot_read(&d, &e))?.path();
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
        let text = read_bounded(&path, MAX_SOURCE_BYTES).map_err(|e| crate::cannot_read(&path, &e))?;
        let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        docs.push((name, text));
    }
    Ok(SourceTexts::new(docs))
}

/// Checks `paths`; reviews due before `today` (days since 1970) are warnings.
pub fn run(paths: Vec<PathBuf>, output: Output, deny_warnings: bool, today: i64, sources: SourcePolicy) -> ExitCode {
    let (files, inputs) = match files(paths) {
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
    let mut checked = guidepath_analysis::check_and_analyse(&inputs, &files);
    guidepath_check::lifecycle::overdue_reviews(&mut checked, today);
    if let Some(texts) = &texts {
        provenance::check_quotes(&mut checked, texts);
    }
    if sources.require {
        provenance::require_sources(&mut checked);
    }
    let out = match output {
        Output::Report(Format::Human) if crate::quiet() => render::diagnostics(&checked),
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
