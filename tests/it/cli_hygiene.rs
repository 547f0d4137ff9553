//! Hygiene wording and hints, the weak-secret estimate, and the command line's edges
//! (`explain --format json`, `--quiet`, `rules CODE` spellings, `--env-file` typos,
//! unwritable or closed standard output, `ENVGATE_STRICT` errors): all through the binary.

use crate::*;
use std::io::Read as _;
use std::path::Path;
use std::process::Stdio;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A schema of one service with the given `[vars.NAME]` bodies.
fn schema(dir: &Path, vars: &[(&str, &str)]) {
    let mut text = String::from("service = \"app\"\n");
    for (name, body) in vars {
        text.push_str(&format!("[vars.{name}]\n{body}\n"));
    }
    write(dir, "schema.toml", &text);
}

fn check_json(dir: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    let mut cmd = envgate_in(dir);
    cmd.args(["check", "--schema", "schema.toml"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    json_report(&mut cmd).1
}

/// Fails when `output` holds any 8-character piece of `secret`.
fn assert_no_piece_of(secret: &str, output: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(8) {
        let piece: String = window.iter().collect();
        assert!(!output.contains(&piece), "leaks `{piece}`:\n{output}");
    }
}

const WORD_BASED: &[(&str, &str, &str)] = &[
    (
        "DEV_ONLY",
        "secret-key-for-development-only!",
        "placeholder",
    ),
    (
        "PLEASE_CHANGE",
        "default-secret-key-please-change",
        "placeholder",
    ),
    (
        "REPEATED",
        "test-secret-test-secret-test-sec",
        "weak-secret",
    ),
    ("PADDED", "secretsecretsecretsecretsecret12", "weak-secret"),
    ("WORDS", "my-app-jwt-signing-key-for-local", "weak-secret"),
    ("CAMEL", "MySuperStrongSessionCookieKey2024", "weak-secret"),
];

#[test]
fn word_based_development_secrets_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let vars: Vec<(&str, &str)> = WORD_BASED
        .iter()
        .map(|(n, _, _)| (*n, "type = \"secret\"\nmin_length = 32"))
        .collect();
    schema(dir.path(), &vars);
    let env: Vec<(&str, &str)> = WORD_BASED.iter().map(|(n, v, _)| (*n, *v)).collect();
    let report = check_json(dir.path(), &env);
    for (name, value, code) in WORD_BASED {
        assert!(has(&report, code, name), "{name}: {:?}", codes(&report));
        assert_no_piece_of(value, &report.to_string());
    }
    let f = finding(&report, "weak-secret", "REPEATED");
    assert_eq!(
        f["message"],
        "REPEATED is made mostly of common words, repeats or sequences, which guessers try first"
    );
}

/// xorshift64*: a seeded generator, so a failure names a reproducible value.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[3]).collect()
    }
}

fn uuid4(rng: &mut Rng) -> String {
    let mut b = rng.bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = data_encoding::HEXLOWER.encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// 1,000 values of each common generator, all in one run: none is weak or a placeholder.
#[test]
fn random_secrets_of_common_generators_are_not_flagged() {
    type Generator = fn(&mut Rng) -> String;
    let generators: [(&str, Generator); 5] = [
        // openssl rand -hex 32, secrets.token_hex(32)
        ("HEX", |r| data_encoding::HEXLOWER.encode(&r.bytes(32))),
        // openssl rand -base64 32
        ("B64", |r| data_encoding::BASE64.encode(&r.bytes(32))),
        // secrets.token_urlsafe(32)
        ("URLSAFE", |r| {
            data_encoding::BASE64URL_NOPAD.encode(&r.bytes(32))
        }),
        // secrets.token_hex(16)
        ("HEX16", |r| data_encoding::HEXLOWER.encode(&r.bytes(16))),
        ("UUID", uuid4),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut schema_text = String::from("service = \"app\"\n");
    let mut env = String::new();
    let mut values = std::collections::HashMap::new();
    for (prefix, generate) in generators {
        for i in 0..1000 {
            let name = format!("{prefix}_{i}");
            let value = generate(&mut rng);
            schema_text.push_str(&format!("[vars.{name}]\ntype = \"secret\"\n"));
            env.push_str(&format!("{name}={value}\n"));
            values.insert(name, value);
        }
    }
    write(dir.path(), "schema.toml", &schema_text);
    write(dir.path(), "random.env", &env);
    let started = std::time::Instant::now();
    let (code, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "schema.toml",
        "--env-file",
        "random.env",
    ]));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "5,000 secrets took {:?}",
        started.elapsed()
    );
    assert_eq!(report["summary"]["vars"], 5000);
    let flagged: Vec<String> = codes(&report)
        .into_iter()
        .filter(|(c, _)| c == "weak-secret" || c == "placeholder")
        .map(|(c, v)| format!("{c} {v}={}", values[&v]))
        .collect();
    assert!(flagged.is_empty(), "flagged: {flagged:#?}");
    assert_eq!(code, 0, "{:?}", codes(&report));
}

