//! `RoundRobinSched`: pulls from its inputs in turn.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Pulls from its inputs in round-robin order.
///
/// # Synopsis
///
/// ```text
/// RoundRobinSched
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
/// Each pull on the output pulls from the inputs in turn until one produces a packet, and
/// returns it. The next pull starts from the input after the one that produced the last
/// packet, so busy inputs share the output equally. If no input has a packet the pull
/// returns nothing (after asking each input once).
///
/// The inputs usually come from Queues or other pull schedulers. Click's version skips
/// inputs whose upstream notifier says they are empty; pulling them instead gives the same
/// packets in the same order.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, BURST 5) -> a :: Queue -> ca :: Counter -> rr :: RoundRobinSched;
/// InfiniteSource(LIMIT 5, BURST 5) -> b :: Queue -> cb :: Counter -> [1]rr;
/// rr -> Unqueue(LIMIT 6) -> Discard;
/// DriverManager(wait 10ms, stop);
/// // Unqueue takes packets from a and b in turn: ca.count and cb.count are 3
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// PrioSched, RoundRobinSwitch, Queue.
#[derive(Debug)]
pub struct RoundRobinSched {
    inputs: usize,
    next: usize,
}

impl Element for RoundRobinSched {
    const CLASS: &'static str = "RoundRobinSched";
    const PORTS: PortCount = PortCount::new(PortRange::AtLeast(0), PortRange::Exactly(1));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PULL;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(RoundRobinSched {
            inputs: cx.ports.inputs,
            next: 0,
        })
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let mut i = self.next;
        for _ in 0..self.inputs {
            let p = input.pull(i, cx);
            i += 1;
            if i >= self.inputs {
                i = 0;
            }
            if p.is_some() {
                self.next = i;
                return p;
            }
        }
        None
    }
}

impl Handlers for RoundRobinSched {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    #[test]
    fn takes_turns_and_skips_empty_inputs() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut rr: RoundRobinSched = configure(
            "",
            Ports {
                inputs: 3,
                outputs: 1,
            },
        )
        .unwrap();
        let mut feed = Feed::new();
        for (port, id) in [
            (0, 0xA0),
            (0, 0xA1),
            (0, 0xA2),
            (1, 0xB0),
            (2, 0xC0),
            (2, 0xC1),
        ] {
            feed.add(port, pool.packet(&[id]).unwrap().into());
        }
        let mut got = Vec::new();
        while let Some(p) = rr.pull(0, &mut feed, &mut cx) {
            got.push(p.data()[0]);
        }
        assert_eq!(got, [0xA0, 0xB0, 0xC0, 0xA1, 0xC1, 0xA2]);
        // Nothing left anywhere.
        assert!(rr.pull(0, &mut feed, &mut cx).is_none());
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn no_inputs_and_no_arguments() {
        let pool = Pool::new(PoolConfig::with_slots(1)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let ports = Ports {
            inputs: 0,
            outputs: 1,
        };
        let mut rr: RoundRobinSched = configure("", ports).unwrap();
        assert!(rr.pull(0, &mut Feed::new(), &mut cx).is_none());
        assert!(configure::<RoundRobinSched>("2", ports).is_err());
    }
}
