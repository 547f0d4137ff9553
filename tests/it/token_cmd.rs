//! `envgate token`, through the binary: which services of the stack's `[[jwt]]` groups accept
//! a pasted bearer token and why not (signature and whose key verifies it, algorithm, issuer,
//! audience, expiry), standard input with `-` and `Bearer `, exit 2 for what is not a token or
//! a stack without `[[jwt]]`, the JSON fields, `--help`, and never a piece of the token or a key
//! in any output.

use crate::secrets::assert_no_leak_of;
use crate::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::path::Path;

const SECRET: &str = "b3c7741a647cd38fc6e4588cb0060d80";
const ROTATED: &str = "5f0e9a3d21c84b7e96a0d3c2f1b4e8a7";
const OLD: &str = "Kq2wP9xT4vLm7nRz8sYc3dHf6gJb1kAe";
const ISS: &str = "https://auth.example.test";
const AUD: &str = "chat-api";
/// 2096: far in the future whenever the tests run.
const FUTURE: i64 = 4_000_000_000;
/// 2001-09-09.
const PAST: i64 = 1_000_000_000;

const SCHEMA: &str = r#"
[vars.JWT_SECRET]
type = "secret"

[vars.JWT_ALGORITHM]
type = "string"

[vars.JWT_ISSUER]
type = "string"

[vars.JWT_AUDIENCE]
type = "string"
"#;

const GROUP: &str = "[[jwt]]\nname = \"user sessions\"\nissuer = \"auth\"\nconsumers = [\"backend\", \"websocket\"]\n\
                     key = \"JWT_SECRET\"\nalgorithm = \"JWT_ALGORITHM\"\niss = \"JWT_ISSUER\"\naud = \"JWT_AUDIENCE\"\n";

fn env(secret: &str, alg: &str, iss: &str, aud: &str) -> String {
    format!("JWT_SECRET={secret}\nJWT_ALGORITHM={alg}\nJWT_ISSUER={iss}\nJWT_AUDIENCE={aud}\n")
}

fn consistent() -> String {
    env(SECRET, "HS256", ISS, AUD)
}

/// A stack of auth (issuer), backend and websocket with `rules` appended and each service's
/// env file as given.
fn stack(rules: &str, envs: [&str; 3]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    let mut toml = String::new();
    for name in ["auth", "backend", "websocket"] {
        toml.push_str(&format!(
            "[services.{name}]\nschema = \"svc.toml\"\nenv_files = [\"{name}.env\"]\n\n"
        ));
    }
    toml.push_str(rules);
    std::fs::write(dir.path().join("envgate.toml"), toml).unwrap();
    for (name, env) in ["auth", "backend", "websocket"].iter().zip(envs) {
        std::fs::write(dir.path().join(format!("{name}.env")), env).unwrap();
    }
    dir
}

fn consistent_stack() -> tempfile::TempDir {
    let e = consistent();
    stack(GROUP, [&e, &e, &e])
}

fn mint(alg: Algorithm, secret: &str, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(String::from("key-2026"));
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn good_claims() -> Value {
    json!({"sub": "user-42", "iss": ISS, "aud": AUD, "iat": PAST, "exp": FUTURE})
}

fn b64(text: &str) -> String {
    data_encoding::BASE64URL_NOPAD.encode(text.as_bytes())
}

/// `envgate token --color never` in `dir` with the token as argument.
fn token_human(dir: &Path, token: &str) -> (i32, String, String) {
    run(envgate_in(dir).args(["token", "--color", "never", token]))
}

fn token_json(dir: &Path, token: &str) -> (i32, Value) {
    json_report(envgate_in(dir).args(["token", token]))
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == name)
        .unwrap_or_else(|| panic!("no service {name} in {report:#}"))
}

fn reason_codes(service: &Value) -> Vec<String> {
    service["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

fn message<'a>(service: &'a Value, code: &str) -> &'a str {
    service["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code} reason in {service:#}"))["message"]
        .as_str()
        .unwrap()
}

