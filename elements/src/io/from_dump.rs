//! `FromDump`: reads packets from a pcap file.

use alloc::format;
use alloc::string::{String, ToString};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use super::mapped::{self, MappedReader};
use super::pcap::{PcapReader, LINKTYPE_ETHERNET};
use crate::element::args::{Args, ConfigError, FromArg, NoNames};
use crate::element::handler::missing;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Level, Output, PortCount, PortRange, Processing, ProcessingSpec,
};
use crate::packet::{Batch, Packet, WritablePacket};
use crate::wire::ethernet::{EtherType, EthernetFrame, HEADER_LEN as ETHER_HEADER_LEN};
use crate::wire::ipv4::Ipv4Packet;

/// Link type of raw IPv4/IPv6 captures.
const LINKTYPE_RAW: u32 = 101;
/// File bytes copied after each packet's data (see `next_packet`).
const TAIL_PEEK: usize = 32;
/// Packets pushed per task run: one batch.
const BURST: usize = crate::packet::BATCH_CAPACITY;

/// Reads packets from a pcap file, as tcpdump writes them.
///
/// # Synopsis
///
/// ```text
/// FromDump(FILENAME [, TIMING, keywords STOP, ACTIVE, FORCE_IP, MMAP, TIMING])
/// ```
///
/// # Ports
///
/// No inputs. One output; a second output, if connected, receives the packets `FORCE_IP`
/// rejects.
///
/// # Processing
///
/// Agnostic. When its output is push, FromDump is a task that reads up to a batch of
/// packets per run and pushes them one at a time, in file order; when pulled, it returns
/// the next packet.
///
/// # Description
///
/// Reads pcap files (classic pcap with microsecond or nanosecond timestamps in either byte
/// order, and pcapng).
/// Each packet is read straight into a buffer slot, with its capture timestamp as its
/// timestamp annotation and the bytes the capture left out (original length minus captured
/// length) as its extra-length annotation. A record longer than a slot is cut to the slot.
/// Keywords:
///
/// - `STOP` (boolean, default false): stop the router at the end of the file.
/// - `ACTIVE` (boolean, default true): whether to emit packets at all.
/// - `FORCE_IP` (boolean, default false): emit only IP packets, with their network header
///   marked; others go to output 1 (or are dropped).
/// - `MMAP` (boolean, default true): read the file through a memory map, as Click does,
///   rather than through a read buffer. A file that cannot be mapped (a pipe, for example)
///   is read through a buffer either way. As with Click's, a mapped file that another
///   program truncates while FromDump reads it ends the process with `SIGBUS`; give
///   `MMAP false` for a file that may change under the router.
/// - `TIMING` (boolean, default false): not supported; true is a configuration error.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> c :: Counter -> Discard;
/// ```
///
/// # Handlers
///
/// - `count` (read): packets emitted.
/// - `active` (read/write): whether FromDump emits packets.
/// - `encap` (read): the file's link type (`ETHER`, `IP`).
/// - `filesize` (read): the file's size in bytes.
/// - `stop` (write): stop emitting and stop the router.
/// - `filename` (read): the file's name, as configured.
/// - `filepos` (read): how far into the file reading has got, in bytes.
/// - `packet_filepos` (read): where the record of the last packet read starts, in bytes.
/// - `sampling_prob` (read): the sampling probability, always `1` (Click's `SAMPLE` is
///   not supported).
/// - `reset_counts` (write): set `count` to 0.
///
/// Click's `extend_interval` and `reset_timing` go with its `START`, `END` and `INTERVAL`
/// keywords, and a writable `filepos` needs seeking; none is supported.
///
/// # See also
///
/// ToDump.
pub struct FromDump {
    name: String,
    filename: String,
    stop: bool,
    active: bool,
    force_ip: bool,
    pulled: bool,
    mmap: bool,
    reader: Option<PcapReader<Counted<FileInput>>>,
    linktype: u32,
    filesize: u64,
    /// Bytes consumed when the reader closed (the reader counts them until then).
    filepos_at_end: u64,
    packet_filepos: u64,
    count: u64,
    done: bool,
    stopped: bool,
}

/// A reader that counts the bytes consumed through it: FromDump's `filepos`.
#[derive(Debug)]
struct Counted<R> {
    inner: R,
    consumed: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.consumed += amt as u64;
    }
}

/// The file, mapped or behind a read buffer.
#[derive(Debug)]
enum FileInput {
    Mapped(MappedReader),
    Buffered(BufReader<File>),
}

