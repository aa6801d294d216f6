//! `StripToNetworkHeader`: moves each packet's data start to its network header.

use super::unstrip::unstrip;
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Strips everything before the network header.
///
/// # Synopsis
///
/// ```text
/// StripToNetworkHeader
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
/// Moves each packet's data start to its network header mark (set by CheckIPHeader,
/// MarkIPHeader and others): the bytes before it are stripped, or, if the header lies before
/// the data start (it was stripped earlier), they are put back, as Click does. Packets with
/// no network header mark pass unchanged.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> MarkIPHeader(14) -> StripToNetworkHeader
///     -> ToDump(ip.pcap);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Strip, Unstrip, MarkIPHeader.
#[derive(Debug, Default)]
pub struct StripToNetworkHeader;

impl StripToNetworkHeader {
    #[inline]
    fn apply(p: Packet, cx: &Context<'_>) -> Option<Packet> {
        match p.network_header_offset() {
            Some(off) if off > 0 => {
                let mut p = p;
                // Cannot fail for a mark inside the data; clamp anyway.
                let n = (off as usize).min(p.len());
                let _ = p.pull(n);
                Some(p)
            }
            Some(off) if off < 0 => unstrip(p, off.unsigned_abs(), cx),
            _ => Some(p),
        }
    }
}

impl Element for StripToNetworkHeader {
    const CLASS: &'static str = "StripToNetworkHeader";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(StripToNetworkHeader)
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(p) = Self::apply(p, cx) {
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
        Self::apply(p, cx)
    }
}

impl Handlers for StripToNetworkHeader {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn strips_to_the_mark_both_ways() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let ports = Ports {
            inputs: 1,
            outputs: 1,
        };
        let mut s: StripToNetworkHeader = configure("", ports).unwrap();
        let frame: alloc::vec::Vec<u8> = (0..40u8).collect();
        let mut out = Collect::new();
        let mut p = pool.packet(&frame).unwrap();
        p.set_network_header(14, 20).unwrap();
        s.push(0, p.into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].data(), &frame[14..]);
        // The mark is now behind the data start after stripping more: it comes back.
        let mut p = pool.packet(&frame).unwrap();
        p.set_network_header(4, 20).unwrap();
        let mut p: Packet = p.into();
        p.pull(10).unwrap();
        s.push(0, p, &mut out, &mut cx);
        assert_eq!(out.port(0)[1].data(), &frame[4..]);
        // No mark: unchanged.
        s.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[2].data(), b"abc");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<StripToNetworkHeader>("1", ports).is_err());
    }
}
