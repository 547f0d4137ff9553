//! JWTs as configuration values (API keys, anon keys, CI tokens): decoded without trusting
//! them, within a size bound, and checked the way a service would (algorithm, time claims,
//! claims, signature), every check running and reporting.

use super::algorithm::Algorithm;
use super::key::Key;
use super::{date, quoted, span, Problem};
use crate::rules::Code;
use serde_json::{Map, Value};
use std::fmt;

/// Tokens longer than this are not decoded (`jwt-malformed` says so). Real tokens are a few
/// hundred bytes to a few KiB; HTTP servers commonly cap a header at 8 to 16 KiB.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// Claim and header values quoted in messages are cut to this many characters.
const SHOWN_CHARS: usize = 80;

/// A decoded JWT. Nothing in it is trusted until [`Token::verifies_with`] says so.
///
/// `Debug` shows the algorithm, the claim names and the length; never the token, its
/// signature or claim values.
#[derive(Clone)]
pub struct Token {
    text: String,
    /// Byte offset of the second `.`: the signing input is `text[..signing_input_end]`.
    signing_input_end: usize,
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.claims.keys().map(String::as_str).collect();
        write!(
            f,
            "Token(alg {:?}, claims {names:?}, {} chars)",
            self.alg(),
            self.text.len()
        )
    }
}

fn malformed(message: impl Into<String>) -> Problem {
    Problem::new(Code::JwtMalformed, message)
}

/// The three parts of a compact JWS, split without decoding.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    signing_input_end: usize,
}

const PART_NAMES: [&str; 3] = ["header", "payload", "signature"];

fn split(text: &str) -> Result<Parts<'_>, Problem> {
    let dots = text.bytes().filter(|b| *b == b'.').count();
    if dots != 2 {
        let parts = dots + 1;
        let message = if parts == 5 {
            String::from("has 5 parts: an encrypted token (JWE), which envgate cannot read; a signed JWT has three (header.payload.signature)")
        } else {
            format!(
                "has {parts} part{} separated by dots; a JWT has three (header.payload.signature)",
                if parts == 1 { "" } else { "s" }
            )
        };
        return Err(malformed(message).hint(if parts < 3 {
            "copy the whole token: it looks cut off"
        } else {
            "copy exactly one token"
        }));
    }
    let mut pieces = text.splitn(3, '.');
    let header = pieces.next().unwrap_or_default();
    let payload = pieces.next().unwrap_or_default();
    let signature = pieces.next().unwrap_or_default();
    Ok(Parts {
        header,
        payload,
        signature,
        signing_input_end: header.len() + 1 + payload.len(),
    })
}

/// Decodes one base64url part (no padding, as RFC 7515 requires).
fn decode_part(part: &str, index: usize) -> Result<Vec<u8>, Problem> {
    let name = PART_NAMES[index];
    if part.is_empty() {
        return Err(malformed(format!("has an empty {name} part"))
            .hint("copy the whole token: it looks cut off"));
    }
    data_encoding::BASE64URL_NOPAD
        .decode(part.as_bytes())
        .map_err(|e| {
            let why = match e.kind {
                data_encoding::DecodeKind::Length => format!(
                    "its length ({} characters) cannot be base64url: was the token cut off?",
                    part.len()
                ),
                _ if part.as_bytes().get(e.position) == Some(&b'=') => {
                    String::from("it has `=` padding, which JWT parts never have")
                }
                _ => format!(
                    "character {} is not in the base64url alphabet",
                    e.position + 1
                ),
            };
            malformed(format!("has a {name} part that is not base64url: {why}"))
        })
}

/// Parses a decoded header or payload as a JSON object (whitespace and line breaks between
/// members are valid JSON).
fn json_object(bytes: &[u8], index: usize) -> Result<Map<String, Value>, Problem> {
    let name = PART_NAMES[index];
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(format!(
            "has a {name} that is JSON but not an object"
        ))),
        Err(e) if e.is_eof() => Err(malformed(format!(
            "has a {name} that is not JSON: it ends early (was the token cut off?)"
        ))),
        Err(_) => Err(malformed(format!("has a {name} that is not JSON"))),
    }
}

/// Whether `value` is shaped like a JWT: three dot-separated base64url parts whose first
/// decodes to a JSON object with `alg`. Used to tell that a token was pasted where a key
/// belongs.
pub(crate) fn looks_like_token(value: &str) -> bool {
    let text = value.trim();
    let text = text.strip_prefix("Bearer ").unwrap_or(text);
    if text.len() > MAX_TOKEN_BYTES || text.contains(char::is_whitespace) {
        return false;
    }
    let Ok(parts) = split(text) else {
        return false;
    };
    decode_part(parts.header, 0)
        .and_then(|h| json_object(&h, 0))
        .is_ok_and(|h| h.contains_key("alg"))
}

