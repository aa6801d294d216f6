//! ARP packets for Ethernet and IPv4 (RFC 826).
//!
//! ```text
//!  0       2       4   5   6       8            14        18           24        28
//! +-------+-------+---+---+-------+------------+---------+------------+---------+
//! | htype | ptype |hln|pln| oper  | sender hw  | sender  | target hw  | target  |
//! |       |       |   |   |       | address    | IPv4    | address    | IPv4    |
//! +-------+-------+---+---+-------+------------+---------+------------+---------+
//! ```
//!
//! The view always uses the Ethernet/IPv4 layout above, whatever the hardware and protocol
//! fields say: [`ArpPacket::new_checked`] checks only the length, so that an element such as
//! Click's `ARPResponder` can look at a request for another protocol before it rejects it.
//! [`ArpRepr::parse`] is the strict reader: it rejects anything but Ethernet/IPv4 with
//! [`WireError::Malformed`].
//!
//! Once `check_len` passed, no accessor panics. A view made with `new_unchecked` over a
//! buffer shorter than [`HEADER_LEN`] panics on the first header access instead, as smoltcp's
//! views do. Bytes after the 28-byte packet (Ethernet padding) are ignored.

use core::mem::offset_of;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::wire::ethernet::{EtherType, EthernetAddress};
use crate::wire::ip_address::Ipv4Address;
use crate::wire::{Result, WireError};

/// ARP operation codes, as they appear in [`ArpPacket::operation`]. The field stays a plain
/// `u16` so that packets with other codes (RARP, InARP) can still be inspected.
#[derive(Debug)]
pub enum ArpOperation {}

impl ArpOperation {
    /// `who-has`: asks for the hardware address of the target protocol address.
    pub const REQUEST: u16 = 1;
    /// `is-at`: answers a request.
    pub const REPLY: u16 = 2;
}

/// ARP hardware types, as they appear in [`ArpPacket::hardware_type`].
#[derive(Debug)]
pub enum ArpHardware {}

impl ArpHardware {
    /// Ethernet (10 Mb and everything since).
    pub const ETHERNET: u16 = 1;
}

/// Length of an Ethernet/IPv4 ARP packet.
pub const HEADER_LEN: usize = field::TPA.end;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const HTYPE: Field = 0..2;
    pub const PTYPE: Field = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Field = 6..8;
    pub const SHA: Field = 8..14;
    pub const SPA: Field = 14..18;
    pub const THA: Field = 18..24;
    pub const TPA: Field = 24..28;
}

/// The Ethernet/IPv4 packet, as zerocopy sees it.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Header {
    htype: U16,
    ptype: U16,
    hlen: u8,
    plen: u8,
    oper: U16,
    sha: [u8; 6],
    spa: [u8; 4],
    tha: [u8; 6],
    tpa: [u8; 4],
}

// The zerocopy layout and the byte ranges describe the same packet.
const _: () = {
    assert!(size_of::<Header>() == HEADER_LEN);
    assert!(offset_of!(Header, htype) == field::HTYPE.start);
    assert!(offset_of!(Header, ptype) == field::PTYPE.start);
    assert!(offset_of!(Header, hlen) == field::HLEN);
    assert!(offset_of!(Header, plen) == field::PLEN);
    assert!(offset_of!(Header, oper) == field::OPER.start);
    assert!(offset_of!(Header, sha) == field::SHA.start);
    assert!(offset_of!(Header, spa) == field::SPA.start);
    assert!(offset_of!(Header, tha) == field::THA.start);
    assert!(offset_of!(Header, tpa) == field::TPA.start);
};

