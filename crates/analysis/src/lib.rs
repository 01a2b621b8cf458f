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
//! every finding is confirmed by the evaluator itself. A search that finds
//! nothing is a proof only inside the fragment where the candidates cover
//! every case (see [`search::Analysis::outside`]); elsewhere the question is
//! reported as not analysed, with the reason.
//!
//! Findings: overlapping strata (E0901), patients of the population in no
//! stratum (E0902), contradicting recommendations, also across files
//! (E0903), unreachable (W0904) and redundant (W0905) recommendations,
//! comparisons that are always true or false (W0906), and time limits that
//! cannot be kept (E0907, E0908). `allow kind in name because "…"` accepts a
//! finding; an `allow` that accepts nothing is itself reported (W0911).

mod candidates;
pub mod coverage;
pub mod diff;
pub mod gate;
pub mod inline_tests;
mod limits;
mod search;
mod witness;

use guidepath_check::{check_and_lower, Checked, Compiled, Diagnostic, FileSystem, Lowered, Overlay, SourceFile};
use guidepath_eval::Part;
use guidepath_ir::{Direction, Expr, NodeKind, Place};
use guidepath_syntax::{ast, Code, Span};
use search::{with_analysis, Analysis, Answer};
use std::path::PathBuf;

/// Checks the files like [`guidepath_check::check`], then analyses every
/// root file that has no errors and adds the findings to its diagnostics.
/// One check run serves both.
pub fn check_and_analyse(fs: &dyn FileSystem, paths: &[PathBuf]) -> Checked {
    let (mut checked, lowered) = check_and_lower(fs, paths);
    for (k, lowered) in lowered.iter().enumerate() {
        let Some(&root) = checked.roots.get(k) else { continue };
        let found = match lowered {
            Some(lowered) => analyse_file(checked.db.file(root), lowered),
            None => analyse_without_errors(fs, &checked, root),
        };
        add_findings(&mut checked.diagnostics[root], found);
    }
    checked
}

/// Adds the analysis's findings to a file's diagnostics, in position order.
fn add_findings(diags: &mut Vec<Diagnostic>, found: Vec<Diagnostic>) {
    diags.extend(found);
    diags.sort_by_key(|d| (d.label.span.start, d.label.span.end, d.code));
}

/// Rounds of removing declarations with errors before giving up.
const REPAIR_ROUNDS: usize = 4;

/// A file with errors is analysed without the declarations that have them
/// (and those that then fail for want of them): they are blanked out, so
/// every offset stays where it was and each finding points into the text as
/// written. Only when the errors are all in the file itself.
fn analyse_without_errors(fs: &dyn FileSystem, checked: &Checked, root: guidepath_check::FileId) -> Vec<Diagnostic> {
    let is_error = |d: &Diagnostic| d.severity == guidepath_syntax::Severity::Error;
    let elsewhere = checked.diagnostics.iter().enumerate().any(|(f, ds)| f != root && ds.iter().any(is_error));
    if elsewhere {
        return Vec::new();
    }
    let source = checked.db.file(root);
    let path = source.path.clone();
    let mut text = source.text.clone();
    let mut errors: Vec<Span> = checked.diagnostics[root].iter().filter(|d| is_error(d)).map(|d| d.span()).collect();
    let mut items: Vec<Span> = source.ast.items.iter().map(ast::Item::span).collect();
    for _ in 0..REPAIR_ROUNDS {
        for &span in &items {
            if errors.iter().any(|e| e.start < span.end.max(span.start + 1) && e.end >= span.start) {
                blank(&mut text, span);
            }
        }
        let overlay = Overlay { base: fs, files: [(path.clone(), text.clone())].into() };
        let (again, lowered) = check_and_lower(&overlay, std::slice::from_ref(&path));
        let Some(&id) = again.roots.first() else { return Vec::new() };
        match lowered.into_iter().next().flatten() {
            Some(lowered) => return analyse_file(again.db.file(id), &lowered),
            None => {
                errors = again.diagnostics[id].iter().filter(|d| is_error(d)).map(|d| d.span()).collect();
                items = again.db.file(id).ast.items.iter().map(ast::Item::span).collect();
                if errors.is_empty() {
                    return Vec::new();
                }
            }
        }
    }
    Vec::new()
}

/// Replaces a span's text with spaces, keeping line breaks (and so every
/// offset and line).
fn blank(text: &mut String, span: Span) {
    let Some(part) = text.get(span.range()) else { return };
    let spaces: String = part.chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
    // Multi-byte characters become one space each: pad to the byte length
    // so that later offsets do not move.
    let pad = part.len() - spaces.len();
    let mut replacement = spaces;
    replacement.push_str(&" ".repeat(pad));
    text.replace_range(span.range(), &replacement);
}

