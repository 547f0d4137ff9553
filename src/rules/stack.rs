//! The cross-service rules of a stack (SPEC section 5): `[[shared]]`, `[[link]]` and
//! `[[jwt]]`, run over the resolved values of the selected services once each service has
//! been checked on its own.
//!
//! Every finding here names both services, both variables and both origins (the other side
//! in `related`), says which side to change, and never shows a value: values are compared
//! by fingerprint, URLs are shown as host and port only. `checks` records what each rule
//! and pair proved, or why it could not.

use crate::finding::{Finding, Location, RuleCheck, SourceRef};
use crate::jwt::{Algorithm, Key, ProbeToken, Problem, SecretEncoding, Side, Token};
use crate::rules::Code;
use crate::schema::model::{Encoding, KeyAlgorithm, KeyEncoding, Schema, VarKind, VarSpec};
use crate::secret::Secret;
use std::collections::HashMap;

/// A `SERVICE.VAR` a rule names, with the key path it is written at (for positions).
#[derive(Debug, Clone)]
pub struct RuleVar {
    pub service: String,
    pub var: String,
    /// Key path in the stack file (`["shared", "0", "vars", "1"]`).
    pub at: Vec<String>,
}

/// `[[shared]]`: the values must be identical (compared by fingerprint).
#[derive(Debug, Clone)]
pub struct SharedRule {
    /// The stack file's line of the table: where a finding of the stack itself points.
    pub origin: SourceRef,
    pub name: Option<String>,
    pub vars: Vec<RuleVar>,
    /// Key path of the table (`["shared", "0"]`).
    pub at: Vec<String>,
}

/// `[[link]]`: the URL in `from` must address the service `to`.
#[derive(Debug, Clone)]
pub struct LinkRule {
    /// The stack file's line of the table: where a finding of the stack itself points.
    pub origin: SourceRef,
    pub name: Option<String>,
    pub from: RuleVar,
    pub to: String,
    pub at: Vec<String>,
}

/// `[[jwt]]`: tokens the issuer mints must verify at every consumer.
#[derive(Debug, Clone)]
pub struct JwtRule {
    /// The stack file's line of the table: where a finding of the stack itself points.
    pub origin: SourceRef,
    pub name: Option<String>,
    pub issuer: String,
    pub consumers: Vec<String>,
    /// A literal algorithm (`alg = "HS256"`), when no `algorithm` variable is named.
    pub alg: Option<String>,
    /// Each member's variables, the issuer first, then the consumers in order.
    pub members: Vec<JwtVars>,
    pub at: Vec<String>,
}

/// The variables one member of a `[[jwt]]` group reads (after `[jwt.vars.SERVICE]`).
#[derive(Debug, Clone)]
pub struct JwtVars {
    pub service: String,
    pub key: RuleVar,
    pub algorithm: Option<RuleVar>,
    pub iss: Option<RuleVar>,
    pub aud: Option<RuleVar>,
    /// How the key variable writes an HMAC secret: its schema's `encoding` when it is a
    /// `jwt-key`, raw otherwise ([`StackRules::bind_schemas`]).
    pub key_encoding: SecretEncoding,
    /// The key variable's own `algorithm` in its schema, used when the rule names neither
    /// `alg` nor `algorithm`.
    pub key_algorithm: Option<Algorithm>,
}

impl JwtVars {
    /// The algorithm this member signs or verifies with: its `algorithm` variable's value
    /// (`value`, as the service resolved it), else the rule's `alg`, else its key variable's
    /// own `algorithm`; or why there is none. The one decision for the probe and for
    /// `envgate token`.
    pub fn algorithm_of(
        &self,
        rule: &JwtRule,
        value: Option<&ResolvedValue>,
    ) -> Result<Algorithm, String> {
        if let Some(var) = &self.algorithm {
            let Some(value) = value.and_then(|v| v.value.as_ref()) else {
                return Err(format!("{} is not set in {}", var.var, self.service));
            };
            // An unknown name has its own finding when the schema restricts the values;
            // it is never shown here (the variable's sensitivity is the schema's to say).
            return Algorithm::parse(value.expose()).ok_or_else(|| {
                format!(
                    "{}'s {} is not an algorithm envgate knows",
                    self.service, var.var
                )
            });
        }
        rule.alg
            .as_deref()
            .and_then(Algorithm::parse)
            .or(self.key_algorithm)
            .ok_or_else(|| {
                String::from("no algorithm: set `alg` or `algorithm` in the [[jwt]] table")
            })
    }

    /// Every variable named, for validation and for what the check keeps.
    pub fn all(&self) -> impl Iterator<Item = &RuleVar> {
        std::iter::once(&self.key)
            .chain(self.algorithm.as_ref())
            .chain(self.iss.as_ref())
            .chain(self.aud.as_ref())
    }
}

/// The cross-service rules of a stack file (SPEC section 5), validated against its
/// services; whether the variables are declared is checked once the schemas are loaded
/// ([`StackRules::undeclared`]).
#[derive(Debug, Clone, Default)]
pub struct StackRules {
    pub shared: Vec<SharedRule>,
    pub links: Vec<LinkRule>,
    pub jwt: Vec<JwtRule>,
    /// `signed_by = "service.VAR"` of the selected services' `jwt` variables, collected from
    /// their schemas ([`StackRules::bind_schemas`]).
    pub signed_by: Vec<SignedByRule>,
}

/// A `jwt` variable whose schema says `signed_by = "service.VAR"`: the token must verify
/// with that other service's key.
#[derive(Debug, Clone)]
pub struct SignedByRule {
    /// The token's service and variable.
    pub token: RuleVar,
    /// The signing service and its key variable (an alias resolved to its name).
    pub key: RuleVar,
    /// The signing service's schema declares the key variable.
    pub declared: bool,
    /// How the key writes an HMAC secret (its `jwt-key` `encoding`; raw otherwise).
    pub key_encoding: SecretEncoding,
    /// The key's algorithm as its schema gives it.
    pub key_algorithm: Option<KeyAlgorithmFrom>,
}

