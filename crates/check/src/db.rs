//! Source files, loading, and `use` resolution.

use guidepath_syntax::{ast, parse, parse_cached, Diagnostic, LineIndex, ParseCache, Parsed};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub type FileId = usize;

/// Where the checker reads files from: the disk for the CLI, open editor
/// buffers over the disk for the language server, a map in tests.
pub trait FileSystem {
    fn read(&self, path: &Path) -> std::io::Result<String>;
    fn is_file(&self, path: &Path) -> bool;
    /// Where a file really is: an absolute path without links on the disk.
    /// One file has one real path however it is named, and `use` is
    /// resolved from it. Elsewhere, the path itself.
    fn real(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
    /// The folder relative paths start from, where there is one.
    fn current_dir(&self) -> Option<PathBuf> {
        None
    }
    /// Parses a text read from here. [`Cached`] keeps declarations between
    /// checks; the result is that of [`parse`] either way.
    fn parse(&self, text: &str) -> Parsed {
        parse(text)
    }
    /// What tells one version of a file from another without reading it:
    /// its length and modification time on the disk. `None` where files
    /// have no such thing (in memory), or it cannot be read.
    fn stamp(&self, _path: &Path) -> Option<(u64, std::time::SystemTime)> {
        None
    }
}

/// A file system whose texts are parsed through a [`ParseCache`]: the
/// language server's, where each check after an edit parses again only the
/// declarations whose text changed.
pub struct Cached<'c, F> {
    pub fs: F,
    pub cache: &'c ParseCache,
}

impl<F: FileSystem> FileSystem for Cached<'_, F> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.fs.read(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.fs.is_file(path)
    }
    fn real(&self, path: &Path) -> PathBuf {
        self.fs.real(path)
    }
    fn current_dir(&self) -> Option<PathBuf> {
        self.fs.current_dir()
    }
    fn stamp(&self, path: &Path) -> Option<(u64, std::time::SystemTime)> {
        self.fs.stamp(path)
    }
    fn parse(&self, text: &str) -> Parsed {
        parse_cached(text, self.cache)
    }
}

/// The real file system.
pub struct Disk;

impl FileSystem for Disk {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        read_bounded(path, guidepath_syntax::MAX_FILE_BYTES as u64)
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn real(&self, path: &Path) -> PathBuf {
        // A file that does not exist (yet) keeps its path, made absolute.
        std::fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .map(|p| normalize(&p))
            .unwrap_or_else(|_| normalize(path))
    }
    fn current_dir(&self) -> Option<PathBuf> {
        std::env::current_dir().ok()
    }
    fn stamp(&self, path: &Path) -> Option<(u64, std::time::SystemTime)> {
        let m = std::fs::metadata(path).ok()?;
        Some((m.len(), m.modified().ok()?))
    }
}

/// A regular file's UTF-8 text, refused before reading when it is larger
/// than `max` bytes: so `/dev/zero`, a FIFO or a huge file costs nothing.
/// Every file the operator names is read here.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::Read as _;
    // Looked at before it is opened: opening a FIFO waits for a writer.
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        // What was opened is looked at again below.
    } else if meta.is_dir() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is a folder"));
    } else {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is a folder"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let too_large = || std::io::Error::new(std::io::ErrorKind::InvalidData, format!("larger than {}", size(max)));
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow between the look and the read: read one byte past.
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| not_utf8(e.as_bytes(), e.utf8_error().valid_up_to()))
}

/// `16 MiB`, `64 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Why a file could not be read, in the one wording every command uses:
/// `no such file or folder`, not the system's `No such file or directory
/// (os error 2)`.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or folder".into(),
        K::PermissionDenied => "permission denied".into(),
        K::IsADirectory => "it is a folder".into(),
        K::NotADirectory => "a part of the path is not a folder".into(),
        _ => {
            let text = e.to_string();
            let text = match text.rfind(" (os error ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            let mut c = text.chars();
            match c.next() {
                Some(first) => first.to_lowercase().chain(c).collect(),
                None => text,
            }
        }
    }
}

