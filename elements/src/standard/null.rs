//! `Null`: passes packets through unchanged.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::{Batch, Packet};

/// Passes packets through unchanged.
///
/// # Synopsis
///
/// ```text
/// Null
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
/// Every packet that arrives on the input leaves on the output, untouched. Useful as a
/// placeholder and for testing.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Null -> ToDump(out.pcap);  // out.pcap equals in.pcap
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Idle, Discard.
#[derive(Debug, Default)]
pub struct Null;

impl Element for Null {
    const CLASS: &'static str = "Null";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(Null)
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        out.push(0, p, cx);
    }

    #[inline]
    fn push_batch<O: Output + ?Sized>(
        &mut self,
        _: usize,
        batch: &mut Batch,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        out.push_batch(0, batch, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        input.pull(0, cx)
    }
}

impl Handlers for Null {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn passes_push_and_pull_unchanged() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut n: Null = configure("", PORTS).unwrap();
        let mut out = Collect::new();
        n.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].data(), b"abc");
        let mut feed = Feed::new();
        feed.add(0, pool.packet(b"xy").unwrap().into());
        assert_eq!(n.pull(0, &mut feed, &mut cx).unwrap().data(), b"xy");
        assert!(n.pull(0, &mut feed, &mut cx).is_none());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn takes_no_arguments() {
        assert!(configure::<Null>("1", PORTS).is_err());
    }
}
