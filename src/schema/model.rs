//! The checked schema: what validation guarantees (known type, attributes that fit it,
//! compiled patterns, parsed ranges).

use super::value_type::ValueType;
use crate::rules::{Code, Severity};
use regex::Regex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Schema {
    /// The service name: the stack's name for it, else `service`, else the file's stem.
    pub service: String,
    pub description: Option<String>,
    pub path: PathBuf,
    /// Every file this schema was read from (its includes, then itself).
    pub files: Vec<PathBuf>,
    /// In declaration order (includes first, then this file).
    pub vars: Vec<VarSpec>,
    /// `[severity]` overrides, the selected profile's applied.
    pub severity: HashMap<Code, Severity>,
    /// Profiles this schema defines.
    pub profiles: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct VarSpec {
    pub name: String,
    pub description: Option<String>,
    pub kind: VarKind,
    pub required: bool,
    /// Held as a [`Secret`](crate::secret::Secret): `Debug` of a schema must not show it.
    pub default: Option<crate::secret::Secret>,
    pub example: Option<String>,
    pub hint: Option<String>,
    pub sensitive: bool,
    pub aliases: Vec<String>,
    /// Required when another variable has one of these values.
    pub required_when: Vec<(String, Vec<String>)>,
    pub allow: Vec<Code>,
}

impl VarSpec {
    pub fn allows(&self, code: Code) -> bool {
        self.allow.contains(&code)
    }

    /// `signed_by = "service.VAR"` of a `jwt`: the service and the variable that sign it.
    pub fn signed_by_service(&self) -> Option<(&str, &str)> {
        match &self.kind {
            VarKind::Jwt(JwtRules {
                signed_by: Some(SignedBy::Service { service, var }),
                ..
            }) => Some((service, var)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum VarKind {
    String(TextRules),
    Secret(TextRules),
    Url(UrlRules),
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Port {
        min: Option<i64>,
        max: Option<i64>,
    },
    Bool,
    Enum {
        values: Vec<String>,
        case_sensitive: bool,
    },
    Duration {
        min: Option<Duration>,
        max: Option<Duration>,
    },
    Json,
    JwtKey(JwtKeyRules),
    Jwt(JwtRules),
}

impl VarKind {
    /// The registry entry of this kind's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            VarKind::String(_) => ValueType::String,
            VarKind::Secret(_) => ValueType::Secret,
            VarKind::Url(_) => ValueType::Url,
            VarKind::Int { .. } => ValueType::Int,
            VarKind::Port { .. } => ValueType::Port,
            VarKind::Bool => ValueType::Bool,
            VarKind::Enum { .. } => ValueType::Enum,
            VarKind::Duration { .. } => ValueType::Duration,
            VarKind::Json => ValueType::Json,
            VarKind::JwtKey(_) => ValueType::JwtKey,
            VarKind::Jwt(_) => ValueType::Jwt,
        }
    }

    /// The type's name as written in schemas.
    pub fn name(&self) -> &'static str {
        self.value_type().name()
    }
}

/// A `jwt-key`'s attributes.
#[derive(Debug, Clone, Default)]
pub struct JwtKeyRules {
    /// `None` when the schema names neither `algorithm` nor `algorithm_var`.
    pub algorithm: Option<KeyAlgorithm>,
    pub encoding: KeyEncoding,
}

/// Where a `jwt-key`'s algorithm comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// `algorithm = "HS256"`: one of [`JWT_ALGORITHMS`](super::value_type::JWT_ALGORITHMS).
    Fixed(String),
    /// `algorithm_var = "JWT_ALGORITHM"`: a variable this schema declares.
    FromVar(String),
}

/// How a `jwt-key`'s HMAC secret is written; PEM keys are recognised whatever it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyEncoding {
    /// The value's bytes are the secret.
    #[default]
    Raw,
    Encoded(Encoding),
}

impl KeyEncoding {
    pub fn parse(s: &str) -> Option<Self> {
        if s == "raw" {
            Some(Self::Raw)
        } else {
            Encoding::parse(s).map(Self::Encoded)
        }
    }
}

/// A `jwt`'s attributes.
#[derive(Debug, Clone, Default)]
pub struct JwtRules {
    /// Each one of [`JWT_ALGORITHMS`](super::value_type::JWT_ALGORITHMS); `None`: not
    /// restricted by the schema (`none` is refused all the same).
    pub algorithms: Option<Vec<String>>,
    /// Claims the payload must hold, each equal to the value given.
    pub claims: Vec<(String, serde_json::Value)>,
    /// Warn when the token expires within this.
    pub expires_within: Option<Duration>,
    pub signed_by: Option<SignedBy>,
}

/// The key variable that must verify a `jwt`'s signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedBy {
    /// `signed_by = "VAR"`: a variable this schema declares.
    Var(String),
    /// `signed_by = "service.VAR"`: another service's variable; resolved in a stack.
    Service { service: String, var: String },
}

