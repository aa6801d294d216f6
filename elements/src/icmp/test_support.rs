//! Test helpers for the ICMP and TCP/UDP groups: reading the click-diff corpus pcaps kept
//! in `testdata/` (copies of `shared/corpus/click-diff/` files) and marking IP headers.

use alloc::vec::Vec;

use crate::element::{Context, NoLog};
use crate::packet::{Packet, Pool, PoolConfig, Timestamp};

/// The frames of a pcap file (either timestamp precision, little-endian), in order.
pub(crate) fn pcap_frames(file: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= file.len() {
        let caplen = u32::from_le_bytes(file[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16;
        frames.push(file[at..at + caplen].to_vec());
        at += caplen;
    }
    frames
}

/// The IP part of an Ethernet frame (everything after the 14-byte header).
pub(crate) fn ip_of(frame: &[u8]) -> &[u8] {
    &frame[14..]
}

/// A packet holding `ip`, its network header marked at offset 0 with the IHL's length, as
/// MarkIPHeader leaves it.
pub(crate) fn ip_packet(pool: &Pool, ip: &[u8]) -> Packet {
    let mut p = pool.packet(ip).expect("pool has room");
    let hl = usize::from(ip.first().copied().unwrap_or(0x45) & 0x0f) * 4;
    p.set_network_header(0, hl.min(ip.len()))
        .expect("header fits");
    p.into()
}

/// A pool for tests.
pub(crate) fn pool() -> Pool {
    Pool::new(PoolConfig::with_slots(64)).expect("pool")
}

/// Runs `f` with a context on Click's simulated clock.
pub(crate) fn with_cx<R>(pool: Pool, f: impl FnOnce(&mut Context<'_>) -> R) -> R {
    let mut log = NoLog;
    let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
    f(&mut cx)
}