/// Where a signing key's algorithm comes from.
#[derive(Debug, Clone)]
pub enum KeyAlgorithmFrom {
    Fixed(Algorithm),
    /// A variable of the key's service (`algorithm_var`).
    Var(RuleVar),
}

/// The algorithms a `[[jwt]]` `alg` may name.
pub const JWT_ALGORITHMS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

impl StackRules {
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty()
            && self.links.is_empty()
            && self.jwt.is_empty()
            && self.signed_by.is_empty()
    }

    /// Every `SERVICE.VAR` any rule names.
    pub fn vars(&self) -> impl Iterator<Item = &RuleVar> {
        self.shared
            .iter()
            .flat_map(|r| r.vars.iter())
            .chain(self.links.iter().map(|l| &l.from))
            .chain(
                self.jwt
                    .iter()
                    .flat_map(|j| j.members.iter().flat_map(JwtVars::all)),
            )
            .chain(self.signed_by.iter().flat_map(|s| {
                let algorithm = match &s.key_algorithm {
                    Some(KeyAlgorithmFrom::Var(v)) => Some(v),
                    _ => None,
                };
                [&s.token, &s.key].into_iter().chain(algorithm)
            }))
    }

    /// Once the selected services' schemas are loaded (`schemas`, by service name): each
    /// `[[jwt]]` member's key encoding and algorithm from its key variable's `jwt-key`
    /// attributes, and the `signed_by = "service.VAR"` of every `jwt` variable whose signing
    /// service is selected (the others are not checked in this run).
    pub fn bind_schemas<H: std::hash::BuildHasher>(&mut self, schemas: &HashMap<&str, &Schema, H>) {
        let spec = |service: &str, var: &str| -> Option<&VarSpec> {
            schemas.get(service).and_then(|s| {
                s.vars
                    .iter()
                    .find(|v| v.name == var || v.aliases.iter().any(|a| a == var))
            })
        };
        for rule in &mut self.jwt {
            for m in &mut rule.members {
                if let Some(VarKind::JwtKey(k)) = spec(&m.service, &m.key.var).map(|v| &v.kind) {
                    m.key_encoding = secret_encoding(k.encoding);
                    m.key_algorithm = match &k.algorithm {
                        Some(KeyAlgorithm::Fixed(a)) => Algorithm::parse(a),
                        _ => None,
                    };
                }
            }
        }
        self.signed_by.clear();
        let mut services: Vec<&&Schema> = schemas.values().collect();
        services.sort_by(|a, b| a.service.cmp(&b.service));
        for schema in services {
            for var in &schema.vars {
                let Some((service, key)) = var.signed_by_service() else {
                    continue;
                };
                if !schemas.contains_key(service) {
                    continue;
                }
                let key_spec = spec(service, key);
                let rule_var = |service: &str, var: &str| RuleVar {
                    service: service.to_string(),
                    var: var.to_string(),
                    at: Vec::new(),
                };
                let (key_encoding, key_algorithm) = match key_spec.map(|k| &k.kind) {
                    Some(VarKind::JwtKey(k)) => (
                        secret_encoding(k.encoding),
                        match &k.algorithm {
                            Some(KeyAlgorithm::Fixed(a)) => {
                                Algorithm::parse(a).map(KeyAlgorithmFrom::Fixed)
                            }
                            Some(KeyAlgorithm::FromVar(v)) => {
                                Some(KeyAlgorithmFrom::Var(rule_var(service, v)))
                            }
                            None => None,
                        },
                    ),
                    _ => (SecretEncoding::Raw, None),
                };
                self.signed_by.push(SignedByRule {
                    token: rule_var(&schema.service, &var.name),
                    key: rule_var(service, key_spec.map_or(key, |k| &k.name)),
                    declared: key_spec.is_some(),
                    key_encoding,
                    key_algorithm,
                });
            }
        }
    }
}

/// A schema's `encoding` of a `jwt-key` in the JWT library's terms.
fn secret_encoding(encoding: KeyEncoding) -> SecretEncoding {
    match encoding {
        KeyEncoding::Raw => SecretEncoding::Raw,
        KeyEncoding::Encoded(Encoding::Base64) => SecretEncoding::Base64,
        KeyEncoding::Encoded(Encoding::Base64Url) => SecretEncoding::Base64Url,
        KeyEncoding::Encoded(Encoding::Hex) => SecretEncoding::Hex,
    }
}

/// One variable's value as the service will see it, with its origin, kept for the stack
/// rules. The value stays a [`Secret`]; nothing here words a message about it.
#[derive(Debug, Clone)]
pub struct ResolvedValue {
    pub var: String,
    pub value: Option<Secret>,
    /// The value's fingerprint, computed once.
    pub fingerprint: Option<String>,
    pub source: Option<SourceRef>,
    pub sensitive: bool,
    /// Set, but unreadable (a `NAME_FILE` that names no file, bytes that are not UTF-8).
    pub unreadable: bool,
    /// The variable has an error finding of its own in its service's report.
    pub has_errors: bool,
}

/// One selected service as the rules see it: how other services reach it, and the values
/// the rules name (only those).
#[derive(Debug, Clone)]
pub struct ResolvedService {
    pub name: String,
    pub hosts: Vec<String>,
    pub port: Option<u16>,
    /// Where `hosts`/`port` are written in the stack file.
    pub hosts_origin: Option<SourceRef>,
    /// By declared name.
    pub values: HashMap<String, ResolvedValue>,
}

impl ResolvedService {
    fn value(&self, var: &str) -> Option<&ResolvedValue> {
        self.values.get(var)
    }
}

/// What the rules found and proved.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub checks: Vec<RuleCheck>,
}

