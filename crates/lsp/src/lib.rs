//! The guidepath language server (`guidepath lsp`, stdio).
//!
//! What it answers is computed by `guidepath_ide`, which knows nothing of
//! the protocol; this crate holds the documents, runs the checks off the
//! async threads, and converts (`convert`) between the two.
//!
//! Diagnostics come from the same `check_and_analyse` as `guidepath check`
//! and are converted, never re-derived. They are computed on a worker
//! thread that always takes the newest state of the documents, so a slow
//! analysis never holds up typing: edits queue, the worker skips to the
//! latest, and results for an older state are never published after a
//! newer one. Requests (hover, definition, …) check the current texts
//! without the analysis, which takes milliseconds, and share the result
//! until the next edit.
//!
//! Open documents overlay the disk: a `use` of an open file reads the
//! editor's text. The workspace's `*.guide` files are checked too, so a
//! file that uses the one being edited shows its new diagnostics. The list
//! of those files follows the disk: the server asks the client to watch
//! `**/*.guide` and walks the folders again when one is created or deleted,
//! when the folders change, and on save (for clients that cannot watch).

mod convert;
pub mod frames;
mod tests_lens;

use convert::Text;
use guidepath_check::{Cached, Checked, Disk, FileId, Overlay};
use guidepath_ide::{groups, Analysis};
use guidepath_syntax::ParseCache;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use tower_lsp::jsonrpc::{self, Error, Result};
use tower_lsp::ls_types::*;
use tower_lsp::{Client, LanguageServer, LspService, Server};

/// Most workspace files checked along with the open ones.
const MAX_WORKSPACE_FILES: usize = 2000;
/// Most folder entries, and longest time, one walk of the workspace takes:
/// a client that names `/` or a home folder as the workspace must not
/// hold up `initialize` while the server walks the disk.
const MAX_WORKSPACE_ENTRIES: usize = 100_000;
const MAX_WORKSPACE_SCAN: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs the server on standard input and output until the client exits:
/// status 0 when `shutdown` came before `exit` (or the end of the input),
/// 1 when it did not, as the protocol asks.
pub fn run_stdio() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    runtime.block_on(async {
        let (service, socket) = LspService::new(move |client| Backend::new(client, flag));
        // The server reads only frames it can decode (`frames`), and its
        // output reaches standard output a frame at a time.
        let (to_server, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, from_server) = tokio::io::duplex(1 << 16);
        let stdout = Arc::new(tokio::sync::Mutex::new(tokio::io::stdout()));
        let guard = tokio::spawn(frames::guard(tokio::io::stdin(), to_server, stdout.clone()));
        let relay = tokio::spawn(frames::relay(from_server, stdout));
        Server::new(server_in, server_out, socket).serve(Lenient(service)).await;
        // All the server wrote is written before the process ends.
        let _ = relay.await;
        guard.abort();
    });
    // The reader of standard input may still be blocked in a read that
    // never returns (the client keeps the pipe open): do not wait for it.
    runtime.shutdown_background();
    if shut_down.load(Ordering::SeqCst) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}

/// The service, taking `shutdown` and `exit` with params of `{}` or `null`
/// as without: clients send each (the protocol says none), and
/// tower-lsp-server refuses all but none.
struct Lenient<S>(S);

impl<S> tower::Service<jsonrpc::Request> for Lenient<S>
where
    S: tower::Service<jsonrpc::Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::result::Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: jsonrpc::Request) -> S::Future {
        let empty = match req.params() {
            Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::Object(m)) => m.is_empty(),
            _ => false,
        };
        if !(empty && matches!(req.method(), "shutdown" | "exit")) {
            return self.0.call(req);
        }
        let (method, id, _) = req.into_parts();
        let mut b = jsonrpc::Request::build(method);
        if let Some(id) = id {
            b = b.id(id);
        }
        self.0.call(b.finish())
    }
}

/// Ends the server when the editor's process is gone, checked every
/// second: an editor that dies never sends `exit`, and its server must not
/// outlive it (as Deno's does not).
fn watch_parent(pid: u32) {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return };
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            // SAFETY: signal 0 only asks whether the process exists.
            let alive = unsafe { libc::kill(pid, 0) } == 0
                || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
            if !alive {
                std::process::exit(1);
            }
        });
    }
    #[cfg(not(unix))]
    let _ = pid;
}

