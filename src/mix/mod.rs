//! `factpress mix`: a seeded, streaming mix of factpress corpora and plain JSONL files
//! (`.jsonl`, `.jsonl.zst`, `.jsonl.gz`), written as a factpress corpus folder.
//!
//! Record i of the mix comes from the source drawn by a generator keyed by (seed, i) with the
//! sources' weights, and is that source's next record: a seeded interleave of the sources'
//! streams in their own order, so memory stays flat whatever the sources' sizes. Weights are
//! shares of records (`Share::Records`) or of tokens (`Share::Tokens`, see [`share`]). The mix
//! stops at `--docs` records, at `--tokens` tokens, or when a drawn source runs out. The
//! manifest records every source by path and digest (a file's sha256; a factpress folder's
//! `content_sha256`, after checking the folder against its manifest), its weight, its share
//! and the records taken, so `regenerate` can rebuild the mix and refuse changed sources.
//! Malformed source lines are skipped and counted ([`BadLines`]).

mod record;
mod share;

pub use share::Share;

use crate::budget::Budget;
use crate::corpus::{BadLines, Batches, Corpus};
use crate::error::{Error, Result};
use crate::manifest::{self, ConditionEntry, FileEntry, Manifest, Tool};
use crate::observe::Observer;
use crate::output::Output;
use crate::pipeline::{BATCH, shard_name};
use crate::rng::doc_rng;
use crate::sink::{self, Hashing, ShardWriter, TempDir};
use crate::stats::tokens::Tokenizer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The condition name of a mixed corpus's one stream of records.
pub const CONDITION: &str = "mix";

/// Weights are kept to this many parts per unit when turned into integers for drawing.
const WEIGHT_SCALE: f64 = 1e6;

/// One `SOURCE[:WEIGHT]` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceArg {
    pub path: PathBuf,
    pub weight: f64,
}

impl SourceArg {
    /// Parses `PATH` or `PATH:WEIGHT` (a positive number after the last `:`).
    pub fn parse(s: &str) -> std::result::Result<SourceArg, String> {
        if let Some((p, w)) = s.rsplit_once(':')
            && let Ok(weight) = w.parse::<f64>()
        {
            if !(weight.is_finite() && weight > 0.0) {
                return Err(format!(
                    "{s:?}: the weight after `:` must be a positive number"
                ));
            }
            return Ok(SourceArg {
                path: PathBuf::from(p),
                weight,
            });
        }
        Ok(SourceArg {
            path: PathBuf::from(s),
            weight: 1.0,
        })
    }
}

/// What to mix and how much.
#[derive(Debug, Clone)]
pub struct MixPlan {
    pub sources: Vec<SourceArg>,
    pub seed: u64,
    /// Stop after this many records.
    pub docs: Option<u64>,
    /// Stop once the records' text holds this many tokens.
    pub tokens: Option<Budget>,
    /// Dotted path of the text in plain JSONL sources (default `text`).
    pub text_field: Option<String>,
    /// What the weights are shares of, and the tokenizer that counts tokens.
    pub share: Share,
}

/// A mix as its manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MixEntry {
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub docs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tokens: Option<Budget>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text_field: Option<String>,
    /// `tokens` when the weights are token shares (absent: record shares).
    #[serde(skip_serializing_if = "Share::is_records", default)]
    pub share_of: Share,
    pub sources: Vec<MixSourceEntry>,
    /// Tokens of text written, when a token budget was given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tokens_written: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MixSourceEntry {
    /// As given on the command line (relative to the folder `mix` ran in).
    pub path: String,
    /// `factpress` (a corpus folder) or `jsonl`.
    pub kind: String,
    /// A file's sha256, or a factpress folder's `content_sha256`.
    pub sha256: String,
    pub weight: f64,
    /// The weight's share of all weights.
    pub share: f64,
    /// Records taken into the mix, and their share of the mix.
    pub records: u64,
    pub taken_share: f64,
    /// Tokens of text taken and their share of the mix's tokens (when tokens are counted:
    /// token shares or a token budget).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub taken_token_share: Option<f64>,
    /// Malformed lines skipped.
    pub malformed: u64,
}

