//! `ToDump`: writes packets to a pcap file, in exactly the form Click's ToDump writes.

use alloc::format;
use alloc::string::{String, ToString};
use std::fs::File;
use std::io::BufWriter;

use super::pcap::PcapWriter;
use crate::element::args::{Args, ConfigError};
use crate::element::handler::missing;
use crate::element::values::Word;
use crate::element::{
    Access, ConfigContext, Context, Element, HandlerContext, HandlerError, HandlerSpec, Handlers,
    Input, Level, Output, PortCount, PortRange, ProcessingSpec,
};
use crate::packet::{Batch, Packet};

/// Writes packets to a pcap file.
///
/// # Synopsis
///
/// ```text
/// ToDump(FILENAME [, SNAPLEN, ENCAP, keywords SNAPLEN, ENCAP, EXTRA_LENGTH, UNBUFFERED])
/// ```
///
/// # Ports
///
/// One input; an optional output that passes every packet on.
///
/// # Processing
///
/// Agnostic. With a pull input and no output, ToDump is a task that pulls and writes.
///
/// # Description
///
/// Creates `FILENAME` when the router is initialized (so an output that receives nothing
/// is still a valid, header-only file) and writes each packet with its timestamp
/// annotation (the current time if it has none). The file is a nanosecond pcap in host
/// byte order, version 2.4, as the Click this project follows writes it. Keywords:
///
/// - `SNAPLEN` (integer, default 2000; 0 means no limit): longer packets are cut to it and
///   keep their real length in the record.
/// - `ENCAP` (`ETHER` or `IP`, default `ETHER`): the link type written in the header.
/// - `EXTRA_LENGTH` (boolean, default true): add the packet's extra-length annotation to
///   the recorded original length.
/// - `UNBUFFERED` (boolean, default false): flush after every packet.
///
/// # Example
///
/// ```text
/// FromDump(in.pcap, STOP true) -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// - `filename` (read): the file written.
/// - `count` (read): packets written.
/// - `reset_counts` (write): set the count to zero.
///
/// # See also
///
/// FromDump.
pub struct ToDump {
    name: String,
    filename: String,
    snaplen: u32,
    linktype: u32,
    extra_length: bool,
    unbuffered: bool,
    pulled_task: bool,
    writer: Option<PcapWriter<BufWriter<File>>>,
    count: u64,
}

impl ToDump {
    fn write(&mut self, p: &Packet, cx: &mut Context<'_>) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        let ts = if p.anno().timestamp.as_nanos() == 0 {
            cx.now()
        } else {
            p.anno().timestamp
        };
        let extra = if self.extra_length {
            p.anno().extra_length as usize
        } else {
            0
        };
        let mut result = w.write(ts, p.data(), p.len() + extra);
        if self.unbuffered && result.is_ok() {
            result = w.flush();
        }
        match result {
            Ok(()) => self.count += 1,
            Err(e) => {
                cx.log(
                    Level::Error,
                    &self.name,
                    format_args!("{}: {e}", self.filename),
                );
                self.writer = None;
            }
        }
    }
}

impl Element for ToDump {
    const CLASS: &'static str = "ToDump";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(1), PortRange::Between(0, 1));
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;
    const TASK: bool = true;

    fn configure(mut args: Args<'_>, cx: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let filename: String = args.mandatory("FILENAME");
        let snaplen = args.positional::<u32>("SNAPLEN").unwrap_or(2000);
        let encap = args.positional::<Word>("ENCAP");
        let extra_length = args.keyword::<bool>("EXTRA_LENGTH").unwrap_or(true);
        let unbuffered = args.keyword::<bool>("UNBUFFERED").unwrap_or(false);
        let linktype = match encap.as_ref().map(|w| w.0.as_str()) {
            None | Some("ETHER") => 1,
            Some("IP") => 101,
            Some(other) => {
                let span = args.last_span();
                args.error(span, format!("ENCAP: bad encapsulation type '{other}'"));
                1
            }
        };
        args.finish()?;
        Ok(ToDump {
            name: cx.name.to_string(),
            filename,
            snaplen: if snaplen == 0 { u32::MAX } else { snaplen },
            linktype,
            extra_length,
            unbuffered,
            pulled_task: cx.input_is_pull(0) && cx.ports.outputs == 0,
            writer: None,
            count: 0,
        })
    }

    fn initialize(&mut self, _: &mut Context<'_>) -> Result<(), String> {
        let file = File::create(&self.filename).map_err(|e| format!("{}: {e}", self.filename))?;
        let writer = PcapWriter::with_linktype(
            BufWriter::with_capacity(1 << 16, file),
            self.snaplen,
            self.linktype,
        )
        .map_err(|e| format!("{}: unable to write file header: {e}", self.filename))?;
        self.writer = Some(writer);
        Ok(())
    }

