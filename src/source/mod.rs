//! Where values come from: the process environment, dotenv files and `NAME_FILE` secret
//! files. Each value keeps its [`SourceRef`]; problems with the sources themselves (a bad
//! line, an unreadable file) are findings, never errors.

pub mod dotenv;
pub mod env_file;
pub mod interpolate;
pub mod secret_file;

use crate::finding::{Finding, SourceRef};
use crate::secret::Secret;
use std::collections::HashMap;
use std::ffi::OsString;
use std::hash::BuildHasher as _;
use std::path::{Path, PathBuf};

/// A raw value as a source gave it.
#[derive(Debug, Clone)]
pub enum RawValue {
    Text(Secret),
    /// The bytes were not UTF-8 (reported as `not-utf8` if the variable matters).
    NotUtf8,
}

/// One key as set by one source.
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: RawValue,
    pub source: SourceRef,
    /// The directory relative `NAME_FILE` paths resolve against (shared by every entry
    /// of one file: a file may have many keys); `None` for the process environment, whose
    /// paths resolve against the run's working directory ([`Gathered::base_dir`]).
    pub base_dir: Option<std::sync::Arc<Path>>,
    /// The value took text from a `${VAR}` that is, or may be, sensitive: it is sensitive
    /// whatever its key ([`dotenv::DotenvEntry::carries_secret`]).
    pub carries_secret: bool,
}

/// The process environment, captured once (tests and embedders can supply their own).
#[derive(Debug, Clone, Default)]
pub struct ProcessEnv {
    /// Each variable as a service reading the environment sees it, built once for the run
    /// (not copied into every service's [`Gathered`]); its name is its source's
    /// ([`ProcessEnv::name`]), held once.
    vars: Vec<Entry>,
    /// Each name's position in `vars` (the last, for a name set twice).
    index: NameIndex<usize>,
}

/// A map keyed by names, hashed with foldhash (seeded per process, so keys from an
/// untrusted env file cannot be chosen to collide): every declared variable is looked up in
/// several of them, and `SipHash` was a tenth of a check's instructions.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Names indexed where they are already held (in entries, in one buffer) instead of copied
/// into a map's keys: each slot is a `T` that the caller's `name_of` reads its name from.
/// Hashed as [`FastMap`] is.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex<T> {
    slots: hashbrown::HashTable<T>,
    hasher: foldhash::fast::RandomState,
}

impl<T> NameIndex<T> {
    /// Room for `additional` more names without growing.
    pub(crate) fn reserve<'n>(&mut self, additional: usize, name_of: impl Fn(&T) -> &'n str) {
        let hasher = &self.hasher;
        self.slots
            .reserve(additional, |slot| hasher.hash_one(name_of(slot)));
    }

    /// The slot of `name`.
    pub(crate) fn find<'n>(&self, name: &str, name_of: impl Fn(&T) -> &'n str) -> Option<&T> {
        self.slots
            .find(self.hasher.hash_one(name), |slot| name_of(slot) == name)
    }

    /// The slot of `name`, and whether it is `new`, just inserted for it.
    pub(crate) fn slot<'n>(
        &mut self,
        name: &str,
        name_of: impl Fn(&T) -> &'n str,
        new: T,
    ) -> (&mut T, bool) {
        let hasher = &self.hasher;
        match self.slots.entry(
            hasher.hash_one(name),
            |slot| name_of(slot) == name,
            |slot| hasher.hash_one(name_of(slot)),
        ) {
            hashbrown::hash_table::Entry::Occupied(slot) => (slot.into_mut(), false),
            hashbrown::hash_table::Entry::Vacant(slot) => (slot.insert(new).into_mut(), true),
        }
    }
}

impl ProcessEnv {
    pub fn capture() -> Self {
        Self::from_os(std::env::vars_os())
    }

    pub fn from_os(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let vars = vars.into_iter();
        let mut env = Self::default();
        env.vars.reserve(vars.size_hint().0);
        // The index is empty: nothing is rehashed, so no name is read.
        env.index.reserve(vars.size_hint().0, |_| "");
        for (k, v) in vars {
            // A name that is not UTF-8 cannot be declared in a schema: skip it.
            let Ok(k) = k.into_string() else { continue };
            let value = v
                .into_string()
                .map_or(RawValue::NotUtf8, |s| RawValue::Text(Secret::new(s)));
            let at = env.vars.len();
            let entries = &env.vars;
            *env.index.slot(&k, |&i| Self::name(&entries[i]), at).0 = at;
            env.vars.push(Entry {
                value,
                source: SourceRef::env(k),
                base_dir: None,
                carries_secret: false,
            });
        }
        env
    }

