//! What a rule's quotes and assumptions say: the numbers in them, with the
//! unit that follows, and where a quote stands in a source text.
//!
//! A number is found as digits (`12`, `1,5`, `16-70`, `50p`) or as a number
//! word of the text's language (`tre måneder`, `tolv uger`, `one month`).
//! Words are read only in the text's own language, so the Swedish `ni`
//! ("you") is not the Danish nine. The unit is the word right after the
//! number, or after the last number of a span like `3-6 månader`, which
//! gives both numbers its unit.

use crate::{Checked, Code, Diagnostic, Severity};
use guidepath_ir::Unit;
use guidepath_syntax::ast::{self, Expr, ExprKind, Item};
use guidepath_syntax::Span;

/// A number a text states, and the unit word after it, if that is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mention {
    pub value: f64,
    pub unit: Option<Unit>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Word(String),
    /// `-`, `–`, `/`: what joins the numbers of a span.
    Joiner,
    Other,
}

/// Number words: the word, its value, and the languages it is one in.
const NUMBER_WORDS: &[(&str, f64, &[&str])] = &[
    ("nul", 0.0, &["da"]),
    ("noll", 0.0, &["sv"]),
    ("null", 0.0, &["nb"]),
    ("zero", 0.0, &["en"]),
    ("en", 1.0, &["da", "sv", "nb"]),
    ("et", 1.0, &["da"]),
    ("ett", 1.0, &["sv", "nb"]),
    ("ei", 1.0, &["nb"]),
    ("én", 1.0, &["da", "nb"]),
    ("ét", 1.0, &["da"]),
    ("one", 1.0, &["en"]),
    ("to", 2.0, &["da", "nb"]),
    ("två", 2.0, &["sv"]),
    ("two", 2.0, &["en"]),
    ("tre", 3.0, &["da", "sv", "nb"]),
    ("three", 3.0, &["en"]),
    ("fire", 4.0, &["da", "nb"]),
    ("fyra", 4.0, &["sv"]),
    ("four", 4.0, &["en"]),
    ("fem", 5.0, &["da", "sv", "nb"]),
    ("five", 5.0, &["en"]),
    ("seks", 6.0, &["da", "nb"]),
    ("sex", 6.0, &["sv"]),
    ("six", 6.0, &["en"]),
    ("syv", 7.0, &["da", "nb"]),
    ("sju", 7.0, &["sv", "nb"]),
    ("seven", 7.0, &["en"]),
    ("otte", 8.0, &["da"]),
    ("åtta", 8.0, &["sv"]),
    ("åtte", 8.0, &["nb"]),
    ("eight", 8.0, &["en"]),
    ("ni", 9.0, &["da", "nb"]),
    ("nio", 9.0, &["sv"]),
    ("nine", 9.0, &["en"]),
    ("ti", 10.0, &["da", "nb"]),
    ("tio", 10.0, &["sv"]),
    ("ten", 10.0, &["en"]),
    ("elleve", 11.0, &["da", "nb"]),
    ("elva", 11.0, &["sv"]),
    ("eleven", 11.0, &["en"]),
    ("tolv", 12.0, &["da", "sv", "nb"]),
    ("twelve", 12.0, &["en"]),
    ("tretten", 13.0, &["da", "nb"]),
    ("tretton", 13.0, &["sv"]),
    ("thirteen", 13.0, &["en"]),
    ("fjorten", 14.0, &["da", "nb"]),
    ("fjorton", 14.0, &["sv"]),
    ("fourteen", 14.0, &["en"]),
    ("femten", 15.0, &["da", "nb"]),
    ("femton", 15.0, &["sv"]),
    ("fifteen", 15.0, &["en"]),
    ("seksten", 16.0, &["da", "nb"]),
    ("sexton", 16.0, &["sv"]),
    ("sixteen", 16.0, &["en"]),
    ("sytten", 17.0, &["da", "nb"]),
    ("sjutton", 17.0, &["sv"]),
    ("seventeen", 17.0, &["en"]),
    ("atten", 18.0, &["da", "nb"]),
    ("arton", 18.0, &["sv"]),
    ("eighteen", 18.0, &["en"]),
    ("nitten", 19.0, &["da", "nb"]),
    ("nitton", 19.0, &["sv"]),
    ("nineteen", 19.0, &["en"]),
    ("tyve", 20.0, &["da"]),
    ("tjugo", 20.0, &["sv"]),
    ("tjue", 20.0, &["nb"]),
    ("twenty", 20.0, &["en"]),
    ("tredive", 30.0, &["da"]),
    ("trettio", 30.0, &["sv"]),
    ("tretti", 30.0, &["nb"]),
    ("tredve", 30.0, &["nb"]),
    ("thirty", 30.0, &["en"]),
    ("fyrre", 40.0, &["da"]),
    ("fyrtio", 40.0, &["sv"]),
    ("førti", 40.0, &["nb"]),
    ("forty", 40.0, &["en"]),
    ("halvtreds", 50.0, &["da"]),
    ("femtio", 50.0, &["sv"]),
    ("femti", 50.0, &["nb"]),
    ("fifty", 50.0, &["en"]),
    ("tres", 60.0, &["da"]),
    ("sextio", 60.0, &["sv"]),
    ("seksti", 60.0, &["nb"]),
    ("sixty", 60.0, &["en"]),
    ("halvfjerds", 70.0, &["da"]),
    ("sjuttio", 70.0, &["sv"]),
    ("sytti", 70.0, &["nb"]),
    ("seventy", 70.0, &["en"]),
    ("firs", 80.0, &["da"]),
    ("åttio", 80.0, &["sv"]),
    ("åtti", 80.0, &["nb"]),
    ("eighty", 80.0, &["en"]),
    ("halvfems", 90.0, &["da"]),
    ("nittio", 90.0, &["sv"]),
    ("nitti", 90.0, &["nb"]),
    ("ninety", 90.0, &["en"]),
    ("hundrede", 100.0, &["da"]),
    ("hundra", 100.0, &["sv"]),
    ("hundre", 100.0, &["nb"]),
    ("hundred", 100.0, &["en"]),
];

