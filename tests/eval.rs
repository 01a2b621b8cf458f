//! The evaluator: semantics, bad data, artifacts, and the data-driven cases
//! in `tests/eval/*.yaml` (guideline + patient → snapshot of the result).

use guidepath_eval::Evaluator;
use guidepath_ir::Artifact;
use guidepath_tests::{evaluator, evaluator_from_text, root};
use proptest::prelude::*;
use serde_json::json;

fn skane() -> Evaluator {
    evaluator(&root().join("guidelines/se/skane_mms.guide"))
}

#[test]
fn eval_cases_match_snapshots() {
    let dir = root().join("tests/eval");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/eval exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "eval cases went missing");
    for case in cases {
        let text = std::fs::read_to_string(&case).expect("readable case");
        let spec: serde_json::Value = serde_yaml::from_str(&text).expect("a case is YAML");
        let guideline = root().join(spec["guideline"].as_str().expect("case names its guideline"));
        let ev = evaluator(&guideline);
        let explain = spec["explain"].as_bool().unwrap_or(false);
        // The result as guidepath writes it, in its documented field order.
        let result: String = match ev.evaluate_json(&spec["patient"]) {
            Ok(o) => serde_json::to_string_pretty(&o.report(explain)).expect("serialisable"),
            Err(errors) => errors.iter().map(|e| format!("{e}\n")).collect(),
        };
        let name = case.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
        insta::with_settings!({ snapshot_path => root().join("tests/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("eval__{name}"), result);
        });
    }
}

#[test]
fn missing_data_is_unknown_and_says_what_decides_it() {
    let ev = skane();
    let o = ev.evaluate_json(&json!({ "age": 40, "pain_duration": "P1Y", "pain_sites": ["neck"] })).unwrap();
    assert_eq!(o.stratum("care_level"), Some(None));
    let out = o.to_json();
    assert_eq!(out["needs"]["care_level"], json!(["linton_score"]));
    let rec = &out["recommendations"][0];
    assert_eq!(rec["id"], "mms_referral");
    assert_eq!(rec["applies"], serde_json::Value::Null);
    assert!(rec["needs"].as_array().unwrap().contains(&json!("linton_score")));
    // A false part decides the whole, whatever is missing.
    let o = ev.evaluate_json(&json!({ "age": 12 })).unwrap();
    assert_eq!(o.recommendation("mms_referral"), Some(Some(false)));
    assert_eq!(o.to_json()["recommendations"][0]["needs"], json!([]));
}

#[test]
fn partial_sums_are_intervals_and_decide_when_they_can() {
    let ev = evaluator(&root().join("guidelines/instruments/start_back.guide"));
    // Psychosocial items 5-8 agree: at least 4 whatever q9 says.
    let o = ev.evaluate_json(&json!({ "start_back": { "q5": true, "q6": true, "q7": true, "q8": true } })).unwrap();
    assert_eq!(o.number("start_back.psychosocial"), Some((4.0, 5.0)));
    assert_eq!(o.stratum("start_back.risk"), Some(Some("high")));
    let out = o.to_json();
    assert_eq!(out["scores"]["start_back.psychosocial"], json!({ "min": 4, "max": 5 }));
    assert_eq!(out["strata"]["start_back.risk"], "high");
    // Two psychosocial items and nothing else: undecided, and q-items needed.
    let o = ev.evaluate_json(&json!({ "start_back": { "q5": true, "q6": false } })).unwrap();
    assert_eq!(o.stratum("start_back.risk"), Some(None));
    let needs = &o.to_json()["needs"]["start_back.risk"];
    assert!(needs.as_array().unwrap().contains(&json!("start_back.q9")), "{needs}");
}

