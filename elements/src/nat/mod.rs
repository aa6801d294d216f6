//! Click's rewriters: NAT and NAPT (IPRewriter and its family).
//!
//! The classes share their machinery, as Click's do: `iprw_pattern` parses patterns and
//! picks ports, `iprw_table` holds the bounded flow table, and `iprw_base` has the input
//! specifications, timeouts, per-packet paths and handlers. Each class file is a thin
//! wrapper with its documentation.

mod icmp_ping_rewriter;
mod ip_addr_pair_rewriter;
mod ip_addr_rewriter;
mod ip_rewriter;
mod ip_rewriter_patterns;
pub(crate) mod iprw_base;
mod iprw_pattern;
mod iprw_table;
mod tcp_rewriter;
#[cfg(test)]
mod test_packets;
mod udp_rewriter;

pub use icmp_ping_rewriter::ICMPPingRewriter;
pub use ip_addr_pair_rewriter::IPAddrPairRewriter;
pub use ip_addr_rewriter::IPAddrRewriter;
pub use ip_rewriter::IPRewriter;
pub use ip_rewriter_patterns::IPRewriterPatterns;
pub use tcp_rewriter::TCPRewriter;
pub use udp_rewriter::UDPRewriter;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<ICMPPingRewriter>(),
    class_info::<IPAddrPairRewriter>(),
    class_info::<IPAddrRewriter>(),
    class_info::<IPRewriter>(),
    class_info::<IPRewriterPatterns>(),
    class_info::<TCPRewriter>(),
    class_info::<UDPRewriter>(),
];
