//! `RatedUnqueue`: a task that pulls packets at a fixed rate and pushes them out.

use alloc::format;
use alloc::string::{String, ToString};
use core::time::Duration;

use super::token_bucket::TokenBucket;
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Timestamp;

/// Click's default burst duration, in milliseconds.
const DEFAULT_BURST_MSEC: u32 = 20;

/// Pulls packets at a given rate and pushes them out.
///
/// # Synopsis
///
/// ```text
/// RatedUnqueue(RATE, [keywords BURST_DURATION, BURST_SIZE])
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Pull input, push output (Click's `l/h`).
///
/// # Description
///
/// A task that pulls at most `RATE` packets per second from its input and pushes them out.
/// The rate is enforced by a token bucket refilled every millisecond of the router's clock
/// (`cx.now()`); one packet takes one token. The bucket holds `BURST_SIZE` tokens, or by
/// default as many as `RATE` earns in `BURST_DURATION` (default 20 ms), at least one; it is
/// full when the router starts. Giving both keywords is an error.
///
/// When the bucket is empty the element asks for a timer at the instant the next token
/// arrives. Under a simulated clock that never moves (`--simtime`) the runtime must advance
/// the clock to that timer when nothing else can run, as Click's simulated time does;
/// otherwise only the initial burst is sent.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 100) -> Queue -> RatedUnqueue(10) -> c :: Counter -> Discard;
/// // c.count grows by about 10 per second
/// ```
///
/// # Handlers
///
/// - `rate` (read/write): the `RATE` setting; writing it keeps the burst settings.
/// - `active` (read/write): if false, the task does nothing.
/// - `calls` (read): statistics in Click's format: calls to run, empty runs, pushes and
///   failed pulls, one per line.
///
/// # See also
///
/// Unqueue, BandwidthShaper, RatedSource.
#[derive(Debug)]
pub struct RatedUnqueue {
    tb: TokenBucket,
    burst_msec: u32,
    burst_size: Option<u32>,
    active: bool,
    wake: Option<Timestamp>,
    runs: u64,
    pushes: u64,
    failed_pulls: u64,
    empty_runs: u64,
}

/// Click's bucket capacity: BURST_SIZE, or the tokens RATE earns in BURST_DURATION.
fn capacity(rate: u32, burst_msec: u32, burst_size: Option<u32>) -> u32 {
    let tokens = burst_size.unwrap_or_else(|| {
        let t = u64::from(rate) * u64::from(burst_msec) / 1000;
        u32::try_from(t).unwrap_or(u32::MAX)
    });
    tokens.max(1)
}

impl RatedUnqueue {
    /// Packets pushed so far.
    pub fn pushes(&self) -> u64 {
        self.pushes
    }
}

impl Element for RatedUnqueue {
    const CLASS: &'static str = "RatedUnqueue";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::PULL_TO_PUSH;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let rate = args.mandatory::<u32>("RATE");
        let duration = args.keyword::<Duration>("BURST_DURATION");
        let duration_span = args.last_span();
        let burst_size = args.keyword::<u32>("BURST_SIZE");
        let mut burst_msec = DEFAULT_BURST_MSEC;
        if let Some(d) = duration {
            match u32::try_from(d.as_millis()) {
                Ok(ms) => burst_msec = ms,
                Err(_) => args.error(duration_span, "BURST_DURATION: out of range"),
            }
        }
        if duration.is_some() && burst_size.is_some() {
            let span = args.span();
            args.error(span, "cannot specify both BURST_DURATION and BURST_SIZE");
        }
        args.finish()?;
        Ok(RatedUnqueue {
            tb: TokenBucket::new(rate, capacity(rate, burst_msec, burst_size)),
            burst_msec,
            burst_size,
            active: true,
            wake: None,
            runs: 0,
            pushes: 0,
            failed_pulls: 0,
            empty_runs: 0,
        })
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        self.runs += 1;
        if !self.active {
            return false;
        }
        let now = cx.now();
        self.tb.refill(now);
        if !self.tb.contains(1) {
            self.wake = self.tb.when_contains(1, now);
            self.empty_runs += 1;
            return false;
        }
        self.wake = None;
        match ports.pull(0, cx) {
            Some(p) => {
                self.tb.remove(1);
                ports.push(0, p, cx);
                self.pushes += 1;
                true
            }
            None => {
                self.failed_pulls += 1;
                self.empty_runs += 1;
                false
            }
        }
    }

    fn next_timer(&self) -> Option<Timestamp> {
        self.wake
    }

    fn run_timer<O: Output + ?Sized>(&mut self, _: &mut O, _: &mut Context<'_>) {
        // The timer only wakes the task (Click's `_timer(&_task)`); the task does the work.
        self.wake = None;
    }
}

