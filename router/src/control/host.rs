//! The host's control sockets: a nonblocking listener for each `ControlSocket` element, and
//! its connections, each a protocol [`Session`], polled from the scheduler loop.
//!
//! Nothing here blocks: listeners and connections are nonblocking, a poll accepts a few
//! connections and moves at most a few reads' worth of bytes per connection, and the
//! [`Driver`] calls it at most once a millisecond while tasks are busy (and before every
//! idle wait, which lasts at most 10 ms), so control traffic never stalls the datapath and
//! is still answered promptly.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sluice_elements::element::Context;
use sluice_elements::io::control_socket::{ControlAddress, ControlSocketSpec};
use sluice_elements::packet::Timestamp;

use super::protocol::{HandlerTarget, Limits, Session};
use crate::lang::FlatConfig;
use crate::runtime::{Driver, Graph, RunError};

/// Connections accepted per listener per poll.
const ACCEPTS_PER_POLL: usize = 16;
/// Reads per connection per poll (of [`READ_SIZE`] bytes each).
const READS_PER_POLL: usize = 8;
/// Bytes per read.
const READ_SIZE: usize = 4096;
/// Time between two tries to open a socket (Click's RETRIES).
const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// The control sockets of one router.
#[derive(Debug, Default)]
pub struct ControlServer {
    sockets: Vec<Socket>,
}

#[derive(Debug)]
struct Socket {
    element: String,
    spec: ControlSocketSpec,
    listener: Option<Listener>,
    /// Tries left, and when the next is due, while the socket is not open.
    retries: u32,
    next_try: Instant,
    connections: Vec<Connection>,
    next_id: u64,
    /// The UNIX-domain socket file this server created (removed when it stops).
    created: Option<PathBuf>,
}

#[derive(Debug)]
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

#[derive(Debug)]
enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct Connection {
    id: u64,
    stream: Stream,
    session: Session,
}

impl ControlServer {
    /// Opens the socket of every `ControlSocket` element of `flat`, in order. A socket that
    /// cannot be opened is the element's initialization error, unless it has RETRIES left
    /// (then it is tried again once a second while the router runs).
    pub fn open(flat: &FlatConfig) -> Result<Self, RunError> {
        let mut server = ControlServer::default();
        for e in flat.elements.iter().filter(|e| e.class == "ControlSocket") {
            let fail = |message: String| RunError::Initialize {
                element: e.name.clone(),
                message,
            };
            let spec = ControlSocketSpec::parse(&e.config).map_err(|err| fail(err.to_string()))?;
            let mut socket = Socket {
                element: e.name.clone(),
                retries: spec.retries,
                spec,
                listener: None,
                next_try: Instant::now(),
                connections: Vec::new(),
                next_id: 1,
                created: None,
            };
            if let Err(message) = socket.try_open() {
                if socket.retries == 0 {
                    return Err(fail(message));
                }
                socket.retry_failed(&message);
            }
            server.sockets.push(socket);
        }
        Ok(server)
    }

