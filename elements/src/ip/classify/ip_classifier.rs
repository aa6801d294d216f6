//! `IPClassifier`: sends each IP packet to the output of the first tcpdump-like pattern it
//! matches.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::ip_filter::{classify_push, compile_into, config_texts, deliver, recompile};
use super::pattern::{Flavor, Program, Verdict};
use crate::element::args::{Args, ConfigError};
use crate::element::handler::{missing, Access, HandlerSpec};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, Handlers, Output, PortCount,
    PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Classifies IP packets by contents, with tcpdump-like patterns, one per output.
///
/// # Synopsis
///
/// ```text
/// IPClassifier(PATTERN_1, ..., PATTERN_N)
/// ```
///
/// # Ports
///
/// One input; exactly N outputs, one per pattern.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// A packet leaves on the output of the first pattern it matches, and is dropped if it
/// matches none. Input packets must have their IP header marked (CheckIPHeader,
/// MarkIPHeader); packets without a mark are dropped (Click would crash).
///
/// Primitives, each taking an optional relation (`==`, `!=`, and for integer fields `<`,
/// `>`, `<=`, `>=`) and, for most, a mask (`DIRECTIVE & MASK [OP] VALUE`):
///
/// - `ip proto PROTO` (a number or `icmp`, `igmp`, `ipip`, `tcp`, `udp`, `tcpudp`);
/// - `[SRCORDST] host ADDR`, `[SRCORDST] net ADDR/LEN` or `net ADDR mask MASK`, where
///   SRCORDST is `src`, `dst`, `src or dst` (the default) or `src and dst`;
/// - `[SRCORDST] [tcp | udp] port PORT` (a number or a name such as `www`, `ssh`, `dns`);
/// - `ip vers`, `ip hl`, `ip id`, `ip len`, `ip tos`, `ip dscp`, `ip ttl` with a value;
///   `ip ect`, `ip ce`, `ip frag`, `ip unfrag`;
/// - `tcp opt syn|fin|ack|rst|psh|urg`, `tcp win N`, `icmp type TYPE` (a number or a name
///   such as `echo`, `echo-reply`, `unreachable`);
/// - `ip[POS:LEN] VALUE`, `ip[POS]`, and `transp[POS:LEN]`, `tcp[...]`, `udp[...]`,
///   `icmp[...]` for transport header bytes;
/// - `true`, `false`; a pattern of just `-`, `any` or `all` matches everything.
///
/// Connectives are `and`/`&&` (also implied between juxtaposed primitives), `or`/`||`,
/// `not`/`!`, parentheses and `COND ? A : B` (spaces around the colon). Much can be left
/// out, as in Click: `tcp` for `ip proto tcp`, `www` for `port www`, `syn` for `tcp opt
/// syn`, `10.0.0.0/8` for `net 10.0.0.0/8`, and `src port 80 or 81` repeats the qualifiers.
/// `src tcp port != 5` matches only TCP packets; `!(src tcp port 5)` matches non-TCP ones too.
/// Port, ICMP type and TCP option tests only match first fragments.
///
/// The patterns are compiled once into a decision program of mask-and-compare steps over
/// the IP header and the transport header that follows it (see IPFilter). Differences from
/// Click: `ether host` is not supported, and only Click's built-in port names are known.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14) -> CheckIPHeader
///     -> c :: IPClassifier(src net 10.0.0.0/8 and tcp dst port 22,
///                          icmp type echo or icmp type echo-reply,
///                          -);
/// c[0] -> Discard; c[1] -> Discard; c[2] -> Discard;
/// ```
///
/// # Handlers
///
/// - `program` (read): the compiled decision program, one step per line.
/// - `patternN` (read/write, for each output N): pattern N's text; writing recompiles.
/// - `config` (read/write): the patterns. Writing new patterns (one per output) recompiles
///   the program while the router runs (Click's live reconfiguration); if they do not
///   parse, the write fails with the errors and the old patterns stay.
///
/// # See also
///
/// IPFilter, Classifier, CheckIPHeader, MarkIPHeader.
#[derive(Debug)]
pub struct IPClassifier {
    program: Program,
    patterns: Vec<String>,
    no_header_drops: u64,
}

