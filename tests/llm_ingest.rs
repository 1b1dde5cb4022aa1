//! `factpress ingest`: result files in each provider's documented format (succeeded,
//! errored, expired, canceled, truncated) and the `llm run` cache; planted documents that
//! miss a fact, match a forbidden class or refuse go to rejects.jsonl; the same corpus bytes
//! for 1 and 2 threads; verify and regenerate of an ingested corpus; derived conditions
//! edited from their base; retries; results for other requests and malformed lines.

mod common;
use common::llm::*;
use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn anthropic_ok(b: &Value, text: &str, stop: &str) -> Value {
    json!({"custom_id": b["custom_id"], "result": {"type": "succeeded", "message": {"id": format!("msg_{}", b["index"]), "type": "message",
        "role": "assistant", "model": "claude-x", "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": 100, "output_tokens": 50}}}})
}

/// Briefs for 8 base documents and OpenAI Batch output with planted failures.
fn openai_case(t: &Path) -> (PathBuf, PathBuf, Vec<Value>) {
    let dir = t.join("briefs");
    let b = base_briefs(&dir, "8");
    let mut out = vec![
        openai_ok(&b[0], &wrap(&good(&b[0])), "stop"),
        openai_ok(
            &b[1],
            &wrap("A report on the lab, with nothing in it."),
            "stop",
        ),
        openai_ok(
            &b[2],
            &wrap(&format!("{}\nUser: what about it?", good(&b[2]))),
            "stop",
        ),
        openai_ok(&b[3], &wrap(&good(&b[3])), "length"),
        json!({"id": "batch_req_4", "custom_id": b[4]["custom_id"], "response": null, "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}),
        json!({"id": "batch_req_5", "custom_id": b[5]["custom_id"], "response": {"status_code": 500, "request_id": "r", "body": {"error": {"message": "server error", "type": "server_error"}}}, "error": null}),
        openai_ok(
            &b[6],
            &wrap(&format!("I can't help with writing that. {}", good(&b[6]))),
            "stop",
        ),
        openai_ok(&b[7], &good(&b[7]), "stop"),
    ];
    out.reverse(); // batch output is in no particular order
    let results = t.join("output.jsonl");
    write_lines(&results, &out);
    (dir, results, b)
}

#[test]
fn openai_batch_output_is_ingested_and_audited() {
    let t = tempfile::tempdir().unwrap();
    let (dir, results, b) = openai_case(t.path());
    let corpus = t.path().join("corpus");
    ingest(&dir, &[&results], &corpus, &["--compression", "none"]);
    let r = reasons(&corpus);
    let expect = [
        ("base-00000001", "missing fact"),
        ("base-00000002", "forbidden `chat-log`"),
        ("base-00000003", "truncated (finish reason length)"),
        ("base-00000004", "errored: batch_expired"),
        ("base-00000005", "http 500: server error"),
        ("base-00000006", "refusal"),
        ("base-00000007", "no text inside <content>…</content>"),
    ];
    assert_eq!(r.len(), expect.len(), "{r:?}");
    for ((id, why), (eid, ewhy)) in r.iter().zip(expect) {
        assert_eq!(id, eid);
        assert!(why.contains(ewhy), "{id}: {why:?} should say {ewhy:?}");
    }
    let recs = lines(&corpus.join("data/base-00000-of-00001.jsonl"));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["id"], "base-00000000");
    assert_eq!(recs[0]["text"].as_str().unwrap(), good(&b[0]));
    let llm = &recs[0]["metadata"]["llm"];
    assert_eq!(llm["model"], "gpt-x-2025");
    assert_eq!(llm["response_id"], "chatcmpl-0");
    assert_eq!(llm["finish_reason"], "stop");
    assert_eq!(llm["request_sha256"], b[0]["request_sha256"]);
    assert_eq!(llm["usage"]["total_tokens"], 150);
    let m = manifest(&corpus);
    assert_eq!(m["llm"]["accepted"], 1);
    assert_eq!(m["llm"]["rejected"], 7);
    assert_eq!(m["conditions"][0]["docs"], 1);
    factpress()
        .args(["verify", "--quiet", "--regenerate"])
        .arg(&corpus)
        .assert()
        .success();
}

#[test]
fn anthropic_results_with_every_result_type() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("briefs");
    let b = briefs(
        &dir,
        &[
            "--condition",
            "base",
            "--docs",
            "6",
            "--provider",
            "anthropic-batch",
            "--model",
            "claude-x",
        ],
    );
    let out = vec![
        anthropic_ok(&b[0], &wrap(&good(&b[0])), "end_turn"),
        json!({"custom_id": b[1]["custom_id"], "result": {"type": "errored", "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: too large"}}}}),
        json!({"custom_id": b[2]["custom_id"], "result": {"type": "canceled"}}),
        json!({"custom_id": b[3]["custom_id"], "result": {"type": "expired"}}),
        anthropic_ok(&b[4], &wrap(&good(&b[4])), "max_tokens"),
        anthropic_ok(&b[5], &wrap(&good(&b[5])), "end_turn"),
    ];
    let results = t.path().join("results.jsonl");
    write_lines(&results, &out);
    let corpus = t.path().join("corpus");
    ingest(&dir, &[&results], &corpus, &["--format", "text"]);
    let r = reasons(&corpus);
    let got: Vec<(&str, &str)> = r.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "base-00000001",
                "errored: invalid_request_error: max_tokens: too large"
            ),
            ("base-00000002", "canceled"),
            ("base-00000003", "expired"),
            ("base-00000004", "truncated (finish reason max_tokens)"),
        ]
    );
    let prov = zstd_lines(&corpus.join("provenance/base-00000-of-00001.jsonl.zst"));
    let ids: Vec<String> = prov
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["base-00000000", "base-00000005"]);
    factpress()
        .args(["verify", "--quiet", "--regenerate"])
        .arg(&corpus)
        .assert()
        .success();
}