/// The value of a number word of language `lang` (every language's, for
/// an unknown one; Nynorsk and "no" read as Bokmål).
fn number_word(lang: &str, w: &str) -> Option<f64> {
    let lang = match lang {
        "nn" | "no" => "nb",
        other => other,
    };
    let known = matches!(lang, "da" | "sv" | "nb" | "en");
    NUMBER_WORDS.iter().find(|(word, _, langs)| *word == w && (!known || langs.contains(&lang))).map(|(_, v, _)| *v)
}

/// The unit a word after a number names, in any of the languages.
fn unit_word(w: &str) -> Option<Unit> {
    Some(match w {
        "dag" | "dage" | "dagar" | "dager" | "dages" | "dagars" | "dagen" | "dagene" | "dagarna" | "døgn" | "dygn"
        | "day" | "days" => Unit::Days,
        "uge" | "uger" | "ugers" | "ugen" | "ugerne" | "vecka" | "veckor" | "veckors" | "veckan" | "veckorna"
        | "uke" | "uker" | "ukers" | "uka" | "uken" | "ukene" | "week" | "weeks" => Unit::Weeks,
        "måned" | "måneder" | "måneders" | "måneden" | "månederne" | "månad" | "månader" | "månaders" | "månaden"
        | "månaderna" | "mån" | "md" | "mdr" | "mnd" | "month" | "months" => Unit::Months,
        "år" | "års" | "året" | "åren" | "årene" | "årig" | "årige" | "åriga" | "aar" | "year" | "years" | "yr"
        | "yrs" => Unit::Years,
        "p" | "poäng" | "poeng" | "point" | "points" | "pt" | "pts" => Unit::Points,
        "time" | "timer" | "timers" | "timme" | "timmar" | "timmer" | "hour" | "hours" | "h" => Unit::Hours,
        "minut" | "minutter" | "minuter" | "minute" | "minutes" | "min" => Unit::Minutes,
        "procent" | "prosent" | "percent" | "%" => Unit::Percent,
        "kg" | "kilo" => Unit::Kg,
        "g" | "gram" => Unit::G,
        "cm" => Unit::Cm,
        "mm" => Unit::Mm,
        _ => return None,
    })
}

