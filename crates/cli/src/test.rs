//! `guidepath test`: run inline tests.

use crate::eval::compile_source;
use guidepath_analysis::inline_tests::run_case;
use guidepath_eval::Evaluator;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(paths: Vec<PathBuf>) -> ExitCode {
    let files = match crate::check::files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        // A file that cannot be read or has errors fails; the others run.
        let lowered = match compile_source(file) {
            Ok(l) => l,
            Err(code) if code == ExitCode::from(2) => {
                println!("FAIL {}: the file cannot be read", file.display());
                failed += 1;
                continue;
            }
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
