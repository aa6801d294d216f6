//! `IPFragmenter`: splits IP packets larger than the MTU into fragments.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError};
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Level, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum;
use crate::wire::ipv4::{option_kind, Ipv4Packet, HEADER_LEN, MAX_HEADER_LEN};

/// Fragments IP packets longer than the MTU; packets that may not be fragmented leave on
/// output 1.
///
/// # Synopsis
///
/// ```text
/// IPFragmenter(MTU [, HONOR_DF, VERBOSE, keyword HEADROOM])
/// ```
///
/// # Ports
///
/// One input; one or two outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Expects a marked IP header. A packet whose network length (from the IP header to the
/// end) is at most `MTU` passes unchanged. A longer one is split as Click does: the first
/// fragment keeps the original header and options and carries `(MTU - hlen) & ~7` data
/// bytes; each later fragment is a fresh packet with the fixed header, the options whose
/// copy bit is set (padded with end-of-list to a multiple of 4), and `(MTU - out_hlen) & ~7`
/// data bytes (the last one the rest). Offsets add to the original's, MF is set on all but
/// the last (which keeps the original's MF), and each checksum is computed in full.
/// Annotations are copied to every fragment.
///
/// A packet with DF set (when `HONOR_DF` is true, the default), or whose header leaves
/// fewer than 8 data bytes per fragment, is counted and sent to output 1 (for
/// `ICMPError(..., unreachable, needfrag)`); the first five (all with `VERBOSE true`) are
/// reported as `IPFragmenter(MTU) DF SRC DST len=LENGTH`. With `HONOR_DF false` a DF packet
/// is fragmented, its DF bit cleared and its IP ID replaced by a pseudo-random one.
///
/// Click's option copier never advances past the first option (a hang on any fragmented
/// packet with options); Sluice walks the options as RFC 791 intends. `HEADROOM` is
/// accepted for compatibility; fragments get the pool's headroom.
///
/// # Example
///
/// ```text
/// // an 88-byte IPv4/UDP packet
/// InfiniteSource(DATA \<45 00 00 58 00 01 00 00 40 11 8e 42 c0 00 02 0a c6 33 64 14
///                       04 d2 00 09 00 44 a4 b1 00 01 02 03 04 05 06 07 08 09 0a 0b
///                       0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
///                       20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33
///                       34 35 36 37 38 39 3a 3b>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> fr :: IPFragmenter(68) -> c :: Counter -> Discard;
/// fr[1] -> ICMPError(192.0.2.1, unreachable, needfrag) -> Discard;   // too big, with DF set
/// // each packet leaves as two fragments (48 and 20 bytes of data): c.count is 6
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets sent to output 1.
/// - `fragments` (read): fragments emitted.
///
/// # See also
///
/// ICMPError, IPReassembler.
#[derive(Debug)]
pub struct IPFragmenter {
    mtu: usize,
    honor_df: bool,
    verbose: bool,
    name: String,
    two_outputs: bool,
    drops: u64,
    fragments: u64,
    random: u32,
}

/// Copies the options whose copy bit is set from `opts` into `out` (when given), padding
/// with end-of-list to a multiple of 4; returns the length written.
fn copy_options(opts: &[u8], mut out: Option<&mut [u8]>) -> usize {
    let mut pos = 0;
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        let len = if kind == option_kind::NO_OPERATION {
            1
        } else if kind == option_kind::END_OF_LIST || i + 1 >= opts.len() {
            break;
        } else {
            let l = usize::from(opts[i + 1]);
            if l < 2 || i + l > opts.len() {
                break;
            }
            l
        };
        if kind & 0x80 != 0 {
            if let Some(o) = out.as_deref_mut() {
                o[pos..pos + len].copy_from_slice(&opts[i..i + len]);
            }
            pos += len;
        }
        i += len;
    }
    while pos % 4 != 0 {
        if let Some(o) = out.as_deref_mut() {
            o[pos] = option_kind::END_OF_LIST;
        }
        pos += 1;
    }
    pos
}

impl IPFragmenter {
    fn next_random(&mut self) -> u16 {
        // xorshift32: any ID will do; Click uses click_random().
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.random = x;
        (x >> 8) as u16
    }

