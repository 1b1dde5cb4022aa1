//! The two passes of `stats` over one group of documents. Pass 1 turns each record into
//! sizes, hashes, a MinHash signature, n-gram and sentence sketches, fact renderings and
//! coverage, merged in input order into [`Acc`]; pass 2 counts the heavy-hitter candidates
//! exactly and picks the example documents, rendering texts and dictionary samples. Both
//! run in parallel over fixed chunks (never dependent on the thread count). Malformed lines
//! are found here and returned with their place, for the caller's `BadLines` policy; pure
//! otherwise: reads lines it is given, writes nothing.

use super::Ctx;
use super::minhash::Signature;
use super::ngrams::{self, Hll, LONG_NGRAM, NGRAM_NS, TopK};
use super::realism::Renderings;
use super::sentences::{self, Counted};
use super::size::SizeAcc;
use super::tokens::{norm_words, whitespace_words};
use crate::corpus::{Line, text_field};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Where a document is: (file index, line number). Unique in a corpus.
pub type Loc = (usize, u64);

/// A parsed record: its text and what its metadata says.
pub struct Parsed {
    rec: Value,
    prov: Option<Value>,
}

impl Parsed {
    /// Parses a line, or says why it is malformed.
    pub fn new(ctx: &Ctx, l: &Line) -> Result<Parsed, String> {
        if l.text.trim().is_empty() {
            return Err("blank line".into());
        }
        let rec: Value =
            serde_json::from_str(&l.text).map_err(|e| format!("not a JSON record: {e}"))?;
        text_field(&rec, &ctx.field)?;
        let prov = match &l.provenance {
            Some(p) => Some(
                serde_json::from_str(p).map_err(|e| format!("provenance row is not JSON: {e}"))?,
            ),
            None => None,
        };
        Ok(Parsed { rec, prov })
    }

    pub fn text(&self, ctx: &Ctx) -> &str {
        text_field(&self.rec, &ctx.field).unwrap_or("")
    }

    /// `metadata.KEY` of the provenance row or the record, else the record's top-level KEY.
    pub fn meta(&self, key: &str) -> Option<&Value> {
        self.prov
            .as_ref()
            .and_then(|p| p.get("metadata").and_then(|m| m.get(key)))
            .or_else(|| self.rec.get("metadata").and_then(|m| m.get(key)))
            .or_else(|| self.rec.get(key))
    }

