//! `Print`: logs a line for each packet: label, length and leading bytes in hex.

use alloc::string::{String, ToString};
use core::fmt;

use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::values::Word;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Level, Output, PortCount, ProcessingSpec,
};
use crate::packet::{Annotations, Packet};

/// How the packet's bytes are shown (`CONTENTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    None,
    Hex,
    Ascii,
}

/// Click 2.1's annotation area is 48 bytes; `PRINTANNO` prints it.
const ANNO_SIZE: usize = 48;

/// Sluice's typed annotations laid out as Click 2.1's annotation bytes (`packet_anno.hh`):
/// destination IP at 0, paint at 16, ICMP parameter problem at 17, fix-IP-source at 19,
/// aggregate at 20..24 (shared with the VLAN TCI at 20..22, as in Click: the VLAN TCI wins
/// when set), extra length at 28..32. Multi-byte values are in host (little-endian) order,
/// as Click stores them, except the VLAN TCI, which Click keeps in network order.
fn click_anno_bytes(a: &Annotations) -> [u8; ANNO_SIZE] {
    let mut b = [0u8; ANNO_SIZE];
    b[0..4].copy_from_slice(&a.dst_ip.0);
    b[16] = a.paint;
    b[17] = a.icmp_param_prob;
    b[19] = u8::from(a.fix_ip_src);
    b[20..24].copy_from_slice(&a.aggregate.to_le_bytes());
    if a.vlan_tci != 0 {
        b[20..22].copy_from_slice(&a.vlan_tci.to_be_bytes());
    }
    b[28..32].copy_from_slice(&a.extra_length.to_le_bytes());
    b
}

/// Logs a line for each packet that passes: its label, length and first bytes.
///
/// # Synopsis
///
/// ```text
/// Print([LABEL, MAXLENGTH, keywords CONTENTS, TIMESTAMP, PRINTANNO, HEADROOM, ACTIVE])
/// ```
///
/// # Ports
///
/// One input, one output.
///
/// # Processing
///
/// Agnostic.
///
/// # Description
///
/// Passes packets unchanged, logging one line for each (at level Info), in Click's format:
///
/// ```text
/// LABEL: TIMESTAMP:  LEN (hHEADROOM tTAILROOM) | ANNOTATIONS | 45000054 00004000 ...
/// ```
///
/// `LABEL: ` appears when `LABEL` is not empty, `TIMESTAMP: ` when `TIMESTAMP` is true (seconds
/// and six digits of microseconds), the length in a field of four, the room only with
/// `HEADROOM`, the annotation bytes only with `PRINTANNO`, and then the contents. Arguments:
///
/// - `LABEL` (string): the text before the length.
/// - `MAXLENGTH` (integer, default 24): at most this many bytes are shown; negative means
///   all. `LENGTH` and `NBYTES` are deprecated names for it.
/// - `CONTENTS` (`HEX`, `ASCII`, `NONE`, or a boolean; default `HEX`): hex shows two digits per
///   byte with a space after every four bytes; ASCII shows printable characters and `.` for
///   the rest, with a space before every eight.
/// - `TIMESTAMP` (boolean, default false): show the timestamp annotation.
/// - `PRINTANNO` (boolean, default false): show the annotation area as hex, laid out as
///   Click 2.1's 48 annotation bytes (the fields Sluice keeps; the others are zero).
/// - `HEADROOM` (boolean, default false): show the headroom and tailroom.
/// - `ACTIVE` (boolean, default true): print at all.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> Print(in, 16) -> Discard;
/// // logs lines such as "in:   98 | 00005e00 0101a0b0 c0d0e0f0 08004500"
/// ```
///
/// # Handlers
///
/// - `active` (read/write): whether lines are printed.
///
/// # See also
///
/// IPPrint.
#[derive(Debug)]
pub struct Print {
    name: String,
    label: String,
    max_length: i32,
    contents: Contents,
    timestamp: bool,
    print_anno: bool,
    headroom: bool,
    active: bool,
}

