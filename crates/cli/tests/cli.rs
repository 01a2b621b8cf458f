//! The `guidepath` binary as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: the tests run the binary on the shipped guidelines
/// and the corpus.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn guidepath(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_guidepath"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the guidepath binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn shipped_guidelines_check_clean() {
    let (code, out, _) = guidepath(&["check", "guidelines"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn a_typo_and_a_syntax_error_are_both_reported_with_snippets() {
    let (code, out, _) = guidepath(&["check", "tests/corpus/recovery/skane_typo_and_syntax.guide"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown name `lintn_score`"), "{out}");
    assert!(out.contains("did you mean `linton_score`?"), "{out}");
    assert!(out.contains("consider_level when lintn_score > 50"), "the snippet shows the line:\n{out}");
    assert!(out.contains("expected a text; found `=`"), "{out}");
    assert!(out.contains(r#"level = "Specialistmottagning""#), "the snippet shows the line:\n{out}");
    assert!(out.contains("2 errors, 0 warnings"), "{out}");
}

#[test]
fn json_output_has_the_documented_shape() {
    let (code, out, _) = guidepath(&["check", "--format", "json", "tests/corpus/names/unknown_name.guide"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["summary"]["errors"], 2);
    let d = &v["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "E0201");
    assert_eq!(d["name"], "unknown-name");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "unknown name `lintn_score`");
    assert_eq!(d["label"]["start"]["line"], 9);
    assert_eq!(d["label"]["start"]["column"], 15);
    assert_eq!(d["help"], "did you mean `linton_score`?");
    assert_eq!(d["fix"]["replacement"], "linton_score");
}

#[test]
fn warnings_fail_only_when_denied() {
    let file = "tests/corpus/warnings/no_guideline_block.guide";
    assert_eq!(guidepath(&["check", file]).0, 0);
    assert_eq!(guidepath(&["check", "--deny-warnings", file]).0, 1);
}

#[test]
fn usage_and_io_errors_exit_2() {
    let (code, _, err) = guidepath(&["check", "no/such/path.guide"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read `no/such/path.guide`"), "{err}");
    assert_eq!(guidepath(&["check", "--format", "xml"]).0, 2);
    assert_eq!(guidepath(&["frobnicate"]).0, 2);
}

#[test]
fn a_folder_is_searched_recursively_with_a_summary() {
    let (code, out, _) = guidepath(&["check", "tests/corpus/modules"]);
    assert_eq!(code, 1);
    // cycle_a, cycle_b, lib/national, lib/screening, regional_alias, use_not_found, uses_instrument
    assert!(out.contains("checked 7 files"), "{out}");
}
