//! Cross-service rules of a stack file (`[[shared]]`, `[[link]]`, `[[jwt]]`), through the
//! binary: each finding kind, a consistent stack, `--service` narrowing, exit 2 with the
//! stack file's line and column, the JSON `checks`, and no secret in any of it.

use crate::secrets::assert_no_leak_of;
use crate::*;
use std::path::Path;

const SECRET: &str = "b3c7741a647cd38fc6e4588cb0060d80";
const ROTATED: &str = "5f0e9a3d21c84b7e96a0d3c2f1b4e8a7";
const URL_PASSWORD: &str = "Zq8rWm3vXk7pLt2n";

/// One schema for every service: a shared secret, an auth URL, a second secret name.
const SCHEMA: &str = r#"
[vars.SERVICE_SECRET]
type = "secret"
min_length = 16
required = false

[vars.SVC_SECRET]
type = "secret"
required = false

[vars.AUTH_URL]
type = "url"
required = false

[vars.AUTH_TEXT]
type = "string"
required = false
"#;

/// A stack of auth, backend and websocket (auth at port 8081, hosts auth and
/// auth.internal), `rules` appended, each service's env file as given.
fn stack(rules: &str, envs: [&str; 3]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    let mut toml = String::from(
        "[services.auth]\nschema = \"svc.toml\"\nenv_files = [\"auth.env\"]\nhosts = [\"auth\", \"auth.internal\"]\nport = 8081\n\n\
         [services.backend]\nschema = \"svc.toml\"\nenv_files = [\"backend.env\"]\n\n\
         [services.websocket]\nschema = \"svc.toml\"\nenv_files = [\"websocket.env\"]\n\n",
    );
    toml.push_str(rules);
    std::fs::write(dir.path().join("envgate.toml"), toml).unwrap();
    for (name, env) in ["auth", "backend", "websocket"].iter().zip(envs) {
        std::fs::write(dir.path().join(format!("{name}.env")), env).unwrap();
    }
    dir
}

fn check_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    json_report(envgate_in(dir).arg("check").args(extra))
}

fn check_human(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    run(envgate_in(dir)
        .args(["check", "--color", "never"])
        .args(extra))
}

const SHARED_ALL: &str = "[[shared]]\nname = \"s2s\"\nvars = [\"auth.SERVICE_SECRET\", \"backend.SERVICE_SECRET\", \"websocket.SERVICE_SECRET\"]\n";

fn secret_env(value: &str) -> String {
    format!("SERVICE_SECRET={value}\n")
}

