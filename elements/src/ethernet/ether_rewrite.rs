//! `EtherRewrite`: overwrites the Ethernet addresses.

use alloc::format;
use alloc::string::{String, ToString};

use super::header_window;
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;
use crate::wire::ethernet::{self, EthernetFrame};
use crate::wire::EthernetAddress;

/// Rewrites the source and destination Ethernet addresses.
///
/// # Synopsis
///
/// ```text
/// EtherRewrite(SRC, DST)
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
/// Overwrites the first 12 bytes of each packet with destination `DST` and source `SRC`,
/// keeping the EtherType. As in Click the packet's length is not checked: in a packet
/// shorter than 12 bytes the addresses run into the buffer past its end (the length stays).
///
/// # Example
///
/// ```text
/// FromDevice(eth0) -> EtherRewrite(02:00:00:00:00:01, 02:00:00:00:00:02) -> ToDevice(eth1);
/// ```
///
/// # Handlers
///
/// - `src` (read/write), `dst` (read/write): the addresses.
///
/// # See also
///
/// EtherEncap, EtherMirror, StoreEtherAddress.
#[derive(Debug)]
pub struct EtherRewrite {
    src: EthernetAddress,
    dst: EthernetAddress,
}

impl EtherRewrite {
    #[inline]
    fn action(&mut self, p: Packet, cx: &mut Context<'_>) -> Option<Packet> {
        let mut q = p.make_unique(cx.pool()).ok()?;
        let mut bytes: [u8; ethernet::HEADER_LEN] = header_window::read(&q, 0);
        let mut frame = EthernetFrame::new_unchecked(&mut bytes[..]);
        frame.set_dst_addr(self.dst);
        frame.set_src_addr(self.src);
        header_window::write(&mut q, 0, &bytes[..12]);
        Some(q.into())
    }
}

impl Element for EtherRewrite {
    const CLASS: &'static str = "EtherRewrite";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let src = args.mandatory::<EthernetAddress>("SRC");
        let dst = args.mandatory::<EthernetAddress>("DST");
        args.finish()?;
        Ok(EtherRewrite { src, dst })
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

impl Handlers for EtherRewrite {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("src", "the source address"),
        HandlerSpec::read_write("dst", "the destination address"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "dst" => Ok(self.dst.to_string()),
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
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn rewrites_addresses_only() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut e: EtherRewrite = configure("1:1:1:1:1:1, 2:2:2:2:2:2", PORTS).unwrap();
        let mut out = Collect::new();
        let frame = [9u8; 16];
        e.push(0, pool.packet(&frame).unwrap().into(), &mut out, &mut cx);
        e.push(
            0,
            pool.packet(&[9, 9, 9]).unwrap().into(),
            &mut out,
            &mut cx,
        );
        assert_eq!(
            out.port(0)[0].data(),
            [2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9]
        );
        assert_eq!(
            out.port(0)[1].data(),
            [2, 2, 2],
            "short packets keep their length"
        );
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        e.write_handler("dst", "3:3:3:3:3:3", &hcx).unwrap();
        assert_eq!(e.read_handler("dst", &hcx).unwrap(), "03:03:03:03:03:03");
        assert!(configure::<EtherRewrite>("1:1:1:1:1:1", PORTS).is_err());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }
}
