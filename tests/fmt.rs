//! The formatter over the corpus and the shipped guidelines: idempotent,
//! only layout changes, the same diagnostics at the same tokens, the same
//! compiled rules; and one layout whatever the spacing it starts from.

use guidepath_check::{Disk, Overlay};
use guidepath_syntax::lexer::{lex, TokenKind};
use guidepath_tests::{guide_files, root};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Every corpus and shipped file the formatter accepts, with its text.
fn formattable() -> Vec<(PathBuf, String)> {
    let mut files = guide_files(&root().join("tests/corpus"));
    files.extend(guide_files(&root().join("guidelines")));
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            guidepath_fmt::format(&text).is_ok().then_some((p, text))
        })
        .collect()
}

/// Diagnostics by (code, token position), and the compiled rules with
/// their hash.
type Meaning = (Vec<(String, usize)>, Option<(String, serde_json::Value)>);

/// (code, token position) of each diagnostic, and the compiled rules: the artifact
/// without its `source` (places and texts as written, which name the
/// layout). Its content hash must be the same too: it identifies the rules.
fn meaning(path: &Path, text: &str) -> Meaning {
    let fs = Overlay { base: Disk, files: [(path.to_path_buf(), text.to_string())].into() };
    let checked = guidepath_analysis::check_and_analyse(&fs, &[path.to_path_buf()]);
    let id = checked.roots[0];
    let file = checked.db.file(id);
    let diags = &checked.diagnostics[id];
    let places = guidepath_fmt::token_positions(&file.text, diags.iter().map(|d| d.label.span.start));
    let diags = diags.iter().zip(places).map(|(d, p)| (d.code.as_str().to_string(), p)).collect();
    let compiled = guidepath_check::compile(&fs, path);
    let artifact = compiled.lowered.map(|l| {
        let mut v = l.artifact.to_value();
        if let Some(m) = v.as_object_mut() {
            m.remove("source");
        }
        (l.artifact.content_hash.clone(), v)
    });
    (diags, artifact)
}

#[test]
fn formatting_keeps_meaning_and_is_idempotent() {
    let files = formattable();
    assert!(files.len() >= 50, "only {} files to format", files.len());
    for (path, text) in &files {
        let once = guidepath_fmt::format(text).unwrap();
        let twice = guidepath_fmt::format(&once).expect("formatted text parses");
        assert_eq!(once, twice, "{} is not formatted in one pass", path.display());
        assert!(guidepath_fmt::same_tokens(text, &once), "{}: tokens changed", path.display());
        assert_eq!(meaning(path, text), meaning(path, &once), "{}: meaning changed", path.display());
    }
}

#[test]
fn shipped_guidelines_are_formatted() {
    for path in guide_files(&root().join("guidelines")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(guidepath_fmt::format(&text).unwrap(), text, "run `guidepath fmt {}`", path.display());
    }
}

/// The text with its spacing changed: each space between two tokens on a
/// line becomes 1 to 4 spaces or tabs, lines get random indentation and
/// line ends, a blank line becomes several. Tokens that touch keep
/// touching; line breaks stay where they are (they are the author's).
fn respace(text: &str, seed: &[u8]) -> String {
    let mut pick = seed.iter().copied().cycle();
    let mut next = move || pick.next().unwrap_or(0);
    let tokens = lex(text);
    let mut out = String::new();
    let mut prev_end: Option<usize> = None;
    let mut blank = false;
    for t in tokens {
        match t.kind {
            TokenKind::Newline => {
                out.push_str(if next() % 3 == 0 { "\r\n" } else { "\n" });
                if blank && next() % 2 == 0 {
                    out.push_str(&" \n".repeat(usize::from(next() % 3)));
                }
                blank = prev_end.is_none();
                prev_end = None;
                continue;
            }
            _ => {
                match prev_end {
                    None => out.push_str(&" ".repeat(usize::from(next() % 7))),
                    Some(end) if end < t.span.start as usize => {
                        let n = 1 + usize::from(next() % 4);
                        out.push_str(&if next() % 4 == 0 { "\t".repeat(n) } else { " ".repeat(n) });
                    }
                    Some(_) => {}
                }
                out.push_str(t.text(text));
                prev_end = Some(t.span.end as usize);
                blank = false;
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn one_layout_whatever_the_spacing(k in 0usize..1000, seed in prop::collection::vec(any::<u8>(), 1..64)) {
        let files = formattable();
        let (path, text) = &files[k % files.len()];
        let messy = respace(text, &seed);
        let want = guidepath_fmt::format(text).unwrap();
        let got = guidepath_fmt::format(&messy);
        prop_assert!(got.is_ok(), "{}: respaced text does not parse", path.display());
        prop_assert_eq!(got.unwrap(), want, "{}", path.display());
    }
}

/// A lone carriage return ends a line for the parser as it does for the
/// formatter's lexer and the line index: once a `//` comment ran on past it
/// in the grammar only, so `fmt` (which writes a newline for it) brought a
/// commented-out rule to life with no diagnostic.
#[test]
fn a_lone_carriage_return_ends_a_line_everywhere() {
    let text = "guideline t.t \"T\" { issuer \"t\" version \"1\" status draft language en source \"t\" }\r\
                input { a : integer }\r\
                recommend r \"R\" { when a > 1 } // the end\rrecommend s \"S\" { when a > 2 }\r";
    let path = root().join("lone_cr.guide");
    let before = meaning(&path, text);
    let once = guidepath_fmt::format(text).expect("it parses");
    assert_eq!(before, meaning(&path, &once), "{once:?}");
    let (_, artifact) = before;
    let (_, rules) = artifact.expect("it compiles");
    let ids: Vec<&str> =
        rules["recommendations"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r", "s"], "the rule after the comment's line end is a rule");
    // Lines and columns agree with the editor's: `recommend s` is line 4.
    let checked = guidepath_check::check_text("lone_cr.guide", text);
    let f = checked.db.file(0);
    let s = text.find("recommend s").unwrap() as u32;
    assert_eq!(f.lines.line_col(text, s).line, 4);
}
