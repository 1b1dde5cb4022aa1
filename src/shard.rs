//! Shard jobs for a cluster: `generate --num-shards N --shard-index K` writes shard K of N
//! into its own folder, `PARTS/shard-0000K-of-0000N/`, which holds exactly the data (and
//! provenance) files that shard K of a single-machine `generate --shards N` holds, a copy of
//! the sources, `shard.json` (this shard's manifest) and, written last, `COMPLETE`. Shard K of
//! N is a pure function of (spec sources, seed, vars, K, N), so a scheduler may run the shards
//! anywhere, in any order, and retry any of them; `merge` (src/merge.rs) joins them. Also
//! resolves `--shard-index auto` from the scheduler's environment. Never prints.

use crate::error::{Error, Result};
use crate::generate::{RunOptions, Selection, build_manifest, copy_sources, stale_folders};
use crate::manifest::{FileEntry, Manifest};
use crate::output::Output;
use crate::pipeline::Job;
use crate::sink::TempDir;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The manifest of one shard, in its folder.
pub const SHARD_FILE: &str = "shard.json";
/// Written last into a shard's folder: a shard folder without it is not finished.
pub const COMPLETE_FILE: &str = "COMPLETE";
pub const SHARD_FORMAT_VERSION: u32 = 1;

/// Which shard of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardId {
    pub index: u32,
    pub count: u32,
}

impl ShardId {
    /// `shard-0000K-of-0000N`, the folder of this shard inside the parts folder.
    pub fn dir_name(self) -> String {
        format!("shard-{:05}-of-{:05}", self.index, self.count)
    }
}

impl std::fmt::Display for ShardId {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "shard {} of {}", self.index, self.count)
    }
}

/// `shard.json`: which shard this is, what it was generated from, and the manifest of this
/// shard alone (its `content_sha256` and per-condition digests cover only its records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub factpress_shard: u32,
    pub shard: ShardId,
    /// SHA-256 of the sources' paths and digests: which spec, templates and pools.
    pub spec_sha256: String,
    pub manifest: Manifest,
}

/// What every shard of one run shares; a shard that differs in any of it is foreign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    pub factpress_version: String,
    pub corpus: String,
    pub spec_sha256: String,
    pub seed: u64,
    pub docs_per_condition: u64,
    pub rng: String,
    pub vars: std::collections::BTreeMap<String, String>,
    pub var_overrides: std::collections::BTreeMap<String, String>,
    pub conditions: Vec<String>,
    pub output: Output,
    pub num_shards: u32,
}

impl ShardManifest {
    pub fn identity(&self) -> Identity {
        let m = &self.manifest;
        Identity {
            factpress_version: m.tool.version.clone(),
            corpus: m.corpus.clone(),
            spec_sha256: self.spec_sha256.clone(),
            seed: m.seed,
            docs_per_condition: m.docs_per_condition,
            rng: m.rng.clone(),
            vars: m.vars.clone(),
            var_overrides: m.var_overrides.clone(),
            conditions: m.conditions.iter().map(|c| c.id.clone()).collect(),
            output: m.output.clone(),
            num_shards: self.shard.count,
        }
    }

    /// Reads `dir/shard.json`; `Ok(None)` when `dir` has no `COMPLETE` marker.
    pub fn read(dir: &Path) -> Result<Option<ShardManifest>> {
        if !dir.join(COMPLETE_FILE).is_file() {
            return Ok(None);
        }
        let path = dir.join(SHARD_FILE);
        let text = std::fs::read_to_string(&path).map_err(Error::io("cannot read", &path))?;
        let m: ShardManifest = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            path: path.clone(),
            message: format!("invalid shard manifest: {e}"),
        })?;
        if m.factpress_shard > SHARD_FORMAT_VERSION {
            return Err(Error::Usage(format!(
                "{}: shard format {} is newer than this factpress understands ({SHARD_FORMAT_VERSION})",
                path.display(),
                m.factpress_shard
            )));
        }
        Ok(Some(m))
    }

    fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(SHARD_FILE);
        let mut text = serde_json::to_string_pretty(self).expect("shard manifest serialises");
        text.push('\n');
        write_synced(&path, text.as_bytes())?;
        let marker = format!("{}  {SHARD_FILE}\n", hex::encode(Sha256::digest(&text)));
        write_synced(&dir.join(COMPLETE_FILE), marker.as_bytes())
    }
}

