//! Host packet devices as FromDevice and ToDevice see them: the [`HostDevice`] trait, the
//! [`DeviceSpec`] that names one, and the process-wide opener a program registers.
//!
//! This crate is `#![forbid(unsafe_code)]`, so it cannot open a TAP or a packet socket itself. A program
//! that can (the `sluice` command, with `sluice-drivers`) registers an opener at start with
//! [`set_device_opener`]; the elements open their devices through [`open_device`] and
//! [`attach`]. A program that registers nothing still configures and checks device
//! elements; only initializing one fails, with "no device support in this program".
//!
//! FromDevice and ToDevice naming the same device share one open device, as Click's
//! ToDevice reuses its FromDevice's socket: a TAP can be attached only once, and a packet
//! socket does not see its own transmissions, so FromDevice never receives what the
//! ToDevice beside it sends.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, TryLockError};

use crate::packet::PacketType;
use crate::wire::ethernet::EthernetAddress;

/// One host packet device, open: a TAP, a packet socket, or a test double. Every call is
/// non-blocking.
pub trait HostDevice: Send {
    /// Receives one frame into `buf` if one is waiting: `Ok(Some(len))` with `len` the
    /// frame's length on the wire. When `len > buf.len()` the frame was cut to `buf.len()`
    /// bytes. `Ok(None)` when no frame is waiting.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>>;

    /// Sends one frame: `Ok(true)` if the device took it, `Ok(false)` if it would block
    /// (its queue is full; try again later), `Err` if it refused the frame.
    fn send(&mut self, frame: &[u8]) -> io::Result<bool>;

    /// The interface's MAC address, if it has one and it is known.
    fn mac(&self) -> Option<EthernetAddress>;

    /// The interface's name (`eth0`, `tap0`).
    fn name(&self) -> &str;

    /// The kernel's interface index, if it has one.
    fn ifindex(&self) -> Option<u32> {
        None
    }

    /// Who the last frame [`HostDevice::recv`] returned was addressed to, if the device
    /// knows (a packet socket does; a TAP does not).
    fn last_packet_type(&self) -> Option<PacketType> {
        None
    }

    /// Frames the kernel dropped before they could be received, if known (Click's
    /// `kernel_drops`).
    fn kernel_drops(&mut self) -> Option<u64> {
        None
    }

    /// Turns promiscuous reception on or off. Devices where it means nothing accept it.
    fn set_promiscuous(&mut self, on: bool) -> io::Result<()> {
        let _ = on;
        Ok(())
    }
}

/// What kind of device a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// A TAP named NAME, created (or attached to, if it exists) through `/dev/net/tun`.
    /// Frames the host kernel sends on the TAP are received; frames sent reach the host
    /// kernel as if they came from a wire.
    Tap,
    /// A raw `AF_PACKET` socket bound to the existing interface NAME (Click's
    /// `METHOD LINUX`).
    Packet,
    /// The N-th device given to the program (`FromDevice(0)`): in the guest, the N-th
    /// virtio NIC. A host program may refuse it.
    Numbered(u32),
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceKind::Tap => f.write_str("TAP"),
            DeviceKind::Packet => f.write_str("LINUX"),
            DeviceKind::Numbered(n) => write!(f, "device {n}"),
        }
    }
}

/// Which device to open, and how.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceSpec {
    /// The interface name, without any `tap:` prefix (empty for a numbered device).
    pub name: String,
    /// What the name stands for.
    pub kind: DeviceKind,
    /// Receive frames addressed to other hosts too.
    pub promisc: bool,
    /// Also receive the frames the host itself sends on the interface (Click's
    /// `OUTBOUND`; packet sockets only).
    pub outbound: bool,
}

impl DeviceSpec {
    /// A spec with promiscuous mode and outbound frames off.
    pub fn new(name: impl Into<String>, kind: DeviceKind) -> Self {
        DeviceSpec {
            name: name.into(),
            kind,
            promisc: false,
            outbound: false,
        }
    }

