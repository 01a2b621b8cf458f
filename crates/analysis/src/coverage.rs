//! What a guideline's inline tests exercise, as `opa test --coverage` does
//! for policies: each recommendation seen applying and not applying, each
//! stratum reached, each time limit giving a due date, and each condition
//! of every `and`/`or` shown to matter on its own (MC/DC).
//!
//! The MC/DC goals are those of DO-178C and ISO 26262, in the masking form:
//! a rule's condition is a tree of `and`, `or` and `not` over conditions
//! (comparisons, names, strata); a condition is covered when one test has
//! it true and another has it false while, in each of the two, every other
//! operand on its way to the rule's root holds the value that does not
//! decide its `and`/`or` (true for `and`, false for `or`). The rule's outcome
//! then follows that one condition in both tests, so the two tests differ
//! in the outcome because of it alone. A test in which a condition is
//! unknown (missing data) shows nothing about it.
//!
//! The values are asked of the evaluator itself: each operand of every
//! `and`/`or` becomes a probe recommendation appended to a copy of the
//! artifact (recommendations come after every node, so a probe reads what
//! the rule reads), and each test's patient is evaluated once on that copy.
//! For a goal no test covers, the consistency analysis's search finds the
//! missing patients, and they are offered as `test` blocks; a goal for
//! which the search proves that no patient exists cannot be covered and is
//! not counted.

use crate::search::{with_analysis, Answer};
use guidepath_check::TestCase;
use guidepath_eval::{Evaluator, Part, State};
use guidepath_ir::{Artifact, Direction, Expr, Loc, NodeKind};
use std::collections::HashMap;

/// One thing a test should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// The rule it belongs to: a recommendation, stratification, node or
    /// `pathway.step`.
    pub rule: String,
    /// What must be seen: `applies`, `does not apply`, `reaches primary_care`,
    /// `` `age >= 16` shown to matter ``, `gives a due date`.
    pub what: String,
    /// Where it is written.
    pub at: Option<Loc>,
    /// The tests that showed it, in the order they ran (for a condition,
    /// the two tests of its pair).
    pub by: Vec<String>,
    /// For a condition no test shows to matter: `test` blocks, ready to
    /// paste, whose patients would (the outcome they expect is the one the
    /// rules give now; confirm it before adding them).
    pub suggested: Vec<String>,
    /// No patient can cover it (proven by the search): it is not counted.
    pub unreachable: bool,
}

impl Goal {
    pub fn covered(&self) -> bool {
        !self.by.is_empty()
    }
}

/// The goals of one artifact and what its tests covered.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub goals: Vec<Goal>,
}

impl Coverage {
    pub fn covered(&self) -> usize {
        self.goals.iter().filter(|g| g.covered()).count()
    }

    /// The goals that can be covered.
    pub fn reachable(&self) -> usize {
        self.goals.iter().filter(|g| !g.unreachable).count()
    }

    /// Covered goals as a percentage of those that can be covered; 100 when
    /// there is nothing to cover.
    pub fn percent(&self) -> f64 {
        match self.reachable() {
            0 => 100.0,
            n => 100.0 * self.covered() as f64 / n as f64,
        }
    }
}

