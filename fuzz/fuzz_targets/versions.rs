//! Any text as a guideline, through the secretariat's analyses: a file
//! compared with itself changes no patient (`diff` may leave a rule
//! undecided, never report a change), its formatted self neither, and the
//! coverage of its tests counts each goal once, covered or not.

#![no_main]

use guidepath_analysis::diff::{diff, Semantic};
use guidepath_check::MemoryFs;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fn compile(text: &str) -> Option<guidepath_check::Lowered> {
    let path = PathBuf::from("v.guide");
    let mut fs = MemoryFs::default();
    fs.files.insert(path.clone(), text.to_string());
    guidepath_check::compile(&fs, &path).lowered
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(a) = compile(text) else { return };
    let same = diff(&a.artifact, &a.artifact);
    for r in &same.rules {
        assert!(
            !matches!(r.semantic, Semantic::Changes { .. }),
            "a file changes against itself: {} {:?}",
            r.id,
            r.semantic
        );
        assert!(r.written.is_empty(), "a file differs from itself as written: {} {:?}", r.id, r.written);
    }
    assert!(same.added.is_empty() && same.removed.is_empty() && same.inputs.is_empty());
    if let Ok(formatted) = guidepath_fmt::format(text) {
        if let Some(b) = compile(&formatted) {
            let d = diff(&a.artifact, &b.artifact);
            assert!(!d.changes_patients(), "formatting changed a patient's outcome");
        }
    }
    if let Ok(c) = guidepath_analysis::coverage::coverage(&a.artifact, &a.tests) {
        assert!(c.covered() <= c.goals.len());
        for g in &c.goals {
            assert!(g.by.iter().all(|t| a.tests.iter().any(|x| &x.name == t)), "a goal covered by no such test");
        }
    }
});
