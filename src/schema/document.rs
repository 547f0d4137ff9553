//! Configuration documents (schema and stack files) parsed with positions.
//!
//! figment keeps which file each value came from but not where in it; the SPEC wants file,
//! line and column for every schema or stack error. So each file is parsed here with a
//! span-keeping parser (`toml`'s `DeTable`, `saphyr`'s marked YAML), turned into a figment
//! `Dict`, and the position of every key is remembered by its key path. A [`Document`] is a
//! figment [`Provider`], so includes and profiles are layered by figment as usual.

use crate::error::{ConfigError, Diagnostic};
use figment::value::{Dict, Map, Num, Tag, Value};
use figment::{Error as FigmentError, Metadata, Profile, Provider, Source};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Schema and stack files larger than this are refused (they are hand-written).
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;
/// Stack files are smaller still: every rule entry costs far more to hold than to write
/// (positions of each), and 2 MiB is thousands of rules.
pub const MAX_STACK_BYTES: u64 = 2 * 1024 * 1024;

pub use crate::position::Pos;

/// One parsed configuration file. No `Debug`: it holds schema values, and a `default` may
/// be a secret.
#[derive(Clone)]
pub struct Document {
    pub path: PathBuf,
    pub root: Dict,
    /// Position of each key, by its [`PathKey`].
    positions: Positions,
    format: &'static str,
}

/// A key path, hashed segment by segment from its parent's key: a table's children do not
/// repeat its name, so each position takes the same space however long the names (a
/// 100 KB key with 20,000 children would otherwise be 2 GB of joined paths). A collision
/// (64 bits, or two long names alike at both ends) could only misplace an error message or
/// the order of variables.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PathKey(u64);

impl PathKey {
    pub const ROOT: PathKey = PathKey(0);

    /// A long segment is hashed by its length and its first and last 128 bytes, so that
    /// looking up the children of a megabyte-long key costs no more than of a short one.
    #[must_use]
    pub fn child(self, segment: &str) -> PathKey {
        use std::hash::{Hash as _, Hasher as _};
        const EDGE: usize = 128;
        // Fixed keys: the same path hashes the same in every document.
        let mut hasher = std::hash::DefaultHasher::new();
        self.0.hash(&mut hasher);
        let bytes = segment.as_bytes();
        if bytes.len() > 2 * EDGE {
            bytes.len().hash(&mut hasher);
            bytes[..EDGE].hash(&mut hasher);
            bytes[bytes.len() - EDGE..].hash(&mut hasher);
        } else {
            bytes.hash(&mut hasher);
        }
        PathKey(hasher.finish())
    }

    pub fn of<S: AsRef<str>>(path: &[S]) -> PathKey {
        path.iter().fold(PathKey::ROOT, |k, s| k.child(s.as_ref()))
    }

    /// The keys of every prefix of `path`, shortest first (`[0]` is the first segment's).
    fn prefixes<S: AsRef<str>>(path: &[S]) -> Vec<PathKey> {
        let mut key = PathKey::ROOT;
        path.iter()
            .map(|s| {
                key = key.child(s.as_ref());
                key
            })
            .collect()
    }
}

/// Key positions by path key. Hashed with foldhash: the keys are our own hashes.
pub type Positions = HashMap<PathKey, Pos, foldhash::fast::RandomState>;

impl std::fmt::Debug for Document {
    /// Only the path: the values may hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Document {
    /// Read and parse a file; the format follows the extension (`.yaml`/`.yml`, `.json`,
    /// anything else TOML).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_within(path, MAX_CONFIG_BYTES)
    }

    /// [`Document::load`] for a file of at most `limit` bytes.
    pub fn load_within(path: &Path, limit: u64) -> Result<Self, ConfigError> {
        let text = read_config_text(path, limit)?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let mut doc = Document {
            path: path.to_path_buf(),
            root: Dict::new(),
            positions: Positions::default(),
            format: "TOML",
        };
        match ext.as_str() {
            "yaml" | "yml" => {
                doc.format = "YAML";
                doc.root = parse_yaml(text, path, &mut doc.positions)?;
            }
            "json" => {
                doc.format = "JSON";
                doc.root = parse_json(text, path, &mut doc.positions)?;
            }
            _ => doc.root = parse_toml(text, path, &mut doc.positions)?,
        }
        Ok(doc)
    }

    /// Position of the key at `path`, or of its nearest ancestor that has one.
    pub fn position<S: AsRef<str>>(&self, path: &[S]) -> Option<Pos> {
        PathKey::prefixes(path)
            .iter()
            .rev()
            .find_map(|k| self.positions.get(k).copied())
    }

    /// Position of exactly this key path (no ancestor fallback).
    pub fn exact_position<S: AsRef<str>>(&self, path: &[S]) -> Option<Pos> {
        self.positions.get(&PathKey::of(path)).copied()
    }

    /// A diagnostic at the key `path` of this file.
    pub fn diagnostic<S: AsRef<str>>(&self, path: &[S], message: impl Into<String>) -> Diagnostic {
        let pos = self.position(path).unwrap_or(Pos { line: 1, column: 1 });
        Diagnostic::at(&self.path, pos, message)
    }
}

