//! The bundled example stack: passes as shipped, and `--profile broken` shows the typical
//! failures.

use crate::*;

const STACK: &str = "examples/chat-stack/envgate.toml";

#[test]
fn example_stack_passes() {
    let (code, stdout, stderr) = run(envgate().args(["check", "--config", STACK]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("✔ ready: 3 services"), "{stdout}");
    // What the cross-service rules proved.
    assert!(
        stdout.contains(
            "  ✔ auth, backend, websocket: SERVICE_SECRET identical\n  \
             ✔ backend → auth: AUTH_SERVICE_URL addresses auth:8081\n  \
             ✔ websocket → auth: AUTH_SERVICE_URL addresses auth:8081\n"
        ),
        "{stdout}"
    );
}

#[test]
fn broken_profile_shows_the_typical_failures() {
    let (code, report) =
        json_report(envgate().args(["check", "--config", STACK, "--profile", "broken"]));
    assert_eq!(code, 1);
    assert_eq!(report["ok"], false);
    // A secret rotated in one service only: the odd one out, against the two that agree.
    let f = finding(&report, "shared-mismatch", "SERVICE_SECRET");
    assert_eq!(f["service"], "backend");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("(backend is the odd one out): auth and websocket agree on sha256:"));
    // A URL at a host the auth service no longer has.
    let f = finding(&report, "link-mismatch", "AUTH_SERVICE_URL");
    assert_eq!(f["service"], "backend");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("addresses auth-service:8081, which is not auth"));
    // A near-miss name, with where it is set.
    let f = finding(&report, "missing", "JWT_SECRET_KEY");
    assert_eq!(f["service"], "backend");
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean JWT_SECRETKEY (set in")
            && f["hint"]
                .as_str()
                .unwrap()
                .contains("deploy/broken/backend.env line 2"),
        "{f}"
    );
    // A trailing newline.
    let f = finding(&report, "surrounding-whitespace", "JWT_SECRET_KEY");
    assert_eq!(f["service"], "websocket");
    assert!(f["message"].as_str().unwrap().contains("ends with \\n"));
    assert_eq!(f["source"]["kind"], "dotenv");
    assert_eq!(f["source"]["line"], 2);
    // An unexpanded ${TOKEN}.
    let f = finding(&report, "unexpanded-reference", "CI_API_TOKEN");
    assert_eq!(f["severity"], "error");
    // The sync database driver, with the async form in the hint.
    let f = finding(&report, "url-scheme", "DATABASE_URL");
    assert!(f["hint"].as_str().unwrap().contains("postgresql+asyncpg"));
    // A localhost URL.
    let f = finding(&report, "url-host-forbidden", "AUTH_SERVICE_URL");
    assert_eq!(f["service"], "websocket");
    assert_eq!(f["profile"], "broken");
}

#[test]
fn broken_profile_human_report() {
    let (code, stdout, _) = run(envgate().args([
        "check",
        "--config",
        STACK,
        "--profile",
        "broken",
        "--color",
        "never",
    ]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("broken_profile_human", stdout);
    // The README shows this very output under "What it reports".
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let shown = readme
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    assert_eq!(
        shown, stdout,
        "README.md's sample output is stale: paste the output of its first command"
    );
}

#[test]
fn settings_from_stack_env_and_flags() {
    // ENVGATE_FORMAT wins over [envgate] format = "human"; the flag wins over both.
    let (_, stdout, _) = run(envgate()
        .env("ENVGATE_FORMAT", "json")
        .args(["check", "--config", STACK]));
    assert!(stdout.trim_start().starts_with('{'), "{stdout}");
    let (_, stdout, _) = run(envgate().env("ENVGATE_FORMAT", "json").args([
        "check", "--config", STACK, "--format", "human", "--color", "never",
    ]));
    assert!(stdout.starts_with("envgate check"), "{stdout}");
    // ENVGATE_PROFILE selects a profile.
    let (code, _, _) = run(envgate()
        .env("ENVGATE_PROFILE", "broken")
        .args(["check", "--config", STACK]));
    assert_eq!(code, 1);
}

#[test]
fn service_selection() {
    let (code, report) = json_report(envgate().args([
        "check",
        "--config",
        STACK,
        "--profile",
        "broken",
        "--service",
        "websocket",
    ]));
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["services"], 1);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["service"] == "websocket"));
    // The rules between websocket and services left out are not run.
    assert!(report["checks"].as_array().unwrap().is_empty());
}

#[test]
fn output_file_and_json_fields() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let (code, stdout, _) = run(envgate()
        .args(["check", "--config", STACK, "--format", "json", "--output"])
        .arg(&out));
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["ok"], true);
    for key in ["errors", "warnings", "infos", "services", "vars"] {
        assert!(report["summary"][key].is_u64(), "summary.{key}");
    }
    assert_eq!(report["summary"]["services"], 3);
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 6);
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");
    let vars = report["vars"].as_array().unwrap();
    assert_eq!(
        vars.len() as u64,
        report["summary"]["vars"].as_u64().unwrap()
    );
    let jwt_ws = vars
        .iter()
        .find(|v| v["service"] == "websocket" && v["name"] == "JWT_SECRET_KEY")
        .unwrap();
    assert_eq!(jwt_ws["status"], "ok");
    assert_eq!(jwt_ws["source"]["kind"], "file");
    assert_eq!(jwt_ws["source"]["name"], "JWT_SECRET_KEY_FILE");
    // Every present value has a fingerprint; the same secret has the same one everywhere.
    let jwt_auth = vars
        .iter()
        .find(|v| v["service"] == "auth" && v["name"] == "JWT_SECRET_KEY")
        .unwrap();
    assert_eq!(jwt_ws["fingerprint"], jwt_auth["fingerprint"]);
    assert!(jwt_auth["fingerprint"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(jwt_auth["fingerprint"].as_str().unwrap().len(), 19);
    let defaulted = vars
        .iter()
        .find(|v| v["service"] == "auth" && v["name"] == "PORT")
        .unwrap();
    assert_eq!(defaulted["source"]["kind"], "default");
    assert!(defaulted["fingerprint"].is_string());
}

#[test]
fn expansion_in_example_env_file() {
    let (_, stdout, _) = run(envgate().args([
        "explain",
        "--config",
        STACK,
        "--service",
        "backend",
        "DATABASE_URL",
        "--color",
        "never",
    ]));
    // ${DB_HOST} expanded from the earlier line; the password is masked.
    assert!(
        stdout.contains("postgresql+asyncpg://chat:***@chat-db:5432/chat"),
        "{stdout}"
    );
}
