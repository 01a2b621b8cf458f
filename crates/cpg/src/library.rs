//! The ELM library of one artifact: its parameter, its calendar functions,
//! the fields read from FHIR, every rule, and the results under the names
//! of the SQL contract's columns (`docs/cpg.md`).

use crate::elm::{
    self, and, binary, boolean, case, coalesce, exists, expr_ref, if_, integer, is_null_of, named_type, not, null,
    operand_ref, or, query, string,
};
use crate::lower::{add_duration, Builder, Ev};
use crate::read::{self, Def};
use crate::CpgError;
use guidepath_ir::calendar::{add_duration as add_days, civil_from_days, days_from_civil};
use guidepath_ir::{Anchor, Artifact, NodeKind};
use serde_json::{json, Value as J};

/// The parameter every library takes: the day ages and durations read from
/// FHIR dates are counted to (`guidepath eval --at`).
pub const AT: &str = "Evaluation date";

/// A result of the library: its name and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub name: String,
    pub kind: OutputKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Boolean,
    Decimal,
    Date,
    String,
    Strings,
}

impl OutputKind {
    pub fn cql(self) -> &'static str {
        match self {
            OutputKind::Boolean => "Boolean",
            OutputKind::Decimal => "Decimal",
            OutputKind::Date => "Date",
            OutputKind::String => "String",
            OutputKind::Strings => "List<String>",
        }
    }
}

/// The library's statements, functions and results.
pub(crate) struct Built {
    pub functions: Vec<J>,
    pub defs: Vec<Def>,
    pub outputs: Vec<Output>,
}

const NOT_APPLICABLE: i64 = 0;
const DUE: i64 = 1;
const UNDECIDED: i64 = 2;
const BEYOND: i64 = 3;

