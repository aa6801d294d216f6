//! The control socket in a guest: the image's `ControlSocket(TCP, 7777)` served by the
//! guest's own TCP/IP stack on a management NIC (`sluice launch --mgmt`: QEMU user
//! networking, 127.0.0.1:PORT forwarded to the guest's port 7777), driven over raw TCP with
//! Click's protocol, byte for byte, while frames flow through the datapath NICs.
//!
//! No timing thresholds: every wait is for a condition, with a generous deadline.

#[path = "../../router/tests/support/raw_control.rs"]
mod raw_control;

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use raw_control::{free_port, wait_for, Conn};
use sluice_router::cli::launch::{Machine, Mgmt};
use sluice_router::cli::traffic::Flow;
use sluice_tests::guest::{accel_name, build_images, Guest};

const PORT: u16 = 7777;

fn config(control: &str) -> String {
    format!(
        "{control};
         FromDevice(0, BURST 32) -> c :: Counter -> cl :: Classifier(12/0800, -);
         cl[0] -> q :: Queue(1000) -> u :: RatedUnqueue(RATE 1000) -> out :: Counter
               -> ToDevice(1, BURST 32);
         cl[1] -> other :: Counter -> Discard;"
    )
}

/// The read-write image and the READONLY one.
fn images() -> &'static Vec<PathBuf> {
    static IMAGES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        eprintln!("guests run under {}", accel_name());
        build_images(
            "sluice-guest-control",
            &[
                ("ctl".into(), config(&format!("ControlSocket(TCP, {PORT})"))),
                (
                    "ctl_ro".into(),
                    config(&format!("ControlSocket(TCP, {PORT}, READONLY true)")),
                ),
            ],
        )
    })
}

/// A guest with two datapath NICs and a management NIC; the control socket's host port.
fn boot(image: usize) -> (Guest, u16) {
    boot_appending(image, "")
}

/// As [`boot`], with more on the guest's command line.
fn boot_appending(image: usize, append: &str) -> (Guest, u16) {
    let host_port = free_port();
    let guest = Guest::boot_with(
        Machine::Microvm,
        &images()[image],
        2,
        "64M",
        &format!("idlestop=3000 {append}"),
        Some(Mgmt {
            host_port,
            guest_port: PORT,
        }),
    );
    guest.wait_for(
        "control socket on the management NIC",
        Duration::from_secs(30),
    );
    (guest, host_port)
}

fn frame(i: u16) -> Vec<u8> {
    Flow {
        sport: 1000 + i,
        ..Flow::udp([198, 51, 100, 10])
    }
    .frame(64)
}

/// Sends `n` frames into NIC 0 back to back; returns how many the host dropped on their way
/// to QEMU (to subtract from what the guest can have counted).
fn burst(guest: &Guest, n: u16) -> u64 {
    let before = guest.nics[0].dropped_before_guest();
    for i in 0..n {
        guest.send(0, &frame(i));
    }
    guest.nics[0].dropped_before_guest() - before
}

/// Waits until `handler` stops changing (nothing more is on its way) and returns it.
fn settled(conn: &mut Conn<TcpStream>, handler: &str) -> u64 {
    let mut last = conn.number(handler);
    wait_for(&format!("{handler} to settle"), || {
        std::thread::sleep(Duration::from_millis(300));
        let now = conn.number(handler);
        let done = now == last;
        last = now;
        done.then_some(now)
    })
}

