//! URLs and credential shapes (issue 9): a URL whose user-info cannot be located for sure is
//! `invalid-url` and never shown; a value holding a credential shape anywhere is shown only
//! as length, classes and fingerprint; a "scheme" is named only when it cannot be a piece of
//! a secret; URL hints use the schemes the schema allows.

use crate::secrets::assert_no_leak_of;
use crate::*;

/// Every secret planted in tests/fixtures/urls/leak.env (passwords and user-infos whole,
/// and the secret part of each credential shape).
const PLANTED: &[&str] = &[
    "x@pw#Hq4Rt7Yw2Zx9",
    "Kp3Vn8Lq?Tz5Wr2",
    "Mj6Fb3Nc9Xd/Gq2Hs7Kt4Pw",
    "Vr5Tm8Qz2Ld\\Bw7Jn4Xc9Fs",
    "20240917#Ya3Ue6Io9Pq",
    "Dk8Sj@Fh2Gl5Zm",
    "Cx4Vb7Nm1Qw9Er3Ty",
    "ghp_Ui6Op9As2Df5Gh8Jk1Lz4",
    "WmQ4ZmFrZTpQYXNzOXdvcmQ=",
    "Xs5Cd8Vf1Bg4Nh7Mj",
    "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0",
    "Rk2Tl5Yp8Wq3.Ev6Bx9Nz1Mc4Lk7Jh.Pa3Sd6Fg9Hj2",
    "glpat-Qe4Rt7Yu1Io3Pa6Sd9",
    "Zl2Xk5Cj8Vh1Bn",
    "Gm3Nb6Vc9Xz2Lk",
    "Wn8Qm3Rk6Tp9Ys2Uv5Xa7Zc",
    "Jq4Lw7Ne2Rb5Tc8Ym1Vd3Xs6",
    "ghp_Ko9Ip2Uh5Yg8Tf1Rd4Es7Wa",
    "Pz6Ox3Ni9Mu2Ly5Kt8Jr",
    "secretpartQf7Wd",
    "secretpartqf7wd",
    "Ab3Cd6Ef9Gh2",
];

/// The URL variables whose password holds `@` then `#`, `?`, `/`, `\`, a leading run of
/// digits before `#`, or a second `@`.
const UNCLEAR_USERINFO: &[&str] = &[
    "AT_HASH_URL",
    "QUERY_URL",
    "SLASH_URL",
    "BACKSLASH_URL",
    "DIGITS_URL",
    "TWO_AT_URL",
];

/// Variables with innocent names whose values hold a credential shape.
const CREDENTIAL_SHAPED: &[&str] = &[
    "MODE",
    "LEVEL",
    "HEADER",
    "QUERY",
    "ENCRYPTED",
    "INVISIBLE",
    "CONNINFO",
    "RETRIES",
    "SLACK_URL",
    "DISCORD_URL",
    "REPO_URL",
];

fn fixture_cmd(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = envgate_in(&fixture("urls"));
    cmd.args(args)
        .args(["--schema", "schema.toml", "--env-file", "leak.env"]);
    cmd
}

/// `check` (human and JSON) and `explain` (all, and by name) in one place: the exit code
/// and both streams of each.
fn every_output() -> Vec<(String, i32, String)> {
    let mut named = vec!["explain", "--color", "never"];
    named.extend(UNCLEAR_USERINFO);
    named.extend(CREDENTIAL_SHAPED);
    [
        &["check", "--format", "human", "--color", "never"][..],
        &["check", "--format", "human", "--color", "always"],
        &["check", "--format", "json"],
        &["explain", "--color", "never"],
        &named,
    ]
    .iter()
    .map(|args| {
        let (code, stdout, stderr) = run(&mut fixture_cmd(args));
        (format!("{args:?}"), code, stdout + &stderr)
    })
    .collect()
}

#[test]
fn no_output_shows_a_url_password_or_a_credential_shape() {
    for (what, code, output) in every_output() {
        assert_eq!(code, 1, "{what}: {output}");
        assert_no_leak_of(PLANTED, &what, &output);
    }
}

