//! Each field of the guideline read from FHIR R4 in ELM, as
//! `guidepath_fhir::read` reads it (named in each comment): from the
//! element a `from` names, from Observations with one of the field's codes,
//! or from QuestionnaireResponse items whose `linkId` ends in the field's
//! path or one of its codes. For each field the library defines
//! `"input.<path>"` (the value, null when unknown) and
//! `"invalid.<path>"` (the data is there but the evaluator refuses it:
//! two values, a wrong type or unit, out of range); see `docs/cpg.md`.

use crate::elm::{
    self, and, as_type, binary, boolean, case, coalesce, count, distinct, exists, expr_ref, first, flatten, if_,
    integer, is_null_of, is_type, list, not, null, or, query, retrieve, scoped, string,
};
use crate::lower::Ev;
use crate::CpgError;
use guidepath_fhir::read::{compared_families, ucum_of_unit};
use guidepath_ir::binding::{self, Yields};
use guidepath_ir::duration::MAX_YEARS;
use guidepath_ir::{systems, Artifact, Input, Unit, ValueType};
use serde_json::Value as J;

/// How deep QuestionnaireResponse items are followed (the reader's
/// `MAX_NESTING`; the reader refuses deeper ones).
const ITEM_LEVELS: usize = guidepath_fhir::read::MAX_NESTING;

const YES_NO: &str = "http://terminology.hl7.org/CodeSystem/v2-0136";

pub(crate) fn raw_name(input: &Input) -> String {
    format!("input.{}", input.path)
}

pub(crate) fn raw_ref(input: &Input) -> J {
    expr_ref(&raw_name(input))
}

pub(crate) fn invalid_name(input: &Input) -> String {
    format!("invalid.{}", input.path)
}

/// A statement of the library: a name and its expression.
pub(crate) type Def = (String, J);

