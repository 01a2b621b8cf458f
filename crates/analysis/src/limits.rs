//! Time limits that cannot be kept.
//!
//! A step is due at its anchor (a date input, or the due date of an earlier
//! step) plus its limit, with the evaluator's calendar arithmetic. Two
//! findings:
//! - E0907: a step is due before a step it comes after (by `after` or by
//!   its anchor) is due, so it cannot be planned once the earlier step has
//!   used its time;
//! - E0908: a step is due after the time limit of its whole pathway.
//!
//! Whether this happens can depend on the calendar (1 month against 30
//! days), so the check looks for a date on which it does: the anchor dates
//! are set to each day of four years (every pattern of month lengths and a
//! leap year) for a patient to whom the steps apply, and the evaluator
//! computes the due dates. The first such date is the witness.

use crate::search::Answer;
use crate::{candidates, witness, Analysis, Findings};
use guidepath_eval::{Bound, Evaluator, Part, Value};
use guidepath_ir::calendar::{add_duration, days_from_civil, format_date};
use guidepath_ir::{Anchor, Artifact, Duration};
use guidepath_syntax::{ast, Code, Diagnostic};
use std::cell::OnceCell;

/// The anchor dates tried: four years from this day.
const FIRST_DAY: (i32, u8, u8) = (2025, 1, 1);
const DAYS: i64 = 4 * 365 + 1;

pub(crate) fn check(an: &Analysis, f: &mut Findings) {
    let art = an.art;
    let file = &f.file.ast;
    for item in &file.items {
        let ast::Item::Pathway(p) = item else { continue };
        let Some(ip) = art.pathways.iter().find(|x| x.id == p.name.name) else { continue };
        // The pathway alone, evaluated once per day tried; prepared only
        // if the day bounds leave a question open.
        let probe = OnceCell::new();
        let bounds = due_bounds(ip);
        let bound_of = |name: &str| ip.steps.iter().position(|s| s.id == name).and_then(|k| bounds[k]);
        let names: Vec<&str> = p.steps.iter().map(|s| s.name.name.as_str()).collect();
        // The steps each step comes after, directly.
        let before: Vec<Vec<usize>> = p
            .steps
            .iter()
            .map(|s| {
                let mut v: Vec<usize> =
                    s.after.iter().filter_map(|a| names.iter().position(|n| *n == a.name)).collect();
                for l in &s.limits {
                    if let [one] = l.anchor.segments.as_slice() {
                        v.extend(names.iter().position(|n| *n == one.name));
                    }
                }
                v
            })
            .collect();
        // The date inputs the pathway's limits count from.
        let mut anchors: Vec<u32> = ip
            .steps
            .iter()
            .filter_map(|s| match s.limit.as_ref()?.anchor {
                Anchor::Input(i) => Some(i),
                Anchor::Step(_) => None,
            })
            .collect();
        if let Some(Anchor::Input(i)) = ip.limit.as_ref().map(|l| &l.anchor) {
            anchors.push(*i);
        }
        let cx = Cx { art, probe: &probe, an, p, ip, anchors: &anchors };
        for (s, step) in p.steps.iter().enumerate() {
            let Some(limit) = step.limits.first() else { continue };
            // Every step it comes after, through other steps too.
            let mut earlier: Vec<usize> = Vec::new();
            let mut todo = before[s].clone();
            while let Some(e) = todo.pop() {
                if e != s && !earlier.contains(&e) {
                    earlier.push(e);
                    todo.extend(before[e].iter().copied());
                }
            }
            earlier.sort_unstable();
            for e in earlier {
                let other = &p.steps[e];
                let Some(other_limit) = other.limits.first() else { continue };
                // Days from the anchor date: when even the earliest this
                // step can be due is not before the latest the other can,
                // no date makes it so.
                if let (Some((lo, _)), Some((_, hi))) = (bound_of(&step.name.name), bound_of(&other.name.name)) {
                    if lo >= hi {
                        continue;
                    }
                }
                let found = cx.find(&[s, e], |out| {
                    let (due, due_other) =
                        (out.due_in(&ip.id, &step.name.name)?, out.due_in(&ip.id, &other.name.name)?);
                    let (due, due_other) = (due?, due_other?);
                    (due < due_other).then(|| {
                        format!(
                            "`{}` is due {} and `{}`, which comes after it, {}",
                            other.name.name,
                            format_date(due_other),
                            step.name.name,
                            format_date(due)
                        )
                    })
                });
                if let Some((json, what)) = found {
                    f.add(
                        Diagnostic::new(
                            Code::LimitBeforeStart,
                            limit.span,
                            format!(
                                "`{}` can be due before `{}`, which it comes after",
                                step.name.name, other.name.name
                            ),
                        )
                        .label("ends too early")
                        .related(other_limit.span, "the earlier step may take until here")
                        .help(format!(
                            "for example for this patient {what}: {}\nlengthen this limit, or count it from `{}`",
                            witness::notation(art, &json),
                            other.name.name
                        ))
                        .witness(witness::json_text(&json), None),
                        &[&p.name.name, &format!("{}.{}", p.name.name, step.name.name)],
                    );
                    break;
                }
            }
            // Longer than the whole pathway.
            let (Some(whole), Some(pl)) = (&ip.limit, p.limits.first()) else { continue };
            let anchor_bounds = match whole.anchor {
                Anchor::Input(_) => Some((0, 0)),
                Anchor::Step(j) => bounds.get(j as usize).copied().flatten(),
            };
            if let (Some((_, hi)), Some((alo, _))) = (bound_of(&step.name.name), anchor_bounds) {
                if hi <= alo + days_bounds(whole.amount).0 {
                    continue;
                }
            }
            let found = cx.find(&[s], |out| {
                let due = out.due_in(&ip.id, &step.name.name)??;
                let from = match whole.anchor {
                    Anchor::Input(i) => out.input_date(i)?,
                    Anchor::Step(j) => out.due_in(&ip.id, &ip.steps.get(j as usize)?.id)??,
                };
                let end = add_duration(from, whole.amount, true);
                (due > end).then(|| {
                    format!(
                        "the pathway ends {} and `{}` is due {}",
                        format_date(end),
                        step.name.name,
                        format_date(due)
                    )
                })
            });
            if let Some((json, what)) = found {
                f.add(
                    Diagnostic::new(
                        Code::LimitBeyondPathway,
                        limit.span,
                        format!("`{}` can be due after the time limit of pathway `{}`", step.name.name, p.name.name),
                    )
                    .label("ends after the pathway")
                    .related(pl.span, "the pathway's limit")
                    .help(format!(
                        "for example for this patient {what}: {}\nshorten the step's limit or lengthen the pathway's",
                        witness::notation(art, &json)
                    ))
                    .witness(witness::json_text(&json), None),
                    &[&p.name.name, &format!("{}.{}", p.name.name, step.name.name)],
                );
            }
        }
    }
}

