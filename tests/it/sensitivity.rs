//! Sensitivity is decided once, from every name a value may belong to and from its shape,
//! before any message about it is worded: `$NAME` pieces of secrets, continuation lines of
//! wrapped secrets and self-references, through the binary. Also which value a `${VAR}`
//! reads with several env files.

use crate::secrets::assert_no_leak_of;
use crate::*;
use std::path::Path;

/// A directory holding the given files.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `check` (human and JSON) and `explain` with `args`, in `dir`: all of their output.
fn every_output(dir: &Path, args: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for command in [&["check"][..], &["check", "--format", "json"], &["explain"]] {
        let (_, stdout, stderr) = run(envgate_in(dir)
            .args(command)
            .args(args)
            .args(["--color", "never"]));
        out.push((format!("{command:?} {args:?}"), stdout + &stderr));
    }
    out
}

fn assert_never_shown(dir: &Path, args: &[&str], planted: &[&str]) {
    for (what, output) in every_output(dir, args) {
        assert!(!output.is_empty(), "{what}: no output");
        assert_no_leak_of(planted, &what, &output);
    }
}

/// The value `explain` shows for `var` (only a non-sensitive value is shown).
fn explained(dir: &Path, args: &[&str], var: &str) -> String {
    let (_, stdout, stderr) = run(envgate_in(dir)
        .arg("explain")
        .args(args)
        .args(["--color", "never"]));
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{var} ")))
        .unwrap_or_else(|| panic!("no {var} in:\n{stdout}{stderr}"));
    line.split_whitespace().last().unwrap().to_string()
}

fn message<'a>(report: &'a serde_json::Value, code: &str, var: &str) -> &'a str {
    finding(report, code, var)["message"].as_str().unwrap()
}

#[test]
fn an_alias_of_a_secret_hides_the_references_in_its_value() {
    // LEGACY_SIGNING is not sensitive by its name: only the alias makes it a secret.
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.SIGNING_VALUE]\ntype = \"secret\"\naliases = [\"LEGACY_SIGNING\"]\n",
        ),
        (
            "a.env",
            "LEGACY_SIGNING=Xy7$QWPLANTALIAS99Z-and${RQPLANTALIAS77?stop}\n",
        ),
    ]);
    let args = ["--schema", "s.toml", "--env-file", "a.env"];
    assert_never_shown(dir.path(), &args, &["QWPLANTALIAS99Z", "RQPLANTALIAS77"]);
    let (_, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    assert!(has(&report, "undefined-variable", "LEGACY_SIGNING"));
    assert!(codes(&report).iter().any(|(c, _)| c == "dotenv-syntax"));
}

#[test]
fn a_typo_of_a_secret_name_hides_the_references_in_its_value() {
    // API_TOKNE is declared nowhere: of unknown sensitivity, so treated as a secret.
    let dir = dir_with(&[
        ("s.toml", "[vars.API_TOKEN]\ntype = \"secret\"\n"),
        ("a.env", "API_TOKNE=Tk9$ZXPLANTTYPO55Q\n"),
    ]);
    let args = ["--schema", "s.toml", "--env-file", "a.env"];
    assert_never_shown(dir.path(), &args, &["ZXPLANTTYPO55Q"]);
    let (_, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    assert!(has(&report, "undefined-variable", "API_TOKNE"));
    assert!(has(&report, "undeclared", "API_TOKNE"));
}

#[test]
fn a_secret_of_a_sibling_service_is_secret_for_every_reader_of_the_file() {
    // `web` does not declare HMAC_SEED and declares SEED_VALUE as a plain string; `worker`
    // declares both as secrets. Both read shared.env.
    let dir = dir_with(&[
        (
            "web.toml",
            "[vars.SEED_VALUE]\ntype = \"string\"\nsensitive = false\n",
        ),
        (
            "worker.toml",
            "[vars.HMAC_SEED]\ntype = \"secret\"\n\n[vars.SEED_VALUE]\ntype = \"secret\"\n",
        ),
        (
            "shared.env",
            "HMAC_SEED=Hm4$PLANTSIBLING42K\nSEED_VALUE=Sv8PlantedSiblingValue31\n",
        ),
        (
            "envgate.toml",
            "[services.web]\nschema = \"web.toml\"\nenv_files = [\"shared.env\"]\n\n\
             [services.worker]\nschema = \"worker.toml\"\nenv_files = [\"shared.env\"]\n",
        ),
    ]);
    assert_never_shown(
        dir.path(),
        &[],
        &["PLANTSIBLING42K", "Sv8PlantedSiblingValue31"],
    );
    let (_, report) = json_report(envgate_in(dir.path()).arg("check"));
    let undefined: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "undefined-variable" && f["var"] == "HMAC_SEED")
        .collect();
    assert_eq!(undefined.len(), 2, "one per service reading the file");
    // `explain` of web's SEED_VALUE shows facts, not the value.
    let shown = explained(dir.path(), &["--service", "web"], "SEED_VALUE");
    assert!(shown.starts_with("sha256:"), "{shown}");
}

