//! `guidepath test`: run inline tests.

use crate::eval::compile_source;
use guidepath_check::{Expectation, Expected, Target, TestCase};
use guidepath_eval::{Evaluator, Outcome};
use guidepath_ir::calendar::format_date;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(paths: Vec<PathBuf>) -> ExitCode {
    let files = match crate::check::files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let lowered = match compile_source(file) {
            Ok(l) => l,
            Err(code) if code == ExitCode::from(2) => return code,
            Err(_) => {
                println!("FAIL {}: the file has errors", file.display());
                failed += 1;
                continue;
            }
        };
        if lowered.tests.is_empty() {
            continue;
        }
        let evaluator = match Evaluator::new(lowered.artifact) {
            Ok(e) => e,
            Err(e) => {
                println!("FAIL {}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        for case in &lowered.tests {
            match run_case(&evaluator, case) {
                Ok(()) => {
                    passed += 1;
                    println!("ok   {}: {}", file.display(), case.name);
                }
                Err(report) => {
                    failed += 1;
                    println!("FAIL {}: {}  ({})\n{report}", file.display(), case.name, case.at);
                }
            }
        }
    }
    println!("\n{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_case(evaluator: &Evaluator, case: &TestCase) -> Result<(), String> {
    let outcome = evaluator
        .evaluate_json(&case.patient)
        .map_err(|errors| errors.iter().map(|e| format!("  invalid test data: {e}\n")).collect::<String>())?;
    let mut report = String::new();
    for x in &case.expects {
        if let Err(actual) = check(&outcome, x) {
            report.push_str(&format!(
                "  {}  ({})\n    expected: {}\n    actual:   {actual}\n",
                x.text,
                x.at,
                describe(&x.expected)
            ));
            report.push_str(&explain(&outcome, &x.target));
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

fn describe(e: &Expected) -> String {
    match e {
        Expected::Applies => "applies".into(),
        Expected::DoesNotApply => "does not apply".into(),
        Expected::Undecided => "undecided".into(),
        Expected::Is(v) => format!("is {v}"),
        Expected::Equals(x) => format!("= {x}"),
        Expected::In(a, b) => format!("in {a}..{b}"),
        Expected::Due(d) => format!("due {}", format_date(*d)),
    }
}

fn tri(t: Option<bool>) -> &'static str {
    match t {
        Some(true) => "applies",
        Some(false) => "does not apply",
        None => "undecided",
    }
}

/// `Err(actual)` when the outcome does not meet the expectation.
fn check(o: &Outcome<'_>, x: &Expectation) -> Result<(), String> {
    let fail = |actual: String| Err(actual);
    match (&x.target, &x.expected) {
        (Target::Recommendation(id), e) => {
            let t = o.recommendation(id).ok_or(format!("no recommendation `{id}`"))?;
            let want = match e {
                Expected::Applies => Some(true),
                Expected::DoesNotApply => Some(false),
                Expected::Undecided => None,
                _ => return fail("an expectation a recommendation cannot have".into()),
            };
            if t == want {
                Ok(())
            } else {
                fail(tri(t).into())
            }
        }
        (Target::Node(id), e) => {
            if let Some(chosen) = o.stratum(id) {
                let ok = match e {
                    Expected::Is(v) => chosen == Some(v.as_str()),
                    Expected::Undecided => chosen.is_none(),
                    _ => false,
                };
                return if ok { Ok(()) } else { fail(chosen.map_or("undecided".into(), |c| format!("is {c}"))) };
            }
            if let Some(t) = o.condition(id) {
                let want = match e {
                    Expected::Applies => Some(true),
                    Expected::DoesNotApply => Some(false),
                    _ => None,
                };
                return if t == want { Ok(()) } else { fail(tri(t).into()) };
            }
            let (lo, hi) = o.number(id).ok_or(format!("`{id}` has no value"))?;
            let ok = match e {
                Expected::Equals(v) => lo == *v && hi == *v,
                Expected::In(a, b) => lo >= *a && hi <= *b,
                Expected::Undecided => lo != hi,
                _ => false,
            };
            let actual = if lo == hi { format!("= {lo}") } else { format!("in {lo}..{hi}") };
            if ok {
                Ok(())
            } else {
                fail(actual)
            }
        }
        (Target::Step(id), e) => {
            let due = o.due(id).ok_or(format!("no step `{id}`"))?;
            let ok = match e {
                Expected::Due(d) => due == Some(*d),
                Expected::Undecided => due.is_none(),
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                fail(due.map_or("unknown".into(), |d| format!("due {}", format_date(d))))
            }
        }
        (Target::Input(id), _) => fail(format!("`{id}` is patient data, not an outcome")),
    }
}

/// The explanation of the rule an expectation is about.
fn explain(o: &Outcome<'_>, target: &Target) -> String {
    let id = match target {
        Target::Recommendation(id) | Target::Node(id) => id,
        _ => return String::new(),
    };
    let json = o.to_json_explained();
    let mut s = String::new();
    for rule in json["explanation"].as_array().into_iter().flatten().filter(|r| r["rule"] == id.as_str()) {
        let mut conds: Vec<&serde_json::Value> =
            rule["conditions"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
        for st in rule["strata"].as_array().into_iter().flatten() {
            conds.extend(st["conditions"].as_array().into_iter().flatten());
        }
        for c in conds {
            s.push_str(&format!("    because {} = {}  {}\n", c["text"].as_str().unwrap_or(""), c["value"], c["data"]));
        }
    }
    s
}