/// The definitions every field reads from: the patient, the answers of
/// every QuestionnaireResponse at every level, and the Observations.
pub(crate) fn shared(art: &Artifact) -> Vec<Def> {
    let mut defs = vec![("Patient".to_string(), elm::unary("SingletonFrom", retrieve("Patient")))];
    // `Reader::resource`: a response entered in error is not read.
    let responses = query(
        "R",
        retrieve("QuestionnaireResponse"),
        Some(not(coalesce(vec![
            binary("Equal", scoped("R", "status.value"), string("entered-in-error")),
            boolean(false),
        ]))),
        Some(scoped("R", "item")),
    );
    // A list without its nulls: a missing `item` is null, and nulls kept
    // would double with each level.
    let present = |l: J| query("X", l, Some(not(is_null_of(expr_ref_alias("X")))), None);
    defs.push(("items 1".into(), present(flatten(responses))));
    for k in 2..=ITEM_LEVELS {
        let prev = expr_ref(&format!("items {}", k - 1));
        let below = flatten(query("I", prev.clone(), None, Some(scoped("I", "item"))));
        let answers = present(flatten(query("I", prev, None, Some(scoped("I", "answer")))));
        let under_answers = flatten(query("A", answers, None, Some(scoped("A", "item"))));
        defs.push((format!("items {k}"), present(flatten(list(vec![below, under_answers])))));
    }
    defs.push(("items".into(), flatten(list((1..=ITEM_LEVELS).map(|k| expr_ref(&format!("items {k}"))).collect()))));
    let skip = list(vec![string("entered-in-error"), string("cancelled")]);
    defs.push((
        "observations".into(),
        query(
            "O",
            retrieve("Observation"),
            Some(not(coalesce(vec![elm::in_list(scoped("O", "status.value"), skip), boolean(false)]))),
            None,
        ),
    ));
    // Each kind a `from` reads, retrieved once (`Reader::resource`: an
    // Observation entered in error or cancelled, and a Condition entered
    // in error, are not read).
    let mut kinds: Vec<&str> = art.inputs.iter().filter_map(|i| i.from.as_deref()?.split('.').next()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds.into_iter().filter(|k| *k != "Patient") {
        let r = expr_ref_alias("R");
        let first_code = first(query(
            "X",
            elm::property(r.clone(), "verificationStatus.coding"),
            Some(not(is_null_of(scoped("X", "code.value")))),
            Some(scoped("X", "code.value")),
        ));
        let filter = match kind {
            "Observation" => Some(not(coalesce(vec![
                elm::in_list(
                    elm::property(r, "status.value"),
                    list(vec![string("entered-in-error"), string("cancelled")]),
                ),
                boolean(false),
            ]))),
            "Condition" => {
                Some(not(coalesce(vec![binary("Equal", first_code, string("entered-in-error")), boolean(false)])))
            }
            _ => None,
        };
        defs.push((format!("resources {kind}"), query("R", retrieve(kind), filter, None)));
    }
    defs
}

/// The definitions of one field, and its value as the evaluator sees it.
pub(crate) fn field(
    art: &Artifact,
    i: usize,
    families: &mut Option<Vec<(bool, bool)>>,
) -> Result<(Vec<Def>, Ev), CpgError> {
    let input = &art.inputs[i];
    let mut defs = Vec::new();
    let raw = raw_name(input);
    // The values found and whether some data could not be read.
    let (found, bad): (J, J) = match &input.from {
        Some(from) => {
            let fam = families.get_or_insert_with(|| compared_families(art)).get(i).copied().unwrap_or((true, true));
            element(input, from, fam)?
        }
        None => {
            let mut sources = Vec::new();
            let mut bads = Vec::new();
            if !input.codes.is_empty() {
                let hit = any_code(scoped("O", "code.coding"), &input.codes);
                let obs = query("O", expr_ref("observations"), Some(hit), Some(scoped("O", "value")));
                sources.push(obs);
            }
            let mut keys: Vec<&str> = vec![input.path.as_str()];
            keys.extend(input.codes.iter().map(|c| c.code.as_str()));
            let link = scoped("I", "linkId.value");
            let named = or(keys
                .iter()
                .flat_map(|k| {
                    [
                        binary("Equal", link.clone(), string(k)),
                        elm::binary("EndsWith", link.clone(), string(&format!("/{k}"))),
                    ]
                })
                .collect());
            let items = query("I", expr_ref("items"), Some(named), Some(scoped("I", "answer")));
            sources.push(query("A", flatten(items), None, Some(scoped("A", "value"))));
            let values = flatten(list(sources));
            let name = format!("values.{}", input.path);
            defs.push((name.clone(), values));
            let (ok, val) = answer(input)?;
            // What was read, without what gives no value (a partial date).
            let read = query("V", expr_ref(&name), Some(ok.clone()), Some(val));
            let readable = query("X", read, Some(not(is_null_of(expr_ref_alias("X")))), None);
            bads.push(exists(query("V", expr_ref(&name), Some(not(coalesce(vec![ok, boolean(false)]))), None)));
            (readable, or(bads))
        }
    };
    let found_name = format!("found.{}", input.path);
    defs.push((found_name.clone(), found));
    let found = expr_ref(&found_name);
    // `Reader::finish`: a set is every value found; a boolean read from
    // codes is true if any resource says so; anything else is one value,
    // and two different ones are an error.
    let (value, conflict) = match &input.ty {
        ValueType::Set { .. } => {
            let all = distinct(flatten(found.clone()));
            (if_(exists(all.clone()), all, null()), boolean(false))
        }
        ValueType::Boolean if input.from.is_some() => (
            if_(exists(found.clone()), serde_json::json!({"type": "AnyTrue", "source": found.clone()}), null()),
            boolean(false),
        ),
        ValueType::Duration => {
            // Three Integers a value: compared as lists.
            (first(found.clone()), binary("Greater", count(distinct(found.clone())), integer(1)))
        }
        _ => (first(found.clone()), binary("Greater", count(distinct(found.clone())), integer(1))),
    };
    let ev = match &input.ty {
        ValueType::Duration => {
            defs.push((format!("{raw} list"), value));
            let part = |k: i64| elm::binary("Indexer", expr_ref(&format!("{raw} list")), integer(k));
            defs.push((format!("{raw}.months"), part(0)));
            defs.push((format!("{raw}.days"), part(1)));
            defs.push((format!("{raw}.minutes"), part(2)));
            Ev::Dur {
                m: expr_ref(&format!("{raw}.months")),
                d: expr_ref(&format!("{raw}.days")),
                t: expr_ref(&format!("{raw}.minutes")),
            }
        }
        _ => {
            defs.push((raw.clone(), value));
            let r = expr_ref(&raw);
            match &input.ty {
                ValueType::Boolean => Ev::Bool(r),
                ValueType::Integer | ValueType::Decimal => {
                    let x = elm::to_decimal(r);
                    let (lo, hi) = match input.range {
                        Some((lo, hi)) => (dec(lo)?, dec(hi)?),
                        None => (null(), null()),
                    };
                    Ev::Num { lo: coalesce(vec![x.clone(), lo]), hi: coalesce(vec![x, hi]) }
                }
                ValueType::Date => Ev::Date(r),
                ValueType::Text => Ev::Text(r),
                ValueType::Enum { .. } => Ev::Enum(r),
                ValueType::Set { values } => Ev::Set { list: r, values: values.clone() },
                ValueType::Duration => Ev::Unknown,
            }
        }
    };
    // `bind`: what the evaluator refuses of a value it was given.
    let mut refused = vec![bad, conflict];
    match (&input.ty, input.range) {
        (ValueType::Integer | ValueType::Decimal, Some((lo, hi))) => {
            let x = elm::to_decimal(expr_ref(&raw));
            refused.push(or(vec![binary("Less", x.clone(), dec(lo)?), binary("Greater", x, dec(hi)?)]));
        }
        (ValueType::Duration, _) => {
            let max_days = MAX_YEARS * 366;
            let over =
                |k: &str, n: i64| binary("Greater", elm::unary("Abs", expr_ref(&format!("{raw}.{k}"))), integer(n));
            refused.push(or(vec![
                over("months", MAX_YEARS * 12),
                over("days", max_days),
                over("minutes", max_days * 24 * 60),
            ]));
        }
        _ => {}
    }
    defs.push((invalid_name(input), coalesce(vec![or(refused), boolean(false)])));
    Ok((defs, ev))
}

fn dec(x: f64) -> Result<J, CpgError> {
    elm::decimal(x).ok_or_else(|| CpgError::Invalid(format!("the bound {x} is not a CQL Decimal")))
}

/// Whether any coding of `codings` (a list of FHIR Codings) is one of `codes`.
fn any_code(codings: J, codes: &[guidepath_ir::Code]) -> J {
    let hit = or(codes
        .iter()
        .map(|c| {
            and(vec![
                binary("Equal", scoped("C", "system.value"), string(&c.system)),
                binary("Equal", scoped("C", "code.value"), string(&c.code)),
            ])
        })
        .collect());
    exists(query("C", codings, Some(hit), None))
}

/// The codings of a FHIR value that is a Coding or a CodeableConcept.
fn codings_of(v: J) -> J {
    if_(
        is_type(v.clone(), "Coding"),
        list(vec![as_type(v.clone(), "Coding")]),
        elm::property(as_type(v, "CodeableConcept"), "coding"),
    )
}

/// `Reader::answer`: when the FHIR value `V` can be read as the field's
/// value, and that value.
fn answer(input: &Input) -> Result<(J, J), CpgError> {
    let v = expr_ref_alias("V");
    let is = |t: &str| is_type(v.clone(), t);
    let val = |t: &str| elm::property(as_type(v.clone(), t), "value");
    Ok(match &input.ty {
        ValueType::Boolean => {
            let yes_no = |want: bool| {
                let (la, hl7) = if want { ("LA33-6", "Y") } else { ("LA32-8", "N") };
                let c = |s: &str, code: &str| {
                    and(vec![
                        binary("Equal", scoped("C", "system.value"), string(s)),
                        binary("Equal", scoped("C", "code.value"), string(code)),
                    ])
                };
                or(vec![c(systems::LOINC, la), c(YES_NO, hl7)])
            };
            // The first coding that says yes or no decides.
            let said = first(query(
                "C",
                codings_of(v.clone()),
                Some(or(vec![yes_no(true), yes_no(false)])),
                Some(yes_no(true)),
            ));
            let coded = or(vec![is("Coding"), is("CodeableConcept")]);
            let ok = or(vec![
                is("boolean"),
                and(vec![is("integer"), elm::in_list(val("integer"), list(vec![integer(0), integer(1)]))]),
                and(vec![coded.clone(), not(is_null_of(said.clone()))]),
            ]);
            let value = case(
                vec![(is("boolean"), val("boolean")), (is("integer"), binary("Equal", val("integer"), integer(1)))],
                said,
            );
            (ok, value)
        }
        ValueType::Integer | ValueType::Decimal => {
            let q = as_type(v.clone(), "Quantity");
            let qv = elm::property(q.clone(), "value.value");
            let unit = coalesce(vec![elm::property(q.clone(), "code.value"), elm::property(q, "unit.value")]);
            let fits = match input.unit {
                None | Some(Unit::Points) => or(vec![
                    is_null_of(unit.clone()),
                    elm::in_list(unit, list(["1", "{score}", "{points}", "{#}"].iter().map(|s| string(s)).collect())),
                ]),
                Some(u) => binary("Equal", unit, string(ucum_of_unit(u))),
            };
            let x = case(
                vec![(is("integer"), elm::to_decimal(val("integer"))), (is("decimal"), val("decimal"))],
                if_(is("Quantity"), qv.clone(), null()),
            );
            let typed = or(vec![is("integer"), is("decimal"), and(vec![is("Quantity"), not(is_null_of(qv)), fits])]);
            let whole = if input.ty == ValueType::Integer {
                binary("Equal", elm::unary("Truncate", x.clone()), x.clone())
            } else {
                boolean(true)
            };
            let value = if input.ty == ValueType::Integer { elm::unary("Truncate", x) } else { x };
            (and(vec![typed, whole]), value)
        }
        ValueType::Duration => {
            let q = as_type(v.clone(), "Quantity");
            let qv = elm::property(q.clone(), "value.value");
            let unit = coalesce(vec![elm::property(q.clone(), "code.value"), elm::property(q, "unit.value")]);
            // `Duration::of`: whole amounts of a time unit, as months,
            // days and minutes.
            let n = elm::unary("Truncate", qv.clone());
            let part = |units: &[(&str, i64)]| {
                case(
                    units
                        .iter()
                        .map(|(u, k)| {
                            (binary("Equal", unit.clone(), string(u)), binary("Multiply", n.clone(), integer(*k)))
                        })
                        .collect(),
                    integer(0),
                )
            };
            let months = part(&[("a", 12), ("mo", 1)]);
            let days = part(&[("wk", 7), ("d", 1)]);
            let minutes = part(&[("h", 60), ("min", 1)]);
            let time = elm::in_list(unit, list(["a", "mo", "wk", "d", "h", "min"].iter().map(|s| string(s)).collect()));
            let ok = and(vec![
                is("Quantity"),
                not(is_null_of(qv.clone())),
                binary("Equal", elm::unary("Truncate", qv.clone()), qv),
                time,
            ]);
            (ok, list(vec![months, days, minutes]))
        }
        ValueType::Enum { values } | ValueType::Set { values } => {
            let names = query("C", codings_of(v.clone()), None, Some(value_of_coding(input, values)));
            let named = query("N", names, Some(not(is_null_of(expr_ref_alias("N")))), None);
            let by_string = if_(
                elm::in_list(val("string"), list(values.iter().map(|s| string(s)).collect())),
                val("string"),
                null(),
            );
            let coded = or(vec![is("Coding"), is("CodeableConcept")]);
            let ok = or(vec![
                and(vec![coded.clone(), exists(named.clone())]),
                and(vec![is("string"), not(is_null_of(by_string.clone()))]),
            ]);
            let value = if matches!(input.ty, ValueType::Set { .. }) {
                if_(coded, named, list(vec![by_string]))
            } else {
                if_(coded, first(named), by_string)
            };
            (ok, value)
        }
        ValueType::Text => (is("string"), val("string")),
        ValueType::Date => {
            let d = case(
                vec![(is("date"), val("date")), (is("dateTime"), elm::unary("DateFrom", val("dateTime")))],
                null(),
            );
            let full = not(is_null_of(elm::component("Day", d.clone())));
            // A partial date is no value, not an error.
            let partial = and(vec![or(vec![is("date"), is("dateTime")]), not(full.clone())]);
            (or(vec![full, partial]), if_(not(is_null_of(elm::component("Day", d.clone()))), d, null()))
        }
    })
}

/// The value name a coding `C` names: by the values' codes, or by name
/// when no value has a code (`value_by_code`).
fn value_of_coding(input: &Input, values: &[String]) -> J {
    let arms: Vec<(J, J)> = values
        .iter()
        .enumerate()
        .filter_map(|(k, name)| {
            let test = if input.value_codes.is_empty() {
                binary("Equal", scoped("C", "code.value"), string(name))
            } else {
                let codes = input.value_codes.get(k)?;
                if codes.is_empty() {
                    return None;
                }
                or(codes
                    .iter()
                    .map(|c| {
                        and(vec![
                            binary("Equal", scoped("C", "system.value"), string(&c.system)),
                            binary("Equal", scoped("C", "code.value"), string(&c.code)),
                        ])
                    })
                    .collect())
            };
            Some((test, string(name)))
        })
        .collect();
    case(arms, null())
}

fn expr_ref_alias(alias: &str) -> J {
    serde_json::json!({"type": "AliasRef", "name": alias})
}

/// `Reader::elements`: a field read from the element a `from` names.
fn element(input: &Input, from: &str, families: (bool, bool)) -> Result<(J, J), CpgError> {
    let el = binding::element(from)
        .ok_or_else(|| CpgError::Invalid(format!("`{from}` is not an element guidepath reads")))?;
    let (kind, path) = from.split_once('.').unwrap_or((from, ""));
    let r = expr_ref_alias("R");
    let mut filters = Vec::new();
    let first_code = |element: &str| {
        first(query(
            "X",
            elm::property(r.clone(), &format!("{element}.coding")),
            Some(not(is_null_of(scoped("X", "code.value")))),
            Some(scoped("X", "code.value")),
        ))
    };
    if !input.codes.is_empty() && el.path != "Condition.code" {
        let concept = if kind == "Encounter" {
            flatten(query("T", elm::property(r.clone(), "type"), None, Some(scoped("T", "coding"))))
        } else {
            elm::property(r.clone(), "code.coding")
        };
        filters.push(any_code(concept, &input.codes));
    }
    let resources = if kind == "Patient" {
        list(vec![expr_ref("Patient")])
    } else {
        query("R", expr_ref(&format!("resources {kind}")), Some(and(filters)), None)
    };
    let resources = if kind == "Patient" { query("R", resources, None, None) } else { resources };
    match el.yields {
        Yields::Date => {
            // The element's date, when it is a whole date (`fhir_date`).
            let value = match path {
                "birthDate" | "authoredOn" | "recordedDate" => elm::property(r.clone(), &format!("{path}.value")),
                "period.start" => elm::property(r.clone(), "period.start.value"),
                other => {
                    let (choice, ty) = match other {
                        "onsetDateTime" => ("onset", "dateTime"),
                        "effectiveDateTime" => ("effective", "dateTime"),
                        "performedDateTime" => ("performed", "dateTime"),
                        _ => return Err(CpgError::Invalid(format!("`{from}` is not read from a date"))),
                    };
                    elm::property(as_type(elm::property(r.clone(), choice), ty), "value")
                }
            };
            // A FHIR `date` is a Date already; a `dateTime` gives its date
            // as written.
            let as_date = if path == "birthDate" { value.clone() } else { elm::unary("DateFrom", value.clone()) };
            let day = if_(not(is_null_of(elm::component("Day", value))), as_date, null());
            let dates = query("R", resources, None, Some(day));
            let dates = query("D", dates, Some(not(is_null_of(expr_ref_alias("D")))), None);
            let d = expr_ref_alias("D");
            let at = elm::param_ref("Evaluation date");
            // A date after the evaluation date cannot be counted from; a
            // date field takes it as it is (`Reader::since_date`).
            let after = if input.ty == ValueType::Date {
                boolean(false)
            } else {
                exists(query("D", dates.clone(), Some(binary("Greater", d.clone(), at.clone())), None))
            };
            let counted = since_date(input, d, at, families)?;
            Ok((query("D", dates, None, Some(counted)), after))
        }
        Yields::Coding => {
            let concept = if path == "bodySite" {
                flatten(query("B", elm::property(r.clone(), "bodySite"), None, Some(scoped("B", "coding"))))
            } else {
                elm::property(r.clone(), "code.coding")
            };
            let verification = first_code("verificationStatus");
            let refuted = coalesce(vec![binary("Equal", verification, string("refuted")), boolean(false)]);
            match &input.ty {
                ValueType::Boolean => {
                    let gone = or(vec![
                        refuted,
                        coalesce(vec![
                            elm::in_list(
                                first_code("clinicalStatus"),
                                list(vec![string("inactive"), string("remission"), string("resolved")]),
                            ),
                            boolean(false),
                        ]),
                    ]);
                    let hit = any_code(concept, &input.codes);
                    Ok((query("R", resources, Some(hit), Some(not(gone))), boolean(false)))
                }
                ValueType::Enum { values } | ValueType::Set { values } => {
                    let names = query("C", concept, None, Some(value_of_coding(input, values)));
                    let names = query("N", names, Some(not(is_null_of(expr_ref_alias("N")))), None);
                    let per = query("R", resources, Some(not(refuted)), Some(names));
                    let per = query("L", per, Some(exists(expr_ref_alias("L"))), None);
                    if matches!(input.ty, ValueType::Set { .. }) {
                        Ok((per, boolean(false)))
                    } else {
                        // One resource naming two values is an error.
                        let two = exists(query(
                            "L",
                            per.clone(),
                            Some(binary("Greater", count(expr_ref_alias("L")), integer(1))),
                            None,
                        ));
                        Ok((query("L", per, None, Some(first(expr_ref_alias("L")))), two))
                    }
                }
                _ => Err(CpgError::Invalid(format!("`{from}` gives codes, not {}", binding::type_name(&input.ty)))),
            }
        }
    }
}

/// `Reader::since_date`: a date as the field's value, counted to the
/// evaluation date (`at`).
fn since_date(input: &Input, d: J, at: J, (by_months, by_days): (bool, bool)) -> Result<J, CpgError> {
    let months = elm::call("WholeMonths", vec![d.clone(), at.clone()]);
    let rest = elm::days_between(elm::call("AddMonths", vec![d.clone(), months.clone()]), at.clone());
    let days = elm::days_between(d.clone(), at.clone());
    Ok(match (&input.ty, input.unit) {
        (ValueType::Date, _) => d,
        (ValueType::Duration, _) => {
            // `Reader::duration`.
            if by_days && !by_months {
                list(vec![integer(0), days, integer(0)])
            } else if by_months && !by_days {
                list(vec![months, elm::min_of(vec![rest, integer(27)]), integer(0)])
            } else {
                list(vec![months, rest, integer(0)])
            }
        }
        (_, Some(Unit::Years)) => elm::binary("TruncatedDivide", months, integer(12)),
        (_, Some(Unit::Months)) => months,
        (_, Some(Unit::Weeks)) => elm::binary("TruncatedDivide", days, integer(7)),
        (_, Some(Unit::Days)) => days,
        _ => return Err(CpgError::Invalid(format!("cannot count {} from a date", binding::type_name(&input.ty)))),
    })
}
