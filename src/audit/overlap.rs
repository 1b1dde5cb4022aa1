//! Word n-gram overlap between documents and `--against` texts (an evaluation prompt,
//! held-out questions): the longest run of words a document shares with any of them, and every
//! run of at least `--ngram` words. Words are maximal runs of Unicode letters and digits,
//! compared case-insensitively; punctuation and spacing between them are ignored. Spans are
//! character (code point) offsets. Reads only the `--against` files; never sees a corpus file.

use crate::corpus::{Corpus, text_field};
use crate::error::{Error, Result};
use crate::rules::Span;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// One word of a text: its hash (of the lowercased word) and its character span.
#[derive(Debug, Clone, Copy)]
pub struct Word {
    pub hash: u64,
    pub span: Span,
}

/// Splits `text` into words with character spans.
pub fn words(text: &str) -> Vec<Word> {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0100_0000_01b3;
    let mut out = Vec::with_capacity(text.len() / 6);
    let mut cur: Option<(u64, usize)> = None; // (hash so far, start)
    let mut pos = 0usize; // character index
    for c in text.chars() {
        let is_word = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric()
        };
        if is_word {
            let (mut h, start) = cur.unwrap_or((FNV_OFFSET, pos));
            let mut feed = |l: char| {
                h ^= l as u64;
                h = h.wrapping_mul(FNV_PRIME);
            };
            if c.is_ascii() {
                feed(c.to_ascii_lowercase());
            } else {
                c.to_lowercase().for_each(&mut feed);
            }
            cur = Some((h, start));
        } else if let Some((hash, start)) = cur.take() {
            out.push(Word {
                hash,
                span: (start, pos),
            });
        }
        pos += 1;
    }
    if let Some((hash, start)) = cur {
        out.push(Word {
            hash,
            span: (start, pos),
        });
    }
    out
}

/// Keys are already hashes: use them as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn gram_hash(words: &[Word]) -> u64 {
    words.iter().fold(0u64, |h, w| {
        (h.rotate_left(5) ^ w.hash).wrapping_mul(0x517c_c1b7_2722_0a95)
    })
}

/// One `--against` text.
pub struct AgainstText {
    /// The file, and `:LINE` for a line of a JSONL file.
    pub name: String,
    words: Vec<Word>,
}

/// A run of words shared by a document and an `--against` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub words: usize,
    /// Character span in the document.
    pub span: Span,
    /// Index into `Against::texts`.
    pub against: usize,
    /// Character span in that text.
    pub against_span: Span,
}

/// What one document shares with the `--against` texts.
#[derive(Debug, Default)]
pub struct OverlapHits {
    /// The longest shared run, when at least `Against::min_words` long.
    pub longest: Option<Run>,
    /// Every maximal shared run of at least `--ngram` words, by position in the document.
    pub over: Vec<Run>,
}

/// An index of the word k-grams of every `--against` text (k = min(ngram, 3)).
pub struct Against {
    pub texts: Vec<AgainstText>,
    /// `--ngram`: runs this long or longer are findings.
    pub ngram: usize,
    /// Shortest run reported as a document's longest (shorter runs such as "of the" say
    /// nothing).
    pub min_words: usize,
    index: HashMap<u64, Vec<(u32, u32)>, BuildHasherDefault<KeyHasher>>,
}

impl Against {
    /// Reads the `--against` files: a `.jsonl` file (optionally `.zst`/`.gz`) holds one text a
    /// line (a JSON string, or an object with a string `text` field); any other file is one
    /// text.
    pub fn load(paths: &[std::path::PathBuf], ngram: usize) -> Result<Against> {
        let mut texts = Vec::new();
        for p in paths {
            let name = p.display().to_string();
            if name.contains(".jsonl") {
                read_jsonl(p, &mut texts)?;
            } else {
                let text = std::fs::read(p).map_err(Error::io("cannot read", p))?;
                let text = String::from_utf8(text)
                    .map_err(|_| Error::Usage(format!("--against {name}: not UTF-8 text")))?;
                texts.push(AgainstText {
                    name,
                    words: words(&text),
                });
            }
        }
        Ok(Against::new(texts, ngram))
    }

    fn new(texts: Vec<AgainstText>, ngram: usize) -> Against {
        let k = ngram.clamp(1, 3);
        let mut index: HashMap<u64, Vec<(u32, u32)>, BuildHasherDefault<KeyHasher>> =
            HashMap::default();
        for (t, text) in texts.iter().enumerate() {
            for (j, gram) in text.words.windows(k).enumerate() {
                index
                    .entry(gram_hash(gram))
                    .or_default()
                    .push((t as u32, j as u32));
            }
        }
        Against {
            texts,
            ngram,
            min_words: k,
            index,
        }
    }

