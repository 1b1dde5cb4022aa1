//! Every reader of corpora (audit, stats, pairs, verify) goes through one reader: these tests
//! run the real binary on broken inputs and check that each command treats them the same
//! way — malformed lines skipped and counted (or, with --strict, the first one stops the run),
//! a corrupt shard named with exit 3 — and that a run which fails part-way leaves nothing.

mod common;
use common::*;
use std::path::Path;
use tempfile::tempdir;

const MALFORMED: &str = "tests/fixtures/audit/malformed.jsonl";

/// The mini corpus with uncompressed shards, so lines can be edited.
fn plain_corpus(dir: &Path) -> serde_json::Value {
    generate(dir, &["--compression", "none", "--docs", "40"])
}

fn stats_json(args: &[&str], json: &Path) -> serde_json::Value {
    factpress()
        .arg("stats")
        .args(args)
        .args(["--quiet", "--json"])
        .arg(json)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

#[test]
fn stats_skips_and_counts_malformed_lines_like_audit() {
    let tmp = tempdir().unwrap();
    let r = stats_json(&[MALFORMED], &tmp.path().join("s.json"));
    // The fixture has 4 malformed lines (audit counts the same 4, tests/audit.rs) and the
    // rest are records.
    assert_eq!(r["malformed_lines"], 4);
    let lines = std::fs::read_to_string(MALFORMED).unwrap().lines().count() as u64;
    assert_eq!(r["size"]["documents"].as_u64().unwrap(), lines - 4);
    let err = stderr_of(
        factpress().args(["stats", MALFORMED, "--quiet"]).assert(),
        0,
    );
    assert!(
        err.contains(&format!("{MALFORMED}:2:")) && err.contains("line skipped"),
        "{err}"
    );
    assert!(err.contains("4 malformed line(s)"), "{err}");
}

#[test]
fn strict_stops_at_the_first_malformed_line_in_stats_and_audit() {
    for cmd in [
        vec!["stats", MALFORMED, "--quiet", "--strict"],
        vec![
            "audit",
            MALFORMED,
            "--spec",
            "tests/fixtures/audit/rules.toml",
            "--strict",
        ],
    ] {
        let err = stderr_of(factpress().args(&cmd).assert(), 3);
        assert!(
            err.contains(&format!("{MALFORMED}: line 2:")) && err.contains("--strict"),
            "{cmd:?}: {err}"
        );
    }
}

#[test]
fn a_malformed_line_in_a_corpus_folder_is_counted_by_stats() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    plain_corpus(&dir);
    let shard = dir.join("data/base-00000-of-00001.jsonl");
    let mut text = std::fs::read_to_string(&shard).unwrap();
    text.push_str("{\"text\": \n");
    std::fs::write(&shard, text).unwrap();
    let r = stats_json(
        &[dir.to_str().unwrap(), "--condition", "base"],
        &tmp.path().join("s.json"),
    );
    assert_eq!(r["condition"], "base");
    assert_eq!(r["malformed_lines"], 1);
    assert_eq!(r["size"]["documents"], 40);
}

/// Overwrites the middle of a zstd shard with garbage: the frame no longer decodes.
fn corrupt_middle(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0xA5;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_corrupt_shard_is_named_with_exit_3_by_stats_audit_and_pairs() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    generate(&dir, &["--docs", "300"]);
    corrupt_middle(&dir.join("data/base-00000-of-00001.jsonl.zst"));
    let d = dir.to_str().unwrap();
    for cmd in [
        vec!["stats", d, "--quiet"],
        vec!["audit", d],
        vec![
            "pairs",
            d,
            "--condition-a",
            "base",
            "--condition-b",
            "control",
        ],
    ] {
        let err = stderr_of(factpress().args(&cmd).assert(), 3);
        assert!(
            err.contains("data/base-00000-of-00001.jsonl.zst"),
            "{cmd:?} does not name the shard: {err}"
        );
        assert!(err.contains("caused by"), "{cmd:?} drops the cause: {err}");
    }
    // verify names it too, as a mismatch (exit 1).
    let err = stderr_of(factpress().args(["verify", d]).assert(), 1);
    assert!(err.contains("data/base-00000-of-00001.jsonl.zst"), "{err}");
}

