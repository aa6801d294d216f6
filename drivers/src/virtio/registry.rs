//! The guest's NICs, in command-line order, until their rings are claimed.
//!
//! The library OS registers each NIC at boot; `FromDevice(N)` takes NIC N's receive ring and
//! `ToDevice(N)` its transmit ring when they initialize, and give them back at cleanup. Only
//! boot, initialization and reports touch the registry; the datapath never does.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use super::net::{Nic, NicStats, RxRing, TxRing};

struct Entry {
    mac: [u8; 6],
    rx: Option<RxRing>,
    tx: Option<TxRing>,
    stats: Arc<NicStats>,
}

struct Registry {
    busy: AtomicBool,
    nics: UnsafeCell<Vec<Entry>>,
}

// SAFETY: `nics` is only reached through `with`, which holds `busy` for the duration, so
// there is one user at a time; the rings inside are Send.
unsafe impl Sync for Registry {}

static REGISTRY: Registry = Registry {
    busy: AtomicBool::new(false),
    nics: UnsafeCell::new(Vec::new()),
};

fn with<R>(f: impl FnOnce(&mut Vec<Entry>) -> R) -> R {
    while REGISTRY
        .busy
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
    // SAFETY: `busy` is held: this is the only reference to the vector.
    let r = f(unsafe { &mut *REGISTRY.nics.get() });
    REGISTRY.busy.store(false, Ordering::Release);
    r
}

/// Adds a NIC; returns its index.
pub fn register(nic: Nic) -> usize {
    with(|nics| {
        nics.push(Entry {
            mac: nic.mac,
            rx: Some(nic.rx),
            tx: Some(nic.tx),
            stats: nic.stats,
        });
        nics.len() - 1
    })
}

/// How many NICs there are.
pub fn count() -> usize {
    with(|nics| nics.len())
}

/// NIC `i`'s MAC address.
pub fn mac(i: usize) -> Option<[u8; 6]> {
    with(|nics| nics.get(i).map(|e| e.mac))
}

/// NIC `i`'s counters.
pub fn stats(i: usize) -> Option<Arc<NicStats>> {
    with(|nics| nics.get(i).map(|e| Arc::clone(&e.stats)))
}

fn missing(i: usize, n: usize) -> String {
    format!("no device {i}: the guest has {n} NIC(s) (the first is 0)")
}

/// Claims NIC `i`'s receive ring.
pub fn take_rx(i: usize) -> Result<RxRing, String> {
    with(|nics| {
        let n = nics.len();
        let e = nics.get_mut(i).ok_or_else(|| missing(i, n))?;
        e.rx.take()
            .ok_or_else(|| format!("device {i} already has a FromDevice"))
    })
}

/// Claims NIC `i`'s transmit ring.
pub fn take_tx(i: usize) -> Result<TxRing, String> {
    with(|nics| {
        let n = nics.len();
        let e = nics.get_mut(i).ok_or_else(|| missing(i, n))?;
        e.tx.take()
            .ok_or_else(|| format!("device {i} already has a ToDevice"))
    })
}

/// Gives a receive ring back (at cleanup).
pub fn return_rx(i: usize, ring: RxRing) {
    with(|nics| {
        if let Some(e) = nics.get_mut(i) {
            e.rx = Some(ring);
        }
    });
}

/// Gives a transmit ring back (at cleanup).
pub fn return_tx(i: usize, ring: TxRing) {
    with(|nics| {
        if let Some(e) = nics.get_mut(i) {
            e.tx = Some(ring);
        }
    });
}
