//! Checking one service: resolve every declared variable from the gathered sources, run the
//! hygiene and type checks, and apply the schema's `[severity]` and `allow` settings.

use crate::finding::{Finding, Location, SourceRef};
use crate::report::{VarReport, VarStatus};
use crate::rules::presence::{self, Resolved};
use crate::rules::stack::ResolvedValue;
use crate::rules::types::Problem;
use crate::rules::{hygiene, types, Code, Severity};
use crate::schema::model::{Schema, VarSpec};
use crate::secret::Secret;
use crate::sensitivity::Sensitivity;
use crate::source::Gathered;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// The outcome for one service.
#[derive(Debug, Default)]
pub struct ServiceResult {
    pub findings: Vec<Finding>,
    /// Each variable's report entry, unless the report only counts them
    /// ([`VarFacts::count_only`]).
    pub vars: Vec<VarReport>,
    /// How many variables were checked (listed in `vars` or not).
    pub checked: usize,
    /// The files values were read from through `NAME_FILE`, in declaration order (a
    /// report must never be written over one).
    pub secret_files: Vec<Arc<Path>>,
    /// The resolved values the stack rules name (only those: a stack's memory stays flat
    /// in the number of services), in declaration order.
    pub kept: Vec<ResolvedValue>,
}

/// What the report shows of each variable beyond its status and source: built only then.
#[derive(Debug, Clone, Copy, Default)]
pub struct VarFacts {
    /// The report only counts the variables (the human report): no entry is built for each
    /// (the JSON report and `explain` list them).
    pub count_only: bool,
    /// Every present value's fingerprint (the JSON report, `explain`).
    pub fingerprints: bool,
    /// `explain`'s description of each value (implies fingerprints).
    pub details: bool,
}

