//! `CheckTCPHeader`: checks the header length and checksum of TCP segments.

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
use crate::wire::tcp::{self, TcpPacket};

/// Why a packet failed, in Click's order and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    NotTcp = 0,
    BadLength = 1,
    BadChecksum = 2,
}

const REASON_TEXTS: [&str; 3] = ["not TCP", "bad packet length", "bad TCP checksum"];

/// Checks the TCP header of TCP/IP packets.
///
/// # Synopsis
///
/// ```text
/// CheckTCPHeader([VERBOSE, DETAILS])
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
/// Expects IP packets whose network header is marked. Passes a TCP segment on output 0 if
/// its data offset is at least 5 words and no longer than the IP payload (IP total length
/// less the IP header), the packet holds the whole IP payload, and the TCP checksum over
/// the IP payload is valid (the pseudo-header's destination is the last hop of a source
/// route option, if any, as Click computes it). Other packets are counted and leave on
/// output 1, or are dropped if there is no output 1.
///
/// The first failure is reported as a warning; with `VERBOSE true`, every one is. With
/// `DETAILS true` the element counts failures by reason for `drop_details`.
///
/// # Example
///
/// ```text
/// // TCP SYNs from 192.0.2.10 to 198.51.100.20 port 80
/// InfiniteSource(DATA \<45 00 00 28 00 01 00 00 40 06 8e 7d c0 00 02 0a c6 33 64 14
///                       04 d2 00 50 00 00 00 01 00 00 00 00 50 02 20 00 9e 6d 00 00>,
///                LIMIT 3, STOP true)
///     -> CheckIPHeader -> ipc :: IPClassifier(tcp, -);
/// ipc[0] -> c :: CheckTCPHeader -> ok :: Counter -> Discard;   // ok.count is 3
/// c[1] -> bad :: Counter -> Discard;   // truncated or bad checksum
/// ipc[1] -> Discard;
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets that failed the check.
/// - `drop_details` (read, only with `DETAILS true`): one line per reason, the count, a tab
///   and the reason (`not TCP`, `bad packet length`, `bad TCP checksum`).
///
/// # See also
///
/// CheckIPHeader, CheckUDPHeader, CheckICMPHeader, MarkIPHeader, SetTCPChecksum.
#[derive(Debug)]
pub struct CheckTCPHeader {
    check: HeaderCheck,
}

impl CheckTCPHeader {
    /// Checks `p` as Click's `CheckTCPHeader::simple_action`.
    fn check(p: &Packet) -> Result<(), Reason> {
        let net = p.network_header().ok_or(Reason::NotTcp)?;
        let ip = match net.get(9) {
            Some(&protocol::TCP) if net.len() >= ipv4::HEADER_LEN => Ipv4Packet::new_unchecked(net),
            Some(&protocol::TCP) => return Err(Reason::BadLength),
            _ => return Err(Reason::NotTcp),
        };
        let ip_header_len = ip.header_len();
        let len = usize::from(ip.total_len())
            .checked_sub(ip_header_len)
            .ok_or(Reason::BadLength)?;
        let segment = p.transport_header().ok_or(Reason::BadLength)?;
        if segment.len() < tcp::HEADER_LEN {
            return Err(Reason::BadLength);
        }
        let tcp_header_len = TcpPacket::new_unchecked(segment).header_len();
        // Click: the packet must hold network offset + IP header + IP payload.
        let needed = ip_header_len as isize + len as isize + p.network_header_offset().unwrap_or(0);
        if tcp_header_len < tcp::HEADER_LEN || len < tcp_header_len || (p.len() as isize) < needed {
            return Err(Reason::BadLength);
        }
        let segment = segment.get(..len).ok_or(Reason::BadLength)?;
        if transport_checksum(&ip, segment) != 0 {
            return Err(Reason::BadChecksum);
        }
        Ok(())
    }
}

