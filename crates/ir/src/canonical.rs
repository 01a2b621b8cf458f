//! Canonical JSON, for hashing an artifact as it is stored.
//!
//! The form is RFC 8785 (JSON Canonicalization Scheme): no whitespace,
//! object members sorted by the UTF-16 code units of their names, strings
//! with the shortest escapes, and numbers as ECMAScript writes them (`3.0`
//! is `3`, `1e21` is `1e+21`). One deliberate difference: an integer that
//! the text gives without a fraction or exponent is written exactly, even
//! past 2^53, where RFC 8785 would round it through a double. So two
//! artifacts that differ in a large integer never share a hash.

use serde_json::Value;

/// The canonical text of a JSON value.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    // Values nest as deep as the text they came from, which the readers
    // bound (`artifact::MAX_JSON_DEPTH`); an explicit stack keeps even that
    // off the call stack.
    enum Step<'a> {
        Value(&'a Value),
        Text(&'static str),
        Key(&'a str),
    }
    let mut todo: Vec<Step<'_>> = vec![Step::Value(v)];
    while let Some(step) = todo.pop() {
        match step {
            Step::Text(t) => out.push_str(t),
            Step::Key(k) => {
                string(k, out);
                out.push(':');
            }
            Step::Value(Value::Null) => out.push_str("null"),
            Step::Value(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Step::Value(Value::Number(n)) => {
                if let Some(u) = n.as_u64() {
                    out.push_str(&u.to_string());
                } else if let Some(i) = n.as_i64() {
                    out.push_str(&i.to_string());
                } else {
                    out.push_str(&number(n.as_f64().unwrap_or(0.0)));
                }
            }
            Step::Value(Value::String(s)) => string(s, out),
            Step::Value(Value::Array(items)) => {
                out.push('[');
                todo.push(Step::Text("]"));
                for (k, item) in items.iter().enumerate().rev() {
                    todo.push(Step::Value(item));
                    if k > 0 {
                        todo.push(Step::Text(","));
                    }
                }
            }
            Step::Value(Value::Object(map)) => {
                out.push('{');
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                todo.push(Step::Text("}"));
                for (k, (name, value)) in members.into_iter().enumerate().rev() {
                    todo.push(Step::Value(value));
                    todo.push(Step::Key(name));
                    if k > 0 {
                        todo.push(Step::Text(","));
                    }
                }
            }
        }
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A finite double as ECMAScript's `Number.prototype.toString` writes it
/// (RFC 8785, section 3.2.2.3). JSON has no NaN or infinity.
pub fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    if x < 0.0 {
        return format!("-{}", number(-x));
    }
    // Rust writes the shortest digits that read back as the same double,
    // as ECMAScript requires: `d.ddde±x`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1; // x = 0.digits × 10^n
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{sign}{}", e.abs())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_written_as_ecmascript_writes_them() {
        // The examples of RFC 8785, appendix B, and a few of our own.
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (3.0, "3"),
            (130.0, "130"),
            (0.5, "0.5"),
            (-1.5, "-1.5"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (4.5e-7, "4.5e-7"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740992.0, "9007199254740992"),
            (295147905179352830000.0, "295147905179352830000"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (x, want) in cases {
            assert_eq!(number(*x), *want, "{x:e}");
        }
    }

    #[test]
    fn members_sort_and_strings_escape_minimally() {
        let v = json!({ "b": [1, 2.0, "x\u{1}\"é\n"], "a": { "€": null, "a": true }, "\u{10000}": 0, "\u{ffff}": 1 });
        // U+10000 is the surrogate pair D800 DC00 in UTF-16, which sorts
        // before U+FFFF; UTF-8 order would put it after.
        assert_eq!(
            to_string(&v),
            "{\"a\":{\"a\":true,\"€\":null},\"b\":[1,2,\"x\\u0001\\\"é\\n\"],\"\u{10000}\":0,\"\u{ffff}\":1}"
        );
    }

    #[test]
    fn large_integers_stay_exact() {
        let a: Value = serde_json::from_str("18446744073709551615").unwrap();
        let b: Value = serde_json::from_str("18446744073709551614").unwrap();
        assert_ne!(to_string(&a), to_string(&b));
        assert_eq!(to_string(&serde_json::from_str::<Value>("-9007199254740993").unwrap()), "-9007199254740993");
    }
}
