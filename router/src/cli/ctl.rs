//! `sluice ctl`: read and write a running router's handlers through its ControlSocket.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::Subcommand;

use crate::control::client::{Address, Client, ClientError};

/// The long help of `sluice ctl`: the control socket in a few lines.
pub const HELP: &str = "\
Control socket:
  A router serves its handlers when its configuration has a ControlSocket element:
    ControlSocket(TCP, 41000, LOCALHOST true);   // or ControlSocket(UNIX, /tmp/r.sock)
  ADDRESS is then 41000 (127.0.0.1:41000), HOST:PORT, or the socket's path. Handlers are
  ELEMENT.HANDLER (c.count, q.capacity), N.HANDLER (the N-th element) or a global handler
  (list, version, config). `sluice elements CLASS` lists each class's handlers.

  The protocol is Click's (ControlSocket/1.3): any Click client, or `nc`, works too:
    printf 'READ c.count\\nQUIT\\n' | nc 127.0.0.1 41000
  Answers start with a code: 200 OK, 500 syntax error, 501 unknown command, 510 no such
  element, 511 no such handler, 520 write failed, 521 data too large, 530 permission
  denied (read-only handler, or READONLY true), 590 read failed.

Examples:
  sluice ctl 41000 list
  sluice ctl 41000 read c.count
  sluice ctl 41000 write q.capacity 100
  sluice ctl /tmp/r.sock write cl.config '12/0800, -'
  sluice ctl 41000 top --interval 0.5";

/// What `sluice ctl` does.
#[derive(Subcommand, Debug, Clone, PartialEq)]
pub enum CtlAction {
    /// Print a handler's value.
    Read {
        /// ELEMENT.HANDLER, or a global handler.
        handler: String,
    },
    /// Write a handler: the words of VALUE, joined by spaces (none for actions such as
    /// `reset`).
    Write {
        /// ELEMENT.HANDLER.
        handler: String,
        /// The value.
        #[arg(allow_hyphen_values = true)]
        value: Vec<String>,
    },
    /// List the router's elements and their classes.
    List,
    /// Say whether a handler can be read and written (exit status 1 if it does not exist).
    Check {
        /// ELEMENT.HANDLER, or a global handler.
        handler: String,
    },
    /// A refreshing table of every element's counters and queue lengths.
    Top {
        /// Seconds between refreshes.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
        /// Refresh this many times, then exit (default: until interrupted).
        #[arg(long)]
        count: Option<u64>,
    },
}

/// How long a reply may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `action` against the control socket at `address`, printing to `out`.
pub fn ctl(address: &str, action: &CtlAction, out: &mut dyn Write) -> Result<(), String> {
    let address = Address::parse(address);
    let mut client = Client::connect(&address, TIMEOUT)
        .map_err(|e| format!("{address}: cannot connect: {e}"))?;
    let io = |e: std::io::Error| e.to_string();
    match action {
        CtlAction::Read { handler } => {
            let value = client.read(handler).map_err(|e| refused(handler, e))?;
            out.write_all(value.as_bytes()).map_err(io)?;
            if !value.is_empty() && !value.ends_with('\n') {
                writeln!(out).map_err(io)?;
            }
        }
        CtlAction::Write { handler, value } => {
            client
                .write(handler, &value.join(" "))
                .map_err(|e| refused(handler, e))?;
        }
        CtlAction::List => {
            for name in element_names(&mut client)? {
                let class = client
                    .read(&format!("{name}.class"))
                    .unwrap_or_else(|_| "?".into());
                writeln!(out, "{name:<24} {}", class.trim()).map_err(io)?;
            }
        }
        CtlAction::Check { handler } => {
            let read = client
                .check(handler, false)
                .map_err(|e| refused(handler, e))?;
            let write = client
                .check(handler, true)
                .map_err(|e| refused(handler, e))?;
            if matches!(read.code, 510) || (!read.ok() && !write.ok() && read.code != 530) {
                return Err(format!("{handler}: {read}"));
            }
            let mode = match (read.ok(), write.ok()) {
                (true, true) => "read write",
                (true, false) => "read",
                (false, true) => "write",
                (false, false) => "none",
            };
            writeln!(out, "{handler}: {mode}").map_err(io)?;
        }
        CtlAction::Top { interval, count } => {
            top(&mut client, &address, *interval, *count, out)?;
        }
    }
    let _ = client.quit();
    Ok(())
}

fn refused(handler: &str, e: ClientError) -> String {
    match e {
        ClientError::Refused(reply) => format!("{handler}: {reply}"),
        other => format!("{handler}: {other}"),
    }
}