impl Element for CheckTCPHeader {
    const CLASS: &'static str = "CheckTCPHeader";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let check = HeaderCheck::configure(&mut args, cx, "TCP", &REASON_TEXTS);
        args.finish()?;
        Ok(CheckTCPHeader { check })
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

impl Handlers for CheckTCPHeader {
    const HANDLERS: &'static [HandlerSpec] = header_check::HANDLERS;

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        self.check.read_handler(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_of, ip_packet, pcap_frames, pool, with_cx};
    use crate::icmp::CheckICMPHeader;
    use crate::packet::Timestamp;
    use crate::tcpudp::CheckUDPHeader;
    use proptest::prelude::*;

    const TWO: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    /// Corpus 12, path A: CheckIPHeader (which drops frame 5 and trims padding to the IP
    /// length), IPClassifier by protocol, then the three checks with output 1.
    #[test]
    fn corpus_12_checks() {
        let input = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "in.pcap",
        ));
        let bad_tcp = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "out-bad-tcp.pcap",
        ));
        let bad_udp = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "out-bad-udp.pcap",
        ));
        let bad_icmp = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "out-bad-icmp.pcap",
        ));
        let pool = pool();
        let mut ctcp: CheckTCPHeader = configure("DETAILS true", TWO).unwrap();
        let mut cudp: CheckUDPHeader = configure("", TWO).unwrap();
        let mut cicmp: CheckICMPHeader = configure("", TWO).unwrap();
        let (mut otcp, mut oudp, mut oicmp) = (Collect::new(), Collect::new(), Collect::new());
        with_cx(pool, |cx| {
            for (i, frame) in input.iter().enumerate() {
                if i == 5 {
                    continue;
                }
                let ip = ip_of(frame);
                let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
                let p = ip_packet(&pool, &ip[..total.min(ip.len())]);
                match ip[9] {
                    protocol::TCP => ctcp.push(0, p, &mut otcp, cx),
                    protocol::UDP => cudp.push(0, p, &mut oudp, cx),
                    protocol::ICMP => cicmp.push(0, p, &mut oicmp, cx),
                    _ => {}
                }
            }
        });
        let check = |out: &Collect, want: &[Vec<u8>], good: usize| {
            assert_eq!(out.count(0), good);
            assert_eq!(out.count(1), want.len());
            for (got, want) in out.port(1).iter().zip(want) {
                assert_eq!(got.data(), ip_of(want));
            }
        };
        check(&otcp, &bad_tcp, 1);
        check(&oudp, &bad_udp, 2);
        check(&oicmp, &bad_icmp, 1);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(ctcp.read_handler("drops", &hcx).unwrap(), "9");
        assert_eq!(
            ctcp.read_handler("drop_details", &hcx).unwrap(),
            "0\tnot TCP\n5\tbad packet length\n4\tbad TCP checksum"
        );
        assert_eq!(cudp.read_handler("drops", &hcx).unwrap(), "6");
        assert_eq!(
            cudp.read_handler("drop_details", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
        assert_eq!(cicmp.read_handler("drops", &hcx).unwrap(), "1");
        drop((otcp, oudp, oicmp));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn not_tcp_one_output_and_config() {
        let pool = pool();
        let mut e: CheckTCPHeader = configure(
            "VERBOSE true",
            Ports {
                inputs: 1,
                outputs: 1,
            },
        )
        .unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            e.push(0, pool.packet(&[0x45; 40]).unwrap().into(), &mut out, cx);
        });
        assert_eq!(out.total(), 0);
        assert_eq!(e.check.drops, 1);
        assert!(configure::<CheckTCPHeader>("VERBOSE", TWO).is_err());
        assert!(configure::<CheckTCPHeader>("1", TWO).is_err());
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..100),
            hl in 0usize..64,
            tcp in any::<bool>(),
        ) {
            let pool = pool();
            let mut e: CheckTCPHeader = configure("DETAILS true", TWO).unwrap();
            let mut u: CheckUDPHeader = configure("DETAILS true", TWO).unwrap();
            let mut out = Collect::new();
            with_cx(pool, |cx| {
                let mut p = pool.packet(&bytes).unwrap();
                let _ = p.set_network_header(0, hl.min(bytes.len()));
                if tcp {
                    e.push(0, p.into(), &mut out, cx);
                } else {
                    u.push(0, p.into(), &mut out, cx);
                }
            });
            prop_assert_eq!(out.total(), 1);
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
