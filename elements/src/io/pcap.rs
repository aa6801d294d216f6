//! pcap capture files: a reader for the classic format (microsecond and nanosecond
//! timestamps, either byte order) and for pcapng and a writer in exactly the form Click's ToDump writes.
//!
//! ToDump's form, which Sluice must reproduce byte for byte: magic `0xa1b23c4d`
//! (nanosecond timestamps) in host byte order, version 2.4, thiszone 0, sigfigs 0, snaplen
//! 2000, linktype 1 (Ethernet); a packet longer than the snaplen is cut to it and keeps its
//! real original length.

use std::io::{self, Read, Write};

use crate::packet::Timestamp;

/// Magic number of a microsecond-resolution pcap file.
pub const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// Magic number of a nanosecond-resolution pcap file.
pub const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Link type for Ethernet frames.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// The snaplen Click's ToDump writes by default.
pub const TODUMP_SNAPLEN: u32 = 2000;
/// Largest record the reader accepts (a corrupt length must not make it allocate
/// gigabytes).
pub const MAX_RECORD: u32 = 256 * 1024;

/// The file header's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    /// Timestamps are nanoseconds (else microseconds).
    pub nanos: bool,
    /// The file is big-endian.
    pub big_endian: bool,
    /// Largest captured length the writer promised.
    pub snaplen: u32,
    /// Link type (1 is Ethernet).
    pub linktype: u32,
}

/// One record's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Capture time.
    pub timestamp: Timestamp,
    /// Bytes read into the caller's buffer (the record's captured length, or less if the
    /// buffer was shorter).
    pub caplen: u32,
    /// Bytes on the wire.
    pub origlen: u32,
}

/// Reads records from a pcap file.
pub struct PcapReader<R> {
    input: R,
    header: FileHeader,
    /// Present when the file is pcapng.
    ng: Option<NgState>,
}

/// Block type of a pcapng section header (the file's first four bytes).
const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
/// pcapng byte-order magic.
const PCAPNG_BOM: u32 = 0x1A2B_3C4D;
/// Largest pcapng block the reader accepts.
const PCAPNG_MAX_BLOCK: u32 = 1 << 20;

