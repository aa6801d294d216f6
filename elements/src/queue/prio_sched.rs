//! `PrioSched`: pulls from the first input that has a packet.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Pulls from its inputs in strict priority order.
///
/// # Synopsis
///
/// ```text
/// PrioSched
/// ```
///
/// # Ports
///
/// Any number of inputs, one output.
///
/// # Processing
///
/// Pull.
///
/// # Description
///
/// Each pull on the output pulls from input 0, then input 1, and so on, and returns the
/// first packet any of them produces. Input 0 has the highest priority: a lower input is
/// served only while every higher one is empty.
///
/// The inputs usually come from Queues or other pull schedulers. Click's version skips
/// inputs whose upstream notifier says they are empty; pulling them instead gives the same
/// packets in the same order.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, BURST 5) -> urgent :: Queue -> hi :: Counter -> p :: PrioSched;
/// InfiniteSource(LIMIT 5, BURST 5) -> bulk :: Queue -> lo :: Counter -> [1]p;
/// p -> Unqueue(LIMIT 7) -> Discard;
/// DriverManager(wait 10ms, stop);
/// // with both queues full, Unqueue takes all of urgent first: hi.count is 5, lo.count is 2
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// RoundRobinSched, Queue.
#[derive(Debug)]
pub struct PrioSched {
    inputs: usize,
}

impl Element for PrioSched {
    const CLASS: &'static str = "PrioSched";
    const PORTS: PortCount = PortCount::new(PortRange::AtLeast(0), PortRange::Exactly(1));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PULL;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(PrioSched {
            inputs: cx.ports.inputs,
        })
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        (0..self.inputs).find_map(|i| input.pull(i, cx))
    }
}

impl Handlers for PrioSched {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    #[test]
    fn higher_inputs_always_go_first() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut ps: PrioSched = configure(
            "",
            Ports {
                inputs: 3,
                outputs: 1,
            },
        )
        .unwrap();
        let mut feed = Feed::new();
        for (port, id) in [(2, 0xC0), (1, 0xB0), (0, 0xA0), (2, 0xC1), (0, 0xA1)] {
            feed.add(port, pool.packet(&[id]).unwrap().into());
        }
        let mut got = Vec::new();
        while let Some(p) = ps.pull(0, &mut feed, &mut cx) {
            got.push(p.data()[0]);
        }
        assert_eq!(got, [0xA0, 0xA1, 0xB0, 0xC0, 0xC1]);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<PrioSched>(
            "x",
            Ports {
                inputs: 1,
                outputs: 1
            }
        )
        .is_err());
    }
}
