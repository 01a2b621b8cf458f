//! Patient data to typed input values, with errors that name the field.

use guidepath_ir::calendar::parse_date;
use guidepath_ir::duration::IsoError;
use guidepath_ir::{Artifact, Duration, ValueType};
use serde_json::Value as J;

/// One input's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Num(f64),
    /// Days since 1970-01-01.
    Date(i64),
    Duration(Duration),
    Text(String),
    /// Index into the enum's values.
    Enum(u32),
    /// Bit `i` set for the `i`-th value of the enum (at most 64 values, as
    /// the artifact guarantees).
    Set(u64),
}

/// Patient data bound to an artifact's inputs; `None` is unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bound {
    values: Vec<Option<Value>>,
}

impl Bound {
    /// Bound data from values in the artifact's input order; missing or
    /// surplus entries are unknown or ignored. The caller vouches that each
    /// value fits its input (as [`crate::Evaluator::bind`] would check).
    pub fn from_values(values: Vec<Option<Value>>) -> Bound {
        Bound { values }
    }

    pub fn get(&self, input: u32) -> Option<&Value> {
        self.values.get(input as usize).and_then(Option::as_ref)
    }

    /// Sets one input's value (`None`: unknown), for callers that try many
    /// values in place; an input beyond the data is ignored. The caller
    /// vouches that the value fits its input, as for
    /// [`Bound::from_values`].
    pub fn set(&mut self, input: u32, value: Option<Value>) {
        if let Some(slot) = self.values.get_mut(input as usize) {
            *slot = value;
        }
    }

    /// The values in the artifact's input order.
    pub fn values(&self) -> &[Option<Value>] {
        &self.values
    }

    pub fn into_values(self) -> Vec<Option<Value>> {
        self.values
    }
}

/// A value that does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindError {
    /// Dotted path of the field, e.g. `start_back.q9`.
    pub path: String,
    pub message: String,
}

