//! Invalid schema and stack files: exit 2 with file, line and column, and what is allowed.

use crate::*;
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn check_schema(schema: &std::path::Path) -> (i32, String) {
    let (code, stdout, stderr) = run(envgate().args(["check", "--schema"]).arg(schema));
    assert!(stdout.is_empty(), "{stdout}");
    (code, stderr)
}

#[test]
fn unknown_type_names_the_types() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(&dir, "s.toml", "[vars.A]\ntype = \"strnig\"\n");
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.toml:2:1: variable A: unknown type `strnig`; did you mean `string`?"),
        "{err}"
    );
    assert!(err.contains("types: string, secret, url"), "{err}");
}

#[test]
fn unknown_attribute_with_suggestion_and_allowed_list() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        &dir,
        "s.toml",
        "[vars.A]\ntype = \"string\"\nmin_lenght = 3\n",
    );
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "s.toml:3:1: variable A: unknown attribute `min_lenght`; did you mean `min_length`?"
        ),
        "{err}"
    );
    assert!(err.contains("allowed: type, description"), "{err}");
    // An attribute of another type.
    let s = write(
        &dir,
        "t.toml",
        "[vars.P]\ntype = \"int\"\nschemes = [\"http\"]\n",
    );
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(err.contains("t.toml:3:1: variable P: `schemes` is not an attribute of type `int` (its attributes: min, max)"), "{err}");
}

#[test]
fn bad_regex_default_failing_its_type_and_unknown_codes() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        &dir,
        "s.toml",
        "[vars.A]\npattern = \"([a-z]+\"\n\n[vars.B]\ntype = \"port\"\ndefault = 70000\n\n[vars.C]\nallow = [\"placeholdr\"]\n\n[severity]\nmissing = \"fatal\"\n",
    );
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    // Every problem at once, each with its position.
    assert!(
        err.contains("s.toml:2:1: variable A: `pattern` is not a valid regular expression"),
        "{err}"
    );
    assert!(err.contains("s.toml:6:1: variable B: default `70000` fails its own type: B is 70000, not a valid port (1 to 65535)"), "{err}");
    assert!(err.contains("s.toml:9:10: variable C: unknown finding code `placeholdr`; did you mean `placeholder`?"), "{err}");
    assert!(
        err.contains(
            "s.toml:12:1: severity of `missing` must be error, warning or info, not `fatal`"
        ),
        "{err}"
    );
}

#[test]
fn sensitive_default_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        &dir,
        "s.toml",
        "[vars.API_SECRET]\ntype = \"secret\"\nmin_length = 32\ndefault = \"hunter2hunter2\"\n",
    );
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(err.contains("the default fails its own type"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn include_cycle_and_missing_include() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a.toml", "include = [\"b.toml\"]\n[vars.A]\n");
    write(&dir, "b.toml", "include = [\"a.toml\"]\n[vars.B]\n");
    let (code, err) = check_schema(&dir.path().join("a.toml"));
    assert_eq!(code, 2);
    assert!(
        err.contains("b.toml:1:12: include cycle: a.toml -> b.toml -> a.toml"),
        "{err}"
    );
    let s = write(&dir, "c.toml", "\ninclude = [\"nope.toml\"]\n");
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(err.contains("c.toml:2:12: cannot include"), "{err}");
}

#[test]
fn include_merges_and_local_wins() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "common.toml",
        "[vars.A]\ntype = \"int\"\nmin = 10\n\n[vars.B]\ntype = \"bool\"\n",
    );
    let s = write(
        &dir,
        "s.toml",
        "include = [\"common.toml\"]\n[vars.A]\nmin = 1\n",
    );
    let (code, report) = json_report(
        envgate()
            .args(["check", "--schema"])
            .arg(&s)
            .env("A", "5")
            .env("B", "yes"),
    );
    assert_eq!(code, 0, "{report:#}");
    // Fragment variables come first, in file order.
    let names: Vec<&str> = report["vars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A", "B"]);
}

#[test]
fn errors_in_an_included_file_point_into_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "common.toml",
        "\n\n[vars.A]\ntype = \"int\"\nmax_len = 3\n",
    );
    let s = write(&dir, "s.toml", "include = [\"common.toml\"]\n");
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains("common.toml:5:1: variable A: unknown attribute `max_len`"),
        "{err}"
    );
}

