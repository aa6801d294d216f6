//! `SetTCPChecksum`: computes and stores the TCP checksum.

use super::pseudo_header::transport_checksum;
use crate::element::args::{Args, ConfigError};
use crate::element::{
    ConfigContext, Context, Element, Handlers, Input, Level, Output, PortCount, ProcessingSpec,
};
use crate::packet::{Packet, WritablePacket};
use crate::wire::ipv4::{self, Ipv4Packet};
use crate::wire::tcp::{self, TcpPacket};

/// The TCP byte holding the data offset in its high nibble (RFC 9293); FIXOFF rewrites the
/// nibble and, like Click's bitfield store, keeps the reserved bits in the low one. The TCP
/// view's `set_header_len` clears them.
const TCP_DATA_OFFSET_BYTE: usize = 12;

/// Sets the TCP checksum of TCP/IP packets.
///
/// # Synopsis
///
/// ```text
/// SetTCPChecksum([FIXOFF])
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
/// Expects TCP/IP packets whose network header is marked. Computes the TCP checksum over
/// the IP payload (IP total length less the IP header; the pseudo-header's destination is
/// the last hop of a source route option, if any) and stores it. Like Click, it does not
/// look at the fragment fields: a non-first fragment gets a "checksum" written 16 bytes
/// into its payload.
///
/// A packet whose IP payload is shorter than 20 bytes or longer than the bytes after its
/// IP header is dropped with the warning `bad lengths`.
///
/// With `FIXOFF true`, a data offset below 5 words is set to 5 and, for unfragmented
/// packets, one past the IP payload is set to the payload length in words, before the
/// checksum is computed.
///
/// # Example
///
/// ```text
/// // a TCP SYN whose IP and TCP checksums are zero
/// InfiniteSource(DATA \<45 00 00 28 00 01 00 00 40 06 00 00 c0 00 02 0a c6 33 64 14
///                       04 d2 00 50 00 00 00 01 00 00 00 00 50 02 20 00 00 00 00 00>,
///                LIMIT 3, STOP true)
///     -> MarkIPHeader -> SetIPChecksum -> SetTCPChecksum
///     -> CheckTCPHeader -> c :: Counter -> Discard;   // the checksums are now right: c.count is 3
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// CheckTCPHeader, SetIPChecksum, CheckIPHeader, SetUDPChecksum.
#[derive(Debug)]
pub struct SetTCPChecksum {
    name: alloc::string::String,
    fixoff: bool,
}

impl SetTCPChecksum {
    /// Sets the checksum of `p`, or gives it back if its lengths are bad.
    fn fix(&self, p: Packet, cx: &Context<'_>) -> Option<Packet> {
        let Ok(mut q) = p.make_unique(cx.pool()) else {
            return None;
        };
        if self.set_checksum(&mut q) {
            Some(q.into())
        } else {
            None
        }
    }

    /// Click's `SetTCPChecksum::simple_action` on a writable packet; false for bad lengths.
    fn set_checksum(&self, q: &mut WritablePacket) -> bool {
        let Some(net) = q.network_header() else {
            return false;
        };
        if net.len() < ipv4::HEADER_LEN {
            return false;
        }
        let ip = Ipv4Packet::new_unchecked(net);
        let Some(plen) = usize::from(ip.total_len()).checked_sub(ip.header_len()) else {
            return false;
        };
        let is_fragment = ip.is_fragment();
        let header_len = ip.header_len();
        // An IHL under 5 (MarkIPHeader trusts it) leaves no room for the addresses the
        // pseudo-header needs.
        if header_len < ipv4::HEADER_LEN {
            return false;
        }
        let Some(transport_len) = q.transport_header().map(<[u8]>::len) else {
            return false;
        };
        if plen < tcp::HEADER_LEN || plen > transport_len {
            return false;
        }
        // The IP header bytes are needed while the TCP bytes change: split the buffer.
        let Some(net) = q.network_header_mut() else {
            return false;
        };
        let (ip_bytes, segment) = net.split_at_mut(header_len.min(net.len()));
        // MarkIPHeader puts the transport header right after the IP header.
        let Some(segment) = segment.get_mut(..plen) else {
            return false;
        };
        if self.fixoff {
            let off = TcpPacket::new_unchecked(&*segment).header_len();
            let byte = &mut segment[TCP_DATA_OFFSET_BYTE];
            if off < tcp::HEADER_LEN {
                *byte = (*byte & 0x0f) | ((tcp::HEADER_LEN as u8 / 4) << 4);
            } else if off > plen && !is_fragment {
                *byte = (*byte & 0x0f) | (((plen / 4) as u8) << 4);
            }
        }
        let mut tcph = TcpPacket::new_unchecked(&mut *segment);
        tcph.set_checksum(0);
        let ip = Ipv4Packet::new_unchecked(&*ip_bytes);
        let sum = transport_checksum(&ip, segment);
        TcpPacket::new_unchecked(segment).set_checksum(sum);
        true
    }
}

impl Element for SetTCPChecksum {
    const CLASS: &'static str = "SetTCPChecksum";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let fixoff = args.positional::<bool>("FIXOFF").unwrap_or(false);
        args.finish()?;
        Ok(SetTCPChecksum {
            name: alloc::string::String::from(cx.name),
            fixoff,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        match self.fix(p, cx) {
            Some(q) => out.push(0, q, cx),
            None => self.bad(cx),
        }
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        let q = self.fix(p, cx);
        if q.is_none() {
            self.bad(cx);
        }
        q
    }
}

impl SetTCPChecksum {
    /// Click warns on every bad packet.
    fn bad(&self, cx: &mut Context<'_>) {
        cx.log(Level::Warning, &self.name, format_args!("bad lengths"));
    }
}

impl Handlers for SetTCPChecksum {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::Ports;
    use crate::icmp::test_support::{ip_of, ip_packet, pcap_frames, pool, with_cx};
    use crate::tcpudp::SetUDPChecksum;
    use crate::wire::ipv4::protocol;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn ports(outputs: usize) -> Ports {
        Ports { inputs: 1, outputs }
    }

