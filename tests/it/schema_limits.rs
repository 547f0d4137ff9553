//! Schema and stack files: every problem at once, names beyond shell identifiers, and the
//! resource bounds of loading (each hostile case ends within seconds, saying which limit).

use crate::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `check --schema` on `schema`; returns the exit code, stderr and how long it took.
fn check_schema_timed(schema: &Path) -> (i32, String, Duration) {
    let start = Instant::now();
    let (code, stdout, stderr) = run(envgate()
        .args(["check", "--no-process-env", "--color", "never", "--schema"])
        .arg(schema));
    assert!(stdout.is_empty(), "{stdout}");
    (code, stderr, start.elapsed())
}

/// Generous for a debug build on a shared machine; the quadratic versions took minutes.
const BOUND: Duration = Duration::from_secs(10);

fn assert_lines(err: &str, expected: &[&str]) {
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{err}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.contains(want),
            "`{line}` should contain `{want}`\n{err}"
        );
    }
}

#[test]
fn every_problem_of_a_variable_at_once_checked_against_the_meant_type() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        dir.path(),
        "s.toml",
        "[vars.API_SECRET]\ntype = \"secert\"\nmin_lenght = 32\nrequired = \"yes\"\nmin_length = 40\nmax_length = 16\nschemes = [\"https\"]\n\n\
         [vars.PORT]\ntype = \"int\"\nmin = \"x\"\nmin_length = 2\n",
    );
    let (code, err, _) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert_lines(
        &err,
        &[
            "s.toml:2:1: variable API_SECRET: unknown type `secert`; did you mean `secret`? (types: string, secret,",
            "s.toml:3:1: variable API_SECRET: unknown attribute `min_lenght`; did you mean `min_length`?",
            "s.toml:4:1: variable API_SECRET: `required` must be a boolean, but is a string",
            "s.toml:5:1: variable API_SECRET: `min_length` (40) is greater than `max_length` (16): no value can pass",
            "s.toml:7:1: variable API_SECRET: `schemes` is not an attribute of type `secret` (taking `secert` to mean `secret`; its attributes: min_length,",
            "s.toml:11:1: variable PORT: `min` must be an integer",
            "s.toml:12:1: variable PORT: `min_length` is not an attribute of type `int` (its attributes: min, max)",
        ],
    );
    // The unknown type lists the meant type's attributes, and so does the unknown attribute.
    let first = err.lines().next().unwrap();
    assert!(
        first.contains("`secret` also takes min_length, max_length"),
        "{first}"
    );
    let second = err.lines().nth(1).unwrap();
    assert!(
        second.contains("allowed: type,") && second.contains("min_length"),
        "{second}"
    );
}

#[test]
fn stack_file_errors_all_at_once_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", "[vars.A]\nrequired = false\n");
    write(
        dir.path(),
        "envgate.toml",
        "[services.api]\nschema = \"s.toml\"\nenv_file = [\"a.env\"]\nport = \"http\"\n\n\
         [services.web]\nschema = 5\nhosts = \"web\"\n\n\
         [profiles.prod.services.worker]\nenv_files = []\n\n\
         [profiles.prod.services.api]\nprocess_envv = true\n\n[bogus]\nx = 1\n\n[services.db]\nport = 5432\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert_lines(
        &err,
        &[
            "envgate.toml:3:1: `services.api` unknown key `env_file`; did you mean `env_files`?",
            "envgate.toml:4:1: `services.api.port` must be a whole number from 0 to 65535, but is a string",
            "envgate.toml:7:1: `services.web.schema` must be a string, but is an integer",
            "envgate.toml:8:1: `services.web.hosts` must be a list, but is a string",
            "envgate.toml:10:25: profile prod configures service worker, which the stack does not define",
            "envgate.toml:14:1: `profiles.prod.services.api` unknown key `process_envv`; did you mean `process_env`?",
            "envgate.toml:16:2: unknown key `bogus`",
            "envgate.toml:19:11: service db has no `schema`",
        ],
    );
}

