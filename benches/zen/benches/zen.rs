//! guidepath and GoRules zen-engine on the same rules, in one run.
//!
//! Run: `cargo bench -p guidepath-bench-zen`. zen-engine is used as a zen
//! user would: a JDM decision graph per guideline (a decision table, plus an
//! expression node for the STarT Back sums), compiled once with
//! `Decision::compile`, evaluated with patient data already converted to its
//! `Variable` type. guidepath evaluates already-bound data. Both run the
//! same 1,024 patients per iteration; answers are compared before timing.
//!
//! The comparison is of speed only: zen-engine has no notion of unknown
//! data, so the patients here are complete.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guidepath_tests::{evaluator, root};
use serde_json::{json, Value};
use std::hint::black_box;
use zen_engine::model::DecisionContent;
use zen_engine::{DecisionEngine, Variable};

const N: usize = 1024;

/// Complete Skåne patients; `pain_months` is the same duration as a number,
/// which is how a zen user would pass it.
fn skane(n: usize) -> Vec<(Value, Value)> {
    (0..n)
        .map(|i| {
            let site = ["neck", "low_back", "other", "shoulders"][i % 4];
            let months = 1 + i % 14;
            let base = json!({
                "age": 14 + (i % 60), "pain_sites": [site], "linton_score": i % 101,
                "very_pronounced_symptoms": i % 7 == 0, "very_long_sick_leave": false,
                "previous_treatment_failed": i % 11 == 0,
            });
            let mut ours = base.clone();
            ours["pain_duration"] = json!(format!("P{months}M"));
            let mut zen = base;
            zen["pain_months"] = json!(months);
            (ours, zen)
        })
        .collect()
}

fn start_back(n: usize) -> Vec<(Value, Value)> {
    (0..n)
        .map(|i| {
            let mut items = serde_json::Map::new();
            for q in 1..=8 {
                items.insert(format!("q{q}"), json!((i >> q) & 1 == 1));
            }
            let q9 = ["not_at_all", "slightly", "moderately", "very_much", "extremely"][i % 5];
            items.insert("q9".into(), json!(q9));
            let p = json!({ "start_back": items });
            (p.clone(), p)
        })
        .collect()
}

fn zen_decision(file: &str) -> zen_engine::Decision {
    let text = std::fs::read_to_string(root().join("benches/zen/jdm").join(file)).expect("JDM file");
    let content: DecisionContent = serde_json::from_str(&text).expect("valid JDM");
    let mut decision = DecisionEngine::default().create_decision(content.into());
    decision.compile();
    decision
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime");
    let cases: [(&str, &str, &str, Vec<(Value, Value)>); 2] = [
        ("skane_mms", "guidelines/se/skane_mms.guide", "skane_mms.json", skane(N)),
        ("start_back", "guidelines/instruments/start_back.guide", "start_back.json", start_back(N)),
    ];
    let mut g = c.benchmark_group("compare");
    g.throughput(Throughput::Elements(N as u64));
    for (name, guide, jdm, patients) in &cases {
        let ours = evaluator(&root().join(guide));
        let bound: Vec<_> = patients.iter().map(|(p, _)| ours.bind(p).expect("valid patient")).collect();
        let decision = zen_decision(jdm);
        let vars: Vec<Variable> = patients.iter().map(|(_, z)| Variable::from(z.clone())).collect();

        // Same answers before timing.
        for (b, v) in bound.iter().zip(&vars) {
            let o = ours.evaluate(b);
            let z = rt.block_on(decision.evaluate(v.clone())).expect("zen evaluates").result.to_value();
            if *name == "skane_mms" {
                assert_eq!(o.stratum("care_level").flatten(), z["care_level"].as_str(), "{z}");
                assert_eq!(o.recommendation("mms_referral").flatten(), z["mms_referral"].as_bool());
                assert_eq!(o.recommendation("assess_care_level").flatten(), z["assess_care_level"].as_bool());
            } else {
                assert_eq!(o.stratum("start_back.risk").flatten(), z["risk"].as_str(), "{z}");
                assert_eq!(o.number("start_back.total").map(|x| x.0), z["total"].as_f64());
            }
        }

        g.bench_function(format!("guidepath/{name}"), |b| {
            b.iter(|| {
                for p in &bound {
                    black_box(ours.evaluate(black_box(p)));
                }
            })
        });
        g.bench_function(format!("zen/{name}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    for v in &vars {
                        black_box(decision.evaluate(black_box(v.clone())).await.expect("zen evaluates"));
                    }
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