/// Words joining the numbers of a span: `3 till 6`, `16 to 70`.
fn joins(w: &str) -> bool {
    matches!(w, "til" | "till" | "to" | "och" | "og" | "and" | "eller" | "or")
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            // A decimal: `1,5` or `1.5` (a comma or point between digits).
            if i + 1 < chars.len() && matches!(chars[i], ',' | '.') && chars[i + 1].is_ascii_digit() {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let digits: String = chars[start..i].iter().map(|&c| if c == ',' { '.' } else { c }).collect();
            out.push(digits.parse().map_or(Token::Other, Token::Number));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(match c {
                '-' | '–' | '—' | '/' => Token::Joiner,
                '%' => Token::Word("%".into()),
                _ => Token::Other,
            });
            i += 1;
        }
    }
    out
}

/// The numbers `text` states, in language `lang` (`""` when unknown: every
/// language's words count).
pub fn mentions(text: &str, lang: &str) -> Vec<Mention> {
    let toks = tokens(text);
    let value = |t: &Token| match t {
        Token::Number(v) => Some(*v),
        Token::Word(w) => number_word(lang, w),
        _ => None,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let Some(first) = value(&toks[i]) else {
            i += 1;
            continue;
        };
        // A span: numbers joined by `-`, `/` or a joining word.
        let mut group = vec![first];
        let mut j = i + 1;
        while j + 1 < toks.len() {
            let joined = matches!(&toks[j], Token::Joiner) || matches!(&toks[j], Token::Word(w) if joins(w));
            match value(&toks[j + 1]) {
                Some(v) if joined => {
                    group.push(v);
                    j += 2;
                }
                _ => break,
            }
        }
        // The unit: the next word, past one joiner (`12-ugers`, `16-årige`).
        let mut k = j;
        if matches!(toks.get(k), Some(Token::Joiner)) {
            k += 1;
        }
        let unit = match toks.get(k) {
            Some(Token::Word(w)) => unit_word(w),
            _ => None,
        };
        out.extend(group.into_iter().map(|value| Mention { value, unit }));
        i = j;
    }
    out
}

/// What a rule's sources say of one of its numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stated {
    /// The number, with the rule's unit or with no unit word after it.
    Yes,
    /// The number, but only ever with another unit: the first one found.
    OtherUnit(Unit),
    No,
}

/// Whether `mentions` state `value` in `unit`.
pub fn stated(mentions: &[Mention], value: f64, unit: Option<Unit>) -> Stated {
    let found: Vec<&Mention> = mentions.iter().filter(|m| m.value == value).collect();
    let Some(first) = found.first() else { return Stated::No };
    match (unit, first.unit) {
        (Some(u), Some(other)) if found.iter().all(|m| m.unit.is_some_and(|x| x != u)) => Stated::OtherUnit(other),
        _ => Stated::Yes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str, lang: &str) -> Vec<(f64, Option<Unit>)> {
        mentions(text, lang).into_iter().map(|m| (m.value, m.unit)).collect()
    }

    #[test]
    fn reads_digits_words_spans_and_units() {
        assert_eq!(said("smerter af op til 12 ugers varighed", "da"), [(12.0, Some(Unit::Weeks))]);
        assert_eq!(said("mer än tre månader", "sv"), [(3.0, Some(Unit::Months))]);
        assert_eq!(said("16-70 år", "sv"), [(16.0, Some(Unit::Years)), (70.0, Some(Unit::Years))]);
        assert_eq!(said("över 50p", "sv"), [(50.0, Some(Unit::Points))]);
        assert_eq!(said("3 till 6 månader", "sv"), [(3.0, Some(Unit::Months)), (6.0, Some(Unit::Months))]);
        assert_eq!(said("within one month", "en"), [(1.0, Some(Unit::Months))]);
        assert_eq!(said("1,5 timer", "da"), [(1.5, Some(Unit::Hours))]);
        assert_eq!(said("Patienter over 16 år", "da"), [(16.0, Some(Unit::Years))]);
        assert_eq!(said("ett 16-årigt barn", "sv"), [(1.0, None), (16.0, None)]);
    }

    #[test]
    fn reads_number_words_in_the_texts_language_only() {
        // Swedish `ni` is "you", not the Danish and Norwegian nine.
        assert!(said("om ni har ont", "sv").is_empty());
        assert_eq!(said("ni uger", "da"), [(9.0, Some(Unit::Weeks))]);
        // Unknown language: every table.
        assert_eq!(said("tolv uger", ""), [(12.0, Some(Unit::Weeks))]);
    }

    #[test]
    fn a_number_with_another_unit_is_told_apart() {
        let m = mentions("inden for 12 uger", "da");
        assert_eq!(stated(&m, 12.0, Some(Unit::Weeks)), Stated::Yes);
        assert_eq!(stated(&m, 12.0, None), Stated::Yes);
        assert_eq!(stated(&m, 12.0, Some(Unit::Months)), Stated::OtherUnit(Unit::Weeks));
        assert_eq!(stated(&m, 3.0, Some(Unit::Months)), Stated::No);
        // A number written without a unit word states no unit: it is not
        // a different one.
        assert_eq!(stated(&mentions("över 50", "sv"), 50.0, Some(Unit::Points)), Stated::Yes);
    }
}

