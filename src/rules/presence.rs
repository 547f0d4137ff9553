//! Presence: which source supplies each variable (name, aliases, `NAME_FILE`, default), and
//! near-miss suggestions for missing variables.

use super::types::Problem;
use super::Code;
use crate::finding::{SourceKind, SourceRef};
use crate::schema::model::{Schema, VarSpec};
use crate::secret::Secret;
use crate::source::{secret_file, Gathered, RawValue};
use crate::suggest::{distance_within, normalize, Index};
use std::borrow::Cow;
use std::collections::HashSet;

/// Where a variable's value was found, if anywhere: a value set in the sources is
/// borrowed from them (`'g`), one read from a `NAME_FILE` file is owned.
#[derive(Debug)]
pub enum Resolved<'g> {
    Value {
        value: Cow<'g, Secret>,
        source: Cow<'g, SourceRef>,
        /// Trailing newlines removed from a `NAME_FILE` file (0 for other sources).
        newlines_removed: usize,
    },
    NotUtf8 {
        source: Cow<'g, SourceRef>,
    },
    /// `NAME_FILE` names a file that cannot be used (the problem is reported).
    BadFile {
        source: Cow<'g, SourceRef>,
    },
    Absent,
}

/// Resolution of one variable, with the findings it raised (`conflicting-sources`,
/// `deprecated-name`, `unreadable-file`), each with its source.
pub struct Resolution<'g> {
    pub resolved: Resolved<'g>,
    pub problems: Vec<(Problem, Option<SourceRef>)>,
}

pub fn resolve<'g>(
    spec: &'g VarSpec,
    gathered: &'g Gathered,
    schema: &'g Schema,
) -> Resolution<'g> {
    let mut resolution = resolve_first(spec, gathered, schema);
    // Old names set beside the one in use are ignored: say so (two values for one setting
    // is how one service ends up with last year's JWT key).
    if spec.aliases.is_empty() {
        return resolution;
    }
    let winner = std::iter::once(&spec.name)
        .chain(spec.aliases.iter())
        .position(|n| gathered.get(n).is_some() || gathered.get_file_form(n).is_some());
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
fn resolve_first<'g>(
    spec: &'g VarSpec,
    gathered: &'g Gathered,
    schema: &'g Schema,
) -> Resolution<'g> {
    let mut problems = Vec::new();
    let names = std::iter::once(&spec.name).chain(spec.aliases.iter());
    for (i, name) in names.enumerate() {
        let direct = gathered.get(name);
        let via_file = gathered.get_file_form(name);
        if direct.is_none() && via_file.is_none() {
            continue;
        }
        // Worded only when a message needs it (most variables are simply set).
        let file_var = || format!("{name}_FILE");
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
            let file_var = file_var();
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
                    value: Cow::Borrowed(s),
                    source: Cow::Borrowed(&entry.source),
                    newlines_removed: 0,
                },
                RawValue::NotUtf8 => Resolved::NotUtf8 {
                    source: Cow::Borrowed(&entry.source),
                },
            };
            return Resolution { resolved, problems };
        }
        if let Some(entry) = via_file {
            let file_var = file_var();
            let RawValue::Text(path_text) = &entry.value else {
                return Resolution {
                    resolved: Resolved::NotUtf8 {
                        source: Cow::Borrowed(&entry.source),
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
                        source: Cow::Borrowed(&entry.source),
                    },
                    problems,
                };
            }
            // Read the path as joined (the OS resolves `..` after symlinks); show it cleaned.
            let path = gathered.base_dir(entry).join(path_text.expose());
            let shown_path = crate::paths::clean(&path);
            // The line of `NAME_FILE` belongs to another file: it is in the hint, not here.
            let mut source = SourceRef {
                kind: SourceKind::File,
                path: Some(shown_path.as_path().into()),
                line: None,
                name: Some(file_var.clone()),
                via: Some(Box::new(entry.source.clone())),
            };
            return match secret_file::read(&path) {
                Ok(read) => Resolution {
                    resolved: Resolved::Value {
                        value: Cow::Owned(Secret::new(read.text)),
                        source: Cow::Owned(source),
                        newlines_removed: read.newlines_removed,
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
                        // Not shown: point at where `NAME_FILE` is set instead.
                        source = entry.source.clone();
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
                        resolved: Resolved::BadFile {
                            source: Cow::Owned(source),
                        },
                        problems,
                    }
                }
            };
        }
    }
    if let Some(default) = &spec.default {
        let source = SourceRef::default_value(schema.path.as_path());
        return Resolution {
            resolved: Resolved::Value {
                value: Cow::Borrowed(default),
                source: Cow::Owned(source),
                newlines_removed: 0,
            },
            problems,
        };
    }
    Resolution {
        resolved: Resolved::Absent,
        problems,
    }
}

