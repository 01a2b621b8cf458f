//! Parse + check of a generated guideline set of about 100,000 lines.
//!
//! Run: `cargo bench -p guidepath-check --bench check`. Results go to
//! BENCHMARKS.md with the machine and date.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guidepath_check::{check, Severity};
use std::hint::black_box;
mod workload;

use workload::{guideline, workload};

fn bench(c: &mut Criterion) {
    let (fs, paths, lines, bytes) = workload(100_000);
    // The workload is clean, so the benchmark measures the normal path.
    let checked = check(&fs, &paths);
    let errors = checked.count(Severity::Error) + checked.count(Severity::Warning);
    assert_eq!(errors, 0, "generated guidelines must be clean: {:?}", checked.diagnostics.iter().flatten().next());
    eprintln!("workload: {} files, {lines} lines, {bytes} bytes", paths.len() + 1);

    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_and_check_100k_lines", |b| b.iter(|| black_box(check(&fs, black_box(&paths)))));
    g.finish();

    let one = guideline(0, 30);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(one.len() as u64));
    g.bench_function("parse_one_file", |b| b.iter(|| black_box(guidepath_syntax::parse(black_box(&one)))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