#[test]
fn whitespace_runs_are_counted_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    schema(
        dir.path(),
        &[
            ("TRAILING", "type = \"string\""),
            ("LEADING", "type = \"string\""),
            ("MIXED", "type = \"string\""),
            ("SECRET", "type = \"secret\""),
        ],
    );
    let trailing = format!("abc{}", " ".repeat(24));
    let secret = format!("    Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0{}", " ".repeat(24));
    let env = [
        ("TRAILING", trailing.as_str()),
        ("LEADING", "    abc"),
        ("MIXED", "abc\r\n "),
        ("SECRET", secret.as_str()),
    ];
    let report = check_json(dir.path(), &env);
    let message = |var| {
        finding(&report, "surrounding-whitespace", var)["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(message("TRAILING"), "TRAILING ends with 24 spaces");
    assert_eq!(message("LEADING"), "LEADING starts with 4 spaces");
    assert_eq!(
        message("MIXED"),
        "MIXED ends with 3 whitespace characters (\\r\\n and a space)"
    );
    assert_eq!(
        message("SECRET"),
        "SECRET starts with 4 spaces and ends with 24 spaces"
    );
    // explain describes the secret with the same words.
    let mut cmd = envgate_in(dir.path());
    cmd.args(["explain", "--schema", "schema.toml", "SECRET"]);
    cmd.env("SECRET", &secret);
    let (_, stdout, _) = run(&mut cmd);
    assert!(
        stdout.contains("starts with 4 spaces, ends with 24 spaces"),
        "{stdout}"
    );
    assert_no_piece_of(secret.trim(), &stdout);
}

#[test]
fn dollar_name_and_braced_name_are_worded_alike() {
    let dir = tempfile::tempdir().unwrap();
    schema(
        dir.path(),
        &[
            ("PLAIN", "type = \"string\""),
            ("BRACED", "type = \"string\""),
            ("SECRET_PLAIN", "type = \"secret\""),
            ("SECRET_BRACED", "type = \"secret\""),
            ("RANDOM_PLAIN", "type = \"secret\""),
            ("RANDOM_BRACED", "type = \"secret\""),
        ],
    );
    let report = check_json(
        dir.path(),
        &[
            ("PLAIN", "$API_TOKEN"),
            ("BRACED", "${API_TOKEN}"),
            ("SECRET_PLAIN", "$API_TOKEN"),
            ("SECRET_BRACED", "${API_TOKEN}"),
            ("RANDOM_PLAIN", "$ZXCVBNMLKJ8877QW"),
            ("RANDOM_BRACED", "${ZXCVBNMLKJ8877QW}"),
        ],
    );
    let said = |var: &str| {
        let f = finding(&report, "unexpanded-reference", var);
        (
            f["message"].as_str().unwrap().replacen(var, "VAR", 1),
            f["hint"].clone(),
        )
    };
    for (a, b) in [
        ("PLAIN", "BRACED"),
        ("SECRET_PLAIN", "SECRET_BRACED"),
        ("RANDOM_PLAIN", "RANDOM_BRACED"),
        ("PLAIN", "SECRET_PLAIN"),
    ] {
        assert_eq!(said(a), said(b), "{a} / {b}");
    }
    assert_eq!(
        said("PLAIN").0,
        "VAR is a reference to $API_TOKEN that was never expanded"
    );
    assert_eq!(
        said("RANDOM_PLAIN").0,
        "VAR is a reference to a variable that was never expanded"
    );
    assert_no_piece_of("ZXCVBNMLKJ8877QW", &report.to_string());
    // One cause, one finding: a whole reference is not also a weak secret.
    assert_eq!(
        codes(&report)
            .iter()
            .filter(|(_, v)| v == "SECRET_PLAIN")
            .count(),
        1,
        "{:?}",
        codes(&report)
    );
}

#[test]
fn whitespace_hints_fit_where_the_value_came_from() {
    let dir = tempfile::tempdir().unwrap();
    schema(
        dir.path(),
        &[
            ("FROM_ENV", "type = \"string\""),
            ("FROM_ENV_CRLF", "type = \"string\""),
            ("FROM_DOTENV", "type = \"string\""),
            ("LEADING_FILE", "type = \"secret\""),
            ("TRAILING_FILE", "type = \"secret\""),
            ("CRLF_FILE", "type = \"secret\""),
        ],
    );
    write(dir.path(), "crlf.env", "FROM_DOTENV=\"abc\r\"\r\n");
    write(dir.path(), "leading", " Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0\n");
    write(
        dir.path(),
        "trailing",
        "Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0 \n",
    );
    write(dir.path(), "crlf", "Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0\r\n");
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "schema.toml", "--env-file", "crlf.env"])
            .env("FROM_ENV", "abc\r")
            .env("FROM_ENV_CRLF", "abc\r\n")
            .env("LEADING_FILE_FILE", "leading")
            .env("TRAILING_FILE_FILE", "trailing")
            .env("CRLF_FILE_FILE", "crlf"),
    );
    let hint = |var| {
        finding(&report, "surrounding-whitespace", var)["hint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for var in ["FROM_ENV", "FROM_ENV_CRLF"] {
        let env = hint(var);
        assert!(
            env.contains("the variable was set with a trailing \\r") && !env.contains("echo"),
            "{var}: {env}"
        );
    }
    assert!(
        hint("FROM_DOTENV").contains("the file has Windows (CRLF) line endings"),
        "{}",
        hint("FROM_DOTENV")
    );
    for var in ["LEADING_FILE", "TRAILING_FILE", "CRLF_FILE"] {
        let h = hint(var);
        assert!(h.contains("the file") && !h.contains('='), "{var}: {h}");
    }
    assert!(hint("LEADING_FILE").contains("starts with"));
    assert!(hint("TRAILING_FILE").contains("trailing newlines are already removed"));
    assert!(hint("CRLF_FILE").contains("dos2unix"));
}

