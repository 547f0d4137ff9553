//! The common TOML schema read in one pass, straight from `toml_parser`'s tokens into
//! [`PlainSchema`]: variables in declaration order, no intermediate document.
//!
//! Only a subset is read here: comments, `[vars.NAME]` and `[severity]` headers, `service`
//! and `description`, plain or quoted keys, and values that are strings (every kind),
//! integers, floats, booleans, arrays of those, and (for `required_when`) one-line inline
//! tables of those and arrays. Anything else, or anything that is not valid TOML, is `None`,
//! and the layered reader (which words every error with its position) takes the file: dotted
//! keys, arrays of tables, dates, nested tables, a key or table written twice, an unknown
//! attribute, a value of the wrong type, `claims`, `include`, `profiles`.
//!
//! The common tokens (punctuation, whitespace, newlines, comments, unquoted words, one-line
//! strings of printable ASCII) are lexed here exactly as `toml_parser`'s lexer lexes them;
//! any other string is lexed by that lexer. Keys and values that need more than copying
//! (escapes, multi-line strings, numbers other than plain decimals), and comments, are
//! checked and decoded by `toml_parser`'s decoders, the `toml` crate's own: every value
//! reads exactly as `toml::from_str::<PlainSchema>` reads it, and the tests keep that reader
//! as the oracle.

use super::raw::{InOrder, OneOrMany, PlainSchema, RawVar, Scalar};
use std::borrow::Cow;
use std::collections::BTreeMap;
use toml_parser::decoder::ScalarKind;
use toml_parser::lexer::TokenKind;
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span};

/// The schema in `text`, when it is TOML of the subset this reader takes (the tests compare
/// it with `toml`'s reading).
#[cfg(test)]
pub fn read(text: &str) -> Option<PlainSchema> {
    // Sized once for the headers (and arrays) there are, but not by a hostile text of
    // brackets alone.
    let mut vars = Vec::with_capacity(var_tables_hint(text));
    let mut schema = read_each(text, |name, var| {
        vars.push((name, var));
        true
    })?;
    // A table written twice is not TOML.
    let mut names: std::collections::HashSet<&str, foldhash::fast::RandomState> =
        std::collections::HashSet::with_capacity_and_hasher(
            vars.len(),
            foldhash::fast::RandomState::default(),
        );
    if !vars.iter().all(|(name, _)| names.insert(name)) {
        return None;
    }
    schema.vars = InOrder(vars);
    Some(schema)
}

/// The schema in `text`, its variables handed to `each` one at a time in declaration order
/// as each one's table ends, so that no more than one is held at once (the schema's `vars`
/// stay empty). `each` returning false stops the read (`None`). A table written twice is
/// handed twice: which names repeat is for `each`'s caller to tell (`read` does).
pub fn read_each(text: &str, mut each: impl FnMut(String, RawVar) -> bool) -> Option<PlainSchema> {
    let mut reader = Reader {
        text,
        // As `toml_parser`'s lexer, past a byte order mark.
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
        peeked: None,
        invalid: Invalid(false),
    };
    let schema = reader.document(&mut each).ok()?;
    (!reader.invalid.0).then_some(schema)
}

/// At least as many as the `[vars.NAME]` tables in `text` (every `[` is counted), for
/// sizing a list of them once, but no more than 4,096 (a text of brackets alone).
pub fn var_tables_hint(text: &str) -> usize {
    brackets(text.as_bytes()).min(4096)
}

/// The text is outside the subset or is not valid TOML: the layered reader takes it.
struct Outside;

type Read<T> = Result<T, Outside>;

/// Whether `toml_parser`'s decoders found the text invalid.
struct Invalid(bool);

impl ErrorSink for Invalid {
    fn report_error(&mut self, _error: ParseError) {
        self.0 = true;
    }
}

/// The table the lines being read belong to.
#[derive(Clone, Copy)]
enum Table {
    Top,
    Severity,
    /// The variable whose table is being read.
    Var,
}

