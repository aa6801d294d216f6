//! Sluice's data plane: packets, wire formats, the element model and the element library.
//!
//! # Layers
//!
//! The crate is layered the way smoltcp is, and for the same reason: formats, buffers and
//! processing change for different reasons, so they live apart.
//!
//! - [`packet`]: the zero-copy packet model. A [`packet::Pool`] carves one contiguous region
//!   into fixed-size slots; a [`packet::Packet`] owns one slot (or shares it read-only with
//!   its clones) and gives it back when dropped. Annotations travel with the packet as a typed
//!   struct. [`packet::Batch`] groups packets for devices and batched elements.
//! - [`wire`]: header views over byte slices (Ethernet, VLAN, ARP, IPv4, ICMP, UDP, TCP, IPv6),
//!   the Internet checksum, and address types with Click's text forms. Views never panic once
//!   their length check passed; elements never compute header offsets by hand.
//! - [`element`]: the traits every element implements, the argument reader that configures
//!   them from Click configuration strings, and handlers. One implementation of an element
//!   serves both the interpreter (dynamic dispatch) and generated code (static dispatch),
//!   because an element's push and pull methods are generic over where their packets go.
//! - The element library, in Click's group folders: [`standard`], [`queue`], [`ethernet`],
//!   [`arp`], [`ip`], [`icmp`], [`tcpudp`], [`nat`], and host I/O in [`io`].
//!
//! The crate is `no_std` + `alloc` so the guest can embed it; the `std` feature adds host-only
//! pieces. It is `#![forbid(unsafe_code)]`: everything that touches raw memory lives in `sluice-drivers`
//! and `sluice-libos`.
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod arp;
pub mod element;
pub mod ethernet;
pub mod icmp;
pub mod io;
pub mod ip;
pub mod nat;
pub mod packet;
pub mod queue;
pub mod standard;
pub mod tcpudp;
pub mod wire;
