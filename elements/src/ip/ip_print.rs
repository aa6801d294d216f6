//! `IPPrint`: prints a one-line, tcpdump-like summary of each IP packet.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt::{self, Write};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::{missing, Access, HandlerContext, HandlerError, HandlerSpec};
use crate::element::values::Word;
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Level, Output, PortCount, ProcessingSpec,
};
use crate::icmp::names;
use crate::packet::Packet;
use crate::wire::ipv4::{protocol, Ipv4Packet, HEADER_LEN as IP_LEN};
use crate::wire::tcp::TcpFlags;

use super::ip_encap::IP_PROTO_NAMES;

/// How packet bytes are shown after the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    None,
    Hex,
    Ascii,
}

/// Prints IP packets in a tcpdump-like format.
///
/// # Synopsis
///
/// ```text
/// IPPrint([LABEL, KEYWORDS])
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
/// For each packet with a network header, logs one line (at info level) and passes the
/// packet on unchanged. Packets without a network header pass silently. The line is
/// `LABEL: TIMESTAMP: ` followed by, for TCP, `SRC.SPORT > DST.DPORT: FLAGS SEQ:END(LEN,
/// PKTLEN,IPLEN) ack ACK win WIN` (flags `S`, `F`, `R`, `P`, or `.`); for UDP
/// `SRC.SPORT > DST.DPORT: udp ULEN`; for ICMP `SRC > DST: icmp ...` with Click's type and
/// code names (echo identifiers and sequence numbers, unreachable destinations, needfrag
/// MTUs); otherwise `SRC > DST: ip-proto-N`. Short headers print `truncated-ip`,
/// `truncated-tcp`, `truncated-udp` or `truncated-icmp`; fragments add
/// ` (frag ID:LEN@OFFSET+)`.
///
/// Keywords:
///
/// - `CONTENTS` (`false`/`NONE`, `true`/`HEX`, `ASCII`): also print the packet's bytes from
///   its data start, hex in groups of 4 with 24 bytes a line, or ASCII in groups of 8 with
///   48 a line. Default false.
/// - `PAYLOAD` (`false`, `true`/`HEX`, `ASCII`): print the transport payload instead
///   (after the TCP or UDP header of a first fragment). At most one of the two.
/// - `MAXLENGTH` (integer, also `NBYTES`): bytes of contents at most; negative for all.
///   Default 1500.
/// - `ID`, `TTL`, `TOS`, `LENGTH` (booleans): print `id N `, `ttl N `, `tos N `,
///   `length N ` before the summary. Default false.
/// - `TIMESTAMP` (boolean): print the timestamp annotation. Default true.
/// - `AGGREGATE`, `PAINT` (booleans): print `#AGG`, `paint P` (or `#AGG.P`), then `: `.
/// - `SWAP` (boolean): print ICMP echo identifiers and sequence numbers in network byte
///   order (Click's default, true) or as a little-endian host would read them.
/// - `ACTIVE` (boolean): print at all. Default true.
/// - `CHANNEL` (word): accepted for compatibility; messages go to the router log.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap) -> Strip(14) -> CheckIPHeader -> IPPrint(in, TTL true) -> Discard;
/// ```
///
/// # Handlers
///
/// - `active` (read/write): whether the element prints.
///
/// # See also
///
/// Print, CheckIPHeader, MarkIPHeader.
#[derive(Debug)]
pub struct IPPrint {
    name: String,
    label: String,
    contents: Contents,
    payload: bool,
    bytes: i32,
    print_id: bool,
    print_timestamp: bool,
    print_paint: bool,
    print_tos: bool,
    print_ttl: bool,
    print_len: bool,
    print_aggregate: bool,
    swap: bool,
    active: bool,
}

/// One packet's line, formatted straight into the log.
struct Line<'a> {
    e: &'a IPPrint,
    p: &'a Packet,
}

