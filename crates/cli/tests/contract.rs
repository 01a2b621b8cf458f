//! The evaluation contract as a user meets it on the command line: each
//! case here once misled a downstream system (issue: the evaluation
//! contract), and now behaves as `docs/eval.md` and `docs/cli.md` say.

#[path = "support/run.rs"]
mod run;

use run::{guidepath, guidepath_in, guidepath_stdin, item, root, step, temp_dir};
use serde_json::{json, Value};

const SKANE: &str = "guidelines/se/skane_mms.guide";

fn eval_json(args: &[&str], patient: &str) -> Value {
    let mut all = vec!["eval", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = guidepath_stdin(&all, patient);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

#[test]
fn an_undecided_patient_gets_no_deadline() {
    let v = eval_json(&[SKANE], r#"{"referral_date":"2024-03-01"}"#);
    let visit = step(&v, "mms", "first_visit");
    assert_eq!(visit["state"], "undecided");
    assert_eq!(visit["deadline"]["due"], Value::Null, "{visit}");
    assert_eq!(visit["deadline"]["needs"], json!(["age", "pain_duration", "pain_sites"]));
    let (_, human, _) =
        guidepath_stdin(&["eval", "--format", "human", "--lang", "en", SKANE], r#"{"referral_date":"2024-03-01"}"#);
    assert!(!human.contains("2024-04-01"), "{human}");
    assert!(
        human.contains(
            "(first_visit): undecided\n        would be decided by: The patient's age (age), \
             How long the pain has lasted (pain_duration), Where the pain is (pain_sites)\n"
        ),
        "{human}"
    );
}

#[test]
fn days_against_months_say_why_no_data_decides() {
    let p = r#"{"age": 45, "pain_duration": "P90D", "pain_sites": ["low_back"], "linton_score": 30,
               "very_pronounced_symptoms": false, "very_long_sick_leave": false, "previous_treatment_failed": false}"#;
    let v = eval_json(&[SKANE], p);
    let rec = item(&v, "recommendations", "mms_referral");
    assert_eq!(rec["state"], "undecided");
    assert_eq!(rec["needs"], json!([]), "no field would decide it: {rec}");
    assert_eq!(rec["reasons"][0]["data"], json!({ "pain_duration": "P90D" }));
    // Without the booleans, they are asked for, and the reason stays.
    let v =
        eval_json(&[SKANE], r#"{"age": 45, "pain_duration": "P90D", "pain_sites": ["low_back"], "linton_score": 30}"#);
    let rec = item(&v, "recommendations", "mms_referral");
    assert_eq!(rec["needs"], json!(["very_pronounced_symptoms", "very_long_sick_leave", "previous_treatment_failed"]));
    assert_eq!(rec["reasons"][0]["condition"], "pain_duration >= 3 months");
}

#[test]
fn outside_the_population_is_not_unknown() {
    let child = r#"{"age": 10, "pain_duration": "P1Y", "pain_sites": ["neck"], "linton_score": 20}"#;
    let v = eval_json(&[SKANE], child);
    assert_eq!(item(&v, "strata", "care_level")["state"], "not_applicable");
    assert_eq!(step(&v, "mms", "first_visit")["state"], "not_applicable");
    let (_, human, _) = guidepath_stdin(&["eval", "--format", "human", "--lang", "en", SKANE], child);
    assert!(
        human.contains("Level of care (care_level): not applicable\n      not met: `target_population`\n"),
        "{human}"
    );
}

#[test]
fn tests_can_say_not_applicable_and_undecided_because() {
    let dir = temp_dir("expectations");
    let file = dir.join("t.guide");
    let base = std::fs::read_to_string(root().join(SKANE)).unwrap();
    let good = format!(
        "{base}\ntest \"the new expectations\" {{\n  given {{ age: 10, pain_duration: 1 years, pain_sites: [neck] }}\n  \
         expect care_level not applicable\n  expect first_visit does not apply\n  expect mms not applicable\n}}\n\
         test \"days against months\" {{\n  given {{ age: 45, pain_duration: 90 days, pain_sites: [neck], linton_score: 30,\n    \
         very_pronounced_symptoms: false, very_long_sick_leave: false, previous_treatment_failed: false }}\n  \
         expect mms_referral undecided because pain_duration\n  expect care_level undecided because pain_duration\n}}\n"
    );
    std::fs::write(&file, &good).unwrap();
    let (code, out, err) = guidepath(&["test", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    // A wrong field list fails, and says what keeps it open.
    std::fs::write(
        &file,
        good.replace("undecided because pain_duration\n  expect care", "undecided because age\n  expect care"),
    )
    .unwrap();
    let (code, out, _) = guidepath(&["test", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("expected: undecided because age"), "{out}");
    assert!(out.contains("actual:   undecided because pain_duration"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A YAML artifact of every shipped guideline evaluates to byte-identical
/// results as its JSON twin.
#[test]
fn yaml_artifacts_of_every_shipped_guideline_evaluate_as_their_json_twins() {
    let dir = temp_dir("yaml");
    let patients = [
        "{}",
        r#"{"age": 45, "pain_duration": "P4M", "pain_sites": ["low_back"], "linton_score": 38, "referral_date": "2024-01-31"}"#,
        r#"{"start_back": {"q1": true, "q5": true, "q6": true, "q7": true, "q8": true}, "age": 30, "back_pain": true}"#,
    ];
    for g in [
        "dk/early_stratified_care",
        "instruments/orebro_sf",
        "instruments/start_back",
        "no/msk_package_pathway",
        "se/jamtland_long_term_pain",
        "se/skane_mms",
    ] {
        let src = format!("guidelines/{g}.guide");
        let name = g.replace('/', "_");
        let json = dir.join(format!("{name}.json"));
        let yaml = dir.join(format!("{name}.yaml"));
        let (code, _, err) = guidepath(&["compile", &src, "-o", json.to_str().unwrap()]);
        assert_eq!(code, 0, "{g}: {err}");
        let (code, _, err) = guidepath(&["compile", "--yaml", &src, "-o", yaml.to_str().unwrap()]);
        assert_eq!(code, 0, "{g}: {err}");
        for p in patients {
            let a = guidepath_stdin(&["eval", "--explain", json.to_str().unwrap()], p);
            let b = guidepath_stdin(&["eval", "--explain", yaml.to_str().unwrap()], p);
            assert_eq!(a.0, 0, "{g}: {}", a.2);
            assert_eq!(a, b, "{g} with {p}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped example artifact is reproducible from any working folder.
#[test]
fn the_example_artifact_is_the_same_from_any_folder() {
    let stored = std::fs::read_to_string(root().join("crates/eval/tests/data/mini.json")).unwrap();
    let data = root().join("crates/eval/tests/data");
    let abs = data.join("mini.guide");
    for (dir, path) in [
        (root(), "crates/eval/tests/data/mini.guide".to_string()),
        (data.clone(), "mini.guide".to_string()),
        (data.join("../.."), "tests/data/../data/mini.guide".to_string()),
        (std::path::PathBuf::from("/"), abs.to_str().unwrap().to_string()),
    ] {
        let (code, out, err) = guidepath_in(&dir, &["compile", &path], "");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, stored, "compiled as `{path}` in `{}`", dir.display());
    }
}

#[test]
fn ndjson_lines_carry_their_line_and_id_and_exit_codes_follow_the_docs() {
    let input = "{\"pid\": \"a\", \"age\": 45}\n\n{\"pid\": 7, \"age\": 300}\n";
    let (code, out, _) = guidepath_stdin(&["eval", "--ndjson", "--id", "pid", SKANE], input);
    assert_eq!(code, 1, "a line was invalid");
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines.len(), 4, "three lines and the final newline: {out:?}");
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!((&first["line"], &first["id"]), (&json!(1), &json!("a")));
    assert_eq!(lines[1], "");
    let third: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!((&third["line"], &third["id"], &third["error"]), (&json!(3), &json!(7), &json!("invalid patient data")));
    // All lines good: 0. A missing artifact: 2.
    assert_eq!(guidepath_stdin(&["eval", "--ndjson", SKANE], "{}\n\n{}\n").0, 0);
    assert_eq!(guidepath_stdin(&["eval", "--ndjson", "missing.json"], "{}\n").0, 2);
    // Nested too deep or not UTF-8: an error record for that line only.
    let deep = format!("{{\"age\": 45, \"x\": {}{}}}\n{{}}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (code, out, _) = guidepath_stdin(&["eval", "--ndjson", SKANE], &deep);
    assert_eq!(code, 1);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines[0]["error"].as_str().unwrap().contains("nested deeper"), "{out}");
    assert_eq!(lines[1]["line"], 2);
}

/// A key given twice is an error naming it in every reader of patient
/// data: JSON (read in one pass, or by serde for a fraction), YAML,
/// NDJSON, `--strict`, and FHIR. Before, the last value won silently, and
/// swapping the two flipped `mms_referral`.
#[test]
fn a_key_given_twice_is_refused_by_every_reader() {
    let patient =
        |age: &str| format!("\"pain_duration\": \"P4M\", \"pain_sites\": [\"neck\"], \"linton_score\": 20, {age}");
    let cases = [
        (format!("{{{}}}", patient("\"age\": 45, \"age\": 10")), "age"),
        (format!("{{{}}}", patient("\"age\": 10, \"age\": 45")), "age"),
        (format!("{{{}}}", patient("\"age\": 45, \"x\": 0.5, \"x\": 1")), "x"),
        (format!("{{{}}}", patient("\"age\": 45.0, \"age\": 10")), "age"),
        (format!("{{{}}}", patient("\"age\": 45, \"pain_duration\": \"P1M\"")), "pain_duration"),
    ];
    for (text, field) in &cases {
        for args in [&["eval", "--format", "json", SKANE][..], &["eval", "--strict", "--format", "json", SKANE][..]] {
            let (code, out, err) = guidepath_stdin(args, text);
            assert_eq!(code, 1, "{text}: {out}");
            assert!(err.contains(&format!("`{field}`: given more than once")), "{text}: {err}");
        }
        let (code, out, _) = guidepath_stdin(&["eval", "--ndjson", "--id", "pid", SKANE], &format!("{text}\n"));
        assert_eq!(code, 1, "{out}");
        let line: Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(line["errors"][0]["path"], *field, "{out}");
    }
    let yaml = "age: 45\npain_duration: P4M\npain_sites: [neck]\nage: 10\n";
    let (code, _, err) = guidepath_stdin(&["eval", SKANE, "-"], yaml);
    assert_eq!(code, 1);
    assert!(err.contains("`age`: given more than once"), "{err}");
    // Nested: an instrument's answer given twice.
    let nested = r#"{"start_back": {"q1": true, "q1": false}}"#;
    let (code, _, err) = guidepath_stdin(&["eval", "guidelines/dk/early_stratified_care.guide"], nested);
    assert_eq!(code, 1);
    assert!(err.contains("`start_back.q1`: given more than once"), "{err}");
    // ... and in an object the guideline does not read, with a value that
    // sends the one-pass reader on to serde (found by the `patient` fuzz
    // target: serde's skip took it, the tree reader refused it).
    for other in [r#"{"q0": true, "q0": "x"}"#, r#"{"q0": true, "q0": 0.5}"#, r#"[{"a": 1, "a": 2.5}]"#] {
        let text = format!(r#"{{"start_back": {other}, "age": 40, "back_pain": true}}"#);
        let (code, _, err) = guidepath_stdin(&["eval", "guidelines/instruments/orebro_sf.guide"], &text);
        assert_eq!(code, 1, "{text}");
        assert!(err.contains("given more than once"), "{text}: {err}");
    }
    // FHIR: a resource with an element given twice.
    let bundle = std::fs::read_to_string(root().join("tests/fhir/start_back_high.json")).unwrap();
    let twice = bundle.replacen(
        "\"birthDate\": \"1986-05-17\"",
        "\"birthDate\": \"1986-05-17\", \"birthDate\": \"2020-01-01\"",
        1,
    );
    assert_ne!(twice, bundle);
    let (code, _, err) = guidepath_stdin(
        &["eval", "--fhir", "--at", "2026-12-01", "guidelines/dk/early_stratified_care.guide", "-"],
        &twice,
    );
    assert_eq!(code, 1);
    assert!(err.contains("`entry[0].resource.birthDate` given more than once"), "{err}");
}

/// A line that starts with a byte order mark keeps its id (it was lost, so
/// a consumer joining results by id lost or mis-joined that patient).
#[test]
fn an_ndjson_line_after_a_byte_order_mark_keeps_its_id() {
    let input = "\u{feff}{\"pid\": \"first\", \"age\": 45}\n{\"pid\": \"second\", \"age\": 46}\n";
    let (code, out, err) = guidepath_stdin(&["eval", "--ndjson", "--id", "pid", SKANE], input);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<Value> = out.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone()).collect();
    assert_eq!(ids, [json!("first"), json!("second")]);
}

/// The one-pass reader counts nesting itself, so the depth limit holds at
/// its edge: 64 levels are read, 65 refused, in an unknown field, in a set
/// and in an array the guideline reads as a number.
#[test]
fn ndjson_reads_64_levels_and_refuses_65() {
    let nest = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let mut input = String::new();
    for levels in [64, 65] {
        // The patient object is the first level.
        input += &format!("{{\"age\": 45, \"x\": {}}}\n", nest(levels - 1));
        input += &format!("{{\"age\": 45, \"x\": {{\"y\": {}}}}}\n", nest(levels - 2));
        input += &format!("{{\"pain_sites\": [\"neck\"], \"x\": [{}]}}\n", nest(levels - 2));
        input += &format!("{{\"age\": {}}}\n", nest(levels - 1));
    }
    let (_, out, _) = guidepath_stdin(&["eval", "--ndjson", SKANE], &input);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 8, "{out}");
    for line in &lines[..3] {
        assert!(line["error"].is_null(), "{line}");
    }
    // An array for a number is a data error, not a depth error.
    assert_eq!(lines[3]["error"], "invalid patient data", "{}", lines[3]);
    for line in &lines[4..] {
        assert!(line["error"].as_str().unwrap().contains("nested deeper than 64 levels"), "{line}");
    }
}

/// `--jobs N` writes the bytes one job writes, in input order, with the
/// same summary and exit code: over several chunks of lines, with blank
/// lines, bad JSON, invalid data, unknown fields, bytes that are not UTF-8
/// and ids.
#[test]
fn ndjson_on_many_jobs_writes_what_one_job_writes() {
    let dir = temp_dir("ndjson_jobs");
    let mut input: Vec<u8> = Vec::new();
    for k in 0..3500u32 {
        let line = match k % 11 {
            0 => String::new(),
            1 => "{not json".to_string(),
            2 => format!("{{\"pid\": {k}, \"age\": 300}}"),
            3 => format!("{{\"pid\": {k}, \"age\": 40, \"nickname\": \"x\"}}"),
            4 => {
                input.extend_from_slice(b"{\"pid\": \"\xff\"}\n");
                continue;
            }
            _ => format!(
                "{{\"pid\": \"p{k}\", \"age\": {}, \"pain_duration\": \"P{}M\", \"linton_score\": {}}}",
                16 + k % 60,
                k % 9,
                k % 100
            ),
        };
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    let file = dir.join("patients.ndjson");
    std::fs::write(&file, &input).unwrap();
    let file = file.to_str().unwrap();
    let run = |jobs: &str| guidepath_in(&root(), &["eval", "--ndjson", "--id", "pid", "--jobs", jobs, SKANE, file], "");
    let one = run("1");
    assert_eq!(one.0, 1, "some lines are invalid: {}", one.2);
    assert_eq!(one.1.lines().count(), 3500);
    assert!(one.2.contains("with fields the guideline does not read"), "{}", one.2);
    for jobs in ["2", "3", "0"] {
        let many = run(jobs);
        assert_eq!((many.0, &many.2), (one.0, &one.2), "--jobs {jobs}");
        assert!(many.1 == one.1, "--jobs {jobs} writes other bytes");
    }
}

#[test]
fn patient_files_are_read_as_the_format_they_are_in() {
    let dir = temp_dir("patients");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    // A trailing comma in a .json file is a JSON error, not YAML accepted.
    let comma = write("comma.json", "{\"age\": 45,}");
    let (code, _, err) = guidepath(&["eval", SKANE, &comma]);
    assert_eq!(code, 1);
    assert!(err.contains("not JSON: trailing comma"), "{err}");
    // A bad YAML file shows the YAML error.
    let bad = write("bad.yaml", "age: 45\nsites: [neck\n");
    let (code, _, err) = guidepath(&["eval", SKANE, &bad]);
    assert_eq!(code, 1);
    assert!(err.contains("not YAML"), "{err}");
    // Standard input by its first character.
    assert!(guidepath_stdin(&["eval", SKANE], "{\"age\": 45,}").2.contains("not JSON"));
    assert!(guidepath_stdin(&["eval", SKANE], "age: [45").2.contains("not YAML"));
    // A misspelled field is a warning, an error with --strict; so is a
    // missing required field.
    let typo = write("typo.yaml", "ag: 45\n");
    let (code, _, err) = guidepath(&["eval", SKANE, &typo]);
    assert_eq!(code, 0);
    assert!(
        err.contains("warning: `ag` is not a field of `se.skane.mms`; it is ignored (did you mean `age`?)"),
        "{err}"
    );
    let (code, _, err) = guidepath(&["eval", "--strict", SKANE, &typo]);
    assert_eq!(code, 1);
    assert!(err.contains("`ag`: not a field of this guideline"), "{err}");
    assert!(err.contains("`age`: required and missing"), "{err}");
    let complete = write("ok.json", r#"{"age": 45, "pain_duration": "P4M", "pain_sites": ["neck"]}"#);
    assert_eq!(guidepath(&["eval", "--strict", SKANE, &complete]).0, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Deeply nested patient data is refused at once, in either format (a
/// 600 KB file of brackets once took minutes).
#[test]
fn deep_patient_data_is_refused_fast() {
    let dir = temp_dir("deep");
    let json = dir.join("deep.json");
    let yaml = dir.join("deep.yaml");
    std::fs::write(&json, format!("{{\"a\": {}{}}}", "[".repeat(300_000), "]".repeat(300_000))).unwrap();
    std::fs::write(&yaml, format!("a: {}{}\n", "[".repeat(300_000), "]".repeat(300_000))).unwrap();
    for p in [&json, &yaml] {
        let (code, _, err) = guidepath(&["eval", SKANE, p.to_str().unwrap()]);
        assert_eq!(code, 1);
        assert!(err.contains("nested deeper than 64 levels"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn use_resolves_from_the_file_whatever_the_current_folder() {
    let se = root().join("guidelines/se");
    let (code, out, _) = guidepath_in(&se, &["check", "."], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
    let (code, out, _) = guidepath_in(&se, &["check", "--format", "json", "jamtland_long_term_pain.guide"], "");
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["jamtland_long_term_pain.guide", "../instruments/orebro_sf.guide"]);
    assert_eq!(guidepath_in(&se, &["test", "."], "").0, 0);
}

#[test]
fn folder_runs_never_stop_halfway() {
    let dir = temp_dir("folder");
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(dir.join("a.guide"), b"guideline a.a \"Sm\xe5rta\" { }\n").unwrap();
    let skane = std::fs::read_to_string(root().join(SKANE)).unwrap();
    std::fs::write(dir.join("b/skane.guide"), &skane).unwrap();
    std::fs::write(dir.join("c.guide"), skane.replace("language sv", "language   sv")).unwrap();
    #[cfg(unix)]
    for link in ["self", "again", "b/up"] {
        let target = if link == "b/up" { ".." } else { "." };
        std::os::unix::fs::symlink(target, dir.join(link)).unwrap();
    }
    // check: every file, the unreadable one as a diagnostic, in JSON too;
    // the links to folders already searched end the walk.
    let (code, out, err) = guidepath_in(&dir, &["check", "--format", "json", "."], "");
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).expect("complete JSON");
    let files: Vec<(&str, Vec<&str>)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let codes = f["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
            (f["path"].as_str().unwrap(), codes)
        })
        .collect();
    assert_eq!(files, [("a.guide", vec!["E0104"]), ("b/skane.guide", vec![]), ("c.guide", vec![])], "{out}");
    #[cfg(unix)]
    assert!(err.contains("is a link to") && err.contains("searched already"), "{err}");
    // fmt: formats what it can and reports the rest.
    let (code, _, err) = guidepath_in(&dir, &["fmt", "."], "");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`a.guide` not formatted"), "{err}");
    assert!(err.contains("reformatted 1 of 3 files, 1 left as they were"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("c.guide")).unwrap(), skane);
    // test: every file's tests run.
    let (code, out, _) = guidepath_in(&dir, &["test", "."], "");
    assert_eq!(code, 1);
    assert!(out.contains("FAIL a.guide: the file cannot be read"), "{out}");
    assert!(out.contains("ok   c.guide: typical eligible patient"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `guidepath test guidelines | head -1` once panicked on the closed pipe.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_process_quietly() {
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_guidepath"))
        .args(["test", "guidelines"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // The reader is gone: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with("ok "), "{first}");
    assert!(out.status.signal() == Some(libc_sigpipe()) || out.status.success(), "{:?}", out.status);
    assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn schema_prints_the_patient_and_result_schemas() {
    let (code, out, _) = guidepath(&["schema", SKANE]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["properties"]["age"]["maximum"], 130);
    assert_eq!(v["properties"]["pain_sites"]["items"]["enum"][0], "neck");
    assert!(v.get("required").is_none());
    let (_, out, _) = guidepath(&["schema", "--strict", SKANE]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["required"], json!(["age", "pain_duration", "pain_sites"]));
    assert_eq!(v["additionalProperties"], false);
    let (code, out, _) = guidepath(&["schema", "--result"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["$id"], "urn:guidepath:result:1.1");
}

#[test]
fn titles_in_another_language_and_the_longer_texts_on_request() {
    let p = r#"{"age": 45, "pain_duration": "P4M", "pain_sites": ["neck"], "linton_score": 20}"#;
    let v = eval_json(&[SKANE], p);
    assert_eq!(v["guideline"]["title"], "Multimodal smärtbehandling (MMS)");
    assert!(item(&v, "recommendations", "mms_referral").get("rationale").is_none());
    let v = eval_json(&["--lang", "en", "--texts", SKANE], p);
    assert_eq!(
        (&v["guideline"]["title"], &v["guideline"]["language"]),
        (&json!("Multimodal pain treatment (MMS)"), &json!("en"))
    );
    // The English title where the guideline has one; where there is no
    // English (the rationale, who is responsible), the guideline's own
    // language: the JSON contract, unlike the human output.
    let rec = item(&v, "recommendations", "mms_referral");
    assert_eq!(rec["title"], "Refer to multimodal pain treatment at an approved provider");
    assert!(rec["rationale"].as_str().unwrap().starts_with("Remissen ska märkas"), "{rec}");
    assert_eq!(step(&v, "mms", "first_visit")["responsible"], "Vald behandlare");
}
