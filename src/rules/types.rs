//! Type checks (SPEC section 3), one per type of the registry
//! ([`crate::schema::value_type`]). Messages show a value only when the variable is not
//! sensitive (URLs with `***` for the password).

use super::Code;
use crate::jwt::{self, Algorithm, Key, ParsedKey, SecretEncoding, TokenRules};
use crate::schema::model::{
    Credentials, Encoding, JwtKeyRules, JwtRules, KeyAlgorithm, KeyEncoding, SignedBy, TextRules,
    UrlRules, VarKind, VarSpec,
};
pub use crate::schema::value_type::{parse_bool, parse_duration};
use crate::secret::{
    contains_credential, is_scheme, is_well_known_scheme, mask_url, mask_value, Secret, UrlForm,
    UrlParts,
};
use std::time::Duration;

/// A problem with one value, before it is given a service, variable and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
    /// Reported as a warning whatever the code's default (a partial `unexpanded-reference`).
    pub warning: bool,
    /// The hint is about how the value was written and beats the schema's `hint`.
    pub specific_hint: bool,
}

impl Problem {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
            warning: false,
            specific_hint: false,
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// How a value may be quoted in a message: never for a sensitive variable, nor for a value
/// that holds a credential shape anywhere (a token under an innocent name); URLs masked.
/// Every message and hint that would quote a value, or say what it resembles, asks here.
/// Control characters are escaped so a value cannot drive the terminal. A URL-typed value
/// is read as a URL even without `scheme://` (`app:password` is a password after a user,
/// not a port).
pub fn shown(spec: &VarSpec, value: &str) -> Option<String> {
    if spec.sensitive || contains_credential(value) {
        return None;
    }
    let masked = if matches!(spec.kind, VarKind::Url(_)) {
        mask_url(value)
    } else {
        mask_value(value)
    };
    masked.map(|v| {
        if v.chars().any(char::is_control) {
            v.escape_debug().to_string()
        } else {
            v
        }
    })
}

fn quoted(spec: &VarSpec, value: &str) -> String {
    shown(spec, value).map_or_else(|| "the value".to_string(), |v| format!("`{v}`"))
}

/// What a value's checks may consult beyond the value itself.
#[derive(Clone, Copy, Default)]
pub struct Context<'a> {
    /// The run's time in Unix seconds, read once per run. `None` when a schema's `default`
    /// is checked: whether a schema loads must not depend on when it is loaded, so the
    /// time checks of a `jwt` are left out.
    pub now: Option<i64>,
    /// The service's other variables; `None` for a schema's `default`.
    pub service: Option<ServiceValues<'a>>,
}

/// The declared variables of one service and their resolved values (defaults included), for
/// the checks that read another variable (`algorithm_var`, `signed_by`).
#[derive(Clone, Copy)]
pub struct ServiceValues<'a> {
    /// With their effective sensitivity (a stack sibling's declaration, a credential-shaped
    /// value), which decides whether a message may quote one.
    pub specs: &'a [&'a VarSpec],
    pub values: &'a crate::source::FastMap<&'a str, &'a str>,
}

/// Whether the checks of `spec`'s type read other variables of its service (through
/// [`ServiceValues`]): only a `jwt-key` (`algorithm_var`) and a `jwt` (its key, its
/// algorithm) do. A check of another type that comes to read them must be listed here.
pub fn reads_other_variables(spec: &VarSpec) -> bool {
    matches!(spec.kind, VarKind::Jwt(_) | VarKind::JwtKey(_))
}

impl<'a> ServiceValues<'a> {
    fn spec(&self, name: &str) -> Option<&'a VarSpec> {
        self.specs.iter().copied().find(|s| s.name == name)
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.values.get(name).copied()
    }
}

/// Runs the type's checks of a value on its own (a schema's `default`): what depends on
/// other variables or on the time is left out.
pub fn check(spec: &VarSpec, value: &Secret) -> Vec<Problem> {
    check_in(spec, value, Context::default())
}

/// Runs the type's checks; every failing check is reported. Presence and hygiene (how the
/// value was written) are checked before, for every type.
pub fn check_in(spec: &VarSpec, value: &Secret, context: Context<'_>) -> Vec<Problem> {
    let text = value.expose();
    let mut out = Vec::new();
    match &spec.kind {
        VarKind::String(rules) | VarKind::Secret(rules) => check_text(spec, rules, text, &mut out),
        VarKind::Url(rules) => check_url(spec, rules, text, &mut out),
        VarKind::Int { min, max } => match text.parse::<i64>() {
            Ok(n) => check_range(spec, n, *min, *max, &mut out),
            Err(_) => out.push(Problem::new(
                Code::InvalidValue,
                format!("{} is not an integer", quoted(spec, text)),
            )),
        },
        VarKind::Port { min, max } => match text.parse::<i64>() {
            Ok(n) if (1..=65535).contains(&n) => check_range(spec, n, *min, *max, &mut out),
            Ok(n) => out.push(
                Problem::new(
                    Code::OutOfRange,
                    shown(spec, &n.to_string()).map_or_else(
                        || String::from("is not a valid port (1 to 65535)"),
                        |n| format!("is {n}, not a valid port (1 to 65535)"),
                    ),
                )
                .hint("a TCP port is a whole number from 1 to 65535"),
            ),
            Err(_) => out.push(Problem::new(
                Code::InvalidValue,
                format!("{} is not a port number", quoted(spec, text)),
            )),
        },
        VarKind::Bool => {
            if parse_bool(text).is_none() {
                out.push(
                    Problem::new(
                        Code::InvalidValue,
                        format!("{} is not a boolean", quoted(spec, text)),
                    )
                    .hint("use true/false, 1/0, yes/no or on/off (any case)"),
                );
            }
        }
        VarKind::Enum {
            values,
            case_sensitive,
        } => {
            let ok = values.iter().any(|v| {
                if *case_sensitive {
                    v == text
                } else {
                    v.eq_ignore_ascii_case(text)
                }
            });
            if !ok {
                let mut p = Problem::new(
                    Code::InvalidValue,
                    format!("{} is not one of {}", quoted(spec, text), values.join(", ")),
                );
                if shown(spec, text).is_none() {
                    // Any suggestion would say what the value resembles.
                } else if let Some(v) = values.iter().find(|v| v.eq_ignore_ascii_case(text)) {
                    p = p.hint(format!("values are case-sensitive: did you mean {v}?"));
                } else if let Some(best) =
                    crate::suggest::closest(text, values.iter().map(String::as_str))
                {
                    p = p.hint(format!("did you mean {best}?"));
                }
                out.push(p);
            }
        }
        VarKind::Duration { min, max } => match parse_duration(text) {
            Some(d) => {
                if let Some(message) = range_message(|| shown(spec, text), d, *min, *max, fmt_duration) {
                    out.push(Problem::new(Code::OutOfRange, message));
                }
            }
            None => out.push(
                Problem::new(
                    Code::InvalidValue,
                    format!("{} is not a duration", quoted(spec, text)),
                )
                .hint("write numbers with units ns, us, ms, s, m or h, without spaces: 250ms, 30s, 5m, 1h30m"),
            ),
        },
        VarKind::Json => {
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
                out.push(Problem::new(
                    Code::InvalidValue,
                    format!(
                        "is not valid JSON (line {}, column {})",
                        e.line(),
                        e.column()
                    ),
                ));
            }
        }
        VarKind::JwtKey(rules) => check_jwt_key(spec, rules, text, context, &mut out),
        VarKind::Jwt(rules) => check_jwt(rules, text, context, &mut out),
    }
    out
}

