//! Every patient guidepath shows gives, in the evaluator, exactly the
//! outcome it is shown for: `diff`'s witnesses on each version alone (over
//! the shipped guidelines, the corpus, and 200 generated pairs), and
//! `check`'s over 200 generated guidelines (the corpus's are re-evaluated
//! in `corpus.rs`). A time limit's witness once lacked the date the limit
//! counts from, and its due date was undecided where the diff claimed one.

use guidepath_analysis::diff::{diff, outcome, Semantic};
use guidepath_check::{Disk, FileSystem, MemoryFs, Overlay};
use guidepath_eval::Evaluator;
use guidepath_ir::Artifact;
use guidepath_tests::{guide_files, root};
use std::path::{Path, PathBuf};

#[path = "generated.rs"]
mod generated;

/// The sealed artifact of `path`, if it compiles.
fn compiled(fs: &dyn FileSystem, path: &Path) -> Option<Artifact> {
    guidepath_check::compile(fs, path).lowered.map(|l| l.artifact)
}

/// Checks every witness of `diff(old, new)` on each version alone; the
/// number of witnesses checked.
fn witnesses_reproduce(old: &Artifact, new: &Artifact, what: &str) -> usize {
    let d = diff(old, new);
    let (eo, en) = (Evaluator::new(old.clone()).unwrap(), Evaluator::new(new.clone()).unwrap());
    let mut n = 0;
    for r in &d.rules {
        let Semantic::Changes { patient, was, is, .. } = &r.semantic else { continue };
        // Pasted into `guidepath eval`, the patient is read (fields a
        // version does not have are ignored, with a warning).
        for ev in [&eo, &en] {
            let mut known = patient.clone();
            for f in ev.unknown_fields(patient) {
                known.as_object_mut().unwrap().remove(&f);
            }
            assert!(ev.bind(&known).is_ok(), "{what}: {} {}: {patient} does not bind", r.kind, r.id);
        }
        assert_eq!(&outcome(&eo, patient, r), was, "{what}: {} {} of {patient} on the old version", r.kind, r.id);
        assert_eq!(&outcome(&en, patient, r), is, "{what}: {} {} of {patient} on the new version", r.kind, r.id);
        n += 1;
    }
    n
}

/// Versions of a file a working group might write next: each threshold
/// moved by one, and each time limit lengthened by one unit.
fn variants(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for op in ["<= ", ">= ", "< ", "> ", "within "] {
        let mut from = 0;
        while let Some(k) = text[from..].find(op) {
            let at = from + k + op.len();
            from = at;
            let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
            let Ok(n) = text[at..at + digits].parse::<u64>() else { continue };
            out.push(format!("{}{}{}", &text[..at], n + 1, &text[at + digits..]));
        }
    }
    out
}

#[test]
fn diff_witnesses_reproduce_on_each_version_over_the_shipped_guidelines_and_the_corpus() {
    let mut files: Vec<PathBuf> = guide_files(&root().join("guidelines"));
    files.extend(guide_files(&root().join("tests/corpus")));
    let (mut pairs, mut checked, mut limits) = (0, 0, 0);
    for path in files {
        let Some(old) = compiled(&Disk, &path) else { continue };
        let text = std::fs::read_to_string(&path).unwrap();
        for changed in variants(&text) {
            let overlay = Overlay { base: Disk, files: [(path.clone(), changed)].into() };
            let Some(new) = compiled(&overlay, &path) else { continue };
            pairs += 1;
            checked += witnesses_reproduce(&old, &new, &path.display().to_string());
            limits += diff(&old, &new)
                .rules
                .iter()
                .filter(|r| r.kind == "time limit" && matches!(r.semantic, Semantic::Changes { .. }))
                .count();
        }
    }
    eprintln!("{pairs} versions, {checked} witnesses, {limits} of time limits");
    assert!(pairs >= 80, "only {pairs} versions compared");
    assert!(checked >= 100, "only {checked} witnesses checked");
    assert!(limits >= 5, "only {limits} time-limit witnesses checked");
}

#[test]
fn diff_witnesses_reproduce_over_200_generated_pairs() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut pairs, mut checked) = (0, 0);
    let path = PathBuf::from("g.guide");
    while pairs < 200 {
        let mut one = || generated::arb_guideline().new_tree(&mut runner).unwrap().current();
        let (a, b) = (one(), one());
        let mut fs = MemoryFs::default();
        fs.files.insert(path.clone(), a.clone());
        let Some(old) = compiled(&fs, &path) else { continue };
        fs.files.insert(path.clone(), b.clone());
        let Some(new) = compiled(&fs, &path) else { continue };
        pairs += 1;
        checked += witnesses_reproduce(&old, &new, &format!("{a}\n→\n{b}"));
    }
    assert!(checked >= 200, "only {checked} witnesses checked");
}

/// `check`'s witnesses of generated guidelines bind and show their
/// finding in the evaluator.
#[test]
fn check_witnesses_reproduce_over_200_generated_guidelines() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut guidelines, mut checked) = (0, 0);
    let path = PathBuf::from("g.guide");
    while guidelines < 200 {
        // A second stratum that may overlap the first, or leave a gap.
        let text = generated::arb_guideline().new_tree(&mut runner).unwrap().current().replacen(
            "two when not (",
            "two when (",
            1,
        );
        let mut fs = MemoryFs::default();
        fs.files.insert(path.clone(), text.clone());
        let checked_file = guidepath_analysis::check_and_analyse(&fs, std::slice::from_ref(&path));
        let Some(&id) = checked_file.roots.first() else { continue };
        let diags = &checked_file.diagnostics[id];
        // Only the analysis's errors: the rules must compile to evaluate.
        if diags.iter().any(|d| d.severity == guidepath_check::Severity::Error && d.witness.is_none()) {
            continue;
        }
        guidelines += 1;
        let ev = guidepath_tests::evaluator_from_text(&text);
        for d in diags {
            let Some(w) = &d.witness else { continue };
            let patient: serde_json::Value = serde_json::from_str(&w.patient).unwrap();
            let out = ev.evaluate_json(&patient).unwrap_or_else(|e| panic!("{text}\n{}: {patient}: {e:?}", d.code));
            let explained = out.to_json_explained();
            let strata_true = || {
                let e = explained["explanation"].as_array().unwrap().iter().find(|e| e["rule"] == "g").unwrap();
                let strata = e["strata"].as_array().unwrap();
                strata.iter().filter(|s| s.get("stratum").is_some() && s["value"] == true).count()
            };
            match d.code {
                guidepath_syntax::Code::StrataOverlap => assert_eq!(strata_true(), 2, "{text}\n{patient}"),
                guidepath_syntax::Code::StrataGap => assert_eq!(strata_true(), 0, "{text}\n{patient}"),
                _ => {}
            }
            checked += 1;
        }
    }
    assert!(checked >= 100, "only {checked} witnesses checked");
}
