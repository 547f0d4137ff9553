//! Schema files (SPEC section 3): loading with includes and profiles, then validation into
//! the checked [`model::Schema`]. Any problem here is a [`ConfigError`] (exit 2) with file,
//! line and column; every problem of every variable is reported at once, in file order.

pub mod document;
pub mod model;
mod plain;
pub mod raw;
pub mod value_type;

use crate::error::{ConfigError, Diagnostic, Pos};
use crate::rules::{Code, Severity};
use document::{Document, Layout};
use figment::value::{Dict, Tag, Value};
use model::{
    Credentials, Encoding, JwtKeyRules, JwtRules, KeyAlgorithm, KeyEncoding, Pattern, Schema,
    SignedBy, TextRules, UrlRules, VarKind, VarSpec,
};
use raw::{RawProfile, RawSchema, RawVar};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use value_type::{ValueType, COMMON_ATTRS, JWT_ALGORITHMS};

/// How deep `include` may nest before it is treated as a mistake.
const MAX_INCLUDE_DEPTH: usize = 32;

/// A schema file with its includes merged, before a profile is chosen.
pub struct SchemaSource {
    pub path: PathBuf,
    layout: Layout,
    /// Includes first (depth-first), this file last, merged: later files win.
    root: Value,
    raw: RawLayer,
}

/// A layered schema as written: the top level, and every variable extracted on its own.
struct RawLayer {
    /// The file's top level, with variable names but not their attributes.
    top: raw::RawOutline,
    vars: BTreeMap<String, RawVar>,
    /// Each profile's overlays, for validating every profile without re-merging the file.
    overlays: raw::Overlays<RawVar>,
    /// Structural problems (unknown keys, wrong types), reported with the semantic problems
    /// of every variable, all at once.
    problems: Vec<Diagnostic>,
    /// The variables, validated as they were read, when the file was read in one pass
    /// ([`SchemaSource::load_plain`]; `vars` and the outline's `vars` are then empty).
    validated: Option<Validated>,
}

/// A schema read in one pass and validated as it was read: nothing left to check.
struct Validated {
    /// In declaration order.
    vars: Vec<VarSpec>,
    severity: HashMap<Code, Severity>,
}

/// Most comparisons "did you mean" may make for one schema (variable names, attributes,
/// keys and codes): thousands of mistakes against thousands of names stay fast, and the
/// messages past the budget simply stop suggesting (a note says so, once).
const SUGGESTION_BUDGET: usize = 100_000;
/// Names longer than this get no suggestion (a comparison costs the product of lengths).
const MAX_SUGGESTED_NAME: usize = 64;

/// Near-miss suggestions for one schema or stack file, under one budget.
pub struct Suggester<'a> {
    /// Declared variable names, indexed on first use.
    names: Vec<&'a str>,
    index: OnceCell<crate::suggest::Index<'a>>,
    budget: Cell<usize>,
    cut_short: Cell<bool>,
}

impl<'a> Suggester<'a> {
    pub fn new(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            names: names.into_iter().collect(),
            index: OnceCell::new(),
            budget: Cell::new(SUGGESTION_BUDGET),
            cut_short: Cell::new(false),
        }
    }

    /// The declared variable closest to `name` (none for names of one or two characters:
    /// any other short name is "close").
    pub fn variable(&self, name: &str) -> Option<&'a str> {
        if name.len() > MAX_SUGGESTED_NAME || name.chars().count() < 3 {
            return None;
        }
        let index = self.index.get_or_init(|| {
            crate::suggest::Index::new(self.names.iter().copied(), SUGGESTION_BUDGET)
        });
        let best = index.closest(name);
        if index.exhausted() {
            self.cut_short.set(true);
        }
        best
    }

    /// The closest of a few fixed words (attributes, keys, codes, types), charged to the
    /// same budget.
    pub fn word<'w>(&self, name: &str, words: &[&'w str]) -> Option<&'w str> {
        if name.len() > MAX_SUGGESTED_NAME {
            return None;
        }
        let cost = words.len();
        if self.budget.get() < cost {
            self.cut_short.set(true);
            return None;
        }
        self.budget.set(self.budget.get() - cost);
        crate::suggest::Index::new(words.iter().copied(), cost).closest(name)
    }

    /// The note for the end of the report, when some suggestion was left out.
    pub fn note(&self, file: &Path) -> Option<Diagnostic> {
        self.cut_short.get().then(|| {
            Diagnostic::file(
                file,
                "there are too many mistakes to suggest corrections for all of them (suggestions were cut short); fix these and run again",
            )
        })
    }
}

/// Where diagnostics point: the merged files' layout, under the profile being resolved.
pub struct Locator<'a, 's> {
    pub layout: &'a Layout,
    pub profile: Option<&'a str>,
    pub suggest: &'a Suggester<'s>,
}

impl Locator<'_, '_> {
    pub fn diag(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        let (file, pos) = self.layout.locate(path, self.profile);
        Diagnostic::at(&file, pos, message)
    }
}

/// Deserializes `table` into `T` (every field optional) one key at a time, so that every
/// bad key is reported, not only the first; the keys that are fine on their own are then
/// read together. `skip`: keys the caller extracts itself (nested tables). Linear.
pub fn lenient<T: serde::de::DeserializeOwned + Default>(
    table: &Dict,
    skip: &[&str],
    at: &[&str],
    ctx: &Locator<'_, '_>,
    var_type: Option<ValueType>,
    diags: &mut Vec<Diagnostic>,
) -> T {
    let mut good = Dict::new();
    for (key, value) in table.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
        let single = Value::Dict(Tag::Default, Dict::from([(key.clone(), value.clone())]));
        match single.deserialize::<T>() {
            Ok(_) => {
                good.insert(key.clone(), value.clone());
            }
            Err(e) => diags.extend(describe_error(&e, at, ctx, var_type)),
        }
    }
    Value::Dict(Tag::Default, good)
        .deserialize()
        .unwrap_or_default()
}

/// The type whose attributes a variable's table is checked against: its `type` when known,
/// else the type that was most likely meant; `None` when there is no telling.
fn effective_type(written: &str, suggest: &Suggester<'_>) -> Option<ValueType> {
    ValueType::parse(written).or_else(|| {
        suggest
            .word(written, ValueType::NAMES)
            .and_then(ValueType::parse)
    })
}

