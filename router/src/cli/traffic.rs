//! The benchmark harness's traffic: frames synthesised from a few flow descriptions, or
//! taken from a pcap file, and the profile that suits each shipped network function.
//!
//! Every profile says which NIC the traffic enters and which one the function sends it out
//! of, and gives frames of any size from 64 to 1518 bytes (FCS included, as RFC 2544
//! counts them) that the function forwards: the router gets packets for a routed prefix, the
//! NAT packets from its inside network, the load balancer packets for its virtual address,
//! the VLAN gateway frames tagged with its VLAN. The last 8 bytes of each frame carry its
//! send time (for latency), which no function here reads or rewrites.

use std::path::Path;

use sluice_elements::wire::checksum::checksum;

/// The MAC the shipped functions use on their device 0.
pub const ROUTER0_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
/// The generator's MAC.
pub const GENERATOR_MAC: [u8; 6] = [2, 0, 0, 0, 0x0a, 0x0a];

/// An IPv4 protocol the synthesiser can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// UDP, checksum 0 (none), as traffic generators usually send it.
    Udp,
    /// ICMP echo request, checksum correct for the zero payload (the stamp is not in it).
    IcmpEcho,
}

/// One flow of synthesised traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// Destination MAC.
    pub dst_mac: [u8; 6],
    /// 802.1Q VLAN ID to tag the frame with, if any.
    pub vlan: Option<u16>,
    /// Source address.
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
    /// Protocol.
    pub proto: Proto,
    /// Source port (UDP) or identifier (ICMP).
    pub sport: u16,
    /// Destination port (UDP).
    pub dport: u16,
}

impl Flow {
    /// A UDP flow to the router's device 0 from 192.0.2.10 to `dst`.
    pub fn udp(dst: [u8; 4]) -> Flow {
        Flow {
            dst_mac: ROUTER0_MAC,
            vlan: None,
            src: [192, 0, 2, 10],
            dst,
            proto: Proto::Udp,
            sport: 1234,
            dport: 5678,
        }
    }

    /// This flow's frame of `size` bytes on the wire (FCS included, so `size - 4` bytes are
    /// built), clamped to 64..=1518 (1522 tagged).
    pub fn frame(&self, size: usize) -> Vec<u8> {
        let tag = if self.vlan.is_some() { 4 } else { 0 };
        let len = size.saturating_sub(4).clamp(60, 1514 + tag);
        let mut f = vec![0u8; len];
        f[..6].copy_from_slice(&self.dst_mac);
        f[6..12].copy_from_slice(&GENERATOR_MAC);
        if let Some(vid) = self.vlan {
            f[12..14].copy_from_slice(&[0x81, 0x00]);
            f[14..16].copy_from_slice(&(vid & 0x0fff).to_be_bytes());
        }
        let ip = 14 + tag;
        f[ip - 2..ip].copy_from_slice(&[0x08, 0x00]);
        let ip_len = (len - ip) as u16;
        f[ip] = 0x45;
        f[ip + 2..ip + 4].copy_from_slice(&ip_len.to_be_bytes());
        f[ip + 8] = 64;
        f[ip + 9] = match self.proto {
            Proto::Udp => 17,
            Proto::IcmpEcho => 1,
        };
        f[ip + 12..ip + 16].copy_from_slice(&self.src);
        f[ip + 16..ip + 20].copy_from_slice(&self.dst);
        let sum = checksum(&f[ip..ip + 20]);
        f[ip + 10..ip + 12].copy_from_slice(&sum.to_be_bytes());
        let l4 = ip + 20;
        match self.proto {
            Proto::Udp => {
                f[l4..l4 + 2].copy_from_slice(&self.sport.to_be_bytes());
                f[l4 + 2..l4 + 4].copy_from_slice(&self.dport.to_be_bytes());
                f[l4 + 4..l4 + 6].copy_from_slice(&(ip_len - 20).to_be_bytes());
            }
            Proto::IcmpEcho => {
                f[l4] = 8;
                f[l4 + 4..l4 + 6].copy_from_slice(&self.sport.to_be_bytes());
                let sum = checksum(&f[l4..]);
                f[l4 + 2..l4 + 4].copy_from_slice(&sum.to_be_bytes());
            }
        }
        f
    }
}

