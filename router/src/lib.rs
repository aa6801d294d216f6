//! The Click side of Sluice: the configuration language, the element graph, the runtime
//! that runs a graph on the host, and the `sluice` command-line program.
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(feature = "std")]
pub mod cli;
pub mod codegen;
pub mod compiled;
pub mod control;
#[cfg(feature = "std")]
pub mod demo;
#[cfg(feature = "std")]
pub mod diagnostics;
pub mod graph;
pub mod instantiate;
pub mod lang;
pub mod registry;
pub mod runtime;
