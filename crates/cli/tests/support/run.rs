//! Running the `guidepath` binary as a user does.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: the tests run the binary on the shipped guidelines
/// and the corpus.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `guidepath ARGS` in the workspace root: exit code, stdout, stderr.
pub fn guidepath(args: &[&str]) -> (i32, String, String) {
    guidepath_in(&root(), args, "")
}

/// `guidepath ARGS` in the workspace root, with `input` on stdin.
pub fn guidepath_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    guidepath_in(&root(), args, input)
}

/// `guidepath ARGS` in `dir`, with `input` on stdin.
pub fn guidepath_in(dir: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_guidepath"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the guidepath binary runs");
    // The binary may refuse its arguments and exit before it reads its input
    // (a tampered artifact); the write then meets a closed pipe, which is not
    // a failure of the test. Its exit code and stderr are what is asserted.
    let mut stdin = child.stdin.take().expect("stdin is piped");
    match stdin.write_all(input.as_bytes()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => panic!("writing the input failed: {e}"),
    }
    drop(stdin);
    let out = child.wait_with_output().expect("the binary finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("guidepath-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// The item with this `id` in a list of a result (`strata`, `scores`, …).
pub fn item<'v>(result: &'v serde_json::Value, list: &str, id: &str) -> &'v serde_json::Value {
    result[list]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == id))
        .unwrap_or_else(|| panic!("no `{id}` in `{list}` of {result}"))
}

/// The step `id` of the pathway `pathway`.
pub fn step<'v>(result: &'v serde_json::Value, pathway: &str, id: &str) -> &'v serde_json::Value {
    item(item(result, "pathways", pathway), "steps", id)
}
