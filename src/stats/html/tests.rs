//! The HTML report: escaping of every user string, empty charts, marked word runs.

use super::super::minhash::Params;
use super::super::overuse::{PoolReport, ValueStat};
use super::super::report::*;
use super::super::size::{Bin, Histogram, Percentiles, SizeReport};
use super::*;

const NASTY: &str = r#"<script>alert("x")</script> & 'co'"#;

fn size(docs: u64, tokens: u64) -> SizeReport {
    SizeReport {
        documents: docs,
        characters: tokens * 5,
        words: tokens,
        tokens,
        tokens_per_doc: Percentiles {
            min: 1,
            p10: 2,
            p50: 3,
            p90: 4,
            p99: 5,
            max: 6,
            mean: 3.5,
        },
        histogram: (docs > 0).then(|| Histogram {
            bin_width: 5,
            bins: vec![Bin {
                from: 0,
                to: 5,
                docs,
            }],
        }),
    }
}

fn frequent() -> Vec<Frequent> {
    vec![Frequent {
        text: NASTY.into(),
        docs: 2,
        doc_share: 1.0,
    }]
}

/// A small report with `NASTY` in every user-supplied string the HTML shows.
fn report() -> Report {
    let value = ValueStat {
        value: NASTY.into(),
        docs: 2,
        doc_share: 1.0,
        matched_share: 1.0,
        expected_share: 0.5,
        ratio: 2.0,
        world: false,
        flags: vec!["above-weight"],
    };
    let by_group = BTreeMap::from([(NASTY.to_string(), size(2, 20))]);
    let counts = BTreeMap::from([(NASTY.to_string(), 2)]);
    Report {
        schema_version: SCHEMA_VERSION,
        tool: "factpress test".into(),
        inputs: vec![NASTY.into()],
        condition: Some(NASTY.into()),
        spec: Some(NASTY.into()),
        tokenizer: "words".into(),
        malformed_lines: 0,
        size: Size {
            total: size(2, 20),
            by_doc_type: by_group.clone(),
            by_condition: by_group,
        },
        coverage: Coverage {
            fact_source: "metadata".into(),
            facts: counts.clone(),
            facts_missing: vec![NASTY.into()],
            fact_cooccurrence: BTreeMap::from([(NASTY.to_string(), counts.clone())]),
            facts_per_doc: BTreeMap::from([(1, 2)]),
            doc_types: counts.clone(),
            templates: counts.clone(),
            conditions: counts,
        },
        diversity: Diversity {
            exact_duplicates: ExactDuplicates {
                documents: 1,
                groups: 1,
                examples: vec![[NASTY.into(), NASTY.into()]],
            },
            near_duplicates: NearDuplicates {
                params: Params {
                    seed: 1,
                    shingle_words: 5,
                    hashes: 128,
                    bands: 16,
                    rows_per_band: 8,
                    threshold: 0.8,
                    bucket_window: 0,
                },
                clusters: 1,
                documents_in_clusters: 2,
                share: 1.0,
                largest_cluster: 2,
                examples: vec![NearExample {
                    a: NASTY.into(),
                    b: "b".into(),
                    estimated_jaccard: 0.9,
                    jaccard: 0.85,
                    a_text: format!("same {NASTY}"),
                    b_text: "same other & more".into(),
                }],
            },
            distinct_ngrams: vec![NgramRatio {
                n: 1,
                total: 20,
                distinct: 10,
                ratio: 0.5,
            }],
            top_8grams_scope: "whole documents".into(),
            top_8grams: frequent(),
            top_8grams_whole: frequent(),
        },
        overuse: Overuse {
            ratio_threshold: 3.0,
            wide_threshold: 0.3,
            pools: vec![PoolReport {
                pool: NASTY.into(),
                wide: true,
                weighted: false,
                values: 2,
                values_seen: 1,
                occurrences: 2,
                top: vec![value.clone()],
                flagged: vec![value],
            }],
            capitalised_phrases: frequent(),
            most_overused: None,
            world: BTreeMap::from([(NASTY.to_string(), NASTY.to_string())]),
        },
        realism: Realism {
            sentence_repetition: 0.5,
            sentences: SentenceCounts {
                min_words: 6,
                threshold_share: 0.0025,
                threshold_docs: 2,
                occurrences: 4,
                repeated_occurrences: 2,
                counters: 32768,
                max_undercount: 0,
                complete: true,
            },
            top_sentences: frequent(),
            fact_diversity: vec![FactDiversity {
                fact: NASTY.into(),
                documents: 2,
                distinct_renderings: 1,
                top_docs: 2,
                top_share: 1.0,
                top_text: NASTY.into(),
            }],
            long_doc_facts: Some(LongDocFacts {
                min_words: 700,
                documents: 2,
                median_share: 0.1,
                overall_share: 0.1,
            }),
            predictability: Predictability {
                level: 3,
                dictionary_capacity: 112640,
                dictionary_bytes: 0,
                held_out_stride: 10,
                held_out_docs: 0,
                held_out_bytes: 0,
                training_docs: 2,
                training_bytes: 20,
                plain_bytes: 0,
                dictionary_compressed_bytes: 0,
                gain: None,
                note: Some(NASTY.into()),
            },
        },
        capacity: vec![Capacity {
            doc_type: NASTY.into(),
            estimate: 12.0,
            docs: 2,
        }],
        warnings: vec![NASTY.into()],
    }
}

