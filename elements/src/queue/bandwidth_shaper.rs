//! `BandwidthShaper`: a pull element that passes at most RATE bytes per second.

use alloc::format;
use alloc::string::String;

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::Bandwidth;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, PortCount, ProcessingSpec,
};
use crate::packet::{Packet, Timestamp};

/// Click's `GapRate` (include/click/gaprate.hh): spreads `rate` units per second evenly
/// over each second, in steps of 2^-12 microseconds.
#[derive(Debug, Clone, Copy)]
struct GapRate {
    ugap: u64,
    sec_count: i32,
    /// The second of the last update; `None` after a reset.
    tv_sec: Option<u64>,
    rate: u32,
}

impl GapRate {
    const UGAP_SHIFT: u32 = 12;
    const MAX_RATE: u32 = 1_000_000 << Self::UGAP_SHIFT;

    fn new(rate: u32) -> Self {
        let rate = rate.min(Self::MAX_RATE);
        GapRate {
            ugap: Self::MAX_RATE
                .checked_div(rate)
                .map_or(u64::from(Self::MAX_RATE) + 1, u64::from),
            sec_count: 0,
            tv_sec: None,
            rate,
        }
    }

    /// True if, at `now`, the units sent this second are within the rate.
    fn need_update(&mut self, now: Timestamp) -> bool {
        let scaled = u64::from(now.subsec_micros()) << Self::UGAP_SHIFT;
        let need = scaled / self.ugap;
        match self.tv_sec {
            None => {
                // A fresh shaper may usually send at once (Click's note of 27 Feb 2005).
                self.tv_sec = Some(now.secs());
                let round_up = scaled - need * self.ugap > self.ugap / 2;
                self.sec_count = need as i32 + i32::from(round_up);
            }
            Some(sec) if now.secs() > sec => {
                self.tv_sec = Some(now.secs());
                if self.sec_count > 0 {
                    self.sec_count = self.sec_count.wrapping_sub(self.rate as i32);
                }
            }
            Some(_) => {}
        }
        need as i32 >= self.sec_count
    }

    fn update_with(&mut self, units: usize) {
        self.sec_count = self.sec_count.wrapping_add(units as i32);
    }
}

/// Click's `BandwidthArg::unparse`: a rate in bytes per second as `kbps`, `Mbps`, `Gbps`
/// (bits) or, for the largest rates, `MBps`.
fn unparse_bandwidth(bytes_per_sec: u32) -> String {
    /// `x / 10^frac` with trailing zeros dropped (Click's `cp_unparse_real10`).
    fn real10(x: u64, frac: u32) -> String {
        let div = 10u64.pow(frac);
        let (int, rem) = (x / div, x % div);
        if rem == 0 {
            return format!("{int}");
        }
        let digits = format!("{rem:0width$}", width = frac as usize);
        format!("{int}.{}", digits.trim_end_matches('0'))
    }
    let x = u64::from(bytes_per_sec);
    if bytes_per_sec >= 0x2000_0000 {
        real10(x, 6) + "MBps"
    } else if bytes_per_sec >= 125_000_000 {
        real10(x * 8, 9) + "Gbps"
    } else if bytes_per_sec >= 125_000 {
        real10(x * 8, 6) + "Mbps"
    } else {
        real10(x * 8, 3) + "kbps"
    }
}

/// Reads a RATE (bytes per second, at most 2^32 - 1) or says why not.
fn parse_rate(text: &str) -> Result<u32, String> {
    let Bandwidth(rate) = Bandwidth::from_arg(text, &NoNames)?;
    let rate = u32::try_from(rate).map_err(|_| String::from("out of range"))?;
    if rate > GapRate::MAX_RATE {
        return Err(format!("rate too large; lowered to {}", GapRate::MAX_RATE));
    }
    Ok(rate)
}

/// Shapes pulled traffic to a maximum bandwidth.
///
/// # Synopsis
///
/// ```text
/// BandwidthShaper(RATE)
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Pull.
///
/// # Description
///
/// Passes at most `RATE` bytes per second from its input to its output: a pull on the
/// output pulls from the input only if the bytes already sent this second, spread evenly
/// over the second, allow it; otherwise it returns nothing. `RATE` is a bandwidth (`10Mbps`,
/// `2MBps`; a plain number is bytes per second). The shaper depends on the timing of the
/// pulls made on it: evenly spaced pulls give a smooth output.
///
/// Time is the router's clock, `cx.now()`, at microsecond precision, as in Click's
/// `GapRate`. A fresh shaper may send at once. Under a simulated clock that never moves a
/// shaper sends its first packet and then nothing more, as Click's would at a fixed time.
/// Rates above 4096000000 bytes per second are rejected (Click lowers them with an error).
///
/// # Example
///
/// ```text
/// src :: InfiniteSource -> Queue -> BandwidthShaper(1Mbps) -> Unqueue -> Discard;
/// ```
///
/// # Handlers
///
/// - `rate` (read/write): the rate, in Click's format (`8kbps`, `1Mbps`); writing it
///   restarts the shaper.
///
/// # See also
///
/// RatedUnqueue, Queue.
#[derive(Debug)]
pub struct BandwidthShaper {
    rate: GapRate,
}

