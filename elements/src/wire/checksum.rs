//! The Internet checksum (RFC 1071) and its incremental updates (RFC 1624).
//!
//! Vocabulary used throughout:
//!
//! - a *sum* is the folded 16-bit one's-complement sum of big-endian 16-bit words
//!   ([`sum`]); it is `0` only when every word is zero, otherwise it lies in `1..=0xFFFF`;
//! - a *checksum* is the complement of a sum ([`checksum`]), the value stored in a header;
//! - a header whose checksum is correct sums to `0xFFFF` over all its words, checksum
//!   included ([`verify`]).
//!
//! Partial sums of separate pieces (a pseudo-header and a segment, two halves of a buffer
//! split at an even offset) add with [`combine`].
//!
//! Nothing here panics or allocates.

use super::Ipv4Address;

/// Folds a wide one's-complement accumulator to 16 bits, adding carries back in until none is
/// left (the "end-around carry").
///
/// The result is congruent to `sum` modulo `0xFFFF` and is `0` only when `sum` is `0`.
pub const fn fold(mut sum: u64) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    // The loop leaves at most 16 significant bits.
    sum as u16
}

/// Adds `word` to a 64-bit one's-complement accumulator, wrapping the carry around.
///
/// Because `2^16 = 1 (mod 0xFFFF)`, a 64-bit end-around-carry sum of big-endian chunks is
/// congruent to the 16-bit sum of the words in those chunks.
#[inline(always)]
const fn add_carry(acc: u64, word: u64) -> u64 {
    let (sum, carry) = acc.overflowing_add(word);
    // After an overflow `sum <= u64::MAX - 1`, so adding the carry cannot overflow again.
    sum + carry as u64
}

/// The one's-complement sum of `data` read as big-endian 16-bit words, folded to 16 bits.
///
/// An odd trailing byte counts as the high byte of a word whose low byte is zero (RFC 1071,
/// section 4.1). The loop reads eight bytes at a time into a 64-bit accumulator, then
/// four, two and one, so a 1500-byte packet costs under 200 additions.
pub fn sum(data: &[u8]) -> u16 {
    let mut acc = 0u64;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let word: [u8; 8] = chunk
            .try_into()
            .expect("chunks_exact(8) yields 8-byte chunks");
        acc = add_carry(acc, u64::from_be_bytes(word));
    }
    let mut rest = chunks.remainder();
    if let Some((four, tail)) = rest.split_first_chunk::<4>() {
        acc = add_carry(acc, u64::from(u32::from_be_bytes(*four)));
        rest = tail;
    }
    if let Some((two, tail)) = rest.split_first_chunk::<2>() {
        acc = add_carry(acc, u64::from(u16::from_be_bytes(*two)));
        rest = tail;
    }
    if let Some(&last) = rest.first() {
        acc = add_carry(acc, u64::from(last) << 8);
    }
    fold(acc)
}

/// Combines partial sums (each from [`sum`], [`pseudo_header_v4`] or another `combine`) into
/// the sum of the concatenated data.
///
/// Only valid when every piece but the last has even length: an odd piece would shift the
/// bytes that follow it into the other half of their words.
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// The Internet checksum of `data`: the complement of its [`sum`].
///
/// Fill a header by zeroing its checksum field, calling this over the header, and storing the
/// result.
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// True if `data`, checksum field included, sums to `0xFFFF`, as a correctly checksummed
/// header does. This is Click's `click_in_cksum(data, len) == 0`.
pub fn verify(data: &[u8]) -> bool {
    sum(data) == 0xFFFF
}

/// The sum of the IPv4 pseudo-header that TCP and UDP checksums cover (RFC 793, RFC 768):
/// source and destination addresses, a zero byte, the protocol, and the transport length.
pub fn pseudo_header_v4(src: Ipv4Address, dst: Ipv4Address, protocol: u8, length: u16) -> u16 {
    let words = [
        u64::from(src.to_u32() >> 16),
        u64::from(src.to_u32() & 0xFFFF),
        u64::from(dst.to_u32() >> 16),
        u64::from(dst.to_u32() & 0xFFFF),
        u64::from(protocol),
        u64::from(length),
    ];
    fold(words.iter().sum())
}

/// The checksum of a TCP or UDP segment over IPv4: the complement of the pseudo-header sum
/// combined with the sum of `segment` (whose checksum field the caller has zeroed).
///
/// The pseudo-header carries `segment.len()` truncated to 16 bits; segments longer than
/// 65535 bytes cannot occur inside an IPv4 packet.
pub fn transport_checksum_v4(
    src: Ipv4Address,
    dst: Ipv4Address,
    protocol: u8,
    segment: &[u8],
) -> u16 {
    let length = u16::try_from(segment.len()).unwrap_or(u16::MAX);
    !combine(&[pseudo_header_v4(src, dst, protocol, length), sum(segment)])
}