    fn reject<O: Output + ?Sized>(
        &mut self,
        p: Packet,
        src: crate::wire::Ipv4Address,
        dst: crate::wire::Ipv4Address,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        if self.verbose || self.drops < 5 {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!(
                    "IPFragmenter({}) DF {} {} len={}",
                    self.mtu,
                    src,
                    dst,
                    p.len()
                ),
            );
        }
        self.drops += 1;
        if self.two_outputs {
            out.push(1, p, cx);
        }
    }

    fn fragment<O: Output + ?Sized>(&mut self, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let Some(nh) = p.network_header() else {
            return;
        };
        let nh_len = nh.len();
        if nh_len < HEADER_LEN {
            return;
        }
        let ip = Ipv4Packet::new_unchecked(nh);
        let hlen = ip.header_len();
        let (src, dst, df) = (ip.src_addr(), ip.dst_addr(), ip.dont_frag());
        if hlen < HEADER_LEN || hlen > nh_len {
            return;
        }
        // The data the header claims, bounded by what the packet holds.
        let in_dlen = usize::from(ip.total_len()).min(nh_len).saturating_sub(hlen);
        let first_dlen = self.mtu.checked_sub(hlen).map_or(0, |d| d & !7);
        if (df && self.honor_df) || first_dlen < 8 {
            self.reject(p, src, dst, out, cx);
            return;
        }
        let new_id = if df { Some(self.next_random()) } else { None };
        let Ok(mut w) = p.make_unique(cx.pool()) else {
            return;
        };
        let nh_off = w.network_header_offset().unwrap_or(0).max(0) as usize;
        let mut header = [0u8; MAX_HEADER_LEN];
        let had_mf;
        let base_off;
        {
            let Some(h) = w.network_header_mut() else {
                return;
            };
            let mut ip = Ipv4Packet::new_unchecked(&mut h[..hlen]);
            if let Some(id) = new_id {
                ip.set_ident(id);
                ip.set_dont_frag(false);
            }
            had_mf = ip.more_frags();
            ip.set_total_len((hlen + first_dlen) as u16);
            ip.set_more_frags(true);
            ip.set_checksum(0);
            let sum = checksum::checksum(&h[..hlen]);
            h[10..12].copy_from_slice(&sum.to_be_bytes());
            header[..hlen].copy_from_slice(&h[..hlen]);
            base_off = u16::from_be_bytes([h[6], h[7]]);
        }
        let (keep, mut first) = Packet::from(w).share();
        first.truncate(nh_off + hlen + first_dlen);
        out.push(0, first, cx);
        self.fragments += 1;

        let mut opts = [0u8; MAX_HEADER_LEN - HEADER_LEN];
        let opt_len = copy_options(&header[HEADER_LEN..hlen], Some(&mut opts));
        let out_hlen = HEADER_LEN + opt_len;
        let Some(payload) = keep.network_header().and_then(|n| n.get(hlen..)) else {
            return;
        };
        let mut off = first_dlen;
        while off < in_dlen {
            let mut out_dlen = self.mtu.saturating_sub(out_hlen) & !7;
            if out_dlen + off > in_dlen {
                out_dlen = in_dlen - off;
            }
            if out_dlen == 0 {
                break;
            }
            if let Some(mut q) = cx.pool().make(out_hlen + out_dlen) {
                let d = q.data_mut();
                d[..HEADER_LEN].copy_from_slice(&header[..HEADER_LEN]);
                d[HEADER_LEN..out_hlen].copy_from_slice(&opts[..opt_len]);
                d[out_hlen..].copy_from_slice(&payload[off..off + out_dlen]);
                let mut qip = Ipv4Packet::new_unchecked(&mut d[..out_hlen]);
                qip.set_header_len(out_hlen);
                let flags_off = base_off.wrapping_add((off >> 3) as u16);
                qip.set_total_len((out_hlen + out_dlen) as u16);
                let mut flags_off_bytes = flags_off;
                if out_dlen + off >= in_dlen && !had_mf {
                    flags_off_bytes &= !0x2000;
                }
                d[6..8].copy_from_slice(&flags_off_bytes.to_be_bytes());
                d[10..12].copy_from_slice(&[0, 0]);
                let sum = checksum::checksum(&d[..out_hlen]);
                d[10..12].copy_from_slice(&sum.to_be_bytes());
                *q.anno_mut() = *keep.anno();
                let _ = q.set_network_header(0, out_hlen);
                out.push(0, q.into(), cx);
                self.fragments += 1;
            }
            off += out_dlen;
        }
    }
}

impl Element for IPFragmenter {
    const CLASS: &'static str = "IPFragmenter";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let mtu = args.mandatory::<u32>("MTU");
        let mtu_span = args.last_span();
        let honor_df = args.positional::<bool>("HONOR_DF").unwrap_or(true);
        let verbose = args.positional::<bool>("VERBOSE").unwrap_or(false);
        let _ = args.keyword::<u32>("HEADROOM");
        if !args.has_errors() && mtu < 8 {
            args.error(mtu_span, "MTU must be at least 8");
        }
        args.finish()?;
        Ok(IPFragmenter {
            mtu: mtu as usize,
            honor_df,
            verbose,
            name: cx.name.to_string(),
            two_outputs: cx.ports.outputs >= 2,
            drops: 0,
            fragments: 0,
            random: 0x2545_f491,
        })
    }

    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match p.network_header() {
            Some(nh) if nh.len() > self.mtu => self.fragment(p, out, cx),
            _ => out.push(0, p, cx),
        }
    }
}

