//! Evaluator speed: per patient on already-bound data, and NDJSON end to
//! end (parse line, bind, evaluate, write JSON line) in one process.
//!
//! Run: `cargo bench -p guidepath-tests --bench eval`. Results go to
//! BENCHMARKS.md with the machine and date.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guidepath_tests::{evaluator, root, workloads};
use std::hint::black_box;
use std::io::{BufRead, Write};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("evaluate_bound");
    for (name, file, patients) in [
        ("skane_mms", "guidelines/se/skane_mms.guide", workloads::skane(1024)),
        ("start_back", "guidelines/instruments/start_back.guide", workloads::start_back(1024)),
    ] {
        let ev = evaluator(&root().join(file));
        let bound: Vec<_> = patients.iter().map(|p| ev.bind(p).expect("valid patients")).collect();
        g.throughput(Throughput::Elements(bound.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                for p in &bound {
                    black_box(ev.evaluate(black_box(p)).recommendation("x"));
                }
            })
        });
        // As a stream evaluates (`eval --ndjson`): each outcome in the
        // lists of the one before.
        g.bench_function(format!("{name}_in_lists"), |b| {
            let mut lists = guidepath_eval::Lists::default();
            b.iter(|| {
                for p in &bound {
                    let o = ev.evaluate_in(black_box(p), std::mem::take(&mut lists));
                    black_box(o.recommendation("x"));
                    lists = o.into_lists();
                }
            })
        });
    }
    g.finish();

    // The clone of the bound data is part of each iteration above; measure
    // it alone so it can be subtracted.
    let ev = evaluator(&root().join("guidelines/se/skane_mms.guide"));
    let bound: Vec<_> = workloads::skane(1024).iter().map(|p| ev.bind(p).expect("valid")).collect();
    let mut g = c.benchmark_group("clone_bound");
    g.throughput(Throughput::Elements(bound.len() as u64));
    g.bench_function("skane_mms", |b| {
        b.iter(|| {
            for p in &bound {
                black_box(p.clone());
            }
        })
    });
    g.finish();

    // NDJSON end to end, in memory.
    let mut input = Vec::new();
    for p in workloads::skane(10_000) {
        writeln!(input, "{p}").expect("writing to memory");
    }
    let mut g = c.benchmark_group("ndjson");
    g.throughput(Throughput::Elements(10_000));
    g.sample_size(20);
    g.bench_function("skane_mms_10k", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(input.len() * 4);
            for line in input.lines() {
                let line = line.expect("in-memory lines");
                let o = ev.evaluate_str(&line).expect("valid patients");
                serde_json::to_writer(&mut out, &o.report(false)).expect("writing to memory");
                out.push(b'\n');
            }
            black_box(out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
