//! Property tests: generated inputs for the dotenv parser, the schema loader, URL masking and
//! value descriptions, and random secrets planted for the built binary.
//!
//! Each property runs a modest number of cases so that `cargo test` stays quick; the standard
//! `PROPTEST_CASES` variable raises it (the README says how to run them longer). Properties
//! that run the binary use a hundredth of `PROPTEST_CASES`, and never fewer than their default.

use crate::secrets::assert_no_leak_of;
use crate::*;
use envgate::error::Diagnostic;
use envgate::schema::model::Schema;
use envgate::schema::SchemaSource;
use envgate::secret::{describe, mask_url};
use envgate::source::dotenv::{self, DotenvIssueKind};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use std::path::Path;
use std::time::{Duration, Instant};

/// `default` cases, or `PROPTEST_CASES` when it is set.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        // A failing case is shrunk for a bounded time, not forever.
        max_shrink_time: 30_000,
        // The failing input is printed; no regression files are written into the tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// For properties that run the binary: a hundredth of `PROPTEST_CASES`, at least `default`.
fn binary_config(default: u32) -> Config {
    Config {
        max_shrink_iters: 64,
        ..config((cases(default * 100) / 100).max(default))
    }
}

/// 1-based line count as the parsers count lines: one more than the number of `\n`.
fn line_count(input: &[u8]) -> usize {
    input.split(|&b| b == b'\n').count()
}

// ---------------------------------------------------------------------------------------
// The dotenv parser

/// Dotenv keys: valid ones, Compose-style ones, and a few that are not keys at all.
fn dotenv_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Z_][A-Z0-9_]{0,10}",
        1 => "[a-z][a-z0-9.\\-\\[\\]]{0,8}",
        1 => "[ -~]{0,6}",
        1 => "[A-Z]{1,4} [A-Z]{1,4}",
    ]
}

/// A piece of a value: text, references of every form, escapes, quotes and comment markers.
fn value_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9_./+:@-]{0,12}",
        1 => "[A-Z_]{1,6}".prop_map(|n| format!("${n}")),
        1 => "[A-Z_]{1,6}".prop_map(|n| format!("${{{n}}}")),
        1 => ("[A-Z]{1,4}", select(vec![":-", "-", ":+", "+", ":?", "?"]), "[a-z ]{0,6}")
            .prop_map(|(n, op, w)| format!("${{{n}{op}{w}}}")),
        1 => ("[A-Z]{1,3}", "[A-Z]{1,3}").prop_map(|(a, b)| format!("${{{a}:-${{{b}:-x}}}}")),
        1 => select(vec![
            "${", "$$", "$", "${}", "${-x}", "$(cmd)", "`cmd`", " #", "#", "\\", "\\n", "\\\"",
            "\\'", "\\\\", "\\$", "\\0123", "\\t", "'", "\"", " ", "\t", "=", ":", "SET",
            "${SET}", "\u{e9}", "\u{200b}", "\u{a0}",
        ])
        .prop_map(str::to_string),
    ]
}

fn dotenv_value() -> impl Strategy<Value = String> {
    let body = vec(value_piece(), 0..8).prop_map(|p| p.concat());
    (
        body,
        select(vec!["", "'", "\""]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(body, quote, terminated, comment)| {
            let close = if terminated { quote } else { "" };
            let comment = if comment { " # trailing comment" } else { "" };
            format!("{quote}{body}{close}{comment}")
        })
}

/// One line (or, with an open quote, the start of a multi-line value) of a dotenv file.
fn dotenv_line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (
            any::<bool>(),
            dotenv_key(),
            select(vec!["=", " = ", ": ", "=", ":"]),
            dotenv_value(),
        )
            .prop_map(|(export, key, sep, value)| {
                let export = if export { "export " } else { "" };
                format!("{export}{key}{sep}{value}")
            }),
        1 => "#[ -~]{0,30}",
        1 => "[ \t]{0,3}",
        1 => dotenv_key(),
        1 => "[ -~]{0,30}",
        1 => ("[A-Z]{1,6}", 1000usize..20_000).prop_map(|(k, n)| format!("{k}={}", "x".repeat(n))),
        1 => ("[A-Z]{1,6}", vec(value_piece(), 1..4))
            .prop_map(|(k, p)| format!("{k}=\"{}\n{}\"", p.concat(), p.concat())),
    ]
}

fn dotenv_file() -> impl Strategy<Value = Vec<u8>> {
    (vec(dotenv_line(), 0..24), any::<bool>(), any::<bool>()).prop_map(|(lines, crlf, bom)| {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut out = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        out.extend_from_slice(lines.join(eol).as_bytes());
        out
    })
}

fn lookup(name: &str) -> Option<String> {
    (name == "SET").then(|| "from-lookup".to_string())
}

