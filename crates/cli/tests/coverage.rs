//! `guidepath test --coverage`: the goals, what is covered, the JSON
//! contract and the threshold.

#[path = "support/run.rs"]
mod run;

use run::{guidepath, root};

const PARTIAL: &str = "tests/coverage/partial.guide";

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/schema/coverage.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).expect("a valid JSON Schema")
}

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, out, err) = guidepath(args);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let errors: Vec<String> = schema().iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{v}");
    (code, v)
}

#[test]
fn each_kind_of_gap_is_named_with_its_place() {
    let (code, v) = json(&["test", "--coverage", "--format", "json", PARTIAL]);
    assert_eq!(code, 0, "coverage alone does not fail: {v}");
    assert_eq!(v["tests"], serde_json::json!({ "passed": 1, "failed": 0 }));
    assert_eq!(v["coverage"], serde_json::json!({ "covered": 2, "total": 7, "percent": 28.6 }));
    let goals: Vec<(String, String, bool)> = v["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["rule"].as_str().unwrap().into(), g["goal"].as_str().unwrap().into(), g["covered"] == true))
        .collect();
    let want = [
        ("level", "reaches low", true),
        ("level", "reaches high", false),
        ("r", "`a` shown to matter", false),
        ("r", "`b` shown to matter", false),
        ("r", "applies", false),
        ("r", "does not apply", true),
        ("p.visit", "gives a due date", false),
    ];
    for (rule, goal, covered) in want {
        assert!(goals.contains(&(rule.into(), goal.into(), covered)), "{rule} {goal} {covered}: {goals:?}");
    }
    assert_eq!(goals.len(), want.len());
    let by = v["goals"].as_array().unwrap().iter().find(|g| g["goal"] == "reaches low").unwrap();
    assert_eq!(by["by"], serde_json::json!(["a alone fails"]));
}

/// A condition counts only when two tests show that it alone changes the
/// outcome (MC/DC): tests in which `b` is never false leave it uncovered,
/// however often the `and` is decided, and the two missing patients are
/// offered as tests. With them pasted in, every goal is covered. Under the
/// old measure (each operand seen deciding its `and` once), the first file
/// was 100 % covered.
#[test]
fn a_condition_is_covered_only_by_a_pair_that_shows_it_alone_matters() {
    let dir = run::temp_dir("coverage-mcdc");
    let base = std::fs::read_to_string(root().join(PARTIAL)).unwrap()
        + "\ntest \"both hold\" {\n  given { a: true, b: true, score: 9, referral_date: 2024-01-31 }\n  expect r applies\n  expect level is high\n  expect visit due 2024-02-29\n}\n";
    let file = dir.join("full.guide");
    std::fs::write(&file, &base).unwrap();
    let path = file.to_str().unwrap();
    let (code, v) = json(&["test", "--coverage", "--min-coverage", "100", "--format", "json", path]);
    assert_eq!(code, 1, "{v}");
    let goal = |name: &str| v["goals"].as_array().unwrap().iter().find(|g| g["goal"] == name).unwrap().clone();
    let a = goal("`a` shown to matter");
    assert_eq!(a["by"], serde_json::json!(["both hold", "a alone fails"]), "the pair: {a}");
    let b = goal("`b` shown to matter");
    assert_eq!(b["covered"], false, "{b}");
    let suggested: Vec<&str> = b["suggested"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(suggested.len(), 1, "one side is missing: {suggested:?}");
    assert!(suggested[0].contains("given { a: true, b: false"), "{}", suggested[0]);
    assert!(suggested[0].contains("expect r does not apply"), "{}", suggested[0]);
    // The human output offers the same test, ready to paste.
    let (_, out, _) = guidepath(&["test", "--coverage", path]);
    assert!(out.contains("`b` shown to matter") && out.contains("given { a: true, b: false"), "{out}");
    // Pasted in, it covers the goal.
    std::fs::write(&file, format!("{base}\n{}", suggested[0])).unwrap();
    let (code, v) = json(&["test", "--coverage", "--min-coverage", "100", "--format", "json", path]);
    assert_eq!(v["coverage"]["percent"], 100.0, "{v}");
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Where no test shows either side, both patients are offered.
#[test]
fn both_missing_tests_are_offered() {
    let (_, v) = json(&["test", "--coverage", "--format", "json", PARTIAL]);
    let b = v["goals"].as_array().unwrap().iter().find(|g| g["goal"] == "`b` shown to matter").unwrap();
    let suggested: Vec<&str> = b["suggested"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(suggested.len(), 2, "{suggested:?}");
    assert!(
        suggested.iter().any(|t| t.contains("a: true, b: true") && t.contains("expect r applies")),
        "{suggested:?}"
    );
    assert!(suggested.iter().any(|t| t.contains("a: true, b: false") && t.contains("expect r does not apply")));
}

/// A condition no patient can show to matter (it is implied by another on
/// its way) is said so, and not counted.
#[test]
fn a_goal_no_patient_can_cover_is_not_counted() {
    let dir = run::temp_dir("coverage-unreachable");
    let file = dir.join("implied.guide");
    std::fs::write(
        &file,
        "guideline corpus.implied \"Implied\" { issuer \"guidepath\" version \"1\" status draft language en source \"corpus\" }\n\ninput { age : integer years in 0..130 }\n\nrecommend r \"R\" { when age >= 18 and age >= 16 }\n\ntest \"adult\" {\n  given { age: 40 }\n  expect r applies\n}\n\ntest \"child\" {\n  given { age: 10 }\n  expect r does not apply\n}\n",
    )
    .unwrap();
    let (_, v) = json(&["test", "--coverage", "--format", "json", file.to_str().unwrap()]);
    let implied = v["goals"].as_array().unwrap().iter().find(|g| g["goal"] == "`age >= 16` shown to matter").unwrap();
    assert_eq!(implied["unreachable"], true, "{implied}");
    assert_eq!(v["coverage"]["total"], 3, "applies, does not apply, `age >= 18`: {v}");
    let (_, out, _) = guidepath(&["test", "--coverage", file.to_str().unwrap()]);
    assert!(out.contains("no patient can cover (not counted):"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn below_the_minimum_fails() {
    let (code, out, err) = guidepath(&["test", "--coverage", "--min-coverage", "50", PARTIAL]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("coverage 28.6% is below the minimum of 50%"), "{err}");
    let (code, _, _) = guidepath(&["test", "--coverage", "--min-coverage", "25", PARTIAL]);
    assert_eq!(code, 0);
    let (code, _, err) = guidepath(&["test", "--coverage", "--min-coverage", "101", PARTIAL]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_shipped_guidelines_are_fully_covered() {
    let (code, v) = json(&["test", "--coverage", "--min-coverage", "100", "--format", "json", "guidelines"]);
    assert_eq!(code, 0, "{v}");
    // Instrument strata are goals once, in the instrument's file, covered
    // by its own tests and by those of the guidelines that use it.
    let goals = v["goals"].as_array().unwrap();
    let mut places: Vec<(&str, u64, u64, &str)> = goals
        .iter()
        .map(|g| {
            (
                g["file"].as_str().unwrap(),
                g["line"].as_u64().unwrap(),
                g["column"].as_u64().unwrap(),
                g["goal"].as_str().unwrap(),
            )
        })
        .collect();
    let n = places.len();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places.len(), n, "a goal is listed once");
    let high = goals.iter().find(|g| g["rule"] == "start_back.risk" && g["goal"] == "reaches high").unwrap();
    assert!(high["file"].as_str().unwrap().ends_with("instruments/start_back.guide"), "{high}");
    let by: Vec<&str> = high["by"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(by.contains(&"a psychosocial score of 4 is high risk"), "the instrument's own test: {by:?}");
    assert!(by.iter().any(|t| t.contains("interdisciplinary track")), "the Danish guideline's test: {by:?}");
}
