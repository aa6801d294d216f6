//! The management NIC: a virtio-net device kept apart from the datapath, for the guest's
//! own TCP/IP stack (the control socket).
//!
//! It is brought up by the same driver as the datapath NICs ([`super::net`]: flag-based
//! notification suppression, no `RING_EVENT_IDX`) but it is never registered as a datapath
//! device: no `FromDevice`/`ToDevice` can reach it. (virtio-drivers' own `VirtIONet` was
//! tried first: it negotiates `RING_EVENT_IDX`, which GUEST-NOTES.md found mishandled in
//! 0.13, and with it most connections of a burst of 32 never got an answer; with this
//! driver every connection QEMU's user networking delivers is answered: see
//! `libos/src/mgmt.rs` for the connections QEMU itself loses.) Frames go one at a time:
//! received frames are handed over and their buffers go straight back to the pool;
//! transmitted frames are written into a pool buffer and the device is notified at once.

use sluice_elements::packet::{Batch, Packet, Pool, WritablePacket};
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};

use super::net::{self, NetError, Nic, QUEUE_SIZE};

/// Receive buffers kept posted: enough for a burst of connection requests.
const RX_BUFFERS: usize = 64;

/// The management NIC.
pub struct MgmtNic {
    nic: Nic,
    pool: Pool,
    batch: Batch,
    /// Frames received and sent, and frames that could not be sent.
    pub counts: MgmtCounts,
}

/// The management NIC's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MgmtCounts {
    /// Frames received.
    pub rx: u64,
    /// Frames sent.
    pub tx: u64,
    /// Frames that could not be sent (no buffer, or the device refused them).
    pub tx_errors: u64,
}

impl core::fmt::Debug for MgmtNic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MgmtNic")
            .field("mac", &self.nic.mac)
            .field("counts", &self.counts)
            .finish()
    }
}

impl MgmtNic {
    /// Brings up the device in the virtio-mmio window at `base`, with receive buffers from
    /// `pool`.
    ///
    /// # Safety
    ///
    /// `base` must be a virtio-mmio window of `size` bytes, mapped, owned by nothing else, and
    /// valid for the rest of the guest's life.
    pub unsafe fn probe_mmio(base: usize, size: usize, pool: Pool) -> Result<MgmtNic, NetError> {
        // SAFETY: the caller's guarantee, passed on.
        let nic = unsafe { net::probe_mmio(base, size, pool, RX_BUFFERS) }?;
        Ok(MgmtNic::new(nic, pool))
    }

    /// Brings up the virtio-net-pci device at `df`; `config` reads the same configuration
    /// space as `root`.
    ///
    /// # Safety
    ///
    /// The device's BARs must lie in mapped memory used by nothing else, valid for the rest
    /// of the guest's life.
    pub unsafe fn probe_pci<C: ConfigurationAccess>(
        root: &mut PciRoot<C>,
        config: &C,
        df: DeviceFunction,
        pool: Pool,
    ) -> Result<MgmtNic, NetError> {
        // SAFETY: the caller's guarantee, passed on.
        let nic = unsafe { net::probe_pci(root, config, df, pool, RX_BUFFERS) }?;
        Ok(MgmtNic::new(nic, pool))
    }

    fn new(nic: Nic, pool: Pool) -> MgmtNic {
        MgmtNic {
            nic,
            pool,
            batch: Batch::new(),
            counts: MgmtCounts::default(),
        }
    }

    /// The device's MAC address.
    pub fn mac(&self) -> [u8; 6] {
        self.nic.mac
    }

    /// Calls `f` with the next received frame, if there is one; its buffer goes back to the
    /// pool afterwards.
    pub fn receive<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        if self.batch.is_empty() {
            self.nic.rx.receive(&mut self.batch, 1);
        }
        let p = self.batch.pop()?;
        self.counts.rx += 1;
        Some(f(p.data()))
    }

    /// Whether a frame can be sent now (sent frames' buffers are reclaimed first).
    pub fn can_send(&mut self) -> bool {
        self.nic.tx.reclaim();
        // Each frame takes two descriptors (the shared header, the frame).
        self.nic.tx.in_flight() + 1 < QUEUE_SIZE / 2
    }

    /// Takes back the buffers of frames the device has sent; true when none is left in
    /// flight (all of the management NIC's transmit buffers are back in the pool).
    pub fn reclaim(&mut self) -> bool {
        self.nic.tx.reclaim();
        self.nic.tx.in_flight() == 0
    }

    /// Sends a frame of `len` bytes that `f` writes, and notifies the device.
    pub fn send<R>(&mut self, len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let packet = self
            .pool
            .take_slot()
            .and_then(|slot| WritablePacket::from_slot(slot, self.pool.headroom(), len).ok());
        let Some(mut p) = packet else {
            // No buffer: the frame is built and lost (TCP sends it again).
            self.counts.tx_errors += 1;
            let mut scratch = alloc::vec![0u8; len];
            return f(&mut scratch);
        };
        let r = f(p.data_mut());
        match self.nic.tx.send(Packet::from(p)) {
            Ok(()) => {
                self.counts.tx += 1;
                self.nic.tx.flush();
            }
            Err(_) => self.counts.tx_errors += 1,
        }
        r
    }
}