#[test]
fn a_token_every_service_verifies_exits_0() {
    let dir = consistent_stack();
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, stdout, stderr) = token_human(dir.path(), &token);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for name in ["auth", "backend", "websocket"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(&format!("✔ {name}")) && l.contains("accepts")),
            "{name} accepts:\n{stdout}"
        );
    }
    assert!(stdout.contains("[[jwt]] user sessions"), "{stdout}");
    assert!(stdout.contains("(issuer)"), "{stdout}");
    assert!(
        stdout.contains("every service of the stack's [[jwt]] groups accepts this token (3)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("alg \"HS256\", kid \"key-2026\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("expires     2096-10-02T07:06:40Z (in "),
        "{stdout}"
    );
    assert_no_leak_of(&[&token, SECRET], "a passing token report", &stdout);
}

#[test]
fn a_rotated_secret_names_the_services_whose_key_signs_the_token() {
    let dir = stack(
        GROUP,
        [
            &consistent(),
            &env(ROTATED, "HS256", ISS, AUD),
            &consistent(),
        ],
    );
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1);
    assert_eq!(report["ok"], false);
    let backend = service(&report, "backend");
    assert_eq!(backend["accepts"], false);
    assert_eq!(reason_codes(backend), ["jwt-key-mismatch"]);
    assert_eq!(backend["signed_by"], json!(["auth", "websocket"]));
    assert!(
        message(backend, "jwt-key-mismatch")
            .contains("does not verify with backend's key: the token was signed with another key; auth's and websocket's keys verify it"),
        "{backend:#}"
    );
    assert_eq!(service(&report, "auth")["accepts"], true);
    assert_eq!(service(&report, "auth")["signed_by"], json!([]));

    // A token minted with the old secret: no service's key verifies it.
    let old = mint(Algorithm::HS256, OLD, &good_claims());
    let (code, report) = token_json(dir.path(), &old);
    assert_eq!(code, 1);
    for name in ["auth", "backend", "websocket"] {
        let s = service(&report, name);
        assert_eq!(reason_codes(s), ["jwt-key-mismatch"], "{s:#}");
        assert_eq!(s["signed_by"], json!([]));
        assert!(message(s, "jwt-key-mismatch")
            .contains("no key of the stack's [[jwt]] groups verifies it"));
    }
    let (_, stdout, stderr) = token_human(dir.path(), &old);
    assert!(
        stdout.contains("✘ 3 of 3 services would reject this token"),
        "{stdout}"
    );
    assert_no_leak_of(
        &[&token, &old, SECRET, ROTATED, OLD],
        "a rotated-secret report",
        &(stdout + &stderr + &report.to_string()),
    );
}

#[test]
fn an_expired_token_is_rejected_everywhere_with_its_date() {
    let dir = consistent_stack();
    let claims = json!({"iss": ISS, "aud": AUD, "exp": PAST});
    let token = mint(Algorithm::HS256, SECRET, &claims);
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1);
    for name in ["auth", "backend", "websocket"] {
        let s = service(&report, name);
        assert_eq!(reason_codes(s), ["jwt-expired"]);
        let msg = message(s, "jwt-expired");
        assert!(
            msg.contains("2001-09-09T01:46:40Z") && msg.contains("ago"),
            "{msg}"
        );
    }
    assert_eq!(report["token"]["exp"]["date"], "2001-09-09T01:46:40Z");
    assert!(report["token"]["exp"]["relative"]
        .as_str()
        .unwrap()
        .ends_with("days ago"));

    // Not valid yet: an `nbf` in the far future.
    let claims = json!({"iss": ISS, "aud": AUD, "nbf": FUTURE, "exp": FUTURE + 60});
    let (code, report) = token_json(dir.path(), &mint(Algorithm::HS256, SECRET, &claims));
    assert_eq!(code, 1);
    assert_eq!(
        reason_codes(service(&report, "backend")),
        ["jwt-not-yet-valid"]
    );
}

