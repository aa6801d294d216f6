//! Fixed-size header reads and writes at the data start, the way Click's header casts see
//! a packet: bytes past the end of the data come from the buffer's tailroom.
//!
//! Click's Ethernet and VLAN elements cast `p->data()` to a header struct without checking
//! the packet's length, so a 14-byte frame tagged `0x8100` has its TCI read from the two
//! bytes after the data, and VLANEncap on a 10-byte packet writes its tag past the new end.
//! The corpus (`11-vlan`) shows those bytes. These helpers do the same within the packet's
//! buffer, memory-safely: bytes past the end of the buffer read as zero and writes to them
//! are dropped.

use crate::packet::{Packet, Storage, WritablePacket};

/// The `N` bytes at `offset` from the data start of `p`, read from the buffer even past the
/// end of the data; bytes past the end of the buffer read as zero.
pub(crate) fn read<B: Storage, const N: usize>(p: &Packet<B>, offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    let start = p.headroom().saturating_add(offset);
    let buffer = p.buffer();
    if let Some(avail) = buffer.get(start..) {
        let n = avail.len().min(N);
        out[..n].copy_from_slice(&avail[..n]);
    }
    out
}

/// Writes `bytes` at `offset` from the data start of `q`, into the buffer even past the end
/// of the data (the packet's length does not change); what falls past the end of the buffer
/// is dropped.
pub(crate) fn write(q: &mut WritablePacket, offset: usize, bytes: &[u8]) {
    let start = q.headroom().saturating_add(offset);
    let buffer = q.buffer_mut();
    if let Some(room) = buffer.get_mut(start..) {
        let n = room.len().min(bytes.len());
        room[..n].copy_from_slice(&bytes[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{Pool, PoolConfig};

    #[test]
    fn reads_and_writes_past_the_data_end_within_the_buffer() {
        let pool = Pool::new(PoolConfig::with_slots(2)).unwrap();
        let mut q = pool.packet(&[1, 2, 3]).unwrap();
        write(&mut q, 2, &[9, 8, 7]);
        assert_eq!(q.data(), &[1, 2, 9]);
        let w: [u8; 5] = read(&q, 0);
        assert_eq!(w, [1, 2, 9, 8, 7]);
        // Far past the buffer: zeros, and writes vanish.
        let far: [u8; 4] = read(&q, 1 << 20);
        assert_eq!(far, [0; 4]);
        write(&mut q, 1 << 20, &[1]);
        let len = q.buffer().len();
        let edge: [u8; 4] = read(&q, len - q.headroom() - 2);
        assert_eq!(edge[2..], [0, 0]);
        drop(q);
        assert_eq!(pool.in_flight(), 0);
    }
}
