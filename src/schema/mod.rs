//! Schema files (SPEC section 3): loading with includes and profiles, then validation into
//! the checked [`model::Schema`]. Any problem here is a [`ConfigError`] (exit 2) with file,
//! line and column.

pub mod document;
pub mod model;
pub mod raw;

use crate::error::{ConfigError, Diagnostic};
use crate::rules::{Code, Severity};
use document::{Document, Pos};
use figment::Figment;
use model::{Credentials, Encoding, Pattern, Schema, TextRules, UrlRules, VarKind, VarSpec};
use raw::{RawSchema, RawVar, COMMON_ATTRS};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// How deep `include` may nest before it is treated as a mistake.
const MAX_INCLUDE_DEPTH: usize = 32;

/// A schema file with its includes, layered by figment, before a profile is chosen.
#[derive(Clone)]
pub struct SchemaSource {
    pub path: PathBuf,
    /// Includes first (depth-first), this file last: figment merge order, local wins.
    docs: Vec<Document>,
    figment: Figment,
    raw: RawLayer,
}

/// A layered schema as written: the top level, and every variable extracted on its own.
#[derive(Clone)]
struct RawLayer {
    /// The file's top level, with variable names but not their attributes.
    top: raw::RawOutline,
    vars: BTreeMap<String, RawVar>,
    /// Each profile's overlays, for validating every profile without re-merging the file.
    overlays: raw::Overlays<RawVar>,
    /// Variables that could not be extracted: reported with the semantic problems of the
    /// others, all at once.
    problems: Vec<Diagnostic>,
}

/// Extracts the top level, then each variable (and each profile's variables) separately,
/// collecting every structural problem instead of stopping at the first.
fn extract_layer(
    figment: &Figment,
    docs: &[Document],
    profile: Option<&str>,
) -> Result<RawLayer, ConfigError> {
    // The common case in one pass: everything extracts.
    if let Ok(whole) = figment.extract::<RawSchema<RawVar>>() {
        let (top, vars, overlays) = whole.split();
        return Ok(RawLayer {
            top,
            vars,
            overlays,
            problems: Vec::new(),
        });
    }
    let top: RawSchema = figment
        .extract()
        .map_err(|e| figment_error(&e, docs, figment, profile))?;
    let mut diags = Vec::new();
    // Each variable's value is deserialized on its own (figment's `extract_inner` would
    // re-merge the whole document per call: quadratic in the number of variables).
    let mut extract_var =
        |prefix: &[&str], name: &str, value: &figment::value::Value| -> Option<RawVar> {
            value
                .deserialize::<RawVar>()
                .map_err(|mut e| {
                    let key: Vec<String> = prefix
                        .iter()
                        .map(|s| (*s).to_string())
                        .chain([name.to_string()])
                        .collect();
                    e.path.splice(0..0, key);
                    let var_type = value
                        .find_ref("type")
                        .and_then(figment::value::Value::as_str)
                        .unwrap_or("string");
                    diags.extend(
                        figment_error_in_var(&e, docs, figment, profile, Some(var_type))
                            .diagnostics,
                    );
                })
                .ok()
        };
    let mut vars = BTreeMap::new();
    for (name, value) in &top.vars {
        if let Some(v) = extract_var(&["vars"], name, value) {
            vars.insert(name.clone(), v);
        }
    }
    // Overlays are checked when the file is loaded; with a profile applied they are merged
    // into `vars` above, so checking them again would report each mistake twice.
    let mut overlays: raw::Overlays<RawVar> = BTreeMap::new();
    for (p, overlay) in top.profiles.iter().filter(|_| profile.is_none()) {
        for (name, value) in &overlay.vars {
            if let Some(v) = extract_var(&["profiles", p, "vars"], name, value) {
                overlays
                    .entry(p.clone())
                    .or_default()
                    .insert(name.clone(), v);
            }
        }
    }
    let (top, _, _) = top.split();
    Ok(RawLayer {
        top,
        vars,
        overlays,
        problems: crate::error::sorted(diags),
    })
}