impl BindError {
    /// A key given more than once in one object of the data.
    pub fn repeated(path: String) -> BindError {
        BindError { path, message: "given more than once; give each field one value".into() }
    }
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for BindError {}

fn describe(v: &J) -> String {
    match v {
        J::Null => "null".into(),
        J::Bool(b) => format!("`{b}`"),
        J::Number(n) => format!("`{n}`"),
        J::String(s) => format!("`\"{}\"`", s.chars().take(40).collect::<String>()),
        J::Array(_) => "a list".into(),
        J::Object(_) => "an object".into(),
    }
}

pub(crate) fn bind(art: &Artifact, paths: &[Vec<String>], patient: &J) -> Result<Bound, Vec<BindError>> {
    let mut errors = Vec::new();
    if !patient.is_object() {
        return Err(vec![BindError {
            path: String::new(),
            message: format!("patient data must be an object, found {}", describe(patient)),
        }]);
    }
    let mut values = Vec::with_capacity(art.inputs.len());
    for (input, path) in art.inputs.iter().zip(paths) {
        let mut cur = Some(patient);
        for (k, seg) in path.iter().enumerate() {
            cur = match cur {
                Some(J::Object(m)) => m.get(seg),
                Some(J::Null) | None => None,
                Some(other) => {
                    errors.push(BindError {
                        path: path[..k].join("."),
                        message: format!("expected an object holding `{seg}`, found {}", describe(other)),
                    });
                    None
                }
            };
        }
        let value = match cur {
            None | Some(J::Null) => None,
            Some(v) => match convert(input, v) {
                Ok(x) => Some(x),
                Err(message) => {
                    errors.push(BindError { path: input.path.clone(), message });
                    None
                }
            },
        };
        values.push(value);
    }
    if errors.is_empty() {
        Ok(Bound { values })
    } else {
        errors.dedup();
        Err(errors)
    }
}

/// A JSON scalar as read, borrowed from the text or the tree.
#[derive(Debug, Clone, Copy)]
enum Scalar<'a> {
    Bool(bool),
    Num(f64),
    Str(&'a str),
}

/// The value a scalar gives its input, or `None` where it does not fit
/// ([`refusal`] says why). Both binders take their values from here, so
/// they accept the same data.
fn accept(input: &guidepath_ir::Input, s: Scalar<'_>) -> Option<Value> {
    match (&input.ty, s) {
        (ValueType::Boolean, Scalar::Bool(b)) => Some(Value::Bool(b)),
        (ValueType::Integer, Scalar::Num(x)) if x.fract() == 0.0 && in_range(input, x) => Some(Value::Num(x)),
        (ValueType::Decimal, Scalar::Num(x)) if in_range(input, x) => Some(Value::Num(x)),
        (ValueType::Date, Scalar::Str(s)) => parse_date(s).map(Value::Date),
        (ValueType::Duration, Scalar::Str(s)) => Duration::read_iso(s).ok().map(Value::Duration),
        (ValueType::Text, Scalar::Str(s)) => Some(Value::Text(s.to_string())),
        (ValueType::Enum { values }, Scalar::Str(s)) => {
            values.iter().position(|x| x == s).map(|i| Value::Enum(i as u32))
        }
        _ => None,
    }
}

/// The bit one item of a set gives, or `None` where it is no value of it.
fn set_bit(values: &[String], s: &str) -> Option<u64> {
    values.iter().position(|x| x == s).filter(|&i| i < 64).map(|i| 1 << i)
}

fn in_range(input: &guidepath_ir::Input, x: f64) -> bool {
    !matches!(input.range, Some((lo, hi)) if x < lo || x > hi)
}

fn convert(input: &guidepath_ir::Input, v: &J) -> Result<Value, String> {
    let scalar = match v {
        J::Bool(b) => Some(Scalar::Bool(*b)),
        J::Number(n) => n.as_f64().map(Scalar::Num),
        J::String(s) => Some(Scalar::Str(s)),
        _ => None,
    };
    if let Some(value) = scalar.and_then(|s| accept(input, s)) {
        return Ok(value);
    }
    if let (ValueType::Set { values }, J::Array(items)) = (&input.ty, v) {
        let mut mask = 0u64;
        for it in items {
            mask |= it.as_str().and_then(|s| set_bit(values, s)).ok_or_else(|| refusal(input, it, true))?;
        }
        return Ok(Value::Set(mask));
    }
    Err(refusal(input, v, false))
}

/// Why a JSON value does not fit its input (`item`: an item of a set).
fn refusal(input: &guidepath_ir::Input, v: &J, item: bool) -> String {
    let values_list = |values: &[String]| values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
    // A number refused with a whole value (or any, for a decimal) is
    // outside its range: `accept` takes every other.
    let out_of_range = |x: f64, (lo, hi): (f64, f64)| {
        format!("{} is outside the declared range {}..{}", crate::num(x), crate::num(lo), crate::num(hi))
    };
    match (&input.ty, v) {
        (ValueType::Set { values }, _) if item => format!("{} is not one of {}", describe(v), values_list(values)),
        (ValueType::Boolean, other) => format!("expected true or false, found {}", describe(other)),
        (ValueType::Integer, J::Number(n)) => match (n.as_f64(), input.range) {
            (Some(x), Some(range)) if x.fract() == 0.0 => out_of_range(x, range),
            _ => format!("expected a whole number, found `{n}`"),
        },
        (ValueType::Decimal, J::Number(n)) => match (n.as_f64(), input.range) {
            (Some(x), Some(range)) => out_of_range(x, range),
            _ => format!("expected a number, found `{n}`"),
        },
        (ValueType::Integer | ValueType::Decimal, other) => format!("expected a number, found {}", describe(other)),
        (ValueType::Date, J::String(s)) => {
            format!("`{s}` is not a date; dates are YYYY-MM-DD and must exist in the calendar")
        }
        (ValueType::Date, other) => format!("expected a date \"YYYY-MM-DD\", found {}", describe(other)),
        (ValueType::Duration, J::String(s)) => match Duration::read_iso(s) {
            Err(IsoError::TooLong) => {
                format!("`{s}` is longer than {} years, the whole calendar", guidepath_ir::duration::MAX_YEARS)
            }
            _ => format!("`{s}` is not an ISO 8601 duration such as \"P4M\" or \"P90D\""),
        },
        (ValueType::Duration, other) => format!("expected a duration such as \"P4M\", found {}", describe(other)),
        (ValueType::Text, other) => format!("expected a text, found {}", describe(other)),
        (ValueType::Enum { values }, J::String(s)) => {
            format!("unknown value `{s}`; expected one of {}", values_list(values))
        }
        (ValueType::Enum { values }, other) => {
            format!("expected one of {}, found {}", values_list(values), describe(other))
        }
        (ValueType::Set { .. }, other) => format!("expected a list, found {}", describe(other)),
    }
}

/// Input paths as a tree of object keys, for reading patient JSON straight
/// into bound values.
#[derive(Debug, Default)]
pub(crate) struct PathTree {
    children: Vec<(String, PathNode)>,
}

#[derive(Debug)]
enum PathNode {
    Input(u32),
    Object(PathTree),
}

impl PathTree {
    pub(crate) fn new(paths: &[Vec<String>]) -> PathTree {
        let mut root = PathTree::default();
        for (i, path) in paths.iter().enumerate() {
            let mut node = &mut root;
            for (k, seg) in path.iter().enumerate() {
                let last = k + 1 == path.len();
                let pos = match node.children.iter().position(|(s, _)| s == seg) {
                    Some(p) => p,
                    None => {
                        let child =
                            if last { PathNode::Input(i as u32) } else { PathNode::Object(PathTree::default()) };
                        node.children.push((seg.clone(), child));
                        node.children.len() - 1
                    }
                };
                match &mut node.children[pos].1 {
                    PathNode::Object(t) if !last => node = t,
                    // A path that is a prefix of another cannot come from
                    // the compiler; the slow path reports it as data errors.
                    _ => break,
                }
            }
        }
        root
    }

