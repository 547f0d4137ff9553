//! Findings: one problem each, with a stable code, a severity, where the value came from,
//! and how to fix it. Findings are data; renderers in [`crate::report`] turn them into text
//! (the JSON wire format has its own structs in [`crate::report::json`]).

use crate::rules::registry::{Code, Severity};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// What kind of place a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// The process environment.
    Env,
    /// A dotenv file.
    Dotenv,
    /// A file named by `NAME_FILE`.
    File,
    /// A schema `default`.
    Default,
    /// A table of the stack file (a cross-service rule, a service's `hosts`).
    Stack,
}

impl SourceKind {
    /// The name in reports (SPEC section 6: `source.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Env => "env",
            SourceKind::Dotenv => "dotenv",
            SourceKind::File => "file",
            SourceKind::Default => "default",
            SourceKind::Stack => "stack",
        }
    }
}

/// Where a value came from: kind, file, line, and the name it was set under (which may be an
/// alias or a `NAME_FILE` variable). `via` is the step before, when a value was reached
/// through another one: the `NAME_FILE` entry (an env file's line, the environment) that
/// named the file a value was read from. Later sources (a compose file's `environment`
/// interpolated from a project `.env`, a Kubernetes `secretKeyRef`) chain the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub kind: SourceKind,
    /// Shared: every key of one env file points at the same path.
    pub path: Option<Arc<Path>>,
    pub line: Option<usize>,
    pub name: Option<String>,
    pub via: Option<Box<SourceRef>>,
}

impl SourceRef {
    pub fn env(name: impl Into<String>) -> Self {
        Self {
            kind: SourceKind::Env,
            path: None,
            line: None,
            name: Some(name.into()),
            via: None,
        }
    }

    pub fn dotenv(path: impl Into<Arc<Path>>, line: usize, name: impl Into<String>) -> Self {
        Self {
            kind: SourceKind::Dotenv,
            path: Some(path.into()),
            line: Some(line),
            name: Some(name.into()),
            via: None,
        }
    }

    pub fn default_value(schema: impl Into<Arc<Path>>) -> Self {
        Self {
            kind: SourceKind::Default,
            path: Some(schema.into()),
            line: None,
            name: None,
            via: None,
        }
    }

    /// A line of the stack file.
    pub fn stack(path: impl Into<Arc<Path>>, line: usize) -> Self {
        Self {
            kind: SourceKind::Stack,
            path: Some(path.into()),
            line: Some(line),
            name: None,
            via: None,
        }
    }

    /// The same origin, reached through `step` (where the name pointing at it was set).
    #[must_use]
    pub fn via(mut self, step: SourceRef) -> Self {
        self.via = Some(Box::new(step));
        self
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
            SourceKind::Dotenv | SourceKind::Stack => {
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

/// A place a finding points at: a service's variable and where its value came from (or, for
/// a service's `hosts` and `port`, the stack file's line), with what it is there for
/// ("issuer's key", "agrees with auth").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub service: String,
    pub var: Option<String>,
    pub source: Option<SourceRef>,
    pub label: Option<String>,
}

impl Location {
    pub fn var(
        service: impl Into<String>,
        var: impl Into<String>,
        source: Option<SourceRef>,
    ) -> Self {
        Self {
            service: service.into(),
            var: Some(var.into()),
            source,
            label: None,
        }
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// One problem. Its primary location is `service`, `var` and `source` (with `label`); a
/// finding of the stack itself (a cross-service rule that no one service owns) has an empty
/// `service` and points at the stack file. `related` are the other places it involves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub service: String,
    pub var: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    pub source: Option<SourceRef>,
    /// What the primary location is in the finding ("differs here"), for the human report.
    pub label: Option<String>,
    pub related: Vec<Location>,
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
            label: None,
            related: Vec::new(),
            profile: None,
        }
    }

    /// Whether it belongs to the stack rather than to one service.
    pub fn is_stack_level(&self) -> bool {
        self.service.is_empty()
    }

    /// Whether it fails the run (the one place that says so: [`Severity::fails`]).
    pub fn fails(&self, strict: bool) -> bool {
        self.severity.fails(strict)
    }

    #[must_use]
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
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
    pub fn related(mut self, related: Location) -> Self {
        self.related.push(related);
        self
    }
}

/// One cross-service rule evaluation: a rule kind (`shared`, `link`, `jwt`) over some
/// services, whether it held, and what was proven (or why not) in words that never hold
/// a value: "backend → auth: `AUTH_SERVICE_URL` addresses auth:8081".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheck {
    pub rule: &'static str,
    /// The rule's `name` in the stack file, if it has one.
    pub name: Option<String>,
    pub services: Vec<String>,
    pub ok: bool,
    pub summary: String,
}
