//! `CheckICMPHeader`: checks the length and checksum of ICMP messages.

use alloc::string::String;

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, Input,
    Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::Packet;
use crate::tcpudp::header_check::{self, HeaderCheck};
use crate::wire::checksum;
use crate::wire::icmp::{self, msg_type};
use crate::wire::ipv4::{self, protocol, Ipv4Packet};

/// Why a packet failed, in Click's order and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    NotIcmp = 0,
    BadLength = 1,
    BadChecksum = 2,
}

const REASON_TEXTS: [&str; 3] = ["not ICMP", "bad packet length", "bad ICMP checksum"];

/// Checks the ICMP header of ICMP packets.
///
/// # Synopsis
///
/// ```text
/// CheckICMPHeader([VERBOSE, DETAILS])
/// ```
///
/// # Ports
///
/// One input, one or two outputs.
///
/// # Processing
///
/// Agnostic input and output 0; output 1 is push.
///
/// # Description
///
/// Expects IP packets whose network header is marked. Passes an ICMP message on output 0
/// if it is at least 8 bytes long (counted from the transport header to the end of the
/// packet, as Click counts), errors (unreachable, time exceeded, parameter problem, source
/// quench, redirect) quote at least 28 bytes, timestamp messages are exactly 20 bytes and
/// information messages exactly 8, and its checksum over those bytes is valid. Other
/// packets are counted and leave on output 1, or are dropped if there is no output 1.
///
/// The first failure is reported as a warning; with `VERBOSE true`, every one is. With
/// `DETAILS true` the element counts failures by reason for `drop_details`.
///
/// # Example
///
/// ```text
/// // ICMP echo requests from 192.0.2.10 to 192.0.2.1
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 01 f6 d0 c0 00 02 0a
///                       c0 00 02 01 08 00 19 2d 00 01 00 01 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> ipc :: IPClassifier(icmp, -);
/// ipc[0] -> c :: CheckICMPHeader -> ok :: Counter -> Discard;   // ok.count is 3
/// c[1] -> bad :: Counter -> Discard;   // truncated or bad checksum
/// ipc[1] -> Discard;
/// ```
///
/// # Handlers
///
/// - `drops` (read): packets that failed the check.
/// - `drop_details` (read, only with `DETAILS true`): one line per reason, the count, a tab
///   and the reason (`not ICMP`, `bad packet length`, `bad ICMP checksum`).
///
/// # See also
///
/// CheckIPHeader, CheckTCPHeader, CheckUDPHeader, MarkIPHeader.
#[derive(Debug)]
pub struct CheckICMPHeader {
    check: HeaderCheck,
}

impl CheckICMPHeader {
    /// Checks `p` as Click's `CheckICMPHeader::simple_action`.
    fn check(p: &Packet) -> Result<(), Reason> {
        let net = p.network_header().ok_or(Reason::NotIcmp)?;
        let is_icmp = net.len() >= ipv4::HEADER_LEN
            && Ipv4Packet::new_unchecked(net).protocol() == protocol::ICMP;
        if !is_icmp {
            return Err(Reason::NotIcmp);
        }
        let message = p.transport_header().ok_or(Reason::BadLength)?;
        let len = message.len();
        if len < icmp::HEADER_LEN {
            return Err(Reason::BadLength);
        }
        let length_ok = match message[0] {
            // The offending IP header plus 64 bits of its datagram.
            msg_type::DEST_UNREACHABLE
            | msg_type::TIME_EXCEEDED
            | msg_type::PARAMETER_PROBLEM
            | msg_type::SOURCE_QUENCH
            | msg_type::REDIRECT => len >= icmp::HEADER_LEN + 28,
            msg_type::TIMESTAMP_REQUEST | msg_type::TIMESTAMP_REPLY => len == icmp::HEADER_LEN + 12,
            msg_type::INFO_REQUEST | msg_type::INFO_REPLY => len == icmp::HEADER_LEN,
            _ => true,
        };
        if !length_ok {
            return Err(Reason::BadLength);
        }
        if !checksum::verify(message) {
            return Err(Reason::BadChecksum);
        }
        Ok(())
    }
}

impl Element for CheckICMPHeader {
    const CLASS: &'static str = "CheckICMPHeader";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let check = HeaderCheck::configure(&mut args, cx, "ICMP", &REASON_TEXTS);
        args.finish()?;
        Ok(CheckICMPHeader { check })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        let verdict = Self::check(&p).map_err(|r| r as usize);
        self.check.route(verdict, p, out, cx);
    }

    #[inline]
    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        _: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = ports.pull(0, cx)?;
        let verdict = Self::check(&p).map_err(|r| r as usize);
        self.check.route_pulled(verdict, p, ports, cx)
    }
}

