//! Random valid patients of a guideline as NDJSON, drawn as the property
//! tests draw them (fixed seed): `random_patients FILE.guide N`. For
//! checking that two builds write the same bytes:
//! `guidepath eval --ndjson` of both over the same lines, then `cmp`.
#[path = "../patients.rs"]
mod patients;
use proptest::test_runner::{RngAlgorithm, TestRng};
fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().unwrap();
    let n: usize = args.next().unwrap().parse().unwrap();
    let ev = guidepath_tests::evaluator(std::path::Path::new(&file));
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7u8; 32]);
    for _ in 0..n {
        println!("{}", patients::patient(&ev, &mut rng));
    }
}
