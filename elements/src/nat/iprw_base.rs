//! What Click's rewriters share (`IPRewriterBase`, `IPRewriterInput` and the flows'
//! `apply`): input specifications, keyword arguments, timeouts and reaping, the per-packet
//! path of each rewriter kind, and the handlers. The element files are thin wrappers.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use core::time::Duration;

use super::iprw_pattern::{FlowId, Pattern, Rewrite};
use super::iprw_table::{update_csum, Flow, FlowClass, Table};
use crate::element::args::{split_words, Args, ConfigArg, ConfigError, FromArg};
use crate::element::{
    Access, ConfigContext, Context, HandlerContext, HandlerError, HandlerSpec, Output,
};
use crate::packet::{Packet, Timestamp, WritablePacket};
use crate::wire::ipv4::{protocol, Ipv4Packet};
use crate::wire::Ipv4Address;

/// Byte ranges in the transport header that Click's rewriters touch. Click writes them as
/// soon as the segment is long enough to hold them (8 bytes for ports, 18 for the TCP
/// checksum), which is less than the wire views' `check_len` asks for, so the fields are
/// named here.
mod field {
    use core::ops::Range;
    /// TCP and UDP source port (ICMP: type and code, then checksum).
    pub const SRC_PORT: Range<usize> = 0..2;
    /// TCP and UDP destination port.
    pub const DST_PORT: Range<usize> = 2..4;
    /// UDP checksum.
    pub const UDP_CHECKSUM: Range<usize> = 6..8;
    /// TCP data offset (high nibble).
    pub const TCP_OFFSET: usize = 12;
    /// TCP flags.
    pub const TCP_FLAGS: usize = 13;
    /// TCP checksum.
    pub const TCP_CHECKSUM: Range<usize> = 16..18;
    /// ICMP type.
    pub const ICMP_TYPE: usize = 0;
    /// ICMP checksum.
    pub const ICMP_CHECKSUM: Range<usize> = 2..4;
    /// ICMP echo identifier.
    pub const ICMP_IDENT: Range<usize> = 4..6;
}

const TH_FIN: u8 = 0x01;
const TH_SYN: u8 = 0x02;
const TH_RST: u8 = 0x04;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO: u8 = 8;
const IP_OFFMASK: u16 = 0x1FFF;

/// Which Click class a rewriter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// IPRewriter: TCP flows in map 0, UDP flows in map 1.
    Ip,
    /// TCPRewriter: TCP only.
    Tcp,
    /// UDPRewriter: TCP, UDP and DCCP, ports only.
    Udp,
    /// IPAddrRewriter: source address only.
    IpAddr,
    /// IPAddrPairRewriter: address pairs.
    IpAddrPair,
    /// ICMPPingRewriter: echo addresses and identifiers.
    IcmpPing,
}

/// What an input does with a packet that has no mapping (Click's `IPRewriterInput`).
#[derive(Debug, Clone)]
pub(crate) enum SpecKind {
    Drop,
    Pass,
    Keep,
    Pattern(Pattern),
}

/// One input's specification and counters.
#[derive(Debug, Clone)]
pub(crate) struct InputSpec {
    pub kind: SpecKind,
    pub foutput: usize,
    pub routput: usize,
    pub failures: u32,
}

/// What the input spec decided for a new flow.
enum Decision {
    Output(usize),
    Drop,
    AddMap(FlowId),
}

fn int_word(w: &str) -> Option<i64> {
    i32::from_arg(w, &crate::element::args::NoNames)
        .ok()
        .map(i64::from)
}

