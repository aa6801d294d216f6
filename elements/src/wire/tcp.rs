//! TCP segments (RFC 793, RFC 9293) over IPv4, options included.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! |                        Sequence Number                        |
//! |                    Acknowledgment Number                      |
//! |  Data |       |C|E|U|A|P|R|S|F|                               |
//! | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//! |           Checksum            |         Urgent Pointer        |
//! |                    Options (data offset > 5)                  |
//! |                             Payload                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! TCP has no length field: the segment is the whole buffer, which the caller bounds by the
//! IPv4 total length ([`super::ipv4::Ipv4Packet::payload`] does). [`TcpPacket::check_len`]
//! accepts a buffer that holds the fixed header and the data offset's worth of header, with a
//! data offset of at least 5. Once it has passed, no accessor panics; they panic only on a
//! view made with [`TcpPacket::new_unchecked`] over fewer than 20 bytes.

use core::fmt;
use core::ops::{BitAnd, BitOr, BitOrAssign, Range};

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::ipv4::protocol;
use super::{Ipv4Address, Result, WireError};

mod field {
    use super::*;

    /// The fixed 20-byte header.
    #[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
    #[repr(C)]
    pub(super) struct Header {
        pub(super) src_port: U16,
        pub(super) dst_port: U16,
        pub(super) seq_number: U32,
        pub(super) ack_number: U32,
        /// Data offset in the top four bits; reserved bits below.
        pub(super) data_offset: u8,
        pub(super) flags: u8,
        pub(super) window_len: U16,
        pub(super) checksum: U16,
        pub(super) urgent_at: U16,
    }

    pub(super) const HEADER_LEN: usize = size_of::<Header>();

    /// The options between the fixed header and the end of a `header_len`-byte header.
    pub(super) const fn options(header_len: usize) -> Range<usize> {
        HEADER_LEN..header_len
    }
}

/// The length of a TCP header without options.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// The longest TCP header: data offset 15.
pub const MAX_HEADER_LEN: usize = 60;

/// TCP option kinds (IANA "TCP Option Kind Numbers").
pub mod option_kind {
    /// End of option list.
    pub const END_OF_LIST: u8 = 0;
    /// No operation (padding).
    pub const NO_OPERATION: u8 = 1;
    /// Maximum segment size, RFC 9293.
    pub const MAX_SEGMENT_SIZE: u8 = 2;
    /// Window scale, RFC 7323.
    pub const WINDOW_SCALE: u8 = 3;
    /// SACK permitted, RFC 2018.
    pub const SACK_PERMITTED: u8 = 4;
    /// SACK blocks, RFC 2018.
    pub const SACK: u8 = 5;
    /// Timestamps, RFC 7323.
    pub const TIMESTAMP: u8 = 8;
}

/// The TCP flag bits of header byte 13, as a small set.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(u8);

impl TcpFlags {
    /// No more data from the sender.
    pub const FIN: TcpFlags = TcpFlags(0x01);
    /// Synchronize sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x02);
    /// Reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x04);
    /// Push.
    pub const PSH: TcpFlags = TcpFlags(0x08);
    /// The acknowledgment number is significant.
    pub const ACK: TcpFlags = TcpFlags(0x10);
    /// The urgent pointer is significant.
    pub const URG: TcpFlags = TcpFlags(0x20);
    /// ECN echo, RFC 3168.
    pub const ECE: TcpFlags = TcpFlags(0x40);
    /// Congestion window reduced, RFC 3168.
    pub const CWR: TcpFlags = TcpFlags(0x80);

    const NAMES: [(TcpFlags, &'static str); 8] = [
        (Self::FIN, "FIN"),
        (Self::SYN, "SYN"),
        (Self::RST, "RST"),
        (Self::PSH, "PSH"),
        (Self::ACK, "ACK"),
        (Self::URG, "URG"),
        (Self::ECE, "ECE"),
        (Self::CWR, "CWR"),
    ];

    /// No flag set.
    pub const fn empty() -> Self {
        TcpFlags(0)
    }

    /// The set whose bits are `bits` (every byte value is a valid set).
    pub const fn from_bits(bits: u8) -> Self {
        TcpFlags(bits)
    }

    /// The flag byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// True if no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if every flag of `other` is set in `self`.
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// True if any flag of `other` is set in `self`.
    pub const fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Sets (`on`) or clears the flags of `other`.
    pub fn set(&mut self, other: TcpFlags, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }
}

impl BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for TcpFlags {
    type Output = TcpFlags;
    fn bitand(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 & rhs.0)
    }
}

