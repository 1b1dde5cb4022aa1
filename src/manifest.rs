//! The manifest: everything needed to rebuild a corpus byte for byte and to check it. Written
//! last, so a folder with a manifest is a finished corpus. `created_at` is informational and
//! takes part in no digest.

use crate::error::{Error, Result};
pub use crate::output::Output;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const FORMAT_VERSION: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    pub tool: Tool,
    pub corpus: String,
    /// The spec file, relative to `source/`.
    pub spec: String,
    pub seed: u64,
    pub docs_per_condition: u64,
    /// The `--tokens` budget per condition that `docs_per_condition` was measured from.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub token_budget: Option<crate::budget::Budget>,
    pub rng: String,
    /// The variables in effect (spec values with overrides applied).
    pub vars: BTreeMap<String, String>,
    /// The `--var` overrides given.
    pub var_overrides: BTreeMap<String, String>,
    pub output: Output,
    /// SHA-256 of the uncompressed record stream of all conditions, in the order listed,
    /// each in index order. The same for any shard or thread count.
    pub content_sha256: String,
    pub conditions: Vec<ConditionEntry>,
    /// Every file the corpus was built from, copied under `source/`.
    pub sources: Vec<FileEntry>,
    /// For a corpus written by `factpress mix`: its sources, seed and shares (such a corpus
    /// has no spec: `spec` is empty and `sources` lists nothing).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mix: Option<crate::mix::MixEntry>,
    /// For a corpus written by `factpress ingest`: the briefs, the stored responses and the
    /// audit of every document (such a corpus is rebuilt from its responses, not rendered).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub llm: Option<LlmEntry>,
    pub command_line: Vec<String>,
    /// Wall-clock creation time (UTC). Not part of any digest.
    pub created_at: String,
}

/// What an ingested corpus was built from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LlmEntry {
    pub provider: String,
    pub model: String,
    /// SHA-256 of the briefs folder's manifest (stored as `briefs/manifest.json`).
    pub briefs_manifest_sha256: String,
    pub briefs: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Rejected documents by the first word of each reason.
    pub reasons: BTreeMap<String, u64>,
    /// Retry layers added by `ingest --onto` (`retries/1/`, …).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u64,
    /// Accepted documents by attempt number, when there are retry layers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accepted_by_attempt: BTreeMap<String, u64>,
    /// `briefs/manifest.json`, `briefs/briefs.jsonl`, each retry layer's `manifest.json` and
    /// `briefs.jsonl`, `responses/responses.jsonl`, `rejects.jsonl`.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConditionEntry {
    pub id: String,
    pub docs: u64,
    /// Tokens of document text written (by the budget's tokenizer), for budgeted corpora.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tokens: Option<u64>,
    /// SHA-256 of this condition's uncompressed record stream in index order.
    pub content_sha256: String,
    pub shards: Vec<FileEntry>,
    /// Sidecar provenance files (formats `text` and `oai-doctag`), row for row with `shards`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub provenance: Vec<FileEntry>,
    /// Documents carrying each fact (as planned), by fact id.
    pub facts: BTreeMap<String, u64>,
    pub doc_types: BTreeMap<String, u64>,
    pub templates: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub records: Option<u64>,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    /// Reads `dir/manifest.json`. A folder without one is not a corpus (exit 2); a manifest
    /// that exists but cannot be read is an I/O error (exit 3); one that does not parse is
    /// corrupt (exit 3).
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Usage(format!(
                    "{} is not a factpress corpus: it has no {FILE_NAME} (an interrupted run leaves none; a finished corpus always has one)",
                    dir.display()
                )));
            }
            Err(e) => return Err(Error::io("cannot read", &path)(e)),
        };
        let m: Manifest = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            path: path.clone(),
            message: format!("invalid manifest: {e}"),
        })?;
        if m.format_version > FORMAT_VERSION {
            return Err(Error::Usage(format!(
                "{}: manifest format {} is newer than this factpress understands ({FORMAT_VERSION}); use a newer factpress",
                path.display(),
                m.format_version
            )));
        }
        Ok(m)
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(FILE_NAME);
        let mut text = serde_json::to_string_pretty(self).expect("manifest serialises");
        text.push('\n');
        std::fs::write(&path, text).map_err(Error::io("cannot write", &path))?;
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(Error::io("cannot sync", &path))
    }
}

/// The current time as RFC 3339 UTC, for `created_at` only.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
