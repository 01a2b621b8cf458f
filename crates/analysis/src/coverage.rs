//! What a guideline's inline tests exercise, as `opa test --coverage` does
//! for policies: each recommendation seen applying and not applying, each
//! stratum reached, each operand of every `and`/`or` deciding its result at
//! least once, and each time limit giving a due date.
//!
//! The operands are asked of the evaluator itself: every `and`/`or` and each
//! of its operands becomes a probe recommendation appended to a copy of the
//! artifact (recommendations come after every node, so a probe reads what
//! the rule reads), and each test's patient is evaluated once on that copy.
//! An operand decides an `and` when it is false and so is the result, or
//! when every operand is true; an `or` likewise with true and false swapped.

use guidepath_check::TestCase;
use guidepath_eval::{Evaluator, State};
use guidepath_ir::{Artifact, Direction, Expr, Loc, NodeKind};
use std::collections::HashMap;

/// One thing a test should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// The rule it belongs to: a recommendation, stratification, node or
    /// `pathway.step`.
    pub rule: String,
    /// What must be seen: `applies`, `does not apply`, `reaches primary_care`,
    /// `` `age >= 16` decides `and` ``, `gives a due date`.
    pub what: String,
    /// Where it is written.
    pub at: Option<Loc>,
    /// The tests that showed it, in the order they ran.
    pub by: Vec<String>,
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

    /// Covered goals as a percentage; 100 when there is nothing to cover.
    pub fn percent(&self) -> f64 {
        match self.goals.len() {
            0 => 100.0,
            n => 100.0 * self.covered() as f64 / n as f64,
        }
    }
}

/// An `and`/`or` met in the rules: where, its kind, and its operands.
struct Decision<'a> {
    rule: String,
    at: Option<Loc>,
    any: bool,
    expr: &'a Expr,
    operands: &'a [Expr],
}

/// Every `and`/`or` in the rules, with the rule it is in and the place of
/// the nearest labelled condition (or the rule's own).
fn decisions(art: &Artifact) -> Vec<Decision<'_>> {
    let mut roots: Vec<(String, u32, &Expr)> = Vec::new();
    for n in &art.nodes {
        match &n.kind {
            NodeKind::Define { expr } | NodeKind::Score { expr } => roots.push((n.id.clone(), n.at, expr)),
            NodeKind::Stratify { population, strata } => {
                roots.extend(population.iter().map(|p| (n.id.clone(), n.at, p)));
                roots.extend(strata.iter().map(|s| (format!("{}.{}", n.id, s.name), s.at, &s.when)));
            }
        }
    }
    for r in &art.recommendations {
        roots.push((r.id.clone(), r.at, &r.when));
    }
    for p in &art.pathways {
        roots.extend(p.when.iter().map(|w| (p.id.clone(), p.at, w)));
        for s in &p.steps {
            roots.extend(s.when.iter().map(|w| (format!("{}.{}", p.id, s.id), s.at, w)));
        }
    }
    let mut out = Vec::new();
    for (rule, at, root) in roots {
        let mut todo: Vec<(&Expr, u32)> = vec![(root, at)];
        while let Some((e, at)) = todo.pop() {
            let at = match e {
                Expr::Labeled { at, .. } => *at,
                _ => at,
            };
            if let Expr::And(xs) | Expr::Or(xs) = e {
                out.push(Decision {
                    rule: rule.clone(),
                    at: art.place(at),
                    any: matches!(e, Expr::Or(_)),
                    expr: e,
                    operands: xs,
                });
            }
            let mut children = Vec::new();
            e.push_children(&mut children);
            todo.extend(children.into_iter().rev().map(|c| (c, at)));
        }
    }
    out
}

fn goal(rule: &str, what: String, at: Option<Loc>) -> Goal {
    Goal { rule: rule.to_string(), what, at, by: Vec::new() }
}

/// The coverage of `tests` over the rules of `art`. Errors name a test
/// whose patient does not bind (the test run reports those too).
pub fn coverage(art: &Artifact, tests: &[TestCase]) -> Result<Coverage, String> {
    let decisions = decisions(art);
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
    let first_branch = goals.len();
    for d in &decisions {
        let word = if d.any { "or" } else { "and" };
        for x in d.operands {
            goals.push(goal(&d.rule, format!("`{}` decides `{word}`", art.show(x)), d.at.clone()));
        }
    }
    let mut limit_goals: HashMap<(&str, &str), usize> = HashMap::new();
    for p in &art.pathways {
        for s in p.steps.iter().filter(|s| s.limit.is_some()) {
            limit_goals.insert((&p.id, &s.id), goals.len());
            goals.push(goal(&format!("{}.{}", p.id, s.id), "gives a due date".into(), art.place(s.at)));
        }
    }

    // The probes: each decision, then its operands, after the rules.
    let mut probed = art.clone();
    for (k, d) in decisions.iter().enumerate() {
        let probe = |id: String, when: &Expr| guidepath_ir::Recommendation {
            id: id.clone(),
            title: Default::default(),
            direction: Direction::For,
            action: id,
            strength: None,
            certainty: None,
            level: Default::default(),
            rationale: Default::default(),
            when: when.clone(),
            at: u32::MAX,
        };
        probed.recommendations.push(probe(format!("coverage.{k}"), d.expr));
        for (j, x) in d.operands.iter().enumerate() {
            probed.recommendations.push(probe(format!("coverage.{k}.{j}"), x));
        }
    }
    // Built from a checked artifact in this process: no hash to verify.
    let ev = Evaluator::new_in_process(probed).map_err(|e| e.to_string())?;

    for case in tests {
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
        let mut probe = recs;
        let mut g = first_branch;
        for d in &decisions {
            let result = applied.get(probe).copied().flatten();
            let values: Vec<Option<bool>> =
                (0..d.operands.len()).map(|j| applied.get(probe + 1 + j).copied().flatten()).collect();
            // `and`: the false operands decide a false result, all decide a
            // true one; `or` the same with true and false swapped.
            let all = values.iter().all(|v| *v == Some(!d.any));
            for v in &values {
                let decides = match result {
                    Some(r) if r == d.any => *v == Some(d.any),
                    Some(_) => all,
                    None => false,
                };
                if decides {
                    seen.push(g);
                }
                g += 1;
            }
            probe += 1 + d.operands.len();
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
    Ok(Coverage { goals })
}
