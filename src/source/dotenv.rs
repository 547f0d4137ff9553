//! Dotenv files, read the way Docker Compose reads them (compose-go `dotenv`).
//!
//! The grammar follows compose-go's `dotenv` package (`parser.go`, `godotenv.go`) and the
//! `template` package it uses for `${VAR}` expansion:
//!
//! - Blank lines and lines whose first non-blank character is `#` are skipped.
//! - `export` followed by blanks is dropped from the start of a statement.
//! - A key ends at `=` or at `:` (`KEY: value`, YAML style); blanks around it are ignored.
//!   A key alone on its line takes its value from the process environment (and is left out
//!   when unset).
//! - Keys hold Unicode letters and numbers (general categories L and N, as Go's `unicode`
//!   package sees them), `_`, `.`, `-`, `[` and `]`. compose-go keeps a blank other than a
//!   space inside a key (`A<TAB>B`); we report any blank inside a key instead.
//! - Unquoted values: leading blanks dropped, cut at the first ` #` (a space, then `#`),
//!   trailing whitespace dropped, then `$` expansion. Backslashes are literal.
//! - Double-quoted values may span lines: `\"`, the escapes `\a \b \f \n \r \t \v \\ \$`
//!   and `\0NNN` (octal) are read; any other backslash stays; then `$` expansion.
//! - Single-quoted values may span lines: `\'` is a quote, nothing else is interpreted.
//! - After a closing quote only blanks and a `#` comment may follow.
//! - Expansion: `$$` is a `$`; `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`,
//!   `${NAME:+word}`, `${NAME+word}`, `${NAME:?msg}`, `${NAME?msg}`. Anything else after `$`
//!   is literal, so `$(cmd)` and backticks stay as written (nothing is ever run). A name is
//!   looked up as compose-go's loader does: the process environment, then this file's own
//!   earlier keys, then the env files read before this one.
//!
//! Unlike Compose, a bad line does not stop the reading: it is reported and skipped.

#[cfg(test)]
use super::interpolate::MAX_NESTING;
use super::interpolate::{self, Lookup, Resolved};
use std::borrow::Cow;
use std::collections::HashMap;

pub struct DotenvEntry {
    pub key: String,
    /// The value after unquoting and expansion. Empty when `not_utf8` is true.
    pub value: String,
    /// 1-based line number where the key starts.
    pub line: usize,
    /// 1-based line number where the value ends (after `line` for a multi-line value).
    pub end_line: usize,
    /// The value's bytes were not valid UTF-8 (the caller reports `not-utf8`).
    pub not_utf8: bool,
    pub written: Written,
    /// The value took text from a `${VAR}` whose value is, or may be, sensitive (a secret's
    /// key, a name of unknown sensitivity, or a value that itself carried one): it is as
    /// sensitive as what it read, whatever its own key.
    pub carries_secret: bool,
}

/// How a statement was written: what tells a key from a piece of a value that ran onto a
/// line of its own (a wrapped secret's continuation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// The value is only `=` signs: the line was `WORD====`, base32 or base64 padding more
    /// likely than an assignment.
    pub padding: bool,
    /// Nothing follows the `=`: the line ends in `=`.
    pub empty: bool,
    /// `KEY: value` (YAML style) rather than `KEY=value`.
    pub colon: bool,
    /// Right after the line where a sensitive value ends (as `secret_key` judges its key, or
    /// by its credential shape). Only looked at, and so only set, for a line ending in `=`
    /// or written `WORD: rest`: how a wrapped secret's continuation can read as a key.
    pub after_secret: bool,
}

pub use super::interpolate::{RefPlace, Reference};

#[derive(Clone, PartialEq, Eq)]
pub enum DotenvIssueKind {
    /// A line that cannot be parsed. `reason` is fixed wording written by us; it never holds
    /// any text of the line (it may be the tail of a secret).
    Syntax { reason: String },
    /// `$NAME` / `${NAME}` referenced a variable that is neither in the lookup nor earlier in
    /// the file; it expanded to nothing (Compose does the same).
    UndefinedVariable {
        /// The key whose value holds the reference (empty when the key itself was bad).
        key: String,
        reference: Reference,
        /// The value holds a credential shape (a token prefix, a JWT...), whatever its key.
        credential_shape: bool,
        /// How the key's statement was written.
        written: Written,
    },
    /// `${NAME?message}` / `${NAME:?message}` on a variable that is unset (or empty, with the
    /// colon): Compose stops there. The message is never kept (it is text of the file).
    RequiredVariable {
        key: String,
        reference: Reference,
        /// Set but empty (`:?`), rather than not set.
        empty: bool,
        credential_shape: bool,
        written: Written,
    },
    /// A key defined more than once; the last definition wins. One issue per key however
    /// often it is repeated, at its last definition: `count` definitions in all, the first
    /// of them on `lines` (at most [`MAX_DUPLICATE_LINES_LISTED`]).
    DuplicateKey {
        key: String,
        count: usize,
        lines: Vec<usize>,
        /// How the last definition was written.
        written: Written,
    },
    /// The file uses CRLF line endings (reported once per file, line = first CRLF line).
    /// The CRs are stripped from values.
    CrlfLineEndings,
}

/// Names and keys here may be pieces of a value (`pa$sword` reads as a reference to
/// `$sword`), so `Debug` shows their lengths only.
impl std::fmt::Debug for DotenvIssueKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Syntax { reason } => f.debug_struct("Syntax").field("reason", reason).finish(),
            Self::UndefinedVariable { key, reference, .. } => write!(
                f,
                "UndefinedVariable {{ key: <{} chars>, reference: {reference:?} }}",
                key.chars().count(),
            ),
            Self::RequiredVariable {
                key,
                reference,
                empty,
                ..
            } => write!(
                f,
                "RequiredVariable {{ key: <{} chars>, reference: {reference:?}, empty: {empty} }}",
                key.chars().count(),
            ),
            Self::DuplicateKey {
                key, count, lines, ..
            } => write!(
                f,
                "DuplicateKey {{ key: <{} chars>, count: {count}, lines: {lines:?} }}",
                key.chars().count()
            ),
            Self::CrlfLineEndings => f.write_str("CrlfLineEndings"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvIssue {
    pub kind: DotenvIssueKind,
    pub line: usize,
    /// 1-based, in characters; 1 when unknown.
    pub column: usize,
}

pub struct ParsedDotenv {
    /// In file order; a duplicated key appears only once, at its LAST definition (value and
    /// line of the last one).
    pub entries: Vec<DotenvEntry>,
    /// At most [`MAX_ISSUES_PER_KIND`] of each kind; the others are counted in `omitted`.
    pub issues: Vec<DotenvIssue>,
    pub omitted: Omitted,
}

/// How many issues of each kind were counted but not listed (past [`MAX_ISSUES_PER_KIND`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Omitted {
    /// Syntax issues, and `${NAME?message}` failures (reported as syntax).
    pub syntax: usize,
    pub undefined_variable: usize,
    pub duplicate_key: usize,
}

impl Omitted {
    /// The counter for issues of `kind` (`None` for the once-per-file CRLF issue).
    fn of(&mut self, kind: &DotenvIssueKind) -> Option<&mut usize> {
        match kind {
            DotenvIssueKind::Syntax { .. } | DotenvIssueKind::RequiredVariable { .. } => {
                Some(&mut self.syntax)
            }
            DotenvIssueKind::UndefinedVariable { .. } => Some(&mut self.undefined_variable),
            DotenvIssueKind::DuplicateKey { .. } => Some(&mut self.duplicate_key),
            DotenvIssueKind::CrlfLineEndings => None,
        }
    }
}

/// Most issues of one kind listed for one file (a hostile file can hold millions of bad
/// lines or references): the rest are counted, and the caller says how many.
pub const MAX_ISSUES_PER_KIND: usize = 100;
/// Most distinct keys read from one file (each costs memory for as long as the run
/// lasts); later new keys are counted, not read, and one issue says how many.
pub const MAX_KEYS_PER_FILE: usize = 100_000;
/// How many lines of a repeated key an issue lists (the last one is always known: it is
/// where the issue is).
pub const MAX_DUPLICATE_LINES_LISTED: usize = 3;

/// Maximum length of one logical entry (key + value, quotes included). Longer: Syntax issue,
/// entry skipped, parsing goes on.
pub const MAX_ENTRY_BYTES: usize = 1024 * 1024;

/// What expansion and inherited keys may add to a file's values, beyond the file's own size.
const EXPANSION_BUDGET_BYTES: usize = 64 * MAX_ENTRY_BYTES;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

// Fixed wording for Syntax issues: never any text taken from the file.
const R_TOO_LONG: &str = "entry longer than 1 MiB";
const R_KEY_CHAR: &str = "invalid character in key";
const R_KEY_NOT_UTF8: &str = "key is not valid UTF-8";
const R_KEY_SPACE: &str = "key cannot contain a space";
const R_EMPTY_KEY: &str = "expected KEY=VALUE (the key is empty)";
const R_UNTERMINATED_DOUBLE: &str = "unterminated double quote";
const R_UNTERMINATED_SINGLE: &str = "unterminated single quote";
const R_AFTER_QUOTE: &str = "unexpected text after closing quote";
const R_INVALID_REFERENCE: &str = "invalid variable reference (after `${`)";
const R_TOO_DEEP: &str = "variable references nested too deeply (more than 16 levels)";
const R_EXPANDED_TOO_LONG: &str = "value longer than 4 MiB after expansion";
const R_BUDGET: &str = "expanded values of this file exceed the 64 MiB limit";

/// What a `${VAR}` in a file can read, in the order compose-go's loader reads it: `env` (the
/// process environment) first, then this file's own earlier keys, then `earlier_files`
/// (what the files read before this one set, and whether each value carried a secret). A
/// bare `KEY` line takes its value from `env` only (compose-go's inherited keys).
/// `secret_key` says whether a key holds a sensitive value, unknown names included (see
/// [`Written::after_secret`] and [`DotenvEntry::carries_secret`]).
pub fn parse(
    input: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
    earlier_files: &dyn Fn(&str) -> Option<(String, bool)>,
    secret_key: &dyn Fn(&str) -> bool,
) -> ParsedDotenv {
    let input = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    let (data, first_crlf) = strip_crlf(input);
    let mut parser = Parser {
        data: &data,
        pos: 0,
        lines: LineTracker::new(),
        env,
        earlier_files,
        secret_key,
        secret_context_end: None,
        statement_key: None,
        records: 0,
        statement_line: None,
        last_recorded: None,
        slots: Vec::new(),
        known: HashMap::new(),
        issues: Vec::new(),
        listed: Omitted::default(),
        omitted: Omitted::default(),
        holes: 0,
        keys_dropped: None,
        budget_left: input.len().saturating_add(EXPANSION_BUDGET_BYTES),
    };
    if let Some(at) = first_crlf {
        let (line, column) = LineTracker::new().locate(&data, at);
        parser.issues.push(DotenvIssue {
            kind: DotenvIssueKind::CrlfLineEndings,
            line,
            column,
        });
    }
    parser.run();
    parser.finish()
}

/// Removes every `\r` that comes right before a `\n`. Also returns where the first one was
/// (as an offset in the returned data, where the `\n` now stands), if any.
fn strip_crlf(input: &[u8]) -> (Cow<'_, [u8]>, Option<usize>) {
    let Some(first) = input.windows(2).position(|w| w == b"\r\n") else {
        return (Cow::Borrowed(input), None);
    };
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(&input[..first]);
    let rest = &input[first..];
    for (i, &c) in rest.iter().enumerate() {
        if !(c == b'\r' && rest.get(i + 1) == Some(&b'\n')) {
            out.push(c);
        }
    }
    (Cow::Owned(out), Some(first))
}

/// Turns byte offsets into 1-based line and column numbers, moving forward through the data
/// (each byte is counted once overall when queries come in order, as the parser makes them).
struct LineTracker {
    pos: usize,
    line: usize,
    line_start: usize,
}

