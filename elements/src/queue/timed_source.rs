//! `TimedSource`: emits a copy of one packet every INTERVAL.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use core::time::Duration;

use super::template::{Template, DEFAULT_DATA};
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::Bytes;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Output, PortCount, ProcessingSpec,
};
use crate::packet::Timestamp;

/// Click's default packet headroom, reported by the `headroom` handler.
const DEFAULT_HEADROOM: u32 = 28;

/// `d` as Click's `Timestamp::unparse_interval` writes it: `500ms`, `3us`, `1.500000s`.
fn unparse_interval(d: Duration) -> String {
    let (sec, ns) = (d.as_secs(), d.subsec_nanos());
    if sec == 0 {
        if ns % 1_000_000 == 0 {
            format!("{}ms", ns / 1_000_000)
        } else if ns % 1000 == 0 {
            format!("{}us", ns / 1000)
        } else {
            format!("{ns}ns")
        }
    } else if ns % 1000 == 0 {
        format!("{sec}.{:06}s", ns / 1000)
    } else {
        format!("{sec}.{ns:09}s")
    }
}

/// Generates a packet every `INTERVAL`.
///
/// # Synopsis
///
/// ```text
/// TimedSource([INTERVAL, DATA, keywords LIMIT, ACTIVE, STOP, HEADROOM])
/// ```
///
/// # Ports
///
/// No inputs, one output.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Creates packets holding `DATA` (default: Click's 69-byte filler text) and pushes one
/// every `INTERVAL` (default 0.5 s) of the router's clock, driven by a timer, until `LIMIT`
/// packets were sent (negative, the default, means forever). The first packet leaves one
/// interval after the router starts. Nothing is sent while `ACTIVE` is false. With `STOP`
/// true the router stops when the timer fires after the last packet, one interval after it.
/// Each packet's timestamp annotation is the time it was sent; packets are copies sharing
/// one template buffer, as in InfiniteSource.
///
/// Under a simulated clock (`--simtime`) the runtime must advance the clock to the next
/// timer when nothing else can run, as Click's simulated time does, or nothing is sent.
/// `HEADROOM` is accepted and reported, but the headroom of Sluice's packets is the pool's.
///
/// # Example
///
/// ```text
/// TimedSource(10ms, \<aa bb>, LIMIT 3, STOP true) -> c :: Counter -> Discard;
/// // the router stops after 40 ms with c.count 3
/// ```
///
/// # Handlers
///
/// - `count` (read): packets sent.
/// - `reset` (write): set `count` to 0 (restarting the timer if it had stopped).
/// - `interval` (read/write): the interval, in Click's format (`500ms`, `1.500000s`).
/// - `limit` (read/write), `active` (read/write), `data` (read/write): the settings.
/// - `headroom` (read/write): the `HEADROOM` setting.
///
/// # See also
///
/// InfiniteSource, RatedSource.
#[derive(Debug)]
pub struct TimedSource {
    template: Template,
    interval: Duration,
    limit: i32,
    count: i32,
    active: bool,
    stop: bool,
    headroom: u32,
    expiry: Option<Timestamp>,
}

impl TimedSource {
    /// Packets sent so far.
    pub fn count(&self) -> i32 {
        self.count
    }

