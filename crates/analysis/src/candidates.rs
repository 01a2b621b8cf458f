//! Candidate values for each input: few, readable, and covering every case
//! the guideline's conditions can tell apart.

use guidepath_eval::Value;
use guidepath_ir::calendar::format_date;
use guidepath_ir::{Artifact, Duration, Expr, Input, NodeKind, Scoring, ValueType};

pub struct Candidates {
    /// For each input listed, in increasing order: its candidates and
    /// whether they are every value it can take. Every input for a whole
    /// artifact; only the inputs a question reads for a question, so that
    /// a question costs what it reads.
    per_input: Vec<(u32, Vec<Value>, bool)>,
}

impl Candidates {
    fn entry(&self, input: u32) -> Option<&(u32, Vec<Value>, bool)> {
        // Dense when built for every input.
        match self.per_input.get(input as usize) {
            Some(e) if e.0 == input => Some(e),
            _ => self.per_input.binary_search_by_key(&input, |e| e.0).ok().map(|k| &self.per_input[k]),
        }
    }

    /// The inputs listed, in increasing order: for a question, those it
    /// reads, directly or through the nodes it uses.
    pub fn inputs(&self) -> Vec<u32> {
        self.per_input.iter().map(|e| e.0).collect()
    }

    pub fn of(&self, input: u32) -> &[Value] {
        self.entry(input).map_or(&[], |e| e.1.as_slice())
    }

    pub fn complete(&self, input: u32) -> bool {
        self.entry(input).is_some_and(|e| e.2)
    }
}

/// Items, booleans, enums and small sets are tried with every value.
fn is_complete(input: &Input) -> bool {
    match &input.scoring {
        Some(Scoring::Integer { lo, hi, .. }) => hi - lo <= 1000.0,
        Some(_) => true,
        None => match &input.ty {
            ValueType::Boolean | ValueType::Enum { .. } => true,
            ValueType::Set { values } => values.len() <= 6,
            _ => false,
        },
    }
}

/// What an input is compared with, as written.
#[derive(Default)]
struct Constants {
    numbers: Vec<f64>,
    durations: Vec<(f64, guidepath_ir::Unit)>,
    dates: Vec<i64>,
    texts: Vec<String>,
    /// For a set: the masks it is tested against, and how many times it is
    /// read other than as the operand of such a test.
    masks: Vec<u64>,
    other_reads: usize,
}

/// Every expression of the artifact's rules.
fn every_expr(art: &Artifact) -> Vec<&Expr> {
    let mut roots: Vec<&Expr> = Vec::new();
    for n in &art.nodes {
        match &n.kind {
            NodeKind::Define { expr } | NodeKind::Score { expr } => roots.push(expr),
            NodeKind::Stratify { population, strata } => {
                roots.extend(population.iter());
                roots.extend(strata.iter().map(|s| &s.when));
            }
        }
    }
    roots.extend(art.recommendations.iter().map(|r| &r.when));
    for p in &art.pathways {
        roots.extend(p.when.iter());
        roots.extend(p.steps.iter().filter_map(|s| s.when.as_ref()));
    }
    let mut all = Vec::new();
    let mut todo = roots;
    while let Some(e) = todo.pop() {
        all.push(e);
        e.push_children(&mut todo);
    }
    all
}

/// Candidates from every constant of the artifact.
pub fn for_inputs(art: &Artifact) -> Candidates {
    let every: Vec<u32> = (0..art.inputs.len() as u32).collect();
    from_exprs(art, every_expr(art), &every)
}

/// Candidates for one question, the conjunction of `goal`: from the
/// constants it compares with, and those of the nodes it reads. A
/// condition can tell apart only the values its own constants separate, so
/// these cover every case of the question, and a question costs what it
/// holds, not what the whole guideline holds (20,000 comparisons with
/// distinct constants once cost 20,000 × 40,000 evaluations).
pub fn for_question(art: &Artifact, goal: &[&Expr]) -> Candidates {
    let mut seen = std::collections::HashSet::new();
    let mut read = std::collections::BTreeSet::new();
    // Room for most questions' expressions, so the list is not grown from
    // empty a few times for each of thousands of questions.
    let mut all = Vec::with_capacity(64);
    let mut todo = Vec::with_capacity(16);
    todo.extend_from_slice(goal);
    while let Some(e) = todo.pop() {
        all.push(e);
        match e {
            Expr::Input(i) | Expr::Points(i) => {
                read.insert(*i);
            }
            Expr::Node(k) | Expr::InStratum { node: k, .. } => {
                if let Some(node) = art.nodes.get(*k as usize).filter(|_| seen.insert(*k)) {
                    match &node.kind {
                        NodeKind::Define { expr } | NodeKind::Score { expr } => todo.push(expr),
                        NodeKind::Stratify { population, strata } => {
                            todo.extend(population.iter());
                            todo.extend(strata.iter().map(|s| &s.when));
                        }
                    }
                }
            }
            _ => {}
        }
        e.push_children(&mut todo);
    }
    from_exprs(art, all, &read.into_iter().collect::<Vec<u32>>())
}

