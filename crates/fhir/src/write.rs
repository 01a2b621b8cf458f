//! Patient data to FHIR R4: the inverse of [`crate::read`].
//!
//! Each field is written where its binding says the reader reads it: the
//! element a `from` names, an Observation with the field's first code, or
//! an item of one QuestionnaireResponse (an instrument item by its code, any
//! other field by its path). A duration or a count read from a date is
//! written as the date it counts from on the evaluation day ([`bundle`]'s
//! `at`). What FHIR cannot hold in that place (an empty set, a duration of
//! months and days in one Quantity, 12 months before 29 February) is an
//! error naming the field.
//! Every Bundle is read back before it is given out, and a field that
//! reads back as anything but what was written is an error: the writer
//! never hands over data that means something else. The CPG export
//! writes its test bundles with it, and the ELM differential writes its
//! patients with it.

use crate::read::ucum_of_unit;
use guidepath_ir::calendar::{add_months, format_date, parse_date};
use guidepath_ir::{binding, Artifact, Code, Duration, Input, Unit, ValueType};
use serde_json::{json, Value as J};

/// A field whose value cannot be written where the guideline reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for WriteError {}

const UCUM: &str = "http://unitsofmeasure.org";
const CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";

/// `patient` (the evaluator's patient data) as a FHIR R4 `collection`
/// Bundle for `Patient/<id>`; ages and durations read from dates count to
/// `at` (days since 1970-01-01). Fields the data does not give are left
/// out, so they read as unknown.
pub fn bundle(art: &Artifact, patient: &J, at: i64, id: &str) -> Result<J, WriteError> {
    let mut w = Writer {
        id,
        at,
        patient: json!({"resourceType": "Patient", "id": id}),
        resources: Vec::new(),
        items: Vec::new(),
    };
    for input in &art.inputs {
        let Some(value) = lookup(patient, &input.path) else { continue };
        w.field(input, value)?;
    }
    let Writer { patient: person, mut resources, items, .. } = w;
    if !items.is_empty() {
        resources.push(json!({
            "resourceType": "QuestionnaireResponse",
            "id": "answers",
            "status": "completed",
            "subject": {"reference": format!("Patient/{id}")},
            "item": items,
        }));
    }
    let mut entry = vec![json!({"fullUrl": format!("urn:uuid:{}", uuid_of(id, "Patient", 0)), "resource": person})];
    for (k, r) in resources.into_iter().enumerate() {
        let kind = r["resourceType"].as_str().unwrap_or("").to_string();
        entry.push(json!({"fullUrl": format!("urn:uuid:{}", uuid_of(id, &kind, k + 1)), "resource": r}));
    }
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": entry});
    reads_back(art, patient, &bundle, at)?;
    Ok(bundle)
}

/// Whether the reader reads `bundle` as `patient`: a value FHIR cannot
/// carry where the guideline reads it (a day that is not exactly some
/// months before the evaluation day, an enum value without a code among
/// coded ones) is an error, never a Bundle that means something else.
fn reads_back(art: &Artifact, patient: &J, bundle: &J, at: i64) -> Result<(), WriteError> {
    let mut resources = crate::read::Resources::default();
    let read =
        resources.add(bundle, "").map_err(|e| vec![e]).and_then(|()| crate::read::read(art, &resources, at)).map_err(
            |errors| WriteError {
                field: errors.first().and_then(|e| e.field.clone()).unwrap_or_default(),
                message: format!(
                    "written as FHIR it is refused: {}",
                    errors.first().map(|e| e.to_string()).unwrap_or_default()
                ),
            },
        )?;
    for input in &art.inputs {
        let want = lookup(patient, &input.path);
        let got = lookup(&read.patient, &input.path);
        if !same(&input.ty, want, got) {
            let shown = |v: Option<&J>| v.map_or("nothing".to_string(), J::to_string);
            return fail(input, format!("{} reads back from FHIR as {}", shown(want), shown(got)));
        }
    }
    Ok(())
}

