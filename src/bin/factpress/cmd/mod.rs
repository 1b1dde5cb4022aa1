//! One file a command: each turns its parsed arguments into library calls, prints results
//! to stdout and messages to stderr (through `ui::Terminal`), and returns the exit code of
//! a success path. Errors go back to `main` with their cause chain.

mod audit;
mod briefs;
mod check;
mod generate;
mod ingest;
mod lint;
mod llm;
mod merge;
mod mix;
mod pairs;
mod probes;
mod regenerate;
mod sample;
mod slurm;
mod stats;
mod verify;

use crate::cli::{ChoiceArgs, Cli, Command, LlmCommand};
use factpress::generate::Choices;

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Check { spec, choices } => check::run(&spec, &choices),
        Command::Sample {
            spec,
            n,
            doc_type,
            start,
            choices,
        } => sample::run(&spec, n, doc_type.as_deref(), start, &choices),
        Command::Verify {
            dir,
            regenerate,
            threads,
            quiet,
        } => verify::run(&dir, regenerate, threads, quiet),
        Command::Pairs {
            a,
            b,
            condition_a,
            condition_b,
            n,
            threads,
            quiet,
        } => pairs::run(pairs::Sides {
            a: &a,
            b: b.as_deref(),
            condition_a: condition_a.as_deref(),
            condition_b: condition_b.as_deref(),
            n,
            threads,
            quiet,
        }),
        Command::Regenerate {
            dir,
            out,
            threads,
            clean,
            quiet,
        } => regenerate::run(&dir, &out, threads, clean, quiet),
        Command::Audit(args) => audit::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Merge { dirs, out, quiet } => merge::run(&dirs, out.as_deref(), quiet),
        Command::Slurm(args) => slurm::run(args),
        Command::Probes(args) => probes::run(args),
        Command::Mix(args) => mix::run(args),
        Command::Briefs(args) => briefs::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Llm(LlmCommand::Run(args)) => llm::run(args),
    }
}

/// The generation choices of the command line, unchecked.
fn choices(c: &ChoiceArgs) -> Choices {
    Choices {
        conditions: c.conditions.clone(),
        docs: c.docs,
        seed: c.seed,
        vars: c.vars.iter().cloned().collect(),
        ..Choices::default()
    }
}

/// `--threads`, defaulting to every core.
fn threads(t: Option<usize>) -> usize {
    t.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
    .max(1)
}

/// Capacity warnings for a run of `docs` documents per condition.
fn capacity_warnings(ui: &crate::ui::Terminal, sel: &factpress::generate::Selection) {
    for w in factpress::spec::capacity::warnings(&sel.spec, sel.docs) {
        factpress::observe::Observer::warn(ui, &w);
    }
}
