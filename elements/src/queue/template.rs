//! The template packet of Click's sources (InfiniteSource, RatedSource, TimedSource): one
//! packet built from `DATA` (and `LENGTH`), whose slot is shared by every packet the source
//! emits, as Click's sources emit `_packet->clone()`. Bytes are copied only when a later
//! element writes to its copy.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::packet::{Packet, Pool, Timestamp};

/// Click's default source payload.
pub(crate) const DEFAULT_DATA: &[u8] =
    b"Random bullshit in a packet, at least 64 bytes long. Well, now it is.";

/// A source's payload and its shared template packet, built lazily from the pool.
#[derive(Debug)]
pub(crate) struct Template {
    data: Vec<u8>,
    /// Click's `LENGTH`/`DATASIZE`: negative means "the length of DATA".
    length: i32,
    packet: Option<Packet>,
    misses: u64,
}

impl Template {
    /// A template of `data`, `length` bytes long (negative: `data`'s length).
    pub(crate) fn new(data: Vec<u8>, length: i32) -> Self {
        Template {
            data,
            length,
            packet: None,
            misses: 0,
        }
    }

    /// The `DATA` bytes.
    pub(crate) fn data(&self) -> &[u8] {
        &self.data
    }

    /// The `LENGTH` setting (-1 if unset).
    pub(crate) fn length(&self) -> i32 {
        self.length
    }

    /// Replaces `DATA`; the template is rebuilt on next use.
    pub(crate) fn set_data(&mut self, data: Vec<u8>) {
        self.data = data;
        self.packet = None;
    }

    /// Replaces `LENGTH`; the template is rebuilt on next use.
    pub(crate) fn set_length(&mut self, length: i32) {
        self.length = length;
        self.packet = None;
    }

    /// Times a packet could not be emitted because the template could not be built (the
    /// pool was empty, or the packet does not fit a slot).
    pub(crate) fn misses(&self) -> u64 {
        self.misses
    }

    /// The length of the packets: `LENGTH` if set, else the length of `DATA`.
    fn packet_len(&self) -> usize {
        usize::try_from(self.length).unwrap_or(self.data.len())
    }

    /// Checks that the packet fits one of `pool`'s slots after its headroom.
    pub(crate) fn check_fits(&self, pool: &Pool) -> Result<(), String> {
        let room = pool.slot_size().saturating_sub(pool.headroom());
        let len = self.packet_len();
        if len > room {
            return Err(format!(
                "packet data of {len} bytes does not fit a packet buffer ({room} bytes)"
            ));
        }
        Ok(())
    }

    /// Builds the template if needed: `DATA` cut to `LENGTH`, or repeated to fill it (Click
    /// repeats the data; empty data, on which Click would loop forever, gives zero bytes).
    fn build(&mut self, pool: &Pool) -> bool {
        if self.packet.is_some() {
            return true;
        }
        let Some(mut w) = pool.make(self.packet_len()) else {
            return false;
        };
        let data = &self.data;
        if data.is_empty() {
            w.data_mut().fill(0);
        } else {
            for (b, d) in w.data_mut().iter_mut().zip(data.iter().cycle()) {
                *b = *d;
            }
        }
        // Share once now, so that every emitted copy is a cheap `clone_shared`.
        let (keep, spare) = Packet::from(w).share();
        drop(spare);
        self.packet = Some(keep);
        true
    }

    /// A copy of the template for emission, with its timestamp annotation set to `stamp` if
    /// given, or `None` (counted) if the template cannot be built.
    #[inline]
    pub(crate) fn emit(&mut self, pool: &Pool, stamp: Option<Timestamp>) -> Option<Packet> {
        if self.packet.is_none() && !self.build(pool) {
            self.misses += 1;
            return None;
        }
        let mut p = self.packet.as_ref()?.clone_shared()?;
        if let Some(now) = stamp {
            p.anno_mut().timestamp = now;
        }
        Some(p)
    }

    /// Frees the template packet (Click's cleanup).
    pub(crate) fn release(&mut self) {
        self.packet = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::PoolConfig;

    #[test]
    fn copies_share_one_slot_and_cut_or_repeat_data() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut t = Template::new(b"abc".to_vec(), -1);
        let a = t.emit(&pool, Some(Timestamp::SIMULATED_EPOCH)).unwrap();
        let b = t.emit(&pool, None).unwrap();
        assert_eq!((a.data(), b.data()), (&b"abc"[..], &b"abc"[..]));
        assert!(a.is_shared() && b.is_shared());
        assert_eq!(a.anno().timestamp, Timestamp::SIMULATED_EPOCH);
        assert_eq!(b.anno().timestamp, Timestamp::default());
        assert_eq!(pool.in_flight(), 1);
        t.set_length(8);
        assert_eq!(t.emit(&pool, None).unwrap().data(), b"abcabcab");
        t.set_length(2);
        assert_eq!(t.emit(&pool, None).unwrap().data(), b"ab");
        t.set_data(Vec::new());
        t.set_length(3);
        assert_eq!(t.emit(&pool, None).unwrap().data(), [0, 0, 0]);
        drop((a, b));
        t.release();
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn misses_when_the_pool_is_empty_or_too_small() {
        let pool = Pool::new(PoolConfig::with_slots(1)).unwrap();
        let hog = pool.make(1).unwrap();
        let mut t = Template::new(b"x".to_vec(), -1);
        assert!(t.emit(&pool, None).is_none());
        assert_eq!(t.misses(), 1);
        drop(hog);
        assert!(t.emit(&pool, None).is_some());
        let mut big = Template::new(b"x".to_vec(), 100_000);
        assert!(big.check_fits(&pool).is_err());
        assert!(big.emit(&pool, None).is_none());
        assert!(t.check_fits(&pool).is_ok());
        drop(t);
        assert_eq!(pool.in_flight(), 0);
    }
}
