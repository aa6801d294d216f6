//! IPv4 addresses and prefixes, with Click's text forms.
//!
//! Click writes an address as `10.0.0.1` and a prefix as `10.0.0.0/8` or
//! `10.0.0.0/255.0.0.0`. A prefix whose mask is not contiguous is accepted only in the
//! address/mask form, as Click's `IPPrefixArg` does for masks; its length is then `None`.

use core::fmt;
use core::str::FromStr;

/// An IPv4 address in network byte order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ipv4Address(pub [u8; 4]);

impl Ipv4Address {
    /// `0.0.0.0`.
    pub const UNSPECIFIED: Ipv4Address = Ipv4Address([0; 4]);
    /// `255.255.255.255`.
    pub const BROADCAST: Ipv4Address = Ipv4Address([255; 4]);

    /// Builds an address from its four octets.
    pub const fn new(a: u8, b: u8, c: u8, d: u8) -> Self {
        Ipv4Address([a, b, c, d])
    }

    /// Reads an address from the first four bytes of `bytes`, or `None` if there are fewer.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let octets: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
        Some(Ipv4Address(octets))
    }

    /// The address as a host-order integer (`10.0.0.1` is `0x0a000001`).
    pub const fn to_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }

    /// The address whose host-order integer is `v`.
    pub const fn from_u32(v: u32) -> Self {
        Ipv4Address(v.to_be_bytes())
    }

    /// The four octets in network order.
    pub const fn octets(self) -> [u8; 4] {
        self.0
    }

    /// True for `0.0.0.0`.
    pub const fn is_unspecified(self) -> bool {
        self.to_u32() == 0
    }

    /// True for `255.255.255.255`.
    pub const fn is_broadcast(self) -> bool {
        self.to_u32() == u32::MAX
    }

    /// True for class D, `224.0.0.0/4`.
    pub const fn is_multicast(self) -> bool {
        self.0[0] & 0xf0 == 0xe0
    }

    /// Bitwise AND with a mask.
    pub const fn mask(self, mask: Ipv4Address) -> Ipv4Address {
        Ipv4Address::from_u32(self.to_u32() & mask.to_u32())
    }
}

/// The text did not hold an address or prefix in one of Click's forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressParseError;

impl fmt::Display for AddressParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid address")
    }
}

impl FromStr for Ipv4Address {
    type Err = AddressParseError;

    /// Parses dotted-quad text. Each part is decimal, 0 to 255, one to three digits; exactly
    /// four parts (Click's `IPAddressArg` also accepts fewer parts for prefixes only, which
    /// [`Ipv4Prefix`] handles).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (octets, n) = parse_dotted(s)?;
        if n != 4 {
            return Err(AddressParseError);
        }
        Ok(Ipv4Address(octets))
    }
}

/// Parses one to four dot-separated decimal octets; returns them and how many there were.
fn parse_dotted(s: &str) -> Result<([u8; 4], usize), AddressParseError> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 || part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(AddressParseError);
        }
        let v: u16 = part.parse().map_err(|_| AddressParseError)?;
        octets[n] = u8::try_from(v).map_err(|_| AddressParseError)?;
        n += 1;
    }
    Ok((octets, n))
}

impl fmt::Display for Ipv4Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

impl fmt::Debug for Ipv4Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An address with a mask: a network (`10.0.0.0/8`) or an interface address with its
/// subnet (`10.0.0.1/8`, whose address part is kept as written).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ipv4Prefix {
    /// The address as written (not masked).
    pub address: Ipv4Address,
    /// The mask, for example `255.0.0.0`.
    pub mask: Ipv4Address,
}

impl Ipv4Prefix {
    /// A prefix of `len` bits (0 to 32; larger values are clamped to 32).
    pub const fn new(address: Ipv4Address, len: u8) -> Self {
        Ipv4Prefix {
            address,
            mask: Self::mask_of_len(len),
        }
    }

    /// The mask with `len` leading one bits.
    pub const fn mask_of_len(len: u8) -> Ipv4Address {
        let len = if len > 32 { 32 } else { len };
        if len == 0 {
            Ipv4Address::UNSPECIFIED
        } else {
            Ipv4Address::from_u32(u32::MAX << (32 - len as u32))
        }
    }

    /// The prefix length, or `None` if the mask is not contiguous.
    pub const fn len(self) -> Option<u8> {
        let m = self.mask.to_u32();
        let ones = m.leading_ones();
        let rest = match m.checked_shl(ones) {
            Some(r) => r,
            None => 0,
        };
        if rest == 0 {
            Some(ones as u8)
        } else {
            None
        }
    }

