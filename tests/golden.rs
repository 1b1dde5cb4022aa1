//! Golden bytes: a small corpus whose every shard digest is pinned. If a dependency upgrade
//! (rand_chacha, minijinja, zstd, serde_json, sha2) or a change in rendering moves one byte,
//! this fails. Update the constants only for an intended change, and say so in the changelog.

mod common;
use common::*;
use tempfile::tempdir;

const CONTENT_SHA256: &str = "2ef787996de80fed6843409631c9aaec32cca8686340e963c366dbf4efe9f0e9";

#[test]
fn golden_corpus_bytes_are_pinned() {
    let tmp = tempdir().unwrap();
    let m = generate(&tmp.path().join("g"), &["--shards", "2", "--docs", "300"]);
    assert_eq!(m["content_sha256"], CONTENT_SHA256);
    insta::assert_debug_snapshot!("golden_shards", shard_hashes(&m));
    let first = zstd_lines(&tmp.path().join("g/data/base-00000-of-00002.jsonl.zst"));
    insta::assert_snapshot!("golden_first_records", first[..3].join("\n"));
}
