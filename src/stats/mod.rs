//! `factpress stats`: reads a corpus (a factpress corpus folder or any JSONL files) and reports
//! its size in tokens, fact coverage, diversity (exact and near duplicates, distinct n-grams,
//! boilerplate 8-grams), overuse of slot-pool values and names, realism (repeated sentences,
//! per-fact surface diversity, predictability by a trained zstd dictionary), plus the spec's
//! capacity.
//!
//! Two streaming passes over the input (`scan`), then the report is assembled (`assemble`).
//! Pass 1 runs in parallel over fixed chunks of each batch of lines (the chunking never
//! depends on the thread count, and chunks are merged in input order, so the report is the
//! same bytes for any `--threads`); it keeps fixed-size sketches plus a few hundred bytes a
//! document (MinHash signature, text hash, lengths). Pass 2 re-reads the input to count the
//! heavy-hitter candidates (8-grams, phrases, sentences) exactly and to fetch the example
//! documents, the top fact renderings and the dictionary's training and held-out documents.
//!
//! A factpress folder with several conditions is analysed one condition at a time: matched
//! conditions are near-duplicates of one another by design, so duplicate and diversity
//! figures across them would mean nothing. A reader: it never writes into a corpus.

mod assemble;
pub mod html;
pub mod mask;
pub mod minhash;
pub mod ngrams;
pub mod overuse;
pub mod predict;
mod realism;
pub mod report;
mod scan;
pub mod sentences;
pub mod size;
pub mod tokens;

use crate::corpus::{BadLines, Corpus, CorpusFile, Line};
use crate::error::{Error, Result};
use crate::observe::Observer;
use crate::rules::Rules;
use crate::spec::Spec;
use minhash::Hasher;
use overuse::Matcher;
use rayon::prelude::*;
use report::Report;
use scan::{Acc, ChunkOut, Pass2, Wanted, pass1, pass2};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use tokens::{Tokenizer, TokenizerKind, norm_words};

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
    /// For a corpus folder: only these conditions (default: every one, each on its own).
    pub conditions: Vec<String>,
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
    /// Stop at the first malformed line instead of skipping and counting it.
    pub strict: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inputs: Vec::new(),
            text_field: None,
            spec: None,
            conditions: Vec::new(),
            tokenizer: TokenizerKind::Cl100k,
            threads: 1,
            seed: 1,
            threshold: 0.8,
            overuse_ratio: 2.0,
            wide_threshold: 0.02,
            strict: false,
        }
    }
}

/// The statistics of a run: one report, or one per condition of a corpus folder.
#[derive(Debug, Clone)]
pub struct Stats {
    /// True when the input was a corpus folder analysed condition by condition.
    pub by_condition: bool,
    pub reports: Vec<Report>,
}

impl Stats {
    /// The JSON document `--json` writes: the report itself, or for a folder analysed by
    /// condition `{"schema_version", "tool", "grouped_by": "condition", "conditions": [...]}`.
    pub fn to_json(&self) -> String {
        let mut text = if self.by_condition {
            serde_json::to_string_pretty(&serde_json::json!({
                "schema_version": report::SCHEMA_VERSION,
                "tool": format!("factpress {}", env!("CARGO_PKG_VERSION")),
                "grouped_by": "condition",
                "conditions": self.reports,
            }))
        } else {
            serde_json::to_string_pretty(&self.reports[0])
        }
        .expect("report serialises");
        text.push('\n');
        text
    }

    /// The text summary, with a heading per condition when grouped.
    pub fn summary(&self) -> String {
        if !self.by_condition {
            return self.reports[0].summary();
        }
        let mut out = String::new();
        for r in &self.reports {
            out.push_str(&format!(
                "== condition {} ==\n",
                r.condition.as_deref().unwrap_or("?")
            ));
            out.push_str(&r.summary());
        }
        out
    }

    /// Documents read, over every report.
    pub fn documents(&self) -> u64 {
        self.reports.iter().map(|r| r.size.total.documents).sum()
    }
}