    /// Reads Click's DEVNAME and METHOD as FromDevice and ToDevice take them:
    ///
    /// - `tap:NAME`, or `NAME` with `METHOD TAP`: a TAP;
    /// - `NAME` with no METHOD, `METHOD LINUX` or `METHOD PCAP`: a packet socket (Sluice has
    ///   no libpcap; PCAP captures the same way LINUX does);
    /// - a bare number `N`: the N-th device given to the program.
    ///
    /// The error is the message for a configuration error.
    pub fn parse(devname: &str, method: Option<&str>) -> Result<DeviceSpec, String> {
        let tap_name = devname.strip_prefix("tap:");
        let kind = match (method, tap_name) {
            (Some("TAP"), _) | (None, Some(_)) => DeviceKind::Tap,
            (Some("LINUX" | "PCAP"), Some(_)) => {
                return Err(format!(
                    "'{devname}' names a TAP, which METHOD {} cannot open",
                    method.unwrap_or_default()
                ))
            }
            (None | Some("LINUX" | "PCAP"), None) => DeviceKind::Packet,
            (Some(other), _) => {
                return Err(format!(
                    "bad METHOD '{other}' (expected LINUX, PCAP or TAP)"
                ))
            }
        };
        let name = tap_name.unwrap_or(devname);
        if name.is_empty() {
            return Err(String::from("interface not set"));
        }
        if name.bytes().all(|b| b.is_ascii_digit()) {
            if kind == DeviceKind::Tap && tap_name.is_some() {
                // `tap:0` is a TAP named "0": odd, but a legal interface name.
            } else {
                return match name.parse::<u32>() {
                    Ok(n) => Ok(DeviceSpec::new("", DeviceKind::Numbered(n))),
                    Err(_) => Err(format!("device number '{name}' out of range")),
                };
            }
        }
        // Linux interface names: at most 15 bytes, no '/' or whitespace, not "." or "..".
        if name.len() > 15
            || name == "."
            || name == ".."
            || name.bytes().any(|b| b == b'/' || b.is_ascii_whitespace())
        {
            return Err(format!("bad interface name '{name}'"));
        }
        Ok(DeviceSpec::new(name, kind))
    }

    /// How the spec reads in messages: `tap:NAME`, `NAME`, or `device N`.
    pub fn describe(&self) -> String {
        match self.kind {
            DeviceKind::Tap => format!("tap:{}", self.name),
            DeviceKind::Packet => self.name.clone(),
            DeviceKind::Numbered(n) => format!("device {n}"),
        }
    }
}

/// A function that opens the device a spec names.
pub type DeviceOpener = fn(&DeviceSpec) -> io::Result<Box<dyn HostDevice>>;

/// The registered opener. An `RwLock` rather than a `OnceLock` so a test binary can register
/// its own and every test can call `set_device_opener` without caring who was first.
static OPENER: RwLock<Option<DeviceOpener>> = RwLock::new(None);

/// Devices open now, shared between the elements that name them.
static OPEN: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// Registers the function that opens devices, for the whole process (the `sluice` program
/// registers `sluice_drivers::host::open` as it starts). A later call replaces it.
pub fn set_device_opener(f: DeviceOpener) {
    *OPENER.write().unwrap_or_else(PoisonError::into_inner) = Some(f);
}

/// A host interface's addresses, for configuration arguments that name an interface
/// (`ARPQuerier(eth1)`, `SetIPAddress(eth0:gw)`), as user-level Click resolves them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterfaceAddresses {
    /// Its IPv4 address, if it has one.
    pub ip: Option<crate::wire::Ipv4Address>,
    /// Its IPv4 prefix length, with `ip`.
    pub prefix_len: u8,
    /// Its MAC address, if it is Ethernet-like.
    pub mac: Option<EthernetAddress>,
    /// The gateway of its default route, if it has one.
    pub gateway: Option<crate::wire::Ipv4Address>,
}

/// A function that looks up a host interface's addresses.
pub type InterfaceLookup = fn(&str) -> Option<InterfaceAddresses>;

static INTERFACES: RwLock<Option<InterfaceLookup>> = RwLock::new(None);