#[test]
fn a_reference_in_a_url_query_is_not_shown() {
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.WEBHOOK_URL]\ntype = \"url\"\n\n[vars.CALLBACK_URL]\ntype = \"url\"\n",
        ),
        (
            "a.env",
            "WEBHOOK_URL=https://hooks.example.com/x?token=ab$QSPLANTQUERY88\n\
             CALLBACK_URL=https://cb.example.com/${CB_PATH}/done\n",
        ),
    ]);
    let args = ["--schema", "s.toml", "--env-file", "a.env"];
    assert_never_shown(dir.path(), &args, &["QSPLANTQUERY88"]);
    let (_, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    assert!(has(&report, "undefined-variable", "WEBHOOK_URL"));
    // In a URL's path, under a plain key, the reference is named.
    assert!(
        message(&report, "undefined-variable", "CALLBACK_URL").contains("${CB_PATH}"),
        "{report}"
    );
}

#[test]
fn a_credential_shaped_value_hides_its_references_whatever_its_key() {
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.NOTES]\ntype = \"string\"\nsensitive = false\n\n\
             [vars.MEMO]\ntype = \"string\"\nsensitive = false\n",
        ),
        ("a.env", "NOTES=ghp_R4nd0mT0k$VWPLANTSHAPE66\n"),
    ]);
    // MEMO comes from the environment, unexpanded: the check of the value must not name
    // the reference either.
    let planted = [
        "VWPLANTSHAPE66",
        "ghp_R4nd0mT0k",
        "XYPLANTENVREF55",
        "ghp_Q7mW2xLp",
    ];
    for (what, output) in every_output(dir.path(), &["--schema", "s.toml", "--env-file", "a.env"])
        .into_iter()
        .chain(
            [&["check"][..], &["check", "--format", "json"], &["explain"]]
                .into_iter()
                .map(|command| {
                    let (_, stdout, stderr) = run(envgate_in(dir.path())
                        .args(command)
                        .args(["--schema", "s.toml", "--env-file", "a.env"])
                        .env("MEMO", "ghp_Q7mW2xLp9$XYPLANTENVREF55"));
                    (format!("{command:?} with MEMO"), stdout + &stderr)
                }),
        )
    {
        assert_no_leak_of(&planted, &what, &output);
    }
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml", "--env-file", "a.env"])
            .env("MEMO", "ghp_Q7mW2xLp9$XYPLANTENVREF55"),
    );
    assert!(has(&report, "undefined-variable", "NOTES"));
    assert!(
        has(&report, "unexpanded-reference", "MEMO"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn a_whole_reference_is_named_even_as_a_password() {
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.DATABASE_URL]\ntype = \"url\"\n\n[vars.CACHE_URL]\ntype = \"url\"\n\n\
             [vars.DB_PASSWORD]\ntype = \"secret\"\nrequired = false\n\n\
             [vars.API_TOKEN]\ntype = \"secret\"\nrequired = false\n",
        ),
        (
            "a.env",
            "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n\
             CACHE_URL=redis://cache:$DB_PASSWORD@cache:6379/0\n\
             API_TOKEN=${SHARED_API_TOKEN}\n",
        ),
    ]);
    let (_, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    // `${DB_PASSWORD}` and `$DB_PASSWORD` (a declared name) read the same.
    for var in ["DATABASE_URL", "CACHE_URL"] {
        assert_eq!(
            message(&report, "undefined-variable", var),
            format!("{var}: the password part is ${{DB_PASSWORD}}, which is not set; it expanded to nothing"),
        );
    }
    // A whole braced value, even of a secret, is a reference written as one.
    assert_eq!(
        message(&report, "undefined-variable", "API_TOKEN"),
        "API_TOKEN: ${SHARED_API_TOKEN} is not defined; it expanded to nothing"
    );
}

