//! `PaintSwitch`: sends each packet to the output its paint annotation names.

use super::paint::ByteAnno;
use crate::element::args::{Args, ConfigError};
use crate::element::handler::{missing, reconfigure};
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Output, PortCount, PortRange, Ports, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends each packet to the output its paint annotation names.
///
/// # Synopsis
///
/// ```text
/// PaintSwitch([ANNO])
/// ```
///
/// # Ports
///
/// One input, any number of outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// A packet painted `K` leaves on output `K`; if there is no output `K`, it is dropped. A
/// packet painted 255 is copied to every output, as in Click. `ANNO` chooses the one-byte
/// annotation read, as for Paint (default `PAINT`).
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 4, STOP true) -> rr :: RoundRobinSwitch;
/// rr[0] -> Paint(0) -> ps :: PaintSwitch;
/// rr[1] -> Paint(1) -> ps;
/// ps[0] -> c0 :: Counter -> Discard;
/// ps[1] -> c1 :: Counter -> Discard;  // by color: c0.count and c1.count are 2
/// ```
///
/// # Handlers
///
/// - `config` (write): Click's live reconfiguration: `[ANNO]`.
///
/// # See also
///
/// Paint, PaintTee, Switch.
#[derive(Debug)]
pub struct PaintSwitch {
    anno: ByteAnno,
    outputs: usize,
}

impl Element for PaintSwitch {
    const CLASS: &'static str = "PaintSwitch";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let anno = args.positional::<ByteAnno>("ANNO").unwrap_or_default();
        args.finish()?;
        Ok(PaintSwitch {
            anno,
            outputs: cx.ports.outputs,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let port = usize::from(self.anno.get(p.anno()));
        if port != 0xFF {
            if port < self.outputs {
                out.push(port, p, cx);
            }
            return;
        }
        if self.outputs == 0 {
            return;
        }
        let mut p = p;
        for i in 0..self.outputs - 1 {
            let (keep, copy) = p.share();
            out.push(i, copy, cx);
            p = keep;
        }
        out.push(self.outputs - 1, p, cx);
    }
}

// `config` reads are answered by the runtime (the configuration string); the trait's
// default read_handler refuses everything else.
impl Handlers for PaintSwitch {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "config",
        "[ANNO] (write: reconfigure)",
    )];

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "config" => {
                let ports = Ports {
                    inputs: 1,
                    outputs: self.outputs,
                };
                *self = reconfigure::<PaintSwitch>(value, ports)?;
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

    #[test]
    fn routes_by_paint_drops_out_of_range_and_floods_255() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let ports = Ports {
            inputs: 1,
            outputs: 3,
        };
        let mut ps: PaintSwitch = configure("", ports).unwrap();
        let mut out = Collect::new();
        for color in [0u8, 2, 1, 7, 2, 255] {
            let mut p = pool.packet(&[color]).unwrap();
            p.anno_mut().paint = color;
            ps.push(0, p.into(), &mut out, &mut cx);
        }
        assert_eq!((out.count(0), out.count(1), out.count(2)), (2, 2, 3));
        assert_eq!(out.port(2)[0].data(), [2]);
        assert_eq!(out.port(2)[2].data(), [255]);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<PaintSwitch>("FOO", ports).is_err());
        assert!(configure::<PaintSwitch>("ANNO PAINT", ports).is_ok());
    }

    #[test]
    fn config_write_reconfigures_live_and_bad_values_change_nothing() {
        use crate::element::HandlerContext;
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        let ports = Ports {
            inputs: 1,
            outputs: 3,
        };
        let mut ps: PaintSwitch = configure("", ports).unwrap();
        ps.write_handler("config", "ICMP_PARAMPROB", &hcx).unwrap();
        let mut out = Collect::new();
        let mut p = pool.packet(b"a").unwrap();
        p.anno_mut().icmp_param_prob = 2;
        ps.push(0, p.into(), &mut out, &mut cx);
        assert_eq!(out.count(2), 1);
        assert!(matches!(
            ps.write_handler("config", "FOO", &hcx),
            Err(HandlerError::BadValue(_))
        ));
        let mut p = pool.packet(b"b").unwrap();
        p.anno_mut().icmp_param_prob = 1;
        ps.push(0, p.into(), &mut out, &mut cx);
        assert_eq!(out.count(1), 1, "still routes on ICMP_PARAMPROB");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }
}
