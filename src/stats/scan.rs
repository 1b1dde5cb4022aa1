//! The two passes of `stats` over one group of documents. Pass 1 turns each record into
//! sizes, hashes, a MinHash signature, n-gram sketches and coverage, merged in input order
//! into [`Acc`]; pass 2 counts the heavy-hitter candidates exactly and picks the example
//! documents. Both run in parallel over fixed chunks (never dependent on the thread count).
//! Malformed lines are found here and returned with their place, for the caller's
//! `BadLines` policy; pure otherwise: reads lines it is given, writes nothing.

use super::Ctx;
use super::minhash::Signature;
use super::ngrams::{self, Hll, NGRAM_NS, TopK};
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
}

/// What pass 1 makes of one chunk of lines.
pub struct ChunkOut {
    docs: Vec<DocOut>,
    hll: Vec<Hll>,
    ngram_totals: [u64; 4],
    long: HashMap<u64, u64>,
    phrases: HashMap<u64, u64>,
    /// Malformed lines: where, and why.
    pub malformed: Vec<(Loc, String)>,
}

pub fn pass1(ctx: &Ctx, lines: &[Line]) -> ChunkOut {
    let mut out = ChunkOut {
        docs: Vec::with_capacity(lines.len()),
        hll: vec![Hll::default(); NGRAM_NS.len()],
        ngram_totals: [0; 4],
        long: HashMap::new(),
        phrases: HashMap::new(),
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
    pub phrases: TopK,
    /// Documents per pool-value pattern.
    pub df: Vec<u64>,
}

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
            phrases: TopK::default(),
            df: vec![0; patterns],
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
        self.phrases.merge(c.phrases);
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
    pub phrases: HashSet<u64>,
}

#[derive(Default)]
pub struct Pass2 {
    /// Wanted documents: place -> (id, text).
    pub picked: BTreeMap<Loc, (String, String)>,
    pub long: HashMap<u64, u64>,
    pub phrases: HashMap<u64, u64>,
    /// Text of each counted candidate, from its first occurrence.
    pub texts: HashMap<u64, String>,
}

impl Pass2 {
    pub fn merge(&mut self, o: Pass2) {
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
        if wanted.docs.contains(&(l.file, l.number)) {
            out.picked
                .insert((l.file, l.number), (p.id(ctx, l), text.to_string()));
        }
        let mut seen = HashSet::new();
        for (h, ws) in ctx.long_ngrams(&p, text) {
            if wanted.long.contains(&h) {
                seen.insert(h);
                *out.long.entry(h).or_default() += 1;
                out.texts.entry(h).or_insert_with(|| ws.join(" "));
            }
        }
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
