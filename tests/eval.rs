//! The evaluator: semantics, bad data, artifacts, and the data-driven cases
//! in `tests/eval/*.yaml` (guideline + patient → snapshot of the result).

use guidepath_eval::Evaluator;
use guidepath_ir::Artifact;
use guidepath_tests::{evaluator, evaluator_from_text, guide_files, root};
use proptest::prelude::*;
use serde_json::json;

fn skane() -> Evaluator {
    evaluator(&root().join("guidelines/se/skane_mms.guide"))
}

/// The item with this `id` in a list of a result.
fn item<'v>(result: &'v serde_json::Value, list: &str, id: &str) -> &'v serde_json::Value {
    result[list]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == id))
        .unwrap_or_else(|| panic!("no `{id}` in `{list}` of {result}"))
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
    let care = item(&out, "strata", "care_level");
    assert_eq!(care["state"], "undecided");
    assert_eq!(care["needs"], json!(["linton_score"]));
    let rec = item(&out, "recommendations", "mms_referral");
    assert_eq!(rec["applies"], serde_json::Value::Null);
    assert!(rec["needs"].as_array().unwrap().contains(&json!("linton_score")));
    // A false part decides the whole, whatever is missing: no needs.
    let o = ev.evaluate_json(&json!({ "age": 12 })).unwrap();
    assert_eq!(o.recommendation("mms_referral"), Some(Some(false)));
    let rec = item(&o.to_json(), "recommendations", "mms_referral").clone();
    assert_eq!(rec["state"], "decided");
    assert!(rec.get("needs").is_none(), "{rec}");
}

#[test]
fn partial_sums_are_intervals_and_decide_when_they_can() {
    let ev = evaluator(&root().join("guidelines/instruments/start_back.guide"));
    // Psychosocial items 5-8 agree: at least 4 whatever q9 says.
    let o = ev.evaluate_json(&json!({ "start_back": { "q5": true, "q6": true, "q7": true, "q8": true } })).unwrap();
    assert_eq!(o.number("start_back.psychosocial"), Some((4.0, 5.0)));
    assert_eq!(o.stratum("start_back.risk"), Some(Some("high")));
    let out = o.to_json();
    let psy = item(&out, "scores", "start_back.psychosocial");
    assert_eq!((&psy["state"], &psy["min"], &psy["max"]), (&json!("undecided"), &json!(4), &json!(5)));
    assert_eq!(psy["needs"], json!(["start_back.q9"]));
    assert_eq!(item(&out, "strata", "start_back.risk")["stratum"], "high");
    // Two psychosocial items and nothing else: undecided, and q-items needed.
    let o = ev.evaluate_json(&json!({ "start_back": { "q5": true, "q6": false } })).unwrap();
    assert_eq!(o.stratum("start_back.risk"), Some(None));
    let out = o.to_json();
    let needs = &item(&out, "strata", "start_back.risk")["needs"];
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
    // Undecided with a reason, not with fields that would not decide it.
    let out = o.to_json();
    let care = item(&out, "strata", "care_level");
    assert_eq!(care["needs"], json!([]), "{care}");
    assert_eq!(care["reasons"][0]["condition"], "pain_duration >= 3 months");
    assert_eq!(care["reasons"][0]["data"], json!({ "pain_duration": "P90D" }));
    assert!(care["reasons"][0]["message"].as_str().unwrap().contains("28 to 31 days"), "{care}");
}

