//! The language server end to end: the real `guidepath lsp` binary over
//! stdio, driven like an editor drives it.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use lsp_client::{uri, Client};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A workspace in a temporary folder with the Skåne guideline changed to
/// have a unit error (a time limit in kg) and a gap at 50 points, and a
/// regional file that uses a national one.
fn workspace(name: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("guidepath-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    let skane = std::fs::read_to_string(root().join("guidelines/se/skane_mms.guide")).unwrap();
    let skane = skane
        .replacen("primary_care   when linton_score <= 50", "primary_care   when linton_score <= 49", 1)
        .replacen("within 1 month after referral_date", "within 1 kg after referral_date", 1);
    std::fs::write(dir.join("skane.guide"), &skane).unwrap();
    std::fs::copy(root().join("tests/corpus/modules/lib/national.guide"), dir.join("lib/national.guide")).unwrap();
    std::fs::copy(root().join("tests/corpus/modules/regional_uses_national.guide"), dir.join("regional.guide"))
        .unwrap();
    (dir, skane)
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("`{needle}` is in the text")) as u32
}

/// The UTF-16 position of the first `needle` on the line containing `line_has`.
fn pos(text: &str, line_has: &str, needle: &str) -> Value {
    let line = line_of(text, line_has);
    let l = text.lines().nth(line as usize).unwrap();
    let byte = l.find(needle).unwrap();
    json!({ "line": line, "character": l[..byte].encode_utf16().count() })
}

