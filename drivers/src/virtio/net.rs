//! The virtio-net driver: feature negotiation, then a receive ring and a transmit ring that
//! move pool slots and packets without copying.
//!
//! ```text
//!   pool slot (2 KiB)                                      RX descriptor
//!   +---------------------+------------+---------------+   (device-writable)
//!   | headroom - hdr_len  | virtio hdr | frame ...     |   starts at the header, so the
//!   +---------------------+------------+---------------+   frame lands at the headroom
//!                         ^ device writes from here
//!
//!   TX chain: [ shared zero header (10 or 12 B) ] -> [ packet bytes, as they are ]
//! ```

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use bitflags::bitflags;
use sluice_elements::packet::{Batch, Packet, Pool, Slot, WritablePacket};
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::pci::bus::{
    BarInfo, Command, ConfigurationAccess, DeviceFunction, PciRoot,
};
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::{DeviceType, Transport};

use super::hal::IdentityHal;

/// Descriptors per queue. QEMU's TAP backend accepts at most 256 on the transmit queue.
pub const QUEUE_SIZE: usize = 256;
/// Bytes a receive buffer must offer, virtio header included (1514-byte frame + header +
/// slack, as virtio-drivers' own minimum).
pub const MIN_RX_BUFFER: usize = 1526;
const RX_QUEUE: u16 = 0;
const TX_QUEUE: u16 = 1;
/// Offset of the QueueNotify register in a virtio-mmio window (both versions).
const MMIO_QUEUE_NOTIFY: usize = 0x50;
/// Transmitted packets queued before the device is notified even if the element has not
/// flushed yet.
const TX_KICK_EVERY: usize = 32;

bitflags! {
    /// The feature bits this driver negotiates.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Features: u64 {
        /// The device has a MAC address in its configuration space.
        const MAC = 1 << 5;
        /// Virtio 1.0 (modern) semantics: the 12-byte header.
        const VERSION_1 = 1 << 32;
    }
}

static ZERO_HEADER: [u8; 12] = [0; 12];

/// Why a device could not be brought up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetError {
    /// the device is not a network device
    NotNet,
    /// the transport refused the device
    Transport(alloc::string::String),
    /// a queue could not be set up
    Queue(alloc::string::String),
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::NotNet => f.write_str("not a network device"),
            NetError::Transport(e) => write!(f, "transport: {e}"),
            NetError::Queue(e) => write!(f, "virtqueue: {e}"),
        }
    }
}