/// Findings for the root file of a compiled guideline.
pub fn analyse(compiled: &Compiled) -> Vec<Diagnostic> {
    let Some(lowered) = &compiled.lowered else { return Vec::new() };
    let Some(&root) = compiled.checked.roots.first() else { return Vec::new() };
    analyse_file(compiled.checked.db.file(root), lowered)
}

/// Findings for one file, given its source and what it compiled to.
fn analyse_file(file: &SourceFile, lowered: &Lowered) -> Vec<Diagnostic> {
    let mut f = Findings { file, found: Vec::new(), notes: Vec::new() };
    with_analysis(&lowered.artifact, |an| {
        strata(an, &mut f);
        recommendations(an, &mut f);
        if let Some(with_imports) = &lowered.with_imports {
            with_analysis(with_imports, |all| across_files(all, lowered.artifact.recommendations.len(), &mut f));
        }
        constants(an, &mut f);
        limits::check(an, &mut f);
    });
    f.finish()
}

/// A finding and the declarations it involves (an `allow` in any of them
/// accepts it).
struct Finding {
    diag: Diagnostic,
    targets: Vec<String>,
}

struct Findings<'a> {
    file: &'a SourceFile,
    found: Vec<Finding>,
    /// Questions not analysed: the declaration, where, and why.
    notes: Vec<(String, Span, String)>,
}

impl Findings<'_> {
    fn add(&mut self, diag: Diagnostic, targets: &[&str]) {
        self.found.push(Finding { diag, targets: targets.iter().map(|t| t.to_string()).collect() });
    }

    fn not_analysed(&mut self, target: &str, span: Span, why: String) {
        if !self.notes.iter().any(|(t, _, _)| t == target) {
            self.notes.push((target.to_string(), span, why));
        }
    }

    /// Applies the file's `allow`s and adds one note per declaration that
    /// was not fully analysed.
    fn finish(self) -> Vec<Diagnostic> {
        let allows: Vec<&ast::Allow> = self
            .file
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Allow(a) => Some(a),
                _ => None,
            })
            .collect();
        let mut used = vec![false; allows.len()];
        let mut out = Vec::new();
        for f in self.found {
            let accepted = allows.iter().position(|a| {
                Code::allowed_by(&a.kind.name).is_some_and(|codes| codes.contains(&f.diag.code))
                    && f.targets.contains(&a.target.dotted())
            });
            match accepted {
                Some(k) => used[k] = true,
                None => out.push(f.diag),
            }
        }
        for (a, used) in allows.iter().zip(used) {
            if !used {
                out.push(
                    Diagnostic::new(
                        Code::UnusedAllow,
                        a.kind.span.join(a.target.span),
                        format!("nothing to allow: the analysis finds no `{}` in `{}`", a.kind.name, a.target.dotted()),
                    )
                    .label("accepts nothing")
                    .help("remove the `allow`, so that it cannot hide a finding the next change brings"),
                );
            }
        }
        for (target, span, why) in self.notes {
            out.push(
                Diagnostic::new(Code::NotAnalysed, span, format!("`{target}` was not fully analysed: {why}"))
                    .label("not analysed")
                    .help(
                        "the analysis proves properties of comparisons of inputs with constants and of sums of \
                         questionnaire items; for this condition it reports what it finds, but finding nothing \
                         is no proof",
                    ),
            );
        }
        out
    }
}

