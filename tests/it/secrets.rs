//! No output of any command or format ever contains a known secret, or any 8-character
//! piece of one: check, explain, JSON, human, and the exit-2 paths.

use crate::*;

/// Every secret planted in tests/fixtures/secrets.
const SECRETS: &[&str] = &[
    "Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0",
    "Sh0rtPw9xQ",
    "hunter2UltraPrivPass77",
    "p4ss/w0rdXy9QzKk",
    "ghp_R4nd0mT0k3nV4lu3F0rT3st1ng",
    "Rr5uSeDsEcReTvAlUe9x8w7v6u5t4s3r",
    "Fs6Dg4Hj2Kl8Zx0Cv9Bn",
    "Gx7Vb2Nq9Lm4Kp8Rt",
    "Jk3Wq9Zt5Xr7Vn2Bm8Lp4",
    "Qt9Zx8Cv7Bn6Mm5Ll4Kk3",
    "Bl7Qw3Er5Ty9Ui1Op2As",
    "Ev9Px2Lk7Mq4Zr8Tw3Yn",
];

/// Fails when `output` holds any 8-character piece of any of `secrets`.
pub(crate) fn assert_no_leak_of(secrets: &[&str], what: &str, output: &str) {
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(8) {
            let piece: String = window.iter().collect();
            assert!(
                !output.contains(&piece),
                "{what} leaks `{piece}` of a secret:\n{output}"
            );
        }
    }
}

fn assert_no_leak(what: &str, output: &str) {
    assert_no_leak_of(SECRETS, what, output);
}

fn leaky(args: &[&str]) -> assert_cmd::Command {
    let dir = fixture("secrets");
    let mut cmd = envgate_in(&dir);
    cmd.args(args).args([
        "--schema",
        "schema.toml",
        "--env-file",
        "leak.env",
        "--color",
        "always",
    ]);
    // A secret in the process environment too, with a typo'd name (near-miss hints).
    cmd.env("SESSION_SECRE", "Ev9Px2Lk7Mq4Zr8Tw3Yn");
    cmd
}

#[test]
fn no_output_format_leaks_a_secret() {
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["check", "--format", "human", "--strict"],
        &["explain"],
        &[
            "explain",
            "API_SECRET",
            "DATABASE_URL",
            "BROKEN_URL",
            "FILE_SECRET",
            "JWT_SIGNING_KEY",
        ],
    ] {
        let (code, stdout, stderr) = run(&mut leaky(args));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(!stdout.is_empty());
        assert_no_leak(&format!("{args:?} stdout"), &stdout);
        assert_no_leak(&format!("{args:?} stderr"), &stderr);
    }
}

#[test]
fn the_fixture_really_triggers_the_findings() {
    // The leak test is only meaningful if the secrets sit in findings' paths.
    let (_, report) = json_report(&mut leaky(&["check"]));
    for (c, v) in [
        ("surrounding-whitespace", "API_SECRET"),
        ("too-short", "SHORT_SECRET"),
        ("url-scheme", "DATABASE_URL"),
        ("invalid-url", "BROKEN_URL"),
        ("pattern-mismatch", "CI_API_TOKEN"),
        ("secret-reuse", "REUSED_TWO_SECRET"),
        ("surrounding-whitespace", "FILE_SECRET"),
        ("invalid-encoding", "EXPANDED_PASSWORD"),
        ("invalid-value", "JWT_SIGNING_KEY"),
        ("surrounding-quotes", "QUOTED_TOKEN"),
    ] {
        assert!(has(&report, c, v), "{c} {v}: {:?}", codes(&report));
    }
    let f = finding(&report, "missing", "SESSION_SECRET");
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean SESSION_SECRE (set in the environment)?"),
        "{f}"
    );
    assert!(codes(&report).iter().any(|(c, _)| c == "dotenv-syntax"));
}

