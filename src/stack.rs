//! The stack file, `envgate.toml` (SPEC section 5): services, where each one's values come
//! from, profiles, and the `[envgate]` tool settings.

use crate::error::{ConfigError, Diagnostic};
use crate::finding::SourceRef;
use crate::rules::stack::{
    JwtRule, JwtVars, LinkRule, RuleVar, SharedRule, StackRules, JWT_ALGORITHMS,
};
use crate::schema::document::{merge_into, Document, Layout};
use crate::schema::{describe_error, lenient, Locator, Suggester};
use figment::value::{Tag, Value};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStack {
    /// Read through figment (`settings_figment`); declared so unknown keys are caught.
    #[serde(rename = "envgate")]
    _settings: Option<figment::value::Dict>,
    #[serde(default)]
    services: BTreeMap<String, RawService>,
    #[serde(default)]
    profiles: BTreeMap<String, RawStackProfile>,
    /// Read by [`extract_rules`]; declared so unknown keys are caught.
    #[serde(rename = "jwt")]
    _jwt: Option<figment::value::Value>,
    #[serde(rename = "shared")]
    _shared: Option<figment::value::Value>,
    #[serde(rename = "link")]
    _link: Option<figment::value::Value>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStackProfile {
    /// Merged over `services` through figment; declared so unknown keys are caught and the
    /// services it names can be checked.
    #[serde(default)]
    services: BTreeMap<String, RawService>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    schema: Option<String>,
    #[serde(default)]
    env_files: Vec<String>,
    #[serde(default)]
    process_env: bool,
    hosts: Option<Vec<String>>,
    port: Option<u16>,
    compose: Option<figment::value::Value>,
}

/// One service of the stack, paths resolved against the stack file's directory.
#[derive(Debug, Clone)]
pub struct StackService {
    pub name: String,
    pub schema: PathBuf,
    pub env_files: Vec<PathBuf>,
    pub process_env: bool,
    /// Names other services use to reach it (default: its own name).
    pub hosts: Vec<String>,
    pub port: Option<u16>,
    /// Where `hosts` (or `port`, or else the service's table) is written: what a
    /// `link-mismatch` points at on the target's side.
    pub hosts_origin: SourceRef,
}

/// `(service, var)` → `None` (service not checked), `Ok(declared name)`, or `Err` with the
/// closest declared name: see [`Stack::resolve_rule_names`].
pub type NameLookup<'a> = dyn Fn(&str, &str) -> Option<Result<String, Option<String>>> + 'a;

/// A loaded stack file before a profile is chosen.
pub struct Stack {
    pub path: PathBuf,
    layout: Layout,
    root: Value,
    /// The same values, for the `[envgate]` settings (figment remembers the file).
    figment: Figment,
    raw: RawStack,
    rules: StackRules,
    /// Problems of the rules (an unknown service...): reported, with those of the rules'
    /// variable names, by the caller that loads the schemas (all at once, exit 2).
    rule_errors: Vec<Diagnostic>,
}

/// Tool settings that may come from `[envgate]`, `ENVGATE_*` variables or flags.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bool_ish"
    )]
    pub strict: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl Stack {
    /// Reads the stack file and reports every problem in it at once, in file order:
    /// unknown keys, wrong types, unknown service fields, profiles of unknown services,
    /// unsupported tables.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut doc = Document::load_within(path, crate::schema::document::MAX_STACK_BYTES)?;
        if doc.root.contains_key("vars") && !doc.root.contains_key("services") {
            return Err(ConfigError::single(doc.diagnostic(
                &["vars"],
                "this looks like a schema (it has [vars]), not a stack file: check it with --schema FILE",
            )));
        }
        let root = Value::Dict(Tag::Default, doc.root.clone());
        let figment = Figment::from(doc.take_provider());
        let (layout, _) = Layout::new(vec![doc]);
        let (raw, rules, rule_errors) = extract_stack(&root, &layout).map_err(ConfigError::from)?;
        Ok(Self {
            path: path.to_path_buf(),
            layout,
            root,
            figment,
            raw,
            rules,
            rule_errors,
        })
    }

    /// The cross-service rules, checked against the stack's services.
    pub fn rules(&self) -> &StackRules {
        &self.rules
    }

    /// The problems of the rules found when the file was read (see [`Stack::load`]); the
    /// rules must not run while there are any.
    pub fn rule_errors(&self) -> &[Diagnostic] {
        &self.rule_errors
    }

    /// Checks that every `SERVICE.VAR` of the rules is declared, once the schemas are
    /// loaded: `lookup(service, var)` is `None` for a service not checked in this run,
    /// `Ok(name)` for a declared variable (an alias gives the name it stands for), or
    /// `Err(closest declared name)`. Each undeclared one is a diagnostic at its place.
    pub fn resolve_rule_names(
        &self,
        rules: &mut StackRules,
        lookup: &NameLookup<'_>,
    ) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let mut fix = |v: &mut RuleVar| match lookup(&v.service, &v.var) {
            None => {}
            Some(Ok(name)) => v.var = name,
            Some(Err(closest)) => {
                let mut msg = format!(
                    "service {} does not declare {} (a rule may name only variables its schema declares)",
                    v.service, v.var
                );
                if let Some(best) = closest {
                    msg.push_str(&format!("; did you mean {best}?"));
                }
                diags.push(self.diagnostic(&v.at, msg));
            }
        };
        for r in &mut rules.shared {
            r.vars.iter_mut().for_each(&mut fix);
        }
        for l in &mut rules.links {
            fix(&mut l.from);
        }
        for j in &mut rules.jwt {
            for m in &mut j.members {
                fix(&mut m.key);
                for v in [&mut m.algorithm, &mut m.iss, &mut m.aud]
                    .into_iter()
                    .flatten()
                {
                    fix(v);
                }
            }
        }
        diags
    }

    /// The stack file's line of a key path (or of its nearest written ancestor).
    pub fn origin<S: AsRef<str>>(&self, at: &[S]) -> SourceRef {
        let (file, pos) = self.layout.locate(at, None);
        SourceRef::stack(file, pos.line)
    }

    pub fn profiles(&self) -> Vec<String> {
        self.raw.profiles.keys().cloned().collect()
    }

    /// The `[envgate]` settings table.
    pub fn settings_figment(&self) -> Figment {
        self.figment.focus("envgate")
    }

    /// Services in file order, with the profile's overlay applied when the stack defines it.
    pub fn services(&self, profile: Option<&str>) -> Result<Vec<StackService>, ConfigError> {
        let profile = profile.filter(|p| self.raw.profiles.contains_key(*p));
        let mut layered = self.root.as_dict().cloned().unwrap_or_default();
        if let Some(p) = profile {
            let overlay = layered
                .get("profiles")
                .and_then(Value::as_dict)
                .and_then(|ps| ps.get(p))
                .and_then(Value::as_dict)
                .cloned();
            if let Some(overlay) = overlay {
                merge_into(&mut layered, overlay);
            }
        }
        let suggest = Suggester::new([]);
        let ctx = Locator {
            layout: &self.layout,
            profile,
            suggest: &suggest,
        };
        let raw: RawStack = Value::Dict(Tag::Default, layered)
            .deserialize()
            .map_err(|e| ConfigError::from(describe_error(&e, &[], &ctx, None)))?;
        let base = self.path.parent().unwrap_or(Path::new(""));
        let mut diags = Vec::new();
        let mut services = Vec::new();
        for (name, svc) in raw.services {
            if let Some(p) = profile.filter(|_| !self.raw.services.contains_key(&name)) {
                diags.push(self.layout.diagnostic(
                    &["profiles", p, "services", &name],
                    format!(
                        "profile {p} configures service {name}, which the stack does not define"
                    ),
                ));
                continue;
            }
            let Some(schema) = svc.schema else {
                diags.push(self.layout.diagnostic(
                    &["services", &name],
                    format!("service {name} has no `schema`"),
                ));
                continue;
            };
            let key = if svc.hosts.is_some() { "hosts" } else { "port" };
            services.push(StackService {
                // Under a profile, its own `hosts`/`port` line when it sets them.
                hosts_origin: {
                    let (file, pos) = self
                        .layout
                        .locate(&["services", name.as_str(), key], profile);
                    SourceRef::stack(file, pos.line)
                },
                hosts: svc.hosts.unwrap_or_else(|| vec![name.clone()]),
                schema: crate::paths::clean(&base.join(schema)),
                env_files: svc
                    .env_files
                    .iter()
                    .map(|f| crate::paths::clean(&base.join(f)))
                    .collect(),
                process_env: svc.process_env,
                port: svc.port,
                name,
            });
        }
        if !diags.is_empty() {
            return Err(diags.into());
        }
        services.sort_by_cached_key(|s| {
            self.layout
                .exact(&["services", s.name.as_str()])
                .map(|(_, pos)| pos)
                .unwrap_or_default()
        });
        Ok(services)
    }

    pub fn diagnostic<S: AsRef<str>>(&self, path: &[S], message: impl Into<String>) -> Diagnostic {
        self.layout.diagnostic(path, message)
    }
}

