//! Reviews that are due: an active guideline or recommendation whose
//! `review by` date has passed (W0703). The checker itself never reads the
//! clock, so a check is the same on any day; this pass takes the day as an
//! argument, and `guidepath check`, the report and the language server pass
//! today (`--today` sets it).

use crate::Checked;
use guidepath_ir::calendar::{days_from_civil, format_date};
use guidepath_syntax::ast::{Item, MetaKind, RecEntryKind};
use guidepath_syntax::{Code, Diagnostic, Span};

/// Today, in days since 1970-01-01 (UTC).
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    (secs / 86_400) as i64
}

/// The status and the review date (with its place) among lifecycle entries.
fn status<'a>(meta: impl IntoIterator<Item = &'a MetaKind>) -> (Option<String>, Option<(i64, Span)>) {
    let (mut status, mut review) = (None, None);
    for m in meta {
        match m {
            MetaKind::Status { status: s, .. } => status = Some(s.name.clone()),
            MetaKind::Review(d) => review = Some((days_from_civil(d.year, d.month, d.day), d.span)),
            _ => {}
        }
    }
    (status, review)
}

/// Adds W0703 for every active guideline or recommendation of the checked
/// files whose review date is before `today`. A recommendation without a
/// status of its own has its guideline's.
pub fn overdue_reviews(checked: &mut Checked, today: i64) {
    for (file, diags) in checked.db.files.iter().zip(checked.diagnostics.iter_mut()) {
        let guideline = file.ast.items.iter().find_map(|i| match i {
            Item::Guideline(g) => Some(g),
            _ => None,
        });
        let (g_status, g_review) = status(guideline.iter().flat_map(|g| g.meta.iter().map(|m| &m.kind)));
        let mut found = Vec::new();
        if let (Some(g), Some("active"), Some((due, span))) = (guideline, g_status.as_deref(), g_review) {
            if due < today {
                found.push(overdue(&format!("guideline `{}`", g.id.dotted()), due, today, span));
            }
        }
        for item in &file.ast.items {
            let Item::Recommend(r) = item else { continue };
            let (own, review) = status(r.entries.iter().filter_map(|e| match &e.kind {
                RecEntryKind::Lifecycle(m) => Some(m),
                _ => None,
            }));
            let status = own.or_else(|| g_status.clone());
            if let (Some("active"), Some((due, span))) = (status.as_deref(), review) {
                if due < today {
                    found.push(overdue(&format!("recommendation `{}`", r.name.name), due, today, span));
                }
            }
        }
        if !found.is_empty() {
            diags.extend(found);
            diags.sort_by(|a, b| {
                (a.label.span.start, a.label.span.end, a.code).cmp(&(b.label.span.start, b.label.span.end, b.code))
            });
        }
    }
}

fn overdue(what: &str, due: i64, today: i64, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReviewOverdue,
        span,
        format!(
            "{what} is active, and its review was due on {} ({} day{} ago)",
            format_date(due),
            today - due,
            if today - due == 1 { "" } else { "s" }
        ),
    )
    .label("review date passed")
    .help("review it and set the next date, or give it the status `under_review`")
}
