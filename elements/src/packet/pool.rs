//! The packet pool: fixed-size slots carved from one contiguous region, handed out and taken
//! back through a lock-free queue.

use alloc::boxed::Box;
use alloc::vec;
use core::sync::atomic::{AtomicU64, Ordering};
use core::{fmt, mem};

use crossbeam_queue::ArrayQueue;

/// Sizes of a pool. Sizes come from the configuration (the number of slots needed by queues
/// and devices), never from cargo features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Number of slots.
    pub slots: usize,
    /// Bytes per slot, headroom included. At most 65535.
    pub slot_size: usize,
    /// Bytes reserved in front of the data of every fresh packet.
    pub headroom: usize,
}

impl PoolConfig {
    /// Default slot size: a full 1518-byte frame plus headroom, rounded to 2 KiB.
    pub const DEFAULT_SLOT_SIZE: usize = 2048;
    /// Default headroom: room for Ethernet, two VLAN tags, IPv4 and UDP (58 bytes) with
    /// margin, and a cache-line multiple.
    pub const DEFAULT_HEADROOM: usize = 128;

    /// A pool of `slots` slots of the default size and headroom.
    pub const fn with_slots(slots: usize) -> Self {
        PoolConfig {
            slots,
            slot_size: Self::DEFAULT_SLOT_SIZE,
            headroom: Self::DEFAULT_HEADROOM,
        }
    }
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self::with_slots(4096)
    }
}

/// A snapshot of a pool's occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Slots in the pool.
    pub capacity: usize,
    /// Slots waiting in the pool.
    pub free: usize,
    /// Slots taken and not yet returned (`capacity - free`).
    pub in_flight: usize,
    /// Times a slot was asked for while none was free.
    pub exhausted: u64,
}

/// The state every handle of one pool shares. It lives as long as the program: a pool is
/// created once by an entry point (the CLI, the guest's boot path), like Click's packet
/// memory, and packets refer to it without reference counting.
struct PoolShared {
    free: ArrayQueue<&'static mut [u8]>,
    capacity: usize,
    slot_size: usize,
    headroom: usize,
    region_start: usize,
    region_len: usize,
    exhausted: AtomicU64,
}

/// A handle on a packet pool. Cheap to copy; every copy names the same pool.
#[derive(Clone, Copy)]
pub struct Pool {
    shared: &'static PoolShared,
}

/// Why a region could not become a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolError {
    /// The slot size is zero, above 65535, or not larger than the headroom.
    BadSlotSize,
    /// The pool would have no slots.
    NoSlots,
}

impl Pool {
    /// Allocates a region for `config.slots` slots on the heap and carves it.
    ///
    /// The region is never freed: pools are made once per router, by an entry point, and
    /// live as long as the program (see [`Pool::from_region`]).
    pub fn new(config: PoolConfig) -> Result<Pool, PoolError> {
        Self::check(config)?;
        let region = Box::leak(vec![0u8; config.slots * config.slot_size].into_boxed_slice());
        Self::from_region(region, config.slot_size, config.headroom)
    }

    /// Carves a pool out of `region`, for example a DMA region the guest's library OS set
    /// aside. The number of slots is `region.len() / slot_size`; a tail shorter than a slot
    /// is left unused.
    pub fn from_region(
        region: &'static mut [u8],
        slot_size: usize,
        headroom: usize,
    ) -> Result<Pool, PoolError> {
        let slots = region.len() / slot_size.max(1);
        Self::check(PoolConfig {
            slots,
            slot_size,
            headroom,
        })?;
        let region_start = region.as_ptr() as usize;
        let region_len = region.len();
        let free = ArrayQueue::new(slots);
        for chunk in region.chunks_exact_mut(slot_size) {
            // The queue was sized for exactly this many chunks, so the push cannot fail.
            let _ = free.push(chunk);
        }
        let shared = Box::leak(Box::new(PoolShared {
            free,
            capacity: slots,
            slot_size,
            headroom,
            region_start,
            region_len,
            exhausted: AtomicU64::new(0),
        }));
        Ok(Pool { shared })
    }

    fn check(config: PoolConfig) -> Result<(), PoolError> {
        if config.slot_size == 0 || config.slot_size > 65535 || config.slot_size <= config.headroom
        {
            return Err(PoolError::BadSlotSize);
        }
        if config.slots == 0 {
            return Err(PoolError::NoSlots);
        }
        Ok(())
    }

