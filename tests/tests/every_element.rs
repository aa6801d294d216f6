//! The `pipeline` fuzz target's configuration (`fuzz/configs/every-element.click`) checks
//! cleanly and holds every registered element class except those that need files, devices
//! or sockets, so a new class without fuzz coverage fails here.

use std::collections::BTreeSet;
use std::path::PathBuf;

use sluice_router::cli::{load, Source};
use sluice_router::diagnostics::Style;
use sluice_router::registry;

/// Classes that read or write files, devices or sockets: the fuzz target cannot run them.
/// (ControlSocket's protocol has its own random-input tests in router/src/control.)
const SKIPPED: &[&str] = &[
    "FromDump",
    "ToDump",
    "FromDevice",
    "ToDevice",
    "ControlSocket",
];

fn config_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/configs/every-element.click")
}

#[test]
fn every_element_config_checks_and_covers_every_class() {
    let loaded = load(&Source::File(config_path()), &[], true).expect("the file is readable");
    assert!(
        loaded.errors.is_empty(),
        "{}",
        loaded.render_errors(Style::Short)
    );
    let used: BTreeSet<String> = loaded
        .flat
        .elements
        .iter()
        .map(|e| e.class.clone())
        .collect();
    let (sources, checked) = loaded.instantiate();
    assert!(
        checked.instance.is_some(),
        "{}",
        sluice_router::diagnostics::render(&sources, &checked.errors, Style::Short)
    );

    let missing: Vec<&str> = registry::classes()
        .map(|c| c.name)
        .filter(|name| !SKIPPED.contains(name) && !used.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "every-element.click lacks {missing:?}: add them so the pipeline fuzz target covers them"
    );
    for skipped in SKIPPED {
        assert!(
            !used.contains(*skipped),
            "{skipped} needs files, devices or sockets"
        );
    }
}