/// Every place the parser reports lies inside the input.
fn assert_places_within(input: &[u8]) -> Result<(), TestCaseError> {
    let parsed = dotenv::parse(input, &lookup, &|_| None, &|_| false);
    let lines = line_count(input);
    for issue in &parsed.issues {
        prop_assert!(
            (1..=lines).contains(&issue.line) && issue.column >= 1,
            "issue {:?} at {}:{} outside {} lines",
            issue.kind,
            issue.line,
            issue.column,
            lines
        );
    }
    for entry in &parsed.entries {
        prop_assert!(
            (1..=lines).contains(&entry.line),
            "entry at line {}",
            entry.line
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(cases(256)))]

    #[test]
    fn dotenv_parser_survives_arbitrary_bytes(input in vec(any::<u8>(), 0..2048)) {
        assert_places_within(&input)?;
    }

    #[test]
    fn dotenv_parser_places_every_issue_inside_generated_files(input in dotenv_file()) {
        assert_places_within(&input)?;
    }

    /// Values written as `KEY='value'` from an alphabet with no `'` and no `\` come back
    /// exactly, the last definition of a key winning, in the order of last definitions.
    #[test]
    fn single_quoted_values_round_trip(
        pairs in vec(
            (
                prop_oneof!["[A-C]", "[A-Z_][A-Z0-9_]{0,12}"],
                "[A-Za-z0-9 \t\n!#$%&()*+,./:;<=>?@\\[\\]^_`{|}~\"-]{0,40}",
                any::<bool>(),
                select(vec!["=", " = ", "= ", ": "]),
                any::<bool>(),
            ),
            0..16,
        ),
        crlf in any::<bool>(),
    ) {
        let mut file = String::new();
        for (key, value, export, sep, comment) in &pairs {
            let export = if *export { "export " } else { "" };
            let comment = if *comment { "  # a comment" } else { "" };
            file.push_str(&format!("{export}{key}{sep}'{value}'{comment}\n"));
        }
        if crlf {
            file = file.replace('\n', "\r\n");
        }
        // Last definition wins, in the order of last definitions.
        let mut expected: Vec<(String, String)> = Vec::new();
        for (key, value, ..) in &pairs {
            expected.retain(|(k, _)| k != key);
            expected.push((key.clone(), value.clone()));
        }
        let parsed = dotenv::parse(file.as_bytes(), &|_| None, &|_| None, &|_| false);
        let got: Vec<(String, String)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        prop_assert_eq!(got, expected);
        let duplicates = pairs.len() - parsed.entries.len();
        let unexpected: Vec<_> = parsed
            .issues
            .iter()
            .filter(|i| match i.kind {
                DotenvIssueKind::DuplicateKey { .. } => false,
                DotenvIssueKind::CrlfLineEndings => !crlf,
                _ => true,
            })
            .collect();
        prop_assert!(unexpected.is_empty(), "{unexpected:?}");
        // One issue per repeated key, counting all its definitions.
        prop_assert_eq!(
            parsed
                .issues
                .iter()
                .map(|i| match i.kind {
                    DotenvIssueKind::DuplicateKey { count, .. } => count - 1,
                    _ => 0,
                })
                .sum::<usize>(),
            duplicates
        );
    }
}

/// `value` as a double-quoted dotenv value: `\\`, `\"` and `\$` escaped, newlines and tabs
/// written as `\n` and `\t`.
fn double_quoted(value: &str) -> String {
    let mut out = String::from('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(config(cases(256)))]

    /// Double-quoted values with escapes, and bare values of a safe alphabet (backslashes
    /// included: they are literal there), come back exactly.
    #[test]
    fn double_quoted_and_bare_values_round_trip(
        pairs in vec(
            (
                prop_oneof!["[A-C]", "[A-Z_][A-Z0-9_]{0,12}"],
                prop_oneof![
                    "[ -~\t\n\u{e9}\u{a0}]{0,40}".prop_map(|v| (double_quoted(&v), v)),
                    "([A-Za-z0-9_./:@+,=\\\\{}-]([A-Za-z0-9_./:@+,=\\\\{} -]{0,30}[A-Za-z0-9_./:@+,=\\\\{}-])?)?"
                        .prop_map(|v| (v.clone(), v)),
                ],
                select(vec!["=", " = ", ": "]),
            ),
            0..16,
        ),
    ) {
        let mut file = String::new();
        let mut expected: Vec<(String, String)> = Vec::new();
        for (key, (written, value), sep) in &pairs {
            file.push_str(&format!("{key}{sep}{written}\n"));
            expected.retain(|(k, _)| k != key);
            expected.push((key.clone(), value.clone()));
        }
        let parsed = dotenv::parse(file.as_bytes(), &|_| None, &|_| None, &|_| false);
        let got: Vec<(String, String)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        prop_assert_eq!(got, expected, "{}", file);
        let unexpected: Vec<_> = parsed
            .issues
            .iter()
            .filter(|i| !matches!(i.kind, DotenvIssueKind::DuplicateKey { .. }))
            .collect();
        prop_assert!(unexpected.is_empty(), "{unexpected:?}");
    }
}

/// How large a generated file the time property parses.
const TIMED_INPUT_BYTES: usize = 1024 * 1024;

proptest! {
    #![proptest_config(config(cases(256) / 32))]

    /// A file of a few generated lines repeated to 1 MiB parses within a generous bound in
    /// a debug build (well under a second when the machine is idle; a parser that rescans
    /// what it has read takes minutes): no line or quote makes the parser rescan.
    #[test]
    fn dotenv_parsing_time_grows_linearly(lines in vec(dotenv_line(), 1..6), crlf in any::<bool>()) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let unit = format!("{}{eol}", lines.join(eol));
        let input = unit.repeat(TIMED_INPUT_BYTES / unit.len().max(1) + 1);
        let started = Instant::now();
        let parsed = dotenv::parse(input.as_bytes(), &lookup, &|_| None, &|_| false);
        let took = started.elapsed();
        prop_assert!(
            took < Duration::from_secs(20),
            "{} KiB took {took:?} ({} entries, {} issues)",
            input.len() / 1024,
            parsed.entries.len(),
            parsed.issues.len()
        );
    }
}

