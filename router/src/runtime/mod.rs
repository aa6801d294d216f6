//! Running a router: the scheduler loop, handler access, and two ways to hold the elements.
//!
//! A [`Graph`] holds the configured elements and moves packets between them. The
//! interpreter's graph ([`Interpreted`]) keeps them behind dynamic dispatch; a compiled
//! program (`sluice build --host`) generates a graph in which every element is a concrete
//! type and every connection a direct call. The [`Driver`] runs either: Click's userlevel
//! driver loop (every task, then due timers, then handler requests), the simulated clock,
//! stop requests, and handlers (the element's own and Click's standard and global ones).

mod driver;
mod handlers;
mod interpreted;

pub use driver::{Clock, Driver, Graph, RunError};
pub use handlers::RouterInfo;
pub use interpreted::{Interpreted, Wires};

/// The interpreted router: a [`Driver`] over an [`Interpreted`] graph.
pub type Router = Driver<Interpreted>;
