//! Fuzz target `config`: arbitrary bytes (lossy UTF-8) as a Click configuration, through
//! the parser, the flattener and the checker (class lookup, connection checks, every
//! element's configuration). Nothing is initialized or run: FromDump would open files.
//! Whatever the text, this must return (with errors, usually) and never panic or hang.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_router::instantiate::instantiate;
use sluice_router::lang::{flatten_str, FlattenOptions};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // As `sluice run` loads: global defines substituted into configuration strings.
    let options = FlattenOptions {
        defines: Vec::new(),
        expand_defines: true,
    };
    let (_sources, flat, errors) = flatten_str("fuzz.click", &text, &options);
    let checked = instantiate(flat);
    // Language errors come first; the checker must still not panic on what flattened.
    let _ = (
        errors.len(),
        checked.errors.len(),
        checked.instance.is_some(),
    );
});
