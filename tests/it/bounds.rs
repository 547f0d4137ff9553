//! Hostile sizes end in seconds, in bounded memory and output, with a finding that says which
//! limit was hit; and presence wording: `_FILE` forms, an unread process environment, paths
//! and lengths as `explain` shows them.

use crate::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// A generous bound for a debug build on a shared 2-core machine (the heaviest case takes
/// about 5 s there when idle, 8 s beside a build): quadratic work would take minutes.
const TIME_LIMIT: Duration = Duration::from_secs(20);
/// Address space a run may use (`ulimit -v`, KiB): the inputs below took gigabytes before.
const MEMORY_LIMIT_KIB: u64 = 512 * 1024;

/// `check` of `s.toml` against `app.env` alone, as JSON.
const CHECK_APP_ENV_JSON: &[&str] = &[
    "check",
    "--schema",
    "s.toml",
    "--env-file",
    "app.env",
    "--no-process-env",
    "--format",
    "json",
];

/// Runs `envgate ARGS` in `dir` under the memory limit, with an empty environment; returns
/// (exit code, stdout, stderr, elapsed).
fn run_bounded(dir: &Path, args: &[&str]) -> (i32, String, String, Duration) {
    let bin = assert_cmd::cargo::cargo_bin("envgate");
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.env_clear()
        .current_dir(dir)
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args);
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = start.elapsed();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed,
    )
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_key_defined_millions_of_times_is_one_finding_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", "[vars.A]\ntype = \"string\"\n");
    write(dir.path(), "big.env", "A=v\n".repeat(2_000_000));
    let (code, stdout, stderr, elapsed) = run_bounded(
        dir.path(),
        &[
            "check",
            "--schema",
            "s.toml",
            "--env-file",
            "big.env",
            "--no-process-env",
            "--color",
            "never",
        ],
    );
    assert_eq!(code, 0, "a warning only: {stdout}{stderr}");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(stdout.len() < 2_000, "{} bytes of output", stdout.len());
    assert!(
        stdout.contains(
            "A is defined 2,000,000 times (lines 1, 2, 3, …, last on line 2000000); the last one wins"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.matches("duplicate-key").count(), 1, "{stdout}");
}

#[test]
fn twenty_lines_of_100000_undefined_references_are_capped_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    // The keys are not declared: only the env file's own findings are looked at.
    write(
        dir.path(),
        "s.toml",
        "[vars.OTHER]\ntype = \"string\"\nrequired = false\n",
    );
    let refs = (0..100_000)
        .map(|i| format!("$U_{i} "))
        .collect::<Vec<_>>()
        .concat();
    let lines = (0..20)
        .map(|k| format!("K{k}={refs}\n"))
        .collect::<Vec<_>>()
        .concat();
    write(dir.path(), "app.env", lines);
    let (_, stdout, stderr, elapsed) = run_bounded(dir.path(), CHECK_APP_ENV_JSON);
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(stdout.len() < 100_000, "{} bytes of output", stdout.len());
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let undefined: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "undefined-variable")
        .collect();
    // 100 listed, and one that counts the rest.
    assert_eq!(undefined.len(), 101);
    let summary = undefined
        .iter()
        .find(|f| f["var"].is_null())
        .expect("a summary finding");
    assert!(
        summary["message"]
            .as_str()
            .unwrap()
            .starts_with("… and 1,999,900 more undefined-variable findings in app.env, not listed"),
        "{summary}"
    );
    assert_eq!(summary["source"]["path"], "app.env");
}

