//! `factpress briefs`: one brief per document the generator would write (or per rejected
//! document, for `--retry`), rendered through the `[llm]` prompts into request files in the
//! provider's format, with `briefs.jsonl`, `index.jsonl`, the spec's `source/` copy and a
//! manifest. Written into a temporary folder and moved into place when complete; the same
//! bytes for any thread count (briefs are built in parallel and written in order).

use super::brief::{self, Brief};
use super::prompt::Prompts;
use super::request::{self, Ask, Limits, Provider, Splitter};
use crate::error::{Error, Result};
use crate::generate::{RunOptions, Selection, copy_sources, stale_folders};
use crate::manifest::{FileEntry, Tool};
use crate::render::Renderer;
use crate::sink::{self, Compression, ShardWriter, TempDir};
use crate::spec::llm::{Llm, PromptOrigin};
use minijinja::Value;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const KIND: &str = "briefs";

/// Documents built in parallel before they are written in order.
const CHUNK: usize = 512;

/// How to brief a selection.
pub struct BriefsJob<'a> {
    pub sel: &'a Selection,
    pub provider: Provider,
    pub model: String,
    pub draft: bool,
    pub limits: Limits,
    /// The base documents of derived conditions, by document id (an ingested corpus).
    pub base: Option<BaseDocs>,
    /// Only these documents (condition index, document index, attempt), for `--retry`.
    pub only: Option<Vec<(usize, u64, u32)>>,
    pub retry_of: Option<FileRef>,
}

/// The documents of an ingested corpus, by id.
pub struct BaseDocs {
    pub corpus: FileRef,
    pub texts: BTreeMap<String, String>,
}

/// A file or folder named in a manifest, with its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    pub path: String,
    pub sha256: String,
}

/// `DIR/manifest.json` of a briefs folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BriefsManifest {
    pub kind: String,
    pub format_version: u32,
    pub tool: Tool,
    pub corpus: String,
    /// The spec file, relative to `source/`.
    pub spec: String,
    /// SHA-256 over the path and sha256 of every source file.
    pub spec_sha256: String,
    pub seed: u64,
    pub docs_per_condition: u64,
    pub conditions: Vec<String>,
    pub var_overrides: BTreeMap<String, String>,
    pub provider: Provider,
    pub model: String,
    pub max_tokens: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs_max_change: Option<f64>,
    pub draft: bool,
    pub prompts: Vec<PromptEntry>,
    pub limits: Limits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_corpus: Option<FileRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<FileRef>,
    pub briefs: u64,
    /// Documents of derived conditions left out because their base document is not in the
    /// base corpus (rejected there).
    pub missing_base: u64,
    /// `briefs.jsonl`, `index.jsonl` and every request file.
    pub files: Vec<FileEntry>,
    pub sources: Vec<FileEntry>,
    pub command_line: Vec<String>,
    /// Not part of any digest.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptEntry {
    pub name: String,
    /// `inline` or the file (relative to `source/`'s spec folder as the user named it).
    pub source: String,
    pub sha256: String,
    pub text: String,
}

/// One line of `index.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexLine {
    pub custom_id: String,
    pub id: String,
    pub file: String,
    pub line: u64,
    pub sha256: String,
}

impl BriefsManifest {
    pub fn read(dir: &Path) -> Result<BriefsManifest> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!(
                    "{} is not a briefs folder: it has no manifest.json (write one with `factpress briefs`)",
                    dir.display()
                ))
            } else {
                Error::io("cannot read", &path)(e)
            }
        })?;
        let m: BriefsManifest = serde_json::from_str(&text).map_err(|e| {
            Error::Usage(format!(
                "{}: not a briefs manifest ({e}); give the folder `factpress briefs --out` wrote",
                path.display()
            ))
        })?;
        if m.kind != KIND {
            return Err(Error::Usage(format!(
                "{}: kind is {:?}, expected \"briefs\"",
                path.display(),
                m.kind
            )));
        }
        Ok(m)
    }
}

/// The `[llm]` section, or the error `briefs` gives without one.
pub fn require_llm(sel: &Selection) -> Result<&Llm> {
    sel.spec.llm.as_ref().ok_or_else(|| Error::Usage(format!(
        "{}: the spec has no [llm] section: `factpress briefs` needs its prompt templates (`system`, `user`; see \"Writing documents with a language model\" in the README)",
        sel.spec.path.display()
    )))
}

