//! JWT signing and verification keys: HMAC secrets and PEM keys (PKCS#1, PKCS#8, SEC1, SPKI),
//! parsed for an algorithm, with every problem worded without the key's material.

use super::algorithm::{Algorithm, Curve, Family};
use super::{token, Problem};
use crate::rules::Code;
use jsonwebtoken::{DecodingKey, EncodingKey};
use std::fmt;

/// PEM keys longer than this are not keys (an RSA 8192-bit private key is under 7 KiB).
pub const MAX_PEM_BYTES: usize = 64 * 1024;
/// RSA keys shorter than this are `jwt-key-too-short` (NIST SP 800-131A; RFC 7518 section 3.3).
pub const MIN_RSA_BITS: usize = 2048;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";

/// How an HMAC secret is written in its variable (`encoding` in the schema). Padding is
/// optional for both base64 forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretEncoding {
    /// The value's bytes are the secret (what most services do with `JWT_SECRET`).
    #[default]
    Raw,
    Base64,
    Base64Url,
    Hex,
}

impl SecretEncoding {
    /// Parses `raw`, `base64`, `base64url` or `hex`.
    pub fn parse(name: &str) -> Option<SecretEncoding> {
        match name {
            "raw" => Some(SecretEncoding::Raw),
            "base64" => Some(SecretEncoding::Base64),
            "base64url" => Some(SecretEncoding::Base64Url),
            "hex" => Some(SecretEncoding::Hex),
            _ => None,
        }
    }

    /// The name as a schema writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretEncoding::Raw => "raw",
            SecretEncoding::Base64 => "base64",
            SecretEncoding::Base64Url => "base64url",
            SecretEncoding::Hex => "hex",
        }
    }
}

/// The container a key came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// An HMAC secret (not PEM).
    Secret,
    /// `BEGIN RSA PRIVATE KEY` / `BEGIN RSA PUBLIC KEY`.
    Pkcs1,
    /// `BEGIN PRIVATE KEY`.
    Pkcs8,
    /// `BEGIN EC PRIVATE KEY`.
    Sec1,
    /// `BEGIN PUBLIC KEY`.
    Spki,
}

impl KeyFormat {
    /// "PKCS#8", "SPKI": for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFormat::Secret => "secret",
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Sec1 => "SEC1",
            KeyFormat::Spki => "SPKI",
        }
    }
}

/// What a key is, without its material.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hmac { bytes: usize },
    Rsa { bits: usize },
    Ec(Curve),
    Ed25519,
}

/// A key ready to sign (when private or a secret) and verify JWTs with `algorithm`.
///
/// `Debug` shows the kind, size and format only; there is no `Display` and no accessor for the
/// material.
#[derive(Clone)]
pub struct Key {
    algorithm: Algorithm,
    kind: Kind,
    format: KeyFormat,
    private: bool,
    signing: Option<EncodingKey>,
    verifying: DecodingKey,
    /// What verifies: the secret's bytes (HMAC) or the public key's encoding. Two keys verify
    /// the same tokens exactly when these are equal.
    public: Vec<u8>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({}, {})", self.algorithm, self.describe())
    }
}

/// The result of [`Key::parse`]: the key when it can be used at all, and every problem. A key
/// that is only too short (an HMAC secret under the RFC 7518 minimum, an RSA key under 2048
/// bits) is still returned, so that a probe can still say whether it matches.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    pub key: Option<Key>,
    pub problems: Vec<Problem>,
}

impl ParsedKey {
    fn invalid(problem: Problem) -> Self {
        Self {
            key: None,
            problems: vec![problem],
        }
    }
}

fn invalid(message: impl Into<String>) -> Problem {
    Problem::new(Code::JwtKeyInvalid, message)
}

/// The PEM headers a key for `algorithm` may have, for messages.
fn expected_headers(algorithm: Algorithm) -> &'static str {
    match algorithm.family() {
        Family::Hmac => "no PEM header (a shared secret)",
        Family::Rsa => "BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY (issuer), BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY (consumer)",
        Family::Ec => "BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY (issuer), BEGIN PUBLIC KEY (consumer)",
        Family::Ed25519 => "BEGIN PRIVATE KEY (issuer), BEGIN PUBLIC KEY (consumer)",
    }
}

/// What an algorithm needs, for messages: "an RSA key", "an EC key on P-256".
fn needs(algorithm: Algorithm) -> String {
    algorithm.key_kind()
}

impl Key {
    /// Parses a `jwt-key` value for `algorithm`: an HMAC secret written in `encoding` for HS*,
    /// a PEM key (private or public; PKCS#1, PKCS#8, SEC1 or SPKI) for the others. Checks the
    /// RFC 7518 minimum secret length, RSA of at least 2048 bits, and that the key's type (and
    /// curve) is the algorithm's. A value that is itself a JWT is `jwt-key-invalid`.
    pub fn parse(value: &str, algorithm: Algorithm, encoding: SecretEncoding) -> ParsedKey {
        if token::looks_like_token(value) {
            return ParsedKey::invalid(
                invalid("is a JWT (a token), not a key: a token was pasted where the signing key belongs")
                    .hint("put the secret or key that signs the tokens here; the token itself belongs in the variable that sends it (an API key or bearer token)"),
            );
        }
        if algorithm.family() == Family::Hmac {
            return parse_secret(value, algorithm, encoding);
        }
        parse_pem(value, algorithm)
    }

    /// The algorithm the key was parsed for.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The kind of key (HMAC, RSA, EC, Ed25519).
    pub fn family(&self) -> Family {
        self.algorithm.family()
    }

    /// The container the key came in (secret, PKCS#1, PKCS#8, SEC1, SPKI).
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// Whether the key holds private material (an HMAC secret does).
    pub fn is_private(&self) -> bool {
        self.private
    }

    /// Whether the key can sign: a secret or a private key.
    pub fn can_sign(&self) -> bool {
        self.signing.is_some()
    }