impl From<jwt::Problem> for Problem {
    fn from(p: jwt::Problem) -> Self {
        Problem {
            hint: p.hint,
            ..Problem::new(p.code, p.message)
        }
    }
}

fn secret_encoding(encoding: KeyEncoding) -> SecretEncoding {
    match encoding {
        KeyEncoding::Raw => SecretEncoding::Raw,
        KeyEncoding::Encoded(Encoding::Base64) => SecretEncoding::Base64,
        KeyEncoding::Encoded(Encoding::Base64Url) => SecretEncoding::Base64Url,
        KeyEncoding::Encoded(Encoding::Hex) => SecretEncoding::Hex,
    }
}

/// The algorithm a `jwt-key` is for: `algorithm`, or the value of its `algorithm_var`
/// (the schema's `default` when unset, as resolved). `Err` with the problem to report when
/// it cannot be known (`Err(None)`: a schema default, judged without the other variables);
/// `Ok(None)` when the schema names neither.
pub fn key_algorithm(
    rules: &JwtKeyRules,
    service: Option<ServiceValues<'_>>,
) -> Result<Option<Algorithm>, Option<Problem>> {
    match &rules.algorithm {
        None => Ok(None),
        // The registry only lets known names through.
        Some(KeyAlgorithm::Fixed(name)) => Ok(Algorithm::parse(name)),
        Some(KeyAlgorithm::FromVar(var)) => {
            let service = service.ok_or(None)?;
            let Some(value) = service.value(var) else {
                return Err(Some(
                    Problem::new(
                        Code::JwtKeyInvalid,
                        format!("cannot be judged: its algorithm comes from {var}, which is not set and has no default"),
                    )
                    .hint(format!("set {var} to the algorithm the tokens are signed with, or give it a `default` in the schema")),
                ));
            };
            // An algorithm name is not secret, unless the variable holding it is.
            let shown = service
                .spec(var)
                .and_then(|spec| shown(spec, value.trim()))
                .map_or_else(String::new, |v| format!(" (`{v}`)"));
            Algorithm::parse(value.trim()).map(Some).ok_or_else(|| {
                Some(
                    Problem::new(
                        Code::JwtKeyInvalid,
                        format!("cannot be judged: {var}{shown} is not a JWT algorithm"),
                    )
                    .hint(format!("set {var} to one of {}", Algorithm::names())),
                )
            })
        }
    }
}

/// Parses a `jwt-key` value. Without `algorithm` or `algorithm_var`, a PEM key is judged
/// for the algorithm family its key type fits, and anything else as an HS256 secret (the
/// smallest HMAC minimum).
fn parse_key(text: &str, algorithm: Option<Algorithm>, encoding: SecretEncoding) -> ParsedKey {
    if let Some(algorithm) = algorithm {
        return Key::parse(text, algorithm, encoding);
    }
    if !text.contains("-----BEGIN") {
        return Key::parse(text, Algorithm::HS256, encoding);
    }
    let mut first = None;
    for algorithm in [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let parsed = Key::parse(text, algorithm, encoding);
        if parsed.key.is_some() {
            return parsed;
        }
        first.get_or_insert(parsed);
    }
    first.unwrap_or_else(|| Key::parse(text, Algorithm::RS256, encoding))
}

/// The key a `jwt-key` variable holds, parsed for its algorithm; `None` when it does not
/// parse or its algorithm cannot be known.
pub fn parsed_key(spec: &VarSpec, text: &str, service: Option<ServiceValues<'_>>) -> Option<Key> {
    let VarKind::JwtKey(rules) = &spec.kind else {
        return None;
    };
    let algorithm = key_algorithm(rules, service).ok()?;
    parse_key(text, algorithm, secret_encoding(rules.encoding)).key
}

