//! The JSON report (SPEC section 6): a wire format with its own structs, so the model
//! behind it can change without changing a field scripts rely on.
//!
//! ```text
//! {"version": 1, "ok": bool,
//!  "summary": {"errors", "warnings", "infos", "services", "vars"},
//!  "findings": [{"code", "severity", "service", "var", "message", "hint",
//!                "source": {"kind", "path", "line", "name", "via"?},
//!                "related": [{"service", "var", "source", "label"}], "profile"}],
//!  "vars": [{"service", "name", "status", "source", "fingerprint"}],
//!  "checks": [{"rule", "name", "services", "ok", "summary"}]}
//! ```
//! A finding of the stack itself (a cross-service rule no one service owns) has
//! `"service": null` and its `source` is the stack file's line (`"kind": "stack"`).
//! `via` (only when present) is the step a value was reached through: the env file line of
//! the `NAME_FILE` that named the file it was read from.

use super::{Report, RuleCheck, VarReport};
use crate::finding::{Finding, Location, SourceRef};
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    ok: bool,
    summary: JsonSummary,
    findings: Vec<JsonFinding<'a>>,
    vars: Vec<JsonVar<'a>>,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    infos: usize,
    services: usize,
    vars: usize,
}

/// One finding on the wire.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    code: &'static str,
    severity: &'static str,
    service: Option<&'a str>,
    var: Option<&'a str>,
    message: &'a str,
    hint: Option<&'a str>,
    source: Option<JsonSource<'a>>,
    related: Vec<JsonLocation<'a>>,
    profile: Option<&'a str>,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        Self {
            code: f.code.as_str(),
            severity: f.severity.as_str(),
            service: (!f.is_stack_level()).then_some(f.service.as_str()),
            var: f.var.as_deref(),
            message: &f.message,
            hint: f.hint.as_deref(),
            source: f.source.as_ref().map(JsonSource::from),
            related: f.related.iter().map(JsonLocation::from).collect(),
            profile: f.profile.as_deref(),
        }
    }
}

/// Where a value came from, on the wire.
#[derive(Serialize)]
pub struct JsonSource<'a> {
    kind: &'static str,
    path: Option<&'a Path>,
    line: Option<usize>,
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<Box<JsonSource<'a>>>,
}

impl<'a> From<&'a SourceRef> for JsonSource<'a> {
    fn from(s: &'a SourceRef) -> Self {
        Self {
            kind: s.kind.as_str(),
            path: s.path.as_deref(),
            line: s.line,
            name: s.name.as_deref(),
            via: s.via.as_deref().map(|v| Box::new(JsonSource::from(v))),
        }
    }
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    service: &'a str,
    var: Option<&'a str>,
    source: Option<JsonSource<'a>>,
    label: Option<&'a str>,
}

impl<'a> From<&'a Location> for JsonLocation<'a> {
    fn from(l: &'a Location) -> Self {
        Self {
            service: &l.service,
            var: l.var.as_deref(),
            source: l.source.as_ref().map(JsonSource::from),
            label: l.label.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonVar<'a> {
    service: &'a str,
    name: &'a str,
    status: &'static str,
    source: Option<JsonSource<'a>>,
    fingerprint: Option<&'a str>,
}

impl<'a> From<&'a VarReport> for JsonVar<'a> {
    fn from(v: &'a VarReport) -> Self {
        Self {
            service: &v.service,
            name: &v.name,
            status: v.status.as_str(),
            source: v.source.as_ref().map(JsonSource::from),
            fingerprint: v.fingerprint.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    rule: &'static str,
    name: Option<&'a str>,
    services: &'a [String],
    ok: bool,
    summary: &'a str,
}

impl<'a> From<&'a RuleCheck> for JsonCheck<'a> {
    fn from(c: &'a RuleCheck) -> Self {
        Self {
            rule: c.rule,
            name: c.name.as_deref(),
            services: &c.services,
            ok: c.ok,
            summary: &c.summary,
        }
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let wire = JsonReport {
        version: report.version,
        ok: report.ok,
        summary: JsonSummary {
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            services: s.services,
            vars: s.vars,
        },
        findings: report.findings.iter().map(JsonFinding::from).collect(),
        vars: report.vars.iter().map(JsonVar::from).collect(),
        checks: report.checks.iter().map(JsonCheck::from).collect(),
    };
    // `io::Error::from` keeps the write error's kind (a closed pipe stays `BrokenPipe`).
    serde_json::to_writer_pretty(&mut *out, &wire).map_err(io::Error::from)?;
    writeln!(out)
}
