//! `CheckUDPHeader`: checks the length and checksum of UDP datagrams.

use alloc::string::String;

use super::header_check::{self, HeaderCheck};
use super::pseudo_header::transport_checksum;
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, Input,
    Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ipv4::{self, protocol, Ipv4Packet};
use crate::wire::udp::{self, UdpPacket};

/// Why a packet failed, in Click's order and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    NotUdp = 0,
    BadLength = 1,
    BadChecksum = 2,
}

const REASON_TEXTS: [&str; 3] = ["not UDP", "bad packet length", "bad UDP checksum"];

/// Checks the UDP header of UDP/IP packets.
///
/// # Synopsis
///
/// ```text
/// CheckUDPHeader([VERBOSE, DETAILS])
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
/// Expects IP packets whose network header is marked. Passes a UDP datagram on output 0 if
/// its UDP length is at least 8 and the packet holds that many bytes after the IP header
/// (Click compares with the packet's length, not with the IP total length), and, unless
/// the checksum field is 0 (no checksum), the checksum over the UDP length is valid (the
/// pseudo-header's destination is the last hop of a source route option, if any). Other
/// packets are counted and leave on output 1, or are dropped if there is no output 1.
///
/// The first failure is reported as a warning; with `VERBOSE true`, every one is. With
/// `DETAILS true` the element counts failures by reason for `drop_details`.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets from 192.0.2.10 to 198.51.100.20
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> ipc :: IPClassifier(udp, -);
/// ipc[0] -> c :: CheckUDPHeader -> ok :: Counter -> Discard;   // ok.count is 3
/// c[1] -> bad :: Counter -> Discard;   // truncated or bad checksum
/// ipc[1] -> Discard;
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets that failed the check.
/// - `drop_details` (read, only with `DETAILS true`): one line per reason, the count, a tab
///   and the reason (`not UDP`, `bad packet length`, `bad UDP checksum`).
///
/// # See also
///
/// CheckIPHeader, CheckTCPHeader, CheckICMPHeader, MarkIPHeader, SetUDPChecksum.
#[derive(Debug)]
pub struct CheckUDPHeader {
    check: HeaderCheck,
}

impl CheckUDPHeader {
    /// Checks `p` as Click's `CheckUDPHeader::simple_action`.
    fn check(p: &Packet) -> Result<(), Reason> {
        let net = p.network_header().ok_or(Reason::NotUdp)?;
        let ip = match net.get(9) {
            Some(&protocol::UDP) if net.len() >= ipv4::HEADER_LEN => Ipv4Packet::new_unchecked(net),
            Some(&protocol::UDP) => return Err(Reason::BadLength),
            _ => return Err(Reason::NotUdp),
        };
        let datagram = p.transport_header().ok_or(Reason::BadLength)?;
        if datagram.len() < udp::HEADER_LEN {
            return Err(Reason::BadLength);
        }
        let udph = UdpPacket::new_unchecked(datagram);
        let len = usize::from(udph.len());
        // Click: the packet must hold network offset + IP header + UDP length.
        let needed =
            ip.header_len() as isize + len as isize + p.network_header_offset().unwrap_or(0);
        if len < udp::HEADER_LEN || (p.len() as isize) < needed {
            return Err(Reason::BadLength);
        }
        if udph.checksum() != 0 {
            let datagram = datagram.get(..len).ok_or(Reason::BadLength)?;
            if transport_checksum(&ip, datagram) != 0 {
                return Err(Reason::BadChecksum);
            }
        }
        Ok(())
    }
}

impl Element for CheckUDPHeader {
    const CLASS: &'static str = "CheckUDPHeader";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let check = HeaderCheck::configure(&mut args, cx, "UDP", &REASON_TEXTS);
        args.finish()?;
        Ok(CheckUDPHeader { check })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let verdict = Self::check(&p).map_err(|r| r as usize);
        self.check.route(verdict, p, out, cx);
    }

    #[inline]
    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        _: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = ports.pull(0, cx)?;
        let verdict = Self::check(&p).map_err(|r| r as usize);
        self.check.route_pulled(verdict, p, ports, cx)
    }
}

impl Handlers for CheckUDPHeader {
    const HANDLERS: &'static [HandlerSpec] = header_check::HANDLERS;

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        self.check.read_handler(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_packet, pool, with_cx};

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    /// UDP 10.0.0.1:1 -> 10.0.0.2:2, 3 payload bytes, UDP length `ulen`, checksum `sum`.
    fn udp_ip(ulen: u16, sum: u16) -> alloc::vec::Vec<u8> {
        let mut ip = alloc::vec![
            0x45, 0, 0, 31, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2,
        ];
        ip.extend_from_slice(&ulen.to_be_bytes());
        ip.extend_from_slice(&sum.to_be_bytes());
        ip.extend_from_slice(&[1, 2, 3]);
        ip
    }

    #[test]
    fn zero_checksum_lengths_and_details() {
        let good_sum = {
            let ip = udp_ip(11, 0);
            transport_checksum(&Ipv4Packet::new_unchecked(&ip[..]), &ip[20..])
        };
        let pool = pool();
        let mut e: CheckUDPHeader = configure("DETAILS true, VERBOSE false", ports(2)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            for ip in [
                udp_ip(11, 0),
                udp_ip(11, good_sum),
                udp_ip(11, good_sum ^ 1),
                udp_ip(7, 0),
                udp_ip(12, 0),
            ] {
                e.push(0, ip_packet(&pool, &ip), &mut out, cx);
            }
            // Pull drops a bad one.
            let mut feed = Feed::new();
            feed.add(0, ip_packet(&pool, &udp_ip(12, 0)));
            assert!(e.pull(0, &mut feed, cx).is_none());
        });
        assert_eq!((out.count(0), out.count(1)), (2, 3));
        let hcx = HandlerContext {
            now: crate::packet::Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(
            e.read_handler("drop_details", &hcx).unwrap(),
            "0\tnot UDP\n3\tbad packet length\n1\tbad UDP checksum"
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<CheckUDPHeader>("DETAILS 2", ports(1)).is_err());
    }
}
