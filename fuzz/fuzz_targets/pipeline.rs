//! Fuzz target `pipeline`: arbitrary frames through a configuration holding every element
//! class that runs without files or devices (`configs/every-element.click`).
//!
//! Input: a sequence of records, each a 2-byte big-endian header and a body. The header's
//! top two bits choose what to do, its low 14 bits are the body's length (cut to what is
//! left):
//!
//! - `0`: inject the body as an Ethernet frame into `in`;
//! - `1`: inject it into `rawip`, where MarkIPHeader takes it for an IP header unchecked;
//! - `2`: inject it into `arpin`, ARPQuerier's reply input;
//! - `3`: run one scheduling round (tasks, due timers), or if nothing ran, move the
//!   simulated clock to the next timer however far; the body is skipped.
//!
//! Afterwards the router runs until nothing is left to do within a simulated second
//! (at most 256 rounds), every read handler
//! of every element is read, and the pool is checked: while the router lives, the slots in
//! flight are at most the packets that queues and ARPQueriers hold, the datagrams that
//! IPReassemblers are putting together and one template per source; once it is dropped,
//! none.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sluice_elements::element::{Context, NoLog};
use sluice_elements::packet::{Packet, Pool, PoolConfig};
use sluice_router::cli::{load, Source};
use sluice_router::instantiate::instantiate;
use sluice_router::lang::FlatConfig;
use sluice_router::registry;
use sluice_router::runtime::{Clock, Router};

/// The configuration, the same file `tests/tests/every_element.rs` checks.
const CONFIG: &str = include_str!("../configs/every-element.click");

/// Records per input: enough for queues to fill and tables to evict.
const MAX_RECORDS: usize = 64;
/// Scheduling rounds after the input, to drain queues through their rate limiters.
const DRAIN_ROUNDS: usize = 256;
/// Timers further off than this do not keep the drain going (one simulated second).
const DRAIN_HORIZON_NS: u64 = 1_000_000_000;
/// Pool slots: far more than the configuration's queues and tables can hold at once.
const POOL_SLOTS: usize = 1024;

/// Classes whose instances hold packets between calls, and the handler saying how many.
const HOLDERS: &[(&str, &str)] = &[
    ("Queue", "length"),
    ("SimpleQueue", "length"),
    ("FrontDropQueue", "length"),
    ("ARPQuerier", "length"),
];
/// IPReassembler holds one slot per datagram in progress: its `dump` lists them, one
/// ` (SRC, DST) ID ...` line each.
/// Sources keep one template buffer each for the router's lifetime.
const SOURCES: &[&str] = &["InfiniteSource", "RatedSource", "TimedSource"];

struct Setup {
    flat: FlatConfig,
    pool: Pool,
    entries: [usize; 3],
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let loaded =
            load(&Source::Expr(CONFIG.to_string()), &[], true).expect("an expression always loads");
        assert!(
            loaded.errors.is_empty(),
            "every-element.click does not parse"
        );
        let flat = loaded.flat;
        assert!(
            instantiate(flat.clone()).instance.is_some(),
            "every-element.click does not check"
        );
        let index = |name: &str| {
            flat.element_index(name)
                .unwrap_or_else(|| panic!("no element '{name}'"))
        };
        let entries = [index("in"), index("rawip"), index("arpin")];
        let pool = Pool::new(PoolConfig::with_slots(POOL_SLOTS)).expect("a valid pool size");
        Setup {
            flat,
            pool,
            entries,
        }
    })
}

/// Runs one round, or moves the simulated clock to the next timer when nothing ran. False
/// if nothing ran and no timer is due within `horizon` nanoseconds.
fn step(router: &mut Router, cx: &mut Context<'_>, horizon: u64) -> bool {
    if router.run_once(cx) {
        return true;
    }
    match router.next_timer() {
        Some(t) if t.nanos_since(router.now()) <= horizon => {
            let mut once = true;
            router.run(cx, &mut || core::mem::take(&mut once), &mut |_| {});
            true
        }
        _ => false,
    }
}

fn handler_value(router: &Router, full: &str) -> usize {
    router
        .read_handler(full)
        .unwrap_or_else(|e| panic!("{full}: {e}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{full}: {e}"))
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    let pool = setup.pool;
    assert_eq!(pool.in_flight(), 0, "a previous input leaked");

    let instance = instantiate(setup.flat.clone())
        .instance
        .expect("checked once already");
    let mut router = Router::new(instance, Clock::Simulated);
    let mut log = NoLog;
    let mut cx = Context::new(router.now(), pool, &mut log);
    router
        .initialize(&mut cx)
        .expect("every element initializes");

    let max_body = pool.slot_size() - pool.headroom();
    let mut rest = data;
    for _ in 0..MAX_RECORDS {
        let [a, b, tail @ ..] = rest else { break };
        let header = u16::from_be_bytes([*a, *b]);
        let kind = usize::from(header >> 14);
        let len = usize::from(header & 0x3fff).min(tail.len());
        let (body, tail) = tail.split_at(len);
        rest = tail;
        if kind == 3 {
            step(&mut router, &mut cx, u64::MAX);
            continue;
        }
        let Some(p) = pool.packet(&body[..body.len().min(max_body)]) else {
            panic!("pool exhausted: {} in flight", pool.in_flight());
        };
        router.inject(setup.entries[kind], 0, Packet::from(p), &mut cx);
    }
    // Drain: rate limiters refill within milliseconds; timers further off (ARP polls,
    // rewriters' reaping) are periodic and would never let the loop end.
    for _ in 0..DRAIN_ROUNDS {
        if !step(&mut router, &mut cx, DRAIN_HORIZON_NS) {
            break;
        }
    }

    // Every read handler of every element (the elements' own: the router's standard ones,
    // `name`, `config` and the like, do not look at packets).
    let flat = router.flat().clone();
    let mut held = 0;
    for e in &flat.elements {
        let class = registry::lookup(&e.class).expect("instantiated classes exist");
        for spec in class.handlers.iter().filter(|s| s.access.readable()) {
            // A handler may refuse (`drop_details` without DETAILS); it must not panic.
            let _ = router.read_handler(&format!("{}.{}", e.name, spec.name));
        }
        if let Some((_, h)) = HOLDERS.iter().find(|(c, _)| *c == e.class) {
            held += handler_value(&router, &format!("{}.{h}", e.name));
        }
        if e.class == "IPReassembler" {
            let dump = router
                .read_handler(&format!("{}.dump", e.name))
                .unwrap_or_else(|err| panic!("{}.dump: {err}", e.name));
            held += dump.lines().filter(|l| l.starts_with(" (")).count();
        }
        if SOURCES.contains(&e.class.as_str()) {
            held += 1;
        }
    }
    let in_flight = pool.in_flight();
    assert!(
        in_flight <= held,
        "{in_flight} slots in flight, but queues, ARPQueriers, IPReassemblers and sources hold only {held}"
    );

    router.cleanup(&mut cx);
    drop(cx);
    drop(router);
    assert_eq!(pool.in_flight(), 0, "the pool leaked buffers");
});
