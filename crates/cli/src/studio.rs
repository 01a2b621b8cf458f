//! `guidepath studio`: the browser studio on loopback, with a folder's
//! guidelines loaded.
//!
//! The studio is static files (`editor-support/studio/build` makes them);
//! this serves them, and `workspace.json`, the folder's `.guide` files read
//! afresh on each load of the page. It listens on 127.0.0.1 only and
//! answers only requests that name it so (`Host`), so a page elsewhere
//! cannot reach it through DNS rebinding. What the page does stays in the
//! browser: the server takes no uploads.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use guidepath_check::db::{find_guides, read_bounded, Budget};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// The files of a built studio, each with its type.
const FILES: &[(&str, &str)] = &[
    ("index.html", "text/html; charset=utf-8"),
    ("studio.js", "text/javascript; charset=utf-8"),
    ("studio.css", "text/css; charset=utf-8"),
    ("guidepath_wasm_bg.wasm", "application/wasm"),
];

/// What the page may load and connect to: this server only. The one inline
/// script allowed, by its hash, is the report's (`guidepath_report::SCRIPT`),
/// which the report tab's frame inherits this policy for.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-W3Bwx22FF2gzlhhevi1xoXLgyu6/8UARu0R4WaC2WO4='; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob:; object-src 'none'; \
                   base-uri 'none'; form-action 'none'";

/// Most `.guide` files, and bytes in all, the workspace sends the page.
const MAX_FILES: usize = 500;
const MAX_BYTES: u64 = 32 << 20;

struct Served {
    dist: PathBuf,
    folder: Option<PathBuf>,
    /// The `Host` values that name this server.
    hosts: Vec<String>,
}

/// Where a built studio is: `--dist`, `GUIDEPATH_STUDIO`, beside the
/// binary (`studio/`, `../share/guidepath/studio/`), or in the source tree
/// the binary was built from.
fn find_dist(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(d) = given {
        return if d.join("index.html").is_file() {
            Ok(d)
        } else {
            Err(format!("`{}` holds no built studio (no index.html)", d.display()))
        };
    }
    let mut places: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("GUIDEPATH_STUDIO") {
        places.push(PathBuf::from(d));
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        places.push(dir.join("studio"));
        places.push(dir.join("../share/guidepath/studio"));
    }
    places.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editor-support/studio/dist"));
    places.into_iter().find(|d| d.join("index.html").is_file()).ok_or_else(|| {
        "no built studio found; build it with `editor-support/studio/build`, or name it with --dist".to_string()
    })
}

pub fn run(folder: Option<PathBuf>, dist: Option<PathBuf>, port: u16, open: bool) -> ExitCode {
    let dist = match find_dist(dist) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Named as the search finds its files (without `..` or links), so each
    // file's path in the folder is what follows the folder's.
    let folder = match folder.map(|f| (std::fs::canonicalize(&f), f)) {
        None => None,
        Some((Ok(real), _)) if real.is_dir() => Some(real),
        Some((_, f)) => {
            eprintln!("error: `{}` is not a folder", f.display());
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::from(2);
            }
        };
        let Ok(addr) = listener.local_addr() else { return ExitCode::from(2) };
        let hosts = vec![format!("127.0.0.1:{}", addr.port()), format!("localhost:{}", addr.port())];
        let state = Arc::new(Served { dist, folder, hosts });
        let app = axum::Router::new().fallback(handle).with_state(state);
        let url = format!("http://127.0.0.1:{}/", addr.port());
        // The first line says where: tests and scripts read it.
        println!("guidepath studio: {url}");
        eprintln!("Everything stays on this machine; stop with Ctrl-C.");
        if open {
            open_browser(&url);
        }
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match axum::serve(listener, app).with_graceful_shutdown(stop).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        }
    })
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program).arg(url).spawn() {
        eprintln!("warning: cannot open a browser ({program}: {e}); open {url}");
    }
}

async fn handle(State(s): State<Arc<Served>>, headers: HeaderMap, uri: Uri) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !s.hosts.iter().any(|h| h == host) {
        return (StatusCode::MISDIRECTED_REQUEST, "this server answers only to 127.0.0.1 and localhost\n")
            .into_response();
    }
    let name = match uri.path() {
        "/" => "index.html",
        p => p.trim_start_matches('/'),
    };
    if name == "workspace.json" {
        let s = s.clone();
        let body = tokio::task::spawn_blocking(move || workspace(s.folder.as_deref())).await;
        return match body {
            Ok(Some(body)) => respond(body.into_bytes(), "application/json"),
            _ => (StatusCode::NOT_FOUND, "no folder is served\n").into_response(),
        };
    }
    // Only the studio's own files, by name: no path reaches anything else.
    let Some((file, kind)) = FILES.iter().find(|(f, _)| *f == name) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    match tokio::fs::read(s.dist.join(file)).await {
        Ok(bytes) => respond(bytes, kind),
        Err(_) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

fn respond(body: Vec<u8>, kind: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(kind).unwrap_or(HeaderValue::from_static("text/plain")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The folder's `.guide` files as the page loads them:
/// `{"files": [{"path", "text"}]}`, paths relative to the folder. Files
/// that cannot be read are left out, and said so on standard error.
fn workspace(folder: Option<&Path>) -> Option<String> {
    let folder = folder?;
    let mut found = Vec::new();
    let budget = Budget { files: MAX_FILES, ..Budget::unbounded() };
    if let Err(e) = find_guides(folder, &mut found, &budget) {
        eprintln!("warning: {}", crate::cannot_read(folder, &e));
    }
    found.sort();
    let mut files = Vec::new();
    let mut bytes = 0u64;
    for p in found {
        match read_bounded(&p, guidepath_syntax::MAX_FILE_BYTES as u64) {
            Ok(text) => {
                bytes += text.len() as u64;
                if bytes > MAX_BYTES {
                    eprintln!("warning: the folder holds more than 32 MiB of guidelines; the rest is left out");
                    break;
                }
                let rel = p.strip_prefix(folder).unwrap_or(&p).to_string_lossy().replace('\\', "/");
                files.push(serde_json::json!({ "path": rel, "text": text }));
            }
            Err(e) => eprintln!("warning: {}", crate::cannot_read(&p, &e)),
        }
    }
    Some(serde_json::json!({ "files": files }).to_string())
}
