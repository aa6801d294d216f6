//! The management interface: smoltcp on the management NIC, serving the configuration's
//! `ControlSocket(TCP, PORT)` elements with Click's ControlSocket protocol.
//!
//! The NIC is the last one on the command line, kept apart from the datapath by `mgmt=`
//! (see [`crate::devices`]); the datapath NICs never see control traffic and the stack never
//! sees theirs. The address is static (`mgmt=ADDR/PREFIX[,GATEWAY]`) or from DHCP
//! (`mgmt=dhcp`). Each control port has [`SLOTS`] TCP sockets listening, so that many
//! clients can be connected at once; a connection that ends gives its socket back at once
//! (a socket left in TIME-WAIT is recycled), so any number can connect one after another.
//! Every socket buffer is allocated at start: connections cost no memory beyond their
//! session's pending input and output, freed when they close.
//!
//! With QEMU's user networking (`sluice launch --mgmt`), connections reach the guest through
//! QEMU's own listening socket, whose backlog is 1: a storm of simultaneous connects loses
//! some inside QEMU (the guest sees them reset after its banner). Clients that connect one
//! after another, any number of them open at once, are all served.
//!
//! The main loop calls [`ControlPlane::poll`] between scheduling rounds; a poll handles what
//! has arrived and returns, so handler calls never hold the datapath up for longer than one
//! round.

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::{dhcpv4, tcp};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, IpCidr, Ipv4Address, Ipv4Cidr};

use sluice_drivers::virtio::mgmt::MgmtNic;
use sluice_elements::io::control_socket::{ControlAddress, ControlSocketSpec};
use sluice_router::control::protocol::{HandlerTarget, Limits, Session};
use sluice_router::lang::FlatConfig;

use crate::cmdline::MgmtAddress;

/// TCP sockets listening per control port: concurrent clients.
pub const SLOTS: usize = 40;
/// Receive and send buffer per socket.
const RX_BUFFER: usize = 4096;
const TX_BUFFER: usize = 16384;
/// What one session may hold: smaller than the host's, the guest's heap is small.
const LIMITS: Limits = Limits {
    max_line: 4096,
    max_data: 65536,
    max_output: 65536,
};

/// smoltcp's view of the management NIC. A received frame is copied out of the device's
/// buffer (control traffic is light), so the receive token owns nothing of the device and the
/// transmit token given with it can borrow the device alone.
struct Nic {
    dev: MgmtNic,
    frame: Vec<u8>,
}

struct Rx<'a>(&'a [u8]);
struct Tx<'a>(&'a mut MgmtNic);

impl phy::RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        self.0.send(len, f)
    }
}

impl Device for Nic {
    type RxToken<'a> = Rx<'a>;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(Rx<'_>, Tx<'_>)> {
        let frame = &mut self.frame;
        self.dev.receive(|bytes| {
            frame.clear();
            frame.extend_from_slice(bytes);
        })?;
        Some((Rx(&self.frame), Tx(&mut self.dev)))
    }

    fn transmit(&mut self, _now: Instant) -> Option<Tx<'_>> {
        self.dev.can_send().then_some(Tx(&mut self.dev))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps.max_burst_size = Some(1);
        caps
    }
}

/// One listening socket and the session on it.
struct Slot {
    handle: SocketHandle,
    port: u16,
    read_only: bool,
    session: Option<Session>,
    /// The client's end of input was passed to the session.
    input_closed: bool,
}

/// The control plane: the stack and its sessions.
pub struct ControlPlane {
    nic: Nic,
    iface: Interface,
    sockets: SocketSet<'static>,
    slots: Vec<Slot>,
    dhcp: Option<SocketHandle>,
    /// Connections accepted so far.
    pub accepted: u64,
    buf: Vec<u8>,
}

/// The TCP ports to serve and whether each is read-only: the configuration's
/// `ControlSocket(TCP, PORT)` elements (UNIX sockets have no meaning in a guest).
pub fn control_ports(flat: &FlatConfig) -> Vec<(u16, bool)> {
    flat.elements
        .iter()
        .filter(|e| e.class == "ControlSocket")
        .filter_map(|e| ControlSocketSpec::parse(&e.config).ok())
        .filter_map(|spec| match spec.address {
            ControlAddress::Tcp { port, .. } => Some((port, spec.read_only)),
            ControlAddress::Unix(_) => None,
        })
        .collect()
}

