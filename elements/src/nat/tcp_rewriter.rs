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