impl FileInput {
    /// The file at `path`, mapped if `mmap` and the program can map it, else buffered.
    fn open(path: &str, mmap: bool) -> io::Result<(FileInput, u64)> {
        let file = File::open(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if mmap {
            if let Ok(map) = mapped::map_file(&file) {
                return Ok((FileInput::Mapped(MappedReader::new(map)), size));
            }
        }
        Ok((
            FileInput::Buffered(BufReader::with_capacity(1 << 16, file)),
            size,
        ))
    }
}

impl Read for FileInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            FileInput::Mapped(m) => m.read(buf),
            FileInput::Buffered(b) => b.read(buf),
        }
    }
}

impl BufRead for FileInput {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            FileInput::Mapped(m) => m.fill_buf(),
            FileInput::Buffered(b) => b.fill_buf(),
        }
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        match self {
            FileInput::Mapped(m) => m.consume(amt),
            FileInput::Buffered(b) => b.consume(amt),
        }
    }
}

impl FromDump {
    /// Bytes consumed from the file so far.
    fn filepos(&self) -> u64 {
        self.reader
            .as_ref()
            .map_or(self.filepos_at_end, |r| r.get_ref().consumed)
    }

    /// Reads the next packet the configuration lets through, or `None` at the end.
    fn next_packet(
        &mut self,
        out: Option<&mut dyn FnMut(Packet)>,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let mut out = out;
        loop {
            let reader = self.reader.as_mut()?;
            let Some(mut slot) = cx.pool().take_slot() else {
                // The pool is empty: try again next round.
                return None;
            };
            let headroom = cx.pool().headroom();
            let record_pos = reader.get_ref().consumed;
            let record = match reader.next_buffered(&mut slot.bytes_mut()[headroom..]) {
                Ok(Some(r)) => {
                    self.packet_filepos = record_pos;
                    r
                }
                Ok(None) => {
                    self.finish(cx, None);
                    return None;
                }
                Err(e) => {
                    self.finish(cx, Some(e.to_string()));
                    return None;
                }
            };
            // Like Click's, the bytes after a packet are the file's next bytes: elements that
            // read past a truncated frame's end (VLANDecap's TCI) see what Click sees.
            let end = headroom + record.caplen as usize;
            let tail_len = TAIL_PEEK.min(slot.len() - end);
            reader.peek_into(&mut slot.bytes_mut()[end..end + tail_len]);
            let Ok(mut p) = WritablePacket::from_slot(slot, headroom, record.caplen as usize)
            else {
                continue;
            };
            p.anno_mut().timestamp = record.timestamp;
            p.anno_mut().extra_length = record.origlen.saturating_sub(record.caplen);
            if self.force_ip && !self.mark_ip(&mut p) {
                if let Some(out) = out.as_mut() {
                    out(p.into());
                }
                continue;
            }
            self.count += 1;
            return Some(p.into());
        }
    }

    /// Marks the IP header for FORCE_IP; false if the packet is not IP.
    fn mark_ip(&self, p: &mut WritablePacket) -> bool {
        let offset = match self.linktype {
            LINKTYPE_RAW => 0,
            LINKTYPE_ETHERNET => match EthernetFrame::new_checked(p.data()) {
                Ok(f) if f.ethertype() == EtherType::IPV4 => ETHER_HEADER_LEN,
                _ => return false,
            },
            _ => return false,
        };
        let Some(ip) = p
            .data()
            .get(offset..)
            .and_then(|d| Ipv4Packet::new_checked(d).ok())
        else {
            return false;
        };
        let hlen = ip.header_len();
        p.set_network_header(offset, hlen).is_ok()
    }

    fn finish(&mut self, cx: &mut Context<'_>, error: Option<String>) {
        if let Some(e) = error {
            cx.log(
                Level::Error,
                &self.name,
                format_args!("{}: {e}", self.filename),
            );
        }
        self.filepos_at_end = self.filepos();
        self.reader = None;
        self.done = true;
        if self.stop && !self.stopped {
            self.stopped = true;
            cx.request_stop();
        }
    }
}

