//! `IPAddrRewriter`: rewrites packets' source addresses (basic NAT), keeping a mapping table.

use super::iprw_base::{rewriter_element, Kind, Rewriter};

/// Rewrites packets' source addresses (basic NAT), keeping a mapping table.
///
/// # Synopsis
///
/// ```text
/// IPAddrRewriter(INPUTSPEC1, ..., INPUTSPECn [, keywords TIMEOUT, GUARANTEE, REAP_INTERVAL,
///             MAPPING_CAPACITY])
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
/// Maps source addresses only. A packet from SADDR with a mapping gets the mapped source; a
/// packet *to* a mapped address is a reply and gets the original address as destination
/// (and its destination annotation). Patterns have the form `pattern SADDR - FOUTPUT
/// ROUTPUT`, SADDR possibly a range `A-B` or prefix `P/LEN` (`#`, `?` suffixes as in
/// IPRewriter). Checksums (IP, and TCP or UDP of first fragments) are updated
/// incrementally; a zero UDP checksum stays zero. Mappings time out after TIMEOUT (2
/// hours).
///
/// INPUTSPECs, keywords shared with IPRewriter (MAPPING_CAPACITY, GUARANTEE, REAP_INTERVAL)
/// and the bounded flow table work as IPRewriter describes.
///
/// # Example
///
/// ```text
/// rw :: IPAddrRewriter(pattern 198.51.100.1-198.51.100.9 - 0 1, drop);
/// // UDP packets from 10.0.0.2 to 203.0.113.5, from the inside
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 34 c5 0a 00 00 02
///                       cb 00 71 05 04 d2 00 35 00 0c d5 f6 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> [0]rw;
/// rw[0] -> out :: Counter      // from an address in 198.51.100.1-198.51.100.9
///       -> IPMirror -> [1]rw;  // mirrored: the reply from outside
/// rw[1] -> IPFilter(allow dst 10.0.0.2)   // replies rewritten back
///       -> back :: Counter -> Discard;   // back.count is 3
/// ```
///
/// # Handlers
///
/// - `table` (read), `mappings` (read, deprecated): `SADDR => NEWSADDR [ports]` lines.
/// - `nmappings`, `mapping_failures`, `patterns`, `size`, `capacity` (read), `capacity`,
///   `clear` (write), `patternN` (read/write): as IPRewriter.
///
/// # See also
///
/// IPRewriter, IPAddrPairRewriter.
#[derive(Debug)]
pub struct IPAddrRewriter {
    rw: Rewriter,
}

rewriter_element!(IPAddrRewriter, "IPAddrRewriter", Kind::IpAddr, ["table" => 0, "mappings" => 0], [HandlerSpec::read("table", "the mapping table, one mapping per line"), HandlerSpec::read("mappings", "deprecated name of table")]);

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
    fn rewrites_source_address_and_reply_back() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        // `#` picks addresses sequentially, so the first mapping gets 198.51.100.1 (without
        // it the choice in the range is not fixed).
        let mut rw: IPAddrRewriter =
            setup("pattern 198.51.100.1-198.51.100.9# - 0 1, drop", &mut cx);
        // UDP: addresses change, ports stay, both checksums follow.
        let out_udp = frame(&ip(CLIENT, SERVER, 17, &udp(1234, 53)));
        let (port, got) = push_one(&mut rw, 0, &out_udp, &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 17, &udp(1234, 53))));
        let reply = frame(&ip(SERVER, PUBLIC, 17, &udp(53, 1234)));
        let (port, got) = push_one(&mut rw, 1, &reply, &pool, &mut cx);
        assert_eq!(port, 1);
        assert_eq!(got, frame(&ip(SERVER, CLIENT, 17, &udp(53, 1234))));
        // TCP from the same client reuses the address mapping; its checksum follows too.
        let out_tcp = frame(&ip(CLIENT, SERVER, 6, &tcp(1234, 80, 0x02)));
        let (port, got) = push_one(&mut rw, 0, &out_tcp, &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 6, &tcp(1234, 80, 0x02))));
        assert_eq!(pool.in_flight(), 0);
    }
}