#[test]
fn near_misses_of_2000_missing_variables_against_20000_keys_are_budgeted() {
    let dir = tempfile::tempdir().unwrap();
    let schema: String = (0..2_000)
        .map(|i| format!("[vars.REQUIRED_VAR_{i:05}]\ntype = \"string\"\n"))
        .chain(std::iter::once(
            "[vars.JWT_SECRET_KEY]\ntype = \"string\"\n".to_string(),
        ))
        .collect();
    write(dir.path(), "s.toml", schema);
    // JWT_SECRET_KEY is declared last, after the budget is spent: a name found by lookup
    // (equal once normalized, or a whole-word start or end of it) is still suggested.
    let keys: String = std::iter::once("JWT_SECRET=x\n".to_string())
        .chain((0..20_000).map(|i| format!("OTHER_KEY_{i:06}=x\n")))
        .collect();
    write(dir.path(), "app.env", keys);
    let (code, stdout, stderr, elapsed) = run_bounded(dir.path(), CHECK_APP_ENV_JSON);
    assert_eq!(code, 1, "{stderr}");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    // One finding per missing variable, a bounded list of undeclared keys, one summary.
    assert!(stdout.len() < 2_000_000, "{} bytes of output", stdout.len());
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cut = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["severity"] == "info" && f["message"].as_str().unwrap().contains("were cut short")
        })
        .unwrap_or_else(|| panic!("no cut-short finding"));
    assert!(
        cut["message"]
            .as_str()
            .unwrap()
            .contains("300,000 name comparisons"),
        "{cut}"
    );
    assert!(finding(&report, "missing", "JWT_SECRET_KEY")["hint"]
        .as_str()
        .unwrap()
        .contains("did you mean JWT_SECRET (set in app.env line 1)?"));
}

/// A one-variable schema in a temp dir, and a file `jwt` holding a secret.
fn file_case(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", schema);
    write(dir.path(), "jwt", "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU\n");
    dir
}

#[test]
fn an_undeclared_near_miss_of_a_variable_set_through_its_file_is_not_said_unset() {
    let dir = file_case("[vars.DB_PASSWORD]\ntype = \"secret\"\n");
    write(
        dir.path(),
        "a.env",
        "DB_PASSWORD_FILE=./jwt\nDB_PASSWRD=x\n",
    );
    let (code, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    assert_eq!(code, 0, "{:?}", codes(&report));
    let hint = finding(&report, "undeclared", "DB_PASSWRD")["hint"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!hint.contains("not set"), "{hint}");
}

#[test]
fn a_file_form_that_is_not_read_is_named_as_such_not_suggested() {
    let dir = file_case(
        "[vars.db_password]\ntype = \"secret\"\n\n[vars.JWT_SECRET]\ntype = \"secret\"\naliases = [\"JWT_KEY\"]\n",
    );
    // The alias's `_FILE` counts; a case variant of `_FILE`, or `FILE__NAME`, does not.
    write(
        dir.path(),
        "a.env",
        "JWT_KEY_FILE=./jwt\nDB_PASSWORD_FILE=./jwt\n",
    );
    let (_, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    assert!(
        !has(&report, "missing", "JWT_SECRET"),
        "{:?}",
        codes(&report)
    );
    let hint = finding(&report, "missing", "db_password")["hint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        hint,
        "DB_PASSWORD_FILE is set in a.env line 2, but it is not read: the file form of db_password is db_password_FILE, written exactly so; rename DB_PASSWORD_FILE to db_password_FILE"
    );
    assert!(!hint.contains("did you mean"));

    write(
        dir.path(),
        "b.env",
        "FILE__JWT_SECRET=./jwt\ndb_password_FILE=./jwt\n",
    );
    let (_, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "b.env",
    ]));
    assert!(!has(&report, "missing", "db_password"));
    assert!(finding(&report, "missing", "JWT_SECRET")["hint"]
        .as_str()
        .unwrap()
        .starts_with("FILE__JWT_SECRET is set in b.env line 1, but it is not read: the file form of JWT_SECRET is JWT_SECRET_FILE"));
}

