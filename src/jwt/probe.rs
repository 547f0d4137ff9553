//! The `[[jwt]]` rule's proof: sign a short-lived probe token with the issuer's key,
//! algorithm, `iss` and `aud`, and verify it with a consumer's key, algorithm and
//! expectations exactly as the consumer service would. Also the question `envgate token`
//! asks of a pasted token: would this consumer accept it, and if not, why.

use super::algorithm::{Algorithm, Family};
use super::key::{Key, SecretEncoding};
use super::token::{describe_time, Token};
use super::{date, quoted, Problem};
use crate::rules::Code;

/// How long a probe token is valid: it is verified at once, so a few minutes is plenty.
pub const PROBE_LIFETIME_SECONDS: i64 = 300;
const SHOWN_CHARS: usize = 80;

/// One service's side of a `[[jwt]]` group, with its key already parsed.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The service's name, used in messages ("auth", "backend").
    pub label: &'a str,
    /// The key: the issuer's signs (secret or private key); a consumer's verifies (secret,
    /// public key, or the same private key). Its algorithm is the side's algorithm.
    pub key: &'a Key,
    /// The issuer's `iss`, or the issuer a consumer expects.
    pub iss: Option<&'a str>,
    /// The audience the issuer sets, or the audience a consumer expects.
    pub aud: Option<&'a str>,
}

/// One service's side as raw configuration values, for [`probe_values`]. `Debug` leaves the
/// key out.
#[derive(Clone, Copy)]
pub struct SideValues<'a> {
    pub label: &'a str,
    /// What the key variable holds (never shown).
    pub key: &'a str,
    pub encoding: SecretEncoding,
    pub algorithm: Algorithm,
    pub iss: Option<&'a str>,
    pub aud: Option<&'a str>,
}

impl std::fmt::Debug for SideValues<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideValues")
            .field("label", &self.label)
            .field(
                "key",
                &format_args!("<redacted, {} chars>", self.key.chars().count()),
            )
            .field("encoding", &self.encoding)
            .field("algorithm", &self.algorithm)
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .finish()
    }
}

/// Why a consumer would not accept a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The token is unsigned (`alg: none`).
    Unsigned,
    /// The token's `alg` (as written) is not the consumer's algorithm. `keys_comparable` says
    /// whether the consumer's key could verify it at all (HS256 vs HS512 can be compared;
    /// HS256 vs RS256 cannot).
    Algorithm {
        token: String,
        expected: Algorithm,
        keys_comparable: bool,
    },
    /// The signature does not verify with the consumer's key (under the token's algorithm
    /// when it is of the consumer's family).
    Signature,
    /// The token's `iss` (absent: `None`) is not the one the consumer expects.
    Issuer {
        found: Option<String>,
        expected: String,
    },
    /// The token's `aud` does not contain the consumer's audience.
    Audience {
        found: Vec<String>,
        expected: String,
    },
    /// `exp` is not after `now`.
    Expired { exp: i64 },
    /// `nbf` is after `now`.
    NotYetValid { nbf: i64 },
}

impl Rejection {
    /// The finding code for this reason.
    pub fn code(&self) -> Code {
        match self {
            Rejection::Unsigned => Code::JwtAlgorithmNotAllowed,
            Rejection::Algorithm { .. } => Code::JwtAlgorithmMismatch,
            Rejection::Signature => Code::JwtKeyMismatch,
            Rejection::Issuer { .. } => Code::JwtIssuerMismatch,
            Rejection::Audience { .. } => Code::JwtAudienceMismatch,
            Rejection::Expired { .. } => Code::JwtExpired,
            Rejection::NotYetValid { .. } => Code::JwtNotYetValid,
        }
    }

