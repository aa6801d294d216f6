//! Host interface names as addresses in element arguments, as user-level Click resolves
//! them (`SetIPAddress(eth0)`, `ARPQuerier(eth1)`, `eth0:gw`), when no AddressInfo defines
//! the name.

use sluice_router::instantiate::instantiate;
use sluice_router::lang::{flatten_str, FlattenOptions};

fn errors(text: &str) -> Vec<String> {
    sluice_elements::io::device::set_interface_lookup(sluice_drivers::host::interface_addresses);
    let (_, flat, errs) = flatten_str("t.click", text, &FlattenOptions::default());
    assert!(errs.is_empty(), "{errs:?}");
    instantiate(flat)
        .errors
        .into_iter()
        .map(|e| e.message)
        .collect()
}

#[test]
fn interface_names_resolve_to_the_hosts_addresses() {
    // Loopback always exists: 127.0.0.1/8, no MAC.
    assert!(errors("Idle -> SetIPAddress(lo) -> Discard;").is_empty());
    assert!(errors("Idle -> SetIPAddress(lo:ip) -> Discard;").is_empty());
    assert!(errors("Idle -> SetIPAddress(lo:bcast) -> Discard;").is_empty());
    assert!(errors("Idle -> StaticIPLookup(lo:ipnet 0) -> Discard;").is_empty());
    // No such interface, and loopback has no Ethernet address.
    assert_eq!(
        errors("Idle -> SetIPAddress(nosuchif0) -> Discard;").len(),
        1
    );
    assert_eq!(
        errors("Idle -> a :: ARPQuerier(lo) -> Discard; Idle -> [1]a;").len(),
        1
    );
    // AddressInfo comes first.
    assert!(errors("AddressInfo(lo 10.0.0.1 02:00:00:00:00:01); Idle -> a :: ARPQuerier(lo) -> Discard; Idle -> [1]a;").is_empty());
}
