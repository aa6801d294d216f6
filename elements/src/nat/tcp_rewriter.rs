//! `TCPRewriter`: rewrites TCP packets' addresses and ports (NAPT), keeping a mapping table.

use super::iprw_base::{rewriter_element, Kind, Rewriter};

/// Rewrites TCP packets' addresses and ports (NAPT), keeping a mapping table.
///
/// # Synopsis
///
/// ```text
/// TCPRewriter(INPUTSPEC1, ..., INPUTSPECn [, keywords TCP_TIMEOUT, TCP_DONE_TIMEOUT,
///             TCP_NODATA_TIMEOUT, TCP_GUARANTEE, REAP_INTERVAL, MAPPING_CAPACITY, DST_ANNO])
/// ```
///
/// # Ports
///
/// One or more inputs, one per INPUTSPEC; one or more outputs.
///
/// # Processing
///
/// Push.
///
/// # Description
///
/// Like IPRewriter, for TCP only: non-TCP packets, non-first fragments and segments under 8
/// bytes leave on a `pass` input's output or are dropped. Flows time out after
/// TCP_NODATA_TIMEOUT (5 minutes) until data was seen both ways, then TCP_TIMEOUT (24
/// hours); after FIN both ways or an RST, TCP_DONE_TIMEOUT (4 minutes). Each packet
/// guarantees its mapping for TCP_GUARANTEE (5 seconds). Click's sequence-number deltas
/// (set by FTPPortMapper) are not supported: no element here requests them.
///
/// INPUTSPECs, keywords shared with IPRewriter (MAPPING_CAPACITY, GUARANTEE, REAP_INTERVAL)
/// and the bounded flow table work as IPRewriter describes.
///
/// # Example
///
/// ```text
/// rw :: TCPRewriter(pattern 198.51.100.1 1024-65535 - - 0 1, drop);
/// // TCP SYNs from 10.0.0.2 port 1234 to 203.0.113.5 port 80, from the inside
/// InfiniteSource(DATA \<45 00 00 28 00 01 00 00 40 06 34 c8 0a 00 00 02 cb 00 71 05
///                       04 d2 00 50 00 00 00 01 00 00 00 00 50 02 20 00 44 b8 00 00>,
///                LIMIT 3, STOP true)
///     -> CheckIPHeader -> [0]rw;
/// rw[0] -> out :: Counter      // from 198.51.100.1 port 1234
///       -> IPMirror -> [1]rw;  // mirrored: the reply from outside
/// rw[1] -> IPFilter(allow dst 10.0.0.2 && dst port 1234)   // replies rewritten back
///       -> CheckTCPHeader -> back :: Counter -> Discard;   // back.count is 3
/// ```
///
/// # Handlers
///
/// - `table` (read), `mappings` (read, deprecated): the mappings, one per line.
/// - `nmappings`, `mapping_failures`, `patterns`, `size`, `capacity` (read), `capacity`,
///   `clear` (write), `patternN` (read/write): as IPRewriter.
///
/// # See also
///
/// IPRewriter, UDPRewriter, IPRewriterPatterns.
#[derive(Debug)]
pub struct TCPRewriter {
    rw: Rewriter,
}

rewriter_element!(TCPRewriter, "TCPRewriter", Kind::Tcp, ["table" => 0, "mappings" => 0], [HandlerSpec::read("table", "the mapping table, one mapping per line"), HandlerSpec::read("mappings", "deprecated name of table")]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::Collect;
    use crate::element::{Context, Element, NoLog};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    use super::super::test_packets::*;

    const CLIENT: [u8; 4] = [10, 0, 0, 2];
    const SERVER: [u8; 4] = [203, 0, 113, 5];
    const PUBLIC: [u8; 4] = [198, 51, 100, 1];

    #[test]
    fn rewrites_syn_outbound_and_reply_back() {
        // The builder reproduces the doc example's SYN byte for byte.
        let doc = [
            0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x34, 0xc8, 0x0a, 0x00,
            0x00, 0x02, 0xcb, 0x00, 0x71, 0x05, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x44, 0xb8, 0x00, 0x00,
        ];
        assert_eq!(ip(CLIENT, SERVER, 6, &tcp(1234, 80, 0x02)), doc);
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut rw: TCPRewriter = setup("pattern 198.51.100.1 40000-40003# - - 0 1, drop", &mut cx);
        let (port, got) = push_one(&mut rw, 0, &frame(&doc), &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 6, &tcp(40000, 80, 0x02))));
        // The SYN-ACK from outside comes back to the client's own address and port.
        let reply = frame(&ip(SERVER, PUBLIC, 6, &tcp(80, 40000, 0x12)));
        let (port, got) = push_one(&mut rw, 1, &reply, &pool, &mut cx);
        assert_eq!(port, 1);
        assert_eq!(got, frame(&ip(SERVER, CLIENT, 6, &tcp(80, 1234, 0x12))));
        // UDP is not TCPRewriter's business: input 0 has no pass, so it is dropped.
        let mut out = Collect::new();
        let u = frame(&ip(CLIENT, SERVER, 17, &udp(1234, 53)));
        rw.push(0, packet(&pool, &u), &mut out, &mut cx);
        assert_eq!(out.total(), 0);
        assert_eq!(pool.in_flight(), 0);
    }
}
