//! IPv4 packets (RFC 791), options included.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |   DSCP    |ECN|         Total Length          |
//! |         Identification        |Flags|     Fragment Offset     |
//! |  Time to Live |    Protocol   |        Header Checksum        |
//! |                       Source Address                          |
//! |                    Destination Address                        |
//! |                    Options (IHL > 5)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`Ipv4Packet::check_len`] accepts a buffer when it holds the fixed header, the IHL is at
//! least 5, the buffer holds the whole header, the total length covers the header, and the
//! buffer holds the whole total length. A buffer *longer* than the total length is fine
//! (Ethernet pads short frames); [`Ipv4Packet::payload`] stops at the total length. A total
//! length beyond the buffer is [`WireError::Truncated`], since Click's `CheckIPHeader` drops
//! such packets as bad. The version and the checksum are not length matters:
//! [`Ipv4Repr::parse`] checks them.
//!
//! Once `check_len` has passed, no accessor panics. Fixed-header accessors panic only on a
//! view made with [`Ipv4Packet::new_unchecked`] over fewer than 20 bytes; the options and
//! payload accessors never panic, and return an empty slice if setters have since made the
//! length fields inconsistent with the buffer.

use core::ops::Range;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::{Ipv4Address, Result, WireError};

/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers") that Click's elements name.
pub mod protocol {
    /// ICMP, RFC 792.
    pub const ICMP: u8 = 1;
    /// IGMP, RFC 1112.
    pub const IGMP: u8 = 2;
    /// IP in IP, RFC 2003.
    pub const IPIP: u8 = 4;
    /// TCP, RFC 793.
    pub const TCP: u8 = 6;
    /// UDP, RFC 768.
    pub const UDP: u8 = 17;
    /// IPv6 encapsulated in IPv4, RFC 2473.
    pub const IPV6: u8 = 41;
    /// GRE, RFC 2784.
    pub const GRE: u8 = 47;
    /// ESP, RFC 4303.
    pub const ESP: u8 = 50;
    /// AH, RFC 4302.
    pub const AH: u8 = 51;
    /// ICMPv6, RFC 4443.
    pub const ICMPV6: u8 = 58;
}

/// IPv4 option kinds (the whole type byte: copied flag, class and number).
pub mod option_kind {
    /// End of option list; everything after it is padding.
    pub const END_OF_LIST: u8 = 0;
    /// No operation, one byte of padding between options.
    pub const NO_OPERATION: u8 = 1;
    /// Record route, RFC 791.
    pub const RECORD_ROUTE: u8 = 7;
    /// Internet timestamp, RFC 791.
    pub const TIMESTAMP: u8 = 68;
    /// Security, RFC 1108.
    pub const SECURITY: u8 = 130;
    /// Loose source and record route, RFC 791.
    pub const LOOSE_SOURCE_ROUTE: u8 = 131;
    /// Strict source and record route, RFC 791.
    pub const STRICT_SOURCE_ROUTE: u8 = 137;
    /// Router alert, RFC 2113.
    pub const ROUTER_ALERT: u8 = 148;
}

mod field {
    use super::*;

    /// The fixed 20-byte header.
    #[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
    #[repr(C)]
    pub(super) struct Header {
        pub(super) version_ihl: u8,
        pub(super) tos: u8,
        pub(super) total_len: U16,
        pub(super) ident: U16,
        pub(super) flags_frag: U16,
        pub(super) ttl: u8,
        pub(super) protocol: u8,
        pub(super) checksum: U16,
        pub(super) src_addr: [u8; 4],
        pub(super) dst_addr: [u8; 4],
    }

    pub(super) const HEADER_LEN: usize = size_of::<Header>();
    const CHECKSUM_AT: usize = core::mem::offset_of!(Header, checksum);
    /// The header checksum, for callers that patch it by offset.
    pub(super) const CHECKSUM: Range<usize> = CHECKSUM_AT..CHECKSUM_AT + 2;

    /// The options between the fixed header and the end of a `header_len`-byte header.
    pub(super) const fn options(header_len: usize) -> Range<usize> {
        HEADER_LEN..header_len
    }

