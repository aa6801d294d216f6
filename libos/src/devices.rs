//! Device discovery: virtio-mmio on `-M microvm`.
//!
//! microvm places virtio-mmio windows of 0x200 bytes at 0xfeb00000 upwards, 24 of them, and
//! gives the first `-device virtio-net-device` on the command line the highest window. The
//! guest probes from the top down, so its NIC 0 is the command line's first NIC.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sluice_drivers::virtio::{net, registry};
use sluice_elements::packet::Pool;

/// First virtio-mmio window on microvm.
pub const MMIO_BASE: usize = 0xfeb0_0000;
/// Size of one window.
pub const MMIO_SIZE: usize = 0x200;
/// Windows microvm provides.
pub const MMIO_SLOTS: usize = 24;
const MAGIC: u32 = 0x7472_6976; // "virt"
const DEVICE_NET: u32 = 1;

fn read32(addr: usize) -> u32 {
    // SAFETY: `addr` is a register in a virtio-mmio window (below), identity-mapped with
    // the user bit by boot.s; reading the magic, version and device id has no side effect.
    unsafe { (addr as *const u32).read_volatile() }
}

/// One NIC found.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its index (command-line order).
    pub index: usize,
    /// Where its window is.
    pub base: usize,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// 10 (legacy) or 12 (modern) header bytes.
    pub header_len: usize,
}

/// Finds every virtio-net device, brings it up with receive buffers from `pool`, and
/// registers it. Devices that fail are reported in the second list.
///
/// The receive rings together keep at most half the pool posted (each at most a full ring
/// of 256), so the datapath always has buffers of its own.
pub fn probe(pool: Pool) -> (Vec<Found>, Vec<String>) {
    let mut found = Vec::new();
    let mut failed = Vec::new();
    let windows: Vec<usize> = (0..MMIO_SLOTS)
        .rev()
        .map(|slot| MMIO_BASE + slot * MMIO_SIZE)
        .filter(|&base| read32(base) == MAGIC && read32(base + 8) == DEVICE_NET)
        .collect();
    let rx_buffers = pool.capacity() / 2 / windows.len().max(1);
    for base in windows {
        // SAFETY: the window at `base` answered with the virtio magic and a device id; it
        // is mapped, and nothing else in the guest uses it.
        match unsafe { net::probe_mmio(base, MMIO_SIZE, pool, rx_buffers) } {
            Ok(nic) => {
                let mac = nic.mac;
                let header_len = nic.header_len;
                let index = registry::register(nic);
                found.push(Found {
                    index,
                    base,
                    mac,
                    header_len,
                });
            }
            Err(e) => failed.push(format!("virtio-mmio at {base:#x}: {e}")),
        }
    }
    (found, failed)
}