fn findings_of<'a>(report: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn shared_mismatch_names_the_odd_one_out_and_both_origins() {
    let dir = stack(
        SHARED_ALL,
        [
            &secret_env(SECRET),
            &secret_env(ROTATED),
            &secret_env(SECRET),
        ],
    );
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let found = findings_of(&report, "shared-mismatch");
    assert_eq!(found.len(), 1, "{report:#}");
    let f = found[0];
    assert_eq!(f["service"], "backend");
    assert_eq!(f["var"], "SERVICE_SECRET");
    assert_eq!(f["severity"], "error");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("backend is the odd one out"), "{message}");
    assert!(
        message.contains("auth and websocket agree on sha256:"),
        "{message}"
    );
    assert!(message.contains("; backend has sha256:"), "{message}");
    assert_eq!(f["source"]["kind"], "dotenv");
    assert!(f["source"]["path"]
        .as_str()
        .unwrap()
        .ends_with("backend.env"));
    assert_eq!(f["source"]["line"], 1);
    assert!(f["hint"]
        .as_str()
        .unwrap()
        .starts_with("change backend's SERVICE_SECRET to the value auth and websocket share"));
    let related = f["related"].as_array().unwrap();
    let services: Vec<&str> = related
        .iter()
        .map(|r| r["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["auth", "websocket"]);
    for r in related {
        assert_eq!(r["var"], "SERVICE_SECRET");
        assert_eq!(r["source"]["line"], 1);
        assert!(r["label"]
            .as_str()
            .unwrap()
            .starts_with("agrees on sha256:"));
    }
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["rule"], "shared");
    assert_eq!(checks[0]["name"], "s2s");
    assert_eq!(checks[0]["ok"], false);
    assert_eq!(
        checks[0]["services"],
        serde_json::json!(["auth", "backend", "websocket"])
    );
    // The backend variable's status follows the finding.
    let var = report["vars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["service"] == "backend" && v["name"] == "SERVICE_SECRET")
        .unwrap();
    assert_eq!(var["status"], "error");
}

#[test]
fn shared_mismatch_without_a_majority_belongs_to_the_stack() {
    let rule = "[[shared]]\nvars = [\"auth.SERVICE_SECRET\", \"backend.SERVICE_SECRET\"]\n";
    let dir = stack(rule, [&secret_env(SECRET), &secret_env(ROTATED), ""]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let f = findings_of(&report, "shared-mismatch")[0];
    assert!(f["service"].is_null(), "{f}");
    assert_eq!(f["source"]["kind"], "stack");
    assert!(f["source"]["path"]
        .as_str()
        .unwrap()
        .ends_with("envgate.toml"));
    // `[[shared]]` is on line 15 of the stack file.
    assert_eq!(f["source"]["line"], 15, "{f}");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("no value is held by most"), "{message}");
    assert!(message.contains("auth has sha256:") && message.contains("backend has sha256:"));
    let hint = f["hint"].as_str().unwrap();
    assert!(
        hint.contains("auth's (at ") && hint.contains("backend's (at "),
        "{hint}"
    );
    assert_eq!(f["related"].as_array().unwrap().len(), 2);

    // The human report prints it in a stack section, and counts what it prints.
    let (code, stdout, _) = check_human(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("\nstack  ("), "{stdout}");
    assert!(stdout.contains("  stack: 1 error\n"), "{stdout}");
    assert!(
        stdout.contains(
            "✖ not ready: 1 error, 0 warnings in 0 of 3 services, 12 variables and the stack"
        ),
        "{stdout}"
    );
}

#[test]
fn shared_names_may_differ_per_service() {
    let rule = "[[shared]]\nvars = [\"auth.SERVICE_SECRET\", \"backend.SVC_SECRET\"]\n";
    let dir = stack(
        rule,
        [&secret_env(SECRET), &format!("SVC_SECRET={SECRET}\n"), ""],
    );
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks[0]["ok"], true);
    assert_eq!(
        checks[0]["summary"],
        "auth.SERVICE_SECRET, backend.SVC_SECRET: identical"
    );
    // Rotated on one side: the finding names both variables.
    let dir = stack(
        rule,
        [&secret_env(SECRET), &format!("SVC_SECRET={ROTATED}\n"), ""],
    );
    let (_, report) = check_json(dir.path(), &[]);
    let f = findings_of(&report, "shared-mismatch")[0];
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("auth.SERVICE_SECRET has sha256:"),
        "{message}"
    );
    assert!(
        message.contains("backend.SVC_SECRET has sha256:"),
        "{message}"
    );
}

#[test]
fn a_missing_shared_value_is_said_but_is_no_mismatch() {
    let dir = stack(
        SHARED_ALL,
        [&secret_env(SECRET), &secret_env(SECRET), "# forgotten\n"],
    );
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(findings_of(&report, "shared-mismatch").is_empty());
    let f = finding(&report, "rule-incomplete", "SERVICE_SECRET");
    assert_eq!(f["service"], "websocket");
    assert_eq!(f["severity"], "info");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("is not set, so it was not compared with auth and backend"));
    let check = &report["checks"][0];
    assert_eq!(check["ok"], false);
    assert_eq!(
        check["summary"],
        "auth, backend, websocket: SERVICE_SECRET identical in auth, backend; not compared in websocket (no value)"
    );
}

const LINK: &str = "[[link]]\nfrom = \"backend.AUTH_URL\"\nto = \"auth\"\n";

fn link_report(url: &str) -> (i32, serde_json::Value) {
    let dir = stack(LINK, ["", &format!("AUTH_URL={url}\n"), ""]);
    check_json(dir.path(), &[])
}

