//! Click's Ethernet elements: encapsulation, rewriting, VLANs, host filtering.

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
