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

/// The characters that end a URL's authority. `\` counts: WHATWG parsers read it as `/` in
/// `http(s)`, `ws(s)`, `ftp` and `file` URLs, so in a password it ends the host early too.
const AUTHORITY_ENDS: [char; 4] = ['/', '?', '#', '\\'];

/// How a value introduces the part that may hold `user:password@host:port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlForm {
    /// `scheme://`, whatever precedes the `://` (see [`UrlParts::scheme_is_valid`]).
    SchemeSlashes,
    /// `scheme:/` or `scheme:\\`: the slashes mistyped.
    SchemeSlash,
    /// `//` or `\\` with no scheme.
    Slashes,
    /// Neither: `user:password@host`, `host:port/path`, or any other text, read from its
    /// start as an authority.
    Bare,
}

/// The outermost `${...}` references of a value as written, as byte ranges: their `:`, `?`,
/// `/` and `#` (`${HOST:-db}`, `${NAME?message}`) are the reference's, not the URL's. A `${`
/// that never closes is no reference. Found in one pass.
struct ReferenceGroups(Vec<std::ops::Range<usize>>);

impl ReferenceGroups {
    fn of(text: &str) -> Self {
        let mut groups = Vec::new();
        let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
        while i < text.len() {
            // Outside a reference only `${` matters; inside, `${` and `}`.
            let next = if depth == 0 {
                text[i..].find("${").map(|k| i + k)
            } else {
                first_of(&text[i..], &['$', '}']).map(|k| i + k)
            };
            let Some(at) = next else { break };
            if text[at..].starts_with("${") {
                if depth == 0 {
                    start = at;
                }
                depth += 1;
                i = at + 2;
            } else {
                if text.as_bytes()[at] == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        groups.push(start..at + 1);
                    }
                }
                i = at + 1;
            }
        }
        Self(groups)
    }

    /// The first byte of `text[from..to]` that is one of `chars` and outside every reference.
    /// Linear in `to - from` (each reference is skipped at once).
    fn find(&self, text: &str, from: usize, to: usize, chars: &[char]) -> Option<usize> {
        let mut next = self.0.partition_point(|g| g.end <= from);
        let mut i = from;
        while i < to {
            let Some(group) = self.0.get(next) else {
                return first_of(&text[i..to], chars).map(|k| i + k);
            };
            if group.start <= i {
                i = group.end;
                next += 1;
                continue;
            }
            let stop = group.start.min(to);
            if let Some(k) = first_of(&text[i..stop], chars) {
                return Some(i + k);
            }
            i = stop;
        }
        None
    }

    /// Whether `range` is exactly one `${...}` reference.
    fn is_one(&self, range: &std::ops::Range<usize>) -> bool {
        let i = self.0.partition_point(|g| g.start < range.start);
        self.0.get(i) == Some(range)
    }
}

/// The first of `chars` in `text`: one `memchr` search per character, each cut at the best
/// found so far (values can be megabytes long; a per-character loop is slow in debug
/// builds).
fn first_of(text: &str, chars: &[char]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for &c in chars {
        let end = best.unwrap_or(text.len());
        if let Some(k) = text[..end].find(c) {
            best = Some(k);
        }
    }
    best
}