/// A `NumericDate` claim, when present: a JSON number of seconds (fractions are cut).
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, Problem> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        // Out-of-range dates are clamped, as a service comparing `u64`s would see them.
        Some(Value::Number(n)) => Ok(Some(
            n.as_i64()
                .or_else(|| n.as_u64().map(|_| i64::MAX))
                .or_else(|| {
                    #[allow(clippy::cast_possible_truncation)]
                    n.as_f64()
                        .filter(|f| f.is_finite())
                        .map(|f| f.floor().clamp(-9.0e18, 9.0e18) as i64)
                })
                .unwrap_or(i64::MAX),
        )),
        Some(_) => Err(malformed(format!(
            "has a payload whose `{name}` is not a number (a JWT date is seconds since 1970)"
        ))),
    }
}

impl Token {
    /// Decodes a compact JWT without verifying it: at most [`MAX_TOKEN_BYTES`], three
    /// base64url parts, a JSON object header with a string `alg`, a JSON object payload whose
    /// `exp`/`nbf`/`iat` are numbers, `iss` a string and `aud` a string or strings. Blanks
    /// around the value are ignored (the hygiene checks report them). The problem, if any, is
    /// `jwt-malformed` and names the part.
    pub fn decode(value: &str) -> Result<Token, Problem> {
        let text = value.trim();
        if text.len() > MAX_TOKEN_BYTES {
            return Err(malformed(format!(
                "is {} bytes long, over the {} KiB envgate decodes for a token: not decoded",
                text.len(),
                MAX_TOKEN_BYTES / 1024
            )));
        }
        if text.is_empty() {
            return Err(malformed("is empty"));
        }
        if let Some(rest) = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
        {
            if split(rest.trim()).is_ok() {
                return Err(malformed("starts with `Bearer `: that is the HTTP header's scheme, not part of the token")
                    .hint("set the variable to the token alone"));
            }
        }
        let parts = split(text)?;
        let header = json_object(&decode_part(parts.header, 0)?, 0)?;
        let claims = json_object(&decode_part(parts.payload, 1)?, 1)?;
        match header.get("alg") {
            Some(Value::String(_)) => {}
            Some(_) => return Err(malformed("has a header whose `alg` is not a string")),
            None => return Err(malformed("has a header without `alg`")),
        }
        let is_none = header
            .get("alg")
            .and_then(Value::as_str)
            .is_some_and(|a| a.eq_ignore_ascii_case("none"));
        if !is_none {
            decode_part(parts.signature, 2)?;
        }
        for name in ["exp", "nbf", "iat"] {
            numeric_date(&claims, name)?;
        }
        match claims.get("iss") {
            None | Some(Value::String(_)) => {}
            Some(_) => return Err(malformed("has a payload whose `iss` is not a string")),
        }
        match claims.get("aud") {
            None | Some(Value::String(_)) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
            Some(_) => {
                return Err(malformed(
                    "has a payload whose `aud` is neither a string nor an array of strings",
                ))
            }
        }
        Ok(Token {
            signing_input_end: parts.signing_input_end,
            text: text.to_string(),
            header,
            claims,
        })
    }

    /// The header's `alg` as written (may be `none` or a name envgate does not know).
    pub fn alg(&self) -> &str {
        self.header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The header's `alg` when it is an algorithm envgate verifies.
    pub fn algorithm(&self) -> Option<Algorithm> {
        // exact JOSE names only: a service compares them case-sensitively
        Algorithm::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == self.alg())
    }

    /// Whether the token is unsigned (`alg: none`, any case).
    pub fn is_unsigned(&self) -> bool {
        self.alg().eq_ignore_ascii_case("none")
    }

    /// The header's `kid` (key id), when it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The header's `typ`, when it is a string.
    pub fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// The `iss` (issuer) claim.
    pub fn iss(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// The audiences: `aud` as a string is one, as an array many.
    pub fn aud(&self) -> Vec<&str> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The `exp` (expiry) claim, Unix seconds.
    pub fn exp(&self) -> Option<i64> {
        numeric_date(&self.claims, "exp").ok().flatten()
    }

    /// The `nbf` (not before) claim, Unix seconds.
    pub fn nbf(&self) -> Option<i64> {
        numeric_date(&self.claims, "nbf").ok().flatten()
    }

    /// The `iat` (issued at) claim, Unix seconds.
    pub fn iat(&self) -> Option<i64> {
        numeric_date(&self.claims, "iat").ok().flatten()
    }

    /// Any claim by name (including the registered ones above).
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }

