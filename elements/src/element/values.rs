//! Values read from configuration arguments: [`FromArg`] for integers, booleans, strings,
//! data, addresses, times and bandwidths, each following the Click parser of the same kind
//! (`IntArg`, `BoolArg`, `StringArg`, `WordArg`, `IPAddressArg`, `IPPrefixArg`,
//! `EtherAddressArg`, `SecondsArg`, `BandwidthArg`, `DoubleArg`, `ElementArg`).
//!
//! Parsers see the argument text with its keyword removed and take all of it: trailing text
//! is an error, as in Click. Only the string-like values (`String`, [`Word`], [`Bytes`])
//! remove quotes; numbers and addresses are read as written.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::args::{expected, is_space, string_extent, unquote, FromArg, Resolver};
use crate::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

// ---------------------------------------------------------------------------------------
// Integers (Click's IntArg).

/// Why a number did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumError {
    /// Not a number in an accepted form.
    Invalid,
    /// A number, but too large (or small) for the type.
    Range,
}

/// Click's `IntArg` with base 0: an optional sign (`-` only when `signed`, `+` always), then
/// `0x` hexadecimal, `0b` binary, a leading `0` for octal, or decimal. A single underscore
/// may separate digits (`1_000_000`). Returns the sign and the magnitude.
fn parse_integer(text: &str, signed: bool) -> Result<(bool, u128), NumError> {
    let s = text.as_bytes();
    let negative = signed && s.first() == Some(&b'-');
    let mut i = usize::from(negative || s.first() == Some(&b'+'));
    // The base prefix needs at least one byte after it, as in Click ("0x" alone is octal 0
    // followed by junk).
    let prefixed = |c: u8| i + 2 < s.len() && s[i] == b'0' && s[i + 1].eq_ignore_ascii_case(&c);
    let base: u32 = if prefixed(b'x') {
        i += 2;
        16
    } else if prefixed(b'b') {
        i += 2;
        2
    } else if s.get(i) == Some(&b'0') {
        8
    } else {
        10
    };
    let mut magnitude: Option<u128> = Some(0);
    let mut after_digit = false;
    let mut any = false;
    for &b in &s[i..] {
        if b == b'_' && after_digit {
            after_digit = false;
            continue;
        }
        let d = (b as char).to_digit(base).ok_or(NumError::Invalid)?;
        magnitude = magnitude
            .and_then(|m| m.checked_mul(u128::from(base)))
            .and_then(|m| m.checked_add(u128::from(d)));
        after_digit = true;
        any = true;
    }
    if !any || !after_digit {
        return Err(NumError::Invalid);
    }
    magnitude.map(|m| (negative, m)).ok_or(NumError::Range)
}

macro_rules! unsigned_from_arg {
    ($($t:ty),*) => {$(
        impl FromArg for $t {
            const WHAT: &'static str = "unsigned integer";

            fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
                match parse_integer(text, false) {
                    Ok((_, m)) => <$t>::try_from(m).map_err(|_| range_bound(<$t>::MAX)),
                    Err(NumError::Range) => Err(range_bound(<$t>::MAX)),
                    Err(NumError::Invalid) => Err(expected::<$t>()),
                }
            }
        }
    )*};
}

macro_rules! signed_from_arg {
    ($($t:ty),*) => {$(
        impl FromArg for $t {
            const WHAT: &'static str = "integer";

            fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
                let (negative, m) = match parse_integer(text, true) {
                    Ok(v) => v,
                    Err(NumError::Range) => {
                        let negative = text.starts_with('-');
                        return Err(range_bound(if negative { <$t>::MIN } else { <$t>::MAX }));
                    }
                    Err(NumError::Invalid) => return Err(expected::<$t>()),
                };
                let wide = if negative {
                    0i128.checked_sub_unsigned(m)
                } else {
                    i128::try_from(m).ok()
                };
                let bound = if negative { <$t>::MIN } else { <$t>::MAX };
                wide.and_then(|w| <$t>::try_from(w).ok()).ok_or_else(|| range_bound(bound))
            }
        }
    )*};
}

