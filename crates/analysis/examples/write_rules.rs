//! Writes the analysis benchmark's generated guideline with N
//! recommendations, for timing the `guidepath check` command on it:
//! `cargo run --release -p guidepath-analysis --example write_rules -- FILE N`.

#[path = "../benches/workload/mod.rs"]
mod workload;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(Ok(rules))) = (args.next(), args.next().map(|n| n.parse::<usize>())) else {
        eprintln!("usage: write_rules FILE N");
        std::process::exit(2);
    };
    let text = workload::generate(rules);
    std::fs::write(&file, &text)?;
    eprintln!("{rules} recommendations, {} lines, {} bytes in {file}", text.lines().count(), text.len());
    Ok(())
}
