//! The registry of value types (`src/schema/value_type.rs`): the `jwt-key` and `jwt` types
//! load with their attributes, their mistakes are schema errors (exit 2, with positions),
//! and docs/schema.md's type table is generated from the registry.

use crate::*;
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `check --schema` of a schema with no values: (exit code, stdout, stderr).
fn check_schema(schema: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "s.toml", schema);
    run(envgate_in(dir.path()).args(["check", "--schema", "s.toml"]))
}

const JWT_SCHEMA: &str = r#"service = "auth"

[vars.JWT_ALGORITHM]
type = "enum"
values = ["HS256", "HS512"]
default = "HS256"

[vars.SIGNING_MATERIAL]
type = "jwt-key"
algorithm_var = "JWT_ALGORITHM"
encoding = "hex"

[vars.LEGACY_KEY]
type = "jwt-key"
algorithm = "RS256"
encoding = "raw"
required = false

[vars.ANON_KEY]
type = "jwt"
algorithms = ["HS256", "HS512"]
claims = { role = "anon", iss = "supabase", aud = ["a", "b"] }
expires_within = "168h"
signed_by = "SIGNING_MATERIAL"
required = false

[vars.SERVICE_TOKEN]
type = "jwt"
signed_by = "gateway.JWT_SECRET"
required = false
"#;

#[test]
fn jwt_key_and_jwt_schemas_load_with_their_attributes() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "s.toml", JWT_SCHEMA);
    // `openssl rand -hex 32`: a key that the HS256 and HS512 checks judge on its own terms.
    let key = "38be89d29588fc00f35c489e80f5aa113cce7076e73bd5291ef1143e38a9b7f9";
    let (code, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml"])
            .env("SIGNING_MATERIAL", key),
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(codes(&report), vec![], "{report:#}");
    // Sensitive by type: `SIGNING_MATERIAL` is no secret-sounding name, and no output shows
    // any 8 characters of its value.
    for args in [
        &["check"][..],
        &["explain"],
        &["explain", "--format", "json"],
    ] {
        let (code, stdout, stderr) = run(envgate_in(dir.path())
            .args(args)
            .args(["--schema", "s.toml"])
            .env("SIGNING_MATERIAL", key));
        assert_eq!(code, 0, "{args:?}: {stdout}{stderr}");
        crate::secrets::assert_no_leak_of(
            &[key],
            &format!("{args:?}"),
            &format!("{stdout}{stderr}"),
        );
    }
}

#[test]
fn algorithm_var_naming_an_undeclared_variable_is_a_schema_error() {
    let schema = JWT_SCHEMA.replace(
        "algorithm_var = \"JWT_ALGORITHM\"",
        "algorithm_var = \"JWT_ALGORTHM\"",
    );
    let (code, stdout, stderr) = check_schema(&schema);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains(
            "s.toml:10:1: variable SIGNING_MATERIAL: `algorithm_var` names JWT_ALGORTHM, which this schema does not declare; did you mean JWT_ALGORITHM?"
        ),
        "{stderr}"
    );
}

#[test]
fn an_unknown_attribute_on_jwt_lists_jwts_attributes() {
    let (code, _, stderr) =
        check_schema("[vars.ANON_KEY]\ntype = \"jwt\"\nissuer = \"auth\"\nalgorithm = \"HS256\"\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "s.toml:3:1: variable ANON_KEY: unknown attribute `issuer` (allowed: type, description, required, default, example, hint, sensitive, aliases, required_when, allow, algorithms, claims, expires_within, signed_by)"
        ),
        "{stderr}"
    );
    // Another type's attribute: named as such, with the close one `jwt` does take.
    assert!(
        stderr.contains(
            "s.toml:4:1: variable ANON_KEY: `algorithm` is not an attribute of type `jwt`; did you mean `algorithms`? (its attributes: algorithms, claims, expires_within, signed_by)"
        ),
        "{stderr}"
    );
}

