//! Checks that run on every present value before its type checks (SPEC section 4):
//! whitespace, quotes, unexpanded references, placeholders, line breaks, weak secrets.

mod strength;

use super::types::Problem;
use super::Code;
use crate::finding::SourceKind;
use crate::secret::whitespace_run;

/// Runs the hygiene checks. `sensitive` keeps the value's pieces out of messages and
/// enables the placeholder and weak-secret checks.
pub fn check(text: &str, sensitive: bool) -> Vec<Problem> {
    check_with(text, sensitive, sensitive, SourceKind::Env)
}

/// As [`check`], with the placeholder and weak-secret checks chosen apart: a sensitive
/// enum or bool has values fixed by the schema (`none`, `test`), which are no placeholders.
/// `source` is where the value was read from: hints speak about that place (a secret
/// file's content, an env file's line endings, the variable's environment).
pub fn check_with(
    text: &str,
    sensitive: bool,
    secret_checks: bool,
    source: SourceKind,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let pem = is_pem(text);
    if let Some(p) = surrounding_whitespace(text, pem, source) {
        out.push(p);
    }
    if let Some(p) = surrounding_quotes(text) {
        out.push(p);
    }
    // A value that is only a reference has one cause: nothing else is judged about it.
    let mut whole_reference = false;
    if let Some(p) = unexpanded_reference(text, sensitive) {
        whole_reference = !p.warning;
        out.push(p);
    }
    if let Some(p) = invisible_character(text) {
        out.push(p);
    }
    if !pem && text.trim_end_matches(['\n', '\r']).contains('\n') && !is_json(text) {
        let lines = text.trim_end_matches(['\n', '\r']).lines().count();
        out.push(
            Problem::new(
                Code::EmbeddedNewline,
                format!("contains line breaks ({lines} lines)"),
            )
            .hint("was it wrapped by base64? Write it on one line (base64 -w0)"),
        );
    }
    if secret_checks && !whole_reference {
        if let Some(p) = placeholder(text) {
            out.push(p);
        } else if let Some(p) = weak_secret(text) {
            out.push(p);
        }
    }
    out
}

/// The first invisible or control character inside a value, by name and position.
fn invisible_character(text: &str) -> Option<Problem> {
    let allowed_control = |c: char| matches!(c, '\t' | '\n' | '\r');
    let (index, c) = if text.is_ascii() {
        // No invisible character is ASCII; a byte is a character.
        text.bytes()
            .map(char::from)
            .enumerate()
            .find(|&(_, c)| c.is_ascii_control() && !allowed_control(c))?
    } else {
        text.chars().enumerate().find(|&(_, c)| {
            matches!(
                c,
                '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
            ) || (c.is_control() && !allowed_control(c))
        })?
    };
    let name = match c {
        '\u{200b}' => "a zero-width space",
        '\u{200c}' => "a zero-width non-joiner",
        '\u{200d}' => "a zero-width joiner",
        '\u{2060}' => "a word joiner",
        '\u{feff}' => "a byte-order mark",
        '\u{00ad}' => "a soft hyphen",
        '\0' => "a NUL byte",
        _ => "a control character",
    };
    Some(
        Problem::new(
            Code::InvisibleCharacter,
            format!("contains {name} (U+{:04X}) at character {}", u32::from(c), index + 1),
        )
        .hint("it is invisible on screen but part of the value: retype the value or delete that character"),
    )
}

/// A PEM block: its final newline after the `END` line is normal.
pub fn is_pem(text: &str) -> bool {
    text.trim_start().starts_with("-----BEGIN ")
}

fn is_json(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
}

const fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn surrounding_whitespace(text: &str, pem: bool, source: SourceKind) -> Option<Problem> {
    let body = if pem {
        text.strip_suffix('\n')
            .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t))
    } else {
        text
    };
    let leading = &text[..text.len() - text.trim_start_matches(is_blank).len()];
    let trailing = &body[body.trim_end_matches(is_blank).len()..];
    if leading.is_empty() && trailing.is_empty() {
        return None;
    }
    let what = if leading.len() == text.len() {
        format!("is only {}", whitespace_run(text))
    } else {
        let mut parts = Vec::new();
        if !leading.is_empty() {
            parts.push(format!("starts with {}", whitespace_run(leading)));
        }
        if !trailing.is_empty() {
            parts.push(format!("ends with {}", whitespace_run(trailing)));
        }
        parts.join(" and ")
    };
    // A `\r\n` ending is a Windows line ending, not a newline left by `echo`.
    let last = if trailing.ends_with("\r\n") {
        Some('\r')
    } else {
        trailing.chars().last()
    };
    let hint = whitespace_hint(last, !leading.is_empty(), source);
    Some(Problem::new(Code::SurroundingWhitespace, what).hint(hint))
}

/// Where the whitespace most likely came from, for the place the value was read from: a
/// hint about `=` or `echo` is wrong for a secret file.
fn whitespace_hint(last: Option<char>, leading: bool, source: SourceKind) -> &'static str {
    match (source, last) {
        (SourceKind::File, Some('\r')) => "the file has Windows (CRLF) line endings: trailing newlines are removed, the \\r before them is not; convert it with dos2unix",
        (SourceKind::File, Some(_)) => "the file ends with whitespace after its last visible character (trailing newlines are already removed): remove it from the file",
        (SourceKind::File, None) => "the file starts with whitespace or a blank line: remove it from the file",
        (SourceKind::Dotenv, Some('\r')) => "the file has Windows (CRLF) line endings: convert it with dos2unix",
        (SourceKind::Env, Some('\r')) => "the variable was set with a trailing \\r (a Windows line ending from the file or script that set it?): strip it where the variable is set",
        (SourceKind::Default, _) => "the schema's `default` holds it: remove it there",
        (SourceKind::Dotenv, Some('\n')) => "the quoted value in the env file ends with a line break (a \\n escape, or the closing quote on the next line; pasted from echo without -n?): remove it",
        (_, Some('\n')) => "created with echo without -n? Write it with printf '%s' or echo -n, or strip the newline",
        (SourceKind::Dotenv, _) if leading => "whitespace inside the quotes in the env file, or a copy-paste with spaces: remove it there",
        (SourceKind::Dotenv, _) => "whitespace inside the quotes in the env file: remove it there",
        (_, _) if leading => "a space after `=`, or a copy-paste with spaces: remove it where the variable is set",
        (_, _) => "remove the trailing whitespace where the variable is set",
    }
}

fn surrounding_quotes(text: &str) -> Option<Problem> {
    // ` "abc" `: the whitespace is its own finding; the quotes are still there inside it.
    let text = text.trim_matches([' ', '\t', '\r', '\n']);
    let first = text.chars().next()?;
    let last = text.chars().last()?;
    if text.chars().count() >= 2 && first == last && matches!(first, '"' | '\'') {
        let name = if first == '"' {
            "double quotes"
        } else {
            "single quotes"
        };
        return Some(
            Problem::new(Code::SurroundingQuotes, format!("is wrapped in {name}, which are part of the value"))
                .hint("a compose `environment:` list entry or `docker run --env-file` keeps quotes literally: remove them there"),
        );
    }
    None
}

/// A `$NAME`, `${...}`, `$(...)` or backtick span found in a value.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    start: usize,
    end: usize,
    command: bool,
    /// The variable's name, for `$NAME` / `${NAME...}`.
    name: Option<String>,
}

