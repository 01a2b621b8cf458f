//! Benchmarks only; see benches/zen.rs.