impl Handlers for IPFragmenter {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("drops", "packets sent to output 1"),
        HandlerSpec::read("fragments", "fragments emitted"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "fragments" => Ok(self.fragments.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_ip_header::tests::hex;
    use super::*;
    use crate::element::testing::{configure, Collect, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use proptest::prelude::*;

    const P: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    include!("fixtures/case14_frag.rs");

    fn marked(pool: &Pool, bytes: &[u8]) -> Packet {
        let mut p: Packet = pool.packet(bytes).unwrap().into();
        let hlen = usize::from(bytes[0] & 0xf) * 4;
        p.set_network_header(0, hlen).unwrap();
        p
    }

    #[test]
    fn corpus_case_14_fragments() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let mut e: IPFragmenter = configure("576", P).unwrap();
        let mut input = hex(CASE14_BIG);
        // Click's DecIPTTL ran first: TTL 0x40 -> 0x3f.
        input[8] = 0x3f;
        input[10..12].copy_from_slice(&checksum::dec_ip_ttl(0x89c7).to_be_bytes());
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut out = Collect::new();
            let mut p = marked(&pool, &input);
            p.anno_mut().paint = 2;
            e.push(0, p, &mut out, &mut cx);
            let want = [
                ("4500023c000820003f116d57c000020ac6336414", 0..552),
                ("4500023c000820453f116d12c000020ac6336414", 552..1104),
                ("4500007c0008008a3f118e8dc000020ac6336414", 1104..1208),
            ];
            assert_eq!(out.count(0), 3);
            for (p, (h, range)) in out.port(0).iter().zip(want) {
                assert_eq!(&p.data()[..20], &hex(h)[..]);
                assert_eq!(&p.data()[20..], &input[20 + range.start..20 + range.end]);
                assert_eq!(p.anno().paint, 2);
                assert_eq!(p.network_header_offset(), Some(0));
            }
            // The DF twin goes to output 1 with Click's message.
            let mut df = hex(CASE14_BIG);
            df[6] = 0x40;
            e.push(0, marked(&pool, &df), &mut out, &mut cx);
            assert_eq!(out.count(1), 1);
        }
        assert_eq!(
            log.messages[0].1,
            "e: IPFragmenter(576) DF 192.0.2.10 198.51.100.20 len=1228"
        );
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("fragments", &hcx).unwrap(), "3");
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "1");
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn options_with_copy_bit_are_copied() {
        let opts = [0x01, 0x07, 0x03, 0x04, 0x83, 0x03, 0x05, 0x00];
        let mut out = [0xffu8; 8];
        assert_eq!(copy_options(&opts, Some(&mut out)), 4);
        assert_eq!(&out[..4], &[0x83, 0x03, 0x05, 0x00]);
        assert_eq!(copy_options(&[0x83, 0x00], None), 0);

        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let mut e: IPFragmenter = configure("MTU 64, HONOR_DF false", P).unwrap();
        let mut bytes = alloc::vec![0u8; 100];
        bytes[..8].copy_from_slice(&[0x47, 0, 0, 100, 0x12, 0x34, 0x40, 0]);
        bytes[8] = 64;
        bytes[20..28].copy_from_slice(&opts);
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut out = Collect::new();
            e.push(0, marked(&pool, &bytes), &mut out, &mut cx);
            // First: 28-byte header, 32 data bytes; then 24-byte headers, 40 + 0 bytes.
            let lens: alloc::vec::Vec<_> = out.port(0).iter().map(|p| p.len()).collect();
            assert_eq!(lens, [60, 64]);
            let second = out.port(0)[1].data();
            assert_eq!(second[0], 0x46);
            assert_eq!(&second[20..24], &[0x83, 0x03, 0x05, 0x00]);
            assert_eq!(u16::from_be_bytes([second[6], second[7]]), 4);
            assert!(checksum::verify(&second[..24]));
            assert!(checksum::verify(&out.port(0)[0].data()[..28]));
            assert_eq!(out.port(0)[0].data()[6] & 0x60, 0x20);
        }
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn config_errors() {
        assert!(configure::<IPFragmenter>("", P).is_err());
        assert!(configure::<IPFragmenter>("7", P).is_err());
        assert!(configure::<IPFragmenter>("576, maybe", P).is_err());
        assert!(configure::<IPFragmenter>("576, true, false, HEADROOM 20", P).is_ok());
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 20..300),
                                      mtu in 8u32..200) {
            let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
            let mut log = KeepLog::default();
            let mut e: IPFragmenter = configure(&alloc::format!("{mtu}, false"), P).unwrap();
            {
                let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
                let mut out = Collect::new();
                let mut p: Packet = pool.packet(&bytes).unwrap().into();
                let hlen = (usize::from(bytes[0] & 0xf) * 4).min(bytes.len());
                p.set_network_header(0, hlen).unwrap();
                e.push(0, p, &mut out, &mut cx);
            }
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