impl fmt::Debug for TcpFlags {
    /// Names joined by `|`, as `SYN|ACK`; `(none)` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(none)");
        }
        let mut first = true;
        for (flag, name) in Self::NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A read/write view of a TCP segment in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps `buffer` without checking it; accessors may panic until
    /// [`check_len`](Self::check_len) has passed.
    pub const fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// `Truncated` if the buffer is shorter than the fixed header or than the data offset;
    /// `Malformed` if the data offset is below 5.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let header_len = self.header_len();
        if header_len < HEADER_LEN {
            Err(WireError::Malformed)
        } else if header_len > len {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn header(&self) -> &field::Header {
        let Ok((header, _)) = field::Header::ref_from_prefix(self.buffer.as_ref()) else {
            panic!("TCP buffer shorter than 20 bytes: check_len was skipped");
        };
        header
    }

    /// The source port.
    pub fn src_port(&self) -> u16 {
        self.header().src_port.get()
    }

    /// The destination port.
    pub fn dst_port(&self) -> u16 {
        self.header().dst_port.get()
    }

    /// The sequence number.
    pub fn seq_number(&self) -> u32 {
        self.header().seq_number.get()
    }

    /// The acknowledgment number (meaningful only with [`TcpFlags::ACK`]).
    pub fn ack_number(&self) -> u32 {
        self.header().ack_number.get()
    }

    /// The data offset: the header length in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        self.header().data_offset >> 4
    }

    /// The header length in bytes, options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }

    /// The flags.
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.header().flags)
    }

    /// The window size, unscaled.
    pub fn window_len(&self) -> u16 {
        self.header().window_len.get()
    }

    /// The checksum as stored.
    pub fn checksum(&self) -> u16 {
        self.header().checksum.get()
    }

    /// The urgent pointer (meaningful only with [`TcpFlags::URG`]).
    pub fn urgent_at(&self) -> u16 {
        self.header().urgent_at.get()
    }

    /// The option bytes.
    pub fn options(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::options(self.header_len()))
            .unwrap_or(&[])
    }

    /// An iterator over the options; see [`TcpOptionsIter`].
    pub fn options_iter(&self) -> TcpOptionsIter<'_> {
        TcpOptionsIter::new(self.options())
    }

    /// Everything after the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }

    /// The sequence space the segment occupies: payload length, plus one each for SYN and
    /// FIN.
    pub fn segment_len(&self) -> usize {
        let flags = self.flags();
        self.payload().len()
            + usize::from(flags.contains(TcpFlags::SYN))
            + usize::from(flags.contains(TcpFlags::FIN))
    }

    /// True if the checksum is correct over the pseudo-header and the whole buffer.
    pub fn verify_checksum(&self, src: Ipv4Address, dst: Ipv4Address) -> bool {
        let segment = self.buffer.as_ref();
        let Ok(len) = u16::try_from(segment.len()) else {
            return false;
        };
        checksum::combine(&[
            checksum::pseudo_header_v4(src, dst, protocol::TCP, len),
            checksum::sum(segment),
        ]) == 0xFFFF
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    fn header_mut(&mut self) -> &mut field::Header {
        let Ok((header, _)) = field::Header::mut_from_prefix(self.buffer.as_mut()) else {
            panic!("TCP buffer shorter than 20 bytes: check_len was skipped");
        };
        header
    }

    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        self.header_mut().src_port.set(port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        self.header_mut().dst_port.set(port);
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, seq: u32) {
        self.header_mut().seq_number.set(seq);
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, ack: u32) {
        self.header_mut().ack_number.set(ack);
    }

    /// Sets the header length in bytes, stored as `len / 4` in the data offset; pass a
    /// multiple of 4 no larger than 60 (larger values store 60). Clears the reserved bits.
    pub fn set_header_len(&mut self, len: usize) {
        let words = u8::try_from(len / 4).map_or(0x0f, |w| w.min(0x0f));
        self.header_mut().data_offset = words << 4;
    }

    /// Sets the flags.
    pub fn set_flags(&mut self, flags: TcpFlags) {
        self.header_mut().flags = flags.0;
    }

    /// Sets the window size.
    pub fn set_window_len(&mut self, window: u16) {
        self.header_mut().window_len.set(window);
    }

    /// Stores `checksum` as the checksum.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.header_mut().checksum.set(checksum);
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_at(&mut self, urgent: u16) {
        self.header_mut().urgent_at.set(urgent);
    }

    /// The option bytes, mutable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let range = field::options(self.header_len());
        self.buffer.as_mut().get_mut(range).unwrap_or(&mut [])
    }

    /// Everything after the header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        self.buffer.as_mut().get_mut(start..).unwrap_or(&mut [])
    }

    /// Computes and stores the checksum over the pseudo-header and the whole buffer.
    pub fn fill_checksum(&mut self, src: Ipv4Address, dst: Ipv4Address) {
        self.set_checksum(0);
        let value = checksum::transport_checksum_v4(src, dst, protocol::TCP, self.buffer.as_ref());
        self.set_checksum(value);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for TcpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The blocks of a SACK option: pairs of left and right edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SackBlocks<'a> {
    /// A multiple of 8 bytes, guaranteed by the options walk.
    data: &'a [u8],
}

