//! Cluster runs, through the real binary: shard jobs (`generate --shard-index`) run as
//! separate processes in scrambled order merge (`factpress merge`) into exactly the corpus of
//! a single `generate --shards N`; interrupted shards rerun to the same bytes; foreign,
//! missing and duplicated shards are refused and named; audit parts merge into the
//! single-process report byte for byte.

mod common;

use common::{MINI, factpress, generate, manifest, stderr_of};
use std::path::Path;

/// A manifest without what says how and when it was made (no digest covers them).
fn comparable(dir: &Path) -> serde_json::Value {
    let mut m = manifest(dir);
    let o = m.as_object_mut().unwrap();
    o.remove("command_line");
    o.remove("created_at");
    m
}

fn shard(parts: &Path, k: u32, n: u32, extra: &[&str]) {
    factpress()
        .args(["generate", MINI, "--quiet", "--num-shards"])
        .arg(n.to_string())
        .arg("--shard-index")
        .arg(k.to_string())
        .arg("--out")
        .arg(parts)
        .args(extra)
        .assert()
        .success();
}

fn merge(inputs: &[&Path], out: &Path) -> assert_cmd::assert::Assert {
    factpress()
        .arg("merge")
        .args(inputs)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .assert()
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Redacts the temporary folder from a message, for snapshots.
fn redact(text: &str, tmp: &Path) -> String {
    text.replace(&tmp.display().to_string(), "[TMP]")
}

#[test]
fn shards_in_scrambled_order_merge_to_the_single_run() {
    for (n, order) in [
        (1u32, vec![0u32]),
        (3, vec![2, 0, 1]),
        (8, vec![5, 2, 7, 0, 3, 6, 1, 4]),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let single = generate(&tmp.path().join("single"), &["--shards", &n.to_string()]);
        let parts = tmp.path().join("parts");
        for &k in &order {
            shard(&parts, k, n, &[]);
        }
        let merged = tmp.path().join("merged");
        let out = merge(&[&parts], &merged).success();
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert_eq!(
            stdout.trim(),
            format!(
                "content_sha256 {}",
                single["content_sha256"].as_str().unwrap()
            ),
            "n = {n}"
        );
        assert_eq!(
            comparable(&merged),
            comparable(&tmp.path().join("single")),
            "n = {n}"
        );
        let data = |d: &str| files(&tmp.path().join(d).join("data"));
        assert_eq!(data("merged"), data("single"), "n = {n}: data files differ");
        factpress().arg("verify").arg(&merged).assert().success();
    }
}

#[test]
fn a_finished_shard_is_not_redone() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    shard(&parts, 1, 3, &[]);
    let marker = parts.join("shard-00001-of-00003/COMPLETE");
    let before = std::fs::metadata(&marker).unwrap().modified().unwrap();
    let run = factpress()
        .args([
            "generate",
            MINI,
            "--num-shards",
            "3",
            "--shard-index",
            "1",
            "--out",
        ])
        .arg(&parts)
        .assert()
        .success();
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(err.contains("shard 1 of 3 is already complete"), "{err}");
    assert_eq!(
        std::fs::metadata(&marker).unwrap().modified().unwrap(),
        before
    );
    // The same folder with another seed is refused, not overwritten.
    let err = stderr_of(
        factpress()
            .args([
                "generate",
                MINI,
                "--quiet",
                "--seed",
                "99",
                "--num-shards",
                "3",
            ])
            .args(["--shard-index", "1", "--out"])
            .arg(&parts)
            .assert(),
        2,
    );
    assert!(
        err.contains("of another run") && err.contains("seed 7 there, 99 in this run"),
        "{err}"
    );
}

#[test]
fn an_interrupted_shard_reruns_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    shard(&parts, 1, 3, &[]);
    let dir = parts.join("shard-00001-of-00003");
    let good = files(&dir);
    // What a machine that went down mid-write leaves: no marker, a cut data file.
    std::fs::remove_file(dir.join("COMPLETE")).unwrap();
    let data = dir.join("data/base-00001-of-00003.jsonl.zst");
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    let run = factpress()
        .args([
            "generate",
            MINI,
            "--num-shards",
            "3",
            "--shard-index",
            "1",
            "--out",
        ])
        .arg(&parts)
        .assert()
        .success();
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(err.contains("starting shard 1 of 3 clean"), "{err}");
    let again = files(&dir);
    let strip = |v: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
        // shard.json records the command line; everything else is the same bytes.
        v.into_iter()
            .filter(|(p, _)| !p.ends_with("shard.json") && p != "COMPLETE")
            .collect()
    };
    assert_eq!(strip(again), strip(good));
}

