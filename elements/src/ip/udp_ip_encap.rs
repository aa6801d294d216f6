//! `UDPIPEncap`: prepends UDP and IPv4 headers.

use alloc::format;
use alloc::string::{String, ToString};

use super::ip_encap::Dst;
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::{missing, Access, HandlerContext, HandlerError, HandlerSpec};
use crate::element::values::Raw;
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum;
use crate::wire::ipv4::{protocol, Ipv4Packet, HEADER_LEN as IP_LEN};
use crate::wire::udp::{UdpPacket, HEADER_LEN as UDP_LEN};
use crate::wire::Ipv4Address;

/// Encapsulates packets in static UDP/IP headers.
///
/// # Synopsis
///
/// ```text
/// UDPIPEncap(SRC, SPORT, DST, DPORT [, CHECKSUM])
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Agnostic.
///
/// # Description
///
/// Prepends a UDP header (ports `SPORT` and `DPORT`) and a 20-byte IPv4 header (source
/// `SRC`, destination `DST`, protocol 17, TTL 250, TOS 0, no fragment flags, an
/// identification from a counter starting at 0), sets the network header to the IP header
/// and the destination IP annotation to `DST`. `DST` may be `DST_ANNO`: the packet's
/// destination annotation is then used (and left unchanged).
///
/// The UDP checksum is computed over the pseudo-header, the UDP header and the payload when
/// `CHECKSUM` is true (the default); otherwise it is zero. As in Click, a computed checksum
/// of zero is stored as zero (not as 0xFFFF). A packet whose buffer cannot make room is
/// dropped.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 1) -> UDPIPEncap(1.0.0.1, 1234, 2.0.0.2, 1234) -> Discard;
/// ```
///
/// # Handlers
///
/// - `src` (read/write): the source address.
/// - `sport` (read/write): the source port.
/// - `dst` (read/write): the destination address, or `DST_ANNO`.
/// - `dport` (read/write): the destination port.
///
/// # See also
///
/// IPEncap, Strip, CheckUDPHeader.
#[derive(Debug)]
pub struct UDPIPEncap {
    src: Ipv4Address,
    sport: u16,
    dst: Dst,
    dport: u16,
    checksum: bool,
    id: u32,
}

impl UDPIPEncap {
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        let dst = match self.dst {
            Dst::Fixed(a) => {
                q.anno_mut().dst_ip = a;
                a
            }
            Dst::Anno => q.anno().dst_ip,
        };
        let len = q.len() + IP_LEN + UDP_LEN;
        if len > usize::from(u16::MAX) {
            return None;
        }
        let head = q.push_front(IP_LEN + UDP_LEN).ok()?;
        let id = self.id as u16;
        self.id = self.id.wrapping_add(1);
        {
            let mut ip = Ipv4Packet::new_unchecked(&mut head[..IP_LEN]);
            ip.set_version(4);
            ip.set_header_len(IP_LEN);
            ip.set_tos(0);
            ip.set_total_len(len as u16);
            ip.set_ident(id);
            // Clears the flags and the offset together.
            ip.set_frag_offset(0);
            ip.set_dont_frag(false);
            ip.set_more_frags(false);
            ip.set_ttl(250);
            ip.set_protocol(protocol::UDP);
            ip.set_src_addr(self.src);
            ip.set_dst_addr(dst);
            ip.set_checksum(0);
            let sum = checksum::checksum(ip.header_bytes());
            ip.set_checksum(sum);
        }
        q.set_network_header(0, IP_LEN).ok()?;
        let seg = q.data_mut().get_mut(IP_LEN..)?;
        let udp_len = seg.len() as u16;
        let mut udp = UdpPacket::new_unchecked(&mut *seg);
        udp.set_src_port(self.sport);
        udp.set_dst_port(self.dport);
        udp.set_len(udp_len);
        udp.set_checksum(0);
        if self.checksum {
            let sum = checksum::transport_checksum_v4(self.src, dst, protocol::UDP, seg);
            UdpPacket::new_unchecked(seg).set_checksum(sum);
        }
        Some(q.into())
    }
}

