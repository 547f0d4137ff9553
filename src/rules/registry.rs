//! The one registry of finding codes. `envgate rules`, `docs/rules.md` and (later) SARIF rule
//! metadata are all generated from [`Code::ALL`] and [`Code::info`].

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered so that `Error` is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The one rule for what fails a run: an error, or a warning under `--strict`.
    pub fn fails(self, strict: bool) -> bool {
        self == Severity::Error || (strict && self == Severity::Warning)
    }
}

impl FromStr for Severity {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Documentation of one finding code.
#[derive(Debug)]
pub struct RuleInfo {
    pub code: &'static str,
    pub severity: Severity,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// A short example of input that triggers it.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

macro_rules! registry {
    ($( $variant:ident => { code: $code:literal, severity: $sev:ident, summary: $summary:literal,
        example: $example:literal, fix: $fix:literal $(,)? } ),+ $(,)?) => {
        /// A stable finding code. Its kebab-case string is part of the contract (SPEC section 4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),+ }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            pub fn info(self) -> &'static RuleInfo {
                match self {
                    $(Code::$variant => &RuleInfo {
                        code: $code,
                        severity: Severity::$sev,
                        summary: $summary,
                        example: $example,
                        fix: $fix,
                    }),+
                }
            }
        }
    };
}

