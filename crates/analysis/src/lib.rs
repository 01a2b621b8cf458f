//! Consistency analysis with witness patients.
//!
//! A question such as "can two strata hold for one patient?" is written as a
//! condition in the compiled form and answered by a search over patients:
//! each input the condition reads gets a finite set of candidate values that
//! covers every case the condition can tell apart (each constant it is
//! compared with, a value between each two neighbouring constants and one
//! beyond each end, inside the declared range; every answer of a
//! questionnaire item; every value of an enum). The search assigns inputs
//! one at a time and evaluates the condition with the evaluator's
//! three-valued semantics on the partial patient: as soon as it is false the
//! branch is abandoned, as soon as it is true the patient is a witness. So
//! every finding is confirmed by the evaluator itself, and a search that
//! finds nothing has covered every case.
//!
//! This first part of the analysis covers stratifications: overlapping
//! strata (E0901) and patients of the population in no stratum (E0902).

mod candidates;

use guidepath_check::{check_and_lower, Checked, Compiled, Diagnostic, FileSystem};
use guidepath_eval::{Bound, Evaluator, Value};
use guidepath_ir::{Artifact, Direction, Expr, Loc, NodeKind, Recommendation};
use guidepath_syntax::{ast, Code};
use std::path::PathBuf;

/// Most evaluations one question may take before it is left undecided.
const BUDGET: usize = 200_000;

/// Checks the files like [`guidepath_check::check`], then analyses every
/// root file that has no errors and adds the findings to its diagnostics.
/// One check run serves both.
pub fn check_and_analyse(fs: &dyn FileSystem, paths: &[PathBuf]) -> Checked {
    let (mut checked, lowered) = check_and_lower(fs, paths);
    for (k, lowered) in lowered.iter().enumerate() {
        let (Some(lowered), Some(&root)) = (lowered, checked.roots.get(k)) else { continue };
        let found = analyse_file(&checked.db.file(root).ast, &lowered.artifact);
        let diags = &mut checked.diagnostics[root];
        diags.extend(found);
        diags.sort_by_key(|d| (d.label.span.start, d.label.span.end, d.code));
    }
    checked
}

/// Findings for the root file of a compiled guideline.
pub fn analyse(compiled: &Compiled) -> Vec<Diagnostic> {
    let Some(lowered) = &compiled.lowered else { return Vec::new() };
    let Some(&root) = compiled.checked.roots.first() else { return Vec::new() };
    analyse_file(&compiled.checked.db.file(root).ast, &lowered.artifact)
}

/// Findings for one file, given its syntax (for locations) and its artifact.
fn analyse_file(file: &ast::File, art: &Artifact) -> Vec<Diagnostic> {
    let cands = candidates::for_inputs(art);
    let mut out = Vec::new();
    for node in &art.nodes {
        let NodeKind::Stratify { population, strata } = &node.kind else { continue };
        let Some(decl) = find_stratify(file, &node.id) else { continue };
        let pop = population.clone();
        let with_pop = |mut parts: Vec<Expr>| {
            if let Some(p) = &pop {
                parts.insert(0, p.clone());
            }
            Expr::And(parts)
        };
        // Overlaps: strata i and j both hold.
        for i in 0..strata.len() {
            for j in i + 1..strata.len() {
                let goal = with_pop(vec![strata[i].when.clone(), strata[j].when.clone()]);
                if let Some(w) = witness(art, goal, &cands) {
                    let (a, b) = (&decl.strata[i], &decl.strata[j]);
                    out.push(
                        Diagnostic::new(
                            Code::StrataOverlap,
                            b.name.span,
                            format!("strata `{}` and `{}` of `{}` overlap", a.name.name, b.name.name, node.id),
                        )
                        .label(format!("`{}` also holds for this patient", a.name.name))
                        .related(a.name.span, "overlaps with this stratum")
                        .help(witness_help(&w, &node.id, "both strata hold")),
                    );
                }
            }
        }
        // Gaps: the population holds and no stratum does.
        let goal = with_pop(strata.iter().map(|s| Expr::Not(Box::new(s.when.clone()))).collect());
        if let Some(w) = witness(art, goal, &cands) {
            out.push(
                Diagnostic::new(
                    Code::StrataGap,
                    decl.name.span,
                    format!(
                        "a patient {}is in no stratum of `{}`",
                        if pop.is_some() { "of the population " } else { "" },
                        node.id
                    ),
                )
                .label("no stratum holds for this patient")
                .help(witness_help(&w, &node.id, "no stratum holds")),
            );
        }
    }
    out.extend(recommendations(art, file, &cands));
    out
}

