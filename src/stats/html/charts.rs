//! Chart geometry for the HTML report: horizontal bar charts and the token histogram, laid
//! out here as plain numbers that the template draws as SVG. No markup.

use super::*;

/// A titled panel holding one bar chart, or the `empty` text when there is nothing to draw.
#[derive(Serialize)]
pub(super) struct Panel {
    pub(super) title: String,
    pub(super) chart: Option<BarChart>,
    pub(super) empty: &'static str,
}

/// Horizontal bars, laid out: one row of label, bar and value text per bar.
#[derive(Serialize)]
pub(super) struct BarChart {
    pub(super) aria: String,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) label_x: f64,
    pub(super) bar_x: f64,
    pub(super) bar_height: f64,
    pub(super) bars: Vec<Bar>,
}

#[derive(Serialize)]
pub(super) struct Bar {
    /// Shortened to 30 characters; `full_label` goes in the tooltip.
    pub(super) label: String,
    pub(super) full_label: String,
    pub(super) text: String,
    pub(super) hot: bool,
    pub(super) y: f64,
    pub(super) text_y: f64,
    pub(super) width: f64,
    pub(super) text_x: f64,
}

/// The tokens-per-document histogram, laid out.
#[derive(Serialize)]
pub(super) struct Histogram {
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) label_x: f64,
    pub(super) grid: Vec<GridLine>,
    pub(super) bars: Vec<HistBar>,
    pub(super) tick_y: f64,
    pub(super) caption_x: f64,
    pub(super) caption_y: f64,
}

#[derive(Serialize)]
pub(super) struct GridLine {
    pub(super) y: f64,
    pub(super) text_y: f64,
    pub(super) label: String,
}

#[derive(Serialize)]
pub(super) struct HistBar {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) from: u64,
    pub(super) to: u64,
    pub(super) docs: String,
    /// An axis label at the bar's left edge, on every few bars.
    pub(super) tick: Option<Tick>,
}

#[derive(Serialize)]
pub(super) struct Tick {
    pub(super) x: f64,
    pub(super) label: String,
}

/// A bar chart row before layout: label, value, the text after the bar, whether to highlight.
pub(super) struct Row {
    pub(super) label: String,
    pub(super) value: f64,
    pub(super) text: String,
    pub(super) hot: bool,
}

/// Rounds a chart coordinate to one decimal.
pub(super) fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A panel with a bar chart of `rows` (`aria` names the chart), or `empty` when none.
pub(super) fn panel(title: &str, aria: &str, rows: &[Row], empty: &'static str) -> Panel {
    Panel {
        title: title.into(),
        chart: hbars(aria, rows),
        empty,
    }
}

/// Horizontal bars, one per row; `None` when there is nothing to draw.
pub(super) fn hbars(aria: &str, rows: &[Row]) -> Option<BarChart> {
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
pub(super) fn histogram(r: &Report) -> Option<Histogram> {
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
