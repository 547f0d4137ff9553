//! envgate: a preflight gate for service configuration.
//!
//! The library loads schemas and stack files ([`plan`]), gathers each service's values with
//! their provenance and checks them ([`check`]), and returns a [`report::Report`] that the
//! renderers in [`report`] write to any `io::Write`. It knows nothing about terminals.
#![forbid(unsafe_code)]

pub mod check;
pub mod error;
pub mod finding;
pub mod fsread;
pub mod jwt;
pub mod paths;
pub mod position;
pub mod report;
pub mod rules;
pub mod schema;
pub mod secret;
pub mod sensitivity;
pub mod source;
pub mod stack;
pub mod suggest;

use error::{ConfigError, Diagnostic};
use finding::SourceRef;
use report::{Report, ServiceInfo};
use rules::stack::{ResolvedService, StackRules};
use schema::model::Schema;
use schema::SchemaSource;
use source::{ProcessEnv, SourceSpec};
use stack::{Settings, Stack};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The stack file used when neither `--schema` nor `--config` is given.
pub const DEFAULT_CONFIG: &str = "envgate.toml";

/// What to check, as the command line (or an embedder) selects it.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub schema: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub services: Vec<String>,
    pub env_files: Vec<PathBuf>,
    pub no_process_env: bool,
    /// The run is `explain`: each variable's value is described (length, classes,
    /// fingerprint, or the value itself when it may be shown). A `check` skips that work.
    pub explain: bool,
    /// Settings given as flags; they win over `ENVGATE_*` and `[envgate]`.
    pub flags: Settings,
    /// How many declared variables the plan may keep in validated schemas; `None` is
    /// [`RESIDENT_SCHEMA_VARS`] (every one for `explain`). Past it, schemas are read again
    /// when their service is checked (the report is the same).
    pub resident_schema_vars: Option<usize>,
}

/// How many declared variables a plan keeps in its services' validated schemas (about
/// 450 bytes each): past them, a service's schema is dropped once validated and read again
/// when the service is checked, so that a stack's memory stays flat in its number of
/// services. Small stacks, and `explain`, read each schema once.
pub const RESIDENT_SCHEMA_VARS: usize = 10_000;

/// A service ready to be checked.
#[derive(Debug, Clone)]
pub struct PlannedService {
    /// The service's name: the stack's name for it, else its schema's.
    pub name: String,
    pub schema: PlannedSchema,
    pub sources: SourceSpec,
    /// Names other services use to reach it (default: its own name), and its port: what a
    /// `[[link]]` to it must address.
    pub hosts: Vec<String>,
    pub port: Option<u16>,
    /// Where `hosts`/`port` are written in the stack file.
    pub hosts_origin: Option<SourceRef>,
}

/// A service's schema, validated by [`plan`].
#[derive(Debug, Clone)]
pub enum PlannedSchema {
    /// Kept by the plan (see [`RESIDENT_SCHEMA_VARS`]).
    Kept(Schema),
    /// Dropped once validated, and read again when the service is checked
    /// ([`Plan::schema`]).
    Reread {
        path: PathBuf,
        /// Every file it was read from (its includes, then itself).
        files: Vec<PathBuf>,
        /// What it declared (names, aliases, sensitivity: what the plan decided from), to
        /// see that the file read again is the one validated.
        declared: u64,
    },
}

impl PlannedSchema {
    /// The schema, when the plan kept it.
    pub fn kept(&self) -> Option<&Schema> {
        match self {
            PlannedSchema::Kept(schema) => Some(schema),
            PlannedSchema::Reread { .. } => None,
        }
    }

    /// The schema file.
    pub fn path(&self) -> &Path {
        match self {
            PlannedSchema::Kept(schema) => &schema.path,
            PlannedSchema::Reread { path, .. } => path,
        }
    }

    /// Every file the schema was read from.
    pub fn files(&self) -> &[PathBuf] {
        match self {
            PlannedSchema::Kept(schema) => &schema.files,
            PlannedSchema::Reread { files, .. } => files,
        }
    }
}

/// What a schema declares, as far as the plan's decisions go (the stack's sensitivity table,
/// the rules' variable names): a file read again must declare the same.
fn declared_digest(schema: &Schema) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::hash::DefaultHasher::new();
    schema.service.hash(&mut h);
    schema.vars.len().hash(&mut h);
    for v in &schema.vars {
        v.name.hash(&mut h);
        v.aliases.hash(&mut h);
        v.sensitive.hash(&mut h);
    }
    h.finish()
}

