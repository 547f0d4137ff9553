//! The JWS algorithms envgate checks (RFC 7518), as users write them in schemas and stacks.

use std::fmt;
use std::str::FromStr;

/// A JWS signing algorithm envgate can sign and verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

/// Which kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// A shared secret (HS*): issuer and consumers hold the same bytes.
    Hmac,
    /// An RSA key pair (RS*, PS*).
    Rsa,
    /// An EC key pair on the curve the algorithm names (ES256: P-256, ES384: P-384).
    Ec,
    /// An Ed25519 key pair (`EdDSA`).
    Ed25519,
}

impl Family {
    /// The family's name as a message says it ("an RSA key").
    pub fn describe(self) -> &'static str {
        match self {
            Family::Hmac => "an HMAC secret",
            Family::Rsa => "an RSA key",
            Family::Ec => "an EC key",
            Family::Ed25519 => "an Ed25519 key",
        }
    }
}

/// An elliptic curve, for the EC algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    /// "P-256" or "P-384".
    pub fn as_str(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }
}

impl Algorithm {
    /// Every algorithm, in the order documentation lists them.
    pub const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The name as it appears in a JWT header's `alg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The kind of key this algorithm signs with.
    pub fn family(self) -> Family {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Family::Hmac,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Family::Rsa,
            Algorithm::ES256 | Algorithm::ES384 => Family::Ec,
            Algorithm::EdDSA => Family::Ed25519,
        }
    }

    /// The curve an EC algorithm requires (`None` for the others).
    pub fn curve(self) -> Option<Curve> {
        match self {
            Algorithm::ES256 => Some(Curve::P256),
            Algorithm::ES384 => Some(Curve::P384),
            _ => None,
        }
    }

    /// The key this algorithm needs, for messages: "an HMAC secret", "an RSA key", "an EC key
    /// on P-256", "an Ed25519 key".
    pub fn key_kind(self) -> String {
        match self.curve() {
            Some(curve) => format!("an EC key on {}", curve.as_str()),
            None => self.family().describe().to_string(),
        }
    }

    /// The fewest secret bytes an HMAC algorithm accepts: the hash output size
    /// (RFC 7518 section 3.2). `None` for the asymmetric algorithms.
    pub fn min_hmac_bytes(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    /// Parses the names users write: the exact JOSE names, any case (`hs256`, `EDDSA`), and
    /// `Ed25519` for `EdDSA` (what some libraries call it). `none` is not an algorithm here.
    pub fn parse(name: &str) -> Option<Algorithm> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("ed25519") {
            return Some(Algorithm::EdDSA);
        }
        Algorithm::ALL
            .iter()
            .copied()
            .find(|a| a.as_str().eq_ignore_ascii_case(name))
    }

    /// The same algorithm in `jsonwebtoken`'s terms.
    pub(crate) fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as J;
        match self {
            Algorithm::HS256 => J::HS256,
            Algorithm::HS384 => J::HS384,
            Algorithm::HS512 => J::HS512,
            Algorithm::RS256 => J::RS256,
            Algorithm::RS384 => J::RS384,
            Algorithm::RS512 => J::RS512,
            Algorithm::PS256 => J::PS256,
            Algorithm::PS384 => J::PS384,
            Algorithm::PS512 => J::PS512,
            Algorithm::ES256 => J::ES256,
            Algorithm::ES384 => J::ES384,
            Algorithm::EdDSA => J::EdDSA,
        }
    }

    /// The names [`Algorithm::parse`] accepts, for a message ("HS256, HS384, ...").
    pub fn names() -> String {
        Algorithm::ALL
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`Algorithm::from_str`]: the name is not one envgate knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAlgorithm;

impl fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown JWT algorithm (known: {})", Algorithm::names())
    }
}

impl std::error::Error for UnknownAlgorithm {}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;
    fn from_str(s: &str) -> Result<Self, UnknownAlgorithm> {
        Algorithm::parse(s).ok_or(UnknownAlgorithm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_users_write() {
        assert_eq!(Algorithm::parse("HS256"), Some(Algorithm::HS256));
        assert_eq!(Algorithm::parse("hs512"), Some(Algorithm::HS512));
        assert_eq!(Algorithm::parse(" RS256 "), Some(Algorithm::RS256));
        assert_eq!(Algorithm::parse("EDDSA"), Some(Algorithm::EdDSA));
        assert_eq!(Algorithm::parse("Ed25519"), Some(Algorithm::EdDSA));
        assert_eq!(Algorithm::parse("none"), None);
        assert_eq!(Algorithm::parse("ES512"), None);
        assert_eq!("PS384".parse::<Algorithm>(), Ok(Algorithm::PS384));
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn families_curves_and_hmac_minimums() {
        assert_eq!(Algorithm::PS512.family(), Family::Rsa);
        assert_eq!(Algorithm::ES384.family(), Family::Ec);
        assert_eq!(Algorithm::ES384.curve(), Some(Curve::P384));
        assert_eq!(Algorithm::EdDSA.family(), Family::Ed25519);
        assert_eq!(Algorithm::HS256.min_hmac_bytes(), Some(32));
        assert_eq!(Algorithm::HS384.min_hmac_bytes(), Some(48));
        assert_eq!(Algorithm::HS512.min_hmac_bytes(), Some(64));
        assert_eq!(Algorithm::RS256.min_hmac_bytes(), None);
    }
}
