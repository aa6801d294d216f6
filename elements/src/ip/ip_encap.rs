//! `IPEncap`: prepends a fixed IPv4 header (IP-in-IP and other tunnels).

use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames, Resolver};
use crate::element::handler::{missing, Access, HandlerContext, HandlerError, HandlerSpec};
use crate::element::values::Raw;
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum::{self, update_u16};
use crate::wire::ipv4::{Ipv4Packet, HEADER_LEN};
use crate::wire::Ipv4Address;

/// Click's IP protocol names (`NameInfo::T_IP_PROTO`) that name one protocol number.
pub(super) const IP_PROTO_NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
];

/// Reads an IP protocol: a name from [`IP_PROTO_NAMES`] or an integer (Click's
/// `NamedIntArg(NameInfo::T_IP_PROTO)`); range errors are the caller's.
fn parse_proto(text: &str) -> Result<i64, String> {
    if let Some(&(_, v)) = IP_PROTO_NAMES.iter().find(|(n, _)| *n == text) {
        return Ok(i64::from(v));
    }
    // Click's IPNameInfo also knows `tcpudp` and `transp`, whose values exceed 255.
    if text == "tcpudp" || text == "transp" {
        return Ok(256);
    }
    i64::from_arg(text, &NoNames).map_err(|_| String::from("expected IP protocol"))
}

/// The destination: a fixed address or the packet's destination annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dst {
    /// Always this address; the annotation is set to it.
    Fixed(Ipv4Address),
    /// The destination IP annotation of each packet (`DST_ANNO`).
    Anno,
}

impl Dst {
    /// Parses `DST_ANNO` or an address (Click compares the first 8 bytes for UDPIPEncap and
    /// the whole word for IPEncap; both accept exactly `DST_ANNO`).
    pub(super) fn parse(text: &str, names: &dyn Resolver) -> Option<Dst> {
        if text == "DST_ANNO" {
            Some(Dst::Anno)
        } else {
            Ipv4Address::from_arg(text, names).ok().map(Dst::Fixed)
        }
    }

    /// Click's unparse: the address, or `DST_ANNO`.
    pub(super) fn unparse(self) -> String {
        match self {
            Dst::Fixed(a) => a.to_string(),
            Dst::Anno => String::from("DST_ANNO"),
        }
    }
}

/// Encapsulates packets in a static IP header.
///
/// # Synopsis
///
/// ```text
/// IPEncap(PROTO, SRC, DST [, KEYWORDS])
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
/// Prepends a 20-byte IPv4 header with protocol `PROTO` (a number or `icmp`, `igmp`,
/// `ipip`, `tcp`, `udp`), source `SRC` and destination `DST`, sets the network header to it
/// and the destination IP annotation to `DST`. `DST` may be `DST_ANNO`: the destination is
/// then each packet's destination annotation (left unchanged).
///
/// The header has version 4, header length 5, total length the new packet length, an
/// identification from a counter that starts at 0 and goes up by one per packet, no
/// fragment offset, and a checksum that is computed once at configuration and updated
/// incrementally per packet, as Click does. A packet whose buffer cannot make room (or that
/// is shared and the pool is empty) is dropped.
///
/// Keywords:
///
/// - `TTL` (byte): time to live, default 250.
/// - `DSCP` (0 to 62, Click rejects 63): the DSCP value, default 0.
/// - `ECT` (boolean or `2`): ECN capable transport; true sets ECN bits 1, `2` sets 2.
/// - `CE` (boolean): sets the ECN bits to 3.
/// - `TOS` (byte): the whole TOS byte; excludes `DSCP`, `ECT` and `CE`.
/// - `DF` (boolean): sets Don't Fragment.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap) -> Strip(14) -> IPEncap(ipip, 18.26.4.24, 140.247.60.147) -> Discard;
/// ```
///
/// # Handlers
///
/// - `src` (read/write): the source address.
/// - `dst` (read/write): the destination address, or `DST_ANNO`.
///
/// # See also
///
/// UDPIPEncap, StripIPHeader, MarkIPHeader.
#[derive(Debug)]
pub struct IPEncap {
    /// The header template, total length and identification zero.
    header: [u8; HEADER_LEN],
    src: Ipv4Address,
    dst: Dst,
    id: u32,
}

