//! `Tee`: duplicates each packet to every output.

use alloc::format;

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends a copy of each packet to every output.
///
/// # Synopsis
///
/// ```text
/// Tee([N])
/// ```
///
/// # Ports
///
/// One input, one or more outputs. If `N` is given, there must be exactly `N` outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Each packet arriving on the input leaves on every output, output 0 first. The copies
/// share the packet's bytes (Click's `clone()`): no data is copied unless a later element
/// writes to a copy, which then makes its own. Annotations are per copy.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> t :: Tee(2);
/// t[0] -> ToDump(a.pcap);
/// t[1] -> ToDump(b.pcap);    // a.pcap and b.pcap hold the same packets
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// PullTee, PaintTee.
#[derive(Debug)]
pub struct Tee {
    outputs: usize,
}

impl Element for Tee {
    const CLASS: &'static str = "Tee";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(1));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let n = args.positional::<u32>("N");
        if let Some(n) = n {
            if n as usize != cx.ports.outputs {
                let span = args.span();
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
        Ok(Tee {
            outputs: cx.ports.outputs,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let mut p = p;
        for port in 0..self.outputs.saturating_sub(1) {
            let (keep, copy) = p.share();
            out.push(port, copy, cx);
            p = keep;
        }
        out.push(self.outputs.saturating_sub(1), p, cx);
    }
}

impl Handlers for Tee {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn every_output_gets_the_packet_sharing_bytes() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut tee: Tee = configure(
            "3",
            Ports {
                inputs: 1,
                outputs: 3,
            },
        )
        .unwrap();
        let mut out = Collect::new();
        tee.push(0, pool.packet(b"hello").unwrap().into(), &mut out, &mut cx);
        assert_eq!((out.count(0), out.count(1), out.count(2)), (1, 1, 1));
        for port in 0..3 {
            assert_eq!(out.port(port)[0].data(), b"hello");
            assert!(out.port(port)[0].is_shared());
        }
        // One slot holds all three copies; it returns when the last copy goes.
        assert_eq!(pool.in_flight(), 1);
        let mut copies = core::mem::take(&mut out.ports);
        let last = copies.pop().unwrap();
        drop(copies);
        assert_eq!(pool.in_flight(), 1);
        drop(last);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn a_written_copy_leaves_the_others_alone() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut tee: Tee = configure(
            "",
            Ports {
                inputs: 1,
                outputs: 2,
            },
        )
        .unwrap();
        let mut out = Collect::new();
        tee.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        let second = out.ports[1].pop().unwrap();
        let mut w = second.make_unique(&pool).unwrap();
        w.data_mut()[0] = b'X';
        assert_eq!(w.data(), b"Xbc");
        assert_eq!(out.port(0)[0].data(), b"abc");
        assert_eq!(pool.in_flight(), 2);
        drop((w, out));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn n_must_match_outputs() {
        let err = configure::<Tee>(
            "2",
            Ports {
                inputs: 1,
                outputs: 3,
            },
        )
        .unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert!(configure::<Tee>(
            "x",
            Ports {
                inputs: 1,
                outputs: 1
            }
        )
        .is_err());
    }
}
