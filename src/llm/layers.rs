//! The briefs of an ingested corpus, in layers: `briefs/` (the first attempt of every
//! document), then `retries/1/`, `retries/2/`, … (each a briefs folder written by `briefs
//! --retry` from the corpus's `rejects.jsonl` at the time, added by `ingest --onto`). A
//! document is the latest attempt any layer holds for it. Owns the layer layout, the checks
//! that a retry folder belongs onto a corpus, and the list of stored files.

use super::briefs::{BriefLine, BriefsManifest};
use super::ingest::read_briefs;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The layer folders of the corpus (or its staging folder) `dir`, first to last, relative.
pub fn dirs(dir: &Path) -> Vec<String> {
    let mut out = vec!["briefs".to_string()];
    for n in 1.. {
        let rel = format!("retries/{n}");
        if !dir.join(&rel).join("manifest.json").is_file() {
            break;
        }
        out.push(rel);
    }
    out
}

/// The stored files that rebuild the corpus: each layer's manifest and briefs, then the
/// responses (`rejects.jsonl` and the data shards are built from them).
pub fn stored_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for d in dirs(dir) {
        out.push(format!("{d}/manifest.json"));
        out.push(format!("{d}/briefs.jsonl"));
    }
    out.push("responses/responses.jsonl".into());
    out
}

/// The brief of every document: the first layer's, each replaced by a later layer's brief of
/// the same document (condition and index). Also returns how many retry layers there are.
pub fn final_briefs(dir: &Path) -> Result<(Vec<BriefLine>, usize)> {
    let layers = dirs(dir);
    let mut briefs = read_briefs(&dir.join("briefs/briefs.jsonl"))?;
    let at: BTreeMap<(String, u64), usize> = briefs
        .iter()
        .enumerate()
        .map(|(i, b)| ((b.brief.condition.clone(), b.brief.index), i))
        .collect();
    for l in &layers[1..] {
        let path = dir.join(l).join("briefs.jsonl");
        for b in read_briefs(&path)? {
            let key = (b.brief.condition.clone(), b.brief.index);
            let Some(&i) = at.get(&key) else {
                return Err(Error::Corrupt {
                    path,
                    message: format!(
                        "brief `{}` retries a document the first briefs do not hold",
                        b.brief.custom_id
                    ),
                });
            };
            briefs[i] = b;
        }
    }
    Ok((briefs, layers.len() - 1))
}

/// Checks that the retry briefs folder `dir` (manifest `bm`) goes onto the ingested corpus
/// `corpus`: briefed by `briefs --retry` from its `rejects.jsonl` as it is now, from the same
/// spec, seed and `--var` overrides, and the corpus's stored files unchanged. Returns the
/// relative folder of the new layer (`retries/N`).
pub fn check_onto(corpus: &Path, dir: &Path, bm: &BriefsManifest) -> Result<String> {
    let m = Manifest::read(corpus)?;
    let Some(llm) = &m.llm else {
        return Err(Error::Usage(format!(
            "--onto {}: not an ingested corpus (written by `factpress ingest`)",
            corpus.display()
        )));
    };
    for f in &llm.files {
        super::ingest::read_listed(corpus, f)?;
    }
    let Some(of) = &bm.retry_of else {
        return Err(Error::Usage(format!(
            "{}: not a retry briefs folder; --onto adds the retried documents of `factpress briefs --retry {}/rejects.jsonl` to that corpus",
            dir.display(),
            corpus.display()
        )));
    };
    let rejects = corpus.join("rejects.jsonl");
    let bytes = std::fs::read(&rejects).map_err(Error::io("cannot read", &rejects))?;
    if hex::encode(Sha256::digest(&bytes)) != of.sha256 {
        return Err(Error::Usage(format!(
            "{}: briefed from {}, which is not {} as it is now (sha256 differs); brief the retry from the rejects of the corpus it goes onto",
            dir.display(),
            of.path,
            rejects.display()
        )));
    }
    let base = BriefsManifest::read(&corpus.join("briefs"))?;
    let same = [
        ("spec", base.spec_sha256 == bm.spec_sha256),
        ("seed", base.seed == bm.seed),
        ("--var overrides", base.var_overrides == bm.var_overrides),
    ];
    if let Some((what, _)) = same.iter().find(|(_, ok)| !ok) {
        return Err(Error::Usage(format!(
            "{}: its {what} differs from the briefs of {}; a retry must come from the same spec, seed and --var overrides",
            dir.display(),
            corpus.display()
        )));
    }
    Ok(format!("retries/{}", dirs(corpus).len()))
}