    /// The name an entry of the environment is set under (its source's).
    fn name(entry: &Entry) -> &str {
        entry.source.name.as_deref().unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<&RawValue> {
        self.entry(name).map(|e| &e.value)
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.index
            .find(name, |&i| Self::name(&self.vars[i]))
            .map(|&i| &self.vars[i])
    }

    /// The text of a variable, for `${VAR}` expansion.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(RawValue::Text(s)) => Some(s.expose().to_string()),
            _ => None,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.vars.iter().map(|e| (Self::name(e), &e.value))
    }
}

/// Every key a service can see, highest precedence last-applied, with the keys that env
/// files set (for `undeclared` and near-miss suggestions).
#[derive(Debug, Default)]
pub struct Gathered<'e> {
    /// What the env files set.
    map: FastMap<String, Entry>,
    /// The process environment, when the service reads it: it wins over the files.
    env: Option<&'e ProcessEnv>,
    /// The run's working directory, where the environment's relative paths resolve.
    cwd: Option<std::sync::Arc<Path>>,
    /// Keys set by env files, in file order, with where they were set.
    pub file_keys: Vec<(String, SourceRef)>,
    /// Problems with the sources themselves (dotenv syntax, unreadable env files...).
    pub findings: Vec<Finding>,
    /// Declared names (with their aliases and `_FILE` forms) that are set in the process
    /// environment when the service does not read it, and why it does not: a variable
    /// "not set" that is in fact set there is told so.
    pub unread_env: Vec<String>,
    pub env_ignored: Option<EnvIgnored>,
    /// Keys read from env files that must never be shown ([`env_file::key_may_be_shown`]).
    hidden_keys: std::collections::HashSet<String>,
}

/// Why a service does not read the process environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvIgnored {
    /// `--no-process-env` was given.
    NoProcessEnvFlag,
    /// A stack service without `process_env = true`.
    NotInStack,
}

impl Gathered<'_> {
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.env
            .and_then(|env| env.entry(name))
            .or_else(|| self.map.get(name))
    }

    /// The entry of `NAME_FILE` for `name`, looked up without building that name anew for
    /// every variable.
    pub fn get_file_form(&self, name: &str) -> Option<&Entry> {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        KEY.with_borrow_mut(|key| {
            key.clear();
            key.push_str(name);
            key.push_str("_FILE");
            self.get(key)
        })
    }

    /// The directory `entry`'s relative `NAME_FILE` path resolves against.
    pub fn base_dir<'a>(&'a self, entry: &'a Entry) -> &'a Path {
        entry
            .base_dir
            .as_deref()
            .or(self.cwd.as_deref())
            .unwrap_or(Path::new(""))
    }

    /// Whether a key read from an env file may be shown in a message: decided once, as
    /// the file was read ([`env_file::key_may_be_shown`]).
    pub fn may_show_key(&self, key: &str) -> bool {
        !self.hidden_keys.contains(key)
    }

    /// Every key visible to the service (for near-miss suggestions): the environment's,
    /// then the files' that it does not override.
    pub fn names(&self) -> impl Iterator<Item = (&str, &Entry)> {
        let env = self.env;
        env.into_iter()
            .flat_map(|env| env.vars.iter().map(|e| (ProcessEnv::name(e), e)))
            .chain(
                self.map
                    .iter()
                    .filter(move |(k, _)| env.is_none_or(|env| env.entry(k).is_none()))
                    .map(|(k, v)| (k.as_str(), v)),
            )
    }
}

/// What the env files of one run may add up to: each file is bounded on its own, and this
/// bounds a stack that lists the same large file many times (or many services sharing it).
/// A file met when the budget is spent is not read, and a finding says why.
#[derive(Debug, Clone)]
pub struct ReadBudget {
    bytes_left: usize,
    entries_left: usize,
}

/// Bytes of env files one run reads, at most (plus the last file read, itself bounded).
pub const RUN_ENV_FILE_BYTES: usize = 256 * 1024 * 1024;
/// Entries of env files one run reads, at most (plus the last file's).
pub const RUN_ENV_FILE_ENTRIES: usize = 500_000;

impl Default for ReadBudget {
    fn default() -> Self {
        Self {
            bytes_left: RUN_ENV_FILE_BYTES,
            entries_left: RUN_ENV_FILE_ENTRIES,
        }
    }
}

impl ReadBudget {
    fn spent(&self) -> bool {
        self.bytes_left == 0 || self.entries_left == 0
    }

