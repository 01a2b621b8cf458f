//! Inline tests run against the compiled rules: each `expect` of a test
//! checked on the evaluator's result for its `given` patient, the same
//! path a downstream system takes. `guidepath test` and the language
//! server's test lens both run them here.

use guidepath_check::{Expectation, Expected, Target, TestCase};
use guidepath_eval::{Evaluator, Outcome, Report, State, Why};
use guidepath_ir::calendar::format_date;
use guidepath_ir::show;

/// Runs one test: `Err` with what failed (each expectation with what was
/// expected, what came, and the conditions that decided it).
pub fn run_case(evaluator: &Evaluator, case: &TestCase) -> Result<(), String> {
    let outcome = evaluator
        .evaluate_json(&case.patient)
        .map_err(|errors| errors.iter().map(|e| format!("  invalid test data: {e}\n")).collect::<String>())?;
    let report = outcome.report(false);
    let mut out = String::new();
    for x in &case.expects {
        if let Err(actual) = check(&outcome, &report, x) {
            out.push_str(&format!(
                "  {}  ({})\n    expected: {}\n    actual:   {actual}\n",
                x.text,
                x.at,
                describe(&x.expected)
            ));
            out.push_str(&explain(&outcome, &x.target));
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

fn describe(e: &Expected) -> String {
    match e {
        Expected::Applies => "applies".into(),
        Expected::DoesNotApply => "does not apply".into(),
        Expected::NotApplicable => "not applicable".into(),
        Expected::Undecided(None) => "undecided".into(),
        Expected::Undecided(Some(fields)) => format!("undecided because {}", fields.join(", ")),
        Expected::Is(v) => format!("is {v}"),
        Expected::Equals(x) => format!("= {}", show::number(*x)),
        Expected::In(a, b) => format!("in {}..{}", show::number(*a), show::number(*b)),
        Expected::Due(d) => format!("due {}", format_date(*d)),
    }
}

/// An undecided item as a test names it: `undecided because a, b`.
fn undecided(why: &Why<'_>) -> String {
    let fields = why.fields();
    if fields.is_empty() {
        "undecided".into()
    } else {
        format!("undecided because {}", fields.join(", "))
    }
}

/// Whether an undecided item with `why` meets `undecided [because …]`:
/// the fields named are exactly those that keep it open.
fn open_as_expected(why: &Why<'_>, fields: &Option<Vec<String>>) -> bool {
    match fields {
        None => true,
        Some(want) => {
            let mut have: Vec<&str> = why.fields();
            let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
            have.sort_unstable();
            want.sort_unstable();
            have == want
        }
    }
}

/// How a state reads in a test: `applies`, `not applicable`, ….
fn state_text(state: State, applies: Option<bool>, why: &Why<'_>) -> String {
    match (state, applies) {
        (State::Undecided, _) => undecided(why),
        (State::NotApplicable, _) => "not applicable".into(),
        (State::Decided, Some(false)) => "does not apply".into(),
        (State::Decided, _) => "applies".into(),
    }
}

/// `Err(actual)` when the outcome does not meet the expectation.
fn check(o: &Outcome<'_>, report: &Report<'_>, x: &Expectation) -> Result<(), String> {
    let verdict = |ok: bool, actual: String| if ok { Ok(()) } else { Err(actual) };
    // Something that applies or not: a recommendation, a condition, a
    // pathway or a step (where "does not apply" is "not applicable").
    let applies = |state: State, applies: Option<bool>, why: &Why<'_>| {
        let ok = match &x.expected {
            Expected::Applies => state == State::Decided && applies == Some(true),
            Expected::DoesNotApply => {
                state == State::NotApplicable || (state == State::Decided && applies == Some(false))
            }
            Expected::NotApplicable => state == State::NotApplicable,
            Expected::Undecided(fields) => state == State::Undecided && open_as_expected(why, fields),
            _ => return Err("an expectation this cannot have".to_string()),
        };
        verdict(ok, state_text(state, applies, why))
    };
    match &x.target {
        Target::Recommendation(id) => {
            let r = report.recommendations.iter().find(|r| r.id == id).ok_or(format!("no recommendation `{id}`"))?;
            applies(r.state, r.applies, &r.why)
        }
        Target::Pathway(id) => {
            let p = report.pathways.iter().find(|p| p.id == id).ok_or(format!("no pathway `{id}`"))?;
            applies(p.state, p.applies, &p.why)
        }
        Target::Step { pathway, step } => {
            let s = report
                .pathways
                .iter()
                .filter(|p| p.id == pathway)
                .flat_map(|p| &p.steps)
                .find(|s| s.id == step)
                .ok_or(format!("no step `{step}`"))?;
            let Expected::Due(d) = &x.expected else { return applies(s.state, s.applies, &s.why) };
            let Some(deadline) = &s.deadline else { return Err("no time limit".into()) };
            let want = format_date(*d);
            let actual = match deadline.state {
                State::Decided => format!("due {}", deadline.due.as_deref().unwrap_or("")),
                State::NotApplicable => "not applicable".into(),
                State::Undecided => format!("due date {}", undecided(&deadline.why)),
            };
            verdict(deadline.due.as_deref() == Some(want.as_str()), actual)
        }
        Target::Node(id) => {
            if let Some(s) = report.strata.iter().find(|s| s.id == id) {
                let ok = match &x.expected {
                    Expected::Is(v) => s.state == State::Decided && s.stratum == Some(v.as_str()),
                    Expected::NotApplicable | Expected::DoesNotApply => s.state == State::NotApplicable,
                    Expected::Undecided(fields) => s.state == State::Undecided && open_as_expected(&s.why, fields),
                    _ => false,
                };
                let actual = match s.state {
                    State::Decided => format!("is {}", s.stratum.unwrap_or("")),
                    State::NotApplicable => "not applicable".into(),
                    State::Undecided => undecided(&s.why),
                };
                return verdict(ok, actual);
            }
            if let Some(s) = report.scores.iter().find(|s| s.id == id) {
                let (lo, hi) = (s.min.as_f64(), s.max.as_f64());
                let ok = match &x.expected {
                    Expected::Equals(v) => s.state == State::Decided && lo == Some(*v),
                    Expected::In(a, b) => lo.is_some_and(|lo| lo >= *a) && hi.is_some_and(|hi| hi <= *b),
                    Expected::Undecided(fields) => s.state == State::Undecided && open_as_expected(&s.why, fields),
                    _ => false,
                };
                let actual = match s.state {
                    State::Decided => format!("= {}", s.value),
                    _ => format!("in {}..{}, {}", s.min, s.max, undecided(&s.why)),
                };
                return verdict(ok, actual);
            }
            if let Some((state, t, why)) = o.definition(id) {
                if o.condition(id).is_some() {
                    return applies(state, t, &why);
                }
            }
            let (lo, hi) = o.number(id).ok_or(format!("`{id}` has no value"))?;
            let ok = match &x.expected {
                Expected::Equals(v) => lo == *v && hi == *v,
                Expected::In(a, b) => lo >= *a && hi <= *b,
                Expected::Undecided(_) => lo != hi,
                _ => false,
            };
            let actual = if lo == hi {
                format!("= {}", show::number(lo))
            } else {
                format!("in {}..{}", show::number(lo), show::number(hi))
            };
            verdict(ok, actual)
        }
        Target::Input(id) => Err(format!("`{id}` is patient data, not an outcome")),
    }
}

/// The explanation of the rule an expectation is about.
fn explain(o: &Outcome<'_>, target: &Target) -> String {
    let id = match target {
        Target::Recommendation(id) | Target::Node(id) => id,
        _ => return String::new(),
    };
    let json = o.to_json_explained();
    let mut s = String::new();
    for rule in json["explanation"].as_array().into_iter().flatten().filter(|r| r["rule"] == id.as_str()) {
        let mut conds: Vec<&serde_json::Value> =
            rule["conditions"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
        for st in rule["strata"].as_array().into_iter().flatten() {
            conds.extend(st["conditions"].as_array().into_iter().flatten());
        }
        for c in conds {
            s.push_str(&format!("    because {} = {}  {}\n", c["text"].as_str().unwrap_or(""), c["value"], c["data"]));
        }
    }
    s
}
