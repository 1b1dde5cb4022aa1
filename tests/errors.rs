//! Every class of bad input gives exit 2 and a message with file:line:col; the messages are
//! snapshot-tested over the folder `tests/fixtures/bad/`.

mod common;
use common::*;

fn check_fails(spec: &str) -> String {
    let out = factpress()
        .args(["check", spec])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_specs_are_reported_with_locations() {
    let mut names: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        let spec = format!("tests/fixtures/bad/{name}");
        let err = check_fails(&spec);
        assert!(
            err.contains(&format!("{}:", spec)) || err.contains("tests/fixtures/bad/"),
            "{name}: no location in {err}"
        );
        assert!(
            err.contains("┌─ tests/fixtures/bad/"),
            "{name}: expected a file:line:col pointer in {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        insta::assert_snapshot!(name.trim_end_matches(".toml"), err);
    }
}

#[test]
fn generate_refuses_a_bad_spec_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("c");
    factpress()
        .args([
            "generate",
            "tests/fixtures/bad/undefined_variable.toml",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no temporary folder is left"
    );
}

#[test]
fn missing_spec_file_is_exit_2() {
    let err = check_fails("tests/fixtures/does-not-exist.toml");
    assert!(
        err.contains("cannot read spec file tests/fixtures/does-not-exist.toml"),
        "{err}"
    );
}
