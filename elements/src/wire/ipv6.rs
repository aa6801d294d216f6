//! IPv6 addresses and the IPv6 fixed header (RFC 8200).
//!
//! ```text
//!  0       4              12      16              24              32
//! +-------+---------------+-------------------------------+
//! |version| traffic class |           flow label          |   0
//! +-------+---------------+-------+---------------+-------+
//! |        payload length         |  next header  |hop lim|   4
//! +-------------------------------+---------------+-------+
//! |                    source address (16 bytes)          |   8
//! +-------------------------------------------------------+
//! |                 destination address (16 bytes)        |  24
//! +-------------------------------------------------------+
//! ```
//!
//! [`Ipv6Packet::new_checked`] validates the lengths once (the buffer holds the fixed header
//! and the payload its length field announces); after that no accessor panics. A view made
//! with [`Ipv6Packet::new_unchecked`] over a buffer shorter than [`HEADER_LEN`] panics on the
//! first header access instead, as smoltcp's views do. The payload accessors never panic:
//! they stop at the end of the buffer even if the length field was changed later.
//!
//! Extension headers are payload here: [`Ipv6Packet::next_header`] names the first one.
//! Jumbograms (RFC 2675, payload length 0) are not supported: their payload reads as empty.

use core::fmt;
use core::mem::offset_of;
use core::str::FromStr;

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::wire::ip_address::{AddressParseError, Ipv4Address};
use crate::wire::{Result, WireError};

/// A 128-bit IPv6 address in network byte order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ipv6Address(pub [u8; 16]);

impl Ipv6Address {
    /// `::`.
    pub const UNSPECIFIED: Ipv6Address = Ipv6Address([0; 16]);
    /// `::1`.
    pub const LOOPBACK: Ipv6Address = Ipv6Address::from_segments([0, 0, 0, 0, 0, 0, 0, 1]);

    /// Builds an address from its eight 16-bit groups, most significant first.
    pub const fn from_segments(segments: [u16; 8]) -> Self {
        let mut octets = [0u8; 16];
        let mut i = 0;
        while i < 8 {
            let [hi, lo] = segments[i].to_be_bytes();
            octets[2 * i] = hi;
            octets[2 * i + 1] = lo;
            i += 1;
        }
        Ipv6Address(octets)
    }

    /// Reads an address from the first sixteen bytes of `bytes`, or `None` if there are
    /// fewer.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(Ipv6Address(bytes.get(..16)?.try_into().ok()?))
    }

    /// The sixteen octets in network order.
    pub const fn octets(self) -> [u8; 16] {
        self.0
    }

    /// The eight 16-bit groups, most significant first.
    pub const fn segments(self) -> [u16; 8] {
        let mut segments = [0u16; 8];
        let mut i = 0;
        while i < 8 {
            segments[i] = u16::from_be_bytes([self.0[2 * i], self.0[2 * i + 1]]);
            i += 1;
        }
        segments
    }

    /// True for `::`.
    pub const fn is_unspecified(self) -> bool {
        u128::from_be_bytes(self.0) == 0
    }

    /// True for `::1`.
    pub const fn is_loopback(self) -> bool {
        u128::from_be_bytes(self.0) == 1
    }

    /// True for `ff00::/8`.
    pub const fn is_multicast(self) -> bool {
        self.0[0] == 0xff
    }

    /// True for link-local unicast, `fe80::/10`.
    pub const fn is_link_local(self) -> bool {
        self.0[0] == 0xfe && self.0[1] & 0xc0 == 0x80
    }

    /// The IPv4 address of an IPv4-mapped address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2),
    /// or `None` for any other address.
    pub const fn to_ipv4_mapped(self) -> Option<Ipv4Address> {
        match self.0 {
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d] => {
                Some(Ipv4Address([a, b, c, d]))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Ipv6Address {
    /// RFC 5952's canonical form: lower-case hex without leading zeros, the longest run of
    /// two or more zero groups (the first, on a tie) written `::`, and IPv4-mapped addresses
    /// as `::ffff:a.b.c.d` (RFC 5952 §5).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v4) = self.to_ipv4_mapped() {
            return write!(f, "::ffff:{v4}");
        }
        let segments = self.segments();
        let (mut best_start, mut best_len) = (0, 0);
        let mut i = 0;
        while i < segments.len() {
            let start = i;
            while i < segments.len() && segments[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best_start, best_len) = (start, i - start);
            }
            i += 1;
        }
        // RFC 5952 §4.2.2: a single zero group is written `0`, never `::`.
        if best_len < 2 {
            return write_groups(f, &segments);
        }
        write_groups(f, &segments[..best_start])?;
        f.write_str("::")?;
        write_groups(f, &segments[best_start + best_len..])
    }
}

