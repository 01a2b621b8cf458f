//! The `guidepath` command line: each command, and the renderers and
//! readers they share. The binary (`main.rs`) parses arguments and calls
//! these; the fuzz targets (`fuzz/`) call the renderers and readers
//! directly.

pub mod atomic;
pub mod check;
pub mod diff;
pub mod eval;
pub mod fmt;
pub mod load;
mod ndjson;
pub mod patient;
pub mod render;
pub mod report;
pub mod serve;
pub mod sql;
pub mod test;

/// How `check` and `eval` write their results.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// For tools (see docs/cli.md).
    Json,
}
