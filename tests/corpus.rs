//! Runs every corpus file and compares its diagnostics with its annotations.

use guidepath_check::Code;
use guidepath_tests::{actual, check_file, expected, guide_files, render, root};
use std::collections::BTreeSet;

#[test]
fn corpus_files_get_exactly_their_annotated_diagnostics() {
    let dir = root().join("tests/corpus");
    let files = guide_files(&dir);
    assert!(files.len() >= 20, "the corpus went missing: {} files in {}", files.len(), dir.display());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus files are readable");
        let want = match expected(&text) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let (checked, id) = check_file(path);
        let got = actual(&checked, id);
        if got != want {
            failures.push(format!(
                "{}\n  expected: {:?}\n  actual:   {:?}\n{}",
                path.strip_prefix(root()).unwrap_or(path).display(),
                want,
                got,
                render(&checked, id)
            ));
        }
    }
    assert!(failures.is_empty(), "{} corpus file(s) differ:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn corpus_messages_match_snapshots() {
    let dir = root().join("tests/corpus");
    for path in guide_files(&dir) {
        let (checked, id) = check_file(&path);
        let name = path.strip_prefix(&dir).unwrap_or(&path).display().to_string().replace(['/', '\\'], "__");
        insta::with_settings!({ snapshot_path => root().join("tests/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, render(&checked, id));
        });
    }
}

/// E0103 needs a file over 16 MiB; `robustness.rs` covers it instead of the
/// corpus. W0707 needs source texts given on the command line
/// (`check --sources`): `crates/cli/tests/cli.rs` and `docs/sources.md`.
const NOT_IN_CORPUS: &[Code] = &[Code::TooLarge, Code::Unreadable, Code::QuoteNotFound];

#[test]
fn every_code_has_a_corpus_file() {
    let mut seen = BTreeSet::new();
    for path in guide_files(&root().join("tests/corpus")) {
        let text = std::fs::read_to_string(&path).expect("corpus files are readable");
        for (_, code) in expected(&text).expect("annotations parse") {
            seen.insert(code);
        }
    }
    let missing: Vec<&str> =
        Code::ALL.iter().filter(|c| !seen.contains(*c) && !NOT_IN_CORPUS.contains(c)).map(|c| c.as_str()).collect();
    assert!(missing.is_empty(), "codes without a corpus file: {missing:?}");
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md exists");
    let missing: Vec<&str> =
        Code::ALL.iter().filter(|c| !doc.contains(&format!("## {}", c.as_str()))).map(|c| c.as_str()).collect();
    assert!(missing.is_empty(), "codes missing from docs/diagnostics.md: {missing:?}");
}

#[test]
fn shipped_guidelines_are_clean() {
    let files = guide_files(&root().join("guidelines"));
    assert!(files.len() >= 6, "the shipped guidelines went missing");
    let checked = guidepath_analysis::check_and_analyse(&guidepath_check::Disk, &files);
    let mut out = String::new();
    for id in 0..checked.db.files.len() {
        if !checked.diagnostics[id].is_empty() {
            out.push_str(&format!("{}\n{}", checked.db.file(id).path.display(), render(&checked, id)));
        }
    }
    assert!(out.is_empty(), "shipped guidelines have diagnostics:\n{out}");
}

/// The `test` block a finding suggests, added to the end of its file, is
/// a valid test: its `given` binds and its expectations name what exists.
fn test_block_checks(path: &std::path::Path, test: &str) {
    let text = std::fs::read_to_string(path).expect("a corpus file");
    let start = text.len() as u32 + 1;
    let fs = guidepath_check::Overlay {
        base: guidepath_check::Disk,
        files: [(path.to_path_buf(), format!("{text}\n{test}"))].into(),
    };
    let checked = guidepath_check::check(&fs, &[path.to_path_buf()]);
    let id = checked.roots[0];
    let errors: Vec<_> = checked.diagnostics[id]
        .iter()
        .filter(|d| d.severity == guidepath_check::Severity::Error && d.label.span.start >= start)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{}: the suggested test\n{test}\ndoes not check: {errors:?}", path.display());
}

/// Every witness of the analysis, run through the evaluator on its own,
/// shows what its finding claims (read from the explained result, not from
/// the analysis).
#[test]
fn witnesses_re_evaluate_to_their_finding() {
    use guidepath_tests::evaluator;
    use serde_json::Value;
    let mut checked_witnesses = 0;
    for path in guide_files(&root().join("tests/corpus/analysis")) {
        let (checked, id) = check_file(&path);
        // A file with errors was analysed without its broken declarations;
        // it does not compile as a whole to re-evaluate against.
        let broken = checked.diagnostics[id]
            .iter()
            .any(|d| d.severity == guidepath_check::Severity::Error && d.witness.is_none());
        if broken {
            continue;
        }
        for d in &checked.diagnostics[id] {
            let Some(w) = &d.witness else { continue };
            if let Some(test) = &w.test {
                test_block_checks(&path, test);
            }
            let patient: Value = serde_json::from_str(&w.patient).expect("a witness is JSON");
            let ev = evaluator(&path);
            let out = ev.evaluate_json(&patient).expect("a witness binds");
            let report = out.to_json_explained();
            let names: Vec<&str> = d.message.split('`').skip(1).step_by(2).collect();
            let strata_true = |rule: &str| -> Option<usize> {
                let e = report["explanation"].as_array()?.iter().find(|e| e["rule"] == rule)?;
                let strata = e["strata"].as_array()?;
                // The population, when there is one, is listed first and must hold.
                let population_holds = strata.iter().all(|s| s.get("stratum").is_some() || s["value"] == true);
                population_holds
                    .then(|| strata.iter().filter(|s| s.get("stratum").is_some() && s["value"] == true).count())
            };
            let where_ = format!("{}: {} {}", path.display(), d.code, d.message);
            match d.code {
                Code::StrataOverlap => assert_eq!(strata_true(names[2]), Some(2), "{where_}"),
                Code::StrataGap => assert_eq!(strata_true(names[0]), Some(0), "{where_}"),
                Code::Contradiction if names.len() == 3 && !d.message.contains("used guideline") => {
                    assert_eq!(out.recommendation(names[0]), Some(Some(true)), "{where_}");
                    assert_eq!(out.recommendation(names[1]), Some(Some(true)), "{where_}");
                }
                Code::Contradiction => {
                    // Across files: this file's recommendation applies here,
                    // the used file's one to the same patient's data there.
                    assert_eq!(out.recommendation(names[0]), Some(Some(true)), "{where_}");
                    let (alias, rec) = names[2].split_once('.').expect("an imported id has its alias");
                    // The file the alias names, found as the checker finds it.
                    let used_path = checked.db.file(id).ast.items.iter().find_map(|i| match i {
                        guidepath_syntax::ast::Item::Use(u) if u.alias.as_ref().is_some_and(|a| a.name == alias) => {
                            guidepath_check::db::resolve_use(&guidepath_check::Disk, checked.db.file(id), &u.path).ok()
                        }
                        _ => None,
                    });
                    let used = evaluator(&used_path.expect("the alias names a used file"));
                    let theirs = used.evaluate_json(&patient[alias]).expect("the used file's data binds");
                    assert_eq!(theirs.recommendation(rec), Some(Some(true)), "{where_}");
                }
                Code::LimitBeforeStart => {
                    let due = |s: &str| out.due(s).flatten().expect("both steps are due");
                    assert!(due(names[0]) < due(names[1]), "{where_}");
                }
                Code::LimitBeyondPathway => {
                    let due = out.due(names[0]).flatten().expect("the step is due");
                    let shown = guidepath_ir::calendar::format_date(due);
                    assert!(d.help.as_deref().unwrap_or("").contains(&shown), "{where_}");
                }
                other => panic!("{where_}: no re-evaluation written for {other}"),
            }
            checked_witnesses += 1;
        }
    }
    assert!(checked_witnesses >= 8, "only {checked_witnesses} witnesses were re-evaluated");
}

/// The fix offered with a gap adds a stratum that takes exactly the
/// patients the others leave out: applied, no gap remains and the new
/// stratum overlaps none.
#[test]
fn the_missing_stratum_fix_closes_the_gap() {
    let mut applied = 0;
    for path in guide_files(&root().join("tests/corpus/analysis")) {
        let (checked, id) = check_file(&path);
        let text = &checked.db.file(id).text;
        for d in checked.diagnostics[id].iter().filter(|d| d.code == Code::StrataGap) {
            let Some(fix) = &d.fix else { continue };
            let mut fixed = text.clone();
            fixed.replace_range(fix.span.range(), &fix.replacement);
            let mut fs = guidepath_check::MemoryFs::default();
            fs.files.insert(path.clone(), fixed.clone());
            let again = guidepath_analysis::check_and_analyse(&fs, std::slice::from_ref(&path));
            let left: Vec<String> = again.diagnostics[again.roots[0]]
                .iter()
                .filter(|x| {
                    matches!(x.code, Code::StrataGap | Code::Syntax)
                        || (x.code == Code::StrataOverlap && x.message.contains("`unassigned`"))
                })
                .map(|x| format!("{} {}", x.code, x.message))
                .collect();
            assert!(left.is_empty(), "{}: after the fix:\n{fixed}\n{left:?}", path.display());
            applied += 1;
        }
    }
    assert!(applied >= 2, "only {applied} gaps had the fix");
}

/// What the checker works out and the text leaves implicit, which the
/// language server shows as inlay hints: the unit a plain constant takes
/// and a score's range.
#[test]
fn hints_name_units_and_score_ranges() {
    let checked = guidepath_check::check_text(
        "h.guide",
        "input { age : integer years in 0..130  pain : duration }\n\
         instrument q \"Q\" {\n  source \"s\"\n  item a : integer in 0..4\n  item b : boolean\n  score total = a + b\n}\n\
         define adult = age >= 18 and age in 18..70 and pain >= 3 months\n\
         recommend r \"R\" { when adult and q.total > 2 }\n",
    );
    let text = &checked.db.file(0).text;
    let hints: Vec<(String, &str)> = checked
        .hints
        .iter()
        .map(|h| (text[..h.at as usize].lines().last().unwrap_or("").to_string(), h.label.as_str()))
        .collect();
    assert!(hints.iter().any(|(before, l)| before.ends_with("age >= 18") && *l == "years"), "{hints:?}");
    assert!(hints.iter().any(|(before, l)| before.ends_with("age in 18..70") && *l == "years"), "{hints:?}");
    assert!(hints.iter().any(|(before, l)| before.ends_with("score total") && *l == "in 0..5 points"), "{hints:?}");
    assert!(hints.iter().any(|(before, l)| before.ends_with("q.total > 2") && *l == "points"), "{hints:?}");
    // A constant with its unit written needs no hint.
    assert!(!hints.iter().any(|(before, _)| before.ends_with("3 months")), "{hints:?}");
}