/// The error for text that is not UTF-8, saying where: a file saved in
/// Latin-1 or Windows-1252 (common for Nordic text) fails at its first å,
/// æ, ø, ä or ö, and the author needs to know that this is the cause.
fn not_utf8(bytes: &[u8], valid: usize) -> std::io::Error {
    let before = &bytes[..valid.min(bytes.len())];
    // `before` is valid UTF-8, so its line index is the one of every other
    // message (a line ends at `\n`, `\r\n` or a lone `\r`).
    let lines = LineIndex::new(std::str::from_utf8(before).unwrap_or(""));
    let line = lines.line_count();
    let line_start = lines.line_start(line - 1) as usize;
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
    fn real(&self, path: &Path) -> PathBuf {
        // An open buffer is known by the editor's path.
        if self.files.contains_key(path) {
            normalize(path)
        } else {
            self.base.real(path)
        }
    }
    fn current_dir(&self) -> Option<PathBuf> {
        self.base.current_dir()
    }
    fn parse(&self, text: &str) -> Parsed {
        self.base.parse(text)
    }
    fn stamp(&self, path: &Path) -> Option<(u64, std::time::SystemTime)> {
        // An open buffer is told apart by its text, not here.
        if self.files.contains_key(path) {
            None
        } else {
            self.base.stamp(path)
        }
    }
}

impl<F: FileSystem + ?Sized> FileSystem for &F {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        (**self).read(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        (**self).is_file(path)
    }
    fn real(&self, path: &Path) -> PathBuf {
        (**self).real(path)
    }
    fn current_dir(&self) -> Option<PathBuf> {
        (**self).current_dir()
    }
    fn parse(&self, text: &str) -> Parsed {
        (**self).parse(text)
    }
    fn stamp(&self, path: &Path) -> Option<(u64, std::time::SystemTime)> {
        (**self).stamp(path)
    }
}

/// One parsed source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as named: as given for the files asked for, relative to
    /// the current folder for used files when the files asked for were.
    pub path: PathBuf,
    /// Where the file really is ([`FileSystem::real`]).
    pub real: PathBuf,
    pub text: String,
    pub lines: LineIndex,
    pub ast: ast::File,
    /// Syntax diagnostics from the parser.
    pub syntax: Vec<Diagnostic>,
}

/// How to mend a file that could not be read, by why.
fn unreadable_help(why: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let text = why.to_string();
    match why.kind() {
        K::NotFound => {
            "check the path; `use a.b` looks for `a/b.guide` from the file's folder and the folders above".into()
        }
        K::PermissionDenied => "give this user permission to read the file".into(),
        K::InvalidInput => "name a guideline file: not a folder, a device or a FIFO".into(),
        K::InvalidData if text.starts_with("larger than") => {
            "a guideline file may be at most 16 MiB; split it into files that `use` each other".into()
        }
        _ => "save the file as UTF-8 text".into(),
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        let real = normalize(&path);
        SourceFile::at(path, real, text)
    }

    /// A file that could not be read: no text, and the error (E0104) as its
    /// one diagnostic, so that it is reported among the others.
    pub fn unreadable(path: PathBuf, real: PathBuf, why: &std::io::Error) -> SourceFile {
        let mut f = SourceFile::at(path, real, String::new());
        f.syntax = vec![Diagnostic::new(
            guidepath_syntax::Code::Unreadable,
            guidepath_syntax::Span::new(0, 0),
            format!("cannot read this file: {}", io_reason(why)),
        )
        .label("unreadable")
        .help(unreadable_help(why))];
        f
    }

    pub fn at(path: PathBuf, real: PathBuf, text: String) -> SourceFile {
        let parsed = parse(&text);
        SourceFile::parsed(path, real, text, parsed)
    }

    fn parsed(path: PathBuf, real: PathBuf, text: String, parsed: Parsed) -> SourceFile {
        SourceFile { lines: LineIndex::new(&text), path, real, text, ast: parsed.file, syntax: parsed.diagnostics }
    }
}

/// All files of one check: the ones asked for and everything they `use`.
#[derive(Debug, Default)]
pub struct SourceDb {
    pub files: Vec<SourceFile>,
    /// By real path, so a file named two ways is read once.
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

    /// The file whose real path this is.
    pub fn lookup(&self, real: &Path) -> Option<FileId> {
        self.by_path.get(real).copied()
    }

