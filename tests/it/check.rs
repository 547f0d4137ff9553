//! `check --schema`: presence, types, hygiene, profiles, severity, allow, strict.

use crate::*;

fn app() -> assert_cmd::Command {
    let mut cmd = envgate();
    cmd.args(["check", "--schema"])
        .arg(fixture("schemas/app.toml"));
    cmd
}

fn good_env(cmd: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    cmd.arg("--env-file").arg(fixture("env/app-good.env"))
}

#[test]
fn good_values_pass() {
    let (code, stdout, stderr) = run(good_env(&mut app()).args(["--color", "never"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("no problems"), "{stdout}");
}

#[test]
fn every_problem_at_once() {
    let (code, report) = json_report(
        app()
            .env("API_SECRET", "short")
            .env("AUTH_SERVICE_URL", "auth:8081")
            .env("DATABASE_URL", "postgresql://app@db/app")
            .env("PORT", "99999")
            .env("WORKERS", "0")
            .env("DEBUG", "maybe")
            .env("LOG_LEVEL", "DEBUG")
            .env("TIMEOUT", "10m")
            .env("FEATURES", "{broken")
            .env("CI_API_TOKEN", "ghp_notahexvalue")
            .env("ENCRYPTION_KEY", "c2hvcnQ="),
    );
    assert_eq!(code, 1);
    for (c, v) in [
        ("too-short", "API_SECRET"),
        ("missing", "JWT_SECRET_KEY"),
        ("invalid-url", "AUTH_SERVICE_URL"),
        ("url-scheme", "DATABASE_URL"),
        ("out-of-range", "PORT"),
        ("out-of-range", "WORKERS"),
        ("invalid-value", "DEBUG"),
        ("invalid-value", "LOG_LEVEL"),
        ("out-of-range", "TIMEOUT"),
        ("invalid-value", "FEATURES"),
        ("pattern-mismatch", "CI_API_TOKEN"),
        ("too-short", "ENCRYPTION_KEY"),
    ] {
        assert!(
            has(&report, c, v),
            "expected {c} on {v}: {:?}",
            codes(&report)
        );
    }
    let errors = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(report["summary"]["errors"], errors);
    // Non-sensitive values may be quoted; the enum hint points at the case.
    let f = finding(&report, "invalid-value", "LOG_LEVEL");
    assert!(f["message"].as_str().unwrap().contains("`DEBUG`"));
    assert!(f["hint"].as_str().unwrap().contains("did you mean debug?"));
    assert_eq!(
        finding(&report, "missing", "JWT_SECRET_KEY")["source"],
        serde_json::Value::Null
    );
}

#[test]
fn hygiene_checks() {
    let (code, report) = json_report(
        good_env(&mut app())
            .env("API_SECRET", "5f0c1e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c\n")
            .env("JWT_SECRET_KEY", "${JWT_SECRET_KEY_FROM_VAULT}")
            .env("SIGNING_SECRET", "changeme-changeme-changeme-changeme")
            .env("CI_API_TOKEN", "'3438b4579f425cf5051f4bea01a2c274977d772b'")
            .env("ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    );
    assert_eq!(code, 1);
    let f = finding(&report, "surrounding-whitespace", "API_SECRET");
    assert!(f["hint"].as_str().unwrap().contains("echo"));
    assert_eq!(
        finding(&report, "unexpanded-reference", "JWT_SECRET_KEY")["severity"],
        "error"
    );
    assert!(has(&report, "placeholder", "SIGNING_SECRET"));
    assert!(has(&report, "surrounding-quotes", "CI_API_TOKEN"));
    assert!(has(&report, "embedded-newline", "ENCRYPTION_KEY"));
    // One cause, one finding: the whitespace is not also a length or pattern error, and a
    // whole unexpanded reference is not also "too short".
    assert!(!has(&report, "too-short", "JWT_SECRET_KEY"));
    assert_eq!(
        codes(&report)
            .iter()
            .filter(|(_, v)| v == "API_SECRET")
            .count(),
        1
    );
}

#[test]
fn weak_and_reused_secrets() {
    let (_, report) = json_report(
        good_env(&mut app())
            .env("API_SECRET", "abcabcabcabcabcabcabcabcabcabcabcabc")
            .env(
                "SIGNING_SECRET",
                "7d1e8a2f4c6b9e0d3a5c7e9f1b3d5f7a9c1e3b5d7f9a1c3e",
            ),
    );
    assert!(has(&report, "weak-secret", "API_SECRET"));
    let f = finding(&report, "secret-reuse", "SIGNING_SECRET");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["related"][0]["var"], "JWT_SECRET_KEY");
}

#[test]
fn aliases_and_required_when() {
    let (code, report) = json_report(
        app()
            .env(
                "API_SECRET",
                "5f0c1e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c",
            )
            .env(
                "JWT_SECRET",
                "7d1e8a2f4c6b9e0d3a5c7e9f1b3d5f7a9c1e3b5d7f9a1c3e",
            )
            .env("AUTH_SERVICE_URL", "http://auth:8081")
            .env("DATABASE_URL", "postgresql+asyncpg://db/app")
            .env("LOG_LEVEL", "debug"),
    );
    assert_eq!(code, 1);
    let f = finding(&report, "deprecated-name", "JWT_SECRET_KEY");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["source"]["name"], "JWT_SECRET");
    let f = finding(&report, "missing", "JWT_PUBLIC_KEY");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("because of the value of LOG_LEVEL"));
}

#[test]
fn profiles_overlay_and_severity() {
    let mut cmd = app();
    good_env(&mut cmd).env("AUTH_SERVICE_URL", "http://localhost:8081");
    let (code, _) = json_report(&mut cmd);
    assert_eq!(code, 0, "base profile allows http://localhost");
    let mut cmd = app();
    good_env(&mut cmd)
        .env("AUTH_SERVICE_URL", "http://localhost:8081")
        .args(["--profile", "production"]);
    let (code, report) = json_report(&mut cmd);
    assert_eq!(code, 1);
    assert!(has(&report, "url-scheme", "AUTH_SERVICE_URL"));
    assert!(has(&report, "url-host-forbidden", "AUTH_SERVICE_URL"));
    // development downgrades placeholders to warnings.
    let mut cmd = app();
    good_env(&mut cmd)
        .env("SIGNING_SECRET", "changeme")
        .args(["--profile", "development"]);
    let (code, report) = json_report(&mut cmd);
    assert_eq!(code, 0);
    assert_eq!(
        finding(&report, "placeholder", "SIGNING_SECRET")["severity"],
        "warning"
    );
    // ... and --strict makes warnings fail.
    let mut cmd = app();
    good_env(&mut cmd).env("SIGNING_SECRET", "changeme").args([
        "--profile",
        "development",
        "--strict",
    ]);
    assert_eq!(json_report(&mut cmd).0, 1);
}

#[test]
fn unknown_profile_and_service_are_usage_errors() {
    let (code, _, stderr) = run(app().args(["--profile", "prod"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown profile `prod`; known profiles: development, production"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `production`?"), "{stderr}");
    let (code, _, stderr) = run(envgate().args([
        "check",
        "--config",
        "examples/chat-stack/envgate.toml",
        "--service",
        "backnd",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown service `backnd`") && stderr.contains("did you mean `backend`?"),
        "{stderr}"
    );
}

#[test]
fn no_stack_file_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no envgate.toml") && stderr.contains("--schema"),
        "{stderr}"
    );
}

#[test]
fn allow_silences_and_no_process_env_ignores_environment() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("s.toml");
    std::fs::write(
        &schema,
        "[vars.A_TOKEN]\ntype = \"secret\"\nallow = [\"placeholder\"]\n",
    )
    .unwrap();
    let (code, report) = json_report(
        envgate()
            .args(["check", "--schema"])
            .arg(&schema)
            .env("A_TOKEN", "changeme"),
    );
    assert_eq!(code, 0, "{report:#}");
    assert!(!has(&report, "placeholder", "A_TOKEN"));
    let (code, report) = json_report(
        envgate()
            .args(["check", "--no-process-env", "--schema"])
            .arg(&schema)
            .env("A_TOKEN", "changeme"),
    );
    assert_eq!(code, 1);
    assert!(has(&report, "missing", "A_TOKEN"));
}

#[test]
fn explain_shows_facts_not_secrets() {
    let (_, stdout, _) = run(good_env(
        envgate()
            .args(["explain", "--color", "never", "--schema"])
            .arg(fixture("schemas/app.toml")),
    )
    .env(
        "API_SECRET",
        "5f0c1e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c\n",
    ));
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("API_SECRET"))
        .unwrap();
    assert!(
        line.contains("49 chars") && line.contains("ends with \\n") && line.contains("sha256:"),
        "{line}"
    );
    assert!(line.contains("environment (API_SECRET)"), "{line}");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("PORT"))
        .unwrap();
    assert!(
        line.contains("schema default") && line.contains("8080"),
        "{line}"
    );
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("DATABASE_URL"))
        .unwrap();
    assert!(
        line.contains("postgresql+asyncpg://app:***@db:5432/app"),
        "{line}"
    );
}

