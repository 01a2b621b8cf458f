//! The canonical layout of guideline files.
//!
//! Like gofmt, the formatter keeps the author's line breaks (one condition
//! per line is a choice worth keeping) and decides everything else:
//! indentation (two spaces per open bracket, two more for a continued
//! line, operands aligned under a hanging `and`/`or`), one space between
//! tokens (none inside `a.b`, `0..10`, before `,` or after `(`), aligned
//! columns in runs of input fields, items, strata, enum values and choice
//! options, aligned trailing comments, at most one blank line, LF line ends
//! and one final newline.
//!
//! It changes only the space between tokens, never a token (comments lose
//! trailing spaces), so a formatted file means what it meant. A file with
//! syntax errors is not formatted: where a declaration ends is not known.

use guidepath_syntax::lexer::{lex, Token, TokenKind};
use guidepath_syntax::{parse, Diagnostic, Severity};

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file has syntax errors (the parser's diagnostics).
    Syntax(Vec<Diagnostic>),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(f, "{} syntax error(s); fix them first", d.len()),
        }
    }
}

impl std::error::Error for FormatError {}

/// The canonical layout of `text`.
pub fn format(text: &str) -> Result<String, FormatError> {
    let parsed = parse(text);
    let errors: Vec<Diagnostic> = parsed.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    Ok(layout(text))
}

/// Whether two texts have the same tokens (comments compared without
/// trailing space), i.e. differ only in layout.
pub fn same_tokens(a: &str, b: &str) -> bool {
    let toks = |t: &str| -> Vec<String> {
        lex(t).into_iter().filter(|k| k.kind != TokenKind::Newline).map(|k| k.text(t).trim_end().to_string()).collect()
    };
    toks(a) == toks(b)
}

/// Where each offset is in layout-free terms: the number of tokens
/// (comments included, line breaks not) that start before it. Formatting
/// changes lines and columns (a blank line before `}` goes) but never this,
/// so diagnostics of a formatted text are compared with the original's here.
pub fn token_positions(text: &str, offsets: impl IntoIterator<Item = u32>) -> Vec<usize> {
    let starts: Vec<u32> = lex(text).iter().filter(|t| t.kind != TokenKind::Newline).map(|t| t.span.start).collect();
    offsets.into_iter().map(|o| starts.partition_point(|&s| s < o)).collect()
}

const INDENT: &str = "  ";
const LANGS: &[&str] = &["da", "sv", "nb", "nn", "no", "en", "fi", "de"];

/// What the block a line sits in holds, for `:` spacing and alignment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Block {
    Top,
    /// `input { name : type }`.
    Fields,
    /// `given { key: value }` and objects inside it.
    Members,
    Enum,
    Choice,
    Other,
}

struct Line<'t> {
    /// Code tokens (no comment, no newline).
    code: Vec<Token>,
    comment: Option<&'t str>,
    depth: usize,
    block: Block,
    continuation: bool,
    /// Extra spaces for an operand aligned under a hanging operator.
    hang: usize,
}

