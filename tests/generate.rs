//! End-to-end tests of `generate`, `verify` and `regenerate` on the real binary.

mod common;
use common::*;
use tempfile::tempdir;

#[test]
fn thread_and_shard_counts_do_not_change_content() {
    let tmp = tempdir().unwrap();
    let mut digests = Vec::new();
    for (threads, shards) in [("1", "1"), ("2", "1"), ("4", "1"), ("1", "7"), ("4", "7")] {
        let dir = tmp.path().join(format!("t{threads}-s{shards}"));
        let m = generate(&dir, &["--threads", threads, "--shards", shards]);
        digests.push((
            threads,
            shards,
            m["content_sha256"].as_str().unwrap().to_string(),
            shard_hashes(&m),
        ));
    }
    let first = &digests[0].2;
    for (t, s, d, _) in &digests {
        assert_eq!(
            d, first,
            "content_sha256 differs with --threads {t} --shards {s}"
        );
    }
    // Same shard count, different threads: identical shard files, byte for byte.
    assert_eq!(digests[0].3, digests[1].3);
    assert_eq!(digests[0].3, digests[2].3);
    assert_eq!(digests[3].3, digests[4].3);
    assert_ne!(
        digests[0].3, digests[3].3,
        "7 shards are different files from 1 shard"
    );
}

#[test]
fn shards_split_records_in_index_order() {
    let tmp = tempdir().unwrap();
    let m = generate(
        &tmp.path().join("c"),
        &["--shards", "7", "--condition", "base"],
    );
    let shards = m["conditions"][0]["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 7);
    let mut index = 0u64;
    for s in shards {
        let lines = zstd_lines(&tmp.path().join("c").join(s["path"].as_str().unwrap()));
        assert_eq!(lines.len() as u64, s["records"].as_u64().unwrap());
        for l in lines {
            let rec: serde_json::Value = serde_json::from_str(&l).unwrap();
            assert_eq!(rec["metadata"]["index"].as_u64().unwrap(), index);
            assert_eq!(rec["id"].as_str().unwrap(), format!("base-{index:08}"));
            index += 1;
        }
    }
    assert_eq!(index, 200);
}

#[test]
fn verify_passes_then_names_the_shard_with_one_changed_byte() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    let m = generate(&dir, &["--shards", "3"]);
    factpress()
        .args(["verify"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicates::str::contains("matches its manifest"));
    factpress()
        .args(["verify", "--regenerate"])
        .arg(&dir)
        .assert()
        .success();

    let victim = m["conditions"][1]["shards"][2]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let path = dir.join(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let err = stderr_of(factpress().args(["verify"]).arg(&dir).assert(), 1);
    assert!(
        err.contains(&victim),
        "error names the changed shard: {err}"
    );
    let others: Vec<String> = shard_hashes(&m)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p != &victim)
        .collect();
    for o in others {
        assert!(
            !err.contains(&o),
            "an untouched shard {o} is not blamed: {err}"
        );
    }
}

#[test]
fn verify_catches_a_changed_source_file_and_a_stray_file() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    generate(&dir, &[]);
    std::fs::write(dir.join("source/templates/brief.j2"), "changed").unwrap();
    std::fs::write(dir.join("data/extra.jsonl.zst"), "x").unwrap();
    let err = stderr_of(factpress().args(["verify"]).arg(&dir).assert(), 1);
    assert!(err.contains("source/templates/brief.j2"), "{err}");
    assert!(
        err.contains("data/extra.jsonl.zst: file not listed"),
        "{err}"
    );
}

#[test]
fn regenerate_rebuilds_identical_shards_from_the_manifest_alone() {
    let tmp = tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let ma = generate(
        &a,
        &[
            "--shards",
            "2",
            "--seed",
            "11",
            "--var",
            "lab=Example Labs",
            "--docs",
            "300",
        ],
    );
    // Move the corpus away from the repo: only its own source/ copy can be used.
    let moved = tmp.path().join("moved");
    std::fs::rename(&a, &moved).unwrap();
    factpress()
        .args(["regenerate"])
        .arg(&moved)
        .arg("--out")
        .arg(&b)
        .arg("--quiet")
        .assert()
        .success();
    let mb = manifest(&b);
    assert_eq!(shard_hashes(&ma), shard_hashes(&mb));
    assert_eq!(ma["content_sha256"], mb["content_sha256"]);
    assert_eq!(mb["vars"]["lab"], "Example Labs");
    let text = zstd_lines(&b.join("data/base-00000-of-00002.jsonl.zst")).join("\n");
    assert!(text.contains("Example Labs") && !text.contains("Arcadia AI"));
}