/// Whether a schema has a `jwt` variable with `signed_by = "service.VAR"` (a rule of the
/// stack, bound when the plan is made).
fn has_signed_by(schema: &Schema) -> bool {
    schema
        .vars
        .iter()
        .any(|spec| spec.signed_by_service().is_some())
}

/// Everything a run needs, validated: any problem so far was exit 2.
#[derive(Debug, Clone)]
pub struct Plan {
    pub services: Vec<PlannedService>,
    /// The stack file, if any: with the schemas and env files, what a run reads.
    pub stack: Option<PathBuf>,
    pub profile: Option<String>,
    pub format: Format,
    pub color: ColorChoice,
    pub strict: bool,
    /// Which names hold sensitive values, from the schema of every service of the stack
    /// (those left out by `--service` too, best effort): decided once, before any message
    /// about a value is worded.
    pub sensitivity: sensitivity::Sensitivity,
    /// The stack's cross-service rules, every variable they name declared (exit 2 else).
    pub rules: StackRules,
    /// The run is `explain` (see [`Selection::explain`]).
    pub explain: bool,
}

impl Plan {
    /// A service's validated schema: the one the plan kept, or the file read again. Read
    /// again, it must declare what it declared when the plan validated it (the plan's
    /// decisions rest on that): a file changed in between is an error (exit 2).
    pub fn schema<'p>(
        &self,
        svc: &'p PlannedService,
    ) -> Result<std::borrow::Cow<'p, Schema>, ConfigError> {
        match &svc.schema {
            PlannedSchema::Kept(schema) => Ok(std::borrow::Cow::Borrowed(schema)),
            PlannedSchema::Reread { path, .. } => {
                let schema = SchemaSource::load(path)?
                    .into_schema(Some(&svc.name), self.profile.as_deref())?;
                Self::same_declarations(svc, schema).map(std::borrow::Cow::Owned)
            }
        }
    }

    /// `schema`, read again for `svc`, when it declares what the plan validated.
    fn same_declarations(svc: &PlannedService, schema: Schema) -> Result<Schema, ConfigError> {
        match &svc.schema {
            PlannedSchema::Reread { declared, path, .. }
                if *declared != declared_digest(&schema) =>
            {
                Err(ConfigError::single(Diagnostic::file(
                    path,
                    format!(
                        "the schema of service {} changed while envgate was checking the stack (it no longer declares the variables it did when the run began): run again",
                        svc.name
                    ),
                )))
            }
            _ => Ok(schema),
        }
    }

    /// What the report shows of each variable, so that the check builds that and no more.
    pub fn var_facts(&self) -> check::VarFacts {
        // The JSON report and `explain` list every variable, with its fingerprint.
        let listed = self.explain || self.format == Format::Json;
        check::VarFacts {
            count_only: !listed,
            fingerprints: listed,
            details: self.explain,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Loads the stack or schema, resolves the tool settings and the profile, and validates
/// every schema. The process environment is consulted for `ENVGATE_*` settings.
pub fn plan(selection: &Selection) -> Result<Plan, ConfigError> {
    plan_in(selection, None)
}

/// [`plan`], with the process environment already captured for the run
/// ([`ProcessEnv::capture`], the one its services are then checked against): its names tell
/// whether any `ENVGATE_*` setting is set, without a second copy of the environment. The
/// settings themselves are read from the process environment: `env` must be its capture,
/// not an environment made up for the check (give that one to [`check`] after [`plan`]).
pub fn plan_with_env(selection: &Selection, env: &ProcessEnv) -> Result<Plan, ConfigError> {
    plan_in(selection, Some(env))
}

fn plan_in(selection: &Selection, env: Option<&ProcessEnv>) -> Result<Plan, ConfigError> {
    let stack = match (&selection.schema, &selection.config) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::usage(
                "use either --schema (one service) or --config (a stack), not both",
            ))
        }
        (Some(_), None) => None,
        (None, Some(config)) => Some(Stack::load(config)?),
        (None, None) => {
            let default = Path::new(DEFAULT_CONFIG);
            if !default.exists() {
                return Err(ConfigError::usage(
                    "no envgate.toml in this directory. Check one service with `envgate check --schema FILE`, \
                     point at a stack with `--config FILE`, or create envgate.toml (docs/schema.md shows one)",
                ));
            }
            Some(Stack::load(default)?)
        }
    };
    let settings = resolve_settings(stack.as_ref(), &selection.flags, env)?;
    let profile = settings.profile.clone();

    let mut services = Vec::new();
    let mut rules = StackRules::default();
    // Every declaration of the stack's schemas, added as each one is validated.
    let mut sensitivity = sensitivity::Sensitivity::default();
    let mut known_profiles: Vec<String> = stack.as_ref().map(Stack::profiles).unwrap_or_default();
    match &stack {
        None => {
            let path = selection.schema.clone().unwrap_or_default();
            let source = SchemaSource::load(&path)?;
            known_profiles.extend(source.profiles());
            check_profile(profile.as_deref(), &known_profiles)?;
            let schema = source.into_schema(None, profile.as_deref())?;
            if let Some(unknown) = selection.services.iter().find(|s| **s != schema.service) {
                return Err(ConfigError::usage(format!(
                    "unknown service `{unknown}`: {} declares the service `{}`",
                    path.display(),
                    schema.service
                )));
            }
            sensitivity.add(&schema);
            services.push(PlannedService {
                name: schema.service.clone(),
                hosts: vec![schema.service.clone()],
                port: None,
                hosts_origin: None,
                schema: PlannedSchema::Kept(schema),
                sources: SourceSpec {
                    env_files: selection.env_files.clone(),
                    process_env: !selection.no_process_env,
                    expand_from_process_env: !selection.no_process_env,
                },
            });
        }
        Some(stack) => {
            let all = stack.services(profile.as_deref())?;
            if all.is_empty() {
                return Err(ConfigError::single(stack.diagnostic(
                    &[] as &[&str],
                    "the stack defines no services: add a [services.NAME] table with a `schema`",
                )));
            }
            for wanted in &selection.services {
                if !all.iter().any(|s| &s.name == wanted) {
                    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                    let mut msg = format!(
                        "unknown service `{wanted}`; {} defines: {}",
                        stack.path.display(),
                        names.join(", ")
                    );
                    if let Some(best) = suggest::closest(wanted, names.iter().copied()) {
                        msg.push_str(&format!(" (did you mean `{best}`?)"));
                    }
                    return Err(ConfigError::usage(msg));
                }
            }
            let (selected, unselected): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| {
                selection.services.is_empty() || selection.services.contains(&s.name)
            });
            // Several services may share one schema file: it is loaded once, and dropped
            // after its last service is resolved (a large stack never holds every loaded
            // document at once). The profile is checked once all schemas are known: resolving
            // with a profile a schema does not define is the same as without it.
            let mut uses: HashMap<&Path, usize> = HashMap::new();
            for svc in &selected {
                *uses.entry(svc.schema.as_path()).or_default() += 1;
            }
            let mut sources: HashMap<PathBuf, SchemaSource> = HashMap::new();
            // Schemas the plan keeps: those its rules read (the services they name, and
            // the `signed_by` tokens), and others up to `RESIDENT_SCHEMA_VARS` variables.
            let resident_budget = match selection.resident_schema_vars {
                Some(budget) => budget,
                None if selection.explain => usize::MAX,
                None => RESIDENT_SCHEMA_VARS,
            };
            let mut resident_vars = 0_usize;
            let rule_services: HashSet<&str> = stack
                .rules()
                .vars()
                .map(|v| v.service.as_str())
                .chain(
                    stack
                        .rules()
                        .jwt
                        .iter()
                        .flat_map(|j| j.members.iter().map(|m| m.service.as_str())),
                )
                .collect();
            let mut failed: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
            let mut diags: Vec<Diagnostic> = Vec::new();
            for svc in &selected {
                if !sources.contains_key(&svc.schema) && !failed.contains(&svc.schema) {
                    match SchemaSource::load(&svc.schema) {
                        Ok(s) => {
                            known_profiles.extend(s.profiles());
                            sources.insert(svc.schema.clone(), s);
                        }
                        // A schema file that cannot be read at all: point at the stack line
                        // that names it.
                        Err(e)
                            if e.diagnostics.iter().all(|d| {
                                d.pos.is_none() && d.path.as_deref() == Some(&svc.schema)
                            }) =>
                        {
                            failed.insert(svc.schema.clone());
                            for d in e.diagnostics {
                                diags.push(stack.diagnostic(
                                    &["services", &svc.name, "schema"],
                                    format!(
                                        "service {}: schema {}: {}",
                                        svc.name,
                                        svc.schema.display(),
                                        d.message
                                    ),
                                ));
                            }
                        }
                        Err(e) => {
                            failed.insert(svc.schema.clone());
                            diags.extend(e.diagnostics);
                        }
                    }
                }
                let Some(source) = sources.get(&svc.schema) else {
                    continue;
                };
                match source.resolve(Some(&svc.name), profile.as_deref()) {
                    Ok(schema) => {
                        let mut env_files = svc.env_files.clone();
                        env_files.extend(selection.env_files.iter().cloned());
                        sensitivity.add(&schema);
                        let keep = rule_services.contains(svc.name.as_str())
                            || has_signed_by(&schema)
                            || resident_vars.saturating_add(schema.vars.len()) <= resident_budget;
                        let schema = if keep {
                            resident_vars = resident_vars.saturating_add(schema.vars.len());
                            PlannedSchema::Kept(schema)
                        } else {
                            PlannedSchema::Reread {
                                declared: declared_digest(&schema),
                                path: schema.path,
                                files: schema.files,
                            }
                        };
                        services.push(PlannedService {
                            name: svc.name.clone(),
                            schema,
                            sources: SourceSpec {
                                env_files,
                                process_env: svc.process_env && !selection.no_process_env,
                                expand_from_process_env: !selection.no_process_env,
                            },
                            hosts: svc.hosts.clone(),
                            port: svc.port,
                            hosts_origin: Some(svc.hosts_origin.clone()),
                        });
                    }
                    Err(e) => diags.extend(e.diagnostics),
                }
                let left = uses.get_mut(svc.schema.as_path()).map_or(0, |n| {
                    *n -= 1;
                    *n
                });
                if left == 0 {
                    sources.remove(&svc.schema);
                }
            }
            // Every schema's problems at once, and an unknown profile once they are all known.
            // (Only when every schema loaded: one that did not may define the profile.)
            if failed.is_empty() {
                if let Err(e) = check_profile(profile.as_deref(), &known_profiles) {
                    diags.extend(e.diagnostics);
                }
            }
            // Every variable a rule names must be declared by its service's schema (an
            // alias stands for its variable). Services left out by `--service` are not
            // loaded: their rules are skipped.
            if diags.is_empty() {
                let mut checked = stack.rules().clone();
                // The services a `signed_by` names sign for others: their key variables'
                // declarations are read again if the plan did not keep them.
                let signers: HashSet<&str> = services
                    .iter()
                    .filter_map(|s| s.schema.kept())
                    .flat_map(|schema| &schema.vars)
                    .filter_map(|spec| Some(spec.signed_by_service()?.0))
                    .collect();
                let mut signer_schemas = Vec::new();
                for svc in services
                    .iter()
                    .filter(|s| s.schema.kept().is_none() && signers.contains(s.name.as_str()))
                {
                    match SchemaSource::load(svc.schema.path())
                        .and_then(|source| source.resolve(Some(&svc.name), profile.as_deref()))
                    {
                        Ok(schema) => signer_schemas.push(schema),
                        Err(e) => diags.extend(e.diagnostics),
                    }
                }
                let by_name: HashMap<&str, &Schema> = services
                    .iter()
                    .filter_map(|s| s.schema.kept())
                    .chain(&signer_schemas)
                    .map(|s| (s.service.as_str(), s))
                    .collect();
                // Suggestions for the first misses only: a hostile stack may name millions.
                let suggested = std::cell::Cell::new(0_usize);
                let lookup = |service: &str, var: &str| {
                    let schema = by_name.get(service)?;
                    Some(
                        schema
                            .vars
                            .iter()
                            .find(|v| v.name == var || v.aliases.iter().any(|a| a == var))
                            .map(|v| v.name.clone())
                            .ok_or_else(|| {
                                suggested.set(suggested.get() + 1);
                                (suggested.get() <= 50)
                                    .then(|| {
                                        suggest::closest(
                                            var,
                                            schema.vars.iter().map(|v| v.name.as_str()),
                                        )
                                    })
                                    .flatten()
                                    .map(str::to_string)
                            }),
                    )
                };
                diags.extend(stack.resolve_rule_names(&mut checked, &lookup));
                checked.bind_schemas(&by_name);
                // `signed_by = "service.VAR"` must name a service of the stack (one left out
                // by `--service` is skipped this run; one the stack lacks is a mistake).
                let in_stack: HashSet<&str> = selected
                    .iter()
                    .chain(&unselected)
                    .map(|s| s.name.as_str())
                    .collect();
                for schema in by_name.values() {
                    for spec in &schema.vars {
                        if let Some((service, var)) = spec.signed_by_service() {
                            if !in_stack.contains(service) {
                                diags.push(Diagnostic::file(
                                    &schema.path,
                                    format!(
                                        "{}: `signed_by = \"{service}.{var}\"` names the service `{service}`, which {} does not define",
                                        spec.name,
                                        stack.path.display()
                                    ),
                                ));
                            }
                        }
                    }
                }
                rules = checked;
            }
            // The rules' own problems (an unknown service) with their variables' (an
            // undeclared name) and the schemas': every problem at once.
            diags.extend(stack.rule_errors().iter().cloned());
            if !diags.is_empty() {
                return Err(error::sorted(diags).into());
            }
            // A service left out by `--service` may still read the same env files and hold
            // a secret under a name the selected ones think plain: its declarations count
            // for what may be shown. Best effort (it is not checked): a schema that does not
            // load leaves its names unknown, and unknown names are sensitive anyway.
            // One file at a time (consecutive services sharing one read it once): a large
            // stack narrowed by `--service` does not hold every other schema.
            let mut last: Option<(&Path, Option<SchemaSource>)> = None;
            for svc in &unselected {
                let source = match last.take() {
                    Some((path, source)) if path == svc.schema => source,
                    _ => SchemaSource::load(&svc.schema).ok(),
                };
                if let Some(Ok(schema)) = source
                    .as_ref()
                    .map(|s| s.resolve(Some(&svc.name), profile.as_deref()))
                {
                    sensitivity.add(&schema);
                }
                last = Some((&svc.schema, source));
            }
        }
    }

    Ok(Plan {
        rules,
        sensitivity,
        stack: stack.as_ref().map(|s| s.path.clone()),
        services,
        profile,
        format: settings.format,
        color: settings.color,
        strict: settings.strict,
        explain: selection.explain,
    })
}

