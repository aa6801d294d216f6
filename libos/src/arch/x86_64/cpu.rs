//! Unprivileged instructions: the time-stamp counter, CPUID, pause.

/// Reads the time-stamp counter (not serializing; fine for intervals of microseconds and
/// up).
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads the counter; boot.s leaves CR4.TSD clear, so CPL 3 may run it.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Runs CPUID for `leaf` (sub-leaf 0): (eax, ebx, ecx, edx).
#[inline]
pub fn cpuid(leaf: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86_64::__cpuid_count(leaf, 0);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// The hypervisor's CPUID signature (leaf 0x40000000: "KVMKVMKVM", "TCGTCGTCGTCG", ...) and its
/// highest hypervisor leaf, if the hypervisor bit is set.
pub fn hypervisor() -> Option<([u8; 12], u32)> {
    if cpuid(1).2 & (1 << 31) == 0 {
        return None;
    }
    let (max, b, c, d) = cpuid(0x4000_0000);
    let mut sig = [0u8; 12];
    sig[..4].copy_from_slice(&b.to_le_bytes());
    sig[4..8].copy_from_slice(&c.to_le_bytes());
    sig[8..].copy_from_slice(&d.to_le_bytes());
    Some((sig, max))
}

/// A spin-loop hint.
#[inline]
pub fn pause() {
    core::hint::spin_loop();
}