/// The `jwt-key` checks (SPEC section 3): the key parses for its algorithm and encoding,
/// is long enough, and is not a token; every problem is reported.
fn check_jwt_key(
    _spec: &VarSpec,
    rules: &JwtKeyRules,
    text: &str,
    context: Context<'_>,
    out: &mut Vec<Problem>,
) {
    let algorithm = match key_algorithm(rules, context.service) {
        Ok(algorithm) => algorithm,
        Err(problem) => {
            // The key cannot be judged for its algorithm, but a token pasted as a key is one
            // whatever the algorithm.
            if jwt::Token::decode(text).is_ok() {
                out.extend(
                    Key::parse(text, Algorithm::HS256, SecretEncoding::Raw)
                        .problems
                        .into_iter()
                        .map(Problem::from),
                );
            }
            out.extend(problem);
            return;
        }
    };
    let parsed = parse_key(text, algorithm, secret_encoding(rules.encoding));
    out.extend(parsed.problems.into_iter().map(Problem::from));
}

/// The `jwt` checks (SPEC section 3), all of them reported: well-formed, `alg` allowed,
/// not expired (nor soon, nor before `nbf`), `claims`, the signature with `signed_by`, and
/// not signed with a published example secret. Without a time (a schema default) the time
/// checks are left out; `signed_by = "service.VAR"` is verified by the stack rules.
fn check_jwt(rules: &JwtRules, text: &str, context: Context<'_>, out: &mut Vec<Problem>) {
    // The registry only lets known names through.
    let algorithms: Vec<Algorithm> = rules
        .algorithms
        .iter()
        .flatten()
        .filter_map(|a| Algorithm::parse(a))
        .collect();
    let mut unjudged = None;
    let key = match (&rules.signed_by, context.service) {
        (Some(SignedBy::Var(var)), Some(service)) => {
            let key = service.spec(var).and_then(|spec| {
                service
                    .value(var)
                    .and_then(|v| parsed_key(spec, v, Some(service)))
            });
            if key.is_none() {
                // A warning: the key's own findings (or its absence, when optional) say why.
                unjudged = Some(Problem {
                    warning: true,
                    ..Problem::new(
                        Code::JwtSignatureInvalid,
                        format!("cannot have its signature checked: {var} (`signed_by`) is not set or is not a usable key"),
                    )
                }
                .hint(format!("set {var} to the key that signs these tokens (its own findings say what is wrong with it)")));
            }
            key.map(|k| (var.as_str(), k))
        }
        _ => None,
    };
    let token_rules = TokenRules {
        now: context.now.unwrap_or(0),
        algorithms: &algorithms,
        expires_within: rules.expires_within.map(|d| d.as_secs()),
        claims: &rules.claims,
        signed_by: key.as_ref().map(|(var, key)| (*var, key)),
    };
    let checked = jwt::check_token(text, &token_rules);
    let timeless = context.now.is_none();
    out.extend(
        checked
            .problems
            .into_iter()
            .filter(|p| {
                !(timeless
                    && matches!(
                        p.code,
                        Code::JwtExpired | Code::JwtExpiresSoon | Code::JwtNotYetValid
                    ))
            })
            .map(Problem::from),
    );
    if checked.token.is_some() {
        out.extend(unjudged);
    }
}

/// What `explain` shows of a `jwt` or `jwt-key` value, as (name, text) pairs: for a token
/// its header and time claims (dates, and "expires in 3 days"), the claims the schema
/// names, and whether `signed_by` verifies it; for a key its algorithm, kind, size and
/// public fingerprint. Never key or token material, nor the signature. Empty for other
/// types, and for a value that does not parse (its findings say why).
pub fn jwt_facts(spec: &VarSpec, text: &str, context: Context<'_>) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    let mut fact = |name: &str, value: String| facts.push((name.to_string(), value));
    match &spec.kind {
        VarKind::JwtKey(rules) => {
            let algorithm = key_algorithm(rules, context.service).ok().flatten();
            if let Some(key) = parse_key(text, algorithm, secret_encoding(rules.encoding)).key {
                let from = match &rules.algorithm {
                    Some(KeyAlgorithm::FromVar(var)) => format!(" (from {var})"),
                    Some(KeyAlgorithm::Fixed(_)) => String::new(),
                    None => String::from(" (the schema names none: judged by the key's kind)"),
                };
                fact("algorithm", format!("{}{from}", key.algorithm()));
                fact("key", key.describe());
                if let Some(fp) = key.public_fingerprint() {
                    fact("public_fingerprint", fp);
                }
            }
        }
        VarKind::Jwt(rules) => {
            let Ok(token) = jwt::Token::decode(text) else {
                return facts;
            };
            let now = context.now;
            let quoted = |s: &str| jwt::token::show_value(&serde_json::Value::from(s));
            fact(
                "alg",
                token
                    .algorithm()
                    .map_or_else(|| quoted(token.alg()), |a| a.as_str().to_string()),
            );
            if let Some(kid) = token.kid() {
                fact("kid", quoted(kid));
            }
            if let Some(iss) = token.iss() {
                fact("iss", quoted(iss));
            }
            let aud = token.aud();
            if !aud.is_empty() {
                fact(
                    "aud",
                    aud.iter().map(|a| quoted(a)).collect::<Vec<_>>().join(", "),
                );
            }
            let when = |seconds: i64, future: &str, past: &str| match now {
                Some(now) if seconds > now => {
                    format!(
                        "{} ({future} {})",
                        jwt::date(seconds),
                        jwt::describe_time(seconds, now)
                    )
                }
                Some(now) => format!(
                    "{} ({past} {})",
                    jwt::date(seconds),
                    jwt::describe_time(seconds, now)
                ),
                None => jwt::date(seconds),
            };
            match token.exp() {
                Some(exp) => fact("exp", when(exp, "expires", "expired")),
                None => fact("exp", String::from("none (the token never expires)")),
            }
            if let Some(nbf) = token.nbf() {
                fact("nbf", when(nbf, "valid", "valid since"));
            }
            if let Some(iat) = token.iat() {
                fact("iat", when(iat, "issued", "issued"));
            }
            for (name, _) in &rules.claims {
                let value = token
                    .claim(name)
                    .map_or_else(|| String::from("absent"), jwt::token::show_value);
                fact(&format!("claim {name}"), value);
            }
            match &rules.signed_by {
                Some(SignedBy::Var(var)) => {
                    let key = context.service.and_then(|service| {
                        let spec = service.spec(var)?;
                        parsed_key(spec, service.value(var)?, Some(service))
                    });
                    let verdict = match key {
                        Some(key) if token.verifies_with(&key) => {
                            format!("{var} ({}): the signature verifies", key.algorithm())
                        }
                        Some(key) => {
                            format!("{var} ({}): the signature does NOT verify", key.algorithm())
                        }
                        None => format!("{var}: not set or not a usable key"),
                    };
                    fact("signed_by", verdict);
                }
                Some(SignedBy::Service { service, var }) => fact(
                    "signed_by",
                    format!("{service}.{var} (verified by the stack's rules)"),
                ),
                None => {}
            }
        }
        _ => {}
    }
    facts
}

