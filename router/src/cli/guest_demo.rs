//! `sluice demo`: the flagship job. Builds `configs/iprouter.click` into a guest image,
//! boots it under QEMU, pushes real traffic through it (good and bad), shows live counters,
//! and reports what was sent, what came out, where the drops were, and the throughput as a
//! fraction of this host's virtual I/O ceiling (`configs/wire.click`, measured in the same
//! run).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::build::{compile_guests, generate_for, workspace_dir};
use super::guest_bench::{
    count_out, count_out_all, handler_value, report_value, start, start_with, Load,
};
use super::launch::{check_qemu, udp_socket_drops, Accel, Mgmt};
use super::traffic::{Flow, Profile};
use super::Source;
use crate::codegen::Target;
use crate::control::client::{Address, Client};

/// What the demo does.
#[derive(Debug, Clone)]
pub struct GuestDemoOptions {
    /// Seconds of traffic through the router.
    pub seconds: f64,
    /// Accelerator.
    pub accel: Accel,
}

/// The router's control socket port in the guest.
const CONTROL_PORT: u16 = 7777;

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
    "arpq0.responses",
];

/// The traffic: 90 % UDP to the hosts behind eth1, 4 % broken IPv4 headers, 3 % other
/// EtherTypes, 3 % TTL 1 (answered with ICMP time exceeded on eth0). Returns the frames (one
/// cycle of 100) and a description.
fn traffic() -> (Vec<Vec<u8>>, &'static str) {
    let mut frames = Vec::new();
    for i in 0..100u8 {
        let mut f = Flow::udp([198, 51, 100, 10 + i % 11]).frame(68 + usize::from(i) * 13);
        match i {
            0..=3 => {
                // A header checksum that does not add up.
                f[24] ^= 0x5a;
            }
            4..=6 => {
                f[12..14].copy_from_slice(&[0x88, 0xb5]);
            }
            7..=9 => {
                f[22] = 1;
                f[24..26].copy_from_slice(&[0, 0]);
                let sum = sluice_elements::wire::checksum::checksum(&f[14..34]);
                f[24..26].copy_from_slice(&sum.to_be_bytes());
            }
            _ => {}
        }
        frames.push(f);
    }
    (
        frames,
        "90% UDP to 11 hosts behind eth1, 4% broken IPv4 headers, 3% other EtherTypes, 3% TTL 1",
    )
}

