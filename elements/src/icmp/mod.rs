//! Click's ICMP elements: errors, ping responses, header checks.

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