fn strata<'a>(an: &Analysis<'a>, f: &mut Findings) {
    let art = an.art;
    for node in &art.nodes {
        let NodeKind::Stratify { population, strata } = &node.kind else { continue };
        let Some(decl) = find_stratify(&f.file.ast, &node.id) else { continue };
        // The population, then `parts`: what a stratum's question asks.
        let with_pop = |parts: &mut dyn Iterator<Item = Part<'a>>| -> Vec<Part<'a>> {
            population.iter().map(Part::holds).chain(parts).collect()
        };
        // Overlaps: strata i and j both hold.
        for i in 0..strata.len() {
            for j in i + 1..strata.len() {
                let (Some(a), Some(b)) = (decl.strata.get(i), decl.strata.get(j)) else { continue };
                match an.ask(&with_pop(&mut [Part::holds(&strata[i].when), Part::holds(&strata[j].when)].into_iter())) {
                    Answer::Witness(w) => {
                        let json = candidates::to_json(art, &w);
                        let test = witness::test_block(
                            art,
                            &format!("in both `{}` and `{}` of `{}`", a.name.name, b.name.name, node.id),
                            &json,
                            &format!("or `{}`: decide which, then make the strata exclusive", b.name.name),
                            &[format!("{} is {}", node.id, a.name.name)],
                        );
                        f.add(
                            Diagnostic::new(
                                Code::StrataOverlap,
                                b.name.span,
                                format!("strata `{}` and `{}` of `{}` overlap", a.name.name, b.name.name, node.id),
                            )
                            .label(format!("`{}` also holds for this patient", a.name.name))
                            .related(a.name.span, "overlaps with this stratum")
                            .help(witness_help(an.art, &json, "both strata hold", &test))
                            .witness(witness::json_text(&json), Some(test)),
                            &[&node.id],
                        );
                    }
                    Answer::NotAnalysed(why) => f.not_analysed(&node.id, decl.name.span, why),
                    Answer::None => {}
                }
            }
        }
        // Gaps: the population holds and no stratum does.
        let goal = with_pop(&mut strata.iter().map(|s| Part::fails(&s.when)));
        match an.ask(&goal) {
            Answer::Witness(w) => {
                let json = candidates::to_json(art, &w);
                let names: Vec<String> = decl.strata.iter().map(|s| format!("`{}`", s.name.name)).collect();
                let first = decl.strata.first().map_or("…", |s| s.name.name.as_str());
                let test = witness::test_block(
                    art,
                    &format!("in no stratum of `{}`", node.id),
                    &json,
                    &format!("one of {}: decide which, then widen its condition", names.join(", ")),
                    &[format!("{} is {first}", node.id)],
                );
                let mut d = Diagnostic::new(
                    Code::StrataGap,
                    decl.name.span,
                    format!(
                        "a patient {}is in no stratum of `{}`",
                        if population.is_some() { "of the population " } else { "" },
                        node.id
                    ),
                )
                .label("no stratum holds for this patient")
                .help(witness_help(an.art, &json, "no stratum holds", &test))
                .witness(witness::json_text(&json), Some(test));
                if let Some((at, line)) = missing_stratum(f.file, decl) {
                    d = d.fix_titled(at, line, "Add a stratum for the patients no stratum takes");
                }
                f.add(d, &[&node.id]);
            }
            Answer::NotAnalysed(why) => f.not_analysed(&node.id, decl.name.span, why),
            Answer::None => {}
        }
    }
}

/// A stratum that takes exactly the patients the others leave out, to add
/// before the stratification's closing brace: where, and the line.
fn missing_stratum(file: &SourceFile, decl: &ast::Stratify) -> Option<(Span, String)> {
    let text = &file.text;
    let close = decl.span.end.checked_sub(1)? as usize;
    if text.get(close..close + 1) != Some("}") {
        return None;
    }
    let line_start = text[..close].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if !text[line_start..close].trim().is_empty() {
        return None;
    }
    let first = decl.strata.first()?;
    let first_line = text[..first.span.start as usize].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = &text[first_line..first.span.start as usize];
    let indent = if before.trim().is_empty() { before } else { "  " };
    let mut name = "unassigned".to_string();
    while decl.strata.iter().any(|s| s.name.name == name) {
        name.push('_');
    }
    let conditions: Vec<String> = decl.strata.iter().map(|s| format!("not ({})", s.when.span.text(text))).collect();
    let line = format!("{indent}{name} when {}\n", conditions.join(" and "));
    Some((Span::new(line_start, line_start), line))
}

fn witness_help(art: &guidepath_ir::Artifact, json: &serde_json::Value, what: &str, test: &str) -> String {
    format!(
        "for example this patient, for whom {what}: {}\nadd it as a test once you have decided what it should get:\n{}",
        witness::notation(art, json),
        indent(test)
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

/// A file's recommendations by name.
fn recs_by_name(file: &ast::File) -> std::collections::HashMap<&str, &ast::Recommend> {
    file.items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Recommend(r) => Some((r.name.name.as_str(), r)),
            _ => None,
        })
        .collect()
}

