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
//! Cases that cannot pass yet (elements still missing) are listed in `NOT_YET` with the
//! reason; the test fails if one of them starts passing (so the list only shrinks) or if any
//! other case fails.

use std::path::Path;

use sluice_router::cli::run::{run, RunOptions};
use sluice_router::cli::Source;
use sluice_tests::{corpus_cases, expected_outputs, Case};

/// Cases expected to fail, and why.
const NOT_YET: &[(&str, &str)] = &[];

fn run_case(case: &Case, work: &Path) -> Result<(), String> {
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

/// Nanoseconds of the simulated epoch, 1000000000 s.
const SIM_EPOCH_NS: u64 = 1_000_000_000 * 1_000_000_000;

/// The first difference between Click's pcap `want` and Sluice's `got`, if any: file
/// header, record count, timestamps (see the module doc for created packets), original
/// lengths and bytes.
fn pcap_difference(want: &[u8], got: &[u8]) -> Option<String> {
    if want.len() < 24 || got.len() < 24 {
        return Some(format!(
            "file too short ({} vs {} bytes)",
            got.len(),
            want.len()
        ));
    }
    if want[..24] != got[..24] {
        return Some(format!(
            "file header {:02x?} != Click's {:02x?}",
            &got[..24],
            &want[..24]
        ));
    }
    let records = |d: &[u8]| -> Vec<(u64, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut off = 24;
        let word = |o: usize| u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]);
        while off + 16 <= d.len() {
            let (sec, nsec, caplen, origlen) =
                (word(off), word(off + 4), word(off + 8), word(off + 12));
            let end = (off + 16 + caplen as usize).min(d.len());
            out.push((
                u64::from(sec) * 1_000_000_000 + u64::from(nsec),
                origlen,
                d[off + 16..end].to_vec(),
            ));
            off = end;
        }
        out
    };
    let (w, g) = (records(want), records(got));
    if w.len() != g.len() {
        return Some(format!("{} packets, Click wrote {}", g.len(), w.len()));
    }
    for (i, (a, b)) in w.iter().zip(&g).enumerate() {
        let created = a.0 >= SIM_EPOCH_NS && a.0 < SIM_EPOCH_NS + 1_000_000_000;
        let same_time = if created {
            a.0 / 1000 == b.0 / 1000
        } else {
            a.0 == b.0
        };
        if !same_time {
            return Some(format!("#{} timestamp {} != Click's {}", i + 1, b.0, a.0));
        }
        if a.1 != b.1 {
            return Some(format!(
                "#{} original length {} != Click's {}",
                i + 1,
                b.1,
                a.1
            ));
        }
        if a.2 != b.2 {
            let at =
                a.2.iter()
                    .zip(&b.2)
                    .position(|(x, y)| x != y)
                    .unwrap_or(a.2.len().min(b.2.len()));
            return Some(format!(
                "#{} bytes differ at offset {at} (length {} vs Click's {}): {:02x?} != Click's {:02x?}",
                i + 1,
                b.2.len(),
                a.2.len(),
                &b.2[at.min(b.2.len())..(at + 8).min(b.2.len())],
                &a.2[at.min(a.2.len())..(at + 8).min(a.2.len())]
            ));
        }
    }
    None
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
