//! Click's ARP elements: ARPResponder and ARPQuerier.

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
