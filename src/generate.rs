//! `factpress generate` and `factpress regenerate`: resolve what to generate (from the command
//! line or from a manifest), build the renderer and check the spec, run the pipeline into a
//! temporary folder, copy the sources, write the manifest last, and move the folder into place.

use crate::budget::{self, Budget};
use crate::check::check;
use crate::error::{Error, Result};
use crate::manifest::{self, ConditionEntry, FileEntry, Manifest, Tool};
use crate::observe::Observer;
use crate::output::Output;
use crate::pipeline::{Job, JobOutput};
use crate::render::Renderer;
use crate::sink::{self, TempDir};
use crate::spec::Spec;
use crate::stats::tokens::TokenizerKind;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to generate: the spec with its `--var` overrides applied, the seed, the number of
/// documents per condition and the conditions. How it is written is [`Output`]'s business.
#[derive(Clone)]
pub struct Selection {
    pub spec: Arc<Spec>,
    pub var_overrides: BTreeMap<String, String>,
    pub seed: u64,
    /// Documents per condition; 0 while a token `budget` is still to be measured.
    pub docs: u64,
    /// A token budget per condition (`--tokens`): `docs` is measured from it when the corpus
    /// is written, and every document's tokens are counted for the manifest.
    pub budget: Option<Budget>,
    /// Indices into `spec.conditions`, in output order.
    pub conditions: Vec<usize>,
}

/// Command-line choices before they are checked against the spec.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub conditions: Vec<String>,
    pub docs: Option<u64>,
    /// A token budget per condition instead of `docs`.
    pub tokens: Option<u64>,
    /// The tokenizer of `tokens` (default cl100k).
    pub tokenizer: Option<TokenizerKind>,
    pub seed: Option<u64>,
    pub vars: BTreeMap<String, String>,
}

impl Selection {
    /// Loads the spec and resolves the choices against it.
    pub fn resolve(spec_path: &Path, choices: &Choices) -> Result<Selection> {
        let mut spec = Spec::load(spec_path)?;
        spec.apply_vars(&choices.vars)?;
        let conditions = resolve_conditions(&spec, &choices.conditions)?;
        let budget = resolve_budget(choices)?;
        let docs = match budget {
            Some(_) => 0,
            None => choices.docs.unwrap_or(spec.docs),
        };
        if docs == 0 && budget.is_none() {
            return Err(Error::Usage("--docs must be at least 1".into()));
        }
        let seed = choices.seed.unwrap_or(spec.seed);
        Ok(Selection {
            spec: Arc::new(spec),
            var_overrides: choices.vars.clone(),
            seed,
            docs,
            budget,
            conditions,
        })
    }

    /// The selection recorded in a corpus's manifest, from the corpus's own `source/`.
    pub fn from_manifest(dir: &Path, m: &Manifest) -> Result<Selection> {
        let spec_path = dir.join("source").join(&m.spec);
        let choices = Choices {
            conditions: m.conditions.iter().map(|c| c.id.clone()).collect(),
            docs: Some(m.docs_per_condition),
            seed: Some(m.seed),
            vars: m.var_overrides.clone(),
            ..Choices::default()
        };
        // A budgeted corpus records the measured count: it is rebuilt from that count, and
        // its tokens are counted again for the manifest.
        let mut sel = Selection::resolve(&spec_path, &choices)?;
        sel.budget = m.token_budget;
        Ok(sel)
    }

    /// This selection with `docs` measured from its token budget (a copy of it when there is
    /// no budget or it is measured already).
    pub fn measured(
        &self,
        renderer: &Renderer,
        threads: usize,
        observer: &dyn Observer,
    ) -> Result<Selection> {
        let mut sel = self.clone();
        if let Some(b) = self.budget
            && self.docs == 0
        {
            sel.docs = budget::measure(self, renderer, b, threads, observer)?;
        }
        Ok(sel)
    }

    /// Compiles the templates and fact variants (syntax errors are located, exit 2). Only
    /// builds: `check::check` is what trial-renders.
    pub fn renderer(&self) -> Result<Renderer> {
        Renderer::new(self.spec.clone(), self.seed)
    }

    /// The total number of documents: conditions x documents per condition.
    pub fn total(&self) -> u64 {
        self.docs.saturating_mul(self.conditions.len() as u64)
    }
}

