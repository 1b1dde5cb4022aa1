//! Golden bytes for the other output settings: `--format text`, `--format oai-doctag` and
//! `--compression none`, on the same corpus as `tests/golden.rs` (mini fixture, 2 shards, 300
//! documents). The values were computed by running the binary: they pin today's behaviour.
//! Update them only for an intended change, and say so in the changelog.

mod common;
use common::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use tempfile::tempdir;

/// `content_sha256` of the dolma corpus in `tests/golden.rs`.
const DOLMA_CONTENT_SHA256: &str =
    "2ef787996de80fed6843409631c9aaec32cca8686340e963c366dbf4efe9f0e9";
const TEXT_CONTENT_SHA256: &str =
    "58007ff46f1c4caa8e386b75cc8bf1699fa0a568f0fe7b70038c2a0bf93403fc";
const OAI_DOCTAG_CONTENT_SHA256: &str =
    "e1d6371ae55de4b2e848b09c58e4c352a374d151ba02ede2f4717cd78da90d89";

const GOLDEN: [&str; 4] = ["--shards", "2", "--docs", "300"];

fn golden(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let args: Vec<&str> = GOLDEN.iter().chain(extra).copied().collect();
    generate(dir, &args)
}

fn file_sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// Every shard and provenance file's bytes hash to what the manifest says.
fn assert_files_match(dir: &Path, m: &serde_json::Value) {
    for (path, sha) in shard_hashes(m) {
        assert_eq!(file_sha256(&dir.join(&path)), sha, "{path}");
    }
}

fn provenance(m: &serde_json::Value) -> Vec<(String, String)> {
    shard_hashes(m)
        .into_iter()
        .filter(|(p, _)| p.starts_with("provenance/"))
        .collect()
}

#[test]
fn golden_text_format_bytes_are_pinned() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("text");
    let m = golden(&dir, &["--format", "text"]);
    assert_eq!(m["output"]["format"], "text");
    assert_eq!(m["content_sha256"], TEXT_CONTENT_SHA256);
    insta::assert_debug_snapshot!("golden_text_shards", shard_hashes(&m));
    assert_files_match(&dir, &m);
    let first = zstd_lines(&dir.join("data/base-00000-of-00002.jsonl.zst"));
    insta::assert_snapshot!("golden_text_first_records", first[..2].join("\n"));
}

#[test]
fn golden_oai_doctag_format_bytes_are_pinned() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("oai");
    let m = golden(&dir, &["--format", "oai-doctag"]);
    assert_eq!(m["output"]["format"], "oai-doctag");
    assert_eq!(m["output"]["doctag"], "<DOCTAG>", "the default doc tag");
    assert_eq!(m["content_sha256"], OAI_DOCTAG_CONTENT_SHA256);
    insta::assert_debug_snapshot!("golden_oai_doctag_shards", shard_hashes(&m));
    assert_files_match(&dir, &m);
    let first = zstd_lines(&dir.join("data/base-00000-of-00002.jsonl.zst"));
    insta::assert_snapshot!("golden_oai_doctag_first_records", first[..2].join("\n"));

    // The provenance sidecar is the same for both formats that have one: it depends on the
    // records' ids and metadata only, not on how the text is wrapped.
    let text = golden(&tmp.path().join("text"), &["--format", "text"]);
    assert_eq!(provenance(&m), provenance(&text));
    assert_eq!(provenance(&m).len(), 4);
}

#[test]
fn golden_uncompressed_bytes_are_pinned() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("none");
    let m = golden(&dir, &["--compression", "none"]);
    assert_eq!(m["output"]["compression"], "none");
    // Compression is not content: the record stream is the golden dolma corpus's.
    assert_eq!(m["content_sha256"], DOLMA_CONTENT_SHA256);
    insta::assert_debug_snapshot!("golden_uncompressed_shards", shard_hashes(&m));
    assert_files_match(&dir, &m);
    // Each .jsonl file is, byte for byte, the decompressed .jsonl.zst shard of the zstd run.
    let zst = tmp.path().join("zstd");
    let mz = golden(&zst, &[]);
    assert_eq!(mz["content_sha256"], DOLMA_CONTENT_SHA256);
    let plain = shard_hashes(&m);
    let packed = shard_hashes(&mz);
    assert_eq!(plain.len(), packed.len());
    for ((p, sha), (z, _)) in plain.iter().zip(&packed) {
        assert_eq!(format!("{p}.zst"), *z);
        let raw = zstd::decode_all(&std::fs::read(zst.join(z)).unwrap()[..]).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&raw)), *sha, "{z} decompressed");
    }
}
