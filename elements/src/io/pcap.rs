//! pcap capture files: a reader for the classic format (microsecond and nanosecond
//! timestamps, either byte order) and a writer in exactly the form Click's ToDump writes.
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
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

impl<R: Read> PcapReader<R> {
    /// Reads and checks the file header.
    pub fn new(mut input: R) -> io::Result<Self> {
        let mut raw = [0u8; 24];
        input.read_exact(&mut raw)?;
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
        Ok(PcapReader { input, header })
    }

    /// The file header.
    pub fn header(&self) -> FileHeader {
        self.header
    }

    /// Reads the next record's bytes into `dst`. A record longer than `dst` is cut to fit
    /// (the rest is skipped; [`Record::caplen`] says what was stored, [`Record::origlen`]
    /// keeps the length on the wire). Returns `None` at a clean end of file; a record cut
    /// short by the end of the file is an error.
    pub fn next_into(&mut self, dst: &mut [u8]) -> io::Result<Option<Record>> {
        let mut raw = [0u8; 16];
        match read_full(&mut self.input, &mut raw)? {
            0 => return Ok(None),
            16 => {}
            _ => return Err(bad("truncated pcap record header")),
        }
        let word = |i: usize| {
            let b = [raw[i], raw[i + 1], raw[i + 2], raw[i + 3]];
            if self.header.big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let (sec, frac, caplen, origlen) = (word(0), word(4), word(8), word(12));
        if caplen > MAX_RECORD {
            return Err(bad("pcap record longer than 256 KiB"));
        }
        let len = caplen as usize;
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
        let nsec = if self.header.nanos {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        let timestamp = Timestamp::from_parts(u64::from(sec), nsec.min(999_999_999));
        Ok(Some(Record {
            timestamp,
            caplen: stored as u32,
            origlen: origlen.max(stored as u32),
        }))
    }
}

impl<R: io::BufRead> PcapReader<R> {
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