/// Every variable of a `vars` table (at `at`), each extracted on its own. `base`: the
/// schema's own variables, whose `type` an overlay inherits.
fn extract_vars(
    value: Option<&Value>,
    at: &[&str],
    base: Option<&Dict>,
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, RawVar> {
    let mut out = BTreeMap::new();
    let Some(value) = value else {
        return out;
    };
    let Some(table) = value.as_dict() else {
        diags.push(ctx.diag(
            at,
            format!("`{}` must be a table of variables", at.join(".")),
        ));
        return out;
    };
    for (name, value) in table {
        let mut path = at.to_vec();
        path.push(name);
        let Some(attrs) = value.as_dict() else {
            diags.push(ctx.diag(
                &path,
                format!(
                    "variable {} must be a table of attributes, e.g. [vars.NAME] type = \"string\"",
                    model::shown_name(name)
                ),
            ));
            continue;
        };
        let written = attrs.get("type").or_else(|| {
            base.and_then(|b| b.get(name.as_str()))
                .and_then(Value::as_dict)
                .and_then(|d| d.get("type"))
        });
        let var_type = match written {
            Some(t) => t.as_str().and_then(|t| effective_type(t, ctx.suggest)),
            None => Some(ValueType::String),
        };
        let var: RawVar = lenient(attrs, &[], &path, ctx, var_type, diags);
        out.insert(name.clone(), var);
    }
    out
}

/// Extracts the top level, then each variable (and each profile's variables) separately,
/// collecting every structural problem instead of stopping at the first. `with_overlays`:
/// also report the profiles' own problems (not when a profile is already merged in, which
/// would report them twice).
fn extract_layer(root: &Value, ctx: &Locator<'_, '_>, with_overlays: bool) -> RawLayer {
    // The common case in one pass: everything extracts.
    if let Ok(whole) = root.deserialize::<RawSchema<RawVar>>() {
        let (top, vars, overlays) = whole.split();
        return RawLayer {
            top,
            vars,
            overlays,
            problems: Vec::new(),
            validated: None,
        };
    }
    let empty = Dict::new();
    let table = root.as_dict().unwrap_or(&empty);
    let mut diags = Vec::new();
    let mut whole: RawSchema<RawVar> =
        lenient(table, &["vars", "profiles"], &[], ctx, None, &mut diags);
    let base = table.get("vars").and_then(Value::as_dict);
    whole.vars = extract_vars(table.get("vars"), &["vars"], None, ctx, &mut diags);
    match table.get("profiles").map(|v| (v, v.as_dict())) {
        None => {}
        Some((_, None)) => {
            diags.push(ctx.diag(&["profiles"], "`profiles` must be a table of profiles"));
        }
        Some((_, Some(profiles))) => {
            for (p, value) in profiles {
                let at = ["profiles", p.as_str()];
                let Some(ptable) = value.as_dict() else {
                    diags.push(ctx.diag(&at, format!("profile {p} must be a table")));
                    continue;
                };
                let mut own = Vec::new();
                let mut profile: RawProfile<RawVar> =
                    lenient(ptable, &["vars"], &at, ctx, None, &mut own);
                profile.vars = extract_vars(
                    ptable.get("vars"),
                    &["profiles", p, "vars"],
                    base,
                    ctx,
                    &mut own,
                );
                if with_overlays {
                    diags.append(&mut own);
                }
                whole.profiles.insert(p.clone(), profile);
            }
        }
    }
    let (top, vars, overlays) = whole.split();
    RawLayer {
        top,
        vars,
        overlays,
        problems: diags,
        validated: None,
    }
}

impl SchemaSource {
    /// Reads the file and its includes and checks the structure (unknown keys, wrong types)
    /// and every profile.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        match Self::load_plain(path) {
            Some(source) => Ok(source),
            None => Self::load_layered(path),
        }
    }

    /// The common case in one pass: a TOML schema without includes or profiles, whose
    /// every attribute has the type it must have, read straight into the checked
    /// variables in declaration order, each validated as soon as its table ends (no more
    /// than one raw variable is held): no key positions, no layering. Anything else
    /// (another format, `include`, `profiles`, an unknown key, a wrong type, a read error)
    /// and any problem at all is `None`, and [`SchemaSource::load_layered`] reads the file
    /// with positions for its messages.
    fn load_plain(path: &Path) -> Option<Self> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ["yaml", "yml", "json"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
        {
            return None;
        }
        let text = document::read_config_text(path, document::MAX_CONFIG_BYTES).ok()?;
        let layout = Layout::unpositioned(path);
        // A problem's message is never shown from here (the layered reader words it, with
        // its position): nothing to suggest from.
        let suggest = Suggester::new([]);
        let ctx = Locator {
            layout: &layout,
            profile: None,
            suggest: &suggest,
        };
        let mut diags = Vec::new();
        let mut vars = Vec::with_capacity(plain::var_tables_hint(&text));
        // The names attributes refer to (`required_when`, `algorithm_var`, `signed_by`),
        // perhaps declared further down, and checked once all are read: a name is taken as
        // declared, but a dotted one as not (`signed_by = "auth.JWT_KEY"` names another
        // service's key: the common case, kept in one pass). A guess that turns out wrong
        // leaves the file to the layered reader.
        let referred: RefCell<Vec<(String, bool)>> = RefCell::new(Vec::new());
        let refer = |name: &str| {
            let declared = !name.contains('.');
            referred.borrow_mut().push((name.to_string(), declared));
            declared
        };
        // No `include`, `profiles` or `claims` (see `plain`).
        let plain = plain::read_each(&text, |name, mut rv| {
            match validate_var(name, &mut rv, &ctx, &refer, &mut diags) {
                Some(spec) => {
                    vars.push(spec);
                    true
                }
                None => false,
            }
        })?;
        let severity = parse_severity_table(&plain.severity, &ctx, &mut diags);
        // A table written twice is not TOML; every guess about a name must hold.
        let mut names: std::collections::HashSet<&str, foldhash::fast::RandomState> =
            std::collections::HashSet::with_capacity_and_hasher(
                vars.len(),
                foldhash::fast::RandomState::default(),
            );
        if !diags.is_empty()
            || !vars.iter().all(|v: &VarSpec| names.insert(&v.name))
            || !referred
                .borrow()
                .iter()
                .all(|(n, declared)| names.contains(n.as_str()) == *declared)
        {
            return None;
        }
        #[allow(clippy::zero_sized_map_values)] // the outline's type
        let top = raw::RawOutline {
            service: plain.service,
            description: plain.description,
            include: Vec::new(),
            vars: BTreeMap::new(),
            severity: BTreeMap::new(),
            profiles: BTreeMap::new(),
        };
        Some(Self {
            path: path.to_path_buf(),
            layout,
            root: Value::Dict(Tag::Default, Dict::new()),
            raw: RawLayer {
                top,
                vars: BTreeMap::new(),
                overlays: BTreeMap::new(),
                problems: Vec::new(),
                validated: Some(Validated { vars, severity }),
            },
        })
    }

    /// Reads the file and its includes with the position of every key, merges them, and
    /// checks the structure (unknown keys, wrong types) and every profile.
    fn load_layered(path: &Path) -> Result<Self, ConfigError> {
        let mut docs = Vec::new();
        let mut diags = Vec::new();
        collect_includes(
            path,
            None,
            &mut Vec::new(),
            &mut std::collections::HashSet::default(),
            &mut docs,
            &mut diags,
        );
        if !diags.is_empty() {
            return Err(crate::error::sorted(diags).into());
        }
        if let Some(own) = docs
            .last()
            .filter(|d| d.root.contains_key("services") && !d.root.contains_key("vars"))
        {
            return Err(ConfigError::single(own.diagnostic(
                &["services"],
                "this looks like a stack file (it has [services]), not a schema: check it with --config FILE",
            )));
        }
        let (layout, roots) = Layout::new(docs);
        let mut merged = Dict::new();
        for root in roots {
            document::merge_into(&mut merged, root);
        }
        let root = Value::Dict(Tag::Default, merged);
        let names: Vec<&str> = root
            .as_dict()
            .and_then(|d| d.get("vars"))
            .and_then(Value::as_dict)
            .map(|v| v.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let suggest = Suggester::new(names);
        let ctx = Locator {
            layout: &layout,
            profile: None,
            suggest: &suggest,
        };
        let raw = extract_layer(&root, &ctx, true);
        let mut problems = Vec::new();
        check_profiles(&raw, &ctx, &mut problems);
        if !problems.is_empty() || !raw.problems.is_empty() {
            // All at once: the variables' own problems too, not only what stopped the load.
            match validate(&raw, &ctx, path, None) {
                Ok(_) => problems.extend(raw.problems.iter().cloned()),
                Err(e) => problems.extend(e.diagnostics),
            }
            let mut sorted = crate::error::sorted(problems);
            sorted.extend(suggest.note(path));
            return Err(sorted.into());
        }
        Ok(Self {
            path: path.to_path_buf(),
            layout,
            root,
            raw,
        })
    }

    /// Profiles this schema defines.
    pub fn profiles(&self) -> Vec<String> {
        self.raw.top.profiles.keys().cloned().collect()
    }

    /// The checked schema, with `profile`'s overlay applied when this schema defines it.
    /// `service_name` (the stack's name for the service) wins over the schema's own.
    pub fn resolve(
        &self,
        service_name: Option<&str>,
        profile: Option<&str>,
    ) -> Result<Schema, ConfigError> {
        if let Some(validated) = &self.raw.validated {
            return Ok(self.validated_schema(
                service_name,
                validated.vars.clone(),
                validated.severity.clone(),
            ));
        }
        let suggest = Suggester::new(self.raw.top.vars.keys().map(String::as_str));
        let profile = profile.filter(|p| self.raw.top.profiles.contains_key(*p));
        let result = match profile {
            None => {
                let ctx = Locator {
                    layout: &self.layout,
                    profile: None,
                    suggest: &suggest,
                };
                validate(&self.raw, &ctx, &self.path, service_name)
            }
            Some(p) => {
                let mut layered = self.root.as_dict().cloned().unwrap_or_default();
                let overlay = layered
                    .get("profiles")
                    .and_then(Value::as_dict)
                    .and_then(|ps| ps.get(p))
                    .and_then(Value::as_dict)
                    .cloned();
                if let Some(overlay) = overlay {
                    document::merge_into(&mut layered, overlay);
                }
                let ctx = Locator {
                    layout: &self.layout,
                    profile: Some(p),
                    suggest: &suggest,
                };
                let raw = extract_layer(&Value::Dict(Tag::Default, layered), &ctx, false);
                validate(&raw, &ctx, &self.path, service_name)
            }
        };
        match result {
            Ok(schema) => Ok(schema),
            Err(e) => {
                let mut diags = e.diagnostics;
                diags.extend(suggest.note(&self.path));
                Err(diags.into())
            }
        }
    }

    /// [`SchemaSource::resolve`], taking the source: a schema validated as it was read is
    /// handed over as it is, not copied.
    pub fn into_schema(
        mut self,
        service_name: Option<&str>,
        profile: Option<&str>,
    ) -> Result<Schema, ConfigError> {
        match self.raw.validated.take() {
            Some(Validated { vars, severity }) => {
                Ok(self.validated_schema(service_name, vars, severity))
            }
            None => self.resolve(service_name, profile),
        }
    }

    /// The schema read in one pass, under `service_name`.
    fn validated_schema(
        &self,
        service_name: Option<&str>,
        vars: Vec<VarSpec>,
        severity: HashMap<Code, Severity>,
    ) -> Schema {
        Schema {
            service: service_name_of(service_name, self.raw.top.service.as_deref(), &self.path),
            description: self.raw.top.description.clone(),
            path: self.path.clone(),
            files: self.layout.files().to_vec(),
            vars,
            severity,
            profiles: Vec::new(),
        }
    }
}