    /// The reason as a phrase about `consumer` and a token, for `envgate token`
    /// ("backend verifies HS512 but the token is signed with HS256"). Holds algorithm names,
    /// `iss`/`aud` values and dates only.
    pub fn describe(&self, consumer: &str, now: i64) -> String {
        match self {
            Rejection::Unsigned => format!("{consumer} rejects unsigned tokens (`alg: none`)"),
            Rejection::Algorithm { token, expected, .. } => format!(
                "{consumer} verifies {expected} but the token is signed with {}",
                quoted(token, 20)
            ),
            Rejection::Signature => format!(
                "the signature does not verify with {consumer}'s key: the token was signed with another key"
            ),
            Rejection::Issuer { found: Some(found), expected } => format!(
                "{consumer} expects iss {} but the token has iss {}",
                quoted(expected, SHOWN_CHARS),
                quoted(found, SHOWN_CHARS)
            ),
            Rejection::Issuer { found: None, expected } => format!(
                "{consumer} expects iss {} but the token has no iss",
                quoted(expected, SHOWN_CHARS)
            ),
            Rejection::Audience { found, expected } => format!(
                "{consumer} expects aud {} but the token has {}",
                quoted(expected, SHOWN_CHARS),
                audiences(found)
            ),
            Rejection::Expired { exp } => format!(
                "the token expired {} (exp {})",
                describe_time(*exp, now),
                date(*exp)
            ),
            Rejection::NotYetValid { nbf } => format!(
                "the token is not valid before {} ({})",
                date(*nbf),
                describe_time(*nbf, now)
            ),
        }
    }
}

fn audiences(found: &[String]) -> String {
    match found {
        [] => String::from("no aud"),
        [one] => format!("aud {}", quoted(one, SHOWN_CHARS)),
        many => format!(
            "aud [{}]",
            many.iter()
                .take(8)
                .map(|a| quoted(a, SHOWN_CHARS))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Every reason `consumer` would reject `token` at time `now`, checked the way a service
/// configured with one algorithm, one key and an expected `iss`/`aud` checks it: the `alg`
/// must be the consumer's; the signature must verify with the consumer's key (checked under
/// the token's algorithm when it is of the same family, so that an algorithm mismatch does
/// not hide a key mismatch); `exp` after `now`, `nbf` not after it; `iss` equal to the
/// expected one and `aud` containing the expected one, when the consumer expects them. Empty
/// means accepted.
pub fn acceptance(token: &Token, consumer: &Side<'_>, now: i64) -> Vec<Rejection> {
    let mut reasons = Vec::new();
    let expected = consumer.key.algorithm();
    if token.is_unsigned() {
        reasons.push(Rejection::Unsigned);
    } else {
        let token_alg = token.algorithm();
        let comparable = token_alg.filter(|alg| {
            alg.family() == expected.family()
                && (alg.curve().is_none() || alg.curve() == consumer.key.curve())
        });
        if token_alg != Some(expected) {
            reasons.push(Rejection::Algorithm {
                token: token.alg().to_string(),
                expected,
                keys_comparable: comparable.is_some(),
            });
        }
        if let Some(alg) = comparable {
            if !token.verifies_with_as(consumer.key, alg) {
                reasons.push(Rejection::Signature);
            }
        }
    }
    if let Some(exp) = token.exp() {
        if exp <= now {
            reasons.push(Rejection::Expired { exp });
        }
    }
    if let Some(nbf) = token.nbf() {
        if nbf > now {
            reasons.push(Rejection::NotYetValid { nbf });
        }
    }
    if let Some(expected) = consumer.iss {
        if token.iss() != Some(expected) {
            reasons.push(Rejection::Issuer {
                found: token.iss().map(str::to_string),
                expected: expected.to_string(),
            });
        }
    }
    if let Some(expected) = consumer.aud {
        let found = token.aud();
        if !found.contains(&expected) {
            reasons.push(Rejection::Audience {
                found: found.into_iter().map(str::to_string).collect(),
                expected: expected.to_string(),
            });
        }
    }
    reasons
}

/// The names of the keys that verify `token`'s signature (under its own `alg`), in the
/// order given: for "signed with another key — auth's key verifies it".
pub fn keys_that_verify<'n>(token: &Token, keys: &[(&'n str, &Key)]) -> Vec<&'n str> {
    keys.iter()
        .filter(|(_, key)| token.verifies_with(key))
        .map(|(name, _)| *name)
        .collect()
}

