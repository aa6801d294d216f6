//! A ControlSocket client: connects over TCP or a UNIX-domain socket, checks the banner,
//! and reads, writes and checks handlers. `sluice ctl` is built on it; it speaks to Click's
//! own ControlSocket just as well.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

/// Where a control socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// `HOST:PORT`, or a bare `PORT` on 127.0.0.1.
    Tcp(String),
    /// The path of a UNIX-domain socket.
    Unix(PathBuf),
}

impl Address {
    /// `PORT` (digits only) means 127.0.0.1:PORT; `HOST:PORT` (a colon and no slash) is a
    /// TCP address; anything else is a UNIX-domain socket path.
    pub fn parse(text: &str) -> Address {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            Address::Tcp(format!("127.0.0.1:{text}"))
        } else if text.contains(':') && !text.contains('/') {
            Address::Tcp(text.to_string())
        } else {
            Address::Unix(PathBuf::from(text))
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(a) => f.write_str(a),
            Address::Unix(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A server's answer to one command: its code and message lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code (2xx: success).
    pub code: u16,
    /// The message of each line, in order.
    pub lines: Vec<String>,
}

impl Reply {
    /// True for a 2xx code.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.lines.join(" "))
    }
}

/// Why a client call failed.
#[derive(Debug)]
pub enum ClientError {
    /// The connection failed.
    Io(io::Error),
    /// The server did not speak the protocol; the message says how.
    Protocol(String),
    /// The server refused the command.
    Refused(Reply),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "{e}"),
            ClientError::Protocol(m) => write!(f, "protocol error: {m}"),
            ClientError::Refused(r) => write!(f, "{r}"),
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// A connection to a control socket.
pub struct Client {
    reader: BufReader<Box<dyn Read + Send>>,
    writer: Box<dyn Write + Send>,
    banner: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("banner", &self.banner)
            .finish()
    }
}

impl Client {
    /// Connects and reads the banner; every later read waits at most `timeout`.
    pub fn connect(address: &Address, timeout: Duration) -> Result<Client, ClientError> {
        let (reader, writer): (Box<dyn Read + Send>, Box<dyn Write + Send>) = match address {
            Address::Tcp(a) => {
                let s = TcpStream::connect(a)?;
                s.set_read_timeout(Some(timeout))?;
                let _ = s.set_nodelay(true);
                (Box::new(s.try_clone()?), Box::new(s))
            }
            Address::Unix(p) => {
                let s = UnixStream::connect(p)?;
                s.set_read_timeout(Some(timeout))?;
                (Box::new(s.try_clone()?), Box::new(s))
            }
        };
        let mut client = Client {
            reader: BufReader::new(reader),
            writer,
            banner: String::new(),
        };
        let banner = client.line()?;
        if !banner.starts_with("Click::ControlSocket/") {
            return Err(ClientError::Protocol(format!(
                "unexpected banner {banner:?}"
            )));
        }
        client.banner = banner;
        Ok(client)
    }

    /// The server's banner (`Click::ControlSocket/1.3`).
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// Reads a handler's value.
    pub fn read(&mut self, handler: &str) -> Result<String, ClientError> {
        self.send(format!("READ {handler}\r\n").as_bytes())?;
        let reply = self.reply()?;
        if !reply.ok() {
            return Err(ClientError::Refused(reply));
        }
        let data = self.line()?;
        let len: usize = data
            .strip_prefix("DATA ")
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| ClientError::Protocol(format!("expected DATA, got {data:?}")))?;
        let mut value = vec![0; len];
        self.reader.read_exact(&mut value)?;
        Ok(String::from_utf8_lossy(&value).into_owned())
    }

    /// Writes `value` to a handler (with WRITEDATA, so any value, newlines included, goes
    /// through as it is).
    pub fn write(&mut self, handler: &str, value: &str) -> Result<Reply, ClientError> {
        let mut command = format!("WRITEDATA {handler} {}\r\n", value.len()).into_bytes();
        command.extend_from_slice(value.as_bytes());
        self.send(&command)?;
        let reply = self.reply()?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(ClientError::Refused(reply))
        }
    }

    /// CHECKREAD (`write` false) or CHECKWRITE: the server's answer, whatever it is.
    pub fn check(&mut self, handler: &str, write: bool) -> Result<Reply, ClientError> {
        let command = if write { "CHECKWRITE" } else { "CHECKREAD" };
        self.send(format!("{command} {handler}\r\n").as_bytes())?;
        self.reply()
    }

    /// Sends QUIT and waits for the goodbye.
    pub fn quit(mut self) -> Result<(), ClientError> {
        self.send(b"QUIT\r\n")?;
        self.reply().map(|_| ())
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.writer.write_all(bytes)?;
        self.writer.flush()?;
        Ok(())
    }

    /// One response: lines `CODE-message` until `CODE message`.
    fn reply(&mut self) -> Result<Reply, ClientError> {
        let mut lines = Vec::new();
        loop {
            let line = self.line()?;
            let bytes = line.as_bytes();
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .filter(|_| matches!(bytes.get(3), Some(b' ' | b'-') | None))
                .ok_or_else(|| ClientError::Protocol(format!("bad response line {line:?}")))?;
            lines.push(line.get(4..).unwrap_or("").to_string());
            if bytes.get(3) != Some(&b'-') {
                return Ok(Reply { code, lines });
            }
        }
    }

    /// One line, without its CRLF.
    fn line(&mut self) -> Result<String, ClientError> {
        let mut line = Vec::new();
        let n = self.reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Err(ClientError::Protocol("connection closed".into()));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Address::parse("41000"),
            Address::Tcp("127.0.0.1:41000".into())
        );
        assert_eq!(
            Address::parse("router:41000"),
            Address::Tcp("router:41000".into())
        );
        assert_eq!(
            Address::parse("/tmp/click.sock"),
            Address::Unix("/tmp/click.sock".into())
        );
        assert_eq!(Address::parse("ctl.sock"), Address::Unix("ctl.sock".into()));
    }
}
