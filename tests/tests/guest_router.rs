//! `configs/iprouter.click` in a guest under load: a million frames, a fifth of them
//! malformed or random, must all be accounted for (forwarded, or in one of the router's
//! drop counters), the guest must stay up and stop cleanly, and every packet buffer must
//! be back in the pool. Also: a fault and a panic in the guest are reported with a
//! backtrace and end QEMU with their own status.

use sluice_elements::wire::checksum::checksum;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice_tests::guest::{accel_name, build_images, Guest};

const ROUTER_MAC: [u8; 6] = [2, 0, 0, 0, 1, 1];
const ROUTER0_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const HOSTS: u8 = 11;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A UDP frame from 192.0.2.S on eth0's side to 198.51.100.D behind eth1, `len` bytes long.
fn udp_frame(s: u8, d: u8, len: usize) -> Vec<u8> {
    let len = len.clamp(42, 1514);
    let mut f = vec![0u8; len];
    f[..6].copy_from_slice(&ROUTER0_MAC);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0x0a, s]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip_len = (len - 14) as u16;
    f[14] = 0x45;
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f[22] = 64;
    f[23] = 17;
    f[26..30].copy_from_slice(&[192, 0, 2, s]);
    f[30..34].copy_from_slice(&[198, 51, 100, d]);
    let sum = checksum(&f[14..34]);
    f[24..26].copy_from_slice(&sum.to_be_bytes());
    f[34..36].copy_from_slice(&1234u16.to_be_bytes());
    f[36..38].copy_from_slice(&5678u16.to_be_bytes());
    f[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
    f
}

/// An IPv4 frame whose header no router may accept, chosen by `kind`.
fn bad_ip_frame(rng: &mut XorShift) -> Vec<u8> {
    let mut f = udp_frame(10, 10, 60 + rng.below(400) as usize);
    match rng.below(4) {
        0 => f[24] ^= 0x55, // wrong checksum
        1 => {
            f[14] = 0x43; // header length 12 bytes
            let sum = checksum(&f[14..34]);
            f[24..26].copy_from_slice(&sum.to_be_bytes());
        }
        2 => {
            f[14] = 0x65; // version 6 in an IPv4 frame
            f[24..26].copy_from_slice(&[0, 0]);
            let sum = checksum(&f[14..34]);
            f[24..26].copy_from_slice(&sum.to_be_bytes());
        }
        _ => f.truncate(14 + rng.below(20) as usize), // truncated header
    }
    f
}

/// Random bytes under an EtherType that is neither IPv4 nor ARP.
fn random_frame(rng: &mut XorShift) -> Vec<u8> {
    let len = 14 + rng.below(1500) as usize;
    let mut f: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    let mut t = rng.next() as u16;
    if t == 0x0800 || t == 0x0806 {
        t = 0x88b5;
    }
    f[12..14].copy_from_slice(&t.to_be_bytes());
    f
}

fn arp_reply(host: u8) -> Vec<u8> {
    let mac = [2, 0, 0, 0, 0x0b, host];
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(&ROUTER_MAC);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[198, 51, 100, host]);
    f.extend_from_slice(&ROUTER_MAC);
    f.extend_from_slice(&[198, 51, 100, 1]);
    f
}

/// `name:\nvalue` blocks after the report.
fn handler_values(console: &str) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let lines: Vec<&str> = console.lines().collect();
    for w in lines.windows(2) {
        if let Some(name) = w[0].strip_suffix(':') {
            if let Ok(v) = w[1].trim().parse() {
                out.insert(name.to_string(), v);
            }
        }
    }
    out
}

const HANDLERS: &[&str] = &[
    "td0.count",
    "td1.count",
    "arpq0.queries",
    "arpq1.queries",
    "bad.count",
    "other.count",
    "tohost.count",
    "q0.drops",
    "q1.drops",
    "arpq0.drops",
    "arpq1.drops",
    "td0.drops",
    "td1.drops",
];

