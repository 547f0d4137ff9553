//! A stack's memory stays flat in its number of services: past a budget the plan drops
//! each validated schema and reads it again when its service is checked, and the JSON
//! report's `vars` are spooled rather than kept. Neither may change a report: the same
//! stack is checked with every schema kept and with none kept, and the reports compared.
//! (Library-level: the budget is not a command-line setting.)

use super::root;
use envgate::report::{human, json};
use envgate::source::ProcessEnv;
use envgate::stack::Settings;
use envgate::{PlannedSchema, Selection};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn selection(config: &Path, profile: Option<&str>, format: &str, resident: usize) -> Selection {
    Selection {
        config: Some(config.to_path_buf()),
        no_process_env: true,
        resident_schema_vars: Some(resident),
        flags: Settings {
            format: Some(format.into()),
            profile: profile.map(str::to_string),
            ..Settings::default()
        },
        ..Selection::default()
    }
}

/// The human and JSON reports of a stack, and how many schemas the plan read again.
fn reports(config: &Path, profile: Option<&str>, resident: usize) -> (String, String, usize) {
    let mut out = Vec::new();
    let mut reread = 0;
    for format in ["human", "json"] {
        let plan = envgate::plan(&selection(config, profile, format, resident)).unwrap();
        reread = plan
            .services
            .iter()
            .filter(|s| matches!(s.schema, PlannedSchema::Reread { .. }))
            .count();
        let report = envgate::check(&plan, &ProcessEnv::default(), &root()).unwrap();
        let mut text = Vec::new();
        match format {
            "human" => human::render(&report, &mut text, human::Palette { color: false }),
            _ => json::render(&report, &mut text),
        }
        .unwrap();
        out.push(String::from_utf8(text).unwrap());
    }
    let json = out.pop().unwrap();
    (out.pop().unwrap(), json, reread)
}

/// A stack of `services` services: each with its own schema except the last two, which
/// share one; a `[[shared]]` rule between three services in the middle whose values differ
/// (a rule finding raises the odd one's status); broken values in a few env files
/// (findings in the middle of the list); a secret read through `NAME_FILE`.
fn broken_stack(dir: &Path, services: usize) -> PathBuf {
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::create_dir_all(dir.join("env")).unwrap();
    std::fs::write(dir.join("db-password"), "correct horse battery staple 42\n").unwrap();
    let mut stack = String::new();
    for s in 0..services {
        let name = format!("s{s:03}");
        let schema_name = if s + 1 == services {
            format!("s{:03}", s - 1)
        } else {
            name.clone()
        };
        let _ = write!(
            stack,
            "[services.{name}]\nschema = \"schemas/{schema_name}.toml\"\nenv_files = [\"env/{name}.env\"]\n\n"
        );
        let schema = "[vars.API_TOKEN]\ntype = \"secret\"\nmin_length = 16\n\n\
                      [vars.UPSTREAM_URL]\ntype = \"url\"\nschemes = [\"https\"]\n\n\
                      [vars.PORT]\ntype = \"port\"\n\n\
                      [vars.LOG_LEVEL]\ntype = \"enum\"\nvalues = [\"debug\", \"info\"]\n\n\
                      [vars.DB_PASSWORD]\ntype = \"secret\"\nrequired = false\n\n\
                      [vars.OPTIONAL_NOTE]\nrequired = false\n";
        std::fs::write(dir.join(format!("schemas/{schema_name}.toml")), schema).unwrap();
        // s001 and s003 agree on the upstream, s002 is the odd one out of the rule.
        let upstream = if s == 1 || s == 3 {
            String::from("shared")
        } else {
            s.to_string()
        };
        let mut env = format!(
            "API_TOKEN=tok-{s:04}-9f86d081884c7d659a2feaa0\nUPSTREAM_URL=https://up-{upstream}.example.com\n"
        );
        match s % 4 {
            1 => env.push_str("PORT=99999\nLOG_LEVEL=verbose\n"),
            2 => {
                let secret = dir.join("db-password");
                let _ = writeln!(
                    env,
                    "PORT=8080\nLOG_LEVEL=info\nDB_PASSWORD_FILE={}",
                    secret.display()
                );
            }
            _ => env.push_str("PORT=8080\nLOG_LEVEL=info\n"),
        }
        std::fs::write(dir.join(format!("env/{name}.env")), env).unwrap();
    }
    let _ = write!(
        stack,
        "[[shared]]\nname = \"upstream\"\nvars = [\"s001.UPSTREAM_URL\", \"s002.UPSTREAM_URL\", \"s003.UPSTREAM_URL\"]\n"
    );
    let path = dir.join("envgate.toml");
    std::fs::write(&path, stack).unwrap();
    path
}