#[test]
fn explain_json_has_the_rows_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    schema(
        dir.path(),
        &[
            ("API_SECRET", "type = \"secret\"\nmin_length = 32"),
            ("LOG_LEVEL", "type = \"string\""),
            ("OPTIONAL", "type = \"string\"\nrequired = false"),
        ],
    );
    let secret = "Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0";
    let (code, stdout, stderr) = run(envgate_in(dir.path())
        .args(["explain", "--schema", "schema.toml", "--format", "json"])
        .env("API_SECRET", secret)
        .env("LOG_LEVEL", "debug"));
    assert_eq!(code, 0, "{stderr}");
    assert_no_piece_of(secret, &stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["ok"], true);
    let rows = doc["vars"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    let s = row("API_SECRET");
    assert_eq!(s["service"], "app");
    assert_eq!(s["status"], "ok");
    assert_eq!(s["sensitive"], true);
    assert_eq!(s["source"]["kind"], "env");
    let fp = s["fingerprint"].as_str().unwrap();
    assert!(fp.starts_with("sha256:"), "{fp}");
    assert_eq!(
        s["detail"],
        format!("32 chars (lowercase, uppercase, digits), {fp}")
    );
    assert_eq!(row("LOG_LEVEL")["detail"], "debug");
    assert_eq!(row("OPTIONAL")["status"], "unset");
    assert_eq!(row("OPTIONAL")["source"], serde_json::Value::Null);
    // Exit code and findings follow what is shown, as in the table.
    let (code, stdout, _) = run(envgate_in(dir.path())
        .args(["explain", "--schema", "schema.toml", "--format", "json"])
        .arg("API_SECRET")
        .env("API_SECRET", "short"));
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["vars"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["code"], "too-short");
}

