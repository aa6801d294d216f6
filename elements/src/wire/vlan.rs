//! IEEE 802.1Q VLAN tags and 802.1ad (Q-in-Q) service tags.
//!
//! A tagged frame carries a Tag Protocol Identifier (TPID, `0x8100` for 802.1Q, `0x88a8` for
//! 802.1ad) where an untagged frame has its EtherType, then the Tag Control Information (TCI)
//! and the encapsulated EtherType:
//!
//! ```text
//!  0                   6                  12      14      16          18
//! +-------------------+-------------------+-------+-------+-----------+--------- ...
//! | destination       | source            | TPID  | TCI   | EtherType | payload
//! +-------------------+-------------------+-------+-------+-----------+--------- ...
//!
//! TCI:  15     13  12  11                                   0
//!      +---------+---+--------------------------------------+
//!      |   PCP   |DEI|                 VID                  |
//!      +---------+---+--------------------------------------+
//! ```
//!
//! [`VlanTag`] views the four bytes after the TPID (what follows an Ethernet header whose
//! type is [`EtherType::VLAN`]); [`VlanHeader`] views the whole 18-byte tagged header, as
//! Click's `click_ether_vlan` does.
//!
//! `new_checked` validates the length once; after that no accessor panics. A view made with
//! `new_unchecked` over a buffer too short for its header panics on the first header access
//! instead, as smoltcp's views do. The views accept any TPID so that elements can inspect
//! frames they will reject; [`VlanHeaderRepr::parse`] rejects TPIDs other than the two above.

use core::mem::offset_of;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::wire::ethernet::{EtherType, EthernetAddress};
use crate::wire::{Result, WireError};

/// Length of a tag without its TPID: TCI and encapsulated EtherType.
pub const TAG_LEN: usize = tag_field::PAYLOAD.start;

/// Length of a whole tagged Ethernet header.
pub const HEADER_LEN: usize = header_field::PAYLOAD.start;

/// The Tag Control Information of a tag, split into its fields.
///
/// The fields are private so that a `Tci` always fits its 16 bits: a priority above 7 or a
/// VLAN ID above 4095 cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tci {
    pcp: u8,
    dei: bool,
    vid: u16,
}

impl Tci {
    /// Largest Priority Code Point.
    pub const MAX_PCP: u8 = 7;
    /// Largest VLAN identifier. 4095 is reserved by 802.1Q but Click's `VLANEncap` accepts
    /// it, so the type does too.
    pub const MAX_VID: u16 = 0x0fff;

    /// Builds a TCI from its fields, or `None` if `pcp` exceeds [`MAX_PCP`](Self::MAX_PCP)
    /// or `vid` exceeds [`MAX_VID`](Self::MAX_VID).
    pub const fn new(pcp: u8, dei: bool, vid: u16) -> Option<Tci> {
        if pcp > Self::MAX_PCP || vid > Self::MAX_VID {
            None
        } else {
            Some(Tci { pcp, dei, vid })
        }
    }

    /// Splits a 16-bit TCI as it appears on the wire. Every value is valid.
    pub const fn from_bits(tci: u16) -> Tci {
        Tci {
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & Self::MAX_VID,
        }
    }

    /// The 16-bit TCI as it appears on the wire.
    pub const fn to_bits(self) -> u16 {
        ((self.pcp as u16) << 13) | ((self.dei as u16) << 12) | self.vid
    }

    /// Priority Code Point (802.1p class of service), 0 to 7.
    pub const fn pcp(self) -> u8 {
        self.pcp
    }

    /// Drop Eligible Indicator (formerly CFI).
    pub const fn dei(self) -> bool {
        self.dei
    }

    /// VLAN identifier, 0 to 4095. 0 means the frame carries a priority only.
    pub const fn vid(self) -> u16 {
        self.vid
    }
}

mod tag_field {
    pub type Field = core::ops::Range<usize>;
    pub type Rest = core::ops::RangeFrom<usize>;