pub(crate) fn build(art: &Artifact) -> Result<Built, CpgError> {
    let mut b = Builder::new(art);
    let mut defs: Vec<Def> = read::shared(art);
    let mut families = None;
    for i in 0..art.inputs.len() {
        let (d, ev) = read::field(art, i, &mut families)?;
        defs.extend(d);
        b.inputs.push(ev);
    }
    let errors =
        elm::list(art.inputs.iter().map(|i| if_(expr_ref(&read::invalid_name(i)), string(&i.path), null())).collect());
    defs.push((
        "Errors".into(),
        query("E", errors, Some(not(is_null_of(json!({"type": "AliasRef", "name": "E"})))), None),
    ));
    defs.push(("Valid".into(), not(exists(expr_ref("Errors")))));
    // The rules.
    for (k, node) in art.nodes.iter().enumerate() {
        b.place = place(art, node.at, node.kind.word(), &node.id);
        match &node.kind {
            NodeKind::Define { expr } | NodeKind::Score { expr } => {
                let v = b.lower(expr)?;
                let v = store(&mut defs, &format!("define.{}", node.id), v);
                b.nodes[k].0 = Some(v);
            }
            NodeKind::Stratify { population, strata } => {
                let pop = match population {
                    Some(p) => {
                        let c = b.cond(p)?;
                        Some(def(&mut defs, format!("population.{}", node.id), c))
                    }
                    None => None,
                };
                let mut members = Vec::new();
                for st in strata {
                    b.place = place(art, st.at, "stratum", &format!("{}.{}", node.id, st.name));
                    let c = b.cond(&st.when)?;
                    let c = def(&mut defs, format!("condition.{}.{}", node.id, st.name), c);
                    let m = match &pop {
                        Some(p) => and(vec![p.clone(), c]),
                        None => c,
                    };
                    members.push(def(&mut defs, format!("member.{}.{}", node.id, st.name), m));
                }
                b.nodes[k].1 = members;
            }
        }
    }
    let mut outputs = vec![Output { name: "Errors".into(), kind: OutputKind::Strings }];
    let mut out = |defs: &mut Vec<Def>, name: String, kind: OutputKind, x: J| {
        defs.push((name.clone(), if_(expr_ref("Valid"), x, null())));
        outputs.push(Output { name, kind });
    };
    // Results, in the order of the JSON result.
    for (k, node) in art.nodes.iter().enumerate() {
        let NodeKind::Stratify { strata, .. } = &node.kind else { continue };
        let members = b.nodes[k].1.clone();
        let mut items = Vec::new();
        for (m, st) in members.iter().zip(strata) {
            items.push((m.clone(), string(&st.name)));
            items.push((is_null_of(m.clone()), null()));
        }
        out(&mut defs, format!("stratum.{}", node.id), OutputKind::String, case(items, null()));
    }
    for (k, node) in art.nodes.iter().enumerate() {
        let NodeKind::Score { .. } = &node.kind else { continue };
        let (lo, hi) = match b.nodes[k].0.clone() {
            Some(Ev::Num { lo, hi }) => (lo, hi),
            Some(Ev::Qty(x, _)) => (b.dec(x)?, b.dec(x)?),
            _ => (null(), null()),
        };
        out(&mut defs, format!("score.{}.min", node.id), OutputKind::Decimal, lo);
        out(&mut defs, format!("score.{}.max", node.id), OutputKind::Decimal, hi);
    }
    for r in &art.recommendations {
        b.place = place(art, r.at, "recommendation", &r.id);
        let c = b.cond(&r.when)?;
        let c = def(&mut defs, format!("applies.{}", r.id), c);
        out(&mut defs, format!("rec.{}", r.id), OutputKind::Boolean, c);
    }
    for p in &art.pathways {
        b.place = place(art, p.at, "pathway", &p.id);
        let applies = match &p.when {
            Some(w) => {
                let c = b.cond(w)?;
                def(&mut defs, format!("applies.{}", p.id), c)
            }
            None => boolean(true),
        };
        out(&mut defs, format!("pathway.{}", p.id), OutputKind::Boolean, applies.clone());
        // Each step's deadline: its kind and the date it would be due.
        let mut deadlines: Vec<Option<(J, J)>> = Vec::new();
        for s in &p.steps {
            b.place = place(art, s.at, "step", &format!("{}.{}", p.id, s.id));
            let id = format!("{}.{}", p.id, s.id);
            let sa = match &s.when {
                Some(w) => {
                    let c = b.cond(w)?;
                    let c = def(&mut defs, format!("condition.{id}"), c);
                    and(vec![applies.clone(), c])
                }
                None => applies.clone(),
            };
            let sa = def(&mut defs, format!("applies.{id}"), sa);
            out(&mut defs, format!("step.{id}"), OutputKind::Boolean, sa.clone());
            let deadline = match &s.limit {
                None => None,
                Some(limit) => {
                    let (ak, ad) = match limit.anchor {
                        Anchor::Input(i) => {
                            let input = art
                                .inputs
                                .get(i as usize)
                                .ok_or_else(|| CpgError::Invalid(format!("input {i} does not exist")))?;
                            let d = read::raw_ref(input);
                            (if_(is_null_of(d.clone()), integer(UNDECIDED), integer(DUE)), d)
                        }
                        Anchor::Step(j) => match deadlines.get(j as usize).cloned().flatten() {
                            Some(x) => x,
                            None => (integer(NOT_APPLICABLE), null()),
                        },
                    };
                    // The latest day the limit can count from and stay
                    // within the calendar: the engine never computes a
                    // date past 9999-12-31.
                    let last = latest_anchor(limit.amount);
                    let (y, m, d) = civil_from_days(last);
                    let fits = binary("LessOrEqual", ad.clone(), elm::date(y, m, d));
                    let due = def(
                        &mut defs,
                        format!("due date.{id}"),
                        if_(fits.clone(), add_duration(ad, limit.amount, true), null()),
                    );
                    let eq = |x: &J, n: i64| coalesce(vec![binary("Equal", x.clone(), integer(n)), boolean(false)]);
                    let is_true = |x: &J| coalesce(vec![x.clone(), boolean(false)]);
                    let is_false = |x: &J| coalesce(vec![binary("Equal", x.clone(), boolean(false)), boolean(false)]);
                    let kind = case(
                        vec![
                            (is_false(&sa), integer(NOT_APPLICABLE)),
                            (eq(&ak, NOT_APPLICABLE), integer(NOT_APPLICABLE)),
                            (
                                and(vec![eq(&ak, DUE), is_true(&sa)]),
                                if_(coalesce(vec![fits, boolean(false)]), integer(DUE), integer(BEYOND)),
                            ),
                            (and(vec![eq(&ak, BEYOND), is_true(&sa)]), integer(BEYOND)),
                        ],
                        integer(UNDECIDED),
                    );
                    let kind = def(&mut defs, format!("deadline.{id}"), kind);
                    out(&mut defs, format!("due.{id}"), OutputKind::Date, if_(eq(&kind, DUE), due.clone(), null()));
                    let applies = case(
                        vec![(eq(&kind, DUE), boolean(true)), (eq(&kind, NOT_APPLICABLE), boolean(false))],
                        null(),
                    );
                    out(&mut defs, format!("deadline.{id}.applies"), OutputKind::Boolean, applies);
                    Some((kind, due))
                }
            };
            deadlines.push(deadline);
        }
    }
    Ok(Built { functions: functions(), defs, outputs })
}

fn def(defs: &mut Vec<Def>, name: String, x: J) -> J {
    let r = expr_ref(&name);
    defs.push((name, x));
    r
}

