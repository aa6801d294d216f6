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
