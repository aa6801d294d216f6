//! Every corpus case through a compiled program (`sluice build --host`): each case's
//! configuration is compiled into its own statically dispatched program (all of them in one
//! cargo build, with the fast-building `quick` profile), run with `--simtime`, and must
//! write the same bytes as Click (and therefore as the interpreter, which `corpus_host`
//! holds to the same files) and print the same handler values.
//!
//! A compiled program registers the host's file mapper as `sluice` does, so FromDump maps
//! its input here; `corpus_host` runs in-process without it and reads through a buffer.
//! Both ways are held to Click's bytes.

use std::process::Command;

use sluice_router::cli::build::{compile_many, generate};
use sluice_router::cli::Source;
use sluice_tests::{corpus_cases, expected_outputs, pcap_difference};

#[test]
fn every_corpus_case_compiled_matches_click() {
    let cases = corpus_cases().expect("the corpus is readable at ../shared/corpus/click-diff");
    assert!(cases.len() >= 10, "found only {} corpus cases", cases.len());
    let programs: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            let name = format!("case-{}", c.name);
            let source = generate(&Source::Named("config.click".into(), c.config.clone()), &[])
                .unwrap_or_else(|e| panic!("{}: {e}", c.name));
            (name, source)
        })
        .collect();
    let bin_dir = compile_many(&programs, "sluice-corpus-compiled", "quick")
        .expect("the generated programs compile");

    let base = std::env::temp_dir().join(format!("sluice-corpus-compiled-{}", std::process::id()));
    let mut problems = Vec::new();
    for case in &cases {
        let work = base.join(&case.name);
        std::fs::create_dir_all(&work).expect("temp dir");
        std::fs::copy(case.dir.join("in.pcap"), work.join("in.pcap")).expect("copy in.pcap");
        let mut cmd = Command::new(bin_dir.join(format!("case-{}", case.name)));
        cmd.arg("--simtime").current_dir(&work);
        for h in &case.handlers {
            cmd.args(["-h", h]);
        }
        let out = cmd.output().expect("the program runs");
        if !out.status.success() {
            problems.push(format!(
                "{}: exit {:?}: {}",
                case.name,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let expected_handlers =
            std::fs::read_to_string(case.dir.join("out-handlers.txt")).unwrap_or_default();
        let got = String::from_utf8_lossy(&out.stdout);
        if got != expected_handlers {
            problems.push(format!(
                "{}: handlers differ:\n--- click\n{expected_handlers}--- compiled\n{got}",
                case.name
            ));
        }
        for name in expected_outputs(case).expect("outputs") {
            let want = std::fs::read(case.dir.join(&name)).expect("Click's output");
            match std::fs::read(work.join(&name)) {
                Ok(got) => {
                    if let Some(d) = pcap_difference(&want, &got) {
                        problems.push(format!("{}: {name}: {d}", case.name));
                    }
                }
                Err(e) => problems.push(format!("{}: {name}: not written ({e})", case.name)),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    eprintln!(
        "{} of {} corpus cases byte-identical with Click through compiled programs",
        cases.len(),
        cases.len()
    );
}