/// What a pcapng reader remembers between blocks.
#[derive(Debug, Clone, Default)]
struct NgState {
    big_endian: bool,
    /// Per interface: link type, snap length and the timestamp unit in nanoseconds as a
    /// (multiplier, divisor) pair.
    interfaces: Vec<(u32, u32, u64, u64)>,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

impl<R: Read> PcapReader<R> {
    /// Reads and checks the file header: a classic pcap header, or a pcapng section
    /// header (pcapng files are read too: enhanced and simple packet blocks, any byte
    /// order, per-interface timestamp resolution).
    pub fn new(mut input: R) -> io::Result<Self> {
        let mut magic = [0u8; 4];
        input.read_exact(&mut magic)?;
        if u32::from_le_bytes(magic) == PCAPNG_SHB {
            return Self::new_ng(input);
        }
        let mut raw = [0u8; 24];
        raw[..4].copy_from_slice(&magic);
        input.read_exact(&mut raw[4..])?;
        let le = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let be = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let (nanos, big_endian) = match (le, be) {
            (MAGIC_MICROS, _) => (false, false),
            (MAGIC_NANOS, _) => (true, false),
            (_, MAGIC_MICROS) => (false, true),
            (_, MAGIC_NANOS) => (true, true),
            _ => return Err(bad("not a pcap file (bad magic number)")),
        };
        let word = |i: usize| {
            let b = [raw[i], raw[i + 1], raw[i + 2], raw[i + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let header = FileHeader {
            nanos,
            big_endian,
            snaplen: word(16),
            linktype: word(20),
        };
        Ok(PcapReader {
            input,
            header,
            ng: None,
        })
    }

    /// Continues after a pcapng section header's block type: its length and byte order,
    /// then the blocks up to the first interface description, which gives the link type.
    fn new_ng(mut input: R) -> io::Result<Self> {
        let mut raw = [0u8; 8];
        input.read_exact(&mut raw)?;
        let big_endian = match (
            u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]),
            u32::from_be_bytes([raw[4], raw[5], raw[6], raw[7]]),
        ) {
            (PCAPNG_BOM, _) => false,
            (_, PCAPNG_BOM) => true,
            _ => return Err(bad("not a pcapng file (bad byte-order magic)")),
        };
        let len = ng_word(big_endian, &raw[0..4]);
        if !(28..=PCAPNG_MAX_BLOCK).contains(&len) || len % 4 != 0 {
            return Err(bad("bad pcapng section header length"));
        }
        skip(&mut input, u64::from(len - 12))?;
        let reader = PcapReader {
            input,
            header: FileHeader {
                nanos: true,
                big_endian,
                snaplen: 0,
                linktype: LINKTYPE_ETHERNET,
            },
            ng: Some(NgState {
                big_endian,
                interfaces: Vec::new(),
            }),
        };
        Ok(reader.with_first_interface())
    }

    /// Sets the file header from the first interface description, if the file starts with
    /// one (otherwise Ethernet is assumed until one appears).
    fn with_first_interface(mut self) -> Self {
        if let Some(&(linktype, snaplen, _, _)) =
            self.ng.as_ref().and_then(|n| n.interfaces.first())
        {
            self.header.linktype = linktype;
            self.header.snaplen = snaplen;
        }
        self
    }

    /// The file header.
    pub fn header(&self) -> FileHeader {
        self.header
    }

    /// The input the records are read from.
    pub fn get_ref(&self) -> &R {
        &self.input
    }

    /// Reads the next record's bytes into `dst`. A record longer than `dst` is cut to fit
    /// (the rest is skipped; [`Record::caplen`] says what was stored, [`Record::origlen`]
    /// keeps the length on the wire). Returns `None` at a clean end of file; a record cut
    /// short by the end of the file is an error.
    pub fn next_into(&mut self, dst: &mut [u8]) -> io::Result<Option<Record>> {
        if self.ng.is_some() {
            return self.next_ng(dst);
        }
        let mut raw = [0u8; 16];
        match read_full(&mut self.input, &mut raw)? {
            0 => return Ok(None),
            16 => {}
            _ => return Err(bad("truncated pcap record header")),
        }
        let header = record_header(self.header, &raw)?;
        let len = header.caplen as usize;
        let stored = len.min(dst.len());
        self.input.read_exact(&mut dst[..stored])?;
        let mut rest = (len - stored) as u64;
        if rest > 0 {
            let skipped = io::copy(&mut (&mut self.input).take(rest), &mut io::sink())?;
            rest -= skipped;
            if rest > 0 {
                return Err(bad("truncated pcap record"));
            }
        }
        Ok(Some(header.stored(stored)))
    }
}

/// A classic pcap record header of a file with header `file`, checked.
#[inline]
fn record_header(file: FileHeader, raw: &[u8; 16]) -> io::Result<Record> {
    let word = |i: usize| {
        let b = [raw[i], raw[i + 1], raw[i + 2], raw[i + 3]];
        if file.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let (sec, frac, caplen, origlen) = (word(0), word(4), word(8), word(12));
    if caplen > MAX_RECORD {
        return Err(bad("pcap record longer than 256 KiB"));
    }
    let nsec = if file.nanos {
        frac
    } else {
        frac.saturating_mul(1000)
    };
    Ok(Record {
        timestamp: Timestamp::from_parts(u64::from(sec), nsec.min(999_999_999)),
        caplen,
        origlen,
    })
}

impl Record {
    /// The record as stored in a buffer that took `stored` of its bytes.
    #[inline]
    fn stored(self, stored: usize) -> Record {
        Record {
            caplen: stored as u32,
            origlen: self.origlen.max(stored as u32),
            ..self
        }
    }
}

impl<R: Read> PcapReader<R> {
    /// The next packet of a pcapng file: walks blocks, learning interfaces, until an
    /// enhanced or simple packet block.
    fn next_ng(&mut self, dst: &mut [u8]) -> io::Result<Option<Record>> {
        loop {
            let mut head = [0u8; 8];
            match read_full(&mut self.input, &mut head)? {
                0 => return Ok(None),
                8 => {}
                _ => return Err(bad("truncated pcapng block header")),
            }
            let ng = self.ng.as_mut().ok_or_else(|| bad("not a pcapng file"))?;
            let be = ng.big_endian;
            let kind = ng_word(be, &head[0..4]);
            let len = ng_word(be, &head[4..8]);
            if kind == PCAPNG_SHB {
                // A new section: its byte order may differ.
                let mut bom = [0u8; 4];
                self.input.read_exact(&mut bom)?;
                let big = match u32::from_le_bytes(bom) {
                    PCAPNG_BOM => false,
                    _ if u32::from_be_bytes(bom) == PCAPNG_BOM => true,
                    _ => return Err(bad("bad pcapng byte-order magic")),
                };
                let len = ng_word(big, &head[4..8]);
                if !(28..=PCAPNG_MAX_BLOCK).contains(&len) || len % 4 != 0 {
                    return Err(bad("bad pcapng section header length"));
                }
                skip(&mut self.input, u64::from(len - 12))?;
                *ng = NgState {
                    big_endian: big,
                    interfaces: Vec::new(),
                };
                continue;
            }
            if !(12..=PCAPNG_MAX_BLOCK).contains(&len) || len % 4 != 0 {
                return Err(bad("bad pcapng block length"));
            }
            let body_len = (len - 12) as usize;
            match kind {
                // Interface description: link type, snap length, options (if_tsresol).
                1 => {
                    let mut body = vec![0u8; body_len];
                    self.input.read_exact(&mut body)?;
                    skip(&mut self.input, 4)?;
                    if body.len() < 8 {
                        return Err(bad("short pcapng interface description"));
                    }
                    let linktype = u32::from(ng_half(be, &body[0..2]));
                    let snaplen = ng_word(be, &body[4..8]);
                    let (mul, div) = ts_unit(be, &body[8..]);
                    ng.interfaces.push((linktype, snaplen, mul, div));
                    if ng.interfaces.len() == 1 {
                        self.header.linktype = linktype;
                        self.header.snaplen = snaplen;
                    }
                }
                // Enhanced packet block.
                6 => {
                    let mut fixed = [0u8; 20];
                    if body_len < 20 {
                        return Err(bad("short pcapng packet block"));
                    }
                    self.input.read_exact(&mut fixed)?;
                    let iface = ng_word(be, &fixed[0..4]) as usize;
                    let ts = (u64::from(ng_word(be, &fixed[4..8])) << 32)
                        | u64::from(ng_word(be, &fixed[8..12]));
                    let caplen = ng_word(be, &fixed[12..16]);
                    let origlen = ng_word(be, &fixed[16..20]);
                    let padded = (caplen as usize).div_ceil(4) * 4;
                    if 20 + padded > body_len {
                        return Err(bad("pcapng packet longer than its block"));
                    }
                    let (_, _, mul, div) =
                        ng.interfaces.get(iface).copied().unwrap_or((1, 0, 1000, 1));
                    let record = self.read_data(dst, caplen, origlen, ts_nanos(ts, mul, div))?;
                    skip(
                        &mut self.input,
                        (body_len - 20 - caplen as usize) as u64 + 4,
                    )?;
                    return Ok(Some(record));
                }
                // Simple packet block: interface 0, no timestamp.
                3 => {
                    let mut fixed = [0u8; 4];
                    if body_len < 4 {
                        return Err(bad("short pcapng simple packet block"));
                    }
                    self.input.read_exact(&mut fixed)?;
                    let origlen = ng_word(be, &fixed);
                    let caplen = origlen.min((body_len - 4) as u32);
                    let record = self.read_data(dst, caplen, origlen, 0)?;
                    skip(&mut self.input, (body_len - 4 - caplen as usize) as u64 + 4)?;
                    return Ok(Some(record));
                }
                // Anything else (statistics, name resolution, custom blocks): skipped.
                _ => skip(&mut self.input, u64::from(len - 8))?,
            }
        }
    }

    /// Reads `caplen` bytes of packet data into `dst` (cut to fit, the rest skipped).
    fn read_data(
        &mut self,
        dst: &mut [u8],
        caplen: u32,
        origlen: u32,
        nanos: u64,
    ) -> io::Result<Record> {
        let stored = (caplen as usize).min(dst.len());
        self.input.read_exact(&mut dst[..stored])?;
        skip(&mut self.input, u64::from(caplen) - stored as u64)?;
        Ok(Record {
            timestamp: Timestamp(nanos),
            caplen: stored as u32,
            origlen: origlen.max(stored as u32),
        })
    }
}

fn ng_word(big_endian: bool, b: &[u8]) -> u32 {
    let b = [b[0], b[1], b[2], b[3]];
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

fn ng_half(big_endian: bool, b: &[u8]) -> u16 {
    let b = [b[0], b[1]];
    if big_endian {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

/// The timestamp unit from an interface's options (`if_tsresol`, code 9), as nanoseconds
/// = ticks * mul / div. The default is microseconds.
fn ts_unit(be: bool, mut options: &[u8]) -> (u64, u64) {
    while options.len() >= 4 {
        let code = ng_half(be, &options[0..2]);
        let len = ng_half(be, &options[2..4]) as usize;
        let padded = len.div_ceil(4) * 4;
        if code == 0 || options.len() < 4 + padded {
            break;
        }
        if code == 9 && len >= 1 {
            let v = options[4];
            let exp = u32::from(v & 0x7f);
            return if v & 0x80 == 0 {
                // 10^-exp seconds.
                match exp {
                    0..=9 => (10u64.pow(9 - exp), 1),
                    10..=19 => (1, 10u64.pow(exp - 9)),
                    _ => (1000, 1),
                }
            } else {
                // 2^-exp seconds.
                (1_000_000_000, 1u64.checked_shl(exp.min(63)).unwrap_or(1))
            };
        }
        options = &options[4 + padded..];
    }
    (1000, 1)
}

fn ts_nanos(ticks: u64, mul: u64, div: u64) -> u64 {
    ((u128::from(ticks) * u128::from(mul)) / u128::from(div.max(1))).min(u128::from(u64::MAX))
        as u64
}

/// Skips `n` bytes of input; an early end of file is an error.
fn skip(input: &mut impl Read, n: u64) -> io::Result<()> {
    let skipped = io::copy(&mut input.take(n), &mut io::sink())?;
    if skipped < n {
        return Err(bad("truncated pcapng block"));
    }
    Ok(())
}

impl<R: io::BufRead> PcapReader<R> {
    /// [`PcapReader::next_into`] for a buffered input: a classic pcap record that lies whole
    /// in the read buffer (nearly every one) is parsed and copied from there in one step,
    /// without going through `Read` calls for its header and its bytes.
    #[inline]
    pub fn next_buffered(&mut self, dst: &mut [u8]) -> io::Result<Option<Record>> {
        if self.ng.is_none() {
            let file = self.header;
            let buf = self.input.fill_buf()?;
            if let Some((raw, rest)) = buf.split_first_chunk::<16>() {
                // Anything else (a record cut by the buffer's end, longer than `dst`, or a
                // bad header) takes the general path, which reports it the same way.
                if let Ok(header) = record_header(file, raw) {
                    let len = header.caplen as usize;
                    if let (Some(to), Some(from)) = (dst.get_mut(..len), rest.get(..len)) {
                        to.copy_from_slice(from);
                        self.input.consume(16 + len);
                        return Ok(Some(header.stored(len)));
                    }
                }
            }
        }
        self.next_into(dst)
    }

    /// Copies the bytes that follow the last record in the file (the next record's header
    /// and data) into `dst`, without consuming them; returns how many were available in the
    /// read buffer. Click's FromDump hands out packets that sit inside its file buffer, so
    /// an element reading past a truncated packet's end sees these bytes; FromDump puts them
    /// in the packet's tailroom to behave the same.
    pub fn peek_into(&mut self, dst: &mut [u8]) -> usize {
        match self.input.fill_buf() {
            Ok(buf) => {
                let n = buf.len().min(dst.len());
                dst[..n].copy_from_slice(&buf[..n]);
                n
            }
            Err(_) => 0,
        }
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Writes a pcap file the way Click's ToDump does.
pub struct PcapWriter<W: Write> {
    output: W,
    snaplen: u32,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header: nanosecond magic in host byte order, version 2.4, the given
    /// snaplen (ToDump's default is [`TODUMP_SNAPLEN`]), Ethernet.
    pub fn new(output: W, snaplen: u32) -> io::Result<Self> {
        Self::with_linktype(output, snaplen, LINKTYPE_ETHERNET)
    }

    /// Writes the file header with another link type (101 for raw IP).
    pub fn with_linktype(mut output: W, snaplen: u32, linktype: u32) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&MAGIC_NANOS.to_ne_bytes());
        h.extend_from_slice(&2u16.to_ne_bytes());
        h.extend_from_slice(&4u16.to_ne_bytes());
        h.extend_from_slice(&0i32.to_ne_bytes());
        h.extend_from_slice(&0u32.to_ne_bytes());
        h.extend_from_slice(&snaplen.to_ne_bytes());
        h.extend_from_slice(&linktype.to_ne_bytes());
        output.write_all(&h)?;
        Ok(PcapWriter { output, snaplen })
    }

    /// Appends one packet, cut to the snaplen; `origlen` is its length on the wire (at
    /// least `data.len()`).
    pub fn write(&mut self, timestamp: Timestamp, data: &[u8], origlen: usize) -> io::Result<()> {
        let caplen = data.len().min(self.snaplen as usize);
        let origlen = origlen.max(data.len());
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(timestamp.secs() as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&timestamp.subsec_nanos().to_ne_bytes());
        h[8..12].copy_from_slice(&(caplen as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&(origlen as u32).to_ne_bytes());
        self.output.write_all(&h)?;
        self.output.write_all(&data[..caplen])
    }

    /// Flushes buffered output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.output
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_todump_header_exactly() {
        let w = PcapWriter::new(Vec::new(), TODUMP_SNAPLEN).unwrap();
        let bytes = w.into_inner();
        assert_eq!(
            bytes,
            [
                0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd0, 0x07, 0, 0, 1, 0,
                0, 0
            ]
        );
    }

    #[test]
    fn buffered_reads_equal_plain_reads_whatever_the_buffer_cuts() {
        let mut w = PcapWriter::new(Vec::new(), 65535).unwrap();
        for i in 0..40u32 {
            let data: Vec<u8> = (0..(i * 7 % 61)).map(|b| (b ^ i) as u8).collect();
            let t = Timestamp::from_parts(1_700_000_000 + u64::from(i), i * 1000);
            w.write(t, &data, data.len() + (i as usize % 3)).unwrap();
        }
        let file = w.into_inner();
        let plain: Vec<(Record, Vec<u8>)> = {
            let mut r = PcapReader::new(&file[..]).unwrap();
            let mut buf = [0u8; 48];
            core::iter::from_fn(|| {
                let rec = r.next_into(&mut buf).unwrap()?;
                Some((rec, buf[..rec.caplen as usize].to_vec()))
            })
            .collect()
        };
        assert_eq!(plain.len(), 40);
        assert!(
            plain.iter().any(|(r, _)| r.caplen == 48 && r.origlen > 48),
            "some records are longer than the destination"
        );
        // Read buffers smaller than, equal to and larger than a record: records lie whole
        // in the buffer, straddle its end, or are longer than the destination.
        for capacity in [17, 40, 77, 4096] {
            let mut r =
                PcapReader::new(std::io::BufReader::with_capacity(capacity, &file[..])).unwrap();
            let mut buf = [0u8; 48];
            for (i, (rec, data)) in plain.iter().enumerate() {
                let got = r.next_buffered(&mut buf).unwrap().unwrap();
                assert_eq!((&got, &buf[..got.caplen as usize]), (rec, &data[..]), "{i}");
            }
            assert!(r.next_buffered(&mut buf).unwrap().is_none());
        }
        // A file cut inside a record is an error on both paths.
        let cut = &file[..file.len() - 3];
        let mut r = PcapReader::new(std::io::BufReader::with_capacity(64, cut)).unwrap();
        let mut buf = [0u8; 48];
        let err = loop {
            match r.next_buffered(&mut buf) {
                Ok(Some(_)) => {}
                Ok(None) => panic!("a cut file ended cleanly"),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn round_trip_and_truncation() {
        let mut w = PcapWriter::new(Vec::new(), 8).unwrap();
        let t = Timestamp::from_parts(1_700_000_000, 123_456_789);
        w.write(t, b"0123456789", 10).unwrap();
        w.write(Timestamp::SIMULATED_EPOCH, b"ab", 2).unwrap();
        let file = w.into_inner();
        let mut r = PcapReader::new(&file[..]).unwrap();
        assert_eq!(
            r.header(),
            FileHeader {
                nanos: true,
                big_endian: false,
                snaplen: 8,
                linktype: 1
            }
        );
        let mut buf = [0u8; 64];
        let rec = r.next_into(&mut buf).unwrap().unwrap();
        assert_eq!(
            rec,
            Record {
                timestamp: t,
                caplen: 8,
                origlen: 10
            }
        );
        assert_eq!(&buf[..8], b"01234567");
        let rec = r.next_into(&mut buf).unwrap().unwrap();
        assert_eq!((rec.timestamp, rec.caplen), (Timestamp::SIMULATED_EPOCH, 2));
        assert!(r.next_into(&mut buf).unwrap().is_none());
    }

    /// A pcapng file: section header, interface (Ethernet, nanosecond resolution), an
    /// unknown block, an enhanced packet block and a simple packet block.
    fn pcapng_fixture(be: bool) -> Vec<u8> {
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let h = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut f = Vec::new();
        f.extend_from_slice(&PCAPNG_SHB.to_le_bytes());
        f.extend_from_slice(&w(28));
        f.extend_from_slice(&w(PCAPNG_BOM));
        f.extend_from_slice(&h(1));
        f.extend_from_slice(&h(0));
        f.extend_from_slice(&[0xff; 8]);
        f.extend_from_slice(&w(28));
        // IDB with if_tsresol = 9 (nanoseconds).
        f.extend_from_slice(&w(1));
        f.extend_from_slice(&w(28));
        f.extend_from_slice(&h(1));
        f.extend_from_slice(&h(0));
        f.extend_from_slice(&w(65535));
        f.extend_from_slice(&h(9));
        f.extend_from_slice(&h(1));
        f.extend_from_slice(&[9, 0, 0, 0]);
        f.extend_from_slice(&w(28));
        // An unknown block (name resolution) to skip.
        f.extend_from_slice(&w(4));
        f.extend_from_slice(&w(16));
        f.extend_from_slice(&[0; 4]);
        f.extend_from_slice(&w(16));
        // EPB: 5 bytes of data, padded to 8.
        f.extend_from_slice(&w(6));
        f.extend_from_slice(&w(40));
        f.extend_from_slice(&w(0));
        f.extend_from_slice(&w(0x1));
        f.extend_from_slice(&w(0x2));
        f.extend_from_slice(&w(5));
        f.extend_from_slice(&w(60));
        f.extend_from_slice(b"hello\0\0\0");
        f.extend_from_slice(&w(40));
        // SPB: 3 bytes.
        f.extend_from_slice(&w(3));
        f.extend_from_slice(&w(20));
        f.extend_from_slice(&w(3));
        f.extend_from_slice(b"abc\0");
        f.extend_from_slice(&w(20));
        f
    }

    #[test]
    fn reads_pcapng_in_both_byte_orders() {
        for be in [false, true] {
            let file = pcapng_fixture(be);
            let mut r = PcapReader::new(&file[..]).unwrap();
            assert_eq!(r.header().linktype, 1);
            let mut buf = [0u8; 64];
            let rec = r.next_into(&mut buf).unwrap().unwrap();
            assert_eq!(&buf[..5], b"hello");
            assert_eq!((rec.caplen, rec.origlen), (5, 60));
            assert_eq!(rec.timestamp, Timestamp((1u64 << 32) | 2));
            let rec = r.next_into(&mut buf).unwrap().unwrap();
            assert_eq!((&buf[..3], rec.caplen), (&b"abc"[..], 3));
            assert!(r.next_into(&mut buf).unwrap().is_none());
            // Every truncation is an error or a clean end, never a panic.
            for cut in 0..file.len() {
                if let Ok(mut r) = PcapReader::new(&file[..cut]) {
                    while let Ok(Some(_)) = r.next_into(&mut buf) {}
                }
            }
        }
    }

    #[test]
    fn pcapng_timestamp_resolutions() {
        assert_eq!(ts_unit(false, &[]), (1000, 1));
        assert_eq!(ts_unit(false, &[9, 0, 1, 0, 6, 0, 0, 0]), (1000, 1));
        assert_eq!(ts_unit(false, &[9, 0, 1, 0, 3, 0, 0, 0]), (1_000_000, 1));
        assert_eq!(
            ts_unit(false, &[9, 0, 1, 0, 0x80 | 10, 0, 0, 0]),
            (1_000_000_000, 1024)
        );
        assert_eq!(ts_nanos(1500, 1_000_000_000, 1024), 1_464_843_750);
    }

    #[test]
    fn reads_big_endian_microsecond_files() {
        let mut f = Vec::new();
        for w in [MAGIC_MICROS, 0x0002_0004, 0, 0, 65535, 1] {
            f.extend_from_slice(&w.to_be_bytes());
        }
        for w in [5u32, 250_000, 3, 60] {
            f.extend_from_slice(&w.to_be_bytes());
        }
        f.extend_from_slice(b"xyz");
        let mut r = PcapReader::new(&f[..]).unwrap();
        assert!(r.header().big_endian && !r.header().nanos);
        let mut buf = [0u8; 8];
        let rec = r.next_into(&mut buf).unwrap().unwrap();
        assert_eq!(rec.timestamp, Timestamp::from_parts(5, 250_000_000));
        assert_eq!((rec.caplen, rec.origlen), (3, 60));
    }

    #[test]
    fn corrupt_files_are_errors_not_panics() {
        assert!(PcapReader::new(&[0u8; 24][..]).is_err());
        assert!(PcapReader::new(&[0u8; 3][..]).is_err());
        let mut w = PcapWriter::new(Vec::new(), 2000).unwrap();
        w.write(Timestamp::default(), &[7; 100], 100).unwrap();
        let file = w.into_inner();
        // Cut inside the record's data, inside its header, and with a huge caplen.
        for cut in [24 + 16 + 50, 24 + 7] {
            let mut r = PcapReader::new(&file[..cut]).unwrap();
            assert!(r.next_into(&mut [0u8; 2048]).is_err());
        }
        let mut huge = file.clone();
        huge[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut r = PcapReader::new(&huge[..]).unwrap();
        assert!(r.next_into(&mut [0u8; 2048]).is_err());
        // A record larger than the caller's buffer is cut to fit and the next one follows.
        let mut w = PcapWriter::new(Vec::new(), 2000).unwrap();
        w.write(Timestamp::default(), &[7; 100], 100).unwrap();
        w.write(Timestamp::default(), &[8; 3], 3).unwrap();
        let file = w.into_inner();
        let mut r = PcapReader::new(&file[..]).unwrap();
        let mut small = [0u8; 10];
        let rec = r.next_into(&mut small).unwrap().unwrap();
        assert_eq!((rec.caplen, rec.origlen), (10, 100));
        assert_eq!(small, [7; 10]);
        let rec = r.next_into(&mut small).unwrap().unwrap();
        assert_eq!((rec.caplen, &small[..3]), (3, &[8u8, 8, 8][..]));
    }
}