impl LineTracker {
    fn new() -> Self {
        Self {
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn locate(&mut self, data: &[u8], target: usize) -> (usize, usize) {
        let target = target.min(data.len());
        if target < self.pos {
            // Never happens with the parser's ordered queries; stay correct anyway.
            *self = Self::new();
        }
        for (i, &c) in data[self.pos..target].iter().enumerate() {
            if c == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = target;
        // Columns count characters: every byte that does not continue a UTF-8 sequence.
        let column = data[self.line_start..target]
            .iter()
            .filter(|&&c| c & 0xC0 != 0x80)
            .count()
            + 1;
        (self.line, column)
    }
}

#[derive(Clone, Copy)]
struct Spot {
    line: usize,
    column: usize,
}

enum Value {
    Text(String),
    NotUtf8,
}

/// A key seen in this file: where its latest entry is kept, and where it was defined.
struct Known {
    slot: usize,
    /// How many times it is defined.
    count: usize,
    /// The first line it is defined on, and the next few (a list only for a repeated key:
    /// most keys are defined once, and need no allocation for it).
    first_line: usize,
    more_lines: Vec<usize>,
    last_line: usize,
    /// How its last definition was written.
    last_written: Written,
}

/// A statement whose key has been read, waiting for its value.
struct Pending {
    key: String,
    /// False when the key was bad: the value is read only to know where it ends.
    keep: bool,
    start: usize,
    at: Spot,
    written: Written,
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    lines: LineTracker,
    env: &'a dyn Fn(&str) -> Option<String>,
    earlier_files: &'a dyn Fn(&str) -> Option<(String, bool)>,
    secret_key: &'a dyn Fn(&str) -> bool,
    /// The last line of a sensitive value, or of lines that continue one (a wrapped
    /// secret's next lines, however they parse): a line right after it may be a piece of it.
    secret_context_end: Option<usize>,
    /// Where the key of the statement being read is (judged only when it records nothing:
    /// a secret's statement that breaks, an unterminated quote, ran on).
    statement_key: Option<std::ops::Range<usize>>,
    /// Statements recorded so far.
    records: usize,
    /// The line the statement being read starts on, once its key is found.
    statement_line: Option<usize>,
    /// The slot of the entry recorded last, and the line its value ends on (its value's
    /// shape is looked at only when the next line could continue it).
    last_recorded: Option<(usize, usize)>,
    /// Entries in file order; a slot is emptied when its key is defined again.
    slots: Vec<Option<DotenvEntry>>,
    known: HashMap<String, Known>,
    issues: Vec<DotenvIssue>,
    /// Issues listed so far, and those counted past the cap, by kind.
    listed: Omitted,
    omitted: Omitted,
    /// Emptied slots: compacted away once they are most of `slots`, so that a key defined
    /// a million times costs one entry, not a million.
    holes: usize,
    /// New keys past [`MAX_KEYS_PER_FILE`]: where the first was, and how many.
    keys_dropped: Option<(Spot, usize)>,
    budget_left: usize,
}

impl Parser<'_> {
    fn run(&mut self) {
        loop {
            self.skip_blank_lines_and_comments();
            if self.pos >= self.data.len() {
                break;
            }
            self.statement_in_context();
        }
    }

    /// Reads one statement, and keeps [`Self::secret_context_end`] up to date for one that
    /// records nothing: a bare line or a broken statement right after a secret continues its
    /// context (a three-line wrap), and so does a broken statement of a secret's key (an
    /// unterminated quote: its value ran on).
    fn statement_in_context(&mut self) {
        let recorded_before = self.records;
        self.statement_key = None;
        self.statement_line = None;
        self.statement();
        if self.records == recorded_before {
            let continues = self
                .statement_line
                .is_some_and(|line| self.ends_secret_context(line - 1));
            let data = self.data;
            let key_secret = self
                .statement_key
                .clone()
                .and_then(|range| std::str::from_utf8(&data[range]).ok())
                .is_some_and(|key| (self.secret_key)(key));
            if continues || key_secret {
                let last_line = self.spot(self.pos).line;
                self.secret_context_end = Some(last_line);
            } else {
                self.secret_context_end = None;
            }
        }
    }

    fn finish(mut self) -> ParsedDotenv {
        // One issue per repeated key, at its last definition, in file order.
        let mut repeated: Vec<(&String, &Known)> =
            self.known.iter().filter(|(_, k)| k.count > 1).collect();
        repeated.sort_unstable_by_key(|(_, k)| k.last_line);
        let duplicates: Vec<DotenvIssue> = repeated
            .into_iter()
            .map(|(key, k)| DotenvIssue {
                kind: DotenvIssueKind::DuplicateKey {
                    key: key.clone(),
                    count: k.count,
                    lines: std::iter::once(k.first_line)
                        .chain(k.more_lines.iter().copied())
                        .collect(),
                    written: k.last_written,
                },
                line: k.last_line,
                column: 1,
            })
            .collect();
        for issue in duplicates {
            self.push_issue(issue);
        }
        // Never capped: one issue, and the reason values may be missing.
        if let Some((at, dropped)) = self.keys_dropped {
            self.issues.push(DotenvIssue {
                kind: DotenvIssueKind::Syntax {
                    reason: format!(
                        "more than {} distinct keys: {} later new keys were not read",
                        super::env_file::thousands(MAX_KEYS_PER_FILE),
                        super::env_file::thousands(dropped)
                    ),
                },
                line: at.line,
                column: at.column,
            });
        }
        let mut issues = self.issues;
        issues.sort_by_key(|issue| (issue.line, issue.column));
        ParsedDotenv {
            entries: self.slots.into_iter().flatten().collect(),
            issues,
            omitted: self.omitted,
        }
    }

    /// Keeps the issue if fewer than [`MAX_ISSUES_PER_KIND`] of its kind are kept, else
    /// counts it.
    fn push_issue(&mut self, issue: DotenvIssue) {
        if let Some(listed) = self.listed.of(&issue.kind) {
            if *listed >= MAX_ISSUES_PER_KIND {
                if let Some(omitted) = self.omitted.of(&issue.kind) {
                    *omitted += 1;
                }
                return;
            }
            *listed += 1;
        }
        self.issues.push(issue);
    }

    fn spot(&mut self, pos: usize) -> Spot {
        let (line, column) = self.lines.locate(self.data, pos);
        Spot { line, column }
    }

    fn push(&mut self, at: Spot, kind: DotenvIssueKind) {
        self.push_issue(DotenvIssue {
            kind,
            line: at.line,
            column: at.column,
        });
    }

    fn syntax_at(&mut self, pos: usize, reason: &str) {
        let at = self.spot(pos);
        self.push(at, syntax(reason));
    }

    /// Skips whitespace (Unicode, newlines included) and `#` comment lines.
    fn skip_blank_lines_and_comments(&mut self) {
        let data = self.data;
        while self.pos < data.len() {
            if data[self.pos] == b'#' {
                self.pos = line_end(data, self.pos);
                continue;
            }
            let n = whitespace_len(data, self.pos, true);
            if n == 0 {
                break;
            }
            self.pos += n;
        }
    }

    /// Reads one statement starting at a non-blank character; leaves `pos` at the end of its
    /// line (or of its quoted value) or on a later line.
    fn statement(&mut self) {
        let data = self.data;
        // compose-go: `^export\s+` is dropped, then blanks.
        if data[self.pos..].starts_with(b"export")
            && matches!(
                data.get(self.pos + 6),
                Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
            )
        {
            let p = skip_blanks(data, self.pos + 6);
            self.pos = p;
            if p >= data.len() || data[p] == b'\n' {
                // A bare `export`: it defines nothing.
                return;
            }
        }

        let key_start = self.pos;
        let at_key = self.spot(key_start);
        self.statement_line = Some(at_key.line);
        let mut p = key_start;
        let mut key_end = key_start;
        let mut inner_blank = None;
        let separator = loop {
            if p - key_start > MAX_ENTRY_BYTES {
                self.push(at_key, syntax(R_TOO_LONG));
                self.pos = line_end(data, p);
                return;
            }
            match data.get(p) {
                None | Some(b'\n') => break None,
                Some(b'=' | b':') => break Some(p),
                Some(_) => {}
            }
            let blank = blank_len(data, p);
            if blank > 0 {
                p += blank;
                continue;
            }
            let Some((c, len)) = decode_char(data, p) else {
                self.syntax_at(p, R_KEY_NOT_UTF8);
                self.pos = line_end(data, p);
                return;
            };
            if !is_key_char(c) {
                self.syntax_at(p, R_KEY_CHAR);
                self.pos = line_end(data, p);
                return;
            }
            if key_end != p && key_end != key_start && inner_blank.is_none() {
                inner_blank = Some(key_end);
            }
            p += len;
            key_end = p;
        };
        // Every byte of the key was decoded above, so this is never lossy.
        let key = String::from_utf8_lossy(&data[key_start..key_end]).into_owned();
        self.statement_key = Some(key_start..key_end);

        let Some(separator) = separator else {
            // `KEY` alone: its value comes from the lookup; nothing when it is unset.
            self.pos = p;
            if let Some(blank) = inner_blank {
                self.syntax_at(blank, R_KEY_SPACE);
            } else if let Some(value) = (self.env)(&key) {
                self.record(key, Value::Text(value), at_key, Written::default(), false);
            }
            return;
        };

        let problem = if key.is_empty() {
            Some((separator, R_EMPTY_KEY))
        } else {
            inner_blank.map(|blank| (blank, R_KEY_SPACE))
        };
        if let Some((pos, reason)) = problem {
            self.syntax_at(pos, reason);
        }
        let pending = Pending {
            key,
            keep: problem.is_none(),
            start: key_start,
            at: at_key,
            written: Written {
                colon: data[separator] == b':',
                ..Written::default()
            },
        };
        let value_start = skip_blanks(data, separator + 1);
        match data.get(value_start) {
            Some(&quote @ (b'"' | b'\'')) => self.quoted_value(pending, value_start, quote),
            _ => self.unquoted_value(pending, value_start),
        }
    }

    fn unquoted_value(&mut self, mut pending: Pending, start: usize) {
        let data = self.data;
        let end = line_end(data, start);
        self.pos = end;
        let raw = &data[start..end];
        // compose-go cuts at the first " #". Looking further than the size limit is useless.
        let window = &raw[..raw.len().min(MAX_ENTRY_BYTES + 2)];
        let cut = window
            .windows(2)
            .position(|w| w == b" #")
            .unwrap_or(raw.len());
        if start + cut - pending.start > MAX_ENTRY_BYTES {
            self.push(pending.at, syntax(R_TOO_LONG));
            return;
        }
        if !pending.keep {
            return;
        }
        let at_value = self.spot(start);
        match std::str::from_utf8(&raw[..cut]) {
            Ok(text) => {
                let text = text.trim_end_matches(char::is_whitespace);
                pending.written.empty = text.is_empty();
                pending.written.padding = !text.is_empty() && text.bytes().all(|b| b == b'=');
                self.expand_and_record(pending, text, at_value);
            }
            Err(_) => self.record(
                pending.key,
                Value::NotUtf8,
                pending.at,
                pending.written,
                false,
            ),
        }
    }

    fn quoted_value(&mut self, pending: Pending, open: usize, quote: u8) {
        let data = self.data;
        let at_value = self.spot(open);
        let Some(close) = closing_quote(data, open, quote) else {
            let reason = if quote == b'"' {
                R_UNTERMINATED_DOUBLE
            } else {
                R_UNTERMINATED_SINGLE
            };
            self.push(at_value, syntax(reason));
            // Go on with the line after the one the quote opened on.
            self.pos = line_end(data, open);
            return;
        };
        self.after_closing_quote(close + 1);
        if close + 1 - pending.start > MAX_ENTRY_BYTES {
            self.push(pending.at, syntax(R_TOO_LONG));
            return;
        }
        if !pending.keep {
            return;
        }
        match String::from_utf8(unescape_quote(&data[open + 1..close], quote)) {
            Err(_) => self.record(
                pending.key,
                Value::NotUtf8,
                pending.at,
                pending.written,
                false,
            ),
            Ok(text) if quote == b'"' => {
                let escaped = expand_escapes(&text);
                self.expand_and_record(pending, &escaped, at_value);
            }
            Ok(text) => self.record(
                pending.key,
                Value::Text(text),
                pending.at,
                pending.written,
                false,
            ),
        }
    }

    /// After a closing quote: blanks, then the end of the line or a `#` comment.
    fn after_closing_quote(&mut self, mut p: usize) {
        let data = self.data;
        loop {
            let n = whitespace_len(data, p, false);
            if n == 0 {
                break;
            }
            p += n;
        }
        match data.get(p) {
            None | Some(b'\n') => self.pos = p,
            Some(b'#') => self.pos = line_end(data, p),
            Some(_) => {
                self.syntax_at(p, R_AFTER_QUOTE);
                self.pos = line_end(data, p);
            }
        }
    }

    fn expand_and_record(&mut self, pending: Pending, template: &str, at_value: Spot) {
        let lookup = FileLookup {
            env: self.env,
            earlier_files: self.earlier_files,
            slots: &self.slots,
            known: &self.known,
        };
        let expansion = interpolate::expand(template, &lookup);

        let key = if pending.keep {
            pending.key.as_str()
        } else {
            ""
        };
        // A fact about the value, for the caller's decision to show anything of it (only
        // needed when there is something to report).
        let credential_shape = (!expansion.required.is_empty() || !expansion.undefined.is_empty())
            && (crate::secret::contains_credential(template)
                || crate::secret::contains_credential(&expansion.text));
        let written = self.settle(pending.written, pending.at.line);
        for (reference, empty) in expansion.required {
            let kind = DotenvIssueKind::RequiredVariable {
                key: key.to_owned(),
                reference,
                empty,
                credential_shape,
                written,
            };
            self.push(at_value, kind);
        }
        if expansion.invalid {
            self.push(at_value, syntax(R_INVALID_REFERENCE));
        }
        if expansion.too_deep {
            self.push(at_value, syntax(R_TOO_DEEP));
        }
        for reference in expansion.undefined {
            let kind = DotenvIssueKind::UndefinedVariable {
                key: key.to_owned(),
                reference,
                credential_shape,
                written,
            };
            self.push(at_value, kind);
        }
        if expansion.overflow {
            self.push(pending.at, syntax(R_EXPANDED_TOO_LONG));
            return;
        }
        // What the value read makes it as sensitive as: a secret's key, a name of unknown
        // sensitivity (the environment's, say), or a value that itself carried a secret.
        let carries_secret = expansion.read.iter().any(|(name, origin)| {
            (self.secret_key)(name)
                || matches!(
                    origin,
                    ValueOrigin::ThisFile {
                        carries_secret: true,
                        ..
                    } | ValueOrigin::EarlierFiles {
                        carries_secret: true
                    }
                )
        });
        let value = if expansion.not_utf8 {
            Value::NotUtf8
        } else {
            Value::Text(expansion.text)
        };
        self.record(
            pending.key,
            value,
            pending.at,
            pending.written,
            carries_secret,
        );
    }

    /// Completes how a statement starting on `line` was written: whether it comes right
    /// after a sensitive value (or lines continuing one), looked at only for lines that
    /// could be a continuation.
    fn settle(&self, mut written: Written, line: usize) -> Written {
        if written.empty || written.colon {
            written.after_secret = self.ends_secret_context(line - 1);
        }
        written
    }

    /// Whether `line` is the last line of a sensitive value (a secret's key, a credential
    /// shape, a value that carried a secret) or of lines continuing one. Judged when a next
    /// line needs it, not for every statement.
    fn ends_secret_context(&self, line: usize) -> bool {
        self.secret_context_end == Some(line)
            || self
                .last_recorded
                .filter(|(_, end_line)| *end_line == line)
                .and_then(|(slot, _)| self.slots.get(slot).and_then(Option::as_ref))
                .is_some_and(|entry| {
                    (self.secret_key)(&entry.key)
                        || crate::secret::contains_credential(&entry.value)
                })
    }

    fn record(
        &mut self,
        key: String,
        value: Value,
        at: Spot,
        written: Written,
        carries_secret: bool,
    ) {
        let written = self.settle(written, at.line);
        let (value, not_utf8) = match value {
            Value::Text(text) => (text, false),
            Value::NotUtf8 => (String::new(), true),
        };
        if value.len() > self.budget_left {
            self.push(at, syntax(R_BUDGET));
            return;
        }
        if self.known.len() >= MAX_KEYS_PER_FILE && !self.known.contains_key(&key) {
            self.keys_dropped.get_or_insert((at, 0)).1 += 1;
            return;
        }
        self.budget_left -= value.len();
        if self.holes > 1024 && self.holes > self.slots.len() / 2 {
            self.compact_slots();
        }
        let slot = self.slots.len();
        if let Some(known) = self.known.get_mut(&key) {
            // Counted here, reported once in `finish`.
            known.count += 1;
            if 1 + known.more_lines.len() < MAX_DUPLICATE_LINES_LISTED {
                known.more_lines.push(at.line);
            }
            known.last_line = at.line;
            known.last_written = written;
            self.slots[known.slot] = None;
            self.holes += 1;
            known.slot = slot;
        } else {
            self.known.insert(
                key.clone(),
                Known {
                    slot,
                    count: 1,
                    first_line: at.line,
                    more_lines: Vec::new(),
                    last_line: at.line,
                    last_written: written,
                },
            );
        }
        let end_line = self.spot(self.pos).line;
        // A value that carried a secret, or a line that continues one, opens (or extends)
        // the context in which the next line may be a piece of a secret. (Its key and shape
        // are judged only when a next line needs it: see `ends_secret_context`.)
        self.secret_context_end = (carries_secret || written.after_secret).then_some(end_line);
        self.last_recorded = Some((slot, end_line));
        self.records += 1;
        self.slots.push(Some(DotenvEntry {
            key,
            value,
            line: at.line,
            end_line,
            not_utf8,
            written,
            carries_secret,
        }));
    }
}

impl Parser<'_> {
    /// Drops the emptied slots and points every key at its entry's new place.
    fn compact_slots(&mut self) {
        self.slots.retain(Option::is_some);
        for (i, entry) in self.slots.iter().enumerate() {
            if let Some(known) = entry.as_ref().and_then(|e| self.known.get_mut(&e.key)) {
                known.slot = i;
            }
        }
        self.holes = 0;
        // The entry recorded last moved too (`settle` looks it up by slot).
        self.last_recorded = None;
    }
}

fn syntax(reason: &str) -> DotenvIssueKind {
    DotenvIssueKind::Syntax {
        reason: reason.to_owned(),
    }
}

/// Offset of the next `\n` at or after `from`, or the end of the data.
fn line_end(data: &[u8], from: usize) -> usize {
    data.get(from..)
        .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
        .map_or(data.len(), |i| from + i)
}

/// Length of the blank at `i` as compose-go's `isSpace` sees it (tab, VT, FF, CR, space, NEL,
/// NBSP; never a newline), or 0.
fn blank_len(data: &[u8], i: usize) -> usize {
    match (data.get(i), data.get(i + 1)) {
        (Some(b'\t' | 0x0B | 0x0C | b'\r' | b' '), _) => 1,
        (Some(0xC2), Some(0x85 | 0xA0)) => 2,
        _ => 0,
    }
}

fn skip_blanks(data: &[u8], mut p: usize) -> usize {
    loop {
        let n = blank_len(data, p);
        if n == 0 {
            return p;
        }
        p += n;
    }
}

/// Length of the Unicode whitespace character at `i` (`\n` only when `newline`), or 0.
fn whitespace_len(data: &[u8], i: usize, newline: bool) -> usize {
    match data.get(i) {
        None => 0,
        Some(b'\n') => usize::from(newline),
        Some(b'\t' | 0x0B | 0x0C | b'\r' | b' ') => 1,
        Some(c) if c.is_ascii() => 0,
        Some(_) => match decode_char(data, i) {
            Some((c, len)) if c.is_whitespace() => len,
            _ => 0,
        },
    }
}

/// The character at `i` and its length in bytes; `None` when the bytes there are not UTF-8.
fn decode_char(data: &[u8], i: usize) -> Option<(char, usize)> {
    let len = match *data.get(i)? {
        // ASCII, the common case, needs no decoding.
        b @ 0x00..=0x7F => return Some((char::from(b), 1)),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(data.get(i..i + len)?)
        .ok()?
        .chars()
        .next()?;
    Some((c, len))
}

/// compose-go accepts `_`, `.`, `-`, `[`, `]` and what Go's `unicode.IsLetter` /
/// `unicode.IsNumber` accept in keys: the Unicode general categories L and N. (Rust's
/// `is_alphabetic` would also take combining vowel signs such as the one in `का`, which
/// compose-go refuses.)
fn is_key_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']');
    }
    static LETTER_OR_NUMBER: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\A[\p{L}\p{N}]\z").ok());
    let mut buf = [0_u8; 4];
    LETTER_OR_NUMBER
        .as_ref()
        .is_some_and(|re| re.is_match(c.encode_utf8(&mut buf)))
}

