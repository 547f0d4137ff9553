//! `envgate explain`: one table per service, a row per variable: status, source, and the
//! value itself only when it is not sensitive (otherwise length, character classes,
//! whitespace facts and fingerprint).

use super::human::Palette;
use super::{printable, Report};
use crate::rules::Severity;
use owo_colors::Style;
use std::io::{self, Write};

/// Writes the tables and returns whether anything shown fails the run (an error, or a
/// warning under `--strict`): `explain` exits on what it shows.
pub fn render(
    report: &Report,
    only: &[String],
    out: &mut dyn Write,
    p: Palette,
) -> io::Result<bool> {
    let mut first = true;
    let mut failing = false;
    for view in report.by_service() {
        let service = view.info;
        let all_names: Vec<&str> = view.vars.iter().map(|v| v.name.as_str()).collect();
        let rows: Vec<_> = view
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
        let source_text = |v: &super::VarReport| {
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
                let style = match v.status.as_str() {
                    "ok" => Style::new().green(),
                    "warning" => p.severity(Severity::Warning),
                    "unset" => p.dim(),
                    _ => p.severity(Severity::Error),
                };
                let detail = v.detail.as_deref().map_or_else(|| "-".into(), printable);
                writeln!(
                    out,
                    "  {:<w_name$}  {}  {:<w_source$}  {detail}",
                    v.name,
                    p.paint(&format!("{:<w_status$}", v.status), style),
                    source_text(v)
                )?;
            }
        }
        let shown: std::collections::HashSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let declared: std::collections::HashSet<&str> = all_names.iter().copied().collect();
        let findings: Vec<_> = view
            .findings
            .into_iter()
            // With no VAR given, also what belongs to no declared variable (a bad env-file
            // line, an undeclared key).
            .filter(|f| match f.var.as_deref() {
                Some(n) if shown.contains(n) => true,
                _ => only.is_empty() && !declared.contains(f.var.as_deref().unwrap_or("")),
            })
            .collect();
        failing |= findings.iter().any(|f| {
            f.severity == Severity::Error || (report.strict && f.severity == Severity::Warning)
        });
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
    Ok(failing)
}