/// Writes `groups` in hex, colon-separated.
fn write_groups(f: &mut fmt::Formatter<'_>, groups: &[u16]) -> fmt::Result {
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            f.write_str(":")?;
        }
        write!(f, "{group:x}")?;
    }
    Ok(())
}

impl fmt::Debug for Ipv6Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Ipv6Address {
    type Err = AddressParseError;

    /// Parses RFC 4291 §2.2 text: eight groups of one to four hex digits (either case), at
    /// most one `::` standing for one or more zero groups, and optionally a dotted-quad IPv4
    /// address as the last 32 bits (`::ffff:192.0.2.1`). No zone index, no brackets.
    fn from_str(s: &str) -> core::result::Result<Self, Self::Err> {
        let mut segments = [0u16; 8];
        match s.split_once("::") {
            None => {
                if parse_groups(s, &mut segments, true)? != 8 {
                    return Err(AddressParseError);
                }
            }
            Some((head, tail)) => {
                let mut head_groups = [0u16; 8];
                let mut tail_groups = [0u16; 8];
                let h = if head.is_empty() {
                    0
                } else {
                    parse_groups(head, &mut head_groups, false)?
                };
                let t = if tail.is_empty() {
                    0
                } else {
                    parse_groups(tail, &mut tail_groups, true)?
                };
                // `::` stands for at least one group.
                if h + t > 7 {
                    return Err(AddressParseError);
                }
                segments[..h].copy_from_slice(&head_groups[..h]);
                segments[8 - t..].copy_from_slice(&tail_groups[..t]);
            }
        }
        Ok(Ipv6Address::from_segments(segments))
    }
}

/// Parses colon-separated groups into `out` and returns how many there were. The last part
/// may be a dotted quad (two groups) if `ipv4_last` is set. Fails on an empty part, a part
/// that is not 1 to 4 hex digits, or more than eight groups.
fn parse_groups(
    s: &str,
    out: &mut [u16; 8],
    ipv4_last: bool,
) -> core::result::Result<usize, AddressParseError> {
    let mut n = 0;
    let mut parts = s.split(':').peekable();
    while let Some(part) = parts.next() {
        if ipv4_last && parts.peek().is_none() && part.contains('.') {
            let [a, b, c, d] = part.parse::<Ipv4Address>()?.octets();
            let pair = out.get_mut(n..n + 2).ok_or(AddressParseError)?;
            pair.copy_from_slice(&[u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])]);
            n += 2;
        } else {
            if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(AddressParseError);
            }
            let slot = out.get_mut(n).ok_or(AddressParseError)?;
            *slot = u16::from_str_radix(part, 16).map_err(|_| AddressParseError)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Length of the fixed header.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const VER_TC_FLOW: Field = 0..4;
    pub const PAYLOAD_LEN: Field = 4..6;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
}

/// The fixed header, as zerocopy sees it.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Header {
    ver_tc_flow: U32,
    payload_len: U16,
    next_header: u8,
    hop_limit: u8,
    src: [u8; 16],
    dst: [u8; 16],
}

// The zerocopy layout and the byte ranges describe the same header.
const _: () = {
    assert!(size_of::<Header>() == HEADER_LEN);
    assert!(offset_of!(Header, ver_tc_flow) == field::VER_TC_FLOW.start);
    assert!(offset_of!(Header, payload_len) == field::PAYLOAD_LEN.start);
    assert!(offset_of!(Header, next_header) == field::NEXT_HEADER);
    assert!(offset_of!(Header, hop_limit) == field::HOP_LIMIT);
    assert!(offset_of!(Header, src) == field::SRC_ADDR.start);
    assert!(offset_of!(Header, dst) == field::DST_ADDR.start);
};

