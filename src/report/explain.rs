//! `envgate explain`: one table per service, a row per variable: status, source, and the
//! value itself only when it is not sensitive (otherwise length, character classes,
//! whitespace facts and fingerprint).

use super::human::Palette;
use super::{printable, Report, VarReport, VarStatus};
use crate::finding::Finding;
use crate::rules::Severity;
use owo_colors::Style;
use serde::Serialize;
use std::collections::HashSet;
use std::io::{self, Write};

/// What `explain` shows of one service: the rows asked for and the findings about them.
struct Shown<'a> {
    info: &'a super::ServiceInfo,
    rows: Vec<&'a VarReport>,
    findings: Vec<&'a Finding>,
}

/// The services, rows and findings `explain` shows for `only` (all variables when empty).
fn select<'a>(report: &'a Report, only: &[String]) -> Vec<Shown<'a>> {
    let mut shown = Vec::new();
    for view in report.by_service() {
        // The stack's own findings belong to no variable's row.
        let Some(info) = view.info else { continue };
        let rows: Vec<&VarReport> = view
            .vars
            .iter()
            .copied()
            .filter(|v| only.is_empty() || only.contains(&v.name))
            .collect();
        // A service with no variable to show is skipped, unless (no VAR given) it has
        // findings of its own, such as a broken env file.
        if rows.is_empty() && (!only.is_empty() || view.findings.is_empty()) {
            continue;
        }
        let names: HashSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let declared: HashSet<&str> = view.vars.iter().map(|v| v.name.as_str()).collect();
        let findings = view
            .findings
            .into_iter()
            // With no VAR given, also what belongs to no declared variable (a bad env-file
            // line, an undeclared key).
            .filter(|f| match f.var.as_deref() {
                Some(n) if names.contains(n) => true,
                _ => only.is_empty() && !declared.contains(f.var.as_deref().unwrap_or("")),
            })
            .collect();
        shown.push(Shown {
            info,
            rows,
            findings,
        });
    }
    shown
}

/// Whether anything shown fails the run (an error, or a warning under `--strict`):
/// `explain` exits on what it shows. Known before anything is written, so a reader that
/// goes away early does not change the exit code.
pub fn failing(report: &Report, only: &[String]) -> bool {
    select(report, only)
        .iter()
        .any(|s| s.findings.iter().any(|f| f.fails(report.strict)))
}

/// One row of `explain --format json`.
#[derive(Serialize)]
struct JsonRow<'a> {
    service: &'a str,
    name: &'a str,
    status: &'a str,
    source: Option<super::json::JsonSource<'a>>,
    fingerprint: Option<&'a str>,
    sensitive: bool,
    /// The value when not sensitive (URL passwords masked), else length, classes,
    /// whitespace facts and fingerprint: what the human table's VALUE column shows.
    detail: Option<&'a str>,
    /// Of a `jwt` or `jwt-key`: header, time claims, named claims and verifying key, or
    /// algorithm, kind and public fingerprint; never the token or key.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    facts: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct JsonExplain<'a> {
    version: u32,
    ok: bool,
    vars: Vec<JsonRow<'a>>,
    findings: Vec<super::json::JsonFinding<'a>>,
}

/// `explain --format json`: the rows and findings the table would show, as one object.
pub fn render_json(report: &Report, only: &[String], out: &mut dyn Write) -> io::Result<()> {
    let shown = select(report, only);
    let doc = JsonExplain {
        version: super::REPORT_VERSION,
        ok: !failing(report, only),
        vars: shown
            .iter()
            .flat_map(|s| s.rows.iter())
            .map(|v| JsonRow {
                service: &v.service,
                name: &v.name,
                status: v.status.as_str(),
                source: v.source.as_ref().map(super::json::JsonSource::from),
                fingerprint: v.fingerprint.as_deref(),
                sensitive: v.sensitive,
                detail: v.detail.as_deref(),
                facts: v
                    .facts
                    .iter()
                    .map(|(name, text)| (name.clone(), serde_json::Value::from(text.as_str())))
                    .collect(),
            })
            .collect(),
        findings: shown
            .iter()
            .flat_map(|s| s.findings.iter().copied())
            .map(super::json::JsonFinding::from)
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes the tables.
pub fn render(report: &Report, only: &[String], out: &mut dyn Write, p: Palette) -> io::Result<()> {
    let mut first = true;
    for shown in select(report, only) {
        let service = shown.info;
        let rows = shown.rows;
        if !first {
            writeln!(out)?;
        }
        first = false;
        writeln!(
            out,
            "{}  {}",
            p.paint(&printable(&service.name), p.bold()),
            p.paint(
                &printable(&format!("({})", service.schema.display())),
                p.dim()
            )
        )?;
        let source_text = |v: &VarReport| {
            v.source.as_ref().map_or_else(
                || "-".to_string(),
                |s| printable(&s.to_string()).into_owned(),
            )
        };
        let w_name = rows.iter().map(|v| v.name.len()).max().unwrap_or(0).max(8);
        let w_status = 7;
        let w_source = rows
            .iter()
            .map(|v| source_text(v).chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        if !rows.is_empty() {
            writeln!(
                out,
                "  {}",
                p.paint(
                    &format!(
                        "{:<w_name$}  {:<w_status$}  {:<w_source$}  VALUE",
                        "VARIABLE", "STATUS", "SOURCE"
                    ),
                    p.dim()
                )
            )?;
            for v in &rows {
                let style = match v.status {
                    VarStatus::Ok => Style::new().green(),
                    VarStatus::Warning => p.severity(Severity::Warning),
                    VarStatus::Unset => p.dim(),
                    VarStatus::Error | VarStatus::Missing => p.severity(Severity::Error),
                };
                let detail = v.detail.as_deref().map_or_else(|| "-".into(), printable);
                writeln!(
                    out,
                    "  {:<w_name$}  {}  {:<w_source$}  {detail}",
                    v.name,
                    p.paint(&format!("{:<w_status$}", v.status.as_str()), style),
                    source_text(v)
                )?;
                for (name, text) in &v.facts {
                    writeln!(
                        out,
                        "  {:<w_name$}  {}",
                        "",
                        p.paint(
                            &format!("{}: {}", printable(name), printable(text)),
                            p.dim()
                        )
                    )?;
                }
            }
        }
        let findings = shown.findings;
        if !findings.is_empty() {
            writeln!(out)?;
            for f in findings {
                writeln!(
                    out,
                    "  {} {}  {}",
                    p.paint(f.severity.as_str(), p.severity(f.severity)),
                    p.paint(f.code.as_str(), p.bold()),
                    printable(&f.message)
                )?;
                if let Some(h) = &f.hint {
                    writeln!(
                        out,
                        "      {} {}",
                        p.paint("hint:", Style::new().cyan()),
                        printable(h)
                    )?;
                }
            }
        }
    }
    if first {
        if only.is_empty() {
            writeln!(out, "no variables are declared")?;
        } else {
            writeln!(out, "no declared variable matches {}", only.join(", "))?;
        }
    }
    Ok(())
}
