//! The HTML report: one self-contained file (inline CSS and SVG, one small inline script, no
//! network, no external fonts) with the histograms, coverage bars, overuse table and
//! near-duplicate examples. Every chart is an `<svg class="chart">` with at least one bar, so
//! an empty chart is a defect that the CI check (`scripts/check-html-report.sh`) catches.
//! Pure: turns a `Report` into a string. The markup and CSS live in the minijinja template
//! `report.html.j2` (HTML auto-escaping on, from its name); this file only prepares plain
//! serialisable view data for it: table rows, chart geometry, formatted numbers.

use super::report::{Frequent, Report};
use minijinja::Environment;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Its name ends in `.html.j2`, so minijinja's default callback turns HTML escaping on.
const TEMPLATE_NAME: &str = "report.html.j2";
const TEMPLATE: &str = include_str!("report.html.j2");

/// Renders one report as a page.
pub fn render(r: &Report) -> String {
    page(std::slice::from_ref(r))
}

/// The page `--html` writes: one report, or one section per condition (with links).
pub fn render_all(stats: &super::Stats) -> String {
    page(&stats.reports)
}

/// The top-level context: the page title's inputs and one view per report.
#[derive(Serialize)]
struct Page {
    inputs: String,
    reports: Vec<View>,
}

fn page(reports: &[Report]) -> String {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("static template syntax"),
    );
    env.add_template(TEMPLATE_NAME, TEMPLATE)
        .expect("static template");
    env.get_template(TEMPLATE_NAME)
        .and_then(|t| {
            t.render(Serde(Page {
                inputs: reports
                    .first()
                    .map(|r| r.inputs.join(", "))
                    .unwrap_or_default(),
                reports: reports.iter().map(view).collect(),
            }))
        })
        .expect("static template")
}

/// Everything the template prints, already formatted.
#[derive(Serialize)]
struct View {
    condition: Option<String>,
    inputs: String,
    tool: String,
    spec: String,
    tokenizer: String,
    cards: Vec<Card>,
    warnings: Vec<String>,
    size: SizeView,
    coverage: CoverageView,
    diversity: DiversityView,
    overuse: OveruseView,
    capacity: Vec<CapacityRow>,
}

#[derive(Serialize)]
struct Card {
    value: String,
    label: String,
    bad: bool,
}

/// A titled panel holding one bar chart, or the `empty` text when there is nothing to draw.
#[derive(Serialize)]
struct Panel {
    title: String,
    chart: Option<BarChart>,
    empty: &'static str,
}

