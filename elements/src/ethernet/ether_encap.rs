//! `EtherEncap`: prepends an Ethernet header.

use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ethernet::{self, EthernetFrame};
use crate::wire::EthernetAddress;

/// Encapsulates packets in an Ethernet header.
///
/// # Synopsis
///
/// ```text
/// EtherEncap(ETHERTYPE, SRC, DST)
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
/// Prepends a 14-byte Ethernet header with destination `DST`, source `SRC` and type
/// `ETHERTYPE` (an integer up to 0xFFFF, such as `0x0800`). The addresses may be
/// AddressInfo names.
///
/// # Example
///
/// ```text
/// FromDump(ip.pcap, STOP true) -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2)
///   -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// - `src` (read/write), `dst` (read/write): the addresses.
/// - `ethertype` (read/write): the EtherType, in decimal.
/// - `etht` (read/write): the same, Click's deprecated name.
///
/// # See also
///
/// EtherVLANEncap, EtherRewrite, ARPQuerier, Strip.
#[derive(Debug)]
pub struct EtherEncap {
    ethertype: u16,
    src: EthernetAddress,
    dst: EthernetAddress,
}

impl EtherEncap {
    #[inline]
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        let mut frame = EthernetFrame::new_unchecked(q.push_front(ethernet::HEADER_LEN).ok()?);
        frame.set_dst_addr(self.dst);
        frame.set_src_addr(self.src);
        frame.set_ethertype(self.ethertype);
        Some(q.into())
    }
}

impl Element for EtherEncap {
    const CLASS: &'static str = "EtherEncap";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let ethertype = args.mandatory::<u16>("ETHERTYPE");
        let src = args.mandatory::<EthernetAddress>("SRC");
        let dst = args.mandatory::<EthernetAddress>("DST");
        args.finish()?;
        Ok(EtherEncap {
            ethertype,
            src,
            dst,
        })
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

impl Handlers for EtherEncap {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("src", "the source address"),
        HandlerSpec::read_write("dst", "the destination address"),
        HandlerSpec::read_write("ethertype", "the EtherType"),
        HandlerSpec::read_write("etht", "the EtherType (deprecated name)"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "dst" => Ok(self.dst.to_string()),
            "ethertype" | "etht" => Ok(self.ethertype.to_string()),
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
        let v = value.trim();
        let bad = |kw: &str, e: String| HandlerError::BadValue(format!("{kw}: {e}"));
        match name {
            "src" => {
                self.src = EthernetAddress::from_arg(v, &NoNames).map_err(|e| bad("SRC", e))?
            }
            "dst" => {
                self.dst = EthernetAddress::from_arg(v, &NoNames).map_err(|e| bad("DST", e))?
            }
            "ethertype" | "etht" => {
                self.ethertype = u16::from_arg(v, &NoNames).map_err(|e| bad("ETHERTYPE", e))?
            }
            _ => {
                return Err(missing(
                    Self::HANDLERS,
                    name,
                    Access::writable,
                    HandlerError::NotWritable,
                ))
            }
        }
        Ok(())
    }
}

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
    fn prepends_the_header_in_push_and_pull() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        // As in corpus case 14-two-port-iprouter's local delivery.
        let mut e: EtherEncap = configure("0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2", PORTS).unwrap();
        let mut out = Collect::new();
        let (a, b) = Packet::from(pool.packet(&[0x45, 0]).unwrap()).share();
        e.push(0, a, &mut out, &mut cx);
        assert_eq!(
            out.port(0)[0].data(),
            [2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 8, 0, 0x45, 0]
        );
        assert_eq!(b.data(), [0x45, 0], "the shared original is untouched");
        let mut feed = Feed::new();
        feed.add(0, b);
        assert_eq!(e.pull(0, &mut feed, &mut cx).unwrap().len(), 16);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_and_handlers() {
        assert!(configure::<EtherEncap>("0x10000, 1:1:1:1:1:1, 2:2:2:2:2:2", PORTS).is_err());
        let err = configure::<EtherEncap>("0x0800, 1:1:1:1:1:1", PORTS).unwrap_err();
        assert_eq!(err.errors[0].message, "missing mandatory DST argument");
        assert!(configure::<EtherEncap>("0x0800, 1:1:1:1:1, 2:2:2:2:2:2", PORTS).is_err());
        let mut e: EtherEncap =
            configure("DST 2:2:2:2:2:2, SRC 1:1:1:1:1:1, ETHERTYPE 0x86dd", PORTS).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("ethertype", &hcx).unwrap(), "34525");
        assert_eq!(e.read_handler("src", &hcx).unwrap(), "01:01:01:01:01:01");
        e.write_handler("etht", "0x0806", &hcx).unwrap();
        assert_eq!(e.read_handler("ethertype", &hcx).unwrap(), "2054");
        assert!(e.write_handler("dst", "nope", &hcx).is_err());
        assert_eq!(e.read_handler("x", &hcx), Err(HandlerError::NoSuchHandler));
    }
}