impl Document {
    /// The path, the values and the key positions, taken apart (for a [`Layout`]).
    pub fn into_parts(self) -> (PathBuf, Dict, Positions) {
        (self.path, self.root, self.positions)
    }

    /// A figment provider that hands over this document's values without copying them
    /// (the positions stay here for error messages; the values live on in the figment).
    pub fn take_provider(&mut self) -> DocumentProvider {
        DocumentProvider {
            metadata: Metadata::from(
                format!("{} file", self.format),
                Source::File(self.path.clone()),
            ),
            root: std::cell::RefCell::new(Some(std::mem::take(&mut self.root))),
        }
    }
}

/// One document's values, given to figment once.
pub struct DocumentProvider {
    metadata: Metadata,
    root: std::cell::RefCell<Option<Dict>>,
}

impl Provider for DocumentProvider {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    /// figment asks once, when the provider is merged; a second ask gets nothing.
    fn data(&self) -> Result<Map<Profile, Dict>, FigmentError> {
        Ok(Profile::Default.collect(self.root.borrow_mut().take().unwrap_or_default()))
    }
}

/// Where the keys of one or more merged documents were written: for each key path, the
/// file whose value wins (the last one to set it: later files win the merge) and the key's
/// position there. One hash lookup per key, however many files were merged.
#[derive(Clone, Default)]
pub struct Layout {
    files: Vec<PathBuf>,
    keys: HashMap<PathKey, (usize, Pos), foldhash::fast::RandomState>,
    /// For keys one level down (`vars.NAME`): the first file that wrote it, for
    /// declaration order (a fragment's variables come first even if the file overrides them).
    first: HashMap<PathKey, (usize, Pos), foldhash::fast::RandomState>,
}

impl Layout {
    /// Takes each document's positions (in merge order); returns the documents' values.
    pub fn new(docs: Vec<Document>) -> (Self, Vec<Dict>) {
        let mut layout = Layout::default();
        let mut roots = Vec::with_capacity(docs.len());
        for (i, doc) in docs.into_iter().enumerate() {
            let (path, root, positions) = doc.into_parts();
            if let Some(Value::Dict(_, vars)) = root.get("vars") {
                let table = PathKey::ROOT.child("vars");
                for name in vars.keys() {
                    let key = table.child(name);
                    if let Some(pos) = positions.get(&key) {
                        layout.first.entry(key).or_insert((i, *pos));
                    }
                }
            }
            layout.files.push(path);
            roots.push(root);
            for (key, pos) in positions {
                layout.keys.insert(key, (i, pos));
            }
        }
        (layout, roots)
    }

    /// One file whose keys' positions were not read: every message about it is worded
    /// after reading it again with them.
    pub fn unpositioned(path: &Path) -> Self {
        Layout {
            files: vec![path.to_path_buf()],
            ..Layout::default()
        }
    }

    /// Every file, in merge order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The file and position of exactly this key path.
    pub fn exact<S: AsRef<str>>(&self, path: &[S]) -> Option<(&Path, Pos)> {
        let (file, pos) = self.keys.get(&PathKey::of(path))?;
        Some((self.files[*file].as_path(), *pos))
    }

    /// Where a variable (`vars.NAME`) was first declared: (file index, position).
    pub fn first_declared(&self, name: &str) -> Option<(usize, Pos)> {
        self.first.get(&PathKey::of(&["vars", name])).copied()
    }

