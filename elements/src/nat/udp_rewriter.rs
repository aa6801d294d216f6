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