/// Contradicting recommendations and recommendations no patient can meet.
fn recommendations(art: &Artifact, file: &ast::File, cands: &candidates::Candidates) -> Vec<Diagnostic> {
    let decl = |id: &str| {
        file.items.iter().find_map(|i| match i {
            ast::Item::Recommend(r) if r.name.name == id => Some(r),
            _ => None,
        })
    };
    let mut out = Vec::new();
    for (i, a) in art.recommendations.iter().enumerate() {
        let Some(da) = decl(&a.id) else { continue };
        if let Search::None = search_goal(art, a.when.clone(), cands) {
            out.push(
                Diagnostic::new(
                    Code::Unreachable,
                    da.name.span,
                    format!("no patient can meet the condition of `{}`", a.id),
                )
                .label("never applies")
                .help("every case within the declared ranges was tried; check the thresholds and the declared ranges"),
            );
        }
        for b in &art.recommendations[i + 1..] {
            if a.action != b.action || a.direction == b.direction {
                continue;
            }
            let Some(db) = decl(&b.id) else { continue };
            let goal = Expr::And(vec![a.when.clone(), b.when.clone()]);
            if let Some(w) = witness(art, goal, cands) {
                let (pro, con) = if a.direction == Direction::For { (a, b) } else { (b, a) };
                out.push(
                    Diagnostic::new(
                        Code::Contradiction,
                        db.name.span,
                        format!(
                            "`{}` recommends for and `{}` against `{}` for the same patient",
                            pro.id, con.id, a.action
                        ),
                    )
                    .label("applies together with the other")
                    .related(da.name.span, "contradicted here")
                    .help(format!(
                        "for example this patient, for whom both apply: {}\nnarrow one condition so they cannot meet",
                        serde_json::to_string(&w.json).unwrap_or_default()
                    )),
                );
            }
        }
    }
    out
}

fn find_stratify<'a>(file: &'a ast::File, id: &str) -> Option<&'a ast::Stratify> {
    file.items.iter().find_map(|item| match item {
        ast::Item::Stratify(s) if s.name.name == id => Some(s),
        ast::Item::Instrument(ins) => {
            let rest = id.strip_prefix(ins.name.name.as_str())?.strip_prefix('.')?;
            ins.strats.iter().find(|s| s.name.name == rest)
        }
        _ => None,
    })
}

/// A witness as patient JSON.
struct Witness {
    json: serde_json::Value,
}

fn witness_help(w: &Witness, strat: &str, what: &str) -> String {
    let data = serde_json::to_string(&w.json).unwrap_or_default();
    let given = given_text(&w.json, "");
    format!(
        "for example this patient, for whom {what}: {data}\nadd it as a test once you have decided what it should get:\n  test \"{strat}\" {{ given {{ {given} }} expect {strat} is … }}"
    )
}

/// The witness in the language's own `given` syntax.
fn given_text(v: &serde_json::Value, prefix: &str) -> String {
    let serde_json::Value::Object(m) = v else { return String::new() };
    let mut parts = Vec::new();
    for (k, v) in m {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            serde_json::Value::Object(_) => parts.push(given_text(v, &key)),
            serde_json::Value::Array(items) => {
                let names: Vec<String> = items.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
                parts.push(format!("{key}: [{}]", names.join(", ")));
            }
            serde_json::Value::String(s) => parts.push(format!("{key}: {}", source_value(s))),
            other => parts.push(format!("{key}: {other}")),
        }
    }
    parts.join(", ")
}