#[test]
fn rules_codes_match_in_any_case_and_with_underscores() {
    for (typed, code) in [
        ("MISSING", "missing"),
        ("missing", "missing"),
        ("url_scheme", "url-scheme"),
        ("Weak_Secret", "weak-secret"),
    ] {
        let (status, stdout, stderr) = run(envgate().args(["rules", typed]));
        assert_eq!(status, 0, "{typed}: {stderr}");
        assert_eq!(stdout.lines().next(), Some(code), "{typed}");
    }
    let (status, _, stderr) = run(envgate().args(["rules", "URL_SCHEM"]));
    assert_eq!(status, 2);
    assert!(stderr.contains("did you mean `url-scheme`?"), "{stderr}");
}

#[test]
fn quiet_prints_nothing_on_success_and_only_errors_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    schema(
        dir.path(),
        &[("PORT", "type = \"port\""), ("NAME", "type = \"string\"")],
    );
    // Success with a warning: nothing at all.
    let (code, stdout, stderr) = run(envgate_in(dir.path())
        .args(["check", "--schema", "schema.toml", "-q"])
        .env("PORT", "8080")
        .env("NAME", "a")
        .env("UNDECLARED_THING", "x"));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    // Failure: the error, its service, the verdict; no warnings, no "ok" lines, no header.
    write(dir.path(), "app.env", "PORT=http\nNAME=a\nEXTRA=1\n");
    let (code, stdout, _) = run(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "schema.toml",
        "--env-file",
        "app.env",
        "--quiet",
    ]));
    assert_eq!(code, 1);
    assert!(stdout.contains("invalid-value  PORT"), "{stdout}");
    assert!(stdout.starts_with("app  (schema.toml)"), "{stdout}");
    assert!(stdout.trim_end().ends_with("2 variables"), "{stdout}");
    assert!(stdout.contains("✖ not ready"), "{stdout}");
    assert!(
        !stdout.contains("undeclared") && !stdout.contains("envgate check"),
        "{stdout}"
    );
    // --strict: the warnings are what fails, so they are shown.
    let (code, stdout, _) = run(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "schema.toml",
        "--env-file",
        "app.env",
        "--quiet",
        "--strict",
    ]));
    assert_eq!(code, 1);
    assert!(stdout.contains("undeclared"), "{stdout}");
    // JSON stays a whole document.
    let (code, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "schema.toml",
        "--env-file",
        "app.env",
        "-q",
    ]));
    assert_eq!(code, 1);
    assert!(has(&report, "undeclared", "EXTRA"));
    // So is a report file: --quiet is about the terminal.
    let (code, stdout, _) = run(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "schema.toml",
        "--env-file",
        "app.env",
        "-q",
        "--output",
        "report.txt",
    ]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    let file = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(
        file.contains("undeclared") && file.contains("envgate check"),
        "{file}"
    );
}