/// Click's `IPRewriterBase::parse_input_spec`; the message lacks the `input spec N: `
/// prefix.
pub(crate) fn parse_input_spec(
    text: &str,
    noutputs: usize,
    is_element: bool,
    names: &dyn crate::element::args::Resolver,
) -> Result<InputSpec, String> {
    let words = split_words(text, 0);
    let Some(first) = words.first() else {
        return Err(String::from("empty argument"));
    };
    let word = first.text.as_str();
    let rest: Vec<&str> = words[1..].iter().map(|w| w.text.as_str()).collect();
    let mut spec = InputSpec {
        kind: SpecKind::Drop,
        foutput: 0,
        routput: 0,
        failures: 0,
    };
    let in_range = |o: i64| o >= 0 && (o as usize) < noutputs;
    let ports = |words: &[&str]| -> Result<(i64, i64), String> {
        let f = match words {
            [f, _] => int_word(f),
            _ => None,
        }
        .ok_or_else(|| String::from("bad forward port"))?;
        let r = int_word(words[1]).ok_or_else(|| String::from("bad reply port"))?;
        Ok((f, r))
    };
    match word {
        "pass" | "passthrough" | "nochange" => {
            let out = match rest.as_slice() {
                [] => 0,
                [w] => int_word(w)
                    .ok_or_else(|| String::from("syntax error, expected 'nochange [OUTPUT]'"))?,
                _ => return Err(String::from("syntax error, expected 'nochange [OUTPUT]'")),
            };
            if !in_range(out) {
                return Err(String::from("output port out of range"));
            }
            spec.kind = SpecKind::Pass;
            spec.foutput = out as usize;
        }
        "keep" => {
            let (f, r) = ports(&rest)?;
            if !in_range(f) || !in_range(r) {
                return Err(String::from("output port out of range"));
            }
            spec.kind = SpecKind::Keep;
            (spec.foutput, spec.routput) = (f as usize, r as usize);
        }
        "drop" | "discard" => {
            if !rest.is_empty() {
                return Err(format!("syntax error, expected '{word}'"));
            }
        }
        "pattern" | "xpattern" => {
            if rest.len() <= 2 {
                return Err(String::from("syntax error"));
            }
            let n = rest.len();
            // One word names a pattern an IPRewriterPatterns element defines.
            let named = match &rest[..n - 2] {
                [name] => names.rewriter_pattern(name),
                _ => None,
            };
            let pattern = match named {
                Some(text) => {
                    let words: Vec<&str> = text.split_whitespace().collect();
                    Pattern::parse_with(&words, names)?
                }
                None => Pattern::parse_with(&rest[..n - 2], names)?,
            };
            let (f, r) = ports(&rest[n - 2..])?;
            if !in_range(f) || !in_range(r) {
                return Err(String::from("output port out of range"));
            }
            spec.kind = SpecKind::Pattern(pattern);
            (spec.foutput, spec.routput) = (f as usize, r as usize);
        }
        _ if is_element => {
            return Err(String::from(if rest.is_empty() {
                "element is not an IPMapper"
            } else {
                "syntax error, expected element name"
            }))
        }
        _ => return Err(String::from("unknown specification")),
    }
    Ok(spec)
}

/// Timeouts in milliseconds (Click's jiffies at `CLICK_HZ` 1000).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// `_timeouts[0]`: the base timeout (TCP: no-data timeout).
    pub timeout: u64,
    /// `_timeouts[1]`: the base guarantee (TCP: TCP_GUARANTEE).
    pub guarantee: u64,
    pub tcp_data: u64,
    pub tcp_done: u64,
    /// UDP timeouts (IPRewriter's own; the base ones for UDPRewriter).
    pub udp: u64,
    pub udp_guarantee: u64,
    pub udp_streaming: u64,
}

fn secs(d: Duration) -> u64 {
    // Click's SecondsArg keeps whole seconds.
    d.as_secs().min(u64::from(u32::MAX)) * 1000
}

/// The state every rewriter keeps.
#[derive(Debug)]
pub(crate) struct Rewriter {
    kind: Kind,
    pub table: Table,
    pub specs: Vec<InputSpec>,
    t: Timeouts,
    dst_anno: bool,
    reap_interval: u64,
    next_reap: Option<u64>,
    noutputs: usize,
    /// Packets dropped because they were not IP (no network header, or under 20 bytes), or
    /// because no buffer could be had to write them.
    pub bad: u64,
}

/// Flows allocated when MAPPING_CAPACITY is not given (Click's default is unbounded).
pub(crate) const DEFAULT_CAPACITY: usize = 16384;

fn now_ms(now: Timestamp) -> u64 {
    now.as_nanos() / 1_000_000
}

