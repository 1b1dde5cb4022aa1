//! `factpress briefs`: the same bytes for any thread count, request files split to the
//! limits, custom_id = document id, requests that match their index, and located errors
//! for a missing [llm] section, prompt template errors and derived conditions without a base.

mod common;
use common::*;
use sha2::{Digest, Sha256};
use std::path::Path;

pub const LLM: &str = "tests/fixtures/llm/spec.toml";

fn briefs(out: &Path, extra: &[&str]) {
    factpress()
        .args(["briefs", LLM, "--quiet", "--condition", "base", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn read_lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// Every file of a briefs folder but the manifest's run-dependent fields.
fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut m = manifest(dir);
    m["created_at"] = serde_json::Value::Null;
    m["command_line"] = serde_json::Value::Null;
    let mut out = vec![("manifest".to_string(), serde_json::to_vec(&m).unwrap())];
    for f in m["files"].as_array().unwrap() {
        let p = f["path"].as_str().unwrap();
        out.push((p.to_string(), std::fs::read(dir.join(p)).unwrap()));
    }
    out
}

#[test]
fn briefs_are_the_same_bytes_for_any_thread_count() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let args = [
        "--docs",
        "600",
        "--provider",
        "openai-batch",
        "--model",
        "gpt-x",
        "--draft",
    ];
    briefs(&a, &[&args[..], &["--threads", "1"]].concat());
    briefs(&b, &[&args[..], &["--threads", "2"]].concat());
    let (fa, fb) = (folder_bytes(&a), folder_bytes(&b));
    assert_eq!(
        fa.len(),
        4,
        "briefs, index and one request file: {:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(fa == fb, "briefs differ between 1 and 2 threads");
    assert_eq!(read_lines(&a.join("requests/00000.jsonl")).len(), 600);
}

#[test]
fn request_files_split_at_the_request_and_byte_limits() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b");
    briefs(
        &out,
        &[
            "--docs",
            "20",
            "--provider",
            "anthropic-batch",
            "--model",
            "c",
            "--max-requests",
            "7",
        ],
    );
    let m = manifest(&out);
    let counts: Vec<u64> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("requests/"))
        .map(|f| f["records"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [7, 7, 6]);
    // By bytes: no file above the limit, and the lines are the same requests in order.
    let small = t.path().join("s");
    briefs(
        &small,
        &[
            "--docs",
            "20",
            "--provider",
            "anthropic-batch",
            "--model",
            "c",
            "--max-bytes",
            "4000",
        ],
    );
    let mut all = Vec::new();
    for f in manifest(&small)["files"].as_array().unwrap() {
        let p = f["path"].as_str().unwrap();
        if p.starts_with("requests/") {
            assert!(
                f["bytes"].as_u64().unwrap() <= 4000,
                "{p} is {} bytes",
                f["bytes"]
            );
            all.extend(read_lines(&small.join(p)));
        }
    }
    assert!(
        manifest(&small)["files"].as_array().unwrap().len() > 4,
        "expected several files"
    );
    let whole: Vec<String> = ["00000", "00001", "00002"]
        .iter()
        .flat_map(|k| {
            let p = out.join(format!("requests/{k}.jsonl"));
            read_lines(&p)
        })
        .collect();
    assert_eq!(all, whole);
    // A request larger than the file limit is refused.
    let err = stderr_of(
        factpress()
            .args([
                "briefs",
                LLM,
                "--condition",
                "base",
                "--docs",
                "2",
                "--provider",
                "openai-batch",
                "--model",
                "m",
                "--max-bytes",
                "100",
                "--out",
            ])
            .arg(t.path().join("x"))
            .assert(),
        2,
    );
    assert!(
        err.contains("more than a request file may hold (100 bytes)"),
        "{err}"
    );
    assert!(!t.path().join("x").exists());
}

#[test]
fn custom_ids_are_document_ids_and_index_digests_match_the_lines() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b");
    briefs(
        &out,
        &["--docs", "12", "--provider", "openai-chat", "--model", "m"],
    );
    let index = read_lines(&out.join("index.jsonl"));
    let briefs = read_lines(&out.join("briefs.jsonl"));
    assert_eq!(index.len(), 12);
    for (k, (i, b)) in index.iter().zip(&briefs).enumerate() {
        let i: serde_json::Value = serde_json::from_str(i).unwrap();
        let b: serde_json::Value = serde_json::from_str(b).unwrap();
        let id = format!("base-{k:08}");
        assert_eq!(i["custom_id"], id.as_str());
        assert_eq!(b["id"], id.as_str());
        assert_eq!(b["attempt"], 1);
        let line = &read_lines(&out.join(i["file"].as_str().unwrap()))
            [i["line"].as_u64().unwrap() as usize - 1];
        let req: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(req["custom_id"], id.as_str());
        assert_eq!(req["url"], "/v1/chat/completions");
        assert_eq!(req["body"]["max_tokens"], 1200);
        assert_eq!(
            i["sha256"].as_str().unwrap(),
            hex::encode(Sha256::digest(line.as_bytes()))
        );
        assert_eq!(b["request_sha256"], i["sha256"]);
        // The brief's facts are the facts the generator plans for the same document.
        assert!(!b["facts"].as_array().unwrap().is_empty());
    }
}

