//! Booting guest images in tests: building them, starting QEMU with UDP NICs on loopback
//! (no privileges needed), sending and receiving frames, and reading the guest's report.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sluice_router::cli::build::{compile_guests, generate_for};
use sluice_router::cli::launch::{self, Accel, LaunchOptions, Machine, Mgmt, Nic};
use sluice_router::cli::Source;
use sluice_router::codegen::Target;

/// Builds guest images from `(name, configuration)` pairs as one crate named `package`;
/// returns each image's path, in order. Panics with the build's errors.
pub fn build_images(package: &str, configs: &[(String, String)]) -> Vec<PathBuf> {
    let programs: Vec<(String, String)> = configs
        .iter()
        .map(|(name, text)| {
            let src = generate_for(
                Target::Guest,
                &Source::Named(format!("{name}.click"), text.clone()),
                &[],
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name.clone(), src)
        })
        .collect();
    let dir = compile_guests(&programs, package, "release").unwrap_or_else(|e| panic!("{e}"));
    configs.iter().map(|(name, _)| dir.join(name)).collect()
}

/// The accelerator tests use: KVM when `/dev/kvm` opens, TCG otherwise.
pub fn accel() -> Accel {
    Accel::Auto.resolve()
}

/// Its name for test output.
pub fn accel_name() -> &'static str {
    match accel() {
        Accel::Kvm => "KVM",
        _ => "TCG",
    }
}

/// The host side of one guest NIC.
pub struct HostNic {
    /// Sends frames to the guest (to QEMU's listening port).
    tx: UdpSocket,
    /// Where QEMU listens.
    qemu_port: u16,
    /// Receives the guest's frames.
    rx: UdpSocket,
}

/// A booted guest.
pub struct Guest {
    child: Child,
    console: Arc<Mutex<String>>,
    /// Its NICs' host sides, in device order.
    pub nics: Vec<HostNic>,
    /// When QEMU was started.
    pub started: Instant,
}

/// What the guest reported when it stopped.
#[derive(Debug)]
pub struct Report {
    /// The guest's exit status (None: QEMU ended without one).
    pub status: Option<i32>,
    /// Everything it printed.
    pub console: String,
    /// The `key value` lines of its report.
    pub values: HashMap<String, String>,
}

impl Report {
    /// A report value as a number (panics with the console if missing).
    pub fn num(&self, key: &str) -> u64 {
        self.values
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no numeric '{key}' in the report:\n{}", self.console))
    }
}

fn free_udp_port() -> u16 {
    launch::unused_port(false).expect("a free UDP port")
}

impl HostNic {
    /// The socket this NIC's frames arrive on.
    pub fn rx_socket(&self) -> &UdpSocket {
        &self.rx
    }

    /// Datagrams the host kernel dropped on their way to QEMU (its socket's receive buffer
    /// was full), from `/proc/net/udp`: frames sent to this NIC that never reached the guest.
    pub fn dropped_before_guest(&self) -> u64 {
        launch::udp_socket_drops(self.qemu_port)
    }
}

impl Guest {
    /// Boots `image` on microvm with `nics` UDP NICs, `memory` and the guest command line
    /// `append`; waits until the guest says it is ready (panics with the console if it
    /// does not within `ready_timeout`).
    pub fn boot(image: &Path, nics: usize, memory: &str, append: &str) -> Guest {
        Self::boot_on(Machine::Microvm, image, nics, memory, append)
    }

    /// As [`Guest::boot`], on `machine` (q35 finds its NICs on PCI).
    pub fn boot_on(
        machine: Machine,
        image: &Path,
        nics: usize,
        memory: &str,
        append: &str,
    ) -> Guest {
        Self::boot_with(machine, image, nics, memory, append, None)
    }

    /// As [`Guest::boot_on`], with a management NIC after the others (`sluice launch
    /// --mgmt`): 127.0.0.1:`mgmt.host_port` reaches the guest's control port.
    pub fn boot_with(
        machine: Machine,
        image: &Path,
        nics: usize,
        memory: &str,
        append: &str,
        mgmt: Option<Mgmt>,
    ) -> Guest {
        let mut host = Vec::new();
        let mut spec = Vec::new();
        for _ in 0..nics {
            let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
            rx.set_read_timeout(Some(Duration::from_millis(50)))
                .expect("timeout");
            let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
            let qemu_port = free_udp_port();
            spec.push(Nic::Udp {
                local: qemu_port,
                remote: rx.local_addr().expect("addr").port(),
            });
            host.push(HostNic { tx, qemu_port, rx });
        }
        let options = LaunchOptions {
            image: image.to_path_buf(),
            nics: spec,
            accel: accel(),
            machine,
            memory: memory.to_string(),
            append: append.to_string(),
            mgmt,
        };
        let started = Instant::now();
        let mut child = launch::qemu_command(&options)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("qemu-system-x86_64 runs (apt-get install -y qemu-system-x86)");
        let console = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let console = Arc::clone(&console);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut c = console.lock().expect("lock");
                    c.push_str(line.trim_end_matches('\r'));
                    c.push('\n');
                }
            });
        }
        let guest = Guest {
            child,
            console,
            nics: host,
            started,
        };
        guest.wait_for(" ready in ", Duration::from_secs(60));
        guest
    }

    /// The console so far.
    pub fn console(&self) -> String {
        self.console.lock().expect("lock").clone()
    }

    /// Waits until the console contains `text`; panics with the console after `timeout`.
    pub fn wait_for(&self, text: &str, timeout: Duration) {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if self.console().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!(
            "guest did not print '{text}' in {timeout:?}:\n{}",
            self.console()
        );
    }

    /// Sends one frame into NIC `nic`.
    pub fn send(&self, nic: usize, frame: &[u8]) {
        let n = &self.nics[nic];
        n.tx.send_to(frame, ("127.0.0.1", n.qemu_port))
            .expect("send");
    }

    /// Frames NIC `nic` sent, until none came for `quiet`.
    pub fn receive(&self, nic: usize, quiet: Duration) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        let mut buf = vec![0u8; 65536];
        let mut last = Instant::now();
        while last.elapsed() < quiet {
            match self.nics[nic].rx.recv(&mut buf) {
                Ok(n) => {
                    frames.push(buf[..n].to_vec());
                    last = Instant::now();
                }
                Err(_) => continue,
            }
        }
        frames
    }

    /// Waits for QEMU to exit (the guest stopping, e.g. with `idlestop=`), killing it after
    /// `timeout`; returns the report.
    pub fn finish(mut self, timeout: Duration) -> Report {
        let until = Instant::now() + timeout;
        let status = loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                break s.code().and_then(launch::guest_status);
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // Let the reader threads drain the pipes.
        std::thread::sleep(Duration::from_millis(50));
        let console = self.console();
        let mut values = HashMap::new();
        let mut inside = false;
        for line in console.lines() {
            if line == "== sluice report ==" {
                inside = true;
            } else if line == "== end ==" {
                inside = false;
            } else if inside {
                if let Some((k, v)) = line.split_once(' ') {
                    values.insert(k.to_string(), v.to_string());
                }
            }
        }
        Report {
            status,
            console,
            values,
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The frames of a pcap file (bytes only).
pub fn pcap_frames(path: &Path) -> Vec<Vec<u8>> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = sluice_elements::io::pcap::PcapReader::new(std::io::BufReader::new(file))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut frames = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Some(rec) = reader.next_into(&mut buf).expect("record") {
        frames.push(buf[..rec.caplen as usize].to_vec());
    }
    frames
}
