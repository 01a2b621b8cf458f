//! Between guidepath's byte spans and diagnostics and the protocol's UTF-16
//! positions and diagnostics. The same `Diagnostic` values the CLI renders
//! with miette are converted here; nothing is re-derived.

use guidepath_check::SourceFile;
use guidepath_syntax::{Diagnostic, LineIndex, Severity, Span};
use std::borrow::Cow;
use tower_lsp::ls_types::{self as lsp, NumberOrString, Position, Range, Uri};

/// Text with its line index, for position arithmetic.
pub struct Text<'a> {
    pub text: &'a str,
    pub lines: Cow<'a, LineIndex>,
}

impl<'a> Text<'a> {
    /// A text that has no index yet (an open document's buffer).
    pub fn new(text: &'a str) -> Text<'a> {
        Text { text, lines: Cow::Owned(LineIndex::new(text)) }
    }

    /// A checked file, with the index the database already built.
    pub fn of(file: &'a SourceFile) -> Text<'a> {
        Text { text: &file.text, lines: Cow::Borrowed(&file.lines) }
    }

    pub fn position(&self, offset: u32) -> Position {
        let (line, character) = self.lines.line_utf16(self.text, offset);
        Position { line, character }
    }

    pub fn range(&self, span: Span) -> Range {
        Range { start: self.position(span.start), end: self.position(span.end) }
    }

    pub fn offset(&self, p: Position) -> u32 {
        self.lines.offset_utf16(self.text, p.line, p.character)
    }

    /// The end of the text, as a position.
    pub fn end(&self) -> Position {
        self.position(Span::new(self.text.len(), self.text.len()).start)
    }
}

/// Where the diagnostic codes are documented, unless the client names
/// another copy (`initializationOptions.diagnosticsDocs`).
pub const DIAGNOSTICS_DOCS: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/diagnostics.md");

/// The documentation of a code: its heading's anchor in `docs`
/// (`## E0201 unknown-name` is `#e0201-unknown-name`).
pub fn code_link(docs: &str, code: guidepath_syntax::Code) -> Option<Uri> {
    format!("{docs}#{}-{}", code.as_str().to_ascii_lowercase(), code.name()).parse().ok()
}

/// One diagnostic for the client. The machine-applicable fix and the
/// witness test travel in `data`, so code actions need nothing else; the
/// code links to its documentation under `docs`.
pub fn diagnostic(d: &Diagnostic, text: &Text, uri: &Uri, docs: &str) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.label.message.is_empty() {
        message.push_str(&format!(" ({})", d.label.message));
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related = d
        .related
        .iter()
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location { uri: uri.clone(), range: text.range(l.span) },
            message: l.message.clone(),
        })
        .collect::<Vec<_>>();
    let mut data = serde_json::Map::new();
    if let Some(fix) = &d.fix {
        data.insert(
            "fix".into(),
            serde_json::json!({ "range": text.range(fix.span), "newText": fix.replacement, "title": fix.title }),
        );
    }
    if let Some(test) = d.witness.as_ref().and_then(|w| w.test.as_ref()) {
        data.insert("witnessTest".into(), serde_json::Value::String(test.clone()));
    }
    lsp::Diagnostic {
        range: text.range(d.label.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Note => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: code_link(docs, d.code).map(|href| lsp::CodeDescription { href }),
        source: Some("guidepath".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: (!data.is_empty()).then_some(serde_json::Value::Object(data)),
        ..lsp::Diagnostic::default()
    }
}