/// The `list` global handler: a count, then one name per line.
fn element_names(client: &mut Client) -> Result<Vec<String>, String> {
    let list = client.read("list").map_err(|e| refused("list", e))?;
    Ok(list
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// The handlers `top` shows in columns of their own, in order, with their headings.
const COLUMNS: &[(&str, &str)] = &[
    ("count", "COUNT"),
    ("rate", "RATE"),
    ("drops", "DROPS"),
    ("length", "LENGTH"),
    ("highwater_length", "HIGHWATER"),
    ("capacity", "CAPACITY"),
];

/// Other numeric handlers `top` shows, as `name=value`.
const OTHERS: &[&str] = &[
    "byte_count",
    "byte_rate",
    "kernel_drops",
    "errors",
    "nmappings",
    "mapping_failures",
    "queries",
    "responses",
    "fragments",
];

/// One element's row: its class and the handlers worth showing.
struct Row {
    name: String,
    class: String,
    handlers: Vec<String>,
}

fn top(
    client: &mut Client,
    address: &Address,
    interval: f64,
    count: Option<u64>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let interval = Duration::from_secs_f64(interval.clamp(0.01, 3600.0));
    let mut rows = Vec::new();
    for name in element_names(client)? {
        let class = client
            .read(&format!("{name}.class"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let listed = client.read(&format!("{name}.handlers")).unwrap_or_default();
        let readable: Vec<&str> = listed
            .lines()
            .filter_map(|l| {
                let (h, mode) = l.split_once('\t').unwrap_or((l, "r"));
                mode.contains('r').then_some(h.trim())
            })
            .collect();
        // A source's `length` is the length of the packets it makes, not a queue's.
        let source = readable.contains(&"data");
        let handlers: Vec<String> = COLUMNS
            .iter()
            .map(|(h, _)| *h)
            .chain(OTHERS.iter().copied())
            .filter(|h| readable.contains(h) && !(source && *h == "length"))
            .map(String::from)
            .collect();
        if !handlers.is_empty() {
            rows.push(Row {
                name,
                class,
                handlers,
            });
        }
    }
    let clear = std::io::stdout().is_terminal();
    let mut refresh = 0u64;
    loop {
        refresh += 1;
        let mut values: Vec<BTreeMap<&str, String>> = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut v = BTreeMap::new();
            for h in &row.handlers {
                if let Ok(value) = client.read(&format!("{}.{h}", row.name)) {
                    let value = value.trim();
                    if value.parse::<f64>().is_ok() {
                        v.insert(h.as_str(), value.to_string());
                    }
                }
            }
            values.push(v);
        }
        let table = render(address, refresh, &rows, &values);
        let io = |e: std::io::Error| e.to_string();
        if clear {
            write!(out, "\x1b[H\x1b[2J").map_err(io)?;
        } else if refresh > 1 {
            writeln!(out).map_err(io)?;
        }
        out.write_all(table.as_bytes()).map_err(io)?;
        out.flush().map_err(io)?;
        if count.is_some_and(|n| refresh >= n) {
            return Ok(());
        }
        std::thread::sleep(interval);
    }
}

fn render(
    address: &Address,
    refresh: u64,
    rows: &[Row],
    values: &[BTreeMap<&str, String>],
) -> String {
    let mut headings = vec!["ELEMENT", "CLASS"];
    headings.extend(COLUMNS.iter().map(|(_, t)| *t));
    let mut cells: Vec<Vec<String>> = Vec::new();
    for (row, v) in rows.iter().zip(values) {
        let mut line = vec![row.name.clone(), row.class.clone()];
        for (h, _) in COLUMNS {
            line.push(v.get(h).cloned().unwrap_or_else(|| "-".into()));
        }
        let others: Vec<String> = OTHERS
            .iter()
            .filter_map(|h| v.get(h).map(|value| format!("{h}={value}")))
            .collect();
        line.push(others.join(" "));
        cells.push(line);
    }
    let mut widths: Vec<usize> = headings.iter().map(|h| h.len()).collect();
    for line in &cells {
        for (w, c) in widths.iter_mut().zip(line) {
            *w = (*w).max(c.len());
        }
    }
    let mut text = format!("sluice ctl top: {address}, refresh {refresh}\n");
    let mut put = |line: &[String]| {
        let mut l = String::new();
        for (i, c) in line.iter().enumerate() {
            match widths.get(i) {
                // Names and classes to the left, numbers to the right.
                Some(w) if i < 2 => {
                    let _ = write!(l, "{c:<w$}  ");
                }
                Some(w) => {
                    let _ = write!(l, "{c:>w$}  ");
                }
                None => l.push_str(c),
            }
        }
        text.push_str(l.trim_end());
        text.push('\n');
    };
    put(&headings.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for line in &cells {
        put(line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up() {
        let rows = vec![
            Row {
                name: "src".into(),
                class: "InfiniteSource".into(),
                handlers: vec!["count".into()],
            },
            Row {
                name: "q".into(),
                class: "Queue".into(),
                handlers: vec!["length".into(), "drops".into()],
            },
        ];
        let mut a = BTreeMap::new();
        a.insert("count", "1000".to_string());
        let mut b = BTreeMap::new();
        b.insert("length", "3".to_string());
        b.insert("drops", "12".to_string());
        b.insert("byte_count", "640".to_string());
        let text = render(&Address::parse("41000"), 2, &rows, &[a, b]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "sluice ctl top: 127.0.0.1:41000, refresh 2");
        assert!(lines[1].starts_with("ELEMENT  CLASS           COUNT  RATE  DROPS  LENGTH"));
        assert!(lines[2].starts_with("src      InfiniteSource   1000     -      -       -"));
        assert!(lines[3].starts_with("q        Queue               -     -     12       3"));
        assert!(lines[3].ends_with("byte_count=640"));
    }
}
