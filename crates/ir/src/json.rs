//! JSON (and YAML) read into a `serde_json::Value` with every key that an
//! object gives twice found, not dropped.
//!
//! `serde_json::from_str` keeps the last of two equal keys, so
//! `{"age": 45, "age": 10}` reads as a child. Patient data, FHIR resources
//! and artifacts are read here instead: the value as serde_json builds it,
//! and the path of each repeated key, which every reader refuses.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// What a reader says of a key given twice.
pub fn repeated_message(paths: &[String]) -> String {
    let list: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
    format!("{} given more than once; give each key one value", list.join(", "))
}

/// Reads JSON text; the value and the dotted path (`start_back.q1`,
/// `entry[2].resource.id`) of each key given twice in its object.
pub fn from_str(text: &str) -> Result<(Value, Vec<String>), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let read = from_deserializer(&mut de)?;
    de.end()?;
    Ok(read)
}

/// Like [`from_str`], from any self-describing deserializer (YAML's).
pub fn from_deserializer<'de, D: Deserializer<'de>>(de: D) -> Result<(Value, Vec<String>), D::Error> {
    let mut repeated = Vec::new();
    let value = ValueSeed { path: &Path::Root, repeated: &mut repeated }.deserialize(de)?;
    Ok((value, repeated))
}

/// Where a value is, built into text only for a repeated key.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn text(&self) -> String {
        let mut parts = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Path::Root => break,
                Path::Key(parent, k) => {
                    parts.push(format!(".{k}"));
                    cur = parent;
                }
                Path::Index(parent, i) => {
                    parts.push(format!("[{i}]"));
                    cur = parent;
                }
            }
        }
        parts.reverse();
        let joined = parts.concat();
        joined.strip_prefix('.').map_or(joined.clone(), str::to_string)
    }
}

struct ValueSeed<'p, 'r> {
    path: &'p Path<'p>,
    repeated: &'r mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, x: i64) -> Result<Value, E> {
        Ok(Value::from(x))
    }
    fn visit_u64<E>(self, x: u64) -> Result<Value, E> {
        Ok(Value::from(x))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        // As serde_json's own Value: a number that is not finite is null.
        Ok(serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let path = Path::Index(self.path, out.len());
            match seq.next_element_seed(ValueSeed { path: &path, repeated: &mut *self.repeated })? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &key);
            let value = map.next_value_seed(ValueSeed { path: &path, repeated: &mut *self.repeated })?;
            if out.contains_key(&key) {
                self.repeated.push(path.text());
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads_and_finds_each_repeated_key() {
        let text = r#"{"age": 45, "b": [1, 2.5, {"x": null, "x": true}], "age": 10, "s": {"q1": 1, "q1": 1}}"#;
        let (value, repeated) = from_str(text).unwrap();
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(repeated, ["b[2].x", "age", "s.q1"]);
        let clean = r#"{"a": {"b": [true, "é", -3, 1e300, 18446744073709551615]}, "c": null}"#;
        assert_eq!(from_str(clean).unwrap(), (serde_json::from_str::<Value>(clean).unwrap(), Vec::new()));
        assert!(from_str("{\"a\": 1} x").is_err());
        assert!(from_str("[1e400]").is_err(), "out of range, as serde_json says");
        assert!(from_str("{\"a\": }").is_err());
    }
}
