//! Token counting: OpenAI's `cl100k_base` and `o200k_base` BPE vocabularies (from the
//! `tiktoken-rs` crate, which compiles the vocabulary files into the binary, so nothing is
//! fetched at run time) or plain whitespace-separated words. Also the word splitting that the
//! diversity measures share. Pure functions; no I/O.

use serde::{Deserialize, Serialize};
use tiktoken_rs::CoreBPE;

/// Which tokenizer counts tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TokenizerKind {
    /// OpenAI cl100k_base (GPT-4, GPT-3.5).
    #[default]
    Cl100k,
    /// OpenAI o200k_base (GPT-4o and later).
    O200k,
    /// Whitespace-separated words.
    Words,
}

impl TokenizerKind {
    pub const ALL: [TokenizerKind; 3] = [
        TokenizerKind::Cl100k,
        TokenizerKind::O200k,
        TokenizerKind::Words,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TokenizerKind::Cl100k => "cl100k",
            TokenizerKind::O200k => "o200k",
            TokenizerKind::Words => "words",
        }
    }
}

/// A ready tokenizer; cheap to share between threads.
#[derive(Clone, Copy)]
pub struct Tokenizer {
    bpe: Option<&'static CoreBPE>,
}

impl Tokenizer {
    /// Loads the vocabulary (once per process; about a second for the BPE ones).
    pub fn new(kind: TokenizerKind) -> Tokenizer {
        let bpe = match kind {
            TokenizerKind::Cl100k => Some(tiktoken_rs::cl100k_base_singleton()),
            TokenizerKind::O200k => Some(tiktoken_rs::o200k_base_singleton()),
            TokenizerKind::Words => None,
        };
        Tokenizer { bpe }
    }

    /// Tokens in `text`, with special-token strings such as `<|endoftext|>` counted as
    /// ordinary text (a training pipeline would not treat document text as control tokens).
    pub fn count(&self, text: &str) -> u64 {
        match self.bpe {
            Some(bpe) => bpe.encode_ordinary(text).len() as u64,
            None => whitespace_words(text),
        }
    }
}

/// Whitespace-separated words: the `words` tokenizer and the `words` size column.
pub fn whitespace_words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// The normalised words that shingles and n-grams are built from: maximal runs of letters and
/// digits (an apostrophe between two letters stays inside a word), lowercased.
pub fn norm_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if (c == '\'' || c == '’')
            && !cur.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            cur.push('\'');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_punctuation_and_lowercase() {
        assert_eq!(
            norm_words("Halcyon-3's rater, (paid) tier!"),
            ["halcyon", "3's", "rater", "paid", "tier"]
        );
        assert_eq!(whitespace_words("  a  b\nc\t"), 3);
    }
}