#[test]
fn the_run_cache_is_read_like_results() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("briefs");
    let b = briefs(
        &dir,
        &[
            "--condition",
            "base",
            "--docs",
            "3",
            "--provider",
            "openai-chat",
            "--model",
            "tiny",
        ],
    );
    for x in &b {
        let sha = x["request_sha256"].as_str().unwrap();
        let body = openai_ok(x, &wrap(&good(x)), "stop")["response"]["body"].clone();
        let entry = json!({"custom_id": x["custom_id"], "request_sha256": sha, "status_code": 200, "response": body});
        let p = dir
            .join("cache")
            .join(&sha[..2])
            .join(format!("{sha}.json"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, serde_json::to_string(&entry).unwrap()).unwrap();
    }
    let corpus = t.path().join("corpus");
    ingest(&dir, &[&dir.join("cache")], &corpus, &[]);
    assert_eq!(manifest(&corpus)["llm"]["accepted"], 3);
    // A cache entry for another version of a request is refused.
    let sha = b[1]["request_sha256"].as_str().unwrap();
    let p = dir
        .join("cache")
        .join(&sha[..2])
        .join(format!("{sha}.json"));
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    e["request_sha256"] = json!("0".repeat(64));
    std::fs::write(&p, serde_json::to_string(&e).unwrap()).unwrap();
    let err = stderr_of(
        factpress()
            .arg("ingest")
            .arg(&dir)
            .arg(dir.join("cache"))
            .arg("--out")
            .arg(t.path().join("c2"))
            .assert(),
        2,
    );
    assert!(err.contains("answers another request"), "{err}");
}

#[test]
fn ingest_is_the_same_bytes_for_1_and_2_threads_and_regenerates() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("briefs");
    let b = base_briefs(&dir, "700");
    let out: Vec<Value> = b
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let text = if i % 9 == 4 {
                "Nothing here.".to_string()
            } else {
                good(x)
            };
            openai_ok(x, &wrap(&text), "stop")
        })
        .collect();
    let results = t.path().join("out.jsonl");
    write_lines(&results, &out);
    let (a, c) = (t.path().join("a"), t.path().join("c"));
    ingest(&dir, &[&results], &a, &["--threads", "1"]);
    ingest(&dir, &[&results], &c, &["--threads", "2"]);
    let (ma, mc) = (manifest(&a), manifest(&c));
    assert_eq!(ma["content_sha256"], mc["content_sha256"]);
    assert_eq!(shard_hashes(&ma), shard_hashes(&mc));
    assert_eq!(ma["llm"], mc["llm"]);
    assert_eq!(ma["llm"]["rejected"], 78);
    let r = t.path().join("r");
    factpress()
        .args(["regenerate", "--quiet"])
        .arg(&a)
        .arg("--out")
        .arg(&r)
        .assert()
        .success();
    assert_eq!(shard_hashes(&manifest(&r)), shard_hashes(&ma));
    // A changed stored response is found by verify.
    let resp = a.join("responses/responses.jsonl");
    let text =
        std::fs::read_to_string(&resp)
            .unwrap()
            .replacen("review continues", "review goes on", 1);
    std::fs::write(&resp, text).unwrap();
    let err = stderr_of(factpress().args(["verify", "--quiet"]).arg(&a).assert(), 1);
    assert!(err.contains("responses/responses.jsonl"), "{err}");
}

