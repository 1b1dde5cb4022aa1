//! `factpress merge`: joins the shard folders that `generate --shard-index` wrote into one
//! corpus folder whose manifest is the one a single-machine `generate --shards N` writes
//! (the same `content_sha256`, the same data files byte for byte; only `command_line` and
//! `created_at` say how it was made). Refuses, naming each, missing, duplicated, unfinished and
//! foreign shards; re-hashes every file it takes. Reads shard folders; writes only the new
//! corpus, through the temporary-folder guard.

use crate::error::{Error, Result};
use crate::manifest::{self, ConditionEntry, FileEntry, Manifest};
use crate::observe::Observer;
use crate::shard::{COMPLETE_FILE, Identity, SHARD_FILE, ShardId, ShardManifest, differences};
use crate::sink::{Compression, TempDir};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A shard folder found among the inputs: finished (with its manifest) or not.
struct Found {
    dir: PathBuf,
    shard: Option<ShardManifest>,
}

/// Lists the shard folders of `inputs`: each is a shard folder itself or a folder holding
/// `shard-*-of-*` folders.
fn find(inputs: &[PathBuf]) -> Result<Vec<Found>> {
    let mut dirs = Vec::new();
    for input in inputs {
        let is_shard = input.join(SHARD_FILE).exists() || input.join(COMPLETE_FILE).exists();
        if is_shard {
            dirs.push(input.clone());
            continue;
        }
        let entries = std::fs::read_dir(input).map_err(Error::io("cannot read", input))?;
        let mut inside: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with("shard-") && name.contains("-of-") && e.path().is_dir()
            })
            .map(|e| e.path())
            .collect();
        if inside.is_empty() {
            return Err(Error::Usage(format!(
                "{} is neither a shard folder nor a folder of shard folders (shard-K-of-N/, as `generate --shard-index` writes)",
                input.display()
            )));
        }
        inside.sort();
        dirs.extend(inside);
    }
    dirs.into_iter()
        .map(|dir| {
            Ok(Found {
                shard: ShardManifest::read(&dir)?,
                dir,
            })
        })
        .collect()
}

/// Checks that the finished shards are one whole run: every index once, all of the same
/// inputs. Returns them in index order, or every problem found (exit 2).
fn check_set(found: Vec<Found>) -> Result<Vec<(PathBuf, ShardManifest)>> {
    let mut problems = Vec::new();
    let mut done = Vec::new();
    for f in found {
        match f.shard {
            Some(s) => done.push((f.dir, s)),
            None => problems.push(format!(
                "{}: unfinished (no {COMPLETE_FILE} marker: interrupted or still running); rerun that shard",
                f.dir.display()
            )),
        }
    }
    // The inputs most shards share are the run's; ties go to the lowest index.
    let mut tally: Vec<(Identity, usize, u32)> = Vec::new();
    for (_, s) in &done {
        let id = s.identity();
        match tally.iter_mut().find(|(i, ..)| *i == id) {
            Some(t) => {
                t.1 += 1;
                t.2 = t.2.min(s.shard.index);
            }
            None => tally.push((id, 1, s.shard.index)),
        }
    }
    tally.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let Some((run, ..)) = tally.into_iter().next() else {
        problems.push("no finished shard found".into());
        return Err(refused(&problems));
    };
    let mut by_index: BTreeMap<u32, (PathBuf, ShardManifest)> = BTreeMap::new();
    for (dir, s) in done {
        let diff = differences(&s.identity(), &run);
        if !diff.is_empty() {
            let diff: Vec<String> = diff
                .iter()
                .map(|(k, this, others)| format!("{k} {this} (the others: {others})"))
                .collect();
            problems.push(format!(
                "{}: {} of another run: {}",
                dir.display(),
                s.shard,
                diff.join("; ")
            ));
        } else if s.shard.index >= s.shard.count {
            problems.push(format!("{}: {} does not exist", dir.display(), s.shard));
        } else if let Some((first, _)) = by_index.get(&s.shard.index) {
            problems.push(format!(
                "{} is given twice: {} and {}",
                s.shard,
                first.display(),
                dir.display()
            ));
        } else {
            by_index.insert(s.shard.index, (dir, s));
        }
    }
    for index in 0..run.num_shards {
        if !by_index.contains_key(&index) {
            let id = ShardId {
                index,
                count: run.num_shards,
            };
            problems.push(format!("{id} is missing ({}/ not given)", id.dir_name()));
        }
    }
    if problems.is_empty() {
        Ok(by_index.into_values().collect())
    } else {
        Err(refused(&problems))
    }
}

fn refused(problems: &[String]) -> Error {
    let mut msg = format!("cannot merge: {} problem(s)\n", problems.len());
    for p in problems {
        msg.push_str(&format!("  - {p}\n"));
    }
    Error::Usage(msg.trim_end().to_string())
}

