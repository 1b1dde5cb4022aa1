//! Helpers shared by the integration tests: run the real binary, read a manifest.
#![allow(dead_code)]

pub mod llm;

use assert_cmd::Command;
use std::path::Path;

pub const MINI: &str = "tests/fixtures/mini/spec.toml";

pub fn factpress() -> Command {
    let mut c = Command::cargo_bin("factpress").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest exists");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Generates the mini corpus into `dir` with extra arguments; panics unless it succeeds.
pub fn generate(dir: &Path, extra: &[&str]) -> serde_json::Value {
    factpress()
        .args(["generate", MINI, "--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    manifest(dir)
}

pub fn shard_hashes(m: &serde_json::Value) -> Vec<(String, String)> {
    m["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["shards"]
                .as_array()
                .unwrap()
                .iter()
                .chain(c["provenance"].as_array().into_iter().flatten())
        })
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn zstd_lines(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("shard exists");
    let raw = zstd::decode_all(&bytes[..]).expect("valid zstd");
    String::from_utf8(raw)
        .expect("UTF-8")
        .lines()
        .map(String::from)
        .collect()
}

/// The stderr of a run that must exit with `code`, as text.
pub fn stderr_of(run: assert_cmd::assert::Assert, code: i32) -> String {
    String::from_utf8(run.code(code).get_output().stderr.clone()).expect("UTF-8 stderr")
}
