//! The guest's library OS.
//!
//! Not built yet: the guest (PVH entry, long mode, CPL-3 execution, memory map, heap, DMA
//! region, console, clock, device discovery) is the subject of the unikernel issue, and its
//! facts are recorded in `shared/GUEST-NOTES.md`. This crate exists so the workspace has its
//! final shape; it is `no_std` and builds on the host as an empty library, so `cargo build
//! --workspace` never tries to link a freestanding kernel as a host program.
#![no_std]