#[test]
fn a_different_issuer_or_audience_shows_both_values() {
    let dir = stack(
        GROUP,
        [
            &consistent(),
            &env(SECRET, "HS256", "https://auth.example.test/v2", AUD),
            &env(SECRET, "HS256", ISS, "chat-ws"),
        ],
    );
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, stdout, _) = token_human(dir.path(), &token);
    assert_eq!(code, 1);
    let line = |needle: &str| {
        stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{stdout}"))
            .trim()
            .to_string()
    };
    assert!(line("backend expects iss \"https://auth.example.test/v2\" but the token has iss \"https://auth.example.test\"")
        .starts_with("jwt-issuer-mismatch "));
    assert!(
        line("websocket expects aud \"chat-ws\" but the token has aud \"chat-api\"")
            .starts_with("jwt-audience-mismatch ")
    );
    assert!(stdout.contains("✔ auth"), "{stdout}");
    assert!(
        stdout.contains("✘ 2 of 3 services would reject this token"),
        "{stdout}"
    );
    assert_no_leak_of(&[&token, SECRET], "an issuer mismatch report", &stdout);
}

#[test]
fn an_algorithm_the_service_does_not_verify_is_named() {
    // websocket verifies HS512 with the same secret; the token is HS256.
    let dir = stack(
        GROUP,
        [
            &consistent(),
            &consistent(),
            &env(SECRET, "HS512", ISS, AUD),
        ],
    );
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1);
    let ws = service(&report, "websocket");
    assert_eq!(reason_codes(ws), ["jwt-algorithm-mismatch"]);
    assert_eq!(
        message(ws, "jwt-algorithm-mismatch"),
        "websocket verifies HS512 but the token is signed with \"HS256\""
    );
    assert_eq!(service(&report, "backend")["accepts"], true);

    // An unsigned token (`alg: none`) is refused by every service.
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&good_claims().to_string())
    );
    let (code, report) = token_json(dir.path(), &none);
    assert_eq!(code, 1);
    for name in ["auth", "backend", "websocket"] {
        assert!(
            reason_codes(service(&report, name))
                .contains(&String::from("jwt-algorithm-not-allowed")),
            "{report:#}"
        );
    }
    assert_eq!(report["token"]["alg"], "none");
}

#[test]
fn standard_input_with_dash_or_piped_and_a_bearer_prefix() {
    let dir = consistent_stack();
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, stdout, stderr) = run(envgate_in(dir.path())
        .args(["token", "--color", "never", "-"])
        .write_stdin(format!("Bearer {token}\n")));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("accepts"), "{stdout}");
    // No argument: standard input is a pipe, so it is read.
    let (code, stdout, stderr) = run(envgate_in(dir.path())
        .args(["token", "--format", "json"])
        .write_stdin(format!("  Authorization: Bearer {token}\r\n")));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ok"], true);
    // And as an argument with the prefix a copied header has.
    let (code, _, _) = token_human(dir.path(), &format!("Bearer {token}"));
    assert_eq!(code, 0);
}

