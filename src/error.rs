//! Errors that stop a run (exit 2): usage errors and invalid schema or stack files.
//! Problems with the *values* being checked are never errors: they are findings.

use crate::schema::document::Pos;
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a configuration file (or with the invocation), with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: Option<PathBuf>,
    pub pos: Option<Pos>,
    pub message: String,
}

impl Diagnostic {
    pub fn at(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            pos: Some(pos),
            message: message.into(),
        }
    }

    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            pos: None,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            path: None,
            pos: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}", path.display())?;
            if let Some(pos) = self.pos {
                write!(f, ":{}:{}", pos.line, pos.column)?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

/// Diagnostics in file order (by file, line, column), each once.
pub fn sorted(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by(|a, b| (&a.path, a.pos).cmp(&(&b.path, b.pos)));
    diags.dedup();
    diags
}

/// Every problem that makes the run impossible; reported together, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    pub fn single(d: Diagnostic) -> Self {
        Self {
            diagnostics: vec![d],
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::single(Diagnostic::usage(message))
    }
}

impl From<Vec<Diagnostic>> for ConfigError {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Self { diagnostics }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}
