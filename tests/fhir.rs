//! FHIR Bundles in, results out: every Bundle of `tests/fhir/` (made by
//! `tests/fhir/gen.py`) read by the guideline's bindings, evaluated, and
//! checked against what `tests/fhir/cases.json` says it decides.

use guidepath_eval::{Evaluator, ReportOptions};
use guidepath_fhir::{read, Resources};
use guidepath_ir::calendar::parse_date;
use guidepath_tests::root;
use serde_json::Value as J;

fn evaluator(guideline: &str) -> Evaluator {
    let c = guidepath_check::compile(&guidepath_check::Disk, &root().join(guideline));
    Evaluator::new(c.lowered.expect("the guideline compiles").artifact).expect("an artifact")
}

fn load(name: &str) -> J {
    let text = std::fs::read_to_string(root().join("tests/fhir").join(name)).expect("a Bundle");
    serde_json::from_str(&text).expect("JSON")
}

/// A Bundle of `tests/fhir/` read and evaluated: the reading and the
/// result (explained, with the longer texts), after checking that the
/// fields the result's JSON names in `needs` are those of the report.
fn evaluate_bundle(ev: &Evaluator, name: &str, at: i64) -> (guidepath_fhir::Reading, J) {
    let bundle = load(name);
    let mut res = Resources::default();
    res.add(&bundle, "").unwrap();
    let reading = read(ev.artifact(), &res, at).unwrap();
    let bound = ev.bind(&reading.patient).unwrap();
    let out = ev.evaluate(&bound);
    let report = out.report_with(&ReportOptions { explain: true, lang: None, texts: true });
    let result = serde_json::to_value(&report).unwrap();
    let mut from_json = guidepath_fhir::results::needed_fields(&result);
    let mut from_report: Vec<String> = report.needs().into_iter().map(str::to_string).collect();
    from_json.sort();
    from_report.sort();
    assert_eq!(from_json, from_report, "{name}: the result's needs, from the JSON and from the report");
    (reading, result)
}