/// What differs between two identities: (field, value in `a`, value in `b`); empty when equal.
pub fn differences(a: &Identity, b: &Identity) -> Vec<(String, String, String)> {
    let (va, vb) = (
        serde_json::to_value(a).expect("serialises"),
        serde_json::to_value(b).expect("serialises"),
    );
    let (Some(ma), Some(mb)) = (va.as_object(), vb.as_object()) else {
        return Vec::new();
    };
    ma.iter()
        .filter(|(k, v)| mb.get(*k) != Some(v))
        .map(|(k, v)| {
            let other = mb.get(k).map(|w| w.to_string()).unwrap_or_default();
            (k.clone(), v.to_string(), other)
        })
        .collect()
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(Error::io("cannot write", path))?;
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(Error::io("cannot sync", path))
}

/// SHA-256 of the sources' paths and digests (one `SHA  PATH` line each, in manifest order).
pub fn spec_digest(sources: &[FileEntry]) -> String {
    let mut h = Sha256::new();
    for s in sources {
        h.update(format!("{}  {}\n", s.sha256, s.path));
    }
    hex::encode(h.finalize())
}

/// What a shard job did.
pub enum ShardRun {
    /// Rendered and written now.
    Written(ShardManifest),
    /// Already complete from an earlier run with the same inputs: nothing was done.
    AlreadyComplete(ShardManifest),
}

/// Writes shard `id` of `sel` into `parts/shard-…/`, unless a finished identical one is
/// already there. A folder of an interrupted run of this shard (no `COMPLETE`, or a
/// temporary folder whose process is gone) is removed first: the shard starts clean. A
/// finished shard of other inputs is refused (exit 2).
pub fn write_shard(
    sel: &Selection,
    output: &Output,
    parts: &Path,
    id: ShardId,
    opts: &RunOptions,
) -> Result<(ShardRun, PathBuf)> {
    // A token budget is measured by every shard job on its own (the same count everywhere:
    // it depends on the spec, seed and budget only).
    let renderer = Arc::new(sel.renderer()?);
    let sel = &sel.measured(&renderer, opts.threads, opts.observer)?;
    output.check(sel.docs)?;
    if id.count != output.shards || id.index >= id.count {
        return Err(Error::Usage(format!(
            "--shard-index {}: expected 0 to {} for --num-shards {}",
            id.index,
            id.count.saturating_sub(1),
            id.count
        )));
    }
    let dir = parts.join(id.dir_name());
    let (sources, spec_rel) = copy_sources(&sel.spec, None)?;
    let spec_sha256 = spec_digest(&sources);
    if dir.exists() {
        match ShardManifest::read(&dir)? {
            Some(done) => return finished(done, dir, sel, output, id, &spec_sha256),
            None => {
                std::fs::remove_dir_all(&dir).map_err(Error::io("cannot remove", &dir))?;
                opts.observer.note(&format!(
                    "{} had no {COMPLETE_FILE} marker (an interrupted run); removed it, starting {id} clean",
                    dir.display()
                ));
            }
        }
    }
    // A scheduler retries a shard on its own: what a dead run of it left goes without asking.
    let clean = RunOptions {
        threads: opts.threads,
        observer: opts.observer,
        command_line: Vec::new(),
        clean: true,
    };
    stale_folders(&dir, &clean)?;
    let report = crate::check::check(&renderer)?;
    report.warnings.iter().for_each(|w| opts.observer.warn(w));
    let job = Job::new(sel, renderer, output.clone()).only_shard(id.index);
    let tmp = TempDir::beside(&dir)?;
    let (copied, rel) = copy_sources(&sel.spec, Some(tmp.path()))?;
    debug_assert!(copied == sources && rel == spec_rel);
    let produced = job.run(Some(tmp.path()), opts.threads, opts.observer)?;
    let manifest = build_manifest(
        sel,
        output,
        produced,
        sources,
        spec_rel,
        opts.command_line.clone(),
    );
    let shard = ShardManifest {
        factpress_shard: SHARD_FORMAT_VERSION,
        shard: id,
        spec_sha256,
        manifest,
    };
    shard.write(tmp.path())?;
    tmp.publish(&dir)?;
    Ok((ShardRun::Written(shard), dir))
}

