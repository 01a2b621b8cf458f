//! What the guidepath editors offer, as a plain API.
//!
//! This crate knows nothing of any transport. The language server
//! (`guidepath-lsp`, over tower-lsp) and the browser studio
//! (`guidepath-wasm`) both call it and convert its answers to their own
//! wire; neither computes a feature itself. Positions here are byte offsets
//! into a file's text and spans of them ([`Span`]); each transport turns
//! them into its own (UTF-16 lines and columns, or offsets).
//!
//! The seam is rust-analyzer's:
//! - [`AnalysisHost`] holds the state that changes: the open texts over a
//!   base file system, and the check of each group of files that use each
//!   other ([`groups`]). Edits go to it.
//! - [`Analysis`] is one checked state, immutable, that answers requests.
//!
//! Nothing here reads a clock, starts a thread or touches a disk except
//! through the [`FileSystem`] it is given: "today" is passed in, and in the
//! browser the base is the built-in instruments alone.

mod complete;
pub mod groups;
mod hints;
mod index;
mod tests_run;
mod tokens;

pub use complete::{Completion, CompletionKind};
pub use hints::Hint;
pub use index::{Decl, SymbolKind};
pub use tests_run::{run as run_tests, to_json as tests_to_json, Case, Lens, TestRun};
pub use tokens::{Fold, Token, TokenType, KEYWORDS};

use guidepath_check::{Cached, Checked, FileId, FileSystem, Overlay, SourceFile};
use guidepath_syntax::{Diagnostic, ParseCache, Span};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A place in a file of the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSpan {
    pub path: PathBuf,
    pub span: Span,
}

/// One replacement of text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub new_text: String,
}

/// What a hover shows: Markdown about the name at `span`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HoverInfo {
    pub markdown: String,
    pub span: Span,
}

/// One occurrence of a name in its file; `declaration` where the name is
/// given its meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Highlight {
    pub span: Span,
    pub declaration: bool,
}

/// A declaration found by name across the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub path: PathBuf,
    pub span: Span,
    /// The file's name without its extension.
    pub container: Option<String>,
}

/// A fix a diagnostic offers, as one edit of its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Action {
    pub title: String,
    pub edit: Edit,
    /// The one fix to take without asking (a "did you mean").
    pub preferred: bool,
}

/// Why a rename cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameError(pub String);

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The fixes of a diagnostic in a text `len` bytes long: its replacement,
/// and its witness patient as a test appended to the file.
pub fn actions(d: &Diagnostic, len: usize) -> Vec<Action> {
    let mut out = Vec::new();
    if let Some(fix) = &d.fix {
        // A plain replacement (a "did you mean") is the preferred fix; a
        // titled one (adding a stratum) is one choice of several.
        out.push(Action {
            title: fix.title.clone().unwrap_or_else(|| format!("Replace with `{}`", fix.replacement)),
            edit: Edit { span: fix.span, new_text: fix.replacement.clone() },
            preferred: fix.title.is_none(),
        });
    }
    if let Some(test) = d.witness.as_ref().and_then(|w| w.test.as_ref()) {
        let end = Span::new(len, len);
        out.push(Action {
            title: "Add the witness patient as a test".into(),
            edit: Edit { span: end, new_text: format!("\n{test}") },
            preferred: false,
        });
    }
    out
}

/// The text formatted, or `None` where it has syntax errors (the
/// diagnostics say which).
pub fn format(text: &str) -> Option<String> {
    guidepath_fmt::format(text).ok()
}

/// The lines that fold in a text.
pub fn folding(text: &str) -> Vec<Fold> {
    tokens::folding(text)
}

/// Whether `name` can name a declaration: letters, digits and `_`, and
/// not a keyword.
pub fn is_name(name: &str) -> bool {
    guidepath_syntax::lexer::is_name(name) && !KEYWORDS.contains(&name)
}

/// Markdown as plain text, for clients that show hovers verbatim.
pub fn plain(markdown: &str) -> String {
    index::plain(markdown)
}

/// One checked state of the workspace, answering requests about it.
#[derive(Clone)]
pub struct Analysis {
    checked: Arc<Checked>,
}

impl Analysis {
    pub fn new(checked: Arc<Checked>) -> Analysis {
        Analysis { checked }
    }

    /// The check this state is.
    pub fn checked(&self) -> &Arc<Checked> {
        &self.checked
    }