#[test]
fn exit_2_paths_do_not_leak() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("s.toml");
    std::fs::write(
        &schema,
        "[vars.DB_PASSWORD]\nlength = 4\ndefault = \"Ev9Px2Lk7Mq4Zr8Tw3Yn\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(envgate().args(["check", "--schema"]).arg(&schema));
    assert_eq!(code, 2);
    assert_no_leak("exit 2", &(stdout + &stderr));
    // A type error on a sensitive default.
    std::fs::write(
        &schema,
        "[vars.API_TOKEN]\ntype = \"int\"\ndefault = \"Ev9Px2Lk7Mq4Zr8Tw3Yn\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(envgate().args(["check", "--schema"]).arg(&schema));
    assert_eq!(code, 2);
    assert_no_leak("exit 2", &(stdout + &stderr));
    // figment's own error text would quote the value: ours does not.
    std::fs::write(
        &schema,
        "[vars.API_TOKEN]\nmin_length = \"Ev9Px2Lk7Mq4Zr8Tw3Yn\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(envgate().args(["check", "--schema"]).arg(&schema));
    assert_eq!(code, 2);
    assert!(stderr.contains("must be"), "{stderr}");
    assert_no_leak("exit 2", &(stdout + &stderr));
}

/// Mistakes that put a secret where envgate would otherwise print text: a secret pasted as
/// a `NAME_FILE` path, a wrapped base64 key whose second line reads as a key, a token as a
/// URL's user, a `$WORD` inside a password.
#[test]
fn secrets_in_odd_places_do_not_leak() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.API_SECRET]\ntype = \"secret\"\n\n[vars.SIGNING_KEY]\ntype = \"secret\"\n\n\
         [vars.WEBHOOK_URL]\ntype = \"url\"\n\n[vars.DB_PASSWORD]\ntype = \"secret\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.env"),
        "API_SECRET_FILE=k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU\n\
         SIGNING_KEY=YI7kYGmXlyr8/5rlrwzucGrNvtQpMm9xtM31kd9bod4ZnZ5da/shuy+yb3jcd/2h\n\
         83oTTUyL8dEtdsd9N9AtMQ==\n\
         WEBHOOK_URL=https://ghpTokenAsUser77x@hooks.example.com/x?token=Qu3ryS3cretT0ken99\n\
         DB_PASSWORD=Summer$WORDWORDWORD9\n",
    )
    .unwrap();
    let planted = [
        "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU",
        "83oTTUyL8dEtdsd9N9AtMQ",
        "ghpTokenAsUser77x",
        "Qu3ryS3cretT0ken99",
        "WORDWORDWORD9",
    ];
    for args in [&["check"][..], &["check", "--format", "json"], &["explain"]] {
        let (code, stdout, stderr) = run(envgate_in(dir.path()).args(args).args([
            "--schema",
            "s.toml",
            "--env-file",
            "a.env",
            "--color",
            "never",
        ]));
        assert_eq!(code, 1, "{args:?} {stdout}{stderr}");
        assert_no_leak_of(&planted, &format!("{args:?}"), &(stdout + &stderr));
    }
    // ... while still reporting each problem.
    let (_, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    let f = finding(&report, "unreadable-file", "API_SECRET");
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("did you put the secret itself there?"),
        "{f}"
    );
    assert!(
        codes(&report)
            .iter()
            .any(|(c, v)| c == "undeclared" && v.is_empty()),
        "{:?}",
        codes(&report)
    );
    assert!(has(&report, "undefined-variable", "DB_PASSWORD"));
}

