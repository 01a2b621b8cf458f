//! Time from `didChange` to the `publishDiagnostics` of that version, with
//! the real `guidepath lsp` binary over stdio, on a generated 5,000-line
//! guideline (the consistency analysis included): alone in its folder, and
//! with an unrelated 20,000-line guideline beside it in the workspace. In
//! quick mode also edits that leave a syntax error inside a block and a
//! declaration that does not parse, and the time of a hover, a definition
//! and a completion sent right after an edit (before its diagnostics) and
//! once they are in.
//!
//! `cargo bench -p guidepath-cli --bench lsp`; `GUIDEPATH_BENCH_QUICK=1`
//! prints the median of 50 edits without criterion, and the server's CPU
//! time per edit (Linux); `GUIDEPATH_BENCH_BIN`
//! runs another build of `guidepath` instead.

#[path = "../tests/support/lsp_client.rs"]
mod lsp_client;

use criterion::{criterion_group, Criterion};
use lsp_client::{uri, Client};
use serde_json::json;
use std::time::{Duration, Instant};

/// About 5,000 lines at `scale` 1: 20 inputs, 100 stratifications, 1,070
/// recommendations, a pathway of 20 steps, all in the shipped style: each
/// rule says what it assumes and states its numbers (as `check
/// --require-sources` asks since 2026-12-07), so a clean file has no
/// diagnostics. (Before that the generator wrote no `assume` lines, and
/// the file was 1,191 lines shorter.)
fn guideline(id: &str, scale: usize) -> String {
    let mut s = format!(
        "guideline bench.{id} \"Generated\" {{\n  issuer \"bench\"\n  version \"1\"\n  status draft\n  language en\n  source \"generated\"\n}}\n\ninput {{\n",
    );
    for i in 0..10 {
        s.push_str(&format!("  n{i} : integer points in 0..100 \"Score {i}\"\n"));
    }
    for i in 0..9 {
        s.push_str(&format!("  b{i} : boolean \"Finding {i}\"\n"));
    }
    s.push_str("  referral_date : date \"Referral\"\n}\n\n");
    for k in 0..100 * scale {
        let x = k % 10;
        s.push_str(&format!(
            "// Stratification {k}.\nassume en \"generated: 30 and 70 points\"\nstratify s{k} \"Level {k}\" by n{x} {{\n  low  when n{x} < 30\n  mid  when n{x} >= 30 and n{x} < 70\n  high when n{x} >= 70\n}}\n\n"
        ));
    }
    for r in 0..1070 * scale {
        let (a, b) = (r % 10, r % 9);
        let t = 10 + (r * 13) % 80;
        s.push_str(&format!(
            "assume en \"generated: {t} or {} points\"\nrecommend r{r} \"Recommendation {r}\" {{\n  when n{a} >= {t} and b{b}\n  action a{r}\n}}\n",
            t + 1
        ));
    }
    s.push_str(
        "\nassume en \"generated: 12 months\"\npathway p \"Pathway\" {\n  within 12 months after referral_date\n",
    );
    for i in 0..20 {
        let w = 2 * (i + 1);
        s.push_str(&format!(
            "  assume en \"generated: {w} weeks\"\n  step st{i} {{ within {w} weeks after referral_date }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

struct Session {
    client: Client,
    doc: String,
    version: i64,
    line: u32,
}

impl Session {
    /// A session on the 5,000-line guideline; `sibling`: with the
    /// 20,000-line one in the same folder.
    fn start(sibling: bool) -> (Session, usize) {
        let dir = std::env::temp_dir().join(format!("guidepath-bench-lsp-{}-{sibling}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        if sibling {
            std::fs::write(dir.join("sibling.guide"), guideline("sibling", 4)).expect("the sibling is written");
        }
        let text = guideline("lsp", 1);
        let lines = text.lines().count();
        let path = dir.join("bench.guide");
        std::fs::write(&path, &text).expect("the guideline is written");
        // GUIDEPATH_BENCH_BIN: another build (the previous commit's) to
        // measure beside this one.
        let bin = std::env::var("GUIDEPATH_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_guidepath").to_string());
        let mut client = Client::start(&bin, &dir);
        client.initialize(&uri(&dir));
        let doc = uri(&path);
        client.open(&doc, &text);
        client.diagnostics(&doc, |p| p["version"] == 1);
        let line = text.lines().position(|l| l.contains("when n0 >= 10 and b0")).expect("the first rule") as u32;
        (Session { client, doc, version: 1, line }, lines)
    }

    /// One edit (a threshold changes, 10 ↔ 11) and the wait for its diagnostics.
    fn edit(&mut self) -> Duration {
        let start = Instant::now();
        self.change();
        let v = self.version;
        let published = self.client.diagnostics(&self.doc, |p| p["version"] == v);
        let took = start.elapsed();
        // The edit keeps the file valid: a syntax error would measure the
        // recovery path instead of the edit the numbers are named for.
        assert_eq!(published["diagnostics"], json!([]), "the edited file has diagnostics");
        took
    }

    /// The time of `method` at the first rule's first name (`n0`), sent
    /// right after an edit if `at_once`, else after the edit's diagnostics.
    fn request(&mut self, method: &str, at_once: bool) -> Duration {
        self.change();
        let v = self.version;
        if !at_once {
            let published = self.client.diagnostics(&self.doc, |p| p["version"] == v);
            assert_eq!(published["diagnostics"], json!([]), "the edited file has diagnostics");
        }
        let start = Instant::now();
        let reply = self.client.request(
            method,
            json!({ "textDocument": { "uri": self.doc }, "position": { "line": self.line, "character": 8 } }),
        );
        let took = start.elapsed();
        assert!(reply.get("error").is_none() && !reply["result"].is_null(), "{method}: {reply}");
        if at_once {
            self.client.diagnostics(&self.doc, |p| p["version"] == v);
        }
        took
    }

    /// An edit that breaks the first rule's condition and the next that
    /// mends it, alternately (`and` ↔ `xnd`); the time of the breaking
    /// edit: what an author waits for while a line is half typed.
    fn syntax_error_edit(&mut self) -> Duration {
        self.break_and_mend(self.line, 16, "x", "a")
    }

    /// An edit that leaves the first rule's declaration unparsable (its
    /// header's `{` removed, as while the header is being typed) and the
    /// next that mends it; the time of the breaking edit. The whole text's
    /// parse takes everything up to the next declaration as one catch-all
    /// there.
    fn declaration_error_edit(&mut self) -> Duration {
        let brace = "recommend r0 \"Recommendation 0\" ".len() as u32;
        self.break_and_mend(self.line - 1, brace, " ", "{")
    }

    /// Replaces the character at `character` of `line` with `broken`, then
    /// with `mended`, each with the wait for its diagnostics (some, then
    /// none); the time of the first.
    fn break_and_mend(&mut self, line: u32, character: u32, broken: &str, mended: &str) -> Duration {
        let start = Instant::now();
        self.change_on(line, character, broken);
        let v = self.version;
        let published = self.client.diagnostics(&self.doc, |p| p["version"] == v);
        let took = start.elapsed();
        assert_ne!(published["diagnostics"], json!([]), "the broken file has no diagnostics");
        self.change_on(line, character, mended);
        let v = self.version;
        let published = self.client.diagnostics(&self.doc, |p| p["version"] == v);
        assert_eq!(published["diagnostics"], json!([]), "the mended file has diagnostics");
        took
    }

    /// Sends one edit, not waiting for anything.
    fn change(&mut self) {
        let digit = if self.version % 2 == 1 { "1" } else { "0" };
        self.change_at(14, digit);
    }

    /// Replaces the character at `character` of the first rule's line with
    /// `text`, not waiting for anything.
    fn change_at(&mut self, character: u32, text: &str) {
        self.change_on(self.line, character, text);
    }

    /// Replaces the character at `character` of line `line` with `text`.
    fn change_on(&mut self, line: u32, character: u32, text: &str) {
        self.version += 1;
        let v = self.version;
        self.client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": self.doc, "version": v },
                    "contentChanges": [{ "range": { "start": { "line": line, "character": character },
                                                    "end": { "line": line, "character": character + 1 } },
                                         "text": text }] }),
        );
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lsp");
    group.sample_size(30);
    for sibling in [false, true] {
        let (mut s, lines) = Session::start(sibling);
        let name = if sibling { "_with_20k_line_sibling" } else { "" };
        group.bench_function(format!("didChange_to_publishDiagnostics_{lines}_lines{name}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| s.edit()).sum())
        });
        let _ = s.client.shutdown();
    }
    group.finish();
}

criterion_group!(benches, bench);

/// `n` runs of `step`, sorted, and the server's CPU time per run (Linux;
/// `?` elsewhere).
fn timed(s: &mut Session, n: u32, step: fn(&mut Session) -> Duration) -> (Vec<Duration>, String) {
    let before = s.client.cpu_time();
    let mut times: Vec<Duration> = (0..n).map(|_| step(s)).collect();
    times.sort();
    let cpu = match (before, s.client.cpu_time()) {
        (Some(a), Some(b)) => format!("{:?}", (b - a) / n),
        _ => "?".into(),
    };
    (times, cpu)
}

/// Median, least and most of sorted times.
fn summary(times: &[Duration]) -> String {
    format!("median {:?}, min {:?}, max {:?}", times[times.len() / 2], times[0], times[times.len() - 1])
}

fn main() {
    if std::env::var_os("GUIDEPATH_BENCH_QUICK").is_some() {
        for sibling in [false, true] {
            let (mut s, lines) = Session::start(sibling);
            let (times, cpu) = timed(&mut s, 50, Session::edit);
            let with = if sibling { " with a 20,000-line sibling" } else { "" };
            println!("{lines} lines{with}: {}; server CPU {cpu} an edit", summary(&times));
            let (times, cpu) = timed(&mut s, 20, Session::syntax_error_edit);
            println!(
                "  an edit that leaves a syntax error: {}; server CPU {cpu} for it and the edit that mends it",
                summary(&times)
            );
            let (times, cpu) = timed(&mut s, 20, Session::declaration_error_edit);
            println!(
                "  an edit that leaves a declaration unparsable: {}; server CPU {cpu} for it and the edit that mends it",
                summary(&times)
            );
            for method in ["textDocument/hover", "textDocument/definition", "textDocument/completion"] {
                for at_once in [true, false] {
                    let mut times: Vec<Duration> = (0..20).map(|_| s.request(method, at_once)).collect();
                    times.sort();
                    let when = if at_once { "right after an edit" } else { "after its diagnostics" };
                    println!("  {method} {when}: {}", summary(&times));
                }
            }
            let _ = s.client.shutdown();
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
