//! `factpress ingest`: a briefs folder and the provider's results in, an audited factpress
//! corpus out. The corpus holds the spec's `source/`, the briefs (`briefs/`), the chosen
//! result of every brief byte for byte (`responses/responses.jsonl`) and `rejects.jsonl`;
//! [`assemble`] builds the data shards from those alone, so `regenerate` and `verify
//! --regenerate` rebuild the same bytes. Documents are checked in parallel and written in
//! brief order: the same bytes for any thread count.

use super::accept::Checker;
use super::briefs::{BriefLine, BriefsManifest};
use super::layers;
use super::results::{self, Located, Status, Stored};
use crate::error::{Error, Result};
use crate::generate::{Choices, RunOptions, Selection};
use crate::manifest::{self, ConditionEntry, FileEntry, LlmEntry, Manifest, Tool};
use crate::output::Output;
use crate::pipeline::{BATCH, shard_name};
use crate::plan::plan_doc;
use crate::record::{Encoding, LlmMeta, encode_with};
use crate::render::Rendered;
use crate::sink::{Compression, ShardWriter, TempDir, Written};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Writes the corpus `out` from briefs folder `dir` and the result files `results`. With
/// `onto` (an ingested corpus), `dir` is a `briefs --retry` folder of its rejects: `out` is
/// that corpus with the retried documents in it (a new layer, see [`super::layers`]).
pub fn ingest(
    dir: &Path,
    results: &[PathBuf],
    onto: Option<&Path>,
    output: &Output,
    out: &Path,
    opts: &RunOptions,
) -> Result<Manifest> {
    crate::sink::check_out(out)?;
    let bm = BriefsManifest::read(dir)?;
    let briefs = read_briefs(&dir.join("briefs.jsonl"))?;
    let layer = match onto {
        Some(c) => layers::check_onto(c, dir, &bm)?,
        None => "briefs".to_string(),
    };
    let (located, problems) = results::read(results)?;
    let stored = choose(dir, &briefs, located, problems)?;
    let tmp = TempDir::beside(out)?;
    let mut text = String::new();
    match onto {
        Some(c) => {
            copy_listed(c, tmp.path(), &bm.sources)?;
            for f in layers::stored_files(c) {
                copy(&c.join(&f), &tmp.path().join(&f))?;
            }
            let rp = c.join("responses/responses.jsonl");
            text = std::fs::read_to_string(&rp).map_err(Error::io("cannot read", &rp))?;
        }
        None => copy_listed(dir, tmp.path(), &bm.sources)?,
    }
    for f in ["manifest.json", "briefs.jsonl"] {
        copy(&dir.join(f), &tmp.path().join(&layer).join(f))?;
    }
    for s in stored.iter().flatten() {
        text.push_str(&serde_json::to_string(s).expect("in-memory JSON"));
        text.push('\n');
    }
    let rp = tmp.path().join("responses/responses.jsonl");
    std::fs::create_dir_all(rp.parent().expect("has a parent"))
        .map_err(Error::io("cannot create folder", &rp))?;
    std::fs::write(&rp, text).map_err(Error::io("cannot write", &rp))?;
    let m = assemble(tmp.path(), Some(tmp.path()), output, opts)?;
    m.write(tmp.path())?;
    tmp.publish(out)?;
    Ok(m)
}

/// Rebuilds the ingested corpus `dir` into `out` from its stored briefs and responses.
pub fn regenerate(dir: &Path, out: &Path, output: &Output, opts: &RunOptions) -> Result<Manifest> {
    crate::sink::check_out(out)?;
    let tmp = TempDir::beside(out)?;
    let bm = BriefsManifest::read(&dir.join("briefs"))?;
    copy_listed(dir, tmp.path(), &bm.sources)?;
    for f in layers::stored_files(dir) {
        copy(&dir.join(&f), &tmp.path().join(&f))?;
    }
    let m = assemble(tmp.path(), Some(tmp.path()), output, opts)?;
    m.write(tmp.path())?;
    tmp.publish(out)?;
    Ok(m)
}

