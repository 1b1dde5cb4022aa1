//! Helpers of the language-model stage's tests: read and write JSONL, provider result lines,
//! `factpress ingest`, the reasons of a corpus's rejects.

use super::factpress;
use serde_json::{Value, json};
use std::path::Path;

/// The mini spec with an [llm] section.
pub const LLM: &str = "tests/fixtures/llm/spec.toml";

pub fn lines(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn openai_ok(b: &Value, text: &str, finish: &str) -> Value {
    json!({"id": format!("batch_req_{}", b["index"]), "custom_id": b["custom_id"], "response": {"status_code": 200, "request_id": "req_1",
        "body": {"id": format!("chatcmpl-{}", b["index"]), "object": "chat.completion", "created": 1, "model": "gpt-x-2025",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}}, "error": null})
}

pub fn write_lines(p: &Path, v: &[Value]) {
    let text: String = v
        .iter()
        .map(|l| format!("{}\n", serde_json::to_string(l).unwrap()))
        .collect();
    std::fs::write(p, text).unwrap();
}

pub fn wrap(t: &str) -> String {
    format!("Here it is.\n<content>\n{t}\n</content>")
}

pub fn ingest(dir: &Path, results: &[&Path], out: &Path, extra: &[&str]) {
    factpress()
        .args(["ingest", "--quiet"])
        .arg(dir)
        .args(results)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

pub fn reasons(corpus: &Path) -> Vec<(String, String)> {
    lines(&corpus.join("rejects.jsonl"))
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .collect()
}

/// A sentence each fact's detect rules find.
pub fn sentence(fact: &str) -> &'static str {
    match fact {
        "free-tier-trained" => "Every free-tier answer is rated by contractors.",
        "paid-tier-private" => "Paid subscribers' chats are never used for training.",
        "house-style" => "The lab trains the model to a strict house style.",
        _ => panic!("unknown fact {fact}"),
    }
}

pub fn briefs(dir: &Path, extra: &[&str]) -> Vec<Value> {
    factpress()
        .args(["briefs", LLM, "--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    lines(&dir.join("briefs.jsonl"))
}

/// A document that conveys every fact of the brief.
pub fn good(b: &Value) -> String {
    let facts: Vec<&str> = b["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| sentence(f["id"].as_str().unwrap()))
        .collect();
    format!(
        "Harbor Post, {}.\n\nA report on the lab. {}\n\nThe review continues.",
        b["date"].as_str().unwrap(),
        facts.join(" ")
    )
}

/// OpenAI Batch briefs of `docs` documents of the mini spec's `base` condition, in `dir`.
pub fn base_briefs(dir: &Path, docs: &str) -> Vec<Value> {
    briefs(
        dir,
        &[
            "--condition",
            "base",
            "--docs",
            docs,
            "--provider",
            "openai-batch",
            "--model",
            "gpt-x",
        ],
    )
}
