//! The one registry of value types (SPEC section 3), as `rules::registry` is for finding
//! codes: each type's name, the attributes it takes beyond the common ones, whether it is
//! sensitive by type, and its documentation. Schema validation (known types, allowed
//! attributes, "did you mean"), the type table of `docs/schema.md` and the checks' dispatch
//! all come from here.
//!
//! Adding a type: an entry below; the compiler then asks for its arm where a
//! [`ValueType`] becomes a [`VarKind`](super::model::VarKind) (`schema::build_kind`), in
//! `VarKind::value_type` and in the checks' dispatch (`rules::types::check`); new attributes
//! are fields of `RawVar` (a test ties the two lists); and `docs/schema.md` is regenerated
//! (a test fails while it is stale).
//!
//! The value parsers that schema validation shares with the checks (durations, booleans)
//! live here too, at the bottom of the module tree.

use std::time::Duration;

/// The attributes every type accepts.
pub const COMMON_ATTRS: &[&str] = &[
    "type",
    "description",
    "required",
    "default",
    "example",
    "hint",
    "sensitive",
    "aliases",
    "required_when",
    "allow",
];

/// One attribute a type takes beyond the common ones.
#[derive(Debug)]
pub struct Attr {
    pub name: &'static str,
    /// Shown after the name in the docs, e.g. "(full match)"; empty for none.
    pub note: &'static str,
}

/// Documentation and properties of one value type.
#[derive(Debug)]
pub struct TypeInfo {
    /// The name written in schemas (`type = "jwt-key"`).
    pub name: &'static str,
    /// The attributes it takes beyond [`COMMON_ATTRS`].
    pub attrs: &'static [Attr],
    /// A variable of this type is sensitive unless it says `sensitive = false`.
    pub sensitive: bool,
    /// Its values are free text: when the variable is a secret, the placeholder and
    /// weak-secret checks judge them (not numbers, ports, durations or tokens).
    pub secret_checks: bool,
    /// What is checked, for the docs' type table.
    pub checks: &'static str,
}

impl TypeInfo {
    /// The names of [`TypeInfo::attrs`].
    pub fn attr_names(&self) -> impl ExactSizeIterator<Item = &'static str> + Clone {
        self.attrs.iter().map(|a| a.name)
    }

    pub fn takes(&self, attr: &str) -> bool {
        self.attrs.iter().any(|a| a.name == attr)
    }
}

const TEXT_ATTRS: &[Attr] = &[
    Attr {
        name: "min_length",
        note: "",
    },
    Attr {
        name: "max_length",
        note: "",
    },
    Attr {
        name: "length",
        note: "(exact)",
    },
    Attr {
        name: "pattern",
        note: "(full match)",
    },
    Attr {
        name: "values",
        note: "",
    },
    Attr {
        name: "encoding",
        note: "(`base64`, `base64url`, `hex`; padding optional)",
    },
    Attr {
        name: "bytes",
        note: "(exact, decoded)",
    },
    Attr {
        name: "min_bytes",
        note: "(decoded)",
    },
];

const RANGE_ATTRS: &[Attr] = &[
    Attr {
        name: "min",
        note: "",
    },
    Attr {
        name: "max",
        note: "",
    },
];

/// The JWS algorithms a `jwt-key`'s `algorithm` or a `jwt`'s `algorithms` may name (SPEC
/// section 3; RFC 7518 section 3.1 and RFC 8037 for `EdDSA`). `none` is never one of them.
pub const JWT_ALGORITHMS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

macro_rules! value_types {
    ($( $variant:ident => { name: $name:literal, attrs: $attrs:expr, sensitive: $sensitive:literal,
        secret_checks: $secret_checks:literal, checks: $checks:literal $(,)? } ),+ $(,)?) => {
        /// A value type, as named by a variable's `type`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ValueType { $($variant),+ }

        impl ValueType {
            /// Every type, in documentation order.
            pub const ALL: &'static [ValueType] = &[$(ValueType::$variant),+];
            /// Every type's name, in the same order (for messages and suggestions).
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            pub fn info(self) -> &'static TypeInfo {
                match self {
                    $(ValueType::$variant => &TypeInfo {
                        name: $name,
                        attrs: $attrs,
                        sensitive: $sensitive,
                        secret_checks: $secret_checks,
                        checks: $checks,
                    }),+
                }
            }
        }
    };
}

