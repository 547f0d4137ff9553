//! A stack's memory is flat in its number of services: a test binary of its own, because it
//! installs a counting global allocator (an unsafe impl, allowed in this file and in
//! `tests/alloc_budget.rs` only) that tracks the peak of the bytes live at once.
//!
//! The job is what `envgate check --no-process-env --config envgate.toml` does, for the human
//! and the JSON report, on stacks that `examples/gen-stack` makes (N services x 100
//! variables, each with its own schema and env file). Both sizes are past the schemas a plan
//! keeps ([`envgate::RESIDENT_SCHEMA_VARS`]), so the peak grows only by what the stack file
//! itself holds per service (its entry, paths, the service's place in the report: about
//! 4 KB), not by a service's schema and variable reports, which envgate used to keep to the
//! end (about 65 KB per service of 100 variables).
#![allow(unsafe_code)]
// Test code: a failed setup should stop it loudly; the figures are printed on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../benches/gen_stack.rs"]
mod gen_stack;

use envgate::report::{human, json};
use envgate::source::ProcessEnv;
use envgate::stack::Settings;
use envgate::Selection;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    // Const-initialised and without a destructor: reading it never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

fn grow(by: usize) {
    if counting() {
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

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The most bytes live at once while `job` runs on this thread (counted from its start).
fn peak_of(job: impl FnOnce()) -> i64 {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.with(|c| c.set(true));
    job();
    COUNTING.with(|c| c.set(false));
    PEAK.load(Relaxed)
}

/// Peak bytes of a whole check of a generated stack of `services` x 100 variables, with
/// the report written (to nowhere) in `format`.
fn peak_of_check(dir: &std::path::Path, format: &str) -> i64 {
    let selection = Selection {
        config: Some(dir.join("envgate.toml")),
        no_process_env: true,
        flags: Settings {
            format: Some(format.into()),
            ..Settings::default()
        },
        ..Selection::default()
    };
    peak_of(|| {
        let plan = envgate::plan(&selection).unwrap();
        let report = envgate::check(&plan, &ProcessEnv::default(), dir).unwrap();
        assert!(report.ok, "the generated stack has no problems");
        let mut out = std::io::sink();
        match format {
            "json" => json::render(&report, &mut out).unwrap(),
            _ => human::render(&report, &mut out, human::Palette { color: false }).unwrap(),
        }
    })
}

#[test]
fn a_stacks_peak_memory_does_not_grow_with_its_services() {
    // Both past the schemas the plan keeps (10,000 variables: 100 services of 100).
    const SMALL: usize = 150;
    const LARGE: usize = 300;
    // What each service may add to the peak: the stack file's share, with room to spare;
    // keeping each schema and its variables' reports took about 65,000.
    const PER_SERVICE: i64 = 8_000;
    let small = tempfile::tempdir().unwrap();
    let large = tempfile::tempdir().unwrap();
    gen_stack::generate(small.path(), SMALL, 100).unwrap();
    gen_stack::generate(large.path(), LARGE, 100).unwrap();
    for format in ["human", "json"] {
        let at_small = peak_of_check(small.path(), format);
        let at_large = peak_of_check(large.path(), format);
        println!(
            "{format:<5} peak live bytes: {SMALL} services {at_small:>11}, {LARGE} services {at_large:>11}"
        );
        let growth = at_large - at_small;
        let added = i64::try_from(LARGE - SMALL).unwrap();
        assert!(
            growth < added * PER_SERVICE,
            "{format}: the peak grew by {growth} bytes from {SMALL} to {LARGE} services ({at_small} -> {at_large})"
        );
        // And the whole job stays well under the 20 MB the issue allows the process.
        assert!(
            at_large < 8 * 1024 * 1024,
            "{format}: peak {at_large} bytes"
        );
    }
}