/// Everything fixed for a run, shared by the workers.
pub struct Ctx {
    corpus: Corpus,
    field: String,
    tokenizer: Tokenizer,
    hasher: Hasher,
    /// The spec (as named in the report) for overuse, detection and capacity.
    spec: Option<(String, Spec)>,
    matcher: Option<Matcher>,
    /// The facts' detect rules, used when records do not name their facts.
    rules: Option<Rules>,
    /// For factpress corpora: locates fact texts, so 8-grams are counted outside them.
    masker: Option<mask::FactMasker>,
}

impl Ctx {
    fn new(opts: &Options, corpus: Corpus) -> Result<Ctx> {
        // A mixed corpus has no spec of its own: it is read like plain JSONL.
        let source = match corpus.folder() {
            Some(f) if f.manifest.mix.is_none() => Some(corpus.source()?),
            _ => None,
        };
        let spec = match (&opts.spec, &source) {
            (Some(p), _) => Some((p.display().to_string(), Spec::load(p)?)),
            (None, Some(src)) => Some((
                corpus
                    .spec_path()
                    .expect("a folder has a spec")
                    .display()
                    .to_string(),
                (*src.selection.spec).clone(),
            )),
            (None, None) => None,
        };
        let rules = match &spec {
            Some((_, s)) => Some(Rules::compile(&s.facts, &[])?.0),
            None => None,
        };
        Ok(Ctx {
            field: opts
                .text_field
                .clone()
                .unwrap_or_else(|| corpus.default_text_field().to_string()),
            tokenizer: Tokenizer::new(opts.tokenizer),
            hasher: Hasher::new(opts.seed),
            matcher: spec.as_ref().map(|(_, s)| Matcher::new(s)),
            rules,
            masker: source.as_ref().map(mask::FactMasker::new),
            spec,
            corpus,
        })
    }

    /// For factpress corpora: the fact texts of the document, re-rendered from `source/`
    /// (`None` for other inputs, or when the document cannot be placed).
    /// The `[world]` values of a factpress corpus (empty for other inputs).
    fn world_values(&self) -> std::collections::BTreeMap<String, String> {
        (self.masker.as_ref()).map_or_else(Default::default, mask::FactMasker::world_values)
    }

    fn fact_texts(&self, p: &scan::Parsed) -> Option<Vec<(u32, String)>> {
        self.masker.as_ref()?.facts(
            p.meta_str("condition").as_deref(),
            p.meta("index").and_then(Value::as_u64),
        )
    }

    /// Calls `f` with the hash and the words of each distinct 8-gram of `text` that lies
    /// outside its fact texts `facts` (every one without), in order.
    fn long_ngrams(
        &self,
        text: &str,
        facts: Option<&[(u32, String)]>,
        mut f: impl FnMut(u64, &[String]),
    ) {
        let mut seen = HashSet::new();
        for seg in mask::outside(text, facts) {
            let words = norm_words(seg);
            let wh = ngrams::word_hashes(&words);
            for (j, h) in ngrams::ngram_hashes(&wh, ngrams::LONG_NGRAM).enumerate() {
                if seen.insert(h) {
                    f(h, &words[j..j + ngrams::LONG_NGRAM]);
                }
            }
        }
    }
}

/// Computes the statistics of `opts.inputs`.
pub fn run(opts: &Options, obs: &dyn Observer) -> Result<Stats> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    pool.install(|| run_in_pool(opts, obs))
}

fn run_in_pool(opts: &Options, obs: &dyn Observer) -> Result<Stats> {
    let corpus = Corpus::open(&opts.inputs)?;
    for c in &opts.conditions {
        corpus.require_condition(c)?;
    }
    let groups: Vec<Option<String>> = match corpus.conditions().as_slice() {
        [] | [_] if opts.conditions.is_empty() => vec![None],
        all if opts.conditions.is_empty() => all.iter().map(|c| Some(c.to_string())).collect(),
        all => all
            .iter()
            .filter(|c| opts.conditions.iter().any(|w| w == *c))
            .map(|c| Some(c.to_string()))
            .collect(),
    };
    let by_condition = groups.len() > 1;
    let ctx = Ctx::new(opts, corpus)?;
    let mut bad = BadLines::new(opts.strict);
    let mut reports = Vec::new();
    for g in &groups {
        reports.push(analyse(opts, &ctx, g.as_deref(), &mut bad, obs)?);
    }
    Ok(Stats {
        by_condition,
        reports,
    })
}