/// Signs a probe token as `issuer` and verifies it as `consumer` at time `now`; each reason
/// the consumer would reject it is one problem (`jwt-algorithm-mismatch`, `jwt-key-mismatch`,
/// `jwt-issuer-mismatch`, `jwt-audience-mismatch`), or `jwt-key-invalid` when the issuer's key
/// cannot sign. Empty means the consumer accepts the issuer's tokens. Messages name both
/// sides by their labels and hints say which side to change.
///
/// Signing dominates the cost for RSA: for several consumers of one issuer, mint once with
/// [`ProbeToken::mint`] and call [`ProbeToken::check`] per consumer.
pub fn probe(issuer: &Side<'_>, consumer: &Side<'_>, now: i64) -> Vec<Problem> {
    match ProbeToken::mint(issuer, now) {
        Ok(token) => token.check(issuer, consumer, now),
        Err(cannot_sign) => vec![cannot_sign.for_consumer(issuer.label, consumer.label)],
    }
}

/// A probe token minted by one issuer, to be checked at each of its consumers.
#[derive(Debug, Clone)]
pub struct ProbeToken {
    token: Token,
}

/// Why an issuer could not mint a probe token (`jwt-key-invalid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotSign {
    /// The issuer's key, described without material ("2048-bit RSA public key (SPKI)").
    pub key: String,
    /// The key holds no private part (as opposed to a key that failed to sign).
    pub public_only: bool,
    pub algorithm: Algorithm,
}

impl CannotSign {
    /// The problem to report for the pair `issuer` → `consumer`.
    pub fn for_consumer(&self, issuer: &str, consumer: &str) -> Problem {
        let (i, c) = (issuer, consumer);
        if self.public_only {
            Problem::new(
                Code::JwtKeyInvalid,
                format!(
                    "{i} cannot sign tokens: its key is a {} and an issuer signs with the private key",
                    self.key
                ),
            )
            .hint(format!(
                "give {i} the private key and {c} its public key (openssl pkey -in private.pem -pubout)"
            ))
        } else {
            Problem::new(
                Code::JwtKeyInvalid,
                format!(
                    "{i}'s key ({}) could not sign an {} token",
                    self.key, self.algorithm
                ),
            )
            .hint(format!("regenerate {i}'s key for {}", self.algorithm))
        }
    }
}

impl ProbeToken {
    /// Signs the probe token with the issuer's key and algorithm: `sub` "envgate-probe",
    /// `iat` now, `exp` [`PROBE_LIFETIME_SECONDS`] later, and the issuer's `iss` and `aud`.
    pub fn mint(issuer: &Side<'_>, now: i64) -> Result<ProbeToken, CannotSign> {
        let alg = issuer.key.algorithm();
        let cannot = |public_only: bool| CannotSign {
            key: issuer.key.describe(),
            public_only,
            algorithm: alg,
        };
        let signing = issuer.key.signing_key().ok_or_else(|| cannot(true))?;
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), "envgate-probe".into());
        claims.insert("iat".into(), now.into());
        claims.insert(
            "exp".into(),
            now.saturating_add(PROBE_LIFETIME_SECONDS).into(),
        );
        if let Some(iss) = issuer.iss {
            claims.insert("iss".into(), iss.into());
        }
        if let Some(aud) = issuer.aud {
            claims.insert("aud".into(), aud.into());
        }
        let header = jsonwebtoken::Header::new(alg.to_jsonwebtoken());
        jsonwebtoken::encode(&header, &claims, signing)
            .ok()
            .and_then(|text| Token::decode(&text).ok())
            .map(|token| ProbeToken { token })
            .ok_or_else(|| cannot(false))
    }

    /// Verifies the probe token as `consumer` would (see [`probe`]); `issuer` must be the
    /// side that minted it (its labels and keys word the problems).
    pub fn check(&self, issuer: &Side<'_>, consumer: &Side<'_>, now: i64) -> Vec<Problem> {
        acceptance(&self.token, consumer, now)
            .into_iter()
            .filter_map(|reason| probe_problem(&reason, issuer, consumer))
            .collect()
    }
}

