//! Witness patients as JSON and as `test` blocks in the language.

use guidepath_ir::calendar::parse_date;
use guidepath_ir::Duration;

/// The patient as compact JSON.
pub fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A `test` block with the witness as `given` and the expectations as
/// written; `note` becomes a comment above them.
pub fn test_block(name: &str, patient: &serde_json::Value, note: &str, expects: &[String]) -> String {
    let mut out = format!("test \"{}\" {{\n", name.replace('\\', "\\\\").replace('"', "\\\""));
    out.push_str(&format!("  given {{ {} }}\n", given_text(patient, "")));
    if !note.is_empty() {
        out.push_str(&format!("  // {note}\n"));
    }
    for e in expects {
        out.push_str(&format!("  expect {e}\n"));
    }
    out.push_str("}\n");
    out
}

/// The witness in the language's own `given` syntax.
pub fn given_text(v: &serde_json::Value, prefix: &str) -> String {
    let serde_json::Value::Object(m) = v else { return String::new() };
    let mut parts = Vec::new();
    for (k, v) in m {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            serde_json::Value::Object(_) => parts.push(given_text(v, &key)),
            serde_json::Value::Array(items) => {
                let names: Vec<String> = items.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
                parts.push(format!("{key}: [{}]", names.join(", ")));
            }
            serde_json::Value::String(s) => parts.push(format!("{key}: {}", source_value(s))),
            other => parts.push(format!("{key}: {other}")),
        }
    }
    parts.join(", ")
}

/// A patient string as written in source: dates and enum values bare,
/// ISO durations as `N unit`.
fn source_value(s: &str) -> String {
    if let Some(d) = Duration::parse_iso(s) {
        return match (d.months, d.days, d.minutes) {
            (m, 0, 0) if m % 12 == 0 && m != 0 => format!("{} years", m / 12),
            (m, 0, 0) => format!("{m} months"),
            (0, d, 0) => format!("{d} days"),
            _ => format!("\"{s}\""),
        };
    }
    if parse_date(s).is_some() || (!s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')) {
        return s.to_string();
    }
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
