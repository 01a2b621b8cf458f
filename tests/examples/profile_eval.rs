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
    if std::env::args().nth(2).as_deref() == Some("ndjson") {
        let lines: Vec<String> = patients.iter().map(|p| p.to_string()).collect();
        let mut out = Vec::new();
        for _ in 0..20 {
            out.clear();
            for l in &lines {
                let o = ev.evaluate_str(l).expect("valid");
                serde_json::to_writer(&mut out, &o.report(false)).expect("in memory");
                out.push(b'\n');
            }
        }
        println!("{}", out.len());
        return;
    }
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