impl Element for FromDump {
    const CLASS: &'static str = "FromDump";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(0), PortRange::Between(1, 2));
    const PROCESSING: ProcessingSpec = ProcessingSpec {
        inputs: &[Processing::Agnostic],
        outputs: &[Processing::Agnostic, Processing::Push],
    };
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let filename: String = args.mandatory("FILENAME");
        let timing_pos = args.positional::<bool>("TIMING");
        let stop = args.keyword::<bool>("STOP").unwrap_or(false);
        let active = args.keyword::<bool>("ACTIVE").unwrap_or(true);
        let force_ip = args.keyword::<bool>("FORCE_IP").unwrap_or(false);
        let mmap = args.keyword::<bool>("MMAP").unwrap_or(true);
        let timing = args
            .keyword::<bool>("TIMING")
            .or(timing_pos)
            .unwrap_or(false);
        if timing {
            let span = args.span();
            args.error(span, "TIMING true is not supported");
        }
        args.finish()?;
        Ok(FromDump {
            name: cx.name.to_string(),
            filename,
            stop,
            active,
            force_ip,
            pulled: cx.output_is_pull(0),
            mmap,
            reader: None,
            linktype: LINKTYPE_ETHERNET,
            filesize: 0,
            filepos_at_end: 0,
            packet_filepos: 0,
            count: 0,
            done: false,
            stopped: false,
        })
    }

    fn initialize(&mut self, _: &mut Context<'_>) -> Result<(), String> {
        let (inner, size) = FileInput::open(&self.filename, self.mmap)
            .map_err(|e| format!("{}: {e}", self.filename))?;
        self.filesize = size;
        let input = Counted { inner, consumed: 0 };
        let reader = PcapReader::new(input).map_err(|e| format!("{}: {e}", self.filename))?;
        self.linktype = reader.header().linktype;
        if self.force_ip && self.linktype != LINKTYPE_ETHERNET && self.linktype != LINKTYPE_RAW {
            return Err(format!(
                "{}: unknown linktype {}; can't force IP packets",
                self.filename, self.linktype
            ));
        }
        if self.linktype == LINKTYPE_RAW {
            self.force_ip = true;
        }
        self.reader = Some(reader);
        Ok(())
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        if !self.active || self.pulled || self.done {
            if self.done && self.stop && !self.stopped {
                self.stopped = true;
                cx.request_stop();
            }
            return false;
        }
        let mut batch = Batch::new();
        let mut rejected = Batch::new();
        for _ in 0..BURST {
            let mut reject = |p: Packet| {
                let _ = rejected.push(p);
            };
            match self.next_packet(Some(&mut reject), cx) {
                Some(p) => {
                    let _ = batch.push(p);
                }
                None => break,
            }
        }
        let worked = !batch.is_empty() || !rejected.is_empty();
        // One packet at a time, as Click's FromDump does: every packet is fully processed
        // (including pushes that come back round a cycle, such as ICMP errors re-entering a
        // route table) before the next one starts, so outputs keep Click's order.
        for p in batch.drain() {
            ports.push(0, p, cx);
        }
        ports.push_batch(1, &mut rejected, cx);
        worked
    }

    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        _: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        if !self.active {
            return None;
        }
        self.next_packet(None, cx)
    }
}