impl Rewriter {
    /// Reads the keywords of `kind` and its input specifications, as Click's configure
    /// chain does (subclass keywords, then IPRewriterBase's, then one spec per input).
    pub fn configure(
        kind: Kind,
        mut args: Args<'_>,
        cx: &ConfigContext<'_>,
    ) -> Result<Rewriter, ConfigError> {
        let mut t = Timeouts {
            timeout: 300,
            guarantee: 5,
            tcp_data: 86400,
            tcp_done: 240,
            udp: 300,
            udp_guarantee: 5,
            udp_streaming: 0,
        };
        let mut dst_anno = true;
        let mut streaming: Option<Duration> = None;
        let mut udp_guarantee: Option<Duration> = None;
        let mut guarantee: Option<Duration> = None;
        let mut timeout: Option<Duration> = None;
        match kind {
            Kind::Ip | Kind::Tcp => {
                if kind == Kind::Ip {
                    if let Some(d) = args.keyword::<Duration>("UDP_TIMEOUT") {
                        t.udp = d.as_secs();
                    }
                    streaming = args.keyword("UDP_STREAMING_TIMEOUT");
                    udp_guarantee = args.keyword("UDP_GUARANTEE");
                }
                if let Some(d) = args.keyword::<Duration>("TCP_NODATA_TIMEOUT") {
                    t.timeout = d.as_secs();
                }
                guarantee = args.keyword("TCP_GUARANTEE");
                if let Some(d) = args.keyword::<Duration>("TIMEOUT") {
                    t.tcp_data = d.as_secs();
                }
                if let Some(d) = args.keyword::<Duration>("TCP_TIMEOUT") {
                    t.tcp_data = d.as_secs();
                }
                if let Some(d) = args.keyword::<Duration>("TCP_DONE_TIMEOUT") {
                    t.tcp_done = d.as_secs();
                }
                dst_anno = args.keyword("DST_ANNO").unwrap_or(true);
            }
            Kind::Udp => {
                dst_anno = args.keyword("DST_ANNO").unwrap_or(true);
                if let Some(d) = args.keyword::<Duration>("UDP_TIMEOUT") {
                    t.timeout = d.as_secs();
                }
                timeout = args.keyword("TIMEOUT");
                streaming = args.keyword("UDP_STREAMING_TIMEOUT");
                if let Some(d) = args.keyword("STREAMING_TIMEOUT") {
                    streaming = Some(d);
                }
                guarantee = args.keyword("UDP_GUARANTEE");
            }
            Kind::IpAddr | Kind::IpAddrPair => t.timeout = 7200,
            Kind::IcmpPing => dst_anno = args.keyword("DST_ANNO").unwrap_or(true),
        }
        if let Some(anno) = args.keyword::<String>("REPLY_ANNO") {
            let span = args.last_span();
            args.error(
                span,
                format!("REPLY_ANNO is not supported (given {anno:?})"),
            );
        }
        // IPRewriterBase's keywords.
        let mut capacity: Option<String> = args.keyword("CAPACITY");
        if let Some(c) = args.keyword("MAPPING_CAPACITY") {
            capacity = Some(c);
        }
        let capacity_span = args.last_span();
        if let Some(d) = timeout.or_else(|| {
            args.keyword::<Duration>("TIMEOUT")
                .filter(|_| !matches!(kind, Kind::Ip | Kind::Tcp))
        }) {
            t.timeout = d.as_secs();
        }
        if let Some(d) = args.keyword::<Duration>("GUARANTEE") {
            guarantee = Some(d);
        }
        let mut reap = 15 * 60;
        if let Some(d) = args.keyword::<Duration>("REAP_INTERVAL") {
            reap = d.as_secs();
        }
        if let Some(d) = args.keyword::<Duration>("REAP_TIME") {
            reap = d.as_secs();
        }
        if let Some(d) = guarantee {
            t.guarantee = d.as_secs();
        }
        if let Some(d) = udp_guarantee {
            t.udp_guarantee = d.as_secs();
        }
        t.udp_streaming = streaming
            .map_or(if kind == Kind::Udp { t.timeout } else { t.udp }, |d| {
                d.as_secs()
            });
        if kind == Kind::Udp {
            (t.udp, t.udp_guarantee) = (t.timeout, t.guarantee);
        }
        for v in [
            &mut t.timeout,
            &mut t.guarantee,
            &mut t.tcp_data,
            &mut t.tcp_done,
            &mut t.udp,
            &mut t.udp_guarantee,
            &mut t.udp_streaming,
        ] {
            *v = secs(Duration::from_secs(*v));
        }

        let mut cap = DEFAULT_CAPACITY;
        if let Some(word) = capacity {
            match int_word(&word) {
                Some(n) if n >= 0 && n as usize <= Table::MAX_CAPACITY => cap = n as usize,
                Some(n) if n >= 0 => args.error(
                    capacity_span,
                    format!("MAPPING_CAPACITY: at most {} flows", Table::MAX_CAPACITY),
                ),
                _ => {
                    let message = if args.names().element(&word).is_some() {
                        "MAPPING_CAPACITY: sharing another rewriter's capacity is not supported"
                    } else {
                        "bad MAPPING_CAPACITY"
                    };
                    args.error(capacity_span, message);
                }
            }
        }

        let rest: Vec<ConfigArg> = args.rest();
        let ninputs = cx.ports.inputs;
        let mut specs = Vec::with_capacity(ninputs);
        if rest.len() != ninputs {
            let span = args.span();
            args.error(
                span,
                format!("need {ninputs} arguments, one per input port"),
            );
        } else {
            for (i, arg) in rest.iter().enumerate() {
                let first = arg.text.split_whitespace().next().unwrap_or("");
                let is_element = args.names().element(first).is_some();
                match parse_input_spec(&arg.text, cx.ports.outputs, is_element, args.names()) {
                    Ok(s) => specs.push(s),
                    Err(m) => args.error(arg.span, format!("input spec {i}: {m}")),
                }
            }
        }
        args.finish()?;
        Ok(Rewriter {
            kind,
            table: Table::new(cap, ninputs),
            specs,
            t,
            dst_anno,
            reap_interval: secs(Duration::from_secs(reap)),
            next_reap: None,
            noutputs: cx.ports.outputs,
            bad: 0,
        })
    }

    /// Arms the reap timer (Click's `_gc_timer`).
    pub fn initialize(&mut self, now: Timestamp) {
        if self.reap_interval > 0 {
            self.next_reap = Some(now_ms(now) + self.reap_interval);
        }
    }