#[test]
fn syntax_errors_have_positions_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(&dir, "s.toml", "[vars.A]\ntype = \n");
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(err.contains("s.toml:2:"), "{err}");
    let s = write(&dir, "s.yaml", "vars:\n  A:\n    type: [unclosed\n");
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.yaml:") && err.contains("invalid YAML"),
        "{err}"
    );
    let s = write(&dir, "s.json", "{\"vars\": {\"A\": {\"type\": \"int\",}}}");
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.json:1:") && err.contains("invalid JSON"),
        "{err}"
    );
}

#[test]
fn yaml_and_json_schemas_work() {
    let dir = tempfile::tempdir().unwrap();
    let y = write(&dir, "s.yaml", "service: y\nvars:\n  PORT:\n    type: port\n  MODE:\n    type: enum\n    values: [a, b]\n    min: 1\n");
    let (code, err) = check_schema(&y);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.yaml:8:5: variable MODE: `min` is not an attribute of type `enum`"),
        "{err}"
    );
    let j = write(
        &dir,
        "s.json",
        "{\n  \"vars\": {\n    \"PORT\": {\"type\": \"port\"}\n  }\n}\n",
    );
    let (code, report) = json_report(
        envgate()
            .args(["check", "--schema"])
            .arg(&j)
            .env("PORT", "80"),
    );
    assert_eq!(code, 0);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn stack_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "s.toml", "[vars.A]\n");
    let st = write(
        &dir,
        "envgate.toml",
        "[services.a]\nschema = \"s.toml\"\nenv_file = [\"x.env\"]\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "envgate.toml:3:1: `services.a` unknown key `env_file`; did you mean `env_files`?"
        ),
        "{err}"
    );
    std::fs::write(&st, "[services.a]\nschema = \"missing.toml\"\n").unwrap();
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains("missing.toml: cannot open: no such file"),
        "{err}"
    );
    std::fs::write(
        &st,
        "[envgate]\nformat = \"xml\"\n[services.a]\nschema = \"s.toml\"\n",
    )
    .unwrap();
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(err.contains("unknown format `xml`"), "{err}");
}

#[test]
fn a_fifo_as_schema_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("p.toml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let start = std::time::Instant::now();
    let (code, err) = check_schema(&fifo);
    assert_eq!(code, 2);
    assert!(err.contains("is not a regular file"), "{err}");
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn repeated_includes_load_once() {
    // 30 levels of `include = [next, next]` would be 2^30 loads without de-duplication.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        let next = format!("f{}.toml", i + 1);
        write(
            &dir,
            &format!("f{i}.toml"),
            &format!("include = [\"{next}\", \"{next}\"]\n[vars.V{i}]\n"),
        );
    }
    write(&dir, "f30.toml", "[vars.LAST]\nrequired = false\n");
    let start = std::time::Instant::now();
    let (code, _, _) = run(envgate()
        .args(["check", "--no-process-env", "--schema"])
        .arg(dir.path().join("f0.toml")));
    assert_eq!(code, 1, "V0..V29 are missing");
    assert!(start.elapsed().as_secs() < 10, "took {:?}", start.elapsed());
}

#[test]
fn deeply_nested_yaml_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(&dir, "s.yaml", &format!("{}x\n", "- ".repeat(100_000)));
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains("nests (or is indented) deeper than 256 levels"),
        "{err}"
    );
}

