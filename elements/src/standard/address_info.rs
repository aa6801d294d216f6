//! `AddressInfo`: names for addresses, usable in other elements' arguments.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::element::args::{split_words, Args, ConfigError};
use crate::element::{ConfigContext, Element, Handlers, PortCount, PortRange, ProcessingSpec};
use crate::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

/// One address given to an AddressInfo name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressValue {
    /// An IPv4 address (`10.0.0.1`).
    Ip(Ipv4Address),
    /// An IPv4 prefix (`10.0.0.0/8`, `10.0.0.1/255.0.0.0`), the address kept as written.
    Prefix(Ipv4Prefix),
    /// An Ethernet address (`00:01:02:03:04:05`).
    Ether(EthernetAddress),
}

/// One `NAME ADDRESS...` argument of AddressInfo, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressInfoEntry {
    /// The name being defined.
    pub name: String,
    /// Its addresses, in the order written.
    pub addresses: Vec<AddressValue>,
}

impl AddressInfoEntry {
    /// The IPv4 address the name stands for, by Click's rules: the last plain address
    /// given, or else the address of the last prefix if it has host bits set
    /// (`10.0.0.1/8` names both 10.0.0.1 and 10.0.0.0/8).
    pub fn ip(&self) -> Option<Ipv4Address> {
        let plain = self.addresses.iter().rev().find_map(|a| match a {
            AddressValue::Ip(ip) => Some(*ip),
            _ => None,
        });
        plain.or_else(|| {
            self.prefix()
                .filter(|p| p.address.to_u32() & !p.mask.to_u32() != 0)
                .map(|p| p.address)
        })
    }

    /// The IPv4 prefix the name stands for: the last prefix given.
    pub fn prefix(&self) -> Option<Ipv4Prefix> {
        self.addresses.iter().rev().find_map(|a| match a {
            AddressValue::Prefix(p) => Some(*p),
            _ => None,
        })
    }

    /// The Ethernet address the name stands for: the last one given.
    pub fn ether(&self) -> Option<EthernetAddress> {
        self.addresses.iter().rev().find_map(|a| match a {
            AddressValue::Ether(e) => Some(*e),
            _ => None,
        })
    }
}

/// Parses one AddressInfo argument, `NAME ADDRESS...`, as Click's `AddressInfo::add_info`
/// does: the words are split at white space; each address is tried as an IPv4 address, an
/// IPv4 prefix, then an Ethernet address. An empty argument gives `Ok(None)` (Click allows
/// it). The error is Click's message.
pub fn parse_address_info_arg(text: &str) -> Result<Option<AddressInfoEntry>, String> {
    let words = split_words(text, 0);
    match words.len() {
        0 => return Ok(None),
        1 => return Err(format!("expected 'NAME [ADDRS]', got '{text}'")),
        _ => {}
    }
    let name = words[0].text.clone();
    let mut addresses = Vec::with_capacity(words.len() - 1);
    for w in &words[1..] {
        let t = w.text.as_str();
        let value = if let Ok(ip) = t.parse::<Ipv4Address>() {
            AddressValue::Ip(ip)
        } else if let Some(p) = t
            .contains('/')
            .then(|| t.parse::<Ipv4Prefix>().ok())
            .flatten()
        {
            AddressValue::Prefix(p)
        } else if let Ok(e) = t.parse::<EthernetAddress>() {
            AddressValue::Ether(e)
        } else if let Some(found) = host_interface(t) {
            // A host interface stands for its addresses, as in user-level Click.
            addresses.extend(found);
            continue;
        } else {
            return Err(format!("\"{name}\" '{t}' is not a recognizable address"));
        };
        addresses.push(value);
    }
    Ok(Some(AddressInfoEntry { name, addresses }))
}

/// The addresses of host interface `name` (its IPv4 address and prefix, its MAC address),
/// when the program registered an interface lookup (host programs do; guests have none).
#[cfg(feature = "std")]
fn host_interface(name: &str) -> Option<Vec<AddressValue>> {
    let a = crate::io::device::interface_addresses(name)?;
    let mut v = Vec::new();
    if let Some(ip) = a.ip {
        v.push(AddressValue::Prefix(Ipv4Prefix::new(ip, a.prefix_len)));
    }
    if let Some(mac) = a.mac {
        v.push(AddressValue::Ether(mac));
    }
    (!v.is_empty()).then_some(v)
}

#[cfg(not(feature = "std"))]
fn host_interface(_: &str) -> Option<Vec<AddressValue>> {
    None
}

