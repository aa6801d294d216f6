//! The serial console: a 16550 UART at COM1 (0x3f8), write-only, behind the `log` facade.
//!
//! Every byte is a port write, which costs a VM exit (about 27 us under the PVM hypervisor
//! our machines run): keep the console off the per-packet path. The logger is rate-limited
//! (a burst of [`BURST`] lines, then [`PER_SECOND`] a second) and counts what it suppressed.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::arch::x86_64::port::{inb, outb};
use crate::clock;

const COM1: u16 = 0x3f8;
/// Lines the logger prints back to back before it starts rate limiting.
pub const BURST: u64 = 50;
/// Lines per second the logger prints once rate limiting started.
pub const PER_SECOND: u64 = 10;

/// The console, as a `fmt::Write` target.
pub struct Console;

/// Programs the UART: 115200 8N1, FIFOs on, interrupts off.
pub fn init() {
    for (offset, value) in [
        (1u16, 0x00u8), // no interrupts
        (3, 0x80),      // DLAB on
        (0, 0x01),      // divisor 1: 115200 baud
        (1, 0x00),
        (3, 0x03), // 8N1, DLAB off
        (2, 0xc7), // FIFOs on and cleared
        (4, 0x03), // DTR, RTS
    ] {
        // SAFETY: COM1's registers belong to this console and these are its standard
        // initialization values.
        unsafe { outb(COM1 + offset, value) };
    }
}

/// Writes bytes to the UART. QEMU's 16550 takes bytes as fast as they come, so the transmit
/// register is only polled when the line status says it is full.
pub fn write_bytes(bytes: &[u8]) {
    for &b in bytes {
        if b == b'\n' {
            put(b'\r');
        }
        put(b);
    }
}

fn put(b: u8) {
    let mut spins = 0;
    // SAFETY: reading COM1's line status register has no side effect.
    while unsafe { inb(COM1 + 5) } & 0x20 == 0 && spins < 1000 {
        spins += 1;
    }
    // SAFETY: writing COM1's transmit register sends one byte.
    unsafe { outb(COM1, b) };
}

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_bytes(s.as_bytes());
        Ok(())
    }
}

/// Prints to the console without a newline.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::console::Console, format_args!($($arg)*));
    }};
}

/// Prints a line to the console.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {{
        $crate::print!($($arg)*);
        $crate::print!("\n");
    }};
}

struct Logger {
    quiet: AtomicBool,
    printed: AtomicU64,
    window_start_ns: AtomicU64,
    window_lines: AtomicU64,
    suppressed: AtomicU64,
}

static LOGGER: Logger = Logger {
    quiet: AtomicBool::new(false),
    printed: AtomicU64::new(0),
    window_start_ns: AtomicU64::new(0),
    window_lines: AtomicU64::new(0),
    suppressed: AtomicU64::new(0),
};

impl Logger {
    fn admit(&self) -> bool {
        if self.printed.load(Ordering::Relaxed) < BURST {
            return true;
        }
        let now = clock::uptime_ns();
        if now.saturating_sub(self.window_start_ns.load(Ordering::Relaxed)) >= 1_000_000_000 {
            self.window_start_ns.store(now, Ordering::Relaxed);
            self.window_lines.store(0, Ordering::Relaxed);
        }
        self.window_lines.fetch_add(1, Ordering::Relaxed) < PER_SECOND
    }
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn || !self.quiet.load(Ordering::Relaxed)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        if !self.admit() {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.printed.fetch_add(1, Ordering::Relaxed);
        let level = match record.level() {
            log::Level::Error => "error: ",
            log::Level::Warn => "warning: ",
            _ => "",
        };
        crate::println!("{level}{}", record.args());
    }

    fn flush(&self) {}
}

/// Installs the console as the `log` logger.
pub fn init_logger(quiet: bool) {
    LOGGER.quiet.store(quiet, Ordering::Relaxed);
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Info);
}

/// Lines the rate limit suppressed so far.
pub fn suppressed() -> u64 {
    LOGGER.suppressed.load(Ordering::Relaxed)
}