/// Runs every rule whose services are all in `services` (the selected ones: `--service`
/// narrows the rules to those between selected services; the others are skipped), and
/// each `[[jwt]]` group for the pairs of its issuer and the consumers selected with it.
/// `now` (Unix seconds) is the time the probe tokens are minted and checked at, taken once
/// per run by the caller.
pub fn run(rules: &StackRules, services: &[ResolvedService], now: i64) -> Outcome {
    let by_name: HashMap<&str, &ResolvedService> =
        services.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut out = Outcome::default();
    for rule in &rules.shared {
        let members: Option<Vec<(&RuleVar, &ResolvedService)>> = rule
            .vars
            .iter()
            .map(|v| by_name.get(v.service.as_str()).map(|s| (v, *s)))
            .collect();
        if let Some(members) = members {
            shared(rule, &members, &mut out);
        }
    }
    for rule in &rules.links {
        if let (Some(from), Some(to)) = (
            by_name.get(rule.from.service.as_str()),
            by_name.get(rule.to.as_str()),
        ) {
            link(rule, from, to, &mut out);
        }
    }
    for rule in &rules.jwt {
        // `--service` narrows a group to its selected pairs: the issuer and the consumers
        // selected with it (a group of the issuer alone proves nothing, and is skipped).
        let selected = |service: &str| by_name.contains_key(service);
        if !selected(&rule.issuer) || !rule.consumers.iter().any(|c| selected(c)) {
            continue;
        }
        let narrowed;
        let rule = if rule.members.iter().all(|m| selected(&m.service)) {
            rule
        } else {
            narrowed = JwtRule {
                consumers: rule
                    .consumers
                    .iter()
                    .filter(|c| selected(c))
                    .cloned()
                    .collect(),
                members: rule
                    .members
                    .iter()
                    .filter(|m| selected(&m.service))
                    .cloned()
                    .collect(),
                ..rule.clone()
            };
            &narrowed
        };
        let parties: Vec<(&JwtVars, &ResolvedService)> = rule
            .members
            .iter()
            .filter_map(|m| by_name.get(m.service.as_str()).map(|s| (m, *s)))
            .collect();
        jwt(rule, &parties, now, &mut out);
    }
    for rule in &rules.signed_by {
        if let (Some(holder), Some(signer)) = (
            by_name.get(rule.token.service.as_str()),
            by_name.get(rule.key.service.as_str()),
        ) {
            signed_by(rule, holder, signer, &mut out);
        }
    }
    out
}

/// How many names one list in a message spells out; the rest are counted (a rule may
/// name a thousand services, and each finding repeats its list).
const MAX_LISTED: usize = 10;

/// `a`, `a and b`, `a, b and c`; past [`MAX_LISTED`], `a, b, … and 12 more`.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.len() > MAX_LISTED {
        let shown: Vec<&str> = items[..MAX_LISTED].iter().map(AsRef::as_ref).collect();
        return format!("{} and {} more", shown.join(", "), items.len() - MAX_LISTED);
    }
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// `a, b, c`; past [`MAX_LISTED`], `a, b, … (12 more)`.
fn joined<S: AsRef<str>>(items: &[S]) -> String {
    let shown: Vec<&str> = items.iter().take(MAX_LISTED).map(AsRef::as_ref).collect();
    let mut out = shown.join(", ");
    if items.len() > MAX_LISTED {
        out.push_str(&format!(" ({} more)", items.len() - MAX_LISTED));
    }
    out
}

/// `shares` or `share`, after a list of `n` names.
fn verb(n: usize, one: &str, many: &str) -> String {
    if n == 1 { one } else { many }.to_string()
}

/// Why a value a rule needs cannot be compared.
fn absent_reason(value: Option<&ResolvedValue>) -> &'static str {
    match value {
        Some(v) if v.unreadable => "cannot be read",
        _ => "is not set",
    }
}

/// ` (at deploy/backend.env:2)`, or nothing when the origin is unknown.
fn at(source: Option<&SourceRef>) -> String {
    source.map(|s| format!(" (at {s})")).unwrap_or_default()
}

/// A `[[shared]]` variable with its value.
type Member<'a> = (&'a RuleVar, &'a ResolvedService, &'a ResolvedValue);

