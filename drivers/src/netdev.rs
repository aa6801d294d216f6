//! Linux interface ioctls shared by the TAP and packet-socket drivers: a socket to ask on,
//! an `ifreq` for a name, and the interface's index, MAC address and up flag.
//!
//! Every `unsafe` here is one system call, or one read of a union field the kernel has
//! just filled; each says why it is sound.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use sluice_elements::wire::ethernet::EthernetAddress;

/// `ARPHRD_ETHER`: the hardware type of Ethernet-like interfaces (TAP, veth, NICs).
const ARPHRD_ETHER: u16 = 1;

/// Opens a socket, close-on-exec, and takes ownership of its descriptor.
pub(crate) fn socket(
    domain: libc::c_int,
    ty: libc::c_int,
    protocol: libc::c_int,
) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes only integers and touches no memory of ours.
    let fd = unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2), is open, and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A datagram socket to ask interface ioctls on (in the calling thread's network namespace).
pub(crate) fn control_socket() -> io::Result<OwnedFd> {
    socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
}

/// An `ifreq` naming interface `name`, everything else zero.
pub(crate) fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad interface name '{name}'"),
        ));
    }
    // SAFETY: `ifreq` is a C struct of a char array and a union of integers, sockaddrs and
    // a pointer; all-zero bytes are a valid value of each (a null pointer included).
    let mut ifr: libc::ifreq = unsafe { mem::zeroed() };
    for (dst, &src) in ifr.ifr_name.iter_mut().zip(bytes) {
        *dst = src as libc::c_char;
    }
    Ok(ifr)
}

/// Runs an ioctl whose argument is one `struct ifreq`.
pub(crate) fn ioctl_ifreq(
    fd: BorrowedFd<'_>,
    request: libc::Ioctl,
    ifr: &mut libc::ifreq,
) -> io::Result<()> {
    // SAFETY: `fd` is open for the call (it is borrowed), `ifr` points to a valid ifreq we
    // hold exclusively, and every request this module passes (SIOCGIFINDEX, SIOCGIFHWADDR,
    // SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFFLAGS, SIOCSIFFLAGS, TUNSETIFF) reads and writes
    // at most one ifreq.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), request, ifr as *mut libc::ifreq) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The kernel's index of interface `name`.
pub(crate) fn index(fd: BorrowedFd<'_>, name: &str) -> io::Result<u32> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFINDEX, &mut ifr)?;
    // SAFETY: SIOCGIFINDEX succeeded, so the kernel stored the index in `ifru_ifindex`;
    // the union was zeroed first, so every byte read is initialized.
    let index = unsafe { ifr.ifr_ifru.ifru_ifindex };
    u32::try_from(index).map_err(|_| io::Error::other("negative interface index"))
}

/// The MAC address of interface `name`, if it is Ethernet-like.
pub(crate) fn hwaddr(fd: BorrowedFd<'_>, name: &str) -> io::Result<Option<EthernetAddress>> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFHWADDR, &mut ifr)?;
    // SAFETY: SIOCGIFHWADDR succeeded, so the kernel stored a sockaddr in `ifru_hwaddr`;
    // the union was zeroed first, so every byte read is initialized.
    let sa = unsafe { ifr.ifr_ifru.ifru_hwaddr };
    if sa.sa_family != ARPHRD_ETHER {
        return Ok(None);
    }
    let mut mac = [0u8; 6];
    for (dst, &src) in mac.iter_mut().zip(sa.sa_data.iter()) {
        *dst = src as u8;
    }
    Ok(Some(EthernetAddress(mac)))
}

/// The IPv4 address and netmask of interface `name`, if it has an address.
pub(crate) fn ipv4(fd: BorrowedFd<'_>, name: &str) -> io::Result<Option<([u8; 4], [u8; 4])>> {
    let read = |request| -> io::Result<Option<[u8; 4]>> {
        let mut ifr = ifreq(name)?;
        match ioctl_ifreq(fd, request, &mut ifr) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => return Ok(None),
            Err(e) => return Err(e),
        }
        // SAFETY: the ioctl succeeded, so the kernel stored a sockaddr_in in `ifru_addr`
        // (SIOCGIFADDR) or `ifru_netmask` (SIOCGIFNETMASK, the same union bytes); the
        // union was zeroed first, so every byte read is initialized.
        let sa = unsafe { ifr.ifr_ifru.ifru_addr };
        // sockaddr_in: family (2 bytes), port (2 bytes), then the address.
        let b = sa.sa_data;
        Ok(Some([b[2] as u8, b[3] as u8, b[4] as u8, b[5] as u8]))
    };
    let Some(ip) = read(libc::SIOCGIFADDR)? else {
        return Ok(None);
    };
    Ok(Some((ip, read(libc::SIOCGIFNETMASK)?.unwrap_or([255; 4]))))
}

/// Brings interface `name` up (sets `IFF_UP`), if it is not up already.
pub(crate) fn set_up(fd: BorrowedFd<'_>, name: &str) -> io::Result<()> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFFLAGS, &mut ifr)?;
    // SAFETY: SIOCGIFFLAGS succeeded, so the kernel stored the flags in `ifru_flags`; the
    // union was zeroed first, so every byte read is initialized.
    let flags = unsafe { ifr.ifr_ifru.ifru_flags };
    let up = libc::IFF_UP as libc::c_short;
    if flags & up != 0 {
        return Ok(());
    }
    ifr.ifr_ifru.ifru_flags = flags | up;
    ioctl_ifreq(fd, libc::SIOCSIFFLAGS, &mut ifr)
}

/// True if `e` means "try again later": the device's queue is full or nothing is waiting.
pub(crate) fn would_block(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::ENOBUFS))
        || e.kind() == io::ErrorKind::WouldBlock
}