#[test]
fn a_patient_outside_the_population_is_not_applicable_not_unknown() {
    let ev = skane();
    let child = json!({ "age": 10, "pain_duration": "P1Y", "pain_sites": ["neck"], "linton_score": 20,
                        "referral_date": "2024-01-31" });
    let out = ev.evaluate_json(&child).unwrap().to_json();
    let care = item(&out, "strata", "care_level");
    assert_eq!(care["state"], "not_applicable");
    assert_eq!(care["because"][0]["condition"], "target_population");
    let mms = item(&out, "pathways", "mms");
    assert_eq!((&mms["state"], &mms["applies"]), (&json!("not_applicable"), &json!(false)));
    let visit = item(mms, "steps", "first_visit");
    assert_eq!(visit["state"], "not_applicable");
    assert_eq!(visit["deadline"]["state"], "not_applicable");
    assert_eq!(visit["deadline"]["due"], serde_json::Value::Null);
    // The same patient without a Linton score is undecided, not outside.
    let mut unknown = child.clone();
    unknown["age"] = json!(null);
    let out = ev.evaluate_json(&unknown).unwrap().to_json();
    assert_eq!(item(&out, "strata", "care_level")["state"], "undecided");
}

#[test]
fn deadlines_use_exact_calendar_arithmetic() {
    let ev = skane();
    let eligible = json!({ "age": 45, "pain_duration": "P4M", "pain_sites": ["neck"] });
    let deadline = |patient: &serde_json::Value| {
        let o = ev.evaluate_json(patient).unwrap().to_json();
        item(item(&o, "pathways", "mms"), "steps", "first_visit")["deadline"].clone()
    };
    let due = |date: &str| {
        let mut p = eligible.clone();
        p["referral_date"] = json!(date);
        deadline(&p)["due"].clone()
    };
    assert_eq!(due("2024-01-31"), json!("2024-02-29"));
    assert_eq!(due("2023-01-31"), json!("2023-02-28"));
    assert_eq!(due("2024-12-31"), json!("2025-01-31"));
    let d = deadline(&eligible);
    assert_eq!((&d["state"], &d["due"]), (&json!("undecided"), &serde_json::Value::Null));
    assert_eq!(d["needs"], json!(["referral_date"]));
    // A deadline is given only when the step applies: with the date and
    // nothing else, the pathway's condition is open, and so is the date.
    let d = deadline(&json!({ "referral_date": "2024-03-01" }));
    assert_eq!((&d["state"], &d["due"]), (&json!("undecided"), &serde_json::Value::Null), "{d}");
    assert_eq!(d["needs"], json!(["age", "pain_duration", "pain_sites"]));
}

/// Durations near the 64-bit limit once wrapped in release builds (a longer
/// duration compared as a shorter one) and panicked in debug builds; every
/// duration is now bounded by the calendar when it is read.
#[test]
fn huge_durations_are_refused_not_wrapped() {
    let ev = skane();
    for d in
        ["P9223372036854775807D", "P106751991167301D", "P768614336404564651M", "P10001Y", "P99999999999999999999999W"]
    {
        let errors = ev.evaluate_json(&json!({ "pain_duration": d })).err().unwrap_or_else(|| panic!("{d} accepted"));
        assert!(errors[0].message.contains("longer than 10000 years"), "{d}: {}", errors[0]);
    }
    let o = ev.evaluate_json(&json!({ "age": 40, "pain_sites": ["neck"], "pain_duration": "P10000Y" })).unwrap();
    assert_eq!(o.condition("target_population"), Some(Some(true)));
}

/// A due date after 9999-12-31 cannot be written as a date: the deadline is
/// undecided, with the reason, rather than printed in a form no reader takes.
#[test]
fn a_due_date_past_the_calendar_is_undecided_with_a_reason() {
    let ev = skane();
    let p = json!({ "age": 40, "pain_duration": "P4M", "pain_sites": ["neck"], "referral_date": "9999-12-15" });
    let out = ev.evaluate_json(&p).unwrap().to_json();
    let d = &item(item(&out, "pathways", "mms"), "steps", "first_visit")["deadline"];
    assert_eq!((&d["state"], &d["due"]), (&json!("undecided"), &serde_json::Value::Null), "{d}");
    assert!(d["reasons"][0]["message"].as_str().unwrap().contains("9999-12-31"), "{d}");
    let p = json!({ "age": 40, "pain_duration": "P4M", "pain_sites": ["neck"], "referral_date": "9999-11-30" });
    let out = ev.evaluate_json(&p).unwrap().to_json();
    assert_eq!(item(item(&out, "pathways", "mms"), "steps", "first_visit")["deadline"]["due"], "9999-12-30");
}