/// The stack's tables, with every problem in them at once, in file order: unknown keys,
/// wrong types, unknown service fields, profiles of unknown services, unsupported tables.
/// Also returns the problems of the rules alone, kept for [`Stack::rule_errors`] when the
/// rest of the file is sound: they are reported with the rules' variable names, once the
/// schemas are loaded.
fn extract_stack(
    root: &Value,
    layout: &Layout,
) -> Result<(RawStack, StackRules, Vec<Diagnostic>), Vec<Diagnostic>> {
    let empty = figment::value::Dict::new();
    let table = root.as_dict().unwrap_or(&empty);
    let service_names: Vec<&str> = table
        .get("services")
        .and_then(Value::as_dict)
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let suggest = Suggester::new(service_names.iter().copied());
    let ctx = Locator {
        layout,
        profile: None,
        suggest: &suggest,
    };
    let mut diags = Vec::new();
    let raw = if let Ok(raw) = root.deserialize::<RawStack>() {
        raw
    } else {
        {
            let mut raw: RawStack = lenient(
                table,
                &["services", "profiles"],
                &[],
                &ctx,
                None,
                &mut diags,
            );
            raw.services = extract_services(table.get("services"), &["services"], &ctx, &mut diags);
            match table.get("profiles").map(Value::as_dict) {
                None => {}
                Some(None) => {
                    diags.push(ctx.diag(&["profiles"], "`profiles` must be a table of profiles"));
                }
                Some(Some(profiles)) => {
                    for (p, value) in profiles {
                        let at = ["profiles", p.as_str()];
                        let Some(ptable) = value.as_dict() else {
                            diags.push(ctx.diag(&at, format!("profile {p} must be a table")));
                            continue;
                        };
                        let mut profile: RawStackProfile =
                            lenient(ptable, &["services"], &at, &ctx, None, &mut diags);
                        profile.services = extract_services(
                            ptable.get("services"),
                            &["profiles", p, "services"],
                            &ctx,
                            &mut diags,
                        );
                        raw.profiles.insert(p.clone(), profile);
                    }
                }
            }
            raw
        }
    };
    reject_unsupported(&raw, &ctx, &mut diags);
    let mut rule_diags = Vec::new();
    let rules = extract_rules(table, &service_names, &ctx, &mut rule_diags);
    // A service needs a schema, from its own table or from every profile's overlay; one
    // that has none anywhere is reported with the rest (a selected profile is checked again).
    let written = |name: &str| {
        table
            .get("services")
            .and_then(Value::as_dict)
            .and_then(|s| s.get(name))
            .and_then(Value::as_dict)
            .is_some_and(|s| s.contains_key("schema"))
    };
    for (name, _) in raw
        .services
        .iter()
        .filter(|(n, s)| s.schema.is_none() && !written(n))
    {
        let from_profile = raw
            .profiles
            .values()
            .any(|p| p.services.get(name).is_some_and(|o| o.schema.is_some()));
        if !from_profile {
            diags.push(ctx.diag(
                &["services", name],
                format!("service {name} has no `schema`"),
            ));
        }
    }
    // Every profile is checked now, not only the selected one: what is left is services it
    // names that the stack does not define.
    for (p, overlay) in &raw.profiles {
        for name in overlay
            .services
            .keys()
            .filter(|n| !raw.services.contains_key(*n))
        {
            let mut msg =
                format!("profile {p} configures service {name}, which the stack does not define");
            if let Some(best) = suggest.variable(name) {
                msg.push_str(&format!("; did you mean {best}?"));
            }
            diags.push(ctx.diag(&["profiles", p, "services", name], msg));
        }
    }
    if diags.is_empty() {
        Ok((raw, rules, rule_diags))
    } else {
        diags.extend(rule_diags);
        let mut sorted = crate::error::sorted(diags);
        sorted.extend(
            suggest.note(
                layout
                    .files()
                    .first()
                    .map_or(Path::new(""), |p| p.as_path()),
            ),
        );
        Err(sorted)
    }
}