impl MixPlan {
    /// The plan a mixed corpus's manifest records.
    pub fn from_entry(e: &MixEntry) -> MixPlan {
        MixPlan {
            sources: (e.sources.iter())
                .map(|s| SourceArg {
                    path: PathBuf::from(&s.path),
                    weight: s.weight,
                })
                .collect(),
            seed: e.seed,
            docs: e.docs,
            tokens: e.tokens,
            text_field: e.text_field.clone(),
            share: e.share_of,
        }
    }
}

/// An open source: its stream of lines and what has been taken from it.
struct Open {
    name: String,
    text_field: String,
    batches: Batches,
    pending: std::vec::IntoIter<crate::corpus::Line>,
    files: Vec<String>,
    taken: u64,
    /// Tokens of the records taken (counted when a tokenizer is active).
    tokens: u64,
    /// A record read ahead (token shares look at each source's first record).
    peeked: Option<record::Taken>,
    bad: BadLines,
}

impl Open {
    /// The next well-formed record, or `None` at the end of the source.
    fn next(&mut self, obs: &dyn Observer) -> Result<Option<record::Taken>> {
        if let Some(t) = self.peeked.take() {
            return Ok(Some(t));
        }
        loop {
            let line = match self.pending.next() {
                Some(l) => l,
                None => match self.batches.next() {
                    Some(b) => {
                        self.pending = b?.lines.into_iter();
                        continue;
                    }
                    None => return Ok(None),
                },
            };
            if line.text.trim().is_empty() {
                continue;
            }
            match record::take(&line, &self.name, &self.text_field) {
                Ok(t) => return Ok(Some(t)),
                Err(why) => self
                    .bad
                    .skip(&self.files[line.file], line.number, &why, obs)?,
            }
        }
    }
}

/// The digest of a source (see the module comment) and its kind; opens it for reading.
fn open_source(
    arg: &SourceArg,
    plan: &MixPlan,
    obs: &dyn Observer,
) -> Result<(Open, String, String)> {
    let name = arg.path.display().to_string();
    let corpus = Corpus::open(std::slice::from_ref(&arg.path))?;
    let (kind, sha) = match corpus.manifest() {
        Some(m) => {
            let opts = crate::generate::RunOptions {
                threads: 1,
                observer: obs,
                command_line: vec![],
                clean: false,
            };
            crate::verify::verify(&arg.path, false, &opts)?
                .into_result()
                .map_err(|e| {
                    Error::Usage(format!(
                        "mix source {name} does not match its manifest: {e}"
                    ))
                })?;
            ("factpress", m.content_sha256.clone())
        }
        None => ("jsonl", file_sha256(&arg.path)?),
    };
    let text_field = match (&plan.text_field, corpus.manifest()) {
        (_, Some(_)) => corpus.default_text_field().to_string(),
        (Some(f), None) => f.clone(),
        (None, None) => "text".to_string(),
    };
    let files = corpus.files().iter().map(|f| f.name.clone()).collect();
    let open = Open {
        name,
        text_field,
        batches: corpus.batches(1024, |_| true),
        pending: Vec::new().into_iter(),
        files,
        taken: 0,
        tokens: 0,
        peeked: None,
        bad: BadLines::new(false),
    };
    Ok((open, kind.to_string(), sha))
}

fn file_sha256(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path).map_err(Error::io("cannot read", path))?;
    let mut h = Hashing::new(f);
    std::io::copy(&mut h, &mut std::io::sink()).map_err(Error::io("cannot read", path))?;
    Ok(h.finish().1)
}

/// What a mix run produced.
pub struct MixOutput {
    pub entry: MixEntry,
    pub condition: ConditionEntry,
    pub content_sha256: String,
}