fn layout(text: &str) -> String {
    let tokens = lex(text);
    // Split into lines.
    let mut raw: Vec<(Vec<Token>, Option<Token>)> = vec![(Vec::new(), None)];
    for t in tokens {
        match t.kind {
            TokenKind::Newline => raw.push((Vec::new(), None)),
            TokenKind::Comment => {
                if let Some(last) = raw.last_mut() {
                    last.1 = Some(t);
                }
            }
            _ => {
                if let Some(last) = raw.last_mut() {
                    last.0.push(t);
                }
            }
        }
    }
    let word = |t: &Token| t.text(text);
    // Depth, block kind and continuation of each line.
    let mut lines: Vec<Line> = Vec::new();
    let mut stack: Vec<Block> = Vec::new();
    let mut prev_code_end: Option<&str> = None;
    // The first word of the last line with code, and whether that line
    // continued an entry.
    let mut prev_start: Option<(&str, bool)> = None;
    for (code, comment) in raw {
        let first = code.first().map(word);
        let closes_first = first.is_some_and(|w| matches!(w, "}" | ")" | "]"));
        let depth = stack.len().saturating_sub(usize::from(closes_first));
        let block = if closes_first {
            stack.len().checked_sub(2).and_then(|k| stack.get(k)).copied().unwrap_or(Block::Top)
        } else {
            stack.last().copied().unwrap_or(Block::Top)
        };
        let continuation = !code.is_empty()
            && !closes_first
            && (first.is_some_and(starts_continuation)
                || (code.len() >= 2 && first.is_some_and(|w| LANGS.contains(&w)) && code[1].kind == TokenKind::String)
                || code[0].kind == TokenKind::String
                // `at "…"` on its own line belongs to the quote above.
                || (code.len() >= 2 && first == Some("at") && code[1].kind == TokenKind::String)
                || prev_code_end.is_some_and(ends_incomplete)
                // `from` and `code` on their own line belong to the field,
                // item, score or stratum above; a `code` below a metadata
                // entry or an opening brace is the instrument's own.
                || first == Some("from")
                || (first == Some("code")
                    && prev_code_end != Some("{")
                    && prev_start.is_some_and(|(w, cont)| cont || !matches!(w, "title" | "source" | "language" | "code"))));
        // Open and close blocks.
        let head = first.unwrap_or("");
        for t in &code {
            match word(t) {
                "{" | "(" | "[" => {
                    let parent = stack.last().copied().unwrap_or(Block::Top);
                    let kind = if word(t) != "{" {
                        parent
                    } else if parent == Block::Members || head == "given" {
                        Block::Members
                    } else if head == "input" {
                        Block::Fields
                    } else if head == "enum" {
                        Block::Enum
                    } else if code.iter().any(|k| word(k) == "choice") {
                        Block::Choice
                    } else {
                        Block::Other
                    };
                    stack.push(kind);
                }
                "}" | ")" | "]" => {
                    stack.pop();
                }
                _ => {}
            }
        }
        if let Some(last) = code.last() {
            prev_code_end = Some(word(last));
            prev_start = first.map(|w| (w, continuation));
        }
        lines.push(Line {
            code,
            comment: comment.map(|c| c.text(text).trim_end()),
            depth,
            block,
            continuation,
            hang: 0,
        });
    }
    // An operand continued after `=` (or `when`) aligns with the operands
    // of the `and`/`or` lines that follow it.
    for k in 0..lines.len() {
        if !lines[k].continuation || lines[k].code.first().is_some_and(|t| starts_continuation(word(t))) {
            continue;
        }
        let next = lines[k + 1..].iter().find(|l| !l.code.is_empty());
        if let Some(op) = next.and_then(|l| l.code.first()).map(word).filter(|w| matches!(*w, "and" | "or")) {
            lines[k].hang = op.len() + 1;
        }
    }
    // Render each line's code.
    let rendered: Vec<Vec<String>> = lines.iter().map(|l| cells(text, l)).collect();
    let mut code_text: Vec<String> = rendered.iter().map(|c| c.concat()).collect();
    align_columns(&lines, &rendered, &mut code_text, text);
    // Indentation and comments.
    let mut out_lines: Vec<String> = Vec::new();
    let mut widths: Vec<usize> = Vec::new();
    for (l, code) in lines.iter().zip(&code_text) {
        let mut s = INDENT.repeat(l.depth + usize::from(l.continuation));
        s.push_str(&" ".repeat(l.hang));
        s.push_str(code);
        widths.push(if code.is_empty() { 0 } else { s.chars().count() });
        out_lines.push(s);
    }
    // Trailing comments: aligned in runs of consecutive lines that have code
    // and a comment.
    let mut k = 0;
    while k < lines.len() {
        let has = |i: usize| lines[i].comment.is_some() && !lines[i].code.is_empty();
        if !has(k) {
            if let Some(c) = lines[k].comment {
                let indent = INDENT.repeat(lines[k].depth);
                out_lines[k] = format!("{indent}{c}");
            }
            k += 1;
            continue;
        }
        let mut end = k;
        while end < lines.len() && has(end) {
            end += 1;
        }
        let col = (k..end).map(|i| widths[i]).max().unwrap_or(0) + 2;
        for i in k..end {
            let pad = col - widths[i];
            let c = lines[i].comment.unwrap_or("");
            out_lines[i].push_str(&" ".repeat(pad));
            out_lines[i].push_str(c);
        }
        k = end;
    }
    // Blank lines: at most one, none after `{` or before `}`, none at the
    // ends.
    let mut out = String::with_capacity(text.len());
    let mut pending_blank = false;
    let mut last_opened = true;
    for (l, s) in lines.iter().zip(&out_lines) {
        if s.trim().is_empty() {
            pending_blank = true;
            continue;
        }
        let closes = l.code.first().is_some_and(|t| matches!(word(t), "}" | ")" | "]"));
        if pending_blank && !last_opened && !closes {
            out.push('\n');
        }
        pending_blank = false;
        out.push_str(s);
        out.push('\n');
        last_opened = l.code.last().is_some_and(|t| matches!(word(t), "{" | "(" | "["));
    }
    out
}

