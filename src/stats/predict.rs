//! Predictability: how much a zstd dictionary trained on the rest of a corpus shrinks
//! held-out documents of it. Templated documents share long literal runs that a dictionary
//! captures, so they compress far better with one (2.4–2.7× on templated corpora; 1.32× on
//! 2,225 real news articles). Owns the choice of the held-out and training documents (by
//! position within the group, no randomness), the bounded buffers that collect their texts in
//! pass 2, and the measurement. Deterministic: the samples are the same for any `--threads`,
//! and zstd trains a dictionary single-threaded (`ZDICT_trainFromBuffer`, fastCover with no
//! worker threads), so the same samples give the same dictionary.

use super::overuse::round6;
use super::report::Predictability;
use super::scan::Loc;
use std::collections::HashMap;

/// Every `stride`-th document is held out, stride = max(10, ⌈documents / 500⌉) ...
pub const MIN_STRIDE: u64 = 10;
/// ... so at most 500 documents are held out, spread over the whole group ...
pub const MAX_HELD_OUT: u64 = 500;
/// ... and at most this many bytes of them (the rest are left out).
pub const HELD_OUT_BYTES: usize = 8 << 20;
/// Training: the first 4,000 documents that are not held out ...
pub const TRAIN_DOCS: u64 = 4_000;
/// ... up to this many bytes (the first document that does not fit ends the training set).
pub const TRAIN_BYTES: usize = 16 << 20;
/// Capacity of the trained dictionary (zstd's default, 110 KiB).
pub const DICT_BYTES: usize = 112_640;
/// zstd level of both compressions.
pub const LEVEL: i32 = 3;

/// Which documents pass 2 fetches: place -> held out (true) or training (false).
pub fn choose(locs: &[Loc]) -> (u64, HashMap<Loc, bool>) {
    let n = locs.len() as u64;
    let stride = n.div_ceil(MAX_HELD_OUT).max(MIN_STRIDE);
    let mut wanted = HashMap::new();
    let mut train = 0;
    for (p, &loc) in locs.iter().enumerate() {
        let held = (p as u64 + 1) % stride == 0;
        if held {
            wanted.insert(loc, true);
        } else if train < TRAIN_DOCS {
            train += 1;
            wanted.insert(loc, false);
        }
    }
    (stride, wanted)
}

/// The texts of the chosen documents, added in input order within their budgets.
pub struct Samples {
    stride: u64,
    train: Vec<u8>,
    train_sizes: Vec<usize>,
    train_full: bool,
    held: Vec<String>,
    held_bytes: usize,
    held_full: bool,
}

impl Samples {
    pub fn new(stride: u64) -> Samples {
        Samples {
            stride,
            train: Vec::new(),
            train_sizes: Vec::new(),
            train_full: false,
            held: Vec::new(),
            held_bytes: 0,
            held_full: false,
        }
    }

    /// Adds one chosen document (documents must come in input order).
    pub fn add(&mut self, held: bool, text: String) {
        if held {
            if self.held_full || self.held_bytes + text.len() > HELD_OUT_BYTES {
                self.held_full = true;
                return;
            }
            self.held_bytes += text.len();
            self.held.push(text);
        } else {
            if self.train_full || self.train.len() + text.len() > TRAIN_BYTES {
                self.train_full = true;
                return;
            }
            self.train.extend_from_slice(text.as_bytes());
            self.train_sizes.push(text.len());
        }
    }

    /// Trains the dictionary and compresses the held-out documents with and without it.
    pub fn measure(self) -> Predictability {
        let mut p = Predictability {
            level: LEVEL,
            dictionary_capacity: DICT_BYTES,
            held_out_stride: self.stride,
            held_out_docs: self.held.len() as u64,
            held_out_bytes: self.held_bytes as u64,
            training_docs: self.train_sizes.len() as u64,
            training_bytes: self.train.len() as u64,
            dictionary_bytes: 0,
            plain_bytes: 0,
            dictionary_compressed_bytes: 0,
            gain: None,
            note: None,
        };
        if self.held.is_empty() {
            p.note = Some(format!(
                "no held-out document (fewer than {MIN_STRIDE} documents)"
            ));
            return p;
        }
        match compress(&self.train, &self.train_sizes, &self.held) {
            Ok((dict, plain, with)) => {
                p.dictionary_bytes = dict as u64;
                p.plain_bytes = plain;
                p.dictionary_compressed_bytes = with;
                p.gain = Some(round6(plain as f64 / with.max(1) as f64));
            }
            Err(e) => p.note = Some(format!("no dictionary: zstd training failed ({e})")),
        }
        p
    }
}

/// (dictionary size, Σ held-out sizes without it, Σ with it).
fn compress(train: &[u8], sizes: &[usize], held: &[String]) -> std::io::Result<(usize, u64, u64)> {
    let dict = zstd::dict::from_continuous(train, sizes, DICT_BYTES)?;
    let mut plain = zstd::bulk::Compressor::new(LEVEL)?;
    let mut with = zstd::bulk::Compressor::with_dictionary(LEVEL, &dict)?;
    let (mut a, mut b) = (0u64, 0u64);
    for t in held {
        a += plain.compress(t.as_bytes())?.len() as u64;
        b += with.compress(t.as_bytes())?.len() as u64;
    }
    Ok((dict.len(), a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tenth_document_is_held_out_and_the_rest_train() {
        let locs: Vec<Loc> = (0..25).map(|i| (0, i)).collect();
        let (stride, w) = choose(&locs);
        assert_eq!(stride, 10);
        let held: Vec<u64> = (0..25).filter(|&i| w[&(0, i)]).collect();
        assert_eq!(held, [9, 19]);
        assert_eq!(w.len(), 25);
        // Large groups: the stride grows so that at most 500 are held out, 4,000 train.
        let locs: Vec<Loc> = (0..12_001).map(|i| (0, i)).collect();
        let (stride, w) = choose(&locs);
        assert_eq!(stride, 25);
        assert_eq!(w.values().filter(|&&h| h).count(), 480);
        assert_eq!(w.values().filter(|&&h| !h).count(), 4_000);
    }

    #[test]
    fn budgets_end_the_sets() {
        let mut s = Samples::new(10);
        s.add(false, "x".repeat(TRAIN_BYTES - 1));
        s.add(false, "yy".into());
        s.add(false, "z".into());
        assert_eq!(s.train_sizes, [TRAIN_BYTES - 1]);
        let p = Samples::new(10).measure();
        assert_eq!(p.gain, None);
        assert!(p.note.unwrap().contains("no held-out"));
    }
}
