//! `DecIPTTL`: decrements the IP time-to-live, updating the checksum incrementally.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError};
use crate::element::args::{FromArg, NoNames};
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Input, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum;
use crate::wire::ipv4::HEADER_LEN;
use crate::wire::Ipv4Address;

/// Decrements packets' IP TTL; expired packets leave on output 1.
///
/// # Synopsis
///
/// ```text
/// DecIPTTL([keywords ACTIVE, MULTICAST])
/// ```
///
/// # Ports
///
/// One input; one or two outputs.
///
/// # Processing
///
/// Agnostic; output 1 is push. When pulled, an expired packet is dropped (and counted).
///
/// # Description
///
/// Expects a marked IP header (CheckIPHeader or MarkIPHeader first). A packet whose TTL is
/// 0 or 1 is counted and sent to output 1 if it exists (for ICMPError), else dropped.
/// Otherwise the TTL drops by one and the header checksum is updated incrementally exactly
/// as Click does (RFC 1624, `~(~HC + 0xFEFF)` with one end-around carry), so a checksum of
/// 0xFEFF becomes 0x0000.
///
/// With `MULTICAST false`, packets to multicast destinations pass untouched. With
/// `ACTIVE false`, every packet passes untouched. A packet without a marked 20-byte header
/// (Click would assert) is dropped.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets with TTL 1
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 01 11 cd 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> dt :: DecIPTTL -> fwd :: Counter -> Discard;
/// dt[1] -> ICMPError(192.0.2.1, timeexceeded) -> err :: Counter -> Discard;
/// // every TTL expires: dt.drops and err.count are 3, fwd.count is 0
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets whose TTL expired.
/// - `active` (read/write): whether the element decrements (`true`/`false`).
///
/// # See also
///
/// ICMPError, CheckIPHeader.
#[derive(Debug)]
pub struct DecIPTTL {
    active: bool,
    multicast: bool,
    two_outputs: bool,
    drops: u64,
}

/// What DecIPTTL does with one packet.
enum Verdict {
    /// Forward unchanged.
    Pass,
    /// TTL expired: to output 1 (if any).
    Expired,
    /// Dropped.
    Drop,
    /// Forward with the TTL (the current one given) decremented.
    Decrement(u8),
}

impl DecIPTTL {
    /// What to do with `p`, decided without moving it.
    #[inline]
    fn verdict(&mut self, p: &Packet) -> Verdict {
        if !self.active {
            return Verdict::Pass;
        }
        // TTL at byte 8, destination at 16: one read of the fixed header.
        let (ttl, dst) = match p
            .network_header()
            .and_then(|h| h.first_chunk::<HEADER_LEN>())
        {
            Some(h) => (h[8], [h[16], h[17], h[18], h[19]]),
            None => return Verdict::Drop,
        };
        if !self.multicast && Ipv4Address(dst).is_multicast() {
            return Verdict::Pass;
        }
        if ttl <= 1 {
            self.drops += 1;
            return Verdict::Expired;
        }
        Verdict::Decrement(ttl)
    }

    /// Writes `ttl - 1` and the updated checksum (Click's incremental update).
    #[inline]
    fn decrement(p: Packet, ttl: u8, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        if let Some(h) = q
            .network_header_mut()
            .and_then(|h| h.first_chunk_mut::<HEADER_LEN>())
        {
            h[8] = ttl - 1;
            let sum = checksum::dec_ip_ttl(u16::from_be_bytes([h[10], h[11]]));
            [h[10], h[11]] = sum.to_be_bytes();
        }
        Some(q.into())
    }
}

