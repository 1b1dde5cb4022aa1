//! Sentence-level repetition: the sentence splitter and normaliser, and the per-document set
//! of distinct sentences that pass 1 sketches (Misra–Gries, [`COUNTERS`] counters) and pass 2
//! counts exactly for the candidates. Templated corpora repeat whole sentences across
//! documents far more than real text does: on 2,225 news articles 0.12 % of sentence
//! occurrences belong to a sentence found in ≥ 0.25 % of the articles; templated corpora
//! score 30–40 %. Pure functions; no I/O.
//!
//! A sentence ends at `.`, `!`, `?` or `…` (with any further terminal marks and closing quotes
//! or brackets after it) followed by whitespace or the end of the line, at `。`, `！` or `？`
//! (no space needed), and at every line break. So `He said: "Stop." Then` splits after
//! `Stop."`, while `3.5 percent` and `e.g.,x` do not split; an abbreviation followed by a
//! space (`Dr. Okafor`) does (a simple splitter, the same for every corpus).

use std::collections::{HashMap, HashSet};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Sentences shorter than this (in whitespace-separated words) are not counted: headings,
/// datelines and short quotes repeat in real text too.
pub const MIN_WORDS: usize = 6;
/// A sentence is *repeated* when it is in at least this share of the documents (and in at
/// least [`MIN_DOCS`] documents).
pub const DOC_SHARE: f64 = 0.0025;
/// The least documents a repeated sentence is in, whatever the corpus size.
pub const MIN_DOCS: u64 = 2;
/// Misra–Gries counters for sentences: a sentence in more than M/(COUNTERS+1) of the M
/// counted occurrences is guaranteed a candidate, so every sentence in ≥ 0.25 % of the
/// documents is one while documents average at most 0.0025 × 32,769 ≈ 81 distinct counted
/// sentences.
pub const COUNTERS: usize = 32_768;
/// The summary prunes back to `COUNTERS` only once it holds twice as many.
pub const PRUNE_ABOVE: usize = 2 * COUNTERS;
/// Candidates also include this many of the strongest counters, for the top list.
pub const TOP_CANDIDATES: usize = 256;
/// Characters of a sentence kept for the report.
pub const TEXT_CHARS: usize = 300;

const SEED: u64 = 0x7365_6e74_656e_6365; // "sentence"

/// Documents a sentence must be in to count as repeated: max(2, ⌈0.0025 × documents⌉).
pub fn threshold_docs(documents: u64) -> u64 {
    ((DOC_SHARE * documents as f64).ceil() as u64).max(MIN_DOCS)
}

const TERMINAL: [char; 4] = ['.', '!', '?', '…'];
/// Terminal marks that end a sentence with no space after them (CJK full stops).
const TERMINAL_WIDE: [char; 3] = ['。', '！', '？'];
const CLOSING: [char; 9] = ['"', '\'', '”', '’', ')', ']', '»', '」', '』'];
const OPENING: [char; 9] = ['"', '\'', '“', '‘', '(', '[', '«', '「', '『'];

/// The sentences of `text`, as slices, in order (untrimmed pieces with no text are left out).
pub fn split(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let mut chars = line.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            let wide = TERMINAL_WIDE.contains(&c);
            if !(wide || TERMINAL.contains(&c)) {
                continue;
            }
            // Further terminal marks and closing quotes or brackets belong to the sentence.
            while let Some(&(_, n)) = chars.peek() {
                if TERMINAL.contains(&n) || TERMINAL_WIDE.contains(&n) || CLOSING.contains(&n) {
                    chars.next();
                } else {
                    break;
                }
            }
            let end = chars.peek().map_or(line.len(), |&(i, _)| i);
            if wide || chars.peek().is_none_or(|&(_, n)| n.is_whitespace()) {
                push(&mut out, &line[start..end]);
                start = end;
            }
        }
        push(&mut out, &line[start..]);
    }
    out
}

fn push<'t>(out: &mut Vec<&'t str>, s: &'t str) {
    if !s.trim().is_empty() {
        out.push(s);
    }
}

/// A sentence as counted: lowercased, whitespace runs collapsed to one space, and opening
/// quotes or brackets at its start and closing ones at its end stripped (with the spaces
/// between them), so `"The sky is green."` and `the sky  is green.` are one sentence.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    let trimmed = out
        .trim_start_matches(|c: char| OPENING.contains(&c) || c == ' ')
        .trim_end_matches(|c: char| CLOSING.contains(&c) || c == ' ');
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

