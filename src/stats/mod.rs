//! `factpress stats`: reads a corpus (a factpress corpus folder or any JSONL files) and reports
//! its size in tokens, fact coverage, diversity (exact and near duplicates, distinct n-grams,
//! boilerplate 8-grams) and overuse of slot-pool values and names, plus the spec's capacity.
//!
//! Two streaming passes over the input. Pass 1 runs in parallel over fixed chunks of each
//! batch of lines (the chunking never depends on the thread count, and chunks are merged in
//! input order, so the report is the same bytes for any `--threads`); it keeps fixed-size
//! sketches plus a few hundred bytes a document (MinHash signature, text hash, lengths).
//! Pass 2 re-reads the input to count the heavy-hitter candidates exactly and to fetch the
//! example documents. A reader: it never writes into a corpus.

mod capacity;
pub mod html;
pub mod mask;
pub mod minhash;
pub mod ngrams;
pub mod overuse;
pub mod report;
pub mod size;
pub mod tokens;

pub use capacity::{
    CAP as CAPACITY_CAP, capacity, human as human_count, warnings as capacity_warnings,
};

use crate::error::{Error, Result};
use crate::input::{self, Inputs};
use crate::spec::Spec;
use minhash::{Hasher, Signature};
use ngrams::{Hll, NGRAM_NS, TopK};
use overuse::{Matcher, round6};
use rayon::prelude::*;
use regex::Regex;
use report::*;
use serde_json::Value;
use size::SizeAcc;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use tokens::{Tokenizer, TokenizerKind, norm_words, whitespace_words};

/// Lines read per batch.
const BATCH: usize = 2048;
/// Documents per parallel work item; fixed, so results never depend on the thread count.
const CHUNK: usize = 64;
/// Near-duplicate examples kept for the report.
const NEAR_EXAMPLES: usize = 5;
/// Entries in the top-8-gram and capitalised-phrase lists.
const TOP: usize = 20;
/// Characters of an example document shown.
const EXAMPLE_CHARS: usize = 600;

/// What to compute and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub inputs: Vec<PathBuf>,
    /// Dotted path of the text field (default: `text`, or the chat turn for oai-doctag).
    pub text_field: Option<String>,
    /// The spec; by default the corpus folder's own copy under `source/`.
    pub spec: Option<PathBuf>,
    pub tokenizer: TokenizerKind,
    pub threads: usize,
    /// Seed of the MinHash functions.
    pub seed: u64,
    /// Jaccard threshold of a near-duplicate pair.
    pub threshold: f64,
    /// Flag a pool value whose share is at least this many times its weight share.
    pub overuse_ratio: f64,
    /// Flag a value of a `wide` pool found in more than this share of documents.
    pub wide_threshold: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inputs: Vec::new(),
            text_field: None,
            spec: None,
            tokenizer: TokenizerKind::Cl100k,
            threads: 1,
            seed: 1,
            threshold: 0.8,
            overuse_ratio: 2.0,
            wide_threshold: 0.02,
        }
    }
}

/// One input line with where it came from.
struct Line {
    source: usize,
    line_no: u64,
    rec: String,
    prov: Option<String>,
}

/// Everything fixed for a run, shared by the workers.
struct Ctx {
    inputs: Inputs,
    field: String,
    tokenizer: Tokenizer,
    hasher: Hasher,
    matcher: Option<Matcher>,
    detector: Option<Vec<FactDetector>>,
    /// For factpress corpora: locates fact texts, so 8-grams are counted outside them.
    masker: Option<mask::FactMasker>,
}

