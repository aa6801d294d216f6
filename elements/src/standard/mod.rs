//! Click's standard elements: counting, dropping, duplicating, painting, switching,
//! stripping, printing, address names and the generic Classifier.

mod address_info;
mod classifier;
#[cfg(test)]
mod corpus_tests;
mod counter;
mod discard;
mod driver_manager;
mod hash_switch;
mod idle;
mod null;
mod paint;
mod paint_switch;
mod paint_tee;
mod print;
mod pull_tee;
mod round_robin_switch;
mod static_switch;
mod strip;
mod strip_to_network_header;
mod switch;
mod tee;
mod truncate;
mod unstrip;

pub use address_info::{parse_address_info_arg, AddressInfo, AddressInfoEntry, AddressValue};
pub use classifier::Classifier;
pub use counter::Counter;
pub use discard::Discard;
pub use driver_manager::DriverManager;
pub use hash_switch::HashSwitch;
pub use idle::Idle;
pub use null::Null;
pub use paint::Paint;
pub use paint_switch::PaintSwitch;
pub use paint_tee::PaintTee;
pub use print::Print;
pub use pull_tee::PullTee;
pub use round_robin_switch::RoundRobinSwitch;
pub use static_switch::StaticSwitch;
pub use strip::Strip;
pub use strip_to_network_header::StripToNetworkHeader;
pub use switch::Switch;
pub use tee::Tee;
pub use truncate::Truncate;
pub use unstrip::Unstrip;

use crate::element::{class_info, ClassInfo};

/// The classes of this group, for the router's registry.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<Counter>(),
    class_info::<Discard>(),
    class_info::<Tee>(),
    class_info::<Idle>(),
    class_info::<Null>(),
    class_info::<Paint>(),
    class_info::<PaintTee>(),
    class_info::<PaintSwitch>(),
    class_info::<Switch>(),
    class_info::<StaticSwitch>(),
    class_info::<HashSwitch>(),
    class_info::<RoundRobinSwitch>(),
    class_info::<Strip>(),
    class_info::<Unstrip>(),
    class_info::<StripToNetworkHeader>(),
    class_info::<Truncate>(),
    class_info::<Classifier>(),
    class_info::<Print>(),
    class_info::<PullTee>(),
    class_info::<AddressInfo>(),
    class_info::<DriverManager>(),
];
