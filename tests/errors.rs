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
        let spec_text = std::fs::read_to_string(&spec).unwrap();
        let pointers = locations(&err);
        assert!(
            !pointers.is_empty(),
            "{name}: expected a `┌─ file:line:col` pointer in {err}"
        );
        for (file, line, col) in pointers {
            // Each pointer names either the spec itself or a file in a folder the spec names
            // (its templates), and a line:col that exists in that file.
            let named_by_spec = file
                .strip_prefix("tests/fixtures/bad/")
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(folder, _)| spec_text.contains(&format!("\"{folder}\"")));
            assert!(
                file == spec || named_by_spec,
                "{name}: pointer to {file}, neither the spec nor a file it names: {err}"
            );
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{name}: pointer to unreadable {file}: {e}"));
            let line_text = text
                .lines()
                .nth(line - 1)
                .unwrap_or_else(|| panic!("{name}: {file} has no line {line}: {err}"));
            assert!(
                (1..=line_text.chars().count() + 1).contains(&col),
                "{name}: {file}:{line} has no column {col}: {err}"
            );
        }
        assert!(!err.contains("panicked"), "{name}: {err}");
        insta::assert_snapshot!(name.trim_end_matches(".toml"), err);
    }
}

/// Every `┌─ file:line:col` pointer of a rendered diagnostic.
fn locations(err: &str) -> Vec<(String, usize, usize)> {
    err.lines()
        .filter_map(|l| l.trim_start().strip_prefix("┌─ "))
        .map(|loc| {
            let mut parts = loc.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.parse().ok());
            let line = parts.next().and_then(|l| l.parse().ok());
            let file = parts.next();
            match (file, line, col) {
                (Some(f), Some(l), Some(c)) => (f.to_string(), l, c),
                _ => panic!("pointer {loc:?} is not file:line:col"),
            }
        })
        .collect()
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