// ---------------------------------------------------------------------------------------
// The schema loader

/// A scalar, list or table, written out as TOML, YAML or JSON.
#[derive(Debug, Clone)]
enum Node {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Node>),
    Table(Vec<(String, Node)>),
}

fn s(text: &str) -> Node {
    Node::Str(text.to_string())
}

impl Node {
    fn inline(&self) -> String {
        match self {
            // JSON string syntax is valid in TOML basic strings and YAML double quotes for
            // the alphabets generated here (printable ASCII).
            Node::Str(text) => serde_json::Value::from(text.as_str()).to_string(),
            Node::Int(n) => n.to_string(),
            Node::Bool(b) => b.to_string(),
            Node::List(items) => {
                let items: Vec<String> = items.iter().map(Node::inline).collect();
                format!("[{}]", items.join(", "))
            }
            Node::Table(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", quoted(k), v.inline()))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
        }
    }
}

fn quoted(key: &str) -> String {
    serde_json::Value::from(key).to_string()
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Toml,
    Yaml,
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }

    /// A schema: top-level scalars, then `vars` (a table of variable tables).
    fn write(self, top: &[(String, Node)], vars: &[(String, Attributes)]) -> String {
        let mut out = String::new();
        match self {
            Format::Toml => {
                for (k, v) in top {
                    out.push_str(&format!("{k} = {}\n", toml_inline(v)));
                }
                for (name, attrs) in vars {
                    out.push_str(&format!("\n[vars.{name}]\n"));
                    for (k, v) in attrs {
                        out.push_str(&format!("{k} = {}\n", toml_inline(v)));
                    }
                }
            }
            Format::Yaml => {
                for (k, v) in top {
                    out.push_str(&format!("{k}: {}\n", v.inline()));
                }
                out.push_str("vars:\n");
                for (name, attrs) in vars {
                    out.push_str(&format!("  {name}:\n"));
                    for (k, v) in attrs {
                        out.push_str(&format!("    {k}: {}\n", v.inline()));
                    }
                }
            }
            Format::Json => {
                let mut entries: Vec<String> = top
                    .iter()
                    .map(|(k, v)| format!("  {}: {}", quoted(k), v.inline()))
                    .collect();
                let vars: Vec<String> = vars
                    .iter()
                    .map(|(name, attrs)| {
                        let attrs: Vec<String> = attrs
                            .iter()
                            .map(|(k, v)| format!("      {}: {}", quoted(k), v.inline()))
                            .collect();
                        format!("    {}: {{\n{}\n    }}", quoted(name), attrs.join(",\n"))
                    })
                    .collect();
                entries.push(format!("  \"vars\": {{\n{}\n  }}", vars.join(",\n")));
                out.push_str(&format!("{{\n{}\n}}\n", entries.join(",\n")));
            }
        }
        out
    }
}