value_types! {
    String => {
        name: "string", attrs: TEXT_ATTRS, sensitive: false, secret_checks: true,
        checks: "lengths count characters; with `encoding`, `bytes`/`min_bytes` count decoded bytes",
    },
    Secret => {
        name: "secret", attrs: TEXT_ATTRS, sensitive: true, secret_checks: true,
        checks: "sensitive; plus placeholder and weak-secret checks",
    },
    Url => {
        name: "url",
        attrs: &[
            Attr { name: "schemes", note: "" },
            Attr { name: "require_host", note: "(default true)" },
            Attr { name: "forbid_hosts", note: "" },
            Attr { name: "credentials", note: "(`allow`, `forbid`, `require`)" },
        ],
        sensitive: false, secret_checks: true,
        checks: "parses; a password holding `@ / # ? %` is `invalid-url` with a percent-encoding hint (see URL checks)",
    },
    Int => {
        name: "int", attrs: RANGE_ATTRS, sensitive: false, secret_checks: false,
        checks: "a whole number",
    },
    Port => {
        name: "port", attrs: RANGE_ATTRS, sensitive: false, secret_checks: false,
        checks: "1..=65535",
    },
    Bool => {
        name: "bool", attrs: &[], sensitive: false, secret_checks: false,
        checks: "true/false, 1/0, yes/no, on/off, any case",
    },
    Enum => {
        name: "enum",
        attrs: &[
            Attr { name: "values", note: "" },
            Attr { name: "case_sensitive", note: "(default true)" },
        ],
        sensitive: false, secret_checks: false,
        checks: "one of `values`",
    },
    Duration => {
        name: "duration",
        attrs: &[
            Attr { name: "min", note: "(a duration)" },
            Attr { name: "max", note: "(a duration)" },
        ],
        sensitive: false, secret_checks: false,
        checks: "`250ms`, `30s`, `5m`, `1h30m`",
    },
    Json => {
        name: "json", attrs: &[], sensitive: false, secret_checks: true,
        checks: "parses as JSON",
    },
    JwtKey => {
        name: "jwt-key",
        attrs: &[
            Attr {
                name: "algorithm",
                note: "(`HS256`, `HS384`, `HS512`, `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `ES256`, `ES384`, `EdDSA`)",
            },
            Attr {
                name: "algorithm_var",
                note: "(a declared variable holding the algorithm; not with `algorithm`)",
            },
            Attr {
                name: "encoding",
                note: "(`raw` (default), `base64`, `base64url`, `hex`; padding optional)",
            },
        ],
        sensitive: true, secret_checks: true,
        checks: "sensitive; an HMAC secret (HS256/384/512: at least 32/48/64 bytes, `jwt-key-too-short`) or a PEM key (PKCS#1, PKCS#8, SEC1, SPKI, private or public; RSA of at least 2048 bits) of the algorithm's key type (`jwt-key-invalid`); the algorithm is `algorithm`, or the value of `algorithm_var` (its `default` when unset; with neither, the key cannot be judged); without either, a PEM key is judged by its kind and anything else as an HS256 secret; a token pasted here is `jwt-key-invalid`; plus placeholder and weak-secret checks",
    },
    Jwt => {
        name: "jwt",
        attrs: &[
            Attr { name: "algorithms", note: "(the `alg` values accepted; never `none`)" },
            Attr { name: "claims", note: "(a table of claims the payload must hold, e.g. `{ role = \"anon\" }`)" },
            Attr { name: "expires_within", note: "(a duration: warn when the token expires sooner)" },
            Attr {
                name: "signed_by",
                note: "(`VAR`, a declared `jwt-key`, or `service.VAR` in a stack: the key that must verify it)",
            },
        ],
        sensitive: true, secret_checks: false,
        checks: "sensitive; three base64url parts with JSON header and payload (`jwt-malformed`, naming the part); `alg` one of `algorithms`, never `none` (`jwt-algorithm-not-allowed`); not expired (`jwt-expired`) nor before `nbf` (`jwt-not-yet-valid`), a warning within `expires_within` (`jwt-expires-soon`); `claims` equal (`jwt-claim-mismatch`); the signature verifies with the `signed_by` key, read with that variable's own algorithm and encoding (`jwt-signature-invalid`; `service.VAR` is verified by the stack rules); signed with a published example secret is `placeholder`. Every check runs: an expired token still has its signature and claims checked",
    },
}

impl ValueType {
    /// The type a schema names, exactly as written (names are case-sensitive).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.info().name == name)
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}

/// A `bool` value: true/false, 1/0, yes/no, on/off, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    // Compared without case, and without a lower-cased copy.
    let any_of = |words: [&str; 4]| words.iter().any(|w| w.eq_ignore_ascii_case(text));
    if any_of(["true", "1", "yes", "on"]) {
        Some(true)
    } else if any_of(["false", "0", "no", "off"]) {
        Some(false)
    } else {
        None
    }
}

/// `30s`, `5m`, `1h30m`, `250ms`, `1.5h`: Go's `time.ParseDuration` grammar (units ns, us,
/// µs, ms, s, m, h; no spaces, no days), which is what services in Go and most config
/// loaders accept. `1d` or `1h 30m` would pass a laxer parser and fail at boot.
pub fn parse_duration(text: &str) -> Option<Duration> {
    const UNITS: &[(&str, f64)] = &[
        ("ns", 1e-9),
        ("us", 1e-6),
        ("\u{b5}s", 1e-6),
        ("\u{3bc}s", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("m", 60.0),
        ("h", 3600.0),
    ];
    // Go accepts a bare `0` and a leading `+`; a negative duration is no configuration.
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    let mut total = 0.0_f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let (unit, scale) = UNITS
            .iter()
            .filter(|(u, _)| rest.starts_with(u))
            .max_by_key(|(u, _)| u.len())?;
        rest = &rest[unit.len()..];
        total += number * scale;
    }
    (total.is_finite() && total < 1e12).then(|| Duration::from_secs_f64(total))
}

