//! Click's ARP elements: ARPResponder and ARPQuerier.

mod arp_querier;
mod arp_responder;

pub use arp_querier::ARPQuerier;
pub use arp_responder::ARPResponder;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[class_info::<ARPQuerier>(), class_info::<ARPResponder>()];