#[test]
fn months_and_days_compare_exactly_or_not_at_all() {
    let ev = skane();
    let base = |dur: &str| json!({ "age": 40, "pain_duration": dur, "pain_sites": ["neck"], "linton_score": 10 });
    let applies = |dur: &str| ev.evaluate_json(&base(dur)).unwrap().stratum("care_level").unwrap();
    assert_eq!(applies("P3M"), Some("primary_care"));
    assert_eq!(applies("P2M"), None);
    assert_eq!(applies("P100D"), Some("primary_care")); // more than any 3 months (≤ 92 days)
    assert_eq!(applies("P80D"), None); // less than any 3 months (≥ 84 days)
                                       // 90 days may or may not be 3 months: undecided, not guessed.
    let o = ev.evaluate_json(&base("P90D")).unwrap();
    assert_eq!(o.condition("target_population"), Some(None));
}

#[test]
fn deadlines_use_exact_calendar_arithmetic() {
    let ev = skane();
    let due = |date: &str| {
        let o = ev.evaluate_json(&json!({ "referral_date": date })).unwrap();
        o.to_json()["deadlines"][0]["due"].clone()
    };
    assert_eq!(due("2024-01-31"), json!("2024-02-29"));
    assert_eq!(due("2023-01-31"), json!("2023-02-28"));
    assert_eq!(due("2024-12-31"), json!("2025-01-31"));
    let o = ev.evaluate_json(&json!({})).unwrap().to_json();
    assert_eq!(o["deadlines"][0]["due"], serde_json::Value::Null);
    assert_eq!(o["deadlines"][0]["needs"], json!(["referral_date"]));
}

#[test]
fn bad_patient_data_is_reported_by_field_path() {
    let ev = evaluator(&root().join("guidelines/dk/early_stratified_care.guide"));
    let bad = json!({
        "age": 300,
        "back_pain": "yes",
        "start_back": { "q9": "sometimes", "q1": 1 }
    });
    let errors = ev.evaluate_json(&bad).err().expect("rejected");
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["age", "back_pain", "start_back.q1", "start_back.q9"]);
    assert!(errors[0].message.contains("outside the declared range 0..130"), "{}", errors[0]);
    assert!(errors[3].message.contains("unknown value `sometimes`"), "{}", errors[3]);
    let ev = skane();
    let errors =
        ev.evaluate_json(&json!({ "referral_date": "2023-02-29", "pain_duration": "4 months" })).err().unwrap();
    assert!(errors.iter().any(|e| e.path == "referral_date" && e.message.contains("not a date")));
    assert!(errors.iter().any(|e| e.path == "pain_duration" && e.message.contains("ISO 8601")));
    assert!(ev.evaluate_json(&json!([1, 2])).is_err());
    assert!(ev.evaluate_json(&json!({ "start_back": 3 })).is_ok(), "unknown fields are ignored");
}

