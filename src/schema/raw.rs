//! The schema file as written: every attribute optional, unknown ones rejected. Validation
//! into the checked model happens in [`super::SchemaSource::load`].

use serde::Deserialize;
use std::collections::BTreeMap;

/// A scalar as written in TOML/YAML/JSON: defaults, examples and `values` may be numbers.
// `Debug` in tests only: a default may be a secret.
#[derive(Clone, PartialEq)]
#[cfg_attr(test, derive(Debug))]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// What a value that is no scalar is told (the schema loader words it for the user).
const NOT_A_SCALAR: &str = "data did not match any variant of untagged enum Scalar";

/// Read as serde's untagged form of the enum would (a boolean, an integer that fits `i64`,
/// another number as a float, or text), without buffering the value and trying each form
/// in turn: `values` lists are read for every enum variable.
impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> serde::de::Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            #[allow(clippy::cast_precision_loss)] // as the untagged form reads it
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Scalar, E> {
                Err(E::custom(NOT_A_SCALAR))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Scalar, E> {
                Err(E::custom(NOT_A_SCALAR))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, _: D) -> Result<Scalar, D::Error> {
                Err(serde::de::Error::custom(NOT_A_SCALAR))
            }
            fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Scalar, E> {
                Err(E::custom(NOT_A_SCALAR))
            }
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(
                self,
                _: D,
            ) -> Result<Scalar, D::Error> {
                Err(serde::de::Error::custom(NOT_A_SCALAR))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
                Err(serde::de::Error::custom(NOT_A_SCALAR))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
                Err(serde::de::Error::custom(NOT_A_SCALAR))
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
                Err(serde::de::Error::custom(NOT_A_SCALAR))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl Scalar {
    /// [`Scalar::to_text`], keeping a text's own `String`.
    pub fn into_text(self) -> String {
        match self {
            Scalar::Str(s) => s,
            other => other.to_text(),
        }
    }

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
#[cfg_attr(test, derive(Debug))]
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

/// A schema read in one pass ([`super::SchemaSource::load_plain`]): `include` and
/// `profiles` only to tell that there are none. `vars` holds the variables in the order they
/// are written when the whole schema is read at once (the tests compare that reading with
/// `toml`'s); a check takes them one at a time as they are read, and leaves it empty.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
#[serde(deny_unknown_fields)]
pub struct PlainSchema {
    pub service: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub include: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    pub vars: InOrder<RawVar>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// Only whether there are any: a schema with profiles takes the layered reader.
    #[serde(default)]
    #[allow(clippy::zero_sized_map_values)]
    pub profiles: BTreeMap<String, serde::de::IgnoredAny>,
}

/// A table's entries in the order they are written.
#[cfg_attr(test, derive(Debug))]
pub struct InOrder<V>(pub Vec<(String, V)>);

impl<V> Default for InOrder<V> {
    fn default() -> Self {
        InOrder(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for InOrder<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Entries<V> {
            type Value = InOrder<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = map.next_entry::<String, V>()? {
                    out.push(entry);
                }
                Ok(InOrder(out))
            }
        }
        deserializer.deserialize_map(Entries(std::marker::PhantomData))
    }
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
#[cfg_attr(test, derive(Debug))]
#[serde(deny_unknown_fields)]
pub struct RawVar {
    #[serde(rename = "type")]
    /// A known type's name is the registry's own (no copy), another is kept as written.
    pub kind: Option<std::borrow::Cow<'static, str>>,
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
