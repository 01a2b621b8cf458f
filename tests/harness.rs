//! The corpus harness: guideline files under `tests/corpus/` carry the
//! diagnostics they must produce as annotations, rustc-style:
//!
//! ```text
//! define adult = agee >= 18   //~ E0201
//! //~^ E0201                  (the line above)
//! ```
//!
//! Each annotation names the code of one diagnostic whose primary label
//! starts on that line. A file gets exactly its annotated diagnostics, no
//! more and no fewer. Full messages are pinned by insta snapshots.

use guidepath_check::{Checked, Code, Disk, FileId};
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// All `*.guide` files below `dir`, sorted.
pub fn guide_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "guide") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `(line, code)` pairs annotated in a file's text, sorted.
pub fn expected(text: &str) -> Result<Vec<(u32, Code)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("//~") else { continue };
        let rest = &line[pos + 3..];
        let ups = rest.chars().take_while(|c| *c == '^').count();
        let target =
            (i + 1).checked_sub(ups).filter(|l| *l >= 1).ok_or(format!("line {}: `^` points above the file", i + 1))?;
        for word in rest[ups..].split_whitespace() {
            let code = Code::parse(word).ok_or(format!("line {}: unknown code `{word}`", i + 1))?;
            out.push((target as u32, code));
        }
    }
    out.sort();
    Ok(out)
}

/// Whether the corpus pins a diagnostic of this file. A rule without a
/// source (W0705) is pinned only in `tests/corpus/sources/`: elsewhere a
/// corpus file tests something else, and quoting a source for each of its
/// rules would bury what it tests. Every other code is pinned everywhere.
pub fn pinned(path: &Path, d: &guidepath_check::Diagnostic) -> bool {
    d.code != Code::Unsourced || path.components().any(|c| c.as_os_str() == "sources")
}

/// `(line, code)` of the diagnostics a check produced for one file, sorted.
pub fn actual(checked: &Checked, file: FileId) -> Vec<(u32, Code)> {
    let f = checked.db.file(file);
    let mut out: Vec<(u32, Code)> = checked.diagnostics[file]
        .iter()
        .filter(|d| pinned(&f.path, d))
        .map(|d| (f.lines.line_col(&f.text, d.label.span.start).line, d.code))
        .collect();
    out.sort();
    out
}

/// A compact, stable rendering of a file's diagnostics for snapshots.
pub fn render(checked: &Checked, file: FileId) -> String {
    let f = checked.db.file(file);
    let mut s = String::new();
    for d in checked.diagnostics[file].iter().filter(|d| pinned(&f.path, d)) {
        let lc = f.lines.line_col(&f.text, d.label.span.start);
        s.push_str(&format!("{}:{} {} {:?}: {}\n", lc.line, lc.column, d.code, d.severity, d.message));
        s.push_str(&format!("    label: {:?} {:?}\n", d.label.message, d.label.span.text(&f.text)));
        for r in &d.related {
            let rl = f.lines.line_col(&f.text, r.span.start);
            s.push_str(&format!("    related {}:{}: {}\n", rl.line, rl.column, r.message));
        }
        if let Some(h) = &d.help {
            s.push_str(&format!("    help: {h}\n"));
        }
        if let Some(fix) = &d.fix {
            s.push_str(&format!("    fix: {:?} -> {:?}\n", fix.span.text(&f.text), fix.replacement));
        }
    }
    if s.is_empty() {
        s.push_str("no diagnostics\n");
    }
    s
}

/// The day the corpus is checked on: 2026-01-01.
pub const CORPUS_TODAY: i64 = 20_454;

/// Checks and analyses one corpus file from disk (so its `use`s resolve),
/// as `guidepath check` does.
pub fn check_file(path: &Path) -> (Checked, FileId) {
    let mut checked = guidepath_analysis::check_and_analyse(&Disk, &[path.to_path_buf()]);
    // Review dates are judged against a fixed day, so the corpus means the
    // same on every day it runs.
    guidepath_check::lifecycle::overdue_reviews(&mut checked, CORPUS_TODAY);
    let id = checked.roots.first().copied().unwrap_or(0);
    (checked, id)
}

/// The workspace on disk, read through paths relative to its root, so that
/// locations in results and snapshots do not depend on the checkout.
pub struct Workspace;

impl guidepath_check::FileSystem for Workspace {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(root().join(path))
    }
    fn is_file(&self, path: &Path) -> bool {
        root().join(path).is_file()
    }
}

/// Compiles a guideline (a path relative to the workspace root) to an
/// evaluator, panicking with the diagnostics if it does not compile (a test
/// setup failure).
pub fn evaluator(path: &Path) -> guidepath_eval::Evaluator {
    let path = path.strip_prefix(root()).unwrap_or(path);
    let compiled = guidepath_check::compile(&Workspace, path);
    let Some(lowered) = compiled.lowered else {
        let id = compiled.checked.roots.first().copied().unwrap_or(0);
        panic!("{} does not compile:\n{}", path.display(), render(&compiled.checked, id));
    };
    guidepath_eval::Evaluator::new(lowered.artifact).expect("a fresh artifact is valid")
}

/// Compiles guideline text held in memory.
pub fn evaluator_from_text(text: &str) -> guidepath_eval::Evaluator {
    let mut fs = guidepath_check::MemoryFs::default();
    fs.files.insert(PathBuf::from("mem.guide"), text.to_string());
    let compiled = guidepath_check::compile(&fs, Path::new("mem.guide"));
    let Some(lowered) = compiled.lowered else {
        panic!("test guideline does not compile:\n{}", render(&compiled.checked, 0));
    };
    guidepath_eval::Evaluator::new(lowered.artifact).expect("a fresh artifact is valid")
}

/// Generated patients for benchmarks and profiling.
pub mod workloads {
    use serde_json::{json, Value};

    /// Skåne patients that exercise every branch; every fifth lacks the
    /// Linton score.
    pub fn skane(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let site = ["neck", "low_back", "other", "shoulders"][i % 4];
                let mut p = json!({
                    "age": 14 + (i % 60),
                    "pain_duration": format!("P{}M", 1 + i % 14),
                    "pain_sites": [site],
                    "referral_date": format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                    "very_pronounced_symptoms": i % 7 == 0,
                    "very_long_sick_leave": false,
                    "previous_treatment_failed": i % 11 == 0,
                });
                if i % 5 != 0 {
                    p["linton_score"] = json!(i % 101);
                }
                p
            })
            .collect()
    }

    /// STarT Back answers; one item in nine is left unanswered.
    pub fn start_back(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let mut items = serde_json::Map::new();
                for q in 1..=8 {
                    if (i + q) % 9 != 0 {
                        items.insert(format!("q{q}"), json!((i >> q) & 1 == 1));
                    }
                }
                let q9 = ["not_at_all", "slightly", "moderately", "very_much", "extremely"][i % 5];
                items.insert("q9".into(), json!(q9));
                json!({ "start_back": items })
            })
            .collect()
    }
}
