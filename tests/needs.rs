//! What an undecided result says it needs, checked on random patients of
//! the shipped guidelines and of random guidelines:
//!
//! - **sufficient**: fill in every field it lists, with any values, and it
//!   is decided (or it is open for `reasons` alone, which no data decides);
//! - **complete**: fill in a missing field it does not list, and it stays
//!   undecided.
//!
//! On the same patients: a recommendation's condition asked on its own (as the consistency
//! analysis asks its questions, one [`guidepath_eval::Condition`] after
//! another in one scratch space) has the value the whole evaluation gives;
//! and the flat program the evaluator runs gives every result and
//! explanation the tree walk gives, also for bound values of any type in
//! any field (which `Bound::from_values` lets a caller hand over).

use guidepath_eval::Evaluator;
use guidepath_ir::Input;

use guidepath_tests::{evaluator, evaluator_from_text, guide_files, root};
use proptest::prelude::*;
use proptest::test_runner::TestRng;
use serde_json::Value;
use std::sync::OnceLock;

#[path = "generated.rs"]
mod generated;
#[path = "patients.rs"]
mod patients;
use generated::arb_guideline;
use patients::{patient, set, value_for};

/// Every item of a result, by where it is, with its state and what it
/// lists: `(where, state, needs, has reasons)`.
fn items(result: &Value) -> Vec<(String, String, Vec<String>, bool)> {
    let mut out = Vec::new();
    let mut add = |at: String, x: &Value| {
        let needs = x["needs"].as_array().map(|a| a.iter().filter_map(|n| n.as_str().map(String::from)).collect());
        let reasons = x["reasons"].as_array().is_some_and(|r| !r.is_empty());
        out.push((at, x["state"].as_str().unwrap_or("").to_string(), needs.unwrap_or_default(), reasons));
    };
    for list in ["strata", "scores", "recommendations"] {
        for (k, x) in result[list].as_array().into_iter().flatten().enumerate() {
            add(format!("{list}[{k}] {}", x["id"]), x);
        }
    }
    for (k, p) in result["pathways"].as_array().into_iter().flatten().enumerate() {
        add(format!("pathways[{k}]"), p);
        for (j, s) in p["steps"].as_array().into_iter().flatten().enumerate() {
            add(format!("pathways[{k}].steps[{j}] {}", s["id"]), s);
            if s["deadline"].is_object() {
                add(format!("pathways[{k}].steps[{j}].deadline"), &s["deadline"]);
            }
        }
    }
    out
}

fn result(ev: &Evaluator, patient: &Value) -> Value {
    ev.evaluate_json(patient).expect("generated patients are valid").to_json()
}

/// Checks both properties for one patient of `ev`; returns how many
/// undecided items it looked at.
fn check_patient(ev: &Evaluator, patient: &Value, rng: &mut TestRng) -> Result<usize, TestCaseError> {
    let before = result(ev, patient);
    let inputs = &ev.artifact().inputs;
    let bound = ev.bind(patient).expect("valid");
    let missing: Vec<&Input> =
        inputs.iter().enumerate().filter(|(i, _)| bound.get(*i as u32).is_none()).map(|(_, x)| x).collect();
    let mut open = 0;
    for (at, state, needs, _) in items(&before) {
        if state != "undecided" {
            continue;
        }
        open += 1;
        // Sufficient: every listed field filled in decides it, or leaves
        // it open for reasons alone.
        for _ in 0..2 {
            let mut filled = patient.clone();
            for path in &needs {
                let input = inputs.iter().find(|x| &x.path == path).expect("needs names inputs");
                set(&mut filled, path, value_for(input, rng));
            }
            let after = items(&result(ev, &filled));
            let (_, st, still, _) = after.iter().find(|x| x.0 == at).expect("same items");
            prop_assert!(
                st != "undecided" || still.is_empty(),
                "{at} still needs {still:?} after {needs:?} were filled in\npatient: {patient}\nfilled: {filled}"
            );
        }
        // Complete: a missing field not listed cannot decide it.
        let unlisted: Vec<&&Input> = missing.iter().filter(|x| !needs.contains(&x.path)).collect();
        if unlisted.is_empty() {
            continue;
        }
        let input = unlisted[rng.random_range(0..unlisted.len())];
        let mut one = patient.clone();
        set(&mut one, &input.path, value_for(input, rng));
        let after = items(&result(ev, &one));
        let (_, st, _, _) = after.iter().find(|x| x.0 == at).expect("same items");
        prop_assert_eq!(
            st,
            "undecided",
            "{} was decided by `{}`, which it does not list\npatient: {}",
            at,
            input.path,
            one
        );
    }
    Ok(open)
}

fn shipped() -> &'static Vec<Evaluator> {
    static E: OnceLock<Vec<Evaluator>> = OnceLock::new();
    E.get_or_init(|| guide_files(&root().join("guidelines")).iter().map(|p| evaluator(p)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn needs_of_the_shipped_guidelines_are_sufficient_and_complete(which in 0usize..64, seed in any::<u64>()) {
        let ev = &shipped()[which % shipped().len()];
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed.to_le_bytes().repeat(4));
        let p = patient(ev, &mut rng);
        check_patient(ev, &p, &mut rng)?;
        check_conditions(ev, &p, &mut rng)?;
        check_walk(ev, &ev.bind(&p).expect("valid"))?;
    }

    #[test]
    fn the_program_gives_what_the_walk_gives_for_values_of_any_type(which in 0usize..64, seed in any::<u64>()) {
        let ev = &shipped()[which % shipped().len()];
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed.to_le_bytes().repeat(4));
        let values = ev.artifact().inputs.iter().map(|_| any_value(&mut rng)).collect();
        check_walk(ev, &guidepath_eval::Bound::from_values(values))?;
    }

    #[test]
    fn needs_of_random_guidelines_are_sufficient_and_complete(source in arb_guideline(), seed in any::<u64>()) {
        let Some(ev) = compiles(&source) else { return Ok(()) };
        let mut rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed.to_le_bytes().repeat(4));
        for _ in 0..4 {
            let p = patient(&ev, &mut rng);
            check_patient(&ev, &p, &mut rng)?;
            check_conditions(&ev, &p, &mut rng)?;
            check_walk(&ev, &ev.bind(&p).expect("valid"))?;
        }
        let values = ev.artifact().inputs.iter().map(|_| any_value(&mut rng)).collect();
        check_walk(&ev, &guidepath_eval::Bound::from_values(values))?;
    }
}

