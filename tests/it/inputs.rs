//! Inputs that are not regular files: envgate never blocks on them (a FIFO waiting for a
//! writer, a device that never ends), whichever kind of input names them.

use crate::{envgate_in, finding, json_report, run};
use std::path::Path;
use std::time::{Duration, Instant};

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo failed");
}

/// A run that would hang on a blocking open is killed after this long (`assert_cmd`'s
/// timeout), and the test fails on the elapsed time.
const BOUND: Duration = Duration::from_secs(10);

#[test]
fn fifos_as_schema_stack_env_file_and_name_file_never_block() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    mkfifo(&p("fifo"));
    std::fs::write(
        p("s.toml"),
        "[vars.A]\ntype = \"string\"\nsensitive = false\nrequired = false\n",
    )
    .unwrap();

    // A schema or a stack file that is a FIFO: exit 2, naming the file.
    for flag in ["--schema", "--config"] {
        let start = Instant::now();
        let (code, _, stderr) = run(envgate_in(dir.path())
            .args(["check", flag, "fifo"])
            .timeout(BOUND));
        assert!(start.elapsed() < BOUND, "{flag} fifo blocked");
        assert_eq!(code, 2, "{flag}: {stderr}");
        assert!(
            stderr.contains("fifo") && stderr.contains("not a regular file"),
            "{stderr}"
        );
    }

    // An env file named by a stack, and a NAME_FILE: findings, not hangs.
    std::fs::write(
        p("envgate.toml"),
        "[services.app]\nschema = \"s.toml\"\nenv_files = [\"fifo\"]\n",
    )
    .unwrap();
    let start = Instant::now();
    let (code, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--config", "envgate.toml"])
            .timeout(BOUND),
    );
    assert!(start.elapsed() < BOUND, "env file fifo blocked");
    assert_eq!(code, 1);
    let f = &report["findings"][0];
    assert_eq!(f["code"], "unreadable-file", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{f}"
    );

    let start = Instant::now();
    let (code, report) = json_report(
        envgate_in(dir.path())
            .args(["check", "--schema", "s.toml"])
            .env("A_FILE", "fifo")
            .timeout(BOUND),
    );
    assert!(start.elapsed() < BOUND, "NAME_FILE fifo blocked");
    assert_eq!(code, 1);
    assert!(finding(&report, "unreadable-file", "A")["message"]
        .as_str()
        .unwrap()
        .contains("not a regular file"));
}
