//! `ControlSocket`: the configuration of a control socket, served by the runtime.
//!
//! The element only reads and checks its arguments ([`ControlSocketSpec`]); it has no ports
//! and does nothing on the datapath. The runtime that runs the router finds ControlSocket
//! elements, opens their sockets and speaks Click's ControlSocket protocol on them
//! (`sluice run` and compiled host programs on the host; the guest over its management
//! stack), so the element itself stays `no_std`.

use alloc::format;
use alloc::string::String;

use crate::element::args::{split_args, Args, ConfigError, NoNames, Span};
use crate::element::handler::missing;
use crate::element::values::Raw;
use crate::element::{
    Access, ConfigContext, Element, HandlerContext, HandlerError, HandlerSpec, Handlers, PortCount,
    PortRange, ProcessingSpec,
};

/// The longest UNIX-domain socket path (`sizeof(sockaddr_un.sun_path)` on Linux, less the
/// terminating NUL), as Click checks it.
pub const UNIX_PATH_MAX: usize = 107;

/// Opens a control socket through which other programs read and write the router's
/// handlers (Click's ControlSocket protocol, version 1.3).
///
/// # Synopsis
///
/// ```text
/// ControlSocket(TCP, PORTNUMBER [, keywords READONLY, PROXY, VERBOSE, LOCALHOST, RETRIES,
///               RETRY_WARNINGS])
/// ControlSocket(UNIX, FILENAME [, keywords])
/// ```
///
/// # Ports
///
/// None.
///
/// # Processing
///
/// None: the runtime serves the socket between scheduling rounds, never blocking the
/// datapath.
///
/// # Description
///
/// Listens on TCP port PORTNUMBER (`TCP`), or on the UNIX-domain socket FILENAME (`UNIX`;
/// a stale file of that name is removed first, and the file is removed when the router
/// stops). `PORTNUMBER+` tries that port and the next ten until one is free, as Click
/// does. The socket is opened when the router is initialized; failing to open it stops
/// the router from starting, with the reason. Keywords:
///
/// - `READONLY` (boolean, default false): refuse every write handler (code 530).
/// - `LOCALHOST` (boolean, default false): listen on 127.0.0.1 only. As in Click, a TCP
///   control socket otherwise listens on every interface, and anyone who can reach it can
///   write handlers: say `LOCALHOST true` unless the network is trusted.
/// - `VERBOSE` (boolean, default false): print a line when a connection opens or closes.
/// - `RETRIES` (integer, default 0): if the socket cannot be opened, try again once a
///   second this many times before stopping the router.
/// - `RETRY_WARNINGS` (boolean, default true): warn at every failed try.
/// - `PROXY`: Click's handler proxies (for kernel drivers) are not supported.
///
/// # Control socket
///
/// The protocol is Click's, line based: a client sends one command per line (ended by
/// CR, LF or CRLF) and gets one or more response lines, each a three-digit code, a
/// hyphen (more lines follow) or a space (last line), and a message, ended by CRLF. On
/// connecting, the server sends `Click::ControlSocket/1.3`. Handlers are named
/// `ELEMENT.HANDLER`, `N.HANDLER` (the N-th element, from 1) or `HANDLER` (a global
/// handler such as `list`, `version`, `config`). Commands:
///
/// - `READ handler [params]`: answers `200 Read handler 'h' OK`, then `DATA n` and the n
///   bytes of the value.
/// - `READDATA handler n`: READ with the n bytes after the line as parameters.
/// - `READUNTIL handler [term]`, `WRITEUNTIL handler [term]`: the parameters or value are
///   the lines that follow, up to a line equal to `term` (default: an empty line).
/// - `WRITE handler value...`: answers `200 Write handler 'h' OK`.
/// - `WRITEDATA handler n`: WRITE with the n bytes after the line as the value.
/// - `CHECKREAD handler`, `CHECKWRITE handler`: 200 if the handler can be read or written.
/// - `LLRPC element#cmd [n]`: always `501` (Sluice has no LLRPCs).
/// - `HELP`; `QUIT` (or `CLOSE`): `200 Goodbye!`, then the server closes the connection.
///
/// Codes: 200 OK; 220 OK with warnings; 500 syntax error (also: a command line longer
/// than 64 KiB, which is discarded); 501 unimplemented command; 510 no such element;
/// 511 no such handler (or not readable/writable, for CHECKREAD/CHECKWRITE); 520 write
/// handler error; 521 data too large (more than 64 KiB of WRITEDATA/READDATA; the data is
/// skipped and the connection stays up); 530 permission denied (a read-only handler, a
/// write-only handler, or READONLY); 590 read handler error.
///
/// From the shell, `sluice ctl ADDRESS read|write|check|list|top` is a client, for
/// example `sluice ctl 41000 read c.count` or `sluice ctl /tmp/click.sock top`.
///
/// # In a guest image
///
/// A guest serves its `ControlSocket(TCP, PORT)` elements on a management NIC of its own,
/// through its own TCP/IP stack (smoltcp), never on the datapath NICs: the management NIC
/// is the last one, and `mgmt=ADDR/PREFIX[,GATEWAY]` (or `mgmt=dhcp`) on the guest's
/// command line gives its address. `sluice launch IMAGE --nic ... --mgmt 7777` attaches it
/// with QEMU user networking (no privileges) and forwards 127.0.0.1:7777 to it;
/// `LOCALHOST` has no meaning there, `UNIX` sockets are ignored. The guest adds two
/// read-only global handlers, `guest_heap_used` and `guest_heap_free` (bytes). An image
/// without a ControlSocket does not contain the management stack at all.
///
/// # Example
///
/// ```text
/// ControlSocket(UNIX, sluice-control.sock, READONLY true);
/// InfiniteSource(LIMIT 100) -> c :: Counter -> Discard;
/// // while it runs: sluice ctl sluice-control.sock read c.count
/// ```
///
/// # Handlers
///
/// - `port` (read, TCP sockets): the configured port, `N`, or `N+` when later ports may
///   be tried (Click's `_unix_pathname` as configure leaves it).
/// - `filename` (read, UNIX sockets): the socket's path.
///
/// Click adds only the one that fits the socket type; both are listed here (the list is
/// per class), and reading the other answers "no such handler".
///
/// # See also
///
/// DriverManager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSocket {
    spec: ControlSocketSpec,
}