#[test]
fn a_killed_shard_reruns_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    let args = |k: &'static str| {
        vec![
            "generate",
            MINI,
            "--quiet",
            "--docs",
            "20000",
            "--threads",
            "1",
            "--num-shards",
            "3",
            "--shard-index",
            k,
        ]
    };
    let bin = assert_cmd::cargo::cargo_bin("factpress");
    let mut child = std::process::Command::new(&bin)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args("1"))
        .arg("--out")
        .arg(&parts)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no clean-up runs) once it has started writing.
    let started = std::time::Instant::now();
    while std::fs::read_dir(&parts).map_or(0, |d| d.count()) == 0
        && started.elapsed().as_secs() < 30
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left: Vec<String> = std::fs::read_dir(&parts)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|n| n.contains("factpress-tmp")),
        "a killed shard left only its temporary folder: {left:?}"
    );
    factpress()
        .args(args("1"))
        .arg("--out")
        .arg(&parts)
        .assert()
        .success();
    let single = tmp.path().join("single");
    factpress()
        .args([
            "generate", MINI, "--quiet", "--docs", "20000", "--shards", "3", "--out",
        ])
        .arg(&single)
        .assert()
        .success();
    let shard = parts.join("shard-00001-of-00003/data");
    for name in [
        "base-00001-of-00003.jsonl.zst",
        "control-00001-of-00003.jsonl.zst",
    ] {
        assert_eq!(
            std::fs::read(shard.join(name)).unwrap(),
            std::fs::read(single.join("data").join(name)).unwrap(),
            "{name}"
        );
    }
    let names: Vec<String> = std::fs::read_dir(&parts)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["shard-00001-of-00003"], "the stale folder is gone");
}

#[test]
fn merge_refuses_a_shard_of_another_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    shard(&parts, 0, 3, &[]);
    shard(&parts, 1, 3, &[]);
    shard(&parts, 2, 3, &["--seed", "99"]);
    let out = tmp.path().join("merged");
    let err = stderr_of(merge(&[&parts], &out), 2);
    insta::assert_snapshot!("merge_foreign_seed", redact(&err, tmp.path()));
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn merge_refuses_missing_duplicated_and_unfinished_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    shard(&a, 0, 4, &[]);
    shard(&a, 2, 4, &[]);
    shard(&b, 0, 4, &[]);
    shard(&b, 3, 4, &[]);
    std::fs::remove_file(b.join("shard-00003-of-00004/COMPLETE")).unwrap();
    let out = tmp.path().join("merged");
    let err = stderr_of(merge(&[&a, &b], &out), 2);
    insta::assert_snapshot!("merge_missing_duplicated", redact(&err, tmp.path()));
    assert!(!out.exists());
}

#[test]
fn merge_in_place_replaces_the_shard_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let single = generate(&tmp.path().join("single"), &["--shards", "2"]);
    let parts = tmp.path().join("parts");
    shard(&parts, 1, 2, &[]);
    shard(&parts, 0, 2, &[]);
    factpress()
        .args(["merge", "--quiet"])
        .arg(&parts)
        .assert()
        .success();
    assert_eq!(manifest(&parts)["content_sha256"], single["content_sha256"]);
    assert!(!parts.join("shard-00000-of-00002").exists());
    factpress().arg("verify").arg(&parts).assert().success();
}

#[test]
fn shard_index_auto_reads_the_scheduler() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    factpress()
        .args([
            "generate",
            MINI,
            "--quiet",
            "--shard-index",
            "auto",
            "--out",
        ])
        .arg(&parts)
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .assert()
        .success();
    assert!(parts.join("shard-00002-of-00003/COMPLETE").is_file());
    factpress()
        .args([
            "generate",
            MINI,
            "--quiet",
            "--shard-index",
            "auto",
            "--num-shards",
            "3",
        ])
        .arg("--out")
        .arg(&parts)
        .env("JOB_COMPLETION_INDEX", "0")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .assert()
        .success();
    assert!(parts.join("shard-00000-of-00003/COMPLETE").is_file());
    let err = stderr_of(
        factpress()
            .args([
                "generate",
                MINI,
                "--quiet",
                "--shard-index",
                "auto",
                "--out",
            ])
            .arg(&parts)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env("JOB_COMPLETION_INDEX", "1")
            .assert(),
        2,
    );
    insta::assert_snapshot!("shard_index_auto_kubernetes_without_count", err);
}

#[test]
fn slurm_prints_an_array_and_a_dependent_merge() {
    let out = factpress()
        .args(["slurm", MINI, "--array", "8", "--corpus", "/data/mini"])
        .assert()
        .success();
    let script = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(script.contains("--array=0-7"), "{script}");
    assert!(script.contains("--dependency=afterok:"), "{script}");
    assert!(
        script.contains("--num-shards 8 --shard-index auto"),
        "{script}"
    );
    assert!(
        script.contains("merge '/data/mini.shards' --out '/data/mini'"),
        "{script}"
    );
    assert!(
        script.contains("--seed 7 --docs 200"),
        "the seed is pinned: {script}"
    );
    let syntax = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .status()
        .unwrap();
    assert!(syntax.success(), "bash -n rejects the script");
}