#[test]
fn bundles_decide_what_the_cases_say() {
    let manifest = load("cases.json");
    let at = parse_date(manifest["at"].as_str().unwrap()).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert!(cases.len() >= 14, "the cases are there");
    for case in cases {
        let name = case["bundle"].as_str().unwrap();
        let ev = evaluator(case["guideline"].as_str().unwrap());
        let bundle = load(name);
        let mut res = Resources::default();
        res.add(&bundle, "").unwrap();
        let reading = read(ev.artifact(), &res, at);
        if let Some(words) = case["error"].as_array() {
            let errors = reading.expect_err(name);
            let text: String = errors.iter().map(|e| format!("{e}\n")).collect();
            for w in words {
                assert!(text.contains(w.as_str().unwrap()), "{name}: `{w}` not in {text}");
            }
            continue;
        }
        let reading = reading.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let bound = ev.bind(&reading.patient).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let out = ev.evaluate(&bound);
        let result = serde_json::to_value(out.report_with(&ReportOptions::default())).unwrap();
        let find = |list: &str, id: &str| -> J {
            result[list].as_array().unwrap().iter().find(|x| x["id"] == id).cloned().unwrap_or(J::Null)
        };
        for (id, want) in case["strata"].as_object().into_iter().flatten() {
            assert_eq!(&find("strata", id)["stratum"], want, "{name}: {id}");
        }
        for (id, want) in case["scores"].as_object().into_iter().flatten() {
            assert_eq!(find("scores", id)["value"].as_f64(), want.as_f64(), "{name}: {id}");
        }
        if let Some(want) = case["applies"].as_array() {
            let applies: Vec<&str> = result["recommendations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["applies"] == true)
                .map(|r| r["id"].as_str().unwrap())
                .collect();
            let want: Vec<&str> = want.iter().map(|w| w.as_str().unwrap()).collect();
            assert_eq!(applies, want, "{name}");
        }
        let needs = guidepath_fhir::results::needed_fields(&result);
        for n in case["needs"].as_array().into_iter().flatten() {
            assert!(needs.iter().any(|x| x == n.as_str().unwrap()), "{name}: {n} not needed in {needs:?}");
        }
    }
}

/// Results as FHIR: STarT Back's risk as LOINC 91352-5 with the answer
/// code of the group, its total as 91351-7, and the GuidanceResponse.
#[test]
fn results_as_fhir_carry_the_published_codes() {
    let ev = evaluator("guidelines/dk/early_stratified_care.guide");
    let at = parse_date("2026-12-01").unwrap();
    let (reading, result) = evaluate_bundle(&ev, "start_back_high.json", at);
    let cx = guidepath_fhir::results::Context { at, reading: Some(&reading) };
    let b = guidepath_fhir::results::bundle(ev.artifact(), &result, cx);
    let resources: Vec<&J> = b["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).collect();
    let obs = |code: &str| {
        resources.iter().find(|r| r["code"]["coding"][0]["code"] == code).unwrap_or_else(|| panic!("{code}: {b}"))
    };
    assert_eq!(obs("91352-5")["valueCodeableConcept"]["coding"][0]["code"], "LA9193-9");
    assert_eq!(obs("91351-7")["valueQuantity"]["value"], 4);
    assert_eq!(obs("91350-9")["subject"]["reference"], "Patient/p1");
    let gr = resources.iter().find(|r| r["resourceType"] == "GuidanceResponse").unwrap();
    assert_eq!(gr["status"], "success");
    let actions = gr["contained"][0]["action"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["title"] == "Tværfagligt vurderings- og behandlingsspor"), "{gr}");
}

/// A Bundle without the questionnaire: `data-required`, with a data
/// requirement for each item by its LOINC code.
#[test]
fn missing_data_is_required_by_code() {
    let ev = evaluator("guidelines/dk/early_stratified_care.guide");
    let at = parse_date("2026-12-01").unwrap();
    let (reading, result) = evaluate_bundle(&ev, "start_back_missing.json", at);
    let gr = guidepath_fhir::results::guidance_response(
        ev.artifact(),
        &result,
        guidepath_fhir::results::Context { at, reading: Some(&reading) },
    );
    assert_eq!(gr["status"], "data-required");
    let reqs = gr["dataRequirement"].as_array().unwrap();
    assert!(reqs.iter().any(|r| r["codeFilter"][0]["code"][0]["code"] == "91340-0"), "{gr}");
    let cards = guidepath_fhir::cards(ev.artifact(), &result, Some(&reading), None);
    let last = cards["cards"].as_array().unwrap().last().unwrap().clone();
    // In the guideline's language, the route too (before: "with code" in a
    // Danish card).
    assert!(last["detail"].as_str().unwrap().contains("med kode loinc 91340-0"), "{last}");
    assert!(!last["detail"].as_str().unwrap().contains("with code"), "{last}");
}

/// Bad FHIR is an error with its place, never a panic: not an object, no
/// `resourceType`, an answer of the wrong kind, a unit that is not the
/// field's.
#[test]
fn unusable_fhir_names_the_place() {
    let ev = evaluator("guidelines/se/skane_mms.guide");
    let at = parse_date("2026-12-01").unwrap();
    let try_read = |v: J| -> String {
        let mut res = Resources::default();
        if let Err(e) = res.add(&v, "") {
            return e.to_string();
        }
        match read(ev.artifact(), &res, at) {
            Ok(r) => format!("ok {}", r.patient),
            Err(e) => e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        }
    };
    assert!(try_read(serde_json::json!([1])).contains("expected a FHIR resource"));
    assert!(try_read(serde_json::json!({"entry": []})).contains("needs `resourceType`"));
    let qr = serde_json::json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "linton_score", "answer": [{"valueString": "high"}]}]});
    let e = try_read(qr);
    assert!(e.contains("item[0].answer[0].valueString") && e.contains("linton_score"), "{e}");
    let obs = serde_json::json!({"resourceType": "Patient", "id": "x", "birthDate": "2030-01-01"});
    assert!(try_read(obs).contains("after the evaluation date"));
    let partial = serde_json::json!({"resourceType": "Patient", "id": "x", "birthDate": "1980"});
    assert_eq!(try_read(partial), "ok {}", "a year alone leaves the age unknown");
    // A character across the tenth byte once panicked the date reader (it
    // sliced the text at byte 10).
    let split = serde_json::json!({"resourceType": "Patient", "id": "x", "birthDate": "1980-01-0é"});
    assert!(try_read(split).contains("expected a FHIR date"));
}

