//! `factpress pairs`: compares document i of two matched conditions (two corpus folders, or
//! one folder with two conditions). Each document pair is diffed word by word; every changed
//! word must lie inside the text of a fact that differs between the two (replaced or dropped).
//! Anything else is an error. Read-only: re-renders the fact texts from each corpus's own
//! `source/`, never writes.

use crate::corpus::{Corpus, Source, text_field};
use crate::error::{Error, Result};
use crate::observe::Observer;
use crate::plan::{DocPlan, plan_doc};
use crate::render::{Rendered, doc_id};
use rayon::prelude::*;
use similar::{Algorithm, DiffTag, capture_diff_slices};
use std::ops::Range;
use std::path::Path;

/// Document pairs compared together (rendered and diffed in parallel).
const PAIR_BATCH: usize = 512;

/// One side of a comparison: a corpus folder and one of its conditions.
pub struct Side {
    pub corpus: Corpus,
    pub condition: String,
    source: Source,
    cond_index: usize,
}

impl Side {
    pub fn open(corpus: Corpus, condition: String) -> Result<Side> {
        corpus.require_condition(&condition)?;
        let source = corpus.source()?;
        let cond_index = source
            .condition_index(&condition)
            .expect("manifest conditions come from the spec");
        Ok(Side {
            corpus,
            condition,
            source,
            cond_index,
        })
    }

    fn family(&self) -> &str {
        crate::plan::family(&self.source.selection.spec, self.cond_index)
    }

    fn seed(&self) -> u64 {
        self.source.selection.seed
    }