/// Updates checksum `hc` after a 16-bit word of the covered data changed from `old` to `new`,
/// by RFC 1624 equation 3: `HC' = ~(~HC + ~m + m')`.
///
/// Equation 3 (unlike RFC 1141's `HC + m - m'`) never produces `0x0000` from data that is
/// not all zero, so for a checksum `hc` that was computed in full over data that stays not
/// all zero after the change, the result equals a full recomputation exactly. When the
/// updated data is all zero a full computation gives `0xFFFF` while this gives `0xFFFF` or
/// `0x0000` (the two zeros of one's-complement arithmetic, both of which verify).
pub fn update_u16(hc: u16, old: u16, new: u16) -> u16 {
    !fold(u64::from(!hc) + u64::from(!old) + u64::from(new))
}

/// Updates checksum `hc` after a 32-bit field changed from `old` to `new` (an IPv4 address
/// rewritten by NAT), as two RFC 1624 updates in one; see [`update_u16`] for what holds.
pub fn update_u32(hc: u16, old: u32, new: u32) -> u16 {
    let words = [
        u64::from(!hc),
        u64::from(!(old >> 16) & 0xFFFF),
        u64::from(!old & 0xFFFF),
        u64::from(new >> 16),
        u64::from(new & 0xFFFF),
    ];
    !fold(words.iter().sum())
}

