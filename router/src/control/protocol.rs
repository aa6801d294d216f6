//! Click's ControlSocket protocol, version 1.3, as a session that takes the bytes a client
//! sent and produces the bytes to send back, with no I/O of its own: the host serves it on
//! TCP and UNIX sockets, the guest on its management stack.
//!
//! The commands, response lines, codes and messages are those of Click's
//! `elements/userlevel/controlsocket.cc`. Two things are Sluice's own, so that a client
//! cannot make the router's memory grow without bound: a command line longer than
//! [`Limits::max_line`] is answered `500 Line too long` and discarded up to its end, and
//! more than [`Limits::max_data`] bytes of READDATA/WRITEDATA/…UNTIL data are answered with
//! Click's `521` and skipped. Either way the connection stays up. Input is only taken while
//! the output waiting for the client is under [`Limits::max_output`] (see
//! [`Session::wants_input`]), so a client that sends commands without reading the answers
//! stalls itself, not the router.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sluice_elements::element::{Access, HandlerError};

/// What the server says first on every connection.
pub const BANNER: &str = "Click::ControlSocket/1.3\r\n";

/// Click's response codes (`ControlSocket::CSERR_*`).
pub mod code {
    /// The command succeeded.
    pub const OK: u16 = 200;
    /// The write handler succeeded with warnings.
    pub const OK_HANDLER_WARNING: u16 = 220;
    /// Syntax error.
    pub const SYNTAX: u16 = 500;
    /// Unimplemented command.
    pub const UNIMPLEMENTED: u16 = 501;
    /// No such element.
    pub const NO_SUCH_ELEMENT: u16 = 510;
    /// No such handler.
    pub const NO_SUCH_HANDLER: u16 = 511;
    /// The write handler failed.
    pub const HANDLER_ERROR: u16 = 520;
    /// Too much data for a handler.
    pub const DATA_TOO_BIG: u16 = 521;
    /// An LLRPC failed.
    pub const LLRPC_ERROR: u16 = 522;
    /// Permission denied.
    pub const PERMISSION: u16 = 530;
    /// No router installed.
    pub const NO_ROUTER: u16 = 540;
    /// Any other failure (Click's code for a failed read handler).
    pub const UNSPECIFIED: u16 = 590;
}

/// The handlers a session reads and writes: implemented by the runtime's
/// [`Driver`](crate::runtime::Driver), so interpreted, compiled and guest routers all serve
/// the same protocol.
pub trait HandlerTarget {
    /// Whether `handler` (`element.handler`, `N.handler` or a global name) exists, and how
    /// it may be used; [`HandlerError::NoSuchElement`] or [`HandlerError::NoSuchHandler`]
    /// if not.
    fn access(&self, handler: &str) -> Result<Access, HandlerError>;
    /// Reads `handler`.
    fn read(&mut self, handler: &str) -> Result<String, HandlerError>;
    /// Writes `value` to `handler`.
    fn write(&mut self, handler: &str, value: &str) -> Result<(), HandlerError>;
}

/// How much a session holds for one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest command line, in bytes.
    pub max_line: usize,
    /// The most data for one READDATA, WRITEDATA, READUNTIL or WRITEUNTIL (Click's
    /// `LARGEST_HANDLER_WRITE` is 65536, too).
    pub max_data: usize,
    /// Output waiting for the client above which no more input is taken.
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 65536,
            max_data: 65536,
            max_output: 1 << 20,
        }
    }
}

/// What a command that carries data will do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataUse {
    Read,
    Write,
    Llrpc,
}

/// Where the session is in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Waiting for a command line.
    Line,
    /// Dropping the rest of a command line that was too long.
    DiscardLine,
    /// Waiting for `len` bytes of data for a command.
    Data {
        use_: DataUse,
        name: String,
        len: usize,
    },
    /// Waiting for the line that ends a READUNTIL or WRITEUNTIL.
    Until {
        write: bool,
        name: String,
        terminator: Vec<u8>,
    },
    /// Dropping `0` more bytes of data that was too large.
    Skip(usize),
    /// Dropping lines up to this terminator (…UNTIL data that was too large).
    SkipUntil(Vec<u8>),
}

/// One client's conversation.
#[derive(Debug, Clone)]
pub struct Session {
    limits: Limits,
    read_only: bool,
    input: Vec<u8>,
    output: Vec<u8>,
    /// Output bytes already taken by the transport (the front of `output`).
    sent: usize,
    state: State,
    /// The last line ended with CR: a LF right after it belongs to it.
    after_cr: bool,
    /// The client will send nothing more.
    eof: bool,
    /// QUIT was received: nothing more is read.
    quit: bool,
}

impl Session {
    /// A new session; the banner is already waiting in its output. `read_only` refuses
    /// every write (ControlSocket's READONLY).
    pub fn new(read_only: bool, limits: Limits) -> Self {
        Session {
            limits,
            read_only,
            input: Vec::new(),
            output: Vec::from(BANNER.as_bytes()),
            sent: 0,
            state: State::Line,
            after_cr: false,
            eof: false,
            quit: false,
        }
    }

    /// Takes bytes the client sent and answers every complete command in them.
    pub fn receive<T: HandlerTarget + ?Sized>(&mut self, bytes: &[u8], target: &mut T) {
        if self.quit || self.eof {
            return;
        }
        self.input.extend_from_slice(bytes);
        self.process(target);
    }