fn codes(diags: &Value) -> Vec<(String, u64)> {
    diags["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap_or("").to_string(), d["range"]["start"]["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn an_editing_session() {
    let (dir, skane) = workspace("session");
    let bin = env!("CARGO_BIN_EXE_guidepath");
    let mut c = Client::start(bin, &dir);
    let init = c.initialize(&uri(&dir));
    assert!(init["result"]["capabilities"]["hoverProvider"] == true, "{init}");
    let doc = uri(&dir.join("skane.guide"));
    c.open(&doc, &skane);

    // The unit error and the gap, on their lines, with the witness test.
    let d = c.diagnostics(&doc, |p| p["version"] == 1);
    let got = codes(&d);
    assert!(got.contains(&("E0401".into(), line_of(&skane, "within 1 kg") as u64)), "{got:?}");
    assert!(got.contains(&("E0902".into(), line_of(&skane, "stratify care_level") as u64)), "{got:?}");
    assert_eq!(d["version"], 1);
    let gap = d["diagnostics"].as_array().unwrap().iter().find(|x| x["code"] == "E0902").unwrap().clone();
    assert!(gap["message"].as_str().unwrap().contains("no stratum"), "{gap}");

    // The quick fix adds the witness test at the end of the file.
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": doc }, "range": gap["range"], "context": { "diagnostics": [gap] } }),
    );
    let action = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Add the witness patient as a test")
        .unwrap_or_else(|| panic!("{actions}"))
        .clone();
    let stratum = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Add a stratum for the patients no stratum takes")
        .unwrap_or_else(|| panic!("{actions}"));
    let line = stratum["edit"]["changes"][&doc][0]["newText"].as_str().unwrap();
    assert!(line.contains("unassigned when not (linton_score <= 49) and not (linton_score > 50)"), "{line}");
    let edit = &action["edit"]["changes"][&doc][0];
    let inserted = edit["newText"].as_str().unwrap();
    assert!(inserted.contains("linton_score: 50") && inserted.contains("test \""), "{inserted}");
    assert_eq!(edit["range"]["start"]["line"].as_u64().unwrap(), skane.lines().count() as u64);

    // Incremental change: the unit is mended; the error goes, the gap stays.
    let at = pos(&skane, "within 1 kg", "kg");
    let end = json!({ "line": at["line"], "character": at["character"].as_u64().unwrap() + 2 });
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 2 },
                "contentChanges": [{ "range": { "start": at, "end": end }, "text": "month" }] }),
    );
    let d = c.diagnostics(&doc, |p| p["version"] == 2);
    let got = codes(&d);
    assert!(!got.iter().any(|(c, _)| c == "E0401") && got.iter().any(|(c, _)| c == "E0902"), "{got:?}");
    let text = skane.replacen("within 1 kg after", "within 1 month after", 1);

    // Hover: an input's type, unit and range; a definition's formula.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": pos(&text, "primary_care   when", "linton_score") }),
    );
    let hover = h["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover.contains("integer points") && hover.contains("0..100"), "{h}");
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": pos(&text, "stratify care_level", "target_population") }),
    );
    assert!(h["result"]["contents"]["value"].as_str().unwrap_or_default().contains("age in 16..70"), "{h}");
    // Hover shows where a field is read from in FHIR data, and its codes.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": pos(&text, "and pain_duration", "pain_duration") }),
    );
    let hover = h["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover.contains("read from `Condition.onsetDateTime`") && hover.contains("code: `snomed 82423001`"), "{h}");

    // Hover on a rule cites its source: the quote, where it stands, and
    // what the rule assumes.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": pos(&text, "stratify care_level", "care_level") }),
    );
    let hover = h["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        hover
            .contains("> För patienter som skattas över 50p bör man ta ställning till vilken vårdnivå som är aktuell.")
            && hover.contains("— Bedömning och remittering")
            && hover.contains("**assumed:**"),
        "{h}"
    );

    // Definition and references of `target_population`.
    let at = pos(&text, "stratify care_level", "target_population");
    let def = c.request("textDocument/definition", json!({ "textDocument": { "uri": doc }, "position": at }));
    assert_eq!(
        def["result"]["range"]["start"]["line"].as_u64().unwrap(),
        line_of(&text, "define target_population") as u64
    );
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": doc }, "position": at, "context": { "includeDeclaration": true } }),
    );
    let n = text.matches("target_population").count();
    assert_eq!(refs["result"].as_array().unwrap().len(), n, "{refs}");

    // Rename: every occurrence; a keyword is refused.
    let r = c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": doc }, "position": at, "newName": "population" }),
    );
    assert_eq!(r["result"]["changes"][&doc].as_array().unwrap().len(), n, "{r}");
    let r =
        c.request("textDocument/rename", json!({ "textDocument": { "uri": doc }, "position": at, "newName": "when" }));
    assert!(r["error"].is_object(), "{r}");

    // Strata are names too: hover, and rename in conditions and tests.
    let at = pos(&text, "when target_population and care_level is primary_care", "primary_care");
    let h = c.request("textDocument/hover", json!({ "textDocument": { "uri": doc }, "position": at }));
    assert!(
        h["result"]["contents"]["value"].as_str().unwrap_or_default().contains("**stratum** `primary_care`"),
        "{h}"
    );
    let r = c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": doc }, "position": at, "newName": "mms_primary" }),
    );
    assert_eq!(r["result"]["changes"][&doc].as_array().unwrap().len(), text.matches("primary_care").count(), "{r}");

    // Completion: strata after `care_level is`; units after a number.
    let p = pos(&text, "when target_population and care_level is consider_level", "consider_level");
    let comp = c.request("textDocument/completion", json!({ "textDocument": { "uri": doc }, "position": p }));
    let labels: Vec<&str> = comp["result"].as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"primary_care") && labels.contains(&"consider_level"), "{labels:?}");

    // Outline, colouring, folding.
    let sym = c.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": doc } }));
    let names: Vec<&str> = sym["result"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert!(names.contains(&"care_level") && names.contains(&"mms_referral"), "{names:?}");
    let toks = c.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": doc } }));
    assert!(toks["result"]["data"].as_array().unwrap().len() > 500, "{toks}");
    let folds = c.request("textDocument/foldingRange", json!({ "textDocument": { "uri": doc } }));
    assert!(folds["result"].as_array().unwrap().len() > 10);
    let ws = c.request("workspace/symbol", json!({ "query": "national" }));
    assert!(ws["result"].as_array().unwrap().iter().any(|s| s["name"] == "national_advice"), "{ws}");

    // Across files: definition of a name from the used file.
    let regional = std::fs::read_to_string(dir.join("regional.guide")).unwrap();
    let reg = uri(&dir.join("regional.guide"));
    c.open(&reg, &regional);
    let def = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": reg }, "position": pos(&regional, "recommend quit", "population") }),
    );
    assert!(def["result"]["uri"].as_str().unwrap().ends_with("lib/national.guide"), "{def}");
    // Members of the used file after `nat.`.
    let p = pos(&regional, "recommend quit", "population");
    let comp = c.request("textDocument/completion", json!({ "textDocument": { "uri": reg }, "position": p }));
    let labels: Vec<&str> = comp["result"].as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"population") && labels.contains(&"age"), "{labels:?}");

    // Formatting a messy document.
    let messy = uri(&dir.join("messy.guide"));
    c.open(&messy, "input{\nage:integer years in 0..130\n}\ndefine adult=age>=18\nrecommend r \"R\" { when adult }\n");
    let f = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": messy }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let new = f["result"][0]["newText"].as_str().unwrap();
    assert!(new.starts_with("input {\n  age : integer years in 0..130\n}\ndefine adult = age >= 18\n"), "{new}");

    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn positions_count_utf16_past_nordic_letters() {
    let (dir, _) = workspace("utf16");
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    c.initialize(&uri(&dir));
    let text = "guideline t.t \"Smärta\" { issuer \"Region Skåne\" version \"1\" status draft language sv source \"x\" }\ninput { ålder : integer years in 0..130 }\ndefine vuxen \"Målgrupp för ÅÄÖ 𝕏\" = ålder >= 18 and åldr < 70\nrecommend r \"R\" { when vuxen }\n";
    let doc = uri(&dir.join("utf16.guide"));
    c.open(&doc, text);
    let d = c.diagnostics(&doc, |p| p["version"] == 1);
    let e = d["diagnostics"].as_array().unwrap().iter().find(|x| x["code"] == "E0201").unwrap().clone();
    assert_eq!(e["range"]["start"], pos(text, "define vuxen", "åldr"), "{e}");
    // The quick fix replaces exactly the misspelt name.
    let a = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": doc }, "range": e["range"], "context": { "diagnostics": [e] } }),
    );
    let fix = a["result"].as_array().unwrap().iter().find(|x| x["isPreferred"] == true).unwrap().clone();
    assert_eq!(fix["title"], "Replace with `ålder`");
    assert_eq!(
        fix["edit"]["changes"][&doc][0]["range"]["end"]["character"].as_u64().unwrap(),
        e["range"]["end"]["character"].as_u64().unwrap()
    );
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": pos(text, "define vuxen", "ålder >=") }),
    );
    assert!(h["result"]["contents"]["value"].as_str().unwrap_or_default().contains("`ålder`"), "{h}");
    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A long session of random edits (inserts of fragments, deletions,
/// replacements, sometimes in the middle of a character's UTF-16 pair)
/// never stops the server, and it ends with fresh diagnostics.
#[test]
fn random_edits_never_stop_the_server() {
    let (dir, skane) = workspace("random");
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    c.initialize(&uri(&dir));
    let doc = uri(&dir.join("skane.guide"));
    c.open(&doc, &skane);
    let fragments = [
        "{",
        "}",
        "\n",
        " and ",
        "när ",
        "\"",
        "å",
        "𝕏",
        "within ",
        "3 months",
        "//",
        ":",
        "is ",
        "stratify x {",
        "(",
        "50",
    ];
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    let lines = skane.lines().count() as u64;
    for version in 2..302 {
        let (l1, c1) = (rand(lines + 3), rand(90));
        let (l2, c2) = if rand(3) == 0 { (l1 + rand(3), rand(90)) } else { (l1, c1) };
        let text = if rand(4) == 0 { "" } else { fragments[rand(fragments.len() as u64) as usize] };
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": doc, "version": version },
                    "contentChanges": [{ "range": { "start": { "line": l1, "character": c1 }, "end": { "line": l2, "character": c2 } }, "text": text }] }),
        );
        if version % 50 == 0 {
            let h = c.request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": doc }, "position": { "line": l1, "character": c1 } }),
            );
            // No error, whatever the text: nothing to show, or a hover.
            assert!(h.get("error").is_none(), "{h}");
            assert!(h["result"].is_null() || h["result"]["contents"]["value"].is_string(), "{h}");
            let comp = c.request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": doc }, "position": { "line": l2, "character": c2 } }),
            );
            assert!(comp["result"].is_array(), "{comp}");
        }
    }
    // Back to a known text: the diagnostics that arrive belong to it.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 1000 }, "contentChanges": [{ "text": skane }] }),
    );
    let d = c.diagnostics(&doc, |p| p["version"] == 1000);
    let got = codes(&d);
    assert!(got.iter().any(|(c, _)| c == "E0902") && got.iter().any(|(c, _)| c == "E0401"), "{got:?}");
    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Editing a used file re-checks the files that use it, open or not.
