//! Reads a file of Skåne patient lines (NDJSON) into a typed struct with
//! serde_json, borrowing strings, and does nothing else: the least any
//! program reading these lines does, beside which `guidepath eval --ndjson`
//! is measured (`benches/scale/run`).

use serde::Deserialize;
use std::io::BufRead;

#[derive(Deserialize)]
#[allow(dead_code)] // Read to be parsed, never used.
struct Patient<'a> {
    age: Option<i64>,
    #[serde(borrow)]
    pain_duration: Option<&'a str>,
    #[serde(borrow)]
    pain_sites: Option<Vec<&'a str>>,
    linton_score: Option<i64>,
    very_pronounced_symptoms: Option<bool>,
    very_long_sick_leave: Option<bool>,
    previous_treatment_failed: Option<bool>,
    #[serde(borrow)]
    referral_date: Option<&'a str>,
}

fn main() -> std::io::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_limit FILE.ndjson");
        std::process::exit(2);
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let (mut line, mut ok, mut bad) = (String::new(), 0u64, 0u64);
    while reader.read_line(&mut line)? > 0 {
        match serde_json::from_str::<Patient<'_>>(line.trim_end()) {
            Ok(_) => ok += 1,
            Err(_) => bad += 1,
        }
        line.clear();
    }
    println!("{ok} parsed, {bad} not");
    Ok(())
}