impl Ctx {
    /// Hashes of the distinct 8-grams of `text` that lie outside its fact texts (all of them
    /// for inputs that are not factpress corpora), with their words.
    fn long_ngrams(&self, p: &Parsed, text: &str) -> Vec<(u64, Vec<String>)> {
        let segments = match &self.masker {
            Some(m) => m.outside(
                text,
                p.meta_str("condition").as_deref(),
                p.meta("index").and_then(Value::as_u64),
            ),
            None => vec![text],
        };
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for seg in segments {
            let words = norm_words(seg);
            let wh = ngrams::word_hashes(&words);
            for (j, h) in ngrams::ngram_hashes(&wh, ngrams::LONG_NGRAM).enumerate() {
                if seen.insert(h) {
                    out.push((h, words[j..j + ngrams::LONG_NGRAM].to_vec()));
                }
            }
        }
        out
    }
}

struct FactDetector {
    id: String,
    all: Vec<Regex>,
    any: Vec<Regex>,
    none: Vec<Regex>,
}

/// Computes the statistics of `opts.inputs`.
pub fn run(opts: &Options) -> Result<Report> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    pool.install(|| run_inner(opts))
}

fn load_spec(opts: &Options, inputs: &Inputs) -> Result<Option<(String, Spec)>> {
    if let Some(p) = &opts.spec {
        return Ok(Some((p.display().to_string(), Spec::load(p)?)));
    }
    let Some((dir, m)) = &inputs.manifest else {
        return Ok(None);
    };
    let path = dir.join("source").join(&m.spec);
    let mut spec = Spec::load(&path)?;
    spec.apply_vars(&m.var_overrides)?;
    Ok(Some((path.display().to_string(), spec)))
}

