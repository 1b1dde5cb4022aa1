//! `factpress generate` and `factpress regenerate`: resolve a request (from the command line
//! or from a manifest), check the spec, run the pipeline into a temporary folder, copy the
//! sources, write the manifest last, and move the folder into place.

use crate::check::check;
use crate::error::{Error, Result};
use crate::manifest::{self, ConditionEntry, FileEntry, Manifest, Output, Tool};
use crate::pipeline::{BATCH, Job, JobOutput};
use crate::record::Format;
use crate::sink::{self, Compression, ZSTD_LEVEL};
use crate::spec::Spec;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub const DEFAULT_DOCTAG: &str = "<DOCTAG>";

/// A fully resolved generation request.
#[derive(Clone)]
pub struct Request {
    pub spec: Arc<Spec>,
    pub var_overrides: BTreeMap<String, String>,
    pub seed: u64,
    pub docs: u64,
    /// Indices into `spec.conditions`, in output order.
    pub conditions: Vec<usize>,
    pub shards: u32,
    pub format: Format,
    pub compression: Compression,
    pub doctag: String,
}

/// Command-line choices before they are checked against the spec.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub conditions: Vec<String>,
    pub docs: Option<u64>,
    pub seed: Option<u64>,
    pub vars: BTreeMap<String, String>,
}

impl Request {
    /// Loads the spec and resolves the choices against it.
    pub fn resolve(
        spec_path: &Path,
        choices: &Choices,
        shards: u32,
        format: Format,
        compression: Compression,
        doctag: String,
    ) -> Result<Request> {
        let mut spec = Spec::load(spec_path)?;
        spec.apply_vars(&choices.vars)?;
        let conditions = resolve_conditions(&spec, &choices.conditions)?;
        let docs = choices.docs.unwrap_or(spec.docs);
        if docs == 0 {
            return Err(Error::Usage("--docs must be at least 1".into()));
        }
        if shards == 0 || u64::from(shards) > docs {
            return Err(Error::Usage(format!(
                "--shards {shards}: expected between 1 and the number of documents per condition ({docs})"
            )));
        }
        let seed = choices.seed.unwrap_or(spec.seed);
        Ok(Request {
            spec: Arc::new(spec),
            var_overrides: choices.vars.clone(),
            seed,
            docs,
            conditions,
            shards,
            format,
            compression,
            doctag,
        })
    }

    /// Rebuilds the request recorded in a corpus's manifest, from the corpus's own `source/`.
    pub fn from_manifest(dir: &Path, m: &Manifest) -> Result<Request> {
        let spec_path = dir.join("source").join(&m.spec);
        let choices = Choices {
            conditions: m.conditions.iter().map(|c| c.id.clone()).collect(),
            docs: Some(m.docs_per_condition),
            seed: Some(m.seed),
            vars: m.var_overrides.clone(),
        };
        let doctag = m
            .output
            .doctag
            .clone()
            .unwrap_or_else(|| DEFAULT_DOCTAG.to_string());
        let req = Request::resolve(
            &spec_path,
            &choices,
            m.output.shards,
            m.output.format,
            m.output.compression,
            doctag,
        )?;
        if m.output.batch_records != BATCH {
            return Err(Error::Usage(format!(
                "this corpus was written in batches of {} records; this factpress writes {BATCH} and cannot reproduce its bytes",
                m.output.batch_records
            )));
        }
        Ok(req)
    }

    /// Checks the spec (trial renders included) and returns the job to run.
    pub fn job(&self) -> Result<Job> {
        let (renderer, report) = check(self.spec.clone(), self.seed)?;
        Ok(Job {
            renderer: Arc::new(renderer),
            seed: self.seed,
            docs: self.docs,
            conditions: self.conditions.clone(),
            shards: self.shards,
            format: self.format,
            compression: self.compression,
            doctag: self.doctag.clone(),
            warnings: report.warnings,
        })
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

/// Options that change how a run goes but never what it writes.
pub struct RunOptions<'a> {
    pub threads: usize,
    pub progress: &'a (dyn Fn(u64) + Sync),
    pub cancel: &'a AtomicBool,
    pub command_line: Vec<String>,
    /// Receives warnings (from `check`) before the run starts.
    pub warn: &'a dyn Fn(&str),
}

/// Writes the corpus of `req` to `out` (which must not exist or be an empty folder).
pub fn write_corpus(req: &Request, out: &Path, opts: &RunOptions) -> Result<Manifest> {
    sink::check_out(out)?;
    let job = req.job()?;
    job.warnings.iter().for_each(|w| (opts.warn)(w));
    let tmp = sink::temp_dir_for(out)?;
    let result = (|| {
        let sources = copy_sources(&req.spec, &tmp)?;
        let output = job.run(Some(&tmp), opts.threads, opts.progress, opts.cancel)?;
        let manifest = build_manifest(req, output, sources.0, sources.1, opts.command_line.clone());
        manifest.write(&tmp)?;
        sink::publish(&tmp, out)?;
        Ok(manifest)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Re-renders `req` without writing anything, for `verify --regenerate`.
pub fn replay(req: &Request, opts: &RunOptions) -> Result<JobOutput> {
    req.job()?
        .run(None, opts.threads, opts.progress, opts.cancel)
}

/// Copies every source file under `dir/source/`, keeping their layout relative to the
/// deepest folder that holds them all. Returns the manifest entries and the spec's path.
fn copy_sources(spec: &Spec, dir: &Path) -> Result<(Vec<FileEntry>, String)> {
    let canon: Vec<PathBuf> = spec
        .sources
        .iter()
        .map(|s| std::fs::canonicalize(&s.path).map_err(Error::io("cannot resolve", &s.path)))
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
        let dst = dir.join("source").join(rel);
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(Error::io("cannot create folder", parent))?;
        }
        std::fs::write(&dst, &s.bytes).map_err(Error::io("cannot write", &dst))?;
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

fn build_manifest(
    req: &Request,
    out: JobOutput,
    sources: Vec<FileEntry>,
    spec_rel: String,
    command_line: Vec<String>,
) -> Manifest {
    let spec = &req.spec;
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
                docs: req.docs,
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
        seed: req.seed,
        docs_per_condition: req.docs,
        rng: crate::rng::ALGORITHM.into(),
        vars: spec.vars.clone(),
        var_overrides: req.var_overrides.clone(),
        output: Output {
            format: req.format,
            compression: req.compression,
            zstd_level: (req.compression == Compression::Zstd).then_some(ZSTD_LEVEL),
            doctag: (req.format == Format::OaiDoctag).then(|| req.doctag.clone()),
            shards: req.shards,
            batch_records: BATCH,
        },
        content_sha256: out.content_sha256,
        conditions,
        sources,
        command_line,
        created_at: manifest::now_utc(),
    }
}