impl Element for BandwidthShaper {
    const CLASS: &'static str = "BandwidthShaper";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::PULL;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let rate = args.mandatory::<Bandwidth>("RATE");
        let span = args.last_span();
        let rate = match u32::try_from(rate.0) {
            Ok(r) if r <= GapRate::MAX_RATE => r,
            _ => {
                args.error(
                    span,
                    format!("rate too large; lowered to {}", GapRate::MAX_RATE),
                );
                GapRate::MAX_RATE
            }
        };
        args.finish()?;
        Ok(BandwidthShaper {
            rate: GapRate::new(rate),
        })
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        if !self.rate.need_update(cx.now()) {
            return None;
        }
        let p = input.pull(0, cx)?;
        self.rate.update_with(p.len());
        Some(p)
    }
}

impl Handlers for BandwidthShaper {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "rate",
        "the rate in bytes per second (RATE)",
    )];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "rate" => Ok(unparse_bandwidth(self.rate.rate)),
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
            "rate" => {
                let rate = parse_rate(value.trim())
                    .map_err(|why| HandlerError::BadValue(format!("RATE: {why}")))?;
                self.rate = GapRate::new(rate);
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
    use crate::element::testing::{configure, Feed};
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

    #[test]
    fn passes_the_configured_bytes_per_second() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let start = Timestamp::SIMULATED_EPOCH;
        let mut cx = Context::new(start, pool, &mut log);
        // 10,000 bytes per second, 100-byte packets: 100 packets per second.
        let mut bs: BandwidthShaper = configure("80kbps", ONE).unwrap();
        let mut passed = 0;
        // Pull every 100 us for two seconds from an input that always has a packet.
        for step in 0..20_000u64 {
            cx.set_now(Timestamp(start.as_nanos() + step * 100_000));
            let mut feed = Feed::new();
            feed.add(0, pool.packet(&[0; 100]).unwrap().into());
            if bs.pull(0, &mut feed, &mut cx).is_some() {
                passed += 1;
            }
        }
        assert!((199..=202).contains(&passed), "{passed}");
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn fixed_clock_passes_one_packet() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut bs: BandwidthShaper = configure("RATE 1MBps", ONE).unwrap();
        let mut feed = Feed::new();
        for _ in 0..3 {
            feed.add(0, pool.packet(&[1; 60]).unwrap().into());
        }
        assert!(bs.pull(0, &mut feed, &mut cx).is_some());
        assert!(bs.pull(0, &mut feed, &mut cx).is_none());
        // An empty input uses no budget.
        let mut empty: BandwidthShaper = configure("1MBps", ONE).unwrap();
        assert!(empty.pull(0, &mut Feed::new(), &mut cx).is_none());
        assert!(empty.pull(0, &mut feed, &mut cx).is_some());
        drop(feed);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn rate_handler_format_and_errors() {
        let mut bs: BandwidthShaper = configure("1000", ONE).unwrap();
        assert_eq!(bs.read_handler("rate", &hcx()).unwrap(), "8kbps");
        bs.write_handler("rate", "1.5Mbps", &hcx()).unwrap();
        assert_eq!(bs.read_handler("rate", &hcx()).unwrap(), "1.5Mbps");
        bs.write_handler("rate", "10Gbps", &hcx()).unwrap();
        assert_eq!(bs.read_handler("rate", &hcx()).unwrap(), "1250MBps");
        bs.write_handler("rate", "2Gbps", &hcx()).unwrap();
        assert_eq!(bs.read_handler("rate", &hcx()).unwrap(), "2Gbps");
        assert_eq!(unparse_bandwidth(100), "0.8kbps");
        assert!(bs.write_handler("rate", "fast", &hcx()).is_err());
        assert!(bs.write_handler("rate", "40Gbps", &hcx()).is_err());
        assert_eq!(
            bs.write_handler("config", "1", &hcx()),
            Err(HandlerError::NoSuchHandler)
        );
        for bad in ["", "fast", "1Mbps, 2", "40GBps", "RATE"] {
            assert!(configure::<BandwidthShaper>(bad, ONE).is_err(), "{bad:?}");
        }
    }
}
