//! `sluice bench-guest`: boots guest images under QEMU and measures them end to end, the
//! way a user would see them: QEMU start to first forwarded frame, and saturation
//! throughput through the image with the guest's own cycles per packet.
//!
//! The host side is two UDP sockets on loopback per image (QEMU's `-netdev socket,udp=`,
//! no privileges): a generator sends UDP/IPv4 frames from 192.0.2.10 to 198.51.100.10-20
//! into device 0 as fast as it can, and a sink counts what leaves device 1, answering the
//! image's ARP requests as the hosts behind device 1 would. The same traffic suits
//! `configs/wire.click` (which passes it through) and `configs/iprouter.click` (which routes
//! it), so both are measured alike in one run and the router's rate can be given as a
//! fraction of the wire's: the ceiling of this host's virtual I/O path.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::build::{compile_guests, generate_for};
use super::launch::{qemu_command, Accel, LaunchOptions, Machine, Nic};
use super::traffic::{self, Profile};
use super::Source;
use crate::codegen::Target;

/// What to measure.
#[derive(Debug, Clone)]
pub struct GuestBenchOptions {
    /// Configurations (each gets an image).
    pub configs: Vec<PathBuf>,
    /// Ethernet frame size including the 4-byte FCS the wire would add (64 to 1518).
    pub frame_size: usize,
    /// Seconds of measurement at saturation.
    pub seconds: f64,
    /// Offer this many frames per second instead of saturating.
    pub rate: Option<f64>,
    /// Accelerator.
    pub accel: Accel,
    /// Guest memory.
    pub memory: String,
    /// Boots to take the median boot time of.
    pub boots: usize,
    /// Saturation runs per image, interleaved across images (the host's load drifts);
    /// the median is reported.
    pub runs: usize,
}

/// One image's figures.
#[derive(Debug, Clone)]
pub struct GuestBenchResult {
    /// The configuration.
    pub config: String,
    /// Image size in bytes.
    pub image_bytes: u64,
    /// Median milliseconds from starting QEMU to the first forwarded frame.
    pub boot_ms: f64,
    /// The guest's own entry-to-ready time, microseconds (median).
    pub ready_us: u64,
    /// Frames per second the generator offered.
    pub offered_pps: f64,
    /// Frames per second that came out of device 1.
    pub forwarded_pps: f64,
    /// The guest's TSC cycles per received frame in rounds that did work.
    pub cycles_per_packet: u64,
    /// Frames the guest received.
    pub guest_rx: u64,
}

/// The reply to an ARP request `req` (as the host it asks for), if it is one.
pub fn arp_answer(req: &[u8]) -> Option<Vec<u8>> {
    if req.len() < 42 || req[12..14] != [0x08, 0x06] || req[20..22] != [0, 1] {
        return None;
    }
    let asker_mac = &req[22..28];
    let asker_ip = &req[28..32];
    let wanted_ip = &req[38..42];
    let mac = [2, 0, 0, 0, 0x0b, wanted_ip[3]];
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(asker_mac);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(wanted_ip);
    f.extend_from_slice(asker_mac);
    f.extend_from_slice(asker_ip);
    Some(f)
}

