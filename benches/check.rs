//! Criterion benches: the dotenv parser, the check of one service, and a generated stack.
//! Whole-process figures come from `benches/process.sh`.
// A bench is test code: a failed setup should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "gen_stack.rs"]
mod gen_stack;

use criterion::{criterion_group, criterion_main, Criterion};
use envgate::source::{dotenv, ProcessEnv};
use envgate::Selection;
use std::hint::black_box;
use std::path::Path;

fn dotenv_parser(c: &mut Criterion) {
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&format!("# comment {i}\nexport KEY_{i}=\"value with ${{KEY_0}} and \\n escapes {i}\"\nPLAIN_{i}=plain-{i} # inline\n"));
    }
    let lookup = |_: &str| -> Option<String> { None };
    let earlier = |_: &str| -> Option<(String, bool)> { None };
    let secret_key = |_: &str| false;
    c.bench_function("dotenv_parse_1500_lines", |b| {
        b.iter(|| dotenv::parse(black_box(text.as_bytes()), &lookup, &earlier, &secret_key));
    });
}

fn check_one_service(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.SERVICE_SECRET]\ntype = \"secret\"\nmin_length = 32\n\n[vars.AUTH_SERVICE_URL]\ntype = \"url\"\nschemes = [\"http\", \"https\"]\n\n[vars.PORT]\ntype = \"port\"\n",
    )
    .expect("schema");
    let selection = Selection {
        schema: Some(dir.path().join("s.toml")),
        ..Selection::default()
    };
    let env = ProcessEnv::from_os([
        (
            "SERVICE_SECRET".into(),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        ),
        ("AUTH_SERVICE_URL".into(), "http://auth:8081".into()),
        ("PORT".into(), "8080".into()),
    ]);
    c.bench_function("plan_and_check_3_vars", |b| {
        b.iter(|| {
            let plan = envgate::plan(&selection).expect("plan");
            black_box(envgate::check(&plan, &env, Path::new(".")).expect("check"))
        });
    });
}

fn check_stack(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    gen_stack::generate(dir.path(), 100, 100).expect("generate");
    let selection = Selection {
        config: Some(dir.path().join("envgate.toml")),
        no_process_env: true,
        ..Selection::default()
    };
    let env = ProcessEnv::default();
    let mut group = c.benchmark_group("stack");
    group.sample_size(20);
    group.bench_function("plan_and_check_100x100", |b| {
        b.iter(|| {
            let plan = envgate::plan(&selection).expect("plan");
            black_box(envgate::check(&plan, &env, Path::new(".")).expect("check"))
        });
    });
    group.finish();
}

criterion_group!(benches, dotenv_parser, check_one_service, check_stack);
criterion_main!(benches);