#[test]
fn input_that_is_not_a_token_exits_2_naming_the_part() {
    let dir = consistent_stack();
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let cases = [
        ("definitely-not-a-token", "has 1 part separated by dots"),
        (
            &token[..token.rfind('.').unwrap()],
            "has 2 parts separated by dots",
        ),
        (
            &format!("{}.{}.c2ln", b64(r#"{"alg":"HS256"}"#), b64("not json")),
            "has a payload that is not JSON",
        ),
        (
            &format!("{}.e30.c2ln", b64("[1]")),
            "has a header that is JSON but not an object",
        ),
        ("", "is empty"),
    ];
    let mut all = String::new();
    for (input, expected) in cases {
        let (code, stdout, stderr) = run(envgate_in(dir.path())
            .args(["token", "-"])
            .write_stdin(input));
        assert_eq!(code, 2, "{input}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains("jwt-malformed: the input ") && stderr.contains(expected),
            "{input}: {stderr}"
        );
        all.push_str(&stderr);
    }
    assert_no_leak_of(&[&token, SECRET], "a malformed-token error", &all);

    // More than the bound on standard input: refused, and said so, quickly.
    let started = std::time::Instant::now();
    let (code, _, stderr) = run(envgate_in(dir.path())
        .args(["token", "-"])
        .write_stdin("a".repeat(4 * 1024 * 1024)));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("standard input holds more than 65 KiB"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_stack_without_a_jwt_group_exits_2_and_says_so() {
    let e = consistent();
    let dir = stack("", [&e, &e, &e]);
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, stdout, stderr) = token_human(dir.path(), &token);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("has no [[jwt]] group"), "{stderr}");
    assert_no_leak_of(&[&token, SECRET], "the no-group error", &stderr);
}

#[test]
fn json_report_fields() {
    let dir = consistent_stack();
    let claims =
        json!({"iss": ISS, "aud": [AUD, "other"], "iat": PAST, "nbf": PAST, "exp": FUTURE});
    let token = mint(Algorithm::HS256, SECRET, &claims);
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 0);
    assert_eq!(report["version"], 1);
    assert_eq!(report["ok"], true);
    let t = &report["token"];
    assert_eq!(t["alg"], "HS256");
    assert_eq!(t["kid"], "key-2026");
    assert_eq!(t["iss"], ISS);
    assert_eq!(t["aud"], json!([AUD, "other"]));
    assert_eq!(t["exp"]["unix"], FUTURE);
    assert_eq!(t["exp"]["date"], "2096-10-02T07:06:40Z");
    assert!(t["exp"]["relative"].as_str().unwrap().starts_with("in "));
    assert_eq!(t["iat"]["date"], "2001-09-09T01:46:40Z");
    assert_eq!(t["nbf"]["unix"], PAST);
    let services = report["services"].as_array().unwrap();
    assert_eq!(services.len(), 3);
    assert_eq!(
        services[0],
        json!({"service": "auth", "group": "user sessions", "role": "issuer", "accepts": true, "reasons": [], "signed_by": []})
    );
    assert_eq!(services[1]["role"], "consumer");
    assert_eq!(report["notes"], json!([]));
}

#[test]
fn a_service_without_its_key_cannot_accept() {
    let dir = stack(
        GROUP,
        [&consistent(), "JWT_ALGORITHM=HS256\n", &consistent()],
    );
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1);
    let backend = service(&report, "backend");
    assert_eq!(reason_codes(backend), ["rule-incomplete"]);
    assert!(message(backend, "rule-incomplete").contains("JWT_SECRET is not set in backend"));
}