/// Fields of the header that do not change per packet.
struct Template {
    proto: u8,
    tos: u8,
    ttl: u8,
    df: bool,
}

impl IPEncap {
    fn build(t: &Template, src: Ipv4Address, dst: Dst) -> [u8; HEADER_LEN] {
        let mut header = [0u8; HEADER_LEN];
        let mut ip = Ipv4Packet::new_unchecked(&mut header[..]);
        ip.set_version(4);
        ip.set_header_len(HEADER_LEN);
        ip.set_tos(t.tos);
        ip.set_dont_frag(t.df);
        ip.set_ttl(t.ttl);
        ip.set_protocol(t.proto);
        ip.set_src_addr(src);
        ip.set_dst_addr(match dst {
            Dst::Fixed(a) => a,
            Dst::Anno => Ipv4Address::UNSPECIFIED,
        });
        let sum = checksum::checksum(ip.header_bytes());
        ip.set_checksum(sum);
        header
    }

    fn template(&self) -> Template {
        let ip = Ipv4Packet::new_unchecked(&self.header[..]);
        Template {
            proto: ip.protocol(),
            tos: ip.tos(),
            ttl: ip.ttl(),
            df: ip.dont_frag(),
        }
    }

    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        let anno_dst = q.anno().dst_ip;
        let len = q.len() + HEADER_LEN;
        let head = q.push_front(HEADER_LEN).ok()?;
        let id = self.id as u16;
        self.id = self.id.wrapping_add(1);
        head.copy_from_slice(&self.header);
        let mut ip = Ipv4Packet::new_unchecked(head);
        let mut sum = ip.checksum();
        if self.dst == Dst::Anno {
            ip.set_dst_addr(anno_dst);
            let d = anno_dst.to_u32();
            sum = update_u16(sum, 0, (d >> 16) as u16);
            sum = update_u16(sum, 0, d as u16);
        }
        let len = len as u16;
        ip.set_total_len(len);
        ip.set_ident(id);
        sum = update_u16(sum, 0, len);
        sum = update_u16(sum, 0, id);
        ip.set_checksum(sum);
        if let Dst::Fixed(a) = self.dst {
            q.anno_mut().dst_ip = a;
        }
        q.set_network_header(0, HEADER_LEN).ok()?;
        Some(q.into())
    }
}

impl Element for IPEncap {
    const CLASS: &'static str = "IPEncap";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let Raw(proto_text) = args.mandatory::<Raw>("PROTO");
        let proto_span = args.last_span();
        let src = args.mandatory::<Ipv4Address>("SRC");
        let Raw(dst_text) = args.mandatory::<Raw>("DST");
        let dst_span = args.last_span();
        let tos = args.keyword::<i32>("TOS");
        let tos_span = args.last_span();
        let ttl = args.keyword::<u8>("TTL").unwrap_or(250);
        let dscp = args.keyword::<i32>("DSCP");
        let dscp_span = args.last_span();
        let ect_text = args.keyword::<Raw>("ECT").map(|r| r.0);
        let ect_span = args.last_span();
        let ce = args.keyword::<bool>("CE").unwrap_or(false);
        let df = args.keyword::<bool>("DF").unwrap_or(false);
        let whole = args.span();

        let mut proto = 0u8;
        if !proto_text.is_empty() {
            match parse_proto(&proto_text) {
                Ok(v) if (0..=255).contains(&v) => proto = v as u8,
                Ok(_) => args.error(proto_span, "bad IP protocol"),
                Err(e) => args.error(proto_span, format!("PROTO: {e}")),
            }
        }
        let dst = match Dst::parse(&dst_text, args.names()) {
            Some(d) => d,
            None => {
                if !dst_text.is_empty() {
                    args.error(dst_span, "DST argument should be IP address or 'DST_ANNO'");
                }
                Dst::Fixed(Ipv4Address::UNSPECIFIED)
            }
        };
        let mut ect = 0u8;
        if let Some(text) = ect_text.filter(|t| !t.is_empty()) {
            match bool::from_arg(&text, &NoNames) {
                Ok(b) => ect = u8::from(b),
                Err(_) if text == "2" => ect = 2,
                Err(_) => args.error(ect_span, format!("bad ECT value '{text}'")),
            }
        }
        if tos.is_some() && dscp.is_some() {
            args.error(whole, "cannot set both TOS and DSCP");
        } else if tos.is_some() && (ect != 0 || ce) {
            args.error(whole, "cannot set both TOS and ECN bits");
        }
        if tos.is_some_and(|t| !(0..256).contains(&t)) {
            args.error(tos_span, "TOS too large; max 255");
        } else if dscp.is_some_and(|d| !(0..63).contains(&d)) {
            args.error(dscp_span, "DSCP too large; max 63");
        }
        if ect != 0 && ce {
            args.error(whole, "can set at most one ECN option");
        }
        args.finish()?;