/// A read/write view of an ARP packet laid out for Ethernet and IPv4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Wraps `buffer` without checking its length. Accessors panic if it is shorter than
    /// [`HEADER_LEN`]; use [`new_checked`](Self::new_checked) for untrusted bytes.
    pub const fn new_unchecked(buffer: T) -> Self {
        ArpPacket { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len). The hardware and protocol
    /// fields are not checked; see [`is_ethernet_ipv4`](Self::is_ethernet_ipv4).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Fails with [`WireError::Truncated`] if the buffer cannot hold an Ethernet/IPv4 ARP
    /// packet. Once this passed, no accessor panics.
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

    /// Length of the packet, always [`HEADER_LEN`].
    pub const fn header_len() -> usize {
        HEADER_LEN
    }

    fn header(&self) -> &Header {
        // `check_len` established that the buffer holds a whole packet, and `Header` is
        // `Unaligned`, so only a skipped check can make this fail.
        Header::ref_from_prefix(self.buffer.as_ref())
            .map(|(header, _)| header)
            .expect("ARP packet shorter than 28 bytes: new_unchecked without check_len")
    }

    /// The hardware type ([`ArpHardware::ETHERNET`] for Ethernet).
    pub fn hardware_type(&self) -> u16 {
        self.header().htype.get()
    }

    /// The protocol type, an EtherType ([`EtherType::IPV4`] for IPv4).
    pub fn protocol_type(&self) -> u16 {
        self.header().ptype.get()
    }

    /// The hardware address length (6 for Ethernet).
    pub fn hardware_len(&self) -> u8 {
        self.header().hlen
    }

    /// The protocol address length (4 for IPv4).
    pub fn protocol_len(&self) -> u8 {
        self.header().plen
    }

    /// True if the four type and length fields describe Ethernet and IPv4, so that the
    /// address accessors read what the sender meant.
    pub fn is_ethernet_ipv4(&self) -> bool {
        let header = self.header();
        header.htype.get() == ArpHardware::ETHERNET
            && header.ptype.get() == EtherType::IPV4
            && header.hlen == 6
            && header.plen == 4
    }

    /// The operation (see [`ArpOperation`]).
    pub fn operation(&self) -> u16 {
        self.header().oper.get()
    }

    /// The sender's hardware address.
    pub fn sender_hw_addr(&self) -> EthernetAddress {
        EthernetAddress(self.header().sha)
    }

    /// The sender's protocol address.
    pub fn sender_proto_addr(&self) -> Ipv4Address {
        Ipv4Address(self.header().spa)
    }

    /// The target's hardware address (zero in a request).
    pub fn target_hw_addr(&self) -> EthernetAddress {
        EthernetAddress(self.header().tha)
    }

    /// The target's protocol address.
    pub fn target_proto_addr(&self) -> Ipv4Address {
        Ipv4Address(self.header().tpa)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    fn header_mut(&mut self) -> &mut Header {
        // As in `header`: the length was checked and the layout has no alignment.
        Header::mut_from_prefix(self.buffer.as_mut())
            .map(|(header, _)| header)
            .expect("ARP packet shorter than 28 bytes: new_unchecked without check_len")
    }

    /// Sets the hardware type.
    pub fn set_hardware_type(&mut self, htype: u16) {
        self.header_mut().htype.set(htype);
    }

    /// Sets the protocol type.
    pub fn set_protocol_type(&mut self, ptype: u16) {
        self.header_mut().ptype.set(ptype);
    }

    /// Sets the hardware address length.
    pub fn set_hardware_len(&mut self, len: u8) {
        self.header_mut().hlen = len;
    }

    /// Sets the protocol address length.
    pub fn set_protocol_len(&mut self, len: u8) {
        self.header_mut().plen = len;
    }

    /// Sets the operation.
    pub fn set_operation(&mut self, operation: u16) {
        self.header_mut().oper.set(operation);
    }

    /// Sets the sender's hardware address.
    pub fn set_sender_hw_addr(&mut self, addr: EthernetAddress) {
        self.header_mut().sha = addr.0;
    }

    /// Sets the sender's protocol address.
    pub fn set_sender_proto_addr(&mut self, addr: Ipv4Address) {
        self.header_mut().spa = addr.0;
    }

    /// Sets the target's hardware address.
    pub fn set_target_hw_addr(&mut self, addr: EthernetAddress) {
        self.header_mut().tha = addr.0;
    }

    /// Sets the target's protocol address.
    pub fn set_target_proto_addr(&mut self, addr: Ipv4Address) {
        self.header_mut().tpa = addr.0;
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for ArpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// An Ethernet/IPv4 ARP packet's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    /// The operation (see [`ArpOperation`]); any value is kept.
    pub operation: u16,
    /// The sender's hardware address.
    pub sender_hw_addr: EthernetAddress,
    /// The sender's protocol address.
    pub sender_proto_addr: Ipv4Address,
    /// The target's hardware address.
    pub target_hw_addr: EthernetAddress,
    /// The target's protocol address.
    pub target_proto_addr: Ipv4Address,
}

impl ArpRepr {
    /// Reads `packet`. Fails with [`WireError::Truncated`] if it is shorter than
    /// [`HEADER_LEN`] and with [`WireError::Malformed`] if it is not for Ethernet and IPv4
    /// (hardware type 1, protocol type 0x0800, lengths 6 and 4).
    pub fn parse<T: AsRef<[u8]>>(packet: &ArpPacket<T>) -> Result<ArpRepr> {
        packet.check_len()?;
        if !packet.is_ethernet_ipv4() {
            return Err(WireError::Malformed);
        }
        Ok(ArpRepr {
            operation: packet.operation(),
            sender_hw_addr: packet.sender_hw_addr(),
            sender_proto_addr: packet.sender_proto_addr(),
            target_hw_addr: packet.target_hw_addr(),
            target_proto_addr: packet.target_proto_addr(),
        })
    }

    /// Length of the packet [`emit`](Self::emit) writes, [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Bytes [`emit`](Self::emit) writes, [`HEADER_LEN`]: ARP has no payload.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the whole packet, type and length fields included, into `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut ArpPacket<T>) {
        packet.set_hardware_type(ArpHardware::ETHERNET);
        packet.set_protocol_type(EtherType::IPV4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(self.operation);
        packet.set_sender_hw_addr(self.sender_hw_addr);
        packet.set_sender_proto_addr(self.sender_proto_addr);
        packet.set_target_hw_addr(self.target_hw_addr);
        packet.set_target_proto_addr(self.target_proto_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // "who-has 10.0.0.1 tell 10.0.0.2", from 52:54:00:12:34:56.
    static REQUEST: [u8; 28] = [
        0x00, 0x01, // hardware type: Ethernet
        0x08, 0x00, // protocol type: IPv4
        0x06, 0x04, // address lengths
        0x00, 0x01, // operation: request
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, // sender hardware address
        0x0a, 0x00, 0x00, 0x02, // sender protocol address
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // target hardware address
        0x0a, 0x00, 0x00, 0x01, // target protocol address
    ];
    const SHA: EthernetAddress = EthernetAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
    const SPA: Ipv4Address = Ipv4Address::new(10, 0, 0, 2);
    const TPA: Ipv4Address = Ipv4Address::new(10, 0, 0, 1);

    fn repr() -> ArpRepr {
        ArpRepr {
            operation: ArpOperation::REQUEST,
            sender_hw_addr: SHA,
            sender_proto_addr: SPA,
            target_hw_addr: EthernetAddress([0; 6]),
            target_proto_addr: TPA,
        }
    }

    #[test]
    fn deconstruct() {
        let packet = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        assert_eq!(packet.hardware_type(), 1);
        assert_eq!(packet.protocol_type(), 0x0800);
        assert_eq!(packet.hardware_len(), 6);
        assert_eq!(packet.protocol_len(), 4);
        assert!(packet.is_ethernet_ipv4());
        assert_eq!(packet.operation(), 1);
        assert_eq!(packet.sender_hw_addr(), SHA);
        assert_eq!(packet.sender_proto_addr(), SPA);
        assert_eq!(packet.target_hw_addr(), EthernetAddress([0; 6]));
        assert_eq!(packet.target_proto_addr(), TPA);
        assert_eq!(packet.into_inner(), &REQUEST[..]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 28];
        let mut packet = ArpPacket::new_unchecked(&mut bytes[..]);
        packet.set_hardware_type(ArpHardware::ETHERNET);
        packet.set_protocol_type(EtherType::IPV4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(ArpOperation::REQUEST);
        packet.set_sender_hw_addr(SHA);
        packet.set_sender_proto_addr(SPA);
        packet.set_target_hw_addr(EthernetAddress([0; 6]));
        packet.set_target_proto_addr(TPA);
        assert_eq!(bytes, REQUEST);
    }

    #[test]
    fn parse() {
        let packet = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        assert_eq!(ArpRepr::parse(&packet), Ok(repr()));
    }

    #[test]
    fn parse_ignores_padding() {
        let mut padded = [0u8; 46];
        padded[..28].copy_from_slice(&REQUEST);
        let packet = ArpPacket::new_checked(&padded[..]).unwrap();
        assert_eq!(ArpRepr::parse(&packet), Ok(repr()));
    }

    #[test]
    fn emit() {
        let repr = repr();
        assert_eq!(repr.buffer_len(), 28);
        let mut bytes = [0xa5u8; 28];
        repr.emit(&mut ArpPacket::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes, REQUEST);
    }

    #[test]
    fn reply_round_trips() {
        let reply = ArpRepr {
            operation: ArpOperation::REPLY,
            sender_hw_addr: EthernetAddress([0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e]),
            sender_proto_addr: TPA,
            target_hw_addr: SHA,
            target_proto_addr: SPA,
        };
        let mut bytes = [0u8; 28];
        reply.emit(&mut ArpPacket::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes[6..8], [0x00, 0x02]);
        assert_eq!(
            ArpRepr::parse(&ArpPacket::new_checked(&bytes[..]).unwrap()),
            Ok(reply)
        );
    }

    #[test]
    fn wrong_types_are_viewable_but_not_parsed() {
        // (offset, value) pairs that each break Ethernet/IPv4 on their own.
        for (offset, value) in [(1, 6), (2, 0x86), (4, 8), (5, 16)] {
            let mut bytes = REQUEST;
            bytes[offset] = value;
            let packet = ArpPacket::new_checked(&bytes[..]).expect("length is enough");
            assert!(!packet.is_ethernet_ipv4(), "offset {offset}");
            assert_eq!(packet.target_proto_addr(), TPA);
            assert_eq!(
                ArpRepr::parse(&packet),
                Err(WireError::Malformed),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn truncated_prefixes() {
        for len in 0..REQUEST.len() {
            let result = ArpPacket::new_checked(&REQUEST[..len]);
            assert_eq!(result.err(), Some(WireError::Truncated), "len {len}");
            let unchecked = ArpPacket::new_unchecked(&REQUEST[..len]);
            assert_eq!(
                ArpRepr::parse(&unchecked),
                Err(WireError::Truncated),
                "len {len}"
            );
        }
        assert!(ArpPacket::new_checked(&REQUEST[..]).is_ok());
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            match ArpPacket::new_checked(&bytes[..]) {
                Ok(packet) => {
                    let parsed = ArpRepr::parse(&packet);
                    prop_assert_eq!(parsed.is_ok(), packet.is_ethernet_ipv4());
                    if let Ok(repr) = parsed {
                        let mut out = [0u8; HEADER_LEN];
                        repr.emit(&mut ArpPacket::new_unchecked(&mut out[..]));
                        prop_assert_eq!(&out[..], &bytes[..HEADER_LEN]);
                    }
                }
                Err(err) => {
                    prop_assert_eq!(err, WireError::Truncated);
                    prop_assert!(bytes.len() < HEADER_LEN);
                }
            }
        }
    }
}
