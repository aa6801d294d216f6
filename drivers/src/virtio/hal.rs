//! virtio-drivers' [`Hal`] for the guest: one identity-mapped address space, no IOMMU, so a
//! buffer's physical address is its virtual address and sharing it with the device is free.

use core::alloc::Layout;
use core::ptr::NonNull;

use virtio_drivers::{BufferDirection, Hal, PhysAddr, PAGE_SIZE};

/// The identity-mapped HAL. DMA pages come from the global allocator (the heap is ordinary
/// RAM, identity-mapped, and the device may reach all of it).
pub struct IdentityHal;

fn layout(pages: usize) -> Layout {
    // PAGE_SIZE is a power of two and `pages` is small: the layout is always valid.
    Layout::from_size_align(pages.max(1) * PAGE_SIZE, PAGE_SIZE).unwrap_or(Layout::new::<u8>())
}

// SAFETY: dma_alloc returns zeroed, page-aligned memory from the allocator that no one else
// uses until dma_dealloc; the guest maps every physical page at its own address, so the
// physical and virtual addresses are the same number and the device sees what the driver
// wrote.
unsafe impl Hal for IdentityHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { alloc::alloc::alloc_zeroed(layout(pages)) };
        match NonNull::new(p) {
            Some(p) => (p.as_ptr() as usize as PhysAddr, p),
            None => alloc::alloc::handle_alloc_error(layout(pages)),
        }
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        // SAFETY: the caller passes back what dma_alloc returned for this many pages.
        unsafe { alloc::alloc::dealloc(vaddr.as_ptr(), layout(pages)) };
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(paddr as usize as *mut u8).unwrap_or(NonNull::dangling())
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.as_ptr().cast::<u8>() as usize as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}