/// A rule that should say where it comes from: a recommendation, a
/// stratum, a time limit, or a definition, score, step or pathway
/// condition (these only when they hold a number).
pub struct Traced<'r> {
    /// `recommendation`, `stratum`, `time limit`, …
    pub what: &'static str,
    pub name: String,
    /// Where a missing source is reported.
    pub span: Span,
    /// Its own provenance first, then what it inherits.
    pub provenance: Vec<&'r ast::Provenance>,
    pub exprs: Vec<&'r Expr>,
    pub amounts: Vec<&'r ast::Quantity>,
    /// Needs a source even without a number.
    pub always: bool,
}

/// A number written in a rule: `16`, `3 months`, a range's bound.
pub struct Literal<'r> {
    pub number: &'r ast::Number,
    pub unit: Option<&'r ast::Ident>,
    pub span: Span,
}

impl<'r> Traced<'r> {
    /// Its own provenance, or the first it inherits; `None` when none is given.
    pub fn source(&self) -> Option<&'r ast::Provenance> {
        self.provenance.iter().copied().find(|p| !p.is_empty())
    }

    /// Whether it must say where it comes from: always, or for its numbers.
    pub fn needs_source(&self) -> bool {
        self.always || !literals(self).is_empty()
    }
}

/// The numbers a rule writes, in order.
pub fn literals<'r>(rule: &Traced<'r>) -> Vec<Literal<'r>> {
    let mut out = Vec::new();
    for e in &rule.exprs {
        literals_in(e, &mut out);
    }
    for q in &rule.amounts {
        out.push(Literal { number: &q.number, unit: q.unit.as_ref(), span: q.span });
    }
    out
}

/// The rules of a file that should say where they come from, in order,
/// and the file's language (its guideline's or instrument's).
pub fn traced(file: &ast::File) -> (Option<&str>, Vec<Traced<'_>>) {
    let mut lang: Option<&str> = None;
    let mut rules: Vec<Traced<'_>> = Vec::new();
    for item in &file.items {
        match item {
            Item::Guideline(g) => lang = lang.or_else(|| meta_language(&g.meta)),
            Item::Define(d) => rules.push(define(d)),
            Item::Stratify(s) => strata(s, &mut rules),
            Item::Recommend(r) => rules.push(Traced {
                what: "recommendation",
                name: r.name.name.clone(),
                span: r.name.span,
                provenance: vec![&r.provenance],
                exprs: r
                    .entries
                    .iter()
                    .filter_map(|e| match &e.kind {
                        ast::RecEntryKind::When(w) => Some(w),
                        _ => None,
                    })
                    .collect(),
                amounts: Vec::new(),
                always: true,
            }),
            Item::Pathway(p) => pathway(p, &mut rules),
            Item::Instrument(ins) => {
                lang = lang.or_else(|| meta_language(&ins.meta));
                rules.extend(ins.defines.iter().map(define));
                rules.extend(ins.scores.iter().map(|s| Traced {
                    what: "score",
                    name: s.name.name.clone(),
                    span: s.name.span,
                    provenance: vec![&s.provenance],
                    exprs: vec![&s.expr],
                    amounts: Vec::new(),
                    always: false,
                }));
                for s in &ins.strats {
                    strata(s, &mut rules);
                }
            }
            _ => {}
        }
    }
    (lang, rules)
}