/// TOML's inline tables use `=`, not `:`.
fn toml_inline(node: &Node) -> String {
    match node {
        Node::Table(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", quoted(k), toml_inline(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        Node::List(items) => {
            let items: Vec<String> = items.iter().map(toml_inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.inline(),
    }
}

/// A variable's attributes, in the order they are written.
type Attributes = Vec<(String, Node)>;

/// A valid variable: a type and attributes that fit it.
fn valid_var() -> impl Strategy<Value = Attributes> {
    let text = (0u8..3, 0i64..40, 0i64..40, "[a-z0-9]{1,4}").prop_map(|(which, a, b, p)| {
        let (lo, hi) = (a.min(b), a.max(b));
        match which {
            0 => vec![
                ("min_length".into(), Node::Int(lo)),
                ("max_length".into(), Node::Int(hi)),
            ],
            1 => vec![("pattern".into(), Node::Str(format!("{p}[a-z]*")))],
            _ => vec![
                ("encoding".into(), s("hex")),
                ("min_bytes".into(), Node::Int(lo)),
            ],
        }
    });
    let kind = prop_oneof![
        (select(vec!["string", "secret"]), text).prop_map(|(t, mut attrs)| {
            attrs.insert(0, ("type".into(), s(t)));
            attrs
        }),
        vec(select(vec!["https", "postgresql", "redis"]), 1..3).prop_map(|schemes| vec![
            ("type".into(), s("url")),
            (
                "schemes".into(),
                Node::List(schemes.into_iter().map(s).collect())
            ),
            ("forbid_hosts".into(), Node::List(vec![s("localhost")])),
        ]),
        (select(vec!["int", "port"]), 1i64..1000, 1i64..1000).prop_map(|(t, a, b)| vec![
            ("type".into(), s(t)),
            ("min".into(), Node::Int(a.min(b))),
            ("max".into(), Node::Int(a.max(b))),
        ]),
        Just(vec![("type".into(), s("bool"))]),
        vec("[a-z]{1,8}", 1..4).prop_map(|values| vec![
            ("type".into(), s("enum")),
            (
                "values".into(),
                Node::List(values.iter().map(|v| s(v)).collect())
            ),
            ("case_sensitive".into(), Node::Bool(false)),
        ]),
        Just(vec![
            ("type".into(), s("duration")),
            ("min".into(), s("1s")),
            ("max".into(), s("1h")),
        ]),
        Just(vec![("type".into(), s("json"))]),
    ];
    (
        kind,
        proptest::option::of("[A-Za-z0-9 ,.'-]{0,30}"),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(mut attrs, description, required, sensitive)| {
            if let Some(d) = description {
                attrs.push(("description".into(), Node::Str(d)));
            }
            if let Some(r) = required {
                attrs.push(("required".into(), Node::Bool(r)));
            }
            if let Some(v) = sensitive {
                attrs.push(("sensitive".into(), Node::Bool(v)));
            }
            attrs
        })
}

/// What is done to a valid schema before it is loaded.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    /// An attribute no type has, on the variable at this index.
    UnknownAttribute(usize, &'static str),
    /// A common attribute with a value of the wrong type.
    WrongType(usize, &'static str, Node),
    UnknownType(usize, &'static str),
    /// Text inserted at a fraction of the file (may or may not break it).
    Insert(f64, &'static str),
    /// The file cut at a fraction of its length (and ended with a newline).
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::None),
        1 => (any::<usize>(), select(vec!["min_lenght", "requried", "typ", "secret", "lenght", "scheme"]))
            .prop_map(|(i, a)| Mutation::UnknownAttribute(i, a)),
        1 => (any::<usize>(), prop_oneof![
            Just(("required", s("yes"))),
            Just(("required", Node::List(vec![]))),
            Just(("sensitive", Node::Int(3))),
            Just(("aliases", Node::Int(7))),
            Just(("description", Node::List(vec![Node::Int(1)]))),
            Just(("allow", s("secret-reuse"))),
            Just(("required_when", Node::Table(vec![("OTHER".into(), Node::Table(vec![]))]))),
        ])
            .prop_map(|(i, (a, v))| Mutation::WrongType(i, a, v)),
        1 => (any::<usize>(), select(vec!["secert", "strin", "integer", "URL", ""]))
            .prop_map(|(i, t)| Mutation::UnknownType(i, t)),
        2 => (0.0..1.0f64, select(vec!["[", "]", "{", "}", "\"", "'", ":", "=", "\n", "\t", " ", ",", "- ", "#", "&a ", "*a", "!!", "\\", "\u{0}", "\u{feff}"]))
            .prop_map(|(at, text)| Mutation::Insert(at, text)),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
    ]
}

/// A generated schema: its variables (with unique names) and a mutation.
fn schema_case() -> impl Strategy<Value = (Vec<(String, Attributes)>, Mutation)> {
    (
        proptest::collection::btree_map("[A-Z][A-Z0-9_]{0,12}", valid_var(), 1..8),
        mutation(),
    )
        .prop_map(|(vars, m)| (vars.into_iter().collect(), m))
}

fn format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Toml), Just(Format::Yaml), Just(Format::Json)]
}