/// One packet's line, written straight into the log without building a string.
struct Line<'a> {
    print: &'a Print,
    p: &'a Packet,
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (e, p) = (self.print, self.p);
        let mut sep = "";
        if !e.label.is_empty() {
            f.write_str(&e.label)?;
            sep = ": ";
        }
        if e.timestamp {
            write!(f, "{sep}{}", p.anno().timestamp)?;
            sep = ": ";
        }
        write!(f, "{sep}{:4}", p.len())?;
        if e.headroom {
            write!(f, " (h{} t{})", p.headroom(), p.tailroom())?;
        }
        if e.print_anno {
            f.write_str(" | ")?;
            for b in click_anno_bytes(p.anno()) {
                write!(f, "{b:02x}")?;
            }
        }
        let mut n = match e.contents {
            Contents::None => 0,
            _ => e.max_length,
        };
        if n < 0 || p.len() < n as usize {
            n = p.len() as i32;
        }
        if n > 0 {
            f.write_str(" | ")?;
            let bytes = &p.data()[..n as usize];
            match e.contents {
                Contents::Hex => {
                    for (i, b) in bytes.iter().enumerate() {
                        if i > 0 && i % 4 == 0 {
                            f.write_str(" ")?;
                        }
                        write!(f, "{b:02x}")?;
                    }
                }
                Contents::Ascii => {
                    for (i, &b) in bytes.iter().enumerate() {
                        if i % 8 == 0 {
                            f.write_str(" ")?;
                        }
                        let c = if (32..=126).contains(&b) {
                            b as char
                        } else {
                            '.'
                        };
                        write!(f, "{c}")?;
                    }
                }
                Contents::None => {}
            }
        }
        Ok(())
    }
}

impl Print {
    #[inline]
    fn print(&self, p: &Packet, cx: &mut Context<'_>) {
        if self.active {
            cx.log(
                Level::Info,
                &self.name,
                format_args!("{}", Line { print: self, p }),
            );
        }
    }
}

impl Element for Print {
    const CLASS: &'static str = "Print";
    const PORTS: PortCount = PortCount::ONE_TO_ONE;
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let label = args.positional::<String>("LABEL").unwrap_or_default();
        let mut max_length = args.positional::<i32>("MAXLENGTH").unwrap_or(24);
        if let Some(n) = args.keyword::<i32>("LENGTH") {
            max_length = n;
        }
        if let Some(n) = args.keyword::<i32>("NBYTES") {
            max_length = n;
        }
        let contents_word = args.keyword::<Word>("CONTENTS");
        let contents_span = args.last_span();
        let timestamp = args.keyword::<bool>("TIMESTAMP").unwrap_or(false);
        let print_anno = args.keyword::<bool>("PRINTANNO").unwrap_or(false);
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let headroom = args.keyword::<bool>("HEADROOM").unwrap_or(false);
        let contents = match contents_word {
            None => Contents::Hex,
            Some(Word(w)) => match <bool as FromArg>::from_arg(&w, &NoNames) {
                Ok(true) => Contents::Hex,
                Ok(false) => Contents::None,
                Err(_) => match w.to_ascii_uppercase().as_str() {
                    "NONE" => Contents::None,
                    "HEX" => Contents::Hex,
                    "ASCII" => Contents::Ascii,
                    _ => {
                        args.error(
                            contents_span,
                            alloc::format!(
                                "bad contents value '{w}'; should be 'NONE', 'HEX', or 'ASCII'"
                            ),
                        );
                        Contents::Hex
                    }
                },
            },
        };
        args.finish()?;
        Ok(Print {
            name: cx.name.to_string(),
            label,
            max_length,
            contents,
            timestamp,
            print_anno,
            headroom,
            active,
        })
    }

    #[inline]
    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.print(&p, cx);
        out.push(0, p, cx);
    }

    #[inline]
    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.print(&p, cx);
        Some(p)
    }
}

