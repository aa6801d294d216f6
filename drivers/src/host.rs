//! The host program's device opener: what `sluice` registers with
//! `sluice_elements::io::device::set_device_opener` so FromDevice and ToDevice can open
//! TAPs and packet sockets.

use std::io;

use sluice_elements::io::device::{DeviceKind, DeviceSpec, HostDevice, InterfaceAddresses};
use sluice_elements::wire::Ipv4Address;

/// Registers what a host program lends the elements, for the whole process: this opener
/// for FromDevice and ToDevice, [`interface_addresses`] for arguments that name an
/// interface, and (on Linux) the file mapper FromDump reads its file through. The `sluice`
/// command and compiled programs call it as they start.
pub fn register() {
    sluice_elements::io::device::set_device_opener(open);
    sluice_elements::io::device::set_interface_lookup(interface_addresses);
    #[cfg(target_os = "linux")]
    sluice_elements::io::mapped::set_file_mapper(crate::mapped::map_file);
}

/// Opens the device `spec` names: a TAP ([`crate::tap::Tap`]) or a packet socket
/// ([`crate::af_packet::PacketSocket`]). Numbered devices are not supported on the host yet.
pub fn open(spec: &DeviceSpec) -> io::Result<Box<dyn HostDevice>> {
    match spec.kind {
        DeviceKind::Numbered(_) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "numbered devices (the N-th device given on the command line) are not supported \
             in host mode yet; name an interface (eth0) or a TAP (tap:NAME)",
        )),
        #[cfg(target_os = "linux")]
        DeviceKind::Tap => Ok(Box::new(crate::tap::Tap::open(&spec.name)?)),
        #[cfg(target_os = "linux")]
        DeviceKind::Packet => {
            let mut socket = crate::af_packet::PacketSocket::open(&spec.name, spec.outbound)?;
            if spec.promisc {
                socket.set_promiscuous(true)?;
            }
            Ok(Box::new(socket))
        }
        #[cfg(not(target_os = "linux"))]
        DeviceKind::Tap | DeviceKind::Packet => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "TAP and packet-socket devices need Linux",
        )),
    }
}

/// The addresses of host interface `name` (what `sluice` registers with
/// `sluice_elements::io::device::set_interface_lookup`): its IPv4 address and prefix, its
/// MAC address, and the gateway of its default route from `/proc/net/route`. `None` if no
/// such interface exists.
#[cfg(target_os = "linux")]
pub fn interface_addresses(name: &str) -> Option<InterfaceAddresses> {
    use std::os::fd::AsFd;
    let fd = crate::netdev::control_socket().ok()?;
    crate::netdev::index(fd.as_fd(), name).ok()?;
    let mut a = InterfaceAddresses {
        mac: crate::netdev::hwaddr(fd.as_fd(), name).ok().flatten(),
        ..InterfaceAddresses::default()
    };
    if let Ok(Some((ip, mask))) = crate::netdev::ipv4(fd.as_fd(), name) {
        a.ip = Some(Ipv4Address(ip));
        a.prefix_len = u32::from_be_bytes(mask).leading_ones() as u8;
    }
    a.gateway = std::fs::read_to_string("/proc/net/route")
        .ok()
        .and_then(|table| default_gateway(&table, name));
    Some(a)
}

/// Non-Linux hosts have no interface lookup.
#[cfg(not(target_os = "linux"))]
pub fn interface_addresses(_name: &str) -> Option<InterfaceAddresses> {
    None
}

/// The gateway of `name`'s default route in a `/proc/net/route` table (addresses in hex, in
/// the host's byte order, which is little-endian on every Linux target Sluice builds for).
fn default_gateway(table: &str, name: &str) -> Option<Ipv4Address> {
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 3 || cols[0] != name || cols[1] != "00000000" {
            return None;
        }
        let gw = u32::from_str_radix(cols[2], 16).ok()?;
        (gw != 0).then(|| Ipv4Address(gw.to_le_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_gateway_comes_from_the_route_table() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n\
                     eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n\
                     eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n";
        assert_eq!(
            default_gateway(table, "eth0"),
            Some(Ipv4Address([192, 168, 1, 1]))
        );
        assert_eq!(default_gateway(table, "eth1"), None);
    }

    #[test]
    fn loopback_has_its_address() {
        let lo = interface_addresses("lo").expect("lo exists");
        assert_eq!(lo.ip, Some(Ipv4Address([127, 0, 0, 1])));
        assert_eq!(lo.prefix_len, 8);
        assert!(interface_addresses("no-such-if0").is_none());
    }
}
