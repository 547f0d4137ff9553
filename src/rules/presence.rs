//! Presence: which source supplies each variable (name, aliases, `NAME_FILE`, default), and
//! near-miss suggestions for missing variables.

use super::types::Problem;
use super::Code;
use crate::finding::{SourceKind, SourceRef};
use crate::schema::model::{Schema, VarSpec};
use crate::secret::Secret;
use crate::source::{secret_file, Gathered, RawValue};
use std::collections::HashSet;

/// Where a variable's value was found, if anywhere.
#[derive(Debug)]
pub enum Resolved {
    Value {
        value: Secret,
        source: SourceRef,
    },
    NotUtf8 {
        source: SourceRef,
    },
    /// `NAME_FILE` names a file that cannot be used (the problem is reported).
    BadFile {
        source: SourceRef,
    },
    Absent,
}

/// Resolution of one variable, with the findings it raised (`conflicting-sources`,
/// `deprecated-name`, `unreadable-file`), each with its source.
pub struct Resolution {
    pub resolved: Resolved,
    pub problems: Vec<(Problem, Option<SourceRef>)>,
}

pub fn resolve(spec: &VarSpec, gathered: &Gathered, schema: &Schema) -> Resolution {
    let mut resolution = resolve_first(spec, gathered, schema);
    // Old names set beside the one in use are ignored: say so (two values for one setting
    // is how one service ends up with last year's JWT key).
    if spec.aliases.is_empty() {
        return resolution;
    }
    let winner = std::iter::once(&spec.name)
        .chain(spec.aliases.iter())
        .position(|n| gathered.get(n).is_some() || gathered.get(&format!("{n}_FILE")).is_some());
    if let Some(w) = winner {
        let used = std::iter::once(&spec.name)
            .chain(spec.aliases.iter())
            .nth(w)
            .cloned()
            .unwrap_or_default();
        let used_value = match &resolution.resolved {
            Resolved::Value { value, .. } => Some(value.fingerprint()),
            _ => None,
        };
        for alias in spec.aliases.iter().skip(w) {
            let file_var = format!("{alias}_FILE");
            let Some((shown, entry)) = gathered
                .get(alias)
                .map(|e| (alias.clone(), e))
                .or_else(|| gathered.get(&file_var).map(|e| (file_var.clone(), e)))
            else {
                continue;
            };
            // Compared only when both values are known texts.
            let how = match (&entry.value, &used_value) {
                (RawValue::Text(t), Some(fp)) if shown == *alias => {
                    if t.fingerprint() == *fp {
                        " (with the same value)"
                    } else {
                        " (with a different value)"
                    }
                }
                _ => "",
            };
            resolution.problems.push((
                Problem::new(
                    Code::DeprecatedName,
                    format!("is also set under its old name {shown}{how}, which is ignored"),
                )
                .hint(format!("remove {shown}: {used} is the one used")),
                Some(entry.source.clone()),
            ));
        }
    }
    resolution
}

