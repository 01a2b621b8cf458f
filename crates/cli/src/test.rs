//! `guidepath test`: run inline tests, and with `--coverage` what they
//! leave untested (`guidepath_analysis::coverage`).

use crate::load::LoadError;
use crate::Format;
use guidepath_analysis::coverage::coverage;
use guidepath_analysis::gate::Policy;
use guidepath_analysis::inline_tests::run_case;
use guidepath_eval::Evaluator;
use guidepath_report::coverage::{coverage_human, coverage_json, keyed, totals, GoalKey, Seen};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

pub struct CoverageOptions {
    pub min: Option<f64>,
    pub format: Format,
}

pub fn run(paths: Vec<PathBuf>, cov: Option<CoverageOptions>, policy: Policy) -> ExitCode {
    let (files, inputs) = match crate::check::files(paths) {
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
    let mut goals: BTreeMap<GoalKey, Seen> = BTreeMap::new();
    for file in &files {
        // A file that cannot be read or has errors fails; the others run.
        let lowered = match crate::load::source_in(&inputs, file, policy) {
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
                        let (key, seen) = keyed(file, g);
                        goals.entry(key).or_default().merge(seen);
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
                    if !crate::quiet() {
                        say(format!("ok   {}: {}", file.display(), case.name));
                    }
                }
                Err(report) => {
                    failed += 1;
                    say(format!("FAIL {}: {}  ({})\n{report}", file.display(), case.name, case.at));
                }
            }
        }
    }
    if !crate::quiet() || failed > 0 {
        say(format!("\n{passed} passed, {failed} failed"));
    }
    let mut code = if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS };
    if let Some(cov) = cov {
        let (covered, total, percent) = totals(goals.values());
        if json {
            println!("{}", coverage_json(&goals, (covered, total, percent), (passed, failed)));
        } else {
            print!("{}", coverage_human(&goals, (covered, total, percent)));
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