impl SchemaSource {
    /// Reads the file and its includes and checks the structure (unknown keys, wrong types).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
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
            return Err(diags.into());
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
        let figment = docs
            .iter_mut()
            .fold(Figment::new(), |f, d| f.merge(d.take_provider()));
        let raw = extract_layer(&figment, &docs, None)?;
        let source = Self {
            path: path.to_path_buf(),
            docs,
            figment,
            raw,
        };
        source.check_profiles()?;
        Ok(source)
    }

    /// Every profile is validated when the file is loaded, not only when it is selected: a
    /// mistake in the production overlay should fail in development CI too. An overlay of
    /// a variable the schema does not declare, close to one it does, is a typo.
    fn check_profiles(&self) -> Result<(), ConfigError> {
        let mut diags = Vec::new();
        let declared: std::collections::HashSet<&str> =
            self.raw.top.vars.keys().map(String::as_str).collect();
        let ctx = Locator {
            docs: &self.docs,
            figment: &self.figment,
            profile: None,
        };
        for (p, overlay) in &self.raw.top.profiles {
            let mut typos = Vec::new();
            for name in overlay
                .vars
                .keys()
                .filter(|n| !declared.contains(n.as_str()))
            {
                if let Some(best) = crate::suggest::closest(name, declared.iter().copied()) {
                    typos.push(name.as_str());
                    diags.push(ctx.diag(
                        &["profiles", p, "vars", name],
                        format!("profile {p} overlays {name}, which the schema does not declare; did you mean {best}?"),
                    ));
                }
            }
            // Only what the profile changes is validated again: its severity table and each
            // overlaid variable with its base (a typo'd overlay is already reported).
            let pctx = Locator {
                docs: &self.docs,
                figment: &self.figment,
                profile: Some(p),
            };
            let _ = parse_severity_table(&overlay.severity, &pctx, &mut diags);
            for (name, over) in self.raw.overlays.get(p).into_iter().flatten() {
                if typos.contains(&name.as_str()) {
                    continue;
                }
                let merged = self
                    .raw
                    .vars
                    .get(name)
                    .map_or_else(|| over.clone(), |base| base.overlaid(over));
                let _ = validate_var(name, &merged, &pctx, &self.raw.vars, &mut diags);
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(crate::error::sorted(diags).into())
        }
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
        let profile = profile.filter(|p| self.raw.top.profiles.contains_key(*p));
        let Some(p) = profile else {
            let ctx = Locator {
                docs: &self.docs,
                figment: &self.figment,
                profile: None,
            };
            return validate(&self.raw, &ctx, &self.path, service_name);
        };
        let layered = self
            .figment
            .clone()
            .merge(self.figment.focus(&format!("profiles.{p}")));
        let raw = extract_layer(&layered, &self.docs, Some(p))?;
        let ctx = Locator {
            docs: &self.docs,
            figment: &layered,
            profile: Some(p),
        };
        validate(&raw, &ctx, &self.path, service_name)
    }
}

/// Loads includes depth-first, detecting cycles; diagnostics point at the `include` entry.
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
pub struct Locator<'a> {
    pub docs: &'a [Document],
    pub figment: &'a Figment,
    pub profile: Option<&'a str>,
}

impl Locator<'_> {
    pub fn diag(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        let (file, pos) = self.locate(path);
        Diagnostic::at(&file, pos, message)
    }

    fn locate(&self, path: &[&str]) -> (PathBuf, Pos) {
        locate_in(self.docs, Some(self.figment), self.profile, path)
    }
}