/// Merges the shard folders found in `inputs` into the corpus folder `out` (which must not
/// exist, or be empty), or, with `out` `None` and one input, into that input's place (the
/// shard folders are replaced by the corpus). Returns the corpus manifest.
pub fn merge(
    inputs: &[PathBuf],
    out: Option<&Path>,
    command_line: Vec<String>,
    obs: &dyn Observer,
) -> Result<Manifest> {
    let in_place = match (out, inputs) {
        (Some(o), _) => {
            crate::sink::check_out(o)?;
            None
        }
        (None, [one]) => Some(one.clone()),
        (None, _) => {
            return Err(Error::Usage(
                "give --out DIR to merge several folders (merging in place takes one folder of shard folders)".into(),
            ));
        }
    };
    if let Some(dir) = &in_place {
        only_shards(dir)?;
    }
    let shards = check_set(find(inputs)?)?;
    let target = out
        .map(Path::to_path_buf)
        .or(in_place.clone())
        .expect("a target");
    let tmp = TempDir::beside(&target)?;
    let total: u64 = shards
        .iter()
        .flat_map(|(_, s)| &s.manifest.conditions)
        .map(|c| c.shards.len() as u64 + c.provenance.len() as u64)
        .sum();
    obs.start("merge", Some(total), "files");
    let built = assemble(&shards, tmp.path(), command_line, obs);
    obs.finish();
    let manifest = built?;
    manifest.write(tmp.path())?;
    match in_place {
        None => tmp.publish(&target)?,
        Some(dir) => tmp.replace(&dir)?,
    }
    Ok(manifest)
}

/// Merging in place replaces the folder: refuse one that holds anything but shard folders.
fn only_shards(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(Error::io("cannot read", dir))?;
    let mut other: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !(n.starts_with("shard-") && n.contains("-of-")))
        .collect();
    other.sort();
    match other.first() {
        None => Ok(()),
        Some(first) => Err(Error::Usage(format!(
            "merging in place replaces {} by the corpus, but it holds more than shard folders ({first}{}); give --out DIR",
            dir.display(),
            if other.len() > 1 { ", …" } else { "" }
        ))),
    }
}

/// Copies (hard-links where it can) every file into `dir`, checking each against its
/// shard's manifest, and builds the corpus manifest.
fn assemble(
    shards: &[(PathBuf, ShardManifest)],
    dir: &Path,
    command_line: Vec<String>,
    obs: &dyn Observer,
) -> Result<Manifest> {
    let (first_dir, first) = &shards[0];
    let compression = first.manifest.output.compression;
    for s in &first.manifest.sources {
        take(first_dir, dir, s, compression, &mut [], false)?;
    }
    let mut all = Sha256::new();
    let mut conditions = Vec::new();
    let mut files = 0u64;
    for (ci, c0) in first.manifest.conditions.iter().enumerate() {
        let mut cond = Sha256::new();
        let mut merged = ConditionEntry {
            id: c0.id.clone(),
            docs: c0.docs,
            // A budgeted corpus: each shard counted the tokens of its own records.
            tokens: c0.tokens.map(|_| 0),
            content_sha256: String::new(),
            shards: Vec::new(),
            provenance: Vec::new(),
            facts: BTreeMap::new(),
            doc_types: BTreeMap::new(),
            templates: BTreeMap::new(),
        };
        for (sdir, s) in shards {
            let c = &s.manifest.conditions[ci];
            if let (Some(t), Some(n)) = (merged.tokens.as_mut(), c.tokens) {
                *t += n;
            }
            let mut piece = Sha256::new();
            for f in &c.shards {
                take(
                    sdir,
                    dir,
                    f,
                    compression,
                    &mut [&mut piece, &mut cond, &mut all],
                    true,
                )?;
            }
            let digest = hex::encode(piece.finalize());
            if digest != c.content_sha256 {
                return Err(Error::CheckFailed(format!(
                    "{}: the records of condition {} hash to {digest}, {SHARD_FILE} says {}; rerun {}",
                    sdir.display(),
                    c.id,
                    c.content_sha256,
                    s.shard
                )));
            }
            for f in &c.provenance {
                take(sdir, dir, f, compression, &mut [], true)?;
            }
            merged.shards.extend(c.shards.iter().cloned());
            merged.provenance.extend(c.provenance.iter().cloned());
            add_counts(&mut merged.facts, &c.facts);
            add_counts(&mut merged.doc_types, &c.doc_types);
            add_counts(&mut merged.templates, &c.templates);
            files += (c.shards.len() + c.provenance.len()) as u64;
            obs.progress(files);
        }
        merged.content_sha256 = hex::encode(cond.finalize());
        conditions.push(merged);
    }
    Ok(Manifest {
        content_sha256: hex::encode(all.finalize()),
        conditions,
        command_line,
        created_at: manifest::now_utc(),
        ..first.manifest.clone()
    })
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_insert(0) += v;
    }
}

/// Brings `entry` from the shard folder `from` into `to` and checks its size and digest
/// (and, for `records`, its line count); the uncompressed bytes go to `hashers`.
fn take(
    from: &Path,
    to: &Path,
    entry: &FileEntry,
    compression: Compression,
    hashers: &mut [&mut Sha256],
    records: bool,
) -> Result<()> {
    let src = from.join(&entry.path);
    let dst = to.join(&entry.path);
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io("cannot create folder", parent))?;
    }
    if std::fs::hard_link(&src, &dst).is_err() {
        std::fs::copy(&src, &dst).map_err(Error::io("cannot copy", &src))?;
    }
    let compression = if records {
        compression
    } else {
        Compression::None
    };
    let (lines, (sha, bytes)) = crate::verify::hash_content(&dst, compression, hashers)
        .map_err(Error::io("cannot read", &src))?;
    let lines_ok = !records || entry.records == Some(lines);
    if sha != entry.sha256 || bytes != entry.bytes || !lines_ok {
        return Err(Error::CheckFailed(format!(
            "{}: {bytes} bytes, {lines} lines, sha256 {sha}; {SHARD_FILE} says {} bytes, {} lines, sha256 {}; rerun that shard",
            src.display(),
            entry.bytes,
            entry.records.map_or("-".into(), |r| r.to_string()),
            entry.sha256
        )));
    }
    Ok(())
}
