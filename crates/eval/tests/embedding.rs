//! The embedding example of `docs/eval.md`, run: a downstream system loads
//! an artifact once and evaluates patients with `guidepath-eval` alone.

use guidepath_eval::{Evaluator, State};

#[test]
fn embedding() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mini.json");
    let evaluator = Evaluator::from_json(&std::fs::read_to_string(path)?)?; // load once, check the hash
    let patient: serde_json::Value = serde_json::from_str(r#"{"age": 45, "pain_duration": "P90D"}"#)?;
    match evaluator.evaluate_json(&patient) {
        Ok(outcome) => {
            let report = outcome.report(false); // the documented result, typed
            let refer = &report.recommendations[0];
            assert_eq!((refer.id, refer.state), ("refer", State::Undecided));
            assert_eq!(refer.why.fields(), ["pain_duration"]); // 90 days against 3 months
            println!("{}", serde_json::to_string(&report)?); // the JSON result
        }
        Err(errors) => {
            for e in errors {
                eprintln!("{e}"); // each names its field path
            }
        }
    }
    Ok(())
}
