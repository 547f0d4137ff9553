//! `envgate rules` and docs/rules.md come from the one registry.

use crate::*;

#[test]
fn rules_lists_every_code() {
    let (code, stdout, _) = run(envgate().arg("rules"));
    assert_eq!(code, 0);
    for code in envgate::rules::Code::ALL {
        let info = code.info();
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{} ", info.code)));
        let line = line.unwrap_or_else(|| panic!("{} missing from:\n{stdout}", info.code));
        assert!(
            line.contains(info.severity.as_str()) && line.contains(info.summary),
            "{line}"
        );
    }
}

#[test]
fn rules_code_explains_one() {
    let (code, stdout, _) = run(envgate().args(["rules", "surrounding-whitespace"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Default severity: error") && stdout.contains("Fix: "),
        "{stdout}"
    );
    let (code, _, stderr) = run(envgate().args(["rules", "placeholdr"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `placeholder`?"), "{stderr}");
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let (_, generated, _) = run(envgate().args(["rules", "--markdown"]));
    let committed = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with `cargo run -- rules --markdown > docs/rules.md`"
    );
}

/// CONTRIBUTING.md names files; every one of them exists (a guide that drifts misleads).
#[test]
fn contributing_guide_names_only_existing_files() {
    let guide = std::fs::read_to_string(root().join("CONTRIBUTING.md")).unwrap();
    let mut named = 0;
    for piece in guide.split('`').skip(1).step_by(2) {
        let looks_like_path = piece.contains('/') && !piece.contains(' ') && !piece.contains("://");
        let extension = std::path::Path::new(piece)
            .extension()
            .and_then(|e| e.to_str());
        if looks_like_path
            && (matches!(extension, Some("rs" | "md" | "sh")) || piece.ends_with('/'))
        {
            assert!(
                root().join(piece).exists(),
                "CONTRIBUTING.md names {piece}, which does not exist"
            );
            named += 1;
        }
    }
    assert!(
        named >= 10,
        "only {named} paths found: has the guide's format changed?"
    );
}

#[test]
fn help_texts() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["explain", "--help"],
        &["rules", "--help"],
    ] {
        let (code, stdout, _) = run(envgate().args(args));
        assert_eq!(code, 0);
        insta::assert_snapshot!(format!("help_{}", args.join("_").replace("--", "")), stdout);
    }
}