struct Doc {
    text: String,
    version: i32,
}

#[derive(Default)]
struct State {
    docs: HashMap<PathBuf, Doc>,
    /// The workspace folders, and the `*.guide` files found under them.
    folders: Vec<PathBuf>,
    workspace: Vec<PathBuf>,
    /// The client can register file watchers for us.
    can_watch: bool,
    /// Bumped on every change; the cached check below belongs to one.
    generation: u64,
    /// The last check of all current texts, for requests about all files.
    checked: Option<(u64, Arc<Checked>)>,
    /// Checks of the current texts of one group each, made for requests
    /// while the diagnostics worker had not checked that group yet.
    checked_groups: Vec<Arc<Checked>>,
    /// Hover in Markdown; plain text where the client prefers it (eglot).
    markdown: bool,
    /// Where diagnostic codes link to (`convert::DIAGNOSTICS_DOCS` unless
    /// the client names its own copy).
    links: String,
    /// The last walk of the workspace stopped short (said once, not again
    /// at each walk).
    scan_stopped: bool,
    /// Most folder entries one walk looks at.
    max_entries: usize,
}

impl State {
    /// The open texts with their versions, and the files to check: the open
    /// ones, then the rest of the workspace.
    fn snapshot(&self) -> (HashMap<PathBuf, (String, i32)>, Vec<PathBuf>) {
        let docs: HashMap<PathBuf, (String, i32)> =
            self.docs.iter().map(|(p, d)| (p.clone(), (d.text.clone(), d.version))).collect();
        let mut roots: Vec<PathBuf> = docs.keys().cloned().collect();
        roots.sort();
        roots.extend(self.workspace.iter().filter(|w| !docs.contains_key(*w)).cloned());
        (docs, roots)
    }
}

/// One state of the documents, for the diagnostics worker.
struct Job {
    docs: HashMap<PathBuf, (String, i32)>,
    roots: Vec<PathBuf>,
    links: String,
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    /// The diagnostics worker's groups and their checks, as last checked.
    groups: Arc<Mutex<Vec<Arc<groups::Group>>>>,
    /// Declarations parsed once while their text stays the same, shared by
    /// the diagnostics worker and the requests' checks.
    parses: Arc<ParseCache>,
    jobs: mpsc::Sender<Job>,
    /// `shutdown` was received (the exit status says so).
    shut_down: Arc<AtomicBool>,
}

