//! Host I/O elements (behind the `std` feature): pcap files and Linux devices.

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
