//! I/O elements: pcap files and Linux devices (behind the `std` feature), the control
//! socket's configuration ([`ControlSocket`], served by the runtime), and what every device
//! element does to a received frame ([`received`], also used by the guest's devices).

use crate::element::ClassInfo;

pub mod control_socket;
#[cfg(feature = "std")]
pub mod device;
#[cfg(feature = "std")]
mod from_device;
#[cfg(feature = "std")]
mod from_dump;
pub mod holding;
#[cfg(feature = "std")]
pub mod mapped;
#[cfg(feature = "std")]
pub mod pcap;
pub mod received;
#[cfg(feature = "std")]
mod to_device;
#[cfg(feature = "std")]
mod to_dump;

pub use control_socket::ControlSocket;
#[cfg(feature = "std")]
pub use from_device::FromDevice;
#[cfg(feature = "std")]
pub use from_dump::FromDump;
#[cfg(feature = "std")]
pub use to_device::ToDevice;
#[cfg(feature = "std")]
pub use to_dump::ToDump;

/// The classes of this group, for the router's registry.
#[cfg(feature = "std")]
pub static CLASSES: &[ClassInfo] = &[
    crate::element::class_info::<ControlSocket>(),
    crate::element::class_info::<FromDevice>(),
    crate::element::class_info::<FromDump>(),
    crate::element::class_info::<ToDevice>(),
    crate::element::class_info::<ToDump>(),
];

/// The classes of this group without `std`: the control socket only.
#[cfg(not(feature = "std"))]
pub static CLASSES: &[ClassInfo] = &[crate::element::class_info::<ControlSocket>()];
