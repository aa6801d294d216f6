//! `StaticSwitch`: sends every packet to one output fixed at configuration.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends every packet to one output, fixed when the router is configured.
///
/// # Synopsis
///
/// ```text
/// StaticSwitch(K)
/// ```
///
/// # Ports
///
/// One input, any number of outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Sends every packet to output `K`. If `K` is negative or not an output, packets are
/// dropped. Unlike Switch, the choice cannot change while the router runs.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, STOP true) -> s :: StaticSwitch(1);
/// s[0] -> Discard;
/// s[1] -> c :: Counter -> Discard;   // gets every packet: c.count is 5
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Switch.
#[derive(Debug)]
pub struct StaticSwitch {
    output: Option<usize>,
}

impl Element for StaticSwitch {
    const CLASS: &'static str = "StaticSwitch";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let k = args.mandatory::<i32>("OUTPUT");
        args.finish()?;
        let output = usize::try_from(k).ok().filter(|&k| k < cx.ports.outputs);
        Ok(StaticSwitch { output })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(port) = self.output {
            out.push(port, p, cx);
        }
    }
}

impl Handlers for StaticSwitch {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 3,
    };

    #[test]
    fn fixed_output_or_drop() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut out = Collect::new();
        let mut s: StaticSwitch = configure("2", PORTS).unwrap();
        s.push(0, pool.packet(b"a").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.count(2), 1);
        for k in ["-1", "3"] {
            let mut s: StaticSwitch = configure(k, PORTS).unwrap();
            s.push(0, pool.packet(b"a").unwrap().into(), &mut out, &mut cx);
        }
        assert_eq!(out.total(), 1);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<StaticSwitch>("", PORTS).is_err());
    }
}
