//! `${...}` expansion as compose-go's `template` package does it, over any [`Lookup`] (a
//! dotenv file's, or a compose file's), with where each reference stands in the value (for
//! the caller's decision to show its name) and where each value read came from.
//!
//! Bounded: the expanded text is at most [`MAX_EXPANDED_BYTES`], nesting at most
//! [`MAX_NESTING`] levels, and a line full of unclosed `${` is scanned once.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Longest value expansion may build (it can repeat a long variable many times).
pub const MAX_EXPANDED_BYTES: usize = 4 * 1024 * 1024;
/// Deepest `${A:-${B:-...}}` nesting that is expanded.
pub const MAX_NESTING: usize = 16;

/// Where a `$NAME` stands in the value that holds it: what showing its name would reveal.
/// Ordered so that, for a name met in several places, the greatest one is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefPlace {
    /// Beside other text, outside a URL's user-info, query and fragment.
    Other,
    /// The reference is the whole value (`KEY=${NAME}`).
    WholeValue,
    /// The whole user-info of a URL that has no password (`scheme://${NAME}@host`).
    UrlUser,
    /// The whole password of a URL (`scheme://user:${NAME}@host`).
    UrlPassword,
    /// Beside other text in a URL's user-info, or in its query or fragment: where secrets
    /// are written.
    UrlSecretPart,
}

/// A variable reference met while expanding a value. Its name may be a piece of a secret
/// (`pa$sword` reads as a reference to `$sword`): the caller decides whether it is shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    /// Written `${NAME...}` rather than `$NAME`.
    pub braced: bool,
    pub place: RefPlace,
}

/// The name may be a piece of a value: `Debug` shows its length only.
impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Reference {{ name: <{} chars>, braced: {}, place: {:?} }}",
            self.name.chars().count(),
            self.braced,
            self.place
        )
    }
}

/// A variable's value as a [`Lookup`] finds it, with where it came from (`O`: what the
/// caller needs to know of its sources).
pub enum Resolved<'v, O> {
    Unset,
    Text(Cow<'v, str>, O),
    /// Set, but its bytes are not UTF-8 (the expanded value is then not UTF-8 either).
    NotUtf8(O),
}

impl<O> Resolved<'_, O> {
    fn is_set(&self) -> bool {
        !matches!(self, Resolved::Unset)
    }

    fn is_non_empty(&self) -> bool {
        match self {
            Resolved::Unset => false,
            Resolved::Text(text, _) => !text.is_empty(),
            Resolved::NotUtf8(_) => true,
        }
    }

    fn origin(&self) -> Option<&O> {
        match self {
            Resolved::Unset => None,
            Resolved::Text(_, origin) | Resolved::NotUtf8(origin) => Some(origin),
        }
    }
}

/// Where `${NAME}` reads: a dotenv file's process environment, own keys and earlier files;
/// a compose file's environment and `.env`.
pub trait Lookup<'v> {
    /// Where a value came from (a file and line, the environment...).
    type Origin: Clone;
    fn resolve(&self, name: &str) -> Resolved<'v, Self::Origin>;
}

/// One template expanded.
pub struct Expansion<O> {
    pub text: String,
    /// A variable whose bytes are not UTF-8 went into the text.
    pub not_utf8: bool,
    /// Variables that expanded to nothing because they are not set (one per name).
    pub undefined: Vec<Reference>,
    /// `${NAME:?msg}` / `${NAME?msg}` on a variable not set (or, with the colon, empty:
    /// `true`). The message is never kept: it is text of the template.
    pub required: Vec<(Reference, bool)>,
    /// Variables looked up and found, with where each came from (first lookup of each).
    pub read: Vec<(String, O)>,
    /// A `${` that starts no valid reference (kept literally).
    pub invalid: bool,
    /// References nested deeper than [`MAX_NESTING`] (not expanded).
    pub too_deep: bool,
    /// The text would exceed [`MAX_EXPANDED_BYTES`] (it is cut short; the caller drops it).
    pub overflow: bool,
}

