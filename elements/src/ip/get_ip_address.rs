//! `GetIPAddress`: copies an IP address from the packet into the destination annotation.

use crate::element::args::{Args, ConfigError};
use crate::element::values::Word;
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ipv4::{Ipv4Packet, HEADER_LEN};
use crate::wire::Ipv4Address;

/// Where GetIPAddress reads the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum From {
    /// At a fixed offset into the data.
    Offset(usize),
    /// The marked IP header's source.
    Source,
    /// The marked IP header's destination.
    Destination,
}

/// Sets the destination IP address annotation from the packet's bytes.
///
/// # Synopsis
///
/// ```text
/// GetIPAddress(OFFSET [, ANNO])
/// GetIPAddress(IP src|dst [, ANNO])
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
/// Copies the four bytes at `OFFSET` (16 is the destination of an IP header at the start
/// of the data) into the destination IP address annotation. With `IP src` or `IP dst`, the
/// address comes from the marked IP header instead. Exactly one of `OFFSET` and `IP` must
/// be given. `ANNO` may only name the destination address annotation (`DST_IP_ANNO` or
/// `DST_IP`), the one annotation of address size Sluice has. A packet too short for the
/// read (Click would read past its end) passes with its annotation unchanged.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 198.51.100.20
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> GetIPAddress(16)   // the destination address, for the lookup
///     -> rt :: LinearIPLookup(198.51.100.0/24 0, 0.0.0.0/0 192.0.2.1 1);
/// rt[0] -> local :: Counter -> Discard;   // local.count is 3
/// rt[1] -> Discard;
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// SetIPAddress, StoreIPAddress, CheckIPHeader.
#[derive(Debug)]
pub struct GetIPAddress {
    from: From,
}

impl GetIPAddress {
    /// Sets the annotation in place (no move of the packet).
    #[inline]
    fn set(&self, p: &mut Packet) {
        let addr = match self.from {
            From::Offset(o) => p
                .data()
                .get(o..)
                .and_then(|d| d.first_chunk::<4>())
                .map(|a| Ipv4Address(*a)),
            From::Source | From::Destination => match p.network_header() {
                Some(h) if h.len() >= HEADER_LEN => {
                    let ip = Ipv4Packet::new_unchecked(h);
                    Some(if self.from == From::Source {
                        ip.src_addr()
                    } else {
                        ip.dst_addr()
                    })
                }
                _ => None,
            },
        };
        if let Some(a) = addr {
            p.anno_mut().dst_ip = a;
        }
    }

    #[inline]
    fn action(&self, mut p: Packet) -> Packet {
        self.set(&mut p);
        p
    }
}

impl Element for GetIPAddress {
    const CLASS: &'static str = "GetIPAddress";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let offset = args.positional::<u32>("OFFSET");
        let anno = args.positional::<Word>("ANNO");
        let anno_span = args.last_span();
        let ip = args.keyword::<Word>("IP");
        let ip_span = args.last_span();
        if let Some(Word(a)) = &anno {
            if a != "DST_IP_ANNO" && a != "DST_IP" {
                args.error(
                    anno_span,
                    "ANNO: only the destination IP annotation is supported",
                );
            }
        }
        let from = match (offset, ip) {
            (Some(o), None) => From::Offset(o as usize),
            (None, Some(Word(w))) if w == "src" => From::Source,
            (None, Some(Word(w))) if w == "dst" => From::Destination,
            (None, Some(_)) => {
                args.error(ip_span, "bad IP");
                From::Offset(0)
            }
            _ => {
                let span = args.span();
                args.error(span, "set one of OFFSET, IP");
                From::Offset(0)
            }
        };
        args.finish()?;
        Ok(GetIPAddress { from })
    }

    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        _: usize,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        self.set(&mut p);
        out.push(0, p, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        input.pull(0, cx).map(|p| self.action(p))
    }
}

impl Handlers for GetIPAddress {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn reads_offset_or_header_fields() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut bytes = [0u8; 20];
        bytes[0] = 0x45;
        bytes[12..16].copy_from_slice(&[1, 2, 3, 4]);
        bytes[16..20].copy_from_slice(&[5, 6, 7, 8]);
        let mut out = Collect::new();
        let mut e: GetIPAddress = configure("16", P).unwrap();
        e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
        e.push(
            0,
            pool.packet(&bytes[..18]).unwrap().into(),
            &mut out,
            &mut cx,
        );
        let mut e: GetIPAddress = configure("IP src", P).unwrap();
        let mut p: Packet = pool.packet(&bytes).unwrap().into();
        p.set_network_header(0, 20).unwrap();
        e.push(0, p, &mut out, &mut cx);
        e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
        let got: alloc::vec::Vec<_> = out.port(0).iter().map(|p| p.anno().dst_ip).collect();
        assert_eq!(
            got,
            [
                Ipv4Address::new(5, 6, 7, 8),
                Ipv4Address::UNSPECIFIED,
                Ipv4Address::new(1, 2, 3, 4),
                Ipv4Address::UNSPECIFIED
            ]
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn config_errors() {
        assert!(configure::<GetIPAddress>("", P).is_err());
        assert!(configure::<GetIPAddress>("16, IP dst", P).is_err());
        assert!(configure::<GetIPAddress>("IP middle", P).is_err());
        assert!(configure::<GetIPAddress>("16, PAINT", P).is_err());
        assert!(configure::<GetIPAddress>("16, DST_IP_ANNO", P).is_ok());
        assert_eq!(
            configure::<GetIPAddress>("IP dst", P).unwrap().from,
            From::Destination
        );
    }
}
