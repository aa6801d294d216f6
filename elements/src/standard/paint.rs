//! `Paint`: sets the paint annotation (Click's `PAINT_ANNO`).

use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames, Resolver};
use crate::element::handler::{missing, reconfigure};
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, Ports, ProcessingSpec,
};
use crate::packet::{Annotations, Packet};

/// A one-byte annotation an `ANNO` argument may name (Click's `AnnoArg(1)`). Sluice keeps
/// annotations as typed fields, so only the one-byte annotations it has are accepted: by
/// Click's name or by Click 2.1's byte offset in the annotation area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ByteAnno {
    /// `PAINT` (offset 16).
    #[default]
    Paint,
    /// `ICMP_PARAMPROB` (offset 17).
    IcmpParamProb,
}

impl ByteAnno {
    /// The annotation's value in `anno`.
    #[inline]
    pub(crate) fn get(self, anno: &Annotations) -> u8 {
        match self {
            ByteAnno::Paint => anno.paint,
            ByteAnno::IcmpParamProb => anno.icmp_param_prob,
        }
    }

    /// Sets the annotation in `anno` to `v`.
    #[inline]
    pub(crate) fn set(self, anno: &mut Annotations, v: u8) {
        match self {
            ByteAnno::Paint => anno.paint = v,
            ByteAnno::IcmpParamProb => anno.icmp_param_prob = v,
        }
    }
}

impl FromArg for ByteAnno {
    const WHAT: &'static str = "annotation";

    fn from_arg(text: &str, _: &dyn Resolver) -> Result<Self, String> {
        match text {
            "PAINT" | "16" => Ok(ByteAnno::Paint),
            "ICMP_PARAMPROB" | "17" => Ok(ByteAnno::IcmpParamProb),
            _ => Err(format!(
                "annotation {text:?} not supported (PAINT or ICMP_PARAMPROB)"
            )),
        }
    }
}

/// Parses a color written to a `color` handler: an unsigned integer up to 255.
pub(crate) fn parse_color(value: &str) -> Result<u8, HandlerError> {
    <u8 as FromArg>::from_arg(value.trim(), &NoNames)
        .map_err(|e| HandlerError::BadValue(format!("color: {e}")))
}

/// Sets each packet's paint annotation to a color.
///
/// # Synopsis
///
/// ```text
/// Paint(COLOR [, ANNO])
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
/// Sets the paint annotation of every packet to `COLOR`, an integer 0..255, and passes it
/// on. `ANNO` names the one-byte annotation to set; it defaults to `PAINT`. Sluice's
/// annotations are typed fields, so `ANNO` accepts `PAINT` (or 16, Click's offset) and
/// `ICMP_PARAMPROB` (or 17) only.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, STOP true) -> Paint(2) -> ps :: PaintSwitch;
/// ps[0] -> Discard;
/// ps[1] -> Discard;
/// ps[2] -> c :: Counter -> Discard;  // every packet leaves on output 2: c.count is 5
/// ```
///
/// # Handlers
///
/// - `color` (read/write): the color, an integer 0..255.
/// - `config` (write): Click's live reconfiguration: `COLOR [, ANNO]` replaces both.
///
/// # See also
///
/// PaintTee, PaintSwitch.
#[derive(Debug, Default)]
pub struct Paint {
    color: u8,
    anno: ByteAnno,
}

impl Paint {
    #[inline]
    fn paint(&self, p: &mut Packet) {
        self.anno.set(p.anno_mut(), self.color);
    }
}

impl Element for Paint {
    const CLASS: &'static str = "Paint";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let color = args.mandatory::<u8>("COLOR");
        let anno = args.positional::<ByteAnno>("ANNO").unwrap_or_default();
        args.finish()?;
        Ok(Paint { color, anno })
    }

    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        _: usize,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        self.paint(&mut p);
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
        self.paint(&mut p);
        Some(p)
    }
}

impl Handlers for Paint {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("color", "the color painted"),
        HandlerSpec::read_write("config", "COLOR [, ANNO] (write: reconfigure)"),
    ];

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
            "config" => {
                *self = reconfigure::<Paint>(
                    value,
                    Ports {
                        inputs: 1,
                        outputs: 1,
                    },
                )?;
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

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::default(),
        }
    }

    #[test]
    fn paints_push_and_pull() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut paint: Paint = configure("7", PORTS).unwrap();
        let mut out = Collect::new();
        paint.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].anno().paint, 7);
        assert_eq!(out.port(0)[0].data(), b"abc");
        let mut feed = Feed::new();
        feed.add(0, pool.packet(b"x").unwrap().into());
        let p = paint.pull(0, &mut feed, &mut cx).unwrap();
        assert_eq!(p.anno().paint, 7);
        let mut other: Paint = configure("COLOR 9, ANNO ICMP_PARAMPROB", PORTS).unwrap();
        other.push(0, p, &mut out, &mut cx);
        assert_eq!(out.port(0)[1].anno().icmp_param_prob, 9);
        assert_eq!(out.port(0)[1].anno().paint, 7);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn color_handler() {
        let mut paint: Paint = configure("1", PORTS).unwrap();
        assert_eq!(paint.read_handler("color", &hcx()).unwrap(), "1");
        paint.write_handler("color", " 200\n", &hcx()).unwrap();
        assert_eq!(paint.read_handler("color", &hcx()).unwrap(), "200");
        assert!(paint.write_handler("color", "256", &hcx()).is_err());
        assert_eq!(
            paint.read_handler("nope", &hcx()),
            Err(HandlerError::NoSuchHandler)
        );
    }

    #[test]
    fn configuration_errors_are_located() {
        let err = configure::<Paint>("", PORTS).unwrap_err();
        assert_eq!(err.errors[0].message, "missing mandatory COLOR argument");
        let err = configure::<Paint>("300", PORTS).unwrap_err();
        assert_eq!(err.errors[0].message, "COLOR: out of range, bound 255");
        let err = configure::<Paint>("1, ANNO 40", PORTS).unwrap_err();
        assert_eq!((err.errors[0].span.start, err.errors[0].span.end), (3, 10));
        assert!(configure::<Paint>("1, 16", PORTS).is_ok());
    }

    #[test]
    fn config_write_reconfigures_live_and_bad_values_change_nothing() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut p: Paint = configure("3", PORTS).unwrap();
        p.write_handler("config", "9, ICMP_PARAMPROB", &hcx())
            .unwrap();
        assert_eq!(p.read_handler("color", &hcx()).unwrap(), "9");
        let mut out = Collect::new();
        p.push(0, pool.packet(b"x").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].anno().icmp_param_prob, 9);
        assert_eq!(out.port(0)[0].anno().paint, 0);
        for bad in ["", "256", "1, BOGUS", "1, PAINT, 3", "-1"] {
            assert!(
                matches!(
                    p.write_handler("config", bad, &hcx()),
                    Err(HandlerError::BadValue(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(p.read_handler("color", &hcx()).unwrap(), "9", "unchanged");
        p.push(0, pool.packet(b"y").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[1].anno().icmp_param_prob, 9);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }
}
