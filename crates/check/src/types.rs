//! The types of expressions.

use guidepath_ir::{TimeFamily, Unit};
use guidepath_syntax::ast;

/// The values an enum-like type admits: a declared `enum`, or the options of
/// a `choice` item.
#[derive(Debug, Clone, Copy)]
pub enum EnumTy<'a> {
    Decl(&'a ast::EnumDecl),
    Choice(&'a ast::ItemDecl, &'a [ast::ChoiceOption]),
}

impl<'a> EnumTy<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            EnumTy::Decl(e) => &e.name.name,
            EnumTy::Choice(i, _) => &i.name.name,
        }
    }

    pub fn values(&self) -> Vec<&'a str> {
        match self {
            EnumTy::Decl(e) => e.values.iter().map(|v| v.name.name.as_str()).collect(),
            EnumTy::Choice(_, opts) => opts.iter().map(|o| o.name.name.as_str()).collect(),
        }
    }

    pub fn has(&self, value: &str) -> bool {
        match self {
            EnumTy::Decl(e) => e.values.iter().any(|v| v.name.name == value),
            EnumTy::Choice(_, opts) => opts.iter().any(|o| o.name.name == value),
        }
    }

    fn same(&self, other: &EnumTy<'a>) -> bool {
        match (self, other) {
            (EnumTy::Decl(a), EnumTy::Decl(b)) => std::ptr::eq(*a, *b),
            (EnumTy::Choice(a, _), EnumTy::Choice(b, _)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

/// An inclusive numeric interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn contains(&self, v: f64) -> bool {
        self.lo <= v && v <= self.hi
    }
}

#[derive(Debug, Clone)]
pub enum Ty<'a> {
    Bool,
    /// A numeric field, score or sum; `range` is what its declaration allows.
    Num {
        unit: Option<Unit>,
        integer: bool,
        range: Option<Interval>,
    },
    /// A numeric constant. A constant without a unit takes the unit of what
    /// it is compared with (`age >= 16`), except for durations, which need
    /// one (`pain_duration >= 3 months`).
    Lit {
        unit: Option<Unit>,
        value: f64,
        integer: bool,
    },
    Date,
    /// A duration; the family is known when the field declares its unit.
    Duration(Option<TimeFamily>),
    Text,
    Enum(EnumTy<'a>),
    Set(EnumTy<'a>),
    Strat(&'a ast::Stratify),
    /// An instrument item: its answer in conditions, its points in sums.
    Item(&'a ast::ItemDecl),
    /// Already reported; suppresses follow-on errors.
    Error,
}

impl<'a> Ty<'a> {
    pub fn describe(&self) -> String {
        match self {
            Ty::Bool => "a condition (boolean)".into(),
            Ty::Num { unit: Some(u), integer, .. } => {
                format!("{} in {u}", if *integer { "an integer" } else { "a number" })
            }
            Ty::Num { unit: None, integer, .. } => (if *integer { "an integer" } else { "a number" }).into(),
            Ty::Lit { unit: Some(u), .. } => format!("a number of {u}"),
            Ty::Lit { unit: None, .. } => "a plain number".into(),
            Ty::Date => "a date".into(),
            Ty::Duration(_) => "a duration".into(),
            Ty::Text => "a text".into(),
            Ty::Enum(e) => format!("a value of `{}`", e.name()),
            Ty::Set(e) => format!("a set of `{}`", e.name()),
            Ty::Strat(s) => format!("the stratification `{}`", s.name.name),
            Ty::Item(i) => format!("the item `{}`", i.name.name),
            Ty::Error => "an invalid value".into(),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Num { .. } | Ty::Lit { .. })
    }

    pub fn same_enum(&self, other: &Ty<'a>) -> bool {
        match (self, other) {
            (Ty::Enum(a), Ty::Enum(b)) | (Ty::Set(a), Ty::Set(b)) => a.same(b),
            _ => false,
        }
    }
}

/// The answer an item gives in a condition.
pub fn answer<'a>(ty: Ty<'a>) -> Ty<'a> {
    match ty {
        Ty::Item(item) => match &item.ty {
            ast::ItemType::Boolean(_) => Ty::Bool,
            ast::ItemType::Integer(r) => {
                Ty::Num { unit: None, integer: true, range: Some(Interval { lo: r.lo.value, hi: r.hi.value }) }
            }
            ast::ItemType::Choice(opts, _) => Ty::Enum(EnumTy::Choice(item, opts)),
        },
        other => other,
    }
}

/// The points an item scores in a sum.
pub fn points<'a>(ty: Ty<'a>) -> Ty<'a> {
    match ty {
        Ty::Item(item) => {
            Ty::Num { unit: Some(Unit::Points), integer: item_is_integer(item), range: item_points(item) }
        }
        other => other,
    }
}

/// The interval of points an item can score.
pub fn item_points(item: &ast::ItemDecl) -> Option<Interval> {
    match &item.ty {
        ast::ItemType::Boolean(_) => Some(Interval { lo: 0.0, hi: 1.0 }),
        ast::ItemType::Integer(r) => Some(Interval { lo: r.lo.value.min(r.hi.value), hi: r.hi.value.max(r.lo.value) }),
        ast::ItemType::Choice(opts, _) => {
            let lo = opts.iter().map(|o| o.points.value).fold(f64::INFINITY, f64::min);
            let hi = opts.iter().map(|o| o.points.value).fold(f64::NEG_INFINITY, f64::max);
            (lo <= hi).then_some(Interval { lo, hi })
        }
    }
}

fn item_is_integer(item: &ast::ItemDecl) -> bool {
    match &item.ty {
        ast::ItemType::Boolean(_) => true,
        ast::ItemType::Integer(r) => r.lo.is_integer && r.hi.is_integer,
        ast::ItemType::Choice(opts, _) => opts.iter().all(|o| o.points.is_integer),
    }
}
