//! The guest's main loop: a compiled router, polled until it stops, then a report.
//!
//! The loop runs scheduling rounds back to back (the guest polls; it takes no interrupt)
//! and counts the TSC cycles spent in rounds that did work, so the report can give the
//! datapath's own cost per packet, apart from the time spent waiting for QEMU.
//!
//! The router stops when its configuration stops (DriverManager, Script, STOP) or, with
//! `idlestop=MS` on the command line, once frames have flowed and then none arrived for MS
//! milliseconds (for tests and benchmarks). The report is `key value` lines between
//! `== sluice report ==` and `== end ==`, then any `h=` handlers.

use alloc::string::String;
use core::fmt;

use sluice_elements::element::{Context, Level, Log};
use sluice_router::compiled::Setup;
use sluice_router::runtime::{Clock, Driver, Graph};

use crate::arch::x86_64::cpu::{pause, rdtsc};
use crate::clock;
use crate::exit;
use crate::println;
use crate::runtime::boot;

/// Defines the guest's `sluice_main`: `guest_main!(NAME, setup, build)` with the generated
/// program's `setup() -> Setup` and `build(&Setup) -> Result<G, String>`.
#[macro_export]
macro_rules! guest_main {
    ($name:expr, $setup:path, $build:path) => {
        /// The library OS calls this once boot is done.
        #[no_mangle]
        pub fn sluice_main() -> u8 {
            $crate::guest::run($name, $setup(), $build)
        }
    };
}

/// Elements' messages go to the console through the rate-limited logger.
struct ConsoleLog;

impl Log for ConsoleLog {
    fn log(&mut self, level: Level, element: &str, message: fmt::Arguments<'_>) {
        match level {
            Level::Info => log::info!("{element}: {message}"),
            Level::Warning => log::warn!("{element}: {message}"),
            Level::Error => log::error!("{element}: {message}"),
        }
    }
}

/// Configures, initializes and runs the router; returns the exit status.
pub fn run<G: Graph>(name: &str, setup: Setup, build: fn(&Setup) -> Result<G, String>) -> u8 {
    let Some(boot) = boot() else {
        return exit::BOOT_ERROR;
    };
    let graph = match build(&setup) {
        Ok(g) => g,
        Err(e) => {
            println!("{name}: {e}");
            return exit::CONFIG_ERROR;
        }
    };
    let mut driver = Driver::with_graph(graph, setup.info, Clock::Wall(clock::now));
    let mut log = ConsoleLog;
    let mut cx = Context::new(driver.now(), boot.pool, &mut log);
    if let Err(e) = driver.initialize(&mut cx) {
        println!("{name}: {e}");
        return exit::CONFIG_ERROR;
    }
    let ready_tsc = rdtsc();
    let free_at_ready = boot.pool.free();
    let c = &boot.clock;
    if !boot.options.quiet {
        let check = match (c.check_hz, c.disagreement_ppm()) {
            (Some(pit), Some(ppm)) => alloc::format!(
                ", PIT {}.{:03} MHz ({ppm} ppm)",
                pit / 1_000_000,
                pit / 1000 % 1000
            ),
            _ => String::new(),
        };
        println!(
            "sluice: {name} ready in {} us: {} NIC(s), {} buffers, TSC {}.{:03} MHz from {}{check}",
            clock::ticks_to_ns(ready_tsc.wrapping_sub(boot.entry_tsc)) / 1000,
            boot.nics.len(),
            boot.pool.capacity(),
            c.hz / 1_000_000,
            c.hz / 1000 % 1000,
            c.source.name(),
        );
    }
    let idle_stop = boot
        .options
        .idle_stop_ms
        .map(|ms| ms.saturating_mul(clock::tsc_hz()) / 1000);
    let mut busy: u64 = 0;
    let mut rounds: u64 = 0;
    let mut busy_rounds: u64 = 0;
    let mut last_work: Option<u64> = None;
    while !cx.should_end() {
        let t0 = rdtsc();
        let worked = driver.run_once(&mut cx);
        let t1 = rdtsc();
        rounds += 1;
        if worked {
            busy = busy.wrapping_add(t1.wrapping_sub(t0));
            busy_rounds += 1;
            last_work = Some(t1);
        } else {
            if let (Some(limit), Some(last)) = (idle_stop, last_work) {
                if t1.wrapping_sub(last) > limit {
                    break;
                }
            }
            pause();
        }
    }
    let end_tsc = rdtsc();
    driver.cleanup(&mut cx);
    // Handlers are read after cleanup (as Click's -h), then the router is dropped, so every
    // packet it still held (queues, ARP) is back in the pool when the pool is counted.
    let handlers: alloc::vec::Vec<(String, Result<String, String>)> = boot
        .options
        .handlers
        .iter()
        .map(|h| {
            (
                h.clone(),
                driver.read_handler(h).map_err(|e| alloc::format!("{e}")),
            )
        })
        .collect();
    drop(cx);
    drop(driver);
    let mut rx = 0u64;
    println!("== sluice report ==");
    println!("config {name}");
    println!(
        "ready_us {}",
        clock::ticks_to_ns(ready_tsc.wrapping_sub(boot.entry_tsc)) / 1000
    );
    let mut since = boot.entry_tsc;
    for (phase, at) in &boot.phases {
        println!(
            "boot.{phase}_us {}",
            clock::ticks_to_ns(at.wrapping_sub(since)) / 1000
        );
        since = *at;
    }
    println!(
        "boot.router_us {}",
        clock::ticks_to_ns(ready_tsc.wrapping_sub(since)) / 1000
    );
    println!(
        "run_ms {}",
        clock::ticks_to_ns(end_tsc.wrapping_sub(ready_tsc)) / 1_000_000
    );
    println!("tsc_hz {}", c.hz);
    println!("clock_source {}", c.source.name());
    for nic in &boot.nics {
        let Some(s) = sluice_drivers::virtio::registry::stats(nic.index) else {
            continue;
        };
        let i = nic.index;
        let m = nic.mac;
        println!(
            "nic{i}.mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        );
        println!("nic{i}.rx_packets {}", s.rx_packets.get());
        println!("nic{i}.rx_errors {}", s.rx_errors.get());
        println!("nic{i}.rx_no_buffers {}", s.rx_no_buffers.get());
        println!("nic{i}.tx_packets {}", s.tx_packets.get());
        println!("nic{i}.tx_ring_full {}", s.tx_ring_full.get());
        println!("nic{i}.notifies {}", s.notifies.get());
        rx += s.rx_packets.get();
    }
    println!("pool.capacity {}", boot.pool.capacity());
    println!("pool.free_at_ready {free_at_ready}");
    println!("pool.free {}", boot.pool.free());
    println!("pool.exhausted {}", boot.pool.stats().exhausted);
    println!("rounds {rounds}");
    println!("busy_rounds {busy_rounds}");
    println!("busy_cycles {busy}");
    println!("cycles_per_packet {}", busy.checked_div(rx).unwrap_or(0));
    let (used, free) = crate::heap::usage();
    println!("heap.size {}", boot.heap_bytes);
    println!("heap.used {used}");
    println!("heap.free {free}");
    println!("log_suppressed {}", crate::console::suppressed());
    println!("== end ==");
    for (h, value) in handlers {
        match value {
            Ok(v) => println!("{h}:\n{v}\n"),
            Err(e) => println!("{h}: error: {e}"),
        }
    }
    exit::SUCCESS
}
