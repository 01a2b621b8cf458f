//! Runs every corpus file and compares its diagnostics with its annotations.

use guidepath_check::Code;
use guidepath_tests::{actual, check_file, expected, guide_files, render, root};
use std::collections::BTreeSet;

#[test]
fn corpus_files_get_exactly_their_annotated_diagnostics() {
    let dir = root().join("tests/corpus");
    let files = guide_files(&dir);
    assert!(files.len() >= 20, "the corpus went missing: {} files in {}", files.len(), dir.display());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus files are readable");
        let want = match expected(&text) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let (checked, id) = check_file(path);
        let got = actual(&checked, id);
        if got != want {
            failures.push(format!(
                "{}\n  expected: {:?}\n  actual:   {:?}\n{}",
                path.strip_prefix(root()).unwrap_or(path).display(),
                want,
                got,
                render(&checked, id)
            ));
        }
    }
    assert!(failures.is_empty(), "{} corpus file(s) differ:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn corpus_messages_match_snapshots() {
    let dir = root().join("tests/corpus");
    for path in guide_files(&dir) {
        let (checked, id) = check_file(&path);
        let name = path.strip_prefix(&dir).unwrap_or(&path).display().to_string().replace(['/', '\\'], "__");
        insta::with_settings!({ snapshot_path => root().join("tests/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, render(&checked, id));
        });
    }
}

/// E0103 needs a file over 16 MiB; `robustness.rs` covers it instead of the
/// corpus.
const NOT_IN_CORPUS: &[Code] = &[Code::TooLarge];

#[test]
fn every_code_has_a_corpus_file() {
    let mut seen = BTreeSet::new();
    for path in guide_files(&root().join("tests/corpus")) {
        let text = std::fs::read_to_string(&path).expect("corpus files are readable");
        for (_, code) in expected(&text).expect("annotations parse") {
            seen.insert(code);
        }
    }
    let missing: Vec<&str> =
        Code::ALL.iter().filter(|c| !seen.contains(*c) && !NOT_IN_CORPUS.contains(c)).map(|c| c.as_str()).collect();
    assert!(missing.is_empty(), "codes without a corpus file: {missing:?}");
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md exists");
    let missing: Vec<&str> =
        Code::ALL.iter().filter(|c| !doc.contains(&format!("## {}", c.as_str()))).map(|c| c.as_str()).collect();
    assert!(missing.is_empty(), "codes missing from docs/diagnostics.md: {missing:?}");
}

#[test]
fn shipped_guidelines_are_clean() {
    let files = guide_files(&root().join("guidelines"));
    assert!(files.len() >= 6, "the shipped guidelines went missing");
    let checked = guidepath_analysis::check_and_analyse(&guidepath_check::Disk, &files);
    let mut out = String::new();
    for id in 0..checked.db.files.len() {
        if !checked.diagnostics[id].is_empty() {
            out.push_str(&format!("{}\n{}", checked.db.file(id).path.display(), render(&checked, id)));
        }
    }
    assert!(out.is_empty(), "shipped guidelines have diagnostics:\n{out}");
}