    /// The file and position of the key at `path`, or of its nearest ancestor that has one;
    /// under `profile`, the profile's own entry (`profiles.P.path`) first, level by level.
    pub fn locate<S: AsRef<str>>(&self, path: &[S], profile: Option<&str>) -> (PathBuf, Pos) {
        let mut prefixed: Vec<&str> = Vec::new();
        if let Some(p) = profile {
            prefixed.extend(["profiles", p]);
        }
        prefixed.extend(path.iter().map(AsRef::as_ref));
        let offset = prefixed.len() - path.len();
        for n in (1..=path.len()).rev() {
            if profile.is_some() {
                if let Some((file, pos)) = self.exact(&prefixed[..offset + n]) {
                    return (file.to_path_buf(), pos);
                }
            }
            if let Some((file, pos)) = self.exact(&path[..n]) {
                return (file.to_path_buf(), pos);
            }
        }
        let last = self.files.last().cloned().unwrap_or_default();
        (last, Pos { line: 1, column: 1 })
    }

    /// A diagnostic at the key `path` (or its nearest written ancestor).
    pub fn diagnostic<S: AsRef<str>>(&self, path: &[S], message: impl Into<String>) -> Diagnostic {
        let (file, pos) = self.locate(path, None);
        Diagnostic::at(&file, pos, message)
    }
}

/// Merges `over` into `base` as figment does: tables merge key by key, anything else in
/// `over` replaces what `base` has. Linear in `over`, so merging many files stays linear.
pub fn merge_into(base: &mut Dict, over: Dict) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Dict(_, b)), Value::Dict(_, o)) => merge_into(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Reads a configuration file with a size bound; errors name the file.
pub fn read_config_text(path: &Path, limit: u64) -> Result<String, ConfigError> {
    use crate::fsread::ReadError;
    let bytes = crate::fsread::read_bounded(path, limit).map_err(|e| {
        let what = match e {
            ReadError::NotFound => "cannot open: no such file".to_string(),
            ReadError::Io(reason) => format!("cannot open: {reason}"),
            other => other.to_string(),
        };
        ConfigError::single(Diagnostic::file(path, what))
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let pos = offset_to_pos(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        ConfigError::single(Diagnostic::at(path, pos, "is not valid UTF-8"))
    })
}

/// Line starts of a text, so that many offsets convert to positions without rescanning.
/// Columns count characters: a line may be megabytes long (a TOML array on one line), so
/// the character count is also kept every [`CHECKPOINT_BYTES`], and a column costs at most
/// that many bytes of counting instead of a scan from the line's start.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// `(byte offset, characters before it)`, every [`CHECKPOINT_BYTES`] or so, ascending.
    checkpoints: Vec<(usize, usize)>,
}

const CHECKPOINT_BYTES: usize = 1024;

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut checkpoints = vec![(0, 0)];
        let mut chars = 0;
        let mut at = 0;
        while at < text.len() {
            let mut next = (at + CHECKPOINT_BYTES).min(text.len());
            while !text.is_char_boundary(next) {
                next += 1;
            }
            chars += text[at..next].chars().count();
            checkpoints.push((next, chars));
            at = next;
        }
        Self {
            text,
            starts,
            checkpoints,
        }
    }

    /// Characters before a byte offset (on a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let i = self
            .checkpoints
            .partition_point(|&(o, _)| o <= offset)
            .saturating_sub(1);
        let (from, count) = self.checkpoints.get(i).copied().unwrap_or((0, 0));
        count + self.text.get(from..offset).map_or(0, |s| s.chars().count())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.chars_before(offset) - self.chars_before(start) + 1;
        Pos { line, column }
    }
}

/// 1-based line and column (in characters) of a byte offset (for a single lookup).
pub fn offset_to_pos(text: &str, offset: usize) -> Pos {
    LineIndex::new(text).pos(offset)
}

