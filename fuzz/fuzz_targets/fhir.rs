//! Any bytes as FHIR data, read for the shipped guidelines that bind FHIR
//! (the first byte picks Skåne or the Danish stratified care): reading
//! never panics; what it reads is patient data of the guideline's own
//! fields that the evaluator binds or refuses by field; every result it
//! leads to serialises as FHIR and as cards; and reading is deterministic.

#![no_main]

use guidepath_eval::{Evaluator, ReportOptions};
use guidepath_fhir::Resources;
use libfuzzer_sys::fuzz_target;

#[path = "shipped.rs"]
mod shipped;
use std::sync::OnceLock;

fn evaluators() -> &'static Vec<Evaluator> {
    static E: OnceLock<Vec<Evaluator>> = OnceLock::new();
    E.get_or_init(|| shipped::load(&["guidelines/se/skane_mms.guide", "guidelines/dk/early_stratified_care.guide"]))
}

/// Every dotted path of leaves in patient data.
fn paths(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match v.as_object() {
        Some(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                paths(x, &p, out);
            }
        }
        None => out.push(prefix.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if guidepath_ir::depth::max_depth(text) > 128 {
        return;
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    let ev = &evaluators()[pick as usize % evaluators().len()];
    let art = ev.artifact();
    let mut res = Resources::default();
    if res.add(&value, "").is_err() {
        return;
    }
    let at = guidepath_ir::calendar::days_from_civil(2026, 12, 1);
    let reading = guidepath_fhir::read(art, &res, at);
    assert_eq!(reading, guidepath_fhir::read(art, &res, at), "reading is deterministic");
    let Ok(reading) = reading else { return };
    let mut read = Vec::new();
    paths(&reading.patient, "", &mut read);
    for p in &read {
        assert!(art.inputs.iter().any(|i| &i.path == p), "`{p}` is not a field of the guideline");
        assert!(reading.sources.contains_key(p), "`{p}` has no source");
    }
    match ev.bind(&reading.patient) {
        Err(errors) => assert!(errors.iter().all(|e| read.contains(&e.path)), "{errors:?}"),
        Ok(bound) => {
            let out = ev.evaluate(&bound);
            let report = out.report_with(&ReportOptions { explain: true, lang: None, texts: true });
            let result = serde_json::to_value(&report).expect("a result serialises");
            let cx = guidepath_fhir::results::Context { at, reading: Some(&reading) };
            let bundle = guidepath_fhir::results::bundle(art, &result, cx);
            assert_eq!(bundle["resourceType"], "Bundle");
            let cards = guidepath_fhir::cards(art, &result, Some(&reading), None);
            for c in cards["cards"].as_array().expect("cards") {
                assert!(c["summary"].as_str().expect("a summary").chars().count() <= 140);
            }
            // The result for people, in every language, from any result.
            for lang in guidepath_words::Lang::ALL {
                let _ = guidepath_eval::human::human(art, &result, lang);
            }
            let _ = guidepath_fhir::results::annotation(art, report.needs(), &reading);
        }
    }
});