/// The fewest and most days a duration adds to a date: its bounds in
/// minutes (a month is 28 to 31 days, whatever the clamping at the month's
/// end) in whole days, as the calendar arithmetic counts minutes.
fn days_bounds(d: Duration) -> (i64, i64) {
    let (lo, hi) = d.minutes_bounds();
    (lo.div_euclid(24 * 60), hi.div_euclid(24 * 60))
}

/// For each step (in the compiled order), the fewest and most days after
/// its anchor date at which it can be due; `None` without a limit.
fn due_bounds(p: &guidepath_ir::Pathway) -> Vec<Option<(i64, i64)>> {
    let mut out: Vec<Option<(i64, i64)>> = Vec::with_capacity(p.steps.len());
    for s in &p.steps {
        let b = s.limit.as_ref().and_then(|l| {
            let (lo, hi) = days_bounds(l.amount);
            match l.anchor {
                Anchor::Input(_) => Some((lo, hi)),
                Anchor::Step(j) => out.get(j as usize).copied().flatten().map(|(a, b)| (a + lo, b + hi)),
            }
        });
        out.push(b);
    }
    out
}

struct Cx<'a, 'b> {
    art: &'a Artifact,
    /// The pathway alone (see [`Analysis::pathway_probe`]); `None` inside
    /// if it does not validate.
    probe: &'a OnceCell<Option<Evaluator>>,
    an: &'a Analysis<'b>,
    p: &'a ast::Pathway,
    ip: &'a guidepath_ir::Pathway,
    anchors: &'a [u32],
}

/// What one evaluation shows about the pathway.
struct Dates<'a> {
    outcome: guidepath_eval::Outcome<'a>,
    values: &'a [Option<Value>],
}

impl Dates<'_> {
    fn due_in(&self, pathway: &str, step: &str) -> Option<Option<i64>> {
        self.outcome.due_in(pathway, step)
    }

    fn input_date(&self, i: u32) -> Option<i64> {
        match self.values.get(i as usize)? {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }
}

impl Cx<'_, '_> {
    /// A patient to whom the pathway and the given steps apply, with the
    /// anchor dates set to the first day on which `violated` says what goes
    /// wrong; the patient as JSON and what went wrong.
    fn find(
        &self,
        steps: &[usize],
        violated: impl Fn(&Dates) -> Option<String>,
    ) -> Option<(serde_json::Value, String)> {
        let mut parts: Vec<Part<'_>> = self.ip.when.iter().map(Part::holds).collect();
        for &s in steps {
            let id = &self.p.steps.get(s)?.name.name;
            if let Some(w) = self.ip.steps.iter().find(|x| &x.id == id).and_then(|x| x.when.as_ref()) {
                parts.push(Part::holds(w));
            }
        }
        let Answer::Witness(values) = self.an.ask(&parts) else { return None };
        // Built from a checked artifact: no hash to verify.
        let ev = self.probe.get_or_init(|| Evaluator::new_in_process(self.an.pathway_probe(self.ip)).ok()).as_ref()?;
        let first = days_from_civil(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2);
        // One patient, its anchor dates set in place for each day.
        let mut bound = Bound::from_values(values);
        for day in first..first + DAYS {
            for &i in self.anchors {
                bound.set(i, Some(Value::Date(day)));
            }
            let outcome = ev.evaluate(&bound);
            let dates = Dates { outcome, values: bound.values() };
            if let Some(what) = violated(&dates) {
                return Some((candidates::to_json(self.art, bound.values()), what));
            }
        }
        None
    }
}
