//! Near-duplicate detection: MinHash signatures over word shingles, banded LSH to find
//! candidate pairs, and a union-find over pairs whose estimated Jaccard similarity reaches the
//! threshold. Seeded and deterministic: the hash functions come from the seed, and candidate
//! pairs are examined in document order. Holds one signature per document (the only part of
//! the statistics that grows with the corpus by more than a few bytes a document).

use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Hash functions per signature.
pub const HASHES: usize = 128;
/// LSH bands × rows per band = `HASHES`. With 16 × 8, a pair at Jaccard 0.8 becomes a
/// candidate with probability 1 − (1 − 0.8⁸)¹⁶ ≈ 0.95, at 0.9 with ≈ 1.0, at 0.5 with ≈ 0.06.
pub const BANDS: usize = 16;
pub const ROWS: usize = HASHES / BANDS;
/// Words per shingle.
pub const SHINGLE: usize = 5;
/// Within one LSH bucket, each document is compared with at most this many earlier members,
/// so a bucket of thousands of templated documents costs linear, not quadratic, time.
pub const WINDOW: usize = 32;

/// The MinHash parameters, as written into the report.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    pub seed: u64,
    pub shingle_words: usize,
    pub hashes: usize,
    pub bands: usize,
    pub rows_per_band: usize,
    pub threshold: f64,
    pub bucket_window: usize,
}

pub type Signature = [u32; HASHES];

/// The seeded family of hash functions `h_i(x) = (a_i·x + b_i) >> 32` over 64-bit shingle
/// hashes (`a_i` odd), drawn from splitmix64 of the seed.
#[derive(Debug, Clone)]
pub struct Hasher {
    seed: u64,
    a: [u64; HASHES],
    b: [u64; HASHES],
}

pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Hasher {
    pub fn new(seed: u64) -> Hasher {
        let mut s = seed;
        let mut a = [0; HASHES];
        let mut b = [0; HASHES];
        for i in 0..HASHES {
            a[i] = splitmix64(&mut s) | 1;
            b[i] = splitmix64(&mut s);
        }
        Hasher { seed, a, b }
    }

    /// The signature of a document given its normalised words. A document shorter than a
    /// shingle is one shingle; an empty one gets `None` and takes no part in the search.
    pub fn signature(&self, words: &[String]) -> Option<Box<Signature>> {
        if words.is_empty() {
            return None;
        }
        let word_hashes: Vec<u64> = words
            .iter()
            .map(|w| xxh3_64_with_seed(w.as_bytes(), self.seed))
            .collect();
        let mut sig = Box::new([u32::MAX; HASHES]);
        let k = SHINGLE.min(word_hashes.len());
        for window in word_hashes.windows(k) {
            let mut x = 0u64;
            for &h in window {
                x = splitmix64(&mut (x ^ h));
            }
            for i in 0..HASHES {
                let v = (self.a[i].wrapping_mul(x).wrapping_add(self.b[i]) >> 32) as u32;
                if v < sig[i] {
                    sig[i] = v;
                }
            }
        }
        Some(sig)
    }
}

/// Estimated Jaccard similarity: the share of equal signature positions.
pub fn estimate(a: &Signature, b: &Signature) -> f64 {
    a.iter().zip(b.iter()).filter(|(x, y)| x == y).count() as f64 / HASHES as f64
}

/// What the search found, in document indices.
#[derive(Debug, Clone, Default)]
pub struct NearDups {
    /// Verified pairs (estimate at or above the threshold) that joined two clusters: a
    /// spanning forest of the near-duplicate graph, so `documents in clusters − clusters`.
    pub pairs: u64,
    /// Cluster of each document (its smallest member), for documents in a cluster of two or
    /// more; `None` elsewhere.
    pub cluster_of: Vec<Option<u32>>,
    /// A few verified pairs, the most similar first (ties: earlier documents first).
    pub examples: Vec<(u32, u32, f64)>,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.0[hi as usize] = lo;
        }
    }
}

/// Finds near-duplicate clusters among `sigs` (index = document). Memory: one band vector of
/// 16 bytes per document at a time, beside the signatures.
pub fn search(sigs: &[Option<Box<Signature>>], threshold: f64, max_examples: usize) -> NearDups {
    let n = sigs.len();
    let mut uf = UnionFind((0..n as u32).collect());
    let mut pairs = 0u64;
    let mut examples: Vec<(u32, u32, f64)> = Vec::new();
    for band in 0..BANDS {
        let mut keys: Vec<(u64, u32)> = sigs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let s = s.as_ref()?;
                let rows = &s[band * ROWS..(band + 1) * ROWS];
                let mut bytes = [0u8; ROWS * 4];
                for (j, r) in rows.iter().enumerate() {
                    bytes[j * 4..j * 4 + 4].copy_from_slice(&r.to_le_bytes());
                }
                Some((xxh3_64_with_seed(&bytes, band as u64), i as u32))
            })
            .collect();
        keys.sort_unstable();
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && keys[end].0 == keys[start].0 {
                end += 1;
            }
            let bucket = &keys[start..end];
            for j in 1..bucket.len() {
                let d = bucket[j].1;
                for k in (j.saturating_sub(WINDOW)..j).rev() {
                    let e = bucket[k].1;
                    if uf.find(d) == uf.find(e) {
                        continue; // already joined, through this pair or others
                    }
                    let (sd, se) = (sigs[d as usize].as_ref(), sigs[e as usize].as_ref());
                    let est = estimate(sd.expect("in a bucket"), se.expect("in a bucket"));
                    if est >= threshold {
                        pairs += 1;
                        uf.union(d, e);
                        examples.push((e, d, est));
                        if examples.len() > max_examples * 4 {
                            sort_examples(&mut examples);
                            examples.truncate(max_examples);
                        }
                    }
                }
            }
            start = end;
        }
    }
    sort_examples(&mut examples);
    examples.truncate(max_examples);
    let mut size = vec![0u32; n];
    for i in 0..n as u32 {
        let r = uf.find(i);
        size[r as usize] += 1;
    }
    let cluster_of = (0..n as u32)
        .map(|i| {
            let r = uf.find(i);
            (size[r as usize] >= 2).then_some(r)
        })
        .collect();
    NearDups {
        pairs,
        cluster_of,
        examples,
    }
}

/// Examples worth showing: the most similar below identical first (identical pairs are
/// reported as exact duplicates), then by document order.
fn sort_examples(ex: &mut Vec<(u32, u32, f64)>) {
    ex.sort_by(|a, b| {
        let ka = if a.2 >= 1.0 { -1.0 } else { a.2 };
        let kb = if b.2 >= 1.0 { -1.0 } else { b.2 };
        kb.total_cmp(&ka).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1))
    });
    ex.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
}

/// Exact Jaccard similarity of two documents' shingle sets (for the examples shown).
pub fn exact_jaccard(a: &[String], b: &[String]) -> f64 {
    use std::collections::BTreeSet;
    let sh = |w: &[String]| -> BTreeSet<String> {
        let k = SHINGLE.min(w.len()).max(1);
        w.windows(k).map(|s| s.join(" ")).collect()
    };
    let (sa, sb) = (sh(a), sh(b));
    let union = sa.union(&sb).count();
    if union == 0 {
        return 1.0;
    }
    sa.intersection(&sb).count() as f64 / union as f64
}