/// A finished shard is already in place: a no-op when it has the same inputs, else refused.
fn finished(
    done: ShardManifest,
    dir: PathBuf,
    sel: &Selection,
    output: &Output,
    id: ShardId,
    spec_sha256: &str,
) -> Result<(ShardRun, PathBuf)> {
    let mut want = done.identity();
    want.factpress_version = env!("CARGO_PKG_VERSION").into();
    want.spec_sha256 = spec_sha256.into();
    want.seed = sel.seed;
    want.docs_per_condition = sel.docs;
    want.vars = sel.spec.vars.clone();
    want.var_overrides = sel.var_overrides.clone();
    want.conditions = sel
        .conditions
        .iter()
        .map(|&c| sel.spec.conditions[c].id.clone())
        .collect();
    want.output = output.clone();
    want.num_shards = id.count;
    let diff = differences(&done.identity(), &want);
    if diff.is_empty() && done.shard == id {
        return Ok((ShardRun::AlreadyComplete(done), dir));
    }
    let diff: Vec<String> = diff
        .iter()
        .map(|(k, there, here)| format!("{k} {there} there, {here} in this run"))
        .collect();
    Err(Error::Usage(format!(
        "{} holds a finished {} of another run ({}); remove it or choose another --out",
        dir.display(),
        done.shard,
        diff.join("; ")
    )))
}

/// Resolves `--shard-index auto` (and the shard count) from the scheduler's environment:
/// Slurm job arrays set `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT` (the index is
/// counted from `SLURM_ARRAY_TASK_MIN`, so `--array=1-8` works too); Kubernetes Indexed Jobs
/// set `JOB_COMPLETION_INDEX` only, so the count must come from `--num-shards` (the Job's
/// `completions`). `num_shards`, when given, must agree with the environment.
pub fn from_env(env: impl Fn(&str) -> Option<String>, num_shards: Option<u32>) -> Result<ShardId> {
    let number = |name: &str| -> Result<Option<u32>> {
        match env(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                Error::Usage(format!(
                    "--shard-index auto: {name}={v:?} is not a whole number"
                ))
            }),
        }
    };
    let id = if let Some(task) = number("SLURM_ARRAY_TASK_ID")? {
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let count = number("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
            Error::Usage("--shard-index auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm 18.08 or newer sets both)".into())
        })?;
        if let Some(n) = num_shards
            && n != count
        {
            return Err(Error::Usage(format!(
                "--num-shards {n} disagrees with the job array (SLURM_ARRAY_TASK_COUNT={count}); submit it with --array=0-{}",
                n.saturating_sub(1)
            )));
        }
        ShardId {
            index: task.checked_sub(min).ok_or_else(|| {
                Error::Usage(format!(
                    "--shard-index auto: SLURM_ARRAY_TASK_ID={task} is below SLURM_ARRAY_TASK_MIN={min}"
                ))
            })?,
            count,
        }
    } else if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let count = num_shards.ok_or_else(|| {
            Error::Usage("--shard-index auto: JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) gives the index only; give --num-shards N, the Job's completions".into())
        })?;
        ShardId { index, count }
    } else {
        return Err(Error::Usage("--shard-index auto: none of SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give the index as a number".into()));
    };
    if id.count == 0 || id.index >= id.count {
        return Err(Error::Usage(format!(
            "--shard-index auto: {id} does not exist (expected an index from 0 to {})",
            id.count.saturating_sub(1)
        )));
    }
    Ok(id)
}

/// `--num-shards` with `--shard-index K|auto`, checked.
pub fn resolve(index: &str, num_shards: Option<u32>) -> Result<ShardId> {
    if index == "auto" {
        return from_env(|k| std::env::var(k).ok(), num_shards);
    }
    let index: u32 = index.parse().map_err(|_| {
        Error::Usage(format!(
            "--shard-index {index:?}: expected a whole number or `auto`"
        ))
    })?;
    let count = num_shards.ok_or_else(|| {
        Error::Usage(format!(
            "--shard-index {index} needs --num-shards N (how many shards the run has)"
        ))
    })?;
    if count == 0 || index >= count {
        return Err(Error::Usage(format!(
            "--shard-index {index}: expected 0 to {} for --num-shards {count}",
            count.saturating_sub(1)
        )));
    }
    Ok(ShardId { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn slurm_array_gives_index_and_count() {
        let id = from_env(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "5"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(id, ShardId { index: 5, count: 8 });
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "8"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ];
        assert_eq!(from_env(env(&from_one), Some(8)).unwrap().index, 7);
        assert!(from_env(env(&from_one), Some(4)).is_err());
    }

    #[test]
    fn kubernetes_needs_the_count() {
        let k8s = [("JOB_COMPLETION_INDEX", "2")];
        assert!(from_env(env(&k8s), None).is_err());
        assert_eq!(
            from_env(env(&k8s), Some(3)).unwrap(),
            ShardId { index: 2, count: 3 }
        );
        assert!(from_env(env(&k8s), Some(2)).is_err());
        assert!(from_env(env(&[]), Some(2)).is_err());
    }
}
