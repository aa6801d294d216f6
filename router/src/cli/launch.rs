//! `sluice launch`: boots a guest image under QEMU with the right flags, streams its
//! console, and returns its exit status.
//!
//! The flags are the ones GUEST-NOTES.md records as working on our machines: `-M microvm`
//! (virtio-mmio, fast boot) or `q35`, `-cpu host,-arch-capabilities` with KVM (plain `host`
//! fails on MSR 0x10a) or `-cpu max` with TCG, no firmware devices, the serial console on
//! stdio, and `isa-debug-exit` so the guest can end QEMU with a status. QEMU exits with
//! `(status << 1) | 1` when the guest writes `status`; [`guest_status`] undoes that.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Which accelerator to run under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    /// KVM when `/dev/kvm` opens, TCG otherwise.
    Auto,
    /// KVM only.
    Kvm,
    /// QEMU's emulator.
    Tcg,
}

impl Accel {
    /// Resolves `Auto` for this machine.
    pub fn resolve(self) -> Accel {
        match self {
            Accel::Auto if kvm_available() => Accel::Kvm,
            Accel::Auto => Accel::Tcg,
            other => other,
        }
    }

    /// Its name on QEMU's command line.
    pub fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg | Accel::Auto => "tcg",
        }
    }
}

/// Whether `/dev/kvm` can be opened for reading and writing.
pub fn kvm_available() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// One NIC's host side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nic {
    /// A TAP device on the host (created by QEMU if it does not exist; needs privileges).
    Tap(String),
    /// UDP on loopback: QEMU receives the guest's incoming frames on `local` and sends the
    /// guest's outgoing frames to `remote`. Needs no privileges.
    Udp {
        /// Port QEMU listens on.
        local: u16,
        /// Port QEMU sends to.
        remote: u16,
    },
}

impl Nic {
    /// Parses `tap:NAME` or `udp:LOCAL_PORT:REMOTE_PORT`.
    pub fn parse(s: &str) -> Result<Nic, String> {
        if let Some(name) = s.strip_prefix("tap:") {
            if name.is_empty() || name.len() > 15 || name.contains(',') {
                return Err(format!("bad TAP name in '{s}'"));
            }
            return Ok(Nic::Tap(name.to_string()));
        }
        if let Some(ports) = s.strip_prefix("udp:") {
            let (l, r) = ports
                .split_once(':')
                .ok_or_else(|| format!("'{s}': expected udp:LOCAL_PORT:REMOTE_PORT"))?;
            let port = |p: &str| {
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p != 0)
                    .ok_or_else(|| format!("'{s}': bad port '{p}'"))
            };
            return Ok(Nic::Udp {
                local: port(l)?,
                remote: port(r)?,
            });
        }
        Err(format!(
            "'{s}': a NIC is tap:NAME or udp:LOCAL_PORT:REMOTE_PORT"
        ))
    }
}

impl fmt::Display for Nic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nic::Tap(n) => write!(f, "tap:{n}"),
            Nic::Udp { local, remote } => write!(f, "udp:{local}:{remote}"),
        }
    }
}

/// The management NIC: QEMU user networking (no privileges, no route anywhere:
/// `restrict=on`), the guest at [`Mgmt::GUEST_ADDRESS`], a host port on loopback forwarded
/// to the guest's control port. It is the guest's last NIC, and `mgmt=` on the guest's
/// command line tells the guest so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mgmt {
    /// The port on 127.0.0.1.
    pub host_port: u16,
    /// The guest's `ControlSocket(TCP, PORT)` port.
    pub guest_port: u16,
}

impl Mgmt {
    /// The guest's address on the management network (QEMU user networking's first).
    pub const GUEST_ADDRESS: &'static str = "10.0.2.15/24";

    /// Parses `PORT` (the same on both sides) or `HOST_PORT:GUEST_PORT`.
    pub fn parse(s: &str) -> Result<Mgmt, String> {
        let port = |p: &str| {
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("--mgmt '{s}': bad port '{p}'"))
        };
        match s.split_once(':') {
            Some((h, g)) => Ok(Mgmt {
                host_port: port(h)?,
                guest_port: port(g)?,
            }),
            None => Ok(Mgmt {
                host_port: port(s)?,
                guest_port: port(s)?,
            }),
        }
    }
}

