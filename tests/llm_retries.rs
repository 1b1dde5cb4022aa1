//! Retried documents go back into their corpus: `ingest RETRY RESULTS --onto CORPUS` writes
//! CORPUS with each retried document replaced by its new attempt; the result verifies,
//! regenerates byte for byte, is the same for any thread count, and its rejects feed the next
//! `briefs --retry`. A folder that is not a retry of that corpus is refused with a reason.

mod common;
use common::llm::*;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn retry_briefs(rejects: &Path, out: &Path) -> Vec<Value> {
    factpress()
        .args([
            "briefs",
            LLM,
            "--quiet",
            "--provider",
            "openai-batch",
            "--model",
            "gpt-y",
            "--retry",
        ])
        .arg(rejects)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    lines(&out.join("briefs.jsonl"))
}

/// Every dolma record of condition `base` in `corpus`: (id, text, attempt).
fn records(corpus: &Path) -> Vec<(String, String, u64)> {
    zstd_lines(&corpus.join("data/base-00000-of-00001.jsonl.zst"))
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let attempt = v["metadata"]["llm"]["attempt"].as_u64().unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
                attempt,
            )
        })
        .collect()
}

/// A corpus of 8 documents, the last 4 rejected (no fact), and the retry briefs of those 4.
fn first_round(t: &Path) -> (PathBuf, PathBuf, Vec<Value>) {
    let dir = t.join("briefs");
    let b = base_briefs(&dir, "8");
    let out: Vec<Value> = b
        .iter()
        .enumerate()
        .map(|(i, x)| match i < 4 {
            true => openai_ok(x, &wrap(&good(x)), "stop"),
            false => openai_ok(x, &wrap("A report on the lab, with nothing in it."), "stop"),
        })
        .collect();
    let results = t.join("first.jsonl");
    write_lines(&results, &out);
    let corpus = t.join("corpus");
    ingest(&dir, &[&results], &corpus, &[]);
    assert_eq!(reasons(&corpus).len(), 4);
    let retry = t.join("retry");
    let r = retry_briefs(&corpus.join("rejects.jsonl"), &retry);
    (corpus, retry, r)
}

/// Results for the retry: all good but the last, which misses its facts again.
fn retry_results(t: &Path, r: &[Value]) -> PathBuf {
    let out: Vec<Value> = r
        .iter()
        .enumerate()
        .map(|(i, x)| match i + 1 < r.len() {
            true => openai_ok(x, &wrap(&format!("Second try. {}", good(x))), "stop"),
            false => openai_ok(x, &wrap("Still nothing to report."), "stop"),
        })
        .collect();
    let p = t.join("retry.jsonl");
    write_lines(&p, &out);
    p
}

#[test]
fn retried_documents_are_folded_back_into_the_corpus() {
    let t = tempfile::tempdir().unwrap();
    let (corpus, retry, r) = first_round(t.path());
    assert_eq!(r.len(), 4);
    let results = retry_results(t.path(), &r);
    let folded = t.path().join("folded");
    ingest(
        &retry,
        &[&results],
        &folded,
        &["--onto", corpus.to_str().unwrap()],
    );

    let m = manifest(&folded);
    let l = &m["llm"];
    assert_eq!(
        (l["briefs"].clone(), l["accepted"].clone()),
        (8.into(), 7.into())
    );
    assert_eq!(l["rejected"], 1);
    assert_eq!(l["retries"], 1);
    assert_eq!(
        l["accepted_by_attempt"],
        serde_json::json!({"1": 4, "2": 3})
    );
    assert!(
        l["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "retries/1/briefs.jsonl")
    );
    assert_eq!(
        std::fs::read(folded.join("retries/1/briefs.jsonl")).unwrap(),
        std::fs::read(retry.join("briefs.jsonl")).unwrap()
    );

    // The first four documents are the first corpus's; three retried ones are the new text.
    let before = records(&corpus);
    let after = records(&folded);
    assert_eq!(after.len(), 7);
    assert_eq!(after[..4], before[..4]);
    let ids: Vec<&str> = after.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        ids,
        (0..7).map(|i| format!("base-{i:08}")).collect::<Vec<_>>()
    );
    for a in &after[4..] {
        assert_eq!(a.2, 2, "{a:?}");
        assert!(a.1.starts_with("Second try."), "{a:?}");
    }
    let still = lines(&folded.join("rejects.jsonl"));
    assert_eq!(still.len(), 1);
    assert_eq!(still[0]["id"], "base-00000007");
    assert_eq!(still[0]["attempt"], 2);

    // It verifies, regenerates to the same bytes, and feeds the next retry.
    factpress()
        .args(["verify", "--regenerate"])
        .arg(&folded)
        .assert()
        .success();
    let again = t.path().join("again");
    factpress()
        .args(["regenerate", "--quiet"])
        .arg(&folded)
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(manifest(&again)["content_sha256"], m["content_sha256"]);
    assert_eq!(shard_hashes(&manifest(&again)), shard_hashes(&m));
    let third = retry_briefs(&folded.join("rejects.jsonl"), &t.path().join("retry-3"));
    assert_eq!(third.len(), 1);
    assert_eq!(third[0]["custom_id"], "base-00000007-a3");
    assert_eq!(third[0]["attempt"], 3);
}

#[test]
fn folding_is_the_same_bytes_for_any_thread_count() {
    let t = tempfile::tempdir().unwrap();
    let (corpus, retry, r) = first_round(t.path());
    let results = retry_results(t.path(), &r);
    let mut hashes = Vec::new();
    for threads in ["1", "2"] {
        let out = t.path().join(format!("folded-{threads}"));
        ingest(
            &retry,
            &[&results],
            &out,
            &["--onto", corpus.to_str().unwrap(), "--threads", threads],
        );
        let m = manifest(&out);
        hashes.push((m["content_sha256"].clone(), shard_hashes(&m)));
    }
    assert_eq!(hashes[0], hashes[1]);
}

#[test]
fn a_folder_that_is_not_a_retry_of_the_corpus_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let (corpus, retry, r) = first_round(t.path());
    let results = retry_results(t.path(), &r);
    let folded = t.path().join("folded");
    ingest(
        &retry,
        &[&results],
        &folded,
        &["--onto", corpus.to_str().unwrap()],
    );
    let refuse = |dir: &Path, onto: &Path, results: &Path| {
        let out = t.path().join("refused");
        let err = stderr_of(
            factpress()
                .arg("ingest")
                .arg(dir)
                .arg(results)
                .arg("--onto")
                .arg(onto)
                .arg("--out")
                .arg(&out)
                .assert(),
            2,
        );
        assert!(!out.exists());
        err
    };
    // The retry was briefed from corpus's rejects, not from folded's (which changed).
    let err = refuse(&retry, &folded, &results);
    assert!(
        err.contains("which is not") && err.contains("brief the retry from the rejects"),
        "{err}"
    );
    // The first briefs folder is not a retry at all.
    let err = refuse(
        &t.path().join("briefs"),
        &corpus,
        &t.path().join("first.jsonl"),
    );
    assert!(err.contains("not a retry briefs folder"), "{err}");
    // A corpus written by `generate` is not an ingested corpus.
    let generated = t.path().join("generated");
    factpress()
        .args(["generate", LLM, "--docs", "3", "--quiet", "--out"])
        .arg(&generated)
        .assert()
        .success();
    let err = refuse(&retry, &generated, &results);
    assert!(err.contains("not an ingested corpus"), "{err}");
}