pub(crate) fn meta_language(meta: &[ast::Meta]) -> Option<&str> {
    meta.iter().find_map(|m| match &m.kind {
        ast::MetaKind::Language(l) => Some(l.name.as_str()),
        _ => None,
    })
}

fn define(d: &ast::Define) -> Traced<'_> {
    Traced {
        what: "definition",
        name: d.name.name.clone(),
        span: d.name.span,
        provenance: vec![&d.provenance],
        exprs: vec![&d.expr],
        amounts: Vec::new(),
        always: false,
    }
}

fn strata<'r>(s: &'r ast::Stratify, rules: &mut Vec<Traced<'r>>) {
    for st in &s.strata {
        rules.push(Traced {
            what: "stratum",
            name: format!("{}.{}", s.name.name, st.name.name),
            span: st.name.span,
            provenance: vec![&st.provenance, &s.provenance],
            exprs: vec![&st.when],
            amounts: Vec::new(),
            always: true,
        });
    }
}

fn pathway<'r>(p: &'r ast::Pathway, rules: &mut Vec<Traced<'r>>) {
    if let Some(w) = &p.when {
        rules.push(Traced {
            what: "pathway",
            name: p.name.name.clone(),
            span: p.name.span,
            provenance: vec![&p.provenance],
            exprs: vec![w],
            amounts: Vec::new(),
            always: false,
        });
    }
    for l in &p.limits {
        rules.push(limit(p.name.name.clone(), l, vec![&l.provenance, &p.provenance]));
    }
    for s in &p.steps {
        let name = format!("{}.{}", p.name.name, s.name.name);
        if let Some(w) = &s.when {
            rules.push(Traced {
                what: "step",
                name: name.clone(),
                span: s.name.span,
                provenance: vec![&s.provenance, &p.provenance],
                exprs: vec![w],
                amounts: Vec::new(),
                always: false,
            });
        }
        for l in &s.limits {
            rules.push(limit(name.clone(), l, vec![&l.provenance, &s.provenance, &p.provenance]));
        }
    }
}

fn limit<'r>(name: String, l: &'r ast::TimeLimit, provenance: Vec<&'r ast::Provenance>) -> Traced<'r> {
    Traced {
        what: "time limit of",
        name,
        span: l.amount.span,
        provenance,
        exprs: Vec::new(),
        amounts: vec![&l.amount],
        always: true,
    }
}

/// The numbers written in an expression, in order (an explicit stack: the
/// depth of an expression is bounded, but this pass need not rely on it).
fn literals_in<'r>(e: &'r Expr, out: &mut Vec<Literal<'r>>) {
    let mut stack = vec![e];
    let mut found = Vec::new();
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Quantity(q) => found.push(Literal { number: &q.number, unit: q.unit.as_ref(), span: q.span }),
            ExprKind::InRange { expr, range, .. } => {
                found.push(Literal { number: &range.lo, unit: range.unit.as_ref(), span: range.lo.span });
                found.push(Literal { number: &range.hi, unit: range.unit.as_ref(), span: range.hi.span });
                stack.push(expr);
            }
            ExprKind::Not(x) | ExprKind::Paren(x) => stack.push(x),
            ExprKind::And(xs) | ExprKind::Or(xs) => stack.extend(xs.iter()),
            ExprKind::Compare { lhs, rhs, .. } => {
                stack.push(rhs);
                stack.push(lhs);
            }
            ExprKind::Is { expr, .. } | ExprKind::SetTest { expr, .. } => stack.push(expr),
            ExprKind::Sum { first, rest } => {
                stack.extend(rest.iter().map(|(_, x)| x));
                stack.push(first);
            }
            ExprKind::Bool(_) | ExprKind::Date(_) | ExprKind::Text(_) | ExprKind::Name(_) | ExprKind::Set(_) => {}
        }
    }
    found.sort_by_key(|l| l.span.start);
    out.extend(found);
}

