//! Random valid patients for an evaluator's inputs, shared by the property
//! tests (`#[path]`-included: each test is a crate of its own).

use guidepath_eval::Evaluator;
use guidepath_ir::{Input, Scoring, ValueType};
use proptest::prelude::RngExt;
use proptest::test_runner::TestRng;
use serde_json::{json, Value};

/// A valid value for `input`, drawn with `rng`.
pub fn value_for(input: &Input, rng: &mut TestRng) -> Value {
    let (lo, hi) = input.range.unwrap_or((-20.0, 120.0));
    match (&input.ty, &input.scoring) {
        (ValueType::Boolean, _) => json!(rng.random_bool(0.5)),
        (ValueType::Integer, Some(Scoring::Integer { lo, hi, .. })) => json!(rng.random_range(*lo as i64..=*hi as i64)),
        (ValueType::Integer, _) => json!(rng.random_range(lo as i64..=hi as i64)),
        (ValueType::Decimal, _) => json!(rng.random_range(lo..=hi)),
        (ValueType::Date, _) => json!(format!("2024-{:02}-{:02}", rng.random_range(1..=12), rng.random_range(1..=28))),
        (ValueType::Duration, _) => {
            let unit = ["D", "W", "M", "Y"][rng.random_range(0..4)];
            json!(format!("P{}{unit}", rng.random_range(0..=120)))
        }
        (ValueType::Text, _) => json!(["ok", "no", ""][rng.random_range(0..3)]),
        (ValueType::Enum { values }, _) => json!(values[rng.random_range(0..values.len())]),
        (ValueType::Set { values }, _) => {
            Value::Array(values.iter().filter(|_| rng.random_bool(0.4)).map(|v| json!(v)).collect())
        }
    }
}

/// Sets `path` (dotted) in a patient.
pub fn set(patient: &mut Value, path: &str, v: Value) {
    match path.split_once('.') {
        None => patient[path] = v,
        Some((group, rest)) => {
            if !patient[group].is_object() {
                patient[group] = json!({});
            }
            patient[group][rest] = v;
        }
    }
}

/// A random patient for `ev`: each input known with probability 1/2.
pub fn patient(ev: &Evaluator, rng: &mut TestRng) -> Value {
    let mut p = json!({});
    for input in &ev.artifact().inputs {
        if rng.random_bool(0.5) {
            set(&mut p, &input.path, value_for(input, rng));
        }
    }
    p
}
