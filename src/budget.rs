//! Token budgets: `generate --tokens 70M` turns a budget into a number of documents per
//! condition. Documents of the root condition are rendered in index order until their text
//! reaches the budget; that count is then used for every selected condition, so matched
//! conditions keep identical document sets. The count depends only on the spec, seed and
//! budget (documents are measured one by one and summed in index order), never on the thread
//! or shard count. Nothing is written here.

use crate::error::{Error, Result};
use crate::generate::Selection;
use crate::observe::Observer;
use crate::plan::plan_doc;
use crate::render::Renderer;
use crate::stats::tokens::{Tokenizer, TokenizerKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A token budget per condition, as the manifest records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Tokens of document text each condition must reach.
    pub tokens: u64,
    pub tokenizer: TokenizerKind,
}

/// Documents measured per parallel task.
const CHUNK: u64 = 64;

/// Documents measured before giving up on a spec whose documents have no tokens at all.
const EMPTY_LIMIT: u64 = 4096;

/// Parses a count with an optional K, M or B suffix (powers of 1000; case-insensitive;
/// `_` and `,` separators ignored): `70M`, `1.5B`, `20000`, `250k`.
pub fn parse_count(s: &str) -> std::result::Result<u64, String> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect();
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('B') | Some('G') => (&t[..t.len() - 1], 1e9),
        _ => (&t[..], 1.0),
    };
    let bad = || {
        format!(
            "expected a positive count such as 70M, 250K, 1.5B or 20000, found {s:?} (suffixes: K = 1,000, M = 1,000,000, B = 1,000,000,000)"
        )
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    let n = v * mult;
    if !n.is_finite() || n < 1.0 || n > u64::MAX as f64 / 2.0 {
        return Err(bad());
    }
    if n.fract() != 0.0 {
        return Err(format!("{s:?} is not a whole number of tokens"));
    }
    Ok(n as u64)
}

/// The number of documents per condition that `budget` gives: the fewest documents of the
/// root condition of `sel`'s first condition, in index order, whose text holds at least
/// `budget.tokens` tokens.
pub fn measure(
    sel: &Selection,
    renderer: &Renderer,
    budget: Budget,
    threads: usize,
    observer: &dyn Observer,
) -> Result<u64> {
    let spec = renderer.spec();
    let root = spec.conditions[sel.conditions[0]].root;
    let tokenizer = Tokenizer::new(budget.tokenizer);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
    let window = (threads.max(1) as u64 * 4).max(2);
    observer.start("measure", Some(budget.tokens), "tokens");
    let (mut total, mut next) = (0u64, 0u64);
    let result = loop {
        if observer.cancelled() {
            break Err(Error::Interrupted(
                "interrupted: nothing was written".into(),
            ));
        }
        let starts: Vec<u64> = (0..window).map(|k| next + k * CHUNK).collect();
        let counts: Result<Vec<Vec<u64>>> = pool.install(|| {
            starts
                .par_iter()
                .map(|&s| {
                    (s..s + CHUNK)
                        .map(|i| {
                            let plan = plan_doc(spec, sel.seed, root, i);
                            Ok(tokenizer.count(&renderer.render_doc(&plan)?.text))
                        })
                        .collect()
                })
                .collect()
        });
        let mut found = None;
        for (i, n) in counts?.into_iter().flatten().enumerate() {
            total += n;
            if total >= budget.tokens {
                found = Some(next + i as u64 + 1);
                break;
            }
        }
        next += window * CHUNK;
        observer.progress(total.min(budget.tokens));
        if let Some(docs) = found {
            break Ok(docs);
        }
        if total == 0 && next >= EMPTY_LIMIT {
            break Err(Error::Usage(format!(
                "--tokens: the first {next} documents of condition `{}` have no {} tokens at all; a token budget cannot be reached",
                spec.conditions[root].id,
                budget.tokenizer.name()
            )));
        }
    };
    observer.finish();
    result
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn counts_take_suffixes() {
        assert_eq!(parse_count("70M"), Ok(70_000_000));
        assert_eq!(parse_count("250k"), Ok(250_000));
        assert_eq!(parse_count("1.5B"), Ok(1_500_000_000));
        assert_eq!(parse_count("20_000"), Ok(20_000));
        assert!(parse_count("0").is_err());
        assert!(parse_count("-5M").is_err());
        assert!(parse_count("7X").is_err());
        assert!(parse_count("1.0000005K").is_err());
    }
}