fn check_range(spec: &VarSpec, n: i64, min: Option<i64>, max: Option<i64>, out: &mut Vec<Problem>) {
    if let Some(message) = range_message(
        || shown(spec, &n.to_string()),
        n,
        min,
        max,
        |m| m.to_string(),
    ) {
        out.push(Problem::new(Code::OutOfRange, message));
    }
}

/// "is 0, below the minimum 1" / "is above the maximum 1h" (the value only when it may be
/// shown), or `None` within range.
///
/// `shown` is asked only for a value out of range: one within it costs no masking.
fn range_message<T: PartialOrd + Copy>(
    shown: impl Fn() -> Option<String>,
    value: T,
    min: Option<T>,
    max: Option<T>,
    fmt: impl Fn(T) -> String,
) -> Option<String> {
    let is = || shown().map_or_else(|| String::from("is"), |v| format!("is {v},"));
    if let Some(m) = min.filter(|m| value < *m) {
        return Some(format!("{} below the minimum {}", is(), fmt(m)));
    }
    max.filter(|m| value > *m)
        .map(|m| format!("{} above the maximum {}", is(), fmt(m)))
}

fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn check_text(spec: &VarSpec, rules: &TextRules, text: &str, out: &mut Vec<Problem>) {
    let len = text.chars().count();
    // Hex doubles the length: enough random bytes for the minimum, never fewer than 32.
    let generate = spec.sensitive.then(|| {
        let bytes = rules.min_length.map_or(32, |m| m.div_ceil(2).max(32));
        format!("generate one with: openssl rand -hex {bytes}")
    });
    if let Some(exact) = rules.length {
        if len != exact {
            let code = if len < exact {
                Code::TooShort
            } else {
                Code::TooLong
            };
            out.push(Problem::new(
                code,
                format!(
                    "is {}; must be exactly {}",
                    plural(len, "character"),
                    plural(exact, "character")
                ),
            ));
        }
    }
    if let Some(min) = rules.min_length {
        if len < min {
            let mut p = Problem::new(
                Code::TooShort,
                format!(
                    "is {}; must be at least {}",
                    plural(len, "character"),
                    plural(min, "character")
                ),
            );
            if let Some(g) = &generate {
                p = p.hint(g.clone());
            }
            out.push(p);
        }
    }
    if let Some(max) = rules.max_length {
        if len > max {
            out.push(Problem::new(
                Code::TooLong,
                format!(
                    "is {}; must be at most {}",
                    plural(len, "character"),
                    plural(max, "character")
                ),
            ));
        }
    }
    if let Some(pattern) = &rules.pattern {
        if !pattern.regex.is_match(text) {
            let mut p = Problem::new(
                Code::PatternMismatch,
                format!("does not match the pattern `{}`", pattern.source),
            );
            if let Some(example) = &spec.example {
                p = p.hint(format!("expected something like `{example}`"));
            }
            out.push(p);
        }
    }
    if let Some(values) = &rules.values {
        if !values.iter().any(|v| v == text) {
            out.push(Problem::new(
                Code::InvalidValue,
                format!("{} is not one of {}", quoted(spec, text), values.join(", ")),
            ));
        }
    }
    if let Some(encoding) = rules.encoding {
        match decode(encoding, text) {
            None => out.push(
                Problem::new(
                    Code::InvalidEncoding,
                    format!("is not valid {}", encoding.name()),
                )
                .hint(encoding_hint(encoding, text)),
            ),
            Some(n) => {
                // 64 hex digits are valid base64 too, decoding to 48 bytes instead of 32.
                let hex_hint = (encoding != Encoding::Hex
                    && text.len() % 2 == 0
                    && text.chars().all(|c| c.is_ascii_hexdigit()))
                .then(|| {
                    format!(
                        "it looks like hex: if it is, declare encoding = \"hex\" (as hex it is {})",
                        plural(text.len() / 2, "byte")
                    )
                });
                if let Some(exact) = rules.bytes {
                    if n != exact {
                        let code = if n < exact {
                            Code::TooShort
                        } else {
                            Code::TooLong
                        };
                        let mut p = Problem::new(
                            code,
                            format!(
                                "decodes to {}; must be exactly {}",
                                plural(n, "byte"),
                                plural(exact, "byte")
                            ),
                        );
                        p.specific_hint = hex_hint.is_some();
                        p.hint.clone_from(&hex_hint);
                        out.push(p);
                    }
                }
                if let Some(min) = rules.min_bytes {
                    if n < min {
                        let generate = || {
                            let tool = if encoding == Encoding::Hex {
                                "hex"
                            } else {
                                "base64"
                            };
                            format!("generate one with: openssl rand -{tool} {min}")
                        };
                        let mut p = Problem::new(
                            Code::TooShort,
                            format!(
                                "decodes to {}; must be at least {}",
                                plural(n, "byte"),
                                plural(min, "byte")
                            ),
                        )
                        .hint(hex_hint.clone().unwrap_or_else(generate));
                        p.specific_hint = hex_hint.is_some();
                        out.push(p);
                    }
                }
            }
        }
    }
}

