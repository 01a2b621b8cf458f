//! Every example in README.md and docs/*.md runs: the docs cannot drift
//! from what guidepath does.
//!
//! Each fenced block is tagged with what it is, and, where it is taken from
//! somewhere, says so in an HTML comment on the line before it:
//!
//! - `guide`: guideline source. With `<!-- excerpt: PATH -->` its lines are
//!   consecutive lines of PATH (a corpus file, whose diagnostics the corpus
//!   test pins, or a file that must check without errors and pass its
//!   tests); without, it is a whole file that must.
//! - `sh`: commands. `$ command` is followed by exactly what it prints;
//!   a line without `$` is a command that must succeed (`cargo` and
//!   `fuzz/` commands, the README's two and the fuzzers, the studio's
//!   build and server, and the CQL engine's example, are CI's to run).
//!   They run in a copy of the repository's guidelines, docs and corpus,
//!   with `guidepath` on the PATH.
//! - `json`: `<!-- output: COMMAND -->` is that command's output (as JSON);
//!   `<!-- excerpt of output: COMMAND -->` has lines that the output has,
//!   in order.
//! - `yaml`, `rust`, `csv`, `toml`: `<!-- excerpt: PATH -->`, as for `guide`.
//! - `python` with `<!-- engine: duckdb -->`: a program run against a
//!   database engine, by `tests/sql/docs.py` in CI; it prints the `text`
//!   block after it.
//! - `text`: drawings and notation, not examples.
//!
//! Comments (` // …`) and indentation are not compared in excerpts, so the
//! docs may explain a line. Paths named in backticks must exist.

#[path = "support/blocks.rs"]
mod blocks;
#[path = "support/run.rs"]
mod run;

use blocks::{blocks, docs, output_has};
use run::root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A line as compared in excerpts: without indentation and a trailing
/// ` // comment`.
fn plain(line: &str) -> &str {
    let l = line.trim();
    let l = if l.starts_with("//") { "" } else { l };
    match l.find(" //") {
        Some(i) => l[..i].trim_end(),
        None => l,
    }
}

fn is_excerpt(block: &str, of: &str) -> bool {
    let want: Vec<&str> = block.lines().map(plain).filter(|l| !l.is_empty()).collect();
    let have: Vec<&str> = of.lines().map(plain).filter(|l| !l.is_empty()).collect();
    !want.is_empty() && have.windows(want.len()).any(|w| w == want.as_slice())
}