    /// The client closed its side: a last command without a line end is still answered,
    /// and a command waiting for data gets Click's `500 Not enough data`.
    pub fn close_input<T: HandlerTarget + ?Sized>(&mut self, target: &mut T) {
        self.eof = true;
        self.process(target);
    }

    /// Answers the commands waiting in the input, as far as the output limit allows (call
    /// again once output was taken).
    pub fn process<T: HandlerTarget + ?Sized>(&mut self, target: &mut T) {
        while !self.quit && self.pending_output().len() < self.limits.max_output {
            if !self.step(target) {
                break;
            }
        }
        if self.quit {
            self.input = Vec::new();
        }
    }

    /// The bytes waiting to be sent to the client.
    pub fn pending_output(&self) -> &[u8] {
        self.output.get(self.sent..).unwrap_or(&[])
    }

    /// Marks the first `n` bytes of [`Session::pending_output`] as sent.
    pub fn advance_output(&mut self, n: usize) {
        self.sent = self.sent.saturating_add(n).min(self.output.len());
        if self.sent == self.output.len() {
            self.output.clear();
            self.sent = 0;
        } else if self.sent > 8192 && self.sent * 2 > self.output.len() {
            self.output.drain(..self.sent);
            self.sent = 0;
        }
    }

    /// True if the transport should read more from the client now: the session is open,
    /// and neither the unanswered input nor the unsent output is above its limit.
    pub fn wants_input(&self) -> bool {
        !self.quit
            && !self.eof
            && self.pending_output().len() < self.limits.max_output
            && self.input.len() <= self.limits.max_line.max(self.limits.max_data)
    }

    /// True once the session has nothing more to say and will take nothing more: after
    /// QUIT, or after the client closed its side and every command was answered, with all
    /// output sent. The transport then closes the connection.
    pub fn is_done(&self) -> bool {
        let input_over = self.quit || (self.eof && self.input.is_empty());
        input_over && self.pending_output().is_empty()
    }

    /// One step of input handling; false if it needs more input (or output room).
    fn step<T: HandlerTarget + ?Sized>(&mut self, target: &mut T) -> bool {
        if self.after_cr && !self.input.is_empty() {
            self.after_cr = false;
            if self.input.first() == Some(&b'\n') {
                self.input.drain(..1);
            }
        }
        match core::mem::replace(&mut self.state, State::Line) {
            State::Line => self.step_line(target),
            State::DiscardLine => match find_eol(&self.input) {
                Some((end, eol)) => {
                    self.consume_line(end, eol);
                    true
                }
                None => {
                    self.input.clear();
                    self.state = State::DiscardLine;
                    false
                }
            },
            State::Data { use_, name, len } => {
                if self.input.len() >= len {
                    let data: Vec<u8> = self.input.drain(..len).collect();
                    self.data_command(use_, &name, &data, target);
                    true
                } else if self.eof {
                    self.input.clear();
                    self.message(code::SYNTAX, "Not enough data", false);
                    true
                } else {
                    self.state = State::Data { use_, name, len };
                    false
                }
            }
            State::Until {
                write,
                name,
                terminator,
            } => self.step_until(write, name, terminator, target),
            State::Skip(n) => {
                let k = n.min(self.input.len());
                self.input.drain(..k);
                if n > k {
                    self.state = State::Skip(n - k);
                    false
                } else {
                    true
                }
            }
            State::SkipUntil(terminator) => {
                match find_terminator(&self.input, &terminator, self.eof) {
                    Some((_, consumed)) => {
                        self.input.drain(..consumed);
                        true
                    }
                    None => {
                        // Drop every complete line; keep a partial one unless it is too long.
                        let keep = last_line_start(&self.input);
                        self.input.drain(..keep);
                        if self.input.len() > self.limits.max_line || self.eof {
                            self.input.clear();
                        }
                        self.state = State::SkipUntil(terminator);
                        false
                    }
                }
            }
        }
    }

    fn step_line<T: HandlerTarget + ?Sized>(&mut self, target: &mut T) -> bool {
        let (end, eol) = match find_eol(&self.input) {
            Some(found) => found,
            None if self.input.len() > self.limits.max_line => {
                self.input.clear();
                self.message(code::SYNTAX, "Line too long", false);
                self.state = State::DiscardLine;
                return true;
            }
            // Click answers a last command the client did not end with a newline.
            None if self.eof && !self.input.is_empty() => (self.input.len(), 0),
            None => return false,
        };
        if end > self.limits.max_line {
            self.consume_line(end, eol);
            self.message(code::SYNTAX, "Line too long", false);
            return true;
        }
        let line: Vec<u8> = self.input.get(..end).map(Vec::from).unwrap_or_default();
        self.consume_line(end, eol);
        self.command(&line, target);
        true
    }

    /// Drops a line of `end` bytes and its `eol` end-of-line bytes.
    fn consume_line(&mut self, end: usize, eol: usize) {
        let total = end.saturating_add(eol).min(self.input.len());
        if eol == 1 && self.input.get(end) == Some(&b'\r') {
            self.after_cr = true;
        }
        self.input.drain(..total);
    }

