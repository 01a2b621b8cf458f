//! The result written as compact JSON without serde: the same bytes as
//! `serde_json::to_writer(&report)`, for the NDJSON path, where a result
//! line is written millions of times. Most of a line is ids, titles and
//! field paths that need no escaping; a string is checked for characters
//! to escape in one pass (which the compiler vectorises) and copied whole
//! when it has none, instead of being escaped byte by byte.
//!
//! `tests/report_json.rs` holds this to serde's output on random patients
//! of every shipped guideline, with and without texts and explanations.

use crate::report::{
    Cause, Deadline, Pathway, Reason, Recommendation, Report, Score, State, Step, Stratification, Why,
};
use guidepath_ir::Direction;

/// A member's key, after a comma unless it is the object's `first`: one
/// constant copied, made at compile time. Keys are fixed ASCII names that
/// need no escaping.
macro_rules! key {
    ($out:expr, $name:literal, first) => {
        $out.extend_from_slice(concat!("\"", $name, "\":").as_bytes())
    };
    ($out:expr, $name:literal) => {
        $out.extend_from_slice(concat!(",\"", $name, "\":").as_bytes())
    };
}

impl Report<'_> {
    /// The result as compact JSON, appended to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        self.write_json_members(out);
        out.push(b'}');
    }

    /// The members of the result's JSON object without its braces, for a
    /// caller that puts members of its own before them (the NDJSON record's
    /// `line` and `id`).
    pub fn write_json_members(&self, out: &mut Vec<u8>) {
        key!(out, "schema", first);
        string(out, self.schema);
        key!(out, "guideline");
        let g = &self.guideline;
        out.push(b'{');
        key!(out, "id", first);
        string(out, g.id);
        key!(out, "version");
        opt_string(out, g.version);
        key!(out, "title");
        opt_string(out, g.title);
        key!(out, "language");
        opt_string(out, g.language.as_deref());
        key!(out, "content_hash");
        string(out, g.content_hash);
        out.push(b'}');
        key!(out, "strata");
        list(out, &self.strata, stratification);
        key!(out, "scores");
        list(out, &self.scores, score);
        key!(out, "recommendations");
        list(out, &self.recommendations, recommendation);
        key!(out, "pathways");
        list(out, &self.pathways, pathway);
        if let Some(e) = &self.explanation {
            key!(out, "explanation");
            value(out, e);
        }
    }
}

fn stratification(out: &mut Vec<u8>, s: &Stratification<'_>) {
    open_item(out, s.id, s.title);
    key!(out, "state");
    state(out, s.state);
    key!(out, "stratum");
    opt_string(out, s.stratum);
    if let Some(t) = s.stratum_title {
        key!(out, "stratum_title");
        string(out, t);
    }
    why(out, &s.why);
    out.push(b'}');
}

fn score(out: &mut Vec<u8>, s: &Score<'_>) {
    open_item(out, s.id, s.title);
    key!(out, "state");
    state(out, s.state);
    key!(out, "value");
    value(out, &s.value);
    key!(out, "min");
    value(out, &s.min);
    key!(out, "max");
    value(out, &s.max);
    why(out, &s.why);
    out.push(b'}');
}

fn recommendation(out: &mut Vec<u8>, r: &Recommendation<'_>) {
    open_item(out, r.id, r.title);
    key!(out, "direction");
    out.extend_from_slice(match r.direction {
        Direction::For => b"\"for\"",
        Direction::Against => b"\"against\"",
    });
    key!(out, "action");
    string(out, r.action);
    key!(out, "strength");
    opt_string(out, r.strength);
    key!(out, "certainty");
    opt_string(out, r.certainty);
    key!(out, "level");
    opt_string(out, r.level);
    state_applies(out, r.state, r.applies);
    why(out, &r.why);
    if let Some(t) = r.rationale {
        key!(out, "rationale");
        string(out, t);
    }
    out.push(b'}');
}

fn pathway(out: &mut Vec<u8>, p: &Pathway<'_>) {
    open_item(out, p.id, p.title);
    state_applies(out, p.state, p.applies);
    why(out, &p.why);
    key!(out, "steps");
    list(out, &p.steps, step);
    out.push(b'}');
}

