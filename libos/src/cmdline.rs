//! The guest's kernel command line (`-append` on QEMU): space-separated `key=value` options.
//!
//! | option | meaning | default |
//! |---|---|---|
//! | `buffers=N` | packet buffers (2 KiB each) in the pool | a quarter of the heap, 256 to 4096 |
//! | `clockcheck=0` | skip checking the TSC calibration against the PIT | on |
//! | `quiet` | print only errors and the final report | off |
//! | `h=ELEMENT.HANDLER` | print this read handler when the router stops (repeatable) | none |
//! | `idlestop=MS` | stop once frames have flowed and none arrived for MS milliseconds | never |
//! | `selftest=pagefault\|panic` | fault or panic on purpose once booted, to check the reports | off |
//!
//! Unknown options are reported and ignored, so an image still boots with a VMM that adds
//! its own (Firecracker adds `console=`, `reboot=`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The guest's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Packet buffers in the pool (`None`: sized from the heap).
    pub buffers: Option<usize>,
    /// Check the TSC calibration against the PIT at boot.
    pub clock_check: bool,
    /// Print only errors and the report.
    pub quiet: bool,
    /// Read handlers printed when the router stops.
    pub handlers: Vec<String>,
    /// Stop after this many idle milliseconds following traffic.
    pub idle_stop_ms: Option<u64>,
    /// Fault or panic on purpose once booted (`pagefault`, `panic`).
    pub selftest: Option<String>,
    /// Options not understood, for a warning.
    pub unknown: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            buffers: None,
            clock_check: true,
            quiet: false,
            handlers: Vec::new(),
            idle_stop_ms: None,
            selftest: None,
            unknown: Vec::new(),
        }
    }
}

impl Options {
    /// Parses a command line.
    pub fn parse(line: &str) -> Options {
        let mut o = Options::default();
        for word in line.split_ascii_whitespace() {
            let (key, value) = match word.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (word, None),
            };
            match (key, value) {
                ("buffers", Some(v)) => match v.parse::<usize>() {
                    Ok(n) if n > 0 => o.buffers = Some(n),
                    _ => o.unknown.push(word.to_string()),
                },
                ("clockcheck", Some("0" | "off" | "false")) => o.clock_check = false,
                ("clockcheck", Some("1" | "on" | "true")) => o.clock_check = true,
                ("quiet", None) => o.quiet = true,
                ("h", Some(v)) if !v.is_empty() => o.handlers.push(v.to_string()),
                ("selftest", Some(v @ ("pagefault" | "panic"))) => o.selftest = Some(v.to_string()),
                ("idlestop", Some(v)) => match v.parse::<u64>() {
                    Ok(ms) => o.idle_stop_ms = Some(ms),
                    Err(_) => o.unknown.push(word.to_string()),
                },
                _ => o.unknown.push(word.to_string()),
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = Options::parse(
            "buffers=512  quiet h=c.count h=q.drops console=ttyS0 buffers=x idlestop=250",
        );
        assert_eq!(o.idle_stop_ms, Some(250));
        assert_eq!(o.buffers, Some(512));
        assert!(o.quiet);
        assert!(o.clock_check);
        assert_eq!(o.handlers, ["c.count", "q.drops"]);
        assert_eq!(o.unknown, ["console=ttyS0", "buffers=x"]);
        assert!(!Options::parse("clockcheck=0").clock_check);
        assert_eq!(Options::parse(""), Options::default());
    }
}
