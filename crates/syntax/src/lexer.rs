//! A flat token stream of a guideline's text, comments included.
//!
//! The parser works on the grammar; this lexer serves tools that need every
//! token as written: the formatter (which only changes the space between
//! tokens) and the language server's semantic colouring. It never fails:
//! a character it does not know is a one-character `Punct`.

use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A name or keyword.
    Word,
    /// A number, with its sign when the sign belongs to it: `-3`, `0.5`.
    Number,
    /// `2024-01-31`.
    Date,
    /// A string with its quotes (unterminated: up to the end of the line).
    String,
    /// `// …` up to the end of the line.
    Comment,
    /// Operators and brackets: `{`, `<=`, `..`, `,`.
    Punct,
    /// A line break: `\n`, `\r\n` or a lone `\r`.
    Newline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    pub fn text(self, text: &str) -> &str {
        self.span.text(text)
    }
}

/// A name's first character, as the grammar's `ident` reads it.
fn is_word_start(c: char) -> bool {
    c == '_' || pest::unicode::XID_START(c)
}

/// A name's other characters, as the grammar reads them (`ident_cont`):
/// combining marks go on with a name, which `char::is_alphanumeric`
/// would have split.
fn is_word_char(c: char) -> bool {
    pest::unicode::XID_CONTINUE(c)
}

/// Whether `s` has the form of a name (`ident` without its keyword check):
/// what a rename may write.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_word_start) && chars.all(is_word_char)
}

/// Whether a token ends a value, so that a `-` after it is an operator.
fn ends_value(kind: TokenKind, text: &str) -> bool {
    match kind {
        TokenKind::Word | TokenKind::Number | TokenKind::Date | TokenKind::String => true,
        TokenKind::Punct => matches!(text, ")" | "]" | "}"),
        TokenKind::Comment | TokenKind::Newline => false,
    }
}

/// Splits `text` into tokens; spaces and tabs between them are dropped.
pub fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Token>, kind, a: usize, b: usize| out.push(Token { kind, span: Span::new(a, b) });
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else { break };
        let start = i;
        match c {
            ' ' | '\t' | '\u{FEFF}' => i += c.len_utf8(),
            '\r' if bytes.get(i + 1) == Some(&b'\n') => {
                push(&mut out, TokenKind::Newline, i, i + 2);
                i += 2;
            }
            '\n' => {
                push(&mut out, TokenKind::Newline, i, i + 1);
                i += 1;
            }
            // A lone carriage return (old Mac line ends) breaks the line too.
            '\r' => {
                push(&mut out, TokenKind::Newline, i, i + 1);
                i += 1;
            }
            '/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find(['\n', '\r']).map_or(text.len(), |k| i + k);
                push(&mut out, TokenKind::Comment, i, end);
                i = end;
            }
            '"' => {
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None | Some(b'\n' | b'\r') => break,
                        Some(b'"') => {
                            j += 1;
                            break;
                        }
                        Some(b'\\') if bytes.get(j + 1).is_some_and(|b| *b != b'\n' && *b != b'\r') => {
                            j += 1;
                            j += text[j..].chars().next().map_or(1, char::len_utf8);
                        }
                        Some(_) => j += text[j..].chars().next().map_or(1, char::len_utf8),
                    }
                }
                push(&mut out, TokenKind::String, i, j);
                i = j;
            }
            '0'..='9' => {
                i = number_end(bytes, i);
                // A date: four digits, `-`, two digits, `-`, two digits.
                if i - start == 4
                    && bytes.get(i) == Some(&b'-')
                    && bytes.get(i + 1..i + 3).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                    && bytes.get(i + 3) == Some(&b'-')
                    && bytes.get(i + 4..i + 6).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                {
                    i += 6;
                    push(&mut out, TokenKind::Date, start, i);
                } else {
                    push(&mut out, TokenKind::Number, start, i);
                }
            }
            '-' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                && !out
                    .iter()
                    .rev()
                    .find(|t| t.kind != TokenKind::Comment)
                    .is_some_and(|t| ends_value(t.kind, t.text(text))) =>
            {
                i = number_end(bytes, i + 1);
                push(&mut out, TokenKind::Number, start, i);
            }
            c if is_word_start(c) => {
                i += c.len_utf8();
                while let Some(d) = text[i..].chars().next().filter(|d| is_word_char(*d)) {
                    i += d.len_utf8();
                }
                push(&mut out, TokenKind::Word, start, i);
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                // A doubled strength mark (`↑↑`, `↓↓`) is one token, as in the grammar.
                let doubled = matches!(c, '↑' | '↓') && text[i + c.len_utf8()..].starts_with(c);
                let len = if matches!(two, "<=" | ">=" | "!=" | "..") {
                    2
                } else if doubled {
                    2 * c.len_utf8()
                } else {
                    c.len_utf8()
                };
                push(&mut out, TokenKind::Punct, i, i + len);
                i += len;
            }
        }
    }
    out
}

/// The end of the digits (and a fraction) starting at `i`; `0..5` stays
/// three tokens.
fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        lex(text).into_iter().map(|t| (t.kind, t.text(text))).collect()
    }

    /// Names are words as the grammar reads them: a combining mark goes on
    /// with the name before it, and no name starts with one or a digit.
    #[test]
    fn names_go_on_with_combining_marks() {
        let text = "intensite\u{301} >= 7 and kraft\u{20d2}";
        assert_eq!(
            kinds(text),
            vec![
                (TokenKind::Word, "intensite\u{301}"),
                (TokenKind::Punct, ">="),
                (TokenKind::Number, "7"),
                (TokenKind::Word, "and"),
                (TokenKind::Word, "kraft\u{20d2}"),
            ]
        );
        assert!(is_name("intensite\u{301}") && is_name("_a1") && is_name("svår"));
        assert!(!is_name("\u{301}a") && !is_name("1a") && !is_name("a-b") && !is_name(""));
    }

    #[test]
    fn ranges_dates_signs_and_comments() {
        use TokenKind::*;
        assert_eq!(
            kinds("x in 0..10 // c\nd = 2024-01-31 - -3 \"a\\\"b\""),
            vec![
                (Word, "x"),
                (Word, "in"),
                (Number, "0"),
                (Punct, ".."),
                (Number, "10"),
                (Comment, "// c"),
                (Newline, "\n"),
                (Word, "d"),
                (Punct, "="),
                (Date, "2024-01-31"),
                (Punct, "-"),
                (Number, "-3"),
                (String, "\"a\\\"b\""),
            ]
        );
        assert_eq!(kinds("a -3"), vec![(Word, "a"), (Punct, "-"), (Number, "3")]);
        assert_eq!(kinds("smärta_ø"), vec![(Word, "smärta_ø")]);
        assert_eq!(kinds("strength ↑↑"), vec![(Word, "strength"), (Punct, "↑↑")]);
        assert_eq!(kinds("↓ ↓↓↓"), vec![(Punct, "↓"), (Punct, "↓↓"), (Punct, "↓")]);
    }
}