/// A rejection of the probe token as a problem naming both sides.
fn probe_problem(reason: &Rejection, issuer: &Side<'_>, consumer: &Side<'_>) -> Option<Problem> {
    let (i, c) = (issuer.label, consumer.label);
    let (ia, ca) = (issuer.key.algorithm(), consumer.key.algorithm());
    let problem = match reason {
        Rejection::Algorithm { keys_comparable, .. } => {
            let message = if *keys_comparable {
                format!("{i} signs {ia} tokens but {c} verifies {ca}: {c} rejects every token {i} issues")
            } else {
                format!(
                    "{i} signs {ia} tokens with {} but {c} verifies {ca} with {}: {c} rejects every token {i} issues",
                    ia.key_kind(),
                    ca.key_kind()
                )
            };
            Problem::new(Code::JwtAlgorithmMismatch, message).hint(format!(
                "set the same algorithm on both sides: {c} to {ia}, or {i} to {ca}{}",
                if *keys_comparable { "" } else { ", with a key of that kind" }
            ))
        }
        Rejection::Signature => {
            if issuer.key.family() == Family::Hmac {
                Problem::new(
                    Code::JwtKeyMismatch,
                    format!("{c}'s secret differs from {i}'s: tokens {i} signs fail {c}'s signature check"),
                )
                .hint(format!("give {c} the same secret as {i} (`envgate explain` shows both fingerprints; the one that was rotated last is usually right)"))
            } else {
                let fingerprints = match (issuer.key.public_fingerprint(), consumer.key.public_fingerprint()) {
                    (Some(a), Some(b)) => format!(" (public keys {a} and {b})"),
                    _ => String::new(),
                };
                Problem::new(
                    Code::JwtKeyMismatch,
                    format!("{c}'s key is not the public half of {i}'s private key{fingerprints}: tokens {i} signs fail {c}'s signature check"),
                )
                .hint(format!("give {c} the public key of {i}'s private key: openssl pkey -in {i}-private.pem -pubout"))
            }
        }
        Rejection::Issuer { found, expected } => Problem::new(
            Code::JwtIssuerMismatch,
            match found {
                Some(found) => format!(
                    "{i} issues tokens with iss {} but {c} expects iss {}",
                    quoted(found, SHOWN_CHARS),
                    quoted(expected, SHOWN_CHARS)
                ),
                None => format!(
                    "{i} issues tokens without iss but {c} expects iss {}",
                    quoted(expected, SHOWN_CHARS)
                ),
            },
        )
        .hint(format!("make {c}'s expected issuer the iss {i} sets (or the other way round); they must match exactly, trailing slash included")),
        Rejection::Audience { found, expected } => Problem::new(
            Code::JwtAudienceMismatch,
            format!(
                "{i} issues tokens with {} but {c} expects aud {}",
                audiences(found),
                quoted(expected, SHOWN_CHARS)
            ),
        )
        .hint(format!("make {i}'s audience include {c}'s expected one, or change {c}'s expectation")),
        Rejection::Unsigned | Rejection::Expired { .. } | Rejection::NotYetValid { .. } => {
            return None
        }
    };
    Some(problem)
}

