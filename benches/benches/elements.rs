//! Per-element micro-benchmarks for the expensive elements, each driven directly with
//! batches of 32 prepared 64-byte packets (throughput in packets). Cases:
//!
//! - `ipclassifier/64rules`: IPClassifier with 64 rules (`src net`, `dst port`,
//!   `tcp opt syn and src net`) and a final `-`, on a mix of TCP, UDP and ICMP packets whose
//!   IP header is marked; most packets go through many rules.
//! - `iplookup/linear_1k`, `iplookup/static_1k`: LinearIPLookup and StaticIPLookup (the
//!   same scan) with 1,000 random routes.
//! - `iplookup/{radix,direct,range}_{1k,100k}`: RadixIPLookup, DirectIPLookup and
//!   RangeIPLookup with 1,000 and 100,000 random routes (generated with a fixed xorshift
//!   seed; configured once, outside the timing). Destinations are random: half inside a
//!   random route's prefix, half anywhere (the default route catches them).
//! - `iprewriter/100k_forward`, `iprewriter/100k_reply`: IPRewriter(pattern ...) holding
//!   100,000 established TCP and UDP flows (created first by pushing 100,000 distinct flows
//!   on input 0, outside the timing); packets of random existing flows, from the inside on
//!   input 0 and replies from the outside on input 1. Each batch is copied in fresh
//!   before it is timed, since rewriting changes the packets.
//! - `arpquerier/1k_warm`: ARPQuerier with 1,000 known neighbours (inserted through its
//!   `insert` handler) encapsulating IP packets to random ones of them.
//!
//! Packets that are not changed (classifier, lookups) or whose change is undone cheaply
//! (ARPQuerier's Ethernet header is pulled off again) cycle through a ring of 8,192 packets,
//! so the pool is not part of the figure.
//!
//! Run: `cargo bench -p sluice-benches --bench elements`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::fmt::Write as _;

use sluice_benches::{ipv4_frame, random_routes, XorShift, ICMP, TCP, UDP};
use sluice_elements::arp::ARPQuerier;
use sluice_elements::element::testing::configure;
use sluice_elements::element::{Context, Element, HandlerContext, Handlers, NoLog, Output, Ports};
use sluice_elements::ip::classify::{
    DirectIPLookup, IPClassifier, LinearIPLookup, RadixIPLookup, RangeIPLookup, StaticIPLookup,
};
use sluice_elements::nat::IPRewriter;
use sluice_elements::packet::{Batch, Packet, Pool, PoolConfig, Timestamp, BATCH_CAPACITY};
use sluice_elements::wire::Ipv4Address;

/// Packets in a ring (256 batches).
const RING: usize = 8192;

/// An output that collects what it gets, from any port, into one batch; `strip` bytes are
/// pulled off the front first (to undo an encapsulation).
struct Bounce {
    batch: Batch,
    strip: usize,
}

impl Bounce {
    fn new(strip: usize) -> Self {
        Bounce {
            batch: Batch::new(),
            strip,
        }
    }
}

impl Output for Bounce {
    fn push(&mut self, _: usize, mut p: Packet, _: &mut Context<'_>) {
        if self.strip > 0 {
            let _ = p.pull(self.strip);
        }
        let _ = self.batch.push(p);
    }
    fn push_batch(&mut self, port: usize, batch: &mut Batch, cx: &mut Context<'_>) {
        for p in batch.drain() {
            self.push(port, p, cx);
        }
    }
}

/// Full batches of prepared packets, pushed through an element one batch per iteration and
/// put back in place.
struct Ring {
    batches: Vec<Batch>,
    next: usize,
}

impl Ring {
    fn new(packets: impl IntoIterator<Item = Packet>) -> Self {
        let mut batches = vec![Batch::new()];
        for p in packets {
            if batches.last().is_some_and(Batch::is_full) {
                batches.push(Batch::new());
            }
            let _ = batches.last_mut().expect("a batch").push(p);
        }
        Ring { batches, next: 0 }
    }