/// The flat program's results and explanations against the tree walk's;
/// and both against an evaluation in the lists of another patient's
/// outcome, in either order (as `eval --ndjson` evaluates line after line).
fn check_walk(ev: &Evaluator, bound: &guidepath_eval::Bound) -> Result<(), TestCaseError> {
    let ran = ev.evaluate(bound).to_json_explained();
    let walked = ev.evaluate_by_walking(bound).to_json_explained();
    prop_assert_eq!(&ran, &walked, "bound data {:?}", bound.clone().into_values());
    let unknown = guidepath_eval::Bound::default();
    let after_unknown = ev.evaluate_in(bound, ev.evaluate(&unknown).into_lists());
    prop_assert_eq!(&after_unknown.to_json_explained(), &ran, "after no data: {:?}", bound.clone().into_values());
    let unknown_after = ev.evaluate_in(&unknown, after_unknown.into_lists()).to_json_explained();
    prop_assert_eq!(
        unknown_after,
        ev.evaluate(&unknown).to_json_explained(),
        "no data after {:?}",
        bound.clone().into_values()
    );
    Ok(())
}

/// Unknown, or a value of any type, in range or not.
fn any_value(rng: &mut TestRng) -> Option<guidepath_eval::Value> {
    use guidepath_eval::Value;
    let small = |rng: &mut TestRng| rng.random_range(-3i64..120);
    Some(match rng.random_range(0..9) {
        0 | 1 => return None,
        2 => Value::Bool(rng.random()),
        3 => Value::Num(small(rng) as f64 / [1.0, 2.0][rng.random_range(0..2)]),
        4 => Value::Date(rng.random_range(-800_000i64..3_000_000)),
        5 => Value::Duration(guidepath_ir::Duration { months: small(rng), days: small(rng), minutes: small(rng) }),
        6 => Value::Text(["", "a", "x", "low"][rng.random_range(0..4)].to_string()),
        7 => Value::Enum(rng.random_range(0..70)),
        _ => Value::Set(rng.random()),
    })
}

/// Every recommendation's condition and its negation, asked as conditions
/// in an order that differs from the artifact's (so each reads a scratch
/// space other conditions have written), against `evaluate`; and pairs of
/// them asked as one condition of two parts, against Kleene `and` of the
/// two.
fn check_conditions(ev: &Evaluator, patient: &Value, rng: &mut TestRng) -> Result<(), TestCaseError> {
    use guidepath_eval::Part;
    let Ok(bound) = ev.bind(patient) else { return Ok(()) };
    let outcome = ev.evaluate(&bound);
    let mut asked: Vec<(Part<'_>, Option<bool>, &str)> = Vec::new();
    for (r, applies) in ev.artifact().recommendations.iter().zip(outcome.recommendations_applied()) {
        asked.push((Part::holds(&r.when), *applies, &r.id));
        asked.push((Part::fails(&r.when), applies.map(|a| !a), &r.id));
    }
    for k in (1..asked.len()).rev() {
        asked.swap(k, rng.random_range(0..=k));
    }
    let mut scratch = guidepath_eval::Scratch::default();
    for (part, want, id) in &asked {
        let cond = ev.condition(&[*part]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(ev.holds(&cond, &bound, &mut scratch), *want, "recommendation {} for {}", id, patient);
    }
    for pair in asked.windows(2) {
        let [(a, x, ida), (b, y, idb)] = pair else { continue };
        let want = match (x, y) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
        let cond = ev.condition(&[*a, *b]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(ev.holds(&cond, &bound, &mut scratch), want, "{} and {} for {}", ida, idb, patient);
    }
    Ok(())
}

/// The evaluator of a generated guideline, when it compiles.
fn compiles(source: &str) -> Option<Evaluator> {
    let checked = guidepath_check::check_text("random.guide", source);
    let clean = checked.diagnostics.iter().flatten().all(|d| d.severity != guidepath_check::Severity::Error);
    clean.then(|| evaluator_from_text(source))
}

/// The generator makes guidelines that compile, and patients for them
/// leave results open: the properties above are tested, not skipped.
#[test]
fn random_guidelines_compile_and_leave_results_open() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut compiled, mut open) = (0, 0);
    for _ in 0..40 {
        let source = proptest::strategy::ValueTree::current(&arb_guideline().new_tree(&mut runner).unwrap());
        let Some(ev) = compiles(&source) else { continue };
        compiled += 1;
        for _ in 0..4 {
            let p = patient(&ev, runner.rng());
            open += check_patient(&ev, &p, runner.rng()).unwrap();
        }
    }
    assert!(compiled >= 35, "only {compiled} of 40 random guidelines compile");
    assert!(open >= 100, "only {open} undecided results");
}