/// Registers the function that looks up host interfaces' addresses (the `sluice` program
/// registers `sluice_drivers::host::interface_addresses`).
pub fn set_interface_lookup(f: InterfaceLookup) {
    *INTERFACES.write().unwrap_or_else(PoisonError::into_inner) = Some(f);
}

/// The addresses of host interface `name`, if a lookup is registered and it exists.
pub fn interface_addresses(name: &str) -> Option<InterfaceAddresses> {
    let lookup = *INTERFACES.read().unwrap_or_else(PoisonError::into_inner);
    lookup.and_then(|f| f(name))
}

/// The devices `FromDevice(N)` and `ToDevice(N)` stand for in a host program (the N-th
/// `--nic` of `sluice run`), so a configuration written for a guest runs on TAPs too.
static NUMBERED: RwLock<Vec<DeviceSpec>> = RwLock::new(Vec::new());

/// Sets the devices numbered device specs stand for, in order.
pub fn set_numbered_devices(devices: Vec<DeviceSpec>) {
    *NUMBERED.write().unwrap_or_else(PoisonError::into_inner) = devices;
}

/// The device a numbered spec stands for (with the spec's own flags), `None` for other
/// specs, an error if no device has that number.
fn numbered_device(spec: &DeviceSpec) -> io::Result<Option<DeviceSpec>> {
    let DeviceKind::Numbered(n) = spec.kind else {
        return Ok(None);
    };
    let devices = NUMBERED.read().unwrap_or_else(PoisonError::into_inner);
    match devices.get(n as usize) {
        Some(d) => Ok(Some(DeviceSpec {
            promisc: spec.promisc || d.promisc,
            outbound: spec.outbound || d.outbound,
            ..d.clone()
        })),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "device {n} was not given: the program has {} (sluice run --nic tap:NAME or --nic NAME, once per device)",
                devices.len()
            ),
        )),
    }
}

/// Opens the device `spec` names with the registered opener, unshared.
pub fn open_device(spec: &DeviceSpec) -> io::Result<Box<dyn HostDevice>> {
    let opener = *OPENER.read().unwrap_or_else(PoisonError::into_inner);
    open_with(opener, spec)
}

fn open_with(opener: Option<DeviceOpener>, spec: &DeviceSpec) -> io::Result<Box<dyn HostDevice>> {
    match opener {
        Some(open) => open(spec),
        None => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no device support in this program",
        )),
    }
}

/// One open device and who uses it.
struct Shared {
    name: String,
    kind: DeviceKind,
    device: Mutex<Box<dyn HostDevice>>,
    writer: AtomicBool,
}

/// A handle on a device that FromDevice and ToDevice elements naming the same interface
/// share. The device closes (and a TAP we created disappears) when the last handle goes.
#[derive(Clone)]
pub struct DeviceHandle {
    shared: Arc<Shared>,
}

impl fmt::Debug for DeviceHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceHandle")
            .field("name", &self.shared.name)
            .field("kind", &self.shared.kind)
            .finish()
    }
}

/// Opens the device `spec` names, or shares it with the elements that already opened it.
/// A spec asking for promiscuous mode turns it on for the shared device.
pub fn attach(spec: &DeviceSpec) -> io::Result<DeviceHandle> {
    let numbered = numbered_device(spec)?;
    let spec = numbered.as_ref().unwrap_or(spec);
    let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
    open.retain(|w| w.strong_count() > 0);
    for weak in open.iter() {
        let Some(shared) = weak.upgrade() else {
            continue;
        };
        if shared.name == spec.name && shared.kind == spec.kind {
            let handle = DeviceHandle { shared };
            if spec.promisc {
                handle.with(|d| d.set_promiscuous(true))?;
            }
            return Ok(handle);
        }
    }
    let device = open_device(spec)?;
    let shared = Arc::new(Shared {
        name: spec.name.clone(),
        kind: spec.kind,
        device: Mutex::new(device),
        writer: AtomicBool::new(false),
    });
    open.push(Arc::downgrade(&shared));
    Ok(DeviceHandle { shared })
}