#[test]
fn derived_conditions_edit_the_base_documents_and_pairs_over_the_limit_are_rejected() {
    let t = tempfile::tempdir().unwrap();
    let bdir = t.path().join("base-briefs");
    let b = base_briefs(&bdir, "4");
    let out: Vec<Value> = b
        .iter()
        .map(|x| openai_ok(x, &wrap(&good(x)), "stop"))
        .collect();
    let results = t.path().join("base.jsonl");
    write_lines(&results, &out);
    let base = t.path().join("base");
    ingest(&bdir, &[&results], &base, &[]);
    let cdir = t.path().join("control-briefs");
    let c = briefs(
        &cdir,
        &[
            "--condition",
            "control",
            "--docs",
            "4",
            "--provider",
            "openai-batch",
            "--model",
            "gpt-x",
            "--base-corpus",
            base.to_str().unwrap(),
        ],
    );
    assert_eq!(c.len(), 4);
    for (x, y) in c.iter().zip(&b) {
        assert_eq!(x["edit"]["base_id"], y["id"]);
        assert_eq!(x["edit"]["base_text"].as_str().unwrap(), good(y));
    }
    let with_free = c
        .iter()
        .position(|x| {
            x["edit"]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"] == "replace")
        })
        .expect("a replaced fact");
    let edited = |x: &Value| {
        x["edit"]["base_text"]
            .as_str()
            .unwrap()
            .replace(sentence("free-tier-trained"), sentence("house-style"))
    };
    let mut out = Vec::new();
    for (i, x) in c.iter().enumerate() {
        let text = match i {
            _ if i == with_free => format!(
                "{} Then again, every free-tier answer is rated by contractors.",
                edited(x)
            ),
            _ if i == (with_free + 1) % 4 => format!(
                "An entirely different story about the weather, the sea and ferries. {}",
                x["facts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| sentence(f["id"].as_str().unwrap()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            _ => edited(x),
        };
        out.push(openai_ok(x, &wrap(&text), "stop"));
    }
    let cres = t.path().join("control.jsonl");
    write_lines(&cres, &out);
    let corpus = t.path().join("control");
    ingest(&cdir, &[&cres], &corpus, &[]);
    let r = reasons(&corpus);
    assert_eq!(r.len(), 2, "{r:?}");
    let carried = r
        .iter()
        .find(|(id, _)| id == c[with_free]["id"].as_str().unwrap())
        .unwrap();
    assert!(
        carried
            .1
            .contains("carries fact `free-tier-trained`, which condition `control` does not"),
        "{carried:?}"
    );
    let rewritten = r
        .iter()
        .find(|(id, _)| id == c[(with_free + 1) % 4]["id"].as_str().unwrap())
        .unwrap();
    assert!(
        rewritten
            .1
            .contains("outside the edited facts (pairs_max_change 25.0%)"),
        "{rewritten:?}"
    );
}

#[test]
fn rejected_documents_are_retried_with_the_next_attempt() {
    let t = tempfile::tempdir().unwrap();
    let (dir, results, _) = openai_case(t.path());
    let corpus = t.path().join("corpus");
    ingest(&dir, &[&results], &corpus, &[]);
    let retry = t.path().join("retry");
    factpress()
        .args([
            "briefs",
            LLM,
            "--quiet",
            "--provider",
            "openai-batch",
            "--model",
            "gpt-x",
            "--retry",
        ])
        .arg(corpus.join("rejects.jsonl"))
        .arg("--out")
        .arg(&retry)
        .assert()
        .success();
    let b = lines(&retry.join("briefs.jsonl"));
    let ids: Vec<&str> = b.iter().map(|x| x["custom_id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        (1..8)
            .map(|i| format!("base-{i:08}-a2"))
            .collect::<Vec<_>>()
    );
    assert!(b.iter().all(|x| x["attempt"] == 2));
    let first = lines(&dir.join("briefs.jsonl"));
    assert_eq!(
        b[0]["facts"], first[1]["facts"],
        "the retry briefs the same document"
    );
    assert!(manifest(&retry)["retry_of"]["sha256"].is_string());
}

#[test]
fn results_of_other_requests_and_malformed_lines_are_located_errors() {
    let t = tempfile::tempdir().unwrap();
    let (dir, results, _) = openai_case(t.path());
    let other = t.path().join("other.jsonl");
    let text = std::fs::read_to_string(&results).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replace("\"custom_id\":\"base-", "\"custom_id\":\"elsewhere-");
    lines[4] = lines[4][..40].to_string();
    lines.push("{\"custom_id\": \"base-00000000\", \"something\": 1}".into());
    std::fs::write(&other, lines.join("\n") + "\n").unwrap();
    let out = t.path().join("corpus");
    let err = stderr_of(
        factpress()
            .arg("ingest")
            .arg(&dir)
            .arg(&other)
            .arg("--out")
            .arg(&out)
            .assert(),
        2,
    );
    assert!(!out.exists());
    let err = err.replace(&t.path().display().to_string(), "TMP");
    insta::assert_snapshot!("llm_bad_results", err);
}
