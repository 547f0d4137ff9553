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

/// Writes what `inner` writes with `indent` after every line break: a value serialized on
/// its own, pretty, then nested where `serde_json` would have put it. (A JSON string never
/// holds a raw line break, so every one is between tokens.)
struct Indented<'w> {
    out: &'w mut dyn Write,
    indent: &'static [u8],
}

impl Write for Indented<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while let Some(i) = buf.iter().position(|&b| b == b'\n') {
            self.out.write_all(&buf[..=i])?;
            self.out.write_all(self.indent)?;
            buf = &buf[i + 1..];
        }
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `value`, pretty, as `serde_json` writes it `indent` deep.
fn write_nested(
    out: &mut dyn Write,
    indent: &'static [u8],
    value: &impl Serialize,
) -> io::Result<()> {
    let mut nested = Indented { out, indent };
    serde_json::to_writer_pretty(&mut nested, value).map_err(io::Error::from)
}

/// Indentation of the report's fields, and of the entries of its `vars` list.
const FIELD_INDENT: &[u8] = b"  ";
const VAR_INDENT: &[u8] = b"    ";

/// The `vars` entries of a JSON report, written out as each service is checked rather than
/// kept: a stack's memory stays flat in its number of services. They go to an unnamed
/// temporary file (in memory if none can be made) exactly as the report shows them, and
/// [`render`] copies them after the findings. A [`VarReport`] holds no value, only its
/// fingerprint: the file holds nothing the report itself does not.
///
/// Entries whose status the stack rules may still raise (the variables a rule names) are
/// held in memory with their place in the list, and written when the report is.
pub struct VarSpool {
    sink: Sink,
    /// Entries so far, spooled and held.
    entries: usize,
    /// Held entries, with the spool's length when each was reached.
    held: Vec<(u64, VarReport)>,
    /// The first write error: reported when the report is written.
    error: Option<io::Error>,
    /// One entry's text, reused.
    scratch: Vec<u8>,
}

enum Sink {
    File {
        writer: io::BufWriter<std::fs::File>,
        written: u64,
    },
    Memory(Vec<u8>),
}

impl std::fmt::Debug for VarSpool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VarSpool")
            .field("entries", &self.entries)
            .field("held", &self.held.len())
            .finish_non_exhaustive()
    }
}

impl Default for VarSpool {
    fn default() -> Self {
        Self::new()
    }
}

impl VarSpool {
    pub fn new() -> Self {
        let sink = match tempfile::tempfile() {
            Ok(file) => Sink::File {
                writer: io::BufWriter::with_capacity(64 * 1024, file),
                written: 0,
            },
            Err(_) => Sink::Memory(Vec::new()),
        };
        Self {
            sink,
            entries: 0,
            held: Vec::new(),
            error: None,
            scratch: Vec::new(),
        }
    }

    /// How many entries the list has.
    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    fn position(&self) -> u64 {
        match &self.sink {
            Sink::File { written, .. } => *written,
            Sink::Memory(bytes) => bytes.len() as u64,
        }
    }

    /// Writes the next entry.
    pub fn push(&mut self, var: &VarReport) {
        if self.error.is_some() {
            self.entries += 1;
            return;
        }
        self.scratch.clear();
        if self.entries > 0 {
            self.scratch.extend_from_slice(b",\n");
        }
        self.scratch.extend_from_slice(VAR_INDENT);
        let entry = write_nested(&mut self.scratch, VAR_INDENT, &JsonVar::from(var));
        self.entries += 1;
        let written = entry.and_then(|()| match &mut self.sink {
            Sink::File { writer, written } => {
                writer.write_all(&self.scratch)?;
                *written += self.scratch.len() as u64;
                Ok(())
            }
            Sink::Memory(bytes) => {
                bytes.extend_from_slice(&self.scratch);
                Ok(())
            }
        });
        if let Err(e) = written {
            self.error = Some(e);
        }
    }

    /// Keeps the next entry in memory: its status may still change.
    pub fn hold(&mut self, var: VarReport) {
        self.held.push((self.position(), var));
        self.entries += 1;
    }

    /// The entries held back, for the stack rules to raise their statuses.
    pub fn held_mut(&mut self) -> impl Iterator<Item = &mut VarReport> {
        self.held.iter_mut().map(|(_, v)| v)
    }

    /// Ends the writing: what is buffered goes to the file.
    pub fn finish(&mut self) {
        if let Sink::File { writer, .. } = &mut self.sink {
            if let Err(e) = writer.flush() {
                self.error.get_or_insert(e);
            }
        }
    }

    /// The list as the report shows it, `[...]` at the `vars` field's depth.
    fn write_list(&self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(e) = &self.error {
            return Err(io::Error::new(
                e.kind(),
                format!("the report's variables could not be spooled to a temporary file: {e}"),
            ));
        }
        if self.entries == 0 {
            return out.write_all(b"[]");
        }
        out.write_all(b"[\n")?;
        let mut copied = 0_u64;
        for (index, (at, var)) in self.held.iter().enumerate() {
            self.copy_spooled(out, copied, at - copied)?;
            copied = *at;
            // Not the first entry: one was spooled before it (each is at least a byte), or held.
            if *at > 0 || index > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(VAR_INDENT)?;
            write_nested(out, VAR_INDENT, &JsonVar::from(var))?;
        }
        self.copy_spooled(out, copied, self.position() - copied)?;
        out.write_all(b"\n  ]")
    }