fn kilo(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2} M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// Runs the demo, printing as it goes.
pub fn run(o: &GuestDemoOptions) -> Result<(), String> {
    check_qemu()?;
    let ws = workspace_dir();
    let configs: Vec<PathBuf> = ["configs/wire.click", "configs/iprouter.click"]
        .iter()
        .map(|c| ws.join(c))
        .collect();
    let accel = o.accel.resolve();
    println!(
        "Sluice demo: configs/iprouter.click, a two-port IPv4 router with ARP, as a guest image \
         under QEMU ({})",
        if accel == Accel::Kvm { "KVM" } else { "TCG" }
    );
    println!("\n[1/4] building guest images (configs/wire.click, configs/iprouter.click)");
    let started = Instant::now();
    let mut programs = Vec::new();
    for (i, path) in configs.iter().enumerate() {
        // The router gets a control socket, served on a management NIC, for the live
        // counters below.
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = if i == 1 {
            format!("{text}\nControlSocket(TCP, {CONTROL_PORT});\n")
        } else {
            text
        };
        let name = path.strip_prefix(&ws).unwrap_or(path).display().to_string();
        programs.push((
            format!("demo{i}"),
            generate_for(Target::Guest, &Source::Named(name, text), &[])?,
        ));
    }
    let dir = compile_guests(&programs, "sluice-demo", "release")?;
    let (wire, router) = (dir.join("demo0"), dir.join("demo1"));
    let size = std::fs::metadata(&router).map(|m| m.len()).unwrap_or(0);
    println!(
        "      built in {:.1} s; the router image is {} KiB",
        started.elapsed().as_secs_f64(),
        size / 1024
    );

    println!(
        "\n[2/4] measuring this host's virtual I/O ceiling: configs/wire.click at saturation (3 s)"
    );
    let ceiling = ceiling(&wire, accel)?;
    println!("      {} frames/s through QEMU and back", kilo(ceiling));

    println!(
        "\n[3/4] booting the router and sending traffic for {} s",
        o.seconds
    );
    let append: Vec<String> = HANDLERS.iter().map(|h| format!("h={h}")).collect();
    let host_port = super::launch::unused_port(true)
        .map_err(|e| format!("no free TCP port for the control socket: {e}"))?;
    let mut rig = start_with(
        &router,
        accel,
        "64M",
        &format!("idlestop=1000 {}", append.join(" ")),
        2,
        Some(Mgmt {
            host_port,
            guest_port: CONTROL_PORT,
        }),
    )?;
    rig.wait_ready(Duration::from_secs(30))?;
    let mut control = Client::connect(
        &Address::parse(&host_port.to_string()),
        Duration::from_secs(5),
    )
    .map_err(|e| format!("the router's control socket: {e}"))?;
    let boot_ms = rig.started.elapsed().as_secs_f64() * 1000.0;
    let console = rig.console();
    if let Some(line) = console.lines().find(|l| l.contains(" ready in ")) {
        println!("      {}", line.trim());
    }
    println!("      (QEMU start to ready: {boot_ms:.0} ms)");
    let (frames, what) = traffic();
    println!("      offering {} frames/s: {what}", kilo(ceiling * 0.9));
    println!(
        "      live: the host's counts, and the guest's read over its control socket \
         (127.0.0.1:{host_port}, a management NIC the datapath never sees)"
    );
    let load = Load::start(&rig, 0, frames, Some(ceiling * 0.9))?;
    let t0 = Instant::now();
    let mut out1 = 0u64;
    let mut out0 = 0u64;
    let mut second: f64 = 1.0;
    while t0.elapsed().as_secs_f64() < o.seconds {
        let until = t0 + Duration::from_secs_f64(second.min(o.seconds));
        let n = count_out_all(&rig, until);
        out0 += n[0];
        out1 += n[1];
        let mut read = |h: &str| {
            control
                .read(h)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        let guest_in = read("fd0.count");
        let guest_out = read("td1.count");
        let guest_drops: u64 = ["bad.count", "other.count", "q0.drops", "q1.drops"]
            .iter()
            .map(|h| read(h))
            .sum();
        println!(
            "      t={:>4.1}s  host: sent {:>7} got {:>7} from eth1, {:>5} from eth0 | guest: in {:>7} out {:>7} dropped {:>6}",
            t0.elapsed().as_secs_f64(),
            kilo(load.sent() as f64),
            kilo(out1 as f64),
            kilo(out0 as f64),
            kilo(guest_in as f64),
            kilo(guest_out as f64),
            kilo(guest_drops as f64)
        );
        second += 1.0;
    }
    let secs = t0.elapsed().as_secs_f64();
    let sent = load.stop();
    // Count what the host dropped before QEMU read it while QEMU (and its socket) is still
    // there: the guest stops itself a second after the traffic does.
    let n = count_out_all(&rig, Instant::now() + Duration::from_millis(300));
    out0 += n[0];
    out1 += n[1];
    let lost_on_host = udp_socket_drops(rig.ports[0]);
    // Drain what is still on its way, answering ARP, until the guest stops.
    let n = count_out_all(&rig, Instant::now() + Duration::from_millis(1700));
    out0 += n[0];
    out1 += n[1];
    rig.wait_exit(Duration::from_secs(30));
    let console = rig.console();
    let h = |name: &str| handler_value(&console, name).unwrap_or(0);
    let r = |key: &str| report_value(&console, key).unwrap_or(0);

    let console_path = std::env::temp_dir().join("sluice-demo-console.txt");
    let _ = std::fs::write(&console_path, &console);
    println!(
        "\n[4/4] report (the guest's console: {})",
        console_path.display()
    );
    let received = r("nic0.rx_packets");
    let forwarded = h("td1.count").saturating_sub(h("arpq1.queries"));
    let answered = h("td0.count").saturating_sub(h("arpq0.queries"));
    let drops = h("bad.count")
        + h("other.count")
        + h("tohost.count")
        + h("q0.drops")
        + h("q1.drops")
        + h("arpq0.drops")
        + h("arpq1.drops");
    println!("  sent into eth0                 {sent:>10}");
    println!(
        "    lost in the host before QEMU {lost_on_host:>10}   (QEMU's socket buffer was full)"
    );
    println!("    received by the guest        {received:>10}");
    println!("  forwarded out of eth1          {forwarded:>10}   (the host saw {out1})");
    println!("  ICMP errors out of eth0        {answered:>10}   (time exceeded, for TTL 1; the host saw {out0})");
    println!("  dropped, and why:");
    println!("    broken IPv4 header (bad)     {:>10}", h("bad.count"));
    println!("    other EtherType (other)      {:>10}", h("other.count"));
    println!(
        "    queues full (q0, q1)         {:>10}",
        h("q0.drops") + h("q1.drops")
    );
    println!(
        "    no ARP answer (arpq0, arpq1) {:>10}",
        h("arpq0.drops") + h("arpq1.drops")
    );
    let arp = h("arpq0.responses");
    let accounted = forwarded + drops + answered + arp;
    println!(
        "  accounted for: {forwarded} forwarded + {drops} dropped + {answered} answered with ICMP \
         + {arp} ARP replies (from the host, for the router) = {accounted} of {received} received{}",
        if accounted == received { ": every frame" } else { ": MISMATCH" }
    );
    println!(
        "  and sent = received by the guest + lost in the host - ARP replies: {sent} = {received} + {lost_on_host} - {arp}{}",
        if sent + arp == received + lost_on_host { ": every frame" } else { ": MISMATCH" }
    );
    let rate = forwarded as f64 / secs;
    println!(
        "  throughput: {} frames/s forwarded = {:.0}% of the {} frames/s ceiling measured above",
        kilo(rate),
        rate / ceiling * 100.0,
        kilo(ceiling)
    );
    println!(
        "  the guest: ready {} us after entry, {} TSC cycles per received frame (VM exits \
         included), pool {} buffers, {} free at the end ({} at ready)",
        r("ready_us"),
        r("cycles_per_packet"),
        r("pool.capacity"),
        r("pool.free"),
        r("pool.free_at_ready")
    );
    println!(
        "\nNext: `sluice build configs/iprouter.click -o router.img` and `sluice launch router.img \
         --nic tap:rt0 --nic tap:rt1` to put it between real interfaces; README.md has more."
    );
    Ok(())
}

/// The wire's saturation rate: frames per second out of device 1 over 3 s.
fn ceiling(wire: &Path, accel: Accel) -> Result<f64, String> {
    let mut rig = start(wire, accel, "64M", "idlestop=300 quiet", 2)?;
    std::thread::sleep(Duration::from_millis(300));
    let load = Load::start(&rig, 0, Profile::routed().frames(64), None)?;
    count_out(&rig, 1, Instant::now() + Duration::from_millis(500));
    let t0 = Instant::now();
    let n = count_out(&rig, 1, t0 + Duration::from_secs(3));
    let secs = t0.elapsed().as_secs_f64();
    load.stop();
    rig.wait_exit(Duration::from_secs(10));
    Ok(n as f64 / secs)
}