impl Handlers for RatedUnqueue {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("calls", "run statistics"),
        HandlerSpec::read_write("rate", "packets per second (RATE)"),
        HandlerSpec::read_write("active", "whether the task pulls"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "calls" => format!(
                "{} calls to run_task()\n{} empty runs\n{} pushes\n{} failed pulls",
                self.runs, self.empty_runs, self.pushes, self.failed_pulls
            ),
            "rate" => self.tb.rate().to_string(),
            "active" => self.active.to_string(),
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
        match name {
            "rate" => {
                let rate = u32::from_arg(value.trim(), &NoNames)
                    .map_err(|why| HandlerError::BadValue(format!("RATE: {why}")))?;
                // Click reconfigures: a new rate and capacity, the bucket's fill ratio kept.
                self.tb
                    .assign(rate, capacity(rate, self.burst_msec, self.burst_size));
            }
            "active" => {
                self.active = bool::from_arg(value.trim(), &NoNames)
                    .map_err(|_| HandlerError::BadValue(String::from("syntax error")))?;
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

    const ONE: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    fn at_ms(ms: u64) -> Timestamp {
        Timestamp(Timestamp::SIMULATED_EPOCH.as_nanos() + ms * 1_000_000)
    }

    #[test]
    fn sends_at_the_rate_of_the_clock() {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(at_ms(0), pool, &mut log);
        // 100 per second with a burst of 2 (BURST_DURATION 20ms).
        let mut ru: RatedUnqueue = configure("100", ONE).unwrap();
        let mut feed = Feed::new();
        for i in 0..40u8 {
            feed.add(0, pool.packet(&[i]).unwrap().into());
        }
        let mut out = Collect::new();
        // The full bucket gives the burst at once, then the clock must move.
        while ru.run_task(&mut Pair(&mut out, &mut feed), &mut cx) {}
        assert_eq!(out.count(0), 2);
        // Click's fixed point makes the first token whole after 11 jiffies.
        assert_eq!(ru.next_timer(), Some(at_ms(11)));
        // Drive the clock through 200 ms, jumping to each timer as a simulated clock does.
        while let Some(t) = ru.next_timer() {
            if t > at_ms(200) {
                break;
            }
            cx.set_now(t);
            ru.run_timer(&mut out, &mut cx);
            while ru.run_task(&mut Pair(&mut out, &mut feed), &mut cx) {}
        }
        // The burst of 2, then one packet about every 10 ms (the first after 11).
        assert_eq!(out.count(0), 21);
        let order: alloc::vec::Vec<u8> = out.port(0).iter().map(|p| p.data()[0]).collect();
        assert_eq!(order, (0..21).collect::<alloc::vec::Vec<u8>>());
        let calls = ru.read_handler("calls", &hcx()).unwrap();
        assert!(calls.contains("21 pushes\n0 failed pulls"), "{calls}");
        drop((out, feed));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn empty_input_and_inactive() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(at_ms(0), pool, &mut log);
        let mut ru: RatedUnqueue = configure("RATE 5, BURST_SIZE 3", ONE).unwrap();
        let mut out = Collect::new();
        assert!(!ru.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(ru.next_timer(), None);
        ru.write_handler("active", "false", &hcx()).unwrap();
        let mut feed = Feed::new();
        feed.add(0, pool.packet(b"p").unwrap().into());
        assert!(!ru.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        ru.write_handler("active", "true", &hcx()).unwrap();
        assert!(ru.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert_eq!(
            ru.read_handler("calls", &hcx()).unwrap(),
            "3 calls to run_task()\n1 empty runs\n1 pushes\n1 failed pulls"
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn rate_handler_and_configuration() {
        let mut ru: RatedUnqueue = configure("10, BURST_DURATION 1s", ONE).unwrap();
        assert_eq!(ru.read_handler("rate", &hcx()).unwrap(), "10");
        ru.write_handler("rate", "2000", &hcx()).unwrap();
        // Click reads the rate back from its fixed point, which rounds up here.
        assert_eq!(ru.read_handler("rate", &hcx()).unwrap(), "2001");
        assert!(ru.write_handler("rate", "-3", &hcx()).is_err());
        assert!(ru.write_handler("active", "yes please", &hcx()).is_err());
        assert_eq!(
            ru.write_handler("calls", "", &hcx()),
            Err(HandlerError::NotWritable)
        );
        for bad in [
            "",
            "x",
            "10, BURST_DURATION 1s, BURST_SIZE 4",
            "10, 20",
            "10, BURST_SIZE -1",
        ] {
            assert!(configure::<RatedUnqueue>(bad, ONE).is_err(), "{bad:?}");
        }
    }
}