/// The text binder once skipped fields the guideline does not read without
/// reading them, so `eval --ndjson` accepted a line `eval` refused; and it
/// merged an object given twice where the tree binder takes the last.
#[test]
fn the_text_binder_refuses_what_the_tree_binder_refuses() {
    let ev = evaluator(&root().join("guidelines/dk/early_stratified_care.guide"));
    let deep = format!("{{\"age\": 40, \"x\": {}{}}}", "[".repeat(200), "]".repeat(200));
    for text in [
        r#"{"age": 40, "note": "\ud800"}"#,
        r#"{"age": 40, "note": {"a": "\udc00x"}}"#,
        r#"{"age": 40, "n": 1e400}"#,
        deep.as_str(),
        r#"{"start_back": {"q1": true}, "start_back": {"q2": true}}"#,
        r#"{"start_back": {"q1": true}, "start_back": null}"#,
        // What the byte reader leaves to serde, and what neither takes.
        r#"{"age": -0, "x": 0123}"#,
        r#"{"age": 40.0, "x": 1e2, "y": 12345678901234567}"#,
        "{\"age\": 40, \"x\": \"tab\there\"}",
        r#"{"a\u0067e": 40, "x": "a\"b"}"#,
        r#"{"age": 40,}"#,
        r#"{"age": 40} x"#,
        r#"{"age": 40 "x": 1}"#,
        r#"{"start_back": {"q1": true, "q1": false}, "age": null, "age": 3}"#,
    ] {
        let fast = ev.bind_str(text);
        // The tree binder's reader: a key given twice is an error of the
        // data, named by its path.
        let tree = guidepath_ir::json::from_str(text)
            .map_err(|e| guidepath_eval::InputError::Json(e.to_string()))
            .and_then(|(v, repeated)| match repeated.is_empty() {
                true => ev.bind(&v).map_err(guidepath_eval::InputError::Data),
                false => Err(guidepath_eval::InputError::Data(
                    repeated.into_iter().map(guidepath_eval::BindError::repeated).collect(),
                )),
            });
        assert_eq!(fast, tree, "{text}");
    }
    // Keys given twice are refused, each named, whichever reader meets
    // them: the byte reader, serde's, or the tree's.
    for (text, paths) in [
        (r#"{"age": 40, "age": 41}"#, vec!["age"]),
        (r#"{"age": 40.5, "age": 41}"#, vec!["age"]),
        (r#"{"start_back": {"q1": true, "q1": false}, "age": null, "age": 3}"#, vec!["start_back.q1", "age"]),
        (r#"{"note": 1, "note": 2}"#, vec!["note"]),
    ] {
        let Err(guidepath_eval::InputError::Data(errors)) = ev.bind_str(text) else { panic!("{text} is refused") };
        let named: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(named, paths, "{text}");
    }
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
    assert!(ev.evaluate_json(&json!({ "start_back": 3 })).is_ok(), "unknown fields are not data errors");
    assert_eq!(ev.unknown_fields(&json!({ "ag": 3, "age": 4, "x": { "y": 1 } })), ["ag", "x"]);
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
fn artifacts_round_trip_and_reject_tampering_and_other_schemas() {
    let ev = skane();
    let text = ev.artifact().to_json();
    assert!(Evaluator::from_json(&text).is_ok());
    // Changing a threshold without re-sealing is detected.
    let tampered = text.replacen("\"value\": 50.0", "\"value\": 40.0", 1);
    assert_ne!(tampered, text, "the artifact holds the 50-point threshold");
    let err = Evaluator::from_json(&tampered).err().unwrap().to_string();
    assert!(err.contains("does not match its hash"), "{err}");
    // So is a member added by hand, even one this reader does not know.
    let added = text.replacen("\"pathways\": [", "\"comment\": \"ok\",\n  \"pathways\": [", 1);
    let err = Evaluator::from_json(&added).err().unwrap().to_string();
    assert!(err.contains("does not match its hash"), "{err}");
    // A newer minor version with a new member, sealed as its writer seals
    // it, loads; its new member is ignored.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["schema"] = json!(format!("{}.7", guidepath_ir::SCHEMA_MAJOR));
    v["codes"] = json!({ "loinc": "91349-1" });
    v["content_hash"] = json!(guidepath_ir::content_hash(&v));
    let newer_minor = Artifact::from_value(v.clone()).expect("a newer minor version loads");
    assert_eq!(newer_minor.recommendations, ev.artifact().recommendations);
    // The places and texts of `source` are not part of the rules.
    v["source"]["places"] = json!([]);
    assert!(Artifact::from_value(v).is_ok());
    // A newer major schema is refused with a clear error, an older one too.
    for (schema, says) in [("9.0", "newer than this evaluator reads"), ("1.0", "compile the guideline again")] {
        let other = text.replacen(
            &format!("\"schema\": \"{}\"", ev.artifact().written_schema_version()),
            &format!("\"schema\": \"{schema}\""),
            1,
        );
        let err = Evaluator::from_json(&other).err().unwrap().to_string();
        assert!(err.contains(says), "{err}");
    }
    // A reference to a node that is not evaluated earlier is refused.
    let mut art = ev.artifact().clone();
    if let Some(r) = art.recommendations.first_mut() {
        r.when = guidepath_ir::Expr::Node(999);
    }
    art.seal();
    let err = Evaluator::new(art).err().unwrap().to_string();
    assert!(err.contains("invalid artifact"), "{err}");
}

/// JSON and YAML artifacts load back to the same artifact, for every
/// shipped guideline and every corpus file that compiles, and evaluate to
/// byte-identical results.
#[test]
fn json_and_yaml_artifacts_load_back_identically() {
    let mut files = guide_files(&root().join("guidelines"));
    files.extend(guide_files(&root().join("tests/corpus")));
    let mut compiled = 0;
    for path in files {
        let Some(lowered) = guidepath_check::compile(&guidepath_check::Disk, &path).lowered else { continue };
        compiled += 1;
        let art = lowered.artifact;
        let json = Artifact::from_json(&art.to_json()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let yaml = art.to_yaml().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let yaml = Artifact::from_yaml(&yaml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(json, art, "{}", path.display());
        assert_eq!(yaml, art, "{}", path.display());
        let (a, b) = (Evaluator::new(json).unwrap(), Evaluator::new(yaml).unwrap());
        for case in &lowered.tests {
            let ra = serde_json::to_string(&a.evaluate_json(&case.patient).map(|o| o.to_json_explained()).ok());
            let rb = serde_json::to_string(&b.evaluate_json(&case.patient).map(|o| o.to_json_explained()).ok());
            assert_eq!(ra.unwrap(), rb.unwrap(), "{}: {}", path.display(), case.name);
        }
    }
    assert!(compiled >= 30, "only {compiled} files compiled");
}

/// The content hash names the rules: compiling the same guideline from
/// another folder, by another path or after `guidepath fmt` gives the same
/// hash, and the artifact from any folder is the same text.
#[test]
fn the_content_hash_is_independent_of_folder_path_and_layout() {
    let path = root().join("guidelines/se/skane_mms.guide");
    let text = std::fs::read_to_string(&path).unwrap();
    let compile = |fs: &dyn guidepath_check::FileSystem, p: &std::path::Path| {
        guidepath_check::compile(fs, p).lowered.expect("compiles").artifact
    };
    let plain = compile(&guidepath_check::Disk, &path);
    let dotted = compile(&guidepath_check::Disk, &root().join("guidelines/se/../se/./skane_mms.guide"));
    assert_eq!(plain.to_json(), dotted.to_json());
    // Respaced and reflowed by hand: other places, the same rules.
    let respaced = text.replace("  and pain_duration", "      and     pain_duration").replace("\n\n", "\n\n\n");
    let fs = guidepath_check::Overlay { base: guidepath_check::Disk, files: [(path.clone(), respaced)].into() };
    let moved = compile(&fs, &path);
    assert_ne!(moved.source, plain.source);
    assert_eq!(moved.content_hash, plain.content_hash);
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
recommend d "D" { when note != "abc" }
"#,
    );
    let o = ev.evaluate_json(&json!({ "note": "ok", "sex": "female", "sites": ["back", "neck"] })).unwrap();
    assert_eq!(o.recommendation("a"), Some(Some(true)));
    assert_eq!(o.recommendation("b"), Some(Some(true)));
    assert_eq!(o.recommendation("c"), Some(Some(false)));
    // An explained condition that ends in a string keeps its closing quote.
    let out = o.to_json_explained();
    let d = out["explanation"].as_array().and_then(|e| e.iter().find(|x| x["rule"] == "d")).expect("d explained");
    assert_eq!(d["conditions"][0]["text"], r#"note != "abc""#, "{d}");
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
            // Compact and with white space: the byte reader takes both.
            for text in [candidate.to_string(), serde_json::to_string_pretty(&candidate).unwrap()] {
                let fast = ev.bind_str(&text);
                // Both read the same text (a float need not survive printing).
                let reread: serde_json::Value = serde_json::from_str(&text).unwrap();
                let tree = ev.bind(&reread).map_err(guidepath_eval::InputError::Data);
                prop_assert_eq!(fast, tree);
            }
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
        (-200i64..200).prop_map(|n| json!(n)),
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
/// `mini.guide` today, byte for byte, or the example documents a stale
/// format.
#[test]
fn the_documented_example_artifact_is_current() {
    let path = root().join("crates/eval/tests/data/mini.guide");
    let fresh = guidepath_check::compile(&guidepath_check::Disk, &path).lowered.expect("compiles").artifact.to_json();
    let stored = std::fs::read_to_string(root().join("crates/eval/tests/data/mini.json")).unwrap();
    assert_eq!(
        fresh, stored,
        "regenerate with: guidepath compile crates/eval/tests/data/mini.guide -o crates/eval/tests/data/mini.json"
    );
}

/// The condition texts an explanation shows are not part of the content
/// hash, so they are derived from the rules, never taken from the stored
/// artifact: one edited to read `linton_score <= 49`, while it evaluates
/// `<= 50`, once explained a 50-point patient as "`linton_score <= 49`:
/// true".
#[test]
fn explanation_texts_are_derived_from_the_rules_not_read_from_the_artifact() {
    let ev = evaluator(&root().join("guidelines/se/skane_mms.guide"));
    let stored = ev.artifact().to_json();
    assert!(stored.contains("\"text\": \"linton_score <= 50\""), "the compiler writes the derived text");
    let edited = stored.replace("\"text\": \"linton_score <= 50\"", "\"text\": \"linton_score <= 49\"");
    assert_ne!(edited, stored);
    let tampered = Evaluator::from_json(&edited).expect("`source` is outside the hash, so the artifact loads");
    let patient = json!({"age": 45, "pain_duration": "P4M", "pain_sites": ["neck"], "linton_score": 50});
    for ev in [&ev, &tampered] {
        let bound = ev.bind(&patient).unwrap();
        let result = serde_json::to_string(&ev.evaluate(&bound).report(true)).unwrap();
        assert!(result.contains("\"linton_score <= 50\""), "{result}");
        assert!(!result.contains("<= 49"), "{result}");
    }
}
