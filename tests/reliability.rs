//! Bad input, crashes and hostile templates never cost a user data or a rerun: each case
//! runs the real binary on a copy of the mini fixture with one thing broken, and checks what
//! the user sees (message, location, exit code) and what is left on disk.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use tempfile::tempdir;

/// A copy of the mini fixture in `dir`, with `edit` applied to one of its files.
fn mini_copy(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    copy_tree(&src, dir);
    dir.join("spec.toml")
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("factpress-tmp"))
        .collect()
}

#[test]
fn a_stale_temporary_folder_is_reported_and_cleaned_on_request() {
    let tmp = tempdir().unwrap();
    // What a SIGKILLed run leaves: a temporary folder whose process is gone.
    let stale = tmp.path().join(".c.factpress-tmp-4000000");
    std::fs::create_dir_all(stale.join("data")).unwrap();
    std::fs::write(stale.join("data/x.jsonl.zst"), vec![0u8; 3000]).unwrap();
    let run = |out: &str, extra: &[&str]| {
        factpress()
            .args(["generate", MINI, "--docs", "20", "--out"])
            .arg(tmp.path().join(out))
            .args(extra)
            .assert()
            .success()
    };
    let err = String::from_utf8(run("c", &[]).get_output().stderr.clone()).unwrap();
    assert!(
        err.contains(".c.factpress-tmp-4000000") && err.contains("--clean"),
        "{err}"
    );
    assert!(stale.exists(), "reported, not removed");
    // Another --out does not see it.
    let err = String::from_utf8(run("d", &[]).get_output().stderr.clone()).unwrap();
    assert!(!err.contains("factpress-tmp"), "{err}");
    std::fs::remove_dir_all(tmp.path().join("c")).unwrap();
    let err = String::from_utf8(run("c", &["--clean"]).get_output().stderr.clone()).unwrap();
    assert!(err.contains("removed"), "{err}");
    assert!(!stale.exists());
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn symlinked_templates_are_kept_under_their_own_name_or_refused() {
    let tmp = tempdir().unwrap();
    let spec = mini_copy(&tmp.path().join("m"));
    let t = tmp.path().join("m/templates");
    std::fs::rename(t.join("brief.j2"), t.join("brief_real.j2")).unwrap();
    std::os::unix::fs::symlink("brief_real.j2", t.join("brief.j2")).unwrap();
    let out = tmp.path().join("c");
    factpress()
        .arg("generate")
        .arg(&spec)
        .args(["--quiet", "--docs", "40", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("source/templates/brief.j2").is_file());
    factpress()
        .arg("verify")
        .arg(&out)
        .arg("--regenerate")
        .assert()
        .success();
    // A link that leaves the templates folder is refused, naming both ends.
    std::fs::write(tmp.path().join("outside.j2"), "secret").unwrap();
    std::fs::remove_file(t.join("brief.j2")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside.j2"), t.join("brief.j2")).unwrap();
    let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
    assert!(
        err.contains("is a symbolic link to") && err.contains("outside the templates folder"),
        "{err}"
    );
    assert!(!err.contains("not found"), "no cascade: {err}");
}

#[test]
fn a_byte_order_mark_never_reaches_a_document() {
    let tmp = tempdir().unwrap();
    let spec = mini_copy(&tmp.path().join("m"));
    let pools = tmp.path().join("m/pools");
    let file = std::fs::read_dir(&pools)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read(&file).unwrap();
    std::fs::write(&file, [&b"\xef\xbb\xbf"[..], &text].concat()).unwrap();
    let out = tmp.path().join("c");
    factpress()
        .arg("generate")
        .arg(&spec)
        .args(["--quiet", "--docs", "200", "--out"])
        .arg(&out)
        .assert()
        .success();
    let m = manifest(&out);
    let shard = out.join(m["conditions"][0]["shards"][0]["path"].as_str().unwrap());
    let all = zstd_lines(&shard).join("\n");
    assert!(!all.contains('\u{feff}') && !all.contains("\\ufeff"));
    // The copy in source/ keeps the exact bytes the user wrote.
    let copied = out.join("source/pools").join(file.file_name().unwrap());
    assert!(std::fs::read(copied).unwrap().starts_with(b"\xef\xbb\xbf"));
}

#[test]
fn files_that_are_not_utf8_are_located_by_line_and_column() {
    let tmp = tempdir().unwrap();
    let spec = mini_copy(&tmp.path().join("m"));
    let t = tmp.path().join("m/templates/oped.j2");
    std::fs::write(&t, b"line one\nCaf\xe9 au lait\n").unwrap();
    let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
    assert!(
        err.contains("oped.j2:2:4 is not UTF-8 text (invalid byte 0xe9)"),
        "{err}"
    );
    assert!(
        !err.contains("not found"),
        "no false 'template not found': {err}"
    );
}

#[test]
fn command_line_values_are_checked_with_clear_messages() {
    for (args, want) in [
        (
            vec!["--docs", "-1"],
            "expected a number of documents per condition >= 1, found -1",
        ),
        (
            vec!["--docs", "0"],
            "expected a number of documents per condition >= 1, found 0",
        ),
        (
            vec!["--threads", "0"],
            "expected a number of threads >= 1, found 0",
        ),
        (vec!["--var", "lab="], "gives `lab` an empty value"),
    ] {
        let err = stderr_of(
            factpress()
                .args(["generate", MINI, "--out", "/nonexistent/x"])
                .args(&args)
                .assert(),
            2,
        );
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("'-- -1'"), "{args:?}: clap's tip: {err}");
    }
}

#[test]
fn hostile_templates_end_with_a_located_error() {
    for (template, want) in [
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "template-engine instructions",
        ),
        (
            "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
            "recursion limit exceeded",
        ),
        (
            "{% include \"../../../../etc/passwd\" %}",
            "a template can include only the files of its templates folder",
        ),
        (
            "{{ 'abcdefgh' * 1000000 }}",
            "more than the 4 MiB a document may hold",
        ),
    ] {
        let tmp = tempdir().unwrap();
        let spec = mini_copy(&tmp.path().join("m"));
        std::fs::write(tmp.path().join("m/templates/brief.j2"), template).unwrap();
        let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
        assert!(err.contains(want), "{template}: {err}");
        assert!(
            err.contains("brief.j2"),
            "{template}: names the template: {err}"
        );
    }
}

#[test]
fn check_warns_about_template_patterns_that_break_matched_conditions() {
    let tmp = tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matched");
    copy_tree(&src, &tmp.path().join("m"));
    let news = tmp.path().join("m/templates/news.j2");
    let text = std::fs::read_to_string(&news).unwrap().replace(
        "{% for f in facts %}\n{{ f.text }}\n",
        "{% for f in facts %}\n- {{ f.text }} ({{ pick('source') }})\n",
    );
    std::fs::write(&news, format!("{text}\nRef. {{{{ doc.id }}}}\n")).unwrap();
    let run = factpress()
        .arg("check")
        .arg(tmp.path().join("m/spec.toml"))
        .assert()
        .success();
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    for want in [
        "news.j2:7: a seeded call (`pick(…)`) inside the facts loop",
        "news.j2:6: text around each fact inside the facts loop (`- ()`)",
        "`doc.id` differs between matched conditions",
    ] {
        assert!(err.contains(want), "expected {want:?} in:\n{err}");
    }
    // The shipped fixture itself is clean.
    let run = factpress()
        .args(["check", "tests/fixtures/matched/spec.toml"])
        .assert()
        .success();
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(!err.contains("facts loop"), "{err}");
}

#[test]
fn oversized_inputs_are_refused_with_a_limit_or_handled() {
    let tmp = tempdir().unwrap();
    let spec = mini_copy(&tmp.path().join("m"));
    // A 300 MB pool file (sparse: costs no disk): refused with the limit, not read.
    let big = tmp.path().join("m/pools/big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    let text = std::fs::read_to_string(&spec).unwrap().replacen(
        "[pools]\n",
        "[pools]\nhuge = { file = \"pools/big.txt\" }\n",
        1,
    );
    std::fs::write(&spec, &text).unwrap();
    let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
    assert!(err.contains("may be at most 256 MiB each"), "{err}");
    std::fs::remove_file(&big).unwrap();
    // A 10 MB single-line template: loads, and each document it would render is refused
    // with the per-document limit, named.
    let spec = mini_copy(&tmp.path().join("n"));
    std::fs::write(
        tmp.path().join("n/templates/brief.j2"),
        "x".repeat(10 << 20),
    )
    .unwrap();
    let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
    assert!(err.contains("brief.j2") && err.contains("4 MiB"), "{err}");
}

#[test]
fn world_ranges_at_the_integer_limits_are_drawn_without_overflow() {
    // Found by the `spec` fuzz target: the span of two i64 bounds overflowed.
    let tmp = tempdir().unwrap();
    let spec = mini_copy(&tmp.path().join("m"));
    let text = std::fs::read_to_string(&spec).unwrap().replacen(
        "[pools]\n",
        "[world]\nn = { int = [-9223372036854775808, 9223372036854775807] }\n\n[pools]\n",
        1,
    );
    std::fs::write(&spec, text).unwrap();
    factpress().arg("check").arg(&spec).assert().success();
    factpress()
        .arg("generate")
        .arg(&spec)
        .args(["--quiet", "--docs", "5", "--out"])
        .arg(tmp.path().join("c"))
        .assert()
        .success();
}

#[test]
fn a_huge_undefined_name_is_reported_not_a_panic() {
    // Found by the `template` fuzz target: locating a 1,000,000-character name with a regex
    // exceeded the regex size limit.
    let tmp = tempdir().unwrap();
    let spec = mini_copy(&tmp.path().join("m"));
    let name = "n".repeat(1_000_000);
    std::fs::write(
        tmp.path().join("m/templates/brief.j2"),
        format!("{{{{ {name} }}}}"),
    )
    .unwrap();
    let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
    assert!(
        err.contains("undefined variable `nnnn"),
        "{}",
        &err[..err.len().min(300)]
    );
}
