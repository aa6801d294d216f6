//! `IPRewriter`: rewrites TCP and UDP packets' addresses and ports (NAPT).

use super::iprw_base::{rewriter_element, Kind, Rewriter};

/// Rewrites TCP and UDP packets' addresses and ports, keeping a table of mappings (a
/// network address and port translator).
///
/// # Synopsis
///
/// ```text
/// IPRewriter(INPUTSPEC1, ..., INPUTSPECn [, keywords TCP_TIMEOUT, TCP_DONE_TIMEOUT,
///            TCP_NODATA_TIMEOUT, TCP_GUARANTEE, UDP_TIMEOUT, UDP_STREAMING_TIMEOUT,
///            UDP_GUARANTEE, REAP_INTERVAL, MAPPING_CAPACITY, DST_ANNO])
/// ```
///
/// # Ports
///
/// One input per INPUTSPEC; one or more outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// A mapping rewrites the flow `(SA, SP, DA, DP, PROTO)` into `(SA', SP', DA', DP')` and
/// sends it to an output; its reply flow `(DA', DP', SA', SP')` is rewritten back and sent
/// to the reply output. A packet with a mapping (on any input) follows it; a packet without
/// one is handled by its input's INPUTSPEC:
///
/// - `drop` or `discard`: dropped.
/// - `pass OUTPUT` (`passthrough`, `nochange`): sent unchanged to OUTPUT, no mapping.
/// - `keep FOUTPUT ROUTPUT`: a mapping that changes nothing.
/// - `pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT`: fields are addresses, ports or `-`
///   (unchanged); SPORT may be a range `L-H`. The packet's own source port is preferred if
///   free, otherwise a random free port; with `L-H#` ports are taken in sequence, one
///   counter for all the pattern's flows, wrapping around; with `L-H?` at random. A port is
///   free if no reply mapping uses it towards the same destination address and port. If
///   none is free the packet is dropped (`mapping_failures`).
///
/// Non-TCP/UDP packets, non-first fragments and transport headers under 8 bytes leave on
/// a `pass` input's output, or are dropped. TCP and UDP flows have separate tables. The IP
/// checksum and the TCP or UDP checksum are updated incrementally (RFC 1624), so a bad
/// checksum stays bad and a zero UDP checksum stays zero. Each packet sets the destination
/// address annotation unless `DST_ANNO false`.
///
/// Timeouts: TCP flows expire after TCP_NODATA_TIMEOUT (5 minutes) until payload was seen
/// in both directions, TCP_TIMEOUT (24 hours) after that, and TCP_DONE_TIMEOUT (4 minutes)
/// after FIN in both directions or RST; UDP flows after UDP_TIMEOUT (5 minutes), or
/// UDP_STREAMING_TIMEOUT once streaming. Each packet guarantees its mapping for
/// TCP_GUARANTEE or UDP_GUARANTEE (5 seconds). Expired mappings are reaped every
/// REAP_INTERVAL (15 minutes).
///
/// The table holds at most MAPPING_CAPACITY flows (default 16384, at most 2^20; Click's
/// default is unbounded), allocated at configuration. A new flow beyond it evicts the
/// best-effort flow closest to expiry, or is itself dropped if all flows are guaranteed.
///
/// Not supported: named patterns from IPRewriterPatterns, IPMapper elements, sharing
/// another rewriter's MAPPING_CAPACITY, REPLY_ANNO, and the `tcp_lookup` read handler
/// (handlers here take no parameters). Tables list mappings in this table's own hash
/// order, not Click's.
///
/// # Example
///
/// ```text
/// rw :: IPRewriter(pattern 198.51.100.1 40000-40003# - - 0 1, pass 2);
/// // UDP packets from 10.0.0.2 port 1234 to 203.0.113.5 port 53, from the inside
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 34 c5 0a 00 00 02
///                       cb 00 71 05 04 d2 00 35 00 0c d5 f6 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> [0]rw;
/// rw[0] -> out :: Counter      // from 198.51.100.1 port 40000
///       -> IPMirror -> [1]rw;  // mirrored: the reply from outside
/// rw[1] -> IPFilter(allow dst 10.0.0.2 && dst port 1234)   // replies rewritten back
///       -> back :: Counter -> Discard;   // back.count is 3
/// rw[2] -> Discard;   // unsolicited packets from outside
/// ```
///
/// # Handlers
///
/// - `nmappings` (read): mappings (flows) in the table.
/// - `mapping_failures` (read): flows that could not get a mapping.
/// - `size` (read): flows in the flow set; `capacity` (read/write): its capacity (writes
///   up to the allocated MAPPING_CAPACITY).
/// - `clear` (write): removes every mapping.
/// - `patterns` (read): each input's spec, with its flow count in brackets.
/// - `patternN` (read/write): input N's spec; writing replaces it and removes its flows.
/// - `tcp_table`, `udp_table` (read), and deprecated `tcp_mappings`, `udp_mappings`: one
///   mapping per line, `(SA, SP, DA, DP) => (SA', SP', DA', DP') [*F R] iN expS`.
///
/// # See also
///
/// TCPRewriter, UDPRewriter, IPAddrRewriter, IPAddrPairRewriter, ICMPPingRewriter,
/// IPRewriterPatterns.
#[derive(Debug)]
pub struct IPRewriter {
    rw: Rewriter,
}