/// The type table of `docs/schema.md` (between its `types` markers), from the registry.
pub fn types_markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from("| type | attributes | checks |\n|---|---|---|\n");
    for (i, t) in ValueType::ALL.iter().enumerate() {
        let info = t.info();
        // A type with the same attributes as an earlier one says so instead of repeating them.
        let same_as = ValueType::ALL[..i].iter().find(|earlier| {
            let theirs = earlier.info().attrs;
            !info.attrs.is_empty()
                && theirs.len() == info.attrs.len()
                && theirs
                    .iter()
                    .zip(info.attrs)
                    .all(|(a, b)| a.name == b.name && a.note == b.note)
        });
        let attrs = match same_as {
            Some(earlier) => format!("as `{}`", earlier.name()),
            _ if info.attrs.is_empty() => String::from("—"),
            _ => info
                .attrs
                .iter()
                .map(|a| {
                    if a.note.is_empty() {
                        format!("`{}`", a.name)
                    } else {
                        format!("`{}` {}", a.name, a.note)
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            info.name,
            attrs.replace('|', "\\|"),
            info.checks.replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_lower_case_and_parse_back() {
        let mut seen = BTreeSet::new();
        for (t, name) in ValueType::ALL.iter().zip(ValueType::NAMES) {
            assert_eq!(t.name(), *name);
            assert!(seen.insert(*name), "duplicate type {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name}"
            );
            assert_eq!(ValueType::parse(name), Some(*t));
        }
        assert_eq!(ValueType::ALL.len(), ValueType::NAMES.len());
        assert_eq!(
            ValueType::parse("JWT-KEY"),
            None,
            "names are case-sensitive"
        );
        assert_eq!(ValueType::parse("jwt_key"), None);
    }

    /// The registry's attributes and `RawVar`'s fields are the same set: an attribute the
    /// registry names but `RawVar` lacks could never be written, and a field no type takes
    /// would be refused for every type.
    #[test]
    fn registry_attributes_are_exactly_the_raw_fields() {
        let registry: BTreeSet<&str> = ValueType::ALL
            .iter()
            .flat_map(|t| t.info().attr_names())
            .collect();
        let fields: BTreeSet<&str> = super::super::raw::SPECIFIC_ATTRS.iter().copied().collect();
        assert_eq!(registry, fields);
        let common: Vec<&str> = super::super::raw::COMMON_FIELDS
            .iter()
            .map(|f| if *f == "kind" { "type" } else { *f })
            .collect();
        assert_eq!(common, COMMON_ATTRS);
        for t in ValueType::ALL {
            let names: Vec<&str> = t.info().attr_names().collect();
            let unique: BTreeSet<&str> = names.iter().copied().collect();
            assert_eq!(
                names.len(),
                unique.len(),
                "{} repeats an attribute",
                t.name()
            );
            assert!(
                names.iter().all(|a| !COMMON_ATTRS.contains(a)),
                "{} repeats a common attribute",
                t.name()
            );
        }
    }

    #[test]
    fn sensitive_by_type_as_the_spec_says() {
        let sensitive: Vec<&str> = ValueType::ALL
            .iter()
            .filter(|t| t.info().sensitive)
            .map(|t| t.name())
            .collect();
        assert_eq!(sensitive, ["secret", "jwt-key", "jwt"]);
    }

    #[test]
    fn jwt_types_take_the_spec_attributes() {
        let attrs = |t: ValueType| t.info().attr_names().collect::<Vec<_>>();
        assert_eq!(
            attrs(ValueType::JwtKey),
            ["algorithm", "algorithm_var", "encoding"]
        );
        assert_eq!(
            attrs(ValueType::Jwt),
            ["algorithms", "claims", "expires_within", "signed_by"]
        );
        assert!(!JWT_ALGORITHMS.contains(&"none"));
    }

    #[test]
    fn the_docs_table_has_a_row_per_type() {
        let table = types_markdown();
        for t in ValueType::ALL {
            let row = table
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", t.name())))
                .unwrap_or_else(|| panic!("no row for {}", t.name()));
            for attr in t.info().attr_names() {
                assert!(
                    row.contains(&format!("`{attr}`")) || row.contains("| as `"),
                    "{row}"
                );
            }
        }
        assert!(table.contains("| `secret` | as `string` |"), "{table}");
        assert_eq!(table.lines().count(), 2 + ValueType::ALL.len());
    }
}
