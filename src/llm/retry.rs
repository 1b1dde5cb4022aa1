//! `factpress briefs --retry CORPUS/rejects.jsonl`: which documents to brief again, with
//! their next attempt numbers, and the seed and `--var` overrides of the corpus they came
//! from (read from the manifest beside the rejects, so the retried briefs are the same
//! documents).

use super::briefs::FileRef;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::spec::Spec;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// What a retry briefs.
pub struct Retry {
    /// (condition index, document index, attempt), in the rejects' order.
    pub items: Vec<(usize, u64, u32)>,
    pub seed: u64,
    pub var_overrides: BTreeMap<String, String>,
    pub conditions: Vec<String>,
    pub rejects: FileRef,
}

/// Reads `rejects` (a corpus's `rejects.jsonl`) against `spec`.
pub fn read(spec: &Spec, rejects: &Path) -> Result<Retry> {
    let bytes = std::fs::read(rejects).map_err(Error::io("cannot read", rejects))?;
    let dir = rejects.parent().unwrap_or(Path::new("."));
    let m = Manifest::read(dir)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut items = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            Error::Usage(format!(
                "{}:{}:{}: not a rejects line: {e}",
                rejects.display(),
                n + 1,
                e.column()
            ))
        })?;
        let (Some(cid), Some(index), Some(attempt)) = (
            v["condition"].as_str(),
            v["index"].as_u64(),
            v["attempt"].as_u64(),
        ) else {
            return Err(Error::Usage(format!(
                "{}:{}:1: a rejects line needs `condition`, `index` and `attempt`",
                rejects.display(),
                n + 1
            )));
        };
        let Some(c) = spec.conditions.iter().position(|k| k.id == cid) else {
            return Err(Error::Usage(format!(
                "{}:{}:1: condition `{cid}` is not in {}",
                rejects.display(),
                n + 1,
                spec.path.display()
            )));
        };
        if !conditions.iter().any(|k| k == cid) {
            conditions.push(cid.to_string());
        }
        items.push((c, index, attempt as u32 + 1));
    }
    if items.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no rejected document to retry",
            rejects.display()
        )));
    }
    Ok(Retry {
        items,
        seed: m.seed,
        var_overrides: m.var_overrides,
        conditions,
        rejects: FileRef {
            path: rejects.display().to_string(),
            sha256: hex::encode(Sha256::digest(&bytes)),
        },
    })
}