/// Horizontal bars, laid out: one row of label, bar and value text per bar.
#[derive(Serialize)]
struct BarChart {
    aria: String,
    width: f64,
    height: f64,
    label_x: f64,
    bar_x: f64,
    bar_height: f64,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Bar {
    /// Shortened to 30 characters; `full_label` goes in the tooltip.
    label: String,
    full_label: String,
    text: String,
    hot: bool,
    y: f64,
    text_y: f64,
    width: f64,
    text_x: f64,
}

/// The tokens-per-document histogram, laid out.
#[derive(Serialize)]
struct Histogram {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    label_x: f64,
    grid: Vec<GridLine>,
    bars: Vec<HistBar>,
    tick_y: f64,
    caption_x: f64,
    caption_y: f64,
}

#[derive(Serialize)]
struct GridLine {
    y: f64,
    text_y: f64,
    label: String,
}

#[derive(Serialize)]
struct HistBar {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    from: u64,
    to: u64,
    docs: String,
    /// An axis label at the bar's left edge, on every few bars.
    tick: Option<Tick>,
}

#[derive(Serialize)]
struct Tick {
    x: f64,
    label: String,
}

#[derive(Serialize)]
struct SizeView {
    characters: String,
    words: String,
    tokens: String,
    min: u64,
    p10: u64,
    p50: u64,
    p90: u64,
    p99: u64,
    max: u64,
    mean: String,
    histogram: Option<Histogram>,
    panels: Vec<Panel>,
}

#[derive(Serialize)]
struct CoverageView {
    fact_source: String,
    panels: Vec<Panel>,
    cooccurrence: Vec<Cooccurrence>,
}

#[derive(Serialize)]
struct Cooccurrence {
    a: String,
    b: String,
    docs: String,
}

#[derive(Serialize)]
struct DiversityView {
    exact_documents: String,
    exact_groups: String,
    threshold: String,
    near_documents: String,
    clusters: String,
    near_share: String,
    largest_cluster: String,
    hashes: usize,
    shingle_words: usize,
    bands: usize,
    rows_per_band: usize,
    seed: u64,
    panels: Vec<Panel>,
    top_8grams: Vec<FrequentRow>,
    near_examples: Vec<NearPair>,
    exact_examples: Vec<[String; 2]>,
}

#[derive(Serialize)]
struct FrequentRow {
    text: String,
    docs: String,
    share: String,
}

#[derive(Serialize)]
struct NearPair {
    a: String,
    b: String,
    estimated_jaccard: String,
    jaccard: String,
    a_words: Vec<Segment>,
    b_words: Vec<Segment>,
}

/// A run of a document's text; `mark` when it is a word the other document lacks.
#[derive(Serialize, Debug, PartialEq)]
struct Segment {
    text: String,
    mark: bool,
}

#[derive(Serialize)]
struct OveruseView {
    ratio_threshold: String,
    wide_threshold: String,
    /// `None` without a spec (no slot pools to check).
    pools: Option<PoolsView>,
    phrases_panel: Panel,
    phrases: Vec<FrequentRow>,
}

#[derive(Serialize)]
struct PoolsView {
    rows: Vec<PoolRow>,
    chart: Panel,
}

#[derive(Serialize)]
struct PoolRow {
    pool: String,
    wide: bool,
    value: String,
    docs: String,
    doc_share: String,
    matched_share: String,
    expected_share: String,
    ratio: String,
    flags: Vec<&'static str>,
}

#[derive(Serialize)]
struct CapacityRow {
    doc_type: String,
    estimate: String,
    docs: String,
}

/// A bar chart row before layout: label, value, the text after the bar, whether to highlight.
struct Row {
    label: String,
    value: f64,
    text: String,
    hot: bool,
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// 1234567 -> 1,234,567.
fn num(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// 33.6M, 12.1k, 950.
fn short(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// Rounds a chart coordinate to one decimal.
fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn view(r: &Report) -> View {
    let inputs = r.inputs.join(", ");
    View {
        condition: r.condition.clone(),
        inputs,
        tool: r.tool.clone(),
        spec: r.spec.clone().unwrap_or_else(|| "none".into()),
        tokenizer: r.tokenizer.clone(),
        cards: cards(r),
        warnings: r.warnings.clone(),
        size: size_view(r),
        coverage: coverage_view(r),
        diversity: diversity_view(r),
        overuse: overuse_view(r),
        capacity: r
            .capacity
            .iter()
            .map(|c| CapacityRow {
                doc_type: c.doc_type.clone(),
                estimate: crate::spec::capacity::human(c.estimate),
                docs: num(c.docs),
            })
            .collect(),
    }
}

/// The headline numbers; `bad` ones are drawn in red.
fn cards(r: &Report) -> Vec<Card> {
    let d = &r.diversity;
    let flagged: usize = r.overuse.pools.iter().map(|p| p.flagged.len()).sum();
    let card = |value: String, label: String, bad: bool| Card { value, label, bad };
    vec![
        card(num(r.size.total.documents), "documents".into(), false),
        card(
            num(r.size.total.tokens),
            format!("tokens ({})", r.tokenizer),
            false,
        ),
        card(
            r.size.total.tokens_per_doc.p50.to_string(),
            "median tokens / document".into(),
            false,
        ),
        card(
            pct(d.near_duplicates.share),
            format!(
                "in near-duplicate clusters (J ≥ {})",
                d.near_duplicates.params.threshold
            ),
            d.near_duplicates.share > 0.05,
        ),
        card(
            num(d.exact_duplicates.documents),
            "exact duplicate documents".into(),
            d.exact_duplicates.documents > 0,
        ),
        card(
            flagged.to_string(),
            "overused pool values".into(),
            flagged > 0,
        ),
    ]
}

/// A panel with a bar chart of `rows` (`aria` names the chart), or `empty` when none.
fn panel(title: &str, aria: &str, rows: &[Row], empty: &'static str) -> Panel {
    Panel {
        title: title.into(),
        chart: hbars(aria, rows),
        empty,
    }
}

/// Horizontal bars, one per row; `None` when there is nothing to draw.
fn hbars(aria: &str, rows: &[Row]) -> Option<BarChart> {
    if rows.is_empty() {
        return None;
    }
    let (w, label_w, row_h) = (600.0, 190.0, 20.0);
    let max = rows
        .iter()
        .map(|r| r.value)
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = i as f64 * row_h + 3.0;
            let bw = ((w - label_w - 175.0) * r.value / max).max(1.0);
            let label = if r.label.chars().count() > 30 {
                r.label.chars().take(29).collect::<String>() + "…"
            } else {
                r.label.clone()
            };
            Bar {
                label,
                full_label: r.label.clone(),
                text: r.text.clone(),
                hot: r.hot,
                y: y + 2.0,
                text_y: y + 13.0,
                width: r1(bw),
                text_x: r1(label_w + bw + 5.0),
            }
        })
        .collect();
    Some(BarChart {
        aria: aria.into(),
        width: w,
        height: rows.len() as f64 * row_h + 6.0,
        label_x: label_w - 6.0,
        bar_x: label_w,
        bar_height: row_h - 5.0,
        bars,
    })
}

/// The tokens-per-document histogram; `None` without one or when every bin is empty.
fn histogram(r: &Report) -> Option<Histogram> {
    let h = r.size.total.histogram.as_ref()?;
    if h.bins.iter().all(|b| b.docs == 0) {
        return None;
    }
    let (w, ht, left, bottom) = (1000.0, 230.0, 56.0, 36.0);
    let max = h.bins.iter().map(|b| b.docs).max().unwrap_or(1).max(1) as f64;
    let bw = (w - left - 10.0) / h.bins.len() as f64;
    let plot_h = ht - bottom - 10.0;
    let grid = (0..=4)
        .map(|k| {
            let y = 10.0 + plot_h * (1.0 - k as f64 / 4.0);
            GridLine {
                y: r1(y),
                text_y: r1(y + 4.0),
                label: num((max * k as f64 / 4.0).round() as u64),
            }
        })
        .collect();
    let every = (h.bins.len() / 10).max(1);
    let x = |i: usize| left + i as f64 * bw;
    let bars = h
        .bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let bh = plot_h * b.docs as f64 / max;
            HistBar {
                x: r1(x(i) + 1.0),
                y: r1(10.0 + plot_h - bh),
                width: r1((bw - 2.0).max(1.0)),
                height: r1(bh),
                from: b.from,
                to: b.to,
                docs: num(b.docs),
                tick: (i % every == 0).then(|| Tick {
                    x: r1(x(i)),
                    label: num(b.from),
                }),
            }
        })
        .collect();
    Some(Histogram {
        width: w,
        height: ht,
        left,
        right: w - 10.0,
        label_x: left - 6.0,
        grid,
        bars,
        tick_y: ht - bottom + 16.0,
        caption_x: left + (w - left) / 2.0,
        caption_y: ht - 4.0,
    })
}

