//! The host as the browser uses it: every file in memory, the shipped
//! instruments built in, "today" given. What it says is what a whole check
//! says, and its answers find their way across files and into the built-in
//! instruments.

use guidepath_check::{FileSystem, MemoryFs, Overlay};
use guidepath_ide::{AnalysisHost, CompletionKind, SymbolKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn shipped(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)).unwrap()
}

/// A day on which no shipped review is overdue, and one on which all are.
const EARLY: i64 = 19_000;
const LATE: i64 = 40_000;

fn host(today: i64) -> (AnalysisHost, PathBuf) {
    let mut host = AnalysisHost::new(Arc::new(MemoryFs::default()), today);
    let dk = PathBuf::from("/workspace/dk/early_stratified_care.guide");
    host.set_text(dk.clone(), shipped("guidelines/dk/early_stratified_care.guide"));
    host.set_text(PathBuf::from("/workspace/se/skane_mms.guide"), shipped("guidelines/se/skane_mms.guide"));
    (host, dk)
}

type Listed = Vec<(PathBuf, Vec<guidepath_syntax::Diagnostic>)>;

/// The diagnostics of one check of the same texts, as `guidepath check`
/// makes it.
fn whole(host: &AnalysisHost, today: i64) -> Listed {
    let files = host.open_files().into_iter().map(|p| (p.clone(), host.text(&p).unwrap().to_string())).collect();
    let fs = Overlay { base: MemoryFs::default(), files };
    let mut checked = guidepath_analysis::check_and_analyse(&fs as &dyn FileSystem, &host.open_files());
    guidepath_check::lifecycle::overdue_reviews(&mut checked, today);
    let mut out: Listed =
        checked.db.files.iter().zip(&checked.diagnostics).map(|(f, d)| (f.path.clone(), d.clone())).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn diagnostics(host: &mut AnalysisHost) -> Listed {
    let mut out: Listed = host.diagnostics().iter().map(|f| (f.path.clone(), f.diagnostics().to_vec())).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn in_memory_files_check_as_a_whole_check_does_with_the_built_in_instruments() {
    let (mut host, dk) = host(EARLY);
    let got = diagnostics(&mut host);
    assert_eq!(got, whole(&host, EARLY));
    // The instrument the Danish file uses is the built-in one.
    assert!(got.iter().any(|(p, _)| p.to_string_lossy().contains("start_back")), "{got:?}");
    assert!(got.iter().all(|(_, d)| d.iter().all(|d| d.severity != guidepath_syntax::Severity::Error)));
    // An edit: a misspelled name is an error with a fix, and the check
    // still equals a whole one.
    let text = host.text(&dk).unwrap().replacen("when start_back.risk is low", "when start_bak.risk is low", 1);
    host.set_text(dk.clone(), text);
    let got = diagnostics(&mut host);
    assert_eq!(got, whole(&host, EARLY));
    let unknown = got.iter().find(|(p, _)| *p == dk).unwrap().1.iter().find(|d| d.code.as_str() == "E0201");
    let unknown = unknown.expect("the misspelling is reported");
    let actions = guidepath_ide::actions(unknown, host.text(&dk).unwrap().len());
    assert_eq!(actions[0].edit.new_text, "start_back");
    assert!(actions[0].preferred);
}

#[test]
fn today_is_given_not_read() {
    let (mut early, _) = host(EARLY);
    let (mut late, _) = host(LATE);
    let reviewed = shipped("tests/corpus/lifecycle/lifecycle.guide");
    for h in [&mut early, &mut late] {
        h.set_text(PathBuf::from("/workspace/lifecycle.guide"), reviewed.clone());
    }
    let count = |h: &mut AnalysisHost| h.diagnostics().iter().map(|f| f.diagnostics().len()).sum::<usize>();
    assert!(count(&mut late) > count(&mut early), "reviews are overdue on the later day only");
    early.set_today(LATE);
    assert_eq!(count(&mut early), count(&mut late));
}

#[test]
fn requests_reach_across_files_and_into_the_built_in_instruments() {
    let (mut host, dk) = host(EARLY);
    let text = host.text(&dk).unwrap().to_string();
    let analysis = host.analysis(&dk);
    let file = analysis.file_id(&dk).unwrap();
    let at = text.find("start_back.risk is low").unwrap() as u32 + 2;
    let hover = analysis.hover(file, at).expect("a hover on the instrument");
    assert!(hover.markdown.contains("STarT"), "{}", hover.markdown);
    let def = analysis.definition(file, at).expect("the instrument's declaration");
    assert!(def.path.to_string_lossy().contains("start_back"), "{def:?}");
    // After `start_back.`, the instrument's members.
    let dot = text.find("start_back.risk is low").unwrap() as u32 + "start_back.".len() as u32;
    let members = analysis.completions(file, dot);
    assert!(members.iter().any(|c| c.label == "risk" && matches!(c.kind, CompletionKind::Name(_))), "{members:?}");
    let outline = analysis.outline(file);
    assert!(outline.iter().any(|d| d.kind == SymbolKind::Stratification && d.name == "track"));
    assert!(!analysis.semantic_tokens(file).is_empty());
    // A rename changes every use, in this file.
    let edits = analysis.rename(file, text.find("low_risk_track").unwrap() as u32, "track_one").unwrap().unwrap();
    assert!(edits.len() >= 2, "{edits:?}");
    assert!(analysis.rename(file, at, "when").is_err(), "a keyword is not a name");
}

#[test]
fn the_inline_tests_run_from_memory() {
    let (host, _) = host(EARLY);
    let skane = Path::new("/workspace/se/skane_mms.guide");
    let run = guidepath_ide::run_tests(&host.files(), skane, None).expect("the tests run");
    assert!(run.passed > 0);
    assert_eq!(run.failed, 0, "{:?}", run.cases);
}
