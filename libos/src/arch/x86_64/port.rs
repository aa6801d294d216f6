//! Port I/O. The boot path runs Rust with IOPL 3, so `in` and `out` work at CPL 3.

use core::arch::asm;

/// Writes a byte to an I/O port.
///
/// # Safety
///
/// The port must belong to a device this code owns, and the write must be one that device
/// expects: a stray write can reset the machine or reprogram a timer.
#[inline]
pub unsafe fn outb(port: u16, value: u8) {
    // SAFETY: the caller vouches for the port and value; IOPL 3 (boot.s) permits the
    // instruction at CPL 3.
    unsafe {
        asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags))
    }
}

/// Reads a byte from an I/O port.
///
/// # Safety
///
/// As for [`outb`]: reading some ports has side effects (it acknowledges, or latches).
#[inline]
pub unsafe fn inb(port: u16) -> u8 {
    let value: u8;
    // SAFETY: the caller vouches for the port; IOPL 3 (boot.s) permits the instruction.
    unsafe {
        asm!("in al, dx", in("dx") port, out("al") value, options(nomem, nostack, preserves_flags))
    }
    value
}

/// Writes a 32-bit word to an I/O port.
///
/// # Safety
///
/// As for [`outb`].
#[inline]
pub unsafe fn outl(port: u16, value: u32) {
    // SAFETY: the caller vouches for the port and value; IOPL 3 permits the instruction.
    unsafe {
        asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack, preserves_flags))
    }
}

/// Reads a 32-bit word from an I/O port.
///
/// # Safety
///
/// As for [`inb`].
#[inline]
pub unsafe fn inl(port: u16) -> u32 {
    let value: u32;
    // SAFETY: the caller vouches for the port; IOPL 3 permits the instruction.
    unsafe {
        asm!("in eax, dx", in("dx") port, out("eax") value, options(nomem, nostack, preserves_flags))
    }
    value
}