fn locate_in(
    docs: &[Document],
    figment: Option<&Figment>,
    profile: Option<&str>,
    path: &[&str],
) -> (PathBuf, Pos) {
    let fallback_pos = Pos { line: 1, column: 1 };
    // The profile's overlay wins, so look there first.
    if let Some(p) = profile {
        let mut prefixed = vec!["profiles", p];
        prefixed.extend_from_slice(path);
        for doc in docs.iter().rev() {
            if let Some(pos) = doc.exact_position(&prefixed) {
                return (doc.path.clone(), pos);
            }
        }
    }
    // figment knows which file supplied the value.
    if let Some(meta) = figment.and_then(|f| f.find_metadata(&path.join("."))) {
        if let Some(figment::Source::File(file)) = &meta.source {
            if let Some(doc) = docs.iter().find(|d| &d.path == file) {
                return (doc.path.clone(), doc.position(path).unwrap_or(fallback_pos));
            }
        }
    }
    for doc in docs.iter().rev() {
        if let Some(pos) = doc.exact_position(path) {
            return (doc.path.clone(), pos);
        }
    }
    for doc in docs.iter().rev() {
        if let Some(pos) = doc.position(path) {
            return (doc.path.clone(), pos);
        }
    }
    let last = docs.last().map(|d| d.path.clone()).unwrap_or_default();
    (last, fallback_pos)
}

/// Turns figment's extraction errors into positioned diagnostics with our own wording (which
/// never repeats a value: a `default` may be a secret).
pub fn figment_error(
    err: &figment::Error,
    docs: &[Document],
    figment: &Figment,
    profile: Option<&str>,
) -> ConfigError {
    figment_error_in_var(err, docs, figment, profile, None)
}

/// As [`figment_error`], for an error inside one variable whose `type` is known (so that
/// the allowed attributes are those of its type, without another lookup).
fn figment_error_in_var(
    err: &figment::Error,
    docs: &[Document],
    figment: &Figment,
    profile: Option<&str>,
    var_type: Option<&str>,
) -> ConfigError {
    use figment::error::Kind;
    let mut diags = Vec::new();
    for e in err.clone() {
        let mut path: Vec<String> = e.path.clone();
        // figment's path ends with the unknown key itself; messages name its parent.
        let parent: Vec<String> = match &e.kind {
            Kind::UnknownField(field, _) if path.last() == Some(field) => {
                path[..path.len() - 1].to_vec()
            }
            _ => path.clone(),
        };
        let where_ = describe_key_path(&parent);
        let message = match &e.kind {
            Kind::UnknownField(field, expected) => {
                if path.last() != Some(field) {
                    path.push(field.clone());
                }
                unknown_key_message(field, expected, &where_, figment, &parent, var_type)
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
            _ => format!("{where_}has an invalid value"),
        };
        // The metadata names the file that supplied the value; prefer it.
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        let (file, pos) = match e.metadata.as_ref().and_then(|m| m.source.as_ref()) {
            Some(figment::Source::File(file)) if profile.is_none() => {
                match docs.iter().find(|d| &d.path == file) {
                    Some(doc) => (
                        doc.path.clone(),
                        doc.position(&refs).unwrap_or(Pos { line: 1, column: 1 }),
                    ),
                    None => locate_in(docs, Some(figment), profile, &refs),
                }
            }
            _ => locate_in(docs, Some(figment), profile, &refs),
        };
        diags.push(Diagnostic::at(&file, pos, message));
    }
    diags.into()
}

fn describe_key_path(path: &[String]) -> String {
    match path {
        [] => String::new(),
        [vars, name] if vars == "vars" => format!("variable {name}: "),
        [vars, name, attr, ..] if vars == "vars" => format!("variable {name}: `{attr}` "),
        _ => format!("`{}` ", path.join(".")),
    }
}

fn unknown_key_message(
    field: &str,
    expected: &[&str],
    where_: &str,
    figment: &Figment,
    path: &[String],
    var_type: Option<&str>,
) -> String {
    // Inside a variable, list the attributes its type accepts rather than serde's union.
    let allowed: Vec<&str> = match path {
        [vars, name] if vars == "vars" => {
            let kind = var_type.map_or_else(
                || {
                    figment
                        .extract_inner::<String>(&format!("vars.{name}.type"))
                        .unwrap_or_else(|_| "string".into())
                },
                str::to_string,
            );
            let specific = model::TYPES
                .iter()
                .find(|(t, _)| *t == kind)
                .map_or(&[][..], |(_, a)| *a);
            COMMON_ATTRS.iter().chain(specific).copied().collect()
        }
        _ => expected.to_vec(),
    };
    let all_attrs: Vec<&str> = if path.first().is_some_and(|p| p == "vars") {
        expected.to_vec()
    } else {
        allowed.clone()
    };
    let mut msg = if path.first().is_some_and(|p| p == "vars") {
        format!("{where_}unknown attribute `{field}`")
    } else if path.is_empty() {
        format!("unknown key `{field}`")
    } else {
        format!("{where_}unknown key `{field}`")
    };
    if let Some(best) = crate::suggest::closest(field, all_attrs.iter().copied()) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    msg.push_str(&format!(" (allowed: {})", allowed.join(", ")));
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
    ctx: &Locator<'_>,
    path: &Path,
    service_name: Option<&str>,
) -> Result<Schema, ConfigError> {
    let raw = &layer.top;
    let mut diags = layer.problems.clone();
    let service = service_name
        .map(str::to_string)
        .or_else(|| raw.service.clone())
        .unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });

    let severity = parse_severity_table(&raw.severity, ctx, &mut diags);

    let mut vars = Vec::with_capacity(layer.vars.len());
    for (name, rv) in &layer.vars {
        if let Some(spec) = validate_var(name, rv, ctx, &layer.vars, &mut diags) {
            vars.push(spec);
        }
    }
    // Declaration order: includes first, then this file, each in file order.
    let order: HashMap<&str, (usize, Pos)> = raw
        .vars
        .keys()
        .map(|name| {
            let key = ctx
                .docs
                .iter()
                .enumerate()
                .find_map(|(i, d)| d.exact_position(&["vars", name.as_str()]).map(|p| (i, p)))
                .unwrap_or((usize::MAX, Pos::default()));
            (name.as_str(), key)
        })
        .collect();
    vars.sort_by_key(|v| {
        order
            .get(v.name.as_str())
            .copied()
            .unwrap_or((usize::MAX, Pos::default()))
    });

    if diags.is_empty() {
        Ok(Schema {
            service,
            description: raw.description.clone(),
            path: path.to_path_buf(),
            files: ctx.docs.iter().map(|d| d.path.clone()).collect(),
            vars,
            severity,
            profiles: raw.profiles.keys().cloned().collect(),
        })
    } else {
        Err(crate::error::sorted(diags).into())
    }
}