unsigned_from_arg!(u8, u16, u32, u64, u128, usize);
signed_from_arg!(i8, i16, i32, i64, i128, isize);

/// Click's range message: `out of range, bound 255`.
fn range_bound(bound: impl core::fmt::Display) -> String {
    format!("out of range, bound {bound}")
}

// ---------------------------------------------------------------------------------------
// Booleans (Click's BoolArg).

impl FromArg for bool {
    const WHAT: &'static str = "boolean";

    /// `true`, `yes`, `t`, `y`, `1` and `false`, `no`, `f`, `n`, `0`; lower case only.
    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        match text {
            "1" | "t" | "y" | "true" | "yes" => Ok(true),
            "0" | "f" | "n" | "false" | "no" => Ok(false),
            _ => Err(expected::<bool>()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Strings (Click's StringArg, WordArg, AnyArg).

/// Click's `cp_string`: one possibly-quoted string with no unquoted space, unquoted.
fn cp_string(text: &str) -> Option<Vec<u8>> {
    let s = text.as_bytes();
    if s.is_empty() || string_extent(s) != s.len() {
        return None;
    }
    Some(unquote(text))
}

impl FromArg for String {
    const WHAT: &'static str = "string";

    /// Click's `StringArg`: `"hello world"`, `'it'`, `abc`, `a"b c"d` (quotes may be
    /// anywhere, unquoted space may not). Escapes are expanded inside double quotes.
    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        let bytes = cp_string(text).ok_or_else(expected::<String>)?;
        String::from_utf8(bytes).map_err(|_| String::from("string is not valid UTF-8"))
    }
}

/// One word (Click's `WordArg`): a string that, after unquoting, is non-empty and consists
/// of printable ASCII other than quotes, backslash and comma, with no space.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash)]
pub struct Word(pub String);

impl FromArg for Word {
    const WHAT: &'static str = "word";

    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        let bytes = cp_string(text).ok_or_else(expected::<Word>)?;
        let is_word = !bytes.is_empty()
            && bytes
                .iter()
                .all(|&b| b > b' ' && b < 0x7f && !matches!(b, b'"' | b'\'' | b'\\' | b','));
        if !is_word {
            return Err(expected::<Word>());
        }
        String::from_utf8(bytes)
            .map(Word)
            .map_err(|_| expected::<Word>())
    }
}

/// A data string: Click's `StringArg` result as bytes, so escapes like `"\xff"` and
/// `\<0a 0b>` may produce any byte.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash)]
pub struct Bytes(pub Vec<u8>);

impl FromArg for Bytes {
    const WHAT: &'static str = "data string";

    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        cp_string(text).map(Bytes).ok_or_else(expected::<Bytes>)
    }
}

/// The argument text exactly as written, quotes and all (Click's `AnyArg`).
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash)]
pub struct Raw(pub String);

impl FromArg for Raw {
    const WHAT: &'static str = "argument";

    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        Ok(Raw(String::from(text)))
    }
}

// ---------------------------------------------------------------------------------------
// Addresses (Click's IPAddressArg, IPPrefixArg, EtherAddressArg).

impl FromArg for Ipv4Address {
    const WHAT: &'static str = "IP address";

    /// Dotted quad, or an `AddressInfo` name.
    fn from_arg(text: &str, names: &dyn Resolver) -> Result<Self, String> {
        text.parse()
            .ok()
            .or_else(|| names.ip_address(text))
            .ok_or_else(expected::<Self>)
    }
}

impl FromArg for Ipv4Prefix {
    const WHAT: &'static str = "IP address prefix";