#[derive(Debug, Clone, Default)]
pub struct TextRules {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub length: Option<usize>,
    pub pattern: Option<Pattern>,
    pub values: Option<Vec<String>>,
    pub encoding: Option<Encoding>,
    pub bytes: Option<usize>,
    pub min_bytes: Option<usize>,
}

/// A `pattern`, anchored for a full match, with the source text kept for messages.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    /// Shared, so that services with the same pattern share one compiled program and cache.
    pub regex: std::sync::Arc<Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Base64Url,
    Hex,
}

impl Encoding {
    pub const ALL: &'static [Encoding] = &[Self::Base64, Self::Base64Url, Self::Hex];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::Base64Url => "base64url",
            Self::Hex => "hex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Allow,
    Forbid,
    Require,
}

#[derive(Debug, Clone)]
pub struct UrlRules {
    pub schemes: Option<Vec<String>>,
    pub require_host: bool,
    pub forbid_hosts: Vec<String>,
    pub credentials: Credentials,
}

/// SPEC section 3: a variable is sensitive by type, by `sensitive = true`, or by its name,
/// unless `sensitive = false`. The SPEC's words (SECRET, PASSWORD, PASSWD, TOKEN, PRIVATE,
/// CREDENTIAL, ending in KEY) plus common spellings of the same things: PASSPHRASE, SALT,
/// AUTHORIZATION, BEARER, a `KEY` word anywhere (`API_KEY_1`, `KEY_V2`), and endings
/// `KEYS`, `PASS`, `_PW`, `_PWD`, `_AUTH`, `DSN` (Sentry-style URLs carry a key).
pub fn sensitive_by_name(name: &str) -> bool {
    use crate::secret::ends_with_ignore_ascii_case;
    // Compared without case and without an upper-cased copy, in one pass over the name
    // (the words are looked for only where a word's first letter stands): this runs for
    // every declared name.
    let name = name.as_bytes();
    (0..name.len()).any(|i| {
        SENSITIVE_WORD_STARTS[usize::from(name[i])]
            && SENSITIVE_WORDS.iter().any(|w| {
                w[0].eq_ignore_ascii_case(&name[i])
                    && name
                        .get(i..i + w.len())
                        .is_some_and(|at| at.eq_ignore_ascii_case(w))
            })
    }) || name
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"KEY_"))
        || SENSITIVE_SUFFIXES
            .iter()
            .any(|s| ends_with_ignore_ascii_case(name, s))
}

/// The endings that make a name sensitive (see [`sensitive_by_name`]).
const SENSITIVE_SUFFIXES: [&[u8]; 7] =
    [b"KEY", b"KEYS", b"PASS", b"_PW", b"_PWD", b"_AUTH", b"DSN"];

/// The words that make a name sensitive wherever they stand in it (see
/// [`sensitive_by_name`]).
const SENSITIVE_WORDS: [&[u8]; 11] = [
    b"SECRET",
    b"PASSWORD",
    b"PASSWD",
    b"TOKEN",
    b"PRIVATE",
    b"CREDENTIAL",
    b"SALT",
    b"PASSPHRASE",
    b"AUTHORIZATION",
    b"BEARER",
    b"_KEY_",
];

/// The bytes a [`SENSITIVE_WORDS`] word may start with, in either case (worked out at
/// compile time).
const SENSITIVE_WORD_STARTS: [bool; 256] = {
    let mut starts = [false; 256];
    let mut i = 0;
    while i < SENSITIVE_WORDS.len() {
        let b = SENSITIVE_WORDS[i][0];
        starts[b.to_ascii_uppercase() as usize] = true;
        starts[b.to_ascii_lowercase() as usize] = true;
        i += 1;
    }
    starts
};

/// Why `name` cannot be a variable name at all, if it cannot: no environment carries an
/// empty name, one holding `=` (the separator of `NAME=value`), or a control character, and
/// no env file can write one holding a space. Anything else printable is a name Compose
/// and Kubernetes pass on (`FOO.BAR`, `VAR-WITH-DASHES`, `a[1]`).
pub fn name_problem(name: &str) -> Option<&'static str> {
    // The common case in one pass: printable ASCII without `=` or a space.
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b'=') {
        return None;
    }
    // An ASCII name is read byte by byte: there, every whitespace character but the space
    // is a control character.
    let ascii = name.is_ascii();
    let has_control = || {
        if ascii {
            name.bytes().any(|b| b.is_ascii_control())
        } else {
            name.chars().any(char::is_control)
        }
    };
    let has_whitespace = || {
        if ascii {
            name.contains(' ')
        } else {
            name.chars().any(char::is_whitespace)
        }
    };
    if name.is_empty() {
        Some("it is empty")
    } else if name.contains('=') {
        Some("it contains `=`, which separates a name from its value")
    } else if has_control() {
        Some("it contains a control character")
    } else if has_whitespace() {
        Some("it contains whitespace")
    } else {
        None
    }
}

