//! Expressions of the artifact as SQL expressions, with the evaluator's
//! meaning: SQL's NULL is the evaluator's unknown, and SQL's AND, OR and
//! NOT are Kleene's, as the evaluator's are. What the evaluator keeps as
//! an interval (a sum with unanswered items) is two DOUBLE columns; a
//! duration is three BIGINT ones (months, days, minutes), kept apart as
//! the evaluator keeps them.
//!
//! Every function here mirrors one in `guidepath-eval` (named in its
//! comment); the differential tests (`tests/sql/`) hold them to it.

use crate::query::Builder;
use crate::SqlError;
use guidepath_ir::calendar::format_date;
use guidepath_ir::{CmpOp, Duration, Expr, Scoring, SetOp, Unit, ValueType};
use std::collections::BTreeMap;

/// A value during evaluation, as SQL. The static kind is the evaluator's
/// `V` variant; the SQL is the value (NULL where the evaluator's is
/// unknown).
#[derive(Debug, Clone)]
pub(crate) enum Sv {
    Bool(String),
    /// An interval of DOUBLEs, never NULL for valid data.
    Num {
        lo: String,
        hi: String,
    },
    /// A constant with its unit.
    Qty(f64, Option<Unit>),
    Date(String),
    /// Months, days, minutes: all NULL or none.
    Dur {
        m: String,
        d: String,
        t: String,
    },
    Text(String),
    Enum(String),
    /// An array of texts and the values of its enum, in order.
    Set {
        sql: String,
        values: Vec<String>,
    },
    /// What the evaluator's `V::Unknown` is, for every row.
    Unknown,
}

const NULL_BOOL: &str = "CAST(NULL AS BOOLEAN)";

/// The input fields a result needs, as BIGINT bit masks of 62 inputs a
/// word (BIGINT has 63 bits besides its sign): word → SQL expression and
/// the bits it may set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mask(pub BTreeMap<usize, (String, u64)>);

pub(crate) const WORD_BITS: usize = 62;

impl Mask {
    /// Input `i` when `col` is NULL.
    pub fn missing(i: u32, col: &str) -> Mask {
        let (w, b) = (i as usize / WORD_BITS, i as usize % WORD_BITS);
        let bit = 1i64 << b;
        Mask([(w, (format!("CASE WHEN {col} IS NULL THEN CAST({bit} AS BIGINT) ELSE 0 END"), 1u64 << b))].into())
    }

    pub fn or(mut self, other: Mask) -> Mask {
        for (w, (e, bits)) in other.0 {
            let merged = match self.0.remove(&w) {
                Some((a, abits)) => (format!("({a} | {e})"), abits | bits),
                None => (e, bits),
            };
            self.0.insert(w, merged);
        }
        self
    }

    /// This mask where `cond` holds (never NULL), else empty.
    pub fn when(self, cond: &str) -> Mask {
        Mask(
            self.0
                .into_iter()
                .map(|(w, (e, bits))| (w, (format!("CASE WHEN {cond} THEN {e} ELSE 0 END"), bits)))
                .collect(),
        )
    }
}