#[test]
fn a_missing_env_file_on_the_command_line_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    schema(dir.path(), &[("NAME", "type = \"string\"")]);
    std::fs::create_dir(dir.path().join("envdir")).unwrap();
    for (cmd, path, why) in [
        ("check", "nope.env", "does not exist"),
        ("explain", "nope.env", "does not exist"),
        ("check", "envdir", "is a directory"),
    ] {
        let (code, stdout, stderr) =
            run(envgate_in(dir.path()).args([cmd, "--schema", "schema.toml", "--env-file", path]));
        assert_eq!(code, 2, "{cmd} {path}: {stdout}");
        assert!(
            stderr.contains(&format!("--env-file {path}: {why}")),
            "{stderr}"
        );
    }
    // Named in a stack file: still a finding of the run.
    write(
        dir.path(),
        "envgate.toml",
        "[services.app]\nschema = \"schema.toml\"\nenv_files = [\"nope.env\"]\n",
    );
    let (code, report) = json_report(envgate_in(dir.path()).arg("check").env("NAME", "a"));
    assert_eq!(code, 1);
    assert!(
        codes(&report).iter().any(|(c, _)| c == "unreadable-file"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn check_help_has_examples() {
    let (code, stdout, _) = run(envgate().args(["check", "--help"]));
    assert_eq!(code, 0);
    let examples = stdout.split("Examples:\n").nth(1).unwrap_or("");
    assert!(
        examples
            .lines()
            .filter(|l| l.trim_start().starts_with("envgate check"))
            .count()
            >= 4,
        "{stdout}"
    );
}

/// `envgate ARGS` as a plain process, for tests that choose its standard output.
fn raw_envgate(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_envgate"));
    cmd.env_clear().current_dir(dir).args(args);
    cmd
}

/// A stack of 3,000 missing variables: its reports are far larger than a pipe's buffer.
fn big_failing_schema(dir: &Path) {
    let vars: Vec<(String, &str)> = (0..3000)
        .map(|i| (format!("VARIABLE_NUMBER_{i}"), "type = \"string\""))
        .collect();
    let refs: Vec<(&str, &str)> = vars.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    schema(dir, &refs);
}

#[test]
fn a_full_disk_is_exit_2_with_a_message() {
    if !Path::new("/dev/full").exists() {
        return; // Linux only; envgate's CI runs there.
    }
    let dir = tempfile::tempdir().unwrap();
    big_failing_schema(dir.path());
    for args in [
        &["rules"][..],
        &["rules", "--markdown"],
        &["rules", "missing"],
        &["explain", "--schema", "schema.toml"],
        &["explain", "--schema", "schema.toml", "--format", "json"],
        &["check", "--schema", "schema.toml"],
        &["check", "--schema", "schema.toml", "--format", "json"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = raw_envgate(dir.path(), args).stdout(full).output().unwrap();
        let (code, stderr) = (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write") && stderr.contains("standard output"),
            "{args:?}: {stderr}"
        );
    }
}

/// Runs `envgate ARGS`, reads `keep` bytes of its output, closes the pipe, and returns the
/// exit code and standard error.
fn with_reader_gone(dir: &Path, args: &[&str], keep: usize) -> (i32, String) {
    let mut child = raw_envgate(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = vec![0u8; keep];
    stdout.read_exact(&mut head).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_closed_reader_is_no_error() {
    let dir = tempfile::tempdir().unwrap();
    big_failing_schema(dir.path());
    // Each of these writes far more than a pipe holds after the first 100 bytes, so the
    // reader is certainly gone while it writes.
    for (args, expected) in [
        (&["check", "--schema", "schema.toml"][..], 1),
        (&["check", "--schema", "schema.toml", "--format", "json"], 1),
        (&["explain", "--schema", "schema.toml"], 1),
        (
            &["explain", "--schema", "schema.toml", "--format", "json"],
            1,
        ),
        (&["rules"], 0),
        (&["rules", "--markdown"], 0),
    ] {
        let (code, stderr) = with_reader_gone(dir.path(), args, 100);
        assert_eq!(code, expected, "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn a_bad_envgate_strict_names_the_variable_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    schema(dir.path(), &[("NAME", "type = \"string\"")]);
    for (value, shown) in [
        ("maybe", "`maybe`"),
        ("[1]", "`[1]`"),
        ("{a = 1}", "`{a = 1}`"),
        ("\u{1b}[2J", "`\\u{1b}[2J`"),
    ] {
        let (code, _, stderr) = run(envgate_in(dir.path())
            .args(["check", "--schema", "schema.toml"])
            .env("ENVGATE_STRICT", value));
        assert_eq!(code, 2);
        assert!(
            stderr.contains(&format!(
                "ENVGATE_STRICT must be true or false (got {shown})"
            )),
            "{value:?}: {stderr}"
        );
        assert!(
            !stderr.contains("enum") && !stderr.contains("BoolIsh"),
            "{stderr}"
        );
    }
    let long = "y".repeat(10_000);
    let (code, _, stderr) = run(envgate_in(dir.path())
        .args(["check", "--schema", "schema.toml"])
        .env("ENVGATE_STRICT", &long));
    assert_eq!(code, 2);
    assert!(stderr.len() < 300, "{stderr}");
    assert!(
        stderr.contains(&format!("(got `{}…`)", "y".repeat(40))),
        "{stderr}"
    );
}