fn find_references(text: &str) -> Vec<Reference> {
    let bytes = text.as_bytes();
    let mut refs = Vec::new();
    // Most values hold neither `$` nor a backquote: two quick searches say so.
    if !bytes.contains(&b'$') && !bytes.contains(&b'`') {
        return refs;
    }
    let mut i = 0;
    // Once a closer is known to be absent from the rest, never search for it again: keeps
    // `${${${...` linear.
    let (mut no_brace, mut no_paren, mut no_tick) = (false, false, false);
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 2,
            b'$' if bytes.get(i + 1) == Some(&b'{') && !no_brace => {
                if let Some(close) = text[i + 2..].find('}') {
                    let inner = &text[i + 2..i + 2 + close];
                    let name: String = inner
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    // Inside braces any identifier is a reference (`${hook_url}`); bare `$NAME` needs capitals.
                    if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                        refs.push(Reference {
                            start: i,
                            end: i + 3 + close,
                            command: false,
                            name: Some(name),
                        });
                    }
                    i += 3 + close;
                } else {
                    no_brace = true;
                    i += 2;
                }
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') && !no_paren => {
                if let Some(close) = text[i + 2..].find(')') {
                    refs.push(Reference {
                        start: i,
                        end: i + 3 + close,
                        command: true,
                        name: None,
                    });
                    i += 3 + close;
                } else {
                    no_paren = true;
                    i += 2;
                }
            }
            b'$' if matches!(bytes.get(i + 1), Some(b'{' | b'(')) => i += 2,
            b'$' => {
                let name: String = text[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                let after = text[i + 1 + name.len()..].chars().next();
                // `$Abc` in a random password is not a reference; `$TOKEN` followed by a
                // non-word character (or the end) is.
                if is_ref_name(&name) && !after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                    refs.push(Reference {
                        start: i,
                        end: i + 1 + name.len(),
                        command: false,
                        name: Some(name.clone()),
                    });
                    i += 1 + name.len();
                } else {
                    i += 1;
                }
            }
            b'`' if !no_tick => {
                if let Some(close) = text[i + 1..].find('`') {
                    if close > 0 {
                        refs.push(Reference {
                            start: i,
                            end: i + 2 + close,
                            command: true,
                            name: None,
                        });
                    }
                    i += 2 + close;
                } else {
                    no_tick = true;
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    refs
}

fn is_ref_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name.chars().any(|c| c.is_ascii_uppercase())
}

fn unexpanded_reference(text: &str, sensitive: bool) -> Option<Problem> {
    let refs = find_references(text);
    let first = refs.first()?;
    // The value without surrounding whitespace and quotes (each its own finding).
    let mut offset = text.len() - text.trim_start().len();
    let mut core = text.trim();
    if core.len() >= 2
        && (core.starts_with('"') || core.starts_with('\''))
        && core.ends_with(&core[..1])
    {
        core = &core[1..core.len() - 1];
        offset += 1;
    }
    // A `$WORD` in what reads as a URL's credentials (user-info however the URL is written,
    // a password where the port goes, junk before `://`, the query or fragment) is a piece
    // of a credential.
    let in_core = first.start.saturating_sub(offset)..first.end.saturating_sub(offset);
    let sensitive = sensitive || crate::secret::url_credentials(core).overlaps(&in_core);
    let whole = refs.len() == 1 && first.start == offset && first.end == offset + core.len();
    // `$TOKEN` and `${TOKEN}` are worded alike. Inside a secret, a `$NAME` may be part of
    // the secret itself (even all of it, as in `$ZXCVBNM8877`): a name is shown there only
    // when it is the whole value and reads as a variable name (capitals, words from the
    // word list joined by `_`), which no generated secret does.
    let what = match (&first.name, first.command) {
        (_, true) => String::from("a command substitution that was never run"),
        (Some(name), false) if !sensitive || (whole && reads_as_variable_name(name)) => {
            format!("a reference to ${name} that was never expanded")
        }
        (Some(_), false) => String::from("a reference to a variable that was never expanded"),
        (None, false) => String::from("an unexpanded reference"),
    };
    let message = if whole {
        format!("is {what}")
    } else {
        format!("contains {what}")
    };
    let hint = if first.command {
        "envgate and Compose never run commands: run it yourself and store its output"
    } else {
        "single quotes, YAML files and `docker run -e` do not expand variables: write the real value, or use double quotes where the shell expands (if the `$` really belongs to the value, add \"unexpanded-reference\" to the variable's `allow`)"
    };
    let mut p = Problem::new(Code::UnexpandedReference, message).hint(hint);
    p.warning = !whole;
    Some(p)
}

