//! The guidepath syntax: source text to a typed AST with byte spans.
//!
//! Parsing never fails: [`parse`] returns a tree and diagnostics for any
//! input, and a syntax error in one declaration leaves every other one
//! parsed. No pest type leaves this crate.

pub mod ast;
mod cache;
pub mod diag;
pub mod lexer;
mod parser;
mod shift;
pub mod span;

pub use cache::ParseCache;
pub use diag::{Code, Diagnostic, Fix, Label, Severity, Witness, FINDING_KINDS};
pub use parser::{parse, parse_cached, parse_in_one, Parsed, LINE_WORDS, MAX_FILE_BYTES, MAX_NESTING};
pub use span::{LineCol, LineIndex, Span};
