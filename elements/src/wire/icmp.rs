//! ICMP for IPv4 (RFC 792).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! |                      Rest of header                           |
//! |      Payload (echo data, or the offending IP header + 8)      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The "rest of header" word means different things by type: identifier and sequence number
//! for echo and timestamp messages; a pointer in its top byte for parameter problem
//! (RFC 792); the next-hop MTU in its low 16 bits for "fragmentation needed" (RFC 1191); a
//! gateway address for redirect. The view exposes each reading.
//!
//! The buffer is the whole ICMP message (the IP payload): the checksum covers all of it.
//! [`IcmpPacket::check_len`] only needs the 8-byte header. Once it has passed, no accessor
//! panics; they panic only on a view made with [`IcmpPacket::new_unchecked`] over fewer than 8
//! bytes.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::{Ipv4Address, Result, WireError};

/// ICMP message types.
pub mod msg_type {
    /// Echo reply.
    pub const ECHO_REPLY: u8 = 0;
    /// Destination unreachable; codes in [`super::unreachable`].
    pub const DEST_UNREACHABLE: u8 = 3;
    /// Source quench (deprecated by RFC 6633, still an error type).
    pub const SOURCE_QUENCH: u8 = 4;
    /// Redirect; codes in [`super::redirect`].
    pub const REDIRECT: u8 = 5;
    /// Echo request.
    pub const ECHO_REQUEST: u8 = 8;
    /// Router advertisement, RFC 1256.
    pub const ROUTER_ADVERT: u8 = 9;
    /// Router solicitation, RFC 1256.
    pub const ROUTER_SOLICIT: u8 = 10;
    /// Time exceeded; codes in [`super::time_exceeded`].
    pub const TIME_EXCEEDED: u8 = 11;
    /// Parameter problem; codes in [`super::param_problem`].
    pub const PARAMETER_PROBLEM: u8 = 12;
    /// Timestamp request.
    pub const TIMESTAMP_REQUEST: u8 = 13;
    /// Timestamp reply.
    pub const TIMESTAMP_REPLY: u8 = 14;
    /// Information request (obsolete).
    pub const INFO_REQUEST: u8 = 15;
    /// Information reply (obsolete).
    pub const INFO_REPLY: u8 = 16;
    /// Address mask request, RFC 950.
    pub const ADDRESS_MASK_REQUEST: u8 = 17;
    /// Address mask reply, RFC 950.
    pub const ADDRESS_MASK_REPLY: u8 = 18;
}

/// Codes for [`msg_type::DEST_UNREACHABLE`].
pub mod unreachable {
    /// Network unreachable.
    pub const NET: u8 = 0;
    /// Host unreachable.
    pub const HOST: u8 = 1;
    /// Protocol unreachable.
    pub const PROTOCOL: u8 = 2;
    /// Port unreachable.
    pub const PORT: u8 = 3;
    /// Fragmentation needed and DF set; the message carries the next-hop MTU (RFC 1191).
    pub const NEED_FRAG: u8 = 4;
    /// Source route failed.
    pub const SOURCE_ROUTE_FAILED: u8 = 5;
    /// Destination network unknown.
    pub const NET_UNKNOWN: u8 = 6;
    /// Destination host unknown.
    pub const HOST_UNKNOWN: u8 = 7;
    /// Source host isolated.
    pub const HOST_ISOLATED: u8 = 8;
    /// Network administratively prohibited.
    pub const NET_PROHIBITED: u8 = 9;
    /// Host administratively prohibited.
    pub const HOST_PROHIBITED: u8 = 10;
    /// Network unreachable for the type of service.
    pub const TOS_NET: u8 = 11;
    /// Host unreachable for the type of service.
    pub const TOS_HOST: u8 = 12;
    /// Communication administratively prohibited by filtering, RFC 1812.
    pub const FILTER_PROHIBITED: u8 = 13;
    /// Host precedence violation, RFC 1812.
    pub const HOST_PRECEDENCE: u8 = 14;
    /// Precedence cutoff in effect, RFC 1812.
    pub const PRECEDENCE_CUTOFF: u8 = 15;
}

/// Codes for [`msg_type::TIME_EXCEEDED`].
pub mod time_exceeded {
    /// TTL reached zero in transit.
    pub const TTL: u8 = 0;
    /// Fragment reassembly time exceeded.
    pub const REASSEMBLY: u8 = 1;
}