        let mut tos_byte = match (tos, dscp) {
            (Some(t), _) => t as u8,
            (None, Some(d)) => (d as u8) << 2,
            (None, None) => 0,
        };
        tos_byte |= ect;
        if ce {
            tos_byte |= 3;
        }
        let t = Template {
            proto,
            tos: tos_byte,
            ttl,
            df,
        };
        Ok(IPEncap {
            header: Self::build(&t, src, dst),
            src,
            dst,
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

impl Handlers for IPEncap {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("src", "the source address"),
        HandlerSpec::read_write("dst", "the destination address, or DST_ANNO"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "dst" => Ok(self.dst.unparse()),
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
        match name {
            "src" => {
                self.src = Ipv4Address::from_arg(value, &NoNames)
                    .map_err(|e| HandlerError::BadValue(format!("SRC: {e}")))?;
            }
            "dst" => {
                self.dst = Dst::parse(value, &NoNames).ok_or_else(|| {
                    HandlerError::BadValue(String::from(
                        "DST argument should be IP address or 'DST_ANNO'",
                    ))
                })?;
            }
            _ => {
                return Err(missing(
                    Self::HANDLERS,
                    name,
                    Access::writable,
                    HandlerError::NotWritable,
                ))
            }
        }
        // Click reconfigures the element: the template (and its checksum) is rebuilt, the
        // identification counter goes on.
        self.header = Self::build(&self.template(), self.src, self.dst);
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

    fn encap(config: &str, payloads: &[&[u8]], dst_anno: Ipv4Address) -> Vec<Vec<u8>> {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: IPEncap = configure(config, P).unwrap();
        let mut out = Collect::new();
        for d in payloads {
            let mut p: Packet = pool.packet(d).unwrap().into();
            p.anno_mut().dst_ip = dst_anno;
            e.push(0, p, &mut out, &mut cx);
        }
        let v = out
            .port(0)
            .iter()
            .map(|p| {
                assert_eq!(p.network_header_offset(), Some(0));
                assert_eq!(p.network_header_length(), Some(20));
                p.data().to_vec()
            })
            .collect();
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        v
    }

    #[test]
    fn golden_header() {
        // Worked by hand: 45 00 0018 0000 0000 fa 04 csum 12.1a.04.18 8c.f7.3c.93.
        let out = encap(
            "4, 18.26.4.24, 140.247.60.147",
            &[b"abcd", b"ef"],
            Ipv4Address::UNSPECIFIED,
        );
        let mut want = vec![
            0x45, 0, 0, 24, 0, 0, 0, 0, 250, 4, 0, 0, 18, 26, 4, 24, 140, 247, 60, 147,
        ];
        let c = checksum::checksum(&want);
        want[10..12].copy_from_slice(&c.to_be_bytes());
        want.extend_from_slice(b"abcd");
        assert_eq!(out[0], want);
        // Second packet: id 1, length 22.
        assert_eq!(&out[1][2..6], &[0, 22, 0, 1]);
        assert!(checksum::verify(&out[1][..20]));
        assert_eq!(&out[1][20..], b"ef");
    }

    #[test]
    fn keywords_and_dst_anno() {
        let out = encap(
            "udp, 1.0.0.1, DST_ANNO, TTL 7, DSCP 10, ECT 2, DF true",
            &[b""],
            Ipv4Address::new(9, 9, 9, 9),
        );
        let p = &out[0];
        assert_eq!(p[1], (10 << 2) | 2);
        assert_eq!(&p[6..8], &[0x40, 0]);
        assert_eq!((p[8], p[9]), (7, 17));
        assert_eq!(&p[16..20], &[9, 9, 9, 9]);
        assert!(checksum::verify(&p[..20]));
        let out = encap(
            "tcp, 1.0.0.1, 2.0.0.2, TOS 255",
            &[b"x"],
            Ipv4Address::UNSPECIFIED,
        );
        assert_eq!(out[0][1], 255);
        let out = encap(
            "1, 1.0.0.1, 2.0.0.2, CE true",
            &[b"x"],
            Ipv4Address::UNSPECIFIED,
        );
        assert_eq!(out[0][1], 3);
    }

    #[test]
    fn configuration_errors() {
        let msg = |c: &str| {
            configure::<IPEncap>(c, P)
                .unwrap_err()
                .errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(msg("256, 1.0.0.1, 2.0.0.2"), ["bad IP protocol"]);
        assert_eq!(msg("tcpudp, 1.0.0.1, 2.0.0.2"), ["bad IP protocol"]);
        assert_eq!(
            msg("4, 1.0.0.1, foo"),
            ["DST argument should be IP address or 'DST_ANNO'"]
        );
        assert_eq!(
            msg("4, 1.0.0.1, 2.0.0.2, TOS 1, DSCP 1"),
            ["cannot set both TOS and DSCP"]
        );
        assert_eq!(
            msg("4, 1.0.0.1, 2.0.0.2, TOS 1, CE true"),
            ["cannot set both TOS and ECN bits"]
        );
        assert_eq!(
            msg("4, 1.0.0.1, 2.0.0.2, DSCP 63"),
            ["DSCP too large; max 63"]
        );
        assert_eq!(
            msg("4, 1.0.0.1, 2.0.0.2, TOS 256"),
            ["TOS too large; max 255"]
        );
        assert_eq!(msg("4, 1.0.0.1, 2.0.0.2, ECT 3"), ["bad ECT value '3'"]);
        assert_eq!(
            msg("4, 1.0.0.1, 2.0.0.2, ECT true, CE true"),
            ["can set at most one ECN option"]
        );
        assert_eq!(msg("4, 1.0.0.1"), ["missing mandatory DST argument"]);
        let e = configure::<IPEncap>("4, 1.0.0.1, foo", P).unwrap_err();
        assert_eq!(e.errors[0].span.start, 12);
    }

    #[test]
    fn handlers_reconfigure_and_pull() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: IPEncap = configure("4, 1.0.0.1, 2.0.0.2", P).unwrap();
        assert_eq!(e.read_handler("src", &HC).unwrap(), "1.0.0.1");
        assert_eq!(e.read_handler("dst", &HC).unwrap(), "2.0.0.2");
        e.write_handler("dst", "DST_ANNO", &HC).unwrap();
        e.write_handler("src", "3.0.0.3", &HC).unwrap();
        assert_eq!(e.read_handler("dst", &HC).unwrap(), "DST_ANNO");
        assert!(e.write_handler("src", "x", &HC).is_err());
        assert!(e.write_handler("nope", "x", &HC).is_err());
        let mut feed = Feed::new();
        let mut p: Packet = pool.packet(b"zz").unwrap().into();
        p.anno_mut().dst_ip = Ipv4Address::new(5, 5, 5, 5);
        feed.add(0, p);
        let q = e.pull(0, &mut feed, &mut cx).unwrap();
        assert_eq!(&q.data()[12..20], &[3, 0, 0, 3, 5, 5, 5, 5]);
        assert_eq!(q.data()[9], 4);
        assert!(checksum::verify(&q.data()[..20]));
        drop(q);
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn checksum_always_verifies(len in 0usize..1800, n in 1usize..4, dst in any::<u32>()) {
            let data = vec![0xa5u8; len];
            let payloads: Vec<&[u8]> = (0..n).map(|_| &data[..]).collect();
            let out = encap("ipip, 10.1.2.3, DST_ANNO", &payloads, Ipv4Address::from_u32(dst));
            for (i, p) in out.iter().enumerate() {
                prop_assert!(checksum::verify(&p[..20]));
                prop_assert_eq!(usize::from(u16::from_be_bytes([p[2], p[3]])), len + 20);
                prop_assert_eq!(u16::from_be_bytes([p[4], p[5]]), i as u16);
            }
        }
    }
}
