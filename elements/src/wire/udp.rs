//! UDP datagrams (RFC 768) over IPv4.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! |            Length             |           Checksum            |
//! |                            Payload                            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`UdpPacket::check_len`] accepts a buffer that holds the 8-byte header and the length
//! field's worth of bytes, with a length field of at least 8. A longer buffer is fine: the
//! payload and the checksum stop at the length field. Once it has passed, no accessor panics;
//! they panic only on a view made with [`UdpPacket::new_unchecked`] over fewer than 8 bytes.
//!
//! Over IPv4 a zero checksum means "not computed" (RFC 768), so a computed zero is sent as
//! `0xFFFF`, its one's-complement twin.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::ipv4::protocol;
use super::{Ipv4Address, Result, WireError};

mod field {
    use super::*;

    /// The fixed 8-byte header.
    #[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
    #[repr(C)]
    pub(super) struct Header {
        pub(super) src_port: U16,
        pub(super) dst_port: U16,
        pub(super) len: U16,
        pub(super) checksum: U16,
    }

    pub(super) const HEADER_LEN: usize = size_of::<Header>();

    /// The payload of a datagram whose length field says `len`.
    pub(super) const fn payload(len: usize) -> core::ops::Range<usize> {
        HEADER_LEN..len
    }
}

/// The length of the UDP header.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// A read/write view of a UDP datagram in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps `buffer` without checking it; accessors may panic until
    /// [`check_len`](Self::check_len) has passed.
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// `Truncated` if the buffer is shorter than the header or than the length field;
    /// `Malformed` if the length field is below 8.
    pub fn check_len(&self) -> Result<()> {
        let buffer_len = self.buffer.as_ref().len();
        if buffer_len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let len = usize::from(self.len());
        if len < HEADER_LEN {
            Err(WireError::Malformed)
        } else if len > buffer_len {
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
            panic!("UDP buffer shorter than 8 bytes: check_len was skipped");
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

    /// The length field: header plus payload.
    pub fn len(&self) -> u16 {
        self.header().len.get()
    }

    /// True if the length field is zero (never, after `check_len`); present for `len`'s sake.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The checksum as stored; 0 means the sender computed none.
    pub fn checksum(&self) -> u16 {
        self.header().checksum.get()
    }

    /// The datagram as the length field bounds it (empty if setters made the length field
    /// exceed the buffer).
    fn datagram(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(..usize::from(self.len()))
            .unwrap_or(&[])
    }

    /// The payload, up to the length field.
    pub fn payload(&self) -> &[u8] {
        let range = field::payload(usize::from(self.len()));
        self.buffer.as_ref().get(range).unwrap_or(&[])
    }

    /// True if the checksum is absent (zero) or correct over the pseudo-header and the
    /// datagram up to the length field.
    pub fn verify_checksum(&self, src: Ipv4Address, dst: Ipv4Address) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        let datagram = self.datagram();
        if datagram.is_empty() {
            return false;
        }
        checksum::combine(&[
            checksum::pseudo_header_v4(src, dst, protocol::UDP, self.len()),
            checksum::sum(datagram),
        ]) == 0xFFFF
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    fn header_mut(&mut self) -> &mut field::Header {
        let Ok((header, _)) = field::Header::mut_from_prefix(self.buffer.as_mut()) else {
            panic!("UDP buffer shorter than 8 bytes: check_len was skipped");
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

    /// Sets the length field.
    pub fn set_len(&mut self, len: u16) {
        self.header_mut().len.set(len);
    }

    /// Stores `checksum` as the checksum.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.header_mut().checksum.set(checksum);
    }

    /// The payload up to the length field, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = field::payload(usize::from(self.len()));
        self.buffer.as_mut().get_mut(range).unwrap_or(&mut [])
    }

    /// Computes and stores the checksum over the pseudo-header and the datagram up to the
    /// length field; a computed zero is stored as `0xFFFF`.
    pub fn fill_checksum(&mut self, src: Ipv4Address, dst: Ipv4Address) {
        self.set_checksum(0);
        let sum = checksum::combine(&[
            checksum::pseudo_header_v4(src, dst, protocol::UDP, self.len()),
            checksum::sum(self.datagram()),
        ]);
        let value = !sum;
        self.set_checksum(if value == 0 { 0xFFFF } else { value });
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for UdpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A high-level UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRepr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload.
    pub payload: &'a [u8],
}

impl<'a> UdpRepr<'a> {
    /// Reads a datagram sent from `src` to `dst`. `Malformed` if a nonzero checksum is wrong
    /// or the destination port is 0 (RFC 768 reserves it).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        packet: &'a UdpPacket<&'a T>,
        src: Ipv4Address,
        dst: Ipv4Address,
    ) -> Result<Self> {
        packet.check_len()?;
        if packet.dst_port() == 0 || !packet.verify_checksum(src, dst) {
            return Err(WireError::Malformed);
        }
        let range = field::payload(usize::from(packet.len()));
        Ok(UdpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            payload: packet.buffer.as_ref().get(range).unwrap_or(&[]),
        })
    }

    /// The header length, 8.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Header plus payload.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }

    /// Writes the datagram, checksum included, into `packet`, which must hold
    /// [`buffer_len`](Self::buffer_len) bytes. The length field saturates at 65535; keep the
    /// payload within 65527 bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut UdpPacket<T>,
        src: Ipv4Address,
        dst: Ipv4Address,
    ) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len(u16::try_from(self.buffer_len()).unwrap_or(u16::MAX));
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
    use proptest::prelude::*;

    const SRC: Ipv4Address = Ipv4Address::new(10, 0, 0, 1);
    const DST: Ipv4Address = Ipv4Address::new(10, 0, 0, 2);

    /// 10.0.0.1:53 -> 10.0.0.2:12345, payload "abcdef". Checksum 0x9134 computed with an
    /// independent RFC 1071 script over the pseudo-header and the datagram.
    static PACKET_BYTES: [u8; 14] = [
        0x00, 0x35, 0x30, 0x39, 0x00, 0x0e, 0x91, 0x34, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
    ];

    #[test]
    fn deconstruct() {
        let packet = UdpPacket::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), 53);
        assert_eq!(packet.dst_port(), 12345);
        assert_eq!(packet.len(), 14);
        assert_eq!(packet.checksum(), 0x9134);
        assert_eq!(packet.payload(), b"abcdef");
        assert!(packet.verify_checksum(SRC, DST));
        assert!(!packet.verify_checksum(DST, Ipv4Address::new(10, 0, 0, 3)));
    }

    #[test]
    fn construct() {
        let mut bytes = vec![0xa5; 14];
        let mut packet = UdpPacket::new_unchecked(&mut bytes);
        packet.set_src_port(53);
        packet.set_dst_port(12345);
        packet.set_len(14);
        packet.payload_mut().copy_from_slice(b"abcdef");
        packet.fill_checksum(SRC, DST);
        assert_eq!(&bytes[..], &PACKET_BYTES[..]);
    }

    #[test]
    fn parse() {
        let packet = UdpPacket::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(
            UdpRepr::parse(&packet, SRC, DST),
            Ok(UdpRepr {
                src_port: 53,
                dst_port: 12345,
                payload: b"abcdef",
            })
        );
    }

    #[test]
    fn emit() {
        let repr = UdpRepr {
            src_port: 53,
            dst_port: 12345,
            payload: b"abcdef",
        };
        let mut bytes = vec![0xa5; repr.buffer_len()];
        repr.emit(&mut UdpPacket::new_unchecked(&mut bytes), SRC, DST);
        assert_eq!(&bytes[..], &PACKET_BYTES[..]);
    }

    #[test]
    fn zero_checksum_means_none() {
        let mut bytes = PACKET_BYTES;
        bytes[6] = 0;
        bytes[7] = 0;
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(SRC, DST));
        assert!(UdpRepr::parse(&packet, SRC, DST).is_ok());
        bytes[7] = 1;
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(UdpRepr::parse(&packet, SRC, DST), Err(WireError::Malformed));
    }

    #[test]
    fn computed_zero_is_sent_as_ffff() {
        // With a zero payload word the checksum is c = ~s; a payload word of c raises the sum
        // to s + ~s = 0xFFFF, whose complement, 0, must go out as 0xFFFF.
        let mut bytes = [0u8; 10];
        bytes[..6].copy_from_slice(&[0x00, 0x35, 0x30, 0x39, 0x00, 0x0a]);
        let mut packet = UdpPacket::new_unchecked(&mut bytes[..]);
        packet.fill_checksum(SRC, DST);
        let word = packet.checksum();
        packet.set_checksum(0);
        packet.payload_mut().copy_from_slice(&word.to_be_bytes());
        packet.fill_checksum(SRC, DST);
        assert_eq!(packet.checksum(), 0xFFFF);
        assert!(packet.verify_checksum(SRC, DST));
    }

    #[test]
    fn payload_stops_at_length_field() {
        let mut bytes = PACKET_BYTES.to_vec();
        bytes.extend_from_slice(&[0xee; 6]);
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), b"abcdef");
        assert!(packet.verify_checksum(SRC, DST));
    }

    #[test]
    fn truncated_prefixes_rejected() {
        for len in 0..PACKET_BYTES.len() {
            assert_eq!(
                UdpPacket::new_checked(&PACKET_BYTES[..len]).err(),
                Some(WireError::Truncated),
                "prefix of {len} bytes"
            );
        }
    }

    #[test]
    fn malformed_lengths_rejected() {
        for len in 0..8u8 {
            let mut bytes = PACKET_BYTES;
            bytes[5] = len;
            assert_eq!(
                UdpPacket::new_checked(&bytes[..]).err(),
                Some(WireError::Malformed)
            );
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(packet) = UdpPacket::new_checked(&bytes[..]) {
                let _ = (packet.src_port(), packet.dst_port(), packet.checksum());
                prop_assert_eq!(packet.payload().len() + HEADER_LEN, usize::from(packet.len()));
                let _ = UdpRepr::parse(&packet, SRC, DST);
            }
        }

        #[test]
        fn emit_then_parse(
            src in any::<u32>(), dst in any::<u32>(),
            sport in any::<u16>(), dport in 1u16..,
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let (src, dst) = (Ipv4Address::from_u32(src), Ipv4Address::from_u32(dst));
            let repr = UdpRepr { src_port: sport, dst_port: dport, payload: &payload };
            let mut bytes = vec![0u8; repr.buffer_len()];
            repr.emit(&mut UdpPacket::new_unchecked(&mut bytes), src, dst);
            let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
            prop_assert_ne!(packet.checksum(), 0);
            prop_assert_eq!(UdpRepr::parse(&packet, src, dst), Ok(repr));
        }
    }
}
