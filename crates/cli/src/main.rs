//! `guidepath`: check clinical guideline rules.

mod check;
mod render;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "guidepath", version, about = "Check clinical guideline rules written in the guidepath language")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels, for people.
    Human,
    /// One JSON document (see docs/cli.md), for tools.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check guideline files for syntax, names, types, units and metadata.
    ///
    /// Exit status: 0 when no errors were found, 1 when there were errors
    /// (or warnings, with --deny-warnings), 2 for usage or I/O errors.
    Check {
        /// Files or folders (searched recursively for *.guide). Default: the current folder.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors for the exit status.
        #[arg(long)]
        deny_warnings: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { paths, format, deny_warnings } => check::run(paths, format, deny_warnings),
    }
}
