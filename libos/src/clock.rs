//! Time: the TSC, calibrated once at boot, plus a wall-clock epoch from the CMOS RTC.
//!
//! Calibration sources, in order of preference:
//!
//! 1. **kvmclock**: boot.s registers a pvclock page when the hypervisor is KVM; its
//!    `tsc_to_system_mul` and `tsc_shift` give the TSC frequency exactly, at once.
//! 2. **CPUID leaf 0x40000010** (QEMU/VMware's TSC frequency in kHz), when offered.
//! 3. **The PIT**: channel 0 counts at 1.193182 MHz; polling it while the TSC runs gives
//!    the frequency. microvm has no port 0x61, so the usual channel-2 gate cannot be used
//!    (it silently yields a frequency about 300 times too low); channel 0 can.
//!
//! Unless the command line says `clockcheck=0`, a calibration from (1) or (2) is checked
//! against the PIT over a few milliseconds and the disagreement is reported.

use core::sync::atomic::{AtomicU64, Ordering};

use sluice_elements::packet::Timestamp;

use crate::arch::x86_64::cpu::{cpuid, hypervisor, rdtsc};
use crate::arch::x86_64::port::{inb, outb};

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
static EPOCH_NS: AtomicU64 = AtomicU64::new(0);

const PIT_HZ: u64 = 1_193_182;

/// Where the TSC frequency came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The hypervisor's pvclock page.
    Kvmclock,
    /// CPUID leaf 0x40000010.
    Cpuid,
    /// Polling PIT channel 0.
    Pit,
    /// Nothing worked; an assumed 1 GHz.
    Assumed,
}

impl Source {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Source::Kvmclock => "kvmclock",
            Source::Cpuid => "CPUID 0x40000010",
            Source::Pit => "PIT",
            Source::Assumed => "nothing (assumed 1 GHz)",
        }
    }
}

/// The outcome of calibration.
#[derive(Debug, Clone, Copy)]
pub struct Calibration {
    /// TSC ticks per second.
    pub hz: u64,
    /// Where `hz` came from.
    pub source: Source,
    /// The PIT's estimate, when it was checked.
    pub check_hz: Option<u64>,
}

impl Calibration {
    /// Disagreement between the source and the PIT check, in parts per million.
    pub fn disagreement_ppm(&self) -> Option<u64> {
        self.check_hz
            .map(|c| c.abs_diff(self.hz).saturating_mul(1_000_000) / self.hz.max(1))
    }
}

extern "C" {
    static sluice_pvclock: [u32; 16];
    static sluice_pvclock_enabled: u8;
}

/// The TSC frequency from the pvclock page, if boot.s registered it and the hypervisor
/// filled it in.
fn kvmclock_hz() -> Option<u64> {
    // SAFETY: boot.s defines the byte; only boot.s writes it, before Rust runs.
    if unsafe { core::ptr::addr_of!(sluice_pvclock_enabled).read_volatile() } == 0 {
        return None;
    }
    // boot.s defines the 64-byte page; the hypervisor updates it, hence the volatile reads.
    let page = core::ptr::addr_of!(sluice_pvclock).cast::<u32>();
    for _ in 0..1000 {
        // SAFETY: word 0 (version) is inside the page.
        let v1 = unsafe { page.read_volatile() };
        // SAFETY: word 6 (tsc_to_system_mul) is inside the page.
        let mul = unsafe { page.wrapping_add(6).read_volatile() };
        // SAFETY: word 7 holds tsc_shift in its low byte, inside the page.
        let shift = unsafe { page.wrapping_add(7).read_volatile() } as u8 as i8;
        // SAFETY: word 0 again.
        let v2 = unsafe { page.read_volatile() };
        if v1 != v2 || v1 & 1 != 0 {
            continue;
        }
        if mul == 0 || v1 == 0 {
            return None;
        }
        // ns = ((ticks << shift) * mul) >> 32, so hz = 1e9 * 2^32 / (mul * 2^shift).
        let num: u128 = 1_000_000_000u128 << 32;
        let hz = if shift >= 0 {
            num / ((mul as u128) << shift)
        } else {
            (num << (-shift) as u32) / mul as u128
        };
        return u64::try_from(hz).ok().filter(|&h| h > 0);
    }
    None
}

fn cpuid_hz() -> Option<u64> {
    let (_, max) = hypervisor()?;
    if max < 0x4000_0010 {
        return None;
    }
    let khz = cpuid(0x4000_0010).0;
    (khz != 0).then_some(u64::from(khz) * 1000)
}

fn pit_read() -> u16 {
    // SAFETY: latch command for channel 0 (counter latch, no side effect but the latch).
    unsafe { outb(0x43, 0x00) };
    // SAFETY: reading the latched count, low byte then high byte.
    let lo = unsafe { inb(0x40) };
    // SAFETY: as above.
    let hi = unsafe { inb(0x40) };
    u16::from_le_bytes([lo, hi])
}

