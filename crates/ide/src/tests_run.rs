//! A file's inline tests from the editor: one lens on each `test` and one
//! for the whole file, and their run. Tests run as `guidepath test` runs
//! them: through the gate, compiled, on the evaluator, with the same
//! expectations (`guidepath_analysis::inline_tests`).

use guidepath_check::{FileSystem, SourceFile};
use guidepath_eval::Evaluator;
use guidepath_syntax::ast::Item;
use guidepath_syntax::Span;
use serde::Serialize;
use std::path::Path;

/// A place to run tests from: over the first test, all of them; over each
/// test, that one (`test` names it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lens {
    pub span: Span,
    pub title: String,
    pub test: Option<String>,
}

/// A lens over each test (run it) and over the first one (run them all).
pub fn lenses(file: &SourceFile) -> Vec<Lens> {
    let tests: Vec<_> = file
        .ast
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Test(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    if let Some(first) = tests.first() {
        let n = tests.len();
        out.push(Lens {
            span: first.span,
            title: format!("▶ Run {n} test{}", if n == 1 { "" } else { "s" }),
            test: None,
        });
    }
    for t in tests {
        out.push(Lens { span: t.span, title: "▶ Run test".into(), test: Some(t.name.value.clone()) });
    }
    out
}

#[derive(Clone, Debug, Serialize)]
pub struct Case {
    pub name: String,
    /// What failed, as `guidepath test` prints it.
    pub failure: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TestRun {
    pub passed: usize,
    pub failed: usize,
    pub cases: Vec<Case>,
}

/// Compiles `path` (open documents overlay the base) and runs its tests,
/// or the one named `only`.
pub fn run(fs: &dyn FileSystem, path: &Path, only: Option<&str>) -> Result<TestRun, String> {
    // Through the gate, as `guidepath test`: analysis errors fail the run.
    let policy = guidepath_analysis::gate::Policy::default();
    let lowered = match guidepath_analysis::gate::compile(fs, path, policy) {
        Ok(passed) => passed.lowered,
        Err(_) => return Err("the file has errors; the diagnostics say which".into()),
    };
    let cases: Vec<_> = lowered.tests.iter().filter(|c| only.is_none_or(|n| c.name == n)).collect();
    if let (Some(name), true) = (only, cases.is_empty()) {
        return Err(format!("no test \"{name}\""));
    }
    let evaluator = Evaluator::new(lowered.artifact).map_err(|e| e.to_string())?;
    let mut run = TestRun { passed: 0, failed: 0, cases: Vec::new() };
    for case in cases {
        let failure = guidepath_analysis::inline_tests::run_case(&evaluator, case).err();
        match failure {
            None => run.passed += 1,
            Some(_) => run.failed += 1,
        }
        run.cases.push(Case { name: case.name.clone(), failure });
    }
    Ok(run)
}

/// The run as the editors' command answers it: totals and each test's
/// outcome, or why the tests did not run.
pub fn to_json(run: &Result<TestRun, String>) -> serde_json::Value {
    use serde_json::json;
    match run {
        Ok(r) => json!({
            "passed": r.passed,
            "failed": r.failed,
            "tests": r.cases.iter().map(|c| json!({ "name": c.name, "ok": c.failure.is_none(), "failure": c.failure })).collect::<Vec<_>>(),
        }),
        Err(why) => json!({ "error": why }),
    }
}
