//! Diagnostics for people (miette) and for tools (JSON).

use guidepath_check::{Checked, Diagnostic, Severity};
use guidepath_syntax::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::Serialize;
use std::fmt;

/// A diagnostic with its file, in the shape miette renders.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: &'a Window<'a>,
}

/// A file as miette reads it, a few lines at a time. miette finds a span's
/// lines by scanning the text from its start, which made rendering many
/// diagnostics of one large file quadratic (10,000 warnings: 5 s); here the
/// file's line index finds the lines around the span, and miette scans only
/// those, then line numbers and offsets are shifted back into the file.
struct Window<'a> {
    name: String,
    text: &'a str,
    lines: &'a guidepath_syntax::LineIndex,
}

impl miette::SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        let first_line = self.lines.line_of(start.min(self.text.len()) as u32).saturating_sub(before + 1);
        let last_line = self.lines.line_of(end.min(self.text.len()) as u32) + after + 2;
        let from = self.lines.line_start(first_line) as usize;
        let to = if last_line < self.lines.line_count() {
            self.lines.line_start(last_line) as usize
        } else {
            self.text.len()
        };
        let window = self.text.get(from..to).ok_or(miette::MietteError::OutOfBounds)?;
        let inner = miette::SourceSpan::new(start.saturating_sub(from).into(), span.len());
        let c = window.read_span(&inner, before, after)?;
        let shifted = miette::SourceSpan::new((c.span().offset() + from).into(), c.span().len());
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                c.data(),
                shifted,
                c.line() + first_line,
                c.column(),
                c.line_count() + first_line,
            )
            .with_language("guidepath"),
        ))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{}({})", self.diag.code, self.diag.code.name())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = |msg: &str, span: Span, primary: bool| {
            let text = (!msg.is_empty()).then(|| msg.to_string());
            if primary {
                LabeledSpan::new_primary_with_span(text, (span.start as usize, span.len()))
            } else {
                LabeledSpan::new_with_span(text, (span.start as usize, span.len()))
            }
        };
        let primary = std::iter::once(label(&self.diag.label.message, self.diag.label.span, true));
        let related = self.diag.related.iter().map(move |l| label(&l.message, l.span, false));
        Some(Box::new(primary.chain(related)))
    }
}

/// The diagnostics as `check` prints them, with the summary line.
pub fn human(checked: &Checked) -> String {
    let mut out = diagnostics(checked);
    out.push_str(&summary(checked));
    out
}

/// The diagnostics for people, each with its source excerpt.
pub fn diagnostics(checked: &Checked) -> String {
    let theme = if crate::color() { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for (id, diags) in checked.diagnostics.iter().enumerate() {
        if diags.is_empty() {
            continue;
        }
        let file = checked.db.file(id);
        let source = Window { name: file.path.display().to_string(), text: &file.text, lines: &file.lines };
        for d in diags {
            let report = Report { diag: d, source: &source };
            if handler.render_report(&mut out, &report).is_err() {
                out.push_str(&format!("{}: {} {}\n", file.path.display(), d.code, d.message));
            }
            out.push('\n');
        }
    }
    out
}

/// `checked 3 files: 0 errors, 1 warning`.
pub fn summary(checked: &Checked) -> String {
    let mut out = String::new();
    let files = checked.db.files.len();
    let errors = checked.count(Severity::Error);
    let warnings = checked.count(Severity::Warning);
    let notes = match checked.count(Severity::Note) {
        0 => String::new(),
        n => format!(", {n} note{}", plural(n)),
    };
    out.push_str(&format!(
        "checked {files} file{}: {errors} error{}, {warnings} warning{}{notes}\n",
        plural(files),
        plural(errors),
        plural(warnings)
    ));
    out
}

/// The witness tests of every finding that has one, ready to paste into
/// the file they belong to.
pub fn witness_tests(checked: &Checked) -> String {
    let mut out = String::new();
    for (file, diags) in checked.db.files.iter().zip(&checked.diagnostics) {
        for d in diags {
            let Some(test) = d.witness.as_ref().and_then(|w| w.test.as_deref()) else { continue };
            let at = file.lines.line_col(&file.text, d.label.span.start);
            out.push_str(&format!(
                "// {}:{}:{}: {} {}\n{test}\n",
                file.path.display(),
                at.line,
                at.column,
                d.code,
                d.message
            ));
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    /// Version of this output shape; bumped on any incompatible change.
    schema: u32,
    files: Vec<JsonFile<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: String,
    diagnostics: Vec<guidepath_check::json::Diagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

pub fn json(checked: &Checked) -> String {
    let files = checked
        .db
        .files
        .iter()
        .zip(&checked.diagnostics)
        .map(|(file, diags)| JsonFile {
            path: file.path.display().to_string(),
            diagnostics: diags.iter().map(|d| guidepath_check::json::diagnostic(file, d)).collect(),
        })
        .collect();
    let out = JsonOutput {
        schema: 1,
        files,
        summary: JsonSummary {
            files: checked.db.files.len(),
            errors: checked.count(Severity::Error),
            warnings: checked.count(Severity::Warning),
            notes: checked.count(Severity::Note),
        },
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
