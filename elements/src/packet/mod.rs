//! The zero-copy packet model: a pool of buffer slots, packets that own or share a slot,
//! typed annotations, and batches.
//!
//! # One slot per packet
//!
//! A [`Pool`] carves one contiguous region (a DMA region in the guest, a heap block on the
//! host) into fixed-size slots, an odd number of cache lines apart ([`pool::stride`]).
//! Taking a slot and giving it back go first to a small stack of the slots freed last (so a
//! busy path reuses slots still in the cache), else to a lock-free bounded queue: no
//! allocation, and a thread waits for another only in the rare case described in
//! [`pool`]. A [`Packet`] owns
//! one slot and moves through the elements by value; when the last owner drops it, the slot
//! goes back to its pool. [`Pool::in_flight`] counts slots that have not come back, so tests
//! and the guest can prove that nothing leaks.
//!
//! ```text
//!   slot (PoolConfig::slot_size bytes, e.g. 2048)
//!   +-------------------+------------------------------+------------------------+
//!   |     headroom      |             data             |        tailroom        |
//!   +-------------------+------------------------------+------------------------+
//!   ^ buffer start      ^ head (data()[0])             ^ tail                   ^ buffer end
//!                       |<----------- len() ---------->|
//!
//!   push_front(n): head -= n  (prepend a header: EtherEncap, VLANEncap, IPEncap)
//!   pull(n):       head += n  (strip a header: Strip, VLANDecap)
//!   put(n):        tail += n  (append bytes)
//!   take(n):       tail -= n  (trim: Truncate, CheckIPHeader's padding trim)
//! ```
//!
//! Every slot starts with [`PoolConfig::headroom`] bytes of headroom (128 by default), more
//! than Ethernet + two VLAN tags + IPv4 + UDP need (58 bytes), so encapsulating elements
//! prepend without copying. The network and transport header positions are kept as offsets
//! from the buffer start, as Click keeps pointers, so they survive `pull` and `push_front`.
//!
//! # Sharing and writing
//!
//! Duplicating a packet is explicit: [`Packet::share`] makes the slot shared (read-only) and
//! returns a second packet over the same bytes, as Click's `clone()` does for Tee and for
//! InfiniteSource's template. Annotations are per packet and always writable. Bytes are
//! writable only through a [`WritablePacket`], obtained with [`Packet::make_unique`], which
//! copies the buffer into a fresh slot when the slot is shared (Click's `uniqueify()`): the
//! `Packet`/`WritablePacket` split of Click, carried by types.

mod annotations;
mod batch;
mod buffer;
pub mod pool;

pub use annotations::{Annotations, PacketType, Timestamp};
pub use batch::{Batch, BATCH_CAPACITY};
pub use buffer::{Buffer, NoRoom, Packet, Storage, WritablePacket};
pub use pool::{Pool, PoolConfig, PoolStats, Slot};
