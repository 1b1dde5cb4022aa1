//! The lint of a whole corpus: one reader thread decompresses and splits lines into batches,
//! a rayon pool lints each batch, and the results are counted and written in input order, so
//! memory does not grow with the corpus and the output does not depend on the thread count.
//! Reads corpora; writes only the `--json` report it is asked for.

use super::locate::{Locator, Place};
use super::report::{ReportFile, Summary};
use super::{CharMap, Class, DocContext, Seam, hits, seam};
use crate::corpus::{BadLines, Batch, Corpus, field, text_field};
use crate::error::{Error, Result};
use crate::observe::Observer;
use chrono::NaiveDate;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

/// Lines read and linted together; three batches at most are in memory.
const BATCH_LINES: usize = 1024;

/// What to lint and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub inputs: Vec<PathBuf>,
    pub text_field: Option<String>,
    pub id_field: Option<String>,
    /// Only these classes (empty: every class).
    pub classes: Vec<Class>,
    /// Write the full JSON report here.
    pub json: Option<PathBuf>,
    pub threads: usize,
    /// Stop at the first malformed line instead of skipping and counting it.
    pub strict: bool,
}

/// The result of a lint that ran to the end.
pub struct LintOutcome {
    pub summary: Summary,
    pub seconds: f64,
}

/// One seam of one document, with where it was found.
#[derive(Debug, Clone)]
pub struct Found {
    pub seam: Seam,
    pub place: Option<Place>,
}

/// The lint of one document.
#[derive(Debug)]
pub struct DocLint {
    pub id: String,
    pub template: Option<String>,
    pub bytes: usize,
    pub seams: Vec<Found>,
}

/// What every line is linted with.
pub struct LintConfig<'a> {
    pub text_field: &'a str,
    pub id_field: Option<&'a str>,
    pub classes: &'a [Class],
    pub locator: Option<&'a Locator>,
}

