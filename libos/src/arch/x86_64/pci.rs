//! PCI configuration space through the legacy ports 0xCF8/0xCFC (configuration mechanism
//! #1), which `pc` and `q35` both provide. Each access is two port operations, so two VM
//! exits: enumerate once at boot, never on the datapath.

use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction};

use super::port::{inl, outl};

const ADDRESS: u16 = 0xcf8;
const DATA: u16 = 0xcfc;

/// Configuration mechanism #1.
#[derive(Debug, Clone, Copy, Default)]
pub struct PortCam;

fn address(df: DeviceFunction, offset: u8) -> u32 {
    0x8000_0000
        | u32::from(df.bus) << 16
        | u32::from(df.device & 0x1f) << 11
        | u32::from(df.function & 0x7) << 8
        | u32::from(offset & 0xfc)
}

impl ConfigurationAccess for PortCam {
    fn read_word(&self, df: DeviceFunction, offset: u8) -> u32 {
        // SAFETY: 0xCF8/0xCFC are the PCI configuration ports; selecting an address and
        // reading the data port has no effect beyond the read.
        unsafe { outl(ADDRESS, address(df, offset)) };
        // SAFETY: as above.
        unsafe { inl(DATA) }
    }

    fn write_word(&mut self, df: DeviceFunction, offset: u8, data: u32) {
        // SAFETY: configuration writes go to the device the caller enumerated (BAR sizing
        // and the command register, done by virtio-drivers and the NIC probe).
        unsafe { outl(ADDRESS, address(df, offset)) };
        // SAFETY: as above.
        unsafe { outl(DATA, data) };
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortCam
    }
}