fn starts_continuation(w: &str) -> bool {
    // (`from` and `code` continue an entry too, decided in `layout`.)
    matches!(w, "and" | "or" | "+" | "-" | "<" | "<=" | ">" | ">=" | "=" | "!=" | "is" | "in" | "any" | "all" | "none")
}

fn ends_incomplete(w: &str) -> bool {
    matches!(
        w,
        "=" | "and" | "or" | "not" | "+" | "-" | "<" | "<=" | ">" | ">=" | "!=" | "when" | "of" | "by" | "is" | "in"
    )
}

/// The line's tokens, each with the space that goes before it.
fn cells(text: &str, l: &Line) -> Vec<String> {
    let mut out = Vec::with_capacity(l.code.len());
    let mut prev: Option<&str> = None;
    for t in &l.code {
        let w = t.text(text);
        let item_line = l.code.first().map(|f| f.text(text)) == Some("item");
        let space = match prev {
            Some(p) if gap(p, w, l.block, item_line) => " ",
            _ => "",
        };
        out.push(format!("{space}{w}"));
        prev = Some(w);
    }
    out
}

/// Whether a space goes between two tokens on one line.
fn gap(prev: &str, next: &str, block: Block, item_line: bool) -> bool {
    if matches!(next, "," | ")" | "]" | "." | "..") || matches!(prev, "(" | "[" | "." | "..") {
        return false;
    }
    if next == ":" {
        return block == Block::Fields || item_line;
    }
    if prev == "{" && next == "}" {
        return false;
    }
    true
}

