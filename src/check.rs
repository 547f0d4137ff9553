//! Checking one service: resolve every declared variable from the gathered sources, run the
//! hygiene and type checks, and apply the schema's `[severity]` and `allow` settings.

use crate::finding::{Finding, Related, SourceRef};
use crate::report::VarReport;
use crate::rules::presence::{self, Resolved};
use crate::rules::types::Problem;
use crate::rules::{hygiene, types, Code, Severity};
use crate::schema::model::{Schema, VarKind, VarSpec};
use crate::secret::Secret;
use crate::source::Gathered;
use std::collections::{HashMap, HashSet};

/// The outcome for one service.
#[derive(Debug, Default)]
pub struct ServiceResult {
    pub findings: Vec<Finding>,
    pub vars: Vec<VarReport>,
}

/// `stack_names`: every variable (and alias) declared by any selected service, so that a
/// shared env file's keys are not `undeclared` for the services that do not use them.
pub fn check_service(
    schema: &Schema,
    gathered: &Gathered,
    profile: Option<&str>,
    stack_names: &HashSet<String, impl std::hash::BuildHasher>,
) -> ServiceResult {
    let mut findings: Vec<Finding> = gathered.findings.clone();
    let resolved: Vec<(&VarSpec, presence::Resolution)> = schema
        .vars
        .iter()
        .map(|spec| (spec, presence::resolve(spec, gathered, schema)))
        .collect();

    // `required_when`: required because another variable has one of the listed values.
    let values: HashMap<&str, &str> = resolved
        .iter()
        .filter_map(|(spec, r)| match &r.resolved {
            Resolved::Value { value, .. } => Some((spec.name.as_str(), value.expose())),
            _ => None,
        })
        .collect();
    let text_of = |name: &str| values.get(name).copied();
    let required_because: Vec<Option<Option<&str>>> = resolved
        .iter()
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

    let claimed: HashSet<&str> = schema
        .vars
        .iter()
        .flat_map(|v| std::iter::once(v.name.as_str()).chain(v.aliases.iter().map(String::as_str)))
        .collect();
    let mut out = ServiceResult::default();
    let mut seen_secrets: HashMap<String, (&VarSpec, SourceRef)> = HashMap::new();
    for ((spec, resolution), because) in resolved.iter().zip(required_because) {
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
        let (status_source, fingerprint) = match &resolution.resolved {
            Resolved::Absent => {
                if required {
                    let hint = presence::near_misses(spec, gathered, &claimed)
                        .or_else(|| spec.hint.clone())
                        .unwrap_or_else(|| {
                            format!("set {} in the service's env file or environment", spec.name)
                        });
                    let why = match because.flatten() {
                        None => String::from("is not set"),
                        Some(other) => {
                            format!("is not set, and is required because of the value of {other}")
                        }
                    };
                    findings.push(
                        Finding::new(Code::Missing, format!("{} {why}", spec.name))
                            .var(spec.name.clone())
                            .hint(hint),
                    );
                }
                (None, None)
            }
            Resolved::BadFile { source } => (Some(source.clone()), None),
            Resolved::NotUtf8 { source } => {
                push(
                    Problem::new(Code::NotUtf8, "is not valid UTF-8"),
                    Some(source.clone()),
                    &mut findings,
                );
                (Some(source.clone()), None)
            }
            Resolved::Value { value, source } => {
                let text = value.expose();
                let fp = value.fingerprint();
                if text.is_empty() {
                    if required {
                        push(
                            Problem::new(Code::Empty, "is set but empty"),
                            Some(source.clone()),
                            &mut findings,
                        );
                    }
                } else {
                    let free_text = matches!(
                        spec.kind,
                        VarKind::String(_) | VarKind::Secret(_) | VarKind::Url(_) | VarKind::Json
                    );
                    let mut problems = hygiene::check_with(
                        text,
                        spec.sensitive,
                        spec.sensitive && free_text,
                        source.kind,
                    );
                    // One cause, one finding: surrounding whitespace or quotes are reported
                    // once, and the later checks look at the value without them.
                    let reported = |code| problems.iter().any(|p: &Problem| p.code == code);
                    let mut inner = text;
                    if reported(Code::SurroundingWhitespace) {
                        inner = inner.trim_matches([' ', '\t', '\r', '\n']);
                    }
                    if reported(Code::SurroundingQuotes) && inner.len() >= 2 {
                        inner = &inner[1..inner.len() - 1];
                    }
                    // A value that is only a reference (`'${TOKEN}'`) has no type to check.
                    if !hygiene::is_whole_reference(inner) {
                        let checked = if inner.len() == text.len() {
                            value.clone()
                        } else {
                            Secret::new(inner)
                        };
                        problems.extend(types::check(spec, &checked));
                    }
                    for p in problems {
                        push(p, Some(source.clone()), &mut findings);
                    }
                    if spec.sensitive {
                        if let Some((earlier, earlier_source)) = seen_secrets.get(&fp) {
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
                                .source(Some(source.clone()))
                                .related(Related {
                                    service: schema.service.clone(),
                                    var: earlier.name.clone(),
                                    source: Some(earlier_source.clone()),
                                });
                                findings.push(f);
                            }
                        } else {
                            seen_secrets.insert(fp.clone(), (spec, source.clone()));
                        }
                    }
                }
                detail = Some(explain_detail(spec, value, &fp));
                (Some(source.clone()), Some(fp))
            }
        };
        let own = &findings[var_findings_start..];
        let status = if matches!(resolution.resolved, Resolved::Absent) {
            if own.iter().any(|f| f.code == Code::Missing) {
                "missing"
            } else {
                "unset"
            }
        } else {
            "ok"
        };
        out.vars.push(VarReport {
            service: schema.service.clone(),
            name: spec.name.clone(),
            status: status.to_string(),
            source: status_source,
            fingerprint,
            sensitive: spec.sensitive,
            detail,
        });
    }

    findings.extend(undeclared(schema, gathered, stack_names));
    out.findings = finalize(findings, schema, profile);
    // A var's status reflects its findings after `allow` and `[severity]`.
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for f in &out.findings {
        if let Some(v) = f.var.as_deref() {
            let w = worst.entry(v).or_insert(f.severity);
            *w = (*w).max(f.severity);
        }
    }
    for var in &mut out.vars {
        if var.status == "ok" {
            var.status = match worst.get(var.name.as_str()).copied() {
                Some(Severity::Error) => "error",
                Some(Severity::Warning) => "warning",
                _ => "ok",
            }
            .to_string();
        }
    }
    out
}

