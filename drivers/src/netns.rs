//! Network namespaces for tests and benchmarks: a namespace that exists as long as its
//! guard, and a way to move the calling thread into it, so TAPs and packet sockets made
//! there never touch the host's own interfaces.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A named network namespace (`ip netns add`), deleted with every interface in it when the
/// guard goes.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

fn ip(args: &[&str]) -> io::Result<String> {
    let out = Command::new("ip").args(args).output()?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(io::Error::other(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl Netns {
    /// Creates a namespace with a fresh name starting with `prefix`; IPv6 is turned off
    /// in it so no router solicitation or MLD frame appears on its links.
    pub fn new(prefix: &str) -> io::Result<Netns> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        ip(&["netns", "add", &name])?;
        let ns = Netns { name };
        for key in ["all", "default"] {
            let _ = Command::new("ip")
                .args(["netns", "exec", &ns.name, "sysctl", "-qw"])
                .arg(format!("net.ipv6.conf.{key}.disable_ipv6=1"))
                .output();
        }
        Ok(ns)
    }

    /// A guard-less handle on an existing namespace (it is not deleted when dropped), to
    /// enter it from another thread.
    pub fn new_handle(name: &str) -> NetnsHandle {
        NetnsHandle {
            name: name.to_string(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Moves the calling thread into the namespace. Threads it starts afterwards are in it
    /// too; sockets it opens belong to it wherever they are used from.
    pub fn enter(&self) -> io::Result<()> {
        enter(&self.name)
    }

    /// Runs `ip -n NAME ARGS...`.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "delete", &self.name]);
    }
}

/// Why TAP-based runs cannot happen here, if they cannot: they need root, `/dev/net/tun` and
/// iproute2.
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid(2) takes nothing and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Some("no /dev/net/tun".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("no `ip` command".into()),
    }
}

/// A namespace by name, without ownership: [`Netns::new_handle`].
#[derive(Debug, Clone)]
pub struct NetnsHandle {
    name: String,
}

impl NetnsHandle {
    /// Moves the calling thread into the namespace.
    pub fn enter(&self) -> io::Result<()> {
        enter(&self.name)
    }
}

fn enter(name: &str) -> io::Result<()> {
    let file = File::open(format!("/run/netns/{name}"))?;
    // SAFETY: setns(2) with an open namespace descriptor changes only the calling thread's
    // network namespace; it touches no memory of ours.
    let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
