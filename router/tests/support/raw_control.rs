//! A raw client of Click's ControlSocket protocol for tests: lines and bytes over any
//! stream, checked exactly, with no Sluice code in between. Shared by the host tests
//! (`router/tests/control_host.rs`) and the guest tests (`tests/tests/guest_control.rs`,
//! which include this file by path).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A TCP port nobody listens on now, out of the range sockets bound to port 0 take.
pub fn free_port() -> u16 {
    sluice_router::cli::launch::unused_port(true).expect("a free TCP port")
}

/// Polls `what` until it returns Some, or panics after the deadline.
pub fn wait_for<T>(why: &str, mut what: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = what() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {why}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One raw protocol connection.
pub struct Conn<S: Read + Write> {
    /// The stream, buffered for reading.
    pub reader: BufReader<S>,
}

impl Conn<TcpStream> {
    /// Connects to 127.0.0.1:`port` once the router listens; checks the banner.
    pub fn tcp(port: u16) -> Self {
        let s = wait_for("the control socket", || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        Conn::new(s)
    }
}

impl<S: Read + Write> Conn<S> {
    pub fn new(stream: S) -> Self {
        let mut c = Conn {
            reader: BufReader::new(stream),
        };
        assert_eq!(c.line(), "Click::ControlSocket/1.3\r\n");
        c
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("sends");
    }

    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("reads a line");
        line
    }

    /// The response lines to one command, exactly as sent (CRLFs included).
    pub fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let line = self.line();
            assert!(!line.is_empty(), "connection closed; so far {all:?}");
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// Sends a command line and returns the response lines.
    pub fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes());
        self.reply()
    }

    /// READ: the value, checking the exact response.
    pub fn read(&mut self, handler: &str) -> String {
        let reply = self.command(&format!("READ {handler}"));
        assert_eq!(reply, format!("200 Read handler '{handler}' OK\r\n"));
        let data = self.line();
        let n: usize = data
            .strip_prefix("DATA ")
            .and_then(|n| n.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("bad DATA line {data:?}"));
        let mut value = vec![0; n];
        self.reader.read_exact(&mut value).expect("reads the value");
        String::from_utf8(value).expect("UTF-8")
    }

    pub fn number(&mut self, handler: &str) -> u64 {
        let v = self.read(handler);
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{handler} = {v:?}"))
    }

    pub fn write(&mut self, handler: &str, value: &str) {
        assert_eq!(
            self.command(&format!("WRITE {handler} {value}")),
            format!("200 Write handler '{handler}' OK\r\n")
        );
    }

    /// QUIT, then the server closes the connection.
    pub fn quit(mut self) {
        assert_eq!(self.command("QUIT"), "200 Goodbye!\r\n");
        let mut rest = Vec::new();
        self.reader
            .read_to_end(&mut rest)
            .expect("reads to the end");
        assert!(rest.is_empty(), "nothing after the goodbye: {rest:?}");
    }

    /// Waits until a numeric handler reaches `want`.
    pub fn wait_number(&mut self, handler: &str, want: u64) {
        let mut last = 0;
        wait_for(&format!("{handler} == {want} (last {last})"), || {
            last = self.number(handler);
            (last == want).then_some(())
        });
    }
}
