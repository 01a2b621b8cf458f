//! Any text through the formatter: what it formats, it formats in one pass,
//! with the same tokens, the same diagnostics at the same tokens and the same
//! compiled rules (the content hash, which leaves out places and layout).

#![no_main]

use guidepath_check::MemoryFs;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fn meaning(text: &str) -> (Vec<(String, usize)>, Option<String>) {
    let path = PathBuf::from("f.guide");
    let mut fs = MemoryFs::default();
    fs.files.insert(path.clone(), text.to_string());
    let checked = guidepath_check::check(&fs, &[path.clone()]);
    let file = checked.db.file(0);
    let diags = &checked.diagnostics[0];
    let places = guidepath_fmt::token_positions(&file.text, diags.iter().map(|d| d.label.span.start));
    let diags = diags.iter().zip(places).map(|(d, p)| (d.code.as_str().to_string(), p)).collect();
    let hash = guidepath_check::compile(&fs, &path).lowered.map(|l| l.artifact.content_hash);
    (diags, hash)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(once) = guidepath_fmt::format(text) else { return };
    let twice = guidepath_fmt::format(&once).expect("formatted text formats");
    assert_eq!(once, twice, "not formatted in one pass");
    assert!(guidepath_fmt::same_tokens(text, &once), "tokens changed");
    assert_eq!(meaning(text), meaning(&once), "meaning changed");
});
