//! Click's queues, schedulers and sources: Queue, Unqueue, RatedSource...

use crate::element::ClassInfo;

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[];
