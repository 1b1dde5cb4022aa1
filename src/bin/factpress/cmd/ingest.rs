//! `factpress ingest DIR RESULTS… --out CORPUS`: read the results back into an audited
//! corpus and print how many documents were accepted and why the others were rejected.

use crate::cli::IngestArgs;
use crate::ui::Terminal;
use factpress::generate::RunOptions;
use factpress::output::Output;

pub fn run(a: IngestArgs) -> anyhow::Result<u8> {
    let output = Output::new(
        a.format.into(),
        a.compression.into(),
        Some(a.doctag.clone()),
        1,
    );
    let ui = Terminal::new(a.quiet);
    let opts = RunOptions {
        threads: super::threads(a.threads),
        observer: &ui,
        command_line: std::env::args().collect(),
        clean: false,
    };
    let m = factpress::llm::ingest::ingest(
        &a.dir,
        &a.results,
        a.onto.as_deref(),
        &output,
        &a.out,
        &opts,
    )?;
    let l = m.llm.as_ref().expect("an ingested corpus has an llm entry");
    if !a.quiet {
        let why: Vec<String> = l.reasons.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!(
            "ingested {} of {} documents into {}{}; rejected {}{}",
            l.accepted,
            l.briefs,
            a.out.display(),
            if l.accepted_by_attempt.is_empty() {
                String::new()
            } else {
                let by: Vec<String> = l
                    .accepted_by_attempt
                    .iter()
                    .map(|(k, n)| format!("attempt {k}: {n}"))
                    .collect();
                format!(" (accepted {})", by.join(", "))
            },
            l.rejected,
            if why.is_empty() {
                String::new()
            } else {
                format!(
                    " ({}; see {}/rejects.jsonl)",
                    why.join(", "),
                    a.out.display()
                )
            }
        );
        eprintln!("content_sha256 {}", m.content_sha256);
    }
    Ok(0)
}
