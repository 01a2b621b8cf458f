//! Loading guidelines for the commands, through the one gate.
//!
//! Every command that decides for patients (`compile`, `eval`, `test`,
//! `serve`, `sql`, `schema`) loads here: source through
//! [`guidepath_analysis::gate::compile`] (the checker and the consistency
//! analysis), compiled artifacts through [`guidepath_ir::gate::admit`]. A
//! [`LoadError`] says why not; [`LoadError::exit`] prints it once, in one
//! wording for every command, and gives the exit status.

use crate::render;
use guidepath_analysis::gate::{self, Policy};
use guidepath_check::db::{io_reason, read_bounded};
use guidepath_check::{Disk, FileSystem, Lowered, Severity, EXTENSION};
use guidepath_eval::Evaluator;
use guidepath_ir::{Artifact, ArtifactError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Why a guideline was not loaded.
#[derive(Debug)]
pub enum LoadError {
    /// A file could not be read (exit 2).
    Unreadable { path: PathBuf, message: String },
    /// The guideline has errors, of the checker or of the analysis: the
    /// diagnostics as `guidepath check` renders them (exit 1).
    Refused { diagnostics: String },
    /// A compiled artifact that is not one, or not one this reader takes
    /// (exit 2).
    Artifact { path: PathBuf, error: ArtifactError },
    /// A compiled artifact built with analysis errors, without
    /// `--allow-findings` (exit 1).
    Findings { path: PathBuf, refused: guidepath_ir::gate::Refused },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Unreadable { path, message } => write!(f, "error: cannot read `{}`: {message}", path.display()),
            LoadError::Refused { diagnostics } => f.write_str(diagnostics.trim_end()),
            LoadError::Artifact { path, error } => write!(f, "error: `{}`: {error}", path.display()),
            LoadError::Findings { path, refused } => write!(f, "error: `{}`: {refused}", path.display()),
        }
    }
}

impl LoadError {
    pub fn code(&self) -> ExitCode {
        match self {
            LoadError::Unreadable { .. } | LoadError::Artifact { .. } => ExitCode::from(2),
            LoadError::Refused { .. } | LoadError::Findings { .. } => ExitCode::from(1),
        }
    }

    /// What went wrong without the file's name, for a list keyed by file
    /// (the server's refusals).
    pub fn reason(&self) -> String {
        match self {
            LoadError::Unreadable { path, message } => format!("cannot read `{}`: {message}", path.display()),
            LoadError::Refused { diagnostics } => diagnostics.clone(),
            LoadError::Artifact { error, .. } => error.to_string(),
            LoadError::Findings { refused, .. } => refused.to_string(),
        }
    }

    /// Prints the error to standard error and gives the exit status.
    pub fn exit(&self) -> ExitCode {
        eprintln!("{self}");
        self.code()
    }
}

/// Compiles a `.guide` file through the gate. Warnings (and, with
/// `--allow-findings`, the findings let through) go to standard error.
pub fn source(path: &Path, policy: Policy) -> Result<Lowered, LoadError> {
    source_in(&Disk, path, policy)
}

/// [`source`], reading through `fs` (standard input among the files).
pub fn source_in(fs: &dyn FileSystem, path: &Path, policy: Policy) -> Result<Lowered, LoadError> {
    match gate::compile(fs, path, policy) {
        Ok(passed) => {
            let c = &passed.checked;
            if c.count(Severity::Warning) + c.count(Severity::Error) > 0 {
                eprint!("{}", render::human(c));
            }
            if let Some(w) = guidepath_ir::gate::warning(&passed.lowered.artifact) {
                eprintln!("warning: --allow-findings: {w}");
            }
            Ok(passed.lowered)
        }
        Err(refused) => match refused.checked.load_errors.first() {
            Some((p, e)) => Err(LoadError::Unreadable { path: p.clone(), message: io_reason(e) }),
            None => Err(LoadError::Refused { diagnostics: render::human(&refused.checked) }),
        },
    }
}

/// A compiled artifact file (JSON, or YAML by its extension), admitted by
/// the gate.
pub fn artifact(path: &Path, policy: Policy) -> Result<Artifact, LoadError> {
    let text = read_bounded(path, MAX_ARTIFACT_BYTES)
        .map_err(|e| LoadError::Unreadable { path: path.to_path_buf(), message: io_reason(&e) })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let art = if ext == "yaml" || ext == "yml" { Artifact::from_yaml(&text) } else { Artifact::from_json(&text) }
        .map_err(|error| LoadError::Artifact { path: path.to_path_buf(), error })?;
    guidepath_ir::gate::admit(&art, policy)
        .map_err(|refused| LoadError::Findings { path: path.to_path_buf(), refused })?;
    Ok(art)
}

/// The largest compiled artifact read (the largest source is 16 MiB, and
/// its artifact is smaller than a few times that).
pub const MAX_ARTIFACT_BYTES: u64 = 64 << 20;

/// Whether `path` names guideline source (by its extension).
pub fn is_source(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some(EXTENSION)
}

/// The artifact of a guideline or of a compiled artifact file.
pub fn rules(path: &Path, policy: Policy) -> Result<Artifact, LoadError> {
    if is_source(path) {
        source(path, policy).map(|l| l.artifact)
    } else {
        artifact(path, policy)
    }
}

/// An evaluator for a guideline or a compiled artifact file. One built
/// with findings says so on standard error.
pub fn evaluator(path: &Path, policy: Policy) -> Result<Evaluator, LoadError> {
    let art = rules(path, policy)?;
    // Source said so as it compiled; an artifact says so here.
    if let (false, Some(w)) = (is_source(path), guidepath_ir::gate::warning(&art)) {
        eprintln!("warning: {w}");
    }
    Evaluator::new(art).map_err(|error| LoadError::Artifact { path: path.to_path_buf(), error })
}
