//! Any text as a guideline: parse, check, analyse and render it every way
//! the CLI does; every span of every diagnostic lies inside the file, on
//! character boundaries, and the JSON output is JSON. Parsing in pieces,
//! and through a parse cache as the language server does, gives what one
//! parse of the whole text gives.

#![no_main]

use guidepath_check::MemoryFs;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The text, then the text moved down a line and up a line: the second
    // and third take the first's declarations from the cache, moved.
    let cache = guidepath_syntax::ParseCache::new();
    let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
    for t in [text.to_string(), format!("// moved\n{text}"), rest.to_string()] {
        // One parse of the whole text is the reference: `parse` goes by
        // pieces of 16 KB, and both step on from a declaration that does
        // not parse.
        let whole = guidepath_syntax::parse_in_one(&t);
        let (pieces, cached) = (guidepath_syntax::parse(&t), guidepath_syntax::parse_cached(&t, &cache));
        for (how, p) in [("in pieces", pieces), ("cached", cached)] {
            assert!(whole.file == p.file && whole.diagnostics == p.diagnostics, "the parse {how} differs");
        }
    }
    let path = PathBuf::from("fuzz/main.guide");
    let mut fs = MemoryFs::default();
    fs.files.insert(path.clone(), text.to_string());
    // A used file, so `use` and the analysis across files are reached.
    fs.files.insert(
        PathBuf::from("fuzz/lib/national.guide"),
        "input { age : integer years in 0..130 }\ndefine adult = age >= 18\nrecommend against imaging \"I\" { when adult }\n"
            .into(),
    );
    let checked = guidepath_analysis::check_and_analyse(&fs, &[path]);
    for (file, diags) in checked.db.files.iter().zip(&checked.diagnostics) {
        let len = file.text.len() as u32;
        for d in diags {
            let mut spans = vec![d.label.span];
            spans.extend(d.related.iter().map(|l| l.span));
            spans.extend(d.fix.iter().map(|f| f.span));
            for s in spans {
                assert!(s.start <= s.end && s.end <= len, "{:?} {s:?} outside {len} bytes", d.code);
                assert!(
                    file.text.is_char_boundary(s.start as usize) && file.text.is_char_boundary(s.end as usize),
                    "{:?} {s:?} splits a character",
                    d.code
                );
            }
        }
    }
    let _ = guidepath_cli::render::human(&checked);
    let _ = guidepath_cli::render::witness_tests(&checked);
    let json = guidepath_cli::render::json(&checked);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "the JSON output is JSON");
});
