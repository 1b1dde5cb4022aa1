//! `factpress audit`: proves what a corpus teaches. For every document of a factpress corpus
//! folder or of any JSONL files, which facts are present (by their `detect` rules), which
//! forbidden classes match, and what it shares word for word with `--against` texts; for
//! factpress corpora also intended vs present. Streams: one reader thread decompresses and
//! splits lines into batches, a rayon pool scans each batch, and the results are written in
//! input order, so memory does not grow with the corpus and the output does not depend on the
//! thread count. Reads corpora; writes only the report and attribute files it is asked for.

pub mod attributes;
pub mod overlap;
pub mod report;
pub mod rules;
pub mod scan;

use crate::error::{Error, Result};
use crate::input::{self, Inputs};
use attributes::AttributeFile;
use overlap::Against;
use report::Summary;
use rules::Rules;
use scan::{ScanConfig, scan_line};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

/// Lines read and scanned together; three batches at most are in memory.
const BATCH_LINES: usize = 1024;
/// Malformed lines described on stderr before the rest are only counted.
const MALFORMED_SHOWN: u64 = 20;

/// Conditions that make `audit` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Some document matches a forbidden class.
    Forbidden,
    /// Some intended fact was lost (factpress corpora); some fact is in no document (others).
    Missing,
    /// Some document shares `--ngram` or more words in a row with an `--against` text.
    Overlap,
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

/// Gives an error from `input::read_batch` the file it came from.
pub(crate) fn at_path(e: Error, path: &Path) -> Error {
    match e {
        Error::Corrupt { message, .. } => Error::Corrupt {
            path: path.to_path_buf(),
            message,
        },
        other => other,
    }
}

struct Batch {
    source: usize,
    lines: Vec<(u64, String)>,
    provenance: Vec<Option<String>>,
}