    /// Every claim's name, in the token's order.
    pub fn claim_names(&self) -> impl Iterator<Item = &str> {
        self.claims.keys().map(String::as_str)
    }

    /// The token's length in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Never true for a decoded token (for `len`'s sake).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether `key` verifies the signature under the token's own `alg` (which must be an
    /// algorithm of the key's family, and curve for EC). An unsigned token never verifies.
    pub fn verifies_with(&self, key: &Key) -> bool {
        self.algorithm()
            .is_some_and(|alg| self.verifies_with_as(key, alg))
    }

    /// Whether `key` verifies the signature when the verifier uses `algorithm` whatever the
    /// header says (what a service configured for one algorithm does).
    pub(crate) fn verifies_with_as(&self, key: &Key, algorithm: Algorithm) -> bool {
        if self.is_unsigned() || algorithm.family() != key.family() {
            return false;
        }
        if algorithm.curve().is_some() && algorithm.curve() != key.curve() {
            return false;
        }
        verify_signature(&self.text, self.signing_input_end, key, algorithm)
    }
}

fn verify_signature(text: &str, signing_input_end: usize, key: &Key, algorithm: Algorithm) -> bool {
    let (Some(message), Some(signature)) = (
        text.get(..signing_input_end),
        text.get(signing_input_end + 1..),
    ) else {
        return false;
    };
    jsonwebtoken::crypto::verify(
        signature,
        message.as_bytes(),
        key.verifying_key(),
        algorithm.to_jsonwebtoken(),
    )
    .unwrap_or(false)
}

/// Verifies a compact JWS whose payload need not be JSON (RFC 8037's example signs a text):
/// the header's `alg` must be `key`'s algorithm family. For JWTs use [`Token::verifies_with`].
pub fn jws_verifies_with(compact: &str, key: &Key) -> bool {
    let text = compact.trim();
    if text.len() > MAX_TOKEN_BYTES {
        return false;
    }
    let Ok(parts) = split(text) else {
        return false;
    };
    let Ok(header) = decode_part(parts.header, 0).and_then(|h| json_object(&h, 0)) else {
        return false;
    };
    let Some(alg) = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|a| Algorithm::ALL.iter().copied().find(|x| x.as_str() == a))
    else {
        return false;
    };
    if alg.family() != key.family() || (alg.curve().is_some() && alg.curve() != key.curve()) {
        return false;
    }
    let _ = parts.signature;
    verify_signature(text, parts.signing_input_end, key, alg)
}

/// What a `jwt` variable's schema asks of its token.
#[derive(Debug, Clone, Default)]
pub struct TokenRules<'a> {
    /// The time to check against, in Unix seconds.
    pub now: i64,
    /// The algorithms the token may use (`algorithms`); empty allows any envgate verifies.
    /// `none` is never allowed.
    pub algorithms: &'a [Algorithm],
    /// Warn (`jwt-expires-soon`) when the token expires within this many seconds.
    pub expires_within: Option<u64>,
    /// Claims that must be present with exactly these values (`claims`).
    pub claims: &'a [(String, Value)],
    /// The key that must verify the signature (`signed_by`), and what to call it in
    /// messages (the variable, e.g. `JWT_SECRET` or `auth.JWT_SECRET`).
    pub signed_by: Option<(&'a str, &'a Key)>,
}

/// The result of [`check_token`]: the decoded token when it decodes, and every problem.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    pub token: Option<Token>,
    pub problems: Vec<Problem>,
}

/// Secrets published in setup guides and tutorials that tokens are found signed with: the
/// example values envgate's placeholder check knows, plus JWT-specific ones (jwt.io's
/// defaults, RFC 7515's example HMAC key).
fn published_secrets() -> impl Iterator<Item = Vec<u8>> {
    const JWT_EXAMPLES: &[&str] = &[
        "your-256-bit-secret",
        "your-384-bit-secret",
        "your-512-bit-secret",
        "secretkey",
        "changeme",
        "supersecret",
    ];
    // RFC 7515 appendix A.1's HMAC key, base64url.
    const RFC7515_A1_KEY: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    crate::rules::hygiene::PUBLISHED_VALUES
        .iter()
        .chain(crate::rules::hygiene::PLACEHOLDER_EXACT)
        .chain(JWT_EXAMPLES)
        .map(|s| s.as_bytes().to_vec())
        .chain(
            data_encoding::BASE64URL_NOPAD
                .decode(RFC7515_A1_KEY.as_bytes())
                .ok(),
        )
}

