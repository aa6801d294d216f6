//! The element classes Sluice knows: each class's static facts (read from the element's
//! associated constants) and a constructor the interpreter calls.

pub use sluice_elements::element::ClassInfo;
use sluice_elements::{arp, ethernet, icmp, io, ip, nat, queue, standard, tcpudp};

/// The element library, group by group (Click's folders).
static GROUPS: &[&[ClassInfo]] = &[
    standard::CLASSES,
    queue::CLASSES,
    ethernet::CLASSES,
    arp::CLASSES,
    ip::CLASSES,
    ip::classify::CLASSES,
    icmp::CLASSES,
    tcpudp::CLASSES,
    nat::CLASSES,
    io::CLASSES,
];

/// Every class Sluice has, group by group.
pub fn classes() -> impl Iterator<Item = &'static ClassInfo> {
    GROUPS.iter().flat_map(|g| g.iter())
}

include!(concat!(env!("OUT_DIR"), "/element_docs.rs"));

/// The documentation of class `name`, from the element's own doc comment (Markdown, in the
/// template of STYLE.md: summary, Synopsis, Ports, Processing, Description, Example,
/// Handlers, See also).
pub fn doc(name: &str) -> Option<&'static str> {
    ELEMENT_DOCS
        .iter()
        .find(|(class, _)| *class == name)
        .map(|(_, doc)| *doc)
}

/// The class named `name`, if Sluice has it.
pub fn lookup(name: &str) -> Option<&'static ClassInfo> {
    classes().find(|c| c.name == name)
}

/// The known class whose name is closest to `name`, for "did you mean" hints: within an
/// edit distance of a third of the name's length (at least 1), case differences counting
/// half.
pub fn suggest(name: &str) -> Option<&'static str> {
    let limit = (name.len() / 3).max(1) * 2;
    classes()
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
    fn class_names_are_unique() {
        let mut names: alloc::vec::Vec<&str> = classes().map(|c| c.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a class is registered twice");
    }

    #[test]
    fn every_class_has_its_documentation() {
        for class in classes() {
            let doc = doc(class.name).unwrap_or_else(|| panic!("{} has no doc", class.name));
            for section in [
                "# Synopsis",
                "# Ports",
                "# Processing",
                "# Description",
                "# Example",
                "# Handlers",
            ] {
                assert!(doc.contains(section), "{}: no {section}", class.name);
            }
        }
        assert!(doc("Counter")
            .unwrap()
            .starts_with("Counts packets and bytes"));
    }

    #[test]
    fn lookup_and_suggestions() {
        assert_eq!(lookup("Counter").map(|c| c.name), Some("Counter"));
        assert!(lookup("counter").is_none());
        assert_eq!(suggest("counter"), Some("Counter"));
        assert_eq!(suggest("Conter"), Some("Counter"));
        assert_eq!(suggest("Dicsard"), Some("Discard"));
        assert_eq!(suggest("KernelTun"), None);
    }
}