/// Codes for [`msg_type::REDIRECT`].
pub mod redirect {
    /// Redirect for the network.
    pub const NET: u8 = 0;
    /// Redirect for the host.
    pub const HOST: u8 = 1;
    /// Redirect for the type of service and network.
    pub const TOS_NET: u8 = 2;
    /// Redirect for the type of service and host.
    pub const TOS_HOST: u8 = 3;
}

/// Codes for [`msg_type::PARAMETER_PROBLEM`].
pub mod param_problem {
    /// The pointer indicates the error.
    pub const POINTER: u8 = 0;
    /// A required option is missing, RFC 1108.
    pub const OPTION_MISSING: u8 = 1;
    /// Bad length, RFC 1812.
    pub const BAD_LENGTH: u8 = 2;
}

/// True for the error types (destination unreachable, source quench, redirect, time
/// exceeded, parameter problem): those that quote an offending datagram and that no ICMP
/// error may be sent about (RFC 1122, 3.2.2).
pub const fn is_error_type(msg_type: u8) -> bool {
    matches!(
        msg_type,
        msg_type::DEST_UNREACHABLE
            | msg_type::SOURCE_QUENCH
            | msg_type::REDIRECT
            | msg_type::TIME_EXCEEDED
            | msg_type::PARAMETER_PROBLEM
    )
}

mod field {
    use super::*;

    /// The fixed 8-byte header. The rest-of-header word is split in two halves because every
    /// reading of it (identifier/sequence, unused/MTU, pointer) aligns on them.
    #[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
    #[repr(C)]
    pub(super) struct Header {
        pub(super) msg_type: u8,
        pub(super) code: u8,
        pub(super) checksum: U16,
        /// Echo identifier; parameter-problem pointer in the top byte.
        pub(super) rest_hi: U16,
        /// Echo sequence number; next-hop MTU for "fragmentation needed".
        pub(super) rest_lo: U16,
    }

    pub(super) const HEADER_LEN: usize = size_of::<Header>();
}

/// The length of the ICMP header.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// A read/write view of an ICMP message in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IcmpPacket<T> {
    /// Wraps `buffer` without checking it; accessors may panic until
    /// [`check_len`](Self::check_len) has passed.
    pub const fn new_unchecked(buffer: T) -> Self {
        IcmpPacket { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// `Truncated` if the buffer is shorter than the 8-byte header.
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

    fn header(&self) -> &field::Header {
        let Ok((header, _)) = field::Header::ref_from_prefix(self.buffer.as_ref()) else {
            panic!("ICMP buffer shorter than 8 bytes: check_len was skipped");
        };
        header
    }

    /// The message type; see [`msg_type`].
    pub fn msg_type(&self) -> u8 {
        self.header().msg_type
    }

    /// The code.
    pub fn code(&self) -> u8 {
        self.header().code
    }

    /// The checksum as stored.
    pub fn checksum(&self) -> u16 {
        self.header().checksum.get()
    }

    /// True for an error message; see [`is_error_type`].
    pub fn is_error(&self) -> bool {
        is_error_type(self.msg_type())
    }

    /// The whole rest-of-header word.
    pub fn rest_of_header(&self) -> u32 {
        let h = self.header();
        u32::from(h.rest_hi.get()) << 16 | u32::from(h.rest_lo.get())
    }

    /// The echo (and timestamp) identifier.
    pub fn echo_ident(&self) -> u16 {
        self.header().rest_hi.get()
    }

    /// The echo (and timestamp) sequence number.
    pub fn echo_seq_no(&self) -> u16 {
        self.header().rest_lo.get()
    }

    /// The parameter-problem pointer: the offset of the bad byte in the quoted datagram.
    pub fn pointer(&self) -> u8 {
        self.header().rest_hi.get().to_be_bytes()[0]
    }

    /// The next-hop MTU of a "fragmentation needed" message (RFC 1191), 0 from routers that
    /// predate it.
    pub fn next_hop_mtu(&self) -> u16 {
        self.header().rest_lo.get()
    }

    /// The gateway address of a redirect.
    pub fn gateway(&self) -> Ipv4Address {
        Ipv4Address::from_u32(self.rest_of_header())
    }

    /// Everything after the 8-byte header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }

    /// True if the checksum over the whole message is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::verify(self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IcmpPacket<T> {
    fn header_mut(&mut self) -> &mut field::Header {
        let Ok((header, _)) = field::Header::mut_from_prefix(self.buffer.as_mut()) else {
            panic!("ICMP buffer shorter than 8 bytes: check_len was skipped");
        };
        header
    }

    /// Sets the message type.
    pub fn set_msg_type(&mut self, msg_type: u8) {
        self.header_mut().msg_type = msg_type;
    }

    /// Sets the code.
    pub fn set_code(&mut self, code: u8) {
        self.header_mut().code = code;
    }

    /// Stores `checksum` as the checksum.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.header_mut().checksum.set(checksum);
    }

    /// Sets the whole rest-of-header word.
    pub fn set_rest_of_header(&mut self, rest: u32) {
        let h = self.header_mut();
        h.rest_hi.set((rest >> 16) as u16);
        h.rest_lo.set(rest as u16);
    }

    /// Sets the echo identifier.
    pub fn set_echo_ident(&mut self, ident: u16) {
        self.header_mut().rest_hi.set(ident);
    }

    /// Sets the echo sequence number.
    pub fn set_echo_seq_no(&mut self, seq_no: u16) {
        self.header_mut().rest_lo.set(seq_no);
    }

    /// Sets the parameter-problem pointer, zeroing the three unused bytes after it.
    pub fn set_pointer(&mut self, pointer: u8) {
        self.set_rest_of_header(u32::from(pointer) << 24);
    }

    /// Sets the next-hop MTU, zeroing the unused half-word before it.
    pub fn set_next_hop_mtu(&mut self, mtu: u16) {
        self.set_rest_of_header(u32::from(mtu));
    }

    /// Sets the redirect gateway.
    pub fn set_gateway(&mut self, gateway: Ipv4Address) {
        self.set_rest_of_header(gateway.to_u32());
    }

    /// Everything after the header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..)
            .unwrap_or(&mut [])
    }

    /// Computes and stores the checksum over the whole message.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(sum);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for IcmpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A high-level ICMP message: the header fields and a borrowed payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpRepr<'a> {
    /// Message type; see [`msg_type`].
    pub msg_type: u8,
    /// Code.
    pub code: u8,
    /// The rest-of-header word (see [`IcmpRepr::echo`] and the packet accessors).
    pub rest_of_header: u32,
    /// Everything after the header.
    pub payload: &'a [u8],
}