registry! {
    Missing => {
        code: "missing", severity: Error,
        summary: "A required variable is not set in any source.",
        example: "JWT_SECRET_KEY is declared without a default and no source sets it.",
        fix: "Set the variable in the service's env file or environment, or give it a `default` in the schema. The hint names near-miss names that are set (`JWT_SECRET` for `JWT_SECRET_KEY`).",
    },
    Empty => {
        code: "empty", severity: Error,
        summary: "A required variable is set to the empty string.",
        example: "SERVICE_SECRET=",
        fix: "Give it a value, or mark the variable `required = false` if empty is meaningful.",
    },
    TooShort => {
        code: "too-short", severity: Error,
        summary: "The value (or its decoded bytes) is shorter than `min_length`, `length` or `min_bytes`/`bytes`.",
        example: "SERVICE_SECRET=abc123 with min_length = 32",
        fix: "Generate a longer value, e.g. `openssl rand -hex 32`.",
    },
    TooLong => {
        code: "too-long", severity: Error,
        summary: "The value (or its decoded bytes) is longer than `max_length`, `length` or `bytes`.",
        example: "COUNTRY=DEU with length = 2",
        fix: "Shorten the value to the declared length.",
    },
    PatternMismatch => {
        code: "pattern-mismatch", severity: Error,
        summary: "The value does not fully match the variable's `pattern`.",
        example: "CI_API_TOKEN=ghp_abc with pattern = \"^[0-9a-f]{40}$\"",
        fix: "Use a value of the documented form; the hint repeats the pattern.",
    },
    InvalidValue => {
        code: "invalid-value", severity: Error,
        summary: "The value is not a valid bool, int, port, enum member, duration or JSON document, or not one of `values`.",
        example: "LOG_LEVEL=verbose with values = [\"debug\", \"info\"]",
        fix: "Use one of the accepted forms listed in the hint.",
    },
    OutOfRange => {
        code: "out-of-range", severity: Error,
        summary: "A number, port or duration is outside `min`/`max` (or 1..=65535 for a port).",
        example: "WORKERS=0 with min = 1",
        fix: "Use a value within the declared range.",
    },
    InvalidEncoding => {
        code: "invalid-encoding", severity: Error,
        summary: "The value does not decode with the declared `encoding` (base64, base64url or hex).",
        example: "ENCRYPTION_KEY=not*base64 with encoding = \"base64\"",
        fix: "Encode the raw bytes with the declared encoding, e.g. `openssl rand -base64 32`.",
    },
    InvalidUrl => {
        code: "invalid-url", severity: Error,
        summary: "The value does not parse as a URL, or has no host where one is required.",
        example: "AUTH_SERVICE_URL=auth:8081 (no scheme)",
        fix: "Write a full URL with the scheme the schema allows, such as `http://auth:8081` for an `http` service. A password holding `@`, `/`, `?`, `#` or `%` must be percent-encoded.",
    },
    UrlScheme => {
        code: "url-scheme", severity: Error,
        summary: "The URL's scheme is not one of the variable's `schemes`.",
        example: "DATABASE_URL=postgresql://... where the app needs postgresql+asyncpg://",
        fix: "Use one of the accepted schemes; for SQLAlchemy async engines that is the `+asyncpg` driver form.",
    },
    UrlHostForbidden => {
        code: "url-host-forbidden", severity: Error,
        summary: "The URL's host is in the variable's `forbid_hosts` (e.g. localhost in production).",
        example: "AUTH_SERVICE_URL=http://localhost:8081 under the production profile",
        fix: "Point the URL at the service's real address (its service name inside the stack).",
    },
    UrlCredentials => {
        code: "url-credentials", severity: Error,
        summary: "The URL carries credentials where `credentials = \"forbid\"`, or lacks them where `credentials = \"require\"`.",
        example: "REDIS_URL=redis://:pw@cache:6379 with credentials = \"forbid\"",
        fix: "Move the credentials to their own secret variable, or add them where they are required.",
    },
    DeprecatedName => {
        code: "deprecated-name", severity: Warning,
        summary: "The value was found under an old name (an alias) of the variable.",
        example: "JWT_SECRET is set; the schema names it JWT_SECRET_KEY with aliases = [\"JWT_SECRET\"]",
        fix: "Rename the variable to its current name.",
    },
    Undeclared => {
        code: "undeclared", severity: Warning,
        summary: "An env file sets a key that the service's schema does not declare (often a typo).",
        example: "JWT_SECRETKEY=... in backend.env; did you mean JWT_SECRET_KEY?",
        fix: "Rename it to the declared name the hint suggests, declare it in the schema, or remove it.",
    },
    UndefinedVariable => {
        code: "undefined-variable", severity: Warning,
        summary: "A `$VAR` or `${VAR}` in an env file names a variable that is not defined; it expanded to nothing, as in Compose.",
        example: "DATABASE_URL=postgresql+asyncpg://app:${DB_PASSWORD}@db/app with DB_PASSWORD unset",
        fix: "Define the variable earlier in the file or in the environment, or give a default: `${VAR:-default}`.",
    },
    SurroundingWhitespace => {
        code: "surrounding-whitespace", severity: Error,
        summary: "The value starts or ends with a space, tab, `\\r` or `\\n`.",
        example: "a secret file written with `echo` (trailing \\n) and read by a tool that keeps it",
        fix: "Remove the whitespace: use `printf '%s'` or `echo -n` when writing secret files; check for CRLF line endings.",
    },
    SurroundingQuotes => {
        code: "surrounding-quotes", severity: Error,
        summary: "The value itself starts and ends with the same quote character, so the quotes are part of it.",
        example: "environment: [\"API_KEY='abc'\"] in a compose list, or `docker --env-file` with KEY=\"abc\"",
        fix: "Remove the quotes where the value is written; that tool keeps them literally.",
    },
    UnexpandedReference => {
        code: "unexpanded-reference", severity: Error,
        summary: "The value is or contains a `$NAME`/`${NAME}` reference or a command substitution that was never expanded. Error when it is the whole value, warning when part of it.",
        example: "API_TOKEN=${TOKEN} from a single-quoted value or a YAML file that does not expand",
        fix: "Expand the reference where the value is written (double quotes in a shell, or the real value), or run the command and store its output.",
    },
    Placeholder => {
        code: "placeholder", severity: Error,
        summary: "A sensitive value looks like a placeholder or a published example value (changeme, your-secret-here, django-insecure-...).",
        example: "JWT_SECRET_KEY=your-super-secret-jwt-token-with-at-least-32-characters-long",
        fix: "Generate a real secret, e.g. `openssl rand -hex 32`. Placeholders often have exactly the required length, so length checks alone miss them.",
    },
    InvisibleCharacter => {
        code: "invisible-character", severity: Error,
        summary: "The value contains an invisible or control character (zero-width space, byte-order mark, soft hyphen, NUL or another control character) that the service will read as part of it.",
        example: "AUTH_SERVICE_URL=http://au\u{200b}th:8081 pasted from a chat message",
        fix: "Retype the value, or delete the character at the position the message gives. A NUL cannot be passed through the environment at all.",
    },
    EmbeddedNewline => {
        code: "embedded-newline", severity: Warning,
        summary: "A value that is not PEM or JSON contains a line break (base64 tools wrap at 64 or 76 columns).",
        example: "a base64 key produced by `base64` without `-w0`",
        fix: "Write the value on one line: `base64 -w0`, or `openssl rand -base64 32 | tr -d '\\n'`.",
    },
    WeakSecret => {
        code: "weak-secret", severity: Error,
        summary: "A sensitive value is easy to guess: one repeated character, a short repeated pattern, a keyboard walk, or mostly common words, repeats and sequences.",
        example: "SERVICE_SECRET=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        fix: "Generate a random value, e.g. `openssl rand -hex 32`.",
    },
    SecretReuse => {
        code: "secret-reuse", severity: Warning,
        summary: "One service uses the same sensitive value for two different variables.",
        example: "JWT_SECRET_KEY and SERVICE_SECRET hold the same value",
        fix: "Give each purpose its own secret, so that leaking or rotating one does not affect the other. `allow = [\"secret-reuse\"]` on either variable silences it.",
    },
    UnexportableName => {
        code: "unexportable-name", severity: Warning,
        summary: "A declared variable's name is not one a POSIX shell can export (letters, digits and `_`, not starting with a digit), such as `FOO.BAR` or `a[1]`.",
        example: "[vars.\"spring.datasource.url\"] in a schema",
        fix: "Compose and Kubernetes pass such names on, but a shell entrypoint cannot read them: rename the variable if a script starts the service, or `allow = [\"unexportable-name\"]` on it.",
    },
    DotenvSyntax => {
        code: "dotenv-syntax", severity: Error,
        summary: "A line of an env file cannot be read (unterminated quote, no `=`, invalid key, overlong line). The rest of the file is still read.",
        example: "SECRET=\"abc   (no closing quote)",
        fix: "Fix the line at the file and line shown; the line itself is never printed because it may hold a secret.",
    },
    DuplicateKey => {
        code: "duplicate-key", severity: Warning,
        summary: "An env file defines the same key twice; the last one wins, as in Compose.",
        example: "JWT_SECRET_KEY on lines 3 and 17 of .env",
        fix: "Remove the earlier definition.",
    },
    CrlfLineEndings => {
        code: "crlf-line-endings", severity: Warning,
        summary: "An env file has Windows (CRLF) line endings. envgate and Compose strip them, but shells and other tools may keep a trailing \\r.",
        example: ".env saved by a Windows editor",
        fix: "Convert the file to LF line endings (`dos2unix FILE`, or your editor's line-ending setting).",
    },
    UnreadableFile => {
        code: "unreadable-file", severity: Error,
        summary: "A file named by `NAME_FILE` or an env file is missing, a directory, a device, too large, unreadable or not UTF-8.",
        example: "JWT_SECRET_KEY_FILE=/run/secrets/jwt where the secret was not mounted",
        fix: "Mount or create the file, or correct the path. Relative paths are resolved against the directory of the file that named them.",
    },
    ConflictingSources => {
        code: "conflicting-sources", severity: Error,
        summary: "Both `NAME` and `NAME_FILE` are set, so it is unclear which one the service reads.",
        example: "JWT_SECRET_KEY=... in .env and JWT_SECRET_KEY_FILE=/run/secrets/jwt in the environment",
        fix: "Keep one of them. Docker official images refuse to start in this case.",
    },
    NotUtf8 => {
        code: "not-utf8", severity: Error,
        summary: "A value is not valid UTF-8.",
        example: "a binary key pasted raw into an env file",
        fix: "Encode binary values as base64 or hex and declare the `encoding`.",
    },
    // Cross-service rules of the stack file (`[[shared]]`, `[[link]]`).
    SharedMismatch => {
        code: "shared-mismatch", severity: Error,
        summary: "The variables a `[[shared]]` rule names do not all hold the same value (compared by fingerprint); the finding groups the services by value and names the odd one out when most agree.",
        example: "SERVICE_SECRET rotated in backend only: \"SERVICE_SECRET differs from auth and websocket (backend is the odd one out): auth and websocket agree on sha256:6d2c1a0e5b7f; backend has sha256:0b9e4f2a7c31\"",
        fix: "Set the value the other services share in the service the finding is reported on (the hint names the file and line). With no majority, decide which value is current and set it everywhere.",
    },
    LinkMismatch => {
        code: "link-mismatch", severity: Error,
        summary: "The URL a `[[link]]` rule names does not address its target service: its host is not one of the target's `hosts`, or its port (the scheme's default when none is written: 80 for http, 443 for https) is not the target's `port`.",
        example: "AUTH_SERVICE_URL=http://auth-service:8081 with hosts = [\"auth\", \"auth.internal\"]: \"AUTH_SERVICE_URL addresses auth-service:8081, which is not auth: expected auth:8081 or auth.internal:8081\"",
        fix: "Point the URL at one of the target's hosts and its port; or, if the target really has that name or port, add it to `hosts` (or fix `port`) under `[services.NAME]` in the stack file.",
    },
    RuleIncomplete => {
        code: "rule-incomplete", severity: Info,
        summary: "A cross-service rule could not check a service because a value it needs is not set, cannot be read, or is not a URL with a host: that part of the rule proved nothing.",
        example: "SERVICE_SECRET is not set in auth, so [[shared]] compared it only in backend and websocket.",
        fix: "Set the value (a `missing` error usually says so too); the rule then checks it on the next run.",
    },
    // JWT keys, tokens and the `[[jwt]]` probe (src/jwt/).
    JwtKeyInvalid => {
        code: "jwt-key-invalid", severity: Error,
        summary: "A `jwt-key` value is not a key for its algorithm: not PEM where a key pair is needed, an unknown or wrong PEM header, a key of another type or curve, a secret that does not decode, a token pasted where the key belongs, an `algorithm_var` that is unset (with no default) or holds no JWT algorithm, so the key cannot be judged; or, in `[[jwt]]`, an issuer holding only a public key.",
        example: "JWT_PUBLIC_KEY holds `-----BEGIN CERTIFICATE-----` for RS256; JWT_SECRET_KEY holds an `eyJ...` token",
        fix: "Give the variable the key itself: the shared secret for HS256/384/512; for RS/PS/ES/EdDSA the private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) at the issuer and the public key (BEGIN PUBLIC KEY) at consumers. The message names the header that was expected.",
    },
    JwtKeyTooShort => {
        code: "jwt-key-too-short", severity: Error,
        summary: "An HMAC secret is shorter than its algorithm's hash (32, 48 or 64 bytes for HS256, HS384, HS512; RFC 7518 section 3.2), or an RSA key has fewer than 2048 bits.",
        example: "JWT_SECRET=changeme-please with algorithm = \"HS256\" (15 bytes); a 1024-bit RSA key for RS256",
        fix: "Generate a longer secret (`openssl rand -hex 32` for HS256) or a 2048-bit RSA pair (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`).",
    },
    JwtMalformed => {
        code: "jwt-malformed", severity: Error,
        summary: "A `jwt` value is not a JWT: not three base64url parts, a header or payload that is not a JSON object, a header without `alg`, a date claim that is not a number; or it is over 64 KiB. The message names the part.",
        example: "ANON_KEY=eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9 (the signature part is missing: copied cut off)",
        fix: "Copy the whole token again, without a `Bearer ` prefix or quotes.",
    },
    JwtAlgorithmNotAllowed => {
        code: "jwt-algorithm-not-allowed", severity: Error,
        summary: "A token is unsigned (`alg: none`) or signed with an algorithm outside the variable's `algorithms`.",
        example: "SERVICE_TOKEN has `alg: none`; an HS256 token where `algorithms = [\"RS256\"]`",
        fix: "Mint the token with an allowed algorithm; never deploy an unsigned token.",
    },
    JwtExpired => {
        code: "jwt-expired", severity: Error,
        summary: "A token's `exp` has passed. Its signature and claims are still checked and reported.",
        example: "CI_API_TOKEN expired 12 days ago (exp 2026-11-21T10:00:00Z)",
        fix: "Mint a new token and deploy it.",
    },
    JwtExpiresSoon => {
        code: "jwt-expires-soon", severity: Warning,
        summary: "A token expires within the variable's `expires_within`.",
        example: "ANON_KEY expires in 3 days with expires_within = \"168h\"",
        fix: "Mint a new token before it expires.",
    },
    JwtNotYetValid => {
        code: "jwt-not-yet-valid", severity: Error,
        summary: "A token's `nbf` (not before) is in the future, so services reject it until then.",
        example: "SERVICE_TOKEN is not valid before 2026-12-04T09:00:00Z (in 5 hours)",
        fix: "Check the clock of the machine that minted it, or mint it without a future `nbf`.",
    },
    JwtClaimMismatch => {
        code: "jwt-claim-mismatch", severity: Error,
        summary: "A token lacks a claim the schema's `claims` requires, or has another value.",
        example: "ANON_KEY has claim `role` = \"service_role\", expected \"anon\" (the service key was deployed as the public key)",
        fix: "Deploy the token minted for this purpose, or correct `claims`.",
    },
    JwtSignatureInvalid => {
        code: "jwt-signature-invalid", severity: Error,
        summary: "A token's signature does not verify with the key its `signed_by` names: it was signed with another (often a rotated) key. A warning when the `signed_by` key is unset or unusable, so the signature could not be checked.",
        example: "ANON_KEY was minted with last month's JWT_SECRET",
        fix: "Mint the token again with the current key, or point `signed_by` at the key that signed it.",
    },
    JwtAlgorithmMismatch => {
        code: "jwt-algorithm-mismatch", severity: Error,
        summary: "In a `[[jwt]]` group, the issuer signs with one algorithm and a consumer verifies another, so the consumer rejects every token.",
        example: "auth signs HS256 tokens but websocket verifies HS512",
        fix: "Set the same algorithm on both sides (and a key of that kind); the hint names both.",
    },
    JwtKeyMismatch => {
        code: "jwt-key-mismatch", severity: Error,
        summary: "In a `[[jwt]]` group, a probe token signed with the issuer's key does not verify with a consumer's key: another secret, or a public key that is not the issuer's private key's.",
        example: "backend's JWT_SECRET_KEY differs from auth's (rotated in one service only)",
        fix: "Give the consumer the issuer's secret, or the public key of the issuer's private key (`openssl pkey -in private.pem -pubout`).",
    },
    JwtIssuerMismatch => {
        code: "jwt-issuer-mismatch", severity: Error,
        summary: "In a `[[jwt]]` group, the `iss` the issuer sets is not the one a consumer expects (or the issuer sets none).",
        example: "auth issues tokens with iss \"https://auth.example.com/v1\" but backend expects \"https://auth.example.com\"",
        fix: "Make the two values equal, exactly (trailing slash included).",
    },
    JwtAudienceMismatch => {
        code: "jwt-audience-mismatch", severity: Error,
        summary: "In a `[[jwt]]` group, the `aud` the issuer sets does not contain the audience a consumer expects.",
        example: "auth issues tokens with aud \"web\" but websocket expects aud \"realtime\"",
        fix: "Add the consumer's audience to the issuer's, or change the consumer's expectation.",
    },
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    pub fn default_severity(self) -> Severity {
        self.info().severity
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `docs/rules.md`, generated from the registry (a test keeps the committed file in sync).
pub fn rules_markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# Finding codes\n\n<!-- Generated from src/rules/registry.rs by `envgate rules --markdown`; do not edit. -->\n\n\
         Every finding carries one of these stable codes. A schema's `[severity]` table can change a \
         code's severity; `allow = [\"code\"]` on a variable silences it for that variable.\n\n\
         | code | default severity | summary |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        let info = code.info();
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} |",
            info.code,
            info.code,
            info.severity,
            info.summary.replace('|', "\\|")
        );
    }
    for code in Code::ALL {
        let info = code.info();
        let _ = write!(
            out,
            "\n## {}\n\n{}\n\n- **Default severity:** {}\n- **Example:** {}\n- **Fix:** {}\n",
            info.code, info.summary, info.severity, info.example, info.fix
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
            assert_eq!(s.parse::<Code>(), Ok(*code));
        }
    }

    #[test]
    fn spec_warnings_are_warnings() {
        for w in [
            "duplicate-key",
            "crlf-line-endings",
            "secret-reuse",
            "deprecated-name",
            "undeclared",
            "undefined-variable",
            "embedded-newline",
            "unexportable-name",
        ] {
            let code: Code = w.parse().unwrap();
            assert_eq!(code.default_severity(), Severity::Warning, "{w}");
        }
        assert_eq!(
            Code::UnexpandedReference.default_severity(),
            Severity::Error
        );
    }
}