/// Unreachable, contradicting and redundant recommendations of one file.
fn recommendations(an: &Analysis, f: &mut Findings) {
    let art = an.art;
    let decls = recs_by_name(&f.file.ast);
    let recs = &art.recommendations;
    let mut reachable = vec![false; recs.len()];
    for (i, a) in recs.iter().enumerate() {
        let Some(da) = decls.get(a.id.as_str()).copied() else { continue };
        match an.ask(&[Part::holds(&a.when)]) {
            Answer::Witness(_) => reachable[i] = true,
            Answer::None => f.add(
                Diagnostic::new(
                    Code::Unreachable,
                    da.name.span,
                    format!("no patient can meet the condition of `{}`", a.id),
                )
                .label("never applies")
                .help("every case within the declared ranges was tried; check the thresholds and the declared ranges"),
                &[&a.id],
            ),
            Answer::NotAnalysed(why) => f.not_analysed(&a.id, da.name.span, why),
        }
    }
    // Only recommendations of one action can contradict or make each other
    // redundant: pairs are formed within these groups.
    let mut by_action: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, r) in recs.iter().enumerate() {
        by_action.entry(r.action.as_str()).or_default().push(i);
    }
    let pairs: Vec<(usize, usize)> = {
        let mut v: Vec<(usize, usize)> = by_action
            .values()
            .flat_map(|g| g.iter().enumerate().flat_map(move |(k, &i)| g[k + 1..].iter().map(move |&j| (i, j))))
            .collect();
        v.sort_unstable();
        v
    };
    for &(i, j) in &pairs {
        let (a, b) = (&recs[i], &recs[j]);
        if a.direction == b.direction {
            continue;
        }
        let Some(da) = decls.get(a.id.as_str()).copied() else { continue };
        let Some(db) = decls.get(b.id.as_str()).copied() else { continue };
        match an.ask(&[Part::holds(&a.when), Part::holds(&b.when)]) {
            Answer::Witness(w) => {
                let json = candidates::to_json(art, &w);
                let (pro, con) = if a.direction == Direction::For { (a, b) } else { (b, a) };
                let test = witness::test_block(
                    art,
                    &format!("`{}` or `{}`", pro.id, con.id),
                    &json,
                    "or the other way round: decide which, then narrow the other's `when`",
                    &[format!("{} applies", pro.id), format!("{} does not apply", con.id)],
                );
                f.add(
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
                        witness::notation(an.art, &json)
                    ))
                    .witness(witness::json_text(&json), Some(test)),
                    &[&a.id, &b.id],
                );
            }
            Answer::NotAnalysed(why) => f.not_analysed(&b.id, db.name.span, why),
            Answer::None => {}
        }
    }
    // Redundant: `a` applies only where `b` (same action, direction and
    // strength) applies. Of two with equivalent conditions, the later one
    // is reported. Each direction of each pair is asked once.
    let mut implied: std::collections::HashMap<(usize, usize), bool> = std::collections::HashMap::new();
    let mut implies = |i: usize, j: usize| {
        *implied.entry((i, j)).or_insert_with(|| {
            matches!(an.ask(&[Part::holds(&recs[i].when), Part::fails(&recs[j].when)]), Answer::None)
        })
    };
    for (i, a) in recs.iter().enumerate() {
        if !reachable[i] {
            continue;
        }
        let Some(da) = decls.get(a.id.as_str()).copied() else { continue };
        for &j in by_action.get(a.action.as_str()).map_or(&[][..], Vec::as_slice) {
            let b = &recs[j];
            let same = a.direction == b.direction && a.strength == b.strength;
            if i == j || !same || !implies(i, j) || (j > i && implies(j, i)) {
                continue;
            }
            let Some(db) = decls.get(b.id.as_str()).copied() else { continue };
            f.add(
                Diagnostic::new(
                    Code::Redundant,
                    da.name.span,
                    format!("`{}` applies only where `{}` already recommends the same", a.id, b.id),
                )
                .label("adds nothing")
                .related(db.name.span, "covers every patient of the other")
                .help(format!(
                    "every patient who meets the condition of `{}` also meets that of `{}`; remove one, or \
                     give them different actions or strengths",
                    a.id, b.id
                )),
                &[&a.id, &b.id],
            );
            break;
        }
    }
}