#[test]
fn url_passwords_that_break_the_host_are_caught() {
    // `#` ends the host early: the URL parses with host `p`, and used to pass.
    let (code, report) = json_report(good_env(&mut app()).env(
        "DATABASE_URL",
        "postgresql+asyncpg://app:p#Zq81xLmW@db:5432/app",
    ));
    assert_eq!(code, 1);
    let f = finding(&report, "invalid-url", "DATABASE_URL");
    assert!(
        f["hint"].as_str().unwrap().contains("percent-encode"),
        "{f}"
    );
    assert!(!f.to_string().contains("Zq81xLmW"));
    let (code, report) = json_report(
        good_env(&mut app())
            .env("AUTH_SERVICE_URL", "http://localhost.:8081")
            .args(["--profile", "production"]),
    );
    assert_eq!(code, 1);
    assert!(has(&report, "url-host-forbidden", "AUTH_SERVICE_URL"));
}

#[test]
fn quoted_values_are_type_checked_without_their_quotes() {
    let (_, report) = json_report(
        good_env(&mut app()).env("CI_API_TOKEN", "'3438b4579f425cf5051f4bea01a2c274977d772b'"),
    );
    assert!(has(&report, "surrounding-quotes", "CI_API_TOKEN"));
    assert!(
        !has(&report, "pattern-mismatch", "CI_API_TOKEN"),
        "one cause, one finding: {:?}",
        codes(&report)
    );
}