/// Second review: `$WORD` pieces of secrets through a superseded duplicate key, a secret
/// declared by type under a plain name, URL passwords, and a pasted secret starting with `/`.
#[test]
fn secret_pieces_behind_dollar_signs_and_slashes_do_not_leak() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.DEBUG]\ntype = \"bool\"\n\n[vars.DB_PASSWORD]\ntype = \"secret\"\n\n\
         [vars.ADMIN_CREDS]\ntype = \"secret\"\n\n[vars.DATABASE_URL]\ntype = \"url\"\n\n\
         [vars.CACHE_URL]\ntype = \"url\"\n\n[vars.API_SECRET]\ntype = \"secret\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.env"),
        "DEBUG=1\nDB_PASSWORD=x$ABCDEFGHIJKL\nDB_PASSWORD=Real9vR3alVa1ue7\n\
         ADMIN_CREDS=pw$QWERTYUIOPAS\n\
         DATABASE_URL=postgresql+asyncpg://app:Pa$SWORDXYZ19@db/app\n\
         API_SECRET_FILE=/Zq8rT2vLm9XpK4wN7bY1cD5fH3\n",
    )
    .unwrap();
    let planted = [
        "ABCDEFGHIJKL",
        "QWERTYUIOPAS",
        "SWORDXYZ19",
        "ZXCVBNMASDFG",
        "Zq8rT2vLm9XpK4wN7bY1cD5fH3",
    ];
    for args in [&["check"][..], &["check", "--format", "json"], &["explain"]] {
        let (_, stdout, stderr) = run(envgate_in(dir.path())
            .args(args)
            .args([
                "--schema",
                "s.toml",
                "--env-file",
                "a.env",
                "--color",
                "never",
            ])
            .env("CACHE_URL", "redis://cache:Pw$ZXCVBNMASDFG@cache:6379/0"));
        assert_no_leak_of(&planted, &format!("{args:?}"), &(stdout + &stderr));
    }
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml", "--env-file", "a.env"])
            .env("CACHE_URL", "redis://cache:Pw$ZXCVBNMASDFG@cache:6379/0"),
    );
    // Each problem is still reported, on the right variable.
    assert!(
        has(&report, "undefined-variable", "ADMIN_CREDS"),
        "{:?}",
        codes(&report)
    );
    assert!(
        has(&report, "undefined-variable", "DATABASE_URL"),
        "{:?}",
        codes(&report)
    );
    assert!(
        has(&report, "unexpanded-reference", "CACHE_URL"),
        "{:?}",
        codes(&report)
    );
    assert!(
        has(&report, "unreadable-file", "API_SECRET"),
        "{:?}",
        codes(&report)
    );
    assert!(
        !has(&report, "undefined-variable", "DEBUG"),
        "blamed on the wrong key: {:?}",
        codes(&report)
    );
}

/// Final review: URL passwords holding `/` after digits or right after the colon, `@` and
/// `/` together, and a `$TOKEN` in a query string; `--output` over a `NAME_FILE` secret.
#[test]
fn url_passwords_with_slashes_and_query_references_do_not_leak() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), "[vars.A_URL]\ntype = \"url\"\n\n[vars.B_URL]\ntype = \"url\"\n\n[vars.C_URL]\ntype = \"url\"\n\n[vars.D_URL]\ntype = \"url\"\n\n[vars.DB_PASSWORD]\ntype = \"secret\"\n").unwrap();
    std::fs::write(dir.path().join("pw.txt"), "Kq7mXw9tRz2Lp4vNs8bYc3\n").unwrap();
    let planted = [
        "5678abcdefgh",
        "Secretpassw0rd",
        "Word12345678",
        "TOKENQWERTY99",
    ];
    // The same planted values for every command.
    let with_values = |args: &[&str]| {
        let mut cmd = envgate_in(dir.path());
        cmd.args(args)
            .args(["--schema", "s.toml"])
            .env("A_URL", "postgresql://app:1234/5678abcdefgh@db/app")
            .env("B_URL", "postgresql://app:/Secretpassw0rd@db/app")
            .env("C_URL", "postgresql://app:pa@ss/Word12345678@db/app")
            .env("D_URL", "https://api.example.com/hook?token=$TOKENQWERTY99")
            .env("DB_PASSWORD_FILE", "pw.txt");
        cmd
    };
    let (_, stdout, stderr) = run(&mut with_values(&["explain", "--color", "never"]));
    assert_no_leak_of(&planted, "explain", &(stdout + &stderr));
    let (_, report) = json_report(&mut with_values(&["check"]));
    assert_no_leak_of(&planted, "check", &report.to_string());
    for v in ["A_URL", "B_URL", "C_URL"] {
        assert!(has(&report, "invalid-url", v), "{v}: {:?}", codes(&report));
    }
    // The report is never written over the secret file a value came from.
    let (code, _, err) = run(envgate_in(dir.path())
        .args(["check", "--schema", "s.toml", "--output", "pw.txt"])
        .env("DB_PASSWORD_FILE", "pw.txt"));
    assert_eq!(code, 2);
    assert!(
        err.contains("is a secret file a value was read from"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pw.txt")).unwrap(),
        "Kq7mXw9tRz2Lp4vNs8bYc3\n"
    );
}
