//! Allocation budget of the 500-variable check: a test binary of its own, because it installs
//! a counting global allocator (`tests/support/counting_alloc.rs`, an unsafe impl allowed in
//! the two allocation test binaries only).
//!
//! The job is what `envgate check --schema 500.toml` does with the values in the environment:
//! `envgate::plan_with_env` (load and validate the schema; `ENVGATE_*` settings looked for
//! in the captured environment, as the command does), `envgate::check` (gather and check
//! the values) and the human report. The schema has 100 each of secret (`min_length`), https
//! `url`, `port`, `bool` and `enum` of five log levels, every value valid. Only the calling
//! thread's allocations made during the job are counted (the fixture is written and the
//! environment built before the counters start), so the counts are the same on every run.
//!
//! It fails when the job makes more than 20 % more allocations, or allocates more than 20 %
//! more bytes, than the baselines below. To update them after an intended change, run
//! `cargo test --test alloc_budget -- --nocapture` and copy the printed `total` figures into
//! `BASELINE_ALLOCATIONS` and `BASELINE_BYTES` (the figures are those of the debug build
//! `cargo test` makes).
#![allow(unsafe_code)]
// Test code: a failed setup should stop it loudly; the figures are printed on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{measure as counted, Counts};
use envgate::report::human;
use envgate::source::ProcessEnv;
use envgate::Selection;
use std::ffi::OsString;
use std::path::Path;

/// Allocations (`alloc` and `realloc` calls) of the whole job under `cargo test`, recorded
/// 2026-12-03 (plan 1,626, check 421, render 30; 9,606 before the second pass of issue 11,
/// 40,982 before the first). Nothing in it depends on the test's own environment.
const BASELINE_ALLOCATIONS: u64 = 2_077;
/// Bytes requested by those calls (a `realloc` counts its new size), same run (1,768,317
/// before the second pass, 5,362,096 before the first).
const BASELINE_BYTES: u64 = 595_771;
/// How far above a baseline a count may go before the test fails.
const SLACK_PERCENT: u64 = 20;

/// The 500-variable schema and its values, as `benches/process.sh` generates them.
fn fixture(dir: &Path) -> (Selection, ProcessEnv) {
    let mut schema = String::new();
    let mut values: Vec<(OsString, OsString)> = Vec::new();
    for i in 0..100 {
        schema.push_str(&format!(
            "[vars.SECRET_{i}]\ntype = \"secret\"\nmin_length = 32\n\n\
             [vars.URL_{i}]\ntype = \"url\"\nschemes = [\"https\"]\n\n\
             [vars.PORT_{i}]\ntype = \"port\"\n\n\
             [vars.FLAG_{i}]\ntype = \"bool\"\n\n\
             [vars.LEVEL_{i}]\ntype = \"enum\"\nvalues = [\"trace\",\"debug\",\"info\",\"warn\",\"error\"]\n\n"
        ));
        let pairs = [
            (
                format!("SECRET_{i}"),
                format!("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f{i:05}"),
            ),
            (
                format!("URL_{i}"),
                format!("https://svc{i}.example.com/api"),
            ),
            (format!("PORT_{i}"), format!("{}", 1000 + i)),
            (format!("FLAG_{i}"), "true".to_string()),
            (format!("LEVEL_{i}"), "info".to_string()),
        ];
        values.extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
    }
    let path = dir.join("500.toml");
    std::fs::write(&path, schema).unwrap();
    let selection = Selection {
        schema: Some(path),
        ..Selection::default()
    };
    (selection, ProcessEnv::from_os(values))
}

fn over_budget(what: &str, measured: u64, baseline: u64) -> Option<String> {
    let limit = baseline + baseline * SLACK_PERCENT / 100;
    (measured > limit).then(|| {
        format!("{what}: {measured}, more than {SLACK_PERCENT} % over the baseline {baseline} (limit {limit})")
    })
}

#[test]
fn the_500_variable_check_stays_within_its_allocation_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (selection, env) = fixture(dir.path());
    let mut out = Vec::with_capacity(64 * 1024);

    let (plan, plan_counts) = counted(|| envgate::plan_with_env(&selection, &env).unwrap());
    let (report, check_counts) = counted(|| envgate::check(&plan, &env, dir.path()).unwrap());
    let ((), render_counts) = counted(|| {
        human::render(&report, &mut out, human::Palette { color: false }).unwrap();
    });

    // The job must be the one the budget is about: every variable checked, nothing wrong.
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("500 variables"), "unexpected report:\n{text}");
    assert!(!text.contains("error"), "unexpected report:\n{text}");

    let total = Counts {
        allocations: plan_counts.allocations + check_counts.allocations + render_counts.allocations,
        bytes: plan_counts.bytes + check_counts.bytes + render_counts.bytes,
        ..Counts::default()
    };
    for (phase, c) in [
        ("plan", plan_counts),
        ("check", check_counts),
        ("render", render_counts),
        ("total", total),
    ] {
        println!(
            "{phase:<6} {:>9} allocations {:>12} bytes",
            c.allocations, c.bytes
        );
    }
    let problems: Vec<String> = [
        over_budget("allocations", total.allocations, BASELINE_ALLOCATIONS),
        over_budget("bytes allocated", total.bytes, BASELINE_BYTES),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        problems.is_empty(),
        "the 500-variable check allocates more than its budget:\n  {}\n\
         If the growth is intended, update the baselines (see the top of tests/alloc_budget.rs).",
        problems.join("\n  ")
    );
}