/// The service's name: the stack's name for it, else the schema's `service`, else the
/// file's stem.
fn service_name_of(stack_name: Option<&str>, declared: Option<&str>, path: &Path) -> String {
    stack_name.or(declared).map_or_else(
        || {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        },
        str::to_string,
    )
}

/// Every profile is validated when the file is loaded, not only when it is selected: a
/// mistake in the production overlay should fail in development CI too. An overlay of a
/// variable the schema does not declare, close to one it does, is a typo.
fn check_profiles(raw: &RawLayer, ctx: &Locator<'_, '_>, diags: &mut Vec<Diagnostic>) {
    for (p, overlay) in &raw.top.profiles {
        let mut typos = std::collections::HashSet::new();
        for name in overlay
            .vars
            .keys()
            .filter(|n| !raw.top.vars.contains_key(*n))
        {
            if let Some(best) = ctx.suggest.variable(name) {
                typos.insert(name.as_str());
                diags.push(ctx.diag(
                    &["profiles", p, "vars", name],
                    format!("profile {p} overlays {name}, which the schema does not declare; did you mean {best}?"),
                ));
            }
        }
        // Only what the profile changes is validated again: its severity table and each
        // overlaid variable with its base (a typo'd overlay is already reported).
        let pctx = Locator {
            layout: ctx.layout,
            profile: Some(p),
            suggest: ctx.suggest,
        };
        let _ = parse_severity_table(&overlay.severity, &pctx, diags);
        for (name, over) in raw.overlays.get(p).into_iter().flatten() {
            if typos.contains(name.as_str()) {
                continue;
            }
            let mut merged = raw
                .vars
                .get(name)
                .map_or_else(|| over.clone(), |base| base.overlaid(over));
            let _ = validate_var(
                name.clone(),
                &mut merged,
                &pctx,
                &|n| raw.top.vars.contains_key(n),
                diags,
            );
        }
    }
}

/// Turns a deserialization error of the value at `at` into positioned diagnostics with
/// our own wording (which never repeats a value: a `default` may be a secret). `var_type`:
/// inside a variable, the type whose attributes are allowed.
pub fn describe_error(
    err: &figment::Error,
    at: &[&str],
    ctx: &Locator<'_, '_>,
    var_type: Option<ValueType>,
) -> Vec<Diagnostic> {
    use figment::error::Kind;
    let mut diags = Vec::new();
    for e in err.clone() {
        // Borrowed, not copied: a key may be long and have thousands of children.
        let mut path: Vec<&str> = at.to_vec();
        path.extend(e.path.iter().map(String::as_str));
        // The path may end with the unknown key itself; messages name its parent.
        let parent_len = match &e.kind {
            Kind::UnknownField(field, _) if path.last() == Some(&field.as_str()) => path.len() - 1,
            _ => path.len(),
        };
        let where_ = describe_key_path(&path[..parent_len]);
        let message = match &e.kind {
            Kind::UnknownField(field, expected) => {
                if path.last() != Some(&field.as_str()) {
                    path.push(field);
                }
                unknown_key_message(
                    field,
                    expected,
                    &where_,
                    &path[..parent_len],
                    var_type,
                    ctx.suggest,
                )
            }
            Kind::MissingField(field) => format!("{where_}is missing `{field}`"),
            Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
                format!(
                    "{where_}must be {}, but is {}",
                    humanize_expected(expected),
                    actual_kind(actual)
                )
            }
            Kind::InvalidLength(n, expected) => {
                format!("{where_}has {n} items, expected {expected}")
            }
            Kind::UnknownVariant(v, expected) => {
                format!("{where_}`{v}` is not one of {}", expected.join(", "))
            }
            Kind::DuplicateField(f) => format!("{where_}`{f}` is given twice"),
            // serde's message for an untagged enum names our type; say what is accepted.
            Kind::Message(m) if m.contains("untagged enum Scalar") => {
                format!("{where_}must be a string, number or boolean")
            }
            Kind::Message(m) if m.contains("untagged enum OneOrMany") => {
                format!("{where_}must be a value or a list of values")
            }
            Kind::Message(m) if m.starts_with("must be ") => format!("{where_}{m}"),
            _ => format!("{where_}has an invalid value"),
        };
        // Positions are of what was written: the profile's own entry is already in `path`.
        let (file, pos) = ctx.layout.locate(&path, ctx.profile);
        diags.push(Diagnostic::at(&file, pos, message));
    }
    diags
}

fn describe_key_path(path: &[&str]) -> String {
    let shown = |s: &str| model::shown_name(s).into_owned();
    match path {
        [] => String::new(),
        ["vars", name] => format!("variable {}: ", shown(name)),
        ["vars", name, attr, ..] => format!("variable {}: `{}` ", shown(name), shown(attr)),
        ["profiles", p, "vars", name] => {
            format!("profile {}: variable {}: ", shown(p), shown(name))
        }
        ["profiles", p, "vars", name, attr, ..] => format!(
            "profile {}: variable {}: `{}` ",
            shown(p),
            shown(name),
            shown(attr)
        ),
        _ => {
            let joined: Vec<String> = path.iter().map(|s| shown(s)).collect();
            format!("`{}` ", joined.join("."))
        }
    }
}

/// Whether a key path names one variable's table (`vars.X` or `profiles.P.vars.X`).
fn is_var_table(path: &[&str]) -> bool {
    matches!(path, ["vars", _] | ["profiles", _, "vars", _])
}

fn unknown_key_message(
    field: &str,
    expected: &[&str],
    where_: &str,
    path: &[&str],
    var_type: Option<ValueType>,
    suggest: &Suggester<'_>,
) -> String {
    let in_var = is_var_table(path);
    // Inside a variable, list the attributes its type accepts rather than serde's union.
    let allowed: Vec<&str> = if in_var {
        let specific = var_type.map(|t| t.info().attr_names());
        COMMON_ATTRS
            .iter()
            .copied()
            .chain(specific.into_iter().flatten())
            .collect()
    } else {
        expected.to_vec()
    };
    let mut msg = if in_var {
        format!("{where_}unknown attribute `{field}`")
    } else if path.is_empty() {
        format!("unknown key `{field}`")
    } else {
        format!("{where_}unknown key `{field}`")
    };
    // Suggested from what is allowed here: another type's attribute would only fail next.
    let candidates = if in_var && var_type.is_some() {
        &allowed[..]
    } else {
        expected
    };
    if let Some(best) = suggest.word(field, candidates) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    match var_type {
        None if in_var => msg.push_str(&format!(
            " (allowed for every type: {}; the others depend on `type`)",
            allowed.join(", ")
        )),
        _ => msg.push_str(&format!(" (allowed: {})", allowed.join(", "))),
    }
    msg
}