/// `$NAME` and nothing else.
fn is_plain_reference(text: &str) -> bool {
    text.strip_prefix('$').is_some_and(|name| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A URL-ish value split as written, without normalising it: what introduces the authority
/// (see [`UrlForm`]), the authority, then the rest (path, query, fragment).
///
/// This is the one place that reads where a URL's user-info, host and port are: masking,
/// the URL checks and the `$NAME` checks all read it from here, through
/// [`UrlParts::credentials`].
pub struct UrlParts<'a> {
    pub form: UrlForm,
    /// The text before `://` (or `:/`), as written: not necessarily a valid scheme (see
    /// [`Self::scheme_is_valid`]). Empty for [`UrlForm::Slashes`] and [`UrlForm::Bare`].
    pub scheme: &'a str,
    /// Byte offset of the authority in the whole text.
    pub authority_start: usize,
    /// `user:password@host:port`. When [`Self::ambiguous`], it runs to the host after the
    /// last `@`, so that the whole user-info as its writer meant it lies inside it.
    pub authority: &'a str,
    pub tail: &'a str,
    /// The user-info cannot be told apart from host and path for sure: more than one `@`
    /// before the host, or a `/`, `?`, `#` or `\` before the last `@` (a password that needs
    /// percent-encoding). Such a URL is invalid and nothing of it is ever shown.
    pub ambiguous: bool,
    text: &'a str,
    groups: ReferenceGroups,
}

impl<'a> UrlParts<'a> {
    /// Reads any value as a URL: `scheme://` if it holds one (the first), else `scheme:/`,
    /// `scheme:\\`, `//` or `\\` at its start, else the whole value is read from its start
    /// as an authority.
    ///
    /// The authority is split at its last `@`: an authority with more than one `@`, or with
    /// `/`, `?`, `#` or `\` before that last `@`, is [`Self::ambiguous`]. One reading is
    /// spared, because real URLs have it: an `@` in the path (`/@types/node`, `/@user`,
    /// `/npm/react@18.2.0/`) or in a query value (`?email=a@b.c`) after a dotted host name
    /// with no port and no user-info. A `user:password` never reads so (its `:` is no dotted
    /// host); a token-only user-info would have to hold a dotted name, then a `/`, to be
    /// mistaken for it. Delimiters inside a `${...}` reference are the reference's.
    pub fn read(text: &'a str) -> Self {
        let groups = ReferenceGroups::of(text);
        let slash_run = |s: &str| s.len() - s.trim_start_matches(['/', '\\']).len();
        let (form, scheme, authority_start) = if let Some(i) = text.find("://") {
            (UrlForm::SchemeSlashes, &text[..i], i + 3)
        } else if text.starts_with("//") || text.starts_with("\\\\") {
            (UrlForm::Slashes, "", 2)
        } else {
            match text.split_once(':') {
                Some((scheme, rest)) if is_scheme(scheme) && slash_run(rest) > 0 => (
                    UrlForm::SchemeSlash,
                    scheme,
                    scheme.len() + 1 + slash_run(rest),
                ),
                _ => (UrlForm::Bare, "", 0),
            }
        };
        let rest = &text[authority_start..];
        let end_of = |from: usize| {
            groups
                .find(text, authority_start + from, text.len(), &AUTHORITY_ENDS)
                .map_or(rest.len(), |i| i - authority_start)
        };
        let first_end = end_of(0);
        let (authority_end, ambiguous) = match rest.rfind('@') {
            None => (first_end, false),
            Some(last_at) if last_at < first_end => {
                (first_end, rest[..first_end].matches('@').count() > 1)
            }
            Some(_) if at_signs_are_path_or_query(&rest[..first_end], &rest[first_end..]) => {
                (first_end, false)
            }
            // The password holds a character that ends the authority: the user-info runs to
            // the last `@`, the host from there to the next delimiter.
            Some(last_at) => (end_of(last_at + 1), true),
        };
        Self {
            form,
            scheme,
            authority_start,
            authority: &rest[..authority_end],
            tail: &rest[authority_end..],
            ambiguous,
            text,
            groups,
        }
    }

    /// [`Self::read`] for a value that holds `://`; `None` for any other.
    pub fn split(text: &'a str) -> Option<Self> {
        let parts = Self::read(text);
        (parts.form == UrlForm::SchemeSlashes).then_some(parts)
    }

    /// The user-info (`user:password`) as a byte range of the whole text.
    pub fn userinfo(&self) -> Option<std::ops::Range<usize>> {
        let at = self.authority.rfind('@')?;
        Some(self.authority_start..self.authority_start + at)
    }

    /// Whether the text before `://` is a scheme (RFC 3986), or a chain of them as JDBC
    /// writes it (`jdbc:postgresql`) whose every link reads as a word, rather than something
    /// pasted in front (`secret part:https`, `Zq8rT2vL:postgresql`).
    pub fn scheme_is_valid(&self) -> bool {
        let mut links = self.scheme.split(':');
        let single = self.scheme.split(':').count() == 1;
        links.all(|link| is_scheme(link) && (single || scheme_link_reads_as_word(link)))
    }

    /// Whether the text before `://` may be shown: every link of it reads as a word, or is
    /// a well-known scheme (see [`scheme_may_be_shown`]).
    pub fn scheme_may_be_shown(&self) -> bool {
        scheme_may_be_shown(self.scheme)
    }

    /// Byte offset of the host and port in the whole text.
    fn host_port_start(&self) -> usize {
        self.authority_start + self.authority.rfind('@').map_or(0, |at| at + 1)
    }

    /// The host and port: the authority after its user-info.
    pub fn host_port(&self) -> &'a str {
        &self.text[self.host_port_start()..self.authority_start + self.authority.len()]
    }

    /// The port as written, as a byte range of the whole text: after the host's `:` (or
    /// whatever follows a bracketed IPv6 address), `None` when there is no `:`.
    fn port(&self) -> Option<std::ops::Range<usize>> {
        let start = self.host_port_start();
        let end = self.authority_start + self.authority.len();
        let host_port = &self.text[start..end];
        if host_port.starts_with('[') {
            let close = start + host_port.find(']')? + 1;
            let after = if self.text[close..end].starts_with(':') {
                close + 1
            } else {
                close
            };
            return (after < end || close < after).then_some(after..end);
        }
        let colon = self.groups.find(self.text, start, end, &[':'])?;
        Some(colon + 1..end)
    }

    /// Which byte ranges of the value are, or may be, credentials: see [`UrlCredentials`].
    /// Masking, the URL checks and the `$NAME` checks all ask here.
    pub fn credentials(&self) -> UrlCredentials {
        let len = self.text.len();
        let scheme_range = 0..self.scheme.len();
        let prefix = (matches!(self.form, UrlForm::SchemeSlashes | UrlForm::SchemeSlash)
            && !self.scheme_may_be_shown()
            && !self.groups.is_one(&scheme_range))
        .then_some(scheme_range);
        let userinfo = self.userinfo();
        let (mut user_slot, mut password_slot) = (None, None);
        if let (Some(info), false) = (&userinfo, self.ambiguous) {
            match self.groups.find(self.text, info.start, info.end, &[':']) {
                Some(colon) => password_slot = Some(colon + 1..info.end),
                None => user_slot = Some(info.clone()),
            }
        }
        let with_user = userinfo.is_some();
        let not_a_port = self.port().and_then(|port| {
            let written = &self.text[port.clone()];
            let is_port = written.is_empty()
                || (written.len() <= 5
                    && written.bytes().all(|b| b.is_ascii_digit())
                    && written.parse::<u32>().is_ok_and(|n| n <= 65_535));
            // A port written as a reference: `${DB_PORT:-5432}`, or `$DB_PORT` after a
            // user-info (without one, `host:$X` may as well be `user:password`).
            let reference = self.groups.is_one(&port) || (with_user && is_plain_reference(written));
            (!is_port && !reference).then_some(port.start..len)
        });
        let tail_start = self.authority_start + self.authority.len();
        let query = self
            .groups
            .find(self.text, tail_start, len, &['?', '#'])
            .map(|i| i..len);
        UrlCredentials {
            prefix,
            userinfo,
            not_a_port,
            query,
            user_slot,
            password_slot,
        }
    }
}

/// Which byte ranges of a URL-ish value are, or may be, credentials. Nothing in them is
/// shown, and a `$NAME` reference in them is not named (a reference standing alone in a
/// slot, `scheme://${USER}@host` or `scheme://user:${PASSWORD}@host`, is the caller's
/// decision).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlCredentials {
    /// The text before `://` (or `:/`) when no scheme that may be shown
    /// ([`scheme_may_be_shown`]) and not one `${...}` reference: `secretpart:https`,
    /// `Zq8rT2vL:postgresql`, `my$KEY:https`.
    pub prefix: Option<std::ops::Range<usize>>,
    /// Everything before the last `@` of the authority, however the authority was
    /// introduced (`scheme://`, `scheme:/`, `//`, or nothing: `app:pa$X@db`).
    pub userinfo: Option<std::ops::Range<usize>>,
    /// What follows the host's `:` is no port (not 1 to 5 digits up to 65535, nor one
    /// reference): a password written without `user:` ... `@host` (`redis://default:PW`,
    /// `redis://:PW`, `h:6379,PW`). From there to the end of the value, since such a
    /// password may hold `/`, `?` or `#`.
    pub not_a_port: Option<std::ops::Range<usize>>,
    /// The query and fragment, from the first `?` or `#` after the authority.
    pub query: Option<std::ops::Range<usize>>,
    /// The whole user-info of a clearly split authority with no `:` in it.
    pub user_slot: Option<std::ops::Range<usize>>,
    /// The password of a clearly split user-info: after its first `:`.
    pub password_slot: Option<std::ops::Range<usize>>,
}

impl UrlCredentials {
    /// Whether `range` touches any credential range.
    pub fn overlaps(&self, range: &std::ops::Range<usize>) -> bool {
        [&self.prefix, &self.userinfo, &self.not_a_port, &self.query]
            .into_iter()
            .flatten()
            .any(|r| r.start < range.end.max(range.start + 1) && range.start < r.end)
    }
}

/// The credential ranges of `text` read as a URL: [`UrlParts::read`] then
/// [`UrlParts::credentials`].
pub fn url_credentials(text: &str) -> UrlCredentials {
    UrlParts::read(text).credentials()
}

/// A link of a scheme chain that reads as a word: lower-case letters, then maybe digits
/// (`postgresql`, `s3`, `sqlite3`), at most 16 characters. `Zq8rT2vL`, `X`, `a1b2` do not.
fn scheme_link_reads_as_word(link: &str) -> bool {
    let letters = link.trim_end_matches(|c: char| c.is_ascii_digit());
    !letters.is_empty() && link.len() <= 16 && letters.chars().all(|c| c.is_ascii_lowercase())
}

