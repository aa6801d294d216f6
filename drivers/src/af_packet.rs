//! Linux packet sockets: raw Ethernet frames to and from an existing interface, as Click's
//! `METHOD LINUX` FromDevice and ToDevice use them.
//!
//! [`PacketSocket::open`] makes an `AF_PACKET`/`SOCK_RAW` socket, non-blocking, and binds it
//! to the interface for every protocol (`ETH_P_ALL`). The socket is made with protocol 0,
//! so it receives nothing until it is bound: no frame from another interface slips in.
//! Promiscuous mode is a packet-socket membership, which the kernel drops when the socket
//! closes, so the interface never stays promiscuous after Sluice.

use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use sluice_elements::io::device::HostDevice;
use sluice_elements::packet::PacketType;
use sluice_elements::wire::ethernet::EthernetAddress;

use crate::netdev;

/// Frames skipped in one `recv` (outbound ones, when unwanted) before it reports none, so a
/// busy transmitter cannot keep a receive call going.
const SKIP_LIMIT: usize = 64;

/// A packet socket bound to one interface.
pub struct PacketSocket {
    fd: OwnedFd,
    name: String,
    ifindex: u32,
    mac: Option<EthernetAddress>,
    outbound: bool,
    promisc: bool,
    last_type: Option<PacketType>,
    drops: u64,
}

fn ethertype_all() -> u16 {
    (libc::ETH_P_ALL as u16).to_be()
}

fn socklen<T>() -> libc::socklen_t {
    // A few dozen bytes at most: the cast cannot truncate.
    mem::size_of::<T>() as libc::socklen_t
}

impl PacketSocket {
    /// Opens a packet socket on interface `name` (in the calling thread's network
    /// namespace; needs `CAP_NET_RAW`). With `outbound`, frames the host sends on the
    /// interface are received too.
    pub fn open(name: &str, outbound: bool) -> io::Result<PacketSocket> {
        let fd = netdev::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK, 0)?;
        let ifindex = netdev::index(fd.as_fd(), name)?;
        // SAFETY: sockaddr_ll is a C struct of integers and a byte array; all-zero is valid.
        let mut sa: libc::sockaddr_ll = unsafe { mem::zeroed() };
        sa.sll_family = libc::AF_PACKET as libc::c_ushort;
        sa.sll_protocol = ethertype_all();
        sa.sll_ifindex = i32::try_from(ifindex).map_err(io::Error::other)?;
        // SAFETY: `fd` is an open socket we own; `sa` is a valid sockaddr_ll that outlives
        // the call, and the length passed is its size.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_ll).cast::<libc::sockaddr>(),
                socklen::<libc::sockaddr_ll>(),
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        let mac = netdev::hwaddr(fd.as_fd(), name).ok().flatten();
        Ok(PacketSocket {
            fd,
            name: name.to_string(),
            ifindex,
            mac,
            outbound,
            promisc: false,
            last_type: None,
            drops: 0,
        })
    }

    fn membership(&self, add: bool) -> io::Result<()> {
        // SAFETY: packet_mreq is a C struct of integers and a byte array; all-zero is valid.
        let mut mr: libc::packet_mreq = unsafe { mem::zeroed() };
        mr.mr_ifindex = i32::try_from(self.ifindex).map_err(io::Error::other)?;
        mr.mr_type = libc::PACKET_MR_PROMISC as libc::c_ushort;
        let option = if add {
            libc::PACKET_ADD_MEMBERSHIP
        } else {
            libc::PACKET_DROP_MEMBERSHIP
        };
        // SAFETY: `fd` is an open packet socket we own; `mr` is a valid packet_mreq that
        // outlives the call, and the length passed is its size.
        let r = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                option,
                (&mr as *const libc::packet_mreq).cast::<libc::c_void>(),
                socklen::<libc::packet_mreq>(),
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

fn packet_type(pkttype: u8) -> Option<PacketType> {
    Some(match pkttype {
        0 => PacketType::Host,
        1 => PacketType::Broadcast,
        2 => PacketType::Multicast,
        3 => PacketType::OtherHost,
        4 => PacketType::Outgoing,
        5 => PacketType::Loopback,
        6 => PacketType::Fastroute,
        _ => return None,
    })
}

impl HostDevice for PacketSocket {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        let mut skipped = 0;
        while skipped < SKIP_LIMIT {
            // SAFETY: sockaddr_ll is a C struct of integers and a byte array; all-zero is
            // valid.
            let mut sa: libc::sockaddr_ll = unsafe { mem::zeroed() };
            let mut len = socklen::<libc::sockaddr_ll>();
            // SAFETY: `fd` is an open socket we own; `buf` is valid for writes of
            // `buf.len()` bytes and `sa`/`len` for the address the kernel writes back
            // (at most `len` bytes), all for the duration of the call.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                    libc::MSG_TRUNC,
                    (&mut sa as *mut libc::sockaddr_ll).cast::<libc::sockaddr>(),
                    &mut len,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                return match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    _ if netdev::would_block(&e) => Ok(None),
                    _ => Err(e),
                };
            }
            if sa.sll_pkttype == libc::PACKET_OUTGOING && !self.outbound {
                skipped += 1;
                continue;
            }
            self.last_type = packet_type(sa.sll_pkttype);
            // With MSG_TRUNC, `n` is the frame's real length even when it was cut to `buf`.
            return Ok(Some(n.unsigned_abs()));
        }
        Ok(None)
    }

    fn send(&mut self, frame: &[u8]) -> io::Result<bool> {
        loop {
            // SAFETY: `fd` is an open socket we own; `frame` is valid for reads of
            // `frame.len()` bytes for the duration of the call.
            let n = unsafe {
                libc::send(
                    self.fd.as_raw_fd(),
                    frame.as_ptr().cast::<libc::c_void>(),
                    frame.len(),
                    0,
                )
            };
            if n >= 0 {
                return Ok(true);
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                _ if netdev::would_block(&e) => return Ok(false),
                _ => return Err(e),
            }
        }
    }

    fn mac(&self) -> Option<EthernetAddress> {
        self.mac
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn ifindex(&self) -> Option<u32> {
        Some(self.ifindex)
    }

    fn last_packet_type(&self) -> Option<PacketType> {
        self.last_type
    }

    /// The kernel's `PACKET_STATISTICS` drop count, summed over the socket's life (the
    /// kernel resets it on every read).
    fn kernel_drops(&mut self) -> Option<u64> {
        // SAFETY: tpacket_stats is a C struct of two integers; all-zero is valid.
        let mut stats: libc::tpacket_stats = unsafe { mem::zeroed() };
        let mut len = socklen::<libc::tpacket_stats>();
        // SAFETY: `fd` is an open packet socket we own; `stats`/`len` are valid for the
        // kernel to write a tpacket_stats (at most `len` bytes) during the call.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut stats as *mut libc::tpacket_stats).cast::<libc::c_void>(),
                &mut len,
            )
        };
        if r < 0 {
            return None;
        }
        self.drops += u64::from(stats.tp_drops);
        Some(self.drops)
    }

    fn set_promiscuous(&mut self, on: bool) -> io::Result<()> {
        if on != self.promisc {
            self.membership(on)?;
            self.promisc = on;
        }
        Ok(())
    }
}