/// Two values of a field alike: numbers by value, durations by their
/// parts, sets by their members.
fn same(ty: &ValueType, a: Option<&J>, b: Option<&J>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => match (ty, x, y) {
            (ValueType::Integer | ValueType::Decimal, J::Number(p), J::Number(q)) => p.as_f64() == q.as_f64(),
            (ValueType::Duration, J::String(p), J::String(q)) => {
                Duration::parse_iso(p).is_some() && Duration::parse_iso(p) == Duration::parse_iso(q)
            }
            (ValueType::Set { .. }, J::Array(p), J::Array(q)) => {
                p.iter().all(|v| q.contains(v)) && q.iter().all(|v| p.contains(v))
            }
            _ => x == y,
        },
        _ => false,
    }
}

/// A name-based id for an entry's `fullUrl`: stable for a patient and
/// place, so the same data gives the same Bundle.
fn uuid_of(id: &str, kind: &str, k: usize) -> String {
    // FNV-1a over the parts, spread over the 128 bits of a version 8 UUID.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain([0]).chain(kind.bytes()).chain((k as u64).to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let g = h.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
    format!(
        "{:08x}-{:04x}-8{:03x}-{:04x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        0x8000 | (g >> 48) & 0x3fff,
        g & 0xffff_ffff_ffff
    )
}

fn lookup<'j>(patient: &'j J, path: &str) -> Option<&'j J> {
    let v = path.split('.').try_fold(patient, |v, k| v.get(k))?;
    (!v.is_null()).then_some(v)
}

struct Writer<'a> {
    id: &'a str,
    at: i64,
    patient: J,
    resources: Vec<J>,
    items: Vec<J>,
}

fn fail<T>(input: &Input, message: impl Into<String>) -> Result<T, WriteError> {
    Err(WriteError { field: input.path.clone(), message: message.into() })
}

fn coding(c: &Code) -> J {
    json!({"system": c.system, "code": c.code})
}

fn concept(c: &Code) -> J {
    json!({"coding": [coding(c)]})
}