    pub const TCI: Field = 0..2;
    pub const ETHERTYPE: Field = 2..4;
    pub const PAYLOAD: Rest = 4..;
}

mod header_field {
    pub type Field = core::ops::Range<usize>;
    pub type Rest = core::ops::RangeFrom<usize>;

    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const TPID: Field = 12..14;
    pub const TCI: Field = 14..16;
    pub const ETHERTYPE: Field = 16..18;
    pub const PAYLOAD: Rest = 18..;
}

/// The tag after the TPID, as zerocopy sees it.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Tag {
    tci: U16,
    ethertype: U16,
}

/// The whole tagged header, as zerocopy sees it.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Header {
    dst: [u8; 6],
    src: [u8; 6],
    tpid: U16,
    tag: Tag,
}

// The zerocopy layouts and the byte ranges describe the same headers.
const _: () = {
    assert!(size_of::<Tag>() == TAG_LEN);
    assert!(offset_of!(Tag, tci) == tag_field::TCI.start);
    assert!(offset_of!(Tag, ethertype) == tag_field::ETHERTYPE.start);
    assert!(tag_field::ETHERTYPE.end == tag_field::PAYLOAD.start);
    assert!(size_of::<Header>() == HEADER_LEN);
    assert!(offset_of!(Header, dst) == header_field::DESTINATION.start);
    assert!(offset_of!(Header, src) == header_field::SOURCE.start);
    assert!(offset_of!(Header, tpid) == header_field::TPID.start);
    assert!(offset_of!(Header, tag) + offset_of!(Tag, tci) == header_field::TCI.start);
    assert!(offset_of!(Header, tag) + offset_of!(Tag, ethertype) == header_field::ETHERTYPE.start);
    assert!(header_field::ETHERTYPE.end == header_field::PAYLOAD.start);
};

