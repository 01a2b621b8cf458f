//! pest parse tree to typed AST.
//!
//! Parsing never fails: [`parse`] always returns a [`File`] and diagnostics.
//! The grammar's catch-all rules (`bad_item`, `bad_entry`) keep the tree
//! whole around syntax errors; each catch-all is re-parsed on its own with the
//! rule that should have matched there, so the diagnostic says exactly what
//! was expected and where.

use crate::ast::*;
use crate::cache::ParseCache;
use crate::diag::{Code, Diagnostic};
use crate::span::Span;
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/guidepath.pest"]
struct Grammar;

/// Files above this size are refused with E0103 rather than parsed.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest bracket nesting the parser accepts (E0102 beyond). Real
/// guidelines nest a handful of levels; the bound keeps every recursive pass
/// (parser, checker, evaluator) far from the end of the stack.
pub const MAX_NESTING: usize = 32;

/// The result of parsing one file.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub file: File,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses guidepath source text. Never fails and never panics: syntax errors
/// become diagnostics and `Item::Error` nodes, and everything else in the
/// file is still parsed.
pub fn parse(text: &str) -> Parsed {
    parse_in(text, PIECE_BYTES, None)
}

/// Parses as [`parse`] does, with the same result, taking every declaration
/// whose text is in `cache` from there and keeping the new ones: what an
/// editor needs, where one declaration changes between two parses.
pub fn parse_cached(text: &str, cache: &ParseCache) -> Parsed {
    // Each declaration its own piece, so that a piece is one declaration's
    // text and survives edits to the others.
    parse_in(text, 1, Some(cache))
}

/// Parses the whole text in one go, as the parser did before it parsed in
/// pieces: the reference [`parse`] and [`parse_cached`] are held to, in
/// tests and fuzzing (same result, slower on large files).
#[doc(hidden)]
pub fn parse_in_one(text: &str) -> Parsed {
    parse_in(text, usize::MAX, None)
}

fn parse_in(text: &str, piece_bytes: usize, cache: Option<&ParseCache>) -> Parsed {
    let mut diagnostics = Vec::new();
    if text.len() > MAX_FILE_BYTES {
        diagnostics.push(
            Diagnostic::new(
                Code::TooLarge,
                Span::new(0, 0),
                format!("file is {} bytes, more than the {} the parser accepts", text.len(), MAX_FILE_BYTES),
            )
            .label("this file")
            .help("split the guideline into several files joined with `use`"),
        );
        return Parsed { file: File::default(), diagnostics };
    }
    let masked = mask_deep_nesting(text, &mut diagnostics);
    let source: &str = masked.as_deref().unwrap_or(text);
    let mut builder = Builder { text: source, base: 0, diagnostics };
    let file = if masked.is_some() || piece_bytes == usize::MAX {
        builder.whole(0)
    } else {
        builder.pieces(piece_bytes, cache)
    };
    Parsed { file, diagnostics: builder.diagnostics }
}

/// Pieces are at least this long: long enough that pest's per-call setup is
/// nothing beside the parse, short enough that its token queue stays small
/// (one queue for a 1 MB file is tens of MB, grown by reallocation).
const PIECE_BYTES: usize = 16 * 1024;

/// The words a top-level declaration starts with, in column 0: the
/// declarations' keywords, and `quote` and `assume` above a rule. Recovery
/// resynchronises on them, the parser cuts a file into pieces at them, and
/// the language server completes them at a line's start.
pub const LINE_WORDS: [&str; 13] = [
    "guideline",
    "use",
    "input",
    "enum",
    "instrument",
    "define",
    "stratify",
    "recommend",
    "pathway",
    "test",
    "allow",
    "quote",
    "assume",
];

/// Where top-level declarations may start: offset 0 and every line that
/// starts with a declaration's keyword. Recovery resynchronises at the same
/// places (`bad_item` in the grammar). Strings and comments never span
/// lines, so a line start is never inside one.
fn item_lines(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    // The word a line starts with, when it is one of `WORDS`.
    let word_at = move |at: usize| {
        LINE_WORDS.iter().copied().find(|w| {
            bytes[at..].starts_with(w.as_bytes())
                && !text[at + w.len()..].chars().next().is_some_and(pest::unicode::XID_CONTINUE)
        })
    };
    // `quote` and `assume` lines belong to the declaration below them: a
    // declaration starts at the first of them, and the lines after them
    // (theirs or the declaration's) start nothing.
    let mut after_provenance = false;
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| (b == b'\n' || b == b'\r') && i + 1 < bytes.len())
        .map(|(i, _)| i + 1)
        .filter_map(move |at| {
            let word = word_at(at)?;
            let starts = !after_provenance;
            after_provenance = matches!(word, "quote" | "assume");
            starts.then_some(at)
        })
}

impl Builder<'_> {
    /// Parses the file one piece at a time, each piece whole declarations.
    ///
    /// The result is exactly that of one parse of the whole text: in the
    /// grammar no declaration can go on past a line that starts with a
    /// declaration's keyword once it is complete (each ends in `}`, an
    /// expression, a path or a text, none of which continues with such a
    /// word), so a piece whose declarations all parse is parsed as the whole
    /// text would parse it. That holds for a declaration with errors inside
    /// its block too: the block's catch-all takes the rest of a line, never
    /// more, so a block closed within the piece closes at the same `}` in the
    /// whole text. A piece where a declaration itself does not parse is
    /// different: the declaration's catch-all (an `Item::Error`) would stop
    /// at the end of the piece, not where recovery stops, and an unclosed
    /// block is such a declaration. From such a piece the parser takes the
    /// whole parse's own steps (`step_on`) until it stands at a piece's
    /// start again, and goes on there.
    ///
    /// With a cache, a piece whose text was parsed before is taken from it,
    /// and each clean piece parsed is kept there; a piece with errors is
    /// parsed anew each time (it is the one being edited).
    fn pieces(&mut self, piece_bytes: usize, cache: Option<&ParseCache>) -> File {
        let mut items = Vec::new();
        let bounds: Vec<usize> = item_lines(self.text).chain(std::iter::once(self.text.len())).collect();
        let mut start = 0;
        for (k, &end) in bounds.iter().enumerate() {
            if end <= start || (end - start < piece_bytes && end < self.text.len()) {
                continue;
            }
            let piece = &self.text[start..end];
            if let Some(kept) = cache.and_then(|c| c.get(piece, start)) {
                items.extend(kept);
                start = end;
                continue;
            }
            let before = (items.len(), self.diagnostics.len());
            self.base = start;
            // Whether its declarations all parse, and whether without errors
            // inside them either.
            let (complete, clean) = match Grammar::parse(Rule::file, piece) {
                Ok(mut pairs) => match pairs.next() {
                    Some(file) => {
                        items.extend(self.file(file).items);
                        let complete = !items[before.0..].iter().any(|i| matches!(i, Item::Error(_)));
                        (complete, complete && self.diagnostics.len() == before.1)
                    }
                    None => (false, false),
                },
                Err(_) => (false, false),
            };
            if !complete {
                items.truncate(before.0);
                self.diagnostics.truncate(before.1);
                start = self.step_on(start, &bounds[k..], &mut items);
                continue;
            }
            if let Some(cache) = cache.filter(|_| clean) {
                cache.put(piece, start, &items[before.0..]);
            }
            start = end;
        }
        File { items }
    }

    /// Takes the whole parse's steps from `at`, where it stands between two
    /// declarations: one declaration or catch-all at a time, each parsed on
    /// the rest of the text as the whole parse parses it there, until only
    /// whitespace and comments lie between it and one of `bounds` (the
    /// piece starts from `at` on, the text's end last). Returns that bound,
    /// where the whole parse starts a piece as a piece parsed alone does.
    /// Each step costs what the whole parse spends on that declaration, so
    /// an error costs its own declaration's parse, not the rest of the
    /// file's.
    fn step_on(&mut self, mut at: usize, bounds: &[usize], items: &mut Vec<Item>) -> usize {
        let end = self.text.len();
        loop {
            let next = bounds.get(bounds.partition_point(|&b| b < at)).copied().unwrap_or(end);
            if Grammar::parse(Rule::trivia, &self.text[at..next]).is_ok() {
                return next;
            }
            self.base = at;
            let step = match Grammar::parse(Rule::file_step, &self.text[at..]) {
                Ok(mut pairs) => pairs.next(),
                Err(_) => None,
            };
            let Some(step) = step else {
                // Unreachable: what is not whitespace and comments is at
                // least a catch-all. Should pest refuse anyway, the rest in
                // one go says why.
                items.extend(self.whole(at).items);
                return end;
            };
            let taken = step.as_span().end();
            items.extend(self.file(step).items);
            at += taken;
        }
    }

    /// Parses the text from `start` to its end in one go.
    fn whole(&mut self, start: usize) -> File {
        self.base = start;
        let source = &self.text[start..];
        match Grammar::parse(Rule::file, source) {
            Ok(mut pairs) => match pairs.next() {
                Some(file) => self.file(file),
                None => File::default(),
            },
            Err(err) => {
                // The catch-all rules make this unreachable for any text; if
                // pest refuses anyway (e.g. its own limits), report it rather
                // than lose the file silently.
                let (pos, message) = describe_error(&err, self.text, start);
                self.diagnostics.push(Diagnostic::new(Code::Syntax, Span::new(pos, pos), message));
                File { items: vec![Item::Error(ErrorItem { span: Span::new(start, self.text.len()), declares: None })] }
            }
        }
    }
}