    fn copy_spooled(&self, out: &mut dyn Write, from: u64, len: u64) -> io::Result<()> {
        if len == 0 {
            return Ok(());
        }
        match &self.sink {
            Sink::File { writer, .. } => {
                use std::io::{Read as _, Seek as _};
                let mut file = writer.get_ref();
                file.seek(io::SeekFrom::Start(from))?;
                let copied = io::copy(&mut file.take(len), out)?;
                if copied == len {
                    Ok(())
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the temporary file of the report's variables was cut short",
                    ))
                }
            }
            Sink::Memory(bytes) => {
                let from = usize::try_from(from).unwrap_or(usize::MAX);
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                out.write_all(
                    bytes
                        .get(from..from.saturating_add(len))
                        .unwrap_or_default(),
                )
            }
        }
    }
}

/// Fails when the report was made without its variables (a plan for another format: see
/// [`crate::check`]) rather than write a `vars` list that leaves them out.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    if report.var_spool.is_none() && report.vars.len() != s.vars {
        return Err(io::Error::other(
            "this report was checked for another format and holds no variables to list: plan the run with Format::Json",
        ));
    }
    // Written field by field, as `serde_json::to_writer_pretty` writes the whole document,
    // so that `vars` can come from the spool.
    write!(
        out,
        "{{\n  \"version\": {},\n  \"ok\": {},\n  \"summary\": ",
        report.version, report.ok
    )?;
    write_nested(
        out,
        FIELD_INDENT,
        &JsonSummary {
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            services: s.services,
            vars: s.vars,
        },
    )?;
    out.write_all(b",\n  \"findings\": ")?;
    write_nested(
        out,
        FIELD_INDENT,
        &report
            .findings
            .iter()
            .map(JsonFinding::from)
            .collect::<Vec<_>>(),
    )?;
    out.write_all(b",\n  \"vars\": ")?;
    match &report.var_spool {
        Some(spool) => spool.write_list(out)?,
        None => write_nested(
            out,
            FIELD_INDENT,
            &report.vars.iter().map(JsonVar::from).collect::<Vec<_>>(),
        )?,
    }
    out.write_all(b",\n  \"checks\": ")?;
    write_nested(
        out,
        FIELD_INDENT,
        &report
            .checks
            .iter()
            .map(JsonCheck::from)
            .collect::<Vec<_>>(),
    )?;
    out.write_all(b"\n}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::VarStatus;

    fn var(i: usize) -> VarReport {
        VarReport {
            service: format!("s{}", i / 3),
            name: format!("VAR_{i}"),
            status: VarStatus::Ok,
            source: (i % 2 == 0).then(|| {
                SourceRef::dotenv(std::path::PathBuf::from(format!("env/\"{i}\".env")), i, "K")
            }),
            fingerprint: (i % 3 == 0).then(|| format!("sha256:{i:012}")),
            sensitive: false,
            detail: None,
            facts: Vec::new(),
        }
    }

    /// The list as `serde_json::to_writer_pretty` writes it as the report's field.
    fn expected(vars: &[VarReport]) -> String {
        let mut out = Vec::new();
        write_nested(
            &mut out,
            FIELD_INDENT,
            &vars.iter().map(JsonVar::from).collect::<Vec<_>>(),
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn spooled(vars: &[VarReport], held: &[usize], memory: bool) -> String {
        let mut spool = VarSpool::new();
        if memory {
            spool.sink = Sink::Memory(Vec::new());
        }
        for (i, v) in vars.iter().enumerate() {
            if held.contains(&i) {
                spool.hold(v.clone());
            } else {
                spool.push(v);
            }
        }
        // A held entry's status may still change.
        for v in spool.held_mut() {
            v.status = VarStatus::Error;
        }
        spool.finish();
        assert_eq!(spool.len(), vars.len());
        let mut out = Vec::new();
        spool.write_list(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_spooled_list_is_the_list_serde_json_writes() {
        for n in [0, 1, 2, 7] {
            let vars: Vec<VarReport> = (0..n).map(var).collect();
            let last = n.saturating_sub(1);
            for held in [
                vec![],
                vec![0],
                vec![last],
                vec![0, 1, last],
                (0..n).collect(),
            ] {
                let held: Vec<usize> = held.into_iter().filter(|&i| i < n).collect();
                let mut want = vars.clone();
                for &i in &held {
                    want[i].status = VarStatus::Error;
                }
                for memory in [false, true] {
                    assert_eq!(
                        spooled(&vars, &held, memory),
                        expected(&want),
                        "{n} entries, held {held:?}, in memory {memory}"
                    );
                }
            }
        }
    }
}
