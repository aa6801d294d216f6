//! Criterion benchmarks for Sluice live in `benches/benches/`; this library holds what they
//! share. Run them with `cargo bench -p sluice-benches`.

use std::fmt::Write as _;

/// A configuration of about `elements` elements: a FromDump feeding a chain of compound
/// `Stage`s (Counter, Tee, Discard each), so checking it exercises parsing, compound
/// expansion, the connection checks and every element's configuration.
pub fn generated_config(elements: usize) -> String {
    let stages = elements.saturating_sub(2) / 3;
    let mut text = String::from(
        "elementclass Stage { input -> Counter -> t :: Tee(2); t[0] -> output; t[1] -> Discard; }\n\
         src :: FromDump(in.pcap, STOP true);\nsrc",
    );
    for i in 0..stages {
        let _ = write!(text, " -> s{i} :: Stage");
        if i % 8 == 7 {
            text.push('\n');
        }
    }
    text.push_str(" -> Discard;\n");
    text
}

/// A small deterministic pseudo-random generator (xorshift64), so generated tables and
/// traffic are the same on every run.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (zero is replaced, xorshift has no zero state).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }
}

/// `n` random IPv4 routes as a route lookup element's configuration text
/// (`ADDR/LEN OUT, ...`, no gateways, so a lookup leaves the annotation alone), spread over
/// outputs `0..outputs`, with prefix lengths mostly 16 to 24 like a real table's, and a
/// default route last so every address has one. Also returns the prefixes, for picking
/// destinations that fall inside them.
pub fn random_routes(n: usize, outputs: u32, seed: u64) -> (String, Vec<(u32, u8)>) {
    let mut rng = XorShift::new(seed);
    let mut text = String::with_capacity(n * 24);
    let mut prefixes = Vec::with_capacity(n + 1);
    for i in 0..n {
        let len = match rng.below(16) {
            0 => 8 + rng.below(8),
            1..=11 => 16 + rng.below(9),
            _ => 25 + rng.below(8),
        } as u8;
        let mask = u32::MAX << (32 - u32::from(len));
        let addr = rng.next_u32() & mask;
        let o = addr.to_be_bytes();
        let _ = write!(
            text,
            "{}.{}.{}.{}/{len} {}, ",
            o[0],
            o[1],
            o[2],
            o[3],
            i as u32 % outputs
        );
        prefixes.push((addr, len));
    }
    text.push_str("0.0.0.0/0 0");
    prefixes.push((0, 0));
    (text, prefixes)
}

/// IP protocol numbers for [`ipv4_frame`].
pub const TCP: u8 = 6;
/// UDP.
pub const UDP: u8 = 17;
/// ICMP (the frame carries an echo request; the ports are ignored).
pub const ICMP: u8 = 1;

/// A 64-byte Ethernet/IPv4 frame (IP header of 20 bytes at offset 14, correct IP checksum)
/// carrying a TCP (with `tcp_flags`), UDP or ICMP echo header and zero payload.
pub fn ipv4_frame(
    proto: u8,
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    tcp_flags: u8,
) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[..14].copy_from_slice(&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
    let ip = &mut f[14..];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&50u16.to_be_bytes());
    ip[4..6].copy_from_slice(&1u16.to_be_bytes());
    ip[8] = 64;
    ip[9] = proto;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&dst);
    let mut sum: u32 = ip[..20]
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    let l4 = &mut ip[20..];
    match proto {
        TCP => {
            l4[0..2].copy_from_slice(&sport.to_be_bytes());
            l4[2..4].copy_from_slice(&dport.to_be_bytes());
            l4[4..8].copy_from_slice(&1u32.to_be_bytes());
            l4[12] = 0x50;
            l4[13] = tcp_flags;
            l4[14..16].copy_from_slice(&8192u16.to_be_bytes());
        }
        UDP => {
            l4[0..2].copy_from_slice(&sport.to_be_bytes());
            l4[2..4].copy_from_slice(&dport.to_be_bytes());
            l4[4..6].copy_from_slice(&30u16.to_be_bytes());
        }
        _ => {
            l4[0] = 8;
            l4[4..6].copy_from_slice(&sport.to_be_bytes());
            l4[6..8].copy_from_slice(&1u16.to_be_bytes());
        }
    }
    f
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_have_a_valid_ip_checksum() {
        let f = super::ipv4_frame(super::TCP, [10, 0, 0, 1], [192, 0, 2, 9], 1234, 80, 0x02);
        assert_eq!(f.len(), 64);
        let sum: u32 = f[14..34]
            .chunks(2)
            .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
            .sum();
        assert_eq!((sum & 0xffff) + (sum >> 16), 0xffff);
    }

    #[test]
    fn random_routes_are_deterministic() {
        let (a, pa) = super::random_routes(100, 4, 7);
        let (b, _) = super::random_routes(100, 4, 7);
        assert_eq!(a, b);
        assert_eq!(pa.len(), 101);
        assert!(a.ends_with("0.0.0.0/0 0"));
    }

    #[test]
    fn generated_configs_have_the_size_asked_for() {
        let text = super::generated_config(5000);
        let (_, flat, errors) = sluice_router::lang::flatten_str(
            "gen.click",
            &text,
            &sluice_router::lang::FlattenOptions::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            (4990..=5000).contains(&flat.elements.len()),
            "{}",
            flat.elements.len()
        );
        let checked = sluice_router::instantiate::instantiate(flat);
        assert!(checked.errors.is_empty(), "{:?}", checked.errors.first());
    }
}