impl Element for DecIPTTL {
    const CLASS: &'static str = "DecIPTTL";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let multicast = args.keyword::<bool>("MULTICAST").unwrap_or(true);
        args.finish()?;
        Ok(DecIPTTL {
            active,
            multicast,
            two_outputs: cx.ports.outputs >= 2,
            drops: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match self.verdict(&p) {
            Verdict::Pass => out.push(0, p, cx),
            Verdict::Decrement(ttl) => {
                if let Some(p) = Self::decrement(p, ttl, cx) {
                    out.push(0, p, cx);
                }
            }
            Verdict::Expired if self.two_outputs => out.push(1, p, cx),
            Verdict::Expired | Verdict::Drop => {}
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
        match self.verdict(&p) {
            Verdict::Pass => Some(p),
            Verdict::Decrement(ttl) => Self::decrement(p, ttl, cx),
            Verdict::Expired | Verdict::Drop => None,
        }
    }
}

impl Handlers for DecIPTTL {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("drops", "packets whose TTL expired"),
        HandlerSpec::read_write("active", "whether the element decrements TTLs"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
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
    use super::super::check_ip_header::tests::hex;
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    /// Corpus case 05: the first 20 header bytes in and what Click forwarded, including
    /// the checksum corner cases 0xFEFF, 0xFF00, 0xFFFE, 0x0000 and 0x00FF.
    const CASE05: &[(&str, &str)] = &[
        (
            "450000260064000040118e11c000020ac6336414",
            "45000026006400003f118f11c000020ac6336414",
        ),
        (
            "45000026006500000211cc10c000020ac6336414",
            "45000026006500000111cd10c000020ac6336414",
        ),
        (
            "450000228f7900004011feffc000020ac6336414",
            "450000228f7900003f110000c000020ac6336414",
        ),
        (
            "450000228f7800004011ff00c000020ac6336414",
            "450000228f7800003f110001c000020ac6336414",
        ),
        (
            "450000228e7a00004011fffec000020ac6336414",
            "450000228e7a00003f1100ffc000020ac6336414",
        ),
        (
            "450000228e79000040110000c000020ac6336414",
            "450000228e7900003f110100c000020ac6336414",
        ),
        (
            "450000228d7a0000401100ffc000020ac6336414",
            "450000228d7a00003f1101ffc000020ac6336414",
        ),
        (
            "4500001c00700000ff11cf0ec000020ac6336414",
            "4500001c00700000fe11d00ec000020ac6336414",
        ),
    ];

    fn marked(pool: &Pool, bytes: &[u8]) -> Packet {
        let mut p: Packet = pool.packet(bytes).unwrap().into();
        p.set_network_header(0, 20).unwrap();
        p
    }

    #[test]
    fn corpus_case_05_forwarded_bytes() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: DecIPTTL = configure("", P).unwrap();
        for (input, want) in CASE05 {
            let mut out = Collect::new();
            let mut bytes = hex(input);
            bytes.extend([7u8; 8]);
            e.push(0, marked(&pool, &bytes), &mut out, &mut cx);
            let mut expect = hex(want);
            expect.extend([7u8; 8]);
            assert_eq!(out.port(0)[0].data(), &expect[..], "{input}");
        }
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn expired_to_output_1_and_counted() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: DecIPTTL = configure("", P).unwrap();
        let mut out = Collect::new();
        for input in [
            "45000026006600000111cd0fc000020ac6336414",
            "45000028006700000006ce17c000020ac6336414",
        ] {
            e.push(0, marked(&pool, &hex(input)), &mut out, &mut cx);
        }
        assert_eq!((out.count(0), out.count(1)), (0, 2));
        assert_eq!(
            out.port(1)[0].data(),
            &hex("45000026006600000111cd0fc000020ac6336414")[..]
        );
        // Unmarked packets are dropped without panicking.
        e.push(
            0,
            pool.packet(&[0x45; 20]).unwrap().into(),
            &mut out,
            &mut cx,
        );
        assert_eq!(out.total(), 2);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "2");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn multicast_active_and_pull() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: DecIPTTL = configure("MULTICAST false", P).unwrap();
        let mcast = hex("4500001c006b000001111753c000020ae0000009");
        let mut feed = Feed::new();
        feed.add(0, marked(&pool, &mcast));
        assert_eq!(e.pull(0, &mut feed, &mut cx).unwrap().data(), &mcast[..]);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        let mut e: DecIPTTL = configure("", P).unwrap();
        e.write_handler("active", "false", &hcx).unwrap();
        assert_eq!(e.read_handler("active", &hcx).unwrap(), "false");
        assert!(e.write_handler("active", "maybe", &hcx).is_err());
        feed.add(0, marked(&pool, &mcast));
        assert!(e.pull(0, &mut feed, &mut cx).is_some());
        e.write_handler("active", "true", &hcx).unwrap();
        feed.add(0, marked(&pool, &mcast));
        assert!(e.pull(0, &mut feed, &mut cx).is_none());
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<DecIPTTL>("1", P).is_err());
    }
}
