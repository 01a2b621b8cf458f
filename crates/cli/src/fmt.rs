//! `guidepath fmt`.

use crate::check::{files, STDIN_NAME};
use guidepath_check::FileSystem;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(paths: Vec<PathBuf>, check: bool) -> ExitCode {
    let (files, inputs) = match files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    // Every file is tried; the others are reported and the run goes on.
    let (mut changed, mut broken, mut failed) = (0usize, 0usize, 0usize);
    for path in &files {
        let from_stdin = path == Path::new(STDIN_NAME) && inputs.stdin().is_some();
        // Read as the checker reads, so a non-UTF-8 file is named the same way.
        let text = match inputs.read(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: `{}` not formatted: {}", path.display(), crate::cannot_read(path, &e));
                if e.kind() == std::io::ErrorKind::InvalidData {
                    broken += 1;
                } else {
                    failed += 1;
                }
                continue;
            }
        };
        let formatted = match guidepath_fmt::format(&text) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: `{}` not formatted: {e} (see `guidepath check`)", path.display());
                broken += 1;
                continue;
            }
        };
        // Standard input is formatted to standard output, as rustfmt and
        // ruff do; with --check, only the exit status says.
        if from_stdin && !check {
            let mut out = std::io::stdout().lock();
            if out.write_all(formatted.as_bytes()).and_then(|_| out.flush()).is_err() {
                failed += 1;
            }
            changed += usize::from(formatted != text);
            continue;
        }
        if formatted == text {
            continue;
        }
        changed += 1;
        if check {
            println!("would reformat {}", path.display());
        } else if let Err(e) = crate::atomic::write(path, formatted.as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            failed += 1;
        }
    }
    let n = files.len();
    let only_stdin = n == 1 && inputs.stdin().is_some();
    if !crate::quiet() && !only_stdin {
        let verb = if check { "would reformat" } else { "reformatted" };
        let left = if broken + failed > 0 { format!(", {} left as they were", broken + failed) } else { String::new() };
        eprintln!("{verb} {changed} of {}{left}", crate::count(n as u64, "file", "files"));
    }
    if failed > 0 {
        ExitCode::from(2)
    } else if broken > 0 || (check && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