/// Runs the mix, writing its shard (and provenance) under `root`, or only hashing when `root`
/// is `None`. `expected` are the digests a regeneration must find (by source position).
pub fn run(
    plan: &MixPlan,
    output: &Output,
    root: Option<&Path>,
    expected: Option<&[MixSourceEntry]>,
    obs: &dyn Observer,
) -> Result<MixOutput> {
    if plan.sources.is_empty() {
        return Err(Error::Usage("give at least one source to mix".into()));
    }
    if plan.docs.is_some() && plan.tokens.is_some() {
        return Err(Error::Usage("--docs and --tokens are exclusive".into()));
    }
    let (mut open, meta) = open_all(plan, expected, obs)?;
    let weights: Vec<u64> = (plan.sources.iter())
        .map(|s| ((s.weight * WEIGHT_SCALE).round() as u64).max(1))
        .collect();
    let compression = output.compression;
    let data = shard_name("data", CONDITION, 0, 1, compression);
    let prov = shard_name("provenance", CONDITION, 0, 1, compression);
    let mut w = ShardWriter::create(root, &data, compression)?;
    let mut p = match output.format.needs_sidecar() {
        true => Some(ShardWriter::create(root, &prov, compression)?),
        false => None,
    };
    let tokenizer = match (plan.tokens, plan.share) {
        (Some(b), _) => Some(Tokenizer::new(b.tokenizer)),
        (None, Share::Tokens(t)) => Some(Tokenizer::new(t)),
        (None, Share::Records) => None,
    };
    let draw = share::Draw::new(plan.share, &weights, &mut open, tokenizer.as_ref(), obs)?;
    let (mut buf, mut pbuf) = (Vec::new(), Vec::new());
    let (mut n, mut in_batch, mut tokens) = (0u64, 0u64, 0u64);
    let mut content = Sha256::new();
    obs.start("mix", plan.docs, "records");
    loop {
        if plan.docs.is_some_and(|d| n >= d) || plan.tokens.is_some_and(|b| tokens >= b.tokens) {
            break;
        }
        if obs.cancelled() {
            return Err(Error::Interrupted(
                "interrupted: nothing was written".into(),
            ));
        }
        let k = doc_rng(plan.seed, CONDITION, "source", n).weighted(&draw.weights(&open));
        let Some(t) = open[k].next(obs)? else {
            if plan.docs.is_some() || plan.tokens.is_some() {
                obs.warn(&format!(
                    "mix source {} ran out after {} records; the mix stops at {n} records",
                    open[k].name, open[k].taken
                ));
            }
            break;
        };
        if let Some(tk) = &tokenizer {
            let c = tk.count(&t.text);
            tokens += c;
            open[k].tokens += c;
        }
        t.encode(output.format, output.doctag(), &mut buf, &mut pbuf);
        open[k].taken += 1;
        n += 1;
        in_batch += 1;
        if in_batch == BATCH {
            flush(&mut w, &mut p, &mut buf, &mut pbuf, &mut content, in_batch)?;
            in_batch = 0;
            obs.progress(n);
        }
    }
    flush(&mut w, &mut p, &mut buf, &mut pbuf, &mut content, in_batch)?;
    obs.finish();
    let counted = tokenizer.is_some().then_some(tokens);
    let sources = source_entries(plan, &open, meta, &weights, n, counted);
    let content_sha256 = hex::encode(content.finalize());
    let entry = |(path, w): (String, sink::Written)| FileEntry {
        path,
        records: Some(w.records),
        bytes: w.bytes,
        sha256: w.sha256,
    };
    let condition = ConditionEntry {
        id: CONDITION.into(),
        docs: n,
        tokens: plan.tokens.map(|_| tokens),
        content_sha256: content_sha256.clone(),
        shards: vec![entry((data, w.finish()?))],
        provenance: match p {
            Some(p) => vec![entry((prov, p.finish()?))],
            None => Vec::new(),
        },
        facts: Default::default(),
        doc_types: Default::default(),
        templates: Default::default(),
    };
    Ok(MixOutput {
        entry: MixEntry {
            seed: plan.seed,
            docs: plan.docs,
            tokens: plan.tokens,
            text_field: plan.text_field.clone(),
            share_of: plan.share,
            sources,
            tokens_written: plan.tokens.map(|_| tokens),
        },
        condition,
        content_sha256,
    })
}

