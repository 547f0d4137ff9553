//! The human report: grouped by service, one aligned line per finding with its source, the
//! hint under it, a summary line per service and a verdict.

use super::{printable, Report, ServiceView};
use crate::finding::Finding;
use crate::rules::Severity;
use owo_colors::{OwoColorize as _, Style};
use std::io::{self, Write};

/// Colours on or off; the caller decides (terminal, `--color`, `NO_COLOR`).
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    pub fn paint(self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }

    pub fn severity(self, s: Severity) -> Style {
        match s {
            Severity::Error => Style::new().red().bold(),
            Severity::Warning => Style::new().yellow().bold(),
            Severity::Info => Style::new().blue(),
        }
    }

    pub fn dim(self) -> Style {
        Style::new().dimmed()
    }

    pub fn bold(self) -> Style {
        Style::new().bold()
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub fn render(report: &Report, out: &mut dyn Write, palette: Palette) -> io::Result<()> {
    let p = palette;
    let mut header = String::from("envgate check");
    if let Some(profile) = &report.profile {
        header.push_str(&format!(" · profile {profile}"));
    }
    header.push_str(&format!(" · {}", plural(report.services.len(), "service")));
    if report.strict {
        header.push_str(" · strict");
    }
    writeln!(out, "{}", p.paint(&header, p.dim()))?;

    let views = report.by_service();
    for view in &views {
        let findings = &view.findings;
        let nvars = view.info.map_or(0, |i| i.vars);
        let name = view_name(view);
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}",
            p.paint(&printable(name), p.bold()),
            p.paint(
                &printable(&format!("({})", view_file(report, view))),
                p.dim()
            )
        )?;
        if findings.is_empty() {
            writeln!(
                out,
                "  {} {}",
                p.paint("✔", Style::new().green()),
                plural(nvars, "variable") + " ok"
            )?;
            continue;
        }
        let code_width = findings
            .iter()
            .map(|f| f.code.as_str().len())
            .max()
            .unwrap_or(0);
        for f in findings {
            write_finding(out, p, f, code_width)?;
        }
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(p.paint(&plural(errors, "error"), p.severity(Severity::Error)));
        }
        if warnings > 0 {
            parts.push(p.paint(&plural(warnings, "warning"), p.severity(Severity::Warning)));
        }
        let infos = findings.len() - errors - warnings;
        if infos > 0 {
            parts.push(plural(infos, "note"));
        }
        let checked = if view.info.is_some() {
            format!(" · {} checked", plural(nvars, "variable"))
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {}",
            p.paint(&format!("{}: ", printable(name)), p.dim())
                + &parts.join(", ")
                + &p.paint(&checked, p.dim())
        )?;
    }
    write_checks(out, report, p)?;

    writeln!(out)?;
    writeln!(out, "{}", verdict(report, &views, p))
}

/// A view's heading: the service's name, or `stack` for the stack's own findings.
fn view_name<'a>(view: &ServiceView<'a>) -> &'a str {
    view.info.map_or("stack", |i| i.name.as_str())
}

/// The file a view's findings are about: the service's schema, or the stack file.
fn view_file(report: &Report, view: &ServiceView<'_>) -> String {
    match view.info {
        Some(info) => info.schema.display().to_string(),
        None => report
            .stack
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    }
}

/// What the cross-service rules proved, one line per rule and pair: a CI log shows what
/// was checked, not only what failed.
fn write_checks(out: &mut dyn Write, report: &Report, p: Palette) -> io::Result<()> {
    if report.checks.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", p.paint("cross-service checks", p.bold()))?;
    for check in &report.checks {
        let mark = if check.ok {
            p.paint("✔", Style::new().green())
        } else {
            p.paint("✖", p.severity(Severity::Error))
        };
        writeln!(out, "  {mark} {}", printable(&check.summary))?;
    }
    Ok(())
}

/// One finding: severity, code, message and source on one line, then its hint and the
/// places it relates to.
fn write_finding(
    out: &mut dyn Write,
    p: Palette,
    f: &Finding,
    code_width: usize,
) -> io::Result<()> {
    let indent = 2 + 7 + 2 + code_width + 2;
    let sev = format!("{:<7}", f.severity.as_str());
    let code = format!("{:<code_width$}", f.code.as_str());
    write!(
        out,
        "  {}  {}  {}",
        p.paint(&sev, p.severity(f.severity)),
        p.paint(&code, p.bold()),
        printable(&f.message)
    )?;
    if let Some(source) = &f.source {
        write!(
            out,
            "  {}",
            p.paint(&printable(&format!("at {source}")), p.dim())
        )?;
    }
    writeln!(out)?;
    if let Some(hint) = &f.hint {
        writeln!(
            out,
            "{:indent$}{} {}",
            "",
            p.paint("hint:", Style::new().cyan()),
            printable(hint)
        )?;
    }
    for r in &f.related {
        let at = r
            .source
            .as_ref()
            .map(|s| printable(&format!(" at {s}")).into_owned())
            .unwrap_or_default();
        let place = match &r.var {
            Some(var) => format!("{}.{var}", r.service),
            None => r.service.clone(),
        };
        let label = r
            .label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{:indent$}{} {}{}{at}",
            "",
            p.paint("see:", Style::new().cyan()),
            printable(&place),
            printable(&label),
        )?;
    }
    Ok(())
}

/// The last line: ready or not, and how many errors and warnings in how many services.
fn verdict(report: &Report, views: &[ServiceView<'_>], p: Palette) -> String {
    let s = &report.summary;
    let failing = views
        .iter()
        .filter(|v| v.info.is_some() && v.findings.iter().any(|f| f.fails(report.strict)))
        .count();
    let stack_fails = views
        .iter()
        .any(|v| v.info.is_none() && v.findings.iter().any(|f| f.fails(report.strict)));
    let scope = format!(
        "{}, {}",
        plural(s.services, "service"),
        plural(s.vars, "variable")
    );
    if report.ok {
        let mark = p.paint("✔ ready", Style::new().green().bold());
        if s.warnings > 0 {
            format!(
                "{mark}: {scope}, no errors, {}",
                plural(s.warnings, "warning")
            )
        } else {
            format!("{mark}: {scope}, no problems")
        }
    } else {
        let mark = p.paint("✖ not ready", Style::new().red().bold());
        let strict = if report.strict && s.errors == 0 {
            " (--strict: warnings fail)"
        } else {
            ""
        };
        format!(
            "{mark}{strict}: {}, {} in {} of {}{}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            failing,
            scope,
            if stack_fails { " and the stack" } else { "" }
        )
    }
}

/// The `--quiet` report: nothing when the run passes; otherwise only what fails it (errors,
/// and warnings under `--strict`), under its service, and the verdict.
pub fn render_quiet(report: &Report, out: &mut dyn Write, p: Palette) -> io::Result<()> {
    if report.ok {
        return Ok(());
    }
    let fails = |f: &Finding| f.fails(report.strict);
    let views = report.by_service();
    for view in &views {
        let failing: Vec<&Finding> = view.findings.iter().copied().filter(|f| fails(f)).collect();
        if failing.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{}  {}",
            p.paint(&printable(view_name(view)), p.bold()),
            p.paint(
                &printable(&format!("({})", view_file(report, view))),
                p.dim()
            )
        )?;
        let code_width = failing
            .iter()
            .map(|f| f.code.as_str().len())
            .max()
            .unwrap_or(0);
        for f in failing {
            write_finding(out, p, f, code_width)?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", verdict(report, &views, p))
}
