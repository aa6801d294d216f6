//! `RatedSource`: emits copies of one packet at a fixed rate.

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};

use super::template::{Template, DEFAULT_DATA};
use super::token_bucket::TokenBucket;
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::{Bandwidth, Bytes};
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::{Packet, Timestamp};

/// Click's token bucket capacity for a packet rate: 2, or a hundredth of a second's worth.
fn burst_for(rate: u32) -> u32 {
    if rate < 200 {
        2
    } else {
        rate / 100
    }
}

/// Generates packets at a given rate.
///
/// # Synopsis
///
/// ```text
/// RatedSource([DATA, RATE, LIMIT, ACTIVE, keywords LENGTH, STOP, BANDWIDTH])
/// ```
///
/// # Ports
///
/// No inputs, one output.
///
/// # Processing
///
/// Agnostic. On a push output RatedSource is a task; on a pull output a pull returns a
/// packet only when the rate allows.
///
/// # Description
///
/// Creates packets holding `DATA` (default: Click's 69-byte filler text) and emits `RATE`
/// of them per second (default 10) of the router's clock, `cx.now()`, until `LIMIT`
/// packets were sent (negative, the default, means forever). Nothing is sent while `ACTIVE`
/// is false. Keywords:
///
/// - `LENGTH` (integer; `DATASIZE` is the deprecated name): the packets' length; shorter
///   than `DATA` cuts it, longer repeats it.
/// - `STOP` (boolean, default false): stop the router once `LIMIT` packets were sent.
/// - `BANDWIDTH` (bandwidth): if given, sets `RATE` to `BANDWIDTH` divided by the packet
///   length.
///
/// The rate is kept by Click's token bucket, refilled every millisecond, whose capacity
/// (the largest burst) is 2 packets below 200 packets per second and a hundredth of `RATE`
/// above. The bucket starts full, so the first packets go out at once. Each packet's
/// timestamp annotation is set to the current time. Packets are copies sharing one template
/// buffer, as in InfiniteSource.
///
/// When no token is left, the element asks for a timer at the instant the next one arrives.
/// Under a simulated clock that never moves (`--simtime`) the runtime must advance the
/// clock to that timer when nothing else can run, as Click's simulated time does; a
/// configuration with `LIMIT` and `STOP` then ends after `LIMIT` packets. A runtime whose
/// clock never moves would see only the first burst.
///
/// # Example
///
/// ```text
/// RatedSource(\<00 01 02 03>, RATE 100, LIMIT 10, STOP true) -> c :: Counter -> Discard;
/// // about 0.1 s later c.count is 10 and the router stops
/// ```
///
/// # Handlers
///
/// - `count` (read): packets sent.
/// - `reset` (write): set `count` to 0 and restart the bucket with one token.
/// - `rate` (read/write): the rate in packets per second.
/// - `limit` (read/write): the `LIMIT` setting (-1 for none).
/// - `active` (read/write): the `ACTIVE` setting.
/// - `data` (read/write): the `DATA` bytes (written raw).
/// - `length` (read/write): the `LENGTH` setting; `datasize` is an old name.
///
/// # See also
///
/// InfiniteSource, TimedSource, RatedUnqueue.
#[derive(Debug)]
pub struct RatedSource {
    template: Template,
    tb: TokenBucket,
    limit: Option<u32>,
    count: u32,
    active: bool,
    stop: bool,
    pushes: bool,
    wake: Option<Timestamp>,
}

impl RatedSource {
    /// Packets sent so far.
    pub fn count(&self) -> u32 {
        self.count
    }

    fn done(&self) -> bool {
        self.limit.is_some_and(|limit| self.count >= limit)
    }

    /// One packet if a token allows it; otherwise the time the next token arrives is noted.
    fn take(&mut self, cx: &mut Context<'_>, note_wake: bool) -> Option<Packet> {
        let now = cx.now();
        self.tb.refill(now);
        if !self.tb.contains(1) {
            if note_wake {
                self.wake = self.tb.when_contains(1, now);
            }
            return None;
        }
        let p = self.template.emit(cx.pool(), Some(now))?;
        self.tb.remove(1);
        self.count = self.count.wrapping_add(1);
        Some(p)
    }
}