    /// When the reap timer fires next.
    pub fn next_timer(&self) -> Option<Timestamp> {
        self.next_reap
            .map(|ms| Timestamp(ms.saturating_mul(1_000_000)))
    }

    /// Reaps expired flows and rearms.
    pub fn run_timer(&mut self, now: Timestamp) {
        self.shrink(false, now_ms(now));
        if self.reap_interval > 0 {
            self.next_reap = Some(now_ms(now) + self.reap_interval);
        }
    }

    fn flow_timeout(&self, f: &Flow) -> u64 {
        match f.class {
            FlowClass::Tcp => {
                if f.tflags & 3 == 3 {
                    self.t.tcp_done
                } else if f.tflags & 12 == 12 {
                    self.t.tcp_data
                } else {
                    self.t.timeout
                }
            }
            FlowClass::Udp => {
                if f.tflags > 6 {
                    self.t.udp_streaming
                } else {
                    self.t.udp
                }
            }
            FlowClass::Plain => self.t.timeout,
        }
    }

    fn flow_guarantee(&self, f: &Flow) -> u64 {
        match f.class {
            FlowClass::Udp => self.t.udp_guarantee,
            _ => self.t.guarantee,
        }
    }

    /// Click's `best_effort_expiry`.
    fn best_effort_expiry(&self, f: &Flow) -> u64 {
        (f.expiry + self.flow_timeout(f)).saturating_sub(self.flow_guarantee(f))
    }

    /// Click's `shift_heap_best_effort`.
    fn shift_best_effort(&mut self, now: u64) {
        while let Some(f) = self.table.heap_top(1) {
            let Some(fl) = self.table.flow(f) else { break };
            if fl.expiry > now {
                break;
            }
            let e = self.best_effort_expiry(fl);
            self.table.change_expiry(f, false, e);
        }
    }

    /// Click's `shrink_heap`: destroys expired flows, then flows over the capacity (all of
    /// them when `clear_all`).
    pub fn shrink(&mut self, clear_all: bool, now: u64) {
        self.shift_best_effort(now);
        while let Some(f) = self.table.heap_top(0) {
            if self.table.flow(f).is_none_or(|fl| fl.expiry > now) {
                break;
            }
            self.table.destroy(f);
        }
        let capacity = if clear_all { 0 } else { self.table.capacity() };
        while self.table.size() > capacity {
            let heap = usize::from(self.table.heap_top(0).is_none());
            match self.table.heap_top(heap) {
                Some(f) => self.table.destroy(f),
                None => break,
            }
        }
    }

    /// Click's `IPRewriterInput::rewrite_flowid` against reply map `map`.
    fn decide(&mut self, port: usize, flowid: FlowId, map: u8) -> Decision {
        let table = &self.table;
        let Some(spec) = self.specs.get_mut(port) else {
            return Decision::Drop;
        };
        match &mut spec.kind {
            SpecKind::Pass => Decision::Output(spec.foutput),
            SpecKind::Drop => Decision::Drop,
            SpecKind::Keep => Decision::AddMap(flowid),
            SpecKind::Pattern(p) => match p.rewrite(flowid, |k| table.lookup(map, k).is_some()) {
                Rewrite::AddMap(rw) => Decision::AddMap(rw),
                Rewrite::Drop => {
                    spec.failures += 1;
                    Decision::Drop
                }
            },
        }
    }

    /// Click's `add_flow` + `store_flow`: the new flow's slot, or None if the capacity
    /// check evicted it.
    fn add_flow(
        &mut self,
        port: usize,
        flowid: FlowId,
        rewritten: FlowId,
        map: u8,
        class: FlowClass,
        now: u64,
    ) -> Option<usize> {
        let spec = self.specs.get(port)?;
        let (fout, rout) = (spec.foutput, spec.routput);
        let mut flow = Flow::new(
            flowid,
            rewritten,
            [fout as u16, rout as u16],
            map,
            port as u16,
            class,
        );
        if self.kind == Kind::IcmpPing {
            // ICMPPingFlow: the ICMP checksum covers the identifier only.
            flow.udp_delta = crate::wire::checksum::update_u16(0, flowid.sport, rewritten.sport);
        }
        let g = self.flow_guarantee(&flow);
        let (guaranteed, expiry) = if g != 0 {
            (true, now + g)
        } else {
            (false, now + self.flow_timeout(&flow))
        };
        let f = self.table.insert(flow, guaranteed, expiry)?;
        if self.table.size() > self.table.capacity() {
            self.shift_best_effort(now);
            let dead = self.table.heap_top(0).unwrap_or(f);
            self.table.destroy(dead);
            if dead == f {
                if let Some(s) = self.specs.get_mut(port) {
                    s.failures += 1;
                }
                return None;
            }
        }
        Some(f)
    }

    fn pass_or_drop<O: Output + ?Sized>(
        &mut self,
        port: usize,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        match self.specs.get(port) {
            Some(InputSpec {
                kind: SpecKind::Pass,
                foutput,
                ..
            }) => out.push(*foutput, p, cx),
            _ => drop(p),
        }
    }

