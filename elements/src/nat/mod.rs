//! Click's rewriters: NAT and NAPT (IPRewriter and its family).

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