#[test]
fn counters_read_in_a_guest_match_the_traffic_and_writes_change_the_next_packets() {
    let (guest, port) = boot(0);
    let guest = Arc::new(guest);
    let mut conn = Conn::tcp(port);
    assert_eq!(conn.number("c.count"), 0);

    // Traffic at ~500 frames/s from another thread while the counters are read.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let sender = {
        let (guest, stop, sent) = (Arc::clone(&guest), Arc::clone(&stop), Arc::clone(&sent));
        std::thread::spawn(move || {
            let mut i = 0u16;
            while !stop.load(Ordering::Relaxed) {
                guest.send(0, &frame(i));
                sent.fetch_add(1, Ordering::Relaxed);
                i = i.wrapping_add(1);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let mut readings = Vec::new();
    wait_for("the counter to move while traffic flows", || {
        let n = conn.number("c.count");
        readings.push(n);
        (readings.len() > 3 && n > readings[0]).then_some(())
    });
    assert!(
        readings.windows(2).all(|w| w[0] <= w[1]),
        "a counter never goes back: {readings:?}"
    );
    stop.store(true, Ordering::Relaxed);
    sender.join().expect("sender");
    let sent = sent.load(Ordering::Relaxed);
    let lost_in_host = guest.nics[0].dropped_before_guest();
    let counted = settled(&mut conn, "out.count");
    assert_eq!(conn.number("c.count"), sent - lost_in_host, "c.count");
    let came_out = guest.receive(1, Duration::from_millis(500)).len() as u64;
    assert_eq!(counted, came_out, "out.count is what left NIC 1");
    assert_eq!(counted, sent - lost_in_host, "all forwarded at this rate");
    assert_eq!(conn.number("q.drops"), 0);

    // A burst of 100 fits a queue of 1000; with capacity 5 most of the next burst is
    // dropped (the queue drains at 1000 frames/s; the burst arrives far faster).
    let lost = burst(&guest, 100);
    let out0 = settled(&mut conn, "out.count");
    assert_eq!(out0, counted + 100 - lost);
    assert_eq!(conn.number("q.drops"), 0);
    conn.write("q.capacity", "5");
    assert_eq!(conn.read("q.capacity"), "5");
    let lost = burst(&guest, 100);
    let out1 = settled(&mut conn, "out.count");
    let drops = conn.number("q.drops");
    assert!(
        drops >= 10,
        "capacity 5 drops most of a burst of 100: {drops}"
    );
    assert_eq!(
        out1 - out0 + drops,
        100 - lost,
        "forwarded + dropped = sent"
    );
    conn.write("q.capacity", "1000");

    // New rules: IPv4 now goes to `other`; a bad rule is refused and the rules stay.
    conn.write("cl.config", "12/0806, -");
    let other0 = conn.number("other.count");
    let lost = burst(&guest, 20);
    wait_for("other.count to take the IPv4 frames", || {
        (conn.number("other.count") == other0 + 20 - lost).then_some(())
    });
    assert_eq!(settled(&mut conn, "out.count"), out1, "nothing forwarded");
    let reply = conn.command("WRITE cl.config 12/zz");
    assert!(reply.starts_with("520"), "{reply:?}");
    assert_eq!(conn.read("cl.config"), "12/0806, -");
    conn.quit();

    let guest = Arc::try_unwrap(guest).unwrap_or_else(|_| panic!("the sender is done"));
    let report = guest.finish(Duration::from_secs(60));
    assert_eq!(report.status, Some(0), "{}", report.console);
    assert!(report.num("mgmt.accepted") >= 1);
    assert_eq!(report.num("pool.free"), report.num("pool.free_at_ready"));
}

#[test]
fn bad_commands_in_a_guest_get_clicks_codes_and_nothing_goes_down() {
    let (guest, port) = boot(0);
    let mut conn = Conn::tcp(port);
    assert_eq!(
        conn.command("FOO bar"),
        "501 Command 'FOO' unimplemented\r\n"
    );
    assert_eq!(conn.command("read"), "500 Wrong number of arguments\r\n");
    assert_eq!(conn.command("READ x.count"), "510 No element named 'x'\r\n");
    assert_eq!(
        conn.command("READ c.nope"),
        "511 No handler named 'c.nope'\r\n"
    );
    assert_eq!(
        conn.command("WRITE c.count 7"),
        "530 Handler 'c.count' read-only\r\n"
    );
    assert_eq!(
        conn.command("LLRPC c#c0047c01"),
        "501 Cannot call LLRPC 'c#c0047c01' remotely\r\n"
    );
    // A 100 KiB line (the guest takes 4 KiB lines), then its end: refused, connection up.
    conn.send(&vec![b'A'; 100 * 1024]);
    assert_eq!(conn.command(""), "500 Line too long\r\n");
    conn.send(b"WRITEDATA c.reset 200000\r\n");
    assert_eq!(
        conn.reply(),
        "521 Data too large for write handler 'c.reset'\r\n"
    );
    conn.send(&vec![b'\n'; 200000]);
    // Still answering, and the datapath still forwards.
    let before = conn.number("out.count");
    let lost = burst(&guest, 10);
    wait_for("frames to keep flowing", || {
        (conn.number("out.count") == before + 10 - lost).then_some(())
    });
    assert_eq!(
        guest.receive(1, Duration::from_millis(300)).len() as u64,
        10 - lost
    );
    conn.quit();
    let report = guest.finish(Duration::from_secs(60));
    assert_eq!(report.status, Some(0), "{}", report.console);
}

#[test]
fn a_readonly_guest_control_socket_refuses_writes() {
    let (guest, port) = boot(1);
    let mut conn = Conn::tcp(port);
    assert_eq!(
        conn.command("WRITE q.capacity 5"),
        "530 Permission denied for 'q.capacity'\r\n"
    );
    assert_eq!(
        conn.command("CHECKWRITE c.reset"),
        "530 Permission denied for 'c.reset'\r\n"
    );
    assert_eq!(conn.read("q.capacity"), "1000");
    conn.quit();
    drop(guest);
}

/// An Ethernet frame to the management address from outside, as a datapath NIC would carry
/// it: an ARP request, a TCP SYN to the control port, a ping.
fn probes() -> Vec<Vec<u8>> {
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[2, 0, 0, 0, 9, 9, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    arp.extend_from_slice(&[2, 0, 0, 0, 9, 9, 10, 0, 2, 2]);
    arp.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 2, 15]);
    arp.resize(60, 0);
    let mut syn = Flow {
        src: [10, 0, 2, 2],
        dst: [10, 0, 2, 15],
        sport: 40000,
        dport: PORT,
        ..Flow::udp([10, 0, 2, 15])
    }
    .frame(64);
    syn[23] = 6; // TCP: the header checksum does not cover the protocol change below
    let sum = sluice_elements::wire::checksum::checksum(&{
        let mut h = syn[14..34].to_vec();
        h[10] = 0;
        h[11] = 0;
        h
    });
    syn[24..26].copy_from_slice(&sum.to_be_bytes());
    syn[46] = 0x50; // data offset 5
    syn[47] = 0x02; // SYN
    let ping = Flow {
        proto: sluice_router::cli::traffic::Proto::IcmpEcho,
        ..Flow::udp([10, 0, 2, 15])
    }
    .frame(64);
    vec![arp, syn, ping]
}

#[test]
fn the_management_address_answers_nothing_on_the_datapath_nics() {
    let (guest, port) = boot(0);
    let probes = probes();
    for p in &probes {
        guest.send(0, p);
        guest.send(1, p);
    }
    // NIC 0 gets nothing back; NIC 1 gets only what the configuration forwards (the two
    // IPv4 frames, unchanged); nothing anywhere comes from the management address.
    let back = guest.receive(0, Duration::from_millis(1000));
    assert!(back.is_empty(), "answers on NIC 0: {back:?}");
    let out = guest.receive(1, Duration::from_millis(500));
    assert_eq!(
        out,
        probes[1..].to_vec(),
        "forwarded unchanged, nothing else"
    );
    let mut conn = Conn::tcp(port);
    assert_eq!(
        conn.number("other.count"),
        1,
        "the ARP request went to `other`"
    );
    conn.quit();
    drop(guest);
}

#[test]
fn a_thousand_connections_then_thirty_two_at_once_leave_guest_memory_as_it_was() {
    let (guest, port) = boot(0);
    // One frame arms `idlestop`: the guest stops 3 s after the last activity (control
    // connections count), so `finish` below gets its report.
    burst(&guest, 1);
    let heap = |conn: &mut Conn<TcpStream>| conn.number("guest_heap_used");
    let mut first = Conn::tcp(port);
    let before = heap(&mut first);
    first.quit();
    for i in 0..1000 {
        let mut conn = Conn::tcp(port);
        assert!(conn.number("c.count") <= 1, "connection {i}");
        if i % 2 == 0 {
            conn.quit();
        }
    }
    // 32 clients connected at once, all asking at the same moment. They connect one after
    // another: QEMU's user networking accepts forwarded connections with a listen backlog
    // of 1, and a storm of simultaneous connects loses some inside QEMU (reset towards the
    // guest after its banner, never towards the client), whatever the guest does.
    let connecting = Arc::new(std::sync::Mutex::new(()));
    let together = Arc::new(std::sync::Barrier::new(32));
    let clients: Vec<_> = (0..32)
        .map(|i| {
            let (connecting, together) = (Arc::clone(&connecting), Arc::clone(&together));
            std::thread::spawn(move || {
                let mut conn = {
                    let _one_at_a_time = connecting.lock().expect("lock");
                    Conn::tcp(port)
                };
                together.wait();
                let n = conn.number("c.count");
                together.wait();
                if i % 2 == 0 {
                    conn.quit();
                }
                n
            })
        })
        .collect();
    for c in clients {
        assert!(c.join().expect("client") <= 1);
    }
    // Connections closed without QUIT end as the guest sees the client's FIN.
    wait_for("the guest's heap to be back where it was", || {
        let mut conn = Conn::tcp(port);
        let now = heap(&mut conn);
        conn.quit();
        (now == before).then_some(())
    });
    let report = guest.finish(Duration::from_secs(60));
    assert_eq!(report.status, Some(0), "{}", report.console);
    assert!(report.num("mgmt.accepted") >= 1034, "{}", report.console);
    assert_eq!(
        report.num("pool.free"),
        report.num("pool.free_at_ready"),
        "every packet buffer back"
    );
}

#[test]
fn the_management_interface_can_take_its_address_from_dhcp() {
    // QEMU's user networking runs a DHCP server; its first lease is the address the host
    // port is forwarded to.
    let (guest, port) = boot_appending(0, "mgmt=dhcp");
    guest.wait_for("management interface: ", Duration::from_secs(30));
    assert!(
        guest
            .console()
            .contains("management interface: 10.0.2.15/24 from DHCP"),
        "{}",
        guest.console()
    );
    let mut conn = Conn::tcp(port);
    assert_eq!(conn.read("cl.config"), "12/0800, -");
    conn.quit();
    drop(guest);
}
