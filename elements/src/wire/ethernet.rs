//! Ethernet II frames and MAC addresses.
//!
//! ```text
//!  0                   6                  12          14
//! +-------------------+-------------------+-----------+------------ ...
//! | destination       | source            | EtherType | payload
//! +-------------------+-------------------+-----------+------------ ...
//! ```
//!
//! [`EthernetFrame::new_checked`] validates the length once; after that no accessor panics.
//! A view made with [`EthernetFrame::new_unchecked`] over a buffer shorter than
//! [`HEADER_LEN`] panics on the first header access instead, as smoltcp's views do.
//!
//! The frame check sequence is not part of the view: devices strip it, as Click's do.

use core::fmt;
use core::mem::offset_of;
use core::str::FromStr;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::wire::ip_address::AddressParseError;
use crate::wire::{Result, WireError};

/// A 48-bit MAC address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: EthernetAddress = EthernetAddress([0xff; 6]);

    /// Reads an address from the first six bytes of `bytes`, or `None` if there are fewer.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(EthernetAddress(bytes.get(..6)?.try_into().ok()?))
    }

    /// The six octets.
    pub const fn octets(self) -> [u8; 6] {
        self.0
    }

    /// True for `ff:ff:ff:ff:ff:ff`.
    pub const fn is_broadcast(self) -> bool {
        let [a, b, c, d, e, f] = self.0;
        a & b & c & d & e & f == 0xff
    }

    /// True if the group bit (the least significant bit of the first octet) is set. The
    /// broadcast address is a multicast address too, as IEEE 802 defines it.
    pub const fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// True if the group bit is clear: the address names one interface.
    pub const fn is_unicast(self) -> bool {
        !self.is_multicast()
    }

    /// True if the locally administered bit (the second least significant bit of the first
    /// octet) is set: the address was assigned by software, not burnt in by a vendor.
    pub const fn is_local(self) -> bool {
        self.0[0] & 0x02 != 0
    }
}

impl FromStr for EthernetAddress {
    type Err = AddressParseError;

    /// Parses Click's text forms, as its `EtherAddressArg` does: six parts of one or two hex
    /// digits (either case), all separated by `:` or all by `-`, as in `00:11:22:33:44:55`,
    /// `0-1b-21-3A-4c-5e`. Mixed separators are rejected.
    fn from_str(s: &str) -> core::result::Result<Self, Self::Err> {
        let sep = if s.contains(':') { ':' } else { '-' };
        let mut parts = s.split(sep);
        let mut octets = [0u8; 6];
        for octet in &mut octets {
            let part = parts.next().ok_or(AddressParseError)?;
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(AddressParseError);
            }
            *octet = u8::from_str_radix(part, 16).map_err(|_| AddressParseError)?;
        }
        if parts.next().is_some() {
            return Err(AddressParseError);
        }
        Ok(EthernetAddress(octets))
    }
}

impl fmt::Display for EthernetAddress {
    /// Click's form: lower-case hex, colon-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for EthernetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Well-known EtherType values, as they appear in [`EthernetFrame::ethertype`].
///
/// The type field stays a plain `u16` because a router must carry types it does not know;
/// these constants only name the ones Sluice looks into.
#[derive(Debug)]
pub enum EtherType {}

impl EtherType {
    /// Internet Protocol version 4.
    pub const IPV4: u16 = 0x0800;
    /// Address Resolution Protocol.
    pub const ARP: u16 = 0x0806;
    /// IEEE 802.1Q VLAN tag (customer tag).
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service tag (Q-in-Q outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// Internet Protocol version 6.
    pub const IPV6: u16 = 0x86dd;
}

/// Length of the Ethernet II header: two addresses and the type.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

mod field {
    pub type Field = core::ops::Range<usize>;
    pub type Rest = core::ops::RangeFrom<usize>;

    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
    pub const PAYLOAD: Rest = 14..;
}

/// The fixed header, as zerocopy sees it.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Header {
    dst: [u8; 6],
    src: [u8; 6],
    ethertype: U16,
}

// The zerocopy layout and the byte ranges describe the same header.
const _: () = {
    assert!(size_of::<Header>() == HEADER_LEN);
    assert!(offset_of!(Header, dst) == field::DESTINATION.start);
    assert!(offset_of!(Header, src) == field::SOURCE.start);
    assert!(offset_of!(Header, ethertype) == field::ETHERTYPE.start);
    assert!(field::ETHERTYPE.end == field::PAYLOAD.start);
};

/// A read/write view of an Ethernet II frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps `buffer` without checking its length. Accessors panic if it is shorter than
    /// [`HEADER_LEN`]; use [`new_checked`](Self::new_checked) for untrusted bytes.
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Fails with [`WireError::Truncated`] if the buffer cannot hold the header. Once this
    /// passed, no accessor panics.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length of the header, always [`HEADER_LEN`].
    pub const fn header_len() -> usize {
        HEADER_LEN
    }