/// A name as schema errors show it: control characters escaped, and a name of more than
/// 80 characters cut (a hostile file's names may be megabytes long).
pub fn shown_name(name: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 80;
    // The common case, seen without counting characters: a short printable ASCII name.
    if name.len() <= MAX && name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return name.into();
    }
    match name.char_indices().nth(MAX) {
        None => crate::report::printable(name),
        Some((cut, _)) => format!("{}…", crate::report::printable(&name[..cut])).into(),
    }
}

/// Whether a POSIX shell can `export` the name: letters, digits and `_`, not starting with
/// a digit.
pub fn is_shell_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One `unexportable-name` warning for each declared variable a POSIX shell could not
/// export: Compose and Kubernetes pass such names on, but an entrypoint script cannot read
/// them, and `export`/`env` in a shell cannot set them.
pub fn unexportable_name_findings(schema: &Schema) -> Vec<crate::finding::Finding> {
    schema
        .vars
        .iter()
        .filter(|v| !is_shell_name(&v.name))
        .map(|v| {
            crate::finding::Finding::new(
                Code::UnexportableName,
                format!(
                    "{} is not a name a POSIX shell can export (letters, digits and _, not starting with a digit)",
                    v.name
                ),
            )
            .var(v.name.clone())
            .hint(String::from(
                "Compose and Kubernetes pass it on, but a shell entrypoint cannot read it; rename it if the service is started by a script, or allow this code for it",
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_beyond_a_shell_are_names_but_not_exportable() {
        for ok in ["FOO.BAR", "VAR-WITH-DASHES", "a[1]", "1ABC", "ÄPFEL", "_x"] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        for bad in ["", "A=B", "A\u{7}", "A B", "A\tB"] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(is_shell_name("_A1") && is_shell_name("db_url"));
        for not in ["FOO.BAR", "1ABC", "a[1]", "VAR-X", "ÄPFEL"] {
            assert!(!is_shell_name(not), "{not}");
        }
    }

    /// `sensitive_by_name` as first written: a substring search per word.
    fn reference_sensitive_by_name(name: &str) -> bool {
        use crate::secret::{contains_ignore_ascii_case, ends_with_ignore_ascii_case};
        let name = name.as_bytes();
        SENSITIVE_WORDS
            .iter()
            .any(|w| contains_ignore_ascii_case(name, w))
            || name
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case(b"KEY_"))
            || SENSITIVE_SUFFIXES
                .iter()
                .any(|s| ends_with_ignore_ascii_case(name, s))
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_name_check_is_the_substring_search(
            name in "([A-Za-z_]|SECRET|Passwd|passphrase|TOKE|_KEY_|key_|SALT|bearer|_PW|DSN|é){0,12}",
        ) {
            proptest::prop_assert_eq!(sensitive_by_name(&name), reference_sensitive_by_name(&name));
        }

        #[test]
        fn the_name_problem_fast_path_agrees(name in "([A-Za-z_=. ]|\\PC|\t|\u{7}){0,6}") {
            let reference = if name.is_empty() {
                Some("it is empty")
            } else if name.contains('=') {
                Some("it contains `=`, which separates a name from its value")
            } else if name.chars().any(char::is_control) {
                Some("it contains a control character")
            } else if name.chars().any(char::is_whitespace) {
                Some("it contains whitespace")
            } else {
                None
            };
            proptest::prop_assert_eq!(name_problem(&name), reference);
        }
    }

    #[test]
    fn sensitive_names() {
        for n in [
            "JWT_SECRET_KEY",
            "DB_PASSWORD",
            "API_TOKEN",
            "ANON_KEY",
            "private_pem",
            "GCP_CREDENTIALS",
        ] {
            assert!(sensitive_by_name(n), "{n}");
        }
        for n in [
            "DB_PASS",
            "MYSQL_PWD",
            "SESSION_SALT",
            "API_KEYS",
            "SENTRY_DSN",
            "GPG_PASSPHRASE",
            "API_KEY_1",
            "SIGNING_KEY_BASE64",
            "JKS_STOREPASS",
            "REDIS_AUTH",
            "DB_PW",
            "AUTHORIZATION",
        ] {
            assert!(sensitive_by_name(n), "{n}");
        }
        for n in [
            "AUTH_SERVICE_URL",
            "KEYCLOAK_URL",
            "PORT",
            "KEYS_DIR",
            "PASSPORT_URL",
            "MONKEY_MODE",
        ] {
            assert!(!sensitive_by_name(n), "{n}");
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn debug_of_a_var_spec_hides_its_default() {
        let spec = VarSpec {
            name: "API_SECRET".into(),
            description: None,
            kind: VarKind::Secret(TextRules::default()),
            required: true,
            default: Some(Secret::new("Ev9Px2Lk7Mq4Zr8Tw3Yn")),
            example: None,
            hint: None,
            sensitive: true,
            aliases: vec![],
            required_when: vec![],
            allow: vec![],
        };
        assert!(!format!("{spec:?}").contains("Ev9Px2Lk"));
    }
}
