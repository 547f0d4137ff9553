//! `envgate token`: which services of the stack's `[[jwt]]` groups would accept a bearer token
//! pasted from a failing request, and for each that would not, why — the 403 investigation in
//! one command. [`verify`] builds a [`TokenReport`]; [`render`] and [`render_json`] write it.
//!
//! Each member of each `[[jwt]]` group (the issuer too: it verifies its own tokens) is asked
//! [`jwt::acceptance`] with its key, algorithm and expected `iss`/`aud`, resolved exactly as
//! `check` resolves them. A signature that does not verify is followed by the services whose
//! key does verify it ([`jwt::keys_that_verify`]): "signed with auth's key", or with none of
//! the stack's. The token itself, its signature and the keys are never shown: only its header
//! and claim facts (`alg`, `kid`, `iss`, `aud` and dates), quoted and capped.
//!
//! JSON (`version` 1):
//! ```text
//! {"version": 1, "ok": bool,
//!  "token": {"alg", "kid", "iss", "aud": [..],
//!            "exp"|"iat"|"nbf": {"unix", "date", "relative"} | null},
//!  "notes": [{"code", "message"}],
//!  "services": [{"service", "group", "role": "issuer"|"consumer", "accepts",
//!                "reasons": [{"code", "message"}], "signed_by": [service, ..]}]}
//! ```
//! `signed_by` is filled for a service that rejects the signature or the algorithm: the
//! services of the stack whose key verifies the token (empty: none does; at most
//! [`MAX_SIGNED_BY`]).

use super::human::Palette;
use super::printable;
use crate::error::ConfigError;
use crate::jwt::{self, Key, Rejection, Side, Token, TokenRules};
use crate::rules::stack::{JwtRule, ResolvedService, ResolvedValue, RuleVar};
use crate::rules::Code;
use crate::source::ProcessEnv;
use crate::Plan;
use owo_colors::Style;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

/// Input longer than this is not a token: what `envgate token` reads from standard input at
/// most (a token's limit plus room for a `Bearer ` prefix, blanks and line breaks).
pub const MAX_INPUT_BYTES: usize = jwt::MAX_TOKEN_BYTES + 1024;

/// How many services `signed_by` names (a stack may have thousands sharing one key).
pub const MAX_SIGNED_BY: usize = 20;

/// How many characters of an `iss`, `aud` or `kid` are quoted.
const SHOWN_CHARS: usize = 80;

/// Why one service would not accept the token (or a note about the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: Code,
    pub message: String,
}

/// Whether a member of a group verifies tokens as the group's issuer or as a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Issuer,
    Consumer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Issuer => "issuer",
            Role::Consumer => "consumer",
        }
    }
}

/// One member of one `[[jwt]]` group, and its verdict.
#[derive(Debug, Clone)]
pub struct ServiceVerdict {
    pub service: String,
    /// The group's `name`, else "ISSUER → CONSUMERS".
    pub group: String,
    pub role: Role,
    pub accepts: bool,
    pub reasons: Vec<Reason>,
    /// For a rejected signature or algorithm: the services whose key verifies the token.
    pub signed_by: Vec<String>,
}

/// What the token says about itself (unverified), without its signature.
#[derive(Debug, Clone)]
pub struct TokenFacts {
    pub alg: String,
    pub kid: Option<String>,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
}

/// The answer of `envgate token`.
#[derive(Debug, Clone)]
pub struct TokenReport {
    /// Every service of the groups accepts the token.
    pub ok: bool,
    pub token: TokenFacts,
    /// About the token itself, whoever verifies it (signed with a published example secret).
    pub notes: Vec<Reason>,
    pub services: Vec<ServiceVerdict>,
    /// The time the token was judged at (Unix seconds), for relative dates.
    pub now: i64,
}

/// The token in what a user pastes or pipes: blanks and line breaks around it, an
/// `Authorization:` header name and the `Bearer ` scheme (any case) taken off.
pub fn bearer_token(input: &str) -> &str {
    let mut text = input.trim();
    if let Some(rest) = strip_prefix_ignore_case(text, "authorization:") {
        text = rest.trim_start();
    }
    if let Some(rest) = strip_prefix_ignore_case(text, "bearer") {
        if rest.starts_with(char::is_whitespace) {
            text = rest.trim_start();
        }
    }
    text
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// One member's verifying configuration, resolved from its service's values.
struct Member<'a> {
    service: &'a str,
    group: String,
    role: Role,
    /// The parsed key (with the member's algorithm), or why there is none.
    key: Result<Key, Reason>,
    iss: Option<Expected>,
    aud: Option<Expected>,
}