#[test]
fn shared_env_file_keys_declared_by_a_sibling_are_not_undeclared() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[vars.A_ONLY]\nrequired = false\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "[vars.B_ONLY]\nrequired = false\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("common.env"),
        "A_ONLY=1\nB_ONLY=2\nNOBODY=3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("envgate.toml"),
        "[services.a]\nschema = \"a.toml\"\nenv_files = [\"common.env\"]\n\n\
         [services.b]\nschema = \"b.toml\"\nenv_files = [\"common.env\"]\n",
    )
    .unwrap();
    let (code, report) = json_report(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 0);
    let undeclared: Vec<_> = codes(&report)
        .into_iter()
        .filter(|(c, _)| c == "undeclared")
        .collect();
    // NOBODY is undeclared for both services; A_ONLY and B_ONLY for neither.
    assert_eq!(
        undeclared,
        vec![
            ("undeclared".into(), "NOBODY".into()),
            ("undeclared".into(), "NOBODY".into())
        ]
    );
}

#[test]
fn output_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.A_SECRET]\ntype = \"secret\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "A_SECRET=Kq7mXw9tRz2Lp4vNs8bYc3\n").unwrap();
    for target in [".env", "s.toml", "./s.toml"] {
        let (code, _, err) = run(envgate_in(dir.path()).args([
            "check",
            "--schema",
            "s.toml",
            "--env-file",
            ".env",
            "--output",
            target,
        ]));
        assert_eq!(code, 2, "{target}");
        assert!(err.contains("is one of the files being checked"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        "A_SECRET=Kq7mXw9tRz2Lp4vNs8bYc3\n"
    );
}

/// A report is never written over a secret file a value was read from (`NAME_FILE`), in
/// every format: the human report, which lists no variables, knows the files too.
#[test]
fn output_never_overwrites_a_secret_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.A_SECRET]\ntype = \"secret\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("secret.txt"), "Kq7mXw9tRz2Lp4vNs8bYc3").unwrap();
    for format in ["human", "json"] {
        let (code, _, err) = run(envgate_in(dir.path())
            .args(["check", "--schema", "s.toml", "--format", format])
            .args(["--output", "secret.txt"])
            .env("A_SECRET_FILE", "secret.txt"));
        assert_eq!(code, 2, "{format}: {err}");
        assert!(
            err.contains("is a secret file a value was read from"),
            "{format}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secret.txt")).unwrap(),
        "Kq7mXw9tRz2Lp4vNs8bYc3"
    );
}

#[test]
fn credentials_are_hidden_whatever_the_variable_is_called() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.GITHUB]\n\n[vars.SESSION]\n\n[vars.HOOK]\ntype = \"url\"\n",
    )
    .unwrap();
    let mut cmd = envgate_in(dir.path());
    cmd.args(["explain", "--color", "never", "--schema", "s.toml"])
        .env("GITHUB", "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngX")
        .env(
            "SESSION",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJlc2ln",
        )
        .env(
            "HOOK",
            "https://sk_live_51HabcDEFghiJKL:@api.stripe.com/v1?key=Qu3ryS3cretT0ken99",
        );
    let (_, stdout, _) = run(&mut cmd);
    for piece in ["R4nd0mT0", "eyJzdWIi", "51HabcDE", "Qu3ryS3c"] {
        assert!(!stdout.contains(piece), "{piece} in:\n{stdout}");
    }
    // A value holding a credential shape anywhere is described, not shown masked.
    assert!(!stdout.contains("api.stripe.com"), "{stdout}");
    assert_eq!(stdout.matches("sha256:").count(), 3, "{stdout}");
}