/// The IPv4 header checksum after decrementing the TTL by one, exactly as Click's `DecIPTTL`
/// computes it.
///
/// Lowering the TTL byte by one lowers the TTL/protocol word by `0x0100`, so RFC 1624's
/// `~m + m'` is the constant `0xFEFF` and Click computes `~(~HC + 0xFEFF)`, adding the carry
/// back only once. One carry is always enough here (the largest intermediate, `0x1FEFE`,
/// folds to at most `0xFEFF`), so this equals [`update_u16`] for every input. Like RFC 1624
/// equation 3 it turns a checksum of `0xFEFF` into `0x0000`, never into `0xFFFF`.
pub fn dec_ip_ttl(hc: u16) -> u16 {
    let sum = u32::from(!hc) + 0xFEFF;
    // Click stores `~htons(sum + (sum >> 16))`: the truncation to 16 bits is deliberate.
    !((sum + (sum >> 16)) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The textbook RFC 1071 loop: 16 bits at a time into a 32-bit accumulator.
    fn naive_sum(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        let mut i = 0;
        while i + 1 < data.len() {
            acc += u32::from(data[i]) << 8 | u32::from(data[i + 1]);
            acc = (acc & 0xFFFF) + (acc >> 16);
            i += 2;
        }
        if i < data.len() {
            acc += u32::from(data[i]) << 8;
        }
        while acc > 0xFFFF {
            acc = (acc & 0xFFFF) + (acc >> 16);
        }
        acc as u16
    }

    /// The widely quoted worked example of an IPv4 header checksum (192.168.0.1 ->
    /// 192.168.0.199, UDP): 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7.
    const IP_HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    #[test]
    fn known_header_checksum() {
        assert!(verify(&IP_HEADER));
        let mut h = IP_HEADER;
        h[10] = 0;
        h[11] = 0;
        assert_eq!(checksum(&h), 0xb861);
    }

    #[test]
    fn rfc1071_example_sum() {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
        assert_eq!(
            sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0xddf2
        );
    }

    #[test]
    fn empty_and_odd() {
        assert_eq!(sum(&[]), 0);
        assert_eq!(sum(&[0xab]), 0xab00);
        assert_eq!(sum(&[0xff; 3]), 0xff00);
        assert_eq!(checksum(&[0, 0]), 0xffff);
    }

    /// Click's DecIPTTL on the five checksums of corpus case 05, each computed by hand from
    /// `sum = (~hc & 0xFFFF) + 0xFEFF; hc' = ~(uint16_t)(sum + (sum >> 16))`. The same five
    /// outputs appear in that case's `out-forward.pcap`, written by Click itself.
    #[test]
    fn dec_ip_ttl_matches_click() {
        let table: [(u16, u16); 5] = [
            // ~0xFEFF = 0x0100; + 0xFEFF = 0xFFFF, no carry; ~ = 0x0000.
            (0xFEFF, 0x0000),
            // ~0xFF00 = 0x00FF; + 0xFEFF = 0xFFFE; ~ = 0x0001.
            (0xFF00, 0x0001),
            // ~0xFFFE = 0x0001; + 0xFEFF = 0xFF00; ~ = 0x00FF.
            (0xFFFE, 0x00FF),
            // ~0x0000 = 0xFFFF; + 0xFEFF = 0x1FEFE; + 1 = 0x1FEFF -> 0xFEFF; ~ = 0x0100.
            (0x0000, 0x0100),
            // ~0x00FF = 0xFF00; + 0xFEFF = 0x1FDFF; + 1 = 0x1FE00 -> 0xFE00; ~ = 0x01FF.
            (0x00FF, 0x01FF),
        ];
        for (input, expected) in table {
            assert_eq!(dec_ip_ttl(input), expected, "input {input:#06x}");
        }
    }

    #[test]
    fn dec_ip_ttl_on_real_header() {
        let mut h = IP_HEADER;
        let hc = u16::from_be_bytes([h[10], h[11]]);
        h[8] -= 1;
        assert_eq!(dec_ip_ttl(hc), {
            h[10] = 0;
            h[11] = 0;
            checksum(&h)
        });
    }

    #[test]
    fn pseudo_header_known_value() {
        // 10.0.0.1 -> 10.0.0.2, UDP, length 12: 0x0a00+0x0001+0x0a00+0x0002+0x0011+0x000c.
        let s = pseudo_header_v4(
            Ipv4Address::new(10, 0, 0, 1),
            Ipv4Address::new(10, 0, 0, 2),
            17,
            12,
        );
        assert_eq!(s, 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0011 + 0x000c);
    }

    /// Writes `value` at even offset `at` and returns the word it replaced.
    fn put_u16(data: &mut [u8], at: usize, value: u16) -> u16 {
        let old = u16::from_be_bytes([data[at], data[at + 1]]);
        data[at..at + 2].copy_from_slice(&value.to_be_bytes());
        old
    }

    /// A random "header": 10 to 30 words, checksum at word `ck`, edited word `at != ck`.
    fn header_and_positions() -> impl Strategy<Value = (Vec<u8>, usize, usize)> {
        (10usize..30)
            .prop_flat_map(|words| {
                (
                    proptest::collection::vec(any::<u8>(), words * 2),
                    0..words,
                    0..words - 1,
                )
            })
            .prop_map(|(data, ck, at)| {
                let at = if at >= ck { at + 1 } else { at };
                (data, ck * 2, at * 2)
            })
    }

    proptest! {
        #[test]
        fn fast_sum_equals_naive(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(sum(&data), naive_sum(&data));
        }

        #[test]
        fn fast_sum_equals_naive_at_any_alignment(
            data in proptest::collection::vec(any::<u8>(), 0..80),
            start in 0usize..8,
        ) {
            let start = start.min(data.len());
            prop_assert_eq!(sum(&data[start..]), naive_sum(&data[start..]));
        }

        #[test]
        fn combine_equals_whole(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            split in 0usize..100,
        ) {
            let split = (split * 2).min(data.len() & !1);
            let (a, b) = data.split_at(split);
            prop_assert_eq!(combine(&[sum(a), sum(b)]), sum(&data));
        }

        /// RFC 1624 update of a fully computed checksum equals full recomputation whenever
        /// the updated data is not all zero; when it is, both results verify.
        #[test]
        fn update_u16_equals_recompute(
            (mut data, ck, at) in header_and_positions(),
            new in any::<u16>(),
        ) {
            put_u16(&mut data, ck, 0);
            let hc = checksum(&data);
            let old = put_u16(&mut data, at, new);
            let incremental = update_u16(hc, old, new);
            let full = checksum(&data);
            if data.iter().any(|&b| b != 0) {
                prop_assert_eq!(incremental, full);
            } else {
                prop_assert_eq!(full, 0xFFFF);
                prop_assert!(incremental == 0xFFFF || incremental == 0x0000);
            }
            put_u16(&mut data, ck, incremental);
            prop_assert!(verify(&data));
        }

        #[test]
        fn update_u32_equals_recompute(
            (mut data, ck, at) in header_and_positions(),
            new in any::<u32>(),
        ) {
            // A 32-bit field needs two words that avoid the checksum; use `at` and its
            // neighbour when that is not the checksum, else skip.
            prop_assume!(at + 2 != ck && at + 3 < data.len());
            put_u16(&mut data, ck, 0);
            let hc = checksum(&data);
            let old_hi = put_u16(&mut data, at, (new >> 16) as u16);
            let old_lo = put_u16(&mut data, at + 2, new as u16);
            let old = u32::from(old_hi) << 16 | u32::from(old_lo);
            let incremental = update_u32(hc, old, new);
            let full = checksum(&data);
            if data.iter().any(|&b| b != 0) {
                prop_assert_eq!(incremental, full);
            } else {
                prop_assert!(incremental == 0xFFFF || incremental == 0x0000);
            }
        }

        /// On any IPv4 header with a correct checksum and TTL >= 1, Click's DecIPTTL equals
        /// a full recomputation (an IPv4 header is never all zero: it starts with 0x4_).
        #[test]
        fn dec_ip_ttl_equals_recompute(
            mut h in proptest::collection::vec(any::<u8>(), 20),
            ttl in 1u8..=255,
        ) {
            h[0] = 0x45;
            h[8] = ttl;
            put_u16(&mut h, 10, 0);
            let hc = checksum(&h);
            h[8] = ttl - 1;
            prop_assert_eq!(dec_ip_ttl(hc), checksum(&h));
        }

        /// DecIPTTL is RFC 1624 equation 3 for every checksum value, valid or not.
        #[test]
        fn dec_ip_ttl_is_eqn3(hc in any::<u16>(), word in 0x0100u16..) {
            prop_assert_eq!(dec_ip_ttl(hc), update_u16(hc, word, word - 0x0100));
        }
    }
}