    /// Handles one packet arriving on input `port`.
    pub fn push<O: Output + ?Sized>(
        &mut self,
        port: usize,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        let pool = *cx.pool();
        let Ok(mut p) = p.make_unique(&pool) else {
            self.bad += 1;
            return;
        };
        let Some(ip) = p.network_header().filter(|h| h.len() >= 20) else {
            self.bad += 1;
            return;
        };
        let iph = Ipv4Packet::new_unchecked(ip);
        let (ip_p, src, dst) = (
            iph.protocol(),
            iph.src_addr().to_u32(),
            iph.dst_addr().to_u32(),
        );
        let first_frag = iph.frag_offset_units() & IP_OFFMASK == 0;
        let th: &[u8] = p.transport_header().unwrap_or(&[]);
        let tlen = th.len();
        let be16 =
            |r: core::ops::Range<usize>| th.get(r).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
        let now = now_ms(cx.now());
        let mut echo_reply = false;

        // Which packets this kind handles at all, its flow identifier, and its map.
        let (flowid, map, class) = match self.kind {
            Kind::Ip | Kind::Tcp | Kind::Udp => {
                let ok = match self.kind {
                    Kind::Ip => ip_p == protocol::TCP || ip_p == protocol::UDP,
                    Kind::Tcp => ip_p == protocol::TCP,
                    _ => ip_p == protocol::TCP || ip_p == protocol::UDP || ip_p == 33,
                };
                if !ok || !first_frag || tlen < 8 {
                    return self.pass_or_drop(port, p.into(), out, cx);
                }
                let flowid = FlowId {
                    saddr: src,
                    sport: be16(field::SRC_PORT),
                    daddr: dst,
                    dport: be16(field::DST_PORT),
                };
                let (map, class) = match self.kind {
                    Kind::Ip if ip_p == protocol::UDP => (1, FlowClass::Udp),
                    Kind::Udp => (0, FlowClass::Udp),
                    _ => (0, FlowClass::Tcp),
                };
                (flowid, map, class)
            }
            Kind::IpAddr => {
                let flowid = FlowId {
                    saddr: src,
                    ..FlowId::default()
                };
                (flowid, 0, FlowClass::Plain)
            }
            Kind::IpAddrPair => (
                FlowId {
                    saddr: src,
                    sport: 0,
                    daddr: dst,
                    dport: 0,
                },
                0,
                FlowClass::Plain,
            ),
            Kind::IcmpPing => {
                let ty = th.get(field::ICMP_TYPE).copied();
                if ip_p != protocol::ICMP
                    || !first_frag
                    || tlen < 6
                    || !matches!(ty, Some(ICMP_ECHO | ICMP_ECHO_REPLY))
                {
                    return self.pass_or_drop(port, p.into(), out, cx);
                }
                let echo = ty == Some(ICMP_ECHO);
                echo_reply = !echo;
                let id = be16(field::ICMP_IDENT);
                let flowid = FlowId {
                    saddr: src,
                    sport: id.wrapping_add(u16::from(!echo)),
                    daddr: dst,
                    dport: id.wrapping_add(u16::from(echo)),
                };
                (flowid, 0, FlowClass::Plain)
            }
        };

        let mut found = self.table.lookup(map, &flowid);
        if found.is_none() && self.kind == Kind::IpAddr {
            let r = FlowId {
                daddr: dst,
                ..FlowId::default()
            };
            found = self.table.lookup(map, &r);
        }
        if found.is_none() && echo_reply {
            // An echo reply with no mapping.
            return self.pass_or_drop(port, p.into(), out, cx);
        }
        let (f, dir) = match found {
            Some(x) => x,
            None => match self.decide(port, flowid, map) {
                Decision::Output(o) => {
                    if o < self.noutputs {
                        out.push(o, p.into(), cx);
                    }
                    return;
                }
                Decision::Drop => return,
                Decision::AddMap(mut rw) => {
                    let ok = match self.kind {
                        Kind::IpAddr => rw.sport == 0 && rw.dport == 0 && rw.daddr == 0,
                        Kind::IpAddrPair => rw.sport == 0 && rw.dport == 0,
                        Kind::IcmpPing => {
                            rw.dport = rw.sport.wrapping_add(1);
                            flowid.sport.wrapping_add(1) == flowid.dport
                        }
                        _ => true,
                    };
                    if !ok {
                        return;
                    }
                    match self.add_flow(port, flowid, rw, map, class, now) {
                        Some(f) => (f, 0),
                        None => return,
                    }
                }
            },
        };

        let Some(flow) = self.table.flow_mut(f) else {
            return;
        };
        apply(self.kind, flow, dir, &mut p, self.dst_anno);
        let output = usize::from(flow.out[dir]);
        let fl = flow.clone();
        let g = self.flow_guarantee(&fl);
        if g != 0 {
            self.table.change_expiry(f, true, now + g);
        } else {
            let t = self.flow_timeout(&fl);
            self.table.change_expiry(f, false, now + t);
        }
        out.push(output, p.into(), cx);
    }

