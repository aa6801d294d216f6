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
//!
//! Images whose configuration has a `ControlSocket(TCP, PORT)` run [`run_serving`]: with
//! `mgmt=` on the command line, the control plane ([`crate::mgmt`]) is polled between
//! rounds (every round while the datapath is idle, every [`CONTROL_EVERY`] rounds while it
//! is busy). Other images never reference the management stack, so it is not linked in.

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
/// program's `setup() -> Setup` and `build(&Setup) -> Result<G, String>`;
/// `guest_main!(NAME, setup, build, control)` also serves the configuration's control
/// sockets on the management interface.
#[macro_export]
macro_rules! guest_main {
    ($name:expr, $setup:path, $build:path) => {
        /// The library OS calls this once boot is done.
        #[no_mangle]
        pub fn sluice_main() -> u8 {
            $crate::guest::run($name, $setup(), $build)
        }
    };
    ($name:expr, $setup:path, $build:path, control) => {
        /// The library OS calls this once boot is done.
        #[no_mangle]
        pub fn sluice_main() -> u8 {
            $crate::guest::run_serving($name, $setup(), $build)
        }
    };
}

/// Scheduling rounds between two control-plane polls while the datapath is busy.
pub const CONTROL_EVERY: u64 = 64;

/// What the main loop polls between rounds.
trait Control<G: Graph> {
    /// Does what is waiting; true if anything happened.
    fn poll(&mut self, now_ms: u64, driver: &mut Driver<G>) -> bool;
    /// Report lines.
    fn report(&self) {}
    /// Lets in-flight work finish before the pool is counted.
    fn quiesce(&mut self) {}
}

impl<G: Graph, C: Control<G>> Control<G> for Option<C> {
    fn poll(&mut self, now_ms: u64, driver: &mut Driver<G>) -> bool {
        self.as_mut().is_some_and(|c| c.poll(now_ms, driver))
    }

    fn report(&self) {
        if let Some(c) = self {
            c.report();
        }
    }

    fn quiesce(&mut self) {
        if let Some(c) = self {
            c.quiesce();
        }
    }
}

/// No control plane.
struct NoControl;

impl<G: Graph> Control<G> for NoControl {
    fn poll(&mut self, _now_ms: u64, _driver: &mut Driver<G>) -> bool {
        false
    }
}

impl<G: Graph> Control<G> for crate::mgmt::ControlPlane {
    fn poll(&mut self, now_ms: u64, driver: &mut Driver<G>) -> bool {
        crate::mgmt::ControlPlane::poll(self, now_ms, &mut GuestTarget(driver))
    }

    fn quiesce(&mut self) {
        crate::mgmt::ControlPlane::quiesce(self);
    }

    fn report(&self) {
        let c = self.nic_counts();
        println!("mgmt.rx_packets {}", c.rx);
        println!("mgmt.tx_packets {}", c.tx);
        println!("mgmt.tx_errors {}", c.tx_errors);
        println!("mgmt.accepted {}", self.accepted);
    }
}

/// The router's handlers, plus the guest's own read-only globals: `guest_heap_used` and
/// `guest_heap_free` (bytes), for watching memory over the control socket.
struct GuestTarget<'a, G>(&'a mut Driver<G>);

/// The guest's own read-only global handlers.
const GUEST_HANDLERS: [&str; 2] = ["guest_heap_used", "guest_heap_free"];

impl<G: Graph> sluice_router::control::protocol::HandlerTarget for GuestTarget<'_, G> {
    fn access(
        &self,
        handler: &str,
    ) -> Result<sluice_elements::element::Access, sluice_elements::element::HandlerError> {
        if GUEST_HANDLERS.contains(&handler) {
            return Ok(sluice_elements::element::Access::Read);
        }
        self.0.handler_access(handler)
    }

    fn read(&mut self, handler: &str) -> Result<String, sluice_elements::element::HandlerError> {
        let (used, free) = crate::heap::usage();
        match handler {
            "guest_heap_used" => Ok(alloc::format!("{used}")),
            "guest_heap_free" => Ok(alloc::format!("{free}")),
            _ => self.0.read_handler(handler),
        }
    }

    fn write(
        &mut self,
        handler: &str,
        value: &str,
    ) -> Result<(), sluice_elements::element::HandlerError> {
        if GUEST_HANDLERS.contains(&handler) {
            return Err(sluice_elements::element::HandlerError::NotWritable);
        }
        self.0.write_handler(handler, value)
    }
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
    run_with(name, setup, build, |boot, _| {
        if boot.options.mgmt.is_some() {
            log::warn!("mgmt= given but the configuration has no ControlSocket(TCP, PORT)");
        }
        NoControl
    })
}

/// As [`run`], serving the configuration's `ControlSocket(TCP, PORT)` elements on the
/// management interface when the command line gives one (`mgmt=`).
pub fn run_serving<G: Graph>(
    name: &str,
    setup: Setup,
    build: fn(&Setup) -> Result<G, String>,
) -> u8 {
    run_with(name, setup, build, |boot, flat| {
        let ports = crate::mgmt::control_ports(flat);
        let nic = boot.mgmt.try_borrow_mut().ok().and_then(|mut m| m.take());
        match (boot.options.mgmt, nic) {
            (Some(address), Some(nic)) if !ports.is_empty() => {
                let now = since_boot_ms(boot);
                let plane =
                    crate::mgmt::ControlPlane::new(nic, address, &ports, now, rdtsc() ^ now);
                if !boot.options.quiet {
                    let list: alloc::vec::Vec<String> = ports
                        .iter()
                        .map(|(p, ro)| {
                            alloc::format!("{p}{}", if *ro { " (read-only)" } else { "" })
                        })
                        .collect();
                    let at = plane.address().map_or_else(
                        || String::from("an address from DHCP"),
                        |a| alloc::format!("{a}"),
                    );
                    println!(
                        "sluice: control socket on the management NIC, {at}, TCP port {}",
                        list.join(", ")
                    );
                }
                Some(plane)
            }
            (Some(_), None) => {
                log::error!("mgmt= given but there is no management NIC (it is the last NIC)");
                None
            }
            (None, _) => {
                log::warn!("ControlSocket: no management interface (add mgmt=ADDR/PREFIX and a NIC for it)");
                None
            }
            (Some(_), Some(_)) => {
                log::warn!("mgmt= given but the configuration has no ControlSocket(TCP, PORT)");
                None
            }
        }
    })
}

fn since_boot_ms(boot: &crate::runtime::Boot) -> u64 {
    clock::ticks_to_ns(rdtsc().wrapping_sub(boot.entry_tsc)) / 1_000_000
}

fn run_with<G: Graph, C: Control<G>>(
    name: &str,
    setup: Setup,
    build: fn(&Setup) -> Result<G, String>,
    control: impl FnOnce(&crate::runtime::Boot, &sluice_router::lang::FlatConfig) -> C,
) -> u8 {
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
    let mut control = control(boot, driver.flat());
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
        // Control traffic counts as activity for `idlestop`, like frames.
        if (!worked || rounds % CONTROL_EVERY == 0)
            && control.poll(since_boot_ms(boot), &mut driver)
            && last_work.is_some()
        {
            last_work = Some(t1);
        }
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
    control.quiesce();
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
    control.report();
    println!("== end ==");
    for (h, value) in handlers {
        match value {
            Ok(v) => println!("{h}:\n{v}\n"),
            Err(e) => println!("{h}: error: {e}"),
        }
    }
    exit::SUCCESS
}
