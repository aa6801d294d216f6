//! `UDPRewriter`: rewrites UDP (and TCP, DCCP) packets' addresses and ports, keeping a mapping table.

use super::iprw_base::{rewriter_element, Kind, Rewriter};

/// Rewrites UDP (and TCP, DCCP) packets' addresses and ports, keeping a mapping table.
///
/// # Synopsis
///
/// ```text
/// UDPRewriter(INPUTSPEC1, ..., INPUTSPECn [, keywords TIMEOUT, STREAMING_TIMEOUT, GUARANTEE,
///             REAP_INTERVAL, MAPPING_CAPACITY, DST_ANNO])
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
/// Like IPRewriter, but every flow is a UDP-like flow: ports are rewritten for TCP, UDP and
/// DCCP, the TCP checksum is updated when 18 bytes are present, the UDP checksum unless it
/// is zero. Flows time out after TIMEOUT (UDP_TIMEOUT, 5 minutes), or STREAMING_TIMEOUT
/// once three packets went by with at least one reply. Each packet guarantees its mapping
/// for GUARANTEE (UDP_GUARANTEE, 5 seconds).
///
/// INPUTSPECs, keywords shared with IPRewriter (MAPPING_CAPACITY, GUARANTEE, REAP_INTERVAL)
/// and the bounded flow table work as IPRewriter describes.
///
/// # Example
///
/// ```text
/// rw :: UDPRewriter(pattern 198.51.100.1 1024-65535 - - 0 1, drop);
/// // UDP packets from 10.0.0.2 port 1234 to 203.0.113.5 port 53, from the inside
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 34 c5 0a 00 00 02
///                       cb 00 71 05 04 d2 00 35 00 0c d5 f6 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> [0]rw;
/// rw[0] -> out :: Counter      // from 198.51.100.1 port 1234
///       -> IPMirror -> [1]rw;  // mirrored: the reply from outside
/// rw[1] -> IPFilter(allow dst 10.0.0.2 && dst port 1234)   // replies rewritten back
///       -> back :: Counter -> Discard;   // back.count is 3
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
/// IPRewriter, TCPRewriter.
#[derive(Debug)]
pub struct UDPRewriter {
    rw: Rewriter,
}

rewriter_element!(UDPRewriter, "UDPRewriter", Kind::Udp, ["table" => 0, "mappings" => 0], [HandlerSpec::read("table", "the mapping table, one mapping per line"), HandlerSpec::read("mappings", "deprecated name of table")]);

#[cfg(test)]
mod tests {
    use super::*;

    use crate::element::{Context, NoLog};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    use super::super::test_packets::*;

    const CLIENT: [u8; 4] = [10, 0, 0, 2];
    const SERVER: [u8; 4] = [203, 0, 113, 5];
    const PUBLIC: [u8; 4] = [198, 51, 100, 1];

    #[test]
    fn rewrites_datagram_outbound_and_reply_back() {
        let doc = [
            0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x34, 0xc5, 0x0a, 0x00,
            0x00, 0x02, 0xcb, 0x00, 0x71, 0x05, 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0xd5, 0xf6,
            0x70, 0x69, 0x6e, 0x67,
        ];
        assert_eq!(ip(CLIENT, SERVER, 17, &udp(1234, 53)), doc);
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut rw: UDPRewriter = setup("pattern 198.51.100.1 40000-40003# - - 0 1, drop", &mut cx);
        let (port, got) = push_one(&mut rw, 0, &frame(&doc), &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 17, &udp(40000, 53))));
        let reply = frame(&ip(SERVER, PUBLIC, 17, &udp(53, 40000)));
        let (port, got) = push_one(&mut rw, 1, &reply, &pool, &mut cx);
        assert_eq!(port, 1);
        assert_eq!(got, frame(&ip(SERVER, CLIENT, 17, &udp(53, 1234))));
        // A second flow from the same client gets the next port of the range.
        let second = frame(&ip(CLIENT, SERVER, 17, &udp(1235, 53)));
        let (port, got) = push_one(&mut rw, 0, &second, &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 17, &udp(40001, 53))));
        assert_eq!(pool.in_flight(), 0);
    }
}