    /// Click's table handlers: one line per entry, in index order.
    pub fn table_text(&self, map: u8, now: Timestamp) -> String {
        let now = now_ms(now) as i64;
        let mut s = String::new();
        for (f, dir) in self.table.entries(map) {
            let Some(fl) = self.table.flow(f) else {
                continue;
            };
            let (flow, rw) = (fl.e[dir], fl.rewritten(dir));
            let addr = Ipv4Address::from_u32;
            let _ = match self.kind {
                Kind::IpAddr => write!(s, "{} => {}", addr(flow.saddr), addr(fl.e[1 - dir].daddr)),
                Kind::IpAddrPair => {
                    let reply = fl.e[1 - dir];
                    write!(
                        s,
                        "({}, {}) => ({}, {})",
                        addr(flow.saddr),
                        addr(flow.daddr),
                        addr(reply.daddr),
                        addr(reply.saddr)
                    )
                }
                Kind::IcmpPing => write!(
                    s,
                    "({}, {}, {}) => ({}, {}, {})",
                    addr(flow.saddr),
                    addr(flow.daddr),
                    flow.sport,
                    addr(rw.saddr),
                    addr(rw.daddr),
                    rw.sport
                ),
                _ => write!(s, "{flow} => {rw}"),
            };
            let expiry = if fl.guaranteed {
                self.best_effort_expiry(fl)
            } else {
                fl.expiry
            } as i64;
            let _ = writeln!(
                s,
                " [{}{} {}{}] i{} exp{}",
                if dir == 0 { "*" } else { "" },
                fl.out[0],
                if dir == 1 { "*" } else { "" },
                fl.out[1],
                fl.input,
                (expiry + 500 - now) / 1000
            );
        }
        s
    }

    /// `patterns` (all inputs) or `patternN` (one input).
    pub fn patterns_text(&self, only: Option<usize>) -> String {
        let mut s = String::new();
        for (i, spec) in self.specs.iter().enumerate() {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            match &spec.kind {
                SpecKind::Drop => s += "<drop>",
                SpecKind::Pass => s += "<nochange>",
                SpecKind::Keep => s += "<keep>",
                SpecKind::Pattern(p) => s += &p.unparse(),
            }
            let count = self.table.counts.get(i).copied().unwrap_or(0);
            if count != 0 {
                let _ = write!(s, " [{count}]");
            }
            s.push('\n');
        }
        s
    }

    /// The handlers every rewriter has (Click's `add_rewriter_handlers`).
    pub fn read_common(
        &self,
        name: &str,
        specs: &'static [HandlerSpec],
    ) -> Result<String, HandlerError> {
        let trim = |mut s: String| {
            if s.ends_with('\n') {
                s.pop();
            }
            s
        };
        Ok(match name {
            "nmappings" => self
                .table
                .counts
                .iter()
                .map(|&c| u64::from(c))
                .sum::<u64>()
                .to_string(),
            "mapping_failures" => self
                .specs
                .iter()
                .map(|s| u64::from(s.failures))
                .sum::<u64>()
                .to_string(),
            "size" => self.table.size().to_string(),
            "capacity" => self.table.capacity().to_string(),
            "patterns" => trim(self.patterns_text(None)),
            _ => match name
                .strip_prefix("pattern")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(i) if i < self.specs.len() => trim(self.patterns_text(Some(i))),
                _ => {
                    return Err(crate::element::handler::missing(
                        specs,
                        name,
                        Access::readable,
                        HandlerError::NotReadable,
                    ))
                }
            },
        })
    }

    /// Writes `capacity`, `clear` and `patternN`.
    pub fn write_common(
        &mut self,
        name: &str,
        value: &str,
        cx: &HandlerContext,
        specs: &'static [HandlerSpec],
    ) -> Result<(), HandlerError> {
        let now = now_ms(cx.now);
        match name {
            "capacity" => {
                let n = int_word(value.trim()).filter(|&n| n >= 0).ok_or_else(|| {
                    HandlerError::BadValue(String::from("CAPACITY: expected integer"))
                })?;
                if n as usize > self.table.allocated() {
                    return Err(HandlerError::BadValue(format!(
                        "CAPACITY: at most {} (set MAPPING_CAPACITY to allocate more)",
                        self.table.allocated()
                    )));
                }
                self.table.set_capacity(n as usize);
                self.shrink(false, now);
                Ok(())
            }
            "clear" => {
                self.shrink(true, now);
                Ok(())
            }
            _ => match name
                .strip_prefix("pattern")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(i) if i < self.specs.len() => {
                    let spec = parse_input_spec(
                        value,
                        self.noutputs,
                        false,
                        &crate::element::args::NoNames,
                    )
                    .map_err(|m| HandlerError::BadValue(format!("input spec {i}: {m}")))?;
                    let doomed: Vec<usize> = self
                        .table
                        .live()
                        .filter(|&f| {
                            self.table
                                .flow(f)
                                .is_some_and(|fl| usize::from(fl.input) == i)
                        })
                        .collect();
                    for f in doomed {
                        self.table.destroy(f);
                    }
                    self.specs[i] = spec;
                    Ok(())
                }
                _ => Err(crate::element::handler::missing(
                    specs,
                    name,
                    Access::writable,
                    HandlerError::NotWritable,
                )),
            },
        }
    }
}

