//! How much of a matched LLM pair changed outside the edited facts: a word diff between the
//! base document and its edit, where words in sentences that carry an edited fact (by the
//! fact's detect, implied_detect or piece rules, in either text) do not count. Used by `ingest` (`pairs_max_change`)
//! and by `pairs` on ingested corpora. A frame edit adds the frame around the document, so
//! it is measured by the base's words it removed or replaced, not by the words it added.

use super::brief::Edit;
use crate::rules::Rules;
use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Change {
    /// Words of both texts (base + edit).
    pub words: usize,
    /// Words removed or added outside the sentences of the edited facts.
    pub outside: usize,
    /// Words removed or added in all.
    pub changed: usize,
    /// Words of the base text.
    pub base_words: usize,
    /// Words of the base removed (or replaced) outside the sentences of the edited facts.
    pub removed_outside: usize,
}

impl Change {
    /// The share of words changed outside the edited facts.
    pub fn share(&self) -> f64 {
        if self.words == 0 {
            0.0
        } else {
            self.outside as f64 / self.words as f64
        }
    }

    /// The share of the base's words removed or replaced outside the edited facts: the
    /// measure for a `frame` edit, which wraps the document (adds words) but must keep it.
    pub fn removed_share(&self) -> f64 {
        if self.base_words == 0 {
            0.0
        } else {
            self.removed_outside as f64 / self.base_words as f64
        }
    }

    /// The measure for an edit: [`Change::removed_share`] for a frame edit, else
    /// [`Change::share`].
    pub fn share_for(&self, frame: bool) -> f64 {
        if frame {
            self.removed_share()
        } else {
            self.share()
        }
    }
}

/// The ids whose sentences an edit may change: each changed fact's, and its piece's.
pub fn edited_ids(edit: &Edit) -> Vec<&str> {
    edit.changes
        .iter()
        .flat_map(|c| c.from.iter().chain(&c.to))
        .flat_map(|f| std::iter::once(f.id.as_str()).chain(f.piece.as_deref()))
        .collect()
}

/// Byte ranges of the sentences of `text` that hold a match of a rule of `facts`: a fact's
/// stated `detect`, its `implied_detect`, or a piece's rule (by piece id).
fn fact_sentences(rules: &Rules, facts: &[&str], text: &str) -> Vec<(usize, usize)> {
    let hits = rules.scan(text);
    let mut spans: Vec<(usize, usize)> = hits
        .facts
        .iter()
        .filter(|(i, _)| facts.contains(&rules.facts[*i].id.as_str()))
        .flat_map(|(_, s)| s.iter().copied())
        .collect();
    for (piece, list, found) in [
        (false, &rules.implied, &hits.implied),
        (true, &rules.pieces, &hits.pieces),
    ] {
        for &i in found
            .iter()
            .filter(|&&i| facts.contains(&list[i].id.as_str()))
        {
            spans.extend(rules.form_spans(piece, i, text));
        }
    }
    let bounds = sentence_bounds(text);
    bounds
        .into_iter()
        .filter(|&(a, b)| spans.iter().any(|&(s, e)| s < b && e > a))
        .collect()
}

fn sentence_bounds(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        let end = matches!(b[i], b'.' | b'!' | b'?')
            && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace())
            || b[i] == b'\n';
        if end {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

/// The change from `base` to `edit` outside the sentences of `facts`.
pub fn outside(rules: &Rules, facts: &[&str], base: &str, edit: &str) -> Change {
    let masks = [
        fact_sentences(rules, facts, base),
        fact_sentences(rules, facts, edit),
    ];
    let diff = TextDiff::from_words(base, edit);
    let mut c = Change::default();
    let mut pos = [0usize, 0usize];
    for ch in diff.iter_all_changes() {
        let v = ch.value();
        let side = match ch.tag() {
            ChangeTag::Delete => Some(0),
            ChangeTag::Insert => Some(1),
            ChangeTag::Equal => None,
        };
        let is_word = !v.trim().is_empty();
        let sides: &[usize] = match side {
            Some(0) => &[0],
            Some(_) => &[1],
            None => &[0, 1],
        };
        for &s in sides {
            if is_word {
                c.words += 1;
                c.base_words += usize::from(s == 0);
                if side.is_some() {
                    c.changed += 1;
                    let at = pos[s];
                    if !masks[s].iter().any(|&(a, b)| a <= at && at < b) {
                        c.outside += 1;
                        c.removed_outside += usize::from(s == 0);
                    }
                }
            }
            pos[s] += v.len();
        }
    }
    c
}
