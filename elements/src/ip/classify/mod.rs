//! IP classifiers (IPClassifier, IPFilter and their pattern compiler) and the IPv4 route
//! lookup elements with their longest-prefix-match structures.

use crate::element::{class_info, ClassInfo};

mod direct_ip_lookup;
mod ip_classifier;
mod ip_filter;
mod linear_ip_lookup;
mod pattern;
mod radix_ip_lookup;
mod range_ip_lookup;
mod route_table;
#[cfg(test)]
mod route_tests;
mod static_ip_lookup;

pub use direct_ip_lookup::{DirTables, DirectIPLookup};
pub use ip_classifier::IPClassifier;
pub use ip_filter::IPFilter;
pub use linear_ip_lookup::LinearIPLookup;
pub use pattern::{Program, Step, Target, Verdict, View};
pub use radix_ip_lookup::{RadixIPLookup, RadixTrie};
pub use range_ip_lookup::{RangeIPLookup, Ranges};
pub use route_table::{linear_lookup, Linear, Lpm, Route, RouteError, RouteTable};
pub use static_ip_lookup::StaticIPLookup;

/// The classes of this group.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<DirectIPLookup>(),
    class_info::<IPClassifier>(),
    class_info::<IPFilter>(),
    class_info::<LinearIPLookup>(),
    class_info::<RadixIPLookup>(),
    class_info::<RangeIPLookup>(),
    class_info::<StaticIPLookup>(),
];
