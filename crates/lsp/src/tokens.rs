//! Semantic tokens and folding ranges, from the lexer and the checker's
//! resolved names.

use crate::convert::Text;
use crate::index::{decls, flat};
use guidepath_check::{Checked, FileId, RefKind};
use guidepath_syntax::lexer::{lex, TokenKind};
use std::collections::HashMap;
use tower_lsp::ls_types::{
    FoldingRange, FoldingRangeKind, SemanticToken, SemanticTokenType, SemanticTokensLegend, SymbolKind,
};

/// The token types, in the order of the legend.
pub const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::CLASS,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::TYPE,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::EVENT,
    SemanticTokenType::STRUCT,
    // Not one of the protocol's types: clients that know it colour units
    // (Neovim as `@lsp.type.unit`; the VS Code package declares it).
    SemanticTokenType::new("unit"),
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend { token_types: TYPES.to_vec(), token_modifiers: Vec::new() }
}

fn index_of(t: &SemanticTokenType) -> u32 {
    TYPES.iter().position(|x| x == t).map_or(0, |i| i as u32)
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

fn ref_type(kind: RefKind) -> SemanticTokenType {
    match kind {
        RefKind::Input => SemanticTokenType::VARIABLE,
        RefKind::Enum => SemanticTokenType::TYPE,
        RefKind::Define | RefKind::Score => SemanticTokenType::FUNCTION,
        RefKind::Strat => SemanticTokenType::TYPE,
        RefKind::Stratum => SemanticTokenType::ENUM_MEMBER,
        RefKind::Rec => SemanticTokenType::EVENT,
        RefKind::Pathway | RefKind::Step => SemanticTokenType::STRUCT,
        RefKind::Instrument => SemanticTokenType::CLASS,
        RefKind::Item => SemanticTokenType::PROPERTY,
        RefKind::Module => SemanticTokenType::NAMESPACE,
    }
}

fn decl_type(kind: SymbolKind) -> Option<SemanticTokenType> {
    Some(match kind {
        SymbolKind::VARIABLE => SemanticTokenType::VARIABLE,
        SymbolKind::FUNCTION | SymbolKind::PROPERTY => SemanticTokenType::FUNCTION,
        SymbolKind::ENUM => SemanticTokenType::TYPE,
        SymbolKind::ENUM_MEMBER => SemanticTokenType::ENUM_MEMBER,
        SymbolKind::CLASS => SemanticTokenType::CLASS,
        SymbolKind::FIELD => SemanticTokenType::PROPERTY,
        SymbolKind::NAMESPACE => SemanticTokenType::NAMESPACE,
        SymbolKind::EVENT => SemanticTokenType::EVENT,
        SymbolKind::STRUCT => SemanticTokenType::STRUCT,
        _ => return None,
    })
}

/// Semantic tokens of a file, relative-encoded as the protocol wants.
pub fn semantic(checked: &Checked, file: FileId) -> Vec<SemanticToken> {
    let source = checked.db.file(file);
    let text = Text::of(source);
    let mut names: HashMap<u32, SemanticTokenType> = HashMap::new();
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
    let (mut last_line, mut last_col) = (0u32, 0u32);
    // A unit follows a number (`3 months`) or a numeric type (`integer
    // years`) on the same line.
    let mut after_quantity = false;
    for t in lex(&source.text) {
        let word = t.text(&source.text);
        let unit = after_quantity && t.kind == TokenKind::Word && guidepath_ir::Unit::parse(word).is_some();
        after_quantity = t.kind == TokenKind::Number || matches!(word, "integer" | "decimal" | "duration");
        let ty = match t.kind {
            TokenKind::Word if unit => SemanticTokenType::new("unit"),
            TokenKind::Newline => continue,
            TokenKind::Comment => SemanticTokenType::COMMENT,
            TokenKind::String => SemanticTokenType::STRING,
            TokenKind::Number | TokenKind::Date => SemanticTokenType::NUMBER,
            TokenKind::Punct => match word {
                "<" | "<=" | ">" | ">=" | "=" | "!=" | "+" | "-" => SemanticTokenType::OPERATOR,
                _ => continue,
            },
            TokenKind::Word => match names.get(&t.span.start) {
                Some(ty) => ty.clone(),
                None if KEYWORDS.contains(&word) => SemanticTokenType::KEYWORD,
                None => continue,
            },
        };
        let start = text.position(t.span.start);
        let end = text.position(t.span.end);
        if end.line != start.line {
            continue;
        }
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 { start.character - last_col } else { start.character };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: index_of(&ty),
            token_modifiers_bitset: 0,
        });
        (last_line, last_col) = (start.line, start.character);
    }
    out
}

/// Blocks that span lines, and runs of comment lines.
pub fn folding(source: &str) -> Vec<FoldingRange> {
    let text = Text::new(source);
    let mut out = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    let mut comment_run: Option<(u32, u32)> = None;
    for t in lex(source) {
        let line = text.position(t.span.start).line;
        match (t.kind, t.text(source)) {
            (TokenKind::Punct, "{" | "(" | "[") => open.push(line),
            (TokenKind::Punct, "}" | ")" | "]") => {
                if let Some(start) = open.pop() {
                    if line > start + 1 {
                        out.push(FoldingRange { start_line: start, end_line: line - 1, ..FoldingRange::default() });
                    }
                }
            }
            (TokenKind::Comment, _) => {
                comment_run = match comment_run {
                    Some((a, b)) if b + 1 == line => Some((a, line)),
                    Some((a, b)) => {
                        if b > a {
                            out.push(comment_fold(a, b));
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
            out.push(comment_fold(a, b));
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}

fn comment_fold(a: u32, b: u32) -> FoldingRange {
    FoldingRange { start_line: a, end_line: b, kind: Some(FoldingRangeKind::Comment), ..FoldingRange::default() }
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