#[test]
fn every_schema_problem_at_once_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "good.toml", "[vars.A]\nrequired = false\n");
    write(
        &dir,
        "bad.toml",
        "[vars.X]\ntype = \"intt\"\n[vars.Y]\nmin_lenght = 3\n[vars.Z]\ntype = \"int\"\nmin = 5\nmax = 1\n\
         [vars.P]\npattern = \"abc)|(def\"\n[vars.B]\nmin_bytes = 4\n",
    );
    write(
        &dir,
        "envgate.toml",
        "[services.a]\nschema = \"good.toml\"\n\n[services.b]\nschema = \"bad.toml\"\n\n[services.c]\nschema = \"missing.toml\"\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    let lines: Vec<&str> = err.lines().collect();
    let expected = [
        "bad.toml:2:1: variable X: unknown type `intt`; did you mean `int`?",
        "bad.toml:4:1: variable Y: unknown attribute `min_lenght`; did you mean `min_length`?",
        "bad.toml:7:1: variable Z: `min` (5) is greater than `max` (1): no value can pass",
        "bad.toml:10:1: variable P: `pattern` is not a valid regular expression: unopened group",
        "bad.toml:12:1: variable B: `min_bytes` counts decoded bytes and needs `encoding`",
        "envgate.toml:8:1: service c: schema missing.toml: cannot open: no such file",
    ];
    assert_eq!(lines.len(), expected.len(), "{err}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.contains(want),
            "`{line}` should contain `{want}`\n{err}"
        );
    }
}

#[test]
fn settings_errors_say_where_and_bools_are_lenient() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "s.toml", "[vars.A]\nrequired = false\n");
    write(
        &dir,
        "envgate.toml",
        "[envgate]\ncolour = \"never\"\n\n[services.a]\nschema = \"s.toml\"\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:2:1: [envgate] unknown setting `colour`; did you mean `color`?"),
        "{err}"
    );
    write(
        &dir,
        "envgate.toml",
        "[envgate]\n\nformat = \"yaml\"\n\n[services.a]\nschema = \"s.toml\"\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:3:1: [envgate] unknown format `yaml` (formats: human, json)"),
        "{err}"
    );
    let (code, _, err) = run(envgate_in(dir.path())
        .arg("check")
        .env("ENVGATE_FORMAT", "xml"));
    assert_eq!(code, 2);
    assert!(
        err.contains("ENVGATE_FORMAT: unknown format `xml`"),
        "{err}"
    );
    write(&dir, "envgate.toml", "[services.a]\nschema = \"s.toml\"\n");
    for on in ["1", "yes", "TRUE"] {
        let (code, stdout, err) = run(envgate_in(dir.path())
            .args(["check", "--color", "never"])
            .env("ENVGATE_STRICT", on));
        assert_eq!(code, 0, "{on}: {err}");
        assert!(stdout.contains("· strict"), "{stdout}");
    }
    let (code, _, err) = run(envgate_in(dir.path())
        .arg("check")
        .env("ENVGATE_STRICT", "maybe"));
    assert_eq!(code, 2);
    assert!(
        err.contains("ENVGATE_STRICT must be true or false (got `maybe`)"),
        "{err}"
    );
}

#[test]
fn a_stack_without_services_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "envgate.toml", "[envgate]\nformat = \"json\"\n");
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(err.contains("defines no services"), "{err}");
}

/// Regression: per-variable extraction through figment's `extract_inner` re-merged the whole
/// document for every variable (quadratic); 3,000 variables took seconds.
#[test]
fn a_3000_variable_schema_loads_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut schema = String::new();
    let mut env = String::new();
    for i in 0..3000 {
        schema.push_str(&format!("[vars.VAR_{i}]\ntype = \"int\"\nmin = 0\n\n"));
        env.push_str(&format!("VAR_{i}={i}\n"));
    }
    write(&dir, "s.toml", &schema);
    write(&dir, "a.env", &env);
    let start = std::time::Instant::now();
    let (code, stdout, stderr) = run(envgate_in(dir.path()).args([
        "check",
        "--no-process-env",
        "--schema",
        "s.toml",
        "--env-file",
        "a.env",
        "--color",
        "never",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("3000 variables"), "{stdout}");
    assert!(start.elapsed().as_secs() < 8, "took {:?}", start.elapsed());
}

#[test]
fn a_mistake_in_a_profile_is_reported_once_with_or_without_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        &dir,
        "s.toml",
        "[vars.A]\nrequired = false\n\n[profiles.prod.vars.A]\nmin_lenght = 3\n",
    );
    for extra in [&[][..], &["--profile", "prod"]] {
        let (code, _, err) = run(envgate().args(["check", "--schema"]).arg(&s).args(extra));
        assert_eq!(code, 2, "{extra:?}");
        assert_eq!(err.lines().count(), 1, "{extra:?}: {err}");
        assert!(
            err.contains("s.toml:5:1:") && err.contains("`min_lenght`"),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn profiles_are_checked_even_when_not_selected() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        &dir,
        "s.toml",
        "[vars.AUTH_SERVICE_URL]\ntype = \"url\"\n\n[vars.PORT]\ntype = \"port\"\n\n\
         [profiles.prod.vars.AUTH_SERVCE_URL]\nschemes = [\"https\"]\n\n[profiles.prod.severity]\nmising = \"info\"\n",
    );
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(err.contains("s.toml:7:21: profile prod overlays AUTH_SERVCE_URL, which the schema does not declare; did you mean AUTH_SERVICE_URL?"), "{err}");
    assert!(
        err.contains("unknown finding code `mising`; did you mean `missing`?"),
        "{err}"
    );
}