/// One counter, bumped by the single thread that owns the ring and read by anyone.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    #[inline]
    fn add(&self, n: u64) {
        // One thread writes: a load and a store are enough and cheaper than a locked add.
        self.0.store(
            self.0.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Sets it back to zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// A NIC's counters, shared by its rings and the registry.
#[derive(Debug, Default)]
pub struct NicStats {
    /// Frames received.
    pub rx_packets: Counter,
    /// Frames the device returned empty (no bytes after the virtio header).
    pub rx_errors: Counter,
    /// Times the receive ring ran short of buffers because the pool was empty (counted
    /// once per shortage, not per retry).
    pub rx_no_buffers: Counter,
    /// Frames handed to the device.
    pub tx_packets: Counter,
    /// Times a frame found the transmit ring full.
    pub tx_ring_full: Counter,
    /// Frames refused because they were empty.
    pub tx_errors: Counter,
    /// Device notifications (each one a VM exit).
    pub notifies: Counter,
}

/// Writes the queue index to the device's notify register: a 32-bit register in a
/// virtio-mmio window, or a 16-bit one in a virtio-pci notify region.
struct Notifier {
    register: NonNull<u8>,
    wide: bool,
    queue: u16,
}

// SAFETY: the register is device memory, valid for the guest's life; the notifier is moved to
// the one element that owns the ring and used only there.
unsafe impl Send for Notifier {}

impl Notifier {
    #[inline]
    fn notify(&self, stats: &NicStats) {
        stats.notifies.add(1);
        if self.wide {
            // SAFETY: `register` is the 32-bit QueueNotify register of a live virtio-mmio
            // window (established by `probe_mmio`); writing a queue index to it tells the
            // device that buffers are available.
            unsafe {
                self.register
                    .cast::<u32>()
                    .as_ptr()
                    .write_volatile(u32::from(self.queue))
            };
        } else {
            // SAFETY: `register` is this queue's 16-bit notify address in a virtio-pci notify
            // region (computed by `probe_pci` from the device's capabilities).
            unsafe {
                self.register
                    .cast::<u16>()
                    .as_ptr()
                    .write_volatile(self.queue)
            };
        }
    }
}

/// A NIC, brought up, before its rings are handed out.
pub struct Nic {
    /// The device's MAC address (all zero if it has none).
    pub mac: [u8; 6],
    /// The receive ring.
    pub rx: RxRing,
    /// The transmit ring.
    pub tx: TxRing,
    /// Counters, shared with the rings.
    pub stats: Arc<NicStats>,
    /// Bytes of virtio header in front of every frame (10 legacy, 12 modern).
    pub header_len: usize,
}

/// Brings up the virtio-net device whose virtio-mmio window starts at `base`, keeping up
/// to `rx_buffers` (at most [`QUEUE_SIZE`]) receive buffers from `pool` posted.
///
/// # Safety
///
/// `base` must be a virtio-mmio window of `size` bytes, mapped, owned by nothing else, and
/// valid for the rest of the guest's life.
pub unsafe fn probe_mmio(
    base: usize,
    size: usize,
    pool: Pool,
    rx_buffers: usize,
) -> Result<Nic, NetError> {
    let header = NonNull::new(base as *mut VirtIOHeader).ok_or(NetError::NotNet)?;
    // SAFETY: the caller guarantees the window.
    let transport = unsafe { MmioTransport::new(header, size) }
        .map_err(|e| NetError::Transport(alloc::format!("{e:?}")))?;
    let register = NonNull::new((base + MMIO_QUEUE_NOTIFY) as *mut u8).ok_or(NetError::NotNet)?;
    let notifier = |queue| Notifier {
        register,
        wide: true,
        queue,
    };
    bring_up(
        transport,
        notifier(RX_QUEUE),
        notifier(TX_QUEUE),
        pool,
        rx_buffers,
    )
}

/// Where a virtio-pci device's registers are: the common configuration and the notify
/// region with its multiplier, from its vendor capabilities and BARs.
struct PciLayout {
    common: u64,
    notify: u64,
    multiplier: u32,
}

fn pci_layout<C: ConfigurationAccess>(
    root: &mut PciRoot<C>,
    config: &C,
    df: DeviceFunction,
) -> Result<PciLayout, NetError> {
    const VENDOR_CAP: u8 = 0x09;
    let mut common = None;
    let mut notify = None;
    let caps: Vec<_> = root.capabilities(df).collect();
    for cap in caps {
        if cap.id != VENDOR_CAP {
            continue;
        }
        let cfg_type = (cap.private_header >> 8) as u8;
        let bar = config.read_word(df, cap.offset + 4) as u8;
        let offset = config.read_word(df, cap.offset + 8);
        let place = match root.bar_info(df, bar) {
            Ok(Some(BarInfo::Memory { address, .. })) if address != 0 => {
                address + u64::from(offset)
            }
            _ => continue,
        };
        match cfg_type {
            1 if common.is_none() => common = Some(place),
            2 if notify.is_none() => {
                let multiplier = config.read_word(df, cap.offset + 16);
                notify = Some((place, multiplier));
            }
            _ => {}
        }
    }
    let common = common.ok_or_else(|| NetError::Transport("no common configuration".into()))?;
    let (notify, multiplier) =
        notify.ok_or_else(|| NetError::Transport("no notify region".into()))?;
    if common.max(notify) >= 1 << 32 {
        return Err(NetError::Transport(alloc::format!(
            "registers at {:#x} lie above the 4 GiB the guest maps",
            common.max(notify)
        )));
    }
    Ok(PciLayout {
        common,
        notify,
        multiplier,
    })
}

/// Brings up the virtio-net-pci device at `df` (its BARs assigned by the firmware), keeping
/// up to `rx_buffers` receive buffers from `pool` posted. `config` reads the same
/// configuration space as `root` (for the vendor capabilities).
///
/// # Safety
///
/// The device's BARs must lie in mapped memory used by nothing else, valid for the rest of
/// the guest's life.
pub unsafe fn probe_pci<C: ConfigurationAccess>(
    root: &mut PciRoot<C>,
    config: &C,
    df: DeviceFunction,
    pool: Pool,
    rx_buffers: usize,
) -> Result<Nic, NetError> {
    let (_, command) = root.get_status_command(df);
    root.set_command(
        df,
        command | Command::MEMORY_SPACE | Command::IO_SPACE | Command::BUS_MASTER,
    );
    let layout = pci_layout(root, config, df)?;
    let transport = PciTransport::new::<IdentityHal, C>(root, df)
        .map_err(|e| NetError::Transport(alloc::format!("{e:?}")))?;
    if transport.device_type() != DeviceType::Network {
        return Err(NetError::NotNet);
    }
    // virtio 1.x common configuration: queue_select at 0x16, queue_notify_off at 0x1e.
    let notifier = |queue: u16| -> Result<Notifier, NetError> {
        let select = (layout.common + 0x16) as *mut u16;
        let notify_off = (layout.common + 0x1e) as *const u16;
        // SAFETY: the common configuration structure of this device, mapped (below 4 GiB,
        // checked); selecting a queue and reading its notify offset have no other effect.
        unsafe { select.write_volatile(queue) };
        // SAFETY: as above.
        let off = unsafe { notify_off.read_volatile() };
        let at = layout.notify + u64::from(off) * u64::from(layout.multiplier);
        Ok(Notifier {
            register: NonNull::new(at as usize as *mut u8).ok_or(NetError::NotNet)?,
            wide: false,
            queue,
        })
    };
    let (rx, tx) = (notifier(RX_QUEUE)?, notifier(TX_QUEUE)?);
    bring_up(transport, rx, tx, pool, rx_buffers)
}

/// Negotiates features, sets up both queues and posts receive buffers.
fn bring_up<T: Transport + 'static>(
    mut transport: T,
    rx_notify: Notifier,
    tx_notify: Notifier,
    pool: Pool,
    rx_buffers: usize,
) -> Result<Nic, NetError> {
    if transport.device_type() != DeviceType::Network {
        return Err(NetError::NotNet);
    }
    let negotiated = transport.begin_init(Features::MAC | Features::VERSION_1);
    let header_len = if negotiated.contains(Features::VERSION_1) {
        12
    } else {
        10
    };
    let mac = if negotiated.contains(Features::MAC) {
        transport.read_config_space::<[u8; 6]>(0).unwrap_or([0; 6])
    } else {
        [0; 6]
    };
    let mut rx_queue =
        VirtQueue::<IdentityHal, QUEUE_SIZE>::new(&mut transport, RX_QUEUE, false, false)
            .map_err(|e| NetError::Queue(alloc::format!("{e:?}")))?;
    let mut tx_queue =
        VirtQueue::<IdentityHal, QUEUE_SIZE>::new(&mut transport, TX_QUEUE, false, false)
            .map_err(|e| NetError::Queue(alloc::format!("{e:?}")))?;
    // The guest polls: ask the device not to interrupt on used buffers (each interrupt
    // costs the host an injection for nothing).
    rx_queue.set_dev_notify(false);
    tx_queue.set_dev_notify(false);
    transport.finish_init();
    // The rings notify through the cached registers; the transport stays alive (the device
    // belongs to the guest until it exits).
    Box::leak(Box::new(transport));
    let stats = Arc::new(NicStats::default());
    let mut rx = RxRing {
        queue: rx_queue,
        slots: (0..QUEUE_SIZE).map(|_| None).collect(),
        notify: rx_notify,
        header_len,
        pool,
        limit: rx_buffers.clamp(1, QUEUE_SIZE),
        posted: 0,
        starved: false,
        stats: Arc::clone(&stats),
    };
    rx.refill();
    let tx = TxRing {
        queue: tx_queue,
        pending: (0..QUEUE_SIZE).map(|_| None).collect(),
        notify: tx_notify,
        header: &ZERO_HEADER[..header_len],
        unkicked: 0,
        stats: Arc::clone(&stats),
    };
    Ok(Nic {
        mac,
        rx,
        tx,
        stats,
        header_len,
    })
}

/// The receive side of a NIC.
pub struct RxRing {
    queue: VirtQueue<IdentityHal, QUEUE_SIZE>,
    slots: Vec<Option<Slot>>,
    notify: Notifier,
    header_len: usize,
    pool: Pool,
    limit: usize,
    posted: usize,
    starved: bool,
    stats: Arc<NicStats>,
}

impl RxRing {
    /// The part of `slot` the device writes into: from the virtio header in front of the
    /// headroom to the end of the slot.
    fn device_part(slot: &mut Slot, headroom: usize, header_len: usize) -> Option<&mut [u8]> {
        slot.bytes_mut()
            .get_mut(headroom.checked_sub(header_len)?..)
    }

    /// Posts free slots until the ring holds its limit or the pool is empty, then notifies
    /// the device if it wants to hear.
    pub fn refill(&mut self) {
        let headroom = self.pool.headroom();
        let mut posted = false;
        while self.posted < self.limit && self.queue.available_desc() > 0 {
            let Some(mut slot) = self.pool.take_slot() else {
                if !self.starved {
                    self.starved = true;
                    self.stats.rx_no_buffers.add(1);
                }
                break;
            };
            self.starved = false;
            let Some(buf) = Self::device_part(&mut slot, headroom, self.header_len) else {
                break;
            };
            if buf.len() < MIN_RX_BUFFER {
                break;
            }
            // SAFETY: the buffer lives in `slot`, which stays in `self.slots[token]` (not
            // touched, not dropped) until `pop_used` hands the same token back.
            let token = match unsafe { self.queue.add(&[], &mut [buf]) } {
                Ok(t) => t,
                Err(_) => break,
            };
            self.slots[usize::from(token)] = Some(slot);
            self.posted += 1;
            posted = true;
        }
        if posted && self.queue.should_notify() {
            self.notify.notify(&self.stats);
        }
    }

    /// Moves up to `max` received frames into `batch` (as packets, without copying) and
    /// refills the ring. Returns how many frames came out of the ring.
    pub fn receive(&mut self, batch: &mut Batch, max: usize) -> usize {
        let headroom = self.pool.headroom();
        let mut n = 0;
        while n < max && !batch.is_full() {
            let Some(token) = self.queue.peek_used() else {
                break;
            };
            let Some(mut slot) = self
                .slots
                .get_mut(usize::from(token))
                .and_then(Option::take)
            else {
                // A token we never posted: the device is confused; stop rather than loop.
                self.stats.rx_errors.add(1);
                break;
            };
            let header_len = self.header_len;
            let Some(buf) = Self::device_part(&mut slot, headroom, header_len) else {
                break;
            };
            // SAFETY: the same buffer that was posted with this token.
            let written = match unsafe { self.queue.pop_used(token, &[], &mut [buf]) } {
                Ok(len) => len as usize,
                Err(_) => {
                    self.slots[usize::from(token)] = Some(slot);
                    break;
                }
            };
            n += 1;
            self.posted -= 1;
            let frame_len = written.saturating_sub(header_len);
            if frame_len == 0 {
                self.stats.rx_errors.add(1);
                continue;
            }
            match WritablePacket::from_slot(slot, headroom, frame_len) {
                Ok(p) => {
                    self.stats.rx_packets.add(1);
                    let _ = batch.push(Packet::from(p));
                }
                Err(_) => self.stats.rx_errors.add(1),
            }
        }
        // Refill after receiving, and also when the ring ran short earlier (the pool was
        // empty then; buffers may have come back since), or it would never fill again.
        if n > 0 || self.posted < self.limit / 2 {
            self.refill();
        }
        n
    }

    /// Whether a received frame is waiting.
    pub fn ready(&self) -> bool {
        self.queue.can_pop()
    }

    /// The NIC's counters.
    pub fn stats(&self) -> &Arc<NicStats> {
        &self.stats
    }
}

/// The transmit side of a NIC.
pub struct TxRing {
    queue: VirtQueue<IdentityHal, QUEUE_SIZE>,
    pending: Vec<Option<Packet>>,
    notify: Notifier,
    header: &'static [u8],
    unkicked: usize,
    stats: Arc<NicStats>,
}

impl TxRing {
    /// Returns the packets the device has finished sending to the pool.
    pub fn reclaim(&mut self) -> usize {
        let mut n = 0;
        while let Some(token) = self.queue.peek_used() {
            let Some(p) = self
                .pending
                .get_mut(usize::from(token))
                .and_then(Option::take)
            else {
                break;
            };
            // SAFETY: the same two buffers that were added with this token.
            if unsafe {
                self.queue
                    .pop_used(token, &[self.header, p.data()], &mut [])
            }
            .is_err()
            {
                self.pending[usize::from(token)] = Some(p);
                break;
            }
            n += 1;
        }
        n
    }

    /// Queues `p` for the device. A full ring gives the packet back. The device is notified
    /// every [`TX_KICK_EVERY`] packets and on [`TxRing::flush`].
    pub fn send(&mut self, p: Packet) -> Result<(), Packet> {
        if p.is_empty() {
            self.stats.tx_errors.add(1);
            return Ok(());
        }
        if self.queue.available_desc() < 2 {
            self.reclaim();
            if self.queue.available_desc() < 2 {
                self.stats.tx_ring_full.add(1);
                self.flush();
                return Err(p);
            }
        }
        // SAFETY: the header is static; the packet's bytes stay where they are because the
        // packet is kept in `self.pending[token]` until `pop_used` returns the token.
        let token = match unsafe { self.queue.add(&[self.header, p.data()], &mut []) } {
            Ok(t) => t,
            Err(_) => {
                self.stats.tx_ring_full.add(1);
                return Err(p);
            }
        };
        self.pending[usize::from(token)] = Some(p);
        self.stats.tx_packets.add(1);
        self.unkicked += 1;
        if self.unkicked >= TX_KICK_EVERY {
            self.flush();
        }
        Ok(())
    }

    /// Notifies the device of everything queued since the last notification (if it wants
    /// to hear), and reclaims finished packets.
    pub fn flush(&mut self) {
        if self.unkicked > 0 {
            self.unkicked = 0;
            if self.queue.should_notify() {
                self.notify.notify(&self.stats);
            }
        }
        self.reclaim();
    }

    /// Packets queued since the device was last notified.
    pub fn unkicked(&self) -> usize {
        self.unkicked
    }

    /// Packets handed to the device and not yet returned.
    pub fn in_flight(&self) -> usize {
        self.pending.iter().filter(|p| p.is_some()).count()
    }

    /// The NIC's counters.
    pub fn stats(&self) -> &Arc<NicStats> {
        &self.stats
    }
}