    fn push<O: Output + ?Sized>(&mut self, _: usize, p: Packet, out: &mut O, cx: &mut Context<'_>) {
        self.write(&p, cx);
        out.push(0, p, cx);
    }

    fn push_batch<O: Output + ?Sized>(
        &mut self,
        _: usize,
        batch: &mut Batch,
        out: &mut O,
        cx: &mut Context<'_>,
    ) {
        for p in batch.iter() {
            self.write(p, cx);
        }
        out.push_batch(0, batch, cx);
    }

    fn pull<I: Input + ?Sized>(
        &mut self,
        _: usize,
        input: &mut I,
        cx: &mut Context<'_>,
    ) -> Option<Packet> {
        let p = input.pull(0, cx)?;
        self.write(&p, cx);
        Some(p)
    }

    fn run_task<P: Output + Input + ?Sized>(
        &mut self,
        ports: &mut P,
        cx: &mut Context<'_>,
    ) -> bool {
        if !self.pulled_task {
            return false;
        }
        match ports.pull(0, cx) {
            Some(p) => {
                self.write(&p, cx);
                true
            }
            None => false,
        }
    }

    fn cleanup(&mut self, cx: &mut Context<'_>) {
        if let Some(mut w) = self.writer.take() {
            if let Err(e) = w.flush() {
                cx.log(
                    Level::Error,
                    &self.name,
                    format_args!("{}: {e}", self.filename),
                );
            }
        }
    }
}

impl Drop for ToDump {
    fn drop(&mut self) {
        if let Some(mut w) = self.writer.take() {
            let _ = w.flush();
        }
    }
}

impl Handlers for ToDump {
    const HANDLERS: &'static [HandlerSpec] = &[
        HandlerSpec::read("filename", "the file written"),
        HandlerSpec::read("count", "packets written"),
        HandlerSpec::write("reset_counts", "set the count to zero"),
    ];

    fn read_handler(&self, name: &str, _: &HandlerContext) -> Result<String, HandlerError> {
        match name {
            "filename" => Ok(self.filename.clone()),
            "count" => Ok(self.count.to_string()),
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
        _: &str,
        _: &HandlerContext,
    ) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
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
    use crate::element::testing::{configure, Collect};
    use crate::element::{NoLog, Ports};
    use crate::packet::{Pool, PoolConfig, Timestamp};

    #[test]
    fn writes_click_todump_files() {
        let dir = std::env::temp_dir().join(format!("sluice-todump-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.pcap");
        let pool = Pool::new(PoolConfig::with_slots(8)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut td: ToDump = configure(
            &format!("{}, SNAPLEN 4", path.display()),
            Ports {
                inputs: 1,
                outputs: 0,
            },
        )
        .unwrap();
        td.initialize(&mut cx).unwrap();
        let mut p = pool.packet(b"abcdefgh").unwrap();
        p.anno_mut().timestamp = Timestamp::from_parts(7, 8);
        p.anno_mut().extra_length = 2;
        td.push(0, p.into(), &mut Collect::new(), &mut cx);
        // No timestamp: the current (simulated) time.
        td.push(
            0,
            pool.packet(b"xy").unwrap().into(),
            &mut Collect::new(),
            &mut cx,
        );
        td.cleanup(&mut cx);
        let bytes = std::fs::read(&path).unwrap();
        let mut want = alloc::vec::Vec::new();
        want.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
        want.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0]);
        for w in [7u32, 8, 4, 10] {
            want.extend_from_slice(&w.to_le_bytes());
        }
        want.extend_from_slice(b"abcd");
        for w in [1_000_000_000u32, 0, 2, 2] {
            want.extend_from_slice(&w.to_le_bytes());
        }
        want.extend_from_slice(b"xy");
        assert_eq!(bytes, want);
        assert_eq!(pool.in_flight(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_outputs_are_header_only_files() {
        let dir = std::env::temp_dir().join(format!("sluice-todump-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.pcap");
        let pool = Pool::new(PoolConfig::with_slots(2)).unwrap();
        let mut log = NoLog;
        let mut cx = Context::new(Timestamp::SIMULATED_EPOCH, pool, &mut log);
        let mut td: ToDump = configure(
            &format!("{}", path.display()),
            Ports {
                inputs: 1,
                outputs: 0,
            },
        )
        .unwrap();
        td.initialize(&mut cx).unwrap();
        td.cleanup(&mut cx);
        assert_eq!(std::fs::read(&path).unwrap().len(), 24);
        assert!(configure::<ToDump>(
            "x.pcap, ENCAP FDDI",
            Ports {
                inputs: 1,
                outputs: 0
            }
        )
        .is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
