//! x86-64: the boot path (`boot.s`), port I/O and a few instructions.

pub mod cpu;
pub mod mem;
pub mod pci;
pub mod port;

core::arch::global_asm!(include_str!("boot.s"), options(att_syntax));