rewriter_element!(
    IPRewriter,
    "IPRewriter",
    Kind::Ip,
    ["tcp_table" => 0, "udp_table" => 1, "tcp_mappings" => 0, "udp_mappings" => 1],
    [
        HandlerSpec::read("tcp_table", "the TCP mappings, one per line"),
        HandlerSpec::read("udp_table", "the UDP mappings, one per line"),
        HandlerSpec::read("tcp_mappings", "deprecated name of tcp_table"),
        HandlerSpec::read("udp_mappings", "deprecated name of udp_table")
    ]
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect};
    use crate::element::{Context, Element, HandlerContext, Handlers, NoLog, Ports};
    use crate::packet::{Packet, Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// The frames of a pcap file (either timestamp resolution), in order.
    fn pcap_frames(file: &[u8]) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        let mut off = 24;
        while off + 16 <= file.len() {
            let caplen = u32::from_le_bytes(file[off + 8..off + 12].try_into().unwrap()) as usize;
            off += 16;
            frames.push(file[off..off + caplen].to_vec());
            off += caplen;
        }
        frames
    }

    const PORTS3: Ports = Ports {
        inputs: 2,
        outputs: 3,
    };
    const NAPT: &str = "pattern 198.51.100.1 40000-40003# - - 0 1, pass 2";

    fn hcx() -> HandlerContext {
        HandlerContext {
            now: Timestamp::SIMULATED_EPOCH,
        }
    }

    fn ip_packet(pool: &Pool, frame: &[u8], strip: usize) -> Packet {
        let mut p = pool.packet(frame).unwrap();
        p.pull(strip).unwrap();
        let ihl = usize::from(p.data()[0] & 15) * 4;
        p.set_network_header(0, ihl).unwrap();
        p.into()
    }

    fn ether(dst: [u8; 6], src: [u8; 6], ip: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&dst);
        v.extend_from_slice(&src);
        v.extend_from_slice(&[8, 0]);
        v.extend_from_slice(ip);
        v
    }

    /// Corpus case 07-iprewriter-napt, with its graph emulated: Classifier(12/0800) ->
    /// Strip(14) -> CheckIPHeader -> IPClassifier(src net 10.0.0.0/8, dst host
    /// 198.51.100.1, -) -> rw; rw[0] and rw[1] -> EtherEncap; rw[2] -> Unstrip(14).
    #[test]
    fn corpus_07_iprewriter_napt() {
        let input = pcap_frames(&crate::element::testing::corpus_file(
            "07-iprewriter-napt",
            "in.pcap",
        ));
        let want = [
            pcap_frames(&crate::element::testing::corpus_file(
                "07-iprewriter-napt",
                "out0-outbound.pcap",
            )),
            pcap_frames(&crate::element::testing::corpus_file(
                "07-iprewriter-napt",
                "out1-inbound.pcap",
            )),
            pcap_frames(&crate::element::testing::corpus_file(
                "07-iprewriter-napt",
                "out2-unsolicited.pcap",
            )),
        ];
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut rw: IPRewriter = configure(NAPT, PORTS3).unwrap();
        rw.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        let mut other = 0;
        for frame in &input {
            assert_eq!(&frame[12..14], &[8, 0]);
            let ip = &frame[14..];
            let (src, dst) = (&ip[12..16], &ip[16..20]);
            let port = if src[0] == 10 {
                0
            } else if dst == [198, 51, 100, 1] {
                1
            } else {
                other += 1;
                continue;
            };
            rw.push(port, ip_packet(&pool, frame, 14), &mut out, &mut cx);
        }
        let got: [Vec<Vec<u8>>; 3] = [
            out.port(0)
                .iter()
                .map(|p| ether([2, 0, 0, 0, 0x0b, 0xfe], [2, 0, 0, 0, 1, 1], p.data()))
                .collect(),
            out.port(1)
                .iter()
                .map(|p| ether([2, 0, 0, 0, 0x0a, 2], [2, 0, 0, 0, 0, 1], p.data()))
                .collect(),
            out.port(2)
                .iter()
                .map(|p| {
                    let mut v = alloc::vec![0u8; 14];
                    v.extend_from_slice(p.data());
                    v
                })
                .collect(),
        ];
        // Unstrip(14) brings back the frame's own Ethernet header.
        let mut got = got;
        for g in &mut got[2] {
            let orig = input.iter().find(|f| f[14..] == g[14..]).unwrap();
            g[..14].copy_from_slice(&orig[..14]);
        }
        for port in 0..3 {
            assert_eq!(got[port].len(), want[port].len(), "output {port} count");
            for (i, (g, w)) in got[port].iter().zip(&want[port]).enumerate() {
                assert_eq!(g, w, "output {port} packet {i}");
            }
        }
        assert_eq!(other, 1);
        assert_eq!(rw.read_handler("nmappings", &hcx()).unwrap(), "7");
        assert_eq!(rw.read_handler("mapping_failures", &hcx()).unwrap(), "1");
        assert_eq!(
            rw.read_handler("patterns", &hcx()).unwrap(),
            "198.51.100.1 40000-40003 - - [7]\n<nochange>"
        );
        let tcp = rw.read_handler("tcp_table", &hcx()).unwrap();
        assert_eq!(tcp.lines().count(), 10, "{tcp}");
        assert!(tcp.contains(
            "(10.0.0.2, 40000, 203.0.113.10, 80) => (198.51.100.1, 40000, 203.0.113.10, 80) [*0 1] i0 exp"
        ));
        let udp = rw.read_handler("udp_table", &hcx()).unwrap();
        assert!(udp.contains(
            "(203.0.113.53, 53, 198.51.100.1, 40003) => (203.0.113.53, 53, 10.0.0.4, 5001) [0 *1] i0 exp"
        ));
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn configuration_errors_are_located() {
        let p = |i, o| Ports {
            inputs: i,
            outputs: o,
        };
        assert!(configure::<IPRewriter>("keep 0 1, drop", p(2, 2)).is_ok());
        let err = configure::<IPRewriter>("keep 0 5, bogus, pass", p(3, 2)).unwrap_err();
        let msgs: Vec<&str> = err.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "input spec 0: output port out of range",
                "input spec 1: unknown specification"
            ]
        );
        let config = "drop, pattern 1.2.3.4 x - - 0 0";
        let err = configure::<IPRewriter>(config, p(2, 1)).unwrap_err();
        assert_eq!(err.errors[0].message, "input spec 1: bad source port");
        assert_eq!(err.errors[0].span.start, 6);
        let err = configure::<IPRewriter>("drop", p(2, 1)).unwrap_err();
        assert_eq!(
            err.errors[0].message,
            "need 2 arguments, one per input port"
        );
        let err = configure::<IPRewriter>("drop, MAPPING_CAPACITY x", p(1, 1)).unwrap_err();
        assert_eq!(err.errors[0].message, "bad MAPPING_CAPACITY");
        assert!(configure::<IPRewriter>(
            "drop, TCP_TIMEOUT 10, UDP_TIMEOUT 5, MAPPING_CAPACITY 4",
            p(1, 1)
        )
        .is_ok());
    }

    fn tcp_syn(sport: u16, dst: [u8; 4]) -> Vec<u8> {
        let mut ip = alloc::vec![
            0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 2, dst[0], dst[1], dst[2], dst[3]
        ];
        let mut tcp = alloc::vec![0u8; 20];
        tcp[0..2].copy_from_slice(&sport.to_be_bytes());
        tcp[2..4].copy_from_slice(&80u16.to_be_bytes());
        tcp[12] = 0x50;
        tcp[13] = 0x02;
        ip.extend_from_slice(&tcp);
        ip
    }

    #[test]
    fn capacity_evicts_and_timers_reap() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(1000), pool, &mut log);
        let config = "pattern 9.9.9.9 1000-1999# - - 0 0, MAPPING_CAPACITY 3, TCP_GUARANTEE 0, REAP_INTERVAL 1";
        let mut rw: IPRewriter = configure(
            config,
            Ports {
                inputs: 1,
                outputs: 1,
            },
        )
        .unwrap();
        rw.initialize(&mut cx).unwrap();
        assert_eq!(rw.next_timer(), Some(Timestamp::from_secs(1001)));
        let mut out = Collect::new();
        for i in 0..5u8 {
            let frame = tcp_syn(2000 + u16::from(i), [1, 1, 1, i]);
            rw.push(0, ip_packet(&pool, &frame, 0), &mut out, &mut cx);
        }
        assert_eq!(out.count(0), 5);
        assert_eq!(rw.read_handler("nmappings", &hcx()).unwrap(), "3");
        assert_eq!(rw.read_handler("size", &hcx()).unwrap(), "3");
        // No-data TCP flows expire after 5 minutes.
        cx.set_now(Timestamp::from_secs(1000 + 301));
        rw.run_timer(&mut out, &mut cx);
        assert_eq!(rw.read_handler("nmappings", &hcx()).unwrap(), "0");
        rw.write_handler("capacity", "2", &hcx()).unwrap();
        assert_eq!(rw.read_handler("capacity", &hcx()).unwrap(), "2");
        assert!(rw.write_handler("capacity", "9", &hcx()).is_err());
        rw.write_handler("pattern0", "drop", &hcx()).unwrap();
        assert_eq!(rw.read_handler("pattern0", &hcx()).unwrap(), "<drop>");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn clear_flushes_every_mapping_and_new_flows_map_again() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(1000), pool, &mut log);
        let one = Ports {
            inputs: 1,
            outputs: 1,
        };
        let mut rw: IPRewriter = configure("pattern 9.9.9.9 1000-1999# - - 0 0", one).unwrap();
        rw.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        for i in 0..3u8 {
            let frame = tcp_syn(2000 + u16::from(i), [1, 1, 1, i]);
            rw.push(0, ip_packet(&pool, &frame, 0), &mut out, &mut cx);
        }
        assert_eq!(rw.read_handler("nmappings", &hcx()).unwrap(), "3");
        rw.write_handler("clear", "", &hcx()).unwrap();
        assert_eq!(rw.read_handler("nmappings", &hcx()).unwrap(), "0");
        assert_eq!(rw.read_handler("tcp_table", &hcx()).unwrap(), "");
        let frame = tcp_syn(2000, [1, 1, 1, 0]);
        rw.push(0, ip_packet(&pool, &frame, 0), &mut out, &mut cx);
        assert_eq!(rw.read_handler("nmappings", &hcx()).unwrap(), "1");
        assert_eq!(out.count(0), 4);
        drop(out);
        assert_eq!(pool.in_flight(), 0);
    }

    proptest! {
        #[test]
        fn random_traffic_never_panics_and_stays_bounded(
            packets in proptest::collection::vec(
                (0usize..2, proptest::collection::vec(any::<u8>(), 0..80), any::<u8>(), any::<u16>()),
                1..60,
            )
        ) {
            let pool = Pool::new(PoolConfig::with_slots(32)).unwrap();
            let mut log = NoLog;
            let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
            let config = "pattern 9.9.9.9 1000-1003# - - 0 1, pattern 8.8.8.8 - - - 1 0, MAPPING_CAPACITY 5";
            let mut rw: IPRewriter = configure(config, Ports { inputs: 2, outputs: 2 }).unwrap();
            let mut out = Collect::new();
            for (port, mut bytes, proto, ports) in packets {
                // Mostly IPv4-shaped headers so the rewriting paths run.
                if bytes.len() >= 20 {
                    bytes[0] = 0x45;
                    bytes[9] = [6, 17, 1, proto][usize::from(proto % 4)];
                    bytes[6] &= 0x3f;
                    if proto % 3 == 0 { bytes[7] = 0; bytes[6] = 0; }
                    bytes[12] = 10;
                    if bytes.len() >= 24 {
                        bytes[20..22].copy_from_slice(&(ports % 8).to_be_bytes());
                    }
                }
                let mut p = pool.packet(&bytes).unwrap();
                let _ = p.set_network_header(0, 20.min(bytes.len()));
                rw.push(port, p.into(), &mut out, &mut cx);
                prop_assert!(rw.rw.table.size() <= 5);
                out.ports.clear();
            }
            let _ = rw.read_handler("tcp_table", &hcx());
            drop(out);
            prop_assert_eq!(pool.in_flight(), 0);
        }
    }
}
