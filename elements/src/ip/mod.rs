//! Click's IPv4 elements: header checks, lookups, TTL, fragmentation, options, classifiers.

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
