//! Every case of the shared differential corpus (`shared/corpus/click-diff`) through
//! `sluice run --simtime`: each `out*.pcap` must match what Click wrote byte for byte, and
//! the handler dump must be identical to `out-handlers.txt`. The corpus is read in place;
//! outputs go to a temporary directory.
//!
//! One field is compared to the microsecond rather than the nanosecond: the timestamp of a
//! packet created during the run. Click's `--simtime` clock starts at 1000000000 and every
//! call to `Timestamp::now()` anywhere in Click (the driver loop included) moves it one
//! nanosecond on, so a created packet carries 1000000000.000000NNN where NNN counts Click's
//! internal clock reads. Sluice's simulated clock stays at 1000000000.000000000. The corpus
//! README allows exactly this (`pcapdiff.py --ignore-ts` for created packets); forwarded
//! packets keep their input timestamps and are compared exactly, as are all other bytes.
//!
//! This test runs the router in-process without the `sluice` program's registrations, so
//! FromDump reads its input through a read buffer here; `corpus_compiled`'s programs map it,
//! as `sluice` does by default.
//!
//! Cases that cannot pass yet (elements still missing) are listed in `NOT_YET` with the
//! reason; the test fails if one of them starts passing (so the list only shrinks) or if any
//! other case fails.

use std::path::Path;

use sluice_router::cli::run::{run, RunOptions};
use sluice_router::cli::Source;
use sluice_tests::{corpus_cases, expected_outputs, pcap_difference, Case};

/// Cases expected to fail, and why.
const NOT_YET: &[(&str, &str)] = &[];

/// `run_case` changes the process's working directory: one case at a time.
static CWD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_case(case: &Case, work: &Path) -> Result<(), String> {
    let _cwd = CWD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
    std::fs::copy(case.dir.join("in.pcap"), work.join("in.pcap")).map_err(|e| e.to_string())?;
    std::env::set_current_dir(work).map_err(|e| e.to_string())?;
    let options = RunOptions {
        simtime: true,
        handlers: case.handlers.clone(),
        ..RunOptions::default()
    };
    let report = run(&Source::Expr(case.config.clone()), &options)?;
    let mut problems = Vec::new();
    if report.leaked != 0 {
        problems.push(format!("{} packet buffers leaked", report.leaked));
    }
    let expected_handlers =
        std::fs::read_to_string(case.dir.join("out-handlers.txt")).unwrap_or_default();
    if report.handlers != expected_handlers {
        problems.push(format!(
            "handlers differ:\n--- click\n{expected_handlers}--- sluice\n{}",
            report.handlers
        ));
    }
    for out in expected_outputs(case).map_err(|e| e.to_string())? {
        let want = std::fs::read(case.dir.join(&out)).map_err(|e| e.to_string())?;
        match std::fs::read(work.join(&out)) {
            Ok(got) => {
                if let Some(diff) = pcap_difference(&want, &got) {
                    problems.push(format!("{out}: {diff}"));
                }
            }
            Err(e) => problems.push(format!("{out}: not written ({e})")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_corpus_case_matches_click_byte_for_byte() {
    let cases = corpus_cases().expect(
        "the corpus is readable at ../shared/corpus/click-diff (set SLUICE_SHARED to move it)",
    );
    assert!(cases.len() >= 10, "found only {} corpus cases", cases.len());
    let base = std::env::temp_dir().join(format!("sluice-corpus-{}", std::process::id()));
    let mut unexpected = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let result = run_case(case, &base.join(&case.name));
        let not_yet = NOT_YET.iter().find(|(n, _)| *n == case.name);
        match (result, not_yet) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => {
                unexpected.push(format!("{}: passes now; remove it from NOT_YET", case.name))
            }
            (Err(e), None) => unexpected.push(format!("{}: {e}", case.name)),
            (Err(_), Some((_, why))) => eprintln!("{}: not yet ({why})", case.name),
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    eprintln!(
        "{passed} of {} corpus cases byte-identical with Click",
        cases.len()
    );
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n\n"));
}

/// Case 07 with its rewrite pattern named in an IPRewriterPatterns element
/// (`pattern NAME FOUTPUT ROUTPUT`, as Click's conf/mazu-nat.click writes it) must give
/// exactly Click's outputs for the inline pattern.
#[test]
fn a_named_rewriter_pattern_rewrites_as_the_inline_one() {
    let cases = corpus_cases().expect("the corpus");
    let mut case = cases
        .into_iter()
        .find(|c| c.name.starts_with("07-"))
        .expect("case 07");
    let inline = "rw :: IPRewriter(pattern 198.51.100.1 40000-40003# - - 0 1, pass 2);";
    assert!(case.config.contains(inline), "case 07 changed");
    case.config = case.config.replace(
        inline,
        "IPRewriterPatterns(napt 198.51.100.1 40000-40003# - -);\n\
         rw :: IPRewriter(pattern napt 0 1, pass 2);",
    );
    // The handler dump names the extra element nowhere, so it stays comparable.
    let base = std::env::temp_dir().join(format!("sluice-named-pattern-{}", std::process::id()));
    let result = run_case(&case, &base);
    let _ = std::fs::remove_dir_all(&base);
    result.unwrap_or_else(|e| panic!("{e}"));
}