/// Candidates for the inputs listed (in increasing order) from the
/// constants they are compared with in `exprs`.
fn from_exprs<'a>(art: &'a Artifact, exprs: Vec<&'a Expr>, inputs: &[u32]) -> Candidates {
    let mut consts: Vec<Constants> = inputs.iter().map(|_| Constants::default()).collect();
    for e in exprs {
        let at = |i: u32| inputs.binary_search(&i).ok();
        match e {
            Expr::SetTest { expr, mask, .. } => {
                if let Some(c) = at_input(expr).and_then(at).and_then(|k| consts.get_mut(k)) {
                    c.masks.push(*mask);
                    // The read below it is this test's (the two are met in
                    // either order, so the count may pass below zero).
                    c.other_reads = c.other_reads.wrapping_sub(1);
                }
            }
            Expr::Input(i) => {
                if let Some(c) = at(*i).and_then(|k| consts.get_mut(k)) {
                    c.other_reads = c.other_reads.wrapping_add(1);
                }
            }
            _ => {}
        }
        let mut note = |i: u32, other: &Expr| {
            let Some(c) = inputs.binary_search(&i).ok().and_then(|k| consts.get_mut(k)) else { return };
            match other {
                Expr::Quantity { value, unit: Some(u) } if u.time_family().is_some() => {
                    c.durations.push((*value, *u));
                    c.numbers.push(*value);
                }
                Expr::Quantity { value, .. } => c.numbers.push(*value),
                Expr::Date(d) => c.dates.push(*d),
                Expr::Text(t) => c.texts.push(t.clone()),
                _ => {}
            }
        };
        match e {
            Expr::Compare { lhs, rhs, .. } => match (&**lhs, &**rhs) {
                (Expr::Input(i), other) | (other, Expr::Input(i)) => note(*i, other),
                _ => {}
            },
            Expr::InRange { expr, lo, hi, unit, .. } => {
                if let Expr::Input(i) = &**expr {
                    note(*i, &Expr::Quantity { value: *lo, unit: *unit });
                    note(*i, &Expr::Quantity { value: *hi, unit: *unit });
                }
            }
            _ => {}
        }
    }
    let per_input = inputs
        .iter()
        .zip(&consts)
        .filter_map(|(&i, c)| art.inputs.get(i as usize).map(|input| (i, values_for(input, c), is_complete(input))))
        .collect();
    Candidates { per_input }
}

/// The input an expression reads directly, if it is one.
fn at_input(e: &Expr) -> Option<u32> {
    match e {
        Expr::Input(i) => Some(*i),
        _ => None,
    }
}

/// Subsets of `n` values for a set read only by `any of`, `none of` and
/// `all of` tests of `masks`: such a test sees only whether the subset
/// meets each mask and whether it holds all of it, so two subsets alike in
/// that are alike to every question. Of each such class the first subset
/// in counting order is kept, so the search meets the same first witness
/// as over every subset (ten times fewer candidates for a five-value set
/// tested against one mask of three).
fn set_classes(n: usize, masks: &[u64]) -> Vec<Value> {
    // Two bits per mask; with more than 64 masks, every subset.
    if masks.len() > 64 {
        return (0..(1u64 << n)).map(Value::Set).collect();
    }
    let mut seen: Vec<u128> = Vec::new();
    let mut out = Vec::new();
    for items in 0..(1u64 << n) {
        let mut sig = 0u128;
        for (k, m) in masks.iter().enumerate() {
            sig |= u128::from(items & m != 0) << (2 * k);
            sig |= u128::from(items & m == *m) << (2 * k + 1);
        }
        if !seen.contains(&sig) {
            seen.push(sig);
            out.push(Value::Set(items));
        }
    }
    out
}