#[test]
fn an_edit_reaches_the_files_that_use_the_edited_one() {
    let (dir, _) = workspace("users");
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    c.initialize(&uri(&dir));
    let national = std::fs::read_to_string(dir.join("lib/national.guide")).unwrap();
    let nat = uri(&dir.join("lib/national.guide"));
    let reg = uri(&dir.join("regional.guide"));
    c.open(&nat, &national);
    c.diagnostics(&nat, |p| p["version"] == 1);
    let renamed = national.replace("define population", "define adults").replace("when population", "when adults");
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": nat, "version": 2 }, "contentChanges": [{ "text": renamed }] }),
    );
    let d = c.diagnostics(&reg, |p| codes(p).iter().any(|(c, _)| c == "E0201"));
    let regional = std::fs::read_to_string(dir.join("regional.guide")).unwrap();
    assert!(codes(&d).contains(&("E0201".into(), line_of(&regional, "recommend quit") as u64)), "{d}");
    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_created_and_deleted_on_disk_are_checked() {
    let (dir, _) = workspace("watch");
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    let caps = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let init = c.initialize_with(&uri(&dir), caps);
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"]["save"], true, "{init}");
    let watch = c.server_request("client/registerCapability");
    assert_eq!(watch["params"]["registrations"][0]["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(watch["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"], "**/*.guide");

    // A new file with a misspelt name, written by another program.
    let extra = dir.join("extra.guide");
    std::fs::write(&extra, "input { age : integer years in 0..130 }\ndefine adult = agee >= 18\n").unwrap();
    c.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri(&extra), "type": 1 }] }));
    let d = c.diagnostics(&uri(&extra), |p| !codes(p).is_empty());
    assert!(codes(&d).contains(&("E0201".into(), 1)), "{d}");

    // The national file goes: the regional file that uses it says so, and
    // the deleted file's diagnostics (none here) are not published again.
    std::fs::remove_file(dir.join("lib/national.guide")).unwrap();
    let national = uri(&dir.join("lib/national.guide"));
    c.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": national, "type": 3 }] }));
    let regional = uri(&dir.join("regional.guide"));
    let d = c.diagnostics(&regional, |p| codes(p).iter().any(|(c, _)| c == "E0204"));
    assert!(codes(&d).iter().all(|(c, _)| c == "E0204" || c.starts_with('W')), "{d}");

    // The misspelt file is deleted: its diagnostics are cleared.
    std::fs::remove_file(&extra).unwrap();
    c.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri(&extra), "type": 3 }] }));
    c.diagnostics(&uri(&extra), |p| codes(p).is_empty());

    // A folder added to the workspace brings its files.
    let other = dir.with_file_name(format!("{}-other", dir.file_name().unwrap().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&other);
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("b.guide"), "define x = missing_thing\n").unwrap();
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": uri(&other), "name": "other" }], "removed": [] } }),
    );
    let d = c.diagnostics(&uri(&other.join("b.guide")), |p| !codes(p).is_empty());
    assert!(codes(&d).iter().any(|(c, _)| c == "E0201"), "{d}");
    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn a_client_that_cannot_watch_finds_new_files_on_save() {
    let (dir, _) = workspace("save");
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    c.initialize(&uri(&dir));
    c.diagnostics(&uri(&dir.join("skane.guide")), |p| !codes(p).is_empty());
    assert!(c.server_requests.iter().all(|r| r["method"] != "client/registerCapability"));
    // The new file is written and saved; the editor only says so for the
    // file it saved, which is not the new one here.
    let extra = dir.join("extra.guide");
    std::fs::write(&extra, "define x = agee\n").unwrap();
    c.notify("textDocument/didSave", json!({ "textDocument": { "uri": uri(&dir.join("skane.guide")) } }));
    let d = c.diagnostics(&uri(&extra), |p| !codes(p).is_empty());
    assert!(codes(&d).iter().any(|(c, _)| c == "E0201"), "{d}");
    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Old Mac line ends (a lone `\r`) end lines for the server as for the
/// editor: positions once drifted by every such line.
#[test]
fn positions_follow_lone_carriage_returns() {
    let dir = std::env::temp_dir().join(format!("guidepath-lsp-cr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = "input { age : integer }\r// comment\rdefine adult = agee >= 18\r";
    let file = dir.join("cr.guide");
    std::fs::write(&file, text).unwrap();
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    c.initialize(&uri(&dir));
    let doc = uri(&file);
    c.open(&doc, text);
    let d = c.diagnostics(&doc, |p| p["version"] == 1);
    let unknown = d["diagnostics"].as_array().unwrap().iter().find(|x| x["code"] == "E0201").cloned();
    let unknown = unknown.unwrap_or_else(|| panic!("{d}"));
    assert_eq!(unknown["range"]["start"], json!({ "line": 2, "character": 15 }), "{unknown}");
    // Hover on the line after the comment finds `adult`, not text of another line.
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": { "line": 2, "character": 8 } }),
    );
    assert!(hover["result"]["contents"].to_string().contains("adult"), "{hover}");
    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server ends on `exit` while the client keeps its input open, with
/// status 0 after `shutdown` and 1 without, whatever `shutdown`'s params
/// look like; a message after `exit` does not keep it alive. (tower-lsp 0.20
/// stayed alive until the client closed the pipe, leaving orphans behind
/// editors that do not close it.)
#[test]
fn exit_ends_the_server_with_the_input_still_open() {
    let dir = std::env::temp_dir().join(format!("guidepath-lsp-exit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_guidepath");
    let shutdowns = [
        Some(json!({ "jsonrpc": "2.0", "id": 99, "method": "shutdown" })),
        Some(json!({ "jsonrpc": "2.0", "id": 99, "method": "shutdown", "params": null })),
        Some(json!({ "jsonrpc": "2.0", "id": 99, "method": "shutdown", "params": {} })),
        None,
    ];
    for shutdown in shutdowns {
        let mut c = Client::start(bin, &dir);
        c.initialize(&uri(&dir));
        let clean = shutdown.is_some();
        if let Some(msg) = shutdown {
            c.send_raw(msg);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while !c.notifications.iter().any(|m| m["id"] == 99) {
                assert!(std::time::Instant::now() < deadline, "no answer to shutdown");
                c.pump(std::time::Duration::from_millis(50));
            }
            let answer = c.notifications.iter().find(|m| m["id"] == 99).unwrap().clone();
            assert!(answer.get("error").is_none(), "shutdown refused: {answer}");
        }
        c.notify("exit", Value::Null);
        // Something after `exit`: it must not keep the server going.
        c.send_after_exit(json!({ "jsonrpc": "2.0", "id": 100, "method": "textDocument/hover",
                           "params": { "textDocument": { "uri": "file:///x.guide" }, "position": { "line": 0, "character": 0 } } }));
        let status = c.wait_exit(std::time::Duration::from_secs(10)).expect("the server exits after `exit`");
        assert_eq!(status.code(), Some(if clean { 0 } else { 1 }), "{status:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An editor that dies without `exit` takes the server with it: the server
/// watches the `processId` of `initialize`.
#[cfg(unix)]
#[test]
fn the_server_ends_when_the_editor_is_gone() {
    let dir = std::env::temp_dir().join(format!("guidepath-lsp-parent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut editor = std::process::Command::new("sleep").arg("600").spawn().unwrap();
    let mut c = Client::start(env!("CARGO_BIN_EXE_guidepath"), &dir);
    let r = c.request("initialize", json!({ "processId": editor.id(), "rootUri": uri(&dir), "capabilities": {} }));
    assert!(r.get("result").is_some(), "{r}");
    c.notify("initialized", json!({}));
    editor.kill().unwrap();
    editor.wait().unwrap();
    let status = c.wait_exit(std::time::Duration::from_secs(20)).expect("the server exits when its editor is gone");
    assert_eq!(status.code(), Some(1), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What eglot, Helix and Neovim users missed: plain-text hover on request,
/// a `use` path that opens its file, units as tokens, prepareRename, inlay
/// hints, test lenses that run, links from codes to their documentation,
/// document highlight, and buffers that are not files yet.
#[test]
fn features_editors_asked_for() {
    let (dir, _) = workspace("features");
    let skane = std::fs::read_to_string(root().join("guidelines/se/skane_mms.guide")).unwrap();
    std::fs::write(dir.join("skane.guide"), &skane).unwrap();
    let bin = env!("CARGO_BIN_EXE_guidepath");
    let mut c = Client::start(bin, &dir);
    let caps = json!({ "textDocument": { "hover": { "contentFormat": ["plaintext", "markdown"] } } });
    let init = c.initialize_with(&uri(&dir), caps);
    let server = &init["result"]["capabilities"];
    assert_eq!(server["renameProvider"]["prepareProvider"], true, "{init}");
    assert_eq!(server["executeCommandProvider"]["commands"][0], "guidepath.runTests", "{init}");
    let doc = uri(&dir.join("skane.guide"));
    c.open(&doc, &skane);

    // Hover as plain text: no Markdown marks.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": pos(&skane, "primary_care   when", "linton_score") }),
    );
    assert_eq!(h["result"]["contents"]["kind"], "plaintext", "{h}");
    let hover = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(hover.contains("input linton_score : integer points") && !hover.contains('`'), "{hover}");

    // Document highlight: the declaration writes, the uses read.
    let at = pos(&skane, "stratify care_level", "target_population");
    let hl = c.request("textDocument/documentHighlight", json!({ "textDocument": { "uri": doc }, "position": at }));
    let kinds: Vec<u64> = hl["result"].as_array().unwrap().iter().map(|x| x["kind"].as_u64().unwrap()).collect();
    assert_eq!(kinds.len(), skane.matches("target_population").count(), "{hl}");
    assert_eq!(kinds.iter().filter(|&&k| k == 3).count(), 1, "one declaration: {hl}");

    // prepareRename: the name's range and text; nothing on a keyword.
    let r = c.request("textDocument/prepareRename", json!({ "textDocument": { "uri": doc }, "position": at }));
    assert_eq!(r["result"]["placeholder"], "target_population", "{r}");
    let kw = pos(&skane, "stratify care_level", "stratify");
    let r = c.request("textDocument/prepareRename", json!({ "textDocument": { "uri": doc }, "position": kw }));
    assert!(r["result"].is_null(), "{r}");

    // Inlay hints: the unit a plain constant takes.
    let lines = skane.lines().count() as u32;
    let range = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } });
    let hints = c.request("textDocument/inlayHint", json!({ "textDocument": { "uri": doc }, "range": range }));
    let fifty = pos(&skane, "primary_care   when linton_score <= 50", "50");
    let after = fifty["character"].as_u64().unwrap() + 2;
    let hint = hints["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["position"]["line"] == fifty["line"] && h["position"]["character"] == after)
        .unwrap_or_else(|| panic!("no hint after 50: {hints}"));
    assert_eq!(hint["label"], "points");

    // Units are tokens of their own type.
    let legend = server["semanticTokensProvider"]["legend"]["tokenTypes"].as_array().unwrap();
    let unit = legend.iter().position(|t| t == "unit").expect("a unit token type") as u64;
    let toks = c.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": doc } }));
    let data = toks["result"]["data"].as_array().unwrap();
    let units = data.chunks(5).filter(|t| t[3] == unit).count();
    assert!(units >= skane.matches(" months").count(), "{units} unit tokens");

    // The test lenses run the file's tests.
    let lenses = c.request("textDocument/codeLens", json!({ "textDocument": { "uri": doc } }));
    let lenses = lenses["result"].as_array().unwrap();
    let tests = skane.matches("\ntest \"").count();
    assert_eq!(lenses.len(), tests + 1, "{lenses:?}");
    let all = &lenses[0]["command"];
    assert_eq!(all["title"], format!("▶ Run {tests} tests"));
    let ran =
        c.request("workspace/executeCommand", json!({ "command": all["command"], "arguments": all["arguments"] }));
    assert_eq!(ran["result"]["passed"], tests as u64, "{ran}");
    assert_eq!(ran["result"]["failed"], 0, "{ran}");
    let one = &lenses[1]["command"];
    let ran =
        c.request("workspace/executeCommand", json!({ "command": one["command"], "arguments": one["arguments"] }));
    assert_eq!(ran["result"]["passed"], 1, "{ran}");

    // A failing test, edited in the buffer, fails there too.
    let broken = skane.replacen("expect mms_referral applies", "expect mms_referral does not apply", 1);
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 2 }, "contentChanges": [{ "text": broken }] }),
    );
    let ran =
        c.request("workspace/executeCommand", json!({ "command": all["command"], "arguments": all["arguments"] }));
    assert_eq!(ran["result"]["failed"], 1, "{ran}");

    // Definition on a `use` path opens the used file.
    let regional = std::fs::read_to_string(dir.join("regional.guide")).unwrap();
    let reg = uri(&dir.join("regional.guide"));
    c.open(&reg, &regional);
    let def = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": reg }, "position": pos(&regional, "use lib.national", "national") }),
    );
    assert!(def["result"]["uri"].as_str().unwrap().ends_with("lib/national.guide"), "{def}");
    assert_eq!(def["result"]["range"]["start"], json!({ "line": 0, "character": 0 }), "{def}");

    // Each code links to its section of docs/diagnostics.md.
    let bad = uri(&dir.join("bad.guide"));
    c.open(&bad, "input { age : integer years }\nrecommend r \"R\" { when agee > 1 }\n");
    let d = c.diagnostics(&bad, |p| p["version"] == 1);
    let unknown = d["diagnostics"].as_array().unwrap().iter().find(|x| x["code"] == "E0201").unwrap();
    let href = unknown["codeDescription"]["href"].as_str().unwrap();
    assert!(href.ends_with("docs/diagnostics.md#e0201-unknown-name"), "{href}");
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    assert!(docs.contains("\n## E0201 unknown-name\n"), "the anchor names a heading");

    // A buffer that is not a file yet is checked and answered.
    let untitled = "untitled:Untitled-1";
    c.open(untitled, "input { age : integer years }\nrecommend r \"R\" { when agee > 1 }\n");
    let d = c.diagnostics(untitled, |p| p["version"] == 1);
    assert!(d["diagnostics"].as_array().unwrap().iter().any(|x| x["code"] == "E0201"), "{d}");
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": untitled }, "position": { "line": 0, "character": 9 } }),
    );
    assert!(h["result"]["contents"]["value"].as_str().is_some_and(|v| v.contains("age")), "{h}");

    assert!(c.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// One malformed frame from an editor used to end the server (status 1,
/// no message): tower-lsp-server's reader stops at the first frame it
/// cannot decode. Each now gets its JSON-RPC error, and the server goes on.
#[test]
fn malformed_frames_get_errors_and_the_server_stays_up() {
    let (dir, skane) = workspace("frames");
    let bin = env!("CARGO_BIN_EXE_guidepath");
    let mut c = Client::start(bin, &dir);
    c.initialize(&uri(&dir));
    let doc = uri(&dir.join("skane.guide"));
    c.open(&doc, &skane);
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let cases: Vec<(String, i64, Value)> = vec![
        (frame("not json"), -32700, Value::Null),
        (frame(r#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]"#), -32600, Value::Null),
        (frame(r#"{"jsonrpc":"2.0","id":{},"method":"textDocument/hover"}"#), -32600, Value::Null),
        (frame(r#"{"jsonrpc":"2.0","id":900,"method":7}"#), -32600, json!(900)),
        ("Content-Length: -5\r\n\r\n{\"a\":1}".to_string(), -32700, Value::Null),
    ];
    for (bytes, code, id) in cases {
        c.send_bytes(bytes.as_bytes());
        let e = c.message("an error response", |m| m.get("error").is_some() && m.get("method").is_none());
        assert_eq!(e["error"]["code"], code, "{bytes}: {e}");
        assert_eq!(e["id"], id, "{bytes}: {e}");
        // Still serving: a hover is answered.
        let h = c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": doc }, "position": pos(&skane, "primary_care   when", "linton_score") }),
        );
        assert!(h["result"]["contents"]["value"].as_str().is_some_and(|v| v.contains("points")), "{bytes}: {h}");
    }
    assert!(c.shutdown().success());
}

/// A client that names the root of the file system as its workspace used
/// to wait 5 s for `initialize` and never got an answer to
/// `workspace/symbol`: the server walked the whole disk. The walk is
/// bounded now, and the user is told that it stopped short.
#[test]
fn a_workspace_at_the_root_is_walked_within_bounds() {
    let bin = env!("CARGO_BIN_EXE_guidepath");
    let dir = std::env::temp_dir();
    let mut c = Client::start(bin, &dir);
    let init = c.initialize("file:///");
    assert!(init["result"]["capabilities"]["hoverProvider"] == true, "{init}");
    let symbols = c.request("workspace/symbol", json!({ "query": "start_back" }));
    assert!(symbols.get("result").is_some(), "{symbols}");
    assert!(c.shutdown().success());
}

/// The walk's bound, set low for a folder of 30 files, stops it, and the
/// user is told once.
#[test]
fn a_walk_that_stops_short_says_so() {
    let dir = std::env::temp_dir().join(format!("guidepath-lsp-walk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..30 {
        std::fs::write(dir.join(format!("g{i:02}.guide")), format!("guideline g{i} {{ title en \"G\" }}\n")).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_guidepath");
    let mut c = Client::start(bin, &dir);
    let r = c.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {},
                "initializationOptions": { "maxWorkspaceEntries": 10 } }),
    );
    assert!(r.get("result").is_some(), "{r}");
    c.notify("initialized", json!({}));
    let m = c.message("a warning that the walk stopped", |m| m["method"] == "window/showMessage");
    let text = m["params"]["message"].as_str().unwrap_or_default();
    assert!(text.contains("stopped") && text.contains("10 folder entries"), "{m}");
    assert!(c.shutdown().success());
}
