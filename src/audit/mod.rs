//! `factpress audit`: proves what a corpus teaches. For every document of a factpress corpus
//! folder or of any JSONL files, which facts are present (by their `detect` rules), which
//! forbidden classes match, and what it shares word for word with `--against` texts; for
//! factpress corpora also intended vs present. Streams: one reader thread decompresses and
//! splits lines into batches, a rayon pool scans each batch, and the results are written in
//! input order, so memory does not grow with the corpus and the output does not depend on the
//! thread count. Reads corpora; writes only the report and attribute files it is asked for.

pub mod attributes;
mod forms;
pub mod overlap;
pub mod parts;
pub mod report;
pub mod scan;

use crate::corpus::{BadLines, Batch, Corpus};
use crate::error::{Error, Result};
use crate::observe::Observer;
use crate::report_file::ReportFile;
use crate::rules::Rules;
use attributes::AttributeFile;
use overlap::Against;
use report::Summary;
use scan::{ScanConfig, scan_line};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

/// Lines read and scanned together; three batches at most are in memory.
const BATCH_LINES: usize = 1024;

/// Conditions that make `audit` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Some document matches a forbidden class.
    Forbidden,
    /// Some intended fact was lost (factpress corpora); some fact is in no document (others).
    Missing,
    /// Some document shares `--ngram` or more words in a row with an `--against` text.
    Overlap,
    /// Some document holds two ids of a `[[constraints]]` entry by their detect rules.
    Constraints,
}

/// What to audit and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub inputs: Vec<PathBuf>,
    /// The spec with the rules; defaults to the corpus's own copy for a corpus folder.
    pub spec: Option<PathBuf>,
    pub text_field: Option<String>,
    pub id_field: Option<String>,
    pub against: Vec<PathBuf>,
    pub ngram: usize,
    pub report: Option<PathBuf>,
    pub attributes: Option<PathBuf>,
    pub threads: usize,
    /// Stop at the first malformed line instead of skipping and counting it.
    pub strict: bool,
    /// Audit only this part of the inputs and write a partial report (for `audit merge`).
    pub part: Option<crate::shard::ShardId>,
}

/// The result of an audit that ran to the end.
pub struct Outcome {
    pub summary: Summary,
    pub seconds: f64,
}

impl Outcome {
    /// The `--fail-on` conditions that hold, described.
    pub fn failures(&self, fail_on: &[FailOn]) -> Vec<String> {
        let s = &self.summary;
        let mut out = Vec::new();
        if fail_on.contains(&FailOn::Forbidden) && s.forbidden_hits() {
            let classes: Vec<String> = s
                .forbidden
                .iter()
                .filter(|f| f.documents > 0)
                .map(|f| format!("{} ({} documents)", f.id, f.documents))
                .collect();
            out.push(format!("forbidden content found: {}", classes.join(", ")));
        }
        if fail_on.contains(&FailOn::Missing) && s.missing() {
            let facts: Vec<String> = s
                .facts
                .iter()
                .filter(|f| match f.lost {
                    Some(lost) => lost > 0,
                    None => f.present == 0,
                })
                .map(|f| match f.lost {
                    Some(lost) => format!("{} (lost in {lost} documents)", f.id),
                    None => format!("{} (in no document)", f.id),
                })
                .collect();
            out.push(format!("missing facts: {}", facts.join(", ")));
        }
        if fail_on.contains(&FailOn::Constraints) {
            let bad: Vec<String> = s
                .constraints
                .iter()
                .filter(|c| c.violating > 0)
                .map(|c| format!("{} ({} documents)", c.id, c.violating))
                .collect();
            if !bad.is_empty() {
                out.push(format!("constraints violated: {}", bad.join(", ")));
            }
        }
        if fail_on.contains(&FailOn::Overlap) && s.overlap_hits() {
            let o = s.overlap.as_ref().expect("overlap hits imply --against");
            out.push(format!(
                "{} document(s) share {}+ words in a row with an --against text",
                o.documents_over, o.ngram
            ));
        }
        out
    }
}