fn fixture_report() -> serde_json::Value {
    let (code, report) = json_report(&mut fixture_cmd(&["check"]));
    assert_eq!(code, 1);
    report
}

/// A finding's message without the variable's name it starts with.
fn message<'a>(report: &'a serde_json::Value, code: &str, var: &str) -> &'a str {
    let text = finding(report, code, var)["message"].as_str().unwrap();
    text.strip_prefix(var)
        .and_then(|t| t.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{text}"))
}

#[test]
fn unencoded_user_info_characters_are_invalid_url_with_the_encoding_hint() {
    let report = fixture_report();
    for var in UNCLEAR_USERINFO {
        let f = finding(&report, "invalid-url", var);
        assert!(
            f["hint"].as_str().unwrap().contains("percent-encode it"),
            "{f}"
        );
        // One finding: no host, scheme or credentials check runs on a misread host.
        let on_var = codes(&report).iter().filter(|(_, v)| v == var).count();
        assert_eq!(on_var, 1, "{var}: {:?}", codes(&report));
    }
    // `explain` shows no part of them, not even a host or a "port".
    let (_, stdout, _) = run(&mut fixture_cmd(&["explain", "--color", "never"]));
    for var in UNCLEAR_USERINFO {
        let line = stdout.lines().find(|l| l.contains(var)).unwrap();
        assert!(line.contains("sha256:"), "{line}");
        assert!(!line.contains("://"), "{line}");
    }
}

#[test]
fn credential_shapes_under_innocent_names_are_only_described() {
    let (_, stdout, _) = run(&mut fixture_cmd(&["explain", "--color", "never"]));
    for var in CREDENTIAL_SHAPED {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(var))
            .unwrap();
        assert!(line.contains(" chars ("), "{line}");
        assert!(line.contains("sha256:"), "{line}");
    }
    let report = fixture_report();
    // Messages say "the value", and no hint says what it resembles.
    for var in ["MODE", "LEVEL"] {
        assert_eq!(
            message(&report, "invalid-value", var),
            "the value is not one of info, debug"
        );
        assert!(
            finding(&report, "invalid-value", var)["hint"].is_null(),
            "{var}"
        );
    }
    assert_eq!(
        message(&report, "invalid-value", "RETRIES"),
        "the value is not an integer"
    );
    assert!(has(&report, "too-long", "CONNINFO"));
    assert!(has(&report, "invisible-character", "INVISIBLE"));
}

#[test]
fn a_token_like_url_path_is_cut_and_a_webhook_path_hidden() {
    let (_, stdout, _) = run(&mut fixture_cmd(&["explain", "--color", "never"]));
    let line = stdout.lines().find(|l| l.contains("HOOK_URL")).unwrap();
    assert!(line.ends_with("https://example.com/hooks/***"), "{line}");
    // A known webhook's whole URL holds a credential shape: not shown at all.
    for var in ["SLACK_URL", "DISCORD_URL"] {
        let line = stdout.lines().find(|l| l.contains(var)).unwrap();
        assert!(
            !line.contains("hooks.slack.com") && !line.contains("discord.com"),
            "{line}"
        );
    }
}

/// A one-file schema and the given variables from the process environment.
fn with_schema(schema: &str, vars: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), schema).unwrap();
    let mut cmd = envgate_in(dir.path());
    cmd.args(args)
        .args(["--schema", "s.toml", "--color", "never"]);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    run(&mut cmd)
}

fn report_for(schema: &str, vars: &[(&str, &str)]) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = with_schema(schema, vars, &["check", "--format", "json"]);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, report)
}