/// Whether the text before `://` may be shown: each `:`-separated link is a well-known
/// scheme (any case: `HTTPS`, `mongodb+srv`) or is made of `+`-, `.`- or `-`-separated
/// words ([`scheme_link_reads_as_word`]: `postgresql+asyncpg`, `coap+tcp`, `jdbc:mysql`).
/// A random token (`Zq8rT2vLx9PmK4nB`, `postgresql+Qz7Xk2`) is described, never shown.
pub fn scheme_may_be_shown(scheme: &str) -> bool {
    scheme.split(':').all(|link| {
        is_well_known_scheme(link) || link.split(['+', '.', '-']).all(scheme_link_reads_as_word)
    })
}

/// Whether every `@` in `after` (the text from the first `/`, `?`, `#` or `\` on) reads as
/// part of a path or query rather than the end of a user-info: `authority`'s host must be a
/// dotted name without a port or user-info, no `@` in the path may follow a `:` in its
/// segment (that reads as `user:password`), each `@` in the query must sit in a `name=value` pair's
/// value, and the fragment must hold none. One pass over `after`.
fn at_signs_are_path_or_query(authority: &str, after: &str) -> bool {
    // Behind a user-info, a password holding `@`, then a dotted name, then `/` or `?`, would
    // read as host and path: a later `@` is never spared there.
    if !is_dotted_host_name(authority) || after.contains('\\') {
        return false;
    }
    let (before_fragment, fragment) = after.split_once('#').unwrap_or((after, ""));
    if fragment.contains('@') {
        return false;
    }
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let mut colon_in_segment = false;
    for c in path.chars() {
        match c {
            '@' if colon_in_segment => return false,
            ':' => colon_in_segment = true,
            '/' => colon_in_segment = false,
            _ => {}
        }
    }
    query
        .split(['&', ';'])
        .all(|pair| pair.find('@').is_none_or(|at| pair[..at].contains('=')))
}

/// `registry.npmjs.org`, `10.0.0.1`: letters, digits, `-` and `_` in dot-separated labels,
/// at least two of them, and no port.
fn is_dotted_host_name(host: &str) -> bool {
    host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// RFC 3986 section 3.1: a letter, then letters, digits, `+`, `-` or `.`; and short (the
/// longest registered schemes are under 32 characters).
pub fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() <= 32
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Schemes that name a protocol every reader knows, so saying one names no secret (`+driver`
/// forms such as `postgresql+asyncpg` too, when the driver is a known one).
pub fn is_well_known_scheme(scheme: &str) -> bool {
    const SCHEMES: &[&str] = &[
        "http",
        "https",
        "ws",
        "wss",
        "ftp",
        "ftps",
        "sftp",
        "ssh",
        "git",
        "file",
        "unix",
        "tcp",
        "udp",
        "grpc",
        "grpcs",
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "mssql",
        "sqlserver",
        "oracle",
        "sqlite",
        "sqlite3",
        "cockroachdb",
        "clickhouse",
        "mongodb",
        "mongodb+srv",
        "redis",
        "rediss",
        "valkey",
        "memcached",
        "amqp",
        "amqps",
        "kafka",
        "nats",
        "mqtt",
        "mqtts",
        "smtp",
        "smtps",
        "imap",
        "imaps",
        "ldap",
        "ldaps",
        "s3",
        "gs",
        "elasticsearch",
        "opensearch",
        "neo4j",
        "bolt",
        "couchbase",
        "cassandra",
        "etcd",
        "consul",
        "vault",
        "sentry",
        "statsd",
        "syslog",
        "jdbc",
    ];
    const DRIVERS: &[&str] = &[
        "asyncpg",
        "psycopg",
        "psycopg2",
        "pg8000",
        "psycopg2cffi",
        "aiomysql",
        "asyncmy",
        "pymysql",
        "mysqldb",
        "mysqlconnector",
        "aiosqlite",
        "pysqlite",
        "pyodbc",
        "aioodbc",
        "pymssql",
        "oracledb",
        "cx_oracle",
        "srv",
        "ssl",
        "tls",
        "tcp",
        "unix",
        "http",
        "https",
        "ws",
        "wss",
        "redis",
        "sentinel",
        "cluster",
    ];
    // Compared without case, and without a lower-cased copy.
    let listed = |list: &[&str], word: &str| list.iter().any(|w| w.eq_ignore_ascii_case(word));
    listed(SCHEMES, scheme)
        || scheme
            .split_once('+')
            .is_some_and(|(base, driver)| listed(SCHEMES, base) && listed(DRIVERS, driver))
}

/// Hosts whose URLs carry their secret in the path (incoming webhooks): the path is never
/// shown.
fn is_webhook_host(host: &str) -> bool {
    const HOSTS: &[&str] = &[
        "hooks.slack.com",
        "discord.com",
        "discordapp.com",
        "webhook.office.com",
        "hooks.zapier.com",
        "maker.ifttt.com",
        "chat.googleapis.com",
        "open.feishu.cn",
        "oapi.dingtalk.com",
    ];
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    HOSTS
        .iter()
        .any(|h| host == *h || host.strip_suffix(h).is_some_and(|sub| sub.ends_with('.')))
}

/// A path segment that reads as a generated token rather than a word or a number: long,
/// from a token alphabet, mixing letters with digits (or both cases).
fn looks_random(segment: &str) -> bool {
    let len = segment.chars().count();
    if len < 16
        || !segment.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '~' | '%')
        })
    {
        return false;
    }
    let lower = segment.chars().any(|c| c.is_ascii_lowercase());
    let upper = segment.chars().any(|c| c.is_ascii_uppercase());
    let digit = segment.chars().any(|c| c.is_ascii_digit());
    ((lower || upper) && digit) || (lower && upper && len >= 20)
}

/// `app`, `postgres`, `svc_backend2`, `Admin`: short, starting with a letter, and either
/// lower-case letters, digits and `._-`, or letters only. `Zq8rT2vL` is a token.
fn reads_like_user_name(user: &str) -> bool {
    user.len() < 16
        && user.starts_with(|c: char| c.is_ascii_alphabetic())
        && (user
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            || user.chars().all(|c| c.is_ascii_alphabetic()))
}

/// A path as written, cut at the first segment that looks like a generated token (`***`
/// in its place and after it): webhook and pre-signed paths carry their secret there.
fn mask_path(path: &str) -> String {
    let mut offset = 0;
    for segment in path.split('/') {
        if looks_random(segment) {
            return format!("{}***", &path[..offset]);
        }
        offset += segment.len() + 1;
    }
    path.to_string()
}

