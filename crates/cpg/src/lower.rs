//! Expressions of the artifact as ELM, with the evaluator's meaning: CQL's
//! null is the evaluator's unknown, and CQL's `and`, `or` and `not` are
//! Kleene's, as the evaluator's are. What the evaluator keeps as an
//! interval (a sum with unanswered items) is two Decimals, the lowest and
//! the highest, where null is unbounded (below for the lowest, above for
//! the highest); a duration is three Integers (months, days, minutes),
//! kept apart as the evaluator keeps them, because CQL gives a month a
//! fixed length and the evaluator does not.
//!
//! Every function here mirrors one of `guidepath-eval` (named in its
//! comment), as `guidepath-sql`'s lowering does; the differential test
//! (`tests/cpg/`) holds the ELM to the evaluator in cql-execution.

use crate::elm::{self, and, binary, boolean, case, coalesce, if_, integer, is_null_of, not, null, or};
use crate::CpgError;
use guidepath_ir::calendar::civil_from_days;
use guidepath_ir::{Artifact, CmpOp, Duration, Expr, Scoring, SetOp, Unit, ValueType, MAX_EXPR_DEPTH};
use serde_json::Value as J;

/// A value during evaluation, as ELM. The static kind is the evaluator's
/// `V` variant; the ELM is the value (null where the evaluator's is
/// unknown).
#[derive(Debug, Clone)]
pub(crate) enum Ev {
    Bool(J),
    /// Lowest and highest Decimal; null is unbounded.
    Num {
        lo: J,
        hi: J,
    },
    /// A constant with its unit.
    Qty(f64, Option<Unit>),
    Date(J),
    /// Months, days, minutes: all null or none.
    Dur {
        m: J,
        d: J,
        t: J,
    },
    Text(J),
    Enum(J),
    /// A list of Strings, and the values of its enum in order.
    Set {
        list: J,
        values: Vec<String>,
    },
    /// The evaluator's `V::Unknown`, for every patient.
    Unknown,
}