/// Runs the audit to the end, or returns the error that stopped it (no report is left
/// behind then).
pub fn run(opts: &Options) -> Result<Outcome> {
    let start = Instant::now();
    let inputs = input::resolve(&opts.inputs)?;
    let spec_path = match (&opts.spec, &inputs.manifest) {
        (Some(p), _) => p.clone(),
        (None, Some((dir, m))) => dir.join("source").join(&m.spec),
        (None, None) => {
            return Err(Error::Usage(
                "--spec SPEC is required unless INPUT is a factpress corpus folder".into(),
            ));
        }
    };
    let spec = rules::load(&spec_path)?;
    let (rules, undetectable) = Rules::compile(&spec.facts, &spec.forbidden)?;
    let against = if opts.against.is_empty() {
        None
    } else {
        Some(Against::load(&opts.against, opts.ngram)?)
    };
    let intended = inputs.manifest.is_some();
    let text_field = opts
        .text_field
        .clone()
        .unwrap_or_else(|| inputs.default_text_field.clone());
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
        prepare_attributes(dir, &inputs)?;
    }
    let mut report = opts.report.as_deref().map(ReportFile::create).transpose()?;
    let names: Vec<String> = inputs
        .sources
        .iter()
        .map(|s| display(&s.path, &inputs))
        .collect();
    let mut summary = Summary::new(&rules, against.as_ref(), intended);
    summary.undetectable_facts = undetectable;
    if let Some(r) = &mut report {
        r.header(&spec_path, &names, &text_field, &summary, opts)?;
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let (tx, rx) = sync_channel::<Result<Batch>>(2);
    std::thread::scope(|scope| -> Result<()> {
        let sources = &inputs.sources;
        scope.spawn(move || {
            if let Err(e) = read_all(sources, &tx) {
                let _ = tx.send(Err(e));
            }
        });
        let mut attr: Option<(usize, AttributeFile)> = None;
        for batch in rx {
            let batch = batch?;
            let file = &names[batch.source];
            if let Some(dir) = &opts.attributes
                && attr.as_ref().is_none_or(|(s, _)| *s != batch.source)
            {
                if let Some((_, f)) = attr.take() {
                    f.finish()?;
                }
                let f = AttributeFile::create(dir, &inputs.sources[batch.source].path)?;
                attr = Some((batch.source, f));
            }
            let want_attrs = attr.is_some();
            let want_report = report.is_some();
            let scanned: Vec<_> = pool.install(|| {
                use rayon::prelude::*;
                batch
                    .lines
                    .par_iter()
                    .zip(&batch.provenance)
                    .map(|((line, text), prov)| {
                        let fallback = || format!("{file}:{line}");
                        let found = scan_line(&cfg, text, prov.as_deref(), fallback);
                        let entry = want_report.then(|| match &found {
                            Ok(d) => report::doc_entry(d, file, *line, &rules, against.as_ref()),
                            Err(m) => report::malformed_entry(file, *line, m),
                        });
                        let row = want_attrs.then(|| match &found {
                            Ok(d) => attributes::row(Some(d), &d.id, &rules, against.as_ref()),
                            Err(_) => attributes::row(None, &fallback(), &rules, against.as_ref()),
                        });
                        (*line, found, entry, row)
                    })
                    .collect()
            });
            for (line, found, entry, row) in scanned {
                match &found {
                    Ok(d) => summary.add(d, inputs.sources[batch.source].condition.as_deref()),
                    Err(m) => {
                        summary.malformed += 1;
                        if summary.malformed <= MALFORMED_SHOWN {
                            eprintln!("warning: {file}:{line}: {m}; line skipped");
                        } else if summary.malformed == MALFORMED_SHOWN + 1 {
                            eprintln!(
                                "warning: more malformed lines; all are listed in the report"
                            );
                        }
                    }
                }
                if let (Some(r), Some(entry)) = (&mut report, entry) {
                    r.entry(&entry)?;
                }
                if let (Some(row), Some((_, f))) = (row, &mut attr) {
                    f.write_row(&row)?;
                }
            }
        }
        if let Some((_, f)) = attr.take() {
            f.finish()?;
        }
        Ok(())
    })?;
    if let Some(r) = report {
        r.finish(&summary)?;
    }
    Ok(Outcome {
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// How a file is named in the report: relative to the corpus folder for corpus shards.
fn display(path: &Path, inputs: &Inputs) -> String {
    match &inputs.manifest {
        Some((dir, _)) => path.strip_prefix(dir).unwrap_or(path).display().to_string(),
        None => path.display().to_string(),
    }
}

/// Reads every source in order, in batches, with its provenance rows alongside.
fn read_all(
    sources: &[input::Source],
    tx: &std::sync::mpsc::SyncSender<Result<Batch>>,
) -> Result<()> {
    for (i, s) in sources.iter().enumerate() {
        let mut data = input::open(&s.path)?;
        let mut prov: Option<Box<dyn BufRead + Send>> =
            s.provenance.as_deref().map(input::open).transpose()?;
        let (mut line, mut prov_line) = (0u64, 0u64);
        let mut prov_batch = Vec::new();
        loop {
            let mut lines = Vec::with_capacity(BATCH_LINES);
            let more = input::read_batch(&mut *data, &mut line, BATCH_LINES, &mut lines)
                .map_err(|e| at_path(e, &s.path))?;
            let provenance = match (&mut prov, s.provenance.as_deref()) {
                (Some(r), Some(p)) => {
                    input::read_batch(&mut **r, &mut prov_line, lines.len(), &mut prov_batch)
                        .map_err(|e| at_path(e, p))?;
                    if prov_batch.len() != lines.len() {
                        return Err(Error::Corrupt {
                            path: p.to_path_buf(),
                            message: format!(
                                "has {prov_line} rows but {} has more records",
                                s.path.display()
                            ),
                        });
                    }
                    prov_batch.drain(..).map(|(_, t)| Some(t)).collect()
                }
                _ => vec![None; lines.len()],
            };
            if !lines.is_empty()
                && tx
                    .send(Ok(Batch {
                        source: i,
                        lines,
                        provenance,
                    }))
                    .is_err()
            {
                return Ok(()); // the consumer stopped on an error of its own
            }
            if !more {
                break;
            }
        }
    }
    Ok(())
}

fn prepare_attributes(dir: &Path, inputs: &Inputs) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for s in &inputs.sources {
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

/// The `--report` file, streamed: written beside its final name and moved into place only
/// when the audit is complete, so a report that exists is a whole one.
struct ReportFile {
    tmp: PathBuf,
    path: PathBuf,
    out: Option<BufWriter<std::fs::File>>,
    first: bool,
}

impl ReportFile {
    fn create(path: &Path) -> Result<ReportFile> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report.json".into());
        let tmp = path.with_file_name(format!(".{name}.factpress-tmp-{}", std::process::id()));
        let f = std::fs::File::create(&tmp).map_err(Error::io("cannot create", &tmp))?;
        Ok(ReportFile {
            tmp,
            path: path.to_path_buf(),
            out: Some(BufWriter::with_capacity(1 << 20, f)),
            first: true,
        })
    }

    fn write(&mut self, s: &str) -> Result<()> {
        self.out
            .as_mut()
            .expect("open until finished")
            .write_all(s.as_bytes())
            .map_err(Error::io("cannot write", &self.tmp))
    }

    fn header(
        &mut self,
        spec: &Path,
        files: &[String],
        text_field: &str,
        summary: &Summary,
        opts: &Options,
    ) -> Result<()> {
        let head = serde_json::json!({
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
        .to_string();
        // Keep the header's keys, then open the documents array.
        let head = head.strip_suffix('}').expect("a JSON object");
        self.write(&format!("{head},\"documents\":[\n"))
    }

    fn entry(&mut self, entry: &str) -> Result<()> {
        if !std::mem::replace(&mut self.first, false) {
            self.write(",\n")?;
        }
        self.write(entry)
    }

    fn finish(mut self, summary: &Summary) -> Result<()> {
        let s = serde_json::to_string(summary).expect("summary serialises");
        self.write(&format!("\n],\"summary\":{s}}}\n"))?;
        let f = self
            .out
            .take()
            .expect("open until finished")
            .into_inner()
            .map_err(|e| Error::io("cannot write", &self.tmp)(e.into_error()))?;
        f.sync_all().map_err(Error::io("cannot sync", &self.tmp))?;
        std::fs::rename(&self.tmp, &self.path).map_err(Error::io("cannot write", &self.path))
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        // Only reached with the temporary file still in place when the audit failed.
        let _ = std::fs::remove_file(&self.tmp);
    }
}
