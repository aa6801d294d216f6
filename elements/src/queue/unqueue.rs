//! `Unqueue`: a task that pulls packets from its input and pushes them to its output.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Level, Output, PortCount, ProcessingSpec,
};

/// Click's stand-in for "no burst limit" (a negative BURST).
const UNLIMITED_BURST: i32 = 0x7FFF_FFFF;

/// Most packets one run moves even when BURST is unlimited, so that one run always ends and
/// the scheduler can act on a stop between runs. Click's run with a negative BURST pulls
/// until the input is empty; the next run simply continues, so only the granularity differs.
const MAX_PER_RUN: i32 = 1 << 16;

/// Pulls packets whenever they are available and pushes them out (a pull-to-push converter).
///
/// # Synopsis
///
/// ```text
/// Unqueue([BURST, keywords ACTIVE, LIMIT])
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
/// A task: each time it runs it pulls up to `BURST` packets from its input (default 1) and
/// pushes each out of its output, stopping early when the input has nothing. A negative
/// `BURST` means no limit: pull until the input is empty. `BURST` 0 pulls nothing (a warning
/// says so when the router starts). Keywords:
///
/// - `ACTIVE` (boolean, default true): if false, Unqueue does nothing until the `active`
///   handler turns it on.
/// - `LIMIT` (integer, default -1): stop after this many packets in total; negative means no
///   limit. The `reset` handler starts a new count.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 10, STOP true) -> Queue -> u :: Unqueue(4) -> Discard;
/// // u.count is 10 at the end
/// ```
///
/// # Handlers
///
/// - `count` (read): packets moved so far.
/// - `active` (read/write): the `ACTIVE` setting.
/// - `burst` (read/write): the `BURST` setting (2147483647 when unlimited).
/// - `limit` (read/write): the `LIMIT` setting.
/// - `reset`, `reset_counts` (write): set `count` to 0.
///
/// # See also
///
/// RatedUnqueue, Queue, Discard.
#[derive(Debug)]
pub struct Unqueue {
    burst: i32,
    limit: i32,
    active: bool,
    count: u32,
    name: String,
}

impl Unqueue {
    /// Packets moved so far.
    pub fn count(&self) -> u32 {
        self.count
    }
}

impl Element for Unqueue {
    const CLASS: &'static str = "Unqueue";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::PULL_TO_PUSH;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let burst = args.positional::<i32>("BURST").unwrap_or(1);
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let limit = args.keyword::<i32>("LIMIT").unwrap_or(-1);
        args.finish()?;
        Ok(Unqueue {
            burst: if burst < 0 { UNLIMITED_BURST } else { burst },
            limit,
            active,
            count: 0,
            name: String::from(cx.name),
        })
    }

    fn initialize(&mut self, cx: &mut Context<'_>) -> Result<(), String> {
        if self.burst == 0 {
            cx.log(
                Level::Warning,
                &self.name,
                format_args!("BURST size 0, no packets will be pulled"),
            );
        }
        Ok(())
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        if !self.active {
            return false;
        }
        let mut n = i64::from(self.burst.min(MAX_PER_RUN));
        if self.limit >= 0 && i64::from(self.count) + n >= i64::from(self.limit) {
            n = i64::from(self.limit) - i64::from(self.count);
            if n <= 0 {
                return false;
            }
        }
        let mut worked = 0;
        while worked < n {
            let Some(p) = ports.pull(0, cx) else { break };
            worked += 1;
            self.count = self.count.wrapping_add(1);
            ports.push(0, p, cx);
        }
        worked > 0
    }
}

