//! Reports: the data every renderer shares, and one renderer per format. Renderers write to
//! any `io::Write`; whether to colour is the caller's decision.

pub mod explain;
pub mod human;
pub mod json;

use crate::finding::{Finding, SourceRef};
use crate::rules::Severity;
use serde::Serialize;

/// Text for a terminal: control characters (a `\x1b[2J` in a file name from an untrusted
/// repository, a tab in a value) are shown escaped, never sent to the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_debug().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// JSON report format version (SPEC section 6).
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub ok: bool,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub vars: Vec<VarReport>,
    pub checks: Vec<RuleCheck>,
    /// Services in check order, with their schema files (for the human report).
    #[serde(skip)]
    pub services: Vec<ServiceInfo>,
    #[serde(skip)]
    pub profile: Option<String>,
    #[serde(skip)]
    pub strict: bool,
}

#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: String,
    pub schema: std::path::PathBuf,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub services: usize,
    pub vars: usize,
}

/// One declared variable of one service: its status and where its value came from.
#[derive(Debug, Clone, Serialize)]
pub struct VarReport {
    pub service: String,
    pub name: String,
    /// `ok`, `warning`, `error`, `missing` (required, absent) or `unset` (optional, absent).
    pub status: String,
    pub source: Option<SourceRef>,
    /// `sha256:` + 12 hex digits, for every present value, sensitive or not.
    pub fingerprint: Option<String>,
    #[serde(skip)]
    pub sensitive: bool,
    /// For `explain`: the value when not sensitive (URL passwords masked), else its length,
    /// character classes, whitespace facts and fingerprint.
    #[serde(skip)]
    pub detail: Option<String>,
}

/// One cross-service rule evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCheck {
    pub rule: String,
    pub services: Vec<String>,
    pub ok: bool,
}

/// One service's share of a report.
pub struct ServiceView<'a> {
    pub info: &'a ServiceInfo,
    pub findings: Vec<&'a Finding>,
    pub vars: Vec<&'a VarReport>,
}

impl Report {
    /// Whether a value was read from `path` through `NAME_FILE` (a report must never be
    /// written over a secret file).
    pub fn read_value_from(&self, path: &std::path::Path) -> bool {
        let Ok(target) = std::fs::canonicalize(path) else {
            return false;
        };
        self.vars.iter().filter_map(|v| v.source.as_ref()).any(|s| {
            s.kind == crate::finding::SourceKind::File
                && s.path
                    .as_deref()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .is_some_and(|p| p == target)
        })
    }

    /// Findings and variables grouped by service, in service order (one pass over each).
    pub fn by_service(&self) -> Vec<ServiceView<'_>> {
        let index: std::collections::HashMap<&str, usize> = self
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut views: Vec<ServiceView<'_>> = self
            .services
            .iter()
            .map(|info| ServiceView {
                info,
                findings: Vec::new(),
                vars: Vec::new(),
            })
            .collect();
        for f in &self.findings {
            if let Some(&i) = index.get(f.service.as_str()) {
                views[i].findings.push(f);
            }
        }
        for v in &self.vars {
            if let Some(&i) = index.get(v.service.as_str()) {
                views[i].vars.push(v);
            }
        }
        views
    }

    pub fn new(
        services: Vec<ServiceInfo>,
        findings: Vec<Finding>,
        vars: Vec<VarReport>,
        checks: Vec<RuleCheck>,
        profile: Option<String>,
        strict: bool,
    ) -> Self {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        let summary = Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            services: services.len(),
            vars: vars.len(),
        };
        let ok = summary.errors == 0 && (!strict || summary.warnings == 0);
        Self {
            version: REPORT_VERSION,
            ok,
            summary,
            findings,
            vars,
            checks,
            services,
            profile,
            strict,
        }
    }
}