    /// True if the router has no control socket.
    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }

    /// The TCP address each open TCP socket listens on, in element order (`PORT+` and
    /// port 0 pick their port when they open).
    pub fn tcp_addresses(&self) -> Vec<SocketAddr> {
        self.sockets
            .iter()
            .filter_map(|s| match &s.listener {
                Some(Listener::Tcp(l)) => l.local_addr().ok(),
                _ => None,
            })
            .collect()
    }

    /// Open connections, over every socket.
    pub fn connections(&self) -> usize {
        self.sockets.iter().map(|s| s.connections.len()).sum()
    }

    /// Accepts new connections and serves every connection a little, never blocking.
    /// False if the router should stop (a socket ran out of RETRIES, as in Click).
    pub fn poll<T: HandlerTarget + ?Sized>(&mut self, target: &mut T) -> bool {
        let mut keep_going = true;
        for socket in &mut self.sockets {
            keep_going &= socket.poll(target);
        }
        keep_going
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        for socket in &mut self.sockets {
            // One last try to send what is waiting, as Click's cleanup does.
            for c in &mut socket.connections {
                let pending = c.session.pending_output().len();
                if pending > 0 {
                    if let Ok(n) = c.stream.write(c.session.pending_output()) {
                        c.session.advance_output(n);
                    }
                }
            }
            socket.connections.clear();
            socket.listener = None;
            if let Some(path) = socket.created.take() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Socket {
    /// Opens the listener.
    fn try_open(&mut self) -> Result<(), String> {
        match &self.spec.address {
            ControlAddress::Tcp { port, search } => {
                let ip = if self.spec.localhost {
                    Ipv4Addr::LOCALHOST
                } else {
                    Ipv4Addr::UNSPECIFIED
                };
                let last = if *search {
                    port.saturating_add(10)
                } else {
                    *port
                };
                let mut error = None;
                for p in *port..=last {
                    match TcpListener::bind(SocketAddrV4::new(ip, p)) {
                        Ok(l) => {
                            l.set_nonblocking(true)
                                .map_err(|e| format!("nonblocking: {e}"))?;
                            self.listener = Some(Listener::Tcp(l));
                            return Ok(());
                        }
                        Err(e) => error = Some(format!("bind: {e} (TCP port {p} on {ip})")),
                    }
                }
                Err(error.unwrap_or_else(|| String::from("bind: no port to try")))
            }
            ControlAddress::Unix(path) => {
                let path = PathBuf::from(path);
                // A socket file left by an earlier run is in the way (Click removes it too);
                // any other kind of file is left alone and the bind fails.
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_socket()) {
                    let _ = std::fs::remove_file(&path);
                }
                let l = UnixListener::bind(&path)
                    .map_err(|e| format!("bind: {e} (UNIX socket {})", path.display()))?;
                l.set_nonblocking(true)
                    .map_err(|e| format!("nonblocking: {e}"))?;
                self.listener = Some(Listener::Unix(l));
                self.created = Some(path);
                Ok(())
            }
        }
    }

    fn retry_failed(&mut self, message: &str) {
        if self.spec.retry_warnings {
            let tries = if self.retries == 1 { "try" } else { "tries" };
            eprintln!(
                "{}: warning: {message} ({} {tries} left)",
                self.element, self.retries
            );
        }
        self.retries -= 1;
        self.next_try = Instant::now() + RETRY_INTERVAL;
    }

    fn poll<T: HandlerTarget + ?Sized>(&mut self, target: &mut T) -> bool {
        if self.listener.is_none() {
            if Instant::now() < self.next_try {
                return true;
            }
            match self.try_open() {
                Ok(()) => {}
                Err(message) if self.retries == 0 => {
                    eprintln!("{}: {message}", self.element);
                    return false;
                }
                Err(message) => {
                    self.retry_failed(&message);
                    return true;
                }
            }
        }
        self.accept();
        let element = &self.element;
        let verbose = self.spec.verbose;
        self.connections.retain_mut(|c| {
            let open = serve(c, target);
            if !open && verbose {
                eprintln!("{element}: closed connection {}", c.id);
            }
            open
        });
        true
    }

    fn accept(&mut self) {
        let Some(listener) = &self.listener else {
            return;
        };
        for _ in 0..ACCEPTS_PER_POLL {
            let accepted = match listener {
                Listener::Tcp(l) => l.accept().and_then(|(s, from)| {
                    s.set_nonblocking(true)?;
                    let _ = s.set_nodelay(true);
                    Ok((Stream::Tcp(s), Some(from)))
                }),
                Listener::Unix(l) => l.accept().and_then(|(s, _)| {
                    s.set_nonblocking(true)?;
                    Ok((Stream::Unix(s), None))
                }),
            };
            match accepted {
                Ok((stream, from)) => {
                    let id = self.next_id;
                    self.next_id += 1;
                    if self.spec.verbose {
                        match from {
                            Some(from) => {
                                eprintln!("{}: opened connection {id} from {from}", self.element)
                            }
                            None => eprintln!("{}: opened connection {id}", self.element),
                        }
                    }
                    self.connections.push(Connection {
                        id,
                        stream,
                        session: Session::new(self.spec.read_only, Limits::default()),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Out of file descriptors, or a connection reset before it was accepted:
                // try again at the next poll.
                Err(_) => break,
            }
        }
    }
}

/// Moves bytes both ways on one connection; false once it should be closed.
fn serve<T: HandlerTarget + ?Sized>(c: &mut Connection, target: &mut T) -> bool {
    let mut buf = [0u8; READ_SIZE];
    for _ in 0..READS_PER_POLL {
        if !flush(c) {
            return false;
        }
        c.session.process(target);
        if !flush(c) {
            return false;
        }
        if c.session.is_done() {
            return false;
        }
        if !c.session.wants_input() {
            break;
        }
        match c.stream.read(&mut buf) {
            Ok(0) => c.session.close_input(target),
            Ok(n) => c.session.receive(buf.get(..n).unwrap_or(&[]), target),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    flush(c) && !c.session.is_done()
}

/// Writes what the session has for the client until the socket is full; false if the
/// connection is broken.
fn flush(c: &mut Connection) -> bool {
    while !c.session.pending_output().is_empty() {
        match c.stream.write(c.session.pending_output()) {
            Ok(0) => return false,
            Ok(n) => c.session.advance_output(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    true
}

/// Runs `driver` as [`Driver::run`] does, serving the configuration's control sockets
/// between rounds. Opening a socket can fail: the error names the element.
pub fn run_serving<G: Graph>(
    driver: &mut Driver<G>,
    cx: &mut Context<'_>,
    keep_going: &mut dyn FnMut() -> bool,
    idle: &mut dyn FnMut(Option<Timestamp>),
) -> Result<(), RunError> {
    let mut server = ControlServer::open(driver.flat())?;
    if server.is_empty() {
        driver.run(cx, keep_going, idle);
    } else {
        driver.run_serving(cx, keep_going, idle, &mut |d| server.poll(d));
    }
    Ok(())
}
