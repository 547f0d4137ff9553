//! Reports: the data every renderer shares, and one renderer per format. Renderers write to
//! any `io::Write`; whether to colour is the caller's decision.

pub mod explain;
pub mod human;
pub mod json;
pub mod token;

pub use crate::finding::RuleCheck;
use crate::finding::{Finding, SourceRef};
use crate::rules::Severity;

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

/// The outcome of a run, for every renderer. (The JSON wire format is [`json`]'s own.)
#[derive(Debug)]
pub struct Report {
    pub version: u32,
    pub ok: bool,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Every variable's report, when the run keeps them (`explain`, or a caller that asks
    /// for them); otherwise empty: a JSON report's are in `var_spool`, and the human report
    /// needs only each service's count ([`ServiceInfo::vars`]).
    pub vars: Vec<VarReport>,
    /// The JSON report's `vars` entries, written out as the services were checked.
    pub var_spool: Option<json::VarSpool>,
    /// The `NAME_FILE` files values were read from (a report must never be written over one).
    pub secret_files: Vec<std::path::PathBuf>,
    /// What the cross-service rules proved (or could not), one entry per rule and pair.
    pub checks: Vec<RuleCheck>,
    /// Services in check order, with their schema files (for the human report).
    pub services: Vec<ServiceInfo>,
    /// The stack file, when a stack was checked (the stack-level section's heading).
    pub stack: Option<std::path::PathBuf>,
    pub profile: Option<String>,
    pub strict: bool,
}

#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: String,
    pub schema: std::path::PathBuf,
    /// How many variables its schema declares (all checked).
    pub vars: usize,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub services: usize,
    pub vars: usize,
}

/// A variable's status after its findings (`allow` and `[severity]` applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarStatus {
    Ok,
    Warning,
    Error,
    /// Required, and absent.
    Missing,
    /// Optional, and absent.
    Unset,
}

impl VarStatus {
    /// The status after a finding of `severity` about the variable: a present variable is
    /// as bad as its worst finding; `missing` and `unset` stay what they are.
    #[must_use]
    pub fn raised_by(self, severity: Severity) -> Self {
        match (self, severity) {
            (VarStatus::Ok | VarStatus::Warning, Severity::Error) => VarStatus::Error,
            (VarStatus::Ok, Severity::Warning) => VarStatus::Warning,
            (status, _) => status,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VarStatus::Ok => "ok",
            VarStatus::Warning => "warning",
            VarStatus::Error => "error",
            VarStatus::Missing => "missing",
            VarStatus::Unset => "unset",
        }
    }
}

impl std::fmt::Display for VarStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One declared variable of one service: its status and where its value came from.
#[derive(Debug, Clone)]
pub struct VarReport {
    pub service: String,
    pub name: String,
    pub status: VarStatus,
    pub source: Option<SourceRef>,
    /// `sha256:` + 12 hex digits, for every present value, sensitive or not.
    pub fingerprint: Option<String>,
    pub sensitive: bool,
    /// For `explain`: the value when not sensitive (URL passwords masked), else its length,
    /// character classes, whitespace facts and fingerprint.
    pub detail: Option<String>,
    /// For `explain` of a `jwt` or `jwt-key`: what is safe to show of the token or key, as
    /// (name, text) pairs (`rules::types::jwt_facts`).
    pub facts: Vec<(String, String)>,
}

/// One service's share of a report (or, with no `info`, the stack's own findings).
pub struct ServiceView<'a> {
    pub info: Option<&'a ServiceInfo>,
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
        self.secret_files
            .iter()
            .any(|p| std::fs::canonicalize(p).is_ok_and(|p| p == target))
    }

    /// Findings and variables grouped by service, in service order (one pass over each),
    /// then the stack's own findings (those of no selected service) when there are any:
    /// every finding is in exactly one view, so what a renderer prints is what it counts.
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
                info: Some(info),
                findings: Vec::new(),
                vars: Vec::new(),
            })
            .collect();
        let mut stack = ServiceView {
            info: None,
            findings: Vec::new(),
            vars: Vec::new(),
        };
        for f in &self.findings {
            match index.get(f.service.as_str()) {
                Some(&i) => views[i].findings.push(f),
                None => stack.findings.push(f),
            }
        }
        for v in &self.vars {
            if let Some(&i) = index.get(v.service.as_str()) {
                views[i].vars.push(v);
            }
        }
        if !stack.findings.is_empty() {
            views.push(stack);
        }
        views
    }

    /// `vars` may be empty (see [`Report::vars`]): the summary counts each service's
    /// variables from `services`.
    pub fn new(
        services: Vec<ServiceInfo>,
        stack: Option<std::path::PathBuf>,
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
            vars: services.iter().map(|s| s.vars).sum(),
        };
        let ok = !findings.iter().any(|f| f.fails(strict));
        Self {
            version: REPORT_VERSION,
            ok,
            summary,
            findings,
            vars,
            var_spool: None,
            secret_files: Vec::new(),
            checks,
            services,
            stack,
            profile,
            strict,
        }
    }
}