#[test]
fn link_mismatch_names_host_and_port_and_what_was_expected() {
    let (code, report) = link_report("http://auth-service:8081/v1");
    assert_eq!(code, 1);
    let f = finding(&report, "link-mismatch", "AUTH_URL");
    assert_eq!(f["service"], "backend");
    assert_eq!(
        f["message"],
        "AUTH_URL addresses auth-service:8081, which is not auth: expected auth:8081 or auth.internal:8081"
    );
    let hint = f["hint"].as_str().unwrap();
    assert!(
        hint.starts_with("point backend's AUTH_URL at http://auth:8081"),
        "{hint}"
    );
    assert!(
        hint.contains("add it to `hosts` under [services.auth]"),
        "{hint}"
    );
    let related = &f["related"][0];
    assert_eq!(related["service"], "auth");
    assert_eq!(related["source"]["kind"], "stack");
    // `hosts` of [services.auth] is on line 4.
    assert_eq!(related["source"]["line"], 4);
    assert_eq!(report["checks"][0]["rule"], "link");
    assert_eq!(
        report["checks"][0]["services"],
        serde_json::json!(["backend", "auth"])
    );
    assert_eq!(report["checks"][0]["ok"], false);

    // The right host, the wrong port.
    let (_, report) = link_report("http://auth.internal:9000");
    let f = finding(&report, "link-mismatch", "AUTH_URL");
    assert_eq!(
        f["message"],
        "AUTH_URL addresses auth.internal:9000, but auth listens on port 8081"
    );
    assert!(f["hint"]
        .as_str()
        .unwrap()
        .contains("fix `port` under [services.auth]"));
    // No port written: the scheme's default counts (https is 443, not 8081).
    let (_, report) = link_report("https://auth/login");
    let f = finding(&report, "link-mismatch", "AUTH_URL");
    assert_eq!(
        f["message"],
        "AUTH_URL addresses auth:443, but auth listens on port 8081"
    );
    // Host names compare without case.
    let (code, report) = link_report("http://AUTH:8081");
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn link_default_ports_match_a_declared_port() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    std::fs::write(
        dir.path().join("envgate.toml"),
        "[services.web]\nschema = \"svc.toml\"\nport = 443\n\n[services.api]\nschema = \"svc.toml\"\nenv_files = [\"api.env\"]\n\n\
         [[link]]\nfrom = \"api.AUTH_URL\"\nto = \"web\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("api.env"), "AUTH_URL=https://web/path\n").unwrap();
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["checks"][0]["summary"],
        "api → web: AUTH_URL addresses web:443"
    );
    std::fs::write(dir.path().join("api.env"), "AUTH_URL=http://web/path\n").unwrap();
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        finding(&report, "link-mismatch", "AUTH_URL")["message"],
        "AUTH_URL addresses web:80, but web listens on port 443"
    );
}

#[test]
fn a_consistent_stack_ends_with_its_proofs() {
    let rules =
        format!("{SHARED_ALL}\n{LINK}\n[[link]]\nfrom = \"websocket.AUTH_URL\"\nto = \"auth\"\n");
    let backend = format!("{}AUTH_URL=http://auth:8081\n", secret_env(SECRET));
    let websocket = format!(
        "{}AUTH_URL=https://auth.internal:8081/ws\n",
        secret_env(SECRET)
    );
    let dir = stack(&rules, [&secret_env(SECRET), &backend, &websocket]);
    let (code, stdout, stderr) = check_human(dir.path(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "cross-service checks\n  ✔ auth, backend, websocket: SERVICE_SECRET identical\n  \
             ✔ backend → auth: AUTH_URL addresses auth:8081\n  \
             ✔ websocket → auth: AUTH_URL addresses auth.internal:8081\n\n✔ ready"
        ),
        "{stdout}"
    );
    let (_, report) = check_json(dir.path(), &[]);
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    assert!(checks.iter().all(|c| c["ok"] == true));
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn service_selection_narrows_the_rules() {
    let rules = format!("{SHARED_ALL}\n{LINK}");
    let backend = format!("{}AUTH_URL=http://nowhere:8081\n", secret_env(ROTATED));
    let dir = stack(&rules, [&secret_env(SECRET), &backend, &secret_env(SECRET)]);
    // Only backend: no rule has all its services selected.
    let (code, report) = check_json(dir.path(), &["--service", "backend"]);
    assert_eq!(code, 0, "{report:#}");
    assert!(report["checks"].as_array().unwrap().is_empty());
    // backend and auth: the link runs, the three-service [[shared]] is skipped.
    let (code, report) = check_json(dir.path(), &["--service", "backend", "--service", "auth"]);
    assert_eq!(code, 1);
    let rules_run: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules_run, ["link"]);
    assert!(has(&report, "link-mismatch", "AUTH_URL"));
    assert!(findings_of(&report, "shared-mismatch").is_empty());
}