/// Measures the TSC against PIT channel 0 for about `ms` milliseconds. `None` when the PIT
/// does not count.
pub fn pit_hz(ms: u64) -> Option<u64> {
    // SAFETY: channel 0, lobyte/hibyte, mode 2, binary; reload 0 = 65536. The guest takes
    // no interrupts (the PICs are masked), so the channel is free for measuring.
    unsafe { outb(0x43, 0x34) };
    // SAFETY: as above.
    unsafe { outb(0x40, 0) };
    // SAFETY: as above.
    unsafe { outb(0x40, 0) };
    let target = PIT_HZ * ms / 1000;
    let mut last = pit_read();
    let t0 = rdtsc();
    let mut elapsed = 0u64;
    let mut still = 0u32;
    while elapsed < target {
        let now = pit_read();
        let step = last.wrapping_sub(now) as u64;
        if step == 0 {
            still += 1;
            if still > 10_000 {
                return None;
            }
        } else {
            still = 0;
        }
        elapsed += step;
        last = now;
    }
    let ticks = rdtsc().wrapping_sub(t0);
    u64::try_from(u128::from(ticks) * u128::from(PIT_HZ) / u128::from(elapsed)).ok()
}

/// Calibrates the TSC and reads the RTC. Call once, early.
pub fn init(check: bool) -> Calibration {
    BOOT_TSC.store(rdtsc(), Ordering::Relaxed);
    let (hz, source) = match kvmclock_hz() {
        Some(hz) => (hz, Source::Kvmclock),
        None => match cpuid_hz() {
            Some(hz) => (hz, Source::Cpuid),
            None => match pit_hz(20) {
                Some(hz) => (hz, Source::Pit),
                None => (1_000_000_000, Source::Assumed),
            },
        },
    };
    TSC_HZ.store(hz, Ordering::Relaxed);
    let check_hz = if check && matches!(source, Source::Kvmclock | Source::Cpuid) {
        pit_hz(3)
    } else {
        None
    };
    EPOCH_NS.store(
        rtc_unix_seconds().saturating_mul(1_000_000_000),
        Ordering::Relaxed,
    );
    Calibration {
        hz,
        source,
        check_hz,
    }
}

/// TSC ticks per second (0 before [`init`]).
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Converts TSC ticks to nanoseconds.
pub fn ticks_to_ns(ticks: u64) -> u64 {
    let hz = tsc_hz();
    if hz == 0 {
        return 0;
    }
    u64::try_from(u128::from(ticks) * 1_000_000_000 / u128::from(hz)).unwrap_or(u64::MAX)
}

/// Nanoseconds since [`init`].
pub fn uptime_ns() -> u64 {
    ticks_to_ns(rdtsc().wrapping_sub(BOOT_TSC.load(Ordering::Relaxed)))
}

/// The TSC value at [`init`].
pub fn boot_tsc() -> u64 {
    BOOT_TSC.load(Ordering::Relaxed)
}

/// Wall-clock time: the RTC's reading at boot plus the uptime.
pub fn now() -> Timestamp {
    let ns = EPOCH_NS.load(Ordering::Relaxed).saturating_add(uptime_ns());
    Timestamp::from_parts(ns / 1_000_000_000, (ns % 1_000_000_000) as u32)
}

fn cmos(reg: u8) -> u8 {
    // SAFETY: selecting a CMOS register (NMI stays enabled: bit 7 clear) and reading it.
    unsafe { outb(0x70, reg) };
    // SAFETY: as above.
    unsafe { inb(0x71) }
}

/// Seconds since 1970 from the CMOS RTC (0 when there is none). Rather than wait for the
/// update-in-progress flag (QEMU may hold it for a long time), the registers are read until
/// two readings agree.
pub fn rtc_unix_seconds() -> u64 {
    let read = || [0x00u8, 0x02, 0x04, 0x07, 0x08, 0x09].map(cmos);
    let mut now = read();
    for _ in 0..5 {
        let again = read();
        if again == now {
            break;
        }
        now = again;
    }
    let status_b = cmos(0x0b);
    let bcd = status_b & 0x04 == 0;
    let decode = |v: u8| -> u64 {
        if bcd {
            u64::from((v & 0x0f) + (v >> 4) * 10)
        } else {
            u64::from(v)
        }
    };
    let [sec, min, hour_raw, day, month, year] = now;
    let pm = status_b & 0x02 == 0 && hour_raw & 0x80 != 0;
    let mut hour = decode(hour_raw & 0x7f);
    if pm {
        hour = (hour % 12) + 12;
    }
    let (day, month, year) = (decode(day), decode(month), 2000 + decode(year));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return 0;
    }
    days_from_civil(year, month, day) * 86_400 + hour * 3600 + decode(min) * 60 + decode(sec)
}

/// Days from 1970-01-01 to the given date (proleptic Gregorian).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}
