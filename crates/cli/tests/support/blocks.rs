//! The fenced blocks of README.md and docs/*.md, for the tests that run
//! them (`docs.rs`; `serve.rs` for the examples against a running server).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Block {
    pub file: PathBuf,
    pub line: usize,
    pub tag: String,
    pub marker: Option<(String, String)>,
    pub text: String,
}

pub fn blocks(file: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(file).expect("a doc");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(tag) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let start = i;
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with("```") {
            body.push(lines[i]);
            i += 1;
        }
        i += 1;
        // The marker: an HTML comment on the nearest line above that is not blank.
        let marker = lines[..start].iter().rev().find(|l| !l.trim().is_empty()).and_then(|l| {
            let inner = l.trim().strip_prefix("<!--")?.strip_suffix("-->")?.trim();
            let (k, v) = inner.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        });
        out.push(Block {
            file: file.to_path_buf(),
            line: start + 1,
            tag: tag.trim().to_string(),
            marker,
            text: body.join("\n"),
        });
    }
    out
}

/// README.md and docs/*.md.
pub fn docs() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    more.sort();
    files.extend(more);
    files
}

/// Whether `out` has the lines of `excerpt`, in order (a subsequence),
/// compared without indentation and trailing commas; a one-line JSON record
/// is spread out first (members in sorted order). The error says what is
/// missing.
pub fn output_has(out: &str, excerpt: &str) -> Result<(), String> {
    let pretty = match serde_json::from_str::<serde_json::Value>(out) {
        Ok(v) if out.trim().lines().count() == 1 => serde_json::to_string_pretty(&v).unwrap_or_default(),
        _ => out.to_string(),
    };
    let bare = |l: &str| l.trim().trim_end_matches(',').to_string();
    let mut have = pretty.lines().map(bare);
    for want in excerpt.lines().map(bare).filter(|l| !l.is_empty()) {
        if !have.any(|h| h == want) {
            return Err(format!("does not print `{want}` (in this order):\n{pretty}"));
        }
    }
    Ok(())
}
