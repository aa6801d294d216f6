//! `EtherMirror`: swaps the Ethernet source and destination addresses.

use super::header_window;
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ethernet::{self, EthernetFrame};

/// Swaps the source and destination Ethernet addresses.
///
/// # Synopsis
///
/// ```text
/// EtherMirror
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
/// Exchanges the first six bytes of each packet with the next six, so a frame from A to B
/// leaves from B to A. As in Click the length is not checked; in a packet shorter than 12
/// bytes the swap runs into the buffer past its end (the length stays).
///
/// # Example
///
/// ```text
/// FromDevice(eth0) -> EtherMirror -> ToDevice(eth0);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// ICMPPingResponder, EtherRewrite.
#[derive(Debug)]
pub struct EtherMirror;

impl EtherMirror {
    #[inline]
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        let mut bytes: [u8; ethernet::HEADER_LEN] = header_window::read(&q, 0);
        let mut frame = EthernetFrame::new_unchecked(&mut bytes[..]);
        let (dst, src) = (frame.dst_addr(), frame.src_addr());
        frame.set_dst_addr(src);
        frame.set_src_addr(dst);
        header_window::write(&mut q, 0, &bytes[..12]);
        Some(q.into())
    }
}

impl Element for EtherMirror {
    const CLASS: &'static str = "EtherMirror";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(EtherMirror)
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(p) = self.action(p, cx) {
            out.push(0, p, cx);
        }
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.action(p, cx)
    }
}

impl Handlers for EtherMirror {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn swaps_addresses() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: EtherMirror = configure("", PORTS).unwrap();
        let mut out = Collect::new();
        let frame = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 8, 0, 0x45];
        let (a, b) = Packet::from(pool.packet(&frame).unwrap()).share();
        e.push(0, a, &mut out, &mut cx);
        e.push(0, pool.packet(&[]).unwrap().into(), &mut out, &mut cx);
        assert_eq!(
            out.port(0)[0].data(),
            [2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 8, 0, 0x45]
        );
        assert_eq!(b.data(), frame);
        assert!(out.port(0)[1].is_empty());
        assert!(configure::<EtherMirror>("1", PORTS).is_err());
        drop((out, b));
        assert_eq!(pool.in_flight(), 0);
    }
}