/// A URL-typed value for display, as written but with its password (if any) replaced by
/// `***`, and its query string and fragment (which often carry tokens) too; a path is cut at
/// its first token-like segment, and a webhook's path is hidden whole. Returns `None` when
/// any of its [`UrlCredentials`] cannot be masked in place: the user-info's end is unknown
/// ([`UrlParts::ambiguous`]), what precedes `://` is no scheme that may be shown, what
/// follows the host's `:` is no port (a password without `@host`: `redis://default:PW`,
/// `app:PW`), or a user-info without `scheme://`; and when the text holds a credential shape
/// ([`contains_credential`]). The caller then shows nothing of it.
pub fn mask_url(text: &str) -> Option<String> {
    mask(text, true)
}

/// [`mask_url`] for a value of any type: a bare `word:word` (`app:cache`, `{"a":1}`) is
/// not taken for `host:password` there. Values holding `://`, `//`, `scheme:/` or an `@`
/// are read as URLs all the same.
pub fn mask_value(text: &str) -> Option<String> {
    mask(text, false)
}

/// `url_typed`: the value is declared a URL, so a bare `host:notaport` is a password.
fn mask(text: &str, url_typed: bool) -> Option<String> {
    if contains_credential(text) {
        return None;
    }
    // Query strings and fragments often carry tokens (`?token=`, `#access_token=`).
    let mask_query = |tail: &str| match tail.find(['?', '#']) {
        Some(i) => format!("{}{}***", &tail[..i], &tail[i..=i]),
        None => tail.to_string(),
    };
    let url = UrlParts::read(text);
    let credentials = url.credentials();
    // Outside URL-typed values, only `scheme://`, `//` or a well-known `scheme:/` mark a URL
    // for sure: `C:\logs`, `D:/data` and `app:cache` are read as written.
    let surely_url = url_typed
        || match url.form {
            UrlForm::SchemeSlashes | UrlForm::Slashes => true,
            UrlForm::SchemeSlash => is_well_known_scheme(url.scheme),
            UrlForm::Bare => false,
        };
    if url.ambiguous
        || (surely_url && (credentials.prefix.is_some() || credentials.not_a_port.is_some()))
    {
        return None;
    }
    if url.form != UrlForm::SchemeSlashes {
        // `db:5432/app`, `example.com/hooks/<token>`: no scheme, but a path all the same.
        return (!text.contains('@')).then(|| {
            let path_end = text.find(['?', '#']).unwrap_or(text.len());
            let (path, query) = text.split_at(path_end);
            let path = if path.contains('/') {
                mask_path(path)
            } else {
                path.to_string()
            };
            path + &mask_query(query)
        });
    }
    let (path, query) = url
        .tail
        .find(['?', '#'])
        .map_or((url.tail, ""), |i| url.tail.split_at(i));
    let path = if is_webhook_host(url.host_port()) && !path.is_empty() && path != "/" {
        String::from("/***")
    } else {
        mask_path(path)
    };
    let (scheme, authority, tail) = (url.scheme, url.authority, path + &mask_query(query));
    let Some(at) = authority.rfind('@') else {
        return Some(format!("{scheme}://{authority}{tail}"));
    };
    let host = &authority[at..];
    match authority[..at].split_once(':') {
        // A user name is shown when it reads like one (`app`, `postgres`), not a token.
        Some((user, password))
            if !password.is_empty() && (user.is_empty() || reads_like_user_name(user)) =>
        {
            Some(format!("{scheme}://{user}:***{host}{tail}"))
        }
        // A lone user-info, or one with an empty password, is a token (`https://ghp_...@`,
        // `https://sk_live_...:@`, Sentry DSNs).
        _ => Some(format!("{scheme}://***{host}{tail}")),
    }
}

/// The longest value scanned for credential shapes: a longer one is treated as holding one
/// (never shown), which keeps the scan bounded.
const CREDENTIAL_SCAN_LIMIT: usize = 64 * 1024;

/// Well-known token prefixes, the fewest characters that must follow, and whether those
/// are upper-case letters and digits only (AWS key ids) rather than any token character.
const TOKEN_PREFIXES: &[(&str, usize, bool)] = &[
    ("ghp_", 4, false),
    ("gho_", 4, false),
    ("ghu_", 4, false),
    ("ghs_", 4, false),
    ("ghr_", 4, false),
    ("github_pat_", 4, false),
    ("glpat-", 4, false),
    ("gldt-", 4, false),
    ("sk_live_", 4, false),
    ("sk_test_", 4, false),
    ("rk_live_", 4, false),
    ("rk_test_", 4, false),
    ("whsec_", 8, false),
    ("sk-", 20, false),
    ("xoxb-", 4, false),
    ("xoxp-", 4, false),
    ("xoxa-", 4, false),
    ("xoxe-", 4, false),
    ("xoxs-", 4, false),
    ("xapp-", 4, false),
    ("AKIA", 12, true),
    ("ASIA", 12, true),
    ("AIza", 20, false),
    ("ya29.", 12, false),
    ("npm_", 8, false),
    ("pypi-", 8, false),
    ("SG.", 8, false),
    ("hf_", 20, false),
    ("shpat_", 8, false),
    ("shpss_", 8, false),
    ("dop_v1_", 8, false),
    ("glc_", 12, false),
    ("AGE-SECRET-KEY-", 8, false),
];

/// Bit `b` of word `b / 64`: some token prefix starts with the byte `b` (worked out at
/// compile time), so that most word starts are passed over without reading the list.
const TOKEN_PREFIX_STARTS: [u64; 2] = {
    let mut starts = [0u64; 2];
    let mut i = 0;
    while i < TOKEN_PREFIXES.len() {
        let b = TOKEN_PREFIXES[i].0.as_bytes()[0];
        assert!(b.is_ascii());
        starts[(b / 64) as usize] |= 1 << (b % 64);
        i += 1;
    }
    starts
};

/// Whether some token prefix starts with `c`.
fn may_start_a_token_prefix(c: char) -> bool {
    let c = c as u32;
    c < 128 && TOKEN_PREFIX_STARTS[(c / 64) as usize] & (1 << (c % 64)) != 0
}

/// Words after which a token follows (`Authorization: Bearer ...`, `Basic ...`).
const AUTH_SCHEMES: &[&str] = &["bearer", "basic", "token", "digest"];

/// Paths that carry an incoming webhook's secret (lower case: [`webhook_path_in`]).
const WEBHOOK_PATHS: &[&str] = &[
    "hooks.slack.com/services/",
    "hooks.slack.com/workflows/",
    "discord.com/api/webhooks/",
    "discordapp.com/api/webhooks/",
    "webhook.office.com/webhookb2/",
];

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
}

/// Zero-width and direction-control characters: invisible in a terminal, so a token behind
/// one looks like a token to a reader and must look like one to the scan.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

