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
