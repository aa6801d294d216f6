//! The element classes Sluice knows: each class's static facts (read from the element's
//! associated constants) and a constructor the interpreter calls.

use alloc::boxed::Box;

use sluice_elements::element::args::{Args, ConfigError};
use sluice_elements::element::{
    ConfigContext, DynElement, Element, Flow, HandlerSpec, PortCount, ProcessingSpec,
};
use sluice_elements::standard;

/// Builds a configured element behind a pointer.
pub type Constructor = fn(Args<'_>, &ConfigContext<'_>) -> Result<Box<dyn DynElement>, ConfigError>;

/// One element class.
#[derive(Clone, Copy)]
pub struct ClassInfo {
    /// Click's class name.
    pub name: &'static str,
    /// Allowed port counts.
    pub ports: PortCount,
    /// Push/pull/agnostic per port.
    pub processing: ProcessingSpec,
    /// Which inputs reach which outputs.
    pub flow: Flow,
    /// True if the element is scheduled as a task.
    pub task: bool,
    /// The class's own handlers.
    pub handlers: &'static [HandlerSpec],
    /// Configures an instance.
    pub construct: Constructor,
}

impl core::fmt::Debug for ClassInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClassInfo")
            .field("name", &self.name)
            .field("ports", &self.ports)
            .field("processing", &self.processing)
            .finish()
    }
}

fn construct<E: Element>(
    args: Args<'_>,
    cx: &ConfigContext<'_>,
) -> Result<Box<dyn DynElement>, ConfigError> {
    E::configure(args, cx).map(|e| Box::new(e) as Box<dyn DynElement>)
}

/// The facts of class `E`.
pub const fn class_info<E: Element>() -> ClassInfo {
    ClassInfo {
        name: E::CLASS,
        ports: E::PORTS,
        processing: E::PROCESSING,
        flow: E::FLOW,
        task: E::TASK,
        handlers: E::HANDLERS,
        construct: construct::<E>,
    }
}

/// Every class, sorted by name.
pub static CLASSES: &[ClassInfo] = &[
    class_info::<standard::Counter>(),
    class_info::<standard::Discard>(),
    class_info::<standard::Tee>(),
];

/// The class named `name`, if Sluice has it.
pub fn lookup(name: &str) -> Option<&'static ClassInfo> {
    CLASSES.iter().find(|c| c.name == name)
}

/// The known class whose name is closest to `name`, for "did you mean" hints: within an
/// edit distance of a third of the name's length (at least 1), case differences counting
/// half.
pub fn suggest(name: &str) -> Option<&'static str> {
    let limit = (name.len() / 3).max(1) * 2;
    CLASSES
        .iter()
        .map(|c| (distance(name, c.name), c.name))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edit distance in half-steps: substitutions that only change case cost 1, every other
/// edit 2.
fn distance(a: &str, b: &str) -> usize {
    let a: alloc::vec::Vec<char> = a.chars().collect();
    let b: alloc::vec::Vec<char> = b.chars().collect();
    let mut prev: alloc::vec::Vec<usize> = (0..=b.len()).map(|j| j * 2).collect();
    let mut cur = alloc::vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = (i + 1) * 2;
        for (j, cb) in b.iter().enumerate() {
            let sub = if ca == cb {
                0
            } else if ca.eq_ignore_ascii_case(cb) {
                1
            } else {
                2
            };
            cur[j + 1] = (prev[j] + sub).min(prev[j + 1] + 2).min(cur[j] + 2);
        }
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_sorted_and_unique() {
        for w in CLASSES.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn lookup_and_suggestions() {
        assert_eq!(lookup("Counter").map(|c| c.name), Some("Counter"));
        assert!(lookup("counter").is_none());
        assert_eq!(suggest("counter"), Some("Counter"));
        assert_eq!(suggest("Conter"), Some("Counter"));
        assert_eq!(suggest("Dicsard"), Some("Discard"));
        assert_eq!(suggest("FromDevice"), None);
    }
}