/// A read/write view of a VLAN tag without its TPID: TCI, encapsulated EtherType, payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VlanTag<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanTag<T> {
    /// Wraps `buffer` without checking its length. Accessors panic if it is shorter than
    /// [`TAG_LEN`]; use [`new_checked`](Self::new_checked) for untrusted bytes.
    pub const fn new_unchecked(buffer: T) -> Self {
        VlanTag { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let tag = Self::new_unchecked(buffer);
        tag.check_len()?;
        Ok(tag)
    }

    /// Fails with [`WireError::Truncated`] if the buffer cannot hold the tag. Once this
    /// passed, no accessor panics.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < TAG_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length of the tag, always [`TAG_LEN`].
    pub const fn header_len() -> usize {
        TAG_LEN
    }

    fn tag(&self) -> &Tag {
        // `check_len` established that the buffer holds a whole tag, and `Tag` is
        // `Unaligned`, so only a skipped check can make this fail.
        Tag::ref_from_prefix(self.buffer.as_ref())
            .map(|(tag, _)| tag)
            .expect("VLAN tag shorter than 4 bytes: new_unchecked without check_len")
    }

    /// The raw Tag Control Information.
    pub fn tci(&self) -> u16 {
        self.tag().tci.get()
    }

    /// The Tag Control Information, split.
    pub fn tci_fields(&self) -> Tci {
        Tci::from_bits(self.tci())
    }

    /// Priority Code Point, 0 to 7.
    pub fn pcp(&self) -> u8 {
        self.tci_fields().pcp()
    }

    /// Drop Eligible Indicator.
    pub fn dei(&self) -> bool {
        self.tci_fields().dei()
    }

    /// VLAN identifier, 0 to 4095.
    pub fn vid(&self) -> u16 {
        self.tci_fields().vid()
    }

    /// The EtherType of the encapsulated payload.
    pub fn ethertype(&self) -> u16 {
        self.tag().ethertype.get()
    }

    /// The bytes after the tag, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[tag_field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VlanTag<T> {
    fn tag_mut(&mut self) -> &mut Tag {
        // As in `tag`: the length was checked and the layout has no alignment.
        Tag::mut_from_prefix(self.buffer.as_mut())
            .map(|(tag, _)| tag)
            .expect("VLAN tag shorter than 4 bytes: new_unchecked without check_len")
    }

    /// Sets the raw Tag Control Information.
    pub fn set_tci(&mut self, tci: u16) {
        self.tag_mut().tci.set(tci);
    }

    /// Sets the Tag Control Information from its fields.
    pub fn set_tci_fields(&mut self, tci: Tci) {
        self.set_tci(tci.to_bits());
    }

    /// Sets the Priority Code Point, keeping the other TCI fields. Only the low three bits
    /// of `pcp` are used.
    pub fn set_pcp(&mut self, pcp: u8) {
        let tci = (self.tci() & 0x1fff) | (u16::from(pcp & Tci::MAX_PCP) << 13);
        self.set_tci(tci);
    }

    /// Sets the Drop Eligible Indicator, keeping the other TCI fields.
    pub fn set_dei(&mut self, dei: bool) {
        let tci = (self.tci() & !0x1000) | (u16::from(dei) << 12);
        self.set_tci(tci);
    }

    /// Sets the VLAN identifier, keeping the other TCI fields. Only the low twelve bits of
    /// `vid` are used.
    pub fn set_vid(&mut self, vid: u16) {
        let tci = (self.tci() & !Tci::MAX_VID) | (vid & Tci::MAX_VID);
        self.set_tci(tci);
    }

    /// Sets the EtherType of the encapsulated payload.
    pub fn set_ethertype(&mut self, ethertype: u16) {
        self.tag_mut().ethertype.set(ethertype);
    }

    /// The bytes after the tag, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[tag_field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for VlanTag<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A read/write view of a VLAN-tagged Ethernet header (18 bytes) and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VlanHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanHeader<T> {
    /// Wraps `buffer` without checking its length. Accessors panic if it is shorter than
    /// [`HEADER_LEN`]; use [`new_checked`](Self::new_checked) for untrusted bytes.
    pub const fn new_unchecked(buffer: T) -> Self {
        VlanHeader { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Fails with [`WireError::Truncated`] if the buffer cannot hold the tagged header. Once
    /// this passed, no accessor panics. The TPID is not checked.
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

    /// Length of a tagged frame carrying `payload_len` bytes of payload.
    pub const fn buffer_len(payload_len: usize) -> usize {
        HEADER_LEN + payload_len
    }

    fn header(&self) -> &Header {
        // `check_len` established that the buffer holds a whole header, and `Header` is
        // `Unaligned`, so only a skipped check can make this fail.
        Header::ref_from_prefix(self.buffer.as_ref())
            .map(|(header, _)| header)
            .expect("VLAN header shorter than 18 bytes: new_unchecked without check_len")
    }

    /// The destination address.
    pub fn dst_addr(&self) -> EthernetAddress {
        EthernetAddress(self.header().dst)
    }

    /// The source address.
    pub fn src_addr(&self) -> EthernetAddress {
        EthernetAddress(self.header().src)
    }

    /// The Tag Protocol Identifier: [`EtherType::VLAN`] or [`EtherType::QINQ`] in a valid
    /// frame.
    pub fn tpid(&self) -> u16 {
        self.header().tpid.get()
    }

    /// The raw Tag Control Information.
    pub fn tci(&self) -> u16 {
        self.header().tag.tci.get()
    }

    /// The Tag Control Information, split.
    pub fn tci_fields(&self) -> Tci {
        Tci::from_bits(self.tci())
    }

    /// Priority Code Point, 0 to 7.
    pub fn pcp(&self) -> u8 {
        self.tci_fields().pcp()
    }

    /// Drop Eligible Indicator.
    pub fn dei(&self) -> bool {
        self.tci_fields().dei()
    }

    /// VLAN identifier, 0 to 4095.
    pub fn vid(&self) -> u16 {
        self.tci_fields().vid()
    }

    /// The EtherType of the encapsulated payload.
    pub fn ethertype(&self) -> u16 {
        self.header().tag.ethertype.get()
    }

    /// The bytes after the tagged header, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[header_field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VlanHeader<T> {
    fn header_mut(&mut self) -> &mut Header {
        // As in `header`: the length was checked and the layout has no alignment.
        Header::mut_from_prefix(self.buffer.as_mut())
            .map(|(header, _)| header)
            .expect("VLAN header shorter than 18 bytes: new_unchecked without check_len")
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: EthernetAddress) {
        self.header_mut().dst = addr.0;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: EthernetAddress) {
        self.header_mut().src = addr.0;
    }

    /// Sets the Tag Protocol Identifier.
    pub fn set_tpid(&mut self, tpid: u16) {
        self.header_mut().tpid.set(tpid);
    }

    /// Sets the raw Tag Control Information.
    pub fn set_tci(&mut self, tci: u16) {
        self.header_mut().tag.tci.set(tci);
    }

    /// Sets the Tag Control Information from its fields.
    pub fn set_tci_fields(&mut self, tci: Tci) {
        self.set_tci(tci.to_bits());
    }

    /// Sets the EtherType of the encapsulated payload.
    pub fn set_ethertype(&mut self, ethertype: u16) {
        self.header_mut().tag.ethertype.set(ethertype);
    }

    /// The bytes after the tagged header, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[header_field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for VlanHeader<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The fields of a VLAN tag without its TPID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanRepr {
    /// Priority, drop eligibility and VLAN ID.
    pub tci: Tci,
    /// The EtherType of the encapsulated payload.
    pub ethertype: u16,
}

impl VlanRepr {
    /// Reads `tag`. Fails only if it is shorter than [`TAG_LEN`]: every TCI is valid.
    pub fn parse<T: AsRef<[u8]>>(tag: &VlanTag<T>) -> Result<VlanRepr> {
        tag.check_len()?;
        Ok(VlanRepr {
            tci: tag.tci_fields(),
            ethertype: tag.ethertype(),
        })
    }

    /// Length of the tag [`emit`](Self::emit) writes, [`TAG_LEN`].
    pub const fn header_len(&self) -> usize {
        TAG_LEN
    }

    /// Bytes [`emit`](Self::emit) writes: the tag only, the payload is the caller's.
    pub const fn buffer_len(&self) -> usize {
        TAG_LEN
    }

    /// Writes the tag into `tag`, leaving the payload alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, tag: &mut VlanTag<T>) {
        tag.set_tci_fields(self.tci);
        tag.set_ethertype(self.ethertype);
    }
}

/// The fields of a VLAN-tagged Ethernet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanHeaderRepr {
    /// The source address.
    pub src_addr: EthernetAddress,
    /// The destination address.
    pub dst_addr: EthernetAddress,
    /// The Tag Protocol Identifier, [`EtherType::VLAN`] or [`EtherType::QINQ`].
    pub tpid: u16,
    /// Priority, drop eligibility and VLAN ID.
    pub tci: Tci,
    /// The EtherType of the encapsulated payload.
    pub ethertype: u16,
}

