//! Moving a parsed declaration to another place in its file: every span
//! plus the same offset. The parse cache ([`crate::ParseCache`]) keeps a
//! declaration's tree from an earlier text and moves it to where the same
//! text now stands.

use crate::ast::*;
use crate::span::Span;

/// Adds `by` (modulo 2³², so a move back is the two's complement of the
/// distance) to every span in a tree.
pub(crate) trait Shift {
    fn shift(&mut self, by: u32);
}

impl Shift for Span {
    fn shift(&mut self, by: u32) {
        self.start = self.start.wrapping_add(by);
        self.end = self.end.wrapping_add(by);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: u32) {
        if let Some(x) = self {
            x.shift(by);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: u32) {
        for x in self {
            x.shift(by);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, by: u32) {
        (**self).shift(by);
    }
}

/// Structs: shift each named field.
macro_rules! fields {
    ($($ty:ty { $($field:ident),* })*) => {$(
        impl Shift for $ty {
            fn shift(&mut self, by: u32) {
                $(self.$field.shift(by);)*
            }
        }
    )*};
}

fields! {
    Ident { span }
    Path { segments, span }
    Text { lang, span }
    DateLit { span }
    Number { span }
    Quantity { number, unit, span }
    Range { lo, hi, unit, span }
    Guideline { id, title, meta, span }
    Meta { kind, keyword, span }
    Allow { kind, target, reason, span }
    Use { path, alias, span }
    InputBlock { fields, damaged, span }
    TypeSpec { name, unit, span }
    Field { name, ty, range, description, from, codes, span }
    CodeRef { system, code, span }
    EnumDecl { name, title, values, span }
    EnumValue { name, title, codes, span }
    Instrument { name, title, meta, items, scores, strats, defines, codes, damaged, span }
    ChoiceOption { name, points, title, codes, span }
    ItemDecl { name, ty, reverse, texts, codes, span }
    Quote { text, at, span }
    Assumption { text, span }
    Provenance { quotes, assumptions }
    Score { provenance, name, expr, title, codes, span }
    Define { provenance, name, title, expr, span }
    Stratify { provenance, name, title, population, by, strata, codes, span }
    Stratum { provenance, name, when, title, codes, span }
    Recommend { provenance, name, title, entries, span }
    RecEntry { kind, keyword, span }
    Pathway { provenance, name, title, titles, when, limits, steps, span }
    TimeLimit { provenance, amount, anchor, span }
    Step { provenance, name, title, responsible, limits, when, if_missed, after, span }
    IfMissed { text, then, span }
    TestDecl { name, given, expects, span }
    Given { object, span }
    Member { key, value, span }
    Expect { target, kind, span }
    Expr { kind, span }
}

impl Shift for Item {
    fn shift(&mut self, by: u32) {
        match self {
            Item::Guideline(x) => x.shift(by),
            Item::Use(x) => x.shift(by),
            Item::Input(x) => x.shift(by),
            Item::Enum(x) => x.shift(by),
            Item::Instrument(x) => x.shift(by),
            Item::Define(x) => x.shift(by),
            Item::Stratify(x) => x.shift(by),
            Item::Recommend(x) => x.shift(by),
            Item::Pathway(x) => x.shift(by),
            Item::Test(x) => x.shift(by),
            Item::Allow(x) => x.shift(by),
            Item::Error(e) => {
                e.span.shift(by);
                if let Some(d) = &mut e.declares {
                    d.span.shift(by);
                }
            }
        }
    }
}

impl Shift for MetaKind {
    fn shift(&mut self, by: u32) {
        match self {
            MetaKind::Title(t) | MetaKind::Issuer(t) | MetaKind::Version(t) => t.shift(by),
            MetaKind::Status { status, by: who, since } => {
                status.shift(by);
                who.shift(by);
                since.shift(by);
            }
            MetaKind::Review(d) | MetaKind::Published(d) => d.shift(by),
            MetaKind::Priority(n) => n.shift(by),
            MetaKind::Language(i) => i.shift(by),
            MetaKind::Source { text, url } => {
                text.shift(by);
                url.shift(by);
            }
        }
    }
}

impl Shift for TypeName {
    fn shift(&mut self, by: u32) {
        match self {
            TypeName::Named(i) | TypeName::SetOf(i) => i.shift(by),
        }
    }
}

impl Shift for CodeSystemRef {
    fn shift(&mut self, by: u32) {
        match self {
            CodeSystemRef::Named(i) => i.shift(by),
            CodeSystemRef::Url(t) => t.shift(by),
        }
    }
}

impl Shift for ItemType {
    fn shift(&mut self, by: u32) {
        match self {
            ItemType::Boolean(s) => s.shift(by),
            ItemType::Integer(r) => r.shift(by),
            ItemType::Choice(options, s) => {
                options.shift(by);
                s.shift(by);
            }
        }
    }
}

impl Shift for RecEntryKind {
    fn shift(&mut self, by: u32) {
        match self {
            RecEntryKind::When(e) => e.shift(by),
            RecEntryKind::Strength(i) | RecEntryKind::Certainty(i) | RecEntryKind::Action(i) => i.shift(by),
            RecEntryKind::Rationale(t) | RecEntryKind::Level(t) | RecEntryKind::Title(t) => t.shift(by),
            RecEntryKind::Reference { text, url } => {
                text.shift(by);
                url.shift(by);
            }
            RecEntryKind::Lifecycle(m) => m.shift(by),
        }
    }
}

impl Shift for Value {
    fn shift(&mut self, by: u32) {
        match self {
            Value::Bool(_, s) => s.shift(by),
            Value::Quantity(q) => q.shift(by),
            Value::Date(d) => d.shift(by),
            Value::Text(t) => t.shift(by),
            Value::Name(i) => i.shift(by),
            Value::List(values, s) => {
                values.shift(by);
                s.shift(by);
            }
            Value::Object(members, s) => {
                members.shift(by);
                s.shift(by);
            }
        }
    }
}

impl Shift for ExpectKind {
    fn shift(&mut self, by: u32) {
        match self {
            ExpectKind::Applies | ExpectKind::DoesNotApply | ExpectKind::NotApplicable => {}
            ExpectKind::Undecided(paths) => paths.shift(by),
            ExpectKind::Is(i) => i.shift(by),
            ExpectKind::Equals(q) => q.shift(by),
            ExpectKind::In(r) => r.shift(by),
            ExpectKind::Due(d) => d.shift(by),
        }
    }
}

impl Shift for ExprKind {
    fn shift(&mut self, by: u32) {
        match self {
            ExprKind::Bool(_) => {}
            ExprKind::Quantity(q) => q.shift(by),
            ExprKind::Date(d) => d.shift(by),
            ExprKind::Text(t) => t.shift(by),
            ExprKind::Name(p) => p.shift(by),
            ExprKind::Set(names) => names.shift(by),
            ExprKind::Not(x) | ExprKind::Paren(x) => x.shift(by),
            ExprKind::And(xs) | ExprKind::Or(xs) => xs.shift(by),
            ExprKind::Compare { lhs, rhs, .. } => {
                lhs.shift(by);
                rhs.shift(by);
            }
            ExprKind::InRange { expr, range, .. } => {
                expr.shift(by);
                range.shift(by);
            }
            ExprKind::Is { expr, value, .. } => {
                expr.shift(by);
                value.shift(by);
            }
            ExprKind::SetTest { expr, set, set_span, .. } => {
                expr.shift(by);
                set.shift(by);
                set_span.shift(by);
            }
            ExprKind::Sum { first, rest } => {
                first.shift(by);
                for (_, term) in rest {
                    term.shift(by);
                }
            }
        }
    }
}