fn parse_toml(text: &str, path: &Path, positions: &mut Positions) -> Result<Dict, ConfigError> {
    use toml::de::{DeTable, DeValue};
    let table = DeTable::parse(text).map_err(|e| {
        let pos = e
            .span()
            .map_or(Pos { line: 1, column: 1 }, |s| offset_to_pos(text, s.start));
        let message = e.message().trim().to_string();
        ConfigError::single(Diagnostic::at(
            path,
            pos,
            format!("invalid TOML: {message}"),
        ))
    })?;

    fn convert(
        value: &DeValue<'_>,
        lines: &LineIndex<'_>,
        parent: PathKey,
        positions: &mut Positions,
    ) -> Value {
        match value {
            DeValue::String(s) => Value::from(s.to_string()),
            DeValue::Integer(i) => {
                let digits = i.as_str().replace('_', "");
                match i64::from_str_radix(&digits, i.radix()) {
                    Ok(n) => Value::Num(Tag::Default, Num::I64(n)),
                    Err(_) => Value::from(digits),
                }
            }
            DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
                Ok(n) => Value::Num(Tag::Default, Num::F64(n)),
                Err(_) => Value::from(f.as_str().to_string()),
            },
            DeValue::Boolean(b) => Value::from(*b),
            DeValue::Datetime(d) => Value::from(d.to_string()),
            DeValue::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let key = parent.child(&i.to_string());
                    positions
                        .entry(key)
                        .or_insert_with(|| lines.pos(item.span().start));
                    out.push(convert(item.get_ref(), lines, key, positions));
                }
                Value::Array(Tag::Default, out)
            }
            DeValue::Table(t) => {
                Value::Dict(Tag::Default, convert_table(t, lines, parent, positions))
            }
        }
    }

    fn convert_table(
        table: &toml::de::DeTable<'_>,
        lines: &LineIndex<'_>,
        parent: PathKey,
        positions: &mut Positions,
    ) -> Dict {
        let mut dict = Dict::new();
        for (key, value) in table {
            let path_key = parent.child(key.get_ref());
            positions
                .entry(path_key)
                .or_insert_with(|| lines.pos(key.span().start));
            dict.insert(
                key.get_ref().to_string(),
                convert(value.get_ref(), lines, path_key, positions),
            );
        }
        dict
    }

    let lines = LineIndex::new(text);
    Ok(convert_table(
        table.get_ref(),
        &lines,
        PathKey::ROOT,
        positions,
    ))
}

fn parse_yaml(text: &str, path: &Path, positions: &mut Positions) -> Result<Dict, ConfigError> {
    let root = load_marked_yaml(text, path)?;
    match root {
        None => Ok(Dict::new()),
        Some(node) => match yaml_to_value(&node, PathKey::ROOT, positions) {
            Value::Dict(_, dict) => Ok(dict),
            _ => Err(ConfigError::single(Diagnostic::at(
                path,
                Pos { line: 1, column: 1 },
                "the document must be a mapping (key: value pairs) at the top level",
            ))),
        },
    }
}

/// Deeper YAML than this is refused before it is built (the tree is walked recursively).
const MAX_YAML_DEPTH: usize = 256;

/// An upper bound of block nesting: indentation plus `- `, `? ` and `: ` markers on a line
/// (compact nesting needs no indentation). Flow collections are capped by the parser itself.
fn yaml_depth_exceeded(text: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let mut rest = &line[indent..];
        let mut dashes = 0;
        while let Some(r) = rest.strip_prefix(['-', '?', ':']) {
            if !(r.is_empty() || r.starts_with([' ', '\t'])) {
                break;
            }
            dashes += 1;
            rest = r.trim_start_matches([' ', '\t']);
        }
        (indent + dashes > MAX_YAML_DEPTH).then_some(i + 1)
    })
}

/// What YAML aliases may add to a document: each alias is a copy of its anchor, so a few
/// kilobytes of aliases of a large anchor would otherwise become gigabytes.
pub const MAX_YAML_ALIAS_BYTES: u64 = 16 * 1024 * 1024;
/// ... and in values (saphyr's own default budget is the same).
pub const MAX_YAML_ALIAS_NODES: u64 = 100_000;

/// The first alias past which aliases have added more than
/// [`MAX_YAML_ALIAS_BYTES`] of text or [`MAX_YAML_ALIAS_NODES`] values. Found from the
/// parser's events, before any tree is built: each anchor's expanded size is summed once,
/// bottom up, so this is linear in the text. A syntax error ends the scan (the loader then
/// reports it).
fn yaml_alias_expansion_exceeded(text: &str) -> Option<Pos> {
    use saphyr_parser::{Event, Parser};
    #[derive(Default, Clone, Copy)]
    struct Size {
        bytes: u64,
        nodes: u64,
    }
    impl Size {
        fn add(&mut self, other: Size) {
            self.bytes = self.bytes.saturating_add(other.bytes);
            self.nodes = self.nodes.saturating_add(other.nodes);
        }
    }
    let mut anchors: HashMap<usize, Size> = HashMap::new();
    // Open collections: their anchor and size so far.
    let mut open: Vec<(usize, Size)> = Vec::new();
    let mut added = Size::default();
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let finished = match event {
            Event::Scalar(value, _, anchor, _) => Some((
                anchor,
                Size {
                    bytes: value.len() as u64,
                    nodes: 1,
                },
            )),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, Size { bytes: 0, nodes: 1 }));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => open.pop(),
            Event::Alias(id) => {
                let size = anchors.get(&id).copied().unwrap_or_default();
                added.add(size);
                if added.bytes > MAX_YAML_ALIAS_BYTES || added.nodes > MAX_YAML_ALIAS_NODES {
                    return Some(marker_pos(&span.start));
                }
                Some((0, size))
            }
            _ => None,
        };
        if let Some((anchor, size)) = finished {
            if anchor > 0 {
                anchors.insert(anchor, size);
            }
            if let Some((_, parent)) = open.last_mut() {
                parent.add(size);
            }
        }
    }
    None
}