/// A source's kind (`factpress` or `jsonl`) and digest.
type KindDigest = (String, String);

/// Opens every source, checking each digest against `expected` (a regeneration's).
fn open_all(
    plan: &MixPlan,
    expected: Option<&[MixSourceEntry]>,
    obs: &dyn Observer,
) -> Result<(Vec<Open>, Vec<KindDigest>)> {
    let mut open = Vec::new();
    let mut meta = Vec::new();
    for (i, s) in plan.sources.iter().enumerate() {
        let (o, kind, sha) = open_source(s, plan, obs)?;
        if let Some(e) = expected.and_then(|e| e.get(i))
            && e.sha256 != sha
        {
            return Err(Error::Usage(format!(
                "mix source {} has changed since the mix was written: its digest is {sha}, the manifest says {}; regenerating a mix needs the very same sources",
                o.name, e.sha256
            )));
        }
        open.push(o);
        meta.push((kind, sha));
    }
    Ok((open, meta))
}

/// The manifest's entry of each source after `n` records were taken.
fn source_entries(
    plan: &MixPlan,
    open: &[Open],
    meta: Vec<KindDigest>,
    weights: &[u64],
    n: u64,
    tokens: Option<u64>,
) -> Vec<MixSourceEntry> {
    let total: u64 = weights.iter().sum();
    (open.iter().zip(meta).zip(&plan.sources).zip(weights))
        .map(|(((o, (kind, sha256)), s), &wt)| MixSourceEntry {
            path: o.name.clone(),
            kind,
            sha256,
            weight: s.weight,
            share: wt as f64 / total as f64,
            records: o.taken,
            taken_share: if n == 0 {
                0.0
            } else {
                o.taken as f64 / n as f64
            },
            tokens: tokens.map(|_| o.tokens),
            taken_token_share: tokens.map(|t| match t {
                0 => 0.0,
                t => o.tokens as f64 / t as f64,
            }),
            malformed: o.bad.count(),
        })
        .collect()
}

fn flush(
    w: &mut ShardWriter,
    p: &mut Option<ShardWriter>,
    buf: &mut Vec<u8>,
    pbuf: &mut Vec<u8>,
    content: &mut Sha256,
    n: u64,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    w.write_batch(buf, n)?;
    content.update(&buf[..]);
    if let Some(p) = p {
        p.write_batch(pbuf, n)?;
    }
    buf.clear();
    pbuf.clear();
    Ok(())
}

/// Writes the mix to `out` (which must not exist or be empty), atomically.
pub fn write(
    plan: &MixPlan,
    output: &Output,
    out: &Path,
    expected: Option<&[MixSourceEntry]>,
    command_line: Vec<String>,
    obs: &dyn Observer,
) -> Result<Manifest> {
    sink::check_out(out)?;
    let tmp = TempDir::beside(out)?;
    let mixed = run(plan, output, Some(tmp.path()), expected, obs)?;
    let m = Manifest {
        format_version: manifest::FORMAT_VERSION,
        tool: Tool {
            name: "factpress".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        corpus: CONDITION.into(),
        spec: String::new(),
        seed: plan.seed,
        docs_per_condition: mixed.condition.docs,
        token_budget: None,
        rng: crate::rng::ALGORITHM.into(),
        vars: Default::default(),
        var_overrides: Default::default(),
        output: output.clone(),
        content_sha256: mixed.content_sha256,
        conditions: vec![mixed.condition],
        sources: Vec::new(),
        mix: Some(mixed.entry),
        llm: None,
        command_line,
        created_at: manifest::now_utc(),
    };
    m.write(tmp.path())?;
    tmp.publish(out)?;
    Ok(m)
}
