//! `Switch`: sends every packet to one output, chosen by a handler.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::{missing, reconfigure};
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Output, PortCount, PortRange, Ports, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends every packet to one output, which a handler can change.
///
/// # Synopsis
///
/// ```text
/// Switch([OUTPUT])
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
/// Sends every packet to output `OUTPUT` (default 0). If `OUTPUT` is -1, or not a valid
/// output, packets are dropped.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, STOP true) -> s :: Switch(0);
/// s[0] -> a :: Counter -> Discard;
/// s[1] -> b :: Counter -> Discard;
/// // a.count is 5; writing 1 to s.switch sends later packets to b, -1 drops them
/// ```
///
/// # Handlers
///
/// - `switch` (read/write): the current output, -1 if packets are dropped. Writing a value
///   that is not an output sets -1.
/// - `config` (write): Click's live reconfiguration: `[OUTPUT]` (default 0).
///
/// # See also
///
/// StaticSwitch, PaintSwitch, RoundRobinSwitch.
#[derive(Debug)]
pub struct Switch {
    output: i32,
    outputs: usize,
}

impl Switch {
    fn clamp(output: i64, outputs: usize) -> i32 {
        if output < 0 || output as u64 >= outputs as u64 {
            -1
        } else {
            output as i32
        }
    }
}

impl Element for Switch {
    const CLASS: &'static str = "Switch";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let output = args.positional::<i32>("OUTPUT").unwrap_or(0);
        args.finish()?;
        Ok(Switch {
            output: Switch::clamp(i64::from(output), cx.ports.outputs),
            outputs: cx.ports.outputs,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        if self.output >= 0 {
            out.push(self.output as usize, p, cx);
        }
    }
}

impl Handlers for Switch {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("switch", "the output packets go to, -1 to drop"),
        HandlerSpec::read_write("config", "[OUTPUT] (write: reconfigure)"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "switch" => Ok(self.output.to_string()),
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
            "switch" => {
                let v = <i64 as FromArg>::from_arg(value.trim(), &NoNames).map_err(|_| {
                    HandlerError::BadValue(String::from("Switch output must be integer"))
                })?;
                self.output = Switch::clamp(v, self.outputs);
                Ok(())
            }
            "config" => {
                let ports = Ports {
                    inputs: 1,
                    outputs: self.outputs,
                };
                *self = reconfigure::<Switch>(value, ports)?;
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
    fn switches_and_drops() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        let mut s: Switch = configure("", PORTS).unwrap();
        let mut out = Collect::new();
        s.push(0, pool.packet(b"a").unwrap().into(), &mut out, &mut cx);
        s.write_handler("switch", "1\n", &hcx).unwrap();
        s.push(0, pool.packet(b"b").unwrap().into(), &mut out, &mut cx);
        s.write_handler("switch", "5", &hcx).unwrap();
        assert_eq!(s.read_handler("switch", &hcx).unwrap(), "-1");
        s.push(0, pool.packet(b"c").unwrap().into(), &mut out, &mut cx);
        assert_eq!((out.count(0), out.count(1)), (1, 1));
        assert!(s.write_handler("switch", "x", &hcx).is_err());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration() {
        let s: Switch = configure("-1", PORTS).unwrap();
        assert_eq!(s.output, -1);
        let s: Switch = configure("OUTPUT 3", PORTS).unwrap();
        assert_eq!(s.output, -1);
        let s: Switch = configure("1", PORTS).unwrap();
        assert_eq!(s.output, 1);
        assert!(configure::<Switch>("x", PORTS).is_err());
    }

    #[test]
    fn config_write_reconfigures_live_and_bad_values_change_nothing() {
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        let mut s: Switch = configure("1", PORTS).unwrap();
        s.write_handler("config", "", &hcx).unwrap();
        assert_eq!(s.read_handler("switch", &hcx).unwrap(), "0", "default 0");
        s.write_handler("config", "7", &hcx).unwrap();
        assert_eq!(s.read_handler("switch", &hcx).unwrap(), "-1", "no output 7");
        s.write_handler("config", "1", &hcx).unwrap();
        for bad in ["x", "1, 2", "OUTPUT"] {
            assert!(
                matches!(
                    s.write_handler("config", bad, &hcx),
                    Err(HandlerError::BadValue(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(s.read_handler("switch", &hcx).unwrap(), "1", "unchanged");
    }
}