/// Each service of a `services` table (at `at`), extracted on its own.
fn extract_services(
    value: Option<&Value>,
    at: &[&str],
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, RawService> {
    let mut out = BTreeMap::new();
    let Some(value) = value else {
        return out;
    };
    let Some(table) = value.as_dict() else {
        diags.push(ctx.diag(
            at,
            format!("`{}` must be a table of services", at.join(".")),
        ));
        return out;
    };
    for (name, value) in table {
        let mut path = at.to_vec();
        path.push(name);
        match value.as_dict() {
            Some(fields) => {
                out.insert(name.clone(), lenient(fields, &[], &path, ctx, None, diags));
            }
            None => diags.push(ctx.diag(
                &path,
                format!("service {name} must be a table, e.g. [services.{name}] schema = \"{name}.toml\""),
            )),
        }
    }
    out
}

/// Compose sources come in a later version; accepting them silently would report a stack
/// as checked when it was not.
fn reject_unsupported(raw: &RawStack, ctx: &Locator<'_, '_>, diags: &mut Vec<Diagnostic>) {
    for (name, svc) in &raw.services {
        if svc.compose.is_some() {
            diags.push(ctx.diag(
                &["services", name, "compose"],
                format!("service {name}: compose sources are not supported by this version of envgate yet; use env_files"),
            ));
        }
    }
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case), as schema bools accept:
/// `ENVGATE_STRICT=1` should work.
fn bool_ish<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolIsh {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    let parsed = match Option::<BoolIsh>::deserialize(d)? {
        None => return Ok(None),
        Some(BoolIsh::Bool(b)) => Some(b),
        Some(BoolIsh::Int(i)) => crate::rules::types::parse_bool(&i.to_string()),
        Some(BoolIsh::Text(s)) => crate::rules::types::parse_bool(s.trim()),
    };
    parsed
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("must be true or false (or 1/0, yes/no, on/off)"))
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShared {
    name: Option<String>,
    vars: Option<Vec<String>>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    name: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJwt {
    name: Option<String>,
    issuer: Option<String>,
    consumers: Option<Vec<String>>,
    key: Option<String>,
    algorithm: Option<String>,
    alg: Option<String>,
    iss: Option<String>,
    aud: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, RawJwtVars>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJwtVars {
    key: Option<String>,
    algorithm: Option<String>,
    iss: Option<String>,
    aud: Option<String>,
}

/// How many tables of each rule kind a stack may hold (they are written by hand; a
/// generated million would only slow every run).
pub const MAX_RULES: usize = 10_000;

/// How many variables one `[[shared]]` compares, and how many consumers one `[[jwt]]` has.
pub const MAX_RULE_VARS: usize = 1_000;

/// The tables of one rule kind (`[[shared]]`...), each extracted on its own so that every
/// problem is reported: `(index, table)` for each good one.
fn rule_tables<T: serde::de::DeserializeOwned + Default>(
    root: &figment::value::Dict,
    key: &str,
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(usize, T)> {
    let Some(value) = root.get(key) else {
        return Vec::new();
    };
    let Value::Array(_, items) = value else {
        diags.push(ctx.diag(
            &[key],
            format!("`{key}` must be a list of tables, written [[{key}]]"),
        ));
        return Vec::new();
    };
    if items.len() > MAX_RULES {
        diags.push(ctx.diag(
            &[key],
            format!(
                "{} [[{key}]] tables; a stack may hold at most {MAX_RULES}",
                items.len()
            ),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        let at = [key, index.as_str()];
        let Some(table) = item.as_dict() else {
            diags.push(ctx.diag(&at, format!("each [[{key}]] entry must be a table")));
            continue;
        };
        let before = diags.len();
        let parsed: T = lenient(table, &[], &at, ctx, None, diags);
        if diags.len() == before {
            out.push((i, parsed));
        }
    }
    out
}

/// Splits `service.VAR` at the dot after a known service name (a service name may itself
/// hold a dot), else at the first dot.
/// Looked up by name, once per dot of `text`: a stack of many services and many rules stays
/// linear.
fn split_service_var<'t>(
    text: &'t str,
    services: &std::collections::HashSet<&str>,
) -> Option<(&'t str, &'t str)> {
    text.rmatch_indices('.')
        .map(|(i, _)| i)
        .find(|&i| i + 1 < text.len() && services.contains(&text[..i]))
        .map(|i| (&text[..i], &text[i + 1..]))
        .or_else(|| text.split_once('.'))
        .filter(|(s, v)| !s.is_empty() && !v.is_empty())
}

/// Reads `[[shared]]`, `[[link]]` and `[[jwt]]`, with every problem in them at once: wrong
/// shapes, unknown services, a `[[jwt]]` member left with no key variable.
fn extract_rules(
    root: &figment::value::Dict,
    services: &[&str],
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> StackRules {
    let mut rules = StackRules::default();
    let service_set: std::collections::HashSet<&str> = services.iter().copied().collect();
    let path = |parts: &[&str]| -> Vec<String> { parts.iter().map(|s| (*s).to_string()).collect() };
    let origin = |at: &[String]| {
        let (file, pos) = ctx.layout.locate(at, None);
        SourceRef::stack(file, pos.line)
    };
    // Each unknown name is reported once, where it is first used: a generated file naming
    // it a million times must not build a million messages.
    let unknown_reported = std::cell::RefCell::new(std::collections::HashSet::new());
    let known = |name: &str, at: &[String], what: &str, diags: &mut Vec<Diagnostic>| -> bool {
        if service_set.contains(name) {
            return true;
        }
        if !unknown_reported.borrow_mut().insert(name.to_string()) {
            return false;
        }
        // A few names say what the stack defines; a long list would only repeat the file.
        let shown: Vec<&str> = services.iter().copied().take(10).collect();
        let more = if services.len() > shown.len() {
            format!(" and {} more", services.len() - shown.len())
        } else {
            String::new()
        };
        let mut msg = format!(
            "{what} names the service `{name}`, which the stack does not define (it defines: {}{more})",
            shown.join(", ")
        );
        if let Some(best) = ctx.suggest.variable(name) {
            msg.push_str(&format!("; did you mean `{best}`?"));
        }
        let at: Vec<&str> = at.iter().map(String::as_str).collect();
        diags.push(ctx.diag(&at, msg));
        false
    };
    let service_var = |text: &str, at: Vec<String>, what: &str, diags: &mut Vec<Diagnostic>| {
        let Some((service, var)) = split_service_var(text, &service_set) else {
            let refs: Vec<&str> = at.iter().map(String::as_str).collect();
            diags.push(ctx.diag(
                &refs,
                format!("{what}: `{text}` must name a service's variable as \"service.VAR\""),
            ));
            return None;
        };
        known(service, &at, what, diags).then(|| RuleVar {
            service: service.to_string(),
            var: var.to_string(),
            at,
        })
    };

    for (i, raw) in rule_tables::<RawShared>(root, "shared", ctx, diags) {
        let index = i.to_string();
        let at = path(&["shared", &index]);
        let Some(written) = raw.vars else {
            diags.push(ctx.diag(
                &["shared", &index],
                "[[shared]] needs `vars`: the variables that must be identical, as [\"auth.SERVICE_SECRET\", \"backend.SERVICE_SECRET\"]",
            ));
            continue;
        };
        if written.len() > MAX_RULE_VARS {
            diags.push(ctx.diag(
                &["shared", &index, "vars"],
                format!(
                    "[[shared]] `vars` names {} variables; a rule may name at most {MAX_RULE_VARS}",
                    written.len()
                ),
            ));
            continue;
        }
        if written.len() < 2 {
            diags.push(ctx.diag(
                &["shared", &index, "vars"],
                "[[shared]] `vars` must name at least two variables to compare",
            ));
            continue;
        }
        let before = diags.len();
        let vars: Vec<RuleVar> = written
            .iter()
            .enumerate()
            .filter_map(|(j, text)| {
                service_var(
                    text,
                    path(&["shared", &index, "vars", &j.to_string()]),
                    "[[shared]]",
                    diags,
                )
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        for v in &vars {
            if !seen.insert((v.service.as_str(), v.var.as_str())) {
                diags.push(ctx.diag(
                    &v.at.iter().map(String::as_str).collect::<Vec<_>>(),
                    format!("[[shared]] names {}.{} twice", v.service, v.var),
                ));
            }
        }
        if diags.len() == before {
            rules.shared.push(SharedRule {
                origin: origin(&at),
                name: raw.name,
                vars,
                at,
            });
        }
    }

    for (i, raw) in rule_tables::<RawLink>(root, "link", ctx, diags) {
        let index = i.to_string();
        let (Some(from), Some(to)) = (raw.from, raw.to) else {
            diags.push(ctx.diag(
                &["link", &index],
                "[[link]] needs `from` (the URL variable, as \"backend.AUTH_SERVICE_URL\") and `to` (the service it must address)",
            ));
            continue;
        };
        let from = service_var(
            &from,
            path(&["link", &index, "from"]),
            "[[link]] `from`",
            diags,
        );
        let to_known = known(&to, &path(&["link", &index, "to"]), "[[link]] `to`", diags);
        if let (Some(from), true) = (from, to_known) {
            let at = path(&["link", &index]);
            rules.links.push(LinkRule {
                origin: origin(&at),
                name: raw.name,
                from,
                to,
                at,
            });
        }
    }

    for (i, raw) in rule_tables::<RawJwt>(root, "jwt", ctx, diags) {
        let index = i.to_string();
        let at = path(&["jwt", &index]);
        let before = diags.len();
        let (Some(issuer), Some(consumers)) = (raw.issuer, raw.consumers) else {
            diags.push(ctx.diag(
                &["jwt", &index],
                "[[jwt]] needs `issuer` (the service that mints tokens) and `consumers` (the services that verify them)",
            ));
            continue;
        };
        if consumers.len() > MAX_RULE_VARS {
            diags.push(ctx.diag(
                &["jwt", &index, "consumers"],
                format!("[[jwt]] `consumers` names {} services; a group may have at most {MAX_RULE_VARS}", consumers.len()),
            ));
            continue;
        }
        if consumers.is_empty() {
            diags.push(ctx.diag(
                &["jwt", &index, "consumers"],
                "[[jwt]] `consumers` must name at least one service",
            ));
        }
        known(
            &issuer,
            &path(&["jwt", &index, "issuer"]),
            "[[jwt]] `issuer`",
            diags,
        );
        for (j, c) in consumers.iter().enumerate() {
            known(
                c,
                &path(&["jwt", &index, "consumers", &j.to_string()]),
                "[[jwt]] `consumers`",
                diags,
            );
        }
        if raw.algorithm.is_some() && raw.alg.is_some() {
            diags.push(ctx.diag(
                &["jwt", &index, "alg"],
                "[[jwt]] has both `algorithm` (a variable name) and `alg` (a literal algorithm): keep one",
            ));
        }
        if let Some(alg) = raw.alg.as_deref().filter(|a| !JWT_ALGORITHMS.contains(a)) {
            let mut msg = format!(
                "[[jwt]] `alg` must be one of {}, but is `{alg}`",
                JWT_ALGORITHMS.join(", ")
            );
            if let Some(best) = crate::suggest::closest(alg, JWT_ALGORITHMS.iter().copied()) {
                msg.push_str(&format!("; did you mean `{best}`?"));
            }
            diags.push(ctx.diag(&["jwt", &index, "alg"], msg));
        }
        let members: Vec<&String> = std::iter::once(&issuer).chain(&consumers).collect();
        for name in raw.vars.keys().filter(|n| !members.contains(n)) {
            diags.push(ctx.diag(
                &["jwt", &index, "vars", name],
                format!("[jwt.vars.{name}]: {name} is neither the issuer nor a consumer of this [[jwt]]"),
            ));
        }
        let mut group = Vec::new();
        for service in members {
            if !service_set.contains(service.as_str()) {
                continue; // already reported as unknown
            }
            let own = raw.vars.get(service);
            // The variable `what` names for this member, with where it is written: its
            // `[jwt.vars.SERVICE]` entry, else the group's.
            let pick = |what: &str, own_value: Option<&String>, shared: Option<&String>| {
                own_value
                    .map(|v| (v, path(&["jwt", &index, "vars", service, what])))
                    .or_else(|| shared.map(|v| (v, path(&["jwt", &index, what]))))
                    .map(|(var, at)| RuleVar {
                        service: service.clone(),
                        var: var.clone(),
                        at,
                    })
            };
            let Some(key) = pick("key", own.and_then(|o| o.key.as_ref()), raw.key.as_ref()) else {
                diags.push(ctx.diag(
                    &["jwt", &index],
                    format!("[[jwt]]: service {service} is left with no key variable: set `key` in the table, or `key` under [jwt.vars.{service}]"),
                ));
                continue;
            };
            group.push(JwtVars {
                service: service.clone(),
                key,
                algorithm: pick(
                    "algorithm",
                    own.and_then(|o| o.algorithm.as_ref()),
                    raw.algorithm.as_ref(),
                ),
                iss: pick("iss", own.and_then(|o| o.iss.as_ref()), raw.iss.as_ref()),
                aud: pick("aud", own.and_then(|o| o.aud.as_ref()), raw.aud.as_ref()),
                key_encoding: crate::jwt::SecretEncoding::Raw,
                key_algorithm: None,
            });
        }
        if diags.len() == before {
            rules.jwt.push(JwtRule {
                origin: origin(&at),
                name: raw.name,
                issuer,
                consumers,
                alg: raw.alg,
                members: group,
                at,
            });
        }
    }
    rules
}