#[test]
fn a_scheme_is_named_only_when_it_cannot_be_a_piece_of_a_secret() {
    let schema = "[vars.SENTRY_DSN]\ntype = \"url\"\nschemes = [\"https\"]\n\n\
                  [vars.OTHER_DSN]\ntype = \"url\"\nschemes = [\"https\"]\n\n\
                  [vars.PLAIN_DSN]\ntype = \"url\"\nschemes = [\"https\"]\n\n\
                  [vars.FEED_URL]\ntype = \"url\"\nschemes = [\"https\"]\n";
    let vars = [
        (
            "SENTRY_DSN",
            "Qz7secretpart://Ab3Cd6Ef9Gh2@o1.ingest.sentry.io/1",
        ),
        ("OTHER_DSN", "http://Ab3Cd6Ef9Gh2@o1.ingest.sentry.io/1"),
        ("PLAIN_DSN", "postgresql+Qz7secretpart://db/app"),
        ("FEED_URL", "ftpx://feeds.example.com/x"),
    ];
    let (code, report) = report_for(schema, &vars);
    assert_eq!(code, 1);
    let refused = "does not start with a scheme the schema allows; expected https";
    // A valid scheme nobody knows, on a sensitive variable: not named.
    assert_eq!(message(&report, "url-scheme", "SENTRY_DSN"), refused);
    assert_eq!(message(&report, "url-scheme", "PLAIN_DSN"), refused);
    // A well-known scheme is named even for a sensitive variable, with its hint.
    assert_eq!(
        message(&report, "url-scheme", "OTHER_DSN"),
        "uses the scheme `http`; expected https"
    );
    assert_eq!(
        finding(&report, "url-scheme", "OTHER_DSN")["hint"],
        "use https:// here"
    );
    // Not sensitive: its scheme is its own business.
    assert_eq!(
        message(&report, "url-scheme", "FEED_URL"),
        "uses the scheme `ftpx`; expected https"
    );
    let (_, stdout, stderr) = with_schema(schema, &vars, &["explain"]);
    let output = report.to_string() + &stdout + &stderr;
    assert_no_leak_of(
        &["qz7secretpart", "Qz7secretpart", "Ab3Cd6Ef9Gh2"],
        "scheme",
        &output,
    );
}