    /// The RSA modulus size in bits.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self.kind {
            Kind::Rsa { bits } => Some(bits),
            _ => None,
        }
    }

    /// The HMAC secret's length in bytes (after decoding).
    pub fn secret_bytes(&self) -> Option<usize> {
        match self.kind {
            Kind::Hmac { bytes } => Some(bytes),
            _ => None,
        }
    }

    /// The EC curve.
    pub fn curve(&self) -> Option<Curve> {
        match self.kind {
            Kind::Ec(curve) => Some(curve),
            _ => None,
        }
    }

    /// "2048-bit RSA private key (PKCS#8)", "32-byte HMAC secret": safe to show.
    pub fn describe(&self) -> String {
        let role = if self.private { "private" } else { "public" };
        match self.kind {
            Kind::Hmac { bytes } => format!("{bytes}-byte HMAC secret"),
            Kind::Rsa { bits } => format!("{bits}-bit RSA {role} key ({})", self.format.as_str()),
            Kind::Ec(curve) => format!(
                "EC {} {role} key ({})",
                curve.as_str(),
                self.format.as_str()
            ),
            Kind::Ed25519 => format!("Ed25519 {role} key ({})", self.format.as_str()),
        }
    }

    /// The key that verifies what this one signs: the public half of a private key, or the
    /// same secret. This is how an issuer's private key is compared with a consumer's public
    /// key.
    #[must_use]
    pub fn public_key(&self) -> Key {
        if self.family() == Family::Hmac {
            return self.clone();
        }
        Key {
            private: false,
            signing: None,
            format: KeyFormat::Spki,
            ..self.clone()
        }
    }

    /// Whether the two keys verify the same signatures (same secret, or same public key).
    pub fn verifies_same_as(&self, other: &Key) -> bool {
        self.family() == other.family() && self.public == other.public
    }

    /// `sha256:` and 12 hex digits of the public key's encoding: safe to show, and equal for a
    /// private key and its public key. `None` for an HMAC secret (its fingerprint is the
    /// value's, which the caller already has).
    pub fn public_fingerprint(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        use std::fmt::Write as _;
        if self.family() == Family::Hmac {
            return None;
        }
        let digest = Sha256::digest(&self.public);
        let mut out = String::from("sha256:");
        for byte in &digest[..6] {
            let _ = write!(out, "{byte:02x}");
        }
        Some(out)
    }

    pub(crate) fn signing_key(&self) -> Option<&EncodingKey> {
        self.signing.as_ref()
    }

    pub(crate) fn verifying_key(&self) -> &DecodingKey {
        &self.verifying
    }
}

// ---------------------------------------------------------------------------------------------
// HMAC secrets

fn parse_secret(value: &str, algorithm: Algorithm, encoding: SecretEncoding) -> ParsedKey {
    if value.is_empty() {
        return ParsedKey::invalid(invalid("is empty"));
    }
    if let Some(label) = pem_label(value) {
        return ParsedKey::invalid(
            invalid(format!(
                "is a PEM key ({}), but {algorithm} signs with a shared secret",
                label.describe()
            ))
            .hint("use RS256, ES256 or EdDSA for a key pair, or set this variable to the shared secret"),
        );
    }
    let bytes = match decode_secret(value, encoding) {
        Ok(bytes) => bytes,
        Err(problem) => return ParsedKey::invalid(problem),
    };
    let mut problems = Vec::new();
    let min = algorithm.min_hmac_bytes().unwrap_or(32);
    if bytes.len() < min {
        let how = match encoding {
            SecretEncoding::Raw | SecretEncoding::Hex => format!("openssl rand -hex {min}"),
            SecretEncoding::Base64 => format!("openssl rand -base64 {min}"),
            SecretEncoding::Base64Url => {
                format!("openssl rand -base64 {min} | tr '+/' '-_' | tr -d '='")
            }
        };
        let decoded = if encoding == SecretEncoding::Raw {
            String::new()
        } else {
            format!(" once decoded from {}", encoding.as_str())
        };
        problems.push(
            Problem::new(
                Code::JwtKeyTooShort,
                format!(
                    "is {} bytes{decoded}; {algorithm} needs at least {min} bytes (RFC 7518 section 3.2)",
                    bytes.len()
                ),
            )
            .hint(format!("generate one with: {how}")),
        );
    }
    let (Ok(signing), Ok(verifying)) = (
        EncodingKey::from_secret(&bytes),
        DecodingKey::from_secret(&bytes),
    ) else {
        problems.push(invalid("could not be used as an HMAC secret"));
        return ParsedKey {
            key: None,
            problems,
        };
    };
    ParsedKey {
        key: Some(Key {
            algorithm,
            kind: Kind::Hmac { bytes: bytes.len() },
            format: KeyFormat::Secret,
            private: true,
            signing: Some(signing),
            verifying,
            public: bytes,
        }),
        problems,
    }
}

/// Decodes a secret as its `encoding` says; padding is optional for base64 and base64url.
fn decode_secret(value: &str, encoding: SecretEncoding) -> Result<Vec<u8>, Problem> {
    use data_encoding::{Encoding, BASE64URL_NOPAD, BASE64_NOPAD, HEXLOWER_PERMISSIVE};
    let (spec, name): (&Encoding, &str) = match encoding {
        SecretEncoding::Raw => return Ok(value.as_bytes().to_vec()),
        SecretEncoding::Base64 => (&BASE64_NOPAD, "base64"),
        SecretEncoding::Base64Url => (&BASE64URL_NOPAD, "base64url"),
        SecretEncoding::Hex => (&HEXLOWER_PERMISSIVE, "hex"),
    };
    let text = if encoding == SecretEncoding::Hex {
        value
    } else {
        value.trim_end_matches('=')
    };
    spec.decode(text.as_bytes()).map_err(|e| {
        let mut hint = format!("set `encoding` to how the service reads this secret (raw, base64, base64url or hex); the value has {} characters", value.chars().count());
        let other_alphabet = match encoding {
            SecretEncoding::Base64 => value.contains(['-', '_']).then_some("base64url"),
            SecretEncoding::Base64Url => value.contains(['+', '/']).then_some("base64"),
            _ => None,
        };
        if let Some(other) = other_alphabet {
            hint = format!("it has characters of the {other} alphabet: is `encoding = \"{other}\"` meant?");
        }
        let why = match e.kind {
            data_encoding::DecodeKind::Length => format!("its length ({} characters) is not a valid {name} length", text.chars().count()),
            _ => format!("character {} is not in the {name} alphabet", e.position + 1),
        };
        invalid(format!("is not valid {name}: {why}")).hint(hint)
    })
}

