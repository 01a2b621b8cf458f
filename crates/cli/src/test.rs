//! `guidepath test`: run inline tests, and with `--coverage` what they
//! leave untested (`guidepath_analysis::coverage`).

use crate::load::LoadError;
use crate::Format;
use guidepath_analysis::coverage::{coverage, Goal};
use guidepath_analysis::gate::Policy;
use guidepath_analysis::inline_tests::run_case;
use guidepath_eval::Evaluator;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub struct CoverageOptions {
    pub min: Option<f64>,
    pub format: Format,
}

/// A goal once, however many files' artifacts hold it (an instrument's
/// strata are in every guideline that uses it): by file, line, column,
/// rule and what.
pub(crate) type GoalKey = (String, u32, u32, String, String);

pub fn run(paths: Vec<PathBuf>, cov: Option<CoverageOptions>, policy: Policy) -> ExitCode {
    let files = match crate::check::files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    // With JSON coverage, standard output is the JSON; the test lines go
    // to standard error.
    let json = cov.as_ref().is_some_and(|c| c.format == Format::Json);
    let say = |line: String| {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut goals: BTreeMap<GoalKey, Vec<String>> = BTreeMap::new();
    for file in &files {
        // A file that cannot be read or has errors fails; the others run.
        let lowered = match crate::load::source(file, policy) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{e}");
                let why = match e {
                    LoadError::Unreadable { .. } => "the file cannot be read",
                    _ => "the file has errors",
                };
                say(format!("FAIL {}: {why}", file.display()));
                failed += 1;
                continue;
            }
        };
        if cov.is_some() {
            match coverage(&lowered.artifact, &lowered.tests) {
                Ok(c) => {
                    for g in c.goals {
                        let (key, by) = keyed(file, g);
                        goals.entry(key).or_default().extend(by);
                    }
                }
                Err(e) => say(format!("FAIL {}: no coverage: {e}", file.display())),
            }
        }
        if lowered.tests.is_empty() {
            continue;
        }
        let evaluator = match Evaluator::new(lowered.artifact) {
            Ok(e) => e,
            Err(e) => {
                say(format!("FAIL {}: {e}", file.display()));
                failed += 1;
                continue;
            }
        };
        for case in &lowered.tests {
            match run_case(&evaluator, case) {
                Ok(()) => {
                    passed += 1;
                    say(format!("ok   {}: {}", file.display(), case.name));
                }
                Err(report) => {
                    failed += 1;
                    say(format!("FAIL {}: {}  ({})\n{report}", file.display(), case.name, case.at));
                }
            }
        }
    }
    say(format!("\n{passed} passed, {failed} failed"));
    let mut code = if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS };
    if let Some(cov) = cov {
        let total = goals.len();
        let covered = goals.values().filter(|by| !by.is_empty()).count();
        let percent = if total == 0 { 100.0 } else { 100.0 * covered as f64 / total as f64 };
        if json {
            println!("{}", coverage_json(&goals, covered, percent, (passed, failed)));
        } else {
            print!("{}", coverage_human(&goals, covered, percent));
        }
        if let Some(min) = cov.min {
            if percent < min {
                eprintln!("error: coverage {percent:.1}% is below the minimum of {min}%");
                code = ExitCode::from(1);
            }
        }
    }
    code
}

/// The goal's key, with its place resolved against the file whose artifact
/// holds it (places name files relative to the guideline's folder).
pub(crate) fn keyed(file: &Path, g: Goal) -> (GoalKey, Vec<String>) {
    let (path, line, column) = match &g.at {
        Some(at) => {
            let dir = file.parent().unwrap_or(Path::new(""));
            let p = guidepath_check::db::normalize(&dir.join(&at.file));
            (p.display().to_string(), at.line, at.column)
        }
        None => (file.display().to_string(), 0, 0),
    };
    ((path, line, column, g.rule, g.what), g.by)
}

fn coverage_human(goals: &BTreeMap<GoalKey, Vec<String>>, covered: usize, percent: f64) -> String {
    let mut out = format!("\ncoverage: {covered} of {} goals ({percent:.1}%)\n", goals.len());
    let uncovered: Vec<&GoalKey> = goals.iter().filter(|(_, by)| by.is_empty()).map(|(k, _)| k).collect();
    if !uncovered.is_empty() {
        out.push_str("not covered by any test:\n");
        for (file, line, column, rule, what) in uncovered {
            out.push_str(&format!("  {file}:{line}:{column}  {rule}  {what}\n"));
        }
    }
    out
}

fn coverage_json(
    goals: &BTreeMap<GoalKey, Vec<String>>,
    covered: usize,
    percent: f64,
    (passed, failed): (usize, usize),
) -> String {
    let goals: Vec<serde_json::Value> = goals
        .iter()
        .map(|((file, line, column, rule, what), by)| {
            serde_json::json!({
                "file": file, "line": line, "column": column, "rule": rule, "goal": what,
                "covered": !by.is_empty(), "by": by,
            })
        })
        .collect();
    let v = serde_json::json!({
        "schema": "1",
        "tests": { "passed": passed, "failed": failed },
        "coverage": { "covered": covered, "total": goals.len(), "percent": (percent * 10.0).round() / 10.0 },
        "goals": goals,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
