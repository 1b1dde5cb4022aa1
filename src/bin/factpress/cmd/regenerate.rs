//! `factpress regenerate DIR --out DIR2`: rebuild a corpus from its manifest and `source/`
//! alone, and fail unless every shard comes out with the same bytes.

use crate::ui::Terminal;
use factpress::Error;
use factpress::corpus::Corpus;
use std::path::Path;

pub fn run(
    dir: &Path,
    out: &Path,
    threads: Option<usize>,
    clean: bool,
    quiet: bool,
) -> anyhow::Result<u8> {
    let corpus = Corpus::open_folder(dir)?;
    let original = corpus.manifest().expect("a corpus folder has a manifest");
    let ui = Terminal::new(quiet);
    let m = match &original.mix {
        Some(mix) => factpress::mix::write(
            &factpress::mix::MixPlan::from_entry(mix),
            &original.output,
            out,
            Some(&mix.sources),
            std::env::args().collect(),
            &ui,
        )?,
        None if original.llm.is_some() => {
            let t = super::threads(threads);
            let opts = factpress::generate::RunOptions {
                threads: t,
                observer: &ui,
                command_line: std::env::args().collect(),
                clean,
            };
            factpress::llm::ingest::regenerate(dir, out, &original.output, &opts)?
        }
        None => {
            let source = corpus.source()?;
            super::generate::write(
                &source.selection,
                &source.output,
                out,
                (threads, clean),
                quiet,
                &ui,
            )?
        }
    };
    let same = m.content_sha256 == original.content_sha256
        && m.conditions
            .iter()
            .zip(&original.conditions)
            .all(|(a, b)| a.shards == b.shards && a.provenance == b.provenance)
        && m.llm.as_ref().map(|l| &l.files) == original.llm.as_ref().map(|l| &l.files);
    if !same {
        return Err(Error::CheckFailed(format!(
            "{} was rebuilt but differs from {}: content_sha256 {} vs {}",
            out.display(),
            dir.display(),
            m.content_sha256,
            original.content_sha256
        ))
        .into());
    }
    if !quiet {
        eprintln!(
            "identical to {}: every shard has the same sha256",
            dir.display()
        );
    }
    Ok(0)
}
