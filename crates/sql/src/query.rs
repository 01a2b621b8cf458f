//! The query: layers of columns, each computed from the ones before.
//!
//! Every value the evaluator computes once per patient (an input read,
//! a definition, a stratum's membership, a step's deadline) is one column,
//! computed once per row in the first layer after everything it reads. The
//! layers are common table expressions, each `SELECT *, new columns FROM`
//! the one before; the last one is read by the final `SELECT`, which names
//! the columns of the contract (`docs/sql.md`).

use crate::lower::{Mask, Sv, WORD_BITS};
use crate::{Column, ColumnType, Dialect, Options, SqlError};
use guidepath_ir::duration::MAX_YEARS;
use guidepath_ir::{Anchor, Artifact, Input, NodeKind, ValueType, MAX_EXPR_DEPTH};
use std::collections::HashMap;

/// The ISO 8601 durations the evaluator reads (`Duration::read_iso`), with
/// a group for each number: years, months, weeks, days, hours, minutes.
const ISO: &str = "^P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?)?$";

pub(crate) struct Builder<'a> {
    pub dialect: Dialect,
    pub art: &'a Artifact,
    depth: usize,
    /// Columns by layer; layer 0 reads the table.
    layers: Vec<Vec<(String, String)>>,
    level: HashMap<String, usize>,
    nodes: Vec<NodeCells>,
    /// Output masks made columns so far, for their names.
    outputs: usize,
}

#[derive(Clone, Default)]
struct NodeCells {
    value: Option<Sv>,
    needs: Mask,
    /// Stratifications: each stratum's membership, and the conditions of
    /// the population and of each stratum with their needs.
    members: Vec<String>,
    pop: Option<(String, Mask)>,
    whens: Vec<(String, Mask)>,
}

/// A step's columns.
#[derive(Clone)]
struct StepCells {
    applies: String,
    /// Why it is open, when it is (its pathway's or its own condition).
    open: Mask,
    /// Deadline kind (0 not applicable, 1 due, 2 undecided, 3 beyond the
    /// calendar) and the date it would be due.
    deadline: Option<(String, String)>,
    limit: Option<Anchor>,
}

/// A pathway's columns: whether it applies, why that is open, its steps.
type PathwayCells = (String, Option<Mask>, Vec<StepCells>);

const NOT_APPLICABLE: i32 = 0;
const DUE: i32 = 1;
const UNDECIDED: i32 = 2;
const BEYOND: i32 = 3;

