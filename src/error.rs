//! Errors that stop a run (exit 2): usage errors and invalid schema or stack files.
//! Problems with the *values* being checked are never errors: they are findings.

pub use crate::position::Pos;
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a configuration file (or with the invocation), with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: Option<PathBuf>,
    pub pos: Option<Pos>,
    pub message: String,
    /// For the closing line of a capped list: how many problems it stands for.
    omitted: usize,
}

/// The longest message one diagnostic prints, in characters: a message names keys and
/// variables, and a hostile file's names may be megabytes long.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// `message`, cut at [`MAX_MESSAGE_CHARS`] with a note of how much was left out.
fn bounded(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message,
        Some((cut, _)) => {
            let left = message[cut..].chars().count();
            format!("{}… ({left} more characters)", &message[..cut])
        }
    }
}

impl Diagnostic {
    pub fn at(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            pos: Some(pos),
            message: bounded(message.into()),
            omitted: 0,
        }
    }

    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            pos: None,
            message: bounded(message.into()),
            omitted: 0,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            path: None,
            pos: None,
            message: bounded(message.into()),
            omitted: 0,
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

/// How many problems one run lists; a file of a million mistakes must not print a
/// million lines.
pub const MAX_DIAGNOSTICS: usize = 500;

/// Diagnostics in file order (by file, line, column), each once, at most
/// [`MAX_DIAGNOSTICS`] of them and then one line saying how many more there are.
pub fn sorted(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let (summaries, mut diags): (Vec<_>, Vec<_>) = diags.into_iter().partition(|d| d.omitted > 0);
    let mut omitted: usize = summaries.iter().map(|d| d.omitted).sum();
    diags.sort_by(|a, b| (&a.path, a.pos).cmp(&(&b.path, b.pos)));
    diags.dedup();
    if diags.len() > MAX_DIAGNOSTICS {
        omitted += diags.len() - MAX_DIAGNOSTICS;
        diags.truncate(MAX_DIAGNOSTICS);
    }
    if omitted > 0 {
        diags.push(Diagnostic {
            path: None,
            pos: None,
            message: format!(
                "... and {omitted} more problems (at most {MAX_DIAGNOSTICS} are listed); fix these and run again"
            ),
            omitted,
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_list_counts_what_it_leaves_out_even_when_sorted_again() {
        let many = |file: &str, n: usize| -> Vec<Diagnostic> {
            (1..=n)
                .map(|line| Diagnostic::at(Path::new(file), Pos { line, column: 1 }, "x"))
                .collect()
        };
        let first = sorted(many("a.toml", 600));
        assert_eq!(first.len(), MAX_DIAGNOSTICS + 1);
        assert!(first[MAX_DIAGNOSTICS]
            .message
            .starts_with("... and 100 more problems"));
        // Two capped lists combined (as a stack combines its schemas' errors).
        let mut both = first;
        both.extend(sorted(many("b.toml", 600)));
        let combined = sorted(both);
        assert_eq!(combined.len(), MAX_DIAGNOSTICS + 1);
        assert!(
            combined[MAX_DIAGNOSTICS]
                .message
                .starts_with("... and 700 more problems"),
            "{}",
            combined[MAX_DIAGNOSTICS].message
        );
    }

    #[test]
    fn long_messages_are_cut_with_a_count() {
        let d = Diagnostic::usage("é".repeat(MAX_MESSAGE_CHARS + 5));
        assert!(
            d.message.ends_with("… (5 more characters)"),
            "{}",
            &d.message[d.message.len() - 40..]
        );
    }
}
