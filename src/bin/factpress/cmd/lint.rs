//! `factpress lint INPUT…`: print the table of seams, the throughput, and exit 1 with
//! `--fail-on-seams` when any seam is found.

use crate::cli::LintArgs;
use crate::ui::Terminal;
use factpress::Error;
use factpress::lint::Class;

pub fn run(a: LintArgs) -> anyhow::Result<u8> {
    let opts = factpress::lint::Options {
        inputs: a.inputs,
        text_field: a.text_field,
        id_field: a.id_field,
        classes: a.classes.iter().filter_map(|c| Class::parse(c)).collect(),
        json: a.json,
        threads: super::threads(a.threads),
        strict: a.strict,
    };
    let ui = Terminal::new(a.quiet);
    let outcome = factpress::lint::run(&opts, &ui)?;
    let s = &outcome.summary;
    print!("{}", s.table());
    eprintln!(
        "linted {:.1} MB of text in {:.2}s ({:.1} MB/s, {:.0} docs/s, {} threads)",
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
            if opts.json.is_some() {
                " and the report"
            } else {
                ""
            }
        );
    }
    if a.fail_on_seams && s.seams > 0 {
        return Err(Error::CheckFailed(format!(
            "lint failed: {} seam(s) in {} document(s)",
            s.seams, s.documents_with_seams
        ))
        .into());
    }
    Ok(0)
}