impl VlanHeaderRepr {
    /// Reads `header`. Fails with [`WireError::Truncated`] if it is shorter than
    /// [`HEADER_LEN`] and with [`WireError::Malformed`] if the TPID is neither
    /// [`EtherType::VLAN`] nor [`EtherType::QINQ`].
    pub fn parse<T: AsRef<[u8]>>(header: &VlanHeader<T>) -> Result<VlanHeaderRepr> {
        header.check_len()?;
        let tpid = header.tpid();
        if tpid != EtherType::VLAN && tpid != EtherType::QINQ {
            return Err(WireError::Malformed);
        }
        Ok(VlanHeaderRepr {
            src_addr: header.src_addr(),
            dst_addr: header.dst_addr(),
            tpid,
            tci: header.tci_fields(),
            ethertype: header.ethertype(),
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

    /// Writes the header into `header`, leaving the payload alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut VlanHeader<T>) {
        header.set_dst_addr(self.dst_addr);
        header.set_src_addr(self.src_addr);
        header.set_tpid(self.tpid);
        header.set_tci_fields(self.tci);
        header.set_ethertype(self.ethertype);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // An IPv4 packet tagged for VLAN 100 with priority 5 and DEI set (TCI 0xb064), payload
    // cut to the first four bytes of the IPv4 header.
    static FRAME: [u8; 22] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source
        0x81, 0x00, // TPID: 802.1Q
        0xb0, 0x64, // PCP 5, DEI 1, VID 100
        0x08, 0x00, // EtherType: IPv4
        0x45, 0x00, 0x00, 0x54, // payload
    ];
    static PAYLOAD: [u8; 4] = [0x45, 0x00, 0x00, 0x54];
    const SRC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 1]);