fn load_marked_yaml<'a>(
    text: &'a str,
    path: &Path,
) -> Result<Option<saphyr::MarkedYaml<'a>>, ConfigError> {
    use saphyr::LoadableYamlNode as _;
    if let Some(line) = yaml_depth_exceeded(text) {
        return Err(ConfigError::single(Diagnostic::at(
            path,
            Pos { line, column: 1 },
            format!("nests (or is indented) deeper than {MAX_YAML_DEPTH} levels"),
        )));
    }
    if let Some(pos) = yaml_alias_expansion_exceeded(text) {
        return Err(ConfigError::single(Diagnostic::at(
            path,
            pos,
            format!(
                "YAML aliases expand to more than {} MiB or {MAX_YAML_ALIAS_NODES} values; write the repeated values out, or repeat fewer of them",
                MAX_YAML_ALIAS_BYTES / (1024 * 1024)
            ),
        )));
    }
    let docs = saphyr::MarkedYaml::load_from_str(text).map_err(|e| {
        ConfigError::single(Diagnostic::at(
            path,
            within(text, marker_pos(e.marker())),
            format!("invalid YAML: {}", e.info()),
        ))
    })?;
    Ok(docs.into_iter().next())
}

fn yaml_to_value(
    node: &saphyr::MarkedYaml<'_>,
    parent: PathKey,
    positions: &mut Positions,
) -> Value {
    use saphyr::{Scalar, YamlData};
    match &node.data {
        YamlData::Value(scalar) => match scalar {
            Scalar::Null => Value::from(String::new()),
            Scalar::Boolean(b) => Value::from(*b),
            Scalar::Integer(i) => Value::Num(Tag::Default, Num::I64(*i)),
            Scalar::FloatingPoint(f) => Value::Num(Tag::Default, Num::F64(f.into_inner())),
            Scalar::String(s) => Value::from(s.to_string()),
        },
        YamlData::Representation(s, _, _) => Value::from(s.to_string()),
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let key = parent.child(&i.to_string());
                positions.entry(key).or_insert(marker_pos(&item.span.start));
                out.push(yaml_to_value(item, key, positions));
            }
            Value::Array(Tag::Default, out)
        }
        YamlData::Mapping(map) => {
            let mut dict = Dict::new();
            for (key, value) in map {
                let name = match &key.data {
                    YamlData::Value(Scalar::String(s)) | YamlData::Representation(s, _, _) => {
                        s.to_string()
                    }
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                    _ => String::from("?"),
                };
                let path_key = parent.child(&name);
                positions
                    .entry(path_key)
                    .or_insert(marker_pos(&key.span.start));
                dict.insert(name, yaml_to_value(value, path_key, positions));
            }
            Value::Dict(Tag::Default, dict)
        }
        YamlData::Tagged(_, inner) => yaml_to_value(inner, parent, positions),
        YamlData::Alias(_) | YamlData::BadValue => Value::from(String::new()),
    }
}

/// `pos`, or the end of the text when it lies past it: saphyr places an error at the end
/// of a file without a final newline on the line after the last one.
fn within(text: &str, pos: Pos) -> Pos {
    let last_line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    if pos.line <= lines {
        return pos;
    }
    Pos {
        line: lines,
        column: text[last_line_start..].chars().count() + 1,
    }
}

fn marker_pos(m: &saphyr::Marker) -> Pos {
    Pos {
        line: m.line(),
        column: m.col() + 1,
    }
}