fn run_inner(opts: &Options) -> Result<Report> {
    if opts.inputs.is_empty() {
        return Err(Error::Usage("give a corpus folder or JSONL files".into()));
    }
    let inputs = input::resolve(&opts.inputs)?;
    let spec = load_spec(opts, &inputs)?;
    let field = opts
        .text_field
        .clone()
        .unwrap_or_else(|| inputs.default_text_field.clone());
    let detector = spec.as_ref().map(|(_, s)| {
        s.facts
            .iter()
            .map(|f| {
                let c = |v: &[String]| -> Vec<Regex> {
                    v.iter().filter_map(|r| Regex::new(r).ok()).collect()
                };
                FactDetector {
                    id: f.id.clone(),
                    all: c(&f.detect.all),
                    any: c(&f.detect.any),
                    none: c(&f.detect.none),
                }
            })
            .collect()
    });
    let ctx = Ctx {
        field,
        tokenizer: Tokenizer::new(opts.tokenizer),
        hasher: Hasher::new(opts.seed),
        matcher: spec.as_ref().map(|(_, s)| Matcher::new(s)),
        detector,
        masker: match &inputs.manifest {
            Some((dir, m)) => Some(mask::FactMasker::for_corpus(dir, m)?),
            None => None,
        },
        inputs,
    };

    // Pass 1.
    let mut acc = Acc::new(ctx.matcher.as_ref().map_or(0, Matcher::patterns));
    scan(&ctx.inputs, |lines| {
        let outs: Vec<Result<ChunkOut>> = lines.par_chunks(CHUNK).map(|c| pass1(&ctx, c)).collect();
        for o in outs {
            acc.merge(o?);
        }
        Ok(())
    })?;
    let docs = acc.total.docs;

    // Duplicates, from the per-document data.
    let mut by_hash: Vec<(u128, u32)> = acc
        .hashes
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i as u32))
        .collect();
    by_hash.sort_unstable();
    let mut groups: Vec<(usize, u32, u32)> = Vec::new(); // (size, first, second)
    let mut dup_docs = 0u64;
    for g in by_hash.chunk_by(|a, b| a.0 == b.0) {
        if g.len() > 1 {
            dup_docs += g.len() as u64 - 1;
            groups.push((g.len(), g[0].1, g[1].1));
        }
    }
    let dup_groups = groups.len() as u64;
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    groups.truncate(3);
    let near = minhash::search(&acc.sigs, opts.threshold, NEAR_EXAMPLES);
    drop(std::mem::take(&mut acc.sigs));
    let mut cluster_sizes: BTreeMap<u32, u64> = BTreeMap::new();
    for c in near.cluster_of.iter().flatten() {
        *cluster_sizes.entry(*c).or_default() += 1;
    }
    let in_clusters: u64 = cluster_sizes.values().sum();

    // Pass 2: exact counts of the candidates, and the example documents.
    let mut wanted: BTreeSet<u32> = BTreeSet::new();
    for &(_, a, b) in &groups {
        wanted.extend([a, b]);
    }
    for &(a, b, _) in &near.examples {
        wanted.extend([a, b]);
    }
    let long_cands = acc.long.candidates();
    let phrase_cands = acc.phrases.candidates();
    let mut p2 = Pass2::default();
    let mut base = 0u32;
    scan(&ctx.inputs, |lines| {
        let outs: Vec<Result<Pass2>> = lines
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(k, c)| {
                pass2(
                    &ctx,
                    base + (k * CHUNK) as u32,
                    c,
                    &wanted,
                    &long_cands,
                    &phrase_cands,
                )
            })
            .collect();
        for o in outs {
            p2.merge(o?);
        }
        base += lines.len() as u32;
        Ok(())
    })?;

    let id_of = |i: u32| p2.picked.get(&i).map(|p| p.0.clone()).unwrap_or_default();
    let exact = ExactDuplicates {
        documents: dup_docs,
        groups: dup_groups,
        examples: groups
            .iter()
            .map(|&(_, a, b)| [id_of(a), id_of(b)])
            .collect(),
    };
    let examples = near
        .examples
        .iter()
        .map(|&(a, b, est)| {
            let (ta, tb) = (p2.text(a), p2.text(b));
            NearExample {
                a: id_of(a),
                b: id_of(b),
                estimated_jaccard: round6(est),
                jaccard: round6(minhash::exact_jaccard(&norm_words(ta), &norm_words(tb))),
                a_text: ta.chars().take(EXAMPLE_CHARS).collect(),
                b_text: tb.chars().take(EXAMPLE_CHARS).collect(),
            }
        })
        .collect();
    let share = |n: u64| {
        if docs == 0 {
            0.0
        } else {
            round6(n as f64 / docs as f64)
        }
    };
    let near_dups = NearDuplicates {
        params: minhash::Params {
            seed: opts.seed,
            shingle_words: minhash::SHINGLE,
            hashes: minhash::HASHES,
            bands: minhash::BANDS,
            rows_per_band: minhash::ROWS,
            threshold: opts.threshold,
            bucket_window: minhash::WINDOW,
        },
        clusters: cluster_sizes.len() as u64,
        documents_in_clusters: in_clusters,
        share: share(in_clusters),
        largest_cluster: cluster_sizes.values().copied().max().unwrap_or(0),
        examples,
    };
    let distinct_ngrams = NGRAM_NS
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            let total = acc.ngram_totals[k];
            let distinct = (acc.hll[k].estimate().round() as u64).min(total);
            NgramRatio {
                n,
                total,
                distinct,
                ratio: if total == 0 {
                    0.0
                } else {
                    round6(distinct as f64 / total as f64)
                },
            }
        })
        .collect();
    let top = |counts: &HashMap<u64, u64>, texts: &HashMap<u64, String>| -> Vec<Frequent> {
        let mut v: Vec<Frequent> = counts
            .iter()
            .map(|(h, &c)| Frequent {
                text: texts.get(h).cloned().unwrap_or_default(),
                docs: c,
                doc_share: share(c),
            })
            .collect();
        v.sort_by(|a, b| b.docs.cmp(&a.docs).then(a.text.cmp(&b.text)));
        v.truncate(TOP);
        v
    };
    let top_8grams = top(&p2.long, &p2.texts);
    let capitalised_phrases = top(&p2.phrases, &p2.texts);

    let pools = match &ctx.matcher {
        Some(m) => m.report(&acc.df, docs, opts.overuse_ratio, opts.wide_threshold),
        None => Vec::new(),
    };
    let most_overused = pools
        .iter()
        .flat_map(|p| p.flagged.iter().map(move |v| (p, v)))
        .max_by(|a, b| {
            a.1.ratio
                .total_cmp(&b.1.ratio)
                .then(a.1.doc_share.total_cmp(&b.1.doc_share))
                .then(b.0.pool.cmp(&a.0.pool))
                .then(b.1.value.cmp(&a.1.value))
        })
        .map(|(p, v)| MostOverused {
            pool: p.pool.clone(),
            value: v.value.clone(),
            docs: v.docs,
            doc_share: v.doc_share,
            ratio: v.ratio,
            flags: v.flags.clone(),
        });

    let mut warnings = Vec::new();
    let mut capacity_rows = Vec::new();
    let mut facts_missing = Vec::new();
    if let Some((_, s)) = &spec {
        for (id, est) in capacity(s) {
            let n = acc.doc_types.get(&id).copied().unwrap_or(0);
            if n as f64 > est / 10.0 {
                warnings.push(format!(
                    "warning: doc type {id} can produce about {} distinct documents; the corpus has {n} of them",
                    human_count(est)
                ));
            }
            capacity_rows.push(Capacity {
                doc_type: id,
                estimate: est,
                docs: n,
            });
        }
        if acc.fact_source != FactSource::None {
            // For a factpress corpus, only the facts its conditions carry can be missing.
            let expected: BTreeSet<usize> = match &ctx.inputs.manifest {
                Some((_, m)) => m
                    .conditions
                    .iter()
                    .filter_map(|c| s.condition(&c.id))
                    .flat_map(|c| c.facts())
                    .collect(),
                None => (0..s.facts.len()).collect(),
            };
            facts_missing = expected
                .into_iter()
                .map(|f| &s.facts[f].id)
                .filter(|id| !acc.facts.contains_key(*id))
                .cloned()
                .collect();
        }
    }

    let mut cooc: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for ((a, b), n) in acc.cooc {
        cooc.entry(a).or_default().insert(b, n);
    }
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: format!("factpress {}", env!("CARGO_PKG_VERSION")),
        inputs: opts
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        spec: spec.as_ref().map(|(p, _)| p.clone()),
        tokenizer: opts.tokenizer.name().to_string(),
        size: Size {
            total: acc.total.report(true),
            by_doc_type: acc
                .by_type
                .into_iter()
                .map(|(k, v)| (k, v.report(false)))
                .collect(),
            by_condition: acc
                .by_cond
                .into_iter()
                .map(|(k, v)| (k, v.report(false)))
                .collect(),
        },
        coverage: Coverage {
            fact_source: acc.fact_source.name().to_string(),
            facts: acc.facts,
            facts_missing,
            fact_cooccurrence: cooc,
            facts_per_doc: acc.facts_per_doc,
            doc_types: acc.doc_types,
            templates: acc.templates,
            conditions: acc.conditions,
        },
        diversity: Diversity {
            exact_duplicates: exact,
            near_duplicates: near_dups,
            distinct_ngrams,
            top_8grams_scope: if ctx.masker.is_some() {
                "outside fact texts"
            } else {
                "whole documents"
            }
            .to_string(),
            top_8grams,
        },
        overuse: Overuse {
            ratio_threshold: opts.overuse_ratio,
            wide_threshold: opts.wide_threshold,
            pools,
            capitalised_phrases,
            most_overused,
        },
        capacity: capacity_rows,
        warnings,
    })
}

