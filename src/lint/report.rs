//! What a lint tells: the running totals ([`Summary`], with the first examples of each
//! class), the `--json` report file (every seam, written as the lint goes and moved into
//! place only when it is complete), and the human summary table. Formats only.

use super::Class;
use super::run::{DocLint, Found};
use crate::error::Result;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Examples kept per class.
pub const EXAMPLES: usize = 5;

/// The totals of a lint.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub documents: u64,
    pub text_bytes: u64,
    /// Lines that were skipped (not JSON, no text field, ...).
    pub malformed: u64,
    /// Documents with at least one seam of any class.
    pub documents_with_seams: u64,
    pub seams: u64,
    /// One entry per class linted, in the order of [`Class::ALL`].
    pub classes: Vec<ClassCount>,
}

#[derive(Debug, Serialize)]
pub struct ClassCount {
    pub class: Class,
    /// Documents with at least one seam of the class.
    pub documents: u64,
    pub seams: u64,
    /// Documents with the class, by template (factpress corpora).
    pub templates: BTreeMap<String, u64>,
    /// The first [`EXAMPLES`] seams, in input order.
    pub examples: Vec<Example>,
}

/// One seam, where it is.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub id: String,
    pub file: String,
    pub line: u64,
    pub template: Option<String>,
    pub span: (usize, usize),
    pub excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The template (or spec) file and line the seam most likely comes from.
    pub source: Option<String>,
}

impl Example {
    fn new(d: &DocLint, s: &Found, file: &str, line: u64) -> Example {
        Example {
            id: d.id.clone(),
            file: file.to_string(),
            line,
            template: d.template.clone(),
            span: s.seam.span,
            excerpt: s.seam.excerpt.clone(),
            note: s.seam.note.clone(),
            source: s.place.as_ref().map(|p| format!("{}:{}", p.file, p.line)),
        }
    }
}

impl Summary {
    pub fn new(classes: &[Class]) -> Summary {
        Summary {
            documents: 0,
            text_bytes: 0,
            malformed: 0,
            documents_with_seams: 0,
            seams: 0,
            classes: classes
                .iter()
                .map(|&class| ClassCount {
                    class,
                    documents: 0,
                    seams: 0,
                    templates: BTreeMap::new(),
                    examples: Vec::new(),
                })
                .collect(),
        }
    }

    /// Adds one document found at `file:line`.
    pub fn add(&mut self, d: &DocLint, file: &str, line: u64) {
        self.documents += 1;
        self.text_bytes += d.bytes as u64;
        self.seams += d.seams.len() as u64;
        if !d.seams.is_empty() {
            self.documents_with_seams += 1;
        }
        for c in &mut self.classes {
            let mut any = false;
            for s in d.seams.iter().filter(|s| s.seam.class == c.class) {
                any = true;
                c.seams += 1;
                if c.examples.len() < EXAMPLES {
                    c.examples.push(Example::new(d, s, file, line));
                }
            }
            if any {
                c.documents += 1;
                if let Some(t) = &d.template {
                    *c.templates.entry(t.clone()).or_default() += 1;
                }
            }
        }
    }

    /// The summary table: one row per class with its share of documents, an example and
    /// the templates most affected.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "linted {} document(s), {:.2} MB of text; {} malformed line(s) skipped; \
             {} document(s) with seams ({} seams)\n",
            self.documents,
            self.text_bytes as f64 / 1e6,
            self.malformed,
            self.documents_with_seams,
            self.seams
        );
        let _ = writeln!(
            s,
            "{:<20} {:>10} {:>8} {:>8}",
            "class", "documents", "seams", "share"
        );
        for c in &self.classes {
            let share = 100.0 * c.documents as f64 / (self.documents.max(1)) as f64;
            let _ = writeln!(
                s,
                "{:<20} {:>10} {:>8} {:>7.2}%",
                c.class.name(),
                c.documents,
                c.seams,
                share
            );
            if let Some(e) = c.examples.first() {
                let mut at = format!("{}:{}", e.file, e.line);
                if let Some(src) = &e.source {
                    let _ = write!(at, ", {src}");
                } else if let Some(t) = &e.template {
                    let _ = write!(at, ", {t}, line unknown");
                }
                let _ = writeln!(s, "    e.g. {} ({at}): {}", e.id, e.excerpt);
            }
            if !c.templates.is_empty() {
                let mut top: Vec<(&String, &u64)> = c.templates.iter().collect();
                top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let list: Vec<String> = top
                    .iter()
                    .take(5)
                    .map(|(t, n)| format!("{t} ({n})"))
                    .collect();
                let more = top.len().saturating_sub(5);
                let _ = writeln!(
                    s,
                    "    in {}{}",
                    list.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                );
            }
        }
        s
    }
}

/// The `--json` file, streamed (see `crate::report_file`); malformed lines are listed after
/// the seams.
pub struct ReportFile {
    file: crate::report_file::ReportFile,
    malformed: Vec<serde_json::Value>,
}

impl ReportFile {
    pub fn create(
        path: &Path,
        files: &[String],
        text_field: &str,
        classes: &[Class],
    ) -> Result<ReportFile> {
        let head = json!({
            "factpress_lint": 1,
            "tool_version": env!("CARGO_PKG_VERSION"),
            "inputs": files,
            "text_field": text_field,
            "classes": classes,
            "span_unit": "unicode code points, [start, end) into the text field",
        });
        Ok(ReportFile {
            file: crate::report_file::ReportFile::create(path, head, "seams")?,
            malformed: Vec::new(),
        })
    }

    /// One seam of document `d` at `file:line`.
    pub fn seam(&mut self, d: &DocLint, s: &Found, file: &str, line: u64) -> Result<()> {
        let e = Example::new(d, s, file, line);
        let entry = json!({
            "class": s.seam.class,
            "id": e.id,
            "file": e.file,
            "line": e.line,
            "template": e.template,
            "span": e.span,
            "excerpt": e.excerpt,
            "note": e.note,
            "source": e.source,
        })
        .to_string();
        self.file.entry(&entry)
    }

    /// A skipped line, listed after the seams.
    pub fn malformed(&mut self, file: &str, line: u64, error: &str) {
        self.malformed
            .push(json!({"file": file, "line": line, "error": error}));
    }

    pub fn finish(self, summary: &Summary) -> Result<()> {
        let bad = serde_json::to_string(&self.malformed).expect("values serialise");
        let s = serde_json::to_string(summary).expect("summary serialises");
        self.file
            .finish(&format!("\"malformed\":{bad},\"summary\":{s}"))
    }
}