/// Offset of the quote closing the one at `open`; a backslash escapes the next byte.
fn closing_quote(data: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut escaped = false;
    for (i, &c) in data[open + 1..].iter().enumerate() {
        if escaped {
            escaped = false;
        } else if c == quote {
            return Some(open + 1 + i);
        } else if c == b'\\' {
            escaped = true;
        }
    }
    None
}

/// The inside of a quoted value as compose-go collects it: a backslash before the quote
/// character is dropped, every other backslash is kept (with the byte after it).
fn unescape_quote(inner: &[u8], quote: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(inner.len());
    let mut escaped = false;
    for &c in inner {
        if escaped {
            escaped = false;
            if c != quote {
                out.push(b'\\');
            }
            out.push(c);
        } else if c == b'\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push(b'\\');
    }
    out
}

/// The escapes of double-quoted values (compose-go `expandEscapes`): `\a \b \f \n \r \t \v`,
/// `\\`, `\"`, `\$` (which becomes `$$`, a literal `$` for expansion), `\c` (kept as is) and
/// `\0` followed by up to three digits (an octal byte when exactly three octal digits up to
/// 377 follow; otherwise the `0` is dropped and the rest kept). Other backslashes stay.
fn expand_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'\\') {
        let at = i + off;
        out.push_str(&s[i..at]);
        let simple = match b.get(at + 1) {
            Some(b'a') => Some("\u{7}"),
            Some(b'b') => Some("\u{8}"),
            Some(b'c') => Some("\\c"),
            Some(b'f') => Some("\u{c}"),
            Some(b'n') => Some("\n"),
            Some(b'r') => Some("\r"),
            Some(b't') => Some("\t"),
            Some(b'v') => Some("\u{b}"),
            Some(b'$') => Some("$$"),
            Some(b'"') => Some("\""),
            Some(b'\\') => Some("\\"),
            _ => None,
        };
        if let Some(replacement) = simple {
            out.push_str(replacement);
            i = at + 2;
        } else if b.get(at + 1) == Some(&b'0') {
            let digits_start = at + 2;
            let count = b[digits_start..]
                .iter()
                .take(3)
                .take_while(|c| c.is_ascii_digit())
                .count();
            let digits = &s[digits_start..digits_start + count];
            if let Some(c) = octal_char(digits) {
                out.push(c);
            } else {
                out.push('\\');
                out.push_str(digits);
            }
            i = digits_start + count;
        } else {
            out.push('\\');
            i = at + 1;
        }
    }
    out.push_str(&s[i..]);
    out
}

fn octal_char(digits: &str) -> Option<char> {
    if digits.len() != 3 {
        return None;
    }
    let value = u32::from_str_radix(digits, 8).ok()?;
    if value > 0xFF {
        return None;
    }
    char::from_u32(value)
}