    /// The file at `path`, if this state loaded it.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.checked.db.files.iter().position(|f| f.path == path)
    }

    pub fn source(&self, file: FileId) -> &SourceFile {
        self.checked.db.file(file)
    }

    fn place(&self, file: FileId, span: Span) -> FileSpan {
        FileSpan { path: self.source(file).path.clone(), span }
    }

    /// What the name at `offset` is, in the language of the file read.
    pub fn hover(&self, file: FileId, offset: u32) -> Option<HoverInfo> {
        let source = self.source(file);
        let t = index::target_at(&self.checked, file, offset)?;
        let markdown = index::describe(self.source(t.file), t.name, &source.ast)?;
        Some(HoverInfo { markdown, span: t.at })
    }

    /// Where the name at `offset` is declared.
    pub fn definition(&self, file: FileId, offset: u32) -> Option<FileSpan> {
        let t = index::target_at(&self.checked, file, offset)?;
        Some(self.place(t.file, t.name))
    }

    /// Every place that names what `offset` names, its declaration first
    /// when `declaration`.
    pub fn references(&self, file: FileId, offset: u32, declaration: bool) -> Option<Vec<FileSpan>> {
        let t = index::target_at(&self.checked, file, offset)?;
        let mut occ = index::occurrences(&self.checked, &t);
        if !declaration {
            occ.remove(0);
        }
        Some(occ.into_iter().map(|(f, s)| self.place(f, s)).collect())
    }

    /// The name a rename at `offset` would change, and its text.
    pub fn prepare_rename(&self, file: FileId, offset: u32) -> Result<Option<(Span, String)>, RenameError> {
        let Some(t) = index::target_at(&self.checked, file, offset) else { return Ok(None) };
        if t.name.is_empty() {
            return Err(RenameError("a used file is renamed by renaming the file".into()));
        }
        Ok(Some((t.at, t.at.text(&self.source(file).text).to_string())))
    }

    /// The edits that rename what `offset` names to `new`, in every file.
    pub fn rename(&self, file: FileId, offset: u32, new: &str) -> Result<Option<Vec<(PathBuf, Edit)>>, RenameError> {
        if !is_name(new) {
            return Err(RenameError(format!("`{new}` is not a name (letters, digits and `_`, not a keyword)")));
        }
        let Some(t) = index::target_at(&self.checked, file, offset) else { return Ok(None) };
        if t.name.is_empty() {
            return Err(RenameError("a used file is renamed by renaming the file".into()));
        }
        let edits = index::occurrences(&self.checked, &t)
            .into_iter()
            .map(|(f, span)| (self.source(f).path.clone(), Edit { span, new_text: new.to_string() }))
            .collect();
        Ok(Some(edits))
    }

    /// The occurrences, in `file`, of what `offset` names.
    pub fn highlights(&self, file: FileId, offset: u32) -> Option<Vec<Highlight>> {
        let t = index::target_at(&self.checked, file, offset)?;
        Some(
            index::occurrences(&self.checked, &t)
                .into_iter()
                .filter(|&(f, s)| f == file && !s.is_empty())
                .map(|(f, s)| Highlight { span: s, declaration: (f, s) == (t.file, t.name) })
                .collect(),
        )
    }

    /// The hints of `file` from byte `from` to byte `to`.
    pub fn inlay_hints(&self, file: FileId, from: u32, to: u32) -> Vec<Hint> {
        hints::inlay(&self.checked, file, from, to)
    }

    /// Where the tests of `file` can be run from.
    pub fn lenses(&self, file: FileId) -> Vec<Lens> {
        tests_run::lenses(self.source(file))
    }

    /// What may be written at `offset` (the text need not parse).
    pub fn completions(&self, file: FileId, offset: u32) -> Vec<Completion> {
        complete::complete(&self.checked, file, offset)
    }

    /// The declarations of `file`, nested as written.
    pub fn outline(&self, file: FileId) -> Vec<Decl> {
        index::decls(&self.source(file).ast)
    }

    /// The declarations of every file whose name contains `query`
    /// (ignoring case); tests are not declarations.
    pub fn symbols(&self, query: &str) -> Vec<Symbol> {
        let query = query.to_lowercase();
        let mut out = Vec::new();
        for f in &self.checked.db.files {
            let decls = index::decls(&f.ast);
            for d in index::flat(&decls) {
                if d.kind == SymbolKind::Test || !d.name.to_lowercase().contains(&query) {
                    continue;
                }
                out.push(Symbol {
                    name: d.name.clone(),
                    kind: d.kind,
                    path: f.path.clone(),
                    span: d.name_span,
                    container: f.path.file_stem().map(|s| s.to_string_lossy().into_owned()),
                });
            }
        }
        out
    }

    /// The tokens of `file` to colour, in order.
    pub fn semantic_tokens(&self, file: FileId) -> Vec<Token> {
        tokens::semantic(&self.checked, file)
    }
}

