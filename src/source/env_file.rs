//! Reading one env file: bounded read, dotenv parsing, and its problems as findings.

use super::dotenv::{self, DotenvIssueKind, RefPlace, Reference, Written};
use super::RawValue;
use crate::finding::{Finding, SourceRef};
use crate::rules::Code;
use crate::secret::Secret;
use crate::sensitivity::Sensitivity;
use std::path::Path;

/// Env files larger than this are refused (a dotenv file is hand-sized; this bounds memory).
pub const MAX_ENV_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub struct EnvFileRead {
    /// Key, value, where it was set, and whether the value carried a secret
    /// ([`dotenv::DotenvEntry::carries_secret`]).
    pub entries: Vec<(String, RawValue, SourceRef, bool)>,
    pub findings: Vec<Finding>,
    /// Keys read here that must never be shown (see [`key_may_be_shown`]).
    pub hidden_keys: Vec<String>,
    /// How many bytes the file held.
    pub bytes: usize,
}

/// Where `${VAR}` in the file reads from: `env` (the process environment) first, then the
/// file's own earlier keys, then `earlier_files` (see [`dotenv::parse`]).
pub struct Lookups<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub earlier_files: &'a dyn Fn(&str) -> Option<(String, bool)>,
}

/// `table` decides, before any message is worded, what of a value or key may be shown.
pub fn read(path: &Path, lookups: &Lookups<'_>, table: &Sensitivity) -> EnvFileRead {
    let mut out = EnvFileRead {
        entries: Vec::new(),
        findings: Vec::new(),
        hidden_keys: Vec::new(),
        bytes: 0,
    };
    let file_source = SourceRef {
        kind: crate::finding::SourceKind::Dotenv,
        path: Some(path.into()),
        line: None,
        name: None,
        via: None,
    };
    let bytes = match read_bounded(path) {
        Ok(b) => b,
        Err(reason) => {
            out.findings.push(
                Finding::new(Code::UnreadableFile, format!("env file {} {reason}", path.display()))
                    .hint("check the path: --env-file paths are relative to the working directory, env_files in a stack to the stack file")
                    .source(Some(file_source)),
            );
            return out;
        }
    };
    out.bytes = bytes.len();
    // A key is a secret's when a schema says so, or when no schema declares it (its
    // sensitivity is unknown): for what a wrapped secret's next line looks like, and for
    // what a `${VAR}` carries into the value that reads it.
    let secret_key = |k: &str| table.is_sensitive(k);
    let parsed = dotenv::parse(&bytes, lookups.env, lookups.earlier_files, &secret_key);
    let may_show = |key: &str, written: Written| key_may_be_shown(key, table, written);
    for entry in &parsed.entries {
        if !may_show(&entry.key, entry.written) {
            out.hidden_keys.push(entry.key.clone());
        }
    }
    // A key hidden on one line is hidden on every line of the file.
    let hidden: std::collections::HashSet<&str> =
        out.hidden_keys.iter().map(String::as_str).collect();
    let shown = |key: &str, written: Written| -> Option<String> {
        (may_show(key, written) && !hidden.contains(key)).then(|| key.to_owned())
    };
    for issue in &parsed.issues {
        let at = SourceRef {
            line: Some(issue.line),
            ..file_source.clone()
        };
        let finding = match &issue.kind {
            DotenvIssueKind::Syntax { reason } => Finding::new(
                Code::DotenvSyntax,
                format!("line {}, column {}: {reason}", issue.line, issue.column),
            )
            .hint("the rest of the file was still read; the line is not shown because it may hold a secret"),
            DotenvIssueKind::UndefinedVariable {
                key,
                reference,
                credential_shape,
                written,
            } => {
                let key = shown(key, *written);
                undefined_variable(key.as_deref(), reference, *credential_shape, table)
            }
            DotenvIssueKind::RequiredVariable {
                key,
                reference,
                empty,
                credential_shape,
                written,
            } => {
                let key = shown(key, *written);
                let state = if *empty { "empty" } else { "not set" };
                let what = if reference_may_be_shown(key.as_deref(), reference, *credential_shape, table) {
                    format!("required variable {} is {state}", reference.name)
                } else {
                    format!("a required variable is {state}")
                };
                let f = Finding::new(
                    Code::DotenvSyntax,
                    format!("line {}, column {}: {what}", issue.line, issue.column),
                )
                .hint("Compose stops at `${NAME?message}` when NAME is not set (`${NAME:?message}`: or empty); set it in the environment or earlier in the env files. The line is not shown because it may hold a secret");
                match key {
                    Some(k) => f.var(k),
                    None => f,
                }
            }
            DotenvIssueKind::DuplicateKey {
                key,
                count,
                lines,
                written,
            } => match shown(key, *written) {
                Some(key) => Finding::new(
                    Code::DuplicateKey,
                    format!("{key} is {}; the last one wins", defined_times(*count, lines, issue.line)),
                )
                .var(key.clone())
                .hint(if *count == 2 {
                    format!("remove one of the two definitions of {key}")
                } else {
                    format!("keep one definition of {key}")
                }),
                None => Finding::new(
                    Code::DuplicateKey,
                    format!("a key is {}; the last one wins", defined_times(*count, lines, issue.line)),
                )
                .hint("the key is not shown: it looks like part of a value (an unquoted multi-line value?)"),
            },
            DotenvIssueKind::CrlfLineEndings => Finding::new(Code::CrlfLineEndings, "the file has Windows (CRLF) line endings")
                .hint("convert it to LF line endings (dos2unix)"),
        };
        out.findings.push(finding.source(Some(at)));
    }
    let mut syntax_listed = parsed
        .issues
        .iter()
        .filter(|i| {
            matches!(
                i.kind,
                DotenvIssueKind::Syntax { .. } | DotenvIssueKind::RequiredVariable { .. }
            )
        })
        .count();
    let mut syntax_more = parsed.omitted.syntax;
    let mut line_starts: Option<Vec<usize>> = None;
    for entry in parsed.entries {
        // Compose lets a quoted value run over lines until its closing quote. When the
        // lines it swallowed read like `KEY=value`, the closing quote is probably missing:
        // say so at the opening line (later keys would otherwise look "missing" for no
        // reason). A warning: a multi-line value may hold such lines on purpose.
        if entry.value.contains('\n') && is_env_name(&entry.key) {
            // Line starts are found once, on the first multi-line value.
            let starts = line_starts.get_or_insert_with(|| {
                std::iter::once(0)
                    .chain(
                        bytes
                            .iter()
                            .enumerate()
                            .filter(|(_, b)| **b == b'\n')
                            .map(|(i, _)| i + 1),
                    )
                    .collect()
            });
            let from = starts
                .get(entry.line.saturating_sub(1))
                .copied()
                .unwrap_or(bytes.len());
            let swallowed = swallowed_assignments(&bytes[from..]);
            // These are `dotenv-syntax` findings too: under the same cap.
            if swallowed > 0 && syntax_listed >= dotenv::MAX_ISSUES_PER_KIND {
                syntax_more += 1;
            } else if swallowed > 0 {
                syntax_listed += 1;
                let lines = if swallowed == 1 {
                    "line that looks"
                } else {
                    "lines that look"
                };
                out.findings.push(
                    Finding::new(
                        Code::DotenvSyntax,
                        format!(
                            "the quoted value of {} opens on line {} and runs over {swallowed} {lines} like KEY=value",
                            entry.key, entry.line
                        ),
                    )
                    .severity(crate::rules::Severity::Warning)
                    .var(entry.key.clone())
                    .hint("is its closing quote missing? Everything up to the next matching quote became part of the value")
                    .source(Some(SourceRef::dotenv(path, entry.line, entry.key.clone()))),
                );
            }
        }
        let value = if entry.not_utf8 {
            RawValue::NotUtf8
        } else {
            RawValue::Text(Secret::new(entry.value))
        };
        // Every key of the file shares the file's path.
        let source = SourceRef {
            line: Some(entry.line),
            name: Some(entry.key.clone()),
            ..file_source.clone()
        };
        out.entries
            .push((entry.key, value, source, entry.carries_secret));
    }
    // Past the cap, one finding per kind says how many were not listed.
    let omitted = [
        (Code::DotenvSyntax, syntax_more),
        (Code::UndefinedVariable, parsed.omitted.undefined_variable),
        (Code::DuplicateKey, parsed.omitted.duplicate_key),
    ];
    for (code, more) in omitted.into_iter().filter(|(_, n)| *n > 0) {
        out.findings.push(
            Finding::new(
                code,
                format!(
                    "… and {} more {code} findings in {}, not listed (at most {} of a kind are listed per file)",
                    thousands(more),
                    path.display(),
                    dotenv::MAX_ISSUES_PER_KIND
                ),
            )
            .hint("fix the ones listed and run again to see the rest")
            .source(Some(file_source.clone())),
        );
    }
    out
}

