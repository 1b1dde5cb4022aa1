//! Diversity sketches: distinct n-gram counts by HyperLogLog, and heavy hitters (the most
//! frequent 8-grams and capitalised phrases by document frequency) by a mergeable Misra–Gries
//! summary whose candidates are then counted exactly in a second pass. Every sketch here has a
//! fixed size, whatever the corpus, and merges the same way for any thread count.

use super::minhash::splitmix64;
use std::collections::{HashMap, HashSet};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// n-gram lengths whose distinct ratio is reported.
pub const NGRAM_NS: [usize; 4] = [1, 2, 3, 4];
/// Words in the boilerplate n-grams.
pub const LONG_NGRAM: usize = 8;
/// HyperLogLog precision: 2^14 registers, standard error 1.04/√16384 ≈ 0.8 %.
pub const HLL_P: u32 = 14;
/// Counters in a Misra–Gries summary: any item in more than N/(K+1) documents' sets (N = the
/// summed size of those sets) is guaranteed to survive as a candidate.
pub const MG_K: usize = 8192;
/// Candidates counted exactly in the second pass.
pub const CANDIDATES: usize = 256;

const SEED: u64 = 0x6661_6374_7072_6573; // "factpres"

/// 64-bit hashes of a document's words, used for every n-gram.
pub fn word_hashes(words: &[String]) -> Vec<u64> {
    words
        .iter()
        .map(|w| xxh3_64_with_seed(w.as_bytes(), SEED))
        .collect()
}

/// The hash of each n-gram of `hashes`, in order.
pub fn ngram_hashes(hashes: &[u64], n: usize) -> impl Iterator<Item = u64> + '_ {
    hashes.windows(n).map(move |w| {
        let mut x = n as u64;
        for &h in w {
            x = splitmix64(&mut (x ^ h));
        }
        x
    })
}

#[derive(Debug, Clone)]
pub struct Hll {
    regs: Vec<u8>,
}

impl Default for Hll {
    fn default() -> Self {
        Hll {
            regs: vec![0; 1 << HLL_P],
        }
    }
}

impl Hll {
    pub fn add(&mut self, hash: u64) {
        let idx = (hash >> (64 - HLL_P)) as usize;
        let rest = (hash << HLL_P) | (1 << (HLL_P - 1));
        let rho = rest.leading_zeros() as u8 + 1;
        if rho > self.regs[idx] {
            self.regs[idx] = rho;
        }
    }

    pub fn merge(&mut self, other: &Hll) {
        for (a, b) in self.regs.iter_mut().zip(&other.regs) {
            *a = (*a).max(*b);
        }
    }

    /// The cardinality estimate, with linear counting for small sets.
    pub fn estimate(&self) -> f64 {
        let m = self.regs.len() as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.regs.iter().map(|&r| 2f64.powi(-(r as i32))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.regs.iter().filter(|&&r| r == 0).count();
        if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        }
    }
}

/// A mergeable Misra–Gries summary of document frequencies keyed by hash.
#[derive(Debug, Clone)]
pub struct TopK {
    counts: HashMap<u64, u64>,
    /// Counters kept after a prune.
    k: usize,
    /// Prune when more than this many counters are held (at least `k`).
    prune_above: usize,
    /// Sum of every amount subtracted by a prune: no counter is below its item's true count
    /// by more than this, and it is at most N/(k+1) (N = the summed counts added).
    decrement: u64,
}

impl Default for TopK {
    fn default() -> Self {
        TopK::new(MG_K, MG_K)
    }
}

impl TopK {
    /// A summary of `k` counters that prunes once it holds more than `prune_above` (pruning
    /// less often is cheaper and never weakens the guarantee).
    pub fn new(k: usize, prune_above: usize) -> TopK {
        TopK {
            counts: HashMap::new(),
            k,
            prune_above: prune_above.max(k),
            decrement: 0,
        }
    }

    /// Adds exact counts of one chunk of documents, then, above `prune_above` counters, prunes
    /// back to `k` by subtracting the (k+1)-th largest count from every counter (Agarwal et
    /// al. 2012). The result does not depend on hash-map order.
    pub fn merge(&mut self, chunk: HashMap<u64, u64>) {
        for (h, c) in chunk {
            *self.counts.entry(h).or_default() += c;
        }
        if self.counts.len() > self.prune_above {
            let mut v: Vec<u64> = self.counts.values().copied().collect();
            let (_, cut, _) = v.select_nth_unstable_by(self.k, |a, b| b.cmp(a));
            let cut = *cut;
            self.decrement += cut;
            self.counts.retain(|_, c| {
                *c = c.saturating_sub(cut);
                *c > 0
            });
        }
    }

    /// The `CANDIDATES` largest counters (ties: smaller hash first).
    pub fn candidates(&self) -> HashSet<u64> {
        self.strongest(CANDIDATES)
    }