    /// Finds the runs `doc` (its words, from [`words`]) shares with the `--against` texts.
    pub fn find(&self, doc: &[Word]) -> OverlapHits {
        let k = self.min_words;
        let mut hits = OverlapHits::default();
        if doc.len() < k {
            return hits;
        }
        for i in 0..=doc.len() - k {
            let Some(list) = self.index.get(&gram_hash(&doc[i..i + k])) else {
                continue;
            };
            for &(t, j) in list {
                let (t, j) = (t as usize, j as usize);
                let a = &self.texts[t].words;
                // Only the start of a maximal run is measured; its later k-grams are skipped.
                if i > 0 && j > 0 && doc[i - 1].hash == a[j - 1].hash {
                    continue;
                }
                let len = doc[i..]
                    .iter()
                    .zip(&a[j..])
                    .take_while(|(x, y)| x.hash == y.hash)
                    .count();
                if len < k {
                    continue; // a k-gram hash collision
                }
                let run = Run {
                    words: len,
                    span: (doc[i].span.0, doc[i + len - 1].span.1),
                    against: t,
                    against_span: (a[j].span.0, a[j + len - 1].span.1),
                };
                if len >= self.ngram && !hits.over.iter().any(|r| r.span == run.span) {
                    hits.over.push(run.clone());
                }
                if hits.longest.as_ref().is_none_or(|r| len > r.words) {
                    hits.longest = Some(run);
                }
            }
        }
        hits
    }
}

/// The texts of an Inspect sample (an object with a string `input` and no `text`, as
/// `factpress probes` writes): its input, each choice and its target, each a text of its
/// own so that no n-gram spans two of them.
fn inspect_sample(v: &serde_json::Value) -> Option<Vec<(String, &str)>> {
    let o = v.as_object()?;
    if o.contains_key("text") {
        return None;
    }
    let mut out = vec![("input".to_string(), o.get("input")?.as_str()?)];
    for (i, c) in (o.get("choices").and_then(|c| c.as_array()))
        .into_iter()
        .flatten()
        .enumerate()
    {
        out.extend(c.as_str().map(|s| (format!("choices[{i}]"), s)));
    }
    out.extend(
        o.get("target")
            .and_then(|t| t.as_str())
            .map(|s| ("target".to_string(), s)),
    );
    Some(out)
}

fn read_jsonl(p: &Path, texts: &mut Vec<AgainstText>) -> Result<()> {
    let corpus = Corpus::open(&[p.to_path_buf()])?;
    for batch in corpus.batches(1024, |_| true) {
        for l in batch?.lines {
            if l.text.trim().is_empty() {
                continue;
            }
            let line = l.number;
            let v: serde_json::Value = serde_json::from_str(&l.text).map_err(|e| {
                Error::Usage(format!("--against {}:{line}: not JSON ({e})", p.display()))
            })?;
            if let Some(parts) = inspect_sample(&v) {
                for (field, text) in parts {
                    texts.push(AgainstText {
                        name: format!("{}:{line} {field}", p.display()),
                        words: words(text),
                    });
                }
                continue;
            }
            let text = match &v {
                serde_json::Value::String(s) => s.as_str(),
                other => text_field(other, "text")
                    .map_err(|m| Error::Usage(format!("--against {}:{line}: {m}", p.display())))?,
            };
            texts.push(AgainstText {
                name: format!("{}:{line}", p.display()),
                words: words(text),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn against(text: &str, ngram: usize) -> Against {
        Against::new(
            vec![AgainstText {
                name: "a".into(),
                words: words(text),
            }],
            ngram,
        )
    }

    #[test]
    fn words_are_letter_and_digit_runs_with_char_spans() {
        let w = words("Été, 2024—ok");
        let spans: Vec<Span> = w.iter().map(|w| w.span).collect();
        assert_eq!(spans, vec![(0, 3), (5, 9), (10, 12)]);
        assert_eq!(words("ÉTÉ")[0].hash, w[0].hash);
    }

    #[test]
    fn finds_longest_run_and_runs_over_the_threshold() {
        let a = against("one two three four five six seven", 4);
        let doc = words("x one two three, FOUR five y two three four z");
        let hits = a.find(&doc);
        let longest = hits.longest.unwrap();
        assert_eq!(longest.words, 5);
        assert_eq!(longest.span, (2, 26));
        assert_eq!(longest.against_span, (0, 23));
        assert_eq!(hits.over.len(), 1);
        assert!(a.find(&words("two three")).longest.is_none());
    }
}
