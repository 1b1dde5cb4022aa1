//! The stats report: the JSON schema (these structs, serialised with serde; maps are
//! `BTreeMap`s so the bytes do not depend on hash order) and the short text summary printed
//! to stdout. The schema is documented in the README and pinned by a snapshot test.

use super::minhash::Params;
use super::overuse::PoolReport;
use super::size::SizeReport;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Version of the report schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: String,
    pub inputs: Vec<String>,
    /// The condition this report covers, when a corpus folder is analysed by condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The spec used for overuse, coverage detection and capacity, if any.
    pub spec: Option<String>,
    pub tokenizer: String,
    /// Lines skipped because they are not records (blank, not JSON, no text field).
    pub malformed_lines: u64,
    pub size: Size,
    pub coverage: Coverage,
    pub diversity: Diversity,
    pub overuse: Overuse,
    /// Whether the documents read like real documents: repeated sentences, per-fact surface
    /// diversity and predictability by a trained compression dictionary.
    pub realism: Realism,
    /// Per doc type, from the spec; empty without one.
    pub capacity: Vec<Capacity>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Size {
    #[serde(flatten)]
    pub total: SizeReport,
    pub by_doc_type: BTreeMap<String, SizeReport>,
    pub by_condition: BTreeMap<String, SizeReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// `metadata` (the records' `metadata.facts`), `detect` (the spec's detect regexes run on
    /// the text) or `none`.
    pub fact_source: String,
    pub facts: BTreeMap<String, u64>,
    /// Facts of the spec found in no document.
    pub facts_missing: Vec<String>,
    /// Documents carrying both facts, for every pair that occurs (a < b).
    pub fact_cooccurrence: BTreeMap<String, BTreeMap<String, u64>>,
    /// Documents by number of facts carried.
    pub facts_per_doc: BTreeMap<u64, u64>,
    pub doc_types: BTreeMap<String, u64>,
    pub templates: BTreeMap<String, u64>,
    pub conditions: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diversity {
    pub exact_duplicates: ExactDuplicates,
    pub near_duplicates: NearDuplicates,
    pub distinct_ngrams: Vec<NgramRatio>,
    /// `outside fact texts` for factpress corpora (each document's fact texts are re-rendered
    /// from the corpus's source and left out), else `whole documents`.
    pub top_8grams_scope: String,
    pub top_8grams: Vec<Frequent>,
    /// The same over whole documents, fact texts included (for inputs that are not factpress
    /// corpora, equal to `top_8grams`).
    pub top_8grams_whole: Vec<Frequent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExactDuplicates {
    /// Documents identical to an earlier one (xxh3-128 of the text).
    pub documents: u64,
    /// Groups of identical documents.
    pub groups: u64,
    /// Ids of the first two documents of the largest groups (at most 3).
    pub examples: Vec<[String; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearDuplicates {
    pub params: Params,
    /// Clusters (connected components of pairs at or above the threshold) of 2+ documents.
    pub clusters: u64,
    pub documents_in_clusters: u64,
    /// `documents_in_clusters` / documents.
    pub share: f64,
    pub largest_cluster: u64,
    pub examples: Vec<NearExample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearExample {
    pub a: String,
    pub b: String,
    pub estimated_jaccard: f64,
    /// Exact Jaccard similarity of the two shingle sets.
    pub jaccard: f64,
    /// The first 600 characters of each.
    pub a_text: String,
    pub b_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NgramRatio {
    pub n: usize,
    /// n-grams in the corpus (exact).
    pub total: u64,
    /// Distinct n-grams (HyperLogLog estimate, ±0.8 % standard error).
    pub distinct: u64,
    /// `distinct / total`.
    pub ratio: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Frequent {
    pub text: String,
    /// Documents containing it (exact).
    pub docs: u64,
    pub doc_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overuse {
    pub ratio_threshold: f64,
    pub wide_threshold: f64,
    /// Per slot pool of the spec; empty without one.
    pub pools: Vec<PoolReport>,
    /// The most frequent capitalised phrases (names, organisations) by documents, top 20.
    pub capitalised_phrases: Vec<Frequent>,
    /// The flagged value with the highest ratio (then doc share), if any.
    pub most_overused: Option<MostOverused>,
    /// The `[world]` values of a factpress corpus (by name, as drawn from its seed; empty
    /// otherwise): the same in every document by design, so never flagged.
    pub world: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MostOverused {
    pub pool: String,
    pub value: String,
    pub docs: u64,
    pub doc_share: f64,
    pub ratio: f64,
    pub flags: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Realism {
    /// `sentences.repeated_occurrences / sentences.occurrences`: the share of sentence
    /// occurrences whose sentence is in at least `sentences.threshold_docs` documents.
    pub sentence_repetition: f64,
    pub sentences: SentenceCounts,
    /// The 20 sentences (normalised, cut at 300 characters) in most documents (exact).
    pub top_sentences: Vec<Frequent>,
    /// Per fact, for factpress corpus folders (empty otherwise), by fact id.
    pub fact_diversity: Vec<FactDiversity>,
    /// How much of a long document its facts fill, for factpress corpus folders (else null).
    pub long_doc_facts: Option<LongDocFacts>,
    pub predictability: Predictability,
}

/// The share of a long document's words that are its facts' rendered texts: filler walls
/// show as a low median.
#[derive(Debug, Clone, Serialize)]
pub struct LongDocFacts {
    /// Documents over this many (whitespace-separated) words count.
    pub min_words: u64,
    pub documents: u64,
    /// The median over those documents of fact words ÷ words (0 when there are none).
    pub median_share: f64,
    /// Their fact words ÷ their words, all summed.
    pub overall_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SentenceCounts {
    /// Sentences shorter than this many words are not counted.
    pub min_words: usize,
    /// A sentence is repeated when in at least this share of documents ...
    pub threshold_share: f64,
    /// ... that is, in at least this many: max(2, ⌈threshold_share × documents⌉).
    pub threshold_docs: u64,
    /// Counted sentences, each distinct sentence once per document.
    pub occurrences: u64,
    /// Occurrences of the repeated sentences (exact).
    pub repeated_occurrences: u64,
    /// Misra–Gries counters of the candidate search.
    pub counters: usize,
    /// The most a counter fell below its true count (at most `occurrences / (counters + 1)`).
    pub max_undercount: u64,
    /// True when `max_undercount < threshold_docs`: every repeated sentence was a candidate,
    /// so `repeated_occurrences` is exact; false, it is a lower bound.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactDiversity {
    pub fact: String,
    /// Documents carrying the fact (whose fact texts could be re-rendered).
    pub documents: u64,
    /// Distinct rendered texts of the fact (xxh3-64 of the text, counted exactly).
    pub distinct_renderings: u64,
    /// Documents with the most frequent rendering ...
    pub top_docs: u64,
    /// ... as a share of `documents`.
    pub top_share: f64,
    /// That rendering, cut at 300 characters.
    pub top_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Predictability {
    /// zstd level of both compressions.
    pub level: i32,
    /// Bytes the trained dictionary may take ...
    pub dictionary_capacity: usize,
    /// ... and took.
    pub dictionary_bytes: u64,
    /// Every `held_out_stride`-th document is held out.
    pub held_out_stride: u64,
    pub held_out_docs: u64,
    pub held_out_bytes: u64,
    /// The dictionary is trained on these documents, the first ones not held out.
    pub training_docs: u64,
    pub training_bytes: u64,
    /// Σ compressed sizes of the held-out documents, each on its own, without and with the
    /// dictionary.
    pub plain_bytes: u64,
    pub dictionary_compressed_bytes: u64,
    /// `plain_bytes / dictionary_compressed_bytes`; `null` when it could not be measured.
    pub gain: Option<f64>,
    /// Why `gain` is `null`.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Capacity {
    pub doc_type: String,
    /// Estimated distinct documents (see `capacity`).
    pub estimate: f64,
    /// Documents of this type in the input.
    pub docs: u64,
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

impl Report {
    /// A few lines for the terminal; the JSON and HTML reports hold the rest.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let z = &self.size.total;
        let _ = writeln!(
            s,
            "documents {}  characters {}  words {}  tokens ({}) {}",
            z.documents, z.characters, z.words, self.tokenizer, z.tokens
        );
        let p = &z.tokens_per_doc;
        let _ = writeln!(
            s,
            "tokens per document: min {} p10 {} median {} p90 {} p99 {} max {} mean {}",
            p.min, p.p10, p.p50, p.p90, p.p99, p.max, p.mean
        );
        let d = &self.diversity;
        let _ = writeln!(
            s,
            "exact duplicates: {} documents in {} groups; near-duplicates (Jaccard >= {}): {} documents in {} clusters ({}), largest {}",
            d.exact_duplicates.documents,
            d.exact_duplicates.groups,
            d.near_duplicates.params.threshold,
            d.near_duplicates.documents_in_clusters,
            d.near_duplicates.clusters,
            pct(d.near_duplicates.share),
            d.near_duplicates.largest_cluster
        );
        let ratios: Vec<String> = d
            .distinct_ngrams
            .iter()
            .map(|r| format!("{}-gram {:.3}", r.n, r.ratio))
            .collect();
        let _ = writeln!(s, "distinct n-gram ratios: {}", ratios.join(", "));
        if let Some(t) = d.top_8grams.first() {
            let _ = writeln!(
                s,
                "most frequent 8-gram ({}): \"{}\" in {} documents ({})",
                d.top_8grams_scope,
                t.text,
                t.docs,
                pct(t.doc_share)
            );
        }
        let flagged: usize = self.overuse.pools.iter().map(|p| p.flagged.len()).sum();
        match &self.overuse.most_overused {
            Some(m) => {
                let _ = writeln!(
                    s,
                    "overuse: {flagged} flagged value(s); most overused: {} = \"{}\" in {} documents ({}), {:.2}x its weight ({})",
                    m.pool,
                    m.value,
                    m.docs,
                    pct(m.doc_share),
                    m.ratio,
                    m.flags.join(", ")
                );
            }
            None if self.spec.is_some() => {
                let _ = writeln!(s, "overuse: no pool value flagged");
            }
            None => {}
        }
        if let Some(c) = self.overuse.capitalised_phrases.first() {
            let _ = writeln!(
                s,
                "most frequent capitalised phrase: \"{}\" in {} documents ({})",
                c.text,
                c.docs,
                pct(c.doc_share)
            );
        }
        if !self.coverage.facts_missing.is_empty() {
            let _ = writeln!(
                s,
                "facts in no document: {}",
                self.coverage.facts_missing.join(", ")
            );
        }
        self.realism_summary(&mut s);
        for w in &self.warnings {
            let _ = writeln!(s, "{w}");
        }
        s
    }

    /// The realism lines of the summary.
    fn realism_summary(&self, s: &mut String) {
        let (r, d) = (&self.realism, &self.diversity);
        let c = &r.sentences;
        let _ = writeln!(
            s,
            "sentence repetition: {} of {} sentence occurrences (>= {} words) are of sentences in >= {} of documents (here >= {}){}",
            pct(r.sentence_repetition),
            c.occurrences,
            c.min_words,
            pct(c.threshold_share),
            c.threshold_docs,
            if c.complete { "" } else { " (a lower bound)" }
        );
        if let Some(t) = r.top_sentences.first() {
            let _ = writeln!(
                s,
                "most repeated sentence: \"{}\" in {} documents ({})",
                t.text,
                t.docs,
                pct(t.doc_share)
            );
        }
        if let Some(t) = d.top_8grams_whole.first()
            && d.top_8grams_scope != "whole documents"
        {
            let _ = writeln!(
                s,
                "most frequent 8-gram (whole documents): \"{}\" in {} documents ({})",
                t.text,
                t.docs,
                pct(t.doc_share)
            );
        }
        if let Some(l) = &r.long_doc_facts
            && l.documents > 0
        {
            let _ = writeln!(
                s,
                "facts in long documents: a median {} of the words of the {} documents over {} words ({} of all their words)",
                pct(l.median_share),
                l.documents,
                l.min_words,
                pct(l.overall_share)
            );
        }
        let p = &r.predictability;
        match (p.gain, &p.note) {
            (Some(g), _) => {
                let _ = writeln!(
                    s,
                    "dictionary gain: {g:.2}x (zstd -{} on {} held-out documents, with a {}-byte dictionary trained on {} others)",
                    p.level, p.held_out_docs, p.dictionary_bytes, p.training_docs
                );
            }
            (None, Some(n)) => {
                let _ = writeln!(s, "dictionary gain: not measured: {n}");
            }
            (None, None) => {}
        }
        if !r.fact_diversity.is_empty() {
            let mut v: Vec<&FactDiversity> = r.fact_diversity.iter().collect();
            v.sort_by_key(|f| f.distinct_renderings);
            let top = (r.fact_diversity.iter())
                .max_by(|a, b| {
                    a.top_share
                        .total_cmp(&b.top_share)
                        .then(b.fact.cmp(&a.fact))
                })
                .expect("not empty");
            let _ = writeln!(
                s,
                "fact renderings: distinct per fact min {} ({}) median {}; most frequent rendering {} of {}'s documents",
                v[0].distinct_renderings,
                v[0].fact,
                v[(v.len() - 1) / 2].distinct_renderings,
                pct(top.top_share),
                top.fact
            );
        }
    }
}