    fn step_until<T: HandlerTarget + ?Sized>(
        &mut self,
        write: bool,
        name: String,
        terminator: Vec<u8>,
        target: &mut T,
    ) -> bool {
        match find_terminator(&self.input, &terminator, self.eof) {
            Some((data_end, consumed)) if data_end <= self.limits.max_data => {
                let data: Vec<u8> = self
                    .input
                    .get(..data_end)
                    .map(Vec::from)
                    .unwrap_or_default();
                self.input.drain(..consumed);
                let use_ = if write { DataUse::Write } else { DataUse::Read };
                self.data_command(use_, &name, &data, target);
                true
            }
            Some((_, consumed)) => {
                self.input.drain(..consumed);
                self.too_big(write, &name);
                true
            }
            None if self.input.len() > self.limits.max_data => {
                self.too_big(write, &name);
                self.state = State::SkipUntil(terminator);
                true
            }
            None if self.eof => {
                self.input.clear();
                self.message(code::SYNTAX, "Connection closed", false);
                true
            }
            None => {
                self.state = State::Until {
                    write,
                    name,
                    terminator,
                };
                false
            }
        }
    }

    fn too_big(&mut self, write: bool, name: &str) {
        let kind = if write { "write" } else { "read" };
        self.message(
            code::DATA_TOO_BIG,
            &format!("Data too large for {kind} handler '{name}'"),
            false,
        );
    }

    /// One command line (without its end of line).
    fn command<T: HandlerTarget + ?Sized>(&mut self, line: &[u8], target: &mut T) {
        let words = split_words(line);
        let Some(&(first, first_end)) = words.first() else {
            return;
        };
        let command = latin1(line.get(first..first_end).unwrap_or(&[])).to_ascii_uppercase();
        let word = |i: usize| -> String {
            words
                .get(i)
                .and_then(|&(s, e)| line.get(s..e))
                .map(latin1)
                .unwrap_or_default()
        };
        // The text from word 2 to the end of the last word (READ's parameters, WRITE's
        // value, …UNTIL's terminator).
        let rest = || -> &[u8] {
            match (words.get(2), words.last()) {
                (Some(&(s, _)), Some(&(_, e))) => line.get(s..e).unwrap_or(&[]),
                _ => &[],
            }
        };
        match command.as_str() {
            "READ" | "GET" | "WRITE" | "SET" => {
                if words.len() < 2 {
                    return self.message(code::SYNTAX, "Wrong number of arguments", false);
                }
                let name = word(1);
                let data = rest();
                if command.starts_with('R') || command.starts_with('G') {
                    self.read_command(&name, data, target);
                } else {
                    self.write_command(&name, data, target);
                }
            }
            "READDATA" | "WRITEDATA" | "SETDATA" => {
                if words.len() != 3 {
                    return self.message(code::SYNTAX, "Wrong number of arguments", false);
                }
                let Some(len) = parse_length(&word(2)) else {
                    return self.message(
                        code::SYNTAX,
                        &format!("Syntax error in '{command}'"),
                        false,
                    );
                };
                let name = word(1);
                let write = !command.starts_with('R');
                if len > self.limits.max_data {
                    self.too_big(write, &name);
                    self.state = State::Skip(len);
                    return;
                }
                let use_ = if write { DataUse::Write } else { DataUse::Read };
                self.state = State::Data { use_, name, len };
            }
            "READUNTIL" | "WRITEUNTIL" => {
                if words.len() < 2 {
                    return self.message(code::SYNTAX, "Wrong number of arguments", false);
                }
                self.state = State::Until {
                    write: command.starts_with('W'),
                    name: word(1),
                    terminator: Vec::from(rest()),
                };
            }
            "CHECKREAD" | "CHECKWRITE" => {
                if words.len() != 2 {
                    return self.message(code::SYNTAX, "Wrong number of arguments", false);
                }
                self.check_command(&word(1), command == "CHECKWRITE", target);
            }
            "LLRPC" => {
                if words.len() != 2 && words.len() != 3 {
                    return self.message(code::SYNTAX, "Wrong number of arguments", false);
                }
                let len = if words.len() == 3 {
                    match parse_length(&word(2)) {
                        Some(n) => n,
                        None => {
                            return self.message(code::SYNTAX, "Syntax error in 'llrpc'", false)
                        }
                    }
                } else {
                    0
                };
                if len > self.limits.max_data {
                    self.message(
                        code::DATA_TOO_BIG,
                        &format!("Data too large for LLRPC '{}'", word(1)),
                        false,
                    );
                    self.state = State::Skip(len);
                    return;
                }
                self.state = State::Data {
                    use_: DataUse::Llrpc,
                    name: word(1),
                    len,
                };
            }
            "CLOSE" | "QUIT" => {
                if words.len() != 1 {
                    self.message(code::SYNTAX, "Bad command syntax", false);
                }
                self.message(code::OK, "Goodbye!", false);
                self.quit = true;
            }
            "HELP" => {
                for line in HELP {
                    self.message(code::OK, line, true);
                }
                self.message(
                    code::OK,
                    "QUIT                      close the connection",
                    false,
                );
            }
            _ => self.message(
                code::UNIMPLEMENTED,
                &format!("Command '{command}' unimplemented"),
                false,
            ),
        }
    }

    fn data_command<T: HandlerTarget + ?Sized>(
        &mut self,
        use_: DataUse,
        name: &str,
        data: &[u8],
        target: &mut T,
    ) {
        match use_ {
            DataUse::Read => self.read_command(name, data, target),
            DataUse::Write => self.write_command(name, data, target),
            DataUse::Llrpc => self.llrpc_command(name, target),
        }
    }

