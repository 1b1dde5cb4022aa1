//! The HTML report: one self-contained file (inline CSS and SVG, one small inline script, no
//! network, no external fonts) with the histograms, coverage bars, overuse table and
//! near-duplicate examples. Every chart is an `<svg class="chart">` with at least one bar, so
//! an empty chart is a defect that the CI check (`scripts/check-html-report.sh`) catches.
//! Pure: turns a `Report` into a string.

use super::report::{Frequent, Report};
use std::collections::HashSet;
use std::fmt::Write;

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1100px;margin:0 auto;padding:20px 28px 60px}
h1{font-size:22px;margin:8px 0 2px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.muted{color:#667085}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:14px 0}
.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:20px}.card span{color:#667085;font-size:12px}
.card.bad{border-color:#e5a0a0;background:#fff6f6}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid{grid-template-columns:1fr}}
.panel{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:10px 14px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.flag{display:inline-block;background:#fde2e1;color:#9b1c1c;border-radius:4px;padding:0 6px;font-size:12px;margin-right:4px}
.warn{background:#fff7e0;border:1px solid #f0d48a;border-radius:6px;padding:6px 10px;margin:4px 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:8px 0 16px}
.pair pre{white-space:pre-wrap;background:#fafbfc;border:1px solid #e1e4ea;border-radius:6px;padding:8px;margin:0;font-size:12px;max-height:260px;overflow:auto}
mark{background:#ffe08a}code{font-size:12px}
svg.chart text{font-size:11px;fill:#344054}svg.chart .bar{fill:#4f7cc9}svg.chart .bar.hot{fill:#d9534f}
"#;

/// A dark bar chart row: label, value, whether to highlight.
struct Row {
    label: String,
    value: f64,
    text: String,
    hot: bool,
}

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

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

/// Horizontal bars, one per row; `None` when there is nothing to draw.
fn hbars(title: &str, rows: &[Row]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let (w, label_w, row_h) = (600.0, 190.0, 20.0);
    let max = rows
        .iter()
        .map(|r| r.value)
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let h = rows.len() as f64 * row_h + 6.0;
    let mut s = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet">"#,
        esc(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 3.0;
        let bw = ((w - label_w - 175.0) * r.value / max).max(1.0);
        let label: String = if r.label.chars().count() > 30 {
            r.label.chars().take(29).collect::<String>() + "…"
        } else {
            r.label.clone()
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect class="bar{}" x="{label_w}" y="{}" width="{bw:.1}" height="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{}">{}</text>"#,
            label_w - 6.0,
            y + 13.0,
            esc(&label),
            if r.hot { " hot" } else { "" },
            y + 2.0,
            row_h - 5.0,
            esc(&r.label),
            esc(&r.text),
            label_w + bw + 5.0,
            y + 13.0,
            esc(&r.text)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// The tokens-per-document histogram.
fn histogram(r: &Report) -> Option<String> {
    let h = r.size.total.histogram.as_ref()?;
    if h.bins.iter().all(|b| b.docs == 0) {
        return None;
    }
    let (w, ht, left, bottom) = (1000.0, 230.0, 56.0, 36.0);
    let max = h.bins.iter().map(|b| b.docs).max().unwrap_or(1).max(1) as f64;
    let n = h.bins.len() as f64;
    let bw = (w - left - 10.0) / n;
    let mut s = format!(
        r#"<svg class="chart" role="img" aria-label="tokens per document" viewBox="0 0 {w} {ht}" width="100%">"#
    );
    let plot_h = ht - bottom - 10.0;
    for k in 0..=4 {
        let y = 10.0 + plot_h * (1.0 - k as f64 / 4.0);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e4e7ec"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            w - 10.0,
            left - 6.0,
            y + 4.0,
            num((max * k as f64 / 4.0).round() as u64)
        );
    }
    let every = (h.bins.len() / 10).max(1);
    for (i, b) in h.bins.iter().enumerate() {
        let x = left + i as f64 * bw;
        let bh = plot_h * b.docs as f64 / max;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}"><title>{}–{} tokens: {} documents</title></rect>"#,
            x + 1.0,
            10.0 + plot_h - bh,
            (bw - 2.0).max(1.0),
            b.from,
            b.to,
            num(b.docs)
        );
        if i % every == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x,
                ht - bottom + 16.0,
                num(b.from)
            );
        }
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">tokens per document ({})</text></svg>"#,
        left + (w - left) / 2.0,
        ht - 4.0,
        esc(&r.tokenizer)
    );
    Some(s)
}

fn counts_rows(m: &std::collections::BTreeMap<String, u64>, docs: u64) -> Vec<Row> {
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

fn panel(s: &mut String, title: &str, chart: Option<String>, empty: &str) {
    let _ = write!(s, r#"<div class="panel"><h3>{}</h3>"#, esc(title));
    match chart {
        Some(c) => s.push_str(&c),
        None => {
            let _ = write!(s, r#"<p class="muted">{}</p>"#, esc(empty));
        }
    }
    s.push_str("</div>");
}

fn frequent_table(s: &mut String, rows: &[Frequent], what: &str) {
    if rows.is_empty() {
        let _ = write!(s, r#"<p class="muted">no {what} found</p>"#);
        return;
    }
    let _ = write!(
        s,
        "<table><tr><th>{what}</th><th>documents</th><th>share</th></tr>"
    );
    for f in rows {
        let _ = write!(
            s,
            r#"<tr><td><code>{}</code></td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&f.text),
            num(f.docs),
            pct(f.doc_share)
        );
    }
    s.push_str("</table>");
}

/// Marks the words of `a` that `b` lacks.
fn marked(a: &str, b: &str) -> String {
    let other: HashSet<&str> = b.split_whitespace().collect();
    let mut o = String::new();
    for (i, w) in a.split(' ').enumerate() {
        if i > 0 {
            o.push(' ');
        }
        if !w.trim().is_empty() && !other.contains(w.trim()) {
            let _ = write!(o, "<mark>{}</mark>", esc(w));
        } else {
            o.push_str(&esc(w));
        }
    }
    o
}

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let docs = r.size.total.documents;
    let d = &r.diversity;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>factpress stats — {}</title><style>{CSS}</style><script>window.__errors=[];window.addEventListener("error",function(e){{window.__errors.push(String(e.message));document.documentElement.setAttribute("data-errors",window.__errors.length);}});</script></head><body><main>"#,
        esc(&r.inputs.join(", "))
    );
    let _ = write!(
        s,
        r#"<h1>Corpus statistics</h1><div class="muted">{} · inputs: {} · spec: {} · tokenizer: {}</div>"#,
        esc(&r.tool),
        esc(&r.inputs.join(", ")),
        esc(r.spec.as_deref().unwrap_or("none")),
        esc(&r.tokenizer)
    );
    let flagged: usize = r.overuse.pools.iter().map(|p| p.flagged.len()).sum();
    let cards = [
        (num(docs), "documents".to_string(), false),
        (
            num(r.size.total.tokens),
            format!("tokens ({})", r.tokenizer),
            false,
        ),
        (
            r.size.total.tokens_per_doc.p50.to_string(),
            "median tokens / document".into(),
            false,
        ),
        (
            pct(d.near_duplicates.share),
            format!(
                "in near-duplicate clusters (J ≥ {})",
                d.near_duplicates.params.threshold
            ),
            d.near_duplicates.share > 0.05,
        ),
        (
            num(d.exact_duplicates.documents),
            "exact duplicate documents".into(),
            d.exact_duplicates.documents > 0,
        ),
        (
            flagged.to_string(),
            "overused pool values".into(),
            flagged > 0,
        ),
    ];
    s.push_str(r#"<div class="cards">"#);
    for (v, l, bad) in cards {
        let _ = write!(
            s,
            r#"<div class="card{}"><b>{}</b><span>{}</span></div>"#,
            if bad { " bad" } else { "" },
            esc(&v),
            esc(&l)
        );
    }
    s.push_str("</div>");
    for w in &r.warnings {
        let _ = write!(s, r#"<div class="warn">{}</div>"#, esc(w));
    }

    // Size.
    s.push_str("<h2>Size</h2>");
    let p = &r.size.total.tokens_per_doc;
    let _ = write!(
        s,
        r#"<p>{} characters, {} words, {} tokens. Tokens per document: min {}, p10 {}, median {}, p90 {}, p99 {}, max {}, mean {}.</p>"#,
        num(r.size.total.characters),
        num(r.size.total.words),
        num(r.size.total.tokens),
        p.min,
        p.p10,
        p.p50,
        p.p90,
        p.p99,
        p.max,
        p.mean
    );
    panel(&mut s, "Tokens per document", histogram(r), "no documents");
    s.push_str(r#"<div class="grid">"#);
    for (title, groups) in [
        ("Tokens by doc type", &r.size.by_doc_type),
        ("Tokens by condition", &r.size.by_condition),
    ] {
        let rows: Vec<Row> = groups
            .iter()
            .map(|(k, g)| Row {
                label: k.clone(),
                value: g.tokens as f64,
                text: format!("{} tok, median {}", short(g.tokens), g.tokens_per_doc.p50),
                hot: false,
            })
            .collect();
        panel(
            &mut s,
            title,
            hbars(title, &rows),
            "no metadata in the records",
        );
    }
    s.push_str("</div>");

    // Coverage.
    let c = &r.coverage;
    let _ = write!(
        s,
        r#"<h2>Coverage</h2><p class="muted">facts from: {}</p>"#,
        esc(&c.fact_source)
    );
    s.push_str(r#"<div class="grid">"#);
    let mut fact_rows = counts_rows(&c.facts, docs);
    for m in &c.facts_missing {
        fact_rows.push(Row {
            label: m.clone(),
            value: 0.0,
            text: "0 — missing".into(),
            hot: true,
        });
    }
    panel(
        &mut s,
        "Documents per fact",
        hbars("documents per fact", &fact_rows),
        "no fact information",
    );
    panel(
        &mut s,
        "Documents per doc type",
        hbars("documents per doc type", &counts_rows(&c.doc_types, docs)),
        "no doc types in the records",
    );
    panel(
        &mut s,
        "Documents per template",
        hbars("documents per template", &counts_rows(&c.templates, docs)),
        "no templates in the records",
    );
    let fpd: std::collections::BTreeMap<String, u64> = c
        .facts_per_doc
        .iter()
        .map(|(k, v)| (format!("{k} fact(s)"), *v))
        .collect();
    panel(
        &mut s,
        "Facts per document",
        hbars("facts per document", &counts_rows(&fpd, docs)),
        "no fact information",
    );
    s.push_str("</div>");
    if !c.fact_cooccurrence.is_empty() {
        s.push_str(r#"<details><summary><b>Fact co-occurrence</b> (documents carrying both; click to open)</summary><div class="panel"><table><tr><th>fact</th><th>with</th><th>documents</th></tr>"#);
        for (a, m) in &c.fact_cooccurrence {
            for (b, n) in m {
                let _ = write!(
                    s,
                    r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td></tr>"#,
                    esc(a),
                    esc(b),
                    num(*n)
                );
            }
        }
        s.push_str("</table></div></details>");
    }

    // Diversity.
    let nd = &d.near_duplicates;
    let _ = write!(
        s,
        r#"<h2>Diversity</h2><p>Exact duplicates: <b>{}</b> documents in {} groups. Near-duplicates (Jaccard ≥ {}): <b>{}</b> documents in {} clusters ({}), largest cluster {}. MinHash: {} hashes, {}-word shingles, {} bands × {} rows, seed {}.</p>"#,
        num(d.exact_duplicates.documents),
        num(d.exact_duplicates.groups),
        nd.params.threshold,
        num(nd.documents_in_clusters),
        num(nd.clusters),
        pct(nd.share),
        num(nd.largest_cluster),
        nd.params.hashes,
        nd.params.shingle_words,
        nd.params.bands,
        nd.params.rows_per_band,
        nd.params.seed
    );
    let ngram_rows: Vec<Row> = d
        .distinct_ngrams
        .iter()
        .filter(|n| n.total > 0)
        .map(|n| Row {
            label: format!("{}-grams", n.n),
            value: n.ratio,
            text: format!("{:.3} ({} of {})", n.ratio, num(n.distinct), num(n.total)),
            hot: false,
        })
        .collect();
    s.push_str(r#"<div class="grid">"#);
    panel(
        &mut s,
        "Distinct n-gram ratio (distinct / total)",
        hbars("distinct n-gram ratio", &ngram_rows),
        "no words",
    );
    let gram_rows: Vec<Row> = d
        .top_8grams
        .iter()
        .take(10)
        .map(|f| Row {
            label: f.text.clone(),
            value: f.docs as f64,
            text: pct(f.doc_share),
            hot: f.doc_share > 0.5,
        })
        .collect();
    panel(
        &mut s,
        "Most frequent 8-grams (share of documents)",
        hbars("top 8-grams", &gram_rows),
        "no 8-grams",
    );
    s.push_str("</div>");
    s.push_str(r#"<h3>Top 20 8-grams by document frequency</h3><div class="panel">"#);
    frequent_table(&mut s, &d.top_8grams, "8-gram");
    s.push_str("</div>");
    s.push_str("<h3>Near-duplicate examples</h3>");
    if nd.examples.is_empty() {
        s.push_str(r#"<p class="muted">no near-duplicate pairs</p>"#);
    }
    for e in &nd.examples {
        let _ = write!(
            s,
            r#"<div class="muted"><code>{}</code> ~ <code>{}</code>: estimated Jaccard {:.3}, exact {:.3} (words only in one are marked)</div><div class="pair"><pre>{}</pre><pre>{}</pre></div>"#,
            esc(&e.a),
            esc(&e.b),
            e.estimated_jaccard,
            e.jaccard,
            marked(&e.a_text, &e.b_text),
            marked(&e.b_text, &e.a_text)
        );
    }
    if !d.exact_duplicates.examples.is_empty() {
        s.push_str("<p>Exact duplicate examples: ");
        let ex: Vec<String> = d
            .exact_duplicates
            .examples
            .iter()
            .map(|[a, b]| format!("<code>{}</code> = <code>{}</code>", esc(a), esc(b)))
            .collect();
        s.push_str(&ex.join("; "));
        s.push_str("</p>");
    }

    // Overuse.
    let o = &r.overuse;
    let _ = write!(
        s,
        r#"<h2>Overuse</h2><p class="muted">A value is flagged <span class="flag">above-weight</span> when its share of its pool's matches is ≥ {}× the share its weights predict (in ≥ 10 documents), and <span class="flag">wide-pool-overuse</span> when a value of a pool marked <code>wide</code> is in more than {} of documents.</p>"#,
        o.ratio_threshold,
        pct(o.wide_threshold)
    );
    if o.pools.is_empty() {
        s.push_str(r#"<p class="muted">No spec: slot pools cannot be checked. See the capitalised phrases below.</p>"#);
    } else {
        s.push_str(r#"<div class="panel"><table><tr><th>pool</th><th>value</th><th>documents</th><th>doc share</th><th>share of pool matches</th><th>expected</th><th>ratio</th><th>flags</th></tr>"#);
        for p in &o.pools {
            let rows: Vec<_> = if p.flagged.is_empty() {
                p.top.iter().take(3).collect()
            } else {
                p.flagged.iter().collect()
            };
            for v in rows {
                let flags: String = v
                    .flags
                    .iter()
                    .map(|f| format!(r#"<span class="flag">{f}</span>"#))
                    .collect();
                let _ = write!(
                    s,
                    r#"<tr><td>{}{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{:.2}×</td><td>{}</td></tr>"#,
                    esc(&p.pool),
                    if p.wide {
                        " <span class=\"muted\">(wide)</span>"
                    } else {
                        ""
                    },
                    esc(&v.value),
                    num(v.docs),
                    pct(v.doc_share),
                    pct(v.matched_share),
                    pct(v.expected_share),
                    v.ratio,
                    flags
                );
            }
        }
        s.push_str(r#"</table><p class="muted">Flagged values of each pool, or its three most frequent values when none is flagged.</p></div>"#);
        let mut hot: Vec<Row> = o
            .pools
            .iter()
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
        let mut one = String::new();
        panel(
            &mut one,
            "Most frequent pool values (share of documents; red = flagged)",
            hbars("pool values", &hot),
            "no pool value found",
        );
        s.push_str(&one);
    }
    s.push_str("<h3>Most frequent capitalised phrases (names, organisations)</h3>");
    let phrase_rows: Vec<Row> = o
        .capitalised_phrases
        .iter()
        .map(|f| Row {
            label: f.text.clone(),
            value: f.docs as f64,
            text: pct(f.doc_share),
            hot: false,
        })
        .collect();
    s.push_str(r#"<div class="grid">"#);
    panel(
        &mut s,
        "Capitalised phrases (share of documents)",
        hbars("capitalised phrases", &phrase_rows),
        "none found",
    );
    s.push_str(r#"<div class="panel">"#);
    frequent_table(&mut s, &o.capitalised_phrases, "phrase");
    s.push_str("</div></div>");

    // Capacity.
    if !r.capacity.is_empty() {
        s.push_str(r#"<h2>Capacity</h2><p class="muted">Estimated distinct documents per doc type, from the spec's templates, pools and fact variants (dates and ids left out).</p><div class="panel"><table><tr><th>doc type</th><th>estimated capacity</th><th>documents in corpus</th></tr>"#);
        for c in &r.capacity {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(&c.doc_type),
                crate::spec::capacity::human(c.estimate),
                num(c.docs)
            );
        }
        s.push_str("</table></div>");
    }
    s.push_str(r#"<script>(function(){var c=document.querySelectorAll("svg.chart");var ok=0;c.forEach(function(x){if(x.querySelector("rect"))ok++;});document.documentElement.setAttribute("data-charts",c.length);document.documentElement.setAttribute("data-charts-drawn",ok);})();</script>"#);
    s.push_str("</main></body></html>\n");
    s
}

/// The page `--html` writes: one report, or one section per condition.
pub fn render_all(stats: &super::Stats) -> String {
    render(&stats.reports[0])
}