fn shared(rule: &SharedRule, members: &[(&RuleVar, &ResolvedService)], out: &mut Outcome) {
    let same_name = members.iter().all(|(v, _)| v.var == members[0].0.var);
    let who = |v: &RuleVar| -> String {
        if same_name {
            v.service.clone()
        } else {
            format!("{}.{}", v.service, v.var)
        }
    };
    let what = if same_name {
        members[0].0.var.clone()
    } else {
        String::from("the values")
    };
    // Values present, grouped by fingerprint in the order first seen.
    let mut groups: Vec<(&str, Vec<Member<'_>>)> = Vec::new();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    let mut absent = Vec::new();
    for (v, svc) in members {
        let resolved = svc.value(&v.var);
        match resolved.and_then(|r| r.fingerprint.as_deref().map(|fp| (r, fp))) {
            Some((r, fp)) => {
                let next = groups.len();
                let i = *group_of.entry(fp).or_insert(next);
                if i == next {
                    groups.push((fp, Vec::new()));
                }
                groups[i].1.push((v, svc, r));
            }
            None => absent.push((*v, resolved)),
        }
    }
    let present: usize = groups.iter().map(|(_, g)| g.len()).sum();
    let names = |g: &[Member<'_>]| -> Vec<String> { g.iter().map(|(v, _, _)| who(v)).collect() };
    let mut grouping = groups
        .iter()
        .take(MAX_LISTED)
        .map(|(fp, g)| {
            let n = names(g);
            if n.len() == 1 {
                format!("{} has {fp}", n[0])
            } else {
                format!("{} agree on {fp}", list(&n))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if groups.len() > MAX_LISTED {
        grouping.push_str(&format!("; and {} more values", groups.len() - MAX_LISTED));
    }
    let rule_name = rule
        .name
        .as_deref()
        .map(|n| format!(" ([[shared]] \"{n}\")"))
        .unwrap_or_default();
    let compared: Vec<String> = groups.iter().flat_map(|(_, g)| names(g)).collect();

    for (v, resolved) in &absent {
        let others: Vec<String> = compared.clone();
        let message = if others.len() >= 2 {
            format!(
                "{} {}, so it was not compared with {}{rule_name}",
                v.var,
                absent_reason(*resolved),
                list(&others)
            )
        } else {
            format!(
                "{} {}, so it was not compared{rule_name}",
                v.var,
                absent_reason(*resolved)
            )
        };
        out.findings.push(
            Finding::new(Code::RuleIncomplete, message)
                .service(v.service.clone())
                .var(v.var.clone())
                .source(resolved.and_then(|r| r.source.clone()))
                .hint(format!(
                    "set {} in {} to the value the other services of the rule share",
                    v.var, v.service
                )),
        );
    }

    let everyone: Vec<String> = members.iter().map(|(v, _)| who(v)).collect();
    let mut summary = if same_name {
        format!("{}: {what}", joined(&everyone))
    } else {
        format!("{}:", joined(&everyone))
    };
    let ok = groups.len() == 1 && absent.is_empty();
    let differ = if same_name { "differs" } else { "differ" };
    if groups.len() > 1 {
        let majority = groups.iter().position(|(_, g)| g.len() * 2 > present);
        if let Some(m) = majority {
            let (maj_fp, maj) = &groups[m];
            let maj_names = names(maj);
            let mut odd = Vec::new();
            for (_, g) in groups.iter().enumerate().filter(|(i, _)| *i != m) {
                let (_, g) = g;
                for (v, svc, r) in g {
                    odd.push(who(v));
                    let mut hint = format!(
                            "change {}'s {} to the value {} {}{rule_name}; `envgate explain {}` shows each service's fingerprint",
                            svc.name,
                            v.var,
                            list(&maj_names),
                            verb(maj_names.len(), "has", "share"),
                            v.var
                        );
                    if r.has_errors {
                        hint.push_str(&format!(
                            " (its value also has an error of its own, reported with {})",
                            svc.name
                        ));
                    }
                    let mut f = Finding::new(
                        Code::SharedMismatch,
                        format!(
                            "{} differs from {} ({} is the odd one out): {grouping}",
                            v.var,
                            list(&maj_names),
                            who(v)
                        ),
                    )
                    .service(svc.name.clone())
                    .var(v.var.clone())
                    .source(r.source.clone())
                    .label(format!(
                        "has {}",
                        r.fingerprint.as_deref().unwrap_or_default()
                    ))
                    .hint(hint);
                    for (mv, msvc, mr) in maj.iter().take(MAX_LISTED) {
                        f = f.related(
                            Location::var(msvc.name.clone(), mv.var.clone(), mr.source.clone())
                                .label(format!("agrees on {maj_fp}")),
                        );
                    }
                    out.findings.push(f);
                }
            }
            summary.push_str(&format!(" {differ} (odd one out: {})", joined(&odd)));
        } else {
            // No value is held by most: the stack's own finding, at the rule.
            let places: Vec<String> = groups
                .iter()
                .flat_map(|(_, g)| g.iter())
                .map(|(v, _, r)| format!("{}'s{}", who(v), at(r.source.as_ref())))
                .collect();
            let mut f = Finding::new(
                Code::SharedMismatch,
                format!(
                    "{what} differ{} between {}, and no value is held by most of them: {grouping}",
                    if same_name { "s" } else { "" },
                    list(&compared)
                ),
            )
            .source(Some(rule.origin.clone()))
            .label(format!("the [[shared]] rule{rule_name}"))
            .hint(format!(
                "decide which value is current and set it in the others: {}",
                list(&places)
            ));
            if same_name {
                f = f.var(what.clone());
            }
            for (fp, g) in &groups {
                for (v, svc, r) in g {
                    f = f.related(
                        Location::var(svc.name.clone(), v.var.clone(), r.source.clone())
                            .label(format!("has {fp}")),
                    );
                }
            }
            out.findings.push(f);
            summary.push_str(&format!(" {differ} (no majority)"));
        }
    } else if groups.len() == 1 && present >= 2 {
        summary.push_str(" identical");
        if !absent.is_empty() {
            summary.push_str(&format!(" in {}", joined(&compared)));
        }
    }
    if !absent.is_empty() {
        let missing: Vec<String> = absent.iter().map(|(v, _)| who(v)).collect();
        summary.push_str(&format!(
            "; not compared in {} (no value)",
            missing.join(", ")
        ));
    }
    out.checks.push(RuleCheck {
        rule: "shared",
        name: rule.name.clone(),
        services: members.iter().map(|(v, _)| v.service.clone()).collect(),
        ok,
        summary,
    });
}

/// A host as it may be shown: a name or address of the usual characters, not too long.
fn showable_host(host: &str) -> bool {
    host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
}

fn same_host(a: &str, b: &str) -> bool {
    let norm = |h: &str| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase()
    };
    norm(a) == norm(b)
}

fn link(rule: &LinkRule, from: &ResolvedService, to: &ResolvedService, out: &mut Outcome) {
    let var = &rule.from.var;
    let pair = format!("{} → {}", from.name, to.name);
    let mut check = |ok: bool, summary: String| {
        out.checks.push(RuleCheck {
            rule: "link",
            name: rule.name.clone(),
            services: vec![from.name.clone(), to.name.clone()],
            ok,
            summary: format!("{pair}: {summary}"),
        });
    };
    let resolved = from.value(var);
    let Some((r, value)) = resolved.and_then(|r| r.value.as_ref().map(|v| (r, v))) else {
        let reason = absent_reason(resolved);
        check(false, format!("{var} {reason}, not checked"));
        out.findings.push(
            Finding::new(
                Code::RuleIncomplete,
                format!(
                    "{var} {reason}, so the [[link]] to {} was not checked",
                    to.name
                ),
            )
            .service(from.name.clone())
            .var(var.clone())
            .source(resolved.and_then(|r| r.source.clone()))
            .hint(format!(
                "set {var} in {} to the URL of {}",
                from.name, to.name
            )),
        );
        return;
    };
    if r.has_errors {
        // Already reported as wrong (a forbidden host, an invalid URL): one cause, one finding.
        check(
            false,
            format!(
                "{var} not checked (its value has errors of its own, reported with {})",
                from.name
            ),
        );
        return;
    }
    let text = value.expose();
    let readable = crate::secret::UrlParts::split(text).is_some_and(|p| !p.ambiguous);
    let parsed = if readable {
        url::Url::parse(text).ok()
    } else {
        None
    };
    let Some((host, url)) = parsed
        .as_ref()
        .and_then(|u| u.host_str().filter(|h| !h.is_empty()).map(|h| (h, u)))
    else {
        check(false, format!("{var} not checked (not a URL with a host)"));
        out.findings.push(
            Finding::new(
                Code::RuleIncomplete,
                format!(
                    "{var} is not a URL with a host that envgate can read, so the [[link]] to {} was not checked",
                    to.name
                ),
            )
            .service(from.name.clone())
            .var(var.clone())
            .source(r.source.clone())
            .hint(format!("write {var} as scheme://host:port/..., with a host of {}", to.name)),
        );
        return;
    };
    // What of the URL may be shown is decided here, before any message is worded: nothing
    // of a sensitive value (a secret's, one that read a secret, one holding a credential
    // shape), and of another only a host and scheme that cannot be pieces of a secret.
    let may_show = !r.sensitive;
    let scheme = if may_show && crate::secret::scheme_may_be_shown(url.scheme()) {
        url.scheme()
    } else {
        "scheme"
    };
    let port = url.port_or_known_default();
    let shown = if may_show && showable_host(host) && !crate::secret::contains_credential(host) {
        host
    } else {
        "(a host not shown)"
    };
    let addressed = match port {
        Some(p) => format!("{shown}:{p}"),
        None => format!("{shown} (no port)"),
    };
    let host_ok = to.hosts.iter().any(|h| same_host(h, host));
    let port_ok = to.port.is_none_or(|p| port == Some(p));
    if host_ok && port_ok {
        check(true, format!("{var} addresses {addressed}"));
        return;
    }
    // A service may list many names: a message names a few and counts the rest.
    const HOSTS_NAMED: usize = 5;
    let expected_hosts: Vec<String> = to
        .hosts
        .iter()
        .take(HOSTS_NAMED)
        .map(|h| match to.port {
            Some(p) => format!("{h}:{p}"),
            None => h.clone(),
        })
        .collect();
    let expected = if to.hosts.len() > HOSTS_NAMED {
        format!(
            "{} or one of {} more of its hosts",
            expected_hosts.join(", "),
            to.hosts.len() - HOSTS_NAMED
        )
    } else {
        expected_hosts.join(" or ")
    };
    let (message, change) = if host_ok {
        let p = to.port.unwrap_or_default();
        let why = match port {
            Some(_) => format!("{var} addresses {addressed}, but {} listens on port {p}", to.name),
            None => format!(
                "{var} addresses {addressed}: its scheme has no default port, and {} listens on port {p}",
                to.name
            ),
        };
        (
            why,
            format!(
                "or, if {} really listens there, fix `port` under [services.{}] in the stack file",
                to.name, to.name
            ),
        )
    } else {
        (
            format!(
                "{var} addresses {addressed}, which is not {}: expected {expected}",
                to.name
            ),
            format!(
                "or, if {} is a name of {}, add it to `hosts` under [services.{}] in the stack file",
                if shown == host { shown } else { "its host" },
                to.name,
                to.name
            ),
        )
    };
    let first = expected_hosts.first().cloned().unwrap_or_default();
    let rule_name = rule
        .name
        .as_deref()
        .map(|n| format!(" ([[link]] \"{n}\")"))
        .unwrap_or_default();
    out.findings.push(
        Finding::new(Code::LinkMismatch, message)
            .service(from.name.clone())
            .var(var.clone())
            .source(r.source.clone())
            .label(format!("addresses {addressed}"))
            .hint(if scheme == url.scheme() {
                format!(
                    "point {}'s {var} at {scheme}://{first}{rule_name}; {change}",
                    from.name,
                )
            } else {
                format!(
                    "point {}'s {var} at {first}{rule_name}, keeping its scheme; {change}",
                    from.name,
                )
            })
            .related(Location {
                service: to.name.clone(),
                var: None,
                source: to.hosts_origin.clone(),
                label: Some(format!("{}'s hosts and port: {expected}", to.name)),
            }),
    );
    check(
        false,
        format!("{var} addresses {addressed}, not {expected}"),
    );
}

/// One member of a `[[jwt]]` group with its resolved values, as the probe sees it.
pub struct JwtParty<'a> {
    pub service: &'a str,
    pub vars: &'a JwtVars,
    /// The key (HMAC secret, private key at the issuer, public key at a consumer).
    pub key: &'a ResolvedValue,
    /// The `algorithm` variable's value, when the rule names one (else `JwtRule::alg`).
    pub algorithm: Option<&'a ResolvedValue>,
    pub iss: Option<&'a ResolvedValue>,
    pub aud: Option<&'a ResolvedValue>,
}

/// What one probe (issuer → consumer) found.
#[derive(Debug)]
pub enum JwtProbe {
    /// The consumer accepts the issuer's tokens; `proof` says what was verified, without a
    /// value ("HS256, iss, aud").
    Verified { proof: String },
    /// The consumer would reject them: one finding per cause (`jwt-algorithm-mismatch`,
    /// `jwt-key-mismatch`, `jwt-issuer-mismatch`, `jwt-audience-mismatch`,
    /// `jwt-key-invalid`), each on the service to change, the other side in `related`;
    /// `causes` words them for the `checks` entry.
    Rejected {
        findings: Vec<Finding>,
        causes: String,
    },
    /// No probe was made, and why.
    NotProbed { why: String },
}

/// Which of a member's variables a finding is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JwtPart {
    Key,
    Algorithm,
    Iss,
    Aud,
}

impl JwtPart {
    fn of(code: Code) -> Self {
        match code {
            Code::JwtAlgorithmMismatch => JwtPart::Algorithm,
            Code::JwtIssuerMismatch => JwtPart::Iss,
            Code::JwtAudienceMismatch => JwtPart::Aud,
            _ => JwtPart::Key,
        }
    }

    fn word(self) -> &'static str {
        match self {
            JwtPart::Key => "key",
            JwtPart::Algorithm => "algorithm",
            JwtPart::Iss => "iss",
            JwtPart::Aud => "aud",
        }
    }
}

/// The text of an optional value (`iss`, `aud`), when set.
fn text_of(value: Option<&ResolvedValue>) -> Option<&str> {
    value.and_then(|v| v.value.as_ref()).map(Secret::expose)
}

impl JwtParty<'_> {
    /// The variable and origin behind `part` (the key's, when the part is not a variable
    /// of this member: a literal `alg`, an `iss` the rule does not name).
    fn location(&self, part: JwtPart) -> (&str, Option<SourceRef>) {
        let named = match part {
            JwtPart::Key => None,
            JwtPart::Algorithm => self.vars.algorithm.as_ref().zip(self.algorithm),
            JwtPart::Iss => self.vars.iss.as_ref().zip(self.iss),
            JwtPart::Aud => self.vars.aud.as_ref().zip(self.aud),
        };
        match named {
            Some((var, value)) => (var.var.as_str(), value.source.clone()),
            None => (self.vars.key.var.as_str(), self.key.source.clone()),
        }
    }

    /// The algorithm this member signs or verifies with ([`JwtVars::algorithm_of`]).
    fn algorithm(&self, rule: &JwtRule) -> Result<Algorithm, String> {
        self.vars.algorithm_of(rule, self.algorithm)
    }

    /// The member's key parsed for its algorithm, or why it cannot take part. A key that
    /// does not parse is `jwt-key-invalid` here unless its own check already said so.
    fn parse_key(&self, rule: &JwtRule, out: &mut Outcome) -> Result<Key, String> {
        let algorithm = self.algorithm(rule)?;
        let Some(value) = self.key.value.as_ref() else {
            return Err(format!("{} has no key", self.service));
        };
        let parsed = Key::parse(value.expose(), algorithm, self.vars.key_encoding);
        if let Some(key) = parsed.key {
            return Ok(key);
        }
        let var = &self.vars.key.var;
        if !self.key.has_errors {
            let why = parsed
                .problems
                .into_iter()
                .find(|p| p.code == Code::JwtKeyInvalid);
            let (message, hint) = why.map_or((String::from("cannot be used"), None), |p| {
                (p.message, p.hint)
            });
            out.findings.push(
                Finding::new(
                    Code::JwtKeyInvalid,
                    format!(
                        "{var} {message} (as the {algorithm} key of {} in the [[jwt]] group{})",
                        self.service,
                        rule_label(rule)
                    ),
                )
                .service(self.service.to_string())
                .var(var.clone())
                .source(self.key.source.clone())
                .maybe_hint(hint),
            );
        }
        Err(format!(
            "{}'s {var} is not a usable {algorithm} key",
            self.service
        ))
    }

    fn side<'k>(&'k self, key: &'k Key) -> Side<'k> {
        Side {
            label: self.service,
            key,
            iss: text_of(self.iss),
            aud: text_of(self.aud),
        }
    }
}

