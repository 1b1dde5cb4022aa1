//! Overuse of slot-pool values: every value of every pool is searched for in every document
//! (Aho–Corasick, leftmost-longest, whole words only), giving the number of documents each
//! value occurs in. A value is flagged when its share among its pool's occurrences is far
//! above the share its weights predict, and — for pools marked `wide` — when it occurs in more
//! than a threshold share of all documents. Values without a letter (numeric ids) are not
//! searched. Memory: one counter per distinct value.

use crate::spec::Spec;
use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

/// Below this many documents a value is never flagged against its weights (too few to tell).
pub const MIN_DOCS: u64 = 10;
/// Values per pool listed besides the flagged ones.
pub const TOP_PER_POOL: usize = 10;

/// The compiled search over all pool values.
pub struct Matcher {
    ac: Option<AhoCorasick>,
    /// For each distinct pattern: the (pool index, value index) pairs it stands for.
    owners: Vec<Vec<(usize, usize)>>,
    pools: Vec<PoolInfo>,
}

struct PoolInfo {
    name: String,
    wide: bool,
    values: Vec<String>,
    weights: Vec<u64>,
    weighted: bool,
}

impl Matcher {
    pub fn new(spec: &Spec) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut index = std::collections::BTreeMap::new();
        let mut pools = Vec::new();
        for (p, pool) in spec.pools.values().enumerate() {
            for (v, value) in pool.values.iter().enumerate() {
                let value = value.trim();
                // A value without a letter ("3", "—") is an id or a symbol: its occurrences
                // in text cannot be told apart from any other number, so it is not searched.
                if !value.chars().any(char::is_alphabetic) {
                    continue;
                }
                let id = *index.entry(value.to_string()).or_insert_with(|| {
                    patterns.push(value.to_string());
                    owners.push(Vec::new());
                    patterns.len() - 1
                });
                owners[id].push((p, v));
            }
            pools.push(PoolInfo {
                name: pool.name.clone(),
                wide: pool.wide,
                values: pool.values.clone(),
                weights: pool
                    .weights
                    .clone()
                    .unwrap_or_else(|| vec![1; pool.values.len()]),
                weighted: pool.weights.is_some(),
            });
        }
        let ac = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("literal patterns build")
        });
        Matcher { ac, owners, pools }
    }

    pub fn patterns(&self) -> usize {
        self.owners.len()
    }

    /// The distinct patterns found in `text` as whole words, sorted.
    pub fn find(&self, text: &str) -> Vec<u32> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut found: Vec<u32> = ac
            .find_iter(text)
            .filter(|m| {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
            .map(|m| m.pattern().as_u32())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Builds the report from document frequencies per pattern.
    pub fn report(
        &self,
        df: &[u64],
        docs: u64,
        ratio: f64,
        wide_threshold: f64,
        world: &std::collections::BTreeSet<String>,
    ) -> Vec<PoolReport> {
        let mut per_pool: Vec<Vec<u64>> =
            self.pools.iter().map(|p| vec![0; p.values.len()]).collect();
        for (pat, owners) in self.owners.iter().enumerate() {
            for &(p, v) in owners {
                per_pool[p][v] = df[pat];
            }
        }
        let mut out = Vec::new();
        for (pool, counts) in self.pools.iter().zip(per_pool) {
            let matched: u64 = counts.iter().sum();
            let wsum: u64 = pool.weights.iter().sum::<u64>().max(1);
            let mut stats: Vec<ValueStat> = pool
                .values
                .iter()
                .zip(&counts)
                .zip(&pool.weights)
                .map(|((value, &c), &w)| {
                    let expected = w as f64 / wsum as f64;
                    let share = if matched == 0 {
                        0.0
                    } else {
                        c as f64 / matched as f64
                    };
                    let r = if expected > 0.0 {
                        share / expected
                    } else {
                        0.0
                    };
                    let doc_share = if docs == 0 {
                        0.0
                    } else {
                        c as f64 / docs as f64
                    };
                    let mut flags = Vec::new();
                    // A `[world]` value is the same in every document by design.
                    let is_world = world.contains(value.trim());
                    if c >= MIN_DOCS && r >= ratio && pool.values.len() > 1 && !is_world {
                        flags.push("above-weight");
                    }
                    if pool.wide && doc_share > wide_threshold && !is_world {
                        flags.push("wide-pool-overuse");
                    }
                    ValueStat {
                        value: value.clone(),
                        docs: c,
                        doc_share: round6(doc_share),
                        matched_share: round6(share),
                        expected_share: round6(expected),
                        ratio: round6(r),
                        world: is_world,
                        flags,
                    }
                })
                .collect();
            stats.sort_by(|a, b| b.docs.cmp(&a.docs).then(a.value.cmp(&b.value)));
            let flagged: Vec<ValueStat> = stats
                .iter()
                .filter(|s| !s.flags.is_empty())
                .cloned()
                .collect();
            out.push(PoolReport {
                pool: pool.name.clone(),
                wide: pool.wide,
                weighted: pool.weighted,
                values: pool.values.len(),
                values_seen: counts.iter().filter(|&&c| c > 0).count(),
                occurrences: matched,
                top: stats.into_iter().take(TOP_PER_POOL).collect(),
                flagged,
            });
        }
        out
    }
}

pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolReport {
    pub pool: String,
    pub wide: bool,
    pub weighted: bool,
    /// Values in the pool.
    pub values: usize,
    /// Values found in at least one document.
    pub values_seen: usize,
    /// Sum over the pool's values of the documents each occurs in.
    pub occurrences: u64,
    /// The most frequent values (by documents), at most 10.
    pub top: Vec<ValueStat>,
    /// Every flagged value, most frequent first.
    pub flagged: Vec<ValueStat>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValueStat {
    pub value: String,
    /// Documents the value occurs in (whole word).
    pub docs: u64,
    /// `docs` / all documents.
    pub doc_share: f64,
    /// `docs` / the pool's `occurrences`.
    pub matched_share: f64,
    /// The value's weight / the pool's total weight (uniform: 1 / values).
    pub expected_share: f64,
    /// `matched_share / expected_share`.
    pub ratio: f64,
    /// The value is one of the corpus's `[world]` values (the same in every document by
    /// design): never flagged.
    pub world: bool,
    /// `above-weight` (ratio >= --overuse-ratio, in at least 10 documents) and/or
    /// `wide-pool-overuse` (a `wide` pool's value in more than --wide-threshold of documents).
    pub flags: Vec<&'static str>,
}