    /// Length of a frame carrying `payload_len` bytes of payload.
    pub const fn buffer_len(payload_len: usize) -> usize {
        HEADER_LEN + payload_len
    }

    fn header(&self) -> &Header {
        // `check_len` established that the buffer holds a whole header, and `Header` is
        // `Unaligned`, so only a skipped check can make this fail.
        Header::ref_from_prefix(self.buffer.as_ref())
            .map(|(header, _)| header)
            .expect("Ethernet frame shorter than its header: new_unchecked without check_len")
    }

    /// The destination address.
    pub fn dst_addr(&self) -> EthernetAddress {
        EthernetAddress(self.header().dst)
    }

    /// The source address.
    pub fn src_addr(&self) -> EthernetAddress {
        EthernetAddress(self.header().src)
    }

    /// The EtherType (see [`EtherType`] for the well-known values).
    pub fn ethertype(&self) -> u16 {
        self.header().ethertype.get()
    }

    /// The bytes after the header, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    fn header_mut(&mut self) -> &mut Header {
        // As in `header`: the length was checked and the layout has no alignment.
        Header::mut_from_prefix(self.buffer.as_mut())
            .map(|(header, _)| header)
            .expect("Ethernet frame shorter than its header: new_unchecked without check_len")
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: EthernetAddress) {
        self.header_mut().dst = addr.0;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: EthernetAddress) {
        self.header_mut().src = addr.0;
    }

    /// Sets the EtherType.
    pub fn set_ethertype(&mut self, ethertype: u16) {
        self.header_mut().ethertype.set(ethertype);
    }

    /// The bytes after the header, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for EthernetFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The header fields of an Ethernet II frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// The source address.
    pub src_addr: EthernetAddress,
    /// The destination address.
    pub dst_addr: EthernetAddress,
    /// The EtherType.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// Reads the header of `frame`. Fails only if the frame is shorter than its header:
    /// every EtherType is representable.
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Result<EthernetRepr> {
        frame.check_len()?;
        Ok(EthernetRepr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype: frame.ethertype(),
        })
    }

    /// Length of the header [`emit`](Self::emit) writes, [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Bytes [`emit`](Self::emit) writes: the header only, the payload is the caller's.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into `frame`, leaving the payload alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) {
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        frame.set_ethertype(self.ethertype);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    // An ARP frame from a QEMU guest to a host NIC, payload cut to four bytes.
    static FRAME: [u8; 18] = [
        0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e, // destination
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, // source
        0x08, 0x06, // EtherType: ARP
        0xde, 0xad, 0xbe, 0xef, // payload
    ];
    static PAYLOAD: [u8; 4] = [0xde, 0xad, 0xbe, 0xef];
    const DST: EthernetAddress = EthernetAddress([0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e]);
    const SRC: EthernetAddress = EthernetAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);

    fn repr() -> EthernetRepr {
        EthernetRepr {
            src_addr: SRC,
            dst_addr: DST,
            ethertype: EtherType::ARP,
        }
    }

    #[test]
    fn deconstruct() {
        let frame = EthernetFrame::new_checked(&FRAME[..]).unwrap();
        assert_eq!(frame.dst_addr(), DST);
        assert_eq!(frame.src_addr(), SRC);
        assert_eq!(frame.ethertype(), 0x0806);
        assert_eq!(frame.payload(), &PAYLOAD[..]);
        assert_eq!(frame.into_inner(), &FRAME[..]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 18];
        let mut frame = EthernetFrame::new_unchecked(&mut bytes[..]);
        frame.set_dst_addr(DST);
        frame.set_src_addr(SRC);
        frame.set_ethertype(EtherType::ARP);
        frame.payload_mut().copy_from_slice(&PAYLOAD);
        assert_eq!(bytes, FRAME);
    }

    #[test]
    fn parse() {
        let frame = EthernetFrame::new_checked(&FRAME[..]).unwrap();
        assert_eq!(EthernetRepr::parse(&frame), Ok(repr()));
    }

    #[test]
    fn emit() {
        let repr = repr();
        let mut bytes = [0u8; 18];
        bytes[HEADER_LEN..].copy_from_slice(&PAYLOAD);
        let mut frame = EthernetFrame::new_unchecked(&mut bytes[..]);
        repr.emit(&mut frame);
        assert_eq!(repr.buffer_len(), 14);
        assert_eq!(
            EthernetFrame::<&[u8]>::buffer_len(PAYLOAD.len()),
            FRAME.len()
        );
        assert_eq!(bytes, FRAME);
    }

    #[test]
    fn truncated_prefixes() {
        for len in 0..=FRAME.len() {
            let result = EthernetFrame::new_checked(&FRAME[..len]);
            if len < HEADER_LEN {
                assert_eq!(result.err(), Some(WireError::Truncated), "len {len}");
                assert!(EthernetRepr::parse(&EthernetFrame::new_unchecked(&FRAME[..len])).is_err());
            } else {
                let frame = result.unwrap();
                assert_eq!(frame.ethertype(), EtherType::ARP);
                assert_eq!(frame.payload().len(), len - HEADER_LEN);
            }
        }
    }

    #[test]
    fn address_classes() {
        assert!(EthernetAddress::BROADCAST.is_broadcast());
        assert!(EthernetAddress::BROADCAST.is_multicast());
        assert!(!DST.is_broadcast() && DST.is_unicast() && !DST.is_local());
        assert!(SRC.is_local() && SRC.is_unicast());
        let ipv6_all_nodes = EthernetAddress([0x33, 0x33, 0, 0, 0, 1]);
        assert!(ipv6_all_nodes.is_multicast() && !ipv6_all_nodes.is_broadcast());
        assert!(!EthernetAddress([0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]).is_broadcast());
    }

    #[test]
    fn address_text_forms() {
        let expected = EthernetAddress([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
        for text in ["00:11:22:33:44:55", "00-11-22-33-44-55", "0:11:22:33:44:55"] {
            assert_eq!(text.parse::<EthernetAddress>(), Ok(expected), "{text}");
        }
        let short: EthernetAddress = "0:1b:21:3A:4c:5E".parse().unwrap();
        assert_eq!(short, DST);
        assert_eq!(short.to_string(), "00:1b:21:3a:4c:5e");
        assert_eq!("f-f-f-f-f-f".parse(), Ok(EthernetAddress([0x0f; 6])));
    }

    #[test]
    fn address_rejects_bad_text() {
        for bad in [
            "",
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "00:11:22:33:44:",
            ":11:22:33:44:55",
            "00:11-22:33:44:55",
            "000:11:22:33:44:55",
            "00:11:22:33:44:5g",
            "00::22:33:44:55",
            "001122334455",
            "00:11:22:33:44:55 ",
            "+0:11:22:33:44:55",
        ] {
            assert!(bad.parse::<EthernetAddress>().is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn address_display_round_trips(octets in any::<[u8; 6]>()) {
            let addr = EthernetAddress(octets);
            let text = addr.to_string();
            prop_assert_eq!(text.parse::<EthernetAddress>(), Ok(addr));
            prop_assert_eq!(text.replace(':', "-").parse::<EthernetAddress>(), Ok(addr));
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(frame) = EthernetFrame::new_checked(&bytes[..]) {
                let repr = EthernetRepr::parse(&frame).unwrap();
                prop_assert_eq!(repr.ethertype, frame.ethertype());
                prop_assert_eq!(frame.payload().len(), bytes.len() - HEADER_LEN);
            } else {
                prop_assert!(bytes.len() < HEADER_LEN);
            }
        }
    }
}