/// A result of FHIR data, with its `fhir` member, is a result by the
/// documented schema.
#[test]
fn a_result_of_fhir_data_meets_the_result_schema() {
    let schema: J =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/schema/result.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("a valid schema");
    let ev = evaluator("guidelines/dk/early_stratified_care.guide");
    let at = parse_date("2026-12-01").unwrap();
    for name in ["start_back_high.json", "start_back_missing.json"] {
        let (reading, mut result) = evaluate_bundle(&ev, name, at);
        let needed = guidepath_fhir::results::needed_fields(&result);
        result["fhir"] =
            guidepath_fhir::results::annotation(ev.artifact(), needed.iter().map(String::as_str), &reading);
        let errors: Vec<String> = validator.iter_errors(&result).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

/// A patient as FHIR, the way a record system would hold it: the age as a
/// birth date, a duration as a Condition's onset, sites and low back pain as
/// coded Conditions, answers in a QuestionnaireResponse by linkId or LOINC
/// code, the referral date on a ServiceRequest. Unknown values are left out.
fn as_fhir(patient: &J, at: i64) -> J {
    use guidepath_ir::calendar::{add_months, format_date};
    let mut entries: Vec<J> = Vec::new();
    let mut items: Vec<J> = Vec::new();
    let sct = "http://snomed.info/sct";
    let condition = |id: &str, code: &str, status: &str, onset: Option<String>| {
        let mut c = serde_json::json!({
            "resourceType": "Condition", "id": id,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
            "code": {"coding": [{"system": sct, "code": code}]},
            "subject": {"reference": "Patient/p"},
        });
        if let Some(o) = onset {
            c["onsetDateTime"] = J::String(o);
        }
        c
    };
    let mut patient_res = serde_json::json!({"resourceType": "Patient", "id": "p"});
    for (k, v) in patient.as_object().unwrap() {
        match (k.as_str(), v) {
            ("age", J::Number(n)) => {
                patient_res["birthDate"] = J::String(format_date(add_months(at, -12 * n.as_i64().unwrap())));
            }
            ("pain_duration", J::String(d)) => {
                let months: i64 = d.trim_start_matches('P').trim_end_matches('M').parse().unwrap();
                entries.push(condition("chronic", "82423001", "active", Some(format_date(add_months(at, -months)))));
            }
            ("pain_sites", J::Array(sites)) => {
                for s in sites {
                    let code = match s.as_str().unwrap() {
                        "neck" => "81680005",
                        "shoulders" => "45326000",
                        "low_back" => "279039007",
                        _ => "203082005",
                    };
                    entries.push(condition(&format!("site-{code}"), code, "active", None));
                }
            }
            ("back_pain", J::Bool(b)) => {
                entries.push(condition("lbp", "279039007", if *b { "active" } else { "resolved" }, None));
            }
            // The day the provider received the referral: an answer.
            ("referral_date", J::String(d)) => {
                items.push(serde_json::json!({"linkId": "referral_date", "answer": [{"valueDate": d}]}))
            }
            ("start_back", J::Object(answers)) => {
                let loinc =
                    ["91340-0", "91341-8", "91342-6", "91343-4", "91344-2", "91345-9", "91346-7", "91347-5", "91348-3"];
                for (q, a) in answers {
                    let i: usize = q.trim_start_matches('q').parse().unwrap();
                    let answer = match a {
                        J::Bool(b) => serde_json::json!({"valueBoolean": b}),
                        J::String(s) => serde_json::json!({"valueCoding": {"code": s}}),
                        _ => unreachable!(),
                    };
                    items.push(serde_json::json!({"linkId": format!("/91349-1/{}", loinc[i - 1]), "answer": [answer]}));
                }
            }
            (path, J::Bool(b)) => items.push(serde_json::json!({"linkId": path, "answer": [{"valueBoolean": b}]})),
            (path, J::Number(n)) => items.push(serde_json::json!({"linkId": path, "answer": [{"valueInteger": n}]})),
            (path, other) => panic!("no FHIR form for {path} = {other}"),
        }
    }
    entries.push(patient_res);
    entries.push(serde_json::json!({"resourceType": "QuestionnaireResponse", "id": "qr", "status": "completed",
            "subject": {"reference": "Patient/p"}, "item": items}));
    serde_json::json!({"resourceType": "Bundle", "type": "collection",
        "entry": entries.into_iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>()})
}

/// A xorshift generator: patients that are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// Sets `key` four times in five; otherwise the value is unknown.
    fn maybe(&mut self, p: &mut serde_json::Map<String, J>, key: &str, v: J) {
        if self.below(5) > 0 {
            p.insert(key.into(), v);
        }
    }
}

/// Random patients, each evaluated from its JSON and from its FHIR form:
/// the same data read back and the same result, for Skåne (ages around 16
/// and 70, Linton around 50, durations around 3 months, every site) and the
/// Danish stratified care (every STarT Back answer, low back pain resolved
/// or active). Unknown values stay unknown either way.
#[test]
fn random_patients_decide_the_same_from_json_and_from_fhir() {
    let at = parse_date("2026-12-01").unwrap();
    let skane = evaluator("guidelines/se/skane_mms.guide");
    let dk = evaluator("guidelines/dk/early_stratified_care.guide");
    // A small fixed generator: the same patients on every run.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..2000 {
        let mut p = serde_json::Map::new();
        let ev = if i % 2 == 0 {
            let age = [15, 16, 17, 69, 70, 71, 40][rng.below(7)];
            rng.maybe(&mut p, "age", J::from(age));
            let months = [2, 3, 4, 12][rng.below(4)];
            rng.maybe(&mut p, "pain_duration", J::String(format!("P{months}M")));
            let sites: Vec<J> = ["neck", "shoulders", "low_back", "generalized"]
                .iter()
                .filter(|_| rng.below(2) == 0)
                .map(|s| J::from(*s))
                .collect();
            if !sites.is_empty() {
                rng.maybe(&mut p, "pain_sites", J::Array(sites));
            }
            let linton = [49, 50, 51, 0, 100][rng.below(5)];
            rng.maybe(&mut p, "linton_score", J::from(linton));
            let referral = ["2026-01-31", "2026-11-02"][rng.below(2)];
            rng.maybe(&mut p, "referral_date", J::from(referral));
            for b in [
                "very_pronounced_symptoms",
                "very_long_sick_leave",
                "previous_treatment_failed",
                "unsuitable_for_treatment",
            ] {
                let v = rng.below(2) == 0;
                rng.maybe(&mut p, b, J::Bool(v));
            }
            &skane
        } else {
            let age = [17, 18, 19, 60][rng.below(4)];
            rng.maybe(&mut p, "age", J::from(age));
            let (back, flags) = (rng.below(2) == 0, rng.below(2) == 0);
            rng.maybe(&mut p, "back_pain", J::Bool(back));
            rng.maybe(&mut p, "red_flags", J::Bool(flags));
            let mut sb = serde_json::Map::new();
            for q in 1..=8 {
                let v = rng.below(2) == 0;
                rng.maybe(&mut sb, &format!("q{q}"), J::Bool(v));
            }
            let o = ["not_at_all", "slightly", "moderately", "very_much", "extremely"][rng.below(5)];
            rng.maybe(&mut sb, "q9", J::from(o));
            if !sb.is_empty() {
                p.insert("start_back".into(), J::Object(sb));
            }
            &dk
        };
        let patient = J::Object(p);
        let bundle = as_fhir(&patient, at);
        let mut res = Resources::default();
        res.add(&bundle, "").unwrap();
        let reading = read(ev.artifact(), &res, at).unwrap_or_else(|e| panic!("{patient}: {e:?}"));
        let from_json = ev.bind(&patient).unwrap();
        let from_fhir = ev.bind(&reading.patient).unwrap_or_else(|e| panic!("{patient}: {e:?}"));
        let a = serde_json::to_value(ev.evaluate(&from_json).report_with(&ReportOptions::default())).unwrap();
        let b = serde_json::to_value(ev.evaluate(&from_fhir).report_with(&ReportOptions::default())).unwrap();
        assert_eq!(a, b, "patient {patient}\nread from FHIR as {}", reading.patient);
    }
}

