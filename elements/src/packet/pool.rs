//! The packet pool: fixed-size slots carved from one contiguous region, handed out and taken
//! back through a small stack of recently freed slots in front of a lock-free queue.
//!
//! The queue alone hands slots out first in, first out, so a path that holds one or two
//! packets at a time would still walk through every slot of the pool, each one long gone
//! from the CPU's caches by the time it comes round again. The stack gives back the slot
//! freed last, whose lines are still in the cache. It is taken with `try_lock`: a thread
//! that finds it busy uses the queue instead. The one wait is when the queue is empty and
//! another thread holds the stack: taking a slot then waits the few instructions that
//! thread needs, so a busy stack is never mistaken for an empty pool (a single thread, as
//! in the guest, never waits). `spin`'s `SpinMutex` is the lock, chosen because it works
//! without `std`.

use alloc::boxed::Box;
use alloc::vec;
use core::sync::atomic::{AtomicU64, Ordering};
use core::{fmt, mem};

use arrayvec::ArrayVec;
use crossbeam_queue::ArrayQueue;
use spin::mutex::SpinMutex;

/// Slots the stack of recently freed slots holds: a batch and its copies. The lines a packet
/// touches in 64 slots (a few hundred bytes each) fit in a first-level cache.
const HOT_SLOTS: usize = 64;

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
    /// The slots freed last, taken first.
    hot: SpinMutex<ArrayVec<&'static mut [u8], HOT_SLOTS>>,
    /// Every other free slot.
    free: ArrayQueue<&'static mut [u8]>,
    capacity: usize,
    slot_size: usize,
    headroom: usize,
    region_start: usize,
    region_len: usize,
    exhausted: AtomicU64,
}

/// Bytes from one slot's start to the next: `slot_size` rounded up to an odd number of
/// 64-byte cache lines. With a power-of-two stride (2048), the first lines of every slot,
/// where headers and small packets live, would all fall in the same few sets of the CPU's
/// caches, and a pool that cycles through more than a handful of slots would miss on every
/// packet; an odd number of lines spreads successive slots over all the sets (DPDK pads its
/// buffers for the same reason).
pub const fn stride(slot_size: usize) -> usize {
    const LINE: usize = 64;
    let lines = slot_size.div_ceil(LINE);
    let lines = if lines % 2 == 0 { lines + 1 } else { lines };
    if lines == 0 {
        LINE
    } else {
        lines * LINE
    }
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
        let region =
            Box::leak(vec![0u8; config.slots * stride(config.slot_size)].into_boxed_slice());
        Self::from_region(region, config.slot_size, config.headroom)
    }

    /// Carves a pool out of `region`, for example a DMA region the guest's library OS set
    /// aside. Slots lie [`stride`]`(slot_size)` bytes apart, so the number of slots is
    /// `region.len() / stride(slot_size)`; a tail shorter than that is left unused.
    pub fn from_region(
        region: &'static mut [u8],
        slot_size: usize,
        headroom: usize,
    ) -> Result<Pool, PoolError> {
        let step = stride(slot_size);
        let slots = region.len() / step;
        Self::check(PoolConfig {
            slots,
            slot_size,
            headroom,
        })?;
        let region_start = region.as_ptr() as usize;
        let region_len = region.len();
        let free = ArrayQueue::new(slots);
        for chunk in region.chunks_exact_mut(step) {
            // The queue was sized for exactly this many chunks, so the push cannot fail.
            let _ = free.push(chunk.split_at_mut(slot_size).0);
        }
        let shared = Box::leak(Box::new(PoolShared {
            hot: SpinMutex::new(ArrayVec::new()),
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
    /// [`PoolStats::exhausted`]). Allocation-free; waits for another thread only as the
    /// module docs say.
    #[inline]
    pub fn take_slot(&self) -> Option<Slot> {
        let shared = self.shared;
        let hot = shared.hot.try_lock().and_then(|mut hot| hot.pop());
        // The last attempt, only when the queue is empty, waits for a stack another thread
        // holds, so a busy stack is never mistaken for an empty pool.
        let bytes = hot
            .or_else(|| shared.free.pop())
            .or_else(|| shared.hot.lock().pop());
        match bytes {
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
        self.shared.hot.lock().len() + self.shared.free.len()
    }

    /// Slots taken and not yet returned.
    pub fn in_flight(&self) -> usize {
        self.shared.capacity - self.free()
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
        // the pool: onto the stack if it is free and has room, else into the queue, which
        // has room for every slot of the pool, so that push cannot fail.
        let mut bytes = mem::take(&mut self.bytes);
        if let Some(mut hot) = self.pool.hot.try_lock() {
            match hot.try_push(bytes) {
                Ok(()) => return,
                Err(full) => bytes = full.element(),
            }
        }
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
        // 256 bytes are four cache lines: slots lie five lines apart.
        assert_eq!(stride(256), 320);
        assert_eq!(len, 8 * 320);
        let slots: alloc::vec::Vec<Slot> = (0..8).map(|_| pool.take_slot().unwrap()).collect();
        for s in &slots {
            assert_eq!(s.len(), 256);
            assert!(s.addr() >= start && s.addr() + s.len() <= start + len);
            assert_eq!((s.addr() - start) % 320, 0);
        }
    }

    #[test]
    fn the_slot_freed_last_is_taken_first() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let a = pool.take_slot().unwrap();
        let b = pool.take_slot().unwrap();
        let (a_addr, b_addr) = (a.addr(), b.addr());
        drop(a);
        drop(b);
        assert_eq!(pool.take_slot().unwrap().addr(), b_addr);
        // That slot went back when the temporary dropped: it comes out again, then `a`.
        let again = pool.take_slot().unwrap();
        assert_eq!(again.addr(), b_addr);
        assert_eq!(pool.take_slot().unwrap().addr(), a_addr);
    }

    #[test]
    fn slots_beyond_the_stack_go_back_to_the_queue() {
        let n = HOT_SLOTS * 3;
        let pool = Pool::new(PoolConfig::with_slots(n)).unwrap();
        let held: alloc::vec::Vec<Slot> = (0..n).map(|_| pool.take_slot().unwrap()).collect();
        assert!(pool.take_slot().is_none());
        assert_eq!(pool.free(), 0);
        drop(held);
        assert_eq!(pool.free(), n);
        let again: alloc::vec::Vec<Slot> = (0..n).map(|_| pool.take_slot().unwrap()).collect();
        let mut addrs: alloc::vec::Vec<usize> = again.iter().map(Slot::addr).collect();
        addrs.sort_unstable();
        addrs.dedup();
        assert_eq!(addrs.len(), n, "every slot comes out exactly once");
    }

    #[test]
    fn strides_are_an_odd_number_of_cache_lines() {
        assert_eq!(stride(2048), 2112);
        assert_eq!(stride(1984), 1984);
        assert_eq!(stride(2000), 2048 + 64);
        assert_eq!(stride(1), 64);
        assert_eq!(stride(100), 192);
        for size in 1..5000 {
            let s = stride(size);
            assert!(s >= size && s % 64 == 0 && (s / 64) % 2 == 1, "{size}");
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
