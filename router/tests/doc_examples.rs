//! Every element's documentation example (the ```text block under `# Example` in its doc
//! comment, which `sluice elements` prints) is a configuration that parses, flattens and
//! passes every check, configuration included. Examples that need no files or devices also
//! run to completion.

use sluice_router::cli::run::{run, RunOptions};
use sluice_router::cli::{load, Source};
use sluice_router::registry;

/// The first ```text block after `# Example`.
fn example(doc: &str) -> Option<String> {
    let after = doc.split_once("# Example")?.1;
    let block = after.split_once("```text")?.1;
    let body = block.split_once("```")?.0;
    Some(body.trim().to_string())
}

#[test]
fn every_documentation_example_checks_cleanly() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for class in registry::classes() {
        let Some(doc) = registry::doc(class.name) else {
            failures.push(format!("{}: no documentation", class.name));
            continue;
        };
        let Some(text) = example(doc) else {
            failures.push(format!(
                "{}: no ```text example under # Example",
                class.name
            ));
            continue;
        };
        if !text.contains(class.name) {
            failures.push(format!("{}: its example does not use it", class.name));
        }
        let loaded = match load(&Source::Expr(text.clone()), &[], true) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{}: {e}", class.name));
                continue;
            }
        };
        let (sources, result) = loaded.instantiate();
        if !result.errors.is_empty() {
            let rendered = sluice_router::diagnostics::render(
                &sources,
                &result.errors,
                sluice_router::diagnostics::Style::Short,
            );
            failures.push(format!("{}: example\n{text}\n{rendered}", class.name));
            continue;
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of the examples fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(checked > 50, "only {checked} examples checked");
}

#[test]
fn self_contained_examples_run() {
    // Examples whose sources stop by themselves and touch no files or devices.
    let mut ran = 0;
    for class in registry::classes() {
        let Some(text) = registry::doc(class.name).and_then(example) else {
            continue;
        };
        let needs_outside = [
            "FromDump",
            "ToDump",
            "FromDevice",
            "ToDevice",
            "ControlSocket",
        ]
        .iter()
        .any(|c| text.contains(c));
        let stops = text.contains("STOP true") || text.contains("DriverManager");
        if needs_outside || !stops {
            continue;
        }
        let options = RunOptions {
            simtime: true,
            ..RunOptions::default()
        };
        let report = run(&Source::Expr(text.clone()), &options)
            .unwrap_or_else(|e| panic!("{}: example\n{text}\nfailed: {e}", class.name));
        assert_eq!(
            report.leaked, 0,
            "{}: example leaked packet buffers",
            class.name
        );
        ran += 1;
    }
    assert!(ran >= 3, "only {ran} examples ran");
}
