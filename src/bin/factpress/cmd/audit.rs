//! `factpress audit INPUT…`: print the summary table, the throughput, and exit 1 when a
//! `--fail-on` condition holds.

use crate::cli::AuditArgs;
use crate::ui::Terminal;
use factpress::Error;

pub fn run(a: AuditArgs) -> anyhow::Result<u8> {
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