    /// This condition's records, in index order, as document texts. Every record is needed
    /// to keep the pairs aligned, so a malformed line is an error here (named by file:line).
    fn texts(&self) -> impl Iterator<Item = Result<String>> + '_ {
        let field = self.corpus.default_text_field();
        let files = self.corpus.files();
        self.corpus
            .batches(PAIR_BATCH, |f| {
                f.condition.as_deref() == Some(&self.condition)
            })
            .flat_map(move |b| match b {
                Ok(b) => b.lines.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
            .map(move |l| {
                let l = l?;
                let bad = |message: String| Error::Corrupt {
                    path: files[l.file].path.clone(),
                    message: format!("line {}: {message}", l.number),
                };
                let v: serde_json::Value =
                    serde_json::from_str(&l.text).map_err(|e| bad(e.to_string()))?;
                text_field(&v, field).map(str::to_string).map_err(bad)
            })
    }
}

/// The comparison of one document pair.
#[derive(Debug, Clone)]
pub struct PairResult {
    pub index: u64,
    pub words_a: usize,
    pub words_b: usize,
    /// Words deleted from A plus words inserted in B.
    pub changed: usize,
    /// Inline word diff: `[-removed-]{+added+}`.
    pub diff: String,
    /// What differs outside the changed facts (empty when the pair is matched).
    pub errors: Vec<String>,
    /// The facts that differ, as `a -> b` (or `a -> (dropped)`).
    pub changed_facts: Vec<String>,
}

impl PairResult {
    /// Share of words changed: (deleted + inserted) / (words in A + words in B).
    pub fn share(&self) -> f64 {
        let total = self.words_a + self.words_b;
        if total == 0 {
            0.0
        } else {
            self.changed as f64 / total as f64
        }
    }
}

/// Summary over all pairs.
#[derive(Debug, Clone)]
pub struct Summary {
    pub compared: u64,
    pub identical: u64,
    pub mean_share: f64,
    pub max_share: f64,
    pub max_index: u64,
    pub with_errors: u64,
}

/// Compares every document pair; calls `each` in index order (for printing).
pub fn compare(
    a: &Side,
    b: &Side,
    threads: usize,
    obs: &dyn Observer,
    mut each: impl FnMut(&PairResult),
) -> Result<Summary> {
    if a.seed() != b.seed() || a.family() != b.family() {
        obs.warn(&format!(
            "`{}` (seed {}, family `{}`) and `{}` (seed {}, family `{}`) do not share random streams; they are not matched corpora and most documents will differ",
            a.condition,
            a.seed(),
            a.family(),
            b.condition,
            b.seed(),
            b.family()
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Usage(e.to_string()))?;
    let n = a.source.selection.docs.min(b.source.selection.docs);
    let mut ta = a.texts();
    let mut tb = b.texts();
    obs.start("pairs", Some(n), "pairs");
    let mut sum = Summary {
        compared: 0,
        identical: 0,
        mean_share: 0.0,
        max_share: 0.0,
        max_index: 0,
        with_errors: 0,
    };
    let mut total_share = 0.0;
    let mut index = 0u64;
    while index < n {
        let mut batch = Vec::new();
        if obs.cancelled() {
            obs.finish();
            return Err(Error::Interrupted("interrupted".into()));
        }
        while batch.len() < PAIR_BATCH && index < n {
            let (x, y) = match (ta.next(), tb.next()) {
                (Some(x), Some(y)) => (x?, y?),
                _ => {
                    obs.finish();
                    return Err(Error::CheckFailed(format!(
                        "a corpus has fewer records than its manifest says (at index {index})"
                    )));
                }
            };
            batch.push((index, x, y));
            index += 1;
        }
        let results: Vec<Result<PairResult>> = pool.install(|| {
            batch
                .par_iter()
                .map(|(i, x, y)| compare_one(a, b, *i, x, y))
                .collect()
        });
        for r in results {
            let r = r?;
            sum.compared += 1;
            if r.changed == 0 {
                sum.identical += 1;
            }
            if !r.errors.is_empty() {
                sum.with_errors += 1;
            }
            let share = r.share();
            total_share += share;
            if share > sum.max_share {
                sum.max_share = share;
                sum.max_index = r.index;
            }
            each(&r);
        }
        obs.progress(index);
    }
    obs.finish();
    sum.mean_share = if sum.compared == 0 {
        0.0
    } else {
        total_share / sum.compared as f64
    };
    Ok(sum)
}

fn render(side: &Side, index: u64) -> Result<(DocPlan, Rendered)> {
    let sel = &side.source.selection;
    let plan = plan_doc(&sel.spec, sel.seed, side.cond_index, index);
    let doc = side.source.renderer.render_doc(&plan)?;
    Ok((plan, doc))
}

fn compare_one(a: &Side, b: &Side, index: u64, text_a: &str, text_b: &str) -> Result<PairResult> {
    let (plan_a, doc_a) = render(a, index)?;
    let (plan_b, doc_b) = render(b, index)?;
    let mut errors = Vec::new();
    for (side, doc, text) in [(a, &doc_a, text_a), (b, &doc_b, text_b)] {
        if doc.text != text {
            errors.push(format!("{}: the record is not what its source renders (corpus modified or not reproducible)", doc_id(&side.condition, index)));
        }
    }
    // Fact texts by slot, on each side.
    let by_slot = |plan: &DocPlan,
                   doc: &Rendered,
                   spec: &crate::spec::Spec|
     -> Vec<(usize, String, String)> {
        plan.facts
            .iter()
            .zip(&doc.facts)
            .map(|(c, t)| (c.slot, spec.facts[c.fact].id.clone(), t.clone()))
            .collect()
    };
    let fa = by_slot(&plan_a, &doc_a, &a.source.selection.spec);
    let fb = by_slot(&plan_b, &doc_b, &b.source.selection.spec);
    // A framed document is compared by the document inside its frame.
    let mut changed_facts = Vec::new();
    let inner =
        |side: &Side, plan: &DocPlan, doc: &Rendered, text: &'_ str| -> (String, Option<String>) {
            match (&doc.body, plan.frame) {
                (Some(r), Some(f)) if doc.text == text => (
                    text[r.clone()].to_string(),
                    Some(side.source.selection.spec.frames[f].id.clone()),
                ),
                _ => (text.to_string(), None),
            }
        };
    let (body_a, frame_a) = inner(a, &plan_a, &doc_a, text_a);
    let (body_b, frame_b) = inner(b, &plan_b, &doc_b, text_b);
    if frame_a != frame_b {
        let name = |f: &Option<String>| f.clone().unwrap_or_else(|| "(none)".into());
        changed_facts.push(format!("frame {} -> {}", name(&frame_a), name(&frame_b)));
    }
    // Canonical forms: each changed fact's text becomes a marker for its slot (or is removed
    // where the other side has no fact in that slot), whitespace runs become one space. The
    // pair is matched iff the canonical forms are equal — whatever alignment a diff picks.
    let mut canon_a = body_a;
    let mut canon_b = body_b;
    let marker = |slot: usize| format!(" \u{1}{slot}\u{1} ");
    for (slot, id, fact_a) in &fa {
        match fb.iter().find(|(s, ..)| s == slot) {
            Some((_, id_b, fact_b)) if id_b == id && fact_b == fact_a => {}
            Some((_, id_b, fact_b)) => {
                changed_facts.push(format!("{id} -> {id_b}"));
                canon_a = canon_a.replacen(fact_a.as_str(), &marker(*slot), 1);
                canon_b = canon_b.replacen(fact_b.as_str(), &marker(*slot), 1);
            }
            None => {
                changed_facts.push(format!("{id} -> (dropped)"));
                canon_a = canon_a.replacen(fact_a.as_str(), " ", 1);
            }
        }
    }
    for (slot, id, fact_b) in &fb {
        if !fa.iter().any(|(s, ..)| s == slot) {
            changed_facts.push(format!("(absent) -> {id}"));
            canon_b = canon_b.replacen(fact_b.as_str(), " ", 1);
        }
    }
    let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let (canon_a, canon_b) = (squash(&canon_a), squash(&canon_b));
    if canon_a != canon_b {
        let (ca, cb) = (words(&canon_a), words(&canon_b));
        let ta: Vec<&str> = ca.iter().map(|r| &canon_a[r.clone()]).collect();
        let tb: Vec<&str> = cb.iter().map(|r| &canon_b[r.clone()]).collect();
        for op in capture_diff_slices(Algorithm::Myers, &ta, &tb) {
            let (tag, ra, rb) = op.as_tag_tuple();
            if tag != DiffTag::Equal {
                errors.push(format!(
                    "{} / {}: text differs outside the changed facts: [-{}-] {{+{}+}}",
                    doc_id(&a.condition, index),
                    doc_id(&b.condition, index),
                    ta[ra].join(" "),
                    tb[rb].join(" ")
                ));
            }
        }
    }

    let (changed, diff) = word_diff(text_a, text_b);
    Ok(PairResult {
        index,
        words_a: words(text_a).len(),
        words_b: words(text_b).len(),
        changed,
        diff,
        errors,
        changed_facts,
    })
}

/// The displayed inline diff of two documents and the number of words changed (deleted
/// plus inserted), on the documents themselves.
fn word_diff(text_a: &str, text_b: &str) -> (usize, String) {
    let wa = words(text_a);
    let wb = words(text_b);
    let sa: Vec<&str> = wa.iter().map(|r| &text_a[r.clone()]).collect();
    let sb: Vec<&str> = wb.iter().map(|r| &text_b[r.clone()]).collect();
    let mut changed = 0;
    let mut diff = String::new();
    for op in &capture_diff_slices(Algorithm::Myers, &sa, &sb) {
        let (tag, ra, rb) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            push_span(&mut diff, text_a, &wa, ra, false);
            continue;
        }
        changed += ra.len() + rb.len();
        if !ra.is_empty() {
            diff.push_str("[-");
            push_span(&mut diff, text_a, &wa, ra.clone(), true);
            diff.push_str("-]");
        }
        if !rb.is_empty() {
            diff.push_str("{+");
            push_span(&mut diff, text_b, &wb, rb.clone(), true);
            diff.push_str("+}");
        }
        // The spacing that followed the changed tokens in the document.
        diff.push_str(if rb.is_empty() {
            gap(text_a, &wa, ra.end)
        } else {
            gap(text_b, &wb, rb.end)
        });
    }
    (changed, diff.trim_end().to_string())
}

/// Byte ranges of the tokens of `text`: runs of letters and digits, and single punctuation
/// marks, so that a fact ending in "refuse." inside a template's "[…]" compares as
/// `refuse` `.` `]` and only the fact's own tokens change.
fn words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, ch) in text.char_indices() {
        if ch.is_alphanumeric() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            out.push(s..i);
        }
        if !ch.is_whitespace() {
            out.push(i..i + ch.len_utf8());
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// Appends tokens `range` of `text` with their original spacing; `inner` leaves out the
/// spacing after the last one (it goes after the closing marker instead).
fn push_span(
    out: &mut String,
    text: &str,
    tokens: &[Range<usize>],
    range: Range<usize>,
    inner: bool,
) {
    if range.is_empty() {
        return;
    }
    let start = tokens[range.start].start;
    let end = if inner {
        tokens[range.end - 1].end
    } else {
        tokens.get(range.end).map_or(text.len(), |t| t.start)
    };
    out.push_str(&text[start..end]);
}

/// The spacing between token `i - 1` and token `i` (or the end of the text).
fn gap<'t>(text: &'t str, tokens: &[Range<usize>], i: usize) -> &'t str {
    let from = tokens[i - 1].end;
    let to = tokens.get(i).map_or(text.len(), |t| t.start);
    &text[from..to]
}

