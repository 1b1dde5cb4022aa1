//! How much of a matched LLM pair changed outside the edited facts: a word diff between the
//! base document and its edit, where words in sentences that carry an edited fact (by the
//! fact's detect rules, in either text) do not count. Used by `ingest` (`pairs_max_change`)
//! and by `pairs` on ingested corpora.

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
}

/// Byte ranges of the sentences of `text` that hold a match of a rule of `facts`.
fn fact_sentences(rules: &Rules, facts: &[&str], text: &str) -> Vec<(usize, usize)> {
    let hits = rules.scan(text);
    let spans: Vec<(usize, usize)> = hits
        .facts
        .iter()
        .filter(|(i, _)| facts.contains(&rules.facts[*i].id.as_str()))
        .flat_map(|(_, s)| s.iter().copied())
        .collect();
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
                if side.is_some() {
                    c.changed += 1;
                    let at = pos[s];
                    if !masks[s].iter().any(|&(a, b)| a <= at && at < b) {
                        c.outside += 1;
                    }
                }
            }
            pos[s] += v.len();
        }
    }
    c
}