/// Cuts or splices `text` at `fraction` of its length, on a character boundary.
fn at_fraction(text: &str, fraction: f64) -> usize {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let mut at = (text.len() as f64 * fraction) as usize;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// What loading and resolving a schema gave, once every diagnostic was checked.
enum Loaded {
    Schema(Schema),
    Refused(Vec<Diagnostic>),
}

/// Loads and resolves `contents` as `file`, and checks that every diagnostic is about that
/// file and, when it has a place, that the place lies inside the file.
fn load_and_check_places(file: &Path, contents: &[u8]) -> Result<Loaded, TestCaseError> {
    std::fs::write(file, contents).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let lines: Vec<&[u8]> = contents.split(|&b| b == b'\n').collect();
    // Loading checks the structure; resolving validates each variable's attributes.
    match SchemaSource::load(file).and_then(|source| source.resolve(None, None)) {
        Ok(schema) => Ok(Loaded::Schema(schema)),
        Err(e) => {
            prop_assert!(!e.diagnostics.is_empty());
            for d in &e.diagnostics {
                prop_assert_eq!(d.path.as_deref(), Some(file), "{}", d);
                let Some(pos) = d.pos else { continue };
                prop_assert!(
                    (1..=lines.len()).contains(&pos.line),
                    "{d}: line outside the file's {} lines:\n{}",
                    lines.len(),
                    String::from_utf8_lossy(contents)
                );
                // Columns count characters; bytes are an upper bound.
                let width = lines[pos.line - 1].len();
                prop_assert!(
                    (1..=width + 1).contains(&pos.column),
                    "{d}: column outside its line of {width} bytes:\n{}",
                    String::from_utf8_lossy(contents)
                );
            }
            Ok(Loaded::Refused(e.diagnostics))
        }
    }
}

/// The 1-based line where `attr` of `var` is written (`Format::write` gives each attribute
/// its own line).
fn attribute_line(text: &str, format: Format, var: &str, attr: &str) -> Option<usize> {
    let (header, key) = match format {
        Format::Toml => (format!("[vars.{var}]"), format!("{attr} =")),
        Format::Yaml => (format!("{var}:"), format!("{attr}:")),
        Format::Json => (format!("{}: {{", quoted(var)), format!("{}:", quoted(attr))),
    };
    let lines: Vec<&str> = text.lines().collect();
    let header_at = lines.iter().position(|l| l.trim() == header)?;
    lines[header_at + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with(&key))
        .map(|i| header_at + 2 + i)
}

proptest! {
    #![proptest_config(config(cases(256) / 2))]

    /// Valid schemas load; schemas with a wrong attribute, value type or variable type are
    /// refused with a place for each problem; broken ones never panic, and what they are told
    /// is placed inside the file.
    #[test]
    fn schema_loader_places_every_problem_inside_the_file(
        (vars, mutation) in schema_case(),
        format in format(),
    ) {
        let mut vars = vars;
        let pick = |i: usize| i % vars.len();
        // The variable and attribute a refusal must point at.
        let mut wrong = None;
        match &mutation {
            Mutation::UnknownAttribute(i, attr) => {
                let i = pick(*i);
                vars[i].1.push(((*attr).to_string(), Node::Int(1)));
                wrong = Some((i, *attr));
            }
            Mutation::WrongType(i, attr, value) => {
                let i = pick(*i);
                vars[i].1.retain(|(k, _)| k != attr);
                vars[i].1.push(((*attr).to_string(), value.clone()));
                wrong = Some((i, *attr));
            }
            Mutation::UnknownType(i, kind) => {
                let i = pick(*i);
                vars[i].1[0].1 = s(kind);
                wrong = Some((i, "type"));
            }
            _ => {}
        }
        let top = vec![
            ("service".to_string(), s("generated")),
            ("description".to_string(), s("A generated schema")),
        ];
        let mut text = format.write(&top, &vars);
        match &mutation {
            Mutation::Insert(at, piece) => text.insert_str(at_fraction(&text, *at), piece),
            Mutation::Truncate(at) => {
                text.truncate(at_fraction(&text, *at));
                // See `yaml_error_at_the_end_of_a_file_without_a_final_newline_is_placed_inside_it`.
                text.push('\n');
            }
            _ => {}
        }
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let file = dir.path().join(format!("schema.{}", format.extension()));
        let loaded = load_and_check_places(&file, text.as_bytes())?;
        match (&mutation, loaded) {
            (Mutation::None, Loaded::Schema(schema)) => {
                // Every variable, as declared.
                prop_assert_eq!(&schema.service, "generated");
                let got: Vec<(&str, bool)> =
                    schema.vars.iter().map(|v| (v.name.as_str(), v.required)).collect();
                let declared: Vec<(&str, bool)> = vars
                    .iter()
                    .map(|(name, attrs)| {
                        let required = attrs.iter().all(|(k, v)| {
                            k != "required" || !matches!(v, Node::Bool(false))
                        });
                        (name.as_str(), required)
                    })
                    .collect();
                prop_assert_eq!(got, declared);
            }
            (Mutation::None, Loaded::Refused(diags)) => {
                let diags: Vec<String> = diags.iter().map(ToString::to_string).collect();
                prop_assert!(false, "a valid schema was refused: {diags:?}\n{text}");
            }
            (_, Loaded::Refused(diags)) => {
                if let Some((i, attr)) = wrong {
                    // One diagnostic names the variable, on the attribute's line.
                    let name = &vars[i].0;
                    let line = attribute_line(&text, format, name, attr);
                    prop_assert!(line.is_some(), "{attr} of {name} not found in\n{text}");
                    prop_assert!(
                        diags.iter().any(|d| d.pos.map(|p| p.line) == line && d.message.contains(name.as_str())),
                        "{mutation:?}: no diagnostic for {name} on line {line:?}: {:?}\n{text}",
                        diags.iter().map(ToString::to_string).collect::<Vec<_>>()
                    );
                }
            }
            (_, Loaded::Schema(_)) => {
                prop_assert!(wrong.is_none(), "{mutation:?} was accepted:\n{text}");
            }
        }
    }

    #[test]
    fn schema_loader_survives_arbitrary_bytes(
        bytes in vec(any::<u8>(), 0..1024),
        format in format(),
    ) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let file = dir.path().join(format!("schema.{}", format.extension()));
        // A final newline: see the next test.
        let mut bytes = bytes;
        bytes.push(b'\n');
        let _ = load_and_check_places(&file, &bytes)?;
    }
}

