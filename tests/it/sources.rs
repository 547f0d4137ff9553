//! Sources: dotenv files read the way Compose reads them, `NAME_FILE`, precedence, and bad
//! input of every kind turned into findings.

use crate::*;
use std::path::{Path, PathBuf};

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    /// A schema declaring the given variables as optional strings (no type checks).
    fn new(vars: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut schema = String::new();
        for v in vars {
            schema.push_str(&format!(
                "[vars.{v}]\ntype = \"string\"\nsensitive = false\n\n"
            ));
        }
        std::fs::write(dir.path().join("s.toml"), schema).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn check(&self, env_files: &[&Path]) -> assert_cmd::Command {
        let mut cmd = envgate_in(self.dir.path());
        cmd.args(["check", "--schema", "s.toml"]);
        for f in env_files {
            cmd.arg("--env-file").arg(f);
        }
        cmd
    }
}

/// The value envgate read for `var`, through `explain` (non-sensitive values are shown).
fn explained(cmd: &mut assert_cmd::Command, var: &str) -> String {
    let (_, stdout, _) = run(cmd);
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{var} ")))
        .unwrap_or_else(|| panic!("{stdout}"));
    line.split_whitespace().last().unwrap().to_string()
}

#[test]
fn dotenv_values_as_compose_reads_them() {
    let case = Case::new(&["A", "B", "C", "D", "E", "F", "G"]);
    let env = case.file(
        ".env",
        "export A=plain # comment\nB='single ${A} kept'\nC=\"double ${A}\"\nD=${A:-x}-${NOPE:-fallback}\nE=\"multi\nline\"\nF = spaced\nG=$(date)\n",
    );
    let (_, report) = json_report(&mut case.check(&[&env]));
    // Values through explain (one word each, so check the JSON fingerprints instead).
    let fp = |var: &str| {
        report["vars"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == var)
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let sha = envgate::secret::fingerprint;
    assert_eq!(fp("A"), sha("plain"));
    assert_eq!(fp("B"), sha("single ${A} kept"));
    assert_eq!(fp("C"), sha("double plain"));
    assert_eq!(fp("D"), sha("plain-fallback"));
    assert_eq!(fp("E"), sha("multi\nline"));
    assert_eq!(fp("F"), sha("spaced"));
    assert_eq!(fp("G"), sha("$(date)"));
    // A single-quoted ${A} is partly a reference: a warning; $(date) was never run: an error.
    assert_eq!(
        finding(&report, "unexpanded-reference", "B")["severity"],
        "warning"
    );
    assert_eq!(
        finding(&report, "unexpanded-reference", "G")["severity"],
        "error"
    );
}

#[test]
fn process_env_wins_and_later_files_win() {
    let case = Case::new(&["A", "B"]);
    let one = case.file("one.env", "A=from-one\nB=from-one\n");
    let two = case.file("two.env", "A=from-two\n");
    let explain = |extra: &[&str]| {
        let mut cmd = envgate_in(case.dir.path());
        cmd.args(["explain", "--color", "never", "--schema", "s.toml"])
            .args(extra);
        cmd.arg("--env-file").arg(&one).arg("--env-file").arg(&two);
        cmd
    };
    assert_eq!(explained(&mut explain(&[]), "A"), "from-two");
    assert_eq!(explained(&mut explain(&[]), "B"), "from-one");
    assert_eq!(
        explained(explain(&[]).env("A", "from-env"), "A"),
        "from-env"
    );
    assert_eq!(
        explained(explain(&["--no-process-env"]).env("A", "from-env"), "A"),
        "from-two"
    );
}

#[test]
fn bad_lines_are_reported_and_the_rest_is_read() {
    let case = Case::new(&["A", "B", "C"]);
    let env = case.file(".env", "A=1\nB=\"unterminated-s3cr3t-value\nC=3\n");
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert_eq!(code, 1);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "dotenv-syntax")
        .unwrap();
    assert_eq!(f["source"]["line"], 2);
    assert!(
        !f.to_string().contains("unterminated-s3cr3t"),
        "the line is never echoed"
    );
    assert!(
        !has(&report, "missing", "C"),
        "the line after the bad one is still read: {:?}",
        codes(&report)
    );
}

