//! Semantic tokens and folding ranges, from the lexer and the checker's
//! resolved names.

use crate::index::{decls, flat, SymbolKind};
use guidepath_check::{Checked, FileId, RefKind};
use guidepath_syntax::lexer::{lex, TokenKind};
use guidepath_syntax::{LineIndex, Span};
use serde::Serialize;
use std::collections::HashMap;

/// What a token is, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenType {
    Keyword,
    String,
    Number,
    Comment,
    Operator,
    Variable,
    Function,
    EnumMember,
    Class,
    Property,
    Type,
    Namespace,
    Event,
    Struct,
    /// A unit after a quantity (`3 months`, `integer years`).
    Unit,
}

impl TokenType {
    /// Every type, in the order of the language server's legend.
    pub const ALL: [TokenType; 15] = [
        TokenType::Keyword,
        TokenType::String,
        TokenType::Number,
        TokenType::Comment,
        TokenType::Operator,
        TokenType::Variable,
        TokenType::Function,
        TokenType::EnumMember,
        TokenType::Class,
        TokenType::Property,
        TokenType::Type,
        TokenType::Namespace,
        TokenType::Event,
        TokenType::Struct,
        TokenType::Unit,
    ];

    /// The name the language server protocol gives it (`unit` is ours:
    /// clients that know it colour units).
    pub fn name(self) -> &'static str {
        match self {
            TokenType::Keyword => "keyword",
            TokenType::String => "string",
            TokenType::Number => "number",
            TokenType::Comment => "comment",
            TokenType::Operator => "operator",
            TokenType::Variable => "variable",
            TokenType::Function => "function",
            TokenType::EnumMember => "enumMember",
            TokenType::Class => "class",
            TokenType::Property => "property",
            TokenType::Type => "type",
            TokenType::Namespace => "namespace",
            TokenType::Event => "event",
            TokenType::Struct => "struct",
            TokenType::Unit => "unit",
        }
    }
}

/// A token to colour: where, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
    pub span: Span,
    pub kind: TokenType,
}

/// A range of lines that folds: a block, or a run of comment lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Fold {
    /// 0-based, both ends included.
    pub start_line: u32,
    pub end_line: u32,
    pub comment: bool,
}

/// The language's keywords (the grammar's `kw_*` rules).
pub const KEYWORDS: &[&str] = &[
    "guideline",
    "use",
    "as",
    "input",
    "enum",
    "instrument",
    "define",
    "stratify",
    "recommend",
    "pathway",
    "test",
    "allow",
    "because",
    "title",
    "issuer",
    "version",
    "status",
    "since",
    "language",
    "source",
    "url",
    "published",
    "review",
    "priority",
    "code",
    "from",
    "set",
    "required",
    "optional",
    "by",
    "when",
    "for",
    "against",
    "strength",
    "certainty",
    "rationale",
    "reference",
    "action",
    "level",
    "item",
    "boolean",
    "integer",
    "choice",
    "reverse",
    "score",
    "step",
    "responsible",
    "within",
    "after",
    "if",
    "missed",
    "then",
    "given",
    "expect",
    "applies",
    "does",
    "apply",
    "undecided",
    "applicable",
    "due",
    "quote",
    "assume",
    "at",
    "and",
    "or",
    "not",
    "is",
    "in",
    "of",
    "any",
    "all",
    "none",
    "true",
    "false",
];

fn ref_type(kind: RefKind) -> TokenType {
    match kind {
        RefKind::Input => TokenType::Variable,
        RefKind::Enum => TokenType::Type,
        RefKind::Define | RefKind::Score => TokenType::Function,
        RefKind::Strat => TokenType::Type,
        RefKind::Stratum => TokenType::EnumMember,
        RefKind::Rec => TokenType::Event,
        RefKind::Pathway | RefKind::Step => TokenType::Struct,
        RefKind::Instrument => TokenType::Class,
        RefKind::Item => TokenType::Property,
        RefKind::Module => TokenType::Namespace,
    }
}