    fn spend(&mut self, bytes: usize, entries: usize) {
        self.bytes_left = self.bytes_left.saturating_sub(bytes);
        self.entries_left = self.entries_left.saturating_sub(entries);
    }
}

/// Where one service's values come from.
#[derive(Debug, Clone, Default)]
pub struct SourceSpec {
    pub env_files: Vec<PathBuf>,
    pub process_env: bool,
    /// Use the process environment for `${VAR}` expansion in env files.
    pub expand_from_process_env: bool,
}

/// Reads the env files (later files win) and then the process environment (which wins over
/// files, as with Compose). When the service does not read the process environment, only
/// the `declared` names (and aliases, and their `_FILE` forms) are looked up in it, to say
/// why they are "not set". `table` says which names are sensitive, for the wording of
/// every message about a value read here.
pub fn gather<'e>(
    spec: &SourceSpec,
    env: &'e ProcessEnv,
    cwd: &Path,
    declared: &[crate::schema::model::VarSpec],
    table: &crate::sensitivity::Sensitivity,
    budget: &mut ReadBudget,
) -> Gathered<'e> {
    let mut gathered = Gathered::default();
    let from_env = |name: &str| -> Option<String> {
        if spec.expand_from_process_env {
            env.text(name)
        } else {
            None
        }
    };
    for path in &spec.env_files {
        // Earlier files' values are visible to later files (after the file's own keys).
        let from_earlier_files = |name: &str| -> Option<(String, bool)> {
            match gathered.map.get(name) {
                Some(Entry {
                    value: RawValue::Text(s),
                    carries_secret,
                    ..
                }) => Some((s.expose().to_string(), *carries_secret)),
                _ => None,
            }
        };
        let lookups = env_file::Lookups {
            env: &from_env,
            earlier_files: &from_earlier_files,
        };
        if budget.spent() {
            gathered.findings.push(
                Finding::new(
                    crate::rules::Code::UnreadableFile,
                    format!(
                        "env file {} was not read: the env files of this run already add up to more than {} MiB or {} entries",
                        path.display(),
                        RUN_ENV_FILE_BYTES / (1024 * 1024),
                        env_file::thousands(RUN_ENV_FILE_ENTRIES)
                    ),
                )
                .hint("list each env file once per service, and keep generated data out of env files")
                .source(Some(SourceRef {
                    kind: crate::finding::SourceKind::Dotenv,
                    path: Some(path.as_path().into()),
                    line: None,
                    name: None,
                    via: None,
                })),
            );
            continue;
        }
        let read = env_file::read(path, &lookups, table);
        budget.spend(read.bytes, read.entries.len());
        let base_dir: Option<std::sync::Arc<Path>> = Some(path.parent().unwrap_or(cwd).into());
        gathered.findings.extend(read.findings);
        gathered.hidden_keys.extend(read.hidden_keys);
        for (key, value, source, carries_secret) in read.entries {
            gathered.file_keys.push((key.clone(), source.clone()));
            gathered.map.insert(
                key,
                Entry {
                    value,
                    source,
                    base_dir: base_dir.clone(),
                    carries_secret,
                },
            );
        }
    }
    if spec.process_env {
        // Looked up where it is, not copied: a large environment costs nothing per service.
        gathered.env = Some(env);
        gathered.cwd = Some(cwd.into());
    } else {
        // A stack service that does not opt in still expands `${VAR}` from the environment;
        // `--no-process-env` turns both off.
        gathered.env_ignored = Some(if spec.expand_from_process_env {
            EnvIgnored::NotInStack
        } else {
            EnvIgnored::NoProcessEnvFlag
        });
        for name in declared
            .iter()
            .flat_map(|v| std::iter::once(&v.name).chain(v.aliases.iter()))
        {
            for form in [name.clone(), format!("{name}_FILE")] {
                if env.get(&form).is_some() {
                    gathered.unread_env.push(form);
                }
            }
        }
    }
    gathered
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name set twice in the environment (possible with `execve`): the last one is the
    /// value, and both stay listed, in order.
    #[test]
    fn a_name_set_twice_reads_as_its_last_value() {
        let env = ProcessEnv::from_os([
            (OsString::from("A"), OsString::from("first")),
            (OsString::from("B"), OsString::from("b")),
            (OsString::from("A"), OsString::from("second")),
        ]);
        let text = |name: &str| env.text(name);
        assert_eq!(text("A").as_deref(), Some("second"));
        assert_eq!(text("B").as_deref(), Some("b"));
        assert_eq!(text("C"), None);
        let names: Vec<&str> = env.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["A", "B", "A"]);
    }
}
