//! `generate --tokens`: a token budget per condition, decided on the root condition.

mod common;
use common::*;
use tempfile::tempdir;

#[test]
fn token_budget_is_the_same_corpus_for_any_thread_or_shard_count() {
    let tmp = tempdir().unwrap();
    let mut seen = Vec::new();
    for (threads, shards) in [("1", "1"), ("2", "1"), ("2", "3")] {
        let dir = tmp.path().join(format!("t{threads}-s{shards}"));
        let m = generate(
            &dir,
            &["--tokens", "12K", "--threads", threads, "--shards", shards],
        );
        seen.push((m["content_sha256"].clone(), m["docs_per_condition"].clone()));
        assert_eq!(m["token_budget"]["tokens"], 12_000);
        assert_eq!(m["token_budget"]["tokenizer"], "cl100k");
        let conds = m["conditions"].as_array().unwrap();
        // Matched conditions: the same number of documents, decided on the root.
        assert!(conds.iter().all(|c| c["docs"] == m["docs_per_condition"]));
        let root = &conds[0];
        assert_eq!(root["id"], "base");
        assert!(root["tokens"].as_u64().unwrap() >= 12_000);
    }
    assert!(seen.iter().all(|s| *s == seen[0]), "{seen:?}");
}

#[test]
fn token_budget_is_the_fewest_documents_that_reach_it() {
    let tmp = tempdir().unwrap();
    let m = generate(&tmp.path().join("a"), &["--tokens", "5000"]);
    let docs = m["docs_per_condition"].as_u64().unwrap();
    let tokens = m["conditions"][0]["tokens"].as_u64().unwrap();
    // One document fewer falls short: a budget of `tokens` gives the same count, and a
    // budget one token above what the first docs - 1 hold gives exactly `docs`.
    let m2 = generate(&tmp.path().join("b"), &["--tokens", &tokens.to_string()]);
    assert_eq!(m2["docs_per_condition"].as_u64().unwrap(), docs);
    generate(
        &tmp.path().join("c"),
        &["--docs", &(docs - 1).to_string(), "--condition", "base"],
    );
    let short = stats_tokens(&tmp.path().join("c"), &tmp.path().join("c.json"));
    assert!(
        short < 5000,
        "{} documents already hold {short} tokens",
        docs - 1
    );
    // stats counts the same tokens as the manifest records.
    assert_eq!(
        stats_tokens_of(&tmp.path().join("a"), "base", &tmp.path().join("a.json")),
        tokens
    );
    // The manifest rebuilds: regenerate gives the same shards.
    factpress()
        .args(["regenerate", "--quiet"])
        .arg(tmp.path().join("a"))
        .arg("--out")
        .arg(tmp.path().join("r"))
        .assert()
        .success();
    assert_eq!(
        manifest(&tmp.path().join("r"))["token_budget"],
        m["token_budget"]
    );
}

fn stats_tokens(dir: &std::path::Path, json: &std::path::Path) -> u64 {
    stats_tokens_of(dir, "base", json)
}

fn stats_tokens_of(dir: &std::path::Path, condition: &str, json: &std::path::Path) -> u64 {
    factpress()
        .args(["stats", "--quiet", "--condition", condition, "--json"])
        .arg(json)
        .arg(dir)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    s["size"]["tokens"].as_u64().unwrap()
}

#[test]
fn docs_and_tokens_are_exclusive_and_counts_are_checked() {
    let tmp = tempdir().unwrap();
    let out = tmp.path().join("x");
    let err = stderr_of(
        factpress()
            .args(["generate", MINI, "--tokens", "1M", "--docs", "10", "--out"])
            .arg(&out)
            .assert(),
        2,
    );
    assert!(err.contains("--docs and --tokens are exclusive"), "{err}");
    let err = stderr_of(
        factpress()
            .args(["generate", MINI, "--tokens", "70Q", "--out"])
            .arg(&out)
            .assert(),
        2,
    );
    assert!(
        err.contains("expected a positive count such as 70M"),
        "{err}"
    );
    let err = stderr_of(
        factpress()
            .args(["generate", MINI, "--tokenizer", "o200k", "--out"])
            .arg(&out)
            .assert(),
        2,
    );
    assert!(err.contains("add --tokens N"), "{err}");
    assert!(!out.exists());
}
