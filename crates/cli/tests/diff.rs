//! `guidepath diff`: what a new version changes, as written and for
//! patients, with witnesses confirmed on both versions.

#[path = "support/run.rs"]
mod run;

use run::{guidepath, root};
use std::path::{Path, PathBuf};

const SKANE: &str = "guidelines/se/skane_mms.guide";

/// `guidepath diff --format json …`, held to `docs/schema/diff.schema.json`.
fn diff_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = guidepath(&all);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let text = std::fs::read_to_string(root().join("docs/schema/diff.schema.json")).unwrap();
    let schema = jsonschema::draft202012::new(&serde_json::from_str(&text).unwrap()).expect("a valid schema");
    let errors: Vec<String> = schema.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{v}");
    (code, v)
}

/// A copy of the Skåne guideline in `dir`, changed by `edit`, beside the
/// instruments it might use.
fn variant(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(root().join(SKANE)).unwrap();
    let changed = edit(text.clone());
    assert!(name == "same.guide" || changed != text, "the edit changed nothing");
    let path = dir.join(name);
    std::fs::write(&path, changed).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_moved_bound_changes_the_level_of_care_at_50_points() {
    let dir = run::temp_dir("diff-bound");
    let new = variant(&dir, "bound.guide", |t| {
        t.replacen("primary_care   when linton_score <= 50", "primary_care   when linton_score <= 49", 1)
    });
    let (code, out, err) = guidepath(&["diff", SKANE, s(&new)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("stratum `primary_care`: `linton_score <= 50` → `linton_score <= 49`"), "{out}");
    let line = out.lines().find(|l| l.contains("`care_level` before:")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("linton_score: 50"), "the witness is 50 points, as a `given` writes it: {line}");
    assert!(line.contains("before: `primary_care`"), "{line}");
    // The recommendation that reads the stratum changes for the same patient.
    assert!(out.contains("`mms_referral` before: applies; now: does not apply"), "{out}");
    // What does not read the bound is proven unchanged.
    assert!(out.contains("unchanged, proven for every patient: assess_care_level"), "{out}");

    // The JSON says the same, with the witness as data.
    let (code, v) = diff_json(&[SKANE, s(&new)]);
    assert_eq!(code, 1);
    assert_eq!(v["schema"], "1");
    let care = v["files"][0]["rules"].as_array().unwrap().iter().find(|r| r["id"] == "care_level").unwrap();
    assert_eq!(care["patients"]["result"], "changes", "{care}");
    assert_eq!(care["patients"]["patient"]["linton_score"], 50);
    assert_eq!(care["patients"]["was"], "`primary_care`");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_and_its_formatted_self_change_no_patient() {
    let (code, out, err) = guidepath(&["diff", SKANE, SKANE]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no patient changes"), "{out}");

    // Respaced, then formatted: the same rules.
    let dir = run::temp_dir("diff-fmt");
    let messy = variant(&dir, "messy.guide", |t| t.replace("  when ", "        when   ").replace(" and ", "   and  "));
    let (code, out, err) = guidepath(&["diff", SKANE, s(&messy)]);
    assert_eq!(code, 0, "respaced: {out}{err}");
    assert!(out.contains("no patient changes"), "{out}");
    let (code, _, err) = guidepath(&["fmt", s(&messy)]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = guidepath(&["diff", SKANE, s(&messy)]);
    assert_eq!(code, 0, "formatted: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn added_removed_and_renamed_rules() {
    let dir = run::temp_dir("diff-rename");
    // Renamed alone: the same condition, so unambiguously the same rule.
    let renamed = variant(&dir, "renamed.guide", |t| t.replace("re_referral", "send_back"));
    let (code, out, _) = guidepath(&["diff", SKANE, s(&renamed)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("renamed: `re_referral` → `send_back`"), "{out}");
    assert!(out.contains("no patient changes"), "{out}");
    // Renamed with a new condition: two rules, unless told.
    let changed = variant(&dir, "changed.guide", |t| {
        t.replace("re_referral", "send_back").replacen(
            "when unsuitable_for_treatment\n",
            "when unsuitable_for_treatment and age >= 18\n",
            1,
        )
    });
    let (code, out, _) = guidepath(&["diff", SKANE, s(&changed)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("+ recommendation `send_back` added"), "{out}");
    assert!(out.contains("- recommendation `re_referral` removed"), "{out}");
    let (code, out, _) = guidepath(&["diff", "--rename", "re_referral=send_back", SKANE, s(&changed)]);
    assert_eq!(code, 1, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("`send_back` before: applies; now: does not apply"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("unsuitable_for_treatment: true"), "{line}");
    let (code, _, err) = guidepath(&["diff", "--rename", "nonsense", SKANE, s(&renamed)]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_longer_time_limit_moves_the_due_date() {
    let dir = run::temp_dir("diff-limit");
    let new = variant(&dir, "limit.guide", |t| {
        t.replacen("within 1 month after referral_date", "within 6 weeks after referral_date", 1)
    });
    let (code, out, _) = guidepath(&["diff", SKANE, s(&new)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("limit: within 1 month after referral_date → within 6 weeks after referral_date"), "{out}");
    let line = out.lines().find(|l| l.contains("`mms.first_visit` before:")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("before: due 2024-02-29; now: due 2024-03-13"), "{line}");
    assert!(line.contains("referral_date: 2024-01-31"), "the witness shows the date the limit counts from: {line}");

    // The witness, pasted into `guidepath eval`, is due on each version
    // exactly as shown. It once lacked the referral date, and its due date
    // was undecided on both.
    let (_, v) = diff_json(&[SKANE, s(&new)]);
    let rule = v["files"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "mms.first_visit")
        .unwrap_or_else(|| panic!("{v}"));
    let patient = rule["patients"]["patient"].to_string();
    assert_eq!(rule["patients"]["patient"]["referral_date"], "2024-01-31", "{rule}");
    for (version, shown) in [(SKANE, &rule["patients"]["was"]), (s(&new), &rule["patients"]["is"])] {
        let (code, out, err) = run::guidepath_stdin(&["eval", "--format", "json", version], &patient);
        assert_eq!(code, 0, "{err}");
        let result: serde_json::Value = serde_json::from_str(&out).unwrap();
        let due = &run::step(&result, "mms", "first_visit")["deadline"]["due"];
        assert_eq!(format!("due {}", due.as_str().unwrap_or("undecided")), shown.as_str().unwrap(), "{version}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn real_patients_are_counted_per_rule() {
    let dir = run::temp_dir("diff-count");
    let new = variant(&dir, "bound.guide", |t| {
        t.replacen("primary_care   when linton_score <= 50", "primary_care   when linton_score <= 49", 1)
    });
    let patients = dir.join("patients.ndjson");
    let base = r#""age": 40, "pain_duration": "P4M", "pain_sites": ["neck"]"#;
    std::fs::write(
        &patients,
        format!(
            "{{{base}, \"linton_score\": 50}}\n{{{base}, \"linton_score\": 30}}\n{{{base}, \"linton_score\": 50}}\n"
        ),
    )
    .unwrap();
    let (code, v) = diff_json(&["--patients", s(&patients), SKANE, s(&new)]);
    assert_eq!(code, 1);
    let care = v["files"][0]["rules"].as_array().unwrap().iter().find(|r| r["id"] == "care_level").unwrap();
    assert_eq!(care["patients_changed"], 2, "{care}");
    // Patient lines are held to the bounds `eval --ndjson` holds them to.
    std::fs::write(&patients, format!("{}{}\n", "[".repeat(100), "]".repeat(100))).unwrap();
    let (code, _, err) = guidepath(&["diff", "--patients", s(&patients), SKANE, s(&new)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("patients.ndjson:1: larger or deeper than patient data may be"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn folders_pair_files_by_path_and_markdown_reads_as_a_table() {
    let dir = run::temp_dir("diff-folders");
    let (old, new) = (dir.join("old/se"), dir.join("new/se"));
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    std::fs::copy(root().join(SKANE), old.join("skane_mms.guide")).unwrap();
    variant(&new, "skane_mms.guide", |t| {
        t.replacen("\"Remiss till multimodal smärtbehandling hos godkänd behandlare\"", "\"Remiss till MMS\"", 1)
    });
    std::fs::copy(root().join("guidelines/se/jamtland_long_term_pain.guide"), new.join("jamtland.guide")).unwrap();
    std::fs::create_dir_all(dir.join("new/instruments")).unwrap();
    std::fs::create_dir_all(dir.join("old/instruments")).unwrap();
    for d in ["old", "new"] {
        std::fs::copy(
            root().join("guidelines/instruments/orebro_sf.guide"),
            dir.join(d).join("instruments/orebro_sf.guide"),
        )
        .unwrap();
    }
    let (code, out, err) = guidepath(&["diff", "--format", "markdown", s(&dir.join("old")), s(&dir.join("new"))]);
    assert_eq!(code, 1, "a file was added: {out}{err}");
    let (_, v) = diff_json(&[s(&dir.join("old")), s(&dir.join("new"))]);
    assert_eq!(v["files"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["moved"], serde_json::json!([]));

    // A recommendation moved to another file is said to have moved.
    let text = std::fs::read_to_string(new.join("skane_mms.guide")).unwrap();
    let start = text.find("recommend re_referral").unwrap();
    let end = start + text[start..].find("\n}\n").unwrap() + 3;
    let rest = format!("{}{}", &text[..start], &text[end..])
        .replace("expect re_referral applies", "expect mms_referral applies")
        .replace("expect re_referral does not apply", "expect mms_referral applies");
    std::fs::write(new.join("skane_mms.guide"), rest).unwrap();
    let moved_to = format!("{}\n{}", std::fs::read_to_string(new.join("jamtland.guide")).unwrap(), &text[start..end])
        .replace("when unsuitable_for_treatment", "when invasive_considered");
    std::fs::write(new.join("jamtland.guide"), moved_to).unwrap();
    let (_, v) = diff_json(&[s(&dir.join("old")), s(&dir.join("new"))]);
    assert_eq!(v["moved"][0]["id"], "re_referral", "{v}");
    assert!(v["moved"][0]["to"].as_str().unwrap().ends_with("jamtland.guide"), "{v}");
    assert!(out.contains("A new guideline file."), "{out}");
    assert!(
        out.contains("| recommendation `mms_referral` | title (sv): \"Remiss till multimodal smärtbehandling hos godkänd behandlare\" → \"Remiss till MMS\" | no patient changes"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_revision_against_the_working_tree_and_two_revisions() {
    let dir = run::temp_dir("diff-git");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(["-c", "user.name=guidepath", "-c", "user.email=guidepath@localhost"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    std::fs::create_dir_all(dir.join("se")).unwrap();
    std::fs::copy(root().join(SKANE), dir.join("se/skane.guide")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "v1"]);
    variant(&dir.join("se"), "skane.guide", |t| {
        t.replacen("primary_care   when linton_score <= 50", "primary_care   when linton_score <= 49", 1)
    });
    let file = dir.join("se/skane.guide");
    let (code, out, err) = guidepath(&["diff", "--git", "HEAD", s(&file)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("diff HEAD:se/skane.guide → "), "{out}");
    assert!(out.contains("`care_level` before: `primary_care`"), "{out}");
    git(&["commit", "-q", "-am", "v2"]);
    let (code, out, _) = guidepath(&["diff", "--git", "HEAD~1..HEAD", s(&dir)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("diff HEAD~1:se/skane.guide → HEAD:se/skane.guide"), "{out}");
    let (code, out, _) = guidepath(&["diff", "--git", "HEAD", s(&dir)]);
    assert_eq!(code, 0, "nothing since the last commit: {out}");
    let (code, _, err) = guidepath(&["diff", "--git", "no-such-rev", s(&dir)]);
    assert_eq!(code, 2, "{err}");
    // A file added since the revision is new there; a path that does not
    // exist at all is an error.
    std::fs::copy(root().join(SKANE), dir.join("se/added.guide")).unwrap();
    let (code, out, _) = guidepath(&["diff", "--git", "HEAD", s(&dir.join("se/added.guide"))]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("a new guideline file"), "{out}");
    let (code, _, err) = guidepath(&["diff", s(&dir.join("nowhere.guide")), SKANE]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such file or folder"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A changed definition is shown as written beside the rules that read it:
/// before, diff said that `mms_referral` changes for patients but not why,
/// since its own `when` reads the definition by name.
#[test]
fn a_changed_definition_is_shown_beside_its_rules() {
    let dir = run::temp_dir("diff-define");
    let new = variant(&dir, "define.guide", |t| t.replacen("age in 16..70", "age in 18..70", 1));
    let (code, out, err) = guidepath(&["diff", SKANE, s(&new)]);
    assert_eq!(code, 1, "{out}{err}");
    let written = "definition `target_population`: `age in 16..70 and pain_duration >= 3 months and pain_sites any of { neck, shoulders, low_back, generalized }` → `age in 18..70 and";
    // Each rule's lines: its heading (two spaces in) and what follows (four).
    let block = |rule: &str| -> String {
        let mut lines = out.lines().skip_while(|l| l.trim() != rule);
        let head = lines.next().unwrap_or_else(|| panic!("{rule}: {out}"));
        let body: Vec<&str> = lines.take_while(|l| l.starts_with("    ")).collect();
        format!("{head}\n{}", body.join("\n"))
    };
    for rule in ["recommendation `mms_referral`", "stratification `care_level`", "time limit `mms.first_visit`"] {
        assert!(block(rule).contains(written), "{rule}:\n{}", block(rule));
    }
    // Not beside a rule that does not read it: `re_referral` does not
    // change, and is listed as proven unchanged.
    assert!(out.contains("unchanged, proven for every patient: re_referral"), "{out}");
    let (_, v) = diff_json(&[SKANE, s(&new)]);
    let rules = v["files"][0]["rules"].as_array().unwrap();
    let rec = rules.iter().find(|r| r["id"] == "mms_referral").unwrap();
    assert!(
        rec["written"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap_or("").starts_with("definition `target_population`")),
        "{rec}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