fn decl_type(kind: SymbolKind) -> Option<TokenType> {
    Some(match kind {
        SymbolKind::Input => TokenType::Variable,
        SymbolKind::Define | SymbolKind::Score => TokenType::Function,
        SymbolKind::Enum | SymbolKind::Stratification => TokenType::Type,
        SymbolKind::EnumValue | SymbolKind::Stratum => TokenType::EnumMember,
        SymbolKind::Instrument => TokenType::Class,
        SymbolKind::Item | SymbolKind::Step => TokenType::Property,
        SymbolKind::Use => TokenType::Namespace,
        SymbolKind::Recommendation => TokenType::Event,
        SymbolKind::Pathway => TokenType::Struct,
        SymbolKind::Guideline | SymbolKind::Test => return None,
    })
}

/// The tokens of a file to colour, in order.
pub fn semantic(checked: &Checked, file: FileId) -> Vec<Token> {
    let source = checked.db.file(file);
    let mut names: HashMap<u32, TokenType> = HashMap::new();
    let all = decls(&source.ast);
    for d in flat(&all) {
        if let Some(t) = decl_type(d.kind) {
            names.insert(d.name_span.start, t);
        }
    }
    for r in checked.references.iter().filter(|r| r.file == file) {
        names.insert(r.span.start, ref_type(r.kind));
    }
    let mut out = Vec::new();
    // A unit follows a number (`3 months`) or a numeric type (`integer
    // years`) on the same line.
    let mut after_quantity = false;
    for t in lex(&source.text) {
        let word = t.text(&source.text);
        let unit = after_quantity && t.kind == TokenKind::Word && guidepath_ir::Unit::parse(word).is_some();
        after_quantity = t.kind == TokenKind::Number || matches!(word, "integer" | "decimal" | "duration");
        let kind = match t.kind {
            TokenKind::Word if unit => TokenType::Unit,
            TokenKind::Newline => continue,
            TokenKind::Comment => TokenType::Comment,
            TokenKind::String => TokenType::String,
            TokenKind::Number | TokenKind::Date => TokenType::Number,
            TokenKind::Punct => match word {
                "<" | "<=" | ">" | ">=" | "=" | "!=" | "+" | "-" => TokenType::Operator,
                _ => continue,
            },
            TokenKind::Word => match names.get(&t.span.start) {
                Some(ty) => *ty,
                None if KEYWORDS.contains(&word) => TokenType::Keyword,
                None => continue,
            },
        };
        out.push(Token { span: t.span, kind });
    }
    out
}

/// Blocks that span lines, and runs of comment lines.
pub fn folding(source: &str) -> Vec<Fold> {
    let lines = LineIndex::new(source);
    let mut out = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    let mut comment_run: Option<(u32, u32)> = None;
    for t in lex(source) {
        let line = lines.line_of(t.span.start) as u32;
        match (t.kind, t.text(source)) {
            (TokenKind::Punct, "{" | "(" | "[") => open.push(line),
            (TokenKind::Punct, "}" | ")" | "]") => {
                if let Some(start) = open.pop() {
                    if line > start + 1 {
                        out.push(Fold { start_line: start, end_line: line - 1, comment: false });
                    }
                }
            }
            (TokenKind::Comment, _) => {
                comment_run = match comment_run {
                    Some((a, b)) if b + 1 == line => Some((a, line)),
                    Some((a, b)) => {
                        if b > a {
                            out.push(Fold { start_line: a, end_line: b, comment: true });
                        }
                        Some((line, line))
                    }
                    None => Some((line, line)),
                };
            }
            _ => {}
        }
    }
    if let Some((a, b)) = comment_run {
        if b > a {
            out.push(Fold { start_line: a, end_line: b, comment: true });
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}

#[cfg(test)]
mod tests {
    /// The keyword list is the grammar's: every `kw_*` rule's word, and no
    /// other.
    #[test]
    fn keywords_are_the_grammars() {
        let grammar = include_str!("../../../grammar/guidepath.pest");
        let mut words: Vec<&str> =
            grammar.lines().filter(|l| l.starts_with("kw_")).filter_map(|l| l.split('"').nth(1)).collect();
        let mut ours = super::KEYWORDS.to_vec();
        words.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, words);
    }
}