/// How many name comparisons the near-miss suggestions of one service may make in all
/// (2,000 missing variables against 20,000 set names would otherwise be 40 million).
pub const NEAR_MISS_BUDGET: usize = 300_000;

/// `did you mean JWT_SECRET (set in .env line 4)?` for missing variables, from the names
/// the sources set that the schema does not claim: indexed once per service, queried once
/// per missing variable, all queries under one [`NEAR_MISS_BUDGET`].
pub struct NearMisses<'g> {
    gathered: &'g Gathered<'g>,
    /// Unclaimed names, compared without their `_FILE` suffix.
    index: Index<'g>,
}

impl<'g> NearMisses<'g> {
    /// `claimed`: names (and aliases) the schema declares; they are never suggested for
    /// another, nor are their `_FILE` forms.
    pub fn new<S: std::hash::BuildHasher>(
        gathered: &'g Gathered<'g>,
        claimed: &HashSet<&str, S>,
    ) -> Self {
        let claimed = |n: &str| {
            claimed.contains(n) || n.strip_suffix("_FILE").is_some_and(|b| claimed.contains(b))
        };
        let candidates = gathered
            .names()
            // A key that may be a piece of a value (a wrapped secret's next line) is never
            // offered as a suggestion.
            .filter(|(n, _)| !claimed(n) && gathered.may_show_key(n))
            .map(|(n, _)| (n.strip_suffix("_FILE").unwrap_or(n), n))
            .filter(|(base, _)| base.len() >= 3);
        Self {
            gathered,
            index: Index::with_keys(candidates, NEAR_MISS_BUDGET),
        }
    }

    /// Whether some query was cut short because the budget was spent.
    pub fn exhausted(&self) -> bool {
        self.index.exhausted()
    }

    /// The hint for a missing `spec`: a name set in a form envgate does not read as `spec`
    /// (`db_password_file`, `FILE__DB_PASSWORD`), said as such; else the closest names.
    pub fn hint(&self, spec: &VarSpec) -> Option<String> {
        self.misread_file_form(spec)
            .or_else(|| self.did_you_mean(spec))
    }

    /// `db_password_file` for `db_password`, `Jwt_Secret_File` for `JWT_SECRET`, or the
    /// `FILE__NAME` of some images: meant as the file form of the variable (or of an alias),
    /// but not the `NAME_FILE` that envgate and the Docker images read.
    fn misread_file_form(&self, spec: &VarSpec) -> Option<String> {
        for name in std::iter::once(&spec.name).chain(spec.aliases.iter()) {
            let file_form = format!("{name}_FILE");
            // Indexed without an exact `_FILE` suffix: `db_password_file` under its whole
            // name, `DB_PASSWORD_FILE` under `DB_PASSWORD`.
            let found = [normalize(name), normalize(&file_form)]
                .iter()
                .flat_map(|norm| self.index.exactly(norm))
                .map(|(_, n)| n)
                .find(|n| n.eq_ignore_ascii_case(&file_form) && *n != file_form);
            let prefixed = format!("FILE__{name}");
            let found = found
                .map(str::to_string)
                .or_else(|| self.gathered.get(&prefixed).map(|_| prefixed));
            if let Some(found) = found {
                let at = self
                    .gathered
                    .get(&found)
                    .map(|e| set_where(&e.source))
                    .unwrap_or_default();
                return Some(format!(
                    "{found} is {at}, but it is not read: the file form of {name} is {file_form}, written exactly so; rename {found} to {file_form}"
                ));
            }
        }
        None
    }