/// Expands `template` as compose-go's `template.Substitute` does: `$$` is a `$`; `$NAME`,
/// `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`,
/// `${NAME:?msg}`, `${NAME?msg}`; anything else after `$` is literal, so `$(cmd)` and
/// backticks stay as written. Every problem is noted, whether or not the part it is in was
/// used (Compose evaluates words eagerly).
pub fn expand<'v, L: Lookup<'v>>(template: &str, lookup: &L) -> Expansion<L::Origin> {
    // Most values hold no `$`: the text as written, with nothing to report.
    if template.len() <= MAX_EXPANDED_BYTES && !template.contains('$') {
        return Expansion {
            text: template.to_owned(),
            not_utf8: false,
            undefined: Vec::new(),
            required: Vec::new(),
            read: Vec::new(),
            invalid: false,
            too_deep: false,
            overflow: false,
        };
    }
    let expander = Expander { lookup };
    let mut trouble = Trouble::default();
    let piece = expander.expand(template, 0, None, &mut trouble);
    let undefined = references(template, piece.undefined.into_iter().map(|s| (s, ())))
        .into_iter()
        .map(|(reference, ())| reference)
        .collect();
    Expansion {
        text: piece.text,
        not_utf8: piece.not_utf8,
        undefined,
        required: references(template, trouble.required.into_iter()),
        read: trouble.read,
        invalid: trouble.invalid,
        too_deep: trouble.too_deep,
        overflow: trouble.overflow,
    }
}

/// Where a reference was met: its name, how it was written, and the byte range in the
/// value's template of the outermost reference holding it (itself, unless `nested`).
struct Site {
    name: String,
    braced: bool,
    range: Range<usize>,
    /// Inside another reference's default or alternative word (`${A:-$B}`).
    nested: bool,
}

/// Expanded text, with what it depended on.
#[derive(Default)]
struct Piece {
    text: String,
    /// A variable whose bytes are not UTF-8 went into the text.
    not_utf8: bool,
    /// Variables that expanded to nothing because they are not set.
    undefined: Vec<Site>,
}

/// Problems met while expanding one value (reported whether or not the part they are in was
/// used, as Compose evaluates defaults eagerly).
struct Trouble<O> {
    /// `${NAME:?msg}` / `${NAME?msg}` failures, and whether the variable was set but empty.
    required: Vec<(Site, bool)>,
    read: Vec<(String, O)>,
    read_names: HashSet<String>,
    invalid: bool,
    too_deep: bool,
    overflow: bool,
}

impl<O> Default for Trouble<O> {
    fn default() -> Self {
        Self {
            required: Vec::new(),
            read: Vec::new(),
            read_names: HashSet::new(),
            invalid: false,
            too_deep: false,
            overflow: false,
        }
    }
}

impl<O: Clone> Trouble<O> {
    /// Notes where a found variable came from, once per name.
    fn note_read(&mut self, name: &str, value: &Resolved<'_, O>) {
        if let Some(origin) = value.origin() {
            if !self.read_names.contains(name) {
                self.read_names.insert(name.to_owned());
                self.read.push((name.to_owned(), origin.clone()));
            }
        }
    }
}

impl Piece {
    fn push_str<O>(&mut self, s: &str, trouble: &mut Trouble<O>) {
        if self.text.len() + s.len() > MAX_EXPANDED_BYTES {
            trouble.overflow = true;
        } else {
            self.text.push_str(s);
        }
    }

    fn push_resolved<O>(&mut self, value: &Resolved<'_, O>, trouble: &mut Trouble<O>) {
        match value {
            Resolved::Unset => {}
            Resolved::Text(text, _) => self.push_str(text, trouble),
            Resolved::NotUtf8(_) => self.not_utf8 = true,
        }
    }

