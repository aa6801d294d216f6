//! `Discard`: drops every packet it receives, counting them.

use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::{Batch, Packet};

/// Drops every packet it receives.
///
/// # Synopsis
///
/// ```text
/// Discard([keywords ACTIVE, BURST])
/// ```
///
/// # Ports
///
/// One input, no outputs.
///
/// # Processing
///
/// Agnostic. On a pull input Discard is a task that pulls and drops up to `BURST` packets
/// each time it runs.
///
/// # Description
///
/// Drops (returns to the pool) every packet pushed to it, or pulls and drops packets when
/// its input is pull. Keywords:
///
/// - `ACTIVE` (boolean, default true): whether a pull Discard pulls at all.
/// - `BURST` (integer, default 1): packets pulled per task run.
///
/// # Example
///
/// ```text
/// InfiniteSource(LIMIT 5, STOP true) -> d :: Discard;
/// // after the run, d.count is 5
/// ```
///
/// # Handlers
///
/// - `count` (read): packets dropped.
/// - `reset_counts` (write): set the count to zero.
/// - `active` (read/write): the `ACTIVE` setting.
///
/// # See also
///
/// Counter, Idle.
#[derive(Debug)]
pub struct Discard {
    count: u64,
    active: bool,
    burst: u32,
    pulls: bool,
}

impl Discard {
    /// Packets dropped so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}

impl Element for Discard {
    const CLASS: &'static str = "Discard";
    const PORTS: PortCount = PortCount::SINK;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let burst = args.keyword::<u32>("BURST").unwrap_or(1);
        if burst == 0 {
            let span = args.span();
            args.error(span, "BURST must be at least 1");
        }
        args.finish()?;
        Ok(Discard {
            count: 0,
            active,
            burst,
            pulls: cx.input_is_pull(0),
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, _: &mut O, _: &mut Context<'_>) {
        self.count += 1;
        drop(p);
    }

    #[inline]
    fn push_batch<O: Output + ?Sized>(
        &mut self,
        _: usize,
        batch: &mut Batch,
        _: &mut O,
        _: &mut Context<'_>,
    ) {
        self.count += batch.len() as u64;
        batch.clear();
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        if !self.pulls || !self.active {
            return false;
        }
        let mut worked = false;
        for _ in 0..self.burst {
            match ports.pull(0, cx) {
                Some(p) => {
                    self.count += 1;
                    drop(p);
                    worked = true;
                }
                None => break,
            }
        }
        worked
    }
}

impl Handlers for Discard {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "packets dropped"),
        HandlerSpec::write("reset_counts", "set the count to zero"),
        HandlerSpec::read_write("active", "whether a pull Discard pulls"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" => Ok(self.active.to_string()),
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
            "reset_counts" => {
                self.count = 0;
                Ok(())
            }
            "active" => {
                self.active = <bool as FromArg>::from_arg(value.trim(), &NoNames)
                    .map_err(HandlerError::BadValue)?;
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
    use crate::element::testing::Pair;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn push_drops_and_counts() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut d: Discard = configure(
            "",
            Ports {
                inputs: 1,
                outputs: 0,
            },
        )
        .unwrap();
        let mut out = Collect::new();
        for _ in 0..3 {
            d.push(0, pool.packet(&[0; 60]).unwrap().into(), &mut out, &mut cx);
        }
        let mut batch = Batch::new();
        batch.push(pool.packet(&[0; 60]).unwrap().into()).unwrap();
        d.push_batch(0, &mut batch, &mut out, &mut cx);
        assert_eq!(d.count(), 4);
        assert_eq!(out.total(), 0);
        assert_eq!(pool.in_flight(), 0);
        // A push Discard's task does nothing.
        assert!(!d.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
    }

    #[test]
    fn pull_mode_task_pulls_a_burst() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut d = Discard {
            count: 0,
            active: true,
            burst: 2,
            pulls: true,
        };
        let mut feed = Feed::new();
        for _ in 0..3 {
            feed.add(0, pool.packet(&[0; 10]).unwrap().into());
        }
        let mut out = Collect::new();
        assert!(d.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert_eq!(d.count(), 2);
        assert!(d.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert!(!d.run_task(&mut Pair(&mut out, &mut feed), &mut cx));
        assert_eq!(d.count(), 3);
        assert_eq!(pool.in_flight(), 0);
        let now = HandlerContext {
            now: Timestamp::default(),
        };
        d.write_handler("active", "false", &now).unwrap();
        assert_eq!(d.read_handler("active", &now).unwrap(), "false");
        assert!(d.write_handler("active", "maybe", &now).is_err());
    }

    #[test]
    fn configuration_errors() {
        let ports = Ports {
            inputs: 1,
            outputs: 0,
        };
        assert!(configure::<Discard>("BURST 0", ports).is_err());
        assert!(configure::<Discard>("ACTIVE false, BURST 8", ports).is_ok());
        let both = configure::<Discard>("ACTIVE maybe, BURST x", ports).unwrap_err();
        assert_eq!(both.errors.len(), 2, "{both:?}");
    }
}