/// Decoded length, or `None` when the text does not decode. Padding is optional.
pub fn decode(encoding: Encoding, text: &str) -> Option<usize> {
    use data_encoding::{BASE64URL_NOPAD, BASE64_NOPAD, HEXLOWER_PERMISSIVE};
    let bytes = match encoding {
        Encoding::Hex => HEXLOWER_PERMISSIVE.decode(text.as_bytes()),
        Encoding::Base64 => BASE64_NOPAD.decode(text.trim_end_matches('=').as_bytes()),
        Encoding::Base64Url => BASE64URL_NOPAD.decode(text.trim_end_matches('=').as_bytes()),
    };
    bytes.ok().map(|b| b.len())
}

fn encoding_hint(encoding: Encoding, text: &str) -> String {
    match encoding {
        Encoding::Base64 if text.contains(['-', '_']) => {
            "it contains - or _: is it base64url rather than base64?".into()
        }
        Encoding::Base64Url if text.contains(['+', '/']) => {
            "it contains + or /: is it base64 rather than base64url?".into()
        }
        Encoding::Hex => "hex uses only 0-9 and a-f, two digits per byte".into(),
        _ => format!(
            "expected {} text, e.g. from `openssl rand -base64 32`",
            encoding.name()
        ),
    }
}

const PERCENT_ENCODE_HINT: &str = "the password seems to contain @, /, #, ? or %: percent-encode it (@ as %40, / as %2F, # as %23, ? as %3F, % as %25)";

/// Whether a URL's scheme may be named in a message: it is a valid scheme, and the value is
/// not sensitive or the scheme is one the schema declares or every reader knows. Otherwise
/// the "scheme" may be a piece of a secret (`SENTRY_DSN=secretpart:https://...`).
fn scheme_nameable(spec: &VarSpec, rules: &UrlRules, text: &str, scheme: &str) -> bool {
    is_scheme(scheme)
        && (shown(spec, text).is_some()
            || is_well_known_scheme(scheme)
            || rules
                .schemes
                .iter()
                .flatten()
                .any(|s| s.eq_ignore_ascii_case(scheme)))
}

/// The scheme an example URL in a hint starts with: the first the schema allows, else the
/// value's own when it may be named, else the word `scheme`. Hints never invent a scheme
/// the schema would refuse.
fn example_scheme(rules: &UrlRules, own: Option<&str>) -> String {
    rules
        .schemes
        .as_ref()
        .and_then(|s| s.first())
        .map(String::as_str)
        .or(own)
        .unwrap_or("scheme")
        .to_ascii_lowercase()
}

/// The scheme of a hint's example URL ([`example_scheme`]), worked out when it is written.
struct ExampleScheme<'a> {
    spec: &'a VarSpec,
    rules: &'a UrlRules,
    text: &'a str,
    own: &'a str,
}

impl std::fmt::Display for ExampleScheme<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nameable = scheme_nameable(self.spec, self.rules, self.text, self.own);
        f.write_str(&example_scheme(self.rules, nameable.then_some(self.own)))
    }
}