// ---------------------------------------------------------------------------------------------
// PEM keys

/// A PEM header label, sorted into what envgate knows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Label {
    RsaPrivate,
    RsaPublic,
    Private,
    Public,
    EcPrivate,
    Encrypted,
    Certificate,
    OpenSsh,
    /// Any other label: shown only when it looks like a PEM label (capitals and blanks).
    Other(String),
}

impl Label {
    fn from_text(text: &str) -> Label {
        match text {
            "RSA PRIVATE KEY" => Label::RsaPrivate,
            "RSA PUBLIC KEY" => Label::RsaPublic,
            "PRIVATE KEY" => Label::Private,
            "PUBLIC KEY" => Label::Public,
            "EC PRIVATE KEY" => Label::EcPrivate,
            "ENCRYPTED PRIVATE KEY" => Label::Encrypted,
            "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => Label::Certificate,
            "OPENSSH PRIVATE KEY" => Label::OpenSsh,
            other => Label::Other(other.to_string()),
        }
    }

    /// "BEGIN PUBLIC KEY" (the header as written, for a known or plausible label).
    fn describe(&self) -> String {
        let text = match self {
            Label::RsaPrivate => "RSA PRIVATE KEY",
            Label::RsaPublic => "RSA PUBLIC KEY",
            Label::Private => "PRIVATE KEY",
            Label::Public => "PUBLIC KEY",
            Label::EcPrivate => "EC PRIVATE KEY",
            Label::Encrypted => "ENCRYPTED PRIVATE KEY",
            Label::Certificate => "CERTIFICATE",
            Label::OpenSsh => "OPENSSH PRIVATE KEY",
            Label::Other(text) => {
                let plausible = text.len() <= 40
                    && text
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ');
                if !plausible {
                    return String::from("an unknown PEM header");
                }
                text
            }
        };
        format!("BEGIN {text}")
    }
}

/// The label of the first `-----BEGIN ...-----` line, if the value has one.
fn pem_label(value: &str) -> Option<Label> {
    let start = value.find("-----BEGIN ")? + "-----BEGIN ".len();
    let rest = value.get(start..)?;
    let end = rest.find("-----")?;
    Some(Label::from_text(rest.get(..end)?.trim()))
}

/// One PEM block: its label and DER bytes.
struct PemBlock {
    label: Label,
    der: Vec<u8>,
}

fn escaped_newlines() -> Problem {
    invalid("is a PEM key written on one line with `\\n` text instead of line breaks")
        .hint("write the key with real line breaks (a quoted multi-line value in the env file, or a file read through NAME_FILE)")
}

/// Reads the first key block of `value` (an `EC PARAMETERS` block before it is skipped, as
/// `openssl ecparam -genkey` writes one). Text before the BEGIN line and after the END line
/// (a trailing newline, a certificate chain) is allowed.
fn read_pem(value: &str, algorithm: Algorithm) -> Result<PemBlock, Problem> {
    let mut rest = value;
    // At most a few blocks are looked at: a key value is one block, or parameters and a key.
    for _ in 0..4 {
        let Some(begin) = rest.find("-----BEGIN ") else {
            break;
        };
        let after = &rest[begin + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err(invalid("has a BEGIN line that does not end with -----"));
        };
        let label_text = after[..label_end].trim();
        let body_start = &after[label_end + 5..];
        let footer = format!("-----END {label_text}-----");
        let Some(end) = body_start.find(&footer) else {
            let label = Label::from_text(label_text);
            return Err(invalid(format!(
                "has {} but no matching END line: is the key cut off, or its END line different?",
                label.describe()
            )));
        };
        let body = &body_start[..end];
        rest = &body_start[end + footer.len()..];
        if label_text == "EC PARAMETERS" {
            continue;
        }
        let label = Label::from_text(label_text);
        if body.contains("\\n") {
            return Err(escaped_newlines());
        }
        if body.contains("Proc-Type:") || body.contains("DEK-Info:") {
            return Err(invalid(format!(
                "is an encrypted key ({} with Proc-Type/DEK-Info headers): services need it unencrypted",
                label.describe()
            ))
            .hint("decrypt it with: openssl pkey -in key.pem -out key-plain.pem"));
        }
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = data_encoding::BASE64
            .decode(compact.as_bytes())
            .or_else(|_| data_encoding::BASE64_NOPAD.decode(compact.trim_end_matches('=').as_bytes()))
            .map_err(|_| {
                invalid(format!(
                    "has {} but its body is not valid base64 ({} characters between the header and footer)",
                    label.describe(),
                    compact.len()
                ))
                .hint("copy the key again from the file, whole; line breaks may be real newlines or removed, but not `\\n` text")
            })?;
        return Ok(PemBlock { label, der });
    }
    if value.contains("\\n") && value.contains("-----BEGIN") {
        return Err(escaped_newlines());
    }
    let trimmed = value.trim_start();
    if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-sha2-") {
        return Err(invalid(format!(
            "is an OpenSSH public key line, which JWT libraries do not read: expected {}",
            expected_headers(algorithm)
        ))
        .hint("convert it with: ssh-keygen -e -m PKCS8 -f KEYFILE.pub"));
    }
    if trimmed.starts_with('{') && trimmed.contains("\"kty\"") {
        return Err(invalid(format!(
            "is a JWK (JSON), not PEM: {algorithm} keys in a variable are read as PEM here, expected {}",
            expected_headers(algorithm)
        ))
        .hint("export the key as PEM (most JWT libraries and `openssl` read PEM), or check that the service really reads a JWK from this variable"));
    }
    Err(invalid(format!(
        "is not a PEM key: {algorithm} needs {}, expected {}",
        needs(algorithm),
        expected_headers(algorithm)
    ))
    .hint("paste the whole PEM file, header and footer included"))
}