#[test]
fn a_self_reference_is_said_to_be_one() {
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.TOKEN]\ntype = \"secret\"\nrequired = false\n\n\
             [vars.OTHER_TOKEN]\ntype = \"secret\"\nrequired = false\n",
        ),
        ("a.env", "TOKEN=${TOKEN}\nOTHER_TOKEN=$OTHER_TOKEN\n"),
    ]);
    let (_, report) = json_report(envgate_in(dir.path()).args([
        "check",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
    ]));
    for var in ["TOKEN", "OTHER_TOKEN"] {
        let f = finding(&report, "undefined-variable", var);
        assert_eq!(
            f["message"],
            format!("{var} refers to itself (${{{var}}}); nothing defined it before, so it expanded to nothing")
        );
        let hint = f["hint"].as_str().unwrap();
        assert!(
            hint.contains("in the environment or in an env file read before this one"),
            "{hint}"
        );
        assert!(!hint.contains("$$"), "{hint}");
    }
    // Defined in the environment, it is not undefined.
    let (_, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml", "--env-file", "a.env"])
            .env("TOKEN", "Kq7mXw9tRz2Lp4vNs8bYc3Zz"),
    );
    assert!(!has(&report, "undefined-variable", "TOKEN"));
}

#[test]
fn continuation_lines_of_a_wrapped_secret_are_not_shown_as_keys() {
    // A base32 TOTP secret wrapped over lines: the continuations read as keys.
    let dir = dir_with(&[
        ("s.toml", "[vars.TOTP_SECRET]\ntype = \"secret\"\n"),
        (
            "a.env",
            "TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n\
             KRUGS4ZANFZSAYJAORSXG5BAON2HE2LO====\n\
             TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n\
             KRUGS4ZANFZSAYJAORSXG5BAON2HE2LO====\n\
             TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n\
             MFRGGZDF=\n\
             MZXW6YTBOI3DEMRQGQ2TQOJRGEZTIOBV=x\n\
             TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n\
             qwmnbvcxzl: tail$Y\n",
        ),
    ]);
    let args = ["--schema", "s.toml", "--env-file", "a.env"];
    assert_never_shown(
        dir.path(),
        &args,
        &[
            "JBSWY3DPEHPK3PXP",
            "KRUGS4ZANFZSAYJAORSXG5BAON2HE2LO",
            "MFRGGZDF",
            "MZXW6YTBOI3DEMRQGQ2TQOJRGEZTIOBV",
            "qwmnbvcxzl",
        ],
    );
    let (_, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    let unnamed = |code: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code && f["var"].is_null())
            .count()
    };
    // Padding, a line ending in `=` right after a secret, a long base32 run, and a
    // `word: rest` line right after a secret (also in its undefined-variable finding).
    assert_eq!(unnamed("undeclared"), 4, "{:?}", codes(&report));
    assert_eq!(unnamed("undefined-variable"), 1, "{:?}", codes(&report));
    assert_eq!(unnamed("duplicate-key"), 1, "{:?}", codes(&report));
    // The secret's own duplicates are named: TOTP_SECRET is a declared name.
    assert!(has(&report, "duplicate-key", "TOTP_SECRET"));
    // A plain key after a secret is still named.
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.TOTP_SECRET]\ntype = \"secret\"\n\n[vars.DEBUG]\ntype = \"bool\"\n",
        ),
        (
            "a.env",
            "TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\nLOG_LEVEL=info\nDEBUG=1\n",
        ),
    ]);
    let (_, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    assert!(
        has(&report, "undeclared", "LOG_LEVEL"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn a_continuation_line_is_never_offered_as_a_near_miss() {
    // `MFRGGZDF=` right after a secret is a piece of it, though one letter away from the
    // missing MFRGGZDG: no "did you mean" may name it.
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.TOTP_SECRET]\ntype = \"secret\"\n\n[vars.MFRGGZDG]\nsensitive = false\n",
        ),
        (
            "a.env",
            "TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\nMFRGGZDF=\n",
        ),
    ]);
    let args = ["--schema", "s.toml", "--env-file", "a.env"];
    assert_never_shown(dir.path(), &args, &["MFRGGZDF"]);
    let (code, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    assert_eq!(code, 1);
    assert!(has(&report, "missing", "MFRGGZDG"), "{:?}", codes(&report));
}