impl Writer<'_> {
    fn subject(&self) -> J {
        json!({"reference": format!("Patient/{}", self.id)})
    }

    fn field(&mut self, input: &Input, value: &J) -> Result<(), WriteError> {
        if let Some(from) = &input.from {
            return self.element(input, from, value);
        }
        let answer = answer(input, value)?;
        match input.codes.first() {
            // An instrument's item is answered on its form, by its code.
            Some(code) if input.scoring.is_some() => {
                self.items.push(json!({"linkId": code.code, "answer": answer}));
            }
            Some(code) => {
                let n = self.resources.len();
                let mut obs = json!({
                    "resourceType": "Observation",
                    "id": format!("o{n}"),
                    "status": "final",
                    "code": concept(code),
                    "subject": self.subject(),
                });
                // An Observation has one value: an enum's or a set's codings
                // are one concept's.
                let value = match &input.ty {
                    ValueType::Enum { .. } | ValueType::Set { .. } => {
                        let codings: Vec<J> = answer.iter().filter_map(|a| a.get("valueCoding").cloned()).collect();
                        json!({"valueCodeableConcept": {"coding": codings}})
                    }
                    _ => answer.into_iter().next().unwrap_or(J::Null),
                };
                if let (Some(o), Some(v)) = (obs.as_object_mut(), value.as_object()) {
                    o.extend(v.clone());
                }
                self.resources.push(obs);
            }
            None => self.items.push(json!({"linkId": input.path, "answer": answer})),
        }
        Ok(())
    }

    /// A field bound with `from`.
    fn element(&mut self, input: &Input, from: &str, value: &J) -> Result<(), WriteError> {
        let Some(el) = binding::element(from) else {
            return fail(input, format!("`{from}` is not a FHIR element guidepath reads"));
        };
        let n = self.resources.len();
        let code = input.codes.first();
        match el.yields {
            binding::Yields::Date => {
                let date = self.date_of(input, value)?;
                let (kind, path) = from.split_once('.').unwrap_or((from, ""));
                if kind == "Patient" {
                    self.patient["birthDate"] = J::String(date);
                    return Ok(());
                }
                let mut r = json!({"resourceType": kind, "id": format!("{}{n}", kind.to_lowercase()), "subject": self.subject()});
                match kind {
                    "Condition" => {
                        r["clinicalStatus"] = concept(&Code { system: CLINICAL.into(), code: "active".into() });
                        r["verificationStatus"] =
                            concept(&Code { system: VERIFICATION.into(), code: "confirmed".into() });
                    }
                    "Observation" => r["status"] = "final".into(),
                    "Procedure" => r["status"] = "completed".into(),
                    "ServiceRequest" => {
                        r["status"] = "active".into();
                        r["intent"] = "order".into();
                    }
                    "Encounter" => {
                        r["status"] = "finished".into();
                        r["class"] =
                            json!({"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"});
                    }
                    _ => {}
                }
                if let Some(c) = code {
                    let key = if kind == "Encounter" { "type" } else { "code" };
                    r[key] = if kind == "Encounter" { json!([concept(c)]) } else { concept(c) };
                } else if kind == "Observation" || kind == "Procedure" {
                    return fail(input, format!("`{from}` needs the field's code"));
                }
                match path.split_once('.') {
                    Some((a, b)) => r[a] = json!({ b: date }),
                    None => r[path] = J::String(date),
                }
                self.resources.push(r);
            }
            binding::Yields::Coding => {
                let key = from.split_once('.').map_or("code", |(_, p)| p);
                let condition = |codes: J, present: bool| {
                    let mut r = json!({
                        "resourceType": "Condition",
                        "id": "",
                        "clinicalStatus": concept(&Code { system: CLINICAL.into(), code: if present { "active" } else { "resolved" }.into() }),
                        "verificationStatus": concept(&Code { system: VERIFICATION.into(), code: "confirmed".into() }),
                        "subject": {"reference": format!("Patient/{}", self.id)},
                    });
                    r[key] = if key == "bodySite" { J::Array(vec![codes]) } else { codes };
                    r
                };
                let mut out = Vec::new();
                match (&input.ty, value) {
                    (ValueType::Boolean, J::Bool(b)) => {
                        let Some(c) = code else {
                            return fail(input, "a boolean read from codes needs the field's code");
                        };
                        out.push(condition(concept(c), *b));
                    }
                    (ValueType::Enum { .. }, J::String(s)) => {
                        out.push(condition(json!({"coding": [value_coding(input, s)?]}), true))
                    }
                    (ValueType::Set { .. }, J::Array(list)) if !list.is_empty() => {
                        let mut codings = Vec::new();
                        for v in list {
                            let Some(s) = v.as_str() else { return fail(input, "a set's values are texts") };
                            codings.push(value_coding(input, s)?);
                        }
                        if key == "bodySite" {
                            out.push(condition(json!({"coding": codings}), true));
                        } else {
                            out.extend(codings.into_iter().map(|c| condition(json!({"coding": [c]}), true)));
                        }
                    }
                    (ValueType::Set { .. }, J::Array(_)) => {
                        return fail(input, "an empty set cannot be written as codes")
                    }
                    _ => return fail(input, format!("expected {}", binding::type_name(&input.ty))),
                }
                for mut r in out {
                    r["id"] = J::String(format!("condition{}", self.resources.len()));
                    self.resources.push(r);
                }
            }
        }
        Ok(())
    }

    /// The date a field read from a date element is written as.
    fn date_of(&self, input: &Input, value: &J) -> Result<String, WriteError> {
        let days = match (&input.ty, value) {
            (ValueType::Date, J::String(s)) => match parse_date(s) {
                Some(d) => d,
                None => return fail(input, format!("`{s}` is not a date")),
            },
            (ValueType::Duration, J::String(s)) => match Duration::parse_iso(s) {
                // The day the duration began: its days, then its months,
                // back from the evaluation day (a duration in minutes is
                // whole days of them).
                Some(d) => add_months(self.at - d.days - d.minutes.div_euclid(24 * 60), -d.months),
                None => return fail(input, format!("`{s}` is not an ISO 8601 duration")),
            },
            (ValueType::Integer | ValueType::Decimal, J::Number(n)) => {
                let Some(x) = n.as_f64().filter(|x| x.fract() == 0.0 && x.abs() < 4_000_000.0) else {
                    return fail(
                        input,
                        format!("{n} is not a whole number of {}", input.unit.map_or("units", Unit::name)),
                    );
                };
                let x = x as i64;
                match input.unit {
                    Some(Unit::Years) => add_months(self.at, -12 * x),
                    Some(Unit::Months) => add_months(self.at, -x),
                    Some(Unit::Weeks) => self.at - 7 * x,
                    Some(Unit::Days) => self.at - x,
                    _ => return fail(input, "a number read from a date counts years, months, weeks or days"),
                }
            }
            _ => return fail(input, format!("expected {}", binding::type_name(&input.ty))),
        };
        if !guidepath_ir::calendar::in_calendar(days) {
            return fail(input, "the date it counts from is outside the calendar (0001 to 9999)");
        }
        Ok(format_date(days))
    }
}

