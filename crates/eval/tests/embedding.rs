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

/// The streaming example of `docs/eval.md`: many patients, each result
/// written as one JSON line, with no list allocated anew for each.
#[test]
fn streaming() -> Result<(), Box<dyn std::error::Error>> {
    use guidepath_eval::{Lists, ReportOptions, Writer};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mini.json");
    let evaluator = Evaluator::from_json(&std::fs::read_to_string(path)?)?;
    let lines = [r#"{"age": 45, "pain_duration": "P6M"}"#, r#"{"age": 30}"#];
    let writer = Writer::new(&evaluator, &ReportOptions::default()); // once: what every result repeats
    let (mut lists, mut out) = (Lists::default(), Vec::new());
    for line in lines {
        let bound = evaluator.bind_str(line)?;
        let outcome = evaluator.evaluate_in(&bound, lists); // in the lists of the outcome before
        writer.write(&outcome, &mut out); // the result's JSON, as serde writes the report
        out.push(b'\n');
        lists = outcome.into_lists();
    }
    let results: Vec<serde_json::Value> =
        out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(serde_json::from_slice).collect::<Result<_, _>>()?;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["recommendations"][0]["applies"], true);
    assert_eq!(results[1]["recommendations"][0]["needs"], serde_json::json!(["pain_duration"]));
    // What a line that cannot be read says, as an error of its own.
    let not_json: Box<dyn std::error::Error> = evaluator.bind_str("{").unwrap_err().into();
    assert!(not_json.to_string().starts_with("not JSON: "), "{not_json}");
    let bad = evaluator.bind_str(r#"{"age": "old", "pain_duration": 3}"#).unwrap_err().to_string();
    assert!(bad.starts_with("invalid patient data: `age`: ") && bad.contains("; `pain_duration`: "), "{bad}");
    Ok(())
}