#[test]
fn a_value_that_reads_a_secret_is_as_sensitive_as_the_secret() {
    // `MODE=${API_TOKEN}`: the enum's and int's messages and `explain` would quote the
    // secret; so would a value built from it, through a second variable and a second file.
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.API_TOKEN]\ntype = \"secret\"\n\n[vars.MODE]\ntype = \"enum\"\nvalues = [\"a\", \"b\"]\n\n\
             [vars.WORKERS]\ntype = \"int\"\n\n[vars.REDIS_ARGS]\ntype = \"string\"\n\n\
             [vars.DERIVED]\ntype = \"string\"\n\n[vars.PLAIN]\ntype = \"string\"\n\n\
             [vars.LOG_DIR]\ntype = \"string\"\n",
        ),
        (
            "a.env",
            "API_TOKEN=Zq8rT2vLx9PmK4nB7wQ3\nMODE=${API_TOKEN}\nWORKERS=$API_TOKEN\n\
             REDIS_ARGS=--requirepass ${API_TOKEN}\nX=${REDIS_ARGS}\nPLAIN=hello\n",
        ),
        ("b.env", "DERIVED=${X}-suffix\nLOG_DIR=${PLAIN}/logs\n"),
    ]);
    let args = [
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
        "--env-file",
        "b.env",
        "--no-process-env",
    ];
    assert_never_shown(dir.path(), &args, &["Zq8rT2vLx9PmK4nB7wQ3"]);
    let (code, report) = json_report(envgate_in(dir.path()).arg("check").args(args));
    assert_eq!(code, 1);
    assert!(
        has(&report, "invalid-value", "MODE"),
        "{:?}",
        codes(&report)
    );
    assert!(
        has(&report, "invalid-value", "WORKERS"),
        "{:?}",
        codes(&report)
    );
    // Reading a secret on purpose is no reuse of it.
    assert!(
        !has(&report, "secret-reuse", "MODE"),
        "{:?}",
        codes(&report)
    );
    // A value built only from values known to be plain is still shown.
    assert_eq!(explained(dir.path(), &args, "LOG_DIR"), "hello/logs");
    let derived = explained(dir.path(), &args, "DERIVED");
    assert!(derived.starts_with("sha256:"), "{derived}");
}

#[test]
fn continuations_of_longer_wraps_broken_quotes_and_undeclared_keys_are_not_shown() {
    let schema = "[vars.TOTP_SECRET]\ntype = \"secret\"\n";
    for (case, env) in [
        // A three-line wrap: the middle line is a bare word, not an assignment.
        (
            "three lines",
            "TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\nKRUGS4ZANFZSAYJAORSXG5BA\nMFRGGZDF=\n",
        ),
        // An unterminated quote: the secret ran on.
        (
            "unterminated quote",
            "TOTP_SECRET=\"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\nMFRGGZDF=\n",
        ),
        // An undeclared key is of unknown sensitivity: its next line may be its piece.
        (
            "undeclared first line",
            "OTP_SEED=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\nMFRGGZDF=\n",
        ),
    ] {
        let dir = dir_with(&[("s.toml", schema), ("a.env", env)]);
        let args = [
            "--schema",
            "s.toml",
            "--env-file",
            "a.env",
            "--no-process-env",
        ];
        for (what, output) in every_output(dir.path(), &args) {
            assert_no_leak_of(
                &["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "MFRGGZDF"],
                &format!("{case}: {what}"),
                &output,
            );
        }
    }
}

#[test]
fn a_later_env_file_reads_its_own_earlier_definition_first() {
    let dir = dir_with(&[
        (
            "s.toml",
            "[vars.VAR]\nsensitive = false\n\n[vars.OUT]\nsensitive = false\n\n\
             [vars.BASE]\nsensitive = false\n\n[vars.JOINED]\nsensitive = false\n",
        ),
        ("first.env", "VAR=from-first\nBASE=base-first\n"),
        (
            "second.env",
            "VAR=from-second\nOUT=${VAR}\nJOINED=${BASE}/x\n",
        ),
    ]);
    let args = [
        "--schema",
        "s.toml",
        "--env-file",
        "first.env",
        "--env-file",
        "second.env",
    ];
    // The second file's own VAR, not the first file's (compose-go's loader).
    assert_eq!(explained(dir.path(), &args, "OUT"), "from-second");
    // What the file does not define comes from the earlier file.
    assert_eq!(explained(dir.path(), &args, "JOINED"), "base-first/x");
    // The process environment comes first of all.
    let (_, stdout, _) = run(envgate_in(dir.path())
        .arg("explain")
        .args(args)
        .args(["--color", "never"])
        .env("VAR", "from-env"));
    let out_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("OUT "))
        .unwrap();
    assert!(out_line.ends_with("from-env"), "{stdout}");
    // With --no-process-env, the file's own value again.
    let mut no_env = args.to_vec();
    no_env.push("--no-process-env");
    let (_, stdout, _) = run(envgate_in(dir.path())
        .arg("explain")
        .args(&no_env)
        .args(["--color", "never"])
        .env("VAR", "from-env"));
    let out_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("OUT "))
        .unwrap();
    assert!(out_line.ends_with("from-second"), "{stdout}");
}