/// A node's value as definitions (a constant stays a constant).
fn store(defs: &mut Vec<Def>, prefix: &str, v: Ev) -> Ev {
    match v {
        Ev::Bool(x) => Ev::Bool(def(defs, prefix.into(), x)),
        Ev::Date(x) => Ev::Date(def(defs, prefix.into(), x)),
        Ev::Text(x) => Ev::Text(def(defs, prefix.into(), x)),
        Ev::Enum(x) => Ev::Enum(def(defs, prefix.into(), x)),
        Ev::Set { list, values } => Ev::Set { list: def(defs, prefix.into(), list), values },
        Ev::Num { lo, hi } => {
            Ev::Num { lo: def(defs, format!("{prefix}.min"), lo), hi: def(defs, format!("{prefix}.max"), hi) }
        }
        Ev::Dur { m, d, t } => Ev::Dur {
            m: def(defs, format!("{prefix}.months"), m),
            d: def(defs, format!("{prefix}.days"), d),
            t: def(defs, format!("{prefix}.minutes"), t),
        },
        other @ (Ev::Qty(..) | Ev::Unknown) => other,
    }
}

fn place(art: &Artifact, at: u32, kind: &str, id: &str) -> String {
    match art.place(at) {
        Some(loc) => format!("{kind} `{id}` ({loc})"),
        None => format!("{kind} `{id}`"),
    }
}

/// The latest date that `amount` can be added to within the calendar.
fn latest_anchor(amount: guidepath_ir::Duration) -> i64 {
    let end = days_from_civil(9999, 12, 31);
    // Adding is monotonic: step back from the end until it fits.
    let mut d = end - amount.days - amount.minutes.div_euclid(24 * 60) - 31 * amount.months.max(0) + 31;
    d = d.min(end);
    while d > days_from_civil(1, 1, 1) && add_days(d, amount, true) > end {
        d -= 1;
    }
    d
}

/// The calendar's functions, as `guidepath_ir::calendar` computes them:
/// CQL's own `months between` counts a month from the 31st to the 30th
/// as none, where the calendar's whole months clamp to the month's end.
fn functions() -> Vec<J> {
    let y = operand_ref("y");
    let m = operand_ref("m");
    let leap = or(vec![
        and(vec![
            binary("Equal", binary("Modulo", y.clone(), integer(4)), integer(0)),
            binary("NotEqual", binary("Modulo", y.clone(), integer(100)), integer(0)),
        ]),
        binary("Equal", binary("Modulo", y.clone(), integer(400)), integer(0)),
    ]);
    let last_day = case(
        vec![
            (binary("Equal", m.clone(), integer(2)), if_(leap, integer(29), integer(28))),
            (elm::in_list(m, elm::list([4, 6, 9, 11].iter().map(|k| integer(*k)).collect())), integer(30)),
        ],
        integer(31),
    );
    let d = operand_ref("d");
    let k = operand_ref("k");
    let comp = |p: &str, x: &J| elm::component(p, x.clone());
    // AddMonths(d, k): months counted from year 0, then back to a date.
    let total = binary(
        "Add",
        binary(
            "Add",
            binary("Multiply", comp("Year", &d), integer(12)),
            binary("Subtract", comp("Month", &d), integer(1)),
        ),
        k,
    );
    let ny = binary("TruncatedDivide", total.clone(), integer(12));
    let nm = binary("Add", binary("Modulo", total, integer(12)), integer(1));
    let day = elm::min_of(vec![comp("Day", &d), elm::call("LastDay", vec![ny.clone(), nm.clone()])]);
    let add_months = json!({"type": "Date", "year": ny, "month": nm, "day": day});
    // `from` and `to` are words of CQL: the operands are named otherwise.
    let (from, to) = (operand_ref("earlier"), operand_ref("later"));
    let m0 = binary(
        "Add",
        binary("Multiply", binary("Subtract", comp("Year", &to), comp("Year", &from)), integer(12)),
        binary("Subtract", comp("Month", &to), comp("Month", &from)),
    );
    let clamped =
        elm::min_of(vec![comp("Day", &from), elm::call("LastDay", vec![comp("Year", &to), comp("Month", &to)])]);
    let whole = elm::max_of(vec![
        binary("Subtract", m0, if_(binary("Greater", clamped, comp("Day", &to)), integer(1), integer(0))),
        integer(0),
    ]);
    let f = |name: &str, operands: &[(&str, &str)], expr: J| {
        json!({
            "name": name,
            "context": "Patient",
            "accessLevel": "Public",
            "type": "FunctionDef",
            "operand": operands.iter().map(|(n, t)| json!({"name": n, "operandTypeSpecifier": named_type(t)})).collect::<Vec<_>>(),
            "expression": expr,
        })
    };
    vec![
        f("LastDay", &[("y", "Integer"), ("m", "Integer")], last_day),
        f("AddMonths", &[("d", "Date"), ("k", "Integer")], add_months),
        f("WholeMonths", &[("earlier", "Date"), ("later", "Date")], whole),
    ]
}
