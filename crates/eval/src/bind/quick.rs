//! Patient JSON read straight from its bytes, for the common case: keys and
//! strings without escapes, whole numbers of up to 15 digits, and the four
//! kinds of JSON white space. Anything else (an escape, a fraction or an
//! exponent, a value that does not fit, text that is not JSON) gives up,
//! and the serde reader of `bind.rs` takes the text. So this accepts only
//! what serde_json accepts, and reads it to the values serde_json gives:
//! whole numbers of up to 15 digits are exact as `f64` either way.

use super::{accept, set_bit, At, Bound, PathNode, PathTree, Scalar, Value};
use guidepath_ir::{Artifact, ValueType};

/// Bound values of `text`, or `None` to leave it to the serde reader. Fields
/// the guideline does not read are added to `unknown` in the order they
/// appear, as the serde reader adds them.
pub(super) fn read(
    art: &Artifact,
    tree: &PathTree,
    text: &str,
    mut unknown: Option<&mut Vec<String>>,
) -> Option<Bound> {
    let mut r = Reader { art, text, at: 0 };
    let mut values: Vec<Option<Value>> = vec![None; art.inputs.len()];
    r.space();
    if r.peek()? != b'{' {
        return None;
    }
    r.object(tree, &mut values, None, &mut unknown, crate::MAX_PATIENT_DEPTH)?;
    r.space();
    (r.at == text.len()).then_some(Bound { values })
}

/// Keys an object may have that the guideline does not read before the
/// serde reader takes it.
const MAX_UNKNOWN_KEYS: usize = 16;

struct Reader<'t> {
    art: &'t Artifact,
    text: &'t str,
    /// The next byte to read.
    at: usize,
}