/// saphyr places an error at the end of the input on the line after the last one when the
/// file has no final newline: `schema.yaml:5:1` for a file of four lines.
#[test]
fn yaml_error_at_the_end_of_a_file_without_a_final_newline_is_placed_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.yaml");
    let text = "vars:\n  A:\n    type: port\n    mi";
    let result = load_and_check_places(&file, text.as_bytes());
    assert!(
        matches!(result, Ok(Loaded::Refused(_))),
        "{:?}",
        result.err()
    );
}

// ---------------------------------------------------------------------------------------
// URL masking and value descriptions

/// 8-character windows of `secret` found in `output`.
fn leaked_windows(secret: &str, output: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(8)
        .map(|w| w.iter().collect::<String>())
        .filter(|piece| output.contains(piece.as_str()))
        .collect()
}

/// `scheme://user:PASSWORD@host:port/path?query#fragment` with a password that may hold
/// `@ / # ? % :`. Only passwords, queries and fragments use upper case, so an 8-character
/// window of them in the output can only be a leak.
fn url_with_password() -> impl Strategy<Value = (String, String, String, String)> {
    (
        "[a-z][a-z0-9+.-]{0,9}",
        "[a-z]{1,8}",
        "[A-Z0-9@/#?%:]{8,24}",
        "[a-z]{1,10}(\\.[a-z]{2,5})?",
        proptest::option::of(1u16..),
        "(/[a-z0-9]{0,8}){0,3}",
        proptest::option::of("[A-Z0-9]{8,20}"),
        proptest::option::of("[A-Z0-9]{8,20}"),
    )
        .prop_map(
            |(scheme, user, password, host, port, path, query, fragment)| {
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                let query = query.unwrap_or_default();
                let fragment = fragment.unwrap_or_default();
                let mut url = format!("{scheme}://{user}:{password}@{host}{port}{path}");
                if !query.is_empty() {
                    url.push_str(&format!("?token={query}"));
                }
                if !fragment.is_empty() {
                    url.push_str(&format!("#{fragment}"));
                }
                (url, password, query, fragment)
            },
        )
}

/// A password (upper case, digits and maybe `/ # ? % :`) in a URL written without `@host`
/// or without `scheme://`, in each of the ways the audit found: `scheme://user:PW`,
/// `scheme://:PW/0`, `scheme://host:6379,PW`, `user:PW@host`, `//user:PW@host`,
/// `scheme:/user:PW@host`, `scheme:\\user:PW@host`, `PW:scheme://host`,
/// `scheme+PW://host`.
fn url_without_at_host_or_scheme() -> impl Strategy<Value = (String, String)> {
    (
        0..9usize,
        "[a-z]{2,8}",
        // No `@`: `redis://user:AB@CD` is a valid URL with host `CD`, whatever was meant.
        // A leading letter: `redis://user:1234/ABCD` is one with port 1234 and a path.
        "[A-Z][A-Z0-9/#?%:]{7,23}",
        "[a-z]{1,10}(\\.[a-z]{2,5})?",
        "(/[a-z0-9]{0,8}){0,2}",
        proptest::option::of("\\?[a-z]{1,6}"),
    )
        .prop_map(|(form, user, password, host, path, query)| {
            let query = query.unwrap_or_default();
            let url = match form {
                0 => format!("redis://{user}:{password}{path}{query}"),
                1 => format!("redis://:{password}{path}{query}"),
                2 => format!("redis://{host}:6379,{password}{path}"),
                3 => format!("{user}:{password}@{host}{path}{query}"),
                4 => format!("//{user}:{password}@{host}{path}"),
                5 => format!("https:/{user}:{password}@{host}{path}"),
                6 => format!("https:\\\\{user}:{password}@{host}{path}"),
                7 => format!("{password}:postgresql://{host}{path}"),
                _ => format!("postgresql+{password}://{host}{path}"),
            };
            (url, password)
        })
}

proptest! {
    #![proptest_config(config(cases(512)))]

    /// Whatever the password holds, a masked URL shows no piece of it, nor of the query
    /// string or fragment.
    #[test]
    fn masked_urls_show_no_piece_of_password_query_or_fragment(
        (url, password, query, fragment) in url_with_password(),
    ) {
        if let Some(masked) = mask_url(&url) {
            for (what, secret) in [("password", &password), ("query", &query), ("fragment", &fragment)] {
                let leaked = leaked_windows(secret, &masked);
                prop_assert!(leaked.is_empty(), "{url} masked as {masked} shows the {what}: {leaked:?}");
            }
        }
    }

    /// URLs written without `@host` (the password where the port goes) or without
    /// `scheme://` (`user:password@host`, `//...`, `scheme:/...`, junk before `://`): a
    /// masked URL never shows a piece of the password.
    #[test]
    fn urls_without_at_host_or_scheme_slashes_show_no_piece_of_the_password(
        (url, password) in url_without_at_host_or_scheme(),
    ) {
        if let Some(masked) = mask_url(&url) {
            let leaked = leaked_windows(&password, &masked);
            prop_assert!(leaked.is_empty(), "{url} masked as {masked}: {leaked:?}");
        }
    }

    /// A plain password (letters and digits) is always located: the URL is shown masked,
    /// with its host. (The property above would hold trivially if nothing were ever shown.)
    #[test]
    fn urls_with_plain_passwords_are_shown_masked(
        user in "[a-z]{1,8}",
        password in "[A-Za-z0-9]{8,24}",
        host in "[a-z]{1,10}",
        port in proptest::option::of(1u16..),
    ) {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("postgresql://{user}:{password}@{host}{port}/app");
        let masked = mask_url(&url);
        prop_assert_eq!(masked, Some(format!("postgresql://{user}:***@{host}{port}/app")));
    }

    /// `describe` shows no piece of the value. Windows made only of what its fixed wording
    /// uses (lower case, digits, spaces, `,()\`) could match that wording by chance, so the
    /// values generated always mix in upper case or other symbols.
    #[test]
    fn descriptions_show_no_piece_of_the_value(
        value in "([A-Z!@#$%^&*_=+~;<>?|\"'/.\\-][ -~\t\n\u{a0}\u{e9}\u{200b}]{0,3}){2,20}",
    ) {
        let shown = describe(&value);
        let leaked: Vec<String> = leaked_windows(&value, &shown)
            .into_iter()
            .filter(|w| !w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || " ,()\\".contains(c)))
            .collect();
        prop_assert!(leaked.is_empty(), "describe shows {leaked:?}: {shown}");
    }
}

