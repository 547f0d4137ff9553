//! Which names hold sensitive values, decided once per run from every selected service's
//! schema, before any message about a value is worded.
//!
//! A value read from an env file may be echoed in a message (a `$NAME` inside it, the key it
//! was read under) only when the table says its key is known and not sensitive. A name that
//! no selected schema declares is of unknown sensitivity, and is treated as sensitive: a typo
//! of a secret's name (`API_TOKNE`) is undeclared, and so covered.

use crate::schema::model::Schema;
use crate::source::NameIndex;

/// Every name (and alias) that a selected service declares, with whether ANY declaring
/// service treats it as sensitive.
#[derive(Debug, Clone, Default)]
pub struct Sensitivity {
    /// Every declared name, one after the other: one buffer, not a string per name.
    text: String,
    /// Each name as (start in `text`, length, sensitive).
    names: NameIndex<(usize, usize, bool)>,
}

impl Sensitivity {
    /// A declaration is sensitive when its schema says so: type `secret` (and the other
    /// secret types), `sensitive = true`, or a sensitive-looking name unless
    /// `sensitive = false` (all settled in the schema's `VarSpec::sensitive`). An alias
    /// shares its variable's sensitivity. One sensitive declaration anywhere wins: a
    /// sibling service reading the same env file may hold a secret under the same key.
    pub fn from_schemas<'a>(schemas: impl IntoIterator<Item = &'a Schema>) -> Self {
        let mut table = Self::default();
        for schema in schemas {
            table.add(schema);
        }
        table
    }

    /// Adds one service's declarations (see [`Sensitivity::from_schemas`]).
    pub fn add(&mut self, schema: &Schema) {
        let text = &mut self.text;
        self.names
            .reserve(schema.vars.len(), |&(at, len, _)| &text[at..at + len]);
        for spec in &schema.vars {
            for name in std::iter::once(&spec.name).chain(&spec.aliases) {
                let held: &str = text;
                let (slot, new) = self.names.slot(
                    name,
                    |&(at, len, _)| &held[at..at + len],
                    (text.len(), name.len(), spec.sensitive),
                );
                if new {
                    text.push_str(name);
                } else {
                    slot.2 |= spec.sensitive;
                }
            }
        }
    }

    /// Whether some selected service declares `name` (as a variable or an alias).
    pub fn contains(&self, name: &str) -> bool {
        self.declared(name).is_some()
    }

    /// `Some(sensitive)` for a declared name, `None` when no selected service declares it.
    pub fn declared(&self, name: &str) -> Option<bool> {
        self.names
            .find(name, |&(at, len, _)| &self.text[at..at + len])
            .map(|&(_, _, sensitive)| sensitive)
    }

    /// Whether a value under `name` must be treated as secret: declared sensitive
    /// somewhere, or not declared at all (unknown).
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.declared(name) != Some(false)
    }

    /// Whether a value may be shown, considering the key it is read under and its own
    /// shape: only under a key known to be non-sensitive, and only when the value holds no
    /// credential shape (a token pasted under an innocent name is still a token).
    pub fn value_is_sensitive(&self, key: &str, value: &str) -> bool {
        self.is_sensitive(key) || crate::secret::contains_credential(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaSource;

    /// A schema read the way a run reads it (so the test does not depend on how a
    /// `VarSpec` is built).
    fn schema(dir: &std::path::Path, service: &str, toml: &str) -> Schema {
        let path = dir.join(format!("{service}.toml"));
        std::fs::write(&path, toml).unwrap();
        SchemaSource::load(&path)
            .unwrap()
            .resolve(None, None)
            .unwrap()
    }

    #[test]
    fn one_sensitive_declaration_anywhere_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = schema(
            dir.path(),
            "a",
            "[vars.SHARED]\nsensitive = false\n\n[vars.PLAIN]\n\n[vars.DB_PASSWORD]\nsensitive = false\n",
        );
        let b = schema(
            dir.path(),
            "b",
            "[vars.SHARED]\ntype = \"secret\"\n\n[vars.JWT_SECRET_KEY]\naliases = [\"OLD_JWT\"]\n",
        );
        let table = Sensitivity::from_schemas([&a, &b]);
        assert!(table.is_sensitive("SHARED"));
        assert!(!table.is_sensitive("PLAIN"));
        assert_eq!(table.declared("PLAIN"), Some(false));
        // `sensitive = false` everywhere it is declared.
        assert!(!table.is_sensitive("DB_PASSWORD"));
        // An alias shares its variable's sensitivity (here: by the variable's name).
        assert!(table.is_sensitive("OLD_JWT"));
        assert!(table.contains("OLD_JWT"));
        // Unknown names (a typo of a secret's name) are sensitive.
        assert!(table.is_sensitive("JWT_SECRET_KYE"));
        assert_eq!(table.declared("JWT_SECRET_KYE"), None);
        // A credential shape makes a plain key's value sensitive.
        assert!(!table.value_is_sensitive("PLAIN", "hello"));
        assert!(table.value_is_sensitive("PLAIN", "ghp_abcdefghijklmnop"));
    }
}
