//! `factpress mix`: a seeded, streaming mix of corpora and JSONL files.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use tempfile::tempdir;

/// A plain JSONL file of `n` records, with one malformed line after record 17.
fn web_jsonl(path: &Path, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        let rec = serde_json::json!({"id": format!("web-{i}"), "text": format!("web page {i} about gardening"), "url": format!("http://example.org/{i}")});
        s.push_str(&rec.to_string());
        s.push('\n');
        if i == 17 {
            s.push_str("{not json\n");
        }
    }
    std::fs::write(path, s).unwrap();
}

fn mix(args: &[&str], out: &Path) -> Value {
    factpress()
        .arg("mix")
        .args(args)
        .args(["--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
    manifest(out)
}

fn records(dir: &Path, m: &Value, sub: &str) -> Vec<Value> {
    let key = if sub == "data" {
        "shards"
    } else {
        "provenance"
    };
    let path = m["conditions"][0][key][0]["path"].as_str().unwrap();
    zstd_lines(&dir.join(path))
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_mix_is_deterministic_keeps_ids_and_matches_its_weights() {
    let tmp = tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    generate(&corpus, &["--docs", "7000", "--condition", "base"]);
    let web = tmp.path().join("web.jsonl");
    web_jsonl(&web, 15_000);
    let a_src = format!("{}:0.3", corpus.display());
    let b_src = format!("{}:0.7", web.display());
    let args = [a_src.as_str(), b_src.as_str(), "--docs", "20000"];
    let m1 = mix(&args, &tmp.path().join("m1"));
    let m2 = mix(&args, &tmp.path().join("m2"));
    assert_eq!(m1["content_sha256"], m2["content_sha256"]);
    assert_eq!(shard_hashes(&m1), shard_hashes(&m2));
    let mut other = args.to_vec();
    other.extend(["--seed", "2"]);
    let m3 = mix(&other, &tmp.path().join("m3"));
    assert_ne!(m1["content_sha256"], m3["content_sha256"]);

    let sources = m1["mix"]["sources"].as_array().unwrap();
    assert_eq!(m1["docs_per_condition"], 20_000);
    for (s, w) in sources.iter().zip([0.3, 0.7]) {
        let share = s["taken_share"].as_f64().unwrap();
        assert!((share - w).abs() < 0.01, "{s}");
        assert_eq!(s["sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(sources[0]["kind"], "factpress");
    assert_eq!(sources[1]["kind"], "jsonl");
    // Every record keeps its id and gains metadata.mix_source; sources keep their order.
    let recs = records(&tmp.path().join("m1"), &m1, "data");
    assert_eq!(recs.len(), 20_000);
    let (mut next_base, mut next_web) = (0u64, 0u64);
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        if r["metadata"]["mix_source"] == a_src.trim_end_matches(":0.3") {
            assert_eq!(id, format!("base-{next_base:08}"));
            assert_eq!(r["metadata"]["condition"], "base");
            next_base += 1;
        } else {
            assert_eq!(r["metadata"]["mix_source"], web.display().to_string());
            assert_eq!(id, format!("web-{next_web}"));
            next_web += 1;
        }
    }
    assert_eq!(next_base, sources[0]["records"].as_u64().unwrap());
}

#[test]
fn by_tokens_the_weights_are_token_shares() {
    let tmp = tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    generate(&corpus, &["--docs", "4000", "--condition", "base"]);
    // Web records of 1 to 12 words: far shorter than the documents (about 35 words).
    let web = tmp.path().join("web.jsonl");
    let mut s = String::new();
    for i in 0..30_000u64 {
        let words = 1 + (i * 7919 % 12);
        let text = vec!["garden"; words as usize].join(" ");
        s.push_str(&serde_json::json!({"id": format!("web-{i}"), "text": text}).to_string());
        s.push('\n');
    }
    std::fs::write(&web, s).unwrap();
    let a_src = format!("{}:0.3", corpus.display());
    let b_src = format!("{}:0.7", web.display());
    let args = [
        a_src.as_str(),
        b_src.as_str(),
        "--docs",
        "20000",
        "--by",
        "tokens",
        "--tokenizer",
        "words",
    ];
    let m1 = mix(&args, &tmp.path().join("m1"));
    let m2 = mix(&args, &tmp.path().join("m2"));
    assert_eq!(m1["content_sha256"], m2["content_sha256"]);
    assert_eq!(
        m1["mix"]["share_of"],
        serde_json::json!({"tokens": "words"})
    );
    let sources = m1["mix"]["sources"].as_array().unwrap();
    // The token shares follow the weights; the record shares do not (documents are longer).
    let recs = records(&tmp.path().join("m1"), &m1, "data");
    let mut words = [0u64; 2];
    for r in &recs {
        let k = usize::from(r["metadata"]["mix_source"] == web.display().to_string());
        words[k] += r["text"].as_str().unwrap().split_whitespace().count() as u64;
    }
    let total = (words[0] + words[1]) as f64;
    for ((src, w), counted) in sources.iter().zip([0.3, 0.7]).zip(words) {
        assert_eq!(src["tokens"].as_u64().unwrap(), counted, "{src}");
        let share = counted as f64 / total;
        assert!(
            (share - w).abs() < 0.01,
            "token share {share} for weight {w}: {src}"
        );
        assert!((src["taken_token_share"].as_f64().unwrap() - share).abs() < 1e-9);
    }
    assert!(
        sources[0]["taken_share"].as_f64().unwrap() < 0.2,
        "{}",
        sources[0]
    );
    // The record-share mix of the same sources is another mix.
    let by_records = mix(&args[..4], &tmp.path().join("m3"));
    assert_ne!(by_records["content_sha256"], m1["content_sha256"]);
    // regenerate rebuilds the token-share mix byte for byte.
    factpress()
        .args(["verify", "--regenerate"])
        .arg(tmp.path().join("m1"))
        .assert()
        .success();
}

#[test]
fn malformed_lines_are_skipped_and_counted_and_regenerate_checks_digests() {
    let tmp = tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    generate(&corpus, &["--docs", "300", "--condition", "base"]);
    let web = tmp.path().join("web.jsonl");
    web_jsonl(&web, 400);
    let (a, b) = (corpus.display().to_string(), web.display().to_string());
    let out = tmp.path().join("m");
    let run = factpress()
        .args(["mix", &a, &b, "--format", "text", "--docs", "500", "--out"])
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains(":19: not JSON") && err.contains("line skipped"),
        "{err}"
    );
    let m = manifest(&out);
    assert_eq!(m["mix"]["sources"][1]["malformed"], 1);
    assert_eq!(m["mix"]["sources"][0]["malformed"], 0);
    // Text format: provenance sidecars, row for row, carry the ids and mix_source.
    let data = records(&out, &m, "data");
    let prov = records(&out, &m, "provenance");
    assert_eq!(data.len(), 500);
    assert_eq!(prov.len(), 500);
    assert!(data.iter().all(|r| r.as_object().unwrap().len() == 1));
    assert!(
        prov.iter()
            .all(|p| p["metadata"]["mix_source"].is_string() && p["id"].is_string())
    );

    factpress()
        .args(["verify", "--regenerate", "--quiet"])
        .arg(&out)
        .assert()
        .success();
    factpress()
        .args(["regenerate", "--quiet"])
        .arg(&out)
        .arg("--out")
        .arg(tmp.path().join("r1"))
        .assert()
        .success();
    assert_eq!(
        manifest(&tmp.path().join("r1"))["content_sha256"],
        m["content_sha256"]
    );

    // One more line in a source: regenerate refuses, and writes nothing.
    let mut text = std::fs::read_to_string(&web).unwrap();
    text.push_str("{\"id\": \"late\", \"text\": \"added later\"}\n");
    std::fs::write(&web, text).unwrap();
    let r2 = tmp.path().join("r2");
    let err = stderr_of(
        factpress()
            .args(["regenerate", "--quiet"])
            .arg(&out)
            .arg("--out")
            .arg(&r2)
            .assert(),
        2,
    );
    assert!(
        err.contains("has changed since the mix was written"),
        "{err}"
    );
    assert!(!r2.exists());
}

#[test]
fn bad_mix_arguments_exit_2() {
    let tmp = tempdir().unwrap();
    let out = tmp.path().join("m");
    let err = stderr_of(
        factpress()
            .args(["mix", "nowhere.jsonl", "--out"])
            .arg(&out)
            .assert(),
        2,
    );
    assert!(err.contains("no such file or folder"), "{err}");
    let err = stderr_of(
        factpress()
            .args(["mix", "a.jsonl:0", "--out"])
            .arg(&out)
            .assert(),
        2,
    );
    assert!(err.contains("must be a positive number"), "{err}");
    assert!(!out.exists());
}
