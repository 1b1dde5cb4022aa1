//! `factpress stats INPUT…`: compute the statistics, write `--json` / `--html`, print the
//! summary.

use crate::cli::StatsArgs;
use crate::ui::Terminal;
use factpress::Error;
use std::time::Instant;

pub fn run(a: StatsArgs) -> anyhow::Result<u8> {
    let opts = factpress::stats::Options {
        inputs: a.inputs,
        text_field: a.text_field,
        spec: a.spec,
        conditions: a.conditions,
        tokenizer: a.tokenizer.into(),
        threads: super::threads(a.threads),
        seed: a.seed,
        threshold: a.near_threshold,
        overuse_ratio: a.overuse_ratio,
        wide_threshold: a.wide_threshold,
        strict: a.strict,
    };
    if !(0.0..=1.0).contains(&opts.threshold) || !(0.0..=1.0).contains(&opts.wide_threshold) {
        return Err(Error::Usage(
            "--near-threshold and --wide-threshold are shares between 0 and 1".into(),
        )
        .into());
    }
    let start = Instant::now();
    let ui = Terminal::new(a.quiet);
    let stats = factpress::stats::run(&opts, &ui)?;
    if let Some(p) = &a.json {
        std::fs::write(p, stats.to_json()).map_err(Error::io("cannot write", p))?;
    }
    if let Some(p) = &a.html {
        std::fs::write(p, factpress::stats::html::render_all(&stats))
            .map_err(Error::io("cannot write", p))?;
    }
    let malformed: u64 = stats.reports.iter().map(|r| r.malformed_lines).sum();
    if malformed > 0 {
        eprintln!(
            "note: {malformed} malformed line(s) were skipped and counted (malformed_lines in the report)"
        );
    }
    if !a.quiet {
        print!("{}", stats.summary());
        eprintln!(
            "read {} documents in {:.2}s ({} threads)",
            stats.documents(),
            start.elapsed().as_secs_f64(),
            opts.threads
        );
    }
    Ok(0)
}
