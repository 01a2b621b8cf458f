//! The guidepath checker: name resolution across files, types, units,
//! ranges, cycles, usage and metadata.
//!
//! ```
//! use guidepath_check::{check_text, Code};
//! let checked = check_text("g.guide", "input { age : integer years }\ndefine adult = agee >= 18");
//! let codes: Vec<Code> = checked.diagnostics[0].iter().map(|d| d.code).collect();
//! assert!(codes.contains(&Code::UnknownName)); // did you mean `age`?
//! ```

mod checker;
pub mod db;
mod fuzzy;
mod graph;
pub mod json;
pub mod lifecycle;
pub mod provenance;
pub mod stdlib;
mod types;

pub use checker::{
    allow_targets, strength_mark, Entity, Expectation, Expected, Hint, Key, Lowered, RefKind, Reference, Target,
    TestCase, BUILTIN_TYPES, CERTAINTIES, LANGUAGES, STATUSES, STRENGTHS,
};
pub use db::{resolve_use, Cached, Disk, FileId, FileSystem, MemoryFs, Overlay, SourceDb, SourceFile, EXTENSION};
pub use fuzzy::suggest;
pub use guidepath_syntax::{Code, Diagnostic, Severity};

use std::path::{Path, PathBuf};

/// Everything one check produced.
#[derive(Debug)]
pub struct Checked {
    pub db: SourceDb,
    /// Diagnostics per file, indexed like `db.files`, sorted by position.
    pub diagnostics: Vec<Vec<Diagnostic>>,
    /// The files asked for, in the order asked (used files come after).
    pub roots: Vec<FileId>,
    /// Files asked for that could not be read; each is also in `db` with
    /// its error as a diagnostic (E0104).
    pub load_errors: Vec<(PathBuf, std::io::Error)>,
    /// Every resolved name (for the language server).
    pub references: Vec<Reference>,
    /// Units and ranges the text leaves implicit (the server's inlay hints).
    pub hints: Vec<Hint>,
}

impl Checked {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().flatten().filter(|d| d.severity == severity).count()
    }
}

/// The given files (the roots, each once, in order) and every file they
/// `use`; files that cannot be read are listed apart.
fn load(fs: &dyn FileSystem, paths: &[PathBuf]) -> (SourceDb, Vec<FileId>, Vec<(PathBuf, std::io::Error)>) {
    let mut db = SourceDb::default();
    let mut roots = Vec::new();
    let mut load_errors = Vec::new();
    for p in paths {
        let id = match db.load_root(fs, p) {
            Ok(id) => id,
            Err((id, e)) => {
                load_errors.push((p.clone(), e));
                id
            }
        };
        if !roots.contains(&id) {
            roots.push(id);
        }
    }
    db.load_uses(fs);
    (db, roots, load_errors)
}

/// Checks the given files and every file they `use`.
pub fn check(fs: &dyn FileSystem, paths: &[PathBuf]) -> Checked {
    let (db, roots, load_errors) = load(fs, paths);
    let (diagnostics, (references, hints)) = {
        let mut checker = checker::Checker::new(&db, fs);
        let diagnostics = checker.run();
        (diagnostics, checker.index())
    };
    Checked { db, diagnostics, roots, load_errors, references, hints }
}

/// A checked file and, when it has no errors, its compiled artifact and
/// inline tests.
#[derive(Debug)]
pub struct Compiled {
    pub checked: Checked,
    pub lowered: Option<Lowered>,
}

/// Checks the given files like [`check`] and lowers each root file that has
/// no errors, from the same run (nothing is loaded or checked twice), for
/// analysis: the artifacts are not sealed (see [`Lowered::artifact`]).
/// `lowered[i]` belongs to `checked.roots[i]`.
pub fn check_and_lower(fs: &dyn FileSystem, paths: &[PathBuf]) -> (Checked, Vec<Option<Lowered>>) {
    let (db, roots, load_errors) = load(fs, paths);
    let (diagnostics, lowered, (references, hints)) = {
        let mut checker = checker::Checker::new(&db, fs);
        let diagnostics = checker.run();
        let index = checker.index();
        let lowered = roots
            .iter()
            .map(|&r| {
                let clean = diagnostics[r].iter().all(|d| d.severity != Severity::Error);
                clean.then(|| checker.lower(r, false))
            })
            .collect();
        (diagnostics, lowered, index)
    };
    (Checked { db, diagnostics, roots, load_errors, references, hints }, lowered)
}

/// Checks `path` (and what it uses) and, if there are no errors, lowers it
/// to the compiled artifact.
pub fn compile(fs: &dyn FileSystem, path: &Path) -> Compiled {
    let mut db = SourceDb::default();
    let mut load_errors = Vec::new();
    let root = match db.load_root(fs, path) {
        Ok(id) => Some(id),
        Err((_, e)) => {
            load_errors.push((path.to_path_buf(), e));
            None
        }
    };
    db.load_uses(fs);
    let (diagnostics, lowered, (references, hints)) = {
        let mut checker = checker::Checker::new(&db, fs);
        let diagnostics = checker.run();
        let clean = diagnostics.iter().flatten().all(|d| d.severity != Severity::Error);
        let lowered = match root {
            Some(r) if clean => Some(checker.lower(r, true)),
            _ => None,
        };
        (diagnostics, lowered, checker.index())
    };
    Compiled {
        checked: Checked { db, diagnostics, roots: root.into_iter().collect(), load_errors, references, hints },
        lowered,
    }
}

/// Checks one file held in memory (its `use`s resolve against nothing).
pub fn check_text(path: impl AsRef<Path>, text: &str) -> Checked {
    let mut fs = MemoryFs::default();
    let path = path.as_ref().to_path_buf();
    fs.files.insert(path.clone(), text.to_string());
    check(&fs, &[path])
}