fn parse_severity_table(
    table: &BTreeMap<String, String>,
    ctx: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<Code, Severity> {
    let mut out = HashMap::new();
    for (code, sev) in table {
        let Ok(c) = code.parse::<Code>() else {
            diags.push(ctx.diag(&["severity", code], unknown_code_message(code)));
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

fn unknown_code_message(code: &str) -> String {
    let mut msg = format!("unknown finding code `{code}`");
    if let Some(best) = crate::suggest::closest(code, Code::ALL.iter().map(|c| c.as_str())) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    msg.push_str(" (`envgate rules` lists them)");
    msg
}

fn validate_var(
    name: &str,
    rv: &RawVar,
    ctx: &Locator<'_>,
    all: &BTreeMap<String, RawVar>,
    diags: &mut Vec<Diagnostic>,
) -> Option<VarSpec> {
    let start = diags.len();
    fn key_path<'a>(name: &'a str, attr: &'a str) -> Vec<&'a str> {
        if attr.is_empty() {
            vec!["vars", name]
        } else {
            vec!["vars", name, attr]
        }
    }
    let at = |attr: &'static str| key_path(name, attr);
    // A name the environment cannot carry (`A B`, `1ABC`, `A=B`, or the empty name) can
    // never be set: a schema mistake.
    let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        diags.push(ctx.diag(
            &at(""),
            format!("`{name}` is not a valid variable name (letters, digits and _, not starting with a digit)"),
        ));
        return None;
    }
    let kind_name = rv.kind.as_deref().unwrap_or("string");
    let Some((_, specific)) = model::TYPES.iter().find(|(t, _)| *t == kind_name) else {
        let names: Vec<&str> = model::TYPES.iter().map(|(t, _)| *t).collect();
        let mut msg = format!("variable {name}: unknown type `{kind_name}`");
        if let Some(best) = crate::suggest::closest(kind_name, names.iter().copied()) {
            msg.push_str(&format!("; did you mean `{best}`?"));
        }
        msg.push_str(&format!(" (types: {})", names.join(", ")));
        if matches!(kind_name, "jwt-key" | "jwt") {
            msg = format!("variable {name}: type `{kind_name}` is not supported by this version of envgate yet (types: {})", names.join(", "));
        }
        diags.push(ctx.diag(&at("type"), msg));
        return None;
    };
    for attr in rv.set_specific_attrs() {
        if !specific.contains(&attr) {
            let mut msg =
                format!("variable {name}: `{attr}` is not an attribute of type `{kind_name}`");
            if specific.is_empty() {
                msg.push_str(&format!(
                    " (type `{kind_name}` takes only the common attributes)"
                ));
            } else {
                msg.push_str(&format!(" (its attributes: {})", specific.join(", ")));
            }
            diags.push(ctx.diag(&at(attr), msg));
        }
    }

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
                    format!("variable {name}: `{attr}` must be an integer"),
                ));
                None
            }
        }
    };
    let duration_bound = |attr: &'static str,
                          v: Option<&raw::Scalar>,
                          diags: &mut Vec<Diagnostic>|
     -> Option<std::time::Duration> {
        let v = v?;
        let parsed = crate::rules::types::parse_duration(&v.to_text());
        if parsed.is_none() {
            diags.push(ctx.diag(
                &at(attr),
                format!(
                    "variable {name}: `{attr}` must be a duration such as 30s, 5m, 1h30m or 250ms"
                ),
            ));
        }
        parsed
    };

    let kind = match kind_name {
        "string" => VarKind::String(text_rules(name, rv, ctx, diags)),
        "secret" => VarKind::Secret(text_rules(name, rv, ctx, diags)),
        "url" => {
            let credentials = match rv.credentials.as_deref() {
                None | Some("allow") => Credentials::Allow,
                Some("forbid") => Credentials::Forbid,
                Some("require") => Credentials::Require,
                Some(other) => {
                    diags.push(ctx.diag(&at("credentials"), format!("variable {name}: `credentials` must be allow, forbid or require, not `{other}`")));
                    Credentials::Allow
                }
            };
            VarKind::Url(UrlRules {
                schemes: rv.schemes.clone(),
                require_host: rv.require_host.unwrap_or(true),
                forbid_hosts: rv.forbid_hosts.clone().unwrap_or_default(),
                credentials,
            })
        }
        "int" => VarKind::Int {
            min: int_bound("min", rv.min.as_ref(), diags),
            max: int_bound("max", rv.max.as_ref(), diags),
        },
        "port" => VarKind::Port {
            min: int_bound("min", rv.min.as_ref(), diags),
            max: int_bound("max", rv.max.as_ref(), diags),
        },
        "bool" => VarKind::Bool,
        "enum" => {
            let values: Vec<String> = rv
                .values
                .as_ref()
                .map(|v| v.iter().map(raw::Scalar::to_text).collect())
                .unwrap_or_default();
            if values.is_empty() {
                diags.push(ctx.diag(
                    &at("type"),
                    format!("variable {name}: type `enum` needs a non-empty `values` list"),
                ));
            }
            VarKind::Enum {
                values,
                case_sensitive: rv.case_sensitive.unwrap_or(true),
            }
        }
        "duration" => VarKind::Duration {
            min: duration_bound("min", rv.min.as_ref(), diags),
            max: duration_bound("max", rv.max.as_ref(), diags),
        },
        _ => VarKind::Json,
    };
    for (attr, problem) in contradictions(&kind) {
        diags.push(ctx.diag(&at(attr), format!("variable {name}: {problem}")));
    }
    let mut allow = Vec::new();
    for (i, code) in rv.allow.iter().flatten().enumerate() {
        if let Ok(c) = code.parse::<Code>() {
            allow.push(c);
        } else {
            let idx = i.to_string();
            diags.push(ctx.diag(
                &["vars", name, "allow", &idx],
                format!("variable {name}: {}", unknown_code_message(code)),
            ));
        }
    }
    let mut required_when = Vec::new();
    for (other, values) in rv.required_when.iter().flatten() {
        if !all.contains_key(other) {
            diags.push(ctx.diag(
                &["vars", name, "required_when", other],
                format!("variable {name}: `required_when` names {other}, which this schema does not declare"),
            ));
        }
        required_when.push((other.clone(), values.to_texts()));
    }

    let sensitive = rv
        .sensitive
        .unwrap_or_else(|| matches!(kind, VarKind::Secret(_)) || model::sensitive_by_name(name));
    let spec = VarSpec {
        name: name.to_string(),
        description: rv.description.clone(),
        kind,
        // `required_when` makes the variable conditionally required: unless `required` is
        // given too, it is not required otherwise.
        required: rv.required.unwrap_or(rv.required_when.is_none()),
        default: rv
            .default
            .as_ref()
            .map(|d| crate::secret::Secret::new(d.to_text())),
        example: rv.example.as_ref().map(raw::Scalar::to_text),
        hint: rv.hint.clone(),
        sensitive,
        aliases: rv.aliases.clone().unwrap_or_default(),
        required_when,
        allow,
    };
    if diags.len() > start {
        return None;
    }
    // A default must pass its own type's checks; the message never repeats a sensitive default.
    if let Some(default) = &spec.default {
        let problems = crate::rules::types::check(&spec, default);
        if let Some(p) = problems.first() {
            let shown = crate::rules::types::shown(&spec, default.expose())
                .map_or_else(|| String::from("the default"), |v| format!("default `{v}`"));
            diags.push(ctx.diag(
                &at("default"),
                format!(
                    "variable {name}: {shown} fails its own type: {name} {}",
                    p.message
                ),
            ));
            return None;
        }
    }
    Some(spec)
}

