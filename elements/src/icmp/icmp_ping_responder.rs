//! `ICMPPingResponder`: turns ICMP echo requests into echo replies, in place.

use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Output, PortCount, PortRange, Processing,
    ProcessingSpec,
};
use crate::packet::{Packet, WritablePacket};
use crate::wire::checksum;
use crate::wire::icmp::{self, msg_type, IcmpPacket};
use crate::wire::ipv4::{self, protocol, Ipv4Packet};

/// The flags and fragment offset word of the IPv4 header (RFC 791), which Click zeroes
/// whole, reserved bit included; the IPv4 view has no setter for the whole word.
const IP_FLAGS_FRAG: core::ops::Range<usize> = 6..8;

/// Responds to ICMP echo requests.
///
/// # Synopsis
///
/// ```text
/// ICMPPingResponder()
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
/// Each ICMP echo request (its network header marked, at least 8 bytes of ICMP) becomes the
/// matching echo reply on output 0, rewritten in place as Click does it: source and
/// destination addresses swapped, the fragment word cleared, TTL set to 255, ICMP type and
/// code set to 0, both checksums updated incrementally (RFC 1624); an ICMP checksum that
/// comes out 0 over an all-zero message becomes 0xFFFF. The reply's `dst_ip` annotation is
/// its destination, its paint annotation is cleared and its timestamp is the current time;
/// other annotations stay.
///
/// Other packets leave on output 1 if it exists, and are dropped otherwise.
///
/// # Example
///
/// ```text
/// // ICMP echo requests from 192.0.2.10 to 192.0.2.1
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 01 f6 d0 c0 00 02 0a
///                       c0 00 02 01 08 00 19 2d 00 01 00 01 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> lc :: IPClassifier(icmp type echo, -);
/// lc[0] -> ICMPPingResponder   // echo replies from 192.0.2.1 to 192.0.2.10
///       -> IPFilter(allow icmp type echo-reply && src 192.0.2.1 && dst 192.0.2.10)
///       -> replies :: Counter -> Discard;   // replies.count is 3
/// lc[1] -> Discard;
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// ICMPError, ICMPSendPings.
#[derive(Debug)]
pub struct ICMPPingResponder {
    outputs: usize,
}

impl ICMPPingResponder {
    /// True if `p` is an ICMP echo request Click answers.
    fn is_echo(p: &Packet) -> bool {
        let (Some(net), Some(transport)) = (p.network_header(), p.transport_header()) else {
            return false;
        };
        net.len() >= ipv4::HEADER_LEN
            && transport.len() >= icmp::HEADER_LEN
            && Ipv4Packet::new_unchecked(net).protocol() == protocol::ICMP
            && transport[0] == msg_type::ECHO_REQUEST
    }

    /// Rewrites an echo request (already checked by `is_echo`) into its reply.
    fn reply(q: &mut WritablePacket, cx: &Context<'_>) {
        let Some(net) = q.network_header_mut() else {
            return;
        };
        if net.len() < ipv4::HEADER_LEN {
            return;
        }
        let old_frag = u16::from_be_bytes([net[IP_FLAGS_FRAG.start], net[IP_FLAGS_FRAG.start + 1]]);
        net[IP_FLAGS_FRAG].fill(0);
        let mut ip = Ipv4Packet::new_unchecked(&mut *net);
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        // Swapping the addresses leaves the checksum valid.
        ip.set_src_addr(dst);
        ip.set_dst_addr(src);
        let mut sum = checksum::update_u16(ip.checksum(), old_frag, 0);
        let old_ttl_word = u16::from_be_bytes([ip.ttl(), ip.protocol()]);
        ip.set_ttl(255);
        sum = checksum::update_u16(sum, old_ttl_word, u16::from_be_bytes([255, ip.protocol()]));
        ip.set_checksum(sum);

        let anno = q.anno_mut();
        anno.dst_ip = src;
        anno.timestamp = cx.now();
        anno.paint = 0;

        let Some(transport) = q.transport_header_mut() else {
            return;
        };
        if transport.len() < icmp::HEADER_LEN {
            return;
        }
        let mut icmph = IcmpPacket::new_unchecked(&mut *transport);
        let old_word = u16::from_be_bytes([icmph.msg_type(), icmph.code()]);
        icmph.set_msg_type(msg_type::ECHO_REPLY);
        icmph.set_code(0);
        let sum = checksum::update_u16(icmph.checksum(), old_word, 0);
        icmph.set_checksum(sum);
        // Click's click_update_zero_in_cksum: 0 over an all-zero message means ~0.
        if sum == 0 && transport.iter().all(|&b| b == 0) {
            IcmpPacket::new_unchecked(&mut *transport).set_checksum(0xffff);
        }
    }

