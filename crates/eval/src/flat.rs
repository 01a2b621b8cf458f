//! Evaluation as one flat program: the artifact compiled, once, into
//! operations in evaluation order over a small stack of truth values.
//!
//! The tree walk (`Evaluator::walk`) pays a call, a wide match and a moved
//! `V` for every node of every condition, and a call for every condition.
//! Here a patient is one loop: connectives (`and`, `or`, `not`, labels)
//! are one operation each over bytes, the common tests are decided where
//! the data is (a boolean input; a number or duration input, or a node,
//! against a constant; an answer against the values a test names; a
//! stratum membership; a score's points), and results are stored as they
//! are found. Anything else is an atom the tree walk evaluates, and a
//! definition of another type is the tree walk's node, so every result is
//! the tree walk's: each typed operation computes what the tree walk
//! computes for every value it can meet (`tests/needs.rs` holds the two to
//! each other on generated patients of the shipped and of random
//! guidelines and on bound values of any type, and so does the `patient`
//! fuzz target).

use crate::bind::{Bound, Value};
use crate::value::{self, Tri, V};
use crate::why::Open;
use crate::{compare, in_range, membership, Evaluator, NodeValue, Parts, StepValue, Strat};
use guidepath_ir::{Artifact, CmpOp, Expr, NodeKind, SetOp, Unit, ValueType};

/// Deepest stack one condition may need; a deeper condition is an atom.
/// A power of two: places on the stack are taken modulo its size, which
/// keeps every access in bounds without a check (the compiler bounds the
/// depth, and a program that does not end with an empty stack is not
/// trusted: see `run`).
const STACK: usize = 32;
const MASK: usize = STACK - 1;

/// Truth values on the stack, ordered false < unknown < true so that
/// Kleene `and` is the least and `or` the greatest.
const FALSE: u8 = 0;
const UNKNOWN: u8 = 1;
const TRUE: u8 = 2;

pub(crate) struct Program {
    ops: Box<[Op]>,
    /// The text constants the operations compare with.
    texts: Vec<String>,
    /// The constants durations are compared with.
    durations: Vec<Constant>,
    compares: Vec<Compare>,
    ranges: Vec<InRange>,
    choices: Vec<Choice>,
    /// Subexpressions no operation decides, for the tree walk.
    atoms: Vec<Expr>,
}

enum Op {
    // Each of these pushes one truth value.
    Const(u8),
    /// A boolean input.
    Truth(u32),
    /// A truth-valued node.
    Node(u32),
    /// `node is stratum`.
    Member {
        node: u32,
        stratum: u32,
        negated: bool,
    },
    /// A number input against a constant: its point when answered, the
    /// interval it could take when not.
    Number {
        input: u32,
        op: CmpOp,
        c: f64,
        unit: Option<Unit>,
    },
    /// A duration input against the constant `durations[c]`.
    Duration {
        input: u32,
        op: CmpOp,
        c: u32,
    },
    /// A node's value against a constant.
    NodeNumber {
        node: u32,
        op: CmpOp,
        c: f64,
        unit: Option<Unit>,
    },
    /// `compares[k]`.
    Compare(u32),
    /// `ranges[k]`.
    InRange(u32),
    /// `choices[k]`.
    Choice(u32),
    /// `atoms[k]` by the tree walk.
    Atom(u32),
    // These replace the truth values on top of the stack by one.
    Not,
    And(u32),
    Or(u32),
    /// `and` and `or` of two, the most common.
    And2,
    Or2,
    // These store results.
    /// Pops a truth-valued definition or score of node `k`.
    Define(u32),
    /// Node `k` (of another type) by the tree walk.
    Walk(u32),
    /// Score node `k`: the sum of its items' points (`+` or `-` each).
    Score {
        k: u32,
        terms: Box<[(bool, u32)]>,
    },
    /// Pops the population of the stratification that follows.
    Population,
    /// Pops stratum `j`'s condition of the stratification at `first`.
    Stratum {
        first: u32,
        j: u32,
    },
    /// Ends the stratification at `first`.
    Stratified {
        first: u32,
    },
    /// Pops whether recommendation `k` applies.
    Recommend(u32),
    /// Pops whether pathway `k` applies.
    Pathway(u32),
    /// Pops a step's own condition.
    Step,
    /// A step without a condition of its own.
    PlainStep,
}

