//! `IPGWOptions`: processes the IP options a router must (record route, timestamp).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::element::args::{split_words, Args, ConfigError};
use crate::element::values::Raw;
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Input, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::{Packet, Timestamp};
use crate::wire::checksum;
use crate::wire::ipv4::{option_kind, HEADER_LEN, MAX_HEADER_LEN};
use crate::wire::Ipv4Address;

/// Processes record route and timestamp options; bad options go to output 1.
///
/// # Synopsis
///
/// ```text
/// IPGWOptions(MYADDR [, OTHERADDRS])
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Packets with bad options leave on output 1 if it
/// exists, otherwise they are dropped.
///
/// # Processing
///
/// Agnostic; output 1 is push. When pulled, a bad packet is dropped (and counted).
///
/// # Description
///
/// Expects a marked IP header. Walks its options as Click does: a record route option with
/// room left gets `MYADDR` at its pointer and the pointer advanced by 4; a timestamp option
/// gets the milliseconds since midnight UT (flag 0), `MYADDR` and the time (flag 1), or the
/// time in a prespecified slot naming `MYADDR` or one of `OTHERADDRS` (flag 3); a full
/// timestamp option has its overflow count raised. Other options pass untouched. When
/// anything changed, the header checksum is recomputed.
///
/// An option with a bad length or pointer stops the walk: the packet, with the ICMP
/// parameter problem annotation set to the offending byte's offset in the IP header, goes
/// to output 1 (for `ICMPError(..., parameterproblem)`). Changes made to earlier options
/// stay in it, unchecksummed, as in Click. Source route options are not processed (Click
/// does not either); packets without options pass at no cost.
///
/// # Example
///
/// ```text
/// // an IPv4/UDP packet with an empty Record Route option
/// InfiniteSource(DATA \<47 00 00 28 00 01 00 00 40 11 81 6b c0 00 02 0a c6 33 64 14
///                       07 07 04 00 00 00 00 00 04 d2 00 09 00 0c 2f d8 70 69 6e 67>,
///                LIMIT 3, STOP true)
///     -> CheckIPHeader -> gio :: IPGWOptions(192.0.2.1)   // records 192.0.2.1 in the route
///     -> CheckIPHeader -> c :: Counter -> Discard;        // c.count is 3
/// gio[1] -> ICMPError(192.0.2.1, parameterproblem) -> Discard;   // bad options
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets with bad options.
///
/// # See also
///
/// ICMPError, FixIPSrc, DecIPTTL.
#[derive(Debug)]
pub struct IPGWOptions {
    preferred: Ipv4Address,
    my_addrs: Vec<Ipv4Address>,
    two_outputs: bool,
    drops: u64,
}

/// What the option walk decided.
enum Walk {
    /// Nothing to change.
    Unchanged,
    /// The header (first `hlen` bytes of the copy) changed; the checksum needs redoing.
    Changed,
    /// A bad option at this header offset; `changed` says whether earlier options changed.
    Error { pointer: u8, changed: bool },
}