fn check_url(spec: &VarSpec, rules: &UrlRules, text: &str, out: &mut Vec<Problem>) {
    // `auth:8081` and `http:/auth` parse (as an opaque or normalised URL) but are not what
    // the writer meant.
    let parts = UrlParts::read(text);
    let credentials = parts.credentials();
    if parts.form != UrlForm::SchemeSlashes {
        let scheme = example_scheme(rules, None);
        // `db:5432/app` is told the URL it was meant to be, when it may be shown.
        let hint = match shown(spec, text) {
            _ if credentials.not_a_port.is_some() => format!(
                "write a full URL that starts with a scheme; a password goes before the host, after its user: {scheme}://user:password@host:port/..."
            ),
            Some(v) if !v.is_empty() && !v.contains(":/") && !v.starts_with(['/', '\\']) => {
                format!("write a full URL that starts with a scheme: {scheme}://{v}")
            }
            _ => format!("write a full URL that starts with a scheme: {scheme}://host:port/..."),
        };
        out.push(Problem::new(Code::InvalidUrl, "is not a full URL (no `scheme://`)").hint(hint));
        return;
    }
    // Worded only when a message needs it: a valid URL costs no masking of its text.
    let example = ExampleScheme {
        spec,
        rules,
        text,
        own: parts.scheme,
    };
    // `secret part:https://...`: what precedes `://` is no scheme, and is never quoted.
    if !parts.scheme_is_valid() {
        let problem = match &rules.schemes {
            Some(schemes) => Problem::new(
                Code::UrlScheme,
                format!(
                    "does not start with a scheme the schema allows; expected {}",
                    schemes.join(" or ")
                ),
            ),
            None => Problem::new(
                Code::InvalidUrl,
                "does not start with a scheme: what precedes `://` is neither a scheme (a letter, then letters, digits, `+`, `-` or `.`) nor a chain of words such as `jdbc:postgresql`",
            ),
        };
        out.push(problem.hint(format!("start it with {example}:// and nothing before it")));
        return;
    }
    // A password holding `@`, `/`, `#` or `?` leaves the user-info's end unknown:
    // `postgres://app:p#ss@db/app` parses with host `p`.
    if password_needs_encoding(&parts, text) {
        out.push(
            Problem::new(Code::InvalidUrl, "has characters in its user or password that end the host early or are not valid percent-encoding")
                .hint(PERCENT_ENCODE_HINT),
        );
        return;
    }
    // `redis://default:PASSWORD`, `redis://h:6379,PASSWORD`: a password without `@host`
    // reads as a port. Nothing after the host is quoted.
    if credentials.not_a_port.is_some() {
        out.push(
            Problem::new(
                Code::InvalidUrl,
                "is not a valid URL: what follows the host's `:` is not a port number (1 to 65535)",
            )
            .hint(format!(
                "the port must be a number from 1 to 65535, after the host: {example}://host:8080; \
                 a password needs its user and `@` before the host: {example}://user:password@host"
            )),
        );
        return;
    }
    // A JDBC chain (`jdbc:postgresql://db/app`): its first link is the scheme, the URL
    // after its last link holds host and port.
    let chain = parts
        .scheme
        .find(':')
        .zip(parts.scheme.rfind(':'))
        .map(|(first, last)| (&parts.scheme[..first], last + 1));
    let url = match url::Url::parse(&text[chain.map_or(0, |(_, from)| from)..]) {
        Ok(u) => u,
        Err(e) => {
            let hint = match e {
                url::ParseError::InvalidPort => format!(
                    "the port must be a number from 1 to 65535, after the host: {example}://host:8080"
                ),
                url::ParseError::InvalidIpv6Address => format!(
                    "an IPv6 address goes in brackets: {example}://[fd00::1]:8080"
                ),
                url::ParseError::EmptyHost => {
                    format!("a host is needed after `//`: {example}://host:port/...")
                }
                _ if text.contains('@') => PERCENT_ENCODE_HINT.to_string(),
                _ => format!(
                    "check the URL's syntax: {example}://user:password@host:port/path"
                ),
            };
            out.push(
                Problem::new(Code::InvalidUrl, format!("is not a valid URL ({e})")).hint(hint),
            );
            return;
        }
    };
    let lower_link;
    let scheme = match chain {
        Some((first, _)) => {
            lower_link = first.to_ascii_lowercase();
            lower_link.as_str()
        }
        None => url.scheme(),
    };
    if let Some(schemes) = &rules.schemes {
        if !schemes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme) || s.eq_ignore_ascii_case(parts.scheme))
        {
            let nameable = scheme_nameable(spec, rules, text, scheme);
            let expected = schemes.join(" or ");
            let mut p = Problem::new(
                Code::UrlScheme,
                if nameable {
                    format!("uses the scheme `{scheme}`; expected {expected}")
                } else {
                    format!("does not start with a scheme the schema allows; expected {expected}")
                },
            );
            let base = |s: &str| match s
                .split('+')
                .next()
                .unwrap_or(s)
                .to_ascii_lowercase()
                .as_str()
            {
                "postgres" => String::from("postgresql"),
                other => other.to_string(),
            };
            if let Some(async_form) = schemes.iter().find(|s| {
                s.contains('+') && base(s) == base(scheme) && !s.eq_ignore_ascii_case(scheme)
            }) {
                p = p.hint(if nameable {
                    format!("the app needs the `{async_form}` driver form: write {async_form}://... instead of {scheme}://...")
                } else {
                    format!("the app needs the `{async_form}` driver form: write {async_form}://...")
                });
            } else if scheme == "http" && schemes.iter().any(|s| s == "https") {
                p = p.hint("use https:// here");
            }
            out.push(p);
        }
    }
    let host = url.host_str().unwrap_or("");
    if rules.require_host && host.is_empty() {
        let hint = if url.query().is_some_and(|q| q.contains("host=")) {
            String::from("a Unix-socket URL (`?host=/path`) has no host: declare require_host = false for this variable")
        } else {
            format!("write the host after `//`: {example}://host:port/path")
        };
        out.push(
            Problem::new(
                Code::InvalidUrl,
                format!("{} has no host", quoted(spec, text)),
            )
            .hint(hint),
        );
    }
    let forbidden = (!host.is_empty())
        .then(|| rules.forbid_hosts.iter().find_map(|h| host_match(host, h)))
        .flatten();
    if let Some(matched) = forbidden {
        // No host or port is invented: the stack's `hosts` (or Compose's service name) and
        // the service's port are what the value should hold, with a scheme the schema allows.
        let container = if is_loopback(host) {
            "inside a container, localhost is the container itself: "
        } else {
            ""
        };
        // A sensitive value's host may be a piece of it (`<token>.localhost`): the rule it
        // broke is named instead.
        let what = match (shown(spec, text), matched) {
            (Some(_), _) => format!("`{host}`"),
            (None, HostMatch::Entry(entry)) => format!("`{entry}`"),
            (None, HostMatch::LocalhostName) => String::from("a localhost name (`*.localhost`)"),
            (None, HostMatch::Loopback) => String::from("a loopback address"),
        };
        out.push(
            Problem::new(
                Code::UrlHostForbidden,
                format!("points at {what}, which is not allowed here"),
            )
            .hint(format!(
                "{container}use the host other services use to reach that service, as the \
                 stack's `hosts` names it (by default its service name), and its port: \
                 {example}://<host>:<port>"
            )),
        );
    }
    let has_credentials = !url.username().is_empty() || url.password().is_some();
    match rules.credentials {
        Credentials::Forbid if has_credentials => out.push(
            Problem::new(
                Code::UrlCredentials,
                "contains credentials, which are not allowed here",
            )
            .hint("move the user and password to their own secret variables"),
        ),
        Credentials::Require if !has_credentials => out.push(
            Problem::new(
                Code::UrlCredentials,
                "has no user or password, which this URL needs",
            )
            .hint(format!("write {example}://user:password@host/...")),
        ),
        _ => {}
    }
}