/// Keys in env files that the schema does not declare (nor claims as an alias or `_FILE`).
/// How many `undeclared` keys one service lists one by one.
const MAX_UNDECLARED_LISTED: usize = 200;

fn undeclared(
    schema: &Schema,
    gathered: &Gathered,
    stack_names: &HashSet<String, impl std::hash::BuildHasher>,
) -> Vec<Finding> {
    // `stack_names` already holds this schema's names and aliases (it is every selected
    // service's); it is consulted, never copied: a copy per service would be quadratic.
    let known = |k: &str| stack_names.contains(k) || schema.vars.iter().any(|v| v.name == k);
    let is_known = |k: &str| known(k) || k.strip_suffix("_FILE").is_some_and(known);
    let mut reported = HashSet::new();
    let mut out = Vec::new();
    let mut more = 0_usize;
    for (key, source) in gathered.file_keys.iter().rev() {
        if is_known(key) || !reported.insert(key.as_str()) {
            continue;
        }
        if !crate::source::env_file::is_env_name(key) {
            // Not a variable name: most likely a line of an unquoted multi-line value
            // (base64, PEM) that may be part of a secret. Say where, never what.
            out.push(
                Finding::new(Code::Undeclared, "a line is read as a key that is not declared (the key is not shown: it looks like part of a value)")
                    .hint("is a multi-line value (a wrapped base64 or PEM key) unquoted on the line above? Put it on one line, or in double quotes")
                    .source(Some(SourceRef { name: None, ..source.clone() })),
            );
            continue;
        }
        // Past a few hundred, more of the same helps nobody (and a hostile file could make
        // millions): they are counted instead.
        if out.len() >= MAX_UNDECLARED_LISTED {
            more += 1;
            continue;
        }
        let suggestion = crate::suggest::closest(key, schema.vars.iter().map(|v| v.name.as_str()))
            .or_else(|| {
                schema.vars.iter().map(|v| v.name.as_str()).find(|n| {
                    let (a, b) = (n.to_ascii_uppercase(), key.to_ascii_uppercase());
                    (a.starts_with(&b) || b.starts_with(&a) || a.ends_with(&b) || b.ends_with(&a))
                        && a.len().min(b.len()) >= 4
                })
            })
            .filter(|n| gathered.get(n).is_none());
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
    out.reverse();
    if more > 0 {
        out.push(
            Finding::new(
                Code::Undeclared,
                format!("{more} more keys are set but not declared in the schema (the first {MAX_UNDECLARED_LISTED} are listed)"),
            )
            .hint(format!("declare them in {}, or remove them", schema.path.display())),
        );
    }
    out
}

/// Fills in service and profile, applies `[severity]` overrides and `allow`.
fn finalize(findings: Vec<Finding>, schema: &Schema, profile: Option<&str>) -> Vec<Finding> {
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
            // A declared secret's undefined-variable finding never names the reference.
            if f.code == Code::UndefinedVariable {
                if let Some(spec) = f
                    .var
                    .as_deref()
                    .and_then(|v| schema.vars.iter().find(|s| s.name == v))
                {
                    if spec.sensitive {
                        let unnamed =
                            crate::source::env_file::undefined_variable_unnamed(Some(&spec.name));
                        f.message = unnamed.message;
                        f.hint = unnamed.hint;
                    }
                }
            }
            f.service.clone_from(&schema.service);
            f.profile = profile.map(str::to_string);
            if let Some(sev) = schema.severity.get(&f.code) {
                f.severity = *sev;
            }
            f
        })
        .collect()
}

/// What `explain` shows of a value: the text itself only when it is not sensitive (URL
/// passwords masked), otherwise facts about it.
fn explain_detail(spec: &VarSpec, value: &Secret, fingerprint: &str) -> String {
    let text = value.expose();
    let plain = !text.is_empty() && !text.contains(['\n', '\r']) && text.trim() == text;
    let shown = if plain {
        types::shown(spec, text)
    } else {
        None
    };
    shown.unwrap_or_else(|| format!("{}, {fingerprint}", crate::secret::describe(text)))
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