    fn append<O>(&mut self, other: Piece, trouble: &mut Trouble<O>) {
        self.push_str(&other.text, trouble);
        self.not_utf8 |= other.not_utf8;
        self.undefined.extend(other.undefined);
    }
}

/// One [`Reference`] per name, in order of first appearance, with the caller's extra datum
/// of that first appearance. A name met several times takes the most revealing place of
/// any of them (showing it says what each of them was).
fn references<T>(template: &str, sites: impl Iterator<Item = (Site, T)>) -> Vec<(Reference, T)> {
    let mut layout: Option<UrlLayout> = None;
    let mut out: Vec<(Reference, T)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (site, extra) in sites {
        // Read once, and only for a value that has a reference to place.
        let place = layout
            .get_or_insert_with(|| UrlLayout::of(template))
            .place_of(&site.range, site.nested);
        if let Some(&i) = index.get(&site.name) {
            let reference = &mut out[i].0;
            reference.place = reference.place.max(place);
            reference.braced &= site.braced;
            continue;
        }
        index.insert(site.name.clone(), out.len());
        out.push((
            Reference {
                name: site.name,
                braced: site.braced,
                place,
            },
            extra,
        ));
    }
    out
}

/// Where the credentials of a URL-shaped value are, found once per value (a value may hold
/// many references: placing each must not rescan it). Read by the one URL reader,
/// [`crate::secret::UrlParts`], on the value as written: any value is read as a URL, with
/// or without `scheme://`, so that a reference in a user-info (`app:pa$X@db`,
/// `//app:pa$X@db`, `https:/app:pa$X@db`), where a port goes (`redis://default:pa$X`), in
/// junk before `://` (`my$KEY:https://h`) or in a query or fragment is never taken for
/// one that may be named.
struct UrlLayout {
    credentials: crate::secret::UrlCredentials,
    len: usize,
}

impl UrlLayout {
    fn of(template: &str) -> Self {
        Self {
            credentials: crate::secret::url_credentials(template),
            len: template.len(),
        }
    }

    /// Where the reference spanning `range` of the template stands (see [`RefPlace`]): the
    /// whole value; alone in a URL's user-info or password slot; touching any other
    /// credential range; or elsewhere.
    fn place_of(&self, range: &Range<usize>, nested: bool) -> RefPlace {
        let slot = |slot: &Option<Range<usize>>| !nested && slot.as_ref() == Some(range);
        if !nested && range.start == 0 && range.end == self.len {
            RefPlace::WholeValue
        } else if slot(&self.credentials.user_slot) {
            RefPlace::UrlUser
        } else if slot(&self.credentials.password_slot) {
            RefPlace::UrlPassword
        } else if self.credentials.overlaps(range) {
            RefPlace::UrlSecretPart
        } else {
            RefPlace::Other
        }
    }
}

/// compose-go's `template.Substitute` over a [`Lookup`].
struct Expander<'l, L> {
    lookup: &'l L,
}