    pub(super) const FLAG_RESERVED: u16 = 0x8000;
    pub(super) const FLAG_DF: u16 = 0x4000;
    pub(super) const FLAG_MF: u16 = 0x2000;
    pub(super) const FRAG_OFFSET: u16 = 0x1fff;
}

/// The length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// The longest IPv4 header: IHL 15.
pub const MAX_HEADER_LEN: usize = 60;

/// A read/write view of an IPv4 packet in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps `buffer` without checking it; accessors may panic until
    /// [`check_len`](Self::check_len) has passed.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the header and the total length, as the module doc
    /// describes. `Truncated` when the buffer is short, `Malformed` when IHL < 5 or the total
    /// length is shorter than the header.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let header_len = self.header_len();
        if header_len < HEADER_LEN {
            return Err(WireError::Malformed);
        }
        if header_len > len {
            return Err(WireError::Truncated);
        }
        let total_len = usize::from(self.total_len());
        if total_len < header_len {
            return Err(WireError::Malformed);
        }
        if total_len > len {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn header(&self) -> &field::Header {
        let Ok((header, _)) = field::Header::ref_from_prefix(self.buffer.as_ref()) else {
            panic!("IPv4 buffer shorter than 20 bytes: check_len was skipped");
        };
        header
    }

    /// The version field (4 for IPv4).
    pub fn version(&self) -> u8 {
        self.header().version_ihl >> 4
    }

    /// The IHL field: the header length in 32-bit words.
    pub fn ihl(&self) -> u8 {
        self.header().version_ihl & 0x0f
    }

    /// The header length in bytes, options included (`4 * IHL`).
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// The whole type-of-service byte (DSCP and ECN).
    pub fn tos(&self) -> u8 {
        self.header().tos
    }

    /// The Differentiated Services Code Point, the top six bits of the TOS byte.
    pub fn dscp(&self) -> u8 {
        self.header().tos >> 2
    }

    /// The Explicit Congestion Notification bits, the low two bits of the TOS byte.
    pub fn ecn(&self) -> u8 {
        self.header().tos & 0x03
    }

    /// The total length: header plus payload, in bytes.
    pub fn total_len(&self) -> u16 {
        self.header().total_len.get()
    }

    /// The identification field.
    pub fn ident(&self) -> u16 {
        self.header().ident.get()
    }

    /// The reserved flag (bit 0 of the flags; must be zero).
    pub fn reserved_flag(&self) -> bool {
        self.header().flags_frag.get() & field::FLAG_RESERVED != 0
    }

    /// The Don't Fragment flag.
    pub fn dont_frag(&self) -> bool {
        self.header().flags_frag.get() & field::FLAG_DF != 0
    }

    /// The More Fragments flag.
    pub fn more_frags(&self) -> bool {
        self.header().flags_frag.get() & field::FLAG_MF != 0
    }

    /// The fragment offset in 8-byte units, as carried on the wire.
    pub fn frag_offset_units(&self) -> u16 {
        self.header().flags_frag.get() & field::FRAG_OFFSET
    }

    /// The fragment offset in bytes.
    pub fn frag_offset(&self) -> u16 {
        self.frag_offset_units() * 8
    }

    /// True for a fragment: More Fragments set or a nonzero offset (Click's
    /// `IP_ISFRAG`).
    pub fn is_fragment(&self) -> bool {
        self.header().flags_frag.get() & (field::FLAG_MF | field::FRAG_OFFSET) != 0
    }

    /// The time to live.
    pub fn ttl(&self) -> u8 {
        self.header().ttl
    }

    /// The protocol of the payload; see [`protocol`].
    pub fn protocol(&self) -> u8 {
        self.header().protocol
    }

    /// The header checksum as stored.
    pub fn checksum(&self) -> u16 {
        self.header().checksum.get()
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv4Address {
        Ipv4Address(self.header().src_addr)
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv4Address {
        Ipv4Address(self.header().dst_addr)
    }

    /// The whole header, options included (empty if the IHL no longer fits the buffer).
    pub fn header_bytes(&self) -> &[u8] {
        self.buffer.as_ref().get(..self.header_len()).unwrap_or(&[])
    }

    /// True if the header checksum is correct over the whole header, options included.
    pub fn verify_checksum(&self) -> bool {
        let header = self.header_bytes();
        !header.is_empty() && checksum::verify(header)
    }

    /// The option bytes between the fixed header and the payload.
    pub fn options(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::options(self.header_len()))
            .unwrap_or(&[])
    }

    /// An iterator over the options; see [`Ipv4OptionsIter`].
    pub fn options_iter(&self) -> Ipv4OptionsIter<'_> {
        Ipv4OptionsIter::new(self.options())
    }

    /// The payload: from the end of the header to the total length (not to the end of the
    /// buffer, which may hold link-layer padding).
    pub fn payload(&self) -> &[u8] {
        let range = self.header_len()..usize::from(self.total_len());
        self.buffer.as_ref().get(range).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    fn header_mut(&mut self) -> &mut field::Header {
        let Ok((header, _)) = field::Header::mut_from_prefix(self.buffer.as_mut()) else {
            panic!("IPv4 buffer shorter than 20 bytes: check_len was skipped");
        };
        header
    }

    /// Sets the version field (low four bits of `version`).
    pub fn set_version(&mut self, version: u8) {
        let h = self.header_mut();
        h.version_ihl = (h.version_ihl & 0x0f) | (version << 4);
    }

    /// Sets the header length in bytes; it is stored as `len / 4`, so pass a multiple of 4
    /// no larger than 60 (larger values store 60).
    pub fn set_header_len(&mut self, len: usize) {
        let ihl = u8::try_from(len / 4).map_or(0x0f, |w| w.min(0x0f));
        let h = self.header_mut();
        h.version_ihl = (h.version_ihl & 0xf0) | ihl;
    }

    /// Sets the whole type-of-service byte.
    pub fn set_tos(&mut self, tos: u8) {
        self.header_mut().tos = tos;
    }

    /// Sets the DSCP (low six bits of `dscp`), keeping the ECN bits.
    pub fn set_dscp(&mut self, dscp: u8) {
        let h = self.header_mut();
        h.tos = (h.tos & 0x03) | (dscp << 2);
    }

    /// Sets the ECN bits (low two bits of `ecn`), keeping the DSCP.
    pub fn set_ecn(&mut self, ecn: u8) {
        let h = self.header_mut();
        h.tos = (h.tos & !0x03) | (ecn & 0x03);
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, len: u16) {
        self.header_mut().total_len.set(len);
    }

    /// Sets the identification field.
    pub fn set_ident(&mut self, ident: u16) {
        self.header_mut().ident.set(ident);
    }

    fn set_flag(&mut self, flag: u16, on: bool) {
        let h = self.header_mut();
        let v = h.flags_frag.get();
        h.flags_frag.set(if on { v | flag } else { v & !flag });
    }

    /// Sets or clears the Don't Fragment flag.
    pub fn set_dont_frag(&mut self, on: bool) {
        self.set_flag(field::FLAG_DF, on);
    }

    /// Sets or clears the More Fragments flag.
    pub fn set_more_frags(&mut self, on: bool) {
        self.set_flag(field::FLAG_MF, on);
    }

    /// Sets the fragment offset in bytes; it is stored in 8-byte units, so the low three
    /// bits of `offset` are dropped.
    pub fn set_frag_offset(&mut self, offset: u16) {
        let h = self.header_mut();
        let flags = h.flags_frag.get() & !field::FRAG_OFFSET;
        h.flags_frag.set(flags | (offset / 8));
    }

    /// Sets the time to live. Does not touch the checksum; see
    /// [`checksum::dec_ip_ttl`] for Click's incremental update.
    pub fn set_ttl(&mut self, ttl: u8) {
        self.header_mut().ttl = ttl;
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, protocol: u8) {
        self.header_mut().protocol = protocol;
    }

    /// Stores `checksum` as the header checksum.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.header_mut().checksum.set(checksum);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv4Address) {
        self.header_mut().src_addr = addr.0;
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv4Address) {
        self.header_mut().dst_addr = addr.0;
    }

    /// Computes and stores the header checksum over the whole header, options included.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::checksum(self.header_bytes());
        self.set_checksum(sum);
    }

    /// The option bytes, mutable (Click's IPGWOptions rewrites record-route slots in place).
    pub fn options_mut(&mut self) -> &mut [u8] {
        let range = field::options(self.header_len());
        self.buffer.as_mut().get_mut(range).unwrap_or(&mut [])
    }

    /// The payload up to the total length, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = self.header_len()..usize::from(self.total_len());
        self.buffer.as_mut().get_mut(range).unwrap_or(&mut [])
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The byte range of the header checksum, for code that patches it by offset.
pub const CHECKSUM_RANGE: Range<usize> = field::CHECKSUM;

