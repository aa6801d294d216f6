//! `Truncate`: limits packet length.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Cuts every packet down to at most `LENGTH` bytes.
///
/// # Synopsis
///
/// ```text
/// Truncate(LENGTH [, EXTRA_LENGTH])
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
/// Removes bytes from the end of packets longer than `LENGTH` (0..65535). Keyword:
///
/// - `EXTRA_LENGTH` (boolean, default true): add the number of bytes removed to the
///   packet's extra length annotation, so ToDump still records the original length.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Truncate(64) -> ToDump(heads.pcap);
/// ```
///
/// # Handlers
///
/// - `nbytes` (read/write): the length packets are cut to (Click's data handler on its
///   unsigned `_nbytes`, so a write takes any 32-bit unsigned integer).
///
/// # See also
///
/// Strip.
#[derive(Debug)]
pub struct Truncate {
    length: usize,
    extra_length: bool,
}

impl Truncate {
    #[inline]
    fn apply(&self, p: &mut Packet) {
        if p.len() > self.length {
            let cut = p.len() - self.length;
            if self.extra_length {
                let anno = p.anno_mut();
                anno.extra_length = anno.extra_length.wrapping_add(cut as u32);
            }
            p.truncate(self.length);
        }
    }
}

impl Element for Truncate {
    const CLASS: &'static str = "Truncate";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let length = args.mandatory::<u16>("LENGTH");
        let extra_length = args.keyword::<bool>("EXTRA_LENGTH").unwrap_or(true);
        args.finish()?;
        Ok(Truncate {
            length: usize::from(length),
            extra_length,
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
        self.apply(&mut p);
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
        self.apply(&mut p);
        Some(p)
    }
}

impl Handlers for Truncate {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "nbytes",
        "the length packets are cut to (LENGTH)",
    )];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "nbytes" => Ok(self.length.to_string()),
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
            "nbytes" => {
                let n = <u32 as FromArg>::from_arg(value.trim(), &NoNames)
                    .map_err(HandlerError::BadValue)?;
                self.length = n as usize;
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
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn truncates_and_counts_extra_length() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut t: Truncate = configure("4", PORTS).unwrap();
        let mut out = Collect::new();
        let mut p = pool.packet(b"abcdefgh").unwrap();
        p.anno_mut().extra_length = 10;
        t.push(0, p.into(), &mut out, &mut cx);
        t.push(0, pool.packet(b"ab").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].data(), b"abcd");
        assert_eq!(out.port(0)[0].anno().extra_length, 14);
        assert_eq!(out.port(0)[1].data(), b"ab");
        assert_eq!(out.port(0)[1].anno().extra_length, 0);
        let mut t: Truncate = configure("2, EXTRA_LENGTH false", PORTS).unwrap();
        t.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[2].data(), b"ab");
        assert_eq!(out.port(0)[2].anno().extra_length, 0);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<Truncate>("70000", PORTS).is_err());
        assert!(configure::<Truncate>("", PORTS).is_err());
    }

    #[test]
    fn nbytes_handler_reads_writes_and_rejects() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        let mut t: Truncate = configure("4", PORTS).unwrap();
        assert_eq!(t.read_handler("nbytes", &hcx).unwrap(), "4");
        t.write_handler("nbytes", " 2\n", &hcx).unwrap();
        assert_eq!(t.read_handler("nbytes", &hcx).unwrap(), "2");
        let mut out = Collect::new();
        t.push(0, pool.packet(b"abcdef").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].data(), b"ab");
        for bad in ["", "-1", "two", "4294967296", "2 3"] {
            assert!(
                matches!(
                    t.write_handler("nbytes", bad, &hcx),
                    Err(HandlerError::BadValue(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(t.read_handler("nbytes", &hcx).unwrap(), "2", "unchanged");
        t.write_handler("nbytes", "100000", &hcx).unwrap();
        t.push(0, pool.packet(b"abcdef").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[1].data(), b"abcdef");
        assert_eq!(
            t.write_handler("count", "1", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }
}
