//! The stack file, `envgate.toml` (SPEC section 5): services, where each one's values come
//! from, profiles, and the `[envgate]` tool settings.

use crate::error::{ConfigError, Diagnostic};
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
    jwt: Option<figment::value::Value>,
    shared: Option<figment::value::Value>,
    link: Option<figment::value::Value>,
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
}

/// A loaded stack file before a profile is chosen.
pub struct Stack {
    pub path: PathBuf,
    layout: Layout,
    root: Value,
    /// The same values, for the `[envgate]` settings (figment remembers the file).
    figment: Figment,
    raw: RawStack,
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
        let mut doc = Document::load(path)?;
        if doc.root.contains_key("vars") && !doc.root.contains_key("services") {
            return Err(ConfigError::single(doc.diagnostic(
                &["vars"],
                "this looks like a schema (it has [vars]), not a stack file: check it with --schema FILE",
            )));
        }
        let root = Value::Dict(Tag::Default, doc.root.clone());
        let figment = Figment::from(doc.take_provider());
        let (layout, _) = Layout::new(vec![doc]);
        let raw = extract_stack(&root, &layout).map_err(ConfigError::from)?;
        Ok(Self {
            path: path.to_path_buf(),
            layout,
            root,
            figment,
            raw,
        })
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
            services.push(StackService {
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

    pub fn diagnostic(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        self.layout.diagnostic(path, message)
    }
}

/// The stack's tables, with every problem in them at once, in file order: unknown keys,
/// wrong types, unknown service fields, profiles of unknown services, unsupported tables.
fn extract_stack(root: &Value, layout: &Layout) -> Result<RawStack, Vec<Diagnostic>> {
    let empty = figment::value::Dict::new();
    let table = root.as_dict().unwrap_or(&empty);
    let service_names: Vec<&str> = table
        .get("services")
        .and_then(Value::as_dict)
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let suggest = Suggester::new(service_names);
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
        Ok(raw)
    } else {
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

/// Cross-service rules and compose sources come in a later version; accepting them
/// silently would report a stack as checked when it was not.
fn reject_unsupported(raw: &RawStack, ctx: &Locator<'_, '_>, diags: &mut Vec<Diagnostic>) {
    let rules = [
        ("jwt", &raw.jwt),
        ("shared", &raw.shared),
        ("link", &raw.link),
    ];
    for (key, _) in rules.iter().filter(|(_, value)| value.is_some()) {
        diags.push(ctx.diag(
            &[*key],
            format!("cross-service rules ([[{key}]]) are not supported by this version of envgate yet; remove them to check the services one by one"),
        ));
    }
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
