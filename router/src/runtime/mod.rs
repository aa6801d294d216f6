//! The interpreter: runs an [`Instance`](crate::instantiate::Instance) on the host.
//!
//! Elements sit in `RefCell`s and are reached through [`Wires`], which implements both
//! [`Output`] and [`Input`] for one element: a push looks up the downstream element and
//! calls it directly (dynamic dispatch), a pull does the same upstream. A push that arrives
//! at an element already busy higher up the call stack (a push cycle) is queued and
//! delivered when the stack unwinds, so cycles never recurse or panic.
//!
//! The scheduler is Click's userlevel driver loop: run every task, fire due timers, carry
//! out handler requests, and stop on `STOP` or when DriverManager says so.

mod router;

pub use router::{Clock, Router, RunError};