/// Whether a value holds something shaped like a credential anywhere in it, whatever its
/// variable is called: a PEM block, a well-known token prefix (`ghp_`, `sk_live_`, `AKIA`,
/// ...) at a word start, a JWT/JWS/JWE (`eyJ` and at least two dots), a token after
/// `Bearer`/`Basic`/`Token`, a secret-named assignment (`password=`, `token=`,
/// `"api_key": "..."`, libpq `host=db password=...`), or an incoming-webhook URL. Quotes
/// and invisible characters around or inside a token do not hide it. Such a value is shown
/// only as length, character classes and fingerprint. Linear in the value's length (one
/// pass, each check reading a bounded window), and a value over 64 KiB counts as holding one.
pub fn contains_credential(text: &str) -> bool {
    if text.len() > CREDENTIAL_SCAN_LIMIT {
        return true;
    }
    if text.contains("-----BEGIN") {
        return true;
    }
    if text.is_ascii() {
        // No invisible character is ASCII: the text is scanned as it is, without a copy.
        let bytes = text.as_bytes();
        return webhook_path_in(bytes)
            || credential_at_a_word_start(bytes, |i| {
                i == 0 || !bytes[i - 1].is_ascii_alphanumeric()
            });
    }
    // Invisible characters removed; where one stood, a word starts.
    let mut chars = Vec::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len());
    let mut after_invisible = true;
    for c in text.chars() {
        if is_invisible(c) {
            after_invisible = true;
            continue;
        }
        let start = after_invisible || chars.last().is_none_or(|p: &char| !p.is_alphanumeric());
        chars.push(c);
        starts.push(start);
        after_invisible = false;
    }
    let lower: String = chars.iter().map(char::to_ascii_lowercase).collect();
    if WEBHOOK_PATHS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    credential_at_a_word_start(&chars, |i| starts[i])
}

/// Whether an ASCII value holds one of [`WEBHOOK_PATHS`] (case ignored): one pass, each
/// path compared only where a byte could start it.
fn webhook_path_in(bytes: &[u8]) -> bool {
    (0..bytes.len()).any(|i| {
        let first = bytes[i].to_ascii_lowercase();
        WEBHOOK_PATHS.iter().any(|p| {
            p.as_bytes()[0] == first
                && bytes
                    .get(i..i + p.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(p.as_bytes()))
        })
    })
}

/// Whether `needle` occurs in `haystack`, ASCII case ignored (no copy of either).
#[cfg(test)]
pub(crate) fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    haystack.len() >= needle.len()
        && haystack
            .windows(needle.len())
            .any(|w| w[0].eq_ignore_ascii_case(&needle[0]) && w.eq_ignore_ascii_case(needle))
}

/// Whether `text` ends with `suffix`, ASCII case ignored.
pub(crate) fn ends_with_ignore_ascii_case(text: &[u8], suffix: &[u8]) -> bool {
    // The last bytes first: most texts differ there, and are told so at once.
    match (text.last(), suffix.last()) {
        (Some(t), Some(s)) if !t.eq_ignore_ascii_case(s) => false,
        _ => {
            text.len() >= suffix.len()
                && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        }
    }
}

/// A character of a scanned value: the value's bytes when it is ASCII, else its characters.
trait ScanChar: Copy {
    fn char(self) -> char;
}

impl ScanChar for u8 {
    fn char(self) -> char {
        char::from(self)
    }
}

impl ScanChar for char {
    fn char(self) -> char {
        self
    }
}

/// The scan of [`contains_credential`] over the value's characters (invisible ones
/// removed), from each word start: a token prefix, a JWT, a token after an auth scheme, a
/// secret-named assignment. Each check reads a bounded window, so the scan is linear.
fn credential_at_a_word_start<C: ScanChar>(chars: &[C], is_start: impl Fn(usize) -> bool) -> bool {
    let mut jwt_scanned_to = 0;
    for i in 0..chars.len() {
        if !is_start(i) {
            continue;
        }
        let rest = &chars[i..];
        let first = rest[0].char();
        if may_start_a_token_prefix(first)
            && TOKEN_PREFIXES
                .iter()
                .filter(|(prefix, _, _)| u8::try_from(first).ok() == Some(prefix.as_bytes()[0]))
                .any(|&(prefix, min_after, upper_digits)| {
                    token_after_prefix(rest, prefix, min_after, upper_digits)
                })
        {
            return true;
        }
        if i >= jwt_scanned_to && first == 'e' && is_at(rest, "eyJ") {
            let run = rest
                .iter()
                .take_while(|c| is_token_char(c.char()) || c.char() == '.')
                .count();
            if rest[..run].iter().filter(|c| c.char() == '.').count() >= 2 {
                return true;
            }
            // A run has at most the dots of the run it is part of: no need to rescan it.
            jwt_scanned_to = i + run;
        }
        if token_after_auth_scheme(rest) || secret_assignment(rest) {
            return true;
        }
    }
    false
}

/// `text` at the start of `rest`, character for character.
fn is_at<C: ScanChar>(rest: &[C], text: &str) -> bool {
    rest.len() >= text.len() && rest.iter().zip(text.chars()).all(|(a, b)| a.char() == b)
}

/// `prefix` at the start of `rest`, then at least `min_after` token characters.
fn token_after_prefix<C: ScanChar>(
    rest: &[C],
    prefix: &str,
    min_after: usize,
    upper_digits: bool,
) -> bool {
    // Every prefix is ASCII: its length in characters is its length in bytes.
    let len = prefix.len();
    if rest.len() < len + min_after || !is_at(rest, prefix) {
        return false;
    }
    rest[len..len + min_after].iter().all(|c| {
        let c = c.char();
        if upper_digits {
            c.is_ascii_uppercase() || c.is_ascii_digit()
        } else {
            is_token_char(c) || c == '.'
        }
    })
}

/// Lower-cased word at the start of `rest` equal to `word`, followed by a non-word character.
fn word_at<C: ScanChar>(rest: &[C], word: &str) -> bool {
    let len = word.len();
    rest.len() > len
        && rest
            .iter()
            .zip(word.chars())
            .all(|(a, b)| a.char().to_ascii_lowercase() == b)
        && !is_token_char(rest[len].char())
}

/// `Bearer`, `Basic`, `Token` or `Digest`, blanks, then at least 8 characters of a token
/// alphabet that mix letter cases, letters and digits, or hold `+`, `/` or `=`: `Basic auth
/// enabled` is words, `Basic YWRtaW46cGFzcw==` a credential.
fn token_after_auth_scheme<C: ScanChar>(rest: &[C]) -> bool {
    if !matches!(rest[0].char().to_ascii_lowercase(), 'b' | 't' | 'd') {
        return false;
    }
    let Some(word) = AUTH_SCHEMES.iter().find(|w| word_at(rest, w)) else {
        return false;
    };
    let after = &rest[word.len()..];
    let blanks = after
        .iter()
        .take_while(|c| matches!(c.char(), ' ' | '\t'))
        .count();
    if blanks == 0 {
        return false;
    }
    let token_len = after[blanks..]
        .iter()
        .take(64)
        .take_while(|c| {
            let c = c.char();
            !c.is_whitespace() && !matches!(c, '"' | '\'' | ',' | ';')
        })
        .count();
    let token = &after[blanks..blanks + token_len];
    // `Bearer` is followed by nothing but a token.
    token.len() >= 8 && (*word == "bearer" || random_looking(token))
}

