//! What inline tests cover, over several files: each goal once however
//! many artifacts hold it (an instrument's strata are in every guideline
//! that uses it), rendered for people and as JSON (`guidepath test
//! --coverage`, the report, the studio).

use guidepath_analysis::coverage::Goal;
use std::collections::BTreeMap;
use std::path::Path;

/// A goal once, however many files' artifacts hold it (an instrument's
/// strata are in every guideline that uses it): by file, line, column,
/// rule and what.
pub type GoalKey = (String, u32, u32, String, String);

/// What the files' tests showed of one goal.
#[derive(Default)]
pub struct Seen {
    /// The tests that covered it.
    pub by: Vec<String>,
    /// `test` blocks that would cover it (the first file's that has any).
    pub suggested: Vec<String>,
    /// No patient can cover it: not counted.
    pub unreachable: bool,
}

impl Seen {
    /// Adds what another file's tests showed of the same goal.
    pub fn merge(&mut self, other: Seen) {
        self.by.extend(other.by);
        if self.suggested.is_empty() {
            self.suggested = other.suggested;
        }
        self.unreachable |= other.unreachable;
    }

    pub fn counts(&self) -> bool {
        !self.unreachable
    }

    pub fn covered(&self) -> bool {
        !self.by.is_empty()
    }
}

/// Covered goals, goals that count, and the percentage.
pub fn totals<'a>(goals: impl Iterator<Item = &'a Seen>) -> (usize, usize, f64) {
    let (mut covered, mut total) = (0, 0);
    for s in goals.filter(|s| s.counts()) {
        total += 1;
        covered += usize::from(s.covered());
    }
    let percent = if total == 0 { 100.0 } else { 100.0 * covered as f64 / total as f64 };
    (covered, total, percent)
}

/// The goal's key, with its place resolved against the file whose artifact
/// holds it (places name files relative to the guideline's folder).
pub fn keyed(file: &Path, g: Goal) -> (GoalKey, Seen) {
    let (path, line, column) = match &g.at {
        Some(at) => {
            let dir = file.parent().unwrap_or(Path::new(""));
            let p = guidepath_check::db::normalize(&dir.join(&at.file));
            (p.display().to_string(), at.line, at.column)
        }
        None => (file.display().to_string(), 0, 0),
    };
    let seen = Seen { by: g.by, suggested: g.suggested, unreachable: g.unreachable };
    ((path, line, column, g.rule, g.what), seen)
}

/// Coverage as `guidepath test --coverage` prints it.
pub fn coverage_human(goals: &BTreeMap<GoalKey, Seen>, (covered, total, percent): (usize, usize, f64)) -> String {
    let mut out = format!("\ncoverage: {covered} of {total} goals ({percent:.1}%)\n");
    let uncovered: Vec<(&GoalKey, &Seen)> = goals.iter().filter(|(_, s)| s.counts() && !s.covered()).collect();
    if !uncovered.is_empty() {
        out.push_str("not covered by any test:\n");
        for ((file, line, column, rule, what), _) in &uncovered {
            out.push_str(&format!("  {file}:{line}:{column}  {rule}  {what}\n"));
        }
        // One test per patient: a patient that covers two goals is offered once.
        let mut patients = std::collections::HashSet::new();
        let suggested: Vec<&String> = uncovered
            .iter()
            .flat_map(|(_, s)| &s.suggested)
            .filter(|t| patients.insert(t.lines().nth(1).unwrap_or_default().to_string()))
            .collect();
        if !suggested.is_empty() {
            out.push_str("tests that would cover them (check what each should get, then paste):\n");
            for t in suggested {
                for line in t.lines() {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
    }
    let unreachable: Vec<&GoalKey> = goals.iter().filter(|(_, s)| !s.counts()).map(|(k, _)| k).collect();
    if !unreachable.is_empty() {
        out.push_str("no patient can cover (not counted):\n");
        for (file, line, column, rule, what) in unreachable {
            out.push_str(&format!("  {file}:{line}:{column}  {rule}  {what}\n"));
        }
    }
    out
}

/// Coverage as `guidepath test --coverage --format json` writes it
/// (schema 2, `docs/schema/coverage.schema.json`).
pub fn coverage_json(
    goals: &BTreeMap<GoalKey, Seen>,
    (covered, total, percent): (usize, usize, f64),
    (passed, failed): (usize, usize),
) -> String {
    let goals: Vec<serde_json::Value> = goals
        .iter()
        .map(|((file, line, column, rule, what), s)| {
            serde_json::json!({
                "file": file, "line": line, "column": column, "rule": rule, "goal": what,
                "covered": s.covered(), "by": s.by, "unreachable": s.unreachable, "suggested": s.suggested,
            })
        })
        .collect();
    let v = serde_json::json!({
        "schema": "2",
        "tests": { "passed": passed, "failed": failed },
        "coverage": { "covered": covered, "total": total, "percent": (percent * 10.0).round() / 10.0 },
        "goals": goals,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