#[test]
fn invalid_variable_names_and_impossible_ports() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        &dir,
        "s.toml",
        "[vars.\"A B\"]\n\n[vars.1ABC]\n\n[vars.P]\ntype = \"port\"\nmin = 70000\n\n[vars.\"A=B\"]\n\n[vars.\"\"]\n",
    );
    let (code, err) = check_schema(&s);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.toml:1:7: `A B` is not a valid variable name: it contains whitespace"),
        "{err}"
    );
    assert!(
        err.contains("s.toml:9:7: `A=B` is not a valid variable name: it contains `=`"),
        "{err}"
    );
    assert!(
        err.contains("s.toml:11:7: `` is not a valid variable name: it is empty"),
        "{err}"
    );
    // A name Compose accepts is a name (a warning at check time, not a schema error).
    assert!(!err.contains("1ABC"), "{err}");
    assert!(
        err.contains("`min` of a port must be within 1 to 65535"),
        "{err}"
    );
}

#[test]
fn a_schema_given_as_config_and_a_stack_as_schema_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(&dir, "s.toml", "[vars.A]\n");
    let stack = write(&dir, "envgate.toml", "[services.a]\nschema = \"s.toml\"\n");
    let (code, _, err) = run(envgate().args(["check", "--config"]).arg(&schema));
    assert_eq!(code, 2);
    assert!(
        err.contains("this looks like a schema") && err.contains("--schema"),
        "{err}"
    );
    let (code, err) = check_schema(&stack);
    assert_eq!(code, 2);
    assert!(
        err.contains("this looks like a stack file") && err.contains("--config"),
        "{err}"
    );
}

#[test]
fn a_profile_for_an_unknown_service_points_at_itself() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "s.toml", "[vars.A]\nrequired = false\n");
    write(
        &dir,
        "envgate.toml",
        "[services.a]\nschema = \"s.toml\"\n\n[profiles.prod.services.zzz]\nenv_files = []\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:4:")
            && err.contains("profile prod configures service zzz, which the stack does not define"),
        "{err}"
    );
}

#[test]
fn stack_profile_errors_all_at_once_and_many_profiles_stay_fast() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "s.toml", "[vars.A]\nrequired = false\n");
    write(
        &dir,
        "envgate.toml",
        "[services.a]\nschema = \"s.toml\"\n\n[profiles.p1.services.x]\nenv_files = []\n\n[profiles.p2.services.y]\nenv_files = []\n",
    );
    let (code, _, err) = run(envgate_in(dir.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(
        err.contains("profile p1 configures service x")
            && err.contains("profile p2 configures service y"),
        "{err}"
    );
    // 1,000 variables and 1,000 one-variable profiles: each profile validates only its overlay.
    let mut schema = String::new();
    for i in 0..1000 {
        schema.push_str(&format!("[vars.V{i}]\ntype = \"int\"\nrequired = false\n\n[profiles.p{i}.vars.V{i}]\nmin = 1\n\n"));
    }
    let s = write(&dir, "big.toml", &schema);
    let start = std::time::Instant::now();
    let (code, _, err) = run(envgate()
        .args(["check", "--no-process-env", "--schema"])
        .arg(&s));
    assert_eq!(code, 0, "{err}");
    assert!(start.elapsed().as_secs() < 8, "took {:?}", start.elapsed());
}
