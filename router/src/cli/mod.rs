//! The `sluice` command line's subcommands, as library functions so tests can call them.

pub mod bench;
pub mod build;
pub mod chart;
pub mod ctl;
pub mod graph;
pub mod guest_bench;
pub mod guest_demo;
pub mod launch;
pub mod load;
pub mod rfc2544;
pub mod run;
pub mod traffic;

pub use load::{load, Loaded, Source};
