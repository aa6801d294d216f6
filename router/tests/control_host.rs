//! The control socket in host mode, end to end: `sluice run` (the built binary) serves a
//! configuration with a ControlSocket while packets flow, and the tests speak Click's
//! protocol to it over raw TCP and UNIX sockets (not through Sluice's own client), byte for
//! byte. No timing thresholds: every wait is for a condition, with a generous deadline.

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

#[path = "support/raw_control.rs"]
mod raw_control;

use raw_control::{free_port, wait_for, Conn, DEADLINE};

/// A `sluice run` process, killed when dropped.
struct Sluice {
    child: Child,
}

impl Sluice {
    fn run(config: &str) -> Sluice {
        let child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["run", "-e", config])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sluice runs");
        Sluice { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's open file descriptors.
    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Stops it with SIGTERM (as Ctrl-C does) and waits: its exit status and stderr.
    fn terminate(mut self) -> (bool, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let status = self.child.wait().expect("waits");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status.success(), err)
    }
}

impl Drop for Sluice {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn counters_read_while_traffic_flows_match_what_was_sent() {
    let port = free_port();
    let sluice = Sluice::run(&format!(
        "ControlSocket(TCP, {port}, LOCALHOST true);
         s :: RatedSource(LENGTH 60, RATE 2000, LIMIT 4000)
           -> c :: Counter -> q :: Queue(200) -> u :: Unqueue -> d :: Discard;"
    ));
    let mut conn = Conn::tcp(port);
    // While it flows, the counter never runs ahead of the source, and it moves.
    let first = conn.number("c.count");
    let mut seen_moving = false;
    wait_for("the source to finish", || {
        let counted = conn.number("c.count");
        let sent = conn.number("s.count");
        assert!(counted <= sent, "counted {counted} of {sent}");
        seen_moving |= counted > first && sent < 4000;
        (sent == 4000).then_some(())
    });
    conn.wait_number("d.count", 4000);
    assert_eq!(conn.number("c.count"), 4000);
    assert_eq!(conn.number("u.count"), 4000);
    assert_eq!(conn.number("c.byte_count"), 4000 * 60);
    assert_eq!(conn.number("q.drops"), 0);
    assert!(seen_moving || first == 4000, "read while packets flowed");
    // Handler names by element number and global handlers work too.
    assert_eq!(conn.read("3.name"), "c");
    assert!(conn.read("list").starts_with("6\n"));
    conn.quit();
    drop(sluice);
}

#[test]
fn queue_capacity_and_classifier_config_writes_change_the_next_packets() {
    let port = free_port();
    let sluice = Sluice::run(&format!(
        "ControlSocket(TCP, {port}, LOCALHOST true);
         s :: InfiniteSource(DATA \\<00000000 0000 00000000 0000 0800>, LIMIT 20, ACTIVE false)
           -> cl :: Classifier(12/0800, -);
         cl[0] -> ip :: Counter -> q :: Queue(1000) -> u :: Unqueue(ACTIVE false) -> Discard;
         cl[1] -> other :: Counter -> Discard;"
    ));
    let mut conn = Conn::tcp(port);
    // A queue of 5: of 20 packets, 15 are dropped.
    conn.write("q.capacity", "5");
    assert_eq!(conn.read("q.capacity"), "5");
    conn.write("s.active", "true");
    conn.wait_number("s.count", 20);
    conn.wait_number("ip.count", 20);
    assert_eq!(conn.number("q.length"), 5);
    assert_eq!(conn.number("q.drops"), 15);
    // A queue of 100: 20 more fit, no new drops.
    conn.write("q.capacity", "100");
    conn.write("s.reset", "");
    conn.wait_number("ip.count", 40);
    assert_eq!(conn.number("q.length"), 25);
    assert_eq!(conn.number("q.drops"), 15);
    // Reconfigure the classifier: the next IP packets take output 1.
    conn.write("cl.config", "12/0806, -");
    assert_eq!(conn.read("cl.config"), "12/0806, -");
    conn.write("s.reset", "");
    conn.wait_number("other.count", 20);
    assert_eq!(conn.number("ip.count"), 40);
    // A bad configuration fails with Click's 520 and the error; the old one stays.
    let reply = conn.command("WRITE cl.config 12/zz, -");
    assert!(
        reply.starts_with("520-Write handler 'cl.config' error:\r\n520")
            && reply.contains("\r\n520 pattern 0: "),
        "{reply:?}"
    );
    assert_eq!(conn.read("cl.config"), "12/0806, -");
    conn.write("s.reset", "");
    conn.wait_number("other.count", 40);
    assert_eq!(conn.number("ip.count"), 40);
    conn.quit();
    drop(sluice);
}

#[test]
fn bad_commands_get_clicks_codes_and_nothing_goes_down() {
    let port = free_port();
    let sluice = Sluice::run(&format!(
        "ControlSocket(TCP, {port}, LOCALHOST true);
         s :: RatedSource(LENGTH 60, RATE 1000) -> c :: Counter -> Discard;"
    ));
    let mut conn = Conn::tcp(port);
    let before = conn.number("c.count");
    assert_eq!(
        conn.command("FOO bar"),
        "501 Command 'FOO' unimplemented\r\n"
    );
    assert_eq!(conn.command("read"), "500 Wrong number of arguments\r\n");
    assert_eq!(
        conn.command("READDATA c.count x"),
        "500 Syntax error in 'READDATA'\r\n"
    );
    assert_eq!(conn.command("READ x.count"), "510 No element named 'x'\r\n");
    assert_eq!(
        conn.command("READ c.nope"),
        "511 No handler named 'c.nope'\r\n"
    );
    assert_eq!(
        conn.command("READ c.reset"),
        "530 Handler 'c.reset' write-only\r\n"
    );
    assert_eq!(
        conn.command("WRITE c.count 7"),
        "530 Handler 'c.count' read-only\r\n"
    );
    assert_eq!(
        conn.command("LLRPC c#c0047c01"),
        "501 Cannot call LLRPC 'c#c0047c01' remotely\r\n"
    );
    assert_eq!(
        conn.command("CHECKWRITE c.reset"),
        "200 Write handler 'c.reset' OK\r\n"
    );
    assert_eq!(
        conn.command("CHECKREAD c.reset"),
        "511 Handler 'c.reset' not readable\r\n"
    );
    assert_eq!(
        conn.command("READ \u{1}\u{7f}"),
        "511 No handler named '^A^?'\r\n"
    );
    // A line of 1 MiB without an end, then its end: refused, the connection stays.
    conn.send(&vec![b'A'; 1 << 20]);
    assert_eq!(conn.command(""), "500 Line too long\r\n");
    // 200 KiB of WRITEDATA: too large; the data is skipped.
    conn.send(b"WRITEDATA c.reset 200000\r\n");
    assert_eq!(
        conn.reply(),
        "521 Data too large for write handler 'c.reset'\r\n"
    );
    conn.send(&vec![b'\n'; 200000]);
    // Still answering, and packets still flow.
    let mut last = before;
    wait_for("packets to keep flowing", || {
        last = conn.number("c.count");
        (last > before).then_some(())
    });
    conn.quit();
    drop(sluice);
}

#[test]
fn readonly_refuses_every_write() {
    let port = free_port();
    let sluice = Sluice::run(&format!(
        "ControlSocket(TCP, {port}, READONLY true, LOCALHOST true);
         InfiniteSource(LIMIT 10) -> c :: Counter -> q :: Queue(50) -> Discard;"
    ));
    let mut conn = Conn::tcp(port);
    assert_eq!(
        conn.command("WRITE q.capacity 5"),
        "530 Permission denied for 'q.capacity'\r\n"
    );
    conn.send(b"WRITEDATA c.reset 0\r\n");
    assert_eq!(conn.reply(), "530 Permission denied for 'c.reset'\r\n");
    assert_eq!(
        conn.command("CHECKWRITE q.capacity"),
        "530 Permission denied for 'q.capacity'\r\n"
    );
    assert_eq!(
        conn.command("CHECKREAD q.capacity"),
        "200 Read handler 'q.capacity' OK\r\n"
    );
    assert_eq!(conn.read("q.capacity"), "50");
    conn.wait_number("c.count", 10);
    conn.quit();
    drop(sluice);
}

#[test]
fn a_thousand_connections_then_thirty_two_at_once_leak_nothing() {
    let port = free_port();
    let sluice = Sluice::run(&format!(
        "ControlSocket(TCP, {port}, LOCALHOST true);
         s :: RatedSource(LENGTH 60, RATE 1000) -> c :: Counter -> Discard;"
    ));
    // After one whole session (its end read, so the server has closed its side).
    let mut first = Conn::tcp(port);
    first.number("c.count");
    first.quit();
    let baseline = sluice.fds();
    assert!(baseline > 0, "can see the router's descriptors");
    for i in 0..1000 {
        let mut conn = Conn::tcp(port);
        if i % 2 == 0 {
            conn.number("c.count");
        }
        conn.quit();
    }
    assert_eq!(
        sluice.fds(),
        baseline,
        "1000 closed sessions left descriptors"
    );
    let threads: Vec<_> = (0..32)
        .map(|t| {
            std::thread::spawn(move || {
                let mut conn = Conn::tcp(port);
                let mut last = 0;
                for _ in 0..50 {
                    let n = conn.number("c.count");
                    assert!(n >= last, "counts only grow");
                    last = n;
                }
                // Half say goodbye, half just hang up.
                if t % 2 == 0 {
                    conn.quit();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    wait_for("the hung-up connections to close", || {
        (sluice.fds() == baseline).then_some(())
    });
    // Still serving.
    let mut conn = Conn::tcp(port);
    conn.number("c.count");
    conn.quit();
    drop(sluice);
}

#[test]
fn unix_socket_serves_and_is_removed_at_the_end() {
    let dir = std::env::temp_dir().join(format!("sluice-control-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("ctl.sock");
    let sluice = Sluice::run(&format!(
        "ControlSocket(UNIX, {}); InfiniteSource(LIMIT 7) -> c :: Counter -> Discard;",
        path.display()
    ));
    let stream = wait_for("the UNIX socket", || UnixStream::connect(&path).ok());
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut conn = Conn::new(stream);
    conn.wait_number("c.count", 7);
    conn.quit();
    let (ok, err) = sluice.terminate();
    assert!(ok, "stopped cleanly: {err}");
    assert!(!Path::new(&path).exists(), "socket file removed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_port_in_use_is_an_initialization_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args([
            "run",
            "-e",
            &format!("cs :: ControlSocket(TCP, {port}, LOCALHOST true); Idle -> Discard;"),
        ])
        .output()
        .expect("sluice runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("while initializing 'cs': bind:") && err.contains(&port.to_string()),
        "{err}"
    );
}

/// `sluice ctl ARGS...`: exit status, stdout, stderr.
fn ctl(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .arg("ctl")
        .args(args)
        .output()
        .expect("sluice ctl runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sluice_ctl_reads_writes_checks_and_tops() {
    let port = free_port();
    let sluice = Sluice::run(&format!(
        "ControlSocket(TCP, {port}, LOCALHOST true);
         s :: InfiniteSource(LENGTH 60, LIMIT 30) -> c :: Counter -> q :: Queue(100) -> Discard;"
    ));
    // Wait for the router through the raw protocol first.
    let mut conn = Conn::tcp(port);
    conn.wait_number("c.count", 30);
    conn.quit();
    let p = port.to_string();
    assert_eq!(
        ctl(&[&p, "read", "c.count"]),
        (true, "30\n".into(), String::new())
    );
    assert!(ctl(&[&p, "write", "q.capacity", "7"]).0);
    assert_eq!(ctl(&[&p, "read", "q.capacity"]).1, "7\n");
    let (ok, _, err) = ctl(&[&p, "read", "c.nope"]);
    assert!(
        !ok && err.contains("511 No handler named 'c.nope'"),
        "{err}"
    );
    let (ok, _, err) = ctl(&[&p, "write", "c.count", "1"]);
    assert!(
        !ok && err.contains("530 Handler 'c.count' read-only"),
        "{err}"
    );
    assert_eq!(ctl(&[&p, "check", "c.reset"]).1, "c.reset: write\n");
    assert_eq!(
        ctl(&[&p, "check", "q.capacity"]).1,
        "q.capacity: read write\n"
    );
    assert!(!ctl(&[&p, "check", "x.y"]).0);
    let (ok, list, _) = ctl(&[&p, "list"]);
    assert!(
        ok && list
            .lines()
            .any(|l| l.split_whitespace().eq(["q", "Queue"])),
        "{list}"
    );
    let (ok, top, err) = ctl(&[&p, "top", "--count", "2", "--interval", "0.01"]);
    assert!(ok, "{err}");
    assert_eq!(top.matches("refresh").count(), 2, "{top}");
    let counter = top
        .lines()
        .find(|l| l.starts_with("c "))
        .unwrap_or_else(|| panic!("no row for c:\n{top}"));
    assert!(
        counter
            .split_whitespace()
            .take(3)
            .eq(["c", "Counter", "30"]),
        "{counter}"
    );
    let queue = top
        .lines()
        .find(|l| l.starts_with("q "))
        .expect("row for q");
    // DROPS, LENGTH, HIGHWATER, CAPACITY of the queue.
    assert!(queue.contains(" 0 ") && queue.ends_with("7"), "{queue}");
    drop(sluice);
}
