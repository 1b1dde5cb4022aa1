//! The one source of randomness in factpress: a ChaCha20 generator per (seed, family,
//! purpose, document index), and the few sampling routines built on it.
//!
//! Keys are derived with SHA-256 and the document index is the ChaCha stream id, so document
//! i's choices never depend on any other document, on call order across threads, or on shard
//! boundaries. Sampling is written here on top of `next_u64` rather than taken from `rand`'s
//! distributions, whose output may change between minor releases; golden tests pin the bytes.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// Written into every manifest: what a re-implementation must do to get the same bytes.
pub const ALGORITHM: &str = "ChaCha20Rng (rand_chacha 0.10); key = SHA-256(\"factpress-rng-v1\" 0x00 seed:u64-le 0x00 family 0x00 purpose), stream = document index; integers in [0,n) by rejection from next_u64 (reject x < 2^64 mod n, return x mod n); probabilities as (next_u64 >> 11) * 2^-53";

/// The largest sum of integer weights a spec may give one pool or its doc types: 2^53.
///
/// Spec validation rejects anything above it, so [`Stream::weighted`] never sees a sum that
/// overflows `u64`, and every weight and sum is exact as an `f64` (statistics compare a
/// value's share with `weight / sum`). Integer weights are relative frequencies; no real
/// spec needs a sum near this.
pub const MAX_WEIGHT_SUM: u64 = 1 << 53;

/// A generator for one purpose of one document.
pub fn doc_rng(seed: u64, family: &str, purpose: &str, index: u64) -> Stream {
    let mut h = Sha256::new();
    h.update(b"factpress-rng-v1\0");
    h.update(seed.to_le_bytes());
    h.update(b"\0");
    h.update(family.as_bytes());
    h.update(b"\0");
    h.update(purpose.as_bytes());
    let key: [u8; 32] = h.finalize().into();
    let mut rng = ChaCha20Rng::from_seed(key);
    rng.set_stream(index);
    Stream(rng)
}

/// A keyed ChaCha20 stream with value-stable sampling helpers.
#[derive(Debug, Clone)]
pub struct Stream(ChaCha20Rng);