impl Handlers for CheckICMPHeader {
    const HANDLERS: &'static [HandlerSpec] = header_check::HANDLERS;

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        self.check.read_handler(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_packet, pool, with_cx};
    use crate::packet::Timestamp;
    use proptest::prelude::*;

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    fn icmp_ip(body: &[u8]) -> Vec<u8> {
        let mut ip = alloc::vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        ip.extend_from_slice(body);
        let total = ip.len() as u16;
        let mut v = Ipv4Packet::new_unchecked(&mut ip[..]);
        v.set_total_len(total);
        v.fill_checksum();
        ip
    }

    fn with_sum(mut body: Vec<u8>) -> Vec<u8> {
        body[2..4].fill(0);
        let sum = checksum::checksum(&body);
        body[2..4].copy_from_slice(&sum.to_be_bytes());
        body
    }

    #[test]
    fn reasons_counts_and_handlers() {
        let pool = pool();
        let mut e: CheckICMPHeader = configure("DETAILS true", ports(2)).unwrap();
        let good_echo = icmp_ip(&with_sum(alloc::vec![8, 0, 0, 0, 1, 2, 3, 4, 5]));
        let good_err = icmp_ip(&with_sum(
            [&[3u8, 1, 0, 0, 0, 0, 0, 0][..], &[0x45; 28]].concat(),
        ));
        let short_err = icmp_ip(&with_sum(
            [&[11u8, 0, 0, 0, 0, 0, 0, 0][..], &[0x45; 27]].concat(),
        ));
        let bad_tstamp = icmp_ip(&with_sum(alloc::vec![13; 21]));
        let bad_sum = icmp_ip(&[8, 0, 0x12, 0x34, 0, 0, 0, 0]);
        let mut not_icmp = good_echo.clone();
        not_icmp[9] = 17;
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            for ip in [
                &good_echo,
                &good_err,
                &short_err,
                &bad_tstamp,
                &bad_sum,
                &not_icmp,
            ] {
                e.push(0, ip_packet(&pool, ip), &mut out, cx);
            }
            e.push(0, pool.packet(&good_echo).unwrap().into(), &mut out, cx);
            e.push(0, ip_packet(&pool, &good_echo[..24]), &mut out, cx);
        });
        assert_eq!((out.count(0), out.count(1)), (2, 6));
        let hcx = HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        };
        assert_eq!(e.read_handler("drops", &hcx).unwrap(), "6");
        assert_eq!(
            e.read_handler("drop_details", &hcx).unwrap(),
            "2\tnot ICMP\n3\tbad packet length\n1\tbad ICMP checksum"
        );
        let plain: CheckICMPHeader = configure("VERBOSE true", ports(1)).unwrap();
        assert_eq!(
            plain.read_handler("drop_details", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
        assert!(configure::<CheckICMPHeader>("DETAILS maybe", ports(1)).is_err());
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn corpus_12_bad_checksum_and_pull() {
        // Frame 7 of corpus 12: an echo request whose checksum is wrong; frame 8 is good.
        let bad = icmp_ip(&[8, 0, 0x77, 0x77, 0, 0, 0, 0, 0, 7, 14, 21, 28, 35, 42, 49]);
        let good = icmp_ip(&with_sum(alloc::vec![
            8, 0, 0, 0, 0, 1, 0, 1, 0, 7, 14, 21, 28
        ]));
        let pool = pool();
        let mut e: CheckICMPHeader = configure("", ports(1)).unwrap();
        with_cx(pool, |cx| {
            let mut feed = Feed::new();
            feed.add(0, ip_packet(&pool, &bad));
            feed.add(0, ip_packet(&pool, &good));
            assert!(e.pull(0, &mut feed, cx).is_none());
            assert!(e.pull(0, &mut feed, cx).is_some());
        });
        assert_eq!(e.check.drops, 1);
        // With two outputs, a pulled bad packet is pushed on output 1, as in Click.
        let mut two: CheckICMPHeader = configure("", ports(2)).unwrap();
        let mut feed = Feed::new();
        with_cx(pool, |cx| {
            feed.add(0, ip_packet(&pool, &bad));
            assert!(two.pull(0, &mut feed, cx).is_none());
        });
        assert_eq!(feed.pushed.count(1), 1);
        drop(feed);
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..80),
            hl in 0usize..64,
        ) {
            let pool = pool();
            let mut e: CheckICMPHeader = configure("DETAILS true", ports(2)).unwrap();
            let mut out = Collect::new();
            with_cx(pool, |cx| {
                let mut p = pool.packet(&bytes).unwrap();
                let _ = p.set_network_header(0, hl.min(bytes.len()));
                e.push(0, p.into(), &mut out, cx);
            });
            prop_assert_eq!(out.total(), 1);
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