/// One IPv4 option, as [`Ipv4OptionsIter`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Option<'a> {
    /// Where the option starts, counted from the first option byte (header byte 20).
    pub offset: usize,
    /// The type byte; see [`option_kind`].
    pub kind: u8,
    /// The bytes after the type and length bytes (empty for end-of-list and no-operation).
    pub data: &'a [u8],
}

impl Ipv4Option<'_> {
    /// The option's length on the wire: 1 for end-of-list and no-operation, else the length
    /// byte.
    pub fn len(&self) -> usize {
        match self.kind {
            option_kind::END_OF_LIST | option_kind::NO_OPERATION => 1,
            _ => self.data.len() + 2,
        }
    }

    /// Never true: every option occupies at least one byte. (Present for `len`'s sake.)
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Walks IPv4 options: end-of-list (yielded, then the walk stops), no-operation, and
/// type-length-value options.
///
/// An option whose length byte is missing, below 2 or past the end of the options yields one
/// `Err(WireError::Malformed)` and ends the walk; [`position`](Self::position) then gives its
/// offset, which is the pointer an ICMP parameter problem reports (less the 20 header bytes).
#[derive(Debug, Clone)]
pub struct Ipv4OptionsIter<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Ipv4OptionsIter<'a> {
    /// Walks `options`, the bytes after the fixed header.
    pub fn new(options: &'a [u8]) -> Self {
        Ipv4OptionsIter {
            data: options,
            pos: 0,
            done: false,
        }
    }

    /// The offset of the next option to read, or of the malformed option after an error.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Ipv4OptionsIter<'a> {
    type Item = Result<Ipv4Option<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let offset = self.pos;
        let rest = self.data.get(offset..).unwrap_or(&[]);
        let Some(&kind) = rest.first() else {
            self.done = true;
            return None;
        };
        let option = |data| Ipv4Option { offset, kind, data };
        match kind {
            option_kind::END_OF_LIST => {
                self.done = true;
                Some(Ok(option(&[])))
            }
            option_kind::NO_OPERATION => {
                self.pos += 1;
                Some(Ok(option(&[])))
            }
            _ => {
                let len = rest.get(1).map_or(0, |&l| usize::from(l));
                match rest.get(2..len) {
                    Some(data) if len >= 2 => {
                        self.pos += len;
                        Some(Ok(option(data)))
                    }
                    _ => {
                        self.done = true;
                        Some(Err(WireError::Malformed))
                    }
                }
            }
        }
    }
}

