//! Size statistics: documents, characters, words and tokens, overall and per group (doc type,
//! condition), with exact percentiles and a histogram of tokens per document. Keeps one `u32`
//! per document per group it belongs to (12 bytes a document in all), so percentiles are
//! exact rather than sketched.

use serde::Serialize;

/// Bins of the tokens-per-document histogram.
pub const BINS: u64 = 24;

#[derive(Debug, Clone, Default)]
pub struct SizeAcc {
    pub docs: u64,
    pub chars: u64,
    pub words: u64,
    pub tokens: u64,
    lengths: Vec<u32>,
}

impl SizeAcc {
    pub fn add(&mut self, chars: u64, words: u64, tokens: u64) {
        self.docs += 1;
        self.chars += chars;
        self.words += words;
        self.tokens += tokens;
        self.lengths.push(tokens.min(u32::MAX as u64) as u32);
    }

    pub fn report(mut self, histogram: bool) -> SizeReport {
        self.lengths.sort_unstable();
        let l = &self.lengths;
        let pct = |p: f64| -> u64 {
            if l.is_empty() {
                return 0;
            }
            // nearest rank
            let rank = ((p / 100.0) * l.len() as f64).ceil().max(1.0) as usize;
            l[rank.min(l.len()) - 1] as u64
        };
        let tokens_per_doc = Percentiles {
            min: l.first().copied().unwrap_or(0) as u64,
            p10: pct(10.0),
            p50: pct(50.0),
            p90: pct(90.0),
            p99: pct(99.0),
            max: l.last().copied().unwrap_or(0) as u64,
            mean: if l.is_empty() {
                0.0
            } else {
                (self.tokens as f64 / l.len() as f64 * 10.0).round() / 10.0
            },
        };
        let histogram = histogram.then(|| {
            let max = tokens_per_doc.max;
            let width = nice_width(max / BINS + 1);
            let n = (max / width + 1) as usize;
            let mut bins = vec![0u64; n];
            for &x in l {
                bins[(x as u64 / width) as usize] += 1;
            }
            Histogram {
                bin_width: width,
                bins: bins
                    .into_iter()
                    .enumerate()
                    .map(|(i, docs)| Bin {
                        from: i as u64 * width,
                        to: (i as u64 + 1) * width,
                        docs,
                    })
                    .collect(),
            }
        });
        SizeReport {
            documents: self.docs,
            characters: self.chars,
            words: self.words,
            tokens: self.tokens,
            tokens_per_doc,
            histogram,
        }
    }
}

/// The smallest of 1, 2, 5 × 10^k that is at least `x`.
fn nice_width(x: u64) -> u64 {
    let mut p = 1u64;
    loop {
        for m in [1, 2, 5] {
            if m * p >= x {
                return m * p;
            }
        }
        p *= 10;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    pub documents: u64,
    pub characters: u64,
    /// Whitespace-separated words.
    pub words: u64,
    pub tokens: u64,
    pub tokens_per_doc: Percentiles,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Histogram>,
}

/// Nearest-rank percentiles of tokens per document.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    pub min: u64,
    pub p10: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
    pub mean: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Histogram {
    pub bin_width: u64,
    /// `from` inclusive, `to` exclusive, in tokens.
    pub bins: Vec<Bin>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    pub from: u64,
    pub to: u64,
    pub docs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut a = SizeAcc::default();
        for t in 1..=100 {
            a.add(0, 0, t);
        }
        let r = a.report(true);
        assert_eq!(
            (
                r.tokens_per_doc.p50,
                r.tokens_per_doc.p90,
                r.tokens_per_doc.max
            ),
            (50, 90, 100)
        );
        let h = r.histogram.unwrap();
        assert_eq!(h.bin_width, 5);
        assert_eq!(h.bins.iter().map(|b| b.docs).sum::<u64>(), 100);
    }
}