#[test]
fn unknown_services_and_undeclared_variables_are_exit_2_with_line_and_column() {
    let dir = stack(
        "[[shared]]\nvars = [\"auth.SERVICE_SECRET\", \"bakend.SERVICE_SECRET\"]\n\n[[link]]\nfrom = \"backend.AUTH_URL\"\nto = \"oauth\"\n",
        ["", "", ""],
    );
    let (code, stdout, err) = check_human(dir.path(), &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        err.contains("envgate.toml:16:32: [[shared]] names the service `bakend`, which the stack does not define (it defines: auth, backend, websocket); did you mean `backend`?"),
        "{err}"
    );
    assert!(
        err.contains("envgate.toml:20:1: [[link]] `to` names the service `oauth`"),
        "{err}"
    );
    let dir = stack(
        "[[shared]]\nvars = [\"auth.SERVICE_SECRET\", \"backend.SERVICE_SECRT\"]\n",
        ["", "", ""],
    );
    let (code, _, err) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:16:32: service backend does not declare SERVICE_SECRT (a rule may name only variables its schema declares); did you mean SERVICE_SECRET?"),
        "{err}"
    );
    // A rule's shape: "service.VAR", at least two variables.
    let dir = stack("[[shared]]\nvars = [\"auth\"]\n", ["", "", ""]);
    let (code, _, err) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:16:1: [[shared]] `vars` must name at least two"),
        "{err}"
    );
}

#[test]
fn jwt_tables_are_validated() {
    // A member left with no key variable, an unknown algorithm, an unknown key.
    let dir = stack(
        "[[jwt]]\nissuer = \"auth\"\nconsumers = [\"backend\"]\nalg = \"HS265\"\ntoken = \"x\"\n[jwt.vars.auth]\nkey = \"SVC_SECRET\"\n",
        ["", "", ""],
    );
    let (code, _, err) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:19:1: `jwt.0` unknown key `token`"),
        "{err}"
    );
    let dir = stack(
        "[[jwt]]\nissuer = \"auth\"\nconsumers = [\"backend\"]\nalg = \"HS265\"\n[jwt.vars.auth]\nkey = \"SVC_SECRET\"\n",
        ["", "", ""],
    );
    let (code, _, err) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("`alg` must be one of HS256,"), "{err}");
    assert!(err.contains("did you mean `HS256`?"), "{err}");
    assert!(
        err.contains("[[jwt]]: service backend is left with no key variable: set `key` in the table, or `key` under [jwt.vars.backend]"),
        "{err}"
    );
    // A valid group is read; the probe itself is not made by this build, and says so.
    let dir = stack(
        "[[jwt]]\nname = \"sessions\"\nissuer = \"auth\"\nconsumers = [\"backend\", \"websocket\"]\nkey = \"SERVICE_SECRET\"\nalg = \"HS256\"\n[jwt.vars.websocket]\nkey = \"SVC_SECRET\"\n",
        [&secret_env(SECRET), &secret_env(SECRET), ""],
    );
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0]["rule"], "jwt");
    assert_eq!(checks[0]["name"], "sessions");
    assert_eq!(
        checks[0]["services"],
        serde_json::json!(["auth", "backend"])
    );
    assert_eq!(
        checks[1]["summary"],
        "auth → websocket: not probed (websocket has no key)"
    );
    let f = finding(&report, "rule-incomplete", "SVC_SECRET");
    assert_eq!(f["service"], "websocket");
    // An undeclared key variable under [jwt.vars.SERVICE] points there.
    let dir = stack(
        "[[jwt]]\nissuer = \"auth\"\nconsumers = [\"backend\"]\nkey = \"SERVICE_SECRET\"\n[jwt.vars.backend]\nkey = \"JWT_KEY\"\n",
        ["", "", ""],
    );
    let (code, _, err) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("envgate.toml:20:1: service backend does not declare JWT_KEY"),
        "{err}"
    );
}