impl ControlSocket {
    /// What the element was configured with.
    pub fn spec(&self) -> &ControlSocketSpec {
        &self.spec
    }
}

/// Where a control socket listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlAddress {
    /// A TCP port; `search` (Click's `PORT+`) allows the next ten ports if it is taken.
    Tcp {
        /// The port.
        port: u16,
        /// Whether the following ports may be tried.
        search: bool,
    },
    /// A UNIX-domain socket path.
    Unix(String),
}

/// A ControlSocket's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSocketSpec {
    /// Where to listen.
    pub address: ControlAddress,
    /// Refuse write handlers.
    pub read_only: bool,
    /// Listen on the loopback interface only (TCP).
    pub localhost: bool,
    /// Report connections opening and closing.
    pub verbose: bool,
    /// Further tries, a second apart, if the socket cannot be opened.
    pub retries: u32,
    /// Warn at every failed try.
    pub retry_warnings: bool,
}

impl ControlSocketSpec {
    /// Parses a ControlSocket configuration string, as the element does (element names are
    /// not resolved: PROXY is refused anyway).
    pub fn parse(config: &str) -> Result<Self, ConfigError> {
        let args = split_args(config, 0);
        let names = NoNames;
        let mut reader = Args::new(&args, Span::new(0, config.len()), &names);
        let spec = read(&mut reader);
        reader.finish()?;
        Ok(spec)
    }
}

/// Reads the arguments in Click's order: TYPE, the keywords, then PORT or FILENAME.
fn read(args: &mut Args<'_>) -> ControlSocketSpec {
    let kind: Raw = args.mandatory("TYPE");
    let type_span = args.last_span();
    let read_only = args.keyword::<bool>("READONLY").unwrap_or(false);
    if args.keyword::<Raw>("PROXY").is_some() {
        let span = args.last_span();
        args.error(
            span,
            "PROXY is not supported (Sluice has no handler proxies)",
        );
    }
    let verbose = args.keyword::<bool>("VERBOSE").unwrap_or(false);
    let retries = args.keyword::<i32>("RETRIES").unwrap_or(0).max(0) as u32;
    let retry_warnings = args.keyword::<bool>("RETRY_WARNINGS").unwrap_or(true);
    let localhost = args.keyword::<bool>("LOCALHOST").unwrap_or(false);
    let mut spec = ControlSocketSpec {
        address: ControlAddress::Tcp {
            port: 0,
            search: false,
        },
        read_only,
        localhost,
        verbose,
        retries,
        retry_warnings,
    };
    let kind = kind.0.to_ascii_uppercase();
    match kind.as_str() {
        "TCP" => {
            let port: Raw = args.mandatory("PORT");
            if port.0.is_empty() {
                return spec;
            }
            let (digits, search) = match port.0.strip_suffix('+') {
                Some(d) => (d, true),
                None => (port.0.as_str(), false),
            };
            match digits.parse::<u16>() {
                Ok(p) if !(search && p == 0) => {
                    spec.address = ControlAddress::Tcp { port: p, search };
                }
                _ => {
                    let span = args.last_span();
                    args.error(span, "PORT requires TCP port");
                }
            }
        }
        "UNIX" => {
            let path: String = args.mandatory("FILENAME");
            if path.len() > UNIX_PATH_MAX {
                let span = args.last_span();
                args.error(span, "filename too long");
            }
            spec.address = ControlAddress::Unix(path);
        }
        "" => {}
        _ => args.error(type_span, format!("unknown socket type '{}'", kind)),
    }
    spec
}