/// `API_TOKEN`, `CI_TOKEN`, `DB_PASSWORD_2`: capitals, digits and `_`, with at least one
/// `_`-separated part a word of the list and every other part a word or at most 3 letters
/// (`CI`, `DB`, `S3`); digits may end a part; at most 64 characters.
fn reads_as_variable_name(name: &str) -> bool {
    // Longer than any real name: never shown, and the word look-ups stay bounded.
    const LONGEST_NAME: usize = 64;
    if name.len() > LONGEST_NAME
        || !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let mut any_word = false;
    for part in name.split('_').filter(|part| !part.is_empty()) {
        let stem = part.trim_end_matches(|c: char| c.is_ascii_digit());
        if strength::is_word(&stem.to_ascii_lowercase()) {
            any_word = true;
        } else if stem.len() > 3 {
            return false;
        }
    }
    any_word
}

/// True when the whole value is a reference (its checks beyond hygiene are meaningless).
pub fn is_whole_reference(text: &str) -> bool {
    unexpanded_reference(text, false).is_some_and(|p| !p.warning)
}

/// Lower case without `-`, `_`, `.` and blanks, so spellings compare equal.
fn squash(text: &str) -> String {
    if text.is_ascii() {
        let mut out = String::with_capacity(text.len());
        out.extend(
            text.bytes()
                .filter(|b| !matches!(b, b'-' | b'_' | b'.' | b' ' | b'\t'))
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return out;
    }
    text.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' ' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whole placeholder values (compared squashed).
pub(crate) const PLACEHOLDER_EXACT: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "example",
    "dummy",
    "test",
    "testing",
    "insecure",
    "todo",
    "fixme",
    "tbd",
    "none",
    "null",
    "default",
    "admin",
    "changeit",
    "placeholder",
    "sample",
    "foo",
    "foobar",
    "key",
    "token",
    "mysecret",
    "supersecret",
    "topsecret",
    "secretkey",
    "letmein",
    "qwerty",
    "pass",
    "abc",
    "value",
];
/// Words that start a placeholder value (compared squashed).
const PLACEHOLDER_PREFIXES: &[&str] = &[
    "change",
    "replace",
    "your",
    "djangoinsecure",
    "insecure",
    "todo",
    "fixme",
    "example",
    "dummy",
    "placeholder",
    "sample",
    "enteryour",
    "insertyour",
    "putyour",
    "setyour",
    "generate",
    "xxx",
];
/// Words that never occur in a generated secret (compared squashed).
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "replaceme",
    "changethis",
    "neverusethisvalue",
    "generateanewkey",
    "donotuse",
    "notsecure",
    "supersecret",
    "secretkeyhere",
    "yoursecret",
    "placeholder",
    "insecure",
    "example",
    "dummy",
    "developmentonly",
    "devonly",
    "testingonly",
    "testonly",
    "pleasechange",
    "notforproduction",
];
/// Well-known values published in popular self-hosting guides and templates.
pub(crate) const PUBLISHED_VALUES: &[&str] = &[
    // Supabase self-hosting .env template and CLI defaults.
    "your-super-secret-jwt-token-with-at-least-32-characters-long",
    "super-secret-jwt-token-with-at-least-32-characters-long",
    "your-super-secret-and-long-postgres-password",
    "this_password_is_insecure_and_should_be_updated",
    // Appwrite, n8n, Outline and others' sample encryption keys.
    "your-secret-key",
    "your-encryption-key",
];

fn placeholder(text: &str) -> Option<Problem> {
    let trimmed = text.trim();
    let squashed = squash(trimmed);
    let published = PUBLISHED_VALUES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(trimmed));
    let angle = trimmed.starts_with('<') && trimmed.ends_with('>');
    let all_x = squashed.len() >= 3 && squashed.chars().all(|c| c == 'x');
    let hit = published
        || angle
        || all_x
        || PLACEHOLDER_EXACT.contains(&squashed.as_str())
        || PLACEHOLDER_PREFIXES.iter().any(|p| squashed.starts_with(p))
        || PLACEHOLDER_WORDS.iter().any(|w| squashed.contains(w));
    if !hit {
        return None;
    }
    let message = if published {
        "is a well-known example value published in setup guides"
    } else {
        "looks like a placeholder, not a real secret"
    };
    Some(
        Problem::new(Code::Placeholder, message)
            .hint("generate a real one, e.g. openssl rand -hex 32"),
    )
}

const SEQUENCES: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "azertyuiop",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