impl SackBlocks<'_> {
    /// How many blocks there are left.
    pub fn count_blocks(&self) -> usize {
        self.data.len() / 8
    }
}

impl Iterator for SackBlocks<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        let (block, rest) = self.data.split_first_chunk::<8>()?;
        self.data = rest;
        let (left, right) = block.split_at(4);
        let edge = |bytes: &[u8]| U32::read_from_bytes(bytes).map_or(0, |v| v.get());
        Some((edge(left), edge(right)))
    }
}

/// One TCP option, as [`TcpOptionsIter`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// End of option list; the walk stops after it.
    EndOfList,
    /// One byte of padding.
    NoOperation,
    /// Maximum segment size.
    MaxSegmentSize(u16),
    /// Window scale shift count (RFC 7323 caps its use at 14; the raw value is kept).
    WindowScale(u8),
    /// SACK permitted.
    SackPermitted,
    /// SACK blocks.
    Sack(SackBlocks<'a>),
    /// Timestamps.
    Timestamp {
        /// The sender's timestamp value.
        tsval: u32,
        /// The echoed timestamp.
        tsecr: u32,
    },
    /// Any other kind, with the bytes after its kind and length.
    Unknown {
        /// The kind byte.
        kind: u8,
        /// The option's data.
        data: &'a [u8],
    },
}

/// Walks TCP options.
///
/// An option whose length byte is missing, below 2, past the end of the options, or wrong
/// for its kind (MSS 4, window scale 3, SACK permitted 2, timestamps 10, SACK 2 + 8n with
/// n >= 1) yields one `Err(WireError::Malformed)` and ends the walk;
/// [`position`](Self::position) then gives its offset.
#[derive(Debug, Clone)]
pub struct TcpOptionsIter<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> TcpOptionsIter<'a> {
    /// Walks `options`, the bytes after the fixed header.
    pub fn new(options: &'a [u8]) -> Self {
        TcpOptionsIter {
            data: options,
            pos: 0,
            done: false,
        }
    }

    /// The offset of the next option to read, or of the malformed option after an error.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Decodes a TLV option of `kind` whose bytes after kind and length are `data`.
    fn decode(kind: u8, data: &'a [u8]) -> Option<TcpOption<'a>> {
        let be32 = |bytes: &[u8]| U32::read_from_bytes(bytes).ok().map(|v| v.get());
        Some(match kind {
            option_kind::MAX_SEGMENT_SIZE => {
                TcpOption::MaxSegmentSize(U16::read_from_bytes(data).ok()?.get())
            }
            option_kind::WINDOW_SCALE => match data {
                [shift] => TcpOption::WindowScale(*shift),
                _ => return None,
            },
            option_kind::SACK_PERMITTED => {
                if !data.is_empty() {
                    return None;
                }
                TcpOption::SackPermitted
            }
            option_kind::SACK => {
                if data.is_empty() || data.len() % 8 != 0 {
                    return None;
                }
                TcpOption::Sack(SackBlocks { data })
            }
            option_kind::TIMESTAMP => {
                if data.len() != 8 {
                    return None;
                }
                let (tsval, tsecr) = data.split_at(4);
                TcpOption::Timestamp {
                    tsval: be32(tsval)?,
                    tsecr: be32(tsecr)?,
                }
            }
            kind => TcpOption::Unknown { kind, data },
        })
    }
}