/// Every shipped guideline and corpus file that compiles: random patients
/// written as FHIR by `guidepath_fhir::write` and read back decide exactly
/// as the patients do (the writer is the reader's inverse; a count or a
/// duration read from a date is written as the day it counts from).
#[test]
fn written_bundles_read_back_to_the_same_results() {
    let at = parse_date("2024-02-29").unwrap();
    let mut files = guidepath_tests::guide_files(&root().join("guidelines"));
    files.extend(guidepath_tests::guide_files(&root().join("tests/corpus")));
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut checked, mut refused) = (0, 0);
    for path in files {
        let c = guidepath_check::compile(&guidepath_check::Disk, &path);
        let Some(lowered) = c.lowered else { continue };
        let Ok(ev) = Evaluator::new(lowered.artifact) else { continue };
        for n in 0..200 {
            let patient = random_patient(ev.artifact(), &mut rng);
            let Ok(original) = ev.evaluate_json(&patient) else { continue };
            let bundle = match guidepath_fhir::write::bundle(ev.artifact(), &patient, at, &format!("p{n}")) {
                Ok(b) => b,
                Err(e) => {
                    // What FHIR cannot carry is refused by name.
                    assert!(!e.field.is_empty(), "{e}");
                    refused += 1;
                    continue;
                }
            };
            let mut res = Resources::default();
            res.add(&bundle, "").unwrap();
            let reading =
                read(ev.artifact(), &res, at).unwrap_or_else(|e| panic!("{}: {bundle}: {e:?}", path.display()));
            let again = ev.evaluate_json(&reading.patient).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            assert_eq!(
                original.to_json(),
                again.to_json(),
                "{}: {patient} read back as {}",
                path.display(),
                reading.patient
            );
            checked += 1;
        }
    }
    assert!(checked > 2000 && refused * 5 < checked, "{checked} patients read back, {refused} refused");
}