impl IPGWOptions {
    /// Walks the options in `h` (the header, `hlen` bytes, plus up to 4 following bytes that
    /// Click may read past a bad option), writing into `h`.
    fn walk(&self, h: &mut [u8], hlen: usize, now: Timestamp) -> Walk {
        let byte = |h: &[u8], i: usize| -> usize { usize::from(h.get(i).copied().unwrap_or(0)) };
        let mut changed = false;
        let mut oi = HEADER_LEN;
        let secs_today = now.secs() % 86_400;
        let ms = (secs_today * 1000 + u64::from(now.subsec_nanos() / 1_000_000)) as u32;
        let ms = ms.to_be_bytes();
        let error = |oi: usize, changed: bool| Walk::Error {
            pointer: oi as u8,
            changed,
        };
        while oi < hlen {
            let kind = h[oi];
            if kind == option_kind::NO_OPERATION {
                oi += 1;
                continue;
            } else if kind == option_kind::END_OF_LIST {
                break;
            }
            let xlen = byte(h, oi + 1);
            if xlen < 2 || oi + xlen > hlen {
                return error(oi + 1, changed);
            }
            if kind == option_kind::RECORD_ROUTE {
                // The pointer is 1-origin.
                let p = byte(h, oi + 2) as isize - 1;
                if p >= 3 && p as usize + 4 <= xlen {
                    let at = oi + p as usize;
                    h[at..at + 4].copy_from_slice(&self.preferred.octets());
                    h[oi + 2] = h[oi + 2].wrapping_add(4);
                    changed = true;
                } else if p != xlen as isize {
                    return error(oi + 2, changed);
                }
            } else if kind == option_kind::TIMESTAMP {
                let p = byte(h, oi + 2) as isize - 1;
                let oflw = byte(h, oi + 3) >> 4;
                let flg = byte(h, oi + 3) & 0xf;
                let mut overflowed = false;
                if p < 4 {
                    return error(oi + 2, changed);
                }
                let p = p as usize;
                if flg == 0 {
                    if p + 4 <= xlen {
                        h[oi + p..oi + p + 4].copy_from_slice(&ms);
                        h[oi + 2] = h[oi + 2].wrapping_add(4);
                        changed = true;
                    } else {
                        overflowed = true;
                    }
                } else if flg == 1 {
                    if p + 8 <= xlen {
                        h[oi + p..oi + p + 4].copy_from_slice(&self.preferred.octets());
                        h[oi + p + 4..oi + p + 8].copy_from_slice(&ms);
                        h[oi + 2] = h[oi + 2].wrapping_add(8);
                        changed = true;
                    } else {
                        overflowed = true;
                    }
                } else if flg == 3 && p + 8 <= xlen {
                    let addr = Ipv4Address::from_bytes(&h[oi + p..oi + p + 4]);
                    if addr.is_some_and(|a| self.my_addrs.contains(&a)) {
                        h[oi + p + 4..oi + p + 8].copy_from_slice(&ms);
                        h[oi + 2] = h[oi + 2].wrapping_add(8);
                        changed = true;
                    }
                } else {
                    return error(oi + 3, changed);
                }
                if overflowed {
                    if oflw < 15 {
                        h[oi + 3] = (((oflw + 1) << 4) | flg) as u8;
                        changed = true;
                    } else {
                        return error(oi + 3, changed);
                    }
                }
            }
            oi += xlen;
        }
        if changed {
            Walk::Changed
        } else {
            Walk::Unchanged
        }
    }

    /// `Ok` to output 0, `Err(Some)` to output 1, `Err(None)` dropped.
    #[inline]
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Result<Packet, Option<Packet>> {
        // The common case, a header without options, passes untouched.
        if p.network_header_length().is_none_or(|h| h <= HEADER_LEN) {
            return Ok(p);
        }
        self.options(p, cx)
    }

    /// `action` for a header with options.
    #[inline(never)]
    fn options(&mut self, p: Packet, cx: &mut Context<'_>) -> Result<Packet, Option<Packet>> {
        let hlen = p.network_header_length().unwrap_or(0);
        let Some(nh) = p.network_header() else {
            return Ok(p);
        };
        if hlen <= HEADER_LEN || hlen > MAX_HEADER_LEN || hlen > nh.len() {
            return Ok(p);
        }
        let mut copy = [0u8; MAX_HEADER_LEN + 4];
        let avail = nh.len().min(copy.len());
        copy[..avail].copy_from_slice(&nh[..avail]);
        let walk = self.walk(&mut copy[..avail], hlen, cx.now());
        let (write, pointer) = match walk {
            Walk::Unchanged => return Ok(p),
            Walk::Changed => (true, None),
            Walk::Error { pointer, changed } => (changed, Some(pointer)),
        };
        let mut p = if write {
            let Ok(mut q) = p.make_unique(cx.pool()) else {
                return Err(None);
            };
            if let Some(h) = q.network_header_mut() {
                h[..hlen].copy_from_slice(&copy[..hlen]);
                if pointer.is_none() {
                    h[10..12].copy_from_slice(&[0, 0]);
                    let sum = checksum::checksum(&h[..hlen]);
                    h[10..12].copy_from_slice(&sum.to_be_bytes());
                }
            }
            Packet::from(q)
        } else {
            p
        };
        match pointer {
            None => Ok(p),
            Some(ptr) => {
                self.drops += 1;
                p.anno_mut().icmp_param_prob = ptr;
                Err(Some(p))
            }
        }
    }
}

