//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`: the linux-gnu `compiler_builtins`
//! expects libc to provide them. Copies and fills use `rep movsb` / `rep stosb` (fast on
//! every CPU with ERMS, and LLVM cannot turn them back into calls to themselves, as it does
//! with plain loops); comparisons read through `read_volatile` for the same reason.

use core::arch::asm;

/// Copies `n` bytes from `src` to `dst`; the ranges must not overlap.
///
/// # Safety
///
/// libc's contract: both ranges valid for `n` bytes, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges; rep movsb copies exactly n bytes forward
    // (the direction flag is clear: boot.s clears it and nothing sets it).
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dst => _, inout("rsi") src => _, options(nostack, preserves_flags))
    };
    dst
}

/// Copies `n` bytes from `src` to `dst`; the ranges may overlap.
///
/// # Safety
///
/// libc's contract: both ranges valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize).wrapping_add(n) {
        // SAFETY: a forward copy is correct when dst is below src or past its end.
        unsafe {
            asm!("rep movsb", inout("rcx") n => _, inout("rdi") dst => _, inout("rsi") src => _, options(nostack, preserves_flags))
        };
    } else if n > 0 {
        let last_dst = dst.wrapping_add(n - 1);
        let last_src = src.wrapping_add(n - 1);
        // SAFETY: dst overlaps src from above: copy backwards, from the last byte, with the
        // direction flag set for the copy only.
        unsafe {
            asm!(
                "std",
                "rep movsb",
                "cld",
                inout("rcx") n => _,
                inout("rdi") last_dst => _,
                inout("rsi") last_src => _,
                options(nostack)
            )
        };
    }
    dst
}

/// Fills `n` bytes at `dst` with `c`.
///
/// # Safety
///
/// libc's contract: the range valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees the range; rep stosb writes exactly n bytes forward.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") dst => _, in("al") c as u8, options(nostack, preserves_flags))
    };
    dst
}

/// Compares `n` bytes: negative, zero or positive as `a` sorts before, equal to or after `b`.
///
/// # Safety
///
/// libc's contract: both ranges valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: i < n and both ranges are valid for n bytes.
        let x = unsafe { core::ptr::read_volatile(a.wrapping_add(i)) };
        // SAFETY: as above.
        let y = unsafe { core::ptr::read_volatile(b.wrapping_add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// Zero if the `n` bytes are equal, non-zero otherwise.
///
/// # Safety
///
/// libc's contract: both ranges valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

/// The prebuilt `core` and `alloc` are compiled for unwinding and name this symbol; the
/// guest aborts on panic and never unwinds, so it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// The prebuilt `alloc` names this symbol on its unwinding paths; with `panic = "abort"`
/// nothing unwinds, so reaching it is a bug: report it as a panic would be.
#[no_mangle]
pub extern "C" fn _Unwind_Resume() -> ! {
    crate::println!("panic: unwinding is not supported in the guest");
    crate::exit::exit(crate::exit::PANIC)
}
