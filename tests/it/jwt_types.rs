//! The `jwt-key` and `jwt` types through the binary: keys of each PEM kind, HMAC minimums,
//! `algorithm_var`, tokens' structure, algorithms, times, claims and `signed_by`, and what
//! `explain` shows of them. Every case asserts that no output (check and explain, human and
//! JSON) holds a piece of a key or token.

use crate::secrets::assert_no_leak_of;
use crate::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

/// Far in the future (2100-01-01) and far in the past (2001-09-09): tests never depend on
/// today.
const FUTURE: i64 = 4_102_444_800;
const PAST: i64 = 1_000_000_000;

const SECRET: &str = "Qm7vT2xK9pL4wZ8nB6tR1yH5cF0dG3sA";
const ROTATED: &str = "Rt9xK2mV7pQ4wL8nB3tY6cH1fJ0dZ5eW";
const SUPABASE_DEMO: &str = "your-super-secret-jwt-token-with-at-least-32-characters-long";
/// 64 characters that are no weak secret, to cut HMAC secrets of any length from.
const LONG: &str = "Hq3Zt8Lw2Xn7Vb5Kp9Rm4Jd6Sg1Fc0Ya3Eu8Iw2Ox7Pz5Qr9Tv4Mn6Bk1Gh0Ls3D";

fn b64(bytes: &[u8]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(bytes)
}

/// A token from header and payload JSON exactly as written (pretty-printed if they are),
/// signed with `key` for `alg`.
fn mint(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

fn hs256(payload: &str, secret: &[u8]) -> String {
    mint(
        r#"{"alg":"HS256","typ":"JWT","kid":"main-2026"}"#,
        payload,
        &EncodingKey::from_secret(secret).unwrap(),
        Algorithm::HS256,
    )
}

fn pem(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("jwt/{name}"))).unwrap()
}

/// The secret part of a value: a PEM's body lines (its header names are not secret), or the
/// whole value.
fn material(value: &str) -> String {
    if value.contains("-----BEGIN") {
        value.lines().filter(|l| !l.starts_with("-----")).collect()
    } else {
        value.to_string()
    }
}

/// What the four outputs of one case said.
struct Outcome {
    code: i32,
    check: Value,
    human: String,
    explain: String,
    explain_json: Value,
}

impl Outcome {
    fn codes(&self) -> Vec<(String, String)> {
        codes(&self.check)
    }

    fn message(&self, code: &str, var: &str) -> String {
        finding(&self.check, code, var)["message"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The `explain --format json` facts of `var`.
    fn facts(&self, var: &str) -> &Value {
        let row = self.explain_json["vars"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == var)
            .unwrap();
        &row["facts"]
    }
}

/// Checks and explains `schema` with `vars` in the process environment; asserts that no
/// output holds an 8-character piece of any value's material.
fn case(schema: &str, vars: &[(&str, &str)]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), schema).unwrap();
    let cmd = |args: &[&str]| {
        let mut cmd = envgate_in(dir.path());
        cmd.args(args).args(["--schema", "s.toml"]);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run(&mut cmd)
    };
    let secrets: Vec<String> = vars
        .iter()
        .filter(|(k, _)| *k != "JWT_ALGORITHM")
        .map(|(_, v)| material(v))
        .collect();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let mut outputs = Vec::new();
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["explain"],
        &["explain", "--format", "json"],
    ] {
        let (code, stdout, stderr) = cmd(args);
        assert_ne!(code, 2, "{args:?}: {stderr}");
        assert_no_leak_of(&secrets, &format!("{args:?} stdout"), &stdout);
        assert_no_leak_of(&secrets, &format!("{args:?} stderr"), &stderr);
        outputs.push((code, stdout));
    }
    let parse = |s: &str| -> Value {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
    };
    assert_eq!(
        outputs[0].0, outputs[1].0,
        "human and JSON exit codes differ"
    );
    Outcome {
        code: outputs[1].0,
        check: parse(&outputs[1].1),
        human: outputs[0].1.clone(),
        explain: outputs[2].1.clone(),
        explain_json: parse(&outputs[3].1),
    }
}

