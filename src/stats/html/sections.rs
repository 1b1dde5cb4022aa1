//! The sections of the HTML report (size, coverage, diversity, overuse, capacity) as view
//! data: formatted numbers, table rows and the charts of each. No markup.

use super::*;
use crate::stats::report::Frequent;

#[derive(Serialize)]
pub(super) struct SizeView {
    pub(super) characters: String,
    pub(super) words: String,
    pub(super) tokens: String,
    pub(super) min: u64,
    pub(super) p10: u64,
    pub(super) p50: u64,
    pub(super) p90: u64,
    pub(super) p99: u64,
    pub(super) max: u64,
    pub(super) mean: String,
    pub(super) histogram: Option<Histogram>,
    pub(super) panels: Vec<Panel>,
}

#[derive(Serialize)]
pub(super) struct CoverageView {
    pub(super) fact_source: String,
    pub(super) panels: Vec<Panel>,
    pub(super) cooccurrence: Vec<Cooccurrence>,
}

#[derive(Serialize)]
pub(super) struct Cooccurrence {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) docs: String,
}

#[derive(Serialize)]
pub(super) struct DiversityView {
    pub(super) exact_documents: String,
    pub(super) exact_groups: String,
    pub(super) threshold: String,
    pub(super) near_documents: String,
    pub(super) clusters: String,
    pub(super) near_share: String,
    pub(super) largest_cluster: String,
    pub(super) hashes: usize,
    pub(super) shingle_words: usize,
    pub(super) bands: usize,
    pub(super) rows_per_band: usize,
    pub(super) seed: u64,
    pub(super) panels: Vec<Panel>,
    pub(super) top_8grams: Vec<FrequentRow>,
    pub(super) near_examples: Vec<NearPair>,
    pub(super) exact_examples: Vec<[String; 2]>,
}

#[derive(Serialize)]
pub(super) struct FrequentRow {
    pub(super) text: String,
    pub(super) docs: String,
    pub(super) share: String,
}

#[derive(Serialize)]
pub(super) struct NearPair {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) estimated_jaccard: String,
    pub(super) jaccard: String,
    pub(super) a_words: Vec<Segment>,
    pub(super) b_words: Vec<Segment>,
}

/// A run of a document's text; `mark` when it is a word the other document lacks.
#[derive(Serialize, Debug, PartialEq)]
pub(super) struct Segment {
    pub(super) text: String,
    pub(super) mark: bool,
}

#[derive(Serialize)]
pub(super) struct OveruseView {
    pub(super) ratio_threshold: String,
    pub(super) wide_threshold: String,
    /// `None` without a spec (no slot pools to check).
    pub(super) pools: Option<PoolsView>,
    pub(super) phrases_panel: Panel,
    pub(super) phrases: Vec<FrequentRow>,
}

#[derive(Serialize)]
pub(super) struct PoolsView {
    pub(super) rows: Vec<PoolRow>,
    pub(super) chart: Panel,
}

#[derive(Serialize)]
pub(super) struct PoolRow {
    pub(super) pool: String,
    pub(super) wide: bool,
    pub(super) value: String,
    pub(super) docs: String,
    pub(super) doc_share: String,
    pub(super) matched_share: String,
    pub(super) expected_share: String,
    pub(super) ratio: String,
    pub(super) flags: Vec<&'static str>,
}

#[derive(Serialize)]
pub(super) struct CapacityRow {
    pub(super) doc_type: String,
    pub(super) estimate: String,
    pub(super) docs: String,
}

pub(super) fn size_view(r: &Report) -> SizeView {
    let t = &r.size.total;
    let p = &t.tokens_per_doc;
    let panels = [
        ("Tokens by doc type", &r.size.by_doc_type),
        ("Tokens by condition", &r.size.by_condition),
    ]
    .into_iter()
    .map(|(title, groups)| {
        let rows: Vec<Row> = groups
            .iter()
            .map(|(k, g)| Row {
                label: k.clone(),
                value: g.tokens as f64,
                text: format!("{} tok, median {}", short(g.tokens), g.tokens_per_doc.p50),
                hot: false,
            })
            .collect();
        panel(title, title, &rows, "no metadata in the records")
    })
    .collect();
    SizeView {
        characters: num(t.characters),
        words: num(t.words),
        tokens: num(t.tokens),
        min: p.min,
        p10: p.p10,
        p50: p.p50,
        p90: p.p90,
        p99: p.p99,
        max: p.max,
        mean: p.mean.to_string(),
        histogram: histogram(r),
        panels,
    }
}

