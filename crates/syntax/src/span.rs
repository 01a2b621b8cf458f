//! Byte spans and line/column conversion.
//!
//! Spans are byte offsets into one file's text. They are our own type so that
//! no pest type leaves this crate.

use serde::Serialize;

/// A half-open byte range `start..end` into a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        // Files are bounded far below 4 GiB (see `MAX_FILE_BYTES`), so the
        // conversion only saturates on input the parser has already refused.
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span { start: clamp(start), end: clamp(end.max(start)) }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The text this span covers, or "" if it does not fit `text`.
    pub fn text(self, text: &str) -> &str {
        text.get(self.range()).unwrap_or("")
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Maps byte offsets to lines and columns (chars for humans, UTF-16 code
/// units for the language server protocol). A line ends at `\n`, `\r\n` or
/// a lone `\r`, as in the grammar, the lexer and the protocol.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            let ends = match b {
                b'\n' => true,
                b'\r' => bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if ends {
                line_starts.push(Span::new(i + 1, i + 1).start);
            }
        }
        LineIndex { line_starts }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts.get(line).copied().unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line and column (in chars) of a byte offset into `text`.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let end = (offset as usize).min(text.len()).max(start);
        let column = text.get(start..end).map_or(end - start, |s| s.chars().count());
        LineCol { line: line as u32 + 1, column: column as u32 + 1 }
    }

    /// 0-based line and UTF-16 column, as the language server protocol wants.
    pub fn line_utf16(&self, text: &str, offset: u32) -> (u32, u32) {
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let end = (offset as usize).min(text.len()).max(start);
        let col = text.get(start..end).map_or(0, |s| s.encode_utf16().count());
        (line as u32, col as u32)
    }

    /// The byte offset of a 0-based line and UTF-16 column, clamped to the
    /// line (positions past its end land on its end).
    pub fn offset_utf16(&self, text: &str, line: u32, col: u32) -> u32 {
        let line = line as usize;
        if line >= self.line_starts.len() {
            return Span::new(text.len(), text.len()).start;
        }
        let start = self.line_start(line) as usize;
        let mut units = 0u32;
        for (i, ch) in text[start..].char_indices() {
            if ch == '\n' || ch == '\r' || units >= col {
                return Span::new(start + i, start + i).start;
            }
            units += ch.len_utf16() as u32;
        }
        Span::new(text.len(), text.len()).start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let text = "ålder\nsmärta x";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 8 });
        assert_eq!(idx.line_utf16(text, x), (1, 7));
        assert_eq!(idx.offset_utf16(text, 1, 7), x);
    }

    #[test]
    fn every_kind_of_line_end_ends_a_line() {
        let text = "a\nb\r\nc\rd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        let d = text.find('d').unwrap() as u32;
        assert_eq!(idx.line_col(text, d), LineCol { line: 4, column: 1 });
        assert_eq!(idx.line_utf16(text, d), (3, 0));
        // A position past a line's end lands before its line break.
        assert_eq!(idx.offset_utf16(text, 2, 9), text.find('c').unwrap() as u32 + 1);
    }
}