    /// Click's `parse_handler`: the handler's access, or the error already answered.
    fn find<T: HandlerTarget + ?Sized>(&mut self, name: &str, target: &T) -> Option<Access> {
        match target.access(name) {
            Ok(access) => Some(access),
            Err(HandlerError::NoSuchElement(element)) => {
                self.message(
                    code::NO_SUCH_ELEMENT,
                    &format!("No element named '{element}'"),
                    false,
                );
                None
            }
            Err(_) => {
                self.message(
                    code::NO_SUCH_HANDLER,
                    &format!("No handler named '{name}'"),
                    false,
                );
                None
            }
        }
    }

    fn read_command<T: HandlerTarget + ?Sized>(
        &mut self,
        name: &str,
        params: &[u8],
        target: &mut T,
    ) {
        let Some(access) = self.find(name, target) else {
            return;
        };
        if !access.readable() {
            return self.message(
                code::PERMISSION,
                &format!("Handler '{name}' write-only"),
                false,
            );
        }
        let result = if params.is_empty() {
            target.read(name)
        } else {
            // No Sluice read handler takes parameters (Click's READ_PARAM).
            Err(HandlerError::BadValue(format!(
                "read handler '{name}' does not take parameters"
            )))
        };
        match result {
            Ok(value) => {
                self.message(code::OK, &format!("Read handler '{name}' OK"), false);
                self.output
                    .extend_from_slice(format!("DATA {}\r\n", value.len()).as_bytes());
                self.output.extend_from_slice(value.as_bytes());
            }
            Err(e) => self.error_messages(
                code::UNSPECIFIED,
                &format!("Read handler '{name}' error"),
                &e,
            ),
        }
    }

    fn write_command<T: HandlerTarget + ?Sized>(
        &mut self,
        name: &str,
        data: &[u8],
        target: &mut T,
    ) {
        let Some(access) = self.find(name, target) else {
            return;
        };
        if !access.writable() {
            return self.message(
                code::PERMISSION,
                &format!("Handler '{name}' read-only"),
                false,
            );
        }
        if self.read_only {
            return self.message(
                code::PERMISSION,
                &format!("Permission denied for '{name}'"),
                false,
            );
        }
        if data.len() > self.limits.max_data {
            return self.too_big(true, name);
        }
        let result = match core::str::from_utf8(data) {
            Ok(value) => target.write(name, value),
            Err(_) => Err(HandlerError::BadValue("value is not valid UTF-8".into())),
        };
        match result {
            Ok(()) => self.message(code::OK, &format!("Write handler '{name}' OK"), false),
            Err(HandlerError::NoSuchElement(element)) => self.message(
                code::NO_SUCH_ELEMENT,
                &format!("No element named '{element}'"),
                false,
            ),
            Err(HandlerError::NoSuchHandler) => self.message(
                code::NO_SUCH_HANDLER,
                &format!("No handler named '{name}'"),
                false,
            ),
            Err(HandlerError::NotWritable) => self.message(
                code::PERMISSION,
                &format!("Handler '{name}' read-only"),
                false,
            ),
            Err(e) => self.error_messages(
                code::HANDLER_ERROR,
                &format!("Write handler '{name}' error"),
                &e,
            ),
        }
    }

    fn check_command<T: HandlerTarget + ?Sized>(&mut self, name: &str, write: bool, target: &T) {
        let Some(access) = self.find(name, target) else {
            return;
        };
        let ok = if write {
            access.writable()
        } else {
            access.readable()
        };
        if write && self.read_only && ok {
            self.message(
                code::PERMISSION,
                &format!("Permission denied for '{name}'"),
                false,
            );
        } else if ok {
            let kind = if write { "Write" } else { "Read" };
            self.message(code::OK, &format!("{kind} handler '{name}' OK"), false);
        } else {
            let not = if write {
                "not writable"
            } else {
                "not readable"
            };
            self.message(
                code::NO_SUCH_HANDLER,
                &format!("Handler '{name}' {not}"),
                false,
            );
        }
    }

    /// Click checks the LLRPC name and the element, then refuses what it cannot call
    /// remotely; Sluice has no LLRPCs, so every well-formed one ends there.
    fn llrpc_command<T: HandlerTarget + ?Sized>(&mut self, name: &str, target: &T) {
        let (element, number) = name.split_once('#').unwrap_or((name, ""));
        let hex_ok = !number.is_empty()
            && number.len() <= 8
            && number.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_ok {
            return self.message(
                code::SYNTAX,
                &format!("Syntax error in LLRPC name '{name}'"),
                false,
            );
        }
        if self.find(&format!("{element}.name"), target).is_none() {
            return;
        }
        self.message(
            code::UNIMPLEMENTED,
            &format!("Cannot call LLRPC '{name}' remotely"),
            false,
        );
    }

    /// Click's `transfer_messages`: `head:` then the error's lines, or `head` alone.
    fn error_messages(&mut self, code: u16, head: &str, error: &HandlerError) {
        let text = format!("{error}");
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        if lines.is_empty() {
            return self.message(code, head, false);
        }
        self.message(code, &format!("{head}:"), true);
        for (i, line) in lines.iter().enumerate() {
            self.message(code, line, i + 1 < lines.len());
        }
    }

