//! The dependency rules of ARCHITECTURE.md, held to what cargo resolves:
//! a crate that gains a forbidden dependency, directly or through another,
//! fails here.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

/// Every package `package` depends on for its normal build, transitively,
/// by name (from `cargo metadata`, offline: the lock file decides).
fn dependencies(metadata: &serde_json::Value, package: &str) -> BTreeSet<String> {
    let packages = metadata["packages"].as_array().expect("packages");
    let name_of: HashMap<&str, &str> =
        packages.iter().map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap())).collect();
    let nodes = metadata["resolve"]["nodes"].as_array().expect("a resolved graph");
    let deps_of: HashMap<&str, Vec<&str>> = nodes
        .iter()
        .map(|n| {
            let id = n["id"].as_str().unwrap();
            // Normal dependencies only: a dev- or build-dependency is not
            // part of what a user of the crate builds.
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (id, deps)
        })
        .collect();
    let start = packages.iter().find(|p| p["name"] == package).expect("the package")["id"].as_str().unwrap();
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        for d in deps_of.get(id).into_iter().flatten() {
            if seen.insert(name_of[d].to_string()) {
                todo.push(d);
            }
        }
    }
    seen
}

/// The platform the tests run on (`rustc -vV`'s host).
fn host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().expect("rustc runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc names its host").trim().to_string()
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // For this platform: offline, cargo then needs only the packages a
    // build here has downloaded (not those of wasm32's dependencies).
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &host(), "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON")
}

/// Each crate and what it must never depend on.
const FORBIDDEN: &[(&str, &[&str])] = &[
    // Downstream systems embed these without the compiler.
    ("guidepath-eval", &["guidepath-syntax", "guidepath-check"]),
    ("guidepath-sql", &["guidepath-syntax", "guidepath-check", "guidepath-eval"]),
    ("guidepath-fhir", &["guidepath-syntax", "guidepath-check"]),
    ("guidepath-serve", &["guidepath-syntax", "guidepath-check"]),
    // The CPG export is written from the artifact, and its meaning is
    // the lowering's own, held to the evaluator by the differential, not
    // borrowed from it.
    ("guidepath-cpg", &["guidepath-syntax", "guidepath-check", "guidepath-eval", "guidepath-analysis"]),
    // The editors' features know no transport, runtime or protocol: the
    // browser studio runs them as they are.
    ("guidepath-ide", &["tower-lsp-server", "ls-types", "tokio", "tower", "guidepath-lsp"]),
];

#[test]
fn no_crate_depends_on_what_the_architecture_forbids() {
    let metadata = metadata();
    for (package, forbidden) in FORBIDDEN {
        let deps = dependencies(&metadata, package);
        for f in *forbidden {
            assert!(!deps.contains(*f), "{package} depends on {f}, which ARCHITECTURE.md forbids");
        }
    }
    // The rule can fail: the language server does depend on its runtime.
    assert!(dependencies(&metadata, "guidepath-lsp").contains("tokio"));
}
