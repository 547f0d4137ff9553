//! The schema file as written: every attribute optional, unknown ones rejected. Validation
//! into the checked model happens in [`super::SchemaSource::load`].

use serde::Deserialize;
use std::collections::BTreeMap;

/// A scalar as written in TOML/YAML/JSON: defaults, examples and `values` may be numbers.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Scalar {
    pub fn to_text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Str(s) => s.clone(),
        }
    }
}

/// A value or a list of values (`required_when = { ALG = "RS256" }` or `= ["RS256", "ES256"]`).
#[derive(Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(Scalar),
    Many(Vec<Scalar>),
}

impl OneOrMany {
    pub fn to_texts(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.to_text()],
            OneOrMany::Many(v) => v.iter().map(Scalar::to_text).collect(),
        }
    }
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchema<V = figment::value::Value> {
    pub service: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub include: Vec<String>,
    /// `RawVar`s when the whole file extracts cleanly; figment `Value`s when it does not, so
    /// that each variable is then extracted on its own and one variable's mistake does not
    /// hide the others' (see `schema::extract_layer`).
    #[serde(default = "BTreeMap::new")]
    pub vars: BTreeMap<String, V>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default = "BTreeMap::new")]
    pub profiles: BTreeMap<String, RawProfile<V>>,
}

/// Each profile's variable overlays, by profile and variable name.
pub type Overlays<V> = BTreeMap<String, BTreeMap<String, V>>;

/// What validation needs besides the variables' attributes: the names, in a `RawSchema`
/// whose variables carry nothing.
pub type RawOutline = RawSchema<()>;

impl<V> RawSchema<V> {
    /// The variables' attributes taken out; the outline (names kept) for validation.
    // The outline maps names to `()` on purpose: it is the same type as what was parsed.
    #[allow(clippy::zero_sized_map_values)]
    pub fn split(self) -> (RawOutline, BTreeMap<String, V>, Overlays<V>) {
        let names = |vars: &BTreeMap<String, V>| vars.keys().map(|k| (k.clone(), ())).collect();
        let mut overlays = BTreeMap::new();
        let mut profiles = BTreeMap::new();
        for (p, o) in self.profiles {
            profiles.insert(
                p.clone(),
                RawProfile {
                    vars: names(&o.vars),
                    severity: o.severity,
                },
            );
            overlays.insert(p, o.vars);
        }
        let outline = RawSchema {
            service: self.service,
            description: self.description,
            include: self.include,
            vars: names(&self.vars),
            severity: self.severity,
            profiles,
        };
        (outline, self.vars, overlays)
    }
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile<V = figment::value::Value> {
    #[serde(default = "BTreeMap::new")]
    pub vars: BTreeMap<String, V>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

/// Every attribute of every type; which ones a type accepts is checked in validation (from
/// [`super::value_type`]), so that the message can say "`schemes` is not an attribute of
/// type `int`".
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVar {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    pub required: Option<bool>,
    pub default: Option<Scalar>,
    pub example: Option<Scalar>,
    pub hint: Option<String>,
    pub sensitive: Option<bool>,
    pub aliases: Option<Vec<String>>,
    pub required_when: Option<BTreeMap<String, OneOrMany>>,
    pub allow: Option<Vec<String>>,
    // string / secret
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub length: Option<u64>,
    pub pattern: Option<String>,
    pub values: Option<Vec<Scalar>>,
    pub encoding: Option<String>,
    pub bytes: Option<u64>,
    pub min_bytes: Option<u64>,
    // url
    pub schemes: Option<Vec<String>>,
    pub require_host: Option<bool>,
    pub forbid_hosts: Option<Vec<String>>,
    pub credentials: Option<String>,
    // int / port / duration
    pub min: Option<Scalar>,
    pub max: Option<Scalar>,
    // enum
    pub case_sensitive: Option<bool>,
    // jwt-key (and `encoding` above)
    pub algorithm: Option<String>,
    pub algorithm_var: Option<String>,
    // jwt
    pub algorithms: Option<Vec<String>>,
    pub claims: Option<BTreeMap<String, serde_json::Value>>,
    pub expires_within: Option<Scalar>,
    pub signed_by: Option<String>,
}

/// `RawVar`'s attributes, listed once: the common ones, then the type-specific ones.
macro_rules! with_var_attrs {
    ($callback:ident) => {
        $callback!(
            [kind, description, required, default, example, hint, sensitive, aliases, required_when, allow]
            [
                min_length, max_length, length, pattern, values, encoding, bytes, min_bytes, schemes,
                require_host, forbid_hosts, credentials, min, max, case_sensitive, algorithm,
                algorithm_var, algorithms, claims, expires_within, signed_by
            ]
        )
    };
}

/// The type-specific attributes `RawVar` has fields for (the registry's attributes must be
/// exactly these: a test in [`super::value_type`] says so).
pub const SPECIFIC_ATTRS: &[&str] = {
    macro_rules! names {
        ([$($common:ident),*] [$($specific:ident),*]) => { &[$(stringify!($specific)),*] };
    }
    with_var_attrs!(names)
};

/// The common attributes `RawVar` has fields for, by field name (`kind` is written `type`).
#[cfg(test)]
pub const COMMON_FIELDS: &[&str] = {
    macro_rules! names {
        ([$($common:ident),*] [$($specific:ident),*]) => { &[$(stringify!($common)),*] };
    }
    with_var_attrs!(names)
};

impl RawVar {
    /// This variable with a profile's overlay applied: each attribute the overlay sets wins.
    #[must_use]
    pub fn overlaid(&self, overlay: &RawVar) -> RawVar {
        macro_rules! pick {
            ([$($common:ident),*] [$($specific:ident),*]) => {
                RawVar {
                    $( $common: overlay.$common.clone().or_else(|| self.$common.clone()), )*
                    $( $specific: overlay.$specific.clone().or_else(|| self.$specific.clone()), )*
                }
            };
        }
        with_var_attrs!(pick)
    }

    /// Names of the type-specific attributes that are set.
    pub fn set_specific_attrs(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        macro_rules! check {
            ([$($common:ident),*] [$($field:ident),*]) => { $( if self.$field.is_some() { set.push(stringify!($field)); } )* };
        }
        with_var_attrs!(check);
        set
    }
}