    fn get(&self, key: &str) -> Option<&PathNode> {
        self.children.iter().find(|(s, _)| s == key).map(|(_, n)| n)
    }

    /// The child named `key` and its index, looked for first at `hint`:
    /// data mostly gives fields in the order the guideline declares them,
    /// so a reader that passes the index after the last child found
    /// compares one name a field, not half the list.
    fn find(&self, key: &str, hint: usize) -> Option<(usize, &PathNode)> {
        match self.children.get(hint) {
            Some((s, n)) if s == key => Some((hint, n)),
            _ => self.children.iter().enumerate().find(|(_, (s, _))| s == key).map(|(k, (_, n))| (k, n)),
        }
    }
}

/// The fields of patient data that the guideline does not read, as dotted
/// paths in the order they appear (an object the guideline reads into is
/// searched; anything below a field it reads is that field's value).
pub(crate) fn unknown_fields(tree: &PathTree, patient: &J) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo: Vec<(&PathTree, &serde_json::Map<String, J>, String)> = Vec::new();
    if let J::Object(m) = patient {
        todo.push((tree, m, String::new()));
    }
    while let Some((tree, map, prefix)) = todo.pop() {
        let mut nested = Vec::new();
        for (k, v) in map {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match (tree.get(k), v) {
                (Some(PathNode::Input(_)), _) => {}
                (Some(PathNode::Object(t)), J::Object(m)) => nested.push((t, m, path)),
                // Not an object where one is expected: a data error, reported by binding.
                (Some(PathNode::Object(_)), _) => {}
                (None, _) => out.push(path),
            }
        }
        todo.extend(nested.into_iter().rev());
    }
    out
}

mod quick;