/// The bytes of source text outside strings and comments, with their
/// offsets: what bracket scans look at.
fn code_bytes(text: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let at = i;
            match bytes[i] {
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' && bytes[i] != b'\r' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                        i += 1;
                    }
                }
                b => {
                    i += 1;
                    return Some((at, b));
                }
            }
        }
        None
    })
}

/// Finds brackets nested deeper than [`MAX_NESTING`] and blanks them out (up
/// to their matching close) so that no later pass recurses that deep. Line
/// breaks and byte offsets are kept, so every span stays true.
fn mask_deep_nesting(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let mut depth = 0usize;
    let mut masks: Vec<(usize, usize)> = Vec::new();
    let mut code = code_bytes(text);
    while let Some((i, b)) = code.next() {
        match b {
            b'(' | b'[' | b'{' if depth == MAX_NESTING => {
                // Skip to the matching close; all of it is masked.
                let mut d = 1usize;
                let mut end = text.len();
                for (j, c) in code.by_ref() {
                    match c {
                        b'(' | b'[' | b'{' => d += 1,
                        b')' | b']' | b'}' => d -= 1,
                        _ => {}
                    }
                    if d == 0 {
                        end = j + 1;
                        break;
                    }
                }
                masks.push((i, end));
                diagnostics.push(
                    Diagnostic::new(
                        Code::TooDeep,
                        Span::new(i, i + 1),
                        format!("brackets nested more than {MAX_NESTING} levels deep"),
                    )
                    .label("too deep from here")
                    .help("split the expression into named `define`s"),
                );
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if masks.is_empty() {
        return None;
    }
    let mut buf = text.as_bytes().to_vec();
    for (start, end) in masks {
        for b in &mut buf[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // Whole characters were replaced by spaces, byte for byte, so the
    // buffer is still UTF-8; fall back to the original if not.
    String::from_utf8(buf).ok()
}

/// Turns a pest error into a position and a lowercase message.
fn describe_error(err: &pest::error::Error<Rule>, text: &str, base: usize) -> (usize, String) {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let abs = base + pos;
    let found = found_at(text, abs);
    let message = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&str> = Vec::new();
            for r in positives {
                // End of input inside a re-parsed piece only means "end of
                // this entry"; it is noise next to real alternatives.
                if matches!(r, Rule::bad_entry | Rule::bad_item) || (*r == Rule::EOI && positives.len() > 1) {
                    continue;
                }
                let d = describe_rule(*r);
                if !expected.contains(&d) {
                    expected.push(d);
                }
            }
            // Declarations in the order the language reference gives them,
            // whatever order the grammar's attempts came in.
            const DECLARATIONS: [&str; 11] = [
                "`guideline`",
                "`use`",
                "`input`",
                "`enum`",
                "`instrument`",
                "`define`",
                "`stratify`",
                "`recommend`",
                "`pathway`",
                "`test`",
                "`allow`",
            ];
            expected.sort_by_key(|d| DECLARATIONS.iter().position(|k| k == d).unwrap_or(DECLARATIONS.len()));
            if expected.is_empty() {
                format!("unexpected {found}")
            } else {
                let shown = expected.len().min(6);
                let mut list = expected[..shown].join(", ");
                if expected.len() > shown {
                    list.push_str(", …");
                }
                format!("expected {list}; found {found}")
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.to_lowercase(),
    };
    (abs, message)
}

/// What stands at `pos`, quoted for a message.
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if first == '\n' || first == '\r' {
        return "end of line".to_string();
    }
    let token: String = if pest::unicode::XID_CONTINUE(first) {
        rest.chars().take_while(|c| pest::unicode::XID_CONTINUE(*c) || *c == '.').take(40).collect()
    } else {
        first.to_string()
    };
    format!("`{token}`")
}

fn describe_rule(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI => "end of file",
        lbrace => "`{`",
        rbrace => "`}`",
        colon => "`:`",
        equals => "`=`",
        rparen => "`)`",
        rbracket => "`]`",
        ident | path | expr_ref => "a name",
        string | string_inner => "a string",
        text | lang => "a text",
        number => "a number",
        date => "a date like `2024-01-31`",
        quantity => "a number",
        unit => "a unit",
        range => "a range like `0..10`",
        cmp_op => "a comparison",
        add_op => "`+` or `-`",
        expr | and_expr | not_expr | cmp_expr | sum_expr | paren => "an expression",
        cmp_rest | in_rest | is_rest | set_rest => "an operator",
        set_lit => "a set like `{ a, b }`",
        type_spec | set_type => "a type",
        field => "a field like `age : integer years`",
        presence => "`required` or `optional`",
        enum_value => "an enum value",
        item_decl => "`item`",
        integer_item | choice_item => "an item type (`boolean`, `integer in 0..10`, `choice { … }`)",
        choice_option => "an option like `very_much = 1`",
        reverse => "`reverse`",
        score_decl => "`score`",
        stratum => "a stratum like `low when total <= 3`",
        direction => "`for` or `against`",
        when_clause => "`when`",
        rec_strength => "`strength`",
        rec_certainty => "`certainty`",
        rec_rationale => "`rationale`",
        rec_reference => "`reference`",
        rec_action => "`action`",
        rec_level => "`level`",
        meta_title => "`title`",
        meta_issuer => "`issuer`",
        meta_version => "`version`",
        meta_status => "`status`",
        meta_review => "`review by`",
        meta_priority => "`priority`",
        strength_mark => "a strength mark (↑↑ ↑ ↓ ↓↓ √)",
        meta_language => "`language`",
        meta_source => "`source`",
        meta_published => "`published`",
        step => "`step`",
        time_limit => "`within`",
        sourced_limit => "`within`",
        sourced | sourced_entry | sourced_step => "`quote` or `assume`",
        provenance | prov_quote | prov_assume => "`quote` or `assume`",
        kw_quote => "`quote`",
        kw_assume => "`assume`",
        kw_at => "`at`",
        responsible => "`responsible`",
        if_missed => "`if missed`",
        step_after => "`after`",
        given => "`given`",
        expect => "`expect`",
        object => "`{`",
        member => "a field like `age: 45`",
        list => "a list like `[a, b]`",
        expectation | exp_applies | exp_not_applies | exp_not_applicable | exp_undecided | exp_is | exp_eq | exp_in
        | exp_due => {
            "an expectation (`applies`, `does not apply`, `not applicable`, `undecided`, `is …`, `= …`, `in …`, `due …`)"
        }
        // A declaration that may start with `quote` or `assume` is expected
        // as a whole where it does not start; it is named by its keyword.
        define => "`define`",
        stratify => "`stratify`",
        recommend => "`recommend`",
        pathway => "`pathway`",
        kw_allow | allow_decl => "`allow`",
        guideline | use_decl | input_block | enum_decl | instrument | test_decl => "a declaration (`guideline`, `use`, `input`, `enum`, `instrument`, `define`, `stratify`, `recommend`, `pathway`, `test`)",
        kw_guideline => "`guideline`",
        kw_use => "`use`",
        kw_as => "`as`",
        kw_input => "`input`",
        kw_enum => "`enum`",
        kw_instrument => "`instrument`",
        kw_define => "`define`",
        kw_stratify => "`stratify`",
        kw_recommend => "`recommend`",
        kw_pathway => "`pathway`",
        kw_test => "`test`",
        kw_title => "`title`",
        kw_issuer => "`issuer`",
        kw_version => "`version`",
        kw_status => "`status`",
        kw_since => "`since`",
        kw_language => "`language`",
        kw_source => "`source`",
        kw_url => "`url`",
        kw_published => "`published`",
        kw_review => "`review`",
        kw_priority => "`priority`",
        kw_set => "`set`",
        kw_required => "`required`",
        kw_optional => "`optional`",
        kw_by => "`by`",
        kw_when => "`when`",
        kw_for => "`for`",
        kw_against => "`against`",
        kw_strength => "`strength`",
        kw_certainty => "`certainty`",
        kw_rationale => "`rationale`",
        kw_reference => "`reference`",
        kw_action => "`action`",
        kw_level => "`level`",
        kw_item => "`item`",
        kw_boolean => "`boolean`",
        kw_integer => "`integer`",
        kw_choice => "`choice`",
        kw_reverse => "`reverse`",
        kw_score => "`score`",
        kw_step => "`step`",
        kw_responsible => "`responsible`",
        kw_within => "`within`",
        kw_after => "`after`",
        kw_if => "`if`",
        kw_missed => "`missed`",
        kw_then => "`then`",
        kw_given => "`given`",
        kw_expect => "`expect`",
        kw_applies => "`applies`",
        kw_does => "`does`",
        kw_apply => "`apply`",
        kw_undecided => "`undecided`",
        kw_applicable => "`applicable`",
        kw_due => "`due`",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_not => "`not`",
        kw_is => "`is`",
        kw_in => "`in`",
        kw_of => "`of`",
        kw_any => "`any`",
        kw_all => "`all`",
        kw_none => "`none`",
        kw_true => "`true`",
        kw_false => "`false`",
        _ => "something else",
    }
}

/// Where a pair's last token ends, relative to its piece: it ends where its
/// last inner token ends. (Every rule that ends in punctuation names it as a
/// rule, so the last token is always a pair.) A string is one token, closing
/// quote included, though the grammar gives it an inner pair. A pair's span
/// can take in whitespace and comments skipped before an optional part that
/// is absent. A span that ends in neither (its last character is not
/// whitespace and it has no `//`) ends at its last token: most spans, found
/// without a walk. Otherwise this follows the last child down (taken from
/// the back, so each level costs one step, not one per child).
fn token_end(pair: &Pair<'_, Rule>) -> usize {
    let span = pair.as_span();
    let text = span.as_str();
    // The characters of the grammar's WHITESPACE.
    let walk = text.ends_with([' ', '\t', '\r', '\n', '\u{FEFF}']) || text.contains("//");
    if !walk {
        return span.end();
    }
    let mut pair = pair.clone();
    loop {
        if pair.as_rule() == Rule::string {
            return pair.as_span().end();
        }
        match pair.clone().into_inner().next_back() {
            Some(last) => pair = last,
            None => return pair.as_span().end(),
        }
    }
}

/// The first words of a line, with their offsets; a string or a comment
/// ends them.
fn words_of(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for piece in line.split_inclusive(|c: char| !(c == '_' || c.is_alphanumeric())) {
        let word = piece.trim_end_matches(|c: char| !(c == '_' || c.is_alphanumeric()));
        if !word.is_empty() {
            out.push((at, word));
        }
        let sep = &piece[word.len()..];
        if sep.starts_with('"') || sep.starts_with('/') || out.len() >= 3 {
            break;
        }
        at += piece.len();
    }
    out
}

/// The grammar's `reserved` words, which name nothing.
fn is_reserved(w: &str) -> bool {
    matches!(w, "and" | "or" | "not" | "is" | "in" | "of" | "any" | "all" | "none" | "true" | "false")
}

fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        lbrace
            | rbrace
            | colon
            | equals
            | rparen
            | rbracket
            | kw_guideline
            | kw_use
            | kw_as
            | kw_input
            | kw_enum
            | kw_instrument
            | kw_define
            | kw_stratify
            | kw_recommend
            | kw_pathway
            | kw_test
            | kw_title
            | kw_issuer
            | kw_version
            | kw_status
            | kw_since
            | kw_language
            | kw_source
            | kw_url
            | kw_published
            | kw_review
            | kw_priority
            | kw_code
            | kw_from
            | kw_set
            | kw_required
            | kw_optional
            | kw_by
            | kw_when
            | kw_for
            | kw_against
            | kw_strength
            | kw_certainty
            | kw_rationale
            | kw_reference
            | kw_action
            | kw_level
            | kw_item
            | kw_boolean
            | kw_integer
            | kw_choice
            | kw_reverse
            | kw_score
            | kw_step
            | kw_responsible
            | kw_within
            | kw_after
            | kw_if
            | kw_missed
            | kw_then
            | kw_given
            | kw_expect
            | kw_applies
            | kw_does
            | kw_apply
            | kw_undecided
            | kw_applicable
            | kw_due
            | kw_quote
            | kw_assume
            | kw_at
            | kw_and
            | kw_or
            | kw_not
            | kw_is
            | kw_in
            | kw_of
            | kw_any
            | kw_all
            | kw_none
            | kw_true
            | kw_false
    )
}

struct Builder<'t> {
    /// The whole source text; spans index into it.
    text: &'t str,
    /// Where the piece pest parsed starts in `text`: pest's positions are
    /// relative to its piece, so every span adds this.
    base: usize,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Builder<'t> {
    /// The span of a pair in the whole text, without the whitespace and
    /// comments pest lets a non-atomic rule take after its last token.
    fn span_of(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + token_end(pair))
    }

    /// Reports the text of a catch-all, re-parsed with `rule` to say what
    /// was expected there.
    fn bad(&mut self, pair: &Pair<'_, Rule>, rule: Rule) {
        let span = self.span_of(pair);
        // A bad entry that starts mid-line usually means the entry before it
        // on that line stopped early (`when a and and b`): re-parse from the
        // start of the line so the message points at the real mistake.
        let mut from = span.start as usize;
        if rule != Rule::item_only {
            let line_start = self.text[..from].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let prefix = &self.text[line_start..from];
            if !prefix.contains(['{', '}']) {
                from = line_start + (prefix.len() - prefix.trim_start().len());
            }
        }
        let chunk = &self.text[from..span.end as usize];
        let (pos, message) = match Grammar::parse(rule, chunk) {
            Err(err) => describe_error(&err, self.text, from),
            Ok(_) => (span.start as usize, format!("unexpected {}", found_at(self.text, span.start as usize))),
        };
        // At the very end of the piece with a `{` left open, the real
        // mistake is the brace that was never closed.
        if self.text[pos.min(span.end as usize)..span.end as usize].trim().is_empty() {
            if let Some(open) = unclosed_brace(&self.text[from..span.end as usize]) {
                let at = from + open;
                self.diagnostics.push(
                    Diagnostic::new(Code::Syntax, Span::new(at, at + 1), "this `{` is never closed")
                        .label("opened here")
                        .help("close the block with `}` before the next declaration"),
                );
                return;
            }
        }
        // Point at the offending token, not the whole rest of the line.
        let end = next_token_end(self.text, pos);
        // A declaration that wanted its `{` is missing a brace, whatever
        // else the grammar would also have taken there.
        let help = if rule == Rule::item_only && message.contains("`{`") {
            "the declaration's body goes in braces: put `{` at the end of its first line, and `}` after its last entry"
        } else if message.contains("a string") && self.text[from..span.end as usize].contains(" code ") {
            // A `code` without its string.
            "a code reads `code SYSTEM \"CODE\"`, e.g. `code snomed \"81680005\"` or `code loinc \"91349-1\"`"
        } else if matches!(rule, Rule::item_only | Rule::instr_entry_only) {
            declaration_help(&self.text[from..span.end as usize]).unwrap_or(syntax_help(rule))
        } else {
            syntax_help(rule)
        };
        // The skipped text is not labelled: it overlaps the primary label,
        // and the message already says what was expected.
        self.diagnostics
            .push(Diagnostic::new(Code::Syntax, Span::new(pos, end), message).label("unexpected here").help(help));
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> File {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let span = self.span_of(&p);
            let item = match p.as_rule() {
                Rule::EOI => continue,
                Rule::bad_item => {
                    self.bad(&p, Rule::item_only);
                    Some(Item::Error(ErrorItem { span, declares: self.declared(span, true) }))
                }
                Rule::guideline => self.guideline(p).map(Item::Guideline),
                Rule::use_decl => self.use_decl(p).map(Item::Use),
                Rule::input_block => Some(Item::Input(self.input_block(p))),
                Rule::enum_decl => self.enum_decl(p).map(Item::Enum),
                Rule::instrument => self.instrument(p).map(Item::Instrument),
                Rule::define => self.define(p).map(Item::Define),
                Rule::stratify => self.stratify(p).map(Item::Stratify),
                Rule::recommend => self.recommend(p).map(Item::Recommend),
                Rule::pathway => self.pathway(p).map(Item::Pathway),
                Rule::test_decl => self.test_decl(p).map(Item::Test),
                Rule::allow_decl => self.allow_decl(p).map(Item::Allow),
                Rule::sourced => self.sourced(p),
                _ => None,
            };
            items.push(item.unwrap_or_else(|| Item::Error(ErrorItem { span, declares: self.declared(span, true) })));
        }
        File { items }
    }

    // ----------------------------------------------------------- tokens --

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), span: self.span_of(&p) }
    }

    fn path(&self, p: Pair<'_, Rule>) -> Path {
        let span = self.span_of(&p);
        let segments = if p.as_rule() == Rule::ident {
            vec![self.ident(p)]
        } else {
            p.into_inner().filter(|q| q.as_rule() == Rule::ident).map(|q| self.ident(q)).collect()
        };
        Path { segments, span }
    }

    fn string(&mut self, p: Pair<'_, Rule>) -> String {
        let raw = p.into_inner().next();
        let Some(raw) = raw else { return String::new() };
        let base = self.span_of(&raw).start as usize;
        let s = raw.as_str();
        let mut out = String::with_capacity(s.len());
        let mut chars = s.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((j, other)) => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::Syntax,
                            Span::new(base + i, base + j + other.len_utf8()),
                            format!("unknown escape `\\{other}`"),
                        )
                        .label("here")
                        .help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`"),
                    );
                    out.push(other);
                }
                None => {}
            }
        }
        out
    }

    fn text(&mut self, p: Pair<'_, Rule>) -> Text {
        let span = self.span_of(&p);
        let mut lang = None;
        let mut value = String::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::lang => lang = Some(self.ident(q)),
                Rule::string => {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    let s = self.string(q);
                    value.push_str(&s);
                }
                _ => {}
            }
        }
        Text { lang, value, span }
    }

    fn code(&mut self, p: Pair<'_, Rule>) -> Option<CodeRef> {
        let span = self.span_of(&p);
        let mut it = p.into_inner().filter(|r| !is_keyword(r.as_rule()));
        let sys = it.next()?;
        let system = match sys.as_rule() {
            Rule::ident => CodeSystemRef::Named(self.ident(sys)),
            _ => CodeSystemRef::Url(self.string_text(sys)),
        };
        let code = self.string_text(it.next()?);
        Some(CodeRef { system, code, span })
    }

    fn string_text(&mut self, p: Pair<'_, Rule>) -> Text {
        let span = self.span_of(&p);
        let value = self.string(p);
        Text { lang: None, value, span }
    }

    fn number(&mut self, p: Pair<'_, Rule>) -> Number {
        let span = self.span_of(&p);
        let text = p.as_str().to_string();
        let value = text.parse::<f64>().unwrap_or(f64::INFINITY);
        if !value.is_finite() || value.abs() > 1e15 {
            self.diagnostics.push(
                Diagnostic::new(Code::Syntax, span, format!("number `{text}` is too large"))
                    .label("here")
                    .help("numbers may have at most 15 digits"),
            );
        }
        Number { is_integer: !text.contains('.'), value: if value.is_finite() { value } else { 0.0 }, text, span }
    }

    fn date(&self, p: Pair<'_, Rule>) -> DateLit {
        let span = self.span_of(&p);
        let s = p.as_str();
        // The grammar guarantees `dddd-dd-dd`; parse failures cannot happen,
        // and an impossible value is reported by the checker.
        let year = s.get(0..4).and_then(|v| v.parse().ok()).unwrap_or(0);
        let month = s.get(5..7).and_then(|v| v.parse().ok()).unwrap_or(0);
        let day = s.get(8..10).and_then(|v| v.parse().ok()).unwrap_or(0);
        DateLit { year, month, day, span }
    }

    fn quantity(&mut self, p: Pair<'_, Rule>) -> Option<Quantity> {
        let span = self.span_of(&p);
        let mut it = p.into_inner();
        let number = self.number(it.next()?);
        let unit = it.next().map(|u| self.ident(u));
        Some(Quantity { number, unit, span })
    }

    fn range(&mut self, p: Pair<'_, Rule>) -> Option<Range> {
        let span = self.span_of(&p);
        let mut it = p.into_inner();
        let lo = self.number(it.next()?);
        let hi = self.number(it.next()?);
        let unit = it.next().map(|u| self.ident(u));
        Some(Range { lo, hi, unit, span })
    }

    // ------------------------------------------------------------ items --

    fn meta(&mut self, p: Pair<'_, Rule>) -> Option<Meta> {
        let span = self.span_of(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        let keyword = self.span_of(&it.next()?);
        let kind = match rule {
            Rule::meta_title => MetaKind::Title(self.text(it.next()?)),
            Rule::meta_issuer => MetaKind::Issuer(self.text(it.next()?)),
            Rule::meta_version => MetaKind::Version(self.string_text(it.next()?)),
            Rule::meta_status => {
                let status = self.ident(it.next()?);
                let (mut by, mut since) = (None, None);
                for q in it {
                    match q.as_rule() {
                        Rule::path => by = Some(self.path(q)),
                        Rule::date => since = Some(self.date(q)),
                        _ => {}
                    }
                }
                MetaKind::Status { status, by, since }
            }
            Rule::meta_review => MetaKind::Review(self.date(it.find(|q| q.as_rule() == Rule::date)?)),
            Rule::meta_priority => MetaKind::Priority(self.number(it.next()?)),
            Rule::meta_language => MetaKind::Language(self.ident(it.next()?)),
            Rule::meta_source => {
                let text = self.text(it.next()?);
                let url = it.find(|q| q.as_rule() == Rule::string).map(|s| self.string_text(s));
                MetaKind::Source { text, url }
            }
            Rule::meta_published => MetaKind::Published(self.date(it.next()?)),
            _ => return None,
        };
        Some(Meta { kind, keyword, span })
    }

    fn guideline(&mut self, p: Pair<'_, Rule>) -> Option<Guideline> {
        let span = self.span_of(&p);
        let mut id = None;
        let mut title = None;
        let mut meta = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::path => id = Some(self.path(q)),
                Rule::text => title = Some(self.text(q)),
                Rule::bad_entry => self.bad(&q, Rule::meta_entry_only),
                r if is_keyword(r) => {}
                _ => meta.extend(self.meta(q)),
            }
        }
        Some(Guideline { id: id?, title, meta, span })
    }

    fn use_decl(&mut self, p: Pair<'_, Rule>) -> Option<Use> {
        let span = self.span_of(&p);
        let mut path = None;
        let mut alias = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::path => path = Some(self.path(q)),
                Rule::ident => alias = Some(self.ident(q)),
                _ => {}
            }
        }
        Some(Use { path: path?, alias, span })
    }

    fn allow_decl(&mut self, p: Pair<'_, Rule>) -> Option<Allow> {
        let span = self.span_of(&p);
        let (mut kind, mut target, mut reason) = (None, None, None);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => kind = Some(self.ident(q)),
                Rule::path => target = Some(self.path(q)),
                Rule::text => reason = Some(self.text(q)),
                _ => {}
            }
        }
        Some(Allow { kind: kind?, target: target?, reason: reason?, span })
    }

    fn input_block(&mut self, p: Pair<'_, Rule>) -> InputBlock {
        let span = self.span_of(&p);
        let mut fields = Vec::new();
        let mut damaged = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::field => fields.extend(self.field(q)),
                Rule::bad_entry => {
                    self.bad(&q, Rule::field_only);
                    damaged.extend(self.declared(self.span_of(&q), false));
                }
                _ => {}
            }
        }
        InputBlock { fields, damaged, span }
    }

    /// The name a declaration or field that does not parse declares, where
    /// it can be read: the word after the declaration's keyword (and a
    /// recommendation's direction), on the first line that starts with one
    /// (past `quote` and `assume` lines); for a field, its first word.
    fn declared(&self, span: Span, keyworded: bool) -> Option<Ident> {
        let text = &self.text[span.start as usize..span.end as usize];
        let mut line_at = 0;
        for line in text.split_inclusive(['\n', '\r']) {
            let here = line_at;
            line_at += line.len();
            let words = words_of(line);
            let Some(&(_, first)) = words.first() else { continue };
            let (offset, name) = if !keyworded {
                (words[0].0, first)
            } else if matches!(
                first,
                "define" | "stratify" | "recommend" | "pathway" | "enum" | "instrument" | "item" | "score"
            ) {
                let n = if first == "recommend" && words.get(1).is_some_and(|(_, w)| matches!(*w, "for" | "against")) {
                    2
                } else {
                    1
                };
                *words.get(n)?
            } else {
                continue;
            };
            let c = name.chars().next()?;
            let is_ident = (c == '_' || pest::unicode::XID_START(c))
                && name.chars().all(|c| c == '_' || pest::unicode::XID_CONTINUE(c));
            let start = span.start as usize + here + offset;
            return (is_ident && !is_reserved(name))
                .then(|| Ident { name: name.to_string(), span: Span::new(start, start + name.len()) });
        }
        None
    }

    fn field(&mut self, p: Pair<'_, Rule>) -> Option<Field> {
        let span = self.span_of(&p);
        let mut it = p.into_inner();
        let name = self.ident(it.next()?);
        let mut ty = None;
        let mut range = None;
        let mut presence = None;
        let mut description = Vec::new();
        let mut from = None;
        let mut codes = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::from_clause => from = q.into_inner().find(|r| r.as_rule() == Rule::path).map(|r| self.path(r)),
                Rule::code_clause => codes.extend(self.code(q)),
                Rule::type_spec => ty = Some(self.type_spec(q)?),
                Rule::range => range = self.range(q),
                Rule::presence => {
                    presence = q.into_inner().next().map(|k| match k.as_rule() {
                        Rule::kw_required => Presence::Required,
                        _ => Presence::Optional,
                    })
                }
                Rule::text => description.push(self.text(q)),
                _ => {}
            }
        }
        Some(Field { name, ty: ty?, range, presence, description, from, codes, span })
    }

    fn type_spec(&mut self, p: Pair<'_, Rule>) -> Option<TypeSpec> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut unit = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::set_type => {
                    let inner = q.into_inner().find(|r| r.as_rule() == Rule::ident)?;
                    name = Some(TypeName::SetOf(self.ident(inner)));
                }
                Rule::ident => name = Some(TypeName::Named(self.ident(q))),
                Rule::unit => unit = Some(self.ident(q)),
                _ => {}
            }
        }
        Some(TypeSpec { name: name?, unit, span })
    }

    fn enum_decl(&mut self, p: Pair<'_, Rule>) -> Option<EnumDecl> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut title = None;
        let mut values = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::text => title = Some(self.text(q)),
                Rule::enum_value => {
                    let vspan = self.span_of(&q);
                    let mut vname = None;
                    let mut vtitle = Vec::new();
                    let mut codes = Vec::new();
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::ident => vname = Some(self.ident(r)),
                            Rule::text => vtitle.push(self.text(r)),
                            Rule::code_clause => codes.extend(self.code(r)),
                            _ => {}
                        }
                    }
                    if let Some(name) = vname {
                        values.push(EnumValue { name, title: vtitle, codes, span: vspan });
                    }
                }
                Rule::bad_entry => self.bad(&q, Rule::enum_value_only),
                _ => {}
            }
        }
        Some(EnumDecl { name: name?, title, values, span })
    }

    fn instrument(&mut self, p: Pair<'_, Rule>) -> Option<Instrument> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut title = None;
        let mut ins = Instrument {
            name: Ident { name: String::new(), span },
            title: None,
            meta: Vec::new(),
            items: Vec::new(),
            scores: Vec::new(),
            strats: Vec::new(),
            defines: Vec::new(),
            codes: Vec::new(),
            damaged: Vec::new(),
            span,
        };
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::text => title = Some(self.text(q)),
                Rule::meta_title | Rule::meta_source | Rule::meta_language => ins.meta.extend(self.meta(q)),
                Rule::item_decl => ins.items.extend(self.item_decl(q)),
                Rule::score_decl => ins.scores.extend(self.score(q)),
                Rule::stratify => ins.strats.extend(self.stratify(q)),
                Rule::define => ins.defines.extend(self.define(q)),
                Rule::sourced_entry => {
                    let span = self.span_of(&q);
                    let mut provenance = Provenance::default();
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::provenance => provenance = self.provenance(r),
                            Rule::score_decl => ins.scores.extend(self.score(r).map(|x| Score {
                                provenance: provenance.clone(),
                                span,
                                ..x
                            })),
                            Rule::stratify => ins.strats.extend(self.stratify(r).map(|x| Stratify {
                                provenance: provenance.clone(),
                                span,
                                ..x
                            })),
                            Rule::define => ins.defines.extend(self.define(r).map(|x| Define {
                                provenance: provenance.clone(),
                                span,
                                ..x
                            })),
                            _ => {}
                        }
                    }
                }
                Rule::code_clause => ins.codes.extend(self.code(q)),
                Rule::bad_entry => {
                    self.bad(&q, Rule::instr_entry_only);
                    ins.damaged.extend(self.declared(self.span_of(&q), true));
                }
                _ => {}
            }
        }
        ins.name = name?;
        ins.title = title;
        Some(ins)
    }

    fn item_decl(&mut self, p: Pair<'_, Rule>) -> Option<ItemDecl> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut ty = None;
        let mut reverse = None;
        let mut texts = Vec::new();
        let mut codes = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::kw_boolean => ty = Some(ItemType::Boolean(self.span_of(&q))),
                Rule::integer_item => {
                    let r = q.into_inner().find(|r| r.as_rule() == Rule::range)?;
                    ty = Some(ItemType::Integer(self.range(r)?));
                }
                Rule::choice_item => {
                    let cspan = self.span_of(&q);
                    let mut options = Vec::new();
                    for o in q.into_inner().filter(|o| o.as_rule() == Rule::choice_option) {
                        let ospan = self.span_of(&o);
                        let mut it = o.into_inner().filter(|r| !is_keyword(r.as_rule()));
                        let oname = self.ident(it.next()?);
                        let points = self.number(it.next()?);
                        let mut title = None;
                        let mut ocodes = Vec::new();
                        for r in it {
                            match r.as_rule() {
                                Rule::text => title = Some(self.text(r)),
                                Rule::code_clause => ocodes.extend(self.code(r)),
                                _ => {}
                            }
                        }
                        options.push(ChoiceOption { name: oname, points, title, codes: ocodes, span: ospan });
                    }
                    ty = Some(ItemType::Choice(options, cspan));
                }
                Rule::reverse => reverse = Some(self.span_of(&q)),
                Rule::text => texts.push(self.text(q)),
                Rule::code_clause => codes.extend(self.code(q)),
                _ => {}
            }
        }
        Some(ItemDecl { name: name?, ty: ty?, reverse, texts, codes, span })
    }

    fn score(&mut self, p: Pair<'_, Rule>) -> Option<Score> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut expr = None;
        let mut title = Vec::new();
        let mut codes = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::expr => expr = self.expr(q),
                Rule::text => title.push(self.text(q)),
                Rule::code_clause => codes.extend(self.code(q)),
                _ => {}
            }
        }
        Some(Score { provenance: Provenance::default(), name: name?, expr: expr?, title, codes, span })
    }

    /// A declaration with its provenance above it; its span takes both in.
    fn sourced(&mut self, p: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span_of(&p);
        let mut provenance = Provenance::default();
        for q in p.into_inner() {
            let item = match q.as_rule() {
                Rule::provenance => {
                    provenance = self.provenance(q);
                    continue;
                }
                Rule::define => Item::Define(Define { provenance, span, ..self.define(q)? }),
                Rule::stratify => Item::Stratify(Stratify { provenance, span, ..self.stratify(q)? }),
                Rule::recommend => Item::Recommend(Recommend { provenance, span, ..self.recommend(q)? }),
                Rule::pathway => Item::Pathway(Pathway { provenance, span, ..self.pathway(q)? }),
                _ => continue,
            };
            return Some(item);
        }
        None
    }

    fn provenance(&mut self, p: Pair<'_, Rule>) -> Provenance {
        let mut out = Provenance::default();
        for q in p.into_inner() {
            let span = self.span_of(&q);
            let rule = q.as_rule();
            let mut text = None;
            let mut at = None;
            for r in q.into_inner() {
                match r.as_rule() {
                    Rule::text => text = Some(self.text(r)),
                    Rule::string => at = Some(self.string_text(r)),
                    _ => {}
                }
            }
            let Some(text) = text else { continue };
            match rule {
                Rule::prov_quote => out.quotes.push(Quote { text, at, span }),
                _ => out.assumptions.push(Assumption { text, span }),
            }
        }
        out
    }

    fn define(&mut self, p: Pair<'_, Rule>) -> Option<Define> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut expr = None;
        let mut title = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::expr => expr = self.expr(q),
                Rule::text => title.push(self.text(q)),
                _ => {}
            }
        }
        Some(Define { provenance: Provenance::default(), name: name?, title, expr: expr?, span })
    }

    fn stratify(&mut self, p: Pair<'_, Rule>) -> Option<Stratify> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut title = Vec::new();
        let mut population = None;
        let mut by = Vec::new();
        let mut strata = Vec::new();
        let mut codes = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::text => title.push(self.text(q)),
                Rule::expr_ref => population = q.into_inner().next().map(|r| self.path(r)),
                Rule::path => by.push(self.path(q)),
                Rule::stratum => {
                    let sspan = self.span_of(&q);
                    let mut it = q.into_inner().filter(|r| !is_keyword(r.as_rule())).peekable();
                    let sprov = match it.next_if(|r| r.as_rule() == Rule::provenance) {
                        Some(r) => self.provenance(r),
                        None => Provenance::default(),
                    };
                    let sname = self.ident(it.next()?);
                    let when = self.expr(it.next()?)?;
                    let mut stitle = Vec::new();
                    let mut scodes = Vec::new();
                    for r in it {
                        match r.as_rule() {
                            Rule::text => stitle.push(self.text(r)),
                            Rule::code_clause => scodes.extend(self.code(r)),
                            _ => {}
                        }
                    }
                    strata.push(Stratum {
                        provenance: sprov,
                        name: sname,
                        when,
                        title: stitle,
                        codes: scodes,
                        span: sspan,
                    });
                }
                Rule::code_clause => codes.extend(self.code(q)),
                Rule::bad_entry => self.bad(&q, Rule::stratum_only),
                _ => {}
            }
        }
        Some(Stratify { provenance: Provenance::default(), name: name?, title, population, by, strata, codes, span })
    }

    fn recommend(&mut self, p: Pair<'_, Rule>) -> Option<Recommend> {
        let span = self.span_of(&p);
        let mut direction = Direction::For;
        let mut name = None;
        let mut title = None;
        let mut entries = Vec::new();
        for q in p.into_inner() {
            let qspan = self.span_of(&q);
            let rule = q.as_rule();
            match rule {
                Rule::direction if q.clone().into_inner().any(|k| k.as_rule() == Rule::kw_against) => {
                    direction = Direction::Against;
                }
                Rule::ident => name = Some(self.ident(q)),
                Rule::text => title = Some(self.text(q)),
                Rule::bad_entry => self.bad(&q, Rule::rec_entry_only),
                Rule::meta_status | Rule::meta_review | Rule::meta_priority => {
                    if let Some(m) = self.meta(q) {
                        entries.push(RecEntry {
                            kind: RecEntryKind::Lifecycle(m.kind),
                            keyword: m.keyword,
                            span: m.span,
                        });
                    }
                }
                Rule::when_clause
                | Rule::rec_strength
                | Rule::rec_certainty
                | Rule::rec_rationale
                | Rule::rec_reference
                | Rule::rec_action
                | Rule::rec_level
                | Rule::meta_title => {
                    let mut it = q.into_inner();
                    let Some(kw) = it.next() else { continue };
                    let keyword = self.span_of(&kw);
                    let Some(arg) = it.next() else { continue };
                    let kind = match rule {
                        Rule::when_clause => match self.expr(arg) {
                            Some(e) => RecEntryKind::When(e),
                            None => continue,
                        },
                        Rule::rec_strength => RecEntryKind::Strength(self.ident(arg)),
                        Rule::rec_certainty => RecEntryKind::Certainty(self.ident(arg)),
                        Rule::rec_rationale => RecEntryKind::Rationale(self.text(arg)),
                        Rule::rec_reference => {
                            let text = self.text(arg);
                            let url = it.find(|r| r.as_rule() == Rule::string).map(|s| self.string_text(s));
                            RecEntryKind::Reference { text, url }
                        }
                        Rule::rec_action => RecEntryKind::Action(self.ident(arg)),
                        Rule::rec_level => RecEntryKind::Level(self.text(arg)),
                        _ => RecEntryKind::Title(self.text(arg)),
                    };
                    entries.push(RecEntry { kind, keyword, span: qspan });
                }
                _ => {}
            }
        }
        Some(Recommend { provenance: Provenance::default(), direction, name: name?, title, entries, span })
    }

    fn time_limit(&mut self, p: Pair<'_, Rule>) -> Option<TimeLimit> {
        let span = self.span_of(&p);
        let mut amount = None;
        let mut anchor = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::quantity => amount = self.quantity(q),
                Rule::path => anchor = Some(self.path(q)),
                _ => {}
            }
        }
        Some(TimeLimit { provenance: Provenance::default(), amount: amount?, anchor: anchor?, span })
    }

    /// A time limit entry with its own provenance above it.
    fn sourced_limit(&mut self, p: Pair<'_, Rule>) -> Option<TimeLimit> {
        let span = self.span_of(&p);
        let mut provenance = Provenance::default();
        let mut limit = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::provenance => provenance = self.provenance(q),
                Rule::time_limit => limit = self.time_limit(q),
                _ => {}
            }
        }
        limit.map(|l| TimeLimit { provenance, span, ..l })
    }

    fn when_expr(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        let e = p.into_inner().find(|q| q.as_rule() == Rule::expr)?;
        self.expr(e)
    }

    fn pathway(&mut self, p: Pair<'_, Rule>) -> Option<Pathway> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut title = None;
        let mut pw = Pathway {
            provenance: Provenance::default(),
            name: Ident { name: String::new(), span },
            title: None,
            titles: Vec::new(),
            when: None,
            limits: Vec::new(),
            steps: Vec::new(),
            span,
        };
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::text => title = Some(self.text(q)),
                Rule::meta_title => {
                    if let Some(t) = q.into_inner().find(|r| r.as_rule() == Rule::text) {
                        let t = self.text(t);
                        pw.titles.push(t);
                    }
                }
                Rule::when_clause => pw.when = self.when_expr(q),
                Rule::time_limit => pw.limits.extend(self.time_limit(q)),
                Rule::sourced_step => {
                    let span = self.span_of(&q);
                    let mut provenance = Provenance::default();
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::provenance => provenance = self.provenance(r),
                            Rule::step => pw.steps.extend(self.step(r).map(|st| Step {
                                provenance: provenance.clone(),
                                span,
                                ..st
                            })),
                            Rule::time_limit => pw.limits.extend(self.time_limit(r).map(|l| TimeLimit {
                                provenance: provenance.clone(),
                                span,
                                ..l
                            })),
                            _ => {}
                        }
                    }
                }
                Rule::step => pw.steps.extend(self.step(q)),
                Rule::bad_entry => self.bad(&q, Rule::pathway_entry_only),
                _ => {}
            }
        }
        pw.name = name?;
        pw.title = title;
        Some(pw)
    }

    fn step(&mut self, p: Pair<'_, Rule>) -> Option<Step> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut step = Step {
            provenance: Provenance::default(),
            name: Ident { name: String::new(), span },
            title: Vec::new(),
            responsible: Vec::new(),
            limits: Vec::new(),
            when: None,
            if_missed: Vec::new(),
            after: Vec::new(),
            span,
        };
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::text => step.title.push(self.text(q)),
                Rule::time_limit => step.limits.extend(self.time_limit(q)),
                Rule::sourced_limit => step.limits.extend(self.sourced_limit(q)),
                Rule::when_clause => step.when = self.when_expr(q),
                Rule::responsible => {
                    if let Some(t) = q.into_inner().find(|r| r.as_rule() == Rule::text) {
                        let t = self.text(t);
                        step.responsible.push(t);
                    }
                }
                Rule::if_missed => {
                    let mspan = self.span_of(&q);
                    let mut text = None;
                    let mut then = None;
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::text => text = Some(self.text(r)),
                            Rule::ident => then = Some(self.ident(r)),
                            _ => {}
                        }
                    }
                    if let Some(text) = text {
                        step.if_missed.push(IfMissed { text, then, span: mspan });
                    }
                }
                Rule::step_after => {
                    for r in q.into_inner().filter(|r| r.as_rule() == Rule::ident) {
                        let id = self.ident(r);
                        step.after.push(id);
                    }
                }
                Rule::bad_entry => self.bad(&q, Rule::step_entry_only),
                _ => {}
            }
        }
        step.name = name?;
        Some(step)
    }

    fn test_decl(&mut self, p: Pair<'_, Rule>) -> Option<TestDecl> {
        let span = self.span_of(&p);
        let mut name = None;
        let mut given = Vec::new();
        let mut expects = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::text => name = Some(self.text(q)),
                Rule::given => {
                    let gspan = self.span_of(&q);
                    if let Some(obj) = q.into_inner().find(|r| r.as_rule() == Rule::object) {
                        let object = self.members(obj);
                        given.push(Given { object, span: gspan });
                    }
                }
                Rule::expect => expects.extend(self.expect(q)),
                Rule::bad_entry => self.bad(&q, Rule::test_entry_only),
                _ => {}
            }
        }
        Some(TestDecl { name: name?, given, expects, span })
    }

    fn members(&mut self, p: Pair<'_, Rule>) -> Vec<Member> {
        let mut out = Vec::new();
        for m in p.into_inner().filter(|m| m.as_rule() == Rule::member) {
            let span = self.span_of(&m);
            // Only the colon is skipped: `true` and `false` are values here.
            let mut it = m.into_inner().filter(|r| r.as_rule() != Rule::colon);
            let (Some(k), Some(v)) = (it.next(), it.next()) else { continue };
            let key = self.path(k);
            if let Some(value) = self.value(v) {
                out.push(Member { key, value, span });
            }
        }
        out
    }

    fn value(&mut self, p: Pair<'_, Rule>) -> Option<Value> {
        let span = self.span_of(&p);
        Some(match p.as_rule() {
            Rule::object => Value::Object(self.members(p), span),
            Rule::list => {
                let mut items = Vec::new();
                for q in p.into_inner() {
                    items.extend(self.value(q));
                }
                Value::List(items, span)
            }
            Rule::kw_true => Value::Bool(true, span),
            Rule::kw_false => Value::Bool(false, span),
            Rule::date => Value::Date(self.date(p)),
            Rule::quantity => Value::Quantity(self.quantity(p)?),
            Rule::string => Value::Text(self.string_text(p)),
            Rule::ident => Value::Name(self.ident(p)),
            _ => return None,
        })
    }

    fn expect(&mut self, p: Pair<'_, Rule>) -> Option<Expect> {
        let span = self.span_of(&p);
        let mut it = p.into_inner().filter(|q| !is_keyword(q.as_rule()));
        let target = self.path(it.next()?);
        let e = it.next()?;
        let kind = match e.as_rule() {
            Rule::exp_applies => ExpectKind::Applies,
            Rule::exp_not_applies => ExpectKind::DoesNotApply,
            Rule::exp_not_applicable => ExpectKind::NotApplicable,
            Rule::exp_undecided => ExpectKind::Undecided(
                e.into_inner().filter(|q| q.as_rule() == Rule::path).map(|q| self.path(q)).collect(),
            ),
            Rule::exp_is => ExpectKind::Is(self.ident(e.into_inner().find(|q| q.as_rule() == Rule::ident)?)),
            Rule::exp_eq => ExpectKind::Equals(self.quantity(e.into_inner().find(|q| q.as_rule() == Rule::quantity)?)?),
            Rule::exp_in => ExpectKind::In(self.range(e.into_inner().find(|q| q.as_rule() == Rule::range)?)?),
            Rule::exp_due => ExpectKind::Due(self.date(e.into_inner().find(|q| q.as_rule() == Rule::date)?)),
            _ => return None,
        };
        Some(Expect { target, kind, span })
    }

    // ------------------------------------------------------ expressions --

    fn expr(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        // A span is taken only where a node is made: most levels of the
        // grammar's expression chain pass one child through, and each span
        // walks down to the pair's last token.
        let whole = p.clone();
        let span = |b: &Self| b.span_of(&whole);
        match p.as_rule() {
            Rule::expr | Rule::and_expr => {
                let is_or = p.as_rule() == Rule::expr;
                let mut parts = Vec::new();
                for q in p.into_inner() {
                    if !is_keyword(q.as_rule()) {
                        parts.push(self.expr(q)?);
                    }
                }
                if parts.len() == 1 {
                    return parts.pop();
                }
                let kind = if is_or { ExprKind::Or(parts) } else { ExprKind::And(parts) };
                Some(Expr { kind, span: span(self) })
            }
            Rule::not_expr => {
                let mut nots = Vec::new();
                let mut inner = None;
                for q in p.into_inner() {
                    if q.as_rule() == Rule::kw_not {
                        nots.push(self.span_of(&q).start);
                    } else {
                        inner = self.expr(q);
                    }
                }
                let mut e = inner?;
                if nots.is_empty() {
                    return Some(e);
                }
                if nots.len() > MAX_NESTING {
                    // Each `not` nests one level; bound it like brackets.
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::TooDeep,
                            Span::new(nots[0] as usize, nots[0] as usize + 3),
                            format!("more than {MAX_NESTING} `not`s in a row"),
                        )
                        .label("too many")
                        .help("two `not`s cancel out: remove them in pairs"),
                    );
                    return None;
                }
                let end = span(self).end;
                for start in nots.into_iter().rev() {
                    let s = Span { start, end };
                    e = Expr { kind: ExprKind::Not(Box::new(e)), span: s };
                }
                Some(e)
            }
            Rule::cmp_expr => {
                let mut it = p.into_inner();
                let lhs = self.expr(it.next()?)?;
                let Some(rest) = it.next() else { return Some(lhs) };
                let rule = rest.as_rule();
                let parts: Vec<_> = rest.into_inner().collect();
                let negated = parts.iter().any(|q| q.as_rule() == Rule::kw_not);
                let lhs = Box::new(lhs);
                let kind = match rule {
                    Rule::cmp_rest => {
                        let op = match parts.first()?.as_str() {
                            "=" => CmpOp::Eq,
                            "!=" => CmpOp::Ne,
                            "<" => CmpOp::Lt,
                            "<=" => CmpOp::Le,
                            ">" => CmpOp::Gt,
                            _ => CmpOp::Ge,
                        };
                        let rhs = self.expr(parts.get(1)?.clone())?;
                        ExprKind::Compare { op, lhs, rhs: Box::new(rhs) }
                    }
                    Rule::in_rest => {
                        let r = parts.into_iter().find(|q| q.as_rule() == Rule::range)?;
                        ExprKind::InRange { expr: lhs, range: self.range(r)?, negated }
                    }
                    Rule::is_rest => {
                        let v = parts.into_iter().find(|q| q.as_rule() == Rule::path)?;
                        ExprKind::Is { expr: lhs, value: self.path(v), negated }
                    }
                    Rule::set_rest => {
                        let op = match parts.first()?.as_rule() {
                            Rule::kw_any => SetOp::AnyOf,
                            Rule::kw_all => SetOp::AllOf,
                            _ => SetOp::NoneOf,
                        };
                        let set = parts.into_iter().find(|q| q.as_rule() == Rule::set_lit)?;
                        let set_span = self.span_of(&set);
                        let items =
                            set.into_inner().filter(|i| i.as_rule() == Rule::ident).map(|i| self.ident(i)).collect();
                        ExprKind::SetTest { expr: lhs, op, set: items, set_span }
                    }
                    _ => return None,
                };
                Some(Expr { kind, span: span(self) })
            }
            Rule::sum_expr => {
                let mut it = p.into_inner();
                let first = self.expr(it.next()?)?;
                let mut rest = Vec::new();
                while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
                    let op = if op.as_str() == "+" { ArithOp::Add } else { ArithOp::Sub };
                    rest.push((op, self.expr(rhs)?));
                }
                if rest.is_empty() {
                    return Some(first);
                }
                Some(Expr { kind: ExprKind::Sum { first: Box::new(first), rest }, span: span(self) })
            }
            Rule::paren => {
                let inner = self.expr(p.into_inner().next()?)?;
                Some(Expr { kind: ExprKind::Paren(Box::new(inner)), span: span(self) })
            }
            Rule::kw_true => Some(Expr { kind: ExprKind::Bool(true), span: span(self) }),
            Rule::kw_false => Some(Expr { kind: ExprKind::Bool(false), span: span(self) }),
            Rule::date => Some(Expr { kind: ExprKind::Date(self.date(p)), span: span(self) }),
            Rule::quantity => Some(Expr { kind: ExprKind::Quantity(self.quantity(p)?), span: span(self) }),
            Rule::string => Some(Expr { kind: ExprKind::Text(self.string_text(p)), span: span(self) }),
            Rule::set_lit => {
                let items = p.into_inner().filter(|i| i.as_rule() == Rule::ident).map(|i| self.ident(i)).collect();
                Some(Expr { kind: ExprKind::Set(items), span: span(self) })
            }
            Rule::path => {
                let path = self.path(p);
                Some(Expr { span: path.span, kind: ExprKind::Name(path) })
            }
            _ => None,
        }
    }
}

/// The offset of the last `{` in `text` that is never closed, ignoring
/// strings and comments.
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    for (i, b) in code_bytes(text) {
        match b {
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// End of the token starting at `pos` (at least one character).
fn next_token_end(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    let mut end = pos;
    for (i, c) in rest.char_indices() {
        if i > 0 && !(pest::unicode::XID_CONTINUE(c) || c == '.') {
            break;
        }
        end = pos + i + c.len_utf8();
        if !pest::unicode::XID_CONTINUE(c) {
            break;
        }
    }
    end
}

/// The form of the declaration a text that does not parse starts (past
/// its `quote` and `assume` lines).
fn declaration_help(text: &str) -> Option<&'static str> {
    let first = text.lines().map(str::trim_start).find(|l| {
        !(l.starts_with("quote")
            || l.starts_with("assume")
            || l.starts_with("at ")
            || l.starts_with('"')
            || l.is_empty())
    })?;
    let word = first.split(|c: char| !(c == '_' || c.is_alphanumeric())).next()?;
    Some(match word {
        "define" => "a definition reads `define name \"Title\" = condition`, e.g. `define adult = age >= 18`",
        "stratify" => {
            "a stratification reads `stratify name \"Title\" of population by field { stratum when condition … }`"
        }
        "recommend" => "a recommendation reads `recommend [for|against] name \"Title\" { when condition … }`",
        "pathway" => "a pathway reads `pathway name \"Title\" { step name … }`",
        "enum" => "an enum reads `enum name { value, value }`",
        "instrument" => "an instrument reads `instrument name \"Title\" { item … score … }`",
        "use" => "a use reads `use folder.file`, the path of a .guide file without its extension",
        "test" => "a test reads `test \"name\" { given { … } expect … }`",
        "item" => "an item reads `item name : type \"question\"`, e.g. `item q1 : boolean \"…\"`",
        "score" => "a score reads `score name = expression`, e.g. `score total = q1 + q2`",
        _ => return None,
    })
}

