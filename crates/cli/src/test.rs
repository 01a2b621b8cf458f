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

/// What the files' tests showed of one goal.
#[derive(Default)]
pub(crate) struct Seen {
    /// The tests that covered it.
    pub by: Vec<String>,
    /// `test` blocks that would cover it (the first file's that has any).
    pub suggested: Vec<String>,
    /// No patient can cover it: not counted.
    pub unreachable: bool,
}

impl Seen {
    /// Adds what another file's tests showed of the same goal.
    pub(crate) fn merge(&mut self, other: Seen) {
        self.by.extend(other.by);
        if self.suggested.is_empty() {
            self.suggested = other.suggested;
        }
        self.unreachable |= other.unreachable;
    }

    pub(crate) fn counts(&self) -> bool {
        !self.unreachable
    }

    pub(crate) fn covered(&self) -> bool {
        !self.by.is_empty()
    }
}

/// Covered goals, goals that count, and the percentage.
pub(crate) fn totals<'a>(goals: impl Iterator<Item = &'a Seen>) -> (usize, usize, f64) {
    let (mut covered, mut total) = (0, 0);
    for s in goals.filter(|s| s.counts()) {
        total += 1;
        covered += usize::from(s.covered());
    }
    let percent = if total == 0 { 100.0 } else { 100.0 * covered as f64 / total as f64 };
    (covered, total, percent)
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

/// The goal's key, with its place resolved against the file whose artifact
/// holds it (places name files relative to the guideline's folder).
pub(crate) fn keyed(file: &Path, g: Goal) -> (GoalKey, Seen) {
    let (path, line, column) = match &g.at {
        Some(at) => {
            let dir = file.parent().unwrap_or(Path::new(""));
            let p = guidepath_check::db::normalize(&dir.join(&at.file));
            (p.display().to_string(), at.line, at.column)
        }
        None => (file.display().to_string(), 0, 0),
    };
    let seen = Seen { by: g.by, suggested: g.suggested, unreachable: g.unreachable };
    ((path, line, column, g.rule, g.what), seen)
}

fn coverage_human(goals: &BTreeMap<GoalKey, Seen>, (covered, total, percent): (usize, usize, f64)) -> String {
    let mut out = format!("\ncoverage: {covered} of {total} goals ({percent:.1}%)\n");
    let uncovered: Vec<(&GoalKey, &Seen)> = goals.iter().filter(|(_, s)| s.counts() && !s.covered()).collect();
    if !uncovered.is_empty() {
        out.push_str("not covered by any test:\n");
        for ((file, line, column, rule, what), _) in &uncovered {
            out.push_str(&format!("  {file}:{line}:{column}  {rule}  {what}\n"));
        }
        // One test per patient: a patient that covers two goals is offered once.
        let mut patients = std::collections::HashSet::new();
        let suggested: Vec<&String> = uncovered
            .iter()
            .flat_map(|(_, s)| &s.suggested)
            .filter(|t| patients.insert(t.lines().nth(1).unwrap_or_default().to_string()))
            .collect();
        if !suggested.is_empty() {
            out.push_str("tests that would cover them (check what each should get, then paste):\n");
            for t in suggested {
                for line in t.lines() {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
    }
    let unreachable: Vec<&GoalKey> = goals.iter().filter(|(_, s)| !s.counts()).map(|(k, _)| k).collect();
    if !unreachable.is_empty() {
        out.push_str("no patient can cover (not counted):\n");
        for (file, line, column, rule, what) in unreachable {
            out.push_str(&format!("  {file}:{line}:{column}  {rule}  {what}\n"));
        }
    }
    out
}

fn coverage_json(
    goals: &BTreeMap<GoalKey, Seen>,
    (covered, total, percent): (usize, usize, f64),
    (passed, failed): (usize, usize),
) -> String {
    let goals: Vec<serde_json::Value> = goals
        .iter()
        .map(|((file, line, column, rule, what), s)| {
            serde_json::json!({
                "file": file, "line": line, "column": column, "rule": rule, "goal": what,
                "covered": s.covered(), "by": s.by, "unreachable": s.unreachable, "suggested": s.suggested,
            })
        })
        .collect();
    let v = serde_json::json!({
        "schema": "2",
        "tests": { "passed": passed, "failed": failed },
        "coverage": { "covered": covered, "total": total, "percent": (percent * 10.0).round() / 10.0 },
        "goals": goals,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
