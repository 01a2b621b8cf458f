//! A file's inline tests from the editor: a code lens on each `test` and
//! one for the whole file, and the command they run. Tests run as
//! `guidepath test` runs them: compiled rules, the evaluator, and the same
//! expectations (`guidepath_analysis::inline_tests`).

use guidepath_check::{FileSystem, SourceFile};
use guidepath_eval::Evaluator;
use guidepath_syntax::ast::Item;
use serde_json::{json, Value};
use std::path::Path;
use tower_lsp::jsonrpc::{Error, Result};
use tower_lsp::ls_types::{CodeLens, Command, Uri};

use crate::convert::Text;

/// The command the lenses run: arguments are the document's URI and,
/// for one test, its name.
pub const RUN_TESTS: &str = "guidepath.runTests";

/// A lens over each test (run it) and over the first one (run them all).
pub fn lenses(file: &SourceFile, uri: &Uri) -> Vec<CodeLens> {
    let text = Text::of(file);
    let tests: Vec<_> = file
        .ast
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Test(t) => Some(t),
            _ => None,
        })
        .collect();
    let lens = |span, title: String, args: Vec<Value>| CodeLens {
        range: text.range(span),
        command: Some(Command { title, command: RUN_TESTS.into(), arguments: Some(args) }),
        data: None,
    };
    let mut out = Vec::new();
    if let Some(first) = tests.first() {
        let n = tests.len();
        out.push(lens(first.span, format!("▶ Run {n} test{}", if n == 1 { "" } else { "s" }), vec![json!(uri)]));
    }
    for t in tests {
        out.push(lens(t.span, "▶ Run test".into(), vec![json!(uri), json!(t.name.value)]));
    }
    out
}

/// The command's arguments: the URI, and the test's name if one.
pub fn arguments(args: &[Value]) -> Result<(Uri, Option<String>)> {
    let uri = args
        .first()
        .and_then(Value::as_str)
        .and_then(|u| u.parse::<Uri>().ok())
        .ok_or_else(|| Error::invalid_params("the first argument is the document's URI"))?;
    let only = match args.get(1) {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(Error::invalid_params("the second argument is a test's name")),
    };
    Ok((uri, only))
}

pub struct Case {
    pub name: String,
    /// What failed, as `guidepath test` prints it.
    pub failure: Option<String>,
}

pub struct TestRun {
    pub passed: usize,
    pub failed: usize,
    pub cases: Vec<Case>,
}

/// Compiles `path` (open documents overlay the disk) and runs its tests,
/// or the one named `only`.
pub fn run(fs: &dyn FileSystem, path: &Path, only: Option<&str>) -> std::result::Result<TestRun, String> {
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

/// The command's answer: totals and each test's outcome.
pub fn to_json(run: &std::result::Result<TestRun, String>) -> Value {
    match run {
        Ok(r) => json!({
            "passed": r.passed,
            "failed": r.failed,
            "tests": r.cases.iter().map(|c| json!({ "name": c.name, "ok": c.failure.is_none(), "failure": c.failure })).collect::<Vec<_>>(),
        }),
        Err(why) => json!({ "error": why }),
    }
}
