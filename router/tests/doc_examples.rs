//! Every element's documentation example (the ```text block under `# Example` in its doc
//! comment, which `sluice elements` prints) is a configuration that parses, flattens and
//! passes every check, configuration included. Examples that need no files or devices also
//! run to completion.

use sluice_router::cli::run::{run, RunOptions};
use sluice_router::cli::{load, Source};
use sluice_router::registry;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    eprintln!("{checked} documentation examples checked");
    assert!(checked > 50, "only {checked} examples checked");
}

/// The files an example's FromDump elements read (their first argument).
fn dump_inputs(text: &str) -> Vec<String> {
    text.split("FromDump(")
        .skip(1)
        .filter_map(|rest| rest.split([',', ')']).next())
        .map(|name| name.trim().to_string())
        .collect()
}

#[test]
fn examples_run() {
    // Every example runs on the simulated clock, in a scratch directory where each file a
    // FromDump reads is a copy of a corpus capture (37 mixed frames) and ToDump writes.
    // Only examples that need network devices are left to the check above.
    let capture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/click-diff/01-ethertype-classifier/in.pcap");
    let work = std::env::temp_dir().join(format!("sluice-doc-examples-{}", std::process::id()));
    let mut ran = 0;
    let mut devices = 0;
    for class in registry::classes() {
        let Some(text) = registry::doc(class.name).and_then(example) else {
            continue;
        };
        if text.contains("FromDevice") || text.contains("ToDevice") {
            devices += 1;
            continue;
        }
        let dir = work.join(class.name);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        for input in dump_inputs(&text) {
            std::fs::copy(&capture, dir.join(&input))
                .unwrap_or_else(|e| panic!("{}: {input}: {e}", class.name));
        }
        std::env::set_current_dir(&dir).expect("cd");
        // Examples that never stop by themselves (an endless source, or timers that re-arm
        // for ever, as ARP and NAT expiry do) run for 300 ms, then stop as on Ctrl-C.
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let timer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            flag.store(true, Ordering::Relaxed);
        });
        let options = RunOptions {
            simtime: true,
            interrupt: Some(stop),
            ..RunOptions::default()
        };
        let report = run(&Source::Expr(text.clone()), &options)
            .unwrap_or_else(|e| panic!("{}: example\n{text}\nfailed: {e}", class.name));
        assert_eq!(
            report.leaked, 0,
            "{}: example leaked packet buffers",
            class.name
        );
        let _ = timer.join();
        ran += 1;
    }
    let _ = std::fs::remove_dir_all(&work);
    eprintln!("{ran} documentation examples ran to completion; {devices} need network devices and are only checked");
    assert!(
        ran + devices == registry::classes().count(),
        "an example was skipped"
    );
    assert!(devices <= 4, "{devices} examples need devices");
}