pub fn hash(normalised: &str) -> u64 {
    xxh3_64_with_seed(normalised.as_bytes(), SEED)
}

/// The distinct counted sentences of a document (at least [`MIN_WORDS`] words), each once,
/// as (hash, normalised text), in order of first appearance.
pub fn distinct(text: &str) -> Vec<(u64, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for s in split(text) {
        let n = normalise(s);
        if n.split(' ').count() >= MIN_WORDS && seen.insert(hash(&n)) {
            out.push((hash(&n), n));
        }
    }
    out
}

/// Exact document frequencies of the candidate sentences over some documents (pass 2), with
/// the text of each from its first occurrence.
#[derive(Default)]
pub struct Counted {
    pub docs: HashMap<u64, u64>,
    pub texts: HashMap<u64, String>,
}

impl Counted {
    /// Counts the candidates among one document's distinct sentences.
    pub fn add(&mut self, candidates: &HashSet<u64>, sentences: Vec<(u64, String)>) {
        for (h, s) in sentences {
            if candidates.contains(&h) {
                *self.docs.entry(h).or_default() += 1;
                self.texts
                    .entry(h)
                    .or_insert_with(|| s.chars().take(TEXT_CHARS).collect());
            }
        }
    }

    /// Adds the counts of later documents (texts: the earlier first occurrence wins).
    pub fn merge(&mut self, o: Counted) {
        for (h, c) in o.docs {
            *self.docs.entry(h).or_default() += c;
        }
        for (h, t) in o.texts {
            self.texts.entry(h).or_insert(t);
        }
    }

    /// Occurrences of the sentences in at least `min_docs` documents (each a document that
    /// holds it): the numerator of `sentence_repetition`.
    pub fn repeated_occurrences(&self, min_docs: u64) -> u64 {
        self.docs.values().filter(|&&c| c >= min_docs).sum()
    }

    /// The `n` sentences in most documents, (text, documents), ties by text.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = (self.docs.iter())
            .map(|(h, &c)| (self.texts.get(h).cloned().unwrap_or_default(), c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_terminal_marks_and_line_breaks() {
        assert_eq!(
            split("One two. Three four! Five six? Seven\nEight nine"),
            [
                "One two.",
                " Three four!",
                " Five six?",
                " Seven",
                "Eight nine"
            ]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        let s = split(r#"He said: "We will stop." Then (quietly.) he left..."#);
        assert_eq!(
            s,
            [
                r#"He said: "We will stop.""#,
                " Then (quietly.)",
                " he left..."
            ]
        );
        assert_eq!(split("“Really?” she asked."), ["“Really?”", " she asked."]);
    }

    #[test]
    fn no_split_inside_numbers_or_without_a_space() {
        assert_eq!(
            split("It rose 3.5 percent (e.g.,x) today."),
            ["It rose 3.5 percent (e.g.,x) today."]
        );
        assert_eq!(
            split("Prix à 3,5 €. Ça monte…  Déjà"),
            ["Prix à 3,5 €.", " Ça monte…", "  Déjà"]
        );
        assert_eq!(
            split("東京は晴れ。大阪は雨！"),
            ["東京は晴れ。", "大阪は雨！"]
        );
        assert!(split("  \n\n ").is_empty());
    }

    #[test]
    fn normalising_lowercases_collapses_and_strips_quotes() {
        assert_eq!(normalise("  \"The  Sky\tIS green.\" "), "the sky is green.");
        assert_eq!(normalise("“Ÿes,” she said. ”"), "ÿes,” she said.");
        assert_eq!(normalise("\"\""), "");
    }

    #[test]
    fn distinct_counts_a_sentence_once_and_skips_short_ones() {
        let d = distinct(
            "The board met on Monday to vote. Short one. \"The board met on Monday to vote.\"\nthe BOARD met on monday to vote.",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1, "the board met on monday to vote.");
    }

    #[test]
    fn threshold_is_a_share_with_a_floor() {
        assert_eq!(threshold_docs(40), 2);
        assert_eq!(threshold_docs(4000), 10);
        assert_eq!(threshold_docs(4001), 11);
        assert_eq!(threshold_docs(2225), 6);
    }
}
