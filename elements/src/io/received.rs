//! What every device element does to a frame it just received, on the host and in the guest.

use crate::packet::{PacketType, WritablePacket};
use crate::wire::ethernet::{EtherType, EthernetAddress, EthernetFrame, HEADER_LEN};
use crate::wire::ipv4::Ipv4Packet;

/// Marks the network header of an IPv4 frame (`FORCE_IP`); false if it is not one.
pub fn mark_ip(p: &mut WritablePacket) -> bool {
    match EthernetFrame::new_checked(p.data()) {
        Ok(f) if f.ethertype() == EtherType::IPV4 => {}
        _ => return false,
    }
    let Some(hlen) = p
        .data()
        .get(HEADER_LEN..)
        .and_then(|d| Ipv4Packet::new_checked(d).ok())
        .map(|ip| ip.header_len())
    else {
        return false;
    };
    p.set_network_header(HEADER_LEN, hlen).is_ok()
}

/// The packet-type annotation Click's pcap path gives a frame: only the group bit of the
/// destination address is looked at.
pub fn packet_type_of(frame: &[u8]) -> PacketType {
    match EthernetAddress::from_bytes(frame) {
        Some(a) if a.is_broadcast() => PacketType::Broadcast,
        Some(a) if a.is_multicast() => PacketType::Multicast,
        _ => PacketType::Host,
    }
}
