//! Network devices for Sluice: TAP and AF_PACKET on the host, virtio-net in the guest
//! ([`virtio`], with the `virtio` feature). Capture files are a format, not a device: they live in `sluice-elements`
//! (`io::pcap`), beside FromDump and ToDump. Device code is the one place besides the library OS where `unsafe` may appear,
//! each block with a `// SAFETY:` comment.
#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

#[cfg(all(feature = "std", target_os = "linux"))]
pub mod af_packet;
#[cfg(feature = "std")]
pub mod host;
#[cfg(all(feature = "std", target_os = "linux"))]
pub mod mapped;
pub mod naming;
#[cfg(all(feature = "std", target_os = "linux"))]
mod netdev;
#[cfg(all(feature = "std", target_os = "linux"))]
pub mod netns;
#[cfg(all(feature = "std", target_os = "linux"))]
pub mod tap;
#[cfg(feature = "virtio")]
pub mod virtio;