fn actual_kind(actual: &figment::error::Actual) -> &'static str {
    use figment::error::Actual;
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer",
        Actual::Float(_) => "a number",
        Actual::Char(_) | Actual::Str(_) => "a string",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        _ => "something else",
    }
}

/// Validation of the layered raw schema into the checked model; every problem is collected.
fn validate(
    layer: &RawLayer,
    ctx: &Locator<'_, '_>,
    path: &Path,
    service_name: Option<&str>,
) -> Result<Schema, ConfigError> {
    let raw = &layer.top;
    let mut diags = layer.problems.clone();
    let service = service_name_of(service_name, raw.service.as_deref(), path);

    let severity = parse_severity_table(&raw.severity, ctx, &mut diags);

    let declares = |n: &str| raw.vars.contains_key(n);
    let mut vars = Vec::with_capacity(raw.vars.len());
    for (name, rv) in &layer.vars {
        if let Some(spec) = validate_var(name.clone(), &mut rv.clone(), ctx, &declares, &mut diags)
        {
            vars.push(spec);
        }
    }
    // Declaration order: includes first, then this file, each in file order.
    vars.sort_by_cached_key(|v| {
        ctx.layout
            .first_declared(&v.name)
            .unwrap_or((usize::MAX, Pos::default()))
    });

    if diags.is_empty() {
        Ok(Schema {
            service,
            description: raw.description.clone(),
            path: path.to_path_buf(),
            files: ctx.layout.files().to_vec(),
            vars,
            severity,
            profiles: raw.profiles.keys().cloned().collect(),
        })
    } else {
        Err(crate::error::sorted(diags).into())
    }
}

fn collect_includes(
    path: &Path,
    from: Option<(&Document, usize)>,
    stack: &mut Vec<PathBuf>,
    loaded: &mut std::collections::HashSet<PathBuf>,
    docs: &mut Vec<Document>,
    diags: &mut Vec<Diagnostic>,
) {
    let at_include = |message: String| match from {
        Some((doc, i)) => doc.diagnostic(&["include".to_string(), i.to_string()], message),
        None => Diagnostic::file(path, message),
    };
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    // A fragment included twice (a diamond) is loaded and merged once, at its first
    // inclusion; without this, repeated includes would load exponentially many files.
    if !stack.contains(&key) && loaded.contains(&key) {
        return;
    }
    if let Some(start) = stack.iter().position(|p| *p == key) {
        let mut chain: Vec<String> = stack[start..].iter().map(|p| display_name(p)).collect();
        chain.push(display_name(&key));
        diags.push(at_include(format!("include cycle: {}", chain.join(" -> "))));
        return;
    }
    if stack.len() >= MAX_INCLUDE_DEPTH {
        diags.push(at_include(format!(
            "includes nest deeper than {MAX_INCLUDE_DEPTH} files"
        )));
        return;
    }
    let doc = match Document::load(path) {
        Ok(doc) => doc,
        Err(e) => {
            if let Some((parent, i)) = from {
                for d in e.diagnostics {
                    diags.push(parent.diagnostic(
                        &["include".to_string(), i.to_string()],
                        format!("cannot include {}: {}", path.display(), d.message),
                    ));
                }
            } else {
                diags.extend(e.diagnostics);
            }
            return;
        }
    };
    loaded.insert(key.clone());
    stack.push(key);
    let includes: Vec<(usize, Option<String>)> = match doc.root.get("include") {
        None => Vec::new(),
        Some(figment::value::Value::Array(_, items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i, v.as_str().map(str::to_string)))
            .collect(),
        Some(_) => {
            diags.push(doc.diagnostic(&["include"], "`include` must be a list of file paths"));
            Vec::new()
        }
    };
    let base = path.parent().unwrap_or(Path::new(""));
    for (i, inc) in includes {
        match inc {
            Some(rel) => collect_includes(
                &crate::paths::clean(&base.join(rel)),
                Some((&doc, i)),
                stack,
                loaded,
                docs,
                diags,
            ),
            None => diags.push(doc.diagnostic(
                &["include".to_string(), i.to_string()],
                "`include` entries must be file paths (strings)",
            )),
        }
    }
    stack.pop();
    docs.push(doc);
}

