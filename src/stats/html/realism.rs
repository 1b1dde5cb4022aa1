//! The Realism section of the HTML report as view data: the sentence-repetition and
//! dictionary-gain figures, the most repeated sentences, the whole-document 8-grams and the
//! per-fact rendering table. Tables only, so no chart here can be empty. No markup.

use super::sections::{FrequentRow, frequent_rows};
use super::*;

#[derive(Serialize)]
pub(super) struct RealismView {
    pub(super) repetition: String,
    pub(super) occurrences: String,
    pub(super) repeated: String,
    pub(super) min_words: usize,
    pub(super) threshold_share: String,
    pub(super) threshold_docs: String,
    pub(super) complete: bool,
    pub(super) top_sentences: Vec<FrequentRow>,
    /// The whole-document 8-grams, shown when they differ in scope from `top_8grams`.
    pub(super) whole_8grams: Option<Vec<FrequentRow>>,
    pub(super) gain: Option<String>,
    pub(super) predict_note: String,
    pub(super) facts: Vec<FactRow>,
    /// How much of the long documents their facts fill, when known.
    pub(super) long_facts: Option<String>,
}

#[derive(Serialize)]
pub(super) struct FactRow {
    pub(super) fact: String,
    pub(super) documents: String,
    pub(super) distinct: String,
    pub(super) top_share: String,
    pub(super) top_text: String,
}

pub(super) fn realism_view(r: &Report) -> RealismView {
    let z = &r.realism;
    let c = &z.sentences;
    let p = &z.predictability;
    let predict_note = match (&p.gain, &p.note) {
        (_, Some(n)) => n.clone(),
        _ => format!(
            "zstd level {} on each of {} held-out documents (one in {}), {} bytes compressed without and {} with a {}-byte dictionary trained on {} other documents ({} bytes)",
            p.level,
            num(p.held_out_docs),
            p.held_out_stride,
            num(p.plain_bytes),
            num(p.dictionary_compressed_bytes),
            num(p.dictionary_bytes),
            num(p.training_docs),
            num(p.training_bytes)
        ),
    };
    RealismView {
        repetition: pct(z.sentence_repetition),
        occurrences: num(c.occurrences),
        repeated: num(c.repeated_occurrences),
        min_words: c.min_words,
        threshold_share: pct(c.threshold_share),
        threshold_docs: num(c.threshold_docs),
        complete: c.complete,
        top_sentences: frequent_rows(&z.top_sentences),
        whole_8grams: (r.diversity.top_8grams_scope != "whole documents")
            .then(|| frequent_rows(&r.diversity.top_8grams_whole)),
        gain: p.gain.map(|g| format!("{g:.2}×")),
        predict_note,
        facts: (z.fact_diversity.iter())
            .map(|f| FactRow {
                fact: f.fact.clone(),
                documents: num(f.documents),
                distinct: num(f.distinct_renderings),
                top_share: pct(f.top_share),
                top_text: f.top_text.clone(),
            })
            .collect(),
        long_facts: (z.long_doc_facts.as_ref()).map(|l| {
            format!(
                "a median {} of the words of the {} documents over {} words ({} of all their words)",
                pct(l.median_share),
                num(l.documents),
                l.min_words,
                pct(l.overall_share)
            )
        }),
    }
}
