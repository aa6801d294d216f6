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
        // Ask for each frame's auxiliary data: the kernel takes 802.1Q tags out of received
        // frames (VLAN acceleration) and reports them there; recv puts them back, as libpcap
        // does for Click.
        let on: libc::c_int = 1;
        // SAFETY: `fd` is an open packet socket we own; `on` is a valid int that outlives the
        // call, and the length passed is its size.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_AUXDATA,
                (&on as *const libc::c_int).cast::<libc::c_void>(),
                socklen::<libc::c_int>(),
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
            // Room for one tpacket_auxdata control message, 8-byte aligned.
            let mut control = [0u64; 8];
            let mut iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast::<libc::c_void>(),
                iov_len: buf.len(),
            };
            // SAFETY: msghdr is a C struct of integers and pointers; all-zero is valid.
            let mut msg: libc::msghdr = unsafe { mem::zeroed() };
            msg.msg_name = (&mut sa as *mut libc::sockaddr_ll).cast::<libc::c_void>();
            msg.msg_namelen = socklen::<libc::sockaddr_ll>();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast::<libc::c_void>();
            msg.msg_controllen = mem::size_of_val(&control);
            // SAFETY: `fd` is an open socket we own; `msg` points at `iov` (covering `buf`),
            // `sa` and `control`, all valid for writes of the lengths given, for the call.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
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
            let len = n.unsigned_abs();
            return Ok(Some(match vlan_tag(&msg) {
                Some(tag) => reinsert_tag(buf, len, tag),
                None => len,
            }));
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

/// The 802.1Q tag the kernel took out of a received frame, from its auxiliary data:
/// (TPID, TCI).
fn vlan_tag(msg: &libc::msghdr) -> Option<(u16, u16)> {
    // SAFETY: `msg` was filled by recvmsg(2); CMSG_FIRSTHDR reads only its control fields.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(msg) };
    while !cmsg.is_null() {
        // SAFETY: a non-null header CMSG_FIRSTHDR/CMSG_NXTHDR returned lies within the
        // control buffer the kernel filled.
        let header = unsafe { &*cmsg };
        if header.cmsg_level == libc::SOL_PACKET && header.cmsg_type == libc::PACKET_AUXDATA {
            // SAFETY: a PACKET_AUXDATA message carries one tpacket_auxdata; read unaligned.
            let data = unsafe { libc::CMSG_DATA(cmsg) };
            // SAFETY: as above: `data` points at the tpacket_auxdata inside the buffer.
            let aux: libc::tpacket_auxdata =
                unsafe { data.cast::<libc::tpacket_auxdata>().read_unaligned() };
            let valid = aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0;
            if !valid && aux.tp_vlan_tci == 0 {
                return None;
            }
            let tpid = if aux.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                aux.tp_vlan_tpid
            } else {
                0x8100
            };
            return Some((tpid, aux.tp_vlan_tci));
        }
        // SAFETY: as for CMSG_FIRSTHDR; CMSG_NXTHDR stays within the control buffer.
        cmsg = unsafe { libc::CMSG_NXTHDR(msg, cmsg) };
    }
    None
}

/// Puts an 802.1Q tag back after the frame's addresses (the frame was `len` bytes, stored
/// in `buf` up to its length); returns the new length. Bytes pushed past `buf` are cut, as
/// a short buffer cuts any frame.
fn reinsert_tag(buf: &mut [u8], len: usize, (tpid, tci): (u16, u16)) -> usize {
    if len < 12 {
        return len;
    }
    let stored = len.min(buf.len());
    let keep = stored.saturating_sub(12).min(buf.len().saturating_sub(16));
    buf.copy_within(12..12 + keep, 16);
    if buf.len() >= 16 {
        buf[12..14].copy_from_slice(&tpid.to_be_bytes());
        buf[14..16].copy_from_slice(&tci.to_be_bytes());
    }
    len + 4
}

#[cfg(test)]
mod vlan_tests {
    #[test]
    fn tags_go_back_after_the_addresses() {
        let mut buf = [0u8; 64];
        let frame: Vec<u8> = (0..20u8).collect();
        buf[..20].copy_from_slice(&frame);
        let n = super::reinsert_tag(&mut buf, 20, (0x8100, 0x000a));
        assert_eq!(n, 24);
        assert_eq!(&buf[..12], &frame[..12]);
        assert_eq!(&buf[12..16], &[0x81, 0x00, 0x00, 0x0a]);
        assert_eq!(&buf[16..24], &frame[12..20]);
        // A buffer too short for all of it keeps what fits.
        let mut short = [0u8; 18];
        short.copy_from_slice(&frame[..18]);
        assert_eq!(super::reinsert_tag(&mut short, 20, (0x8100, 1)), 24);
        assert_eq!(&short[16..18], &frame[12..14]);
    }
}
