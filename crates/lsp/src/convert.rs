//! Between `guidepath_ide`'s answers (byte spans, its own kinds) and the
//! protocol's (UTF-16 positions, its kinds). The same `Diagnostic` values
//! the CLI renders with miette are converted here; nothing is re-derived.

use guidepath_check::SourceFile;
use guidepath_ide::{CompletionKind, SymbolKind, TokenType};
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

/// One diagnostic for the client. Its fixes (`guidepath_ide::actions`)
/// travel in `data`, so code actions need nothing else; the code links to
/// its documentation under `docs`.
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
    let actions: Vec<serde_json::Value> = guidepath_ide::actions(d, text.text.len())
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "title": a.title,
                "range": text.range(a.edit.span),
                "newText": a.edit.new_text,
                "preferred": a.preferred,
            })
        })
        .collect();
    let data = (!actions.is_empty()).then(|| serde_json::json!({ "actions": actions }));
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
        data,
        ..lsp::Diagnostic::default()
    }
}

/// The protocol's kind of symbol for each kind of declaration.
pub fn symbol_kind(k: SymbolKind) -> lsp::SymbolKind {
    match k {
        SymbolKind::Guideline => lsp::SymbolKind::MODULE,
        SymbolKind::Use => lsp::SymbolKind::NAMESPACE,
        SymbolKind::Input => lsp::SymbolKind::VARIABLE,
        SymbolKind::Enum | SymbolKind::Stratification => lsp::SymbolKind::ENUM,
        SymbolKind::EnumValue | SymbolKind::Stratum => lsp::SymbolKind::ENUM_MEMBER,
        SymbolKind::Instrument => lsp::SymbolKind::CLASS,
        SymbolKind::Item | SymbolKind::Step => lsp::SymbolKind::FIELD,
        SymbolKind::Score => lsp::SymbolKind::PROPERTY,
        SymbolKind::Define => lsp::SymbolKind::FUNCTION,
        SymbolKind::Recommendation => lsp::SymbolKind::EVENT,
        SymbolKind::Pathway => lsp::SymbolKind::STRUCT,
        SymbolKind::Test => lsp::SymbolKind::STRING,
    }
}

/// The protocol's completion item.
pub fn completion(c: guidepath_ide::Completion) -> lsp::CompletionItem {
    use lsp::CompletionItemKind as K;
    let kind = match c.kind {
        CompletionKind::Keyword => K::KEYWORD,
        CompletionKind::Value => K::ENUM_MEMBER,
        CompletionKind::Unit => K::UNIT,
        CompletionKind::Name(s) => match s {
            SymbolKind::Input => K::VARIABLE,
            SymbolKind::Define | SymbolKind::Score => K::FUNCTION,
            SymbolKind::Enum | SymbolKind::Stratification => K::ENUM,
            SymbolKind::EnumValue | SymbolKind::Stratum => K::ENUM_MEMBER,
            SymbolKind::Instrument => K::CLASS,
            SymbolKind::Item | SymbolKind::Step => K::FIELD,
            SymbolKind::Use => K::MODULE,
            SymbolKind::Pathway => K::STRUCT,
            SymbolKind::Recommendation => K::EVENT,
            SymbolKind::Guideline | SymbolKind::Test => K::TEXT,
        },
    };
    lsp::CompletionItem { label: c.label, kind: Some(kind), ..lsp::CompletionItem::default() }
}

/// The semantic tokens' legend: `TokenType::ALL` by name.
pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: TokenType::ALL.iter().map(|t| lsp::SemanticTokenType::new(t.name())).collect(),
        token_modifiers: Vec::new(),
    }
}

/// Tokens relative-encoded as the protocol wants; a token over several
/// lines is left out (the protocol's clients need not take one).
pub fn semantic_tokens(tokens: &[guidepath_ide::Token], text: &Text) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::new();
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for t in tokens {
        let start = text.position(t.span.start);
        let end = text.position(t.span.end);
        if end.line != start.line {
            continue;
        }
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 { start.character - last_col } else { start.character };
        out.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: TokenType::ALL.iter().position(|x| *x == t.kind).map_or(0, |i| i as u32),
            token_modifiers_bitset: 0,
        });
        (last_line, last_col) = (start.line, start.character);
    }
    out
}

/// Folds as the protocol's ranges.
pub fn folding(folds: Vec<guidepath_ide::Fold>) -> Vec<lsp::FoldingRange> {
    folds
        .into_iter()
        .map(|f| lsp::FoldingRange {
            start_line: f.start_line,
            end_line: f.end_line,
            kind: f.comment.then_some(lsp::FoldingRangeKind::Comment),
            ..lsp::FoldingRange::default()
        })
        .collect()
}

/// Hints as the protocol's.
pub fn hints(hints: Vec<guidepath_ide::Hint>, text: &Text) -> Vec<lsp::InlayHint> {
    hints
        .into_iter()
        .map(|h| lsp::InlayHint {
            position: text.position(h.at),
            label: lsp::InlayHintLabel::String(h.label),
            kind: Some(lsp::InlayHintKind::TYPE),
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: None,
        })
        .collect()
}
