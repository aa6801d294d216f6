//! `IPAddrPairRewriter`: rewrites packets' source and destination address pairs, keeping a mapping table.

use super::iprw_base::{rewriter_element, Kind, Rewriter};

/// Rewrites packets' source and destination address pairs, keeping a mapping table.
///
/// # Synopsis
///
/// ```text
/// IPAddrPairRewriter(INPUTSPEC1, ..., INPUTSPECn [, keywords TIMEOUT, GUARANTEE,
///             REAP_INTERVAL, MAPPING_CAPACITY])
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
/// Maps (source, destination) address pairs; ports are left alone. Patterns have the form
/// `pattern SADDR DADDR FOUTPUT ROUTPUT`. Checksums are updated incrementally as in
/// IPAddrRewriter. Mappings time out after TIMEOUT (2 hours).
///
/// INPUTSPECs, keywords shared with IPRewriter (MAPPING_CAPACITY, GUARANTEE, REAP_INTERVAL)
/// and the bounded flow table work as IPRewriter describes.
///
/// # Example
///
/// ```text
/// rw :: IPAddrPairRewriter(pattern 198.51.100.1 - 0 1, drop);
/// // UDP packets from 10.0.0.2 to 203.0.113.5, from the inside
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 11 34 c5 0a 00 00 02
///                       cb 00 71 05 04 d2 00 35 00 0c d5 f6 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> [0]rw;
/// rw[0] -> out :: Counter      // from 198.51.100.1
///       -> IPMirror -> [1]rw;  // mirrored: the reply from outside
/// rw[1] -> IPFilter(allow src 203.0.113.5 && dst 10.0.0.2)   // replies rewritten back
///       -> back :: Counter -> Discard;   // back.count is 3
/// ```
///
/// # Handlers
///
/// - `table` (read), `mappings` (read, deprecated): `(S, D) => (S', D') [ports]` lines.
/// - `nmappings`, `mapping_failures`, `patterns`, `size`, `capacity` (read), `capacity`,
///   `clear` (write), `patternN` (read/write): as IPRewriter.
///
/// # See also
///
/// IPAddrRewriter, IPRewriter.
#[derive(Debug)]
pub struct IPAddrPairRewriter {
    rw: Rewriter,
}

rewriter_element!(IPAddrPairRewriter, "IPAddrPairRewriter", Kind::IpAddrPair, ["table" => 0, "mappings" => 0], [HandlerSpec::read("table", "the mapping table, one mapping per line"), HandlerSpec::read("mappings", "deprecated name of table")]);

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
    fn rewrites_address_pair_and_reply_back() {
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut rw: IPAddrPairRewriter = setup("pattern 198.51.100.1 - 0 1, drop", &mut cx);
        let out_udp = frame(&ip(CLIENT, SERVER, 17, &udp(1234, 53)));
        let (port, got) = push_one(&mut rw, 0, &out_udp, &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 17, &udp(1234, 53))));
        let reply = frame(&ip(SERVER, PUBLIC, 17, &udp(53, 1234)));
        let (port, got) = push_one(&mut rw, 1, &reply, &pool, &mut cx);
        assert_eq!(port, 1);
        assert_eq!(got, frame(&ip(SERVER, CLIENT, 17, &udp(53, 1234))));
        // An unmapped packet arriving on input 1 hits its `drop` spec.
        let mut out = Collect::new();
        let stray = frame(&ip([192, 0, 2, 7], PUBLIC, 17, &udp(53, 1234)));
        rw.push(1, packet(&pool, &stray), &mut out, &mut cx);
        assert_eq!(out.total(), 0);
        assert_eq!(pool.in_flight(), 0);
    }
}