impl Handlers for FromDump {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("count", "packets emitted"),
        HandlerSpec::read_write("active", "whether FromDump emits packets"),
        HandlerSpec::read("encap", "the file's link type"),
        HandlerSpec::read("filesize", "the file's size in bytes"),
        HandlerSpec::write("stop", "stop emitting and stop the router"),
        HandlerSpec::read("filename", "the file's name"),
        HandlerSpec::read("filepos", "bytes of the file read so far"),
        HandlerSpec::read("packet_filepos", "file offset of the last packet's record"),
        HandlerSpec::read("sampling_prob", "sampling probability (always 1)"),
        HandlerSpec::write("reset_counts", "set count to 0"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" => Ok(self.active.to_string()),
            "encap" => Ok(match self.linktype {
                LINKTYPE_ETHERNET => "ETHER".to_string(),
                LINKTYPE_RAW => "IP".to_string(),
                other => format!("{other}"),
            }),
            "filesize" => Ok(self.filesize.to_string()),
            "filename" => Ok(self.filename.clone()),
            "filepos" => Ok(self.filepos().to_string()),
            "packet_filepos" => Ok(self.packet_filepos.to_string()),
            // cp_unparse_real2 of Click's default probability, 1 << SAMPLING_SHIFT.
            "sampling_prob" => Ok("1".to_string()),
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
                self.active =
                    bool::from_arg(value.trim(), &NoNames).map_err(HandlerError::BadValue)?;
                Ok(())
            }
            "reset_counts" => {
                self.count = 0;
                Ok(())
            }
            "stop" => {
                self.active = false;
                self.done = true;
                self.stop = true;
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
    use crate::element::testing::Pair;
    use crate::element::testing::{configure, Collect, Feed};
    use crate::element::{NoLog, Ports};
    use crate::io::pcap::{PcapWriter, TODUMP_SNAPLEN};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    fn write_file(path: &std::path::Path, frames: &[&[u8]]) {
        let f = std::fs::File::create(path).unwrap();
        let mut w = PcapWriter::new(f, TODUMP_SNAPLEN).unwrap();
        for (i, fr) in frames.iter().enumerate() {
            w.write(
                Timestamp::from_parts(1_700_000_000, i as u32 * 1000),
                fr,
                fr.len() + 4,
            )
            .unwrap();
        }
    }

    fn ipv4_frame() -> alloc::vec::Vec<u8> {
        let mut f = alloc::vec![0u8; 34];
        f[12] = 0x08;
        f[14] = 0x45;
        f[16..18].copy_from_slice(&20u16.to_be_bytes());
        f[22] = 64;
        let sum = crate::wire::checksum::checksum(&f[14..34]);
        f[24..26].copy_from_slice(&sum.to_be_bytes());
        f
    }

    #[test]
    fn pushes_every_packet_then_stops() {
        let dir = std::env::temp_dir().join(format!("sluice-fromdump-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.pcap");
        write_file(&path, &[b"first packet", b"second", &[9u8; 70]]);
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let config = format!("{}, STOP true", path.display());
        let mut fd: FromDump = configure(
            &config,
            Ports {
                inputs: 0,
                outputs: 1,
            },
        )
        .unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        assert!(fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        assert!(cx.stop_requested());
        assert!(!fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx));
        let got: alloc::vec::Vec<&[u8]> = out.port(0).iter().map(|p| p.data()).collect();
        assert_eq!(got, [&b"first packet"[..], b"second", &[9u8; 70]]);
        assert_eq!(
            out.port(0)[1].anno().timestamp,
            Timestamp::from_parts(1_700_000_000, 1000)
        );
        assert_eq!(out.port(0)[1].anno().extra_length, 4);
        let h = HandlerContext { now: cx.now() };
        assert_eq!(fd.read_handler("count", &h).unwrap(), "3");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn force_ip_marks_headers_and_rejects_others() {
        let dir = std::env::temp_dir().join(format!("sluice-fromdump-ip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.pcap");
        let ip = ipv4_frame();
        write_file(&path, &[&ip, b"not ip at all, just bytes", &ip[..20]]);
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let config = format!("{}, FORCE_IP true", path.display());
        let mut fd: FromDump = configure(
            &config,
            Ports {
                inputs: 0,
                outputs: 2,
            },
        )
        .unwrap();
        fd.initialize(&mut cx).unwrap();
        let mut out = Collect::new();
        fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        assert_eq!((out.count(0), out.count(1)), (1, 2));
        assert_eq!(out.port(0)[0].network_header_offset(), Some(14));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_files_fail_initialization_and_bad_configs_are_errors() {
        let pool = Pool::new(PoolConfig::with_slots(4)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut fd: FromDump = configure(
            "/nonexistent/x.pcap",
            Ports {
                inputs: 0,
                outputs: 1,
            },
        )
        .unwrap();
        assert!(fd
            .initialize(&mut cx)
            .unwrap_err()
            .contains("/nonexistent/x.pcap"));
        assert!(configure::<FromDump>(
            "",
            Ports {
                inputs: 0,
                outputs: 1
            }
        )
        .is_err());
        assert!(configure::<FromDump>(
            "f.pcap, TIMING true",
            Ports {
                inputs: 0,
                outputs: 1
            }
        )
        .is_err());
    }

    #[test]
    fn file_position_and_count_handlers() {
        let dir = std::env::temp_dir().join(format!("sluice-fromdump-h-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.pcap");
        // 24-byte file header, then 16-byte record headers: records at 24 and 52.
        write_file(&path, &[b"first packet", b"second"]);
        let pool = Pool::new(PoolConfig::with_slots(16)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let config = path.display().to_string();
        let mut fd: FromDump = configure(
            &config,
            Ports {
                inputs: 0,
                outputs: 1,
            },
        )
        .unwrap();
        let h = HandlerContext { now: cx.now() };
        assert_eq!(fd.read_handler("filename", &h).unwrap(), config);
        assert_eq!(fd.read_handler("filepos", &h).unwrap(), "0");
        fd.initialize(&mut cx).unwrap();
        assert_eq!(fd.read_handler("filepos", &h).unwrap(), "24");
        assert_eq!(fd.read_handler("sampling_prob", &h).unwrap(), "1");
        let mut out = Collect::new();
        fd.run_task(&mut Pair(&mut out, &mut Feed::new()), &mut cx);
        assert_eq!(out.count(0), 2);
        assert_eq!(fd.read_handler("filepos", &h).unwrap(), "74");
        assert_eq!(fd.read_handler("packet_filepos", &h).unwrap(), "52");
        assert_eq!(fd.read_handler("count", &h).unwrap(), "2");
        fd.write_handler("reset_counts", "", &h).unwrap();
        assert_eq!(fd.read_handler("count", &h).unwrap(), "0");
        for ro in ["filename", "filepos", "packet_filepos", "sampling_prob"] {
            assert_eq!(
                fd.write_handler(ro, "1", &h),
                Err(HandlerError::NotWritable),
                "{ro}"
            );
        }
        assert_eq!(
            fd.read_handler("reset_counts", &h),
            Err(HandlerError::NotReadable)
        );
        assert_eq!(fd.read_handler("filepos", &h).unwrap(), "74", "unchanged");
        drop(out);
        assert_eq!(pool.in_flight(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A mapper for tests: the file's bytes read into memory, which is what a mapping
    /// lends (the real one, in `sluice-drivers`, is tested there).
    fn read_whole(file: &File) -> io::Result<mapped::Mapping> {
        let mut bytes = alloc::vec::Vec::new();
        (&*file).read_to_end(&mut bytes)?;
        Ok(alloc::boxed::Box::new(bytes))
    }

    /// Everything FromDump gives out for `config`: per packet its data, the tailroom bytes
    /// after it, its timestamp and `packet_filepos`; then `count`, `filepos` and whether the
    /// file was mapped.
    fn read_all(config: &str) -> (alloc::vec::Vec<String>, String, bool) {
        let pool = Pool::new(PoolConfig::with_slots(64)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let ports = Ports {
            inputs: 0,
            outputs: 1,
        };
        let mut fd: FromDump = configure(config, ports).unwrap();
        fd.initialize(&mut cx).unwrap();
        let was_mapped = matches!(
            fd.reader.as_ref().map(|r| &r.get_ref().inner),
            Some(FileInput::Mapped(_))
        );
        let h = HandlerContext { now: cx.now() };
        let mut seen = alloc::vec::Vec::new();
        while let Some(p) = fd.next_packet(None, &mut cx) {
            let end = p.headroom() + p.len();
            seen.push(format!(
                "{:?} {:?} {:?} {}",
                p.data(),
                &p.buffer()[end..end + TAIL_PEEK],
                p.anno().timestamp,
                fd.read_handler("packet_filepos", &h).unwrap()
            ));
        }
        let totals = format!(
            "count {} filepos {} filesize {}",
            fd.read_handler("count", &h).unwrap(),
            fd.read_handler("filepos", &h).unwrap(),
            fd.read_handler("filesize", &h).unwrap()
        );
        assert_eq!(pool.in_flight(), 0);
        (seen, totals, was_mapped)
    }

    #[test]
    fn a_mapped_file_reads_exactly_as_a_buffered_one() {
        mapped::set_file_mapper(read_whole);
        let dir = std::env::temp_dir().join(format!("sluice-fromdump-mm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.pcap");
        let big = [7u8; 1700];
        let frames: alloc::vec::Vec<&[u8]> = alloc::vec![b"first packet", &big, b"x", b"last"];
        write_file(&path, &frames);
        let file = path.display().to_string();
        let (mapped_reads, mapped_totals, was_mapped) = read_all(&file);
        assert!(was_mapped, "MMAP defaults to true");
        let (buffered_reads, buffered_totals, was_mapped) =
            read_all(&format!("{file}, MMAP false"));
        assert!(!was_mapped);
        assert_eq!(mapped_reads.len(), 4);
        assert_eq!(mapped_reads, buffered_reads);
        assert_eq!(mapped_totals, buffered_totals);

        // Cut inside the last record: both stop after the same packets, at the same place.
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() - 2]).unwrap();
        let (mapped_reads, mapped_totals, _) = read_all(&file);
        let (buffered_reads, buffered_totals, _) = read_all(&format!("{file}, MMAP false"));
        assert_eq!(mapped_reads.len(), 3);
        assert_eq!(mapped_reads, buffered_reads);
        assert_eq!(mapped_totals, buffered_totals);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