/// Builds the data shards and `rejects.jsonl` of the corpus whose briefs, responses and
/// sources are in `input` (into `root`, or only hashed when `None`); returns its manifest.
pub fn assemble(
    input: &Path,
    root: Option<&Path>,
    output: &Output,
    opts: &RunOptions,
) -> Result<Manifest> {
    let bm = BriefsManifest::read(&input.join("briefs"))?;
    let (briefs, retries) = layers::final_briefs(input)?;
    let stored = read_stored(&input.join("responses/responses.jsonl"), &briefs)?;
    let choices = Choices {
        conditions: bm.conditions.clone(),
        docs: Some(bm.docs_per_condition.max(1)),
        seed: Some(bm.seed),
        vars: bm.var_overrides.clone(),
        ..Choices::default()
    };
    let sel = Selection::resolve(&input.join("source").join(&bm.spec), &choices)?;
    let checker = Checker::new(&sel.spec, bm.extract_tag.as_deref(), bm.pairs_max_change)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let docs: Vec<Doc> = pool.install(|| {
        briefs
            .par_iter()
            .zip(&stored)
            .map(|(b, s)| one(&sel, &checker, output, b, s.as_ref()))
            .collect()
    });
    let mut rejects = ShardWriter::create(root, "rejects.jsonl", Compression::None)?;
    let mut all = Sha256::new();
    let mut conditions = Vec::new();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for cid in &bm.conditions {
        conditions.push(write_condition(
            root,
            output,
            &sel,
            cid,
            (&briefs, &docs),
            &mut all,
        )?);
    }
    let mut rejected = 0;
    for d in &docs {
        if let Some(r) = &d.reject {
            rejects.write_batch(r.as_bytes(), 1)?;
            rejected += 1;
            let first = d.reasons.first().map(|r| kind(r)).unwrap_or("other");
            *reasons.entry(first.to_string()).or_insert(0) += 1;
        }
    }
    let rejects = rejects.finish()?;
    let mut files = Vec::new();
    for f in layers::stored_files(input) {
        files.push(file_entry(&input.join(&f), &f)?);
    }
    let mut by_attempt: BTreeMap<String, u64> = BTreeMap::new();
    if retries > 0 {
        for (b, d) in briefs.iter().zip(&docs) {
            if d.reject.is_none() {
                *by_attempt.entry(b.brief.attempt.to_string()).or_insert(0) += 1;
            }
        }
    }
    files.push(entry("rejects.jsonl".into(), rejects));
    let sources = bm.sources.clone();
    Ok(Manifest {
        format_version: manifest::FORMAT_VERSION,
        tool: Tool {
            name: "factpress".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        corpus: sel.spec.name.clone(),
        spec: bm.spec.clone(),
        seed: bm.seed,
        docs_per_condition: bm.docs_per_condition,
        token_budget: None,
        rng: crate::rng::ALGORITHM.into(),
        vars: sel.spec.vars.clone(),
        var_overrides: bm.var_overrides.clone(),
        output: output.clone(),
        content_sha256: hex::encode(all.finalize()),
        conditions,
        sources,
        mix: None,
        llm: Some(LlmEntry {
            provider: bm.provider.name().into(),
            model: bm.model.clone(),
            briefs_manifest_sha256: files[0].sha256.clone(),
            briefs: briefs.len() as u64,
            accepted: briefs.len() as u64 - rejected,
            rejected,
            reasons,
            retries: retries as u64,
            accepted_by_attempt: by_attempt,
            files,
        }),
        command_line: opts.command_line.clone(),
        created_at: manifest::now_utc(),
    })
}

/// The class of a reason (`missing`, `truncated`, `forbidden`, `no tag`, …), for the counts.
fn kind(reason: &str) -> &str {
    if reason.starts_with("no text inside") {
        return "no tag";
    }
    if reason.starts_with("no result") {
        return "no result";
    }
    reason.split([' ', ':']).next().unwrap_or(reason)
}

/// One document: its record lines when accepted, else its rejects line.
struct Doc {
    record: Vec<u8>,
    provenance: Vec<u8>,
    reject: Option<String>,
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct Reject<'a> {
    id: &'a str,
    custom_id: &'a str,
    attempt: u32,
    condition: &'a str,
    index: u64,
    request_sha256: &'a str,
    reasons: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    finish_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_id: Option<&'a str>,
}

fn one(
    sel: &Selection,
    checker: &Checker,
    output: &Output,
    b: &BriefLine,
    s: Option<&Stored>,
) -> Doc {
    let status = match s.map(results::status) {
        Some(Ok(st)) => st,
        Some(Err(e)) => Status::Failed {
            kind: "malformed".into(),
            message: e,
        },
        None => Status::Failed {
            kind: "no result".into(),
            message: String::new(),
        },
    };
    let (text, reasons) = checker.check(&b.brief, &status);
    let msg = match &status {
        Status::Message(m) => Some(m),
        Status::Failed { .. } => None,
    };
    let mut doc = Doc {
        record: Vec::new(),
        provenance: Vec::new(),
        reject: None,
        reasons,
    };
    match text {
        Some(text) if doc.reasons.is_empty() => {
            let m = msg.expect("a text comes from a message");
            let cond = sel
                .spec
                .conditions
                .iter()
                .position(|c| c.id == b.brief.condition)
                .expect("a condition of the spec");
            let plan = plan_doc(&sel.spec, sel.seed, cond, b.brief.index);
            let rendered = Rendered {
                text,
                facts: Vec::new(),
                template: b.brief.template.clone(),
                body: None,
            };
            let meta = LlmMeta {
                custom_id: b.brief.custom_id.clone(),
                attempt: b.brief.attempt,
                request_sha256: b.request_sha256.clone(),
                model: m.model.clone(),
                response_id: m.response_id.clone(),
                finish_reason: m.finish_reason.clone(),
                usage: m.usage.clone(),
            };
            let enc = Encoding {
                format: output.format,
                doctag: output.doctag(),
                seed: sel.seed,
            };
            encode_with(
                &sel.spec,
                enc,
                (&plan, &rendered, Some(&meta)),
                &mut doc.record,
                &mut doc.provenance,
            );
        }
        _ => {
            let r = Reject {
                id: &b.brief.id,
                custom_id: &b.brief.custom_id,
                attempt: b.brief.attempt,
                condition: &b.brief.condition,
                index: b.brief.index,
                request_sha256: &b.request_sha256,
                reasons: &doc.reasons,
                finish_reason: msg.map(|m| m.finish_reason.as_str()),
                response_id: msg.map(|m| m.response_id.as_str()),
            };
            let mut line = serde_json::to_string(&r).expect("in-memory JSON");
            line.push('\n');
            doc.reject = Some(line);
        }
    }
    doc
}

/// Writes the accepted documents of condition `cid` into its shard (one per condition);
/// returns its manifest entry; the records also go into `all`.
fn write_condition(
    root: Option<&Path>,
    output: &Output,
    sel: &Selection,
    cid: &str,
    (briefs, docs): (&[BriefLine], &[Doc]),
    all: &mut Sha256,
) -> Result<ConditionEntry> {
    let spec = &sel.spec;
    let c = output.compression;
    let mut w = ShardWriter::create(root, &shard_name("data", cid, 0, 1, c), c)?;
    let mut p = match output.format.needs_sidecar() {
        true => Some(ShardWriter::create(
            root,
            &shard_name("provenance", cid, 0, 1, c),
            c,
        )?),
        false => None,
    };
    let mut hash = Sha256::new();
    let (mut facts, mut doc_types, mut templates) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut batch = (Vec::new(), Vec::new(), 0u64);
    let mut accepted = 0;
    let flush = |batch: &mut (Vec<u8>, Vec<u8>, u64),
                 w: &mut ShardWriter,
                 p: &mut Option<ShardWriter>|
     -> Result<()> {
        w.write_batch(&batch.0, batch.2)?;
        if let Some(p) = p {
            p.write_batch(&batch.1, batch.2)?;
        }
        *batch = (Vec::new(), Vec::new(), 0);
        Ok(())
    };
    for (b, d) in briefs.iter().zip(docs) {
        if b.brief.condition != cid || d.reject.is_some() {
            continue;
        }
        hash.update(&d.record);
        all.update(&d.record);
        batch.0.extend_from_slice(&d.record);
        batch.1.extend_from_slice(&d.provenance);
        batch.2 += 1;
        accepted += 1;
        for f in &b.brief.facts {
            *facts.entry(f.id.clone()).or_insert(0) += 1;
        }
        *doc_types.entry(b.brief.doc_type.clone()).or_insert(0) += 1;
        *templates.entry(b.brief.template.clone()).or_insert(0) += 1;
        if batch.2 == BATCH {
            flush(&mut batch, &mut w, &mut p)?;
        }
    }
    if batch.2 > 0 {
        flush(&mut batch, &mut w, &mut p)?;
    }
    let digest = hash.finalize().to_vec();
    let shards = vec![entry(shard_name("data", cid, 0, 1, c), w.finish()?)];
    let provenance = match p {
        Some(p) => vec![entry(shard_name("provenance", cid, 0, 1, c), p.finish()?)],
        None => Vec::new(),
    };
    let mut all_facts: BTreeMap<String, u64> = spec
        .condition(cid)
        .map(|k| k.facts().map(|f| (spec.facts[f].id.clone(), 0)).collect())
        .unwrap_or_default();
    all_facts.extend(facts);
    let all_types: BTreeMap<String, u64> = spec
        .doc_types
        .iter()
        .map(|d| (d.id.clone(), doc_types.get(&d.id).copied().unwrap_or(0)))
        .collect();
    Ok(ConditionEntry {
        id: cid.to_string(),
        docs: accepted,
        tokens: None,
        content_sha256: hex::encode(&digest),
        shards,
        provenance,
        facts: all_facts,
        doc_types: all_types,
        templates,
    })
}

fn entry(path: String, w: Written) -> FileEntry {
    FileEntry {
        path,
        records: Some(w.records),
        bytes: w.bytes,
        sha256: w.sha256,
    }
}

fn file_entry(path: &Path, rel: &str) -> Result<FileEntry> {
    let bytes = std::fs::read(path).map_err(Error::io("cannot read", path))?;
    Ok(FileEntry {
        path: rel.to_string(),
        records: None,
        bytes: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(&bytes)),
    })
}