/// Reads every source in order, in batches of non-blank lines (provenance rows alongside).
fn scan(inputs: &Inputs, mut f: impl FnMut(&[Line]) -> Result<()>) -> Result<()> {
    for (si, s) in inputs.sources.iter().enumerate() {
        let mut r = input::open(&s.path)?;
        let mut pr = s.provenance.as_deref().map(input::open).transpose()?;
        let (mut ln, mut pln) = (0u64, 0u64);
        let (mut buf, mut pbuf) = (Vec::new(), Vec::new());
        loop {
            let more = input::read_batch(&mut *r, &mut ln, BATCH, &mut buf)?;
            if let Some(pr) = pr.as_mut() {
                input::read_batch(&mut **pr, &mut pln, buf.len(), &mut pbuf)?;
                if pbuf.len() != buf.len() {
                    return Err(Error::Corrupt {
                        path: s.provenance.clone().unwrap_or_default(),
                        message: format!("has fewer rows than {}", s.path.display()),
                    });
                }
            }
            let mut prov = pbuf.drain(..);
            let lines: Vec<Line> = buf
                .drain(..)
                .map(|(line_no, rec)| (line_no, rec, prov.next().map(|p| p.1)))
                .filter(|(_, rec, _)| !rec.trim().is_empty())
                .map(|(line_no, rec, prov)| Line {
                    source: si,
                    line_no,
                    rec,
                    prov,
                })
                .collect();
            drop(prov);
            if !lines.is_empty() {
                f(&lines)?;
            }
            if !more {
                break;
            }
        }
    }
    Ok(())
}

