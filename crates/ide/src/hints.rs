//! Inlay hints: what the checker worked out that the text leaves implicit,
//! the unit a plain constant takes and the range of a score.

use guidepath_check::{Checked, FileId};
use serde::Serialize;

/// A hint shown after byte `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hint {
    pub at: u32,
    pub label: String,
}

/// The hints of `file` from byte `from` to byte `to`.
pub fn inlay(checked: &Checked, file: FileId, from: u32, to: u32) -> Vec<Hint> {
    let first = checked.hints.partition_point(|h| (h.file, h.at) < (file, from));
    checked.hints[first..]
        .iter()
        .take_while(|h| h.file == file && h.at <= to)
        .map(|h| Hint { at: h.at, label: h.label.clone() })
        .collect()
}