    /// `ADDR/LEN`, `ADDR/MASK`, a bare address (a /32), or `AddressInfo` names: a name for a
    /// prefix, a name for an address (a /32), or `NAME/LEN` and `NAME/MASK`.
    fn from_arg(text: &str, names: &dyn Resolver) -> Result<Self, String> {
        if let Ok(p) = text.parse() {
            return Ok(p);
        }
        if let Some(p) = names.ip_prefix(text) {
            return Ok(p);
        }
        if let Some(a) = names.ip_address(text) {
            return Ok(Ipv4Prefix::new(a, 32));
        }
        if let Some((name, mask)) = text.split_once('/') {
            if let (Some(address), Ok(m)) = (
                names.ip_address(name),
                format!("0.0.0.0/{mask}").parse::<Ipv4Prefix>(),
            ) {
                return Ok(Ipv4Prefix {
                    address,
                    mask: m.mask,
                });
            }
        }
        Err(expected::<Self>())
    }
}

impl FromArg for EthernetAddress {
    const WHAT: &'static str = "Ethernet address";

    /// `00:1a:2B:3c:4d:5e`, `0-1a-2b-3c-4d-5e`, or an `AddressInfo` name.
    fn from_arg(text: &str, names: &dyn Resolver) -> Result<Self, String> {
        text.parse::<EthernetAddress>()
            .ok()
            .or_else(|| names.ether_address(text))
            .ok_or_else(expected::<Self>)
    }
}

/// A reference to another element of the router, by index (Click's `ElementArg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct ElementRef(pub usize);

impl FromArg for ElementRef {
    const WHAT: &'static str = "element name";

    fn from_arg(text: &str, names: &dyn Resolver) -> Result<Self, String> {
        names
            .element(text)
            .map(ElementRef)
            .ok_or_else(|| String::from("does not name an element"))
    }
}

// ---------------------------------------------------------------------------------------
// Decimal numbers with units (Click's parse_fraction and UnitArg).

/// A non-negative decimal `digits × 10^exp`.
struct Decimal {
    digits: Vec<u8>,
    exp: i64,
}