impl Backend {
    fn new(client: Client, shut_down: Arc<AtomicBool>) -> Backend {
        let (tx, rx) = mpsc::channel::<Job>();
        let worker_client = client.clone();
        let handle = tokio::runtime::Handle::current();
        let groups: Arc<Mutex<Vec<Arc<groups::Group>>>> = Arc::default();
        let shared = groups.clone();
        let parses = Arc::new(ParseCache::new());
        let worker_parses = parses.clone();
        std::thread::spawn(move || diagnostics_worker(rx, worker_client, handle, shared, worker_parses));
        Backend { client, state: Arc::new(Mutex::new(State::default())), groups, parses, jobs: tx, shut_down }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-made
        // (every update is a single assignment), so a poisoned lock is used.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues the diagnostics of the current state.
    fn changed(&self) {
        let job = {
            let mut st = self.lock();
            st.generation += 1;
            st.checked = None;
            st.checked_groups.clear();
            let (docs, roots) = st.snapshot();
            Job { docs, roots, links: st.links.clone() }
        };
        // The worker lives as long as the server; a send can fail only
        // while shutting down, when diagnostics no longer matter.
        let _ = self.jobs.send(job);
    }

    /// The current texts checked (without the analysis), shared until the
    /// next change.
    async fn checked(&self) -> Arc<Checked> {
        let (generation, docs, roots) = {
            let st = self.lock();
            if let Some((g, c)) = &st.checked {
                if *g == st.generation {
                    return c.clone();
                }
            }
            let (docs, roots) = st.snapshot();
            (st.generation, texts(docs), roots)
        };
        let checked = check_off_thread(docs, roots, self.parses.clone()).await;
        let mut st = self.lock();
        if st.generation == generation {
            st.checked = Some((generation, checked.clone()));
        }
        checked
    }

    /// The current texts of `path`'s group checked: the diagnostics
    /// worker's check while the group's files are as it saw them, else a
    /// check (without the analysis) of the roots of the group it last saw
    /// `path` in, shared until the next change. Files of other groups
    /// cannot refer to this one's declarations, so every answer about
    /// `path` (its references, a rename) is there. A `use` of `path` added
    /// in another file is seen once the worker has joined the groups.
    async fn checked_for(&self, path: &Path) -> Arc<Checked> {
        let groups = self.groups.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (generation, docs, roots) = {
            let st = self.lock();
            let open = |p: &Path| groups::print_of(&Disk, st.docs.get(p).map(|d| d.text.as_str()), p);
            if let Some(checked) = groups::current(&groups, path, open) {
                return checked;
            }
            if let Some(c) = st.checked_groups.iter().find(|c| file_id(c, path).is_some()) {
                return c.clone();
            }
            let (docs, mut all) = st.snapshot();
            let roots = match groups::roots_of(&groups, path) {
                Some(mut roots) if all.iter().any(|r| r == path) => {
                    if !roots.iter().any(|r| r == path) {
                        roots.push(path.to_path_buf());
                    }
                    roots.retain(|r| all.contains(r));
                    roots
                }
                _ => std::mem::take(&mut all),
            };
            (st.generation, texts(docs), roots)
        };
        let checked = check_off_thread(docs, roots, self.parses.clone()).await;
        let mut st = self.lock();
        if st.generation == generation {
            st.checked_groups.push(checked.clone());
        }
        checked
    }

    /// The state to answer from, the file and the byte offset of a
    /// position.
    async fn at(&self, pos: &TextDocumentPositionParams) -> Result<Option<(Analysis, FileId, u32)>> {
        let path = path_of(&pos.text_document.uri)?;
        let Some((analysis, file)) = self.analysis_of(&path).await else { return Ok(None) };
        let offset = Text::of(analysis.source(file)).offset(pos.position);
        Ok(Some((analysis, file, offset)))
    }

    /// The state to answer requests about `path` from, and its file.
    async fn analysis_of(&self, path: &Path) -> Option<(Analysis, FileId)> {
        let analysis = Analysis::new(self.checked_for(path).await);
        let file = analysis.file_id(path)?;
        Some((analysis, file))
    }

    fn doc_text(&self, path: &Path) -> Option<String> {
        self.lock().docs.get(path).map(|d| d.text.clone())
    }

    /// Walks the workspace folders again (files were created, deleted or
    /// renamed) and queues the diagnostics of what is there now.
    async fn rescan(&self) {
        let folders = self.lock().folders.clone();
        self.scan(folders).await;
        self.changed();
    }

    /// Walks `folders` off the async threads, within the bounds, and tells
    /// the user when the walk stopped short.
    async fn scan(&self, folders: Vec<PathBuf>) {
        let entries = self.lock().max_entries;
        let (files, stopped) =
            tokio::task::spawn_blocking(move || workspace_files(&folders, entries)).await.unwrap_or_default();
        let warn = {
            let mut st = self.lock();
            st.workspace = files;
            let warn = stopped.is_some() && !st.scan_stopped;
            st.scan_stopped = stopped.is_some();
            warn
        };
        if let (true, Some(why)) = (warn, stopped) {
            let n = self.lock().workspace.len();
            let message = format!(
                "guidepath: the search of the workspace for .guide files stopped: it {why}. \
                 Open files are checked, and {n} other files found; \
                 open the folder that holds the guidelines instead."
            );
            self.client.show_message(MessageType::WARNING, message).await;
        }
    }
}

/// A check (without the analysis) of `roots` over the open texts, on a
/// blocking thread; an empty check should that thread fail.
async fn check_off_thread(
    docs: HashMap<PathBuf, String>,
    roots: Vec<PathBuf>,
    parses: Arc<ParseCache>,
) -> Arc<Checked> {
    tokio::task::spawn_blocking(move || {
        guidepath_check::check(&Cached { fs: Overlay { base: Disk, files: docs }, cache: &parses }, &roots)
    })
    .await
    .map(Arc::new)
    .unwrap_or_else(|_| Arc::new(guidepath_check::check(&Disk, &[])))
}

/// The open texts without their versions.
fn texts(docs: HashMap<PathBuf, (String, i32)>) -> HashMap<PathBuf, String> {
    docs.into_iter().map(|(p, (t, _))| (p, t)).collect()
}

/// A document's path: a file's own, or for a buffer not on disk (VS Code's
/// `untitled:Untitled-1`) its URI as a relative path, which no file URI
/// gives, so `uri_of` turns it back into the same URI.
fn path_of(uri: &Uri) -> Result<PathBuf> {
    if uri.scheme().as_str() == "untitled" {
        return Ok(PathBuf::from(uri.as_str()));
    }
    file_path(uri).ok_or_else(|| Error::invalid_params(format!("not a file: {}", uri.as_str())))
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

fn uri_of(path: &Path) -> Option<Uri> {
    if path.is_relative() {
        return path.to_str()?.parse().ok();
    }
    Uri::from_file_path(path)
}

fn file_id(checked: &Checked, path: &Path) -> Option<FileId> {
    checked.db.files.iter().position(|f| f.path == path)
}

/// A place of the workspace as the protocol's location.
fn location(analysis: &Analysis, place: &guidepath_ide::FileSpan) -> Option<Location> {
    let file = analysis.file_id(&place.path)?;
    Some(Location { uri: uri_of(&place.path)?, range: Text::of(analysis.source(file)).range(place.span) })
}

/// The worker: takes the newest job, checks and analyses, publishes each
/// file's diagnostics with the version they belong to.
fn diagnostics_worker(
    rx: mpsc::Receiver<Job>,
    client: Client,
    rt: tokio::runtime::Handle,
    shared: Arc<Mutex<Vec<Arc<groups::Group>>>>,
    parses: Arc<ParseCache>,
) {
    let mut published: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut groups = groups::Groups::new(parses.clone());
    while let Ok(mut job) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            job = newer;
        }
        // The checker and the analysis do not panic on any input; should one
        // ever, the server keeps running and says so instead of going quiet.
        let texts: HashMap<PathBuf, String> = job.docs.iter().map(|(p, (t, _))| (p.clone(), t.clone())).collect();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            groups.update(&Disk, &texts, &job.roots, &|fs, roots| {
                let mut checked = guidepath_analysis::check_and_analyse(fs, roots);
                guidepath_check::lifecycle::overdue_reviews(&mut checked, guidepath_check::lifecycle::today());
                checked
            })
        }));
        let Ok(outcome) = run else {
            groups = groups::Groups::new(parses.clone());
            *shared.lock().unwrap_or_else(|e| e.into_inner()) = Vec::new();
            rt.block_on(client.log_message(MessageType::ERROR, "guidepath: the check failed; please report this"));
            continue;
        };
        *shared.lock().unwrap_or_else(|e| e.into_inner()) = groups.shared();
        let mut out: Vec<(Uri, Vec<Diagnostic>, Option<i32>)> = Vec::new();
        let mut now: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        let mut checked_now: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        for file in outcome.diagnostics {
            let path = file.path.clone();
            let Some(uri) = uri_of(&path) else { continue };
            checked_now.insert(path.clone());
            let text = Text::of(file.checked.db.file(file.file));
            let lsp: Vec<Diagnostic> =
                file.diagnostics().iter().map(|d| convert::diagnostic(d, &text, &uri, &job.links)).collect();
            let version = job.docs.get(&path).map(|(_, v)| *v);
            // Open documents always hear back, with their version; other
            // files only when there is something to say or to clear.
            if lsp.is_empty() && version.is_none() && !published.contains(&path) {
                continue;
            }
            if !lsp.is_empty() {
                now.insert(path);
            }
            out.push((uri, lsp, version));
        }
        // Files that had diagnostics and are no longer checked: clear them.
        for p in &published {
            if !checked_now.contains(p) {
                if let Some(uri) = uri_of(p) {
                    out.push((uri, Vec::new(), None));
                }
            }
        }
        published = now;
        rt.block_on(async {
            for (uri, diags, version) in out {
                client.publish_diagnostics(uri, diags, version).await;
            }
        });
    }
}