/// Where a value that a `${VAR}` in an env file read came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueOrigin {
    /// The process environment.
    Environment,
    /// This file's own key, defined on `line`; whether its value carried a secret.
    ThisFile { line: usize, carries_secret: bool },
    /// One of the env files read before this one; whether the value carried a secret.
    EarlierFiles { carries_secret: bool },
}

/// Where a `${VAR}` in an env file reads, in compose-go's loader's order: the process
/// environment, then the file's own earlier keys, then the files read before it.
struct FileLookup<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    earlier_files: &'a dyn Fn(&str) -> Option<(String, bool)>,
    slots: &'a [Option<DotenvEntry>],
    known: &'a HashMap<String, Known>,
}

impl<'a> Lookup<'a> for FileLookup<'a> {
    type Origin = ValueOrigin;

    fn resolve(&self, name: &str) -> Resolved<'a, ValueOrigin> {
        if let Some(value) = (self.env)(name) {
            return Resolved::Text(Cow::Owned(value), ValueOrigin::Environment);
        }
        let (slots, known) = (self.slots, self.known);
        match known
            .get(name)
            .and_then(|k| slots.get(k.slot))
            .and_then(Option::as_ref)
        {
            Some(entry) => {
                let origin = ValueOrigin::ThisFile {
                    line: entry.line,
                    carries_secret: entry.carries_secret,
                };
                if entry.not_utf8 {
                    Resolved::NotUtf8(origin)
                } else {
                    Resolved::Text(Cow::Borrowed(entry.value.as_str()), origin)
                }
            }
            None => match (self.earlier_files)(name) {
                Some((value, carries_secret)) => Resolved::Text(
                    Cow::Owned(value),
                    ValueOrigin::EarlierFiles { carries_secret },
                ),
                None => Resolved::Unset,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn no_earlier(_: &str) -> Option<(String, bool)> {
        None
    }

    fn no_secret(_: &str) -> bool {
        false
    }

    fn parse_str(input: &str) -> ParsedDotenv {
        parse(input.as_bytes(), &no_env, &no_earlier, &no_secret)
    }

    fn parse_with(input: &str, env: &[(&str, &str)]) -> ParsedDotenv {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse(
            input.as_bytes(),
            &move |name: &str| env.get(name).cloned(),
            &no_earlier,
            &no_secret,
        )
    }

    fn pairs(parsed: &ParsedDotenv) -> Vec<(String, String)> {
        parsed
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }

    fn value<'p>(parsed: &'p ParsedDotenv, key: &str) -> Option<&'p str> {
        parsed
            .entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }

    fn syntax_issues(parsed: &ParsedDotenv) -> Vec<(usize, usize, String)> {
        parsed
            .issues
            .iter()
            .filter_map(|i| match &i.kind {
                DotenvIssueKind::Syntax { reason } => Some((i.line, i.column, reason.clone())),
                _ => None,
            })
            .collect()
    }

    fn undefined(parsed: &ParsedDotenv) -> Vec<String> {
        parsed
            .issues
            .iter()
            .filter_map(|i| match &i.kind {
                DotenvIssueKind::UndefinedVariable { reference, .. } => {
                    Some(reference.name.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// One line in, one key and value out, no Syntax issue.
    fn assert_single(input: &str, key: &str, expected: &str, source: &str) {
        let parsed = parse_str(input);
        assert_eq!(syntax_issues(&parsed), vec![], "{source}: {input:?}");
        assert_eq!(
            value(&parsed, key),
            Some(expected),
            "{source}: {input:?} -> {:?}",
            pairs(&parsed)
        );
    }

    #[test]
    fn compose_go_single_line_parsing() {
        // (input, key, value, the compose-go test it mirrors)
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "FOO=bar",
                "FOO",
                "bar",
                "godotenv_test TestParsing: unquoted values",
            ),
            (
                "FOO =bar",
                "FOO",
                "bar",
                "TestParsing: spaces around equal sign",
            ),
            (
                "FOO= bar",
                "FOO",
                "bar",
                "TestParsing: spaces around equal sign",
            ),
            (
                r#"FOO="bar""#,
                "FOO",
                "bar",
                "TestParsing: double quoted values",
            ),
            (
                "FOO='bar'",
                "FOO",
                "bar",
                "TestParsing: single quoted values",
            ),
            (
                r#"FOO="escaped\"bar""#,
                "FOO",
                r#"escaped"bar"#,
                "TestParsing: escaped double quotes",
            ),
            (
                r#"FOO="\"quoted\"""#,
                "FOO",
                r#""quoted""#,
                "TestParsing: escaped double quotes",
            ),
            (
                r#"FOO="'d'""#,
                "FOO",
                "'d'",
                "TestParsing: single quotes inside double quotes",
            ),
            (
                "OPTION_A: 1",
                "OPTION_A",
                "1",
                "TestParsing: yaml style options",
            ),
            (
                "OPTION_A: Foo=bar",
                "OPTION_A",
                "Foo=bar",
                "TestParsing: yaml values with equal signs",
            ),
            (
                "OPTION_A=1:B",
                "OPTION_A",
                "1:B",
                "TestParsing: non-yaml options with colons",
            ),
            (
                "export OPTION_A=2",
                "OPTION_A",
                "2",
                "TestParsing: export keyword",
            ),
            (
                r"export OPTION_B='\n'",
                "OPTION_B",
                r"\n",
                "TestParsing: export keyword",
            ),
            (
                "export exportFoo=2",
                "exportFoo",
                "2",
                "TestParsing: export keyword",
            ),
            (
                "exportFOO=2",
                "exportFOO",
                "2",
                "TestParsing: export keyword",
            ),
            (
                "export_FOO =2",
                "export_FOO",
                "2",
                "TestParsing: export keyword",
            ),
            (
                "export.FOO= 2",
                "export.FOO",
                "2",
                "TestParsing: export keyword",
            ),
            (
                "export\tOPTION_A=2",
                "OPTION_A",
                "2",
                "TestParsing: export keyword",
            ),
            (
                "  export OPTION_A=2",
                "OPTION_A",
                "2",
                "TestParsing: export keyword",
            ),
            (
                "\texport OPTION_A=2",
                "OPTION_A",
                "2",
                "TestParsing: export keyword",
            ),
            (
                r#"export OPTION_A="export A""#,
                "OPTION_A",
                "export A",
                "TestParsing: export keyword",
            ),
            (
                r#"FOO="bar\nbaz""#,
                "FOO",
                "bar\nbaz",
                "TestParsing: expands newlines in quoted strings",
            ),
            (
                r"FOO=a\tb",
                "FOO",
                r"a\tb",
                "TestParsing: no escapes in unquoted values",
            ),
            (
                r#"FOO="a\tb""#,
                "FOO",
                "a\tb",
                "TestParsing: escapes in double quotes",
            ),
            (
                r#"KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z""#,
                "KEY",
                "Z\u{7}Z\u{8}Z\u{c}Z\nZ\rZ\tZ\u{b}Z\\ZSZ",
                "TestParsing: various shell escape sequences",
            ),
            (
                "FOO.BAR=foobar",
                "FOO.BAR",
                "foobar",
                "TestParsing: variables with \".\" in the name",
            ),
            (
                "FOO=foobar=",
                "FOO",
                "foobar=",
                "TestParsing: several \"=\" in the value",
            ),
            (
                "FOO=bar ",
                "FOO",
                "bar",
                "TestParsing: strips unquoted values",
            ),
            (
                "FOO=bar # this is foo",
                "FOO",
                "bar",
                "TestParsing: ignores inline comments",
            ),
            (
                "FOO=bar #this is foo",
                "FOO",
                "bar",
                "TestParsing: ignores inline comments",
            ),
            (
                "FOO=bar #",
                "FOO",
                "bar",
                "TestParsing: ignores inline comments",
            ),
            (
                "FOO=123#not-an-inline-comment",
                "FOO",
                "123#not-an-inline-comment",
                "TestParsing: inline comments",
            ),
            (
                r#"FOO="bar#baz""#,
                "FOO",
                "bar#baz",
                "TestParsing: allows # in quoted value",
            ),
            (
                r##"FOO="bar#baz"#"##,
                "FOO",
                "bar#baz",
                "TestParsing: allows # in quoted value",
            ),
            (
                r#"FOO="bar#baz" # comment"#,
                "FOO",
                "bar#baz",
                "TestParsing: allows # in quoted value",
            ),
            (
                "FOO='bar#baz' # comment",
                "FOO",
                "bar#baz",
                "TestParsing: allows # in quoted value",
            ),
            (
                r#"FOO="bar#baz#bang" # comment"#,
                "FOO",
                "bar#baz#bang",
                "TestParsing: allows # in quoted value",
            ),
            (
                r#"FOO="ba#r""#,
                "FOO",
                "ba#r",
                "TestParsing: parses # in quoted values",
            ),
            (
                "FOO='ba#r'",
                "FOO",
                "ba#r",
                "TestParsing: parses # in quoted values",
            ),
            (
                r#"FOO="bar\n\ b\az""#,
                "FOO",
                "bar\n\\ b\u{7}z",
                "TestParsing: newlines and backslashes",
            ),
            (
                r#"FOO="bar\\\n\ b\az""#,
                "FOO",
                "bar\\\n\\ b\u{7}z",
                "TestParsing: newlines and backslashes",
            ),
            (
                r#"FOO="bar\\r\ b\az""#,
                "FOO",
                "bar\\r\\ b\u{7}z",
                "TestParsing: newlines and backslashes",
            ),
            (
                r#"FOO="bar\nbaz\\""#,
                "FOO",
                "bar\nbaz\\",
                "TestParsing: newlines and backslashes",
            ),
            (
                " KEY =value",
                "KEY",
                "value",
                "TestParsing: leading whitespace should be ignored",
            ),
            (
                "   KEY=value",
                "KEY",
                "value",
                "TestParsing: leading whitespace should be ignored",
            ),
            (
                "\tKEY=value",
                "KEY",
                "value",
                "TestParsing: leading whitespace should be ignored",
            ),
            (
                r#"KEY="\0123""#,
                "KEY",
                "S",
                "TestParsing: XSI-echo style octal escapes",
            ),
            (
                r#"KEY="\x07""#,
                "KEY",
                r"\x07",
                "TestParsing: non-XSI/POSIX escapes are ignored",
            ),
            (
                r#"KEY="\u12e4""#,
                "KEY",
                r"\u12e4",
                "TestParsing: non-XSI/POSIX escapes are ignored",
            ),
            (
                r#"KEY="\U00101234""#,
                "KEY",
                r"\U00101234",
                "TestParsing: non-XSI/POSIX escapes are ignored",
            ),
            (
                "FOO:BAR",
                "FOO",
                "BAR",
                "fixtures/custom.format (yaml style without a space)",
            ),
            ("a[1]=c", "a[1]", "c", "parser_test TestParseBytes"),
            (
                "a.propertyKey=d",
                "a.propertyKey",
                "d",
                "parser_test TestParseBytes",
            ),
            (
                "árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép",
                "árvíztűrő-TÜKÖRFÚRÓGÉP",
                "ÁRVÍZTŰRŐ-tükörfúrógép",
                "parser_test TestParseBytes",
            ),
            (
                "VAR-WITH-DASHES=dashes",
                "VAR-WITH-DASHES",
                "dashes",
                "godotenv_test TestDash",
            ),
        ];
        for (input, key, expected, source) in cases {
            assert_single(input, key, expected, source);
        }
    }

    #[test]
    fn compose_go_quirks_derived_from_parser_go() {
        // Each follows from compose-go parser.go (extractVarValue / locateKeyName), not from
        // one of its tests.
        let cases: &[(&str, &str, &str, &str)] = &[
            // The value's leading blanks go before the " #" cut: a value that starts with
            // `#` is a value, not a comment.
            (
                "KEY= # not a comment",
                "KEY",
                "# not a comment",
                "leading blanks trimmed before cut",
            ),
            ("KEY=#hash", "KEY", "#hash", "no space before #"),
            // Only a SPACE before `#` starts an inline comment, not a tab.
            ("KEY=a\t#b", "KEY", "a\t#b", "tab before # is not a comment"),
            (
                "KEY=a  #b #c",
                "KEY",
                "a",
                "cut at the first \" #\", then trailing spaces trimmed",
            ),
            ("KEY=", "KEY", "", "empty value"),
            ("KEY=   ", "KEY", "", "blank value"),
            (
                "KEY=\u{a0}value\u{a0}",
                "KEY",
                "value",
                "NBSP is a blank (isSpace) and whitespace",
            ),
            (r"KEY='it\'s'", "KEY", "it's", "\\' in single quotes"),
            (
                r"KEY='a\\b'",
                "KEY",
                r"a\\b",
                "single quotes keep other backslashes",
            ),
            (
                r"KEY='a\nb $X'",
                "KEY",
                r"a\nb $X",
                "single quotes: no escapes, no expansion",
            ),
            (
                r#"KEY="a\'b""#,
                "KEY",
                r"a\'b",
                "\\' is not an escape in double quotes",
            ),
            (
                r#"KEY="\0""#,
                "KEY",
                "\\",
                "\\0 without digits: the 0 is dropped",
            ),
            (
                r#"KEY="\012""#,
                "KEY",
                r"\12",
                "\\0 with two digits: the 0 is dropped",
            ),
            (r#"KEY="\0777""#, "KEY", r"\777", "octal above 377 is kept"),
            (r#"KEY="\0128""#, "KEY", r"\128", "8 is not octal"),
            (r#"KEY="\0101\0102""#, "KEY", "AB", "two octal escapes"),
            (
                r#"KEY="\c""#,
                "KEY",
                r"\c",
                "\\c is matched but not unquoted",
            ),
            (r#"KEY="a\qb""#, "KEY", r"a\qb", "unknown escape kept"),
            (
                "KEY = \"spaced\" ",
                "KEY",
                "spaced",
                "blanks after the closing quote",
            ),
            ("KEY: 'yaml'", "KEY", "yaml", "yaml style with quotes"),
            ("KEY\t=\tvalue", "KEY", "value", "tabs around ="),
            (
                "1KEY=digits",
                "1KEY",
                "digits",
                "keys may start with a digit (ParseWithLookup)",
            ),
            (
                "export  \t KEY=v",
                "KEY",
                "v",
                "export followed by several blanks",
            ),
        ];
        for (input, key, expected, source) in cases {
            assert_single(input, key, expected, source);
        }
    }

    #[test]
    fn compose_go_expansion() {
        // (input, env, key, value, what it mirrors)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);
        let env_defaults: &[(&str, &str)] = &[("FOO", "first"), ("BAR", "")];
        let cases: &[Case<'_>] = &[
            (
                "FOO=test\nBAR=$FOO",
                &[],
                "BAR",
                "test",
                "TestExpanding: expands variables found in values",
            ),
            (
                "FOO=test\nBAR=${FOO}bar",
                &[],
                "BAR",
                "testbar",
                "TestExpanding: variables wrapped in brackets",
            ),
            (
                "BAR=$FOO",
                &[],
                "BAR",
                "",
                "TestExpanding: undefined variables expand to an empty string",
            ),
            (
                "FOO=test\nBAR=\"quote $FOO\"",
                &[],
                "BAR",
                "quote test",
                "TestExpanding: double quoted strings",
            ),
            (
                "BAR='quote $FOO'",
                &[],
                "BAR",
                "quote $FOO",
                "TestExpanding: not in single quoted strings",
            ),
            (
                r#"FOO="foo\$BAR""#,
                &[],
                "FOO",
                "foo$BAR",
                "TestExpanding: does not expand escaped variables 1",
            ),
            (
                r#"FOO="foo\${BAR}""#,
                &[],
                "FOO",
                "foo${BAR}",
                "TestExpanding: does not expand escaped variables 2",
            ),
            (
                "FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"",
                &[],
                "BAR",
                "foo${FOO} test",
                "TestExpanding: escaped 3",
            ),
            (
                "TEST=$ME",
                &[("ME", "YES")],
                "TEST",
                "YES",
                "TestExpandingEnvironmentWithLookup",
            ),
            (
                "RESULT=${UNSET_VAR:-Default Value}",
                &[],
                "RESULT",
                "Default Value",
                "TestExpandIfEmptyOrUnset",
            ),
            (
                "EMPTY_VAR=\nRESULT=${EMPTY_VAR:-Default Value}",
                &[],
                "RESULT",
                "Default Value",
                "TestExpandIfEmptyOrUnset",
            ),
            (
                "TEST_VAR=Test Value\nRESULT=${TEST_VAR:-Default Value}",
                &[],
                "RESULT",
                "Test Value",
                "TestExpandIfEmptyOrUnset",
            ),
            (
                "RESULT=${UNSET_VAR-Default Value}",
                &[],
                "RESULT",
                "Default Value",
                "TestExpandIfUnset",
            ),
            (
                "EMPTY_VAR=\nRESULT=${EMPTY_VAR-Default Value}",
                &[],
                "RESULT",
                "",
                "TestExpandIfUnset",
            ),
            (
                "TEST_VAR=Test Value\nRESULT=${TEST_VAR:?Default Value}",
                &[],
                "RESULT",
                "Test Value",
                "TestErrorIfEmptyOrUnset",
            ),
            (
                "EMPTY_VAR=\nRESULT=${EMPTY_VAR?Test error}",
                &[],
                "RESULT",
                "",
                "TestErrorIfUnset",
            ),
            ("R=$${foo}", &[], "R", "${foo}", "template_test TestEscaped"),
            (
                "R=a $ string",
                &[],
                "R",
                "a $ string",
                "template_test TestUnescaped",
            ),
            (
                "R=^REGEX$",
                &[],
                "R",
                "^REGEX$",
                "template_test TestUnescaped",
            ),
            ("R=$}", &[], "R", "$}", "template_test TestUnescaped"),
            ("R=$", &[], "R", "$", "template_test TestUnescaped"),
            (
                "R=$FOO-bar",
                env_defaults,
                "R",
                "first-bar",
                "template_test TestNonBraced",
            ),
            (
                "R=ok ${BAR:-def}",
                env_defaults,
                "R",
                "ok def",
                "TestEmptyValueWithSoftDefault",
            ),
            (
                "R=ok ${BAR-def}",
                env_defaults,
                "R",
                "ok ",
                "TestEmptyValueWithHardDefault",
            ),
            (
                "R=ok ${UNSET_VAR:+presence_value}",
                env_defaults,
                "R",
                "ok ",
                "TestPresentValueWithUnset",
            ),
            (
                "R=ok ${UNSET_VAR+presence_value}",
                env_defaults,
                "R",
                "ok ",
                "TestPresentValueWithUnset2",
            ),
            (
                "R=ok ${FOO:+presence_value}",
                env_defaults,
                "R",
                "ok presence_value",
                "TestPresentValueWithNonEmpty",
            ),
            (
                "R=ok ${FOO+presence_value}",
                env_defaults,
                "R",
                "ok presence_value",
                "TestPresentValueAndNonEmptyWithNonEmpty",
            ),
            (
                "R=ok ${BAR+presence_value}",
                env_defaults,
                "R",
                "ok presence_value",
                "TestPresentValueWithSet",
            ),
            (
                "R=\"ok ${BAR:+presence_value}\"",
                env_defaults,
                "R",
                "ok ",
                "TestPresentValueAndNotEmptyWithSet",
            ),
            (
                "R=ok ${BAR:-/non:-alphanumeric}",
                env_defaults,
                "R",
                "ok /non:-alphanumeric",
                "TestNonAlphanumericDefault",
            ),
            (
                "R=\"+ok ${UNSET:-${BAR-defaultValue}}\"",
                env_defaults,
                "R",
                "+ok ",
                "TestInterpolationExternalInterference",
            ),
            (
                "R=:-ok ${UNSET-defaultValue}",
                env_defaults,
                "R",
                ":-ok defaultValue",
                "TestInterpolationExternalInterference",
            ),
            (
                "R=ok ${UNSET_VAR-$FOO}",
                env_defaults,
                "R",
                "ok first",
                "TestDefaultsWithNestedExpansion",
            ),
            (
                "R=ok ${UNSET_VAR-${FOO} ${FOO}}",
                env_defaults,
                "R",
                "ok first first",
                "TestDefaultsWithNestedExpansion",
            ),
            (
                "R=ok ${BAR:-${FOO}}",
                env_defaults,
                "R",
                "ok first",
                "TestDefaultsWithNestedExpansion",
            ),
            (
                "R=ok ${BAR+$FOO ${FOO:+second}}",
                env_defaults,
                "R",
                "ok first second",
                "TestDefaultsWithNestedExpansion",
            ),
            (
                "R=ok ${FOO:?err}",
                env_defaults,
                "R",
                "ok first",
                "TestDefaultsForMandatoryVariables",
            ),
            (
                "R=ok ${BAR?err}",
                env_defaults,
                "R",
                "ok ",
                "TestDefaultsForMandatoryVariables",
            ),
            (
                "R=${UNSET_VAR-myerror?msg}",
                env_defaults,
                "R",
                "myerror?msg",
                "template_test TestPrecedence",
            ),
            (
                "R=${FOO?bar-baz}",
                env_defaults,
                "R",
                "first",
                "template_test TestPrecedence",
            ),
            // Derived from template.go: a `}` closes at the first balance, the rest is text.
            (
                "R=${UNSET:-x}}",
                env_defaults,
                "R",
                "x}",
                "getFirstBraceClosingIndex",
            ),
            (
                "R=${UNSET:-{x}}",
                env_defaults,
                "R",
                "{x}",
                "getFirstBraceClosingIndex",
            ),
            // Unquoted: backslashes are literal, so `\$X` still expands after the backslash.
            (
                "R=\\$FOO",
                env_defaults,
                "R",
                "\\first",
                "parser.go: no escapes in unquoted values",
            ),
            (
                "R=$$FOO",
                env_defaults,
                "R",
                "$FOO",
                "template.go: $$ is an escaped $",
            ),
            (
                "R=$$$FOO",
                env_defaults,
                "R",
                "$first",
                "template.go: $$ then $FOO",
            ),
            (
                "R=\"$$FOO\"",
                env_defaults,
                "R",
                "$FOO",
                "template.go: $$ in double quotes",
            ),
            (
                "R='$$FOO'",
                env_defaults,
                "R",
                "$$FOO",
                "single quotes: no expansion",
            ),
            (
                "R=${foo}",
                &[("foo", "lower")],
                "R",
                "lower",
                "names are case-sensitive, pattern is not",
            ),
        ];
        for (input, env, key, expected, source) in cases {
            let parsed = parse_with(input, env);
            assert_eq!(syntax_issues(&parsed), vec![], "{source}: {input:?}");
            assert_eq!(value(&parsed, key), Some(*expected), "{source}: {input:?}");
        }
    }

    #[test]
    fn compose_go_invalid_templates_are_reported_and_kept_literally() {
        // template_test TestInvalid: compose-go fails the whole file on these.
        for template in [
            "${", "${}", "${ }", "${ foo}", "${foo!}", "${A:x}", "${A:-x", "${A-${B}",
        ] {
            let input = format!("R=\"{template}\"\nNEXT=ok");
            let parsed = parse_str(&input);
            assert_eq!(
                syntax_issues(&parsed),
                vec![(1, 3, R_INVALID_REFERENCE.to_owned())],
                "{template:?}"
            );
            assert!(
                value(&parsed, "R").is_some_and(|v| v.contains("${")),
                "{template:?}"
            );
            assert_eq!(value(&parsed, "NEXT"), Some("ok"));
        }
        // `${foo }`: a blank before `}` is invalid too (unquoted would cut nothing here).
        let parsed = parse_str("R=\"${foo }\"");
        assert_eq!(syntax_issues(&parsed).len(), 1);
    }

    #[test]
    fn compose_go_required_variables_do_not_copy_the_message() {
        // godotenv_var_expansion_test TestErrorIfEmptyOrUnset / TestErrorIfUnset and
        // template_test TestMandatoryVariableErrors: Compose aborts; we report and go on.
        let cases: &[(&str, &str, bool)] = &[
            ("R=${UNSET_VAR:?Test error secret-ish}", "UNSET_VAR", false),
            (
                "EMPTY_VAR=\nR=${EMPTY_VAR:?Test error secret-ish}",
                "EMPTY_VAR",
                true,
            ),
            ("R=${UNSET_VAR?Test error secret-ish}", "UNSET_VAR", false),
            ("R=${UNSET_VAR:?}", "UNSET_VAR", false),
            (
                "R=\"${UNSET_VAR?Mandatory ${FOO} secret-ish}\"",
                "UNSET_VAR",
                false,
            ),
        ];
        for (input, name, is_empty) in cases {
            let parsed = parse_str(input);
            let required: Vec<(String, bool)> = parsed
                .issues
                .iter()
                .filter_map(|i| match &i.kind {
                    DotenvIssueKind::RequiredVariable {
                        reference, empty, ..
                    } => Some((reference.name.clone(), *empty)),
                    _ => None,
                })
                .collect();
            assert_eq!(required, vec![((*name).to_owned(), *is_empty)], "{input:?}");
            assert_eq!(syntax_issues(&parsed), vec![], "{input:?}");
            assert!(!format!("{:?}", parsed.issues).contains("secret-ish"));
            assert_eq!(value(&parsed, "R"), Some(""), "{input:?}");
        }
    }

    #[test]
    fn compose_go_unterminated_quotes() {
        // godotenv_test TestUnterminatedQuotes
        let cases = [
            (r#"KEY=""#, R_UNTERMINATED_DOUBLE),
            (r#"KEY="value"#, R_UNTERMINATED_DOUBLE),
            (r#"KEY="value\""#, R_UNTERMINATED_DOUBLE),
            (r#"KEY="value'"#, R_UNTERMINATED_DOUBLE),
            ("KEY='", R_UNTERMINATED_SINGLE),
            ("KEY='value", R_UNTERMINATED_SINGLE),
            (r"KEY='value\'", R_UNTERMINATED_SINGLE),
            (r#"KEY='value""#, R_UNTERMINATED_SINGLE),
        ];
        for (input, reason) in cases {
            let parsed = parse_str(input);
            assert_eq!(
                syntax_issues(&parsed),
                vec![(1, 5, reason.to_owned())],
                "{input:?}"
            );
            assert!(parsed.entries.is_empty(), "{input:?}");
        }
    }

    #[test]
    fn compose_go_lines_to_ignore() {
        // godotenv_test TestLinesToIgnore
        for input in [
            "\n",
            "\r\n",
            "\t\t ",
            "# Comment",
            "\t # comment",
            "\u{2003}# em space then comment",
        ] {
            let parsed = parse_str(input);
            assert!(parsed.entries.is_empty(), "{input:?}");
            assert_eq!(syntax_issues(&parsed), vec![], "{input:?}");
        }
    }

    #[test]
    fn unicode_letters_and_numbers_are_key_characters() {
        // Go's unicode.IsLetter / IsNumber: categories L and N (Nl and No included).
        assert_single("日本_Ⅻ²=1", "日本_Ⅻ²", "1", "IsLetter, IsNumber");
        assert_single("ÄÖ.ü-[0]=2", "ÄÖ.ü-[0]", "2", "isValidKeyRune");
    }

    #[test]
    fn compose_go_bad_lines() {
        // godotenv_test TestParsing ("lol$wut"), parser_test TestParseVariable, and
        // TestErrorParsing (fixtures/invalid1.env: "key cannot contain a space").
        let cases = [
            ("lol$wut", (1, 4, R_KEY_CHAR)),
            ("%!(EXTRA string)=foo", (1, 1, R_KEY_CHAR)),
            ("KEY NAME=value", (1, 4, R_KEY_SPACE)),
            ("KEY NAME", (1, 4, R_KEY_SPACE)),
            ("\"KEY\"=value", (1, 1, R_KEY_CHAR)),
            ("KEY!=value", (1, 4, R_KEY_CHAR)),
            ("ké y=1", (1, 3, R_KEY_SPACE)),
            ("é!=1", (1, 2, R_KEY_CHAR)),
            // A combining vowel sign (category Mc) is no letter for Go's unicode.IsLetter.
            ("\u{915}\u{93E}=1", (1, 2, R_KEY_CHAR)),
        ];
        for (input, (line, column, reason)) in cases {
            let parsed = parse_str(input);
            assert_eq!(
                syntax_issues(&parsed),
                vec![(line, column, reason.to_owned())],
                "{input:?}"
            );
            assert!(parsed.entries.is_empty(), "{input:?}");
        }
    }

    #[test]
    fn compose_go_fixture_plain_env() {
        // fixtures/plain.env, godotenv_test TestReadPlainEnv
        let parsed = parse_str(
            "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n",
        );
        assert_eq!(parsed.issues, vec![]);
        let expected = [
            ("OPTION_A", "1"),
            ("OPTION_B", "2"),
            ("OPTION_C", "3"),
            ("OPTION_D", "4"),
            ("OPTION_E", "5"),
            ("OPTION_F", ""),
            ("OPTION_G", ""),
            ("OPTION_H", "my string"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(pairs(&parsed), expected);
        let lines: Vec<usize> = parsed.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn compose_go_fixture_quoted_env() {
        // fixtures/quoted.env, godotenv_test TestLoadQuotedEnv
        let parsed = parse_str(
            "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\"\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_Z = \"last value\"\n",
        );
        assert_eq!(parsed.issues, vec![]);
        let expected = [
            ("OPTION_A", "1", 1),
            ("OPTION_B", "2", 2),
            ("OPTION_C", "", 3),
            ("OPTION_D", "\\n", 4),
            ("OPTION_E", "1", 5),
            ("OPTION_F", "2", 6),
            ("OPTION_G", "", 7),
            ("OPTION_H", "\n", 8),
            ("OPTION_I", "echo 'asd'", 9),
            (
                "OPTION_J",
                "first line\nsecond line\nthird line\nand so on",
                10,
            ),
            ("OPTION_Z", "last value", 14),
        ];
        let got: Vec<(&str, &str, usize)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn compose_go_multiline_double_quoted_value() {
        // godotenv_test TestVariableStringValueSeparator
        let parsed = parse_str(
            "TEST_URLS=\"stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443\"\nNEXT=1",
        );
        assert_eq!(parsed.issues, vec![]);
        assert_eq!(
            value(&parsed, "TEST_URLS"),
            Some("stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443")
        );
        assert_eq!(parsed.entries[1].line, 3);
    }

    #[test]
    fn compose_go_substitutions_and_lookup_precedence() {
        // fixtures/substitutions-default.env with and without OPTION_A=5 in the environment
        // (TestSubstitutionsWithEnvFileDefaultValuePrecedence and ...UnsetVar...).
        let file = "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
        let parsed = parse_with(file, &[("OPTION_A", "5")]);
        let got: Vec<(String, String)> = pairs(&parsed);
        let want: Vec<(String, String)> = [
            ("OPTION_A", "5"),
            ("OPTION_B", "5"),
            ("OPTION_C", "5"),
            ("OPTION_D", "5_5"),
            ("OPTION_E", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(undefined(&parsed), vec!["OPTION_NOT_DEFINED".to_owned()]);

        let parsed = parse_str(file);
        let got = pairs(&parsed);
        let want: Vec<(String, String)> = [
            ("OPTION_A", "1"),
            ("OPTION_B", "1"),
            ("OPTION_C", "1"),
            ("OPTION_D", "1_1"),
            ("OPTION_E", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(got, want);

        // TestSubstitutionsWithEnvFilePrecedence (fixtures/substitutions.env): the file's own
        // value is kept, but expansion asks the lookup first.
        let parsed = parse_with(
            "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n",
            &[("OPTION_A", "5")],
        );
        assert_eq!(value(&parsed, "OPTION_A"), Some("1"));
        assert_eq!(value(&parsed, "OPTION_B"), Some("5"));
        assert_eq!(value(&parsed, "OPTION_C"), Some("5"));
        assert_eq!(value(&parsed, "OPTION_D"), Some("5_5"));
        assert_eq!(value(&parsed, "OPTION_E"), Some(""));
    }

    #[test]
    fn the_files_own_keys_come_between_the_environment_and_earlier_files() {
        // compose-go's loader: the process environment, then everything read so far, the
        // current file's own definitions winning over earlier files'.
        let earlier = |name: &str| match name {
            "VAR" => Some(("from-earlier-file".to_owned(), false)),
            "BASE" => Some(("base".to_owned(), false)),
            "INHERITED" => Some(("earlier".to_owned(), false)),
            _ => None,
        };
        let input = b"OUT1=${VAR}\nVAR=own\nOUT2=${VAR}\nOUT3=$BASE/x\nOUT4=${HOME}\nINHERITED\n";
        let env = |name: &str| (name == "HOME").then(|| "/home/me".to_owned());
        let parsed = parse(input, &env, &earlier, &no_secret);
        assert_eq!(value(&parsed, "OUT1"), Some("from-earlier-file"));
        assert_eq!(value(&parsed, "OUT2"), Some("own"));
        assert_eq!(value(&parsed, "OUT3"), Some("base/x"));
        assert_eq!(value(&parsed, "OUT4"), Some("/home/me"));
        // A bare key is inherited from the environment only: the earlier file's entry
        // stands as it is (with its own source).
        assert_eq!(value(&parsed, "INHERITED"), None);
        // The environment wins over the file's own keys.
        let env = |name: &str| (name == "VAR").then(|| "env".to_owned());
        let parsed = parse(input, &env, &earlier, &no_secret);
        assert_eq!(value(&parsed, "OUT2"), Some("env"));
    }

    fn places(input: &str) -> Vec<(String, bool, RefPlace)> {
        parse_str(input)
            .issues
            .iter()
            .filter_map(|i| match &i.kind {
                DotenvIssueKind::UndefinedVariable { reference, .. }
                | DotenvIssueKind::RequiredVariable { reference, .. } => {
                    Some((reference.name.clone(), reference.braced, reference.place))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn references_know_where_they_stand() {
        let one = |input: &str| {
            let got = places(input);
            assert_eq!(got.len(), 1, "{input:?}: {got:?}");
            (got[0].1, got[0].2)
        };
        assert_eq!(one("K=${A}"), (true, RefPlace::WholeValue));
        assert_eq!(one("K=$A"), (false, RefPlace::WholeValue));
        assert_eq!(one("K=\"${A}\""), (true, RefPlace::WholeValue));
        assert_eq!(one("K=x$A"), (false, RefPlace::Other));
        assert_eq!(one("K=pg://app:${A}@db/x"), (true, RefPlace::UrlPassword));
        assert_eq!(
            one("K=pg://app:$A@db/x?q=1"),
            (false, RefPlace::UrlPassword)
        );
        assert_eq!(
            one("K=https://${A}@github.com/x"),
            (true, RefPlace::UrlUser)
        );
        assert_eq!(one("K=pg://app:pw${A}@db"), (true, RefPlace::UrlSecretPart));
        assert_eq!(one("K=pg://${A}x:pw@db"), (true, RefPlace::UrlSecretPart));
        assert_eq!(
            one("K=https://h/x?token=${A}"),
            (true, RefPlace::UrlSecretPart)
        );
        assert_eq!(one("K=https://h/x#${A}"), (true, RefPlace::UrlSecretPart));
        assert_eq!(one("K=https://${A}/x"), (true, RefPlace::Other));
        assert_eq!(one("K=${A}://h/x"), (true, RefPlace::Other));
        // `/` then the reference then `@`: a path holding `@`, or worse; never a password.
        assert_eq!(one("K=https://h/${A}@x"), (true, RefPlace::UrlSecretPart));
        assert_eq!(one("K=s://u/v:${A}@x"), (true, RefPlace::UrlSecretPart));
        // `$A@b@c`: not the one `@` of the URL.
        assert_eq!(one("K=s://u:${A}@b@c"), (true, RefPlace::UrlSecretPart));
        // Nested in a default: placed where the outer reference stands, never "whole".
        assert_eq!(
            places("K=${SET-$A}")[0..1],
            [("A".to_owned(), false, RefPlace::Other)]
        );
        assert_eq!(places("K=pg://u:${P:-$A}@db")[0].2, RefPlace::UrlSecretPart);
        // A name met twice takes the most revealing of its places.
        assert_eq!(
            places("K=https://$A/x?t=$A"),
            vec![("A".to_owned(), false, RefPlace::UrlSecretPart)]
        );
        // `${NAME?}` is placed too.
        assert_eq!(one("K=${A?message}"), (true, RefPlace::WholeValue));
    }

    #[test]
    fn a_line_right_after_a_secret_is_marked_when_it_could_be_its_continuation() {
        let secret_key = |k: &str| k == "S";
        let input = b"S=x\nA=\nS=y\nb: z\nC=\n\nS=w\n\nD=\nP=ghp_abcdef\nE=\nS=v\nF=plain\n";
        let parsed = parse(input, &no_env, &no_earlier, &secret_key);
        let after: Vec<(&str, bool)> = parsed
            .entries
            .iter()
            .filter(|e| e.key != "S")
            .map(|e| (e.key.as_str(), e.written.after_secret))
            .collect();
        // A follows a secret that a later duplicate superseded; b (`WORD: rest`) too; C
        // follows b, itself a continuation (a wrap over three lines); D follows a blank
        // line; E follows a credential-shaped value; F is a plain assignment (never a
        // continuation).
        assert_eq!(
            after,
            vec![
                ("A", true),
                ("b", true),
                ("C", true),
                ("D", false),
                ("P", false),
                ("E", true),
                ("F", false)
            ]
        );
    }

    #[test]
    fn entries_say_how_they_were_written() {
        let parsed = parse_str("A=1\nKRUGS4ZA====\nB=\nC: x\nD=\"two\nlines\"\nE=3\n");
        let got: Vec<(&str, Written, usize, usize)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.written, e.line, e.end_line))
            .collect();
        let plain = Written::default();
        assert_eq!(
            got,
            vec![
                ("A", plain, 1, 1),
                (
                    "KRUGS4ZA",
                    Written {
                        padding: true,
                        ..plain
                    },
                    2,
                    2
                ),
                (
                    "B",
                    Written {
                        empty: true,
                        ..plain
                    },
                    3,
                    3
                ),
                (
                    "C",
                    Written {
                        colon: true,
                        ..plain
                    },
                    4,
                    4
                ),
                ("D", plain, 5, 6),
                ("E", plain, 7, 7),
            ]
        );
    }

    #[test]
    fn compose_go_inherited_keys() {
        // fixtures/inherited-not-found-multi-var.env, TestInheritedEnvVariableNotFound and
        // TestInheritedEnvVariableSameSize.
        let file = "FOO=bar\nVARIABLE_NOT_FOUND\nBAR=baz\n";
        let parsed = parse_str(file);
        assert_eq!(
            pairs(&parsed),
            vec![("FOO".into(), "bar".into()), ("BAR".into(), "baz".into())]
        );
        assert_eq!(parsed.issues, vec![]);

        let parsed = parse_with(file, &[("VARIABLE_NOT_FOUND", "SOME_RANDOM_VALUE")]);
        assert_eq!(
            value(&parsed, "VARIABLE_NOT_FOUND"),
            Some("SOME_RANDOM_VALUE")
        );
        assert_eq!(parsed.entries[1].line, 2);

        // `export KEY` and a trailing blank inherit too.
        let parsed = parse_with("export FOO \n", &[("FOO", "x")]);
        assert_eq!(value(&parsed, "FOO"), Some("x"));
        // Deliberate difference: compose-go turns a bare key on the last line without a
        // newline into the key "" with the name as value; we inherit it like any other.
        let parsed = parse_with("A=1\nFOO", &[("FOO", "x")]);
        assert_eq!(value(&parsed, "FOO"), Some("x"));
        assert_eq!(value(&parsed, ""), None);
    }

    #[test]
    fn bare_export_defines_nothing() {
        for input in ["export\n", "export \nA=1", "export"] {
            let parsed = parse_str(input);
            assert_eq!(syntax_issues(&parsed), vec![], "{input:?}");
            assert!(parsed.entries.iter().all(|e| e.key == "A"), "{input:?}");
        }
        // `export` alone as a key name (no blank after it) is an ordinary key.
        assert_single("export=1", "export", "1", "exportRegex needs a blank");
    }

    #[test]
    fn bad_line_then_good_lines_are_still_read() {
        let parsed = parse_str("GOOD1=a\nBAD LINE=x\nlol$wut\n=nokey\nGOOD2=b\n");
        assert_eq!(
            pairs(&parsed),
            vec![("GOOD1".into(), "a".into()), ("GOOD2".into(), "b".into())]
        );
        assert_eq!(
            syntax_issues(&parsed),
            vec![
                (2, 4, R_KEY_SPACE.to_owned()),
                (3, 4, R_KEY_CHAR.to_owned()),
                (4, 1, R_EMPTY_KEY.to_owned()),
            ]
        );
        assert_eq!(parsed.entries[1].line, 5);
    }

    #[test]
    fn empty_key_is_reported_not_kept() {
        // Deliberate difference: compose-go keeps `="value"` under the key "" (TestParsing).
        let parsed = parse_str("=\"value\"\n:x\nA=1");
        assert_eq!(
            syntax_issues(&parsed),
            vec![
                (1, 1, R_EMPTY_KEY.to_owned()),
                (2, 1, R_EMPTY_KEY.to_owned())
            ]
        );
        assert_eq!(pairs(&parsed), vec![("A".into(), "1".into())]);
    }

    #[test]
    fn bad_key_with_multiline_value_skips_the_whole_value() {
        let parsed = parse_str("BAD KEY=\"line1\nSECRET=inside\"\nA=1");
        assert_eq!(syntax_issues(&parsed), vec![(1, 4, R_KEY_SPACE.to_owned())]);
        assert_eq!(pairs(&parsed), vec![("A".into(), "1".into())]);
    }

    #[test]
    fn unterminated_quote_resumes_on_the_next_line() {
        let parsed = parse_str("A=1\nB=\"never closed\nC=3\n  D='x\nE=5");
        assert_eq!(
            syntax_issues(&parsed),
            vec![
                (2, 3, R_UNTERMINATED_DOUBLE.to_owned()),
                (4, 5, R_UNTERMINATED_SINGLE.to_owned())
            ]
        );
        assert_eq!(
            pairs(&parsed),
            vec![
                ("A".into(), "1".into()),
                ("C".into(), "3".into()),
                ("E".into(), "5".into())
            ]
        );
        assert_eq!(parsed.entries[1].line, 3);
        assert_eq!(parsed.entries[2].line, 5);
    }

    #[test]
    fn text_after_closing_quote_is_reported() {
        // Deliberate difference: compose-go reads `B=2` after `A="1" ` as a second statement
        // and `x` after `"1"` as an inherited key (which could be the tail of a secret).
        let parsed = parse_str("A=\"1\" B=2\nC='3'x\nD=4");
        assert_eq!(
            syntax_issues(&parsed),
            vec![
                (1, 7, R_AFTER_QUOTE.to_owned()),
                (2, 6, R_AFTER_QUOTE.to_owned())
            ]
        );
        assert_eq!(
            pairs(&parsed),
            vec![
                ("A".into(), "1".into()),
                ("C".into(), "3".into()),
                ("D".into(), "4".into())
            ]
        );
    }

    #[test]
    fn binary_bytes_never_panic() {
        let input: &[u8] = b"A=\xff\xfe\nB=ok\nC=\"caf\xe9\"\nD='\xc3'\n\xffKEY=1\nK\xc3=1\n# comment \xff\xfe\nE=fine # tail \xff\nF=$A\nG=${A:-x}\nH=\"\xff\n";
        let parsed = parse(input, &no_env, &no_earlier, &no_secret);
        let got: Vec<(&str, &str, bool)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.not_utf8))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", "", true),
                ("B", "ok", false),
                ("C", "", true),
                ("D", "", true),
                ("E", "fine", false),
                // Expanding a variable whose bytes are not UTF-8 gives bytes that are not UTF-8.
                ("F", "", true),
                ("G", "", true),
            ]
        );
        assert_eq!(
            syntax_issues(&parsed),
            vec![
                (5, 1, R_KEY_NOT_UTF8.to_owned()),
                (6, 2, R_KEY_NOT_UTF8.to_owned()),
                (11, 3, R_UNTERMINATED_DOUBLE.to_owned()),
            ]
        );

        // Every byte value, in every position, must not panic.
        let mut all: Vec<u8> = (0..=255u8).collect();
        all.extend_from_slice(b"\nK=\"");
        all.extend(0..=255u8);
        all.extend_from_slice(b"\"\nL=${");
        all.extend(0..=255u8);
        let parsed = parse(&all, &no_env, &no_earlier, &no_secret);
        assert!(!parsed.issues.is_empty());
        for cut in 0..all.len() {
            let _ = parse(&all[..cut], &no_env, &no_earlier, &no_secret);
        }
    }

    #[test]
    fn very_long_lines_are_reported_and_skipped() {
        // 50 MB unquoted line: no timing assertion, it must finish and report.
        let mut input = Vec::with_capacity(50 * 1024 * 1024 + 64);
        input.extend_from_slice(b"HUGE=");
        input.resize(input.len() + 50 * 1024 * 1024, b'x');
        input.extend_from_slice(b"\nAFTER=1\n");
        let parsed = parse(&input, &no_env, &no_earlier, &no_secret);
        assert_eq!(syntax_issues(&parsed), vec![(1, 1, R_TOO_LONG.to_owned())]);
        assert_eq!(pairs(&parsed), vec![("AFTER".into(), "1".into())]);
        assert_eq!(parsed.entries[0].line, 2);
        drop(input);

        // A quoted value over the limit, a huge key, and one exactly at the limit.
        let mut input = b"Q=\"".to_vec();
        input.resize(input.len() + MAX_ENTRY_BYTES, b'y');
        input.extend_from_slice(b"\"\nK");
        input.resize(input.len() + 2 * MAX_ENTRY_BYTES, b'K');
        input.extend_from_slice(b"=1\nFIT=");
        let fit_value = MAX_ENTRY_BYTES - "FIT=".len();
        input.resize(input.len() + fit_value, b'z');
        input.extend_from_slice(b"\nAFTER=2");
        let parsed = parse(&input, &no_env, &no_earlier, &no_secret);
        assert_eq!(
            syntax_issues(&parsed),
            vec![(1, 1, R_TOO_LONG.to_owned()), (2, 1, R_TOO_LONG.to_owned())]
        );
        let keys: Vec<&str> = parsed.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["FIT", "AFTER"]);
        assert_eq!(parsed.entries[0].value.len(), fit_value);
    }

    #[test]
    fn expansion_size_is_bounded() {
        // 1 MiB value repeated five times is over the 4 MiB expansion limit.
        let big = "x".repeat(MAX_ENTRY_BYTES - 10);
        let input = format!("A={big}\nB=$A$A$A$A$A\nC=$A$A\n");
        let parsed = parse_str(&input);
        assert_eq!(
            syntax_issues(&parsed),
            vec![(2, 1, R_EXPANDED_TOO_LONG.to_owned())]
        );
        let keys: Vec<&str> = parsed.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["A", "C"]);
        assert_eq!(parsed.entries[1].value.len(), 2 * big.len());
    }

    #[test]
    fn pathological_templates_finish() {
        // A long line of `${A:-` never closed: each one must not rescan the whole line.
        let input = format!("A=\"{}\"\nB=1", "${A:-".repeat(100_000));
        let parsed = parse_str(&input);
        assert_eq!(
            syntax_issues(&parsed),
            vec![(1, 3, R_INVALID_REFERENCE.to_owned())]
        );
        assert_eq!(value(&parsed, "B"), Some("1"));
        // Many undefined references: one issue per name.
        let input = format!("A={}", "$U ".repeat(100_000));
        let parsed = parse_str(&input);
        assert_eq!(undefined(&parsed), vec!["U".to_owned()]);
    }

    #[test]
    fn nested_defaults_are_capped_not_overflowing_the_stack() {
        let shallow = "R=${A:-${B:-${C:-deep}}}";
        assert_single(shallow, "R", "deep", "nested defaults");

        let depth = 100_000;
        let input = format!("R={}x{}\nNEXT=1", "${A:-".repeat(depth), "}".repeat(depth));
        let parsed = parse_str(&input);
        assert_eq!(syntax_issues(&parsed), vec![(1, 3, R_TOO_DEEP.to_owned())]);
        assert_eq!(value(&parsed, "NEXT"), Some("1"));

        // Exactly at the limit still expands.
        let input = format!(
            "R={}x{}",
            "${A:-".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert_single(&input, "R", "x", "MAX_NESTING levels");
    }

    #[test]
    fn crlf_is_stripped_and_reported_once() {
        let parsed = parse_str("A=1\nB=2\r\nC=\"x\r\ny\"\r\nD='p\r\nq'\r\nE=e # c\r\n\r\nF\r\n");
        assert_eq!(
            parsed.issues,
            vec![DotenvIssue {
                kind: DotenvIssueKind::CrlfLineEndings,
                line: 2,
                column: 4
            }]
        );
        let got: Vec<(&str, &str, usize)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", "1", 1),
                ("B", "2", 2),
                ("C", "x\ny", 3),
                ("D", "p\nq", 5),
                ("E", "e", 7)
            ]
        );
        // A lone CR is not a line ending (and is trimmed at the end of unquoted values).
        let parsed = parse_str("A=1\rB=2\r");
        assert_eq!(parsed.issues, vec![]);
        assert_eq!(value(&parsed, "A"), Some("1\rB=2"));
    }

    #[test]
    fn duplicate_keys_keep_the_last_at_its_position() {
        let parsed = parse_with("A=1\nB=2\nA=3\nC=$A\nA=4\nX\nX\n", &[("X", "env")]);
        let got: Vec<(&str, &str, usize)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            vec![("B", "2", 2), ("C", "3", 4), ("A", "4", 5), ("X", "env", 7)]
        );
        assert_eq!(
            parsed.issues,
            vec![
                DotenvIssue {
                    kind: DotenvIssueKind::DuplicateKey {
                        key: "A".into(),
                        count: 3,
                        lines: vec![1, 3, 5],
                        written: Written::default(),
                    },
                    line: 5,
                    column: 1
                },
                DotenvIssue {
                    kind: DotenvIssueKind::DuplicateKey {
                        key: "X".into(),
                        count: 2,
                        lines: vec![6, 7],
                        written: Written::default(),
                    },
                    line: 7,
                    column: 1
                },
            ]
        );
    }

    #[test]
    fn a_key_repeated_many_times_is_one_issue_and_one_entry() {
        let input = "A=v\n".repeat(50_000) + "B=1\nA=last\n";
        let parsed = parse_str(&input);
        assert_eq!(
            pairs(&parsed),
            vec![("B".into(), "1".into()), ("A".into(), "last".into())]
        );
        assert_eq!(
            parsed.issues,
            vec![DotenvIssue {
                kind: DotenvIssueKind::DuplicateKey {
                    key: "A".into(),
                    count: 50_001,
                    lines: vec![1, 2, 3],
                    written: Written::default(),
                },
                line: 50_002,
                column: 1
            }]
        );
        assert_eq!(parsed.omitted, Omitted::default());
    }

    #[test]
    fn distinct_keys_past_the_cap_are_counted_not_read() {
        let input = (0..MAX_KEYS_PER_FILE + 5)
            .map(|i| format!("K{i}=1\n"))
            .collect::<Vec<_>>()
            .concat()
            + "K0=again\n";
        let parsed = parse_str(&input);
        assert_eq!(parsed.entries.len(), MAX_KEYS_PER_FILE);
        assert_eq!(value(&parsed, "K0"), Some("again"));
        assert_eq!(
            syntax_issues(&parsed),
            vec![(
                MAX_KEYS_PER_FILE + 1,
                1,
                "more than 100,000 distinct keys: 5 later new keys were not read".to_string()
            )]
        );
    }

    #[test]
    fn issues_past_the_cap_are_counted_not_kept() {
        // 3 lines of 1,000 distinct references, 250 distinct repeated keys, 150 bad lines.
        let refs = (0..1_000)
            .map(|i| format!("$U_{i} "))
            .collect::<Vec<_>>()
            .concat();
        let mut input = String::new();
        for k in 0..3 {
            input.push_str(&format!("K{k}={refs}\n"));
        }
        for k in 0..250 {
            input.push_str(&format!("D{k}=1\nD{k}=2\n"));
        }
        input.push_str(&"bad key=1\n".repeat(150));
        // Expansion: `${X?}` a thousand times is one issue; distinct names are counted.
        let required = (0..300)
            .map(|i| format!("${{R_{i}?}}${{R_0?}}"))
            .collect::<Vec<_>>()
            .concat();
        input.push_str(&format!("REQ={required}\n"));
        let parsed = parse_str(&input);
        let count =
            |f: fn(&DotenvIssueKind) -> bool| parsed.issues.iter().filter(|i| f(&i.kind)).count();
        assert_eq!(
            count(|k| matches!(k, DotenvIssueKind::UndefinedVariable { .. })),
            MAX_ISSUES_PER_KIND
        );
        assert_eq!(
            count(|k| matches!(k, DotenvIssueKind::DuplicateKey { .. })),
            MAX_ISSUES_PER_KIND
        );
        assert_eq!(
            count(|k| matches!(k, DotenvIssueKind::Syntax { .. })),
            MAX_ISSUES_PER_KIND
        );
        assert_eq!(
            parsed.omitted,
            Omitted {
                undefined_variable: 3_000 - MAX_ISSUES_PER_KIND,
                duplicate_key: 250 - MAX_ISSUES_PER_KIND,
                // 150 bad lines and 300 distinct required variables, 100 listed.
                syntax: 150 + 300 - MAX_ISSUES_PER_KIND,
            }
        );
        assert_eq!(parsed.entries.len(), 3 + 250 + 1);
    }

    #[test]
    fn undefined_variables_are_reported_by_name() {
        let parsed = parse_str("A=$MISSING and ${MISSING} and ${OTHER}\nB=\"  $THIRD\"\nC='$NOT_EXPANDED'\nD=${SET:-$IN_DEFAULT}\nE=${X:-$USED_DEFAULT}\nSET=1\nF=${SET:-$UNUSED}");
        let got: Vec<(String, usize, usize)> = parsed
            .issues
            .iter()
            .filter_map(|i| match &i.kind {
                DotenvIssueKind::UndefinedVariable { reference, .. } => {
                    Some((reference.name.clone(), i.line, i.column))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("MISSING".to_owned(), 1, 3),
                ("OTHER".to_owned(), 1, 3),
                ("THIRD".to_owned(), 2, 3),
                ("IN_DEFAULT".to_owned(), 4, 3),
                ("USED_DEFAULT".to_owned(), 5, 3),
            ]
        );
        // Trailing blanks are trimmed before expansion, as in compose-go.
        assert_eq!(value(&parsed, "A"), Some(" and  and "));
    }

    #[test]
    fn commands_and_backticks_stay_literal() {
        let cases = [
            ("R=$(whoami)", "$(whoami)"),
            ("R=\"$(cat /etc/passwd)\"", "$(cat /etc/passwd)"),
            ("R=`id`", "`id`"),
            ("R=\"`id` $((1+2))\"", "`id` $((1+2))"),
            ("R='$(id)'", "$(id)"),
        ];
        for (input, expected) in cases {
            assert_single(input, "R", expected, "commands are never run");
        }
    }

    #[test]
    fn bom_is_skipped() {
        // godotenv_test TestUTF8BOM
        let parsed = parse(
            b"\xEF\xBB\xBFOPTION_A=1\nOPTION_B=2",
            &no_env,
            &no_earlier,
            &no_secret,
        );
        assert_eq!(parsed.issues, vec![]);
        assert_eq!(
            pairs(&parsed),
            vec![
                ("OPTION_A".into(), "1".into()),
                ("OPTION_B".into(), "2".into())
            ]
        );
        // Only at the start.
        let parsed = parse(b"A=1\n\xEF\xBB\xBFB=2", &no_env, &no_earlier, &no_secret);
        assert_eq!(syntax_issues(&parsed), vec![(2, 1, R_KEY_CHAR.to_owned())]);
    }

    #[test]
    fn columns_count_characters() {
        let parsed = parse_str("é=\"x\" y\nÄÖ=ü ${}");
        assert_eq!(
            syntax_issues(&parsed),
            vec![
                (1, 7, R_AFTER_QUOTE.to_owned()),
                (2, 4, R_INVALID_REFERENCE.to_owned())
            ]
        );
    }

    #[test]
    fn issues_never_hold_value_text() {
        let secret = "s3cr3t-Tail";
        let inputs = [
            format!("A=\"{secret}"),
            format!("A='{secret}"),
            format!("A=\"x\"{secret}"),
            format!("A B={secret}"),
            format!("{secret} more"),
            format!("A=${{X:?{secret}}}"),
            format!("A=${{{secret}"),
            format!("A=\"${{X?{secret}}}\""),
        ];
        for input in &inputs {
            let parsed = parse_str(input);
            assert!(!parsed.issues.is_empty(), "{input:?}");
            let shown = format!("{:?}", parsed.issues);
            assert!(!shown.contains(secret), "{input:?}: {shown}");
        }
    }

    #[test]
    fn expansion_budget_per_file_is_bounded() {
        // Each line stays under the 4 MiB value limit, but together they would build far
        // more than the file itself: past the budget, entries are reported and skipped.
        let big = "x".repeat(MAX_ENTRY_BYTES - 10);
        let lines: Vec<String> = (0..20).map(|i| format!("B{i}=$A$A$A$A")).collect();
        let input = format!("A={big}\n{}\nLAST=small\n", lines.join("\n"));
        let parsed = parse_str(&input);
        let over: Vec<usize> = syntax_issues(&parsed)
            .into_iter()
            .filter(|(_, _, reason)| reason == R_BUDGET)
            .map(|(line, _, _)| line)
            .collect();
        assert!(over.len() > 1 && over.len() < 20, "{over:?}");
        assert_eq!(parsed.entries.len(), 22 - over.len());
        // What is left of the budget still takes small values.
        assert_eq!(value(&parsed, "LAST"), Some("small"));
    }

    #[test]
    fn line_tracker_handles_any_order() {
        let data = b"ab\ncd\n\xc3\xa9f";
        let mut lines = LineTracker::new();
        assert_eq!(lines.locate(data, 6), (3, 1));
        assert_eq!(lines.locate(data, 8), (3, 2));
        assert_eq!(lines.locate(data, 1), (1, 2));
        assert_eq!(lines.locate(data, 100), (3, 3));
    }

    #[test]
    fn escapes_unit() {
        assert_eq!(expand_escapes(r"a\\nb"), "a\\nb");
        assert_eq!(expand_escapes(r"\$X"), "$$X");
        assert_eq!(expand_escapes(r"\0377"), "\u{ff}");
        assert_eq!(expand_escapes("tail\\"), "tail\\");
        assert_eq!(expand_escapes("é\\é"), "é\\é");
        assert_eq!(
            unescape_quote(br#"a\"b\\c\n"#, b'"'),
            br#"a"b\\c\n"#.to_vec()
        );
        assert_eq!(unescape_quote(br"a\'b\n", b'\''), br"a'b\n".to_vec());
    }
}
