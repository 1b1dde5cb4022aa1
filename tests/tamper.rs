//! Tampering and mismatch: `verify` names a changed provenance sidecar; a corpus whose
//! manifest was fixed up to match changed files passes `verify` but not regeneration, and
//! `regenerate` says so (exit 1). What `regenerate` leaves behind is asserted as it is: on a
//! mismatch the rebuilt folder stays (it is a complete, true corpus of the source); on a
//! failure before writing, nothing is left.

mod common;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use tempfile::tempdir;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn write_manifest(dir: &Path, m: &Value) {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(m).unwrap(),
    )
    .unwrap();
}

/// Rewrites source file `rel` (e.g. `source/templates/brief.j2`) and fixes its sha256 and
/// size in the manifest, so that only re-rendering can tell.
fn replace_source(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join(rel), text).unwrap();
    let mut m = manifest(dir);
    let entry = m["sources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["path"] == rel)
        .unwrap_or_else(|| panic!("{rel} is a listed source"));
    entry["sha256"] = sha256_hex(text.as_bytes()).into();
    entry["bytes"] = text.len().into();
    write_manifest(dir, &m);
}

/// Names of the temporary folders `generate` would leave next to an --out in `parent`.
fn temporary_folders(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("factpress-tmp"))
        .collect()
}

fn regenerate(dir: &Path, out: &Path) -> assert_cmd::assert::Assert {
    factpress()
        .arg("regenerate")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .assert()
}

#[test]
fn verify_names_a_provenance_sidecar_with_one_changed_byte() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    let m = generate(&dir, &["--format", "text", "--shards", "2"]);
    factpress().arg("verify").arg(&dir).assert().success();
    let victim = m["conditions"][1]["provenance"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(victim.starts_with("provenance/"), "{victim}");
    let path = dir.join(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();

    let err = stderr_of(factpress().arg("verify").arg(&dir).assert(), 1);
    assert!(
        err.contains(&format!("{victim}: sha256")),
        "names the sidecar: {err}"
    );
    for (other, _) in shard_hashes(&m) {
        if other != victim {
            assert!(!err.contains(&other), "{other} is not blamed: {err}");
        }
    }
}

#[test]
fn a_changed_shard_with_a_fixed_up_manifest_is_caught_only_by_regeneration() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    let original = generate(&dir, &["--shards", "2", "--docs", "40"]);

    // Change one record's text in one shard; recompress; fix every digest the manifest holds
    // for it: the shard's sha256 and size, its condition's and the corpus's content_sha256.
    let victim = original["conditions"][0]["shards"][1]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let lines = zstd_lines(&dir.join(&victim));
    let mut changed = lines.clone();
    let mut rec: Value = serde_json::from_str(&changed[3]).unwrap();
    rec["text"] = format!("{} (edited)", rec["text"].as_str().unwrap()).into();
    changed[3] = serde_json::to_string(&rec).unwrap();
    let raw = changed.join("\n") + "\n";
    let packed = zstd::encode_all(raw.as_bytes(), 3).unwrap();
    std::fs::write(dir.join(&victim), &packed).unwrap();

    let mut m = original.clone();
    let mut all = Sha256::new();
    for c in m["conditions"].as_array_mut().unwrap() {
        let mut cond = Sha256::new();
        for s in c["shards"].as_array_mut().unwrap() {
            let path = s["path"].as_str().unwrap().to_string();
            let file = std::fs::read(dir.join(&path)).unwrap();
            let text = zstd::decode_all(&file[..]).unwrap();
            cond.update(&text);
            all.update(&text);
            if path == victim {
                s["sha256"] = sha256_hex(&file).into();
                s["bytes"] = file.len().into();
            }
        }
        c["content_sha256"] = hex::encode(cond.finalize()).into();
    }
    m["content_sha256"] = hex::encode(all.finalize()).into();
    assert_ne!(m["content_sha256"], original["content_sha256"]);
    write_manifest(&dir, &m);

    // The corpus is consistent with its manifest ...
    factpress().arg("verify").arg(&dir).assert().success();
    // ... but not with what its source renders.
    let err = stderr_of(
        factpress()
            .args(["verify", "--regenerate"])
            .arg(&dir)
            .assert(),
        1,
    );
    assert!(
        err.contains(&format!("{victim}: regenerated bytes differ")),
        "{err}"
    );
    assert!(err.contains("regenerated content_sha256"), "{err}");

    let out = tmp.path().join("rebuilt");
    let err = stderr_of(regenerate(&dir, &out), 1);
    assert!(
        err.contains("was rebuilt but differs from") && err.contains(&*dir.to_string_lossy()),
        "{err}"
    );
    assert!(
        err.contains(m["content_sha256"].as_str().unwrap()),
        "the message shows the manifest's digest: {err}"
    );
    // What regenerate does on a mismatch: the rebuilt folder stays, complete and true, and
    // it is the corpus as generated before the edit.
    assert!(out.join("manifest.json").is_file());
    factpress().arg("verify").arg(&out).assert().success();
    let rebuilt = manifest(&out);
    assert_eq!(rebuilt["content_sha256"], original["content_sha256"]);
    assert_eq!(shard_hashes(&rebuilt), shard_hashes(&original));
    assert!(temporary_folders(tmp.path()).is_empty());
}

#[test]
fn an_edited_template_with_a_fixed_up_source_digest_fails_regenerate() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    let original = generate(&dir, &["--docs", "30", "--condition", "base"]);
    let brief = std::fs::read_to_string(dir.join("source/templates/brief.j2")).unwrap();
    replace_source(
        &dir,
        "source/templates/brief.j2",
        &brief.replace("In brief", "Briefly"),
    );
    factpress().arg("verify").arg(&dir).assert().success();

    let out = tmp.path().join("rebuilt");
    let err = stderr_of(regenerate(&dir, &out), 1);
    assert!(err.contains("was rebuilt but differs from"), "{err}");
    assert!(
        err.contains(original["content_sha256"].as_str().unwrap()),
        "{err}"
    );
    // The rebuilt corpus is a true corpus of the edited source: it verifies, and differs.
    factpress().arg("verify").arg(&out).assert().success();
    let rebuilt = manifest(&out);
    assert_ne!(rebuilt["content_sha256"], original["content_sha256"]);
    let text = zstd_lines(&out.join("data/base-00000-of-00001.jsonl.zst")).join("\n");
    assert!(
        text.contains("Briefly (base-"),
        "the edited template was used"
    );
    assert!(temporary_folders(tmp.path()).is_empty());
}

#[test]
fn regenerate_that_fails_before_writing_leaves_nothing() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    generate(&dir, &["--docs", "10"]);
    // A source spec that no longer loads (its digest fixed up, so only loading can tell).
    let spec = std::fs::read_to_string(dir.join("source/spec.toml")).unwrap();
    replace_source(
        &dir,
        "source/spec.toml",
        &spec.replace(
            "facts_per_doc = { min = 1, max = 2 }",
            "facts_per_doc = { min = 2, max = 1 }",
        ),
    );
    let out = tmp.path().join("rebuilt");
    let err = stderr_of(regenerate(&dir, &out), 2);
    assert!(err.contains("invalid facts_per_doc"), "{err}");
    assert!(err.contains("source/spec.toml:9:17"), "{err}");
    assert!(!out.exists(), "no partial {}", out.display());
    assert!(temporary_folders(tmp.path()).is_empty());
}