/// Mask of the flow label in the first header word.
const FLOW_LABEL_MASK: u32 = 0x000f_ffff;

/// A read/write view of an IPv6 packet: the fixed header and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps `buffer` without checking its length. Header accessors panic if it is shorter
    /// than [`HEADER_LEN`]; use [`new_checked`](Self::new_checked) for untrusted bytes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len). The version is not checked;
    /// [`Ipv6Repr::parse`] does.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Fails with [`WireError::Truncated`] if the buffer cannot hold the fixed header, or
    /// the payload its length field announces. Bytes past the payload (Ethernet padding)
    /// are allowed. Once this passed, no accessor panics.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || len < self.total_len() {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length of the fixed header, always [`HEADER_LEN`].
    pub const fn header_len() -> usize {
        HEADER_LEN
    }

    fn header(&self) -> &Header {
        // `check_len` established that the buffer holds a whole header, and `Header` is
        // `Unaligned`, so only a skipped check can make this fail.
        Header::ref_from_prefix(self.buffer.as_ref())
            .map(|(header, _)| header)
            .expect("IPv6 packet shorter than 40 bytes: new_unchecked without check_len")
    }

    /// The version field (6 in a valid packet).
    pub fn version(&self) -> u8 {
        (self.header().ver_tc_flow.get() >> 28) as u8
    }

    /// The traffic class (DSCP in the upper six bits, ECN in the lower two).
    pub fn traffic_class(&self) -> u8 {
        (self.header().ver_tc_flow.get() >> 20) as u8
    }

    /// The 20-bit flow label.
    pub fn flow_label(&self) -> u32 {
        self.header().ver_tc_flow.get() & FLOW_LABEL_MASK
    }

    /// The payload length: bytes after the fixed header, extension headers included.
    pub fn payload_len(&self) -> u16 {
        self.header().payload_len.get()
    }

    /// The fixed header plus the announced payload.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + usize::from(self.payload_len())
    }

    /// The type of the header after the fixed one (an IP protocol number or an extension
    /// header type).
    pub fn next_header(&self) -> u8 {
        self.header().next_header
    }

    /// The hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.header().hop_limit
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv6Address {
        Ipv6Address(self.header().src)
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv6Address {
        Ipv6Address(self.header().dst)
    }

    /// The payload: `payload_len` bytes after the fixed header, cut short at the end of the
    /// buffer (which `check_len` rules out).
    pub fn payload(&self) -> &[u8] {
        let buffer = self.buffer.as_ref();
        let end = self.total_len().min(buffer.len());
        buffer.get(HEADER_LEN..end).unwrap_or_default()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    fn header_mut(&mut self) -> &mut Header {
        // As in `header`: the length was checked and the layout has no alignment.
        Header::mut_from_prefix(self.buffer.as_mut())
            .map(|(header, _)| header)
            .expect("IPv6 packet shorter than 40 bytes: new_unchecked without check_len")
    }

    fn set_first_word(&mut self, mask: u32, bits: u32) {
        let word = &mut self.header_mut().ver_tc_flow;
        word.set((word.get() & !mask) | (bits & mask));
    }

    /// Sets the version field. Only the low four bits of `version` are used.
    pub fn set_version(&mut self, version: u8) {
        self.set_first_word(0xf000_0000, u32::from(version) << 28);
    }

    /// Sets the traffic class.
    pub fn set_traffic_class(&mut self, traffic_class: u8) {
        self.set_first_word(0x0ff0_0000, u32::from(traffic_class) << 20);
    }

    /// Sets the flow label. Only the low twenty bits of `flow_label` are used.
    pub fn set_flow_label(&mut self, flow_label: u32) {
        self.set_first_word(FLOW_LABEL_MASK, flow_label);
    }

    /// Sets the payload length.
    pub fn set_payload_len(&mut self, len: u16) {
        self.header_mut().payload_len.set(len);
    }

    /// Sets the next header type.
    pub fn set_next_header(&mut self, next_header: u8) {
        self.header_mut().next_header = next_header;
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, hop_limit: u8) {
        self.header_mut().hop_limit = hop_limit;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv6Address) {
        self.header_mut().src = addr.0;
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv6Address) {
        self.header_mut().dst = addr.0;
    }

    /// The payload, writable; the same bytes as [`payload`](Self::payload).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.total_len().min(self.buffer.as_ref().len());
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..end)
            .unwrap_or_default()
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv6Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The fields of an IPv6 fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    /// The source address.
    pub src_addr: Ipv6Address,
    /// The destination address.
    pub dst_addr: Ipv6Address,
    /// The type of the next header.
    pub next_header: u8,
    /// Bytes after the fixed header.
    pub payload_len: u16,
    /// The hop limit.
    pub hop_limit: u8,
    /// The traffic class.
    pub traffic_class: u8,
    /// The flow label; only its low twenty bits are emitted.
    pub flow_label: u32,
}