impl<'a> Builder<'a> {
    pub(crate) fn new(art: &'a Artifact, dialect: Dialect) -> Builder<'a> {
        Builder {
            dialect,
            art,
            depth: 0,
            layers: vec![Vec::new()],
            level: HashMap::new(),
            nodes: vec![NodeCells::default(); art.nodes.len()],
            outputs: 0,
        }
    }

    /// Runs one level of the recursion over an expression, refusing
    /// nesting deeper than the builder follows.
    pub(crate) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, SqlError>) -> Result<T, SqlError> {
        if self.depth >= 4 * MAX_EXPR_DEPTH {
            return Err(SqlError::TooDeep { dialect: self.dialect.name() });
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    pub(crate) fn input(&self, i: u32) -> Result<&'a Input, SqlError> {
        self.art.inputs.get(i as usize).ok_or_else(|| SqlError::Invalid(format!("input {i} does not exist")))
    }

    /// Adds a column computed by `sql`, in the layer after the deepest
    /// column it reads. Internal names are lower-case words that no
    /// keyword, function or quoted name of the query spells, so the words
    /// of `sql` that are column names are the columns it reads (a string
    /// literal that spells one only moves the column a layer later).
    fn cell(&mut self, name: String, sql: String) -> String {
        let l = 1 + words(&sql).filter_map(|w| self.level.get(w)).copied().max().unwrap_or(0);
        while self.layers.len() <= l {
            self.layers.push(Vec::new());
        }
        self.layers[l].push((name.clone(), sql));
        self.level.insert(name.clone(), l);
        name
    }

    /// A column for every word of a mask.
    fn mask_cells(&mut self, prefix: &str, mask: Mask) -> Mask {
        let mut out = Mask::default();
        for (w, (e, bits)) in mask.0 {
            out.0.insert(w, (self.cell(format!("{prefix}_w{w}"), e), bits));
        }
        out
    }

    /// The column as the table holds it.
    pub(crate) fn raw_col(&self, i: u32) -> String {
        format!("r{i}")
    }

    /// The column as the evaluator's value: numbers as DOUBLE.
    pub(crate) fn typed_col(&self, i: u32) -> String {
        let raw = self.raw_col(i);
        match self.art.inputs.get(i as usize).map(|x| &x.ty) {
            Some(ValueType::Integer | ValueType::Decimal) => format!("CAST({raw} AS {})", self.dialect.double_type()),
            _ => raw,
        }
    }

    pub(crate) fn duration_cols(&self, i: u32) -> (String, String, String) {
        (format!("u{i}_m"), format!("u{i}_d"), format!("u{i}_t"))
    }

    pub(crate) fn node_value(&self, n: u32) -> Sv {
        self.nodes.get(n as usize).and_then(|c| c.value.clone()).unwrap_or(Sv::Unknown)
    }

    pub(crate) fn node_needs(&self, n: u32) -> Mask {
        self.nodes.get(n as usize).map(|c| c.needs.clone()).unwrap_or_default()
    }

    pub(crate) fn member(&self, n: u32, k: u32) -> String {
        match self.nodes.get(n as usize).and_then(|c| c.members.get(k as usize)) {
            Some(m) => m.clone(),
            None => "CAST(NULL AS BOOLEAN)".into(),
        }
    }

    /// `Evaluator::membership_why`.
    pub(crate) fn membership_needs(&self, n: u32, k: u32) -> Mask {
        let Some(cells) = self.nodes.get(n as usize) else { return Mask::default() };
        let mut out = Mask::default();
        for (cond, mask) in cells.pop.iter().chain(cells.whens.get(k as usize)) {
            out = out.or(mask.clone().when(&format!("({cond} IS NULL)")));
        }
        out
    }

    /// Layer 0 and the inputs' own columns: durations read, each value
    /// checked as the evaluator's binding checks it. Returns the test that
    /// a row is valid and the array of its invalid fields.
    fn inputs(&mut self, opts: &Options) -> (String, String) {
        let d = self.dialect;
        let mut first = vec![(String::new(), format!("{} AS _k", d.ident(&opts.key)))];
        for (i, input) in self.art.inputs.iter().enumerate() {
            first.push((String::new(), format!("{} AS r{i}", d.ident(&input.path))));
            self.level.insert(format!("r{i}"), 0);
        }
        self.layers[0] = first;
        let mut invalid: Vec<(String, String)> = Vec::new();
        for (i, input) in self.art.inputs.iter().enumerate() {
            let i = i as u32;
            let raw = self.raw_col(i);
            let bad = match &input.ty {
                ValueType::Boolean | ValueType::Text => None,
                ValueType::Integer | ValueType::Decimal => {
                    let x = self.typed_col(i);
                    let (ninf, inf) = (d.double(f64::NEG_INFINITY), d.double(f64::INFINITY));
                    let mut tests = vec![format!("NOT ({x} > {ninf} AND {x} < {inf})")];
                    if let Some((lo, hi)) = input.range {
                        tests.push(format!("{x} < {} OR {x} > {}", d.double(lo), d.double(hi)));
                    }
                    Some(format!("({})", tests.join(" OR ")))
                }
                ValueType::Date => Some(format!("({raw} < DATE '0001-01-01' OR {raw} > DATE '9999-12-31')")),
                ValueType::Enum { values } => {
                    let list: Vec<String> = values.iter().map(|v| d.string(v)).collect();
                    Some(format!("({raw} NOT IN ({}))", list.join(", ")))
                }
                ValueType::Set { values } => {
                    let list: Vec<String> = values.iter().map(|v| d.string(v)).collect();
                    Some(format!("(NOT {})", d.all_within(&raw, &list)))
                }
                ValueType::Duration => Some(self.duration_input(i)),
            };
            if let Some(bad) = bad {
                let name = self.cell(format!("e{i}"), format!("COALESCE({bad}, FALSE)"));
                invalid.push((name, input.path.clone()));
            }
        }
        let ok = if invalid.is_empty() {
            "TRUE".to_string()
        } else {
            let any: Vec<&str> = invalid.iter().map(|(n, _)| n.as_str()).collect();
            self.cell("ok".into(), format!("(NOT ({}))", any.join(" OR ")))
        };
        (ok, d.texts_where(&invalid))
    }

    /// Reads a duration column into months, days and minutes, as
    /// `Duration::read_iso` does; returns the test for text it refuses.
    fn duration_input(&mut self, i: u32) -> String {
        let d = self.dialect;
        let raw = self.raw_col(i);
        // Most durations are one number and one unit (`P4M`, `P90D`): read
        // those by position, and match the whole grammar only for the rest
        // (CASE evaluates a branch only for the rows that take it).
        let one = self.cell(format!("u{i}_one"), d.matches(&raw, "^P[0-9]{1,12}[YMWD]$"));
        let n = format!("CAST(substr({raw}, 2, length({raw}) - 2) AS BIGINT)");
        let unit = format!("substr({raw}, length({raw}), 1)");
        // Each number without its leading zeros: `P007D` is 7 days, and a
        // number of more than 12 digits is over any bound.
        let all = d
            .captures(&raw, ISO, 6)
            .map(|sql| self.cell(format!("u{i}_s"), format!("CASE WHEN {one} THEN NULL ELSE {sql} END")));
        let groups: Vec<String> = (1..=6)
            .map(|k| {
                let g = d.strip_zeros(&d.capture(all.as_deref(), &raw, ISO, k));
                self.cell(format!("u{i}_g{k}"), format!("CASE WHEN {one} THEN NULL ELSE {g} END"))
            })
            .collect();
        let num = |k: usize| format!("COALESCE(CAST(NULLIF({}, '') AS BIGINT), 0)", groups[k]);
        let fits: Vec<String> = groups.iter().map(|g| format!("COALESCE(length({g}), 0) <= 12")).collect();
        let syntax = format!("{} AND {raw} <> 'P' AND {raw} NOT LIKE '%T'", d.matches(&raw, ISO));
        let ok = self.cell(
            format!("u{i}_ok"),
            format!("CASE WHEN {one} THEN TRUE ELSE ({syntax} AND {}) END", fits.join(" AND ")),
        );
        let fast = |units: [(&str, i64); 2]| {
            let arms: String = units.iter().map(|(u, k)| format!(" WHEN '{u}' THEN {n} * {k}")).collect();
            format!("CASE {unit}{arms} ELSE 0 END")
        };
        let (fm, fd) = (fast([("Y", 12), ("M", 1)]), fast([("W", 7), ("D", 1)]));
        let m = self.cell(
            format!("u{i}_mx"),
            format!("CASE WHEN {one} THEN {fm} WHEN {ok} THEN ({} * 12 + {}) END", num(0), num(1)),
        );
        let dy = self.cell(
            format!("u{i}_dx"),
            format!("CASE WHEN {one} THEN {fd} WHEN {ok} THEN ({} * 7 + {}) END", num(2), num(3)),
        );
        let t = self.cell(
            format!("u{i}_tx"),
            format!("CASE WHEN {one} THEN 0 WHEN {ok} THEN ({} * 60 + {}) END", num(4), num(5)),
        );
        let max_days = MAX_YEARS * 366;
        let bounded = self.cell(
            format!("u{i}_in"),
            format!("({m} <= {} AND {dy} <= {max_days} AND {t} <= {})", MAX_YEARS * 12, max_days * 24 * 60),
        );
        self.cell(format!("u{i}_m"), format!("CASE WHEN {bounded} THEN {m} END"));
        self.cell(format!("u{i}_d"), format!("CASE WHEN {bounded} THEN {dy} END"));
        self.cell(format!("u{i}_t"), format!("CASE WHEN {bounded} THEN {t} END"));
        format!("({raw} IS NOT NULL AND NOT COALESCE({bounded}, FALSE))")
    }

    /// A node's value as columns (a constant stays a constant).
    fn store(&mut self, prefix: &str, v: Sv) -> Sv {
        match v {
            Sv::Bool(s) => Sv::Bool(self.cell(prefix.into(), s)),
            Sv::Date(s) => Sv::Date(self.cell(prefix.into(), s)),
            Sv::Text(s) => Sv::Text(self.cell(prefix.into(), s)),
            Sv::Enum(s) => Sv::Enum(self.cell(prefix.into(), s)),
            Sv::Set { sql, values } => Sv::Set { sql: self.cell(prefix.into(), sql), values },
            Sv::Num { lo, hi } => {
                Sv::Num { lo: self.cell(format!("{prefix}_lo"), lo), hi: self.cell(format!("{prefix}_hi"), hi) }
            }
            Sv::Dur { m, d, t } => Sv::Dur {
                m: self.cell(format!("{prefix}_m"), m),
                d: self.cell(format!("{prefix}_d"), d),
                t: self.cell(format!("{prefix}_t"), t),
            },
            other @ (Sv::Qty(..) | Sv::Unknown) => other,
        }
    }

    fn build_nodes(&mut self) -> Result<(), SqlError> {
        for (k, node) in self.art.nodes.iter().enumerate() {
            match &node.kind {
                NodeKind::Define { expr } | NodeKind::Score { expr } => {
                    let v = self.lower(expr)?;
                    let v = self.store(&format!("n{k}"), v);
                    let open = format!("(NOT {})", self.known(&v));
                    let needs = self.needs(expr)?.when(&open);
                    let needs = self.mask_cells(&format!("n{k}"), needs);
                    self.nodes[k].value = Some(v);
                    self.nodes[k].needs = needs;
                }
                NodeKind::Stratify { population, strata } => {
                    let pop = match population {
                        Some(p) => {
                            let c = self.cond(p)?;
                            let c = self.cell(format!("p{k}"), c);
                            let m = self.needs(p)?;
                            Some((c, self.mask_cells(&format!("p{k}"), m)))
                        }
                        None => None,
                    };
                    let mut members = Vec::new();
                    let mut whens = Vec::new();
                    for (s, st) in strata.iter().enumerate() {
                        let c = self.cond(&st.when)?;
                        let c = self.cell(format!("c{k}_{s}"), c);
                        let m = self.needs(&st.when)?;
                        let m = self.mask_cells(&format!("c{k}_{s}"), m);
                        let member = match &pop {
                            Some((p, _)) => format!("({p} AND {c})"),
                            None => c.clone(),
                        };
                        members.push(self.cell(format!("m{k}_{s}"), member));
                        whens.push((c, m));
                    }
                    self.nodes[k].members = members;
                    self.nodes[k].pop = pop;
                    self.nodes[k].whens = whens;
                }
            }
        }
        Ok(())
    }

    /// A mask as the array of the input paths it names, in input order.
    /// The array tests each bit of a word, so a word that is an expression
    /// becomes a column first, computed once.
    fn needs_array(&mut self, mask: &Mask) -> String {
        let mut words = Mask::default();
        for (w, (e, bits)) in &mask.0 {
            let e = if e.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                e.clone()
            } else {
                self.outputs += 1;
                self.cell(format!("o{}_w{w}", self.outputs), e.clone())
            };
            words.0.insert(*w, (e, *bits));
        }
        if let (Dialect::DuckDb, [(w, (e, bits))]) = (self.dialect, words.0.iter().collect::<Vec<_>>().as_slice()) {
            // One word: the paths of the bits from its lowest to its
            // highest, kept where the bit is set; the bits between that no
            // result can need are never set.
            if *bits != 0 {
                let (lo, hi) = (bits.trailing_zeros() as usize, 63 - bits.leading_zeros() as usize);
                let paths: Vec<String> = (lo..=hi)
                    .map(|b| {
                        self.art.inputs.get(**w * WORD_BITS + b).map_or("''".into(), |x| self.dialect.string(&x.path))
                    })
                    .collect();
                let shift = if lo == 0 { "i - 1".to_string() } else { format!("i + {}", lo - 1) };
                return format!("[x FOR x, i IN [{}] IF (({e} >> ({shift})) & 1) = 1]", paths.join(", "));
            }
        }
        let mut items = Vec::new();
        for (w, (e, bits)) in &words.0 {
            for b in 0..WORD_BITS {
                let Some(input) = self.art.inputs.get(w * WORD_BITS + b) else { break };
                if bits & (1 << b) != 0 {
                    items.push((format!("(({e}) & CAST({} AS BIGINT)) <> 0", 1i64 << b), input.path.clone()));
                }
            }
        }
        self.dialect.texts_where(&items)
    }

