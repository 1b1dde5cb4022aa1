//! `factpress audit INPUT…`: print the summary table, the throughput, and exit 1 when a
//! `--fail-on` condition holds.

use crate::cli::{AuditArgs, AuditCommand, FailOnArg};
use crate::ui::Terminal;
use factpress::Error;
use std::path::{Path, PathBuf};

pub fn run(a: AuditArgs) -> anyhow::Result<u8> {
    if let Some(AuditCommand::Merge {
        parts,
        report,
        fail_on,
    }) = a.command
    {
        return merge(&parts, &report, fail_on);
    }
    let part = match &a.shard_index {
        Some(k) => Some(factpress::shard::resolve(k, a.num_shards)?),
        None if a.num_shards.is_some() => {
            return Err(Error::Usage(
                "--num-shards N needs --shard-index K (or auto): which part this run audits".into(),
            )
            .into());
        }
        None => None,
    };
    let opts = factpress::audit::Options {
        inputs: a.inputs,
        spec: a.spec,
        text_field: a.text_field,
        id_field: a.id_field,
        against: a.against,
        ngram: a.ngram.into(),
        report: a.report,
        attributes: a.attributes,
        threads: super::threads(a.threads),
        strict: a.strict,
        part,
    };
    let ui = Terminal::new(a.quiet);
    let outcome = factpress::audit::run(&opts, &ui)?;
    let s = &outcome.summary;
    print!("{}", s.table());
    eprintln!(
        "scanned {:.1} MB of text in {:.2}s ({:.1} MB/s, {:.0} docs/s, {} threads)",
        s.text_bytes as f64 / 1e6,
        outcome.seconds,
        s.text_bytes as f64 / 1e6 / outcome.seconds.max(1e-9),
        s.documents as f64 / outcome.seconds.max(1e-9),
        opts.threads
    );
    if s.malformed > 0 {
        eprintln!(
            "note: {} malformed line(s) were skipped and counted (see the warnings above{})",
            s.malformed,
            if opts.report.is_some() {
                " and the report"
            } else {
                ""
            }
        );
    }
    let fail_on: Vec<_> = a.fail_on.into_iter().map(Into::into).collect();
    let failures = outcome.failures(&fail_on);
    if failures.is_empty() {
        Ok(0)
    } else {
        Err(Error::CheckFailed(format!("audit failed: {}", failures.join("; "))).into())
    }
}

/// `audit merge PART… --report FILE`: join partial reports, print the table, apply --fail-on.
fn merge(parts: &[PathBuf], report: &Path, fail_on: Vec<FailOnArg>) -> anyhow::Result<u8> {
    let summary = factpress::audit::parts::merge(parts, report)?;
    print!("{}", summary.table());
    eprintln!(
        "merged {} partial report(s) ({} documents) into {}",
        parts.len(),
        summary.documents,
        report.display()
    );
    let outcome = factpress::audit::Outcome {
        summary,
        seconds: 0.0,
    };
    let fail_on: Vec<_> = fail_on.into_iter().map(Into::into).collect();
    let failures = outcome.failures(&fail_on);
    if failures.is_empty() {
        Ok(0)
    } else {
        Err(Error::CheckFailed(format!("audit failed: {}", failures.join("; "))).into())
    }
}