    fn tci() -> Tci {
        Tci::new(5, true, 100).unwrap()
    }

    fn header_repr() -> VlanHeaderRepr {
        VlanHeaderRepr {
            src_addr: SRC,
            dst_addr: EthernetAddress::BROADCAST,
            tpid: EtherType::VLAN,
            tci: tci(),
            ethertype: EtherType::IPV4,
        }
    }

    #[test]
    fn tci_fields() {
        assert_eq!(Tci::from_bits(0xb064), tci());
        assert_eq!(tci().to_bits(), 0xb064);
        assert_eq!((tci().pcp(), tci().dei(), tci().vid()), (5, true, 100));
        assert_eq!(Tci::new(7, false, 4095).unwrap().to_bits(), 0xefff);
        assert_eq!(Tci::new(0, true, 0).unwrap().to_bits(), 0x1000);
        assert_eq!(Tci::new(8, false, 1), None);
        assert_eq!(Tci::new(0, false, 4096), None);
    }

    #[test]
    fn deconstruct_header() {
        let header = VlanHeader::new_checked(&FRAME[..]).unwrap();
        assert_eq!(header.dst_addr(), EthernetAddress::BROADCAST);
        assert_eq!(header.src_addr(), SRC);
        assert_eq!(header.tpid(), 0x8100);
        assert_eq!(header.tci(), 0xb064);
        assert_eq!((header.pcp(), header.dei(), header.vid()), (5, true, 100));
        assert_eq!(header.ethertype(), 0x0800);
        assert_eq!(header.payload(), &PAYLOAD[..]);
    }

    #[test]
    fn deconstruct_tag() {
        let tag = VlanTag::new_checked(&FRAME[14..]).unwrap();
        assert_eq!(tag.tci(), 0xb064);
        assert_eq!((tag.pcp(), tag.dei(), tag.vid()), (5, true, 100));
        assert_eq!(tag.ethertype(), 0x0800);
        assert_eq!(tag.payload(), &PAYLOAD[..]);
        assert_eq!(tag.into_inner(), &FRAME[14..]);
    }

    #[test]
    fn construct_header() {
        let mut bytes = [0xa5u8; 22];
        let mut header = VlanHeader::new_unchecked(&mut bytes[..]);
        header.set_dst_addr(EthernetAddress::BROADCAST);
        header.set_src_addr(SRC);
        header.set_tpid(EtherType::VLAN);
        header.set_tci(0xb064);
        header.set_ethertype(EtherType::IPV4);
        header.payload_mut().copy_from_slice(&PAYLOAD);
        assert_eq!(bytes, FRAME);
    }

    #[test]
    fn construct_tag_field_by_field() {
        let mut bytes = [0xffu8; 8];
        let mut tag = VlanTag::new_unchecked(&mut bytes[..]);
        tag.set_tci(0);
        tag.set_vid(100);
        tag.set_dei(true);
        tag.set_pcp(5);
        tag.set_ethertype(EtherType::IPV4);
        tag.payload_mut().copy_from_slice(&PAYLOAD);
        assert_eq!(bytes[..], FRAME[14..]);
        // Each setter keeps the other fields.
        let mut tag = VlanTag::new_unchecked(&mut bytes[..]);
        tag.set_vid(0xfff);
        assert_eq!(tag.tci(), 0xbfff);
        tag.set_dei(false);
        assert_eq!(tag.tci(), 0xafff);
        tag.set_pcp(0);
        assert_eq!(tag.tci(), 0x0fff);
    }

