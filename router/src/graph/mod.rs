//! The element graph: checks on a flat configuration's connections.

pub mod calls;
pub mod check;