/// The material of a parsed PEM key, before it is checked against the algorithm.
enum Material {
    RsaPrivate(rsa::PrivateKey),
    RsaPublic(rsa::PublicKey),
    P256Private(p256::SecretKey),
    P256Public(p256::PublicKey),
    P384Private(p384::SecretKey),
    P384Public(p384::PublicKey),
    Ed25519Private(ed25519_dalek::SigningKey),
    Ed25519Public(ed25519_dalek::VerifyingKey),
}

impl Material {
    fn family(&self) -> Family {
        match self {
            Material::RsaPrivate(_) | Material::RsaPublic(_) => Family::Rsa,
            Material::P256Private(_)
            | Material::P256Public(_)
            | Material::P384Private(_)
            | Material::P384Public(_) => Family::Ec,
            Material::Ed25519Private(_) | Material::Ed25519Public(_) => Family::Ed25519,
        }
    }

    fn curve(&self) -> Option<Curve> {
        match self {
            Material::P256Private(_) | Material::P256Public(_) => Some(Curve::P256),
            Material::P384Private(_) | Material::P384Public(_) => Some(Curve::P384),
            _ => None,
        }
    }

    fn what(&self) -> String {
        match self.curve() {
            Some(curve) => format!("an EC key on {}", curve.as_str()),
            None => self.family().describe().to_string(),
        }
    }
}