#[test]
fn iprouter_guest_accounts_for_a_million_frames() {
    let frames: u64 = std::env::var("SLUICE_SOAK_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let config = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../configs/iprouter.click"
    ))
    .expect("configs/iprouter.click");
    let images = build_images("sluice-guest-router", &[("iprouter".to_string(), config)]);
    let append: Vec<String> = HANDLERS.iter().map(|h| format!("h={h}")).collect();
    let guest = Guest::boot(
        &images[0],
        2,
        "64M",
        &format!("idlestop=1500 {}", append.join(" ")),
    );
    println!("accelerator: {}", accel_name());

    // Warm up ARP: one frame per host behind eth1, answer the router's queries.
    for d in 0..HOSTS {
        guest.send(0, &udp_frame(10, 10 + d, 100));
    }
    let queries = guest.receive(1, Duration::from_millis(300));
    assert_eq!(queries.len(), usize::from(HOSTS), "ARP queries on eth1");
    for d in 0..HOSTS {
        guest.send(1, &arp_reply(10 + d));
    }
    let released = guest.receive(1, Duration::from_millis(300));
    assert_eq!(
        released.len(),
        usize::from(HOSTS),
        "held frames released after ARP replies"
    );

    // Drain eth1 while the soak runs.
    let seen = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicU64::new(0));
    let rx = guest.nics[1].rx_socket().try_clone().expect("clone");
    let drain = {
        let seen = Arc::clone(&seen);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 2048];
            while stop.load(Ordering::Relaxed) == 0 {
                if rx.recv(&mut buf).is_ok() {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };

    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let lost_before = guest.nics[0].dropped_before_guest();
    assert_eq!(lost_before, 0);
    let mut bad_sent = 0u64;
    let started = Instant::now();
    // Paced (50,000 frames a second by default, SLUICE_SOAK_RATE) in bursts of 16. Frames
    // the host kernel drops before QEMU reads them (QEMU's socket buffer overflowing while
    // the guest's vCPU holds a core) are counted from /proc/net/udp, so every frame sent is
    // accounted for: dropped on the host, or received by the guest and then forwarded or
    // counted in one of the router's drop counters.
    let rate: f64 = std::env::var("SLUICE_SOAK_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000.0);
    for i in 0..frames {
        let f = match rng.below(10) {
            0 => {
                bad_sent += 1;
                bad_ip_frame(&mut rng)
            }
            1 => {
                bad_sent += 1;
                random_frame(&mut rng)
            }
            _ => udp_frame(
                10 + rng.below(u64::from(HOSTS)) as u8,
                10 + rng.below(u64::from(HOSTS)) as u8,
                60 + rng.below(1455) as usize,
            ),
        };
        guest.send(0, &f);
        if i % 16 == 15 {
            let due = Duration::from_secs_f64((i + 1) as f64 / rate);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    // Give QEMU time to read what the kernel still holds, then count what it dropped.
    std::thread::sleep(Duration::from_millis(500));
    let lost_on_host = guest.nics[0].dropped_before_guest();
    let report = guest.finish(Duration::from_secs(60));
    stop.store(1, Ordering::Relaxed);
    let _ = drain.join();
    let h = handler_values(&report.console);
    let get = |k: &str| {
        *h.get(k)
            .unwrap_or_else(|| panic!("no handler {k}:\n{}", report.console))
    };
    assert_eq!(report.status, Some(0), "guest status:\n{}", report.console);

    let sent = frames + u64::from(HOSTS);
    let forwarded = get("td1.count") - get("arpq1.queries");
    let drops = get("bad.count")
        + get("other.count")
        + get("tohost.count")
        + get("q0.drops")
        + get("q1.drops")
        + get("arpq0.drops")
        + get("arpq1.drops")
        + get("td0.drops")
        + get("td1.drops");
    println!(
        "sent {sent} frames ({bad_sent} malformed or random) in {send_secs:.1} s; guest received {}, \
         forwarded {forwarded}, dropped {drops} (bad {}, other {}, queues {}+{}); host saw {} on eth1",
        report.num("nic0.rx_packets"),
        get("bad.count"),
        get("other.count"),
        get("q0.drops"),
        get("q1.drops"),
        seen.load(Ordering::Relaxed)
    );
    let received = report.num("nic0.rx_packets");
    println!("the host kernel dropped {lost_on_host} frames before QEMU read them (its socket buffer was full)");
    assert_eq!(
        received + lost_on_host,
        sent,
        "frames that reached the guest, plus those the host dropped"
    );
    assert_eq!(
        forwarded + drops,
        received,
        "forwarded + counted drops = received"
    );
    if lost_on_host == 0 {
        assert_eq!(
            get("bad.count") + get("other.count"),
            bad_sent,
            "malformed frames counted"
        );
    }
    assert_eq!(
        report.num("pool.free"),
        report.num("pool.free_at_ready"),
        "pool back to its initial free count"
    );
    assert_eq!(report.num("nic0.rx_errors"), 0);
}

#[test]
fn faults_and_panics_are_reported_and_end_qemu_with_their_status() {
    let images = build_images(
        "sluice-guest-selftest",
        &[(
            "wire".to_string(),
            "FromDevice(0) -> ToDevice(1);".to_string(),
        )],
    );
    for (what, status, expect) in [
        ("pagefault", 3, "fault: page fault (vector 14)"),
        ("panic", 2, "panic: "),
    ] {
        let mut console = String::new();
        let started = Instant::now();
        let mut child =
            sluice_router::cli::launch::qemu_command(&sluice_router::cli::launch::LaunchOptions {
                image: images[0].clone(),
                nics: Vec::new(),
                accel: sluice_tests::guest::accel(),
                machine: sluice_router::cli::launch::Machine::Microvm,
                memory: "32M".into(),
                append: format!("selftest={what}"),
                mgmt: None,
            })
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("qemu");
        let out = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut { out }, &mut s);
            s
        });
        let code = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s.code();
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("selftest={what}: QEMU did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        console.push_str(&reader.join().expect("reader"));
        println!(
            "selftest={what} ({}): QEMU exit {code:?}\n{console}",
            accel_name()
        );
        assert_eq!(
            code.and_then(sluice_router::cli::launch::guest_status),
            Some(status)
        );
        assert!(console.contains(expect), "{console}");
        assert!(console.contains("backtrace"), "{console}");
    }
}

#[test]
fn q35_finds_its_nics_on_pci_and_forwards() {
    let images = build_images(
        "sluice-guest-q35",
        &[(
            "wire".to_string(),
            "FromDevice(0) -> c :: Counter -> ToDevice(1);".to_string(),
        )],
    );
    let guest = Guest::boot_on(
        sluice_router::cli::launch::Machine::Q35,
        &images[0],
        2,
        "64M",
        "idlestop=300 h=c.count",
    );
    let frames: Vec<Vec<u8>> = (0..50u8)
        .map(|i| udp_frame(10, 10 + i % HOSTS, 60 + usize::from(i) * 20))
        .collect();
    for f in &frames {
        guest.send(0, f);
    }
    let out = guest.receive(1, Duration::from_millis(500));
    let report = guest.finish(Duration::from_secs(60));
    println!(
        "q35 under {}: {} of {} frames forwarded",
        accel_name(),
        out.len(),
        frames.len()
    );
    assert_eq!(
        out, frames,
        "frames forwarded unchanged, in order:\n{}",
        report.console
    );
    assert_eq!(report.status, Some(0), "{}", report.console);
    assert_eq!(handler_values(&report.console).get("c.count"), Some(&50));
}