#[test]
fn an_old_name_beside_the_new_one_is_reported() {
    let (code, report) =
        json_report(good_env(&mut app()).env("JWT_SECRET", "0ld9vKeyFromLastYear4ZqW8mXr2Tb7Nc1L"));
    assert_eq!(code, 0, "a warning");
    let f = finding(&report, "deprecated-name", "JWT_SECRET_KEY");
    assert!(
        f["message"].as_str().unwrap().contains(
            "also set under its old name JWT_SECRET (with a different value), which is ignored"
        ),
        "{f}"
    );
}

#[test]
fn required_when_alone_makes_a_variable_conditionally_required() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.JWT_ALGORITHM]\ntype = \"enum\"\nvalues = [\"HS256\", \"RS256\"]\n\n\
         [vars.JWT_PUBLIC_KEY]\nrequired_when = { JWT_ALGORITHM = [\"RS256\"] }\n",
    )
    .unwrap();
    let check = |alg: &str| {
        json_report(
            envgate_in(dir.path())
                .args(["check", "--schema", "s.toml"])
                .env("JWT_ALGORITHM", alg),
        )
    };
    assert_eq!(check("HS256").0, 0);
    let (code, report) = check("RS256");
    assert_eq!(code, 1);
    assert!(has(&report, "missing", "JWT_PUBLIC_KEY"));
}

#[test]
fn explain_exits_on_what_it_shows() {
    let stack = "examples/chat-stack/envgate.toml";
    let (code, stdout, _) = run(envgate().args([
        "explain",
        "--config",
        stack,
        "--profile",
        "broken",
        "--service",
        "backend",
        "SERVICE_SECRET",
    ]));
    assert_eq!(code, 0, "SERVICE_SECRET is fine: {stdout}");
    let (code, stdout, _) = run(envgate().args([
        "explain",
        "--config",
        stack,
        "--profile",
        "broken",
        "--service",
        "backend",
        "--color",
        "never",
    ]));
    assert_eq!(code, 1);
    // Findings that belong to no declared variable are shown too.
    assert!(
        stdout.contains("undeclared") && stdout.contains("JWT_SECRETKEY"),
        "{stdout}"
    );
}

#[test]
fn invisible_characters_and_strict_durations() {
    let (code, report) = json_report(
        good_env(&mut app())
            .env("AUTH_SERVICE_URL", "http://au\u{200b}th:8081")
            .env("TIMEOUT", "1h 30m"),
    );
    assert_eq!(code, 1);
    let f = finding(&report, "invisible-character", "AUTH_SERVICE_URL");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("zero-width space (U+200B) at character 10"),
        "{f}"
    );
    assert!(has(&report, "invalid-value", "TIMEOUT"));
    let (_, report) = json_report(good_env(&mut app()).env("TIMEOUT", "1d"));
    assert!(
        has(&report, "invalid-value", "TIMEOUT"),
        "Go's ParseDuration has no days"
    );
}

#[test]
fn sensitive_enums_and_bools_are_not_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.API_AUTH]\ntype = \"enum\"\nvalues = [\"none\", \"oidc\"]\n\n[vars.DB_BYPASS]\ntype = \"bool\"\n",
    )
    .unwrap();
    let (code, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml"])
            .env("API_AUTH", "none")
            .env("DB_BYPASS", "no"),
    );
    assert_eq!(code, 0, "{:?}", codes(&report));
}

#[test]
fn an_old_name_is_compared_only_when_both_values_are_known() {
    let (_, report) = json_report(good_env(&mut app()).env(
        "JWT_SECRET",
        "7d1e8a2f4c6b9e0d3a5c7e9f1b3d5f7a9c1e3b5d7f9a1c3e",
    ));
    let f = finding(&report, "deprecated-name", "JWT_SECRET_KEY");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("(with the same value)"),
        "{f}"
    );
    let (_, report) = json_report(good_env(&mut app()).env("JWT_SECRET_FILE", "/nonexistent/jwt"));
    let f = finding(&report, "deprecated-name", "JWT_SECRET_KEY");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("old name JWT_SECRET_FILE, which is ignored"),
        "{f}"
    );
}

#[test]
fn durations_accept_zero_and_explain_counts_unattributed_findings() {
    let (code, report) = json_report(
        good_env(&mut app())
            .env("TIMEOUT", "0")
            .args(["--profile", "development"]),
    );
    assert!(
        has(&report, "out-of-range", "TIMEOUT"),
        "0 parses, and is below 1s: {:?}",
        codes(&report)
    );
    assert_eq!(code, 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), "").unwrap();
    std::fs::write(dir.path().join(".env"), "A=\"x\"y\n").unwrap();
    let (code, stdout, _) = run(envgate_in(dir.path()).args([
        "explain",
        "--color",
        "never",
        "--schema",
        "s.toml",
        "--env-file",
        ".env",
    ]));
    assert_eq!(code, 1, "as check would: {stdout}");
    assert!(stdout.contains("dotenv-syntax"), "{stdout}");
}