#[test]
fn binary_bytes_and_not_utf8() {
    let case = Case::new(&["A", "B"]);
    let env = case.file(".env", b"A=\xff\xfe\x00binary\nB=ok\n".as_slice());
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert_eq!(code, 1);
    assert!(has(&report, "not-utf8", "A"), "{:?}", codes(&report));
    assert!(!has(&report, "missing", "B"));
    // A process environment value that is not UTF-8.
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = case.check(&[]);
    cmd.env("A", std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .env("B", "ok");
    let (code, report) = json_report(&mut cmd);
    assert_eq!(code, 1);
    assert_eq!(finding(&report, "not-utf8", "A")["source"]["kind"], "env");
}

#[test]
fn a_50_mb_line_is_a_finding_not_a_hang() {
    let case = Case::new(&["A", "B"]);
    let mut big = b"A=".to_vec();
    big.resize(50 * 1024 * 1024, b'x');
    big.extend_from_slice(b"\nB=after\n");
    let env = case.file(".env", &big);
    let start = std::time::Instant::now();
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert_eq!(code, 1);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "dotenv-syntax")
        .unwrap();
    assert_eq!(f["source"]["line"], 1);
    assert!(!has(&report, "missing", "B"));
}

#[test]
fn crlf_duplicates_and_undefined_variables() {
    let case = Case::new(&["A", "B"]);
    let env = case.file(".env", "A=one\r\nA=two\r\nB=${UNDEFINED_THING}x\r\n");
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert_eq!(code, 0, "all warnings: {:?}", codes(&report));
    assert!(codes(&report).iter().any(|(c, _)| c == "crlf-line-endings"));
    assert_eq!(finding(&report, "duplicate-key", "A")["source"]["line"], 2);
    // Reported on the key being assigned, naming the reference (B is not sensitive).
    let f = finding(&report, "undefined-variable", "B");
    assert_eq!(f["source"]["line"], 3);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("${UNDEFINED_THING} is not defined"),
        "{f}"
    );
    let (code, _) = json_report(case.check(&[&env]).arg("--strict"));
    assert_eq!(code, 1);
}

#[test]
fn undeclared_keys_with_near_miss() {
    let case = Case::new(&["JWT_SECRET_KEY"]);
    let env = case.file(".env", "JWT_SECRETKEY=x\nOTHER=y\n");
    let (_, report) = json_report(&mut case.check(&[&env]));
    let f = finding(&report, "undeclared", "JWT_SECRETKEY");
    assert_eq!(f["severity"], "warning");
    assert!(f["hint"]
        .as_str()
        .unwrap()
        .contains("did you mean JWT_SECRET_KEY?"));
    assert!(has(&report, "undeclared", "OTHER"));
    let f = finding(&report, "missing", "JWT_SECRET_KEY");
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean JWT_SECRETKEY (set in"),
        "{f}"
    );
}

#[test]
fn name_file_reads_and_strips_trailing_newlines() {
    let case = Case::new(&["A"]);
    std::fs::create_dir(case.path("secrets")).unwrap();
    case.file("secrets/a", "value-from-file\n\n");
    let env = case.file(".env", "A_FILE=secrets/a\n");
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert_eq!(code, 0, "{:?}", codes(&report));
    let var = &report["vars"][0];
    assert_eq!(var["source"]["kind"], "file");
    assert!(var["source"]["path"]
        .as_str()
        .unwrap()
        .ends_with("secrets/a"));
    // Through a symlink, as in a Kubernetes secret volume, from the process environment
    // (relative to the working directory).
    std::os::unix::fs::symlink(case.path("secrets/a"), case.path("link")).unwrap();
    let (code, _) = json_report(case.check(&[]).env("A_FILE", "link"));
    assert_eq!(code, 0);
}

#[test]
fn name_file_problems() {
    let case = Case::new(&["A"]);
    std::fs::create_dir(case.path("dir")).unwrap();
    std::os::unix::fs::symlink(case.path("nowhere"), case.path("dangling")).unwrap();
    std::os::unix::fs::symlink(case.path("loop-b"), case.path("loop-a")).unwrap();
    std::os::unix::fs::symlink(case.path("loop-a"), case.path("loop-b")).unwrap();
    for (target, expect) in [
        ("loop-a", "is a symlink loop"),
        ("", "is set but empty"),
        ("dir", "is a directory"),
        ("/dev/zero", "is not a regular file"),
        ("dir/missing-file", "does not exist"),
        ("dangling", "dangling symlink"),
    ] {
        let (code, report) = json_report(case.check(&[]).env("A_FILE", target));
        assert_eq!(code, 1, "{target}");
        let f = finding(&report, "unreadable-file", "A");
        assert!(
            f["message"].as_str().unwrap().contains(expect),
            "{target}: {f}"
        );
    }
    let big = case.file("big", vec![b'a'; 2 * 1024 * 1024]);
    let (_, report) = json_report(case.check(&[]).env("A_FILE", &big));
    assert!(finding(&report, "unreadable-file", "A")["message"]
        .as_str()
        .unwrap()
        .contains("larger than 1 MiB"));
    let (code, report) = json_report(case.check(&[]).env("A_FILE", "dir").env("A", "x"));
    assert_eq!(code, 1);
    assert!(has(&report, "conflicting-sources", "A"));
}