/// Neighbouring ASCII pairs of [`SEQUENCES`], both ways, as a 128 x 128 table built at
/// compile time: the check runs on every pair of characters of every sensitive value.
const SEQUENCE_STEPS: [bool; 128 * 128] = {
    let mut table = [false; 128 * 128];
    let mut s = 0;
    while s < SEQUENCES.len() {
        let bytes = SEQUENCES[s].as_bytes();
        let mut i = 0;
        while i + 1 < bytes.len() {
            let (x, y) = (bytes[i] as usize, bytes[i + 1] as usize);
            table[x * 128 + y] = true;
            table[y * 128 + x] = true;
            i += 1;
        }
        s += 1;
    }
    table
};

/// `a` then `b` (or `b` then `a`) are neighbours in the alphabet, the digits or a keyboard row.
fn is_sequence_step(a: char, b: char) -> bool {
    let (a, b) = (a as usize, b as usize);
    a < 128 && b < 128 && SEQUENCE_STEPS[a * 128 + b]
}

/// Whether `chars` holds at most `most` different characters (stops at the one past it).
fn at_most_distinct(chars: &[char], most: usize) -> bool {
    let mut seen: Vec<char> = Vec::new();
    for &c in chars {
        if !seen.contains(&c) {
            if seen.len() == most {
                return false;
            }
            seen.push(c);
        }
    }
    true
}