/// Click's `apply` for each flow kind: rewrites the addresses (and ports or identifier) of
/// `p` for direction `dir` of `flow`, updating checksums incrementally.
fn apply(kind: Kind, flow: &mut Flow, dir: usize, p: &mut WritablePacket, dst_anno: bool) {
    let reply = dir == 1;
    let rev = flow.e[1 - dir];
    let Some(nh) = p.network_header_mut() else {
        return;
    };
    let mut iph = Ipv4Packet::new_unchecked(&mut nh[..]);
    let ip_len = usize::from(iph.total_len());
    let ihl = iph.header_len();
    match kind {
        Kind::IpAddr => {
            if reply {
                iph.set_dst_addr(Ipv4Address::from_u32(rev.saddr));
            } else {
                iph.set_src_addr(Ipv4Address::from_u32(rev.daddr));
            }
        }
        _ => {
            iph.set_src_addr(Ipv4Address::from_u32(rev.daddr));
            iph.set_dst_addr(Ipv4Address::from_u32(rev.saddr));
        }
    }
    let sum = update_csum(iph.checksum(), reply, flow.ip_delta);
    iph.set_checksum(sum);
    let first_frag = iph.frag_offset_units() & IP_OFFMASK == 0;
    let ip_p = iph.protocol();
    let set_anno = dst_anno && (kind != Kind::IpAddr || reply);
    if set_anno {
        p.anno_mut().dst_ip = Ipv4Address::from_u32(rev.saddr);
    }
    if !first_frag {
        return;
    }
    let Some(th) = p.transport_header_mut() else {
        return;
    };
    let tlen = th.len();
    let get16 =
        |th: &[u8], r: core::ops::Range<usize>| u16::from_be_bytes([th[r.start], th[r.start + 1]]);
    let put16 =
        |th: &mut [u8], r: core::ops::Range<usize>, v: u16| th[r].copy_from_slice(&v.to_be_bytes());
    let update_field = |th: &mut [u8], r: core::ops::Range<usize>, delta: u16| {
        let v = update_csum(get16(th, r.clone()), reply, delta);
        put16(th, r, v);
    };
    match kind {
        Kind::Ip | Kind::Tcp if ip_p == protocol::TCP => {
            if tlen < 18 {
                return;
            }
            put16(th, field::SRC_PORT, rev.dport);
            put16(th, field::DST_PORT, rev.sport);
            update_field(th, field::TCP_CHECKSUM, flow.udp_delta);
            let flags = th[field::TCP_FLAGS];
            let th_off = usize::from(th[field::TCP_OFFSET] >> 4);
            let have_payload = (ihl + th_off * 4) < ip_len;
            let bit = 1u8 << dir;
            if flags & TH_RST != 0 {
                flow.tflags |= 3;
            } else if flags & TH_FIN != 0 {
                flow.tflags |= bit;
            } else if flags & TH_SYN != 0 || have_payload {
                flow.tflags &= !bit;
            }
            if have_payload {
                flow.tflags |= 4 << dir;
            }
        }
        Kind::Ip | Kind::Tcp | Kind::Udp => {
            if tlen >= 4 {
                put16(th, field::SRC_PORT, rev.dport);
                put16(th, field::DST_PORT, rev.sport);
            }
            if ip_p == protocol::TCP {
                if tlen >= 18 {
                    update_field(th, field::TCP_CHECKSUM, flow.udp_delta);
                }
            } else if ip_p == protocol::UDP && tlen >= 8 && get16(th, field::UDP_CHECKSUM) != 0 {
                // A zero UDP checksum means "no checksum" and stays zero.
                update_field(th, field::UDP_CHECKSUM, flow.udp_delta);
            }
            if reply {
                flow.tflags |= 1;
            }
            if flow.tflags < 6 {
                flow.tflags += 2;
            }
        }
        Kind::IpAddr | Kind::IpAddrPair => {
            if ip_p == protocol::TCP && tlen >= 18 {
                update_field(th, field::TCP_CHECKSUM, flow.udp_delta);
            } else if ip_p == protocol::UDP && tlen >= 8 && get16(th, field::UDP_CHECKSUM) != 0 {
                update_field(th, field::UDP_CHECKSUM, flow.udp_delta);
            }
        }
        Kind::IcmpPing => {
            if tlen < 6 {
                return;
            }
            put16(
                th,
                field::ICMP_IDENT,
                if reply { rev.sport } else { rev.dport },
            );
            update_field(th, field::ICMP_CHECKSUM, flow.udp_delta);
            // Click's click_update_zero_in_cksum: all-zero data checksums to 0xFFFF.
            if get16(th, field::ICMP_CHECKSUM) == 0 && th.iter().all(|&b| b == 0) {
                put16(th, field::ICMP_CHECKSUM, 0xFFFF);
            }
        }
    }
}

