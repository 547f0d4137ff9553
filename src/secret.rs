//! The sensitive-value type and fingerprints.
//!
//! Every gathered value is held in a [`Secret`], sensitive or not, so that no code path can
//! format a value by accident: `Debug` and `Display` redact, and the text is reached only
//! through [`Secret::expose`], which reports call deliberately (and only for values the schema
//! says are not sensitive).

use sha2::{Digest, Sha256};
use std::fmt;

/// A configuration value whose text never reaches `Debug`, `Display` or a panic message.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The value's text. Callers must not put it in any output unless the variable is known
    /// not to be sensitive.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in characters (what a user counts), not bytes.
    pub fn char_len(&self) -> usize {
        self.0.chars().count()
    }

    /// `sha256:` and the first 12 hex digits of SHA-256 of the value.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} chars>)", self.char_len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `sha256:` + the first 12 hex digits of SHA-256(value): enough to tell two values apart or
/// to match them across services, useless for recovering the value.
pub fn fingerprint(value: &str) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(19);
    out.push_str("sha256:");
    for byte in &digest[..6] {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A URL split as written, without normalising it: `scheme://authority` then the rest
/// (path, query, fragment). `None` when there is no `://`.
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    /// Byte offset of the authority in the whole text.
    pub authority_start: usize,
    pub authority: &'a str,
    pub tail: &'a str,
}

impl<'a> UrlParts<'a> {
    pub fn split(text: &'a str) -> Option<Self> {
        let (scheme, rest) = text.split_once("://")?;
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        Some(Self {
            scheme,
            authority_start: scheme.len() + 3,
            authority,
            tail,
        })
    }

    /// The user-info (`user:password`) as a byte range of the whole text.
    pub fn userinfo(&self) -> Option<std::ops::Range<usize>> {
        let at = self.authority.rfind('@')?;
        Some(self.authority_start..self.authority_start + at)
    }

    /// A password holding `/`, `?` or `#` ends the authority early: `app:p#ss@db` leaves
    /// `app:p` as the authority with an `@` further on. The tell-tale: an authority with a
    /// `:` and no `@`, then an `@` in the path, or in the query or fragment when what
    /// follows the `:` is no port number.
    pub fn credentials_cut_short(&self) -> bool {
        let Some((_, after_colon)) = self.authority.rsplit_once(':') else {
            return false;
        };
        let port = !after_colon.is_empty() && after_colon.chars().all(|c| c.is_ascii_digit());
        if let Some((userinfo, _)) = self.authority.rsplit_once('@') {
            // `app:pa@ss/word@db`: a password with `@` and `/` leaves an `@` in the path.
            return userinfo.contains(':') && self.path().contains('@');
        }
        self.path().contains('@') || (self.tail.contains('@') && !port)
    }

    /// Whether the password's place cannot be known for sure (then nothing is shown).
    pub fn ambiguous(&self) -> bool {
        self.credentials_cut_short()
            || (self.path().contains('@')
                && (self.authority.contains(':') || self.authority.contains('@')))
    }

    /// The path: the tail before any query string or fragment.
    fn path(&self) -> &str {
        self.tail
            .find(['?', '#'])
            .map_or(self.tail, |i| &self.tail[..i])
    }
}

/// A URL for display, as written but with its password (if any) replaced by `***`, and its
/// query string and fragment (which often carry tokens) too. Returns `None` when the
/// password cannot be located with certainty (a password holding `/` or `#` that breaks
/// the URL): the caller then shows nothing of it.
pub fn mask_url(text: &str) -> Option<String> {
    // Query strings and fragments often carry tokens (`?token=`, `#access_token=`).
    let mask_tail = |tail: &str| match tail.find(['?', '#']) {
        Some(i) => format!("{}{}***", &tail[..i], &tail[i..=i]),
        None => tail.to_string(),
    };
    let Some(url) = UrlParts::split(text) else {
        return (!text.contains('@')).then(|| mask_tail(text));
    };
    if url.ambiguous() {
        return None;
    }
    let (scheme, authority, tail) = (url.scheme, url.authority, mask_tail(url.tail));
    let Some(at) = authority.rfind('@') else {
        return Some(format!("{scheme}://{authority}{tail}"));
    };
    let host = &authority[at..];
    match authority[..at].split_once(':') {
        // A user name is shown when it reads like one (`app`, `postgres`), not a token.
        Some((user, password)) if !password.is_empty() && user.len() < 16 => {
            Some(format!("{scheme}://{user}:***{host}{tail}"))
        }
        // A lone user-info, or one with an empty password, is a token (`https://ghp_...@`,
        // `https://sk_live_...:@`, Sentry DSNs).
        _ => Some(format!("{scheme}://***{host}{tail}")),
    }
}

