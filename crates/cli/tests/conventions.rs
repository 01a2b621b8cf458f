//! The conventions users of cargo, ruff or OPA expect: `-` for standard
//! input, `--quiet`, `--color`, shell completions, one wording for a path
//! that cannot be read, counts in the right number, and reads bounded
//! before they start.

#[path = "support/run.rs"]
mod run;

use run::{guidepath, guidepath_in, guidepath_stdin, root, temp_dir};

const SKANE: &str = "guidelines/se/skane_mms.guide";

fn skane() -> String {
    std::fs::read_to_string(root().join(SKANE)).unwrap()
}

#[test]
fn check_test_and_fmt_read_standard_input() {
    let (code, out, err) = guidepath_stdin(&["check", "-"], &skane());
    assert_eq!((code, out.as_str()), (0, "checked 1 file: 0 errors, 0 warnings\n"), "{err}");
    // A `use` in the text is found from the current folder and above.
    let national = std::fs::read_to_string(root().join("tests/corpus/modules/regional_uses_national.guide")).unwrap();
    let dir = root().join("tests/corpus/modules");
    let (code, out, _) = guidepath_in(&dir, &["check", "-"], &national);
    assert!(!out.contains("E0204"), "the use resolves: {out}");
    assert!(code <= 1, "{out}");
    // Errors name the input `<stdin>`.
    let (code, out, _) =
        guidepath_stdin(&["check", "-"], &skane().replacen("linton_score <= 50", "lintn_score <= 50", 1));
    assert_eq!(code, 1);
    assert!(out.contains("<stdin>:"), "{out}");

    let (code, out, _) = guidepath_stdin(&["test", "-"], &skane());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok   <stdin>: typical eligible patient"), "{out}");

    // fmt: formatted text to standard output; --check says by its status.
    let messy = skane().replacen("  age                       :", "  age :", 1);
    let (code, out, err) = guidepath_stdin(&["fmt", "-"], &messy);
    assert_eq!((code, out.as_str(), err.as_str()), (0, skane().as_str(), ""));
    assert_eq!(guidepath_stdin(&["fmt", "--check", "-"], &messy).0, 1);
    assert_eq!(guidepath_stdin(&["fmt", "--check", "-"], &skane()).0, 0);
}

#[test]
fn empty_standard_input_is_named_as_such() {
    for args in [&["check", "-"][..], &["fmt", "-"], &["test", "-"]] {
        let (code, _, err) = guidepath_stdin(args, "  \n");
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("standard input is empty"), "{args:?}: {err}");
    }
    // Before, `eval` said "patient data must be an object, found null".
    let (code, _, err) = guidepath_stdin(&["eval", SKANE], "");
    assert_eq!(code, 1);
    assert!(err.contains("error: standard input is empty: give the patient's data"), "{err}");
    assert!(!err.contains("null"), "{err}");
}

#[test]
fn quiet_leaves_results_and_drops_summaries() {
    let (_, out, _) = guidepath(&["check", "--quiet", SKANE]);
    assert_eq!(out, "");
    let (_, out, _) = guidepath(&["test", "-q", SKANE]);
    assert_eq!(out, "", "passing tests say nothing");
    let broken = skane().replacen("expect mms_referral applies", "expect mms_referral does not apply", 1);
    let (code, out, _) = guidepath_stdin(&["test", "-q", "-"], &broken);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL <stdin>: typical eligible patient") && out.contains("1 failed"), "{out}");
    assert!(!out.contains("ok   "), "{out}");
    let (_, _, err) = guidepath(&["fmt", "--check", "-q", "guidelines"]);
    assert_eq!(err, "");
}