    pub fn meta_str(&self, key: &str) -> Option<String> {
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
            _ => format!("{}:{}", ctx.corpus.files()[l.file].name, l.number),
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
    loc: Loc,
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
    /// Words of the document's re-rendered fact texts (factpress corpus folders only).
    fact_words: Option<u64>,
}

/// What pass 1 makes of one chunk of lines.
pub struct ChunkOut {
    docs: Vec<DocOut>,
    hll: Vec<Hll>,
    ngram_totals: [u64; 4],
    long: HashMap<u64, u64>,
    long_whole: HashMap<u64, u64>,
    phrases: HashMap<u64, u64>,
    sentences: HashMap<u64, u64>,
    sentence_occurrences: u64,
    renderings: Renderings,
    /// Malformed lines: where, and why.
    pub malformed: Vec<(Loc, String)>,
}

pub fn pass1(ctx: &Ctx, lines: &[Line]) -> ChunkOut {
    let mut out = ChunkOut {
        docs: Vec::with_capacity(lines.len()),
        hll: vec![Hll::default(); NGRAM_NS.len()],
        ngram_totals: [0; 4],
        long: HashMap::new(),
        long_whole: HashMap::new(),
        phrases: HashMap::new(),
        sentences: HashMap::new(),
        sentence_occurrences: 0,
        renderings: Renderings::default(),
        malformed: Vec::new(),
    };
    for l in lines {
        let p = match Parsed::new(ctx, l) {
            Ok(p) => p,
            Err(why) => {
                out.malformed.push(((l.file, l.number), why));
                continue;
            }
        };
        let text = p.text(ctx);
        let words = norm_words(text);
        let wh = ngrams::word_hashes(&words);
        for (k, &n) in NGRAM_NS.iter().enumerate() {
            out.ngram_totals[k] += (wh.len() + 1).saturating_sub(n) as u64;
            for h in ngrams::ngram_hashes(&wh, n) {
                out.hll[k].add(h);
            }
        }
        let facts = ctx.fact_texts(&p);
        let fact_words =
            (facts.as_ref()).map(|f| f.iter().map(|(_, t)| whitespace_words(t)).sum::<u64>());
        ctx.long_ngrams(text, facts.as_deref(), |h, _| {
            *out.long.entry(h).or_default() += 1;
        });
        if ctx.masker.is_some() {
            for (_, h) in whole_8grams(&wh) {
                *out.long_whole.entry(h).or_default() += 1;
            }
        }
        let sents = sentences::distinct(text);
        out.sentence_occurrences += sents.len() as u64;
        for (h, _) in sents {
            *out.sentences.entry(h).or_default() += 1;
        }
        if let Some(f) = &facts {
            out.renderings.add_doc(f);
        }
        let phrases: HashSet<u64> = ngrams::capitalised_phrases(text)
            .iter()
            .map(|s| ngrams::phrase_hash(s))
            .collect();
        for h in phrases {
            *out.phrases.entry(h).or_default() += 1;
        }
        let (facts, detected) = match (p.facts(), &ctx.rules) {
            (Some(f), _) => (Some(f), false),
            (None, Some(r)) => (
                Some(
                    r.present_facts(text)
                        .into_iter()
                        .map(|i| r.facts[i].id.clone())
                        .collect(),
                ),
                true,
            ),
            (None, None) => (None, false),
        };
        out.docs.push(DocOut {
            loc: (l.file, l.number),
            chars: text.chars().count() as u64,
            words: whitespace_words(text),
            tokens: ctx.tokenizer.count(text),
            hash: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            sig: ctx.hasher.signature(&words),
            doc_type: p.meta_str("doc_type"),
            condition: p
                .meta_str("condition")
                .or_else(|| ctx.corpus.files()[l.file].condition.clone()),
            template: p.meta_str("template"),
            facts,
            detected,
            hits: ctx
                .matcher
                .as_ref()
                .map(|m| m.find(text))
                .unwrap_or_default(),
            fact_words,
        });
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactSource {
    None,
    Metadata,
    Detect,
}

impl FactSource {
    pub fn name(self) -> &'static str {
        match self {
            FactSource::None => "none",
            FactSource::Metadata => "metadata",
            FactSource::Detect => "detect",
        }
    }
}

/// Everything pass 1 keeps: fixed-size sketches, plus a few hundred bytes a document.
pub struct Acc {
    pub total: SizeAcc,
    pub by_type: BTreeMap<String, SizeAcc>,
    pub by_cond: BTreeMap<String, SizeAcc>,
    /// Per document, in input order: its place, text hash and MinHash signature.
    pub locs: Vec<Loc>,
    pub hashes: Vec<u128>,
    pub sigs: Vec<Option<Box<Signature>>>,
    pub fact_source: FactSource,
    pub facts: BTreeMap<String, u64>,
    pub cooc: BTreeMap<(String, String), u64>,
    pub facts_per_doc: BTreeMap<u64, u64>,
    pub doc_types: BTreeMap<String, u64>,
    pub templates: BTreeMap<String, u64>,
    pub conditions: BTreeMap<String, u64>,
    pub hll: Vec<Hll>,
    pub ngram_totals: [u64; 4],
    pub long: TopK,
    /// Whole-document 8-grams, for factpress corpora (else `long` is over whole documents).
    pub long_whole: TopK,
    pub phrases: TopK,
    pub sentences: TopK,
    /// Each document's distinct counted sentences, summed.
    pub sentence_occurrences: u64,
    /// Documents per (fact, rendered text), exact.
    pub renderings: Renderings,
    /// Documents per pool-value pattern.
    pub df: Vec<u64>,
    /// (words, fact words) of every document over [`LONG_DOC_WORDS`] words whose fact texts
    /// are known.
    pub long_docs: Vec<(u64, u64)>,
}

/// Documents over this many words are "long" for the fact share of the realism section.
pub const LONG_DOC_WORDS: u64 = 700;

impl Acc {
    pub fn new(patterns: usize) -> Acc {
        Acc {
            total: SizeAcc::default(),
            by_type: BTreeMap::new(),
            by_cond: BTreeMap::new(),
            locs: Vec::new(),
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
            long_whole: TopK::default(),
            phrases: TopK::default(),
            sentences: TopK::new(sentences::COUNTERS, sentences::PRUNE_ABOVE),
            sentence_occurrences: 0,
            renderings: Renderings::default(),
            df: vec![0; patterns],
            long_docs: Vec::new(),
        }
    }

    pub fn docs(&self) -> u64 {
        self.total.docs
    }

    /// Adds a chunk (chunks must come in input order).
    pub fn merge(&mut self, c: ChunkOut) {
        for (a, b) in self.hll.iter_mut().zip(&c.hll) {
            a.merge(b);
        }
        for k in 0..4 {
            self.ngram_totals[k] += c.ngram_totals[k];
        }
        self.long.merge(c.long);
        self.long_whole.merge(c.long_whole);
        self.phrases.merge(c.phrases);
        self.sentences.merge(c.sentences);
        self.sentence_occurrences += c.sentence_occurrences;
        self.renderings.merge(c.renderings);
        for d in c.docs {
            self.add_doc(d);
        }
    }

    fn add_doc(&mut self, d: DocOut) {
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
        if let Some(f) = d.facts {
            self.add_facts(f, d.detected);
        }
        for h in d.hits {
            self.df[h as usize] += 1;
        }
        if let Some(f) = d.fact_words
            && d.words > LONG_DOC_WORDS
        {
            self.long_docs.push((d.words, f.min(d.words)));
        }
        self.locs.push(d.loc);
        self.hashes.push(d.hash);
        self.sigs.push(d.sig);
    }

    fn add_facts(&mut self, mut f: Vec<String>, detected: bool) {
        if self.fact_source == FactSource::None
            || (self.fact_source == FactSource::Detect && !detected)
        {
            self.fact_source = if detected {
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
}

/// What pass 2 looks for: example documents by place, and the heavy-hitter candidates.
pub struct Wanted {
    pub docs: BTreeSet<Loc>,
    pub long: HashSet<u64>,
    pub long_whole: HashSet<u64>,
    pub phrases: HashSet<u64>,
    pub sentences: HashSet<u64>,
    /// The most frequent rendering of each fact, whose text is fetched.
    pub renderings: HashSet<(u32, u64)>,
    /// The dictionary's documents: place -> held out (else training).
    pub samples: HashMap<Loc, bool>,
}

#[derive(Default)]
pub struct Pass2 {
    /// Wanted documents: place -> (id, text).
    pub picked: BTreeMap<Loc, (String, String)>,
    pub long: HashMap<u64, u64>,
    pub long_whole: HashMap<u64, u64>,
    pub phrases: HashMap<u64, u64>,
    /// Text of each counted candidate, from its first occurrence.
    pub texts: HashMap<u64, String>,
    pub sentences: Counted,
    /// Text of each wanted rendering (cut to 300 characters).
    pub rendered: HashMap<(u32, u64), String>,
    /// The dictionary's documents of this chunk, in input order: (held out, text). Not
    /// merged: the caller moves them into `predict::Samples`, which applies the budgets.
    pub samples: Vec<(bool, String)>,
}

impl Pass2 {
    pub fn merge(&mut self, o: Pass2) {
        self.picked.extend(o.picked);
        for (h, c) in o.long {
            *self.long.entry(h).or_default() += c;
        }
        for (h, c) in o.long_whole {
            *self.long_whole.entry(h).or_default() += c;
        }
        self.sentences.merge(o.sentences);
        for (k, t) in o.rendered {
            self.rendered.entry(k).or_insert(t);
        }
        for (h, c) in o.phrases {
            *self.phrases.entry(h).or_default() += c;
        }
        for (h, t) in o.texts {
            self.texts.entry(h).or_insert(t);
        }
    }

    pub fn text(&self, loc: Loc) -> &str {
        self.picked.get(&loc).map_or("", |p| p.1.as_str())
    }

    pub fn id(&self, loc: Loc) -> String {
        self.picked
            .get(&loc)
            .map(|p| p.0.clone())
            .unwrap_or_default()
    }
}

/// Pass 2 over one chunk; malformed lines were counted in pass 1 and are skipped here.
pub fn pass2(ctx: &Ctx, lines: &[Line], wanted: &Wanted) -> Pass2 {
    let mut out = Pass2::default();
    for l in lines {
        let Ok(p) = Parsed::new(ctx, l) else {
            continue;
        };
        let text = p.text(ctx);
        let loc = (l.file, l.number);
        if wanted.docs.contains(&loc) {
            out.picked.insert(loc, (p.id(ctx, l), text.to_string()));
        }
        if let Some(&held) = wanted.samples.get(&loc) {
            out.samples.push((held, text.to_string()));
        }
        let facts = ctx.fact_texts(&p);
        if let Some(f) = &facts {
            for (fact, t) in f {
                let k = (*fact, super::realism::rendering_hash(t));
                if wanted.renderings.contains(&k) {
                    (out.rendered.entry(k)).or_insert_with(|| super::realism::cut(t));
                }
            }
        }
        if !wanted.long_whole.is_empty() {
            let words = norm_words(text);
            for (j, h) in whole_8grams(&ngrams::word_hashes(&words)) {
                if wanted.long_whole.contains(&h) {
                    *out.long_whole.entry(h).or_default() += 1;
                    (out.texts.entry(h)).or_insert_with(|| words[j..j + LONG_NGRAM].join(" "));
                }
            }
        }
        out.sentences
            .add(&wanted.sentences, sentences::distinct(text));
        let mut seen = HashSet::new();
        ctx.long_ngrams(text, facts.as_deref(), |h, ws| {
            if wanted.long.contains(&h) {
                seen.insert(h);
                *out.long.entry(h).or_default() += 1;
                out.texts.entry(h).or_insert_with(|| ws.join(" "));
            }
        });
        for ph in ngrams::capitalised_phrases(text) {
            let h = ngrams::phrase_hash(&ph);
            if wanted.phrases.contains(&h) && seen.insert(h) {
                *out.phrases.entry(h).or_default() += 1;
                out.texts.entry(h).or_insert(ph);
            }
        }
    }
    out
}

/// The distinct 8-grams of a whole document, as (position of the first, hash).
fn whole_8grams(wh: &[u64]) -> Vec<(usize, u64)> {
    let mut seen = HashSet::new();
    (ngrams::ngram_hashes(wh, LONG_NGRAM).enumerate())
        .filter(|&(_, h)| seen.insert(h))
        .collect()
}