/// [`probe`] from raw values: parses both keys for their sides' algorithms first. A key that
/// does not parse is one `jwt-key-invalid` problem naming the service (its own finding says
/// more); a key that is only too short is still probed (its own finding reports the length).
pub fn probe_values(issuer: &SideValues<'_>, consumer: &SideValues<'_>, now: i64) -> Vec<Problem> {
    let parse = |side: &SideValues<'_>| -> Result<Key, Problem> {
        let parsed = Key::parse(side.key, side.algorithm, side.encoding);
        if let Some(key) = parsed.key {
            return Ok(key);
        }
        let why = parsed
            .problems
            .into_iter()
            .find(|p| p.code == Code::JwtKeyInvalid);
        let (message, hint) = why.map_or((String::from("cannot be used"), None), |p| {
            (p.message, p.hint)
        });
        Err(Problem {
            code: Code::JwtKeyInvalid,
            message: format!("{}'s key for {} {message}", side.label, side.algorithm),
            hint,
        })
    };
    let (issuer_key, consumer_key) = (parse(issuer), parse(consumer));
    match (issuer_key, consumer_key) {
        (Ok(ik), Ok(ck)) => probe(
            &Side {
                label: issuer.label,
                key: &ik,
                iss: issuer.iss,
                aud: issuer.aud,
            },
            &Side {
                label: consumer.label,
                key: &ck,
                iss: consumer.iss,
                aud: consumer.aud,
            },
            now,
        ),
        (ik, ck) => [ik.err(), ck.err()].into_iter().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::testkit::{assert_no_leak, fixture};

    const NOW: i64 = 1_796_000_000;
    const SECRET: &str = "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s";
    const ROTATED: &str = "Zq8wT2nV5xK9mR3pL7bY1cH6fJ0dS4gA";

    fn values<'a>(label: &'a str, key: &'a str, algorithm: Algorithm) -> SideValues<'a> {
        SideValues {
            label,
            key,
            encoding: SecretEncoding::Raw,
            algorithm,
            iss: None,
            aud: None,
        }
    }

    fn codes(problems: &[Problem]) -> Vec<Code> {
        problems.iter().map(|p| p.code).collect()
    }

    /// Every pair used below, as (issuer private key, consumer public key, other public key
    /// of the same kind, algorithm).
    fn pairs() -> Vec<(String, String, String, Algorithm)> {
        vec![
            (
                SECRET.to_string(),
                SECRET.to_string(),
                ROTATED.to_string(),
                Algorithm::HS256,
            ),
            (
                fixture("rsa1_private_pkcs8.pem"),
                fixture("rsa1_public_spki.pem"),
                fixture("rsa2_public_spki.pem"),
                Algorithm::RS256,
            ),
            (
                fixture("p256_private_sec1.pem"),
                fixture("p256_public_spki.pem"),
                fixture("p256_2_public_spki.pem"),
                Algorithm::ES256,
            ),
            (
                fixture("ed25519_1_private_pkcs8.pem"),
                fixture("ed25519_1_public_spki.pem"),
                fixture("ed25519_2_public_spki.pem"),
                Algorithm::EdDSA,
            ),
        ]
    }

    fn assert_no_leak_of_any(problems: &[Problem], values: &[&str]) {
        let text = format!("{problems:?}");
        for v in values {
            assert_no_leak(&text, v);
        }
    }

    #[test]
    fn consistent_pairs_verify_for_every_family() {
        for (private, public, _, alg) in pairs() {
            let issuer = SideValues {
                iss: Some("https://auth.example.com/"),
                aud: Some("backend"),
                ..values("auth", &private, alg)
            };
            let consumer = SideValues {
                iss: Some("https://auth.example.com/"),
                aud: Some("backend"),
                ..values("backend", &public, alg)
            };
            assert_eq!(probe_values(&issuer, &consumer, NOW), vec![], "{alg}");
            // a consumer may hold the same private key
            let same = SideValues {
                key: &private,
                ..consumer
            };
            assert_eq!(probe_values(&issuer, &same, NOW), vec![], "{alg}");
        }
        // PKCS#1 private to PKCS#1 public, P-384, PS256 with the same RSA pair
        for (private, public, alg) in [
            (
                "rsa2_private_pkcs1.pem",
                "rsa2_public_pkcs1.pem",
                Algorithm::RS512,
            ),
            (
                "rsa2_private_pkcs1.pem",
                "rsa2_public_spki.pem",
                Algorithm::PS256,
            ),
            (
                "p384_private_pkcs8.pem",
                "p384_public_spki.pem",
                Algorithm::ES384,
            ),
        ] {
            let (private, public) = (fixture(private), fixture(public));
            assert_eq!(
                probe_values(
                    &values("auth", &private, alg),
                    &values("ws", &public, alg),
                    NOW
                ),
                vec![],
                "{alg}"
            );
        }
    }

    #[test]
    fn key_mismatch_for_every_family() {
        for (private, _, other, alg) in pairs() {
            let problems = probe_values(
                &values("auth", &private, alg),
                &values("backend", &other, alg),
                NOW,
            );
            assert_eq!(codes(&problems), vec![Code::JwtKeyMismatch], "{alg}");
            assert_no_leak_of_any(&problems, &[&private, &other]);
        }
        let problems = probe_values(
            &values("auth", SECRET, Algorithm::HS256),
            &values("backend", ROTATED, Algorithm::HS256),
            NOW,
        );
        assert_eq!(problems[0].message, "backend's secret differs from auth's: tokens auth signs fail backend's signature check");
        // the 2048-bit pair whose consumer holds the public key of another pair
        let (a, b) = (
            fixture("rsa1_private_pkcs1.pem"),
            fixture("rsa2_public_pkcs1.pem"),
        );
        let problems = probe_values(
            &values("auth", &a, Algorithm::RS256),
            &values("backend", &b, Algorithm::RS256),
            NOW,
        );
        assert_eq!(codes(&problems), vec![Code::JwtKeyMismatch]);
        assert!(
            problems[0].message.starts_with(
                "backend's key is not the public half of auth's private key (public keys sha256:"
            ),
            "{}",
            problems[0].message
        );
        assert_eq!(problems[0].hint.as_deref(), Some("give backend the public key of auth's private key: openssl pkey -in auth-private.pem -pubout"));
    }

    #[test]
    fn algorithm_mismatch_for_every_family() {
        // each issuer against a consumer holding the right kind of key for another algorithm:
        // of the same family (HS512, PS256: the key is still compared, and matches), another
        // curve (ES384), another family (EdDSA vs HS256)
        let p384 = fixture("p384_public_spki.pem");
        for ((private, public, _, alg), (other_alg, consumer_key)) in pairs().into_iter().zip([
            (Algorithm::HS512, None),
            (Algorithm::PS256, None),
            (Algorithm::ES384, Some(p384.as_str())),
            (Algorithm::HS256, Some(SECRET)),
        ]) {
            let consumer_key = consumer_key.unwrap_or(&public);
            let problems = probe_values(
                &values("auth", &private, alg),
                &values("ws", consumer_key, other_alg),
                NOW,
            );
            assert_eq!(
                codes(&problems),
                vec![Code::JwtAlgorithmMismatch],
                "{alg} vs {other_alg}"
            );
            assert_no_leak_of_any(&problems, &[&private, consumer_key]);
        }
        let problems = probe_values(
            &values("auth", SECRET, Algorithm::HS256),
            &values("ws", SECRET, Algorithm::HS512),
            NOW,
        );
        assert_eq!(
            problems[0].message,
            "auth signs HS256 tokens but ws verifies HS512: ws rejects every token auth issues"
        );
        assert_eq!(
            problems[0].hint.as_deref(),
            Some("set the same algorithm on both sides: ws to HS256, or auth to HS512")
        );
        // algorithm and key both wrong, same family: both reported
        let problems = probe_values(
            &values("auth", SECRET, Algorithm::HS256),
            &values("ws", ROTATED, Algorithm::HS384),
            NOW,
        );
        assert_eq!(
            codes(&problems),
            vec![Code::JwtAlgorithmMismatch, Code::JwtKeyMismatch]
        );
        // another family
        let public = fixture("rsa1_public_spki.pem");
        let problems = probe_values(
            &values("auth", SECRET, Algorithm::HS256),
            &values("ws", &public, Algorithm::RS256),
            NOW,
        );
        assert_eq!(codes(&problems), vec![Code::JwtAlgorithmMismatch]);
        assert_eq!(problems[0].message, "auth signs HS256 tokens with an HMAC secret but ws verifies RS256 with an RSA key: ws rejects every token auth issues");
    }

    #[test]
    fn issuer_and_audience_mismatch_for_every_family() {
        for (private, public, _, alg) in pairs() {
            let issuer = SideValues {
                iss: Some("https://auth.example.com/v1"),
                aud: Some("backend"),
                ..values("auth", &private, alg)
            };
            let consumer = SideValues {
                iss: Some("https://auth.example.com/v2"),
                aud: Some("websocket"),
                ..values("ws", &public, alg)
            };
            let problems = probe_values(&issuer, &consumer, NOW);
            assert_eq!(
                codes(&problems),
                vec![Code::JwtIssuerMismatch, Code::JwtAudienceMismatch],
                "{alg}"
            );
            assert_eq!(problems[0].message, "auth issues tokens with iss \"https://auth.example.com/v1\" but ws expects iss \"https://auth.example.com/v2\"");
            assert_eq!(
                problems[1].message,
                "auth issues tokens with aud \"backend\" but ws expects aud \"websocket\""
            );
            assert_no_leak_of_any(&problems, &[&private, &public]);
        }
        let problems = probe_values(
            &values("auth", SECRET, Algorithm::HS256),
            &SideValues {
                iss: Some("auth"),
                aud: Some("api"),
                ..values("ws", SECRET, Algorithm::HS256)
            },
            NOW,
        );
        assert_eq!(
            problems[0].message,
            "auth issues tokens without iss but ws expects iss \"auth\""
        );
        assert_eq!(
            problems[1].message,
            "auth issues tokens with no aud but ws expects aud \"api\""
        );
    }

    #[test]
    fn invalid_keys_are_jwt_key_invalid_naming_the_service() {
        let public = fixture("rsa1_public_spki.pem");
        let private = fixture("rsa1_private_pkcs8.pem");
        // an issuer holding only the public key cannot sign
        let problems = probe_values(
            &values("auth", &public, Algorithm::RS256),
            &values("api", &public, Algorithm::RS256),
            NOW,
        );
        assert_eq!(codes(&problems), vec![Code::JwtKeyInvalid]);
        assert_eq!(problems[0].message, "auth cannot sign tokens: its key is a 2048-bit RSA public key (SPKI) and an issuer signs with the private key");
        // a consumer whose key is not a key for its algorithm
        let ec = fixture("p256_public_spki.pem");
        let problems = probe_values(
            &values("auth", &private, Algorithm::RS256),
            &values("api", &ec, Algorithm::RS256),
            NOW,
        );
        assert_eq!(codes(&problems), vec![Code::JwtKeyInvalid]);
        assert_eq!(problems[0].message, "api's key for RS256 is an EC key on P-256 (BEGIN PUBLIC KEY), but RS256 needs an RSA key");
        // a token pasted as the issuer's secret
        let token = fixture("rfc7515_a1_hs256.jwt");
        let problems = probe_values(
            &values("auth", token.trim(), Algorithm::HS256),
            &values("api", SECRET, Algorithm::HS256),
            NOW,
        );
        assert_eq!(codes(&problems), vec![Code::JwtKeyInvalid]);
        assert!(problems[0]
            .message
            .contains("a token was pasted where the signing key belongs"));
        assert_no_leak_of_any(&problems, &[&token, &private, &ec]);
        // too short keys still probe: RSA 1024 with its own public key verifies
        let (small, small_pub) = (
            fixture("rsa1024_private_pkcs8.pem"),
            fixture("rsa1024_public_spki.pem"),
        );
        assert_eq!(
            probe_values(
                &values("auth", &small, Algorithm::RS256),
                &values("api", &small_pub, Algorithm::RS256),
                NOW
            ),
            vec![]
        );
    }

    #[test]
    fn one_minted_probe_checks_every_consumer_like_probe_does() {
        let private = Key::parse(
            &fixture("rsa1_private_pkcs8.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let good = Key::parse(
            &fixture("rsa1_public_spki.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let other = Key::parse(
            &fixture("rsa2_public_spki.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let issuer = Side {
            label: "auth",
            key: &private,
            iss: Some("auth"),
            aud: None,
        };
        let minted = ProbeToken::mint(&issuer, NOW).unwrap();
        for (consumer_key, iss) in [
            (&good, Some("auth")),
            (&other, Some("auth")),
            (&good, Some("other")),
            (&private, None),
        ] {
            let consumer = Side {
                label: "api",
                key: consumer_key,
                iss,
                aud: None,
            };
            assert_eq!(
                minted.check(&issuer, &consumer, NOW),
                probe(&issuer, &consumer, NOW)
            );
        }
        let public_issuer = Side {
            key: &good,
            ..issuer
        };
        let cannot = ProbeToken::mint(&public_issuer, NOW).unwrap_err();
        assert!(cannot.public_only);
        assert_eq!(cannot.for_consumer("auth", "api").code, Code::JwtKeyInvalid);
    }

    #[test]
    fn base64url_keys_with_and_without_padding_agree() {
        let bytes: Vec<u8> = (0u8..32)
            .map(|i| i.wrapping_mul(29).wrapping_add(200))
            .collect();
        let padded = data_encoding::BASE64URL.encode(&bytes);
        assert!(padded.ends_with('='));
        let bare = padded.trim_end_matches('=').to_string();
        let issuer = SideValues {
            encoding: SecretEncoding::Base64Url,
            ..values("auth", &padded, Algorithm::HS256)
        };
        let consumer = SideValues {
            encoding: SecretEncoding::Base64Url,
            ..values("ws", &bare, Algorithm::HS256)
        };
        assert_eq!(probe_values(&issuer, &consumer, NOW), vec![]);
        // the same text read raw by one side is another secret
        let raw = SideValues {
            encoding: SecretEncoding::Raw,
            ..consumer
        };
        assert_eq!(
            codes(&probe_values(&issuer, &raw, NOW)),
            vec![Code::JwtKeyMismatch]
        );
    }

    #[test]
    fn a_pasted_token_is_judged_per_consumer_with_every_reason() {
        let auth_key = Key::parse(SECRET, Algorithm::HS256, SecretEncoding::Raw)
            .key
            .unwrap();
        let old_key = Key::parse(ROTATED, Algorithm::HS256, SecretEncoding::Raw)
            .key
            .unwrap();
        let rs_key = Key::parse(
            &fixture("rsa1_public_spki.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        // signed by `old_key`, expired, wrong iss and aud
        let mut claims = serde_json::Map::new();
        claims.insert("iss".into(), "auth-v1".into());
        claims.insert("aud".into(), serde_json::json!(["web", "mobile"]));
        claims.insert("exp".into(), (NOW - 3600).into());
        let text = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            old_key.signing_key().unwrap(),
        )
        .unwrap();
        let token = Token::decode(&text).unwrap();
        let backend = Side {
            label: "backend",
            key: &auth_key,
            iss: Some("auth-v2"),
            aud: Some("api"),
        };
        let reasons = acceptance(&token, &backend, NOW);
        assert_eq!(
            reasons.iter().map(Rejection::code).collect::<Vec<_>>(),
            vec![
                Code::JwtKeyMismatch,
                Code::JwtExpired,
                Code::JwtIssuerMismatch,
                Code::JwtAudienceMismatch
            ]
        );
        let texts: Vec<String> = reasons.iter().map(|r| r.describe("backend", NOW)).collect();
        assert_eq!(texts, vec![
            "the signature does not verify with backend's key: the token was signed with another key".to_string(),
            "the token expired 60 minutes ago (exp 2026-11-29T23:53:20Z)".to_string(),
            "backend expects iss \"auth-v2\" but the token has iss \"auth-v1\"".to_string(),
            "backend expects aud \"api\" but the token has aud [\"web\", \"mobile\"]".to_string(),
        ]);
        let gateway = Side {
            label: "gateway",
            key: &rs_key,
            iss: None,
            aud: None,
        };
        let reasons = acceptance(&token, &gateway, NOW - 7200);
        assert_eq!(
            reasons,
            vec![Rejection::Algorithm {
                token: "HS256".into(),
                expected: Algorithm::RS256,
                keys_comparable: false
            }]
        );
        assert_eq!(
            reasons[0].describe("gateway", NOW),
            "gateway verifies RS256 but the token is signed with \"HS256\""
        );
        // which key does verify it
        assert_eq!(
            keys_that_verify(
                &token,
                &[
                    ("auth", &auth_key),
                    ("gateway", &rs_key),
                    ("legacy", &old_key)
                ]
            ),
            vec!["legacy"]
        );
        assert_no_leak(&format!("{texts:?}"), &text);
        // unsigned
        let none = Token::decode(&fixture("rfc7515_a5_none.jwt")).unwrap();
        assert_eq!(
            acceptance(
                &none,
                &Side {
                    label: "x",
                    key: &auth_key,
                    iss: None,
                    aud: None
                },
                0
            ),
            vec![Rejection::Unsigned]
        );
    }
}
