//! No input makes the parser or the checker panic or overflow the stack.

use guidepath_check::{check, Code, MemoryFs};
use guidepath_tests::{guide_files, root};
use proptest::prelude::*;
use std::path::PathBuf;

/// Runs `f` on a thread with a small stack, so that unbounded recursion
/// fails here rather than only on inputs larger than the test's.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(f)
        .expect("a test thread can be started")
        .join()
        .expect("no panic and no stack overflow")
}

fn codes(text: &str) -> Vec<Code> {
    let checked = guidepath_check::check_text("t.guide", text);
    checked.diagnostics.iter().flatten().map(|d| d.code).collect()
}

#[test]
fn every_prefix_of_every_shipped_guideline_checks_without_panic() {
    let files = guide_files(&root().join("guidelines"));
    assert!(!files.is_empty());
    let mut fs = MemoryFs::default();
    for f in &files {
        fs.files.insert(f.clone(), std::fs::read_to_string(f).expect("shipped files are readable"));
    }
    let mut prefixes = 0usize;
    for f in &files {
        let full = fs.files[f].clone();
        for (i, _) in full.char_indices().chain(std::iter::once((full.len(), ' '))) {
            let mut fs = fs.clone();
            fs.files.insert(f.clone(), full[..i].to_string());
            let checked = check(&fs, std::slice::from_ref(f));
            // Every diagnostic points inside its file.
            for (id, diags) in checked.diagnostics.iter().enumerate() {
                let len = checked.db.file(id).text.len() as u32;
                assert!(diags.iter().all(|d| d.label.span.end <= len), "span out of bounds in a prefix of {f:?}");
            }
            prefixes += 1;
        }
    }
    assert!(prefixes > 10_000, "only {prefixes} prefixes were checked");
}

