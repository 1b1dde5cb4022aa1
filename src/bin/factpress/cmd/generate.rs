//! `factpress generate SPEC`: resolve the selection and output settings, write the corpus,
//! print a one-line summary and the content digest.

use crate::cli::GenerateArgs;
use crate::ui::Terminal;
use factpress::generate::{RunOptions, Selection, write_corpus};
use factpress::manifest::Manifest;
use factpress::output::Output;
use factpress::shard::{self, ShardRun};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run(a: GenerateArgs) -> anyhow::Result<u8> {
    let mut choices = super::choices(&a.choices);
    choices.tokens = a.tokens;
    choices.tokenizer = a.tokenizer.map(Into::into);
    let sel = Selection::resolve(&a.spec, &choices)?;
    if let Some(index) = &a.shard_index {
        return shard(&a, &sel, shard::resolve(index, a.num_shards)?);
    }
    if a.num_shards.is_some() {
        anyhow::bail!(factpress::Error::Usage(
            "--num-shards N needs --shard-index K (or auto): it splits the run into shard jobs; for N files in one run, use --shards N".into()
        ));
    }
    let output = Output::new(
        a.format.into(),
        a.compression.into(),
        Some(a.doctag.clone()),
        a.shards,
    );
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&sel.spec.name));
    let ui = Terminal::new(a.quiet);
    super::capacity_warnings(&ui, &sel);
    write(&sel, &output, &out, (a.threads, a.clean), a.quiet, &ui)?;
    Ok(0)
}

/// `--shard-index`: writes one shard of a cluster run into its folder under --out.
fn shard(a: &GenerateArgs, sel: &Selection, id: shard::ShardId) -> anyhow::Result<u8> {
    let output = Output::new(
        a.format.into(),
        a.compression.into(),
        Some(a.doctag.clone()),
        id.count,
    );
    let parts = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("{}-shards", sel.spec.name)));
    let ui = Terminal::new(a.quiet);
    super::capacity_warnings(&ui, sel);
    let t = super::threads(a.threads);
    let opts = RunOptions {
        threads: t,
        observer: &ui,
        command_line: std::env::args().collect(),
        clean: true,
    };
    let start = Instant::now();
    let (run, dir) = shard::write_shard(sel, &output, &parts, id, &opts)?;
    match run {
        ShardRun::AlreadyComplete(m) => eprintln!(
            "{id} is already complete in {} (content_sha256 {}); nothing to do",
            dir.display(),
            m.manifest.content_sha256
        ),
        ShardRun::Written(m) if !a.quiet => {
            let docs: u64 = m
                .manifest
                .conditions
                .iter()
                .flat_map(|c| &c.shards)
                .filter_map(|s| s.records)
                .sum();
            eprintln!(
                "wrote {id} ({docs} documents) to {} in {:.2}s ({t} threads); content_sha256 of this shard {}",
                dir.display(),
                start.elapsed().as_secs_f64(),
                m.manifest.content_sha256
            );
        }
        ShardRun::Written(_) => {}
    }
    Ok(0)
}

/// Writes a corpus and, unless quiet, says what was written; shared with `regenerate`.
pub fn write(
    sel: &Selection,
    output: &Output,
    out: &Path,
    (threads, clean): (Option<usize>, bool),
    quiet: bool,
    ui: &Terminal,
) -> anyhow::Result<Manifest> {
    let t = super::threads(threads);
    let opts = RunOptions {
        threads: t,
        observer: ui,
        command_line: std::env::args().collect(),
        clean,
    };
    let start = Instant::now();
    let m = write_corpus(sel, output, out, &opts)?;
    if !quiet {
        let secs = start.elapsed().as_secs_f64();
        let total = m.docs_per_condition * m.conditions.len() as u64;
        let bytes: u64 = m
            .conditions
            .iter()
            .flat_map(|c| &c.shards)
            .map(|s| s.bytes)
            .sum();
        eprintln!(
            "wrote {total} documents ({} condition(s) x {}) in {} shard file(s), {:.1} MB, to {} in {secs:.2}s ({:.0} docs/s, {t} threads)",
            m.conditions.len(),
            m.docs_per_condition,
            m.conditions.iter().map(|c| c.shards.len()).sum::<usize>(),
            bytes as f64 / 1e6,
            out.display(),
            total as f64 / secs.max(1e-9),
        );
        if let Some(b) = &m.token_budget {
            let written: Vec<String> = (m.conditions.iter())
                .map(|c| format!("{} {}", c.id, c.tokens.unwrap_or(0)))
                .collect();
            eprintln!(
                "token budget {} ({}): {} documents per condition; tokens written: {}",
                b.tokens,
                b.tokenizer.name(),
                m.docs_per_condition,
                written.join(", ")
            );
        }
        eprintln!("content_sha256 {}", m.content_sha256);
    }
    Ok(m)
}