    /// Pushes the next batch through `e`'s input `port`; the packets come back from `out`.
    #[inline]
    fn step<E: Element>(&mut self, e: &mut E, port: usize, out: &mut Bounce, cx: &mut Context<'_>) {
        let batch = &mut self.batches[self.next];
        e.push_batch(port, batch, out, cx);
        std::mem::swap(batch, &mut out.batch);
        self.next += 1;
        if self.next == self.batches.len() {
            self.next = 0;
        }
    }

    /// Packets still in the ring (all of them, unless the element dropped some).
    fn len(&self) -> usize {
        self.batches.iter().map(Batch::len).sum()
    }
}

/// The packet for `frame` with its IP header marked at 14 (20 bytes) and the transport
/// header after it, as CheckIPHeader-after-Strip would leave them (but with the Ethernet
/// header kept).
fn marked(pool: &Pool, frame: &[u8]) -> Packet {
    let mut p = pool.packet(frame).expect("pool slot");
    p.set_network_header(14, 20).expect("IP header");
    p.into()
}

/// The IP part of `frame` (from offset 14), with its header marked and the destination
/// annotation set, as a route lookup or ARPQuerier gets it.
fn ip_with_dst(pool: &Pool, frame: &[u8], dst: u32) -> Packet {
    let mut p = pool.packet(&frame[14..]).expect("pool slot");
    p.set_network_header(0, 20).expect("IP header");
    p.anno_mut().dst_ip = Ipv4Address::from_u32(dst);
    p.into()
}

fn ports(inputs: usize, outputs: usize) -> Ports {
    Ports { inputs, outputs }
}

fn ipclassifier_benches(c: &mut Criterion, pool: &Pool, cx: &mut Context<'_>) {
    // 64 rules: a third `src net`, a third `dst port`, a third `tcp opt syn and src net`.
    let mut rules = String::new();
    for i in 0..64u32 {
        let _ = match i % 3 {
            0 => write!(rules, "src net 10.{i}.0.0/16, "),
            1 => write!(rules, "dst port {}, ", 2000 + i),
            _ => write!(rules, "tcp opt syn and src net 172.16.{i}.0/24, "),
        };
    }
    rules.push('-');
    let mut ipc: IPClassifier = configure(&rules, ports(1, 65)).expect("IPClassifier");

    let mut rng = XorShift::new(1);
    let packets = (0..RING).map(|_| {
        let proto = [TCP, TCP, UDP, UDP, UDP, ICMP][rng.below(6) as usize];
        let i = rng.below(80) as u8;
        let src = match rng.below(4) {
            0 => [10, i, rng.next_u32() as u8, 1],
            1 => [172, 16, i, 9],
            _ => [192, 0, 2, rng.next_u32() as u8],
        };
        let dport = if rng.below(3) == 0 {
            2000 + rng.below(80) as u16
        } else {
            80
        };
        let flags = if rng.below(4) == 0 { 0x02 } else { 0x10 };
        marked(
            pool,
            &ipv4_frame(proto, src, [198, 51, 100, 7], 1234, dport, flags),
        )
    });
    let mut ring = Ring::new(packets);
    let mut out = Bounce::new(0);

    let mut g = c.benchmark_group("ipclassifier");
    g.throughput(Throughput::Elements(BATCH_CAPACITY as u64));
    g.bench_function("64rules", |b| {
        b.iter(|| ring.step(&mut ipc, 0, &mut out, cx))
    });
    g.finish();
    assert_eq!(ring.len(), RING, "IPClassifier dropped packets");
}

/// Packets for a lookup over `prefixes`: half inside a random prefix, half anywhere.
fn lookup_ring(pool: &Pool, prefixes: &[(u32, u8)], seed: u64) -> Ring {
    let mut rng = XorShift::new(seed);
    let frame = ipv4_frame(UDP, [192, 0, 2, 1], [0, 0, 0, 0], 1234, 9, 0);
    Ring::new((0..RING).map(|_| {
        let dst = if rng.below(2) == 0 {
            let (addr, len) = prefixes[rng.below(prefixes.len() as u32) as usize];
            let host = if len == 0 {
                rng.next_u32()
            } else {
                rng.next_u32() & !(u32::MAX << (32 - u32::from(len)))
            };
            addr | host
        } else {
            rng.next_u32()
        };
        ip_with_dst(pool, &frame, dst)
    }))
}

