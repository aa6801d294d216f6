//! `RoundRobinSwitch`: sends packets to its outputs in turn.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends each packet to the next output in turn.
///
/// # Synopsis
///
/// ```text
/// RoundRobinSwitch
/// ```
///
/// # Ports
///
/// One input, one or more outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// The first packet leaves on output 0, the next on output 1, and so on, wrapping around
/// after the last output.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 6, STOP true) -> rr :: RoundRobinSwitch;
/// rr[0] -> even :: Counter -> Discard;
/// rr[1] -> odd :: Counter -> Discard;   // packets alternate: even.count and odd.count are 3
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// HashSwitch, Switch, RoundRobinSched.
#[derive(Debug)]
pub struct RoundRobinSwitch {
    next: usize,
    outputs: usize,
}

impl Element for RoundRobinSwitch {
    const CLASS: &'static str = "RoundRobinSwitch";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(1));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(RoundRobinSwitch {
            next: 0,
            outputs: cx.ports.outputs.max(1),
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let port = self.next;
        self.next = if port + 1 >= self.outputs {
            0
        } else {
            port + 1
        };
        out.push(port, p, cx);
    }
}

impl Handlers for RoundRobinSwitch {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn rotates() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let ports = Ports {
            inputs: 1,
            outputs: 3,
        };
        let mut rr: RoundRobinSwitch = configure("", ports).unwrap();
        let mut out = Collect::new();
        for i in 0..7u8 {
            rr.push(0, pool.packet(&[i]).unwrap().into(), &mut out, &mut cx);
        }
        assert_eq!((out.count(0), out.count(1), out.count(2)), (3, 2, 2));
        assert_eq!(out.port(1)[1].data(), [4]);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<RoundRobinSwitch>("1", ports).is_err());
    }
}
