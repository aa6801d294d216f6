//! FromDevice and ToDevice on real Linux devices: a TAP and a veth pair, each inside a
//! network namespace the test creates and deletes, so no frame leaves the test's own
//! interfaces. Needs root, `/dev/net/tun` and `ip`; without them each test says why and
//! passes without running.

#![cfg(target_os = "linux")]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sluice_drivers::af_packet::PacketSocket;
use sluice_elements::element::testing::Pair;
use sluice_elements::element::testing::{configure, Collect, Feed};
use sluice_elements::element::{Context, Element, HandlerContext, Handlers, NoLog, Ports};
use sluice_elements::io::device::{self, HostDevice};
use sluice_elements::io::{FromDevice, ToDevice};
use sluice_elements::packet::{PacketType, Pool, PoolConfig, Timestamp};

/// An IEEE "local experimental" EtherType: nothing else on the test links uses it.
const TEST_ETHERTYPE: [u8; 2] = [0x88, 0xb5];

/// Why the tests cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    // SAFETY: geteuid(2) takes nothing and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Some("no /dev/net/tun".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("no `ip` command".into()),
    }
}

macro_rules! require_devices {
    () => {
        if let Some(why) = unavailable() {
            eprintln!("skipping device test: {why} (needs root, /dev/net/tun and iproute2)");
            return;
        }
    };
}

fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A network namespace that exists as long as this guard (deleting it also deletes every
/// interface made in it).
struct Netns {
    name: String,
}

impl Netns {
    fn new() -> Netns {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "sluice-t{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        ip(&["netns", "add", &name]).expect("create a network namespace");
        let ns = Netns { name };
        // No IPv6 chatter (router solicitations, MLD) on the test links; best effort.
        for key in ["all", "default"] {
            let _ = Command::new("ip")
                .args(["netns", "exec", &ns.name, "sysctl", "-qw"])
                .arg(format!("net.ipv6.conf.{key}.disable_ipv6=1"))
                .output();
        }
        ns
    }

    fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// Runs `f` on a thread inside the namespace; a panic in `f` fails the test (after
    /// the guard deleted the namespace).
    fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = File::open(&path).expect("open the namespace");
                // SAFETY: setns(2) on an open namespace descriptor changes only this
                // thread's network namespace; it touches no memory of ours.
                let r = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
                f()
            })
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "delete", &self.name]);
    }
}

fn frame(dst: [u8; 6], src: [u8; 6], tag: u8, len: usize) -> Vec<u8> {
    let mut f = vec![tag; len.max(60)];
    f[..6].copy_from_slice(&dst);
    f[6..12].copy_from_slice(&src);
    f[12..14].copy_from_slice(&TEST_ETHERTYPE);
    f
}

fn is_test_frame(f: &[u8]) -> bool {
    f.get(12..14) == Some(&TEST_ETHERTYPE[..])
}

fn hcx() -> HandlerContext {
    HandlerContext {
        now: Timestamp::SIMULATED_EPOCH,
    }
}