/// Writes the briefs folder `out`; returns its manifest.
pub fn write_briefs(job: &BriefsJob, out: &Path, opts: &RunOptions) -> Result<BriefsManifest> {
    let llm = require_llm(job.sel)?;
    let prompts = Prompts::compile(&job.sel.spec, llm)?;
    sink::check_out(out)?;
    stale_folders(out, opts)?;
    let renderer = Arc::new(job.sel.renderer()?);
    let report = crate::check::check(&renderer)?;
    report.warnings.iter().for_each(|w| opts.observer.warn(w));
    let sel = &job.sel.measured(&renderer, opts.threads, opts.observer)?;
    let items = work(job, sel)?;
    let tmp = TempDir::beside(out)?;
    let (sources, spec_rel) = copy_sources(&sel.spec, Some(tmp.path()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let mut w = Writer::new(tmp.path(), job.limits)?;
    let mut missing_base = 0;
    opts.observer
        .start("briefs", Some(items.len() as u64), "docs");
    for (k, chunk) in items.chunks(CHUNK).enumerate() {
        if opts.observer.cancelled() {
            return Err(Error::Interrupted(
                "interrupted: nothing was written".into(),
            ));
        }
        let built: Vec<Result<Option<(Brief, String)>>> = pool.install(|| {
            chunk
                .par_iter()
                .map(|&(c, i, a)| one(job, sel, &renderer, &prompts, llm, (c, i, a)))
                .collect()
        });
        for b in built {
            match b? {
                Some((brief, line)) => w.push(&brief, &line)?,
                None => missing_base += 1,
            }
        }
        opts.observer
            .progress(((k + 1) * CHUNK).min(items.len()) as u64);
    }
    opts.observer.finish();
    let (briefs, files) = w.finish()?;
    if briefs == 0 {
        return Err(Error::Usage(
            "no document to brief: every base document is missing from --base-corpus".into(),
        ));
    }
    let m = manifest(
        job,
        sel,
        llm,
        (briefs, missing_base, files),
        (sources, spec_rel),
        opts,
    );
    write_json(tmp.path(), &m)?;
    tmp.publish(out)?;
    Ok(m)
}

/// (condition, index, attempt) of every document to brief, in output order.
fn work(job: &BriefsJob, sel: &Selection) -> Result<Vec<(usize, u64, u32)>> {
    if let Some(only) = &job.only {
        return Ok(only.clone());
    }
    let spec = &sel.spec;
    for &c in &sel.conditions {
        if let Some(base) = spec.conditions[c].like
            && job.base.is_none()
        {
            return Err(Error::Usage(format!(
                "condition `{}` is derived from `{}`: its requests edit the base's documents as the model wrote them; give --base-corpus CORPUS (the ingested corpus of `{}`), or leave it out with --condition",
                spec.conditions[c].id, spec.conditions[base].id, spec.conditions[base].id
            )));
        }
    }
    Ok(sel
        .conditions
        .iter()
        .flat_map(|&c| (0..sel.docs).map(move |i| (c, i, 1)))
        .collect())
}

/// The brief and request line of one document (`None`: its base document is missing).
fn one(
    job: &BriefsJob,
    sel: &Selection,
    renderer: &Renderer,
    prompts: &Prompts,
    llm: &Llm,
    (c, i, attempt): (usize, u64, u32),
) -> Result<Option<(Brief, String)>> {
    let spec = &sel.spec;
    let mut b = brief::build(renderer, sel.seed, c, i, attempt, job.draft)?;
    let derived = spec.conditions[c].like;
    if let Some(base) = derived {
        let base_id = crate::render::doc_id(&spec.conditions[base].id, i);
        let texts = job.base.as_ref().map(|b| &b.texts);
        let Some(text) = texts.and_then(|t| t.get(&base_id)) else {
            if texts.is_none() {
                return Err(Error::Usage(format!(
                    "document {} is of a derived condition: give --base-corpus",
                    b.id
                )));
            }
            return Ok(None);
        };
        brief::edit(renderer, sel.seed, c, &mut b, text.clone())?;
    }
    let (system, user) = llm.prompts_for(&b.doc_type);
    let user = match (derived, &llm.edit) {
        (Some(_), Some(edit)) => edit,
        (Some(_), None) => {
            return Err(Error::Usage(format!(
                "{}: condition `{}` is derived, and [llm] has no `edit` prompt (`edit` or `edit_file`) to ask for the edit",
                spec.path.display(),
                b.condition
            )));
        }
        (None, _) => user,
    };
    let ctx = context(&b, &spec.vars);
    let system = prompts.render(spec, &system.name, &ctx)?;
    let user = prompts.render(spec, &user.name, &ctx)?;
    let line = request::line(
        job.provider,
        &Ask {
            custom_id: &b.custom_id,
            model: &job.model,
            max_tokens: llm.max_tokens,
            temperature: llm.temperature,
            system: &system,
            user: &user,
        },
    );
    Ok(Some((b, line)))
}

/// What a prompt sees: the brief's fields, `vars`, and each `[vars]` entry by name.
pub fn context(b: &Brief, vars: &BTreeMap<String, String>) -> Value {
    let mut map: BTreeMap<String, Value> = vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    map.insert("vars".into(), Value::from(minijinja::value::Serde(vars)));
    let brief = serde_json::to_value(b).expect("a brief serialises");
    if let serde_json::Value::Object(fields) = brief {
        for (k, v) in fields {
            map.insert(k, Value::from(minijinja::value::Serde(&v)));
        }
    }
    for k in ["frame", "draft", "edit"] {
        map.entry(k.into()).or_insert(Value::from(()));
    }
    Value::from(map)
}

/// A line of `briefs.jsonl`: the brief, and where its request is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BriefLine {
    #[serde(flatten)]
    pub brief: Brief,
    pub request_sha256: String,
    pub file: String,
    pub line: u64,
}

/// Writes request files, `briefs.jsonl` and `index.jsonl` in order.
struct Writer {
    root: PathBuf,
    split: Splitter,
    current: Option<(usize, ShardWriter)>,
    done: Vec<FileEntry>,
    briefs: ShardWriter,
    index: ShardWriter,
    count: u64,
}

impl Writer {
    fn new(root: &Path, limits: Limits) -> Result<Writer> {
        Ok(Writer {
            root: root.to_path_buf(),
            split: Splitter::new(limits),
            current: None,
            done: Vec::new(),
            briefs: ShardWriter::create(Some(root), "briefs.jsonl", Compression::None)?,
            index: ShardWriter::create(Some(root), "index.jsonl", Compression::None)?,
            count: 0,
        })
    }

    fn push(&mut self, b: &Brief, line: &str) -> Result<()> {
        let (k, n) = self.split.place(line.len() as u64, &b.custom_id)?;
        if self.current.as_ref().is_none_or(|(c, _)| *c != k) {
            self.close()?;
            let w =
                ShardWriter::create(Some(&self.root), &request::file_name(k), Compression::None)?;
            self.current = Some((k, w));
        }
        let w = &mut self.current.as_mut().expect("open").1;
        w.write_batch(format!("{line}\n").as_bytes(), 1)?;
        let sha = hex::encode(Sha256::digest(line.as_bytes()));
        let file = request::file_name(k);
        let idx = IndexLine {
            custom_id: b.custom_id.clone(),
            id: b.id.clone(),
            file: file.clone(),
            line: n,
            sha256: sha.clone(),
        };
        let bl = BriefLine {
            brief: b.clone(),
            request_sha256: sha,
            file,
            line: n,
        };
        let mut text = serde_json::to_string(&bl).expect("in-memory JSON");
        text.push('\n');
        self.briefs.write_batch(text.as_bytes(), 1)?;
        let mut text = serde_json::to_string(&idx).expect("in-memory JSON");
        text.push('\n');
        self.index.write_batch(text.as_bytes(), 1)?;
        self.count += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some((k, w)) = self.current.take() {
            self.done.push(entry(request::file_name(k), w.finish()?));
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(u64, Vec<FileEntry>)> {
        self.close()?;
        let mut files = vec![
            entry("briefs.jsonl".into(), self.briefs.finish()?),
            entry("index.jsonl".into(), self.index.finish()?),
        ];
        files.append(&mut self.done);
        Ok((self.count, files))
    }
}

fn entry(path: String, w: sink::Written) -> FileEntry {
    FileEntry {
        path,
        records: Some(w.records),
        bytes: w.bytes,
        sha256: w.sha256,
    }
}

/// SHA-256 over the path and digest of every source file.
pub fn sources_digest(sources: &[FileEntry]) -> String {
    let mut h = Sha256::new();
    for s in sources {
        h.update(format!("{}\0{}\n", s.path, s.sha256).as_bytes());
    }
    hex::encode(h.finalize())
}

fn manifest(
    job: &BriefsJob,
    sel: &Selection,
    llm: &Llm,
    (briefs, missing_base, files): (u64, u64, Vec<FileEntry>),
    (sources, spec_rel): (Vec<FileEntry>, String),
    opts: &RunOptions,
) -> BriefsManifest {
    let spec = &sel.spec;
    let prompts = llm
        .all_prompts()
        .into_iter()
        .map(|p| PromptEntry {
            name: p.name.clone(),
            source: match &p.origin {
                PromptOrigin::Inline(_) => "inline".into(),
                PromptOrigin::File(f) => f.display().to_string(),
            },
            sha256: hex::encode(Sha256::digest(p.text.as_bytes())),
            text: p.text.clone(),
        })
        .collect();
    BriefsManifest {
        kind: KIND.into(),
        format_version: 1,
        tool: Tool {
            name: "factpress".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        corpus: spec.name.clone(),
        spec: spec_rel,
        spec_sha256: sources_digest(&sources),
        seed: sel.seed,
        docs_per_condition: sel.docs,
        conditions: sel
            .conditions
            .iter()
            .map(|&c| spec.conditions[c].id.clone())
            .collect(),
        var_overrides: sel.var_overrides.clone(),
        provider: job.provider,
        model: job.model.clone(),
        max_tokens: llm.max_tokens,
        temperature: llm.temperature,
        extract_tag: llm.extract_tag.clone(),
        pairs_max_change: llm.pairs_max_change,
        draft: job.draft,
        prompts,
        limits: job.limits,
        base_corpus: job.base.as_ref().map(|b| b.corpus.clone()),
        retry_of: job.retry_of.clone(),
        briefs,
        missing_base,
        files,
        sources,
        command_line: opts.command_line.clone(),
        created_at: crate::manifest::now_utc(),
    }
}

fn write_json(dir: &Path, m: &BriefsManifest) -> Result<()> {
    let path = dir.join("manifest.json");
    let mut text = serde_json::to_string_pretty(m).expect("manifest serialises");
    text.push('\n');
    std::fs::write(&path, text).map_err(Error::io("cannot write", &path))
}