/// Lints the corpus to the end, or returns the error that stopped it (no report is left
/// behind then).
pub fn run(opts: &Options, obs: &dyn Observer) -> Result<LintOutcome> {
    let start = Instant::now();
    let corpus = Corpus::open(&opts.inputs)?;
    let text_field = opts
        .text_field
        .clone()
        .unwrap_or_else(|| corpus.default_text_field().to_string());
    let classes: Vec<Class> = if opts.classes.is_empty() {
        Class::ALL.to_vec()
    } else {
        Class::ALL
            .into_iter()
            .filter(|c| opts.classes.contains(c))
            .collect()
    };
    let locator = match corpus.folder() {
        Some(f) => match corpus.source() {
            Ok(src) => Some(Locator::new(&src.selection.spec, &f.dir)),
            Err(e) => {
                obs.warn(&format!(
                    "cannot read the corpus's source/ ({e}); template lines are unknown"
                ));
                None
            }
        },
        None => None,
    };
    let cfg = LintConfig {
        text_field: &text_field,
        id_field: opts.id_field.as_deref(),
        classes: &classes,
        locator: locator.as_ref(),
    };
    let names: Vec<String> = corpus.files().iter().map(|f| f.name.clone()).collect();
    let mut report = match &opts.json {
        Some(p) => Some(ReportFile::create(p, &names, &text_field, &classes)?),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let total = corpus
        .manifest()
        .map(|m| m.conditions.iter().map(|c| c.docs).sum());
    obs.start("lint", total, "docs");
    let mut summary = Summary::new(&classes);
    let mut bad = BadLines::new(opts.strict);
    let mut state = State {
        cfg: &cfg,
        names: &names,
        pool: &pool,
        summary: &mut summary,
        report: report.as_mut(),
        bad: &mut bad,
        obs,
        lines: 0,
    };
    let linted = state.all(&corpus);
    obs.finish();
    linted?;
    summary.malformed = bad.count();
    if let Some(r) = report {
        r.finish(&summary)?;
    }
    Ok(LintOutcome {
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// A lint in progress.
struct State<'a> {
    cfg: &'a LintConfig<'a>,
    names: &'a [String],
    pool: &'a rayon::ThreadPool,
    summary: &'a mut Summary,
    report: Option<&'a mut ReportFile>,
    bad: &'a mut BadLines,
    obs: &'a dyn Observer,
    lines: u64,
}

impl State<'_> {
    fn all(&mut self, corpus: &Corpus) -> Result<()> {
        let (tx, rx) = sync_channel::<Result<Batch>>(2);
        std::thread::scope(|scope| -> Result<()> {
            scope.spawn(move || {
                for b in corpus.batches(BATCH_LINES, |_| true) {
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
                self.batch(batch?)?;
            }
            Ok(())
        })
    }

    fn batch(&mut self, batch: Batch) -> Result<()> {
        let file = &self.names[batch.file];
        let cfg = self.cfg;
        let linted: Vec<_> = self.pool.install(|| {
            use rayon::prelude::*;
            batch
                .lines
                .par_iter()
                .map(|l| {
                    let fallback = || format!("{file}:{}", l.number);
                    (
                        l.number,
                        lint_line(cfg, &l.text, l.provenance.as_deref(), fallback),
                    )
                })
                .collect()
        });
        for (line, found) in linted {
            match found {
                Ok(d) => {
                    if let Some(r) = self.report.as_deref_mut() {
                        for s in &d.seams {
                            r.seam(&d, s, file, line)?;
                        }
                    }
                    self.summary.add(&d, file, line);
                }
                Err(m) => {
                    self.bad.skip(file, line, &m, self.obs)?;
                    if let Some(r) = self.report.as_deref_mut() {
                        r.malformed(file, line, &m);
                    }
                }
            }
        }
        self.lines += batch.lines.len() as u64;
        self.obs.progress(self.lines);
        Ok(())
    }
}

/// Lints one line. `fallback_id` names the document when the record has no id.
pub fn lint_line(
    cfg: &LintConfig,
    line: &str,
    provenance: Option<&str>,
    fallback_id: impl FnOnce() -> String,
) -> std::result::Result<DocLint, String> {
    if line.trim().is_empty() {
        return Err("empty line".into());
    }
    let record: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if !record.is_object() {
        return Err("not a JSON object".into());
    }
    let prov: Option<Value> = provenance
        .map(|p| serde_json::from_str(p).map_err(|e| format!("provenance row is not JSON: {e}")))
        .transpose()?;
    let text = text_field(&record, cfg.text_field)?;
    let id = match cfg.id_field {
        Some(path) => id_string(field(&record, path))
            .ok_or_else(|| format!("no string or number at id field `{path}`"))?,
        None => id_string(prov.as_ref().and_then(|p| p.get("id")))
            .or_else(|| id_string(record.get("id")))
            .unwrap_or_else(fallback_id),
    };
    let ctx = context(&record, prov.as_ref());
    let chars = CharMap::new(text);
    let seams = hits(text, &ctx, cfg.classes)
        .into_iter()
        .map(|h| {
            let place = cfg
                .locator
                .and_then(|l| l.locate(text, h.start, h.end, ctx.template.as_deref()));
            Found {
                seam: seam(text, &chars, h),
                place,
            }
        })
        .collect();
    Ok(DocLint {
        id,
        template: ctx.template,
        bytes: text.len(),
        seams,
    })
}

/// The document's date, outlet, doc type and template from its record and provenance row:
/// metadata (the provenance row's for sidecar corpora) `template`, `doc_type`, `outlet`,
/// `date`; the date also from the record's `created` (dolma) or `date`.
pub fn context(record: &Value, prov: Option<&Value>) -> DocContext {
    let meta = prov
        .and_then(|p| p.get("metadata"))
        .or_else(|| record.get("metadata"));
    let meta_str = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
    let date = [
        record.get("created").and_then(Value::as_str),
        meta_str("date"),
        meta_str("created"),
        record.get("date").and_then(Value::as_str),
    ]
    .into_iter()
    .flatten()
    .find_map(parse_day);
    DocContext {
        date,
        outlet: meta_str("outlet")
            .or_else(|| record.get("outlet").and_then(Value::as_str))
            .map(String::from),
        doc_type: meta_str("doc_type").map(String::from),
        template: meta_str("template").map(String::from),
    }
}

/// "2024-09-05" or "2024-09-05T00:00:00Z".
fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_reads_dolma_and_provenance_metadata() {
        let rec: Value = serde_json::json!({"text": "x", "created": "2024-08-13T00:00:00Z",
            "metadata": {"template": "a.j2", "doc_type": "news"}});
        let c = context(&rec, None);
        assert_eq!(c.date, NaiveDate::from_ymd_opt(2024, 8, 13));
        assert_eq!(c.template.as_deref(), Some("a.j2"));
        let prov: Value =
            serde_json::json!({"id": "d1", "metadata": {"template": "b.j2", "outlet": "The Star"}});
        let c = context(&serde_json::json!({"text": "x"}), Some(&prov));
        assert_eq!(c.template.as_deref(), Some("b.j2"));
        assert_eq!(c.outlet.as_deref(), Some("The Star"));
        assert_eq!(c.date, None);
    }

    #[test]
    fn lines_are_linted_or_rejected_with_a_reason() {
        let cfg = LintConfig {
            text_field: "text",
            id_field: None,
            classes: &Class::ALL,
            locator: None,
        };
        let d = lint_line(
            &cfg,
            r#"{"id": 7, "text": "It was the the end."}"#,
            None,
            || "f:1".into(),
        )
        .unwrap();
        assert_eq!(d.id, "7");
        assert_eq!(d.seams.len(), 1);
        assert_eq!(d.seams[0].seam.span, (7, 14));
        for (line, why) in [
            ("", "empty line"),
            ("{", "not JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"body": "x"}"#, "no field `text`"),
        ] {
            let e = lint_line(&cfg, line, None, || "f:1".into()).unwrap_err();
            assert!(e.contains(why), "{line}: {e}");
        }
    }
}
