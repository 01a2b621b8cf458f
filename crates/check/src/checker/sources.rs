//! Pass 2b, provenance: every rule says where it comes from, and every
//! number in it is one its source states.
//!
//! A recommendation, a stratum and a time limit always need a `quote` or an
//! `assume`; a definition, score, step or pathway condition only when it
//! holds a number (a threshold). A stratum takes its stratification's
//! provenance when it has none of its own, and a time limit its step's, then
//! its pathway's. Each number is looked for in the quotes and assumptions
//! that cover it ([`crate::provenance`]): a number the author chose is
//! named in an `assume`.

use super::*;
use crate::provenance::{mentions, stated, Mention, Stated};

/// One rule as this pass sees it.
struct Rule<'r> {
    /// `recommendation`, `stratum`, `time limit`, …
    what: &'static str,
    name: String,
    /// Where a missing source is reported.
    span: Span,
    /// Its own provenance first, then what it inherits.
    provenance: Vec<&'r ast::Provenance>,
    exprs: Vec<&'r Expr>,
    amounts: Vec<&'r ast::Quantity>,
    /// Needs a source even without a number.
    always: bool,
}

/// A number written in a rule: `16`, `3 months`, a range's bound.
struct Literal<'r> {
    number: &'r ast::Number,
    unit: Option<&'r ast::Ident>,
    span: Span,
}

impl<'a> Checker<'a> {
    pub(super) fn sources(&mut self, f: FileId) {
        let db = self.db;
        let file = &db.files[f];
        let mut lang: Option<&str> = None;
        let mut rules: Vec<Rule<'a>> = Vec::new();
        for item in &file.ast.items {
            match item {
                ast::Item::Guideline(g) => lang = lang.or_else(|| meta_language(&g.meta)),
                ast::Item::Define(d) => rules.push(define(d)),
                ast::Item::Stratify(s) => strata(s, &mut rules),
                ast::Item::Recommend(r) => rules.push(Rule {
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
                ast::Item::Pathway(p) => pathway(p, &mut rules),
                ast::Item::Instrument(ins) => {
                    lang = lang.or_else(|| meta_language(&ins.meta));
                    rules.extend(ins.defines.iter().map(define));
                    rules.extend(ins.scores.iter().map(|s| Rule {
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
        for rule in rules {
            self.check_rule(f, &rule, lang.unwrap_or(""));
        }
    }

    fn check_rule(&mut self, f: FileId, rule: &Rule<'_>, lang: &str) {
        let mut literals = Vec::new();
        for e in &rule.exprs {
            literals_in(e, &mut literals);
        }
        for q in &rule.amounts {
            literals.push(Literal { number: &q.number, unit: q.unit.as_ref(), span: q.span });
        }
        let Some(p) = rule.provenance.iter().find(|p| !p.is_empty()) else {
            if rule.always || !literals.is_empty() {
                let what = if rule.always { rule.what.to_string() } else { format!("{} with a threshold", rule.what) };
                self.report(
                    f,
                    Diagnostic::new(
                        Code::Unsourced,
                        rule.span,
                        format!("{what} `{}` does not say where it comes from", rule.name),
                    )
                    .label("no `quote` or `assume`")
                    .help(
                        "above it, quote the source's sentence it encodes (`quote da \"…\" at \"section\"`), \
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

fn meta_language(meta: &[ast::Meta]) -> Option<&str> {
    meta.iter().find_map(|m| match &m.kind {
        ast::MetaKind::Language(l) => Some(l.name.as_str()),
        _ => None,
    })
}

fn define(d: &ast::Define) -> Rule<'_> {
    Rule {
        what: "definition",
        name: d.name.name.clone(),
        span: d.name.span,
        provenance: vec![&d.provenance],
        exprs: vec![&d.expr],
        amounts: Vec::new(),
        always: false,
    }
}

fn strata<'r>(s: &'r ast::Stratify, rules: &mut Vec<Rule<'r>>) {
    for st in &s.strata {
        rules.push(Rule {
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

fn pathway<'r>(p: &'r ast::Pathway, rules: &mut Vec<Rule<'r>>) {
    if let Some(w) = &p.when {
        rules.push(Rule {
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
            rules.push(Rule {
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

fn limit<'r>(name: String, l: &'r ast::TimeLimit, provenance: Vec<&'r ast::Provenance>) -> Rule<'r> {
    Rule {
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