/// Runs the audit to the end, or returns the error that stopped it (no report is left
/// behind then).
pub fn run(opts: &Options, obs: &dyn Observer) -> Result<Outcome> {
    let start = Instant::now();
    let corpus = Corpus::open(&opts.inputs)?;
    let spec_path = match (&opts.spec, corpus.spec_path()) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p,
        (None, None) => {
            return Err(Error::Usage(
                "--spec SPEC is required unless INPUT is a factpress corpus folder".into(),
            ));
        }
    };
    let (rules, undetectable) = Rules::load(&spec_path)?;
    let against = if opts.against.is_empty() {
        None
    } else {
        Some(Against::load(&opts.against, opts.ngram)?)
    };
    let intended = corpus.folder().is_some();
    let text_field = opts
        .text_field
        .clone()
        .unwrap_or_else(|| corpus.default_text_field().to_string());
    let cfg = ScanConfig {
        rules: &rules,
        against: against.as_ref(),
        text_field: &text_field,
        id_field: opts.id_field.as_deref(),
        intended,
        fact_index: rules
            .facts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect(),
        keys: ScanConfig::keys_for(&text_field, opts.id_field.as_deref(), intended),
    };
    if let Some(dir) = &opts.attributes {
        prepare_attributes(dir, &corpus)?;
    }
    let slice = match opts.part {
        Some(id) => Some(part_slice(&corpus, id, opts)?),
        None => None,
    };
    let names: Vec<String> = corpus.files().iter().map(|f| f.name.clone()).collect();
    let mut summary = Summary::new(&rules, against.as_ref(), intended);
    summary.undetectable_facts = undetectable;
    let mut report = match &opts.report {
        Some(p) => {
            let mut head = report_header(&spec_path, &names, &text_field, &summary, opts);
            if let Some(id) = opts.part {
                head[parts::PART_KEY] = part_key(id, &spec_path, opts)?;
            }
            Some(ReportFile::create(p, head, "documents")?)
        }
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let total = corpus
        .manifest()
        .map(|m| m.conditions.iter().map(|c| c.docs).sum());
    obs.start("audit", total, "docs");
    let mut bad = BadLines::new(opts.strict);
    let mut run = Scan {
        cfg: &cfg,
        corpus: &corpus,
        names: &names,
        opts,
        pool: &pool,
        summary: &mut summary,
        report: report.as_mut(),
        bad: &mut bad,
        obs,
        attr: None,
        lines: 0,
        slice: slice.as_ref(),
    };
    let scanned = run.all();
    obs.finish();
    scanned?;
    summary.malformed = bad.count();
    if let Some(r) = report {
        let s = serde_json::to_string(&summary).expect("summary serialises");
        r.finish(&format!("\"summary\":{s}"))?;
    }
    Ok(Outcome {
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// One audit in progress: the reader runs on its own thread, batches are scanned in
/// parallel and their findings written here in input order.
struct Scan<'a> {
    cfg: &'a ScanConfig<'a>,
    corpus: &'a Corpus,
    names: &'a [String],
    opts: &'a Options,
    pool: &'a rayon::ThreadPool,
    summary: &'a mut Summary,
    report: Option<&'a mut ReportFile>,
    bad: &'a mut BadLines,
    obs: &'a dyn Observer,
    attr: Option<(usize, AttributeFile)>,
    lines: u64,
    slice: Option<&'a parts::Slice>,
}

impl Scan<'_> {
    fn all(&mut self) -> Result<()> {
        let (tx, rx) = sync_channel::<Result<Batch>>(2);
        let (corpus, slice) = (self.corpus, self.slice);
        std::thread::scope(|scope| -> Result<()> {
            scope.spawn(move || {
                let keep = |f: &_| slice.is_none_or(|s| s.keeps_file(corpus, f));
                for b in corpus.batches(BATCH_LINES, keep) {
                    if tx.send(b).is_err() {
                        return; // the consumer stopped on an error of its own
                    }
                }
            });
            for batch in rx {
                if self.obs.cancelled() {
                    return Err(Error::Interrupted(
                        "interrupted: no report was written".into(),
                    ));
                }
                let mut batch = batch?;
                if let Some(s) = self.slice {
                    if batch.lines.first().is_some_and(|l| s.past(l.number)) {
                        break; // the rest of the one file this part cuts is another part's
                    }
                    batch.lines.retain(|l| s.keeps_line(l.number));
                    if batch.lines.is_empty() {
                        continue;
                    }
                }
                self.batch(batch)?;
            }
            Ok(())
        })?;
        if let Some((_, f)) = self.attr.take() {
            f.finish()?;
        }
        Ok(())
    }

    fn batch(&mut self, batch: Batch) -> Result<()> {
        let file = &self.names[batch.file];
        if let Some(dir) = &self.opts.attributes
            && self.attr.as_ref().is_none_or(|(s, _)| *s != batch.file)
        {
            if let Some((_, f)) = self.attr.take() {
                f.finish()?;
            }
            let f = AttributeFile::create(dir, &self.corpus.files()[batch.file].path)?;
            self.attr = Some((batch.file, f));
        }
        let (cfg, rules, against) = (self.cfg, self.cfg.rules, self.cfg.against);
        let want_attrs = self.attr.is_some();
        let want_report = self.report.is_some();
        let condition = self.corpus.files()[batch.file].condition.as_deref();
        let scanned: Vec<_> = self.pool.install(|| {
            use rayon::prelude::*;
            batch
                .lines
                .par_iter()
                .map(|l| {
                    let fallback = || format!("{file}:{}", l.number);
                    let found =
                        scan_line(cfg, &l.text, l.provenance.as_deref(), condition, fallback);
                    let entry = want_report.then(|| match &found {
                        Ok(d) => report::doc_entry(d, file, l.number, rules, against),
                        Err(m) => report::malformed_entry(file, l.number, m),
                    });
                    let row = want_attrs.then(|| match &found {
                        Ok(d) => attributes::row(Some(d), &d.id, rules, against),
                        Err(_) => attributes::row(None, &fallback(), rules, against),
                    });
                    (l.number, found, entry, row)
                })
                .collect()
        });
        for (line, found, entry, row) in scanned {
            match &found {
                Ok(d) => self.summary.add(d, condition),
                Err(m) => self.bad.skip(file, line, m, self.obs)?,
            }
            if let (Some(r), Some(entry)) = (self.report.as_deref_mut(), entry) {
                r.entry(&entry)?;
            }
            if let (Some(row), Some((_, f))) = (row, &mut self.attr) {
                f.write_row(&row)?;
            }
        }
        self.lines += batch.lines.len() as u64;
        self.obs.progress(self.lines);
        Ok(())
    }
}

/// The slice of the inputs part `id` audits; a partial audit must write a report.
fn part_slice(corpus: &Corpus, id: crate::shard::ShardId, opts: &Options) -> Result<parts::Slice> {
    if opts.report.is_none() {
        return Err(Error::Usage(format!(
            "--shard-index: a part of an audit needs --report FILE (its partial report, for `factpress audit merge`); {id} has none"
        )));
    }
    if opts.attributes.is_some() {
        return Err(Error::Usage(
            "--attributes cannot be split into parts yet (an attribute file is one per input file); run it without --shard-index".into(),
        ));
    }
    let files = corpus.files();
    parts::Slice::of(id, files.len(), |i| parts::count_lines(&files[i].path))
}

/// The `part` key of a partial report: which part, and digests that tie it to its audit.
fn part_key(id: crate::shard::ShardId, spec: &Path, opts: &Options) -> Result<serde_json::Value> {
    use sha2::{Digest, Sha256};
    let digest = |p: &Path| -> Result<String> {
        let bytes = std::fs::read(p).map_err(Error::io("cannot read", p))?;
        Ok(hex::encode(Sha256::digest(bytes)))
    };
    let against: Vec<String> = opts
        .against
        .iter()
        .map(|p| digest(p))
        .collect::<Result<_>>()?;
    Ok(serde_json::json!({
        "index": id.index,
        "count": id.count,
        "spec_sha256": digest(spec)?,
        "against_sha256": against,
    }))
}

fn prepare_attributes(dir: &Path, corpus: &Corpus) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for s in corpus.files() {
        let p = attributes::path_for(dir, &s.path);
        if !seen.insert(p.clone()) {
            return Err(Error::Usage(format!(
                "--attributes: two inputs would write {}; give inputs with distinct file names",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(Error::io("cannot create", dir))
}

/// The keys that open the `--report` file, before its `documents` array.
fn report_header(
    spec: &Path,
    files: &[String],
    text_field: &str,
    summary: &Summary,
    opts: &Options,
) -> serde_json::Value {
    serde_json::json!({
        "factpress_audit": 1,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "spec": spec.display().to_string(),
        "inputs": files,
        "text_field": text_field,
        "intended_known": summary.intended_known,
        "ngram": opts.ngram,
        "against": opts.against.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "span_unit": "unicode code points, [start, end) into the text field",
    })
}