    fn build_steps(&mut self) -> Result<Vec<PathwayCells>, SqlError> {
        let mut out = Vec::new();
        for (pi, p) in self.art.pathways.iter().enumerate() {
            let (applies, pmask) = match &p.when {
                Some(w) => {
                    let c = self.cond(w)?;
                    let c = self.cell(format!("a{pi}"), c);
                    let m = self.needs(w)?;
                    (c, Some(self.mask_cells(&format!("a{pi}"), m)))
                }
                None => ("TRUE".to_string(), None),
            };
            let mut steps: Vec<StepCells> = Vec::new();
            for (si, s) in p.steps.iter().enumerate() {
                let mut open = match &pmask {
                    Some(m) => m.clone().when(&format!("({applies} IS NULL)")),
                    None => Mask::default(),
                };
                let sa = match &s.when {
                    Some(w) => {
                        let c = self.cond(w)?;
                        let c = self.cell(format!("sc{pi}_{si}"), c);
                        let m = self.needs(w)?;
                        let m = self.mask_cells(&format!("sc{pi}_{si}"), m);
                        open = open.or(m.when(&format!("({c} IS NULL)")));
                        format!("({applies} AND {c})")
                    }
                    None => applies.clone(),
                };
                let sa = self.cell(format!("sa{pi}_{si}"), sa);
                let deadline = match &s.limit {
                    None => None,
                    Some(limit) => {
                        let a = limit.amount;
                        let amount = (a.months.to_string(), a.days.to_string(), a.minutes.to_string());
                        let (ak, ad) = match limit.anchor {
                            Anchor::Input(i) => {
                                let c = self.raw_col(i);
                                (format!("CASE WHEN {c} IS NULL THEN {UNDECIDED} ELSE {DUE} END"), c)
                            }
                            Anchor::Step(j) => match steps.get(j as usize).and_then(|x| x.deadline.clone()) {
                                Some((k, d)) => (k, d),
                                None => (NOT_APPLICABLE.to_string(), "CAST(NULL AS DATE)".to_string()),
                            },
                        };
                        let due = self.add_duration(&ad, &amount, true);
                        let kind = format!(
                            "CASE WHEN {sa} = FALSE THEN {NOT_APPLICABLE} \
                             WHEN {ak} = {NOT_APPLICABLE} THEN {NOT_APPLICABLE} \
                             WHEN {ak} = {DUE} AND {sa} THEN \
                             CASE WHEN {due} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' \
                             THEN {DUE} ELSE {BEYOND} END \
                             WHEN {ak} = {BEYOND} AND {sa} THEN {BEYOND} ELSE {UNDECIDED} END"
                        );
                        let k = self.cell(format!("dk{pi}_{si}"), kind);
                        let d = self.cell(format!("dd{pi}_{si}"), due);
                        Some((k, d))
                    }
                };
                let open = self.mask_cells(&format!("so{pi}_{si}"), open);
                steps.push(StepCells { applies: sa, open, deadline, limit: s.limit.as_ref().map(|l| l.anchor) });
            }
            out.push((applies, pmask, steps));
        }
        Ok(out)
    }