#[test]
fn a_variable_in_a_process_environment_the_service_does_not_read_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        "[vars.JWT_SECRET]\ntype = \"secret\"\n\n[vars.DB_PASSWORD]\ntype = \"secret\"\n",
    );
    write(
        dir.path(),
        "envgate.toml",
        "[services.backend]\nschema = \"s.toml\"\n",
    );
    let (code, report) = json_report(
        envgate_in(dir.path())
            .args(["check"])
            .env("JWT_SECRET", "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU")
            .env("DB_PASSWORD_FILE", "/run/secrets/db"),
    );
    assert_eq!(code, 1);
    let f = finding(&report, "missing", "JWT_SECRET");
    assert_eq!(
        f["message"],
        "JWT_SECRET is not set (it is set in the process environment, but service backend does not read it)"
    );
    assert!(f["hint"]
        .as_str()
        .unwrap()
        .starts_with("add `process_env = true` under [services.backend] in the stack file"));
    assert!(finding(&report, "missing", "DB_PASSWORD")["message"]
        .as_str()
        .unwrap()
        .contains("DB_PASSWORD_FILE is set in the process environment"));
    // `--no-process-env` is named as the reason when it is one.
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--no-process-env"])
            .env("JWT_SECRET", "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU"),
    );
    assert!(finding(&report, "missing", "JWT_SECRET")["message"]
        .as_str()
        .unwrap()
        .contains("which --no-process-env ignores"));
    // With `process_env = true` it is read.
    write(
        dir.path(),
        "envgate.toml",
        "[services.backend]\nschema = \"s.toml\"\nprocess_env = true\n",
    );
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check"])
            .env("JWT_SECRET", "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU"),
    );
    assert!(
        !has(&report, "missing", "JWT_SECRET"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn a_name_file_value_is_shown_only_when_it_is_unmistakably_a_path_or_exists() {
    let dir = file_case("[vars.JWT_SECRET]\ntype = \"secret\"\n");
    write(dir.path(), "aB3xK9mQ2z", "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU");
    let output_for = |value: &str| {
        write(dir.path(), "a.env", format!("JWT_SECRET_FILE={value}\n"));
        let (_, stdout, stderr) = run(envgate_in(dir.path()).args([
            "check",
            "--schema",
            "s.toml",
            "--env-file",
            "a.env",
            "--format",
            "json",
        ]));
        stdout + &stderr
    };
    for hidden in ["/qf50MJPs", "/aB3xK9mQ2z", "Zq8rT2/vLm9XpK4wN7bY1c"] {
        let out = output_for(hidden);
        assert!(out.contains("does not name an existing file"), "{out}");
        assert!(
            !out.contains(hidden.trim_start_matches('/')),
            "{hidden} shown: {out}"
        );
    }
    for shown in [
        "/run/secrets/jwt",
        "./secrets/db_password.txt",
        "../secrets/JWT_KEY.pem",
    ] {
        let out = output_for(shown);
        let name = Path::new(shown).file_name().unwrap().to_str().unwrap();
        assert!(
            out.contains(&format!("{name}, which does not exist")),
            "{out}"
        );
    }
    // A random-looking name that does exist (relative to the env file) is a path.
    let out = output_for("aB3xK9mQ2z");
    assert!(!out.contains("unreadable-file"), "{out}");
}

#[test]
fn explain_shows_the_length_the_checks_used() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        "[vars.API_SECRET]\ntype = \"secret\"\nmin_length = 32\n",
    );
    // 31 characters and a trailing newline, in double quotes so that the parser keeps it.
    write(
        dir.path(),
        "a.env",
        "API_SECRET=\"k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5Ae\\n\"\n",
    );
    let (_, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    assert_eq!(
        finding(&report, "too-short", "API_SECRET")["message"],
        "API_SECRET is 31 characters; must be at least 32 characters"
    );
    let (_, stdout, _) = run(envgate_in(dir.path()).args([
        "explain",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
        "--color",
        "never",
    ]));
    assert!(stdout.contains("32 chars"), "{stdout}");
    assert!(
        stdout.contains("checked as 31 chars (without the surrounding whitespace or quotes"),
        "{stdout}"
    );
}

#[test]
fn explain_says_a_file_secret_lost_its_trailing_newline() {
    let dir = file_case("[vars.JWT_SECRET]\ntype = \"secret\"\n");
    write(dir.path(), "a.env", "JWT_SECRET_FILE=./jwt\n");
    let (code, stdout, stderr) = run(envgate_in(dir.path()).args([
        "explain",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
        "--color",
        "never",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("32 chars")
            && stdout.contains("; 1 trailing newline of the file removed, as Docker images do"),
        "{stdout}"
    );
    write(dir.path(), "jwt", "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU");
    let (_, stdout, _) = run(envgate_in(dir.path()).args([
        "explain",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
        "--color",
        "never",
    ]));
    assert!(!stdout.contains("newline"), "{stdout}");
}

#[test]
fn swallowed_lines_and_keys_that_are_not_names_are_capped_too() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        "[vars.OTHER]\ntype = \"string\"\nrequired = false\n",
    );
    // 20,000 quoted values that each run over a `KEY=value` line, then 20,000 keys that do
    // not look like names (they may be pieces of a value: never listed one by one).
    let swallowing = (0..20_000)
        .map(|i| format!("K{i}=\"\nA=1\"\n"))
        .collect::<Vec<_>>()
        .concat();
    let mixed = (0..20_000)
        .map(|i| format!("aB{i}=1\n"))
        .collect::<Vec<_>>()
        .concat();
    write(dir.path(), "app.env", swallowing + &mixed);
    let (_, stdout, stderr, elapsed) = run_bounded(dir.path(), CHECK_APP_ENV_JSON);
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(stdout.len() < 200_000, "{} bytes of output", stdout.len());
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let messages = |code: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    let syntax = messages("dotenv-syntax");
    assert_eq!(syntax.len(), 101);
    assert!(syntax.contains(&"… and 19,900 more dotenv-syntax findings in app.env, not listed (at most 100 of a kind are listed per file)".to_string()), "{syntax:?}");
    let undeclared = messages("undeclared");
    assert_eq!(undeclared.len(), 201);
    assert!(
        undeclared.contains(
            &"39,800 more keys are set but not declared in the schema (the first 200 are listed)"
                .to_string()
        ),
        "{undeclared:?}"
    );
}

#[test]
fn a_million_distinct_keys_are_read_up_to_the_cap_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", "[vars.K0]\ntype = \"string\"\n");
    let keys = (0..1_000_000)
        .map(|i| format!("K{i}=1\n"))
        .collect::<Vec<_>>()
        .concat();
    write(dir.path(), "app.env", keys);
    let (code, stdout, stderr, elapsed) = run_bounded(dir.path(), CHECK_APP_ENV_JSON);
    assert_eq!(code, 1, "{stderr}");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(stdout.len() < 200_000, "{} bytes of output", stdout.len());
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let syntax: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "dotenv-syntax")
        .collect();
    assert_eq!(syntax.len(), 1, "{syntax:?}");
    assert_eq!(
        syntax[0]["message"],
        "line 100001, column 1: more than 100,000 distinct keys: 900,000 later new keys were not read"
    );
    // The keys read are still checked.
    assert!(!has(&report, "missing", "K0"));
}

#[test]
fn a_large_env_file_listed_many_times_is_read_up_to_the_runs_budget() {
    // Each file is within its own limits; listed 60 times, a run would read 6 million
    // entries (and abort on memory before the budget).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", "[vars.K0]\ntype = \"string\"\n");
    let keys = (0..100_000)
        .map(|i| format!("K{i}=1\n"))
        .collect::<Vec<_>>()
        .concat();
    write(dir.path(), "app.env", keys);
    let files = vec!["\"app.env\""; 60].join(", ");
    write(
        dir.path(),
        "envgate.toml",
        format!("[services.app]\nschema = \"s.toml\"\nenv_files = [{files}]\n"),
    );
    let (code, stdout, stderr, elapsed) = run_bounded(
        dir.path(),
        &["check", "--config", "envgate.toml", "--format", "json"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let not_read = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["code"] == "unreadable-file"
                && f["message"].as_str().unwrap().contains(
                    "was not read: the env files of this run already add up to more than 256 MiB or 500,000 entries",
                )
        })
        .count();
    assert_eq!(not_read, 55, "{:?}", codes(&report));
    assert!(!has(&report, "missing", "K0"));
}
