//! Test support for the rewriter family: hand-built IPv4 packets whose checksums are
//! computed from scratch (independently of the rewriters' incremental updates), and
//! pushing one packet through a rewriter.

use crate::element::testing::{configure, Collect};
use crate::element::{Context, Element, Ports};
use crate::packet::{Packet, Pool};
use crate::wire::checksum::checksum;
use alloc::vec::Vec;

/// An IPv4 header (ident 1, TTL 64) followed by `l4`, with the IP checksum and the
/// transport checksum (TCP/UDP over the pseudo-header, ICMP over the message) computed
/// from scratch.
pub(super) fn ip(src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8]) -> Vec<u8> {
    let len = u16::try_from(20 + l4.len()).unwrap().to_be_bytes();
    let mut v = alloc::vec![0x45, 0, len[0], len[1], 0, 1, 0, 0, 64, proto, 0, 0];
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    let c = checksum(&v);
    v[10..12].copy_from_slice(&c.to_be_bytes());
    let at = match proto {
        6 => 16,
        17 => 6,
        _ => 2,
    };
    let mut seg = l4.to_vec();
    seg[at..at + 2].copy_from_slice(&[0, 0]);
    let c = if proto == 1 {
        checksum(&seg)
    } else {
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&src);
        pseudo.extend_from_slice(&dst);
        pseudo.extend_from_slice(&[0, proto]);
        pseudo.extend_from_slice(&u16::try_from(seg.len()).unwrap().to_be_bytes());
        pseudo.extend_from_slice(&seg);
        checksum(&pseudo)
    };
    seg[at..at + 2].copy_from_slice(&c.to_be_bytes());
    v.extend_from_slice(&seg);
    v
}
/// `ip` behind an Ethernet header.
pub(super) fn frame(ip: &[u8]) -> Vec<u8> {
    let mut v = alloc::vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0];
    v.extend_from_slice(ip);
    v
}
/// `frame` in a packet with its network header marked, as CheckIPHeader leaves it.
pub(super) fn packet(pool: &Pool, frame: &[u8]) -> Packet {
    let mut p = pool.packet(frame).unwrap();
    p.set_network_header(14, 20).unwrap();
    p.into()
}
/// Pushes `frame` into `input` and returns the one packet that came out, with its port.
pub(super) fn push_one<E: Element>(
    rw: &mut E,
    input: usize,
    frame: &[u8],
    pool: &Pool,
    cx: &mut Context<'_>,
) -> (usize, Vec<u8>) {
    let mut out = Collect::new();
    rw.push(input, packet(pool, frame), &mut out, cx);
    assert_eq!(out.total(), 1, "exactly one packet out");
    let port = (0..out.ports.len()).find(|&i| out.count(i) == 1).unwrap();
    (port, out.port(port)[0].data().to_vec())
}
/// A 20-byte TCP header (sequence 1, data offset 5, window 8192) with `flags`.
pub(super) fn tcp(sport: u16, dport: u16, flags: u8) -> Vec<u8> {
    let mut t = alloc::vec![0u8; 20];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[7] = 1;
    t[12] = 0x50;
    t[13] = flags;
    t[14] = 0x20;
    t
}
/// A UDP header and the 4-byte payload `ping`.
pub(super) fn udp(sport: u16, dport: u16) -> Vec<u8> {
    let mut u = alloc::vec![0u8; 8];
    u[0..2].copy_from_slice(&sport.to_be_bytes());
    u[2..4].copy_from_slice(&dport.to_be_bytes());
    u[4..6].copy_from_slice(&12u16.to_be_bytes());
    u.extend_from_slice(b"ping");
    u
}
/// A rewriter configured with `config` on two inputs and two outputs, initialized.
pub(super) fn setup<E: Element>(config: &str, cx: &mut Context<'_>) -> E {
    let mut rw: E = configure(
        config,
        Ports {
            inputs: 2,
            outputs: 2,
        },
    )
    .unwrap();
    rw.initialize(cx).unwrap();
    rw
}
/// An ICMP echo (`kind` 8) or echo reply (`kind` 0) with identifier `ident`, sequence 1.
pub(super) fn echo(kind: u8, ident: u16) -> Vec<u8> {
    let mut m = alloc::vec![kind, 0, 0, 0];
    m.extend_from_slice(&ident.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(b"ping");
    m
}
