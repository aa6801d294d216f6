//! Typed packet annotations: what Click's elements tell each other about a packet besides
//! its bytes (Click's annotation area, as named fields instead of byte offsets).

use core::fmt;

use crate::wire::Ipv4Address;

/// A point in time, in nanoseconds since the Unix epoch, as Click's `Timestamp` (which
/// Sluice keeps at nanosecond precision, the precision of ToDump's output).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The instant Click's `--simtime` clock stays at: 1000000000.000000.
    pub const SIMULATED_EPOCH: Timestamp = Timestamp::from_secs(1_000_000_000);

    /// `secs` whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Timestamp(secs * 1_000_000_000)
    }

    /// Seconds and nanoseconds (`nsec` below 10^9).
    pub const fn from_parts(secs: u64, nsec: u32) -> Self {
        Timestamp(secs * 1_000_000_000 + nsec as u64)
    }

    /// Whole seconds.
    pub const fn secs(self) -> u64 {
        self.0 / 1_000_000_000
    }

    /// Nanoseconds past the whole second.
    pub const fn subsec_nanos(self) -> u32 {
        (self.0 % 1_000_000_000) as u32
    }

    /// Microseconds past the whole second.
    pub const fn subsec_micros(self) -> u32 {
        self.subsec_nanos() / 1000
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Nanoseconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn nanos_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Timestamp {
    /// Click's form: seconds, a dot, six digits of microseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.secs(), self.subsec_micros())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.secs(), self.subsec_nanos())
    }
}

/// Who a frame was addressed to, as Click's packet type annotation (and Linux's
/// `PACKET_HOST`... values, in the same order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum PacketType {
    /// To this host (the default).
    #[default]
    Host = 0,
    /// To the link-layer broadcast address.
    Broadcast = 1,
    /// To a link-layer multicast address.
    Multicast = 2,
    /// To another host (seen in promiscuous mode).
    OtherHost = 3,
    /// Sent by this host.
    Outgoing = 4,
    /// Looped back.
    Loopback = 5,
    /// Fast-routed.
    Fastroute = 6,
}

impl PacketType {
    /// Click's keyword for the type (`HOST`, `BROADCAST`, ...), as HostEtherFilter and
    /// Print write it.
    pub const fn keyword(self) -> &'static str {
        match self {
            PacketType::Host => "HOST",
            PacketType::Broadcast => "BROADCAST",
            PacketType::Multicast => "MULTICAST",
            PacketType::OtherHost => "OTHERHOST",
            PacketType::Outgoing => "OUTGOING",
            PacketType::Loopback => "LOOPBACK",
            PacketType::Fastroute => "FASTROUTE",
        }
    }
}

/// The annotations every packet carries. A fresh packet has them all at their defaults
/// (zero, as Click clears its annotation area); [`crate::packet::Packet::share`] copies them,
/// so each clone has its own.
///
/// The network and transport header positions, which Click also calls annotations, are kept
/// by the packet itself (`set_network_header`...), because they must stay inside its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Annotations {
    /// Destination IP (Click's `DST_IP_ANNO`): set by GetIPAddress, IP lookups and
    /// SetIPAddress, read by ARPQuerier and ICMPError.
    pub dst_ip: Ipv4Address,
    /// Paint color (Click's `PAINT_ANNO`): Paint, PaintTee, PaintSwitch, CheckPaint.
    pub paint: u8,
    /// The byte an ICMP parameter problem points at (`ICMP_PARAMPROB_ANNO`), set by
    /// IPGWOptions for ICMPError.
    pub icmp_param_prob: u8,
    /// Ask FixIPSrc to rewrite the source address (`FIX_IP_SRC_ANNO`), set by ICMPError.
    pub fix_ip_src: bool,
    /// Link-layer addressing (`PACKET_TYPE_ANNO`), set by HostEtherFilter and FromDevice.
    pub packet_type: PacketType,
    /// 802.1Q tag control information (`VLAN_TCI_ANNO`), network byte order as Click
    /// stores it: set by VLANDecap, read by VLANEncap(ANNO).
    pub vlan_tci: u16,
    /// Index of the device the packet arrived on (`DEVICE_ANNO`), if a device set it.
    pub device: Option<u16>,
    /// Arrival or creation time (`TIMESTAMP_ANNO`).
    pub timestamp: Timestamp,
    /// Flow aggregate number (`AGGREGATE_ANNO`).
    pub aggregate: u32,
    /// Bytes the packet stands for beyond its own length (`EXTRA_LENGTH_ANNO`), as FromDump
    /// sets for truncated captures.
    pub extra_length: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn timestamp_parts_and_forms() {
        let t = Timestamp::from_parts(1_700_000_000, 5_000_123);
        assert_eq!(t.secs(), 1_700_000_000);
        assert_eq!(t.subsec_nanos(), 5_000_123);
        assert_eq!(format!("{t}"), "1700000000.005000");
        assert_eq!(format!("{t:?}"), "1700000000.005000123");
        assert_eq!(
            format!("{}", Timestamp::SIMULATED_EPOCH),
            "1000000000.000000"
        );
        assert_eq!(
            t.nanos_since(Timestamp::from_secs(1_700_000_000)),
            5_000_123
        );
        assert_eq!(Timestamp::from_secs(1).nanos_since(t), 0);
    }

    #[test]
    fn defaults_are_zero() {
        let a = Annotations::default();
        assert!(a.dst_ip.is_unspecified());
        assert_eq!((a.paint, a.vlan_tci, a.device), (0, 0, None));
        assert_eq!(a.packet_type, PacketType::Host);
    }
}