impl<'a> IcmpRepr<'a> {
    /// An echo request (`reply == false`) or reply.
    pub fn echo(reply: bool, ident: u16, seq_no: u16, payload: &'a [u8]) -> Self {
        IcmpRepr {
            msg_type: if reply {
                msg_type::ECHO_REPLY
            } else {
                msg_type::ECHO_REQUEST
            },
            code: 0,
            rest_of_header: u32::from(ident) << 16 | u32::from(seq_no),
            payload,
        }
    }

    /// Reads a message. `Truncated` if shorter than the header, `Malformed` if the checksum
    /// is wrong.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &'a IcmpPacket<&'a T>) -> Result<Self> {
        packet.check_len()?;
        if !packet.verify_checksum() {
            return Err(WireError::Malformed);
        }
        Ok(IcmpRepr {
            msg_type: packet.msg_type(),
            code: packet.code(),
            rest_of_header: packet.rest_of_header(),
            payload: packet.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[]),
        })
    }

    /// The header length, 8.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The message length: header plus payload.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }

    /// Writes the message, checksum included, into `packet`, which must be exactly
    /// [`buffer_len`](Self::buffer_len) bytes long (the checksum covers the whole buffer).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut IcmpPacket<T>) {
        packet.set_msg_type(self.msg_type);
        packet.set_code(self.code);
        packet.set_rest_of_header(self.rest_of_header);
        let payload = packet.payload_mut();
        let n = payload.len().min(self.payload.len());
        payload[..n].copy_from_slice(&self.payload[..n]);
        packet.fill_checksum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    /// Echo request, identifier 0x1234, sequence 1, data "ping". Checksum 0x06fa computed
    /// with an independent RFC 1071 script.
    static ECHO_BYTES: [u8; 12] = [
        0x08, 0x00, 0x06, 0xfa, 0x12, 0x34, 0x00, 0x01, 0x70, 0x69, 0x6e, 0x67,
    ];

    #[test]
    fn deconstruct() {
        let packet = IcmpPacket::new_checked(&ECHO_BYTES[..]).unwrap();
        assert_eq!(packet.msg_type(), msg_type::ECHO_REQUEST);
        assert_eq!(packet.code(), 0);
        assert_eq!(packet.checksum(), 0x06fa);
        assert_eq!(packet.echo_ident(), 0x1234);
        assert_eq!(packet.echo_seq_no(), 1);
        assert_eq!(packet.rest_of_header(), 0x1234_0001);
        assert_eq!(packet.payload(), b"ping");
        assert!(packet.verify_checksum());
        assert!(!packet.is_error());
    }

    #[test]
    fn construct() {
        let mut bytes = vec![0xa5; 12];
        let mut packet = IcmpPacket::new_unchecked(&mut bytes);
        packet.set_msg_type(msg_type::ECHO_REQUEST);
        packet.set_code(0);
        packet.set_echo_ident(0x1234);
        packet.set_echo_seq_no(1);
        packet.payload_mut().copy_from_slice(b"ping");
        packet.fill_checksum();
        assert_eq!(&bytes[..], &ECHO_BYTES[..]);
    }

    #[test]
    fn parse() {
        let packet = IcmpPacket::new_checked(&ECHO_BYTES[..]).unwrap();
        assert_eq!(
            IcmpRepr::parse(&packet),
            Ok(IcmpRepr::echo(false, 0x1234, 1, b"ping"))
        );
    }

    #[test]
    fn emit() {
        let repr = IcmpRepr::echo(false, 0x1234, 1, b"ping");
        let mut bytes = vec![0xa5; repr.buffer_len()];
        repr.emit(&mut IcmpPacket::new_unchecked(&mut bytes));
        assert_eq!(&bytes[..], &ECHO_BYTES[..]);
    }

    #[test]
    fn parse_rejects_bad_checksum() {
        let mut bytes = ECHO_BYTES;
        bytes[9] ^= 0x20;
        let packet = IcmpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(IcmpRepr::parse(&packet), Err(WireError::Malformed));
    }

    #[test]
    fn error_fields() {
        let mut bytes = [0xffu8; 8];
        let mut packet = IcmpPacket::new_unchecked(&mut bytes[..]);
        packet.set_msg_type(msg_type::DEST_UNREACHABLE);
        packet.set_code(unreachable::NEED_FRAG);
        packet.set_next_hop_mtu(1480);
        packet.fill_checksum();
        assert!(packet.is_error());
        assert_eq!(packet.next_hop_mtu(), 1480);
        assert!(packet.verify_checksum());
        assert_eq!(&bytes[4..], &[0, 0, 0x05, 0xc8]);

        let mut packet = IcmpPacket::new_unchecked(&mut bytes[..]);
        packet.set_msg_type(msg_type::PARAMETER_PROBLEM);
        packet.set_pointer(22);
        assert_eq!(packet.pointer(), 22);
        assert_eq!(&bytes[4..], &[22, 0, 0, 0]);

        let mut packet = IcmpPacket::new_unchecked(&mut bytes[..]);
        packet.set_gateway(Ipv4Address::new(10, 0, 0, 254));
        assert_eq!(packet.gateway(), Ipv4Address::new(10, 0, 0, 254));

        for t in 0..=255u8 {
            assert_eq!(is_error_type(t), [3, 4, 5, 11, 12].contains(&t));
        }
    }

    #[test]
    fn truncated_prefixes_rejected() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                IcmpPacket::new_checked(&ECHO_BYTES[..len]).err(),
                Some(WireError::Truncated)
            );
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(packet) = IcmpPacket::new_checked(&bytes[..]) {
                let _ = (packet.msg_type(), packet.code(), packet.rest_of_header());
                let _ = (packet.pointer(), packet.next_hop_mtu(), packet.gateway());
                prop_assert_eq!(packet.payload().len() + HEADER_LEN, bytes.len());
                let _ = IcmpRepr::parse(&packet);
            }
        }

        #[test]
        fn emit_then_parse(
            t in any::<u8>(), code in any::<u8>(), rest in any::<u32>(),
            payload in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let repr = IcmpRepr { msg_type: t, code, rest_of_header: rest, payload: &payload };
            let mut bytes = vec![0u8; repr.buffer_len()];
            repr.emit(&mut IcmpPacket::new_unchecked(&mut bytes));
            let packet = IcmpPacket::new_checked(&bytes[..]).unwrap();
            prop_assert_eq!(IcmpRepr::parse(&packet), Ok(repr));
        }
    }
}