/// A copy of what the examples read and write, and the binary's folder.
fn sandbox() -> PathBuf {
    let dir = run::temp_dir("docs");
    for sub in ["guidelines", "docs", "tests/corpus", "tests/coverage", "tests/fhir", "crates/eval/tests/data"] {
        copy_dir(&root().join(sub), &dir.join(sub));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn shell(dir: &Path, cmd: &str) -> (i32, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_guidepath")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check_guide(dir: &Path, path: &str, at: &str) {
    let (code, out, err) = shell(dir, &format!("guidepath check {path} && guidepath test {path}"));
    assert_eq!(code, 0, "{at}: `{path}` must check without errors and pass its tests:\n{out}{err}");
}

#[test]
fn every_example_in_the_docs_runs() {
    let dir = sandbox();
    let mut seen = 0;
    for doc in docs() {
        for b in blocks(&doc) {
            seen += 1;
            let at = format!("{}:{}", b.file.strip_prefix(root()).unwrap_or(&b.file).display(), b.line);
            let marker = b.marker.as_ref().map(|(k, v)| (k.as_str(), v.as_str()));
            match (b.tag.as_str(), marker) {
                ("guide" | "yaml" | "rust" | "csv" | "toml", Some(("excerpt", path))) => {
                    let of = std::fs::read_to_string(root().join(path)).unwrap_or_else(|_| panic!("{at}: no `{path}`"));
                    assert!(is_excerpt(&b.text, &of), "{at}: the block is not lines of `{path}`");
                    if b.tag == "guide" && !path.starts_with("tests/corpus/") {
                        check_guide(&dir, path, &at);
                    }
                }
                ("guide", None) => {
                    let file = dir.join(format!("example_{seen}.guide"));
                    std::fs::write(&file, &b.text).unwrap();
                    check_guide(&dir, file.to_str().unwrap(), &at);
                }
                ("sh", None) => run_commands(&dir, &b.text, &at),
                ("json", Some((kind @ ("output" | "excerpt of output"), cmd))) => {
                    let (code, out, err) = shell(&dir, cmd);
                    assert!(code == 0 || code == 1, "{at}: `{cmd}` failed:\n{err}");
                    if kind == "output" {
                        let want: serde_json::Value =
                            serde_json::from_str(&b.text).unwrap_or_else(|e| panic!("{at}: not JSON: {e}"));
                        let have: serde_json::Value =
                            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{at}: `{cmd}` printed no JSON: {e}"));
                        assert_eq!(want, have, "{at}: `{cmd}` prints something else:\n{out}");
                    } else if let Err(e) = output_has(&out, &b.text) {
                        panic!("{at}: `{cmd}` {e}");
                    }
                }
                // Examples against a running server: crates/cli/tests/serve.rs runs them.
                (_, Some(("served", _))) => {}
                // Examples in a database engine: tests/sql/docs.py runs them in CI,
                // where the engines are installed.
                ("python", Some(("engine", _))) => {}
                ("text", _) => {}
                (tag, m) => {
                    panic!("{at}: a `{tag}` block with {m:?}: see crates/cli/tests/docs.rs for what a block may be")
                }
            }
        }
    }
    assert!(seen >= 20, "only {seen} blocks");
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_commands(dir: &Path, text: &str, at: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(cmd) = line.strip_prefix("$ ") {
            // A command and what it prints, up to the next `$` line.
            let mut cmd = cmd.to_string();
            while cmd.ends_with('\\') && i < lines.len() {
                cmd.pop();
                cmd.push_str(lines[i].trim_start());
                i += 1;
            }
            let mut want = Vec::new();
            while i < lines.len() && !lines[i].starts_with("$ ") {
                want.push(lines[i].trim_end());
                i += 1;
            }
            while want.last().is_some_and(|l| l.is_empty()) {
                want.pop();
            }
            let (_, out, err) = shell(dir, &cmd);
            let have: Vec<&str> = out.lines().chain(err.lines()).map(str::trim_end).collect();
            assert_eq!(have.join("\n"), want.join("\n"), "{at}: `{cmd}` prints something else");
            continue;
        }
        let cmd = match line.find(" #") {
            Some(k) => line[..k].trim(),
            None => line.trim(),
        };
        // CI runs these itself: the README's two commands, the fuzzers, the
        // studio's build, `guidepath studio` (a server, which the studio's
        // browser test starts), and the CQL engine's example (Node).
        let ci = [
            "cargo ",
            "fuzz/",
            "editor-support/studio/",
            "guidepath studio",
            "npm ci --prefix tests/cpg",
            "node tests/cpg/",
        ];
        if cmd.is_empty() || cmd.starts_with('#') || ci.iter().any(|c| cmd.starts_with(c)) {
            continue;
        }
        let (code, out, err) = shell(dir, cmd);
        assert_eq!(code, 0, "{at}: `{cmd}` exits with {code}:\n{out}{err}");
    }
}

/// Files and folders named in backticks exist in the repository, and no
/// doc names one outside it. A path counts as a reference when it starts in
/// a folder of the repository (or of the corpus, as the corpus sections of
/// `docs/diagnostics.md` name its files); others (`a/b.guide` for `use
/// a.b`) illustrate.
#[test]
fn paths_in_the_docs_exist() {
    let tops: Vec<String> = ["", "tests/corpus"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap().flatten())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for doc in docs() {
        // The prose: fenced blocks are examples, run above.
        let mut fenced = false;
        let text: String = std::fs::read_to_string(&doc)
            .unwrap()
            .lines()
            .filter(|l| {
                if l.starts_with("```") {
                    fenced = !fenced;
                    return false;
                }
                !fenced
            })
            .collect::<Vec<_>>()
            .join("\n");
        let name = doc.strip_prefix(root()).unwrap_or(&doc).display().to_string();
        for (k, piece) in text.split('`').enumerate() {
            if k % 2 == 0 || piece.contains(' ') || !piece.contains('/') || piece.contains("://") {
                continue;
            }
            let looks_like_path = piece.ends_with('/')
                || [".guide", ".md", ".json", ".yaml", ".rs", ".toml", ".pest", ".snap", ".lua", ".vim"]
                    .iter()
                    .any(|x| piece.ends_with(x));
            if !looks_like_path
                || !piece.chars().any(char::is_alphanumeric)
                || piece.contains('*')
                || piece.contains('…')
            {
                continue;
            }
            assert!(
                !piece.starts_with("..") && !piece.starts_with('/') && !piece.contains("shared/"),
                "{name}: `{piece}` is outside the repository"
            );
            let first = piece.split('/').next().unwrap_or("");
            if !tops.iter().any(|t| t == first) {
                continue;
            }
            let here = root().join(piece);
            let from_corpus = root().join("tests/corpus").join(piece);
            assert!(here.exists() || from_corpus.exists(), "{name}: `{piece}` does not exist");
        }
    }
}

/// The schema versions the prose names are the ones the code writes: the
/// docs said result schema 1.0 while results said 1.1.
#[test]
fn the_docs_name_the_schema_versions_written() {
    let eval = std::fs::read_to_string(root().join("docs/eval.md")).unwrap();
    let result = guidepath_eval::RESULT_SCHEMA;
    let artifact = format!("{}.{}", guidepath_ir::SCHEMA_MAJOR, guidepath_ir::SCHEMA_MINOR);
    for (what, want, needle) in [
        ("result", result.to_string(), "## Result (JSON), schema "),
        ("artifact", artifact.clone(), "## The artifact, schema "),
        ("result", result.to_string(), "(schema `"),
        ("artifact", artifact, "artifact (schema `"),
    ] {
        let at = eval.find(needle).unwrap_or_else(|| panic!("docs/eval.md names the {what} schema: {needle}"));
        let rest = &eval[at + needle.len()..];
        let named: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        assert_eq!(named.trim_end_matches('.'), want, "docs/eval.md names {what} schema {named}");
    }
}

/// E0203's lists of the values the language takes are the checker's.
#[test]
fn unknown_value_lists_the_values_the_language_takes() {
    let text = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    let at = text.find("## E0203 unknown-value").expect("E0203 is documented");
    let section = &text[at..text[at..].find("\n## E0204").map_or(text.len(), |e| at + e)];
    for list in [
        guidepath_check::STATUSES,
        guidepath_check::STRENGTHS,
        guidepath_check::CERTAINTIES,
        guidepath_check::LANGUAGES,
    ] {
        for v in list {
            assert!(section.contains(&format!("`{v}`")), "E0203 in docs/diagnostics.md does not list `{v}`");
        }
    }
}
