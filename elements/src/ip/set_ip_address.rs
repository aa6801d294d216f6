//! `SetIPAddress`: sets the destination IP address annotation to a fixed address.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::Word;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::Ipv4Address;

/// Sets the destination IP address annotation.
///
/// # Synopsis
///
/// ```text
/// SetIPAddress(IPADDR [, ANNO])
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
/// Sets every packet's destination IP address annotation to `IPADDR`, for ARPQuerier or a
/// route lookup after it. The packet's bytes do not change. `ANNO` may only name the
/// destination address annotation (`DST_IP_ANNO` or `DST_IP`).
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets to 198.51.100.20, sent through the gateway 192.0.2.254
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> SetIPAddress(192.0.2.254)
///     -> arpq :: ARPQuerier(192.0.2.1, 02:00:00:00:00:01) -> Discard;
/// Idle -> [1]arpq;
/// // arpq asks for the annotation's address: arpq.table lists 192.0.2.254
/// ```
///
/// # Handlers
///
/// - `addr` (read/write): the address set (IPADDR), as a dotted quad.
///
/// # See also
///
/// GetIPAddress, StoreIPAddress.
#[derive(Debug)]
pub struct SetIPAddress {
    addr: Ipv4Address,
}

impl Element for SetIPAddress {
    const CLASS: &'static str = "SetIPAddress";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let addr = args.mandatory::<Ipv4Address>("IPADDR");
        if let Some(Word(a)) = args.positional::<Word>("ANNO") {
            if a != "DST_IP_ANNO" && a != "DST_IP" {
                let span = args.last_span();
                args.error(
                    span,
                    "ANNO: only the destination IP annotation is supported",
                );
            }
        }
        args.finish()?;
        Ok(SetIPAddress { addr })
    }

    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        _: usize,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        p.anno_mut().dst_ip = self.addr;
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
        p.anno_mut().dst_ip = self.addr;
        Some(p)
    }
}

impl Handlers for SetIPAddress {
    const HANDLERS: &'static [HandlerSpec] =
        &[HandlerSpec::read_write("addr", "the address set (IPADDR)")];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "addr" => Ok(self.addr.to_string()),
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
            "addr" => {
                self.addr = <Ipv4Address as FromArg>::from_arg(value.trim(), &NoNames)
                    .map_err(HandlerError::BadValue)?;
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

    const P: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn sets_the_annotation() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: SetIPAddress = configure("10.0.0.9", P).unwrap();
        let mut out = Collect::new();
        e.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        let mut feed = Feed::new();
        feed.add(0, pool.packet(b"abc").unwrap().into());
        let pulled = e.pull(0, &mut feed, &mut cx).unwrap();
        for p in [&out.port(0)[0], &pulled] {
            assert_eq!(p.anno().dst_ip, Ipv4Address::new(10, 0, 0, 9));
            assert_eq!(p.data(), b"abc");
        }
        drop((out, pulled));
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<SetIPAddress>("", P).is_err());
        assert!(configure::<SetIPAddress>("10.0.0.9, PAINT", P).is_err());
    }

    #[test]
    fn addr_handler_reads_writes_and_rejects() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        let mut e: SetIPAddress = configure("10.0.0.9", P).unwrap();
        assert_eq!(e.read_handler("addr", &hcx).unwrap(), "10.0.0.9");
        e.write_handler("addr", "192.0.2.254\n", &hcx).unwrap();
        assert_eq!(e.read_handler("addr", &hcx).unwrap(), "192.0.2.254");
        let mut out = Collect::new();
        e.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(
            out.port(0)[0].anno().dst_ip,
            Ipv4Address::new(192, 0, 2, 254)
        );
        for bad in [
            "",
            "10.0.0",
            "300.0.0.1",
            "10.0.0.1 10.0.0.2",
            "\u{0}\u{ff}",
        ] {
            assert!(
                matches!(
                    e.write_handler("addr", bad, &hcx),
                    Err(HandlerError::BadValue(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(e.read_handler("addr", &hcx).unwrap(), "192.0.2.254");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }
}