/// Pads the first cell(s) of runs of lines of one shape so the next column
/// lines up: `name : type` fields, `item q1 : …`, `low when …` strata,
/// enum values and choice options.
fn align_columns(lines: &[Line], cells: &[Vec<String>], code: &mut [String], text: &str) {
    let shape = |l: &Line| -> Option<(u8, usize)> {
        if l.continuation || l.code.len() < 2 {
            return None;
        }
        let w = |i: usize| l.code.get(i).map_or("", |t| t.text(text));
        if w(0) == "item" && w(2) == ":" {
            return Some((1, 1));
        }
        if l.block == Block::Fields && w(1) == ":" {
            return Some((2, 0));
        }
        if w(1) == "when" && l.code[0].kind == TokenKind::Word && !is_keyword(w(0)) {
            return Some((3, 0));
        }
        if l.block == Block::Enum && l.code[0].kind == TokenKind::Word && w(1) != "," {
            return Some((4, 0));
        }
        if l.block == Block::Choice && w(1) == "=" {
            return Some((5, 0));
        }
        None
    };
    let mut k = 0;
    while k < lines.len() {
        let Some(s) = shape(&lines[k]) else {
            k += 1;
            continue;
        };
        // The run: lines of this shape at this depth; the continuation
        // lines of its entries (an item's texts) do not break it.
        let mut run = vec![k];
        let mut end = k + 1;
        while end < lines.len() {
            let l = &lines[end];
            if l.continuation && !l.code.is_empty() {
                end += 1;
                continue;
            }
            if shape(l) != Some(s) || l.depth != lines[k].depth {
                break;
            }
            run.push(end);
            end += 1;
        }
        let (kind, cell) = s;
        let width = |i: usize| cells[i][..=cell].concat().chars().count();
        let max = run.iter().map(|&i| width(i)).max().unwrap_or(0);
        // Strata: their titles (the string that ends the condition, before
        // any `code`) line up too.
        let title = |i: usize| {
            let l = &lines[i];
            let end = (1..l.code.len())
                .find(|&p| l.code[p - 1].kind == TokenKind::String && l.code[p].text(text) == "code")
                .unwrap_or(l.code.len());
            if !(kind == 3 && end > 3 && l.code[end - 1].kind == TokenKind::String) {
                return None;
            }
            // Back over the texts: continued strings, and the texts in
            // other languages (`"…" en "…"`), to the first.
            let is = |p: usize, k: TokenKind| l.code[p].kind == k;
            let lang = |p: usize| LANGS.contains(&l.code[p].text(text));
            let mut t = end - 1;
            loop {
                if t > 3 && is(t - 1, TokenKind::String) {
                    t -= 1;
                } else if t > 4 && lang(t - 1) && is(t - 2, TokenKind::String) {
                    t -= 2;
                } else {
                    break;
                }
            }
            if t > 3 && lang(t - 1) {
                t -= 1;
            }
            Some(t)
        };
        let titled: Vec<usize> = run.iter().copied().filter(|&i| title(i).is_some()).collect();
        let body = |i: usize| {
            let upto = title(i).unwrap_or(cells[i].len());
            cells[i][cell + 1..upto].concat().chars().count()
        };
        let max_body = titled.iter().map(|&i| body(i)).max().unwrap_or(0);
        for &i in &run {
            let pad = " ".repeat(max - width(i));
            let head = cells[i][..=cell].concat();
            code[i] = match title(i).filter(|_| titled.len() > 1) {
                Some(t) => {
                    let mid = cells[i][cell + 1..t].concat();
                    let gap = " ".repeat(max_body - body(i));
                    format!("{head}{pad}{mid}{gap}{}", cells[i][t..].concat())
                }
                None => format!("{head}{pad}{}", cells[i][cell + 1..].concat()),
            };
        }
        k = end;
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(w, "step" | "recommend" | "stratify" | "define" | "pathway" | "test" | "expect" | "given")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_a_messy_file() {
        let messy = "guideline  a.b \"T\"{issuer \"x\"}\n\n\n\ninput{\nage:integer years in 0..130 // years\n  pain_sites : set of site\n}\nenum site { neck, back }\ndefine adult =\nage>=18\nand age<=70\nstratify s by age {\nyoung when age<30 \"Young\"\nold when age>=30\n}\n";
        let want = "guideline a.b \"T\" { issuer \"x\" }\n\ninput {\n  age        : integer years in 0..130  // years\n  pain_sites : set of site\n}\nenum site { neck, back }\ndefine adult =\n      age >= 18\n  and age <= 70\nstratify s by age {\n  young when age < 30 \"Young\"\n  old   when age >= 30\n}\n";
        let got = format(messy).unwrap();
        assert_eq!(got, want);
        assert_eq!(format(&got).unwrap(), got, "idempotent");
        assert!(same_tokens(messy, &got));
    }

    #[test]
    fn strata_with_titles_in_two_languages_align_on_the_first() {
        let text = "stratify s by x {\n  low when x <= 50 \"Låg\" en \"Low\"\n  high when x > 50 \"Hög\"\n}\n";
        let want = "stratify s by x {\n  low  when x <= 50 \"Låg\" en \"Low\"\n  high when x > 50  \"Hög\"\n}\n";
        assert_eq!(format(text).unwrap(), want);
    }

    #[test]
    fn aligns_strata_titles_in_front_of_their_codes() {
        // The first layout of the coded STarT Back strata aligned the codes'
        // strings, not the titles.
        let messy = "stratify r by t code loinc \"91352-5\" {\n  low when t <= 3 \"Low risk\" code loinc \"LA9194-7\"\n  high when t >= 4 and t <= 9 \"High risk\" code loinc \"LA9193-9\"\n}\n";
        let want = "stratify r by t code loinc \"91352-5\" {\n  low  when t <= 3            \"Low risk\" code loinc \"LA9194-7\"\n  high when t >= 4 and t <= 9 \"High risk\" code loinc \"LA9193-9\"\n}\n";
        assert_eq!(format(messy).unwrap(), want);
    }

    #[test]
    fn keeps_lines_ended_by_a_lone_carriage_return() {
        // Found while writing the robustness tests: old Mac line ends were
        // read as spaces and the whole file joined into one line.
        let got = format("input {\r  age : integer years\r}\rdefine a = age >= 1\r").unwrap();
        assert_eq!(got, "input {\n  age : integer years\n}\ndefine a = age >= 1\n");
    }

    #[test]
    fn refuses_syntax_errors() {
        assert!(matches!(format("input { age integer }"), Err(FormatError::Syntax(_))));
    }
}
