//! Whole-configuration benchmarks: the shared benchmark configurations
//! `../shared/bench/p*.click`, with 200,000 packets a run instead of 10,000,000 (their
//! `LIMIT 10000000` becomes `LIMIT 200000`; the FromDump ones read a `big.pcap` of 200,000
//! frames that `gen-big.py` writes once per bench run into a temporary directory, which
//! becomes the working directory). Each iteration is one whole run; throughput is in
//! packets emitted by the source (checked against its `count` handler). Cases, for each
//! configuration `pN-name`:
//!
//! - `pN-name/interpreted`: `sluice_router::cli::run::run` in this process: load, check,
//!   configure, initialize, run to the end, clean up.
//! - `pN-name/compiled`: the configuration built once with `sluice build`'s
//!   `generate`/`compile` (release profile), each run a subprocess (`-h SRC.count`), whole
//!   process. Building takes a minute or two per configuration the first time, so these
//!   run only with `SLUICE_BENCH_COMPILED=1`.
//!
//! Run: `cargo bench -p sluice-benches --bench configs` (add `SLUICE_BENCH_COMPILED=1` for
//! the compiled cases).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sluice_router::cli::build::{compile, generate};
use sluice_router::cli::load::{load, Source};
use sluice_router::cli::run::{run, RunOptions};

/// Packets per run.
const PACKETS: u64 = 200_000;

/// `../shared/bench`.
fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench")
}

/// The configurations, `(stem, text with the reduced packet count)`, in name order.
fn configurations() -> Vec<(String, String)> {
    let dir = bench_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "click")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('p'))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .replace("LIMIT 10000000", &format!("LIMIT {PACKETS}"));
            let stem = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (stem, text)
        })
        .collect()
}

/// The configuration's source element (InfiniteSource or FromDump), whose `count` handler
/// says how many packets a run emitted.
fn source_element(source: &Source) -> String {
    let loaded = load(source, &[], true).expect("configuration loads");
    loaded
        .flat
        .elements
        .iter()
        .find(|e| matches!(e.class.as_str(), "InfiniteSource" | "FromDump"))
        .map(|e| e.name.clone())
        .expect("an InfiniteSource or FromDump")
}

/// Writes `big.pcap` with `PACKETS` frames into `dir`.
fn make_big_pcap(dir: &Path) {
    let script = bench_dir().join("gen-big.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg(PACKETS.to_string())
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("python3 {}: {e}", script.display()));
    assert!(status.success(), "gen-big.py failed");
}

fn config_benches(c: &mut Criterion) {
    let configs = configurations();
    assert!(
        !configs.is_empty(),
        "no configurations in {}",
        bench_dir().display()
    );
    let compiled = std::env::var("SLUICE_BENCH_COMPILED").is_ok_and(|v| v == "1");

    let work = std::env::temp_dir().join(format!("sluice-bench-configs-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temporary directory");
    if configs.iter().any(|(_, text)| text.contains("big.pcap")) {
        make_big_pcap(&work);
    }
    let previous_dir = std::env::current_dir().ok();
    std::env::set_current_dir(&work).expect("chdir to the temporary directory");

    for (stem, text) in &configs {
        let source = Source::Named(format!("{stem}.click"), text.clone());
        let handler = format!("{}.count", source_element(&source));
        let mut g = c.benchmark_group(stem.as_str());
        g.sample_size(10);
        g.throughput(Throughput::Elements(PACKETS));

        g.bench_function("interpreted", |b| {
            let options = RunOptions {
                handlers: vec![handler.clone()],
                ..RunOptions::default()
            };
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let report = run(&source, &options).unwrap_or_else(|e| panic!("{stem}: {e}"));
                    total += started.elapsed();
                    assert_eq!(
                        report.handlers.trim(),
                        PACKETS.to_string(),
                        "{stem}: packets"
                    );
                }
                total
            })
        });

        if compiled {
            let main_rs = generate(&source, &[]).unwrap_or_else(|e| panic!("{stem}: {e}"));
            let program = work.join(stem);
            let package = format!("sluice-bench-{stem}");
            let secs =
                compile(&main_rs, &package, &program).unwrap_or_else(|e| panic!("{stem}: {e}"));
            eprintln!("{stem}: compiled in {secs:.1} s");
            g.bench_function("compiled", |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        let out = Command::new(&program)
                            .args(["-h", &handler])
                            .current_dir(&work)
                            .output()
                            .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
                        total += started.elapsed();
                        assert!(
                            out.status.success(),
                            "{stem}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        assert_eq!(
                            String::from_utf8_lossy(&out.stdout).trim(),
                            PACKETS.to_string(),
                            "{stem}: packets"
                        );
                    }
                    total
                })
            });
        }
        g.finish();
    }

    if let Some(dir) = previous_dir {
        let _ = std::env::set_current_dir(dir);
    }
    let _ = std::fs::remove_dir_all(&work);
}

criterion_group!(benches, config_benches);
criterion_main!(benches);