impl<'a> Iterator for TcpOptionsIter<'a> {
    type Item = Result<TcpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let Some(&kind) = rest.first() else {
            self.done = true;
            return None;
        };
        match kind {
            option_kind::END_OF_LIST => {
                self.done = true;
                Some(Ok(TcpOption::EndOfList))
            }
            option_kind::NO_OPERATION => {
                self.pos += 1;
                Some(Ok(TcpOption::NoOperation))
            }
            _ => {
                let len = rest.get(1).map_or(0, |&l| usize::from(l));
                let option = match rest.get(2..len) {
                    Some(data) if len >= 2 => Self::decode(kind, data),
                    _ => None,
                };
                match option {
                    Some(option) => {
                        self.pos += len;
                        Some(Ok(option))
                    }
                    None => {
                        self.done = true;
                        Some(Err(WireError::Malformed))
                    }
                }
            }
        }
    }
}

/// A high-level TCP segment: header fields, the options a connection negotiates, and a
/// borrowed payload.
///
/// [`parse`](Self::parse) keeps MSS, window scale, SACK permitted and timestamps, and drops
/// SACK blocks and unknown options; [`emit`](Self::emit) writes the kept ones, each padded
/// to a 4-byte boundary with no-operations the way common stacks lay them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRepr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: u32,
    /// Acknowledgment number, as stored (meaningful only with ACK).
    pub ack_number: u32,
    /// Flags.
    pub flags: TcpFlags,
    /// Window size, unscaled.
    pub window_len: u16,
    /// Urgent pointer.
    pub urgent_at: u16,
    /// Maximum segment size option.
    pub max_seg_size: Option<u16>,
    /// Window scale option.
    pub window_scale: Option<u8>,
    /// SACK-permitted option.
    pub sack_permitted: bool,
    /// Timestamps option: (TSval, TSecr).
    pub timestamp: Option<(u32, u32)>,
    /// Payload.
    pub payload: &'a [u8],
}