/// `stack_names`: every variable (and alias) declared by any selected service, with its
/// sensitivity: a shared env file's keys are not `undeclared` for the services that do not
/// use them, and a variable one service declares sensitive is sensitive for all of them.
///
/// `keep`: declared names whose resolved values the stack rules need (usually none).
///
/// `now`: the run's time (Unix seconds, read once per run) for the `jwt` time checks.
///
/// `shows`: what the report will show of each variable (see [`VarFacts`]).
pub fn check_service(
    schema: &Schema,
    gathered: &Gathered,
    profile: Option<&str>,
    stack_names: &Sensitivity,
    keep: &HashSet<&str, impl std::hash::BuildHasher>,
    now: i64,
    shows: VarFacts,
) -> ServiceResult {
    let mut findings: Vec<Finding> = gathered.findings.clone();
    let resolutions: Vec<presence::Resolution> = schema
        .vars
        .iter()
        .map(|spec| presence::resolve(spec, gathered, schema))
        .collect();
    // Whether a variable is declared a secret: by its own declaration, or by any service
    // that declares the same name or alias (a sibling reading the same env file may hold a
    // secret under it). Secrets get the secret checks (placeholder, strength).
    let declared_secret: Vec<bool> = schema
        .vars
        .iter()
        .map(|spec| {
            spec.sensitive
                || std::iter::once(&spec.name)
                    .chain(&spec.aliases)
                    .any(|n| stack_names.declared(n) == Some(true))
        })
        .collect();
    // A variable's sensitivity, before any message is worded: a declared secret, or a value
    // shaped like a credential (a token under an innocent name is hidden, not judged).
    let sensitive: Vec<bool> = resolutions
        .iter()
        .zip(&declared_secret)
        .map(|(resolution, &declared)| {
            declared
                || matches!(&resolution.resolved, Resolved::Value { value, source, .. }
                    if crate::secret::contains_credential(value.expose())
                        || carried_a_secret(gathered, source))
        })
        .collect();
    // The specs as checked: a copy, with its sensitivity, of the few whose value changed it.
    let changed: Vec<VarSpec> = schema
        .vars
        .iter()
        .zip(&sensitive)
        .filter(|(spec, &sensitive)| spec.sensitive != sensitive)
        .map(|(spec, &sensitive)| VarSpec {
            sensitive,
            ..spec.clone()
        })
        .collect();
    let mut changed_specs = changed.iter();
    let specs: Vec<&VarSpec> = schema
        .vars
        .iter()
        .zip(&sensitive)
        .map(|(spec, &sensitive)| {
            if spec.sensitive == sensitive {
                spec
            } else {
                changed_specs.next().unwrap_or(spec)
            }
        })
        .collect();
    let resolved = || specs.iter().copied().zip(&resolutions);

    // The service's resolved values (defaults included): for `required_when`, and for the
    // type checks that read another variable (`algorithm_var`, `signed_by`); indexed only
    // when some variable reads another.
    let mut values: crate::source::FastMap<&str, &str> = crate::source::FastMap::default();
    if schema
        .vars
        .iter()
        .any(|spec| !spec.required_when.is_empty() || types::reads_other_variables(spec))
    {
        values.reserve(schema.vars.len());
        values.extend(resolved().filter_map(|(spec, r)| match &r.resolved {
            Resolved::Value { value, .. } => Some((spec.name.as_str(), value.expose())),
            _ => None,
        }));
    }
    let context = types::Context {
        now: Some(now),
        service: Some(types::ServiceValues {
            specs: &specs,
            values: &values,
        }),
    };
    let text_of = |name: &str| values.get(name).copied();
    let required_because: Vec<Option<Option<&str>>> = resolved()
        .map(|(spec, _)| {
            if spec.required {
                return Some(None);
            }
            spec.required_when
                .iter()
                .find(|(other, values)| {
                    text_of(other).is_some_and(|v| values.iter().any(|x| x == v))
                })
                .map(|(other, _)| Some(other.as_str()))
        })
        .collect();

    // Every declared name and alias: what a near miss is not.
    let claimed = || -> HashSet<&str> {
        schema
            .vars
            .iter()
            .flat_map(|v| {
                std::iter::once(v.name.as_str()).chain(v.aliases.iter().map(String::as_str))
            })
            .collect()
    };
    // Built on the first missing variable, shared by all of them.
    let mut near_misses: Option<presence::NearMisses> = None;
    let mut out = ServiceResult {
        vars: Vec::with_capacity(if shows.count_only {
            0
        } else {
            schema.vars.len()
        }),
        ..ServiceResult::default()
    };
    // Secrets seen so far, by value (compared, not hashed to a fingerprint: most runs
    // show no fingerprint at all).
    let mut seen_secrets: crate::source::FastMap<&str, (&VarSpec, &SourceRef)> =
        crate::source::FastMap::default();
    for (((spec, resolution), because), &secret) in
        resolved().zip(required_because).zip(&declared_secret)
    {
        let required = because.is_some();
        let var_findings_start = findings.len();
        let push = |problem: Problem, source: Option<SourceRef>, findings: &mut Vec<Finding>| {
            let severity = if problem.warning {
                Severity::Warning
            } else {
                problem.code.default_severity()
            };
            findings.push(
                Finding::new(problem.code, format!("{} {}", spec.name, problem.message))
                    .severity(severity)
                    .var(spec.name.clone())
                    .maybe_hint(
                        if schema_hint_first(problem.code) && !problem.specific_hint {
                            spec.hint.clone().or(problem.hint)
                        } else {
                            problem.hint.or_else(|| spec.hint.clone())
                        },
                    )
                    .source(source),
            );
        };
        for (problem, source) in &resolution.problems {
            push(problem.clone(), source.clone(), &mut findings);
        }
        let mut detail = None;
        let mut facts = Vec::new();
        let (status_source, fingerprint) = match &resolution.resolved {
            Resolved::Absent => {
                if required {
                    let unread = unread_env_note(spec, gathered, &schema.service);
                    let hint = match &unread {
                        Some((_, how)) => how.clone(),
                        None => near_misses
                            .get_or_insert_with(|| presence::NearMisses::new(gathered, &claimed()))
                            .hint(spec)
                            .or_else(|| spec.hint.clone())
                            .unwrap_or_else(|| {
                                format!(
                                    "set {} in the service's env file or environment",
                                    spec.name
                                )
                            }),
                    };
                    let mut why = match because.flatten() {
                        None => String::from("is not set"),
                        Some(other) => {
                            format!("is not set, and is required because of the value of {other}")
                        }
                    };
                    if let Some((what, _)) = unread {
                        why.push_str(&format!(" ({what})"));
                    }
                    findings.push(
                        Finding::new(Code::Missing, format!("{} {why}", spec.name))
                            .var(spec.name.clone())
                            .hint(hint),
                    );
                }
                (None, None)
            }
            Resolved::BadFile { source } => (Some(&**source), None),
            Resolved::NotUtf8 { source } => {
                push(
                    Problem::new(Code::NotUtf8, "is not valid UTF-8"),
                    Some(SourceRef::clone(source)),
                    &mut findings,
                );
                (Some(&**source), None)
            }
            Resolved::Value {
                value,
                source,
                newlines_removed,
            } => {
                let text = value.expose();
                // Hashed when something reads it: a kept value of the stack rules, or a
                // report that shows fingerprints.
                let kept = !keep.is_empty() && keep.contains(spec.name.as_str());
                let fp = (kept || shows.fingerprints).then(|| value.fingerprint());
                // The length the type checks saw, when they saw less than the whole value.
                let mut checked_chars = None;
                if text.is_empty() {
                    if required {
                        push(
                            Problem::new(Code::Empty, "is set but empty"),
                            Some(SourceRef::clone(source)),
                            &mut findings,
                        );
                    }
                } else {
                    let free_text = spec.kind.value_type().info().secret_checks;
                    let mut problems =
                        hygiene::check_with(text, spec.sensitive, secret && free_text, source.kind);
                    let inner = checked_text(text, &problems);
                    if inner.len() != text.len() {
                        checked_chars = Some(inner.chars().count());
                    }
                    // A value that is only a reference (`'${TOKEN}'`) has no type to check.
                    if !hygiene::is_whole_reference(inner) {
                        let checked = if inner.len() == text.len() {
                            Cow::Borrowed(value.as_ref())
                        } else {
                            Cow::Owned(Secret::new(inner))
                        };
                        problems.extend(types::check_in(spec, &checked, context));
                        facts = types::jwt_facts(spec, checked.expose(), context);
                    }
                    for p in problems {
                        push(p, Some(SourceRef::clone(source)), &mut findings);
                    }
                    // Reuse is judged between declared secrets: a value that only carries
                    // one (`MODE=${API_TOKEN}`) or is shaped like one repeats it on purpose.
                    if secret {
                        if let Some((earlier, earlier_source)) = seen_secrets.get(text) {
                            if !earlier.allows(Code::SecretReuse) {
                                let f = Finding::new(
                                    Code::SecretReuse,
                                    format!("{} has the same value as {}", spec.name, earlier.name),
                                )
                                .var(spec.name.clone())
                                .hint(format!(
                                    "give {} and {} their own secrets",
                                    earlier.name, spec.name
                                ))
                                .source(Some(SourceRef::clone(source)))
                                .related(Location::var(
                                    schema.service.clone(),
                                    earlier.name.clone(),
                                    Some(SourceRef::clone(earlier_source)),
                                ));
                                findings.push(f);
                            }
                        } else {
                            seen_secrets.insert(text, (spec, source));
                        }
                    }
                }
                if shows.details {
                    detail = Some(explain_detail(
                        spec,
                        value,
                        fp.as_deref().unwrap_or_default(),
                        checked_chars,
                        *newlines_removed,
                    ));
                }
                (Some(&**source), fp)
            }
        };
        let own = &findings[var_findings_start..];
        let status = if matches!(resolution.resolved, Resolved::Absent) {
            if own.iter().any(|f| f.code == Code::Missing) {
                VarStatus::Missing
            } else {
                VarStatus::Unset
            }
        } else {
            VarStatus::Ok
        };
        if !keep.is_empty() && keep.contains(spec.name.as_str()) {
            out.kept.push(ResolvedValue {
                var: spec.name.clone(),
                fingerprint: fingerprint.clone(),
                value: match &resolution.resolved {
                    Resolved::Value { value, .. } => Some(Secret::clone(value)),
                    _ => None,
                },
                source: status_source.cloned(),
                sensitive: spec.sensitive,
                unreadable: matches!(
                    resolution.resolved,
                    Resolved::BadFile { .. } | Resolved::NotUtf8 { .. }
                ),
                // Known once `allow` and `[severity]` are applied (the caller sets it).
                has_errors: false,
            });
        }
        out.checked += 1;
        if let Some(path) = status_source
            .filter(|s| s.kind == crate::finding::SourceKind::File)
            .and_then(|s| s.path.as_ref())
        {
            out.secret_files.push(Arc::clone(path));
        }
        if !shows.count_only {
            out.vars.push(VarReport {
                service: schema.service.clone(),
                name: spec.name.clone(),
                status,
                source: status_source.cloned(),
                fingerprint,
                sensitive: spec.sensitive,
                detail,
                facts,
            });
        }
    }

    let (undeclared, undeclared_cut) = undeclared(schema, gathered, stack_names);
    findings.extend(undeclared);
    let missing_cut = near_misses
        .as_ref()
        .is_some_and(presence::NearMisses::exhausted);
    if missing_cut || undeclared_cut {
        let which = match (missing_cut, undeclared_cut) {
            (true, true) => "missing variables and undeclared keys",
            (true, false) => "missing variables",
            _ => "undeclared keys",
        };
        findings.push(
            Finding::new(
                if missing_cut { Code::Missing } else { Code::Undeclared },
                format!(
                    "near-miss suggestions for {which} were cut short after {} name comparisons; some `did you mean` hints are left out",
                    crate::source::env_file::thousands(presence::NEAR_MISS_BUDGET)
                ),
            )
            .severity(Severity::Info)
            .hint("fix the names the listed hints point at and run again"),
        );
    }
    findings.extend(crate::schema::model::unexportable_name_findings(schema));
    out.findings = apply_schema_settings(findings, schema, profile);
    // A var's status reflects its findings after `allow` and `[severity]`.
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for f in &out.findings {
        if let Some(v) = f.var.as_deref() {
            let w = worst.entry(v).or_insert(f.severity);
            *w = (*w).max(f.severity);
        }
    }
    for var in &mut out.vars {
        if let Some(&severity) = worst.get(var.name.as_str()) {
            var.status = var.status.raised_by(severity);
        }
    }
    out
}