    /// True for `/0`.
    pub const fn is_empty(self) -> bool {
        self.mask.to_u32() == 0
    }

    /// The network address (address AND mask).
    pub const fn network(self) -> Ipv4Address {
        self.address.mask(self.mask)
    }

    /// The subnet's directed broadcast address (network OR NOT mask).
    pub const fn broadcast(self) -> Ipv4Address {
        Ipv4Address::from_u32(self.network().to_u32() | !self.mask.to_u32())
    }

    /// True if `addr` lies in this prefix.
    pub const fn contains(self, addr: Ipv4Address) -> bool {
        addr.to_u32() & self.mask.to_u32() == self.network().to_u32()
    }
}

impl FromStr for Ipv4Prefix {
    type Err = AddressParseError;

    /// Parses `ADDR/LEN` or `ADDR/MASK`. As in Click, the address part of a prefix may have
    /// fewer than four parts (`10/8` means `10.0.0.0/8`). A bare address is a /32.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr_text, mask_text) = match s.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (s, None),
        };
        let (octets, n) = parse_dotted(addr_text)?;
        let address = Ipv4Address(octets);
        let Some(mask_text) = mask_text else {
            if n != 4 {
                return Err(AddressParseError);
            }
            return Ok(Ipv4Prefix::new(address, 32));
        };
        if !mask_text.is_empty()
            && mask_text.len() <= 2
            && mask_text.bytes().all(|b| b.is_ascii_digit())
        {
            let len: u8 = mask_text.parse().map_err(|_| AddressParseError)?;
            if len > 32 {
                return Err(AddressParseError);
            }
            return Ok(Ipv4Prefix::new(address, len));
        }
        let mask: Ipv4Address = mask_text.parse()?;
        Ok(Ipv4Prefix { address, mask })
    }
}

impl fmt::Display for Ipv4Prefix {
    /// Click's unparse form: `ADDR/LEN` when the mask is contiguous, `ADDR/MASK` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.len() {
            Some(len) => write!(f, "{}/{}", self.address, len),
            None => write!(f, "{}/{}", self.address, self.mask),
        }
    }
}

impl fmt::Debug for Ipv4Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn address_round_trip() {
        let a: Ipv4Address = "10.0.0.1".parse().unwrap();
        assert_eq!(a, Ipv4Address::new(10, 0, 0, 1));
        assert_eq!(a.to_u32(), 0x0a00_0001);
        assert_eq!(a.to_string(), "10.0.0.1");
    }

    #[test]
    fn address_rejects_bad_text() {
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.0.0.1",
            "1..2.3",
            "a.b.c.d",
            "1.2.3.4 ",
            "0001.2.3.4",
        ] {
            assert!(bad.parse::<Ipv4Address>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prefix_forms() {
        let p: Ipv4Prefix = "10.0.0.0/8".parse().unwrap();
        assert_eq!(p.mask, Ipv4Address::new(255, 0, 0, 0));
        assert_eq!(p.len(), Some(8));
        let q: Ipv4Prefix = "10.0.0.0/255.0.0.0".parse().unwrap();
        assert_eq!(p, q);
        let r: Ipv4Prefix = "10/8".parse().unwrap();
        assert_eq!(r.network(), Ipv4Address::new(10, 0, 0, 0));
        let host: Ipv4Prefix = "1.2.3.4".parse().unwrap();
        assert_eq!(host.len(), Some(32));
        let zero: Ipv4Prefix = "0.0.0.0/0".parse().unwrap();
        assert!(zero.is_empty() && zero.contains(Ipv4Address::BROADCAST));
        assert!("1.2.3.4/33".parse::<Ipv4Prefix>().is_err());
        assert!("1.2.3.4/".parse::<Ipv4Prefix>().is_err());
    }

    #[test]
    fn prefix_membership_and_broadcast() {
        let p: Ipv4Prefix = "192.168.1.7/24".parse().unwrap();
        assert!(p.contains(Ipv4Address::new(192, 168, 1, 200)));
        assert!(!p.contains(Ipv4Address::new(192, 168, 2, 1)));
        assert_eq!(p.broadcast(), Ipv4Address::new(192, 168, 1, 255));
        assert_eq!(p.to_string(), "192.168.1.7/24");
        let odd = Ipv4Prefix {
            address: Ipv4Address::new(10, 0, 0, 0),
            mask: Ipv4Address::new(255, 0, 255, 0),
        };
        assert_eq!(odd.len(), None);
        assert_eq!(odd.to_string(), "10.0.0.0/255.0.255.0");
    }
}
