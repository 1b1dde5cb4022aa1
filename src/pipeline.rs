//! Runs plan -> render -> encode in parallel and feeds the sink in index order.
//!
//! Work is cut into fixed batches of `BATCH` documents inside each shard, so batch boundaries
//! (and with them the compressed bytes) depend on the shard count only, never on the thread
//! count. A producer thread renders a window of batches at a time on a rayon pool and hands
//! them, in order, over a bounded channel to the writer: memory stays flat and the writer is
//! never shared or locked.

use crate::error::{Error, Result};
use crate::generate::Selection;
use crate::observe::Observer;
use crate::output::Output;
use crate::plan::plan_doc;
use crate::record::{Encoding, encode};
use crate::render::Renderer;
use crate::sink::{Compression, ShardWriter, Written};
use crate::stats::tokens::Tokenizer;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

/// Documents per write batch; recorded in the manifest since it fixes the compressed bytes.
pub const BATCH: u64 = 256;

/// What to produce: the conditions (indices into the spec), how many documents, how.
#[derive(Clone)]
pub struct Job {
    renderer: Arc<Renderer>,
    seed: u64,
    docs: u64,
    conditions: Vec<usize>,
    output: Output,
    /// Only this shard (of `output.shards`), for a shard job of a cluster run.
    only: Option<u32>,
    /// Counts the tokens of every document's text (for a token budget's manifest).
    tokenizer: Option<Tokenizer>,
}

/// What was produced for one condition.
#[derive(Debug, Clone)]
pub struct ConditionOutput {
    pub condition: usize,
    pub content_sha256: String,
    pub shards: Vec<(String, Written)>,
    pub provenance: Vec<(String, Written)>,
    /// Per spec fact index, per doc type index, per (doc type, template) index.
    pub fact_counts: Vec<u64>,
    pub doc_type_counts: Vec<u64>,
    pub template_counts: Vec<Vec<u64>>,
    /// Tokens of document text, when the job counts them (else 0).
    pub tokens: u64,
}

#[derive(Debug, Clone)]
pub struct JobOutput {
    pub conditions: Vec<ConditionOutput>,
    pub content_sha256: String,
}

#[derive(Clone, Copy)]
struct Batch {
    cond_pos: usize,
    shard: u32,
    start: u64,
    end: u64,
}

struct BatchOut {
    batch: Batch,
    records: Vec<u8>,
    provenance: Vec<u8>,
    facts: Vec<u64>,
    doc_types: Vec<u64>,
    templates: Vec<(usize, usize)>,
    tokens: u64,
}

/// The name of shard `k` of `n` for a condition, relative to the corpus folder.
pub fn shard_name(dir: &str, condition: &str, k: u32, n: u32, compression: Compression) -> String {
    format!(
        "{dir}/{condition}-{k:05}-of-{n:05}.{}",
        compression.extension()
    )
}

impl Job {
    pub fn new(sel: &Selection, renderer: Arc<Renderer>, output: Output) -> Job {
        Job {
            renderer,
            seed: sel.seed,
            docs: sel.docs,
            conditions: sel.conditions.clone(),
            output,
            only: None,
            tokenizer: sel.budget.map(|b| Tokenizer::new(b.tokenizer)),
        }
    }

    /// The same job restricted to shard `k` of `output.shards`: its records are exactly
    /// those shard `k` of the whole job holds, in the same batches, so the files are the same.
    pub fn only_shard(mut self, k: u32) -> Job {
        self.only = Some(k);
        self
    }

    /// Documents this job writes (all shards, or the one it is restricted to).
    fn expected(&self) -> u64 {
        self.batches().iter().map(|b| b.end - b.start).sum()
    }

    fn batches(&self) -> Vec<Batch> {
        let mut out = Vec::new();
        let n = self.output.shards as u64;
        for cond_pos in 0..self.conditions.len() {
            for s in (0..n).filter(|&s| self.only.is_none_or(|k| u64::from(k) == s)) {
                let (lo, hi) = (s * self.docs / n, (s + 1) * self.docs / n);
                let mut start = lo;
                while start < hi {
                    let end = (start + BATCH).min(hi);
                    out.push(Batch {
                        cond_pos,
                        shard: s as u32,
                        start,
                        end,
                    });
                    start = end;
                }
            }
        }
        out
    }

    fn render_batch(&self, b: Batch) -> Result<BatchOut> {
        let spec = self.renderer.spec();
        let cond = self.conditions[b.cond_pos];
        let mut out = BatchOut {
            batch: b,
            records: Vec::with_capacity(((b.end - b.start) * 4096) as usize),
            provenance: Vec::new(),
            facts: vec![0; spec.facts.len()],
            doc_types: vec![0; spec.doc_types.len()],
            templates: Vec::with_capacity((b.end - b.start) as usize),
            tokens: 0,
        };
        for i in b.start..b.end {
            let plan = plan_doc(spec, self.seed, cond, i);
            let doc = self.renderer.render_doc(&plan)?;
            if let Some(t) = &self.tokenizer {
                out.tokens += t.count(&doc.text);
            }
            let enc = Encoding {
                format: self.output.format,
                doctag: self.output.doctag(),
                seed: self.seed,
            };
            encode(
                spec,
                enc,
                &plan,
                &doc,
                &mut out.records,
                &mut out.provenance,
            );
            for c in &plan.facts {
                out.facts[c.fact] += 1;
            }
            out.doc_types[plan.doc_type] += 1;
            out.templates.push((plan.doc_type, plan.template));
        }
        Ok(out)
    }