/// The workspace as an editor holds it, checked where it changed: open
/// texts over a base file system, and the roots to check (the open files,
/// then the others). Used as is in the browser; the language server, which
/// checks on a worker thread, holds the same parts itself.
pub struct AnalysisHost {
    base: Arc<dyn FileSystem + Send + Sync>,
    open: HashMap<PathBuf, String>,
    others: Vec<PathBuf>,
    today: i64,
    parses: Arc<ParseCache>,
    groups: groups::Groups,
    /// The last diagnostics, valid until the next change.
    last: Option<Vec<groups::FileDiagnostics>>,
}

impl AnalysisHost {
    /// A workspace over `base`, where review dates are judged on `today`
    /// (days since 1970-01-01).
    pub fn new(base: Arc<dyn FileSystem + Send + Sync>, today: i64) -> AnalysisHost {
        let parses = Arc::new(ParseCache::new());
        AnalysisHost {
            base,
            open: HashMap::new(),
            others: Vec::new(),
            today,
            groups: groups::Groups::new(parses.clone()),
            parses,
            last: None,
        }
    }

    /// Opens `path` with `text`, or gives it a new text.
    pub fn set_text(&mut self, path: PathBuf, text: String) {
        self.open.insert(path, text);
        self.last = None;
    }

    /// Closes `path`: it is read from the base again, if it is there.
    pub fn remove(&mut self, path: &Path) {
        self.open.remove(path);
        self.last = None;
    }

    /// Files of the base checked beside the open ones.
    pub fn set_others(&mut self, others: Vec<PathBuf>) {
        self.others = others;
        self.last = None;
    }

    pub fn set_today(&mut self, today: i64) {
        if today != self.today {
            self.today = today;
            // Overdue reviews depend on the day: check again.
            self.groups = groups::Groups::new(self.parses.clone());
            self.last = None;
        }
    }

    /// The open files, sorted.
    pub fn open_files(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.open.keys().cloned().collect();
        out.sort();
        out
    }

    pub fn text(&self, path: &Path) -> Option<&str> {
        self.open.get(path).map(String::as_str)
    }

    /// The open files, then the others.
    fn roots(&self) -> Vec<PathBuf> {
        let mut roots = self.open_files();
        roots.extend(self.others.iter().filter(|p| !self.open.contains_key(*p)).cloned());
        roots
    }

    /// Every checked file's diagnostics, with the consistency analysis,
    /// checking only the groups of files that changed.
    pub fn diagnostics(&mut self) -> &[groups::FileDiagnostics] {
        if self.last.is_none() {
            let today = self.today;
            let roots = self.roots();
            let outcome = self.groups.update(&*self.base, &self.open, &roots, &|fs, roots| {
                let mut checked = guidepath_analysis::check_and_analyse(fs, roots);
                guidepath_check::lifecycle::overdue_reviews(&mut checked, today);
                checked
            });
            self.last = Some(outcome.diagnostics);
        }
        self.last.as_deref().unwrap_or(&[])
    }

    /// The state to answer requests about `path` from: the check of its
    /// group, made with the diagnostics.
    pub fn analysis(&mut self, path: &Path) -> Analysis {
        self.diagnostics();
        let shared = self.groups.shared();
        let (base, open) = (&*self.base, &self.open);
        let print = |p: &Path| groups::print_of(base, open.get(p).map(String::as_str), p);
        match groups::current(&shared, path, print) {
            Some(checked) => Analysis::new(checked),
            None => {
                // Not a checked file (a file of the base no root uses):
                // checked alone.
                let fs = Cached { fs: Overlay { base, files: open.clone() }, cache: &self.parses };
                Analysis::new(Arc::new(guidepath_check::check(&fs, &[path.to_path_buf()])))
            }
        }
    }

    /// The open texts over the base, for what reads files itself (tests,
    /// compiling).
    pub fn files(&self) -> Overlay<&dyn FileSystem> {
        Overlay { base: &*self.base as &dyn FileSystem, files: self.open.clone() }
    }
}