/// `--tokens` and `--tokenizer` against `--docs`.
fn resolve_budget(choices: &Choices) -> Result<Option<Budget>> {
    match (choices.tokens, choices.docs, choices.tokenizer) {
        (Some(_), Some(_), _) => Err(Error::Usage(
            "--docs and --tokens are exclusive: give a number of documents or a token budget per condition, not both".into(),
        )),
        (Some(0), ..) => Err(Error::Usage("--tokens must be at least 1".into())),
        (Some(tokens), _, t) => Ok(Some(Budget {
            tokens,
            tokenizer: t.unwrap_or_default(),
        })),
        (None, _, Some(_)) => Err(Error::Usage(
            "--tokenizer only applies to a token budget: add --tokens N".into(),
        )),
        (None, _, None) => Ok(None),
    }
}

fn resolve_conditions(spec: &Spec, wanted: &[String]) -> Result<Vec<usize>> {
    if wanted.is_empty() {
        return Ok((0..spec.conditions.len()).collect());
    }
    let mut out = Vec::new();
    for w in wanted {
        match spec.conditions.iter().position(|c| &c.id == w) {
            Some(i) if out.contains(&i) => {
                return Err(Error::Usage(format!("--condition {w} is given twice")));
            }
            Some(i) => out.push(i),
            None => {
                let known: Vec<&str> = spec.conditions.iter().map(|c| c.id.as_str()).collect();
                return Err(Error::Usage(format!(
                    "--condition {w}: the spec has no such condition (it has: {})",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

/// How a run goes, never what it writes.
pub struct RunOptions<'a> {
    pub threads: usize,
    pub observer: &'a dyn Observer,
    /// Recorded in the manifest, for people; takes part in no digest.
    pub command_line: Vec<String>,
    /// Remove stale temporary folders of earlier runs for the same `--out` (otherwise they
    /// are only reported).
    pub clean: bool,
}

/// Writes the corpus of `sel` to `out` (which must not exist or be an empty folder). Nothing
/// is left behind unless the whole corpus is written: the temporary folder is removed on an
/// error, a panic or a cancelled run.
pub fn write_corpus(
    sel: &Selection,
    output: &Output,
    out: &Path,
    opts: &RunOptions,
) -> Result<Manifest> {
    if sel.docs > 0 {
        output.check(sel.docs)?;
    }
    sink::check_out(out)?;
    stale_folders(out, opts)?;
    let renderer = Arc::new(sel.renderer()?);
    let report = check(&renderer)?;
    report.warnings.iter().for_each(|w| opts.observer.warn(w));
    let sel = &sel.measured(&renderer, opts.threads, opts.observer)?;
    output.check(sel.docs)?;
    let job = Job::new(sel, renderer, output.clone());
    let tmp = TempDir::beside(out)?;
    let (sources, spec_rel) = copy_sources(&sel.spec, Some(tmp.path()))?;
    let produced = job.run(Some(tmp.path()), opts.threads, opts.observer)?;
    let manifest = build_manifest(
        sel,
        output,
        produced,
        sources,
        spec_rel,
        opts.command_line.clone(),
    );
    manifest.write(tmp.path())?;
    tmp.publish(out)?;
    Ok(manifest)
}

/// Reports (or, with `clean`, removes) what interrupted runs for the same `--out` left.
pub(crate) fn stale_folders(out: &Path, opts: &RunOptions) -> Result<()> {
    for s in sink::stale_temp_dirs(out) {
        let size = format!("{:.1} MB", s.bytes as f64 / 1e6);
        if opts.clean {
            std::fs::remove_dir_all(&s.path)
                .map_err(Error::io("cannot remove stale temporary folder", &s.path))?;
            opts.observer.note(&format!(
                "removed {} ({size}), left by an interrupted run (process {})",
                s.path.display(),
                s.pid
            ));
        } else {
            opts.observer.warn(&format!(
                "{} ({size}) was left by an interrupted run (process {}, no longer running); remove it, or rerun with --clean",
                s.path.display(),
                s.pid
            ));
        }
    }
    Ok(())
}

/// Re-renders `sel` with `renderer` (built from it) without writing anything, for
/// `verify --regenerate`: the digests it returns are those a `write_corpus` would record.
pub fn replay(
    sel: &Selection,
    renderer: Arc<Renderer>,
    output: &Output,
    opts: &RunOptions,
) -> Result<JobOutput> {
    output.check(sel.docs)?;
    Job::new(sel, renderer, output.clone()).run(None, opts.threads, opts.observer)
}

/// Copies every source file under `dir/source/`, keeping their layout relative to the
/// deepest folder that holds them all (with `dir` `None`, only lists them). Returns the
/// manifest entries and the spec's path.
pub(crate) fn copy_sources(spec: &Spec, dir: Option<&Path>) -> Result<(Vec<FileEntry>, String)> {
    // Lexical absolute paths, not canonical ones: a symlinked template keeps its own name in
    // `source/` (it is stored with the content it points to), so the copy rebuilds the corpus.
    let canon: Vec<PathBuf> = spec
        .sources
        .iter()
        .map(|s| {
            std::path::absolute(&s.path)
                .map(|p| crate::spec::join_clean(&p, ""))
                .map_err(Error::io("cannot resolve", &s.path))
        })
        .collect::<Result<_>>()?;
    let mut root = canon[0].parent().map(Path::to_path_buf).unwrap_or_default();
    for c in &canon[1..] {
        while !c.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    let mut entries = Vec::new();
    let mut spec_rel = String::new();
    for (i, (s, c)) in spec.sources.iter().zip(&canon).enumerate() {
        let rel = c.strip_prefix(&root).unwrap_or(c);
        let rel_str = rel
            .components()
            .map(|x| x.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if let Some(dir) = dir {
            let dst = dir.join("source").join(rel);
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(Error::io("cannot create folder", parent))?;
            }
            std::fs::write(&dst, &s.bytes).map_err(Error::io("cannot write", &dst))?;
        }
        if i == 0 {
            spec_rel = rel_str.clone();
        }
        entries.push(FileEntry {
            path: format!("source/{rel_str}"),
            records: None,
            bytes: s.bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&s.bytes)),
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    Ok((entries, spec_rel))
}

pub(crate) fn build_manifest(
    sel: &Selection,
    output: &Output,
    out: JobOutput,
    sources: Vec<FileEntry>,
    spec_rel: String,
    command_line: Vec<String>,
) -> Manifest {
    let spec = &sel.spec;
    let entry = |(path, w): (String, crate::sink::Written)| FileEntry {
        path,
        records: Some(w.records),
        bytes: w.bytes,
        sha256: w.sha256,
    };
    let conditions = out
        .conditions
        .into_iter()
        .map(|c| {
            let mut templates = BTreeMap::new();
            for (d, counts) in c.template_counts.iter().enumerate() {
                for (t, &n) in counts.iter().enumerate() {
                    *templates
                        .entry(spec.doc_types[d].templates[t].clone())
                        .or_insert(0) += n;
                }
            }
            ConditionEntry {
                id: spec.conditions[c.condition].id.clone(),
                docs: sel.docs,
                tokens: sel.budget.map(|_| c.tokens),
                content_sha256: c.content_sha256,
                shards: c.shards.into_iter().map(entry).collect(),
                provenance: c.provenance.into_iter().map(entry).collect(),
                facts: spec.conditions[c.condition]
                    .facts()
                    .map(|f| (spec.facts[f].id.clone(), c.fact_counts[f]))
                    .collect(),
                doc_types: spec
                    .doc_types
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.id.clone(), c.doc_type_counts[i]))
                    .collect(),
                templates,
            }
        })
        .collect();
    Manifest {
        format_version: manifest::FORMAT_VERSION,
        tool: Tool {
            name: "factpress".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        corpus: spec.name.clone(),
        spec: spec_rel,
        seed: sel.seed,
        docs_per_condition: sel.docs,
        token_budget: sel.budget,
        rng: crate::rng::ALGORITHM.into(),
        vars: spec.vars.clone(),
        var_overrides: sel.var_overrides.clone(),
        output: output.clone(),
        content_sha256: out.content_sha256,
        conditions,
        sources,
        mix: None,
        llm: None,
        command_line,
        created_at: manifest::now_utc(),
    }
}