/// Click's `preparse_fraction` for unsigned numbers: optional `+`, digits with at most one
/// `.` (`5.`, `.5`), single underscores after digits, and an optional exponent
/// (`e3`, `E-2`). The whole text must be used.
fn parse_decimal(s: &[u8]) -> Option<Decimal> {
    let mut i = usize::from(s.first() == Some(&b'+'));
    let start = i;
    let mut digits = Vec::new();
    let mut fraction_digits: i64 = 0;
    let (mut point, mut after_digit) = (false, false);
    while i < s.len() {
        match s[i] {
            b'_' if after_digit => after_digit = false,
            b'.' if !point && (after_digit || i == start) => {
                point = true;
                after_digit = false;
            }
            b @ b'0'..=b'9' => {
                digits.push(b - b'0');
                fraction_digits += i64::from(point);
                after_digit = true;
            }
            _ => break,
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if i + 1 < s.len() && matches!(s[i], b'e' | b'E') {
        let negative = s[i + 1] == b'-';
        let mut j = i + 1 + usize::from(matches!(s[i + 1], b'-' | b'+'));
        if j < s.len() && s[j].is_ascii_digit() {
            while j < s.len() && s[j].is_ascii_digit() {
                exp = (exp * 10 + i64::from(s[j] - b'0')).min(1_000_000);
                j += 1;
            }
            if negative {
                exp = -exp;
            }
            i = j;
        }
    }
    (i == s.len()).then_some(Decimal {
        digits,
        exp: exp - fraction_digits,
    })
}

/// `value × factor × 10^power`, rounded half up to an integer.
fn scale(d: &Decimal, power: i64, factor: u128) -> Result<u128, NumError> {
    let zeros = d.digits.iter().take_while(|&&x| x == 0).count();
    let digits = &d.digits[zeros..];
    if digits.is_empty() {
        return Ok(0);
    }
    let accumulate = |ds: &[u8]| -> Option<u128> {
        ds.iter()
            .try_fold(0u128, |v, &x| v.checked_mul(10)?.checked_add(u128::from(x)))
    };
    let e = d.exp + power;
    if e >= 0 {
        let e = u32::try_from(e).map_err(|_| NumError::Range)?;
        let v = accumulate(digits)
            .and_then(|v| v.checked_mul(10u128.checked_pow(e)?))
            .and_then(|v| v.checked_mul(factor));
        return v.ok_or(NumError::Range);
    }
    let k = usize::try_from(-e).unwrap_or(usize::MAX);
    if k > digits.len() + 40 {
        return Ok(0);
    }
    let int_len = digits.len().saturating_sub(k);
    // Twelve fraction digits are plenty: factors are below 10^5, so what they lose only
    // matters for exact ties.
    const KEEP: usize = 12;
    let leading_zeros = k - (digits.len() - int_len);
    let fraction =
        core::iter::repeat_n(0u8, leading_zeros).chain(digits[int_len..].iter().copied());
    let kept: Vec<u8> = fraction.take(KEEP).collect();
    let unit = 10u128.pow(kept.len() as u32);
    let x = accumulate(&digits[..int_len])
        .and_then(|i| i.checked_mul(unit)?.checked_add(accumulate(&kept)?))
        .and_then(|v| v.checked_mul(factor))
        .ok_or(NumError::Range)?;
    let (q, r) = (x / unit, x % unit);
    Ok(if r * 2 >= unit { q + 1 } else { q })
}

/// One unit: suffix, power of ten, factor.
type Unit = (&'static [u8], i64, u128);

/// Click's `UnitArg::parse`: finds the first unit whose suffix ends `s`, then an optional
/// prefix letter right before it, then drops space before the unit. Returns the number part,
/// the power of ten and the factor.
fn strip_unit<'t>(s: &'t [u8], units: &[Unit], prefixes: &[(u8, i64)]) -> (&'t [u8], i64, u128) {
    for &(suffix, power, factor) in units {
        if let Some(rest) = s.strip_suffix(suffix) {
            let mut end = rest.len();
            let mut power = power;
            if let Some(&(_, p)) = end
                .checked_sub(1)
                .and_then(|last| prefixes.iter().find(|(c, _)| *c == s[last]))
            {
                power += p;
                end -= 1;
            }
            while end > 0 && is_space(s[end - 1]) {
                end -= 1;
            }
            return (&s[..end], power, factor);
        }
    }
    (s, 0, 1)
}

/// Click's `SecondsArg` units; `m` is minutes, and the prefixes `m`, `u`, `n` apply to every
/// unit (`ms`, `usec`, `ns`).
const SECONDS_UNITS: &[Unit] = &[
    (b"s", 0, 1),
    (b"sec", 0, 1),
    (b"m", 1, 6),
    (b"min", 1, 6),
    (b"h", 2, 36),
    (b"hr", 2, 36),
    (b"d", 2, 864),
    (b"day", 2, 864),
];
const SECONDS_PREFIXES: &[(u8, i64)] = &[(b'm', -3), (b'u', -6), (b'n', -9)];

impl FromArg for Duration {
    const WHAT: &'static str = "time in seconds";

    /// Click's `SecondsArg`: a non-negative decimal number of seconds (`1.5`, `2e-3`),
    /// optionally followed by a unit: `s`/`sec`, `m`/`min`, `h`/`hr`, `d`/`day`, each of
    /// which takes a `m`, `u` or `n` prefix (`10ms`, `5 usec`). Rounded to the nanosecond.
    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        let (number, power, factor) = strip_unit(text.as_bytes(), SECONDS_UNITS, SECONDS_PREFIXES);
        let d = parse_decimal(number).ok_or_else(expected::<Duration>)?;
        let nanos = scale(&d, power + 9, factor).map_err(|_| String::from("out of range"))?;
        let secs =
            u64::try_from(nanos / 1_000_000_000).map_err(|_| String::from("out of range"))?;
        Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
    }
}

/// A rate in bytes per second (Click's `BandwidthArg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Bandwidth(pub u64);

/// Click's `BandwidthArg` units: bits (`bps`, `b/s`, `baud`) and bytes (`Bps`, `B/s`).
const BANDWIDTH_UNITS: &[Unit] = &[
    (b"baud", -3, 125),
    (b"bps", -3, 125),
    (b"b/s", -3, 125),
    (b"Bps", 0, 1),
    (b"B/s", 0, 1),
];
/// Decimal prefixes; `k` and `K` both mean 1000.
const BANDWIDTH_PREFIXES: &[(u8, i64)] = &[(b'k', 3), (b'K', 3), (b'M', 6), (b'G', 9)];

impl FromArg for Bandwidth {
    const WHAT: &'static str = "bandwidth";

    /// A decimal number with a unit: `10Mbps` (bits), `1.5 MBps` or `2kB/s` (bytes). A plain
    /// number is bytes per second, as in Click (which also warns about it). Rounded to the
    /// byte.
    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        let (number, power, factor) =
            strip_unit(text.as_bytes(), BANDWIDTH_UNITS, BANDWIDTH_PREFIXES);
        let d = parse_decimal(number).ok_or_else(expected::<Bandwidth>)?;
        let v = scale(&d, power, factor).map_err(|_| String::from("out of range"))?;
        u64::try_from(v)
            .map(Bandwidth)
            .map_err(|_| String::from("out of range"))
    }
}