impl Element for RatedSource {
    const CLASS: &'static str = "RatedSource";
    const PORTS: PortCount = PortCount::SOURCE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let data = args
            .positional::<Bytes>("DATA")
            .map_or_else(|| DEFAULT_DATA.to_owned(), |b| b.0);
        let mut rate = args.positional::<u32>("RATE").unwrap_or(10);
        let limit = args.positional::<i32>("LIMIT").unwrap_or(-1);
        let active = args.positional::<bool>("ACTIVE").unwrap_or(true);
        let mut length = args.keyword::<i32>("LENGTH").unwrap_or(-1);
        if let Some(l) = args.keyword::<i32>("DATASIZE") {
            length = l;
        }
        let stop = args.keyword::<bool>("STOP").unwrap_or(false);
        let bandwidth = args.keyword::<Bandwidth>("BANDWIDTH").map_or(0, |b| b.0);
        let bandwidth_span = args.last_span();
        let mut burst = i64::from(burst_for(rate));
        if bandwidth > 0 {
            let size = usize::try_from(length).unwrap_or(data.len()) as u64;
            match bandwidth.checked_div(size) {
                _ if bandwidth > u64::from(u32::MAX) => {
                    args.error(bandwidth_span, "BANDWIDTH: out of range");
                }
                Some(r) => {
                    rate = r as u32;
                    burst = i64::from(burst_for(rate)).max(2 * i64::from(length));
                }
                // Click divides by zero here.
                None => args.error(bandwidth_span, "BANDWIDTH needs a nonempty packet"),
            }
        }
        args.finish()?;
        Ok(RatedSource {
            template: Template::new(data, length),
            tb: TokenBucket::new(rate, u32::try_from(burst).unwrap_or(u32::MAX)),
            limit: u32::try_from(limit).ok(),
            count: 0,
            active,
            stop,
            pushes: !cx.output_is_pull(0),
            wake: None,
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        self.count = 0;
        self.tb.set(1);
        self.template.check_fits(cx.pool())
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        if !self.pushes || !self.active {
            return false;
        }
        if self.done() {
            if self.stop {
                cx.request_stop();
            }
            return false;
        }
        self.wake = None;
        match self.take(cx, true) {
            Some(p) => {
                ports.push(0, p, cx);
                true
            }
            None => false,
        }
    }

    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        _: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        if !self.active {
            return None;
        }
        if self.done() {
            if self.stop {
                cx.request_stop();
            }
            return None;
        }
        self.take(cx, false)
    }

    fn next_timer(&self) -> Option<Timestamp> {
        self.wake
    }

    fn run_timer<O: Output + ?Sized>(&mut self, _: &mut O, _: &mut Context<'_>) {
        // The timer only wakes the task, as in Click.
        self.wake = None;
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        self.template.release();
    }
}

