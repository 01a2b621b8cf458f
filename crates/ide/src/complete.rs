//! Completion in context: keywords that may start an entry of the block the
//! cursor is in, members after `name.`, values after `is`, units after a
//! number, names in scope in expressions.

use crate::index::{members, names_in_scope, target_at, values, SymbolKind};
use guidepath_check::{Checked, FileId, BUILTIN_TYPES, CERTAINTIES, LANGUAGES, STATUSES, STRENGTHS};
use guidepath_ir::Unit;
use guidepath_syntax::lexer::{lex, TokenKind};
use guidepath_syntax::FINDING_KINDS;
use serde::Serialize;

/// One completion: the word, and what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
}

/// What a completion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "is", content = "symbol")]
pub enum CompletionKind {
    /// A declared name.
    Name(SymbolKind),
    /// A word of the language.
    Keyword,
    /// One of a closed list: a strength, a status, a stratum, an enum's value.
    Value,
    /// A unit after a number.
    Unit,
}

const TOP: &[&str] = &guidepath_syntax::LINE_WORDS;
const GUIDELINE: &[&str] =
    &["title", "issuer", "version", "status", "language", "source", "published", "review", "priority"];
const INSTRUMENT: &[&str] = &["title", "source", "language", "item", "score", "stratify", "define"];
const RECOMMEND: &[&str] = &[
    "when",
    "strength",
    "certainty",
    "rationale",
    "reference",
    "action",
    "level",
    "title",
    "status",
    "review",
    "priority",
];
const PATHWAY: &[&str] = &["step", "within", "when", "title"];
const STEP: &[&str] = &["responsible", "within", "after", "when", "if missed"];
const TEST: &[&str] = &["given", "expect"];
const EXPRESSION: &[&str] = &["and", "or", "not", "is", "in", "any of", "all of", "none of", "true", "false"];
const EXPECTATIONS: &[&str] =
    &["applies", "does not apply", "not applicable", "undecided", "undecided because", "is", "due", "in"];

fn items(words: &[&str], kind: CompletionKind) -> Vec<Completion> {
    words.iter().map(|w| Completion { label: w.to_string(), kind }).collect()
}

fn names(names: Vec<(String, SymbolKind)>) -> Vec<Completion> {
    names.into_iter().map(|(label, k)| Completion { label, kind: CompletionKind::Name(k) }).collect()
}

/// Completions at byte `offset` of `file` (whose text may not parse).
pub fn complete(checked: &Checked, file: FileId, offset: u32) -> Vec<Completion> {
    let text = &checked.db.file(file).text;
    let offset = (offset as usize).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let tokens = lex(before);
    let word = |i: usize| tokens.get(i).map_or("", |t| t.text(before));
    // The word being typed (if the cursor touches one) is not context.
    let mut last = tokens.len();
    if tokens.last().is_some_and(|t| t.kind == TokenKind::Word && t.span.end as usize == before.len()) {
        last -= 1;
    }
    let prev = last.checked_sub(1);
    let prev_word = prev.map_or("", word);
    let prev_kind = prev.and_then(|i| tokens.get(i)).map(|t| t.kind);
    let at_line_start =
        prev_kind.is_none_or(|k| k == TokenKind::Newline || k == TokenKind::Comment) || prev_word == "{";

    // `owner.` → members.
    if prev_word == "." {
        if let Some(owner) = prev.and_then(|i| i.checked_sub(1)).and_then(|i| tokens.get(i)) {
            if let Some(t) = target_at(checked, file, owner.span.start) {
                return names(members(checked, &t));
            }
        }
        return Vec::new();
    }
    // `name is` → strata or enum values.
    if prev_word == "is" {
        if let Some(subject) = prev.and_then(|i| i.checked_sub(1)).and_then(|i| tokens.get(i)) {
            if let Some(t) = target_at(checked, file, subject.span.start) {
                let v = values(checked, &t);
                if !v.is_empty() {
                    return v.into_iter().map(|label| Completion { label, kind: CompletionKind::Value }).collect();
                }
            }
        }
    }
    match prev_word {
        "strength" => return items(STRENGTHS, CompletionKind::Value),
        "certainty" => return items(CERTAINTIES, CompletionKind::Value),
        "status" => return items(STATUSES, CompletionKind::Value),
        "language" => return items(LANGUAGES, CompletionKind::Value),
        "allow" => {
            let kinds: Vec<&str> = FINDING_KINDS.iter().map(|(k, _)| *k).collect();
            return items(&kinds, CompletionKind::Value);
        }
        ":" if block(&tokens, before, last) == "input" => {
            let mut types = BUILTIN_TYPES.to_vec();
            types.push("set of");
            return items(&types, CompletionKind::Keyword);
        }
        _ => {}
    }
    if prev_kind == Some(TokenKind::Number) {
        let units: Vec<&str> = Unit::ALL.iter().map(|u| u.name()).collect();
        return items(&units, CompletionKind::Unit);
    }
    if at_line_start {
        let words = match block(&tokens, before, last) {
            "" => TOP,
            "guideline" => GUIDELINE,
            "instrument" => INSTRUMENT,
            "recommend" => RECOMMEND,
            "pathway" => PATHWAY,
            "step" => STEP,
            "test" => TEST,
            _ => &[],
        };
        if !words.is_empty() {
            return items(words, CompletionKind::Keyword);
        }
    }
    if block(&tokens, before, last) == "test"
        && tokens.get(last.wrapping_sub(2)).is_some_and(|t| t.text(before) == "expect")
    {
        return items(EXPECTATIONS, CompletionKind::Keyword);
    }
    let mut out = names(names_in_scope(checked, file));
    out.extend(items(EXPRESSION, CompletionKind::Keyword));
    out
}

/// The keyword that opened the innermost `{` block before `last`: the first
/// word of its line (`recommend`, `pathway`, `step`, …), `""` at the top.
fn block<'t>(tokens: &[guidepath_syntax::lexer::Token], text: &'t str, last: usize) -> &'t str {
    let mut depth = 0usize;
    for i in (0..last.min(tokens.len())).rev() {
        match tokens[i].text(text) {
            "}" => depth += 1,
            "{" if depth > 0 => depth -= 1,
            "{" => {
                // The first word of the line (or statement) this `{` is on.
                let mut j = i;
                while j > 0 && tokens[j - 1].kind != TokenKind::Newline {
                    j -= 1;
                }
                return tokens.get(j).map_or("", |t| t.text(text));
            }
            _ => {}
        }
    }
    ""
}
