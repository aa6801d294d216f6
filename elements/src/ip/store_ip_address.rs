//! `StoreIPAddress`: writes the destination IP annotation, or a fixed address, into the
//! packet at an offset, or into the IP header's source or destination field with the
//! checksums updated.

use alloc::format;

use crate::element::args::FromArg;
use crate::element::args::{Args, ConfigError};
use crate::element::values::{Raw, Word};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, PortRange, Processing,
    ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum::{fold, update_u16};
use crate::wire::ipv4::{protocol, Ipv4Packet, HEADER_LEN as IP_HEADER_LEN};
use crate::wire::{tcp, udp, Ipv4Address};

/// Where the address goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// At this byte offset from the data start; no checksum changes.
    Offset(u32),
    /// Into the IP header's source address field, checksums updated.
    Src,
    /// Into the IP header's destination address field, checksums updated.
    Dst,
}

/// Stores an IP address into the packet.
///
/// # Synopsis
///
/// ```text
/// StoreIPAddress(OFFSET)
/// StoreIPAddress(ADDR, OFFSET)
/// ```
///
/// # Ports
///
/// One input; one or two outputs.
///
/// # Processing
///
/// Agnostic input and output 0; output 1 pushes.
///
/// # Description
///
/// The one-argument form writes the destination IP address annotation into the packet at
/// byte offset `OFFSET`; if the annotation is zero the packet passes unchanged. The
/// two-argument form writes `ADDR` (which may be zero) there.
///
/// `OFFSET` may also be `src` or `dst` (any case): the address then goes into the source or
/// destination field of the packet's IP header (the packet needs a network header of at
/// least 20 bytes), and the IP checksum is updated incrementally, as are the TCP checksum
/// and a nonzero UDP checksum of a first fragment whose transport header is complete. In
/// this form the address is stored even when the annotation is zero, as Click does.
///
/// A packet whose `OFFSET` + 4 lies beyond its end (or, for `src`/`dst`, that has no IP
/// header) leaves on output 1 if there is one, and is dropped otherwise. Numeric offsets
/// change no checksum.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap) -> Strip(14) -> MarkIPHeader
///     -> StoreIPAddress(10.0.0.1, src) -> Discard;
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// SetIPAddress, SetIPChecksum, SetTCPChecksum, SetUDPChecksum, IPAddrRewriter.
#[derive(Debug)]
pub struct StoreIPAddress {
    address: Option<Ipv4Address>,
    target: Target,
}

impl StoreIPAddress {
    /// Stores the address; `Err` gives the packet back for output 1.
    fn action(&self, p: Packet, cx: &mut Context<'_>) -> Result<Option<Packet>, Packet> {
        let addr = self.address.unwrap_or(p.anno().dst_ip);
        match self.target {
            Target::Offset(off) => {
                let off = off as usize;
                let fits = off.checked_add(4).is_some_and(|end| end <= p.len());
                if !(fits && (self.address.is_some() || !addr.is_unspecified())) {
                    return Err(p);
                }
                let Ok(mut q) = p.make_unique(cx.pool()) else {
                    return Ok(None);
                };
                q.data_mut()[off..off + 4].copy_from_slice(&addr.octets());
                Ok(Some(q.into()))
            }
            Target::Src | Target::Dst => {
                if p.network_header_length().is_none_or(|l| l < IP_HEADER_LEN) {
                    return Err(p);
                }
                let Ok(mut q) = p.make_unique(cx.pool()) else {
                    return Ok(None);
                };
                let Some(nh) = q.network_header_mut() else {
                    return Ok(Some(q.into()));
                };
                let mut ip = Ipv4Packet::new_unchecked(nh);
                let old = if self.target == Target::Src {
                    ip.src_addr()
                } else {
                    ip.dst_addr()
                };
                let (old_hw, new_hw) = (halfword_sum(old), halfword_sum(addr));
                if self.target == Target::Src {
                    ip.set_src_addr(addr);
                } else {
                    ip.set_dst_addr(addr);
                }
                let sum = ip.checksum();
                ip.set_checksum(update_u16(sum, old_hw, new_hw));
                let first_frag = ip.frag_offset_units() == 0;
                let proto = ip.protocol();
                if first_frag {
                    if let Some(th) = q.transport_header_mut() {
                        update_transport(proto, th, old_hw, new_hw);
                    }
                }
                Ok(Some(q.into()))
            }
        }
    }
}

/// The folded sum of an address's two 16-bit halves, as Click computes `old_hw`/`new_hw`.
fn halfword_sum(a: Ipv4Address) -> u16 {
    let v = a.to_u32();
    fold(u64::from(v >> 16) + u64::from(v & 0xFFFF))
}

