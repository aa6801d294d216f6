//! `ICMPPingRewriter`: rewrites ICMP echo requests and replies: addresses and identifiers.

use super::iprw_base::{rewriter_element, Kind, Rewriter};

/// Rewrites ICMP echo requests and replies: addresses and identifiers.
///
/// # Synopsis
///
/// ```text
/// ICMPPingRewriter(INPUTSPEC1, ..., INPUTSPECn [, keywords TIMEOUT, GUARANTEE, REAP_INTERVAL,
///             MAPPING_CAPACITY, DST_ANNO])
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
/// Echo requests without a mapping are handled by their input's spec; the pattern's source
/// port range picks the new identifier. Replies to a rewritten request are rewritten back.
/// Echo replies without a mapping, other ICMP, non-ICMP and non-first fragments leave on a
/// `pass` input's output or are dropped. The ICMP checksum is updated incrementally (an
/// all-zero message checksums to 0xFFFF, as Click fixes it). Mappings time out after
/// TIMEOUT (5 minutes).
///
/// INPUTSPECs, keywords shared with IPRewriter (MAPPING_CAPACITY, GUARANTEE, REAP_INTERVAL)
/// and the bounded flow table work as IPRewriter describes.
///
/// # Example
///
/// ```text
/// rw :: ICMPPingRewriter(pattern 198.51.100.1 1024-65535# - - 0 1, drop);
/// // ICMP echo requests from 10.0.0.2 (identifier 1) to 203.0.113.5, from the inside
/// InfiniteSource(DATA \<45 00 00 20 00 01 00 00 40 01 34 d5 0a 00 00 02
///                       cb 00 71 05 08 00 19 2d 00 01 00 01 70 69 6e 67>, LIMIT 3, STOP true)
///     -> CheckIPHeader -> [0]rw;
/// rw[0] -> out :: Counter               // from 198.51.100.1 with identifier 1024
///       -> ICMPPingResponder -> [1]rw;  // 203.0.113.5 answers
/// rw[1] -> IPFilter(allow dst 10.0.0.2) -> CheckICMPHeader
///       -> back :: Counter -> Discard;  // replies rewritten back: back.count is 3
/// ```
///
/// # Handlers
///
/// - `table` (read), `mappings` (read, deprecated): `(S, D, ID) => (S', D', ID') [ports]` lines.
/// - `nmappings`, `mapping_failures`, `patterns`, `size`, `capacity` (read), `capacity`,
///   `clear` (write), `patternN` (read/write): as IPRewriter.
///
/// # See also
///
/// IPRewriter, ICMPPingResponder.
#[derive(Debug)]
pub struct ICMPPingRewriter {
    rw: Rewriter,
}

rewriter_element!(ICMPPingRewriter, "ICMPPingRewriter", Kind::IcmpPing, ["table" => 0, "mappings" => 0], [HandlerSpec::read("table", "the mapping table, one mapping per line"), HandlerSpec::read("mappings", "deprecated name of table")]);

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
    fn rewrites_echo_request_and_reply_back() {
        let doc = [
            0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x34, 0xd5, 0x0a, 0x00,
            0x00, 0x02, 0xcb, 0x00, 0x71, 0x05, 0x08, 0x00, 0x19, 0x2d, 0x00, 0x01, 0x00, 0x01,
            0x70, 0x69, 0x6e, 0x67,
        ];
        assert_eq!(ip(CLIENT, SERVER, 1, &echo(8, 1)), doc);
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut rw: ICMPPingRewriter =
            setup("pattern 198.51.100.1 1024-65535# - - 0 1, drop", &mut cx);
        let (port, got) = push_one(&mut rw, 0, &frame(&doc), &pool, &mut cx);
        assert_eq!(port, 0);
        assert_eq!(got, frame(&ip(PUBLIC, SERVER, 1, &echo(8, 1024))));
        let reply = frame(&ip(SERVER, PUBLIC, 1, &echo(0, 1024)));
        let (port, got) = push_one(&mut rw, 1, &reply, &pool, &mut cx);
        assert_eq!(port, 1);
        assert_eq!(got, frame(&ip(SERVER, CLIENT, 1, &echo(0, 1))));
        // An echo reply with no mapping is dropped (input 1's spec is `drop`).
        let mut out = Collect::new();
        let stray = frame(&ip(SERVER, PUBLIC, 1, &echo(0, 2000)));
        rw.push(1, packet(&pool, &stray), &mut out, &mut cx);
        assert_eq!(out.total(), 0);
        assert_eq!(pool.in_flight(), 0);
    }
}
