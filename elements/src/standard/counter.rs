//! `Counter`: counts packets and bytes, and estimates their rates.

use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, Input,
    Output, PortCount, ProcessingSpec,
};
use crate::packet::{Batch, Packet, Timestamp};

/// Counts packets and bytes passing through, and estimates their rates.
///
/// # Synopsis
///
/// ```text
/// Counter([keywords])
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Agnostic: works in push and in pull paths.
///
/// # Description
///
/// Passes every packet unchanged from its input to its output, counting packets and bytes.
/// The rates are exponentially weighted moving averages over 1-millisecond epochs (weight
/// 1/16 per epoch), as Click's `RateEWMA` computes them, reported per second.
///
/// Click's `COUNT_CALL` and `BYTE_COUNT_CALL` keywords (calling another element's write
/// handler at a threshold) are not supported yet and are reported as configuration errors.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> c :: Counter -> Discard;
/// // after the run, `c.count` is the number of packets in in.pcap
/// ```
///
/// # Handlers
///
/// - `count` (read): packets counted.
/// - `byte_count` (read): bytes counted.
/// - `rate` (read): packets per second, recent average.
/// - `bit_rate` (read), `byte_rate` (read): bits and bytes per second, recent average.
/// - `reset`, `reset_counts` (write): set the counts and rates to zero.
///
/// # See also
///
/// Discard, Tee.
#[derive(Debug, Default)]
pub struct Counter {
    count: u64,
    bytes: u64,
    packet_rate: RateEwma,
    byte_rate: RateEwma,
}

impl Counter {
    /// Packets counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Bytes counted.
    pub fn byte_count(&self) -> u64 {
        self.bytes
    }

    #[inline]
    fn account(&mut self, packets: u64, bytes: u64, now: Timestamp) {
        self.count += packets;
        self.bytes += bytes;
        self.packet_rate.add(now, packets);
        self.byte_rate.add(now, bytes);
    }

    fn reset(&mut self) {
        *self = Counter::default();
    }
}

impl Element for Counter {
    const CLASS: &'static str = "Counter";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        for keyword in ["COUNT_CALL", "BYTE_COUNT_CALL"] {
            if let Some(arg) = args.keyword::<String>(keyword) {
                let span = args.span();
                args.error(
                    span,
                    format!("{keyword} is not supported yet (given {arg:?})"),
                );
            }
        }
        args.finish()?;
        Ok(Counter::default())
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.account(1, p.len() as u64, cx.now());
        out.push(0, p, cx);
    }

    #[inline]
    fn push_batch<O: Output + ?Sized>(
        &mut self,
        _: usize,
        batch: &mut Batch,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        self.account(batch.len() as u64, batch.byte_len() as u64, cx.now());
        out.push_batch(0, batch, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.account(1, p.len() as u64, cx.now());
        Some(p)
    }
}

