//! Batches: up to [`BATCH_CAPACITY`] packets moved together, so devices notify once per
//! batch and elements pay one call per batch instead of one per packet (FastClick's lesson).

use arrayvec::ArrayVec;

use super::Packet;

/// How many packets a batch holds: a virtio ring's worth of work between notifications,
/// small enough that a batch's packets stay in L1.
pub const BATCH_CAPACITY: usize = 32;

/// A fixed-capacity, allocation-free group of packets.
#[derive(Default)]
pub struct Batch {
    packets: ArrayVec<Packet, BATCH_CAPACITY>,
}

impl Batch {
    /// An empty batch.
    #[inline]
    pub fn new() -> Self {
        Batch {
            packets: ArrayVec::new(),
        }
    }

    /// Number of packets.
    #[inline]
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// True if the batch holds no packet.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// True if no packet fits any more.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.packets.is_full()
    }

    /// Appends a packet, or gives it back if the batch is full.
    #[inline]
    pub fn push(&mut self, p: Packet) -> Result<(), Packet> {
        self.packets.try_push(p).map_err(|e| e.element())
    }

    /// Removes and returns the last packet.
    #[inline]
    pub fn pop(&mut self) -> Option<Packet> {
        self.packets.pop()
    }

    /// The packets, in order.
    #[inline]
    pub fn iter(&self) -> core::slice::Iter<'_, Packet> {
        self.packets.iter()
    }

    /// The packets, in order, mutable (annotations, `pull`, ...).
    #[inline]
    pub fn iter_mut(&mut self) -> core::slice::IterMut<'_, Packet> {
        self.packets.iter_mut()
    }

    /// Takes every packet out, in order, leaving the batch empty.
    #[inline]
    pub fn drain(&mut self) -> arrayvec::Drain<'_, Packet, BATCH_CAPACITY> {
        self.packets.drain(..)
    }

    /// Keeps the packets for which `keep` returns true, in order; the others are dropped
    /// (their slots go back to the pool).
    #[inline]
    pub fn retain(&mut self, keep: impl FnMut(&mut Packet) -> bool) {
        self.packets.retain(keep);
    }

    /// Drops every packet.
    #[inline]
    pub fn clear(&mut self) {
        self.packets.clear();
    }

    /// Total data bytes in the batch.
    pub fn byte_len(&self) -> usize {
        self.packets.iter().map(Packet::len).sum()
    }
}

impl core::fmt::Debug for Batch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.packets.iter()).finish()
    }
}

impl IntoIterator for Batch {
    type Item = Packet;
    type IntoIter = arrayvec::IntoIter<Packet, BATCH_CAPACITY>;

    fn into_iter(self) -> Self::IntoIter {
        self.packets.into_iter()
    }
}

impl Extend<Packet> for Batch {
    /// Appends packets until the batch is full; the rest are dropped.
    fn extend<I: IntoIterator<Item = Packet>>(&mut self, iter: I) {
        for p in iter {
            if self.push(p).is_err() {
                break;
            }
        }
    }
}
