//! Rewrite patterns (Click's `IPRewriterPattern`) and flow identifiers (`IPFlowID`): parsing
//! `SADDR SPORT DADDR DPORT`, and choosing a free address or port for a new flow.

use alloc::format;
use alloc::string::String;
use core::fmt;

use crate::element::args::{FromArg, NoNames};
use crate::wire::{Ipv4Address, Ipv4Prefix};

/// A flow identifier: addresses and ports as host-order numbers of the network fields
/// (Click's `IPFlowID`; for ICMP pings the ports carry the identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub(crate) struct FlowId {
    pub saddr: u32,
    pub sport: u16,
    pub daddr: u32,
    pub dport: u16,
}

impl FlowId {
    /// The reply direction's identifier.
    pub fn reverse(self) -> FlowId {
        FlowId {
            saddr: self.daddr,
            sport: self.dport,
            daddr: self.saddr,
            dport: self.sport,
        }
    }

    /// The 16-bit words in Click's memory order (addresses, then ports), which is the order
    /// its checksum deltas are accumulated in.
    pub fn words(self) -> [u16; 6] {
        [
            (self.saddr >> 16) as u16,
            self.saddr as u16,
            (self.daddr >> 16) as u16,
            self.daddr as u16,
            self.sport,
            self.dport,
        ]
    }
}

impl fmt::Display for FlowId {
    /// Click's `IPFlowID::unparse`: `(SADDR, SPORT, DADDR, DPORT)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({}, {}, {}, {})",
            Ipv4Address::from_u32(self.saddr),
            self.sport,
            Ipv4Address::from_u32(self.daddr),
            self.dport
        )
    }
}

/// One pattern: fields to set (zero means "leave unchanged", as in Click) and an optional
/// range of source ports (NAPT) or source addresses (basic NAT) to pick from.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    saddr: u32,
    sport: u16,
    daddr: u32,
    dport: u16,
    variation_top: u32,
    next_variation: u32,
    is_napt: bool,
    sequential: bool,
    same_first: bool,
    rng: u32,
}

/// A dash, or nothing to parse.
fn is_dash(word: &str) -> bool {
    word == "-"
}

fn parse_addr(word: &str) -> Option<u32> {
    parse_addr_named(word, &NoNames)
}

/// An address, or a name AddressInfo (or a host interface) gives one.
fn parse_addr_named(word: &str, names: &dyn crate::element::args::Resolver) -> Option<u32> {
    Ipv4Address::from_arg(word, names)
        .ok()
        .map(Ipv4Address::to_u32)
}

fn parse_int(word: &str) -> Option<i64> {
    i32::from_arg(word, &NoNames).ok().map(i64::from)
}

/// Strips Click's `#` (sequential) or `?` (random, no preference for the packet's own
/// value) suffix, updating the flags as Click does.
fn strip_suffix<'a>(word: &'a str, sequential: &mut bool, same_first: &mut bool) -> &'a str {
    if let Some(w) = word.strip_suffix('#') {
        *sequential = true;
        *same_first = false;
        w
    } else if let Some(w) = word.strip_suffix('?') {
        *same_first = false;
        w
    } else {
        word
    }
}

/// `A-B` or `PREFIX/LEN` as an address range: (first, variation).
fn address_variation(
    word: &str,
    sequential: &mut bool,
    same_first: &mut bool,
) -> Option<(u32, u32)> {
    let body = strip_suffix(word, sequential, same_first);
    if let Some((a, b)) = body.split_once('-') {
        let (a, b) = (parse_addr(a)?, parse_addr(b)?);
        // `then`, not `then_some`: the difference must not be computed for a reversed range.
        return (b >= a).then(|| (a, b - a));
    }
    let prefix = Ipv4Prefix::from_arg(body, &NoNames).ok()?;
    let addr = prefix.address.to_u32();
    let mask = prefix.mask.to_u32();
    if addr == 0 || mask == 0 || prefix.len().is_none() {
        return None;
    }
    Some(if mask == u32::MAX {
        (addr, 0)
    } else if mask == 0xFFFF_FFFE {
        (addr & mask, 1)
    } else {
        // Click leaves out PREFIX.0 and the broadcast address.
        ((addr & mask) | 1, (!mask).wrapping_sub(2))
    })
}

/// `L-H` as a port range: (first, variation).
fn port_variation(word: &str, sequential: &mut bool, same_first: &mut bool) -> Option<(u32, u32)> {
    let body = strip_suffix(word, sequential, same_first);
    let (l, h) = body.split_once('-')?;
    let (l, h) = (parse_int(l)?, parse_int(h)?);
    (l >= 0 && h >= l && h < 65536).then(|| (l as u32, (h - l) as u32))
}

/// What a pattern decides for a new flow.
pub(crate) enum Rewrite {
    /// Install a mapping to this rewritten flow.
    AddMap(FlowId),
    /// No free address or port: drop.
    Drop,
}