/// "defined twice (lines 1 and 3)", "defined 1,000,000 times (lines 1, 2, 3, …, last on
/// line 1000000)": `lines` are the first definitions, `last` the last one.
fn defined_times(count: usize, lines: &[usize], last: usize) -> String {
    let times = match count {
        2 => "twice".to_string(),
        n => format!("{} times", thousands(n)),
    };
    let listed: Vec<String> = lines.iter().map(ToString::to_string).collect();
    let where_ = if count <= lines.len() {
        match listed.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("lines {} and {last}", rest.join(", "))
            }
            _ => format!("lines {}", listed.join(", ")),
        }
    } else if count == lines.len() + 1 {
        format!("lines {} and {last}", listed.join(", "))
    } else {
        format!("lines {}, …, last on line {last}", listed.join(", "))
    };
    format!("defined {times} ({where_})")
}

/// `1,999,900`: counts a user reads at a glance.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    crate::fsread::read_bounded(path, MAX_ENV_FILE_BYTES).map_err(|e| e.to_string())
}

/// Whether a key read from an env file may be shown in a message (`undeclared`,
/// `duplicate-key`, `undefined-variable`...). A name some selected schema declares always
/// may. Otherwise it must look like a variable name, and not like a piece of a value that
/// ran onto a line of its own: a line that ends in `=` padding (`KRUGS4ZA====`, read as a
/// key with the value `===`), a long run of a base32, base64 or hex alphabet, or, right
/// after a sensitive value, a line that is no plain `KEY=value` (it ends in `=`, or reads
/// as `WORD: rest`): a wrapped secret's continuation has no other way to hold a separator.
pub fn key_may_be_shown(key: &str, table: &Sensitivity, written: Written) -> bool {
    if table.contains(key) {
        return true;
    }
    let continuation = written.after_secret && (written.empty || written.colon);
    is_env_name(key) && !written.padding && !looks_random(key) && !continuation
}

