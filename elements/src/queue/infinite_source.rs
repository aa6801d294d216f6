//! `InfiniteSource`: a task that emits copies of one packet as fast as it is scheduled.

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};

use super::template::{Template, DEFAULT_DATA};
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::{Bytes, Raw};
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Generates packets whenever scheduled.
///
/// # Synopsis
///
/// ```text
/// InfiniteSource([DATA, LIMIT, BURST, ACTIVE, keywords LENGTH, STOP, TIMESTAMP])
/// ```
///
/// # Ports
///
/// No inputs, one output.
///
/// # Processing
///
/// Agnostic. On a push output InfiniteSource is a task; on a pull output it makes a packet
/// on every pull.
///
/// # Description
///
/// Creates packets holding `DATA` and pushes `BURST` of them (default 1) each time its task
/// runs, until `LIMIT` packets have been sent; a negative `LIMIT` (the default, -1) never
/// stops. Nothing is sent while `ACTIVE` is false. The default `DATA` is Click's 69-byte
/// filler text. Keywords:
///
/// - `LENGTH` (integer; `DATASIZE` is the deprecated name): the packets' length. Shorter
///   than `DATA` cuts it; longer repeats it.
/// - `STOP` (boolean, default false): stop the router once `LIMIT` packets are sent (on the
///   first run after the last packet, as in Click).
/// - `TIMESTAMP` (boolean, default true): set each packet's timestamp annotation to the
///   current time (fixed at 1000000000.000000 under a simulated clock).
///
/// All packets are copies of one template packet: they share its buffer read-only, as
/// Click's `clone()` does, so no data is copied unless a later element writes to a copy
/// (which then gets its own buffer from the pool). The template takes one buffer from the
/// pool when the router starts; if the pool is empty then, the source retries on each run
/// and sends nothing meanwhile. Click's `END_CALL` (calling a handler at the end) is not
/// supported and is reported as a configuration error.
///
/// # Example
///
/// ```text
/// InfiniteSource(DATA \<00 11 22 33>, LIMIT 5, STOP true) -> c :: Counter -> Discard;
/// // c.count is 5 and c.byte_count is 20 when the router stops
/// ```
///
/// # Handlers
///
/// - `count` (read): packets sent.
/// - `reset` (write): set `count` to 0, so another `LIMIT` packets are sent.
/// - `data` (read/write): the `DATA` bytes (written raw, without unquoting).
/// - `length` (read/write): the `LENGTH` setting (-1 if unset); `datasize` is an old name.
/// - `limit` (read/write): the `LIMIT` setting.
/// - `burst` (read/write): the `BURST` setting; `burstsize` is an old name.
/// - `active` (read/write): the `ACTIVE` setting.
///
/// # See also
///
/// RatedSource, TimedSource, Discard.
#[derive(Debug)]
pub struct InfiniteSource {
    template: Template,
    limit: i64,
    burst: i32,
    count: u64,
    active: bool,
    stop: bool,
    timestamp: bool,
    pushes: bool,
}

impl InfiniteSource {
    /// Packets sent so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Runs on which no packet could be made because the template could not be built (the
    /// pool was empty).
    pub fn pool_misses(&self) -> u64 {
        self.template.misses()
    }

    /// True once `LIMIT` packets were sent.
    fn done(&self) -> bool {
        u64::try_from(self.limit).is_ok_and(|limit| self.count >= limit)
    }
}