#[test]
fn help_text() {
    let (code, stdout, _) = run(envgate().args(["token", "--help"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("help_token_help", stdout);
}

#[test]
fn a_sensitive_issuer_is_shown_by_fingerprint() {
    let dir = stack(
        &GROUP.replace("iss = \"JWT_ISSUER\"", "iss = \"JWT_ISSUER_SECRET\""),
        [
            &format!("{}JWT_ISSUER_SECRET={ISS}\n", consistent()),
            &format!("{}JWT_ISSUER_SECRET=issuer-Vh7Qm2Xw9\n", consistent()),
            &format!("{}JWT_ISSUER_SECRET={ISS}\n", consistent()),
        ],
    );
    std::fs::write(
        dir.path().join("svc.toml"),
        format!("{SCHEMA}\n[vars.JWT_ISSUER_SECRET]\ntype = \"secret\"\n"),
    )
    .unwrap();
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, stdout, _) = token_human(dir.path(), &token);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("backend expects the iss in JWT_ISSUER_SECRET (sensitive: sha256:"),
        "{stdout}"
    );
    assert_no_leak_of(&["issuer-Vh7Qm2Xw9"], "a sensitive issuer", &stdout);
}

#[test]
fn key_encodings_come_from_the_schema() {
    // backend's schema says its key is base64: the same secret, written encoded.
    let dir = consistent_stack();
    std::fs::write(
        dir.path().join("b64.toml"),
        SCHEMA.replace(
            "[vars.JWT_SECRET]\ntype = \"secret\"",
            "[vars.JWT_SECRET]\ntype = \"jwt-key\"\nencoding = \"base64\"",
        ),
    )
    .unwrap();
    let toml = std::fs::read_to_string(dir.path().join("envgate.toml")).unwrap();
    std::fs::write(
        dir.path().join("envgate.toml"),
        toml.replacen(
            "[services.backend]\nschema = \"svc.toml\"",
            "[services.backend]\nschema = \"b64.toml\"",
            1,
        ),
    )
    .unwrap();
    let encoded = data_encoding::BASE64.encode(SECRET.as_bytes());
    std::fs::write(
        dir.path().join("backend.env"),
        env(&encoded, "HS256", ISS, AUD),
    )
    .unwrap();
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 0, "{report:#}");
    // Read raw, the encoded text is another key.
    std::fs::write(
        dir.path().join("b64.toml"),
        SCHEMA.replace(
            "[vars.JWT_SECRET]\ntype = \"secret\"",
            "[vars.JWT_SECRET]\ntype = \"jwt-key\"\nencoding = \"raw\"",
        ),
    )
    .unwrap();
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1);
    assert_eq!(
        reason_codes(service(&report, "backend")),
        ["jwt-key-mismatch"]
    );
    assert_no_leak_of(
        &[&token, SECRET, &encoded],
        "an encoded key",
        &report.to_string(),
    );
}

#[test]
fn no_output_holds_a_piece_of_the_token_or_a_key() {
    let dir = stack(
        GROUP,
        [
            &consistent(),
            &env(ROTATED, "HS256", ISS, AUD),
            &env(SECRET, "HS384", ISS, "other"),
        ],
    );
    let good = mint(Algorithm::HS256, SECRET, &good_claims());
    let tokens = [
        good.clone(),
        mint(Algorithm::HS256, OLD, &good_claims()),
        mint(
            Algorithm::HS512,
            ROTATED,
            &json!({"exp": PAST, "nbf": FUTURE}),
        ),
        good[..good.len() - 3].to_string(),
        good[..good.rfind('.').unwrap()].to_string(),
        format!("{good}.x"),
    ];
    let mut outputs = 0;
    for token in &tokens {
        for format in ["human", "json"] {
            for via_stdin in [false, true] {
                let mut cmd = envgate_in(dir.path());
                cmd.args(["token", "--color", "always", "--format", format]);
                if via_stdin {
                    cmd.arg("-").write_stdin(format!("Bearer {token}\n"));
                } else {
                    cmd.arg(token);
                }
                let (code, stdout, stderr) = run(&mut cmd);
                assert!(code == 1 || code == 2, "{code}: {stdout}{stderr}");
                let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
                let mut secrets = vec![SECRET, ROTATED, OLD];
                secrets.extend(tokens);
                assert_no_leak_of(&secrets, "envgate token", &(stdout + &stderr));
                outputs += 1;
            }
        }
    }
    assert_eq!(outputs, tokens.len() * 4);
}