fn bench_lookup<E: Element>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    routes: &str,
    ring: &mut Ring,
    cx: &mut Context<'_>,
) {
    let mut e: E = configure(routes, ports(1, 4)).unwrap_or_else(|err| panic!("{name}: {err:?}"));
    let mut out = Bounce::new(0);
    g.bench_function(name, |b| b.iter(|| ring.step(&mut e, 0, &mut out, cx)));
    assert_eq!(ring.len(), RING, "{name} dropped packets");
}

fn iplookup_benches(c: &mut Criterion, pool: &Pool, cx: &mut Context<'_>) {
    let mut g = c.benchmark_group("iplookup");
    g.throughput(Throughput::Elements(BATCH_CAPACITY as u64));

    let (routes, prefixes) = random_routes(1000, 4, 0x1000);
    let mut ring = lookup_ring(pool, &prefixes, 11);
    bench_lookup::<LinearIPLookup>(&mut g, "linear_1k", &routes, &mut ring, cx);
    bench_lookup::<StaticIPLookup>(&mut g, "static_1k", &routes, &mut ring, cx);
    bench_lookup::<RadixIPLookup>(&mut g, "radix_1k", &routes, &mut ring, cx);
    bench_lookup::<DirectIPLookup>(&mut g, "direct_1k", &routes, &mut ring, cx);
    bench_lookup::<RangeIPLookup>(&mut g, "range_1k", &routes, &mut ring, cx);
    drop(ring);

    let (routes, prefixes) = random_routes(100_000, 4, 0x100000);
    let mut ring = lookup_ring(pool, &prefixes, 12);
    bench_lookup::<RadixIPLookup>(&mut g, "radix_100k", &routes, &mut ring, cx);
    bench_lookup::<DirectIPLookup>(&mut g, "direct_100k", &routes, &mut ring, cx);
    bench_lookup::<RangeIPLookup>(&mut g, "range_100k", &routes, &mut ring, cx);
    g.finish();
}

/// Flow `i` of the rewriter bench, as sent from the inside.
fn flow_frame(i: u32) -> Vec<u8> {
    let src = (10 << 24) | i;
    let dst = [203, 0, (i >> 8) as u8, i as u8];
    let sport = 1024 + (i % 60000) as u16;
    if i % 2 == 0 {
        ipv4_frame(TCP, src.to_be_bytes(), dst, sport, 80, 0x10)
    } else {
        ipv4_frame(UDP, src.to_be_bytes(), dst, sport, 53, 0)
    }
}

/// Swaps a frame's IP addresses and ports (the checksums stay right: the same words).
fn mirror(frame: &[u8]) -> Vec<u8> {
    let mut f = frame.to_vec();
    let (ip, l4) = (14, 34);
    for k in 0..4 {
        f.swap(ip + 12 + k, ip + 16 + k);
    }
    for k in 0..2 {
        f.swap(l4 + k, l4 + 2 + k);
    }
    f
}

/// An output that keeps copies of the bytes sent to port 0.
struct Record(Vec<Vec<u8>>);

impl Output for Record {
    fn push(&mut self, port: usize, p: Packet, _: &mut Context<'_>) {
        if port == 0 {
            self.0.push(p.data().to_vec());
        }
    }
}

