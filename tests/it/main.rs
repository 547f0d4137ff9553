//! Integration tests: every test drives the built `envgate` binary.
// Test helpers panic on setup failures by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bounds;
mod check;
mod cli_hygiene;
mod example_stack;
mod inputs;
mod jwt_stack;
mod jwt_types;
mod memory;
mod props;
mod rules;
mod schema_errors;
mod schema_limits;
mod secrets;
mod sensitivity;
mod sources;
mod stack_rules;
mod token_cmd;
mod types_registry;
mod urls;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root (tests run with it as the working directory unless they say otherwise).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// `envgate` with an empty environment (so the machine's variables never leak into a test),
/// colour off, run in `dir`.
pub fn envgate_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("envgate").unwrap();
    cmd.env_clear().current_dir(dir);
    cmd
}

pub fn envgate() -> Command {
    envgate_in(&root())
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs with `--format json` added and parses the report.
pub fn json_report(cmd: &mut Command) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(cmd.args(["--format", "json"]));
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, value)
}

/// The findings of a JSON report as (code, var) pairs.
pub fn codes(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["var"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub fn finding<'a>(report: &'a serde_json::Value, code: &str, var: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code && f["var"] == var)
        .unwrap_or_else(|| panic!("no {code} finding for {var} in {:#}", report["findings"]))
}

pub fn has(report: &serde_json::Value, code: &str, var: &str) -> bool {
    codes(report).iter().any(|(c, v)| c == code && v == var)
}