#[test]
fn rs256_keys_from_name_file_name_the_pair_that_signs() {
    // auth signs with rsa1's private key; backend holds rsa1's public key, websocket rsa2's:
    // keys read through JWT_SECRET_FILE, as `check` reads them.
    let key_env = |pem: &str| {
        format!(
            "JWT_SECRET_FILE={}\nJWT_ALGORITHM=RS256\nJWT_ISSUER={ISS}\nJWT_AUDIENCE={AUD}\n",
            fixture(&format!("jwt/{pem}")).display()
        )
    };
    let dir = stack(
        GROUP,
        [
            &key_env("rsa1_private_pkcs8.pem"),
            &key_env("rsa1_public_spki.pem"),
            &key_env("rsa2_public_spki.pem"),
        ],
    );
    // jsonwebtoken is built without PEM support here: sign with the PKCS#1 DER of the pair.
    let private = std::fs::read_to_string(fixture("jwt/rsa1_private_pkcs1.pem")).unwrap();
    let body: String = private
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = data_encoding::BASE64.decode(body.as_bytes()).unwrap();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &good_claims(),
        &EncodingKey::from_rsa_der(&der),
    )
    .unwrap();
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(service(&report, "auth")["accepts"], true);
    assert_eq!(service(&report, "backend")["accepts"], true);
    let ws = service(&report, "websocket");
    assert_eq!(reason_codes(ws), ["jwt-key-mismatch"]);
    assert_eq!(ws["signed_by"], json!(["auth", "backend"]));
    // The same token where a service verifies HS256: another family, named as such.
    let dir = stack(
        GROUP,
        [
            &key_env("rsa1_private_pkcs8.pem"),
            &consistent(),
            &key_env("rsa1_public_spki.pem"),
        ],
    );
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 1);
    let backend = service(&report, "backend");
    assert_eq!(reason_codes(backend), ["jwt-algorithm-mismatch"]);
    assert!(message(backend, "jwt-algorithm-mismatch")
        .ends_with("; auth's and websocket's keys verify it"));
    let body: String = private
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_no_leak_of(
        &[&token, &body, SECRET],
        "an RS256 report",
        &report.to_string(),
    );
}

#[test]
fn a_large_group_stays_bounded() {
    // 300 consumers share auth's key, one holds a rotated one: `signed_by` is capped, the
    // run quick.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    std::fs::write(dir.path().join("good.env"), consistent()).unwrap();
    std::fs::write(
        dir.path().join("rotated.env"),
        env(ROTATED, "HS256", ISS, AUD),
    )
    .unwrap();
    let mut toml =
        String::from("[services.auth]\nschema = \"svc.toml\"\nenv_files = [\"good.env\"]\n");
    let consumers: Vec<String> = (0..300).map(|i| format!("svc{i}")).collect();
    for (i, name) in consumers.iter().enumerate() {
        let env_file = if i == 150 { "rotated.env" } else { "good.env" };
        toml.push_str(&format!(
            "[services.{name}]\nschema = \"svc.toml\"\nenv_files = [\"{env_file}\"]\n"
        ));
    }
    toml.push_str(&GROUP.replace(
        "consumers = [\"backend\", \"websocket\"]",
        &format!("consumers = {consumers:?}"),
    ));
    std::fs::write(dir.path().join("envgate.toml"), toml).unwrap();
    let token = mint(Algorithm::HS256, SECRET, &good_claims());
    let started = std::time::Instant::now();
    let (code, report) = token_json(dir.path(), &token);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    assert_eq!(report["services"].as_array().unwrap().len(), 301);
    let rotated = service(&report, "svc150");
    assert_eq!(rotated["signed_by"].as_array().unwrap().len(), 20);
    assert!(message(rotated, "jwt-key-mismatch").ends_with(" (and more) keys verify it"));
    assert!(report.to_string().len() < 200_000);
}

#[test]
fn a_token_signed_with_a_published_example_secret_gets_a_note() {
    const DEMO: &str = "your-super-secret-jwt-token-with-at-least-32-characters-long";
    let e = env(DEMO, "HS256", ISS, AUD);
    let dir = stack(GROUP, [&e, &e, &e]);
    let token = mint(Algorithm::HS256, DEMO, &good_claims());
    // Every service accepts it (that is the danger): the exit code says so, the note warns.
    let (code, report) = token_json(dir.path(), &token);
    assert_eq!(code, 0);
    assert_eq!(report["notes"][0]["code"], "placeholder");
    assert!(report["notes"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("the token is signed with a published example secret"));
    let (_, stdout, _) = token_human(dir.path(), &token);
    assert!(
        stdout.contains("placeholder the token is signed with a published example secret"),
        "{stdout}"
    );
    assert_no_leak_of(&[&token], "a placeholder note", &stdout);
}