/// The `*.guide` files under the workspace folders (unreadable folders are
/// skipped: the editor shows what can be read), and why the search stopped
/// short if it did.
fn workspace_files(folders: &[PathBuf], entries: usize) -> (Vec<PathBuf>, Option<String>) {
    let budget = guidepath_check::db::Budget {
        files: MAX_WORKSPACE_FILES,
        entries,
        until: Some(std::time::Instant::now() + MAX_WORKSPACE_SCAN),
    };
    let mut out = Vec::new();
    let mut stopped = None;
    for f in folders {
        if let Ok(search) = guidepath_check::db::find_guides(f, &mut out, &budget) {
            if search.stopped.is_some() {
                stopped = search.stopped;
                break;
            }
        }
    }
    (out, stopped)
}

fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let t = Text::new(text);
            let (a, b) = (t.offset(range.start) as usize, t.offset(range.end) as usize);
            let (a, b) = (a.min(b), a.max(b));
            text.replace_range(a..b, &change.text);
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        if let Some(pid) = params.process_id {
            watch_parent(pid);
        }
        let mut folders: Vec<PathBuf> =
            params.workspace_folders.unwrap_or_default().iter().filter_map(|f| file_path(&f.uri)).collect();
        #[allow(deprecated)] // root_uri: still what many clients send
        if folders.is_empty() {
            folders.extend(params.root_uri.and_then(|u| file_path(&u)));
        }
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        // The client's preferred hover format comes first in its list.
        let markdown = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .and_then(|f| f.first())
            .is_none_or(|k| *k == MarkupKind::Markdown);
        let links = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("diagnosticsDocs"))
            .and_then(|d| d.as_str())
            .unwrap_or(convert::DIAGNOSTICS_DOCS)
            .to_string();
        // A workspace too large to walk whole can set its own bound.
        let entries = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("maxWorkspaceEntries"))
            .and_then(|n| n.as_u64())
            .map_or(MAX_WORKSPACE_ENTRIES, |n| usize::try_from(n).unwrap_or(usize::MAX));
        self.lock().max_entries = entries;
        self.scan(folders.clone()).await;
        {
            let mut st = self.lock();
            st.folders = folders;
            st.can_watch = can_watch;
            st.markdown = markdown;
            st.links = links;
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_highlight_provider: Some(OneOf::Left(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![tests_lens::RUN_TESTS.into()],
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), " ".into()]),
                    ..CompletionOptions::default()
                }),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                    SemanticTokensOptions {
                        legend: convert::legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        ..SemanticTokensOptions::default()
                    },
                )),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo { name: "guidepath".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let (files, can_watch) = {
            let st = self.lock();
            (st.workspace.len(), st.can_watch)
        };
        if can_watch {
            // Not awaited here: the client answers while it goes on sending
            // the notifications that follow `initialized`.
            let client = self.client.clone();
            tokio::spawn(async move {
                let watch = DidChangeWatchedFilesRegistrationOptions {
                    watchers: vec![FileSystemWatcher {
                        glob_pattern: GlobPattern::String("**/*.guide".into()),
                        kind: Some(WatchKind::Create | WatchKind::Delete),
                    }],
                };
                let registration = Registration {
                    id: "guidepath-watch-guides".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(watch).ok(),
                };
                if client.register_capability(vec![registration]).await.is_err() {
                    client
                        .log_message(
                            MessageType::WARNING,
                            "guidepath: files created outside the editor show up on save",
                        )
                        .await;
                }
            });
        }
        self.client.log_message(MessageType::INFO, format!("guidepath: checking {files} workspace files")).await;
        self.changed();
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.rescan().await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut st = self.lock();
            let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(|f| file_path(&f.uri)).collect();
            st.folders.retain(|f| !removed.contains(f));
            for f in params.event.added.iter().filter_map(|f| file_path(&f.uri)) {
                if !st.folders.contains(&f) {
                    st.folders.push(f);
                }
            }
        }
        self.rescan().await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let Ok(path) = path_of(&params.text_document.uri) else { return };
        self.lock().docs.insert(path, Doc { text: params.text_document.text, version: params.text_document.version });
        self.changed();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Ok(path) = path_of(&params.text_document.uri) else { return };
        {
            let mut st = self.lock();
            let Some(doc) = st.docs.get_mut(&path) else { return };
            for change in params.content_changes {
                apply_change(&mut doc.text, change);
            }
            doc.version = params.text_document.version;
        }
        self.changed();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Ok(path) = path_of(&params.text_document.uri) else { return };
        self.lock().docs.remove(&path);
        self.changed();
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        // A saved new file, or one saved under a new name, joins the
        // workspace even where the client cannot watch files.
        self.rescan().await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let Some((analysis, file, offset)) = self.at(&params.text_document_position_params).await? else {
            return Ok(None);
        };
        let Some(h) = analysis.hover(file, offset) else { return Ok(None) };
        let contents = if self.lock().markdown {
            MarkupContent { kind: MarkupKind::Markdown, value: h.markdown }
        } else {
            MarkupContent { kind: MarkupKind::PlainText, value: guidepath_ide::plain(&h.markdown) }
        };
        let range = Text::of(analysis.source(file)).range(h.span);
        Ok(Some(Hover { contents: HoverContents::Markup(contents), range: Some(range) }))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let Some((analysis, file, offset)) = self.at(&params.text_document_position_params).await? else {
            return Ok(None);
        };
        let Some(place) = analysis.definition(file, offset) else { return Ok(None) };
        Ok(location(&analysis, &place).map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let Some((analysis, file, offset)) = self.at(&params.text_document_position).await? else {
            return Ok(None);
        };
        let Some(places) = analysis.references(file, offset, params.context.include_declaration) else {
            return Ok(None);
        };
        Ok(Some(places.iter().filter_map(|p| location(&analysis, p)).collect()))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new = params.new_name;
        // Said before anything is checked: the name is wrong wherever it goes.
        if !guidepath_ide::is_name(&new) {
            return Err(Error::invalid_params(format!(
                "`{new}` is not a name (letters, digits and `_`, not a keyword)"
            )));
        }
        let Some((analysis, file, offset)) = self.at(&params.text_document_position).await? else {
            return Ok(None);
        };
        let edits = analysis.rename(file, offset, &new).map_err(|e| Error::invalid_params(e.0))?;
        let Some(edits) = edits else { return Ok(None) };
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (path, edit) in edits {
            let place = guidepath_ide::FileSpan { path, span: edit.span };
            if let Some(loc) = location(&analysis, &place) {
                changes.entry(loc.uri).or_default().push(TextEdit { range: loc.range, new_text: edit.new_text });
            }
        }
        Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let Some((analysis, file, offset)) = self.at(&params).await? else { return Ok(None) };
        let prepared = analysis.prepare_rename(file, offset).map_err(|e| Error::invalid_params(e.0))?;
        let Some((span, placeholder)) = prepared else { return Ok(None) };
        Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: Text::of(analysis.source(file)).range(span),
            placeholder,
        }))
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        let Some((analysis, file, offset)) = self.at(&params.text_document_position_params).await? else {
            return Ok(None);
        };
        let Some(highlights) = analysis.highlights(file, offset) else { return Ok(None) };
        let text = Text::of(analysis.source(file));
        Ok(Some(
            highlights
                .into_iter()
                .map(|h| DocumentHighlight {
                    range: text.range(h.span),
                    kind: Some(if h.declaration { DocumentHighlightKind::WRITE } else { DocumentHighlightKind::READ }),
                })
                .collect(),
        ))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let path = path_of(&params.text_document.uri)?;
        let Some((analysis, file)) = self.analysis_of(&path).await else { return Ok(None) };
        let text = Text::of(analysis.source(file));
        let (from, to) = (text.offset(params.range.start), text.offset(params.range.end));
        Ok(Some(convert::hints(analysis.inlay_hints(file, from, to), &text)))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let path = path_of(&params.text_document.uri)?;
        let Some((analysis, file)) = self.analysis_of(&path).await else { return Ok(None) };
        let text = Text::of(analysis.source(file));
        Ok(Some(tests_lens::lenses(analysis.lenses(file), &text, &params.text_document.uri)))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != tests_lens::RUN_TESTS {
            return Err(Error::invalid_params(format!("no command `{}`", params.command)));
        }
        let (uri, only) = tests_lens::arguments(&params.arguments)?;
        let path = path_of(&uri)?;
        let docs = texts(self.lock().snapshot().0);
        let parses = self.parses.clone();
        let run = tokio::task::spawn_blocking(move || {
            let fs = Cached { fs: Overlay { base: Disk, files: docs }, cache: &parses };
            guidepath_ide::run_tests(&fs, &path, only.as_deref())
        })
        .await
        .map_err(|_| Error::internal_error())?;
        let (kind, summary) = match &run {
            Ok(r) if r.failed == 0 => (MessageType::INFO, format!("guidepath: {} passed, 0 failed", r.passed)),
            Ok(r) => (MessageType::ERROR, format!("guidepath: {} passed, {} failed", r.passed, r.failed)),
            Err(why) => (MessageType::ERROR, format!("guidepath: the tests did not run: {why}")),
        };
        if let Ok(r) = &run {
            let failures: String =
                r.cases.iter().filter_map(|c| c.failure.as_ref().map(|f| format!("FAIL {}\n{f}", c.name))).collect();
            if !failures.is_empty() {
                self.client.log_message(MessageType::ERROR, failures).await;
            }
        }
        self.client.show_message(kind, summary).await;
        Ok(Some(guidepath_ide::tests_to_json(&run)))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let Some((analysis, file, offset)) = self.at(&params.text_document_position).await? else {
            return Ok(None);
        };
        let items = analysis.completions(file, offset).into_iter().map(convert::completion).collect();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let path = path_of(&params.text_document.uri)?;
        let Some((analysis, file)) = self.analysis_of(&path).await else { return Ok(None) };
        let text = Text::of(analysis.source(file));
        #[allow(deprecated)] // `deprecated` is a required field of the type
        fn to_symbol(d: guidepath_ide::Decl, text: &Text) -> DocumentSymbol {
            DocumentSymbol {
                name: d.name,
                detail: d.detail,
                kind: convert::symbol_kind(d.kind),
                tags: None,
                deprecated: None,
                range: text.range(d.span),
                selection_range: text.range(d.name_span),
                children: Some(d.children.into_iter().map(|c| to_symbol(c, text)).collect()),
            }
        }
        let symbols = analysis.outline(file).into_iter().map(|d| to_symbol(d, &text)).collect();
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let analysis = Analysis::new(self.checked().await);
        let mut out = Vec::new();
        for s in analysis.symbols(&params.query) {
            let Some(location) = location(&analysis, &guidepath_ide::FileSpan { path: s.path, span: s.span }) else {
                continue;
            };
            #[allow(deprecated)] // `deprecated` is a required field of the type
            out.push(SymbolInformation {
                name: s.name,
                kind: convert::symbol_kind(s.kind),
                tags: None,
                deprecated: None,
                location,
                container_name: s.container,
            });
        }
        Ok(Some(WorkspaceSymbolResponse::Flat(out)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let path = path_of(&params.text_document.uri)?;
        let Some(text) = self.doc_text(&path) else { return Ok(None) };
        // A file with syntax errors is not formatted (the diagnostics say why).
        let Some(formatted) = guidepath_ide::format(&text) else { return Ok(None) };
        if formatted == text {
            return Ok(Some(Vec::new()));
        }
        let t = Text::new(&text);
        Ok(Some(vec![TextEdit {
            range: Range { start: Position { line: 0, character: 0 }, end: t.end() },
            new_text: formatted,
        }]))
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let path = path_of(&params.text_document.uri)?;
        let Some((analysis, file)) = self.analysis_of(&path).await else { return Ok(None) };
        let text = Text::of(analysis.source(file));
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: convert::semantic_tokens(&analysis.semantic_tokens(file), &text),
        })))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let path = path_of(&params.text_document.uri)?;
        let Some(text) = self.doc_text(&path) else { return Ok(None) };
        Ok(Some(convert::folding(guidepath_ide::folding(&text))))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let mut out = Vec::new();
        // Each diagnostic carries its fixes (`convert::diagnostic`).
        for d in params.context.diagnostics {
            let actions = d.data.as_ref().and_then(|data| data.get("actions")).and_then(|a| a.as_array());
            for a in actions.into_iter().flatten() {
                let range: Option<Range> = a.get("range").and_then(|r| serde_json::from_value(r.clone()).ok());
                let new_text = a.get("newText").and_then(|t| t.as_str()).map(str::to_string);
                let title = a.get("title").and_then(|t| t.as_str()).map(str::to_string);
                let (Some(range), Some(new_text), Some(title)) = (range, new_text, title) else { continue };
                let preferred = a.get("preferred").and_then(|p| p.as_bool()).unwrap_or(false);
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![d.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![TextEdit { range, new_text }])])),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(preferred),
                    ..CodeAction::default()
                }));
            }
        }
        Ok(Some(out))
    }
}