/// The 40 largest counts, as bars of documents and share of `docs`.
pub(super) fn counts_rows(m: &BTreeMap<String, u64>, docs: u64) -> Vec<Row> {
    let mut v: Vec<(&String, &u64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(40)
        .map(|(k, &n)| Row {
            label: k.clone(),
            value: n as f64,
            text: format!("{} ({})", num(n), pct(n as f64 / docs.max(1) as f64)),
            hot: false,
        })
        .collect()
}

pub(super) fn coverage_view(r: &Report) -> CoverageView {
    let docs = r.size.total.documents;
    let c = &r.coverage;
    let mut fact_rows = counts_rows(&c.facts, docs);
    fact_rows.extend(c.facts_missing.iter().map(|m| Row {
        label: m.clone(),
        value: 0.0,
        text: "0 — missing".into(),
        hot: true,
    }));
    let fpd: BTreeMap<String, u64> = c
        .facts_per_doc
        .iter()
        .map(|(k, v)| (format!("{k} fact(s)"), *v))
        .collect();
    let panels = vec![
        panel(
            "Documents per fact",
            "documents per fact",
            &fact_rows,
            "no fact information",
        ),
        panel(
            "Documents per doc type",
            "documents per doc type",
            &counts_rows(&c.doc_types, docs),
            "no doc types in the records",
        ),
        panel(
            "Documents per template",
            "documents per template",
            &counts_rows(&c.templates, docs),
            "no templates in the records",
        ),
        panel(
            "Facts per document",
            "facts per document",
            &counts_rows(&fpd, docs),
            "no fact information",
        ),
    ];
    let cooccurrence = (c.fact_cooccurrence.iter())
        .flat_map(|(a, m)| {
            m.iter().map(move |(b, n)| Cooccurrence {
                a: a.clone(),
                b: b.clone(),
                docs: num(*n),
            })
        })
        .collect();
    CoverageView {
        fact_source: c.fact_source.clone(),
        panels,
        cooccurrence,
    }
}

pub(super) fn frequent_rows(rows: &[Frequent]) -> Vec<FrequentRow> {
    rows.iter()
        .map(|f| FrequentRow {
            text: f.text.clone(),
            docs: num(f.docs),
            share: pct(f.doc_share),
        })
        .collect()
}

/// Bars of documents per phrase, labelled with the share of documents.
pub(super) fn frequent_bars(rows: &[Frequent], hot_share: f64) -> Vec<Row> {
    rows.iter()
        .map(|f| Row {
            label: f.text.clone(),
            value: f.docs as f64,
            text: pct(f.doc_share),
            hot: f.doc_share > hot_share,
        })
        .collect()
}

pub(super) fn diversity_view(r: &Report) -> DiversityView {
    let d = &r.diversity;
    let nd = &d.near_duplicates;
    let ngram_rows: Vec<Row> = (d.distinct_ngrams.iter())
        .filter(|n| n.total > 0)
        .map(|n| Row {
            label: format!("{}-grams", n.n),
            value: n.ratio,
            text: format!("{:.3} ({} of {})", n.ratio, num(n.distinct), num(n.total)),
            hot: false,
        })
        .collect();
    let top = &d.top_8grams[..d.top_8grams.len().min(10)];
    let panels = vec![
        panel(
            "Distinct n-gram ratio (distinct / total)",
            "distinct n-gram ratio",
            &ngram_rows,
            "no words",
        ),
        panel(
            "Most frequent 8-grams (share of documents)",
            "top 8-grams",
            &frequent_bars(top, 0.5),
            "no 8-grams",
        ),
    ];
    let near_examples = (nd.examples.iter())
        .map(|e| NearPair {
            a: e.a.clone(),
            b: e.b.clone(),
            estimated_jaccard: format!("{:.3}", e.estimated_jaccard),
            jaccard: format!("{:.3}", e.jaccard),
            a_words: marked(&e.a_text, &e.b_text),
            b_words: marked(&e.b_text, &e.a_text),
        })
        .collect();
    DiversityView {
        exact_documents: num(d.exact_duplicates.documents),
        exact_groups: num(d.exact_duplicates.groups),
        threshold: nd.params.threshold.to_string(),
        near_documents: num(nd.documents_in_clusters),
        clusters: num(nd.clusters),
        near_share: pct(nd.share),
        largest_cluster: num(nd.largest_cluster),
        hashes: nd.params.hashes,
        shingle_words: nd.params.shingle_words,
        bands: nd.params.bands,
        rows_per_band: nd.params.rows_per_band,
        seed: nd.params.seed,
        panels,
        top_8grams: frequent_rows(&d.top_8grams),
        near_examples,
        exact_examples: d.exact_duplicates.examples.clone(),
    }
}

/// Splits `a` into plain runs and the words `b` lacks (marked).
pub(super) fn marked(a: &str, b: &str) -> Vec<Segment> {
    let other: HashSet<&str> = b.split_whitespace().collect();
    fn plain(out: &mut Vec<Segment>, s: &str) {
        match out.last_mut() {
            Some(last) if !last.mark => last.text.push_str(s),
            _ => out.push(Segment {
                text: s.into(),
                mark: false,
            }),
        }
    }
    let mut out: Vec<Segment> = Vec::new();
    for (i, w) in a.split(' ').enumerate() {
        if i > 0 {
            plain(&mut out, " ");
        }
        if !w.trim().is_empty() && !other.contains(w.trim()) {
            out.push(Segment {
                text: w.into(),
                mark: true,
            });
        } else {
            plain(&mut out, w);
        }
    }
    out
}

pub(super) fn overuse_view(r: &Report) -> OveruseView {
    let o = &r.overuse;
    let pools = (!o.pools.is_empty()).then(|| pools_view(r));
    OveruseView {
        ratio_threshold: o.ratio_threshold.to_string(),
        wide_threshold: pct(o.wide_threshold),
        pools,
        phrases_panel: panel(
            "Capitalised phrases (share of documents)",
            "capitalised phrases",
            &frequent_bars(&o.capitalised_phrases, f64::INFINITY),
            "none found",
        ),
        phrases: frequent_rows(&o.capitalised_phrases),
    }
}

/// The pool table (each pool's flagged values, or its three most frequent when none is
/// flagged) and the chart of the 20 most frequent pool values.
pub(super) fn pools_view(r: &Report) -> PoolsView {
    let o = &r.overuse;
    let rows = (o.pools.iter())
        .flat_map(|p| {
            let values = if p.flagged.is_empty() {
                &p.top[..p.top.len().min(3)]
            } else {
                &p.flagged[..]
            };
            values.iter().map(move |v| PoolRow {
                pool: p.pool.clone(),
                wide: p.wide,
                value: v.value.clone(),
                docs: num(v.docs),
                doc_share: pct(v.doc_share),
                matched_share: pct(v.matched_share),
                expected_share: pct(v.expected_share),
                ratio: format!("{:.2}", v.ratio),
                flags: v.flags.clone(),
            })
        })
        .collect();
    let mut hot: Vec<Row> = (o.pools.iter())
        .flat_map(|p| p.top.iter().take(3).map(move |v| (p, v)))
        .map(|(p, v)| Row {
            label: format!("{}: {}", p.pool, v.value),
            value: v.doc_share,
            text: pct(v.doc_share),
            hot: !v.flags.is_empty(),
        })
        .collect();
    hot.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.label.cmp(&b.label)));
    hot.truncate(20);
    PoolsView {
        rows,
        chart: panel(
            "Most frequent pool values (share of documents; red = flagged)",
            "pool values",
            &hot,
            "no pool value found",
        ),
    }
}
