//! Any bytes as an artifact, JSON or YAML: refused, or loaded, validated and
//! evaluated for a few patients without a panic; a loaded artifact writes
//! back to text that loads to the same artifact, and compiles to SQL for
//! each dialect or is refused with an error.

#![no_main]

use guidepath_ir::Artifact;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for art in [Artifact::from_json(text), Artifact::from_yaml(text)].into_iter().flatten() {
        assert_eq!(Artifact::from_json(&art.to_json()).as_ref(), Ok(&art), "JSON round trip");
        if let Ok(yaml) = art.to_yaml() {
            assert_eq!(Artifact::from_yaml(&yaml).as_ref(), Ok(&art), "YAML round trip");
        }
        for dialect in guidepath_sql::Dialect::ALL {
            let options = guidepath_sql::Options::default();
            let _ = guidepath_sql::compile(&art, dialect, &options);
            let _ = guidepath_sql::schema(&art, dialect, &options);
        }
        let Ok(ev) = guidepath_eval::Evaluator::new(art) else { continue };
        let mut patients = vec![serde_json::json!({})];
        // Every input given a value of its type.
        let mut full = serde_json::Map::new();
        for input in &ev.artifact().inputs {
            let v = match &input.ty {
                guidepath_ir::ValueType::Boolean => serde_json::json!(true),
                guidepath_ir::ValueType::Integer | guidepath_ir::ValueType::Decimal => {
                    serde_json::json!(input.range.map_or(1.0, |(lo, _)| lo))
                }
                guidepath_ir::ValueType::Date => serde_json::json!("2024-01-31"),
                guidepath_ir::ValueType::Duration => serde_json::json!("P3M"),
                guidepath_ir::ValueType::Text => serde_json::json!("x"),
                guidepath_ir::ValueType::Enum { values } => serde_json::json!(values.first()),
                guidepath_ir::ValueType::Set { values } => serde_json::json!(values),
            };
            full.insert(input.path.clone(), v);
        }
        patients.push(serde_json::Value::Object(full));
        for p in &patients {
            if let Ok(o) = ev.evaluate_json(p) {
                let _ = serde_json::to_string(&o.report(true)).expect("a result serialises");
            }
        }
    }
});
