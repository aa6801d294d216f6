//! The host program's device opener: what `sluice` registers with
//! `sluice_elements::io::device::set_device_opener` so FromDevice and ToDevice can open
//! TAPs and packet sockets.

use std::io;

use sluice_elements::io::device::{DeviceKind, DeviceSpec, HostDevice};

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