    /// The interval in nanoseconds, at least 1 so that a timer always moves forward.
    fn step(&self) -> u64 {
        u64::try_from(self.interval.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn schedule_after(&mut self, base: Timestamp) {
        self.expiry = Some(Timestamp(base.as_nanos().saturating_add(self.step())));
    }
}

impl Element for TimedSource {
    const CLASS: &'static str = "TimedSource";
    const PORTS: PortCount = PortCount::SOURCE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let interval = args
            .positional::<Duration>("INTERVAL")
            .unwrap_or(Duration::from_millis(500));
        let data = args
            .positional::<Bytes>("DATA")
            .map_or_else(|| DEFAULT_DATA.to_owned(), |b| b.0);
        let limit = args.keyword::<i32>("LIMIT").unwrap_or(-1);
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let stop = args.keyword::<bool>("STOP").unwrap_or(false);
        let headroom = args.keyword::<u32>("HEADROOM").unwrap_or(DEFAULT_HEADROOM);
        args.finish()?;
        Ok(TimedSource {
            template: Template::new(data, -1),
            interval,
            limit,
            count: 0,
            active,
            stop,
            headroom,
            expiry: None,
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        self.template.check_fits(cx.pool())?;
        if self.active {
            self.schedule_after(cx.now());
        }
        Ok(())
    }

    fn next_timer(&self) -> Option<Timestamp> {
        self.expiry
    }

    fn run_timer<O: Output + ?Sized>(&mut self, out: &mut O, cx: &mut Context<'_>) {
        let Some(expiry) = self.expiry.take() else {
            return;
        };
        if !self.active {
            return;
        }
        if self.limit < 0 || self.count < self.limit {
            if let Some(p) = self.template.emit(cx.pool(), Some(cx.now())) {
                out.push(0, p, cx);
                self.count += 1;
            }
            // Click's reschedule_after: relative to the expiry, so intervals do not drift.
            self.schedule_after(expiry);
        } else if self.stop {
            cx.request_stop();
        }
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        self.template.release();
    }
}

impl Handlers for TimedSource {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("data", "the packet data (DATA)"),
        HandlerSpec::read_write("limit", "packets to send, -1 for no limit (LIMIT)"),
        HandlerSpec::read_write("interval", "time between packets (INTERVAL)"),
        HandlerSpec::read_write("active", "whether packets are sent (ACTIVE)"),
        HandlerSpec::read("count", "packets sent"),
        HandlerSpec::read_write("headroom", "the HEADROOM setting"),
        HandlerSpec::write("reset", "set count to 0"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "data" => String::from_utf8_lossy(self.template.data()).into_owned(),
            "limit" => self.limit.to_string(),
            "interval" => unparse_interval(self.interval),
            "active" => self.active.to_string(),
            "count" => self.count.to_string(),
            "headroom" => self.headroom.to_string(),
            _ => {
                return Err(missing(
                    Self::HANDLERS,
                    name,
                    Access::readable,
                    HandlerError::NotReadable,
                ))
            }
        })
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        cx: &HandlerContext,
    ) -> Result<(), HandlerError> {
        let bad = |msg: &str| HandlerError::BadValue(String::from(msg));
        let text = value.trim();
        match name {
            "data" => self.template.set_data(value.as_bytes().to_owned()),
            "headroom" => {
                self.headroom = u32::from_arg(text, &NoNames).map_err(|_| bad("bad headroom"))?;
            }
            "limit" => {
                self.limit = i32::from_arg(text, &NoNames).map_err(|_| bad("bad limit"))?;
            }
            "interval" => match Duration::from_arg(text, &NoNames) {
                Ok(d) if !d.is_zero() => self.interval = d,
                _ => return Err(bad("bad interval")),
            },
            "active" | "reset" => {
                if name == "active" {
                    self.active = bool::from_arg(text, &NoNames).map_err(|_| bad("bad active"))?;
                } else {
                    self.count = 0;
                }
                // Click's schedule_now when the timer had stopped.
                if self.active && self.expiry.is_none() {
                    self.expiry = Some(cx.now);
                }
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
    use crate::packet::{Pool, PoolConfig};

    const SOURCE: Ports = Ports {
        inputs: 0,
        outputs: 1,
    };

    fn ms(n: u64) -> Timestamp {
        Timestamp(Timestamp::SIMULATED_EPOCH.as_nanos() + n * 1_000_000)
    }

    #[test]
    fn one_packet_per_interval_then_stop() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(ms(0), pool, &mut log);
        let mut src: TimedSource =
            configure("10ms, \\<aa bb>, LIMIT 3, STOP true", SOURCE).unwrap();
        src.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        let mut fired = alloc::vec::Vec::new();
        while let Some(t) = src.next_timer() {
            if cx.stop_requested() || fired.len() > 10 {
                break;
            }
            cx.set_now(t);
            fired.push(t);
            src.run_timer(&mut out, &mut cx);
        }
        assert!(cx.stop_requested());
        assert_eq!(fired, [ms(10), ms(20), ms(30), ms(40)]);
        assert_eq!(out.count(0), 3);
        assert_eq!(out.port(0)[2].data(), [0xAA, 0xBB]);
        assert_eq!(out.port(0)[2].anno().timestamp, ms(30));
        drop(out);
        src.cleanup(&mut cx);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn inactive_until_activated_and_handlers() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(ms(0), pool, &mut log);
        let mut src: TimedSource = configure("ACTIVE false", SOURCE).unwrap();
        src.initialize(&mut cx).unwrap();
        assert_eq!(src.next_timer(), None);
        let h = HandlerContext { now: ms(7) };
        assert_eq!(src.read_handler("interval", &h).unwrap(), "500ms");
        src.write_handler("interval", "1.5", &h).unwrap();
        assert_eq!(src.read_handler("interval", &h).unwrap(), "1.500000s");
        assert!(src.write_handler("interval", "0", &h).is_err());
        src.write_handler("active", "true", &h).unwrap();
        assert_eq!(src.next_timer(), Some(ms(7)));
        let mut out = Collect::new();
        cx.set_now(ms(7));
        src.run_timer(&mut out, &mut cx);
        assert_eq!(out.count(0), 1);
        assert_eq!(out.port(0)[0].data(), DEFAULT_DATA);
        assert_eq!(src.next_timer(), Some(ms(1507)));
        assert_eq!(src.read_handler("count", &h).unwrap(), "1");
        assert_eq!(src.read_handler("headroom", &h).unwrap(), "28");
        assert_eq!(src.read_handler("limit", &h).unwrap(), "-1");
        src.write_handler("reset", "", &h).unwrap();
        assert_eq!(src.count(), 0);
        assert!(src.write_handler("limit", "x", &h).is_err());
        assert_eq!(
            src.write_handler("count", "1", &h),
            Err(HandlerError::NotWritable)
        );
        drop((out, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn interval_format_and_configuration() {
        assert_eq!(unparse_interval(Duration::from_micros(3)), "3us");
        assert_eq!(unparse_interval(Duration::from_nanos(5)), "5ns");
        assert_eq!(unparse_interval(Duration::from_secs(2)), "2.000000s");
        assert_eq!(unparse_interval(Duration::ZERO), "0ms");
        for bad in ["x", "1, a, 3", "LIMIT x", "BURST 2", "HEADROOM -1"] {
            assert!(configure::<TimedSource>(bad, SOURCE).is_err(), "{bad}");
        }
    }
}
