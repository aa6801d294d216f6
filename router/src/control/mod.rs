//! Click's ControlSocket: reading and writing a running router's handlers from outside.
//!
//! - [`protocol`]: the protocol itself, a byte-in, byte-out [`Session`] with no I/O
//!   (`no_std`), answering through the [`HandlerTarget`] trait.
//! - [`target`]: [`HandlerTarget`] for the runtime's [`Driver`](crate::runtime::Driver), so
//!   interpreted, compiled and guest routers serve the same handlers.
//! - [`host`] (with `std`): the host's sockets for `ControlSocket` elements, polled from the
//!   scheduler loop without blocking it.
//! - [`client`] (with `std`): the client `sluice ctl` uses.

#[cfg(feature = "std")]
pub mod client;
#[cfg(feature = "std")]
pub mod host;
pub mod protocol;
pub mod target;

pub use protocol::{code, HandlerTarget, Limits, Session, BANNER};