impl Pattern {
    /// Click's `IPRewriterPattern::parse` over the pattern words (without the output
    /// ports). One word names an `IPRewriterPatterns` pattern.
    #[cfg(test)]
    pub fn parse(words: &[&str]) -> Result<Pattern, String> {
        Self::parse_with(words, &NoNames)
    }

    /// [`Pattern::parse`], with the source and destination addresses also read as names
    /// (`extern 50000-65535 intern_server -`, as conf/mazu-nat.click writes them).
    pub fn parse_with(
        words: &[&str],
        names: &dyn crate::element::args::Resolver,
    ) -> Result<Pattern, String> {
        if words.is_empty() || words.len() > 4 {
            return Err(String::from("syntax error"));
        }
        if words.len() == 1 {
            // Named patterns live in another element, which a rewriter cannot reach while
            // it is configured here.
            return Err(format!("no such pattern '{}'", words[0]));
        }
        let (mut saddr, mut sport, mut daddr, mut dport, mut variation) =
            (0u32, 0u32, 0u32, 0u32, 0u32);
        let (mut sequential, mut same_first) = (false, true);

        let w = words[0];
        if !is_dash(w) {
            if let Some(a) = parse_addr_named(w, names) {
                saddr = a;
            } else if let Some((a, v)) = address_variation(w, &mut sequential, &mut same_first) {
                saddr = a;
                variation = v;
            } else {
                return Err(String::from("bad source address"));
            }
        }
        // Three words are `SADDR DADDR SPORT` in Click's reading order.
        let mut i = 0;
        if words.len() >= 3 {
            let w = words[if words.len() == 3 { 2 } else { 1 }];
            if !is_dash(w) {
                match parse_int(w) {
                    Some(p) if p > 0 && p < 65536 => sport = p as u32,
                    _ => match port_variation(w, &mut sequential, &mut same_first) {
                        Some((p, v)) => {
                            sport = p;
                            variation = v;
                        }
                        None => return Err(String::from("bad source port")),
                    },
                }
            }
            i = if words.len() == 3 { 0 } else { 1 };
        }
        i += 1;
        let w = words[i];
        if !is_dash(w) {
            daddr = parse_addr_named(w, names)
                .ok_or_else(|| String::from("bad destination address"))?;
        }
        if words.len() == 4 {
            let w = words[3];
            if !is_dash(w) {
                match parse_int(w) {
                    Some(p) if p > 0 && p < 65536 => dport = p as u32,
                    _ => return Err(String::from("bad destination port")),
                }
            }
        }
        Ok(Pattern {
            saddr,
            sport: sport as u16,
            daddr,
            dport: dport as u16,
            variation_top: variation,
            next_variation: 0,
            is_napt: words.len() >= 3,
            sequential,
            same_first,
            rng: 0x2545_F491,
        })
    }