#[test]
fn color_is_chosen_by_the_flag_before_the_environment() {
    let bad = skane().replacen("linton_score <= 50", "lintn_score <= 50", 1);
    // The tests run with NO_COLOR set and no terminal.
    let (_, plain, _) = guidepath_stdin(&["check", "-"], &bad);
    let (_, never, _) = guidepath_stdin(&["check", "--color", "never", "-"], &bad);
    let (_, always, _) = guidepath_stdin(&["check", "--color", "always", "-"], &bad);
    assert!(!plain.contains('\u{1b}') && !never.contains('\u{1b}'), "{never}");
    assert!(always.contains("\u{1b}["), "{always}");
    let (code, _, err) = guidepath(&["check", "--color", "sometimes", SKANE]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = guidepath(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("guidepath") && out.contains("check") && out.contains("require-sources"), "{shell}");
    }
    let (code, _, _) = guidepath(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

/// Every command words a path it cannot read the same way: before, some
/// said "No such file or directory (os error 2)", `diff` "no such file or
/// folder", and `serve` "refused: cannot read:".
#[test]
fn a_missing_path_is_worded_once() {
    let want = "cannot read `nope.guide`: no such file or folder";
    for args in [
        &["check", "nope.guide"][..],
        &["fmt", "nope.guide"],
        &["test", "nope.guide"],
        &["compile", "nope.guide"],
        &["eval", "nope.guide", "-"],
        &["sql", "nope.guide", "--dialect", "duckdb"],
        &["schema", "nope.guide"],
        &["report", "nope.guide"],
        &["diff", "nope.guide", SKANE],
        &["serve", "nope.guide", "--addr", "127.0.0.1:0"],
    ] {
        let (code, _, err) = guidepath_stdin(args, "{}");
        assert!(code == 1 || code == 2, "{args:?}: {code}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let (_, _, err) = guidepath_stdin(&["eval", SKANE, "nope.json"], "");
    assert!(err.contains("cannot read `nope.json`: no such file or folder"), "{err}");
}

#[test]
fn counts_take_the_number_of_their_noun() {
    let (_, _, err) = guidepath(&["fmt", "--check", SKANE]);
    assert!(err.contains("would reformat 0 of 1 file\n"), "{err}");
    let (_, out, _) = guidepath(&["check", SKANE]);
    assert!(out.contains("checked 1 file: 0 errors, 0 warnings"), "{out}");
    let (_, _, err) = guidepath_stdin(&["eval", "--ndjson", SKANE], "{\"age\": \"x\"}\n");
    assert!(err.contains("1 patient, 1 with errors"), "{err}");
    let dir = temp_dir("counts");
    let (_, _, err) = guidepath(&["report", SKANE, "-o", &dir.join("r.html").display().to_string()]);
    assert!(err.contains("(1 guideline file, 4 recommendations)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each entry point that reads a file the operator named is given
/// `/dev/zero`, a FIFO and a file one byte over its limit (sparse: no
/// disk is written). Each is refused before it is read, so each command
/// ends: before, `eval /dev/zero x.json` grew until memory ran out.
#[cfg(unix)]
#[test]
fn every_named_file_is_read_within_bounds() {
    let dir = temp_dir("bounds");
    let sparse = |name: &str, len: u64| {
        let p = dir.join(name);
        std::fs::File::create(&p).unwrap().set_len(len).unwrap();
        p.display().to_string()
    };
    let guide = sparse("big.guide", (16 << 20) + 1);
    let artifact = sparse("big.json", (64 << 20) + 1);
    let patient = sparse("patient.json", (16 << 20) + 1);
    let patients = sparse("patients.ndjson", (256 << 20) + 1);
    let fifo = dir.join("fifo.guide");
    let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let fifo = fifo.display().to_string();
    let folder = dir.display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["check", "/dev/zero"], "not a regular file"),
        (vec!["check", &guide], "larger than 16 MiB"),
        (vec!["check", &fifo], "not a regular file"),
        // A folder scan reaches the big file and the FIFO.
        (vec!["check", &folder], "larger than 16 MiB"),
        (vec!["check", &folder], "not a regular file"),
        (vec!["fmt", "--check", &guide], "larger than 16 MiB"),
        (vec!["test", "/dev/zero"], "not a regular file"),
        (vec!["compile", &fifo], "not a regular file"),
        (vec!["eval", "/dev/zero", "-"], "not a regular file"),
        (vec!["eval", &artifact, "-"], "larger than 64 MiB"),
        (vec!["eval", SKANE, "/dev/zero"], "not a regular file"),
        (vec!["eval", SKANE, &patient], "larger than 16 MiB"),
        (vec!["eval", "--ndjson", SKANE, "/dev/zero"], "not a regular file"),
        (vec!["diff", SKANE, SKANE, "--patients", &patients], "larger than 256 MiB"),
        (vec!["diff", SKANE, SKANE, "--patients", "/dev/zero"], "not a regular file"),
        (vec!["sql", &guide, "--dialect", "duckdb"], "larger than 16 MiB"),
        (vec!["schema", "/dev/zero"], "not a regular file"),
        // The report shows what cannot be read in the report (exit 0).
        (vec!["report", "--format", "markdown", &guide], "larger than 16 MiB"),
        (vec!["serve", &artifact, "--addr", "127.0.0.1:0"], "larger than 64 MiB"),
        (vec!["check", "--sources", &folder, SKANE], "larger than 16 MiB"),
    ];
    let texts = sparse("big.md", (16 << 20) + 1);
    let _ = texts;
    for (args, want) in cases {
        let (code, out, err) = guidepath_stdin(&args, "{}");
        assert!(code == 1 || code == 2 || args[0] == "report", "{args:?}: exit {code}");
        assert!(out.contains(want) || err.contains(want), "{args:?}: {out}{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
