//! The generated guideline set the checking benchmarks run on: about
//! 30 lines per block, 30 blocks per regional guideline, all using one
//! instrument file. Shared by `benches/check.rs` (in memory) and
//! `examples/write_set.rs` (on disk, for timing `guidepath check`).

use std::path::PathBuf;

pub const INSTRUMENT: &str = r#"instrument screen "Screening" {
  source "generated"
  item a : boolean
  item b : boolean
  item c : integer in 0..10 reverse
  item d : choice { no = 0, some = 1, much = 2 }
  score total = a + b + c + d
  stratify risk by total {
    low  when total <= 6
    high when total >= 7
  }
}
"#;

/// One regional guideline of roughly `blocks * 30` lines.
pub fn guideline(n: usize, blocks: usize) -> String {
    let mut s = format!(
        "guideline gen.g{n} \"Generated {n}\" {{\n  issuer \"bench\"\n  version \"1\"\n  status draft\n  language sv\n  source \"generated\"\n}}\n\nuse lib.screen\n\n"
    );
    s.push_str("enum site { neck, shoulders, low_back, generalized, other }\n\ninput {\n");
    for b in 0..blocks {
        s.push_str(&format!(
            "  age_{b} : integer years in 0..130 \"ålder\"\n  dur_{b} : duration\n  sites_{b} : set of site\n  score_{b} : integer points in 0..100\n  seen_{b} : date\n"
        ));
    }
    s.push_str("}\n\n");
    for b in 0..blocks {
        s.push_str(&format!(
            r#"define pop_{b} "Målgrupp {b}" =
      age_{b} in 16..70
  and dur_{b} >= 3 months
  and sites_{b} any of {{ neck, shoulders, low_back }}

stratify level_{b} of pop_{b} by score_{b} {{
  low  when score_{b} <= 50
  high when score_{b} > 50
}}

recommend rec_{b} "Rekommendation {b}" {{
  when pop_{b} and level_{b} is low and screen.risk is low
  strength strong
  level "Primärvård"
}}

recommend assess_{b} "Bedömning {b}" {{
  when pop_{b} and (level_{b} is high or screen.total >= 8)
}}

pathway path_{b} {{
  step referral_{b}
  step visit_{b} {{
    after referral_{b}
    within 1 month after seen_{b}
  }}
}}

"#
        ));
    }
    s
}

pub fn workload(lines_wanted: usize) -> (guidepath_check::MemoryFs, Vec<PathBuf>, usize, usize) {
    let mut fs = guidepath_check::MemoryFs::default();
    fs.files.insert(PathBuf::from("set/lib/screen.guide"), INSTRUMENT.to_string());
    let mut paths = Vec::new();
    let (mut lines, mut bytes, mut n) = (INSTRUMENT.lines().count(), INSTRUMENT.len(), 0);
    while lines < lines_wanted {
        let text = guideline(n, 30);
        lines += text.lines().count();
        bytes += text.len();
        let p = PathBuf::from(format!("set/g{n}.guide"));
        fs.files.insert(p.clone(), text);
        paths.push(p);
        n += 1;
    }
    (fs, paths, lines, bytes)
}
