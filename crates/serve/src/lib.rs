//! `guidepath serve`: compiled guidelines over HTTP (`docs/serve.md`).
//!
//! - `GET /v1/guidelines`: the catalogue;
//! - `POST /v1/guidelines/{id}/evaluate`: patient JSON or FHIR in, the
//!   result of `guidepath eval` out;
//! - `POST /v1/guidelines/{id}/evaluate-ndjson`: one patient per line, in
//!   constant memory;
//! - `GET /cds-services`, `POST /cds-services/{id}`: CDS Hooks 2.0;
//! - `GET /healthz`, `GET /metrics`, `GET /openapi.json`.
//!
//! Built on axum and hyper (the tokio project's HTTP stack). Depends on the
//! evaluator and the FHIR crate, never the compiler: the caller loads the
//! artifacts ([`Loader`]), so a system that serves compiled artifacts
//! carries no compiler.
//!
//! Every answer to a request is a result or a `problem+json` 4xx: the
//! handlers return errors, never panic, and bound what they read (body
//! size, nesting, line length, time).

mod api;
mod catalogue;
mod cds;
mod metrics;
mod problem;

pub use catalogue::{Catalogue, Entry, Loaded, Loader};
pub use problem::{FieldError, Problem};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// Largest request body, in bytes (NDJSON: largest line).
    pub max_body: usize,
    /// Time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body (NDJSON: each piece).
    pub body_timeout: Duration,
    /// Time in-flight requests have to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Serve artifacts built with analysis errors (`--allow-findings`);
    /// `/healthz` and every card then say so. Off by default: the gate
    /// (`guidepath_ir::gate::admit`) refuses them.
    pub allow_findings: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body: 1 << 20,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            threads: 0,
            allow_findings: false,
        }
    }
}

/// What the last reload did, for `/healthz`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReloadStatus {
    /// Seconds since 1970-01-01 (UTC).
    pub at: u64,
    pub ok: bool,
    pub refused: Vec<String>,
}

pub(crate) struct State {
    pub catalogue: RwLock<Arc<Catalogue>>,
    pub metrics: metrics::Metrics,
    pub config: Config,
    pub loader: Arc<dyn Loader>,
    pub last_reload: Mutex<ReloadStatus>,
    reloading: Mutex<()>,
}

impl State {
    pub fn catalogue(&self) -> Arc<Catalogue> {
        match self.catalogue.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn policy(&self) -> guidepath_ir::gate::Policy {
        guidepath_ir::gate::Policy { allow_findings: self.config.allow_findings }
    }

    /// Loads again; what fails keeps its previous version. Reloads run one
    /// at a time (a second SIGHUP waits), so the last one wins.
    fn reload(&self) {
        let _one = match self.reloading.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let loaded = self.loader.load();
        let old = self.catalogue();
        let (new, refused) = Catalogue::build(loaded, &old, self.policy());
        for r in &refused {
            eprintln!("guidepath serve: {r}");
        }
        let ok = refused.is_empty();
        if ok {
            self.metrics.reloads_ok.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        } else {
            self.metrics.reloads_failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let n = new.entries.len();
        match self.catalogue.write() {
            Ok(mut c) => *c = Arc::new(new),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(new),
        }
        let status = ReloadStatus { at: now_secs(), ok, refused };
        match self.last_reload.lock() {
            Ok(mut s) => *s = status,
            Err(poisoned) => *poisoned.into_inner() = status,
        }
        // Said once it is so: whoever reads this line gets the new
        // catalogue (the reload test waits for it; it once said so first).
        eprintln!("guidepath serve: reloaded: {n} guidelines{}", if ok { "" } else { ", some refused" });
    }
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Loads the guidelines and serves them until SIGTERM or SIGINT; reloads
/// on SIGHUP. Fails to start when a guideline does not load (with its
/// diagnostics) or the address cannot be bound.
pub fn run(config: Config, loader: Arc<dyn Loader>) -> Result<(), String> {
    let policy = guidepath_ir::gate::Policy { allow_findings: config.allow_findings };
    let (catalogue, refused) = Catalogue::build(loader.load(), &Catalogue::default(), policy);
    if !refused.is_empty() {
        return Err(refused.join("\n"));
    }
    if catalogue.entries.is_empty() {
        return Err("no guidelines to serve".into());
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if config.threads > 0 {
        rt.worker_threads(config.threads);
    }
    let rt = rt.enable_all().build().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let state = Arc::new(State {
        catalogue: RwLock::new(Arc::new(catalogue)),
        metrics: metrics::Metrics::default(),
        config: config.clone(),
        loader,
        last_reload: Mutex::new(ReloadStatus { at: now_secs(), ok: true, refused: Vec::new() }),
        reloading: Mutex::new(()),
    });
    rt.block_on(serve(state))
}

async fn serve(state: Arc<State>) -> Result<(), String> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tokio::signal::unix::{signal, SignalKind};
    let config = state.config.clone();
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let app = api::router(state.clone());
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut hup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    let n = state.catalogue().entries.len();
    eprintln!("guidepath serve: {n} guidelines; listening on http://{local}");
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((s, _)) => s,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, go on.
                        eprintln!("guidepath serve: accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let svc = hyper_util::service::TowerToHyperService::new(app.clone());
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(config.header_timeout)
                    .serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = hup.recv() => {
                // Compiling takes a while: off the accept loop, so
                // connections keep being taken during a reload.
                let st = state.clone();
                tokio::task::spawn_blocking(move || st.reload());
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    drop(listener);
    eprintln!("guidepath serve: shutting down; finishing requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => eprintln!("guidepath serve: stopped"),
        _ = tokio::time::sleep(config.shutdown_grace) => {
            eprintln!("guidepath serve: stopped after {}s with requests still open", config.shutdown_grace.as_secs());
        }
    }
    Ok(())
}
