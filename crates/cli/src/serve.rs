//! `guidepath serve`: the loader that compiles guidelines (and reads
//! compiled artifacts) for the HTTP service in `guidepath-serve`.

use crate::{load, render};
use guidepath_analysis::gate::Policy;
use guidepath_check::db::{find_guides, Budget};
use guidepath_check::{Disk, EXTENSION};
use guidepath_serve::{Config, Loaded, Loader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Compiles the `.guide` files below the paths given, and reads the
/// artifacts (`.json`, `.yaml`) named, each time it is asked: at start and
/// on every SIGHUP, so a changed file is served after a reload.
pub struct Files {
    paths: Vec<PathBuf>,
    policy: Policy,
}

impl Loader for Files {
    fn load(&self) -> Loaded {
        let mut out: Loaded = Vec::new();
        let mut guides = Vec::new();
        for p in &self.paths {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if p.is_file() && ext != EXTENSION {
                let result = load::artifact(p, self.policy).map_err(|e| e.reason());
                out.push((p.display().to_string(), result));
                continue;
            }
            if let Err(e) = find_guides(p, &mut guides, &Budget::unbounded()) {
                out.push((p.display().to_string(), Err(crate::cannot_read(p, &e))));
            }
        }
        let mut seen = std::collections::HashSet::new();
        guides.retain(|f| seen.insert(f.clone()));
        for g in guides {
            let result = match guidepath_analysis::gate::compile(&Disk, &g, self.policy) {
                Ok(passed) => Ok(passed.lowered.artifact),
                Err(refused) => Err(render::human(&refused.checked)),
            };
            out.push((g.display().to_string(), result));
        }
        out
    }
}

pub fn run(paths: Vec<PathBuf>, config: Config) -> ExitCode {
    if paths.is_empty() {
        eprintln!("error: name the guidelines to serve: folders, .{EXTENSION} files or compiled artifacts");
        return ExitCode::from(2);
    }
    if !config.addr.ip().is_loopback() {
        eprintln!(
            "warning: serving on {}, beyond this machine; guidepath serve has no authentication (docs/serve.md)",
            config.addr
        );
    }
    let policy = Policy { allow_findings: config.allow_findings };
    if policy.allow_findings {
        eprintln!("warning: --allow-findings: guidelines with analysis errors are served, and say so on every card");
    }
    match guidepath_serve::run(config, Arc::new(Files { paths, policy })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
