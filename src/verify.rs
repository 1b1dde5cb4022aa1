//! `factpress verify`: proves a corpus folder is exactly what its manifest says. It re-hashes
//! every shard and source file, decompresses the shards to re-hash the record stream, and with
//! `--regenerate` re-renders the corpus from its own `source/` and compares bytes. Read-only.

use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::generate::{RunOptions, replay};
use crate::manifest::FileEntry;
use crate::sink::{Compression, Hashing};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The outcome of a verification: what was checked and every mismatch found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub files_checked: usize,
    pub records_checked: u64,
    pub regenerated: bool,
    pub problems: Vec<String>,
}

/// Checks the corpus folder `dir` against its manifest (and, with `regenerate`, against a
/// fresh rendering of its `source/`). Mismatches are collected in the report, not returned
/// as errors; see [`VerifyReport::into_result`].
pub fn verify(dir: &Path, regenerate: bool, opts: &RunOptions) -> Result<VerifyReport> {
    let corpus = Corpus::open_folder(dir)?;
    let m = corpus.manifest().expect("a corpus folder has a manifest");
    let mut rep = VerifyReport::default();
    if m.tool.version != env!("CARGO_PKG_VERSION") && regenerate {
        opts.observer.note(&format!(
            "the corpus was written by factpress {}; this is {} — regeneration may differ if rendering changed between them",
            m.tool.version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    for s in &m.sources {
        check_file(dir, s, &mut rep);
    }
    // An ingested corpus's briefs, stored responses and rejects are part of it too.
    for s in m.llm.iter().flat_map(|l| &l.files) {
        check_file(dir, s, &mut rep);
    }
    let mut all = Sha256::new();
    let mut listed = BTreeSet::new();
    for c in &m.conditions {
        let mut cond = Sha256::new();
        let mut content_ok = true;
        for s in &c.provenance {
            listed.insert(s.path.clone());
            // Sidecars are records too: their digest, size and row count are all checked.
            let path = dir.join(&s.path);
            match hash_content(&path, m.output.compression, &mut []) {
                Ok((lines, digest)) => {
                    rep.files_checked += 1;
                    compare_digest(s, digest, &mut rep);
                    if Some(lines) != s.records {
                        rep.problems.push(format!(
                            "{}: {} rows, manifest says {}",
                            s.path,
                            lines,
                            s.records.unwrap_or(0)
                        ));
                    }
                }
                Err(e) => {
                    check_file(dir, s, &mut rep);
                    rep.problems
                        .push(format!("{}: cannot read rows: {e}", s.path));
                }
            }
        }
        // One pass per shard: its bytes are hashed as they are decompressed.
        for s in &c.shards {
            listed.insert(s.path.clone());
            let path = dir.join(&s.path);
            match hash_content(&path, m.output.compression, &mut [&mut cond, &mut all]) {
                Ok((lines, digest)) => {
                    rep.files_checked += 1;
                    compare_digest(s, digest, &mut rep);
                    rep.records_checked += lines;
                    if Some(lines) != s.records {
                        rep.problems.push(format!(
                            "{}: {} records, manifest says {}",
                            s.path,
                            lines,
                            s.records.unwrap_or(0)
                        ));
                    }
                }
                Err(e) => {
                    content_ok = false;
                    check_file(dir, s, &mut rep);
                    rep.problems
                        .push(format!("{}: cannot read records: {e}", s.path));
                }
            }
        }
        let got = hex::encode(cond.finalize());
        if content_ok && got != c.content_sha256 {
            rep.problems.push(format!(
                "condition `{}`: content_sha256 is {got}, manifest says {}",
                c.id, c.content_sha256
            ));
        }
    }
    let got = hex::encode(all.finalize());
    if rep.problems.is_empty() && got != m.content_sha256 {
        rep.problems.push(format!(
            "content_sha256 is {got}, manifest says {}",
            m.content_sha256
        ));
    }
    unlisted_files(dir, &listed, &mut rep);
    if regenerate {
        rep.regenerated = true;
        compare_regenerated(&corpus, opts, &mut rep)?;
    }
    Ok(rep)
}

/// Shard and provenance files the manifest does not list (left by hand, or by a bug).
fn unlisted_files(dir: &Path, listed: &BTreeSet<String>, rep: &mut VerifyReport) {
    for sub in ["data", "provenance"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            for e in entries.flatten() {
                let rel = format!("{sub}/{}", e.file_name().to_string_lossy());
                if !listed.contains(&rel) {
                    rep.problems
                        .push(format!("{rel}: file not listed in the manifest"));
                }
            }
        }
    }
}

/// Re-renders the corpus from its `source/` and compares every digest with the manifest.
fn compare_regenerated(corpus: &Corpus, opts: &RunOptions, rep: &mut VerifyReport) -> Result<()> {
    let m = corpus.manifest().expect("a corpus folder has a manifest");
    if let Some(mix) = &m.mix {
        let plan = crate::mix::MixPlan::from_entry(mix);
        let out = crate::mix::run(&plan, &m.output, None, Some(&mix.sources), opts.observer)?;
        if out.content_sha256 != m.content_sha256 {
            rep.problems.push(format!(
                "re-mixed content_sha256 is {}, manifest says {}",
                out.content_sha256, m.content_sha256
            ));
        }
        return Ok(());
    }
    if m.llm.is_some() {
        return compare_reingested(corpus, m, opts, rep);
    }
    let source = corpus.source()?;
    let out = replay(
        &source.selection,
        source.renderer.clone(),
        &source.output,
        opts,
    )?;
    if out.content_sha256 != m.content_sha256 {
        rep.problems.push(format!(
            "regenerated content_sha256 is {}, manifest says {}",
            out.content_sha256, m.content_sha256
        ));
    }
    for (co, ce) in out.conditions.iter().zip(&m.conditions) {
        for ((path, w), e) in co
            .shards
            .iter()
            .chain(&co.provenance)
            .zip(ce.shards.iter().chain(&ce.provenance))
        {
            if path != &e.path || w.sha256 != e.sha256 || w.bytes != e.bytes {
                rep.problems.push(format!(
                    "{}: regenerated bytes differ (sha256 {} vs manifest {})",
                    e.path, w.sha256, e.sha256
                ));
            }
        }
    }
    Ok(())
}

/// Rebuilds an ingested corpus from its stored briefs and responses (nothing written) and
/// compares every digest with the manifest.
fn compare_reingested(
    corpus: &Corpus,
    m: &crate::manifest::Manifest,
    opts: &RunOptions,
    rep: &mut VerifyReport,
) -> Result<()> {
    let dir = &corpus.folder().expect("a corpus folder").dir;
    let again = crate::llm::ingest::assemble(dir, None, &m.output, opts)?;
    if again.content_sha256 != m.content_sha256 {
        rep.problems.push(format!(
            "re-ingested content_sha256 is {}, manifest says {}",
            again.content_sha256, m.content_sha256
        ));
    }
    let files = |x: &crate::manifest::Manifest| -> Vec<FileEntry> {
        let mut v: Vec<FileEntry> = x
            .conditions
            .iter()
            .flat_map(|c| c.shards.iter().chain(&c.provenance).cloned())
            .collect();
        v.extend(x.llm.iter().flat_map(|l| l.files.iter().cloned()));
        v
    };
    for (a, b) in files(&again).iter().zip(files(m).iter()) {
        if a != b {
            rep.problems.push(format!(
                "{}: re-ingested bytes differ (sha256 {} vs manifest {})",
                b.path, a.sha256, b.sha256
            ));
        }
    }
    Ok(())
}

fn check_file(dir: &Path, e: &FileEntry, rep: &mut VerifyReport) {
    rep.files_checked += 1;
    let path = dir.join(&e.path);
    let digest = std::fs::File::open(&path).and_then(|f| {
        let mut h = Hashing::new(f);
        std::io::copy(&mut h, &mut std::io::sink())?;
        let (_, sha, bytes) = h.finish();
        Ok((sha, bytes))
    });
    match digest {
        Ok(d) => compare_digest(e, d, rep),
        Err(err) => rep
            .problems
            .push(format!("{}: cannot read ({err})", e.path)),
    }
}

/// Records a mismatch between a file's (sha256, size) and its manifest entry.
fn compare_digest(e: &FileEntry, (sha, bytes): (String, u64), rep: &mut VerifyReport) {
    if bytes != e.bytes {
        rep.problems.push(format!(
            "{}: {} bytes, manifest says {}",
            e.path, bytes, e.bytes
        ));
    }
    if sha != e.sha256 {
        rep.problems.push(format!(
            "{}: sha256 {sha}, manifest says {}",
            e.path, e.sha256
        ));
    }
}

/// Streams the uncompressed records of a shard into the hashers; returns the line count and
/// the (sha256, size) of the shard file itself, read once.
pub(crate) fn hash_content(
    path: &Path,
    compression: Compression,
    hashers: &mut [&mut Sha256],
) -> std::io::Result<(u64, (String, u64))> {
    let mut file = Hashing::new(std::fs::File::open(path)?);
    let mut lines = 0u64;
    {
        let reader: Box<dyn Read + '_> = match compression {
            Compression::Zstd => Box::new(zstd::Decoder::new(&mut file)?),
            Compression::None => Box::new(&mut file),
        };
        let mut r = BufReader::with_capacity(1 << 20, reader);
        loop {
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            for h in hashers.iter_mut() {
                h.update(buf);
            }
            lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
            let n = buf.len();
            r.consume(n);
        }
    }
    // Bytes after the last zstd frame (none in a sound shard) still count.
    std::io::copy(&mut file, &mut std::io::sink())?;
    let (_, sha, bytes) = file.finish();
    Ok((lines, (sha, bytes)))
}

impl VerifyReport {
    pub fn into_result(self) -> Result<VerifyReport> {
        if self.problems.is_empty() {
            Ok(self)
        } else {
            let mut msg = format!("verification failed: {} problem(s)\n", self.problems.len());
            for p in &self.problems {
                msg.push_str(&format!("  - {p}\n"));
            }
            Err(Error::CheckFailed(msg.trim_end().to_string()))
        }
    }
}