/// Click's `unparse_proto`: a protocol name, or the number (after `protocol ` if asked).
struct Proto(u8, bool);

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match IP_PROTO_NAMES.iter().find(|&&(_, v)| v == self.0) {
            Some((n, _)) => f.write_str(n),
            None if self.1 => write!(f, "protocol {}", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

fn rev(table: &[(&'static str, u8)], v: u8) -> Option<&'static str> {
    table.iter().find(|&&(_, x)| x == v).map(|&(n, _)| n)
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_be_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

impl Line<'_> {
    /// `th` is the transport header to the packet end; `tl` Click's transport length
    /// (clipped to the IP payload length, possibly negative).
    fn tcp(
        &self,
        f: &mut fmt::Formatter<'_>,
        ip: &Ipv4Packet<&[u8]>,
        th: &[u8],
        tl: i64,
    ) -> fmt::Result {
        let first = ip.frag_offset_units() == 0;
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        if tl < 4 || !first {
            let what = if first { "truncated-tcp" } else { "tcp" };
            return write!(f, "{src} > {dst}: {what}");
        }
        write!(f, "{src}.{} > {dst}.{}: ", be16(th, 0), be16(th, 2))?;
        if tl < 14 {
            return f.write_str("truncated-tcp");
        }
        let ip_len = i64::from(ip.total_len());
        let th_off = i64::from(th[12] >> 4);
        let mut seqlen = ip_len - i64::from(ip.ihl()) * 4 - th_off * 4;
        let flags = TcpFlags::from_bits(th[13]);
        if flags.contains(TcpFlags::SYN) {
            f.write_char('S')?;
            seqlen += 1;
        }
        if flags.contains(TcpFlags::FIN) {
            f.write_char('F')?;
            seqlen += 1;
        }
        if flags.contains(TcpFlags::RST) {
            f.write_char('R')?;
        }
        if flags.contains(TcpFlags::PSH) {
            f.write_char('P')?;
        }
        if !flags.intersects(TcpFlags::from_bits(0x0f)) {
            f.write_char('.')?;
        }
        let seq = be32(th, 4);
        let end = seq.wrapping_add(seqlen as u32);
        write!(f, " {seq}:{end}({seqlen},{},{ip_len})", self.p.len())?;
        if flags.contains(TcpFlags::ACK) {
            write!(f, " ack {}", be32(th, 8))?;
        }
        if tl < 16 {
            return f.write_str("truncated-tcp");
        }
        write!(f, " win {}", be16(th, 14))
    }

    fn udp(
        &self,
        f: &mut fmt::Formatter<'_>,
        ip: &Ipv4Packet<&[u8]>,
        th: &[u8],
        tl: i64,
    ) -> fmt::Result {
        let first = ip.frag_offset_units() == 0;
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        if tl < 4 || !first {
            let what = if first { "truncated-udp" } else { "udp" };
            return write!(f, "{src} > {dst}: {what}");
        }
        write!(f, "{src}.{} > {dst}.{}: ", be16(th, 0), be16(th, 2))?;
        if tl < 8 {
            return f.write_str("truncated-udp");
        }
        write!(f, "udp {}", be16(th, 4))
    }

    fn icmp(
        &self,
        f: &mut fmt::Formatter<'_>,
        ip: &Ipv4Packet<&[u8]>,
        th: &[u8],
        tl: i64,
    ) -> fmt::Result {
        write!(f, "{} > {}: ", ip.src_addr(), ip.dst_addr())?;
        if ip.frag_offset_units() != 0 {
            return f.write_str("icmp");
        }
        if tl < 2 {
            return f.write_str("truncated-icmp");
        }
        let (ty, code) = (th[0], th[1]);
        match ty {
            0 | 8 => {
                f.write_str(if ty == 0 {
                    "icmp echo-reply "
                } else {
                    "icmp echo "
                })?;
                if tl < 8 {
                    return f.write_str("truncated-icmp");
                }
                let (mut id, mut seq) = (be16(th, 4), be16(th, 6));
                if !self.e.swap {
                    // Click prints the raw field as a little-endian host reads it.
                    id = id.swap_bytes();
                    seq = seq.swap_bytes();
                }
                write!(f, "({id}, {seq})")
            }
            3 => {
                let code_name = rev(names::icmp_codes(3), code);
                let code_text = |f: &mut fmt::Formatter<'_>| match code_name {
                    Some(n) => f.write_str(n),
                    None => write!(f, "code {code}"),
                };
                let eiph_len = tl - 8;
                if eiph_len < IP_LEN as i64 {
                    f.write_str("icmp unreachable ")?;
                    code_text(f)?;
                    return f.write_str(" truncated-icmp");
                }
                let eip = th.get(8..).unwrap_or(&[]);
                let ehl = i64::from(eip[0] & 0x0f) * 4;
                let eudph_len = eiph_len - ehl;
                let edst = Ipv4Packet::new_unchecked(eip).dst_addr();
                write!(f, "icmp {edst} unreachable ")?;
                code_text(f)?;
                match code {
                    2 => write!(f, " {}", Proto(eip[9], false))?,
                    3 => {
                        write!(f, " {}", Proto(eip[9], true))?;
                        if eudph_len < 4 {
                            return f.write_str("truncated-icmp");
                        }
                        write!(f, "/{}", be16(eip, ehl as usize + 2))?;
                    }
                    4 => {
                        let mtu = be16(th, 6);
                        if mtu != 0 {
                            write!(f, " (mtu {mtu})")?;
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            _ => {
                f.write_str("icmp ")?;
                match rev(names::ICMP_TYPES, ty) {
                    Some(n) => f.write_str(n)?,
                    None => write!(f, "type {ty}")?,
                }
                match rev(names::icmp_codes(ty), code) {
                    Some(n) => write!(f, " {n}"),
                    None if code != 0 => write!(f, " code {code}"),
                    None => Ok(()),
                }
            }
        }
    }

    fn contents(
        &self,
        f: &mut fmt::Formatter<'_>,
        ip: &Ipv4Packet<&[u8]>,
        th: &[u8],
    ) -> fmt::Result {
        let e = self.e;
        let first = ip.frag_offset_units() == 0;
        let data: &[u8] = if e.payload {
            let skip = match ip.protocol() {
                protocol::TCP if first => th.get(12).map_or(0, |b| usize::from(b >> 4) * 4),
                protocol::UDP if first => 8,
                _ => 0,
            };
            th.get(skip..).unwrap_or(&[])
        } else {
            self.p.data()
        };
        let n = if e.bytes < 0 {
            data.len()
        } else {
            data.len().min(e.bytes as usize)
        };
        let (line, group) = if e.contents == Contents::Hex {
            (24, 4)
        } else {
            (48, 8)
        };
        for (i, &b) in data[..n].iter().enumerate() {
            if i % line == 0 {
                f.write_str("\n  ")?;
            } else if i % group == 0 {
                f.write_char(' ')?;
            }
            if e.contents == Contents::Hex {
                write!(f, "{b:02x}")?;
            } else if (32..=126).contains(&b) {
                f.write_char(b as char)?;
            } else {
                f.write_char('.')?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (e, p) = (self.e, self.p);
        if !e.label.is_empty() {
            write!(f, "{}: ", e.label)?;
        }
        if e.print_timestamp {
            write!(f, "{}: ", p.anno().timestamp)?;
        }
        if e.print_aggregate {
            write!(f, "#{}", p.anno().aggregate)?;
        }
        if e.print_paint {
            let pre = if e.print_aggregate { "." } else { "paint " };
            write!(f, "{pre}{}", p.anno().paint)?;
        }
        if e.print_aggregate || e.print_paint {
            f.write_str(": ")?;
        }
        let nh = p.network_header().unwrap_or(&[]);
        if nh.len() < IP_LEN {
            return f.write_str("truncated-ip");
        }
        let ip = Ipv4Packet::new_unchecked(nh);
        let ip_len = i64::from(ip.total_len());
        let payload_len = ip_len - i64::from(ip.ihl()) * 4;
        let th = p.transport_header().unwrap_or(&[]);
        let tl = (th.len() as i64).min(payload_len);
        if e.print_id {
            write!(f, "id {} ", ip.ident())?;
        }
        if e.print_ttl {
            write!(f, "ttl {} ", ip.ttl())?;
        }
        if e.print_tos {
            write!(f, "tos {} ", ip.tos())?;
        }
        if e.print_len {
            write!(f, "length {ip_len} ")?;
        }
        match ip.protocol() {
            protocol::TCP => self.tcp(f, &ip, th, tl)?,
            protocol::UDP => self.udp(f, &ip, th, tl)?,
            protocol::ICMP => self.icmp(f, &ip, th, tl)?,
            proto => write!(f, "{} > {}: ip-proto-{proto}", ip.src_addr(), ip.dst_addr())?,
        }
        if ip.more_frags() || ip.frag_offset_units() != 0 {
            let mf = if ip.more_frags() { "+" } else { "" };
            write!(
                f,
                " (frag {}:{payload_len}@{}{mf})",
                ip.ident(),
                u32::from(ip.frag_offset_units()) * 8
            )?;
        }
        if e.contents != Contents::None {
            self.contents(f, &ip, th)?;
        }
        Ok(())
    }
}

impl IPPrint {
    #[inline]
    fn print(&self, p: &Packet, cx: &mut Context<'_>) {
        if self.active && p.network_header_offset().is_some() {
            cx.log(
                Level::Info,
                &self.name,
                format_args!("{}", Line { e: self, p }),
            );
        }
    }
}

impl Element for IPPrint {
    const CLASS: &'static str = "IPPrint";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let label = args.positional::<String>("LABEL").unwrap_or_default();
        let contents_arg = args.keyword::<Word>("CONTENTS").map(|w| w.0);
        let contents_span = args.last_span();
        let payload_arg = args.keyword::<Word>("PAYLOAD").map(|w| w.0);
        let payload_span = args.last_span();
        let mut bytes = args.keyword::<i32>("MAXLENGTH").unwrap_or(1500);
        if let Some(n) = args.keyword::<i32>("NBYTES") {
            bytes = n;
        }
        let print_id = args.keyword::<bool>("ID").unwrap_or(false);
        let print_timestamp = args.keyword::<bool>("TIMESTAMP").unwrap_or(true);
        let print_paint = args.keyword::<bool>("PAINT").unwrap_or(false);
        let print_tos = args.keyword::<bool>("TOS").unwrap_or(false);
        let print_ttl = args.keyword::<bool>("TTL").unwrap_or(false);
        let swap = args.keyword::<bool>("SWAP").unwrap_or(true);
        let print_len = args.keyword::<bool>("LENGTH").unwrap_or(false);
        let print_aggregate = args.keyword::<bool>("AGGREGATE").unwrap_or(false);
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let _channel = args.keyword::<Word>("CHANNEL");
        let whole = args.span();

        let mut contents_text = contents_arg.unwrap_or_else(|| String::from("no"));
        let mut contents = match bool::from_arg(&contents_text, &NoNames) {
            Ok(true) => Contents::Hex,
            Ok(false) => Contents::None,
            Err(_) => {
                contents_text = contents_text.to_ascii_uppercase();
                match contents_text.as_str() {
                    "NONE" => Contents::None,
                    "HEX" => Contents::Hex,
                    "ASCII" => Contents::Ascii,
                    _ => {
                        args.error(
                            contents_span,
                            format!(
                                "bad contents value '{contents_text}'; should be 'NONE', 'HEX', or 'ASCII'"
                            ),
                        );
                        Contents::None
                    }
                }
            }
        };
        let payload_v = match payload_arg
            .unwrap_or_else(|| String::from("no"))
            .to_ascii_uppercase()
            .as_str()
        {
            "NO" | "FALSE" => Contents::None,
            "YES" | "TRUE" | "HEX" => Contents::Hex,
            "ASCII" => Contents::Ascii,
            _ => {
                // Click's message quotes the CONTENTS value here.
                args.error(
                    payload_span,
                    format!(
                        "bad payload value '{contents_text}'; should be 'false', 'hex', or 'ascii'"
                    ),
                );
                Contents::None
            }
        };
        let mut payload = false;
        if payload_v != Contents::None && contents != Contents::None {
            args.error(whole, "specify at most one of PAYLOAD and CONTENTS");
        } else if payload_v != Contents::None {
            contents = payload_v;
            payload = true;
        }
        args.finish()?;
        Ok(IPPrint {
            name: cx.name.to_string(),
            label,
            contents,
            payload,
            bytes,
            print_id,
            print_timestamp,
            print_paint,
            print_tos,
            print_ttl,
            print_len,
            print_aggregate,
            swap,
            active,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.print(&p, cx);
        out.push(0, p, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.print(&p, cx);
        Some(p)
    }
}

impl Handlers for IPPrint {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "active",
        "whether the element prints",
    )];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "active" => Ok(self.active.to_string()),
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
        match name {
            "active" => {
                self.active =
                    bool::from_arg(value.trim(), &NoNames).map_err(HandlerError::BadValue)?;
                Ok(())
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;
    use proptest::prelude::*;

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    fn ip(proto: u8, payload: &[u8], off: u16) -> Vec<u8> {
        let len = (20 + payload.len()) as u16;
        let mut v = vec![
            0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        v[2..4].copy_from_slice(&len.to_be_bytes());
        v[6..8].copy_from_slice(&off.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// The lines printed for `packets` (each marked as IP at offset 0).
    fn lines(config: &str, packets: &[Vec<u8>]) -> Vec<String> {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = KeepLog::default();
        let mut out = Collect::new();
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut e: IPPrint = configure(config, P).unwrap();
            for d in packets {
                let mut p: Packet = pool.packet(d).unwrap().into();
                p.anno_mut().timestamp = Timestamp::from_parts(1_700_000_000, 1_000_000);
                p.anno_mut().paint = 3;
                p.anno_mut().aggregate = 9;
                let hl = if d.len() >= 20 {
                    usize::from(d[0] & 15) * 4
                } else {
                    d.len()
                };
                let _ = p.set_network_header(0, hl.min(d.len()));
                e.push(0, p, &mut out, &mut cx);
            }
        }
        assert_eq!(out.count(0), packets.len());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        log.messages.into_iter().map(|(_, m)| m).collect()
    }

    fn tcp_seg(flags: u8) -> Vec<u8> {
        let mut t = vec![0u8; 20];
        t[0..4].copy_from_slice(&[0x30, 0x39, 0, 80]);
        t[4..8].copy_from_slice(&1000u32.to_be_bytes());
        t[8..12].copy_from_slice(&77u32.to_be_bytes());
        t[12] = 0x50;
        t[13] = flags;
        t[14..16].copy_from_slice(&512u16.to_be_bytes());
        t.extend_from_slice(b"abc");
        t
    }

    #[test]
    fn tcp_udp_and_other_lines() {
        let l = lines(
            "",
            &[
                ip(6, &tcp_seg(0x12), 0),
                ip(6, &tcp_seg(0x10), 0),
                ip(6, &tcp_seg(0x19), 0),
                ip(17, &[0, 53, 4, 0, 0, 11, 0, 0, 1, 2, 3], 0),
                ip(47, b"xx", 0),
                ip(17, &[0, 53], 0),
                ip(6, &tcp_seg(0x10)[..15], 0),
            ],
        );
        assert_eq!(
            l,
            [
                "e: 1700000000.001000: 10.0.0.1.12345 > 10.0.0.2.80: S 1000:1004(4,43,43) ack 77 win 512",
                "e: 1700000000.001000: 10.0.0.1.12345 > 10.0.0.2.80: . 1000:1003(3,43,43) ack 77 win 512",
                "e: 1700000000.001000: 10.0.0.1.12345 > 10.0.0.2.80: FP 1000:1004(4,43,43) ack 77 win 512",
                "e: 1700000000.001000: 10.0.0.1.53 > 10.0.0.2.1024: udp 11",
                "e: 1700000000.001000: 10.0.0.1 > 10.0.0.2: ip-proto-47",
                "e: 1700000000.001000: 10.0.0.1 > 10.0.0.2: truncated-udp",
                "e: 1700000000.001000: 10.0.0.1.12345 > 10.0.0.2.80: . 1000:995(-5,35,35) ack 77truncated-tcp",
            ]
        );
    }

    #[test]
    fn icmp_lines() {
        let mut unreach = vec![3, 3, 0, 0, 0, 0, 0, 0];
        unreach.extend_from_slice(&ip(17, &[0, 1, 0, 53, 0, 8, 0, 0], 0));
        let mut needfrag = vec![3, 4, 0, 0, 0, 0, 0x05, 0xdc];
        needfrag.extend_from_slice(&ip(6, &[], 0));
        let l = lines(
            "TIMESTAMP false",
            &[
                ip(1, &[8, 0, 0, 0, 0x01, 0x02, 0x00, 0x07], 0),
                ip(1, &[0, 0, 0, 0, 0x01, 0x02, 0x00, 0x07], 0),
                ip(1, &unreach, 0),
                ip(1, &needfrag, 0),
                ip(1, &[11, 1, 0, 0], 0),
                ip(1, &[42, 9, 0, 0], 0),
                ip(1, &[3, 1, 0, 0, 0, 0, 0, 0, 0x45], 0),
                ip(1, &[8], 0),
                ip(1, &[8, 0, 0, 0], 0x2001),
            ],
        );
        assert_eq!(
            l,
            [
                "e: 10.0.0.1 > 10.0.0.2: icmp echo (258, 7)",
                "e: 10.0.0.1 > 10.0.0.2: icmp echo-reply (258, 7)",
                "e: 10.0.0.1 > 10.0.0.2: icmp 10.0.0.2 unreachable port udp/53",
                "e: 10.0.0.1 > 10.0.0.2: icmp 10.0.0.2 unreachable needfrag (mtu 1500)",
                "e: 10.0.0.1 > 10.0.0.2: icmp timeexceeded reassembly",
                "e: 10.0.0.1 > 10.0.0.2: icmp type 42 code 9",
                "e: 10.0.0.1 > 10.0.0.2: icmp unreachable host truncated-icmp",
                "e: 10.0.0.1 > 10.0.0.2: truncated-icmp",
                "e: 10.0.0.1 > 10.0.0.2: icmp (frag 4660:4@8+)",
            ]
        );
        let l = lines(
            "SWAP false, TIMESTAMP false",
            &[ip(1, &[8, 0, 0, 0, 0x01, 0x02, 0x00, 0x07], 0)],
        );
        assert_eq!(l, ["e: 10.0.0.1 > 10.0.0.2: icmp echo (513, 1792)"]);
    }

    #[test]
    fn keywords_and_contents() {
        let pkt = ip(17, &[0, 53, 4, 0, 0, 11, 0, 0, b'h', b'i', 0], 0);
        let l = lines(
            "lbl, TIMESTAMP false, ID true, TTL true, TOS true, LENGTH true, AGGREGATE true, PAINT true, CONTENTS true, MAXLENGTH 6",
            core::slice::from_ref(&pkt),
        );
        assert_eq!(
            l,
            ["e: lbl: #9.3: id 4660 ttl 64 tos 0 length 31 10.0.0.1.53 > 10.0.0.2.1024: udp 11\n  4500001f 1234"]
        );
        let l = lines(
            "TIMESTAMP false, PAINT true, PAYLOAD ascii",
            core::slice::from_ref(&pkt),
        );
        assert_eq!(
            l,
            ["e: paint 3: 10.0.0.1.53 > 10.0.0.2.1024: udp 11\n  hi."]
        );
        let long = ip(47, &[0xab; 30], 0);
        let l = lines("TIMESTAMP false, PAYLOAD hex", &[long]);
        assert_eq!(
            l,
            ["e: 10.0.0.1 > 10.0.0.2: ip-proto-47\n  abababab abababab abababab abababab abababab abababab\n  abababab abab"]
        );
        let l = lines("TIMESTAMP false", &[vec![0x45, 0, 0]]);
        assert_eq!(l, ["e: truncated-ip"]);
        let l = lines("ACTIVE false", &[pkt]);
        assert!(l.is_empty());
    }

    #[test]
    fn configuration_and_handlers() {
        let msg = |c: &str| {
            configure::<IPPrint>(c, P).unwrap_err().errors[0]
                .message
                .clone()
        };
        assert_eq!(
            msg("CONTENTS purple"),
            "bad contents value 'PURPLE'; should be 'NONE', 'HEX', or 'ASCII'"
        );
        assert_eq!(
            msg("PAYLOAD purple"),
            "bad payload value 'no'; should be 'false', 'hex', or 'ascii'"
        );
        assert_eq!(
            msg("PAYLOAD hex, CONTENTS hex"),
            "specify at most one of PAYLOAD and CONTENTS"
        );
        assert!(msg("BOGUS 1").contains("unknown argument"));
        let hc = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        let mut e: IPPrint = configure("x", P).unwrap();
        assert_eq!(e.read_handler("active", &hc).unwrap(), "true");
        e.write_handler("active", "false", &hc).unwrap();
        assert_eq!(e.read_handler("active", &hc).unwrap(), "false");
        assert!(e.write_handler("active", "maybe", &hc).is_err());
        // Pulled packets print too; unmarked packets pass silently.
        e.write_handler("active", "true", &hc).unwrap();
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = KeepLog::default();
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut feed = Feed::new();
            feed.add(0, pool.packet(&ip(47, b"", 0)).unwrap().into());
            let p = e.pull(0, &mut feed, &mut cx).unwrap();
            drop(p);
        }
        assert!(log.messages.is_empty());
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..120), nh in 0usize..64,
                        payload in any::<bool>()) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = KeepLog::default();
            {
                let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
                let config = if payload { "PAYLOAD hex, MAXLENGTH -1" } else { "CONTENTS ascii, ID true" };
                let mut e: IPPrint = configure(config, P).unwrap();
                let mut p: Packet = pool.packet(&data).unwrap().into();
                let _ = p.set_network_header(0, nh.min(data.len()));
                let mut out = Collect::new();
                e.push(0, p, &mut out, &mut cx);
                prop_assert_eq!(out.count(0), 1);
            }
            prop_assert_eq!(log.messages.len(), 1);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
