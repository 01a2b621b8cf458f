//! The generated guideline of the analysis benchmark: N recommendations
//! over 20 inputs. Shared by `benches/analysis.rs` (in memory) and
//! `examples/write_rules.rs` (on disk, for timing `guidepath check`).

/// A guideline with `rules` recommendations (see `benches/analysis.rs`).
pub fn generate(rules: usize) -> String {
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