/// Where a function takes its traffic and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// A short description, printed with the results.
    pub name: &'static str,
    /// The NIC the traffic enters.
    pub in_nic: usize,
    /// The NIC the function sends it out of.
    pub out_nic: usize,
    /// The flows, sent round-robin.
    pub flows: Vec<Flow>,
}

impl Profile {
    /// UDP from 192.0.2.10 to 198.51.100.10-20 into device 0, out of device 1: what a wire
    /// passes, a router routes (`configs/iprouter.click`'s eth1 network) and a monitor counts.
    pub fn routed() -> Profile {
        Profile {
            name: "UDP to 11 hosts",
            in_nic: 0,
            out_nic: 1,
            flows: (10..21).map(|d| Flow::udp([198, 51, 100, d])).collect(),
        }
    }

    /// The profile for the configuration at `path`, chosen by its file name (the shipped
    /// functions in `configs/`); anything else gets [`Profile::routed`].
    pub fn for_config(path: &Path) -> Profile {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let mut p = Profile::routed();
        match stem {
            "ethermirror" => {
                p.name = "UDP, mirrored back";
                p.out_nic = 0;
            }
            "firewall" => {
                p.name = "UDP from the inside (allowed)";
                for f in &mut p.flows {
                    f.src = [10, 0, 0, 10];
                }
            }
            "nat" => {
                p.name = "UDP, 64 inside flows";
                p.flows = (0..64u16)
                    .map(|k| Flow {
                        src: [10, 0, 0, 10 + (k % 8) as u8],
                        sport: 1000 + k,
                        ..Flow::udp([198, 51, 100, 20])
                    })
                    .collect();
            }
            "loadbalancer" => {
                p.name = "UDP to the VIP, 64 clients";
                p.flows = (0..64u16)
                    .map(|k| Flow {
                        src: [203, 0, 113, 1 + k as u8],
                        sport: 2000 + k,
                        ..Flow::udp([198, 51, 100, 10])
                    })
                    .collect();
            }
            "vlan-gateway" => {
                p.name = "UDP tagged VLAN 10";
                for f in &mut p.flows {
                    f.vlan = Some(10);
                }
            }
            "ratelimiter" => {
                p.name = "ICMP (the unshaped class)";
                for f in &mut p.flows {
                    f.proto = Proto::IcmpEcho;
                }
            }
            _ => {}
        }
        p
    }

    /// The same traffic spread over `n` flows: the profile's flows repeated in turn, each
    /// copy from its own source port (or ICMP identifier), so that a NAT or a load balancer
    /// sees `n` distinct flows.
    pub fn with_flows(mut self, n: usize) -> Profile {
        let base = std::mem::take(&mut self.flows);
        if base.is_empty() {
            return self;
        }
        self.flows = (0..n.max(1))
            .map(|k| {
                let f = base[k % base.len()];
                Flow {
                    sport: f.sport.wrapping_add((k / base.len()) as u16 * 97),
                    ..f
                }
            })
            .collect();
        self
    }

    /// One frame per flow, `size` bytes on the wire.
    pub fn frames(&self, size: usize) -> Vec<Vec<u8>> {
        self.flows.iter().map(|f| f.frame(size)).collect()
    }
}

/// The frames of a pcap or pcapng file, to be sent as they are (the stamp excepted).
pub fn pcap_frames(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let what = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(what)?;
    let mut reader =
        sluice_elements::io::pcap::PcapReader::new(std::io::BufReader::new(file)).map_err(what)?;
    let mut frames = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Some(rec) = reader.next_into(&mut buf).map_err(what)? {
        let len = (rec.caplen as usize).min(buf.len());
        // Frames too short to carry a stamp, or too long for a standard NIC, are skipped.
        if (STAMP_LEN + 14..=1518).contains(&len) {
            frames.push(buf[..len].to_vec());
        }
    }
    if frames.is_empty() {
        return Err(format!(
            "{}: no frames of 22 to 1518 bytes to send",
            path.display()
        ));
    }
    Ok(frames)
}

