//! `CheckIPHeader2`: CheckIPHeader without the header checksum check.

use alloc::string::String;

use super::check_ip_header::{IpHeaderCheck, CHECK_PROCESSING};
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, Input,
    Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::Packet;

/// Checks IPv4 headers like CheckIPHeader, but does not check the header checksum.
///
/// # Synopsis
///
/// ```text
/// CheckIPHeader2([OFFSET, keywords INTERFACES, BADSRC, GOODDST, OFFSET, VERBOSE, DETAILS, CHECKSUM])
/// ```
///
/// # Ports
///
/// One input; one or two outputs. Good packets leave on output 0; bad ones on output 1 if
/// it exists, otherwise they are dropped.
///
/// # Processing
///
/// Agnostic; output 1 is push. When pulled, a bad packet is dropped (and counted).
///
/// # Description
///
/// The same element as CheckIPHeader with `CHECKSUM` defaulting to false, as in Click: a
/// packet with a wrong header checksum passes, every other check applies, good packets are
/// marked, trimmed to the IP length and get the destination annotation.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Strip(14) -> CheckIPHeader2 -> Discard;
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets that failed the check.
/// - `drop_details` (read, only with `DETAILS true`): failures by reason, as CheckIPHeader.
///
/// # See also
///
/// CheckIPHeader, MarkIPHeader.
#[derive(Debug)]
pub struct CheckIPHeader2 {
    check: IpHeaderCheck,
}

impl Element for CheckIPHeader2 {
    const CLASS: &'static str = "CheckIPHeader2";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = CHECK_PROCESSING;

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        Ok(CheckIPHeader2 {
            check: IpHeaderCheck::configure(args, cx, false)?,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.check.push(p, out, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        self.check.pull(input, cx)
    }
}

impl Handlers for CheckIPHeader2 {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("drops", "packets that failed the check"),
        HandlerSpec::read(
            "drop_details",
            "failures by reason (with DETAILS true), one COUNT<TAB>REASON line each",
        ),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        self.check.read(Self::HANDLERS, name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_ip_header::tests::{run_case02_for, CASE02_EXPECT2};
    use super::*;
    use crate::packet::Timestamp;

    #[test]
    fn corpus_case_02_checkipheader2_skips_the_checksum() {
        let e: CheckIPHeader2 = run_case02_for("", CASE02_EXPECT2);
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "5");
        assert_eq!(
            e.read_handler("nope", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
    }
}
