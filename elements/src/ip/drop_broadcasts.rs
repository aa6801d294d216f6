//! `DropBroadcasts`: drops packets that arrived as link-level broadcast or multicast.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError};
use crate::element::{
    handler::missing, Access, ConfigContext, Context, Element, HandlerContext, HandlerError,
    HandlerSpec, Handlers, Input, Level, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::{Packet, PacketType};

/// Drops packets whose packet type annotation says link-level broadcast or multicast.
///
/// # Synopsis
///
/// ```text
/// DropBroadcasts
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Dropped packets leave on output 1 if it exists.
///
/// # Processing
///
/// Agnostic; output 1 is push. When pulled, a dropped packet is simply dropped.
///
/// # Description
///
/// Routers must not forward packets that arrived as link-level broadcasts (RFC 1812
/// 5.3.4). FromDevice and HostEtherFilter set the packet type annotation; this element
/// drops packets whose type is BROADCAST or MULTICAST and passes the rest. The first drop
/// is reported as `DropBroadcasts: dropped a packet`.
///
/// # Example
///
/// ```text
/// // an IPv4/UDP packet in an Ethernet broadcast frame
/// InfiniteSource(DATA \<ff ff ff ff ff ff 02 00 00 00 00 0a 08 00 45 00 00 20 00 01
///                       00 00 40 11 8e 7a c0 00 02 0a c6 33 64 14 04 d2 00 09 00 0c
///                       2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> HostEtherFilter(02:00:00:00:00:01)   // marks the packets BROADCAST
///     -> Strip(14) -> CheckIPHeader -> db :: DropBroadcasts -> fwd :: Counter -> Discard;
/// // none is forwarded: db.drops is 3, fwd.count is 0
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets dropped.
///
/// # See also
///
/// HostEtherFilter, FromDevice.
#[derive(Debug)]
pub struct DropBroadcasts {
    name: String,
    two_outputs: bool,
    drops: u64,
}

impl DropBroadcasts {
    /// True if `p` must go.
    fn drop_it(&mut self, p: &Packet, cx: &mut Context<'_>) -> bool {
        let bad = matches!(
            p.anno().packet_type,
            PacketType::Broadcast | PacketType::Multicast
        );
        if bad {
            if self.drops == 0 {
                cx.log(
                    Level::Warning,
                    &self.name,
                    format_args!("DropBroadcasts: dropped a packet"),
                );
            }
            self.drops += 1;
        }
        bad
    }
}

impl Element for DropBroadcasts {
    const CLASS: &'static str = "DropBroadcasts";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(DropBroadcasts {
            name: cx.name.to_string(),
            two_outputs: cx.ports.outputs >= 2,
            drops: 0,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if !self.drop_it(&p, cx) {
            out.push(0, p, cx);
        } else if self.two_outputs {
            out.push(1, p, cx);
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
        (!self.drop_it(&p, cx)).then_some(p)
    }
}

impl Handlers for DropBroadcasts {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read("drops", "packets dropped")];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn drops_broadcast_and_multicast() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        let ports = Ports {
            inputs: 1,
            outputs: 2,
        };
        let mut e: DropBroadcasts = configure("", ports).unwrap();
        {
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let mut out = Collect::new();
            for t in [
                PacketType::Host,
                PacketType::Broadcast,
                PacketType::Multicast,
                PacketType::OtherHost,
            ] {
                let mut p: Packet = pool.packet(b"x").unwrap().into();
                p.anno_mut().packet_type = t;
                e.push(0, p, &mut out, &mut cx);
            }
            assert_eq!((out.count(0), out.count(1)), (2, 2));
            let mut feed = Feed::new();
            let mut p: Packet = pool.packet(b"x").unwrap().into();
            p.anno_mut().packet_type = PacketType::Broadcast;
            feed.add(0, p);
            assert!(e.pull(0, &mut feed, &mut cx).is_none());
        }
        assert_eq!(log.messages.len(), 1);
        assert_eq!(log.messages[0].1, "e: DropBroadcasts: dropped a packet");
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "3");
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<DropBroadcasts>("1", ports).is_err());
    }
}