impl<'a> TcpRepr<'a> {
    /// Reads a segment sent from `src` to `dst`. `Malformed` if the checksum is wrong, a port
    /// is 0, or an option is malformed.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        packet: &'a TcpPacket<&'a T>,
        src: Ipv4Address,
        dst: Ipv4Address,
    ) -> Result<Self> {
        packet.check_len()?;
        if packet.src_port() == 0 || packet.dst_port() == 0 || !packet.verify_checksum(src, dst) {
            return Err(WireError::Malformed);
        }
        let header_len = packet.header_len();
        let buffer: &'a [u8] = packet.buffer.as_ref();
        let mut repr = TcpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window_len: packet.window_len(),
            urgent_at: packet.urgent_at(),
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            timestamp: None,
            payload: buffer.get(header_len..).unwrap_or(&[]),
        };
        let options = buffer.get(field::options(header_len)).unwrap_or(&[]);
        for option in TcpOptionsIter::new(options) {
            match option? {
                TcpOption::MaxSegmentSize(mss) => repr.max_seg_size = Some(mss),
                TcpOption::WindowScale(shift) => repr.window_scale = Some(shift),
                TcpOption::SackPermitted => repr.sack_permitted = true,
                TcpOption::Timestamp { tsval, tsecr } => repr.timestamp = Some((tsval, tsecr)),
                TcpOption::EndOfList
                | TcpOption::NoOperation
                | TcpOption::Sack(_)
                | TcpOption::Unknown { .. } => {}
            }
        }
        Ok(repr)
    }

    /// The options' length as [`emit`](Self::emit) writes them, a multiple of 4.
    pub const fn options_len(&self) -> usize {
        let mut len = 0;
        if self.max_seg_size.is_some() {
            len += 4;
        }
        if self.window_scale.is_some() {
            len += 4;
        }
        if self.sack_permitted {
            len += 4;
        }
        if self.timestamp.is_some() {
            len += 12;
        }
        len
    }

    /// The header length, options included.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options_len()
    }

    /// Header plus payload.
    pub const fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len()
    }

    /// Writes the segment, checksum included, into `packet`, which must be exactly
    /// [`buffer_len`](Self::buffer_len) bytes long (the checksum covers the whole buffer).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut TcpPacket<T>,
        src: Ipv4Address,
        dst: Ipv4Address,
    ) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_seq_number(self.seq_number);
        packet.set_ack_number(self.ack_number);
        packet.set_header_len(self.header_len());
        packet.set_flags(self.flags);
        packet.set_window_len(self.window_len);
        packet.set_urgent_at(self.urgent_at);

        // At most 24 option bytes; `options_len` and these writes agree on every size.
        let mut options = [0u8; 24];
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            options[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        const NOP: u8 = option_kind::NO_OPERATION;
        if let Some(mss) = self.max_seg_size {
            let [hi, lo] = mss.to_be_bytes();
            put(&[option_kind::MAX_SEGMENT_SIZE, 4, hi, lo]);
        }
        if let Some(shift) = self.window_scale {
            put(&[NOP, option_kind::WINDOW_SCALE, 3, shift]);
        }
        if self.sack_permitted {
            put(&[NOP, NOP, option_kind::SACK_PERMITTED, 2]);
        }
        if let Some((tsval, tsecr)) = self.timestamp {
            put(&[NOP, NOP, option_kind::TIMESTAMP, 10]);
            put(&tsval.to_be_bytes());
            put(&tsecr.to_be_bytes());
        }
        let out = packet.options_mut();
        let n = out.len().min(len);
        out[..n].copy_from_slice(&options[..n]);

        let payload = packet.payload_mut();
        let n = payload.len().min(self.payload.len());
        payload[..n].copy_from_slice(&self.payload[..n]);
        packet.fill_checksum(src, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    const SRC: Ipv4Address = Ipv4Address::new(10, 0, 0, 1);
    const DST: Ipv4Address = Ipv4Address::new(10, 0, 0, 2);

    /// A SYN 10.0.0.1:49152 -> 10.0.0.2:80, seq 0x01020304, window 0x7210, options MSS 1460,
    /// NOP + window scale 7, NOP NOP + SACK permitted, NOP NOP + timestamps (0x11223344, 0),
    /// payload "hi". Checksum 0x3ebf computed with an independent RFC 1071 script over the
    /// pseudo-header and the segment.
    static SEGMENT_BYTES: [u8; 46] = [
        0xc0, 0x00, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02, 0x72,
        0x10, 0x3e, 0xbf, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07, 0x01, 0x01,
        0x04, 0x02, 0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x68,
        0x69,
    ];

    fn segment_repr() -> TcpRepr<'static> {
        TcpRepr {
            src_port: 49152,
            dst_port: 80,
            seq_number: 0x0102_0304,
            ack_number: 0,
            flags: TcpFlags::SYN,
            window_len: 0x7210,
            urgent_at: 0,
            max_seg_size: Some(1460),
            window_scale: Some(7),
            sack_permitted: true,
            timestamp: Some((0x1122_3344, 0)),
            payload: b"hi",
        }
    }

    #[test]
    fn deconstruct() {
        let packet = TcpPacket::new_checked(&SEGMENT_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), 49152);
        assert_eq!(packet.dst_port(), 80);
        assert_eq!(packet.seq_number(), 0x0102_0304);
        assert_eq!(packet.ack_number(), 0);
        assert_eq!(packet.header_len(), 44);
        assert_eq!(packet.flags(), TcpFlags::SYN);
        assert_eq!(packet.window_len(), 0x7210);
        assert_eq!(packet.checksum(), 0x3ebf);
        assert_eq!(packet.urgent_at(), 0);
        assert_eq!(packet.options().len(), 24);
        assert_eq!(packet.payload(), b"hi");
        assert_eq!(packet.segment_len(), 3);
        assert!(packet.verify_checksum(SRC, DST));
        assert!(!packet.verify_checksum(SRC, Ipv4Address::new(10, 0, 0, 3)));
        let options: Vec<_> = packet.options_iter().map(Result::unwrap).collect();
        assert_eq!(
            options,
            [
                TcpOption::MaxSegmentSize(1460),
                TcpOption::NoOperation,
                TcpOption::WindowScale(7),
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::SackPermitted,
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::Timestamp {
                    tsval: 0x1122_3344,
                    tsecr: 0
                },
            ]
        );
    }

    #[test]
    fn construct() {
        let mut bytes = vec![0xa5; SEGMENT_BYTES.len()];
        let mut packet = TcpPacket::new_unchecked(&mut bytes);
        packet.set_src_port(49152);
        packet.set_dst_port(80);
        packet.set_seq_number(0x0102_0304);
        packet.set_ack_number(0);
        packet.set_header_len(44);
        packet.set_flags(TcpFlags::SYN);
        packet.set_window_len(0x7210);
        packet.set_urgent_at(0);
        packet.options_mut().copy_from_slice(&SEGMENT_BYTES[20..44]);
        packet.payload_mut().copy_from_slice(b"hi");
        packet.fill_checksum(SRC, DST);
        assert_eq!(&bytes[..], &SEGMENT_BYTES[..]);
    }

    #[test]
    fn parse() {
        let packet = TcpPacket::new_checked(&SEGMENT_BYTES[..]).unwrap();
        assert_eq!(TcpRepr::parse(&packet, SRC, DST), Ok(segment_repr()));
    }

    #[test]
    fn emit() {
        let repr = segment_repr();
        assert_eq!(repr.buffer_len(), SEGMENT_BYTES.len());
        let mut bytes = vec![0xa5; repr.buffer_len()];
        repr.emit(&mut TcpPacket::new_unchecked(&mut bytes), SRC, DST);
        assert_eq!(&bytes[..], &SEGMENT_BYTES[..]);
    }

    #[test]
    fn parse_rejects_bad_checksum() {
        let mut bytes = SEGMENT_BYTES;
        bytes[45] ^= 1;
        let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(TcpRepr::parse(&packet, SRC, DST), Err(WireError::Malformed));
    }

    #[test]
    fn flags_set_and_debug() {
        let mut flags = TcpFlags::SYN | TcpFlags::ACK;
        assert!(flags.contains(TcpFlags::ACK));
        assert!(!flags.contains(TcpFlags::ACK | TcpFlags::FIN));
        assert!(flags.intersects(TcpFlags::ACK | TcpFlags::FIN));
        assert_eq!(alloc::format!("{flags:?}"), "SYN|ACK");
        flags.set(TcpFlags::SYN, false);
        flags |= TcpFlags::CWR;
        assert_eq!(flags.bits(), 0x90);
        assert_eq!(flags & TcpFlags::ACK, TcpFlags::ACK);
        assert_eq!(alloc::format!("{:?}", TcpFlags::empty()), "(none)");
        assert_eq!(TcpFlags::from_bits(0xff).bits(), 0xff);
    }

    #[test]
    fn sack_blocks() {
        let options = [1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
        let mut iter = TcpOptionsIter::new(&options);
        assert_eq!(iter.next(), Some(Ok(TcpOption::NoOperation)));
        assert_eq!(iter.next(), Some(Ok(TcpOption::NoOperation)));
        let Some(Ok(TcpOption::Sack(blocks))) = iter.next() else {
            panic!("expected SACK");
        };
        assert_eq!(blocks.count_blocks(), 2);
        assert_eq!(blocks.collect::<Vec<_>>(), [(1, 2), (3, 4)]);
        assert_eq!(iter.next(), None);
    }

    #[test]
    fn malformed_options() {
        fn walk(bytes: &[u8]) -> Vec<Result<TcpOption<'_>>> {
            TcpOptionsIter::new(bytes).collect()
        }
        let bad = Some(&Err(WireError::Malformed));
        // MSS of the wrong length; window scale of the wrong length; SACK-permitted with
        // data; SACK with no block or half a block; timestamps too short; length 0 and 1;
        // length past the end; missing length byte.
        for options in [
            &[2, 3, 5][..],
            &[3, 4, 1, 1],
            &[4, 3, 0],
            &[5, 2],
            &[5, 6, 0, 0, 0, 0],
            &[8, 6, 0, 0, 0, 0],
            &[1, 99, 0],
            &[1, 99, 1],
            &[1, 99, 9, 1],
            &[1, 99],
        ] {
            assert_eq!(walk(options).last(), bad, "{options:?}");
        }
        let mut iter = TcpOptionsIter::new(&[1, 1, 2, 9, 0]);
        assert_eq!(iter.by_ref().count(), 3);
        assert_eq!(iter.position(), 2);
        // Unknown kinds are skipped by their length; nothing after end-of-list is read.
        assert_eq!(
            walk(&[99, 3, 7, 0, 2]),
            [
                Ok(TcpOption::Unknown {
                    kind: 99,
                    data: &[7]
                }),
                Ok(TcpOption::EndOfList)
            ]
        );
    }

    #[test]
    fn parse_rejects_malformed_option() {
        let mut bytes = SEGMENT_BYTES;
        bytes[21] = 3; // MSS length 3
        let mut packet = TcpPacket::new_unchecked(&mut bytes[..]);
        packet.fill_checksum(SRC, DST);
        let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(TcpRepr::parse(&packet, SRC, DST), Err(WireError::Malformed));
    }

    #[test]
    fn truncated_prefixes_rejected() {
        for len in 0..44 {
            assert_eq!(
                TcpPacket::new_checked(&SEGMENT_BYTES[..len]).err(),
                Some(WireError::Truncated),
                "prefix of {len} bytes"
            );
        }
        // Past the header, a shorter buffer is only a shorter payload.
        assert!(TcpPacket::new_checked(&SEGMENT_BYTES[..44]).is_ok());
    }

    #[test]
    fn malformed_lengths_rejected() {
        for offset in 0..5u8 {
            let mut bytes = SEGMENT_BYTES;
            bytes[12] = offset << 4;
            assert_eq!(
                TcpPacket::new_checked(&bytes[..]).err(),
                Some(WireError::Malformed)
            );
        }
        let mut bytes = SEGMENT_BYTES;
        bytes[12] = 0xf0;
        assert_eq!(
            TcpPacket::new_checked(&bytes[..]).err(),
            Some(WireError::Truncated)
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(packet) = TcpPacket::new_checked(&bytes[..]) {
                let _ = (packet.seq_number(), packet.ack_number(), packet.flags());
                let _ = (packet.window_len(), packet.urgent_at(), packet.segment_len());
                prop_assert_eq!(packet.header_len() + packet.payload().len(), bytes.len());
                for option in packet.options_iter() {
                    if let Ok(TcpOption::Sack(blocks)) = option {
                        let _ = blocks.count();
                    }
                }
                let _ = TcpRepr::parse(&packet, SRC, DST);
            }
        }

        #[test]
        fn options_iter_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut iter = TcpOptionsIter::new(&bytes);
            let mut seen = 0;
            for _ in iter.by_ref() {
                seen += 1;
            }
            prop_assert!(seen <= bytes.len());
            prop_assert!(iter.position() <= bytes.len());
        }

        #[test]
        fn emit_then_parse(
            ports in (1u16.., 1u16..), seq in any::<u32>(), ack in any::<u32>(),
            flags in any::<u8>(), window in any::<u16>(), urgent in any::<u16>(),
            mss in any::<Option<u16>>(), ws in any::<Option<u8>>(), sackp in any::<bool>(),
            ts in any::<Option<(u32, u32)>>(),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let repr = TcpRepr {
                src_port: ports.0,
                dst_port: ports.1,
                seq_number: seq,
                ack_number: ack,
                flags: TcpFlags::from_bits(flags),
                window_len: window,
                urgent_at: urgent,
                max_seg_size: mss,
                window_scale: ws,
                sack_permitted: sackp,
                timestamp: ts,
                payload: &payload,
            };
            let mut bytes = vec![0u8; repr.buffer_len()];
            repr.emit(&mut TcpPacket::new_unchecked(&mut bytes), SRC, DST);
            let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
            prop_assert_eq!(TcpRepr::parse(&packet, SRC, DST), Ok(repr));
        }
    }
}