/// True when the user-info of a URL holds characters that must be percent-encoded: an `@`,
/// `/`, `#`, `?` or `\` that leaves its end unknown ([`UrlParts::ambiguous`]), or a `%` that
/// does not start a percent-escape.
fn password_needs_encoding(parts: &UrlParts, text: &str) -> bool {
    if parts.ambiguous {
        return true;
    }
    let Some(range) = parts.userinfo() else {
        return false;
    };
    let userinfo = &text[range];
    userinfo.match_indices('%').any(|(i, _)| {
        let hex = userinfo.get(i + 1..i + 3).unwrap_or("");
        hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// `localhost`, `*.localhost`, 127.x, `::1` or the unspecified address: inside a container,
/// all of them mean the container itself.
fn is_loopback(host: &str) -> bool {
    host_matches(host, "localhost")
        || host_matches(host, "127.0.0.1")
        || host_matches(host, "::1")
        || host_matches(host, "0.0.0.0")
        || host_matches(host, "::")
}

/// How a host matched a `forbid_hosts` entry: what a message may say of it when the host
/// itself may not be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostMatch<'s> {
    /// The entry itself (schema text), case and a trailing dot aside.
    Entry(&'s str),
    /// A name under `.localhost`, for the entry `localhost`.
    LocalhostName,
    /// Another loopback address than the entry's.
    Loopback,
}

fn host_matches(host: &str, forbidden: &str) -> bool {
    host_match(host, forbidden).is_some()
}

/// A host against a `forbid_hosts` entry: case and a trailing dot ignored; `localhost`
/// also forbids `*.localhost` (RFC 6761), and a 127.x address the whole loopback range.
fn host_match<'s>(host: &str, forbidden: &'s str) -> Option<HostMatch<'s>> {
    let norm = |h: &str| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase()
    };
    let (host, entry) = (norm(host), norm(forbidden));
    if host == entry {
        return Some(HostMatch::Entry(forbidden));
    }
    if entry == "localhost" && host.ends_with(".localhost") {
        return Some(HostMatch::LocalhostName);
    }
    match (
        host.parse::<std::net::IpAddr>(),
        entry.parse::<std::net::IpAddr>(),
    ) {
        (Ok(h), Ok(f)) if h.is_loopback() && f.is_loopback() && h.is_ipv4() == f.is_ipv4() => {
            Some(HostMatch::Loopback)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::{Pattern, VarSpec};

    fn spec(kind: VarKind) -> VarSpec {
        VarSpec {
            name: "X".into(),
            description: None,
            kind,
            required: true,
            default: None,
            example: None,
            hint: None,
            sensitive: false,
            aliases: vec![],
            required_when: vec![],
            allow: vec![],
        }
    }

    fn codes(spec: &VarSpec, v: &str) -> Vec<Code> {
        check(spec, &Secret::new(v))
            .into_iter()
            .map(|p| p.code)
            .collect()
    }

    #[test]
    fn ints_ports_bools() {
        let int = spec(VarKind::Int {
            min: Some(1),
            max: Some(10),
        });
        assert_eq!(codes(&int, "5"), vec![]);
        assert_eq!(codes(&int, "0"), vec![Code::OutOfRange]);
        assert_eq!(codes(&int, "five"), vec![Code::InvalidValue]);
        let port = spec(VarKind::Port {
            min: None,
            max: None,
        });
        assert_eq!(codes(&port, "8080"), vec![]);
        assert_eq!(codes(&port, "0"), vec![Code::OutOfRange]);
        assert_eq!(codes(&port, "70000"), vec![Code::OutOfRange]);
        let b = spec(VarKind::Bool);
        for ok in ["true", "FALSE", "1", "0", "Yes", "no", "ON", "off"] {
            assert_eq!(codes(&b, ok), vec![], "{ok}");
        }
        assert_eq!(codes(&b, "enabled"), vec![Code::InvalidValue]);
    }

    #[test]
    fn durations() {
        let d = spec(VarKind::Duration {
            min: Some(Duration::from_secs(1)),
            max: Some(Duration::from_secs(3600)),
        });
        for ok in ["30s", "5m", "1h", "59m", "1500ms"] {
            assert_eq!(codes(&d, ok), vec![], "{ok}");
        }
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("+5s"), Some(Duration::from_secs(5)));
        for bad in [
            "1d", "1w", "1h 30m", "30 s", "30S", "", "s", "1.2.3s", "-5s", "+",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(codes(&d, "250ms"), vec![Code::OutOfRange]);
        assert_eq!(codes(&d, "30"), vec![Code::InvalidValue]);
    }

    #[test]
    fn text_rules_and_encodings() {
        let mut rules = TextRules {
            min_length: Some(4),
            pattern: Some(Pattern {
                source: "[a-f0-9]+".into(),
                regex: std::sync::Arc::new(regex::Regex::new("^(?:[a-f0-9]+)$").unwrap()),
            }),
            ..TextRules::default()
        };
        let s = spec(VarKind::String(rules.clone()));
        assert_eq!(codes(&s, "abc"), vec![Code::TooShort]);
        assert_eq!(codes(&s, "abcz"), vec![Code::PatternMismatch]);
        rules = TextRules {
            encoding: Some(Encoding::Base64),
            min_bytes: Some(32),
            ..TextRules::default()
        };
        let s = spec(VarKind::Secret(rules));
        assert_eq!(codes(&s, "c2hvcnQ="), vec![Code::TooShort]);
        assert_eq!(
            codes(&s, "c2hvcnQ"),
            vec![Code::TooShort],
            "padding optional"
        );
        assert_eq!(codes(&s, "not*base64"), vec![Code::InvalidEncoding]);
        let p = check(&s, &Secret::new("00112233445566778899aabbccddeeff"));
        assert!(
            p[0].hint.as_deref().unwrap().contains("looks like hex"),
            "{p:?}"
        );
        let hex = spec(VarKind::String(TextRules {
            encoding: Some(Encoding::Hex),
            bytes: Some(2),
            ..TextRules::default()
        }));
        assert_eq!(codes(&hex, "ABcd"), vec![]);
        assert_eq!(codes(&hex, "abcdef"), vec![Code::TooLong]);
    }

    #[test]
    fn urls() {
        let rules = UrlRules {
            schemes: Some(vec!["postgresql+asyncpg".into()]),
            require_host: true,
            forbid_hosts: vec!["localhost".into(), "::1".into()],
            credentials: Credentials::Allow,
        };
        let u = spec(VarKind::Url(rules));
        assert_eq!(codes(&u, "postgresql+asyncpg://app:pw@db:5432/app"), vec![]);
        let problems = check(&u, &Secret::new("postgresql://app:pw@db/app"));
        assert_eq!(problems[0].code, Code::UrlScheme);
        assert!(problems[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("postgresql+asyncpg"));
        assert_eq!(
            codes(&u, "postgresql+asyncpg://localhost/app"),
            vec![Code::UrlHostForbidden]
        );
        assert_eq!(
            codes(&u, "postgresql+asyncpg://[::1]/app"),
            vec![Code::UrlHostForbidden]
        );
        for bad in [
            "postgresql+asyncpg://app:p/ss@db/app",
            "postgresql+asyncpg://app:p#ss@db/app",
            "postgresql+asyncpg://app:p?ss@db/app",
            "postgresql+asyncpg://app:p%zz@db/app",
        ] {
            let problems = check(&u, &Secret::new(bad));
            assert_eq!(problems.len(), 1, "{bad}");
            assert_eq!(problems[0].code, Code::InvalidUrl, "{bad}");
            assert!(problems[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("percent-encode"));
            // The message never shows the password.
            let password = &bad[bad.find("app:").unwrap() + 4..bad.rfind('@').unwrap()];
            assert!(!problems[0].message.contains(password), "{bad}");
        }
        assert_eq!(codes(&u, "postgresql+asyncpg://app:p%40ss@db/app"), vec![]);
        for local in [
            "localhost.",
            "app.localhost",
            "LOCALHOST",
            "[0:0:0:0:0:0:0:1]",
        ] {
            let url = format!("postgresql+asyncpg://{local}/app");
            assert_eq!(codes(&u, &url), vec![Code::UrlHostForbidden], "{local}");
        }
        // 127.0.0.2 is loopback, but only an IPv4 loopback entry forbids it.
        assert_eq!(codes(&u, "postgresql+asyncpg://127.0.0.2/app"), vec![]);
        assert!(host_matches("127.0.0.2", "127.0.0.1"));
        assert_eq!(codes(&u, "auth:8081"), vec![Code::InvalidUrl]);
        // `@` in a path or query is no password.
        let any = spec(VarKind::Url(UrlRules {
            schemes: None,
            require_host: true,
            forbid_hosts: vec![],
            credentials: Credentials::Allow,
        }));
        for ok in [
            "https://registry.npmjs.org/@types/node",
            "https://mastodon.social/@user",
            "https://h.example/x?email=a@b.c",
            "https://unpkg.com/@babel/core",
        ] {
            assert_eq!(codes(&any, ok), vec![], "{ok}");
        }
        // ... unless the host could be a user name and the path a password: the user-info's
        // end is unknown, so nothing of it may be shown or trusted.
        for unclear in [
            "http://h:8080/x?email=a@b.c",
            "https://tok1/tok2@host",
            "postgres://app:x@pw#rest@db/app",
            "postgres://app:20240917#rest@db/app",
            "postgres://app:pw?rest@db/app",
            "https://tok1\\tok2@host",
            "postgres://a@b@db/app",
        ] {
            assert_eq!(codes(&any, unclear), vec![Code::InvalidUrl], "{unclear}");
        }
        assert_eq!(codes(&u, "http:/auth:8081"), vec![Code::InvalidUrl]);
    }

    #[test]
    fn schemes_are_named_only_when_safe() {
        let rules = |schemes: &[&str]| UrlRules {
            schemes: Some(schemes.iter().map(|s| (*s).to_string()).collect()),
            require_host: false,
            forbid_hosts: vec![],
            credentials: Credentials::Allow,
        };
        let mut dsn = spec(VarKind::Url(rules(&["https"])));
        dsn.sensitive = true;
        let message = |spec: &VarSpec, v: &str| check(spec, &Secret::new(v))[0].message.clone();
        assert_eq!(
            message(&dsn, "secretpart:https://k@sentry.io/1"),
            "does not start with a scheme the schema allows; expected https"
        );
        assert_eq!(
            message(&dsn, "secret part:https://k@sentry.io/1"),
            "does not start with a scheme the schema allows; expected https"
        );
        assert_eq!(
            message(&dsn, "http://k@sentry.io/1"),
            "uses the scheme `http`; expected https"
        );
        let plain = spec(VarKind::Url(rules(&["https"])));
        assert_eq!(
            message(&plain, "secretpart:https://sentry.io/1"),
            "uses the scheme `secretpart`; expected https"
        );
        // JDBC's scheme chain is a scheme, not junk in front of one.
        let jdbc = spec(VarKind::Url(rules(&["jdbc"])));
        assert_eq!(codes(&jdbc, "jdbc:postgresql://db:5432/app"), vec![]);
        // A value holding a credential shape is not sensitive by name, but its scheme is
        // not named either.
        assert_eq!(
            message(&plain, "zz9://h/?token=Qu3ryS3cretT0ken99"),
            "does not start with a scheme the schema allows; expected https"
        );
    }

    #[test]
    fn enum_suggests_case() {
        let e = spec(VarKind::Enum {
            values: vec!["HS256".into(), "RS256".into()],
            case_sensitive: true,
        });
        let p = check(&e, &Secret::new("hs256"));
        assert_eq!(p[0].code, Code::InvalidValue);
        assert!(p[0].hint.as_deref().unwrap().contains("HS256"));
    }
}
