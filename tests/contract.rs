//! The evaluation contract, checked by its JSON Schemas: every result the
//! evaluator writes validates against `docs/schema/result.schema.json`,
//! and the patient schema of a guideline accepts what the evaluator
//! accepts.

use guidepath_eval::{Evaluator, ReportOptions};
use guidepath_tests::{guide_files, root};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn result_schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(guidepath_eval::schema::RESULT_SCHEMA_JSON).expect("the schema is JSON");
        jsonschema::draft202012::new(&schema).expect("the result schema is a valid JSON Schema")
    })
}

fn assert_valid(v: &Value, what: &str) {
    let errors: Vec<String> =
        result_schema().iter_errors(v).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{v:#}");
}

/// Every compiled guideline of the repository with its inline tests.
fn compiled() -> Vec<(std::path::PathBuf, guidepath_check::Lowered)> {
    let mut files = guide_files(&root().join("guidelines"));
    files.extend(guide_files(&root().join("tests/corpus")));
    files
        .into_iter()
        .filter_map(|p| guidepath_check::compile(&guidepath_check::Disk, &p).lowered.map(|l| (p, l)))
        .collect()
}

#[test]
fn every_inline_test_result_validates_in_every_form() {
    let options = [ReportOptions::default(), ReportOptions { explain: true, lang: Some("en".into()), texts: true }];
    let mut checked = 0;
    for (path, lowered) in compiled() {
        let ev = Evaluator::new(lowered.artifact).expect("a compiled artifact loads");
        for case in &lowered.tests {
            let Ok(o) = ev.evaluate_json(&case.patient) else { continue };
            for opts in &options {
                let v = serde_json::to_value(o.report_with(opts)).unwrap();
                assert_valid(&v, &format!("{}: {}", path.display(), case.name));
                checked += 1;
            }
        }
        // And with nothing known at all.
        let v = ev.evaluate_json(&json!({})).unwrap().to_json();
        assert_valid(&v, &format!("{}: no data", path.display()));
    }
    assert!(checked > 60, "only {checked} results");
}

/// The evaluator's patient bindings, for the property tests below.
fn shipped() -> &'static Vec<Evaluator> {
    static E: OnceLock<Vec<Evaluator>> = OnceLock::new();
    E.get_or_init(|| guide_files(&root().join("guidelines")).iter().map(|p| guidepath_tests::evaluator(p)).collect())
}

/// A value of the kind an input takes, or something else.
fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..140).prop_map(|n| json!(n)),
        (0.0f64..100.0).prop_map(|f| json!(f)),
        "(P[0-9]{1,3}[YMWD]|P1Y2M|PT3H|P1D1D|20[0-9]{2}-0[1-9]-[0-3][0-9]|neck|low_back|high|low|very_much|yes|no|[a-z]{1,6})"
            .prop_map(Value::String),
        prop::collection::vec(
            "(neck|low_back|shoulders|generalized|other|back|knee|x)".prop_map(Value::String),
            0..3
        )
        .prop_map(Value::Array),
    ]
}

/// A patient for `ev`: each of its inputs given a random value or left
/// out, and sometimes a field it does not read.
fn arb_patient(n_inputs: usize) -> impl Strategy<Value = (Vec<Option<Value>>, bool)> {
    (prop::collection::vec(prop::option::of(arb_value()), n_inputs), any::<bool>())
}

fn patient_of(ev: &Evaluator, values: &[Option<Value>], extra: bool) -> Value {
    let mut p = json!({});
    for (input, v) in ev.artifact().inputs.iter().zip(values) {
        let Some(v) = v else { continue };
        match input.path.split_once('.') {
            None => p[&input.path] = v.clone(),
            Some((group, rest)) => {
                if !p[group].is_object() {
                    p[group] = json!({});
                }
                p[group][rest] = v.clone();
            }
        }
    }
    if extra {
        p["not_a_field"] = json!(1);
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random patients of every shipped guideline: each result validates,
    /// and the guideline's patient schema accepts exactly the data the
    /// evaluator accepts (but for dates that are not in the calendar,
    /// which a schema cannot tell), strictly too.
    #[test]
    fn results_validate_and_the_patient_schema_agrees_with_the_evaluator(
        which in 0usize..6,
        (values, extra) in arb_patient(40),
        strict in any::<bool>(),
    ) {
        let ev = &shipped()[which % shipped().len()];
        let patient = patient_of(ev, &values, extra);
        let schema = guidepath_eval::schema::patient_schema(ev.artifact(), strict);
        let validator = jsonschema::draft202012::new(&schema).expect("a valid patient schema");
        let bound = ev.bind(&patient);
        let mut accepted = bound.is_ok();
        if let (Ok(b), true) = (&bound, strict) {
            accepted = ev.unknown_fields(&patient).is_empty() && ev.missing_required(b).is_empty();
        }
        let calendar = bound.as_ref().err().is_some_and(|errors| errors.iter().all(|e| e.message.contains("not a date")));
        if !calendar {
            prop_assert_eq!(validator.is_valid(&patient), accepted, "{} {}", patient, strict);
        }
        if let Ok(b) = bound {
            let v = serde_json::to_value(ev.evaluate(&b).report(true)).unwrap();
            let errors: Vec<String> = result_schema().iter_errors(&v).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            prop_assert!(errors.is_empty(), "{:#?}\n{}", errors, v);
        }
    }
}

/// The schema refuses results that break the contract, so the tests above
/// can fail.
#[test]
fn the_result_schema_refuses_what_the_contract_rules_out() {
    let ev = guidepath_tests::evaluator(&root().join("guidelines/se/skane_mms.guide"));
    let good =
        ev.evaluate_json(&json!({ "age": 45, "pain_duration": "P4M", "pain_sites": ["neck"] })).unwrap().to_json();
    assert!(result_schema().is_valid(&good));
    type Change = Box<dyn Fn(&mut Value)>;
    let broken: Vec<(&str, Change)> = vec![
        ("a decided item with needs", Box::new(|v: &mut Value| v["recommendations"][3]["state"] = json!("decided"))),
        (
            "an undecided item that says nothing",
            Box::new(|v: &mut Value| {
                v["strata"][0]["needs"] = json!([]);
            }),
        ),
        (
            "a due date for an open deadline",
            Box::new(|v: &mut Value| {
                v["pathways"][0]["steps"][1]["deadline"]["due"] = json!("2024-04-01");
            }),
        ),
        (
            "a stratum for an undecided stratification",
            Box::new(|v: &mut Value| v["strata"][0]["stratum"] = json!("primary_care")),
        ),
        ("a member the schema does not have", Box::new(|v: &mut Value| v["deadlines"] = json!([]))),
        (
            "not applicable without why",
            Box::new(|v: &mut Value| {
                v["strata"][0]["state"] = json!("not_applicable");
                v["strata"][0].as_object_mut().unwrap().retain(|k, _| k != "needs" && k != "reasons");
            }),
        ),
    ];
    for (what, change) in broken {
        let mut v = good.clone();
        change(&mut v);
        assert!(!result_schema().is_valid(&v), "{what} passed:\n{v:#}");
    }
}
