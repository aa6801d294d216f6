//! The generated code for `shared/bench/p2-iprouter-path.click` (the 15-element forwarding
//! path) is readable and has the promised shape: one struct with one field per element,
//! one direct call per connection, no dynamic dispatch. The whole text is a snapshot in
//! `tests/snapshots/p2-iprouter-path.rs`; after an intended change to the generator, run
//! the test with `SLUICE_UPDATE_SNAPSHOTS=1` and review the diff.

use std::path::Path;

use sluice_router::cli::build::generate;
use sluice_router::cli::Source;

fn p2() -> (String, String) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/p2-iprouter-path.click");
    let text = std::fs::read_to_string(&path).expect("shared/bench beside the checkout");
    let code = generate(
        &Source::Named("p2-iprouter-path.click".into(), text.clone()),
        &[],
    )
    .expect("P2 checks");
    (text, code)
}

#[test]
fn p2_generated_code_has_one_struct_and_one_direct_call_per_connection() {
    let (text, code) = p2();
    println!("{code}");
    assert_eq!(code.matches("pub struct Compiled {").count(), 1);
    assert!(
        !code.contains("dyn "),
        "generated code must not use dynamic dispatch"
    );
    let (_, flat, errors) = sluice_router::lang::flatten_str("p2", &text, &Default::default());
    assert!(errors.is_empty());
    // One field per element, of its concrete type: P2 has no cycle, so no element needs
    // the `Option<Box<_>>` and re-entry queue of the general case.
    for i in 0..flat.elements.len() {
        assert!(
            code.contains(&format!("    e{i}: sluice_elements::")),
            "no field for element {i}"
        );
    }
    assert!(!code.contains("Option<Box<"));
    // One `port => self.eN.push(..)` arm per connection (all of P2's are push).
    let arms = code
        .lines()
        .filter(|l| {
            l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
                && l.contains("=> self.e")
                && l.contains(".push(")
        })
        .count();
    assert_eq!(arms, flat.connections.len());
}

#[test]
fn p2_generated_code_matches_the_snapshot() {
    let (_, code) = p2();
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/p2-iprouter-path.rs");
    if std::env::var_os("SLUICE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &code).expect("write snapshot");
    }
    let want = std::fs::read_to_string(&snapshot)
        .expect("snapshot exists (run with SLUICE_UPDATE_SNAPSHOTS=1 to create it)");
    assert!(want == code, "generated code differs from tests/snapshots/p2-iprouter-path.rs; run with SLUICE_UPDATE_SNAPSHOTS=1 and review the diff");
}
