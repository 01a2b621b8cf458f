//! Any bytes as patient data, against the shipped guidelines: the text
//! binder (`eval --ndjson` and `eval` of a JSON file) and the tree binder
//! (what `bind` of a parsed value gives) accept and refuse the same data,
//! with the same values; the first 8 bytes pick the guideline, and YAML is
//! read too. Every result serialises, the flat program's results and
//! explanations are the tree walk's, and the NDJSON writer (`Writer`)
//! writes the bytes serde writes of the report.

#![no_main]

use guidepath_eval::{Evaluator, InputError, ReportOptions, Writer};
use libfuzzer_sys::fuzz_target;

#[path = "shipped.rs"]
mod shipped;
use std::sync::OnceLock;

fn evaluators() -> &'static Vec<Evaluator> {
    static E: OnceLock<Vec<Evaluator>> = OnceLock::new();
    E.get_or_init(|| {
        shipped::load(&[
            "guidelines/se/skane_mms.guide",
            "guidelines/dk/early_stratified_care.guide",
            "guidelines/instruments/orebro_sf.guide",
        ])
    })
}

/// The report options the writer is held to serde with.
fn options() -> [ReportOptions; 2] {
    [ReportOptions::default(), ReportOptions { explain: true, texts: true, lang: Some("en".into()) }]
}

/// Each evaluator's writers, one for each of `options()`.
fn writers() -> &'static Vec<Vec<Writer<'static>>> {
    static W: OnceLock<Vec<Vec<Writer<'static>>>> = OnceLock::new();
    W.get_or_init(|| evaluators().iter().map(|ev| options().iter().map(|o| Writer::new(ev, o)).collect()).collect())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let which = pick as usize % evaluators().len();
    let ev = &evaluators()[which];
    let fast = ev.bind_str(text);
    // The reference: a JSON tree (a key given twice is an error of the
    // data), then the binder over it.
    let tree =
        guidepath_ir::json::from_str(text).map_err(|e| InputError::Json(e.to_string())).and_then(|(v, repeated)| {
            if repeated.is_empty() {
                ev.bind(&v).map_err(InputError::Data)
            } else {
                Err(InputError::Data(repeated.into_iter().map(guidepath_eval::BindError::repeated).collect()))
            }
        });
    assert_eq!(fast, tree, "the two binders disagree");
    if let Ok(bound) = &fast {
        let ran = serde_json::to_string(&ev.evaluate(bound).report(true)).expect("a result serialises");
        let walked = serde_json::to_string(&ev.evaluate_by_walking(bound).report(true)).expect("a result serialises");
        assert_eq!(ran, walked, "the flat program and the tree walk disagree");
        let outcome = ev.evaluate(bound);
        for (options, writer) in options().iter().zip(&writers()[which]) {
            let by_serde = serde_json::to_vec(&outcome.report_with(options)).expect("a result serialises");
            let mut written = Vec::new();
            writer.write(&outcome, &mut written);
            assert!(written == by_serde, "the NDJSON writer and serde disagree");
        }
    }
    // The CLI's reader, both formats: an answer or an error, never a panic.
    for syntax in [guidepath_cli::patient::Syntax::Json, guidepath_cli::patient::Syntax::Yaml] {
        if let Ok(read) = guidepath_cli::patient::read(ev, text, syntax, false, None) {
            let _ = serde_json::to_string(&ev.evaluate(&read.bound).report(false)).expect("a result serialises");
        }
    }
});