/// ` "user sessions"`, or nothing for a rule without a name.
fn rule_label(rule: &JwtRule) -> String {
    rule.name
        .as_deref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default()
}

/// The issuer of a group, ready to be checked against each consumer: its probe token minted
/// once (signing dominates the cost for RSA).
pub struct JwtIssuer<'a> {
    pub party: JwtParty<'a>,
    pub key: Key,
    pub token: Result<ProbeToken, crate::jwt::CannotSign>,
}

/// Checks the issuer's probe token at one consumer, exactly as the consumer service would
/// verify it (its key, algorithm, expected `iss` and `aud`), at time `now`; classifies each
/// failure. Findings name both services, both variables and both origins, never a key or a
/// token.
pub fn probe_jwt(
    rule: &JwtRule,
    issuer: &JwtIssuer<'_>,
    consumer: &JwtParty<'_>,
    consumer_key: &Key,
    now: i64,
) -> JwtProbe {
    let issuer_side = issuer.party.side(&issuer.key);
    let consumer_side = consumer.side(consumer_key);
    let problems = match &issuer.token {
        Ok(token) => token.check(&issuer_side, &consumer_side, now),
        Err(cannot) => vec![cannot.for_consumer(issuer.party.service, consumer.service)],
    };
    if problems.is_empty() {
        let mut proof = vec![issuer.key.algorithm().as_str().to_string()];
        if issuer_side.iss.is_some() && consumer_side.iss.is_some() {
            proof.push(String::from("iss"));
        }
        if issuer_side.aud.is_some() && consumer_side.aud.is_some() {
            proof.push(String::from("aud"));
        }
        return JwtProbe::Verified {
            proof: proof.join(", "),
        };
    }
    let mut causes = Vec::new();
    let mut findings = Vec::new();
    let mut suppressed = None;
    for p in problems {
        // A key with an error of its own (a trailing newline) fails the signature check
        // for that reason: one cause, one finding.
        if p.code == Code::JwtKeyMismatch
            && (consumer.key.has_errors || issuer.party.key.has_errors)
        {
            let who = if consumer.key.has_errors {
                consumer
            } else {
                &issuer.party
            };
            suppressed = Some(format!(
                "signature fails: {}'s {} has errors of its own",
                who.service, who.vars.key.var
            ));
            continue;
        }
        causes.push(p.code.as_str().trim_start_matches("jwt-").replace('-', " "));
        findings.push(probe_finding(p, rule, &issuer.party, Some(consumer)));
    }
    causes.extend(suppressed);
    JwtProbe::Rejected {
        findings,
        causes: causes.join(", "),
    }
}

