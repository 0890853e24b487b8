//! A counting global allocator: the system allocator plus one relaxed atomic
//! increment per allocation while counting is on ([`per_unit`]), so the bench
//! can print allocations per streamed chunk and per call for ours and for the
//! baselines. Off, it costs a read of a flag no thread writes: on, the shared
//! counter's cache line moves between the cores at every allocation, a cost
//! no user's program has, so only the rows that count pay it.
#![allow(unsafe_code, reason = "a GlobalAlloc is an unsafe impl; this one only forwards to System")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A cache line each: the flag is read on every allocation, the counter
/// written while counting.
#[repr(align(64))]
struct Line<T>(T);

static ALLOCATIONS: Line<AtomicU64> = Line(AtomicU64::new(0));
static COUNTING: Line<AtomicBool> = Line(AtomicBool::new(false));

fn counted() {
    if COUNTING.0.load(Ordering::Relaxed) {
        ALLOCATIONS.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// The allocator installed in xtask's `main.rs`.
#[derive(Debug)]
pub struct Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the counter has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted();
        // SAFETY: the caller's contract is passed on to System.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A growth is an allocation too (what a `Vec` push costs).
        counted();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations (and reallocations) per unit of `f`, which returns how many
/// units it did, in every thread of this process while `f` runs.
pub fn per_unit<E>(f: impl FnOnce() -> Result<u64, E>) -> Result<f64, E> {
    let before = ALLOCATIONS.0.load(Ordering::Relaxed);
    COUNTING.0.store(true, Ordering::SeqCst);
    let units = f();
    COUNTING.0.store(false, Ordering::SeqCst);
    let counted = ALLOCATIONS.0.load(Ordering::Relaxed) - before;
    Ok(counted as f64 / units?.max(1) as f64)
}
