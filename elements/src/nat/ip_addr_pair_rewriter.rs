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
