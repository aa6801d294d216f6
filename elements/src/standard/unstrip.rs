//! `Unstrip`: puts bytes back at the front of packets.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Puts `LENGTH` bytes back at the front of every packet.
///
/// # Synopsis
///
/// ```text
/// Unstrip(LENGTH)
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
/// Moves each packet's data start back by `LENGTH` bytes into its headroom, without writing
/// them: the bytes that reappear are the ones an earlier Strip removed (Click's
/// `nonunique_push`). This works on shared packets too, since no byte changes. If the
/// headroom is too small, the packet is made unique and its data moved back to make room,
/// as Click's `expensive_push` does; the new bytes then hold whatever the buffer held. A
/// packet that cannot get the room is dropped.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> Unstrip(14)
///     -> ToDump(out.pcap);     // the Ethernet header is back
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Strip, StripToNetworkHeader.
#[derive(Debug)]
pub struct Unstrip {
    length: usize,
}

/// Moves `p`'s data start back `n` bytes, making room if needed; `None` if impossible.
pub(crate) fn unstrip(mut p: Packet, n: usize, cx: &Context<'_>) -> Option<Packet> {
    if p.unpull(n).is_ok() {
        return Some(p);
    }
    let mut w = p.make_unique(cx.pool()).ok()?;
    w.push_front(n).ok()?;
    Some(w.into())
}

impl Element for Unstrip {
    const CLASS: &'static str = "Unstrip";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let length = args.mandatory::<u16>("LENGTH");
        args.finish()?;
        Ok(Unstrip {
            length: usize::from(length),
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if let Some(p) = unstrip(p, self.length, cx) {
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
        unstrip(p, self.length, cx)
    }
}

impl Handlers for Unstrip {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use crate::standard::{Strip, Tee};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn restores_stripped_bytes_even_when_shared() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let frame: alloc::vec::Vec<u8> = (0..40u8).collect();
        // Tee -> Strip(14) -> Unstrip(14) on both copies, as corpus case 02 does.
        let mut tee: Tee = configure(
            "2",
            Ports {
                inputs: 1,
                outputs: 2,
            },
        )
        .unwrap();
        let mut copies = Collect::new();
        tee.push(0, pool.packet(&frame).unwrap().into(), &mut copies, &mut cx);
        let mut strip: Strip = configure("14", PORTS).unwrap();
        let mut unstrip: Unstrip = configure("14", PORTS).unwrap();
        let mut out = Collect::new();
        for port in 0..2 {
            let p = copies.ports[port].pop().unwrap();
            let mut mid = Collect::new();
            strip.push(0, p, &mut mid, &mut cx);
            assert_eq!(mid.port(0)[0].data(), &frame[14..]);
            let p = mid.ports[0].pop().unwrap();
            unstrip.push(0, p, &mut out, &mut cx);
        }
        assert!(out.port(0).iter().all(|p| p.data() == frame.as_slice()));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn makes_room_when_headroom_is_short() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let headroom = pool.headroom();
        let mut u: Unstrip = configure(&alloc::format!("{}", headroom + 4), PORTS).unwrap();
        let mut out = Collect::new();
        u.push(0, pool.packet(b"data").unwrap().into(), &mut out, &mut cx);
        let p = &out.port(0)[0];
        assert_eq!(p.len(), headroom + 8);
        assert_eq!(&p.data()[headroom + 4..], b"data");
        // Far more than the buffer holds: dropped, not panicking.
        let mut big: Unstrip = configure("65535", PORTS).unwrap();
        big.push(0, pool.packet(b"x").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.count(0), 1);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }
}