    /// Renders the whole job on `threads` threads and writes it under `root` (or only hashes
    /// it when `root` is `None`). The observer sees the number of documents done and can stop
    /// the run between batches.
    pub fn run(
        &self,
        root: Option<&Path>,
        threads: usize,
        observer: &dyn Observer,
    ) -> Result<JobOutput> {
        observer.start(
            if root.is_some() { "generate" } else { "render" },
            Some(self.expected()),
            "docs",
        );
        let result = self.run_pool(root, threads, observer);
        observer.finish();
        result
    }

    fn run_pool(
        &self,
        root: Option<&Path>,
        threads: usize,
        observer: &dyn Observer,
    ) -> Result<JobOutput> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
        let batches = self.batches();
        let window = (threads.max(1) * 4).max(2);
        let (tx, rx) = sync_channel::<Result<BatchOut>>(window);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                for w in batches.chunks(window) {
                    if observer.cancelled() {
                        return;
                    }
                    let outs: Vec<Result<BatchOut>> =
                        pool.install(|| w.par_iter().map(|&b| self.render_batch(b)).collect());
                    for o in outs {
                        let stop = o.is_err();
                        if tx.send(o).is_err() || stop {
                            return;
                        }
                    }
                }
            });
            let result = self.write_all(root, rx.iter(), observer);
            drop(rx);
            result
        })
    }

    fn write_all(
        &self,
        root: Option<&Path>,
        batches: impl Iterator<Item = Result<BatchOut>>,
        observer: &dyn Observer,
    ) -> Result<JobOutput> {
        let spec = self.renderer.spec();
        let sidecar = self.output.format.needs_sidecar();
        let (shards, compression) = (self.output.shards, self.output.compression);
        let mut all = Sha256::new();
        let mut outputs: Vec<ConditionOutput> = Vec::new();
        let mut cond_hash = Sha256::new();
        let mut current: Option<(Batch, ShardWriter, Option<ShardWriter>)> = None;
        let mut done = 0u64;
        let expected = self.expected();
        for out in batches {
            if observer.cancelled() {
                return Err(Error::Interrupted(
                    "interrupted: nothing was written".into(),
                ));
            }
            let out = out?;
            let b = out.batch;
            let same =
                matches!(&current, Some((c, ..)) if c.cond_pos == b.cond_pos && c.shard == b.shard);
            if !same {
                if let Some((c, w, p)) = current.take() {
                    self.close_shard(&mut outputs, c, w, p)?;
                }
                if outputs.len() <= b.cond_pos {
                    if let Some(prev) = outputs.last_mut() {
                        prev.content_sha256 =
                            hex::encode(std::mem::take(&mut cond_hash).finalize());
                    }
                    let cond = self.conditions[b.cond_pos];
                    outputs.push(ConditionOutput {
                        condition: cond,
                        content_sha256: String::new(),
                        shards: Vec::new(),
                        provenance: Vec::new(),
                        fact_counts: vec![0; spec.facts.len()],
                        doc_type_counts: vec![0; spec.doc_types.len()],
                        template_counts: spec
                            .doc_types
                            .iter()
                            .map(|d| vec![0; d.templates.len()])
                            .collect(),
                        tokens: 0,
                    });
                }
                let cid = &spec.conditions[self.conditions[b.cond_pos]].id;
                let w = ShardWriter::create(
                    root,
                    &shard_name("data", cid, b.shard, shards, compression),
                    compression,
                )?;
                let p = if sidecar {
                    Some(ShardWriter::create(
                        root,
                        &shard_name("provenance", cid, b.shard, shards, compression),
                        compression,
                    )?)
                } else {
                    None
                };
                current = Some((b, w, p));
            }
            let (_, w, p) = current.as_mut().expect("a shard is open");
            let n = b.end - b.start;
            w.write_batch(&out.records, n)?;
            if let Some(p) = p {
                p.write_batch(&out.provenance, n)?;
            }
            all.update(&out.records);
            cond_hash.update(&out.records);
            let co = outputs.last_mut().expect("condition output exists");
            for (a, x) in co.fact_counts.iter_mut().zip(&out.facts) {
                *a += x;
            }
            for (a, x) in co.doc_type_counts.iter_mut().zip(&out.doc_types) {
                *a += x;
            }
            for &(d, t) in &out.templates {
                co.template_counts[d][t] += 1;
            }
            co.tokens += out.tokens;
            done += n;
            observer.progress(done);
        }
        if let Some((c, w, p)) = current.take() {
            self.close_shard(&mut outputs, c, w, p)?;
        }
        if let Some(prev) = outputs.last_mut() {
            prev.content_sha256 = hex::encode(cond_hash.finalize());
        }
        if done != expected {
            return Err(Error::Interrupted(format!(
                "interrupted after {done} of {expected} documents; nothing was written"
            )));
        }
        Ok(JobOutput {
            conditions: outputs,
            content_sha256: hex::encode(all.finalize()),
        })
    }

    fn close_shard(
        &self,
        outputs: &mut [ConditionOutput],
        b: Batch,
        w: ShardWriter,
        p: Option<ShardWriter>,
    ) -> Result<()> {
        let spec = self.renderer.spec();
        let cid = &spec.conditions[self.conditions[b.cond_pos]].id;
        let co = outputs.last_mut().expect("condition output exists");
        co.shards.push((
            shard_name(
                "data",
                cid,
                b.shard,
                self.output.shards,
                self.output.compression,
            ),
            w.finish()?,
        ));
        if let Some(p) = p {
            co.provenance.push((
                shard_name(
                    "provenance",
                    cid,
                    b.shard,
                    self.output.shards,
                    self.output.compression,
                ),
                p.finish()?,
            ));
        }
        Ok(())
    }
}