/// Long enough, and without the `_` that joins words in names, to be a run of random
/// base32 / base64 / hex characters rather than a name someone wrote.
fn looks_random(key: &str) -> bool {
    if key.contains('_') {
        return false;
    }
    let len = key.chars().count();
    let digits = key.chars().any(|c| c.is_ascii_digit());
    let letters = key.chars().any(|c| c.is_ascii_alphabetic());
    len >= 24 || (len >= 16 && digits && letters)
}

/// Whether the name of a reference met in `key`'s value may be shown. The name may be a
/// piece of the value (`pa$sword` reads as a reference to `$sword`), so it is shown only
/// - when it is the key itself (a self-reference says nothing the key does not), or
/// - when it stands alone as the whole value, the whole password or the whole user-info of
///   a URL, written `${NAME}` (or `$NAME` naming a declared variable): a reference written
///   as one, not a piece of a secret, or
/// - when the key is known not to be sensitive, the value holds no credential shape, and the
///   reference is outside a URL's user-info, query and fragment;
///
/// and always only for a conventional capitals name (`DB_PASSWORD`, not `sword`).
fn reference_may_be_shown(
    key: Option<&str>,
    reference: &Reference,
    credential_shape: bool,
    table: &Sensitivity,
) -> bool {
    let Some(key) = key else { return false };
    if reference.name == key {
        return true;
    }
    let capitals = reference
        .name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !capitals {
        return false;
    }
    let written_as_reference = reference.braced || table.contains(&reference.name);
    let stands_alone = matches!(
        reference.place,
        RefPlace::WholeValue | RefPlace::UrlPassword | RefPlace::UrlUser
    );
    if stands_alone && written_as_reference {
        return true;
    }
    let plain_key = table.declared(key) == Some(false) && !credential_shape;
    plain_key && matches!(reference.place, RefPlace::WholeValue | RefPlace::Other)
}