    fn did_you_mean(&self, spec: &VarSpec) -> Option<String> {
        let target = normalize(&spec.name);
        let upper_name = spec.name.to_ascii_uppercase();
        let max_distance = (target.len() / 5).clamp(1, 3);
        let score = |cn: &str, n: &str| {
            let base = n.strip_suffix("_FILE").unwrap_or(n);
            if base.len().abs_diff(spec.name.len()) > 24 {
                return None;
            }
            if cn == target {
                Some(0)
            } else if affix_match(&upper_name, &base.to_ascii_uppercase()) {
                Some(2)
            } else {
                distance_within(cn, &target, max_distance).map(|d| d + 1)
            }
        };
        // Names equal once normalized are looked up (free); the rest cost budget.
        let mut hits: Vec<(usize, &str)> = self
            .index
            .exactly(&target)
            .chain(self.index.affixes(&spec.name, 4))
            .chain(self.index.near(&spec.name, max_distance))
            .filter_map(|(cn, n)| score(cn, n).map(|s| (s, n)))
            .collect();
        hits.sort_unstable();
        let mut seen = HashSet::new();
        hits.retain(|(_, n)| seen.insert(*n));
        if hits.is_empty() {
            return None;
        }
        let list: Vec<String> = hits
            .iter()
            .take(3)
            .filter_map(|(_, n)| {
                let src = &self.gathered.get(n)?.source;
                Some(format!("{n} ({})", set_where(src)))
            })
            .collect();
        Some(format!("did you mean {}?", list.join(" or ")))
    }
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

/// A `NAME_FILE` value that is unmistakably a path (`/run/secrets/jwt`,
/// `../secrets/JWT_KEY.pem`): relative (`./`, `../`, `~/`) or of at least two named
/// components, each made of words (split at `.`, `_` and `-`) that are lower case, upper
/// case or capitalized, with letters and digits switching at most twice (`k8s`, `v2`).
/// Random secrets (`/qf50MJPs`, base64 with `/`) switch case and digits all the time, so
/// one pasted where the path belongs is not taken for a path (and never shown).
pub(crate) fn looks_like_path(text: &str) -> bool {
    let wordy = |word: &str| {
        let letters: Vec<char> = word.chars().filter(char::is_ascii_alphabetic).collect();
        let one_case = letters.iter().all(char::is_ascii_lowercase)
            || letters.iter().all(char::is_ascii_uppercase)
            || (letters.first().is_some_and(char::is_ascii_uppercase)
                && letters.iter().skip(1).all(char::is_ascii_lowercase));
        let switches = word
            .as_bytes()
            .windows(2)
            .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
            .count();
        word.len() <= 32
            && word.chars().all(|c| c.is_ascii_alphanumeric())
            && one_case
            && switches <= 2
    };
    let component = |c: &str| {
        matches!(c, "." | ".." | "~")
            || (c.len() <= 64
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
                && c.split(['.', '_', '-']).all(|w| w.is_empty() || wordy(w)))
    };
    let relative = ["./", "../", "~/"].iter().any(|p| text.starts_with(p));
    let named = text
        .split('/')
        .filter(|c| !c.is_empty() && !matches!(*c, "." | ".." | "~"))
        .count();
    text.contains('/')
        && text.len() <= 4096
        && (relative || named >= 2)
        && named >= 1
        && text.split('/').all(|c| c.is_empty() || component(c))
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
            "./secrets/db_password.txt",
            "../secrets/JWT_KEY.pem",
            "/etc/k8s/Secrets/api-token.v2",
            "~/keys/id_ed25519",
        ] {
            assert!(looks_like_path(p), "{p}");
        }
        for s in [
            "k9Qz7LmP2xVb8RtY4nWc6JhF3sDg5AeU",
            "/Zq8rT2vLm9XpK4wN7bY1cD5fH3jG6sA0=",
            "9f86d081884c7d659a2f",
            "/qf50MJPs",
            "/aB3xK9mQ2z",
            "/jwt",
            "/run/secrets/9f86d081884c7d659a2f",
            "Zq8rT2/vLm9XpK4wN7bY1c",
            "./",
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