#[test]
fn reports_are_the_same_whether_schemas_are_kept_or_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let generated = broken_stack(dir.path(), 7);
    let chat = root().join("examples/chat-stack/envgate.toml");
    let rs256 = root().join("examples/rs256-stack/envgate.toml");
    for (config, profile, some_reread) in [
        (&generated, None, true),
        (&chat, None, false),
        (&chat, Some("broken"), false),
        (&rs256, None, false),
    ] {
        let (kept_human, kept_json, none_reread) = reports(config, profile, usize::MAX);
        let (reread_human, reread_json, reread) = reports(config, profile, 0);
        assert_eq!(none_reread, 0);
        // Services a rule names keep their schemas: the example stacks' all do.
        assert_eq!(reread > 0, some_reread, "{}", config.display());
        assert_eq!(kept_human, reread_human, "{}", config.display());
        assert_eq!(kept_json, reread_json, "{}", config.display());
    }
    // The generated stack's report has what the comparison is about: findings, statuses the
    // rule raised, a secret file.
    let (human, json, _) = reports(&generated, None, 0);
    assert!(human.contains("not ready"), "{human}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let vars = report["vars"].as_array().unwrap();
    assert_eq!(vars.len(), 7 * 6);
    assert_eq!(report["summary"]["vars"], 7 * 6);
    let status = |service: &str, name: &str| {
        vars.iter()
            .find(|v| v["service"] == service && v["name"] == name)
            .map(|v| v["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("s001", "UPSTREAM_URL").as_deref(), Some("ok"));
    assert_eq!(status("s002", "UPSTREAM_URL").as_deref(), Some("error"));
    assert_eq!(status("s004", "UPSTREAM_URL").as_deref(), Some("ok"));
    assert_eq!(status("s001", "PORT").as_deref(), Some("error"));
    assert_eq!(
        vars.iter()
            .filter(|v| v["source"]["kind"] == "file")
            .count(),
        2
    );
}

/// The JSON report of a stack spools its `vars`; `explain` keeps them in memory: the two
/// lists must be the same, byte for byte.
#[test]
fn spooled_vars_are_the_vars_a_report_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let config = broken_stack(dir.path(), 9);
    let render = |explain: bool| {
        let plan = envgate::plan(&Selection {
            explain,
            ..selection(&config, None, "json", usize::MAX)
        })
        .unwrap();
        let report = envgate::check(&plan, &ProcessEnv::default(), &root()).unwrap();
        assert_eq!(report.var_spool.is_some(), !explain);
        assert_eq!(report.vars.len(), if explain { 9 * 6 } else { 0 });
        let mut text = Vec::new();
        json::render(&report, &mut text).unwrap();
        String::from_utf8(text).unwrap()
    };
    assert_eq!(render(false), render(true));
}

/// A schema read again must declare what the plan validated: one changed in between (here a
/// variable turned sensitive, which the stack's sensitivity table did not know) stops the
/// run (exit 2) rather than check against decisions made for another file.
#[test]
fn a_schema_changed_after_the_plan_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = broken_stack(dir.path(), 7);
    let plan = envgate::plan(&selection(&config, None, "human", 0)).unwrap();
    assert!(matches!(
        plan.services[4].schema,
        PlannedSchema::Reread { .. }
    ));
    let schema = dir.path().join("schemas/s004.toml");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(
        &schema,
        text.replace(
            "[vars.OPTIONAL_NOTE]\n",
            "[vars.OPTIONAL_NOTE]\nsensitive = true\n",
        ),
    )
    .unwrap();
    let err = envgate::check(&plan, &ProcessEnv::default(), &root()).unwrap_err();
    let message = err.diagnostics[0].to_string();
    assert!(
        message.contains("the schema of service s004 changed while envgate was checking the stack"),
        "{message}"
    );
    // A change that leaves the declarations alone is simply the schema as it now is.
    std::fs::write(&schema, text.replace("min_length = 16", "min_length = 8")).unwrap();
    assert!(envgate::check(&plan, &ProcessEnv::default(), &root()).is_ok());
}