/// Keys in env files that the schema does not declare (nor claims as an alias or `_FILE`).
/// Whether the value at `source` took text from a `${VAR}` that is, or may be, sensitive
/// (`MODE=${API_TOKEN}`): such a value is as sensitive as what it read.
fn carried_a_secret(gathered: &Gathered, source: &SourceRef) -> bool {
    source.kind == crate::finding::SourceKind::Dotenv
        && source
            .name
            .as_deref()
            .and_then(|key| gathered.get(key))
            .is_some_and(|entry| entry.carries_secret)
}

/// How many `undeclared` keys one service lists one by one.
const MAX_UNDECLARED_LISTED: usize = 200;

/// Also returns whether the suggestions were cut short by their budget.
fn undeclared(
    schema: &Schema,
    gathered: &Gathered,
    stack_names: &Sensitivity,
) -> (Vec<Finding>, bool) {
    // `stack_names` already holds this schema's names and aliases (it is every selected
    // service's); it is consulted, never copied: a copy per service would be quadratic.
    let known = |k: &str| stack_names.contains(k) || schema.vars.iter().any(|v| v.name == k);
    let is_known = |k: &str| known(k) || k.strip_suffix("_FILE").is_some_and(known);
    let mut reported = HashSet::new();
    let mut out = Vec::new();
    let mut more = 0_usize;
    // The declared names, indexed once for every key's "did you mean", on the first key
    // that needs one (a service whose keys are all declared never builds it).
    let mut index = None;
    // Each key once, at its last definition, then in file order.
    let unique: Vec<&(String, SourceRef)> = gathered
        .file_keys
        .iter()
        .rev()
        .filter(|(key, _)| !is_known(key) && reported.insert(key.as_str()))
        .collect();
    for (key, source) in unique.into_iter().rev() {
        // Past a few hundred, more of the same helps nobody (and a hostile file could make
        // millions): they are counted instead.
        if out.len() >= MAX_UNDECLARED_LISTED {
            more += 1;
            continue;
        }
        if !gathered.may_show_key(key) {
            // Not a variable name: most likely a line of an unquoted multi-line value
            // (base64, PEM) that may be part of a secret. Say where, never what.
            out.push(
                Finding::new(Code::Undeclared, "a line is read as a key that is not declared (the key is not shown: it looks like part of a value)")
                    .hint("is a multi-line value (a wrapped base64 or PEM key) unquoted on the line above? Put it on one line, or in double quotes")
                    .source(Some(SourceRef { name: None, ..source.clone() })),
            );
            continue;
        }
        let declared = index.get_or_insert_with(|| {
            crate::suggest::Index::new(
                schema.vars.iter().map(|v| v.name.as_str()),
                presence::NEAR_MISS_BUDGET,
            )
        });
        let suggestion = declared
            .closest(key)
            .or_else(|| {
                // One name the start or end of the other (`DATABASE_URL` for `DATABASE_URL2`).
                let upper_key = key.to_ascii_uppercase();
                declared
                    .affixes(key, 4)
                    .into_iter()
                    .map(|(_, n)| n)
                    .filter(|n| {
                        let (a, b) = (n.to_ascii_uppercase(), upper_key.as_str());
                        (a.starts_with(b) || b.starts_with(&a) || a.ends_with(b) || b.ends_with(&a))
                            && a.len().min(b.len()) >= 4
                    })
                    .min_by_key(|n| (n.len(), *n))
            })
            // Set as itself or through its `NAME_FILE`: then it is no near miss.
            .filter(|n| gathered.get(n).is_none() && gathered.get(&format!("{n}_FILE")).is_none());
        let hint = match suggestion {
            Some(n) => format!("did you mean {n}? The schema declares {n}, which is not set"),
            None => format!("declare {key} in {}, or remove it", schema.path.display()),
        };
        out.push(
            Finding::new(
                Code::Undeclared,
                format!("{key} is set but not declared in the schema"),
            )
            .var(key.clone())
            .hint(hint)
            .source(Some(source.clone())),
        );
    }
    if more > 0 {
        out.push(
            Finding::new(
                Code::Undeclared,
                format!("{} more keys are set but not declared in the schema (the first {MAX_UNDECLARED_LISTED} are listed)", crate::source::env_file::thousands(more)),
            )
            .hint(format!("declare them in {}, or remove them", schema.path.display())),
        );
    }
    (
        out,
        index.as_ref().is_some_and(crate::suggest::Index::exhausted),
    )
}

