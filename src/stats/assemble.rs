//! Turns what the passes gathered into the [`Report`]: duplicate groups, near-duplicate
//! clusters and examples, distinct n-gram ratios, the top lists, pool overuse, coverage and
//! capacity. Pure: no I/O.

use super::minhash::{self, NearDups};
use super::ngrams::NGRAM_NS;
use super::overuse::{Matcher, round6};
use super::report::*;
use super::scan::{Acc, FactSource, Loc, Pass2};
use super::tokens::norm_words;
use super::{Ctx, EXAMPLE_CHARS, Options, TOP};
use crate::spec::capacity::{capacity, human};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Exact duplicates: documents whose text hash another document shares.
pub struct DupGroups {
    pub documents: u64,
    pub groups: u64,
    /// The largest groups (size, first, second), at most three.
    pub largest: Vec<(usize, Loc, Loc)>,
}

pub fn exact_groups(acc: &Acc) -> DupGroups {
    let mut by_hash: Vec<(u128, usize)> = acc
        .hashes
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i))
        .collect();
    by_hash.sort_unstable();
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    let mut documents = 0u64;
    for g in by_hash.chunk_by(|a, b| a.0 == b.0) {
        if g.len() > 1 {
            documents += g.len() as u64 - 1;
            groups.push((g.len(), g[0].1, g[1].1));
        }
    }
    let count = groups.len() as u64;
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    groups.truncate(3);
    DupGroups {
        documents,
        groups: count,
        largest: groups
            .into_iter()
            .map(|(n, a, b)| (n, acc.locs[a], acc.locs[b]))
            .collect(),
    }
}

/// Everything the report is assembled from.
pub struct Gathered<'a> {
    pub opts: &'a Options,
    pub ctx: &'a Ctx,
    pub condition: Option<&'a str>,
    pub acc: Acc,
    pub dups: DupGroups,
    pub near: NearDups,
    pub pass2: Pass2,
    pub malformed: u64,
    /// Measured after pass 2; taken by `realism`.
    pub predictability: Option<Predictability>,
}

