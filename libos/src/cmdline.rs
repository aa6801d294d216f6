//! The guest's kernel command line (`-append` on QEMU): space-separated `key=value` options.
//!
//! | option | meaning | default |
//! |---|---|---|
//! | `buffers=N` | packet buffers (2 KiB each) in the pool | a quarter of the heap, 256 to 4096 |
//! | `clockcheck=0` | skip checking the TSC calibration against the PIT | on |
//! | `quiet` | print only errors and the final report | off |
//! | `h=ELEMENT.HANDLER` | print this read handler when the router stops (repeatable) | none |
//! | `idlestop=MS` | stop once frames have flowed and none arrived for MS milliseconds | never |
//! | `selftest=pagefault\|panic` | fault or panic on purpose once booted, to check the reports | off |
//! | `mgmt=ADDR/PREFIX[,GATEWAY]` or `mgmt=dhcp` | the last NIC is the management interface, with this address | none |
//!
//! Unknown options are reported and ignored, so an image still boots with a VMM that adds
//! its own (Firecracker adds `console=`, `reboot=`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The guest's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Packet buffers in the pool (`None`: sized from the heap).
    pub buffers: Option<usize>,
    /// Check the TSC calibration against the PIT at boot.
    pub clock_check: bool,
    /// Print only errors and the report.
    pub quiet: bool,
    /// Read handlers printed when the router stops.
    pub handlers: Vec<String>,
    /// Stop after this many idle milliseconds following traffic.
    pub idle_stop_ms: Option<u64>,
    /// Fault or panic on purpose once booted (`pagefault`, `panic`).
    pub selftest: Option<String>,
    /// The management interface's address: the last NIC is then kept for it.
    pub mgmt: Option<MgmtAddress>,
    /// Options not understood, for a warning.
    pub unknown: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            buffers: None,
            clock_check: true,
            quiet: false,
            handlers: Vec::new(),
            idle_stop_ms: None,
            selftest: None,
            mgmt: None,
            unknown: Vec::new(),
        }
    }
}

impl Options {
    /// Parses a command line.
    pub fn parse(line: &str) -> Options {
        let mut o = Options::default();
        for word in line.split_ascii_whitespace() {
            let (key, value) = match word.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (word, None),
            };
            match (key, value) {
                ("buffers", Some(v)) => match v.parse::<usize>() {
                    Ok(n) if n > 0 => o.buffers = Some(n),
                    _ => o.unknown.push(word.to_string()),
                },
                ("clockcheck", Some("0" | "off" | "false")) => o.clock_check = false,
                ("clockcheck", Some("1" | "on" | "true")) => o.clock_check = true,
                ("quiet", None) => o.quiet = true,
                ("h", Some(v)) if !v.is_empty() => o.handlers.push(v.to_string()),
                ("selftest", Some(v @ ("pagefault" | "panic"))) => o.selftest = Some(v.to_string()),
                ("mgmt", Some(v)) => match MgmtAddress::parse(v) {
                    Some(m) => o.mgmt = Some(m),
                    None => o.unknown.push(word.to_string()),
                },
                ("idlestop", Some(v)) => match v.parse::<u64>() {
                    Ok(ms) => o.idle_stop_ms = Some(ms),
                    Err(_) => o.unknown.push(word.to_string()),
                },
                _ => o.unknown.push(word.to_string()),
            }
        }
        o
    }
}

/// How the management interface gets its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MgmtAddress {
    /// A fixed address and prefix length, with an optional default gateway.
    Static {
        /// The address.
        addr: [u8; 4],
        /// The prefix length.
        prefix: u8,
        /// The default gateway.
        gateway: Option<[u8; 4]>,
    },
    /// From a DHCP server on the management network.
    Dhcp,
}

fn ipv4(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split('.');
    for b in &mut out {
        *b = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

impl MgmtAddress {
    /// `ADDR/PREFIX`, `ADDR/PREFIX,GATEWAY` or `dhcp`.
    pub fn parse(text: &str) -> Option<MgmtAddress> {
        if text == "dhcp" {
            return Some(MgmtAddress::Dhcp);
        }
        let (cidr, gateway) = match text.split_once(',') {
            Some((c, g)) => (c, Some(ipv4(g)?)),
            None => (text, None),
        };
        let (addr, prefix) = cidr.split_once('/')?;
        let prefix: u8 = prefix.parse().ok()?;
        (1..=32).contains(&prefix).then_some(())?;
        Some(MgmtAddress::Static {
            addr: ipv4(addr)?,
            prefix,
            gateway,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = Options::parse(
            "buffers=512  quiet h=c.count h=q.drops console=ttyS0 buffers=x idlestop=250",
        );
        assert_eq!(o.idle_stop_ms, Some(250));
        assert_eq!(o.buffers, Some(512));
        assert!(o.quiet);
        assert!(o.clock_check);
        assert_eq!(o.handlers, ["c.count", "q.drops"]);
        assert_eq!(o.unknown, ["console=ttyS0", "buffers=x"]);
        assert!(!Options::parse("clockcheck=0").clock_check);
        assert_eq!(Options::parse(""), Options::default());
    }

    #[test]
    fn management_addresses() {
        assert_eq!(
            Options::parse("mgmt=10.0.2.15/24").mgmt,
            Some(MgmtAddress::Static {
                addr: [10, 0, 2, 15],
                prefix: 24,
                gateway: None
            })
        );
        assert_eq!(
            MgmtAddress::parse("192.0.2.7/28,192.0.2.1"),
            Some(MgmtAddress::Static {
                addr: [192, 0, 2, 7],
                prefix: 28,
                gateway: Some([192, 0, 2, 1])
            })
        );
        assert_eq!(MgmtAddress::parse("dhcp"), Some(MgmtAddress::Dhcp));
        for bad in [
            "10.0.2.15",
            "10.0.2.15/33",
            "10.0.2/24",
            "10.0.2.15/24,x",
            "a.b.c.d/8",
            "10.0.2.15/0",
        ] {
            assert_eq!(MgmtAddress::parse(bad), None, "{bad}");
        }
        assert_eq!(Options::parse("mgmt=nonsense").unknown, ["mgmt=nonsense"]);
    }
}
