//! Positions in configuration files: a foundation type, below everything that reports
//! one (`error`, the schema and stack loaders).

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}