    /// Corpus 12, path B: MarkIPHeader, SetIPChecksum, then SetTCPChecksum or
    /// SetUDPChecksum by protocol; other protocols pass.
    #[test]
    fn corpus_12_checksums() {
        let input = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "in.pcap",
        ));
        let fixed = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "out-fixed.pcap",
        ));
        let unfixable = pcap_frames(&crate::element::testing::corpus_file(
            "12-checksums",
            "out-udp-unfixable.pcap",
        ));
        let pool = pool();
        let mut st: SetTCPChecksum = configure("", ports(1)).unwrap();
        let mut su: SetUDPChecksum = configure("", ports(2)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            for frame in &input {
                let mut ip = ip_of(frame).to_vec();
                let hl = usize::from(ip[0] & 0x0f) * 4;
                Ipv4Packet::new_unchecked(&mut ip[..hl]).fill_checksum();
                let p = ip_packet(&pool, &ip);
                match ip[9] {
                    protocol::TCP => st.push(0, p, &mut out, cx),
                    protocol::UDP => su.push(0, p, &mut out, cx),
                    _ => out.push(0, p, cx),
                }
            }
        });
        assert_eq!(out.count(0), fixed.len());
        for (i, (got, want)) in out.port(0).iter().zip(&fixed).enumerate() {
            assert_eq!(got.data(), ip_of(want), "fixed packet {i}");
        }
        assert_eq!(out.count(1), unfixable.len());
        for (got, want) in out.port(1).iter().zip(&unfixable) {
            assert_eq!(got.data(), ip_of(want));
        }
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    fn tcp_ip(th_off: u8, total: usize, frame: usize) -> Vec<u8> {
        let mut ip = alloc::vec![0u8; frame];
        ip[..20].copy_from_slice(&[
            0x45, 0, 0, 0, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        ip[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        ip[20 + 12] = th_off << 4 | 0x0a;
        ip
    }

    #[test]
    fn fixoff_keeps_reserved_bits() {
        let pool = pool();
        let mut e: SetTCPChecksum = configure("true", ports(1)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            e.push(0, ip_packet(&pool, &tcp_ip(2, 40, 40)), &mut out, cx);
            e.push(0, ip_packet(&pool, &tcp_ip(15, 44, 44)), &mut out, cx);
            // Bad lengths: IP payload shorter than 20, or longer than the packet.
            e.push(0, ip_packet(&pool, &tcp_ip(5, 30, 40)), &mut out, cx);
            e.push(0, ip_packet(&pool, &tcp_ip(5, 60, 40)), &mut out, cx);
            e.push(
                0,
                pool.packet(&tcp_ip(5, 40, 40)).unwrap().into(),
                &mut out,
                cx,
            );
            let mut feed = Feed::new();
            feed.add(0, ip_packet(&pool, &tcp_ip(5, 10, 40)));
            assert!(e.pull(0, &mut feed, cx).is_none());
        });
        assert_eq!(out.count(0), 2);
        assert_eq!(out.port(0)[0].data()[32], 0x5a);
        assert_eq!(out.port(0)[1].data()[32], 0x6a);
        for p in out.port(0) {
            let ip = Ipv4Packet::new_unchecked(p.data());
            assert_eq!(transport_checksum(&ip, &p.data()[20..]), 0);
        }
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        assert!(configure::<SetTCPChecksum>("maybe", ports(1)).is_err());
    }

    /// Fuzz finding: a marked header whose IHL is 0 made the IP view empty, and the
    /// pseudo-header's address read panicked. Such packets are bad lengths now.
    #[test]
    fn ihl_below_five_is_a_bad_length() {
        let pool = pool();
        let mut st: SetTCPChecksum = configure("", ports(1)).unwrap();
        let mut su: SetUDPChecksum = configure("", ports(2)).unwrap();
        let mut out = Collect::new();
        with_cx(pool, |cx| {
            for ihl in 0..5u8 {
                let mut ip = tcp_ip(5, 40, 40);
                ip[0] = 0x40 | ihl;
                st.push(0, ip_packet(&pool, &ip), &mut out, cx);
                ip[9] = protocol::UDP;
                su.push(0, ip_packet(&pool, &ip), &mut out, cx);
            }
        });
        assert_eq!(out.count(0), 0);
        assert_eq!(out.count(1), 5, "SetUDPChecksum sends them to its output 1");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..100),
            hl in 0usize..64,
            tcp in any::<bool>(),
        ) {
            let pool = pool();
            let mut st: SetTCPChecksum = configure("true", ports(1)).unwrap();
            let mut su: SetUDPChecksum = configure("", ports(2)).unwrap();
            let mut out = Collect::new();
            with_cx(pool, |cx| {
                let mut p = pool.packet(&bytes).unwrap();
                let _ = p.set_network_header(0, hl.min(bytes.len()));
                if tcp {
                    st.push(0, p.into(), &mut out, cx);
                } else {
                    su.push(0, p.into(), &mut out, cx);
                    prop_assert_eq!(out.total(), 1);
                }
                Ok(())
            })?;
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