/// Whether an HMAC-signed token verifies with a published example secret.
fn signed_with_published_secret(token: &Token) -> bool {
    let Some(alg) = token.algorithm().filter(|a| a.min_hmac_bytes().is_some()) else {
        return false;
    };
    published_secrets().any(|secret| {
        let Ok(verifying) = jsonwebtoken::DecodingKey::from_secret(&secret) else {
            return false;
        };
        let (Some(message), Some(signature)) = (
            token.text.get(..token.signing_input_end),
            token.text.get(token.signing_input_end + 1..),
        ) else {
            return false;
        };
        jsonwebtoken::crypto::verify(
            signature,
            message.as_bytes(),
            &verifying,
            alg.to_jsonwebtoken(),
        )
        .unwrap_or(false)
    })
}

/// A time claim relative to `now`: "in 3 days", "12 days ago" (for `explain` and messages;
/// pair it with [`super::date`] for the absolute date).
pub fn describe_time(claim_seconds: i64, now: i64) -> String {
    let delta = claim_seconds.saturating_sub(now);
    if delta >= 0 {
        format!("in {}", span(delta.unsigned_abs()))
    } else {
        format!("{} ago", span(delta.unsigned_abs()))
    }
}

/// Checks a `jwt` value: decodes it ([`Token::decode`]; a malformed token stops there), then
/// runs every check and reports each failure: `alg: none` or an `alg` outside `algorithms`
/// (`jwt-algorithm-not-allowed`), `exp` passed (`jwt-expired`) or close (`jwt-expires-soon`),
/// `nbf` ahead (`jwt-not-yet-valid`), claim values (`jwt-claim-mismatch`), the signature
/// with `signed_by` (`jwt-signature-invalid`), and a signature by a published example secret
/// (`placeholder`). An expired token still has its signature and claims checked.
pub fn check_token(value: &str, rules: &TokenRules<'_>) -> TokenCheck {
    let token = match Token::decode(value) {
        Ok(token) => token,
        Err(problem) => {
            return TokenCheck {
                token: None,
                problems: vec![problem],
            }
        }
    };
    let mut problems = Vec::new();
    let now = rules.now;

    if token.is_unsigned() {
        problems.push(
            Problem::new(
                Code::JwtAlgorithmNotAllowed,
                "is unsigned (`alg: none`): anyone can forge a token like it",
            )
            .hint("mint a signed token; services must reject `alg: none`"),
        );
    } else {
        match token.algorithm() {
            None => problems.push(Problem::new(
                Code::JwtAlgorithmNotAllowed,
                format!(
                    "uses `alg` {}, which is not an algorithm envgate verifies ({})",
                    quoted(token.alg(), 20),
                    Algorithm::names()
                ),
            )),
            Some(alg) if !rules.algorithms.is_empty() && !rules.algorithms.contains(&alg) => {
                let allowed: Vec<&str> = rules.algorithms.iter().map(|a| a.as_str()).collect();
                problems.push(
                    Problem::new(
                        Code::JwtAlgorithmNotAllowed,
                        format!(
                            "is signed with {alg}, but only {} {} allowed (`algorithms`)",
                            allowed.join(", "),
                            if allowed.len() == 1 { "is" } else { "are" }
                        ),
                    )
                    .hint(
                        "mint the token with an allowed algorithm, or add this one to `algorithms`",
                    ),
                );
            }
            Some(_) => {}
        }
    }

    if let Some(exp) = token.exp() {
        if exp <= now {
            problems.push(
                Problem::new(
                    Code::JwtExpired,
                    format!("expired {} (exp {})", describe_time(exp, now), date(exp)),
                )
                .hint("mint a new token"),
            );
        } else if let Some(within) = rules.expires_within {
            if exp.saturating_sub(now).unsigned_abs() <= within {
                problems.push(
                    Problem::new(
                        Code::JwtExpiresSoon,
                        format!(
                            "expires {} (exp {}), within the {} `expires_within` warns about",
                            describe_time(exp, now),
                            date(exp),
                            span(within)
                        ),
                    )
                    .hint("mint a new token before it expires"),
                );
            }
        }
    }
    if let Some(nbf) = token.nbf() {
        if nbf > now {
            problems.push(
                Problem::new(Code::JwtNotYetValid, format!("is not valid yet: not before {} ({})", date(nbf), describe_time(nbf, now)))
                    .hint("services reject it until then: check the clock of the machine that minted it, or mint it without a future `nbf`"),
            );
        }
    }

    for (name, expected) in rules.claims {
        match token.claim(name) {
            Some(found) if found == expected => {}
            Some(found) => problems.push(
                Problem::new(
                    Code::JwtClaimMismatch,
                    format!(
                        "has claim `{name}` = {}, expected {}",
                        show_value(found),
                        show_value(expected)
                    ),
                )
                .hint("use the token minted for this purpose, or correct `claims` in the schema"),
            ),
            None => problems.push(
                Problem::new(
                    Code::JwtClaimMismatch,
                    format!("has no `{name}` claim, expected {}", show_value(expected)),
                )
                .hint("use the token minted for this purpose, or correct `claims` in the schema"),
            ),
        }
    }

    if let Some((label, key)) = rules.signed_by {
        if !token.is_unsigned() {
            match token.algorithm() {
                Some(alg) if alg.family() == key.family() => {
                    if !token.verifies_with_as(key, alg) {
                        problems.push(
                            Problem::new(
                                Code::JwtSignatureInvalid,
                                format!("has a signature that does not verify with {label} ({alg}): it was signed with another key"),
                            )
                            .hint(format!("mint the token again with the key in {label}, or point `signed_by` at the key that signed it")),
                        );
                    }
                }
                _ => problems.push(
                    Problem::new(
                        Code::JwtSignatureInvalid,
                        format!(
                            "is signed with {}, which {label} ({} for {}) cannot verify",
                            quoted(token.alg(), 20),
                            key.describe(),
                            key.algorithm()
                        ),
                    )
                    .hint(format!(
                        "mint the token with {}, or point `signed_by` at the key that signed it",
                        key.algorithm()
                    )),
                ),
            }
        }
    }

    if signed_with_published_secret(&token) {
        problems.push(
            Problem::new(
                Code::Placeholder,
                "is signed with a published example secret (from a self-hosting guide, jwt.io or an RFC): anyone can mint tokens like it",
            )
            .hint("choose your own secret, mint the token again with it, and rotate the secret everywhere it was deployed"),
        );
    }

    TokenCheck {
        token: Some(token),
        problems,
    }
}