/// An expected `iss` or `aud` value, and whether it may be shown.
struct Expected {
    var: String,
    value: String,
    /// Shown as its fingerprint only (a variable declared sensitive, or a credential shape).
    hidden: bool,
}

/// Decodes `input` (see [`bearer_token`]) and asks every service of the plan's `[[jwt]]`
/// groups whether it would accept it at `now` (Unix seconds, taken once by the caller).
/// `Err` (exit 2): the input is not a JWT (`jwt-malformed`, naming the part), or the stack has
/// no `[[jwt]]` group among the selected services.
pub fn verify(
    plan: &Plan,
    env: &ProcessEnv,
    cwd: &Path,
    input: &str,
    now: i64,
) -> Result<TokenReport, ConfigError> {
    let text = bearer_token(input);
    // `check_token` decodes and checks what holds whoever verifies: only its published-secret
    // note is kept (expiry and algorithm are each service's reasons).
    let checked = jwt::check_token(
        text,
        &TokenRules {
            now,
            ..TokenRules::default()
        },
    );
    let Some(token) = checked.token else {
        let problem = checked.problems.first();
        let mut message = format!(
            "jwt-malformed: the input {}",
            problem.map_or("is not a JWT", |p| p.message.as_str())
        );
        let hint = problem.and_then(|p| p.hint.as_deref()).or_else(|| {
            text.is_empty()
                .then_some("give the token as an argument, or on standard input with `-`")
        });
        if let Some(hint) = hint {
            message.push_str(&format!("; {hint}"));
        }
        return Err(ConfigError::usage(message));
    };
    let notes = checked
        .problems
        .iter()
        .filter(|p| p.code == Code::Placeholder)
        .map(|p| Reason {
            code: p.code,
            message: format!("the token {}", p.message),
        })
        .collect();

    // By name: a stack may have thousands of members; every lookup below is one hash.
    let selected: HashMap<&str, &crate::PlannedService> =
        plan.services.iter().map(|s| (s.name.as_str(), s)).collect();
    let groups: Vec<&JwtRule> = plan
        .rules
        .jwt
        .iter()
        .filter(|rule| {
            rule.members
                .iter()
                .any(|m| selected.contains_key(m.service.as_str()))
        })
        .collect();
    if groups.is_empty() {
        let what = match &plan.stack {
            None => String::from("a single schema has no [[jwt]] group: point --config at a stack file that has one"),
            Some(path) if plan.rules.jwt.is_empty() => format!(
                "the stack {} has no [[jwt]] group: envgate token verifies a token with the keys of the services a [[jwt]] group names (see docs/stack.md)",
                path.display()
            ),
            Some(path) => format!(
                "no selected service of {} is in a [[jwt]] group",
                path.display()
            ),
        };
        return Err(ConfigError::usage(what));
    }

    // Only the groups' services are resolved: the others' values are not needed.
    let members_of_groups: HashSet<&str> = groups
        .iter()
        .flat_map(|g| g.members.iter().map(|m| m.service.as_str()))
        .collect();
    let mut scoped = plan.clone();
    scoped
        .services
        .retain(|s| members_of_groups.contains(s.name.as_str()));
    let resolved: HashMap<String, ResolvedService> =
        crate::resolve_services(&scoped, env, cwd, now)
            .map(|resolved| resolved.map(|(_, _, service)| (service.name.clone(), service)))
            .collect::<Result<_, _>>()?;

    let mut members = Vec::new();
    for rule in &groups {
        let group = group_label(rule);
        for vars in &rule.members {
            let Some(svc) = resolved.get(&vars.service) else {
                continue; // not selected
            };
            let role = if vars.service == rule.issuer {
                Role::Issuer
            } else {
                Role::Consumer
            };
            let expected = |v: &Option<RuleVar>| {
                let var = v.as_ref()?;
                let value = svc.values.get(&var.var)?.value.as_ref()?.expose();
                Some(Expected {
                    var: var.var.clone(),
                    value: value.to_string(),
                    hidden: plan.sensitivity.value_is_sensitive(&var.var, value),
                })
            };
            members.push(Member {
                service: &svc.name,
                group: group.clone(),
                role,
                key: member_key(rule, vars, svc),
                iss: expected(&vars.iss),
                aud: expected(&vars.aud),
            });
        }
    }

    // Which services' keys verify the token: one answer per key, asked once.
    let keys: Vec<(&str, &Key)> = members
        .iter()
        .filter_map(|m| m.key.as_ref().ok().map(|k| (m.service, k)))
        .collect();
    let mut seen = HashSet::new();
    let verifying: Vec<String> = jwt::keys_that_verify(&token, &keys)
        .into_iter()
        .filter(|name| seen.insert(*name))
        .take(MAX_SIGNED_BY + 1)
        .map(str::to_string)
        .collect();

    let services: Vec<ServiceVerdict> = members
        .iter()
        .map(|m| verdict(m, &token, &verifying, now))
        .collect();
    Ok(TokenReport {
        ok: services.iter().all(|s| s.accepts),
        token: TokenFacts {
            alg: token.alg().to_string(),
            kid: token.kid().map(str::to_string),
            iss: token.iss().map(str::to_string),
            aud: token.aud().into_iter().map(str::to_string).collect(),
            exp: token.exp(),
            iat: token.iat(),
            nbf: token.nbf(),
        },
        notes,
        services,
        now,
    })
}