/// The machine type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// QEMU's minimal machine: virtio-mmio, no firmware, boots in milliseconds.
    Microvm,
    /// A PC with PCI (virtio-net-pci); slower to boot.
    Q35,
}

/// Everything `sluice launch` needs.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    /// The guest image.
    pub image: PathBuf,
    /// NICs in order: the guest's device 0, 1, ...
    pub nics: Vec<Nic>,
    /// Accelerator.
    pub accel: Accel,
    /// Machine type.
    pub machine: Machine,
    /// Guest memory, in QEMU's syntax (`64M`).
    pub memory: String,
    /// The guest's command line (`idlestop=2000 h=c.count`).
    pub append: String,
    /// A management NIC for the control socket, after the others.
    pub mgmt: Option<Mgmt>,
}

/// A port on 127.0.0.1 that is free now, for a program started next to bind itself (QEMU's
/// NIC and forwarding ports, a control socket's): `tcp` or UDP. It is picked at random
/// below Linux's ephemeral range (32768 and up), where sockets bound to port 0 never land,
/// so no socket another thread opens meanwhile can take it before the program binds it.
pub fn unused_port(tcp: bool) -> std::io::Result<u16> {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new();
    for attempt in 0u64..500 {
        let mut h = random.build_hasher();
        h.write_u64(attempt);
        let port = 20000 + (h.finish() % 12000) as u16;
        let free = if tcp {
            std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        } else {
            std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok()
        };
        if free {
            return Ok(port);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no free port on 127.0.0.1 between 20000 and 32000",
    ))
}

/// The QEMU binary.
pub const QEMU: &str = "qemu-system-x86_64";

/// The QEMU command for `o` (accelerator already resolved by the caller, or resolved here).
pub fn qemu_command(o: &LaunchOptions) -> Command {
    let accel = o.accel.resolve();
    let mut c = Command::new(QEMU);
    let machine = match o.machine {
        Machine::Microvm => "microvm",
        Machine::Q35 => "q35",
    };
    c.args(["-M", machine, "-accel", accel.name()]);
    match accel {
        Accel::Kvm => c.args(["-cpu", "host,-arch-capabilities"]),
        _ => c.args(["-cpu", "max"]),
    };
    c.args(["-m", &o.memory]);
    c.args([
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-serial",
        "stdio",
        "-device",
        "isa-debug-exit,iobase=0xf4,iosize=0x04",
    ]);
    c.arg("-kernel").arg(&o.image);
    // The management address, unless the command line gives one (`mgmt=dhcp`, say).
    let has_mgmt = o.append.split_whitespace().any(|w| w.starts_with("mgmt="));
    let append = match o.mgmt {
        Some(_) if !has_mgmt => format!("{} mgmt={}", o.append, Mgmt::GUEST_ADDRESS)
            .trim_start()
            .to_string(),
        _ => o.append.clone(),
    };
    if !append.is_empty() {
        c.args(["-append", &append]);
    }
    let device = match o.machine {
        Machine::Microvm => "virtio-net-device",
        Machine::Q35 => "virtio-net-pci",
    };
    for (i, nic) in o.nics.iter().enumerate() {
        let netdev = match nic {
            Nic::Tap(name) => {
                format!("tap,id=n{i},ifname={name},script=no,downscript=no,vhost=off")
            }
            Nic::Udp { local, remote } => {
                format!("socket,id=n{i},udp=127.0.0.1:{remote},localaddr=127.0.0.1:{local}")
            }
        };
        c.args(["-netdev", &netdev]);
        c.args(["-device", &format!("{device},netdev=n{i}")]);
    }
    if let Some(m) = o.mgmt {
        c.args([
            "-netdev",
            &format!(
                "user,id=mgmt,net=10.0.2.0/24,restrict=on,hostfwd=tcp:127.0.0.1:{}-:{}",
                m.host_port, m.guest_port
            ),
        ]);
        c.args(["-device", &format!("{device},netdev=mgmt")]);
    }
    c.stdin(Stdio::null());
    c
}

/// The guest's own status from QEMU's: `Some(status)` when the guest ended QEMU through
/// isa-debug-exit, `None` when QEMU ended another way (then its own code is the answer).
pub fn guest_status(qemu_code: i32) -> Option<i32> {
    (qemu_code & 1 == 1).then_some(qemu_code >> 1)
}