impl Handlers for Unqueue {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read_write("active", "whether the task pulls (ACTIVE)"),
        HandlerSpec::read("count", "packets moved so far"),
        HandlerSpec::read_write("burst", "packets pulled per run (BURST)"),
        HandlerSpec::read_write("limit", "total packets to move, -1 for no limit (LIMIT)"),
        HandlerSpec::write("reset", "set count to 0"),
        HandlerSpec::write("reset_counts", "set count to 0"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "active" => self.active.to_string(),
            "count" => self.count.to_string(),
            "burst" => self.burst.to_string(),
            "limit" => self.limit.to_string(),
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
        match name {
            "active" => {
                self.active = bool::from_arg(value.trim(), &NoNames).map_err(syntax)?;
            }
            "reset" | "reset_counts" => self.count = 0,
            "limit" => self.limit = i32::from_arg(value.trim(), &NoNames).map_err(syntax)?,
            "burst" => {
                let burst = i32::from_arg(value.trim(), &NoNames).map_err(syntax)?;
                self.burst = if burst < 0 { UNLIMITED_BURST } else { burst };
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
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    fn one() -> Ports {
        Ports {
            inputs: 1,
            outputs: 1,
        }
    }

    fn feed(pool: &Pool, n: u8) -> Feed {
        let mut f = Feed::new();
        for i in 0..n {
            f.add(0, pool.packet(&[i, 0xAA]).unwrap().into());
        }
        f
    }

    #[test]
    fn moves_burst_packets_per_run_in_order() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut u: Unqueue = configure("3", one()).unwrap();
        u.initialize(&mut cx).unwrap();
        let mut input = feed(&pool, 5);
        let mut out = Collect::new();
        assert!(u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        assert_eq!(out.count(0), 3);
        assert!(u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        assert_eq!(out.count(0), 5);
        assert!(!u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        let order: alloc::vec::Vec<u8> = out.port(0).iter().map(|p| p.data()[0]).collect();
        assert_eq!(order, [0, 1, 2, 3, 4]);
        assert_eq!(out.port(0)[4].data(), &[4, 0xAA]);
        assert_eq!(u.read_handler("count", &hcx()).unwrap(), "5");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn limit_inactive_and_unlimited_burst() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut u: Unqueue = configure("-1, LIMIT 4, ACTIVE false", one()).unwrap();
        assert_eq!(u.read_handler("burst", &hcx()).unwrap(), "2147483647");
        let mut input = feed(&pool, 6);
        let mut out = Collect::new();
        assert!(!u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        assert_eq!(out.count(0), 0);
        u.write_handler("active", "true", &hcx()).unwrap();
        assert!(u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        assert_eq!(out.count(0), 4);
        assert!(!u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        u.write_handler("reset", "", &hcx()).unwrap();
        assert!(u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        assert_eq!(out.count(0), 6);
        assert_eq!(u.read_handler("limit", &hcx()).unwrap(), "4");
        assert!(u.write_handler("limit", "many", &hcx()).is_err());
        assert!(u.write_handler("active", "perhaps", &hcx()).is_err());
        u.write_handler("burst", "-5", &hcx()).unwrap();
        assert_eq!(u.read_handler("burst", &hcx()).unwrap(), "2147483647");
        assert_eq!(
            u.read_handler("reset", &hcx()),
            Err(HandlerError::NotReadable)
        );
        assert_eq!(
            u.write_handler("count", "1", &hcx()),
            Err(HandlerError::NotWritable)
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn burst_zero_warns_and_moves_nothing() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = KeepLog::default();
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut u: Unqueue = configure("BURST 0", one()).unwrap();
        u.initialize(&mut cx).unwrap();
        let mut input = feed(&pool, 1);
        let mut out = Collect::new();
        assert!(!u.run_task(&mut Pair(&mut out, &mut input), &mut cx));
        drop((cx, input));
        assert_eq!(log.messages.len(), 1);
        assert!(log.messages[0].1.contains("BURST size 0"));
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_errors() {
        for bad in ["x", "1, 2", "LIMIT", "ACTIVE maybe", "FOO 1"] {
            assert!(configure::<Unqueue>(bad, one()).is_err(), "{bad}");
        }
    }
}
