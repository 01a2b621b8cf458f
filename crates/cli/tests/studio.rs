//! `guidepath studio` as a working group starts it: the page's files and
//! the folder's guidelines on loopback, nothing else, to no one else. The
//! page itself is tested in Chromium (editor-support/studio/test).

#[path = "support/run.rs"]
mod run;

use run::{guidepath, root};
use sha2::Digest;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `guidepath studio`, killed when dropped.
struct Studio {
    child: Child,
    base: String,
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A built studio's files (their content does not matter here).
fn dist(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("guidepath-studio-dist-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    for f in ["index.html", "studio.js", "studio.css", "guidepath_wasm_bg.wasm"] {
        std::fs::write(d.join(f), format!("the file {f}")).unwrap();
    }
    std::fs::write(d.join("secret.txt"), "not the studio's").unwrap();
    d
}

fn start(dist: &Path, folder: Option<&Path>) -> Studio {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guidepath"));
    cmd.args(["studio", "--port", "0", "--dist"]).arg(dist);
    if let Some(f) = folder {
        cmd.arg(f);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("guidepath studio starts");
    let stdout = child.stdout.take().expect("piped");
    // The first line says where; reading it waits for the server however
    // slow the machine is, and ends if the server does.
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let base = line.trim().strip_prefix("guidepath studio: ").unwrap_or_else(|| panic!("the banner: {line:?}"));
    Studio { child, base: base.trim_end_matches('/').to_string() }
}

/// GET `path` with `host` as the Host header: status, content type, CSP
/// and body.
fn get(base: &str, path: &str, host: Option<&str>) -> (u16, String, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.get(&format!("{base}{path}"));
    if let Some(h) = host {
        req = req.header("Host", h);
    }
    let mut r = req.call().expect("an answer");
    let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (kind, csp) = (header("content-type"), header("content-security-policy"));
    (r.status().as_u16(), kind, csp, r.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn it_serves_the_page_and_the_folders_guidelines_to_loopback_only() {
    let d = dist("serve");
    let s = start(&d, Some(&root().join("guidelines")));
    assert!(s.base.starts_with("http://127.0.0.1:"), "{}", s.base);
    let (status, kind, csp, body) = get(&s.base, "/", None);
    assert_eq!((status, kind.as_str(), body.as_str()), (200, "text/html; charset=utf-8", "the file index.html"));
    assert!(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
    assert_eq!(get(&s.base, "/guidepath_wasm_bg.wasm", None).1, "application/wasm");
    // The folder's guidelines, by their paths in it.
    let (status, kind, _, body) = get(&s.base, "/workspace.json", None);
    assert_eq!((status, kind.as_str()), (200, "application/json"));
    let ws: serde_json::Value = serde_json::from_str(&body).unwrap();
    let paths: Vec<&str> = ws["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"se/skane_mms.guide") && paths.contains(&"instruments/start_back.guide"), "{paths:?}");
    let skane = ws["files"].as_array().unwrap().iter().find(|f| f["path"] == "se/skane_mms.guide").unwrap();
    assert_eq!(skane["text"], std::fs::read_to_string(root().join("guidelines/se/skane_mms.guide")).unwrap());
    // Nothing but the studio's files: not another file of the folder, not
    // a path out of it.
    for path in ["/secret.txt", "/../Cargo.toml", "/%2e%2e/Cargo.toml", "/se/skane_mms.guide", "/index.html/x"] {
        assert_eq!(get(&s.base, path, None).0, 404, "{path}");
    }
    // A page elsewhere, reaching loopback through DNS rebinding, names
    // another host: refused.
    let port = s.base.rsplit(':').next().unwrap();
    assert_eq!(get(&s.base, "/", Some("attacker.example")).0, 421);
    assert_eq!(get(&s.base, "/workspace.json", Some(&format!("attacker.example:{port}"))).0, 421);
    assert_eq!(get(&s.base, "/", Some(&format!("localhost:{port}"))).0, 200);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn without_a_folder_the_page_keeps_to_the_browsers_storage() {
    let d = dist("nofolder");
    let s = start(&d, None);
    assert_eq!(get(&s.base, "/workspace.json", None).0, 404);
    assert_eq!(get(&s.base, "/", None).0, 200);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_missing_studio_or_folder_is_a_usage_error_that_says_what_to_do() {
    let (code, _, err) = guidepath(&["studio", "--port", "0", "--dist", "no/such/dist"]);
    assert_eq!(code, 2);
    assert!(err.contains("no built studio") || err.contains("holds no built studio"), "{err}");
    let d = dist("nofolder-arg");
    let (code, _, err) = guidepath(&["studio", "--port", "0", "--dist", d.to_str().unwrap(), "no/such/folder"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a folder"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Standard base64, for the CSP's hash source.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's policy is the server's, and it lets exactly the report's
/// script run: a change to that script without its new hash here would
/// leave the report tab unsorted and a CSP error in the console.
#[test]
fn the_pages_policy_is_the_servers_and_allows_the_reports_script_by_its_hash() {
    let hash = base64(&sha2::Sha256::digest(guidepath_report::SCRIPT.as_bytes()));
    assert_eq!(base64(b"Man"), "TWFu");
    assert_eq!(base64(b"Ma"), "TWE=");
    let csp = guidepath_cli::studio::CSP;
    assert!(csp.contains(&format!("'sha256-{hash}'")), "the report's script hash is {hash}; the policy: {csp}");
    let page = std::fs::read_to_string(root().join("editor-support/studio/src/index.html")).unwrap();
    let meta =
        page.split("http-equiv=\"Content-Security-Policy\" content=\"").nth(1).unwrap().split('"').next().unwrap();
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(squeeze(meta), squeeze(csp));
}

/// The page's own words: every language has every key the English has.
#[test]
fn the_pages_words_are_in_every_language() {
    let words = std::fs::read_to_string(root().join("editor-support/studio/src/words.js")).unwrap();
    let mut langs: Vec<(String, Vec<String>)> = Vec::new();
    for line in words.lines() {
        let t = line.trim();
        if let Some(lang) = t.strip_suffix(": {") {
            if line.starts_with("  ") && !line.starts_with("    ") {
                langs.push((lang.to_string(), Vec::new()));
            }
        } else if line.starts_with("    ") {
            if let (Some((key, _)), Some(last)) = (t.split_once(':'), langs.last_mut()) {
                last.1.push(key.to_string());
            }
        }
    }
    let names: Vec<&str> = langs.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, ["en", "sv", "da", "nb"]);
    let en = &langs[0].1;
    assert!(en.len() > 30, "{en:?}");
    for (lang, keys) in &langs {
        assert_eq!(keys, en, "{lang} has the English keys, in order");
    }
}
