//! Source files, loading, and `use` resolution.

use guidepath_syntax::{ast, parse, Diagnostic, LineIndex};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub type FileId = usize;

/// Where the checker reads files from: the disk for the CLI, open editor
/// buffers over the disk for the language server, a map in tests.
pub trait FileSystem {
    fn read(&self, path: &Path) -> std::io::Result<String>;
    fn is_file(&self, path: &Path) -> bool;
}

/// The real file system.
pub struct Disk;

impl FileSystem for Disk {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let bytes = std::fs::read(path)?;
        String::from_utf8(bytes).map_err(|e| not_utf8(e.as_bytes(), e.utf8_error().valid_up_to()))
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// The error for text that is not UTF-8, saying where: a file saved in
/// Latin-1 or Windows-1252 (common for Nordic text) fails at its first å,
/// æ, ø, ä or ö, and the author needs to know that this is the cause.
fn not_utf8(bytes: &[u8], valid: usize) -> std::io::Error {
    let before = &bytes[..valid.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    // `before` is valid UTF-8 up to `valid`, so its characters can be counted.
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    let byte = bytes.get(valid).copied().unwrap_or(0);
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("not UTF-8 text (byte 0x{byte:02x} at line {line}, column {column}); save the file as UTF-8"),
    )
}

/// An in-memory file system, for tests and for editor buffers.
#[derive(Default, Clone)]
pub struct MemoryFs {
    pub files: HashMap<PathBuf, String>,
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files.get(path).cloned().ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}

/// A file system read through another, with some files' texts replaced:
/// an editor's open buffers over the disk, or a repaired copy of one file.
pub struct Overlay<F> {
    pub base: F,
    pub files: HashMap<PathBuf, String>,
}

impl<F: FileSystem> FileSystem for Overlay<F> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.files.get(path) {
            Some(text) => Ok(text.clone()),
            None => self.base.read(path),
        }
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.base.is_file(path)
    }
}

impl<F: FileSystem + ?Sized> FileSystem for &F {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        (**self).read(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        (**self).is_file(path)
    }
}

/// One parsed source file.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
    pub ast: ast::File,
    /// Syntax diagnostics from the parser.
    pub syntax: Vec<Diagnostic>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        let parsed = parse(&text);
        SourceFile { lines: LineIndex::new(&text), path, text, ast: parsed.file, syntax: parsed.diagnostics }
    }
}

/// All files of one check: the ones asked for and everything they `use`.
#[derive(Debug, Default)]
pub struct SourceDb {
    pub files: Vec<SourceFile>,
    by_path: HashMap<PathBuf, FileId>,
    /// Files named by a `use` that exist but could not be read, with why;
    /// the checker reports them at the `use`.
    pub unreadable: HashMap<PathBuf, String>,
}

/// The file extension of guidepath sources.
pub const EXTENSION: &str = "guide";

impl SourceDb {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn lookup(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Adds a file with known text (replacing nothing: a path is loaded once).
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        if let Some(id) = self.by_path.get(&path) {
            return *id;
        }
        let id = self.files.len();
        self.by_path.insert(path.clone(), id);
        self.files.push(SourceFile::new(path, text));
        id
    }

    /// Loads a file from `fs` unless it is loaded already.
    pub fn load(&mut self, fs: &dyn FileSystem, path: &Path) -> std::io::Result<FileId> {
        if let Some(id) = self.by_path.get(path) {
            return Ok(*id);
        }
        let text = fs.read(path)?;
        Ok(self.add(path.to_path_buf(), text))
    }

    /// Loads every file reachable through `use` from the loaded files.
    /// Unresolvable uses are left for the checker to report.
    pub fn load_uses(&mut self, fs: &dyn FileSystem) {
        let mut next = 0;
        while next < self.files.len() {
            let targets: Vec<PathBuf> = self.files[next]
                .ast
                .items
                .iter()
                .filter_map(|item| match item {
                    ast::Item::Use(u) => resolve_use(fs, &self.files[next].path, &u.path).ok(),
                    _ => None,
                })
                .collect();
            for t in targets {
                // A file that cannot be read is reported at its `use`.
                if let Err(e) = self.load(fs, &t) {
                    self.unreadable.insert(t, e.to_string());
                }
            }
            next += 1;
        }
    }
}

/// The file a `use a.b.c` names: `a/b/c.guide`, looked up from the using
/// file's folder and then from each folder above it, nearest first. So
/// `guidelines/se/skane_mms.guide` finds `use instruments.orebro_sf` at
/// `guidelines/instruments/orebro_sf.guide`.
pub fn resolve_use(fs: &dyn FileSystem, from: &Path, path: &ast::Path) -> Result<PathBuf, Vec<PathBuf>> {
    let mut rel = PathBuf::new();
    for seg in &path.segments {
        rel.push(&seg.name);
    }
    rel.set_extension(EXTENSION);
    let mut tried = Vec::new();
    let mut dir = from.parent();
    while let Some(d) = dir {
        let candidate = normalize(&d.join(&rel));
        if fs.is_file(&candidate) {
            return Ok(candidate);
        }
        tried.push(candidate);
        dir = d.parent();
    }
    Err(tried)
}

/// Deepest folder nesting searched for guideline files (bounds symlink
/// loops).
const MAX_FOLDER_DEPTH: usize = 64;

/// Adds the guideline files at `path` to `out`: a file is taken whatever
/// its extension; a folder is searched for `*.guide` in sorted order (so
/// output is stable), skipping hidden folders, `target` and `node_modules`,
/// until `out` holds `limit` files.
pub fn find_guides(path: &Path, out: &mut Vec<PathBuf>, limit: usize) -> std::io::Result<()> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, limit: usize, depth: usize) -> std::io::Result<()> {
        if depth > MAX_FOLDER_DEPTH {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for e in entries {
            if out.len() >= limit {
                return Ok(());
            }
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if e.is_dir() {
                walk(&e, out, limit, depth + 1)?;
            } else if e.extension().is_some_and(|x| x == EXTENSION) {
                out.push(normalize(&e));
            }
        }
        Ok(())
    }
    if std::fs::metadata(path)?.is_file() {
        out.push(normalize(path));
        return Ok(());
    }
    walk(path, out, limit, 0)
}

/// Drops `.` components so that one file has one path however it is reached.
pub fn normalize(path: &Path) -> PathBuf {
    let out: PathBuf = path.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}
