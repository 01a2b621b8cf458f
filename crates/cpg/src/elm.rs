//! ELM (Expression Logical Model, HL7 CQL 1.5, `urn:hl7-org:elm` r1) nodes
//! as JSON, written by hand from the IR: one function per node kind used.

use serde_json::{json, Value as J};

pub(crate) const SYSTEM: &str = "urn:hl7-org:elm-types:r1";
pub(crate) const FHIR: &str = "http://hl7.org/fhir";

pub(crate) fn system_type(name: &str) -> String {
    format!("{{{SYSTEM}}}{name}")
}

pub(crate) fn fhir_type(name: &str) -> String {
    format!("{{{FHIR}}}{name}")
}

pub(crate) fn boolean(b: bool) -> J {
    json!({"type": "Literal", "valueType": system_type("Boolean"), "value": b.to_string()})
}

pub(crate) fn integer(n: i64) -> J {
    json!({"type": "Literal", "valueType": system_type("Integer"), "value": n.to_string()})
}

/// A Decimal literal; `None` for a value CQL's Decimal cannot hold (the
/// caller refuses the construct).
pub(crate) fn decimal(x: f64) -> Option<J> {
    // CQL's Decimal holds at most 28 digits before the point.
    if !x.is_finite() || x.abs() >= 1e28 {
        return None;
    }
    let text = if x.fract() == 0.0 { format!("{x:.1}") } else { format!("{x}") };
    Some(json!({"type": "Literal", "valueType": system_type("Decimal"), "value": text}))
}

pub(crate) fn string(s: &str) -> J {
    json!({"type": "Literal", "valueType": system_type("String"), "value": s})
}

pub(crate) fn null() -> J {
    json!({"type": "Null"})
}

pub(crate) fn date(y: i32, m: u8, d: u8) -> J {
    json!({"type": "Date", "year": integer(y.into()), "month": integer(m.into()), "day": integer(d.into())})
}

pub(crate) fn quantity(value: i64, unit: &str) -> J {
    json!({"type": "Quantity", "value": value, "unit": unit})
}

pub(crate) fn unary(kind: &str, x: J) -> J {
    json!({"type": kind, "operand": x})
}

pub(crate) fn binary(kind: &str, a: J, b: J) -> J {
    json!({"type": kind, "operand": [a, b]})
}

pub(crate) fn not(x: J) -> J {
    unary("Not", x)
}

/// `a and b and …` as nested binary `And`s (Kleene's, as CQL's is);
/// `true` when empty.
pub(crate) fn and(xs: Vec<J>) -> J {
    fold("And", xs, true)
}

/// `a or b or …`; `false` when empty.
pub(crate) fn or(xs: Vec<J>) -> J {
    fold("Or", xs, false)
}

fn fold(kind: &str, xs: Vec<J>, empty: bool) -> J {
    let mut it = xs.into_iter();
    let Some(first) = it.next() else { return boolean(empty) };
    it.fold(first, |acc, x| binary(kind, acc, x))
}

pub(crate) fn if_(cond: J, then: J, els: J) -> J {
    json!({"type": "If", "condition": cond, "then": then, "else": els})
}

/// `case when … then … else … end`.
pub(crate) fn case(items: Vec<(J, J)>, els: J) -> J {
    let items: Vec<J> = items.into_iter().map(|(w, t)| json!({"when": w, "then": t})).collect();
    json!({"type": "Case", "caseItem": items, "else": els})
}

pub(crate) fn is_null_of(x: J) -> J {
    unary("IsNull", x)
}

pub(crate) fn coalesce(xs: Vec<J>) -> J {
    json!({"type": "Coalesce", "operand": xs})
}

pub(crate) fn expr_ref(name: &str) -> J {
    json!({"type": "ExpressionRef", "name": name})
}

pub(crate) fn param_ref(name: &str) -> J {
    json!({"type": "ParameterRef", "name": name})
}

pub(crate) fn operand_ref(name: &str) -> J {
    json!({"type": "OperandRef", "name": name})
}

pub(crate) fn call(name: &str, args: Vec<J>) -> J {
    json!({"type": "FunctionRef", "name": name, "operand": args})
}

pub(crate) fn list(xs: Vec<J>) -> J {
    json!({"type": "List", "element": xs})
}

pub(crate) fn property(source: J, path: &str) -> J {
    json!({"type": "Property", "path": path, "source": source})
}

pub(crate) fn scoped(alias: &str, path: &str) -> J {
    json!({"type": "Property", "path": path, "scope": alias})
}

pub(crate) fn retrieve(kind: &str) -> J {
    json!({"type": "Retrieve", "dataType": fhir_type(kind)})
}

/// `from source alias where … return …` (every value kept: `return all`).
pub(crate) fn query(alias: &str, source: J, filter: Option<J>, ret: Option<J>) -> J {
    let mut q = json!({"type": "Query", "source": [{"alias": alias, "expression": source}], "relationship": []});
    if let Some(w) = filter {
        q["where"] = w;
    }
    if let Some(r) = ret {
        q["return"] = json!({"distinct": false, "expression": r});
    }
    q
}

pub(crate) fn exists(x: J) -> J {
    unary("Exists", x)
}

pub(crate) fn flatten(x: J) -> J {
    unary("Flatten", x)
}

pub(crate) fn distinct(x: J) -> J {
    unary("Distinct", x)
}

pub(crate) fn count(x: J) -> J {
    json!({"type": "Count", "source": x})
}

pub(crate) fn first(x: J) -> J {
    json!({"type": "First", "source": x})
}

pub(crate) fn min_of(xs: Vec<J>) -> J {
    json!({"type": "Min", "source": list(xs)})
}

pub(crate) fn max_of(xs: Vec<J>) -> J {
    json!({"type": "Max", "source": list(xs)})
}

pub(crate) fn is_type(x: J, fhir: &str) -> J {
    json!({"type": "Is", "operand": x, "isTypeSpecifier": {"type": "NamedTypeSpecifier", "name": fhir_type(fhir)}})
}

pub(crate) fn as_type(x: J, fhir: &str) -> J {
    json!({"type": "As", "operand": x, "strict": false, "asTypeSpecifier": {"type": "NamedTypeSpecifier", "name": fhir_type(fhir)}})
}

pub(crate) fn to_decimal(x: J) -> J {
    unary("ToDecimal", x)
}

/// `x in list`, for a value and a list expression.
pub(crate) fn in_list(x: J, l: J) -> J {
    binary("In", x, l)
}

pub(crate) fn component(precision: &str, x: J) -> J {
    json!({"type": "DateTimeComponentFrom", "precision": precision, "operand": x})
}

pub(crate) fn days_between(a: J, b: J) -> J {
    json!({"type": "DurationBetween", "precision": "Day", "operand": [a, b]})
}

pub(crate) fn named_type(name: &str) -> J {
    json!({"type": "NamedTypeSpecifier", "name": system_type(name)})
}
