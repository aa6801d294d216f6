//! `SetUDPChecksum`: computes and stores the UDP checksum.

use super::pseudo_header::transport_checksum;
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Level, Output, PortCount, PortRange,
    Processing, ProcessingSpec,
};
use crate::packet::{Packet, WritablePacket};
use crate::wire::ipv4::{self, Ipv4Packet};
use crate::wire::udp::{self, UdpPacket};

/// Sets the UDP checksum of UDP/IP packets.
///
/// # Synopsis
///
/// ```text
/// SetUDPChecksum()
/// ```
///
/// # Ports
///
/// One input, one or two outputs.
///
/// # Processing
///
/// Agnostic input and output 0; output 1 is push.
///
/// # Description
///
/// Expects UDP/IP packets whose network header is marked (the protocol is not checked).
/// Computes the UDP checksum over the UDP length (the pseudo-header's destination is the
/// last hop of a source route option, if any) and stores it, even when the datagram had
/// no checksum (0). A UDP length below 8 is used as it is, as Click does.
///
/// IP fragments, and packets with fewer than 8 bytes after the IP header or fewer than the
/// UDP length, leave unchanged on output 1; with no output 1 they are dropped, and the first
/// one is reported (`fragment or short packet`).
///
/// # Example
///
/// ```text
/// su :: SetUDPChecksum;
/// // IPv4/UDP packets with a wrong UDP checksum (12 34)
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 12 34 70 69 6e 67>, LIMIT 3, STOP true)
///     -> MarkIPHeader -> su -> CheckUDPHeader -> c :: Counter -> Discard;   // c.count is 3
/// su[1] -> unfixable :: Counter -> Discard;   // not UDP, fragments, truncated
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// CheckUDPHeader, SetIPChecksum, CheckIPHeader, SetTCPChecksum.
#[derive(Debug)]
pub struct SetUDPChecksum {
    name: alloc::string::String,
    outputs: usize,
    warned: bool,
}

impl SetUDPChecksum {
    /// The packet with its checksum set (`Ok`), or unchanged for output 1 (`Err`). `None`
    /// inside `Ok` when the pool could not make a shared packet writable.
    fn fix(p: Packet, cx: &Context<'_>) -> Result<Option<Packet>, Packet> {
        if !Self::fixable(&p) {
            return Err(p);
        }
        let Ok(mut q) = p.make_unique(cx.pool()) else {
            return Ok(None);
        };
        Self::set_checksum(&mut q);
        Ok(Some(q.into()))
    }

    /// Click's test: not a fragment, at least 8 bytes of UDP, and the UDP length present.
    fn fixable(p: &Packet) -> bool {
        let (Some(net), Some(datagram)) = (p.network_header(), p.transport_header()) else {
            return false;
        };
        net.len() >= ipv4::HEADER_LEN
            // An IHL under 5 (MarkIPHeader trusts it) leaves no addresses to checksum.
            && Ipv4Packet::new_unchecked(net).header_len() >= ipv4::HEADER_LEN
            && !Ipv4Packet::new_unchecked(net).is_fragment()
            && datagram.len() >= udp::HEADER_LEN
            && usize::from(UdpPacket::new_unchecked(datagram).len()) <= datagram.len()
    }

    /// Stores the checksum of a packet `fixable` accepted.
    fn set_checksum(q: &mut WritablePacket) {
        let Some(header_len) = q
            .network_header()
            .map(|net| Ipv4Packet::new_unchecked(net).header_len())
        else {
            return;
        };
        let Some(net) = q.network_header_mut() else {
            return;
        };
        let (ip_bytes, datagram) = net.split_at_mut(header_len.min(net.len()));
        if datagram.len() < udp::HEADER_LEN {
            return;
        }
        let len = usize::from(UdpPacket::new_unchecked(&*datagram).len());
        UdpPacket::new_unchecked(&mut *datagram).set_checksum(0);
        let Some(covered) = datagram.get(..len) else {
            return;
        };
        let sum = transport_checksum(&Ipv4Packet::new_unchecked(&*ip_bytes), covered);
        UdpPacket::new_unchecked(datagram).set_checksum(sum);
    }

    fn unfixable<O: Output + ?Sized>(&mut self, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if self.outputs == 2 {
            out.push(1, p, cx);
        } else {
            self.warn(cx);
        }
    }

    fn warn(&mut self, cx: &mut Context<'_>) {
        if !self.warned {
            self.warned = true;
            cx.log(
                Level::Warning,
                &self.name,
                format_args!("fragment or short packet"),
            );
        }
    }
}

impl Element for SetUDPChecksum {
    const CLASS: &'static str = "SetUDPChecksum";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(SetUDPChecksum {
            name: alloc::string::String::from(cx.name),
            outputs: cx.ports.outputs,
            warned: false,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match Self::fix(p, cx) {
            Ok(Some(q)) => out.push(0, q, cx),
            Ok(None) => {}
            Err(p) => self.unfixable(p, out, cx),
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
        match Self::fix(p, cx) {
            Ok(q) => q,
            Err(p) => {
                self.unfixable(p, ports, cx);
                None
            }
        }
    }
}

impl Handlers for SetUDPChecksum {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_packet, pool};
    use crate::packet::Timestamp;

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    fn udp_ip(ulen: u16, flags_frag: u16) -> alloc::vec::Vec<u8> {
        let mut ip = alloc::vec![
            0x45, 0, 0, 31, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2,
        ];
        ip[6..8].copy_from_slice(&flags_frag.to_be_bytes());
        ip.extend_from_slice(&ulen.to_be_bytes());
        ip.extend_from_slice(&[0, 0, 1, 2, 3]);
        ip
    }

    #[test]
    fn sets_checksum_and_sends_unfixable_to_output_1() {
        let pool = pool();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut two: SetUDPChecksum = configure("", ports(2)).unwrap();
        let mut out = Collect::new();
        two.push(0, ip_packet(&pool, &udp_ip(11, 0)), &mut out, &mut cx);
        two.push(0, ip_packet(&pool, &udp_ip(12, 0)), &mut out, &mut cx);
        two.push(0, ip_packet(&pool, &udp_ip(11, 0x2000)), &mut out, &mut cx);
        assert_eq!((out.count(0), out.count(1)), (1, 2));
        let p = out.port(0)[0].data();
        assert_eq!(
            transport_checksum(&Ipv4Packet::new_unchecked(p), &p[20..]),
            0
        );
        let mut one: SetUDPChecksum = configure("", ports(1)).unwrap();
        one.push(0, ip_packet(&pool, &udp_ip(12, 0)), &mut out, &mut cx);
        let mut feed = Feed::new();
        feed.add(0, ip_packet(&pool, &udp_ip(11, 0x0001)));
        assert!(one.pull(0, &mut feed, &mut cx).is_none());
        assert_eq!(out.total(), 3);
        drop((out, cx));
        assert_eq!(log.messages.len(), 1);
        assert!(log.messages[0].1.ends_with("fragment or short packet"));
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<SetUDPChecksum>("1", ports(1)).is_err());
    }
}
