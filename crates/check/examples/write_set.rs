//! Writes the benchmarks' generated guideline set (about 100,000 lines) to
//! a folder, for timing the `guidepath check` command on it:
//! `cargo run --release -p guidepath-check --example write_set -- DIR [LINES]`.

#[path = "../benches/workload/mod.rs"]
mod workload;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: write_set DIR [LINES]");
        std::process::exit(2);
    };
    let lines = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let (fs, _, lines, bytes) = workload::workload(lines);
    let dir = std::path::Path::new(&dir);
    for (path, text) in &fs.files {
        let to = dir.join(path.strip_prefix("set").unwrap_or(path));
        std::fs::create_dir_all(to.parent().unwrap_or(dir))?;
        std::fs::write(to, text)?;
    }
    eprintln!("{} files, {lines} lines, {bytes} bytes in {}", fs.files.len(), dir.display());
    Ok(())
}
