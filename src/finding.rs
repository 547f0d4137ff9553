//! Findings: one problem each, with a stable code, a severity, where the value came from,
//! and how to fix it. Findings are data; renderers in [`crate::report`] turn them into text.

use crate::rules::{Code, Severity};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// What kind of place a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// The process environment.
    Env,
    /// A dotenv file.
    Dotenv,
    /// A file named by `NAME_FILE`.
    File,
    /// A schema `default`.
    Default,
}

/// Where a value came from: kind, file, line, and the name it was set under (which may be an
/// alias or a `NAME_FILE` variable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub kind: SourceKind,
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub name: Option<String>,
}

impl SourceRef {
    pub fn env(name: impl Into<String>) -> Self {
        Self {
            kind: SourceKind::Env,
            path: None,
            line: None,
            name: Some(name.into()),
        }
    }

    pub fn dotenv(path: impl Into<PathBuf>, line: usize, name: impl Into<String>) -> Self {
        Self {
            kind: SourceKind::Dotenv,
            path: Some(path.into()),
            line: Some(line),
            name: Some(name.into()),
        }
    }

    pub fn default_value(schema: impl Into<PathBuf>) -> Self {
        Self {
            kind: SourceKind::Default,
            path: Some(schema.into()),
            line: None,
            name: None,
        }
    }
}

impl fmt::Display for SourceRef {
    /// Short human form: `.env:4`, `environment`, `/run/secrets/jwt (via JWT_FILE)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SourceKind::Env => match &self.name {
                Some(name) => write!(f, "environment ({name})"),
                None => f.write_str("environment"),
            },
            SourceKind::Default => f.write_str("schema default"),
            SourceKind::File => {
                let path = self
                    .path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                match &self.name {
                    Some(name) => write!(f, "{path} (via {name})"),
                    None => f.write_str(&path),
                }
            }
            SourceKind::Dotenv => {
                if let Some(path) = &self.path {
                    write!(f, "{}", path.display())?;
                }
                if let Some(line) = self.line {
                    write!(f, ":{line}")?;
                }
                Ok(())
            }
        }
    }
}

/// Another place a finding points at (the earlier variable of a reused secret, or another
/// service's value in a cross-service rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub service: String,
    pub var: String,
    pub source: Option<SourceRef>,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub service: String,
    pub var: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    pub source: Option<SourceRef>,
    pub related: Vec<Related>,
    pub profile: Option<String>,
}

impl Finding {
    /// A finding with the code's default severity; the service applies overrides later.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            service: String::new(),
            var: None,
            message: message.into(),
            hint: None,
            source: None,
            related: Vec::new(),
            profile: None,
        }
    }

    #[must_use]
    pub fn var(mut self, var: impl Into<String>) -> Self {
        self.var = Some(var.into());
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[must_use]
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    #[must_use]
    pub fn source(mut self, source: Option<SourceRef>) -> Self {
        self.source = source;
        self
    }

    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    #[must_use]
    pub fn related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }
}
