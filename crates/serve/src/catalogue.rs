//! The guidelines being served, replaced whole on reload.
//!
//! A reload builds a new catalogue from what the loader gives: each source
//! that loads takes its new artifact; one that does not is refused with its
//! diagnostics and keeps serving the artifact loaded before (if any). The
//! new catalogue then replaces the old in one step, so a request sees one
//! catalogue or the other, never a mix.

use guidepath_eval::Evaluator;
use guidepath_ir::gate::Policy;
use guidepath_ir::Artifact;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// What a loader gives: each source (a file) with its artifact, or why it
/// did not load (the diagnostics, as text).
pub type Loaded = Vec<(String, Result<Artifact, String>)>;

/// Loads the guidelines, at start and on each reload.
pub trait Loader: Send + Sync + 'static {
    fn load(&self) -> Loaded;
}

pub struct Entry {
    pub id: String,
    /// The file it was loaded from.
    pub source: String,
    pub evaluator: Evaluator,
    /// Patients evaluated, kept across reloads of the same guideline.
    pub evaluations: Arc<AtomicU64>,
}

#[derive(Default)]
pub struct Catalogue {
    pub entries: Vec<Arc<Entry>>,
    by_id: HashMap<String, usize>,
}

impl Catalogue {
    pub fn get(&self, id: &str) -> Option<&Arc<Entry>> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// The catalogue `loaded` makes, keeping from `previous` what fails to
    /// load; with the messages of what was refused.
    /// Every artifact passes the gate ([`guidepath_ir::gate::admit`])
    /// under `policy`, whatever the loader did.
    pub fn build(loaded: Loaded, previous: &Catalogue, policy: Policy) -> (Catalogue, Vec<String>) {
        let mut out = Catalogue::default();
        let mut errors = Vec::new();
        for (source, result) in loaded {
            let admitted = result.and_then(|art| match guidepath_ir::gate::admit(&art, policy) {
                Ok(()) => Ok(art),
                Err(refused) => Err(refused.to_string()),
            });
            let entry = match admitted.and_then(|art| Evaluator::new(art).map_err(|e| e.to_string())) {
                Ok(evaluator) => {
                    let id = evaluator.artifact().guideline.id.clone();
                    let evaluations = previous.get(&id).map(|e| e.evaluations.clone()).unwrap_or_default();
                    Arc::new(Entry { id, source: source.clone(), evaluator, evaluations })
                }
                Err(message) => match previous.entries.iter().find(|e| e.source == source) {
                    Some(old) => {
                        errors.push(format!("{source}: refused; still serving the version loaded before:\n{message}"));
                        old.clone()
                    }
                    None => {
                        errors.push(format!("{source}: refused:\n{message}"));
                        continue;
                    }
                },
            };
            if let Some(&i) = out.by_id.get(&entry.id) {
                errors.push(format!(
                    "{source}: refused: guideline `{}` is already served from {}",
                    entry.id, out.entries[i].source
                ));
                continue;
            }
            out.by_id.insert(entry.id.clone(), out.entries.len());
            out.entries.push(entry);
        }
        (out, errors)
    }
}
