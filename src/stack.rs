//! The stack file, `envgate.toml` (SPEC section 5): services, where each one's values come
//! from, profiles, and the `[envgate]` tool settings.

use crate::error::{ConfigError, Diagnostic};
use crate::schema::document::Document;
use crate::schema::figment_error;
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
#[derive(Clone)]
pub struct Stack {
    pub path: PathBuf,
    doc: Document,
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
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut doc = Document::load(path)?;
        if doc.root.contains_key("vars") && !doc.root.contains_key("services") {
            return Err(ConfigError::single(doc.diagnostic(
                &["vars"],
                "this looks like a schema (it has [vars]), not a stack file: check it with --schema FILE",
            )));
        }
        let figment = Figment::from(doc.take_provider());
        let raw: RawStack = figment
            .extract()
            .map_err(|e| figment_error(&e, std::slice::from_ref(&doc), &figment, None))?;
        let stack = Self {
            path: path.to_path_buf(),
            doc,
            figment,
            raw,
        };
        stack.reject_unsupported()?;
        // Every profile is checked now, not only the selected one, and all at once: its
        // tables were validated with the file; what is left is services it names that the
        // stack does not define.
        let mut diags = Vec::new();
        for (p, overlay) in &stack.raw.profiles {
            for name in overlay
                .services
                .keys()
                .filter(|n| !stack.raw.services.contains_key(*n))
            {
                diags.push(stack.doc.diagnostic(
                    &["profiles", p, "services", name],
                    format!(
                        "profile {p} configures service {name}, which the stack does not define"
                    ),
                ));
            }
        }
        if !diags.is_empty() {
            return Err(diags.into());
        }
        Ok(stack)
    }

    /// Cross-service rules and compose sources come in a later version; accepting them
    /// silently would report a stack as checked when it was not.
    fn reject_unsupported(&self) -> Result<(), ConfigError> {
        let mut diags = Vec::new();
        let rules = [
            ("jwt", &self.raw.jwt),
            ("shared", &self.raw.shared),
            ("link", &self.raw.link),
        ];
        for (key, _) in rules.iter().filter(|(_, value)| value.is_some()) {
            diags.push(self.doc.diagnostic(
                &[*key],
                format!("cross-service rules ([[{key}]]) are not supported by this version of envgate yet; remove them to check the services one by one"),
            ));
        }
        for (name, svc) in &self.raw.services {
            if svc.compose.is_some() {
                diags.push(self.doc.diagnostic(
                    &["services", name, "compose"],
                    format!("service {name}: compose sources are not supported by this version of envgate yet; use env_files"),
                ));
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags.into())
        }
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
        let layered = match profile.filter(|p| self.raw.profiles.contains_key(*p)) {
            Some(p) => self
                .figment
                .clone()
                .merge(self.figment.focus(&format!("profiles.{p}"))),
            None => self.figment.clone(),
        };
        let raw: RawStack = layered
            .extract()
            .map_err(|e| figment_error(&e, std::slice::from_ref(&self.doc), &layered, profile))?;
        let base = self.path.parent().unwrap_or(Path::new(""));
        let mut diags = Vec::new();
        let mut services = Vec::new();
        for (name, svc) in raw.services {
            if let Some(p) = profile.filter(|_| !self.raw.services.contains_key(&name)) {
                diags.push(self.doc.diagnostic(
                    &["profiles", p, "services", &name],
                    format!(
                        "profile {p} configures service {name}, which the stack does not define"
                    ),
                ));
                continue;
            }
            let Some(schema) = svc.schema else {
                diags.push(self.doc.diagnostic(
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
            self.doc
                .exact_position(&["services", s.name.as_str()])
                .unwrap_or_default()
        });
        Ok(services)
    }

    pub fn diagnostic(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        self.doc.diagnostic(path, message)
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