/// Click's `IPPortArg(IP_PROTO_UDP)` for numbers (0 to 65535).
fn parse_port(text: &str) -> Result<u16, String> {
    u16::from_arg(text, &NoNames).map_err(|_| String::from("expected port number"))
}

impl Element for UDPIPEncap {
    const CLASS: &'static str = "UDPIPEncap";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let src = args.mandatory::<Ipv4Address>("SRC");
        let Raw(sport) = args.mandatory::<Raw>("SPORT");
        let sport_span = args.last_span();
        let Raw(dst_text) = args.mandatory::<Raw>("DST");
        let dst_span = args.last_span();
        let Raw(dport) = args.mandatory::<Raw>("DPORT");
        let dport_span = args.last_span();
        let checksum = args.positional::<bool>("CHECKSUM").unwrap_or(true);
        let port = |args: &mut Args<'_>, text: &str, span, kw: &str| {
            if text.is_empty() {
                return 0;
            }
            parse_port(text).unwrap_or_else(|e| {
                args.error(span, format!("{kw}: {e}"));
                0
            })
        };
        let sport = port(&mut args, &sport, sport_span, "SPORT");
        let dport = port(&mut args, &dport, dport_span, "DPORT");
        let dst = match Dst::parse(&dst_text, args.names()) {
            Some(d) => d,
            None => {
                if !dst_text.is_empty() {
                    args.error(dst_span, "bad DST");
                }
                Dst::Fixed(Ipv4Address::UNSPECIFIED)
            }
        };
        args.finish()?;
        Ok(UDPIPEncap {
            src,
            sport,
            dst,
            dport,
            checksum,
            id: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(p) = self.action(p, cx) {
            out.push(0, p, cx);
        }
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.action(p, cx)
    }
}