    /// Click's `click_random(0, top)`, from a small generator of our own.
    fn random(&mut self, top: u32) -> u32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        if top == u32::MAX {
            x
        } else {
            x % (top + 1)
        }
    }

    /// Click's `IPRewriterPattern::rewrite_flowid`: the rewritten flow for `flow`, choosing
    /// a variation whose reply flow `taken` says is free. With `#` the search starts where
    /// the last one stopped (one counter per pattern, shared by all its flows).
    pub fn rewrite(&mut self, flow: FlowId, taken: impl Fn(&FlowId) -> bool) -> Rewrite {
        let mut rw = flow;
        if self.saddr != 0 {
            rw.saddr = self.saddr;
        }
        if self.sport != 0 {
            rw.sport = self.sport;
        }
        if self.daddr != 0 {
            rw.daddr = self.daddr;
        }
        if self.dport != 0 {
            rw.dport = self.dport;
        }
        if self.variation_top == 0 {
            return Rewrite::AddMap(rw);
        }
        let top = self.variation_top;
        let mut lookup = rw.reverse();
        let base = if self.is_napt {
            u32::from(self.sport)
        } else {
            self.saddr
        };
        let found = 'search: {
            if self.same_first {
                let val = u32::from(flow.sport).wrapping_sub(base);
                if val <= top {
                    lookup.dport = flow.sport;
                    if !taken(&lookup) {
                        break 'search Some(val);
                    }
                }
            }
            let mut val = if self.sequential {
                if self.next_variation > top {
                    0
                } else {
                    self.next_variation
                }
            } else {
                self.random(top)
            };
            let mut count: u64 = 0;
            while count <= u64::from(top) {
                if self.is_napt {
                    lookup.dport = base.wrapping_add(val) as u16;
                } else {
                    lookup.daddr = base.wrapping_add(val);
                }
                if !taken(&lookup) {
                    break 'search Some(val);
                }
                count += 1;
                val = if val == top { 0 } else { val + 1 };
            }
            None
        };
        match found {
            Some(val) => {
                if self.is_napt {
                    rw.sport = lookup.dport;
                } else {
                    rw.saddr = lookup.daddr;
                }
                self.next_variation = val.wrapping_add(1);
                Rewrite::AddMap(rw)
            }
            None => Rewrite::Drop,
        }
    }

    /// Click's `IPRewriterPattern::unparse`.
    pub fn unparse(&self) -> String {
        let mut s = String::new();
        let addr = |a: u32| Ipv4Address::from_u32(a);
        if !self.is_napt && self.variation_top != 0 {
            s += &format!(
                "{}-{}",
                addr(self.saddr),
                addr(self.saddr.wrapping_add(self.variation_top))
            );
        } else if self.saddr != 0 {
            s += &format!("{}", addr(self.saddr));
        } else {
            s.push('-');
        }
        if self.is_napt {
            if self.sport == 0 {
                s += " -";
            } else if self.variation_top != 0 {
                s += &format!(
                    " {}-{}",
                    self.sport,
                    u32::from(self.sport) + self.variation_top
                );
            } else {
                s += &format!(" {}", self.sport);
            }
        }
        if self.daddr != 0 {
            s += &format!(" {}", addr(self.daddr));
        } else {
            s += " -";
        }
        if self.is_napt {
            if self.dport == 0 {
                s += " -";
            } else {
                s += &format!(" {}", self.dport);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reversed_address_range_is_an_error_not_a_panic() {
        // Found by the `config` fuzz target: `B - A` was computed before `B >= A` was checked.
        let (mut seq, mut same) = (false, true);
        assert_eq!(
            address_variation("10.0.0.9-10.0.0.1", &mut seq, &mut same),
            None
        );
        assert_eq!(
            address_variation("10.0.0.1-10.0.0.9", &mut seq, &mut same),
            Some((0x0a00_0001, 8))
        );
    }

    fn fid(s: [u8; 4], sp: u16, d: [u8; 4], dp: u16) -> FlowId {
        FlowId {
            saddr: u32::from_be_bytes(s),
            sport: sp,
            daddr: u32::from_be_bytes(d),
            dport: dp,
        }
    }

    #[test]
    fn parses_click_forms_and_unparses() {
        let p = Pattern::parse(&["198.51.100.1", "40000-40003#", "-", "-"]).unwrap();
        assert_eq!(p.unparse(), "198.51.100.1 40000-40003 - -");
        assert!(p.sequential && !p.same_first && p.is_napt);
        let p = Pattern::parse(&["1.0.0.1", "20", "2.0.0.2", "80"]).unwrap();
        assert_eq!(p.unparse(), "1.0.0.1 20 2.0.0.2 80");
        let p = Pattern::parse(&["10.0.0.1-10.0.0.5", "-"]).unwrap();
        assert_eq!(p.unparse(), "10.0.0.1-10.0.0.5 -");
        let p = Pattern::parse(&["10.0.0.0/24", "-"]).unwrap();
        assert_eq!(p.unparse(), "10.0.0.1-10.0.0.254 -");
        // Three words: SADDR DADDR SPORT.
        let p = Pattern::parse(&["1.2.3.4", "5.6.7.8", "99"]).unwrap();
        assert_eq!(p.unparse(), "1.2.3.4 99 5.6.7.8 -");
        for (words, err) in [
            (&["x", "-", "-", "-"][..], "bad source address"),
            (&["-", "0", "-", "-"][..], "bad source port"),
            (&["-", "5-2", "-", "-"][..], "bad source port"),
            (&["-", "-", "x", "-"][..], "bad destination address"),
            (&["-", "-", "-", "70000"][..], "bad destination port"),
            (&["-", "-", "-", "-", "-"][..], "syntax error"),
            (&["name"][..], "no such pattern 'name'"),
        ] {
            assert_eq!(Pattern::parse(words).unwrap_err(), err, "{words:?}");
        }
    }

    #[test]
    fn sequential_allocation_wraps_and_skips_taken() {
        let mut p = Pattern::parse(&["9.9.9.9", "100-102#", "-", "-"]).unwrap();
        let f = fid([10, 0, 0, 1], 5, [1, 1, 1, 1], 80);
        let mut got = alloc::vec::Vec::new();
        for _ in 0..4 {
            let taken: alloc::vec::Vec<FlowId> = got.clone();
            match p.rewrite(f, |k| taken.iter().any(|t: &FlowId| t.reverse() == *k)) {
                Rewrite::AddMap(rw) => got.push(rw),
                Rewrite::Drop => break,
            }
        }
        let ports: alloc::vec::Vec<u16> = got.iter().map(|r| r.sport).collect();
        assert_eq!(ports, [100, 101, 102]);
    }

    #[test]
    fn same_first_prefers_the_source_port() {
        let mut p = Pattern::parse(&["9.9.9.9", "100-200", "-", "-"]).unwrap();
        let f = fid([10, 0, 0, 1], 150, [1, 1, 1, 1], 80);
        match p.rewrite(f, |_| false) {
            Rewrite::AddMap(rw) => assert_eq!(rw.sport, 150),
            Rewrite::Drop => panic!("dropped"),
        }
    }
}