/// The `undefined-variable` finding for `reference` in `key`'s value (`key` is `None` when
/// it may not be shown), worded after deciding what may be shown of it.
fn undefined_variable(
    key: Option<&str>,
    reference: &Reference,
    credential_shape: bool,
    table: &Sensitivity,
) -> Finding {
    let (Some(k), true) = (
        key,
        reference_may_be_shown(key, reference, credential_shape, table),
    ) else {
        return undefined_variable_unnamed(key);
    };
    let name = &reference.name;
    let written = format!("${{{name}}}");
    let (message, hint) = if name == k {
        (
            format!("{k} refers to itself ({written}); nothing defined it before, so it expanded to nothing"),
            format!("set {k} in the environment or in an env file read before this one, or write its value here"),
        )
    } else {
        let set_it = format!("set {name} in the environment or earlier in the env files");
        match reference.place {
            RefPlace::UrlPassword => (
                format!(
                    "{k}: the password part is {written}, which is not set; it expanded to nothing"
                ),
                set_it,
            ),
            RefPlace::UrlUser => (
                format!(
                    "{k}: the user part is {written}, which is not set; it expanded to nothing"
                ),
                set_it,
            ),
            _ => (
                format!("{k}: {written} is not defined; it expanded to nothing"),
                format!("{set_it}, or write ${{{name}:-default}}"),
            ),
        }
    };
    Finding::new(Code::UndefinedVariable, message)
        .var(k)
        .hint(hint)
}

/// An `undefined-variable` finding that does not repeat the reference (it may be a piece of
/// a secret).
fn undefined_variable_unnamed(key: Option<&str>) -> Finding {
    let message = "a `$` in an unquoted or double-quoted value starts a variable reference that is not defined; it expanded to nothing";
    let f = Finding::new(
        Code::UndefinedVariable,
        key.map_or_else(|| message.to_string(), |k| format!("{k}: {message}")),
    )
    .hint("if the `$` is part of the value (a password?), write it as `$$` or put the value in single quotes");
    match key {
        Some(k) => f.var(k),
        None => f,
    }
}

/// A conventional variable name (capitals, digits, `_`, or all lower case), safe to show.
/// Mixed-case runs such as `83oTTUyL8dEtdsd9N9AtMQ` are what an unquoted multi-line base64
/// or PEM value leaves behind as "keys": never echoed.
pub fn is_env_name(name: &str) -> bool {
    let word = |c: char| c.is_ascii_digit() || c == '_';
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && (name.chars().all(|c| c.is_ascii_uppercase() || word(c))
            || name.chars().all(|c| c.is_ascii_lowercase() || word(c)))
}

/// `KEY=value` or `export KEY=value`, as a line of a dotenv file starts.
fn looks_like_assignment(line: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").map_or(line, str::trim_start);
    let key_len = line.find('=').unwrap_or(0);
    key_len > 0 && is_env_name(line[..key_len].trim_end())
}

/// For a quoted value opening on the first line of `bytes` and not closing there: how many
/// of the physical lines up to its closing quote look like `KEY=value`. Zero when it closes
/// on its own line (an escaped `\n` is one line).
fn swallowed_assignments(bytes: &[u8]) -> usize {
    let mut lines = bytes.split(|b| *b == b'\n');
    let Some(first) = lines.next() else { return 0 };
    let first = String::from_utf8_lossy(first);
    let Some(eq) = first.find('=') else { return 0 };
    let after = first[eq + 1..].trim_start();
    let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return 0;
    };
    let closes_on_same_line = {
        let mut escaped = false;
        after[1..].chars().any(|c| {
            let close = c == quote && !escaped;
            escaped = quote == '"' && c == '\\' && !escaped;
            close
        })
    };
    if closes_on_same_line {
        return 0;
    }
    let mut count = 0;
    for l in lines {
        let l = String::from_utf8_lossy(l);
        if l.contains(quote) {
            // The line holding the closing quote counts when it reads `KEY="x"`.
            count += usize::from(looks_like_assignment(&l));
            break;
        }
        count += usize::from(looks_like_assignment(&l));
    }
    count
}

#[cfg(test)]
mod shown_tests {
    use super::*;

