//! The nesting depth of JSON text, found in one pass before parsing, so
//! that deep input is refused in linear time instead of exhausting the
//! stack of a recursive reader.

/// The deepest nesting of `[` and `{` in JSON text (brackets inside
/// strings do not count). Text that is not JSON gets some number; the
/// parser then reports what is wrong with it.
pub fn max_depth(text: &str) -> usize {
    scan(text, true)
}

/// Whether JSON text nests deeper than `limit`: [`max_depth`] `> limit`.
/// Nesting is at most the number of `[` and `{` in the text, which one
/// pass counts many bytes at a time; only text with more of them than
/// `limit` is scanned, as on the NDJSON path few lines have.
pub fn deeper_than(text: &str, limit: usize) -> bool {
    let opening = text.bytes().filter(|&b| b == b'[' || b == b'{').count();
    opening > limit && max_depth(text) > limit
}

/// An upper bound of the nesting of flow collections (`[` and `{`) in
/// YAML text. Brackets are counted wherever they are, in quoted and plain
/// text and in comments too, so the bound is never too low: telling a
/// quote from an apostrophe in plain YAML text takes a parser, and the
/// bound is there to keep deep text away from one.
pub fn max_depth_yaml(text: &str) -> usize {
    scan(text, false)
}

/// The deepest nesting of brackets, skipping JSON strings when `strings`.
fn scan(text: &str, strings: bool) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if strings => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_brackets_outside_strings() {
        assert_eq!(super::max_depth(r#"{"a": [1, {"b": "[[[{"}], "c\"[": []}"#), 3);
        assert_eq!(super::max_depth("3"), 0);
        assert_eq!(super::max_depth(&"[".repeat(100_000)), 100_000);
    }

    /// `deeper_than` is `max_depth(text) > limit`, also where the count of
    /// brackets alone would say more (brackets in strings, closed ones).
    #[test]
    fn deeper_than_is_max_depth_above_the_limit() {
        let texts = [
            r#"{"a": [1, {"b": "[[[{"}], "c\"[": []}"#.to_string(),
            "[[[]]]".to_string(),
            "[][][][][]".to_string(),
            format!("{{\"s\": \"{}\"}}", "{".repeat(10)),
            "[".repeat(6) + &"]".repeat(6),
            "3".to_string(),
        ];
        for t in &texts {
            for limit in 0..8 {
                assert_eq!(super::deeper_than(t, limit), super::max_depth(t) > limit, "{t} {limit}");
            }
        }
    }

    #[test]
    fn yaml_counts_every_bracket() {
        assert_eq!(super::max_depth_yaml("a: [1, {b: '[['}]\n# ]]"), 4);
    }
}
