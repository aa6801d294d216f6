//! `CheckIPHeader`: checks IPv4 headers, marks them, and trims link-layer padding.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::element::args::{split_words, Args, ConfigError};
use crate::element::values::Raw;
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Input, Level, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum;
use crate::wire::ipv4::HEADER_LEN;
use crate::wire::{Ipv4Address, Ipv4Prefix};

/// Why a packet failed the check, in the order of Click's `reason_texts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reason {
    /// Shorter than a 20-byte header after the offset.
    Tiny = 0,
    /// Version is not 4.
    Version = 1,
    /// IHL below 5.
    HeaderLength = 2,
    /// Total length beyond the packet, or shorter than the header.
    Length = 3,
    /// Header checksum wrong.
    Checksum = 4,
    /// Source address on the bad list (and destination not one of ours).
    Source = 5,
}

/// Click's texts for the reasons, as `drop_details` and the warning print them.
pub(super) const REASON_TEXTS: [&str; 6] = [
    "tiny packet",
    "bad IP version",
    "bad IP header length",
    "bad IP length",
    "bad IP checksum",
    "bad source address",
];

/// The checking machinery CheckIPHeader and CheckIPHeader2 share (Click's CheckIPHeader2 is
/// a CheckIPHeader whose CHECKSUM defaults to false).
#[derive(Debug)]
pub(super) struct IpHeaderCheck {
    name: String,
    offset: usize,
    bad_src: Vec<Ipv4Address>,
    good_dst: Vec<Ipv4Address>,
    verbose: bool,
    checksum: bool,
    two_outputs: bool,
    drops: u64,
    reason_drops: Option<[u64; 6]>,
}

impl IpHeaderCheck {
    /// Reads Click 2.1's arguments: the keywords INTERFACES, BADSRC, GOODDST, OFFSET,
    /// VERBOSE, DETAILS, CHECKSUM, then either nothing, a lone OFFSET, or the old positional
    /// form `BADSRC [, OFFSET]` (whose address list also gets 0.0.0.0 and 255.255.255.255).
    pub(super) fn configure(
        mut args: Args<'_>,
        cx: &ConfigContext<'_>,
        checksum_default: bool,
    ) -> Result<Self, ConfigError> {
        let mut bad_src = Vec::new();
        let mut good_dst = Vec::new();
        if let Some(Raw(text)) = args.keyword::<Raw>("INTERFACES") {
            let span = args.last_span();
            for word in split_words(&text, 0) {
                match word.text.parse::<Ipv4Prefix>() {
                    Ok(p) => {
                        bad_src.push(p.broadcast());
                        good_dst.push(p.address);
                    }
                    Err(_) => {
                        args.error(span, "INTERFACES: expected list of IP address prefixes");
                        break;
                    }
                }
            }
            bad_src.push(Ipv4Address::UNSPECIFIED);
            bad_src.push(Ipv4Address::BROADCAST);
        }
        if let Some(list) = read_address_list(&mut args, "BADSRC") {
            bad_src = list;
        }
        if let Some(list) = read_address_list(&mut args, "GOODDST") {
            good_dst = list;
        }
        let mut offset = args.keyword::<u32>("OFFSET").unwrap_or(0);
        let verbose = args.keyword::<bool>("VERBOSE").unwrap_or(false);
        let details = args.keyword::<bool>("DETAILS").unwrap_or(false);
        let checksum = args.keyword::<bool>("CHECKSUM").unwrap_or(checksum_default);

        let rest = args.rest();
        let lone_offset = match rest.as_slice() {
            [one] => one.text.parse::<u32>().ok(),
            _ => None,
        };
        if let Some(o) = lone_offset {
            offset = o;
        } else if !rest.is_empty() {
            // The old form: BADSRC (a space-separated address list), then OFFSET.
            let mut it = rest.iter();
            if let Some(arg) = it.next() {
                let mut list = Vec::new();
                for word in split_words(&arg.text, 0) {
                    match word.text.parse::<Ipv4Address>() {
                        Ok(a) => list.push(a),
                        Err(_) => {
                            args.error(arg.span, "BADSRC: expected list of IP addresses");
                            break;
                        }
                    }
                }
                list.push(Ipv4Address::UNSPECIFIED);
                list.push(Ipv4Address::BROADCAST);
                bad_src = list;
            }
            if let Some(arg) = it.next() {
                match arg.text.parse::<u32>() {
                    Ok(o) => offset = o,
                    Err(_) => args.error(arg.span, "OFFSET: expected unsigned integer"),
                }
            }
            for arg in it {
                args.error(arg.span, "too many arguments");
            }
        }
        args.finish()?;
        Ok(IpHeaderCheck {
            name: cx.name.to_string(),
            offset: offset as usize,
            bad_src,
            good_dst,
            verbose,
            checksum,
            two_outputs: cx.ports.outputs >= 2,
            drops: 0,
            reason_drops: details.then_some([0; 6]),
        })
    }