impl Builder<'_> {
    fn d(&self, x: f64) -> String {
        self.dialect.double(x)
    }

    /// `Evaluator::cond`: a condition's value; anything not a condition is
    /// unknown.
    pub(crate) fn cond(&mut self, e: &Expr) -> Result<String, SqlError> {
        Ok(match self.lower(e)? {
            Sv::Bool(s) => s,
            _ => NULL_BOOL.into(),
        })
    }

    /// `V::is_known`, never NULL.
    pub(crate) fn known(&self, v: &Sv) -> String {
        match v {
            Sv::Bool(s) | Sv::Date(s) | Sv::Text(s) | Sv::Enum(s) => format!("({s} IS NOT NULL)"),
            Sv::Set { sql, .. } => format!("({sql} IS NOT NULL)"),
            Sv::Num { lo, hi } => format!("COALESCE({lo} = {hi}, FALSE)"),
            Sv::Qty(..) => "TRUE".into(),
            Sv::Dur { m, .. } => format!("({m} IS NOT NULL)"),
            Sv::Unknown => "FALSE".into(),
        }
    }

    /// `Evaluator::expr`.
    pub(crate) fn lower(&mut self, e: &Expr) -> Result<Sv, SqlError> {
        self.nested(|b| b.lower_inner(e))
    }

    fn lower_inner(&mut self, e: &Expr) -> Result<Sv, SqlError> {
        Ok(match e {
            Expr::Bool(x) => Sv::Bool(if *x { "TRUE" } else { "FALSE" }.into()),
            Expr::Quantity { value, unit } => Sv::Qty(*value, *unit),
            Expr::Date(d) => Sv::Date(format!("DATE '{}'", format_date(*d))),
            Expr::Text(t) => Sv::Text(self.dialect.string(t)),
            Expr::Input(i) => self.input_value(*i)?,
            Expr::Points(i) => self.points(*i)?,
            Expr::Node(n) => self.node_value(*n),
            Expr::Labeled { expr, .. } => self.lower(expr)?,
            Expr::Not(x) => Sv::Bool(format!("(NOT {})", self.cond(x)?)),
            Expr::And(xs) | Expr::Or(xs) => {
                let (op, empty) = if matches!(e, Expr::And(_)) { ("AND", "TRUE") } else { ("OR", "FALSE") };
                if xs.is_empty() {
                    Sv::Bool(empty.into())
                } else {
                    let parts = xs.iter().map(|x| self.cond(x)).collect::<Result<Vec<_>, _>>()?;
                    Sv::Bool(format!("({})", parts.join(&format!(" {op} "))))
                }
            }
            Expr::Compare { op, lhs, rhs } => {
                let l = self.lower(lhs)?;
                let r = self.lower(rhs)?;
                Sv::Bool(self.compare(*op, &l, &r))
            }
            Expr::InRange { expr, lo, hi, unit, negated } => {
                let v = self.lower(expr)?;
                let t = match &v {
                    Sv::Dur { .. } => {
                        let ge = self.compare(CmpOp::Ge, &v, &Sv::Qty(*lo, *unit));
                        let le = self.compare(CmpOp::Le, &v, &Sv::Qty(*hi, *unit));
                        format!("({ge} AND {le})")
                    }
                    other => match self.interval(other) {
                        Some((a, z)) => {
                            let (lo, hi) = (self.d(*lo), self.d(*hi));
                            format!(
                                "CASE WHEN {a} >= {lo} AND {z} <= {hi} THEN TRUE \
                                 WHEN {z} < {lo} OR {a} > {hi} THEN FALSE ELSE {NULL_BOOL} END"
                            )
                        }
                        None => NULL_BOOL.into(),
                    },
                };
                Sv::Bool(if *negated { format!("(NOT {t})") } else { t })
            }
            Expr::InStratum { node, stratum, negated } => {
                let m = self.member(*node, *stratum);
                Sv::Bool(if *negated { format!("(NOT {m})") } else { m })
            }
            Expr::IsValue { expr, value, negated } => match self.lower(expr)? {
                Sv::Enum(s) => {
                    let op = if *negated { "<>" } else { "=" };
                    Sv::Bool(format!("({s} {op} {})", self.dialect.string(value)))
                }
                _ => Sv::Bool(NULL_BOOL.into()),
            },
            Expr::SetTest { expr, op, values, mask } => {
                let v = self.lower(expr)?;
                Sv::Bool(self.set_test(&v, *op, values, *mask))
            }
            Expr::Sum { terms } if terms.iter().all(|(_, t)| matches!(t, Expr::Points(_))) => {
                // The evaluator's score path: item intervals added from 0.
                let (mut lo, mut hi) = (self.d(0.0), self.d(0.0));
                for (plus, t) in terms {
                    let Expr::Points(i) = t else { continue };
                    let Sv::Num { lo: a, hi: z } = self.points(*i)? else { return Ok(Sv::Unknown) };
                    if *plus {
                        lo = format!("({lo} + {a})");
                        hi = format!("({hi} + {z})");
                    } else {
                        lo = format!("({lo} - {z})");
                        hi = format!("({hi} - {a})");
                    }
                }
                Sv::Num { lo, hi }
            }
            Expr::Sum { terms } => {
                let mut acc: Option<Sv> = None;
                for (plus, t) in terms {
                    let v = self.lower(t)?;
                    acc = Some(match acc {
                        None if *plus => v,
                        None => negate(v),
                        Some(a) => self.add(a, v, *plus),
                    });
                }
                acc.unwrap_or_else(|| Sv::Num { lo: self.d(0.0), hi: self.d(0.0) })
            }
        })
    }

    /// `value::of_bound` and `value::unknown_of`.
    fn input_value(&mut self, i: u32) -> Result<Sv, SqlError> {
        let input = self.input(i)?;
        let col = self.typed_col(i);
        Ok(match &input.ty {
            ValueType::Boolean => Sv::Bool(col),
            ValueType::Integer | ValueType::Decimal => {
                let (lo, hi) = input.range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
                Sv::Num {
                    lo: format!("COALESCE({col}, {})", self.d(lo)),
                    hi: format!("COALESCE({col}, {})", self.d(hi)),
                }
            }
            ValueType::Date => Sv::Date(col),
            ValueType::Duration => {
                let (m, d, t) = self.duration_cols(i);
                Sv::Dur { m, d, t }
            }
            ValueType::Text => Sv::Text(col),
            ValueType::Enum { .. } => Sv::Enum(col),
            ValueType::Set { values } => Sv::Set { sql: col, values: values.clone() },
        })
    }

    /// `value::points_of`.
    fn points(&mut self, i: u32) -> Result<Sv, SqlError> {
        let input = self.input(i)?;
        let col = self.typed_col(i);
        let mismatch = || SqlError::Unsupported {
            construct: format!("the scoring of `{}`, which does not fit its type", input.path),
            at: None,
            dialect: self.dialect.name(),
        };
        let d = |x: f64| self.d(x);
        Ok(match (&input.scoring, &input.ty) {
            (Some(Scoring::Boolean), ValueType::Boolean) => Sv::Num {
                lo: format!("CASE WHEN {col} THEN {} ELSE {} END", d(1.0), d(0.0)),
                hi: format!("CASE WHEN {col} IS NULL OR {col} THEN {} ELSE {} END", d(1.0), d(0.0)),
            },
            (Some(Scoring::Integer { lo, hi, reverse }), ValueType::Integer | ValueType::Decimal) => {
                let p = if *reverse { format!("(({} + {}) - {col})", d(*lo), d(*hi)) } else { col };
                Sv::Num { lo: format!("COALESCE({p}, {})", d(*lo)), hi: format!("COALESCE({p}, {})", d(*hi)) }
            }
            (Some(Scoring::Choice { points }), ValueType::Enum { values }) => {
                let lo = points.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = points.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo > hi {
                    return Ok(Sv::Unknown);
                }
                let arms: String = values
                    .iter()
                    .zip(points)
                    .map(|(v, p)| format!(" WHEN {} THEN {}", self.dialect.string(v), d(*p)))
                    .collect();
                let p = format!("CASE {col}{arms} END");
                Sv::Num { lo: format!("COALESCE({p}, {})", d(lo)), hi: format!("COALESCE({p}, {})", d(hi)) }
            }
            (None, _) => Sv::Unknown,
            _ => return Err(mismatch()),
        })
    }

    /// `V::interval`.
    fn interval(&self, v: &Sv) -> Option<(String, String)> {
        match v {
            Sv::Num { lo, hi } => Some((lo.clone(), hi.clone())),
            Sv::Qty(x, _) => Some((self.d(*x), self.d(*x))),
            _ => None,
        }
    }

    /// `V::as_duration`; `None` for what is never a duration.
    fn as_duration(&self, v: &Sv) -> Option<(String, String, String)> {
        match v {
            Sv::Dur { m, d, t } => Some((m.clone(), d.clone(), t.clone())),
            Sv::Qty(x, Some(u)) => {
                let d = Duration::of(*x, *u)?;
                Some((d.months.to_string(), d.days.to_string(), d.minutes.to_string()))
            }
            _ => None,
        }
    }

    /// The evaluator's `compare`: three-valued.
    pub(crate) fn compare(&self, op: CmpOp, l: &Sv, r: &Sv) -> String {
        let sym = match op {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        };
        match (l, r) {
            (Sv::Dur { .. }, _) | (_, Sv::Dur { .. }) => match (self.as_duration(l), self.as_duration(r)) {
                (Some(a), Some(b)) => format!("({} {sym} 0)", duration_order(a, b)),
                _ => NULL_BOOL.into(),
            },
            (Sv::Date(a), Sv::Date(b)) | (Sv::Bool(a), Sv::Bool(b)) => format!("({a} {sym} {b})"),
            (Sv::Text(a), Sv::Text(b)) | (Sv::Enum(a), Sv::Enum(b)) => self.dialect.text_cmp(a, sym, b),
            _ => {
                let (Some((a0, a1)), Some((b0, b1))) = (self.interval(l), self.interval(r)) else {
                    return NULL_BOOL.into();
                };
                // Decided when every pair of values of the two intervals
                // agrees (for points, the ordinary comparison).
                let (yes, no) = match op {
                    CmpOp::Lt => (format!("{a1} < {b0}"), format!("{a0} >= {b1}")),
                    CmpOp::Le => (format!("{a1} <= {b0}"), format!("{a0} > {b1}")),
                    CmpOp::Gt => (format!("{a0} > {b1}"), format!("{a1} <= {b0}")),
                    CmpOp::Ge => (format!("{a0} >= {b1}"), format!("{a1} < {b0}")),
                    CmpOp::Eq | CmpOp::Ne => {
                        let eq = format!("{a0} = {a1} AND {b0} = {b1} AND {a0} = {b0}");
                        let apart = format!("{a1} < {b0} OR {b1} < {a0}");
                        if op == CmpOp::Eq {
                            (eq, apart)
                        } else {
                            (apart, eq)
                        }
                    }
                };
                format!("CASE WHEN {yes} THEN TRUE WHEN {no} THEN FALSE ELSE {NULL_BOOL} END")
            }
        }
    }

    fn set_test(&self, v: &Sv, op: SetOp, values: &[String], mask: u64) -> String {
        let lits = |names: &[&String]| names.iter().map(|s| self.dialect.string(s)).collect::<Vec<_>>();
        match (v, op) {
            (Sv::Set { sql, values: all }, _) => {
                // The evaluator tests the mask's bits, which name values of
                // the set's enum.
                let names: Vec<&String> =
                    all.iter().enumerate().filter(|(k, _)| *k < 64 && mask & (1 << k) != 0).map(|(_, v)| v).collect();
                let has: Vec<String> = lits(&names).iter().map(|l| self.dialect.contains(sql, l)).collect();
                let body = match op {
                    SetOp::AnyOf if has.is_empty() => "FALSE".into(),
                    SetOp::AnyOf => format!("({})", has.join(" OR ")),
                    SetOp::NoneOf if has.is_empty() => "TRUE".into(),
                    SetOp::NoneOf => format!("(NOT ({}))", has.join(" OR ")),
                    SetOp::AllOf if has.is_empty() => "TRUE".into(),
                    SetOp::AllOf => format!("({})", has.join(" AND ")),
                };
                format!("CASE WHEN {sql} IS NULL THEN {NULL_BOOL} ELSE {body} END")
            }
            (Sv::Enum(s), SetOp::AnyOf | SetOp::NoneOf) => {
                let names: Vec<&String> = values.iter().collect();
                let list = lits(&names).join(", ");
                let any = if list.is_empty() { "FALSE".to_string() } else { format!("{s} IN ({list})") };
                let body = if op == SetOp::AnyOf { any } else { format!("(NOT {any})") };
                format!("CASE WHEN {s} IS NULL THEN {NULL_BOOL} ELSE {body} END")
            }
            _ => NULL_BOOL.into(),
        }
    }

    /// `value::add`.
    fn add(&self, a: Sv, b: Sv, plus: bool) -> Sv {
        if let Sv::Date(d) = &a {
            return match self.as_duration(&b) {
                Some(dur) => Sv::Date(self.add_duration(d, &dur, plus)),
                None => Sv::Date("CAST(NULL AS DATE)".into()),
            };
        }
        if matches!(a, Sv::Dur { .. }) || matches!(b, Sv::Dur { .. }) {
            return match (self.as_duration(&a), self.as_duration(&b)) {
                (Some((m1, d1, t1)), Some((m2, d2, t2))) => {
                    let s = if plus { "+" } else { "-" };
                    Sv::Dur {
                        m: format!("({m1} {s} {m2})"),
                        d: format!("({d1} {s} {d2})"),
                        t: format!("({t1} {s} {t2})"),
                    }
                }
                _ => null_duration(),
            };
        }
        match (self.interval(&a), self.interval(&b)) {
            (Some((a0, a1)), Some((b0, b1))) if plus => {
                Sv::Num { lo: format!("({a0} + {b0})"), hi: format!("({a1} + {b1})") }
            }
            (Some((a0, a1)), Some((b0, b1))) => Sv::Num { lo: format!("({a0} - {b1})"), hi: format!("({a1} - {b0})") },
            _ => Sv::Unknown,
        }
    }

    /// `calendar::add_duration`: months first (clamped to the month's
    /// end), then days and whole days of minutes.
    pub(crate) fn add_duration(&self, date: &str, dur: &(String, String, String), plus: bool) -> String {
        let (m, d, t) = dur;
        let s = if plus { "" } else { "-" };
        let months = self.dialect.add_months(date, &format!("({s}{m})"));
        let days = format!("({s}({d} + {}))", self.dialect.floor_div(t, 24 * 60));
        self.dialect.add_days(&months, &days)
    }

    /// The fields whose absence keeps `e` open: `Evaluator::why`'s needs.
    pub(crate) fn needs(&mut self, e: &Expr) -> Result<Mask, SqlError> {
        self.nested(|b| b.needs_inner(e))
    }

    fn needs_inner(&mut self, e: &Expr) -> Result<Mask, SqlError> {
        Ok(match e {
            Expr::Input(i) | Expr::Points(i) => Mask::missing(*i, &self.raw_col(*i)),
            Expr::Node(n) => self.node_needs(*n),
            Expr::InStratum { node, stratum, .. } => self.membership_needs(*node, *stratum),
            Expr::Labeled { expr, .. } | Expr::Not(expr) => self.needs(expr)?,
            Expr::And(xs) | Expr::Or(xs) => {
                let mut out = Mask::default();
                for x in xs {
                    let v = self.lower(x)?;
                    let open = format!("(NOT {})", self.known(&v));
                    out = out.or(self.needs(x)?.when(&open));
                }
                out
            }
            Expr::Sum { terms } => {
                let mut out = Mask::default();
                for (_, t) in terms {
                    out = out.or(self.needs(t)?);
                }
                out
            }
            Expr::Compare { .. } | Expr::InRange { .. } | Expr::IsValue { .. } | Expr::SetTest { .. } => {
                let mut operands = Vec::new();
                e.push_children(&mut operands);
                let mut out = Mask::default();
                for o in operands {
                    out = out.or(self.needs(o)?);
                }
                out
            }
            Expr::Bool(_) | Expr::Quantity { .. } | Expr::Date(_) | Expr::Text(_) => Mask::default(),
        })
    }
}