// Operations with more to them keep it in a table of the program, so
// that every operation is small (24 bytes) and the loop reads less.

struct Compare {
    op: CmpOp,
    lhs: Leaf,
    rhs: Leaf,
}

struct InRange {
    leaf: Leaf,
    lo: f64,
    hi: f64,
    unit: Option<Unit>,
    negated: bool,
}

/// `is value` or a set test on an enum or set input of at most 64 values:
/// `names` has bit `k` when the input's `k`-th value is named by the test,
/// `mask` is the test's own mask for set answers.
struct Choice {
    input: u32,
    len: u32,
    names: u64,
    mask: u64,
    test: Test,
}

/// A constant as written, and as a duration when it is one.
struct Constant {
    value: f64,
    unit: Option<Unit>,
    duration: Option<guidepath_ir::Duration>,
}

#[derive(Clone, Copy)]
enum Test {
    Is { negated: bool },
    Set(SetOp),
}

/// An operand evaluated without recursion.
enum Leaf {
    Input(u32),
    Points(u32),
    Node(u32),
    Qty(f64, Option<Unit>),
    Date(i64),
    Bool(bool),
    /// `texts[k]`.
    Text(u32),
}

impl Program {
    pub fn compile(art: &Artifact) -> Program {
        let mut c = Compiler {
            art,
            ops: Vec::new(),
            atoms: Vec::new(),
            texts: Vec::new(),
            durations: Vec::new(),
            compares: Vec::new(),
            ranges: Vec::new(),
            choices: Vec::new(),
        };
        let mut first = 0u32;
        for (k, n) in art.nodes.iter().enumerate() {
            let k = k as u32;
            match &n.kind {
                NodeKind::Define { expr } | NodeKind::Score { expr } if is_truth(expr) => {
                    c.condition(expr);
                    c.ops.push(Op::Define(k));
                }
                NodeKind::Define { expr } | NodeKind::Score { expr } => match points(expr) {
                    Some(terms) => c.ops.push(Op::Score { k, terms }),
                    None => c.ops.push(Op::Walk(k)),
                },
                NodeKind::Stratify { population, strata } => {
                    match population {
                        Some(p) => c.condition(p),
                        None => c.ops.push(Op::Const(TRUE)),
                    }
                    c.ops.push(Op::Population);
                    for (j, s) in strata.iter().enumerate() {
                        c.condition(&s.when);
                        c.ops.push(Op::Stratum { first, j: j as u32 });
                    }
                    c.ops.push(Op::Stratified { first });
                    first = first.saturating_add(strata.len() as u32);
                }
            }
        }
        for (k, r) in art.recommendations.iter().enumerate() {
            c.condition(&r.when);
            c.ops.push(Op::Recommend(k as u32));
        }
        for (k, p) in art.pathways.iter().enumerate() {
            match &p.when {
                Some(w) => c.condition(w),
                None => c.ops.push(Op::Const(TRUE)),
            }
            c.ops.push(Op::Pathway(k as u32));
            for s in &p.steps {
                match &s.when {
                    Some(w) => {
                        c.condition(w);
                        c.ops.push(Op::Step);
                    }
                    None => c.ops.push(Op::PlainStep),
                }
            }
        }
        Program {
            ops: c.ops.into_boxed_slice(),
            texts: c.texts,
            durations: c.durations,
            compares: c.compares,
            ranges: c.ranges,
            choices: c.choices,
            atoms: c.atoms,
        }
    }