fn iprewriter_benches(c: &mut Criterion, pool: &Pool, cx: &mut Context<'_>) {
    const FLOWS: u32 = 100_000;
    let mut rw: IPRewriter = configure(
        "pattern 198.51.100.1 1024-65535 - - 0 1, drop, MAPPING_CAPACITY 131072",
        ports(2, 2),
    )
    .expect("IPRewriter");
    rw.initialize(cx).expect("IPRewriter initialize");
    // Establish the flows, keeping what the rewriter sent out (the replies mirror it).
    let mut rewritten = Record(Vec::with_capacity(FLOWS as usize));
    let mut batch = Batch::new();
    for i in 0..FLOWS {
        let _ = batch.push(marked(pool, &flow_frame(i)));
        if batch.is_full() || i + 1 == FLOWS {
            rw.push_batch(0, &mut batch, &mut rewritten, cx);
        }
    }
    assert_eq!(rewritten.0.len(), FLOWS as usize, "flows not established");
    let hcx = HandlerContext { now: cx.now() };
    let mappings = rw.read_handler("nmappings", &hcx).expect("nmappings");
    assert_eq!(mappings.trim(), FLOWS.to_string(), "mappings");

    // Packets of random existing flows, both directions.
    let mut rng = XorShift::new(3);
    let picks: Vec<u32> = (0..RING).map(|_| rng.below(FLOWS)).collect();
    let forward: Vec<Vec<u8>> = picks.iter().map(|&i| flow_frame(i)).collect();
    let reply: Vec<Vec<u8>> = picks
        .iter()
        .map(|&i| mirror(&rewritten.0[i as usize]))
        .collect();
    drop(rewritten);

    let mut g = c.benchmark_group("iprewriter");
    g.throughput(Throughput::Elements(BATCH_CAPACITY as u64));
    for (name, port, frames) in [("100k_forward", 0, &forward), ("100k_reply", 1, &reply)] {
        let mut next = 0;
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let mut batch = Batch::new();
                    for _ in 0..BATCH_CAPACITY {
                        let _ = batch.push(marked(pool, &frames[next]));
                        next = (next + 1) % frames.len();
                    }
                    batch
                },
                |mut batch| {
                    let mut out = Bounce::new(0);
                    rw.push_batch(port, &mut batch, &mut out, cx);
                    out.batch
                },
                BatchSize::NumIterations(64),
            )
        });
    }
    g.finish();
    let mappings = rw.read_handler("nmappings", &hcx).expect("nmappings");
    assert_eq!(
        mappings.trim(),
        FLOWS.to_string(),
        "flows were added or lost"
    );
}

fn arpquerier_benches(c: &mut Criterion, pool: &Pool, cx: &mut Context<'_>) {
    const NEIGHBOURS: u32 = 1000;
    let mut arpq: ARPQuerier =
        configure("10.0.0.1/16, 02:00:00:00:00:01", ports(2, 2)).expect("ARPQuerier");
    arpq.initialize(cx).expect("ARPQuerier initialize");
    let hcx = HandlerContext { now: cx.now() };
    let neighbour = |i: u32| (10 << 24) | ((2 << 8) + i);
    for i in 0..NEIGHBOURS {
        let ip = Ipv4Address::from_u32(neighbour(i));
        let eth = format!("02:00:00:01:{:02x}:{:02x}", i >> 8, i & 0xff);
        arpq.write_handler("insert", &format!("{ip} {eth}"), &hcx)
            .expect("insert");
    }
    let count = arpq.read_handler("count", &hcx).expect("count");
    assert_eq!(count.trim(), NEIGHBOURS.to_string());

    let mut rng = XorShift::new(4);
    let frame = ipv4_frame(UDP, [10, 0, 0, 1], [0, 0, 0, 0], 1234, 9, 0);
    let mut ring =
        Ring::new((0..RING).map(|_| ip_with_dst(pool, &frame, neighbour(rng.below(NEIGHBOURS)))));
    let mut out = Bounce::new(14);

    let mut g = c.benchmark_group("arpquerier");
    g.throughput(Throughput::Elements(BATCH_CAPACITY as u64));
    g.bench_function("1k_warm", |b| {
        b.iter(|| ring.step(&mut arpq, 0, &mut out, cx))
    });
    g.finish();
    assert_eq!(ring.len(), RING, "ARPQuerier held or dropped packets");
    let queries = arpq.read_handler("queries", &hcx).expect("queries");
    assert_eq!(queries.trim(), "0", "ARPQuerier sent queries");
}

fn element_benches(c: &mut Criterion) {
    // Two rings of 8,192 plus the rewriter's in-flight batches fit with room to spare.
    let pool = Pool::new(PoolConfig::with_slots(32_768)).expect("pool");
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    ipclassifier_benches(c, &pool, &mut cx);
    iplookup_benches(c, &pool, &mut cx);
    iprewriter_benches(c, &pool, &mut cx);
    arpquerier_benches(c, &pool, &mut cx);
}

criterion_group!(benches, element_benches);
criterion_main!(benches);
