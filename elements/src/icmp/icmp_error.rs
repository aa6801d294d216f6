//! `ICMPError`: builds the ICMP error message (RFC 792, RFC 1812 4.3.2) that answers an IP
//! packet.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU16, Ordering};

use super::names;
use crate::element::args::{Args, ConfigError, FromArg, Resolver};
use crate::element::values::Word;
use crate::element::{
    handler, Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec,
    Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::{Packet, PacketType};
use crate::wire::icmp::{self, msg_type, param_problem, unreachable, IcmpPacket};
use crate::wire::ipv4::{self, option_kind, protocol, Ipv4Packet};
use crate::wire::Ipv4Address;

/// Generates ICMP error packets in response to IP packets.
///
/// # Synopsis
///
/// ```text
/// ICMPError(SRC, TYPE [, CODE, BADADDRS, keywords MTU, PMTU, SET_FIX_ANNO])
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
/// For each IP packet arriving (its network header marked, as CheckIPHeader or
/// MarkIPHeader leave it), emits a new IP/ICMP packet of type `TYPE` and code `CODE`
/// (default 0) from source address `SRC` to the packet's source, quoting the packet's IP
/// header and as much of what follows as fits in `MTU` bytes (default 576, RFC 1812
/// 4.3.2.3). The input packet is consumed. TYPE and CODE are integers or Click's names:
/// types `unreachable` (3), `sourcequench` (4), `redirect` (5), `timeexceeded` (11),
/// `parameterproblem` (12); codes `net`, `host`, `protocol`, `port`, `needfrag`... for
/// `unreachable`, `net`, `host`, `tosnet`, `toshost` for `redirect`, `transit` and
/// `reassembly` for `timeexceeded`, `erroratptr`, `missingopt` and `length` for
/// `parameterproblem`. TYPE must be one of the five error types.
///
/// As in Click, nothing is sent (RFC 1812 4.3.2.7) for ICMP error messages, for packets to
/// 255.255.255.255, to a multicast address or to one of `BADADDRS` (a space-separated list
/// of addresses), for packets that arrived as link-level broadcast or multicast, for sources
/// that are broadcast, multicast, in `BADADDRS`, in net 0, net 127 or class E, and for
/// fragments other than the first. A redirect is never sent for a source-routed packet.
///
/// The new packet is exactly Click's: a 20-byte IP header (TOS 0, TTL 200, no fragment
/// bits) whose identification comes from one counter shared by every ICMPError, starting at
/// 1 (Click's function-static `id`; Sluice restarts it when a router initializes), followed
/// by a reversed copy of a valid LSRR/SSRR source route if the packet carried one. The ICMP
/// header carries the pointer from the packet's `icmp_param_prob` annotation for
/// `parameterproblem`/`erroratptr`, the gateway from its `dst_ip` annotation for
/// `redirect`, and `PMTU` (default 0) as the next-hop MTU for `unreachable`/`needfrag`.
/// The packet's `dst_ip` annotation is its destination, its timestamp is the current time,
/// and its `fix_ip_src` annotation is set unless `SET_FIX_ANNO` is false (Click's
/// documentation calls it `USE_FIX_ANNO`, which Sluice accepts too).
///
/// An `MTU` too small to hold the IP and ICMP headers makes no packet (Click misbehaves).
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets from 192.0.2.10 with TTL 1
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 01 11 cd 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> dt :: DecIPTTL -> Discard;
/// dt[1] -> ICMPError(192.0.2.1, timeexceeded) -> CheckIPHeader -> CheckICMPHeader
///       -> c :: Counter -> Discard;   // c.count is 3: time exceeded, from 192.0.2.1 to 192.0.2.10
/// ```
///
/// # Handlers
///
/// - `src` (read/write): the source address.
/// - `mtu` (read/write): the largest error packet made.
/// - `pmtu` (read/write): the next-hop MTU reported in `needfrag` errors.
///
/// # See also
///
/// DecIPTTL, FixIPSrc, IPGWOptions, IPFragmenter.
#[derive(Debug)]
pub struct ICMPError {
    src: Ipv4Address,
    icmp_type: u8,
    code: u8,
    bad_addrs: Vec<Ipv4Address>,
    mtu: u32,
    pmtu: u32,
    use_fix_anno: bool,
    idents: Idents,
}

/// The identification counter of every ICMPError in the process, as Click's
/// `static int id = 1` in `ICMPError::simple_action`.
static SHARED_IDENT: AtomicU16 = AtomicU16::new(1);

/// Where identifications come from.
#[derive(Debug, Clone, Copy)]
enum Idents {
    /// The counter shared by all ICMPErrors (Click's behaviour).
    Shared,
    /// A counter of this element's own (deterministic tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Own(u16),
}

impl Idents {
    fn next(&mut self) -> u16 {
        match self {
            Idents::Shared => SHARED_IDENT.fetch_add(1, Ordering::Relaxed),
            Idents::Own(n) => {
                let id = *n;
                *n = n.wrapping_add(1);
                id
            }
        }
    }
}

/// A space-separated list of IP addresses (Click's `Vector<IPAddress>` argument).
#[derive(Debug, Default)]
struct AddressList(Vec<Ipv4Address>);

impl FromArg for AddressList {
    const WHAT: &'static str = "list of IP addresses";

    fn from_arg(text: &str, names: &dyn Resolver) -> Result<Self, String> {
        text.split_ascii_whitespace()
            .map(|word| Ipv4Address::from_arg(word, names))
            .collect::<Result<Vec<_>, _>>()
            .map(AddressList)
            .map_err(|_| crate::element::args::expected::<Self>())
    }
}

/// Click's `ICMPError::is_error_type`.
fn is_error_type(t: u8) -> bool {
    matches!(
        t,
        msg_type::DEST_UNREACHABLE
            | msg_type::SOURCE_QUENCH
            | msg_type::REDIRECT
            | msg_type::TIME_EXCEEDED
            | msg_type::PARAMETER_PROBLEM
    )
}

/// An integer as Click's `IntArg` reads it, or a name from `table` (`NameInfo::query_int`).
fn named_int(text: &str, table: &[(&str, u8)]) -> Option<i64> {
    i64::from_arg(text, &crate::element::args::NoNames)
        .ok()
        .or_else(|| names::lookup(table, text).map(i64::from))
}

impl ICMPError {
    /// Click's `unicast`: not limited broadcast, not class D, not a bad address.
    fn unicast(&self, a: Ipv4Address) -> bool {
        !a.is_broadcast() && !a.is_multicast() && !self.bad_addrs.contains(&a)
    }

    /// Click's `valid_source` (RFC 1812 5.3.7, 4.2.2.11, 4.2.3.1).
    fn valid_source(&self, a: Ipv4Address) -> bool {
        let net = a.octets()[0];
        self.unicast(a) && net != 0 && net != 127 && net & 0xf0 != 0xf0
    }

    /// The offset (from the IP header start) of a valid LSRR or SSRR option, Click's
    /// `valid_source_route`: one whose pointer is at least 4, a multiple of 4 and at most
    /// one past its end.
    fn source_route(ip: &Ipv4Packet<&[u8]>) -> Option<usize> {
        for option in ip.options_iter() {
            let option = option.ok()?;
            if option.kind == option_kind::END_OF_LIST {
                return None;
            }
            if matches!(
                option.kind,
                option_kind::LOOSE_SOURCE_ROUTE | option_kind::STRICT_SOURCE_ROUTE
            ) {
                if let Some(&pointer) = option.data.first() {
                    if pointer >= 4 && pointer % 4 == 0 && usize::from(pointer) <= option.len() + 1
                    {
                        return Some(ipv4::HEADER_LEN + option.offset);
                    }
                }
            }
        }
        None
    }

    /// The error packet for `p`, or `None` when Click sends none.
    fn make_error(&mut self, p: &Packet, cx: &Context<'_>) -> Option<Packet> {
        let net = p.network_header()?;
        if net.len() < ipv4::HEADER_LEN {
            return None;
        }
        let ip = Ipv4Packet::new_unchecked(net);
        let hlen = ip.header_len();

        // RFC 1812 4.3.2.7: never answer an ICMP error.
        if ip.protocol() == protocol::ICMP {
            let icmp_type = p.transport_header().and_then(|t| t.first().copied());
            match icmp_type {
                Some(t) if hlen + 4 <= p.len() && !is_error_type(t) => {}
                _ => return None,
            }
        }
        if !self.unicast(ip.dst_addr()) {
            return None;
        }
        if matches!(
            p.anno().packet_type,
            PacketType::Broadcast | PacketType::Multicast
        ) {
            return None;
        }
        if !self.valid_source(ip.src_addr()) {
            return None;
        }
        if ip.frag_offset_units() != 0 {
            return None;
        }

        let mut source_route = Self::source_route(&ip);
        if let Some(at) = source_route {
            // RFC 1812 5.2.7.2: no redirect for a source-routed packet.
            if self.icmp_type == msg_type::REDIRECT {
                return None;
            }
            // 4.3.2.6: ignore the route if the parameter problem points into it.
            let pointer = usize::from(p.anno().icmp_param_prob);
            let route_len = usize::from(net[at + 1]);
            if self.icmp_type == msg_type::PARAMETER_PROBLEM
                && self.code == param_problem::POINTER
                && at <= pointer
                && pointer < at + route_len
            {
                source_route = None;
            }
        }

        // The reversed route takes as many bytes as its pointer says (3 header bytes, the
        // hops recorded so far, an end-of-list byte).
        let options_len = source_route.map_or(0, |at| usize::from(net[at + 2]));
        let new_hlen = ipv4::HEADER_LEN + options_len;
        let room = usize::try_from(self.mtu).unwrap_or(usize::MAX);
        let quoted_room = room.checked_sub(new_hlen + icmp::HEADER_LEN)?;
        let quoted = quoted_room.min(net.len());
        let total = new_hlen + icmp::HEADER_LEN + quoted;
        let total_u16 = u16::try_from(total).ok()?;

        let mut q = cx.pool().make(total)?;
        let ident = self.idents.next();
        {
            let data = q.data_mut();
            let (header, icmp_bytes) = data.split_at_mut(new_hlen);
            header.fill(0);
            let mut nip = Ipv4Packet::new_unchecked(&mut *header);
            nip.set_version(4);
            nip.set_header_len(new_hlen);
            nip.set_total_len(total_u16);
            nip.set_ident(ident);
            nip.set_ttl(200);
            nip.set_protocol(protocol::ICMP);
            nip.set_src_addr(self.src);
            nip.set_dst_addr(ip.src_addr());
            if let Some(at) = source_route {
                reverse_source_route(&net[at..], nip.options_mut());
            }
            nip.fill_checksum();

            let mut icp = IcmpPacket::new_unchecked(&mut *icmp_bytes);
            icp.set_msg_type(self.icmp_type);
            icp.set_code(self.code);
            icp.set_rest_of_header(0);
            if self.icmp_type == msg_type::PARAMETER_PROBLEM && self.code == param_problem::POINTER
            {
                icp.set_pointer(p.anno().icmp_param_prob);
            }
            if self.icmp_type == msg_type::REDIRECT {
                icp.set_gateway(p.anno().dst_ip);
            }
            if self.icmp_type == msg_type::DEST_UNREACHABLE && self.code == unreachable::NEED_FRAG {
                // Click stores htons(_pmtu): the low 16 bits.
                icp.set_next_hop_mtu(self.pmtu as u16);
            }
            icp.payload_mut().copy_from_slice(&net[..quoted]);
            icp.fill_checksum();
        }
        q.set_network_header(0, new_hlen).ok()?;
        let anno = q.anno_mut();
        anno.dst_ip = ip.src_addr();
        anno.fix_ip_src = self.use_fix_anno;
        anno.timestamp = cx.now();
        Some(q.into())
    }

    #[cfg(test)]
    fn with_own_idents(mut self, first: u16) -> Self {
        self.idents = Idents::Own(first);
        self
    }
}

/// Writes the reversed form of the source route `route` (the option's bytes, from its type
/// byte) into `out`, as Click's ICMPError does: the type, a length of pointer - 1, a
/// pointer of 4, the recorded hops last first, then an end-of-list byte.
fn reverse_source_route(route: &[u8], out: &mut [u8]) {
    let pointer = usize::from(route[2]);
    let olen = pointer - 1;
    if out.len() < pointer || route.len() < pointer - 1 {
        return;
    }
    out[0] = route[0];
    out[1] = olen as u8;
    out[2] = 4;
    out[olen] = option_kind::END_OF_LIST;
    // Hops sit at route[3..pointer - 1], four bytes each.
    let hops = route[3..pointer - 1].chunks_exact(4).rev();
    for (slot, hop) in out[3..olen].chunks_exact_mut(4).zip(hops) {
        slot.copy_from_slice(hop);
    }
}

impl Element for ICMPError {
    const CLASS: &'static str = "ICMPError";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let src: Ipv4Address = args.mandatory("SRC");
        let type_word: Word = args.mandatory("TYPE");
        let type_span = args.last_span();
        let code_word: Option<Word> = args.positional("CODE");
        let code_span = args.last_span();
        let bad_addrs: Option<AddressList> = args.positional("BADADDRS");
        let mtu: Option<u32> = args.keyword("MTU");
        let pmtu: Option<u32> = args.keyword("PMTU");
        let set_fix: Option<bool> = args.keyword("SET_FIX_ANNO");
        let use_fix: Option<bool> = args.keyword("USE_FIX_ANNO");

        let mut icmp_type = 0u8;
        let mut code = 0u8;
        if !type_word.0.is_empty() {
            match named_int(&type_word.0, names::ICMP_TYPES) {
                None => args.error(type_span, "TYPE: expected ICMP type"),
                Some(t) if !(0..=255).contains(&t) => {
                    args.error(type_span, "ICMP type must be between 0 and 255")
                }
                Some(t) if !is_error_type(t as u8) => {
                    args.error(type_span, format!("ICMP type {t} is not an error type"))
                }
                Some(t) => {
                    icmp_type = t as u8;
                    let code_text = code_word.map_or_else(|| String::from("0"), |w| w.0);
                    match named_int(&code_text, names::icmp_codes(icmp_type)) {
                        Some(c) if (0..=255).contains(&c) => code = c as u8,
                        _ => args.error(
                            code_span,
                            "argument 2 takes ICMP code (integer between 0 and 255)",
                        ),
                    }
                }
            }
        }
        args.finish()?;
        Ok(ICMPError {
            src,
            icmp_type,
            code,
            bad_addrs: bad_addrs.map(|l| l.0).unwrap_or_default(),
            mtu: mtu.unwrap_or(576),
            pmtu: pmtu.unwrap_or(0),
            use_fix_anno: set_fix.or(use_fix).unwrap_or(true),
            idents: Idents::Shared,
        })
    }

    fn initialize(&mut self, _: &mut Context<'_>) -> Result<(), String> {
        // Click's counter starts at 1 when the process (the router) starts.
        if matches!(self.idents, Idents::Shared) {
            SHARED_IDENT.store(1, Ordering::Relaxed);
        }
        Ok(())
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(q) = self.make_error(&p, cx) {
            drop(p);
            out.push(0, q, cx);
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
        self.make_error(&p, cx)
    }
}

impl Handlers for ICMPError {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("src", "source address of the errors"),
        HandlerSpec::read_write("mtu", "largest error packet made"),
        HandlerSpec::read_write("pmtu", "next-hop MTU reported in needfrag errors"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "mtu" => Ok(self.mtu.to_string()),
            "pmtu" => Ok(self.pmtu.to_string()),
            _ => Err(handler::missing(
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
        let names = crate::element::args::NoNames;
        let value = value.trim();
        match name {
            "src" => {
                self.src = Ipv4Address::from_arg(value, &names).map_err(HandlerError::BadValue)?
            }
            "mtu" => self.mtu = u32::from_arg(value, &names).map_err(HandlerError::BadValue)?,
            "pmtu" => self.pmtu = u32::from_arg(value, &names).map_err(HandlerError::BadValue)?,
            _ => {
                return Err(handler::missing(
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
    use crate::element::testing::{configure, Collect};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_of, ip_packet, pcap_frames, pool, with_cx};
    use crate::packet::Timestamp;
    use crate::wire::checksum;

    const ONE: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    fn element(config: &str) -> ICMPError {
        configure::<ICMPError>(config, ONE)
            .unwrap()
            .with_own_idents(1)
    }

    #[test]
    fn corpus_05_time_exceeded_bytes() {
        let input = pcap_frames(&crate::element::testing::corpus_file(
            "05-decipttl-icmperror",
            "in.pcap",
        ));
        let expected = pcap_frames(&crate::element::testing::corpus_file(
            "05-decipttl-icmperror",
            "out-icmp.pcap",
        ));
        let pool = pool();
        let mut e = element("192.0.2.1, timeexceeded");
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            // The packets DecIPTTL expired, in order (frame 19 failed CheckIPHeader).
            for i in [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20] {
                let p = ip_packet(&pool, ip_of(&input[i]));
                e.push(0, p, &mut out, cx);
            }
        });
        assert_eq!(out.count(0), expected.len());
        for (got, want) in out.port(0).iter().zip(&expected) {
            assert_eq!(got.data(), ip_of(want));
            assert_eq!(got.anno().dst_ip, Ipv4Address::new(192, 0, 2, 10));
            assert!(got.anno().fix_ip_src);
            assert_eq!(got.anno().timestamp, Timestamp::SIMULATED_EPOCH);
            assert_eq!(got.network_header_offset(), Some(0));
            assert_eq!(got.transport_header_offset(), Some(20));
        }
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    /// The error ICMPError itself made, from a packet Click's router later changed with
    /// FixIPSrc and DecIPTTL: source `src`, TTL 200, header checksum recomputed.
    fn before_fix_ip_src(frame: &[u8], src: Ipv4Address) -> Vec<u8> {
        let mut ip = ip_of(frame).to_vec();
        let mut view = Ipv4Packet::new_unchecked(&mut ip[..]);
        view.set_src_addr(src);
        view.set_ttl(200);
        view.fill_checksum();
        ip
    }

    /// The IP packet of corpus 14 frame `i`, after DecIPTTL.
    fn decremented(frame: &[u8]) -> Vec<u8> {
        let mut ip = ip_of(frame).to_vec();
        let mut view = Ipv4Packet::new_unchecked(&mut ip[..]);
        let sum = checksum::dec_ip_ttl(view.checksum());
        view.set_ttl(view.ttl() - 1);
        view.set_checksum(sum);
        ip
    }

    #[test]
    fn corpus_14_needfrag_redirect_parameterproblem_bytes() {
        let input = pcap_frames(&crate::element::testing::corpus_file(
            "14-two-port-iprouter",
            "in.pcap",
        ));
        let eth0 = pcap_frames(&crate::element::testing::corpus_file(
            "14-two-port-iprouter",
            "out-eth0.pcap",
        ));
        let pool = pool();
        let eth0_addr = Ipv4Address::new(192, 0, 2, 1);
        let eth1_addr = Ipv4Address::new(198, 51, 100, 1);
        with_cx(pool, |cx| {
            // IPFragmenter(576) on eth1 refuses frame 11 (DF, 1228 bytes) after DecIPTTL.
            let mut needfrag = element("198.51.100.1, unreachable, needfrag").with_own_idents(2);
            let mut out = Collect::new();
            needfrag.push(0, ip_packet(&pool, &decremented(&input[11])), &mut out, cx);
            assert_eq!(
                out.port(0)[0].data(),
                before_fix_ip_src(&eth0[7], eth1_addr)
            );

            // PaintTee sends frame 13 back out of eth0: a host redirect to its destination.
            let mut redirect = element("192.0.2.1, redirect, host").with_own_idents(3);
            let mut p = ip_packet(&pool, ip_of(&input[13]));
            p.anno_mut().dst_ip = Ipv4Address::new(192, 0, 2, 12);
            p.anno_mut().paint = 1;
            redirect.push(0, p, &mut out, cx);
            assert_eq!(
                out.port(0)[1].data(),
                before_fix_ip_src(&eth0[8], eth0_addr)
            );

            // IPGWOptions finds frame 15's record-route pointer bad (byte 22).
            let mut paramprob = element("192.0.2.1, parameterproblem").with_own_idents(4);
            let mut p = ip_packet(&pool, ip_of(&input[15]));
            p.anno_mut().icmp_param_prob = 22;
            paramprob.push(0, p, &mut out, cx);
            assert_eq!(
                out.port(0)[2].data(),
                before_fix_ip_src(&eth0[10], eth0_addr)
            );
        });
        assert_eq!(pool.in_flight(), 0);
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_packet, pool, with_cx};
    use crate::packet::Timestamp;
    use alloc::vec;
    use proptest::prelude::*;

    const ONE: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    /// A UDP packet 192.0.2.10 -> 198.51.100.20 with `options` (a multiple of 4 bytes).
    fn udp(options: &[u8], payload: usize) -> Vec<u8> {
        let hl = 20 + options.len();
        let mut ip = vec![0u8; hl + 8 + payload];
        let total = ip.len() as u16;
        let mut v = Ipv4Packet::new_unchecked(&mut ip[..]);
        v.set_version(4);
        v.set_header_len(hl);
        v.set_total_len(total);
        v.set_ttl(1);
        v.set_protocol(protocol::UDP);
        v.set_src_addr(Ipv4Address::new(192, 0, 2, 10));
        v.set_dst_addr(Ipv4Address::new(198, 51, 100, 20));
        v.options_mut().copy_from_slice(options);
        v.fill_checksum();
        ip
    }

    fn one(config: &str, ip: &[u8], set: impl FnOnce(&mut Packet)) -> Option<Vec<u8>> {
        let pool = pool();
        let mut e = configure::<ICMPError>(config, ONE).unwrap();
        e.idents = Idents::Own(7);
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            let mut p = ip_packet(&pool, ip);
            set(&mut p);
            e.push(0, p, &mut out, cx);
        });
        let got = out.port(0).first().map(|p| p.data().to_vec());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        got
    }

    #[test]
    fn configuration() {
        let e = configure::<ICMPError>("1.2.3.4, 3, 4, 9.9.9.9 8.8.8.8, MTU 100, PMTU 1500", ONE)
            .unwrap();
        assert_eq!((e.icmp_type, e.code, e.mtu, e.pmtu), (3, 4, 100, 1500));
        assert_eq!(e.bad_addrs.len(), 2);
        assert!(e.use_fix_anno);
        let e = configure::<ICMPError>("1.2.3.4, sourcequench, SET_FIX_ANNO false", ONE).unwrap();
        assert_eq!((e.icmp_type, e.code, e.use_fix_anno), (4, 0, false));
        let e = configure::<ICMPError>("1.2.3.4, 0x0c, length, USE_FIX_ANNO 0", ONE).unwrap();
        assert_eq!((e.icmp_type, e.code, e.use_fix_anno), (12, 2, false));
        let e = configure::<ICMPError>("SRC 1.2.3.4, TYPE redirect, CODE tosnet", ONE).unwrap();
        assert_eq!((e.icmp_type, e.code), (5, 2));
        for bad in [
            "1.2.3.4, echo",
            "1.2.3.4, 300",
            "1.2.3.4, timeexceeded, needfrag",
            "1.2.3.4, unreachable, 256",
            "1.2.3.4, nonsense",
            "1.2.3.4",
            "1.2.3.x, timeexceeded",
            "1.2.3.4, timeexceeded, 0, 1.2.3",
            "1.2.3.4, timeexceeded, MTU -1",
            "1.2.3.4, timeexceeded, FOO 1",
        ] {
            assert!(configure::<ICMPError>(bad, ONE).is_err(), "{bad}");
        }
        let err = configure::<ICMPError>("1.2.3.4, echo", ONE).unwrap_err();
        assert_eq!(err.errors[0].message, "ICMP type 8 is not an error type");
        assert_eq!(err.errors[0].span.start, 9);
    }

    #[test]
    fn handlers() {
        let mut e = configure::<ICMPError>("1.2.3.4, timeexceeded", ONE).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("src", &hcx).unwrap(), "1.2.3.4");
        assert_eq!(e.read_handler("mtu", &hcx).unwrap(), "576");
        assert_eq!(e.read_handler("pmtu", &hcx).unwrap(), "0");
        e.write_handler("mtu", "100", &hcx).unwrap();
        e.write_handler("src", "5.6.7.8", &hcx).unwrap();
        assert_eq!(e.read_handler("mtu", &hcx).unwrap(), "100");
        assert_eq!(e.read_handler("src", &hcx).unwrap(), "5.6.7.8");
        assert!(e.write_handler("mtu", "x", &hcx).is_err());
        assert_eq!(
            e.read_handler("nope", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
    }

    #[test]
    fn mtu_limits_the_quote_and_needfrag_carries_pmtu() {
        let ip = udp(&[], 200);
        let got = one(
            "192.0.2.1, unreachable, needfrag, MTU 100, PMTU 1492",
            &ip,
            |_| {},
        )
        .unwrap();
        assert_eq!(got.len(), 100);
        let v = Ipv4Packet::new_unchecked(&got[..]);
        assert!(v.verify_checksum());
        assert_eq!((v.total_len(), v.ident(), v.ttl()), (100, 7, 200));
        let icmp = IcmpPacket::new_unchecked(&got[20..]);
        assert!(icmp.verify_checksum());
        assert_eq!(icmp.next_hop_mtu(), 1492);
        assert_eq!(icmp.payload(), &ip[..72]);
        // An MTU that cannot hold the headers makes nothing.
        assert!(one("192.0.2.1, timeexceeded, MTU 27", &ip, |_| {}).is_none());
        assert!(one("192.0.2.1, timeexceeded, MTU 28", &ip, |_| {}).is_some());
    }

    #[test]
    fn suppressed_cases() {
        let ip = udp(&[], 4);
        let cfg = "192.0.2.1, timeexceeded, BADADDRS 198.51.100.20";
        assert!(one(cfg, &ip, |_| {}).is_none(), "bad destination");
        let cfg = "192.0.2.1, timeexceeded";
        assert!(one(cfg, &ip, |_| {}).is_some());
        for t in [PacketType::Broadcast, PacketType::Multicast] {
            assert!(one(cfg, &ip, |p| p.anno_mut().packet_type = t).is_none());
        }
        for src in [
            "0.1.2.3",
            "127.0.0.1",
            "240.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            let mut bad = ip.clone();
            let mut v = Ipv4Packet::new_unchecked(&mut bad[..]);
            v.set_src_addr(src.parse().unwrap());
            v.fill_checksum();
            assert!(one(cfg, &bad, |_| {}).is_none(), "{src}");
        }
        // Non-first fragment; a first fragment (MF only) is answered.
        let mut frag = ip.clone();
        Ipv4Packet::new_unchecked(&mut frag[..]).set_frag_offset(8);
        assert!(one(cfg, &frag, |_| {}).is_none());
        let mut first = ip.clone();
        Ipv4Packet::new_unchecked(&mut first[..]).set_more_frags(true);
        assert!(one(cfg, &first, |_| {}).is_some());
        // No network header: nothing.
        let pool = pool();
        let mut e = configure::<ICMPError>(cfg, ONE).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            e.push(0, pool.packet(&ip).unwrap().into(), &mut out, cx);
        });
        assert_eq!(out.total(), 0);
    }

    #[test]
    fn source_route_is_reversed_and_blocks_redirects() {
        // NOP, LSRR len 11 pointer 12 (two hops recorded), EOL.
        let options = [1, 131, 11, 12, 10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0];
        let ip = udp(&options, 8);
        let got = one("192.0.2.1, timeexceeded", &ip, |_| {}).unwrap();
        let v = Ipv4Packet::new_unchecked(&got[..]);
        assert_eq!(v.header_len(), 32);
        assert!(v.verify_checksum());
        assert_eq!(v.options(), &[131, 11, 4, 10, 0, 0, 2, 10, 0, 0, 1, 0][..]);
        assert_eq!(&got[40..], &ip[..]);
        assert!(one("192.0.2.1, redirect, host", &ip, |_| {}).is_none());
        // A parameter problem pointing into the route drops the route.
        let got = one("192.0.2.1, parameterproblem", &ip, |p| {
            p.anno_mut().icmp_param_prob = 23
        })
        .unwrap();
        assert_eq!(Ipv4Packet::new_unchecked(&got[..]).header_len(), 20);
        assert_eq!(IcmpPacket::new_unchecked(&got[20..]).pointer(), 23);
    }

    #[test]
    fn never_answers_icmp_errors() {
        let mut ip = udp(&[], 30);
        let mut v = Ipv4Packet::new_unchecked(&mut ip[..]);
        v.set_protocol(protocol::ICMP);
        v.fill_checksum();
        ip[20] = msg_type::TIME_EXCEEDED;
        assert!(one("192.0.2.1, timeexceeded", &ip, |_| {}).is_none());
        ip[20] = msg_type::ECHO_REQUEST;
        assert!(one("192.0.2.1, timeexceeded", &ip, |_| {}).is_some());
    }

    #[test]
    fn shared_counter_restarts_at_initialize() {
        let pool = pool();
        let mut e = configure::<ICMPError>("192.0.2.1, timeexceeded", ONE).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            e.initialize(cx).unwrap();
            e.push(0, ip_packet(&pool, &udp(&[], 4)), &mut out, cx);
        });
        // Other tests may use the shared counter concurrently: only check it is set.
        assert_eq!(out.count(0), 1);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..120),
            hl in 0usize..64,
            anno in any::<u8>(),
            config in 0usize..4,
        ) {
            let configs = [
                "192.0.2.1, timeexceeded",
                "192.0.2.1, parameterproblem",
                "192.0.2.1, redirect, host",
                "192.0.2.1, unreachable, needfrag, MTU 40",
            ];
            let pool = pool();
            let mut e = configure::<ICMPError>(configs[config], ONE).unwrap();
            e.idents = Idents::Own(1);
            let mut out = Collect::new();
            with_cx(pool, |cx| {
                let mut p = pool.packet(&bytes).unwrap();
                let _ = p.set_network_header(0, hl.min(bytes.len()));
                p.anno_mut().icmp_param_prob = anno;
                e.push(0, p.into(), &mut out, cx);
            });
            for q in out.port(0) {
                prop_assert!(Ipv4Packet::new_unchecked(q.data()).verify_checksum());
                prop_assert!(IcmpPacket::new_unchecked(&q.data()[q.network_header_length().unwrap()..]).verify_checksum());
            }
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
