//! Network devices for Sluice: pcap files on the host now; TAP, AF_PACKET and virtio-net
//! follow. Device code is the one place besides the library OS where `unsafe` may appear,
//! each block with a `// SAFETY:` comment.
#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

#[cfg(feature = "std")]
pub mod pcap;