/// Values that are credentials whatever their variable is called: JWTs, PEM blocks and
/// the prefixes of well-known token formats. Never shown.
pub fn looks_like_credential(text: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "-----BEGIN",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "xapp-",
        "AKIA",
        "ASIA",
        "AIza",
        "npm_",
        "pypi-",
        "SG.",
    ];
    let t = text.trim();
    PREFIXES.iter().any(|p| t.starts_with(p))
        || (t.starts_with("eyJ") && t.matches('.').count() == 2)
}

/// Facts about a value that help diagnose it without revealing it: used by `explain` and
/// by hints. Never contains any character of the value.
pub fn describe(value: &str) -> String {
    let mut classes = Vec::new();
    if value.chars().any(|c| c.is_ascii_lowercase()) {
        classes.push("lowercase");
    }
    if value.chars().any(|c| c.is_ascii_uppercase()) {
        classes.push("uppercase");
    }
    if value.chars().any(|c| c.is_ascii_digit()) {
        classes.push("digits");
    }
    if value
        .chars()
        .any(|c| c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_whitespace()))
    {
        classes.push("symbols");
    }
    if value.chars().any(char::is_whitespace) {
        classes.push("whitespace");
    }
    let n = value.chars().count();
    let mut out = format!("{n} char{}", if n == 1 { "" } else { "s" });
    if !classes.is_empty() {
        out.push_str(" (");
        out.push_str(&classes.join(", "));
        out.push(')');
    }
    if let Some(facts) = whitespace_facts(value) {
        out.push_str(", ");
        out.push_str(&facts);
    }
    out
}

/// "starts with 4 spaces, ends with \n" and the like, or `None` for a clean value.
pub fn whitespace_facts(value: &str) -> Option<String> {
    let leading = value.len() - value.trim_start().len();
    if leading == value.len() {
        return (!value.is_empty()).then(|| format!("is only {}", whitespace_run(value)));
    }
    let trailing = value.len() - value.trim_end().len();
    let mut facts = Vec::new();
    if leading > 0 {
        facts.push(format!("starts with {}", whitespace_run(&value[..leading])));
    }
    if trailing > 0 {
        facts.push(format!(
            "ends with {}",
            whitespace_run(&value[value.len() - trailing..])
        ));
    }
    if facts.is_empty() {
        None
    } else {
        Some(facts.join(", "))
    }
}

/// How a whitespace character is shown to a user.
pub fn char_name(c: char) -> &'static str {
    match c {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "a tab",
        ' ' => "a space",
        '\u{a0}' => "a non-breaking space",
        _ => "a whitespace character",
    }
}

