//! How long `sluice check` takes on a large configuration. Cases:
//!
//! - `check/5000`: parse, flatten (1,666 compound expansions), check connections and
//!   configure every element of a generated 5,000-element configuration.
//! - `check/flatten_5000`: the parse and flatten part alone.
//!
//! Run: `cargo bench -p sluice-benches --bench check`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use sluice_benches::generated_config;
use sluice_router::instantiate::instantiate;
use sluice_router::lang::{flatten_str, FlattenOptions};

fn check_benches(c: &mut Criterion) {
    let text = generated_config(5000);
    let options = FlattenOptions::default();
    let mut g = c.benchmark_group("check");
    g.sample_size(20);
    g.bench_function("5000", |b| {
        b.iter(|| {
            let (_, flat, errors) = flatten_str("gen.click", black_box(&text), &options);
            assert!(errors.is_empty());
            let checked = instantiate(flat);
            assert!(checked.errors.is_empty());
            checked.instance.map(|i| i.elements.len())
        })
    });
    g.bench_function("flatten_5000", |b| {
        b.iter(|| {
            flatten_str("gen.click", black_box(&text), &options)
                .1
                .elements
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, check_benches);
criterion_main!(benches);
