//! Click's TCP and UDP elements: header checks and checksums.

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