/// Bytes of send time at the end of each frame.
pub const STAMP_LEN: usize = 8;

/// Writes `nanos` into the last 8 bytes of `frame`.
pub fn stamp(frame: &mut [u8], nanos: u64) {
    if let Some(at) = frame.len().checked_sub(STAMP_LEN) {
        frame[at..].copy_from_slice(&nanos.to_be_bytes());
    }
}

/// The send time a frame carries in its last 8 bytes.
pub fn stamp_of(frame: &[u8]) -> Option<u64> {
    let at = frame.len().checked_sub(STAMP_LEN)?;
    let mut b = [0u8; STAMP_LEN];
    b.copy_from_slice(&frame[at..]);
    Some(u64::from_be_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_frames_have_the_size_asked_for_and_valid_headers() {
        for size in [64, 128, 1518, 9000] {
            let f = Flow::udp([198, 51, 100, 12]).frame(size);
            assert_eq!(f.len(), size.min(1518) - 4);
            assert_eq!(checksum(&f[14..34]), 0, "IP header checksum");
            assert_eq!(&f[30..34], &[198, 51, 100, 12]);
            assert_eq!(u16::from_be_bytes([f[16], f[17]]) as usize, f.len() - 14);
            assert_eq!(u16::from_be_bytes([f[38], f[39]]) as usize, f.len() - 34);
        }
    }

    #[test]
    fn tagged_and_icmp_frames() {
        let tagged = Flow {
            vlan: Some(10),
            ..Flow::udp([198, 51, 100, 12])
        }
        .frame(64);
        assert_eq!(tagged.len(), 60);
        assert_eq!(&tagged[12..18], &[0x81, 0, 0, 10, 8, 0]);
        assert_eq!(checksum(&tagged[18..38]), 0);
        let ping = Flow {
            proto: Proto::IcmpEcho,
            ..Flow::udp([198, 51, 100, 12])
        }
        .frame(128);
        assert_eq!(ping[23], 1);
        assert_eq!(ping[34], 8, "echo request");
        assert_eq!(checksum(&ping[34..]), 0, "ICMP checksum");
    }

    #[test]
    fn more_flows_are_distinct_five_tuples() {
        let p = Profile::for_config(Path::new("configs/nat.click")).with_flows(1000);
        assert_eq!(p.flows.len(), 1000);
        let mut keys: Vec<_> = p.flows.iter().map(|f| (f.src, f.sport, f.dst)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 1000, "every flow distinct");
        assert_eq!(Profile::routed().with_flows(3).flows.len(), 3);
    }

    #[test]
    fn stamps_round_trip_in_the_last_bytes() {
        let mut f = Flow::udp([198, 51, 100, 12]).frame(64);
        let head = f[..52].to_vec();
        stamp(&mut f, 0x0102_0304_0506_0708);
        assert_eq!(stamp_of(&f), Some(0x0102_0304_0506_0708));
        assert_eq!(&f[..52], &head[..], "only the last 8 bytes change");
        assert_eq!(stamp_of(&[1, 2, 3]), None);
    }

    #[test]
    fn every_shipped_function_has_a_profile_it_forwards() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs");
        for entry in std::fs::read_dir(&dir).expect("configs/") {
            let path = entry.expect("entry").path();
            let p = Profile::for_config(&path);
            assert!(!p.flows.is_empty());
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let named = [
                "wire",
                "iprouter",
                "flowmonitor",
                "ethermirror",
                "firewall",
                "nat",
                "loadbalancer",
                "vlan-gateway",
                "ratelimiter",
            ];
            assert!(
                named.contains(&stem),
                "{}: give it a traffic profile",
                path.display()
            );
        }
        let nat = Profile::for_config(Path::new("configs/nat.click"));
        assert_eq!(nat.flows.len(), 64);
        assert!(nat.frames(64).iter().all(|f| f[26] == 10), "from inside");
        assert_eq!(
            Profile::for_config(Path::new("x/ethermirror.click")).out_nic,
            0
        );
    }
}
