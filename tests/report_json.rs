//! The result written by hand (`Report::write_json`, the NDJSON path) is
//! byte for byte what serde writes (`serde_json::to_writer(&report)`, every
//! other path), on random patients of every shipped guideline and corpus
//! guideline that compiles, with each combination of report options, and
//! so is it with the heads of any options or guideline (`Heads`). Texts
//! with quotes, backslashes and control characters are checked on their
//! own.

use guidepath_eval::{Evaluator, Heads, ReportOptions};
use guidepath_tests::{evaluator, guide_files, root};
use proptest::prelude::*;
use proptest::test_runner::TestRng;
use std::sync::OnceLock;

#[path = "patients.rs"]
mod patients;

fn all() -> &'static Vec<Evaluator> {
    static E: OnceLock<Vec<Evaluator>> = OnceLock::new();
    E.get_or_init(|| {
        let mut out: Vec<Evaluator> = guide_files(&root().join("guidelines")).iter().map(|p| evaluator(p)).collect();
        // Corpus files that compile on their own (one that uses another
        // file does not in memory, and is left out).
        for path in guide_files(&root().join("tests/corpus")) {
            let mut fs = guidepath_check::MemoryFs::default();
            fs.files.insert("corpus.guide".into(), std::fs::read_to_string(&path).unwrap_or_default());
            if let Some(lowered) = guidepath_check::compile(&fs, std::path::Path::new("corpus.guide")).lowered {
                out.push(Evaluator::new(lowered.artifact).expect("a fresh artifact is valid"));
            }
        }
        // Not only the shipped ones: pathways, deadlines and reasons of
        // many kinds are in the corpus.
        assert!(out.len() >= 20, "only {} guidelines compile", out.len());
        out
    })
}

fn options() -> Vec<ReportOptions> {
    let mut out = Vec::new();
    for explain in [false, true] {
        for texts in [false, true] {
            for lang in [None, Some("en".to_string()), Some("da".to_string())] {
                out.push(ReportOptions { explain, texts, lang });
            }
        }
    }
    out
}

/// Written by hand, and with the heads of every set of options and of
/// another guideline (`Heads`: only those of the same options may be
/// copied; the others must be written field by field).
fn same_bytes(ev: &Evaluator, other: &Evaluator, patient: &serde_json::Value) -> Result<(), TestCaseError> {
    let Ok(outcome) = ev.evaluate_json(patient) else { return Ok(()) };
    let mut heads: Vec<(String, Heads<'_>)> = options().iter().map(|o| (format!("{o:?}"), Heads::new(ev, o))).collect();
    heads.push(("another guideline".into(), Heads::new(other, &ReportOptions::default())));
    for opts in options() {
        let report = outcome.report_with(&opts);
        let by_serde = serde_json::to_vec(&report).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut by_hand = Vec::new();
        report.write_json(&mut by_hand);
        prop_assert_eq!(
            String::from_utf8_lossy(&by_hand),
            String::from_utf8_lossy(&by_serde),
            "{} with {:?}",
            patient,
            opts
        );
        for (whose, h) in &heads {
            let mut with_heads = vec![b'{'];
            report.write_json_members_with(h, &mut with_heads);
            with_heads.push(b'}');
            prop_assert_eq!(
                String::from_utf8_lossy(&with_heads),
                String::from_utf8_lossy(&by_serde),
                "{} with {:?} and the heads of {}",
                patient,
                opts,
                whose
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn results_written_by_hand_are_the_bytes_serde_writes(which in 0usize..256, seed in any::<u64>()) {
        let ev = &all()[which % all().len()];
        let other = &all()[(which + 1) % all().len()];
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed.to_le_bytes().repeat(4));
        let p = patients::patient(ev, &mut rng);
        same_bytes(ev, other, &p)?;
    }
}

/// Titles and levels needing every kind of escape. The language writes
/// only `\"`, `\\`, `\n` and `\t`; an artifact read from JSON can hold any
/// character, so one is made that way.
#[test]
fn escapes_are_the_ones_serde_writes() {
    let text = "Ti\"tel \\ med\ttab\nny rad\r\u{8}\u{c}\u{1}\u{1f}\u{7f} åäö ✓";
    let source = "guideline t.esc \"E\" { issuer \"t\" version \"1\" status draft language sv source \"t\" }\n\
                  input {\n  a : integer in 0..10\n}\n\
                  recommend r \"R\" {\n  when a > 3\n  level \"L\"\n}\n";
    let mut art = guidepath_tests::evaluator_from_text(source).artifact().clone();
    let r = &mut art.recommendations[0];
    for t in [&mut art.guideline.title, &mut r.title, &mut r.level] {
        t.0.insert("sv".into(), text.into());
    }
    art.seal();
    let ev = Evaluator::new(art).unwrap();
    for patient in [serde_json::json!({}), serde_json::json!({ "a": 5 })] {
        let outcome = ev.evaluate_json(&patient).unwrap();
        let report = outcome.report_with(&ReportOptions::default());
        let by_serde = serde_json::to_string(&report).unwrap();
        assert!(by_serde.contains("\\u0001") && by_serde.contains("\\r"), "the escapes reach the result");
        let mut by_hand = Vec::new();
        report.write_json(&mut by_hand);
        assert_eq!(String::from_utf8(by_hand).unwrap(), by_serde);
        let mut with_heads = vec![b'{'];
        report.write_json_members_with(&Heads::new(&ev, &ReportOptions::default()), &mut with_heads);
        with_heads.push(b'}');
        assert_eq!(String::from_utf8(with_heads).unwrap(), by_serde);
    }
}