/// `V::negate` (dates and durations are left as they are, as there).
fn negate(v: Sv) -> Sv {
    match v {
        Sv::Num { lo, hi } => Sv::Num { lo: format!("(- {hi})"), hi: format!("(- {lo})") },
        Sv::Qty(x, u) => Sv::Qty(-x, u),
        other => other,
    }
}

pub(crate) fn null_duration() -> Sv {
    let n = "CAST(NULL AS BIGINT)".to_string();
    Sv::Dur { m: n.clone(), d: n.clone(), t: n }
}

/// `Duration::compare` as an SQL expression: -1, 0 or 1, NULL when a
/// month's length would decide it.
fn duration_order(a: (String, String, String), b: (String, String, String)) -> String {
    const DAY: i64 = 24 * 60;
    const MONTH_MIN: i64 = 28 * DAY;
    let (am, ad, at) = a;
    let (bm, bd, bt) = b;
    let sign = |x: &str, y: &str| format!("CASE WHEN {x} < {y} THEN -1 WHEN {x} > {y} THEN 1 ELSE 0 END");
    let ra = format!("({ad} * {DAY} + {at})");
    let rb = format!("({bd} * {DAY} + {bt})");
    let bounds = |m: &str, r: &str| {
        let (short, long) = (format!("({m} * {MONTH_MIN})"), format!("({m} * {})", 31 * DAY));
        (format!("({r} + LEAST({short}, {long}))"), format!("({r} + GREATEST({short}, {long}))"))
    };
    let (alo, ahi) = bounds(&am, &ra);
    let (blo, bhi) = bounds(&bm, &rb);
    format!(
        "CASE WHEN {ad} = {bd} AND {at} = {bt} THEN {months} \
         WHEN {am} = {bm} THEN {rest} \
         WHEN {ra} >= 0 AND {ra} < {MONTH_MIN} AND {rb} >= 0 AND {rb} < {MONTH_MIN} THEN {months} \
         WHEN {ahi} < {blo} THEN -1 WHEN {alo} > {bhi} THEN 1 END",
        months = sign(&am, &bm),
        rest = sign(&ra, &rb),
    )
}
