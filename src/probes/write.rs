//! Writes a condition's probes into a folder, atomically (a temporary folder beside it, moved
//! into place when complete): `knowledge.jsonl`, `distinguish.jsonl`, `open.jsonl` and
//! `probes-manifest.json` (what they were built from: the spec's digest, seed, variables,
//! condition, and each file's records and sha256). No wall-clock time is written.

use super::{Probes, Sample};
use crate::error::{Error, Result};
use crate::generate::Selection;
use crate::sink::{self, TempDir};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const MANIFEST: &str = "probes-manifest.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbesManifest {
    pub format_version: u32,
    pub tool: String,
    /// The spec file as given.
    pub spec: String,
    /// SHA-256 of the spec file's bytes.
    pub spec_sha256: String,
    /// SHA-256 over the sorted SHA-256s (one a line) of every file the spec was built from:
    /// changes when the spec, a template, a grammar or a pool file changes.
    pub sources_sha256: String,
    pub condition: String,
    pub seed: u64,
    pub vars: BTreeMap<String, String>,
    pub var_overrides: BTreeMap<String, String>,
    /// Samples per file, by kind.
    pub counts: BTreeMap<String, u64>,
    pub files: Vec<crate::manifest::FileEntry>,
}

/// Writes `probes` (built from `sel`) to `out`, which must not exist or be empty.
pub fn write(sel: &Selection, probes: &Probes, out: &Path) -> Result<ProbesManifest> {
    sink::check_out(out)?;
    let tmp = TempDir::beside(out)?;
    let mut files = Vec::new();
    let mut counts = BTreeMap::new();
    for (kind, samples) in [
        ("knowledge", &probes.knowledge),
        ("distinguish", &probes.distinguish),
        ("open", &probes.open),
    ] {
        let name = format!("{kind}.jsonl");
        let bytes = jsonl(samples);
        let path = tmp.path().join(&name);
        std::fs::write(&path, &bytes).map_err(Error::io("cannot write", &path))?;
        counts.insert(kind.to_string(), samples.len() as u64);
        files.push(crate::manifest::FileEntry {
            path: name,
            records: Some(samples.len() as u64),
            bytes: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        });
    }
    let spec = &sel.spec;
    let mut sources: Vec<String> = (spec.sources.iter())
        .map(|s| hex::encode(Sha256::digest(&s.bytes)))
        .collect();
    sources.sort();
    sources.dedup();
    let listing: String = sources.iter().map(|h| format!("{h}\n")).collect();
    let m = ProbesManifest {
        format_version: 1,
        tool: format!("factpress {}", env!("CARGO_PKG_VERSION")),
        spec: spec.path.display().to_string(),
        spec_sha256: hex::encode(Sha256::digest(&spec.sources[0].bytes)),
        sources_sha256: hex::encode(Sha256::digest(listing.as_bytes())),
        condition: probes.condition.clone(),
        seed: sel.seed,
        vars: spec.vars.clone(),
        var_overrides: sel.var_overrides.clone(),
        counts,
        files,
    };
    let path = tmp.path().join(MANIFEST);
    let mut text = serde_json::to_string_pretty(&m).expect("manifest serialises");
    text.push('\n');
    std::fs::write(&path, text).map_err(Error::io("cannot write", &path))?;
    tmp.publish(out)?;
    Ok(m)
}

/// One sample a line.
pub fn jsonl(samples: &[Sample]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in samples {
        serde_json::to_writer(&mut out, s).expect("samples serialise");
        out.push(b'\n');
    }
    out
}
