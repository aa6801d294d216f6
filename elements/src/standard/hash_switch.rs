//! `HashSwitch`: spreads packets over its outputs by a hash of some of their bytes.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Sends each packet to an output chosen by a hash of `LENGTH` bytes at `OFFSET`.
///
/// # Synopsis
///
/// ```text
/// HashSwitch(OFFSET, LENGTH)
/// ```
///
/// # Ports
///
/// One input, one or more outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Sums the `LENGTH` bytes starting at `OFFSET`. With 2, 4 or 8 outputs the output is
/// `(sum ^ (sum >> 4)) & (n - 1)`; otherwise `sum % n`, as Click computes it. Packets
/// shorter than `OFFSET + LENGTH` go to output 0. Packets with the same bytes there always
/// take the same output.
///
/// # Example
///
/// ```text
/// // IPv4/UDP packets from 192.0.2.10 to 198.51.100.20
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 8e 7a c0 00 02 0a
///                       c6 33 64 14 04 d2 00 09 00 0c 2f d8 70 69 6e 67>, LIMIT 5, STOP true)
///     -> h :: HashSwitch(12, 8);  // by IP source and destination
/// h[0] -> a :: Counter -> Discard;
/// h[1] -> b :: Counter -> Discard;  // one address pair: all 5 packets take the same output
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// RoundRobinSwitch, Switch.
#[derive(Debug)]
pub struct HashSwitch {
    offset: usize,
    length: usize,
    outputs: usize,
}

impl HashSwitch {
    /// The output for `data`.
    #[inline]
    fn output_for(&self, data: &[u8]) -> usize {
        let Some(bytes) = data.get(self.offset..self.offset + self.length) else {
            return 0;
        };
        let d: usize = bytes.iter().map(|&b| usize::from(b)).sum();
        match self.outputs {
            2 | 4 | 8 => (d ^ (d >> 4)) & (self.outputs - 1),
            0 => 0,
            n => d % n,
        }
    }
}

impl Element for HashSwitch {
    const CLASS: &'static str = "HashSwitch";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::AtLeast(1));
    const PROCESSING: ProcessingSpec = ProcessingSpec::PUSH;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let offset = args.mandatory::<u16>("OFFSET");
        let length = args.mandatory::<u16>("LENGTH");
        if length == 0 && !args.has_errors() {
            let span = args.last_span();
            args.error(span, "length must be > 0");
        }
        args.finish()?;
        Ok(HashSwitch {
            offset: usize::from(offset),
            length: usize::from(length),
            outputs: cx.ports.outputs,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let port = self.output_for(p.data());
        out.push(port, p, cx);
    }
}

impl Handlers for HashSwitch {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn hashes_like_click() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let four = Ports {
            inputs: 1,
            outputs: 4,
        };
        let mut h: HashSwitch = configure("1, 2", four).unwrap();
        // 0x10 + 0x23 = 0x33; 0x33 ^ 0x03 = 0x30; & 3 = 0.
        assert_eq!(h.output_for(&[0xff, 0x10, 0x23]), 0);
        // 0x01 + 0x01 = 2 -> 2 ^ 0 = 2.
        assert_eq!(h.output_for(&[0, 1, 1]), 2);
        // Too short: output 0.
        assert_eq!(h.output_for(&[0, 3]), 0);
        let three = Ports {
            inputs: 1,
            outputs: 3,
        };
        let h3: HashSwitch = configure("0, 2", three).unwrap();
        assert_eq!(h3.output_for(&[200, 100]), 300 % 3);
        assert_eq!(h3.output_for(&[1, 1]), 2);
        let mut out = Collect::new();
        h.push(
            0,
            pool.packet(&[0, 1, 1]).unwrap().into(),
            &mut out,
            &mut cx,
        );
        assert_eq!(out.count(2), 1);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_errors() {
        let p = Ports {
            inputs: 1,
            outputs: 2,
        };
        assert!(configure::<HashSwitch>("0", p).is_err());
        let err = configure::<HashSwitch>("0, 0", p).unwrap_err();
        assert_eq!(err.errors[0].message, "length must be > 0");
        assert_eq!(err.errors[0].span.start, 3);
    }
}
