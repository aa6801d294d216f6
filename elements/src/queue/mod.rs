//! Click's queues, schedulers and sources: Queue, Unqueue, RatedSource...

mod bandwidth_shaper;
mod front_drop_queue;
mod infinite_source;
mod prio_sched;
#[allow(clippy::module_inception)]
mod queue;
mod rated_source;
mod rated_unqueue;
mod round_robin_sched;
mod simple_queue;
mod storage;
mod template;
mod timed_source;
mod token_bucket;
mod unqueue;

pub use bandwidth_shaper::BandwidthShaper;
pub use front_drop_queue::FrontDropQueue;
pub use infinite_source::InfiniteSource;
pub use prio_sched::PrioSched;
pub use queue::Queue;
pub use rated_source::RatedSource;
pub use rated_unqueue::RatedUnqueue;
pub use round_robin_sched::RoundRobinSched;
pub use simple_queue::SimpleQueue;
pub use timed_source::TimedSource;
pub use unqueue::Unqueue;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<BandwidthShaper>(),
    class_info::<FrontDropQueue>(),
    class_info::<InfiniteSource>(),
    class_info::<PrioSched>(),
    class_info::<Queue>(),
    class_info::<RatedSource>(),
    class_info::<RatedUnqueue>(),
    class_info::<RoundRobinSched>(),
    class_info::<SimpleQueue>(),
    class_info::<TimedSource>(),
    class_info::<Unqueue>(),
];