/// A probe problem as a finding on the side to change (the consumer, except for an issuer
/// that cannot sign), with the other side in `related`.
fn probe_finding(
    problem: Problem,
    rule: &JwtRule,
    issuer: &JwtParty<'_>,
    consumer: Option<&JwtParty<'_>>,
) -> Finding {
    let part = JwtPart::of(problem.code);
    let (iv, isrc) = issuer.location(part);
    let issuer_label = format!("issuer's {} here", part.word());
    let Some(consumer) = consumer else {
        // The issuer's own problem (it cannot sign): the caller adds the consumers.
        let hint = problem
            .hint
            .map(|h| format!("{h} ([[jwt]]{}, {}.{iv})", rule_label(rule), issuer.service));
        return Finding::new(problem.code, problem.message)
            .service(issuer.service.to_string())
            .var(iv.to_string())
            .source(isrc)
            .label(issuer_label)
            .maybe_hint(hint);
    };
    let on_issuer = problem.code == Code::JwtKeyInvalid;
    let (cv, csrc) = consumer.location(part);
    let consumer_label = format!("consumer's {} there", part.word());
    // `iss`/`aud` values are quoted by the library's message: only when neither side's
    // variable is sensitive; otherwise they are compared by fingerprint.
    let hidden = |v: Option<&ResolvedValue>| v.is_some_and(|v| v.sensitive);
    let message = match part {
        JwtPart::Iss if hidden(issuer.iss) || hidden(consumer.iss) => {
            mismatch_by_fingerprint("iss", issuer, issuer.iss, consumer, consumer.iss)
        }
        JwtPart::Aud if hidden(issuer.aud) || hidden(consumer.aud) => {
            mismatch_by_fingerprint("aud", issuer, issuer.aud, consumer, consumer.aud)
        }
        _ => problem.message,
    };
    let hint = problem.hint.map(|h| {
        format!(
            "{h} ([[jwt]]{}, {}.{iv} → {}.{cv})",
            rule_label(rule),
            issuer.service,
            consumer.service
        )
    });
    let (primary, psrc, pvar, plabel, other, osrc, ovar, olabel) = if on_issuer {
        (
            issuer,
            isrc,
            iv,
            issuer_label,
            consumer,
            csrc,
            cv,
            consumer_label,
        )
    } else {
        (
            consumer,
            csrc,
            cv,
            consumer_label,
            issuer,
            isrc,
            iv,
            issuer_label,
        )
    };
    Finding::new(problem.code, message)
        .service(primary.service.to_string())
        .var(pvar.to_string())
        .source(psrc)
        .label(plabel)
        .maybe_hint(hint)
        .related(Location::var(other.service.to_string(), ovar.to_string(), osrc).label(olabel))
}

