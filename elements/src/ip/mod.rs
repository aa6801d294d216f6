//! Click's IPv4 elements: header checks, lookups, TTL, fragmentation, options, classifiers.

pub mod classify;

mod check_ip_header;
mod check_ip_header2;
mod dec_ip_ttl;
mod drop_broadcasts;
mod fix_ip_src;
mod get_ip_address;
mod ip_encap;
mod ip_fragmenter;
mod ip_gw_options;
mod ip_mirror;
mod ip_print;
mod ip_reassembler;
mod mark_ip_header;
mod set_ip_address;
mod set_ip_checksum;
mod set_ip_dscp;
mod store_ip_address;
mod udp_ip_encap;

pub use check_ip_header::CheckIPHeader;
pub use check_ip_header2::CheckIPHeader2;
pub use dec_ip_ttl::DecIPTTL;
pub use drop_broadcasts::DropBroadcasts;
pub use fix_ip_src::FixIPSrc;
pub use get_ip_address::GetIPAddress;
pub use ip_encap::IPEncap;
pub use ip_fragmenter::IPFragmenter;
pub use ip_gw_options::IPGWOptions;
pub use ip_mirror::IPMirror;
pub use ip_print::IPPrint;
pub use ip_reassembler::IPReassembler;
pub use mark_ip_header::MarkIPHeader;
pub use set_ip_address::SetIPAddress;
pub use set_ip_checksum::SetIPChecksum;
pub use set_ip_dscp::SetIPDSCP;
pub use store_ip_address::StoreIPAddress;
pub use udp_ip_encap::UDPIPEncap;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry (the classifiers and route lookups
/// are listed separately in [`classify::CLASSES`]).
pub static CLASSES: &[ClassInfo] = &[
    class_info::<CheckIPHeader>(),
    class_info::<CheckIPHeader2>(),
    class_info::<DecIPTTL>(),
    class_info::<DropBroadcasts>(),
    class_info::<FixIPSrc>(),
    class_info::<GetIPAddress>(),
    class_info::<IPEncap>(),
    class_info::<IPFragmenter>(),
    class_info::<IPGWOptions>(),
    class_info::<IPPrint>(),
    class_info::<IPReassembler>(),
    class_info::<IPMirror>(),
    class_info::<MarkIPHeader>(),
    class_info::<SetIPAddress>(),
    class_info::<SetIPChecksum>(),
    class_info::<SetIPDSCP>(),
    class_info::<StoreIPAddress>(),
    class_info::<UDPIPEncap>(),
];