#[test]
fn briefs_carry_the_generated_documents_choices() {
    let t = tempfile::tempdir().unwrap();
    let (out, corpus) = (t.path().join("b"), t.path().join("c"));
    briefs(
        &out,
        &[
            "--docs",
            "10",
            "--provider",
            "openai-batch",
            "--model",
            "m",
            "--draft",
        ],
    );
    factpress()
        .args([
            "generate",
            LLM,
            "--quiet",
            "--condition",
            "base",
            "--docs",
            "10",
            "--compression",
            "none",
            "--out",
        ])
        .arg(&corpus)
        .assert()
        .success();
    let recs = read_lines(&corpus.join("data/base-00000-of-00001.jsonl"));
    for (r, b) in recs.iter().zip(read_lines(&out.join("briefs.jsonl"))) {
        let r: serde_json::Value = serde_json::from_str(r).unwrap();
        let b: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(r["id"], b["id"]);
        assert_eq!(r["text"], b["draft"]);
        assert_eq!(r["metadata"]["doc_type"], b["doc_type"]);
        assert_eq!(r["metadata"]["template"], b["template"]);
        let ids: Vec<&serde_json::Value> = r["metadata"]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["id"])
            .collect();
        let bids: Vec<&serde_json::Value> = b["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["id"])
            .collect();
        assert_eq!(ids, bids);
    }
}

#[test]
fn bad_llm_sections_are_reported_with_locations() {
    let t = tempfile::tempdir().unwrap();
    for name in ["syntax", "undefined", "fields"] {
        let spec = format!("tests/fixtures/llm/bad/{name}.toml");
        let err = stderr_of(
            factpress()
                .args([
                    "briefs",
                    &spec,
                    "--condition",
                    "base",
                    "--docs",
                    "2",
                    "--provider",
                    "openai-batch",
                    "--model",
                    "m",
                    "--out",
                ])
                .arg(t.path().join(name))
                .assert(),
            2,
        );
        assert!(err.contains(&format!("┌─ {spec}:")), "{name}: {err}");
        assert!(!t.path().join(name).exists());
        insta::assert_snapshot!(format!("llm_{name}"), err);
        // `check` reports the same problems: the prompts are part of the spec.
        let checked = stderr_of(factpress().args(["check", &spec]).assert(), 2);
        assert_eq!(checked, err, "{name}: check and briefs differ");
    }
}

#[test]
fn briefs_without_llm_section_or_base_corpus_fail_clearly() {
    let t = tempfile::tempdir().unwrap();
    let err = stderr_of(
        factpress()
            .args([
                "briefs",
                MINI,
                "--provider",
                "openai-batch",
                "--model",
                "m",
                "--out",
            ])
            .arg(t.path().join("a"))
            .assert(),
        2,
    );
    insta::assert_snapshot!("llm_missing_section", err);
    let err = stderr_of(
        factpress()
            .args([
                "briefs",
                LLM,
                "--docs",
                "3",
                "--provider",
                "openai-batch",
                "--model",
                "m",
                "--out",
            ])
            .arg(t.path().join("b"))
            .assert(),
        2,
    );
    assert!(
        err.contains("condition `control` is derived from `base`") && err.contains("--base-corpus"),
        "{err}"
    );
}

#[test]
fn a_token_budget_briefs_the_documents_generate_writes_for_it() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("briefs");
    briefs(
        &dir,
        &[
            "--tokens",
            "20K",
            "--provider",
            "openai-chat",
            "--model",
            "m",
        ],
    );
    let corpus = t.path().join("corpus");
    factpress()
        .args([
            "generate",
            LLM,
            "--quiet",
            "--condition",
            "base",
            "--tokens",
            "20K",
            "--out",
        ])
        .arg(&corpus)
        .assert()
        .success();
    let g = manifest(&corpus);
    let docs = g["docs_per_condition"].as_u64().unwrap();
    assert!(docs > 100, "{docs}");
    let m = manifest(&dir);
    assert_eq!(m["docs_per_condition"].as_u64(), Some(docs));
    let ids: Vec<String> = read_lines(&dir.join("briefs.jsonl"))
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let generated: Vec<String> = zstd_lines(&corpus.join("data/base-00000-of-00001.jsonl.zst"))
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, generated);
}