/// Gives names to addresses, so other elements' arguments can use the names.
///
/// # Synopsis
///
/// ```text
/// AddressInfo(NAME ADDRESS [ADDRESS...], ...)
/// ```
///
/// # Ports
///
/// None.
///
/// # Processing
///
/// None: AddressInfo has no ports.
///
/// # Description
///
/// Each argument is a name followed by one or more addresses: an IPv4 address, an IPv4
/// prefix (`ADDR/LEN` or `ADDR/MASK`), or an Ethernet address. Wherever an element expects
/// an address of one of those kinds, the name may be written instead. A prefix whose address
/// has host bits set also names that address (`10.0.0.1/8` gives `10.0.0.1` and
/// `10.0.0.0/8`). The router resolves the names when it configures the other elements
/// (with [`parse_address_info_arg`]); this element only checks its arguments.
///
/// In a host program an address may also be a host interface's name (`ath0`), standing for
/// its IPv4 address and prefix and its MAC address, as in user-level Click.
///
/// IPv6 addresses, which Click also accepts, are not supported.
///
/// # Example
///
/// ```text
/// AddressInfo(eth0 10.0.0.1/24 00:0a:95:9d:68:16);
/// FromDump(in.pcap, STOP true) -> ARPResponder(eth0) -> ToDump(out.pcap);
/// ```
///
/// # Handlers
///
/// None beyond the standard ones.
///
/// # See also
///
/// ARPResponder, ARPQuerier, IPEncap.
#[derive(Debug, Default)]
pub struct AddressInfo {
    entries: Vec<AddressInfoEntry>,
}

impl AddressInfo {
    /// The names this element defines, in order.
    pub fn entries(&self) -> &[AddressInfoEntry] {
        &self.entries
    }
}

impl Element for AddressInfo {
    const CLASS: &'static str = "AddressInfo";
    const PORTS: PortCount = PortCount::new(PortRange::Exactly(0), PortRange::Exactly(0));
    const PROCESSING: ProcessingSpec = ProcessingSpec::AGNOSTIC;

    fn configure(mut args: Args<'_>, _: &ConfigContext<'_>) -> Result<Self, ConfigError> {
        let mut entries = Vec::new();
        for arg in args.rest() {
            match parse_address_info_arg(&arg.text) {
                Ok(Some(entry)) => entries.push(entry),
                Ok(None) => {}
                Err(message) => args.error(arg.span, message),
            }
        }
        args.finish()?;
        Ok(AddressInfo { entries })
    }
}

impl Handlers for AddressInfo {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::testing::configure;
    use crate::element::Ports;

    const PORTS: Ports = Ports {
        inputs: 0,
        outputs: 0,
    };

    #[test]
    fn parses_names_and_addresses() {
        let a: AddressInfo = configure(
            "eth0 10.0.0.1/24 00:0a:95:9d:68:16, net 192.168.0.0/255.255.0.0, , gw 10.0.0.254",
            PORTS,
        )
        .unwrap();
        let e = a.entries();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].name, "eth0");
        assert_eq!(e[0].ip(), Some(Ipv4Address::new(10, 0, 0, 1)));
        assert_eq!(
            e[0].prefix(),
            Some(Ipv4Prefix::new(Ipv4Address::new(10, 0, 0, 1), 24))
        );
        assert_eq!(
            e[0].ether(),
            Some(EthernetAddress([0, 0x0a, 0x95, 0x9d, 0x68, 0x16]))
        );
        // A prefix without host bits names no address.
        assert_eq!(e[1].ip(), None);
        assert_eq!(e[1].prefix().unwrap().len(), Some(16));
        assert_eq!(
            e[2].addresses,
            [AddressValue::Ip(Ipv4Address::new(10, 0, 0, 254))]
        );
        assert_eq!(e[2].prefix(), None);
    }

    #[test]
    fn errors_are_located_per_argument() {
        let text = "ok 1.2.3.4, lonely, bad 1.2.3.4 nonsense";
        let err = configure::<AddressInfo>(text, PORTS).unwrap_err();
        let got: Vec<(&str, usize)> = err
            .errors
            .iter()
            .map(|e| (e.message.as_str(), e.span.start))
            .collect();
        assert_eq!(
            got,
            [
                ("expected 'NAME [ADDRS]', got 'lonely'", 12),
                ("\"bad\" 'nonsense' is not a recognizable address", 20),
            ]
        );
        assert_eq!(parse_address_info_arg("  "), Ok(None));
        assert!(parse_address_info_arg("x 1.2.3.4/33").is_err());
        assert!(parse_address_info_arg("x ::1").is_err());
    }
}