impl Handlers for RatedSource {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("data", "the packet data (DATA)"),
        HandlerSpec::read_write("rate", "packets per second (RATE)"),
        HandlerSpec::read_write("limit", "packets to send, -1 for no limit (LIMIT)"),
        HandlerSpec::read_write("active", "whether packets are sent (ACTIVE)"),
        HandlerSpec::read("count", "packets sent"),
        HandlerSpec::write("reset", "set count to 0"),
        HandlerSpec::read_write("length", "packet length, -1 for DATA's (LENGTH)"),
        HandlerSpec::read_write("datasize", "deprecated name of length"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "data" => String::from_utf8_lossy(self.template.data()).into_owned(),
            "rate" => self.tb.rate().to_string(),
            "limit" => self
                .limit
                .map_or_else(|| String::from("-1"), |l| l.to_string()),
            "active" => self.active.to_string(),
            "count" => self.count.to_string(),
            "length" | "datasize" => self.template.length().to_string(),
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
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        let syntax = |_| HandlerError::BadValue(String::from("syntax error"));
        let text = value.trim();
        match name {
            "data" => self.template.set_data(value.as_bytes().to_owned()),
            "rate" => {
                let rate = u32::from_arg(text, &NoNames).map_err(syntax)?;
                self.tb.assign_adjust(rate, burst_for(rate));
            }
            "limit" => {
                let limit = i32::from_arg(text, &NoNames).map_err(syntax)?;
                self.limit = u32::try_from(limit).ok();
            }
            "active" => {
                let active = bool::from_arg(text, &NoNames).map_err(syntax)?;
                // Click refills one token when it reschedules an idle push task.
                if active && self.pushes && (!self.active || self.done() || self.wake.is_some()) {
                    self.tb.set(1);
                }
                self.active = active;
            }
            "reset" => {
                self.count = 0;
                self.tb.set(1);
            }
            "length" | "datasize" => {
                let length = i32::from_arg(text, &NoNames).map_err(syntax)?;
                self.template.set_length(length);
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
    use crate::element::testing::Pair;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig};

    const SOURCE: Ports = Ports {
        inputs: 0,
        outputs: 1,
    };

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    /// Runs `src` as a simulated-clock runtime would: tasks until idle, then jump to the
    /// next timer, until the source asks to stop (or `max_rounds`).
    fn run_simulated(src: &mut RatedSource, out: &mut Collect, cx: &mut Context<'_>) -> usize {
        let mut rounds = 0;
        while !cx.stop_requested() && rounds < 1000 {
            rounds += 1;
            if src.run_task(&mut Pair(out, &mut Feed::new()), cx) {
                continue;
            }
            if let Some(t) = src.next_timer() {
                cx.set_now(t.max(cx.now()));
                src.run_timer(out, cx);
            }
        }
        rounds
    }

    #[test]
    fn limit_and_stop_end_a_simulated_run() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: RatedSource =
            configure("\\<00 01 02 03>, RATE 100, LIMIT 10, STOP true", SOURCE).unwrap();
        src.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        run_simulated(&mut src, &mut out, &mut cx);
        assert!(cx.stop_requested());
        assert_eq!(out.count(0), 10);
        assert_eq!(out.port(0)[0].data(), [0, 1, 2, 3]);
        // The full bucket (2 tokens) goes at once; then one packet per ~10 ms.
        assert_eq!(out.port(0)[0].anno().timestamp, Timestamp::SIMULATED_EPOCH);
        assert_eq!(out.port(0)[1].anno().timestamp, Timestamp::SIMULATED_EPOCH);
        let last = out.port(0)[9].anno().timestamp;
        let elapsed_ms = last.nanos_since(Timestamp::SIMULATED_EPOCH) / 1_000_000;
        assert!((75..=95).contains(&elapsed_ms), "{elapsed_ms} ms");
        assert!(out.port(0).iter().all(|p| p.is_shared()));
        assert_eq!(src.read_handler("count", &hcx()).unwrap(), "10");
        drop(out);
        src.cleanup(&mut cx);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn fixed_clock_sends_only_the_first_burst() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: RatedSource = configure("", SOURCE).unwrap();
        src.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        for _ in 0..10 {
            src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        }
        assert_eq!(out.count(0), 2);
        assert_eq!(out.port(0)[0].data(), DEFAULT_DATA);
        assert!(src.next_timer().is_some());
        drop((out, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn pull_output_respects_the_rate() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: RatedSource = configure("ab, 1000, 3", SOURCE).unwrap();
        src.initialize(&mut cx).unwrap();
        let mut got = 0;
        for ms in 0..20u64 {
            cx.set_now(Timestamp(
                Timestamp::SIMULATED_EPOCH.as_nanos() + ms * 1_000_000,
            ));
            while src.pull(0, &mut Feed::new(), &mut cx).is_some() {
                got += 1;
            }
        }
        assert_eq!(got, 3);
        assert!(!cx.stop_requested());
        assert_eq!(pool.in_flight(), 1);
        drop(src);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn bandwidth_handlers_and_errors() {
        let src: RatedSource = configure("BANDWIDTH 8kbps, LENGTH 100", SOURCE).unwrap();
        assert_eq!(src.read_handler("rate", &hcx()).unwrap(), "10");
        let mut src: RatedSource = configure("x, 50, 7, false", SOURCE).unwrap();
        let h = hcx();
        assert_eq!(src.read_handler("rate", &h).unwrap(), "50");
        assert_eq!(src.read_handler("limit", &h).unwrap(), "7");
        assert_eq!(src.read_handler("active", &h).unwrap(), "false");
        assert_eq!(src.read_handler("data", &h).unwrap(), "x");
        assert_eq!(src.read_handler("length", &h).unwrap(), "-1");
        src.write_handler("rate", "1000", &h).unwrap();
        assert_eq!(src.read_handler("rate", &h).unwrap(), "1000");
        src.write_handler("limit", "-5", &h).unwrap();
        assert_eq!(src.read_handler("limit", &h).unwrap(), "-1");
        src.write_handler("active", "true", &h).unwrap();
        src.write_handler("length", "9", &h).unwrap();
        assert_eq!(src.read_handler("datasize", &h).unwrap(), "9");
        src.write_handler("reset", "", &h).unwrap();
        for (name, value) in [("rate", "fast"), ("limit", "x"), ("active", "2")] {
            assert!(src.write_handler(name, value, &h).is_err(), "{name}");
        }
        assert_eq!(
            src.write_handler("count", "1", &h),
            Err(HandlerError::NotWritable)
        );
        for bad in [
            "x, -1",
            "BANDWIDTH 1Mbps, DATA \"\"",
            "BANDWIDTH fast",
            "a, 1, 2, true, 3",
            "STOP maybe",
        ] {
            assert!(configure::<RatedSource>(bad, SOURCE).is_err(), "{bad}");
        }
    }
}
