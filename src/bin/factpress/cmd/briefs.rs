//! `factpress briefs SPEC --provider P --model M --out DIR`: resolve the selection (or the
//! documents of a `--retry`), load the base corpus of derived conditions, write the briefs
//! folder and print what was written.

use crate::cli::BriefsArgs;
use crate::ui::Terminal;
use factpress::generate::{RunOptions, Selection};
use factpress::llm::briefs::{BaseDocs, BriefsJob, write_briefs};
use factpress::llm::request::{Limits, Provider};
use factpress::spec::Spec;

pub fn run(a: BriefsArgs) -> anyhow::Result<u8> {
    let mut choices = super::choices(&a.choices);
    choices.tokens = a.tokens;
    let retry = match &a.retry {
        Some(path) => {
            let spec = Spec::load(&a.spec)?;
            let r = factpress::llm::retry::read(&spec, path)?;
            if a.choices.seed.is_some_and(|s| s != r.seed) {
                anyhow::bail!(factpress::Error::Usage(format!(
                    "--seed {}: the rejected documents were written with seed {}; leave --seed out with --retry",
                    a.choices.seed.unwrap_or(0),
                    r.seed
                )));
            }
            choices.seed = Some(r.seed);
            choices.vars = r.var_overrides.clone();
            choices.conditions = r.conditions.clone();
            choices.docs = Some(r.items.iter().map(|i| i.1 + 1).max().unwrap_or(1));
            Some(r)
        }
        None => None,
    };
    let sel = Selection::resolve(&a.spec, &choices)?;
    let provider: Provider = a.provider.into();
    let d = provider.limits();
    let base = match &a.base_corpus {
        Some(dir) => {
            let (corpus, texts) = factpress::llm::ingest::corpus_texts(dir)?;
            Some(BaseDocs { corpus, texts })
        }
        None => None,
    };
    let job = BriefsJob {
        sel: &sel,
        provider,
        model: a.model.clone(),
        draft: a.draft,
        limits: Limits {
            max_requests: a.max_requests.unwrap_or(d.max_requests),
            max_bytes: a.max_bytes.unwrap_or(d.max_bytes),
        },
        base,
        only: retry.as_ref().map(|r| r.items.clone()),
        retry_of: retry.map(|r| r.rejects),
    };
    let ui = Terminal::new(a.quiet);
    let opts = RunOptions {
        threads: super::threads(a.threads),
        observer: &ui,
        command_line: std::env::args().collect(),
        clean: a.clean,
    };
    let m = write_briefs(&job, &a.out, &opts)?;
    if !a.quiet {
        let files = m
            .files
            .iter()
            .filter(|f| f.path.starts_with("requests/"))
            .count();
        eprintln!(
            "wrote {} briefs ({} request file(s), {}) to {}",
            m.briefs,
            files,
            provider.name(),
            a.out.display()
        );
        if m.missing_base > 0 {
            eprintln!(
                "note: {} document(s) left out: their base document is not in --base-corpus (rejected there)",
                m.missing_base
            );
        }
    }
    Ok(0)
}
