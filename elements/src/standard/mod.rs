//! Click's standard elements: counting, dropping, duplicating.

mod counter;
mod discard;
mod tee;

pub use counter::Counter;
pub use discard::Discard;
pub use tee::Tee;