    /// The reply to `p`, or `Err(p)` if it is not an echo request. `Ok(None)` when the pool
    /// could not make a shared packet writable (Click drops it).
    fn respond(p: Packet, cx: &Context<'_>) -> Result<Option<Packet>, Packet> {
        if !Self::is_echo(&p) {
            return Err(p);
        }
        let Ok(mut q) = p.make_unique(cx.pool()) else {
            return Ok(None);
        };
        Self::reply(&mut q, cx);
        Ok(Some(q.into()))
    }
}

impl Element for ICMPPingResponder {
    const CLASS: &'static str = "ICMPPingResponder";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };

    fn configure(args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        args.finish()?;
        Ok(ICMPPingResponder {
            outputs: cx.ports.outputs,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match Self::respond(p, cx) {
            Ok(Some(q)) => out.push(0, q, cx),
            Ok(None) => {}
            Err(p) if self.outputs == 2 => out.push(1, p, cx),
            Err(p) => drop(p),
        }
    }

    #[inline]
    fn pull<P: Input + Output + ?Sized>(
        &mut self,
        _: usize,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = ports.pull(0, cx)?;
        match Self::respond(p, cx) {
            Ok(q) => q,
            Err(p) => {
                if self.outputs == 2 {
                    ports.push(1, p, cx);
                }
                None
            }
        }
    }
}

impl Handlers for ICMPPingResponder {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_of, ip_packet, pcap_frames, pool, with_cx};
    use crate::packet::Timestamp;
    use crate::wire::Ipv4Address;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    /// The reply as ICMPPingResponder made it, from the frame Click's router sent after
    /// DecIPTTL: TTL back to 255, checksum updated back.
    fn before_dec_ttl(frame: &[u8]) -> Vec<u8> {
        let mut ip = ip_of(frame).to_vec();
        let mut v = Ipv4Packet::new_unchecked(&mut ip[..]);
        let sum = checksum::update_u16(
            v.checksum(),
            u16::from_be_bytes([v.ttl(), v.protocol()]),
            u16::from_be_bytes([255, v.protocol()]),
        );
        v.set_ttl(255);
        v.set_checksum(sum);
        ip
    }

    #[test]
    fn corpus_14_echo_replies() {
        let input = pcap_frames(&crate::element::testing::corpus_file(
            "14-two-port-iprouter",
            "in.pcap",
        ));
        let eth0 = pcap_frames(&crate::element::testing::corpus_file(
            "14-two-port-iprouter",
            "out-eth0.pcap",
        ));
        let pool = pool();
        let mut e: ICMPPingResponder = configure("", ports(1)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            for i in [9, 10] {
                let mut p = ip_packet(&pool, ip_of(&input[i]));
                p.anno_mut().paint = 1;
                e.push(0, p, &mut out, cx);
            }
        });
        assert_eq!(out.port(0)[0].data(), before_dec_ttl(&eth0[5]));
        assert_eq!(out.port(0)[1].data(), before_dec_ttl(&eth0[6]));
        for p in out.port(0) {
            assert!(Ipv4Packet::new_unchecked(p.data()).verify_checksum());
            assert_eq!(p.anno().dst_ip, Ipv4Address::new(192, 0, 2, 10));
            assert_eq!(p.anno().paint, 0);
            assert_eq!(p.anno().timestamp, Timestamp::SIMULATED_EPOCH);
        }
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    /// A minimal echo request 10.0.0.1 -> 10.0.0.2 with `flags_frag` and ICMP `body`.
    fn echo(flags_frag: u16, body: &[u8]) -> Vec<u8> {
        let mut ip = alloc::vec![0u8; 20];
        ip.extend_from_slice(body);
        let total = ip.len() as u16;
        let mut v = Ipv4Packet::new_unchecked(&mut ip[..]);
        v.set_version(4);
        v.set_header_len(20);
        v.set_total_len(total);
        v.set_ttl(3);
        v.set_protocol(protocol::ICMP);
        v.set_src_addr(Ipv4Address::new(10, 0, 0, 1));
        v.set_dst_addr(Ipv4Address::new(10, 0, 0, 2));
        ip[IP_FLAGS_FRAG].copy_from_slice(&flags_frag.to_be_bytes());
        Ipv4Packet::new_unchecked(&mut ip[..]).fill_checksum();
        ip
    }

    #[test]
    fn clears_every_fragment_bit_and_keeps_checksums_valid() {
        let mut body = [8u8, 0, 0, 0, 0x12, 0x34, 0, 1, 0xaa, 0xbb, 0xcc];
        let sum = checksum::checksum(&body);
        body[2..4].copy_from_slice(&sum.to_be_bytes());
        let pool = pool();
        let mut e: ICMPPingResponder = configure("", ports(2)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            e.push(0, ip_packet(&pool, &echo(0xe0ff, &body)), &mut out, cx);
        });
        let reply = out.port(0)[0].data();
        let v = Ipv4Packet::new_unchecked(reply);
        assert!(v.verify_checksum());
        assert_eq!(&reply[IP_FLAGS_FRAG], &[0, 0]);
        assert_eq!(
            (v.ttl(), v.src_addr()),
            (255, Ipv4Address::new(10, 0, 0, 2))
        );
        let icmp = IcmpPacket::new_unchecked(&reply[20..]);
        assert!(icmp.verify_checksum());
        assert_eq!((icmp.msg_type(), icmp.echo_ident()), (0, 0x1234));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn all_zero_reply_gets_checksum_ffff() {
        // Type 8, checksum 0xF7FF: after the update the message is all zeros but the sum.
        let pool = pool();
        let mut e: ICMPPingResponder = configure("", ports(1)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            let ip = echo(0, &[8, 0, 0xf7, 0xff, 0, 0, 0, 0]);
            e.push(0, ip_packet(&pool, &ip), &mut out, cx);
        });
        assert_eq!(
            &out.port(0)[0].data()[20..],
            &[0, 0, 0xff, 0xff, 0, 0, 0, 0]
        );
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn non_echo_goes_to_output_1_or_is_dropped() {
        let pool = pool();
        let reply = echo(0, &[0, 0, 0xff, 0xff, 0, 0, 0, 0]);
        let short = echo(0, &[8, 0, 0xf7, 0xff, 0, 0, 0]);
        with_cx(pool, |cx| {
            let mut two: ICMPPingResponder = configure("", ports(2)).unwrap();
            let mut out = Collect::new();
            two.push(0, ip_packet(&pool, &reply), &mut out, cx);
            two.push(0, ip_packet(&pool, &short), &mut out, cx);
            two.push(0, pool.packet(&reply).unwrap().into(), &mut out, cx);
            assert_eq!((out.count(0), out.count(1)), (0, 3));
            let mut one: ICMPPingResponder = configure("", ports(1)).unwrap();
            let mut out = Collect::new();
            one.push(0, ip_packet(&pool, &reply), &mut out, cx);
            assert_eq!(out.total(), 0);
            // Pull: echo answered, others dropped.
            let mut feed = Feed::new();
            feed.add(0, ip_packet(&pool, &reply));
            feed.add(
                0,
                ip_packet(&pool, &echo(0, &[8, 0, 0xf7, 0xff, 0, 0, 0, 0])),
            );
            assert!(one.pull(0, &mut feed, cx).is_none());
            assert!(one.pull(0, &mut feed, cx).is_some());
        });
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<ICMPPingResponder>("1", ports(1)).is_err());
    }

    #[test]
    fn shared_request_is_copied_before_writing() {
        let pool = pool();
        let ip = echo(0, &[8, 0, 0xf7, 0xff, 0, 0, 0, 0]);
        let (keep, copy) = ip_packet(&pool, &ip).share();
        let mut e: ICMPPingResponder = configure("", ports(1)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| e.push(0, copy, &mut out, cx));
        assert_eq!(keep.data(), &ip[..]);
        assert_ne!(out.port(0)[0].data(), &ip[..]);
        drop((keep, out));
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..80),
            hl in 0usize..64,
        ) {
            let pool = pool();
            let mut e: ICMPPingResponder = configure("", ports(2)).unwrap();
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
