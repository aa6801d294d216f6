//! `MarkIPHeader`: marks where the IP header starts, without checking it.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Marks packets' IP headers at a fixed offset, trusting what it finds.
///
/// # Synopsis
///
/// ```text
/// MarkIPHeader([OFFSET])
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
/// Marks the network header `OFFSET` bytes into the packet (default 0), with the length
/// the header's IHL field gives, and the transport header right after it. Nothing is
/// checked and no annotation changes: use CheckIPHeader for untrusted input. A packet too
/// short for the header its IHL claims (Click would mark past the data) keeps its old
/// marks and passes unchanged.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14) -> MarkIPHeader -> SetIPChecksum -> Discard;
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// CheckIPHeader, StripIPHeader.
#[derive(Debug)]
pub struct MarkIPHeader {
    offset: usize,
}

impl MarkIPHeader {
    fn mark(&self, mut p: Packet) -> Packet {
        let hlen = match p.data().get(self.offset..) {
            Some(d) if !d.is_empty() => usize::from(d[0] & 0x0f) * 4,
            _ => return p,
        };
        let _ = p.set_network_header(self.offset, hlen);
        p
    }
}

impl Element for MarkIPHeader {
    const CLASS: &'static str = "MarkIPHeader";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let offset = args.positional::<u32>("OFFSET").unwrap_or(0);
        args.finish()?;
        Ok(MarkIPHeader {
            offset: offset as usize,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        out.push(0, self.mark(p), cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        input.pull(0, cx).map(|p| self.mark(p))
    }
}

impl Handlers for MarkIPHeader {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn marks_at_offset_with_ihl() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: MarkIPHeader = configure("2", P).unwrap();
        let mut bytes = [0u8; 40];
        bytes[2] = 0x46; // IHL 6: a 24-byte header
        let mut out = Collect::new();
        e.push(0, pool.packet(&bytes).unwrap().into(), &mut out, &mut cx);
        let p = &out.port(0)[0];
        assert_eq!(p.network_header_offset(), Some(2));
        assert_eq!(p.transport_header_offset(), Some(26));
        assert_eq!(p.data(), &bytes[..]);
        // Too short for its IHL, or empty: passes unmarked.
        let mut feed = Feed::new();
        feed.add(0, pool.packet(&bytes[..10]).unwrap().into());
        feed.add(0, pool.packet(&[]).unwrap().into());
        for _ in 0..2 {
            let p = e.pull(0, &mut feed, &mut cx).unwrap();
            assert_eq!(p.network_header_offset(), None);
        }
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn config_errors() {
        assert!(configure::<MarkIPHeader>("x", P).is_err());
        assert!(configure::<MarkIPHeader>("1, 2", P).is_err());
        assert_eq!(
            configure::<MarkIPHeader>("OFFSET 14", P).unwrap().offset,
            14
        );
    }
}