/// A parsed record: its text and what its metadata says.
struct Parsed {
    rec: Value,
    prov: Option<Value>,
}

impl Parsed {
    fn new(ctx: &Ctx, l: &Line) -> Result<Parsed> {
        let bad = |m: String| {
            Error::Usage(format!(
                "{}:{}: {m}",
                ctx.inputs.sources[l.source].path.display(),
                l.line_no
            ))
        };
        let rec: Value =
            serde_json::from_str(&l.rec).map_err(|e| bad(format!("not a JSON record: {e}")))?;
        input::text_field(&rec, &ctx.field).map_err(&bad)?;
        let prov = match &l.prov {
            Some(p) => Some(
                serde_json::from_str(p)
                    .map_err(|e| bad(format!("provenance row is not JSON: {e}")))?,
            ),
            None => None,
        };
        Ok(Parsed { rec, prov })
    }

    fn text(&self, ctx: &Ctx) -> &str {
        input::text_field(&self.rec, &ctx.field).unwrap_or("")
    }

    /// `metadata.KEY` of the provenance row or the record, else the record's top-level KEY.
    fn meta(&self, key: &str) -> Option<&Value> {
        self.prov
            .as_ref()
            .and_then(|p| p.get("metadata").and_then(|m| m.get(key)))
            .or_else(|| self.rec.get("metadata").and_then(|m| m.get(key)))
            .or_else(|| self.rec.get(key))
    }

    fn meta_str(&self, key: &str) -> Option<String> {
        self.meta(key).and_then(Value::as_str).map(String::from)
    }

    fn id(&self, ctx: &Ctx, l: &Line) -> String {
        match self
            .prov
            .as_ref()
            .and_then(|p| p.get("id"))
            .or_else(|| self.rec.get("id"))
        {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => format!(
                "{}:{}",
                ctx.inputs.sources[l.source].path.display(),
                l.line_no
            ),
        }
    }