#[test]
fn severity_and_allow_of_the_reported_service_apply() {
    let dir = stack(
        SHARED_ALL,
        [
            &secret_env(SECRET),
            &secret_env(ROTATED),
            &secret_env(SECRET),
        ],
    );
    let lenient = format!("{SCHEMA}\n[severity]\nshared-mismatch = \"warning\"\n");
    std::fs::write(dir.path().join("backend.toml"), &lenient).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("envgate.toml")).unwrap();
    let toml = toml.replacen(
        "[services.backend]\nschema = \"svc.toml\"",
        "[services.backend]\nschema = \"backend.toml\"",
        1,
    );
    std::fs::write(dir.path().join("envgate.toml"), &toml).unwrap();
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        finding(&report, "shared-mismatch", "SERVICE_SECRET")["severity"],
        "warning"
    );
    let (code, _) = check_json(dir.path(), &["--strict"]);
    assert_eq!(code, 1);
    let allowing = SCHEMA.replacen(
        "[vars.SERVICE_SECRET]\n",
        "[vars.SERVICE_SECRET]\nallow = [\"shared-mismatch\"]\n",
        1,
    );
    std::fs::write(dir.path().join("backend.toml"), allowing).unwrap();
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        findings_of(&report, "shared-mismatch").is_empty(),
        "{report:#}"
    );
}

#[test]
fn no_shared_or_link_finding_shows_a_secret_or_url_password() {
    let rules =
        format!("{SHARED_ALL}\n{LINK}\n[[link]]\nfrom = \"websocket.AUTH_TEXT\"\nto = \"auth\"\n");
    let backend = format!(
        "{}AUTH_URL=http://svc:{URL_PASSWORD}@auth-svc:8081/\n",
        secret_env(ROTATED)
    );
    let websocket = format!(
        "SERVICE_SECRET={SECRET}x\nAUTH_TEXT=https://svc:{URL_PASSWORD}@auth.internal:1/\n"
    );
    let dir = stack(&rules, [&secret_env(SECRET), &backend, &websocket]);
    let secrets = [SECRET, ROTATED, URL_PASSWORD];
    let (code, stdout, stderr) = check_human(dir.path(), &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("shared-mismatch") && stdout.contains("link-mismatch"),
        "{stdout}"
    );
    assert!(stdout.contains("no value is held by most"), "{stdout}");
    assert!(stdout.contains("addresses auth-svc:8081"), "{stdout}");
    assert!(stdout.contains("addresses auth.internal:1"), "{stdout}");
    assert_no_leak_of(&secrets, "human report", &stdout);
    assert_no_leak_of(&secrets, "stderr", &stderr);
    let (_, report) = check_json(dir.path(), &[]);
    assert_no_leak_of(&secrets, "JSON report", &report.to_string());
    let (_, stdout, _) = run(envgate_in(dir.path()).args(["explain", "--format", "json"]));
    assert_no_leak_of(&secrets, "explain", &stdout);
}

#[test]
fn a_value_read_through_name_file_keeps_the_step_it_came_by() {
    let dir = stack(
        SHARED_ALL,
        [
            &secret_env(SECRET),
            "SERVICE_SECRET_FILE=secret\n",
            &secret_env(SECRET),
        ],
    );
    std::fs::write(dir.path().join("secret"), format!("{ROTATED}\n")).unwrap();
    let (_, report) = check_json(dir.path(), &[]);
    let f = finding(&report, "shared-mismatch", "SERVICE_SECRET");
    assert_eq!(f["source"]["kind"], "file");
    assert_eq!(f["source"]["name"], "SERVICE_SECRET_FILE");
    assert_eq!(f["source"]["via"]["kind"], "dotenv");
    assert_eq!(f["source"]["via"]["line"], 1);
    assert!(f["source"]["via"]["path"]
        .as_str()
        .unwrap()
        .ends_with("backend.env"));
}

#[test]
fn json_fields_stay_as_spec_section_6_lists_them() {
    let dir = stack(
        SHARED_ALL,
        [
            &secret_env(SECRET),
            &secret_env(ROTATED),
            &secret_env(SECRET),
        ],
    );
    let (_, report) = check_json(dir.path(), &[]);
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&report),
        ["checks", "findings", "ok", "summary", "vars", "version"]
    );
    assert_eq!(
        keys(&report["summary"]),
        ["errors", "infos", "services", "vars", "warnings"]
    );
    let f = finding(&report, "shared-mismatch", "SERVICE_SECRET");
    assert_eq!(
        keys(f),
        ["code", "hint", "message", "profile", "related", "service", "severity", "source", "var"]
    );
    assert_eq!(keys(&f["source"]), ["kind", "line", "name", "path"]);
    assert_eq!(
        keys(&f["related"][0]),
        ["label", "service", "source", "var"]
    );
    assert_eq!(
        keys(&report["vars"][0]),
        ["fingerprint", "name", "service", "source", "status"]
    );
    assert_eq!(
        keys(&report["checks"][0]),
        ["name", "ok", "rule", "services", "summary"]
    );
}

