//! virtio-net in the guest: a batched, zero-copy driver on virtio-drivers' transports and
//! split virtqueues, and the guest's `FromDevice` and `ToDevice`.
//!
//! Receive buffers are packet-pool slots: the device writes a frame straight into a slot,
//! after the headroom, and the slot becomes a [`Packet`](sluice_elements::packet::Packet)
//! without a copy. Transmitted packets are handed to the device as they are (a shared,
//! read-only header descriptor, then the packet's bytes) and go back to the pool when the
//! device is done with them. Refills and notifications are batched. `RING_EVENT_IDX` is not
//! negotiated (virtio-drivers 0.13 mishandles its wrap-around; see GUEST-NOTES.md): the
//! device's flag-based suppression decides when to notify, and the notify register's
//! address is cached per queue.
//!
//! A NIC is split into its receive ring ([`net::RxRing`]) and transmit ring
//! ([`net::TxRing`]), which the [`registry`] hands to one `FromDevice` and one `ToDevice`:
//! each element owns its ring, so the datapath takes no lock.

pub mod hal;
pub mod mgmt;
pub mod net;
pub mod registry;

mod from_device;
mod to_device;

pub use from_device::FromDevice;
pub use to_device::ToDevice;

pub use crate::naming::guest_device_index as device_index;
