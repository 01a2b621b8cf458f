//! The result written straight from the outcome (`Writer`, the NDJSON
//! path) is byte for byte what serde writes of the report
//! (`serde_json::to_writer(&report)`, every other path), on random
//! patients of every shipped guideline and corpus guideline that
//! compiles, with each combination of report options, and so is it when
//! the writer was made for another guideline. Texts with quotes,
//! backslashes and control characters are checked on their own.

use guidepath_eval::{Evaluator, ReportOptions, Writer};
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

/// Written by the guideline's writer, and by a writer made for another
/// guideline (which must write it as the guideline's own would).
fn same_bytes(ev: &Evaluator, other: &Evaluator, patient: &serde_json::Value) -> Result<(), TestCaseError> {
    let Ok(outcome) = ev.evaluate_json(patient) else { return Ok(()) };
    for opts in options() {
        let by_serde =
            serde_json::to_vec(&outcome.report_with(&opts)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (whose, writer) in [("its own", Writer::new(ev, &opts)), ("another guideline's", Writer::new(other, &opts))]
        {
            let mut written = Vec::new();
            writer.write(&outcome, &mut written);
            prop_assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&by_serde),
                "{} with {:?} by {} writer",
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
    fn results_written_from_the_outcome_are_the_bytes_serde_writes(which in 0usize..256, seed in any::<u64>()) {
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
        let mut written = Vec::new();
        Writer::new(&ev, &ReportOptions::default()).write(&outcome, &mut written);
        assert_eq!(String::from_utf8(written).unwrap(), by_serde);
    }
}

/// Items left open, or excluded, for different reasons alike in shape: a
/// result copies a why written before only where it is the same why. Two
/// recommendations here each stay open on a comparison of days with
/// months and need nothing; two steps are each excluded by a definition
/// and a condition of their own.
#[test]
fn whys_alike_in_shape_are_written_each_as_their_own() {
    let source = "guideline t.whys \"W\" { issuer \"t\" version \"1\" status draft language sv source \"t\" }\n\
                  input {\n  d : duration\n  e : duration\n}\n\
                  define short = e < 1 days\n\
                  recommend r1 \"R1\" {\n  when d >= 3 months\n}\n\
                  recommend r2 \"R2\" {\n  when e >= 6 months\n}\n\
                  pathway p \"P\" {\n\
                  \x20 step s1 \"S1\" { }\n\
                  \x20 step s2 \"S2\" {\n    when short\n    and e >= 1 years\n  }\n\
                  \x20 step s3 \"S3\" {\n    when short\n    and e >= 2 years\n  }\n}\n";
    let ev = guidepath_tests::evaluator_from_text(source);
    let outcome = ev.evaluate_json(&serde_json::json!({ "d": "P90D", "e": "P180D" })).unwrap();
    let report = outcome.report_with(&ReportOptions::default());
    let by_serde = serde_json::to_string(&report).unwrap();
    let reasons: Vec<usize> =
        report.recommendations.iter().map(|r| r.why.reasons.as_ref().map_or(0, Vec::len)).collect();
    assert_eq!(reasons, [1, 1], "each recommendation stays open on its own comparison: {by_serde}");
    let causes: Vec<usize> =
        report.pathways[0].steps.iter().map(|s| s.why.because.as_ref().map_or(0, Vec::len)).collect();
    assert_eq!(causes, [0, 2, 2], "two steps are excluded, each for two causes: {by_serde}");
    let mut written = Vec::new();
    Writer::new(&ev, &ReportOptions::default()).write(&outcome, &mut written);
    assert_eq!(String::from_utf8(written).unwrap(), by_serde);
}

/// Each stratification outside its population lists the causes that put
/// it there, and no other's: the walk gathers them for one after another.
#[test]
fn each_stratification_outside_its_population_lists_its_own_causes() {
    let source = "guideline t.outside \"O\" { issuer \"t\" version \"1\" status draft language sv source \"t\" }\n\
                  input {\n  a : integer\n  b : integer\n}\n\
                  define young = a < 18\n\
                  define light = b < 10\n\
                  stratify first \"F\" of young by a {\n  low when a < 10 \"L\"\n  high when a >= 10 \"H\"\n}\n\
                  stratify second \"S\" of light by b {\n  low when b < 5 \"L\"\n  high when b >= 5 \"H\"\n}\n";
    let ev = guidepath_tests::evaluator_from_text(source);
    let outcome = ev.evaluate_json(&serde_json::json!({ "a": 40, "b": 40 })).unwrap();
    let report = serde_json::to_value(outcome.report_with(&ReportOptions::default())).unwrap();
    let causes: Vec<Vec<&str>> = report["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["because"].as_array().unwrap().iter().map(|c| c["condition"].as_str().unwrap()).collect())
        .collect();
    assert_eq!(causes, [vec!["young"], vec!["light"]], "{report}");
}