impl Gathered<'_> {
    pub(super) fn share(&self, n: u64) -> f64 {
        let docs = self.acc.docs();
        if docs == 0 {
            0.0
        } else {
            round6(n as f64 / docs as f64)
        }
    }

    pub fn report(mut self) -> Report {
        let realism = self.realism();
        let diversity = self.diversity();
        let overuse = self.overuse();
        let (capacity, warnings) = self.capacity();
        let coverage = self.coverage();
        let (opts, ctx, acc) = (self.opts, self.ctx, self.acc);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: format!("factpress {}", env!("CARGO_PKG_VERSION")),
            inputs: opts
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            condition: self.condition.map(str::to_string),
            spec: ctx.spec.as_ref().map(|(p, _)| p.clone()),
            tokenizer: opts.tokenizer.name().to_string(),
            malformed_lines: self.malformed,
            size: Size {
                total: acc.total.report(true),
                by_doc_type: acc
                    .by_type
                    .into_iter()
                    .map(|(k, v)| (k, v.report(false)))
                    .collect(),
                by_condition: acc
                    .by_cond
                    .into_iter()
                    .map(|(k, v)| (k, v.report(false)))
                    .collect(),
            },
            coverage,
            diversity,
            overuse,
            realism,
            capacity,
            warnings,
        }
    }

    fn diversity(&self) -> Diversity {
        let p2 = &self.pass2;
        let exact = ExactDuplicates {
            documents: self.dups.documents,
            groups: self.dups.groups,
            examples: self
                .dups
                .largest
                .iter()
                .map(|&(_, a, b)| [p2.id(a), p2.id(b)])
                .collect(),
        };
        Diversity {
            exact_duplicates: exact,
            near_duplicates: self.near_duplicates(),
            distinct_ngrams: self.distinct_ngrams(),
            top_8grams_scope: if self.ctx.masker.is_some() {
                "outside fact texts"
            } else {
                "whole documents"
            }
            .to_string(),
            top_8grams: self.top(&p2.long),
            top_8grams_whole: self.top(if self.ctx.masker.is_some() {
                &p2.long_whole
            } else {
                &p2.long
            }),
        }
    }

    fn near_duplicates(&self) -> NearDuplicates {
        let (near, p2, locs) = (&self.near, &self.pass2, &self.acc.locs);
        let mut cluster_sizes: BTreeMap<u32, u64> = BTreeMap::new();
        for c in near.cluster_of.iter().flatten() {
            *cluster_sizes.entry(*c).or_default() += 1;
        }
        let in_clusters: u64 = cluster_sizes.values().sum();
        let examples = near
            .examples
            .iter()
            .map(|&(a, b, est)| {
                let (a, b) = (locs[a as usize], locs[b as usize]);
                let (ta, tb) = (p2.text(a), p2.text(b));
                NearExample {
                    a: p2.id(a),
                    b: p2.id(b),
                    estimated_jaccard: round6(est),
                    jaccard: round6(minhash::exact_jaccard(&norm_words(ta), &norm_words(tb))),
                    a_text: ta.chars().take(EXAMPLE_CHARS).collect(),
                    b_text: tb.chars().take(EXAMPLE_CHARS).collect(),
                }
            })
            .collect();
        NearDuplicates {
            params: minhash::Params {
                seed: self.opts.seed,
                shingle_words: minhash::SHINGLE,
                hashes: minhash::HASHES,
                bands: minhash::BANDS,
                rows_per_band: minhash::ROWS,
                threshold: self.opts.threshold,
                bucket_window: minhash::WINDOW,
            },
            clusters: cluster_sizes.len() as u64,
            documents_in_clusters: in_clusters,
            share: self.share(in_clusters),
            largest_cluster: cluster_sizes.values().copied().max().unwrap_or(0),
            examples,
        }
    }

    fn distinct_ngrams(&self) -> Vec<NgramRatio> {
        NGRAM_NS
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let total = self.acc.ngram_totals[k];
                let distinct = (self.acc.hll[k].estimate().round() as u64).min(total);
                NgramRatio {
                    n,
                    total,
                    distinct,
                    ratio: if total == 0 {
                        0.0
                    } else {
                        round6(distinct as f64 / total as f64)
                    },
                }
            })
            .collect()
    }

    fn top(&self, counts: &HashMap<u64, u64>) -> Vec<Frequent> {
        let mut v: Vec<Frequent> = counts
            .iter()
            .map(|(h, &c)| Frequent {
                text: self.pass2.texts.get(h).cloned().unwrap_or_default(),
                docs: c,
                doc_share: self.share(c),
            })
            .collect();
        v.sort_by(|a, b| b.docs.cmp(&a.docs).then(a.text.cmp(&b.text)));
        v.truncate(TOP);
        v
    }

    fn overuse(&self) -> Overuse {
        let opts = self.opts;
        let world = self.ctx.world_values();
        let world_set = world.values().cloned().collect();
        let pools = match &self.ctx.matcher {
            Some(m) => Matcher::report(
                m,
                &self.acc.df,
                self.acc.docs(),
                opts.overuse_ratio,
                opts.wide_threshold,
                &world_set,
            ),
            None => Vec::new(),
        };
        let most_overused = pools
            .iter()
            .flat_map(|p| p.flagged.iter().map(move |v| (p, v)))
            .max_by(|a, b| {
                a.1.ratio
                    .total_cmp(&b.1.ratio)
                    .then(a.1.doc_share.total_cmp(&b.1.doc_share))
                    .then(b.0.pool.cmp(&a.0.pool))
                    .then(b.1.value.cmp(&a.1.value))
            })
            .map(|(p, v)| MostOverused {
                pool: p.pool.clone(),
                value: v.value.clone(),
                docs: v.docs,
                doc_share: v.doc_share,
                ratio: v.ratio,
                flags: v.flags.clone(),
            });
        Overuse {
            ratio_threshold: opts.overuse_ratio,
            wide_threshold: opts.wide_threshold,
            pools,
            capitalised_phrases: self.top(&self.pass2.phrases),
            most_overused,
            world,
        }
    }

    fn capacity(&self) -> (Vec<Capacity>, Vec<String>) {
        let mut warnings = Vec::new();
        let mut rows = Vec::new();
        if let Some((_, s)) = &self.ctx.spec {
            for (id, est) in capacity(s) {
                let n = self.acc.doc_types.get(&id).copied().unwrap_or(0);
                if n as f64 > est / 10.0 {
                    warnings.push(format!(
                        "warning: doc type {id} can produce about {} distinct documents; the corpus has {n} of them",
                        human(est)
                    ));
                }
                rows.push(Capacity {
                    doc_type: id,
                    estimate: est,
                    docs: n,
                });
            }
        }
        (rows, warnings)
    }

    fn coverage(&self) -> Coverage {
        let acc = &self.acc;
        let mut facts_missing = Vec::new();
        if let Some((_, s)) = &self.ctx.spec
            && acc.fact_source != FactSource::None
        {
            // For a factpress corpus, only the facts its conditions carry can be missing.
            let expected: BTreeSet<usize> = match self.ctx.corpus.manifest() {
                Some(m) => m
                    .conditions
                    .iter()
                    .filter(|c| self.condition.is_none_or(|g| g == c.id))
                    .filter_map(|c| s.condition(&c.id))
                    .flat_map(|c| c.facts())
                    .collect(),
                None => (0..s.facts.len()).collect(),
            };
            facts_missing = expected
                .into_iter()
                .map(|f| &s.facts[f].id)
                .filter(|id| !acc.facts.contains_key(*id))
                .cloned()
                .collect();
        }
        let mut cooc: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for ((a, b), n) in &acc.cooc {
            cooc.entry(a.clone()).or_default().insert(b.clone(), *n);
        }
        Coverage {
            fact_source: acc.fact_source.name().to_string(),
            facts: acc.facts.clone(),
            facts_missing,
            fact_cooccurrence: cooc,
            facts_per_doc: acc.facts_per_doc.clone(),
            doc_types: acc.doc_types.clone(),
            templates: acc.templates.clone(),
            conditions: acc.conditions.clone(),
        }
    }
}
