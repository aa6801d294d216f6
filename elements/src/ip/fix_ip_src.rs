//! `FixIPSrc`: rewrites the IP source address of packets ICMPError flagged.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum;
use crate::wire::ipv4::{Ipv4Packet, HEADER_LEN};
use crate::wire::Ipv4Address;

/// Sets the IP source address of packets whose Fix IP Source annotation is on.
///
/// # Synopsis
///
/// ```text
/// FixIPSrc(IPADDR)
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
/// ICMPError sets the Fix IP Source annotation on the errors it makes, because it does not
/// know which interface they will leave by. FixIPSrc, placed on an output path, turns the
/// annotation off, writes `IPADDR` into the source field of the marked IP header and
/// recomputes the header checksum in full. Other packets, and packets without a marked
/// header, pass unchanged.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets with TTL 1
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 01 11 cd 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> dt :: DecIPTTL -> Discard;
/// // ICMPError marks its errors; FixIPSrc gives them the outgoing interface's address
/// dt[1] -> ICMPError(192.0.2.1, timeexceeded) -> FixIPSrc(198.51.100.1)
///       -> IPFilter(allow src 198.51.100.1) -> c :: Counter -> Discard;   // c.count is 3
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// ICMPError, IPGWOptions.
#[derive(Debug)]
pub struct FixIPSrc {
    addr: Ipv4Address,
}

impl FixIPSrc {
    #[inline]
    fn action(&self, p: Packet, cx: &Context<'_>) -> Option<Packet> {
        if !p.anno().fix_ip_src || p.network_header().is_none() {
            return Some(p);
        }
        self.fix(p, cx)
    }

    /// Rewrites the source of a flagged packet (rare: the common path is the check above).
    #[inline(never)]
    fn fix(&self, p: Packet, cx: &Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        q.anno_mut().fix_ip_src = false;
        if let Some(h) = q.network_header_mut() {
            if h.len() >= HEADER_LEN {
                // Click sums IHL bytes; a lying IHL gets the 20-byte header summed instead.
                let ihl = usize::from(h[0] & 0x0f) * 4;
                let end = if (HEADER_LEN..=h.len()).contains(&ihl) {
                    ihl
                } else {
                    HEADER_LEN
                };
                let mut ip = Ipv4Packet::new_unchecked(&mut h[..end]);
                ip.set_src_addr(self.addr);
                ip.set_checksum(0);
                let sum = checksum::checksum(ip.as_ref());
                ip.set_checksum(sum);
            }
        }
        Some(q.into())
    }
}

impl Element for FixIPSrc {
    const CLASS: &'static str = "FixIPSrc";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let addr = args.mandatory::<Ipv4Address>("IPADDR");
        args.finish()?;
        Ok(FixIPSrc { addr })
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

impl Handlers for FixIPSrc {}

#[cfg(test)]
mod tests {
    use super::super::check_ip_header::tests::hex;
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn rewrites_only_flagged_packets() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: FixIPSrc = configure("192.0.2.1", P).unwrap();
        let bytes = hex("450000380009000040018e68c6336414c000020c03033de300000000");
        let mut out = Collect::new();
        let mut flagged: Packet = pool.packet(&bytes).unwrap().into();
        flagged.set_network_header(0, 20).unwrap();
        flagged.anno_mut().fix_ip_src = true;
        e.push(0, flagged, &mut out, &mut cx);
        let mut plain: Packet = pool.packet(&bytes).unwrap().into();
        plain.set_network_header(0, 20).unwrap();
        e.push(0, plain, &mut out, &mut cx);
        let mut unmarked: Packet = pool.packet(&bytes).unwrap().into();
        unmarked.anno_mut().fix_ip_src = true;
        e.push(0, unmarked, &mut out, &mut cx);
        let fixed = &out.port(0)[0];
        assert!(!fixed.anno().fix_ip_src);
        assert_eq!(&fixed.data()[12..16], &[192, 0, 2, 1]);
        assert!(checksum::verify(&fixed.data()[..20]));
        assert_eq!(&fixed.data()[20..], &bytes[20..]);
        assert_eq!(out.port(0)[1].data(), &bytes[..]);
        assert_eq!(out.port(0)[2].data(), &bytes[..]);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<FixIPSrc>("", P).is_err());
        assert!(configure::<FixIPSrc>("1.2.3", P).is_err());
    }
}
