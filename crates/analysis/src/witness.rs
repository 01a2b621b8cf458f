//! Witness patients as JSON and as `test` blocks in the language.

use guidepath_ir::calendar::parse_date;
use guidepath_ir::{Artifact, Duration, ValueType};

/// The patient as compact JSON.
pub fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The patient in the language's own notation, as a `given` block writes
/// it (`{ age: 16, pain_duration: 3 months, referral_date: 2024-01-31 }`):
/// what human output shows; JSON output keeps ISO.
pub fn notation(art: &Artifact, patient: &serde_json::Value) -> String {
    let mut out = String::from("{ ");
    given(&mut out, art, patient, &mut String::new());
    out.push_str(" }");
    out
}

/// A `test` block with the witness as `given` and the expectations as
/// written; `note` becomes a comment above them. Written into one string:
/// the analysis writes one for most findings. `art` says which fields are
/// texts, whose values are always quoted.
pub fn test_block(art: &Artifact, name: &str, patient: &serde_json::Value, note: &str, expects: &[String]) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("test ");
    quoted(&mut out, name);
    out.push_str(" {\n  given { ");
    given(&mut out, art, patient, &mut String::new());
    out.push_str(" }\n");
    if !note.is_empty() {
        out.push_str("  // ");
        out.push_str(note);
        out.push('\n');
    }
    for e in expects {
        out.push_str("  expect ");
        out.push_str(e);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

/// The members of an object as `given` writes them, appended to `out`;
/// `key` holds the path of the object, and is as it was on return.
fn given(out: &mut String, art: &Artifact, v: &serde_json::Value, key: &mut String) {
    use std::fmt::Write;
    let serde_json::Value::Object(m) = v else { return };
    let at = key.len();
    for (k, (name, v)) in m.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        if at > 0 {
            key.push('.');
        }
        key.push_str(name);
        match v {
            serde_json::Value::Object(_) => given(out, art, v, key),
            serde_json::Value::Array(items) => {
                out.push_str(key);
                out.push_str(": [");
                for (i, name) in items.iter().filter_map(|x| x.as_str()).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                }
                out.push(']');
            }
            serde_json::Value::String(s) => {
                out.push_str(key);
                out.push_str(": ");
                // A text as written bare could read as a name, a date or a
                // duration, which a text field does not take.
                if art.inputs.iter().any(|i| i.path == *key && i.ty == ValueType::Text) {
                    quoted(out, s);
                } else {
                    source_value(out, s);
                }
            }
            other => {
                // Writing to a String cannot fail.
                let _ = write!(out, "{key}: {other}");
            }
        }
        key.truncate(at);
    }
}

/// `s` in double quotes, with `\\` and `"` escaped.
fn quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// A patient string as written in source: dates and enum values bare,
/// ISO durations as `N unit`.
fn source_value(out: &mut String, s: &str) {
    use std::fmt::Write;
    if let Some(d) = Duration::parse_iso(s) {
        // Writing to a String cannot fail.
        let _ = match (d.months, d.days, d.minutes) {
            (m, 0, 0) if m % 12 == 0 && m != 0 => write!(out, "{} years", m / 12),
            (m, 0, 0) => write!(out, "{m} months"),
            (0, d, 0) => write!(out, "{d} days"),
            _ => {
                quoted(out, s);
                Ok(())
            }
        };
        return;
    }
    if parse_date(s).is_some() || (!s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')) {
        out.push_str(s);
        return;
    }
    quoted(out, s);
}