fn random_looking<C: ScanChar>(token: &[C]) -> bool {
    let has = |f: fn(&char) -> bool| token.iter().any(|c| f(&c.char()));
    let lower = has(char::is_ascii_lowercase);
    let upper = has(char::is_ascii_uppercase);
    let digit = has(char::is_ascii_digit);
    let symbol = has(|c| matches!(c, '+' | '/' | '=' | '$'));
    u8::from(lower) + u8::from(upper) + u8::from(digit) + u8::from(symbol) >= 2
}

/// A key naming a secret (`password`, `token`, `api_key`, `pwd`, ... as
/// [`sensitive_by_name`](crate::schema::model::sensitive_by_name) reads names), optionally
/// quoted, then `=` (or `:` beside a quote or before a blank, as JSON and YAML write it),
/// then a non-empty value.
fn secret_assignment<C: ScanChar>(rest: &[C]) -> bool {
    let at = |j: usize| rest.get(j).map(|c| c.char());
    let key_len = rest
        .iter()
        .take(65)
        .take_while(|c| is_token_char(c.char()) || c.char() == '.')
        .count();
    if key_len == 0 || key_len > 64 {
        return false;
    }
    // The shape first (cheap), the key's name last.
    let mut j = key_len;
    let quote_before = matches!(at(j), Some('"' | '\''));
    j += usize::from(quote_before);
    while matches!(at(j), Some(' ' | '\t')) {
        j += 1;
    }
    let separator = match at(j) {
        Some('=') => true,
        Some(':') => quote_before || matches!(at(j + 1), Some(' ' | '\t' | '"' | '\'')),
        _ => false,
    };
    if !separator {
        return false;
    }
    j += 1;
    while matches!(at(j), Some(' ' | '\t' | '"' | '\'')) {
        j += 1;
    }
    if !at(j).is_some_and(|c| !c.is_whitespace() && !matches!(c, '&' | ';' | ',' | '}' | ']')) {
        return false;
    }
    let key: String = rest[..key_len].iter().map(|c| c.char()).collect();
    crate::schema::model::sensitive_by_name(&key)
        || ["pwd", "pw", "pass", "sig", "signature", "auth", "apikey"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k))
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
        // A credential shape anywhere: nothing is shown.
        assert_eq!(
            mask_url("https://sk_live_51HabcDEFghiJKL:@api.stripe.com/v1"),
            None
        );
        assert_eq!(
            mask_url("https://api.example.com/hook?token=abc#frag"),
            None
        );
        assert_eq!(mask_url("https://ghp_token@github.com/x"), None);
        // A token of no known shape as the user: masked like a password.
        assert_eq!(
            mask_url("https://Zq8rT2vLm9XpK4wN7bY1:@api.example.com/v1").as_deref(),
            Some("https://***@api.example.com/v1")
        );
        assert_eq!(
            mask_url("h/x?id=SecretQQ12345678").as_deref(),
            Some("h/x?***")
        );
        assert_eq!(mask_url("h/x?key=SecretQQ12345678"), None);
        assert_eq!(
            mask_url("https://api.example.com/hook?id=abc#frag").as_deref(),
            Some("https://api.example.com/hook?***")
        );
        assert_eq!(
            mask_url("https://Zq8rT2vLm9XpK4wN7bY1@github.com/x").as_deref(),
            Some("https://***@github.com/x")
        );
    }

    /// (URL, authority, whether its user-info's end is unknown), for the one splitter that
    /// masking, the percent-encoding check and the `$NAME` check share.
    #[test]
    fn authority_splitter() {
        let table: &[(&str, &str, bool)] = &[
            ("postgresql://app:pw@db:5432/app", "app:pw@db:5432", false),
            ("http://auth:8081", "auth:8081", false),
            ("http://auth:8081/x?y=1#z", "auth:8081", false),
            ("redis://:pw@cache:6379/0", ":pw@cache:6379", false),
            (
                "https://registry.npmjs.org/@types/node",
                "registry.npmjs.org",
                false,
            ),
            ("https://mastodon.social/@user", "mastodon.social", false),
            // Behind a user-info, a later `@` is never spared.
            (
                "https://user:pw@registry.npmjs.org/@types/node",
                "user:pw@registry.npmjs.org/@types",
                true,
            ),
            ("https://h.example/x?email=a@b.c", "h.example", false),
            (
                "https://h.example/x?a=1&email=a@b.c;b=2",
                "h.example",
                false,
            ),
            // More than one `@` before the host.
            ("postgres://app:p@ss@db/app", "app:p@ss@db", true),
            // `#`, `?`, `/` or `\` before the last `@`: the user-info runs to it.
            ("postgres://app:x@pw#rest@db/app", "app:x@pw#rest@db", true),
            ("postgres://app:p#ss@db/app", "app:p#ss@db", true),
            ("postgres://app:p?ss@db/app", "app:p?ss@db", true),
            ("https://tok1/tok2@host", "tok1/tok2@host", true),
            ("https://tok1\\tok2@host/x", "tok1\\tok2@host", true),
            (
                "postgres://app:20240917#rest@db",
                "app:20240917#rest@db",
                true,
            ),
            (
                "postgresql://app:1234/5678abcdefgh@db/app",
                "app:1234/5678abcdefgh@db",
                true,
            ),
            (
                "postgresql://app:pa@ss/Word12345678@db/app",
                "app:pa@ss/Word12345678@db",
                true,
            ),
            // Spared readings need a dotted host with no port, and the `@` where paths and
            // queries hold one.
            ("http://h:8080/x?email=a@b.c", "h:8080/x?email=a@b.c", true),
            ("https://h.example:8443/@user", "h.example:8443/@user", true),
            ("https://tok1/@host", "tok1/@host", true),
            ("https://a.b/x:pw@host", "a.b/x:pw@host", true),
            (
                "https://cdn.jsdelivr.net/npm/react@18.2.0/umd/x.js",
                "cdn.jsdelivr.net",
                false,
            ),
            ("https://a.b/x@host", "a.b", false),
            ("https://u:p@a.b/x@host", "u:p@a.b/x@host", true),
            ("https://u:p@a.b?x=y@host", "u:p@a.b?x=y@host", true),
            ("https://a.b/x?y@host", "a.b/x?y@host", true),
            ("https://a.b/#x@host", "a.b/#x@host", true),
            ("https://a.b\\@host", "a.b\\@host", true),
            ("https://user:pa@ss.com/@host", "user:pa@ss.com/@host", true),
        ];
        for &(text, authority, ambiguous) in table {
            let parts = UrlParts::split(text).unwrap();
            assert_eq!(parts.authority, authority, "{text}");
            assert_eq!(parts.ambiguous, ambiguous, "{text}");
            assert_eq!(
                &text[parts.authority_start..parts.authority_start + parts.authority.len()],
                authority,
                "{text}"
            );
            assert_eq!(mask_url(text).is_none(), ambiguous, "{text}");
        }
        assert!(UrlParts::split("auth:8081").is_none());
        // Ambiguous: the user-info covers everything up to the last `@`, so a `$NAME` in any
        // piece of the password counts as inside it.
        let text = "postgres://app:p#$SECRETWORD@db/app";
        let range = UrlParts::split(text).unwrap().userinfo().unwrap();
        assert_eq!(&text[range], "app:p#$SECRETWORD");
    }

    /// The one reader of credential ranges, over every way a URL is written: the text of
    /// each range, in the order prefix, user-info, not-a-port, query.
    #[test]
    fn credential_ranges() {
        let ranges = |text: &str| {
            let c = url_credentials(text);
            let piece = |r: Option<std::ops::Range<usize>>| r.map(|r| text[r].to_string());
            [
                piece(c.prefix),
                piece(c.userinfo),
                piece(c.not_a_port),
                piece(c.query),
            ]
        };
        let s = |t: &str| Some(t.to_string());
        let table: &[(&str, [Option<String>; 4])] = &[
            (
                "postgresql://app:pw@db:5432/app",
                [None, s("app:pw"), None, None],
            ),
            ("http://auth:8081/x?y#z", [None, None, None, s("?y#z")]),
            // A password where the port goes: nothing after the host.
            (
                "redis://default:Zq8rT2vL",
                [None, None, s("Zq8rT2vL"), None],
            ),
            ("redis://:Zq8rT2vL", [None, None, s("Zq8rT2vL"), None]),
            (
                "redis://default:Zq8rT2vL/0",
                [None, None, s("Zq8rT2vL/0"), None],
            ),
            ("redis://default:Zq8r?x", [None, None, s("Zq8r?x"), s("?x")]),
            (
                "redis://h:6379,Zq8rT2vL",
                [None, None, s("6379,Zq8rT2vL"), None],
            ),
            ("redis://h:65536", [None, None, s("65536"), None]),
            ("redis://h:65535", [None, None, None, None]),
            ("http://[::1]:8080", [None, None, None, None]),
            ("http://[::1]Zq8r", [None, None, s("Zq8r"), None]),
            // A user-info however the authority is introduced.
            (
                "app:pa$SWORD@db:5432/app",
                [None, s("app:pa$SWORD"), None, None],
            ),
            ("//app:pa$SWORD@db", [None, s("app:pa$SWORD"), None, None]),
            (
                "https:/app:pa$SWORD@db",
                [None, s("app:pa$SWORD"), None, None],
            ),
            (
                "https:\\\\app:pa$SWORD@db",
                [None, s("app:pa$SWORD"), None, None],
            ),
            // Junk before `://`.
            (
                "my$KEY:https://host/",
                [s("my$KEY:https"), None, None, None],
            ),
            (
                "Zq8rT2vL:postgresql://db",
                [s("Zq8rT2vL:postgresql"), None, None, None],
            ),
            ("X+postgresql://db", [s("X+postgresql"), None, None, None]),
            (
                "postgresql+Zq8rT2vL://db",
                [s("postgresql+Zq8rT2vL"), None, None, None],
            ),
            (
                "jdbc:X:postgresql://db",
                [s("jdbc:X:postgresql"), None, None, None],
            ),
            ("jdbc:postgresql://db", [None, None, None, None]),
            ("HTTPS://db", [None, None, None, None]),
            // References: their own `:` and `?` are not the URL's; a port or scheme written
            // as one reference is no credential.
            ("${S}://h", [None, None, None, None]),
            (
                "pg://${U}:${P}@${H:-db}:${PORT:-5432}/${N?x}",
                [None, s("${U}:${P}"), None, None],
            ),
            ("pg://u:p@db:$DB_PORT/app", [None, s("u:p"), None, None]),
            ("redis://h:$PORTISH", [None, None, s("$PORTISH"), None]),
            ("x${A:-b}y", [None, None, None, None]),
            // Plain words.
            ("info", [None, None, None, None]),
            ("db:5432/app", [None, None, None, None]),
        ];
        for (text, expected) in table {
            assert_eq!(&ranges(text), expected, "{text}");
        }
        let c = url_credentials("pg://app:${P}@db");
        assert_eq!(c.password_slot, Some(9..13));
        assert_eq!(c.user_slot, None);
        assert_eq!(url_credentials("pg://${U}@db").user_slot, Some(5..9));
        // Ambiguous: no slot.
        assert_eq!(url_credentials("s://u/v:${A}@x").password_slot, None);
    }

    #[test]
    fn a_password_where_the_port_goes_is_never_shown() {
        for text in [
            "redis://default:Zq8rT2vLx9PmK4nB",
            "redis://:Zq8rT2vLx9PmK4nB",
            "postgresql://app:Zq8rT2vLx9PmK4nB",
            "redis://default:Zq8rT2vLx9PmK4nB/0",
            "redis://default:Zq8rT2vLx9PmK4nB?x",
            "redis://h:6379,Zq8rT2vLx9PmK4nB",
            "redis://default:20240917999",
            "app:Zq8rT2vLx9PmK4nB",
            "Zq8rT2vLx9PmK4nB:postgresql://db",
            "postgresql+Zq8rT2vLx9PmK4nB://db",
        ] {
            assert_eq!(mask_url(text), None, "{text}");
        }
        // Any other value: a bare `word:word` is shown, as a URL it is not.
        assert_eq!(mask_value("app:cache").as_deref(), Some("app:cache"));
        assert_eq!(mask_value("C:\\logs").as_deref(), Some("C:\\logs"));
        assert_eq!(mask_value("D:/data").as_deref(), Some("D:/data"));
        assert_eq!(mask_url("D:/data"), None);
        assert_eq!(mask_value("https:/app:Zq8rT2vL@db"), None);
        assert_eq!(mask_value("//app:Zq8rT2vLx9PmK4nB"), None);
        assert_eq!(mask_value("https:/app:Zq8rT2vLx9PmK4nB"), None);
        assert_eq!(mask_url("app:cache"), None);
        assert_eq!(mask_value("redis://default:Zq8rT2vLx9PmK4nB"), None);
        assert_eq!(mask_url("db:5432/app").as_deref(), Some("db:5432/app"));
        assert_eq!(
            mask_url("postgresql+asyncpg://db/app").as_deref(),
            Some("postgresql+asyncpg://db/app")
        );
    }

    #[test]
    fn reading_a_value_full_of_references_is_linear() {
        let text = "${A:-x}:".repeat(200_000) + &"$B?".repeat(200_000);
        let started = std::time::Instant::now();
        let _ = url_credentials(&text);
        let _ = url_credentials(&"${".repeat(300_000));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    /// Generated URLs whose password (or token user-info) holds any of the characters that
    /// end an authority: whatever `mask_url` returns never holds an 8-character piece of it.
    #[test]
    fn masking_never_shows_a_piece_of_a_generated_password() {
        const PLAIN: &[u8] = b"abcXYZ0189:._-+=";
        const ENDS_AUTHORITY: &[u8] = b"@/#?\\%";
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap()
        };
        let (mut shown_count, mut hidden_count) = (0, 0);
        for round in 0..20_000 {
            let len = 8 + next(16);
            let password: String = (0..len)
                .map(|_| {
                    let from = if next(12) == 0 { ENDS_AUTHORITY } else { PLAIN };
                    char::from(from[next(from.len())])
                })
                .collect();
            let host = [
                "db",
                "db.example.com",
                "10.0.0.1",
                "db:5432",
                "h.example.com",
            ][next(5)];
            let tail = ["", "/app", "/@scope/pkg", "?email=a@b.c", "/x#y"][next(5)];
            let url = if round % 2 == 0 {
                format!("postgresql://app:{password}@{host}{tail}")
            } else {
                // A token as the whole user-info. No `:` (that makes it `user:password`, and a
                // user name is shown) and no `.` (a token holding a dotted name, then `/`, is the
                // documented residue).
                let token = password.replace(['.', ':'], "Q");
                format!("https://{token}@{host}{tail}")
            };
            let secret = url
                .split_once("://")
                .map(|(_, rest)| rest)
                .and_then(|rest| rest.rsplit_once(&format!("@{host}{tail}")))
                .map(|(userinfo, _)| userinfo.trim_start_matches("app:").to_string())
                .unwrap();
            let Some(shown) = mask_url(&url) else {
                hidden_count += 1;
                continue;
            };
            shown_count += 1;
            let chars: Vec<char> = secret.chars().collect();
            for window in chars.windows(8) {
                let piece: String = window.iter().collect();
                assert!(!shown.contains(&piece), "{url} shown as {shown}");
            }
        }
        // Both paths are exercised: clean passwords masked, unclear ones refused.
        assert!(
            shown_count > 1_000 && hidden_count > 1_000,
            "{shown_count} {hidden_count}"
        );
    }

    #[test]
    fn schemes() {
        for ok in ["http", "postgresql+asyncpg", "coap+tcp", "a.b-c"] {
            assert!(is_scheme(ok), "{ok}");
        }
        for bad in ["", "1http", "secretpart:https", "a b", &"a".repeat(33)] {
            assert!(!is_scheme(bad), "{bad}");
        }
        for known in [
            "https",
            "POSTGRESQL",
            "postgresql+asyncpg",
            "mongodb+srv",
            "mysql+pymysql",
        ] {
            assert!(is_well_known_scheme(known), "{known}");
        }
        for unknown in ["secretpart", "postgresql+secretpart", "x"] {
            assert!(!is_well_known_scheme(unknown), "{unknown}");
        }
        assert_eq!(mask_url("secret part:https://abc@sentry.io/1"), None);
        assert!(UrlParts::split("jdbc:postgresql://db/app")
            .unwrap()
            .scheme_is_valid());
        assert_eq!(
            mask_url("example.com/hooks/8f3a9c2e1b7d4f6a9c2e1b7d").as_deref(),
            Some("example.com/hooks/***")
        );
        assert_eq!(
            mask_url("8f3a9c2e1b7d4f6a9c2e1b7d").as_deref(),
            Some("8f3a9c2e1b7d4f6a9c2e1b7d")
        );
    }

    #[test]
    fn masks_webhook_and_token_paths() {
        // Slack and Discord webhook URLs are credential shapes: nothing is shown.
        assert_eq!(
            mask_url(
                "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx"
            ),
            None
        );
        assert_eq!(
            mask_url("https://discord.com/api/webhooks/123456789012345678/abcDEF"),
            None
        );
        // Other webhook hosts: the path is hidden whole, however it looks.
        assert_eq!(
            mask_url("https://hooks.zapier.com/hooks/catch/123456/abcdef/").as_deref(),
            Some("https://hooks.zapier.com/***")
        );
        assert_eq!(
            mask_url("https://maker.ifttt.com/trigger/deploy/with/key/abcdef").as_deref(),
            Some("https://maker.ifttt.com/***")
        );
        assert_eq!(
            mask_url("https://example.com/hooks/8f3a9c2e1b7d4f6a9c2e1b7d/x?y=1").as_deref(),
            Some("https://example.com/hooks/***?***")
        );
        assert_eq!(
            mask_url("https://example.com/api/v1/users").as_deref(),
            Some("https://example.com/api/v1/users")
        );
    }

    #[test]
    fn credential_shapes_anywhere() {
        let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFn";
        for credential in [
            "ghp_abcdef",
            "\"ghp_R4nd0mT0k3nV4lu3F0rT3st1ng\"",
            "prefix ghp_R4nd0mT0k3nV4lu3F0rT3st1ng suffix",
            "\u{200b}ghp_R4nd0mT0k3nV4lu3F0rT3st1ng",
            "x\u{200b}ghp_R4nd0mT0k3nV4lu3F0rT3st1ng",
            "gh\u{200b}p_R4nd0mT0k3nV4lu3F0rT3st1ng",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            jwe,
            "Bearer abcdefghijkLMNOP1234",
            "Authorization: bearer abcdefghijkLMNOP1234",
            "Basic YWRtaW46cGFzc3dvcmQ=",
            "Bearer $ABCDEFGHIJ12",
            "bearer abcdefghijkl",
            "token=abc",
            "https://api.example.com/hook?token=abc",
            "host=db password=SuperSecretPw99 user=app",
            "host=db PASSWORD = 'x' user=app",
            "{\"api_key\": \"abc123\"}",
            "password: hunter2",
            "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx",
            "https://discord.com/api/webhooks/123456789012345678/abcDEF",
            "https://github.com/ghp_R4nd0mT0k3nV4lu3F0rT3st1ng/x",
            "AKIAIOSFODNN7EXAMPLE",
            "-----BEGIN PRIVATE KEY-----",
            "key:sk_live_abcd1234",
        ] {
            assert!(contains_credential(credential), "{credential}");
        }
        for plain in [
            "info",
            "debug",
            "Basic auth is enabled",
            "token bucket",
            "https://registry.npmjs.org/@types/node",
            "postgresql://app@db/app",
            "ASIAN",
            "task_live_thing",
            "password",
            "password=",
            "eyJ.only-one-dot",
            "desk-12345678901234567890123",
            "",
        ] {
            assert!(!contains_credential(plain), "{plain}");
        }
        assert!(contains_credential(&"a".repeat(CREDENTIAL_SCAN_LIMIT + 1)));
    }

    #[test]
    fn credential_scan_is_linear() {
        // Shapes that would make a naive scan rescan the rest of the value at every start.
        let cases = [
            "eyJ.".repeat(16_000),
            "a_".repeat(32_000),
            "token ".repeat(10_000),
            "password ".repeat(7_000),
            format!("bearer{}", " ".repeat(60_000)),
        ];
        let started = std::time::Instant::now();
        for case in &cases {
            let _ = contains_credential(case);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
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