/// A claim value for a message: strings and scalars quoted and capped; objects and arrays by
/// their kind.
pub(crate) fn show_value(value: &Value) -> String {
    match value {
        Value::String(s) => quoted(s, SHOWN_CHARS),
        Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::Object(_) => String::from("an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::key::SecretEncoding;
    use crate::jwt::testkit::{assert_no_leak, fixture};

    const NOW: i64 = 1_796_000_000; // 2026-11-30T00:53:20Z
    const SECRET: &str = "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s";

    fn b64(json: &str) -> String {
        data_encoding::BASE64URL_NOPAD.encode(json.as_bytes())
    }

    /// A token signed with an HS256 `secret`, from header and payload JSON as written.
    fn hs256(header: &str, payload: &str, secret: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).unwrap();
        let sig =
            jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
                .unwrap();
        format!("{input}.{sig}")
    }

    fn key(secret: &str) -> Key {
        Key::parse(secret, Algorithm::HS256, SecretEncoding::Raw)
            .key
            .unwrap()
    }

    fn codes(check: &TokenCheck) -> Vec<Code> {
        check.problems.iter().map(|p| p.code).collect()
    }

    fn rules(now: i64) -> TokenRules<'static> {
        TokenRules {
            now,
            ..TokenRules::default()
        }
    }

    #[test]
    fn decodes_the_view_with_pretty_printed_json_parts() {
        let token = hs256(
            "{\n  \"alg\": \"HS256\",\n  \"typ\": \"JWT\",\n  \"kid\": \"2026-11\"\n}",
            "{\n  \"iss\": \"https://auth.example.com\",\n  \"aud\": [\"backend\", \"ws\"],\n  \"exp\": 1796086400,\n  \"nbf\": 1795000000.5,\n  \"iat\": 1795000000,\n  \"role\": \"anon\"\n}",
            SECRET,
        );
        let t = Token::decode(&token).unwrap();
        assert_eq!(t.alg(), "HS256");
        assert_eq!(t.algorithm(), Some(Algorithm::HS256));
        assert_eq!(t.kid(), Some("2026-11"));
        assert_eq!(t.typ(), Some("JWT"));
        assert_eq!(t.iss(), Some("https://auth.example.com"));
        assert_eq!(t.aud(), vec!["backend", "ws"]);
        assert_eq!(t.exp(), Some(1_796_086_400));
        assert_eq!(t.nbf(), Some(1_795_000_000));
        assert_eq!(t.iat(), Some(1_795_000_000));
        assert_eq!(t.claim("role"), Some(&Value::String("anon".into())));
        assert!(t.verifies_with(&key(SECRET)));
        let check = check_token(
            &token,
            &TokenRules {
                signed_by: Some(("JWT_SECRET", &key(SECRET))),
                ..rules(NOW)
            },
        );
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_no_leak(&format!("{t:?}"), &token);
        let single = hs256(r#"{"alg":"HS256"}"#, r#"{"aud":"backend"}"#, SECRET);
        assert_eq!(Token::decode(&single).unwrap().aud(), vec!["backend"]);
    }

    #[test]
    fn malformed_tokens_name_the_part_and_why() {
        let good = hs256(
            r#"{"alg":"HS256"}"#,
            r#"{"sub":"x","exp":1796086400}"#,
            SECRET,
        );
        let (h, rest) = good.split_once('.').unwrap();
        let (p, s) = rest.split_once('.').unwrap();
        for (value, message) in [
            (format!("{h}.{p}"), "has 2 parts separated by dots; a JWT has three (header.payload.signature)"),
            (format!("{h}.{p}."), "has an empty signature part"),
            (good[..good.len() - s.len() - 10].to_string(), "has 2 parts separated by dots; a JWT has three (header.payload.signature)"),
            (format!("{h}.{}.{s}", &p[..p.len() - 3]), "has a payload that is not JSON: it ends early (was the token cut off?)"),
            (format!("{h}.{}.{s}", &p[..p.len() - 1]), "has a payload part that is not base64url: its length (37 characters) cannot be base64url: was the token cut off?"),
            (format!("{}.{p}.{s}", b64("not json")), "has a header that is not JSON"),
            (format!("{}.{p}.{s}", b64("[1]")), "has a header that is JSON but not an object"),
            (format!("{}.{p}.{s}", b64("{\"typ\":\"JWT\"}")), "has a header without `alg`"),
            (format!("{h}.{}.{s}", b64("{\"exp\":\"tomorrow\"}")), "has a payload whose `exp` is not a number (a JWT date is seconds since 1970)"),
            (format!("{h}.{}.{s}", b64("{\"aud\":7}")), "has a payload whose `aud` is neither a string nor an array of strings"),
            (format!("{h}.{p}=.{s}"), "has a payload part that is not base64url: it has `=` padding, which JWT parts never have"),
            (format!("{h}.{p}.{s}.a.b"), "has 5 parts: an encrypted token (JWE), which envgate cannot read; a signed JWT has three (header.payload.signature)"),
            (format!("Bearer {good}"), "starts with `Bearer `: that is the HTTP header's scheme, not part of the token"),
            ("a".repeat(MAX_TOKEN_BYTES + 1), "is 65537 bytes long, over the 64 KiB envgate decodes for a token: not decoded"),
        ] {
            let check = check_token(&value, &rules(NOW));
            assert_eq!(codes(&check), vec![Code::JwtMalformed], "{value}");
            assert_eq!(check.problems[0].message, message);
            assert_no_leak(&format!("{:?}", check.problems), &value);
        }
    }

    #[test]
    fn an_expired_token_with_a_wrong_signature_reports_both() {
        let token = hs256(
            r#"{"alg":"HS256"}"#,
            r#"{"exp":1795000000,"role":"service_role"}"#,
            "another-secret-another-secret-xx",
        );
        let expected = vec![("role".to_string(), Value::String("anon".into()))];
        let k = key(SECRET);
        let check = check_token(
            &token,
            &TokenRules {
                claims: &expected,
                signed_by: Some(("JWT_SECRET", &k)),
                ..rules(NOW)
            },
        );
        assert_eq!(
            codes(&check),
            vec![
                Code::JwtExpired,
                Code::JwtClaimMismatch,
                Code::JwtSignatureInvalid
            ]
        );
        assert_eq!(
            check.problems[0].message,
            "expired 11 days ago (exp 2026-11-18T11:06:40Z)"
        );
        assert_eq!(
            check.problems[1].message,
            "has claim `role` = \"service_role\", expected \"anon\""
        );
        assert_eq!(check.problems[2].message, "has a signature that does not verify with JWT_SECRET (HS256): it was signed with another key");
        for p in &check.problems {
            assert_no_leak(&format!("{p:?}"), &token);
            assert_no_leak(&format!("{p:?}"), SECRET);
        }
    }

    #[test]
    fn a_token_signed_with_a_rotated_secret_fails_its_signature_check() {
        let old = "previous-secret-0123456789abcdefXYZ";
        let token = hs256(r#"{"alg":"HS256"}"#, r#"{"role":"anon"}"#, old);
        let current = key(SECRET);
        let check = check_token(
            &token,
            &TokenRules {
                signed_by: Some(("auth.JWT_SECRET", &current)),
                ..rules(NOW)
            },
        );
        assert_eq!(codes(&check), vec![Code::JwtSignatureInvalid]);
        assert!(Token::decode(&token).unwrap().verifies_with(&key(old)));
    }

    #[test]
    fn alg_none_and_algorithms_outside_the_list_are_not_allowed() {
        let none = fixture("rfc7515_a5_none.jwt");
        let check = check_token(&none, &rules(0));
        assert_eq!(codes(&check), vec![Code::JwtAlgorithmNotAllowed]);
        assert_eq!(
            check.problems[0].message,
            "is unsigned (`alg: none`): anyone can forge a token like it"
        );
        // an unsigned token never verifies, whatever key
        assert!(!Token::decode(&none).unwrap().verifies_with(&key(SECRET)));

        let token = hs256(r#"{"alg":"HS256"}"#, "{}", SECRET);
        let check = check_token(
            &token,
            &TokenRules {
                algorithms: &[Algorithm::RS256, Algorithm::ES256],
                ..rules(NOW)
            },
        );
        assert_eq!(codes(&check), vec![Code::JwtAlgorithmNotAllowed]);
        assert_eq!(
            check.problems[0].message,
            "is signed with HS256, but only RS256, ES256 are allowed (`algorithms`)"
        );
        let odd = format!("{}.{}.c2ln", b64(r#"{"alg":"HS1"}"#), b64("{}"));
        assert_eq!(check_token(&odd, &rules(NOW)).problems[0].message, "uses `alg` \"HS1\", which is not an algorithm envgate verifies (HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)");
    }

    #[test]
    fn time_claims_against_now() {
        let token = hs256(
            r#"{"alg":"HS256"}"#,
            r#"{"exp":1796086400,"nbf":1796003600}"#,
            SECRET,
        );
        let check = check_token(
            &token,
            &TokenRules {
                expires_within: Some(7 * 86400),
                ..rules(NOW)
            },
        );
        assert_eq!(
            codes(&check),
            vec![Code::JwtExpiresSoon, Code::JwtNotYetValid]
        );
        assert_eq!(check.problems[0].message, "expires in 24 hours (exp 2026-12-01T00:53:20Z), within the 7 days `expires_within` warns about");
        assert_eq!(
            check.problems[1].message,
            "is not valid yet: not before 2026-11-30T01:53:20Z (in 60 minutes)"
        );
        // a day later: expired, and valid by nbf
        let later = check_token(
            &token,
            &TokenRules {
                expires_within: Some(7 * 86400),
                ..rules(NOW + 86400 * 2)
            },
        );
        assert_eq!(codes(&later), vec![Code::JwtExpired]);
        assert_eq!(
            later.problems[0].message,
            "expired 24 hours ago (exp 2026-12-01T00:53:20Z)"
        );
        // dates beyond i64 are far future, not malformed
        let far = hs256(
            r#"{"alg":"HS256"}"#,
            r#"{"exp":18446744073709551615,"nbf":-1e300}"#,
            SECRET,
        );
        assert!(check_token(&far, &rules(NOW)).problems.is_empty());
        assert_eq!(Token::decode(&far).unwrap().exp(), Some(i64::MAX));
        let soon = check_token(
            &far,
            &TokenRules {
                expires_within: Some(u64::MAX),
                ..rules(NOW)
            },
        );
        assert_eq!(codes(&soon), vec![Code::JwtExpiresSoon]);
        // far from expiry: nothing
        assert!(check_token(
            &token,
            &TokenRules {
                expires_within: Some(60),
                ..rules(NOW + 3600)
            }
        )
        .problems
        .is_empty());
    }

    #[test]
    fn a_token_signed_with_a_published_example_secret_is_a_placeholder() {
        let supabase = "your-super-secret-jwt-token-with-at-least-32-characters-long";
        let token = hs256(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"role":"anon","iss":"supabase-demo","exp":1983812996}"#,
            supabase,
        );
        let check = check_token(&token, &rules(NOW));
        assert_eq!(codes(&check), vec![Code::Placeholder]);
        assert_no_leak(&format!("{:?}", check.problems), supabase);
        let jwt_io = hs256(
            r#"{"alg":"HS256"}"#,
            r#"{"sub":"1234567890"}"#,
            "your-256-bit-secret",
        );
        assert_eq!(
            codes(&check_token(&jwt_io, &rules(NOW))),
            vec![Code::Placeholder]
        );
        assert!(
            check_token(&hs256(r#"{"alg":"HS256"}"#, "{}", SECRET), &rules(NOW))
                .problems
                .is_empty()
        );
    }

    #[test]
    fn rfc_7515_and_8037_vectors() {
        // A.1: HS256 over a payload with CRLF and blanks between members; expired in 2011,
        // signed with the RFC's published example key.
        let hs = fixture("rfc7515_a1_hs256.jwt");
        let rfc_key = Key::parse(
            fixture("rfc7515_a1_hs256.key").trim(),
            Algorithm::HS256,
            SecretEncoding::Base64Url,
        )
        .key
        .unwrap();
        let t = Token::decode(&hs).unwrap();
        assert_eq!(
            (t.alg(), t.typ(), t.iss(), t.exp()),
            ("HS256", Some("JWT"), Some("joe"), Some(1_300_819_380))
        );
        assert_eq!(
            t.claim("http://example.com/is_root"),
            Some(&Value::Bool(true))
        );
        assert!(t.verifies_with(&rfc_key));
        assert!(!t.verifies_with(&key(SECRET)));
        let check = check_token(
            &hs,
            &TokenRules {
                signed_by: Some(("RFC_KEY", &rfc_key)),
                ..rules(1_300_819_379)
            },
        );
        assert_eq!(
            codes(&check),
            vec![Code::Placeholder],
            "good before exp, but the key is published"
        );
        let check = check_token(
            &hs,
            &TokenRules {
                signed_by: Some(("OTHER", &key(SECRET))),
                ..rules(NOW)
            },
        );
        assert_eq!(
            codes(&check),
            vec![
                Code::JwtExpired,
                Code::JwtSignatureInvalid,
                Code::Placeholder
            ]
        );

        // A.2: RS256 with the RFC's 2048-bit key, private (PKCS#1) and public (SPKI).
        let rs = fixture("rfc7515_a2_rs256.jwt");
        let private = Key::parse(
            &fixture("rfc7515_a2_rs256_private_pkcs1.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let public = Key::parse(
            &fixture("rfc7515_a2_rs256_public_spki.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let other = Key::parse(
            &fixture("rsa1_public_spki.pem"),
            Algorithm::RS256,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let t = Token::decode(&rs).unwrap();
        assert!(t.verifies_with(&public) && t.verifies_with(&private));
        assert!(!t.verifies_with(&other));
        assert!(check_token(
            &rs,
            &TokenRules {
                signed_by: Some(("RS_PUBLIC", &public)),
                ..rules(1_300_819_000)
            }
        )
        .problems
        .is_empty());
        assert_eq!(
            codes(&check_token(
                &rs,
                &TokenRules {
                    signed_by: Some(("RS_OTHER", &other)),
                    ..rules(1_300_819_000)
                }
            )),
            vec![Code::JwtSignatureInvalid]
        );
        // tampered: the A.1 payload under the A.2 signature's header (alg swapped)
        let (_, rest) = rs.trim().split_once('.').unwrap();
        let tampered = format!("{}.{rest}", b64(r#"{"alg":"RS384"}"#));
        assert!(!Token::decode(&tampered).unwrap().verifies_with(&public));
        // an HMAC key cannot verify an RS256 token
        let check = check_token(
            &rs,
            &TokenRules {
                signed_by: Some(("HS_KEY", &rfc_key)),
                ..rules(1_300_819_000)
            },
        );
        assert_eq!(
            check.problems[0].message,
            "is signed with \"RS256\", which HS_KEY (64-byte HMAC secret for HS256) cannot verify"
        );

        // RFC 8037 A.4: Ed25519 over a text payload: a valid JWS, not a JWT.
        let ed = fixture("rfc8037_a4_eddsa.jws");
        let ed_public = Key::parse(
            &fixture("rfc8037_a_ed25519_public_spki.pem"),
            Algorithm::EdDSA,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let ed_private = Key::parse(
            &fixture("rfc8037_a_ed25519_private_pkcs8.pem"),
            Algorithm::EdDSA,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        let ed_other = Key::parse(
            &fixture("ed25519_1_public_spki.pem"),
            Algorithm::EdDSA,
            SecretEncoding::Raw,
        )
        .key
        .unwrap();
        assert!(jws_verifies_with(&ed, &ed_public) && jws_verifies_with(&ed, &ed_private));
        assert!(!jws_verifies_with(&ed, &ed_other));
        assert!(ed_private.verifies_same_as(&ed_public));
        let check = check_token(&ed, &rules(NOW));
        assert_eq!(codes(&check), vec![Code::JwtMalformed]);
        assert_eq!(check.problems[0].message, "has a payload that is not JSON");
    }

    #[test]
    fn describe_time_reads_both_ways() {
        assert_eq!(describe_time(NOW + 3 * 86400, NOW), "in 3 days");
        assert_eq!(describe_time(NOW - 12 * 86400 - 5, NOW), "12 days ago");
        assert_eq!(describe_time(NOW + 30, NOW), "in 30 seconds");
    }
}