impl Handlers for Counter {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "packets counted"),
        HandlerSpec::read("byte_count", "bytes counted"),
        HandlerSpec::read("rate", "packets per second, recent average"),
        HandlerSpec::read("bit_rate", "bits per second, recent average"),
        HandlerSpec::read("byte_rate", "bytes per second, recent average"),
        HandlerSpec::write("reset", "set counts and rates to zero"),
        HandlerSpec::write("reset_counts", "set counts and rates to zero"),
    ];

    fn read_handler(&self, name: &str, cx: &HandlerContext) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "byte_count" => self.bytes.to_string(),
            "rate" => self.packet_rate.per_second(cx.now).to_string(),
            "bit_rate" => (self.byte_rate.per_second(cx.now) * 8).to_string(),
            "byte_rate" => self.byte_rate.per_second(cx.now).to_string(),
            _ => {
                return Err(crate::element::handler::missing(
                    Self::HANDLERS,
                    name,
                    crate::element::Access::readable,
                    HandlerError::NotReadable,
                ))
            }
        })
    }

    fn write_handler(
        &mut self,
        name: &str,
        _: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "reset" | "reset_counts" => {
                self.reset();
                Ok(())
            }
            _ => Err(crate::element::handler::missing(
                Self::HANDLERS,
                name,
                crate::element::Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

/// An exponentially weighted moving average of events per epoch, Click's `RateEWMA` shape:
/// epochs of one millisecond, each epoch moving the average 1/16 of the way to that epoch's
/// count, kept in fixed point with 10 fractional bits.
#[derive(Debug, Default, Clone, Copy)]
struct RateEwma {
    last_now: Timestamp,
    epoch: u64,
    current: u64,
    average: u64,
}

impl RateEwma {
    const EPOCH_NANOS: u64 = 1_000_000;
    const STABILITY: u32 = 4;
    const SCALE: u32 = 10;

    #[inline]
    fn add(&mut self, now: Timestamp, n: u64) {
        // Within a scheduling round the time does not change: skip the division.
        if now == self.last_now {
            self.current += n;
            return;
        }
        self.last_now = now;
        let epoch = now.as_nanos() / Self::EPOCH_NANOS;
        if epoch != self.epoch {
            self.average = self.average_at(epoch);
            self.epoch = epoch;
            self.current = 0;
        }
        self.current += n;
    }

    /// The average as of the start of `epoch`: the current epoch's count folded in, then
    /// one decay step per empty epoch since (at most 64: the average is zero by then).
    fn average_at(&self, epoch: u64) -> u64 {
        if epoch <= self.epoch {
            return self.average;
        }
        let mut avg = Self::step(self.average, self.current);
        for _ in 1..(epoch - self.epoch).min(64 * 16) {
            if avg == 0 {
                break;
            }
            avg = Self::step(avg, 0);
        }
        avg
    }

    #[inline]
    fn step(avg: u64, count: u64) -> u64 {
        let target = count << Self::SCALE;
        if target >= avg {
            avg + ((target - avg) >> Self::STABILITY)
        } else {
            // At least one unit, or fixed-point rounding would leave a residue forever.
            avg - ((avg - target) >> Self::STABILITY).max(1)
        }
    }

    fn per_second(&self, now: Timestamp) -> u64 {
        let epoch = now.as_nanos() / Self::EPOCH_NANOS;
        let avg = if epoch > self.epoch {
            self.average_at(epoch)
        } else {
            self.average
        };
        (avg * (1_000_000_000 / Self::EPOCH_NANOS)) >> Self::SCALE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig};

    fn hcx(now: Timestamp) -> HandlerContext {
        HandlerContext { now }
    }

    #[test]
    fn counts_packets_and_bytes_in_push_and_batch() {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut c: Counter = configure(
            "",
            Ports {
                inputs: 1,
                outputs: 1,
            },
        )
        .unwrap();
        let mut out = Collect::new();
        c.push(0, pool.packet(&[0; 60]).unwrap().into(), &mut out, &mut cx);
        let mut batch = Batch::new();
        for len in [64, 100, 1500] {
            batch
                .push(pool.packet(&alloc::vec![1; len]).unwrap().into())
                .unwrap();
        }
        c.push_batch(0, &mut batch, &mut out, &mut cx);
        assert!(batch.is_empty());
        assert_eq!(out.count(0), 4);
        let now = hcx(Timestamp::SIMULATED_EPOCH);
        assert_eq!(c.read_handler("count", &now).unwrap(), "4");
        assert_eq!(c.read_handler("byte_count", &now).unwrap(), "1724");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn pull_counts_what_it_passes() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut c = Counter::default();
        let mut feed = Feed::new();
        feed.add(0, pool.packet(&[0; 42]).unwrap().into());
        assert_eq!(c.pull(0, &mut feed, &mut cx).map(|p| p.len()), Some(42));
        assert!(c.pull(0, &mut feed, &mut cx).is_none());
        assert_eq!((c.count(), c.byte_count()), (1, 42));
    }

    #[test]
    fn handlers_reset_and_errors() {
        let mut c = Counter::default();
        c.account(3, 300, Timestamp::SIMULATED_EPOCH);
        let now = hcx(Timestamp::SIMULATED_EPOCH);
        assert_eq!(
            c.write_handler("count", "", &now),
            Err(HandlerError::NotWritable)
        );
        assert_eq!(
            c.read_handler("reset", &now),
            Err(HandlerError::NotReadable)
        );
        assert_eq!(
            c.read_handler("nope", &now),
            Err(HandlerError::NoSuchHandler)
        );
        c.write_handler("reset", "", &now).unwrap();
        assert_eq!(c.read_handler("count", &now).unwrap(), "0");
    }

    #[test]
    fn rejects_unknown_arguments() {
        let err = configure::<Counter>(
            "FOO 1",
            Ports {
                inputs: 1,
                outputs: 1,
            },
        )
        .unwrap_err();
        assert_eq!(err.errors.len(), 1);
        let err = configure::<Counter>(
            "1, 2",
            Ports {
                inputs: 1,
                outputs: 1,
            },
        )
        .unwrap_err();
        assert!(!err.errors.is_empty());
    }

    #[test]
    fn rate_converges_to_the_offered_rate_and_decays() {
        // 10 packets every millisecond for a second: 10,000 packets per second.
        let mut c = Counter::default();
        let start = Timestamp::SIMULATED_EPOCH.as_nanos();
        for ms in 0..1000u64 {
            c.account(10, 640, Timestamp(start + ms * 1_000_000));
        }
        let at = hcx(Timestamp(start + 1000 * 1_000_000));
        let rate: u64 = c.read_handler("rate", &at).unwrap().parse().unwrap();
        assert!((9_900..=10_000).contains(&rate), "rate {rate}");
        let byte_rate: u64 = c.read_handler("byte_rate", &at).unwrap().parse().unwrap();
        assert!(
            (633_000..=640_000).contains(&byte_rate),
            "byte rate {byte_rate}"
        );
        // A second of silence later the average has decayed to nothing.
        let later = hcx(Timestamp(start + 2000 * 1_000_000));
        assert_eq!(c.read_handler("rate", &later).unwrap(), "0");
    }
}
