//! `guidepath fmt`.

use crate::check::files;
use guidepath_check::{Disk, FileSystem};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(paths: Vec<PathBuf>, check: bool) -> ExitCode {
    let files = match files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    // Every file is tried; the others are reported and the run goes on.
    let (mut changed, mut broken, mut failed) = (0usize, 0usize, 0usize);
    for path in &files {
        // Read as the checker reads, so a non-UTF-8 file is named the same way.
        let text = match Disk.read(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: `{}` not formatted: cannot read it: {e}", path.display());
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
    let verb = if check { "would reformat" } else { "reformatted" };
    let left = if broken + failed > 0 { format!(", {} left as they were", broken + failed) } else { String::new() };
    eprintln!("{verb} {changed} of {n} file{}{left}", if n == 1 { "" } else { "s" });
    if failed > 0 {
        ExitCode::from(2)
    } else if broken > 0 || (check && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
