//! Random valid patients of a guideline as NDJSON, drawn as the property
//! tests draw them (fixed seed): `random_patients FILE.guide N`. For
//! checking that two builds write the same bytes:
//! `guidepath eval --ndjson` of both over the same lines, then `cmp`.
#[path = "../patients.rs"]
mod patients;
use proptest::test_runner::{RngAlgorithm, TestRng};
fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(Ok(n))) = (args.next(), args.next().map(|n| n.parse::<usize>())) else {
        eprintln!("usage: random_patients FILE.guide N");
        return std::process::ExitCode::from(2);
    };
    let ev = guidepath_tests::evaluator(std::path::Path::new(&file));
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7u8; 32]);
    for _ in 0..n {
        println!("{}", patients::patient(&ev, &mut rng));
    }
    std::process::ExitCode::SUCCESS
}