impl FromArg for f64 {
    const WHAT: &'static str = "real number";

    /// Click's `DoubleArg` (`strtod` of the whole text): `1.5`, `-2e10`, `inf`, `nan`.
    fn from_arg(text: &str, _names: &dyn Resolver) -> Result<Self, String> {
        let v: f64 = text.parse().map_err(|_| expected::<f64>())?;
        if v.is_infinite() && !text.to_ascii_lowercase().contains("inf") {
            return Err(range_bound(v));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::args::NoNames;
    use alloc::string::ToString;

    fn read<T: FromArg>(text: &str) -> Result<T, String> {
        T::from_arg(text, &NoNames)
    }

    /// Names for the resolver tests.
    struct Names;

    impl Resolver for Names {
        fn ip_address(&self, name: &str) -> Option<Ipv4Address> {
            (name == "gw").then_some(Ipv4Address::new(10, 0, 0, 1))
        }
        fn ip_prefix(&self, name: &str) -> Option<Ipv4Prefix> {
            (name == "lan").then_some(Ipv4Prefix::new(Ipv4Address::new(192, 168, 0, 0), 16))
        }
        fn ether_address(&self, name: &str) -> Option<EthernetAddress> {
            (name == "eth0").then_some(EthernetAddress([2, 0, 0, 0, 0, 1]))
        }
        fn element(&self, name: &str) -> Option<usize> {
            (name == "src").then_some(3)
        }
    }

    #[test]
    fn integers_in_every_base() {
        assert_eq!(read::<u32>("0"), Ok(0));
        assert_eq!(read::<u32>("10"), Ok(10));
        assert_eq!(read::<u32>("+10"), Ok(10));
        assert_eq!(read::<u32>("0x1F"), Ok(31));
        assert_eq!(read::<u32>("0X1f"), Ok(31));
        assert_eq!(read::<u32>("017"), Ok(15));
        assert_eq!(read::<u32>("0b101"), Ok(5));
        assert_eq!(read::<u32>("1_000_000"), Ok(1_000_000));
        assert_eq!(read::<i32>("-5"), Ok(-5));
        assert_eq!(read::<i32>("-0x10"), Ok(-16));
        assert_eq!(read::<i16>("-0"), Ok(0));
        assert_eq!(read::<usize>("4096"), Ok(4096));
    }

    #[test]
    fn integers_reject_bad_text() {
        for bad in [
            "", "-1", "1_", "_1", "1__0", "0x", "0x_1", "08", "0b2", "abc", " 1", "1 ", "1.0", "+",
            "--1",
        ] {
            assert_eq!(
                read::<u32>(bad),
                Err("expected unsigned integer".to_string()),
                "{bad:?}"
            );
        }
        for bad in ["", "- 1", "+-1", "1e3"] {
            assert_eq!(
                read::<i64>(bad),
                Err("expected integer".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn integers_reject_overflow_with_bound() {
        assert_eq!(read::<u8>("255"), Ok(255));
        assert_eq!(
            read::<u8>("256"),
            Err("out of range, bound 255".to_string())
        );
        assert_eq!(
            read::<u8>("0x100"),
            Err("out of range, bound 255".to_string())
        );
        assert_eq!(read::<i8>("127"), Ok(127));
        assert_eq!(read::<i8>("-128"), Ok(-128));
        assert_eq!(
            read::<i8>("128"),
            Err("out of range, bound 127".to_string())
        );
        assert_eq!(
            read::<i8>("-129"),
            Err("out of range, bound -128".to_string())
        );
        assert_eq!(read::<u64>("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            read::<u64>("18446744073709551616"),
            Err(format!("out of range, bound {}", u64::MAX))
        );
        assert_eq!(
            read::<u128>("340282366920938463463374607431768211455"),
            Ok(u128::MAX)
        );
        assert!(read::<u128>("340282366920938463463374607431768211456").is_err());
        assert_eq!(
            read::<i128>("-170141183460469231731687303715884105728"),
            Ok(i128::MIN)
        );
        assert_eq!(
            read::<i128>("-170141183460469231731687303715884105729"),
            Err(format!("out of range, bound {}", i128::MIN))
        );
        assert_eq!(
            read::<i128>("-999999999999999999999999999999999999999999"),
            Err(format!("out of range, bound {}", i128::MIN))
        );
    }

    #[test]
    fn booleans_like_boolarg() {
        for t in ["1", "t", "y", "true", "yes"] {
            assert_eq!(read::<bool>(t), Ok(true), "{t}");
        }
        for f in ["0", "f", "n", "false", "no"] {
            assert_eq!(read::<bool>(f), Ok(false), "{f}");
        }
        for bad in ["TRUE", "on", "off", "2", "", "yes "] {
            assert_eq!(
                read::<bool>(bad),
                Err("expected boolean".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn strings_unquote() {
        assert_eq!(read::<String>("abc"), Ok("abc".to_string()));
        assert_eq!(
            read::<String>("\"hello world\""),
            Ok("hello world".to_string())
        );
        assert_eq!(read::<String>("a\"b c\"d"), Ok("ab cd".to_string()));
        assert_eq!(read::<String>("'x\\ny'"), Ok("x\\ny".to_string()));
        assert_eq!(read::<String>("\"x\\ny\""), Ok("x\ny".to_string()));
        assert_eq!(read::<String>("\"\""), Ok(String::new()));
        assert_eq!(read::<String>("\\<48 69>"), Ok("Hi".to_string()));
        assert_eq!(read::<String>("\"é\""), Ok("é".to_string()));
        assert_eq!(
            read::<String>("hello world"),
            Err("expected string".to_string())
        );
        assert_eq!(
            read::<String>("\"\\xff\""),
            Err("string is not valid UTF-8".to_string())
        );
    }

    #[test]
    fn words() {
        assert_eq!(read::<Word>("abc"), Ok(Word("abc".to_string())));
        assert_eq!(read::<Word>("'a/b'"), Ok(Word("a/b".to_string())));
        for bad in ["\"a b\"", "\"a,b\"", "\"\"", "a b", "\"a\\\\b\"", "\"é\""] {
            assert_eq!(
                read::<Word>(bad),
                Err("expected word".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn data_strings() {
        assert_eq!(read::<Bytes>("\\<0a 0b>"), Ok(Bytes([10, 11].to_vec())));
        assert_eq!(
            read::<Bytes>("\"\\<0a0b>x\""),
            Ok(Bytes(b"\n\x0bx".to_vec()))
        );
        assert_eq!(
            read::<Bytes>("\"\\101\\x42\\xff\""),
            Ok(Bytes(b"AB\xff".to_vec()))
        );
        assert_eq!(
            read::<Bytes>("\\<00>'\\<00>'"),
            Ok(Bytes(b"\x00\\<00>".to_vec()))
        );
        assert_eq!(
            read::<Bytes>("\\<00> \\<01>"),
            Err("expected data string".to_string())
        );
        assert_eq!(read::<Raw>("\"a\" b"), Ok(Raw("\"a\" b".to_string())));
    }

    #[test]
    fn ip_addresses_and_names() {
        assert_eq!(
            read::<Ipv4Address>("10.0.0.2"),
            Ok(Ipv4Address::new(10, 0, 0, 2))
        );
        assert_eq!(
            Ipv4Address::from_arg("gw", &Names),
            Ok(Ipv4Address::new(10, 0, 0, 1))
        );
        for bad in ["10.0.0", "gw", "10.0.0.256", "\"10.0.0.1\""] {
            assert_eq!(
                read::<Ipv4Address>(bad),
                Err("expected IP address".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ip_prefixes_and_names() {
        let ten = Ipv4Prefix::new(Ipv4Address::new(10, 0, 0, 0), 8);
        assert_eq!(read::<Ipv4Prefix>("10/8"), Ok(ten));
        assert_eq!(read::<Ipv4Prefix>("10.0.0.0/255.0.0.0"), Ok(ten));
        assert_eq!(read::<Ipv4Prefix>("1.2.3.4").map(|p| p.len()), Ok(Some(32)));
        assert_eq!(
            Ipv4Prefix::from_arg("lan", &Names),
            Ok(Names.ip_prefix("lan").unwrap())
        );
        let gw = Ipv4Address::new(10, 0, 0, 1);
        assert_eq!(
            Ipv4Prefix::from_arg("gw", &Names),
            Ok(Ipv4Prefix::new(gw, 32))
        );
        assert_eq!(
            Ipv4Prefix::from_arg("gw/24", &Names),
            Ok(Ipv4Prefix::new(gw, 24))
        );
        assert_eq!(
            Ipv4Prefix::from_arg("gw/255.255.0.0", &Names),
            Ok(Ipv4Prefix::new(gw, 16))
        );
        for bad in ["10/33", "gw/8", "lan", "1.2.3.4/"] {
            assert_eq!(
                read::<Ipv4Prefix>(bad),
                Err("expected IP address prefix".to_string()),
                "{bad:?}"
            );
        }
        assert!(Ipv4Prefix::from_arg("gw/40", &Names).is_err());
    }

    #[test]
    fn ethernet_addresses() {
        let a = EthernetAddress([0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
        assert_eq!(read::<EthernetAddress>("00:1a:2B:3c:4d:5e"), Ok(a));
        assert_eq!(read::<EthernetAddress>("00-1A-2b-3C-4D-5E"), Ok(a));
        assert_eq!(
            read::<EthernetAddress>("0:1:2:3:4:5"),
            Ok(EthernetAddress([0, 1, 2, 3, 4, 5]))
        );
        assert_eq!(
            EthernetAddress::from_arg("eth0", &Names),
            Ok(EthernetAddress([2, 0, 0, 0, 0, 1]))
        );
        for bad in [
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "00:11-22:33:44:55",
            "000:11:22:33:44:55",
            "00:11:22:33:44:5g",
            "00::22:33:44:55",
            "001122334455",
            "eth0",
        ] {
            assert_eq!(
                read::<EthernetAddress>(bad),
                Err("expected Ethernet address".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn durations_with_units() {
        let ms = Duration::from_millis;
        assert_eq!(read::<Duration>("1"), Ok(Duration::from_secs(1)));
        assert_eq!(read::<Duration>("1.5"), Ok(ms(1500)));
        assert_eq!(read::<Duration>(".5s"), Ok(ms(500)));
        assert_eq!(read::<Duration>("2."), Ok(ms(2000)));
        assert_eq!(read::<Duration>("10ms"), Ok(ms(10)));
        assert_eq!(read::<Duration>("10 ms"), Ok(ms(10)));
        assert_eq!(read::<Duration>("5msec"), Ok(ms(5)));
        assert_eq!(read::<Duration>("3us"), Ok(Duration::from_micros(3)));
        assert_eq!(read::<Duration>("3usec"), Ok(Duration::from_micros(3)));
        assert_eq!(read::<Duration>("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(read::<Duration>("7nsec"), Ok(Duration::from_nanos(7)));
        assert_eq!(read::<Duration>("2sec"), Ok(Duration::from_secs(2)));
        assert_eq!(read::<Duration>("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(read::<Duration>("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(read::<Duration>("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(read::<Duration>("1hr"), Ok(Duration::from_secs(3600)));
        assert_eq!(read::<Duration>("1d"), Ok(Duration::from_secs(86400)));
        assert_eq!(read::<Duration>("2day"), Ok(Duration::from_secs(172_800)));
        assert_eq!(read::<Duration>("1e-3"), Ok(ms(1)));
        assert_eq!(read::<Duration>("1.5e3ms"), Ok(ms(1500)));
        assert_eq!(read::<Duration>("1_000ms"), Ok(Duration::from_secs(1)));
        // Rounded half up to the nanosecond.
        assert_eq!(
            read::<Duration>("0.0000000005"),
            Ok(Duration::from_nanos(1))
        );
        assert_eq!(read::<Duration>("1.4ns"), Ok(Duration::from_nanos(1)));
        assert_eq!(read::<Duration>("0.1ns"), Ok(Duration::ZERO));
        assert_eq!(read::<Duration>("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn durations_reject_bad_text() {
        for bad in [
            "", "s", "ms", "-1", "1 days", "abc", "1x", "1.2.3", "1 s s", "e3", "1e", ".",
        ] {
            assert_eq!(
                read::<Duration>(bad),
                Err("expected time in seconds".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(read::<Duration>("1e30"), Err("out of range".to_string()));
        assert_eq!(
            read::<Duration>("99999999999999999999999d"),
            Err("out of range".to_string())
        );
    }

    #[test]
    fn bandwidths() {
        assert_eq!(read::<Bandwidth>("1000"), Ok(Bandwidth(1000)));
        assert_eq!(read::<Bandwidth>("8bps"), Ok(Bandwidth(1)));
        assert_eq!(read::<Bandwidth>("10Mbps"), Ok(Bandwidth(1_250_000)));
        assert_eq!(read::<Bandwidth>("10 Mbps"), Ok(Bandwidth(1_250_000)));
        assert_eq!(read::<Bandwidth>("1kbps"), Ok(Bandwidth(125)));
        assert_eq!(read::<Bandwidth>("1Kbps"), Ok(Bandwidth(125)));
        assert_eq!(read::<Bandwidth>("1Gb/s"), Ok(Bandwidth(125_000_000)));
        assert_eq!(read::<Bandwidth>("2MBps"), Ok(Bandwidth(2_000_000)));
        assert_eq!(read::<Bandwidth>("1GBps"), Ok(Bandwidth(1_000_000_000)));
        assert_eq!(read::<Bandwidth>("1.5kB/s"), Ok(Bandwidth(1500)));
        assert_eq!(read::<Bandwidth>("100baud"), Ok(Bandwidth(13)));
        assert_eq!(read::<Bandwidth>("100Gbps"), Ok(Bandwidth(12_500_000_000)));
        for bad in ["fast", "10 Tbps", "-1", "", "Mbps", "10mbps", "10 M bps"] {
            assert_eq!(
                read::<Bandwidth>(bad),
                Err("expected bandwidth".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(
            read::<Bandwidth>("1e30GBps"),
            Err("out of range".to_string())
        );
    }

    #[test]
    fn reals() {
        assert_eq!(read::<f64>("1.5"), Ok(1.5));
        assert_eq!(read::<f64>("-2e3"), Ok(-2000.0));
        assert_eq!(read::<f64>(".25"), Ok(0.25));
        assert_eq!(read::<f64>("inf"), Ok(f64::INFINITY));
        for bad in ["", " 1", "1 ", "1.5x", "0x10", "1_0"] {
            assert_eq!(
                read::<f64>(bad),
                Err("expected real number".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(
            read::<f64>("1e999"),
            Err("out of range, bound inf".to_string())
        );
    }

    #[test]
    fn element_references() {
        assert_eq!(ElementRef::from_arg("src", &Names), Ok(ElementRef(3)));
        assert_eq!(
            ElementRef::from_arg("dst", &Names),
            Err("does not name an element".to_string())
        );
        assert_eq!(
            read::<ElementRef>("src"),
            Err("does not name an element".to_string())
        );
    }
}