impl Element for ControlSocket {
    const CLASS: &'static str = "ControlSocket";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(0), PortRange::Exactly(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let spec = read(&mut args);
        args.finish()?;
        Ok(ControlSocket { spec })
    }
}

impl Handlers for ControlSocket {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("port", "the TCP port (TCP sockets)"),
        HandlerSpec::read("filename", "the socket path (UNIX sockets)"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match (name, &self.spec.address) {
            ("port", ControlAddress::Tcp { port, search }) => {
                Ok(format!("{port}{}", if *search { "+" } else { "" }))
            }
            ("filename", ControlAddress::Unix(path)) => Ok(path.clone()),
            ("port" | "filename", _) => Err(HandlerError::NoSuchHandler),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::configure;
    use crate::element::Ports;

    fn parse(config: &str) -> Result<ControlSocketSpec, String> {
        let none = Ports {
            inputs: 0,
            outputs: 0,
        };
        let element = configure::<ControlSocket>(config, none).map_err(|e| e.to_string())?;
        let spec = ControlSocketSpec::parse(config).map_err(|e| e.to_string())?;
        assert_eq!(&spec, element.spec(), "element and parse agree");
        Ok(spec)
    }

    #[test]
    fn tcp_and_unix_with_keywords() {
        let s = parse("TCP, 41000").unwrap();
        assert_eq!(
            s.address,
            ControlAddress::Tcp {
                port: 41000,
                search: false
            }
        );
        assert!(!s.read_only && !s.localhost && s.retry_warnings);
        let s = parse("tcp, 41000+, LOCALHOST true, RETRIES 3").unwrap();
        assert_eq!(
            s.address,
            ControlAddress::Tcp {
                port: 41000,
                search: true
            }
        );
        assert!(s.localhost);
        assert_eq!(s.retries, 3);
        let s = parse("UNIX, /tmp/x.sock, READONLY true, VERBOSE true").unwrap();
        assert_eq!(s.address, ControlAddress::Unix("/tmp/x.sock".into()));
        assert!(s.read_only && s.verbose);
        let s = parse("TYPE unix, FILENAME \"/tmp/a b\"").unwrap();
        assert_eq!(s.address, ControlAddress::Unix("/tmp/a b".into()));
    }

    #[test]
    fn errors_are_clicks() {
        assert!(parse("UDP, 5")
            .unwrap_err()
            .contains("unknown socket type 'UDP'"));
        assert!(parse("TCP, 70000")
            .unwrap_err()
            .contains("PORT requires TCP port"));
        assert!(parse("TCP, www")
            .unwrap_err()
            .contains("PORT requires TCP port"));
        assert!(parse("TCP").unwrap_err().contains("PORT"));
        assert!(parse("").unwrap_err().contains("TYPE"));
        let long = alloc::format!("UNIX, /{}", "x".repeat(200));
        assert!(parse(&long).unwrap_err().contains("filename too long"));
        assert!(parse("TCP, 1, PROXY x").unwrap_err().contains("PROXY"));
        assert!(parse("TCP, 1, FOO 2").unwrap_err().contains("FOO"));
        assert!(parse("TCP, 1, READONLY maybe")
            .unwrap_err()
            .contains("READONLY"));
    }

    #[test]
    fn port_and_filename_handlers() {
        let none = Ports {
            inputs: 0,
            outputs: 0,
        };
        let hcx = HandlerContext {
            now: crate::packet::Timestamp::default(),
        };
        let mut c = configure::<ControlSocket>("TCP, 41000", none).unwrap();
        assert_eq!(c.read_handler("port", &hcx).unwrap(), "41000");
        assert_eq!(
            c.read_handler("filename", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
        assert_eq!(
            c.write_handler("port", "1", &hcx),
            Err(HandlerError::NotWritable)
        );
        assert_eq!(c.read_handler("port", &hcx).unwrap(), "41000", "unchanged");
        let c = configure::<ControlSocket>("TCP, 41000+", none).unwrap();
        assert_eq!(c.read_handler("port", &hcx).unwrap(), "41000+");
        let c = configure::<ControlSocket>("UNIX, /tmp/click.sock", none).unwrap();
        assert_eq!(c.read_handler("filename", &hcx).unwrap(), "/tmp/click.sock");
        assert_eq!(
            c.read_handler("port", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
        assert_eq!(
            c.read_handler("bogus", &hcx),
            Err(HandlerError::NoSuchHandler)
        );
    }
}