impl<'v, L: Lookup<'v>> Expander<'_, L> {
    fn resolve(&self, name: &str, trouble: &mut Trouble<L::Origin>) -> Resolved<'v, L::Origin> {
        let value = self.lookup.resolve(name);
        trouble.note_read(name, &value);
        value
    }

    /// `outer`: when expanding a reference's word, the range of that reference in the
    /// value's template (nested references are placed by it).
    fn expand(
        &self,
        template: &str,
        depth: usize,
        outer: Option<&Range<usize>>,
        trouble: &mut Trouble<L::Origin>,
    ) -> Piece {
        let mut piece = Piece::default();
        if depth > MAX_NESTING {
            trouble.too_deep = true;
            return piece;
        }
        let b = template.as_bytes();
        // A stretch of the current line known to hold no `}` (see `closing_brace`).
        let mut no_brace = 0..0;
        let mut i = 0;
        while i < b.len() && !trouble.overflow {
            let Some(off) = b[i..].iter().position(|&c| c == b'$') else {
                piece.push_str(&template[i..], trouble);
                break;
            };
            let dollar = i + off;
            piece.push_str(&template[i..dollar], trouble);
            i = match b.get(dollar + 1) {
                Some(b'$') => {
                    piece.push_str("$", trouble);
                    dollar + 2
                }
                Some(&c) if is_name_start(c) => {
                    let end = name_end(b, dollar + 1);
                    let site = site(&template[dollar + 1..end], false, dollar..end, outer);
                    self.plain(site, &mut piece, trouble);
                    end
                }
                Some(b'{') => {
                    let at = BraceAt { dollar, outer };
                    if let Some(next) =
                        self.braced(template, at, depth, &mut no_brace, &mut piece, trouble)
                    {
                        next
                    } else {
                        // compose-go fails the whole file here; we report it and keep the text.
                        trouble.invalid = true;
                        piece.push_str("${", trouble);
                        dollar + 2
                    }
                }
                // `$` before anything else (`$(`, `$1`, `$ `, the end) is a literal `$`.
                _ => {
                    piece.push_str("$", trouble);
                    dollar + 1
                }
            };
        }
        piece
    }

    fn plain(&self, site: Site, piece: &mut Piece, trouble: &mut Trouble<L::Origin>) {
        let value = self.resolve(&site.name, trouble);
        if !value.is_set() {
            piece.undefined.push(site);
        }
        piece.push_resolved(&value, trouble);
    }

    /// Expands the `${...}` starting at `at.dollar`; returns the offset after it, or `None`
    /// when it is not a valid reference.
    fn braced(
        &self,
        template: &str,
        at: BraceAt<'_>,
        depth: usize,
        no_brace: &mut Range<usize>,
        piece: &mut Piece,
        trouble: &mut Trouble<L::Origin>,
    ) -> Option<usize> {
        let BraceAt { dollar, outer } = at;
        let b = template.as_bytes();
        let name_start = dollar + 2;
        if !b.get(name_start).is_some_and(|&c| is_name_start(c)) {
            return None;
        }
        let end = name_end(b, name_start);
        let name = &template[name_start..end];
        let (colon, op, word_start) = match (b.get(end), b.get(end + 1)) {
            (Some(b'}'), _) => {
                self.plain(site(name, true, dollar..end + 1, outer), piece, trouble);
                return Some(end + 1);
            }
            (Some(b':'), Some(&op @ (b'-' | b'+' | b'?'))) => (true, op, end + 2),
            (Some(&op @ (b'-' | b'+' | b'?')), _) => (false, op, end + 1),
            _ => return None,
        };
        let close = closing_brace(b, dollar, no_brace)?;
        let own = dollar..close + 1;
        // References in the word are placed where this one stands in the whole value.
        let word_outer = outer.cloned().unwrap_or_else(|| own.clone());
        // compose-go substitutes the word before looking at the variable.
        let word = self.expand(
            &template[word_start..close],
            depth + 1,
            Some(&word_outer),
            trouble,
        );
        let value = self.resolve(name, trouble);
        // With a colon the variable must be set and non-empty, without it only set.
        let present = if colon {
            value.is_non_empty()
        } else {
            value.is_set()
        };
        match op {
            b'-' if present => piece.push_resolved(&value, trouble),
            b'-' => piece.append(word, trouble),
            b'+' if present => piece.append(word, trouble),
            // `:+` on an empty variable gives its (empty) value; unset gives nothing.
            b'+' => piece.push_resolved(&value, trouble),
            _ if present => piece.push_resolved(&value, trouble),
            // `?`: the message is never kept (it is text of the file); it expands to nothing.
            _ => trouble
                .required
                .push((site(name, true, own, outer), value.is_set())),
        }
        Some(close + 1)
    }
}

/// Where a `${` starts, and the outer reference it is nested in, if any.
#[derive(Clone, Copy)]
struct BraceAt<'r> {
    dollar: usize,
    outer: Option<&'r Range<usize>>,
}

