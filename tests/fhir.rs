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
    let cards = guidepath_fhir::cards(ev.artifact(), &result, Some(&reading));
    let last = cards["cards"].as_array().unwrap().last().unwrap().clone();
    assert!(last["detail"].as_str().unwrap().contains("code loinc 91340-0"), "{last}");
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
