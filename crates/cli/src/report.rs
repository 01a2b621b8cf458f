//! `guidepath report`: the forum's document, written where it is asked
//! for. What it says is `guidepath_report`'s.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
}

/// `languages`: the languages required of every guideline's titles
/// (`--languages`); else `guidepath.toml`'s; else each guideline's own.
pub fn run(
    paths: Vec<PathBuf>,
    output: Option<PathBuf>,
    format: ReportFormat,
    today: i64,
    languages: Option<Vec<String>>,
) -> ExitCode {
    let required = match languages {
        Some(l) => l,
        None => match crate::settings::find(&paths) {
            Ok((s, _)) => s.report.languages.unwrap_or_default(),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        },
    };
    let (files, inputs) = match crate::check::files(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut checked = guidepath_analysis::check_and_analyse(&inputs, &files);
    guidepath_check::lifecycle::overdue_reviews(&mut checked, today);
    let report = guidepath_report::gather(&checked, &inputs, &required);
    let text = match format {
        ReportFormat::Html => report.html(today),
        ReportFormat::Markdown => report.markdown(today),
    };
    match output {
        Some(path) => {
            if let Err(e) = crate::atomic::write(&path, text.as_bytes()) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return ExitCode::from(2);
            }
            if !crate::quiet() {
                eprintln!(
                    "wrote {} ({}, {})",
                    path.display(),
                    crate::count(report.files() as u64, "guideline file", "guideline files"),
                    crate::count(report.recommendations() as u64, "recommendation", "recommendations")
                );
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}