/// Both passes and the report for the files of one condition (or all files).
fn analyse(
    opts: &Options,
    ctx: &Ctx,
    condition: Option<&str>,
    bad: &mut BadLines,
    obs: &dyn Observer,
) -> Result<Report> {
    let keep =
        |f: &crate::corpus::CorpusFile| condition.is_none_or(|c| f.condition.as_deref() == Some(c));
    let total = ctx.corpus.manifest().map(|m| {
        m.conditions
            .iter()
            .filter(|c| condition.is_none_or(|g| g == c.id))
            .map(|c| c.docs)
            .sum()
    });
    let before = bad.count();
    let label = match condition {
        Some(c) => format!("stats {c}: pass 1"),
        None => "stats: pass 1".to_string(),
    };
    obs.start(&label, total, "docs");
    let mut acc = Acc::new(ctx.matcher.as_ref().map_or(0, Matcher::patterns));
    each_batch(ctx, &keep, obs, |lines| {
        let outs: Vec<ChunkOut> = lines.par_chunks(CHUNK).map(|c| pass1(ctx, c)).collect();
        for o in outs {
            for ((file, line), why) in &o.malformed {
                bad.skip(&ctx.corpus.files()[*file].name, *line, why, obs)?;
            }
            acc.merge(o);
        }
        Ok(())
    })?;
    let dups = assemble::exact_groups(&acc);
    let near = minhash::search(&acc.sigs, opts.threshold, NEAR_EXAMPLES);
    drop(std::mem::take(&mut acc.sigs));

    // Pass 2: exact counts of the candidates, and the example documents.
    let mut docs: BTreeSet<scan::Loc> = BTreeSet::new();
    for &(_, a, b) in &dups.largest {
        docs.extend([a, b]);
    }
    for &(a, b, _) in &near.examples {
        docs.extend([acc.locs[a as usize], acc.locs[b as usize]]);
    }
    let (stride, samples) = predict::choose(&acc.locs);
    let wanted = Wanted {
        docs,
        long: acc.long.candidates(),
        long_whole: acc.long_whole.candidates(),
        phrases: acc.phrases.candidates(),
        sentences: realism::sentence_candidates(&acc),
        renderings: acc.renderings.wanted(),
        samples,
    };
    obs.start(&label.replace("pass 1", "pass 2"), total, "docs");
    let mut p2 = Pass2::default();
    let mut texts = predict::Samples::new(stride);
    each_batch(ctx, &keep, obs, |lines| {
        let outs: Vec<Pass2> = lines
            .par_chunks(CHUNK)
            .map(|c| pass2(ctx, c, &wanted))
            .collect();
        for mut o in outs {
            for (held, text) in std::mem::take(&mut o.samples) {
                texts.add(held, text);
            }
            p2.merge(o);
        }
        Ok(())
    })?;
    drop(wanted);
    Ok(assemble::Gathered {
        opts,
        ctx,
        condition,
        acc,
        dups,
        near,
        pass2: p2,
        malformed: bad.count() - before,
        predictability: Some(texts.measure()),
    }
    .report())
}

/// Feeds `f` every batch of lines of the files `keep` accepts, in order, with progress;
/// stops when the observer cancels. Finishes the observer's stage either way.
fn each_batch(
    ctx: &Ctx,
    keep: &dyn Fn(&CorpusFile) -> bool,
    obs: &dyn Observer,
    mut f: impl FnMut(&[Line]) -> Result<()>,
) -> Result<()> {
    let mut done = 0u64;
    let mut all = || {
        for batch in ctx.corpus.batches(BATCH, keep) {
            let batch = batch?;
            f(&batch.lines)?;
            done += batch.lines.len() as u64;
            obs.progress(done);
            if obs.cancelled() {
                return Err(Error::Interrupted(
                    "interrupted: no report was written".into(),
                ));
            }
        }
        Ok(())
    };
    let result = all();
    obs.finish();
    result
}