#[test]
fn a_folder_without_a_manifest_is_bad_input_for_every_reader() {
    let tmp = tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    for cmd in [
        vec!["stats", d],
        vec!["audit", d],
        vec!["verify", d],
        vec!["pairs", d, d],
    ] {
        let err = stderr_of(factpress().args(&cmd).assert(), 2);
        assert!(err.contains("is not a factpress corpus"), "{cmd:?}: {err}");
    }
}

#[test]
fn an_unreadable_manifest_is_an_io_error() {
    let tmp = tempdir().unwrap();
    // A folder named manifest.json cannot be read as a file: not "no corpus", an I/O error.
    std::fs::create_dir(tmp.path().join("manifest.json")).unwrap();
    let err = stderr_of(factpress().arg("verify").arg(tmp.path()).assert(), 3);
    assert!(err.contains("manifest.json"), "{err}");
}

#[test]
fn stats_on_a_folder_reports_each_condition_on_its_own() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    generate(&dir, &["--docs", "60"]);
    let r = stats_json(&[dir.to_str().unwrap()], &tmp.path().join("s.json"));
    assert_eq!(r["grouped_by"], "condition");
    let conds: Vec<&str> = r["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["condition"].as_str().unwrap())
        .collect();
    assert_eq!(conds, ["base", "control"]);
    for c in r["conditions"].as_array().unwrap() {
        assert_eq!(c["size"]["documents"], 60);
        // base and control are matched (mostly the same documents): measured together, every
        // document would have a near-duplicate in the other condition. Within one condition
        // the mini spec's documents are not near-duplicates of each other that often.
        assert!(
            c["diversity"]["near_duplicates"]["share"].as_f64().unwrap() < 0.5,
            "{}",
            c["diversity"]["near_duplicates"]
        );
    }
    let out = factpress()
        .args(["stats", dir.to_str().unwrap()])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("== condition base ==") && stdout.contains("== condition control =="),
        "{stdout}"
    );
}

#[test]
fn a_render_failure_part_way_through_generate_leaves_nothing() {
    let tmp = tempdir().unwrap();
    // A spec whose one template fails at document 700 only: `check`'s trial renders (indices
    // 0-7) pass, generation fails in the middle of the second batch window.
    let spec = tmp.path().join("spec.toml");
    std::fs::create_dir(tmp.path().join("t")).unwrap();
    std::fs::write(
        tmp.path().join("t/a.j2"),
        "{{ int(1, 0 if doc.index == 700 else 5) }} {% for f in facts %}{{ f.text }}{% endfor %}\n",
    )
    .unwrap();
    std::fs::write(
        &spec,
        "[corpus]\nname = \"late\"\ntemplates = \"t\"\ndocs = 1000\nanchor_date = \"2024-01-01\"\n\
         [[facts]]\nid = \"f\"\nvariants = [\"a fact\"]\n\
         [[doc_types]]\nid = \"d\"\ntemplate = \"a.j2\"\n\
         [[conditions]]\nid = \"c\"\nfacts = [\"f\"]\n",
    )
    .unwrap();
    factpress().arg("check").arg(&spec).assert().success();
    let out = tmp.path().join("out");
    let err = stderr_of(
        factpress()
            .arg("generate")
            .arg(&spec)
            .args(["--quiet", "--threads", "2", "--out"])
            .arg(&out)
            .assert(),
        2,
    );
    assert!(
        err.contains("rendering document 700 of condition `c` failed") && err.contains("a.j2:1"),
        "{err}"
    );
    assert!(
        err.contains("caused by"),
        "the engine's error is kept: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!out.exists(), "no corpus folder");
    assert!(
        !left.iter().any(|n| n.contains("factpress-tmp")),
        "temporary folder left behind: {left:?}"
    );
}