fn parse_json(text: &str, path: &Path, positions: &mut Positions) -> Result<Dict, ConfigError> {
    let dict: Dict = serde_json::from_str(text).map_err(|e| {
        ConfigError::single(Diagnostic::at(
            path,
            Pos {
                line: e.line().max(1),
                column: e.column().max(1),
            },
            format!("invalid JSON: {}", json_reason(&e)),
        ))
    })?;
    // JSON is YAML 1.2: the YAML parser supplies key positions. Should it disagree with a
    // document serde_json accepted, errors fall back to line 1.
    if let Ok(Some(node)) = load_marked_yaml(text, path) {
        let _ = yaml_to_value(&node, PathKey::ROOT, positions);
    }
    Ok(dict)
}

fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_positions() {
        let index = LineIndex::new("ab\ncdé\n\nx");
        let at = |line, column| Pos { line, column };
        assert_eq!(index.pos(0), at(1, 1));
        assert_eq!(index.pos(2), at(1, 3));
        assert_eq!(index.pos(3), at(2, 1));
        assert_eq!(
            index.pos(7),
            at(2, 4),
            "columns count characters, not bytes"
        );
        assert_eq!(index.pos(9), at(4, 1));
        assert_eq!(index.pos(99), at(4, 2), "clamped to the end");
    }

    #[test]
    fn line_index_columns_on_long_lines_match_a_scan() {
        // Past several checkpoints, with multi-byte characters straddling them.
        let text = format!("x\n{}", "aé€😀".repeat(2_000));
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices().step_by(97) {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let want = Pos {
                line: text[..offset].matches('\n').count() + 1,
                column: text[line_start..offset].chars().count() + 1,
            };
            assert_eq!(index.pos(offset), want, "offset {offset}");
        }
    }

    #[test]
    fn yaml_aliases_are_bounded_by_what_they_expand_to() {
        let small = "a: &x [1, 2]\nb: *x\nc: *x\n";
        assert!(yaml_alias_expansion_exceeded(small).is_none());
        let big = format!(
            "a: &x \"{}\"\nb: [{}]\n",
            "x".repeat(1 << 20),
            vec!["*x"; 17].join(", ")
        );
        assert_eq!(yaml_alias_expansion_exceeded(&big).map(|p| p.line), Some(2));
        // Nested anchors multiply: ten levels of ten aliases.
        let mut laughs = String::from("l0: &l0 [a]\n");
        for i in 1..10 {
            laughs.push_str(&format!(
                "l{i}: &l{i} [{}]\n",
                vec![format!("*l{}", i - 1); 10].join(", ")
            ));
        }
        assert!(yaml_alias_expansion_exceeded(&laughs).is_some());
        let err = Document::parse(Path::new("s.yaml"), &big).unwrap_err();
        assert!(err.diagnostics[0]
            .message
            .contains("YAML aliases expand to more than 16 MiB"));
    }

    #[test]
    fn toml_positions_are_key_positions() {
        let doc = Document::parse(
            Path::new("s.toml"),
            "service = \"a\"\n\n[vars.FOO]\ntype = \"string\"\nmin_length = 3\n",
        )
        .unwrap();
        assert_eq!(
            doc.exact_position(&["vars", "FOO", "min_length"]),
            Some(Pos { line: 5, column: 1 })
        );
        assert_eq!(
            doc.exact_position(&["service"]),
            Some(Pos { line: 1, column: 1 })
        );
    }

    #[test]
    fn yaml_positions() {
        let doc = Document::parse(
            Path::new("s.yaml"),
            "vars:\n  FOO:\n    type: int\n    min: 3\n",
        )
        .unwrap();
        assert_eq!(
            doc.exact_position(&["vars", "FOO", "min"]),
            Some(Pos { line: 4, column: 5 })
        );
    }

    #[test]
    fn json_positions() {
        let doc = Document::parse(
            Path::new("s.json"),
            "{\n  \"vars\": {\n    \"FOO\": {\"type\": \"int\"}\n  }\n}\n",
        )
        .unwrap();
        assert_eq!(
            doc.exact_position(&["vars", "FOO"]),
            Some(Pos { line: 3, column: 5 })
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = Document::parse(Path::new("s.toml"), "a = 1\nb = \n").unwrap_err();
        assert_eq!(err.diagnostics[0].pos.map(|p| p.line), Some(2));
        let err = Document::parse(Path::new("s.json"), "{\n  \"a\": ,\n}").unwrap_err();
        assert_eq!(err.diagnostics[0].pos.map(|p| p.line), Some(2));
    }
}