/// The `patternN` handler names a rewriter lists (Click adds one per input; the list is
/// static here, so it covers the first sixteen inputs).
macro_rules! rewriter_handlers {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            HandlerSpec::read("nmappings", "number of mappings in the table"),
            HandlerSpec::read("mapping_failures", "mappings that could not be created"),
            HandlerSpec::read("patterns", "each input's specification and its flow count"),
            HandlerSpec::read("size", "flows in the flow set"),
            HandlerSpec::read_write("capacity", "capacity of the flow set"),
            HandlerSpec::write("clear", "remove every mapping"),
            HandlerSpec::read_write("pattern0", "input 0's specification (write: replace it)"),
            HandlerSpec::read_write("pattern1", "input 1's specification"),
            HandlerSpec::read_write("pattern2", "input 2's specification"),
            HandlerSpec::read_write("pattern3", "input 3's specification"),
            HandlerSpec::read_write("pattern4", "input 4's specification"),
            HandlerSpec::read_write("pattern5", "input 5's specification"),
            HandlerSpec::read_write("pattern6", "input 6's specification"),
            HandlerSpec::read_write("pattern7", "input 7's specification"),
            HandlerSpec::read_write("pattern8", "input 8's specification"),
            HandlerSpec::read_write("pattern9", "input 9's specification"),
            HandlerSpec::read_write("pattern10", "input 10's specification"),
            HandlerSpec::read_write("pattern11", "input 11's specification"),
            HandlerSpec::read_write("pattern12", "input 12's specification"),
            HandlerSpec::read_write("pattern13", "input 13's specification"),
            HandlerSpec::read_write("pattern14", "input 14's specification"),
            HandlerSpec::read_write("pattern15", "input 15's specification"),
        ]
    };
}
pub(crate) use rewriter_handlers;

/// The `Element` and `Handlers` impls of a rewriter class: `$ty { rw: Rewriter }` of
/// `$kind`, whose table handlers map names to (map id).
macro_rules! rewriter_element {
    ($ty:ident, $class:literal, $kind:expr, [$($table:literal => $map:expr),*], [$($extra:expr),*]) => {
        impl $crate::element::Element for $ty {
            const CLASS: &'static str = $class;
            const PORTS: $crate::element::PortCount = $crate::element::PortCount::new(
                $crate::element::PortRange::AtLeast(1),
                $crate::element::PortRange::AtLeast(1),
            );
            const PROCESSING: $crate::element::ProcessingSpec = $crate::element::ProcessingSpec::PUSH;

            fn configure(
                args: $crate::element::args::Args<'_>,
                cx: &$crate::element::ConfigContext<'_>,
            ) -> Result<Self, $crate::element::args::ConfigError> {
                Ok($ty { rw: $crate::nat::iprw_base::Rewriter::configure($kind, args, cx)? })
            }

            fn initialize(&mut self, cx: &mut $crate::element::Context<'_>) -> Result<(), alloc::string::String> {
                self.rw.initialize(cx.now());
                Ok(())
            }

            #[inline]
            fn push<O: $crate::element::Output + ?Sized>(
                &mut self,
                port: usize,
                p: $crate::packet::Packet,
                out: &mut O,
                cx: &mut $crate::element::Context<'_>,
            ) {
                self.rw.push(port, p, out, cx);
            }

            fn next_timer(&self) -> Option<$crate::packet::Timestamp> {
                self.rw.next_timer()
            }

            fn run_timer<O: $crate::element::Output + ?Sized>(
                &mut self,
                _: &mut O,
                cx: &mut $crate::element::Context<'_>,
            ) {
                self.rw.run_timer(cx.now());
            }
        }

        impl $crate::element::Handlers for $ty {
            const HANDLERS: &'static [$crate::element::HandlerSpec] = {
                use $crate::element::HandlerSpec;
                $crate::nat::iprw_base::rewriter_handlers!($($extra),*)
            };

            fn read_handler(
                &self,
                name: &str,
                cx: &$crate::element::HandlerContext,
            ) -> Result<alloc::string::String, $crate::element::HandlerError> {
                match name {
                    $($table => {
                        let mut s = self.rw.table_text($map, cx.now);
                        if s.ends_with('\n') {
                            s.pop();
                        }
                        Ok(s)
                    })*
                    _ => self.rw.read_common(name, Self::HANDLERS),
                }
            }

            fn write_handler(
                &mut self,
                name: &str,
                value: &str,
                cx: &$crate::element::HandlerContext,
            ) -> Result<(), $crate::element::HandlerError> {
                self.rw.write_common(name, value, cx, Self::HANDLERS)
            }
        }
    };
}
pub(crate) use rewriter_element;