impl Stream {
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform integer in `[0, n)`; `n` must be > 0. Callers pass the length of a list that
    /// spec validation guarantees non-empty (templates, variants, pool values), or a sum of
    /// weights that is at least 1.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if x >= threshold {
                return x % n;
            }
        }
    }

    /// Uniform integer in `[lo, hi]` (inclusive), for any `lo <= hi` in `i64` (the full range
    /// included). Precondition `lo <= hi`: `plan` orders its bounds, spec validation rejects
    /// `doc_dates` with `max < min`, and the template functions `int` and `date` refuse
    /// `lo > hi`. Outside the precondition (release builds) it returns some integer; it never
    /// panics.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi, "between({lo}, {hi})");
        let span = hi.wrapping_sub(lo) as u64;
        if span == u64::MAX {
            return self.next_u64() as i64;
        }
        lo.wrapping_add(self.below(span + 1) as i64)
    }

    /// `true` with probability `p` (clamped to [0, 1]).
    pub fn chance(&mut self, p: f64) -> bool {
        let x = (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        x < p
    }

    /// An index drawn with the given integer weights.
    ///
    /// Precondition: at least one weight is > 0 and the weights sum to at most
    /// [`MAX_WEIGHT_SUM`]; spec validation guarantees both for pool and doc-type weights, and
    /// [`distinct_weighted`](Self::distinct_weighted) only lowers weights to 0 while one is
    /// left. The sum is taken with checked arithmetic, so even outside the precondition
    /// (release builds) this returns an index of `weights` (or 0 for an empty slice) and
    /// never panics: a sum above `u64::MAX` draws from `[0, u64::MAX)`, all-zero weights
    /// give 0.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total = weights.iter().try_fold(0u64, |a, &w| a.checked_add(w));
        debug_assert!(
            matches!(total, Some(t) if (1..=MAX_WEIGHT_SUM).contains(&t)),
            "weighted: weights must sum to 1..=MAX_WEIGHT_SUM, found {total:?}"
        );
        let total = total.unwrap_or(u64::MAX);
        if total == 0 {
            return 0;
        }
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        // Not reached: x < total <= the sum of the weights, so some prefix exceeds x.
        weights.len() - 1
    }

    /// `k` distinct indices from `[0, n)`, in draw order (partial Fisher-Yates).
    pub fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + self.below((n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }

    /// `k` distinct indices drawn one by one with the given weights (each drawn index is
    /// removed before the next draw). Zero-weight indices are never drawn.
    pub fn distinct_weighted(&mut self, weights: &[u64], k: usize) -> Vec<usize> {
        let mut w = weights.to_vec();
        let mut out = Vec::with_capacity(k);
        while out.len() < k && w.iter().any(|&x| x > 0) {
            let i = self.weighted(&w);
            out.push(i);
            w[i] = 0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_keyed_not_sequential() {
        let a: Vec<u64> = (0..4)
            .map(|_| doc_rng(1, "c", "plan", 7).next_u64())
            .collect();
        assert!(
            a.windows(2).all(|w| w[0] == w[1]),
            "same key, same first value"
        );
        assert_ne!(
            doc_rng(1, "c", "plan", 7).next_u64(),
            doc_rng(1, "c", "plan", 8).next_u64()
        );
        assert_ne!(
            doc_rng(1, "c", "plan", 7).next_u64(),
            doc_rng(2, "c", "plan", 7).next_u64()
        );
        assert_ne!(
            doc_rng(1, "c", "plan", 7).next_u64(),
            doc_rng(1, "d", "plan", 7).next_u64()
        );
        assert_ne!(
            doc_rng(1, "c", "plan", 7).next_u64(),
            doc_rng(1, "c", "render", 7).next_u64()
        );
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = doc_rng(0, "t", "below", 0);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800 && c < 1200), "{seen:?}");
    }

    #[test]
    fn between_is_inclusive() {
        let mut r = doc_rng(0, "t", "between", 0);
        let v: Vec<i64> = (0..500).map(|_| r.between(-2, 2)).collect();
        assert!(v.iter().all(|x| (-2..=2).contains(x)));
        assert!(v.contains(&-2) && v.contains(&2));
    }

    #[test]
    fn weighted_respects_zero_and_ratio() {
        let mut r = doc_rng(0, "t", "w", 0);
        let mut c = [0u32; 3];
        for _ in 0..4000 {
            c[r.weighted(&[3, 0, 1])] += 1;
        }
        assert_eq!(c[1], 0);
        assert!(c[0] > 2 * c[2], "{c:?}");
    }

    #[test]
    fn weighted_at_the_limit_draws_as_below_over_prefix_sums() {
        // The draw is below(sum) walked over the prefix sums: the same value stream as ever.
        let w = [MAX_WEIGHT_SUM - 3, 1, 2];
        let mut a = doc_rng(0, "t", "limit", 0);
        let mut b = a.clone();
        for _ in 0..200 {
            let x = b.below(MAX_WEIGHT_SUM);
            let expected = if x < w[0] {
                0
            } else if x < w[0] + 1 {
                1
            } else {
                2
            };
            assert_eq!(a.weighted(&w), expected);
        }
    }

    #[test]
    fn between_takes_the_whole_i64_range() {
        let mut r = doc_rng(0, "t", "between-all", 0);
        let mut s = r.clone();
        for _ in 0..50 {
            assert_eq!(r.between(i64::MIN, i64::MAX), s.next_u64() as i64);
        }
        assert_eq!(r.between(i64::MAX, i64::MAX), i64::MAX);
        assert_eq!(r.between(i64::MIN, i64::MIN), i64::MIN);
        let v = r.between(i64::MAX - 1, i64::MAX);
        assert!(v >= i64::MAX - 1);
    }

    #[test]
    fn distinct_has_no_repeats() {
        let mut r = doc_rng(0, "t", "d", 0);
        for _ in 0..100 {
            let mut v = r.distinct(10, 4);
            v.sort();
            v.dedup();
            assert_eq!(v.len(), 4);
        }
        let mut v = r.distinct_weighted(&[1, 0, 5, 2], 4);
        v.sort();
        assert_eq!(v, vec![0, 2, 3]);
    }
}