    /// Takes a free slot, or `None` when every slot is in flight (counted in
    /// [`PoolStats::exhausted`]). Lock-free and allocation-free.
    #[inline]
    pub fn take_slot(&self) -> Option<Slot> {
        match self.shared.free.pop() {
            Some(bytes) => Some(Slot {
                bytes,
                pool: self.shared,
            }),
            None => {
                self.shared.exhausted.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Bytes per slot.
    pub fn slot_size(&self) -> usize {
        self.shared.slot_size
    }

    /// Headroom of a fresh packet.
    pub fn headroom(&self) -> usize {
        self.shared.headroom
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Slots waiting in the pool.
    pub fn free(&self) -> usize {
        self.shared.free.len()
    }

    /// Slots taken and not yet returned.
    pub fn in_flight(&self) -> usize {
        self.shared.capacity - self.shared.free.len()
    }

    /// Occupancy and exhaustion counters.
    pub fn stats(&self) -> PoolStats {
        let free = self.free();
        PoolStats {
            capacity: self.shared.capacity,
            free,
            in_flight: self.shared.capacity - free,
            exhausted: self.shared.exhausted.load(Ordering::Relaxed),
        }
    }

    /// The region's start address and length, for a driver that maps it for a device.
    pub fn region(&self) -> (usize, usize) {
        (self.shared.region_start, self.shared.region_len)
    }

    /// True if both handles name the same pool.
    pub fn same_pool(&self, other: &Pool) -> bool {
        core::ptr::eq(self.shared, other.shared)
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("stats", &self.stats())
            .finish()
    }
}

/// One buffer slot, owned. Dropping it returns it to its pool.
///
/// Drivers take slots to post receive buffers ([`Slot::addr`] is the address to give the
/// device) and turn them into packets once filled ([`crate::packet::Packet::from_slot`]).
pub struct Slot {
    bytes: &'static mut [u8],
    pool: &'static PoolShared,
}

impl Slot {
    /// The whole slot.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// The whole slot, writable.
    #[inline]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes
    }

    /// The slot's length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: slots have at least one byte.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The slot's start address (identity-mapped in the guest, so also the device address).
    pub fn addr(&self) -> usize {
        self.bytes.as_ptr() as usize
    }

    /// The pool this slot belongs to.
    pub fn pool(&self) -> Pool {
        Pool { shared: self.pool }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // An empty `&mut [u8]` takes the slot's place, so the real one can move back into
        // the queue. The queue has room for every slot of the pool, so the push cannot fail.
        let bytes = mem::take(&mut self.bytes);
        let _ = self.pool.free.push(bytes);
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slot({:#x}, {} bytes)", self.addr(), self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_and_return() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        assert_eq!(pool.stats().free, 4);
        let a = pool.take_slot().unwrap();
        let b = pool.take_slot().unwrap();
        assert_eq!(pool.in_flight(), 2);
        assert_ne!(a.addr(), b.addr());
        assert_eq!(a.len(), PoolConfig::DEFAULT_SLOT_SIZE);
        drop(a);
        assert_eq!(pool.in_flight(), 1);
        drop(b);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn exhaustion_is_counted_not_fatal() {
        let pool = Pool::new(PoolConfig::with_slots(2)).unwrap();
        let held: alloc::vec::Vec<Slot> = (0..2).map(|_| pool.take_slot().unwrap()).collect();
        assert!(pool.take_slot().is_none());
        assert_eq!(pool.stats().exhausted, 1);
        drop(held);
        assert_eq!(pool.free(), 2);
    }

    #[test]
    fn slots_are_carved_from_one_region() {
        let pool = Pool::new(PoolConfig {
            slots: 8,
            slot_size: 256,
            headroom: 64,
        })
        .unwrap();
        let (start, len) = pool.region();
        assert_eq!(len, 8 * 256);
        let slots: alloc::vec::Vec<Slot> = (0..8).map(|_| pool.take_slot().unwrap()).collect();
        for s in &slots {
            assert!(s.addr() >= start && s.addr() + s.len() <= start + len);
            assert_eq!((s.addr() - start) % 256, 0);
        }
    }

    #[test]
    fn bad_configs_are_rejected() {
        assert_eq!(
            Pool::new(PoolConfig {
                slots: 1,
                slot_size: 64,
                headroom: 64
            })
            .err(),
            Some(PoolError::BadSlotSize)
        );
        assert_eq!(
            Pool::new(PoolConfig {
                slots: 0,
                slot_size: 2048,
                headroom: 64
            })
            .err(),
            Some(PoolError::NoSlots)
        );
        assert_eq!(
            Pool::new(PoolConfig {
                slots: 1,
                slot_size: 70000,
                headroom: 64
            })
            .err(),
            Some(PoolError::BadSlotSize)
        );
    }

    #[test]
    fn threads_share_a_pool() {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(move || {
                    for _ in 0..10_000 {
                        let a = pool.take_slot();
                        let b = pool.take_slot();
                        drop((a, b));
                    }
                });
            }
        });
        assert_eq!(pool.in_flight(), 0);
    }
}