    /// Adds a file with known text (replacing nothing: a path is loaded once).
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let real = normalize(&path);
        if let Some(id) = self.by_path.get(&real) {
            return *id;
        }
        let parsed = parse(&text);
        self.push(SourceFile::parsed(path, real, text, parsed))
    }

    fn push(&mut self, file: SourceFile) -> FileId {
        let id = self.files.len();
        self.by_path.insert(file.real.clone(), id);
        self.files.push(file);
        id
    }

    /// Loads a file from `fs` unless it is loaded already.
    pub fn load(&mut self, fs: &dyn FileSystem, path: &Path) -> std::io::Result<FileId> {
        let real = real_path(fs, path);
        if let Some(id) = self.by_path.get(&real) {
            return Ok(*id);
        }
        let text = match crate::stdlib::text(path) {
            Some(t) => t.to_string(),
            None => fs.read(path)?,
        };
        let parsed = fs.parse(&text);
        Ok(self.push(SourceFile::parsed(normalize(path), real, text, parsed)))
    }

    /// Loads a file asked for; one that cannot be read is added without
    /// text and with its error as a diagnostic (E0104), so a folder's other
    /// files are still checked.
    pub fn load_root(&mut self, fs: &dyn FileSystem, path: &Path) -> Result<FileId, (FileId, std::io::Error)> {
        match self.load(fs, path) {
            Ok(id) => Ok(id),
            Err(e) => {
                let real = real_path(fs, path);
                Err((self.push(SourceFile::unreadable(normalize(path), real, &e)), e))
            }
        }
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
                    ast::Item::Use(u) => resolve_use(fs, &self.files[next], &u.path).ok(),
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

/// Where a file really is ([`FileSystem::real`]); a standard library
/// file is where its name says.
pub fn real_path(fs: &dyn FileSystem, path: &Path) -> PathBuf {
    if crate::stdlib::is_std(path) {
        normalize(path)
    } else {
        fs.real(path)
    }
}

/// The file a `use a.b.c` names: `a/b/c.guide`, looked up from the folder
/// where the using file really is ([`FileSystem::real`]) and then from each
/// folder above it, nearest first, whatever the current folder; then in
/// the standard library ([`crate::stdlib`]). So
/// `guidelines/se/skane_mms.guide` finds `use instruments.orebro_sf` at
/// `guidelines/instruments/orebro_sf.guide`, and a file in any other folder
/// finds the built-in one. The path found is named like the using file:
/// relative to the current folder when that one is.
pub fn resolve_use(fs: &dyn FileSystem, from: &SourceFile, path: &ast::Path) -> Result<PathBuf, Vec<PathBuf>> {
    let mut rel = PathBuf::new();
    for seg in &path.segments {
        rel.push(&seg.name);
    }
    rel.set_extension(EXTENSION);
    let mut tried = Vec::new();
    // A standard library file uses only the standard library.
    let mut dir = from.real.parent().filter(|_| !crate::stdlib::is_std(&from.real));
    while let Some(d) = dir {
        let candidate = normalize(&d.join(&rel));
        if fs.is_file(&candidate) {
            return Ok(named_like(fs, &from.path, candidate));
        }
        tried.push(named_like(fs, &from.path, candidate));
        dir = d.parent();
    }
    crate::stdlib::find(&rel).ok_or(tried)
}

/// `real` named relative to the current folder when `like` is relative.
fn named_like(fs: &dyn FileSystem, like: &Path, real: PathBuf) -> PathBuf {
    if like.is_absolute() || !real.is_absolute() {
        return real;
    }
    match fs.current_dir() {
        Some(cwd) => relative_path(&fs.real(&cwd), &real).unwrap_or(real),
        None => real,
    }
}

/// `to` relative to the folder `from`, both absolute (or both relative to
/// one folder) and free of `.` and `..`: `../instruments/start_back.guide`.
pub fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let plain = |p: &Path| p.components().all(|c| !matches!(c, Component::ParentDir | Component::CurDir));
    if from.is_absolute() != to.is_absolute() || !plain(from) || !plain(to) {
        return None;
    }
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if from.is_absolute() && common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    Some(out)
}

/// Deepest folder nesting searched for guideline files.
const MAX_FOLDER_DEPTH: usize = 64;

/// A folder the search left out, and why.
#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
}

/// How far a search for guideline files may go.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Most files found.
    pub files: usize,
    /// Most folder entries looked at.
    pub entries: usize,
    /// When to stop looking.
    pub until: Option<std::time::Instant>,
}

