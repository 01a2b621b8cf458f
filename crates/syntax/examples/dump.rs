fn main() {
    let path = std::env::args().nth(1).expect("path");
    let text = std::fs::read_to_string(path).expect("read");
    let parsed = guidepath_syntax::parse(&text);
    for d in &parsed.diagnostics {
        let idx = guidepath_syntax::LineIndex::new(&text);
        let lc = idx.line_col(&text, d.label.span.start);
        println!("{}:{} {} {}", lc.line, lc.column, d.code, d.message);
    }
    if std::env::args().nth(2).is_some() {
        println!("{:#?}", parsed.file);
    } else {
        println!("{} items", parsed.file.items.len());
    }
}
