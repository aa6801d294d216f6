//! IP classifiers and route lookups.
use crate::element::ClassInfo;
/// The classes of this group.
pub static CLASSES: &[ClassInfo] = &[];
