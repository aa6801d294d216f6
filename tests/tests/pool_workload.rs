//! Every buffer comes back: random workloads push, drop, tee, pull and encapsulate packets
//! through real elements, and the pool's in-flight count returns to zero afterwards.

use proptest::prelude::*;

use sluice_elements::element::testing::{configure, Collect, Feed};
use sluice_elements::element::{Context, Element, NoLog, Ports};
use sluice_elements::packet::{Batch, Packet, Pool, PoolConfig, Timestamp};
use sluice_elements::standard::{Counter, Discard, Tee};

#[derive(Debug, Clone)]
enum Op {
    /// Make a packet of this length and keep it.
    Make(usize),
    /// Push the packet at this index through Tee(3) and keep the copies.
    Tee(usize),
    /// Push the packet at this index through a Counter into a Discard.
    Discard(usize),
    /// Write to the packet at this index (copy on write if shared).
    Write(usize),
    /// Prepend an 18-byte header (VLAN-tagged Ethernet) to the packet at this index.
    Encap(usize),
    /// Strip this many bytes from the front of the packet at this index.
    Strip(usize, usize),
    /// Queue the packet at this index and pull it back through a Counter.
    Pull(usize),
    /// Move up to 32 packets through a Counter as one batch into a Discard.
    Batch,
    /// Drop the packet at this index.
    Drop(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..1600).prop_map(Op::Make),
        any::<usize>().prop_map(Op::Tee),
        any::<usize>().prop_map(Op::Discard),
        any::<usize>().prop_map(Op::Write),
        any::<usize>().prop_map(Op::Encap),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Op::Strip(i, n)),
        any::<usize>().prop_map(Op::Pull),
        Just(Op::Batch),
        any::<usize>().prop_map(Op::Drop),
    ]
}

fn take(live: &mut Vec<Packet>, i: usize) -> Option<Packet> {
    if live.is_empty() {
        None
    } else {
        let n = live.len();
        Some(live.swap_remove(i % n))
    }
}

fn run(ops: &[Op], pool: Pool) {
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    let one = Ports {
        inputs: 1,
        outputs: 1,
    };
    let mut tee: Tee = configure(
        "3",
        Ports {
            inputs: 1,
            outputs: 3,
        },
    )
    .unwrap();
    let mut counter: Counter = configure("", one).unwrap();
    let mut discard: Discard = configure(
        "",
        Ports {
            inputs: 1,
            outputs: 0,
        },
    )
    .unwrap();
    let mut live: Vec<Packet> = Vec::new();
    let mut made = 0u64;
    let mut discarded = 0u64;

    for op in ops {
        match *op {
            Op::Make(len) => {
                if let Some(p) = pool.packet(&vec![0xab; len]) {
                    live.push(p.into());
                    made += 1;
                }
            }
            Op::Tee(i) => {
                if let Some(p) = take(&mut live, i) {
                    let mut out = Collect::new();
                    tee.push(0, p, &mut out, &mut cx);
                    assert_eq!(out.total(), 3);
                    live.extend(out.ports.into_iter().flatten());
                }
            }
            Op::Discard(i) => {
                if let Some(p) = take(&mut live, i) {
                    let mut out = Collect::new();
                    counter.push(0, p, &mut out, &mut cx);
                    for p in out.ports.into_iter().flatten() {
                        discard.push(0, p, &mut Collect::new(), &mut cx);
                        discarded += 1;
                    }
                }
            }
            Op::Write(i) => {
                if let Some(p) = take(&mut live, i) {
                    let before = p.data().to_vec();
                    match p.make_unique(&pool) {
                        Ok(mut w) => {
                            if let Some(b) = w.data_mut().first_mut() {
                                *b ^= 0xff;
                            }
                            assert_eq!(w.data().get(1..), before.get(1..));
                            live.push(w.into());
                        }
                        // Pool empty: the packet comes back untouched.
                        Err(p) => live.push(p),
                    }
                }
            }
            Op::Encap(i) => {
                if let Some(p) = take(&mut live, i) {
                    match p.make_unique(&pool) {
                        Ok(mut w) => {
                            let len = w.len();
                            if let Ok(h) = w.push_front(18) {
                                h.fill(0x81);
                                assert_eq!(w.len(), len + 18);
                            }
                            live.push(w.into());
                        }
                        Err(p) => live.push(p),
                    }
                }
            }
            Op::Strip(i, n) => {
                if let Some(mut p) = take(&mut live, i) {
                    let len = p.len();
                    match p.pull(n) {
                        Ok(()) => assert_eq!(p.len(), len - n),
                        Err(_) => assert!(n > len),
                    }
                    live.push(p);
                }
            }
            Op::Pull(i) => {
                if let Some(p) = take(&mut live, i) {
                    let mut feed = Feed::new();
                    feed.add(0, p);
                    let back = counter.pull(0, &mut feed, &mut cx).expect("queued packet");
                    assert!(counter.pull(0, &mut feed, &mut cx).is_none());
                    live.push(back);
                }
            }
            Op::Batch => {
                let mut batch = Batch::new();
                while !batch.is_full() {
                    match live.pop() {
                        Some(p) => batch.push(p).expect("not full"),
                        None => break,
                    }
                }
                let n = batch.len() as u64;
                let mut out = Collect::new();
                counter.push_batch(0, &mut batch, &mut out, &mut cx);
                assert_eq!(out.total() as u64, n);
                let mut batch: Batch = Batch::new();
                batch.extend(out.ports.into_iter().flatten());
                discard.push_batch(0, &mut batch, &mut Collect::new(), &mut cx);
                discarded += n;
            }
            Op::Drop(i) => {
                take(&mut live, i);
            }
        }
        // Shared copies hold one slot between them, so slots in flight never exceed
        // the packets alive.
        assert!(pool.in_flight() <= live.len());
    }
    assert!(made >= discarded.min(made));
    assert_eq!(discard.count(), discarded);
    drop(live);
    assert_eq!(pool.in_flight(), 0, "slots leaked");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_buffer_comes_back(ops in proptest::collection::vec(op(), 1..200)) {
        // A small pool, so exhaustion (and the Err paths that give packets back) happens.
        let pool = Pool::new(PoolConfig::with_slots(24)).unwrap();
        run(&ops, pool);
    }
}

#[test]
fn a_long_fixed_workload_leaks_nothing() {
    let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
    let mut ops = Vec::new();
    for i in 0..5000usize {
        ops.push(match i % 9 {
            0 | 1 => Op::Make(60 + i % 1400),
            2 => Op::Tee(i),
            3 => Op::Write(i),
            4 => Op::Encap(i),
            5 => Op::Strip(i, i % 20),
            6 => Op::Pull(i),
            7 => Op::Batch,
            _ => Op::Discard(i),
        });
    }
    run(&ops, pool);
    assert_eq!(pool.free(), 64);
}