fn size_view(r: &Report) -> SizeView {
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
fn counts_rows(m: &BTreeMap<String, u64>, docs: u64) -> Vec<Row> {
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

fn coverage_view(r: &Report) -> CoverageView {
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

fn frequent_rows(rows: &[Frequent]) -> Vec<FrequentRow> {
    rows.iter()
        .map(|f| FrequentRow {
            text: f.text.clone(),
            docs: num(f.docs),
            share: pct(f.doc_share),
        })
        .collect()
}

/// Bars of documents per phrase, labelled with the share of documents.
fn frequent_bars(rows: &[Frequent], hot_share: f64) -> Vec<Row> {
    rows.iter()
        .map(|f| Row {
            label: f.text.clone(),
            value: f.docs as f64,
            text: pct(f.doc_share),
            hot: f.doc_share > hot_share,
        })
        .collect()
}

fn diversity_view(r: &Report) -> DiversityView {
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
fn marked(a: &str, b: &str) -> Vec<Segment> {
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

fn overuse_view(r: &Report) -> OveruseView {
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
fn pools_view(r: &Report) -> PoolsView {
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

#[cfg(test)]
mod tests {
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
        assert!(html.contains(
            "&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; &#x27;co&#x27;"
        ));
        // The near-duplicate pair marks the escaped words, the top 8-gram table escapes too.
        assert!(
            html.contains("<mark>&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt;</mark>")
        );
        assert!(html.contains("<td><code>&lt;script&gt;"));
        // Only the two built-in scripts.
        assert_eq!(html.matches("<script>").count(), 2);
        assert_eq!(charts_drawn(&html), 11);
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
        let html = render(&r);
        assert_eq!(charts_drawn(&html), 0);
        for empty in [
            "no documents",
            "no fact information",
            "no 8-gram found",
            "No spec",
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
}