    /// The results of the nodes, strata, recommendations, pathways and
    /// steps (without deadlines), as `Evaluator::walk` gives them; `None`
    /// if the program is not what its compiler makes (then the caller
    /// walks the tree).
    ///
    /// The results are written into `parts`, as `Evaluator::empty_parts`
    /// gives them.
    pub fn run<'e>(&'e self, ev: &'e Evaluator, b: &Bound, parts: Parts<'e>) -> Option<Parts<'e>> {
        let art = &ev.artifact;
        let paths_at = ev.paths_at();
        let (mut nodes, mut members, mut steps) = parts;
        let mut stack = [0u8; STACK];
        let mut top = 0usize;
        // The stratification being evaluated: its population, its first
        // stratum that holds, whether an undecided one came before.
        let (mut population, mut strat, mut open) = (None, Strat::Outside, false);
        let mut applies: Tri = None;
        for op in self.ops.iter() {
            let t = match op {
                Op::Const(t) => *t,
                Op::Truth(i) => match b.get(*i) {
                    Some(Value::Bool(x)) => TRUE * *x as u8,
                    _ => UNKNOWN,
                },
                Op::Node(n) => match nodes.get(*n as usize) {
                    Some(NodeValue { value: V::Bool(t), .. }) => byte(*t),
                    _ => UNKNOWN,
                },
                Op::Member { node, stratum, negated } => byte(membership(&nodes, &members, *node, *stratum, *negated)),
                Op::Number { input, op, c, unit } => byte(match b.get(*input) {
                    // Two points: the ordinary comparison, as `compare`
                    // makes it.
                    Some(Value::Num(x)) => crate::order(*op, x.partial_cmp(c)),
                    // Unanswered (an interval) or of another type: the
                    // tree walk's way.
                    _ => compare(*op, &ev.input(*input, b), &V::Qty(*c, *unit)),
                }),
                Op::Duration { input, op, c } => {
                    let c = self.durations.get(*c as usize)?;
                    match b.get(*input) {
                        // As `compare` takes a duration and a constant.
                        Some(Value::Duration(d)) => byte(c.duration.and_then(|c| crate::order(*op, d.compare(c)))),
                        // Unknown: no duration to compare.
                        None => UNKNOWN,
                        Some(_) => byte(compare(*op, &ev.input(*input, b), &V::Qty(c.value, c.unit))),
                    }
                }
                Op::NodeNumber { node, op, c, unit } => {
                    let v = nodes.get(*node as usize).map_or(&V::Unknown, |n| &n.value);
                    byte(compare(*op, v, &V::Qty(*c, *unit)))
                }
                Op::Compare(k) => {
                    let Compare { op, lhs, rhs } = self.compares.get(*k as usize)?;
                    byte(compare(*op, &self.leaf(ev, lhs, b, &nodes), &self.leaf(ev, rhs, b, &nodes)))
                }
                Op::InRange(k) => {
                    let InRange { leaf, lo, hi, unit, negated } = self.ranges.get(*k as usize)?;
                    byte(in_range(self.leaf(ev, leaf, b, &nodes), *lo, *hi, *unit, *negated))
                }
                Op::Choice(k) => {
                    let Choice { input, len, names, mask, test } = self.choices.get(*k as usize)?;
                    byte(choose(b.get(*input), *len, *names, *mask, *test))
                }
                Op::Atom(k) => byte(ev.cond(self.atoms.get(*k as usize)?, b, &nodes, &members)),
                Op::Not => {
                    let t = &mut stack[top.wrapping_sub(1) & MASK];
                    *t = TRUE - (*t).min(TRUE);
                    continue;
                }
                Op::And(n) | Op::Or(n) => {
                    let and = matches!(op, Op::And(_));
                    let mut t = if and { TRUE } else { FALSE };
                    for _ in 0..*n {
                        top = top.wrapping_sub(1);
                        let x = stack[top & MASK];
                        t = if and { t.min(x) } else { t.max(x) };
                    }
                    t
                }
                Op::And2 | Op::Or2 => {
                    top = top.wrapping_sub(2);
                    let (x, y) = (stack[top & MASK], stack[top.wrapping_add(1) & MASK]);
                    if matches!(op, Op::And2) {
                        x.min(y)
                    } else {
                        x.max(y)
                    }
                }
                Op::Walk(k) => {
                    let v = ev.node(*k as usize, b, &nodes, &mut members, true);
                    nodes.push(v);
                    continue;
                }
                Op::Score { k, terms } => {
                    let value = ev.score(terms.iter().copied(), b);
                    let mut why = Open::default();
                    if !value.is_known() {
                        // What the tree walk's `why` gives a sum of points:
                        // the items not answered.
                        for (_, i) in terms.iter() {
                            if b.get(*i).is_none() {
                                why.needs.insert(*i);
                            }
                        }
                    }
                    if nodes.len() != *k as usize {
                        return None;
                    }
                    nodes.push(NodeValue { value, why, first_member: 0, strat: Strat::Outside });
                    continue;
                }
                Op::Stratified { first } => {
                    if open && strat == Strat::Outside {
                        strat = Strat::Undecided;
                    }
                    nodes.push(NodeValue { value: V::Unknown, why: Open::default(), first_member: *first, strat });
                    continue;
                }
                Op::PlainStep => {
                    steps.push(StepValue::new(applies));
                    continue;
                }
                store => {
                    top = top.wrapping_sub(1);
                    let t = truth(stack[top & MASK]);
                    match store {
                        Op::Define(k) => {
                            let mut why = Open::default();
                            if t.is_none() {
                                if let NodeKind::Define { expr } | NodeKind::Score { expr } =
                                    &art.nodes.get(*k as usize)?.kind
                                {
                                    ev.why(expr, b, &nodes, &members, None, &mut why);
                                }
                            }
                            nodes.push(NodeValue { value: V::Bool(t), why, first_member: 0, strat: Strat::Outside });
                        }
                        Op::Population => (population, strat, open) = (t, Strat::Outside, false),
                        Op::Stratum { first, j } => {
                            let m = value::and_tri(population, t);
                            if let Some(slot) = members.get_mut(*first as usize + *j as usize) {
                                *slot = m;
                            }
                            match m {
                                Some(true) if !open && strat == Strat::Outside => strat = Strat::In(*j),
                                None => open = true,
                                _ => {}
                            }
                        }
                        Op::Recommend(k) => *members.get_mut(ev.strata + *k as usize)? = t,
                        Op::Pathway(k) => {
                            applies = t;
                            *members.get_mut(paths_at + *k as usize)? = t;
                        }
                        Op::Step => steps.push(StepValue::new(value::and_tri(applies, t))),
                        _ => return None,
                    }
                    continue;
                }
            };
            stack[top & MASK] = t;
            top = top.wrapping_add(1);
        }
        (top == 0 && nodes.len() == art.nodes.len() && steps.len() == ev.steps).then_some((nodes, members, steps))
    }
}

