//! Pass 2b, provenance: every rule says where it comes from, and every
//! number in it is one its source states.
//!
//! Which rules need a source, and what they inherit, is
//! [`crate::provenance::traced`]'s to say; this pass reports W0705 for a
//! rule without one and W0706 for each number its quotes and assumptions do
//! not state ([`crate::provenance::mentions`]): a number the author chose
//! is named in an `assume`.

use super::*;
use crate::provenance::{literals, mentions, stated, traced, Mention, Stated, Traced};

impl<'a> Checker<'a> {
    pub(super) fn sources(&mut self, f: FileId) {
        let db = self.db;
        let (lang, rules) = traced(&db.files[f].ast);
        for rule in rules {
            self.check_rule(f, &rule, lang.unwrap_or(""));
        }
    }
    fn check_rule(&mut self, f: FileId, rule: &Traced<'_>, lang: &str) {
        let literals = literals(rule);
        let Some(p) = rule.source() else {
            if rule.always || !literals.is_empty() {
                let message = if rule.always {
                    format!("{} `{}` does not say where it comes from", rule.what, rule.name)
                } else {
                    format!("{} `{}` holds a number but does not say where it comes from", rule.what, rule.name)
                };
                self.report(
                    f,
                    Diagnostic::new(Code::Unsourced, rule.span, message).label("no `quote` or `assume`").help(
                        "above it, quote the sentence of the source it encodes (`quote \"…\" at \"section\"`), \
                         or say what it assumes and why (`assume \"…\"`)",
                    ),
                );
            }
            return;
        };
        let said: Vec<Mention> = p
            .quotes
            .iter()
            .map(|q| &q.text)
            .chain(p.assumptions.iter().map(|a| &a.text))
            .flat_map(|t| mentions(&t.value, t.lang.as_ref().map_or(lang, |l| l.name.as_str())))
            .collect();
        for lit in literals {
            let unit = lit.unit.and_then(|u| Unit::parse(&u.name));
            let written = self.text(f, lit.span);
            let (message, label) = match stated(&said, lit.number.value, unit) {
                Stated::Yes => continue,
                Stated::No => (
                    format!("`{written}` in {} `{}` is not in its source", rule.what, rule.name),
                    "not stated by the quote or an assumption",
                ),
                Stated::OtherUnit(other) => (
                    format!(
                        "`{written}` in {} `{}`: its source gives {} in {}",
                        rule.what,
                        rule.name,
                        lit.number.text,
                        other.name()
                    ),
                    "a different unit from the source's",
                ),
            };
            let mut d = Diagnostic::new(Code::NumberNotInSource, lit.span, message).label(label);
            let shown: Vec<String> = p.quotes.iter().map(|q| format!("\"{}\"", q.text.value)).collect();
            d = d.help(if shown.is_empty() {
                format!("its assumptions do not name {}: say in an `assume` why this value was chosen", lit.number.text)
            } else {
                format!(
                    "it quotes {}; quote the sentence that states {}, or say in an `assume` why this value was chosen",
                    shown.join(" and "),
                    lit.number.text
                )
            });
            // The quotes are shown where they are when they are in this
            // rule's own lines (an inherited one may be far above).
            for q in &p.quotes {
                d = d.related(q.span, "the quote");
            }
            self.report(f, d);
        }
    }
}
