//! `HostEtherFilter`: keeps frames addressed to this host, marking each with its packet
//! type.

use alloc::format;
use alloc::string::{String, ToString};

use super::header_window;
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::{Packet, PacketType};
use crate::wire::ethernet::{self, EthernetFrame};
use crate::wire::EthernetAddress;

/// Drops Ethernet frames not addressed to this host, and sets the packet type annotation.
///
/// # Synopsis
///
/// ```text
/// HostEtherFilter(ETHER [, DROP_OWN, DROP_OTHER, keywords OFFSET])
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Dropped frames leave on output 1 if it exists.
///
/// # Processing
///
/// Input and output 0 agnostic, output 1 push. In a pull path, frames meant for output 1 are
/// dropped (a pull has no push output to send them to).
///
/// # Description
///
/// Looks at the Ethernet header `OFFSET` bytes (default 0) into each packet and sets the
/// packet type annotation: `HOST` if the destination is `ETHER`, `BROADCAST` for
/// ff:ff:ff:ff:ff:ff, `MULTICAST` for other group addresses, otherwise `OTHERHOST`.
///
/// - `DROP_OWN` (boolean, default false): drop frames whose source is `ETHER` (checked
///   first).
/// - `DROP_OTHER` (boolean, default true): drop `OTHERHOST` frames.
///
/// As in Click the length is not checked: the addresses of a short packet are read from
/// whatever its buffer holds past the data.
///
/// # Example
///
/// ```text
/// f :: HostEtherFilter(02:00:00:00:00:01);
/// // the start of an IPv4 frame, once to 02:00:00:00:00:01 and once to another host
/// InfiniteSource(DATA \<02 00 00 00 00 01 02 00 00 00 00 0a 08 00 45 00>,
///                LIMIT 3, STOP true) -> f;
/// InfiniteSource(DATA \<02 00 00 00 00 02 02 00 00 00 00 0a 08 00 45 00>,
///                LIMIT 3, STOP true) -> f;
/// f[0] -> mine :: Counter -> Discard;
/// f[1] -> other :: Counter -> Discard;  // frames for other hosts
/// DriverManager(wait_stop 2);   // mine.count and other.count are 3
/// ```
///
/// # Handlers
///
/// - `ether` (read/write): the host's address.
///
/// # See also
///
/// Classifier, FromDevice.
#[derive(Debug)]
pub struct HostEtherFilter {
    addr: EthernetAddress,
    drop_own: bool,
    drop_other: bool,
    offset: u32,
}

impl HostEtherFilter {
    /// Sets the packet type; `Err` gives back a packet to drop (output 1).
    #[inline]
    fn classify(&self, mut p: Packet) -> Result<Packet, Packet> {
        let bytes: [u8; ethernet::HEADER_LEN] = header_window::read(&p, self.offset as usize);
        let frame = EthernetFrame::new_unchecked(&bytes[..]);
        let dst = frame.dst_addr();
        if self.drop_own && frame.src_addr() == self.addr {
            return Err(p);
        }
        let kind = if dst == self.addr {
            PacketType::Host
        } else if dst.is_broadcast() {
            PacketType::Broadcast
        } else if dst.is_multicast() {
            PacketType::Multicast
        } else {
            PacketType::OtherHost
        };
        p.anno_mut().packet_type = kind;
        if kind == PacketType::OtherHost && self.drop_other {
            Err(p)
        } else {
            Ok(p)
        }
    }
}

impl Element for HostEtherFilter {
    const CLASS: &'static str = "HostEtherFilter";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let addr = args.mandatory::<EthernetAddress>("ETHER");
        let drop_own = args.positional::<bool>("DROP_OWN").unwrap_or(false);
        let drop_other = args.positional::<bool>("DROP_OTHER").unwrap_or(true);
        let offset = args.keyword::<u32>("OFFSET").unwrap_or(0);
        args.finish()?;
        Ok(HostEtherFilter {
            addr,
            drop_own,
            drop_other,
            offset,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match self.classify(p) {
            Ok(p) => out.push(0, p, cx),
            // An unconnected output 1 drops the packet, as Click's checked_output_push.
            Err(p) => out.push(1, p, cx),
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
        self.classify(p).ok()
    }
}

impl Handlers for HostEtherFilter {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "ether",
        "the host's Ethernet address",
    )];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "ether" => Ok(self.addr.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "ether" => {
                self.addr = EthernetAddress::from_arg(value.trim(), &NoNames)
                    .map_err(|e| HandlerError::BadValue(format!("ETHER: {e}")))?;
                Ok(())
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    const TWO: Ports = Ports {
        inputs: 1,
        outputs: 2,
    };

    fn frame(dst: [u8; 6], src: [u8; 6]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&dst);
        f.extend_from_slice(&src);
        f.extend_from_slice(&[8, 0]);
        f
    }

    #[test]
    fn classifies_and_drops_as_click() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let me = [2, 0, 0, 0, 0, 1];
        let other = [2, 0, 0, 0, 0, 9];
        let mut e: HostEtherFilter = configure("02:00:00:00:00:01, DROP_OWN true", TWO).unwrap();
        let mut out = Collect::new();
        for f in [
            frame(me, other),
            frame([0xff; 6], other),
            frame([1, 0, 0x5e, 0, 0, 1], other),
            frame(other, other),
            frame([0xff; 6], me),
        ] {
            e.push(0, pool.packet(&f).unwrap().into(), &mut out, &mut cx);
        }
        let kinds: Vec<_> = out.port(0).iter().map(|p| p.anno().packet_type).collect();
        assert_eq!(
            kinds,
            [
                PacketType::Host,
                PacketType::Broadcast,
                PacketType::Multicast
            ]
        );
        let dropped: Vec<_> = out.port(1).iter().map(|p| p.anno().packet_type).collect();
        assert_eq!(dropped, [PacketType::OtherHost, PacketType::Host]);
        // DROP_OTHER false and OFFSET; pull drops what push would send to output 1.
        let mut e: HostEtherFilter =
            configure("02:00:00:00:00:01, false, false, OFFSET 2", TWO).unwrap();
        let mut shifted = alloc::vec![0, 0];
        shifted.extend(frame(other, me));
        let mut feed = Feed::new();
        feed.add(0, pool.packet(&shifted).unwrap().into());
        let p = e.pull(0, &mut feed, &mut cx).unwrap();
        assert_eq!(p.anno().packet_type, PacketType::OtherHost);
        // Runts never panic.
        e.push(0, pool.packet(&[1]).unwrap().into(), &mut out, &mut cx);
        drop((out, p));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_and_handler() {
        assert!(configure::<HostEtherFilter>("", TWO).is_err());
        assert!(configure::<HostEtherFilter>("02:00:00:00:00:01, maybe", TWO).is_err());
        let mut e: HostEtherFilter = configure("02:00:00:00:00:01", TWO).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        e.write_handler("ether", "02:00:00:00:00:02", &hcx).unwrap();
        assert_eq!(e.read_handler("ether", &hcx).unwrap(), "02:00:00:00:00:02");
        assert!(e.write_handler("ether", "x", &hcx).is_err());
    }
}