impl DeviceHandle {
    /// Runs `f` on the device. The runtime is single-threaded and elements never call back
    /// into another element while they hold a device, so the lock is always free; a
    /// poisoned lock (a panic elsewhere) still hands the device out.
    pub fn with<R>(&self, f: impl FnOnce(&mut dyn HostDevice) -> R) -> R {
        let mut guard = self.lock();
        f(&mut **guard)
    }

    /// Like [`DeviceHandle::with`], but `None` instead of waiting if the device is in use.
    pub fn try_with<R>(&self, f: impl FnOnce(&mut dyn HostDevice) -> R) -> Option<R> {
        let mut guard = match self.shared.device.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(f(&mut **guard))
    }

    fn lock(&self) -> MutexGuard<'_, Box<dyn HostDevice>> {
        self.shared
            .device
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims the right to send on the device: false if another element holds it (Click
    /// allows one writer per device). The claim lasts as long as the returned guard.
    pub fn claim_writer(&self) -> Option<WriterClaim> {
        self.shared
            .writer
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| WriterClaim {
                shared: Arc::clone(&self.shared),
            })
    }
}

/// The right to send on a device, given back when dropped.
pub struct WriterClaim {
    shared: Arc<Shared>,
}

impl fmt::Debug for WriterClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterClaim")
            .field("name", &self.shared.name)
            .finish()
    }
}

impl Drop for WriterClaim {
    fn drop(&mut self) {
        self.shared.writer.store(false, Ordering::Release);
    }
}

/// Test doubles: in-memory devices that tests of this crate's device elements open by
/// name. Each name is one device whose receive queue the test fills and whose sent frames
/// it reads.
#[cfg(test)]
pub(crate) mod fake {
    use super::*;
    use alloc::collections::VecDeque;
    use std::collections::HashMap;
    use std::sync::OnceLock;

    /// The state of one fake device.
    #[derive(Default)]
    pub(crate) struct FakeState {
        pub rx: VecDeque<Vec<u8>>,
        pub sent: Vec<Vec<u8>>,
        /// Sends that report "would block" before the device takes frames again.
        pub block_sends: usize,
        /// Sends that fail with an error.
        pub fail_sends: usize,
        pub opens: usize,
        pub promisc: bool,
        pub packet_type: Option<PacketType>,
    }