    #[test]
    fn parse() {
        let header = VlanHeader::new_checked(&FRAME[..]).unwrap();
        assert_eq!(VlanHeaderRepr::parse(&header), Ok(header_repr()));
        let tag = VlanTag::new_checked(&FRAME[14..]).unwrap();
        assert_eq!(
            VlanRepr::parse(&tag),
            Ok(VlanRepr {
                tci: tci(),
                ethertype: EtherType::IPV4
            })
        );
    }

    #[test]
    fn parse_accepts_qinq_and_rejects_other_tpids() {
        let mut bytes = FRAME;
        bytes[12..14].copy_from_slice(&[0x88, 0xa8]);
        let repr = VlanHeaderRepr::parse(&VlanHeader::new_checked(&bytes[..]).unwrap());
        assert_eq!(repr.map(|r| r.tpid), Ok(EtherType::QINQ));
        bytes[12..14].copy_from_slice(&[0x08, 0x00]);
        let header = VlanHeader::new_checked(&bytes[..]).unwrap();
        assert_eq!(header.tpid(), EtherType::IPV4);
        assert_eq!(VlanHeaderRepr::parse(&header), Err(WireError::Malformed));
    }

    #[test]
    fn emit() {
        let repr = header_repr();
        assert_eq!(repr.buffer_len(), 18);
        let mut bytes = [0u8; 22];
        bytes[HEADER_LEN..].copy_from_slice(&PAYLOAD);
        repr.emit(&mut VlanHeader::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes, FRAME);

        let tag_repr = VlanRepr {
            tci: tci(),
            ethertype: EtherType::IPV4,
        };
        let mut tag_bytes = [0u8; 4];
        tag_repr.emit(&mut VlanTag::new_unchecked(&mut tag_bytes[..]));
        assert_eq!(tag_bytes[..], FRAME[14..18]);
    }

    #[test]
    fn truncated_prefixes() {
        for len in 0..=FRAME.len() {
            let header = VlanHeader::new_checked(&FRAME[..len]);
            if len < HEADER_LEN {
                assert_eq!(header.err(), Some(WireError::Truncated), "len {len}");
                let unchecked = VlanHeader::new_unchecked(&FRAME[..len]);
                assert_eq!(VlanHeaderRepr::parse(&unchecked), Err(WireError::Truncated));
            } else {
                let header = header.unwrap();
                assert_eq!(header.vid(), 100);
                assert_eq!(header.payload().len(), len - HEADER_LEN);
            }
        }
        let tag_bytes = &FRAME[14..];
        for len in 0..=tag_bytes.len() {
            let tag = VlanTag::new_checked(&tag_bytes[..len]);
            if len < TAG_LEN {
                assert_eq!(tag.err(), Some(WireError::Truncated), "len {len}");
            } else {
                assert_eq!(tag.unwrap().payload().len(), len - TAG_LEN);
            }
        }
    }

    proptest! {
        #[test]
        fn tci_round_trips(bits in any::<u16>()) {
            let tci = Tci::from_bits(bits);
            prop_assert_eq!(tci.to_bits(), bits);
            prop_assert_eq!(Tci::new(tci.pcp(), tci.dei(), tci.vid()), Some(tci));
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            if let Ok(header) = VlanHeader::new_checked(&bytes[..]) {
                let parsed = VlanHeaderRepr::parse(&header);
                let tpid = header.tpid();
                prop_assert_eq!(parsed.is_ok(), tpid == EtherType::VLAN || tpid == EtherType::QINQ);
                prop_assert_eq!(header.payload().len(), bytes.len() - HEADER_LEN);
            }
            if let Ok(tag) = VlanTag::new_checked(&bytes[..]) {
                prop_assert!(VlanRepr::parse(&tag).is_ok());
            }
        }
    }
}
