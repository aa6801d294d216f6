//! `Strip`: removes bytes from the front of packets.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Removes `LENGTH` bytes from the front of every packet.
///
/// # Synopsis
///
/// ```text
/// Strip(LENGTH)
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
/// Deletes the first `LENGTH` bytes of each packet by moving its data start; no byte is
/// copied and the stripped bytes stay in the headroom, so Unstrip can restore them. A packet
/// shorter than `LENGTH` becomes empty (Click's `pull` clamps the same way).
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> Unstrip(14)
///     -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Unstrip, StripToNetworkHeader, Truncate.
#[derive(Debug)]
pub struct Strip {
    length: usize,
}

impl Strip {
    #[inline]
    fn strip(&self, p: &mut Packet) {
        let n = self.length.min(p.len());
        // Cannot fail: n is at most the packet's length.
        let _ = p.pull(n);
    }
}

impl Element for Strip {
    const CLASS: &'static str = "Strip";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let length = args.mandatory::<u32>("LENGTH");
        args.finish()?;
        Ok(Strip {
            length: length as usize,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        _: usize,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        self.strip(&mut p);
        out.push(0, p, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let mut p = input.pull(0, cx)?;
        self.strip(&mut p);
        Some(p)
    }
}

impl Handlers for Strip {}

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
    fn strips_and_clamps() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut s: Strip = configure("3", PORTS).unwrap();
        let mut out = Collect::new();
        s.push(0, pool.packet(b"abcdef").unwrap().into(), &mut out, &mut cx);
        s.push(0, pool.packet(b"ab").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].data(), b"def");
        assert!(out.port(0)[1].is_empty());
        let mut feed = Feed::new();
        feed.add(0, pool.packet(b"1234").unwrap().into());
        assert_eq!(s.pull(0, &mut feed, &mut cx).unwrap().data(), b"4");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<Strip>("", PORTS).is_err());
        assert!(configure::<Strip>("-1", PORTS).is_err());
    }
}