fn key_schema(attrs: &str) -> String {
    format!("service = \"api\"\n[vars.JWT_KEY]\ntype = \"jwt-key\"\n{attrs}\n")
}

fn pair(code: &str, var: &str) -> (String, String) {
    (code.to_string(), var.to_string())
}

#[test]
fn pem_keys_of_each_kind_pass_for_their_algorithm() {
    for (alg, file, described) in [
        (
            "RS256",
            "rsa1_private_pkcs8.pem",
            "2048-bit RSA private key (PKCS#8)",
        ),
        (
            "RS384",
            "rsa1_private_pkcs1.pem",
            "2048-bit RSA private key (PKCS#1)",
        ),
        (
            "RS512",
            "rsa1_public_spki.pem",
            "2048-bit RSA public key (SPKI)",
        ),
        (
            "PS256",
            "rsa1_public_pkcs1.pem",
            "2048-bit RSA public key (PKCS#1)",
        ),
        (
            "ES256",
            "p256_private_sec1.pem",
            "EC P-256 private key (SEC1)",
        ),
        (
            "ES256",
            "p256_private_pkcs8.pem",
            "EC P-256 private key (PKCS#8)",
        ),
        (
            "ES256",
            "p256_public_spki.pem",
            "EC P-256 public key (SPKI)",
        ),
        (
            "ES384",
            "p384_private_sec1.pem",
            "EC P-384 private key (SEC1)",
        ),
        (
            "ES384",
            "p384_public_spki.pem",
            "EC P-384 public key (SPKI)",
        ),
        (
            "EdDSA",
            "ed25519_1_private_pkcs8.pem",
            "Ed25519 private key (PKCS#8)",
        ),
        (
            "EdDSA",
            "ed25519_1_public_spki.pem",
            "Ed25519 public key (SPKI)",
        ),
    ] {
        let key = pem(file);
        let out = case(
            &key_schema(&format!("algorithm = \"{alg}\"")),
            &[("JWT_KEY", &key)],
        );
        assert_eq!(out.code, 0, "{file} for {alg}: {:?}", out.codes());
        assert!(out.codes().is_empty(), "{file}: {:?}", out.codes());
        let facts = out.facts("JWT_KEY");
        assert_eq!(facts["algorithm"], alg, "{file}");
        assert_eq!(facts["key"], described, "{file}");
        assert!(
            facts["public_fingerprint"]
                .as_str()
                .unwrap()
                .starts_with("sha256:"),
            "{file}: {facts}"
        );
        assert!(
            out.explain.contains(&format!("key: {described}")),
            "{}",
            out.explain
        );
    }
    // A private key and its public key have the same public fingerprint.
    let fp = |file: &str| {
        case(
            &key_schema("algorithm = \"RS256\""),
            &[("JWT_KEY", &pem(file))],
        )
        .facts("JWT_KEY")["public_fingerprint"]
            .clone()
    };
    assert_eq!(fp("rsa1_private_pkcs8.pem"), fp("rsa1_public_spki.pem"));
    assert_ne!(fp("rsa1_public_spki.pem"), fp("rsa2_public_spki.pem"));
}

#[test]
fn the_algorithm_comes_from_algorithm_var_or_its_default() {
    let schema = |default: &str| {
        format!(
            "service = \"api\"\n[vars.JWT_ALGORITHM]\ntype = \"string\"\nrequired = false\n{default}\n\
             [vars.JWT_KEY]\ntype = \"jwt-key\"\nalgorithm_var = \"JWT_ALGORITHM\"\n"
        )
    };
    // Set: an RSA key for RS256 passes, and the same key for HS256 is a PEM where a secret
    // belongs.
    let rsa = pem("rsa2_private_pkcs8.pem");
    let out = case(
        &schema(""),
        &[("JWT_ALGORITHM", "RS256"), ("JWT_KEY", &rsa)],
    );
    assert_eq!(out.code, 0, "{:?}", out.codes());
    assert_eq!(
        out.facts("JWT_KEY")["algorithm"],
        "RS256 (from JWT_ALGORITHM)"
    );
    let out = case(
        &schema(""),
        &[("JWT_ALGORITHM", "HS256"), ("JWT_KEY", &rsa)],
    );
    assert_eq!(out.codes(), [pair("jwt-key-invalid", "JWT_KEY")]);
    assert!(out
        .message("jwt-key-invalid", "JWT_KEY")
        .contains("HS256 signs with a shared secret"));
    // Unset: its default, HS512, needs 64 bytes.
    let secret = &LONG[..48];
    let out = case(&schema("default = \"HS512\""), &[("JWT_KEY", secret)]);
    assert_eq!(out.codes(), [pair("jwt-key-too-short", "JWT_KEY")]);
    assert!(out
        .message("jwt-key-too-short", "JWT_KEY")
        .contains("is 48 bytes; HS512 needs at least 64 bytes"));
    // Unset without a default: the key cannot be judged, and the message says why.
    let out = case(&schema(""), &[("JWT_KEY", secret)]);
    assert_eq!(out.codes(), [pair("jwt-key-invalid", "JWT_KEY")]);
    let message = out.message("jwt-key-invalid", "JWT_KEY");
    assert!(
        message.contains("cannot be judged") && message.contains("JWT_ALGORITHM, which is not set"),
        "{message}"
    );
    // Not an algorithm: named (the algorithm variable is not sensitive).
    let out = case(
        &schema(""),
        &[("JWT_ALGORITHM", "HS999"), ("JWT_KEY", secret)],
    );
    assert!(out
        .message("jwt-key-invalid", "JWT_KEY")
        .contains("JWT_ALGORITHM (`HS999`) is not a JWT algorithm"));
}

#[test]
fn hmac_secrets_shorter_than_their_algorithm_needs() {
    for (alg, min) in [("HS256", 32), ("HS384", 48), ("HS512", 64)] {
        let short = &LONG[..min - 1];
        let out = case(
            &key_schema(&format!("algorithm = \"{alg}\"")),
            &[("JWT_KEY", short)],
        );
        assert_eq!(out.code, 1);
        assert_eq!(out.codes(), [pair("jwt-key-too-short", "JWT_KEY")], "{alg}");
        assert_eq!(
            out.message("jwt-key-too-short", "JWT_KEY"),
            format!(
                "JWT_KEY is {} bytes; {alg} needs at least {min} bytes (RFC 7518 section 3.2)",
                min - 1
            )
        );
        let out = case(
            &key_schema(&format!("algorithm = \"{alg}\"")),
            &[("JWT_KEY", &LONG[..min])],
        );
        assert_eq!(out.code, 0, "{alg}: {:?}", out.codes());
        assert_eq!(
            out.facts("JWT_KEY")["key"],
            format!("{min}-byte HMAC secret")
        );
    }
}