impl<'t> Reader<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// `byte` after white space.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.space();
        (self.next()? == byte).then_some(())
    }

    /// `true`, `false` or `null`, whose first byte has been seen.
    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.text.as_bytes().get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A string with neither escapes nor control characters (serde_json
    /// refuses the latter); its text.
    fn string(&mut self) -> Option<&'t str> {
        if self.next()? != b'"' {
            return None;
        }
        let start = self.at;
        let rest = self.text.as_bytes().get(start..)?;
        let len = stop(rest)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are at ASCII bytes, so on character boundaries.
        self.text.get(start..start + len)
    }

    /// A whole number of up to 15 digits, not `-0` (serde_json reads that
    /// as a float) and without leading zeros (it refuses those).
    fn number(&mut self) -> Option<f64> {
        let negative = self.peek()? == b'-';
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let digits = self.text.as_bytes().get(start..)?.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 15 {
            return None;
        }
        let bytes = self.text.as_bytes();
        if bytes[start] == b'0' && digits > 1 {
            return None;
        }
        self.at = start + digits;
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let magnitude = bytes[start..self.at].iter().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        match (negative, magnitude) {
            (true, 0) => None,
            (true, m) => Some(-(m as f64)),
            (false, m) => Some(m as f64),
        }
    }

    /// The object at the reader, read into `values` by `tree`; `levels` of
    /// `[` and `{` may open here, this one's included.
    fn object(
        &mut self,
        tree: &PathTree,
        values: &mut [Option<Value>],
        parent: Option<&At<'_>>,
        unknown: &mut Option<&mut Vec<String>>,
        levels: usize,
    ) -> Option<()> {
        let inner = levels.checked_sub(1)?;
        self.expect(b'{')?;
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        // Objects read into, by their index in `tree`: one given twice is
        // the serde reader's, as it is the thorough one's (where the last
        // one wins). Kept as bits: an object gives up at an index past them.
        let mut objects = 0u64;
        // Keys of the tree seen in this object, by index, and the first
        // few keys it does not know: a key given twice is the serde
        // reader's to refuse (as are objects with many unknown keys, so
        // that looking back stays cheap).
        let mut seen = 0u64;
        let mut others: Vec<&str> = Vec::new();
        let mut hint = 0;
        loop {
            self.space();
            let key = self.string()?;
            self.expect(b':')?;
            self.space();
            let found = tree.find(key, hint);
            match found {
                Some((k, _)) => {
                    hint = k + 1;
                    let bit = 1u64.checked_shl(u32::try_from(k).ok()?)?;
                    if seen & bit != 0 {
                        return None;
                    }
                    seen |= bit;
                }
                None => {
                    if others.len() >= MAX_UNKNOWN_KEYS || others.contains(&key) {
                        return None;
                    }
                    others.push(key);
                }
            }
            match found {
                Some((_, PathNode::Input(i))) => {
                    let input = self.art.inputs.get(*i as usize)?;
                    let value = self.slot(input, inner)?;
                    *values.get_mut(*i as usize)? = value;
                }
                Some((k, PathNode::Object(t))) => {
                    let bit = 1u64.checked_shl(u32::try_from(k).ok()?)?;
                    if objects & bit != 0 {
                        return None;
                    }
                    objects |= bit;
                    if self.peek()? == b'n' {
                        self.word(b"null")?;
                    } else {
                        self.object(t, values, Some(&At { key, parent }), unknown, inner)?;
                    }
                }
                None => {
                    if let Some(u) = unknown.as_deref_mut() {
                        u.push(At::path(parent, key));
                    }
                    self.skip(inner)?;
                }
            }
            self.space();
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// One input's value: `null` is unknown; what does not fit gives up.
    fn slot(&mut self, input: &guidepath_ir::Input, levels: usize) -> Option<Option<Value>> {
        let scalar = match self.peek()? {
            b'n' => return self.word(b"null").map(|()| None),
            b't' => self.word(b"true").map(|()| Scalar::Bool(true))?,
            b'f' => self.word(b"false").map(|()| Scalar::Bool(false))?,
            b'"' => Scalar::Str(self.string()?),
            b'-' | b'0'..=b'9' => Scalar::Num(self.number()?),
            b'[' => {
                levels.checked_sub(1)?;
                let ValueType::Set { values } = &input.ty else { return None };
                self.at += 1;
                let mut mask = 0u64;
                self.space();
                if self.peek()? == b']' {
                    self.at += 1;
                } else {
                    loop {
                        self.space();
                        mask |= set_bit(values, self.string()?)?;
                        self.space();
                        match self.next()? {
                            b',' => {}
                            b']' => break,
                            _ => return None,
                        }
                    }
                }
                return Some(Some(Value::Set(mask)));
            }
            _ => return None,
        };
        accept(input, scalar).map(Some)
    }

    /// Any value, read and dropped, within `levels` of nesting.
    fn skip(&mut self, levels: usize) -> Option<()> {
        match self.peek()? {
            b'n' => self.word(b"null"),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            open @ (b'[' | b'{') => {
                let inner = levels.checked_sub(1)?;
                let close = if open == b'[' { b']' } else { b'}' };
                self.at += 1;
                self.space();
                if self.peek()? == close {
                    self.at += 1;
                    return Some(());
                }
                // A key given twice in an object no field reads is still
                // the data's error: the serde reader's to refuse (as are
                // objects with many keys, so that looking back stays cheap).
                let mut keys: Vec<&str> = Vec::new();
                loop {
                    self.space();
                    if open == b'{' {
                        let key = self.string()?;
                        if keys.len() >= MAX_UNKNOWN_KEYS || keys.contains(&key) {
                            return None;
                        }
                        keys.push(key);
                        self.expect(b':')?;
                        self.space();
                    }
                    self.skip(inner)?;
                    self.space();
                    match self.next()? {
                        b',' => {}
                        b if b == close => return Some(()),
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }
}

/// Where a string's plain run ends: the first `"`, `\\` or control
/// character, found eight bytes at a time. In each word, a byte's high bit
/// is set where it matches; a match can set bits above it (a borrow), never
/// below, so the lowest bit set is the first match.
fn stop(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let is_stop = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let zero = |v: u64| v.wrapping_sub(ONES) & !v;
        let found = (zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w))
            & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| is_stop(b)).map(|p| at + p)
}

#[cfg(test)]
mod tests {
    /// The word scan finds what a byte-by-byte scan finds: every length up
    /// to three words, each kind of byte at each place, with a second stop
    /// after it and bytes that borrow around it.
    #[test]
    fn stop_is_the_first_stop_byte() {
        let odd = [0x00u8, 0x01, 0x1f, 0x20, 0x21, b'"', b'#', b'\\', b'[', b']', 0x7f, 0x80, 0xa0, 0xff];
        let naive = |b: &[u8]| b.iter().position(|&x| x == b'"' || x == b'\\' || x < 0x20);
        for len in 0..24 {
            for at in 0..len.max(1) {
                for &x in &odd {
                    for &y in &odd {
                        let mut bytes = vec![b'a'; len];
                        if len > 0 {
                            bytes[at] = x;
                            bytes[(at + 3) % len] = y;
                        }
                        assert_eq!(super::stop(&bytes), naive(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }

    use super::super::{bind_str_serde, PathTree};
    use guidepath_ir::Artifact;

    /// The minimal artifact with fields of every type, two in an object.
    fn artifact() -> Artifact {
        let mut art: Artifact =
            serde_json::from_str(include_str!("../../tests/data/mini.json")).expect("the test artifact");
        let more = serde_json::json!([
            {"path": "q.a", "type": "boolean"},
            {"path": "q.b", "type": "enum", "values": ["low", "high"]},
            {"path": "sites", "type": "set", "values": ["neck", "back"]},
            {"path": "seen", "type": "date"},
            {"path": "note", "type": "text"},
            {"path": "weight", "type": "decimal", "range": [-500.0, 500.0]},
        ]);
        art.inputs.extend(serde_json::from_value::<Vec<guidepath_ir::Input>>(more).expect("inputs"));
        art
    }

    fn tree(art: &Artifact) -> PathTree {
        let paths: Vec<Vec<String>> =
            art.inputs.iter().map(|i| i.path.split('.').map(str::to_string).collect()).collect();
        PathTree::new(&paths)
    }

    /// What this reader takes, it reads as the serde reader does, unknown
    /// fields included; and it takes the common case, so it is the one
    /// that runs.
    #[test]
    fn reads_the_common_case_as_serde_does() {
        let art = artifact();
        let tree = tree(&art);
        let taken = [
            r#"{"age": 45, "pain_duration": "P4M"}"#,
            "{}",
            " \t\r\n{ \"age\" :\t0 , \"x\" : [ ] , \"y\" : { } }\n ",
            r#"{"age": 130, "q": {"a": true, "b": "high", "z": null}, "sites": ["back", "neck", "back"]}"#,
            r#"{"q": null, "sites": [], "seen": "2024-02-29", "note": "å ä ö", "weight": -71}"#,
            r#"{"x": {"y": [1, -2, "s", true, false, null, {"z": []}]}, "age": 3}"#,
            r#"{"x": 123456789012345, "y": -999999999999999, "weight": 500}"#,
        ];
        let given_up = [
            r#"{"weight": 71.5}"#,
            r#"{"weight": 1e2}"#,
            r#"{"weight": -0}"#,
            r#"{"weight": 0123}"#,
            r#"{"x": 1234567890123456}"#,
            r#"{"note": "a\"b"}"#,
            r#"{"n\u0061te": "x"}"#,
            "{\"note\": \"tab\there\"}",
            r#"{"age": 45,}"#,
            r#"{"sites": ["neck",]}"#,
            r#"{"age": 45} {}"#,
            r#"{"age": 200}"#,
            r#"{"age": "45"}"#,
            r#"{"q": {"a": true}, "q": {"b": "low"}}"#,
            // A key given twice, read or not: refused by the tree reader.
            r#"{"age": null, "age": 3}"#,
            r#"{"x": 1, "x": 2}"#,
            r#"{"weight": 500, "weight": -123}"#,
            r#"{"q": null, "q": {"b": "low"}}"#,
            // ... also inside an object no field reads (found by the
            // `patient` fuzz target: the fast reader took it, the tree
            // reader refused it).
            r#"{"x": {"q1": true, "q1": "very_much"}, "age": 40}"#,
            r#"{"x": [{"a": 1, "b": 2, "a": 3}]}"#,
            r#"{"q": 3}"#,
            r#"{"sites": ["hip"]}"#,
            r#"{"seen": "2023-02-29"}"#,
            r#"[]"#,
            "null",
            "",
            r#"{"age": tru}"#,
            r#"{"age": nul"#,
        ];
        for text in taken {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let quick = super::read(&art, &tree, text, Some(&mut a));
            assert!(quick.is_some(), "taken: {text}");
            assert_eq!(quick, bind_str_serde(&art, &tree, text, Some(&mut b)), "{text}");
            assert_eq!(a, b, "unknown fields of {text}");
        }
        for text in given_up {
            assert_eq!(super::read(&art, &tree, text, None), None, "given up: {text}");
        }
    }

    /// Nesting is counted as the serde reader counts it: 64 levels are
    /// read, 65 given up, in an unknown field and in a set.
    #[test]
    fn reads_64_levels_and_gives_up_at_65() {
        let art = artifact();
        let tree = tree(&art);
        for (levels, taken) in [(64, true), (65, false)] {
            let nest = format!("{}{}", "[".repeat(levels - 1), "]".repeat(levels - 1));
            let text = format!("{{\"x\": {nest}}}");
            assert_eq!(super::read(&art, &tree, &text, None).is_some(), taken, "{levels}");
            let nest = format!("{}{}", "{\"a\":".repeat(levels - 2), "[]".to_string() + &"}".repeat(levels - 2));
            let text = format!("{{\"x\": {nest}}}");
            assert_eq!(super::read(&art, &tree, &text, None).is_some(), taken, "{levels}: {text}");
        }
    }
}
