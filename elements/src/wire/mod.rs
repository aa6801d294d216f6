//! Wire formats: header views over byte buffers, checksums and addresses.
//!
//! Every view follows smoltcp's pattern: `Packet::new_checked` validates the length once
//! (`check_len`), after which no accessor panics; `new_unchecked` skips the check for callers
//! that already validated. Getters live on `T: AsRef<[u8]>`, setters on `T: AsMut<[u8]>`.
//! Fixed layouts are described with zerocopy structs; byte ranges sit in private `field`
//! modules.

pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod icmp;
pub mod ip_address;
pub mod ipv4;
pub mod ipv6;
pub mod tcp;
pub mod udp;
pub mod vlan;

pub use ethernet::EthernetAddress;
pub use ip_address::{Ipv4Address, Ipv4Prefix};

/// Why a header view rejected its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// The buffer is shorter than the header (or than a length field says it is).
    Truncated,
    /// A field holds a value the format forbids (a version, a header length, an option).
    Malformed,
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::Truncated => f.write_str("truncated header"),
            WireError::Malformed => f.write_str("malformed header"),
        }
    }
}

/// Result of a header view constructor.
pub type Result<T> = core::result::Result<T, WireError>;
