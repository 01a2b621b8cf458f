//! A diagnostic as JSON, with its lines and columns: the one shape of
//! `guidepath check --format json` (`docs/cli.md`) and of the browser
//! studio, so tools read the same from either.

use crate::SourceFile;
use guidepath_syntax::{LineCol, Severity, Span};
use serde::Serialize;

#[derive(Serialize)]
pub struct Diagnostic<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: &'a str,
    pub label: Label<'a>,
    pub related: Vec<Label<'a>>,
    pub help: Option<&'a str>,
    pub fix: Option<Fix<'a>>,
    /// Findings of the consistency analysis: the patient that shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness<'a>>,
}

#[derive(Serialize)]
pub struct Witness<'a> {
    pub patient: serde_json::Value,
    pub test: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Label<'a> {
    pub message: &'a str,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
}

#[derive(Serialize)]
pub struct Fix<'a> {
    pub span: Span,
    pub replacement: &'a str,
}

fn label<'a>(file: &SourceFile, l: &'a guidepath_syntax::Label) -> Label<'a> {
    Label {
        message: &l.message,
        span: l.span,
        start: file.lines.line_col(&file.text, l.span.start),
        end: file.lines.line_col(&file.text, l.span.end),
    }
}

/// `d`, a diagnostic of `file`, in its JSON shape.
pub fn diagnostic<'a>(file: &'a SourceFile, d: &'a guidepath_syntax::Diagnostic) -> Diagnostic<'a> {
    Diagnostic {
        code: d.code.as_str(),
        name: d.code.name(),
        severity: d.severity,
        message: &d.message,
        label: label(file, &d.label),
        related: d.related.iter().map(|l| label(file, l)).collect(),
        help: d.help.as_deref(),
        fix: d.fix.as_ref().map(|f| Fix { span: f.span, replacement: &f.replacement }),
        witness: d.witness.as_ref().map(|w| Witness {
            patient: serde_json::from_str(&w.patient).unwrap_or(serde_json::Value::Null),
            test: w.test.as_deref(),
        }),
    }
}