/// A value as written, before it is given the type its key asks for.
enum Value<'i> {
    Str(Cow<'i, str>),
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX`.
    Big(u64),
    Float(f64),
    Array(Vec<Scalar>),
    Table(BTreeMap<String, OneOrMany>),
}

/// A token: what `toml_parser`'s lexer gives at the same place, with its byte range.
#[derive(Clone, Copy)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
    /// Its text needs no decoding: an unquoted token of bare-key characters, or a one-line
    /// string of printable ASCII without escapes (its text is then between the quotes).
    plain: bool,
}

/// The byte ends an unquoted token (`toml_parser`'s lexer's set).
const ENDS_ATOM: u8 = 1;
/// The byte may be in a bare key.
const BARE_KEY: u8 = 2;
/// The byte stands for itself in a one-line string (tab or printable ASCII, no backslash);
/// the closing quote is checked apart.
const PLAIN_IN_STRING: u8 = 4;

/// What each byte is, for the lexer's loops.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)] // i < 256
        let b = i as u8;
        let mut class = 0;
        if matches!(
            b,
            b'.' | b'=' | b',' | b'[' | b']' | b'{' | b'}' | b' ' | b'\t' | b'#' | b'\r' | b'\n'
        ) {
            class |= ENDS_ATOM;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            class |= BARE_KEY;
        }
        if b == b'\t' || (b >= b' ' && b <= b'~' && b != b'\\') {
            class |= PLAIN_IN_STRING;
        }
        table[i] = class;
        i += 1;
    }
    table
};

/// How many `[` there are in `bytes` (counted in chunks whose `u8` sums vectorize well).
fn brackets(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().map(|&b| u8::from(b == b'[')).sum::<u8>()))
        .sum()
}

struct Reader<'i> {
    text: &'i str,
    pos: usize,
    peeked: Option<Token>,
    invalid: Invalid,
}

impl<'i> Reader<'i> {
    /// The token at `self.pos`, lexed as `toml_parser` lexes it: the common tokens here,
    /// the rest (multi-line strings, strings with escapes or other characters) by
    /// `toml_parser`'s lexer itself, from this position.
    #[inline(never)]
    fn lex(&mut self) -> Option<Token> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let first = *bytes.get(start)?;
        let mut plain = false;
        let mut end = start + 1;
        let kind = match first {
            b'.' => TokenKind::Dot,
            b'=' => TokenKind::Equals,
            b',' => TokenKind::Comma,
            b'[' => TokenKind::LeftSquareBracket,
            b']' => TokenKind::RightSquareBracket,
            b'{' => TokenKind::LeftCurlyBracket,
            b'}' => TokenKind::RightCurlyBracket,
            b'\n' => TokenKind::Newline,
            b'\r' => {
                if bytes.get(end) == Some(&b'\n') {
                    end += 1;
                }
                TokenKind::Newline
            }
            b' ' | b'\t' => {
                while matches!(bytes.get(end), Some(b' ' | b'\t')) {
                    end += 1;
                }
                TokenKind::Whitespace
            }
            b'#' => {
                while !matches!(bytes.get(end), None | Some(b'\r' | b'\n')) {
                    end += 1;
                }
                TokenKind::Comment
            }
            b'"' | b'\'' => {
                while let Some(&b) = bytes.get(end) {
                    if b == first || BYTE_CLASS[usize::from(b)] & PLAIN_IN_STRING == 0 {
                        break;
                    }
                    end += 1;
                }
                let delimiter: &[u8] = if first == b'"' { b"\"\"\"" } else { b"'''" };
                if bytes.get(end) == Some(&first) && !bytes[start..].starts_with(delimiter) {
                    end += 1;
                    plain = true;
                    if first == b'"' {
                        TokenKind::BasicString
                    } else {
                        TokenKind::LiteralString
                    }
                } else {
                    let token = Source::new(&self.text[start..]).lex().next()?;
                    end = start + token.span().end();
                    token.kind()
                }
            }
            _ => {
                let mut classes = BYTE_CLASS[usize::from(first)];
                while let Some(&b) = bytes.get(end) {
                    let class = BYTE_CLASS[usize::from(b)];
                    if class & ENDS_ATOM != 0 {
                        break;
                    }
                    classes &= class;
                    end += 1;
                }
                plain = classes & BARE_KEY != 0;
                TokenKind::Atom
            }
        };
        self.pos = end;
        Some(Token {
            kind,
            start,
            end,
            plain,
        })
    }

    /// The next token, not taken; `None` at the end.
    #[inline]
    fn peek(&mut self) -> Option<Token> {
        if self.peeked.is_none() {
            self.peeked = self.lex();
        }
        self.peeked
    }

    fn peek_kind(&mut self) -> Option<TokenKind> {
        self.peek().map(|t| t.kind)
    }

    fn bump(&mut self) -> Read<Token> {
        let token = self.peek().ok_or(Outside)?;
        self.peeked = None;
        Ok(token)
    }

    /// Takes the one-byte token `byte` (`=` or a bracket), on the bytes when no token is
    /// peeked.
    fn eat(&mut self, byte: u8) -> Read<()> {
        let found = match self.peeked.take() {
            Some(token) => token.kind as u8 == byte,
            None if self.text.as_bytes().get(self.pos) == Some(&byte) => {
                self.pos += 1;
                true
            }
            None => false,
        };
        if found {
            Ok(())
        } else {
            Err(Outside)
        }
    }

    /// The token's text, for `toml_parser`'s decoders.
    fn raw(&self, token: Token) -> Raw<'i> {
        Raw::new_unchecked(
            &self.text[token.start..token.end],
            token.kind.encoding(),
            Span::new_unchecked(token.start, token.end),
        )
    }

    /// A string token's text between its quotes, when it needs no decoding.
    fn verbatim(&self, token: Token) -> Option<&'i str> {
        token
            .plain
            .then(|| &self.text[token.start + 1..token.end - 1])
    }

    /// Skips whitespace (a run of it is one token), on the bytes when no token is peeked.
    fn skip_whitespace(&mut self) {
        if self.peeked.is_some_and(|t| t.kind == TokenKind::Whitespace) {
            self.peeked = None;
        }
        if self.peeked.is_none() {
            let bytes = self.text.as_bytes();
            while matches!(bytes.get(self.pos), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
        }
    }

    /// Takes a newline or a comment token, checking it as TOML does (no lone `\r`, no
    /// control characters in comments).
    fn take_newline_or_comment(&mut self) -> Read<()> {
        let token = self.bump()?;
        match token.kind {
            TokenKind::Newline => {
                if &self.text[token.start..token.end] == "\r" {
                    self.invalid.0 = true;
                }
            }
            TokenKind::Comment => self.raw(token).decode_comment(&mut self.invalid),
            _ => return Err(Outside),
        }
        Ok(())
    }

    /// Whitespace, newlines and comments, as an array may hold between its values.
    fn skip_blank(&mut self) -> Read<()> {
        loop {
            match self.peek_kind() {
                Some(TokenKind::Whitespace) => self.peeked = None,
                Some(TokenKind::Newline | TokenKind::Comment) => self.take_newline_or_comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// The rest of a line after a header or a key-value pair: whitespace, a comment, then
    /// a newline or the end of the text.
    fn end_of_line(&mut self) -> Read<()> {
        self.skip_whitespace();
        if self.peeked.is_none() && self.text.as_bytes().get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            return Ok(());
        }
        if self.peek_kind() == Some(TokenKind::Comment) {
            self.take_newline_or_comment()?;
        }
        match self.peek_kind() {
            None => Ok(()),
            Some(TokenKind::Newline) => self.take_newline_or_comment(),
            Some(_) => Err(Outside),
        }
    }

    fn document(&mut self, each: &mut dyn FnMut(String, RawVar) -> bool) -> Read<PlainSchema> {
        // `profiles` maps to nothing: only whether there are any (there are none here).
        #[allow(clippy::zero_sized_map_values)]
        let mut schema = PlainSchema {
            service: None,
            description: None,
            include: Vec::new(),
            vars: InOrder(Vec::new()),
            severity: BTreeMap::new(),
            profiles: BTreeMap::new(),
        };
        // The variable whose table is being read, handed to `each` when its table ends.
        let mut current: Option<(String, RawVar)> = None;
        let mut table = Table::Top;
        let mut severity_seen = false;
        loop {
            self.skip_whitespace();
            if self.peeked.is_none() && self.text.as_bytes().get(self.pos) == Some(&b'\n') {
                self.pos += 1;
                continue;
            }
            match self.peek_kind() {
                None => break,
                Some(TokenKind::Newline) => self.take_newline_or_comment()?,
                Some(TokenKind::Comment) => {
                    self.take_newline_or_comment()?;
                    self.end_of_line()?;
                }
                Some(TokenKind::LeftSquareBracket) => {
                    if let Some((name, var)) = current.take() {
                        hand(each, name, var)?;
                    }
                    table = self.header(&mut current, &mut severity_seen)?;
                    self.end_of_line()?;
                }
                Some(_) => {
                    let key = self.key()?;
                    self.skip_whitespace();
                    self.eat(b'=')?;
                    self.skip_whitespace();
                    let value = self.value()?;
                    assign(&mut schema, &mut current, table, &key, value)?;
                    self.end_of_line()?;
                }
            }
            if self.invalid.0 {
                return Err(Outside);
            }
        }
        if let Some((name, var)) = current.take() {
            hand(each, name, var)?;
        }
        Ok(schema)
    }

    /// `[vars.NAME]` (whose variable becomes `current`) or `[severity]` (once).
    fn header(
        &mut self,
        current: &mut Option<(String, RawVar)>,
        severity_seen: &mut bool,
    ) -> Read<Table> {
        self.eat(b'[')?;
        self.skip_whitespace();
        let first = self.key()?;
        self.skip_whitespace();
        let second = if self.peek_kind() == Some(TokenKind::Dot) {
            self.peeked = None;
            self.skip_whitespace();
            let second = self.key()?;
            self.skip_whitespace();
            Some(second)
        } else {
            None
        };
        self.eat(b']')?;
        match (first.as_ref(), second) {
            ("vars", Some(name)) => {
                *current = Some((name.into_owned(), RawVar::default()));
                Ok(Table::Var)
            }
            ("severity", None) if !*severity_seen => {
                *severity_seen = true;
                Ok(Table::Severity)
            }
            _ => Err(Outside),
        }
    }

    /// One key, plain or quoted (a dotted key is outside the subset).
    fn key(&mut self) -> Read<Cow<'i, str>> {
        let token = self.bump()?;
        match token.kind {
            TokenKind::Atom if token.plain => {
                return Ok(Cow::Borrowed(&self.text[token.start..token.end]));
            }
            TokenKind::Atom => {}
            TokenKind::BasicString | TokenKind::LiteralString => {
                if let Some(text) = self.verbatim(token) {
                    return Ok(Cow::Borrowed(text));
                }
            }
            _ => return Err(Outside),
        }
        let mut key = Cow::Borrowed("");
        self.raw(token).decode_key(&mut key, &mut self.invalid);
        Ok(key)
    }

    /// A key's value: a scalar, an array of scalars, or an inline table.
    fn value(&mut self) -> Read<Value<'i>> {
        match self.peek_kind() {
            Some(TokenKind::LeftSquareBracket) => self.array().map(Value::Array),
            Some(TokenKind::LeftCurlyBracket) => self.inline_table().map(Value::Table),
            _ => self.scalar(),
        }
    }

    /// A string, number or boolean, decoded by `toml_parser` as `toml` decodes it (the
    /// plainest strings, decimal integers and booleans read here, to the same result).
    fn scalar(&mut self) -> Read<Value<'i>> {
        let first = self.bump()?;
        let raw = match first.kind {
            TokenKind::BasicString
            | TokenKind::LiteralString
            | TokenKind::MlBasicString
            | TokenKind::MlLiteralString => {
                if let Some(text) = self.verbatim(first) {
                    return Ok(Value::Str(Cow::Borrowed(text)));
                }
                self.raw(first)
            }
            TokenKind::Atom => {
                // A number with a fraction is several tokens (`1`, `.`, `5`), joined as
                // `toml_parser`'s parser joins them.
                let mut end = first.end;
                while let Some(next) = self
                    .peek()
                    .filter(|t| matches!(t.kind, TokenKind::Atom | TokenKind::Dot))
                {
                    end = next.end;
                    self.peeked = None;
                }
                let text = &self.text[first.start..end];
                match text {
                    "true" => return Ok(Value::Bool(true)),
                    "false" => return Ok(Value::Bool(false)),
                    _ => {}
                }
                if (text.len() == 1 || !text.starts_with('0'))
                    && text.bytes().all(|b| b.is_ascii_digit())
                {
                    if let Ok(i) = text.parse::<i64>() {
                        return Ok(Value::Int(i));
                    }
                }
                Raw::new_unchecked(text, None, Span::new_unchecked(first.start, end))
            }
            _ => return Err(Outside),
        };
        let mut text = Cow::Borrowed("");
        match raw.decode_scalar(&mut text, &mut self.invalid) {
            ScalarKind::String => Ok(Value::Str(text)),
            ScalarKind::Boolean(b) => Ok(Value::Bool(b)),
            ScalarKind::Integer(radix) => {
                // As `toml` reads an integer: an `i64` when it fits, else a `u64`.
                let radix = radix.value();
                if let Ok(i) = i64::from_str_radix(&text, radix) {
                    Ok(Value::Int(i))
                } else {
                    u64::from_str_radix(&text, radix)
                        .map(Value::Big)
                        .map_err(|_| Outside)
                }
            }
            ScalarKind::Float => {
                // As `toml` reads a float: an overflow to infinity is an error.
                let f: f64 = text.parse().map_err(|_| Outside)?;
                if f.is_infinite() && !text.contains("inf") {
                    Err(Outside)
                } else {
                    Ok(Value::Float(f))
                }
            }
            ScalarKind::DateTime => Err(Outside),
        }
    }

    /// `[` scalars `]`, across lines, with comments and a trailing comma.
    fn array(&mut self) -> Read<Vec<Scalar>> {
        self.eat(b'[')?;
        let mut items = Vec::with_capacity(8);
        loop {
            self.skip_blank()?;
            if self.peek_kind() == Some(TokenKind::RightSquareBracket) {
                self.peeked = None;
                return Ok(items);
            }
            items.push(to_scalar(self.scalar()?)?);
            self.skip_blank()?;
            match self.bump()?.kind {
                TokenKind::Comma => {}
                TokenKind::RightSquareBracket => return Ok(items),
                _ => return Err(Outside),
            }
        }
    }

    /// `{ KEY = scalar or array, ... }` on one line, without a trailing comma.
    fn inline_table(&mut self) -> Read<BTreeMap<String, OneOrMany>> {
        self.eat(b'{')?;
        let mut entries = BTreeMap::new();
        self.skip_whitespace();
        if self.peek_kind() == Some(TokenKind::RightCurlyBracket) {
            self.peeked = None;
            return Ok(entries);
        }
        loop {
            self.skip_whitespace();
            let key = self.key()?;
            self.skip_whitespace();
            self.eat(b'=')?;
            self.skip_whitespace();
            let value = if self.peek_kind() == Some(TokenKind::LeftSquareBracket) {
                OneOrMany::Many(self.array()?)
            } else {
                OneOrMany::One(to_scalar(self.scalar()?)?)
            };
            if entries.insert(key.into_owned(), value).is_some() {
                return Err(Outside);
            }
            self.skip_whitespace();
            match self.bump()?.kind {
                TokenKind::Comma => {}
                TokenKind::RightCurlyBracket => return Ok(entries),
                _ => return Err(Outside),
            }
        }
    }
}

/// A scalar as [`Scalar`]'s deserializer reads it (an integer above `i64::MAX` as a float).
#[allow(clippy::cast_precision_loss)] // as `Scalar` reads it
fn to_scalar(value: Value<'_>) -> Read<Scalar> {
    match value {
        Value::Str(s) => Ok(Scalar::Str(s.into_owned())),
        Value::Bool(b) => Ok(Scalar::Bool(b)),
        Value::Int(i) => Ok(Scalar::Int(i)),
        Value::Big(u) => Ok(Scalar::Float(u as f64)),
        Value::Float(f) => Ok(Scalar::Float(f)),
        Value::Array(_) | Value::Table(_) => Err(Outside),
    }
}

fn text(value: Value<'_>) -> Read<String> {
    match value {
        Value::Str(s) => Ok(s.into_owned()),
        _ => Err(Outside),
    }
}

/// `type`: a known type by the registry's name for it, anything else as written.
fn type_name(value: Value<'_>) -> Read<Cow<'static, str>> {
    match value {
        Value::Str(s) => Ok(super::value_type::ValueType::parse(&s)
            .map_or_else(|| Cow::Owned(s.into_owned()), |t| Cow::Borrowed(t.name()))),
        _ => Err(Outside),
    }
}

fn flag(value: &Value<'_>) -> Read<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        _ => Err(Outside),
    }
}

fn count(value: &Value<'_>) -> Read<u64> {
    match value {
        Value::Int(i) => u64::try_from(*i).map_err(|_| Outside),
        Value::Big(u) => Ok(*u),
        _ => Err(Outside),
    }
}

fn scalars(value: Value<'_>) -> Read<Vec<Scalar>> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(Outside),
    }
}

fn texts(value: Value<'_>) -> Read<Vec<String>> {
    scalars(value)?
        .into_iter()
        .map(|item| match item {
            Scalar::Str(s) => Ok(s),
            _ => Err(Outside),
        })
        .collect()
}

fn conditions(value: Value<'_>) -> Read<BTreeMap<String, OneOrMany>> {
    match value {
        Value::Table(entries) => Ok(entries),
        _ => Err(Outside),
    }
}

/// Hands a variable whose table has ended to `each`.
fn hand(each: &mut dyn FnMut(String, RawVar) -> bool, name: String, var: RawVar) -> Read<()> {
    if each(name, var) {
        Ok(())
    } else {
        Err(Outside)
    }
}

/// Sets an attribute once (a key written twice is not TOML).
fn put<T>(slot: &mut Option<T>, value: T) -> Read<()> {
    if slot.is_some() {
        return Err(Outside);
    }
    *slot = Some(value);
    Ok(())
}

/// `key = value` in `table` (`current` for a variable's), with the type the key asks for.
fn assign(
    schema: &mut PlainSchema,
    current: &mut Option<(String, RawVar)>,
    table: Table,
    key: &str,
    value: Value<'_>,
) -> Read<()> {
    match table {
        Table::Top => match key {
            "service" => put(&mut schema.service, text(value)?),
            "description" => put(&mut schema.description, text(value)?),
            // `include`, `profiles`, `vars` written as a value, and unknown keys.
            _ => Err(Outside),
        },
        Table::Severity => {
            let level = text(value)?;
            if schema.severity.insert(key.to_string(), level).is_some() {
                return Err(Outside);
            }
            Ok(())
        }
        Table::Var => {
            let var = &mut current.as_mut().ok_or(Outside)?.1;
            match key {
                "type" => put(&mut var.kind, type_name(value)?),
                "description" => put(&mut var.description, text(value)?),
                "required" => put(&mut var.required, flag(&value)?),
                "default" => put(&mut var.default, to_scalar(value)?),
                "example" => put(&mut var.example, to_scalar(value)?),
                "hint" => put(&mut var.hint, text(value)?),
                "sensitive" => put(&mut var.sensitive, flag(&value)?),
                "aliases" => put(&mut var.aliases, texts(value)?),
                "required_when" => put(&mut var.required_when, conditions(value)?),
                "allow" => put(&mut var.allow, texts(value)?),
                "min_length" => put(&mut var.min_length, count(&value)?),
                "max_length" => put(&mut var.max_length, count(&value)?),
                "length" => put(&mut var.length, count(&value)?),
                "pattern" => put(&mut var.pattern, text(value)?),
                "values" => put(&mut var.values, scalars(value)?),
                "encoding" => put(&mut var.encoding, text(value)?),
                "bytes" => put(&mut var.bytes, count(&value)?),
                "min_bytes" => put(&mut var.min_bytes, count(&value)?),
                "schemes" => put(&mut var.schemes, texts(value)?),
                "require_host" => put(&mut var.require_host, flag(&value)?),
                "forbid_hosts" => put(&mut var.forbid_hosts, texts(value)?),
                "credentials" => put(&mut var.credentials, text(value)?),
                "min" => put(&mut var.min, to_scalar(value)?),
                "max" => put(&mut var.max, to_scalar(value)?),
                "case_sensitive" => put(&mut var.case_sensitive, flag(&value)?),
                "algorithm" => put(&mut var.algorithm, text(value)?),
                "algorithm_var" => put(&mut var.algorithm_var, text(value)?),
                "algorithms" => put(&mut var.algorithms, texts(value)?),
                "expires_within" => put(&mut var.expires_within, to_scalar(value)?),
                "signed_by" => put(&mut var.signed_by, text(value)?),
                // `claims` holds any value (the layered reader turns dates into text), and
                // unknown attributes are worded by the layered reader.
                _ => Err(Outside),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::raw;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::{select, subsequence};

    /// `toml`'s reading of the same text: the oracle this reader must equal.
    fn oracle(text: &str) -> Result<PlainSchema, toml::de::Error> {
        toml::from_str::<PlainSchema>(text)
    }

    /// Everything read, defaults included (`Debug` of the raw types exists in tests only).
    fn shown(schema: &PlainSchema) -> String {
        format!("{schema:?}")
    }

    /// Whether this reader takes `text`; when it does, `toml` reads the same schema.
    fn agrees(text: &str) -> bool {
        let Some(mine) = read(text) else {
            return false;
        };
        let theirs = oracle(text)
            .unwrap_or_else(|e| panic!("read in one pass, but toml rejects it: {e}\n{text}"));
        assert_eq!(shown(&mine), shown(&theirs), "{text}");
        true
    }

    #[test]
    fn every_string_number_and_layout_form_reads_as_toml_reads_it() {
        let cases = [
            "",
            "# only a comment",
            "\u{feff}service = \"bom\"\n",
            "service = \"api\"\ndescription = 'the API'\n",
            // Strings of every kind and escape.
            r#"[vars.S]
type = "string"
description = "tab\there \u00e9 \U0001F600 quote\" backslash\\ \e \x41"
hint = 'C:\path\no escapes'
pattern = '''^\d+$'''
example = """
first line
second \
    joined"""
default = '''
raw "text" \n
'''
"#,
            "[vars.E]\ndefault = \"\"\nexample = ''\nhint = \"\"\"\"\"\"\n",
            // Integers in every radix, with signs and underscores, at the limits.
            "[vars.I]\ntype = \"int\"\nmin = -9223372036854775808\nmax = 9223372036854775807\n",
            "[vars.I]\nmin = +1_000\nmax = 0xDEAD_beef\ndefault = 0o755\nexample = 0b1101\n",
            "[vars.I]\nmin = 9223372036854775808\nmax = 18446744073709551615\n",
            "[vars.I]\nmin_length = 0\nmax_length = 18446744073709551615\nlength = 0x10\nbytes = 1_024\nmin_bytes = +3\n",
            // Floats, infinities and NaN.
            "[vars.F]\nmin = 1.5\nmax = -0.0\ndefault = +1e10\nexample = 6.626e-34\nexpires_within = 1_000.5\n",
            "[vars.F]\nmin = inf\nmax = -inf\ndefault = nan\nexample = +nan\nexpires_within = 1E5\n",
            "[vars.F]\nmin = -nan\nmax = +inf\ndefault = 3.0E+2\nexample = 0.0\n",
            // Booleans.
            "[vars.B]\nrequired = false\nsensitive = true\nrequire_host = true\ncase_sensitive = false\n",
            // Arrays across lines, with comments and a trailing comma; mixed and empty.
            "[vars.L]\ntype = \"enum\"\nvalues = [\n  \"a\", # first\n  1,\n  2.5,\n  true,\n]\naliases = []\n",
            "[vars.L]\nschemes = [ 'https' , \"http\" ]\nallow = [\"weak-secret\",]\nforbid_hosts = [\n]\nalgorithms = [\"RS256\"]\n",
            // Conditions.
            "[vars.A]\n[vars.C]\nrequired_when = { A = \"x\", \"B\" = [\"1\", 2, 3.5, false], 'D' = [] }\n",
            "[vars.C]\nrequired_when = {}\n",
            "[vars.C]\nrequired_when = { A = [\n  \"x\", # why\n  \"y\",\n] }\n",
            // Names quoted and spaced, declaration order not alphabetical, comments everywhere.
            "# head\n[vars.ZETA] # z\ntype = \"secret\" # t\n\n[ vars . \"dotted.name\" ]\n[\"vars\".'lit']\n[vars.\"\"]\n[vars.ALPHA]\n",
            // Line endings and whitespace.
            "service = \"crlf\"\r\n[vars.A]\r\ntype = \"int\"\r\n\r\n# c\r\n",
            "\t[vars.A]\t\n\ttype\t=\t\"int\"\t",
            // Severity, before and after the variables.
            "[severity]\nweak-secret = \"warning\"\n\"missing\" = 'error'\n[vars.A]\n",
            "[vars.A]\ntype = \"port\"\n[severity]\n",
            // Every other attribute.
            "[vars.K]\ntype = \"jwt-key\"\nencoding = \"base64\"\nalgorithm = \"HS256\"\nalgorithm_var = \"ALG\"\ncredentials = \"forbid\"\nsigned_by = \"K\"\n",
        ];
        for text in cases {
            assert!(agrees(text), "should be read in one pass:\n{text}");
        }
    }

    /// Everything outside the subset, and everything that is not TOML, is left to the
    /// layered reader (which words the error or reads the rarer form).
    #[test]
    fn anything_outside_the_subset_or_invalid_is_left_to_the_layered_reader() {
        let cases = [
            // Structure outside the subset.
            "[vars.A]\nx.y = 1\n",
            "vars.A.type = \"int\"\n",
            "[vars.A.sub]\n",
            "[vars]\n",
            "[vars]\nA = { type = \"int\" }\n",
            "vars = {}\n",
            "[[vars]]\n",
            "[[vars.A]]\n",
            "[other]\n",
            "[services.api]\nschema = \"x.toml\"\n",
            "[vars.A]\nrequired_when = { A = { B = 1 } }\n",
            "[vars.A]\nrequired_when = { A.B = 1 }\n",
            "[vars.A]\nrequired_when = { A = 1, }\n",
            "[vars.A]\nrequired_when = {\n A = 1 }\n",
            "[vars.A]\nvalues = [{ a = 1 }]\n",
            "[vars.A]\nvalues = [[1]]\n",
            "[vars.A]\ndefault = 1979-05-27\n",
            "[vars.A]\ndefault = 1979-05-27 07:32:00\n",
            "[vars.A]\ndefault = 07:32:00\n",
            // Written twice.
            "[vars.A]\ntype = \"int\"\ntype = \"int\"\n",
            "[vars.A]\n[vars.B]\n[vars.A]\n",
            "[vars.A]\n[vars.\"A\"]\n",
            "[severity]\n[severity]\n",
            "[severity]\na = \"warning\"\n'a' = \"error\"\n",
            "service = \"a\"\nservice = \"b\"\n",
            "[vars.A]\nrequired_when = { A = 1, A = 2 }\n",
            // Unknown keys, attributes the layered reader handles, wrong types.
            "[vars.A]\nmni = 1\n",
            "[vars.A]\nclaims = { iss = \"me\" }\n",
            "include = []\n",
            "include = [\"base.toml\"]\n",
            "[profiles.prod.vars.A]\nmin = 1\n",
            "profiles = {}\n",
            "unknown = 1\n",
            "service = 1\n",
            "[severity]\na = 1\n",
            "[vars.A]\nmin_length = -1\n",
            "[vars.A]\nmin_length = 1.5\n",
            "[vars.A]\nmin_length = \"1\"\n",
            "[vars.A]\nrequired = \"yes\"\n",
            "[vars.A]\ntype = 1\n",
            "[vars.A]\nschemes = \"https\"\n",
            "[vars.A]\nschemes = [1]\n",
            "[vars.A]\nvalues = \"a\"\n",
            "[vars.A]\ndefault = [1]\n",
            "[vars.A]\nrequired_when = \"x\"\n",
            // Not TOML.
            "[vars.A\n",
            "[vars.A] junk\n",
            "[vars.A]\ntype =\n",
            "[vars.A]\ntype = \"x\" junk\n",
            "[vars.A]\ntype = \"unterminated\n",
            "[vars.A]\ntype = \"x\" min = 1\n",
            "[vars.A]\ntype = \"bad \\q escape\"\n",
            "[vars.A]\nmin = 007\n",
            "[vars.A]\nmin = 1__0\n",
            "[vars.A]\nmin = 99999999999999999999\n",
            "[vars.A]\nmin = 1e400\n",
            "[vars.A]\nmin = 1.\n",
            "[vars.A]\nmin = .5\n",
            "[vars.A]\nmin = 0x-1\n",
            "[vars.A]\nvalues = [1 2]\n",
            "[vars.A]\nvalues = [,]\n",
            "[vars.A]\nvalues = [1,,2]\n",
            "[vars.A]\ntype = \"int\"\r[vars.B]\n",
            "# a \u{1} control character\n",
            "[vars.A]\n\"\"\"ml\"\"\" = 1\n",
            "[vars.A]\nbad key = 1\n",
            "[vars.A]\nty+pe = \"int\"\n",
            "= 1\n",
        ];
        for text in cases {
            assert!(
                read(text).is_none(),
                "should be left to the layered reader:\n{text}"
            );
        }
    }

    /// Each attribute `RawVar` has (but `claims`) is read: a new attribute cannot be
    /// forgotten here without this test saying so.
    #[test]
    fn every_attribute_is_read() {
        let candidates = ["\"x\"", "true", "1", "[\"x\"]", "{ A = \"x\" }"];
        for attr in raw::COMMON_FIELDS.iter().chain(raw::SPECIFIC_ATTRS) {
            let key = if *attr == "kind" { "type" } else { attr };
            let read_with_some_value = candidates
                .iter()
                .any(|value| agrees(&format!("[vars.A]\n{key} = {value}\n")));
            assert_eq!(read_with_some_value, key != "claims", "{key}");
        }
    }

    /// Input shaped to be expensive (deep nesting, long lines, many tables) is read or
    /// refused in time linear in its size.
    #[test]
    fn hostile_input_stays_bounded() {
        let started = std::time::Instant::now();
        let deep = format!("[vars.A]\nvalues = {}", "[".repeat(1 << 20));
        assert!(read(&deep).is_none());
        let deep_tables = format!("[vars.A]\nrequired_when = {}", "{ a = ".repeat(1 << 18));
        assert!(read(&deep_tables).is_none());
        let long_string = format!("[vars.A]\ndefault = \"{}\"\n", "x".repeat(1 << 22));
        assert!(agrees(&long_string));
        let many = (0..50_000)
            .map(|i| format!("[vars.V{i}]\ntype = \"int\"\n"))
            .collect::<Vec<_>>()
            .concat();
        assert_eq!(read(&many).map(|s| s.vars.0.len()), Some(50_000));
        let twice = format!("{many}[vars.V0]\n");
        assert!(read(&twice).is_none());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "took {:?}",
            started.elapsed()
        );
    }

    // -----------------------------------------------------------------------------------
    // Generated schemas of the subset, and mutations of them

    fn basic_string() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z0-9 ._:/-]{0,10}".prop_map(|s| format!("\"{s}\"")),
            2 => "[a-zA-Z0-9 ._:/\\\\\"-]{0,10}".prop_map(|s| format!("'{}'", s.replace('\'', ""))),
            1 => "[a-z \n]{0,10}".prop_map(|s| format!("\"\"\"{s}\"\"\"")),
            1 => "[a-z \n\\\\\"]{0,10}".prop_map(|s| format!("'''{s}'''")),
            2 => select(vec![
                r#""tab\tnew\nline""#,
                r#""\u00e9\U0001F600""#,
                r#""q\"q\\""#,
                r#""\e\x41""#,
                "\"\"\"a \\\n   b\"\"\"",
                "\"é ü 日本\"",
                "\"\"",
            ])
            .prop_map(String::from),
        ]
    }

    fn count_literal() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..).prop_map(|u| u.to_string()),
            (0u64..).prop_map(|u| format!("0x{u:X}")),
            (0u32..).prop_map(|u| format!("0o{u:o}")),
            (0u16..).prop_map(|u| format!("0b{u:b}")),
            select(vec!["1_000", "+7", "0", "0xdead_BEEF"]).prop_map(String::from),
        ]
    }

    fn scalar_literal() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => basic_string(),
            2 => any::<i64>().prop_map(|i| i.to_string()),
            1 => count_literal(),
            2 => any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:?}")),
            1 => select(vec![
                "inf", "-inf", "+inf", "nan", "-nan", "+nan", "1_000.5", "6.626e-34", "1E5",
                "3.0E+2", "-0.0",
            ])
            .prop_map(String::from),
            1 => any::<bool>().prop_map(|b| b.to_string()),
        ]
    }

    /// `[` items `]` in one of the layouts TOML allows.
    fn array_of(item: BoxedStrategy<String>) -> impl Strategy<Value = String> {
        (
            vec(item, 0..4),
            select(vec![", ", ",", " , ", ",\n  ", ", # note\n  "]),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(items, sep, trailing, multiline)| {
                let mut text = items.join(sep);
                if trailing && !items.is_empty() {
                    text.push(',');
                }
                if multiline {
                    format!("[\n  {text}\n]")
                } else {
                    format!("[{text}]")
                }
            })
    }

    fn key(name: String) -> impl Strategy<Value = String> {
        select(vec![0, 1, 2]).prop_map(move |form| match form {
            0 => name.clone(),
            1 => format!("\"{name}\""),
            _ => format!("'{name}'"),
        })
    }

    fn conditions_literal() -> impl Strategy<Value = String> {
        vec(
            prop_oneof![
                scalar_literal().boxed(),
                array_of(scalar_literal().boxed()).boxed(),
            ],
            0..3,
        )
        .prop_flat_map(|values| {
            let entries: Vec<_> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| key(format!("V{i}")).prop_map(move |k| format!("{k} = {v}")))
                .collect();
            entries
        })
        .prop_map(|entries| format!("{{ {} }}", entries.join(", ")))
    }

    const TEXT_ATTRS: &[&str] = &[
        "type",
        "description",
        "hint",
        "pattern",
        "encoding",
        "credentials",
        "algorithm",
        "algorithm_var",
        "signed_by",
    ];
    const FLAG_ATTRS: &[&str] = &["required", "sensitive", "require_host", "case_sensitive"];
    const COUNT_ATTRS: &[&str] = &["min_length", "max_length", "length", "bytes", "min_bytes"];
    const SCALAR_ATTRS: &[&str] = &["default", "example", "min", "max", "expires_within"];
    const TEXTS_ATTRS: &[&str] = &["aliases", "allow", "schemes", "forbid_hosts", "algorithms"];

    /// One attribute line with a value of the type it takes.
    fn attribute(name: &'static str) -> BoxedStrategy<String> {
        let value = if TEXT_ATTRS.contains(&name) {
            basic_string().boxed()
        } else if FLAG_ATTRS.contains(&name) {
            any::<bool>().prop_map(|b| b.to_string()).boxed()
        } else if COUNT_ATTRS.contains(&name) {
            count_literal().boxed()
        } else if SCALAR_ATTRS.contains(&name) {
            scalar_literal().boxed()
        } else if TEXTS_ATTRS.contains(&name) {
            array_of(basic_string().boxed()).boxed()
        } else if name == "values" {
            array_of(scalar_literal().boxed()).boxed()
        } else {
            conditions_literal().boxed()
        };
        (key(name.to_string()), value, select(vec!["", " # c", "\t"]))
            .prop_map(|(k, v, tail)| format!("{k} = {v}{tail}"))
            .boxed()
    }

    fn all_attrs() -> Vec<&'static str> {
        [
            TEXT_ATTRS,
            FLAG_ATTRS,
            COUNT_ATTRS,
            SCALAR_ATTRS,
            TEXTS_ATTRS,
        ]
        .concat()
        .into_iter()
        .chain(["values", "required_when"])
        .collect()
    }

    fn variable(index: usize) -> impl Strategy<Value = String> {
        (
            "[A-Z][A-Z0-9_]{0,5}",
            select(vec![0, 1, 2, 3]),
            subsequence(all_attrs(), 0..6).prop_shuffle(),
        )
            .prop_flat_map(move |(name, form, attrs)| {
                let name = format!("{name}_{index}");
                let header = match form {
                    0 => format!("[vars.{name}]"),
                    1 => format!("[vars.\"{name}\"]"),
                    2 => format!("[ vars . '{name}' ] # note"),
                    _ => format!("[\"vars\".{name}]"),
                };
                let lines: Vec<_> = attrs.into_iter().map(attribute).collect();
                (Just(header), lines)
            })
            .prop_map(|(header, lines)| format!("{header}\n{}\n", lines.join("\n")))
    }

    fn schema_text() -> impl Strategy<Value = String> {
        (
            proptest::option::of(basic_string()),
            proptest::option::of(basic_string()),
            proptest::option::of(vec(("[a-z-]{1,8}", basic_string()), 0..3)),
            (0usize..6).prop_flat_map(|n| (0..n).map(variable).collect::<Vec<_>>()),
            any::<bool>(),
        )
            .prop_map(|(service, description, severity, vars, crlf)| {
                let mut text = String::from("# generated\n");
                if let Some(s) = service {
                    text.push_str(&format!("service = {s}\n"));
                }
                if let Some(d) = description {
                    text.push_str(&format!("description = {d}\n\n"));
                }
                let mut vars = vars.into_iter();
                if let Some(first) = vars.next() {
                    text.push_str(&first);
                }
                if let Some(entries) = severity {
                    text.push_str("[severity]\n");
                    for (i, (code, level)) in entries.into_iter().enumerate() {
                        text.push_str(&format!("\"{code}{i}\" = {level}\n"));
                    }
                }
                for var in vars {
                    text.push('\n');
                    text.push_str(&var);
                }
                if crlf {
                    text = text.replace('\n', "\r\n");
                }
                text
            })
    }

    /// A small change anywhere: a character removed, inserted or replaced, or a line
    /// repeated.
    fn mutate(text: &str, at: usize, op: u8, with: char) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return with.to_string();
        }
        let at = at % chars.len();
        match op % 4 {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, with),
            2 => chars[at] = with,
            _ => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                let line = at % lines.len();
                let mut out: Vec<&str> = lines.clone();
                out.insert(line, lines[line]);
                return out.concat();
            }
        }
        chars.into_iter().collect()
    }

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: cases(),
            max_shrink_time: 30_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Every generated schema of the subset is read in one pass, as `toml` reads it;
        /// after a small mutation it is either left to the layered reader or still read
        /// exactly as `toml` reads it.
        #[test]
        fn the_one_pass_reader_reads_what_toml_reads(
            text in schema_text(),
            at in any::<usize>(),
            op in any::<u8>(),
            with in select(vec![
                '.', '[', ']', '{', '}', '"', '\'', '=', ',', '#', '\n', '\r', ' ', '\\',
                'x', '1', '-', '_', '+', 'e', ':', '\u{1}', 'é',
            ]),
        ) {
            prop_assert!(agrees(&text), "not read in one pass:\n{}", text);
            let mutated = mutate(&text, at, op, with);
            agrees(&mutated);
        }
    }
}