#[test]
fn deep_brackets_are_refused_not_overflowed() {
    let found = small_stack(|| {
        let mut t = String::from("input { a : boolean }\ndefine d = ");
        t.push_str(&"(".repeat(100_000));
        t.push('a');
        t.push_str(&")".repeat(100_000));
        t.push_str("\ngiven_garbage [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
        codes(&t)
    });
    assert!(found.contains(&Code::TooDeep), "{found:?}");
}

#[test]
fn deep_nesting_in_test_data_is_refused() {
    let found = small_stack(|| {
        let mut t = String::from("input { a : boolean }\ntest \"t\" { given { a: ");
        t.push_str(&"[".repeat(50_000));
        t.push_str(&"]".repeat(50_000));
        t.push_str(" } }\n");
        codes(&t)
    });
    assert!(found.contains(&Code::TooDeep), "{found:?}");
}

#[test]
fn long_chains_do_not_recurse() {
    small_stack(|| {
        // 20,000 terms in one sum, 20,000 `and`s, and 5,000 `not`s.
        let mut t = String::from("input { a : boolean\n n : integer }\ndefine s = n");
        t.push_str(&" + n".repeat(20_000));
        t.push_str("\ndefine c = a");
        t.push_str(&" and a".repeat(20_000));
        t.push_str("\ndefine x = ");
        t.push_str(&"not ".repeat(5_000));
        t.push_str("a\nrecommend r \"R\" { when c and s > 1 }\n");
        let found = codes(&t);
        assert!(found.contains(&Code::TooDeep), "{found:?}");
    });
}

#[test]
fn long_definition_chains_do_not_recurse() {
    small_stack(|| {
        // d0 = d1, d1 = d2, …: checked in dependency order, not by recursion.
        let n = 20_000;
        let mut t = String::from("input { a : boolean }\n");
        for i in 0..n {
            t.push_str(&format!("define d{i} = d{} and a\n", i + 1));
        }
        t.push_str(&format!("define d{n} = a\nassume \"a test\"\nrecommend r \"R\" {{ when d0 }}\n"));
        let found: Vec<Code> = codes(&t).into_iter().filter(|c| *c != Code::IncompleteMetadata).collect();
        assert!(found.is_empty(), "{found:?}");
        // And the same chain closed into a cycle is reported once.
        let cyc = t.replace(&format!("define d{n} = a"), &format!("define d{n} = d0"));
        let found = codes(&cyc);
        assert_eq!(found.iter().filter(|c| **c == Code::Cycle).count(), 1, "{found:?}");
    });
}

#[test]
fn oversized_files_are_refused() {
    let big = "// padding\n".repeat(guidepath_syntax::MAX_FILE_BYTES / 10);
    assert_eq!(codes(&big), vec![Code::TooLarge]);
}

/// Comparisons of one input with many distinct constants: each once tried
/// every candidate of the whole guideline, so 20,000 took 10 s and 40,000
/// took 52 s in a release build. Linear now; at this size a quadratic
/// analysis would hold the test suite up for many minutes.
#[test]
fn many_distinct_thresholds_are_analysed_in_linear_time() {
    let mut t = String::from(
        "guideline t.t \"T\" { issuer \"t\" version \"1\" status draft language en source \"t\" }\n\
         input {\n  x : integer in 0..1000000\n}\n",
    );
    for i in 0..40_000 {
        t.push_str(&format!("recommend r{i} \"R\" {{ when x > {} }}\n", i * 3 + 1));
    }
    // One constant comparison at the end, so the analysis is seen to run.
    t.push_str("recommend never \"N\" { when x > 1000000 }\n");
    let mut fs = MemoryFs::default();
    fs.files.insert(PathBuf::from("many.guide"), t);
    let checked = guidepath_analysis::check_and_analyse(&fs, &[PathBuf::from("many.guide")]);
    let found: Vec<Code> = checked.diagnostics.iter().flatten().map(|d| d.code).collect();
    assert!(found.contains(&Code::Unreachable) || found.contains(&Code::OutOfRange), "{found:?}");
    assert!(!found.contains(&Code::NotAnalysed), "{found:?}");
}

#[test]
fn files_that_use_each_other_terminate() {
    let mut fs = MemoryFs::default();
    fs.files.insert(PathBuf::from("x/a.guide"), "use b\ndefine p = b.q\n".into());
    fs.files.insert(PathBuf::from("x/b.guide"), "use a\ndefine q = a.p\n".into());
    let checked = check(&fs, &[PathBuf::from("x/a.guide")]);
    let all: Vec<Code> = checked.diagnostics.iter().flatten().map(|d| d.code).collect();
    assert!(all.contains(&Code::UseCycle), "{all:?}");
}

/// Fragments of the language, so that random inputs get deep into the
/// grammar instead of failing on their first character.
const FRAGMENTS: &[&str] = &[
    "guideline ",
    "input ",
    "enum ",
    "instrument ",
    "define ",
    "stratify ",
    "recommend ",
    "pathway ",
    "test ",
    "use ",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "=",
    "\"",
    "\"text\"",
    "\n",
    " ",
    "age",
    "x.y",
    "and ",
    "or ",
    "not ",
    "is ",
    "in ",
    "any of ",
    "12",
    "3 months",
    "0..10",
    "2024-02-30",
    ">= ",
    "+ ",
    "item q : boolean",
    "score s = q",
    "when ",
    "within 1 month after ",
    "given { a: 1 }",
    "expect r applies",
    "step s",
    "//c\n",
    "ø",
    "Ä",
    "\\",
    ",",
    "integer years",
    "set of site",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_fragment_soup_never_panics(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..60)) {
        let text: String = parts.iter().map(|i| FRAGMENTS[*i]).collect();
        let checked = guidepath_check::check_text("t.guide", &text);
        for d in checked.diagnostics.iter().flatten() {
            prop_assert!(d.label.span.end as usize <= text.len());
            prop_assert!(text.is_char_boundary(d.label.span.start as usize));
            prop_assert!(text.is_char_boundary(d.label.span.end as usize));
        }
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        let _ = guidepath_check::check_text("t.guide", &text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Damaged guidelines go through the whole analysis (files with errors
    /// are analysed without their broken declarations): no panic, and every
    /// finding points inside the file on character boundaries.
    #[test]
    fn damaged_guidelines_are_analysed_without_panic(
        file in 0usize..6,
        cut in 0.0f64..1.0,
        insert in prop::collection::vec(0..FRAGMENTS.len(), 0..4),
    ) {
        let files = guide_files(&root().join("guidelines"));
        let path = files[file % files.len()].clone();
        let full = std::fs::read_to_string(&path).expect("shipped files are readable");
        let mut at = (full.len() as f64 * cut) as usize;
        while !full.is_char_boundary(at) {
            at -= 1;
        }
        let extra: String = insert.iter().map(|i| FRAGMENTS[*i]).collect();
        let text = format!("{}{extra}{}", &full[..at], &full[at..]);
        let mut fs = MemoryFs::default();
        for f in &files {
            fs.files.insert(f.clone(), std::fs::read_to_string(f).expect("readable"));
        }
        fs.files.insert(path.clone(), text.clone());
        let checked = guidepath_analysis::check_and_analyse(&fs, std::slice::from_ref(&path));
        let id = checked.roots[0];
        for d in &checked.diagnostics[id] {
            prop_assert!(d.label.span.end as usize <= text.len(), "{d:?}");
            prop_assert!(text.is_char_boundary(d.label.span.start as usize) && text.is_char_boundary(d.label.span.end as usize));
        }
    }

    /// The formatter and its lexer take any text: a refusal or a layout
    /// that keeps every token and formats to itself.
    #[test]
    fn the_formatter_takes_any_text(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..40), noise in "\\PC{0,40}") {
        let text: String = parts.iter().map(|i| FRAGMENTS[*i]).collect::<String>() + &noise;
        for t in guidepath_syntax::lexer::lex(&text) {
            prop_assert!(text.is_char_boundary(t.span.start as usize) && text.is_char_boundary(t.span.end as usize));
        }
        if let Ok(once) = guidepath_fmt::format(&text) {
            prop_assert!(guidepath_fmt::same_tokens(&text, &once));
            prop_assert_eq!(guidepath_fmt::format(&once).ok(), Some(once));
        }
    }
}
