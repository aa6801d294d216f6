//! Device discovery: virtio-mmio on `-M microvm`, PCI on `pc` and `q35`.
//!
//! microvm places virtio-mmio windows of 0x200 bytes at 0xfeb00000 upwards, 24 of them, and
//! gives the first `-device virtio-net-device` on the command line the highest window. The
//! guest probes from the top down, so its NIC 0 is the command line's first NIC. On a PC
//! there are no such windows; virtio-net-pci devices are found on PCI bus 0 in slot order,
//! which is the command line's order too when no `addr=` is given.
//!
//! With a management interface (`mgmt=` on the command line) the last NIC is kept for it:
//! it gets the simple driver of [`sluice_drivers::virtio::mgmt`] and is never a datapath
//! device, so `FromDevice(N)`/`ToDevice(N)` cannot reach it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sluice_drivers::virtio::mgmt::MgmtNic;
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

/// What probing found.
#[derive(Debug, Default)]
pub struct Probed {
    /// The datapath NICs, registered.
    pub nics: Vec<Found>,
    /// The management NIC, when one was asked for and came up.
    pub mgmt: Option<MgmtNic>,
    /// Devices that failed, and why.
    pub failed: Vec<String>,
}

/// Finds every virtio-net device, brings it up with receive buffers from `pool`, and
/// registers it; with `mgmt`, the last one becomes the management NIC instead.
///
/// The receive rings together keep at most half the pool posted (each at most a full ring
/// of 256), so the datapath always has buffers of its own.
pub fn probe(pool: Pool, mgmt: bool) -> Probed {
    let mut found = Vec::new();
    let mut failed = Vec::new();
    let transports: Vec<usize> = (0..MMIO_SLOTS)
        .rev()
        .map(|slot| MMIO_BASE + slot * MMIO_SIZE)
        .filter(|&base| read32(base) == MAGIC)
        .collect();
    if transports.is_empty() {
        return probe_pci(pool, mgmt);
    }
    let mut windows: Vec<usize> = transports
        .into_iter()
        .filter(|&base| read32(base + 8) == DEVICE_NET)
        .collect();
    let mut mgmt_nic = None;
    if let Some(base) = mgmt.then(|| windows.pop()).flatten() {
        // SAFETY: as below: a virtio window, mapped, used by nothing else.
        match unsafe { MgmtNic::probe_mmio(base, MMIO_SIZE, pool) } {
            Ok(nic) => mgmt_nic = Some(nic),
            Err(e) => failed.push(format!("management NIC at {base:#x}: {e}")),
        }
    }
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
    Probed {
        nics: found,
        mgmt: mgmt_nic,
        failed,
    }
}

/// virtio-net-pci devices on bus 0, in slot order.
fn probe_pci(pool: Pool, mgmt: bool) -> Probed {
    use crate::arch::x86_64::pci::PortCam;
    use virtio_drivers::transport::pci::bus::PciRoot;
    use virtio_drivers::transport::pci::virtio_device_type;
    use virtio_drivers::transport::DeviceType;

    let mut found = Vec::new();
    let mut failed = Vec::new();
    let mut root = PciRoot::new(PortCam);
    let mut nets: Vec<_> = root
        .enumerate_bus(0)
        .filter(|(_, info)| virtio_device_type(info) == Some(DeviceType::Network))
        .map(|(df, _)| df)
        .collect();
    let mut mgmt_nic = None;
    if let Some(df) = mgmt.then(|| nets.pop()).flatten() {
        // SAFETY: as below: BARs assigned by the firmware in the mapped PCI hole.
        match unsafe { MgmtNic::probe_pci(&mut root, &PortCam, df, pool) } {
            Ok(nic) => mgmt_nic = Some(nic),
            Err(e) => failed.push(format!("management NIC at {df}: {e}")),
        }
    }
    let rx_buffers = pool.capacity() / 2 / nets.len().max(1);
    for df in nets {
        // SAFETY: the firmware assigned the device's BARs; they lie in the PCI hole below
        // 4 GiB, which boot.s maps (probe_pci refuses anything above), and nothing else in
        // the guest uses them.
        match unsafe { net::probe_pci(&mut root, &PortCam, df, pool, rx_buffers) } {
            Ok(nic) => {
                let mac = nic.mac;
                let header_len = nic.header_len;
                let index = registry::register(nic);
                found.push(Found {
                    index,
                    base: 0,
                    mac,
                    header_len,
                });
            }
            Err(e) => failed.push(format!("virtio-net-pci at {df}: {e}")),
        }
    }
    Probed {
        nics: found,
        mgmt: mgmt_nic,
        failed,
    }
}