#[test]
fn thousands_of_mistakes_list_the_first_500_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let schema = (0..2000)
        .map(|i| format!("[vars.V{i}]\ntype = \"kind{i}\"\n"))
        .collect::<Vec<_>>()
        .concat();
    let s = write(dir.path(), "s.toml", &schema);
    let (code, err, took) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert!(took < BOUND, "took {took:?}");
    assert_eq!(err.lines().count(), 501, "{}", &err[..500]);
    assert!(
        err.lines()
            .last()
            .unwrap()
            .contains("... and 1500 more problems (at most 500 are listed)"),
        "{}",
        err.lines().last().unwrap()
    );
}

#[test]
fn yaml_aliases_of_a_large_anchor_are_refused_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = format!(
        "vars:\n  A:\n    description: &big \"{}\"\n    required: false\n",
        "x".repeat(1 << 20)
    );
    yaml.push_str("  B:\n    aliases: [");
    yaml.push_str(&vec!["*big"; 3000].join(", "));
    yaml.push_str("]\n");
    let s = write(dir.path(), "s.yaml", &yaml);
    let (code, err, took) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert!(took < BOUND, "took {took:?}");
    assert!(
        err.contains("s.yaml:6:") && err.contains("YAML aliases expand to more than 16 MiB"),
        "{err}"
    );
    assert!(
        err.len() < 1000,
        "the value is never repeated: {} bytes",
        err.len()
    );
}

#[test]
fn a_400000_item_toml_array_on_one_line_is_positioned_without_rescanning() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> = (0..400_000).map(|i| i.to_string()).collect();
    let line = format!("values = [{}, \"é\", {{ x = 1 }}]", items.join(", "));
    let s = write(
        dir.path(),
        "s.toml",
        &format!("[vars.A]\ntype = \"enum\"\n{line}\n"),
    );
    let (code, err, took) = check_schema_timed(&s);
    assert!(took < BOUND, "took {took:?}");
    assert_eq!(code, 2);
    // The inline table is the last item: its column counts characters (the `é` is one).
    let column = line.chars().count() - "{ x = 1 }]".chars().count() + 1;
    assert!(
        err.contains(&format!("s.toml:3:{column}: variable A: `values` must be")),
        "{err}"
    );
}

#[test]
fn twenty_thousand_includes_on_one_line_merge_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for i in 0..20_000 {
        let name = format!("f{i}.toml");
        write(
            dir.path(),
            &name,
            &format!("[vars.V{i}]\nrequired = false\n"),
        );
        names.push(format!("\"{name}\""));
    }
    // The last fragment has a mistake: its position is in that fragment.
    write(
        dir.path(),
        "f19999.toml",
        "[vars.V19999]\nrequired = false\nmin_lenght = 3\n",
    );
    let s = write(
        dir.path(),
        "main.toml",
        &format!(
            "include = [{}]\n[vars.MAIN]\nrequired = false\n",
            names.join(", ")
        ),
    );
    let (code, err, took) = check_schema_timed(&s);
    assert!(took < BOUND, "took {took:?}");
    assert_eq!(code, 2);
    assert_lines(
        &err,
        &["f19999.toml:3:1: variable V19999: unknown attribute `min_lenght`"],
    );
    std::fs::write(
        dir.path().join("f19999.toml"),
        "[vars.V19999]\nrequired = false\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(envgate()
        .args(["check", "--no-process-env", "--color", "never", "--schema"])
        .arg(&s));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("20001 variables"), "{stdout}");
}

#[test]
fn a_pattern_too_large_to_compile_is_a_schema_error() {
    let dir = tempfile::tempdir().unwrap();
    let schema = (0..1000)
        .map(|i| format!("[vars.P{i}]\npattern = \"a{{99000}}|x{i}\"\nrequired = false\n"))
        .collect::<Vec<_>>()
        .concat();
    let s = write(dir.path(), "s.toml", &schema);
    let (code, err, took) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert!(took < BOUND, "took {took:?}");
    assert!(
        err.lines().next().unwrap().contains(
            "s.toml:2:1: variable P0: `pattern` is too large to compile (more than 1024 KiB compiled)"
        ),
        "{}",
        err.lines().next().unwrap()
    );
    assert!(err.lines().count() <= 501);
}

