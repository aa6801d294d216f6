//! The transport checksum as Click computes it (`click_in_cksum_pseudohdr`): the
//! pseudo-header's destination is the final hop of a source route option, if the IP header
//! carries one, rather than the header's destination field.

use crate::wire::checksum;
use crate::wire::ipv4::{option_kind, Ipv4Packet};
use crate::wire::Ipv4Address;

/// The destination Click puts in the pseudo-header: the last address of the first LSRR or
/// SSRR option at least 7 bytes long, else the destination field. The option walk stops at
/// end-of-list or at a malformed option, as Click's `click_in_cksum_pseudohdr_hard` does.
pub(crate) fn pseudo_destination(ip: &Ipv4Packet<&[u8]>) -> Ipv4Address {
    for option in ip.options_iter() {
        let Ok(option) = option else { break };
        if option.kind == option_kind::END_OF_LIST {
            break;
        }
        let source_route = matches!(
            option.kind,
            option_kind::LOOSE_SOURCE_ROUTE | option_kind::STRICT_SOURCE_ROUTE
        );
        if source_route && option.len() >= 7 {
            let last = option.data.len() - 4;
            if let Some(addr) = Ipv4Address::from_bytes(&option.data[last..]) {
                return addr;
            }
        }
    }
    ip.dst_addr()
}

/// The checksum to store in a transport header whose `segment` (checksum field zeroed, or
/// holding the stored value when verifying) follows the IP header `ip`. The pseudo-header
/// length is `segment.len()`, truncated to 16 bits as Click's `htons(len)` does. A stored
/// checksum verifies when this returns 0.
pub(crate) fn transport_checksum(ip: &Ipv4Packet<&[u8]>, segment: &[u8]) -> u16 {
    let pseudo = checksum::pseudo_header_v4(
        ip.src_addr(),
        pseudo_destination(ip),
        ip.protocol(),
        segment.len() as u16,
    );
    !checksum::combine(&[pseudo, checksum::sum(segment)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_route_final_hop_is_the_pseudo_destination() {
        // IHL 8: NOP, LSRR len 7 ptr 4 with hop 10.0.0.9, then EOL padding.
        let mut h = [0u8; 32];
        h[0] = 0x48;
        h[9] = 6;
        h[12..16].copy_from_slice(&[192, 0, 2, 10]);
        h[16..20].copy_from_slice(&[198, 51, 100, 20]);
        h[20..29].copy_from_slice(&[1, 131, 7, 4, 10, 0, 0, 9, 0]);
        let ip = Ipv4Packet::new_unchecked(&h[..]);
        assert_eq!(pseudo_destination(&ip), Ipv4Address::new(10, 0, 0, 9));
        // A 6-byte route (no full address after the pointer) is ignored.
        h[22] = 6;
        let ip = Ipv4Packet::new_unchecked(&h[..]);
        assert_eq!(pseudo_destination(&ip), Ipv4Address::new(198, 51, 100, 20));
        // No options: the destination field.
        h[0] = 0x45;
        let ip = Ipv4Packet::new_unchecked(&h[..]);
        assert_eq!(pseudo_destination(&ip), Ipv4Address::new(198, 51, 100, 20));
    }
}