#[test]
fn a_dollar_inside_a_password_is_reported_without_the_password() {
    let case = Case::new(&["DB_PASSWORD"]);
    let env = case.file(".env", "DB_PASSWORD=Kq7$mXw9tRz2Lp4vNs8b\n");
    let (code, stdout, _) = run(case.check(&[&env]).args(["--format", "json"]));
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "undefined-variable")
        .unwrap();
    assert_eq!(f["source"]["line"], 1);
    assert!(f["hint"].as_str().unwrap().contains("$$"));
    assert!(!stdout.contains("mXw9tRz2"), "{stdout}");
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let case = Case::new(&["A"]);
    // A value (shown by explain, it is not sensitive) and a path (in a finding's source).
    let mut cmd = envgate_in(case.dir.path());
    cmd.args(["explain", "--color", "never", "--schema", "s.toml"])
        .env("A", "x\u{1b}[2J\u{1b}[31mFAKE");
    let (_, stdout, _) = run(&mut cmd);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("x\\u{1b}[2J"), "{stdout}");
    let env = case.file("odd\u{1b}[2J.env", "A=1\nA=2\n");
    let (_, stdout, _) = run(case.check(&[&env]).args(["--color", "never"]));
    assert!(stdout.contains("duplicate-key"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

#[test]
fn schema_hint_wins_for_what_the_value_should_be() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.REDIS_URL]\ntype = \"url\"\nforbid_hosts = [\"localhost\"]\nhint = \"use redis://cache:6379\"\n",
    )
    .unwrap();
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml"])
            .env("REDIS_URL", "redis://localhost:6379"),
    );
    assert_eq!(
        finding(&report, "url-host-forbidden", "REDIS_URL")["hint"],
        "use redis://cache:6379"
    );
    // ... but a problem of how the value was written keeps its own hint.
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml"])
            .env("REDIS_URL", "redis://cache:6379\n"),
    );
    assert!(
        finding(&report, "surrounding-whitespace", "REDIS_URL")["hint"]
            .as_str()
            .unwrap()
            .contains("echo")
    );
}

#[test]
fn a_missing_closing_quote_is_pointed_at_where_it_opened() {
    let case = Case::new(&["A", "B", "C"]);
    let env = case.file(".env", "A=\"opened-but-never-closed\nB=2\nC=3\nD=\"x\"\n");
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert_eq!(code, 1);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "dotenv-syntax" && f["var"] == "A")
        .unwrap_or_else(|| panic!("{:?}", codes(&report)));
    assert_eq!(f["source"]["line"], 1);
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("closing quote missing"),
        "{f}"
    );
    assert!(!f.to_string().contains("opened-but"), "never echoed");
}

#[test]
fn closed_multi_line_values_and_escaped_newlines_are_not_missing_quotes() {
    let case = Case::new(&["CONF", "PEM", "B"]);
    let env = case.file(
        ".env",
        "CONF=\"line1\\nFOO=bar\"\nPEM=\"-----BEGIN X-----\nabc\n-----END X-----\"\nB=2\n",
    );
    let (_, report) = json_report(&mut case.check(&[&env]));
    assert!(
        !codes(&report).iter().any(|(c, _)| c == "dotenv-syntax"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn thousands_of_undeclared_keys_are_summarised() {
    let case = Case::new(&["A"]);
    let mut body = String::from("A=set\n");
    for i in 0..1000 {
        body.push_str(&format!("KEY_{i}=v\n"));
    }
    let env = case.file(".env", body);
    let (code, report) = json_report(&mut case.check(&[&env]));
    assert_eq!(code, 0);
    let undeclared: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "undeclared")
        .collect();
    assert_eq!(undeclared.len(), 201, "200 listed, then one summary");
    assert!(undeclared[200]["message"]
        .as_str()
        .unwrap()
        .starts_with("800 more keys are set but not declared"));
}
