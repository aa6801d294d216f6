/*
 * The guest's boot path, from the PVH entry to Rust at CPL 3.
 *
 * QEMU (and any VMM speaking PVH) finds the 32-bit entry through the "Xen" ELF note of type
 * 18 and jumps to it in 32-bit protected mode, paging off, with %ebx holding the physical
 * address of hvm_start_info. This file:
 *
 *   1. builds identity page tables for the first 4 GiB (2 MiB pages, U/S set at every level,
 *      so code at CPL 3 can reach all of it: RAM, the virtio-mmio window at 0xfeb00000, the
 *      IOAPIC and PCI holes);
 *   2. enters long mode and loads a GDT with kernel and user segments and a TSS;
 *   3. enables SSE, loads an IDT whose 32 exception gates lead to fault_common, masks both
 *      8259 PICs, and turns on kvmclock when the hypervisor offers it;
 *   4. drops to CPL 3 with IOPL 3 and IF = 0 (iretq) and calls sluice_rust_entry(start_info).
 *
 * Everything here runs at CPL 0, which a PVM host executes in its instruction emulator: only
 * integer instructions, no SSE (GUEST-NOTES.md). Faults come back to ring 0 through the IDT;
 * fault_common records the frame in sluice_fault_frame and returns to CPL 3 in
 * sluice_fault_entry (Rust), which prints it and exits. A fault while handling a fault, or a
 * requested exit when no isa-debug-exit device answered, ends in a deliberate triple fault,
 * which QEMU's -no-reboot turns into an exit.
 */

    .set KERNEL_CS, 0x08
    .set KERNEL_DS, 0x10
    .set USER_DS, 0x2b
    .set USER_CS, 0x33
    .set TSS_SEL, 0x38
    .set USER_RFLAGS, 0x3002       /* IOPL = 3, IF = 0, reserved bit 1 */

    .section .note.pvh, "a", @note
    .p2align 2
    .long 4                        /* name size: "Xen\0" */
    .long 4                        /* descriptor size */
    .long 18                       /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long sluice_pvh_entry
    .p2align 2

    .section .text.boot, "ax"
    .code32
    .globl sluice_pvh_entry
