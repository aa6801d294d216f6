//! `sluice bench`: packets per second through a configuration whose source is an
//! InfiniteSource or a FromDump, interpreted or compiled, whole process, median of runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::build::{compile, generate, package_name};
use super::load::{load, Source};
use super::run::{run, RunOptions};

/// One benchmark's result.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// Packets the source emitted in one run.
    pub packets: u64,
    /// Wall-clock seconds of each run.
    pub seconds: Vec<f64>,
}

impl BenchResult {
    /// The median run time.
    pub fn median(&self) -> f64 {
        let mut s = self.seconds.clone();
        s.sort_by(f64::total_cmp);
        s.get(s.len() / 2).copied().unwrap_or(0.0)
    }

    /// Millions of packets per second at the median.
    pub fn mpps(&self) -> f64 {
        self.packets as f64 / self.median().max(1e-9) / 1e6
    }

    /// Nanoseconds per packet at the median.
    pub fn ns_per_packet(&self) -> f64 {
        self.median() * 1e9 / (self.packets.max(1) as f64)
    }
}

/// The configuration's source element (the first InfiniteSource, RatedSource or FromDump).
fn source_element(source: &Source) -> Result<String, String> {
    let loaded = load(source, &[], true)?;
    loaded
        .flat
        .elements
        .iter()
        .find(|e| {
            matches!(
                e.class.as_str(),
                "InfiniteSource" | "FromDump" | "RatedSource"
            )
        })
        .map(|e| e.name.clone())
        .ok_or_else(|| {
            "sluice bench needs a configuration whose source is InfiniteSource or FromDump".into()
        })
}

/// Runs the configuration `runs` times in this process (interpreted) and times each run.
pub fn bench_interpreted(source: &Source, runs: usize) -> Result<BenchResult, String> {
    let src = source_element(source)?;
    let handler = format!("{src}.count");
    let mut seconds = Vec::new();
    let mut packets = 0;
    for _ in 0..runs.max(1) {
        let options = RunOptions {
            handlers: vec![handler.clone()],
            ..RunOptions::default()
        };
        let started = Instant::now();
        let report = run(source, &options)?;
        seconds.push(started.elapsed().as_secs_f64());
        packets = report
            .handlers
            .trim()
            .parse()
            .map_err(|_| format!("{handler}: not a count"))?;
    }
    Ok(BenchResult { packets, seconds })
}

/// Compiles the configuration (once) and times `runs` runs of the program, whole process.
pub fn bench_compiled(source: &Source, runs: usize, dir: &Path) -> Result<BenchResult, String> {
    let src = source_element(source)?;
    let main_rs = generate(source, &[])?;
    let program: PathBuf = dir.join(package_name(source));
    compile(&main_rs, &package_name(source), &program)?;
    let mut seconds = Vec::new();
    let mut packets = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let out = Command::new(&program)
            .args(["-h", &format!("{src}.count")])
            .output()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        seconds.push(started.elapsed().as_secs_f64());
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        packets = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| "the program printed no count".to_string())?;
    }
    Ok(BenchResult { packets, seconds })
}