/// A patient string as written in source: dates and enum values bare,
/// ISO durations as `N unit`.
fn source_value(s: &str) -> String {
    if let Some(d) = guidepath_ir::Duration::parse_iso(s) {
        return match (d.months, d.days, d.minutes) {
            (m, 0, 0) if m % 12 == 0 && m != 0 => format!("{} years", m / 12),
            (m, 0, 0) => format!("{m} months"),
            (0, d, 0) => format!("{d} days"),
            _ => format!("\"{s}\""),
        };
    }
    if guidepath_ir::calendar::parse_date(s).is_some() || s.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return s.to_string();
    }
    format!("\"{s}\"")
}

/// What a search found.
enum Search {
    Witness(Witness),
    /// Every case was tried: no patient meets the condition.
    None,
    /// The budget ran out first: nothing can be said.
    Undecided,
}

/// Searches for a patient for whom `goal` holds.
fn witness(art: &Artifact, goal: Expr, cands: &candidates::Candidates) -> Option<Witness> {
    match search_goal(art, goal, cands) {
        Search::Witness(w) => Some(w),
        Search::None | Search::Undecided => None,
    }
}

fn search_goal(art: &Artifact, goal: Expr, cands: &candidates::Candidates) -> Search {
    // The question as the only recommendation of a copy of the artifact's
    // inputs and nodes (its own recommendations and pathways are not needed).
    let probe = Artifact {
        schema: art.schema.clone(),
        guideline: art.guideline.clone(),
        source_hash: art.source_hash.clone(),
        content_hash: String::new(),
        inputs: art.inputs.clone(),
        nodes: art.nodes.clone(),
        recommendations: vec![Recommendation {
            id: "__goal".into(),
            title: None,
            direction: Direction::For,
            action: "__goal".into(),
            strength: None,
            certainty: None,
            when: goal.clone(),
            at: Loc { file: String::new(), line: 0, column: 0 },
        }],
        pathways: Vec::new(),
    };
    // Built here from a checked artifact: no hash to verify.
    let Ok(ev) = Evaluator::new_in_process(probe) else { return Search::Undecided };
    let relevant = art.inputs_read(&goal);
    let mut values: Vec<Option<Value>> = vec![None; art.inputs.len()];
    let mut budget = BUDGET;
    if !search(&ev, &relevant, cands, 0, &mut values, &mut budget) {
        return if budget == 0 { Search::Undecided } else { Search::None };
    }
    // Make the witness concrete: an input the goal no longer depends on
    // takes its first candidate (true stays true as data is added).
    for &i in &relevant {
        if values[i as usize].is_none() {
            values[i as usize] = cands.of(i).first().cloned();
        }
    }
    let bound = Bound::from_values(values.clone());
    if ev.evaluate(&bound).recommendation("__goal") != Some(Some(true)) {
        return Search::Undecided;
    }
    Search::Witness(Witness { json: candidates::to_json(art, &values) })
}

fn search(
    ev: &Evaluator,
    relevant: &[u32],
    cands: &candidates::Candidates,
    k: usize,
    values: &mut Vec<Option<Value>>,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let bound = Bound::from_values(values.clone());
    match ev.evaluate(&bound).recommendation("__goal") {
        Some(Some(true)) => return true,
        Some(Some(false)) | None => return false,
        Some(None) => {}
    }
    let Some(&input) = relevant.get(k) else { return false };
    for c in cands.of(input) {
        values[input as usize] = Some(c.clone());
        if search(ev, relevant, cands, k + 1, values, budget) {
            return true;
        }
    }
    values[input as usize] = None;
    false
}
