//! The global allocator: `linked_list_allocator`'s first-fit heap over the RAM the memory map
//! gives, above the image.
//!
//! The guest runs one thread with interrupts off, so nothing can re-enter the allocator; a
//! flag still guards it, and a re-entry (a bug) panics rather than corrupting the heap.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, Ordering};

use linked_list_allocator::Heap;

struct GuestHeap {
    busy: AtomicBool,
    heap: UnsafeCell<Heap>,
}

// SAFETY: every access to `heap` happens between acquiring and releasing `busy`, so there is
// never more than one user (and the guest has one thread anyway).
unsafe impl Sync for GuestHeap {}

#[global_allocator]
static HEAP: GuestHeap = GuestHeap {
    busy: AtomicBool::new(false),
    heap: UnsafeCell::new(Heap::empty()),
};

impl GuestHeap {
    fn with<R>(&self, f: impl FnOnce(&mut Heap) -> R) -> R {
        if self.busy.swap(true, Ordering::Acquire) {
            panic!("the heap was re-entered");
        }
        // SAFETY: `busy` was false and is now true: this is the only reference.
        let r = f(unsafe { &mut *self.heap.get() });
        self.busy.store(false, Ordering::Release);
        r
    }
}

// SAFETY: allocations come from the heap's own region, which nothing else uses, and
// `Heap` returns blocks of at least the requested size and alignment.
unsafe impl GlobalAlloc for GuestHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.with(|h| {
            h.allocate_first_fit(layout)
                .map_or(ptr::null_mut(), NonNull::as_ptr)
        })
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(p) {
            // SAFETY: GlobalAlloc's contract: `p` came from `alloc` with this layout.
            self.with(|h| unsafe { h.deallocate(p, layout) });
        }
    }
}

/// Hands the heap its region, `[start, end)`.
///
/// # Safety
///
/// The region must be RAM, identity-mapped, and used by nothing else for the life of the
/// guest; call once, before the first allocation.
pub unsafe fn init(start: u64, end: u64) {
    // SAFETY: the caller's guarantees are `Heap::init`'s.
    HEAP.with(|h| unsafe { h.init(start as *mut u8, (end - start) as usize) });
}

/// Bytes allocated and bytes free.
pub fn usage() -> (usize, usize) {
    HEAP.with(|h| (h.used(), h.free()))
}