/// A run of whitespace as a user reads it: "a space", "24 spaces", "\r\n",
/// "3 whitespace characters (\r\n and a space)". Linear in the run; at most a few groups
/// are listed, so a long mixed run stays one short phrase.
pub fn whitespace_run(run: &str) -> String {
    const LISTED_GROUPS: usize = 4;
    let n = run.chars().count();
    let escape = |c: char| matches!(c, '\n' | '\r');
    // Consecutive equal characters, as (character, count).
    let mut groups: Vec<(char, usize)> = Vec::new();
    let mut more = false;
    for c in run.chars() {
        let full = groups.len() > LISTED_GROUPS;
        match groups.last_mut() {
            Some((last, count)) if *last == c => *count += 1,
            _ if full => more = true,
            _ => groups.push((c, 1)),
        }
    }
    let plural = |c: char, k: usize| match c {
        '\n' => format!("{k} line breaks (\\n)"),
        '\r' => format!("{k} carriage returns (\\r)"),
        '\t' => format!("{k} tabs"),
        ' ' => format!("{k} spaces"),
        '\u{a0}' => format!("{k} non-breaking spaces"),
        _ => format!("{k} whitespace characters"),
    };
    match groups.as_slice() {
        [] => String::new(),
        [(c, 1)] => char_name(*c).to_string(),
        [(c, k)] => plural(*c, *k),
        // A line ending or two (`\r\n`): shown as written.
        _ if n <= 4 && run.chars().all(escape) => run.chars().map(char_name).collect(),
        _ => {
            let mut parts: Vec<String> = Vec::new();
            for &(c, k) in groups.iter().take(LISTED_GROUPS) {
                match parts.last_mut() {
                    // `\r` then `\n` read as one `\r\n`.
                    Some(last) if k == 1 && escape(c) && last.starts_with('\\') => {
                        last.push_str(char_name(c));
                    }
                    _ if k == 1 => parts.push(char_name(c).to_string()),
                    _ => parts.push(plural(c, k)),
                }
            }
            let listed = if more || groups.len() > LISTED_GROUPS {
                format!("{} and more", parts.join(", "))
            } else if let Some((last, rest)) = parts.split_last().filter(|(_, r)| !r.is_empty()) {
                format!("{} and {last}", rest.join(", "))
            } else {
                parts.concat()
            };
            format!("{n} whitespace characters ({listed})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2-super-secret-value");
        assert_eq!(format!("{s:?}"), "Secret(<redacted, 26 chars>)");
        assert_eq!(format!("{s}"), "<redacted>");
    }

    #[test]
    fn fingerprint_is_sha256_prefix() {
        // sha256("abc") = ba7816bf8f01cfea...
        assert_eq!(fingerprint("abc"), "sha256:ba7816bf8f01");
    }

    #[test]
    fn masks_url_password() {
        assert_eq!(
            mask_url("postgresql://app:s3cr3t@db:5432/app").as_deref(),
            Some("postgresql://app:***@db:5432/app")
        );
        assert_eq!(
            mask_url("http://auth:8081").as_deref(),
            Some("http://auth:8081")
        );
        assert_eq!(
            mask_url("redis://:pw@cache:6379/0").as_deref(),
            Some("redis://:***@cache:6379/0")
        );
        // An `@` in a path is no user-info.
        assert_eq!(
            mask_url("https://registry.npmjs.org/@types/node").as_deref(),
            Some("https://registry.npmjs.org/@types/node")
        );
        // A password with `/` cannot be located safely: nothing is shown.
        assert_eq!(mask_url("postgresql://app:p/ss@db/app"), None);
        assert_eq!(mask_url("postgresql://app:1234/5678abcdefgh@db/app"), None);
        assert_eq!(mask_url("postgresql://app:/Secretpassw0rd@db/app"), None);
        assert_eq!(mask_url("postgresql://app:pa@ss/Word12345678@db/app"), None);
        assert_eq!(mask_url("user:pw@host"), None);
        assert_eq!(
            mask_url("https://sk_live_51HabcDEFghiJKL:@api.stripe.com/v1").as_deref(),
            Some("https://***@api.stripe.com/v1")
        );
        assert_eq!(
            mask_url("h/x?key=SecretQQ12345678").as_deref(),
            Some("h/x?***")
        );
        assert!(looks_like_credential("ghp_abcdef"));
        assert!(looks_like_credential(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"
        ));
        assert!(!looks_like_credential("info"));
        assert_eq!(
            mask_url("https://api.example.com/hook?token=abc#frag").as_deref(),
            Some("https://api.example.com/hook?***")
        );
        assert_eq!(
            mask_url("https://ghp_token@github.com/x").as_deref(),
            Some("https://***@github.com/x")
        );
    }

    #[test]
    fn describes_whitespace() {
        assert_eq!(
            describe("abc\n"),
            "4 chars (lowercase, whitespace), ends with \\n"
        );
        assert_eq!(whitespace_facts(" x"), Some("starts with a space".into()));
        assert_eq!(whitespace_facts("x"), None);
        assert_eq!(
            whitespace_facts("    x\r\n "),
            Some(
                "starts with 4 spaces, ends with 3 whitespace characters (\\r\\n and a space)"
                    .into()
            )
        );
        assert_eq!(whitespace_facts("\t\t"), Some("is only 2 tabs".into()));
    }

    #[test]
    fn whitespace_runs() {
        assert_eq!(whitespace_run(" "), "a space");
        assert_eq!(whitespace_run(&" ".repeat(24)), "24 spaces");
        assert_eq!(whitespace_run("\n"), "\\n");
        assert_eq!(whitespace_run("\n\n\n"), "3 line breaks (\\n)");
        assert_eq!(whitespace_run("\r\n"), "\\r\\n");
        assert_eq!(
            whitespace_run("\t  "),
            "3 whitespace characters (a tab and 2 spaces)"
        );
        // A long mixed run stays one short phrase.
        let long = " \t".repeat(100_000);
        let said = whitespace_run(&long);
        assert_eq!(
            said,
            "200000 whitespace characters (a space, a tab, a space, a tab and more)"
        );
    }
}