/// A high-level IPv4 header without options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src_addr: Ipv4Address,
    /// Destination address.
    pub dst_addr: Ipv4Address,
    /// Payload protocol; see [`protocol`].
    pub protocol: u8,
    /// Payload length in bytes (total length less header length).
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
    /// Type-of-service byte (DSCP and ECN).
    pub tos: u8,
    /// Identification.
    pub ident: u16,
    /// Don't Fragment.
    pub dont_frag: bool,
    /// More Fragments.
    pub more_frags: bool,
    /// Fragment offset in bytes (a multiple of 8).
    pub frag_offset: u16,
}

impl Ipv4Repr {
    /// Reads a checked packet's header. `Malformed` if the version is not 4 or the header
    /// checksum is wrong. Options are skipped: [`emit`](Self::emit) writes none.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Result<Self> {
        packet.check_len()?;
        if packet.version() != 4 || !packet.verify_checksum() {
            return Err(WireError::Malformed);
        }
        Ok(Ipv4Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: packet.payload().len(),
            ttl: packet.ttl(),
            tos: packet.tos(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            more_frags: packet.more_frags(),
            frag_offset: packet.frag_offset(),
        })
    }

    /// The header length [`emit`](Self::emit) writes: 20, no options.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The header plus payload length.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes the header, checksum included, into the first 20 bytes of `packet`, which must
    /// hold them. The total length saturates at 65535; keep `payload_len` within 65515.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv4Packet<T>) {
        packet.set_version(4);
        packet.set_header_len(HEADER_LEN);
        packet.set_tos(self.tos);
        packet.set_total_len(u16::try_from(self.buffer_len()).unwrap_or(u16::MAX));
        packet.set_ident(self.ident);
        packet.header_mut().flags_frag.set(0);
        packet.set_dont_frag(self.dont_frag);
        packet.set_more_frags(self.more_frags);
        packet.set_frag_offset(self.frag_offset);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.fill_checksum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// 10.0.0.1 -> 10.0.0.2, ident 0x1234, DF, TTL 64, ICMP, 10 payload bytes. Checksum
    /// 0x14a9 computed with an independent RFC 1071 script.
    static PACKET_BYTES: [u8; 30] = [
        0x45, 0x00, 0x00, 0x1e, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x14, 0xa9, 0x0a, 0x00, 0x00,
        0x01, 0x0a, 0x00, 0x00, 0x02, 0xaa, 0x00, 0x00, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    ];

    static PAYLOAD_BYTES: [u8; 10] = [0xaa, 0x00, 0x00, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06];

    /// 192.168.0.1 -> 192.168.0.199, IHL 7 with a record-route option (length 7, pointer 4,
    /// one empty slot) and end-of-list, UDP, 4 payload bytes. Checksum 0x3fe0, computed
    /// independently.
    static OPTIONS_PACKET: [u8; 32] = [
        0x47, 0x00, 0x00, 0x20, 0xab, 0xcd, 0x00, 0x00, 0x40, 0x11, 0x3f, 0xe0, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7, 0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02,
        0x03, 0x04,
    ];

    fn packet_repr() -> Ipv4Repr {
        Ipv4Repr {
            src_addr: Ipv4Address::new(10, 0, 0, 1),
            dst_addr: Ipv4Address::new(10, 0, 0, 2),
            protocol: protocol::ICMP,
            payload_len: 10,
            ttl: 64,
            tos: 0,
            ident: 0x1234,
            dont_frag: true,
            more_frags: false,
            frag_offset: 0,
        }
    }

    #[test]
    fn deconstruct() {
        let packet = Ipv4Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.header_len(), 20);
        assert_eq!(packet.dscp(), 0);
        assert_eq!(packet.ecn(), 0);
        assert_eq!(packet.total_len(), 30);
        assert_eq!(packet.ident(), 0x1234);
        assert!(packet.dont_frag());
        assert!(!packet.more_frags());
        assert!(!packet.reserved_flag());
        assert_eq!(packet.frag_offset(), 0);
        assert!(!packet.is_fragment());
        assert_eq!(packet.ttl(), 64);
        assert_eq!(packet.protocol(), protocol::ICMP);
        assert_eq!(packet.checksum(), 0x14a9);
        assert_eq!(packet.src_addr(), Ipv4Address::new(10, 0, 0, 1));
        assert_eq!(packet.dst_addr(), Ipv4Address::new(10, 0, 0, 2));
        assert!(packet.verify_checksum());
        assert!(packet.options().is_empty());
        assert_eq!(packet.payload(), &PAYLOAD_BYTES[..]);
    }

    #[test]
    fn construct() {
        let mut bytes = vec![0xa5; 30];
        let mut packet = Ipv4Packet::new_unchecked(&mut bytes);
        packet.set_version(4);
        packet.set_header_len(20);
        packet.set_tos(0);
        packet.set_total_len(30);
        packet.set_ident(0x1234);
        packet.header_mut().flags_frag.set(0);
        packet.set_dont_frag(true);
        packet.set_more_frags(false);
        packet.set_frag_offset(0);
        packet.set_ttl(64);
        packet.set_protocol(protocol::ICMP);
        packet.set_src_addr(Ipv4Address::new(10, 0, 0, 1));
        packet.set_dst_addr(Ipv4Address::new(10, 0, 0, 2));
        packet.fill_checksum();
        packet.payload_mut().copy_from_slice(&PAYLOAD_BYTES);
        assert_eq!(&bytes[..], &PACKET_BYTES[..]);
    }

    #[test]
    fn parse() {
        let packet = Ipv4Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Ipv4Repr::parse(&packet), Ok(packet_repr()));
    }

    #[test]
    fn emit() {
        let repr = packet_repr();
        let mut bytes = vec![0xa5; repr.buffer_len()];
        let mut packet = Ipv4Packet::new_unchecked(&mut bytes);
        repr.emit(&mut packet);
        packet.payload_mut().copy_from_slice(&PAYLOAD_BYTES);
        assert_eq!(&bytes[..], &PACKET_BYTES[..]);
    }

    #[test]
    fn parse_rejects_bad_checksum_and_version() {
        let mut bytes = PACKET_BYTES;
        bytes[11] ^= 1;
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(Ipv4Repr::parse(&packet), Err(WireError::Malformed));
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x65;
        let mut packet = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        packet.fill_checksum();
        assert_eq!(Ipv4Repr::parse(&packet), Err(WireError::Malformed));
    }

    #[test]
    fn options_fixture() {
        let packet = Ipv4Packet::new_checked(&OPTIONS_PACKET[..]).unwrap();
        assert_eq!(packet.header_len(), 28);
        assert!(packet.verify_checksum());
        assert_eq!(packet.payload(), &[1, 2, 3, 4]);
        let options: Vec<_> = packet.options_iter().collect();
        assert_eq!(
            options,
            [
                Ok(Ipv4Option {
                    offset: 0,
                    kind: option_kind::RECORD_ROUTE,
                    data: &[4, 0, 0, 0, 0],
                }),
                Ok(Ipv4Option {
                    offset: 7,
                    kind: option_kind::END_OF_LIST,
                    data: &[],
                }),
            ]
        );
        assert_eq!(options[0].unwrap().len(), 7);
    }

    #[test]
    fn options_nop_and_malformed() {
        fn walk(bytes: &[u8]) -> Vec<Result<Ipv4Option<'_>>> {
            Ipv4OptionsIter::new(bytes).collect()
        }
        assert_eq!(walk(&[1, 1]).len(), 2);
        // Length below 2.
        assert_eq!(walk(&[1, 7, 1, 0]).last(), Some(&Err(WireError::Malformed)));
        // Length past the end.
        let mut iter = Ipv4OptionsIter::new(&[1, 68, 9, 5, 0]);
        assert!(iter.next().unwrap().is_ok());
        assert_eq!(iter.next(), Some(Err(WireError::Malformed)));
        assert_eq!(iter.position(), 1);
        assert_eq!(iter.next(), None);
        // Missing length byte.
        assert_eq!(walk(&[7]), [Err(WireError::Malformed)]);
        // Nothing after end-of-list is read.
        assert_eq!(walk(&[0, 7, 0]).len(), 1);
    }

    #[test]
    fn payload_stops_at_total_length() {
        let mut bytes = PACKET_BYTES.to_vec();
        bytes.extend_from_slice(&[0; 16]);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), &PAYLOAD_BYTES[..]);
    }

    #[test]
    fn truncated_prefixes_rejected() {
        for fixture in [&PACKET_BYTES[..], &OPTIONS_PACKET[..]] {
            for len in 0..fixture.len() {
                assert_eq!(
                    Ipv4Packet::new_checked(&fixture[..len]).err(),
                    Some(WireError::Truncated),
                    "prefix of {len} bytes"
                );
            }
        }
    }

    #[test]
    fn malformed_lengths_rejected() {
        for ihl in 0..5u8 {
            let mut bytes = PACKET_BYTES;
            bytes[0] = 0x40 | ihl;
            assert_eq!(
                Ipv4Packet::new_checked(&bytes[..]).err(),
                Some(WireError::Malformed)
            );
        }
        // IHL 15 needs 60 bytes.
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x4f;
        assert_eq!(
            Ipv4Packet::new_checked(&bytes[..]).err(),
            Some(WireError::Truncated)
        );
        // Total length shorter than the header.
        let mut bytes = PACKET_BYTES;
        bytes[3] = 19;
        assert_eq!(
            Ipv4Packet::new_checked(&bytes[..]).err(),
            Some(WireError::Malformed)
        );
        // Total length beyond the buffer.
        let mut bytes = PACKET_BYTES;
        bytes[3] = 31;
        assert_eq!(
            Ipv4Packet::new_checked(&bytes[..]).err(),
            Some(WireError::Truncated)
        );
    }

    #[test]
    fn frag_fields_round_trip() {
        let mut bytes = PACKET_BYTES;
        let mut packet = Ipv4Packet::new_unchecked(&mut bytes[..]);
        packet.set_frag_offset(1480);
        packet.set_more_frags(true);
        packet.set_dscp(46);
        packet.set_ecn(3);
        assert_eq!(packet.frag_offset(), 1480);
        assert_eq!(packet.frag_offset_units(), 185);
        assert!(packet.more_frags() && packet.dont_frag() && packet.is_fragment());
        assert_eq!((packet.dscp(), packet.ecn(), packet.tos()), (46, 3, 0xbb));
        assert_eq!(&bytes[CHECKSUM_RANGE], &[0x14, 0xa9]);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(packet) = Ipv4Packet::new_checked(&bytes[..]) {
                let _ = (packet.version(), packet.tos(), packet.ident(), packet.frag_offset());
                let _ = (packet.ttl(), packet.protocol(), packet.src_addr(), packet.dst_addr());
                prop_assert!(packet.header_len() <= bytes.len());
                prop_assert!(packet.payload().len() + packet.header_len()
                    == usize::from(packet.total_len()));
                let _ = packet.verify_checksum();
                for option in packet.options_iter() {
                    let _ = option;
                }
                let _ = Ipv4Repr::parse(&packet);
            }
        }

        #[test]
        fn options_iter_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut seen = 0;
            let mut iter = Ipv4OptionsIter::new(&bytes);
            for item in iter.by_ref() {
                seen += 1;
                if let Ok(option) = item {
                    prop_assert!(option.offset + option.len() <= bytes.len());
                }
            }
            prop_assert!(seen <= bytes.len());
            prop_assert!(iter.position() <= bytes.len());
        }

        #[test]
        fn emit_then_parse(
            src in any::<u32>(), dst in any::<u32>(), proto in any::<u8>(),
            ttl in any::<u8>(), tos in any::<u8>(), ident in any::<u16>(),
            df in any::<bool>(), mf in any::<bool>(), frag in 0u16..0x2000,
            payload_len in 0usize..64,
        ) {
            let repr = Ipv4Repr {
                src_addr: Ipv4Address::from_u32(src),
                dst_addr: Ipv4Address::from_u32(dst),
                protocol: proto,
                payload_len,
                ttl,
                tos,
                ident,
                dont_frag: df,
                more_frags: mf,
                frag_offset: frag * 8,
            };
            let mut bytes = vec![0u8; repr.buffer_len()];
            repr.emit(&mut Ipv4Packet::new_unchecked(&mut bytes));
            let packet = Ipv4Packet::new_checked(&bytes).unwrap();
            prop_assert_eq!(Ipv4Repr::parse(&packet), Ok(repr));
        }
    }
}
