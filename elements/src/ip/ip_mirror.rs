//! `IPMirror`: swaps source and destination of IP packets (and of TCP/UDP ports).

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ipv4::{protocol, Ipv4Packet, HEADER_LEN};

/// Swaps IP source and destination, TCP/UDP ports, and TCP sequence and ack numbers.
///
/// # Synopsis
///
/// ```text
/// IPMirror([DST_ANNO])
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
/// Expects a marked IP header. Exchanges the source and destination addresses (the
/// checksums stay valid: the sums do not change) and, with `DST_ANNO` true (the default),
/// sets the destination annotation to the new destination. For TCP and UDP first fragments
/// holding at least 8 transport bytes, the ports are swapped too, and for TCP with at least
/// 12 bytes the sequence and acknowledgment numbers (Click checks only for 8 bytes and
/// would read past a shorter TCP header). A packet without a marked header passes
/// unchanged.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets from 192.0.2.10 port 1234 to 198.51.100.20 port 9
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> IPMirror   // now from 198.51.100.20 port 9 to 192.0.2.10 port 1234
///     -> IPFilter(allow src 198.51.100.20 && src port 9 && dst 192.0.2.10 && dst port 1234)
///     -> c :: Counter -> Discard;    // c.count is 3
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// ICMPPingResponder.
#[derive(Debug)]
pub struct IPMirror {
    dst_anno: bool,
}

impl IPMirror {
    fn action(&self, p: Packet, cx: &Context<'_>) -> Option<Packet> {
        if p.network_header().is_none_or(|h| h.len() < HEADER_LEN) {
            return Some(p);
        }
        let mut q = p.make_unique(cx.pool()).ok()?;
        let (new_dst, proto, first_frag) = {
            let h = q.network_header_mut()?;
            let mut ip = Ipv4Packet::new_unchecked(&mut *h);
            let (src, dst) = (ip.src_addr(), ip.dst_addr());
            ip.set_src_addr(dst);
            ip.set_dst_addr(src);
            (src, ip.protocol(), ip.frag_offset() == 0)
        };
        if self.dst_anno {
            q.anno_mut().dst_ip = new_dst;
        }
        if (proto == protocol::TCP || proto == protocol::UDP) && first_frag {
            if let Some(t) = q.transport_header_mut() {
                if t.len() >= 8 {
                    let (a, b) = t.split_at_mut(2);
                    a.swap_with_slice(&mut b[..2]);
                }
                if proto == protocol::TCP && t.len() >= 12 {
                    let (a, b) = t[4..12].split_at_mut(4);
                    a.swap_with_slice(b);
                }
            }
        }
        Some(q.into())
    }
}

impl Element for IPMirror {
    const CLASS: &'static str = "IPMirror";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let dst_anno = args.positional::<bool>("DST_ANNO").unwrap_or(true);
        args.finish()?;
        Ok(IPMirror { dst_anno })
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

impl Handlers for IPMirror {}

#[cfg(test)]
mod tests {
    use super::super::check_ip_header::tests::hex;
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use crate::wire::{checksum, Ipv4Address};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn mirrors_tcp() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: IPMirror = configure("", P).unwrap();
        let bytes =
            hex("450000280001000040068e7dc000020ac63364149c400050000003e8000000005002200003180000");
        let mut p: Packet = pool.packet(&bytes).unwrap().into();
        p.set_network_header(0, 20).unwrap();
        let mut out = Collect::new();
        e.push(0, p, &mut out, &mut cx);
        e.push(
            0,
            pool.packet(&bytes[..10]).unwrap().into(),
            &mut out,
            &mut cx,
        );
        let got = out.port(0)[0].data();
        assert_eq!(&got[12..16], &bytes[16..20]);
        assert_eq!(&got[16..20], &bytes[12..16]);
        assert_eq!(&got[20..22], &bytes[22..24]);
        assert_eq!(&got[22..24], &bytes[20..22]);
        assert_eq!(&got[24..28], &bytes[28..32]);
        assert_eq!(&got[28..32], &bytes[24..28]);
        assert!(checksum::verify(&got[..20]));
        assert_eq!(
            out.port(0)[0].anno().dst_ip,
            Ipv4Address::new(192, 0, 2, 10)
        );
        assert_eq!(out.port(0)[1].data(), &bytes[..10]);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<IPMirror>("x", P).is_err());
    }
}