/// Runs `audit` on `inputs` (with extra arguments) and returns the report's bytes.
fn audit(inputs: &[&Path], extra: &[&str], report: &Path) -> Vec<u8> {
    factpress()
        .arg("audit")
        .args(inputs)
        .args(["--quiet", "--report"])
        .arg(report)
        .args(extra)
        .assert()
        .success();
    std::fs::read(report).unwrap()
}

#[test]
fn audit_split_three_ways_merges_to_the_single_report() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    generate(&corpus, &["--shards", "2"]);
    let one_file = corpus.join("data/base-00001-of-00002.jsonl.zst");
    let spec = ["--spec", MINI];
    // A folder of 4 files (parts of whole files) and a single file (parts of line ranges).
    for (inputs, extra) in [
        (vec![corpus.as_path()], &[][..]),
        (vec![one_file.as_path()], &spec[..]),
    ] {
        let single = audit(&inputs, extra, &tmp.path().join("single.json"));
        let mut parts = Vec::new();
        for k in [2, 0, 1] {
            let part = tmp.path().join(format!("part-{k}.json"));
            let mut args = extra.to_vec();
            let k = k.to_string();
            args.extend(["--num-shards", "3", "--shard-index", &k]);
            audit(&inputs, &args, &part);
            parts.push(part);
        }
        let merged = tmp.path().join("merged.json");
        factpress()
            .args(["audit", "merge"])
            .args(&parts)
            .arg("--report")
            .arg(&merged)
            .assert()
            .success();
        assert_eq!(
            String::from_utf8(std::fs::read(&merged).unwrap()).unwrap(),
            String::from_utf8(single).unwrap(),
            "inputs {inputs:?}"
        );
    }
}

#[test]
fn audit_merge_refuses_missing_duplicated_and_foreign_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    generate(&corpus, &["--shards", "3"]);
    let part = |k: u32, n: u32, extra: &[&str]| {
        let p = tmp.path().join(format!(
            "part-{k}-of-{n}{}.json",
            if extra.is_empty() { "" } else { "-foreign" }
        ));
        let (k, n) = (k.to_string(), n.to_string());
        let mut args = vec!["--num-shards", &n, "--shard-index", &k];
        args.extend(extra);
        audit(&[&corpus], &args, &p);
        p
    };
    let p0 = part(0, 3, &[]);
    let p2 = part(2, 3, &[]);
    let foreign = part(1, 3, &["--ngram", "5"]);
    let err = stderr_of(
        factpress()
            .args(["audit", "merge"])
            .args([&p0, &p2, &p2, &foreign])
            .arg("--report")
            .arg(tmp.path().join("merged.json"))
            .assert(),
        2,
    );
    insta::assert_snapshot!("audit_merge_refused", redact(&err, tmp.path()));
    assert!(!tmp.path().join("merged.json").exists());
    // A part needs its report.
    let err = stderr_of(
        factpress()
            .arg("audit")
            .arg(&corpus)
            .args(["--quiet", "--num-shards", "3", "--shard-index", "0"])
            .assert(),
        2,
    );
    assert!(err.contains("needs --report"), "{err}");
}

#[test]
fn shards_of_a_token_budget_merge_to_the_single_run() {
    // Every shard job measures the budget on its own and gets the same count.
    let tmp = tempfile::tempdir().unwrap();
    let budget = ["--tokens", "20K"];
    generate(
        &tmp.path().join("single"),
        &["--tokens", "20K", "--shards", "3"],
    );
    let parts = tmp.path().join("parts");
    for k in [1, 2, 0] {
        shard(&parts, k, 3, &budget);
    }
    let merged = tmp.path().join("merged");
    merge(&[&parts], &merged).success();
    let single = comparable(&tmp.path().join("single"));
    assert_eq!(comparable(&merged), single);
    assert!(single["conditions"][0]["tokens"].as_u64().unwrap() >= 20_000);
    assert_eq!(
        files(&merged.join("data")),
        files(&tmp.path().join("single/data"))
    );
}

#[test]
fn audit_parts_of_the_interpretation_axes_merge_to_the_single_report() {
    // Implied variants, pieces and constraints are counted per part and summed by the merge.
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    factpress()
        .args([
            "generate",
            "tests/fixtures/axes/spec.toml",
            "--docs",
            "300",
            "--shards",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(&corpus)
        .assert()
        .success();
    let single = audit(&[&corpus], &[], &tmp.path().join("single.json"));
    let text = String::from_utf8(single.clone()).unwrap();
    assert!(text.contains("\"constraints\"") && text.contains("\"pieces\""));
    let mut parts = Vec::new();
    for k in [1, 2, 0] {
        let part = tmp.path().join(format!("part-{k}.json"));
        let k = k.to_string();
        audit(
            &[&corpus],
            &["--num-shards", "3", "--shard-index", &k],
            &part,
        );
        parts.push(part);
    }
    let merged = tmp.path().join("merged.json");
    factpress()
        .args(["audit", "merge"])
        .args(&parts)
        .arg("--report")
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8(std::fs::read(&merged).unwrap()).unwrap(),
        text
    );
}