    /// `Outcome::anchor_why`: what keeps the date a deadline counts from
    /// open.
    fn anchor_needs(&self, steps: &[StepCells], anchor: Anchor) -> Mask {
        match anchor {
            Anchor::Input(i) => Mask::missing(i, &self.raw_col(i)),
            Anchor::Step(j) => {
                let Some(step) = steps.get(j as usize) else { return Mask::default() };
                let (Some((k, _)), Some(next)) = (&step.deadline, step.limit) else { return Mask::default() };
                let own = step.open.clone().when(&format!("({} IS NULL)", step.applies));
                own.or(self.anchor_needs(steps, next)).when(&format!("({k} = {UNDECIDED})"))
            }
        }
    }
}

/// The words of an SQL text: runs of letters, digits and `_`.
fn words(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

/// The query and the columns it returns.
pub(crate) fn build(art: &Artifact, dialect: Dialect, opts: &Options) -> Result<(String, Vec<Column>), SqlError> {
    let mut b = Builder::new(art, dialect);
    let (ok, errors) = b.inputs(opts);
    b.build_nodes()?;
    let mut recs = Vec::new();
    for (k, r) in art.recommendations.iter().enumerate() {
        let c = b.cond(&r.when)?;
        recs.push(b.cell(format!("rc{k}"), c));
    }
    let pathways = b.build_steps()?;
    let d = dialect;
    let mut cols: Vec<(Column, String)> = Vec::new();
    let mut add = |name: String, ty: ColumnType, sql: String| cols.push((Column { name, ty }, sql));
    add("errors".into(), ColumnType::TextArray, errors);
    // Results, in the order of the JSON result.
    for (k, node) in art.nodes.iter().enumerate() {
        let NodeKind::Stratify { strata, .. } = &node.kind else { continue };
        let cells = b.nodes[k].clone();
        let mut stratum = String::from("CASE");
        let mut needs = Mask::default();
        let mut before: Vec<String> = Vec::new();
        for (s, st) in strata.iter().enumerate() {
            let m = &cells.members[s];
            stratum.push_str(&format!(" WHEN {m} THEN {} WHEN {m} IS NULL THEN NULL", d.string(&st.name)));
            let mut reach = before.clone();
            reach.push(format!("{m} IS NULL"));
            needs = needs.or(b.membership_needs(k as u32, s as u32).when(&format!("({})", reach.join(" AND "))));
            before.push(format!("NOT COALESCE({m}, FALSE)"));
        }
        stratum.push_str(" END");
        let undecided = format!(
            "({}) AND NOT ({})",
            cells.members.iter().map(|m| format!("{m} IS NULL")).collect::<Vec<_>>().join(" OR "),
            first_true(&cells.members)
        );
        add(format!("stratum.{}", node.id), ColumnType::Text, stratum);
        let arr = b.needs_array(&needs);
        add(format!("needs.{}", node.id), ColumnType::TextArray, format!("CASE WHEN {undecided} THEN {arr} END"));
    }
    for (k, node) in art.nodes.iter().enumerate() {
        let NodeKind::Score { .. } = &node.kind else { continue };
        let v = b.nodes[k].value.clone().unwrap_or(Sv::Unknown);
        let (lo, hi) = match &v {
            Sv::Num { lo, hi } => (lo.clone(), hi.clone()),
            Sv::Qty(x, _) => (d.double(*x), d.double(*x)),
            _ => (format!("CAST(NULL AS {})", d.double_type()), format!("CAST(NULL AS {})", d.double_type())),
        };
        let finite = |x: &str| {
            format!(
                "CASE WHEN {x} > {} AND {x} < {} THEN {x} END",
                d.double(f64::NEG_INFINITY),
                d.double(f64::INFINITY)
            )
        };
        add(format!("score.{}.min", node.id), ColumnType::Double, finite(&lo));
        add(format!("score.{}.max", node.id), ColumnType::Double, finite(&hi));
        let known = b.known(&v);
        let needs = b.nodes[k].needs.clone();
        let arr = b.needs_array(&needs);
        add(format!("needs.{}", node.id), ColumnType::TextArray, format!("CASE WHEN NOT {known} THEN {arr} END"));
    }
    for (k, r) in art.recommendations.iter().enumerate() {
        let rc = &recs[k];
        add(format!("rec.{}", r.id), ColumnType::Boolean, rc.clone());
        let m = b.needs(&r.when)?;
        let arr = b.needs_array(&m);
        add(format!("needs.{}", r.id), ColumnType::TextArray, format!("CASE WHEN {rc} IS NULL THEN {arr} END"));
    }
    for (p, (applies, pmask, steps)) in art.pathways.iter().zip(&pathways) {
        add(format!("pathway.{}", p.id), ColumnType::Boolean, applies.clone());
        let arr = b.needs_array(pmask.as_ref().unwrap_or(&Mask::default()));
        add(format!("needs.{}", p.id), ColumnType::TextArray, format!("CASE WHEN {applies} IS NULL THEN {arr} END"));
        for (s, cells) in p.steps.iter().zip(steps) {
            let id = format!("{}.{}", p.id, s.id);
            let sa = &cells.applies;
            add(format!("step.{id}"), ColumnType::Boolean, sa.clone());
            let arr = b.needs_array(&cells.open);
            add(format!("needs.{id}"), ColumnType::TextArray, format!("CASE WHEN {sa} IS NULL THEN {arr} END"));
            if let (Some((k, dd)), Some(anchor)) = (&cells.deadline, cells.limit) {
                add(format!("due.{id}"), ColumnType::Date, format!("CASE WHEN {k} = {DUE} THEN {dd} END"));
                add(
                    format!("deadline.{id}.applies"),
                    ColumnType::Boolean,
                    format!(
                        "CASE WHEN {k} = {DUE} THEN TRUE WHEN {k} = {NOT_APPLICABLE} THEN FALSE ELSE CAST(NULL AS BOOLEAN) END"
                    ),
                );
                let own = cells.open.clone().when(&format!("({sa} IS NULL)"));
                let m = own.or(b.anchor_needs(steps, anchor));
                let arr = b.needs_array(&m);
                let empty = d.texts_where(&[]);
                add(
                    format!("needs.{id}.due"),
                    ColumnType::TextArray,
                    format!("CASE WHEN {k} = {UNDECIDED} THEN {arr} WHEN {k} = {BEYOND} THEN {empty} END"),
                );
            }
        }
    }
    // One name, one column.
    let mut seen = std::collections::HashSet::new();
    seen.insert(opts.key.as_str());
    for (c, _) in &cols {
        if !seen.insert(c.name.as_str()) {
            return Err(SqlError::NameClash { name: c.name.clone() });
        }
    }
    let mut sql = String::from("WITH\n");
    let last = b.layers.len() - 1;
    for (l, layer) in b.layers.iter().enumerate() {
        if l == 0 {
            let list: Vec<&str> = layer.iter().map(|(_, s)| s.as_str()).collect();
            sql.push_str(&format!("_l0 AS (\n  SELECT {}\n  FROM {}\n)", list.join(", "), d.table(&opts.table)));
        } else {
            let list: Vec<String> = layer.iter().map(|(n, s)| format!("{s} AS {n}")).collect();
            let body = if list.is_empty() { String::new() } else { format!(",\n    {}", list.join(",\n    ")) };
            sql.push_str(&format!("_l{l} AS (\n  SELECT *{body}\n  FROM _l{}{}\n)", l - 1, d.layer_fence()));
        }
        sql.push_str(if l < last { ",\n" } else { "\n" });
    }
    let mut out = vec![format!("_k AS {}", d.ident(&opts.key))];
    for (c, s) in &cols {
        let s = if c.name == "errors" { s.clone() } else { format!("CASE WHEN {ok} THEN {s} END") };
        out.push(format!("{s} AS {}", d.ident(&c.name)));
    }
    sql.push_str(&format!("SELECT\n  {}\nFROM _l{last}", out.join(",\n  ")));
    Ok((sql, cols.into_iter().map(|(c, _)| c).collect()))
}

/// Whether some stratum is the patient's: the first that holds, every
/// earlier one being known not to.
fn first_true(members: &[String]) -> String {
    let mut parts = Vec::new();
    for (s, m) in members.iter().enumerate() {
        let mut all: Vec<String> = members[..s].iter().map(|x| format!("{x} = FALSE")).collect();
        all.push(format!("{m} = TRUE"));
        parts.push(format!("COALESCE({}, FALSE)", all.join(" AND ")));
    }
    if parts.is_empty() {
        "FALSE".into()
    } else {
        parts.join(" OR ")
    }
}

/// The CREATE TABLE of the input table.
pub(crate) fn schema(art: &Artifact, dialect: Dialect, opts: &Options) -> String {
    let mut cols = vec![format!("  {} {} NOT NULL", dialect.ident(&opts.key), dialect.text_type())];
    for input in &art.inputs {
        let ty = match &input.ty {
            ValueType::Boolean => "BOOLEAN",
            ValueType::Integer => "BIGINT",
            ValueType::Decimal => dialect.double_type(),
            ValueType::Date => "DATE",
            ValueType::Duration | ValueType::Text | ValueType::Enum { .. } => dialect.text_type(),
            ValueType::Set { .. } => dialect.text_array_type(),
        };
        cols.push(format!("  {} {ty}", dialect.ident(&input.path)));
    }
    format!("CREATE TABLE {} (\n{}\n){};\n", dialect.table(&opts.table), cols.join(",\n"), dialect.create_suffix())
}