    /// Checks the header at the start of `data` (the packet from the offset on): the header
    /// length, the IP length and the destination address, or why it failed. Reads the
    /// header once, from a fixed-size copy of its first 20 bytes.
    #[inline]
    fn inspect(&self, data: &[u8]) -> Result<(usize, usize, Ipv4Address), Reason> {
        let Some(h) = data.first_chunk::<HEADER_LEN>() else {
            return Err(Reason::Tiny);
        };
        if h[0] >> 4 != 4 {
            return Err(Reason::Version);
        }
        let hlen = usize::from(h[0] & 0x0f) * 4;
        if hlen < HEADER_LEN {
            return Err(Reason::HeaderLength);
        }
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if len > data.len() || len < hlen {
            return Err(Reason::Length);
        }
        if self.checksum {
            // len >= hlen and len <= data.len(), so the header lies inside the data.
            let ok = if hlen == HEADER_LEN {
                checksum::verify(h)
            } else {
                data.get(..hlen).is_some_and(checksum::verify)
            };
            if !ok {
                return Err(Reason::Checksum);
            }
        }
        let src = Ipv4Address([h[12], h[13], h[14], h[15]]);
        let dst = Ipv4Address([h[16], h[17], h[18], h[19]]);
        if self.bad_src.contains(&src) && !self.good_dst.contains(&dst) {
            return Err(Reason::Source);
        }
        Ok((hlen, len, dst))
    }

    /// Checks `p`: `Ok` with the header marked, the padding trimmed and the destination
    /// annotation set, or `Err` with the packet and why it failed.
    #[inline]
    fn check(&self, mut p: Packet) -> Result<Packet, (Packet, Reason)> {
        let data = p.data().get(self.offset..).unwrap_or(&[]);
        let (hlen, len, dst) = match self.inspect(data) {
            Ok(v) => v,
            Err(reason) => return Err((p, reason)),
        };
        let extra = data.len() - len;
        if p.set_network_header(self.offset, hlen).is_err() {
            // Cannot happen: offset + hlen <= offset + len <= p.len().
            return Err((p, Reason::Tiny));
        }
        // Click trims the packet to the IP length (Ethernet padding goes).
        if extra != 0 {
            let _ = p.take(extra);
        }
        p.anno_mut().dst_ip = dst;
        Ok(p)
    }

