//! `Idle`: a placeholder that never produces packets and drops what it gets.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Flow, Handlers, Input, Output, PortCount, PortRange,
    ProcessingSpec,
};
use crate::packet::{Batch, Packet};

/// Has any number of ports and does nothing: never emits a packet, drops every packet pushed
/// to it, and never pulls.
///
/// # Synopsis
///
/// ```text
/// Idle
/// ```
///
/// # Ports
///
/// Any number of inputs, any number of outputs.
///
/// # Processing
///
/// Agnostic. No input reaches any output (Click's flow code `x/y`).
///
/// # Description
///
/// Idle fills unused ports: connect an input you do not need to an Idle, or an Idle to an
/// output that must be connected. Packets pushed to it are dropped; a pull from it returns
/// nothing.
///
/// # Example
///
/// ```text
/// Idle -> q :: Queue -> Discard;   // q stays empty
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Discard, Null.
#[derive(Debug, Default)]
pub struct Idle;

impl Element for Idle {
    const CLASS: &'static str = "Idle";
    const PORTS: PortCount = PortCount::new(PortRange::AtLeast(0), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;
    const FLOW: Flow = Flow::None;

    fn configure(args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(Idle)
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, _: &mut O, _: &mut Context<'_>) {
        drop(p);
    }

    #[inline]
    fn push_batch<O: Output + ?Sized>(
        &mut self,
        _: usize,
        batch: &mut Batch,
        _: &mut O,
        _: &mut Context<'_>,
    ) {
        batch.clear();
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        _: &mut I,
        _: &mut Context<'_>,
    ) -> Option<Packet> {
        None
    }
}

impl Handlers for Idle {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn drops_pushes_and_never_pulls() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let ports = Ports {
            inputs: 2,
            outputs: 3,
        };
        let mut idle: Idle = configure("", ports).unwrap();
        let mut out = Collect::new();
        idle.push(1, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.total(), 0);
        let mut feed = Feed::new();
        feed.add(0, pool.packet(b"x").unwrap().into());
        assert!(idle.pull(0, &mut feed, &mut cx).is_none());
        assert_eq!(feed.ports[0].len(), 1, "Idle must not pull upstream");
        drop(feed);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<Idle>("5", ports).is_err());
    }
}