fn weak_secret(text: &str) -> Option<Problem> {
    // An ASCII value (every generated secret) is lower-cased byte by byte, into a buffer on
    // the stack when it fits.
    let mut buf = ['\0'; strength::ANALYSED_CHARS];
    let heap: Vec<char>;
    let chars: &[char] = if text.is_ascii() && text.len() <= buf.len() {
        for (slot, b) in buf.iter_mut().zip(text.bytes()) {
            *slot = char::from(b.to_ascii_lowercase());
        }
        &buf[..text.len()]
    } else {
        heap = text.chars().flat_map(char::to_lowercase).collect();
        &heap
    };
    let n = chars.len();
    if n < 2 {
        return None;
    }
    let why = if chars.iter().all(|c| *c == chars[0]) {
        Some("is one character repeated")
    } else if (1..=(n / 2).min(8))
        .any(|p| chars.iter().enumerate().all(|(i, c)| *c == chars[i % p]))
    {
        Some("is a short pattern repeated")
    } else if n >= 6 && {
        let steps = chars
            .windows(2)
            .filter(|w| is_sequence_step(w[0], w[1]))
            .count();
        steps * 10 >= (n - 1) * 8
    } {
        Some("is a keyboard walk or an alphabet/number sequence")
    } else if n >= 8 && at_most_distinct(chars, 3) {
        Some("uses almost no different characters")
    } else {
        strength::is_guessable(text).then_some(
            "is made mostly of common words, repeats or sequences, which guessers try first",
        )
    }?;
    Some(
        Problem::new(Code::WeakSecret, why)
            .hint("generate a random value, e.g. openssl rand -hex 32"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str, sensitive: bool) -> Vec<(Code, bool)> {
        check(text, sensitive)
            .into_iter()
            .map(|p| (p.code, p.warning))
            .collect()
    }

    #[test]
    fn whitespace_and_quotes() {
        let p = check("abc\n", false);
        assert_eq!(p[0].code, Code::SurroundingWhitespace);
        assert_eq!(p[0].message, "ends with \\n");
        assert!(p[0].hint.as_deref().unwrap().contains("echo"));
        assert_eq!(check(" abc", false)[0].message, "starts with a space");
        assert_eq!(check("abc\r\n", false)[0].message, "ends with \\r\\n");
        assert_eq!(
            check(&format!("abc{}", " ".repeat(24)), false)[0].message,
            "ends with 24 spaces"
        );
        assert_eq!(check("    abc", false)[0].message, "starts with 4 spaces");
        assert_eq!(
            check("abc\r\n ", false)[0].message,
            "ends with 3 whitespace characters (\\r\\n and a space)"
        );
        assert_eq!(check("   ", false)[0].message, "is only 3 spaces");
        assert_eq!(
            codes("'abc'", false),
            vec![(Code::SurroundingQuotes, false)]
        );
        assert_eq!(codes("\"", false), vec![]);
        // PEM's newline after END is normal.
        assert_eq!(
            codes(
                "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
                false
            ),
            vec![]
        );
    }

    #[test]
    fn references() {
        assert_eq!(
            codes("${TOKEN}", false),
            vec![(Code::UnexpandedReference, false)]
        );
        assert_eq!(
            codes("$TOKEN", false),
            vec![(Code::UnexpandedReference, false)]
        );
        assert_eq!(
            codes("$(openssl rand -hex 32)", false),
            vec![(Code::UnexpandedReference, false)]
        );
        // One cause, one finding: backticks are a command, not quotes.
        assert_eq!(
            codes("`cat key`", false),
            vec![(Code::UnexpandedReference, false)]
        );
        assert_eq!(
            codes("Bearer ${TOKEN}", false),
            vec![(Code::UnexpandedReference, true)]
        );
        assert_eq!(codes("pa$Word", false), vec![]);
        assert_eq!(codes("$2b$12$abcdef", false), vec![]);
        assert_eq!(codes("cost$$100", false), vec![]);
        assert!(is_whole_reference("${TOKEN}"));
        assert!(is_whole_reference("${hook_url}"));
        assert!(
            is_whole_reference("'${TOKEN}'"),
            "quotes are their own finding"
        );
        // Inside a secret, a mixed-case "name" may be the secret itself: not repeated.
        let p = check("${Secr3tWholeValue99}", true);
        assert!(!p[0].message.contains("Secr3t"), "{}", p[0].message);
        assert!(!check("$ZXCVBNMLKJ8877", true)[0]
            .message
            .contains("ZXCVBNML"));
        // `$NAME` and `${NAME}` are worded alike, sensitive or not.
        for sensitive in [false, true] {
            let plain = check("$API_TOKEN", sensitive);
            let braced = check("${API_TOKEN}", sensitive);
            assert_eq!(plain, braced);
            assert_eq!(
                plain[0].message,
                "is a reference to $API_TOKEN that was never expanded"
            );
        }
        assert_eq!(
            check("$ZXCVBNMLKJ8877", true),
            check("${ZXCVBNMLKJ8877}", true)
        );
        assert!(check("${API_TOKEN}", false)[0]
            .message
            .contains("$API_TOKEN"));
        assert!(!is_whole_reference("x${TOKEN}"));
    }

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "CHANGE-ME",
            "generate_a_new_key",
            "changeEncryptionKey",
            "your-super-secret-jwt-token-with-at-least-32-characters-long",
            "<your key here>",
            "xxxxxxxx",
            "django-insecure-abc123",
            "never-use-this-value",
            "secret",
            "Test",
        ] {
            assert_eq!(
                codes(p, true).first().map(|c| c.0),
                Some(Code::Placeholder),
                "{p}"
            );
        }
        assert_eq!(codes("changeme", false), vec![], "only sensitive values");
        assert_eq!(
            codes(
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                true
            ),
            vec![]
        );
    }

    #[test]
    fn weak_secrets() {
        for w in [
            "aaaaaaaaaaaaaaaa",
            "abcabcabcabcabc",
            "qwertyuiop",
            "1234567890",
            "abababababab",
        ] {
            assert_eq!(
                codes(w, true).first().map(|c| c.0),
                Some(Code::WeakSecret),
                "{w}"
            );
        }
        assert_eq!(codes("q8Zr2LmX0vTn4bYw", true), vec![]);
    }

    #[test]
    fn invisible_characters() {
        let p = check("http://au\u{200b}th:8081", false);
        assert_eq!(p[0].code, Code::InvisibleCharacter);
        assert_eq!(
            p[0].message,
            "contains a zero-width space (U+200B) at character 10"
        );
        assert_eq!(
            codes("abc\0def", true).first().map(|c| c.0),
            Some(Code::InvisibleCharacter)
        );
        assert_eq!(codes("tab\tinside", false), vec![]);
    }

    #[test]
    fn embedded_newlines() {
        assert_eq!(
            codes("abc\ndef", false),
            vec![(Code::EmbeddedNewline, false)]
        );
        assert_eq!(codes("{\n\"a\": 1\n}", false), vec![]);
    }
}