/// Fills in service and profile, applies `[severity]` overrides and `allow`. (Messages are
/// final when made: what they may show was decided before they were worded.)
pub fn apply_schema_settings(
    findings: Vec<Finding>,
    schema: &Schema,
    profile: Option<&str>,
) -> Vec<Finding> {
    // Variables (and their aliases) that silence some codes, by name.
    let allowing: HashMap<&str, &VarSpec> = schema
        .vars
        .iter()
        .filter(|s| !s.allow.is_empty())
        .flat_map(|s| {
            std::iter::once(s.name.as_str())
                .chain(s.aliases.iter().map(String::as_str))
                .map(move |n| (n, s))
        })
        .collect();
    findings
        .into_iter()
        .filter(|f| {
            let spec = f.var.as_deref().and_then(|v| allowing.get(v));
            !spec.is_some_and(|s| s.allows(f.code))
        })
        .map(|mut f| {
            f.service.clone_from(&schema.service);
            f.profile = profile.map(str::to_string);
            if let Some(sev) = schema.severity.get(&f.code) {
                f.severity = *sev;
            }
            f
        })
        .collect()
}

/// The part of a value the type checks look at. One cause, one finding: surrounding
/// whitespace or quotes are reported once (by hygiene), and the later checks see the value
/// without them. `explain` reports the same length the checks used.
fn checked_text<'t>(text: &'t str, hygiene_problems: &[Problem]) -> &'t str {
    let reported = |code| hygiene_problems.iter().any(|p| p.code == code);
    let mut inner = text;
    if reported(Code::SurroundingWhitespace) {
        inner = inner.trim_matches([' ', '\t', '\r', '\n']);
    }
    if reported(Code::SurroundingQuotes) && inner.len() >= 2 {
        inner = &inner[1..inner.len() - 1];
    }
    inner
}

