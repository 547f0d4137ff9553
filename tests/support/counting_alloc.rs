//! A counting global allocator for the test binaries that measure a job's allocations
//! (`tests/alloc_budget.rs`) or its peak of live bytes (`tests/memory_budget.rs`). Each
//! includes this file (`#[path]`), so each binary has its own allocator. Only the calling
//! thread's allocations made inside [`measure`] are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    // Const-initialised and without a destructor: reading it never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// What a job allocated.
#[derive(Debug, Clone, Copy, Default)]
#[allow(dead_code)] // each test binary reads the figures it is about
pub struct Counts {
    /// `alloc` and `realloc` calls.
    pub allocations: u64,
    /// Bytes those calls asked for (a `realloc` counts its new size).
    pub bytes: u64,
    /// The most bytes live at once (counted from the job's start).
    pub peak: i64,
}

/// Runs `job` on this thread, counting what it allocates.
pub fn measure<T>(job: impl FnOnce() -> T) -> (T, Counts) {
    ALLOCATIONS.store(0, Relaxed);
    BYTES.store(0, Relaxed);
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.with(|c| c.set(true));
    let out = job();
    COUNTING.with(|c| c.set(false));
    let counts = Counts {
        allocations: ALLOCATIONS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
        peak: PEAK.load(Relaxed),
    };
    (out, counts)
}

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

fn grow(by: usize) {
    if counting() {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(by as u64, Relaxed);
        let by = i64::try_from(by).unwrap_or(i64::MAX);
        let live = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(live, Relaxed);
    }
}

fn shrink(by: usize) {
    if counting() {
        LIVE.fetch_sub(i64::try_from(by).unwrap_or(i64::MAX), Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size);
        shrink(layout.size());
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
}
