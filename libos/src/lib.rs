//! The guest's library OS: everything between the VMM and a compiled router.
//!
//! A guest image is one ELF, loaded at 1 MiB by the VMM's PVH loader. The boot path
//! ([`arch::x86_64`], `boot.s`) sets up identity paging, long mode, descriptor tables and SSE
//! in hand-written assembly at CPL 0, then runs every line of Rust at CPL 3 with IOPL 3, as a
//! Xen PV guest kernel does; `shared/GUEST-NOTES.md` explains why (the hypervisor on our
//! machines emulates CPL 0 and cannot run SSE there). After that:
//!
//! - [`start_info`]: the memory map and command line the VMM passes;
//! - `heap`: the global allocator over the largest RAM region above the image;
//! - `console`: the 16550 serial port, behind the `log` facade, rate-limited;
//! - `clock`: the TSC, calibrated from kvmclock (or CPUID, or the PIT) and checked
//!   against the PIT;
//! - `devices`: virtio-mmio discovery on `-M microvm` in command-line order;
//! - `trap`: faults print the vector, address and a backtrace, then exit;
//! - `exit`: ends the VMM through `isa-debug-exit` with a status;
//! - `guest`: runs a compiled router over the devices until it stops;
//! - `mgmt`: the management interface (smoltcp) serving the control socket.
//!
//! Without the `guest` feature only the portable parts are built (on the host, for tests).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod cmdline;
pub mod start_info;

#[cfg(feature = "guest")]
pub mod arch;
#[cfg(feature = "guest")]
pub mod clock;
#[cfg(feature = "guest")]
pub mod console;
#[cfg(feature = "guest")]
pub mod devices;
#[cfg(feature = "guest")]
pub mod exit;
#[cfg(feature = "guest")]
pub mod guest;
#[cfg(feature = "guest")]
pub mod heap;
#[cfg(feature = "guest")]
pub mod mgmt;
#[cfg(feature = "guest")]
mod runtime;
#[cfg(feature = "guest")]
pub mod trap;