struct Compiler<'a> {
    art: &'a Artifact,
    ops: Vec<Op>,
    atoms: Vec<Expr>,
    texts: Vec<String>,
    durations: Vec<Constant>,
    compares: Vec<Compare>,
    ranges: Vec<InRange>,
    choices: Vec<Choice>,
}

impl Compiler<'_> {
    /// Appends a condition's operations, which push its truth value; a
    /// condition too deep for the stack is one atom.
    fn condition(&mut self, e: &Expr) {
        let start = self.ops.len();
        if self.emit(e) > STACK {
            self.ops.truncate(start);
            let op = self.atom(e);
            self.ops.push(op);
        }
    }

    /// Appends `e`'s operations; returns the stack depth they need.
    fn emit(&mut self, e: &Expr) -> usize {
        let op = match e {
            Expr::Bool(x) => Op::Const(byte(Some(*x))),
            // The tree walk reads an input the artifact does not have as
            // unknown.
            Expr::Input(i) if (*i as usize) < self.art.inputs.len() => Op::Truth(*i),
            Expr::Input(_) => Op::Const(UNKNOWN),
            Expr::Node(n) => Op::Node(*n),
            Expr::Labeled { expr, .. } => return self.emit(expr),
            Expr::Not(x) => {
                let depth = self.emit(x);
                self.ops.push(Op::Not);
                return depth;
            }
            Expr::And(xs) | Expr::Or(xs) => {
                let mut depth = 1;
                for (k, x) in xs.iter().enumerate() {
                    depth = depth.max(k.saturating_add(self.emit(x)));
                }
                let n = u32::try_from(xs.len()).unwrap_or(u32::MAX);
                self.ops.push(match (e, n) {
                    (Expr::And(_), 2) => Op::And2,
                    (Expr::And(_), _) => Op::And(n),
                    (_, 2) => Op::Or2,
                    _ => Op::Or(n),
                });
                return depth;
            }
            Expr::InStratum { node, stratum, negated } => {
                Op::Member { node: *node, stratum: *stratum, negated: *negated }
            }
            Expr::Compare { op, lhs, rhs } => match (&**lhs, &**rhs) {
                (Expr::Input(i), Expr::Quantity { value, unit }) if self.is_number(*i) => {
                    Op::Number { input: *i, op: *op, c: *value, unit: *unit }
                }
                (Expr::Input(i), Expr::Quantity { value, unit }) if self.is(*i, &ValueType::Duration) => {
                    let d = unit.and_then(|u| guidepath_ir::Duration::of(*value, u));
                    let c = index(&mut self.durations, Constant { value: *value, unit: *unit, duration: d });
                    Op::Duration { input: *i, op: *op, c }
                }
                (Expr::Node(n), Expr::Quantity { value, unit }) => {
                    Op::NodeNumber { node: *n, op: *op, c: *value, unit: *unit }
                }
                _ => match (self.leaf(lhs), self.leaf(rhs)) {
                    (Some(lhs), Some(rhs)) => Op::Compare(index(&mut self.compares, Compare { op: *op, lhs, rhs })),
                    _ => self.atom(e),
                },
            },
            Expr::InRange { expr, lo, hi, unit, negated } => match self.leaf(expr) {
                Some(leaf) => {
                    let range = InRange { leaf, lo: *lo, hi: *hi, unit: *unit, negated: *negated };
                    Op::InRange(index(&mut self.ranges, range))
                }
                None => self.atom(e),
            },
            Expr::IsValue { expr, value, negated } => match self.choice(expr, std::slice::from_ref(value)) {
                Some((input, len, names)) => {
                    let test = Test::Is { negated: *negated };
                    Op::Choice(index(&mut self.choices, Choice { input, len, names, mask: 0, test }))
                }
                None => self.atom(e),
            },
            Expr::SetTest { expr, op, values, mask } => match self.choice(expr, values) {
                Some((input, len, names)) => {
                    let test = Test::Set(*op);
                    Op::Choice(index(&mut self.choices, Choice { input, len, names, mask: *mask, test }))
                }
                None => self.atom(e),
            },
            _ => self.atom(e),
        };
        self.ops.push(op);
        1
    }

    fn leaf(&mut self, e: &Expr) -> Option<Leaf> {
        Some(match e {
            Expr::Input(i) => Leaf::Input(*i),
            Expr::Points(i) => Leaf::Points(*i),
            Expr::Node(n) => Leaf::Node(*n),
            Expr::Quantity { value, unit } => Leaf::Qty(*value, *unit),
            Expr::Date(d) => Leaf::Date(*d),
            Expr::Bool(b) => Leaf::Bool(*b),
            Expr::Text(t) => {
                self.texts.push(t.clone());
                // A place past `u32` makes the comparison an atom instead.
                Leaf::Text(u32::try_from(self.texts.len() - 1).ok()?)
            }
            Expr::Labeled { expr, .. } => return self.leaf(expr),
            _ => return None,
        })
    }

    fn atom(&mut self, e: &Expr) -> Op {
        Op::Atom(index(&mut self.atoms, e.clone()))
    }

    fn is(&self, i: u32, ty: &ValueType) -> bool {
        self.art.inputs.get(i as usize).is_some_and(|x| &x.ty == ty)
    }

    fn is_number(&self, i: u32) -> bool {
        self.art.inputs.get(i as usize).is_some_and(|x| matches!(x.ty, ValueType::Integer | ValueType::Decimal))
    }

    /// For a test of an enum or set input of at most 64 values: the input,
    /// its number of values and which of them `named` names.
    fn choice(&self, e: &Expr, named: &[String]) -> Option<(u32, u32, u64)> {
        let Expr::Input(i) = e else { return None };
        let (ValueType::Enum { values } | ValueType::Set { values }) = &self.art.inputs.get(*i as usize)?.ty else {
            return None;
        };
        if values.len() > 64 {
            return None;
        }
        let names = values.iter().enumerate().filter(|(_, v)| named.contains(v)).fold(0u64, |m, (k, _)| m | 1 << k);
        Some((*i, values.len() as u32, names))
    }
}