impl Handlers for Print {
    const HANDLERS: &'static [HandlerSpec] = &[HandlerSpec::read_write(
        "active",
        "whether lines are printed",
    )];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "active" => Ok(self.active.to_string()),
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::readable,
                HandlerError::NotReadable,
            )),
        }
    }

    fn write_handler(
        &mut self,
        name: &str,
        value: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "active" => {
                self.active = <bool as FromArg>::from_arg(value.trim(), &NoNames)
                    .map_err(HandlerError::BadValue)?;
                Ok(())
            }
            _ => Err(missing(
                Self::HANDLERS,
                name,
                Access::writable,
                HandlerError::NotWritable,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::{configure, Collect, Feed, KeepLog};
    use crate::element::Ports;
    use crate::packet::{Pool, PoolConfig, Timestamp};
    use alloc::vec::Vec;

    const PORTS: Ports = Ports {
        inputs: 1,
        outputs: 1,
    };

    /// Runs `config` on packets of these bytes and returns the lines logged.
    fn lines(config: &str, packets: &[&[u8]]) -> Vec<String> {
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = KeepLog::default();
        {
            let mut cx = Context::new(Timestamp::from_parts(1_000_000_000, 1500), pool, &mut log);
            let mut print: Print = configure(config, PORTS).unwrap();
            let mut out = Collect::new();
            for data in packets {
                let mut p = pool.packet(data).unwrap();
                p.anno_mut().timestamp = Timestamp::from_parts(1_700_000_000, 12_345_678);
                p.anno_mut().paint = 3;
                print.push(0, p.into(), &mut out, &mut cx);
            }
            assert_eq!(out.count(0), packets.len());
            assert!(out.port(0).iter().zip(packets).all(|(p, d)| p.data() == *d));
        }
        assert_eq!(pool.in_flight(), 0);
        log.messages
            .into_iter()
            .map(|(level, m)| {
                assert_eq!(level, Level::Info);
                m.strip_prefix("e: ").unwrap().to_string()
            })
            .collect()
    }

    #[test]
    fn default_format_is_clicks() {
        let data: Vec<u8> = (0..30u8).collect();
        assert_eq!(
            lines("", &[&data]),
            ["  30 | 00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617"]
        );
        assert_eq!(lines("ok", &[b"\x45\x00\x00"]), ["ok:    3 | 450000"]);
        assert_eq!(lines("x, 0", &[b"abc"]), ["x:    3"]);
        assert_eq!(
            lines("x, -1", &[&data])[0].len(),
            "x:   30 | ".len() + 60 + 7
        );
        assert_eq!(lines("\"a b\", 5", &[&data]), ["a b:   30 | 00010203 04"]);
        assert_eq!(lines("", &[b""]), ["   0"]);
        assert_eq!(lines("", &[&[0u8; 12345][..1000]]).len(), 1);
    }

    #[test]
    fn keywords() {
        assert_eq!(
            lines("t, 4, TIMESTAMP true", &[b"abcdef"]),
            ["t: 1700000000.012345:    6 | 61626364"]
        );
        assert_eq!(
            lines("TIMESTAMP true, MAXLENGTH 2", &[b"abcdef"]),
            ["1700000000.012345:    6 | 6162"]
        );
        assert_eq!(
            lines("a, 20, CONTENTS ascii", &[b"Hello,\x00world! 0123456789"]),
            ["a:   24 |  Hello,.w orld! 01 2345"]
        );
        assert_eq!(lines("a, CONTENTS false", &[b"abc"]), ["a:    3"]);
        assert_eq!(lines("a, 2, NBYTES 1", &[b"abc"]), ["a:    3 | 61"]);
        let with_anno = lines("a, 1, PRINTANNO true", &[b"abc"]);
        let expected_anno = alloc::format!("{}03{}", "00".repeat(16), "00".repeat(31));
        assert_eq!(
            with_anno,
            [alloc::format!("a:    3 | {expected_anno} | 61")]
        );
        let room = lines("a, 0, HEADROOM true", &[b"abc"]);
        assert!(
            room[0].starts_with("a:    3 (h") && room[0].contains(" t"),
            "{room:?}"
        );
        assert!(lines("a, ACTIVE false", &[b"abc"]).is_empty());
    }

    #[test]
    fn configuration_errors_and_handler() {
        let err = configure::<Print>("a, CONTENTS BINARY", PORTS).unwrap_err();
        assert_eq!(
            err.errors[0].message,
            "bad contents value 'BINARY'; should be 'NONE', 'HEX', or 'ASCII'"
        );
        assert_eq!(err.errors[0].span.start, 3);
        assert!(configure::<Print>("a, x", PORTS).is_err());
        assert!(configure::<Print>("a, 1, FOO 2", PORTS).is_err());
        let mut p: Print = configure("a", PORTS).unwrap();
        let hcx = HandlerContext {
            now: Timestamp::default(),
        };
        p.write_handler("active", "false", &hcx).unwrap();
        assert_eq!(p.read_handler("active", &hcx).unwrap(), "false");
        assert!(p.write_handler("active", "perhaps", &hcx).is_err());
        // Pull mode prints too.
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = KeepLog::default();
        p.write_handler("active", "true", &hcx).unwrap();
        {
            let mut cx = Context::new(Timestamp::default(), pool, &mut log);
            let mut feed = Feed::new();
            feed.add(0, pool.packet(b"z").unwrap().into());
            assert!(p.pull(0, &mut feed, &mut cx).is_some());
        }
        assert_eq!(log.messages.len(), 1);
        assert_eq!(pool.in_flight(), 0);
    }
}