    /// One response line: the code, `-` if more lines follow or a space, the message made
    /// printable, CRLF.
    fn message(&mut self, code: u16, text: &str, more: bool) {
        let sep = if more { '-' } else { ' ' };
        self.output
            .extend_from_slice(format!("{code}{sep}").as_bytes());
        self.output.extend_from_slice(printable(text).as_bytes());
        self.output.extend_from_slice(b"\r\n");
    }
}

/// HELP's lines but the last, each a command and what it does.
const HELP: &[&str] = &[
    "Commands:",
    "READ handler [params]     read a handler; answers DATA n and the value",
    "READDATA handler n        read a handler with the next n bytes as parameters",
    "READUNTIL handler [term]  read a handler with the lines up to term as parameters",
    "WRITE handler [value]     write a handler",
    "WRITEDATA handler n       write the next n bytes to a handler",
    "WRITEUNTIL handler [term] write the lines up to term to a handler",
    "CHECKREAD handler         can the handler be read?",
    "CHECKWRITE handler        can the handler be written?",
    "LLRPC element#hex [n]     not supported by Sluice",
];

/// The first line end in `input`: the line's length and the end's (1 for CR or LF, 2 for
/// CRLF).
fn find_eol(input: &[u8]) -> Option<(usize, usize)> {
    let end = input.iter().position(|&b| b == b'\r' || b == b'\n')?;
    let crlf = input.get(end) == Some(&b'\r') && input.get(end + 1) == Some(&b'\n');
    Some((end, if crlf { 2 } else { 1 }))
}

/// Where the last (unfinished) line of `input` starts.
fn last_line_start(input: &[u8]) -> usize {
    input
        .iter()
        .rposition(|&b| b == b'\r' || b == b'\n')
        .map_or(0, |i| i + 1)
}

/// Finds the line equal to `terminator` (trailing spaces ignored, as Click does): the
/// length of the data before it, and the bytes up to the end of that line. A CR at the
/// very end of the input waits for what follows unless the client is done.
fn find_terminator(input: &[u8], terminator: &[u8], eof: bool) -> Option<(usize, usize)> {
    let mut start = 0;
    while let Some((len, eol)) = input.get(start..).and_then(find_eol) {
        let end = start + len;
        if eol == 1 && input.get(end) == Some(&b'\r') && end + 1 == input.len() && !eof {
            return None;
        }
        let line = input.get(start..end).unwrap_or(&[]);
        let trimmed = trim_end(line);
        if trimmed == trim_end(terminator) {
            return Some((start, end + eol));
        }
        start = end + eol;
    }
    None
}

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rposition(|b| !is_space(*b)).map_or(0, |i| i + 1);
    s.get(..n).unwrap_or(&[])
}

/// C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The words of a line, as (start, end) offsets.
fn split_words(line: &[u8]) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while line.get(i).is_some_and(|b| is_space(*b)) {
            i += 1;
        }
        let start = i;
        while line.get(i).is_some_and(|b| !is_space(*b)) {
            i += 1;
        }
        if start < i {
            words.push((start, i));
        }
    }
    words
}