/// The first of the name and its aliases that is set (directly or through `_FILE`).
fn resolve_first(spec: &VarSpec, gathered: &Gathered, schema: &Schema) -> Resolution {
    let mut problems = Vec::new();
    let names = std::iter::once(&spec.name).chain(spec.aliases.iter());
    for (i, name) in names.enumerate() {
        let direct = gathered.get(name);
        let file_var = format!("{name}_FILE");
        let via_file = gathered.get(&file_var);
        if direct.is_none() && via_file.is_none() {
            continue;
        }
        if i > 0 {
            problems.push((
                Problem::new(
                    Code::DeprecatedName,
                    format!("is set under its old name {name}"),
                )
                .hint(format!("rename {name} to {}", spec.name)),
                direct.or(via_file).map(|e| e.source.clone()),
            ));
        }
        if let (Some(d), Some(f)) = (direct, via_file) {
            problems.push((
                Problem::new(
                    Code::ConflictingSources,
                    format!(
                        "is set both as {name} ({}) and through {file_var} ({}); {name} is used",
                        set_where(&d.source),
                        set_where(&f.source)
                    ),
                )
                .hint(format!("keep only one of {name} and {file_var}")),
                Some(d.source.clone()),
            ));
        }
        if let Some(entry) = direct {
            let resolved = match &entry.value {
                RawValue::Text(s) => Resolved::Value {
                    value: s.clone(),
                    source: entry.source.clone(),
                },
                RawValue::NotUtf8 => Resolved::NotUtf8 {
                    source: entry.source.clone(),
                },
            };
            return Resolution { resolved, problems };
        }
        if let Some(entry) = via_file {
            let RawValue::Text(path_text) = &entry.value else {
                return Resolution {
                    resolved: Resolved::NotUtf8 {
                        source: entry.source.clone(),
                    },
                    problems,
                };
            };
            if path_text.is_empty() {
                problems.push((
                    Problem::new(
                        Code::UnreadableFile,
                        format!("cannot be read: {file_var} is set but empty"),
                    )
                    .hint(format!(
                        "{file_var} must name the file holding {name}; it is set in {}",
                        entry.source
                    )),
                    Some(entry.source.clone()),
                ));
                return Resolution {
                    resolved: Resolved::BadFile {
                        source: entry.source.clone(),
                    },
                    problems,
                };
            }
            // Read the path as joined (the OS resolves `..` after symlinks); show it cleaned.
            let path = entry.base_dir.join(path_text.expose());
            let shown_path = crate::paths::clean(&path);
            // The line of `NAME_FILE` belongs to another file: it is in the hint, not here.
            let mut source = SourceRef {
                kind: SourceKind::File,
                path: Some(shown_path.clone()),
                line: None,
                name: Some(file_var.clone()),
            };
            return match secret_file::read(&path) {
                Ok(text) => Resolution {
                    resolved: Resolved::Value {
                        value: Secret::new(text),
                        source,
                    },
                    problems,
                },
                Err(reason) => {
                    // `DB_PASSWORD_FILE=hunter2`: a secret where a path belongs. A path
                    // that leads nowhere is shown only if it looks like one.
                    let plausible = std::fs::symlink_metadata(&path).is_ok()
                        || looks_like_path(path_text.expose());
                    let problem = if plausible {
                        Problem::new(
                            Code::UnreadableFile,
                            format!(
                                "cannot be read: {file_var} points at {}, which {reason}",
                                shown_path.display()
                            ),
                        )
                        .hint(if reason.contains("UTF-8") {
                            format!(
                                "{file_var} is set in {}; store a binary key encoded (base64 or hex) and declare its `encoding`",
                                entry.source
                            )
                        } else {
                            format!("{file_var} is set in {}; mount or create the file, or fix the path", entry.source)
                        })
                    } else {
                        source.path = None;
                        Problem::new(
                            Code::UnreadableFile,
                            format!(
                                "cannot be read: {file_var} does not name an existing file ({}, {})",
                                crate::secret::describe(path_text.expose()),
                                path_text.fingerprint()
                            ),
                        )
                        .hint(format!(
                            "{file_var} is set in {}: did you put the secret itself there? {file_var} must hold a file path",
                            entry.source
                        ))
                    };
                    problems.push((problem, Some(source.clone())));
                    Resolution {
                        resolved: Resolved::BadFile { source },
                        problems,
                    }
                }
            };
        }
    }
    if let Some(default) = &spec.default {
        let source = SourceRef::default_value(&schema.path);
        return Resolution {
            resolved: Resolved::Value {
                value: default.clone(),
                source,
            },
            problems,
        };
    }
    Resolution {
        resolved: Resolved::Absent,
        problems,
    }
}