/// Where the builder is, for the messages of what it refuses.
pub(crate) struct Builder<'a> {
    pub art: &'a Artifact,
    depth: usize,
    /// The rule being lowered: `recommendation \`x\` (file:line:col)`.
    pub place: String,
    /// The value of each input (ExpressionRefs), set by `read`.
    pub inputs: Vec<Ev>,
    /// Each node's value and, for stratifications, its strata's
    /// memberships (ExpressionRefs).
    pub nodes: Vec<(Option<Ev>, Vec<J>)>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(art: &'a Artifact) -> Builder<'a> {
        Builder {
            art,
            depth: 0,
            place: String::new(),
            inputs: Vec::new(),
            nodes: vec![(None, Vec::new()); art.nodes.len()],
        }
    }

    pub(crate) fn refuse(&self, construct: impl Into<String>) -> CpgError {
        CpgError::Unsupported { construct: construct.into(), at: self.place.clone() }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, CpgError>) -> Result<T, CpgError> {
        if self.depth >= 4 * MAX_EXPR_DEPTH {
            return Err(CpgError::TooDeep);
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    pub(crate) fn dec(&self, x: f64) -> Result<J, CpgError> {
        elm::decimal(x).ok_or_else(|| self.refuse(format!("the number {x}, which CQL's Decimal cannot hold")))
    }

    /// `Evaluator::cond`: a condition's value; anything not a condition is
    /// unknown.
    pub(crate) fn cond(&mut self, e: &Expr) -> Result<J, CpgError> {
        Ok(match self.lower(e)? {
            Ev::Bool(x) => x,
            _ => null(),
        })
    }

    /// `Evaluator::expr`.
    pub(crate) fn lower(&mut self, e: &Expr) -> Result<Ev, CpgError> {
        self.nested(|b| b.lower_inner(e))
    }

    fn lower_inner(&mut self, e: &Expr) -> Result<Ev, CpgError> {
        Ok(match e {
            Expr::Bool(x) => Ev::Bool(boolean(*x)),
            Expr::Quantity { value, unit } => Ev::Qty(*value, *unit),
            Expr::Date(d) => {
                let (y, m, dd) = civil_from_days(*d);
                Ev::Date(elm::date(y, m, dd))
            }
            Expr::Text(t) => Ev::Text(elm::string(t)),
            Expr::Input(i) => self
                .inputs
                .get(*i as usize)
                .cloned()
                .ok_or_else(|| CpgError::Invalid(format!("input {i} does not exist")))?,
            Expr::Points(i) => self.points(*i)?,
            Expr::Node(n) => self.nodes.get(*n as usize).and_then(|c| c.0.clone()).unwrap_or(Ev::Unknown),
            Expr::Labeled { expr, .. } => self.lower(expr)?,
            Expr::Not(x) => Ev::Bool(not(self.cond(x)?)),
            Expr::And(xs) | Expr::Or(xs) => {
                let parts = xs.iter().map(|x| self.cond(x)).collect::<Result<Vec<_>, _>>()?;
                Ev::Bool(if matches!(e, Expr::And(_)) { and(parts) } else { or(parts) })
            }
            Expr::Compare { op, lhs, rhs } => {
                let l = self.lower(lhs)?;
                let r = self.lower(rhs)?;
                Ev::Bool(self.compare(*op, &l, &r)?)
            }
            Expr::InRange { expr, lo, hi, unit, negated } => {
                let v = self.lower(expr)?;
                let t = match &v {
                    Ev::Dur { .. } => {
                        let ge = self.compare(CmpOp::Ge, &v, &Ev::Qty(*lo, *unit))?;
                        let le = self.compare(CmpOp::Le, &v, &Ev::Qty(*hi, *unit))?;
                        and(vec![ge, le])
                    }
                    other => match self.interval(other)? {
                        Some((a, z)) => {
                            let (lo, hi) = (self.dec(*lo)?, self.dec(*hi)?);
                            let inside = and(vec![
                                binary("GreaterOrEqual", a.clone(), lo.clone()),
                                binary("LessOrEqual", z.clone(), hi.clone()),
                            ]);
                            let outside = or(vec![binary("Less", z, lo), binary("Greater", a, hi)]);
                            case(vec![(inside, boolean(true)), (outside, boolean(false))], null())
                        }
                        None => null(),
                    },
                };
                Ev::Bool(if *negated { not(t) } else { t })
            }
            Expr::InStratum { node, stratum, negated } => {
                let m = self.member(*node, *stratum);
                Ev::Bool(if *negated { not(m) } else { m })
            }
            Expr::IsValue { expr, value, negated } => match self.lower(expr)? {
                Ev::Enum(s) => Ev::Bool(binary(if *negated { "NotEqual" } else { "Equal" }, s, elm::string(value))),
                _ => Ev::Bool(null()),
            },
            Expr::SetTest { expr, op, values, mask } => {
                let v = self.lower(expr)?;
                Ev::Bool(self.set_test(&v, *op, values, *mask))
            }
            Expr::Sum { terms } if terms.iter().all(|(_, t)| matches!(t, Expr::Points(_))) => {
                // The evaluator's score path: item intervals added from 0.
                let (mut lo, mut hi) = (self.dec(0.0)?, self.dec(0.0)?);
                for (plus, t) in terms {
                    let Expr::Points(i) = t else { continue };
                    let Ev::Num { lo: a, hi: z } = self.points(*i)? else { return Ok(Ev::Unknown) };
                    if *plus {
                        lo = binary("Add", lo, a);
                        hi = binary("Add", hi, z);
                    } else {
                        lo = binary("Subtract", lo, z);
                        hi = binary("Subtract", hi, a);
                    }
                }
                Ev::Num { lo, hi }
            }
            Expr::Sum { terms } => {
                let mut acc: Option<Ev> = None;
                for (plus, t) in terms {
                    let v = self.lower(t)?;
                    acc = Some(match acc {
                        None if *plus => v,
                        None => negate(v),
                        Some(a) => self.add(a, v, *plus)?,
                    });
                }
                match acc {
                    Some(v) => v,
                    None => Ev::Num { lo: self.dec(0.0)?, hi: self.dec(0.0)? },
                }
            }
        })
    }

    pub(crate) fn member(&self, n: u32, k: u32) -> J {
        match self.nodes.get(n as usize).and_then(|c| c.1.get(k as usize)) {
            Some(m) => m.clone(),
            None => null(),
        }
    }

    /// `value::points_of`.
    fn points(&mut self, i: u32) -> Result<Ev, CpgError> {
        let input =
            self.art.inputs.get(i as usize).ok_or_else(|| CpgError::Invalid(format!("input {i} does not exist")))?;
        let raw = crate::read::raw_ref(input);
        Ok(match (&input.scoring, &input.ty) {
            (Some(Scoring::Boolean), ValueType::Boolean) => Ev::Num {
                lo: if_(raw.clone(), self.dec(1.0)?, self.dec(0.0)?),
                hi: if_(or(vec![is_null_of(raw.clone()), raw]), self.dec(1.0)?, self.dec(0.0)?),
            },
            (Some(Scoring::Integer { lo, hi, reverse }), ValueType::Integer | ValueType::Decimal) => {
                let x = elm::to_decimal(raw);
                let p = if *reverse { binary("Subtract", binary("Add", self.dec(*lo)?, self.dec(*hi)?), x) } else { x };
                Ev::Num { lo: coalesce(vec![p.clone(), self.dec(*lo)?]), hi: coalesce(vec![p, self.dec(*hi)?]) }
            }
            (Some(Scoring::Choice { points }), ValueType::Enum { values }) => {
                let lo = points.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = points.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo > hi {
                    return Ok(Ev::Unknown);
                }
                let mut arms = Vec::new();
                for (v, p) in values.iter().zip(points) {
                    arms.push((binary("Equal", raw.clone(), elm::string(v)), self.dec(*p)?));
                }
                let p = case(arms, null());
                Ev::Num { lo: coalesce(vec![p.clone(), self.dec(lo)?]), hi: coalesce(vec![p, self.dec(hi)?]) }
            }
            (None, _) => Ev::Unknown,
            _ => return Err(self.refuse(format!("the scoring of `{}`, which does not fit its type", input.path))),
        })
    }

    /// `V::interval`.
    fn interval(&self, v: &Ev) -> Result<Option<(J, J)>, CpgError> {
        Ok(match v {
            Ev::Num { lo, hi } => Some((lo.clone(), hi.clone())),
            Ev::Qty(x, _) => Some((self.dec(*x)?, self.dec(*x)?)),
            _ => None,
        })
    }

    /// `V::as_duration`; `None` for what is never a duration.
    fn as_duration(&self, v: &Ev) -> Option<(J, J, J)> {
        match v {
            Ev::Dur { m, d, t } => Some((m.clone(), d.clone(), t.clone())),
            Ev::Qty(x, Some(u)) => {
                let d = Duration::of(*x, *u)?;
                Some((integer(d.months), integer(d.days), integer(d.minutes)))
            }
            _ => None,
        }
    }

    /// The evaluator's `compare`: three-valued.
    pub(crate) fn compare(&self, op: CmpOp, l: &Ev, r: &Ev) -> Result<J, CpgError> {
        let kind = match op {
            CmpOp::Eq => "Equal",
            CmpOp::Ne => "NotEqual",
            CmpOp::Lt => "Less",
            CmpOp::Le => "LessOrEqual",
            CmpOp::Gt => "Greater",
            CmpOp::Ge => "GreaterOrEqual",
        };
        let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
        Ok(match (l, r) {
            (Ev::Dur { .. }, _) | (_, Ev::Dur { .. }) => match (self.as_duration(l), self.as_duration(r)) {
                (Some(a), Some(b)) => binary(kind, duration_order(a, b), integer(0)),
                _ => null(),
            },
            (Ev::Date(a), Ev::Date(b)) => binary(kind, a.clone(), b.clone()),
            // CQL orders neither booleans nor the values of an enum, and
            // orders strings by UTF-16 code units where the evaluator
            // orders them by code points.
            (Ev::Bool(_), Ev::Bool(_)) | (Ev::Enum(_), Ev::Enum(_)) | (Ev::Text(_), Ev::Text(_)) if ordering => {
                return Err(self.refuse(format!("`{}` between two booleans, enum values or texts", op.symbol())))
            }
            (Ev::Bool(a), Ev::Bool(b)) | (Ev::Text(a), Ev::Text(b)) | (Ev::Enum(a), Ev::Enum(b)) => {
                binary(kind, a.clone(), b.clone())
            }
            _ => {
                let (Some((a0, a1)), Some((b0, b1))) = (self.interval(l)?, self.interval(r)?) else {
                    return Ok(null());
                };
                // Decided when every pair of values of the two intervals
                // agrees (for points, the ordinary comparison). A null
                // bound is unbounded, and every test below with one is
                // null, so not taken: the comparison stays open, as with
                // the evaluator's infinities.
                let c = |k: &str, x: &J, y: &J| binary(k, x.clone(), y.clone());
                let (yes, no) = match op {
                    CmpOp::Lt => (c("Less", &a1, &b0), c("GreaterOrEqual", &a0, &b1)),
                    CmpOp::Le => (c("LessOrEqual", &a1, &b0), c("Greater", &a0, &b1)),
                    CmpOp::Gt => (c("Greater", &a0, &b1), c("LessOrEqual", &a1, &b0)),
                    CmpOp::Ge => (c("GreaterOrEqual", &a0, &b1), c("Less", &a1, &b0)),
                    CmpOp::Eq | CmpOp::Ne => {
                        let eq = and(vec![c("Equal", &a0, &a1), c("Equal", &b0, &b1), c("Equal", &a0, &b0)]);
                        let apart = or(vec![c("Less", &a1, &b0), c("Less", &b1, &a0)]);
                        if op == CmpOp::Eq {
                            (eq, apart)
                        } else {
                            (apart, eq)
                        }
                    }
                };
                case(vec![(yes, boolean(true)), (no, boolean(false))], null())
            }
        })
    }

    fn set_test(&self, v: &Ev, op: SetOp, values: &[String], mask: u64) -> J {
        match (v, op) {
            (Ev::Set { list, values: all }, _) => {
                // The evaluator tests the mask's bits, which name values of
                // the set's enum.
                let has: Vec<J> = all
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k < 64 && mask & (1 << k) != 0)
                    .map(|(_, v)| elm::in_list(elm::string(v), list.clone()))
                    .collect();
                let body = match op {
                    SetOp::AnyOf => or(has),
                    SetOp::NoneOf => not(or(has)),
                    SetOp::AllOf => and(has),
                };
                if_(is_null_of(list.clone()), null(), body)
            }
            (Ev::Enum(s), SetOp::AnyOf | SetOp::NoneOf) => {
                let any = elm::in_list(s.clone(), elm::list(values.iter().map(|v| elm::string(v)).collect()));
                let body = if op == SetOp::AnyOf { any } else { not(any) };
                if_(is_null_of(s.clone()), null(), body)
            }
            _ => null(),
        }
    }

    /// `value::add`.
    fn add(&self, a: Ev, b: Ev, plus: bool) -> Result<Ev, CpgError> {
        if let Ev::Date(d) = &a {
            return Ok(match &b {
                // Only a constant duration: CQL adds a computed one in its
                // own units, which would need them built at run time.
                Ev::Qty(x, Some(u)) => match Duration::of(*x, *u) {
                    Some(dur) => Ev::Date(add_duration(d.clone(), dur, plus)),
                    None => Ev::Date(null()),
                },
                Ev::Dur { .. } => return Err(self.refuse("a date plus or minus a duration that is not a constant")),
                _ => Ev::Date(null()),
            });
        }
        if matches!(a, Ev::Dur { .. }) || matches!(b, Ev::Dur { .. }) {
            return Ok(match (self.as_duration(&a), self.as_duration(&b)) {
                (Some((m1, d1, t1)), Some((m2, d2, t2))) => {
                    let k = if plus { "Add" } else { "Subtract" };
                    Ev::Dur { m: binary(k, m1, m2), d: binary(k, d1, d2), t: binary(k, t1, t2) }
                }
                _ => Ev::Dur { m: null(), d: null(), t: null() },
            });
        }
        Ok(match (self.interval(&a)?, self.interval(&b)?) {
            (Some((a0, a1)), Some((b0, b1))) if plus => {
                Ev::Num { lo: binary("Add", a0, b0), hi: binary("Add", a1, b1) }
            }
            (Some((a0, a1)), Some((b0, b1))) => {
                Ev::Num { lo: binary("Subtract", a0, b1), hi: binary("Subtract", a1, b0) }
            }
            _ => Ev::Unknown,
        })
    }
}

/// `calendar::add_duration` for a constant duration: months first (CQL
/// clamps to the month's end, as the calendar does), then days and whole
/// days of minutes.
pub(crate) fn add_duration(date: J, d: Duration, plus: bool) -> J {
    let days = d.days + d.minutes.div_euclid(24 * 60);
    let (m, days) = if plus { (d.months, days) } else { (-d.months, -days) };
    let kind = |n: i64| if n < 0 { "Subtract" } else { "Add" };
    let mut out = date;
    if m != 0 {
        out = binary(kind(m), out, elm::quantity(m.abs(), "month"));
    }
    if days != 0 {
        out = binary(kind(days), out, elm::quantity(days.abs(), "day"));
    }
    out
}

/// `V::negate` (dates and durations are left as they are, as there).
fn negate(v: Ev) -> Ev {
    match v {
        Ev::Num { lo, hi } => Ev::Num { lo: elm::unary("Negate", hi), hi: elm::unary("Negate", lo) },
        Ev::Qty(x, u) => Ev::Qty(-x, u),
        other => other,
    }
}

/// `Duration::compare` as ELM: -1, 0 or 1, null when a month's length
/// would decide it.
fn duration_order(a: (J, J, J), b: (J, J, J)) -> J {
    const DAY: i64 = 24 * 60;
    const MONTH_MIN: i64 = 28 * DAY;
    let (am, ad, at) = a;
    let (bm, bd, bt) = b;
    let sign = |x: &J, y: &J| {
        case(
            vec![
                (binary("Less", x.clone(), y.clone()), integer(-1)),
                (binary("Greater", x.clone(), y.clone()), integer(1)),
            ],
            integer(0),
        )
    };
    let rest = |d: &J, t: &J| binary("Add", binary("Multiply", d.clone(), integer(DAY)), t.clone());
    let (ra, rb) = (rest(&ad, &at), rest(&bd, &bt));
    let bounds = |m: &J, r: &J| {
        let short = binary("Multiply", m.clone(), integer(MONTH_MIN));
        let long = binary("Multiply", m.clone(), integer(31 * DAY));
        (
            binary("Add", r.clone(), elm::min_of(vec![short.clone(), long.clone()])),
            binary("Add", r.clone(), elm::max_of(vec![short, long])),
        )
    };
    let (alo, ahi) = bounds(&am, &ra);
    let (blo, bhi) = bounds(&bm, &rb);
    let under = |r: &J| {
        and(vec![binary("GreaterOrEqual", r.clone(), integer(0)), binary("Less", r.clone(), integer(MONTH_MIN))])
    };
    case(
        vec![
            (
                and(vec![binary("Equal", ad.clone(), bd.clone()), binary("Equal", at.clone(), bt.clone())]),
                sign(&am, &bm),
            ),
            (binary("Equal", am.clone(), bm.clone()), sign(&ra, &rb)),
            (and(vec![under(&ra), under(&rb)]), sign(&am, &bm)),
            (binary("Less", ahi, blo), integer(-1)),
            (binary("Greater", alo, bhi), integer(1)),
        ],
        null(),
    )
}