fn step(out: &mut Vec<u8>, s: &Step<'_>) {
    open_item(out, s.id, s.title);
    state_applies(out, s.state, s.applies);
    why(out, &s.why);
    if let Some(d) = &s.deadline {
        key!(out, "deadline");
        deadline(out, d);
    }
    if let Some(t) = s.responsible {
        key!(out, "responsible");
        string(out, t);
    }
    if let Some(t) = s.if_missed {
        key!(out, "if_missed");
        string(out, t);
    }
    out.push(b'}');
}

fn deadline(out: &mut Vec<u8>, d: &Deadline<'_>) {
    out.push(b'{');
    key!(out, "state", first);
    state(out, d.state);
    key!(out, "due");
    opt_string(out, d.due.as_deref());
    key!(out, "within");
    string(out, d.within);
    key!(out, "after");
    string(out, d.after);
    why(out, &d.why);
    out.push(b'}');
}

/// `{"id":…,"title":…`: how every item of the result begins.
fn open_item(out: &mut Vec<u8>, id: &str, title: Option<&str>) {
    out.push(b'{');
    key!(out, "id", first);
    string(out, id);
    key!(out, "title");
    opt_string(out, title);
}

fn state_applies(out: &mut Vec<u8>, s: State, applies: Option<bool>) {
    key!(out, "state");
    state(out, s);
    key!(out, "applies");
    opt_bool(out, applies);
}

/// The members of a [`Why`] that are present, each after a comma (they
/// follow other members).
fn why(out: &mut Vec<u8>, w: &Why<'_>) {
    if let Some(needs) = &w.needs {
        key!(out, "needs");
        out.push(b'[');
        for (k, n) in needs.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            string(out, n);
        }
        out.push(b']');
    }
    if let Some(reasons) = &w.reasons {
        key!(out, "reasons");
        list(out, reasons, reason);
    }
    if let Some(because) = &w.because {
        key!(out, "because");
        list(out, because, cause);
    }
}

fn reason(out: &mut Vec<u8>, r: &Reason) {
    out.push(b'{');
    key!(out, "condition", first);
    string(out, &r.condition);
    key!(out, "at");
    opt_string(out, r.at);
    key!(out, "data");
    out.push(b'{');
    for (k, (name, v)) in r.data.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        string(out, name);
        out.push(b':');
        value(out, v);
    }
    out.push(b'}');
    key!(out, "message");
    string(out, &r.message);
    out.push(b'}');
}

fn cause(out: &mut Vec<u8>, c: &Cause<'_>) {
    out.push(b'{');
    key!(out, "condition", first);
    string(out, &c.condition);
    key!(out, "at");
    opt_string(out, c.at);
    out.push(b'}');
}

/// An array of what `item` writes.
fn list<T>(out: &mut Vec<u8>, items: &[T], item: fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        item(out, x);
    }
    out.push(b']');
}

fn state(out: &mut Vec<u8>, s: State) {
    out.extend_from_slice(match s {
        State::Decided => b"\"decided\"",
        State::NotApplicable => b"\"not_applicable\"",
        State::Undecided => b"\"undecided\"",
    });
}

fn opt_bool(out: &mut Vec<u8>, b: Option<bool>) {
    out.extend_from_slice(match b {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string as serde_json writes it: `"` and `\` escaped, control
/// characters as `\b \t \n \f \r` or `\u00XX`, everything else as is.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // No early exit, so the check runs over many bytes at a time.
    let plain = !bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if plain {
        out.extend_from_slice(bytes);
    } else {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                0x09 => b"\\t",
                0x0a => b"\\n",
                0x0c => b"\\f",
                0x0d => b"\\r",
                0x00..=0x1f => {
                    out.extend_from_slice(&bytes[start..i]);
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
                    start = i + 1;
                    continue;
                }
                _ => continue,
            };
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(escape);
            start = i + 1;
        }
        out.extend_from_slice(&bytes[start..]);
    }
    out.push(b'"');
}

/// A JSON value (numbers, data of reasons, explanations): rare and small,
/// left to serde_json, which writes to a `Vec` without failing.
fn value(out: &mut Vec<u8>, v: &serde_json::Value) {
    let _ = serde_json::to_writer(&mut *out, v);
}