fn group_label(rule: &JwtRule) -> String {
    rule.name.clone().unwrap_or_else(|| {
        let mut consumers: Vec<&str> = rule.consumers.iter().map(String::as_str).take(5).collect();
        if rule.consumers.len() > 5 {
            consumers.push("…");
        }
        format!("{} → {}", rule.issuer, consumers.join(", "))
    })
}

fn incomplete(message: String) -> Reason {
    Reason {
        code: Code::RuleIncomplete,
        message,
    }
}

/// The member's key, parsed with its algorithm (its `algorithm` variable's value, else the
/// group's `alg`, else the key variable's schema `algorithm`) and its schema's encoding.
fn member_key(
    rule: &JwtRule,
    vars: &crate::rules::stack::JwtVars,
    svc: &ResolvedService,
) -> Result<Key, Reason> {
    let service = &svc.name;
    let key_var = &vars.key.var;
    let value = |v: &RuleVar| -> Option<&ResolvedValue> { svc.values.get(&v.var) };
    // The same choice the `[[jwt]]` probe makes, with the key's schema encoding bound to
    // the rule when the plan was made.
    let algorithm = vars
        .algorithm_of(rule, vars.algorithm.as_ref().and_then(value))
        .map_err(|why| {
            incomplete(format!(
                "{why}, so envgate cannot tell which algorithm {service} verifies"
            ))
        })?;
    let encoding = vars.key_encoding;
    let resolved = value(&vars.key);
    let Some(key_value) = resolved.and_then(|v| v.value.as_ref()) else {
        let why = if resolved.is_some_and(|v| v.unreadable) {
            "is set but cannot be read"
        } else {
            "is not set"
        };
        return Err(incomplete(format!(
            "{key_var} {why} in {service}, so envgate cannot tell whether {service} accepts the token"
        )));
    };
    let parsed = Key::parse(key_value.expose(), algorithm, encoding);
    parsed.key.ok_or_else(|| {
        let problem = parsed.problems.first();
        Reason {
            code: problem.map_or(Code::JwtKeyInvalid, |p| p.code),
            message: format!(
                "{service}'s {key_var} {}",
                problem.map_or("is not a usable key", |p| p.message.as_str())
            ),
        }
    })
}