/// Contradictions between this file's recommendations (the first `own` of
/// the artifact) and those of the files it uses.
fn across_files(an: &Analysis, own: usize, f: &mut Findings) {
    let recs = &an.art.recommendations;
    let decls = recs_by_name(&f.file.ast);
    let (mine, theirs) = recs.split_at(own.min(recs.len()));
    for a in mine {
        let Some(da) = decls.get(a.id.as_str()).copied() else { continue };
        for b in theirs {
            if a.action != b.action || a.direction == b.direction {
                continue;
            }
            if let Answer::Witness(w) = an.ask(&[Part::holds(&a.when), Part::holds(&b.when)]) {
                let json = candidates::to_json(an.art, &w);
                let (dir, other) = match a.direction {
                    Direction::For => ("for", "against"),
                    Direction::Against => ("against", "for"),
                };
                f.add(
                    Diagnostic::new(
                        Code::Contradiction,
                        da.name.span,
                        format!(
                            "`{}` recommends {dir} `{}` where `{}` of a used guideline recommends {other} it",
                            a.id, a.action, b.id
                        ),
                    )
                    .label("contradicts the used guideline")
                    .help(format!(
                        "`{}` is at {}; for example this patient meets both: {}\nnarrow this condition, or state \
                         the regional exception with `allow contradiction in {} because \"…\"`",
                        b.id,
                        an.art.place(b.at).map_or_else(|| "?".to_string(), |l| l.to_string()),
                        witness::notation(an.art, &json),
                        a.id
                    ))
                    .witness(witness::json_text(&json), None),
                    &[&a.id],
                );
            }
        }
    }
}

/// Comparisons that are always true or always false within the declared
/// ranges, in the conditions this file writes.
fn constants(an: &Analysis, f: &mut Findings) {
    let art = an.art;
    let mut roots: Vec<(&str, &Expr)> = Vec::new();
    for n in &art.nodes {
        match &n.kind {
            NodeKind::Define { expr } => roots.push((&n.id, expr)),
            NodeKind::Score { .. } => {}
            NodeKind::Stratify { population, strata } => {
                roots.extend(population.iter().map(|p| (n.id.as_str(), p)));
                roots.extend(strata.iter().map(|s| (n.id.as_str(), &s.when)));
            }
        }
    }
    roots.extend(art.recommendations.iter().map(|r| (r.id.as_str(), &r.when)));
    let step_ids: Vec<(String, &Expr)> = art
        .pathways
        .iter()
        .flat_map(|p| {
            let own = p.when.iter().map(|w| (p.id.clone(), w));
            own.chain(p.steps.iter().filter_map(|s| s.when.as_ref().map(|w| (format!("{}.{}", p.id, s.id), w))))
        })
        .collect();
    roots.extend(step_ids.iter().map(|(id, e)| (id.as_str(), *e)));
    // The comparisons, where they are written.
    let mut found: Vec<(&str, Span, &Expr)> = Vec::new();
    for (owner, root) in roots {
        let mut todo: Vec<(&Expr, Option<&Place>)> = vec![(root, None)];
        while let Some((e, at)) = todo.pop() {
            match e {
                Expr::Labeled { at: place, expr } => todo.push((expr, art.source.places.get(*place as usize))),
                Expr::Not(x) => todo.push((x, at)),
                Expr::And(xs) | Expr::Or(xs) => todo.extend(xs.iter().map(|x| (x, at))),
                Expr::Compare { .. } | Expr::InRange { .. } => {
                    let Some(place) = at else { continue };
                    let Some(span) = span_at(f.file, place) else { continue };
                    if !art.inputs_read(e).is_empty() && an.outside(e).is_none() {
                        found.push((owner, span, e));
                    }
                }
                _ => {}
            }
        }
    }
    let exprs: Vec<&Expr> = found.iter().map(|(_, _, e)| *e).collect();
    let sides = an.sides(&exprs);
    for ((owner, span, e), sides) in found.into_iter().zip(sides) {
        let (can_true, can_false) = match sides {
            Some(s) => s,
            None => {
                let can_false = !matches!(an.ask(&[Part::fails(e)]), Answer::None);
                (can_false && !matches!(an.ask(&[Part::holds(e)]), Answer::None), can_false)
            }
        };
        if can_true && can_false {
            continue;
        }
        let what = if can_false { "false" } else { "true" };
        let other = if can_false { "true" } else { "false" };
        f.add(
            Diagnostic::new(
                Code::ConstantComparison,
                span,
                format!("`{}` is always {what} within the declared ranges", art.show(e)),
            )
            .label(format!("always {what}"))
            .help(format!(
                "no patient within the declared ranges makes it {other}; check the threshold, or remove the comparison"
            )),
            &[owner],
        );
    }
}

/// The span of a labelled condition in the file analysed (the artifact's
/// first source file), from its place and text.
fn span_at(file: &SourceFile, place: &Place) -> Option<Span> {
    if place.file != 0 || place.line == 0 || place.column == 0 {
        return None;
    }
    let text = place.text.as_str();
    let start = file.lines.line_start(place.line as usize - 1) as usize;
    let line = file.text.get(start..)?;
    let col = line.char_indices().nth(place.column as usize - 1).map(|(i, _)| i)?;
    let from = start + col;
    (file.text.get(from..from + text.len())? == text).then(|| Span::new(from, from + text.len()))
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
