//! `guidepath report`: the forum's document, as HTML and Markdown. (The
//! page in a real browser is `tests/report/report.test.js`, run by CI.)

#[path = "support/run.rs"]
mod run;

use run::{guidepath, root};
use std::path::Path;

/// Every recommendation id declared under `dir`.
fn recommendation_ids(dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            ids.extend(recommendation_ids(&p));
        } else if p.extension().is_some_and(|x| x == "guide") {
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if words.first() == Some(&"recommend") {
                    let name =
                        if words.get(1).is_some_and(|w| *w == "against" || *w == "for") { words[2] } else { words[1] };
                    ids.push(name.to_string());
                }
            }
        }
    }
    ids
}

#[test]
fn the_page_lists_every_shipped_recommendation_and_stands_alone() {
    let dir = run::temp_dir("report-html");
    let out = dir.join("report.html");
    let (code, _, err) = guidepath(&["report", "guidelines", "-o", out.to_str().unwrap(), "--today", "2026-12-01"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote"), "{err}");
    let html = std::fs::read_to_string(&out).unwrap();
    let ids = recommendation_ids(&root().join("guidelines"));
    assert!(ids.len() >= 20, "{ids:?}");
    for id in &ids {
        assert!(html.contains(&format!(">{id}</a></td>")), "`{id}` is in the catalogue");
    }
    assert_eq!(html.matches("<tr data-status=").count(), ids.len());
    // Self-contained: no external scripts, styles, images or fonts.
    for tag in ["<script src", "<link", "<img", "@import", "url("] {
        assert!(!html.contains(tag), "the page loads `{tag}`");
    }
    // Each guideline has its section with tests and coverage.
    assert!(html.contains("<h2 id=\"g-se-skane-mms\">se.skane.mms"), "a section per guideline");
    assert!(html.contains("Test coverage: 22 of 22 goals"), "coverage per file");
    assert!(html.contains("0 failing tests"), "the summary");
    // Each recommendation names the PlanDefinition `export --cpg` writes.
    assert!(html.contains("data-plan-definition=\"SeSkaneMms-mms-referral\""), "the CPG PlanDefinition");
    assert_eq!(html.matches("data-plan-definition=").count(), ids.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lifecycle_findings_and_translations_need_attention() {
    let dir = run::temp_dir("report-attention");
    std::fs::copy(root().join("tests/corpus/lifecycle/lifecycle.guide"), dir.join("lifecycle.guide")).unwrap();
    let (code, md, err) =
        guidepath(&["report", "--format", "markdown", "--today", "2026-01-01", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("| under_review | 1 |"), "{md}");
    assert!(md.contains("| superseded | 5 |"), "{md}");
    assert!(md.contains("2 overdue reviews"), "{md}");
    assert!(md.contains("**W0703 warning** line 7:13"), "{md}");
    assert!(md.contains("| usual_activity | Vanlig aktivitet |"), "{md}");
    assert!(md.contains(" · ↑ weak |"), "the Danish mark and its word: {md}");
    assert!(md.contains("Not measured: the file has errors."), "{md}");
    // Each finding carries the help `check` gives it.
    assert!(md.contains("  help: "), "{md}");
    // Missing translations count against the guideline's own language
    // alone (before: against da, sv, nb and en, whatever the forum needs).
    assert!(md.contains("0 missing translations (each guideline's own language)"), "{md}");
    assert!(!md.contains("| en |"), "{md}");
    // A forum's setting beside its guidelines names the languages it needs.
    std::fs::write(dir.join("guidepath.toml"), "[report]\nlanguages = [\"da\", \"en\"]\n").unwrap();
    let (_, md, _) = guidepath(&["report", "--format", "markdown", "--today", "2026-01-01", dir.to_str().unwrap()]);
    assert!(md.contains("| en | 0 of 10 |"), "translations per language: {md}");
    assert!(md.contains("10 missing translations (da, en)"), "{md}");
    assert!(md.contains("| title (da) | title (en) |"), "{md}");
    // The command line over the file.
    let dir_s = dir.to_str().unwrap();
    let (_, md, _) = guidepath(&["report", "--format", "markdown", "--languages", "da", dir_s]);
    assert!(md.contains("0 missing translations (da)"), "{md}");
    let (code, _, err) = guidepath(&["report", "--languages", "xx", dir_s]);
    assert_eq!(code, 2);
    assert!(err.contains("`xx` is not a language a guideline is written in"), "{err}");
    std::fs::write(dir.join("guidepath.toml"), "[report]\nlanguage = [\"da\"]\n").unwrap();
    let (code, _, err) = guidepath(&["report", dir_s]);
    assert_eq!(code, 2);
    assert!(err.contains("guidepath.toml") && err.contains("unknown field `language`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder of `files` guidelines with `per` recommendations each.
pub fn generated(dir: &Path, files: usize, per: usize) {
    for f in 0..files {
        let mut text = format!(
            "guideline gen.g{f} \"Generated {f}\" {{ issuer \"guidepath\" version \"1\" status active language da source \"generated\" review by 2030-01-01 }}\n\ninput {{\n  age : integer years in 0..130\n  score : integer points in 0..100\n}}\n\n"
        );
        for r in 0..per {
            text.push_str(&format!(
                "recommend r{r} \"Anbefaling {r}\" {{\n  title en \"Recommendation {r}\"\n  when age >= {} and score <= {}\n  strength ↑\n  priority {}\n}}\n\n",
                18 + r % 50,
                r % 100,
                1 + r % 5
            ));
        }
        text.push_str("test \"an adult\" {\n  given { age: 70, score: 0 }\n  expect r0 applies\n}\n");
        std::fs::write(dir.join(format!("g{f}.guide")), text).unwrap();
    }
}

#[test]
fn a_forum_sized_folder() {
    let dir = run::temp_dir("report-scale");
    generated(&dir, 12, 12);
    let out = dir.join("r.html");
    let (code, _, err) = guidepath(&["report", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("12 guideline files, 144 recommendations"), "{err}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert_eq!(html.matches("<tr data-status=\"active\">").count(), 144);
    let _ = std::fs::remove_dir_all(&dir);
}
