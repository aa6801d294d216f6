//! `SetIPDSCP`: sets the DSCP bits of the IP TOS byte.

use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::checksum;
use crate::wire::ipv4::HEADER_LEN;

/// Sets the Differentiated Services Code Point of IP packets.
///
/// # Synopsis
///
/// ```text
/// SetIPDSCP(DSCP)
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
/// Expects a marked IP header. Replaces the upper six bits of the TOS byte with `DSCP`
/// (0 to 63), keeping the two ECN bits, and updates the header checksum incrementally as
/// Click does (RFC 1624 over the first header word). A packet without a marked 20-byte
/// header (Click would assert) is dropped.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets with DSCP 0
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> SetIPDSCP(46)   // Expedited Forwarding; the checksum is updated
///     -> CheckIPHeader -> IPFilter(allow ip dscp 46) -> c :: Counter -> Discard;   // c.count is 3
/// ```
///
/// # Handlers
///
/// - `dscp` (read/write): the code point.
///
/// # See also
///
/// IPEncap, SetIPECN.
#[derive(Debug)]
pub struct SetIPDSCP {
    dscp: u8,
}

fn parse_dscp(text: &str) -> Result<u8, String> {
    let v = u32::from_arg(text, &NoNames).map_err(|e| format!("DSCP: {e}"))?;
    u8::try_from(v)
        .ok()
        .filter(|&d| d <= 0x3f)
        .ok_or_else(|| "diffserv code point out of range".to_string())
}

impl SetIPDSCP {
    fn action(&self, p: Packet, cx: &Context<'_>) -> Option<Packet> {
        if p.network_header().is_none_or(|h| h.len() < HEADER_LEN) {
            return None;
        }
        let mut q = p.make_unique(cx.pool()).ok()?;
        if let Some(h) = q.network_header_mut() {
            let old = u16::from_be_bytes([h[0], h[1]]);
            h[1] = (h[1] & 0x3) | (self.dscp << 2);
            let new = u16::from_be_bytes([h[0], h[1]]);
            let sum = checksum::update_u16(u16::from_be_bytes([h[10], h[11]]), old, new);
            h[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        Some(q.into())
    }
}

impl Element for SetIPDSCP {
    const CLASS: &'static str = "SetIPDSCP";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let dscp = args.mandatory::<u32>("DSCP");
        if !args.has_errors() && dscp > 0x3f {
            let span = args.last_span();
            args.error(span, "diffserv code point out of range");
        }
        args.finish()?;
        Ok(SetIPDSCP { dscp: dscp as u8 })
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

impl Handlers for SetIPDSCP {
    const HANDLERS: &'static [HandlerSpec] =
        &[HandlerSpec::read_write("dscp", "the code point set")];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "dscp" => Ok(self.dscp.to_string()),
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
            "dscp" => {
                self.dscp = parse_dscp(value.trim()).map_err(HandlerError::BadValue)?;
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
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn sets_dscp_keeps_ecn_and_checksum_valid() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: SetIPDSCP = configure("46", P).unwrap();
        let mut bytes = hex("450000260064000040118e11c000020ac6336414");
        bytes[1] = 0x03;
        bytes[10..12].copy_from_slice(&[0, 0]);
        let sum = checksum::checksum(&bytes);
        bytes[10..12].copy_from_slice(&sum.to_be_bytes());
        let mut p: Packet = pool.packet(&bytes).unwrap().into();
        p.set_network_header(0, 20).unwrap();
        let mut out = Collect::new();
        e.push(0, p, &mut out, &mut cx);
        e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.total(), 1);
        let got = out.port(0)[0].data();
        assert_eq!(got[1], (46 << 2) | 3);
        assert!(checksum::verify(&got[..20]));
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        e.write_handler("dscp", "10", &hcx).unwrap();
        assert_eq!(e.read_handler("dscp", &hcx).unwrap(), "10");
        assert!(e.write_handler("dscp", "64", &hcx).is_err());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<SetIPDSCP>("64", P).is_err());
        assert!(configure::<SetIPDSCP>("", P).is_err());
    }
}