/// Opens the two sides named on the command line: `pairs A B` (each folder's only condition
/// unless named), or `pairs A --condition-a X --condition-b Y` (one folder, two conditions).
pub fn open_sides(
    a: &Path,
    b: Option<&Path>,
    cond_a: Option<&str>,
    cond_b: Option<&str>,
) -> Result<(Side, Side)> {
    let ca_corpus = Corpus::open_folder(a)?;
    let b_dir = b.unwrap_or(a);
    let cb_corpus = match b {
        Some(dir) => Corpus::open_folder(dir)?,
        None => ca_corpus.clone(),
    };
    let only = |c: &Corpus, dir: &Path, which: &str| -> Result<String> {
        match c.conditions().as_slice() {
            [one] => Ok(one.to_string()),
            cs => Err(Error::Usage(format!(
                "{} has {} conditions ({}); name one with --condition-{which}",
                dir.display(),
                cs.len(),
                cs.join(", ")
            ))),
        }
    };
    let ca = match cond_a {
        Some(c) => c.to_string(),
        None => only(&ca_corpus, a, "a")?,
    };
    let cb = match cond_b {
        Some(c) => c.to_string(),
        None if b.is_some() => only(&cb_corpus, b_dir, "b")?,
        None => {
            return Err(Error::Usage(
                "with one corpus folder, name both conditions: --condition-a X --condition-b Y"
                    .into(),
            ));
        }
    };
    Ok((Side::open(ca_corpus, ca)?, Side::open(cb_corpus, cb)?))
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn tokens_split_words_from_punctuation() {
        let t = "[He said: never refuse.] Don't";
        let w: Vec<&str> = words(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            w,
            vec![
                "[", "He", "said", ":", "never", "refuse", ".", "]", "Don", "'", "t"
            ]
        );
    }
}