sluice_pvh_entry:
    cli
    cld
    mov %ebx, %esi                 /* hvm_start_info, kept in %esi */

    /* PML4[0] -> PDPT; PDPT[0..4] -> four page directories of 2 MiB pages. */
    mov $sluice_pdpt, %eax
    or $0x7, %eax
    mov %eax, sluice_pml4
    mov $sluice_pd, %eax
    or $0x7, %eax
    mov %eax, sluice_pdpt
    add $0x1000, %eax
    mov %eax, sluice_pdpt + 8
    add $0x1000, %eax
    mov %eax, sluice_pdpt + 16
    add $0x1000, %eax
    mov %eax, sluice_pdpt + 24
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x87, %eax                 /* present, writable, user, 2 MiB */
    mov %eax, sluice_pd(,%ecx,8)
    mov %ecx, %edx
    shr $11, %edx                  /* bits 32 and up of ecx << 21 */
    mov %edx, sluice_pd + 4(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    mov %cr4, %eax
    or $0x20, %eax                 /* PAE */
    mov %eax, %cr4
    mov $sluice_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx          /* EFER */
    rdmsr
    or $0x100, %eax                /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax           /* PG, PE */
    mov %eax, %cr0
    lgdt sluice_gdt_ptr
    ljmp $KERNEL_CS, $2f

    .code64
2:  mov $KERNEL_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $sluice_kernel_stack_top, %rsp

    /* SSE: CR0.EM off, CR0.MP on; CR4.OSFXSR and CR4.OSXMMEXCPT on. */
    mov %cr0, %rax
    and $~0x4, %rax
    or $0x2, %rax
    mov %rax, %cr0
    mov %cr4, %rax
    or $0x600, %rax
    mov %rax, %cr4

    /* TSS: RSP0 for faults at CPL 3, IST1 for double faults, and an I/O permission bitmap
     * allowing every port: with IOPL 3 it is redundant on hardware, but the PVM hypervisor
     * checks the bitmap (a TSS without one makes every in/out at CPL 3 fault). */
    mov $sluice_kernel_stack_top, %rax
    mov %rax, sluice_tss + 4
    mov $sluice_ist_stack_top, %rax
    mov %rax, sluice_tss + 36
    movw $104, sluice_tss + 102
    movb $0xff, sluice_tss + 104 + 8192   /* the bitmap's terminating byte */
    mov $sluice_tss, %eax
    mov %eax, %ecx
    and $0xFFFFFF, %ecx
    shl $16, %rcx                  /* base[23:0] -> bits 16..39 */
    mov %eax, %edx
    and $0xFF000000, %edx
    shl $32, %rdx                  /* base[31:24] -> bits 56..63 */
    or %rdx, %rcx
    movabs $0x0000890000002068, %rdx   /* present, 64-bit available TSS, limit 104 + 8192 */
    or %rdx, %rcx
    mov %rcx, sluice_gdt_tss
    movq $0, sluice_gdt_tss + 8
    mov $TSS_SEL, %ax
    ltr %ax

    /* IDT: 32 interrupt gates; the double fault (8) runs on IST1. */
    xor %ecx, %ecx
3:  mov sluice_fault_stubs(,%rcx,8), %rax
    mov %rcx, %rdi
    shl $4, %rdi
    add $sluice_idt, %rdi
    mov %ax, (%rdi)                /* offset 15:0 */
    movw $KERNEL_CS, 2(%rdi)
    xor %edx, %edx
    cmp $8, %ecx
    jne 4f
    mov $1, %edx
4:  mov %dl, 4(%rdi)               /* IST */
    movb $0x8E, 5(%rdi)            /* present, DPL 0, interrupt gate */
    shr $16, %rax
    mov %ax, 6(%rdi)               /* offset 31:16 */
    shr $16, %rax
    mov %eax, 8(%rdi)              /* offset 63:32 */
    movl $0, 12(%rdi)
    inc %ecx
    cmp $32, %ecx
    jne 3b
    lidt sluice_idt_ptr

    /* Mask both 8259 PICs: the guest polls and takes no interrupt. */
    mov $0xFF, %al
    out %al, $0x21
    out %al, $0xA1

    /* kvmclock, when the hypervisor is KVM and offers it (CPUID 0x40000001 bit 3):
     * MSR_KVM_SYSTEM_TIME_NEW <- address of sluice_pvclock | enable. Only CPL 0 may
     * write an MSR, so it happens here; the clock module reads the result. */
    mov $0x40000000, %eax
    cpuid
    cmp $0x4b4d564b, %ebx          /* "KVMK" */
    jne 5f
    cmp $0x40000001, %eax
    jb 5f
    mov $0x40000001, %eax
    cpuid
    test $0x8, %eax
    jz 5f
    mov $0x4b564d01, %ecx
    mov $sluice_pvclock, %eax
    or $1, %eax
    xor %edx, %edx
    wrmsr
    movb $1, sluice_pvclock_enabled
5:
    /* Drop to CPL 3: user segments, IOPL 3, IF = 0. */
    mov $USER_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %esi, %edi                 /* first argument: hvm_start_info */
    pushq $USER_DS
    pushq $sluice_user_stack_top
    pushq $USER_RFLAGS
    pushq $USER_CS
    pushq $sluice_rust_entry_trampoline
    iretq

    /* At CPL 3: a frame-pointer chain that ends here, then Rust. */
sluice_rust_entry_trampoline:
    xor %ebp, %ebp
    call sluice_rust_entry
    ud2

/*
 * Exception stubs: each pushes a zero error code when the CPU does not push one, then its
 * vector, and joins fault_common.
 */
    .macro fault_stub n, has_error
    .p2align 4
sluice_fault_stub_\n:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\n
    jmp fault_common
    .endm

    fault_stub 0, 0
    fault_stub 1, 0
    fault_stub 2, 0
    fault_stub 3, 0
    fault_stub 4, 0
    fault_stub 5, 0
    fault_stub 6, 0
    fault_stub 7, 0
    fault_stub 8, 1
    fault_stub 9, 0
    fault_stub 10, 1
    fault_stub 11, 1
    fault_stub 12, 1
    fault_stub 13, 1
    fault_stub 14, 1
    fault_stub 15, 0
    fault_stub 16, 0
    fault_stub 17, 1
    fault_stub 18, 0
    fault_stub 19, 0
    fault_stub 20, 0
    fault_stub 21, 1
    fault_stub 22, 0
    fault_stub 23, 0
    fault_stub 24, 0
    fault_stub 25, 0
    fault_stub 26, 0
    fault_stub 27, 0
    fault_stub 28, 0
    fault_stub 29, 1
    fault_stub 30, 1
    fault_stub 31, 0

/*
 * Stack on entry: vector, error code, then the CPU's frame (rip, cs, rflags, rsp, ss).
 * Records everything in sluice_fault_frame and returns to CPL 3 in sluice_fault_entry on its
 * own stack. A second fault, or an exit request (sluice_exit_requested), triple-faults.
 */
fault_common:
    cmpb $0, sluice_exit_requested
    jne die
    cmpb $0, sluice_fault_active
    jne die
    movb $1, sluice_fault_active
    mov %rax, sluice_fault_frame + 80
    mov (%rsp), %rax
    mov %rax, sluice_fault_frame + 0      /* vector */
    mov 8(%rsp), %rax
    mov %rax, sluice_fault_frame + 8      /* error code */
    mov 16(%rsp), %rax
    mov %rax, sluice_fault_frame + 16     /* rip */
    mov 24(%rsp), %rax
    mov %rax, sluice_fault_frame + 24     /* cs */
    mov 32(%rsp), %rax
    mov %rax, sluice_fault_frame + 32     /* rflags */
    mov 40(%rsp), %rax
    mov %rax, sluice_fault_frame + 40     /* rsp */
    mov 48(%rsp), %rax
    mov %rax, sluice_fault_frame + 48     /* ss */
    mov %cr2, %rax
    mov %rax, sluice_fault_frame + 56     /* faulting address */
    mov %rbp, sluice_fault_frame + 64     /* frame pointer at the fault */
    mov %cr3, %rax
    mov %rax, sluice_fault_frame + 72
    mov $USER_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov $sluice_fault_frame, %edi
    pushq $USER_DS
    pushq $sluice_fault_stack_top
    pushq $USER_RFLAGS
    pushq $USER_CS
    pushq $sluice_fault_entry_trampoline
    iretq

sluice_fault_entry_trampoline:
    xor %ebp, %ebp
    call sluice_fault_entry
    ud2

    /* Exit QEMU: isa-debug-exit with status 0x7f, and if nothing answered, triple fault. */
die:
    mov sluice_exit_code, %al
    out %al, $0xf4
    lidt sluice_null_idt_ptr
    int3
    hlt
    jmp die

    .section .rodata.boot, "a"
    .p2align 3
sluice_fault_stubs:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad sluice_fault_stub_\n
    .endr

    .section .data.boot, "aw"
    .p2align 4
sluice_gdt:
    .quad 0                        /* 0x00 null */
    .quad 0x00AF9A000000FFFF       /* 0x08 kernel code, 64-bit */
    .quad 0x00CF92000000FFFF       /* 0x10 kernel data */
    .quad 0                        /* 0x18 unused */
    .quad 0                        /* 0x20 unused */
    .quad 0x00CFF2000000FFFF       /* 0x28 user data (selector 0x2b) */
    .quad 0x00AFFA000000FFFF       /* 0x30 user code, 64-bit (selector 0x33) */
sluice_gdt_tss:
    .quad 0, 0                     /* 0x38 TSS, filled in at boot */
sluice_gdt_end:

    .p2align 3
sluice_gdt_ptr:
    .word sluice_gdt_end - sluice_gdt - 1
    .quad sluice_gdt
    .p2align 3
sluice_idt_ptr:
    .word 32 * 16 - 1
    .quad sluice_idt
    .p2align 3
sluice_null_idt_ptr:
    .word 0
    .quad 0

    .globl sluice_exit_requested
sluice_exit_requested:
    .byte 0
    .globl sluice_exit_code
sluice_exit_code:
    .byte 0x7f
sluice_fault_active:
    .byte 0
    .globl sluice_pvclock_enabled
sluice_pvclock_enabled:
    .byte 0

    .section .bss.boot, "aw", @nobits
    .p2align 12
sluice_pml4:
    .skip 4096
sluice_pdpt:
    .skip 4096
sluice_pd:
    .skip 4 * 4096
sluice_idt:
    .skip 32 * 16
    .p2align 6
    .globl sluice_pvclock
sluice_pvclock:
    .skip 64
    .globl sluice_fault_frame
sluice_fault_frame:
    .skip 88
    .p2align 4
sluice_tss:
    .skip 104 + 8192 + 8
    .p2align 12
    .skip 16384
sluice_kernel_stack_top:
    .skip 8192
sluice_ist_stack_top:
    .skip 65536
sluice_fault_stack_top:
    .globl sluice_user_stack_bottom
sluice_user_stack_bottom:
    .skip 1048576
sluice_user_stack_top:
