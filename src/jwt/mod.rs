//! JSON Web Tokens and their keys, checked without I/O: what the `jwt-key` and `jwt` types, the
//! `[[jwt]]` stack rule, `explain` and `envgate token` are built on.
//!
//! - [`algorithm`]: the JWS algorithms envgate signs and verifies with (RFC 7518).
//! - [`key`]: parse an HMAC secret or a PEM key for an algorithm ([`Key::parse`]).
//! - [`token`]: decode a token without trusting it, and check it ([`check_token`]).
//! - [`probe`]: sign a probe token with an issuer's key and verify it as a consumer would
//!   ([`probe()`]); why a given token would be rejected ([`acceptance`]); which of a set of
//!   keys verifies a token ([`keys_that_verify`]).
//!
//! Nothing here prints: problems come back as [`Problem`] values whose text never holds key or
//! token material (lengths, bit sizes, PEM header names, algorithm names and claim values
//! only), and `Debug` of [`Key`] and [`Token`] shows kinds and lengths. Time is a parameter
//! (`now`, Unix seconds) so that results are reproducible.

pub mod algorithm;
pub mod key;
pub mod probe;
pub mod token;

pub use algorithm::{Algorithm, Curve, Family};
pub use key::{Key, KeyFormat, ParsedKey, SecretEncoding};
pub use probe::{
    acceptance, keys_that_verify, probe, probe_values, CannotSign, ProbeToken, Rejection, Side,
    SideValues,
};
pub use token::{
    check_token, describe_time, jws_verifies_with, Token, TokenCheck, TokenRules, MAX_TOKEN_BYTES,
};

use crate::rules::Code;

/// One problem found in a key, a token or a probe: a registered finding code, a message that
/// reads after the variable's name ("is ...", "expired ...") or, for a probe, a whole sentence,
/// and a hint saying what to change. Neither text holds key or token material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Text from a token's header or claims (an `alg`, `iss`, `aud` or claim value: not secret,
/// but untrusted) made safe to quote: at most `max` characters, control characters escaped.
pub(crate) fn quoted(text: &str, max: usize) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() || c == '"' || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// `2026-12-03T04:18:10Z` for a `NumericDate` (for `explain`); the bare number when it is out
/// of range.
pub fn date(seconds: i64) -> String {
    // humantime formats years up to 9999 (and its `Display` fails, which `to_string` turns
    // into a panic, past that)
    const LAST_SECOND_OF_9999: u64 = 253_402_300_799;
    u64::try_from(seconds)
        .ok()
        .filter(|s| *s <= LAST_SECOND_OF_9999)
        .and_then(|s| std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(s)))
        .map_or_else(
            || seconds.to_string(),
            |t| humantime::format_rfc3339_seconds(t).to_string(),
        )
}

/// "3 days", "5 hours", "40 seconds": one unit, rounded down, for "expires in ..." texts.
pub fn span(seconds: u64) -> String {
    let (n, unit) = match seconds {
        0..=119 => (seconds, "second"),
        120..=7199 => (seconds / 60, "minute"),
        7200..=172_799 => (seconds / 3600, "hour"),
        _ => (seconds / 86400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_and_spans_for_any_number() {
        assert_eq!(super::date(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::date(1_796_000_000), "2026-11-30T00:53:20Z");
        assert_eq!(super::date(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(super::date(253_402_300_800), "253402300800");
        assert_eq!(super::date(i64::MAX), i64::MAX.to_string());
        assert_eq!(super::date(-5), "-5");
        assert_eq!(super::span(1), "1 second");
        assert_eq!(super::span(u64::MAX), format!("{} days", u64::MAX / 86400));
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Fixtures and the leak assertion shared by the module tests.
    use std::path::PathBuf;

    pub fn fixture(name: &str) -> String {
        let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "jwt", name]
            .iter()
            .collect();
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The secret part of a key or token value: a PEM's base64 body without its header and
    /// footer lines (header names are not secret), or the whole value.
    fn material(value: &str) -> String {
        if value.contains("-----BEGIN") {
            value
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>()
        } else {
            value.trim().to_string()
        }
    }

    /// Fails when `text` holds any 8-character window of `value`'s material.
    pub fn assert_no_leak(text: &str, value: &str) {
        let chars: Vec<char> = material(value).chars().collect();
        for w in chars.windows(8) {
            let piece: String = w.iter().collect();
            assert!(
                !text.contains(&piece),
                "leaked a piece of the value ({piece:?}) in: {text}"
            );
        }
    }
}

#[cfg(test)]
mod no_leak {
    //! Every problem any entry point reports, over a battery of bad keys and tokens, holds no
    //! 8-character window of the inputs' material.
    use super::testkit::{assert_no_leak, fixture};
    use super::*;

    const FIXTURES: &[&str] = &[
        "rsa1_private_pkcs8.pem",
        "rsa1_private_pkcs1.pem",
        "rsa1_public_spki.pem",
        "rsa1_public_pkcs1.pem",
        "rsa2_public_spki.pem",
        "rsa1024_private_pkcs8.pem",
        "rsa512_public_spki.pem",
        "p256_private_sec1.pem",
        "p256_private_pkcs8.pem",
        "p256_public_spki.pem",
        "p256_2_public_spki.pem",
        "p384_private_sec1.pem",
        "p384_public_spki.pem",
        "ed25519_1_private_pkcs8.pem",
        "ed25519_2_public_spki.pem",
        "rfc7515_a2_rs256_private_pkcs1.pem",
    ];

    #[test]
    fn no_problem_holds_a_piece_of_a_key_or_token() {
        let mut values: Vec<String> = FIXTURES.iter().map(|f| fixture(f)).collect();
        // damaged keys: cut, one line dropped, the body under another header
        let pem = fixture("rsa2_private_pkcs8.pem");
        values.push(pem[..pem.len() * 2 / 3].to_string());
        values.push(
            pem.lines()
                .filter(|l| !l.starts_with("MII"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        values.push(pem.replace("PRIVATE KEY", "EC PRIVATE KEY"));
        values.push(pem.replace("PRIVATE KEY", "PUBLIC KEY"));
        values.push(pem.replace('\n', "\\n"));
        values.push(pem.replace('M', "!"));
        // secrets and tokens
        values.push(String::from("short-secret-Qx7"));
        values.push(String::from("Zq8wT2nV5xK9mR3pL7bY1cH6fJ0dS4g+/A=="));
        for f in [
            "rfc7515_a1_hs256.jwt",
            "rfc7515_a2_rs256.jwt",
            "rfc7515_a5_none.jwt",
            "rfc8037_a4_eddsa.jws",
        ] {
            let token = fixture(f);
            values.push(token.trim()[..token.trim().len() - 9].to_string());
            values.push(token);
        }
        let signer = Key::parse(
            "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s",
            Algorithm::HS256,
            SecretEncoding::Raw,
        )
        .key;
        let rsa = Key::parse(
            &fixture("rsa1_public_spki.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key;
        let mut reports = 0;
        for value in &values {
            let mut text = String::new();
            for alg in Algorithm::ALL {
                for encoding in [
                    SecretEncoding::Raw,
                    SecretEncoding::Base64,
                    SecretEncoding::Base64Url,
                    SecretEncoding::Hex,
                ] {
                    text.push_str(&format!("{:?}", Key::parse(value, alg, encoding)));
                }
            }
            for signed_by in [&signer, &rsa] {
                let rules = TokenRules {
                    now: 1_796_000_000,
                    algorithms: &[Algorithm::ES256],
                    expires_within: Some(u64::MAX),
                    signed_by: signed_by.as_ref().map(|k| ("K", k)),
                    ..TokenRules::default()
                };
                text.push_str(&format!("{:?}", check_token(value, &rules)));
            }
            for alg in [
                Algorithm::HS256,
                Algorithm::RS256,
                Algorithm::ES256,
                Algorithm::EdDSA,
            ] {
                let side = SideValues {
                    label: "a",
                    key: value,
                    encoding: SecretEncoding::Raw,
                    algorithm: alg,
                    iss: None,
                    aud: None,
                };
                let other = SideValues {
                    label: "b",
                    key: "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s",
                    ..side
                };
                text.push_str(&format!(
                    "{:?}{:?}",
                    probe_values(&side, &other, 0),
                    probe_values(&other, &side, 0)
                ));
            }
            assert_no_leak(&text, value);
            reports += 1;
        }
        assert_eq!(reports, values.len());
    }
}

#[cfg(test)]
mod no_panic {
    //! Hostile input never panics: arbitrary text, and text shaped like tokens and PEM keys.
    use super::*;
    use proptest::prelude::*;

    fn b64(bytes: &[u8]) -> String {
        data_encoding::BASE64URL_NOPAD.encode(bytes)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text(text in "\\PC{0,200}") {
            for alg in Algorithm::ALL {
                for encoding in [SecretEncoding::Raw, SecretEncoding::Base64, SecretEncoding::Base64Url, SecretEncoding::Hex] {
                    let _ = Key::parse(&text, alg, encoding);
                }
            }
            let _ = check_token(&text, &TokenRules { expires_within: Some(60), ..TokenRules::default() });
        }

        #[test]
        fn token_shaped(header in prop::collection::vec(any::<u8>(), 0..60),
                        payload in "[ -~]{0,80}",
                        signature in prop::collection::vec(any::<u8>(), 0..80),
                        alg in prop::sample::select(vec!["HS256", "RS256", "ES384", "EdDSA", "none", "x"])) {
            let key = Key::parse("k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s", Algorithm::HS256, SecretEncoding::Raw).key;
            let real_header = format!("{{\"alg\":\"{alg}\"}}");
            for h in [b64(&header), b64(real_header.as_bytes())] {
                let text = format!("{h}.{}.{}", b64(payload.as_bytes()), b64(&signature));
                let rules = TokenRules { now: 1_796_000_000, expires_within: Some(u64::MAX), signed_by: key.as_ref().map(|k| ("K", k)), ..TokenRules::default() };
                let check = check_token(&text, &rules);
                if let (Some(token), Some(k)) = (&check.token, &key) {
                    let side = Side { label: "c", key: k, iss: Some("i"), aud: Some("a") };
                    let reasons = acceptance(token, &side, 0);
                    for r in &reasons {
                        let _ = r.describe("c", i64::MAX);
                    }
                }
                let _ = Key::parse(&text, Algorithm::RS256, SecretEncoding::Raw);
            }
        }

        #[test]
        fn pem_shaped(label in prop::sample::select(vec!["PUBLIC KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "RSA PUBLIC KEY", "EC PRIVATE KEY", "CERTIFICATE", "X"]),
                      der in prop::collection::vec(any::<u8>(), 0..300)) {
            let body = data_encoding::BASE64.encode(&der);
            let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
                let parsed = Key::parse(&pem, alg, SecretEncoding::Raw);
                prop_assert!(parsed.key.is_some() || !parsed.problems.is_empty());
            }
        }
    }
}
