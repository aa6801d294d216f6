//! Click's TCP and UDP elements: header checks and checksums.

mod check_tcp_header;
mod check_udp_header;
pub(crate) mod header_check;
mod pseudo_header;
mod set_tcp_checksum;
mod set_udp_checksum;

pub use check_tcp_header::CheckTCPHeader;
pub use check_udp_header::CheckUDPHeader;
pub use set_tcp_checksum::SetTCPChecksum;
pub use set_udp_checksum::SetUDPChecksum;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<CheckTCPHeader>(),
    class_info::<CheckUDPHeader>(),
    class_info::<SetTCPChecksum>(),
    class_info::<SetUDPChecksum>(),
];