#[test]
fn url_hints_use_the_schemes_the_schema_allows_and_invent_no_host() {
    let schema = "[vars.AUTH_SERVICE_URL]\ntype = \"url\"\nschemes = [\"https\"]\n\
                  forbid_hosts = [\"localhost\", \"127.0.0.1\"]\n\n\
                  [vars.DATABASE_URL]\ntype = \"url\"\nschemes = [\"postgresql+asyncpg\"]\n\n\
                  [vars.CACHE_URL]\ntype = \"url\"\nschemes = [\"rediss\"]\ncredentials = \"require\"\n\n\
                  [vars.BROKER_URL]\ntype = \"url\"\nschemes = [\"amqps\"]\n";
    let vars = [
        ("AUTH_SERVICE_URL", "https://127.0.0.1:8081"),
        ("DATABASE_URL", "db:5432/app"),
        ("CACHE_URL", "rediss://cache:6379/0"),
        ("BROKER_URL", "amqps://broker:99999/"),
    ];
    let (code, report) = report_for(schema, &vars);
    assert_eq!(code, 1);
    let hint = |code: &str, var: &str| {
        finding(&report, code, var)["hint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let forbidden = hint("url-host-forbidden", "AUTH_SERVICE_URL");
    assert!(
        forbidden.contains("as the stack's `hosts` names it"),
        "{forbidden}"
    );
    assert!(forbidden.contains("https://<host>:<port>"), "{forbidden}");
    assert_eq!(
        hint("invalid-url", "DATABASE_URL"),
        "write a full URL that starts with a scheme: postgresql+asyncpg://db:5432/app"
    );
    assert_eq!(
        hint("url-credentials", "CACHE_URL"),
        "write rediss://user:password@host/..."
    );
    assert!(
        hint("invalid-url", "BROKER_URL").contains("amqps://host:8080"),
        "{}",
        hint("invalid-url", "BROKER_URL")
    );
    // No hint anywhere falls back to a made-up `http://auth:8081`.
    let (_, human, _) = with_schema(schema, &vars, &["check"]);
    assert!(!human.contains("http://"), "{human}");
}

#[test]
fn at_signs_where_real_urls_have_them_still_pass() {
    let schema = "[vars.A_URL]\ntype = \"url\"\n\n[vars.B_URL]\ntype = \"url\"\n\n\
                  [vars.C_URL]\ntype = \"url\"\n\n[vars.D_URL]\ntype = \"url\"\n";
    let vars = [
        ("A_URL", "https://registry.npmjs.org/@types/node"),
        ("B_URL", "https://mastodon.social/@envgate"),
        (
            "C_URL",
            "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
        ),
        ("D_URL", "https://forms.example.com/x?email=dev@example.com"),
    ];
    let (code, report) = report_for(schema, &vars);
    assert_eq!(code, 0, "{:?}", codes(&report));
    let (code, stdout, _) = with_schema(schema, &vars, &["explain"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("https://registry.npmjs.org/@types/node"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://unpkg.com/react@18.2.0/umd/react.production.min.js"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://forms.example.com/x?***"),
        "{stdout}"
    );
}

#[test]
fn a_reference_inside_a_credential_shaped_value_is_not_named() {
    let schema = "[vars.CONNINFO]\ntype = \"string\"\n\n[vars.HEADER]\ntype = \"string\"\n";
    let vars = [
        ("CONNINFO", "host=db password=pa$SWORDXYZ19 user=app"),
        ("HEADER", "Bearer $QWERTYUIOP12"),
    ];
    let (code, report) = report_for(schema, &vars);
    assert_eq!(code, 0, "warnings only: {:?}", codes(&report));
    assert!(has(&report, "unexpanded-reference", "CONNINFO"));
    assert!(has(&report, "unexpanded-reference", "HEADER"));
    let (_, human, stderr) = with_schema(schema, &vars, &["check"]);
    assert_no_leak_of(
        &["SWORDXYZ19", "QWERTYUIOP12"],
        "check",
        &(report.to_string() + &human + &stderr),
    );
}

/// `check` (human and JSON) and `explain` (human and JSON) over one schema and env file:
/// every output, exit codes aside, joined for a leak scan; and the check's JSON report.
fn all_outputs(schema: &str, env: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), schema).unwrap();
    std::fs::write(dir.path().join("a.env"), env).unwrap();
    let mut joined = String::new();
    let mut report = serde_json::Value::Null;
    for args in [
        &["check", "--format", "human"][..],
        &["check", "--format", "json"],
        &["explain", "--format", "human"],
        &["explain", "--format", "json"],
    ] {
        let mut cmd = envgate_in(dir.path());
        cmd.args(args).args([
            "--schema",
            "s.toml",
            "--env-file",
            "a.env",
            "--color",
            "never",
        ]);
        let (_, stdout, stderr) = run(&mut cmd);
        assert!(!stdout.is_empty(), "{args:?}: no output\n{stderr}");
        if args == ["check", "--format", "json"] {
            report = serde_json::from_str(&stdout).unwrap();
        }
        joined.push_str(&stdout);
        joined.push_str(&stderr);
    }
    (joined, report)
}

/// `VAR=value` lines, one per pair.
fn env_lines(values: &[(&str, String)]) -> String {
    values
        .iter()
        .map(|(v, u)| format!("{v}={u}\n"))
        .collect::<Vec<_>>()
        .concat()
}

/// A schema declaring each of `vars` a URL (with `extra` lines each).
fn url_schema(vars: &[&str], extra: &str) -> String {
    vars.iter()
        .map(|v| format!("[vars.{v}]\ntype = \"url\"\n{extra}\n"))
        .collect::<Vec<_>>()
        .concat()
}

#[test]
fn a_password_written_where_the_port_goes_is_invalid_url_and_never_shown() {
    let password = "Zq8rT2vLx9PmK4nB";
    let values = [
        ("A_URL", format!("redis://default:{password}")),
        ("B_URL", format!("redis://:{password}")),
        ("C_URL", format!("postgresql://app:{password}")),
        ("D_URL", format!("redis://default:{password}/0")),
        ("E_URL", format!("redis://default:{password}?x")),
        ("F_URL", format!("redis://h:6379,{password}")),
        // All digits, but no port: a password of digits.
        ("G_URL", "redis://default:2024091799".to_string()),
    ];
    let vars: Vec<&str> = values.iter().map(|(v, _)| *v).collect();
    let env = env_lines(&values);
    let (output, report) = all_outputs(&url_schema(&vars, ""), &env);
    assert_no_leak_of(&[password, "2024091799"], "port-shaped password", &output);
    for var in &vars {
        let f = finding(&report, "invalid-url", var);
        assert_eq!(
            message(&report, "invalid-url", var),
            "is not a valid URL: what follows the host's `:` is not a port number (1 to 65535)",
            "{f}"
        );
        assert!(
            f["hint"]
                .as_str()
                .unwrap()
                .contains("a password needs its user and `@` before the host"),
            "{f}"
        );
    }
    // `explain` describes them: no scheme, no "host", nothing after it.
    assert!(!output.contains("redis://default"), "{output}");
    assert!(!output.contains("redis://h:6379"), "{output}");
}

#[test]
fn a_url_without_scheme_whose_port_is_a_password_is_not_shown_in_the_hint() {
    let schema = url_schema(&["DATABASE_URL", "CACHE_URL"], "");
    let env = "DATABASE_URL=app:Zq8rT2vLx9PmK4nB\nCACHE_URL=cache:6379/0\n";
    let (output, report) = all_outputs(&schema, env);
    assert_no_leak_of(&["Zq8rT2vLx9PmK4nB"], "scheme-less", &output);
    assert!(finding(&report, "invalid-url", "DATABASE_URL")["hint"]
        .as_str()
        .unwrap()
        .contains("scheme://user:password@host:port/"));
    // A real `host:port` is still offered back as the URL it was meant to be.
    assert_eq!(
        finding(&report, "invalid-url", "CACHE_URL")["hint"],
        "write a full URL that starts with a scheme: scheme://cache:6379/0"
    );
}

#[test]
fn a_reference_in_a_user_info_written_without_scheme_slashes_is_not_named() {
    // Double-quoted or bare: expanded, an `undefined-variable` finding.
    let expanded = [
        ("A_URL", "app:pa$SWORDXYZA@db:5432/app"),
        ("B_URL", "//app:pa$SWORDXYZB@db"),
        ("C_URL", "https:/app:pa$SWORDXYZC@db"),
        ("D_URL", "https:\\\\app:pa$SWORDXYZD@db"),
        ("E_URL", "my$KEYPARTXYE:https://host/"),
        ("F_URL", "redis://default:pa$SWORDXYZF"),
    ];
    // Single-quoted: never expanded, an `unexpanded-reference` finding.
    let literal = [
        ("G_URL", "app:pa$ZQ8RTVLXPMKNBG@db/app"),
        ("H_URL", "pa$XKQWZPLMRTVH:https://h"),
        ("I_URL", "redis://:pa$XKQWZPLMRTVI"),
    ];
    let mut env = String::new();
    for (var, value) in expanded {
        env.push_str(&format!("{var}=\"{value}\"\n"));
    }
    for (var, value) in literal {
        env.push_str(&format!("{var}='{value}'\n"));
    }
    let vars: Vec<&str> = expanded.iter().chain(&literal).map(|(v, _)| *v).collect();
    let (output, report) = all_outputs(&url_schema(&vars, ""), &env);
    let names: Vec<&str> = expanded
        .iter()
        .chain(&literal)
        .map(|(_, value)| {
            let name = &value[value.find('$').unwrap() + 1..];
            let end = name
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(name.len());
            &name[..end]
        })
        .collect();
    assert_no_leak_of(&names, "references in credentials", &output);
    for (var, _) in expanded {
        assert!(has(&report, "undefined-variable", var), "{var}");
    }
    for (var, _) in literal {
        assert_eq!(
            message(&report, "unexpanded-reference", var),
            "contains a reference to a variable that was never expanded"
        );
    }
}

#[test]
fn references_standing_alone_in_a_url_are_still_named() {
    let schema = url_schema(&["DB_URL", "PLAIN_URL"], "");
    let env =
        "DB_URL=postgres://${DB_USER}:${DB_PASSWORD}@${DB_HOST:-db}:${DB_PORT:-5432}/${DB_NAME}\n\
               PLAIN_URL=${PLAIN_BASE}\n";
    let (_, report) = all_outputs(&schema, env);
    let messages: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "undefined-variable")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    let named = |name: &str| messages.iter().any(|m| m.contains(&format!("${{{name}}}")));
    assert!(named("DB_PASSWORD"), "{messages:?}");
    assert!(named("DB_NAME"), "{messages:?}");
    assert!(named("PLAIN_BASE"), "{messages:?}");
}

#[test]
fn text_before_a_scheme_that_looks_like_a_token_is_never_shown() {
    let token = "Zq8rT2vLx9PmK4nB";
    let values = [
        ("A_URL", format!("{token}:postgresql://db")),
        ("B_URL", format!("Q{token}+postgresql://db")),
        ("C_URL", format!("postgresql+{token}://db")),
        ("D_URL", format!("jdbc:{token}:postgresql://db")),
    ];
    let vars: Vec<&str> = values.iter().map(|(v, _)| *v).collect();
    let env = env_lines(&values);
    let (output, report) = all_outputs(&url_schema(&vars, ""), &env);
    assert_no_leak_of(
        &[token, &token.to_ascii_lowercase()],
        "scheme chain",
        &output,
    );
    // A chain whose links are no words is no scheme, not a URL without host.
    for var in ["A_URL", "D_URL"] {
        let m = message(&report, "invalid-url", var);
        assert!(m.starts_with("does not start with a scheme"), "{m}");
    }
    // Under declared schemes: the scheme is what is wrong.
    let (output, report) = all_outputs(
        &url_schema(&["X_URL"], "schemes = [\"postgresql\"]"),
        "X_URL=X:postgresql://db\n",
    );
    assert_eq!(
        message(&report, "url-scheme", "X_URL"),
        "does not start with a scheme the schema allows; expected postgresql"
    );
    assert!(!output.contains("X:postgresql"), "{output}");
    // JDBC's chain of words is a scheme, and its host is the inner URL's.
    let (_, report) = all_outputs(
        &url_schema(&["JDBC_URL"], "schemes = [\"jdbc\"]"),
        "JDBC_URL=jdbc:postgresql://db:5432/app\n",
    );
    assert!(
        codes(&report).iter().all(|(_, v)| v != "JDBC_URL"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn a_sensitive_url_names_the_host_rule_it_broke_not_the_host() {
    let token = "zq8rt2vlx9pmk4nb";
    let schema = url_schema(
        &["AUTH_URL", "LOOP_URL", "PLAIN_URL"],
        "forbid_hosts = [\"localhost\", \"127.0.0.1\"]",
    )
    .replace(
        "[vars.AUTH_URL]\ntype = \"url\"\n",
        "[vars.AUTH_URL]\ntype = \"url\"\nsensitive = true\n",
    )
    .replace(
        "[vars.LOOP_URL]\ntype = \"url\"\n",
        "[vars.LOOP_URL]\ntype = \"url\"\nsensitive = true\n",
    );
    let env = format!(
        "AUTH_URL=https://{token}.localhost/x\nLOOP_URL=https://127.42.13.7/x\n\
         PLAIN_URL=https://app.localhost/x\n"
    );
    let (output, report) = all_outputs(&schema, &env);
    assert_no_leak_of(&[token, "127.42.13.7"], "forbidden host", &output);
    assert_eq!(
        message(&report, "url-host-forbidden", "AUTH_URL"),
        "points at a localhost name (`*.localhost`), which is not allowed here"
    );
    assert_eq!(
        message(&report, "url-host-forbidden", "LOOP_URL"),
        "points at a loopback address, which is not allowed here"
    );
    // Not sensitive: the host is named.
    assert_eq!(
        message(&report, "url-host-forbidden", "PLAIN_URL"),
        "points at `app.localhost`, which is not allowed here"
    );
}
