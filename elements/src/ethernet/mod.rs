//! Click's Ethernet elements: encapsulation, rewriting, VLANs, host filtering.

mod ether_encap;
mod ether_mirror;
mod ether_rewrite;
mod ether_vlan_encap;
mod header_window;
mod host_ether_filter;
mod tci;
mod vlan_decap;
mod vlan_encap;

pub use ether_encap::EtherEncap;
pub use ether_mirror::EtherMirror;
pub use ether_rewrite::EtherRewrite;
pub use ether_vlan_encap::EtherVLANEncap;
pub use host_ether_filter::HostEtherFilter;
pub use vlan_decap::VLANDecap;
pub use vlan_encap::VLANEncap;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<EtherEncap>(),
    class_info::<EtherMirror>(),
    class_info::<EtherRewrite>(),
    class_info::<EtherVLANEncap>(),
    class_info::<HostEtherFilter>(),
    class_info::<VLANDecap>(),
    class_info::<VLANEncap>(),
];
