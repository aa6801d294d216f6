//! Linux TAP devices: an Ethernet interface whose wire is a file descriptor.
//!
//! [`Tap::open`] creates the TAP NAME through `/dev/net/tun` (`IFF_TAP | IFF_NO_PI`, so
//! every read and write is one bare Ethernet frame), or attaches to it if it exists and is
//! free, and brings its link up if it can. The TAP is never made persistent: one Sluice
//! created disappears when the descriptor closes, that is when the [`Tap`] is dropped. A
//! persistent TAP made beforehand (`ip tuntap add`) stays.
//!
//! Frames the host kernel sends on the TAP are what [`HostDevice::recv`] returns; frames
//! [`HostDevice::send`] writes reach the host kernel as if from a wire.

use std::fs::{File, OpenOptions};
use std::io::{self, IoSliceMut, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;

use sluice_elements::io::device::HostDevice;
use sluice_elements::wire::ethernet::EthernetAddress;

use crate::netdev;

/// The largest frame a TAP hands out (its MTU can be at most 65535).
const MAX_FRAME: usize = 65536;

/// An open TAP device.
pub struct Tap {
    file: File,
    name: String,
    ifindex: Option<u32>,
    mac: Option<EthernetAddress>,
    created: bool,
    /// Where the part of a frame that does not fit the caller's buffer goes, so a long
    /// frame is cut instead of failing (and its real length is known).
    overflow: Box<[u8]>,
}

impl Tap {
    /// Creates the TAP `name` (or attaches to it), non-blocking, and brings it up if it can
    /// (creating one needs `CAP_NET_ADMIN`). The TAP lives in the calling thread's network
    /// namespace.
    pub fn open(name: &str) -> io::Result<Tap> {
        let mut ifr = netdev::ifreq(name)?;
        let control = netdev::control_socket()?;
        let existed = netdev::index(control.as_fd(), name).is_ok();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")
            .map_err(|e| io::Error::new(e.kind(), format!("/dev/net/tun: {e}")))?;
        ifr.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short;
        netdev::ioctl_ifreq(file.as_fd(), libc::TUNSETIFF, &mut ifr)
            .map_err(|e| io::Error::new(e.kind(), format!("TUNSETIFF: {e}")))?;
        // Bringing the link up is best effort: without it the TAP still opens, and the
        // kernel neither sends on it nor accepts what is written.
        let _ = netdev::set_up(control.as_fd(), name);
        let ifindex = netdev::index(control.as_fd(), name).ok();
        let mac = netdev::hwaddr(control.as_fd(), name).ok().flatten();
        Ok(Tap {
            file,
            name: name.to_string(),
            ifindex,
            mac,
            created: !existed,
            overflow: vec![0u8; MAX_FRAME].into_boxed_slice(),
        })
    }

    /// True if this open created the TAP (it disappears when the `Tap` is dropped).
    pub fn created(&self) -> bool {
        self.created
    }
}

impl HostDevice for Tap {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        let mut parts = [IoSliceMut::new(buf), IoSliceMut::new(&mut self.overflow)];
        loop {
            return match (&self.file).read_vectored(&mut parts) {
                Ok(n) => Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if netdev::would_block(&e) => Ok(None),
                Err(e) => Err(e),
            };
        }
    }

    fn send(&mut self, frame: &[u8]) -> io::Result<bool> {
        loop {
            return match (&self.file).write(frame) {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if netdev::would_block(&e) => Ok(false),
                Err(e) => Err(e),
            };
        }
    }

    /// The address of the host kernel's side of the TAP.
    fn mac(&self) -> Option<EthernetAddress> {
        self.mac
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn ifindex(&self) -> Option<u32> {
        self.ifindex
    }
}