    fn table() -> &'static Mutex<HashMap<String, Arc<Mutex<FakeState>>>> {
        static TABLE: OnceLock<Mutex<HashMap<String, Arc<Mutex<FakeState>>>>> = OnceLock::new();
        TABLE.get_or_init(Default::default)
    }

    /// The fake device called `name`, made on first use.
    pub(crate) fn state(name: &str) -> Arc<Mutex<FakeState>> {
        let mut t = table().lock().unwrap();
        Arc::clone(t.entry(name.into()).or_default())
    }

    struct Fake {
        name: String,
        state: Arc<Mutex<FakeState>>,
    }

    impl HostDevice for Fake {
        fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
            let mut s = self.state.lock().unwrap();
            let Some(frame) = s.rx.pop_front() else {
                return Ok(None);
            };
            let n = frame.len().min(buf.len());
            buf[..n].copy_from_slice(&frame[..n]);
            Ok(Some(frame.len()))
        }

        fn send(&mut self, frame: &[u8]) -> io::Result<bool> {
            let mut s = self.state.lock().unwrap();
            if s.fail_sends > 0 {
                s.fail_sends -= 1;
                return Err(io::Error::other("fake send failure"));
            }
            if s.block_sends > 0 {
                s.block_sends -= 1;
                return Ok(false);
            }
            s.sent.push(frame.to_vec());
            Ok(true)
        }

        fn mac(&self) -> Option<EthernetAddress> {
            Some(EthernetAddress([2, 0, 0, 0, 0, 1]))
        }

        fn name(&self) -> &str {
            &self.name
        }

        fn ifindex(&self) -> Option<u32> {
            Some(7)
        }

        fn last_packet_type(&self) -> Option<PacketType> {
            self.state.lock().unwrap().packet_type
        }

        fn kernel_drops(&mut self) -> Option<u64> {
            Some(3)
        }

        fn set_promiscuous(&mut self, on: bool) -> io::Result<()> {
            self.state.lock().unwrap().promisc = on;
            Ok(())
        }
    }

    /// Opens fake devices (numbered devices never reach an opener: `attach` maps them to
    /// the devices the program was given first); a numbered spec is refused.
    pub(crate) fn open(spec: &DeviceSpec) -> io::Result<Box<dyn HostDevice>> {
        if let DeviceKind::Numbered(n) = spec.kind {
            return Err(io::Error::other(format!("no device {n}")));
        }
        let state = state(&spec.name);
        {
            let mut s = state.lock().unwrap();
            s.opens += 1;
            s.promisc |= spec.promisc;
        }
        Ok(Box::new(Fake {
            name: spec.name.clone(),
            state,
        }))
    }

    /// Registers the fake opener (every test that opens devices calls it first).
    pub(crate) fn install() {
        set_device_opener(open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_methods_choose_the_kind() {
        let p = |d: &str, m: Option<&str>| DeviceSpec::parse(d, m);
        assert_eq!(p("eth0", None).unwrap().kind, DeviceKind::Packet);
        assert_eq!(p("eth0", Some("LINUX")).unwrap().kind, DeviceKind::Packet);
        assert_eq!(p("eth0", Some("PCAP")).unwrap().kind, DeviceKind::Packet);
        let tap = p("tap:sl0", None).unwrap();
        assert_eq!((tap.name.as_str(), tap.kind), ("sl0", DeviceKind::Tap));
        assert_eq!(tap.describe(), "tap:sl0");
        let tap = p("sl0", Some("TAP")).unwrap();
        assert_eq!((tap.name.as_str(), tap.kind), ("sl0", DeviceKind::Tap));
        assert_eq!(p("0", None).unwrap().kind, DeviceKind::Numbered(0));
        assert_eq!(
            p("12", Some("LINUX")).unwrap().kind,
            DeviceKind::Numbered(12)
        );
        assert_eq!(p("tap:0", None).unwrap().kind, DeviceKind::Tap);
        assert!(p("tap:x", Some("LINUX"))
            .unwrap_err()
            .contains("names a TAP"));
        assert!(p("eth0", Some("NETMAP"))
            .unwrap_err()
            .contains("bad METHOD"));
        assert_eq!(p("", None).unwrap_err(), "interface not set");
        assert_eq!(p("tap:", None).unwrap_err(), "interface not set");
        assert!(p("a-name-far-too-long", None).is_err());
        assert!(p("a/b", None).is_err());
        assert!(p("99999999999", None).is_err());
    }

    #[test]
    fn without_an_opener_devices_do_not_open() {
        let err = open_with(None, &DeviceSpec::new("eth0", DeviceKind::Packet))
            .err()
            .expect("no opener");
        assert_eq!(err.to_string(), "no device support in this program");
    }

    #[test]
    fn elements_naming_one_device_share_it() {
        fake::install();
        let spec = DeviceSpec::new("devshare", DeviceKind::Tap);
        let a = attach(&spec).unwrap();
        let mut promisc = spec.clone();
        promisc.promisc = true;
        let b = attach(&promisc).unwrap();
        let state = fake::state("devshare");
        assert_eq!(state.lock().unwrap().opens, 1);
        assert!(state.lock().unwrap().promisc);
        // A packet socket on an interface of the same name is another device.
        let _c = attach(&DeviceSpec::new("devshare", DeviceKind::Packet)).unwrap();
        assert_eq!(state.lock().unwrap().opens, 2);
        let claim = a.claim_writer().expect("first writer");
        assert!(b.claim_writer().is_none());
        drop(claim);
        assert!(b.claim_writer().is_some());
        assert_eq!(a.with(|d| d.name().to_string()), "devshare");
        // Reentrant use reports the device busy instead of deadlocking.
        assert_eq!(a.with(|_| b.try_with(|_| ())), None);
        drop((a, b));
        // Every handle gone: the next attach opens the device again.
        let _d = attach(&spec).unwrap();
        assert_eq!(state.lock().unwrap().opens, 3);
    }
}