/// A data length: a non-negative decimal integer.
fn parse_length(word: &str) -> Option<usize> {
    let digits = word.strip_prefix('+').unwrap_or(word);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A command word as text, one character per byte (handler and element names are ASCII;
/// other bytes survive to be shown by [`printable`] as Click shows them).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Click's `String::printable`: control characters as `^X`, DEL as `^?`, characters 128
/// to 255 as `M-` and the printable form of the character less 128 (as `cat -v`).
fn printable(text: &str) -> Cow<'_, str> {
    if text.bytes().all(|b| (32..127).contains(&b)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        let Ok(mut b) = u8::try_from(u32::from(c)) else {
            out.push(c);
            continue;
        };
        if b >= 128 {
            out.push_str("M-");
            b -= 128;
        }
        match b {
            0..=31 => {
                out.push('^');
                out.push(char::from(b + 64));
            }
            127 => out.push_str("^?"),
            _ => out.push(char::from(b)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    /// Elements `c` (a counter), `q` (a queue) and `bad` (whose handlers fail).
    #[derive(Default)]
    struct Mock {
        count: u64,
        capacity: String,
        writes: Vec<(String, String)>,
    }

    impl HandlerTarget for Mock {
        fn access(&self, handler: &str) -> Result<Access, HandlerError> {
            match handler {
                "c.count" | "version" | "c.name" | "q.name" | "bad.name" => Ok(Access::Read),
                "c.reset" => Ok(Access::Write),
                "q.capacity" | "bad.x" => Ok(Access::ReadWrite),
                _ => match handler.split_once('.') {
                    Some(("c" | "q" | "bad", _)) | None => Err(HandlerError::NoSuchHandler),
                    Some((e, _)) => Err(HandlerError::NoSuchElement(e.to_string())),
                },
            }
        }

        fn read(&mut self, handler: &str) -> Result<String, HandlerError> {
            match handler {
                "c.count" => Ok(self.count.to_string()),
                "q.capacity" => Ok(self.capacity.clone()),
                "version" => Ok("1.0".into()),
                _ => Err(HandlerError::BadValue("it broke\nbadly".into())),
            }
        }

        fn write(&mut self, handler: &str, value: &str) -> Result<(), HandlerError> {
            self.writes.push((handler.into(), value.into()));
            match handler {
                "q.capacity" => {
                    self.capacity = value.into();
                    Ok(())
                }
                "c.reset" => {
                    self.count = 0;
                    Ok(())
                }
                _ => Err(HandlerError::BadValue("bad value".into())),
            }
        }
    }

    fn mock() -> Mock {
        Mock {
            count: 42,
            capacity: "1000".into(),
            writes: Vec::new(),
        }
    }

    /// Everything a session answers to `input` (sent at once), banner first.
    fn talk(input: &[u8]) -> String {
        talk_with(input, false, Limits::default(), &mut mock())
    }

    fn talk_with(input: &[u8], read_only: bool, limits: Limits, target: &mut Mock) -> String {
        let mut s = Session::new(read_only, limits);
        s.receive(input, target);
        s.close_input(target);
        let out = String::from_utf8_lossy(s.pending_output()).into_owned();
        out.strip_prefix(BANNER).expect("banner first").to_string()
    }

    #[test]
    fn banner_then_reads() {
        let mut s = Session::new(false, Limits::default());
        assert_eq!(s.pending_output(), b"Click::ControlSocket/1.3\r\n");
        s.advance_output(7);
        assert_eq!(s.pending_output(), b"ControlSocket/1.3\r\n");
        s.advance_output(100);
        assert!(s.pending_output().is_empty());
        assert!(s.wants_input() && !s.is_done());
        assert_eq!(
            talk(b"READ c.count\r\n"),
            "200 Read handler 'c.count' OK\r\nDATA 2\r\n42"
        );
        assert_eq!(
            talk(b"get version\n"),
            "200 Read handler 'version' OK\r\nDATA 3\r\n1.0"
        );
    }

    #[test]
    fn writes_and_data_commands() {
        let mut m = mock();
        let out = talk_with(
            b"WRITE q.capacity 5\nREAD q.capacity\nWRITEDATA q.capacity 3\r\n100READ q.capacity\r\n\
              SETDATA q.capacity 0\r\nREADDATA q.capacity 0\r\n",
            false,
            Limits::default(),
            &mut m,
        );
        assert_eq!(
            out,
            "200 Write handler 'q.capacity' OK\r\n\
             200 Read handler 'q.capacity' OK\r\nDATA 1\r\n5\
             200 Write handler 'q.capacity' OK\r\n\
             200 Read handler 'q.capacity' OK\r\nDATA 3\r\n100\
             200 Write handler 'q.capacity' OK\r\n\
             200 Read handler 'q.capacity' OK\r\nDATA 0\r\n"
        );
        // WRITE's value runs from the third word to the end of the last one.
        talk_with(
            b"SET q.capacity   a  b c  \r\n",
            false,
            Limits::default(),
            &mut m,
        );
        assert_eq!(m.capacity, "a  b c");
        // WRITEDATA's value is the bytes as sent, newlines included.
        talk_with(
            b"WRITEDATA q.capacity 5\nx\r\ny\n",
            false,
            Limits::default(),
            &mut m,
        );
        assert_eq!(m.capacity, "x\r\ny\n");
    }

    #[test]
    fn errors_have_clicks_codes_and_messages() {
        assert_eq!(talk(b"FOO bar\n"), "501 Command 'FOO' unimplemented\r\n");
        assert_eq!(
            talk(b"read nope.count\n"),
            "510 No element named 'nope'\r\n"
        );
        assert_eq!(talk(b"READ c.nope\n"), "511 No handler named 'c.nope'\r\n");
        assert_eq!(
            talk(b"READ nothing\n"),
            "511 No handler named 'nothing'\r\n"
        );
        assert_eq!(
            talk(b"READ c.reset\n"),
            "530 Handler 'c.reset' write-only\r\n"
        );
        assert_eq!(
            talk(b"WRITE c.count 1\n"),
            "530 Handler 'c.count' read-only\r\n"
        );
        assert_eq!(
            talk(b"WRITE bad.x 1\n"),
            "520-Write handler 'bad.x' error:\r\n520 bad value\r\n"
        );
        assert_eq!(
            talk(b"READ bad.x\n"),
            "590-Read handler 'bad.x' error:\r\n590-it broke\r\n590 badly\r\n"
        );
        assert_eq!(
            talk(b"READ c.count now\n"),
            "590-Read handler 'c.count' error:\r\n\
             590 read handler 'c.count' does not take parameters\r\n"
        );
        assert_eq!(talk(b"READ\n"), "500 Wrong number of arguments\r\n");
        assert_eq!(talk(b"WRITE\n"), "500 Wrong number of arguments\r\n");
        assert_eq!(
            talk(b"READDATA c.count\n"),
            "500 Wrong number of arguments\r\n"
        );
        assert_eq!(
            talk(b"WRITEDATA q.capacity -1\n"),
            "500 Syntax error in 'WRITEDATA'\r\n"
        );
        assert_eq!(
            talk(b"readdata q.capacity x\n"),
            "500 Syntax error in 'READDATA'\r\n"
        );
        assert_eq!(talk(b"CHECKREAD\n"), "500 Wrong number of arguments\r\n");
        assert_eq!(
            talk(b"WRITEDATA q.capacity 10\nabc"),
            "500 Not enough data\r\n"
        );
        assert_eq!(
            talk(b"WRITEUNTIL q.capacity END\nabc\n"),
            "500 Connection closed\r\n"
        );
        // Unprintable bytes are shown as Click's String::printable shows them.
        assert_eq!(
            talk(b"READ c.\x01\xff\n"),
            "511 No handler named 'c.^AM-^?'\r\n"
        );
        assert_eq!(
            talk(b"WRITEDATA q.capacity 1\n\xff"),
            "520-Write handler 'q.capacity' error:\r\n520 value is not valid UTF-8\r\n"
        );
    }

    #[test]
    fn check_commands() {
        assert_eq!(
            talk(b"CHECKREAD c.count\n"),
            "200 Read handler 'c.count' OK\r\n"
        );
        assert_eq!(
            talk(b"CHECKWRITE c.count\n"),
            "511 Handler 'c.count' not writable\r\n"
        );
        assert_eq!(
            talk(b"CHECKREAD c.reset\n"),
            "511 Handler 'c.reset' not readable\r\n"
        );
        assert_eq!(
            talk(b"CHECKWRITE c.reset\n"),
            "200 Write handler 'c.reset' OK\r\n"
        );
        assert_eq!(talk(b"CHECKREAD x.y\n"), "510 No element named 'x'\r\n");
        assert_eq!(talk(b"CHECKREAD c.zz\n"), "511 No handler named 'c.zz'\r\n");
    }

    #[test]
    fn read_only_refuses_writes_only() {
        let mut m = mock();
        let out = talk_with(
            b"WRITE q.capacity 5\nCHECKWRITE q.capacity\nCHECKREAD q.capacity\nREAD q.capacity\n\
              WRITE c.count 2\nLLRPC c#1\n",
            true,
            Limits::default(),
            &mut m,
        );
        assert_eq!(
            out,
            "530 Permission denied for 'q.capacity'\r\n\
             530 Permission denied for 'q.capacity'\r\n\
             200 Read handler 'q.capacity' OK\r\n\
             200 Read handler 'q.capacity' OK\r\nDATA 4\r\n1000\
             530 Handler 'c.count' read-only\r\n\
             501 Cannot call LLRPC 'c#1' remotely\r\n"
        );
        assert!(m.writes.is_empty(), "no write reached the router");
    }

    #[test]
    fn llrpc_is_unsupported() {
        assert_eq!(
            talk(b"LLRPC c#c0047c01\n"),
            "501 Cannot call LLRPC 'c#c0047c01' remotely\r\n"
        );
        assert_eq!(talk(b"LLRPC c\n"), "500 Syntax error in LLRPC name 'c'\r\n");
        assert_eq!(
            talk(b"LLRPC c#xyz\n"),
            "500 Syntax error in LLRPC name 'c#xyz'\r\n"
        );
        assert_eq!(talk(b"LLRPC nope#1\n"), "510 No element named 'nope'\r\n");
        assert_eq!(talk(b"LLRPC c#1 q\n"), "500 Syntax error in 'llrpc'\r\n");
        assert_eq!(talk(b"LLRPC\n"), "500 Wrong number of arguments\r\n");
        // Its data is taken off the input first.
        assert_eq!(
            talk(b"LLRPC c#1 4\r\nABCDREAD c.count\n"),
            "501 Cannot call LLRPC 'c#1' remotely\r\n\
             200 Read handler 'c.count' OK\r\nDATA 2\r\n42"
        );
    }

    #[test]
    fn quit_closes_after_the_goodbye() {
        let mut m = mock();
        let mut s = Session::new(false, Limits::default());
        s.receive(b"QUIT\nREAD c.count\n", &mut m);
        assert_eq!(
            s.pending_output(),
            b"Click::ControlSocket/1.3\r\n200 Goodbye!\r\n"
        );
        assert!(!s.wants_input());
        assert!(!s.is_done(), "output not sent yet");
        let n = s.pending_output().len();
        s.advance_output(n);
        assert!(s.is_done());
        s.receive(b"READ c.count\n", &mut m);
        assert!(s.pending_output().is_empty(), "nothing after QUIT");
        assert_eq!(
            talk(b"close now\n"),
            "500 Bad command syntax\r\n200 Goodbye!\r\n"
        );
    }

    #[test]
    fn line_ends_and_blank_lines() {
        let want = "200 Read handler 'c.count' OK\r\nDATA 2\r\n42".repeat(3);
        assert_eq!(talk(b"READ c.count\rREAD c.count\nREAD c.count\r\n"), want);
        assert_eq!(
            talk(b"\r\n\n  \t\r\nREAD c.count\n\n"),
            want[..want.len() / 3]
        );
        // The last command needs no line end once the client is done.
        assert_eq!(talk(b"READ c.count"), want[..want.len() / 3]);
        // A CRLF split between two reads is one line end, even before data.
        let mut m = mock();
        let mut s = Session::new(false, Limits::default());
        s.receive(b"WRITEDATA q.capacity 2\r", &mut m);
        s.receive(b"\n77", &mut m);
        assert_eq!(m.capacity, "77");
    }

    #[test]
    fn until_commands() {
        let mut m = mock();
        let out = talk_with(
            b"WRITEUNTIL q.capacity .\nline 1\r\nline 2\n.  \nREAD q.capacity\n\
              WRITEUNTIL q.capacity\nfirst\n\nREADUNTIL c.count\n\n",
            false,
            Limits::default(),
            &mut m,
        );
        assert_eq!(
            out,
            "200 Write handler 'q.capacity' OK\r\n\
             200 Read handler 'q.capacity' OK\r\nDATA 15\r\nline 1\r\nline 2\n\
             200 Write handler 'q.capacity' OK\r\n\
             200 Read handler 'c.count' OK\r\nDATA 2\r\n42"
        );
        assert_eq!(m.capacity, "first\n");
    }

    #[test]
    fn a_line_too_long_is_refused_and_the_session_goes_on() {
        let limits = Limits {
            max_line: 100,
            ..Limits::default()
        };
        let mut m = mock();
        let mut s = Session::new(false, limits);
        // 10 KiB without a line end, in small pieces: memory stays bounded.
        for _ in 0..100 {
            s.receive(&[b'A'; 100], &mut m);
            assert!(s.input.len() <= 200, "input grew to {}", s.input.len());
        }
        s.receive(b"AAAA\nREAD c.count\n", &mut m);
        let tail = b"500 Line too long\r\n200 Read handler 'c.count' OK\r\nDATA 2\r\n42";
        assert_eq!(&s.pending_output()[BANNER.len()..], tail);
        // A long line that arrives whole is refused too.
        let mut long = alloc::vec![b'B'; 150];
        long.extend_from_slice(b"\nREAD c.count\n");
        assert_eq!(
            talk_with(&long, false, limits, &mut mock()).as_bytes(),
            tail
        );
    }

    #[test]
    fn data_too_large_is_skipped_and_the_session_goes_on() {
        let limits = Limits {
            max_data: 16,
            ..Limits::default()
        };
        let mut m = mock();
        let mut input = Vec::from(&b"WRITEDATA q.capacity 1000\r\n"[..]);
        input.extend_from_slice(&[b'9'; 1000]);
        input.extend_from_slice(b"READDATA q.capacity 17\n");
        input.extend_from_slice(&[b'\n'; 17]);
        input.extend_from_slice(b"WRITEUNTIL q.capacity END\n");
        for _ in 0..10 {
            input.extend_from_slice(b"0123456789\n");
        }
        input.extend_from_slice(b"END\nREAD q.capacity\n");
        let mut s = Session::new(false, limits);
        for chunk in input.chunks(7) {
            s.receive(chunk, &mut m);
            assert!(s.input.len() <= 64, "input grew to {}", s.input.len());
        }
        assert_eq!(
            String::from_utf8_lossy(&s.pending_output()[BANNER.len()..]),
            "521 Data too large for write handler 'q.capacity'\r\n\
             521 Data too large for read handler 'q.capacity'\r\n\
             521 Data too large for write handler 'q.capacity'\r\n\
             200 Read handler 'q.capacity' OK\r\nDATA 4\r\n1000"
        );
        assert!(m.writes.is_empty());
    }

    #[test]
    fn output_limit_holds_back_input() {
        let limits = Limits {
            max_output: 64,
            ..Limits::default()
        };
        let mut m = mock();
        let mut s = Session::new(false, limits);
        s.receive(&b"READ c.count\n".repeat(20), &mut m);
        assert!(!s.wants_input(), "output above the limit");
        let mut answered = 0;
        for _ in 0..100 {
            let out = s.pending_output().to_vec();
            answered += out.windows(6).filter(|w| w == b"DATA 2").count();
            s.advance_output(out.len());
            s.process(&mut m);
        }
        assert_eq!(answered, 20);
        assert!(s.wants_input());
    }

    #[test]
    fn help_lists_the_commands() {
        let out = talk(b"HELP\n");
        assert!(out.starts_with("200-Commands:\r\n"));
        assert!(out.ends_with("200 QUIT                      close the connection\r\n"));
        assert_eq!(out.matches("\r\n").count(), HELP.len() + 1);
    }

    /// Feeds `input` in pieces cut at `cuts`.
    fn in_pieces(input: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut m = mock();
        let mut s = Session::new(false, Limits::default());
        let mut at = 0;
        for &c in cuts {
            let c = c.min(input.len()).max(at);
            s.receive(&input[at..c], &mut m);
            at = c;
        }
        s.receive(&input[at..], &mut m);
        s.close_input(&mut m);
        s.pending_output().to_vec()
    }

    proptest! {
        #[test]
        fn any_bytes_any_pieces_no_panic_bounded(
            input in proptest::collection::vec(any::<u8>(), 0..2000),
            cuts in proptest::collection::vec(0usize..2000, 0..20),
        ) {
            let limits = Limits { max_line: 64, max_data: 64, max_output: 4096 };
            let mut m = mock();
            let mut s = Session::new(false, limits);
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut at = 0;
            for c in cuts {
                let c = c.min(input.len()).max(at);
                s.receive(&input[at..c], &mut m);
                prop_assert!(s.input.len() <= 64 + 2000);
                at = c;
            }
            s.receive(&input[at..], &mut m);
            s.close_input(&mut m);
            let n = s.pending_output().len();
            s.advance_output(n);
            s.process(&mut m);
        }

        #[test]
        fn commands_split_anywhere_answer_the_same(
            cuts in proptest::collection::vec(0usize..200, 0..8),
        ) {
            let input: &[u8] = b"READ c.count\r\nWRITEDATA q.capacity 3\r\n123\
                READUNTIL c.count\n\nWRITE q.capacity 9\rCHECKREAD c.count\nFOO\n";
            let mut cuts = cuts;
            cuts.sort_unstable();
            prop_assert_eq!(in_pieces(input, &cuts), in_pieces(input, &[]));
        }
    }
}