/// A patient of values each field can hold in FHIR (sets not empty,
/// durations in one unit, counts from dates within the calendar).
fn random_patient(art: &guidepath_ir::Artifact, rng: &mut Rng) -> J {
    use guidepath_ir::ValueType;
    let mut p = serde_json::Map::new();
    for input in &art.inputs {
        if rng.below(4) == 0 {
            continue;
        }
        let (lo, hi) = input.range.unwrap_or((0.0, 120.0));
        let v = match &input.ty {
            ValueType::Boolean => J::Bool(rng.below(2) == 0),
            ValueType::Integer => J::from(lo as i64 + rng.below((hi - lo) as usize + 1) as i64),
            ValueType::Decimal => J::from(lo + rng.below(((hi - lo) * 2.0) as usize + 1) as f64 / 2.0),
            ValueType::Date => J::from(["2024-02-29", "2023-01-31", "2000-12-31", "1990-06-15"][rng.below(4)]),
            // One read from a date is whole months: days before a day of
            // the calendar are more than days (`P90D` from a date is
            // `P2M29D` or so, which months decide), so they do not read
            // back as they were.
            ValueType::Duration if input.from.is_some() => J::from(["P3M", "P2M", "P12M", "P0M"][rng.below(4)]),
            ValueType::Duration => J::from(["P3M", "P2M", "P90D", "P12M", "P84D", "PT60M", "P0D"][rng.below(7)]),
            ValueType::Text => J::from(["", "x", "ÅÄÖ"][rng.below(3)]),
            ValueType::Enum { values } => J::from(values[rng.below(values.len())].clone()),
            ValueType::Set { values } => {
                let mut s: Vec<J> = values.iter().filter(|_| rng.below(2) == 0).map(|v| J::from(v.clone())).collect();
                if s.is_empty() {
                    s.push(J::from(values[0].clone()));
                }
                J::Array(s)
            }
        };
        let mut node = &mut p;
        let parts: Vec<&str> = input.path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            node =
                node.entry(part.to_string()).or_insert_with(|| J::Object(Default::default())).as_object_mut().unwrap();
        }
        node.insert(parts[parts.len() - 1].to_string(), v);
    }
    J::Object(p)
}

/// An Encounter's `type` is a list of concepts: a field read from
/// `Encounter.period.start` by its code is read (it was never matched, as
/// the list was taken for one concept).
#[test]
fn an_encounter_is_found_by_a_code_in_its_type_list() {
    let ev = guidepath_tests::evaluator_from_text(
        "guideline g \"G\" { version \"1\" issuer \"x\" status active language en source \"x\" }\n\
         input {\n  visit: date from Encounter.period.start code snomed \"185349003\"\n}\n\
         recommend r \"R\" { when visit >= 2024-01-01 }\n",
    );
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p"}},
        {"resource": {"resourceType": "Encounter", "id": "e", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "185349003"}]}],
            "subject": {"reference": "Patient/p"}, "period": {"start": "2024-03-01"}}}
    ]});
    let mut res = Resources::default();
    res.add(&bundle, "").unwrap();
    let reading = read(ev.artifact(), &res, parse_date("2024-06-01").unwrap()).unwrap();
    assert_eq!(reading.patient["visit"], "2024-03-01");
}
