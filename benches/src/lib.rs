//! Criterion benchmarks for Sluice live in `benches/benches/`; this library only holds what
//! they share. Run them with `cargo bench -p sluice-benches`.