// ---------------------------------------------------------------------------------------
// Random secrets through the binary

/// Made-up words, so that a secret built from them never matches envgate's own wording.
const WORDS: &[&str] = &[
    "quokka", "zebu", "fjordik", "kumquat", "yodelo", "wombat", "pravda", "xylo", "grizzly",
    "muskox", "tapir", "okapi", "jicama", "vizsla",
];

fn hex_secret() -> BoxedStrategy<String> {
    "[0-9a-f]{16,64}".boxed()
}

fn base64_secret() -> BoxedStrategy<String> {
    "[A-Za-z0-9+/]{16,60}={0,2}".boxed()
}

fn words_secret() -> BoxedStrategy<String> {
    (
        vec(select(WORDS), 2..5),
        vec(
            select(vec![
                "-", "_", ".", "!", "@", "#", "%", "^", "&", "*", "+", "=", "~",
            ]),
            4,
        ),
        "[0-9]{1,4}",
    )
        .prop_map(|(words, symbols, digits)| {
            let mut out = String::new();
            for (i, w) in words.iter().enumerate() {
                out.push_str(w);
                out.push_str(symbols[i % symbols.len()]);
            }
            out + &digits
        })
        .boxed()
}

fn dollar_secret() -> BoxedStrategy<String> {
    prop_oneof![
        "[A-Za-z0-9]{4,10}\\$[A-Z_]{4,12}[A-Za-z0-9]{0,8}",
        "[A-Za-z0-9]{4,10}\\$\\{[A-Z_]{4,12}\\}[A-Za-z0-9]{2,8}",
        "[A-Za-z0-9]{4,10}\\$\\$[A-Za-z0-9]{4,12}",
        "\\$[A-Z][A-Za-z0-9_]{10,20}",
    ]
    .boxed()
}

fn quotes_secret() -> BoxedStrategy<String> {
    "[A-Za-z0-9]{3,8}[\"'`][A-Za-z0-9 ]{4,10}[\"'`]?[A-Za-z0-9]{3,8}".boxed()
}

fn whitespace_secret() -> BoxedStrategy<String> {
    "[ \t]{0,2}[A-Za-z0-9]{4,10}[ \t]{1,3}[A-Za-z0-9]{4,10}[ \t]{0,3}".boxed()
}

fn url_password() -> BoxedStrategy<String> {
    "[A-Za-z0-9@/#?%:]{8,24}".boxed()
}

/// How a value is written in the env file.
#[derive(Debug, Clone, Copy)]
enum Quoting {
    Bare,
    Single,
    Double,
}

fn quoting() -> impl Strategy<Value = Quoting> {
    prop_oneof![
        Just(Quoting::Bare),
        Just(Quoting::Single),
        Just(Quoting::Double)
    ]
}

