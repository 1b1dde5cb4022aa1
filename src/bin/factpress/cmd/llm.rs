//! `factpress llm run DIR --endpoint URL`: send a briefs folder's requests, print the usage
//! totals and the failures on stderr.

use crate::cli::LlmRunArgs;
use crate::ui::Terminal;
use factpress::llm::run::{Options, run as run_requests};
use std::time::Duration;

pub fn run(a: LlmRunArgs) -> anyhow::Result<u8> {
    let api_key = match &a.api_key_env {
        Some(var) => match std::env::var(var) {
            Ok(k) if !k.is_empty() => Some(k),
            _ => {
                return Err(factpress::Error::Usage(format!(
                    "--api-key-env {var}: the environment variable {var} is not set (or empty)"
                ))
                .into());
            }
        },
        None => None,
    };
    let opts = Options {
        endpoint: a.endpoint,
        api_key,
        concurrency: a.concurrency,
        max_retries: a.max_retries,
        timeout: Duration::from_secs_f64(a.timeout),
    };
    let ui = Terminal::new(a.quiet);
    let r = run_requests(&a.dir, &opts, &ui)?;
    const SHOWN: usize = 20;
    for f in r.failed.iter().take(SHOWN) {
        ui.print(&format!(
            "failed: {} ({}): {}: {}",
            f.custom_id, f.at, f.code, f.message
        ));
    }
    if r.failed.len() > SHOWN {
        ui.print(&format!(
            "… and {} more failures (all in the results file)",
            r.failed.len() - SHOWN
        ));
    }
    if !a.quiet {
        ui.print(&format!(
            "{} requests: {} from the cache, {} answered now ({} HTTP attempts), {} failed",
            r.total,
            r.cached,
            r.answered,
            r.attempts,
            r.failed.len()
        ));
        ui.print(&format!(
            "usage: {} prompt tokens, {} completion tokens, {} in all",
            r.prompt_tokens,
            r.completion_tokens,
            r.prompt_tokens + r.completion_tokens
        ));
        ui.print(&format!("wrote {}", r.results.display()));
    }
    if r.failed.is_empty() {
        Ok(0)
    } else {
        ui.print(&format!(
            "error: {} of {} requests failed (no cache file: the next run sends them again)",
            r.failed.len(),
            r.total
        ));
        Ok(1)
    }
}
