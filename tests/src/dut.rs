//! A device under test, the same way whether it is a guest image under QEMU ([`Guest`]) or
//! a configuration run on the host over TAPs ([`HostRouter`]), so one test body checks a
//! network function in both modes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sluice_drivers::af_packet::PacketSocket;
use sluice_drivers::netns::Netns;
use sluice_elements::io::device::{self, DeviceSpec, HostDevice};
use sluice_router::cli::run::{run, RunOptions};
use sluice_router::cli::Source;

use crate::guest::Guest;

/// How a run ended.
#[derive(Debug)]
pub struct Ended {
    /// The handlers printed at the end (`name:` then the value), and anything else printed.
    pub console: String,
    /// Whether it stopped cleanly with every packet buffer back in the pool.
    pub clean: Result<(), String>,
}

impl Ended {
    /// A handler's value (panics with the console if it is missing).
    pub fn handler(&self, name: &str) -> u64 {
        let lines: Vec<&str> = self.console.lines().collect();
        lines
            .windows(2)
            .find(|w| w[0] == format!("{name}:"))
            .and_then(|w| w[1].trim().parse().ok())
            .unwrap_or_else(|| panic!("no handler {name}:\n{}", self.console))
    }
}

/// Frames in and out of a network function's devices.
pub trait Dut {
    /// Sends a frame into device `nic`.
    fn send(&self, nic: usize, frame: &[u8]);
    /// The frames device `nic` sent, until none came for `quiet`.
    fn receive(&self, nic: usize, quiet: Duration) -> Vec<Vec<u8>>;
    /// Stops the function and reports.
    fn end(self) -> Ended;
}

impl Dut for Guest {
    fn send(&self, nic: usize, frame: &[u8]) {
        Guest::send(self, nic, frame);
    }

    fn receive(&self, nic: usize, quiet: Duration) -> Vec<Vec<u8>> {
        Guest::receive(self, nic, quiet)
    }

    fn end(self) -> Ended {
        let report = self.finish(Duration::from_secs(60));
        let clean = if report.status != Some(0) {
            Err(format!("guest status {:?}", report.status))
        } else if report.values.get("pool.free") != report.values.get("pool.free_at_ready") {
            Err("packet buffers not back in the pool".into())
        } else {
            Ok(())
        };
        Ended {
            console: report.console,
            clean,
        }
    }
}

/// A configuration run on the host (`sluice run CONFIG --nic tap:...`) inside a network
/// namespace of its own, with one TAP per device; the test's side of each TAP is a packet
/// socket on it.
pub struct HostRouter {
    kernel: Vec<Mutex<PacketSocket>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<String, String>>>,
    // Deleting the namespace deletes the TAPs.
    _ns: Netns,
    // One host-mode router at a time: numbered devices and open devices are process-wide.
    _one: std::sync::MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl HostRouter {
    /// Runs `config` with `nics` TAPs, printing `handlers` when it stops; `None` (with a
    /// note) where TAPs cannot be made (not root, no /dev/net/tun, no iproute2).
    pub fn start(config: &std::path::Path, nics: usize, handlers: &[&str]) -> Option<HostRouter> {
        if let Some(why) = sluice_drivers::netns::unavailable() {
            eprintln!("skipping the host-mode run: {why} (needs root, /dev/net/tun and iproute2)");
            return None;
        }
        let one = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        device::set_device_opener(sluice_drivers::host::open);
        let ns = Netns::new("sluice-dut").expect("a network namespace");
        let names: Vec<String> = (0..nics).map(|i| format!("dut{i}")).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let single = match handlers {
            [one] => Some(one.to_string()),
            _ => None,
        };
        let options = RunOptions {
            handlers: handlers.iter().map(|h| h.to_string()).collect(),
            interrupt: Some(Arc::clone(&stop)),
            ..RunOptions::default()
        };
        let source = Source::File(config.to_path_buf());
        let specs: Vec<DeviceSpec> = names
            .iter()
            .map(|n| DeviceSpec::parse(&format!("tap:{n}"), None).expect("a TAP name"))
            .collect();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let ns_name = ns.name().to_string();
        let thread = std::thread::spawn(move || {
            let ns = Netns::new_handle(&ns_name);
            ns.enter().map_err(|e| e.to_string())?;
            device::set_numbered_devices(specs);
            let _ = ready_tx.send(());
            run(&source, &options).map(|r| {
                // Click prints a lone handler's bare value; name it, as for several.
                let handlers = match &single {
                    Some(name) => format!("{name}:\n{}", r.handlers),
                    None => r.handlers,
                };
                if r.leaked != 0 {
                    format!("LEAKED {}\n{handlers}", r.leaked)
                } else {
                    handlers
                }
            })
        });
        let _ = ready_rx.recv_timeout(Duration::from_secs(10));
        // The TAPs appear when the router initializes its devices.
        let kernel = std::thread::scope(|s| {
            s.spawn(|| {
                ns.enter().expect("enter the namespace");
                names
                    .iter()
                    .map(|n| {
                        let until = Instant::now() + Duration::from_secs(10);
                        loop {
                            match PacketSocket::open(n, false) {
                                Ok(p) => break Mutex::new(p),
                                Err(e) if Instant::now() > until => {
                                    panic!("{n} never appeared: {e}")
                                }
                                Err(_) => std::thread::sleep(Duration::from_millis(10)),
                            }
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .join()
            .expect("packet sockets")
        });
        Some(HostRouter {
            kernel,
            stop,
            thread: Some(thread),
            _ns: ns,
            _one: one,
        })
    }
}

impl Drop for HostRouter {
    fn drop(&mut self) {
        // A test that failed before `end` still stops its router, so the next one finds
        // no device of this one's open.
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Dut for HostRouter {
    fn send(&self, nic: usize, frame: &[u8]) {
        let mut k = self.kernel[nic].lock().expect("socket");
        // The router brings its TAPs up just after they appear; a send in between fails
        // with ENETDOWN, so that one is retried for a while too.
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            match k.send(frame) {
                Ok(true) => break,
                Ok(false) if Instant::now() > until => break,
                Err(e) if e.kind() != std::io::ErrorKind::NetworkDown || Instant::now() > until => {
                    panic!("send on the TAP: {e}")
                }
                _ => std::thread::sleep(Duration::from_micros(100)),
            }
        }
    }

    fn receive(&self, nic: usize, quiet: Duration) -> Vec<Vec<u8>> {
        let mut k = self.kernel[nic].lock().expect("socket");
        let mut frames = Vec::new();
        let mut buf = vec![0u8; 65536];
        let mut last = Instant::now();
        while last.elapsed() < quiet {
            match k.recv(&mut buf) {
                Ok(Some(n)) => {
                    frames.push(buf[..n.min(buf.len())].to_vec());
                    last = Instant::now();
                }
                _ => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        frames
    }

    fn end(mut self) -> Ended {
        self.stop.store(true, Ordering::Relaxed);
        let result = self
            .thread
            .take()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|_| Err("the router panicked".into()))
            })
            .unwrap_or_else(|| Err("not running".into()));
        match result {
            Ok(text) if text.starts_with("LEAKED") => Ended {
                clean: Err(text.lines().next().unwrap_or_default().to_string()),
                console: text,
            },
            Ok(text) => Ended {
                console: text,
                clean: Ok(()),
            },
            Err(e) => Ended {
                console: e.clone(),
                clean: Err(e),
            },
        }
    }
}