fn text_rules(
    name: &str,
    rv: &RawVar,
    ctx: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> TextRules {
    let to_usize = |v: Option<u64>| v.and_then(|n| usize::try_from(n).ok());
    let pattern = rv.pattern.as_ref().and_then(|p| match compile_pattern(p) {
        Ok(regex) => Some(Pattern {
            source: p.clone(),
            regex,
        }),
        Err(reason) => {
            diags.push(ctx.diag(
                &["vars", name, "pattern"],
                format!("variable {name}: `pattern` is not a valid regular expression: {reason}"),
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
                    "variable {name}: unknown encoding `{e}` (encodings: base64, base64url, hex)"
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
            .as_ref()
            .map(|v| v.iter().map(raw::Scalar::to_text).collect()),
        encoding,
        bytes: to_usize(rv.bytes),
        min_bytes: to_usize(rv.min_bytes),
    }
}

/// Compiles a `pattern` for a full match. Stacks share fragments, so each distinct pattern
/// is compiled once per run (a `Regex` clone shares the compiled program).
fn compile_pattern(source: &str) -> Result<std::sync::Arc<regex::Regex>, String> {
    use std::cell::RefCell;
    use std::sync::Arc;
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Arc<regex::Regex>>> = RefCell::new(HashMap::new());
    }
    if let Some(re) = COMPILED.with(|c| c.borrow().get(source).cloned()) {
        return Ok(re);
    }
    // Parsed on its own first: wrapped as `^(?:...)$`, a pattern like `a)|(b` would
    // compile into something else, and errors would point at the wrapper.
    if let Err(e) = regex_syntax::Parser::new().parse(source) {
        return Err(regex_error_reason(&e.to_string()));
    }
    let re = Arc::new(
        regex::Regex::new(&format!("^(?:{source})$"))
            .map_err(|e| regex_error_reason(&e.to_string()))?,
    );
    COMPILED.with(|c| c.borrow_mut().insert(source.to_string(), re.clone()));
    Ok(re)
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
