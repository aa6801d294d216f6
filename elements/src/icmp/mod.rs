//! Click's ICMP elements: errors, ping responses, header checks.

mod check_icmp_header;
mod icmp_error;
mod icmp_ping_responder;
pub mod names;
#[cfg(test)]
pub(crate) mod test_support;

pub use check_icmp_header::CheckICMPHeader;
pub use icmp_error::ICMPError;
pub use icmp_ping_responder::ICMPPingResponder;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<CheckICMPHeader>(),
    class_info::<ICMPError>(),
    class_info::<ICMPPingResponder>(),
];
