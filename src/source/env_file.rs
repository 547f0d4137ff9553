//! Reading one env file: bounded read, dotenv parsing, and its problems as findings.

use super::dotenv::{self, DotenvIssueKind};
use super::RawValue;
use crate::finding::{Finding, SourceRef};
use crate::rules::Code;
use crate::secret::Secret;
use std::path::Path;

/// Env files larger than this are refused (a dotenv file is hand-sized; this bounds memory).
pub const MAX_ENV_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub struct EnvFileRead {
    pub entries: Vec<(String, RawValue, SourceRef)>,
    pub findings: Vec<Finding>,
}

pub fn read(path: &Path, lookup: &dyn Fn(&str) -> Option<String>) -> EnvFileRead {
    let mut out = EnvFileRead {
        entries: Vec::new(),
        findings: Vec::new(),
    };
    let file_source = SourceRef {
        kind: crate::finding::SourceKind::Dotenv,
        path: Some(path.to_path_buf()),
        line: None,
        name: None,
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
    let parsed = dotenv::parse(&bytes, lookup);
    let values: std::collections::HashMap<&str, &str> = parsed
        .entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect();
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
            DotenvIssueKind::UndefinedVariable { key, name } => {
                let key = Some(key.as_str()).filter(|k| is_env_name(k));
                // `pa$WORD`: Compose reads `$WORD` as a variable, and the "name" is then a
                // piece of the value. It is repeated only where that cannot be a secret: a
                // capitals name, in a key that is not sensitive, outside URL credentials.
                // (`check` hides it again for keys the schema declares sensitive.)
                let in_credentials = key
                    .and_then(|k| values.get(k))
                    .is_some_and(|v| v.contains("://") && v.contains('@'));
                let nameable = key.is_some_and(|k| !crate::schema::model::sensitive_by_name(k))
                    && !in_credentials
                    && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if nameable {
                    let k = key.unwrap_or_default();
                    Finding::new(Code::UndefinedVariable, format!("{k}: ${name} is not defined; it expanded to nothing"))
                        .var(k)
                        .hint(format!("define {name} earlier in the file or in the environment, or write ${{{name}:-default}}"))
                } else {
                    undefined_variable_unnamed(key)
                }
            }
            DotenvIssueKind::DuplicateKey { key, count, lines } if is_env_name(key) => Finding::new(
                Code::DuplicateKey,
                format!("{key} is {}; the last one wins", defined_times(*count, lines, issue.line)),
            )
            .var(key.clone())
            .hint(if *count == 2 {
                format!("remove one of the two definitions of {key}")
            } else {
                format!("keep one definition of {key}")
            }),
            DotenvIssueKind::DuplicateKey { count, lines, .. } => Finding::new(
                Code::DuplicateKey,
                format!("a key is {}; the last one wins", defined_times(*count, lines, issue.line)),
            )
            .hint("the key is not shown: it does not look like a variable name and may be part of a value (an unquoted multi-line key?)"),
            DotenvIssueKind::CrlfLineEndings => Finding::new(Code::CrlfLineEndings, "the file has Windows (CRLF) line endings")
                .hint("convert it to LF line endings (dos2unix)"),
        };
        out.findings.push(finding.source(Some(at)));
    }
    let mut syntax_listed = parsed
        .issues
        .iter()
        .filter(|i| matches!(i.kind, DotenvIssueKind::Syntax { .. }))
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
        let source = SourceRef::dotenv(path, entry.line, entry.key.clone());
        out.entries.push((entry.key, value, source));
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

/// An `undefined-variable` finding that does not repeat the reference (it may be a piece of
/// a secret).
pub fn undefined_variable_unnamed(key: Option<&str>) -> Finding {
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