/// Adds `x` to a table of the program; its place. A place past `u32` is
/// past the end of any table (an artifact that large is refused on
/// reading), so the operation using it makes the program untrusted.
fn index<T>(table: &mut Vec<T>, x: T) -> u32 {
    table.push(x);
    u32::try_from(table.len() - 1).unwrap_or(u32::MAX)
}

/// Whether the tree walk always gives this expression a truth value.
fn is_truth(e: &Expr) -> bool {
    match e {
        Expr::Labeled { expr, .. } => is_truth(expr),
        Expr::Bool(_)
        | Expr::Not(_)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Compare { .. }
        | Expr::InRange { .. }
        | Expr::InStratum { .. }
        | Expr::IsValue { .. }
        | Expr::SetTest { .. } => true,
        _ => false,
    }
}

/// A sum of points only (which the tree walk adds directly), as its
/// terms.
fn points(e: &Expr) -> Option<Box<[(bool, u32)]>> {
    match e {
        Expr::Labeled { expr, .. } => points(expr),
        Expr::Sum { terms } => terms
            .iter()
            .map(|(plus, t)| match t {
                Expr::Points(i) => Some((*plus, *i)),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn byte(t: Tri) -> u8 {
    match t {
        Some(false) => FALSE,
        None => UNKNOWN,
        Some(true) => TRUE,
    }
}

fn truth(t: u8) -> Tri {
    match t {
        FALSE => Some(false),
        TRUE => Some(true),
        _ => None,
    }
}

/// What the tree walk gives `is value` or a set test for an enum or set
/// input's answer: an answer by index is the value of that name, a set
/// answer meets the test's mask, anything else is undecided.
fn choose(v: Option<&Value>, len: u32, names: u64, mask: u64, test: Test) -> Tri {
    match (v, test) {
        (Some(Value::Enum(k)), Test::Is { negated }) if *k < len => Some((names >> k & 1 == 1) != negated),
        (Some(Value::Enum(k)), Test::Set(SetOp::AnyOf)) if *k < len => Some(names >> k & 1 == 1),
        (Some(Value::Enum(k)), Test::Set(SetOp::NoneOf)) if *k < len => Some(names >> k & 1 == 0),
        (Some(Value::Set(items)), Test::Set(SetOp::AnyOf)) => Some(items & mask != 0),
        (Some(Value::Set(items)), Test::Set(SetOp::NoneOf)) => Some(items & mask == 0),
        (Some(Value::Set(items)), Test::Set(SetOp::AllOf)) => Some(items & mask == mask),
        _ => None,
    }
}

impl Program {
    /// An operand's value as the tree walk gives it.
    fn leaf<'e>(&'e self, ev: &'e Evaluator, l: &Leaf, b: &Bound, nodes: &[NodeValue<'e>]) -> V<'e> {
        match l {
            Leaf::Input(i) => ev.input(*i, b),
            Leaf::Points(i) => ev.points(*i, b),
            Leaf::Node(n) => nodes.get(*n as usize).map_or(V::Unknown, |n| n.value.clone()),
            Leaf::Qty(x, u) => V::Qty(*x, *u),
            Leaf::Date(d) => V::Date(Some(*d)),
            Leaf::Bool(x) => V::Bool(Some(*x)),
            // The compiler makes a text operand only with a place in
            // `texts` (see `Compiler::leaf`).
            Leaf::Text(k) => self.texts.get(*k as usize).map_or(V::Unknown, |t| V::Text(Some(t.into()))),
        }
    }
}