/// The coding of an enum or set value: its first code, or its name.
fn value_coding(input: &Input, value: &str) -> Result<J, WriteError> {
    let (ValueType::Enum { values } | ValueType::Set { values }) = &input.ty else {
        return fail(input, "not an enum or a set");
    };
    let Some(k) = values.iter().position(|v| v == value) else {
        return fail(input, format!("`{value}` is not one of its values"));
    };
    Ok(match input.value_codes.get(k).and_then(|c| c.first()) {
        Some(c) => coding(c),
        None => json!({"code": value}),
    })
}

/// A field's value as the answers of an item (a set has one per value).
fn answer(input: &Input, value: &J) -> Result<Vec<J>, WriteError> {
    let quantity = |x: &serde_json::Number, unit: Option<Unit>| -> J {
        match unit {
            Some(u) if u != Unit::Points => {
                json!({"valueQuantity": {"value": x, "unit": ucum_of_unit(u), "system": UCUM, "code": ucum_of_unit(u)}})
            }
            _ if input.ty == ValueType::Integer => json!({"valueInteger": x}),
            _ => json!({"valueDecimal": x}),
        }
    };
    Ok(match (&input.ty, value) {
        (ValueType::Boolean, J::Bool(b)) => vec![json!({"valueBoolean": b})],
        (ValueType::Integer | ValueType::Decimal, J::Number(n)) => vec![quantity(n, input.unit)],
        (ValueType::Date, J::String(s)) if parse_date(s).is_some() => vec![json!({"valueDate": s})],
        (ValueType::Duration, J::String(s)) => {
            let Some(d) = Duration::parse_iso(s) else {
                return fail(input, format!("`{s}` is not an ISO 8601 duration"));
            };
            let (n, unit) = match (d.months, d.days, d.minutes) {
                (m, 0, 0) if m != 0 => (m, Unit::Months),
                (0, d, 0) => (d, Unit::Days),
                (0, 0, t) => (t, Unit::Minutes),
                _ => {
                    return fail(
                        input,
                        format!("`{s}` mixes months, days and minutes, which one FHIR Quantity cannot hold"),
                    )
                }
            };
            let u = ucum_of_unit(unit);
            vec![json!({"valueQuantity": {"value": n, "unit": u, "system": UCUM, "code": u}})]
        }
        (ValueType::Text, J::String(s)) => vec![json!({"valueString": s})],
        (ValueType::Enum { .. }, J::String(s)) => vec![json!({"valueCoding": value_coding(input, s)?})],
        (ValueType::Set { .. }, J::Array(list)) if !list.is_empty() => {
            let mut out = Vec::new();
            for v in list {
                let Some(s) = v.as_str() else { return fail(input, "a set's values are texts") };
                out.push(json!({"valueCoding": value_coding(input, s)?}));
            }
            out
        }
        (ValueType::Set { .. }, J::Array(_)) => {
            return fail(input, "an empty set has no FHIR answer; leave the field out")
        }
        _ => return fail(input, format!("expected {}", binding::type_name(&input.ty))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_well_formed() {
        let a = uuid_of("p1", "Patient", 0);
        assert_eq!(a, uuid_of("p1", "Patient", 0));
        assert_ne!(a, uuid_of("p2", "Patient", 0));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }
}