/// `iss`/`aud` mismatch worded by fingerprint, for values the schema says are sensitive.
fn mismatch_by_fingerprint(
    claim: &str,
    issuer: &JwtParty<'_>,
    signed_with: Option<&ResolvedValue>,
    consumer: &JwtParty<'_>,
    expected: Option<&ResolvedValue>,
) -> String {
    let fp = |v: Option<&ResolvedValue>| {
        v.and_then(|v| v.fingerprint.clone())
            .unwrap_or_else(|| String::from("none"))
    };
    format!(
        "{} issues tokens with {claim} {} but {} expects {claim} {} (values not shown: sensitive)",
        issuer.service,
        fp(signed_with),
        consumer.service,
        fp(expected)
    )
}

fn jwt(rule: &JwtRule, parties: &[(&JwtVars, &ResolvedService)], now: i64, out: &mut Outcome) {
    // Every member's values; one that lacks its key cannot take part.
    let mut resolved = Vec::new();
    for (vars, svc) in parties {
        let value = |v: &Option<RuleVar>| v.as_ref().and_then(|v| svc.value(&v.var));
        let key = svc.value(&vars.key.var).filter(|k| k.value.is_some());
        if let Some(key) = key {
            resolved.push(Some(JwtParty {
                service: &svc.name,
                vars,
                key,
                algorithm: value(&vars.algorithm),
                iss: value(&vars.iss),
                aud: value(&vars.aud),
            }));
        } else {
            let found = svc.value(&vars.key.var);
            out.findings.push(
                Finding::new(
                    Code::RuleIncomplete,
                    format!(
                        "{} {}, so the [[jwt]] group{} was not probed for {}",
                        vars.key.var,
                        absent_reason(found),
                        rule_label(rule),
                        svc.name
                    ),
                )
                .service(svc.name.clone())
                .var(vars.key.var.clone())
                .source(found.and_then(|f| f.source.clone()))
                .hint(format!("set {} in {}", vars.key.var, svc.name)),
            );
            resolved.push(None);
        }
    }
    let not_probed = |out: &mut Outcome, why: &str| {
        for consumer in &rule.consumers {
            out.checks.push(RuleCheck {
                rule: "jwt",
                name: rule.name.clone(),
                services: vec![rule.issuer.clone(), consumer.clone()],
                ok: false,
                summary: format!("{} → {consumer}: not probed ({why})", rule.issuer),
            });
        }
    };
    let mut resolved = resolved.into_iter();
    let Some(Some(party)) = resolved.next() else {
        not_probed(out, "the issuer has no key");
        return;
    };
    let key = match party.parse_key(rule, out) {
        Ok(key) => key,
        Err(why) => {
            not_probed(out, &why);
            return;
        }
    };
    // One probe token per issuer, checked at every consumer.
    let token = ProbeToken::mint(&party.side(&key), now);
    let consumers: Vec<Option<JwtParty<'_>>> = resolved.collect();
    if let Err(cannot) = &token {
        // An issuer that cannot sign is one cause: one finding on the issuer, every
        // consumer under `see:`, rather than one per pair.
        let names: Vec<&str> = consumers.iter().flatten().map(|c| c.service).collect();
        let problem = cannot.for_consumer(party.service, &list(&names));
        let mut finding = probe_finding(problem, rule, &party, None);
        for c in consumers.iter().flatten().take(MAX_LISTED) {
            let (var, source) = c.location(JwtPart::Key);
            finding = finding.related(
                Location::var(c.service.to_string(), var.to_string(), source)
                    .label("consumer's key there"),
            );
        }
        out.findings.push(finding);
        not_probed(out, &format!("{} cannot sign tokens", party.service));
        return;
    }
    let issuer = JwtIssuer { party, key, token };
    for (consumer_name, consumer) in rule.consumers.iter().zip(consumers) {
        let pair = format!("{} → {consumer_name}", rule.issuer);
        let probed = match consumer {
            None => JwtProbe::NotProbed {
                why: format!("{consumer_name} has no key"),
            },
            Some(consumer) => match consumer.parse_key(rule, out) {
                Ok(key) => probe_jwt(rule, &issuer, &consumer, &key, now),
                Err(why) => JwtProbe::NotProbed { why },
            },
        };
        let (ok, summary) = match probed {
            JwtProbe::Verified { proof } => (true, format!("{pair}: tokens verify ({proof})")),
            JwtProbe::Rejected { findings, causes } => {
                out.findings.extend(findings);
                (false, format!("{pair}: tokens are rejected ({causes})"))
            }
            JwtProbe::NotProbed { why } => (false, format!("{pair}: not probed ({why})")),
        };
        out.checks.push(RuleCheck {
            rule: "jwt",
            name: rule.name.clone(),
            services: vec![rule.issuer.clone(), consumer_name.clone()],
            ok,
            summary,
        });
    }
}