/// What a guest status means.
pub fn describe_status(status: i32) -> &'static str {
    match status {
        0 => "the router stopped",
        1 => "configuration error",
        2 => "panic",
        3 => "processor fault",
        4 => "boot failed",
        _ => "unknown status",
    }
}

/// Datagrams the host kernel dropped on their way to the loopback UDP socket bound to
/// `port` (its receive buffer was full): the `drops` column of `/proc/net/udp`. For a
/// `udp:` NIC's LOCAL port, these are frames that never reached the guest.
pub fn udp_socket_drops(port: u16) -> u64 {
    let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
    let local = format!("0100007F:{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.get(1) == Some(&local.as_str()))
                .then(|| cols.last().and_then(|d| d.parse::<u64>().ok()))
                .flatten()
        })
        .sum()
}

/// Checks that QEMU is installed; the error is one line saying what to install.
pub fn check_qemu() -> Result<(), String> {
    match Command::new(QEMU)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        _ => Err(format!(
            "{QEMU} is not installed (on Debian: apt-get install -y qemu-system-x86)"
        )),
    }
}

/// Boots the image, with its console on this process's stdout; returns the guest's exit
/// status (QEMU's own code if the guest did not set one).
pub fn launch(o: &LaunchOptions) -> Result<i32, String> {
    check_qemu()?;
    if !Path::new(&o.image).is_file() {
        return Err(format!("{}: no such image", o.image.display()));
    }
    let accel = o.accel.resolve();
    if accel == Accel::Kvm && !kvm_available() {
        return Err("--accel kvm: /dev/kvm cannot be opened".into());
    }
    let nics: Vec<String> = o.nics.iter().map(|n| n.to_string()).collect();
    eprintln!(
        "sluice: booting {} on {} under {} with {} NIC(s){}{}",
        o.image.display(),
        match o.machine {
            Machine::Microvm => "microvm",
            Machine::Q35 => "q35",
        },
        if accel == Accel::Kvm { "KVM" } else { "TCG" },
        o.nics.len(),
        if nics.is_empty() { "" } else { ": " },
        nics.join(", ")
    );
    let status = qemu_command(&LaunchOptions { accel, ..o.clone() })
        .status()
        .map_err(|e| format!("cannot run {QEMU}: {e}"))?;
    let code = status.code().unwrap_or(-1);
    Ok(match guest_status(code) {
        Some(s) => {
            eprintln!(
                "sluice: guest exited with status {s} ({})",
                describe_status(s)
            );
            s
        }
        None => {
            eprintln!("sluice: QEMU exited with code {code}");
            code
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nics_parse() {
        assert_eq!(Nic::parse("tap:sl0"), Ok(Nic::Tap("sl0".into())));
        assert_eq!(
            Nic::parse("udp:5000:5001"),
            Ok(Nic::Udp {
                local: 5000,
                remote: 5001
            })
        );
        assert!(Nic::parse("udp:5000").is_err());
        assert!(Nic::parse("udp:0:1").is_err());
        assert!(Nic::parse("eth0").is_err());
        assert!(Nic::parse("tap:").is_err());
    }

    #[test]
    fn statuses() {
        assert_eq!(guest_status(1), Some(0));
        assert_eq!(guest_status(7), Some(3));
        assert_eq!(guest_status(0), None);
    }

    #[test]
    fn command_has_one_device_per_nic_in_order() {
        let o = LaunchOptions {
            image: "x.img".into(),
            nics: vec![
                Nic::Udp {
                    local: 1,
                    remote: 2,
                },
                Nic::Tap("t".into()),
            ],
            accel: Accel::Tcg,
            machine: Machine::Microvm,
            memory: "32M".into(),
            append: "idlestop=5".into(),
            mgmt: None,
        };
        let args: Vec<String> = qemu_command(&o)
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let line = args.join(" ");
        assert!(line.contains("-M microvm -accel tcg -cpu max -m 32M"));
        assert!(line.contains("-netdev socket,id=n0,udp=127.0.0.1:2,localaddr=127.0.0.1:1 -device virtio-net-device,netdev=n0"));
        assert!(line.contains("-netdev tap,id=n1,ifname=t,script=no,downscript=no,vhost=off -device virtio-net-device,netdev=n1"));
        assert!(line.contains("-append idlestop=5"));
    }
}