/// Source texts that quotes are looked for in (`check --sources DIR`):
/// plain text or Markdown, each with its name.
#[derive(Debug, Default)]
pub struct SourceTexts {
    docs: Vec<(String, String)>,
}

/// Where a quote was looked for and not found: the passage of the source
/// texts nearest to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest {
    /// The source text's name.
    pub doc: String,
    /// The passage, normalised (see [`normalise`]), as long as the quote.
    pub passage: String,
}

/// A text as quotes are compared: lower case; a word hyphenated across a
/// line joined; soft hyphens, Markdown marks and typographic quotes and
/// dashes made plain; every run of whitespace one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Markdown's marks and escapes.
            '\u{ad}' | '*' | '_' | '`' | '#' | '>' | '\\' => {}
            // `lænde-\nrygsmerter`: a hyphen at a line's end joins the word.
            '-' if chars.peek().is_some_and(|&n| n == '\n' || n == '\r') => {
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
            }
            '‘' | '’' | '‚' => out.push('\''),
            '“' | '”' | '„' | '«' | '»' => out.push('"'),
            '–' | '—' | '‐' | '‑' => out.push('-'),
            '|' => out.push(' '),
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out.trim().to_string()
}

impl SourceTexts {
    pub fn new(docs: impl IntoIterator<Item = (String, String)>) -> SourceTexts {
        SourceTexts { docs: docs.into_iter().map(|(name, text)| (name, normalise(&text))).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// `None` when `quote` is in one of the texts: all of it, or each of
    /// its parts around an ellipsis (`…` or `...`) in order. Otherwise the
    /// nearest passage.
    pub fn find(&self, quote: &str) -> Option<Nearest> {
        let q = normalise(quote).replace("...", "…");
        let parts: Vec<&str> = q.split('…').map(str::trim).filter(|p| !p.is_empty()).collect();
        let found = self.docs.iter().any(|(_, doc)| {
            let mut from = 0;
            parts.iter().all(|p| match doc[from..].find(p) {
                Some(at) => {
                    from += at + p.len();
                    true
                }
                None => false,
            })
        });
        if found {
            return None;
        }
        Some(self.nearest(&q).unwrap_or(Nearest { doc: String::new(), passage: String::new() }))
    }

    /// The window of as many words as the quote, in any text, that shares
    /// the most words with it (one pass over each text).
    fn nearest(&self, quote: &str) -> Option<Nearest> {
        let words = |t: &str| -> Vec<String> {
            t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
        };
        let want = words(quote);
        if want.is_empty() {
            return None;
        }
        let mut need: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        for w in &want {
            *need.entry(w.as_str()).or_default() += 1;
        }
        // The best score, where its windows end (the first run of them),
        // and in which text: the middle of a run of equal windows is shown,
        // so the passage is centred on what the quote shares.
        let mut best: Option<(i64, usize, usize, usize)> = None;
        let mut texts: Vec<(&String, Vec<String>)> = Vec::new();
        for (name, doc) in &self.docs {
            let ws = words(doc);
            let n = want.len().min(ws.len());
            let t = texts.len();
            if n > 0 {
                // have[w]: how often w is in the window; shared: the overlap.
                let mut have: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
                let mut shared = 0i64;
                for (i, w) in ws.iter().enumerate() {
                    let h = have.entry(w.as_str()).or_default();
                    *h += 1;
                    if *h <= need.get(w.as_str()).copied().unwrap_or(0) {
                        shared += 1;
                    }
                    if i >= n {
                        let out = ws[i - n].as_str();
                        let h = have.entry(out).or_default();
                        if *h <= need.get(out).copied().unwrap_or(0) {
                            shared -= 1;
                        }
                        *h -= 1;
                    }
                    if i + 1 < n {
                        continue;
                    }
                    match &mut best {
                        Some((s, _, last, bt)) if shared == *s && *bt == t && *last + 1 == i => *last = i,
                        Some((s, ..)) if shared <= *s => {}
                        _ => best = Some((shared, i, i, t)),
                    }
                }
            }
            texts.push((name, ws));
        }
        let (_, first, last, t) = best?;
        let (name, ws) = &texts[t];
        let n = want.len().min(ws.len());
        let end = (first + last) / 2;
        let passage = ws[end + 1 - n..=end].join(" ");
        Some(Nearest { doc: (*name).clone(), passage })
    }
}

/// The policy a forum sets in CI (`check --require-sources`): a rule
/// without a source, a number its source does not state and a quote not
/// in the source texts are errors, not warnings.
pub fn require_sources(checked: &mut Checked) {
    for d in checked.diagnostics.iter_mut().flatten() {
        if matches!(d.code, Code::Unsourced | Code::NumberNotInSource | Code::QuoteNotFound) {
            d.severity = Severity::Error;
        }
    }
}

/// Adds W0707 for every quote of the files asked for (not of the files
/// they `use`: an instrument quotes its own papers) that is not in
/// `sources`, with the nearest passage.
pub fn check_quotes(checked: &mut Checked, sources: &SourceTexts) {
    for (id, (file, diags)) in checked.db.files.iter().zip(checked.diagnostics.iter_mut()).enumerate() {
        if !checked.roots.contains(&id) {
            continue;
        }
        let mut found = Vec::new();
        for q in quotes(&file.ast) {
            let Some(near) = sources.find(&q.text.value) else { continue };
            let help = if near.passage.is_empty() {
                "the source texts have no words in common with it".to_string()
            } else {
                format!("the nearest passage, in `{}`: \"{}\"", near.doc, near.passage)
            };
            found.push(
                Diagnostic::new(Code::QuoteNotFound, q.text.span, "this quote is not in the source texts")
                    .label("not found")
                    .help(help),
            );
        }
        if !found.is_empty() {
            diags.extend(found);
            diags.sort_by(|a, b| {
                (a.label.span.start, a.label.span.end, a.code).cmp(&(b.label.span.start, b.label.span.end, b.code))
            });
        }
    }
}

/// Every quote of a file, in order.
pub fn quotes(file: &ast::File) -> Vec<&ast::Quote> {
    let mut out: Vec<&ast::Provenance> = Vec::new();
    fn stratify<'f>(s: &'f ast::Stratify, out: &mut Vec<&'f ast::Provenance>) {
        out.push(&s.provenance);
        out.extend(s.strata.iter().map(|st| &st.provenance));
    }
    for item in &file.items {
        match item {
            Item::Define(d) => out.push(&d.provenance),
            Item::Stratify(s) => stratify(s, &mut out),
            Item::Recommend(r) => out.push(&r.provenance),
            Item::Pathway(p) => {
                out.push(&p.provenance);
                out.extend(p.limits.iter().map(|l| &l.provenance));
                for s in &p.steps {
                    out.push(&s.provenance);
                    out.extend(s.limits.iter().map(|l| &l.provenance));
                }
            }
            Item::Instrument(ins) => {
                out.extend(ins.defines.iter().map(|d| &d.provenance));
                out.extend(ins.scores.iter().map(|s| &s.provenance));
                for s in &ins.strats {
                    stratify(s, &mut out);
                }
            }
            _ => {}
        }
    }
    let mut qs: Vec<&ast::Quote> = out.into_iter().flat_map(|p| p.quotes.iter()).collect();
    qs.sort_by_key(|q| q.span.start);
    qs
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn finds_quotes_across_lines_hyphens_marks_and_ellipses() {
        let src = SourceTexts::new([(
            "nkr.md".to_string(),
            "# Anbefaling 1\n\nPatienter med nyopståede **lænde-\nrygsmerter** bør  opfordres til\nat opretholde vanlig aktivitet.".to_string(),
        )]);
        assert_eq!(src.find("patienter med nyopståede lænderygsmerter bør opfordres"), None);
        assert_eq!(src.find("Patienter med … opretholde vanlig aktivitet"), None);
        let miss = src.find("Patienter med kroniske lænderygsmerter bør opfordres").unwrap();
        assert_eq!(miss.doc, "nkr.md");
        assert!(miss.passage.contains("patienter med nyopståede"), "{}", miss.passage);
        // The parts around an ellipsis must come in order.
        assert!(src.find("opretholde vanlig aktivitet … patienter med").is_some());
    }
}
