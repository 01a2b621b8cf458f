//! Values during evaluation, with unknowns.

use crate::bind::Value;
use guidepath_ir::{Duration, Input, Scoring, Unit, ValueType};

/// Three-valued truth: `None` is unknown.
pub type Tri = Option<bool>;

/// A value during evaluation. Numbers are intervals: a known number is a
/// point; an unknown one spans what it could be.
#[derive(Debug, Clone, PartialEq)]
pub enum V<'e> {
    Bool(Tri),
    Num(f64, f64),
    /// A constant as written, with its unit: a number or a duration
    /// depending on what it meets.
    Qty(f64, Option<Unit>),
    Date(Option<i64>),
    Dur(Option<Duration>),
    Text(Option<std::borrow::Cow<'e, str>>),
    Enum(Option<&'e str>),
    Set(Option<u64>),
    Unknown,
}

impl<'e> V<'e> {
    pub fn interval(&self) -> Option<(f64, f64)> {
        match self {
            V::Num(a, b) => Some((*a, *b)),
            V::Qty(x, _) => Some((*x, *x)),
            _ => None,
        }
    }

    pub fn as_duration(&self) -> Option<Duration> {
        match self {
            V::Dur(d) => *d,
            V::Qty(x, Some(u)) => Duration::of(*x, *u),
            _ => None,
        }
    }

    pub fn is_known(&self) -> bool {
        match self {
            V::Bool(t) => t.is_some(),
            V::Num(a, b) => a == b,
            V::Qty(..) => true,
            V::Date(d) => d.is_some(),
            V::Dur(d) => d.is_some(),
            V::Text(t) => t.is_some(),
            V::Enum(t) => t.is_some(),
            V::Set(s) => s.is_some(),
            V::Unknown => false,
        }
    }
}

/// Kleene conjunction of two values.
pub fn and_tri(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

pub fn negate(v: V<'_>) -> V<'_> {
    match v {
        V::Num(a, b) => V::Num(-b, -a),
        V::Qty(x, u) => V::Qty(-x, u),
        other => other,
    }
}

/// `a + b` or `a - b`: numbers as intervals, a date plus a duration.
pub fn add<'e>(a: V<'e>, b: V<'e>, plus: bool) -> V<'e> {
    match (&a, &b) {
        (V::Date(d), _) => match (d, b.as_duration()) {
            (Some(d), Some(dur)) => V::Date(Some(crate::add_duration(*d, dur, plus))),
            _ => V::Date(None),
        },
        (V::Dur(_), _) | (_, V::Dur(_)) => match (a.as_duration(), b.as_duration()) {
            (Some(x), Some(y)) => {
                let s = if plus { 1 } else { -1 };
                V::Dur(Some(Duration {
                    months: x.months + s * y.months,
                    days: x.days + s * y.days,
                    minutes: x.minutes + s * y.minutes,
                }))
            }
            _ => V::Dur(None),
        },
        _ => match (a.interval(), b.interval()) {
            (Some((a0, a1)), Some((b0, b1))) if plus => V::Num(a0 + b0, a1 + b1),
            (Some((a0, a1)), Some((b0, b1))) => V::Num(a0 - b1, a1 - b0),
            _ => V::Unknown,
        },
    }
}

/// A bound value as an evaluation value.
pub fn of_bound<'e>(v: &Value, input: &'e Input) -> V<'e> {
    let name = |i: u32| match &input.ty {
        ValueType::Enum { values } | ValueType::Set { values } => values.get(i as usize).map(String::as_str),
        _ => None,
    };
    match v {
        Value::Bool(b) => V::Bool(Some(*b)),
        Value::Num(x) => V::Num(*x, *x),
        Value::Date(d) => V::Date(Some(*d)),
        Value::Duration(d) => V::Dur(Some(*d)),
        Value::Text(t) => V::Text(Some(std::borrow::Cow::Owned(t.clone()))),
        Value::Enum(i) => V::Enum(name(*i)),
        Value::Set(mask) => V::Set(Some(*mask)),
    }
}

/// What an unknown input could be.
pub fn unknown_of(input: &Input) -> V<'_> {
    match input.ty {
        ValueType::Boolean => V::Bool(None),
        ValueType::Integer | ValueType::Decimal => match input.range {
            Some((lo, hi)) => V::Num(lo, hi),
            None => V::Num(f64::NEG_INFINITY, f64::INFINITY),
        },
        ValueType::Date => V::Date(None),
        ValueType::Duration => V::Dur(None),
        ValueType::Text => V::Text(None),
        ValueType::Enum { .. } => V::Enum(None),
        ValueType::Set { .. } => V::Set(None),
    }
}

/// The points an item scores: exact when answered, its whole span when not.
pub fn points_of(input: &Input, v: Option<&Value>) -> Option<(f64, f64)> {
    match (&input.scoring, v) {
        (Some(Scoring::Boolean), Some(Value::Bool(b))) => Some(if *b { (1.0, 1.0) } else { (0.0, 0.0) }),
        (Some(Scoring::Boolean), None) => Some((0.0, 1.0)),
        (Some(Scoring::Integer { lo, hi, reverse }), Some(Value::Num(x))) => {
            let p = if *reverse { lo + hi - x } else { *x };
            Some((p, p))
        }
        (Some(Scoring::Integer { lo, hi, .. }), None) => Some((*lo, *hi)),
        (Some(Scoring::Choice { points }), Some(Value::Enum(i))) => points.get(*i as usize).map(|p| (*p, *p)),
        (Some(Scoring::Choice { points }), None) => {
            let lo = points.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = points.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo <= hi).then_some((lo, hi))
        }
        _ => None,
    }
}

/// A set of input indices: what would decide an undecided result. Inputs
/// below 128 are bits, so most guidelines never allocate for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    small: u128,
    large: Vec<u32>,
}

impl Needs {
    pub fn insert(&mut self, i: u32) {
        if i < 128 {
            self.small |= 1 << i;
        } else if !self.large.contains(&i) {
            self.large.push(i);
        }
    }

    pub fn extend(&mut self, other: &Needs) {
        self.small |= other.small;
        for i in &other.large {
            if !self.large.contains(i) {
                self.large.push(*i);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.small == 0 && self.large.is_empty()
    }

    /// The set as bits, when every index is below 128.
    pub fn small(&self) -> Option<u128> {
        self.large.is_empty().then_some(self.small)
    }

    /// How many indices there are.
    pub fn len(&self) -> usize {
        self.small.count_ones() as usize + self.large.len()
    }

    /// The indices in ascending order, without a list in between when all
    /// are below 128 (a result's `needs` is read from this per patient).
    pub fn sorted(&self) -> impl Iterator<Item = u32> + '_ {
        let bits = std::iter::successors(Some(self.small), |b| Some(b & b.wrapping_sub(1)))
            .take_while(|b| *b != 0)
            .map(|b| b.trailing_zeros());
        // Cloning an empty list does not allocate.
        let mut large = self.large.clone();
        large.sort_unstable();
        bits.chain(large)
    }
}

#[cfg(test)]
mod needs_tests {
    use super::Needs;

    #[test]
    fn bits_and_overflow() {
        let mut n = Needs::default();
        n.insert(3);
        n.insert(200);
        n.insert(0);
        let mut m = Needs::default();
        m.insert(127);
        m.insert(200);
        m.insert(130);
        n.extend(&m);
        assert_eq!(n.sorted().collect::<Vec<_>>(), vec![0, 3, 127, 130, 200]);
        assert_eq!(n.len(), 5);
        assert!(Needs::default().is_empty());
    }
}