    /// Fact ids from `metadata.facts` (objects with `id`, or strings) or a top-level `fact`.
    fn facts(&self) -> Option<Vec<String>> {
        match self.meta("facts") {
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|f| match f {
                        Value::String(s) => Some(s.clone()),
                        Value::Object(o) => o.get("id").and_then(Value::as_str).map(String::from),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => self
                .meta("fact")
                .and_then(Value::as_str)
                .map(|s| vec![s.to_string()]),
        }
    }
}

struct DocOut {
    chars: u64,
    words: u64,
    tokens: u64,
    hash: u128,
    sig: Option<Box<Signature>>,
    doc_type: Option<String>,
    condition: Option<String>,
    template: Option<String>,
    facts: Option<Vec<String>>,
    detected: bool,
    hits: Vec<u32>,
}

struct ChunkOut {
    docs: Vec<DocOut>,
    hll: Vec<Hll>,
    ngram_totals: [u64; 4],
    long: HashMap<u64, u64>,
    phrases: HashMap<u64, u64>,
}

fn pass1(ctx: &Ctx, lines: &[Line]) -> Result<ChunkOut> {
    let mut out = ChunkOut {
        docs: Vec::with_capacity(lines.len()),
        hll: vec![Hll::default(); NGRAM_NS.len()],
        ngram_totals: [0; 4],
        long: HashMap::new(),
        phrases: HashMap::new(),
    };
    for l in lines {
        let p = Parsed::new(ctx, l)?;
        let text = p.text(ctx);
        let words = norm_words(text);
        let wh = ngrams::word_hashes(&words);
        for (k, &n) in NGRAM_NS.iter().enumerate() {
            out.ngram_totals[k] += (wh.len() + 1).saturating_sub(n) as u64;
            for h in ngrams::ngram_hashes(&wh, n) {
                out.hll[k].add(h);
            }
        }
        for (h, _) in ctx.long_ngrams(&p, text) {
            *out.long.entry(h).or_default() += 1;
        }
        let phrases: HashSet<u64> = ngrams::capitalised_phrases(text)
            .iter()
            .map(|s| ngrams::phrase_hash(s))
            .collect();
        for h in phrases {
            *out.phrases.entry(h).or_default() += 1;
        }
        let (facts, detected) = match (p.facts(), &ctx.detector) {
            (Some(f), _) => (Some(f), false),
            (None, Some(d)) => (Some(detect(d, text)), true),
            (None, None) => (None, false),
        };
        out.docs.push(DocOut {
            chars: text.chars().count() as u64,
            words: whitespace_words(text),
            tokens: ctx.tokenizer.count(text),
            hash: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            sig: ctx.hasher.signature(&words),
            doc_type: p.meta_str("doc_type"),
            condition: p
                .meta_str("condition")
                .or_else(|| ctx.inputs.sources[l.source].condition.clone()),
            template: p.meta_str("template"),
            facts,
            detected,
            hits: ctx
                .matcher
                .as_ref()
                .map(|m| m.find(text))
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

fn detect(d: &[FactDetector], text: &str) -> Vec<String> {
    d.iter()
        .filter(|f| {
            f.all.iter().all(|r| r.is_match(text))
                && (f.any.is_empty() || f.any.iter().any(|r| r.is_match(text)))
                && !f.none.iter().any(|r| r.is_match(text))
                && !(f.all.is_empty() && f.any.is_empty())
        })
        .map(|f| f.id.clone())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FactSource {
    None,
    Metadata,
    Detect,
}

impl FactSource {
    fn name(self) -> &'static str {
        match self {
            FactSource::None => "none",
            FactSource::Metadata => "metadata",
            FactSource::Detect => "detect",
        }
    }
}

struct Acc {
    total: SizeAcc,
    by_type: BTreeMap<String, SizeAcc>,
    by_cond: BTreeMap<String, SizeAcc>,
    hashes: Vec<u128>,
    sigs: Vec<Option<Box<Signature>>>,
    fact_source: FactSource,
    facts: BTreeMap<String, u64>,
    cooc: BTreeMap<(String, String), u64>,
    facts_per_doc: BTreeMap<u64, u64>,
    doc_types: BTreeMap<String, u64>,
    templates: BTreeMap<String, u64>,
    conditions: BTreeMap<String, u64>,
    hll: Vec<Hll>,
    ngram_totals: [u64; 4],
    long: TopK,
    phrases: TopK,
    /// Documents per pool-value pattern.
    df: Vec<u64>,
}

impl Acc {
    fn new(patterns: usize) -> Acc {
        Acc {
            total: SizeAcc::default(),
            by_type: BTreeMap::new(),
            by_cond: BTreeMap::new(),
            hashes: Vec::new(),
            sigs: Vec::new(),
            fact_source: FactSource::None,
            facts: BTreeMap::new(),
            cooc: BTreeMap::new(),
            facts_per_doc: BTreeMap::new(),
            doc_types: BTreeMap::new(),
            templates: BTreeMap::new(),
            conditions: BTreeMap::new(),
            hll: vec![Hll::default(); NGRAM_NS.len()],
            ngram_totals: [0; 4],
            long: TopK::default(),
            phrases: TopK::default(),
            df: vec![0; patterns],
        }
    }

    fn merge(&mut self, c: ChunkOut) {
        for (a, b) in self.hll.iter_mut().zip(&c.hll) {
            a.merge(b);
        }
        for k in 0..4 {
            self.ngram_totals[k] += c.ngram_totals[k];
        }
        self.long.merge(c.long);
        self.phrases.merge(c.phrases);
        for d in c.docs {
            self.total.add(d.chars, d.words, d.tokens);
            if let Some(t) = &d.doc_type {
                self.by_type
                    .entry(t.clone())
                    .or_default()
                    .add(d.chars, d.words, d.tokens);
                *self.doc_types.entry(t.clone()).or_default() += 1;
            }
            if let Some(t) = &d.condition {
                self.by_cond
                    .entry(t.clone())
                    .or_default()
                    .add(d.chars, d.words, d.tokens);
                *self.conditions.entry(t.clone()).or_default() += 1;
            }
            if let Some(t) = d.template {
                *self.templates.entry(t).or_default() += 1;
            }
            if let Some(mut f) = d.facts {
                if self.fact_source == FactSource::None
                    || (self.fact_source == FactSource::Detect && !d.detected)
                {
                    self.fact_source = if d.detected {
                        FactSource::Detect
                    } else {
                        FactSource::Metadata
                    };
                }
                f.sort();
                f.dedup();
                *self.facts_per_doc.entry(f.len() as u64).or_default() += 1;
                for (i, a) in f.iter().enumerate() {
                    *self.facts.entry(a.clone()).or_default() += 1;
                    for b in &f[i + 1..] {
                        *self.cooc.entry((a.clone(), b.clone())).or_default() += 1;
                    }
                }
            }
            for h in d.hits {
                self.df[h as usize] += 1;
            }
            self.hashes.push(d.hash);
            self.sigs.push(d.sig);
        }
    }
}

#[derive(Default)]
struct Pass2 {
    /// Wanted documents: index -> (id, text).
    picked: BTreeMap<u32, (String, String)>,
    long: HashMap<u64, u64>,
    phrases: HashMap<u64, u64>,
    /// Text of each counted candidate, from its first occurrence.
    texts: HashMap<u64, String>,
}

impl Pass2 {
    fn merge(&mut self, o: Pass2) {
        self.picked.extend(o.picked);
        for (h, c) in o.long {
            *self.long.entry(h).or_default() += c;
        }
        for (h, c) in o.phrases {
            *self.phrases.entry(h).or_default() += c;
        }
        for (h, t) in o.texts {
            self.texts.entry(h).or_insert(t);
        }
    }

    fn text(&self, i: u32) -> &str {
        self.picked.get(&i).map_or("", |p| p.1.as_str())
    }
}

fn pass2(
    ctx: &Ctx,
    base: u32,
    lines: &[Line],
    wanted: &BTreeSet<u32>,
    long: &HashSet<u64>,
    phrases: &HashSet<u64>,
) -> Result<Pass2> {
    let mut out = Pass2::default();
    for (i, l) in lines.iter().enumerate() {
        let p = Parsed::new(ctx, l)?;
        let text = p.text(ctx);
        let idx = base + i as u32;
        if wanted.contains(&idx) {
            out.picked.insert(idx, (p.id(ctx, l), text.to_string()));
        }
        let mut seen = HashSet::new();
        for (h, ws) in ctx.long_ngrams(&p, text) {
            if long.contains(&h) {
                seen.insert(h);
                *out.long.entry(h).or_default() += 1;
                out.texts.entry(h).or_insert_with(|| ws.join(" "));
            }
        }
        for ph in ngrams::capitalised_phrases(text) {
            let h = ngrams::phrase_hash(&ph);
            if phrases.contains(&h) && seen.insert(h) {
                *out.phrases.entry(h).or_default() += 1;
                out.texts.entry(h).or_insert(ph);
            }
        }
    }
    Ok(out)
}
