//! `Truncate`: limits packet length.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, ProcessingSpec,
};
use crate::packet::Packet;

/// Cuts every packet down to at most `LENGTH` bytes.
///
/// # Synopsis
///
/// ```text
/// Truncate(LENGTH [, EXTRA_LENGTH])
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Agnostic.
///
/// # Description
///
/// Removes bytes from the end of packets longer than `LENGTH` (0..65535). Keyword:
///
/// - `EXTRA_LENGTH` (boolean, default true): add the number of bytes removed to the
///   packet's extra length annotation, so ToDump still records the original length.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Truncate(64) -> ToDump(heads.pcap);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// Strip.
#[derive(Debug)]
pub struct Truncate {
    length: usize,
    extra_length: bool,
}

impl Truncate {
    #[inline]
    fn apply(&self, p: &mut Packet) {
        if p.len() > self.length {
            let cut = p.len() - self.length;
            if self.extra_length {
                let anno = p.anno_mut();
                anno.extra_length = anno.extra_length.wrapping_add(cut as u32);
            }
            p.truncate(self.length);
        }
    }
}

impl Element for Truncate {
    const CLASS: &'static str = "Truncate";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let length = args.mandatory::<u16>("LENGTH");
        let extra_length = args.keyword::<bool>("EXTRA_LENGTH").unwrap_or(true);
        args.finish()?;
        Ok(Truncate {
            length: usize::from(length),
            extra_length,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(
        &mut self,
        _: usize,
        mut p: Packet,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        self.apply(&mut p);
        out.push(0, p, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let mut p = input.pull(0, cx)?;
        self.apply(&mut p);
        Some(p)
    }
}

impl Handlers for Truncate {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    #[test]
    fn truncates_and_counts_extra_length() {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::default(), pool, &mut log);
        let mut t: Truncate = configure("4", PORTS).unwrap();
        let mut out = Collect::new();
        let mut p = pool.packet(b"abcdefgh").unwrap();
        p.anno_mut().extra_length = 10;
        t.push(0, p.into(), &mut out, &mut cx);
        t.push(0, pool.packet(b"ab").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[0].data(), b"abcd");
        assert_eq!(out.port(0)[0].anno().extra_length, 14);
        assert_eq!(out.port(0)[1].data(), b"ab");
        assert_eq!(out.port(0)[1].anno().extra_length, 0);
        let mut t: Truncate = configure("2, EXTRA_LENGTH false", PORTS).unwrap();
        t.push(0, pool.packet(b"abc").unwrap().into(), &mut out, &mut cx);
        assert_eq!(out.port(0)[2].data(), b"ab");
        assert_eq!(out.port(0)[2].anno().extra_length, 0);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<Truncate>("70000", PORTS).is_err());
        assert!(configure::<Truncate>("", PORTS).is_err());
    }
}