fn values_for(input: &Input, c: &Constants) -> Vec<Value> {
    if let Some(scoring) = &input.scoring {
        return match scoring {
            Scoring::Boolean => vec![Value::Bool(false), Value::Bool(true)],
            Scoring::Integer { lo, hi, .. } => {
                let (lo, hi) = (lo.ceil() as i64, hi.floor() as i64);
                (lo..=hi.min(lo + 1000)).map(|x| Value::Num(x as f64)).collect()
            }
            Scoring::Choice { points } => (0..points.len() as u32).map(Value::Enum).collect(),
        };
    }
    match &input.ty {
        ValueType::Boolean => vec![Value::Bool(false), Value::Bool(true)],
        ValueType::Integer => numbers(&c.numbers, input.range, true).into_iter().map(Value::Num).collect(),
        ValueType::Decimal => numbers(&c.numbers, input.range, false).into_iter().map(Value::Num).collect(),
        ValueType::Date => {
            let mut out: Vec<i64> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for pass in [&[0][..], &[-1, 1][..]] {
                for d in &c.dates {
                    for delta in pass {
                        if seen.insert(d + delta) {
                            out.push(d + delta);
                        }
                    }
                }
            }
            if out.is_empty() {
                // 2024-01-01: any date serves when none is compared with.
                out.push(19_723);
            }
            out.into_iter().map(Value::Date).collect()
        }
        ValueType::Duration => {
            // The constants first, so that witnesses show boundary values.
            let mut out: Vec<Duration> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for pass in [&[0.0][..], &[-1.0, 1.0][..]] {
                for (v, u) in &c.durations {
                    for delta in pass {
                        if let Some(d) = Duration::of((v + delta).max(0.0), *u) {
                            if seen.insert((d.months, d.days, d.minutes)) {
                                out.push(d);
                            }
                        }
                    }
                }
            }
            if seen.insert((0, 0, 0)) {
                out.push(Duration::default());
            }
            out.into_iter().map(Value::Duration).collect()
        }
        ValueType::Text => {
            // Texts compare with `=` and `!=` only: each constant, and one
            // text that is none of them (once only the constants were
            // tried, so `note != ""` seemed never true).
            let mut out: Vec<Value> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for t in &c.texts {
                if seen.insert(t.as_str()) {
                    out.push(Value::Text(t.clone()));
                }
            }
            let mut other = String::new();
            while seen.contains(other.as_str()) {
                other.push('x');
            }
            out.push(Value::Text(other));
            out
        }
        ValueType::Enum { values } => (0..values.len() as u32).map(Value::Enum).collect(),
        ValueType::Set { values } => {
            let n = values.len().min(64);
            if n <= 6 && c.other_reads == 0 && !c.masks.is_empty() {
                set_classes(n, &c.masks)
            } else if n <= 6 {
                (0..(1u64 << n)).map(Value::Set).collect()
            } else {
                let mut v = vec![Value::Set(0)];
                v.extend((0..n).map(|k| Value::Set(1 << k)));
                v.push(Value::Set(if n == 64 { u64::MAX } else { (1 << n) - 1 }));
                v
            }
        }
    }
}

/// The constants, a value between each two neighbours, and one beyond each
/// end, inside the range: every case a comparison with these constants can
/// tell apart. Constants come first, so witnesses show boundary values.
fn numbers(consts: &[f64], range: Option<(f64, f64)>, integer: bool) -> Vec<f64> {
    let (lo, hi) = range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    let inside = |x: f64| x >= lo && x <= hi && (!integer || x.fract() == 0.0);
    // Two lists for the question, not one for each constant: a question
    // asks this of every input it compares.
    let mut ks: Vec<f64> = Vec::with_capacity(consts.len());
    for &c in consts {
        if integer && c.fract() != 0.0 {
            ks.extend([c.floor(), c.ceil()].into_iter().filter(|x| inside(*x)));
        } else if inside(c) {
            ks.push(c);
        }
    }
    // Sorted and without repeats, in linear time after the sort.
    ks.sort_by(f64::total_cmp);
    ks.dedup();
    let mut out = Vec::with_capacity(2 * ks.len() + 1);
    out.extend_from_slice(&ks);
    let step = 1.0;
    // A value between two neighbours is neither of them, nor any other
    // constant (the constants are sorted).
    for w in ks.windows(2) {
        let mid = if integer { w[0] + 1.0 } else { (w[0] + w[1]) / 2.0 };
        if mid < w[1] && inside(mid) {
            out.push(mid);
        }
    }
    if let (Some(first), Some(last)) = (ks.first(), ks.last()) {
        for x in [first - step, last + step] {
            if inside(x) {
                out.push(x);
            }
        }
    }
    if out.is_empty() {
        out.push(if lo.is_finite() { lo } else { 0.0 });
    }
    out
}

/// Values as patient JSON, nested by input path.
pub fn to_json(art: &Artifact, values: &[Option<Value>]) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    for (input, v) in art.inputs.iter().zip(values) {
        let Some(v) = v else { continue };
        let names = match &input.ty {
            ValueType::Enum { values } | ValueType::Set { values } => values.as_slice(),
            _ => &[],
        };
        let json = match v {
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Num(x) if x.fract() == 0.0 => serde_json::Value::from(*x as i64),
            Value::Num(x) => {
                serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
            Value::Date(d) => serde_json::Value::String(format_date(*d)),
            Value::Duration(d) => serde_json::Value::String(d.to_iso()),
            Value::Text(t) => serde_json::Value::String(t.clone()),
            Value::Enum(k) => {
                names.get(*k as usize).map_or(serde_json::Value::Null, |s| serde_json::Value::String(s.clone()))
            }
            Value::Set(mask) => serde_json::Value::Array(
                names
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k < 64 && mask & (1 << k) != 0)
                    .map(|(_, s)| serde_json::Value::String(s.clone()))
                    .collect(),
            ),
        };
        let mut map = &mut root;
        let parts: Vec<&str> = input.path.split('.').collect();
        for (k, part) in parts.iter().enumerate() {
            if k + 1 == parts.len() {
                map.insert(part.to_string(), json.clone());
            } else {
                let slot = map.entry(part.to_string()).or_insert_with(|| serde_json::Value::Object(Default::default()));
                match slot {
                    serde_json::Value::Object(m) => map = m,
                    _ => break,
                }
            }
        }
    }
    serde_json::Value::Object(root)
}