/// `signed_by = "service.VAR"`: the token verifies with the signing service's key.
fn signed_by(
    rule: &SignedByRule,
    holder: &ResolvedService,
    signer: &ResolvedService,
    out: &mut Outcome,
) {
    let (tvar, kvar) = (&rule.token.var, &rule.key.var);
    let pair = format!("{}.{tvar} ← {}.{kvar}", holder.name, signer.name);
    let check = |out: &mut Outcome, ok: bool, summary: String| {
        out.checks.push(RuleCheck {
            rule: "signed_by",
            name: None,
            services: vec![holder.name.clone(), signer.name.clone()],
            ok,
            summary: format!("{pair}: {summary}"),
        });
    };
    let token_value = holder.value(tvar);
    let Some((tv, text)) = token_value.and_then(|t| t.value.as_ref().map(|v| (t, v))) else {
        check(
            out,
            false,
            format!("not checked ({tvar} {})", absent_reason(token_value)),
        );
        return;
    };
    // A token that does not decode has its own `jwt-malformed`.
    let Ok(token) = Token::decode(text.expose()) else {
        check(
            out,
            false,
            format!("not checked ({tvar} is not a readable token)"),
        );
        return;
    };
    if !rule.declared {
        let message = format!(
            "{tvar} is to be signed by {}.{kvar}, which {}'s schema does not declare, so its signature was not checked",
            signer.name, signer.name
        );
        out.findings.push(
            Finding::new(Code::RuleIncomplete, message)
                .service(holder.name.clone())
                .var(tvar.clone())
                .source(tv.source.clone())
                .hint(format!(
                    "declare {kvar} in {}'s schema, or correct `signed_by` of {tvar} in {}'s",
                    signer.name, holder.name
                )),
        );
        check(
            out,
            false,
            format!("not checked ({} does not declare {kvar})", signer.name),
        );
        return;
    }
    let key_value = signer.value(kvar);
    let Some((kv, key_text)) = key_value.and_then(|k| k.value.as_ref().map(|v| (k, v))) else {
        let reason = absent_reason(key_value);
        out.findings.push(
            Finding::new(
                Code::RuleIncomplete,
                format!(
                    "{}'s {kvar} {reason}, so the signature of {tvar} was not checked",
                    signer.name
                ),
            )
            .service(holder.name.clone())
            .var(tvar.clone())
            .source(tv.source.clone())
            .hint(format!("set {kvar} in {}", signer.name))
            .related(
                Location::var(
                    signer.name.clone(),
                    kvar.clone(),
                    key_value.and_then(|k| k.source.clone()),
                )
                .label("the key that signs it"),
            ),
        );
        check(
            out,
            false,
            format!("not checked ({}'s {kvar} {reason})", signer.name),
        );
        return;
    };
    let algorithm = match &rule.key_algorithm {
        Some(KeyAlgorithmFrom::Fixed(a)) => Some(*a),
        Some(KeyAlgorithmFrom::Var(v)) => text_of(signer.value(&v.var)).and_then(Algorithm::parse),
        None => token.algorithm(),
    };
    let Some(algorithm) = algorithm else {
        check(
            out,
            false,
            String::from("not checked (no algorithm to verify with)"),
        );
        return;
    };
    // A key that does not parse has its own finding when it is a `jwt-key`.
    let Some(key) = Key::parse(key_text.expose(), algorithm, rule.key_encoding).key else {
        check(
            out,
            false,
            format!(
                "not checked ({}'s {kvar} is not a usable {algorithm} key)",
                signer.name
            ),
        );
        return;
    };
    if token.verifies_with(&key) {
        check(out, true, format!("signature verifies ({algorithm})"));
        return;
    }
    out.findings.push(
        Finding::new(
            Code::JwtSignatureInvalid,
            format!(
                "{tvar} does not verify with {}'s {kvar} ({algorithm}): it was signed with another key (one rotated since, or another environment's)",
                signer.name
            ),
        )
        .service(holder.name.clone())
        .var(tvar.clone())
        .source(tv.source.clone())
        .label("the token here")
        .hint(format!(
            "issue a new {tvar} for {} signed with {}'s current {kvar}; if {}'s key is the stale side, restore the key that signed it",
            holder.name, signer.name, signer.name
        ))
        .related(
            Location::var(signer.name.clone(), kvar.clone(), kv.source.clone())
                .label("the key that must sign it there"),
        ),
    );
    check(
        out,
        false,
        format!("signature does not verify ({algorithm})"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(list::<&str>(&[]), "");
        assert_eq!(list(&["auth"]), "auth");
        assert_eq!(list(&["auth", "backend"]), "auth and backend");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
        let many: Vec<String> = (0..12).map(|i| format!("s{i}")).collect();
        assert_eq!(
            list(&many),
            "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 and 2 more"
        );
        assert_eq!(
            joined(&many),
            "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 (2 more)"
        );
    }

    #[test]
    fn hosts_compare_without_case_brackets_or_a_final_dot() {
        assert!(same_host("Auth.Internal.", "auth.internal"));
        assert!(same_host("[::1]", "::1"));
        assert!(!same_host("auth-service", "auth"));
    }

    #[test]
    fn only_plain_hosts_are_shown() {
        assert!(showable_host("auth.internal"));
        assert!(showable_host("[::1]"));
        assert!(!showable_host("a%40b"));
        assert!(!showable_host(&"a".repeat(254)));
    }
}
