//! `guidepath serve`: the loader that compiles guidelines (and reads
//! compiled artifacts) for the HTTP service in `guidepath-serve`.

use crate::render;
use guidepath_check::db::find_guides;
use guidepath_check::{Disk, EXTENSION};
use guidepath_ir::Artifact;
use guidepath_serve::{Config, Loaded, Loader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Compiles the `.guide` files below the paths given, and reads the
/// artifacts (`.json`, `.yaml`) named, each time it is asked: at start and
/// on every SIGHUP, so a changed file is served after a reload.
pub struct Files {
    paths: Vec<PathBuf>,
}

impl Loader for Files {
    fn load(&self) -> Loaded {
        let mut out: Loaded = Vec::new();
        let mut guides = Vec::new();
        for p in &self.paths {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if p.is_file() && ext != EXTENSION {
                let result = std::fs::read_to_string(p).map_err(|e| format!("cannot read: {e}")).and_then(|text| {
                    let art = if ext == "yaml" || ext == "yml" {
                        Artifact::from_yaml(&text)
                    } else {
                        Artifact::from_json(&text)
                    };
                    art.map_err(|e| e.to_string())
                });
                out.push((p.display().to_string(), result));
                continue;
            }
            if let Err(e) = find_guides(p, &mut guides, usize::MAX) {
                out.push((p.display().to_string(), Err(format!("cannot read: {e}"))));
            }
        }
        let mut seen = std::collections::HashSet::new();
        guides.retain(|f| seen.insert(f.clone()));
        for g in guides {
            let compiled = guidepath_check::compile(&Disk, &g);
            let result = match compiled.lowered {
                Some(l) => Ok(l.artifact),
                None => Err(render::human(&compiled.checked)),
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
    match guidepath_serve::run(config, Arc::new(Files { paths })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