/// Reads one patient's JSON text straight into bound values, skipping
/// fields the guideline does not use without building a JSON tree. Returns
/// `None` on anything unusual (invalid JSON, a value that does not fit,
/// nesting deeper than [`crate::MAX_PATIENT_DEPTH`]), so the caller can
/// take the thorough path and report it exactly; `unknown` is then as it
/// was. The common case is read from the bytes (`quick`), the rest by
/// serde.
pub(crate) fn bind_str_fast(
    art: &Artifact,
    tree: &PathTree,
    text: &str,
    mut unknown: Option<&mut Vec<String>>,
) -> Option<Bound> {
    let before = unknown.as_deref().map_or(0, Vec::len);
    let bound = quick::read(art, tree, text, unknown.as_deref_mut()).or_else(|| {
        // What the byte reader listed before it gave up, the serde reader
        // lists again.
        if let Some(u) = unknown.as_deref_mut() {
            u.truncate(before);
        }
        bind_str_serde(art, tree, text, unknown.as_deref_mut())
    });
    if bound.is_none() {
        if let Some(u) = unknown {
            u.truncate(before);
        }
    }
    bound
}

/// The serde reader of [`bind_str_fast`]: any valid JSON.
fn bind_str_serde(art: &Artifact, tree: &PathTree, text: &str, unknown: Option<&mut Vec<String>>) -> Option<Bound> {
    use serde::de::DeserializeSeed;
    let mut values: Vec<Option<Value>> = vec![None; art.inputs.len()];
    let mut de = serde_json::Deserializer::from_str(text);
    let seed =
        ObjectSeed { art, tree, values: &mut values, root: true, at: None, unknown, levels: crate::MAX_PATIENT_DEPTH };
    seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(Bound { values })
}

/// The key path of a nested object, built into a string only for a field
/// that is reported.
struct At<'a> {
    key: &'a str,
    parent: Option<&'a At<'a>>,
}

impl At<'_> {
    fn path(at: Option<&At<'_>>, key: &str) -> String {
        let mut parts = vec![key];
        let mut cur = at;
        while let Some(a) = cur {
            parts.push(a.key);
            cur = a.parent;
        }
        parts.reverse();
        parts.join(".")
    }
}

struct ObjectSeed<'a, 'u> {
    art: &'a Artifact,
    tree: &'a PathTree,
    values: &'a mut Vec<Option<Value>>,
    /// The patient itself must be an object; below it `null` is unknown.
    root: bool,
    at: Option<&'a At<'a>>,
    /// Where to list fields the guideline does not read, when asked.
    unknown: Option<&'u mut Vec<String>>,
    /// How many more levels of `[` and `{` may open here, this object's
    /// own included: text nested deeper is the thorough path's to refuse.
    levels: usize,
}

/// Keys of one object the serde reader compares each new key with.
const MAX_KEYS_LOOKED_BACK: usize = 64;

/// Gives up on the fast path (the thorough path will explain why).
fn give_up<E: serde::de::Error>() -> E {
    E::custom("not on the fast path")
}

/// The levels left inside a container that opens with `levels` left, or
/// giving up where none are.
fn open<E: serde::de::Error>(levels: usize) -> Result<usize, E> {
    levels.checked_sub(1).ok_or_else(give_up)
}

