//! The JSON Schema of the patient data an artifact reads, and the schema of
//! the result.
//!
//! The patient schema accepts what [`crate::Evaluator::bind`] accepts:
//! every field may be absent or `null` (unknown); a present value must have
//! the field's type, lie in its range and be one of its values. One thing
//! it cannot say: that a date exists in the calendar (`2024-02-30` matches
//! its pattern and is refused by the evaluator).
//! Strict, it also refuses fields the guideline does not read and requires
//! the `required` ones, as `guidepath eval --strict` does.

use guidepath_ir::{Artifact, Input, ValueType};
use serde_json::{json, Map, Value};

/// The JSON Schema (draft 2020-12) of the result of every guideline,
/// `docs/schema/result.schema.json`.
pub const RESULT_SCHEMA_JSON: &str = include_str!("../../../docs/schema/result.schema.json");

/// The JSON Schema (draft 2020-12) of the patient data `art` reads.
pub fn patient_schema(art: &Artifact, strict: bool) -> Value {
    let lang = art.guideline.language.as_deref();
    // Inputs by path into nested objects: `start_back.q1` is
    // `{"start_back": {"q1": …}}`.
    let mut root = Map::new();
    let mut required_root: Vec<String> = Vec::new();
    let mut groups: Vec<(String, Map<String, Value>, Vec<String>)> = Vec::new();
    for input in &art.inputs {
        let field = field_schema(input, lang, strict && input.required);
        match input.path.split_once('.') {
            None => {
                root.insert(input.path.clone(), field);
                if input.required {
                    required_root.push(input.path.clone());
                }
            }
            Some((group, rest)) => {
                let k = match groups.iter().position(|(g, _, _)| g == group) {
                    Some(k) => k,
                    None => {
                        groups.push((group.to_string(), Map::new(), Vec::new()));
                        groups.len() - 1
                    }
                };
                // Deeper paths nest further; the compiler makes at most one
                // level (an instrument's items), so a deeper one is kept whole.
                groups[k].1.insert(rest.to_string(), field);
                if input.required {
                    groups[k].2.push(rest.to_string());
                }
            }
        }
    }
    for (group, props, required) in groups {
        let mut obj = json!({ "type": ["object", "null"], "properties": props });
        if strict {
            obj["additionalProperties"] = json!(false);
            if !required.is_empty() {
                obj["required"] = json!(required);
            }
        }
        root.insert(group, obj);
    }
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:guidepath:patient:{}:{}", art.guideline.id, art.content_hash),
        "title": format!(
            "Patient data for {}{}",
            art.guideline.id,
            art.guideline.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default()
        ),
        "description": "Every field may be absent or null: the value is then unknown.",
        "type": "object",
        "properties": root,
    });
    if strict {
        schema["additionalProperties"] = json!(false);
        if !required_root.is_empty() {
            schema["required"] = json!(required_root);
        }
    }
    schema
}

/// A field's schema; `present` when it must be given and not `null`.
fn field_schema(input: &Input, lang: Option<&str>, present: bool) -> Value {
    let mut s = match &input.ty {
        ValueType::Boolean => json!({ "type": ["boolean", "null"] }),
        ValueType::Integer => json!({ "type": ["integer", "null"] }),
        ValueType::Decimal => json!({ "type": ["number", "null"] }),
        ValueType::Date => json!({
            "type": ["string", "null"],
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        }),
        ValueType::Duration => json!({ "type": ["string", "null"], "pattern": guidepath_ir::duration::ISO_PATTERN }),
        ValueType::Text => json!({ "type": ["string", "null"] }),
        ValueType::Enum { values } => {
            let mut all: Vec<Value> = values.iter().map(|v| json!(v)).collect();
            all.push(Value::Null);
            json!({ "enum": all })
        }
        ValueType::Set { values } => json!({ "type": ["array", "null"], "items": { "enum": values } }),
    };
    if present {
        if let Some(Value::Array(types)) = s.get_mut("type") {
            types.retain(|t| t != "null");
        }
        if let Some(Value::Array(values)) = s.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
    }
    if let Some((lo, hi)) = input.range {
        s["minimum"] = crate::num(lo);
        s["maximum"] = crate::num(hi);
    }
    let mut description = input.description.get(lang, lang).unwrap_or("").to_string();
    if let Some(u) = input.unit {
        let unit = format!("in {}", u.name());
        description = if description.is_empty() { unit } else { format!("{description} ({unit})") };
    }
    if !description.is_empty() {
        s["description"] = json!(description);
    }
    s
}