#[test]
fn output_is_deterministic() {
    let ev = skane();
    let p = json!({ "age": 45, "pain_duration": "P4M", "pain_sites": ["low_back", "neck"], "linton_score": 38 });
    let a = serde_json::to_string(&ev.evaluate_json(&p).unwrap().to_json_explained()).unwrap();
    let b = serde_json::to_string(&skane().evaluate_json(&p).unwrap().to_json_explained()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn artifacts_round_trip_and_reject_tampering_and_newer_schemas() {
    let ev = skane();
    let text = serde_json::to_string_pretty(ev.artifact()).unwrap();
    assert!(Evaluator::from_json(&text).is_ok());
    // Changing a threshold without re-sealing is detected.
    let tampered = text.replacen("\"value\": 50.0", "\"value\": 40.0", 1);
    assert_ne!(tampered, text, "the artifact holds the 50-point threshold");
    let err = Evaluator::from_json(&tampered).err().unwrap().to_string();
    assert!(err.contains("does not match its hash"), "{err}");
    // A newer major schema is refused with a clear error.
    let newer = text.replacen("\"schema\": \"1.0\"", "\"schema\": \"2.0\"", 1);
    let err = Evaluator::from_json(&newer).err().unwrap().to_string();
    assert!(err.contains("newer than this evaluator reads"), "{err}");
    // A reference to a node that is not evaluated earlier is refused.
    let mut art: Artifact = serde_json::from_str(&text).unwrap();
    if let Some(r) = art.recommendations.first_mut() {
        r.when = guidepath_ir::Expr::Node(999);
    }
    art.seal();
    let err = Evaluator::new(art).err().unwrap().to_string();
    assert!(err.contains("invalid artifact"), "{err}");
}

#[test]
fn texts_enums_and_sets() {
    let ev = evaluator_from_text(
        r#"guideline t.t "T" { issuer "t" version "1" status draft language en source "t" }
input {
  note : text
  sex : sex
  sites : set of site
}
enum sex { female, male }
enum site { neck, back, knee }
recommend a "A" { when note = "ok" and sex is female }
recommend b "B" { when sites all of { neck, back } and sites none of { knee } }
recommend c "C" { when sex any of { male } or sex is not female }
"#,
    );
    let o = ev.evaluate_json(&json!({ "note": "ok", "sex": "female", "sites": ["back", "neck"] })).unwrap();
    assert_eq!(o.recommendation("a"), Some(Some(true)));
    assert_eq!(o.recommendation("b"), Some(Some(true)));
    assert_eq!(o.recommendation("c"), Some(Some(false)));
    let o = ev.evaluate_json(&json!({ "sites": ["neck", "knee"] })).unwrap();
    assert_eq!(o.recommendation("a"), Some(None));
    assert_eq!(o.recommendation("b"), Some(Some(false)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any JSON as patient data: an outcome or field errors, never a panic.
    #[test]
    fn any_patient_json_is_handled(v in arb_json()) {
        let ev = skane();
        let wrapped = json!({ "age": v.clone(), "pain_duration": v.clone(), "pain_sites": v.clone(),
                              "linton_score": v.clone(), "referral_date": v });
        match ev.evaluate_json(&wrapped) {
            Ok(o) => { let _ = o.to_json_explained(); }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }

    /// Reading JSON text straight into bound values agrees with reading it
    /// through a JSON tree: the same values, or the same errors.
    #[test]
    fn the_fast_text_binder_agrees_with_the_tree_binder(v in arb_json(), dk in any::<bool>()) {
        let ev = if dk {
            evaluator(&root().join("guidelines/dk/early_stratified_care.guide"))
        } else {
            skane()
        };
        let patient = json!({ "age": v.clone(), "pain_sites": v.clone(), "start_back": { "q1": v.clone(), "q9": v.clone() },
                              "back_pain": v.clone(), "referral_date": v.clone(), "extra": v });
        for candidate in [patient.clone(), patient["start_back"].clone(), json!(null), json!({"start_back": null})] {
            let text = candidate.to_string();
            let fast = ev.bind_str(&text);
            // Both read the same text (a float need not survive printing).
            let reread: serde_json::Value = serde_json::from_str(&text).unwrap();
            let tree = ev.bind(&reread).map_err(guidepath_eval::InputError::Data);
            prop_assert_eq!(fast, tree);
        }
    }

    /// Any text as an artifact: an error, never a panic.
    #[test]
    fn any_artifact_text_is_handled(s in "\\PC{0,200}") {
        prop_assert!(Evaluator::from_json(&s).is_err());
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)),
        "(P[0-9]{0,3}[YMWD]|[0-9]{4}-[0-9]{2}-[0-9]{2}|neck|low_back|\\PC{0,10})".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The embedding example in `guidepath-eval`'s documentation runs against
/// `crates/eval/tests/data/mini.json`; it must be what the compiler makes of
/// `mini.guide` today, or the example documents a stale format.
#[test]
fn the_documented_example_artifact_is_current() {
    let ev = evaluator(std::path::Path::new("crates/eval/tests/data/mini.guide"));
    let fresh = serde_json::to_value(ev.artifact()).unwrap();
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("crates/eval/tests/data/mini.json")).unwrap())
            .unwrap();
    assert_eq!(
        fresh, stored,
        "regenerate with: guidepath compile crates/eval/tests/data/mini.guide -o crates/eval/tests/data/mini.json"
    );
}