#[test]
fn a_large_rule_stays_fast_and_its_messages_bounded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    let mut toml = String::new();
    let mut refs = Vec::new();
    for i in 0..251 {
        toml.push_str(&format!(
            "[services.s{i}]\nschema = \"svc.toml\"\nenv_files = [\"s{i}.env\"]\n"
        ));
        // Every variable its own value: no majority, one finding of the stack.
        let mut env = String::new();
        for var in ["SERVICE_SECRET", "SVC_SECRET", "AUTH_URL", "AUTH_TEXT"] {
            // Secrets that must not show; plain values that may.
            if var.ends_with("SECRET") {
                env.push_str(&format!("{var}={SECRET}{i:04}{var}\n"));
            } else {
                env.push_str(&format!("{var}=http://s{i}.example/{var}\n"));
            }
            refs.push(format!("\"s{i}.{var}\""));
        }
        std::fs::write(dir.path().join(format!("s{i}.env")), env).unwrap();
    }
    let vars: Vec<String> = refs.iter().take(1_000).cloned().collect();
    std::fs::write(
        dir.path().join("envgate.toml"),
        format!("{toml}\n[[shared]]\nvars = [{}]\n", vars.join(", ")),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = check_human(dir.path(), &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(code, 1, "{stderr}");
    let mismatch = stdout
        .lines()
        .find(|l| l.contains("shared-mismatch"))
        .unwrap();
    assert!(mismatch.contains("and 990 more values"), "{mismatch}");
    assert!(mismatch.len() < 2_000, "{}", mismatch.len());
    assert!(stdout.len() < 2_000_000, "{}", stdout.len());
    assert_no_leak_of(&[SECRET], "human report", &stdout);

    // One more than a rule may name: exit 2, saying so.
    let vars: Vec<String> = refs.iter().take(1_001).cloned().collect();
    std::fs::write(
        dir.path().join("envgate.toml"),
        format!("{toml}\n[[shared]]\nvars = [{}]\n", vars.join(", ")),
    )
    .unwrap();
    let (code, _, stderr) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("[[shared]] `vars` names 1001 variables; a rule may name at most 1000"),
        "{stderr}"
    );
}

#[test]
fn a_profile_s_hosts_are_the_ones_a_link_must_address() {
    let rules = format!("{LINK}\n[profiles.prod.services.auth]\nhosts = [\"auth.prod\"]\n");
    let dir = stack(&rules, ["", "AUTH_URL=http://auth.prod:8081\n", ""]);
    let (code, report) = check_json(dir.path(), &["--profile", "prod"]);
    assert_eq!(code, 0, "{report:#}");
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(has(&report, "link-mismatch", "AUTH_URL"));
    // Under the profile, a wrong host points at the profile's `hosts` line (line 20).
    std::fs::write(
        dir.path().join("backend.env"),
        "AUTH_URL=http://auth:8081\n",
    )
    .unwrap();
    let (_, report) = check_json(dir.path(), &["--profile", "prod"]);
    let f = finding(&report, "link-mismatch", "AUTH_URL");
    assert_eq!(f["related"][0]["source"]["line"], 20, "{f}");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .ends_with("expected auth.prod:8081"));
}

#[test]
fn a_link_shows_no_token_like_scheme_credential_host_or_value_read_from_a_secret() {
    // The value's scheme, host or both are pieces of a secret: the finding says where it
    // points only as far as that is safe.
    let token = "Qk8sPz2LmW9xR4tYv3";
    for backend in [
        format!("AUTH_URL=Zq8rT2vLpQ4m{token}://auth\n"),
        "AUTH_URL=http://ghp_16C7e42F292c6912E7710c838347Ae178B4a:8081\n".to_string(),
        format!("SVC_SECRET={token}\nAUTH_URL=http://${{SVC_SECRET}}:8081\n"),
        format!("SVC_SECRET={token}\nAUTH_URL=${{SVC_SECRET}}://auth\n"),
    ] {
        let dir = stack(LINK, ["", &backend, ""]);
        let secrets = [token, "16C7e42F292c6912E7710c838347Ae178B4a"];
        let (code, stdout, stderr) = check_human(dir.path(), &[]);
        assert_eq!(code, 1, "{backend}: {stdout}");
        assert!(stdout.contains("link-mismatch"), "{backend}: {stdout}");
        // The url crate lowercases what it parses: look for that too.
        let lower: Vec<String> = secrets.iter().map(|s| s.to_ascii_lowercase()).collect();
        for s in [&secrets[..], &[lower[0].as_str(), lower[1].as_str()][..]] {
            assert_no_leak_of(s, &format!("{backend}: human"), &(stdout.clone() + &stderr));
            let (_, report) = check_json(dir.path(), &[]);
            assert_no_leak_of(s, &format!("{backend}: JSON"), &report.to_string());
        }
    }
}