fn site(name: &str, braced: bool, own: Range<usize>, outer: Option<&Range<usize>>) -> Site {
    Site {
        name: name.to_owned(),
        braced,
        range: outer.cloned().unwrap_or(own),
        nested: outer.is_some(),
    }
}

/// Where the `${` at `start` closes, as compose-go finds it: counting `${` and `}` on the
/// same line (a `$${` counts too); when they never balance, the last `}` of the line.
/// `no_brace` remembers a stretch of the line without any `}`, so that a line full of
/// unclosed `${` is scanned once, not once per `${`.
fn closing_brace(b: &[u8], start: usize, no_brace: &mut Range<usize>) -> Option<usize> {
    if no_brace.contains(&start) {
        return None;
    }
    let mut depth = 0usize;
    let mut last = None;
    let mut p = start;
    while p < b.len() && b[p] != b'\n' {
        if b[p] == b'}' {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(p);
            }
            last = Some(p);
        } else if b[p] == b'$' && b.get(p + 1) == Some(&b'{') {
            depth += 1;
            p += 1;
        }
        p += 1;
    }
    *no_brace = last.map_or(start, |l| l + 1)..p;
    last
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn name_end(b: &[u8], start: usize) -> usize {
    start
        + b[start..]
            .iter()
            .take_while(|&&c| c == b'_' || c.is_ascii_alphanumeric())
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup over fixed values, each with a made-up origin.
    struct Fixed(&'static [(&'static str, &'static str, u32)]);

    impl<'v> Lookup<'v> for Fixed {
        type Origin = u32;
        fn resolve(&self, name: &str) -> Resolved<'v, u32> {
            match self.0.iter().find(|(n, _, _)| *n == name) {
                Some((_, value, origin)) => Resolved::Text(Cow::Borrowed(value), *origin),
                None => Resolved::Unset,
            }
        }
    }

    #[test]
    fn expansion_says_where_each_value_came_from() {
        let lookup = Fixed(&[("HOST", "db", 1), ("PORT", "5432", 2), ("EMPTY", "", 3)]);
        let e = expand(
            "$HOST:${PORT}/${HOST}${EMPTY:-x}${NOPE}${GONE?why}",
            &lookup,
        );
        assert_eq!(e.text, "db:5432/dbx");
        assert_eq!(
            e.read,
            vec![
                ("HOST".to_owned(), 1),
                ("PORT".to_owned(), 2),
                ("EMPTY".to_owned(), 3)
            ]
        );
        let names: Vec<&str> = e.undefined.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["NOPE"]);
        assert_eq!(e.required.len(), 1);
        assert_eq!(e.required[0].0.name, "GONE");
        assert!(!e.required[0].1, "not set, rather than empty");
        assert!(!e.invalid && !e.too_deep && !e.overflow);
    }

    #[test]
    fn many_references_in_one_url_are_placed_in_linear_time() {
        // Each reference is placed against the value's layout, found once: 100,000 of
        // them in one 1 MiB value must not rescan it each time.
        let mut template = String::from("https://u:p@host/x?");
        for i in 0..100_000 {
            template.push_str(&format!("$U_{i}&"));
        }
        let start = std::time::Instant::now();
        let e = expand(&template, &Fixed(&[]));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(e.undefined.len(), 100_000);
        assert!(e
            .undefined
            .iter()
            .all(|r| r.place == RefPlace::UrlSecretPart));
    }

    #[test]
    fn expansion_is_bounded() {
        let lookup = Fixed(&[("BIG", "0123456789abcdef", 0)]);
        let e = expand(&"$BIG".repeat(MAX_EXPANDED_BYTES / 16 + 1), &lookup);
        assert!(e.overflow);
        assert!(e.text.len() <= MAX_EXPANDED_BYTES);
        let deep = format!(
            "{}x{}",
            "${A:-".repeat(MAX_NESTING + 2),
            "}".repeat(MAX_NESTING + 2)
        );
        assert!(expand(&deep, &lookup).too_deep);
    }
}
