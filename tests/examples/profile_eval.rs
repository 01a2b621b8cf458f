//! Evaluates many Skåne patients in a loop, for profilers
//! (`valgrind --tool=callgrind target/release/examples/profile_eval`).

use guidepath_tests::{evaluator, root};
use serde_json::json;

fn main() {
    let ev = evaluator(&root().join("guidelines/se/skane_mms.guide"));
    let patients: Vec<_> = (0..1000)
        .map(|i| {
            let site = ["neck", "low_back", "other", "shoulders"][i % 4];
            json!({
                "age": 14 + (i % 60), "pain_duration": format!("P{}M", 1 + i % 14), "pain_sites": [site],
                "referral_date": "2024-01-31", "very_pronounced_symptoms": i % 7 == 0,
                "very_long_sick_leave": false, "previous_treatment_failed": i % 11 == 0, "linton_score": i % 101
            })
        })
        .map(|p| ev.bind(&p).expect("valid"))
        .collect();
    let mut applies = 0usize;
    for _ in 0..200 {
        for p in &patients {
            let o = ev.evaluate(p);
            applies += usize::from(o.recommendation("mms_referral") == Some(Some(true)));
        }
    }
    println!("{applies}");
}