/// `did you mean JWT_SECRET (set in .env line 4)?` for a missing variable, from the names
/// the sources do set that the schema does not claim.
/// `claimed`: names (and aliases) the schema declares; they are never suggested for another.
pub fn near_misses<S: std::hash::BuildHasher>(
    spec: &VarSpec,
    gathered: &Gathered,
    claimed: &HashSet<&str, S>,
) -> Option<String> {
    let claimed = |n: &str| {
        claimed.contains(n) || n.strip_suffix("_FILE").is_some_and(|b| claimed.contains(b))
    };
    let target = crate::suggest::normalize(&spec.name);
    let upper_name = spec.name.to_ascii_uppercase();
    let mut hits: Vec<(usize, &str, &SourceRef)> = gathered
        .names()
        .filter(|(n, _)| !claimed(n))
        .filter_map(|(n, e)| {
            let base = n.strip_suffix("_FILE").unwrap_or(n);
            if base.len() < 3 || base.len().abs_diff(spec.name.len()) > 24 {
                return None;
            }
            let norm = crate::suggest::normalize(base);
            let score = if norm == target {
                Some(0)
            } else if affix_match(&upper_name, &base.to_ascii_uppercase()) {
                Some(2)
            } else {
                let d = strsim::damerau_levenshtein(&norm, &target);
                (d <= (target.len() / 5).clamp(1, 3)).then_some(d + 1)
            };
            score.map(|s| (s, n, &e.source))
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    if hits.is_empty() {
        return None;
    }
    let list: Vec<String> = hits
        .iter()
        .take(3)
        .map(|(_, n, src)| format!("{n} ({})", set_where(src)))
        .collect();
    Some(format!("did you mean {}?", list.join(" or ")))
}

/// `JWT_SECRET` for `JWT_SECRET_KEY`, `APP_JWT_SECRET_KEY` for `JWT_SECRET_KEY`: one name is
/// the other with whole `_`-separated words added at the start or end.
fn affix_match(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 4
        && short != long
        && ((long.starts_with(short) && long[short.len()..].starts_with('_'))
            || (long.ends_with(short) && long[..long.len() - short.len()].ends_with('_')))
}

fn set_where(src: &SourceRef) -> String {
    match (src.kind, &src.path, src.line) {
        (SourceKind::Dotenv, Some(p), Some(l)) => format!("set in {} line {l}", p.display()),
        (SourceKind::Env, _, _) => "set in the environment".into(),
        _ => format!("set in {src}"),
    }
}

/// A `NAME_FILE` value shaped like a path (`/run/secrets/jwt`, `../secrets/JWT_KEY.pem`):
/// components of letters, digits, `.`, `_` and `-` whose letters rarely switch case.
/// Random secrets switch case all the time, so one pasted where the path belongs is not
/// taken for a path (and never shown).
fn looks_like_path(text: &str) -> bool {
    let wordy = |c: &str| {
        let case_switches = c
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|ch| ch.is_ascii_uppercase())
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] != w[1])
            .count();
        c.len() <= 64
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
            && case_switches <= 3
    };
    text.contains('/') && text.len() <= 4096 && text.split('/').all(|c| c.is_empty() || wordy(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_pasted_secrets() {
        for p in [
            "/run/secrets/jwt",
            "../secrets/db_password",
            "secrets/JWT_KEY.pem",
        ] {
            assert!(looks_like_path(p), "{p}");
        }
        for s in [
            "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU",
            "/Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0=",
            "9f86d081884c7d659a2f",
        ] {
            assert!(!looks_like_path(s), "{s}");
        }
    }

    #[test]
    fn affixes() {
        assert!(affix_match("JWT_SECRET_KEY", "JWT_SECRET"));
        assert!(affix_match("JWT_SECRET_KEY", "APP_JWT_SECRET_KEY"));
        assert!(!affix_match("JWT_SECRET_KEY", "JWT_SECRETS"));
        assert!(!affix_match("KEY", "API_KEY"));
    }
}