impl IPClassifier {
    /// Packets dropped because they had no network header mark.
    pub fn no_header_drops(&self) -> u64 {
        self.no_header_drops
    }

    /// The decision program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// [`Element::push`] with the verdict given by `classify(program, p)`: generated code
    /// passes its own compiled form of this element's program (see `sluice build`), which
    /// must give [`Program::classify`]'s verdict.
    #[inline]
    pub fn push_with<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
        classify: impl FnOnce(&Program, &Packet) -> Verdict,
    ) {
        let verdict = classify(&self.program, &p);
        let outputs = self.patterns.len();
        deliver(verdict, outputs, &mut self.no_header_drops, p, out, cx);
    }

    fn pattern_index(&self, name: &str) -> Option<usize> {
        let n: usize = name.strip_prefix("pattern")?.parse().ok()?;
        (n < self.patterns.len()).then_some(n)
    }
}

impl Element for IPClassifier {
    const CLASS: &'static str = "IPClassifier";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let patterns = args.rest();
        let outputs = cx.ports.outputs;
        let program = if patterns.len() != outputs {
            let span = args.span();
            args.error(
                span,
                format!("need {outputs} arguments, one per output port"),
            );
            Program::default()
        } else {
            compile_into(&mut args, &patterns, Flavor::Classifier, outputs)
        };
        args.finish()?;
        Ok(IPClassifier {
            program,
            patterns: patterns.into_iter().map(|a| a.text).collect(),
            no_header_drops: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let outputs = self.patterns.len();
        classify_push(
            &self.program,
            outputs,
            &mut self.no_header_drops,
            p,
            out,
            cx,
        );
    }
}

impl Handlers for IPClassifier {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("program", "the compiled decision program"),
        HandlerSpec::read_write("config", "the patterns (write: replace them)"),
        HandlerSpec::read_write("pattern0", "output 0's pattern (write: replace it)"),
        HandlerSpec::read_write("pattern1", "output 1's pattern"),
        HandlerSpec::read_write("pattern2", "output 2's pattern"),
        HandlerSpec::read_write("pattern3", "output 3's pattern"),
        HandlerSpec::read_write("pattern4", "output 4's pattern"),
        HandlerSpec::read_write("pattern5", "output 5's pattern"),
        HandlerSpec::read_write("pattern6", "output 6's pattern"),
        HandlerSpec::read_write("pattern7", "output 7's pattern"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        if name == "program" {
            return Ok(self.program.unparse());
        }
        if let Some(i) = self.pattern_index(name) {
            return Ok(self.patterns[i].clone());
        }
        Err(missing(
            Self::HANDLERS,
            name,
            Access::readable,
            HandlerError::NotReadable,
        ))
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        if name == "config" {
            let texts = config_texts(value);
            if texts.len() != self.patterns.len() {
                return Err(HandlerError::BadValue(format!(
                    "need {} arguments, one per output port",
                    self.patterns.len()
                )));
            }
            self.program = recompile(&texts, Flavor::Classifier, texts.len())?;
            self.patterns = texts;
            return Ok(());
        }
        let Some(i) = self.pattern_index(name) else {
            return Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            ));
        };
        let mut texts = self.patterns.clone();
        texts[i] = String::from(value.trim());
        self.program = recompile(&texts, Flavor::Classifier, texts.len())?;
        self.patterns = texts;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec;
    use std::path::PathBuf;

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::default(),
        }
    }

    /// An IPv4 packet (header marked) with `proto`, the given flags/offset word, and a
    /// transport part.
    fn ip(pool: &Pool, proto: u8, frag: u16, tos: u8, transport: &[u8]) -> Packet {
        let mut b = vec![0u8; 20];
        b[0] = 0x45;
        b[1] = tos;
        let len = (20 + transport.len()) as u16;
        b[2..4].copy_from_slice(&len.to_be_bytes());
        b[6..8].copy_from_slice(&frag.to_be_bytes());
        b[8] = 64;
        b[9] = proto;
        b[12..16].copy_from_slice(&[10, 0, 0, 1]);
        b[16..20].copy_from_slice(&[192, 0, 2, 9]);
        b.extend_from_slice(transport);
        let mut p = pool.packet(&b).unwrap();
        p.set_network_header(0, 20).unwrap();
        p.into()
    }

    fn classify(c: &mut IPClassifier, p: Packet, pool: &Pool) -> Option<usize> {
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), *pool, &mut log);
        let mut out = Collect::new();
        c.push(0, p, &mut out, &mut cx);
        (0..out.ports.len()).find(|&i| out.count(i) > 0)
    }

    #[test]
    fn configuration() {
        assert!(configure::<IPClassifier>("tcp, udp, -", ports(3)).is_ok());
        let e = configure::<IPClassifier>("tcp, udp", ports(3)).unwrap_err();
        assert_eq!(e.errors[0].message, "need 3 arguments, one per output port");
        let e = configure::<IPClassifier>("tcp, udp port foo", ports(2)).unwrap_err();
        assert_eq!(e.errors[0].span.start, 5);
        // An empty pattern matches everything, as in Click ("0" alone).
        assert!(configure::<IPClassifier>(", tcp", ports(2)).is_ok());
        assert!(configure::<IPClassifier>("", ports(1)).is_err());
    }

    #[test]
    fn config_write_reconfigures_or_keeps_the_old_patterns() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut c: IPClassifier = configure("tcp, -", ports(2)).unwrap();
        let syn = [0u8; 20];
        assert_eq!(classify(&mut c, ip(&pool, 6, 0, 0, &syn), &pool), Some(0));
        c.write_handler("config", "udp, -", &hcx()).unwrap();
        assert_eq!(classify(&mut c, ip(&pool, 6, 0, 0, &syn), &pool), Some(1));
        assert_eq!(c.read_handler("pattern0", &hcx()).unwrap(), "udp");
        // A bad pattern, or the wrong number of them: an error, and nothing changes.
        let e = c
            .write_handler("config", "udp port foo, -", &hcx())
            .unwrap_err();
        assert!(
            matches!(e, HandlerError::BadValue(ref m) if m.contains("foo")),
            "{e:?}"
        );
        let e = c.write_handler("config", "tcp", &hcx()).unwrap_err();
        assert_eq!(
            e,
            HandlerError::BadValue("need 2 arguments, one per output port".into())
        );
        assert_eq!(classify(&mut c, ip(&pool, 6, 0, 0, &syn), &pool), Some(1));
        assert_eq!(c.read_handler("pattern0", &hcx()).unwrap(), "udp");
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn transport_fields_need_first_fragments_and_bytes() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut c: IPClassifier = configure(
            "udp dst port 53, not tcp opt syn, tcp opt syn, ip frag, -",
            ports(5),
        )
        .unwrap();
        let dns = [0x04, 0x00, 0x00, 0x35, 0, 8, 0, 0];
        assert_eq!(classify(&mut c, ip(&pool, 17, 0, 0, &dns), &pool), Some(0));
        // A later fragment has no ports: `not tcp opt syn` matches it (not a TCP SYN).
        assert_eq!(
            classify(&mut c, ip(&pool, 17, 0x0010, 0, &dns), &pool),
            Some(1)
        );
        // A TCP packet with only 4 transport bytes: `tcp opt syn` is short, so false, and
        // `not tcp opt syn` is true.
        assert_eq!(
            classify(&mut c, ip(&pool, 6, 0, 0, &[0, 1, 0, 2]), &pool),
            Some(1)
        );
        let mut syn = [0u8; 20];
        syn[13] = 0x02;
        assert_eq!(classify(&mut c, ip(&pool, 6, 0, 0, &syn), &pool), Some(2));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn field_primitives_and_shorthands() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut c: IPClassifier = configure(
            "ip tos 0xb8, ip dscp 10, ip[9] 47, icmp type echo-reply, \
             src host 10.0.0.1 && dst 192.0.2.0/24 && ip ttl >= 64 && ! ip ttl > 64",
            ports(5),
        )
        .unwrap();
        assert_eq!(
            classify(&mut c, ip(&pool, 17, 0, 0xb8, &[]), &pool),
            Some(0)
        );
        assert_eq!(
            classify(&mut c, ip(&pool, 17, 0, 10 << 2, &[]), &pool),
            Some(1)
        );
        assert_eq!(classify(&mut c, ip(&pool, 47, 0, 0, &[]), &pool), Some(2));
        assert_eq!(
            classify(&mut c, ip(&pool, 1, 0, 0, &[0, 0, 0, 0]), &pool),
            Some(3)
        );
        assert_eq!(
            classify(&mut c, ip(&pool, 1, 0, 0, &[8, 0, 0, 0]), &pool),
            Some(4)
        );
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn pattern_handlers() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut c: IPClassifier = configure("tcp, -", ports(2)).unwrap();
        assert_eq!(c.read_handler("pattern0", &hcx()).unwrap(), "tcp");
        assert_eq!(classify(&mut c, ip(&pool, 17, 0, 0, &[]), &pool), Some(1));
        c.write_handler("pattern0", "udp", &hcx()).unwrap();
        assert_eq!(classify(&mut c, ip(&pool, 17, 0, 0, &[]), &pool), Some(0));
        assert!(c.write_handler("pattern0", "udp port", &hcx()).is_err());
        assert_eq!(c.read_handler("pattern0", &hcx()).unwrap(), "udp");
        assert_eq!(
            c.read_handler("pattern2", &hcx()),
            Err(HandlerError::NoSuchHandler)
        );
        assert_eq!(pool.in_flight(), 0);
    }

    /// `(timestamp in ns, bytes)` of every record of a pcap file (micro- or nanosecond).
    fn read_pcap(bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let scale = match u32_at(0) {
            0xa1b2_c3d4 => 1000,
            0xa1b2_3c4d => 1,
            m => panic!("unexpected pcap magic {m:#x}"),
        };
        let mut out = Vec::new();
        let mut i = 24;
        while i + 16 <= bytes.len() {
            let ts = u64::from(u32_at(i)) * 1_000_000_000 + u64::from(u32_at(i + 4)) * scale;
            let caplen = u32_at(i + 8) as usize;
            out.push((ts, bytes[i + 16..i + 16 + caplen].to_vec()));
            i += 16 + caplen;
        }
        out
    }

    /// What Classifier(12/0800) and CheckIPHeader do before the IPClassifier in case 03:
    /// the IP header length, and the IP packet trimmed to ip_len, or None if dropped.
    fn check_ip(frame: &[u8]) -> Option<(usize, Vec<u8>)> {
        if frame.len() < 14 || frame[12..14] != [0x08, 0x00] {
            return None;
        }
        let ip = &frame[14..];
        if ip.len() < 20 || ip[0] >> 4 != 4 {
            return None;
        }
        let hlen = usize::from(ip[0] & 0xF) * 4;
        let len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        if hlen < 20 || hlen > ip.len() || len < hlen || len > ip.len() {
            return None;
        }
        let sum: u32 = ip[..hlen]
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum();
        let folded = (sum & 0xFFFF) + (sum >> 16);
        if (folded & 0xFFFF) + (folded >> 16) != 0xFFFF {
            return None;
        }
        Some((hlen, ip[..len].to_vec()))
    }

    fn corpus() -> Option<PathBuf> {
        let candidates = [
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/click-diff"),
            PathBuf::from("/work/shared/corpus/click-diff"),
        ];
        candidates.into_iter().find(|p| p.is_dir())
    }

    /// Case 03-ipclassifier: every frame of in.pcap goes where Click sent it.
    #[test]
    fn corpus_03_ipclassifier_routes_like_click() {
        let Some(dir) = corpus() else {
            std::eprintln!("click-diff corpus not found; skipping");
            return;
        };
        let dir = dir.join("03-ipclassifier");
        let input = read_pcap(&std::fs::read(dir.join("in.pcap")).unwrap());
        assert_eq!(input.len(), 37);
        let names = [
            "out0-ssh-inside.pcap",
            "out1-web.pcap",
            "out2-syn.pcap",
            "out3-ping.pcap",
            "out4-dns.pcap",
            "out5-frag.pcap",
            "out6-udp-gre-ef.pcap",
            "out7-rest.pcap",
        ];
        let mut expected = std::collections::HashMap::new();
        for (port, name) in names.iter().enumerate() {
            for (ts, bytes) in read_pcap(&std::fs::read(dir.join(name)).unwrap()) {
                expected.insert(ts, (port, bytes));
            }
        }
        let config =
            "src net 10.0.0.0/8 and tcp dst port 22,          // 0: ssh from the inside net
    tcp dst port 80 or tcp dst port 443,              // 1: web
    tcp opt syn and not tcp opt ack,                  // 2: other TCP connection attempts
    icmp type echo or icmp type echo-reply,           // 3: ping
    udp dst port 53 and not ip frag,                  // 4: DNS (unfragmented)
    ip frag,                                          // 5: any fragment
    udp or (ip proto 47) or ip tos 0xb8,              // 6: other UDP, GRE, EF
    -";
        let mut c: IPClassifier = configure(config, ports(8)).unwrap();
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut counts = [0usize; 8];
        let mut routed = 0;
        let mut check_drops = 0;
        for (ts, frame) in &input {
            let want = expected.get(ts);
            let Some((hlen, ip)) = check_ip(frame) else {
                if frame.len() >= 14 && frame[12..14] == [0x08, 0x00] {
                    check_drops += 1;
                }
                assert!(
                    want.is_none(),
                    "frame at {ts} reached IPClassifier in Click"
                );
                continue;
            };
            let (port, bytes) = want.expect("frame passing CheckIPHeader reached an output");
            assert_eq!(&bytes[14..], &ip[..], "frame at {ts}");
            let mut p = pool.packet(&ip).unwrap();
            p.set_network_header(0, hlen).unwrap();
            let mut out = Collect::new();
            c.push(0, p.into(), &mut out, &mut cx);
            assert_eq!(out.count(*port), 1, "frame at {ts} should go to {port}");
            counts[*port] += 1;
            routed += 1;
        }
        assert_eq!(routed, expected.len());
        // out-handlers.txt: c0.count .. c7.count.
        assert_eq!(counts, [2, 4, 2, 2, 3, 3, 6, 3]);
        assert_eq!(check_drops, 6); // chk.drops
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn random_bytes_never_panic() {
        use proptest::prelude::*;
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let c: IPClassifier = configure(
            "tcp opt syn, src port > 1023 && dst net 10/8, icmp type != echo, \
             ip[2:2] < 100 ? transp[0:4] & 0xff00ff00 == 0x01000200 : ip ttl < 3, -",
            ports(5),
        )
        .unwrap();
        let c = core::cell::RefCell::new(c);
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &(proptest::collection::vec(any::<u8>(), 0..80), 0usize..80),
                |(bytes, hl)| {
                    let mut p = pool.packet(&bytes).unwrap();
                    let _ = p.set_network_header(0, hl.min(bytes.len()));
                    let got = classify(&mut c.borrow_mut(), p.into(), &pool);
                    prop_assert!(got.is_none() || got < Some(5));
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(pool.in_flight(), 0);
    }
}
