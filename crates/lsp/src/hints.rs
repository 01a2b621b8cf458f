//! Inlay hints: what the checker worked out that the text leaves implicit,
//! the unit a plain constant takes and the range of a score.

use crate::convert::Text;
use guidepath_check::{Checked, FileId};
use tower_lsp::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, Range};

/// The hints of `file` that fall inside `range`.
pub fn inlay(checked: &Checked, file: FileId, range: Range) -> Vec<InlayHint> {
    let text = Text::of(checked.db.file(file));
    let (from, to) = (text.offset(range.start), text.offset(range.end));
    let first = checked.hints.partition_point(|h| (h.file, h.at) < (file, from));
    checked.hints[first..]
        .iter()
        .take_while(|h| h.file == file && h.at <= to)
        .map(|h| InlayHint {
            position: text.position(h.at),
            label: InlayHintLabel::String(h.label.clone()),
            kind: Some(InlayHintKind::TYPE),
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: None,
        })
        .collect()
}
