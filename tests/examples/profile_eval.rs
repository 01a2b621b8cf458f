//! Evaluates many patients in a loop, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_eval [skane|start_back]`.

use guidepath_tests::{evaluator, root};
use serde_json::json;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "skane".into());
    let (file, patients): (&str, Vec<serde_json::Value>) = if which == "start_back" {
        let ps = (0..1000)
            .map(|i| {
                let mut items = serde_json::Map::new();
                for q in 1..=8 {
                    if (i + q) % 9 != 0 {
                        items.insert(format!("q{q}"), json!((i >> q) & 1 == 1));
                    }
                }
                let q9 = ["not_at_all", "slightly", "moderately", "very_much", "extremely"][i % 5];
                items.insert("q9".into(), json!(q9));
                json!({ "start_back": items })
            })
            .collect();
        ("guidelines/instruments/start_back.guide", ps)
    } else {
        let ps = (0..1000)
            .map(|i| {
                let site = ["neck", "low_back", "other", "shoulders"][i % 4];
                json!({
                    "age": 14 + (i % 60), "pain_duration": format!("P{}M", 1 + i % 14), "pain_sites": [site],
                    "referral_date": "2024-01-31", "very_pronounced_symptoms": i % 7 == 0,
                    "very_long_sick_leave": false, "previous_treatment_failed": i % 11 == 0, "linton_score": i % 101
                })
            })
            .collect();
        ("guidelines/se/skane_mms.guide", ps)
    };
    let ev = evaluator(&root().join(file));
    let bound: Vec<_> = patients.iter().map(|p| ev.bind(p).expect("valid")).collect();
    let mut decided = 0usize;
    for _ in 0..20 {
        for p in &bound {
            let o = ev.evaluate(p);
            decided += usize::from(o.recommendation("mms_referral").flatten().is_some());
        }
    }
    println!("{decided}");
}
