//! Consistency analysis of generated guidelines: N recommendations over 20
//! inputs (two comparisons each, actions shared by four recommendations in
//! both directions, so contradiction and redundancy questions arise), and a
//! three-stratum stratification per 50 recommendations.
//!
//! `cargo bench -p guidepath-analysis` measures 125 to 20,000 rules;
//! `GUIDEPATH_BENCH_QUICK=1` prints one timing per size without criterion.

use criterion::{criterion_group, BenchmarkId, Criterion};
use guidepath_check::MemoryFs;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod workload;
use workload::generate;

/// A guideline with `rules` recommendations over 20 inputs.
fn check(fs: &MemoryFs, path: &Path) -> usize {
    let checked = guidepath_analysis::check_and_analyse(fs, &[path.to_path_buf()]);
    checked.diagnostics.iter().map(Vec::len).sum()
}

const SIZES: [usize; 7] = [125, 250, 500, 1000, 2000, 5000, 20_000];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    for rules in SIZES {
        let path = PathBuf::from("bench.guide");
        let mut fs = MemoryFs::default();
        fs.files.insert(path.clone(), generate(rules));
        group.bench_with_input(BenchmarkId::new("check_and_analyse", rules), &rules, |b, _| {
            b.iter(|| check(&fs, &path))
        });
    }
    group.finish();
}

fn quick() {
    for rules in SIZES {
        let path = PathBuf::from("bench.guide");
        let mut fs = MemoryFs::default();
        fs.files.insert(path.clone(), generate(rules));
        let start = Instant::now();
        let found = check(&fs, &path);
        println!("{rules:>5} rules: {:>8.1} ms, {found} findings", start.elapsed().as_secs_f64() * 1e3);
    }
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("GUIDEPATH_BENCH_QUICK").is_some() {
        quick();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