/// Updates the TCP checksum, or a nonzero UDP checksum, in `th` for an address change.
fn update_transport(proto: u8, th: &mut [u8], old_hw: u16, new_hw: u16) {
    let range = match proto {
        protocol::TCP if th.len() >= tcp::HEADER_LEN => 16..18,
        protocol::UDP if th.len() >= udp::HEADER_LEN => 6..8,
        _ => return,
    };
    let field = &mut th[range];
    let sum = u16::from_be_bytes([field[0], field[1]]);
    if proto == protocol::UDP && sum == 0 {
        return;
    }
    field.copy_from_slice(&update_u16(sum, old_hw, new_hw).to_be_bytes());
}

impl Element for StoreIPAddress {
    const CLASS: &'static str = "StoreIPAddress";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        // Click reads ADDR only when there are two arguments; both are positional.
        let first = args
            .positional::<Raw>("ADDR")
            .map(|r| (r.0, args.last_span()));
        let second = args
            .positional::<Word>("OFFSET")
            .map(|w| (w.0, args.last_span()));
        let (address, offset) = match (first, second) {
            (Some((a, a_span)), Some(off)) => {
                let names = args.names();
                let address = match Ipv4Address::from_arg(&a, names) {
                    Ok(addr) => addr,
                    Err(e) => {
                        args.error(a_span, format!("ADDR: {e}"));
                        Ipv4Address::UNSPECIFIED
                    }
                };
                (Some(address), Some(off))
            }
            (Some(only), None) => (None, Some(only)),
            (None, off) => (None, off),
        };
        let target = match offset {
            None => {
                let span = args.span();
                args.error(span, "missing mandatory OFFSET argument");
                Target::Offset(0)
            }
            Some((offset, span)) => match offset.to_ascii_lowercase().as_str() {
                "src" => Target::Src,
                "dst" => Target::Dst,
                _ => match offset.parse::<u32>() {
                    Ok(v) if v <= i32::MAX as u32 => Target::Offset(v),
                    _ => {
                        args.error(span, "type mismatch: OFFSET requires integer");
                        Target::Offset(0)
                    }
                },
            },
        };
        args.finish()?;
        Ok(StoreIPAddress { address, target })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match self.action(p, cx) {
            Ok(Some(p)) => out.push(0, p, cx),
            Ok(None) => {}
            Err(p) => out.push(1, p, cx),
        }
    }

    #[inline]
    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        _: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = ports.pull(0, cx)?;
        match self.action(p, cx) {
            Ok(p) => p,
            Err(p) => {
                ports.push(1, p, cx);
                None
            }
        }
    }
}

impl Handlers for StoreIPAddress {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use crate::wire::checksum;
    use proptest::prelude::*;

    const P: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    /// A UDP/IP packet 10.0.0.1:1234 -> 10.0.0.2:53 with payload "hi", checksums set.
    fn udp_packet() -> Vec<u8> {
        let mut v = vec![
            0x45, 0, 0, 30, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0, 53,
            0, 10, 0, 0, b'h', b'i',
        ];
        let c = checksum::checksum(&v[..20]);
        v[10..12].copy_from_slice(&c.to_be_bytes());
        let c = checksum::transport_checksum_v4(
            Ipv4Address::new(10, 0, 0, 1),
            Ipv4Address::new(10, 0, 0, 2),
            17,
            &v[20..],
        );
        v[26..28].copy_from_slice(&c.to_be_bytes());
        v
    }

    fn run(config: &str, data: &[u8], dst: Ipv4Address, mark: bool) -> (Collect, Pool) {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: StoreIPAddress = configure(config, P).unwrap();
        let mut p: Packet = pool.packet(data).unwrap().into();
        p.anno_mut().dst_ip = dst;
        if mark {
            p.set_network_header(0, 20).unwrap();
        }
        let mut out = Collect::new();
        e.push(0, p, &mut out, &mut cx);
        (out, pool)
    }

    #[test]
    fn configuration() {
        let e: StoreIPAddress = configure("4", P).unwrap();
        assert_eq!((e.address, e.target), (None, Target::Offset(4)));
        let e: StoreIPAddress = configure("1.2.3.4, SRC", P).unwrap();
        assert_eq!(
            (e.address, e.target),
            (Some(Ipv4Address::new(1, 2, 3, 4)), Target::Src)
        );
        let e: StoreIPAddress = configure("dst", P).unwrap();
        assert_eq!(e.target, Target::Dst);
        let err = configure::<StoreIPAddress>("x", P).unwrap_err();
        assert_eq!(
            err.errors[0].message,
            "type mismatch: OFFSET requires integer"
        );
        assert_eq!(err.errors[0].span.start, 0);
        assert!(configure::<StoreIPAddress>("-1", P).is_err());
        assert!(configure::<StoreIPAddress>("", P).is_err());
        assert!(configure::<StoreIPAddress>("1.2.3.4, 5, 6", P).is_err());
        let err = configure::<StoreIPAddress>("bogus, 5", P).unwrap_err();
        assert!(err.errors[0].message.starts_with("ADDR"));
    }

