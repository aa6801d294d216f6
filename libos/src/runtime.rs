//! From `boot.s` to the generated program: memory, console, clock, pool, devices.

use alloc::boxed::Box;
use alloc::string::String;
use core::sync::atomic::{AtomicPtr, Ordering};

use sluice_elements::packet::pool::stride;
use sluice_elements::packet::{Pool, PoolConfig};

use crate::arch::x86_64::cpu::rdtsc;
use crate::clock::{self, Calibration};
use crate::cmdline::Options;
use crate::devices::{self, Found};
use crate::exit::{self, exit};
use crate::start_info::{self, StartInfo};
use crate::{console, heap, println};

/// What boot established, for the guest's main loop.
pub struct Boot {
    /// The command line's options.
    pub options: Options,
    /// The TSC calibration.
    pub clock: Calibration,
    /// The packet pool (the receive rings already hold some of it).
    pub pool: Pool,
    /// The NICs found.
    pub nics: alloc::vec::Vec<Found>,
    /// The management NIC (`mgmt=`), until the control plane takes it (the guest has one
    /// thread; the cell only lets the shared boot state give it away).
    pub mgmt: core::cell::RefCell<Option<sluice_drivers::virtio::mgmt::MgmtNic>>,
    /// TSC at the Rust entry.
    pub entry_tsc: u64,
    /// The heap's size in bytes.
    pub heap_bytes: u64,
    /// TSC at the end of each boot phase, for the report.
    pub phases: alloc::vec::Vec<(&'static str, u64)>,
}

static BOOT: AtomicPtr<Boot> = AtomicPtr::new(core::ptr::null_mut());

/// The boot state (set before the generated program runs).
pub fn boot() -> Option<&'static Boot> {
    let p = BOOT.load(Ordering::Acquire);
    // SAFETY: BOOT is either null or a leaked, never-freed Box<Boot> written once below.
    unsafe { p.as_ref() }
}

extern "C" {
    static sluice_image_end: u8;
}

extern "Rust" {
    /// Defined by the generated program (`guest_main!`).
    fn sluice_main() -> u8;
}

/// Packet buffers when the command line does not say: a quarter of the heap, at least 256
/// and at most 4096 (8.25 MiB, slots lying [`stride`] bytes apart).
fn default_buffers(heap_bytes: u64) -> usize {
    let quarter = heap_bytes / 4 / stride(PoolConfig::DEFAULT_SLOT_SIZE) as u64;
    usize::try_from(quarter)
        .unwrap_or(usize::MAX)
        .clamp(256, 4096)
}

/// The end of the identity mapping boot.s builds.
const MAPPED: u64 = 1 << 32;

#[no_mangle]
extern "C" fn sluice_rust_entry(start_info: u64) -> ! {
    let entry_tsc = rdtsc();
    console::init();
    match start(start_info, entry_tsc) {
        Ok(status) => exit(status),
        Err(message) => {
            println!("sluice: boot failed: {message}");
            exit(exit::BOOT_ERROR)
        }
    }
}

fn start(start_info: u64, entry_tsc: u64) -> Result<u8, &'static str> {
    // SAFETY: the PVH loader passes the address of an hvm_start_info in RAM, identity-mapped.
    let header =
        unsafe { core::slice::from_raw_parts(start_info as *const u8, start_info::HEADER_LEN) };
    let info = StartInfo::parse(header).map_err(|_| "no valid PVH start info")?;
    let map_len = info.memmap_entries as usize * start_info::MEMMAP_ENTRY_LEN;
    // SAFETY: the start info says where the memory map is and how long; the VMM put it in
    // RAM, which is identity-mapped.
    let map = unsafe { core::slice::from_raw_parts(info.memmap_paddr as *const u8, map_len) };
    let image_end = core::ptr::addr_of!(sluice_image_end) as u64;
    let (heap_start, heap_end) =
        start_info::heap_range(start_info::memory_map(map), image_end, MAPPED)
            .ok_or("no RAM above the image for a heap")?;

    // The command line may lie in what becomes the heap: copy it out first.
    let mut line = [0u8; 2048];
    let mut len = 0;
    if info.cmdline_paddr != 0 {
        while len < line.len() {
            // SAFETY: a NUL-terminated string in RAM at the address the VMM gave.
            let b = unsafe {
                (info.cmdline_paddr as *const u8)
                    .wrapping_add(len)
                    .read_volatile()
            };
            if b == 0 {
                break;
            }
            line[len] = b;
            len += 1;
        }
    }
    // SAFETY: the range is RAM from the memory map, above the image, below the end of the
    // identity mapping, used by nothing else; this is the only call.
    unsafe { heap::init(heap_start, heap_end) };
    let cmdline = String::from_utf8_lossy(&line[..len]).into_owned();
    let options = Options::parse(&cmdline);
    console::init_logger(options.quiet);
    for unknown in &options.unknown {
        log::warn!("unknown command-line option '{unknown}' ignored");
    }
    let mut phases = alloc::vec![("memory", rdtsc())];
    let clock = clock::init(options.clock_check);
    phases.push(("clock", rdtsc()));
    let buffers = options
        .buffers
        .unwrap_or_else(|| default_buffers(heap_end - heap_start));
    let pool =
        Pool::new(PoolConfig::with_slots(buffers)).map_err(|_| "cannot make the packet pool")?;
    phases.push(("pool", rdtsc()));
    let probed = devices::probe(pool, options.mgmt.is_some());
    let (nics, failed) = (probed.nics, probed.failed);
    phases.push(("devices", rdtsc()));
    for f in failed {
        log::error!("{f}");
    }
    match options.selftest.as_deref() {
        Some("pagefault") => {
            // Above the 4 GiB the boot path maps: a page fault.
            let nowhere = 0x1_2345_6000usize as *mut u64;
            // SAFETY: not safe at all, on purpose: this write faults, and the fault report
            // is what `selftest=pagefault` checks.
            unsafe { nowhere.write_volatile(1) };
        }
        Some("panic") => panic!("selftest=panic on the command line"),
        _ => {}
    }
    let boot = Box::new(Boot {
        options,
        clock,
        pool,
        nics,
        mgmt: core::cell::RefCell::new(probed.mgmt),
        entry_tsc,
        heap_bytes: heap_end - heap_start,
        phases,
    });
    BOOT.store(Box::into_raw(boot), Ordering::Release);
    // SAFETY: every guest image's generated program defines `sluice_main` (guest_main!).
    Ok(unsafe { sluice_main() })
}