    /// The `n` largest counters (ties: smaller hash first).
    pub fn strongest(&self, n: usize) -> HashSet<u64> {
        let mut v: Vec<(u64, u64)> = self.counts.iter().map(|(&h, &c)| (h, c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(n).map(|(h, _)| h).collect()
    }

    /// Every item whose counter is at least `min`.
    pub fn at_least(&self, min: u64) -> HashSet<u64> {
        (self.counts.iter())
            .filter(|&(_, &c)| c >= min)
            .map(|(&h, _)| h)
            .collect()
    }

    /// The most any counter is below its item's true count (0 when nothing was pruned): an
    /// item counted more than this many times is guaranteed a counter.
    pub fn decrement(&self) -> u64 {
        self.decrement
    }
}

/// Capitalised phrases of a document: maximal runs of one to four capitalised words (a word
/// that starts with an upper-case letter), separated by single spaces only. A run of one word
/// at the start of a sentence or line is skipped (it is capitalised by grammar, not as a
/// name). A trailing possessive `'s` is dropped.
pub fn capitalised_phrases(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut run: Vec<&str> = Vec::new();
        let mut run_at_start = false;
        let mut sentence_start = true;
        for raw in line.split(' ') {
            let trimmed = raw.trim_start_matches(['"', '“', '(', '\'', '‘', '[']);
            let lead_punct = trimmed.len() != raw.len();
            let core = trimmed.trim_end_matches(|c: char| !c.is_alphanumeric());
            let core = core
                .strip_suffix("'s")
                .or_else(|| core.strip_suffix("’s"))
                .unwrap_or(core);
            let ends_clause = core.len() != trimmed.len();
            let is_cap = core.chars().next().is_some_and(|c| c.is_uppercase())
                && core.chars().count() >= 2
                && core
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
            if is_cap && !lead_punct && !run.is_empty() && run.len() < 4 {
                run.push(core);
            } else {
                flush(&mut run, run_at_start, &mut out);
                if is_cap {
                    run.push(core);
                    run_at_start = sentence_start;
                }
            }
            if ends_clause {
                flush(&mut run, run_at_start, &mut out);
            }
            if !raw.is_empty() {
                sentence_start = raw.ends_with(['.', '!', '?', ':', '—', '"', '”']);
            }
        }
        flush(&mut run, run_at_start, &mut out);
    }
    out
}

fn flush(run: &mut Vec<&str>, at_start: bool, out: &mut Vec<String>) {
    if !(run.is_empty() || (run.len() == 1 && at_start)) {
        out.push(run.join(" "));
    }
    run.clear();
}

pub fn phrase_hash(p: &str) -> u64 {
    xxh3_64_with_seed(p.as_bytes(), SEED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hll_is_close_on_a_known_count() {
        let mut h = Hll::default();
        let mut s = 7u64;
        for _ in 0..100_000 {
            h.add(splitmix64(&mut s));
        }
        let e = h.estimate();
        assert!((e - 100_000.0).abs() < 3_000.0, "estimate {e}");
        let mut small = Hll::default();
        for i in 0..100u64 {
            small.add(splitmix64(&mut i.clone()));
        }
        assert!((small.estimate() - 100.0).abs() < 3.0);
    }

    #[test]
    fn phrases_skip_sentence_initial_words() {
        let p = capitalised_phrases(
            "The report by Sarah Okafor ran in The Northgate Tribune. Reporters spoke to Okafor's team.",
        );
        assert_eq!(p, ["Sarah Okafor", "The Northgate Tribune", "Okafor"]);
    }

    #[test]
    fn misra_gries_keeps_heavy_items() {
        let mut t = TopK::default();
        for chunk in 0..20u64 {
            let mut m: HashMap<u64, u64> = (0..1000).map(|i| (chunk * 1000 + i + 10, 1)).collect();
            m.insert(1, 50);
            t.merge(m);
        }
        assert!(t.candidates().contains(&1));
    }

    #[test]
    fn misra_gries_undercount_is_bounded_and_tracked() {
        // 100 counters, pruned at 200; 50 chunks of 100 unique items each plus item 1 once a
        // chunk and item 2 in one chunk only: N = 50 * 101 + 1 counted.
        let mut t = TopK::new(100, 200);
        for chunk in 0..50u64 {
            let mut m: HashMap<u64, u64> = (0..100).map(|i| (chunk * 1000 + i + 10, 1)).collect();
            m.insert(1, 1);
            if chunk == 7 {
                m.insert(2, 1);
            }
            t.merge(m);
        }
        let d = t.decrement();
        assert!((1..=(50 * 101 + 1) / 101).contains(&d), "decrement {d}");
        // Item 1 (50 > d) is kept, with a counter at most d below its count.
        assert!(t.at_least(50 - d).contains(&1));
        assert!(!t.at_least(50 - d + 1).contains(&1) || d == 0);
        assert!(!t.at_least(1).contains(&2), "a singleton was pruned");
        assert_eq!(t.strongest(1), HashSet::from([1]));
    }
}
