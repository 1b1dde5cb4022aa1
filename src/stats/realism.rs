//! The `realism` section of the report: sentence repetition (with `sentences`), per-fact
//! surface diversity, and predictability (measured by `predict`). Owns the exact count of
//! each fact's renderings (pass 1), the choice of the sentence candidates that pass 2 counts,
//! and the assembly of the section from what the passes gathered. Pure: no I/O.

use super::TOP;
use super::assemble::Gathered;
use super::overuse::round6;
use super::report::{FactDiversity, Frequent, LongDocFacts, Realism, SentenceCounts};
use super::scan::{Acc, LONG_DOC_WORDS};
use super::sentences::{self, COUNTERS, DOC_SHARE, MIN_WORDS, TOP_CANDIDATES};
use std::collections::{BTreeMap, HashMap, HashSet};
use xxhash_rust::xxh3::xxh3_64;

/// Characters of a fact rendering kept for the report.
pub const TEXT_CHARS: usize = 300;

pub fn rendering_hash(text: &str) -> u64 {
    xxh3_64(text.as_bytes())
}

/// `text` cut at [`TEXT_CHARS`] characters.
pub fn cut(text: &str) -> String {
    text.chars().take(TEXT_CHARS).collect()
}

/// Documents per (fact, hash of its rendered text), exact: at most one entry per document
/// and fact, so it grows with the corpus only when the facts render differently everywhere.
#[derive(Debug, Default)]
pub struct Renderings {
    counts: HashMap<(u32, u64), u64>,
}

/// One fact's renderings, summed.
struct PerFact {
    documents: u64,
    distinct: u64,
    /// (documents, hash) of the most frequent rendering (ties: smaller hash).
    top: (u64, u64),
}

impl Renderings {
    /// Counts the (non-empty) fact texts of one document, each (fact, text) once.
    pub fn add_doc(&mut self, facts: &[(u32, String)]) {
        let mut seen: Vec<(u32, u64)> = Vec::with_capacity(facts.len());
        for (f, t) in facts {
            let k = (*f, rendering_hash(t));
            if !t.is_empty() && !seen.contains(&k) {
                seen.push(k);
                *self.counts.entry(k).or_default() += 1;
            }
        }
    }

    pub fn merge(&mut self, o: Renderings) {
        for (k, c) in o.counts {
            *self.counts.entry(k).or_default() += c;
        }
    }

    fn per_fact(&self) -> BTreeMap<u32, PerFact> {
        let mut out: BTreeMap<u32, PerFact> = BTreeMap::new();
        for (&(f, h), &c) in &self.counts {
            let e = out.entry(f).or_insert(PerFact {
                documents: 0,
                distinct: 0,
                top: (0, h),
            });
            e.documents += c;
            e.distinct += 1;
            if c > e.top.0 || (c == e.top.0 && h < e.top.1) {
                e.top = (c, h);
            }
        }
        out
    }

    /// The most frequent rendering of each fact: the texts pass 2 fetches.
    pub fn wanted(&self) -> HashSet<(u32, u64)> {
        (self.per_fact().into_iter())
            .map(|(f, p)| (f, p.top.1))
            .collect()
    }
}

/// The sentences pass 2 counts: every counter that may belong to a sentence in at least
/// `threshold_docs` documents (counter ≥ threshold − undercount), and the strongest few for
/// the top list.
pub fn sentence_candidates(acc: &Acc) -> HashSet<u64> {
    let t = sentences::threshold_docs(acc.docs());
    let mut c = acc
        .sentences
        .at_least(t.saturating_sub(acc.sentences.decrement()).max(1));
    c.extend(acc.sentences.strongest(TOP_CANDIDATES));
    c
}

impl Gathered<'_> {
    pub fn realism(&mut self) -> Realism {
        let (acc, p2) = (&self.acc, &self.pass2);
        let t = sentences::threshold_docs(acc.docs());
        let repeated = p2.sentences.repeated_occurrences(t);
        let occurrences = acc.sentence_occurrences;
        let top_sentences = (p2.sentences.top(TOP).into_iter())
            .map(|(text, docs)| Frequent {
                text,
                docs,
                doc_share: self.share(docs),
            })
            .collect();
        let undercount = acc.sentences.decrement();
        Realism {
            sentence_repetition: if occurrences == 0 {
                0.0
            } else {
                round6(repeated as f64 / occurrences as f64)
            },
            sentences: SentenceCounts {
                min_words: MIN_WORDS,
                threshold_share: DOC_SHARE,
                threshold_docs: t,
                occurrences,
                repeated_occurrences: repeated,
                counters: COUNTERS,
                max_undercount: undercount,
                complete: undercount < t,
            },
            top_sentences,
            fact_diversity: self.fact_diversity(),
            long_doc_facts: self
                .ctx
                .masker
                .as_ref()
                .map(|_| long_doc_facts(&acc.long_docs)),
            predictability: self.predictability.take().expect("measured once"),
        }
    }

    fn fact_diversity(&self) -> Vec<FactDiversity> {
        let Some(m) = &self.ctx.masker else {
            return Vec::new();
        };
        let mut v: Vec<FactDiversity> = (self.acc.renderings.per_fact().into_iter())
            .map(|(f, p)| FactDiversity {
                fact: m.fact_id(f).to_string(),
                documents: p.documents,
                distinct_renderings: p.distinct,
                top_docs: p.top.0,
                top_share: round6(p.top.0 as f64 / p.documents.max(1) as f64),
                top_text: (self.pass2.rendered.get(&(f, p.top.1)))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        v.sort_by(|a, b| a.fact.cmp(&b.fact));
        v
    }
}

/// The fact share of long documents from their (words, fact words).
fn long_doc_facts(docs: &[(u64, u64)]) -> LongDocFacts {
    let mut shares: Vec<f64> = (docs.iter())
        .map(|&(w, f)| f as f64 / w.max(1) as f64)
        .collect();
    shares.sort_by(f64::total_cmp);
    let median = match shares.len() {
        0 => 0.0,
        n if n % 2 == 1 => shares[n / 2],
        n => (shares[n / 2 - 1] + shares[n / 2]) / 2.0,
    };
    let (w, f) = (docs.iter()).fold((0u64, 0u64), |(w, f), &(a, b)| (w + a, f + b));
    LongDocFacts {
        min_words: LONG_DOC_WORDS,
        documents: docs.len() as u64,
        median_share: round6(median),
        overall_share: if w == 0 {
            0.0
        } else {
            round6(f as f64 / w as f64)
        },
    }
}
