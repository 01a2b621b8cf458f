//! Consistency analysis of generated guidelines: N recommendations over 20
//! inputs (two comparisons each, actions shared by four recommendations in
//! both directions, so contradiction and redundancy questions arise), and a
//! three-stratum stratification per 50 recommendations.
//!
//! `cargo bench -p guidepath-analysis` measures 125 to 2,000 rules;
//! `GUIDEPATH_BENCH_QUICK=1` prints one timing per size without criterion.

use criterion::{criterion_group, BenchmarkId, Criterion};
use guidepath_check::MemoryFs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A guideline with `rules` recommendations over 20 inputs.
fn generate(rules: usize) -> String {
    let mut s = String::from(
        "guideline bench.analysis \"Generated\" { issuer \"bench\" version \"1\" status draft language en source \"generated\" }\n\ninput {\n",
    );
    for i in 0..10 {
        s.push_str(&format!("  n{i} : integer points in 0..100\n"));
    }
    for i in 0..5 {
        s.push_str(&format!("  b{i} : boolean\n"));
    }
    for i in 0..5 {
        s.push_str(&format!("  e{i} : level\n"));
    }
    s.push_str("}\n\nenum level { low, medium, high }\n\n");
    for r in 0..rules {
        let (a, b) = (r % 10, (r * 7 + 3) % 10);
        let t = 10 + (r * 13) % 80;
        let direction = if r % 4 == 3 { "against " } else { "" };
        let extra = match r % 3 {
            0 => format!("b{}", r % 5),
            1 => format!("e{} is high", r % 5),
            _ => format!("n{b} < {}", 20 + (r * 17) % 70),
        };
        s.push_str(&format!("recommend {direction}r{r} {{\n  when n{a} >= {t} and {extra}\n  action a{}\n}}\n", r / 4));
        if r % 50 == 49 {
            let k = r / 50;
            let x = k % 10;
            s.push_str(&format!(
                "stratify s{k} by n{x} {{\n  low when n{x} < 30\n  mid when n{x} >= 30 and n{x} < 70\n  high when n{x} >= 70\n}}\n"
            ));
        }
    }
    s
}

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