#[test]
fn a_link_to_a_service_with_many_hosts_names_a_few() {
    let hosts = (0..10_000)
        .map(|i| format!("\"h{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    let links = "[[link]]\nfrom = \"backend.AUTH_URL\"\nto = \"auth\"\n".repeat(50);
    std::fs::write(
        dir.path().join("envgate.toml"),
        format!(
            "[services.auth]\nschema = \"svc.toml\"\nhosts = [{hosts}]\nport = 8081\n\n\
             [services.backend]\nschema = \"svc.toml\"\nenv_files = [\"backend.env\"]\n\n{links}"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("backend.env"), "AUTH_URL=http://wrong:1\n").unwrap();
    let (code, stdout, _) = check_human(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(
            "expected h0:8081, h1:8081, h2:8081, h3:8081, h4:8081 or one of 9995 more of its hosts"
        ),
        "{}",
        &stdout[..stdout.len().min(2000)]
    );
    assert!(stdout.len() < 200_000, "{} bytes", stdout.len());
}

#[test]
fn many_services_and_rules_load_in_linear_time_and_an_unknown_name_is_told_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    let mut toml = String::new();
    for i in 0..2_000 {
        toml.push_str(&format!("[services.s{i}]\nschema = \"svc.toml\"\n"));
    }
    // 1,000 rules of 50 variables each: 50,000 "service.VAR" lookups among 2,000 services
    // (within the stack file's 2 MiB).
    for r in 0..1_000 {
        let vars: Vec<String> = (0..50)
            .map(|k| format!("\"s{}.SERVICE_SECRET\"", (r * 50 + k) % 2_000))
            .collect();
        toml.push_str(&format!("[[shared]]\nvars = [{}]\n", vars.join(", ")));
    }
    // One unknown service named in 1,000 rules.
    for _ in 0..1_000 {
        toml.push_str("[[shared]]\nvars = [\"s0.SERVICE_SECRET\", \"nope.X\"]\n");
    }
    std::fs::write(dir.path().join("envgate.toml"), toml).unwrap();
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = check_human(dir.path(), &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stderr.matches("which the stack does not define").count(),
        1,
        "{}",
        &stderr[..stderr.len().min(2_000)]
    );
}

#[test]
fn a_stack_file_over_2_mib_is_refused_before_it_is_parsed() {
    // Each rule entry costs far more to hold than to write: a generated 16 MiB stack of
    // rules exhausted memory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("svc.toml"), SCHEMA).unwrap();
    let rules = "[[shared]]\nvars = [\"a.SERVICE_SECRET\", \"b.SERVICE_SECRET\"]\n".repeat(50_000);
    std::fs::write(
        dir.path().join("envgate.toml"),
        format!(
            "[services.a]\nschema = \"svc.toml\"\n[services.b]\nschema = \"svc.toml\"\n{rules}"
        ),
    )
    .unwrap();
    let (code, _, stderr) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("envgate.toml: is larger than 2 MiB"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_service_and_an_undeclared_variable_are_reported_together() {
    let rules = "[[shared]]\nvars = [\"zz.SERVICE_SECRET\", \"auth.SERVICE_SECRET\"]\n\n\
                 [[link]]\nfrom = \"backend.NOPE\"\nto = \"auth\"\n";
    let dir = stack(rules, ["", "", ""]);
    let (code, _, stderr) = check_human(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("names the service `zz`, which the stack does not define"),
        "{stderr}"
    );
    assert!(
        stderr.contains("service backend does not declare NOPE"),
        "{stderr}"
    );
}