impl Budget {
    /// No bound: what the command line searches, where the operator named
    /// the folders.
    pub fn unbounded() -> Budget {
        Budget { files: usize::MAX, entries: usize::MAX, until: None }
    }
}

/// What a search found besides the files.
#[derive(Debug, Default)]
pub struct Search {
    /// Folders left out, and why.
    pub skipped: Vec<Skipped>,
    /// Why the search stopped before it had looked everywhere, if it did.
    pub stopped: Option<String>,
}

/// Folders that hold no one's guidelines: the kernel's views of processes
/// and devices, which are also endless to walk.
const SYSTEM_FOLDERS: [&str; 3] = ["/proc", "/sys", "/dev"];

/// Adds the guideline files at `path` to `out`: a file is taken whatever
/// its extension; a folder is searched for `*.guide` in sorted order (so
/// output is stable), skipping hidden folders, `target`, `node_modules` and
/// the system's `/proc`, `/sys` and `/dev`, within `budget`. Each folder is
/// searched once however links reach it, so a link to a folder above ends;
/// folders that cannot be read, loops and folders nested deeper than 64
/// are left out and returned. Only `path` itself failing to be read is an
/// error.
pub fn find_guides(path: &Path, out: &mut Vec<PathBuf>, budget: &Budget) -> std::io::Result<Search> {
    let mut search = Search::default();
    // A file is taken as named; one that is not a regular file (a device,
    // a FIFO) is refused when it is read, as a file that cannot be read.
    if !std::fs::metadata(path)?.is_dir() {
        out.push(normalize(path));
        return Ok(search);
    }
    let mut seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    seen.insert(std::fs::canonicalize(path)?);
    let mut looked = 0usize;
    // Folders being searched, each with its sorted entries and the next
    // one to look at: files and folders in one sorted order, as a
    // recursive walk would take them.
    let mut stack: Vec<(Vec<PathBuf>, usize)> = vec![(read_sorted(path)?, 0)];
    while let Some((entries, next)) = stack.last_mut() {
        let Some(e) = entries.get(*next).cloned() else {
            stack.pop();
            continue;
        };
        *next += 1;
        looked += 1;
        if out.len() >= budget.files {
            search.stopped = Some(format!("found {} guideline files, the most taken", budget.files));
            break;
        }
        if looked > budget.entries {
            search.stopped = Some(format!("looked at {} folder entries, the most looked at", budget.entries));
            break;
        }
        if budget.until.is_some_and(|t| std::time::Instant::now() > t) {
            search.stopped = Some(format!("took longer than it may, after {looked} folder entries"));
            break;
        }
        let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if e.is_dir() {
            let depth = stack.len();
            match std::fs::canonicalize(&e) {
                Ok(real) if SYSTEM_FOLDERS.iter().any(|s| real == Path::new(s)) => {}
                Ok(real) if !seen.insert(real.clone()) => search
                    .skipped
                    .push(Skipped { path: e, why: format!("is a link to `{}`, searched already", real.display()) }),
                Ok(_) if depth > MAX_FOLDER_DEPTH => search
                    .skipped
                    .push(Skipped { path: e, why: format!("is nested deeper than {MAX_FOLDER_DEPTH} folders") }),
                Ok(_) => match read_sorted(&e) {
                    Ok(inner) => stack.push((inner, 0)),
                    Err(err) => search.skipped.push(Skipped { path: e, why: format!("cannot be read: {err}") }),
                },
                Err(err) => search.skipped.push(Skipped { path: e, why: format!("cannot be read: {err}") }),
            }
        } else if e.extension().is_some_and(|x| x == EXTENSION) {
            // A FIFO or device named *.guide is reported when it is read.
            out.push(normalize(&e));
        }
    }
    Ok(search)
}

fn read_sorted(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    Ok(entries)
}

/// Drops `.` components, and `..` after a folder name, so that one file
/// has one path however it is reached. (`a/../b` is `b` as written; the
/// real path of a file is [`FileSystem::real`].)
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::ParentDir if matches!(out.last(), Some(Component::RootDir | Component::Prefix(_))) => {}
            c => out.push(c),
        }
    }
    let out: PathBuf = out.into_iter().collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}
