//! dolma-style attribute files: for each input file, a file of the same name in the
//! `--attributes` folder, compressed the same way, with one row per input line in the same
//! order: `{"id": …, "attributes": {"factpress__fact__<id>": [[start, end, score]], …}}`.
//! Spans are character offsets into the text field. Writes only into that folder.

use super::overlap::Against;
use super::scan::DocFindings;
use crate::error::{Error, Result};
use crate::rules::Rules;
use serde_json::{Map, Value, json};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

enum Sink {
    Plain(BufWriter<File>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
}

/// The attribute file of one input file, written row by row.
pub struct AttributeFile {
    path: PathBuf,
    sink: Sink,
}

/// The attribute file path for `input` in `dir`: same file name.
pub fn path_for(dir: &Path, input: &Path) -> PathBuf {
    dir.join(input.file_name().unwrap_or(input.as_os_str()))
}

impl AttributeFile {
    pub fn create(dir: &Path, input: &Path) -> Result<AttributeFile> {
        let path = path_for(dir, input);
        let f = BufWriter::new(File::create(&path).map_err(Error::io("cannot create", &path))?);
        let name = path.to_string_lossy();
        let sink = if name.ends_with(".zst") || name.ends_with(".zstd") {
            let mut enc = zstd::Encoder::new(f, 3).map_err(Error::io("cannot write", &path))?;
            enc.include_checksum(true)
                .map_err(Error::io("cannot write", &path))?;
            Sink::Zstd(enc)
        } else if name.ends_with(".gz") {
            Sink::Gzip(flate2::write::GzEncoder::new(
                f,
                flate2::Compression::default(),
            ))
        } else {
            Sink::Plain(f)
        };
        Ok(AttributeFile { path, sink })
    }

    pub fn write_row(&mut self, row: &str) -> Result<()> {
        let w: &mut dyn Write = match &mut self.sink {
            Sink::Plain(w) => w,
            Sink::Zstd(w) => w,
            Sink::Gzip(w) => w,
        };
        w.write_all(row.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
            .map_err(Error::io("cannot write", &self.path))
    }

    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let err = Error::io("cannot write", &path);
        let f = match self.sink {
            Sink::Plain(w) => w.into_inner().map_err(|e| e.into_error()),
            Sink::Zstd(w) => w
                .finish()
                .and_then(|w| w.into_inner().map_err(|e| e.into_error())),
            Sink::Gzip(w) => w
                .finish()
                .and_then(|w| w.into_inner().map_err(|e| e.into_error())),
        };
        f.and_then(|f| f.sync_all()).map_err(err)
    }
}

/// The attribute names, in the order written: one per fact, per forbidden class, and the
/// overlap when `--against` is given.
fn names(rules: &Rules, against: Option<&Against>) -> Vec<String> {
    let mut n: Vec<String> = rules
        .facts
        .iter()
        .map(|f| format!("factpress__fact__{}", f.id))
        .collect();
    n.extend(
        rules
            .forbidden
            .iter()
            .map(|f| format!("factpress__forbidden__{}", f.id)),
    );
    if let Some(a) = against {
        n.push(format!("factpress__overlap__ngram{}", a.ngram));
    }
    n
}

/// The attribute row of a document: fact spans score 1.0, forbidden spans 1.0, overlap spans
/// score the run's length in words.
pub fn row(d: Option<&DocFindings>, id: &str, rules: &Rules, against: Option<&Against>) -> String {
    let mut attrs = Map::new();
    let mut lists: Vec<Vec<Value>> = vec![Vec::new(); names(rules, against).len()];
    if let Some(d) = d {
        for (f, spans) in &d.present {
            lists[*f].extend(spans.iter().map(|s| json!([s.0, s.1, 1.0])));
        }
        let nf = rules.facts.len();
        for h in &d.forbidden {
            lists[nf + h.class].push(json!([h.span.0, h.span.1, 1.0]));
        }
        if against.is_some() {
            let last = lists.len() - 1;
            lists[last].extend(
                d.overlap
                    .over
                    .iter()
                    .map(|r| json!([r.span.0, r.span.1, r.words as f64])),
            );
        }
    }
    for (name, list) in names(rules, against).into_iter().zip(lists) {
        attrs.insert(name, Value::Array(list));
    }
    json!({"id": id, "attributes": attrs}).to_string()
}