impl<'de> serde::de::DeserializeSeed<'de> for ObjectSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ObjectSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        // `null` where an object may be: everything below it is unknown.
        if self.root {
            Err(give_up())
        } else {
            Ok(())
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let inner = open(self.levels)?;
        // Objects read into, by address: one given twice is read by the
        // thorough path, where the last one wins.
        let mut objects: Vec<*const PathTree> = Vec::new();
        // A key given twice is the thorough path's to refuse, as is an
        // object of many keys (so that looking back stays cheap).
        let mut seen: Vec<std::borrow::Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if seen.len() >= MAX_KEYS_LOOKED_BACK || seen.contains(&key) {
                return Err(give_up());
            }
            seen.push(key.clone());
            match self.tree.get(&key) {
                Some(PathNode::Input(i)) => {
                    let input = self.art.inputs.get(*i as usize).ok_or_else(give_up)?;
                    let value = map.next_value_seed(Slot { input, levels: inner })?;
                    *self.values.get_mut(*i as usize).ok_or_else(give_up)? = value;
                }
                Some(PathNode::Object(t)) => {
                    if objects.contains(&(t as *const PathTree)) {
                        return Err(give_up());
                    }
                    objects.push(t);
                    let at = At { key: &key, parent: self.at };
                    map.next_value_seed(ObjectSeed {
                        art: self.art,
                        tree: t,
                        values: &mut *self.values,
                        root: false,
                        at: Some(&at),
                        unknown: self.unknown.as_deref_mut(),
                        levels: inner,
                    })?
                }
                None => {
                    if let Some(u) = self.unknown.as_deref_mut() {
                        u.push(At::path(self.at, &key));
                    }
                    // Read, not skipped: a value the thorough path refuses
                    // (a lone surrogate, a number out of range, nesting
                    // past the limit) is refused here too.
                    map.next_value_seed(Skip(inner))?;
                }
            }
        }
        Ok(())
    }
}

/// One input's value read straight into its type: `null` is unknown, and
/// anything that does not fit gives up, as [`convert`] would refuse it.
struct Slot<'a> {
    input: &'a guidepath_ir::Input,
    levels: usize,
}

impl Slot<'_> {
    fn take<E: serde::de::Error>(&self, s: Scalar<'_>) -> Result<Option<Value>, E> {
        accept(self.input, s).map(Some).ok_or_else(give_up)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Slot<'_> {
    type Value = Option<Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Slot<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an input's value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Self::Value, E> {
        self.take(Scalar::Bool(b))
    }
    // As `serde_json::Number::as_f64` reads each kind of number.
    fn visit_i64<E: serde::de::Error>(self, x: i64) -> Result<Self::Value, E> {
        self.take(Scalar::Num(x as f64))
    }
    fn visit_u64<E: serde::de::Error>(self, x: u64) -> Result<Self::Value, E> {
        self.take(Scalar::Num(x as f64))
    }
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Self::Value, E> {
        self.take(Scalar::Num(x))
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        self.take(Scalar::Str(s))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        open::<A::Error>(self.levels)?;
        let ValueType::Set { values } = &self.input.ty else { return Err(give_up()) };
        let mut mask = 0u64;
        while let Some(bit) = seq.next_element_seed(SetItem(values))? {
            mask |= bit;
        }
        Ok(Some(Value::Set(mask)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(give_up())
    }
}

/// One item of a set, as its bit.
struct SetItem<'a>(&'a [String]);

impl<'de> serde::de::DeserializeSeed<'de> for SetItem<'_> {
    type Value = u64;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for SetItem<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value of the set")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<u64, E> {
        set_bit(self.0, s).ok_or_else(give_up)
    }
}

/// An object's key, borrowed from the text unless it has escapes (serde's
/// own `Cow<str>` always copies).
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(Key)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(s))
    }
}

/// A JSON value read in full and dropped: every string decoded, every
/// number parsed, nesting counted, as `serde_json::Value` reads it, without
/// building it. It holds the levels of `[` and `{` that may still open.
struct Skip(usize);

impl<'de> serde::de::DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = open::<A::Error>(self.0)?;
        while seq.next_element_seed(Skip(inner))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = open::<A::Error>(self.0)?;
        // A key given twice, even in an object no field reads, is the
        // data's error: the thorough path's to refuse, as in `visit_map` of
        // `ObjectSeed`.
        let mut seen: Vec<std::borrow::Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if seen.len() >= MAX_KEYS_LOOKED_BACK || seen.contains(&key) {
                return Err(give_up());
            }
            seen.push(key);
            map.next_value_seed(Skip(inner))?;
        }
        Ok(())
    }
}
