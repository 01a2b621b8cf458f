//! Evaluates many patients in a loop, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_eval [skane|start_back]`.

use guidepath_tests::{evaluator, root, workloads};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "skane".into());
    let (file, patients) = if which == "start_back" {
        ("guidelines/instruments/start_back.guide", workloads::start_back(1000))
    } else {
        ("guidelines/se/skane_mms.guide", workloads::skane(1000))
    };
    let ev = evaluator(&root().join(file));
    let bound: Vec<_> = patients.iter().map(|p| ev.bind(p).expect("valid")).collect();
    let mut decided = 0usize;
    for _ in 0..20 {
        for p in &bound {
            let o = ev.evaluate(p);
            decided += usize::from(o.recommendation("mms_referral").flatten().is_some());
        }
    }
    println!("{decided}");
}