#[test]
fn bad_keys_say_what_is_wrong() {
    // RSA under 2048 bits.
    let out = case(
        &key_schema("algorithm = \"RS256\""),
        &[("JWT_KEY", &pem("rsa1024_private_pkcs8.pem"))],
    );
    assert_eq!(out.codes(), [pair("jwt-key-too-short", "JWT_KEY")]);
    assert!(out.message("jwt-key-too-short", "JWT_KEY").contains("1024"));
    // An RSA PKCS#8 body under an EC header.
    let wrong = pem("rsa2_private_pkcs8.pem").replace("PRIVATE KEY", "EC PRIVATE KEY");
    let out = case(&key_schema("algorithm = \"RS256\""), &[("JWT_KEY", &wrong)]);
    assert_eq!(out.codes(), [pair("jwt-key-invalid", "JWT_KEY")]);
    assert!(
        out.message("jwt-key-invalid", "JWT_KEY")
            .contains("BEGIN EC PRIVATE KEY"),
        "{}",
        out.message("jwt-key-invalid", "JWT_KEY")
    );
    // An EC key where RS256 needs RSA.
    let out = case(
        &key_schema("algorithm = \"RS256\""),
        &[("JWT_KEY", &pem("p256_public_spki.pem"))],
    );
    assert_eq!(out.codes(), [pair("jwt-key-invalid", "JWT_KEY")]);
    // A token pasted where the key belongs, whatever the algorithm.
    let token = hs256(
        &format!(r#"{{"role":"anon","exp":{FUTURE}}}"#),
        SECRET.as_bytes(),
    );
    for alg in ["HS256", "RS256"] {
        let out = case(
            &key_schema(&format!("algorithm = \"{alg}\"")),
            &[("JWT_KEY", &token)],
        );
        assert_eq!(out.codes(), [pair("jwt-key-invalid", "JWT_KEY")], "{alg}");
        assert!(out
            .message("jwt-key-invalid", "JWT_KEY")
            .contains("is a JWT (a token), not a key"));
        assert!(out.human.contains("is a JWT (a token), not a key"));
    }
}

#[test]
fn base64url_keys_with_and_without_padding() {
    // 32 bytes whose base64url has `-` and `_` and one `=` of padding.
    let bytes: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(0xf8))
        .collect();
    let padded = data_encoding::BASE64URL.encode(&bytes);
    assert!(
        padded.ends_with('=') && padded.contains(['-', '_']),
        "{padded}"
    );
    let bare = padded.trim_end_matches('=').to_string();
    let schema = "service = \"api\"\n[vars.JWT_KEY]\ntype = \"jwt-key\"\nalgorithm = \"HS256\"\nencoding = \"base64url\"\n\
                  [vars.ANON_KEY]\ntype = \"jwt\"\nsigned_by = \"JWT_KEY\"\n";
    // A token signed with the decoded bytes verifies with either form.
    let token = hs256(&format!(r#"{{"exp":{FUTURE}}}"#), &bytes);
    for key in [&padded, &bare] {
        let out = case(schema, &[("JWT_KEY", key), ("ANON_KEY", &token)]);
        assert_eq!(out.code, 0, "{key}: {:?}", out.codes());
        assert_eq!(out.facts("JWT_KEY")["key"], "32-byte HMAC secret");
        assert_eq!(
            out.facts("ANON_KEY")["signed_by"],
            "JWT_KEY (HS256): the signature verifies"
        );
    }
    // The standard base64 alphabet is not base64url.
    let standard = data_encoding::BASE64.encode(&bytes);
    let out = case(schema, &[("JWT_KEY", &standard), ("ANON_KEY", &token)]);
    assert!(
        out.codes().contains(&pair("jwt-key-invalid", "JWT_KEY")),
        "{:?}",
        out.codes()
    );
}

const TOKEN_SCHEMA: &str = r#"service = "api"
[vars.JWT_SECRET]
type = "jwt-key"
algorithm = "HS256"

[vars.ANON_KEY]
type = "jwt"
algorithms = ["HS256"]
claims = { role = "anon" }
signed_by = "JWT_SECRET"
"#;

#[test]
fn malformed_and_unsigned_tokens() {
    let token = hs256(
        &format!(r#"{{"role":"anon","exp":{FUTURE}}}"#),
        SECRET.as_bytes(),
    );
    // Cut after the payload: the signature part is missing, and the message says so.
    let truncated = &token[..token.rfind('.').unwrap()];
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", SECRET), ("ANON_KEY", truncated)],
    );
    assert_eq!(out.codes(), [pair("jwt-malformed", "ANON_KEY")]);
    let message = out.message("jwt-malformed", "ANON_KEY");
    assert!(message.contains("signature"), "{message}");
    // Cut inside the payload: the payload is named.
    let cut = format!(
        "{}.{}",
        &token[..token.find('.').unwrap()],
        "eyJyb2xlIjoiYW5"
    );
    let out = case(TOKEN_SCHEMA, &[("JWT_SECRET", SECRET), ("ANON_KEY", &cut)]);
    assert_eq!(out.codes(), [pair("jwt-malformed", "ANON_KEY")]);
    // `alg: none` (RFC 7515 appendix A.5).
    let none = std::fs::read_to_string(fixture("jwt/rfc7515_a5_none.jwt")).unwrap();
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", SECRET), ("ANON_KEY", none.trim())],
    );
    assert!(
        out.codes()
            .contains(&pair("jwt-algorithm-not-allowed", "ANON_KEY")),
        "{:?}",
        out.codes()
    );
    assert!(out
        .message("jwt-algorithm-not-allowed", "ANON_KEY")
        .contains("alg: none"));
}

#[test]
fn an_algorithm_outside_algorithms_is_not_allowed() {
    let token = mint(
        r#"{"alg":"HS512"}"#,
        &format!(r#"{{"role":"anon","exp":{FUTURE}}}"#),
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
        Algorithm::HS512,
    );
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", SECRET), ("ANON_KEY", &token)],
    );
    assert!(
        out.codes()
            .contains(&pair("jwt-algorithm-not-allowed", "ANON_KEY")),
        "{:?}",
        out.codes()
    );
    assert_eq!(
        out.message("jwt-algorithm-not-allowed", "ANON_KEY"),
        "ANON_KEY is signed with HS512, but only HS256 is allowed (`algorithms`)"
    );
}

#[test]
fn every_check_runs_on_an_expired_token() {
    // Expired, signed with a rotated secret, and minted for another role: all three said.
    let token = hs256(
        &format!(r#"{{"role":"service","exp":{PAST}}}"#),
        ROTATED.as_bytes(),
    );
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", SECRET), ("ANON_KEY", &token)],
    );
    assert_eq!(out.code, 1);
    let mut codes = out.codes();
    codes.sort();
    assert_eq!(
        codes,
        [
            pair("jwt-claim-mismatch", "ANON_KEY"),
            pair("jwt-expired", "ANON_KEY"),
            pair("jwt-signature-invalid", "ANON_KEY"),
        ]
    );
    assert!(out
        .message("jwt-expired", "ANON_KEY")
        .contains("(exp 2001-09-09T01:46:40Z)"));
    assert_eq!(
        out.message("jwt-claim-mismatch", "ANON_KEY"),
        "ANON_KEY has claim `role` = \"service\", expected \"anon\""
    );
    assert!(out
        .message("jwt-signature-invalid", "ANON_KEY")
        .contains("does not verify with JWT_SECRET (HS256)"));
    assert_eq!(
        out.facts("ANON_KEY")["signed_by"],
        "JWT_SECRET (HS256): the signature does NOT verify"
    );
    assert!(out.human.contains("jwt-signature-invalid") && out.human.contains("jwt-expired"));
}

#[test]
fn a_token_signed_with_the_rotated_secret() {
    let token = hs256(
        &format!(r#"{{"role":"anon","exp":{FUTURE}}}"#),
        ROTATED.as_bytes(),
    );
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", SECRET), ("ANON_KEY", &token)],
    );
    assert_eq!(out.codes(), [pair("jwt-signature-invalid", "ANON_KEY")]);
    // With the rotated secret in place, the same token passes.
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", ROTATED), ("ANON_KEY", &token)],
    );
    assert_eq!(out.code, 0, "{:?}", out.codes());
}

