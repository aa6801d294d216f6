//! How guest configurations name devices, shared by the guest's elements and by `sluice
//! build`, which checks the names before compiling.

/// The device index a guest `FromDevice`/`ToDevice` DEVNAME names: `N` or `ethN` is the N-th
/// virtio NIC in command-line order. `None` for anything else.
pub fn guest_device_index(devname: &str) -> Option<usize> {
    let digits = devname.strip_prefix("eth").unwrap_or(devname);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_names() {
        assert_eq!(super::guest_device_index("0"), Some(0));
        assert_eq!(super::guest_device_index("eth2"), Some(2));
        assert_eq!(super::guest_device_index("tap0"), None);
        assert_eq!(super::guest_device_index("eth"), None);
        assert_eq!(super::guest_device_index("-1"), None);
    }
}