impl Ipv6Repr {
    /// Reads the fixed header of `packet`. Fails with [`WireError::Truncated`] as
    /// [`Ipv6Packet::check_len`] does and with [`WireError::Malformed`] if the version is
    /// not 6.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv6Packet<T>) -> Result<Ipv6Repr> {
        packet.check_len()?;
        if packet.version() != 6 {
            return Err(WireError::Malformed);
        }
        Ok(Ipv6Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: packet.payload_len(),
            hop_limit: packet.hop_limit(),
            traffic_class: packet.traffic_class(),
            flow_label: packet.flow_label(),
        })
    }

    /// Length of the header [`emit`](Self::emit) writes, [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Length of the whole packet, header and payload: what a buffer must hold for
    /// [`Ipv6Packet::new_checked`] to accept the emitted header.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len as usize
    }

    /// Writes the fixed header into `packet`, leaving the payload alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv6Packet<T>) {
        packet.set_version(6);
        packet.set_traffic_class(self.traffic_class);
        packet.set_flow_label(self.flow_label);
        packet.set_payload_len(self.payload_len);
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    // An ICMPv6 echo request (checksum left zero) from a link-local address to all nodes,
    // traffic class 0xb8 (DSCP EF), flow label 0x12345.
    static PACKET: [u8; 48] = [
        0x6b, 0x81, 0x23, 0x45, // version 6, traffic class 0xb8, flow label 0x12345
        0x00, 0x08, // payload length
        0x3a, // next header: ICMPv6
        0x40, // hop limit
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source
        0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56, //
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, //
        0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, // payload
    ];
    static PAYLOAD: [u8; 8] = [0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01];
    const SRC: Ipv6Address =
        Ipv6Address::from_segments([0xfe80, 0, 0, 0, 0x5054, 0x00ff, 0xfe12, 0x3456]);
    const DST: Ipv6Address = Ipv6Address::from_segments([0xff02, 0, 0, 0, 0, 0, 0, 1]);

    fn repr() -> Ipv6Repr {
        Ipv6Repr {
            src_addr: SRC,
            dst_addr: DST,
            next_header: 58,
            payload_len: 8,
            hop_limit: 64,
            traffic_class: 0xb8,
            flow_label: 0x12345,
        }
    }

    #[test]
    fn deconstruct() {
        let packet = Ipv6Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(packet.version(), 6);
        assert_eq!(packet.traffic_class(), 0xb8);
        assert_eq!(packet.flow_label(), 0x12345);
        assert_eq!(packet.payload_len(), 8);
        assert_eq!(packet.total_len(), 48);
        assert_eq!(packet.next_header(), 58);
        assert_eq!(packet.hop_limit(), 64);
        assert_eq!(packet.src_addr(), SRC);
        assert_eq!(packet.dst_addr(), DST);
        assert_eq!(packet.payload(), &PAYLOAD[..]);
        assert_eq!(packet.into_inner(), &PACKET[..]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 48];
        let mut packet = Ipv6Packet::new_unchecked(&mut bytes[..]);
        packet.set_version(6);
        packet.set_traffic_class(0xb8);
        packet.set_flow_label(0x12345);
        packet.set_payload_len(8);
        packet.set_next_header(58);
        packet.set_hop_limit(64);
        packet.set_src_addr(SRC);
        packet.set_dst_addr(DST);
        packet.payload_mut().copy_from_slice(&PAYLOAD);
        assert_eq!(bytes, PACKET);
    }

    #[test]
    fn first_word_setters_keep_their_neighbours() {
        let mut bytes = PACKET;
        let mut packet = Ipv6Packet::new_unchecked(&mut bytes[..]);
        packet.set_traffic_class(0x01);
        assert_eq!((packet.version(), packet.flow_label()), (6, 0x12345));
        packet.set_flow_label(0xfff_ffff);
        assert_eq!(
            (
                packet.version(),
                packet.traffic_class(),
                packet.flow_label()
            ),
            (6, 1, 0xfffff)
        );
        packet.set_version(4);
        assert_eq!(
            (
                packet.version(),
                packet.traffic_class(),
                packet.flow_label()
            ),
            (4, 1, 0xfffff)
        );
        assert_eq!(bytes[..4], [0x40, 0x1f, 0xff, 0xff]);
    }

    #[test]
    fn parse() {
        let packet = Ipv6Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(Ipv6Repr::parse(&packet), Ok(repr()));
    }

    #[test]
    fn parse_rejects_other_versions() {
        let mut bytes = PACKET;
        bytes[0] = 0x4b;
        let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(Ipv6Repr::parse(&packet), Err(WireError::Malformed));
    }

    #[test]
    fn emit() {
        let repr = repr();
        assert_eq!(repr.buffer_len(), PACKET.len());
        let mut bytes = [0u8; 48];
        bytes[HEADER_LEN..].copy_from_slice(&PAYLOAD);
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes, PACKET);
    }

    #[test]
    fn truncated_prefixes() {
        for len in 0..PACKET.len() {
            let result = Ipv6Packet::new_checked(&PACKET[..len]);
            assert_eq!(result.err(), Some(WireError::Truncated), "len {len}");
            let unchecked = Ipv6Packet::new_unchecked(&PACKET[..len]);
            assert_eq!(
                Ipv6Repr::parse(&unchecked),
                Err(WireError::Truncated),
                "len {len}"
            );
        }
        let mut padded = [0u8; 60];
        padded[..48].copy_from_slice(&PACKET);
        let packet = Ipv6Packet::new_checked(&padded[..]).unwrap();
        assert_eq!(packet.payload(), &PAYLOAD[..]);
    }

    #[test]
    fn payload_stops_at_buffer_end_after_length_change() {
        let mut bytes = PACKET;
        let mut packet = Ipv6Packet::new_checked(&mut bytes[..]).unwrap();
        packet.set_payload_len(1000);
        assert_eq!(packet.payload().len(), 8);
        assert_eq!(packet.payload_mut().len(), 8);
        assert_eq!(packet.check_len(), Err(WireError::Truncated));
    }

    #[test]
    fn address_classes() {
        assert!(Ipv6Address::UNSPECIFIED.is_unspecified());
        assert!(Ipv6Address::LOOPBACK.is_loopback() && !Ipv6Address::LOOPBACK.is_unspecified());
        assert!(DST.is_multicast() && !DST.is_link_local());
        assert!(SRC.is_link_local() && !SRC.is_multicast());
        let mapped = Ipv6Address::from_segments([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]);
        assert_eq!(
            mapped.to_ipv4_mapped(),
            Some(Ipv4Address::new(192, 0, 2, 1))
        );
        assert_eq!(SRC.to_ipv4_mapped(), None);
        assert_eq!(
            SRC.segments(),
            [0xfe80, 0, 0, 0, 0x5054, 0x00ff, 0xfe12, 0x3456]
        );
        assert_eq!(Ipv6Address::from_bytes(&PACKET[8..]), Some(SRC));
        assert_eq!(Ipv6Address::from_bytes(&PACKET[..15]), None);
    }

    #[test]
    fn address_text_forms() {
        // (input, canonical RFC 5952 output)
        for (text, canonical) in [
            ("fe80::5054:ff:fe12:3456", "fe80::5054:ff:fe12:3456"),
            ("FE80:0:0:0:5054:00FF:FE12:3456", "fe80::5054:ff:fe12:3456"),
            ("ff02::1", "ff02::1"),
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            (
                "2001:0db8:0000:0000:0000:ff00:0042:8329",
                "2001:db8::ff00:42:8329",
            ),
            // RFC 5952 §4.2.3: the first of two equally long runs is compressed.
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            // §4.2.3: the longest run wins.
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            // §4.2.2: one zero group is not compressed.
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::ffff:c000:201", "::ffff:192.0.2.1"),
            ("::192.0.2.1", "::c000:201"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ] {
            let addr: Ipv6Address = text.parse().unwrap_or_else(|_| panic!("{text:?}"));
            assert_eq!(addr.to_string(), canonical, "{text:?}");
            assert_eq!(canonical.parse::<Ipv6Address>(), Ok(addr), "{canonical:?}");
        }
        assert_eq!("fe80::5054:ff:fe12:3456".parse(), Ok(SRC));
        assert_eq!("ff02:0:0:0:0:0:0:1".parse(), Ok(DST));
    }

    #[test]
    fn address_rejects_bad_text() {
        for bad in [
            "",
            ":",
            ":::",
            "::::",
            "1::2::3",
            "12345::",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            ":1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:",
            ":1::",
            "1::2:",
            "g::1",
            "::1.2.3",
            "1.2.3.4",
            "1.2.3.4::",
            "1.2.3.4::1",
            "::1.2.3.4:5",
            "::ffff:256.0.0.1",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5:6:7::1.2.3.4",
            " ::1",
            "::1 ",
            "::+1",
            "[::1]",
            "fe80::1%eth0",
        ] {
            assert!(bad.parse::<Ipv6Address>().is_err(), "{bad:?}");
        }
    }

    fn segment() -> impl Strategy<Value = u16> {
        // Mostly zeros, so that runs of every length and position show up.
        prop_oneof![3 => Just(0u16), 1 => Just(1u16), 2 => any::<u16>()]
    }

    proptest! {
        #[test]
        fn display_matches_std_and_round_trips(segments in proptest::array::uniform8(segment())) {
            let addr = Ipv6Address::from_segments(segments);
            let ours = addr.to_string();
            let std_text = std::net::Ipv6Addr::from(segments).to_string();
            prop_assert_eq!(&ours, &std_text);
            prop_assert_eq!(ours.parse::<Ipv6Address>(), Ok(addr));
            let [a, b, c, d, e, f, g, h] = segments;
            let full = std::format!("{a:04X}:{b:x}:{c:x}:{d:x}:{e:x}:{f:x}:{g:x}:{h:04x}");
            prop_assert_eq!(full.parse::<Ipv6Address>(), Ok(addr));
        }

        #[test]
        fn ipv4_mapped_round_trips(octets in any::<[u8; 4]>()) {
            let v4 = Ipv4Address(octets);
            let text = std::format!("::ffff:{v4}");
            let addr: Ipv6Address = text.parse().unwrap();
            prop_assert_eq!(addr.to_ipv4_mapped(), Some(v4));
            prop_assert_eq!(addr.to_string(), text);
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            match Ipv6Packet::new_checked(&bytes[..]) {
                Ok(packet) => {
                    prop_assert_eq!(packet.payload().len(), usize::from(packet.payload_len()));
                    let parsed = Ipv6Repr::parse(&packet);
                    prop_assert_eq!(parsed.is_ok(), packet.version() == 6);
                    if let Ok(repr) = parsed {
                        let mut out = [0u8; HEADER_LEN];
                        repr.emit(&mut Ipv6Packet::new_unchecked(&mut out[..]));
                        prop_assert_eq!(&out[..], &bytes[..HEADER_LEN]);
                    }
                }
                Err(err) => prop_assert_eq!(err, WireError::Truncated),
            }
        }
    }
}
