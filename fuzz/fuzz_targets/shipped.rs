//! Evaluators of shipped guidelines, for the targets that evaluate.

use guidepath_eval::Evaluator;

/// Compiles and loads `paths` (relative to the repository).
pub fn load(paths: &[&str]) -> Vec<Evaluator> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    paths
        .iter()
        .map(|p| {
            let lowered = guidepath_check::compile(&guidepath_check::Disk, &root.join(p))
                .lowered
                .expect("shipped guidelines compile");
            Evaluator::new(lowered.artifact).expect("and load")
        })
        .collect()
}