/// What `explain` shows of a value: the text itself only when it is not sensitive (URL
/// passwords masked), otherwise facts about it; then how many characters the checks counted
/// when they looked at less than the whole value (`checked_chars`), and the trailing
/// newlines a `NAME_FILE` file lost on reading.
fn explain_detail(
    spec: &VarSpec,
    value: &Secret,
    fingerprint: &str,
    checked_chars: Option<usize>,
    newlines_removed: usize,
) -> String {
    let text = value.expose();
    let plain = !text.is_empty() && !text.contains(['\n', '\r']) && text.trim() == text;
    let shown = if plain {
        types::shown(spec, text)
    } else {
        None
    };
    let mut detail =
        shown.unwrap_or_else(|| format!("{}, {fingerprint}", crate::secret::describe(text)));
    if let Some(n) = checked_chars {
        detail.push_str(&format!(
            "; checked as {n} char{} (without the surrounding whitespace or quotes, as reported)",
            if n == 1 { "" } else { "s" }
        ));
    }
    if newlines_removed > 0 {
        let what = if newlines_removed == 1 {
            String::from("1 trailing newline")
        } else {
            format!("{newlines_removed} trailing newlines")
        };
        detail.push_str(&format!(
            "; {what} of the file removed, as Docker images do"
        ));
    }
    detail
}