    #[test]
    fn offset_form_writes_annotation_or_address() {
        let data = [0u8; 10];
        let (out, pool) = run("2", &data, Ipv4Address::new(9, 8, 7, 6), false);
        assert_eq!(out.port(0)[0].data(), &[0, 0, 9, 8, 7, 6, 0, 0, 0, 0]);
        drop(out);
        // A zero annotation leaves the packet alone (and it goes out of output 1).
        let (out, _) = run("2", &data, Ipv4Address::UNSPECIFIED, false);
        assert_eq!((out.count(0), out.count(1)), (0, 1));
        assert_eq!(out.port(1)[0].data(), &data);
        drop(out);
        // A given zero address is written.
        let (out, _) = run("0.0.0.0, 6", &[0xff; 10], Ipv4Address::UNSPECIFIED, false);
        assert_eq!(
            out.port(0)[0].data(),
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]
        );
        drop(out);
        // Out of range.
        let (out, _) = run("1.1.1.1, 7", &data, Ipv4Address::UNSPECIFIED, false);
        assert_eq!((out.count(0), out.count(1)), (0, 1));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn src_and_dst_update_checksums() {
        let data = udp_packet();
        let (out, pool) = run("192.168.5.9, src", &data, Ipv4Address::UNSPECIFIED, true);
        let q = out.port(0)[0].data().to_vec();
        assert_eq!(&q[12..16], &[192, 168, 5, 9]);
        assert!(checksum::verify(&q[..20]));
        let mut want = udp_packet();
        want[12..16].copy_from_slice(&[192, 168, 5, 9]);
        want[10..12].fill(0);
        let c = checksum::checksum(&want[..20]);
        want[10..12].copy_from_slice(&c.to_be_bytes());
        want[26..28].fill(0);
        let c = checksum::transport_checksum_v4(
            Ipv4Address::new(192, 168, 5, 9),
            Ipv4Address::new(10, 0, 0, 2),
            17,
            &want[20..],
        );
        want[26..28].copy_from_slice(&c.to_be_bytes());
        assert_eq!(q, want);
        drop(out);

        // dst form with the annotation; zero UDP checksum stays zero.
        let mut data = udp_packet();
        data[26..28].fill(0);
        let (out, _) = run("dst", &data, Ipv4Address::new(172, 16, 0, 1), true);
        let q = out.port(0)[0].data();
        assert_eq!(&q[16..20], &[172, 16, 0, 1]);
        assert!(checksum::verify(&q[..20]));
        assert_eq!(&q[26..28], &[0, 0]);
        drop(out);

        // No network header: output 1.
        let (out, _) = run(
            "1.1.1.1, dst",
            &udp_packet(),
            Ipv4Address::UNSPECIFIED,
            false,
        );
        assert_eq!((out.count(0), out.count(1)), (0, 1));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn tcp_checksum_follows_and_pull_works() {
        let mut v = vec![0u8; 40];
        v[..20].copy_from_slice(&[
            0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        v[20..24].copy_from_slice(&[0x30, 0x39, 0, 80]);
        v[32] = 0x50;
        let c = checksum::checksum(&v[..20]);
        v[10..12].copy_from_slice(&c.to_be_bytes());
        let c = checksum::transport_checksum_v4(
            Ipv4Address::new(10, 0, 0, 1),
            Ipv4Address::new(10, 0, 0, 2),
            6,
            &v[20..],
        );
        v[36..38].copy_from_slice(&c.to_be_bytes());
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: StoreIPAddress = configure("8.8.4.4, dst", P).unwrap();
        let mut feed = Feed::new();
        let mut p: Packet = pool.packet(&v).unwrap().into();
        p.set_network_header(0, 20).unwrap();
        feed.add(0, p);
        feed.add(0, pool.packet(&v).unwrap().into());
        let q = e.pull(0, &mut feed, &mut cx).unwrap();
        assert!(checksum::verify(&q.data()[..20]));
        let ok = checksum::transport_checksum_v4(
            Ipv4Address::new(10, 0, 0, 1),
            Ipv4Address::new(8, 8, 4, 4),
            6,
            &{
                let mut t = q.data()[20..].to_vec();
                t[16..18].fill(0);
                t
            },
        );
        assert_eq!(&q.data()[36..38], &ok.to_be_bytes());
        // The unmarked one goes to output 1 while being pulled.
        assert!(e.pull(0, &mut feed, &mut cx).is_none());
        assert_eq!(feed.pushed.count(1), 1);
        drop((q, feed));
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..80),
                        off in 0usize..80, mark in any::<bool>(), which in 0u8..3) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let config = match which {
                0 => format!("{off}"),
                1 => "1.2.3.4, src".into(),
                _ => "dst".into(),
            };
            let mut e: StoreIPAddress = configure(&config, P).unwrap();
            let mut p: Packet = pool.packet(&data).unwrap().into();
            p.anno_mut().dst_ip = Ipv4Address::new(1, 1, 1, 1);
            if mark {
                let _ = p.set_network_header(0, 20.min(data.len()));
            }
            let mut out = Collect::new();
            e.push(0, p, &mut out, &mut cx);
            prop_assert_eq!(out.total(), 1);
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