#[test]
fn patterns_together_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    // Each compiles (about 70 KiB), but a thousand of them are past the total.
    let schema = (0..1000)
        .map(|i| format!("[vars.P{i:04}]\npattern = \"a{{3000}}|x{i}\"\nrequired = false\n"))
        .collect::<Vec<_>>()
        .concat();
    let s = write(dir.path(), "s.toml", &schema);
    let (code, err, took) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert!(took < BOUND, "took {took:?}");
    let first = err.lines().next().unwrap();
    assert!(
        first.contains(
            "`pattern` is not compiled: the schema's patterns together exceed 32 MiB compiled"
        ),
        "{first}"
    );
    assert!(!first.contains("P0000"), "the first patterns fit: {first}");
}

#[test]
fn thousands_of_misspelt_overlays_stay_fast_and_say_suggestions_were_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut schema = String::new();
    for i in 0..3000 {
        schema.push_str(&format!("[vars.VARIABLE_NUMBER_{i}]\nrequired = false\n"));
    }
    for i in 0..3000 {
        schema.push_str(&format!(
            "[profiles.prod.vars.VARIABLE_NUMBR_{i}]\nrequired = false\n"
        ));
    }
    let s = write(dir.path(), "s.toml", &schema);
    let (code, err, took) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert!(took < BOUND, "took {took:?}");
    assert!(
        err.contains("profile prod overlays VARIABLE_NUMBR_0, which the schema does not declare; did you mean VARIABLE_NUMBER_0?"),
        "{}",
        &err[..300]
    );
    assert_eq!(
        err.matches("suggestions were cut short").count(),
        1,
        "{}",
        err.lines().last().unwrap()
    );
}

#[test]
fn quoted_names_compose_accepts_are_declared_and_warned_where_a_shell_cannot_export_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        "[vars.\"FOO.BAR\"]\n\n[vars.\"VAR-WITH-DASHES\"]\nrequired = false\n\n\
         [vars.\"a[1]\"]\nallow = [\"unexportable-name\"]\n\n[vars.PLAIN_NAME]\n",
    );
    write(dir.path(), "a.env", "FOO.BAR=1\na[1]=x\nPLAIN_NAME=y\n");
    let (code, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--no-process-env",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    assert_eq!(code, 0, "{report:#}");
    let mut found = codes(&report);
    found.sort();
    assert_eq!(
        found,
        [
            ("unexportable-name".to_string(), "FOO.BAR".to_string()),
            (
                "unexportable-name".to_string(),
                "VAR-WITH-DASHES".to_string()
            ),
        ],
        "{report:#}"
    );
    let f = finding(&report, "unexportable-name", "FOO.BAR");
    assert_eq!(f["severity"], "warning");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("FOO.BAR is not a name a POSIX shell can export"),
        "{f:#}"
    );
    // The human report shows it too.
    let (code, stdout, _) = run(envgate_in(dir.path()).args([
        "check",
        "--no-process-env",
        "--color",
        "never",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("warning  unexportable-name  FOO.BAR"),
        "{stdout}"
    );
}

#[test]
fn a_long_key_with_many_children_stays_small_and_its_messages_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut schema = format!("[vars.{}]\n", "X".repeat(100_000));
    for i in 0..20_000 {
        schema.push_str(&format!("k{i} = 1\n"));
    }
    let s = write(dir.path(), "s.toml", &schema);
    let (code, err, took) = check_schema_timed(&s);
    assert_eq!(code, 2);
    assert!(took < BOUND, "took {took:?}");
    let first = err.lines().next().unwrap();
    assert!(
        first.contains("s.toml:2:1: variable XXXX") && first.contains("…: unknown attribute `k0`"),
        "{}",
        &first[..200]
    );
    assert!(err.len() < 1_000_000, "{} bytes of errors", err.len());
}