fn check_profile(profile: Option<&str>, known: &[String]) -> Result<(), ConfigError> {
    let Some(p) = profile else { return Ok(()) };
    if known.iter().any(|k| k == p) {
        return Ok(());
    }
    let mut known: Vec<&str> = known.iter().map(String::as_str).collect();
    known.sort_unstable();
    known.dedup();
    let mut msg = if known.is_empty() {
        format!("unknown profile `{p}`: the stack and its schemas define no profiles")
    } else {
        format!(
            "unknown profile `{p}`; known profiles: {}",
            known.join(", ")
        )
    };
    if let Some(best) = suggest::closest(p, known.iter().copied()) {
        msg.push_str(&format!(" (did you mean `{best}`?)"));
    }
    Err(ConfigError::usage(msg))
}

/// Tool settings after layering and validation.
struct ResolvedSettings {
    format: Format,
    color: ColorChoice,
    strict: bool,
    profile: Option<String>,
}

/// `[envgate]` in the stack file, then `ENVGATE_*` variables, then flags: figment layers
/// them and remembers which one supplied each value, so a bad one is reported where it is
/// written (file, line and column, or the variable's name).
fn resolve_settings(
    stack: Option<&Stack>,
    flags: &Settings,
    env: Option<&ProcessEnv>,
) -> Result<ResolvedSettings, ConfigError> {
    use figment::providers::{Env, Serialized};
    let mut fig = figment::Figment::new();
    if let Some(stack) = stack {
        fig = fig.merge(stack.settings_figment());
    }
    // figment's `Env` provider converts every variable of the environment; most runs set no
    // `ENVGATE_*` one, and then it would add nothing. It matches the prefix as it does:
    // without case, after trimming the name.
    let is_setting = |name: &str| {
        name.trim()
            .get(.."ENVGATE_".len())
            .is_some_and(|p| p.eq_ignore_ascii_case("ENVGATE_"))
    };
    let any_setting = match env {
        // Names that are not UTF-8 are not captured: figment's provider skips them too.
        Some(env) => env.iter().any(|(name, _)| is_setting(name)),
        None => std::env::vars_os().any(|(name, _)| is_setting(&name.to_string_lossy())),
    };
    if any_setting {
        fig = fig.merge(Env::prefixed("ENVGATE_").only(&["format", "profile", "strict", "color"]));
    }
    // Without a stack file or an `ENVGATE_*` variable the flags are all there is: figment
    // would hand them back as they are (and clap has already checked them).
    let layered = stack.is_some() || any_setting;
    if layered {
        fig = fig.merge(Serialized::defaults(flags));
    }
    let at = |key: &str, message: String| -> ConfigError {
        let meta = fig.find_metadata(key);
        match (stack, meta.and_then(|m| m.source.as_ref())) {
            (Some(stack), Some(figment::Source::File(_))) => ConfigError::single(
                stack.diagnostic(&["envgate", key], format!("[envgate] {message}")),
            ),
            _ if meta.is_some_and(|m| m.name.contains("environment")) => {
                ConfigError::usage(format!("ENVGATE_{}: {message}", key.to_ascii_uppercase()))
            }
            _ => ConfigError::usage(message),
        }
    };
    // `ENVGATE_STRICT must be ...`, `[envgate] `strict` must be ...`: the setting named as
    // the user wrote it, then what is wrong with it.
    let named = |key: &str, rest: &str| -> ConfigError {
        let from_env = fig
            .find_metadata(key)
            .is_some_and(|m| m.name.contains("environment"));
        if from_env {
            ConfigError::usage(format!("ENVGATE_{} {rest}", key.to_ascii_uppercase()))
        } else {
            at(key, format!("`{key}` {rest}"))
        }
    };
    let settings: Settings = if layered {
        fig.extract().map_err(|e| {
            use figment::error::Kind;
            let key = e.path.last().cloned().unwrap_or_default();
            match &e.kind {
                Kind::UnknownField(field, _) => {
                    let mut msg = format!("unknown setting `{field}`");
                    if let Some(best) =
                        suggest::closest(field, ["format", "profile", "strict", "color"])
                    {
                        msg.push_str(&format!("; did you mean `{best}`?"));
                    }
                    msg.push_str(" (settings: format, profile, strict, color)");
                    at(field, msg)
                }
                // Whatever the deserializer said (it may name an internal type), `strict` is a
                // yes/no setting: say so, with the value as written.
                _ if key == "strict" => named(
                    &key,
                    &format!(
                        "must be true or false (got {}); 1/0, yes/no and on/off work too",
                        setting_as_written(&fig, &key)
                    ),
                ),
                Kind::Message(m) => named(&key, m),
                Kind::InvalidType(_, expected) => named(&key, &format!("must be {expected}")),
                _ => named(&key, "has an invalid value"),
            }
        })?
    } else {
        flags.clone()
    };
    let format = match settings.format.as_deref() {
        None | Some("human") => Format::Human,
        Some("json") => Format::Json,
        Some(other) => {
            return Err(at(
                "format",
                format!("unknown format `{other}` (formats: human, json)"),
            ))
        }
    };
    let color = match settings.color.as_deref() {
        None | Some("auto") => ColorChoice::Auto,
        Some("always") => ColorChoice::Always,
        Some("never") => ColorChoice::Never,
        Some(other) => {
            return Err(at(
                "color",
                format!("unknown color choice `{other}` (auto, always, never)"),
            ))
        }
    };
    /// A setting's value as the user wrote it, for an error message: a settings value, never a
    /// secret, but still capped and with control characters escaped.
    fn setting_as_written(fig: &figment::Figment, key: &str) -> String {
        use figment::value::Value;
        const SHOWN_CHARS: usize = 40;
        let from_env = fig
            .find_metadata(key)
            .is_some_and(|m| m.name.contains("environment"));
        let text = if from_env {
            std::env::var_os(format!("ENVGATE_{}", key.to_ascii_uppercase()))
                .map(|v| v.to_string_lossy().into_owned())
        } else {
            match fig.find_value(key) {
                Ok(Value::String(_, s)) => Some(s),
                Ok(Value::Char(_, c)) => Some(c.to_string()),
                Ok(Value::Bool(_, b)) => Some(b.to_string()),
                Ok(Value::Num(_, n)) => n
                    .to_i128()
                    .map(|i| i.to_string())
                    .or_else(|| n.to_f64().map(|f| f.to_string())),
                Ok(Value::Dict(..)) => return String::from("a table"),
                Ok(Value::Array(..)) => return String::from("an array"),
                Ok(Value::Empty(..)) | Err(_) => None,
            }
        };
        let Some(text) = text else {
            return String::from("an invalid value");
        };
        let mut shown: String = text
            .chars()
            .take(SHOWN_CHARS)
            .flat_map(|c| {
                if c.is_control() {
                    c.escape_debug().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect();
        if text.chars().count() > SHOWN_CHARS {
            shown.push('…');
        }
        format!("`{shown}`")
    }

    Ok(ResolvedSettings {
        format,
        color,
        strict: settings.strict.unwrap_or(false),
        profile: settings.profile.filter(|p| !p.is_empty()),
    })
}

impl Plan {
    /// Whether the run reads `path` (stack, schema, include or env file): a report must
    /// never be written over one of them.
    pub fn reads(&self, path: &Path) -> bool {
        let Ok(target) = std::fs::canonicalize(path) else {
            return false; // does not exist yet: cannot be an input
        };
        let same = |p: &Path| std::fs::canonicalize(p).is_ok_and(|c| c == target);
        self.stack.as_deref().is_some_and(same)
            || self.services.iter().any(|s| {
                s.schema.files().iter().any(|f| same(f))
                    || s.sources.env_files.iter().any(|f| same(f))
            })
    }
}

/// The system clock in Unix seconds, read once per run by its entry point.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Resolves and checks every planned service, then runs the stack's cross-service rules
/// over the resolved services: resolve → check → stack rules. Only the values the rules
/// name are kept past their service's check, and of each variable's report only what the
/// format shows: `explain` keeps them all ([`Report::vars`]), the JSON report writes them
/// out as they come ([`report::json::VarSpool`]), the human report counts them. Memory
/// stays flat in the number of services.
///
/// An error (exit 2) only when a schema the plan did not keep cannot be read again as it
/// was validated ([`Plan::schema`]).
pub fn check(plan: &Plan, env: &ProcessEnv, cwd: &Path) -> Result<Report, ConfigError> {
    let mut findings = Vec::new();
    let mut vars = Vec::new();
    let mut spool =
        (plan.format == Format::Json && !plan.explain).then(report::json::VarSpool::new);
    let mut secret_files: Vec<PathBuf> = Vec::new();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut infos = Vec::new();
    let mut resolved = Vec::new();
    // One time for the whole run: every token and probe is judged against the same instant.
    let now = unix_now();
    for resolved_service in resolve_services(plan, env, cwd, now) {
        let (svc, result, service) = resolved_service?;
        infos.push(ServiceInfo {
            name: svc.name.clone(),
            schema: svc.schema.path().to_path_buf(),
            vars: result.checked,
        });
        for path in &result.secret_files {
            if seen_files.insert(path.to_path_buf()) {
                secret_files.push(path.to_path_buf());
            }
        }
        for var in result.vars {
            match &mut spool {
                // A variable a rule names may have its status raised by the rule's findings.
                Some(spool) if service.values.contains_key(&var.name) => spool.hold(var),
                Some(spool) => spool.push(&var),
                None if plan.explain => vars.push(var),
                None => {}
            }
        }
        findings.extend(result.findings);
        if !plan.rules.is_empty() {
            resolved.push(service);
        }
    }
    let mut checks = Vec::new();
    if !plan.rules.is_empty() {
        let outcome = rules::stack::run(&plan.rules, &resolved, now);
        checks = outcome.checks;
        let rule_findings = apply_rule_settings(plan, outcome.findings)?;
        let held = spool.iter_mut().flat_map(report::json::VarSpool::held_mut);
        raise_statuses(&rule_findings, vars.iter_mut().chain(held));
        findings.extend(rule_findings);
    }
    if let Some(spool) = &mut spool {
        spool.finish();
    }
    let mut report = Report::new(
        infos,
        plan.stack.clone(),
        findings,
        vars,
        checks,
        plan.profile.clone(),
        plan.strict,
    );
    report.var_spool = spool;
    report.secret_files = secret_files;
    Ok(report)
}

/// Gathers and checks each planned service in turn (resolve → check), keeping the values the
/// stack rules name as a [`ResolvedService`] (its `kept` moved there, `has_errors` set): what
/// [`check`] runs the rules over, and what `envgate token` verifies a token with. Lazy: one
/// service's values at a time, one read budget for the run.
pub fn resolve_services<'a>(
    plan: &'a Plan,
    env: &'a ProcessEnv,
    cwd: &'a Path,
    now: i64,
) -> impl Iterator<
    Item = Result<(&'a PlannedService, check::ServiceResult, ResolvedService), ConfigError>,
> + 'a {
    let mut wanted: HashMap<&str, HashSet<&str>> = HashMap::new();
    for v in plan.rules.vars() {
        wanted
            .entry(v.service.as_str())
            .or_default()
            .insert(v.var.as_str());
    }
    let mut budget = source::ReadBudget::default();
    // The last schema file read again: consecutive services sharing one read it once.
    let mut last_read: Option<SchemaSource> = None;
    plan.services.iter().map(move |svc| {
        let schema = match &svc.schema {
            PlannedSchema::Kept(schema) => std::borrow::Cow::Borrowed(schema),
            PlannedSchema::Reread { path, .. } => {
                let source = match last_read.take() {
                    Some(source) if source.path == *path => source,
                    _ => SchemaSource::load(path)?,
                };
                let schema = source.resolve(Some(&svc.name), plan.profile.as_deref())?;
                last_read = Some(source);
                std::borrow::Cow::Owned(Plan::same_declarations(svc, schema)?)
            }
        };
        let gathered = source::gather(
            &svc.sources,
            env,
            cwd,
            &schema.vars,
            &plan.sensitivity,
            &mut budget,
        );
        let nothing = HashSet::new();
        let keep = wanted.get(svc.name.as_str()).unwrap_or(&nothing);
        let mut result = check::check_service(
            &schema,
            &gathered,
            plan.profile.as_deref(),
            &plan.sensitivity,
            keep,
            now,
            plan.var_facts(),
        );
        let mut kept = std::mem::take(&mut result.kept);
        for v in &mut kept {
            v.has_errors = result
                .findings
                .iter()
                .any(|f| f.severity == rules::Severity::Error && f.var.as_deref() == Some(&v.var));
        }
        let service = ResolvedService {
            name: svc.name.clone(),
            hosts: svc.hosts.clone(),
            port: svc.port,
            hosts_origin: svc.hosts_origin.clone(),
            values: kept.into_iter().map(|v| (v.var.clone(), v)).collect(),
        };
        Ok((svc, result, service))
    })
}

/// `[severity]` and `allow` for the findings of the stack rules, from the schema of the
/// service each is reported on (the stack's own findings keep their default).
fn apply_rule_settings(
    plan: &Plan,
    findings: Vec<finding::Finding>,
) -> Result<Vec<finding::Finding>, ConfigError> {
    let mut out = Vec::with_capacity(findings.len());
    let by_name: HashMap<&str, &PlannedService> =
        plan.services.iter().map(|s| (s.name.as_str(), s)).collect();
    for f in findings {
        let service = by_name.get(f.service.as_str()).copied();
        match service {
            Some(service) => {
                out.extend(check::apply_schema_settings(
                    vec![f],
                    &*plan.schema(service)?,
                    plan.profile.as_deref(),
                ));
            }
            None => out.push(finding::Finding {
                profile: plan.profile.clone(),
                ..f
            }),
        }
    }
    Ok(out)
}

/// A variable's status reflects the stack rules' findings about it too.
fn raise_statuses<'v>(
    findings: &[finding::Finding],
    vars: impl Iterator<Item = &'v mut report::VarReport>,
) {
    let mut worst: HashMap<(&str, &str), rules::Severity> = HashMap::new();
    for f in findings {
        if let Some(var) = f.var.as_deref() {
            let w = worst.entry((f.service.as_str(), var)).or_insert(f.severity);
            *w = (*w).max(f.severity);
        }
    }
    if worst.is_empty() {
        return;
    }
    for v in vars {
        if let Some(&severity) = worst.get(&(v.service.as_str(), v.name.as_str())) {
            v.status = v.status.raised_by(severity);
        }
    }
}