/// Reads `briefs.jsonl`.
pub fn read_briefs(path: &Path) -> Result<Vec<BriefLine>> {
    let text = std::fs::read_to_string(path).map_err(Error::io("cannot read", path))?;
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::Corrupt {
                path: path.to_path_buf(),
                message: format!("line {}: not a brief: {e}", i + 1),
            })
        })
        .collect()
}

/// Reads the stored responses, one per brief that has one (by custom_id).
fn read_stored(path: &Path, briefs: &[BriefLine]) -> Result<Vec<Option<Stored>>> {
    let text = std::fs::read_to_string(path).map_err(Error::io("cannot read", path))?;
    let mut by_id: BTreeMap<String, Stored> = BTreeMap::new();
    for (i, l) in text.lines().enumerate() {
        let s: Stored = serde_json::from_str(l).map_err(|e| Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("line {}: not a stored response: {e}", i + 1),
        })?;
        by_id.insert(s.custom_id.clone(), s);
    }
    Ok(briefs
        .iter()
        .map(|b| by_id.remove(&b.brief.custom_id))
        .collect())
}

/// The result kept for each brief: the first message in argument order, else the first
/// failure. A result for a request that is not in `dir`, or a cache entry for another
/// version of a request, is an error (all reported at once).
fn choose(
    dir: &Path,
    briefs: &[BriefLine],
    located: Vec<Located>,
    mut problems: Vec<String>,
) -> Result<Vec<Option<Stored>>> {
    let index: BTreeMap<&str, usize> = briefs
        .iter()
        .enumerate()
        .map(|(i, b)| (b.brief.custom_id.as_str(), i))
        .collect();
    let mut chosen: Vec<Option<(Stored, bool)>> = vec![None; briefs.len()];
    for l in located {
        let Some(&i) = index.get(l.stored.custom_id.as_str()) else {
            problems.push(format!(
                "{}:1: custom_id `{}` is not a request of {} (results of another briefs folder?)",
                l.at,
                l.stored.custom_id,
                dir.display()
            ));
            continue;
        };
        if l.stored.format == "cache" {
            let v: serde_json::Value = serde_json::from_str(&l.stored.raw).unwrap_or_default();
            if v["request_sha256"].as_str() != Some(briefs[i].request_sha256.as_str()) {
                problems.push(format!(
                    "{}: cache entry for `{}` answers another request (request_sha256 differs from index.jsonl)",
                    l.at, l.stored.custom_id
                ));
                continue;
            }
        }
        let ok = matches!(results::status(&l.stored), Ok(Status::Message(_)));
        match &chosen[i] {
            Some((_, true)) => {}
            Some((_, false)) if !ok => {}
            _ => chosen[i] = Some((l.stored, ok)),
        }
    }
    if !problems.is_empty() {
        return Err(results::invalid(problems));
    }
    Ok(chosen.into_iter().map(|c| c.map(|(s, _)| s)).collect())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(p) = to.parent() {
        std::fs::create_dir_all(p).map_err(Error::io("cannot create folder", p))?;
    }
    std::fs::copy(from, to).map_err(Error::io("cannot copy", from))?;
    Ok(())
}