/// The modulus size of DER-encoded PKCS#1 RSA keys, read before (and whatever) the RSA crate
/// thinks of the key, so a too-small key is reported by its size.
fn modulus_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let first = modulus
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(modulus.len());
        &modulus[first..]
    };
    match trimmed.first() {
        None => 0,
        Some(top) => (trimmed.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

fn rsa_private_bits(pkcs1_der: &[u8]) -> Option<usize> {
    use rsa::pkcs1::der::Decode;
    rsa::pkcs1::RsaPrivateKeyRef::from_der(pkcs1_der)
        .ok()
        .map(|k| modulus_bits(k.modulus.as_bytes()))
}

fn rsa_public_bits(pkcs1_der: &[u8]) -> Option<usize> {
    use rsa::pkcs1::der::Decode;
    rsa::pkcs1::RsaPublicKeyRef::from_der(pkcs1_der)
        .ok()
        .map(|k| modulus_bits(k.modulus.as_bytes()))
}

/// Reads the DER of a PEM block into key material, or says why it cannot.
fn read_material(
    block: &PemBlock,
    algorithm: Algorithm,
) -> Result<(Material, KeyFormat, Option<usize>), Problem> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use rsa::pkcs8::der::Decode as _;
    use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
    let header = block.label.describe();
    let unreadable = |what: &str| {
        invalid(format!("has {header} but could not be read as {what}"))
            .hint("regenerate or re-export the key; `openssl pkey -in key.pem -check` tells whether it is intact")
    };
    // The RSA crate refuses moduli outside 1024..=8192 bits: say which side of it.
    let rsa_refused = |bits: usize, what: &str| {
        if bits < MIN_RSA_BITS {
            Problem::new(
                Code::JwtKeyTooShort,
                format!("is a {bits}-bit RSA key; {algorithm} needs at least {MIN_RSA_BITS} bits"),
            )
            .hint("generate a new pair with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048")
        } else if bits > 8192 {
            invalid(format!(
                "is a {bits}-bit RSA key; envgate reads RSA keys of up to 8192 bits"
            ))
        } else {
            unreadable(what)
        }
    };
    match &block.label {
        Label::RsaPrivate => {
            let bits = rsa_private_bits(&block.der).ok_or_else(|| unreadable("a PKCS#1 RSA private key"))?;
            let key = rsa::PrivateKey::from_pkcs1_der(&block.der).map_err(|_| {
                rsa_refused(bits, "a PKCS#1 RSA private key")
            })?;
            Ok((Material::RsaPrivate(key), KeyFormat::Pkcs1, Some(bits)))
        }
        Label::RsaPublic => {
            let bits = rsa_public_bits(&block.der).ok_or_else(|| unreadable("a PKCS#1 RSA public key"))?;
            let key = rsa::PublicKey::from_pkcs1_der(&block.der).map_err(|_| {
                rsa_refused(bits, "a PKCS#1 RSA public key")
            })?;
            Ok((Material::RsaPublic(key), KeyFormat::Pkcs1, Some(bits)))
        }
        Label::EcPrivate => {
            if let Ok(key) = p256::SecretKey::from_sec1_der(&block.der) {
                return Ok((Material::P256Private(key), KeyFormat::Sec1, None));
            }
            if let Ok(key) = p384::SecretKey::from_sec1_der(&block.der) {
                return Ok((Material::P384Private(key), KeyFormat::Sec1, None));
            }
            Err(unreadable("a P-256 or P-384 EC private key (SEC1); other curves are not JWT algorithms envgate checks"))
        }
        Label::Private => {
            let info = rsa::pkcs8::PrivateKeyInfoRef::from_der(&block.der)
                .map_err(|_| unreadable("a PKCS#8 private key"))?;
            let oid = info.algorithm.oid.to_string();
            match oid.as_str() {
                OID_RSA => {
                    let bits = rsa_private_bits(info.private_key.as_bytes())
                        .ok_or_else(|| unreadable("a PKCS#8 RSA private key"))?;
                    let key = rsa::PrivateKey::from_pkcs8_der(&block.der).map_err(|_| {
                        rsa_refused(bits, "a PKCS#8 RSA private key")
                    })?;
                    Ok((Material::RsaPrivate(key), KeyFormat::Pkcs8, Some(bits)))
                }
                OID_EC => match info.algorithm.parameters_oid().map(|o| o.to_string()).as_deref() {
                    Ok(OID_P256) => p256::SecretKey::from_pkcs8_der(&block.der)
                        .map(|k| (Material::P256Private(k), KeyFormat::Pkcs8, None))
                        .map_err(|_| unreadable("a PKCS#8 P-256 private key")),
                    Ok(OID_P384) => p384::SecretKey::from_pkcs8_der(&block.der)
                        .map(|k| (Material::P384Private(k), KeyFormat::Pkcs8, None))
                        .map_err(|_| unreadable("a PKCS#8 P-384 private key")),
                    _ => Err(invalid(format!("is an EC private key on a curve {algorithm} cannot use: JWT algorithms use P-256 (ES256) and P-384 (ES384)"))),
                },
                OID_ED25519 => ed25519_dalek::SigningKey::from_pkcs8_der(&block.der)
                    .map(|k| (Material::Ed25519Private(k), KeyFormat::Pkcs8, None))
                    .map_err(|_| unreadable("a PKCS#8 Ed25519 private key")),
                _ => Err(invalid(format!(
                    "is a PKCS#8 private key of a type envgate does not sign with (not RSA, EC P-256/P-384 or Ed25519); {algorithm} needs {}",
                    needs(algorithm)
                ))),
            }
        }
        Label::Public => {
            let info = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(&block.der)
                .map_err(|_| unreadable("an SPKI public key"))?;
            let oid = info.algorithm.oid.to_string();
            match oid.as_str() {
                OID_RSA => {
                    let bits = rsa_public_bits(info.subject_public_key.raw_bytes())
                        .ok_or_else(|| unreadable("an RSA public key"))?;
                    let key = rsa::PublicKey::from_public_key_der(&block.der).map_err(|_| {
                        rsa_refused(bits, "an RSA public key")
                    })?;
                    Ok((Material::RsaPublic(key), KeyFormat::Spki, Some(bits)))
                }
                OID_EC => match info.algorithm.parameters_oid().map(|o| o.to_string()).as_deref() {
                    Ok(OID_P256) => p256::PublicKey::from_public_key_der(&block.der)
                        .map(|k| (Material::P256Public(k), KeyFormat::Spki, None))
                        .map_err(|_| unreadable("a P-256 public key")),
                    Ok(OID_P384) => p384::PublicKey::from_public_key_der(&block.der)
                        .map(|k| (Material::P384Public(k), KeyFormat::Spki, None))
                        .map_err(|_| unreadable("a P-384 public key")),
                    _ => Err(invalid(format!("is an EC public key on a curve {algorithm} cannot use: JWT algorithms use P-256 (ES256) and P-384 (ES384)"))),
                },
                OID_ED25519 => ed25519_dalek::VerifyingKey::from_public_key_der(&block.der)
                    .map(|k| (Material::Ed25519Public(k), KeyFormat::Spki, None))
                    .map_err(|_| unreadable("an Ed25519 public key")),
                _ => Err(invalid(format!(
                    "is a public key of a type envgate does not verify with (not RSA, EC P-256/P-384 or Ed25519); {algorithm} needs {}",
                    needs(algorithm)
                ))),
            }
        }
        Label::Encrypted => Err(invalid(format!(
            "is an encrypted private key ({header}): services need it unencrypted, expected {}",
            expected_headers(algorithm)
        ))
        .hint("decrypt it with: openssl pkey -in key.pem -out key-plain.pem")),
        Label::Certificate => Err(invalid(format!(
            "is a certificate ({header}), not a key: expected {}",
            expected_headers(algorithm)
        ))
        .hint("extract its public key with: openssl x509 -in cert.pem -pubkey -noout")),
        Label::OpenSsh => Err(invalid(format!(
            "is an OpenSSH key ({header}), which JWT libraries do not read: expected {}",
            expected_headers(algorithm)
        ))
        .hint("convert it with: ssh-keygen -p -m PKCS8 -f KEYFILE (then openssl pkey -pubout for the public key)")),
        Label::Other(_) => Err(invalid(format!(
            "has {header}, which is not a key header: {algorithm} needs {}, expected {}",
            needs(algorithm),
            expected_headers(algorithm)
        ))),
    }
}

fn parse_pem(value: &str, algorithm: Algorithm) -> ParsedKey {
    if value.len() > MAX_PEM_BYTES {
        return ParsedKey::invalid(invalid(format!(
            "is {} bytes long, over the {} KiB envgate reads for a PEM key: not a key",
            value.len(),
            MAX_PEM_BYTES / 1024
        )));
    }
    let block = match read_pem(value, algorithm) {
        Ok(block) => block,
        Err(problem) => return ParsedKey::invalid(problem),
    };
    let (material, format, bits) = match read_material(&block, algorithm) {
        Ok(m) => m,
        Err(problem) => return ParsedKey::invalid(problem),
    };
    if material.family() != algorithm.family()
        || (algorithm.curve().is_some() && material.curve() != algorithm.curve())
    {
        return ParsedKey::invalid(
            invalid(format!(
                "is {} ({}), but {algorithm} needs {}",
                material.what(),
                block.label.describe(),
                needs(algorithm)
            ))
            .hint(format!(
                "give this variable {} (expected {}), or change the algorithm to match the key",
                needs(algorithm),
                expected_headers(algorithm)
            )),
        );
    }
    let mut problems = Vec::new();
    if let Some(bits) = bits {
        if bits < MIN_RSA_BITS {
            problems.push(
                Problem::new(
                    Code::JwtKeyTooShort,
                    format!("is a {bits}-bit RSA key; {algorithm} needs at least {MIN_RSA_BITS} bits"),
                )
                .hint("generate a new pair with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"),
            );
        }
    }
    if let Some(key) = build(material, algorithm, format, bits.unwrap_or(0)) {
        return ParsedKey {
            key: Some(key),
            problems,
        };
    }
    problems.push(invalid(format!(
        "has {} but could not be prepared for {algorithm}",
        block.label.describe()
    )));
    ParsedKey {
        key: None,
        problems,
    }
}

/// Turns checked material into `jsonwebtoken` keys: RSA private keys as PKCS#1 DER, EC and
/// Ed25519 private keys as PKCS#8 DER; public keys as PKCS#1 DER (RSA), an uncompressed SEC1
/// point (EC) or the raw 32 bytes (Ed25519), which is also what [`Key::verifies_same_as`]
/// compares.
fn build(material: Material, algorithm: Algorithm, format: KeyFormat, bits: usize) -> Option<Key> {
    use p256::elliptic_curve::sec1::ToSec1Point as _;
    use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
    use rsa::pkcs8::EncodePrivateKey as _;
    let (kind, private, signing, public) = match material {
        Material::RsaPrivate(key) => {
            let der = key.to_pkcs1_der().ok()?;
            let public = key.to_public_key().to_pkcs1_der().ok()?.as_bytes().to_vec();
            (
                Kind::Rsa { bits },
                true,
                Some(EncodingKey::from_rsa_der(der.as_bytes())),
                public,
            )
        }
        Material::RsaPublic(key) => {
            let public = key.to_pkcs1_der().ok()?.as_bytes().to_vec();
            (Kind::Rsa { bits }, false, None, public)
        }
        Material::P256Private(key) => {
            let der = key.to_pkcs8_der().ok()?;
            let public = key.public_key().to_sec1_point(false).as_bytes().to_vec();
            (
                Kind::Ec(Curve::P256),
                true,
                Some(EncodingKey::from_ec_der(der.as_bytes())),
                public,
            )
        }
        Material::P256Public(key) => (
            Kind::Ec(Curve::P256),
            false,
            None,
            key.to_sec1_point(false).as_bytes().to_vec(),
        ),
        Material::P384Private(key) => {
            let der = key.to_pkcs8_der().ok()?;
            let public = key.public_key().to_sec1_point(false).as_bytes().to_vec();
            (
                Kind::Ec(Curve::P384),
                true,
                Some(EncodingKey::from_ec_der(der.as_bytes())),
                public,
            )
        }
        Material::P384Public(key) => (
            Kind::Ec(Curve::P384),
            false,
            None,
            key.to_sec1_point(false).as_bytes().to_vec(),
        ),
        Material::Ed25519Private(key) => {
            let der = key.to_pkcs8_der().ok()?;
            let public = key.verifying_key().to_bytes().to_vec();
            (
                Kind::Ed25519,
                true,
                Some(EncodingKey::from_ed_der(der.as_bytes())),
                public,
            )
        }
        Material::Ed25519Public(key) => (Kind::Ed25519, false, None, key.to_bytes().to_vec()),
    };
    let verifying = match kind {
        Kind::Rsa { .. } => DecodingKey::from_rsa_der(&public),
        Kind::Ec(_) => DecodingKey::from_ec_der(&public),
        Kind::Ed25519 => DecodingKey::from_ed_der(&public),
        Kind::Hmac { .. } => return None,
    };
    Some(Key {
        algorithm,
        kind,
        format,
        private,
        signing,
        verifying,
        public,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::testkit::{assert_no_leak, fixture};

    fn parse(value: &str, alg: Algorithm) -> ParsedKey {
        Key::parse(value, alg, SecretEncoding::Raw)
    }

    fn only_problem(parsed: &ParsedKey) -> &Problem {
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        &parsed.problems[0]
    }

    #[test]
    fn every_pem_format_parses_for_its_algorithm() {
        for (file, alg, private, format) in [
            (
                "rsa1_private_pkcs8.pem",
                Algorithm::RS256,
                true,
                KeyFormat::Pkcs8,
            ),
            (
                "rsa1_private_pkcs1.pem",
                Algorithm::PS384,
                true,
                KeyFormat::Pkcs1,
            ),
            (
                "rsa1_public_spki.pem",
                Algorithm::RS512,
                false,
                KeyFormat::Spki,
            ),
            (
                "rsa1_public_pkcs1.pem",
                Algorithm::RS256,
                false,
                KeyFormat::Pkcs1,
            ),
            (
                "p256_private_sec1.pem",
                Algorithm::ES256,
                true,
                KeyFormat::Sec1,
            ),
            (
                "p256_private_pkcs8.pem",
                Algorithm::ES256,
                true,
                KeyFormat::Pkcs8,
            ),
            (
                "p256_public_spki.pem",
                Algorithm::ES256,
                false,
                KeyFormat::Spki,
            ),
            (
                "p384_private_sec1.pem",
                Algorithm::ES384,
                true,
                KeyFormat::Sec1,
            ),
            (
                "p384_private_pkcs8.pem",
                Algorithm::ES384,
                true,
                KeyFormat::Pkcs8,
            ),
            (
                "p384_public_spki.pem",
                Algorithm::ES384,
                false,
                KeyFormat::Spki,
            ),
            (
                "ed25519_1_private_pkcs8.pem",
                Algorithm::EdDSA,
                true,
                KeyFormat::Pkcs8,
            ),
            (
                "ed25519_1_public_spki.pem",
                Algorithm::EdDSA,
                false,
                KeyFormat::Spki,
            ),
        ] {
            let parsed = parse(&fixture(file), alg);
            assert!(parsed.problems.is_empty(), "{file}: {:?}", parsed.problems);
            let key = parsed.key.unwrap();
            assert_eq!(key.is_private(), private, "{file}");
            assert_eq!(key.can_sign(), private, "{file}");
            assert_eq!(key.format(), format, "{file}");
            assert_eq!(key.algorithm(), alg);
        }
        let rsa = parse(&fixture("rsa1_private_pkcs8.pem"), Algorithm::RS256)
            .key
            .unwrap();
        assert_eq!(rsa.rsa_bits(), Some(2048));
        assert_eq!(rsa.describe(), "2048-bit RSA private key (PKCS#8)");
        assert_eq!(
            format!("{rsa:?}"),
            "Key(RS256, 2048-bit RSA private key (PKCS#8))"
        );
    }

    #[test]
    fn a_private_key_and_its_public_key_verify_the_same_in_every_format() {
        for (private, public, alg) in [
            (
                "rsa1_private_pkcs8.pem",
                "rsa1_public_spki.pem",
                Algorithm::RS256,
            ),
            (
                "rsa1_private_pkcs1.pem",
                "rsa1_public_pkcs1.pem",
                Algorithm::RS256,
            ),
            (
                "rsa1_private_pkcs1.pem",
                "rsa1_public_spki.pem",
                Algorithm::RS256,
            ),
            (
                "p256_private_sec1.pem",
                "p256_public_spki.pem",
                Algorithm::ES256,
            ),
            (
                "p256_private_pkcs8.pem",
                "p256_public_spki.pem",
                Algorithm::ES256,
            ),
            (
                "p384_private_sec1.pem",
                "p384_public_spki.pem",
                Algorithm::ES384,
            ),
            (
                "ed25519_2_private_pkcs8.pem",
                "ed25519_2_public_spki.pem",
                Algorithm::EdDSA,
            ),
        ] {
            let private = parse(&fixture(private), alg).key.unwrap();
            let public = parse(&fixture(public), alg).key.unwrap();
            assert!(private.verifies_same_as(&public));
            assert!(private.public_key().verifies_same_as(&public));
            assert!(!private.public_key().can_sign());
            assert_eq!(private.public_fingerprint(), public.public_fingerprint());
        }
        let one = parse(&fixture("rsa1_public_spki.pem"), Algorithm::RS256)
            .key
            .unwrap();
        let two = parse(&fixture("rsa2_public_spki.pem"), Algorithm::RS256)
            .key
            .unwrap();
        assert!(!one.verifies_same_as(&two));
        assert_ne!(one.public_fingerprint(), two.public_fingerprint());
    }

    #[test]
    fn a_trailing_newline_or_crlf_after_the_end_line_is_normal() {
        let pem = fixture("p256_public_spki.pem");
        assert!(pem.ends_with("-----\n"));
        assert!(parse(&pem, Algorithm::ES256).problems.is_empty());
        assert!(parse(pem.trim_end(), Algorithm::ES256).problems.is_empty());
        let crlf = pem.replace('\n', "\r\n");
        assert!(parse(&crlf, Algorithm::ES256).problems.is_empty());
        // `openssl ecparam -genkey` without -noout writes the parameters first
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
            fixture("p256_private_sec1.pem")
        );
        assert!(parse(&with_params, Algorithm::ES256).key.is_some());
    }

    #[test]
    fn rsa_1024_is_too_short_but_still_usable() {
        let value = fixture("rsa1024_private_pkcs8.pem");
        let parsed = parse(&value, Algorithm::RS256);
        let problem = only_problem(&parsed).clone();
        assert_eq!(problem.code, Code::JwtKeyTooShort);
        assert_eq!(
            problem.message,
            "is a 1024-bit RSA key; RS256 needs at least 2048 bits"
        );
        assert_eq!(parsed.key.unwrap().rsa_bits(), Some(1024));
        // under 1024 bits the RSA crate refuses the key: still reported by its size
        let tiny = fixture("rsa512_public_spki.pem");
        let parsed = parse(&tiny, Algorithm::RS256);
        assert_eq!(only_problem(&parsed).code, Code::JwtKeyTooShort);
        assert_eq!(
            only_problem(&parsed).message,
            "is a 512-bit RSA key; RS256 needs at least 2048 bits"
        );
        assert!(parsed.key.is_none());
        assert_no_leak(&format!("{problem:?}"), &value);
    }

    #[test]
    fn key_type_must_match_the_algorithm() {
        let ec_for_rsa = parse(&fixture("p256_private_pkcs8.pem"), Algorithm::RS256);
        let p = only_problem(&ec_for_rsa);
        assert_eq!(p.code, Code::JwtKeyInvalid);
        assert_eq!(
            p.message,
            "is an EC key on P-256 (BEGIN PRIVATE KEY), but RS256 needs an RSA key"
        );
        let p384_for_es256 = parse(&fixture("p384_public_spki.pem"), Algorithm::ES256);
        assert_eq!(
            only_problem(&p384_for_es256).message,
            "is an EC key on P-384 (BEGIN PUBLIC KEY), but ES256 needs an EC key on P-256"
        );
        let sec1_p384_for_es256 = parse(&fixture("p384_private_sec1.pem"), Algorithm::ES256);
        assert!(only_problem(&sec1_p384_for_es256).message.contains("P-384"));
        let rsa_for_eddsa = parse(&fixture("rsa2_public_pkcs1.pem"), Algorithm::EdDSA);
        assert!(only_problem(&rsa_for_eddsa)
            .message
            .starts_with("is an RSA key (BEGIN RSA PUBLIC KEY), but EdDSA needs an Ed25519 key"));
        let pem_for_hmac = parse(&fixture("rsa1_public_spki.pem"), Algorithm::HS256);
        assert_eq!(
            only_problem(&pem_for_hmac).message,
            "is a PEM key (BEGIN PUBLIC KEY), but HS256 signs with a shared secret"
        );
    }

    #[test]
    fn a_wrong_or_unknown_pem_header_says_which_header_was_expected() {
        let body: String = fixture("rsa1_public_spki.pem")
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n");
        let cert = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        let p = only_problem(&parse(&cert, Algorithm::RS256)).clone();
        assert_eq!(p.code, Code::JwtKeyInvalid);
        assert!(p.message.starts_with("is a certificate (BEGIN CERTIFICATE), not a key: expected BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY (issuer), BEGIN PUBLIC KEY"), "{}", p.message);
        assert_no_leak(&format!("{p:?}"), &cert);

        let odd = format!("-----BEGIN DSA PUBLIC KEY-----\n{body}\n-----END DSA PUBLIC KEY-----\n");
        let p = only_problem(&parse(&odd, Algorithm::ES256)).clone();
        assert_eq!(p.message, "has BEGIN DSA PUBLIC KEY, which is not a key header: ES256 needs an EC key on P-256, expected BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY (issuer), BEGIN PUBLIC KEY (consumer)");

        // the header says RSA PUBLIC KEY but the body is SPKI
        let mislabelled =
            format!("-----BEGIN RSA PUBLIC KEY-----\n{body}\n-----END RSA PUBLIC KEY-----\n");
        let p = only_problem(&parse(&mislabelled, Algorithm::RS256)).clone();
        assert!(
            p.message.starts_with(
                "has BEGIN RSA PUBLIC KEY but could not be read as a PKCS#1 RSA public key"
            ),
            "{}",
            p.message
        );
        assert_no_leak(&format!("{p:?}"), &mislabelled);

        let cut = fixture("rsa1_private_pkcs8.pem");
        let cut = &cut[..cut.len() / 2];
        let p = only_problem(&parse(cut, Algorithm::RS256)).clone();
        assert!(p.message.contains("no matching END line"), "{}", p.message);
        assert_no_leak(&format!("{p:?}"), cut);

        let escaped = fixture("p256_public_spki.pem").replace('\n', "\\n");
        let p = only_problem(&parse(&escaped, Algorithm::ES256)).clone();
        assert_eq!(
            p.message,
            "is a PEM key written on one line with `\\n` text instead of line breaks"
        );

        let p = only_problem(&parse(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1 me@host",
            Algorithm::EdDSA,
        ))
        .clone();
        assert!(
            p.message.starts_with("is an OpenSSH public key line"),
            "{}",
            p.message
        );
        let p = only_problem(&parse(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
            Algorithm::EdDSA,
        ))
        .clone();
        assert!(
            p.message.starts_with("is a JWK (JSON), not PEM"),
            "{}",
            p.message
        );
        let p = only_problem(&parse("not a key at all, just text", Algorithm::EdDSA)).clone();
        assert_eq!(p.message, "is not a PEM key: EdDSA needs an Ed25519 key, expected BEGIN PRIVATE KEY (issuer), BEGIN PUBLIC KEY (consumer)");
    }

    #[test]
    fn a_token_pasted_as_the_key_is_invalid_and_says_so() {
        let token = fixture("rfc7515_a1_hs256.jwt");
        for alg in [Algorithm::HS256, Algorithm::RS256] {
            let parsed = parse(token.trim(), alg);
            let p = only_problem(&parsed);
            assert_eq!(p.code, Code::JwtKeyInvalid);
            assert!(p
                .message
                .contains("a token was pasted where the signing key belongs"));
            assert_no_leak(&format!("{p:?}"), &token);
        }
    }

    #[test]
    fn hmac_secrets_in_every_encoding_with_and_without_padding() {
        // 33 bytes: base64 needs one pad character... 32 bytes needs one `=`.
        let bytes: Vec<u8> = (0u8..32)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        let b64 = data_encoding::BASE64.encode(&bytes);
        let b64url = data_encoding::BASE64URL.encode(&bytes);
        assert!(b64.ends_with('=') && b64url.ends_with('='));
        let hex = data_encoding::HEXLOWER.encode(&bytes);
        for (value, encoding) in [
            (b64.clone(), SecretEncoding::Base64),
            (
                b64.trim_end_matches('=').to_string(),
                SecretEncoding::Base64,
            ),
            (b64url.clone(), SecretEncoding::Base64Url),
            (
                b64url.trim_end_matches('=').to_string(),
                SecretEncoding::Base64Url,
            ),
            (hex.clone(), SecretEncoding::Hex),
            (hex.to_uppercase(), SecretEncoding::Hex),
        ] {
            let parsed = Key::parse(&value, Algorithm::HS256, encoding);
            assert!(
                parsed.problems.is_empty(),
                "{encoding:?}: {:?}",
                parsed.problems
            );
            assert_eq!(parsed.key.unwrap().secret_bytes(), Some(32));
        }
        // the RFC 7515 A.1 key is base64url without padding, 64 bytes
        let rfc = fixture("rfc7515_a1_hs256.key");
        let parsed = Key::parse(rfc.trim(), Algorithm::HS512, SecretEncoding::Base64Url);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.key.unwrap().secret_bytes(), Some(64));
        // the same key is not base64: `-` and `_` are base64url characters
        let wrong = Key::parse(rfc.trim(), Algorithm::HS256, SecretEncoding::Base64);
        let p = only_problem(&wrong);
        assert_eq!(p.code, Code::JwtKeyInvalid);
        assert!(
            p.message.starts_with("is not valid base64: character "),
            "{}",
            p.message
        );
        assert_eq!(
            p.hint.as_deref(),
            Some(
                "it has characters of the base64url alphabet: is `encoding = \"base64url\"` meant?"
            )
        );
        assert_no_leak(&format!("{p:?}"), &rfc);
        let odd_hex = Key::parse("abc", Algorithm::HS256, SecretEncoding::Hex);
        assert!(only_problem(&odd_hex)
            .message
            .starts_with("is not valid hex"));
    }

    #[test]
    fn hmac_minimums_follow_rfc_7518() {
        let secret = "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s"; // 32 bytes
        assert!(parse(secret, Algorithm::HS256).problems.is_empty());
        for (alg, min) in [(Algorithm::HS384, 48), (Algorithm::HS512, 64)] {
            let parsed = parse(secret, alg);
            let p = only_problem(&parsed);
            assert_eq!(p.code, Code::JwtKeyTooShort);
            assert_eq!(
                p.message,
                format!("is 32 bytes; {alg} needs at least {min} bytes (RFC 7518 section 3.2)")
            );
            assert!(parsed.key.is_some(), "a short secret still probes");
            assert_no_leak(&format!("{p:?}"), secret);
        }
        let hex = Key::parse(
            "00112233445566778899aabbccddeeff",
            Algorithm::HS256,
            SecretEncoding::Hex,
        );
        assert_eq!(only_problem(&hex).message, "is 16 bytes once decoded from hex; HS256 needs at least 32 bytes (RFC 7518 section 3.2)");
        assert_eq!(
            only_problem(&parse("", Algorithm::HS256)).message,
            "is empty"
        );
    }

    #[test]
    fn debug_never_shows_material() {
        let secret = "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s";
        let key = parse(secret, Algorithm::HS256).key.unwrap();
        assert_eq!(format!("{key:?}"), "Key(HS256, 32-byte HMAC secret)");
        let pem = fixture("ed25519_1_private_pkcs8.pem");
        let parsed = parse(&pem, Algorithm::EdDSA);
        assert_no_leak(&format!("{parsed:?}"), &pem);
    }
}
