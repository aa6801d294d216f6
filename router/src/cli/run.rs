//! `sluice run`: a configuration as a Linux process, like Click's userlevel driver.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sluice_elements::element::{Context, Level, Log};
use sluice_elements::packet::{Pool, PoolConfig, Timestamp};

use super::load::{load, Source};
use crate::diagnostics::{self, Style};
use crate::runtime::{Clock, Driver, Graph, Router};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `-D NAME=VALUE` definitions.
    pub defines: Vec<(String, String)>,
    /// Click's `--simtime`: a simulated clock fixed at 1000000000.000000.
    pub simtime: bool,
    /// Read handlers to print at the end (`-h element.handler`).
    pub handlers: Vec<String>,
    /// Packet buffers in the pool.
    pub buffers: usize,
    /// A flag that stops the run when set (Ctrl-C).
    pub interrupt: Option<Arc<AtomicBool>>,
}

/// What a run printed for its handlers, in Click's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The `-h` output.
    pub handlers: String,
    /// Packet buffers still in flight after the run (0 unless something leaked).
    pub leaked: usize,
}

/// Prints elements' messages on stderr: Print's lines as they are, warnings with the
/// element's name.
pub struct StderrLog;

impl Log for StderrLog {
    fn log(&mut self, level: Level, element: &str, message: fmt::Arguments<'_>) {
        let mut err = std::io::stderr().lock();
        let _ = match level {
            Level::Info => writeln!(err, "{message}"),
            Level::Warning => writeln!(err, "{element}: warning: {message}"),
            Level::Error => writeln!(err, "{element}: {message}"),
        };
    }
}

/// The wall clock, as a [`Timestamp`].
pub fn wall_clock() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_parts(d.as_secs(), d.subsec_nanos())
}

/// Loads, checks and runs a configuration until it stops; returns the handler report.
/// Configuration errors come back rendered, every one of them.
pub fn run(source: &Source, options: &RunOptions) -> Result<RunReport, String> {
    let loaded = load(source, &options.defines, true)?;
    let (sources, checked) = loaded.instantiate();
    let Some(instance) = checked.instance else {
        return Err(diagnostics::render(&sources, &checked.errors, Style::Rich));
    };
    let clock = if options.simtime {
        Clock::Simulated
    } else {
        Clock::Wall(wall_clock)
    };
    let buffers = if options.buffers == 0 {
        4096
    } else {
        options.buffers
    };
    let pool =
        Pool::new(PoolConfig::with_slots(buffers)).map_err(|e| format!("packet pool: {e:?}"))?;
    let mut router = Router::new(instance, clock);
    let mut log = StderrLog;
    let mut cx = Context::new(router.now(), pool, &mut log);
    router.initialize(&mut cx).map_err(|e| e.to_string())?;
    let interrupt = options.interrupt.clone();
    let mut keep_going = move || {
        interrupt
            .as_ref()
            .is_none_or(|f| !f.load(Ordering::Relaxed))
    };
    crate::control::host::run_serving(&mut router, &mut cx, &mut keep_going, &mut idle_wait)
        .map_err(|e| e.to_string())?;
    router.cleanup(&mut cx);

    let out = handler_report(&router, &options.handlers)?;
    drop(router);
    let leaked = pool.in_flight();
    Ok(RunReport {
        handlers: out,
        leaked,
    })
}

/// Sleeps until the next timer is due, for at most 10 ms (a wall-clock router's idle wait).
pub fn idle_wait(next: Option<Timestamp>) {
    let now = wall_clock();
    let wait = next.map_or(Duration::from_millis(10), |t| {
        Duration::from_nanos(t.nanos_since(now))
    });
    std::thread::sleep(wait.min(Duration::from_millis(10)));
}

/// The `-h` output in Click's format: the bare value for one handler; `name:`, the value
/// and a blank line for each of several.
pub fn handler_report<G: Graph>(router: &Driver<G>, handlers: &[String]) -> Result<String, String> {
    let mut out = String::new();
    let single = handlers.len() == 1;
    for h in handlers {
        let value = router.read_handler(h).map_err(|e| format!("{h}: {e}"))?;
        if !single {
            let _ = writeln!(out, "{h}:");
        }
        out.push_str(&value);
        if !value.ends_with('\n') {
            out.push('\n');
        }
        if !single {
            out.push('\n');
        }
    }
    Ok(out)
}