/// The bytes of the file `e` lists under `dir`, if they still have its sha256.
pub(super) fn read_listed(dir: &Path, e: &FileEntry) -> Result<Vec<u8>> {
    let src = dir.join(&e.path);
    let bytes = std::fs::read(&src).map_err(Error::io("cannot read", &src))?;
    if hex::encode(Sha256::digest(&bytes)) != e.sha256 {
        return Err(Error::CheckFailed(format!(
            "{}: changed since its manifest was written (sha256 differs)",
            src.display()
        )));
    }
    Ok(bytes)
}

/// Copies the files `entries` lists from `from` to `to`, checking each digest.
fn copy_listed(from: &Path, to: &Path, entries: &[FileEntry]) -> Result<()> {
    for e in entries {
        let bytes = read_listed(from, e)?;
        let dst = to.join(&e.path);
        if let Some(p) = dst.parent() {
            std::fs::create_dir_all(p).map_err(Error::io("cannot create folder", p))?;
        }
        std::fs::write(&dst, bytes).map_err(Error::io("cannot write", &dst))?;
    }
    Ok(())
}

/// The documents of an ingested corpus by id (the base of a derived condition's edits).
pub fn corpus_texts(dir: &Path) -> Result<(super::briefs::FileRef, BTreeMap<String, String>)> {
    let corpus = crate::corpus::Corpus::open_folder(dir)?;
    let m = corpus.manifest().expect("a folder has a manifest");
    if m.llm.is_none() {
        return Err(Error::Usage(format!(
            "--base-corpus {}: not an ingested corpus (written by `factpress ingest`); a derived condition edits the base's documents as the model wrote them",
            dir.display()
        )));
    }
    let field = corpus.default_text_field();
    let mut texts = BTreeMap::new();
    for batch in corpus.batches(1024, |_| true) {
        for line in batch?.lines {
            let rec: serde_json::Value =
                serde_json::from_str(&line.text).map_err(|e| Error::Corrupt {
                    path: dir.to_path_buf(),
                    message: format!("a record is not JSON: {e}"),
                })?;
            let prov: serde_json::Value = line
                .provenance
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default();
            let id = rec["id"]
                .as_str()
                .or(prov["id"].as_str())
                .unwrap_or_default()
                .to_string();
            let text = crate::corpus::text_field(&rec, field)
                .unwrap_or_default()
                .to_string();
            texts.insert(id, text);
        }
    }
    let r = super::briefs::FileRef {
        path: dir.display().to_string(),
        sha256: m.content_sha256.clone(),
    };
    Ok((r, texts))
}
