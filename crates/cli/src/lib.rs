//! The `guidepath` command line: each command, and the renderers and
//! readers they share. The binary (`main.rs`) parses arguments and calls
//! these; the fuzz targets (`fuzz/`) call the renderers and readers
//! directly.

pub mod atomic;
pub mod check;
pub mod diff;
pub mod eval;
pub mod export;
pub mod fmt;
pub mod load;
mod ndjson;
pub mod patient;
pub mod render;
pub mod report;
pub mod serve;
pub mod settings;
pub mod sql;
pub mod studio;
pub mod test;

/// When to colour output.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Color {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

static COLOR: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets `--color` and `--quiet` for the run (the binary, once, first).
pub fn set_output(color: Color, quiet: bool) {
    let c = match color {
        Color::Auto => 0,
        Color::Always => 1,
        Color::Never => 2,
    };
    COLOR.store(c, std::sync::atomic::Ordering::Relaxed);
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Whether to colour what goes to standard output: `--color`, else a
/// terminal without `NO_COLOR` (no-color.org).
pub fn color() -> bool {
    use std::io::IsTerminal;
    match COLOR.load(std::sync::atomic::Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// `--quiet`: no summaries, progress or passing tests; results, warnings
/// and errors only.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// `1 file`, `2 files`: a count with its noun in the right number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `cannot read `path`: why`, the one wording of every command for a file
/// or folder it cannot read.
pub fn cannot_read(path: &std::path::Path, e: &std::io::Error) -> String {
    format!("cannot read `{}`: {}", path.display(), guidepath_check::db::io_reason(e))
}

/// How `check` and `eval` write their results.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// For tools (see docs/cli.md).
    Json,
}
