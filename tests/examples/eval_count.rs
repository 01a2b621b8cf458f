//! Evaluates 1,024 bound Skåne or STarT Back patients `ROUNDS` times, for
//! instruction counts per bound patient that a shared machine does not
//! disturb: `valgrind --tool=callgrind target/release/examples/eval_count
//! skane 100` against the same with 0 rounds; the difference divided by
//! 102,400 is the cost of one evaluation. A third argument `lists`
//! evaluates each patient in the lists of the one before
//! (`Evaluator::evaluate_in`), as `eval --ndjson` does.
use guidepath_tests::{evaluator, root, workloads};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "skane".into());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(100);
    let in_lists = args.next().as_deref() == Some("lists");
    let (file, patients) = match which.as_str() {
        "start_back" => ("guidelines/instruments/start_back.guide", workloads::start_back(1024)),
        _ => ("guidelines/se/skane_mms.guide", workloads::skane(1024)),
    };
    let ev = evaluator(&root().join(file));
    let bound: Vec<_> = patients.iter().map(|p| ev.bind(p).expect("valid patients")).collect();
    let (mut applied, mut lists) = (0usize, guidepath_eval::Lists::default());
    for _ in 0..rounds {
        for p in &bound {
            let o = if in_lists {
                ev.evaluate_in(black_box(p), std::mem::take(&mut lists))
            } else {
                ev.evaluate(black_box(p))
            };
            applied += o.recommendations_applied().iter().filter(|t| **t == Some(true)).count();
            if in_lists {
                lists = o.into_lists();
            }
        }
    }
    println!("{applied}");
}
