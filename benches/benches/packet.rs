//! Packet-model micro-benchmarks. Cases:
//!
//! - `pool/take_return`: take one slot from the pool and give it back.
//! - `pool/packet_from_bytes`: take a slot, copy a 64-byte frame in, drop the packet.
//! - `counter/batch32`: a Counter on a batch of 32 64-byte packets (per batch; the packets
//!   are recycled through a collecting output so the pool is not part of the figure).
//! - `tee/share_drop`: Tee(2) on one packet, then dropping both copies (the cost of
//!   sharing: one reference-counted cell, and the slot's return when the last copy goes).
//!
//! Run: `cargo bench -p sluice-benches --bench packet`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

use sluice_elements::element::testing::configure;
use sluice_elements::element::{Context, Element, NoLog, Output, Ports};
use sluice_elements::packet::{Batch, Packet, Pool, PoolConfig, Timestamp, BATCH_CAPACITY};
use sluice_elements::standard::{Counter, Tee};

/// An output that drops what it gets (returning the slot when the last copy goes).
struct Sink;

impl Output for Sink {
    fn push(&mut self, _: usize, p: Packet, _: &mut Context<'_>) {
        drop(p);
    }
}

/// An output that hands a batch straight back to the caller.
struct Bounce(Batch);

impl Output for Bounce {
    fn push(&mut self, _: usize, p: Packet, _: &mut Context<'_>) {
        let _ = self.0.push(p);
    }
    fn push_batch(&mut self, _: usize, batch: &mut Batch, _: &mut Context<'_>) {
        self.0.extend(batch.drain());
    }
}

fn pool_benches(c: &mut Criterion) {
    let pool = Pool::new(PoolConfig::with_slots(1024)).expect("pool");
    let mut g = c.benchmark_group("pool");
    g.throughput(Throughput::Elements(1));
    g.bench_function("take_return", |b| {
        b.iter(|| drop(black_box(pool.take_slot())));
    });
    let frame = [0x5au8; 64];
    g.bench_function("packet_from_bytes", |b| {
        b.iter(|| drop(black_box(pool.packet(black_box(&frame)))));
    });
    g.finish();
}

fn element_benches(c: &mut Criterion) {
    let pool = Pool::new(PoolConfig::with_slots(4096)).expect("pool");
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);

    let mut g = c.benchmark_group("counter");
    g.throughput(Throughput::Elements(BATCH_CAPACITY as u64));
    let mut counter: Counter = configure(
        "",
        Ports {
            inputs: 1,
            outputs: 1,
        },
    )
    .expect("Counter");
    let mut batch = Batch::new();
    for _ in 0..BATCH_CAPACITY {
        let _ = batch.push(pool.packet(&[0u8; 64]).expect("slot").into());
    }
    let mut bounce = Bounce(Batch::new());
    g.bench_function("batch32", |b| {
        b.iter(|| {
            counter.push_batch(0, &mut batch, &mut bounce, &mut cx);
            std::mem::swap(&mut batch, &mut bounce.0);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("tee");
    g.throughput(Throughput::Elements(1));
    let mut tee: Tee = configure(
        "2",
        Ports {
            inputs: 1,
            outputs: 2,
        },
    )
    .expect("Tee");
    g.bench_function("share_drop", |b| {
        b.iter_batched(
            || pool.packet(&[0u8; 64]).expect("slot").into(),
            |p| tee.push(0, p, &mut Sink, &mut cx),
            BatchSize::NumIterations(256),
        )
    });
    g.finish();
}

criterion_group!(benches, pool_benches, element_benches);
criterion_main!(benches);