#[test]
fn a_misspelt_jwt_key_type_suggests_jwt_key() {
    let (code, _, stderr) = check_schema(
        "[vars.JWT_SECRET_KEY]\ntype = \"jwt-kye\"\nalgorithm = \"HS256\"\nschemes = [\"https\"]\n",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "s.toml:2:1: variable JWT_SECRET_KEY: unknown type `jwt-kye`; did you mean `jwt-key`? (types: string, secret, url, int, port, bool, enum, duration, json, jwt-key, jwt; `jwt-key` also takes algorithm, algorithm_var, encoding)"
        ),
        "{stderr}"
    );
    // The rest is checked against the type meant: `algorithm` fits, `schemes` does not.
    assert!(
        stderr.contains("s.toml:4:1: variable JWT_SECRET_KEY: `schemes` is not an attribute of type `jwt-key` (taking `jwt-kye` to mean `jwt-key`; its attributes: algorithm, algorithm_var, encoding)"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}

#[test]
fn jwt_attribute_values_are_checked_all_at_once() {
    let (code, _, stderr) = check_schema(
        r#"[vars.ALG]
type = "enum"
values = ["HS256"]

[vars.K]
type = "jwt-key"
algorithm = "HS257"
algorithm_var = "ALG"
encoding = "base32"

[vars.K2]
type = "jwt-key"
algorithm = "hs512"

[vars.K3]
type = "jwt-key"
algorithm = "HS256"
algorithm_var = "ALG"

[vars.T]
type = "jwt"
algorithms = ["HS256", "none"]
expires_within = "7d"
signed_by = "SIGNING_KEY"
claims = "anon"

[vars.T2]
type = "jwt"
algorithms = []
signed_by = "T2"
"#,
    );
    assert_eq!(code, 2, "{stderr}");
    for expected in [
        "s.toml:7:1: variable K: `algorithm` names an unknown algorithm `HS257`; did you mean `HS256`? (algorithms: HS256, ",
        "s.toml:18:1: variable K3: give `algorithm` or `algorithm_var`, not both",
        "s.toml:9:1: variable K: unknown encoding `base32` (encodings: raw, base64, base64url, hex)",
        "s.toml:13:1: variable K2: `algorithm` names an unknown algorithm `hs512`; did you mean `HS512`? (algorithms: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)",
        "s.toml:22:24: variable T: `algorithms` names `none`, but an unsigned token is never accepted",
        "s.toml:23:1: variable T: `expires_within` must be a duration such as 30s, 5m, 1h30m or 250ms",
        "s.toml:24:1: variable T: `signed_by` names SIGNING_KEY, which this schema does not declare (or `service.VAR` for another service's key in a stack)",
        "s.toml:25:1: variable T: `claims` must be a table, but is a string",
        "s.toml:29:1: variable T2: `algorithms` needs at least one algorithm",
        "s.toml:30:1: variable T2: `signed_by` names the variable itself\n",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    assert_eq!(stderr.lines().count(), 10, "{stderr}");
}

#[test]
fn a_profile_overlay_of_a_jwt_key_is_validated_when_the_schema_loads() {
    let schema = format!(
        "{JWT_SCHEMA}\n[profiles.production.vars.SIGNING_MATERIAL]\nalgorithm_var = \"NO_SUCH_VAR\"\n"
    );
    let (code, _, stderr) = check_schema(&schema);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "variable SIGNING_MATERIAL: `algorithm_var` names NO_SUCH_VAR, which this schema does not declare"
        ),
        "{stderr}"
    );
}

const TYPES_START: &str = "<!-- types:start";
const TYPES_END: &str = "<!-- types:end -->";

/// docs/schema.md's type table is the registry's; `ENVGATE_UPDATE_DOCS=1` rewrites it.
#[test]
fn docs_type_table_is_generated_from_the_registry() {
    let path = root().join("docs/schema.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc
        .find(TYPES_START)
        .expect("docs/schema.md lost its types:start marker");
    let table_start = start + doc[start..].find('\n').unwrap() + 1;
    let end = doc
        .find(TYPES_END)
        .expect("docs/schema.md lost its types:end marker");
    let generated = envgate::schema::value_type::types_markdown();
    if doc[table_start..end] == generated {
        return;
    }
    if std::env::var_os("ENVGATE_UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &doc[..table_start], &doc[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "docs/schema.md's type table is stale: regenerate it with `ENVGATE_UPDATE_DOCS=1 cargo test --test it docs_type_table`"
    );
}

/// A list of a hundred thousand bad entries lists 20 of them and counts the rest, per
/// attribute, in a bounded time (each listed entry costs a message and a suggestion).
#[test]
fn bad_list_entries_are_listed_up_to_20_per_attribute_and_counted() {
    let n = 100_000;
    let list = |item: &str| vec![format!("\"{item}\""); n].join(", ");
    let schema = format!(
        "[vars.T]\ntype = \"jwt\"\nalgorithms = [{}]\nallow = [{}]\naliases = [{}]\n",
        list("HS257"),
        list("no-such-code"),
        list("A=B")
    );
    let started = std::time::Instant::now();
    let (code, _, stderr) = check_schema(&schema);
    let took = started.elapsed();
    assert_eq!(code, 2, "{stderr}");
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    for (attr, line, listed) in [
        (
            "algorithms",
            3,
            "`algorithms` names an unknown algorithm `HS257`",
        ),
        ("allow", 4, "unknown finding code `no-such-code`"),
        ("aliases", 5, "alias `A=B` is not a valid variable name"),
    ] {
        assert_eq!(
            stderr.lines().filter(|l| l.contains(listed)).count(),
            20,
            "{attr}"
        );
        let summary = format!(
            "s.toml:{line}:1: variable T: {} more entries of `{attr}` have problems (at most 20 are listed per attribute)",
            n - 20
        );
        assert!(stderr.contains(&summary), "{summary}\n{stderr}");
    }
    assert_eq!(stderr.lines().count(), 3 * 21, "{stderr}");
}