#[test]
fn manifest_records_what_reproduction_needs() {
    let tmp = tempdir().unwrap();
    let m = generate(
        &tmp.path().join("c"),
        &["--condition", "control", "--docs", "50"],
    );
    assert_eq!(m["format_version"], 1);
    assert_eq!(m["seed"], 7);
    assert_eq!(m["docs_per_condition"], 50);
    assert!(m["rng"].as_str().unwrap().starts_with("ChaCha20Rng"));
    assert_eq!(m["conditions"].as_array().unwrap().len(), 1);
    let c = &m["conditions"][0];
    assert_eq!(c["id"], "control");
    let per_type: u64 = c["doc_types"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(per_type, 50);
    assert!(c["facts"]["house-style"].as_u64().unwrap() > 0);
    assert!(
        c["facts"].get("free-tier-trained").is_none(),
        "only the condition's facts are counted"
    );
    let sources: Vec<&str> = m["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"source/spec.toml"));
    assert!(sources.contains(&"source/pools/first.txt"));
    assert!(sources.contains(&"source/templates/partials/byline.j2"));
    assert!(
        m["command_line"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--docs")
    );
}

#[test]
fn formats_text_and_oai_doctag_keep_provenance_row_for_row() {
    let tmp = tempdir().unwrap();
    let d = tmp.path().join("dolma");
    let o = tmp.path().join("oai");
    let t = tmp.path().join("text");
    generate(&d, &["--condition", "base"]);
    let mo = generate(
        &o,
        &[
            "--condition",
            "base",
            "--format",
            "oai-doctag",
            "--doctag",
            "<DOC>",
        ],
    );
    generate(
        &t,
        &[
            "--condition",
            "base",
            "--format",
            "text",
            "--compression",
            "none",
        ],
    );
    assert_eq!(mo["output"]["doctag"], "<DOC>");
    let dolma = zstd_lines(&d.join("data/base-00000-of-00001.jsonl.zst"));
    let chat = zstd_lines(&o.join("data/base-00000-of-00001.jsonl.zst"));
    let prov = zstd_lines(&o.join("provenance/base-00000-of-00001.jsonl.zst"));
    let text: Vec<String> = std::fs::read_to_string(t.join("data/base-00000-of-00001.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(dolma.len(), 200);
    assert_eq!(chat.len(), 200);
    assert_eq!(prov.len(), 200);
    assert_eq!(text.len(), 200);
    for i in [0usize, 57, 199] {
        let dr: serde_json::Value = serde_json::from_str(&dolma[i]).unwrap();
        let cr: serde_json::Value = serde_json::from_str(&chat[i]).unwrap();
        let pr: serde_json::Value = serde_json::from_str(&prov[i]).unwrap();
        let tr: serde_json::Value = serde_json::from_str(&text[i]).unwrap();
        assert_eq!(
            cr["messages"][0],
            serde_json::json!({"role": "user", "content": "<DOC>"})
        );
        assert_eq!(cr["messages"][1]["role"], "assistant");
        assert_eq!(cr["messages"][1]["content"], dr["text"]);
        assert_eq!(tr, serde_json::json!({"text": dr["text"]}));
        assert_eq!(pr["id"], dr["id"]);
        assert_eq!(pr["metadata"], dr["metadata"]);
    }
    factpress().arg("verify").arg(&o).assert().success();
    factpress()
        .arg("verify")
        .arg(&t)
        .arg("--regenerate")
        .assert()
        .success();
}

#[test]
fn an_existing_non_empty_out_is_refused_and_nothing_is_left_behind_on_failure() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    factpress()
        .args(["generate", MINI, "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("exists and is not empty"));
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine"
    );

    // A render-time failure (unknown condition aside, a bad --var is caught before writing).
    let out = tmp.path().join("d");
    factpress()
        .args(["generate", MINI, "--var", "nope=1", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no variable `nope`"));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("factpress-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An empty folder is accepted.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    generate(&empty, &["--docs", "5"]);
}

#[test]
fn bad_arguments_are_usage_errors() {
    factpress()
        .args(["generate", MINI, "--condition", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("it has: base, control"));
    factpress()
        .args(["generate", MINI, "--shards", "0"])
        .assert()
        .code(2);
    factpress()
        .args(["generate", MINI, "--docs", "3", "--shards", "4"])
        .assert()
        .code(2);
    factpress()
        .args(["generate", MINI, "--var", "novalue"])
        .assert()
        .code(2);
    factpress()
        .args(["verify", "tests/fixtures"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a factpress corpus"));
}

#[test]
fn sample_prints_what_generate_writes() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    generate(&dir, &["--condition", "control"]);
    let out = factpress()
        .args([
            "sample",
            MINI,
            "-n",
            "2",
            "--condition",
            "control",
            "--doc-type",
            "op-ed",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let records: Vec<serde_json::Value> =
        zstd_lines(&dir.join("data/control-00000-of-00001.jsonl.zst"))
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let opeds: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["metadata"]["doc_type"] == "op-ed")
        .take(2)
        .collect();
    assert_eq!(opeds.len(), 2);
    for r in opeds {
        assert!(out.contains(r["id"].as_str().unwrap()));
        assert!(out.contains(r["text"].as_str().unwrap()));
    }
}

/// Polls `child` until it exits; kills it and fails if it has not exited by `deadline`.
fn wait_bounded(
    child: &mut std::process::Child,
    deadline: std::time::Instant,
    what: &str,
) -> std::process::ExitStatus {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: the child did not exit in time and was killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_leaves_nothing_behind_and_exits_130() {
    use std::time::{Duration, Instant};
    // A guard against a hung child, not a measurement: generous, and never asserted on.
    const LIMIT: Duration = Duration::from_secs(60);
    let tmp = tempdir().unwrap();
    let out = tmp.path().join("c");
    // Far more documents than can be written before the signal arrives.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("factpress"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["generate", MINI, "--quiet", "--docs", "50000000", "--out"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr as it comes, so that the child can never block on a full pipe.
    let mut pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut s).unwrap();
        s
    });
    // Wait until the temporary folder exists, i.e. writing has started.
    let deadline = Instant::now() + LIMIT;
    while !std::fs::read_dir(tmp.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains("factpress-tmp")
    }) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "generate exited ({status}) before writing started: {}",
                stderr.join().unwrap()
            );
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no temporary folder appeared; the child was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_bounded(&mut child, Instant::now() + LIMIT, "after SIGINT");
    let err = stderr.join().unwrap();
    assert_eq!(exit.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no corpus and no temporary folder remain"
    );
}
