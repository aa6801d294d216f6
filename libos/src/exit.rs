//! Leaving the VMM with a status.
//!
//! QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04` exits with `(value << 1) | 1`
//! when the guest writes `value` to port 0xf4; `sluice launch` maps it back. Without that
//! device the write does nothing, and the guest triple-faults on purpose (boot.s), which
//! QEMU's `-no-reboot` turns into an exit with status 0.

use crate::arch::x86_64::port::outb;

/// The router stopped normally.
pub const SUCCESS: u8 = 0;
/// The embedded configuration failed to configure or initialize.
pub const CONFIG_ERROR: u8 = 1;
/// A Rust panic.
pub const PANIC: u8 = 2;
/// A processor fault.
pub const FAULT: u8 = 3;
/// Boot failed (no memory map, no heap).
pub const BOOT_ERROR: u8 = 4;

extern "C" {
    static mut sluice_exit_requested: u8;
    static mut sluice_exit_code: u8;
}

/// Exits the VMM with `status`.
pub fn exit(status: u8) -> ! {
    // SAFETY: port 0xf4 is the isa-debug-exit device (or nothing at all).
    unsafe { outb(0xf4, status) };
    // Still running: no isa-debug-exit. Ask boot.s's fault path for a triple fault.
    let code = core::ptr::addr_of_mut!(sluice_exit_code);
    let requested = core::ptr::addr_of_mut!(sluice_exit_requested);
    // SAFETY: boot.s defines both bytes; nothing else writes them and the guest is single
    // threaded.
    unsafe { code.write_volatile(status) };
    // SAFETY: as above.
    unsafe { requested.write_volatile(1) };
    loop {
        // SAFETY: ud2 raises #UD, which boot.s turns into the triple fault.
        unsafe { core::arch::asm!("ud2", options(nomem, nostack)) };
    }
}