impl ControlPlane {
    /// Brings up the stack on `nic` with `address`, listening on `ports`; `now_ms` is the
    /// clock, `seed` any number that differs between boots.
    pub fn new(
        nic: MgmtNic,
        address: MgmtAddress,
        ports: &[(u16, bool)],
        now_ms: u64,
        seed: u64,
    ) -> ControlPlane {
        let mut nic = Nic {
            dev: nic,
            frame: Vec::with_capacity(2048),
        };
        let mut config = Config::new(EthernetAddress(nic.dev.mac()).into());
        config.random_seed = seed;
        let now = Instant::from_millis(now_ms as i64);
        let mut iface = Interface::new(config, &mut nic, now);
        let mut sockets = SocketSet::new(Vec::new());
        let mut dhcp = None;
        match address {
            MgmtAddress::Static {
                addr,
                prefix,
                gateway,
            } => {
                let a = Ipv4Address::new(addr[0], addr[1], addr[2], addr[3]);
                iface.update_ip_addrs(|addrs| {
                    let _ = addrs.push(IpCidr::Ipv4(Ipv4Cidr::new(a, prefix)));
                });
                if let Some(g) = gateway {
                    let _ = iface
                        .routes_mut()
                        .add_default_ipv4_route(Ipv4Address::new(g[0], g[1], g[2], g[3]));
                }
            }
            MgmtAddress::Dhcp => dhcp = Some(sockets.add(dhcpv4::Socket::new())),
        }
        let mut slots = Vec::new();
        for &(port, read_only) in ports {
            for _ in 0..SLOTS {
                let mut socket = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; RX_BUFFER]),
                    tcp::SocketBuffer::new(vec![0; TX_BUFFER]),
                );
                // Listening from the start: a client may connect before the first poll.
                let _ = socket.listen(port);
                slots.push(Slot {
                    handle: sockets.add(socket),
                    port,
                    read_only,
                    session: None,
                    input_closed: false,
                });
            }
        }
        ControlPlane {
            nic,
            iface,
            sockets,
            slots,
            dhcp,
            accepted: 0,
            buf: vec![0; RX_BUFFER],
        }
    }

    /// The interface's IPv4 address, once it has one.
    pub fn address(&self) -> Option<Ipv4Cidr> {
        self.iface
            .ip_addrs()
            .iter()
            .map(|a| match a {
                IpCidr::Ipv4(c) => *c,
            })
            .next()
    }

    /// Sessions open now.
    pub fn connections(&self) -> usize {
        self.slots.iter().filter(|s| s.session.is_some()).count()
    }

    /// Waits (a bounded spin) for the device to finish sending, so that every transmit
    /// buffer is back in the pool when the router's pool is counted at the end.
    pub fn quiesce(&mut self) {
        for _ in 0..1_000_000 {
            if self.nic.dev.reclaim() {
                return;
            }
            core::hint::spin_loop();
        }
    }

    /// The management NIC's frame counts.
    pub fn nic_counts(&self) -> sluice_drivers::virtio::mgmt::MgmtCounts {
        self.nic.dev.counts
    }

    /// Moves frames, accepts connections and answers what the clients sent, through
    /// `target`'s handlers. True if anything happened.
    pub fn poll<T: HandlerTarget + ?Sized>(&mut self, now_ms: u64, target: &mut T) -> bool {
        let now = Instant::from_millis(now_ms as i64);
        let mut busy = !matches!(
            self.iface.poll(now, &mut self.nic, &mut self.sockets),
            smoltcp::iface::PollResult::None
        );
        self.poll_dhcp();
        for i in 0..self.slots.len() {
            busy |= self.serve(i, target);
        }
        // Send what the sessions wrote now rather than at the next poll.
        busy |= !matches!(
            self.iface.poll(now, &mut self.nic, &mut self.sockets),
            smoltcp::iface::PollResult::None
        );
        busy
    }

    fn poll_dhcp(&mut self) {
        let Some(h) = self.dhcp else { return };
        let event = self.sockets.get_mut::<dhcpv4::Socket>(h).poll();
        match event {
            Some(dhcpv4::Event::Configured(config)) => {
                self.iface.update_ip_addrs(|addrs| {
                    addrs.clear();
                    let _ = addrs.push(IpCidr::Ipv4(config.address));
                });
                if let Some(router) = config.router {
                    let _ = self.iface.routes_mut().add_default_ipv4_route(router);
                } else {
                    self.iface.routes_mut().remove_default_ipv4_route();
                }
                log::info!("management interface: {} from DHCP", config.address);
            }
            Some(dhcpv4::Event::Deconfigured) => {
                self.iface.update_ip_addrs(|addrs| addrs.clear());
                self.iface.routes_mut().remove_default_ipv4_route();
            }
            None => {}
        }
    }

    /// One slot: listen again when free, start a session when a client connected, move
    /// bytes both ways, close when the session is done.
    fn serve<T: HandlerTarget + ?Sized>(&mut self, i: usize, target: &mut T) -> bool {
        let slot = &mut self.slots[i];
        let socket = self.sockets.get_mut::<tcp::Socket>(slot.handle);
        match socket.state() {
            tcp::State::Closed => {
                slot.session = None;
                slot.input_closed = false;
                return socket.listen(slot.port).is_ok();
            }
            // Our FIN was acknowledged and the client's came: nothing more will be said.
            tcp::State::TimeWait => {
                socket.abort();
                slot.session = None;
                return true;
            }
            tcp::State::Listen | tcp::State::SynReceived => return false,
            _ => {}
        }
        let mut busy = false;
        if slot.session.is_none() {
            if !socket.is_active() {
                return false;
            }
            slot.session = Some(Session::new(slot.read_only, LIMITS));
            self.accepted += 1;
            busy = true;
        }
        let Some(session) = slot.session.as_mut() else {
            return busy;
        };
        while session.wants_input() && socket.can_recv() {
            match socket.recv_slice(&mut self.buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    session.receive(&self.buf[..n], target);
                    busy = true;
                }
            }
        }
        if !socket.may_recv() && !slot.input_closed && !socket.can_recv() {
            slot.input_closed = true;
            session.close_input(target);
            busy = true;
        }
        // Answers for input already taken (when output room was short before).
        session.process(target);
        while !session.pending_output().is_empty() && socket.can_send() {
            match socket.send_slice(session.pending_output()) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    session.advance_output(n);
                    busy = true;
                }
            }
        }
        if session.is_done() && socket.may_send() {
            socket.close();
            busy = true;
        }
        if !socket.is_open() {
            slot.session = None;
        }
        busy
    }
}