/// Runs `fd`'s task until `out` holds `n` packets or a second passes.
fn receive(fd: &mut FromDevice, out: &mut Collect, n: usize, cx: &mut Context<'_>) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while out.count(0) < n && Instant::now() < deadline {
        if !fd.run_task(&mut Pair(out, &mut Feed::new()), cx) {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Receives frames of the test EtherType on `socket` until `n` arrive or a second passes.
fn collect_frames(socket: &mut PacketSocket, n: usize) -> Vec<(Vec<u8>, Option<PacketType>)> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 2048];
    let deadline = Instant::now() + Duration::from_secs(2);
    while got.len() < n && Instant::now() < deadline {
        match socket.recv(&mut buf).expect("recv") {
            Some(len) if is_test_frame(&buf[..len.min(buf.len())]) => {
                got.push((buf[..len].to_vec(), socket.last_packet_type()));
            }
            Some(_) => {}
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    got
}

const SOURCE: Ports = Ports {
    inputs: 0,
    outputs: 1,
};
const SINK: Ports = Ports {
    inputs: 1,
    outputs: 0,
};

#[test]
fn tap_frames_both_ways() {
    require_devices!();
    device::set_device_opener(sluice_drivers::host::open);
    let ns = Netns::new();
    let name = "sltap0";
    ns.run(|| {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::from_secs(1_700_000_000), pool, &mut log);
        let mut fd: FromDevice =
            configure(&format!("tap:{name}, BURST 8, PROTOCOL 0x88b5"), SOURCE).unwrap();
        fd.initialize(&mut cx).expect("create the TAP");
        let mut td: ToDevice = configure(&format!("{name}, METHOD TAP"), SINK).unwrap();
        td.initialize(&mut cx).expect("share the TAP");
        // The host kernel's side: a packet socket on the TAP interface.
        let mut kernel = PacketSocket::open(name, false).expect("packet socket on the TAP");
        let tap_mac = kernel.mac().expect("a TAP has a MAC").octets();

        // Kernel -> TAP -> FromDevice.
        let sent: Vec<Vec<u8>> = (0..5u8)
            .map(|i| {
                frame(
                    [2, 0, 0, 0, 0, 0x10 + i],
                    tap_mac,
                    i,
                    60 + usize::from(i) * 100,
                )
            })
            .collect();
        for f in &sent {
            assert!(kernel.send(f).expect("send on the TAP"));
        }
        let mut broadcast = sent[0].clone();
        broadcast[..6].copy_from_slice(&[0xff; 6]);
        assert!(kernel.send(&broadcast).unwrap());
        let mut out = Collect::new();
        receive(&mut fd, &mut out, 6, &mut cx);
        let got: Vec<&[u8]> = out.port(0).iter().map(|p| p.data()).collect();
        let mut want: Vec<&[u8]> = sent.iter().map(Vec::as_slice).collect();
        want.push(&broadcast);
        assert_eq!(got, want);
        let p = &out.port(0)[0];
        assert_eq!(p.anno().packet_type, PacketType::Host);
        assert_eq!(out.port(0)[5].anno().packet_type, PacketType::Broadcast);
        assert_eq!(p.anno().timestamp, Timestamp::from_secs(1_700_000_000));
        assert_eq!(
            p.anno().device,
            kernel.ifindex().and_then(|i| u16::try_from(i).ok())
        );
        assert_eq!(p.headroom(), pool.headroom());
        assert_eq!(fd.read_handler("count", &hcx()).unwrap(), "6");
        assert_eq!(fd.read_handler("encap", &hcx()).unwrap(), "ETHER");

        // FromDevice -> ToDevice (push) -> TAP -> kernel.
        for p in out.ports.remove(0) {
            td.push(0, p, &mut Collect::new(), &mut cx);
        }
        assert_eq!(td.read_handler("count", &hcx()).unwrap(), "6");
        let back = collect_frames(&mut kernel, 6);
        let back: Vec<&[u8]> = back.iter().map(|(f, _)| f.as_slice()).collect();
        assert_eq!(back, want);

        fd.cleanup(&mut cx);
        td.cleanup(&mut cx);
        drop((fd, td));
        assert_eq!(pool.in_flight(), 0);
    });
    // The TAP was ours: it went with its last handle.
    assert!(ns.ip(&["link", "show", name]).is_err(), "TAP left behind");
}

#[test]
fn tap_pull_burst_and_long_frames() {
    require_devices!();
    device::set_device_opener(sluice_drivers::host::open);
    let ns = Netns::new();
    ns.run(|| {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        // SNAPLEN smaller than the frames: cut, with the rest as extra length.
        let mut fd: FromDevice =
            configure("tap:sltap1, false, 100, BURST 64, PROTOCOL 0x88b5", SOURCE).unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut kernel = PacketSocket::open("sltap1", false).unwrap();
        let f = frame([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], 7, 1000);
        assert!(kernel.send(&f).unwrap());
        let mut out = Collect::new();
        receive(&mut fd, &mut out, 1, &mut cx);
        assert_eq!(out.port(0)[0].data(), &f[..100]);
        assert_eq!(out.port(0)[0].anno().extra_length, 900);
        drop(out);

        // A pulled ToDevice sends BURST frames per run, in order.
        let mut td = {
            let config = "tap:sltap1, BURST 4";
            let args = sluice_elements::element::args::split_args(config, 0);
            let names = sluice_elements::element::args::NoNames;
            let reader = sluice_elements::element::args::Args::new(
                &args,
                sluice_elements::element::args::Span::new(0, config.len()),
                &names,
            );
            let cx = sluice_elements::element::ConfigContext {
                name: "td",
                ports: SINK,
                input_pull: &[true],
                output_pull: &[],
            };
            ToDevice::configure(reader, &cx).unwrap()
        };
        td.initialize(&mut cx).unwrap();
        let mut feed = Feed::new();
        for i in 0..10u8 {
            let f = frame([0xff; 6], [2, 0, 0, 0, 0, 2], i, 64);
            feed.add(0, pool.packet(&f).unwrap().into());
        }
        assert!(td.run_task(&mut Pair(&mut Collect::new(), &mut feed), &mut cx));
        assert_eq!(td.read_handler("count", &hcx()).unwrap(), "4");
        while td.run_task(&mut Pair(&mut Collect::new(), &mut feed), &mut cx) {}
        let got = collect_frames(&mut kernel, 10);
        let tags: Vec<u8> = got.iter().map(|(f, _)| f[20]).collect();
        assert_eq!(tags, (0..10).collect::<Vec<u8>>());
        assert!(got.iter().all(|(_, t)| *t == Some(PacketType::Broadcast)));
        drop((fd, td));
        assert_eq!(pool.in_flight(), 0);
    });
}

#[test]
fn packet_sockets_on_a_veth_pair() {
    require_devices!();
    device::set_device_opener(sluice_drivers::host::open);
    let ns = Netns::new();
    ns.ip(&[
        "link", "add", "name", "slva", "type", "veth", "peer", "name", "slvb",
    ])
    .expect("create a veth pair");
    ns.ip(&["link", "set", "slva", "up"]).unwrap();
    ns.ip(&["link", "set", "slvb", "up"]).unwrap();
    let detail = ns.run(|| {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut fd: FromDevice = configure(
            "slva, PROMISC true, METHOD LINUX, BURST 16, PROTOCOL 0x88b5",
            SOURCE,
        )
        .unwrap();
        fd.initialize(&mut cx).expect("packet socket on slva");
        let mut td: ToDevice = configure("slvb", SINK).unwrap();
        td.initialize(&mut cx).expect("packet socket on slvb");
        let promisc = ns.ip(&["-d", "link", "show", "slva"]).unwrap();
        let a_mac = PacketSocket::open("slva", false)
            .unwrap()
            .mac()
            .unwrap()
            .octets();
        let b_mac = [2, 0, 0, 0, 0, 0xb];
        let frames = [
            frame(a_mac, b_mac, 1, 60),
            frame([0xff; 6], b_mac, 2, 100),
            frame([0x33, 0x33, 0, 0, 0, 1], b_mac, 3, 80),
            frame([2, 0, 0, 0, 0, 0xc], b_mac, 4, 1514),
        ];
        for f in &frames {
            td.push(
                0,
                pool.packet(f).unwrap().into(),
                &mut Collect::new(),
                &mut cx,
            );
        }
        assert_eq!(td.read_handler("count", &hcx()).unwrap(), "4");
        let mut out = Collect::new();
        receive(&mut fd, &mut out, 4, &mut cx);
        let got: Vec<&[u8]> = out.port(0).iter().map(|p| p.data()).collect();
        let want: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        assert_eq!(got, want);
        let types: Vec<PacketType> = out.port(0).iter().map(|p| p.anno().packet_type).collect();
        assert_eq!(
            types,
            [
                PacketType::Host,
                PacketType::Broadcast,
                PacketType::Multicast,
                PacketType::OtherHost
            ]
        );
        let drops = fd.read_handler("kernel_drops", &hcx()).unwrap();
        assert_eq!(drops, "0");
        drop(out);
        drop((fd, td));
        assert_eq!(pool.in_flight(), 0);
        // The kernel drops the membership when the socket is released, which can lag the
        // close by a moment: look again for up to a second.
        let mut after = ns.ip(&["-d", "link", "show", "slva"]).unwrap();
        for _ in 0..50 {
            if after.contains("promiscuity 0") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            after = ns.ip(&["-d", "link", "show", "slva"]).unwrap();
        }
        (promisc, after)
    });
    // PROMISC is a socket membership: on while FromDevice runs, gone after.
    assert!(detail.0.contains("promiscuity 1"), "{}", detail.0);
    assert!(detail.1.contains("promiscuity 0"), "{}", detail.1);
}

#[test]
fn numbered_and_missing_devices_say_why() {
    require_devices!();
    device::set_device_opener(sluice_drivers::host::open);
    let ns = Netns::new();
    ns.run(|| {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        // (Device 7: no test gives that many, whatever runs beside this one.)
        let mut fd: FromDevice = configure("7", SOURCE).unwrap();
        let e = fd.initialize(&mut cx).unwrap_err();
        assert!(e.starts_with("device 7: device 7 was not given"), "{e}");
        let mut td: ToDevice = configure("slnone", SINK).unwrap();
        let e = td.initialize(&mut cx).unwrap_err();
        assert!(e.starts_with("slnone: "), "{e}");
    });
}

#[test]
fn numbered_devices_stand_for_the_given_taps() {
    require_devices!();
    device::set_device_opener(sluice_drivers::host::open);
    let ns = Netns::new();
    ns.run(|| {
        // What `sluice run --nic tap:slnum0 --nic tap:slnum1` sets.
        device::set_numbered_devices(vec![
            device::DeviceSpec::parse("tap:slnum0", None).unwrap(),
            device::DeviceSpec::parse("tap:slnum1", None).unwrap(),
        ]);
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut fd: FromDevice = configure("0, PROTOCOL 0x88b5", SOURCE).unwrap();
        fd.initialize(&mut cx).expect("device 0 is tap:slnum0");
        let mut td: ToDevice = configure("1", SINK).unwrap();
        td.initialize(&mut cx).expect("device 1 is tap:slnum1");
        let mut k0 = PacketSocket::open("slnum0", false).expect("slnum0 exists");
        let mut k1 = PacketSocket::open("slnum1", false).expect("slnum1 exists");
        let f = frame([2, 0, 0, 0, 0, 9], [2, 0, 0, 0, 0, 8], 7, 80);
        assert!(k0.send(&f).unwrap());
        let mut out = Collect::new();
        receive(&mut fd, &mut out, 1, &mut cx);
        for p in out.ports.remove(0) {
            td.push(0, p, &mut Collect::new(), &mut cx);
        }
        let got = collect_frames(&mut k1, 1);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, f);
    });
}
