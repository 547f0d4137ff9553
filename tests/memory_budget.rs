//! A stack's memory is flat in its number of services: a test binary of its own, because it
//! installs a counting global allocator (`tests/support/counting_alloc.rs`, whose unsafe
//! impl is allowed in the two allocation test binaries only) that tracks the peak of the
//! bytes live at once.
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

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use envgate::report::{human, json};
use envgate::source::ProcessEnv;
use envgate::stack::Settings;
use envgate::Selection;

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
    counting_alloc::measure(|| {
        let plan = envgate::plan(&selection).unwrap();
        let report = envgate::check(&plan, &ProcessEnv::default(), dir).unwrap();
        assert!(report.ok, "the generated stack has no problems");
        let mut out = std::io::sink();
        match format {
            "json" => json::render(&report, &mut out).unwrap(),
            _ => human::render(&report, &mut out, human::Palette { color: false }).unwrap(),
        }
    })
    .1
    .peak
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