/// A booted image with a host socket pair per NIC.
pub(crate) struct Rig {
    child: Child,
    /// Everything the guest printed so far.
    pub(crate) console: Arc<Mutex<String>>,
    /// When QEMU was started.
    pub(crate) started: Instant,
    /// Sends frames into the guest (any NIC: the port says which).
    pub(crate) tx: UdpSocket,
    /// QEMU's listening port per NIC.
    pub(crate) ports: Vec<u16>,
    /// Receives each NIC's outgoing frames.
    pub(crate) sinks: Vec<UdpSocket>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Rig {
    /// Waits up to `timeout` for QEMU to exit; true if it did.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if self.child.try_wait().ok().flatten().is_some() {
                // Let the console reader catch up.
                std::thread::sleep(Duration::from_millis(100));
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The console so far.
    pub(crate) fn console(&self) -> String {
        self.console.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Waits for the guest's ready line.
    pub(crate) fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        let until = Instant::now() + timeout;
        // The whole ready line, not just its start.
        while !self
            .console()
            .lines()
            .any(|l| l.contains(" ready in ") && l.contains("MHz"))
        {
            if Instant::now() > until {
                return Err(format!(
                    "the guest did not become ready:\n{}",
                    self.console()
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }
}

fn free_port() -> std::io::Result<u16> {
    super::launch::unused_port(false)
}

/// Boots `image` with `nics` UDP NICs on loopback.
pub(crate) fn start(
    image: &Path,
    accel: Accel,
    memory: &str,
    append: &str,
    nics: usize,
) -> Result<Rig, String> {
    start_with(image, accel, memory, append, nics, None)
}

/// As [`start`], with a management NIC when `mgmt` says so.
pub(crate) fn start_with(
    image: &Path,
    accel: Accel,
    memory: &str,
    append: &str,
    nics: usize,
    mgmt: Option<super::launch::Mgmt>,
) -> Result<Rig, String> {
    let io = |e: std::io::Error| e.to_string();
    let tx = UdpSocket::bind("127.0.0.1:0").map_err(io)?;
    let mut ports = Vec::new();
    let mut sinks = Vec::new();
    let mut spec = Vec::new();
    for _ in 0..nics {
        let sink = UdpSocket::bind("127.0.0.1:0").map_err(io)?;
        sink.set_nonblocking(true).map_err(io)?;
        let port = free_port().map_err(io)?;
        spec.push(Nic::Udp {
            local: port,
            remote: sink.local_addr().map_err(io)?.port(),
        });
        ports.push(port);
        sinks.push(sink);
    }
    let options = LaunchOptions {
        image: image.to_path_buf(),
        nics: spec,
        accel,
        machine: Machine::Microvm,
        memory: memory.to_string(),
        append: append.to_string(),
        mgmt,
    };
    let started = Instant::now();
    let mut child = qemu_command(&options)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run QEMU: {e}"))?;
    let console = Arc::new(Mutex::new(String::new()));
    let mut out = child.stdout.take().ok_or("no stdout")?;
    let c = Arc::clone(&console);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut out, &mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut c) = c.lock() {
                c.push_str(&String::from_utf8_lossy(&buf[..n]).replace('\r', ""));
            }
        }
    });
    Ok(Rig {
        child,
        console,
        started,
        tx,
        ports,
        sinks,
    })
}

/// A value of the guest's report (`key value` lines).
pub fn report_value(console: &str, key: &str) -> Option<u64> {
    console.lines().find_map(|l| {
        l.trim_end_matches('\r')
            .strip_prefix(key)
            .and_then(|v| v.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    })
}

/// A handler value the guest printed at the end (`name:` then the value).
pub fn handler_value(console: &str, name: &str) -> Option<u64> {
    let header = format!("{name}:");
    let mut lines = console.lines();
    while let Some(l) = lines.next() {
        if l.trim_end() == header {
            return lines.next().and_then(|v| v.trim().parse().ok());
        }
    }
    None
}
/// QEMU start to the first frame out of device 1, with a frame offered every 100 us from
/// the moment QEMU starts.
fn boot_once(image: &Path, o: &GuestBenchOptions) -> Result<(f64, u64), String> {
    let rig = start(image, o.accel, &o.memory, "quiet", 2)?;
    let frame = Profile::routed().frames(64).swap_remove(0);
    let mut buf = vec![0u8; 2048];
    let deadline = rig.started + Duration::from_secs(30);
    loop {
        let _ = rig.tx.send_to(&frame, ("127.0.0.1", rig.ports[0]));
        if let Ok(n) = rig.sinks[1].recv(&mut buf) {
            if let Some(reply) = arp_answer(&buf[..n]) {
                let _ = rig.tx.send_to(&reply, ("127.0.0.1", rig.ports[1]));
                continue;
            }
            break;
        }
        if Instant::now() > deadline {
            return Err("no frame came out within 30 s".into());
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let boot_ms = rig.started.elapsed().as_secs_f64() * 1000.0;
    // The guest prints its own ready time only in its final report: ask for it by waiting
    // for nothing; `quiet` keeps the console off the boot path.
    Ok((boot_ms, 0))
}

/// One saturation run's figures.
#[derive(Debug, Clone, Copy)]
struct Sample {
    offered: f64,
    forwarded: f64,
    cycles: u64,
    ready: u64,
    rx: u64,
}

fn saturate(image: &Path, o: &GuestBenchOptions) -> Result<Sample, String> {
    let mut rig = start(image, o.accel, &o.memory, "idlestop=500", 2)?;
    rig.wait_ready(Duration::from_secs(30))?;
    let frames = Profile::routed().frames(o.frame_size);
    let load = Load::start(&rig, 0, frames, o.rate)?;
    // One second to warm up (ARP, rings), then the measurement.
    count_out(&rig, 1, Instant::now() + Duration::from_secs(1));
    let sent0 = load.sent();
    let t0 = Instant::now();
    let got = count_out(&rig, 1, t0 + Duration::from_secs_f64(o.seconds));
    let secs = t0.elapsed().as_secs_f64();
    let offered = (load.sent() - sent0) as f64 / secs;
    load.stop();
    rig.wait_exit(Duration::from_secs(30));
    let console = rig.console();
    let cycles = report_value(&console, "cycles_per_packet").unwrap_or(0);
    let ready = report_value(&console, "ready_us").unwrap_or(0);
    let rx = report_value(&console, "nic0.rx_packets").unwrap_or(0);
    Ok(Sample {
        offered,
        forwarded: got as f64 / secs,
        cycles,
        ready,
        rx,
    })
}

/// A generator thread sending `frames` round-robin into a NIC, as fast as it can or at
/// `rate` frames per second.
pub(crate) struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Load {
    pub(crate) fn start(
        rig: &Rig,
        nic: usize,
        frames: Vec<Vec<u8>>,
        rate: Option<f64>,
    ) -> Result<Load, String> {
        Self::start_stamped(rig, nic, frames, rate, None)
    }

    /// As [`Load::start`]; with `epoch`, each frame carries the nanoseconds since `epoch`
    /// at which it was sent in its last 8 bytes ([`traffic::stamp`]), for latency.
    pub(crate) fn start_stamped(
        rig: &Rig,
        nic: usize,
        mut frames: Vec<Vec<u8>>,
        rate: Option<f64>,
        epoch: Option<Instant>,
    ) -> Result<Load, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let tx = rig.tx.try_clone().map_err(|e| e.to_string())?;
        let port = *rig.ports.get(nic).ok_or("no such NIC")?;
        let (s, n) = (Arc::clone(&stop), Arc::clone(&sent));
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut i: u64 = 0;
            while !s.load(Ordering::Relaxed) {
                let idx = (i % frames.len() as u64) as usize;
                let f = &mut frames[idx];
                if let Some(epoch) = epoch {
                    traffic::stamp(f, epoch.elapsed().as_nanos() as u64);
                }
                if tx.send_to(f, ("127.0.0.1", port)).is_ok() {
                    n.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
                if let (Some(rate), 15) = (rate, i % 16) {
                    let due = Duration::from_secs_f64(i as f64 / rate);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            }
        });
        Ok(Load {
            stop,
            sent,
            thread: Some(thread),
        })
    }

    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    pub(crate) fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.sent()
    }
}

/// Counts frames leaving NIC `nic` until `until`, answering ARP requests on every NIC.
pub(crate) fn count_out(rig: &Rig, nic: usize, until: Instant) -> u64 {
    count_out_all(rig, until)[nic]
}

/// Counts the frames leaving each NIC until `until` (at least one pass), answering ARP
/// requests as the hosts behind the NICs would.
pub(crate) fn count_out_all(rig: &Rig, until: Instant) -> Vec<u64> {
    let mut n = vec![0u64; rig.sinks.len()];
    watch_out(rig, until, |i, _| n[i] += 1);
    n
}

/// Calls `frame(nic, bytes)` for every frame leaving the guest until `until` (at least one
/// pass), answering ARP requests as the hosts behind the NICs would (and not passing them on).
pub(crate) fn watch_out(rig: &Rig, until: Instant, frame: impl FnMut(usize, &[u8])) {
    watch(rig, until, false, frame)
}

/// As [`watch_out`]; with `arp_too`, ARP requests are answered and passed on as well (when
/// the traffic sent has ARP requests of its own, from a pcap file).
pub(crate) fn watch(rig: &Rig, until: Instant, arp_too: bool, mut frame: impl FnMut(usize, &[u8])) {
    let mut buf = vec![0u8; 2048];
    loop {
        let mut idle = true;
        for (i, sink) in rig.sinks.iter().enumerate() {
            while let Ok(len) = sink.recv(&mut buf) {
                idle = false;
                match arp_answer(&buf[..len]) {
                    Some(reply) => {
                        let _ = rig.tx.send_to(&reply, ("127.0.0.1", rig.ports[i]));
                        if arp_too {
                            frame(i, &buf[..len]);
                        }
                    }
                    None => frame(i, &buf[..len]),
                }
            }
        }
        if Instant::now() >= until {
            return;
        }
        if idle {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Builds every configuration into an image and measures each.
pub fn bench(o: &GuestBenchOptions) -> Result<Vec<GuestBenchResult>, String> {
    super::launch::check_qemu()?;
    let mut programs = Vec::new();
    for (i, path) in o.configs.iter().enumerate() {
        let src = generate_for(Target::Guest, &Source::File(path.clone()), &[])?;
        programs.push((format!("bench{i}"), src));
    }
    let dir = compile_guests(&programs, "sluice-bench-guest", "release")?;
    let images: Vec<PathBuf> = (0..o.configs.len())
        .map(|i| dir.join(format!("bench{i}")))
        .collect();
    let mut boots: Vec<Vec<f64>> = vec![Vec::new(); images.len()];
    for _ in 0..o.boots.max(1) {
        for (i, image) in images.iter().enumerate() {
            boots[i].push(boot_once(image, o)?.0);
        }
    }
    let mut runs: Vec<Vec<Sample>> = vec![Vec::new(); images.len()];
    for _ in 0..o.runs.max(1) {
        for (i, image) in images.iter().enumerate() {
            runs[i].push(saturate(image, o)?);
        }
    }
    let mut results = Vec::new();
    for (i, path) in o.configs.iter().enumerate() {
        let image_bytes = std::fs::metadata(&images[i]).map(|m| m.len()).unwrap_or(0);
        let mut r = runs[i].clone();
        r.sort_by(|a, b| a.forwarded.total_cmp(&b.forwarded));
        let m = r[r.len() / 2];
        results.push(GuestBenchResult {
            config: path.display().to_string(),
            image_bytes,
            boot_ms: median(boots[i].clone()),
            ready_us: m.ready,
            offered_pps: m.offered,
            forwarded_pps: m.forwarded,
            cycles_per_packet: m.cycles,
            guest_rx: m.rx,
        });
    }
    Ok(results)
}

/// The results as a table; rates also as a fraction of the first row's (the wire).
pub fn table(results: &[GuestBenchResult], o: &GuestBenchOptions) -> String {
    let mut t = format!(
        "{} frames of {} bytes, {} s {} (median of {} interleaved runs), microvm under {}, --memory {}\n",
        "UDP/IPv4",
        o.frame_size,
        o.seconds,
        match o.rate {
            Some(r) => format!("offered at {:.1} kpps", r / 1000.0),
            None => "at saturation".to_string(),
        },
        o.runs.max(1),
        match o.accel.resolve() {
            Accel::Kvm => "KVM",
            _ => "TCG",
        },
        o.memory
    );
    t.push_str("config                       image KiB  boot ms  ready us  offered kpps  forwarded kpps  of first  cycles/pkt\n");
    let base = results.first().map_or(0.0, |r| r.forwarded_pps);
    for r in results {
        let frac = if base > 0.0 {
            r.forwarded_pps / base * 100.0
        } else {
            0.0
        };
        t.push_str(&format!(
            "{:<28} {:>9} {:>8.1} {:>9} {:>13.1} {:>15.1} {:>8.1}% {:>11}\n",
            r.config,
            r.image_bytes / 1024,
            r.boot_ms,
            r.ready_us,
            r.offered_pps / 1000.0,
            r.forwarded_pps / 1000.0,
            frac,
            r.cycles_per_packet
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_requests_get_answers_from_the_host_asked_about() {
        let mut req = vec![0xffu8; 6];
        req.extend_from_slice(&[2, 0, 0, 0, 1, 1, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
        req.extend_from_slice(&[2, 0, 0, 0, 1, 1, 198, 51, 100, 1]);
        req.extend_from_slice(&[0, 0, 0, 0, 0, 0, 198, 51, 100, 20]);
        let r = arp_answer(&req).expect("a request");
        assert_eq!(&r[..6], &[2, 0, 0, 0, 1, 1], "to the asker");
        assert_eq!(&r[20..22], &[0, 2], "a reply");
        assert_eq!(&r[22..28], &[2, 0, 0, 0, 0x0b, 20], "the host's MAC");
        assert_eq!(&r[28..32], &[198, 51, 100, 20]);
        assert_eq!(&r[38..42], &[198, 51, 100, 1]);
        assert!(arp_answer(&r).is_none(), "replies are not answered");
        assert!(arp_answer(&Profile::routed().frames(64)[0]).is_none());
    }
}