impl Element for InfiniteSource {
    const CLASS: &'static str = "InfiniteSource";
    const PORTS: PortCount = PortCount::SOURCE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let data = args
            .positional::<Bytes>("DATA")
            .map_or_else(|| DEFAULT_DATA.to_owned(), |b| b.0);
        let limit = args.positional::<i64>("LIMIT").unwrap_or(-1);
        let burst = args.positional::<i32>("BURST").unwrap_or(1);
        let burst_span = args.last_span();
        let active = args.positional::<bool>("ACTIVE").unwrap_or(true);
        let timestamp = args.keyword::<bool>("TIMESTAMP").unwrap_or(true);
        let mut length = args.keyword::<i32>("LENGTH").unwrap_or(-1);
        if let Some(l) = args.keyword::<i32>("DATASIZE") {
            length = l;
        }
        let stop = args.keyword::<bool>("STOP").unwrap_or(false);
        if args.keyword::<Raw>("END_CALL").is_some() {
            let span = args.last_span();
            args.error(span, "END_CALL is not supported");
        }
        if burst < 1 {
            args.error(burst_span, "burst size must be >= 1");
        }
        args.finish()?;
        Ok(InfiniteSource {
            template: Template::new(data, length),
            limit,
            burst,
            count: 0,
            active,
            stop,
            timestamp,
            pushes: !cx.output_is_pull(0),
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
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
        let mut n = self.burst.max(0) as u64;
        if let Ok(limit) = u64::try_from(self.limit) {
            n = n.min(limit.saturating_sub(self.count));
        }
        if n == 0 {
            if self.stop && self.done() {
                cx.request_stop();
            }
            return false;
        }
        let stamp = self.timestamp.then(|| cx.now());
        let mut sent = 0;
        while sent < n {
            let Some(p) = self.template.emit(cx.pool(), stamp) else {
                break;
            };
            ports.push(0, p, cx);
            sent += 1;
        }
        self.count += sent;
        sent > 0
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
        let p = self
            .template
            .emit(cx.pool(), self.timestamp.then(|| cx.now()))?;
        self.count += 1;
        Some(p)
    }

    fn cleanup(&mut self, _: &mut Context<'_>) {
        self.template.release();
    }
}

impl Handlers for InfiniteSource {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("data", "the packet data (DATA)"),
        HandlerSpec::read_write("limit", "packets to send, -1 for no limit (LIMIT)"),
        HandlerSpec::read_write("burst", "packets per run (BURST)"),
        HandlerSpec::read_write("active", "whether packets are sent (ACTIVE)"),
        HandlerSpec::read("count", "packets sent"),
        HandlerSpec::write("reset", "set count to 0"),
        HandlerSpec::read_write("length", "packet length, -1 for DATA's (LENGTH)"),
        HandlerSpec::read_write("burstsize", "deprecated name of burst"),
        HandlerSpec::read_write("datasize", "deprecated name of length"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "data" => String::from_utf8_lossy(self.template.data()).into_owned(),
            "limit" => self.limit.to_string(),
            "burst" | "burstsize" => self.burst.to_string(),
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
        let bad = |msg: &str| HandlerError::BadValue(String::from(msg));
        let text = value.trim();
        match name {
            "data" => self.template.set_data(value.as_bytes().to_owned()),
            "limit" => {
                let limit = i32::from_arg(text, &NoNames)
                    .map_err(|_| bad("limit parameter must be integer"))?;
                self.limit = i64::from(limit);
            }
            "burst" | "burstsize" => match i32::from_arg(text, &NoNames) {
                Ok(burst) if burst >= 1 => self.burst = burst,
                _ => return Err(bad("burstsize parameter must be integer >= 1")),
            },
            "active" => {
                self.active = bool::from_arg(text, &NoNames)
                    .map_err(|_| bad("active parameter must be boolean"))?;
            }
            "reset" => self.count = 0,
            "length" | "datasize" => {
                let length =
                    i32::from_arg(text, &NoNames).map_err(|_| bad("length must be integer"))?;
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
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const SOURCE: Ports = Ports {
        inputs: 0,
        outputs: 1,
    };

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    /// The 64-byte UDP frame of the shared benchmark configurations.
    const BENCH_DATA: &str = "DATA \\<02 00 00 00 00 01 02 00 00 00 0a 0a 08 00 45 00 00 32 00 01 00 00 40 11 8e 68 c0 00 02 0a c6 33 64 14 04 d2 00 09 00 1e 00 00 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15>, LIMIT 5, STOP true";

    #[test]
    fn sends_limit_shared_copies_then_stops() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: InfiniteSource = configure(BENCH_DATA, SOURCE).unwrap();
        src.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        let mut runs = 0;
        while !cx.stop_requested() && runs < 100 {
            src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
            runs += 1;
        }
        // Five runs send one packet each; the sixth finds LIMIT reached and stops.
        assert_eq!(runs, 6);
        assert_eq!(out.count(0), 5);
        let first = &out.port(0)[0];
        assert_eq!(first.len(), 64);
        assert_eq!(&first.data()[..6], &[2, 0, 0, 0, 0, 1]);
        assert_eq!(first.data()[63], 0x15);
        assert_eq!(first.anno().timestamp, Timestamp::SIMULATED_EPOCH);
        // Every copy shares the one template slot.
        assert!(out.port(0).iter().all(|p| p.is_shared()));
        assert_eq!(pool.in_flight(), 1);
        assert_eq!(src.read_handler("count", &hcx()).unwrap(), "5");
        drop(out);
        src.cleanup(&mut cx);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn writers_get_their_own_copy() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: InfiniteSource = configure("\\<0a0b0c>, BURST 2", SOURCE).unwrap();
        let mut out = Collect::new();
        assert!(src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        let p = out.ports[0].pop().unwrap();
        let mut w = p.make_unique(&pool).unwrap();
        w.data_mut()[0] = 0xFF;
        assert_eq!(w.data(), [0xFF, 0x0B, 0x0C]);
        assert_eq!(out.port(0)[0].data(), [0x0A, 0x0B, 0x0C]);
        assert_eq!(pool.in_flight(), 2);
        drop((w, out, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn burst_limit_default_data_and_timestamp() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(5), pool, &mut log);
        let mut src: InfiniteSource =
            configure("LIMIT 5, BURST 3, TIMESTAMP false", SOURCE).unwrap();
        let mut out = Collect::new();
        assert!(src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(out.count(0), 3);
        assert!(src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(out.count(0), 5);
        assert!(!src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        // No STOP: the router goes on.
        assert!(!cx.stop_requested());
        assert_eq!(out.port(0)[0].data(), DEFAULT_DATA);
        assert_eq!(out.port(0)[0].anno().timestamp, Timestamp::default());
        // reset: another LIMIT packets.
        src.write_handler("reset", "", &hcx()).unwrap();
        assert!(src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(out.count(0), 8);
        drop((out, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn pull_output_and_inactive() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: InfiniteSource = configure("abc, 2, ACTIVE false, STOP true", SOURCE).unwrap();
        assert!(src.pull(0, &mut Feed::new(), &mut cx).is_none());
        src.write_handler("active", "true", &hcx()).unwrap();
        let a = src.pull(0, &mut Feed::new(), &mut cx).unwrap();
        let b = src.pull(0, &mut Feed::new(), &mut cx).unwrap();
        assert_eq!((a.data(), b.data()), (&b"abc"[..], &b"abc"[..]));
        assert!(!cx.stop_requested());
        assert!(src.pull(0, &mut Feed::new(), &mut cx).is_none());
        assert!(cx.stop_requested());
        drop((a, b, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn empty_pool_skips_and_counts() {
        let pool = Pool::new(PoolConfig::with_slots(1)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: InfiniteSource = configure("x", SOURCE).unwrap();
        let hog = pool.make(1).unwrap();
        let mut out = Collect::new();
        assert!(!src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!((src.count(), src.pool_misses()), (0, 1));
        drop(hog);
        assert!(src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(src.count(), 1);
        drop((out, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn handlers_and_length() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: InfiniteSource = configure("ab, LENGTH 5", SOURCE).unwrap();
        let h = hcx();
        assert_eq!(src.read_handler("data", &h).unwrap(), "ab");
        assert_eq!(src.read_handler("length", &h).unwrap(), "5");
        assert_eq!(src.read_handler("datasize", &h).unwrap(), "5");
        assert_eq!(src.read_handler("limit", &h).unwrap(), "-1");
        assert_eq!(src.read_handler("burst", &h).unwrap(), "1");
        assert_eq!(src.read_handler("active", &h).unwrap(), "true");
        let mut out = Collect::new();
        src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        assert_eq!(out.port(0)[0].data(), b"ababa");
        src.write_handler("data", "xyz", &h).unwrap();
        src.write_handler("length", "-1", &h).unwrap();
        src.write_handler("burst", "2", &h).unwrap();
        src.write_handler("limit", "3", &h).unwrap();
        src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        assert_eq!(out.count(0), 3);
        assert_eq!(out.port(0)[2].data(), b"xyz");
        assert!(src.write_handler("burst", "0", &h).is_err());
        assert!(src.write_handler("limit", "lots", &h).is_err());
        assert!(src.write_handler("active", "2", &h).is_err());
        assert!(src.write_handler("length", "x", &h).is_err());
        assert_eq!(
            src.write_handler("count", "1", &h),
            Err(HandlerError::NotWritable)
        );
        assert_eq!(
            src.read_handler("reset", &h),
            Err(HandlerError::NotReadable)
        );
        drop((out, src));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_errors_and_oversized_data() {
        for bad in [
            "BURST 0",
            "x, 1, -3",
            "LIMIT many",
            "END_CALL c.reset",
            "ACTIVE maybe",
            "x, 1, 1, true, 5",
            "FOO 1",
        ] {
            assert!(configure::<InfiniteSource>(bad, SOURCE).is_err(), "{bad}");
        }
        let pool = Pool::new(PoolConfig::with_slots(1)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut src: InfiniteSource = configure("LENGTH 100000", SOURCE).unwrap();
        assert!(src.initialize(&mut cx).is_err());
        let mut out = Collect::new();
        assert!(!src.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert_eq!(pool.in_flight(), 0);
    }
}
