//! What a mix's weights are shares of. With `Share::Records` source k is drawn for each
//! record with its fixed weight. With `Share::Tokens` the draw for each record uses
//!
//! ```text
//! weight_k = (w_k / m_k) * clamp((s_k * T + M) / (T_k + M), 1/4, 4)^4
//! ```
//!
//! where s_k is the weight's share, T_k the tokens taken from k so far, T their sum, m_k the
//! mean tokens of k's records (its first record, read ahead, counts as one more record), and
//! M the mean over all sources. The first factor makes the expected token share follow the
//! weights; the second pulls a source that has fallen behind its share back to it, so token
//! shares stay within a fraction of a percent of the weights while records still interleave
//! at random. Everything is a function of the records taken in order, so the draw is as
//! deterministic as the record shares' (same seed and sources, same mix).

use super::Open;
use crate::error::Result;
use crate::observe::Observer;
use crate::stats::tokens::{Tokenizer, TokenizerKind};
use serde::{Deserialize, Serialize};

/// What the weights of a mix are shares of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Share {
    /// Shares of records (the default).
    #[default]
    Records,
    /// Shares of tokens of text, counted with this tokenizer.
    Tokens(TokenizerKind),
}

impl Share {
    pub fn is_records(&self) -> bool {
        *self == Share::Records
    }
}

/// Integer weights for each record's draw.
pub(super) struct Draw {
    share: Share,
    fixed: Vec<u64>,
    /// Tokens of each source's first record (0 for an empty source).
    prior: Vec<u64>,
}

/// The integer weights of one draw sum to about this.
const SCALE: f64 = 1e12;
/// Exponent of the pull back to the target share.
const PULL: i32 = 4;

impl Draw {
    /// For token shares, reads each source's first record ahead to know its size.
    pub(super) fn new(
        share: Share,
        fixed: &[u64],
        open: &mut [Open],
        tokenizer: Option<&Tokenizer>,
        obs: &dyn Observer,
    ) -> Result<Draw> {
        let mut prior = vec![0; open.len()];
        if let (Share::Tokens(_), Some(tk)) = (share, tokenizer) {
            for (o, p) in open.iter_mut().zip(&mut prior) {
                o.peeked = o.next(obs)?;
                *p = o.peeked.as_ref().map_or(0, |t| tk.count(&t.text));
            }
        }
        Ok(Draw {
            share,
            fixed: fixed.to_vec(),
            prior,
        })
    }

    /// The weights of the next record's draw.
    pub(super) fn weights(&self, open: &[Open]) -> Vec<u64> {
        if self.share == Share::Records {
            return self.fixed.clone();
        }
        let total_w: f64 = self.fixed.iter().map(|&w| w as f64).sum();
        let mean = |o: &Open, p: u64| ((o.tokens + p) as f64 / (o.taken + 1) as f64).max(1.0);
        let means: Vec<f64> = (open.iter().zip(&self.prior))
            .map(|(o, &p)| mean(o, p))
            .collect();
        let all_mean = means.iter().sum::<f64>() / means.len() as f64;
        let taken: f64 = open.iter().map(|o| o.tokens as f64).sum();
        let raw: Vec<f64> = (open.iter().zip(&self.fixed).zip(&means))
            .map(|((o, &w), &m)| {
                let s = w as f64 / total_w;
                let pull = ((s * taken + all_mean) / (o.tokens as f64 + all_mean)).clamp(0.25, 4.0);
                s / m * pull.powi(PULL)
            })
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.iter()
            .map(|r| ((r / sum * SCALE).round() as u64).max(1))
            .collect()
    }
}
