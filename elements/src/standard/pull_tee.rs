//! `PullTee`: passes pulled packets on and pushes copies to its other outputs.

use alloc::format;

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, PortRange, Processing,
    ProcessingSpec,
};
use crate::packet::Packet;

/// On a pull from output 0, pulls a packet from its input, pushes a copy to every other
/// output, and returns the packet.
///
/// # Synopsis
///
/// ```text
/// PullTee([N])
/// ```
///
/// # Ports
///
/// One input, one or more outputs. If `N` is given, there must be exactly `N` outputs.
///
/// # Processing
///
/// Input pull; output 0 pull; the other outputs push (Click's `l/lh`).
///
/// # Description
///
/// Each packet pulled through output 0 is also copied (sharing its bytes, Click's `clone()`)
/// to outputs 1 and up, which are pushed during the pull, output 1 first, before the packet
/// is returned.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> q :: Queue -> pt :: PullTee(2) -> Unqueue -> ToDump(a.pcap);
/// pt[1] -> ToDump(b.pcap);   // the same packets
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Tee.
#[derive(Debug)]
pub struct PullTee {
    outputs: usize,
}

impl Element for PullTee {
    const CLASS: &'static str = "PullTee";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(1));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Pull],
        outputs: &[Processing::Pull, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        if let Some(n) = args.positional::<u32>("N") {
            if n as usize != cx.ports.outputs {
                let span = args.last_span();
                args.error(
                    span,
                    format!(
                        "N ({n}) does not match the number of outputs ({})",
                        cx.ports.outputs
                    ),
                );
            }
        }
        args.finish()?;
        Ok(PullTee {
            outputs: cx.ports.outputs,
        })
    }

    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        _: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let mut p = ports.pull(0, cx)?;
        for port in 1..self.outputs {
            let (keep, copy) = p.share();
            ports.push(port, copy, cx);
            p = keep;
        }
        Some(p)
    }
}

impl Handlers for PullTee {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn pull_returns_packet_and_pushes_copies() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let ports = Ports {
            inputs: 1,
            outputs: 3,
        };
        let mut pt: PullTee = configure("3", ports).unwrap();
        let mut both = Feed::new();
        both.add(0, pool.packet(b"one").unwrap().into());
        both.add(0, pool.packet(b"two").unwrap().into());
        let a = pt.pull(0, &mut both, &mut cx).unwrap();
        assert_eq!((both.pushed.count(1), both.pushed.count(2)), (1, 1));
        let b = pt.pull(0, &mut both, &mut cx).unwrap();
        assert!(pt.pull(0, &mut both, &mut cx).is_none());
        assert_eq!((a.data(), b.data()), (&b"one"[..], &b"two"[..]));
        let out = &both.pushed;
        assert_eq!((out.count(0), out.count(1), out.count(2)), (0, 2, 2));
        assert_eq!(out.port(2)[1].data(), b"two");
        assert_eq!(pool.in_flight(), 2);
        drop((a, b, both));
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<PullTee>("2", ports).is_err());
        assert!(configure::<PullTee>("", ports).is_ok());
    }
}