fn verdict(member: &Member<'_>, token: &Token, verifying: &[String], now: i64) -> ServiceVerdict {
    let mut out = ServiceVerdict {
        service: member.service.to_string(),
        group: member.group.clone(),
        role: member.role,
        accepts: false,
        reasons: Vec::new(),
        signed_by: Vec::new(),
    };
    let key = match &member.key {
        Ok(key) => key,
        Err(reason) => {
            out.reasons.push(reason.clone());
            return out;
        }
    };
    let side = Side {
        label: member.service,
        key,
        iss: member.iss.as_ref().map(|e| e.value.as_str()),
        aud: member.aud.as_ref().map(|e| e.value.as_str()),
    };
    let rejections = jwt::acceptance(token, &side, now);
    let others: Vec<String> = verifying
        .iter()
        .filter(|v| *v != member.service)
        .take(MAX_SIGNED_BY)
        .cloned()
        .collect();
    for rejection in &rejections {
        let mut message = match (rejection, &member.iss, &member.aud) {
            (Rejection::Issuer { found, .. }, Some(expected), _) if expected.hidden => format!(
                "{} expects the iss in {} (sensitive: {}) but the token has {}",
                member.service,
                expected.var,
                crate::secret::fingerprint(&expected.value),
                found
                    .as_deref()
                    .map_or_else(|| String::from("no iss"), |f| format!("iss {}", quote(f)))
            ),
            (Rejection::Audience { found, .. }, _, Some(expected)) if expected.hidden => format!(
                "{} expects the aud in {} (sensitive: {}) but the token has {}",
                member.service,
                expected.var,
                crate::secret::fingerprint(&expected.value),
                if found.is_empty() {
                    String::from("no aud")
                } else {
                    format!(
                        "aud {}",
                        found
                            .iter()
                            .take(8)
                            .map(|a| quote(a))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
            _ => rejection.describe(member.service, now),
        };
        let about_signature = matches!(
            rejection,
            Rejection::Signature
                | Rejection::Algorithm {
                    keys_comparable: false,
                    ..
                }
        );
        if about_signature {
            message.push_str(&match others.as_slice() {
                [] => String::from(
                    "; no key of the stack's [[jwt]] groups verifies it (a rotated or foreign key)",
                ),
                [one] => format!("; {one}'s key verifies it"),
                names => format!("; {} keys verify it", possessive(names)),
            });
            out.signed_by.clone_from(&others);
        }
        out.reasons.push(Reason {
            code: rejection.code(),
            message,
        });
    }
    out.accepts = out.reasons.is_empty();
    out
}

/// "auth's", "auth's and api's"; past ten names, "(and more)" (the list itself is capped).
fn possessive(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(10).map(|n| format!("{n}'s")).collect();
    let mut text = match shown.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    if names.len() > 10 {
        text.push_str(" (and more)");
    }
    text
}

/// A claim or header value from the token (untrusted, not secret): quoted, capped, escaped.
fn quote(text: &str) -> String {
    jwt::quoted(text, SHOWN_CHARS)
}

/// `2026-12-03T04:18:10Z (in 3 days)`.
fn when(seconds: i64, now: i64) -> String {
    format!(
        "{} ({})",
        jwt::date(seconds),
        jwt::describe_time(seconds, now)
    )
}

/// The human report: the token's facts, then one line per service (✔ accepts, ✘ rejects)
/// with each reason under it, grouped by `[[jwt]]` group, and a verdict.
pub fn render(report: &TokenReport, out: &mut dyn Write, p: Palette) -> io::Result<()> {
    let t = &report.token;
    let mut facts = vec![format!("alg {}", quote(&t.alg))];
    if let Some(kid) = &t.kid {
        facts.push(format!("kid {}", quote(kid)));
    }
    facts.push(
        t.iss
            .as_deref()
            .map_or_else(|| String::from("no iss"), |i| format!("iss {}", quote(i))),
    );
    facts.push(match t.aud.as_slice() {
        [] => String::from("no aud"),
        auds => format!(
            "aud {}",
            auds.iter()
                .take(8)
                .map(|a| quote(a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    writeln!(
        out,
        "{}",
        p.paint(
            &printable(&format!("envgate token · {}", facts.join(", "))),
            p.dim()
        )
    )?;
    for (label, value) in [("issued", t.iat), ("not before", t.nbf), ("expires", t.exp)] {
        if let Some(seconds) = value {
            writeln!(out, "  {label:<10}  {}", when(seconds, report.now))?;
        }
    }
    if t.exp.is_none() {
        writeln!(out, "  {:<10}  never (no exp)", "expires")?;
    }
    for note in &report.notes {
        writeln!(
            out,
            "  {} {}",
            p.paint(note.code.as_str(), p.severity(note.code.info().severity)),
            printable(&note.message)
        )?;
    }

    let width = report
        .services
        .iter()
        .map(|s| s.service.chars().count())
        .max()
        .unwrap_or(0);
    let code_width = report
        .services
        .iter()
        .flat_map(|s| &s.reasons)
        .map(|r| r.code.as_str().len())
        .max()
        .unwrap_or(0);
    let mut group: Option<&str> = None;
    for s in &report.services {
        if group != Some(s.group.as_str()) {
            group = Some(&s.group);
            writeln!(out)?;
            writeln!(
                out,
                "{}",
                p.paint(&printable(&format!("[[jwt]] {}", s.group)), p.bold())
            )?;
        }
        let (mark, style, verdict) = if s.accepts {
            ("✔", Style::new().green(), "accepts")
        } else {
            ("✘", Style::new().red().bold(), "rejects")
        };
        let role = match s.role {
            Role::Issuer => " (issuer)",
            Role::Consumer => "",
        };
        writeln!(
            out,
            "  {} {:<width$}  {}{}",
            p.paint(mark, style),
            printable(&s.service),
            p.paint(verdict, style),
            p.paint(role, p.dim())
        )?;
        for r in &s.reasons {
            writeln!(
                out,
                "      {}  {}",
                p.paint(
                    &format!("{:<code_width$}", r.code.as_str()),
                    p.severity(r.code.info().severity)
                ),
                printable(&r.message)
            )?;
        }
    }
    writeln!(out)?;
    let rejecting = report.services.iter().filter(|s| !s.accepts).count();
    let total = report.services.len();
    let verdict = if rejecting == 0 {
        p.paint(
            &format!("✔ every service of the stack's [[jwt]] groups accepts this token ({total})"),
            Style::new().green(),
        )
    } else {
        p.paint(
            &format!("✘ {rejecting} of {total} services would reject this token"),
            Style::new().red().bold(),
        )
    };
    writeln!(out, "{verdict}")
}

#[derive(Serialize)]
struct JsonTokenReport<'a> {
    version: u32,
    ok: bool,
    token: JsonToken<'a>,
    notes: Vec<JsonReason<'a>>,
    services: Vec<JsonService<'a>>,
}

#[derive(Serialize)]
struct JsonToken<'a> {
    alg: &'a str,
    kid: Option<&'a str>,
    iss: Option<&'a str>,
    aud: &'a [String],
    exp: Option<JsonDate>,
    iat: Option<JsonDate>,
    nbf: Option<JsonDate>,
}

#[derive(Serialize)]
struct JsonDate {
    unix: i64,
    /// ISO 8601 (UTC), or the bare number past year 9999.
    date: String,
    /// "in 3 days", "12 days ago".
    relative: String,
}

#[derive(Serialize)]
struct JsonReason<'a> {
    code: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonService<'a> {
    service: &'a str,
    group: &'a str,
    role: &'static str,
    accepts: bool,
    reasons: Vec<JsonReason<'a>>,
    signed_by: &'a [String],
}

fn json_reasons(reasons: &[Reason]) -> Vec<JsonReason<'_>> {
    reasons
        .iter()
        .map(|r| JsonReason {
            code: r.code.as_str(),
            message: &r.message,
        })
        .collect()
}

/// The JSON report (fields in the module docs), one document and a newline.
pub fn render_json(report: &TokenReport, out: &mut dyn Write) -> io::Result<()> {
    let t = &report.token;
    let date = |seconds: Option<i64>| {
        seconds.map(|unix| JsonDate {
            unix,
            date: jwt::date(unix),
            relative: jwt::describe_time(unix, report.now),
        })
    };
    let wire = JsonTokenReport {
        version: super::REPORT_VERSION,
        ok: report.ok,
        token: JsonToken {
            alg: &t.alg,
            kid: t.kid.as_deref(),
            iss: t.iss.as_deref(),
            aud: &t.aud,
            exp: date(t.exp),
            iat: date(t.iat),
            nbf: date(t.nbf),
        },
        notes: json_reasons(&report.notes),
        services: report
            .services
            .iter()
            .map(|s| JsonService {
                service: &s.service,
                group: &s.group,
                role: s.role.as_str(),
                accepts: s.accepts,
                reasons: json_reasons(&s.reasons),
                signed_by: &s.signed_by,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &wire).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_header_names_are_taken_off() {
        assert_eq!(bearer_token("  a.b.c\n"), "a.b.c");
        assert_eq!(bearer_token("Bearer a.b.c"), "a.b.c");
        assert_eq!(bearer_token("bearer\ta.b.c"), "a.b.c");
        assert_eq!(bearer_token("Authorization: Bearer a.b.c\r\n"), "a.b.c");
        assert_eq!(bearer_token("Bearera.b.c"), "Bearera.b.c");
        assert_eq!(bearer_token("é"), "é");
    }

    #[test]
    fn possessives_read_as_prose() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert_eq!(possessive(&names(&["auth"])), "auth's");
        assert_eq!(possessive(&names(&["a", "b", "c"])), "a's, b's and c's");
    }
}