    fn table() -> Sensitivity {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            "[vars.PLAIN]\nsensitive = false\n\n[vars.API_TOKEN]\ntype = \"secret\"\n\n\
             [vars.KRUGS4ZANFZSAYJAORSXG5BA]\nsensitive = false\n",
        )
        .unwrap();
        let schema = crate::schema::SchemaSource::load(&path)
            .unwrap()
            .resolve(None, None)
            .unwrap();
        Sensitivity::from_schemas([&schema])
    }

    #[test]
    fn keys_that_may_be_pieces_of_values_are_not_shown() {
        let table = table();
        let plain = Written::default();
        let padding = Written {
            padding: true,
            ..plain
        };
        let empty = Written {
            empty: true,
            ..plain
        };
        let colon = Written {
            colon: true,
            ..plain
        };
        let after = |w: Written| Written {
            after_secret: true,
            ..w
        };
        assert!(key_may_be_shown("LOG_LEVEL", &table, plain));
        assert!(key_may_be_shown("LOG_LEVEL", &table, after(plain)));
        assert!(key_may_be_shown("LOG_LEVEL", &table, empty));
        assert!(!key_may_be_shown("LOG_LEVEL", &table, after(empty)));
        assert!(key_may_be_shown("abc", &table, colon));
        assert!(!key_may_be_shown("abc", &table, after(colon)));
        assert!(!key_may_be_shown("KRUGS4ZA", &table, padding));
        assert!(!key_may_be_shown("MZXW6YTBOI3DEMRQ", &table, plain));
        assert!(!key_may_be_shown("deadbeefcafe0123", &table, plain));
        assert!(!key_may_be_shown(
            "THISISALONGRUNOFLETTERSXY",
            &table,
            plain
        ));
        assert!(!key_may_be_shown("83oTTUyL8dEtdsd9N9AtMQ", &table, plain));
        // Conventional names, however long, and any declared name.
        assert!(key_may_be_shown("POSTGRES_PASSWORD_FILE_V2", &table, plain));
        assert!(key_may_be_shown("OAUTH2_CLIENT_ID", &table, plain));
        assert!(key_may_be_shown(
            "KRUGS4ZANFZSAYJAORSXG5BA",
            &table,
            after(padding)
        ));
    }

    fn reference(name: &str, braced: bool, place: RefPlace) -> Reference {
        Reference {
            name: name.to_owned(),
            braced,
            place,
        }
    }

    #[test]
    fn reference_names_are_shown_only_where_they_cannot_be_pieces_of_secrets() {
        let table = table();
        let shown = |key: Option<&str>, r: &Reference, shape: bool| {
            reference_may_be_shown(key, r, shape, &table)
        };
        let other = reference("HOST_NAME", false, RefPlace::Other);
        assert!(shown(Some("PLAIN"), &other, false));
        // Not under a sensitive, unknown or credential-shaped key.
        assert!(!shown(Some("API_TOKEN"), &other, false));
        assert!(!shown(Some("API_TOKNE"), &other, false));
        assert!(!shown(Some("PLAIN"), &other, true));
        assert!(!shown(None, &other, false));
        // Never a name that is no capitals name, nor one in URL credentials or queries.
        assert!(!shown(
            Some("PLAIN"),
            &reference("sword", false, RefPlace::Other),
            false
        ));
        let query = reference("HOST_NAME", true, RefPlace::UrlSecretPart);
        assert!(!shown(Some("PLAIN"), &query, false));
        // A reference standing alone is a reference, even for a secret...
        for place in [
            RefPlace::WholeValue,
            RefPlace::UrlPassword,
            RefPlace::UrlUser,
        ] {
            assert!(shown(
                Some("API_TOKEN"),
                &reference("DB_PASSWORD", true, place),
                false
            ));
            // ... written `${NAME}`, or `$NAME` naming a declared variable.
            assert!(shown(
                Some("API_TOKEN"),
                &reference("PLAIN", false, place),
                false
            ));
            assert!(!shown(
                Some("API_TOKEN"),
                &reference("UPERMAN", false, place),
                false
            ));
        }
        // A self-reference names only the key.
        let own = reference("API_TOKEN", false, RefPlace::UrlSecretPart);
        assert!(shown(Some("API_TOKEN"), &own, false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_definitions_are_counted_in_one_phrase() {
        assert_eq!(
            defined_times(2, &[1, 3], 3),
            "defined twice (lines 1 and 3)"
        );
        assert_eq!(
            defined_times(3, &[1, 3, 5], 5),
            "defined 3 times (lines 1, 3 and 5)"
        );
        assert_eq!(
            defined_times(4, &[1, 3, 5], 9),
            "defined 4 times (lines 1, 3, 5 and 9)"
        );
        assert_eq!(
            defined_times(1_000_000, &[1, 2, 3], 1_000_000),
            "defined 1,000,000 times (lines 1, 2, 3, …, last on line 1000000)"
        );
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_999_900), "1,999,900");
    }
}