fn syntax_help(rule: Rule) -> &'static str {
    match rule {
        Rule::item_only => "a declaration starts in column 0 with `guideline`, `use`, `input`, `enum`, `instrument`, `define`, `stratify`, `recommend`, `pathway` or `test`",
        Rule::meta_entry_only => "metadata entries are `title`, `issuer`, `version`, `status`, `language`, `source` and `published`",
        Rule::field_only => "a field reads `name : type unit in lo..hi required \"description\"`, e.g. `age : integer years in 0..130`",
        Rule::enum_value_only => "enum values are names separated by commas or lines",
        Rule::instr_entry_only => "an instrument holds `item`, `score`, `stratify`, `define`, `title` and `source` entries",
        Rule::stratum_only => "a stratum reads `name when condition`, e.g. `low when total <= 3`",
        Rule::rec_entry_only => "a recommendation holds `when`, `strength`, `certainty`, `rationale`, `reference`, `action`, `level` and `title` entries",
        Rule::pathway_entry_only => "a pathway holds `step`, `within`, `when` and `title` entries",
        Rule::step_entry_only => "a step holds `responsible`, `within … after …`, `when`, `if missed` and `after` entries",
        Rule::test_entry_only => "a test holds `given { … }` and `expect name …` entries",
        _ => "see the language reference in docs/language.md",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One parse of the whole text: what piecewise parsing must equal,
    /// diagnostics included.
    fn whole(text: &str) -> Parsed {
        parse_in_one(text)
    }

    /// Every declaration its own piece, so that every boundary is crossed.
    fn in_pieces(text: &str) -> Parsed {
        parse_in(text, 1, None)
    }

    fn guide_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                guide_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "guide") {
                out.push(path);
            }
        }
    }

    /// Pieces, and pieces through `cache`, parse as the whole text does.
    fn assert_same(text: &str, cache: &ParseCache, what: &str) {
        let a = whole(text);
        for (how, b) in [("in pieces", in_pieces(text)), ("cached", parse_cached(text, cache))] {
            assert_eq!(a.file, b.file, "{what} {how}");
            assert_eq!(a.diagnostics, b.diagnostics, "{what} {how}");
        }
    }

    /// Parsing in pieces gives what one parse of the whole text gives, on
    /// every guideline and corpus file, and on each of them with a line
    /// removed, a line's indentation removed (so that a word inside a
    /// declaration, `test` or `use` as a name, starts a line) and a line
    /// cut short, or a line written twice: valid files, files with errors,
    /// and files where a piece boundary falls inside a declaration. One
    /// cache serves a file and all its variants, so the declarations after
    /// the changed line come from the cache, moved back or forward.
    #[test]
    fn pieces_parse_as_the_whole_text_parses() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        guide_files(&root.join("guidelines"), &mut files);
        guide_files(&root.join("tests/corpus"), &mut files);
        assert!(files.len() > 50, "found {} files", files.len());
        let mut variants = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let cache = ParseCache::new();
            assert_same(&text, &cache, &path.display().to_string());
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            for i in 0..lines.len() {
                let mut removed = lines.clone();
                removed.remove(i);
                let mut dedented = lines.clone();
                dedented[i] = dedented[i].trim_start();
                let mut cut = lines.clone();
                let half = (0..=lines[i].len() / 2).rev().find(|&k| lines[i].is_char_boundary(k)).unwrap_or(0);
                cut[i] = &lines[i][..half];
                let mut twice = lines.clone();
                twice.insert(i, lines[i]);
                let variants_of_line =
                    [("without", removed), ("dedenting", dedented), ("cutting", cut), ("repeating", twice)];
                for (kind, variant) in variants_of_line {
                    assert_same(&variant.concat(), &cache, &format!("{} {kind} line {}", path.display(), i + 1));
                    variants += 1;
                }
            }
        }
        assert!(variants > 8_000, "{variants} variants");
    }

    /// The quick way [`token_end`] finds most ends gives what following the
    /// last child down gives, for every pair of every guideline and corpus
    /// file, and of each with every line cut short (errors, catch-alls and
    /// comments included).
    #[test]
    fn token_ends_found_quickly_are_the_last_tokens_ends() {
        fn walked(pair: &Pair<'_, Rule>) -> usize {
            let mut pair = pair.clone();
            while pair.as_rule() != Rule::string {
                match pair.clone().into_inner().next_back() {
                    Some(last) => pair = last,
                    None => break,
                }
            }
            pair.as_span().end()
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        guide_files(&root.join("guidelines"), &mut files);
        guide_files(&root.join("tests/corpus"), &mut files);
        let mut pairs = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let mut texts = vec![text.clone()];
            for i in 0..lines.len() {
                let mut cut = lines.clone();
                let half = (0..=lines[i].len() / 2).rev().find(|&k| lines[i].is_char_boundary(k)).unwrap_or(0);
                cut[i] = &lines[i][..half];
                texts.push(cut.concat());
            }
            for t in &texts {
                let Ok(parsed) = Grammar::parse(Rule::file, t) else { continue };
                for pair in parsed.flatten() {
                    assert_eq!(
                        token_end(&pair),
                        walked(&pair),
                        "{} {:?} {:?}",
                        path.display(),
                        pair.as_rule(),
                        pair.as_str()
                    );
                    pairs += 1;
                }
            }
        }
        assert!(pairs > 1_000_000, "{pairs} pairs");
    }

    /// Declarations with errors inside their blocks, and declarations that
    /// do not parse (blocks left open, broken headers, an extra `}`), each
    /// before and after others that begin with every kind of word: in
    /// pieces, cached or not, as one parse of the whole text. A piece is
    /// taken as parsed where its blocks close within it, so here braces and
    /// strings on the damaged lines try to make a block close elsewhere.
    #[test]
    fn declarations_with_errors_parse_in_pieces_as_in_one() {
        let damaged = [
            "recommend r \"R\" {\n  when a > 1 xnd b\n}\n",
            "recommend r \"R\" {\n  when a > 1 xnd \"}\" b\n}\n",
            "recommend r \"R\" {\n  when a > 1 xnd { b } c\n}\n",
            "recommend r \"R\" {\n  when a > 1 xnd { b \n}\n",
            "recommend r \"R\" {\n  when a > 1 // }\n  oops\n}\n",
            "recommend r \"R\" {\n  when a > 1 \"unterminated\n}\n",
            "recommend r \"R\" { when a > 1 oops }\n",
            "recommend r \"R\" { when a > 1 oops } extra\n",
            "recommend r \"R\" {\n  when a >\n",
            "recommend r \"R\" {\n  when a > 1\n  oops {\n",
            "stratify s \"S\" by a {\n  low when a < 3 oops\n  high when a >= 3\n}\n",
            "stratify s \"S\" by a {\n  low when a < 3 oops\n",
            "pathway p \"P\" {\n  step x { within 2 weeks after d oops }\n}\n",
            "pathway p \"P\" {\n  step x { within 2 weeks after d oops\n}\n",
            "test \"t\" {\n  given { a: 4b }\n  expect r applies\n}\n",
            "test \"t\" {\n  given { a: 4b \n  expect r applies\n}\n",
            "input {\n  a : integer in 0..10 oops\n}\n",
            "input {\n  a : integer in 0..10 oops\n",
            "define d = a +\n",
            "define d = (a\n",
            "enum e { x, y oops }\n",
            "guideline g.x \"G\" { issuer \"i\" oops }\n",
            "quote \"q\"\nrecommend r \"R\" {\n  when a > 1 oops\n}\n",
            "quote \"q\" at\ndefine d = 1\n",
            "assume \"a\"\n",
            "quote da \"q\"\n  \"r\" at \"s\"\nassume \"a\"\nstratify s by a {\n  quote \"q\"\n  low when a < 3 oops\n}\n",
            "pathway p \"P\" {\n  step x {\n    quote \"q\"\n    within 2 weeks after d oops\n  }\n}\n",
        ];
        let others = [
            "define x = a > 1\n",
            "stratify t \"T\" by a {\n  lo when a < 2\n}\n",
            "recommend q \"Q\" {\n  when b\n}\n",
            "test \"u\" {\n  given { a: 1 }\n}\n",
            "}\n",
            "define\n",
            "define y =\n  1 }\n",
            "stratify\n}\n",
            "quote \"q\"\nassume \"a\"\ndefine x = a > 1\n",
            "quote \"q\"\n",
            "",
        ];
        // One cache for all, so a damaged declaration met again is parsed
        // again, not taken from it without its diagnostics.
        let cache = ParseCache::new();
        for d in damaged {
            for a in others {
                for b in others {
                    assert_same(&format!("{d}{a}{b}"), &cache, "damaged first");
                    assert_same(&format!("{a}{d}{b}"), &cache, "damaged between");
                }
            }
        }
    }

    /// Declarations in one piece each, and names that are declaration
    /// keywords at the start of a line inside a declaration.
    #[test]
    fn keyword_names_at_line_start() {
        let text = "guideline g.x {\n}\ninput {\n  test: boolean\n}\ndefine d =\ntest\nuse a\nas b\ntest \"t\" {\n  expect\nrecommend applies\n}\n";
        let cache = ParseCache::new();
        assert_same(text, &cache, "keywords");
        // A declaration goes on past lines that start with other words.
        assert_same("define d = a\nand b\ndefine e = 1\n+ 2\nuse x\nas y\n", &cache, "continued");
        assert_same("use a\r\nuse b\ruse c\n", &cache, "line ends");
        assert_same("\u{FEFF}use a\nuse_b\nusex\n", &cache, "not keywords");
    }

    /// Found by the `check` fuzz target: a comment that runs to the line's
    /// end inside an unclosed block, and a declaration's word on the next.
    #[test]
    fn a_comment_before_a_line_word_in_an_unclosed_block() {
        let cache = ParseCache::new();
        for text in [
            "recommend r{when//}\nuse",
            "recommend r{when//}\nuse a\n",
            "recommend r {\n  when // }\nuse a\n",
            "recommend r{when//}\nquote \"q\"\ndefine d = 1\n",
        ] {
            assert_same(text, &cache, &format!("{text:?}"));
        }
    }
}