/// What a rule's condition decides, for the expectations of a suggested
/// test.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Recommendation(&'a str),
    Stratification(&'a str),
    Pathway(&'a str),
    Step(&'a str, &'a str),
    Definition(&'a str),
    Score(&'a str),
}

/// An `and`/`or`: whether it is an `or`, and its operands.
struct Decision<'a> {
    any: bool,
    operands: &'a [Expr],
}

/// (decision, operand) pairs from a condition's own `and`/`or` to the
/// rule's root.
type Way = Vec<(usize, usize)>;

/// A condition of a rule: the operand it is (of `decision`, at `operand`,
/// possibly under `not`), and the operands on its way to the rule's root.
struct Leaf<'a> {
    rule: String,
    target: Target<'a>,
    at: Option<Loc>,
    expr: &'a Expr,
    path: Way,
}

/// Every `and`/`or` of the rules and every condition under one, with the
/// rule it is in and the place of the nearest labelled condition (or the
/// rule's own).
fn decisions(art: &Artifact) -> (Vec<Decision<'_>>, Vec<Leaf<'_>>) {
    let mut roots: Vec<(String, Target<'_>, u32, &Expr)> = Vec::new();
    for n in &art.nodes {
        match &n.kind {
            NodeKind::Define { expr } => roots.push((n.id.clone(), Target::Definition(&n.id), n.at, expr)),
            NodeKind::Score { expr } => roots.push((n.id.clone(), Target::Score(&n.id), n.at, expr)),
            NodeKind::Stratify { population, strata } => {
                roots.extend(population.iter().map(|p| (n.id.clone(), Target::Stratification(&n.id), n.at, p)));
                roots.extend(
                    strata
                        .iter()
                        .map(|s| (format!("{}.{}", n.id, s.name), Target::Stratification(&n.id), s.at, &s.when)),
                );
            }
        }
    }
    for r in &art.recommendations {
        roots.push((r.id.clone(), Target::Recommendation(&r.id), r.at, &r.when));
    }
    for p in &art.pathways {
        roots.extend(p.when.iter().map(|w| (p.id.clone(), Target::Pathway(&p.id), p.at, w)));
        for s in &p.steps {
            roots.extend(s.when.iter().map(|w| (format!("{}.{}", p.id, s.id), Target::Step(&p.id, &s.id), s.at, w)));
        }
    }
    let mut decisions = Vec::new();
    let mut leaves = Vec::new();
    for (rule, target, at, root) in roots {
        // (expression, place, its way to the root, or None above the
        // first `and`/`or`).
        let mut todo: Vec<(&Expr, u32, Option<Way>)> = vec![(root, at, None)];
        while let Some((e, at, path)) = todo.pop() {
            let (e, at) = strip(e, at);
            match e {
                Expr::And(xs) | Expr::Or(xs) => {
                    let k = decisions.len();
                    decisions.push(Decision { any: matches!(e, Expr::Or(_)), operands: xs });
                    for (j, x) in xs.iter().enumerate().rev() {
                        let mut way = vec![(k, j)];
                        way.extend(path.iter().flatten().copied());
                        todo.push((x, at, Some(way)));
                    }
                }
                _ => {
                    if let Some(path) = path {
                        leaves.push(Leaf { rule: rule.clone(), target, at: art.place(at), expr: e, path });
                    }
                }
            }
        }
    }
    (decisions, leaves)
}

/// Below `not`s and labels (a label gives its place).
fn strip(mut e: &Expr, mut at: u32) -> (&Expr, u32) {
    loop {
        match e {
            Expr::Labeled { at: a, expr } => {
                at = *a;
                e = expr;
            }
            Expr::Not(x) => e = x,
            _ => return (e, at),
        }
    }
}

fn goal(rule: &str, what: String, at: Option<Loc>) -> Goal {
    Goal { rule: rule.to_string(), what, at, by: Vec::new(), suggested: Vec::new(), unreachable: false }
}

/// The coverage of `tests` over the rules of `art`. Errors name a test
/// whose patient does not bind (the test run reports those too).
pub fn coverage(art: &Artifact, tests: &[TestCase]) -> Result<Coverage, String> {
    let (decisions, leaves) = decisions(art);
    let mut goals: Vec<Goal> = Vec::new();
    let recs = art.recommendations.len();
    for r in &art.recommendations {
        let at = art.place(r.at);
        goals.push(goal(&r.id, "applies".into(), at.clone()));
        goals.push(goal(&r.id, "does not apply".into(), at));
    }
    // The first goal of each stratification, and of each step's limit.
    let mut strat_goals: HashMap<&str, usize> = HashMap::new();
    for n in &art.nodes {
        if let NodeKind::Stratify { strata, .. } = &n.kind {
            strat_goals.insert(&n.id, goals.len());
            for s in strata {
                goals.push(goal(&n.id, format!("reaches {}", s.name), art.place(s.at)));
            }
        }
    }
    let first_leaf = goals.len();
    for l in &leaves {
        goals.push(goal(&l.rule, format!("`{}` shown to matter", art.show(l.expr)), l.at.clone()));
    }
    let mut limit_goals: HashMap<(&str, &str), usize> = HashMap::new();
    for p in &art.pathways {
        for s in p.steps.iter().filter(|s| s.limit.is_some()) {
            limit_goals.insert((&p.id, &s.id), goals.len());
            goals.push(goal(&format!("{}.{}", p.id, s.id), "gives a due date".into(), art.place(s.at)));
        }
    }

    // The probes: each operand of each decision, after the rules.
    let mut probed = art.clone();
    let mut first_probe = Vec::with_capacity(decisions.len());
    for (k, d) in decisions.iter().enumerate() {
        first_probe.push(probed.recommendations.len());
        for (j, x) in d.operands.iter().enumerate() {
            let id = format!("coverage.{k}.{j}");
            probed.recommendations.push(guidepath_ir::Recommendation {
                id: id.clone(),
                title: Default::default(),
                direction: Direction::For,
                action: id,
                strength: None,
                certainty: None,
                level: Default::default(),
                rationale: Default::default(),
                when: x.clone(),
                at: u32::MAX,
                provenance: Default::default(),
            });
        }
    }
    // Built from a checked artifact in this process: no hash to verify.
    let ev = Evaluator::new_in_process(probed).map_err(|e| e.to_string())?;

    // For each condition, the first test that shows it true and the first
    // that shows it false, each with its way to the root open.
    let mut sides: Vec<[Option<usize>; 2]> = vec![[None, None]; leaves.len()];
    for (t, case) in tests.iter().enumerate() {
        let outcome = ev.evaluate_json(&case.patient).map_err(|errors| {
            let first = errors.first().map(|e| e.to_string()).unwrap_or_default();
            format!("test \"{}\": invalid data: {first}", case.name)
        })?;
        let report = outcome.report(false);
        let mut seen: Vec<usize> = Vec::new();
        for (i, r) in report.recommendations.iter().take(recs).enumerate() {
            match (r.state, r.applies) {
                (State::Decided, Some(true)) => seen.push(2 * i),
                (State::Decided, Some(false)) | (State::NotApplicable, _) => seen.push(2 * i + 1),
                _ => {}
            }
        }
        for s in &report.strata {
            let (Some(&first), State::Decided, Some(name)) = (strat_goals.get(s.id), s.state, s.stratum) else {
                continue;
            };
            let n = goals
                .iter()
                .skip(first)
                .take_while(|g| g.rule == s.id)
                .position(|g| g.what == format!("reaches {name}"));
            seen.extend(n.map(|n| first + n));
        }
        let applied = outcome.recommendations_applied();
        let value = |k: usize, j: usize| applied.get(first_probe[k] + j).copied().flatten();
        for (l, leaf) in leaves.iter().enumerate() {
            // Every other operand on the way holds the value that does not
            // decide its `and`/`or`.
            let open = leaf.path.iter().all(|&(k, j)| {
                let d = &decisions[k];
                (0..d.operands.len()).all(|o| o == j || value(k, o) == Some(!d.any))
            });
            let Some(&(k, j)) = leaf.path.first() else { continue };
            if let (true, Some(v)) = (open, value(k, j)) {
                let side = &mut sides[l][usize::from(v)];
                side.get_or_insert(t);
            }
        }
        for p in &report.pathways {
            for s in &p.steps {
                let due = s.deadline.as_ref().is_some_and(|d| d.state == State::Decided && d.due.is_some());
                if let (true, Some(&g)) = (due, limit_goals.get(&(p.id, s.id))) {
                    seen.push(g);
                }
            }
        }
        for k in seen {
            if let Some(goal) = goals.get_mut(k) {
                goal.by.push(case.name.clone());
            }
        }
    }
    for (l, [off, on]) in sides.iter().enumerate() {
        let goal = &mut goals[first_leaf + l];
        match (on, off) {
            (Some(a), Some(b)) => goal.by = vec![tests[*a].name.clone(), tests[*b].name.clone()],
            _ => suggest(art, &decisions, &leaves[l], [off.is_none(), on.is_none()], goal),
        }
    }
    Ok(Coverage { goals })
}

/// The patients that would show `leaf` to matter, on the sides no test
/// shows (`missing[0]`: false, `missing[1]`: true), found by the analysis's
/// search, as `test` blocks; or that none exists.
fn suggest(art: &Artifact, decisions: &[Decision<'_>], leaf: &Leaf<'_>, missing: [bool; 2], goal: &mut Goal) {
    let mut open: Vec<Part<'_>> = Vec::new();
    for &(k, j) in &leaf.path {
        let d = &decisions[k];
        for (_, x) in d.operands.iter().enumerate().filter(|(o, _)| *o != j) {
            open.push(if d.any { Part::fails(x) } else { Part::holds(x) });
        }
    }
    let Ok(ev) = Evaluator::new_in_process(art.clone()) else { return };
    let shown = art.show(leaf.expr);
    with_analysis(art, |an| {
        for (side, wanted) in [(true, missing[1]), (false, missing[0])] {
            if !wanted {
                continue;
            }
            let mut parts = open.clone();
            parts.push(if side { Part::holds(leaf.expr) } else { Part::fails(leaf.expr) });
            match an.ask(&parts) {
                Answer::Witness(w) => {
                    let patient = crate::candidates::to_json(art, &w);
                    let name = format!("`{shown}` {} in `{}`", if side { "holds" } else { "fails" }, leaf.rule);
                    let expects = expectations(&ev, &patient, leaf.target);
                    let note = "found by guidepath test --coverage: confirm what it should get";
                    goal.suggested.push(crate::witness::test_block(art, &name, &patient, note, &expects));
                }
                Answer::None => goal.unreachable = true,
                Answer::NotAnalysed(_) => {}
            }
        }
    });
}

/// What the rules give `patient` for `target`, as a test expects it.
fn expectations(ev: &Evaluator, patient: &serde_json::Value, target: Target<'_>) -> Vec<String> {
    let Ok(out) = ev.evaluate_json(patient) else { return Vec::new() };
    let report = out.report(false);
    let applies = |state: State, applies: Option<bool>| match (state, applies) {
        (State::Decided, Some(true)) => "applies",
        (State::Undecided, _) => "undecided",
        _ => "does not apply",
    };
    let one = match target {
        Target::Recommendation(id) => {
            report.recommendations.iter().find(|r| r.id == id).map(|r| format!("{id} {}", applies(r.state, r.applies)))
        }
        Target::Stratification(id) => report.strata.iter().find(|s| s.id == id).map(|s| match (s.state, s.stratum) {
            (State::Decided, Some(name)) => format!("{id} is {name}"),
            (State::Undecided, _) => format!("{id} undecided"),
            _ => format!("{id} not applicable"),
        }),
        Target::Pathway(id) => {
            report.pathways.iter().find(|p| p.id == id).map(|p| format!("{id} {}", applies(p.state, p.applies)))
        }
        Target::Step(pathway, step) => report
            .pathways
            .iter()
            .find(|p| p.id == pathway)
            .and_then(|p| p.steps.iter().find(|s| s.id == step))
            .map(|s| format!("{step} {}", applies(s.state, s.applies))),
        Target::Definition(id) => out.condition(id).map(|v| match v {
            Some(true) => format!("{id} applies"),
            Some(false) => format!("{id} does not apply"),
            None => format!("{id} undecided"),
        }),
        Target::Score(id) => out.number(id).map(|(lo, hi)| match lo == hi {
            true => format!("{id} = {}", guidepath_ir::show::number(lo)),
            false => format!("{id} in {}..{}", guidepath_ir::show::number(lo), guidepath_ir::show::number(hi)),
        }),
    };
    one.into_iter().collect()
}

/// A `test` block that pins what the rules give `patient` now: each
/// stratification's stratum, each recommendation's and pathway's state.
/// The studio turns the patient being tried into one; `None` for data the
/// guideline does not take.
pub fn test_for(ev: &Evaluator, name: &str, patient: &serde_json::Value) -> Option<String> {
    let out = ev.evaluate_json(patient).ok()?;
    let report = out.report(false);
    let mut targets: Vec<Target<'_>> = Vec::new();
    targets.extend(report.strata.iter().map(|s| Target::Stratification(s.id)));
    targets.extend(report.recommendations.iter().map(|r| Target::Recommendation(r.id)));
    targets.extend(report.pathways.iter().map(|p| Target::Pathway(p.id)));
    let expects: Vec<String> = targets.into_iter().flat_map(|t| expectations(ev, patient, t)).collect();
    Some(crate::witness::test_block(ev.artifact(), name, patient, "", &expects))
}
