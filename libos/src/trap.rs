//! Faults and panics: print what happened, then exit with a failure status.
//!
//! boot.s points the 32 exception vectors at `fault_common`, which records the CPU's frame
//! in [`FaultFrame`] at CPL 0 and returns to CPL 3 in `sluice_fault_entry`, on a stack of its
//! own. From there it is ordinary Rust: print the vector, the faulting instruction and
//! address, and the return addresses found by following the frame-pointer chain (guest images
//! are built with frame pointers), then exit with [`exit::FAULT`].

use crate::exit::{self, exit};
use crate::println;

/// What boot.s records when a fault arrives. The layout is boot.s's.
#[repr(C)]
#[derive(Debug)]
pub struct FaultFrame {
    /// Exception vector.
    pub vector: u64,
    /// Error code (0 for vectors without one).
    pub error: u64,
    /// Faulting instruction.
    pub rip: u64,
    /// Code segment at the fault.
    pub cs: u64,
    /// Flags at the fault.
    pub rflags: u64,
    /// Stack pointer at the fault.
    pub rsp: u64,
    /// Stack segment at the fault.
    pub ss: u64,
    /// CR2: the address a page fault tried to reach.
    pub cr2: u64,
    /// The frame pointer at the fault.
    pub rbp: u64,
    /// CR3.
    pub cr3: u64,
    /// RAX at the fault.
    pub rax: u64,
}

/// The exception's name.
pub fn vector_name(v: u64) -> &'static str {
    match v {
        0 => "divide error",
        1 => "debug",
        2 => "non-maskable interrupt",
        3 => "breakpoint",
        4 => "overflow",
        5 => "bound range exceeded",
        6 => "invalid opcode",
        7 => "device not available",
        8 => "double fault",
        10 => "invalid TSS",
        11 => "segment not present",
        12 => "stack-segment fault",
        13 => "general protection fault",
        14 => "page fault",
        16 => "x87 floating-point error",
        17 => "alignment check",
        18 => "machine check",
        19 => "SIMD floating-point error",
        _ => "reserved exception",
    }
}

extern "C" {
    static sluice_image_start: u8;
    static sluice_image_end: u8;
}

fn image_range() -> (u64, u64) {
    (
        core::ptr::addr_of!(sluice_image_start) as u64,
        core::ptr::addr_of!(sluice_image_end) as u64,
    )
}

/// Prints up to 24 return addresses from the frame-pointer chain starting at `rbp`. Only
/// frames inside the image (where the stacks are) are followed.
pub fn print_backtrace(mut rbp: u64) {
    let (lo, hi) = image_range();
    println!("backtrace (return addresses; resolve with addr2line -f -e IMAGE.sym):");
    for depth in 0..24 {
        if rbp == 0 || rbp % 8 != 0 || rbp < lo || rbp + 16 > hi {
            break;
        }
        let frame = rbp as *const u64;
        // SAFETY: rbp is 8-aligned and the two words lie inside the image, which is mapped.
        let ret = unsafe { frame.wrapping_add(1).read_volatile() };
        // SAFETY: as above.
        let next = unsafe { frame.read_volatile() };
        if ret == 0 {
            break;
        }
        println!("  #{depth:<2} {ret:#x}");
        if next <= rbp {
            break;
        }
        rbp = next;
    }
}

/// Where boot.s sends every fault, at CPL 3 on the fault stack.
#[no_mangle]
extern "C" fn sluice_fault_entry(frame: &FaultFrame) -> ! {
    println!();
    println!(
        "fault: {} (vector {}) at rip {:#x}, error code {:#x}",
        vector_name(frame.vector),
        frame.vector,
        frame.rip,
        frame.error
    );
    if frame.vector == 14 {
        let access = if frame.error & 2 != 0 {
            "write"
        } else {
            "read"
        };
        println!("  {access} of address {:#x}", frame.cr2);
    }
    println!(
        "  rsp {:#x}, rbp {:#x}, rflags {:#x}, cs {:#x}",
        frame.rsp, frame.rbp, frame.rflags, frame.cs
    );
    println!("  #-1 {:#x} (faulting instruction)", frame.rip);
    print_backtrace(frame.rbp);
    exit(exit::FAULT)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    println!();
    println!("panic: {info}");
    let rbp: u64;
    // SAFETY: reads the frame pointer register only.
    unsafe {
        core::arch::asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags))
    };
    print_backtrace(rbp);
    exit(exit::PANIC)
}
