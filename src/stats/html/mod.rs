//! The HTML report: one self-contained file (inline CSS and SVG, one small inline script, no
//! network, no external fonts) with the histograms, coverage bars, overuse table and
//! near-duplicate examples. Every chart is an `<svg class="chart">` with at least one bar, so
//! an empty chart is a defect that the CI check (`scripts/check-html-report.sh`) catches.
//! Pure: turns a `Report` into a string. The markup and CSS live in the minijinja template
//! `report.html.j2` (HTML auto-escaping on, from its name); this file only prepares plain
//! serialisable view data for it: table rows, chart geometry, formatted numbers.

mod charts;
mod realism;
mod sections;

use super::report::Report;
use charts::*;
use minijinja::Environment;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use realism::*;
use sections::*;
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
    realism: RealismView,
    capacity: Vec<CapacityRow>,
}

#[derive(Serialize)]
struct Card {
    value: String,
    label: String,
    bad: bool,
}

pub(super) fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// 1234567 -> 1,234,567.
pub(super) fn num(n: u64) -> String {
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
pub(super) fn short(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
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
        realism: realism_view(r),
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
        card(
            pct(r.realism.sentence_repetition),
            format!(
                "sentence occurrences repeated in ≥ {} of documents",
                pct(r.realism.sentences.threshold_share)
            ),
            r.realism.sentence_repetition > 0.05,
        ),
        card(
            (r.realism.predictability.gain).map_or_else(|| "–".into(), |g| format!("{g:.2}×")),
            "held-out gain of a zstd dictionary".into(),
            r.realism.predictability.gain.is_some_and(|g| g > 2.0),
        ),
    ]
}

#[cfg(test)]
mod tests;
