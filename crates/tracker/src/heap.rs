//! The release build's heap (feature `bare`): a bump allocator that resets after each
//! exported call, instead of a free list.
//!
//! No heap value outlives an exported call: the module keeps its state between calls in
//! atomics (consent, capture done: [`crate::config`]), and every `String` and `Vec` an
//! export makes is dropped before it returns. So an allocation is a pointer bump, a free is
//! nothing, and [`reset`] (the last thing every export in `lib.rs` does) gives the whole
//! heap back. The heap starts at the end of the memory the module was instantiated with
//! (stack and data below it are untouched) and grows in 64 KiB wasm pages as one call
//! needs; a call's peak is its own allocations, so memory stays bounded however many calls
//! the page makes (tests/e2e/fastpath.test.mjs runs the flows in a loop and checks it).
//!
//! The one `unsafe` of the crate: `GlobalAlloc` is an `unsafe trait`.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Bytes in a wasm page.
const PAGE: usize = 65_536;
/// Where the heap starts (0: not yet known), bytes.
static BASE: AtomicUsize = AtomicUsize::new(0);
/// The first free byte.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The bump allocator (see the module docs).
pub struct Heap;

// SAFETY: `alloc` returns either null or a block of `layout.size()` bytes aligned to
// `layout.align()` (a power of two, as `Layout` guarantees) that lies in memory the module
// owns (below `memory_size` after any `memory_grow`) and above everything handed out since
// the last `reset`, so blocks never overlap while they live. The module is single-threaded
// (wasm32 without threads), so the relaxed atomics are plain cells. `reset` is only called
// when no block is alive (at the end of an exported call, see the module docs), so no block
// is handed out twice while in use.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let top = memory_size::<0>() * PAGE;
        if BASE.load(Relaxed) == 0 {
            BASE.store(top, Relaxed);
            NEXT.store(top, Relaxed);
        }
        let start = (NEXT.load(Relaxed) + layout.align() - 1) & !(layout.align() - 1);
        let Some(end) = start.checked_add(layout.size()) else { return null_mut() };
        if end > top && memory_grow::<0>((end - top).div_ceil(PAGE)) == usize::MAX {
            return null_mut();
        }
        NEXT.store(end, Relaxed);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

/// Gives the whole heap back. Only at the end of an exported call, when nothing allocated
/// during it is alive.
pub fn reset() {
    NEXT.store(BASE.load(Relaxed), Relaxed);
}

#[global_allocator]
static HEAP: Heap = Heap;
