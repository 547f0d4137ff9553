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

/// `2026-12-03T04:18:10Z` for a `NumericDate`; the bare number when it is out of range.
pub(crate) fn date(seconds: i64) -> String {
    u64::try_from(seconds)
        .ok()
        .and_then(|s| std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(s)))
        .map_or_else(
            || seconds.to_string(),
            |t| humantime::format_rfc3339_seconds(t).to_string(),
        )
}

/// "3 days", "5 hours", "40 seconds": one unit, rounded down, for "expires in ..." texts.
pub(crate) fn span(seconds: u64) -> String {
    let (n, unit) = match seconds {
        0..=119 => (seconds, "second"),
        120..=7199 => (seconds / 60, "minute"),
        7200..=172_799 => (seconds / 3600, "hour"),
        _ => (seconds / 86400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
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
