//! `PaintTee`: copies packets of one color to a second output.

use alloc::string::{String, ToString};

use super::paint::{parse_color, ByteAnno};
use crate::element::args::{Args, ConfigError};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends every packet to output 0, and a copy of those painted `COLOR` to output 1.
///
/// # Synopsis
///
/// ```text
/// PaintTee(COLOR [, ANNO])
/// ```
///
/// # Ports
///
/// One input, two outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Every packet leaves on output 0. If its paint annotation equals `COLOR`, a copy (sharing
/// the bytes, Click's `clone()`) first leaves on output 1. Click's IP router uses this to
/// send ICMP redirects for packets that leave on the interface they came in on. `ANNO`
/// chooses the one-byte annotation compared, as for Paint (default `PAINT`).
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 4, STOP true) -> rr :: RoundRobinSwitch;
/// rr[0] -> Paint(1) -> pt :: PaintTee(2) -> all :: Counter -> Discard;
/// rr[1] -> Paint(2) -> pt;
/// pt[1] -> copies :: Counter -> Discard;  // copies of the packets painted 2
/// // all.count is 4, copies.count is 2
/// ```
///
/// # Handlers
///
/// - `color` (read/write): the color copied, an integer 0..255.
///
/// # See also
///
/// Paint, PaintSwitch, Tee.
#[derive(Debug, Default)]
pub struct PaintTee {
    color: u8,
    anno: ByteAnno,
}

impl Element for PaintTee {
    const CLASS: &'static str = "PaintTee";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Exactly(2));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let color = args.mandatory::<u8>("COLOR");
        let anno = args.positional::<ByteAnno>("ANNO").unwrap_or_default();
        args.finish()?;
        Ok(PaintTee { color, anno })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if self.anno.get(p.anno()) == self.color {
            let (keep, copy) = p.share();
            out.push(1, copy, cx);
            out.push(0, keep, cx);
        } else {
            out.push(0, p, cx);
        }
    }
}

impl Handlers for PaintTee {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "color",
        "the color copied to output 1",
    )];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "color" => Ok(self.color.to_string()),
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
            "color" => {
                self.color = parse_color(value)?;
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
        outputs: 2,
    };

    #[test]
    fn copies_matching_color_only() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut pt: PaintTee = configure("2", PORTS).unwrap();
        let mut out = Collect::new();
        for color in [1u8, 2, 3, 2] {
            let mut p = pool.packet(&[color; 20]).unwrap();
            p.anno_mut().paint = color;
            pt.push(0, p.into(), &mut out, &mut cx);
        }
        assert_eq!((out.count(0), out.count(1)), (4, 2));
        assert!(out.port(1).iter().all(|p| p.data() == [2; 20]));
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        pt.write_handler("color", "3", &hcx).unwrap();
        assert_eq!(pt.read_handler("color", &hcx).unwrap(), "3");
        assert!(pt.write_handler("color", "x", &hcx).is_err());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn color_is_mandatory() {
        assert!(configure::<PaintTee>("", PORTS).is_err());
        assert!(configure::<PaintTee>("1, PAINT", PORTS).is_ok());
        assert!(configure::<PaintTee>("1, 2, 3", PORTS).is_err());
    }
}