/// `(why, hint)` when the variable (or an alias, or a `_FILE` form) is set in a process
/// environment that the service does not read.
fn unread_env_note(spec: &VarSpec, gathered: &Gathered, service: &str) -> Option<(String, String)> {
    let ignored = gathered.env_ignored?;
    let names: Vec<&str> = std::iter::once(&spec.name)
        .chain(spec.aliases.iter())
        .flat_map(|n| [n.clone(), format!("{n}_FILE")])
        .filter_map(|form| {
            gathered
                .unread_env
                .iter()
                .find(|u| **u == form)
                .map(String::as_str)
        })
        .collect();
    let first = *names.first()?;
    let first = if first == spec.name { "it" } else { first };
    Some(match ignored {
        crate::source::EnvIgnored::NotInStack => (
            format!("{first} is set in the process environment, but service {service} does not read it"),
            format!("add `process_env = true` under [services.{service}] in the stack file to read it, or set {} in the service's env file", spec.name),
        ),
        crate::source::EnvIgnored::NoProcessEnvFlag => (
            format!("{first} is set in the process environment, which --no-process-env ignores"),
            format!("drop --no-process-env to read it, or set {} in an env file", spec.name),
        ),
    })
}

/// Whether the schema author's `hint` (what the value should be) serves better than the
/// check's generic one. For problems of how a value was written (whitespace, quotes,
/// encoding, URL syntax) the check's own hint is the specific one.
fn schema_hint_first(code: Code) -> bool {
    matches!(
        code,
        Code::Empty
            | Code::TooShort
            | Code::TooLong
            | Code::PatternMismatch
            | Code::OutOfRange
            | Code::UrlHostForbidden
            | Code::UrlCredentials
            | Code::Placeholder
            | Code::WeakSecret
    )
}