    /// Counts a failure, warning about the first one (every one when VERBOSE).
    #[cold]
    fn fail(&mut self, reason: Reason, cx: &mut Context<'_>) {
        if self.drops == 0 || self.verbose {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!("IP header check failed: {}", REASON_TEXTS[reason as usize]),
            );
        }
        self.drops += 1;
        if let Some(counts) = &mut self.reason_drops {
            counts[reason as usize] += 1;
        }
    }

    #[inline]
    pub(super) fn push<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        match self.check(p) {
            Ok(p) => out.push(0, p, cx),
            Err((p, reason)) => {
                self.fail(reason, cx);
                if self.two_outputs {
                    out.push(1, p, cx);
                }
            }
        }
    }

    /// Pull: a bad packet cannot be pushed to output 1 from here, so it is dropped (and
    /// counted), and the pull returns nothing, as Click's does.
    pub(super) fn pull<I: Input + ?Sized>(
        &mut self,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        match self.check(p) {
            Ok(p) => Some(p),
            Err((_, reason)) => {
                self.fail(reason, cx);
                None
            }
        }
    }

    /// Packets that failed.
    pub(super) fn drops(&self) -> u64 {
        self.drops
    }

    /// The `drop_details` text: one `count<TAB>reason` line per reason.
    pub(super) fn drop_details(&self) -> Option<String> {
        let counts = self.reason_drops?;
        let lines: Vec<String> = counts
            .iter()
            .zip(REASON_TEXTS)
            .map(|(n, text)| format!("{n}\t{text}"))
            .collect();
        Some(lines.join("\n"))
    }

    pub(super) fn read(
        &self,
        handlers: &[HandlerSpec],
        name: &str,
    ) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "drop_details" => self.drop_details().ok_or(HandlerError::NoSuchHandler),
            _ => Err(missing(
                handlers,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

/// Reads keyword `keyword` as a space-separated list of IP addresses.
fn read_address_list(args: &mut Args<'_>, keyword: &str) -> Option<Vec<Ipv4Address>> {
    let Raw(text) = args.keyword::<Raw>(keyword)?;
    let span = args.last_span();
    let mut list = Vec::new();
    for word in split_words(&text, 0) {
        match word.text.parse::<Ipv4Address>() {
            Ok(a) => list.push(a),
            Err(_) => {
                args.error(span, format!("{keyword}: expected list of IP addresses"));
                return None;
            }
        }
    }
    Some(list)
}

/// The ports CheckIPHeader and CheckIPHeader2 share: `"a/ah"`.
pub(super) const CHECK_PROCESSING: ProcessingSpec = ProcessingSpec {
    inputs: &[Processing::Agnostic],
    outputs: &[Processing::Agnostic, Processing::Push],
};

/// Checks that packets hold valid IPv4 headers, marks the header, and trims padding.
///
/// # Synopsis
///
/// ```text
/// CheckIPHeader([OFFSET, keywords INTERFACES, BADSRC, GOODDST, OFFSET, VERBOSE, DETAILS, CHECKSUM])
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Good packets leave on output 0; bad ones on output 1 if
/// it exists, otherwise they are dropped.
///
/// # Processing
///
/// Agnostic; output 1 is push. When pulled, a bad packet cannot be pushed to output 1 from
/// the pull and is dropped (and counted) instead.
///
/// # Description
///
/// The IP header starts `OFFSET` bytes into the packet (default 0). A packet fails when it
/// is shorter than 20 bytes after the offset ("tiny packet"), its version is not 4, its IHL
/// is below 5, its total length exceeds the packet or is shorter than the header ("bad IP
/// length"), its header checksum is wrong (unless `CHECKSUM false`), or its source address
/// is on the bad-source list and its destination is not on the good-destination list.
///
/// `INTERFACES` takes a space-separated list of `ADDR/MASK` interface prefixes: each
/// subnet's broadcast address, 0.0.0.0 and 255.255.255.255 become bad sources, and each
/// interface address a good destination. `BADSRC` and `GOODDST` set the lists directly. The
/// old positional form `CheckIPHeader(BADSRC, OFFSET)` adds 0.0.0.0 and 255.255.255.255 to
/// its list; a lone integer argument is the offset.
///
/// A good packet gets its network header marked, is shortened to the IP total length (link
/// padding goes), and has its destination address annotation set to the IP destination.
/// The first failure (every failure with `VERBOSE true`) is reported as `IP header check
/// failed: REASON`.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14)
///     -> chk :: CheckIPHeader(INTERFACES 192.0.2.1/24, DETAILS true) -> Discard;
/// chk[1] -> ToDump(bad.pcap);
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets that failed the check.
/// - `drop_details` (read, only with `DETAILS true`): one `COUNT<TAB>REASON` line per reason:
///   tiny packet, bad IP version, bad IP header length, bad IP length, bad IP checksum, bad
///   source address.
///
/// # See also
///
/// CheckIPHeader2, MarkIPHeader, SetIPChecksum, Strip.
#[derive(Debug)]
pub struct CheckIPHeader {
    check: IpHeaderCheck,
}

impl CheckIPHeader {
    /// Packets that failed the check.
    pub fn drops(&self) -> u64 {
        self.check.drops()
    }
}

impl Element for CheckIPHeader {
    const CLASS: &'static str = "CheckIPHeader";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = CHECK_PROCESSING;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        Ok(CheckIPHeader {
            check: IpHeaderCheck::configure(args, cx, true)?,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.check.push(p, out, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        self.check.pull(input, cx)
    }
}

impl Handlers for CheckIPHeader {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("drops", "packets that failed the check"),
        HandlerSpec::read(
            "drop_details",
            "failures by reason (with DETAILS true), one COUNT<TAB>REASON line each",
        ),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        self.check.read(Self::HANDLERS, name)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec;
    use proptest::prelude::*;

    /// Decodes a hex fixture.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex fixture"))
            .collect()
    }

    const ONE_TWO: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    include!("fixtures/case02.rs");

    /// Which of CASE02's expectations to check.
    pub(crate) type Expect = fn(usize) -> Option<usize>;
    /// CheckIPHeader2's results in case 02.
    pub(crate) const CASE02_EXPECT2: Expect = |i| CASE02[i].2;

    /// Runs CASE02 through an element configured with `config`.
    pub(crate) fn run_case02_for<E: Element>(config: &str, expect: Expect) -> E {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = KeepLog::default();
        let mut e: E = configure(config, ONE_TWO).unwrap();
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            for (i, (h, _, _)) in CASE02.iter().enumerate() {
                let bytes = hex(h);
                let mut out = Collect::new();
                e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
                match expect(i) {
                    Some(len) => {
                        assert_eq!(out.count(0), 1, "frame {i} should pass");
                        let p = &out.port(0)[0];
                        assert_eq!(p.data(), &bytes[..len], "frame {i}");
                        assert_eq!(p.network_header_offset(), Some(0));
                        let dst = Ipv4Address::from_bytes(&bytes[16..20]).unwrap();
                        assert_eq!(p.anno().dst_ip, dst);
                    }
                    None => {
                        assert_eq!(out.count(1), 1, "frame {i} should fail");
                        assert_eq!(out.port(1)[0].data(), &bytes[..], "frame {i} unchanged");
                    }
                }
            }
        }
        assert_eq!(pool.in_flight(), 0);
        e
    }

    #[test]
    fn corpus_case_02_checkipheader() {
        let e: CheckIPHeader = run_case02_for(
            "INTERFACES 192.0.2.1/24 198.51.100.1/24, DETAILS true",
            |i| CASE02[i].1,
        );
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "8");
        assert_eq!(
            e.read_handler("drop_details", &hcx).unwrap(),
            "1\ttiny packet\n1\tbad IP version\n1\tbad IP header length\n2\tbad IP length\n\
             1\tbad IP checksum\n2\tbad source address"
        );
    }

    #[test]
    fn first_failure_is_reported_once() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let mut e: CheckIPHeader = configure("", ONE_TWO).unwrap();
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut out = Collect::new();
            for _ in 0..3 {
                e.push(
                    0,
                    pool.packet(&[0x45; 10]).unwrap().into(),
                    &mut out,
                    &mut cx,
                );
            }
            assert_eq!(out.count(1), 3);
        }
        assert_eq!(
            log.messages,
            [(
                Level::Warning,
                "e: IP header check failed: tiny packet".to_string()
            )]
        );
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(
            e.read_handler("drop_details", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn offset_and_single_output_drop() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let one = Ports {
            inputs: 1,
            outputs: 1,
        };
        let mut e: CheckIPHeader = configure("14", one).unwrap();
        let mut frame = vec![0u8; 14];
        frame.extend(hex(CASE02[0].0));
        frame.extend([0u8; 6]);
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut out = Collect::new();
            e.push(0, pool.packet(&frame).unwrap().into(), &mut out, &mut cx);
            assert_eq!(out.port(0)[0].len(), 54);
            assert_eq!(out.port(0)[0].network_header_offset(), Some(14));
            e.push(
                0,
                pool.packet(&frame[1..]).unwrap().into(),
                &mut out,
                &mut cx,
            );
            assert_eq!(out.total(), 1);
            // Pull mode drops bad packets and returns nothing.
            let mut feed = crate::element::testing::Feed::new();
            feed.add(0, pool.packet(&frame[..20]).unwrap().into());
            assert!(e.pull(0, &mut feed, &mut cx).is_none());
        }
        assert_eq!(e.drops(), 2);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn old_style_badsrc_and_keywords() {
        let e: CheckIPHeader = configure("10.0.0.255 10.0.1.255, 4", ONE_TWO).unwrap();
        assert_eq!(e.check.offset, 4);
        assert_eq!(e.check.bad_src.len(), 4);
        let e: CheckIPHeader = configure(
            "BADSRC 1.2.3.4, GOODDST 5.6.7.8, CHECKSUM false, OFFSET 2",
            ONE_TWO,
        )
        .unwrap();
        assert_eq!(e.check.bad_src, [Ipv4Address::new(1, 2, 3, 4)]);
        assert_eq!(e.check.good_dst, [Ipv4Address::new(5, 6, 7, 8)]);
        assert!(!e.check.checksum);
        assert_eq!(e.check.offset, 2);
        let err = configure::<CheckIPHeader>("INTERFACES 1.2.3.4/24 bogus", ONE_TWO).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].span.start, 0);
        let err = configure::<CheckIPHeader>("1.2.3.4, x, y", ONE_TWO).unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert!(configure::<CheckIPHeader>("VERBOSE maybe", ONE_TWO).is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..120),
                                    offset in 0usize..30) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = KeepLog::default();
            let mut e: CheckIPHeader =
                configure(&format!("OFFSET {offset}, INTERFACES 10.0.0.1/8"), ONE_TWO).unwrap();
            {
                let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
                let mut out = Collect::new();
                e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
                prop_assert_eq!(out.total(), 1);
                if let Some(p) = out.port(0).first() {
                    prop_assert!(p.len() <= bytes.len());
                }
            }
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