/// Every `<svg class="chart">` holds at least one bar.
fn charts_drawn(html: &str) -> usize {
    let charts: Vec<&str> = html.split(r#"<svg class="chart""#).skip(1).collect();
    for c in &charts {
        let body = &c[..c.find("</svg>").expect("closed svg")];
        assert!(body.contains("<rect"), "empty chart: {body}");
    }
    charts.len()
}

#[test]
fn user_text_is_escaped() {
    let html = render(&report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script>alert"), "unescaped <script>");
    assert!(!html.contains("& 'co'"), "unescaped &");
    assert!(
        html.contains(
            "&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; &#x27;co&#x27;"
        )
    );
    // The near-duplicate pair marks the escaped words, the top 8-gram table escapes too.
    assert!(html.contains("<mark>&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt;</mark>"));
    assert!(html.contains("<td><code>&lt;script&gt;"));
    // Only the two built-in scripts.
    assert_eq!(html.matches("<script>").count(), 2);
    assert_eq!(charts_drawn(&html), 11);
    // The realism section: a measured gain, the fact table, the whole-document 8-grams
    // (this report's scope is `whole documents`, so they are not repeated).
    assert!(html.contains("<h2>Realism</h2>"));
    assert!(html.contains("Sentence repetition: <b>50.00%</b>"));
    assert!(html.contains("<td>&lt;script&gt;alert"));
    assert!(!html.contains("8-grams over whole documents"));
    let mut r = report();
    r.realism.predictability.gain = Some(2.5);
    r.realism.predictability.note = None;
    r.diversity.top_8grams_scope = "outside fact texts".into();
    let html = render(&r);
    assert!(html.contains("Dictionary gain: <b>2.50×</b>"));
    assert!(html.contains("8-grams over whole documents"));
    assert!(html.contains("<b>2.50×</b><span>held-out gain"));
}

#[test]
fn empty_report_has_no_empty_chart() {
    let mut r = report();
    r.size.total = size(0, 0);
    r.size.by_doc_type.clear();
    r.size.by_condition.clear();
    r.coverage = Coverage {
        fact_source: "none".into(),
        facts: BTreeMap::new(),
        facts_missing: vec![],
        fact_cooccurrence: BTreeMap::new(),
        facts_per_doc: BTreeMap::new(),
        doc_types: BTreeMap::new(),
        templates: BTreeMap::new(),
        conditions: BTreeMap::new(),
    };
    r.diversity.distinct_ngrams.clear();
    r.diversity.top_8grams.clear();
    r.overuse.pools.clear();
    r.overuse.capitalised_phrases.clear();
    r.realism.top_sentences.clear();
    r.realism.fact_diversity.clear();
    let html = render(&r);
    assert_eq!(charts_drawn(&html), 0);
    for empty in [
        "no documents",
        "no fact information",
        "no 8-gram found",
        "No spec",
        "no sentence found",
        "Only for factpress corpus folders",
        "Dictionary gain: <b>not measured</b>",
    ] {
        assert!(html.contains(empty), "{empty}");
    }
}

#[test]
fn marked_merges_plain_runs() {
    let seg = |text: &str, mark| Segment {
        text: text.into(),
        mark,
    };
    assert_eq!(
        marked("a b c  d", "a c d"),
        vec![seg("a ", false), seg("b", true), seg(" c  d", false)]
    );
    assert_eq!(marked("", "x"), vec![seg("", false)]);
}