impl Element for IPGWOptions {
    const CLASS: &'static str = "IPGWOptions";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let preferred = args.mandatory::<Ipv4Address>("MYADDR");
        let mut my_addrs = Vec::new();
        if let Some(Raw(text)) = args.positional::<Raw>("OTHERADDRS") {
            let span = args.last_span();
            for w in split_words(&text, 0) {
                match w.text.parse::<Ipv4Address>() {
                    Ok(a) => my_addrs.push(a),
                    Err(_) => {
                        args.error(span, "OTHERADDRS: expected list of IP addresses");
                        break;
                    }
                }
            }
        }
        args.finish()?;
        my_addrs.push(preferred);
        Ok(IPGWOptions {
            preferred,
            my_addrs,
            two_outputs: cx.ports.outputs >= 2,
            drops: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match self.action(p, cx) {
            Ok(p) => out.push(0, p, cx),
            Err(Some(p)) if self.two_outputs => out.push(1, p, cx),
            Err(_) => {}
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
        self.action(p, cx).ok()
    }
}

impl Handlers for IPGWOptions {
    const HANDLERS: &'static [HandlerSpec] =
        &[HandlerSpec::read("drops", "packets with bad options")];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
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
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig};
    use proptest::prelude::*;

    const P: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    fn marked(pool: &Pool, bytes: &[u8]) -> Packet {
        let mut p: Packet = pool.packet(bytes).unwrap().into();
        let hlen = usize::from(bytes[0] & 0xf) * 4;
        p.set_network_header(0, hlen).unwrap();
        p
    }

    #[test]
    fn corpus_case_14_record_route_and_parameter_problem() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: IPGWOptions = configure("198.51.100.1", P).unwrap();
        let mut out = Collect::new();
        let rr = hex("48000028000a00004011805ec000020ac6336414070b04000000000000000000");
        let mut rr_full = rr.clone();
        rr_full.extend([0u8; 8]);
        e.push(0, marked(&pool, &rr_full), &mut out, &mut cx);
        // What Click wrote after IPGWOptions then DecIPTTL: undo the TTL step to compare.
        let want = hex("48000028000a00003f114834c000020ac6336414070b08c63364010000000000");
        let got = out.port(0)[0].data();
        assert_eq!(&got[20..32], &want[20..32]);
        assert!(checksum::verify(&got[..32]));
        assert_eq!(
            checksum::dec_ip_ttl(u16::from_be_bytes([got[10], got[11]])),
            0x4834
        );

        let bad = hex("47000024000b000040117f65c000020ac63364140707060000000000");
        let mut bad_full = bad.clone();
        bad_full.extend([0u8; 8]);
        e.push(0, marked(&pool, &bad_full), &mut out, &mut cx);
        assert_eq!(out.count(1), 1);
        assert_eq!(out.port(1)[0].anno().icmp_param_prob, 22);
        assert_eq!(out.port(1)[0].data(), &bad_full[..]);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "1");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn timestamps_and_overflow() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let now = Timestamp::from_parts(86_400 * 3 + 5, 250_000_000);
        let mut cx = Context::new(now, pool, &mut log);
        let mut e: IPGWOptions = configure("10.0.0.1, 10.0.0.2 10.0.0.3", P).unwrap();
        let mut out = Collect::new();
        // Flag 1 with room for one pair, then a full flag 0 option (overflow 0 -> 1).
        let h = hex(concat!(
            "4a000028000100004011000001020304050607",
            "08440c05010000000000000000440809000000",
            "0000"
        ));
        e.push(0, marked(&pool, &h), &mut out, &mut cx);
        let got = out.port(0)[0].data();
        assert_eq!(&got[24..28], &[10, 0, 0, 1]);
        assert_eq!(&got[28..32], &5250u32.to_be_bytes());
        assert_eq!(got[22], 13);
        assert_eq!(got[35], 0x10);
        assert!(checksum::verify(&got[..40]));
        // Flag 3 naming another of our addresses.
        let mut h3 = hex("48000020000100004011000001020304050607");
        h3.push(0x08);
        h3.extend([0x44, 0x0c, 0x05, 0x03, 10, 0, 0, 3, 0, 0, 0, 0]);
        e.push(0, marked(&pool, &h3), &mut out, &mut cx);
        let got = out.port(0)[1].data();
        assert_eq!(&got[28..32], &5250u32.to_be_bytes());
        assert_eq!(got[22], 13);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn config_errors() {
        assert!(configure::<IPGWOptions>("", P).is_err());
        assert!(configure::<IPGWOptions>("1.2.3.4, 5.6.7.8 x", P).is_err());
    }

    proptest! {
        #[test]
        fn random_options_never_panic(opts in proptest::collection::vec(any::<u8>(), 0..44),
                                      tail in 0usize..6) {
            let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut e: IPGWOptions = configure("1.2.3.4", P).unwrap();
            let words = opts.len() / 4;
            let mut bytes = alloc::vec![0u8; 20];
            bytes[0] = 0x45 + words as u8;
            bytes.extend(&opts[..words * 4]);
            bytes.extend(alloc::vec![0xaa; tail]);
            let mut out = Collect::new();
            e.push(0, marked(&pool, &bytes), &mut out, &mut cx);
            prop_assert_eq!(out.total(), 1);
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