fn written(value: &str, quoting: Quoting) -> String {
    match quoting {
        Quoting::Bare => value.to_string(),
        Quoting::Single => format!("'{}'", value.replace('\'', "\\'")),
        Quoting::Double => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

/// One variable of each kind that must never be shown; each fails a check whatever it holds,
/// so that every value lies in a finding's path.
const LEAK_SCHEMA: &str = r#"[vars.API_SECRET]
type = "secret"
min_length = 100

[vars.SESSION_ID]
type = "string"
sensitive = true
pattern = "[0-9]{3}"

[vars.DEPLOY_SLOT]
type = "enum"
values = ["blue", "green"]
sensitive = true

[vars.DATABASE_URL]
type = "url"
schemes = ["https"]
"#;

const LEAK_VARS: [&str; 4] = ["API_SECRET", "SESSION_ID", "DEPLOY_SLOT", "DATABASE_URL"];

/// Plants `secrets` (one per variable of [`LEAK_SCHEMA`]; the URL's is its password) and runs
/// `check` (human and JSON) and `explain`: no output holds any 8-character piece of any.
fn assert_planted_secrets_do_not_leak(secrets: &[String; 4], quoting: [Quoting; 4]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), LEAK_SCHEMA).unwrap();
    let mut env = String::new();
    for (i, var) in LEAK_VARS.iter().enumerate() {
        let value = if *var == "DATABASE_URL" {
            format!("postgresql://app:{}@db:5432/app", secrets[i])
        } else {
            secrets[i].clone()
        };
        env.push_str(&format!("{var}={}\n", written(&value, quoting[i])));
    }
    std::fs::write(dir.path().join("a.env"), &env).unwrap();
    let planted: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let command = |args: &[&str]| {
        let mut cmd = envgate_in(dir.path());
        cmd.args(args).args([
            "--schema",
            "s.toml",
            "--env-file",
            "a.env",
            "--color",
            "never",
        ]);
        cmd
    };
    for args in [&["check", "--format", "human"][..], &["explain"]] {
        let (_, stdout, stderr) = run(&mut command(args));
        assert!(!stdout.is_empty(), "{args:?}: no output\n{stderr}");
        assert_no_leak_of(
            &planted,
            &format!("{args:?} on\n{env}"),
            &(stdout + &stderr),
        );
    }
    let (code, stdout, stderr) = run(&mut command(&["check", "--format", "json"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_no_leak_of(
        &planted,
        &format!("check --format json on\n{env}"),
        &(stdout.clone() + &stderr),
    );
    // The secrets sit in findings' paths: every variable has a finding.
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for var in LEAK_VARS {
        assert!(
            codes(&report).iter().any(|(_, v)| v == var),
            "no finding for {var}: {:?}",
            codes(&report)
        );
    }
}

fn four<S: Strategy<Value = String> + Clone>(shape: S) -> impl Strategy<Value = [String; 4]> {
    (shape.clone(), shape.clone(), shape.clone(), shape).prop_map(|(a, b, c, d)| [a, b, c, d])
}

fn four_quotings() -> impl Strategy<Value = [Quoting; 4]> {
    (quoting(), quoting(), quoting(), quoting()).prop_map(|(a, b, c, d)| [a, b, c, d])
}

/// A URL password that needs no percent-encoding.
fn plain_url_password() -> BoxedStrategy<String> {
    prop_oneof![hex_secret(), "[A-Za-z0-9_-]{16,43}"].boxed()
}

proptest! {
    #![proptest_config(binary_config(8))]

    #[test]
    fn random_token_secrets_do_not_leak_through_the_binary(
        secrets in four(prop_oneof![hex_secret(), base64_secret(), words_secret()]),
        password in plain_url_password(),
        quoting in four_quotings(),
    ) {
        // Base64 and word secrets hold `/`, `@` or `#`: as URL passwords they are the next
        // test's case.
        let [a, b, c, _] = secrets;
        assert_planted_secrets_do_not_leak(&[a, b, c, password], quoting);
    }

    #[test]
    fn random_secrets_with_dollars_quotes_and_whitespace_do_not_leak_through_the_binary(
        secrets in four(prop_oneof![dollar_secret(), quotes_secret(), whitespace_secret()]),
        quoting in four_quotings(),
    ) {
        assert_planted_secrets_do_not_leak(&secrets, quoting);
    }

    /// URL passwords holding `@ / # ? % :` (unencoded, as users paste them).
    #[test]
    fn random_url_passwords_do_not_leak_through_the_binary(
        password in prop_oneof![url_password(), base64_secret(), words_secret()],
        others in four(hex_secret()),
        quoting in four_quotings(),
    ) {
        let [a, b, c, _] = others;
        assert_planted_secrets_do_not_leak(&[a, b, c, password], quoting);
    }
}

/// A password planted in a URL written without `@host` or without `scheme://`, under a URL
/// variable that is not sensitive: no output of `check` or `explain` (human and JSON) holds
/// a piece of it.
fn assert_url_password_does_not_leak(url: &str, password: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[vars.SERVICE_URL]\ntype = \"url\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.env"), format!("SERVICE_URL='{url}'\n")).unwrap();
    for args in [
        &["check", "--format", "human"][..],
        &["check", "--format", "json"],
        &["explain", "--format", "human"],
        &["explain", "--format", "json"],
    ] {
        let mut cmd = envgate_in(dir.path());
        cmd.args(args).args([
            "--schema",
            "s.toml",
            "--env-file",
            "a.env",
            "--color",
            "never",
        ]);
        let (_, stdout, stderr) = run(&mut cmd);
        assert!(!stdout.is_empty(), "{args:?}: no output\n{stderr}");
        assert_no_leak_of(
            &[password],
            &format!("{args:?} on {url}"),
            &(stdout + &stderr),
        );
    }
}

proptest! {
    #![proptest_config(binary_config(8))]

    #[test]
    fn url_passwords_without_at_host_or_scheme_do_not_leak_through_the_binary(
        (url, password) in url_without_at_host_or_scheme(),
    ) {
        // Single quotes keep every character as written (`'` is not generated).
        assert_url_password_does_not_leak(&url, &password);
    }
}