fn display_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Finds the file and position of a key path in a layered figment.
fn parse_severity_table(
    table: &BTreeMap<String, String>,
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<Code, Severity> {
    let mut out = HashMap::new();
    for (code, sev) in table {
        let Ok(c) = code.parse::<Code>() else {
            diags.push(ctx.diag(&["severity", code], unknown_code_message(code, ctx.suggest)));
            continue;
        };
        match sev.parse::<Severity>() {
            Ok(s) => {
                out.insert(c, s);
            }
            Err(()) => diags.push(ctx.diag(
                &["severity", code],
                format!("severity of `{code}` must be error, warning or info, not `{sev}`"),
            )),
        }
    }
    out
}

fn unknown_code_message(code: &str, suggest: &Suggester<'_>) -> String {
    let mut msg = format!("unknown finding code `{code}`");
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    if let Some(best) = suggest.word(code, &codes) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    msg.push_str(" (`envgate rules` lists them)");
    msg
}

/// `declared` tells whether a name is a declared variable. The name, and the lists and texts
/// the checked variable keeps, are moved into it (out of `rv`), not copied.
fn validate_var(
    owned_name: String,
    rv: &mut RawVar,
    ctx: &Locator<'_, '_>,
    declared: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<VarSpec> {
    let name = owned_name.as_str();
    let start = diags.len();
    let label = model::shown_name(name);
    fn key_path<'a>(name: &'a str, attr: &'a str) -> Vec<&'a str> {
        if attr.is_empty() {
            vec!["vars", name]
        } else {
            vec!["vars", name, attr]
        }
    }
    let at = |attr: &'static str| key_path(name, attr);
    // A name no environment can carry (`A=B`, one with a control character or a space, or
    // the empty name) can never be set: a schema mistake. Names beyond a shell's
    // (`FOO.BAR`, `a[1]`) are fine for Compose and Kubernetes: a warning at check time.
    if let Some(problem) = model::name_problem(name) {
        diags.push(ctx.diag(
            &at(""),
            format!(
                "`{}` is not a valid variable name: {problem}",
                model::shown_name(name)
            ),
        ));
        return None;
    }
    let written_type = rv.kind.as_deref().unwrap_or("string");
    // An unknown type is reported, and the rest of the variable is still checked against
    // the type that was most likely meant, so that every problem shows at once.
    let value_type = ValueType::parse(written_type).or_else(|| {
        let guess = effective_type(written_type, ctx.suggest);
        diags.push(ctx.diag(
            &at("type"),
            format!(
                "variable {label}: {}",
                unknown_type_message(written_type, guess)
            ),
        ));
        guess
    });
    if let Some(value_type) = value_type {
        let info = value_type.info();
        let assumed = if info.name == written_type {
            String::new()
        } else {
            format!("taking `{written_type}` to mean `{}`; ", info.name)
        };
        for attr in rv.set_specific_attrs() {
            if info.takes(attr) {
                continue;
            }
            let mut msg = format!(
                "variable {label}: `{attr}` is not an attribute of type `{}`",
                info.name
            );
            let names: Vec<&str> = info.attr_names().collect();
            if let Some(best) = ctx.suggest.word(attr, &names) {
                msg.push_str(&format!("; did you mean `{best}`?"));
            }
            if names.is_empty() {
                msg.push_str(&format!(
                    " ({assumed}type `{}` takes only the common attributes)",
                    info.name
                ));
            } else {
                msg.push_str(&format!(" ({assumed}its attributes: {})", names.join(", ")));
            }
            diags.push(ctx.diag(&at(attr), msg));
        }
    }
    let kind = build_kind(value_type, name, rv, declared, ctx, diags);
    for (attr, problem) in contradictions(&kind) {
        diags.push(ctx.diag(&at(attr), format!("variable {label}: {problem}")));
    }
    let mut allow = Vec::new();
    let mut bad = EntryProblems::new("allow");
    for (i, code) in rv.allow.iter().flatten().enumerate() {
        if let Ok(c) = code.parse::<Code>() {
            allow.push(c);
        } else if bad.listed() {
            let idx = i.to_string();
            diags.push(ctx.diag(
                &["vars", name, "allow", &idx],
                format!(
                    "variable {label}: {}",
                    unknown_code_message(code, ctx.suggest)
                ),
            ));
        }
    }
    diags.extend(bad.summary(name, ctx));
    let mut bad = EntryProblems::new("aliases");
    for (i, alias) in rv.aliases.iter().flatten().enumerate() {
        if let Some(problem) = model::name_problem(alias).filter(|_| bad.listed()) {
            let idx = i.to_string();
            diags.push(ctx.diag(
                &["vars", name, "aliases", &idx],
                format!(
                    "variable {label}: alias `{}` is not a valid variable name: {problem}",
                    model::shown_name(alias)
                ),
            ));
        }
    }
    diags.extend(bad.summary(name, ctx));
    let mut required_when = Vec::new();
    let mut bad = EntryProblems::new("required_when");
    for (other, values) in rv.required_when.iter().flatten() {
        if !declared(other) && bad.listed() {
            let mut msg = format!("variable {label}: `required_when` names {other}, which this schema does not declare");
            if let Some(best) = ctx.suggest.variable(other) {
                msg.push_str(&format!("; did you mean {best}?"));
            }
            diags.push(ctx.diag(&["vars", name, "required_when", other], msg));
        }
        required_when.push((other.clone(), values.to_texts()));
    }
    diags.extend(bad.summary(name, ctx));

    let sensitive = rv
        .sensitive
        .unwrap_or_else(|| kind.value_type().info().sensitive || model::sensitive_by_name(name));
    let mut spec = VarSpec {
        // Moved in once nothing borrows it any more (below).
        name: String::new(),
        description: rv.description.take(),
        kind,
        // `required_when` makes the variable conditionally required: unless `required` is
        // given too, it is not required otherwise.
        required: rv.required.unwrap_or(rv.required_when.is_none()),
        default: rv
            .default
            .take()
            .map(|d| crate::secret::Secret::new(d.into_text())),
        example: rv.example.take().map(raw::Scalar::into_text),
        hint: rv.hint.take(),
        sensitive,
        aliases: rv.aliases.take().unwrap_or_default(),
        required_when,
        allow,
    };
    if diags.len() > start {
        return None;
    }
    // A default must pass its own type's checks (which do not read the name); the message
    // never repeats a sensitive default.
    if let Some(default) = &spec.default {
        let problems = crate::rules::types::check(&spec, default);
        if let Some(p) = problems.first() {
            let shown = crate::rules::types::shown(&spec, default.expose())
                .map_or_else(|| String::from("the default"), |v| format!("default `{v}`"));
            diags.push(ctx.diag(
                &at("default"),
                format!(
                    "variable {label}: {shown} fails its own type: {name} {}",
                    p.message
                ),
            ));
            return None;
        }
    }
    spec.name = owned_name;
    Some(spec)
}

/// Most problems listed for the entries of one list or table attribute (`allow`,
/// `aliases`, `required_when`, `algorithms`): a hostile file may hold millions of bad
/// entries, and each listed one costs a message; the rest are counted in one more line.
const MAX_ENTRY_PROBLEMS: usize = 20;

/// Counts the bad entries of one attribute, to list only the first [`MAX_ENTRY_PROBLEMS`].
struct EntryProblems {
    attr: &'static str,
    count: usize,
}

impl EntryProblems {
    fn new(attr: &'static str) -> Self {
        Self { attr, count: 0 }
    }

    /// Counts one bad entry; whether it is to be listed.
    fn listed(&mut self) -> bool {
        self.count += 1;
        self.count <= MAX_ENTRY_PROBLEMS
    }

    /// The line counting the entries left out, if any were.
    fn summary(&self, name: &str, ctx: &Locator<'_, '_>) -> Option<Diagnostic> {
        let omitted = self
            .count
            .checked_sub(MAX_ENTRY_PROBLEMS)
            .filter(|n| *n > 0)?;
        Some(ctx.diag(
            &["vars", name, self.attr],
            format!(
                "variable {}: {omitted} more entries of `{}` have problems (at most {MAX_ENTRY_PROBLEMS} are listed per attribute)",
                model::shown_name(name),
                self.attr
            ),
        ))
    }
}

/// "unknown type `secert`; did you mean `secret`? (types: ...; `secret` also takes ...)".
fn unknown_type_message(written: &str, guess: Option<ValueType>) -> String {
    let mut msg = format!("unknown type `{written}`");
    if let Some(best) = guess {
        msg.push_str(&format!("; did you mean `{}`?", best.name()));
    }
    msg.push_str(&format!(" (types: {}", ValueType::NAMES.join(", ")));
    if let Some(info) = guess.map(ValueType::info) {
        if info.attrs.is_empty() {
            msg.push_str(&format!(
                "; `{}` takes only the common attributes",
                info.name
            ));
        } else {
            let names: Vec<&str> = info.attr_names().collect();
            msg.push_str(&format!(
                "; `{}` also takes {}",
                info.name,
                names.join(", ")
            ));
        }
    }
    msg.push(')');
    msg
}

/// A variable's checked type-specific attributes. `None`: the type is unknown (already
/// reported); the common attributes are still checked by the caller.
#[allow(clippy::too_many_lines)]
fn build_kind(
    value_type: Option<ValueType>,
    name: &str,
    rv: &mut RawVar,
    declared: &dyn Fn(&str) -> bool,
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> VarKind {
    let label = model::shown_name(name);
    let at = |attr: &'static str| ["vars", name, attr];
    let int_bound = |attr: &'static str,
                     v: Option<&raw::Scalar>,
                     diags: &mut Vec<Diagnostic>|
     -> Option<i64> {
        match v {
            None => None,
            Some(raw::Scalar::Int(i)) => Some(*i),
            Some(raw::Scalar::Str(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            Some(_) => {
                diags.push(ctx.diag(
                    &at(attr),
                    format!("variable {label}: `{attr}` must be an integer"),
                ));
                None
            }
        }
    };
    let duration = |attr: &'static str,
                    v: Option<&raw::Scalar>,
                    diags: &mut Vec<Diagnostic>|
     -> Option<std::time::Duration> {
        let v = v?;
        let parsed = value_type::parse_duration(&v.to_text());
        if parsed.is_none() {
            diags.push(ctx.diag(
                &at(attr),
                format!(
                    "variable {label}: `{attr}` must be a duration such as 30s, 5m, 1h30m or 250ms"
                ),
            ));
        }
        parsed
    };
    // A variable another attribute names must be declared (includes count; aliases do not).
    // `or`: how else the attribute may be written, for the message.
    let declared_var =
        |attr: &'static str, other: &str, or: &str, diags: &mut Vec<Diagnostic>| -> bool {
            if declared(other) && other != name {
                return true;
            }
            let mut msg = if other == name {
                format!("variable {label}: `{attr}` names the variable itself")
            } else {
                format!(
                    "variable {label}: `{attr}` names {}, which this schema does not declare",
                    model::shown_name(other)
                )
            };
            if other != name {
                if let Some(best) = ctx.suggest.variable(other).filter(|b| *b != name) {
                    msg.push_str(&format!("; did you mean {best}?"));
                }
                msg.push_str(or);
            }
            diags.push(ctx.diag(&at(attr), msg));
            false
        };
    // `path`: the attribute, or the list entry, that names `alg`.
    let algorithm = |path: &[&str], alg: &str, diags: &mut Vec<Diagnostic>| -> bool {
        if JWT_ALGORITHMS.contains(&alg) {
            return true;
        }
        let attr = path.get(2).copied().unwrap_or_default();
        let mut msg = if alg.eq_ignore_ascii_case("none") {
            format!(
                "variable {label}: `{attr}` names `none`, but an unsigned token is never accepted"
            )
        } else {
            format!(
                "variable {label}: `{attr}` names an unknown algorithm `{}`",
                model::shown_name(alg)
            )
        };
        if let Some(best) = ctx.suggest.word(alg, JWT_ALGORITHMS) {
            msg.push_str(&format!("; did you mean `{best}`?"));
        }
        msg.push_str(&format!(" (algorithms: {})", JWT_ALGORITHMS.join(", ")));
        diags.push(ctx.diag(path, msg));
        false
    };

    // Exhaustive: a type added to the registry does not compile until it is built here.
    let Some(value_type) = value_type else {
        return VarKind::Bool;
    };
    match value_type {
        ValueType::String => VarKind::String(text_rules(name, rv, ctx, diags)),
        ValueType::Secret => VarKind::Secret(text_rules(name, rv, ctx, diags)),
        ValueType::Url => {
            let credentials = match rv.credentials.as_deref() {
                None | Some("allow") => Credentials::Allow,
                Some("forbid") => Credentials::Forbid,
                Some("require") => Credentials::Require,
                Some(other) => {
                    diags.push(ctx.diag(&at("credentials"), format!("variable {label}: `credentials` must be allow, forbid or require, not `{other}`")));
                    Credentials::Allow
                }
            };
            VarKind::Url(UrlRules {
                schemes: rv.schemes.take(),
                require_host: rv.require_host.unwrap_or(true),
                forbid_hosts: rv.forbid_hosts.take().unwrap_or_default(),
                credentials,
            })
        }
        ValueType::Int => VarKind::Int {
            min: int_bound("min", rv.min.as_ref(), diags),
            max: int_bound("max", rv.max.as_ref(), diags),
        },
        ValueType::Port => VarKind::Port {
            min: int_bound("min", rv.min.as_ref(), diags),
            max: int_bound("max", rv.max.as_ref(), diags),
        },
        ValueType::Bool => VarKind::Bool,
        ValueType::Enum => {
            let values: Vec<String> = rv
                .values
                .take()
                .map(|v| v.into_iter().map(raw::Scalar::into_text).collect())
                .unwrap_or_default();
            if values.is_empty() {
                diags.push(ctx.diag(
                    &at("type"),
                    format!("variable {label}: type `enum` needs a non-empty `values` list"),
                ));
            }
            VarKind::Enum {
                values,
                case_sensitive: rv.case_sensitive.unwrap_or(true),
            }
        }
        ValueType::Duration => VarKind::Duration {
            min: duration("min", rv.min.as_ref(), diags),
            max: duration("max", rv.max.as_ref(), diags),
        },
        ValueType::Json => VarKind::Json,
        ValueType::JwtKey => {
            // Each attribute is checked on its own, so that every mistake shows at once.
            let fixed = rv
                .algorithm
                .as_ref()
                .filter(|alg| algorithm(&at("algorithm"), alg, diags));
            let from_var = rv
                .algorithm_var
                .as_ref()
                .filter(|var| declared_var("algorithm_var", var, "", diags));
            let algorithm = match (fixed, from_var) {
                (Some(_), Some(_)) => {
                    diags.push(ctx.diag(
                        &at("algorithm_var"),
                        format!("variable {label}: give `algorithm` or `algorithm_var`, not both"),
                    ));
                    None
                }
                (Some(alg), None) => Some(KeyAlgorithm::Fixed(alg.clone())),
                (None, Some(var)) => Some(KeyAlgorithm::FromVar(var.clone())),
                (None, None) => None,
            };
            let encoding = rv.encoding.as_deref().map_or(KeyEncoding::Raw, |e| {
                KeyEncoding::parse(e).unwrap_or_else(|| {
                    diags.push(ctx.diag(
                        &at("encoding"),
                        format!(
                            "variable {label}: unknown encoding `{}` (encodings: raw, {})",
                            model::shown_name(e),
                            encoding_names()
                        ),
                    ));
                    KeyEncoding::Raw
                })
            });
            VarKind::JwtKey(JwtKeyRules {
                algorithm,
                encoding,
            })
        }
        ValueType::Jwt => {
            let algorithms = rv.algorithms.as_ref().map(|algs| {
                if algs.is_empty() {
                    diags.push(ctx.diag(
                        &at("algorithms"),
                        format!("variable {label}: `algorithms` needs at least one algorithm (algorithms: {})", JWT_ALGORITHMS.join(", ")),
                    ));
                }
                let mut valid: Vec<String> = Vec::new();
                let mut bad = EntryProblems::new("algorithms");
                for (i, alg) in algs.iter().enumerate() {
                    if JWT_ALGORITHMS.contains(&alg.as_str()) {
                        // At most one of each: a hostile list stays a dozen entries long.
                        if !valid.contains(alg) {
                            valid.push(alg.clone());
                        }
                    } else if bad.listed() {
                        let idx = i.to_string();
                        algorithm(&["vars", name, "algorithms", &idx], alg, diags);
                    }
                }
                diags.extend(bad.summary(name, ctx));
                valid
            });
            // A name that is itself declared is this schema's variable, dots and all
            // (`FOO.BAR`); otherwise `service.VAR` names another service's, checked in a stack.
            let signed_by = rv.signed_by.as_ref().and_then(|by| {
                if declared(by) && by != name {
                    return Some(SignedBy::Var(by.clone()));
                }
                match by.split_once('.') {
                    Some((service, var)) if !service.is_empty() && !var.is_empty() => {
                        Some(SignedBy::Service {
                            service: service.to_string(),
                            var: var.to_string(),
                        })
                    }
                    _ => declared_var(
                        "signed_by",
                        by,
                        " (or `service.VAR` for another service's key in a stack)",
                        diags,
                    )
                    .then(|| SignedBy::Var(by.clone())),
                }
            });
            VarKind::Jwt(JwtRules {
                algorithms,
                claims: rv
                    .claims
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                expires_within: duration("expires_within", rv.expires_within.as_ref(), diags),
                signed_by,
            })
        }
    }
}

/// "base64, base64url, hex", for messages.
fn encoding_names() -> String {
    Encoding::ALL
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn text_rules(
    name: &str,
    rv: &mut RawVar,
    ctx: &Locator<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> TextRules {
    let label = model::shown_name(name);
    let to_usize = |v: Option<u64>| v.and_then(|n| usize::try_from(n).ok());
    let pattern = rv.pattern.as_ref().and_then(|p| match compile_pattern(p) {
        Ok(regex) => Some(Pattern {
            source: p.clone(),
            regex,
        }),
        Err(problem) => {
            diags.push(ctx.diag(
                &["vars", name, "pattern"],
                format!("variable {label}: {problem}"),
            ));
            None
        }
    });
    let encoding = rv.encoding.as_deref().and_then(|e| {
        let enc = Encoding::parse(e);
        if enc.is_none() {
            diags.push(ctx.diag(
                &["vars", name, "encoding"],
                format!(
                    "variable {label}: unknown encoding `{e}` (encodings: {})",
                    encoding_names()
                ),
            ));
        }
        enc
    });
    TextRules {
        min_length: to_usize(rv.min_length),
        max_length: to_usize(rv.max_length),
        length: to_usize(rv.length),
        pattern,
        values: rv
            .values
            .take()
            .map(|v| v.into_iter().map(raw::Scalar::into_text).collect()),
        encoding,
        bytes: to_usize(rv.bytes),
        min_bytes: to_usize(rv.min_bytes),
    }
}

/// Most one `pattern` may take once compiled: `a{99000}` compiles to megabytes.
pub const MAX_PATTERN_BYTES: usize = 1024 * 1024;
/// Most all the patterns of a run may take together (a thousand large ones exhausted memory).
pub const MAX_PATTERNS_BYTES: usize = 32 * 1024 * 1024;

/// Compiles a `pattern` for a full match. Stacks share fragments, so each distinct pattern
/// is compiled once per run (a `Regex` clone shares the compiled program). Its size is
/// measured (as the Thompson NFA that the regex crate's `size_limit` bounds) and counted
/// against a running total before the regex is built.
fn compile_pattern(source: &str) -> Result<std::sync::Arc<regex::Regex>, String> {
    use regex_automata::nfa::thompson;
    use std::cell::RefCell;
    use std::sync::Arc;
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Arc<regex::Regex>>> = RefCell::new(HashMap::new());
        static TOTAL_BYTES: Cell<usize> = const { Cell::new(0) };
    }
    if let Some(re) = COMPILED.with(|c| c.borrow().get(source).cloned()) {
        return Ok(re);
    }
    let invalid = |e: &dyn std::fmt::Display| {
        format!(
            "`pattern` is not a valid regular expression: {}",
            regex_error_reason(&e.to_string())
        )
    };
    let too_large = || {
        format!(
            "`pattern` is too large to compile (more than {} KiB compiled); repetition counts such as {{1000}} multiply its size",
            MAX_PATTERN_BYTES / 1024
        )
    };
    // Parsed on its own first: wrapped as `^(?:...)$`, a pattern like `a)|(b` would
    // compile into something else, and errors would point at the wrapper.
    let hir = regex_syntax::Parser::new()
        .parse(source)
        .map_err(|e| invalid(&e))?;
    // Refused before compiling when even a lower bound of its size is too large: building
    // a thousand such programs up to the limit would take seconds.
    if min_nfa_states(&hir).saturating_mul(MIN_BYTES_PER_STATE) > MAX_PATTERN_BYTES {
        return Err(too_large());
    }
    let anchored = format!("^(?:{source})$");
    let nfa = thompson::NFA::compiler()
        .configure(thompson::Config::new().nfa_size_limit(Some(MAX_PATTERN_BYTES)))
        .build(&anchored)
        .map_err(|e| {
            if e.size_limit().is_some() {
                too_large()
            } else {
                invalid(&e)
            }
        })?;
    let size = nfa.memory_usage();
    drop(nfa);
    let total = TOTAL_BYTES.with(Cell::get).saturating_add(size);
    if total > MAX_PATTERNS_BYTES {
        return Err(format!(
            "`pattern` is not compiled: the schema's patterns together exceed {} MiB compiled; use fewer or simpler patterns",
            MAX_PATTERNS_BYTES / (1024 * 1024)
        ));
    }
    TOTAL_BYTES.with(|t| t.set(total));
    let re = Arc::new(
        regex::RegexBuilder::new(&anchored)
            .size_limit(MAX_PATTERN_BYTES)
            .dfa_size_limit(MAX_PATTERN_BYTES)
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => too_large(),
                other => invalid(&other),
            })?,
    );
    COMPILED.with(|c| c.borrow_mut().insert(source.to_string(), re.clone()));
    Ok(re)
}

/// What one compiled NFA state takes at least (24 bytes in regex-automata 0.4).
const MIN_BYTES_PER_STATE: usize = 16;

/// A lower bound of the NFA states a pattern compiles to: one per literal byte or class,
/// each repetition copied as many times as its bound.
fn min_nfa_states(hir: &regex_syntax::hir::Hir) -> usize {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(lit) => lit.0.len(),
        HirKind::Class(_) => 1,
        HirKind::Repetition(rep) => {
            let copies = rep.max.unwrap_or(rep.min).max(rep.min).max(1);
            min_nfa_states(&rep.sub).saturating_mul(usize::try_from(copies).unwrap_or(usize::MAX))
        }
        HirKind::Capture(cap) => min_nfa_states(&cap.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .map(min_nfa_states)
            .fold(0, usize::saturating_add),
    }
}

/// The last line of a regex error (the rest repeats the pattern with a caret).
fn regex_error_reason(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

/// serde's names for what it expected, in the words of a configuration file.
fn humanize_expected(expected: &str) -> String {
    if expected.starts_with("struct ") || expected.starts_with("a map") {
        return String::from("a table");
    }
    match expected {
        "u64" | "u32" | "usize" | "i64" | "i32" => String::from("a whole number"),
        "u16" => String::from("a whole number from 0 to 65535"),
        "a sequence" => String::from("a list"),
        _ => expected.to_string(),
    }
}

/// Attribute combinations no value could satisfy (or that do nothing).
fn contradictions(kind: &VarKind) -> Vec<(&'static str, String)> {
    fn order<T: PartialOrd + std::fmt::Debug>(
        out: &mut Vec<(&'static str, String)>,
        (lo_name, lo): (&'static str, Option<T>),
        (hi_name, hi): (&'static str, Option<T>),
    ) {
        if let (Some(lo), Some(hi)) = (lo, hi) {
            if lo > hi {
                out.push((lo_name, format!("`{lo_name}` ({lo:?}) is greater than `{hi_name}` ({hi:?}): no value can pass")));
            }
        }
    }
    let mut out = Vec::new();
    match kind {
        VarKind::Int { min, max } => order(&mut out, ("min", *min), ("max", *max)),
        VarKind::Port { min, max } => {
            order(&mut out, ("min", *min), ("max", *max));
            for (attr, bound) in [("min", min), ("max", max)] {
                if bound.is_some_and(|b| !(1..=65535).contains(&b)) {
                    out.push((
                        attr,
                        format!("`{attr}` of a port must be within 1 to 65535"),
                    ));
                }
            }
        }
        VarKind::Duration { min, max } => order(&mut out, ("min", *min), ("max", *max)),
        VarKind::String(t) | VarKind::Secret(t) => {
            order(
                &mut out,
                ("min_length", t.min_length),
                ("max_length", t.max_length),
            );
            order(&mut out, ("min_length", t.min_length), ("length", t.length));
            order(&mut out, ("length", t.length), ("max_length", t.max_length));
            order(&mut out, ("min_bytes", t.min_bytes), ("bytes", t.bytes));
            if t.encoding.is_none() {
                for (attr, set) in [
                    ("bytes", t.bytes.is_some()),
                    ("min_bytes", t.min_bytes.is_some()),
                ] {
                    if set {
                        out.push((attr, format!("`{attr}` counts decoded bytes and needs `encoding` (base64, base64url or hex)")));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_size_estimate_is_a_lower_bound() {
        use regex_automata::nfa::thompson;
        for p in [
            "a{3000}",
            "a{0,3000}",
            "(?:ab){1000}|x",
            "[a-z]{500}",
            r"\w{10}",
            "abc",
            "(a|b)*c{2,}",
        ] {
            let hir = regex_syntax::Parser::new().parse(p).unwrap();
            let nfa = thompson::NFA::compiler()
                .build(&format!("^(?:{p})$"))
                .unwrap();
            assert!(
                min_nfa_states(&hir) * MIN_BYTES_PER_STATE <= nfa.memory_usage(),
                "{p}: {} states estimated, {} bytes compiled",
                min_nfa_states(&hir),
                nfa.memory_usage()
            );
        }
        let huge = regex_syntax::Parser::new().parse("a{99000}|x").unwrap();
        assert!(min_nfa_states(&huge) * MIN_BYTES_PER_STATE > MAX_PATTERN_BYTES);
    }

    /// The checked model carries every `jwt-key` and `jwt` attribute, and both types are
    /// sensitive whatever the variable is called.
    #[test]
    fn jwt_types_reach_the_model_with_their_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.toml");
        std::fs::write(
            &path,
            r#"
[vars.ALG]
type = "enum"
values = ["HS256", "RS256"]

[vars.SIGNING]
type = "jwt-key"
algorithm_var = "ALG"
encoding = "base64url"

[vars.PUBLIC]
type = "jwt-key"
algorithm = "EdDSA"

[vars.ANON]
type = "jwt"
algorithms = ["HS256"]
claims = { role = "anon", level = 2 }
expires_within = "24h"
signed_by = "SIGNING"

[vars.REMOTE]
type = "jwt"
signed_by = "auth.JWT_SECRET"
"#,
        )
        .unwrap();
        let schema = SchemaSource::load(&path)
            .unwrap()
            .resolve(None, None)
            .unwrap();
        let var = |n: &str| schema.vars.iter().find(|v| v.name == n).unwrap();
        let VarKind::JwtKey(signing) = &var("SIGNING").kind else {
            panic!("{:?}", var("SIGNING").kind)
        };
        assert_eq!(signing.algorithm, Some(KeyAlgorithm::FromVar("ALG".into())));
        assert_eq!(signing.encoding, KeyEncoding::Encoded(Encoding::Base64Url));
        let VarKind::JwtKey(public) = &var("PUBLIC").kind else {
            panic!()
        };
        assert_eq!(public.algorithm, Some(KeyAlgorithm::Fixed("EdDSA".into())));
        assert_eq!(public.encoding, KeyEncoding::Raw);
        let VarKind::Jwt(anon) = &var("ANON").kind else {
            panic!()
        };
        assert_eq!(anon.algorithms, Some(vec!["HS256".to_string()]));
        assert_eq!(
            anon.claims,
            vec![
                ("level".to_string(), serde_json::json!(2)),
                ("role".to_string(), serde_json::json!("anon")),
            ]
        );
        assert_eq!(
            anon.expires_within,
            Some(std::time::Duration::from_secs(24 * 3600))
        );
        assert_eq!(anon.signed_by, Some(SignedBy::Var("SIGNING".into())));
        let VarKind::Jwt(remote) = &var("REMOTE").kind else {
            panic!()
        };
        assert_eq!(
            remote.signed_by,
            Some(SignedBy::Service {
                service: "auth".into(),
                var: "JWT_SECRET".into()
            })
        );
        for name in ["SIGNING", "PUBLIC", "ANON", "REMOTE"] {
            assert!(var(name).sensitive, "{name}");
            assert_eq!(
                var(name).kind.name(),
                if name.starts_with('S') || name.starts_with('P') {
                    "jwt-key"
                } else {
                    "jwt"
                }
            );
        }
        assert!(!var("ALG").sensitive);
    }

    #[test]
    fn a_suggester_stops_at_its_budget_and_says_so() {
        let names: Vec<String> = (0..3000).map(|i| format!("VARIABLE_NUMBER_{i}")).collect();
        let suggest = Suggester::new(names.iter().map(String::as_str));
        assert_eq!(
            suggest.variable("VARIABLE_NUMBR_1"),
            Some("VARIABLE_NUMBER_1")
        );
        assert!(suggest.note(Path::new("s.toml")).is_none());
        for i in 0..3000 {
            let _ = suggest.variable(&format!("VARIABLE_NUMBR_{i}"));
        }
        assert!(suggest.variable("VARIABLE_NUMBR_2999").is_none());
        assert!(suggest
            .note(Path::new("s.toml"))
            .is_some_and(|d| d.message.contains("suggestions were cut short")));
        // Words draw on the same kind of budget.
        let words = Suggester::new([]);
        assert_eq!(
            words.word("min_lenght", &["min_length", "max_length"]),
            Some("min_length")
        );
        assert_eq!(words.variable("x"), None);
    }
}

#[cfg(test)]
mod plain_reader_tests {
    use super::*;

    /// Everything a schema resolves to that a check reads, defaults exposed (`Debug` of a
    /// schema hides them).
    fn resolved(source: &SchemaSource) -> String {
        match source.resolve(Some("svc"), None) {
            Ok(schema) => {
                let defaults: Vec<Option<&str>> = schema
                    .vars
                    .iter()
                    .map(|v| v.default.as_ref().map(crate::secret::Secret::expose))
                    .collect();
                format!("{schema:?}\n{defaults:?}")
            }
            Err(e) => format!("{:?}", e.diagnostics),
        }
    }

    /// The one-pass reader and the layered reader agree on every schema the one-pass reader
    /// takes: the same variables in the same order with the same attributes, and the same
    /// problems at the same positions (worded by the layered reader).
    #[test]
    fn the_plain_reader_and_the_layered_reader_agree() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            // Every type, every scalar form, declaration order not alphabetical.
            r#"
service = "api"
description = "the API"
[severity]
weak-secret = "warning"
[vars.EARLY]
type = "string"
required_when = { LATE = "on" }
[vars.CONSUMER_TOKEN]
type = "jwt"
signed_by = "auth.JWT_KEY"
[vars.ZETA]
type = "secret"
min_length = 32
allow = ["weak-secret"]
[vars.ALPHA]
type = "url"
schemes = ["https", "postgresql+asyncpg"]
forbid_hosts = ["localhost"]
credentials = "forbid"
required = false
default = "https://example.com"
[vars.PORT]
type = "port"
default = 8080
min = 1024
[vars.RATIO]
type = "string"
default = 1.5
example = true
pattern = "^[0-9.]+$"
[vars.COUNT]
type = "int"
min = -5
max = 9223372036854775807
[vars.MODE]
type = "enum"
values = ["a", 1, 2.5, true]
case_sensitive = false
aliases = ["APP_MODE"]
required_when = { PORT = ["80", 443] }
[vars.TTL]
type = "duration"
min = "1s"
max = "1h"
[vars.DEBUG]
type = "bool"
sensitive = false
hint = "true or false"
[vars.DOC]
type = "json"
[vars.KEY]
type = "jwt-key"
algorithm = "HS256"
encoding = "base64"
[vars.TOKEN]
type = "jwt"
algorithms = ["HS256"]
signed_by = "KEY"
expires_within = "24h"
[vars."dotted.name"]
type = "string"
[vars.LATE]
type = "string"
"#,
            // Semantic problems: the messages and positions come from the layered reader.
            r#"
[vars.A]
type = "int"
min = 10
max = 1
[vars.B]
type = "enum"
values = []
[vars.C]
type = "secret"
required_when = { NOPE = "x" }
[vars.D]
type = "string"
pattern = "(unclosed"
default = 5
"#,
            // An empty schema, and one with only settings.
            "",
            "service = \"lonely\"\n",
            // A dotted name declared further down than a `signed_by` naming it: the one-pass
            // reader took it for another service's key, and leaves the file to the other.
            r#"
[vars.EARLY_TOKEN]
type = "jwt"
signed_by = "keys.main"
[vars."keys.main"]
type = "jwt-key"
algorithm = "HS256"
"#,
        ];
        // The case with semantic problems.
        const SEMANTIC: usize = 1;
        // The case the one-pass reader guesses wrong.
        const DOTTED: usize = 4;
        let mut paths: Vec<PathBuf> = Vec::new();
        for (i, text) in cases.iter().enumerate() {
            let path = dir.path().join(format!("case{i}.toml"));
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        for fixture in [
            "examples/rs256-stack/schemas/api.toml",
            "examples/rs256-stack/schemas/auth.toml",
            "tests/fixtures/urls/schema.toml",
            "tests/fixtures/schemas/app.toml",
            "tests/fixtures/secrets/schema.toml",
        ] {
            paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture));
        }
        let mut compared = 0;
        for (i, path) in paths.iter().enumerate() {
            let layered = SchemaSource::load_layered(path).unwrap();
            // The fixtures with profiles are the layered reader's alone; a schema with a
            // problem is read again by the layered reader, for positions.
            let Some(plain) = SchemaSource::load_plain(path) else {
                assert!(
                    i >= cases.len() || i == SEMANTIC || i == DOTTED,
                    "{} should be read in one pass",
                    path.display()
                );
                let loaded = SchemaSource::load(path).unwrap();
                assert_eq!(resolved(&loaded), resolved(&layered), "{}", path.display());
                continue;
            };
            assert!(
                i != SEMANTIC && i != DOTTED,
                "{}: a schema with problems, or a wrong guess, is not taken in one pass",
                path.display()
            );
            assert_eq!(resolved(&plain), resolved(&layered), "{}", path.display());
            let moved = SchemaSource::load_plain(path)
                .unwrap()
                .into_schema(Some("svc"), None)
                .unwrap();
            assert_eq!(
                format!("{moved:?}"),
                format!("{:?}", layered.resolve(Some("svc"), None).unwrap()),
                "{}",
                path.display()
            );
            compared += 1;
        }
        assert!(
            compared > cases.len(),
            "some fixtures are read in one pass too"
        );
    }

    /// What the one-pass reader leaves to the layered one.
    #[test]
    fn includes_profiles_other_formats_and_structural_mistakes_take_the_layered_reader() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.toml"), "[vars.A]\ntype = \"int\"\n").unwrap();
        for (name, text) in [
            (
                "inc.toml",
                "include = [\"base.toml\"]\n[vars.B]\ntype = \"int\"\n",
            ),
            (
                "prof.toml",
                "[vars.A]\ntype = \"int\"\n[profiles.prod.vars.A]\nmin = 1\n",
            ),
            ("unknown.toml", "[vars.A]\ntype = \"int\"\nmni = 1\n"),
            (
                "wrongtype.toml",
                "[vars.A]\ntype = \"int\"\nmin_length = \"x\"\n",
            ),
            (
                "date.toml",
                "[vars.A]\ntype = \"string\"\ndefault = 2024-01-01\n",
            ),
            (
                "claims.toml",
                "[vars.T]\ntype = \"jwt\"\nclaims = { iat = 2024-01-01 }\n",
            ),
            ("stack.toml", "[services.api]\nschema = \"x.toml\"\n"),
            ("syntax.toml", "[vars.A\n"),
            (
                "undeclared.toml",
                "[vars.A]\ntype = \"string\"\nrequired_when = { B = \"x\" }\n[vars.C]\ntype = \"string\"\n",
            ),
            (
                "twice.toml",
                "[vars.A]\ntype = \"int\"\n[vars.A]\ntype = \"int\"\n",
            ),
            ("invalid.toml", "[vars.A]\ntype = \"int\"\nmin = 5\nmax = 1\n"),
            ("s.json", "{\"vars\": {}}"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            assert!(SchemaSource::load_plain(&path).is_none(), "{name}");
        }
    }
}