impl Handlers for UDPIPEncap {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("src", "the source address"),
        HandlerSpec::read_write("sport", "the source port"),
        HandlerSpec::read_write("dst", "the destination address, or DST_ANNO"),
        HandlerSpec::read_write("dport", "the destination port"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "sport" => Ok(self.sport.to_string()),
            "dst" => Ok(self.dst.unparse()),
            "dport" => Ok(self.dport.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        let value = value.trim();
        let bad = |kw: &str, e: String| HandlerError::BadValue(format!("{kw}: {e}"));
        match name {
            "src" => {
                self.src = Ipv4Address::from_arg(value, &NoNames).map_err(|e| bad("SRC", e))?
            }
            "sport" => self.sport = parse_port(value).map_err(|e| bad("SPORT", e))?,
            "dst" => {
                self.dst = Dst::parse(value, &NoNames)
                    .ok_or_else(|| HandlerError::BadValue(String::from("bad DST")))?
            }
            "dport" => self.dport = parse_port(value).map_err(|e| bad("DPORT", e))?,
            _ => {
                return Err(missing(
                    Self::HANDLERS,
                    name,
                    Access::writable,
                    HandlerError::NotWritable,
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;
    use proptest::prelude::*;

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };
    const HC: HandlerContext = HandlerContext {
        now: Timestamp::SIMULATED_EPOCH,
    };

    fn encap(config: &str, payloads: &[&[u8]]) -> Vec<Vec<u8>> {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: UDPIPEncap = configure(config, P).unwrap();
        let mut out = Collect::new();
        for d in payloads {
            let mut p: Packet = pool.packet(d).unwrap().into();
            p.anno_mut().dst_ip = Ipv4Address::new(7, 7, 7, 7);
            e.push(0, p, &mut out, &mut cx);
        }
        let v = out
            .port(0)
            .iter()
            .map(|p| {
                assert_eq!(p.network_header_length(), Some(20));
                p.data().to_vec()
            })
            .collect();
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        v
    }

    #[test]
    fn golden_bytes() {
        let out = encap("1.0.0.1, 1234, 2.0.0.2, 5678", &[b"hello", b""]);
        // IP checksum 0xbdc9 and UDP checksum 0x9dff, computed independently (RFC 1071).
        let want: &[u8] = &[
            0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0xfa, 0x11, 0xbd, 0xc9, 1, 0, 0, 1, 2,
            0, 0, 2, 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0d, 0x9d, 0xff, b'h', b'e', b'l', b'l', b'o',
        ];
        assert_eq!(out[0], want);
        assert!(checksum::verify(&out[0][..20]));
        let seg = &out[0][20..];
        assert_eq!(
            !checksum::combine(&[
                checksum::pseudo_header_v4(
                    Ipv4Address::new(1, 0, 0, 1),
                    Ipv4Address::new(2, 0, 0, 2),
                    17,
                    13
                ),
                checksum::sum(seg)
            ]),
            0
        );
        assert_eq!(&out[1][2..6], &[0, 28, 0, 1]);
        assert_eq!(&out[1][24..26], &[0, 8]);
    }

    #[test]
    fn no_checksum_and_dst_anno() {
        let out = encap("1.0.0.1, 1, DST_ANNO, 2, false", &[b"abc"]);
        assert_eq!(&out[0][16..20], &[7, 7, 7, 7]);
        assert_eq!(&out[0][26..28], &[0, 0]);
        assert!(checksum::verify(&out[0][..20]));
    }

    #[test]
    fn configuration() {
        let msg = |c: &str| {
            configure::<UDPIPEncap>(c, P)
                .unwrap_err()
                .errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(msg("1.0.0.1, 1, x, 2"), ["bad DST"]);
        assert_eq!(
            msg("1.0.0.1, 70000, 2.0.0.2, 2"),
            ["SPORT: expected port number"]
        );
        assert_eq!(
            msg("1.0.0.1, 1, 2.0.0.2"),
            ["missing mandatory DPORT argument"]
        );
        assert!(configure::<UDPIPEncap>("1.0.0.1, 1, 2.0.0.2, 2, maybe", P).is_err());
        let e: UDPIPEncap = configure(
            "SRC 1.0.0.1, SPORT 1, DST 2.0.0.2, DPORT 2, CHECKSUM false",
            P,
        )
        .unwrap();
        assert!(!e.checksum);
    }

    #[test]
    fn handlers_and_pull() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: UDPIPEncap = configure("1.0.0.1, 1234, 2.0.0.2, 5678", P).unwrap();
        assert_eq!(e.read_handler("sport", &HC).unwrap(), "1234");
        assert_eq!(e.read_handler("dst", &HC).unwrap(), "2.0.0.2");
        e.write_handler("dport", "53", &HC).unwrap();
        e.write_handler("dst", "DST_ANNO", &HC).unwrap();
        assert!(e.write_handler("sport", "-1", &HC).is_err());
        assert_eq!(e.read_handler("dport", &HC).unwrap(), "53");
        let mut feed = Feed::new();
        let mut p: Packet = pool.packet(b"q").unwrap().into();
        p.anno_mut().dst_ip = Ipv4Address::new(4, 4, 4, 4);
        feed.add(0, p);
        let q = e.pull(0, &mut feed, &mut cx).unwrap();
        assert_eq!(&q.data()[16..20], &[4, 4, 4, 4]);
        assert_eq!(&q.data()[22..24], &[0, 53]);
        drop(q);
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn checksums_verify(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
            let out = encap("10.0.0.1, 9, 10.0.0.2, 10", &[&data]);
            let p = &out[0];
            prop_assert!(checksum::verify(&p[..20]));
            let c = u16::from_be_bytes([p[26], p[27]]);
            let sum = checksum::combine(&[
                checksum::pseudo_header_v4(Ipv4Address::new(10,0,0,1), Ipv4Address::new(10,0,0,2), 17, (data.len() + 8) as u16),
                checksum::sum(&p[20..]),
            ]);
            prop_assert!(sum == 0xFFFF || c == 0);
        }
    }
}