#[test]
fn pretty_printed_json_parts_are_a_valid_token() {
    let token = mint(
        "{\n  \"alg\": \"HS256\",\n  \"typ\": \"JWT\"\n}",
        &format!("{{\n  \"role\": \"anon\",\n  \"exp\": {FUTURE}\n}}\n"),
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
        Algorithm::HS256,
    );
    let out = case(
        TOKEN_SCHEMA,
        &[("JWT_SECRET", SECRET), ("ANON_KEY", &token)],
    );
    assert_eq!(out.code, 0, "{:?}", out.codes());
    assert!(out.codes().is_empty());
}

#[test]
fn an_rs256_token_verifies_with_the_public_key() {
    let schema =
        "service = \"api\"\n[vars.JWT_PUBLIC_KEY]\ntype = \"jwt-key\"\nalgorithm = \"RS256\"\n\
                  [vars.API_TOKEN]\ntype = \"jwt\"\nsigned_by = \"JWT_PUBLIC_KEY\"\n";
    let der = data_encoding::BASE64
        .decode(material(&pem("rsa1_private_pkcs1.pem")).as_bytes())
        .unwrap();
    let signer = EncodingKey::from_rsa_der(&der);
    let token = mint(
        r#"{"alg":"RS256"}"#,
        &format!(r#"{{"exp":{FUTURE}}}"#),
        &signer,
        Algorithm::RS256,
    );
    let out = case(
        schema,
        &[
            ("JWT_PUBLIC_KEY", &pem("rsa1_public_spki.pem")),
            ("API_TOKEN", &token),
        ],
    );
    assert_eq!(out.code, 0, "{:?}", out.codes());
    // The public key of another pair does not verify it.
    let out = case(
        schema,
        &[
            ("JWT_PUBLIC_KEY", &pem("rsa2_public_spki.pem")),
            ("API_TOKEN", &token),
        ],
    );
    assert_eq!(out.codes(), [pair("jwt-signature-invalid", "API_TOKEN")]);
}

#[test]
fn expires_within_warns() {
    let schema =
        "service = \"api\"\n[vars.CI_TOKEN]\ntype = \"jwt\"\nexpires_within = \"1000000h\"\n";
    let token = hs256(&format!(r#"{{"exp":{FUTURE}}}"#), SECRET.as_bytes());
    let out = case(schema, &[("CI_TOKEN", &token)]);
    assert_eq!(out.code, 0, "a warning does not fail the run");
    assert_eq!(out.codes(), [pair("jwt-expires-soon", "CI_TOKEN")]);
    assert_eq!(
        finding(&out.check, "jwt-expires-soon", "CI_TOKEN")["severity"],
        "warning"
    );
    assert!(out
        .message("jwt-expires-soon", "CI_TOKEN")
        .contains("(exp 2100-01-01T00:00:00Z)"));
}

#[test]
fn a_token_signed_with_the_supabase_demo_secret_is_a_placeholder() {
    let schema =
        "service = \"api\"\n[vars.ANON_KEY]\ntype = \"jwt\"\nclaims = { role = \"anon\" }\n";
    let token = hs256(
        r#"{"role":"anon","iss":"supabase-demo","exp":1983812996}"#,
        SUPABASE_DEMO.as_bytes(),
    );
    let out = case(schema, &[("ANON_KEY", &token)]);
    assert_eq!(out.code, 1);
    assert_eq!(out.codes(), [pair("placeholder", "ANON_KEY")]);
    assert!(out
        .message("placeholder", "ANON_KEY")
        .contains("published example secret"));
}

#[test]
fn explain_shows_a_tokens_dates_and_claims_never_the_token() {
    let schema = r#"service = "api"
[vars.JWT_SECRET]
type = "jwt-key"
algorithm = "HS256"

[vars.ANON_KEY]
type = "jwt"
claims = { role = "anon", tier = "free" }
signed_by = "JWT_SECRET"
"#;
    let token = hs256(
        &format!(
            r#"{{"role":"anon","iss":"https://auth.example.com","aud":["backend","ws"],"exp":{FUTURE},"iat":{PAST},"email":"someone@example.com"}}"#
        ),
        SECRET.as_bytes(),
    );
    let out = case(schema, &[("JWT_SECRET", SECRET), ("ANON_KEY", &token)]);
    let facts = out.facts("ANON_KEY");
    assert_eq!(facts["alg"], "HS256");
    assert_eq!(facts["kid"], "\"main-2026\"");
    assert_eq!(facts["iss"], "\"https://auth.example.com\"");
    assert_eq!(facts["aud"], "\"backend\", \"ws\"");
    let exp = facts["exp"].as_str().unwrap();
    assert!(
        exp.starts_with("2100-01-01T00:00:00Z (expires in ") && exp.ends_with(" days)"),
        "{exp}"
    );
    let iat = facts["iat"].as_str().unwrap();
    assert!(
        iat.starts_with("2001-09-09T01:46:40Z (issued ") && iat.ends_with(" days ago)"),
        "{iat}"
    );
    assert_eq!(facts["claim role"], "\"anon\"");
    assert_eq!(facts["claim tier"], "absent");
    assert_eq!(
        facts["signed_by"],
        "JWT_SECRET (HS256): the signature verifies"
    );
    // Claims the schema does not name are not shown.
    assert!(!out.explain.contains("someone@example.com"));
    assert!(!out.explain_json.to_string().contains("someone@example.com"));
    for line in [
        "exp: 2100-01-01T00:00:00Z (expires in ",
        "claim role: \"anon\"",
        "signed_by: JWT_SECRET (HS256): the signature verifies",
    ] {
        assert!(out.explain.contains(line), "{line} in {}", out.explain);
    }
    // Neither the signature nor any part of the token.
    for part in token.split('.') {
        assert_no_leak_of(&[part], "explain", &out.explain);
    }
    // An expired token says so in explain.
    let old = hs256(
        &format!(r#"{{"role":"anon","tier":"free","exp":{PAST}}}"#),
        SECRET.as_bytes(),
    );
    let out = case(schema, &[("JWT_SECRET", SECRET), ("ANON_KEY", &old)]);
    let exp = out.facts("ANON_KEY")["exp"].as_str().unwrap().to_string();
    assert!(
        exp.starts_with("2001-09-09T01:46:40Z (expired ") && exp.ends_with(" days ago)"),
        "{exp}"
    );
}

#[test]
fn schema_defaults_are_judged_on_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let load = |schema: &str| {
        std::fs::write(dir.path().join("s.toml"), schema).unwrap();
        run(envgate_in(dir.path()).args(["check", "--schema", "s.toml"]))
    };
    // A key default whose algorithm comes from another variable loads (it is judged with the
    // other values at check time), and so does an expired token default: whether a schema
    // loads does not depend on the day.
    let expired = hs256(&format!(r#"{{"exp":{PAST}}}"#), SECRET.as_bytes());
    let schema = format!(
        "service = \"api\"\n[vars.JWT_ALGORITHM]\ntype = \"string\"\ndefault = \"HS512\"\n\
         [vars.JWT_KEY]\ntype = \"jwt-key\"\nalgorithm_var = \"JWT_ALGORITHM\"\ndefault = \"{}\"\n\
         [vars.OLD_TOKEN]\ntype = \"jwt\"\ndefault = \"{expired}\"\n",
        &LONG[..32]
    );
    let (code, stdout, stderr) = load(&schema);
    assert_eq!(code, 1, "{stderr}");
    // ...and at check time, with the values: HS512 needs 64 bytes; the token has expired.
    assert!(
        stdout.contains("jwt-key-too-short") && stdout.contains("jwt-expired"),
        "{stdout}"
    );
    assert_no_leak_of(&[&LONG[..32], &expired], "check", &stdout);
    // A default that fails on its own is a schema error.
    let (code, _, stderr) = load(&key_schema(&format!(
        "algorithm = \"HS256\"\ndefault = \"{}\"",
        &LONG[..31]
    )));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("fails its own type"), "{stderr}");
    assert_no_leak_of(&[&LONG[..31]], "schema error", &stderr);
}

#[test]
fn rfc_7515_a2_verifies_with_its_public_key_and_not_with_another() {
    // RFC 7515 appendix A.2: an RS256 JWS, written from the RFC into the fixtures. Its `exp`
    // (2011) has passed: the expiry is reported, and the signature is still checked.
    let schema = "service = \"api\"\n[vars.JWT_PUBLIC_KEY]\ntype = \"jwt-key\"\nalgorithm = \"RS256\"\n\n\
                  [vars.API_TOKEN]\ntype = \"jwt\"\nalgorithms = [\"RS256\"]\nsigned_by = \"JWT_PUBLIC_KEY\"\n";
    let token = std::fs::read_to_string(fixture("jwt/rfc7515_a2_rs256.jwt")).unwrap();
    let token = token.trim();
    let out = case(
        schema,
        &[
            ("JWT_PUBLIC_KEY", &pem("rfc7515_a2_rs256_public_spki.pem")),
            ("API_TOKEN", token),
        ],
    );
    assert_eq!(out.codes(), [pair("jwt-expired", "API_TOKEN")]);
    let out = case(
        schema,
        &[
            ("JWT_PUBLIC_KEY", &pem("rsa1_public_spki.pem")),
            ("API_TOKEN", token),
        ],
    );
    assert_eq!(
        out.codes(),
        [
            pair("jwt-expired", "API_TOKEN"),
            pair("jwt-signature-invalid", "API_TOKEN")
        ]
    );
}
