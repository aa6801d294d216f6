//! Click's standard elements: counting, dropping, duplicating.

mod counter;
mod discard;
mod tee;

pub use counter::Counter;
pub use discard::Discard;
pub use tee::Tee;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<Counter>(),
    class_info::<Discard>(),
    class_info::<Tee>(),
];
